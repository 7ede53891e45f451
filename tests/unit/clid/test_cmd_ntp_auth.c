/*
 * test_cmd_ntp_auth.c: clid/cmd_ntp_auth.c and clid/cmd_acl.c.
 *
 * A fake cfgd applies each edit to one candidate with cfgd's own generic
 * edit code (cfgd/edit.c) and answers `get` with it, so the commands, the
 * ACL view and automatic rule numbering run as with the real daemon.
 *  - the ACL views (IPv4 and IPv6): prompt, rules with and without ids,
 *    wildcard or prefix normalisation, undo by id or by content, `display
 *    this`, advanced ACL numbers refused;
 *  - every authentication / access command renders in
 *    `display current-configuration`, and the rendered text typed into a
 *    fresh session renders the same text again (round trip, keys included,
 *    through their `cipher` form);
 *  - keys are sealed under the device key (common/secret.c) whatever form
 *    they are typed in, never shown in clear; the old Base64 form is
 *    converted; a text sealed under another device's key or altered is
 *    refused with the reason.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ntp_auth.h"
#include "cmd_session.h"
#include "edit.h"
#include "log.h"
#include "secret.h"

static Config *CAND;

/* The fake cfgd applies edits to CAND with cfgd's own code and answers
 * `get` with it. */
static void cand_hook(const CfgRequest *req, CfgReply *rep)
{
	char err[256] = "";

	if (req->req_case == CFG_REQUEST__REQ_EDIT) {
		for (size_t i = 0; i < req->edit->n_edit; i++)
			cr_assert_eq(edit_apply(&CAND, req->edit->edit[i], err, sizeof(err)), 0,
				     "%s", err);
	} else if (req->req_case == CFG_REQUEST__REQ_GET) {
		rep->config = CAND;
	}
}

static void setup(void)
{
	CAND = config_new_empty();
	cmd_fake_setup(cand_hook, true);
}

static void teardown(void)
{
	cmd_fake_teardown();
	config__free_unpacked(CAND, NULL);
}

TestSuite(auth_cli, .init = setup, .fini = teardown);

/* What the session printed since the last take(). */
static const char *take(void)
{
	return cmd_take(&cmd_fake.out);
}

static void run(struct cli_session *s, const char *line)
{
	cr_assert(cli_exec(s, line));
	cr_assert_str_eq(take(), "", "'%s' said something", line);
}

static char *render(void)
{
	struct sbuf b = { 0 };
	char *r;

	cmd_render_config(CAND, "HUAWEI", &b);
	r = xstrdup(b.buf);
	sbuf_free(&b);
	return r;
}

/* A key typed in clear is kept in the session's history as "******". */
Test(auth_cli, key_masked_in_history)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	const char *out;

	run(s, "system-view");
	run(s, "ntp-service authentication-keyid 1 authentication-mode md5 Meridian-Key1");
	cmd_printed();
	cli_exec(s, "display history-command");
	out = cmd_printed();
	cr_assert(strstr(out, "  ntp-service authentication-keyid 1 authentication-mode md5 "
			 "******\r\n"), "%s", out);
	cr_assert_null(strstr(out, "Meridian-Key1"), "%s", out);
	cli_session_free(s);
}

Test(auth_cli, acl_view)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	run(s, "system-view");
	run(s, "acl number 2000");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-acl-basic-2000]");
	run(s, "rule permit source 10.0.1.7 0.0.0.255");
	run(s, "rule deny source 10.0.1.33 0");
	run(s, "rule 7 permit");
	run(s, "rule permit source any");
	run(s, "rule 20 deny source 192.168.1.1 0.0.0.0");
	run(s, "undo rule 7");
	cli_exec(s, "display this");
	cr_assert_str_eq(take(),
			 "#\r\n"
			 "acl number 2000\r\n"
			 " rule 5 permit source 10.0.1.0 0.0.0.255\r\n"
			 " rule 10 deny source 10.0.1.33 0\r\n"
			 " rule 15 permit\r\n"
			 " rule 20 deny source 192.168.1.1 0\r\n"
			 "#\r\n"
			 "return\r\n");
	/* Rule commands belong to the ACL view only. */
	run(s, "quit");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cli_exec(s, "rule 5 permit");
	cr_assert(strstr(take(), "Error: Unrecognized command"));
	/* Advanced ACLs do not exist here. */
	cli_exec(s, "acl number 3000");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	run(s, "acl 2001");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-acl-basic-2001]");
	/* A system-view command from the ACL view runs there (upper view), but
	 * not an undo command (VRP). */
	cli_exec(s, "undo acl number 2001");
	cr_assert(strstr(take(), "Error: Unrecognized command"));
	run(s, "ntp-service kod-enable");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	run(s, "undo ntp-service kod-enable");
	run(s, "undo acl number 2001");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cr_assert_eq(CAND->n_acl, 1);
	cli_session_free(s);
}

Test(auth_cli, undo_rule_by_content)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	run(s, "system-view");
	run(s, "acl number 2000");
	run(s, "rule permit source 10.0.1.7 0.0.0.255");
	run(s, "rule deny source 10.0.1.33 0");
	run(s, "rule permit");
	/* The source is normalized as when the rule was written. */
	run(s, "undo rule permit source 10.0.1.200 0.0.0.255");
	run(s, "undo rule deny source 10.0.1.33 0");
	cli_exec(s, "undo rule deny source 10.0.1.34 0");
	cr_assert_str_eq(take(), "Error: The rule does not exist.\r\n");
	cli_exec(s, "undo rule deny");
	cr_assert_str_eq(take(), "Error: The rule does not exist.\r\n");
	cli_exec(s, "display this");
	cr_assert_str_eq(take(),
			 "#\r\n"
			 "acl number 2000\r\n"
			 " rule 15 permit\r\n"
			 "#\r\n"
			 "return\r\n");
	run(s, "undo rule permit");
	cr_assert_eq(CAND->acl[0]->n_rule, 0);
	cli_session_free(s);
}

Test(auth_cli, acl6_view)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	const char *said, *caret;

	run(s, "system-view");
	run(s, "acl ipv6 number 2000");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-acl6-basic-2000]");
	/* Both forms of the source; the bits past the prefix are cleared. */
	run(s, "rule permit source 2001:db8:1::7 48");
	run(s, "rule deny source 2001:DB8::66/128");
	run(s, "rule 12 permit source fe80::1/10");
	run(s, "rule 7 deny");
	run(s, "rule permit source any");
	run(s, "undo rule 7");
	/* The prefix length is not optional (VRP). */
	cli_exec(s, "rule 30 deny source 2001:db8::99");
	cr_assert(strstr(take(), "Error:"));
	run(s, "rule 30 deny source 2001:db8::99 128");
	cli_exec(s, "display this");
	cr_assert_str_eq(take(),
			 "#\r\n"
			 "acl ipv6 number 2000\r\n"
			 " rule 5 permit source 2001:DB8:1::/48\r\n"
			 " rule 10 deny source 2001:DB8::66/128\r\n"
			 " rule 12 permit source FE80::/10\r\n"
			 " rule 15 permit\r\n"
			 " rule 30 deny source 2001:DB8::99/128\r\n"
			 "#\r\n"
			 "return\r\n");
	/* Undo by content, normalized the same way. */
	run(s, "undo rule permit source 2001:db8:1:ffff::1/48");
	run(s, "undo rule deny source 2001:db8::66 128");
	cli_exec(s, "undo rule deny source 2001:db8::67/128");
	cr_assert_str_eq(take(), "Error: The rule does not exist.\r\n");
	/* Bad sources: the caret under the word. */
	cli_exec(s, "rule permit source 10.0.0.1 8");
	said = take();
	caret = strchr(said, '^');
	cr_assert_not_null(caret);
	cr_assert_eq((size_t)(caret - said), strlen(cli_prompt(s)) + 19,
		     "the caret under the address");
	cr_assert(strstr(caret, "Error: Wrong parameter found at '^' position."));
	cli_exec(s, "rule permit source 2001:db8::/129");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	cli_exec(s, "rule permit source 2001:db8:: 0");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	/* IPv4 rules are not IPv6 rules. */
	cli_exec(s, "rule permit source 10.0.0.0 0.255.255.255");
	cr_assert(strstr(take(), "Error:"));
	cr_assert_eq(CAND->n_acl6, 1);
	cr_assert_eq(CAND->acl6[0]->n_rule, 3);
	cr_assert_eq(CAND->n_acl, 0);
	/* The IPv4 and IPv6 number spaces are apart. */
	run(s, "quit");
	run(s, "acl number 2000");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-acl-basic-2000]");
	run(s, "quit");
	run(s, "undo acl ipv6 number 2000");
	cr_assert_eq(CAND->n_acl6, 0);
	cr_assert_eq(CAND->n_acl, 1);
	cli_session_free(s);
}

static const char *const commands[] = {
	"system-view",
	"acl number 2000",
	"rule 5 permit source 10.0.1.0 0.0.0.255",
	"rule 10 deny",
	"quit",
	"acl number 2001",
	"rule 1 permit source 10.0.1.32 0",
	"quit",
	"acl ipv6 number 2000",
	"rule 5 permit source 2001:db8:1:: 48",
	"rule 10 deny",
	"quit",
	"acl ipv6 2002",
	"rule 0 permit source 2001:db8::66/128",
	"quit",
	"ntp-service authentication enable",
	"ntp-service authentication-keyid 1 authentication-mode md5 Meridian-Key1",
	"ntp-service authentication-keyid 4294967295 authentication-mode hmac-sha256 cipher s3cr3t%^%#x",
	"ntp-service reliable authentication-keyid 1",
	"ntp-service access peer 2001",
	"ntp-service access peer ipv6 2000",
	"ntp-service access synchronization 2000",
	"ntp-service access query ipv6 2002",
	"ntp-service access limited ipv6 2002 2000",
	"ntp-service max-dynamic-sessions 50",
	"ntp-service discard avg-interval 6 min-interval 2",
	"ntp-service kod-enable",
	"ntp-service server disable",
	"ntp-service unicast-server 10.0.1.31 authentication-keyid 1",
	"interface GigabitEthernet0/1/0",
	"ntp-service in-interface disable",
	"quit",
};

static const char *const expected =
	"#\r\n"
	"sysname HUAWEI\r\n"
	"#\r\n"
	"acl number 2000\r\n"
	" rule 5 permit source 10.0.1.0 0.0.0.255\r\n"
	" rule 10 deny\r\n"
	"#\r\n"
	"acl number 2001\r\n"
	" rule 1 permit source 10.0.1.32 0\r\n"
	"#\r\n"
	"acl ipv6 number 2000\r\n"
	" rule 5 permit source 2001:DB8:1::/48\r\n"
	" rule 10 deny\r\n"
	"#\r\n"
	"acl ipv6 number 2002\r\n"
	" rule 0 permit source 2001:DB8::66/128\r\n"
	"#\r\n"
	"ntp-service server disable\r\n"
	"ntp-service authentication enable\r\n"
	"ntp-service authentication-keyid 1 authentication-mode md5 cipher SEALED\r\n"
	"ntp-service authentication-keyid 4294967295 authentication-mode hmac-sha256 cipher SEALED\r\n"
	"ntp-service reliable authentication-keyid 1\r\n"
	"ntp-service access peer 2001 ipv6 2000\r\n"
	"ntp-service access synchronization 2000\r\n"
	"ntp-service access query ipv6 2002\r\n"
	"ntp-service access limited 2000 ipv6 2002\r\n"
	"ntp-service max-dynamic-sessions 50\r\n"
	"ntp-service discard min-interval 2 avg-interval 6\r\n"
	"ntp-service kod-enable\r\n"
	"ntp-service unicast-server 10.0.1.31 authentication-keyid 1\r\n"
	"#\r\n"
	"interface GigabitEthernet0/1/0\r\n"
	" ntp-service in-interface disable\r\n"
	"#\r\n"
	"return\r\n";

/* Type a rendered configuration back: "#" and "return" skipped, a line
 * with a leading blank belongs to the block opened by the line before. */
static void replay(struct cli_session *s, const char *text)
{
	char *copy = xstrdup(text), *save = NULL;
	bool in_block = false;

	run(s, "system-view");
	for (char *l = strtok_r(copy, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
		if (!strcmp(l, "#") || !strcmp(l, "return") || !strncmp(l, "sysname", 7)) {
			if (in_block)
				run(s, "quit");
			in_block = false;
			continue;
		}
		if (l[0] != ' ' && in_block) {
			run(s, "quit");
			in_block = false;
		}
		run(s, l);
		if (!strncmp(l, "acl ", 4) || !strncmp(l, "interface ", 10))
			in_block = true;
	}
	free(copy);
}

/* A copy of text with each sealed key text replaced by "SEALED", after
 * checking it opens under this device's key (malloc'd). */
static char *mask_sealed(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *o = out;
	const char *p = text;

	while (*p) {
		const char *end;

		if (strncmp(p, "cipher %^%#", 11) || !(end = strstr(p + 11, "%^%#"))) {
			*o++ = *p++;
			continue;
		}
		char sealed[SECRET_SEALED_SIZE], clear[SECRET_CLEAR_MAX + 1];
		size_t n = (size_t)(end + 4 - (p + 7));

		cr_assert_lt(n, sizeof(sealed));
		memcpy(sealed, p + 7, n);
		sealed[n] = '\0';
		cr_assert_eq(secret_open(secret_device_key(), sealed, clear, sizeof(clear)), 0, "%s",
			     sealed);
		o += sprintf(o, "cipher SEALED");
		p = end + 4;
	}
	*o = '\0';
	return out;
}

/* The clear text of a stored key. */
static const char *opened(const char *sealed)
{
	static char clear[SECRET_CLEAR_MAX + 1];

	cr_assert_eq(secret_open(secret_device_key(), sealed, clear, sizeof(clear)), 0, "%s",
		     sealed);
	return clear;
}

Test(auth_cli, render_and_round_trip)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	char *first, *second;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		run(s, commands[i]);
	first = render();
	char *masked = mask_sealed(first);
	cr_assert_str_eq(masked, expected);
	free(masked);
	cr_assert_null(strstr(first, "Meridian-Key1"));
	cr_assert_null(strstr(first, "s3cr3t"));
	cr_assert_str_eq(opened(CAND->ntp->authentication_key[1]->key), "s3cr3t%^%#x");
	cli_session_free(s);

	/* Typed back, the sealed texts are kept as they are. */
	config__free_unpacked(CAND, NULL);
	CAND = config_new_empty();
	s = cmd_session_new("VTY 1");
	replay(s, first);
	second = render();
	cr_assert_str_eq(second, first);
	cr_assert_str_eq(opened(CAND->ntp->authentication_key[0]->key), "Meridian-Key1");

	/* Undo forms. */
	run(s, "undo ntp-service reliable authentication-keyid 1");
	run(s, "undo ntp-service authentication-keyid 4294967295");
	run(s, "undo ntp-service access synchronization");
	run(s, "undo ntp-service access limited 2000");
	run(s, "undo ntp-service access peer ipv6");
	run(s, "undo ntp-service access query");
	run(s, "undo ntp-service discard");
	run(s, "undo ntp-service kod-enable");
	run(s, "undo ntp-service max-dynamic-sessions");
	run(s, "undo ntp-service server disable");
	run(s, "undo ntp-service authentication enable");
	free(second);
	masked = render();
	second = mask_sealed(masked);
	free(masked);
	cr_assert(strstr(second, "ntp-service authentication-keyid 1 authentication-mode md5 "
			 "cipher SEALED\r\n"
			 "ntp-service access peer 2001\r\n"
			 "ntp-service access limited ipv6 2002\r\n"
			 "ntp-service unicast-server 10.0.1.31 authentication-keyid 1\r\n"
			 "#\r\n"), "%s", second);
	cr_assert_null(strstr(second, "reliable"));
	cr_assert_null(strstr(second, "discard"));
	free(first);
	free(second);
	cli_session_free(s);
}

Test(auth_cli, key_errors)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	char longkey[300];

	run(s, "system-view");
	/* A VRP cipher text does not decode here. */
	cli_exec(s, "ntp-service authentication-keyid 1 authentication-mode md5 cipher "
		 "%^%#!{bL;(f1C5@y0C+_wd|X2'|rpb)%^%#");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	memset(longkey, 'a', 256);
	longkey[256] = '\0';
	char line[400];
	snprintf(line, sizeof(line), "ntp-service authentication-keyid 1 authentication-mode md5 %s",
		 longkey);
	cli_exec(s, line);
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	cli_exec(s, "ntp-service authentication-keyid 0 authentication-mode md5 abc");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	cli_exec(s, "ntp-service authentication-keyid 1 authentication-mode sha1 abc");
	cr_assert(strstr(take(), "Error:"));
	cli_exec(s, "ntp-service discard");
	cr_assert(strstr(take(), "Error: Incomplete command"));
	cli_exec(s, "ntp-service discard min-interval 2 min-interval 3");
	cr_assert(strstr(take(), "Error:"));
	cli_exec(s, "ntp-service access peer");
	cr_assert(strstr(take(), "Error: Incomplete command"));
	cli_exec(s, "ntp-service access peer ipv6");
	cr_assert(strstr(take(), "Error: Incomplete command"));
	cli_exec(s, "ntp-service access peer 2000 2001");
	cr_assert(strstr(take(), "Error:"));
	cli_exec(s, "ntp-service max-dynamic-sessions 101");
	cr_assert(strstr(take(), "Error: Wrong parameter"));
	cr_assert_null(CAND->ntp);
	cli_session_free(s);
}

Test(auth_cli, key_forms)
{
	struct cli_session *s = cmd_session_new("VTY 0");
	struct secret_key other;
	uint8_t raw[32];
	char foreign[SECRET_SEALED_SIZE], line[600], *text;
	const char *key;

	run(s, "system-view");
	/* Earlier versions' Base64 form: converted. */
	run(s, "ntp-service authentication-keyid 1 authentication-mode md5 cipher "
	    "%^%#TWVyaWRpYW4tS2V5MQ==%^%#");
	key = CAND->ntp->authentication_key[0]->key;
	cr_assert(secret_is_sealed(key, secret_device_key()), "%s", key);
	cr_assert_str_eq(opened(key), "Meridian-Key1");
	text = render();
	cr_assert_null(strstr(text, "TWVyaWRpYW4tS2V5MQ"));
	cr_assert_null(strstr(text, "Meridian-Key1"));
	free(text);

	/* Sealed on another device: refused, saying why. */
	memset(raw, 0x5a, sizeof(raw));
	secret_key_from(&other, raw);
	cr_assert_eq(secret_seal(&other, "Other-Key", foreign, sizeof(foreign)), 0);
	snprintf(line, sizeof(line), "ntp-service authentication-keyid 2 authentication-mode md5 "
		 "cipher %s", foreign);
	cli_exec(s, line);
	const char *out = take();
	cr_assert(strstr(out, "Error: The key cannot be used: it was encrypted under another "
			 "device's key."), "%s", out);

	/* Altered: refused. */
	cr_assert_eq(secret_seal(secret_device_key(), "Mine", foreign, sizeof(foreign)), 0);
	foreign[10] = foreign[10] == 'A' ? 'B' : 'A';
	snprintf(line, sizeof(line), "ntp-service authentication-keyid 2 authentication-mode md5 "
		 "cipher %s", foreign);
	cli_exec(s, line);
	out = take();
	cr_assert(strstr(out, "Error: The key cannot be used: "), "%s", out);
	cr_assert_eq(CAND->ntp->n_authentication_key, 1);
	cli_session_free(s);
}
