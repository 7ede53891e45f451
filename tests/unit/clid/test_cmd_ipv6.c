/*
 * test_cmd_ipv6.c: the IPv6 commands of the interface view
 * (clid/cmd_interface.c) against cfgd's own edit and validation code.
 *
 * A fake cfgd applies each edit to one candidate with cfgd/edit.c, checks
 * it with validate_change() as cfgd's sessions do (refusing with the
 * sentence), and answers `get` with the candidate, so:
 *  - `ipv6 enable`, both forms of `ipv6 address`, undo of one address (both
 *    forms) and of all, and `undo ipv6 enable`, each with its edits;
 *  - literals that are not global unicast, bad prefix lengths and a
 *    malformed X/LEN get "Wrong parameter" with the caret under the word;
 *  - cfgd's refusals reach the operator ("Please enable IPv6 ...");
 *  - rendering: VRP order (ipv6 enable before ip address, ipv6 address
 *    after it), uppercase addresses, and the text typed back renders the
 *    same (round trip); an interface without IPv6 renders as before.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bootstrap.h"
#include "cli.h"
#include "cmd.h"
#include "edit.h"
#include "log.h"
#include "pbtext.h"
#include "validate.h"

static struct sbuf OUT, LOG;
static struct cli_backend *BE;
static Config *CAND;
static struct bootstrap BS;

static void *f_open(void *arg)
{
	static int chan;

	return &chan;
}

static void f_close(void *chan)
{
}

static ProtobufCMessage *copy(const ProtobufCMessage *m)
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

/* All edits of the request or none, as cfgd/session.c does. */
static int apply_edits(const EditRequest *req, char *err, size_t len)
{
	Config *work = CAND ? config_dup(CAND) : NULL;

	for (size_t i = 0; i < req->n_edit; i++) {
		const Edit *e = req->edit[i];
		int rc;

		if (e->op == EDIT__OP__SET) {
			char *t = pbtext(&e->value->base);

			sbuf_printf(&LOG, "SET %s\n", t);
			free(t);
		} else {
			sbuf_puts(&LOG, "DELETE");
			for (size_t k = 0; k < e->n_path; k++)
				sbuf_printf(&LOG, "%s%s", k ? "/" : " ", e->path[k]);
			sbuf_puts(&LOG, "\n");
		}
		rc = edit_apply(&work, e, err, len);
		if (rc == 0) {
			validate_canonicalize(work, &BS);
			rc = validate_change(CAND, work, &BS, VALIDATE_EDIT, err, len);
		}
		if (rc < 0) {
			if (work)
				config__free_unpacked(work, NULL);
			return rc;
		}
	}
	if (CAND)
		config__free_unpacked(CAND, NULL);
	CAND = work;
	return 0;
}

static int f_cfg(void *chan, const CfgRequest *req, int timeout_ms, CfgReply **reply)
{
	CfgReply rep = CFG_REPLY__INIT;
	SessionState st = SESSION_STATE__INIT;
	char err[512] = "";

	rep.has_status = true;
	rep.state = &st;
	if (req->req_case == CFG_REQUEST__REQ_SESSION_OPEN) {
		st.has_session = true;
		st.session = 1;
	} else if (req->req_case == CFG_REQUEST__REQ_EDIT) {
		if (apply_edits(req->edit, err, sizeof(err)) < 0) {
			rep.status = -EINVAL;
			rep.error = err;
		}
	} else if (req->req_case == CFG_REQUEST__REQ_GET) {
		rep.config = CAND;
	}
	st.has_dirty = true;
	st.dirty = true;
	st.sysname = "HUAWEI";
	*reply = (CfgReply *)copy(&rep.base);
	return 0;
}

static int f_ntp(void *chan, const NtpRequest *req, int timeout_ms, NtpReply **reply)
{
	return -ETIMEDOUT;
}

static const struct cli_backend_ops fake_ops = {
	.chan_open = f_open,
	.chan_close = f_close,
	.cfg_call = f_cfg,
	.ntp_call = f_ntp,
};

static void out_cb(void *arg, const char *buf, size_t len)
{
	sbuf_printf(&OUT, "%.*s", (int)len, buf);
}

static const char *const IFS[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "LoopBack0" };

static void setup(void)
{
	memset(&OUT, 0, sizeof(OUT));
	memset(&LOG, 0, sizeof(LOG));
	CAND = NULL;
	log_init("test", LOG_LVL_ERR);
	bootstrap_defaults(&BS);
	BS.interfaces = xcalloc(3, sizeof(*BS.interfaces));
	for (size_t i = 0; i < 3; i++) {
		BS.interfaces[i].name = xstrdup(IFS[i]);
		BS.interfaces[i].netdev = xstrdup(i == 2 ? "lo" : i ? "eth2" : "eth1");
	}
	BS.n_interfaces = 3;
	BE = cli_backend_new_ops(&fake_ops, NULL, "HUAWEI", IFS, 3);
}

static void teardown(void)
{
	cli_backend_free(BE);
	if (CAND)
		config__free_unpacked(CAND, NULL);
	bootstrap_free(&BS);
	sbuf_free(&OUT);
	sbuf_free(&LOG);
}

TestSuite(ipv6_cli, .init = setup, .fini = teardown);

static const char *take(struct sbuf *b)
{
	static char last[4][4096];
	static int k;

	k = (k + 1) % 4;
	snprintf(last[k], sizeof(last[k]), "%s", b->buf ? b->buf : "");
	sbuf_free(b);
	return last[k];
}

static void run(struct cli_session *s, const char *line, const char *edits, const char *output)
{
	cr_assert(cli_exec(s, line), "'%s' ended the session", line);
	cr_assert_str_eq(take(&LOG), edits, "edits of '%s'", line);
	cr_assert_str_eq(take(&OUT), output, "output of '%s'", line);
}

static const char *caret(size_t col, const char *what)
{
	static char b[512];

	memset(b, ' ', col);
	snprintf(b + col, sizeof(b) - col, "^\r\nError: %s found at '^' position.\r\n", what);
	return b;
}

#define GE "interface/GigabitEthernet0/1/0"
#define PROMPT "[*HUAWEI-GigabitEthernet0/1/0]"
#define SET_GE(body) "SET interface {name: \"GigabitEthernet0/1/0\" " body "}\n"

static struct cli_session *session_in_ge(void)
{
	struct cli_session *s = cli_session_new(BE, "admin", "VTY 0", out_cb, NULL);

	cr_assert_not_null(s);
	cli_exec(s, "system-view");
	cli_exec(s, "interface GigabitEthernet0/1/0");
	take(&LOG);
	take(&OUT);
	return s;
}

static char *render(void)
{
	struct sbuf b = { 0 };

	cmd_render_config(CAND, "HUAWEI", &b);
	return b.buf;
}

Test(ipv6_cli, commands_make_edits)
{
	struct cli_session *s = session_in_ge();

	run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	run(s, "ipv6 address 2001:DB8::1/64",
	    SET_GE("ipv6_address {address: \"2001:db8::1\" prefix_len: 64}"), "");
	run(s, "ipv6 address 2001:db8:0:0:1::1 48",
	    SET_GE("ipv6_address {address: \"2001:db8::1:0:0:1\" prefix_len: 48}"), "");
	run(s, "ipv6 address fd00::1/128",
	    SET_GE("ipv6_address {address: \"fd00::1\" prefix_len: 128}"),
	    "Error: The IPv6 address fd00::1/128 of interface GigabitEthernet0/1/0 has a "
	    "128-bit prefix, which only a loopback interface may have.\r\n");
	/* Abbreviated keywords. */
	run(s, "ipv6 addr 2001:db8:9::9 64",
	    SET_GE("ipv6_address {address: \"2001:db8:9::9\" prefix_len: 64}"), "");
	run(s, "undo ipv6 address 2001:db8:9::9/64",
	    "DELETE " GE "/ipv6_address/2001:db8:9::9\n", "");
	run(s, "undo ipv6 address 2001:DB8::1 64", "DELETE " GE "/ipv6_address/2001:db8::1\n", "");
	/* Not configured (or with another prefix length): nothing sent. */
	run(s, "undo ipv6 address 2001:db8::1:0:0:1 64", "",
	    "Error: The IPv6 address does not exist.\r\n");
	run(s, "undo ipv6 address 2001:db8::7/64", "", "Error: The IPv6 address does not exist.\r\n");
	/* undo ipv6 enable with an address left. */
	run(s, "undo ipv6 enable", "",
	    "Error: Please delete the IPv6 addresses of the interface first.\r\n");
	run(s, "undo ipv6 address", "DELETE " GE "/ipv6_address\n", "");
	run(s, "undo ipv6 enable", "DELETE " GE "/ipv6_enable\n", "");
	{
		char *text = render();

		cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\ninterface GigabitEthernet0/1/0"
				 "\r\n#\r\nreturn\r\n");
		free(text);
	}
	cli_session_free(s);
}

Test(ipv6_cli, needs_ipv6_enable)
{
	struct cli_session *s = session_in_ge();

	run(s, "ipv6 address 2001:db8::1/64",
	    SET_GE("ipv6_address {address: \"2001:db8::1\" prefix_len: 64}"),
	    "Error: Please enable IPv6 on interface GigabitEthernet0/1/0 first.\r\n");
	cr_assert_null(CAND);
	cli_session_free(s);
}

Test(ipv6_cli, wrong_parameters)
{
	static const char *const bad[] = {
		"ff02::1", "fe80::1", "::", "::1", "::ffff:10.0.0.1", "10.0.0.1", "2001:db8::g",
	};
	struct cli_session *s = session_in_ge();
	const char *p = "ipv6 address ";
	char line[128];

	run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "ipv6 address %s 64", bad[i]);
		run(s, line, "", caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
		snprintf(line, sizeof(line), "ipv6 address %s/64", bad[i]);
		run(s, line, "", caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
	}
	/* Prefix lengths: the grammar checks the separate form, the handler the
	 * X/LEN form. */
	run(s, "ipv6 address 2001:db8::1 0", "",
	    caret(strlen(PROMPT) + strlen("ipv6 address 2001:db8::1 "), "Wrong parameter"));
	run(s, "ipv6 address 2001:db8::1 129", "",
	    caret(strlen(PROMPT) + strlen("ipv6 address 2001:db8::1 "), "Wrong parameter"));
	run(s, "ipv6 address 2001:db8::1/0", "", caret(strlen(PROMPT) + strlen(p),
							"Wrong parameter"));
	run(s, "ipv6 address 2001:db8::1/129", "", caret(strlen(PROMPT) + strlen(p),
							  "Wrong parameter"));
	run(s, "ipv6 address 2001:db8::1/6x", "", caret(strlen(PROMPT) + strlen(p),
							 "Wrong parameter"));
	run(s, "ipv6 address 2001:db8::1/", "", caret(strlen(PROMPT) + strlen(p),
						       "Wrong parameter"));
	/* A bare address fits the X/LEN word too (both are strings to the
	 * grammar): the handler finds no "/LEN". */
	run(s, "ipv6 address 2001:db8::1", "", caret(strlen(PROMPT) + strlen(p),
						      "Wrong parameter"));
	p = "undo ipv6 address ";
	run(s, "undo ipv6 address fe80::1/64", "", caret(strlen(PROMPT) + strlen(p),
							  "Wrong parameter"));
	/* Incomplete. */
	cli_exec(s, "ipv6 address");
	cr_assert(strstr(take(&OUT), "Incomplete command"));
	cr_assert_str_eq(take(&LOG), "");
	cli_session_free(s);
}

Test(ipv6_cli, second_interface_may_not_overlap)
{
	struct cli_session *s = session_in_ge();

	run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	run(s, "ipv6 address 2001:db8:1::1/64",
	    SET_GE("ipv6_address {address: \"2001:db8:1::1\" prefix_len: 64}"), "");
	cli_exec(s, "interface GigabitEthernet0/2/0");
	cli_exec(s, "ipv6 enable");
	take(&LOG);
	take(&OUT);
	cli_exec(s, "ipv6 address 2001:db8:1::1 64");
	cr_assert_str_eq(take(&OUT), "Error: The IPv6 address 2001:db8:1::1 of interface "
			 "GigabitEthernet0/2/0 is already configured on interface "
			 "GigabitEthernet0/1/0.\r\n");
	cli_exec(s, "ipv6 address 2001:db8:1::2 64");
	cr_assert_str_eq(take(&OUT), "Error: The IPv6 address 2001:db8:1::2/64 of interface "
			 "GigabitEthernet0/2/0 overlaps with the address 2001:db8:1::1/64 of "
			 "interface GigabitEthernet0/1/0.\r\n");
	cli_exec(s, "ipv6 address 2001:db8:2::2 64");
	cr_assert_str_eq(take(&OUT), "");
	take(&LOG);
	cli_session_free(s);
}

#define BLOCK_WITH_IPV6							\
	"#\r\n"								\
	"sysname HUAWEI\r\n"						\
	"#\r\n"								\
	"interface GigabitEthernet0/1/0\r\n"				\
	" undo shutdown\r\n"						\
	" ipv6 enable\r\n"						\
	" ip address 10.0.1.31 255.255.255.0\r\n"			\
	" ipv6 address 2001:DB8::1/64\r\n"				\
	" ipv6 address FD00:AB::C/48\r\n"				\
	"#\r\n"								\
	"return\r\n"

Test(ipv6_cli, render_in_vrp_order_and_round_trip)
{
	struct cli_session *s = session_in_ge();
	char *text;

	cli_exec(s, "ip address 10.0.1.31 255.255.255.0");
	cli_exec(s, "ipv6 enable");
	cli_exec(s, "undo shutdown");
	cli_exec(s, "ipv6 address 2001:db8::1/64");
	cli_exec(s, "ipv6 address FD00:ab:0::c 48");
	cr_assert_str_eq(take(&OUT), "");
	take(&LOG);
	text = render();
	cr_assert_str_eq(text, BLOCK_WITH_IPV6);
	free(text);

	/* `display this` in the interface view shows the same block. */
	cli_exec(s, "display this");
	cr_assert(strstr(take(&OUT), " ipv6 enable\r\n ip address 10.0.1.31 255.255.255.0\r\n"
			 " ipv6 address 2001:DB8::1/64\r\n ipv6 address FD00:AB::C/48\r\n"));
	cli_session_free(s);

	/* Typing the rendered lines into a fresh candidate renders the same. */
	config__free_unpacked(CAND, NULL);
	CAND = NULL;
	s = session_in_ge();
	cli_exec(s, " undo shutdown");
	cli_exec(s, " ipv6 enable");
	cli_exec(s, " ip address 10.0.1.31 255.255.255.0");
	cli_exec(s, " ipv6 address 2001:DB8::1/64");
	cli_exec(s, " ipv6 address FD00:AB::C/48");
	cr_assert_str_eq(take(&OUT), "");
	take(&LOG);
	text = render();
	cr_assert_str_eq(text, BLOCK_WITH_IPV6);
	free(text);
	cli_session_free(s);
}

/* Without IPv6 the interface block is exactly what it was before. */
Test(ipv6_cli, render_without_ipv6_unchanged)
{
	struct cli_session *s = session_in_ge();
	char *text;

	cli_exec(s, "undo shutdown");
	cli_exec(s, "ip address 10.0.1.31 24");
	cli_exec(s, "description uplink");
	take(&LOG);
	cr_assert_str_eq(take(&OUT), "");
	text = render();
	cr_assert_str_eq(text,
			 "#\r\n"
			 "sysname HUAWEI\r\n"
			 "#\r\n"
			 "interface GigabitEthernet0/1/0\r\n"
			 " description uplink\r\n"
			 " undo shutdown\r\n"
			 " ip address 10.0.1.31 255.255.255.0\r\n"
			 "#\r\n"
			 "return\r\n");
	free(text);
	cli_session_free(s);
}

/* /128 is for loopbacks (cfgd's rule, through clid). */
Test(ipv6_cli, loopback_128)
{
	struct cli_session *s = cli_session_new(BE, "admin", "VTY 0", out_cb, NULL);

	cli_exec(s, "system-view");
	cli_exec(s, "interface LoopBack0");
	cli_exec(s, "ipv6 enable");
	cli_exec(s, "ipv6 address 2001:db8:ff::1 128");
	take(&LOG);
	cr_assert_str_eq(take(&OUT), "");
	cli_session_free(s);
}
