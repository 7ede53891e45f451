/*
 * test_async.c: sessions that wait (cfgcall.c, coro.c) against the fake
 * cfgd of cmd_session.h holding its answers (cmd_fake.hold): a session
 * waiting for an answer is busy while the others run; a late answer
 * resumes it and the done callback follows; a timeout or a lost daemon
 * prints the usual error and leaves the session usable, and fails every
 * waiting session at once; a session freed while it waits unwinds without
 * output or leak; cfgd forgetting a session is handled as before; 64
 * sessions wait at once.  And the engine's side of three operator bugs:
 * another session's `sysname` commit shows in every prompt, Ctrl-C
 * abandons a question, `clear configuration candidate` keeps the
 * interface view.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"
#include "log.h"

static int n_done;

static void on_done(void *arg)
{
	n_done++;
}

/* What the fake cfgd does beyond cmd_session.h's. */
static struct {
	int forget;               /* answer so many session requests -ENOENT */
	const char *commit_sets;  /* the sysname a commit makes running's */
	int n_open;               /* SessionOpen requests seen */
	int n_close;
} F;

static void hook(const CfgRequest *req, CfgReply *rep)
{
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SESSION_OPEN:
		F.n_open++;
		rep->state->session = 100 + (uint64_t)F.n_open;
		break;
	case CFG_REQUEST__REQ_SESSION_CLOSE:
		F.n_close++;
		break;
	case CFG_REQUEST__REQ_EDIT:
		if (F.forget > 0) {
			F.forget--;
			rep->status = -ENOENT;
			rep->error = "No such session.";
			return;
		}
		for (size_t i = 0; i < req->edit->n_edit; i++)
			cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
		break;
	case CFG_REQUEST__REQ_COMMIT:
		if (F.commit_sets)
			snprintf(cmd_fake.sysname, sizeof(cmd_fake.sysname), "%s", F.commit_sets);
		cmd_fake.dirty = false;
		sbuf_puts(&cmd_fake.log, "COMMIT\n");
		break;
	case CFG_REQUEST__REQ_REFRESH:
		cmd_fake.dirty = false;
		sbuf_puts(&cmd_fake.log, "DISCARD\n");
		break;
	default:
		break;
	}
}

static void setup(void)
{
	memset(&F, 0, sizeof(F));
	n_done = 0;
	cmd_fake_setup(hook, false);
}

static void teardown(void)
{
	cmd_fake_teardown();
}

TestSuite(async, .init = setup, .fini = teardown);

static struct cli_session *session(const char *vty)
{
	struct cli_session *s = cmd_session_new(vty);

	cli_session_on_done(s, on_done);
	return s;
}

Test(async, open_waits_for_cfgd)
{
	struct cli_session *s;

	cmd_fake.hold = true;
	s = cli_session_new(cmd_fake.be, "admin", "VTY 0", cmd_fake_out, NULL);
	cr_assert_not_null(s);
	cr_assert(cli_busy(s));
	cli_session_on_done(s, on_done);
	cr_assert(cmd_fake_release());
	cr_assert_eq(n_done, 1);
	cr_assert_not(cli_busy(s));
	cr_assert_not(cli_ended(s));
	cr_assert_str_eq(cli_prompt(s), "<HUAWEI>");
	cli_session_free(s);
}

Test(async, open_fails_late)
{
	struct cli_session *s;

	cmd_fake.hold = true;
	s = cli_session_new(cmd_fake.be, "admin", "VTY 0", cmd_fake_out, NULL);
	cr_assert_not_null(s);
	cli_session_on_done(s, on_done);
	cmd_fake_fail(-ETIMEDOUT);
	cr_assert_eq(n_done, 1);
	cr_assert(cli_ended(s));
	cr_assert_str_eq(cmd_printed(), "Error: The configuration service is not available.\r\n");
	cli_session_free(s);
}

/* While A waits for its running configuration, B edits and displays. */
Test(async, others_run_while_one_waits)
{
	struct cli_session *a = session("VTY 0"), *b = session("VTY 1");

	cr_assert_eq(cli_exec(a, "system-view"), CLI_DONE);
	cr_assert_eq(cli_exec(b, "system-view"), CLI_DONE);
	cmd_printed();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(a, "display current-configuration"), CLI_BUSY);
	cr_assert(cli_busy(a));
	cr_assert_str_eq(cmd_printed(), "");
	cmd_fake.hold = false;
	cr_assert_eq(cli_exec(b, "sysname DeviceB"), CLI_DONE);
	cr_assert_eq(cli_exec(b, "display current-configuration"), CLI_DONE);
	cr_assert_not_null(strstr(cmd_printed(), "return"));
	cr_assert_eq(n_done, 0);
	cr_assert(cmd_fake_release());
	cr_assert_eq(n_done, 1);
	cr_assert_not(cli_busy(a));
	cr_assert_not_null(strstr(cmd_printed(), "return"));
	cr_assert_str_eq(cli_prompt(a), "[~HUAWEI]");
	cli_session_free(a);
	cli_session_free(b);
}

Test(async, timeout_reported_session_usable)
{
	struct cli_session *s = session("VTY 0");

	cli_exec(s, "system-view");
	cmd_printed();
	cmd_edits();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(s, "sysname X"), CLI_BUSY);
	cmd_fake_fail(-ETIMEDOUT);
	cr_assert_eq(n_done, 1);
	cr_assert_str_eq(cmd_printed(), "Error: The configuration service is not available.\r\n");
	cmd_fake.hold = false;
	cmd_edits();
	cmd_run(s, "sysname Y", "SET system {sysname: \"Y\"}\n", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	/* An ntpd that does not answer in time: its own sentence. */
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(s, "display ntp-service status"), CLI_BUSY);
	cmd_fake_fail(-ETIMEDOUT);
	cr_assert_str_eq(cmd_printed(), "Error: The NTP service is not available.\r\n");
	cli_session_free(s);
}

/* cfgd went away: every waiting session is failed at once. */
Test(async, lost_daemon_fails_every_waiting_session)
{
	struct cli_session *v[3];

	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "VTY %d", i);
		v[i] = session(name);
		cli_exec(v[i], "system-view");
	}
	cmd_printed();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(v[0], "commit"), CLI_BUSY);
	cr_assert_eq(cli_exec(v[1], "display current-configuration"), CLI_BUSY);
	cr_assert_eq(cli_exec(v[2], "sysname Z"), CLI_BUSY);
	cmd_fake_fail(-ECONNRESET);
	cr_assert_eq(n_done, 3);
	cr_assert_str_eq(cmd_printed(), "Error: The configuration service is not available.\r\n"
			 "Error: The configuration service is not available.\r\n"
			 "Error: The configuration service is not available.\r\n");
	for (int i = 0; i < 3; i++) {
		cr_assert_not(cli_busy(v[i]));
		cli_session_free(v[i]);
	}
}

/* cfgd restarted and forgot the session: a new one, a warning, the edit
 * sent again, each step answered late. */
Test(async, forgotten_session_reopened)
{
	struct cli_session *s = session("VTY 0");

	cli_exec(s, "system-view");
	cmd_printed();
	cmd_edits();
	F.forget = 1;
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(s, "sysname X"), CLI_BUSY);
	cr_assert(cmd_fake_release());   /* -ENOENT */
	cr_assert(cli_busy(s));
	cr_assert(cmd_fake_release());   /* the new session */
	cr_assert(cli_busy(s));
	cr_assert_eq(F.n_open, 2);
	cr_assert(cmd_fake_release());   /* the edit again */
	cr_assert_not(cli_busy(s));
	cr_assert_eq(n_done, 1);
	cr_assert_str_eq(cmd_edits(), "SET system {sysname: \"X\"}\n");
	cr_assert_str_eq(cmd_printed(), "Warning: The configuration service was restarted; "
			 "uncommitted configurations were discarded.\r\n");
	cli_session_free(s);
}

/* The user hangs up while the session waits: the call is abandoned,
 * nothing is printed, the cfgd session is closed, nothing leaks. */
Test(async, free_while_waiting)
{
	struct cli_session *s = session("VTY 0");

	cli_exec(s, "system-view");
	cli_exec(s, "sysname A");
	cmd_printed();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(s, "commit"), CLI_BUSY);
	cr_assert_eq(cmd_fake.n_held, 1);
	cli_session_free(s);
	cr_assert_eq(cmd_fake.n_held, 0);
	cr_assert_eq(n_done, 0);
	cr_assert_str_eq(cmd_printed(), "");
	cr_assert_eq(F.n_close, 1);
	/* A late answer for the freed session is dropped. */
	cli_backend_complete(cmd_fake.be, 12345, -ETIMEDOUT, NULL);
}

Test(async, sixty_four_sessions_wait_at_once)
{
	struct cli_session *v[64];

	for (int i = 0; i < 64; i++) {
		char name[16];

		snprintf(name, sizeof(name), "VTY %d", i);
		v[i] = session(name);
		cli_exec(v[i], "system-view");
	}
	cmd_fake.hold = true;
	for (int i = 0; i < 64; i++)
		cr_assert_eq(cli_exec(v[i], "display current-configuration"), CLI_BUSY);
	cr_assert_eq(cmd_fake.n_held, 64);
	for (int i = 0; i < 64; i++)
		cr_assert(cmd_fake_release());
	cr_assert_eq(n_done, 64);
	for (int i = 0; i < 64; i++) {
		cr_assert_not(cli_busy(v[i]));
		cli_session_free(v[i]);
	}
}

/* Bug: a session kept showing the old sysname after another committed. */
Test(async, other_sessions_commit_renames_prompt)
{
	struct cli_session *a = session("VTY 0"), *b = session("VTY 1");

	cli_exec(a, "system-view");
	cli_exec(b, "system-view");
	cli_exec(b, "sysname DeviceX");
	F.commit_sets = "DeviceX";
	cr_assert_eq(cli_exec(b, "commit"), CLI_DONE);
	cr_assert_str_eq(cli_prompt(b), "[~DeviceX]");
	cr_assert_str_eq(cli_prompt(a), "[~DeviceX]");
	cli_session_free(a);
	cli_session_free(b);
}

/* Bug: Ctrl-C at a question printed ^C and no prompt; it abandons it. */
Test(async, cancel_abandons_question)
{
	struct cli_session *s = session("VTY 0");

	cr_assert_not(cli_cancel(s));
	cli_exec(s, "system-view");
	cli_exec(s, "sysname A");
	cmd_printed();
	cli_exec(s, "quit");
	cr_assert(cli_awaiting_answer(s));
	cr_assert(cli_cancel(s));
	cr_assert_not(cli_awaiting_answer(s));
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cli_exec(s, "return");
	cr_assert(cli_awaiting_answer(s));
	cr_assert(cli_cancel(s));
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cli_exec(s, "save");
	cr_assert(cli_awaiting_answer(s));
	cr_assert(cli_cancel(s));
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cmd_edits();
	cmd_printed();
	cmd_run(s, "commit", "COMMIT\n", "");
	cli_session_free(s);
}

/* Bug: `clear configuration candidate` left the interface view. */
Test(async, clear_candidate_keeps_interface_view)
{
	struct cli_session *s = session("VTY 0");

	cli_exec(s, "system-view");
	cli_exec(s, "interface GigabitEthernet0/1/0");
	cli_exec(s, "description uplink");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-GigabitEthernet0/1/0]");
	cmd_edits();
	cmd_run(s, "clear configuration candidate", "DISCARD\n", "");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI-GigabitEthernet0/1/0]");
	/* An ACL view whose ACL the cleared candidate no longer has: back to
	 * system view. */
	cli_exec(s, "acl number 2000");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-acl-basic-2000]");
	cmd_edits();
	cmd_run(s, "clear configuration candidate", "DISCARD\n", "");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI]");
	cli_session_free(s);
}
