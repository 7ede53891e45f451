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

#include "bootstrap.h"
#include "cmd.h"
#include "cmd_session.h"
#include "edit.h"
#include "log.h"
#include "validate.h"

static Config *CAND;
static struct bootstrap BS;

/* All edits of the request or none, as cfgd/session.c does; each edit is
 * logged as text first, accepted or not. */
static int apply_edits(const EditRequest *req, char *err, size_t len)
{
	Config *work = CAND ? config_dup(CAND) : NULL;

	for (size_t i = 0; i < req->n_edit; i++) {
		const Edit *e = req->edit[i];
		int rc;

		cmd_fake_edit_text(&cmd_fake.log, e);
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

/* The fake cfgd applies and checks each edit, refusing with cfgd's
 * sentence, and answers `get` with the candidate. */
static void cand_hook(const CfgRequest *req, CfgReply *rep)
{
	static char err[512];

	if (req->req_case == CFG_REQUEST__REQ_EDIT) {
		err[0] = '\0';
		if (apply_edits(req->edit, err, sizeof(err)) < 0) {
			rep->status = -EINVAL;
			rep->error = err;
		}
	} else if (req->req_case == CFG_REQUEST__REQ_GET) {
		rep->config = CAND;
	}
}

static const char *const IFS[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0", "LoopBack0" };

static void setup(void)
{
	CAND = NULL;
	log_init("test", LOG_LVL_ERR);
	bootstrap_defaults(&BS);
	BS.interfaces = xcalloc(3, sizeof(*BS.interfaces));
	for (size_t i = 0; i < 3; i++) {
		BS.interfaces[i].name = xstrdup(IFS[i]);
		BS.interfaces[i].netdev = xstrdup(i == 2 ? "lo" : i ? "eth2" : "eth1");
	}
	BS.n_interfaces = 3;
	cmd_fake_setup_ifs(cand_hook, true, IFS, 3);
}

static void teardown(void)
{
	cmd_fake_teardown();
	if (CAND)
		config__free_unpacked(CAND, NULL);
	bootstrap_free(&BS);
}

TestSuite(ipv6_cli, .init = setup, .fini = teardown);

#define GE "interface/GigabitEthernet0/1/0"
#define PROMPT "[*HUAWEI-GigabitEthernet0/1/0]"
#define SET_GE(body) "SET interface {name: \"GigabitEthernet0/1/0\" " body "}\n"

/* "Wrong parameter" with the caret under the word after `typed` in the
 * interface view. */
static const char *wrong_at(const char *typed)
{
	return cmd_caret(strlen(PROMPT) + strlen(typed), "Wrong parameter");
}

static struct cli_session *session_in_ge(void)
{
	return cmd_session_in("GigabitEthernet0/1/0");
}

static char *render(void)
{
	struct sbuf b = { 0 };

	cmd_render_config(CAND, "HUAWEI", &b);
	return b.buf;
}

/* Type the NULL-ended lines into s: each is accepted silently, and the
 * candidate then renders as `want`. */
static void type_and_render(struct cli_session *s, const char *const *lines, const char *want)
{
	char *text;

	for (size_t i = 0; lines[i]; i++) {
		cli_exec(s, lines[i]);
		cr_assert_str_eq(cmd_printed(), "", "'%s' refused", lines[i]);
	}
	cmd_edits();
	text = render();
	cr_assert_str_eq(text, want);
	free(text);
}

Test(ipv6_cli, commands_make_edits)
{
	struct cli_session *s = session_in_ge();

	cmd_run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	cmd_run(s, "ipv6 address 2001:DB8::1/64",
	    SET_GE("ipv6_address {address: \"2001:db8::1\" prefix_len: 64}"), "");
	cmd_run(s, "ipv6 address 2001:db8:0:0:1::1 48",
	    SET_GE("ipv6_address {address: \"2001:db8::1:0:0:1\" prefix_len: 48}"), "");
	cmd_run(s, "ipv6 address fd00::1/128",
	    SET_GE("ipv6_address {address: \"fd00::1\" prefix_len: 128}"),
	    "Error: The IPv6 address fd00::1/128 of interface GigabitEthernet0/1/0 has a "
	    "128-bit prefix, which only a loopback interface may have.\r\n");
	/* Abbreviated keywords. */
	cmd_run(s, "ipv6 addr 2001:db8:9::9 64",
	    SET_GE("ipv6_address {address: \"2001:db8:9::9\" prefix_len: 64}"), "");
	cmd_run(s, "undo ipv6 address 2001:db8:9::9/64",
	    "DELETE " GE "/ipv6_address/2001:db8:9::9\n", "");
	cmd_run(s, "undo ipv6 address 2001:DB8::1 64", "DELETE " GE "/ipv6_address/2001:db8::1\n",
	    "");
	/* Not configured (or with another prefix length): nothing sent. */
	cmd_run(s, "undo ipv6 address 2001:db8::1:0:0:1 64", "",
	    "Error: The IPv6 address does not exist.\r\n");
	cmd_run(s, "undo ipv6 address 2001:db8::7/64", "",
	    "Error: The IPv6 address does not exist.\r\n");
	/* undo ipv6 enable with an address left. */
	cmd_run(s, "undo ipv6 enable", "",
	    "Error: Please delete the IPv6 addresses of the interface first.\r\n");
	cmd_run(s, "undo ipv6 address", "DELETE " GE "/ipv6_address\n", "");
	cmd_run(s, "undo ipv6 enable", "DELETE " GE "/ipv6_enable\n", "");
	{
		char *text = render();

		/* The interface had nothing else: it goes with its last
		 * setting (issue 10), no bare block is left. */
		cr_assert_str_eq(text, "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
		free(text);
	}
	cli_session_free(s);
}

Test(ipv6_cli, needs_ipv6_enable)
{
	struct cli_session *s = session_in_ge();

	cmd_run(s, "ipv6 address 2001:db8::1/64",
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

	cmd_run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "ipv6 address %s 64", bad[i]);
		cmd_run(s, line, "", wrong_at(p));
		snprintf(line, sizeof(line), "ipv6 address %s/64", bad[i]);
		cmd_run(s, line, "", wrong_at(p));
	}
	/* Prefix lengths: the grammar checks the separate form, the handler the
	 * X/LEN form. */
	cmd_run(s, "ipv6 address 2001:db8::1 0", "", wrong_at("ipv6 address 2001:db8::1 "));
	cmd_run(s, "ipv6 address 2001:db8::1 129", "", wrong_at("ipv6 address 2001:db8::1 "));
	cmd_run(s, "ipv6 address 2001:db8::1/0", "", wrong_at(p));
	cmd_run(s, "ipv6 address 2001:db8::1/129", "", wrong_at(p));
	cmd_run(s, "ipv6 address 2001:db8::1/6x", "", wrong_at(p));
	cmd_run(s, "ipv6 address 2001:db8::1/", "", wrong_at(p));
	/* A bare address fits the X/LEN word too (both are strings to the
	 * grammar): the handler finds no "/LEN". */
	cmd_run(s, "ipv6 address 2001:db8::1", "", wrong_at(p));
	p = "undo ipv6 address ";
	cmd_run(s, "undo ipv6 address fe80::1/64", "", wrong_at(p));
	/* Incomplete. */
	cli_exec(s, "ipv6 address");
	cr_assert(strstr(cmd_printed(), "Incomplete command"));
	cr_assert_str_eq(cmd_edits(), "");
	cli_session_free(s);
}

Test(ipv6_cli, second_interface_may_not_overlap)
{
	struct cli_session *s = session_in_ge();

	cmd_run(s, "ipv6 enable", SET_GE("ipv6_enable: true"), "");
	cmd_run(s, "ipv6 address 2001:db8:1::1/64",
	    SET_GE("ipv6_address {address: \"2001:db8:1::1\" prefix_len: 64}"), "");
	cli_exec(s, "interface GigabitEthernet0/2/0");
	cli_exec(s, "ipv6 enable");
	cmd_edits();
	cmd_printed();
	cli_exec(s, "ipv6 address 2001:db8:1::1 64");
	cr_assert_str_eq(cmd_printed(), "Error: The IPv6 address 2001:db8:1::1 of interface "
			 "GigabitEthernet0/2/0 is already configured on interface "
			 "GigabitEthernet0/1/0.\r\n");
	cli_exec(s, "ipv6 address 2001:db8:1::2 64");
	cr_assert_str_eq(cmd_printed(), "Error: The IPv6 address 2001:db8:1::2/64 of interface "
			 "GigabitEthernet0/2/0 overlaps with the address 2001:db8:1::1/64 of "
			 "interface GigabitEthernet0/1/0.\r\n");
	cli_exec(s, "ipv6 address 2001:db8:2::2 64");
	cr_assert_str_eq(cmd_printed(), "");
	cmd_edits();
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
	static const char *const typed[] = {
		"ip address 10.0.1.31 255.255.255.0", "ipv6 enable", "undo shutdown",
		"ipv6 address 2001:db8::1/64", "ipv6 address FD00:ab:0::c 48", NULL,
	};
	static const char *const rendered[] = {
		" undo shutdown", " ipv6 enable", " ip address 10.0.1.31 255.255.255.0",
		" ipv6 address 2001:DB8::1/64", " ipv6 address FD00:AB::C/48", NULL,
	};
	struct cli_session *s = session_in_ge();

	type_and_render(s, typed, BLOCK_WITH_IPV6);

	/* `display this` in the interface view shows the same block. */
	cli_exec(s, "display this");
	cr_assert(strstr(cmd_printed(), " ipv6 enable\r\n ip address 10.0.1.31 255.255.255.0\r\n"
			 " ipv6 address 2001:DB8::1/64\r\n ipv6 address FD00:AB::C/48\r\n"));
	cli_session_free(s);

	/* Typing the rendered lines into a fresh candidate renders the same. */
	config__free_unpacked(CAND, NULL);
	CAND = NULL;
	s = session_in_ge();
	type_and_render(s, rendered, BLOCK_WITH_IPV6);
	cli_session_free(s);
}

/* Without IPv6 the interface block is exactly what it was before. */
Test(ipv6_cli, render_without_ipv6_unchanged)
{
	static const char *const typed[] = {
		"undo shutdown", "ip address 10.0.1.31 24", "description uplink", NULL,
	};
	struct cli_session *s = session_in_ge();

	type_and_render(s, typed,
			"#\r\n"
			"sysname HUAWEI\r\n"
			"#\r\n"
			"interface GigabitEthernet0/1/0\r\n"
			" description uplink\r\n"
			" undo shutdown\r\n"
			" ip address 10.0.1.31 255.255.255.0\r\n"
			"#\r\n"
			"return\r\n");
	cli_session_free(s);
}

/* /128 is for loopbacks (cfgd's rule, through clid). */
Test(ipv6_cli, loopback_128)
{
	struct cli_session *s = cmd_session_in("LoopBack0");

	cli_exec(s, "ipv6 enable");
	cli_exec(s, "ipv6 address 2001:db8:ff::1 128");
	cmd_edits();
	cr_assert_str_eq(cmd_printed(), "");
	cli_session_free(s);
}
