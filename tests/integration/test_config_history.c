/*
 * test_config_history.c: the commit history end to end, over a real telnet
 * session on one lab device: commits with and without a label, `display
 * configuration commit list [verbose]` (newest first, the user and the
 * VTY), and `rollback configuration last 1` / `to label` / `to commit-id`:
 * each is a new commit that every daemon applies (ntpd's stratum follows
 * the rolled-back refclock-master), recorded as a rollback in the list;
 * `display configuration commit changes`, `display configuration candidate
 * changes`, `clear configuration candidate`, `commit trial` with `abort
 * trial` and with a confirming commit, and two sessions' conflicting
 * commits resolved by `refresh configuration candidate`, `display users`,
 * `set` / `clear configuration commit ID label`, `configuration exclusive`.  Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"

#define DEV "DeviceC"

/* `display ntp-service status` shows `stratum` within 30 s. */
static void expect_stratum(struct vty *v, const char *stratum)
{
	const char *const want[] = { "clock status: synchronized", stratum, NULL };
	char *out = NULL;
	bool ok = lab_wait_output(v, "display ntp-service status", want, 30000, &out);

	cr_expect(ok, "ntpd does not show '%s':\n%s", stratum, out ? out : "");
	free(out);
}

Test(config_history, commit_list_and_rollback, .fini = lab_down, .timeout = 200)
{
	lab_require_root();
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");

	static const char *const first[] = {
		"system-view", "sysname DeviceC", "ntp-service refclock-master 2",
		"commit label stratum-two", NULL,
	};
	static const char *const second[] = {
		"ntp-service refclock-master 5", "commit description five", "return", NULL,
	};
	lab_lines(v, DEV, first);
	expect_stratum(v, "clock stratum: 2");
	lab_lines(v, DEV, second);
	expect_stratum(v, "clock stratum: 5");

	static const char *const list[] = {
		" No.  CommitId     Label                  User        TimeStamp",
		" 1    1000000002   -                      admin", " 2    1000000001   stratum-two            admin",
		NULL,
	};
	lab_expect_output(v, DEV, "display configuration commit list", list);
	static const char *const verbose[] = {
		"1) CommitId: 1000000002\n   Label: -\n   User: admin\n   User-Intf: VTY 0",
		"   Description: five", "2) CommitId: 1000000001\n   Label: stratum-two", NULL,
	};
	lab_expect_output(v, DEV, "display configuration commit list verbose", verbose);

	/* Back one commit: stratum 2 again, everywhere. */
	char *out = NULL;
	cr_assert_eq(lab_cmd(v, DEV, "rollback configuration last 1", &out), 0);
	cr_expect(strstr(out, "Info: The configuration was rolled back; this is commit "
			 "1000000003."), "%s", out);
	free(out);
	expect_stratum(v, "clock stratum: 2");
	static const char *const conf2[] = { "ntp-service refclock-master 2\n", NULL };
	lab_expect_output(v, DEV, "display current-configuration", conf2);

	/* Forward again by commit id, back by label. */
	static const char *const fwd[] = { "rollback configuration to commit-id 1000000002", NULL };
	lab_lines(v, DEV, fwd);
	expect_stratum(v, "clock stratum: 5");
	static const char *const back[] = { "rollback configuration to label stratum-two", NULL };
	lab_lines(v, DEV, back);
	expect_stratum(v, "clock stratum: 2");
	static const char *const rolled[] = {
		"1) CommitId: 1000000005", "   Description: rollback to commit 1000000001",
		"2) CommitId: 1000000004", "   Description: rollback to commit 1000000002", NULL,
	};
	lab_expect_output(v, DEV, "display configuration commit list verbose 2", rolled);

	/* A point that does not exist: an error, nothing changes. */
	cr_assert_eq(lab_cmd(v, DEV, "rollback configuration to commit-id 1000000099", &out), 0);
	cr_expect(strstr(out, "Error: The commit ID 1000000099 does not exist."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "rollback configuration last 80", &out), 0);
	cr_expect(strstr(out, "Error: Cannot roll back 80 commits"), "%s", out);
	free(out);
	expect_stratum(v, "clock stratum: 2");

	/* What commit 1000000002 changed: the stratum line, as "-" and "+". */
	cr_assert_eq(lab_cmd(v, DEV, "display configuration commit changes commit-id 1000000002",
			     &out), 0);
	cr_expect(strstr(out, "#\n-ntp-service refclock-master 2\n"
			 "+ntp-service refclock-master 5\n#\n"), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "display configuration commit changes commit-id 1000000001",
			     &out), 0);
	cr_expect(strstr(out, "+sysname DeviceC\n"), "%s", out);
	cr_expect(strstr(out, "+ntp-service refclock-master 2\n"), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "display configuration commit changes commit-id 1000000099",
			     &out), 0);
	cr_expect(strstr(out, "Error: The commit ID 1000000099 does not exist."), "%s", out);
	free(out);

	/* The candidate's changes, then `clear configuration candidate`:
	 * back to '~', still in the interface view (the interface exists),
	 * nothing left to show or commit. */
	static const char *const edit[] = {
		"system-view", "ntp-service refclock-master 7", "interface GigabitEthernet0/1/0",
		"ntp-service broadcast-server", NULL,
	};
	lab_lines(v, DEV, edit);
	cr_assert_eq(lab_cmd(v, DEV, "display configuration candidate changes", &out), 0);
	cr_expect(strstr(out, "#\n-ntp-service refclock-master 2\n"
			 "+ntp-service refclock-master 7\n#\n"), "%s", out);
	/* The interface had no configuration: its section is new. */
	cr_expect(strstr(out, "#\n+interface GigabitEthernet0/1/0\n"
			 "+ ntp-service broadcast-server\n#\n"), "%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(v), "[*" DEV "-GigabitEthernet0/1/0]");
	cr_assert_eq(lab_cmd(v, DEV, "clear configuration candidate", &out), 0);
	free(out);
	cr_expect_str_eq(vty_prompt(v), "[~" DEV "-GigabitEthernet0/1/0]");
	cr_assert_eq(lab_cmd(v, DEV, "display configuration candidate changes", &out), 0);
	cr_expect_str_eq(out, "", "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "commit", &out), 0);
	cr_expect(strstr(out, "No configuration changes to commit."), "%s", out);
	free(out);

	/* `commit trial`: the Info of the manual, ntpd follows, `abort trial`
	 * brings the stratum back; a plain commit confirms a second trial. */
	static const char *const five[] = { "ntp-service refclock-master 5", NULL };
	lab_lines(v, DEV, five);
	cr_assert_eq(lab_cmd(v, DEV, "commit trial 30", &out), 0);
	cr_expect(strstr(out, "Error: Wrong parameter found at '^' position."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "commit trial 120", &out), 0);
	cr_expect(strstr(out, "Info: The system enters the trial configuration mode. The system "
			 "will revert to previous configuration if the trial configuration is "
			 "not confirmed in 120 seconds."), "%s", out);
	free(out);
	expect_stratum(v, "clock stratum: 5");
	cr_assert_eq(lab_cmd(v, DEV, "abort trial", &out), 0);
	cr_expect_eq(strstr(out, "Error:"), NULL, "%s", out);
	free(out);
	expect_stratum(v, "clock stratum: 2");
	lab_lines(v, DEV, five);
	cr_assert_eq(lab_cmd(v, DEV, "commit trial", &out), 0);
	cr_expect(strstr(out, "not confirmed in 600 seconds."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(v, DEV, "commit", &out), 0);
	cr_expect(strstr(out, "Info: The trial configuration is confirmed."), "%s", out);
	free(out);
	static const char *const trials[] = {
		"1) CommitId: 1000000008",
		"2) CommitId: 1000000007", "   User: admin", "   Description: trial commit "
		"1000000006 aborted", NULL,
	};
	lab_expect_output(v, DEV, "display configuration commit list verbose 2", trials);

	/* Two sessions change the same thing: the second commit is refused
	 * until `refresh configuration candidate` puts its change on top. */
	struct vty *v2 = lab_vty(DEV, 20000);
	cr_assert(v2, "no second VTY session");
	static const char *const nine[] = { "ntp-service refclock-master 9", NULL };
	lab_lines(v, DEV, nine);
	static const char *const four[] = {
		"system-view", "ntp-service refclock-master 4", "commit", "return", NULL,
	};
	lab_lines(v2, DEV, four);
	cr_assert_eq(lab_cmd(v, DEV, "commit", &out), 0);
	cr_expect(strstr(out, "Error: The configuration has been changed by another session "
			 "(commit 1000000009). Please refresh the candidate and try again."),
		  "%s", out);
	free(out);
	static const char *const refresh[] = { "refresh configuration candidate", "commit", NULL };
	lab_lines(v, DEV, refresh);
	/* Both sessions are listed, the asker's marked "+". */
	cr_assert_eq(lab_cmd(v2, DEV, "display users", &out), 0);
	cr_expect(strstr(out, "  User-Intf    Delay    Type   Network Address     AuthenStatus"),
		  "%s", out);
	cr_expect(strstr(out, "\n  34  VTY 0    00:00:"), "%s", out);
	cr_expect(strstr(out, "\n+ 35  VTY 1    00:00:00 TEL    127.0.0.1           pass"
			 "            no\n  Username : admin\n"), "%s", out);
	free(out);
	/* `configuration exclusive` in the second session: the first one
	 * still edits its candidate (as on VRP), but its commit is refused
	 * until the undo, its change kept. */
	static const char *const lock[] = { "configuration exclusive", NULL };
	lab_lines(v2, DEV, lock);
	static const char *const three[] = { "ntp-service refclock-master 3", NULL };
	lab_lines(v, DEV, three);
	cr_expect_str_eq(vty_prompt(v), "[*DeviceC]");
	cr_assert_eq(lab_cmd(v, DEV, "commit", &out), 0);
	cr_expect(strstr(out, "Error: The configuration is locked by another user (admin, "
			 "VTY 1)."), "%s", out);
	free(out);
	cr_expect_str_eq(vty_prompt(v), "[*DeviceC]");
	static const char *const holder[] = {
		"  User name       : admin\n  Session ID      : ",
		"  Lock type       : exclusive\n  User interface  : VTY 1\n", NULL,
	};
	lab_expect_output(v, DEV, "display configuration-occupied user", holder);
	static const char *const unlock[] = { "undo configuration exclusive", NULL };
	lab_lines(v2, DEV, unlock);
	static const char *const unlocked[] = { "Info: The configuration is not locked.", NULL };
	lab_expect_output(v, DEV, "display configuration-occupied user", unlocked);
	lab_vty_close(v2);
	static const char *const leave[] = { "commit", "return", NULL };
	lab_lines(v, DEV, leave);
	expect_stratum(v, "clock stratum: 3");

	/* A label afterwards, in user view; a second one needs a clear first. */
	static const char *const label[] = {
		"set configuration commit 1000000002 label five", NULL,
	};
	lab_lines(v, DEV, label);
	static const char *const labelled[] = { "1000000002   five ", NULL };
	lab_expect_output(v, DEV, "display configuration commit list", labelled);
	cr_assert_eq(lab_cmd(v, DEV, "set configuration commit 1000000002 label cinq", &out), 0);
	cr_expect(strstr(out, "Error: Commit 1000000002 already has the label five; clear it "
			 "first."), "%s", out);
	free(out);
	static const char *const relabel[] = {
		"clear configuration commit 1000000002 label",
		"set configuration commit 1000000002 label cinq", NULL,
	};
	lab_lines(v, DEV, relabel);

	lab_vty_close(v);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
