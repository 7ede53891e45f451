/*
 * test_aaa.c: who may log in, over real telnet in the lab (DeviceC, D and
 * E on 10.0.1.0/24):
 *  - the bootstrap's admin configures local users and commits; its own
 *    session goes on, while the bootstrap users no longer log in (the
 *    first-boot rule);
 *  - a level-1 user logs in and is refused every configuration command
 *    with VRP's error, but may display;
 *  - a user without service-type telnet is refused;
 *  - a user with three wrong passwords from three connections is blocked:
 *    even the right password is refused, `display local-user` shows Block,
 *    and `display logbuffer` the failed logins and the block (the block's
 *    end, minutes later, is test_access.c's, on a fake clock), the logins,
 *    logouts and commits with user, line and address;
 *  - `idle-timeout 0 3` closes a new session after 3 s, not the one that
 *    made the change;
 *  - `acl 2001 inbound` lets DeviceD's address in and closes DeviceE's
 *    connection without a prompt, which shows in the log buffer.
 * Every wait has a deadline; the lab is torn down even on failure.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "vtyclient.h"

static void run_all(struct vty *v, const char *dev, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++) {
		char *out = NULL;
		int r = lab_cmd(v, dev, lines[i], &out);

		cr_assert_eq(r, 0, "%s: '%s' got no prompt back", dev, lines[i]);
		cr_assert(!strstr(out, "Error:"), "%s: '%s' failed:\n%s", dev, lines[i], out);
		free(out);
	}
}

/* A connection from namespace ns to host's telnet, or NULL. */
static struct vty *connect_to(const char *ns, const char *host)
{
	char err[256] = "";
	double deadline = lab_now() + 20;
	struct vty *v = NULL;

	while (!v && lab_now() < deadline) {
		v = vty_connect(ns, host, 23, 2000, err, sizeof(err));
		if (!v)
			lab_pause_ms(200);
	}
	cr_assert_not_null(v, "no connection to %s from %s: %s", host, ns, err);
	return v;
}

/* Log in as user on DeviceC over loopback: vty_login's result; *out the
 * session when it is 0 (else closed). */
static int login_c(const char *user, const char *password, struct vty **out)
{
	struct vty *v = connect_to(lab_dev("DeviceC")->ns, "127.0.0.1");
	int r = vty_login(v, user, password, 10000);

	if (r == 0 && out) {
		*out = v;
		return 0;
	}
	if (out)
		*out = NULL;
	vty_close(v);
	return r;
}

static const char *const if_c[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "quit", "commit", "return", NULL,
};
static const char *const if_d[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.32 255.255.255.0", "quit", "commit", "return", NULL,
};
static const char *const if_e[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.33 255.255.255.0", "quit", "commit", "return", NULL,
};
static const char *const users_c[] = {
	"system-view", "aaa",
	"local-user boss password irreversible-cipher Boss@12345",
	"local-user boss privilege level 15", "local-user boss service-type telnet ssh",
	"local-user viewer password irreversible-cipher View@12345",
	"local-user viewer privilege level 1", "local-user viewer service-type telnet",
	"local-user sshonly password irreversible-cipher Ssh@123456",
	"local-user sshonly privilege level 3", "local-user sshonly service-type ssh",
	"local-user victim password irreversible-cipher Vict@12345",
	"local-user victim privilege level 3", "local-user victim service-type telnet",
	"local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 5",
	"commit", "quit", NULL,
};

Test(aaa, users_levels_block_idle_acl, .fini = lab_down, .timeout = 400)
{
	struct vty *vc, *v;
	char *out = NULL;
	int r;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0:0", "DeviceE:0:0", NULL), 0,
		     "the lab did not come up");
	vc = lab_vty("DeviceC", 20000);
	cr_assert_not_null(vc, "no VTY session on DeviceC");
	{
		struct vty *vd = lab_vty("DeviceD", 20000), *ve = lab_vty("DeviceE", 20000);

		cr_assert(vd && ve, "no VTY session on DeviceD/E");
		run_all(vc, "DeviceC", if_c);
		run_all(vd, "DeviceD", if_d);
		run_all(ve, "DeviceE", if_e);
	}

	/* Local users: the session that committed them goes on. */
	run_all(vc, "DeviceC", users_c);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration configuration aaa",
			     &out), 0);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration", &out), 0);
	cr_assert(strstr(out, " local-user boss password irreversible-cipher $"), "%s", out);
	cr_assert_null(strstr(out, "Boss@12345"), "a password in clear:\n%s", out);
	free(out);

	/* The bootstrap's admin no longer logs in; boss does. */
	r = login_c(LAB_USER, LAB_PASSWORD, NULL);
	cr_assert_eq(r, -EACCES, "the bootstrap user still logs in (%d)", r);
	cr_assert_eq(login_c("boss", "Boss@12345", &v), 0, "boss cannot log in");
	vty_close(v);

	/* Level 1: displays only. */
	cr_assert_eq(login_c("viewer", "View@12345", &v), 0, "viewer cannot log in");
	{
		static const char *const refused[] = { "system-view", "save", "commit",
						       "clock datetime 10:00:00 2026-01-01", NULL };

		for (size_t i = 0; refused[i]; i++) {
			cr_assert_eq(lab_cmd(v, "DeviceC", refused[i], &out), 0);
			cr_assert(strstr(out, "Error: Unrecognized command found at '^' position."),
				  "level 1 ran '%s':\n%s", refused[i], out);
			free(out);
		}
		cr_assert_eq(lab_cmd(v, "DeviceC", "display local-user", &out), 0);
		cr_assert(strstr(out, "viewer"), "%s", out);
		free(out);
		cr_assert_eq(strcmp(vty_prompt(v), "<HUAWEI>"), 0, "prompt %s", vty_prompt(v));
	}
	vty_close(v);

	/* No telnet in its service types. */
	r = login_c("sshonly", "Ssh@123456", NULL);
	cr_assert_eq(r, -EACCES, "a user without telnet logged in over telnet (%d)", r);

	/* Three wrong passwords from three connections block victim. */
	for (int i = 0; i < 3; i++) {
		r = login_c("victim", "wrong-password", NULL);
		cr_assert_eq(r, -EACCES, "wrong password %d: %d", i, r);
	}
	r = login_c("victim", "Vict@12345", NULL);
	cr_assert_eq(r, -EACCES, "a blocked user logged in (%d)", r);
	{
		static const char *const want[] = {
			"  victim                           Block   T      Dft", NULL,
		};

		cr_assert(lab_wait_output(vc, "display local-user", want, 10000, &out),
			  "display local-user does not show the block:\n%s", out);
		lab_note("aaa: display local-user:\n%s", out);
		free(out);
	}
	{
		static const char *const want[] = {
			"SHELL/4/LOGINFAILED", "UserName=victim", "Ip=127.0.0.1",
			"AAA/4/USERBLOCK", "Reason=the user is blocked",
			"SHELL/5/LOGIN", "UserName=boss", "SHELL/5/LOGOUT",
			"SHELL/5/CMDRECORD(l):CID=0x80ca0001;Recorded command information. "
			"(Task=VTY 0, Ip=127.0.0.1, VpnName=, User=admin, Command=\"commit\"",
			NULL,
		};

		cr_assert(lab_wait_output(vc, "display logbuffer", want, 10000, &out),
			  "display logbuffer lacks the audit:\n%s", out);
		lab_note("aaa: display logbuffer:\n%s", out);
		free(out);
	}

	/* idle-timeout for new sessions; this one keeps its 10 minutes. */
	run_all(vc, "DeviceC", (const char *const[]){ "user-interface vty 0 4", "idle-timeout 0 3",
						     "commit", "quit", NULL });
	cr_assert_eq(login_c("boss", "Boss@12345", &v), 0, "boss cannot log in");
	r = vty_wait_text(v, 0, "idle for too long", NULL, 20000);
	cr_assert(r == 0 || r == -ECONNRESET, "no idle close (%d):\n%s", r, vty_transcript(v));
	cr_assert(strstr(vty_transcript(v), "Info: The session is closed because it has been "
		  "idle for too long."), "%s", vty_transcript(v));
	vty_close(v);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display users", &out), 0,
		     "the session that set the idle timeout was cut");
	free(out);
	run_all(vc, "DeviceC", (const char *const[]){ "user-interface vty 0 4", "undo idle-timeout",
						     "quit", NULL });

	/* acl inbound: D (and loopback) in, E closed before any prompt. */
	run_all(vc, "DeviceC", (const char *const[]){
		"acl number 2001", "rule 5 permit source 10.0.1.32 0",
		"rule 10 permit source 127.0.0.1 0", "quit",
		"user-interface vty 0 4", "acl 2001 inbound", "commit", "quit", NULL });
	v = connect_to(lab_dev("DeviceD")->ns, "10.0.1.31");
	r = vty_login(v, "boss", "Boss@12345", 10000);
	cr_assert_eq(r, 0, "DeviceD was refused (%d):\n%s", r, vty_transcript(v));
	vty_close(v);
	v = connect_to(lab_dev("DeviceE")->ns, "10.0.1.31");
	r = vty_login(v, "boss", "Boss@12345", 10000);
	cr_assert_eq(r, -ECONNRESET, "DeviceE was not refused (%d):\n%s", r, vty_transcript(v));
	cr_assert_null(strstr(vty_transcript(v), "Username:"), "a prompt for E:\n%s",
		       vty_transcript(v));
	vty_close(v);
	{
		static const char *const want[] = { "Ip=10.0.1.33", "refused by the inbound ACL",
						    NULL };

		cr_assert(lab_wait_output(vc, "display logbuffer", want, 10000, &out),
			  "display logbuffer lacks the refusal:\n%s", out);
		free(out);
	}
	cr_assert_eq(lab_finish(), 0, "sanitizer reports in the daemons");
}
