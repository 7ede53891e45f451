/*
 * cmd_session.h: a CLI backend over a fake cfgd for clid's command tests
 * (header-only: every function is static inline).
 *
 * The fake opens session 1, reports cmd_fake.sysname (HUAWEI) and the
 * candidate as dirty once an edit has been accepted (or from the start, see
 * cmd_fake_setup), and times out every ntpd request.  What an edit does and
 * what `get` answers is the test's: it passes a hook that sees each request
 * and may fill the reply: refuse it (status and error), drop the state, set
 * cmd_fake.dirty or cmd_fake.sysname.  The reply is copied after the hook,
 * so anything the hook points it at stays the test's.  A test that wants
 * ntpd's answers sets cmd_fake.ntp_hook (ifmgrd's: cmd_fake.if_hook), and cmd_fake.cfgd_down makes cfgd
 * time out.  Hooks that record edits write them to cmd_fake.log
 * (cmd_fake_edit_text), which cmd_run compares.  Criterion runs each test in
 * its own process, so the state lives in one static per test program.
 *
 * The fake answers inside the backend's send (a session is then never
 * busy) unless cmd_fake.hold is set: then each answer is computed when the
 * request is sent but held, and the test delivers it late with
 * cmd_fake_release() (the oldest first) or fails the held calls with
 * cmd_fake_fail() (e.g. -ETIMEDOUT, -ECONNRESET), or never.  Sessions made
 * here do not pipeline (no hold/release front end), so each edit is
 * answered before cli_exec() returns; test_async.c adds a front end that
 * does.
 */
#ifndef CLID_TEST_CMD_SESSION_H
#define CLID_TEST_CMD_SESSION_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "pbtext.h"

/* Sees each cfgd request; may set rep->config, rep->error (borrowed),
 * rep->status, or rep->state (the SessionState, or NULL for none). */
typedef void (*cmd_fake_hook)(const CfgRequest *req, CfgReply *rep);
/* Answers an ntpd request in rep (borrowed), or returns a negative errno
 * (the call fails, as when ntpd does not answer). */
typedef int (*cmd_fake_ntp_hook)(const NtpRequest *req, NtpReply *rep);
/* Likewise for ifmgrd. */
typedef int (*cmd_fake_if_hook)(const IfRequest *req, IfReply *rep);

static struct {
	struct sbuf out;          /* what the sessions printed */
	struct sbuf log;          /* the edits, as the test's hook records them */
	struct cli_backend *be;
	bool dirty;               /* reported in every SessionState */
	char sysname[64];         /* likewise */
	bool cfgd_down;           /* every cfgd request times out */
	cmd_fake_hook hook;
	cmd_fake_ntp_hook ntp_hook;  /* NULL: every ntpd request times out */
	cmd_fake_if_hook if_hook;    /* NULL: every ifmgrd request times out */
	bool hold;                /* hold the answers (see above) */
	struct cmd_fake_held {
		uint64_t tag;
		int r;
		ProtobufCMessage *reply;
	} held[128];
	size_t n_held;
	size_t n_sent;            /* requests sent, answered or not */
} cmd_fake;

/* A deep copy of m, as a reply unpacked from the wire would be. */
static inline ProtobufCMessage *cmd_fake_copy(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = xmalloc(len ? len : 1);
	ProtobufCMessage *r;

	protobuf_c_message_pack(m, buf);
	r = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	cr_assert_not_null(r);
	return r;
}

static inline int cmd_fake_cfg(const CfgRequest *req, CfgReply **reply)
{
	CfgReply rep = CFG_REPLY__INIT;
	SessionState st = SESSION_STATE__INIT;

	if (cmd_fake.cfgd_down)
		return -ETIMEDOUT;
	rep.has_status = true;
	rep.state = &st;
	if (req->req_case == CFG_REQUEST__REQ_SESSION_OPEN) {
		st.has_session = true;
		st.session = 1;
	}
	if (cmd_fake.hook)
		cmd_fake.hook(req, &rep);
	if (req->req_case == CFG_REQUEST__REQ_EDIT && rep.status == 0)
		cmd_fake.dirty = true;
	st.has_dirty = true;
	st.dirty = cmd_fake.dirty;
	st.sysname = cmd_fake.sysname;
	*reply = (CfgReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static inline int cmd_fake_ntp(const NtpRequest *req, NtpReply **reply)
{
	NtpReply rep = NTP_REPLY__INIT;
	int r = cmd_fake.ntp_hook ? cmd_fake.ntp_hook(req, &rep) : -ETIMEDOUT;

	if (r < 0)
		return r;
	*reply = (NtpReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static inline int cmd_fake_if(const IfRequest *req, IfReply **reply)
{
	IfReply rep = IF_REPLY__INIT;
	int r = cmd_fake.if_hook ? cmd_fake.if_hook(req, &rep) : -ETIMEDOUT;

	if (r < 0)
		return r;
	*reply = (IfReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static inline int cmd_fake_send(void *arg, enum cli_daemon d, const ProtobufCMessage *req,
				int timeout_ms, uint64_t tag)
{
	ProtobufCMessage *rep = NULL;
	int r = d == CLI_CFGD   ? cmd_fake_cfg((const CfgRequest *)req, (CfgReply **)&rep)
		: d == CLI_NTPD ? cmd_fake_ntp((const NtpRequest *)req, (NtpReply **)&rep)
				: cmd_fake_if((const IfRequest *)req, (IfReply **)&rep);

	cmd_fake.n_sent++;
	if (!tag) {
		if (rep)
			protobuf_c_message_free_unpacked(rep, NULL);
		return 0;
	}
	if (cmd_fake.hold) {
		cr_assert_lt(cmd_fake.n_held, sizeof(cmd_fake.held) / sizeof(cmd_fake.held[0]));
		cmd_fake.held[cmd_fake.n_held++] = (struct cmd_fake_held){ tag, r, rep };
		return 0;
	}
	cli_backend_complete(cmd_fake.be, tag, r, rep);
	return 0;
}

static inline void cmd_fake_cancel(void *arg, uint64_t tag)
{
	for (size_t i = 0; i < cmd_fake.n_held; i++) {
		if (cmd_fake.held[i].tag != tag)
			continue;
		if (cmd_fake.held[i].reply)
			protobuf_c_message_free_unpacked(cmd_fake.held[i].reply, NULL);
		memmove(&cmd_fake.held[i], &cmd_fake.held[i + 1],
			(cmd_fake.n_held - i - 1) * sizeof(cmd_fake.held[0]));
		cmd_fake.n_held--;
		return;
	}
}

static const struct cli_backend_ops cmd_fake_ops = {
	.send = cmd_fake_send,
	.cancel = cmd_fake_cancel,
};

/* Deliver the oldest held answer; false when none is held. */
static inline bool cmd_fake_release(void)
{
	struct cmd_fake_held h;

	if (cmd_fake.n_held == 0)
		return false;
	h = cmd_fake.held[0];
	memmove(&cmd_fake.held[0], &cmd_fake.held[1],
		(cmd_fake.n_held - 1) * sizeof(cmd_fake.held[0]));
	cmd_fake.n_held--;
	cli_backend_complete(cmd_fake.be, h.tag, h.r, h.reply);
	return true;
}

/* Fail every held call with r (a negative errno); their replies are dropped. */
static inline void cmd_fake_fail(int r)
{
	while (cmd_fake.n_held > 0) {
		struct cmd_fake_held h = cmd_fake.held[0];

		memmove(&cmd_fake.held[0], &cmd_fake.held[1],
			(cmd_fake.n_held - 1) * sizeof(cmd_fake.held[0]));
		cmd_fake.n_held--;
		if (h.reply)
			protobuf_c_message_free_unpacked(h.reply, NULL);
		cli_backend_complete(cmd_fake.be, h.tag, r, NULL);
	}
}

/* The output callback of sessions: appends to cmd_fake.out. */
static inline void cmd_fake_out(void *arg, const char *buf, size_t len)
{
	sbuf_printf(&cmd_fake.out, "%.*s", (int)len, buf);
}

/* Append edit e to log as one line of text: "SET <pbtext of the value>" or
 * "DELETE a/b/c". */
static inline void cmd_fake_edit_text(struct sbuf *log, const Edit *e)
{
	if (e->op == EDIT__OP__SET) {
		char *t = pbtext(&e->value->base);

		sbuf_printf(log, "SET %s\n", t);
		free(t);
	} else {
		sbuf_puts(log, "DELETE");
		for (size_t k = 0; k < e->n_path; k++)
			sbuf_printf(log, "%s%s", k ? "/" : " ", e->path[k]);
		sbuf_puts(log, "\n");
	}
}

/* A backend with the n interfaces ifs over the fake; `dirty` is what the
 * candidate reports before any edit. */
static inline void cmd_fake_setup_ifs(cmd_fake_hook hook, bool dirty, const char *const *ifs,
				      size_t n)
{
	memset(&cmd_fake, 0, sizeof(cmd_fake));
	cmd_fake.hook = hook;
	cmd_fake.dirty = dirty;
	snprintf(cmd_fake.sysname, sizeof(cmd_fake.sysname), "HUAWEI");
	cmd_fake.be = cli_backend_new_ops(&cmd_fake_ops, NULL, "HUAWEI", ifs, n);
}

/* The same with interfaces GigabitEthernet0/1/0 and LoopBack0. */
static inline void cmd_fake_setup(cmd_fake_hook hook, bool dirty)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };

	cmd_fake_setup_ifs(hook, dirty, ifs, 2);
}

static inline void cmd_fake_teardown(void)
{
	cmd_fake.hold = false;
	cmd_fake_fail(-ECANCELED);
	cli_backend_free(cmd_fake.be);
	sbuf_free(&cmd_fake.out);
	sbuf_free(&cmd_fake.log);
}

/* What b holds ("" if nothing), emptying b.  The text stays valid until the
 * next call (one static buffer of 8 KiB). */
static inline const char *cmd_take(struct sbuf *b)
{
	static char last[8192];

	snprintf(last, sizeof(last), "%s", b->buf ? b->buf : "");
	sbuf_free(b);
	return last;
}

/* What the sessions printed, and the edits logged, since the last call
 * (the same static buffer as cmd_take). */
static inline const char *cmd_printed(void)
{
	return cmd_take(&cmd_fake.out);
}

static inline const char *cmd_edits(void)
{
	return cmd_take(&cmd_fake.log);
}

/* A session of user admin on `vty` ("VTY 0"), printing into cmd_fake.out;
 * the caller frees it with cli_session_free. */
static inline struct cli_session *cmd_session_new(const char *vty)
{
	struct cli_session *s = cli_session_new(cmd_fake.be, "admin", vty, cmd_fake_out, NULL);

	cr_assert_not_null(s);
	return s;
}

/* A session on VTY 0 in system view, or in the view of interface `ifname`
 * if not NULL, with nothing logged or printed yet. */
static inline struct cli_session *cmd_session_in(const char *ifname)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	char line[128];

	cli_exec(s, "system-view");
	if (ifname) {
		snprintf(line, sizeof(line), "interface %s", ifname);
		cli_exec(s, line);
	}
	sbuf_free(&cmd_fake.log);
	sbuf_free(&cmd_fake.out);
	return s;
}

/* Run line in s: it must not end the session, record exactly `edits` in
 * cmd_fake.log and print exactly `output`. */
static inline void cmd_run(struct cli_session *s, const char *line, const char *edits,
			   const char *output)
{
	cr_assert(cli_exec(s, line), "'%s' ended the session", line);
	char got[4096];

	snprintf(got, sizeof(got), "%s", cmd_edits());
	cr_assert_str_eq(got, edits, "edits of '%s' (it printed: %s)", line, cmd_printed());
	const char *printed = cmd_printed();

	cr_assert_str_eq(printed, output, "output of '%s': %s", line, printed);
}

/* The caret line and error VRP prints for an error at column col (the
 * prompt included).  Four static buffers, used in turn. */
static inline const char *cmd_caret(size_t col, const char *what)
{
	static char bufs[4][1024];
	static unsigned k;
	char *b = bufs[k++ % 4];

	if (col > sizeof(bufs[0]) - 64)
		col = sizeof(bufs[0]) - 64;
	memset(b, ' ', col);
	snprintf(b + col, sizeof(bufs[0]) - col, "^\r\nError: %s found at '^' position.\r\n", what);
	return b;
}

#endif
