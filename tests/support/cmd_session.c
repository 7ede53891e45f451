/*
 * cmd_session.c: the fake cfgd behind clid's command tests (see
 * cmd_session.h).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_session.h"
#include "testutil.h"
#include "log.h"
#include "pbtext.h"

struct cmd_fake_state cmd_fake;

ProtobufCMessage *cmd_fake_copy(const ProtobufCMessage *m)
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

static int fake_cfg(const CfgRequest *req, CfgReply **reply)
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

static int fake_ntp(const NtpRequest *req, NtpReply **reply)
{
	NtpReply rep = NTP_REPLY__INIT;
	int r = cmd_fake.ntp_hook ? cmd_fake.ntp_hook(req, &rep) : -ETIMEDOUT;

	if (r < 0)
		return r;
	*reply = (NtpReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static int fake_if(const IfRequest *req, IfReply **reply)
{
	IfReply rep = IF_REPLY__INIT;
	int r = cmd_fake.if_hook ? cmd_fake.if_hook(req, &rep) : -ETIMEDOUT;

	if (r < 0)
		return r;
	*reply = (IfReply *)cmd_fake_copy(&rep.base);
	return 0;
}

static int fake_send(void *arg, enum cli_daemon d, const ProtobufCMessage *req, int timeout_ms,
		     uint64_t tag)
{
	ProtobufCMessage *rep = NULL;
	int r = d == CLI_CFGD	? fake_cfg((const CfgRequest *)req, (CfgReply **)&rep)
		: d == CLI_NTPD ? fake_ntp((const NtpRequest *)req, (NtpReply **)&rep)
				: fake_if((const IfRequest *)req, (IfReply **)&rep);

	cmd_fake.n_sent++;
	if (!tag) {
		if (rep)
			protobuf_c_message_free_unpacked(rep, NULL);
		return 0;
	}
	if (cmd_fake.hold) {
		cr_assert_lt(cmd_fake.n_held, CMD_FAKE_HELD_MAX);
		cmd_fake.held[cmd_fake.n_held++] = (struct cmd_fake_held){ tag, r, rep };
		return 0;
	}
	cli_backend_complete(cmd_fake.be, tag, r, rep);
	return 0;
}

static void fake_cancel(void *arg, uint64_t tag)
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

static const struct cli_backend_ops fake_ops = {
	.send = fake_send,
	.cancel = fake_cancel,
};

bool cmd_fake_release(void)
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

void cmd_fake_fail(int r)
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

void cmd_fake_out(void *arg, const char *buf, size_t len)
{
	sbuf_printf(&cmd_fake.out, "%.*s", (int)len, buf);
}

void cmd_fake_edit_text(struct sbuf *log, const Edit *e)
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

void cmd_fake_setup_ifs(cmd_fake_hook hook, bool dirty, const char *const *ifs, size_t n)
{
	memset(&cmd_fake, 0, sizeof(cmd_fake));
	cmd_fake.keydir = test_device_key();
	cmd_fake.hook = hook;
	cmd_fake.dirty = dirty;
	snprintf(cmd_fake.sysname, sizeof(cmd_fake.sysname), "HUAWEI");
	cmd_fake.be = cli_backend_new_ops(&fake_ops, NULL, "HUAWEI", ifs, n);
}

void cmd_fake_setup(cmd_fake_hook hook, bool dirty)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };

	cmd_fake_setup_ifs(hook, dirty, ifs, 2);
}

void cmd_fake_teardown(void)
{
	cmd_fake.hold = false;
	cmd_fake_fail(-ECANCELED);
	cli_backend_free(cmd_fake.be);
	sbuf_free(&cmd_fake.out);
	sbuf_free(&cmd_fake.log);
	test_device_key_free(cmd_fake.keydir);
	cmd_fake.keydir = NULL;
}

const char *cmd_take(struct sbuf *b)
{
	static char last[8192];

	snprintf(last, sizeof(last), "%s", b->buf ? b->buf : "");
	sbuf_free(b);
	return last;
}

const char *cmd_printed(void)
{
	return cmd_take(&cmd_fake.out);
}

const char *cmd_edits(void)
{
	return cmd_take(&cmd_fake.log);
}

struct cli_session *cmd_session_new(const char *vty)
{
	struct cli_session *s = cli_session_new(cmd_fake.be, "admin", vty, cmd_fake_out, NULL);

	cr_assert_not_null(s);
	return s;
}

struct cli_session *cmd_session_in(const char *ifname)
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

void cmd_run(struct cli_session *s, const char *line, const char *edits, const char *output)
{
	char got[4096];
	const char *printed;

	cr_assert(cli_exec(s, line), "'%s' ended the session", line);
	snprintf(got, sizeof(got), "%s", cmd_edits());
	cr_assert_str_eq(got, edits, "edits of '%s' (it printed: %s)", line, cmd_printed());
	printed = cmd_printed();
	cr_assert_str_eq(printed, output, "output of '%s': %s", line, printed);
}

const char *cmd_caret(size_t col, const char *what)
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
