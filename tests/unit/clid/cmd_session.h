/*
 * cmd_session.h: a CLI backend over a fake cfgd for clid's command tests
 * (header-only: every function is static inline).
 *
 * The fake opens session 1, reports sysname HUAWEI and the candidate as
 * dirty once an edit request has arrived (or from the start, see
 * cmd_fake_setup), and times out every ntpd request.  What an edit does and
 * what `get` answers is the test's: it passes a hook that sees each request
 * and may fill the reply (the reply is copied after the hook, so anything
 * the hook points it at stays the test's).  Criterion runs each test in its own process, so
 * the state lives in one static per test program.
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

/* Sees each cfgd request; may set rep->config (borrowed). */
typedef void (*cmd_fake_hook)(const CfgRequest *req, CfgReply *rep);

static struct {
	struct sbuf out;          /* what the sessions printed */
	struct cli_backend *be;
	bool dirty;               /* reported in every SessionState */
	cmd_fake_hook hook;
} cmd_fake;

static inline void *cmd_fake_open(void *arg)
{
	static int chan;

	return &chan;
}

static inline void cmd_fake_close(void *chan)
{
}

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

static inline int cmd_fake_cfg(void *chan, const CfgRequest *req, int timeout_ms,
			       CfgReply **reply)
{
	CfgReply rep = CFG_REPLY__INIT;
	SessionState st = SESSION_STATE__INIT;

	rep.has_status = true;
	rep.state = &st;
	if (req->req_case == CFG_REQUEST__REQ_SESSION_OPEN) {
		st.has_session = true;
		st.session = 1;
	} else if (req->req_case == CFG_REQUEST__REQ_EDIT) {
		cmd_fake.dirty = true;
	}
	if (cmd_fake.hook)
		cmd_fake.hook(req, &rep);
	st.has_dirty = true;
	st.dirty = cmd_fake.dirty;
	st.sysname = "HUAWEI";
	*reply = (CfgReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static inline int cmd_fake_ntp(void *chan, const NtpRequest *req, int timeout_ms,
			       NtpReply **reply)
{
	return -ETIMEDOUT;
}

static const struct cli_backend_ops cmd_fake_ops = {
	.chan_open = cmd_fake_open,
	.chan_close = cmd_fake_close,
	.cfg_call = cmd_fake_cfg,
	.ntp_call = cmd_fake_ntp,
};

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

/* A backend with interfaces GigabitEthernet0/1/0 and LoopBack0 over the
 * fake; `dirty` is what the candidate reports before any edit. */
static inline void cmd_fake_setup(cmd_fake_hook hook, bool dirty)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };

	memset(&cmd_fake, 0, sizeof(cmd_fake));
	cmd_fake.hook = hook;
	cmd_fake.dirty = dirty;
	cmd_fake.be = cli_backend_new_ops(&cmd_fake_ops, NULL, "HUAWEI", ifs, 2);
}

static inline void cmd_fake_teardown(void)
{
	cli_backend_free(cmd_fake.be);
	sbuf_free(&cmd_fake.out);
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

/* A session of user admin on `vty` ("VTY 0"), printing into cmd_fake.out;
 * the caller frees it with cli_session_free. */
static inline struct cli_session *cmd_session_new(const char *vty)
{
	struct cli_session *s = cli_session_new(cmd_fake.be, "admin", vty, cmd_fake_out, NULL);

	cr_assert_not_null(s);
	return s;
}

#endif
