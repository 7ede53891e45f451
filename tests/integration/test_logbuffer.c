/*
 * test_logbuffer.c: `display logbuffer` and `terminal monitor` over real
 * telnet on two lab devices (DeviceC serving its local clock, DeviceD its
 * client):
 *  - a failed and a good login, a commit, and D's synchronization to C all
 *    show in D's `display logbuffer`, each with VRP's time, host and
 *    module tag;
 *  - a session with `terminal monitor` sees another session's commit as it
 *    happens, printed on lines of its own with its prompt and the line it
 *    was typing redrawn after it; the committing session sees nothing;
 *  - after `undo terminal monitor` nothing more arrives (checked after a
 *    later command's answer, which the event would have preceded);
 *  - a killed and restarted clid shows the daemons' events again;
 *  - removing the server and shutting the interface down show as
 *    synchronization lost and link down;
 *  - after `clock datetime`, a commit is stamped on the new time.
 * Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab.h"
#include "vtyclient.h"

static void run_all(struct vty *v, const char *dev, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++) {
		char *out = NULL;
		int r = lab_cmd(v, dev, lines[i], &out);

		cr_assert_eq(r, 0, "%s: '%s' got no prompt back", dev, lines[i]);
		cr_assert(!strstr(out, "Error:"), "%s: '%s' failed:\n%s", dev, lines[i], out);
		cr_assert(!strstr(out, "%%01"), "%s: '%s' printed an event without the monitor:\n%s",
			  dev, lines[i], out);
		free(out);
	}
}

static const char *const conf_c[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.31 255.255.255.0", "quit", "sysname DeviceC",
	"ntp-service refclock-master 2", "commit", "return", NULL,
};
static const char *const conf_d_if[] = {
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown",
	"ip address 10.0.1.32 255.255.255.0", "quit", "sysname DeviceD", "commit", NULL,
};
static const char *const conf_d_ntp[] = {
	"ntp-service unicast-server 10.0.1.31", "commit", "return", NULL,
};

/* "2026-12-07 " for today (UTC), as the entries start. */
static void today(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d ", &tm);
}

Test(logbuffer, events_and_monitor, .fini = lab_down, .timeout = 280)
{
	char *out = NULL, day[32], err[256], prompt[128], want[160];
	size_t mark;
	int r;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.3:8", NULL), 0, "the lab did not come up");

	/* A failed login on DeviceD: refused, then the session ends. */
	struct vty *bad = NULL;
	double deadline = lab_now() + 20;

	while (!bad && lab_now() < deadline) {
		bad = vty_connect(lab_dev("DeviceD")->ns, "127.0.0.1", 23, 2000, err, sizeof(err));
		if (!bad)
			lab_pause_ms(200);
	}
	cr_assert_not_null(bad, "no connection to DeviceD: %s", err);
	r = vty_login(bad, LAB_USER, "not-the-password", 10000);
	cr_assert_eq(r, -EACCES, "a wrong password was not refused (%d):\n%s", r,
		     vty_transcript(bad));
	vty_close(bad);

	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	struct vty *vm = lab_vty("DeviceD", 20000);

	cr_assert(vc && vd && vm, "no VTY session");
	run_all(vc, "DeviceC", conf_c);

	/* The monitor on, and a line half typed when the commit happens. */
	cr_assert_eq(lab_cmd(vm, "DeviceD", "terminal monitor", &out), 0);
	cr_assert(strstr(out, "Info: Current terminal monitor is on."), "%s", out);
	free(out);
	snprintf(prompt, sizeof(prompt), "%s", vty_prompt(vm));
	snprintf(want, sizeof(want), "%sdisplay ver", prompt);
	r = vty_keys(vm, "display ver", want, 10000);
	cr_assert_eq(r, 0, "no echo: %d", r);
	mark = strlen(vty_transcript(vm));
	run_all(vd, "DeviceD", conf_d_if);
	r = vty_wait_text(vm, mark, "%%01CONFIGURATION/5/CFG_COMMIT(l):CID=0x80ca0002;The "
			  "configuration was committed. (CommitId=", "display ver", 10000);
	cr_assert_eq(r, 0, "the commit did not show on the monitoring session:\n%s",
		     vty_transcript(vm) + mark);
	{
		const char *t = vty_transcript(vm) + mark;
		const char *ev = strstr(t, "%%01CONFIGURATION/5/CFG_COMMIT(l)");
		const char *nl = strrchr(t, '\n');

		const char *bol = ev;

		while (bol > t && bol[-1] != '\n')
			bol--;
		today(day, sizeof(day));
		/* On a line of its own: "TIME HOST %%01...", the host the
		 * session's name for the device (HUAWEI until it sees the new
		 * sysname); the partial line redrawn after its prompt on the
		 * last line. */
		cr_assert(!strncmp(bol, day, strlen(day)) && ev - bol >= 27 && bol[19] == ' ',
			  "time:\n%s", t);
		cr_assert(!strncmp(bol + 20, "DeviceD %%01", 12) ||
			  !strncmp(bol + 20, "HUAWEI %%01", 11), "host:\n%s", t);
		cr_assert(strstr(ev, "UserName=admin"), "%s", t);
		cr_assert(nl && nl > ev && strstr(nl, ">display ver"), "not redrawn:\n%s", t);
		lab_note("logbuffer: the monitoring session showed:\n%s", t);
	}
	/* Ctrl-U drops the partial line (an empty line then gives a clean
	 * prompt to the client's terminal model); the monitor off. */
	cr_assert_eq(vty_keys(vm, "\x15", prompt, 10000), 0);
	cr_assert_eq(vty_cmd(vm, "", NULL, 10000), 0);
	cr_assert_eq(lab_cmd(vm, "DeviceD", "undo terminal monitor", &out), 0);
	cr_assert(strstr(out, "Info: Current terminal monitor is off."), "%s", out);
	free(out);
	mark = strlen(vty_transcript(vm));

	/* D follows C: the synchronization goes to the buffer. */
	run_all(vd, "DeviceD", conf_d_ntp);
	static const char *const want_sync[] = { "clock status: synchronized", NULL };
	cr_assert(lab_wait_output(vd, "display ntp-service status", want_sync, 90000, &out),
		  "DeviceD not synchronized:\n%s", out ? out : "");
	free(out);
	static const char *const want_log[] = {
		"Logging buffer configuration and contents : enabled\n",
		"Actual buffer size : 512\n",
		"%%01NTP/4/NTP_SYNCHRONIZE_STATUS(l):CID=0x80ca0004;NTP state changed from "
		"unsynchronized to synchronized. (SynchronizationSourceAddress = 10.0.1.31 ",
		"%%01CONFIGURATION/5/CFG_COMMIT(l):CID=0x80ca0002;",
		"%%01SHELL/5/LOGIN(l):CID=0x80ca0001;The user succeeded in logging in to VTY ",
		"%%01SHELL/4/LOGINFAILED(l):CID=0x80ca0001;Failed to login. (Ip=127.0.0.1, "
		"UserName=admin, Times=1,",
		NULL,
	};
	cr_assert(lab_wait_output(vd, "display logbuffer", want_log, 20000, &out),
		  "display logbuffer on DeviceD:\n%s", out ? out : "");
	fprintf(stderr, "[DeviceD] display logbuffer:\n%s", out);
	/* Newest first: the synchronization above the commits. */
	cr_assert(strstr(out, "NTP_SYNCHRONIZE_STATUS") < strstr(out, "CFG_COMMIT"), "%s", out);
	cr_assert(strstr(out, "CFG_COMMIT") < strstr(out, "SHELL/5/LOGIN"), "%s", out);
	free(out);

	/* The monitor is off: the synchronization, emitted before this
	 * command's answer, never reached vm. */
	cr_assert_eq(lab_cmd(vm, "DeviceD", "display users", &out), 0);
	free(out);
	cr_assert(!strstr(vty_transcript(vm) + mark, "%%01"), "after undo terminal monitor:\n%s",
		  vty_transcript(vm) + mark);

	/* The events live in the daemons that emitted them: a restarted clid
	 * shows them again (its own, the logins before, are gone). */
	r = lab_kill("DeviceD", "clid");
	cr_assert_eq(r, 0, "clid not killed: %s", strerror(-r));
	lab_vty_close(vd);
	lab_vty_close(vm);
	cr_assert_eq(lab_script("start", "DeviceD", "clid", NULL), 0, "clid did not start again");
	vd = lab_vty("DeviceD", 30000);
	cr_assert(vd, "no VTY session after clid's restart");
	static const char *const want_again[] = {
		"%%01NTP/4/NTP_SYNCHRONIZE_STATUS(l):CID=0x80ca0004;",
		"CFG_COMMIT(l):CID=0x80ca0002;The configuration was committed. (CommitId=1000000002",
		"%%01SHELL/5/LOGIN(l)", NULL,
	};
	cr_assert(lab_wait_output(vd, "display logbuffer", want_again, 20000, &out),
		  "display logbuffer after clid's restart:\n%s", out ? out : "");
	cr_assert(!strstr(out, "LOGINFAILED"), "%s", out);
	free(out);

	/* The server removed and the interface shut down: synchronization
	 * lost, link down. */
	static const char *const undo[] = {
		"system-view", "undo ntp-service unicast-server 10.0.1.31",
		"interface GigabitEthernet0/1/0", "shutdown", "quit", "commit", "return", NULL,
	};
	run_all(vd, "DeviceD", undo);
	static const char *const want_lost[] = {
		"%%01NTP/2/NTP_SYNCHRONIZE_STATUS(l):CID=0x80ca0004;NTP state changed from "
		"synchronized to unsynchronized. (SynchronizationSourceAddress = 10.0.1.31 , "
		"VpnInstance = , Reason = ",
		"%%01IFNET/4/IF_STATE(l):CID=0x80ca0003;Interface GigabitEthernet0/1/0 has turned "
		"into DOWN state.",
		NULL,
	};
	cr_assert(lab_wait_output(vd, "display logbuffer", want_lost, 20000, &out),
		  "display logbuffer after the server's removal:\n%s", out ? out : "");
	free(out);

	/* The operator sets the unsynchronized clock: cfgd's next commit is
	 * stamped on the new time (ntpd tells clid its clock moved). */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "clock datetime utc 00:00:00 2030-01-01", &out), 0);
	cr_assert(!strstr(out, "Error"), "%s", out);
	free(out);
	static const char *const again[] = {
		"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", "quit", "commit",
		"return", NULL,
	};
	run_all(vd, "DeviceD", again);
	static const char *const want_stepped[] = {
		"\n2030-01-01 00:00:", " DeviceD %%01CONFIGURATION/5/CFG_COMMIT(l):CID=0x80ca0002;"
		"The configuration was committed. (CommitId=1000000004, ", NULL,
	};
	cr_assert(lab_wait_output(vd, "display logbuffer", want_stepped, 20000, &out),
		  "display logbuffer after clock datetime:\n%s", out ? out : "");
	cr_assert(strstr(out, "\n2030-01-01 00:00:") <
		  strstr(out, "CommitId=1000000004"), "%s", out);
	/* What came before the step stays where it was. */
	{
		const char *first = strstr(out, "(CommitId=1000000001,");
		const char *bol = first;

		cr_assert_not_null(first, "%s", out);
		while (bol > out && bol[-1] != '\n')
			bol--;
		cr_assert(!strncmp(bol, day, strlen(day)), "%s", out);
	}
	fprintf(stderr, "[DeviceD] display logbuffer at the end:\n%s", out);
	free(out);
	cr_assert_eq(lab_finish(), 0);
}
