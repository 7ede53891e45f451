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
#include "cli_int.h"
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
	/* The commit's outcome is unknown: it says so. */
	cr_assert_str_eq(cmd_printed(), "Error: The configuration service is not available.\r\n"
			 "Info: The commit may have been made before its answer was lost: "
			 "display configuration commit list tells.\r\n"
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

/* ---- pipelining, with a front end that holds output as vty.c does ---- */

static struct {
	struct sbuf shown;        /* what the terminal shows */
	struct sbuf held;
	size_t held_off;
	size_t marks[CLI_PIPE_MAX + 8];
	size_t n_holds;
	bool defer;               /* the next prompt comes with a release */
} FE;

static void fe_write(const char *buf, size_t len)
{
	sbuf_printf(FE.n_holds ? &FE.held : &FE.shown, "%.*s", (int)len, buf);
}

static void fe_out(void *arg, const char *buf, size_t len)
{
	fe_write(buf, len);
}

static void fe_hold(void *arg)
{
	if (FE.n_holds > 0)
		FE.marks[FE.n_holds - 1] = FE.held.len;
	FE.n_holds++;
	FE.defer = true;
}

static void fe_release(void *arg, const char *text, size_t len)
{
	size_t upto;

	cr_assert_gt(FE.n_holds, 0, "a release without a hold");
	sbuf_printf(&FE.shown, "%.*s", (int)len, text);
	FE.n_holds--;
	upto = FE.n_holds ? FE.marks[0] : FE.held.len;
	sbuf_printf(&FE.shown, "%.*s", (int)(upto - FE.held_off), FE.held.buf + FE.held_off);
	FE.held_off = upto;
	if (FE.n_holds)
		memmove(FE.marks, FE.marks + 1, (FE.n_holds - 1) * sizeof(FE.marks[0]));
	else {
		sbuf_free(&FE.held);
		FE.held_off = 0;
	}
}

/* A line as the front end runs it: echo, the engine, the next prompt. */
static enum cli_status fe_line(struct cli_session *s, const char *line)
{
	enum cli_status st;
	char echo[600];

	snprintf(echo, sizeof(echo), "%s\r\n", line);
	fe_write(echo, strlen(echo));
	st = cli_exec(s, line);
	if (st == CLI_DONE && !FE.defer)
		fe_write(cli_prompt(s), strlen(cli_prompt(s)));
	if (st == CLI_DONE)
		FE.defer = false;
	return st;
}

static void fe_done(void *arg)
{
	n_done++;
}

static void refuse_bad(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case == CFG_REQUEST__REQ_EDIT && req->edit->n_edit == 1 &&
	    req->edit->edit[0]->value && req->edit->edit[0]->value->system &&
	    !strcmp(req->edit->edit[0]->value->system->sysname, "Bad") && !F.forget) {
		rep->status = -EINVAL;
		rep->error = "The sysname is refused.";
		return;
	}
	hook(req, rep);
}

static struct cli_session *fe_session(void)
{
	struct cli_session *s;

	memset(&FE, 0, sizeof(FE));
	cmd_fake.hook = refuse_bad;
	s = cli_session_new(cmd_fake.be, "admin", "VTY 0", fe_out, NULL);
	cr_assert_not_null(s);
	cli_session_on_done(s, fe_done);
	cli_session_on_pipeline(s, fe_hold, fe_release);
	cr_assert_eq(fe_line(s, "system-view"), CLI_DONE);
	sbuf_free(&FE.shown);
	return s;
}

static const char *fe_shown(void)
{
	return cmd_take(&FE.shown);
}

/* Edits go out without waiting; each result shows at its own line. */
Test(async, pipelined_errors_at_their_lines)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	cr_assert_eq(fe_line(s, "sysname A"), CLI_DONE);
	cr_assert_eq(fe_line(s, "sysname Bad"), CLI_DONE);
	cr_assert_eq(fe_line(s, "sysname C"), CLI_DONE);
	cr_assert_not(cli_busy(s));
	cr_assert_eq(cmd_fake.n_held, 3, "the edits were not all sent");
	cr_assert_str_eq(fe_shown(), "sysname A\r\n");
	cr_assert(cmd_fake_release());
	cr_assert_str_eq(fe_shown(), "[*HUAWEI]sysname Bad\r\n");
	cr_assert(cmd_fake_release());
	cr_assert_str_eq(fe_shown(), "Error: The sysname is refused.\r\n[*HUAWEI]sysname C\r\n");
	cr_assert(cmd_fake_release());
	cr_assert_str_eq(fe_shown(), "[*HUAWEI]");
	cr_assert_str_eq(cmd_edits(), "SET system {sysname: \"A\"}\nSET system {sysname: \"C\"}\n");
	cr_assert_eq(n_done, 0);
	cli_session_free(s);
}

/* A line without an edit behind outstanding edits: its prompt waits for
 * their results too, and a refused first edit leaves '~'. */
Test(async, pipelined_prompts_follow_results)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	fe_line(s, "sysname Bad");
	fe_line(s, "bogus");
	fe_line(s, "sysname A");
	fe_line(s, "");
	while (cmd_fake_release())
		;
	cr_assert_str_eq(fe_shown(), "sysname Bad\r\nError: The sysname is refused.\r\n[~HUAWEI]"
			 "bogus\r\n         ^\r\nError: Unrecognized command found at '^' position.\r\n"
			 "[~HUAWEI]sysname A\r\n[*HUAWEI]\r\n[*HUAWEI]");
	cli_session_free(s);
}

/* A line that needs an answer waits for its own, after the edits'. */
Test(async, pipelined_then_query)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	cr_assert_eq(fe_line(s, "sysname Bad"), CLI_DONE);
	cr_assert_eq(fe_line(s, "display current-configuration"), CLI_BUSY);
	cmd_fake_release();
	cmd_fake_release();
	cr_assert_eq(n_done, 1);
	const char *t = fe_shown();
	const char *e = strstr(t, "Error: The sysname is refused.\r\n[~HUAWEI]display");
	cr_assert(e, "order:\n%s", t);
	cr_assert(strstr(e, "return"), "order:\n%s", t);
	cli_session_free(s);
}

/* Leaving system view waits for every result: the question depends on it. */
Test(async, pipelined_then_leave)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	cr_assert_eq(fe_line(s, "sysname A"), CLI_DONE);
	cr_assert_eq(fe_line(s, "return"), CLI_BUSY);
	cr_assert(cmd_fake_release());
	cr_assert_eq(n_done, 1);
	cr_assert(cli_awaiting_answer(s));
	cli_session_free(s);
}

/* cfgd lost the session under two pipelined edits: a new session, the
 * warning at the first line, both edits sent again, in order. */
Test(async, pipelined_lost_session_replayed)
{
	struct cli_session *s = fe_session();

	F.forget = 2;
	cmd_fake.hold = true;
	cr_assert_eq(fe_line(s, "sysname A"), CLI_DONE);
	cr_assert_eq(fe_line(s, "sysname B"), CLI_DONE);
	cr_assert(cmd_fake_release());   /* A: -ENOENT */
	cr_assert(cmd_fake_release());   /* B: -ENOENT; the replay starts */
	cr_assert(cli_busy(s));
	cr_assert(cmd_fake_release());   /* the new session */
	cr_assert(cmd_fake_release());   /* A again */
	cr_assert(cmd_fake_release());   /* B again */
	cr_assert_not(cli_busy(s));
	cr_assert_eq(F.n_open, 2);
	cr_assert_str_eq(cmd_edits(), "SET system {sysname: \"A\"}\nSET system {sysname: \"B\"}\n");
	cr_assert_str_eq(fe_shown(), "sysname A\r\nWarning: The configuration service was "
			 "restarted; uncommitted configurations were discarded.\r\n[*HUAWEI]sysname B"
			 "\r\n[*HUAWEI]");
	cli_session_free(s);
}

/* cfgd went away under pipelined edits: each line says so, in place. */
Test(async, pipelined_daemon_lost)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	fe_line(s, "sysname A");
	fe_line(s, "sysname B");
	cmd_fake_fail(-ECONNRESET);
	cr_assert_str_eq(fe_shown(), "sysname A\r\nError: The configuration service is not "
			 "available.\r\n[~HUAWEI]sysname B\r\nError: The configuration service is not "
			 "available.\r\n[~HUAWEI]");
	cli_session_free(s);
}

/* Freed with edits in flight: nothing shown, nothing leaked. */
Test(async, pipelined_free)
{
	struct cli_session *s = fe_session();

	cmd_fake.hold = true;
	fe_line(s, "sysname A");
	fe_line(s, "sysname B");
	cli_session_free(s);
	cr_assert_eq(cmd_fake.n_held, 0);
	cr_assert_str_eq(fe_shown(), "sysname A\r\n");
	sbuf_free(&FE.held);
}

/* More lines than the pipeline holds: the next one waits for room. */
Test(async, pipeline_bounded)
{
	struct cli_session *s = fe_session();
	char line[64];

	cmd_fake.hold = true;
	for (int i = 0; i < CLI_PIPE_MAX; i++) {
		snprintf(line, sizeof(line), "sysname N%d", i);
		cr_assert_eq(fe_line(s, line), CLI_DONE);
	}
	cr_assert_eq(fe_line(s, "sysname Last"), CLI_BUSY);
	cr_assert(cmd_fake_release());
	cr_assert_eq(n_done, 1);
	cr_assert_eq(cmd_fake.n_held, CLI_PIPE_MAX);
	while (cmd_fake_release())
		;
	cr_assert_eq(cmd_fake.n_held, 0);
	cli_session_free(s);
	sbuf_free(&FE.shown);
	sbuf_free(&FE.held);
}
