/*
 * test_cmd_aaa.c: the access commands through a session (cmd_session.h's
 * fake cfgd): the `aaa` view and its local-user and local-aaa-user
 * commands as edits (a password leaves clid only as a crypt(3) hash), their
 * errors with the caret, the aaa block of the configuration, `display
 * local-user`; the user-interface login settings (maximum-vty,
 * authentication-mode, set authentication password, idle-timeout,
 * protocol inbound, acl inbound) with their errors and rendering,
 * `display user-interface`, `display users all`; and the privilege check:
 * below level 3 only displays and leaving.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "cmd_aaa.h"
#include "cmd_session.h"
#include "secret.h"

static Config *running;

static void hook(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case == CFG_REQUEST__REQ_EDIT)
		for (size_t i = 0; i < req->edit->n_edit; i++)
			cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
	if (req->req_case == CFG_REQUEST__REQ_GET)
		rep->config = running;
}

static Config cfg = CONFIG__INIT;
static Aaa aaa = AAA__INIT;
static LocalUser lu[2];
static LocalUser *lup[2] = { &lu[0], &lu[1] };
static LocalAaaUserPolicy pol = LOCAL_AAA_USER_POLICY__INIT;
static UserInterface ui = USER_INTERFACE__INIT;
static VtyLine lines[3];
static VtyLine *linep[3] = { &lines[0], &lines[1], &lines[2] };

static char sealed_pw[SECRET_SEALED_SIZE];

static void setup(void)
{
	local_user__init(&lu[0]);
	local_user__init(&lu[1]);
	lu[0].name = "admin1";
	lu[0].password_hash = "$6$abcdefgh$0123456789";
	lu[0].has_privilege = true;
	lu[0].privilege = 15;
	lu[0].has_service_telnet = lu[0].service_telnet = true;
	lu[0].has_service_ssh = lu[0].service_ssh = true;
	lu[1].name = "viewer";
	lu[1].has_privilege = true;
	lu[1].privilege = 1;
	lu[1].has_blocked = lu[1].blocked = true;
	aaa.n_local_user = 2;
	aaa.local_user = lup;
	pol.has_retry_interval = pol.has_retry_time = pol.has_block_time = true;
	pol.retry_interval = 6;
	pol.retry_time = 4;
	pol.block_time = 7;
	aaa.wrong_password = &pol;
	cfg.aaa = &aaa;
	for (int i = 0; i < 3; i++)
		vty_line__init(&lines[i]);
	/* Lines 0 and 1 alike, line 2 different. */
	for (int i = 0; i < 2; i++) {
		lines[i].number = i ? "1" : "0";
		lines[i].authentication_mode = "password";
		lines[i].has_idle_timeout_min = lines[i].has_idle_timeout_sec = true;
		lines[i].idle_timeout_min = 5;
		lines[i].idle_timeout_sec = 30;
		lines[i].protocol_inbound = "telnet";
		lines[i].has_acl_inbound = true;
		lines[i].acl_inbound = 2001;
	}
	lines[2].number = "2";
	lines[2].authentication_mode = "none";
	lines[2].has_privilege = true;
	lines[2].privilege = 2;
	ui.n_vty = 3;
	ui.vty = linep;
	ui.has_maximum_vty = true;
	ui.maximum_vty = 3;
	cfg.user_interface = &ui;
	running = &cfg;
	cmd_fake_setup(hook, false);
	/* The line password as cfgd holds it: sealed under the device key. */
	cr_assert_eq(secret_seal(secret_device_key(), "Huawei@123", sealed_pw, sizeof(sealed_pw)), 0);
	for (int i = 0; i < 2; i++)
		lines[i].password_cipher = sealed_pw;
}

TestSuite(cmd_aaa, .init = setup, .fini = cmd_fake_teardown);

/* The line runs and sends cfgd the password of VTY 3 and 4 sealed under
 * this device's key, opening to Huawei@123. */
static void expect_sealed_pw(struct cli_session *s, const char *line)
{
	const char *edits, *p;
	char sealed[SECRET_SEALED_SIZE], clear[64];
	size_t n;

	cmd_edits();
	cli_exec(s, line);
	edits = cmd_edits();
	cr_assert_null(strstr(edits, "Huawei@123"), "%s", edits);
	p = strstr(edits, "password_cipher: \"");
	cr_assert_not_null(p, "%s", edits);
	p += strlen("password_cipher: \"");
	n = strcspn(p, "\"");
	cr_assert_lt(n, sizeof(sealed));
	memcpy(sealed, p, n);
	sealed[n] = '\0';
	cr_assert(secret_is_sealed(sealed, secret_device_key()), "%s", sealed);
	cr_assert_eq(secret_open(secret_device_key(), sealed, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert_not_null(strstr(p + n, "number: \"4\" password_cipher: \"%^%#"), "%s", edits);
}

/* The hash in a "SET aaa {local_user {name: ... password_hash: "..."}}" edit. */
static char *edit_hash(const char *edits)
{
	const char *p = strstr(edits, "password_hash: \"");
	const char *e;

	cr_assert_not_null(p, "%s", edits);
	p += strlen("password_hash: \"");
	e = strchr(p, '"');
	cr_assert_not_null(e);
	return strndup(p, (size_t)(e - p));
}

Test(cmd_aaa, view_and_local_users)
{
	struct cli_session *s = cmd_session_in(NULL);
	const char *edits;
	char *hash;

	cmd_run(s, "aaa", "", "");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI-aaa]");
	/* The password leaves clid hashed. */
	cli_exec(s, "local-user tom password irreversible-cipher Tom@12345");
	cr_assert_str_eq(cmd_printed(), "");
	edits = cmd_edits();
	cr_assert_null(strstr(edits, "Tom@12345"), "%s", edits);
	hash = edit_hash(edits);
	cr_assert(access_check_hash("Tom@12345", hash), "%s", hash);
	/* A hash typed back is kept as it is (display current-configuration
	 * pastes back). */
	{
		char line[256], want[512];

		snprintf(line, sizeof(line), "local-user tom password irreversible-cipher %s", hash);
		snprintf(want, sizeof(want),
			 "SET aaa {local_user {name: \"tom\" password_hash: \"%s\"}}\n", hash);
		cmd_run(s, line, want, "");
	}
	free(hash);
	cmd_run(s, "local-user tom privilege level 1",
		"SET aaa {local_user {name: \"tom\" privilege: 1}}\n", "");
	cmd_run(s, "local-user tom service-type telnet ssh",
		"SET aaa {local_user {name: \"tom\" service_telnet: true service_ssh: true "
		"service_terminal: false}}\n", "");
	cmd_run(s, "local-user tom state block",
		"SET aaa {local_user {name: \"tom\" blocked: true}}\n", "");
	cmd_run(s, "local-user tom state active", "DELETE aaa/local_user/tom/blocked\n", "");
	cmd_run(s, "undo local-user tom privilege level",
		"DELETE aaa/local_user/tom/privilege\n", "");
	cmd_run(s, "undo local-user tom service-type",
		"DELETE aaa/local_user/tom/service_telnet\n"
		"DELETE aaa/local_user/tom/service_ssh\n"
		"DELETE aaa/local_user/tom/service_terminal\n", "");
	cmd_run(s, "undo local-user tom", "DELETE aaa/local_user/tom\n", "");
	cmd_run(s, "local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 5",
		"SET aaa {wrong_password {retry_interval: 5 retry_time: 3 block_time: 5}}\n", "");
	cmd_run(s, "undo local-aaa-user wrong-password", "DELETE aaa/wrong_password\n", "");
	cmd_run(s, "quit", "", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cli_session_free(s);
}

Test(cmd_aaa, passwords_masked_in_history)
{
	struct cli_session *s = cmd_session_in(NULL);
	const char *out;

	cmd_run(s, "aaa", "", "");
	cli_exec(s, "local-user tom password irreversible-cipher Tom@12345");
	cmd_edits();
	cmd_run(s, "quit", "", "");
	cmd_run(s, "user-interface vty 0", "", "");
	cli_exec(s, "set authentication password cipher \"Line#pw\"");
	cmd_edits();
	cmd_printed();
	cli_exec(s, "display history-command");
	out = cmd_printed();
	cr_assert(strstr(out, "  local-user tom password irreversible-cipher ******\r\n"), "%s",
		  out);
	cr_assert(strstr(out, "  set authentication password cipher ******\r\n"), "%s", out);
	cr_assert_null(strstr(out, "Tom@12345"), "%s", out);
	cr_assert_null(strstr(out, "Line#pw"), "%s", out);
	cli_session_free(s);
}

Test(cmd_aaa, errors)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "aaa", "", "");
	cmd_edits();
	/* [~HUAWEI-aaa] is 13 columns. */
	cmd_run(s, "local-user tom privilege level 16", "", cmd_caret(13 + 31, "Wrong parameter"));
	cmd_run(s, "local-user tom privilege level", "", cmd_caret(13 + 30, "Incomplete command"));
	cmd_run(s, "local-user tom privilege level x", "", cmd_caret(13 + 31, "Wrong parameter"));
	cmd_run(s, "local-user tom password irreversible-cipher", "",
		cmd_caret(13 + 43, "Incomplete command"));
	cmd_run(s, "local-user tom service-type ftp", "",
		cmd_caret(13 + 28, "Unrecognized command"));
	cmd_run(s, "local-user tom state", "", cmd_caret(13 + 20, "Incomplete command"));
	cmd_run(s, "local-user tom? privilege level 3", "",
		cmd_caret(13 + 11, "Wrong parameter"));
	cmd_run(s, "local-aaa-user wrong-password retry-interval 4 retry-time 3 block-time 5", "",
		cmd_caret(13 + 45, "Wrong parameter"));
	cmd_run(s, "local-aaa-user wrong-password retry-interval 5 retry-time 2 block-time 5", "",
		cmd_caret(13 + 58, "Wrong parameter"));
	cmd_run(s, "local-aaa-user wrong-password retry-interval 5 retry-time 3 block-time 65536",
		"", cmd_caret(13 + 71, "Wrong parameter"));
	cmd_run(s, "local-aaa-user wrong-password retry-interval 5 retry-time 3", "",
		cmd_caret(13 + 59, "Incomplete command"));
	/* Not in system view. */
	cmd_run(s, "quit", "", "");
	cmd_run(s, "local-user tom state block", "", cmd_caret(9, "Unrecognized command"));
	cli_session_free(s);
}

Test(cmd_aaa, rendering)
{
	struct sbuf b = { 0 };

	cmd_aaa_render(running, &b);
	cr_assert_str_eq(b.buf,
			 "#\r\naaa\r\n"
			 " local-aaa-user wrong-password retry-interval 6 retry-time 4 block-time 7\r\n"
			 " local-user admin1 password irreversible-cipher $6$abcdefgh$0123456789\r\n"
			 " local-user admin1 privilege level 15\r\n"
			 " local-user admin1 service-type telnet ssh\r\n"
			 " local-user viewer privilege level 1\r\n"
			 " local-user viewer state block\r\n");
	sbuf_free(&b);
	cmd_aaa_render(NULL, &b);
	cr_assert_null(b.buf);
}

Test(cmd_aaa, display_this_and_section)
{
	struct cli_session *s = cmd_session_in(NULL);
	static const char block[] =
		"#\r\naaa\r\n"
		" local-aaa-user wrong-password retry-interval 6 retry-time 4 block-time 7\r\n"
		" local-user admin1 password irreversible-cipher $6$abcdefgh$0123456789\r\n"
		" local-user admin1 privilege level 15\r\n"
		" local-user admin1 service-type telnet ssh\r\n"
		" local-user viewer privilege level 1\r\n"
		" local-user viewer state block\r\n#\r\nreturn\r\n";

	cmd_run(s, "aaa", "", "");
	cmd_run(s, "display this", "", block);
	cmd_run(s, "display current-configuration configuration aaa", "", block);
	cli_session_free(s);
}

Test(cmd_aaa, display_local_user)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	cmd_printed();
	cli_exec(s, "display local-user");
	cr_assert_str_eq(cmd_printed(),
		"  ----------------------------------------------------------------------------"
		"-----------------------------\r\n"
		"  Username                         State   Type   Car   Access-limit   Online   "
		"AdminLevel   UsergroupId\r\n"
		"  ----------------------------------------------------------------------------"
		"-----------------------------\r\n"
		"  admin1                           Active  TS     Dft             No        0   "
		"15           -\r\n"
		"  viewer                           Block   -      Dft             No        0   "
		"1            -\r\n"
		"  ----------------------------------------------------------------------------"
		"-----------------------------\r\n"
		"  Total 2, 2 printed\r\n");
	cli_exec(s, "display local-user username viewer");
	cr_assert(strstr(cmd_printed(), "Total 2, 1 printed"));
	cli_session_free(s);
}

Test(cmd_aaa, ui_login_settings)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "user-interface maximum-vty 10",
		"SET user_interface {maximum_vty: 10}\n", "");
	cmd_run(s, "undo user-interface maximum-vty", "DELETE user_interface/maximum_vty\n", "");
	/* [*HUAWEI] is 9 columns. */
	cmd_run(s, "user-interface maximum-vty 22", "", cmd_caret(9 + 27, "Wrong parameter"));
	cmd_run(s, "user-interface vty 3 4", "", "");
	cmd_run(s, "authentication-mode password",
		"SET user_interface {vty {number: \"3\" authentication_mode: \"password\"} "
		"vty {number: \"4\" authentication_mode: \"password\"}}\n", "");
	cmd_run(s, "undo authentication-mode",
		"DELETE user_interface/vty/3/authentication_mode\n"
		"DELETE user_interface/vty/4/authentication_mode\n", "");
	/* Plain, the earlier Base64 cipher form and a sealed text of this
	 * device all go to cfgd sealed, opening to the same password. */
	expect_sealed_pw(s, "set authentication password cipher Huawei@123");
	expect_sealed_pw(s, "set authentication password cipher %^%#SHVhd2VpQDEyMw==%^%#");
	{
		char line[SECRET_SEALED_SIZE + 64];

		snprintf(line, sizeof(line), "set authentication password cipher %s", sealed_pw);
		expect_sealed_pw(s, line);
	}
	cmd_run(s, "idle-timeout 0 0",
		"SET user_interface {vty {number: \"3\" idle_timeout_min: 0 idle_timeout_sec: 0} "
		"vty {number: \"4\" idle_timeout_min: 0 idle_timeout_sec: 0}}\n", "");
	cmd_run(s, "idle-timeout 20",
		"SET user_interface {vty {number: \"3\" idle_timeout_min: 20 idle_timeout_sec: 0} "
		"vty {number: \"4\" idle_timeout_min: 20 idle_timeout_sec: 0}}\n", "");
	cmd_run(s, "undo idle-timeout",
		"DELETE user_interface/vty/3/idle_timeout_min\n"
		"DELETE user_interface/vty/3/idle_timeout_sec\n"
		"DELETE user_interface/vty/4/idle_timeout_min\n"
		"DELETE user_interface/vty/4/idle_timeout_sec\n", "");
	cmd_run(s, "protocol inbound telnet",
		"SET user_interface {vty {number: \"3\" protocol_inbound: \"telnet\"} "
		"vty {number: \"4\" protocol_inbound: \"telnet\"}}\n", "");
	cmd_run(s, "acl 2001 inbound",
		"SET user_interface {vty {number: \"3\" acl_inbound: 2001} "
		"vty {number: \"4\" acl_inbound: 2001}}\n", "");
	cmd_run(s, "user privilege level 3",
		"SET user_interface {vty {number: \"3\" privilege: 3} "
		"vty {number: \"4\" privilege: 3}}\n", "");
	cmd_run(s, "undo user privilege level",
		"DELETE user_interface/vty/3/privilege\n"
		"DELETE user_interface/vty/4/privilege\n", "");
	cmd_run(s, "undo acl inbound",
		"DELETE user_interface/vty/3/acl_inbound\n"
		"DELETE user_interface/vty/4/acl_inbound\n", "");
	/* [*HUAWEI-ui-vty3-4] is 19 columns. */
	cmd_run(s, "idle-timeout 35792", "", cmd_caret(19 + 13, "Wrong parameter"));
	cmd_run(s, "user privilege level 16", "", cmd_caret(19 + 21, "Wrong parameter"));
	cmd_run(s, "idle-timeout 1 60", "", cmd_caret(19 + 15, "Wrong parameter"));
	cmd_run(s, "idle-timeout", "", cmd_caret(19 + 12, "Incomplete command"));
	cmd_run(s, "acl 3000 inbound", "", cmd_caret(19 + 4, "Wrong parameter"));
	cmd_run(s, "acl 2000 inbound x", "", cmd_caret(19 + 17, "Too many parameters"));
	cmd_run(s, "protocol inbound ftp", "", cmd_caret(19 + 17, "Unrecognized command"));
	cmd_run(s, "authentication-mode radius", "", cmd_caret(19 + 20, "Unrecognized command"));
	cmd_run(s, "set authentication password cipher %^%#!!!%^%#", "",
		cmd_caret(19 + 35, "Wrong parameter"));
	cli_session_free(s);
}

Test(cmd_aaa, ui_rendering_and_display)
{
	struct cli_session *s = cmd_session_new("VTY 1");
	struct sbuf b = { 0 };

	char want[1024];

	cmd_ui_render(running, &b);
	snprintf(want, sizeof(want),
		 "#\r\nuser-interface maximum-vty 3\r\n"
		 "#\r\nuser-interface vty 0 1\r\n acl 2001 inbound\r\n"
		 " authentication-mode password\r\n"
		 " set authentication password cipher %s\r\n"
		 " idle-timeout 5 30\r\n protocol inbound telnet\r\n"
		 "#\r\nuser-interface vty 2\r\n authentication-mode none\r\n"
		 " user privilege level 2\r\n", sealed_pw);
	cr_assert_str_eq(b.buf, want);
	cr_assert_null(strstr(b.buf, "Huawei@123"));
	sbuf_free(&b);
	cmd_printed();
	cli_exec(s, "display user-interface");
	{
		const char *out = cmd_printed();

		cr_assert(strstr(out, "  Idx  Type     Tx/Rx      Modem Privi ActualPrivi Auth  Int\r\n"
				 "  34   VTY 0               -     0     -           P     -\r\n"
				 "+ 35   VTY 1               -     0     15          P     -\r\n"
				 "  36   VTY 2               -     2     -           N     -\r\n"
				 "  UI(s) not in async mode"), "%s", out);
	}
	cli_session_free(s);
}

Test(cmd_aaa, level_below_3_may_only_display)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	cli_session_set_level(s, 1);
	cmd_printed();
	/* <HUAWEI> is 8 columns: the caret under the command's first word. */
	cmd_run(s, "system-view", "", cmd_caret(8, "Unrecognized command"));
	cmd_run(s, "commit", "", cmd_caret(8, "Unrecognized command"));
	cmd_run(s, "save", "", cmd_caret(8, "Unrecognized command"));
	cmd_run(s, "terminal monitor", "", cmd_caret(8, "Unrecognized command"));
	cmd_run(s, "clock datetime 10:00:00 2026-01-01", "", cmd_caret(8, "Unrecognized command"));
	cr_assert_str_eq(cli_prompt(s), "<HUAWEI>");
	cli_exec(s, "display local-user");
	cr_assert(strstr(cmd_printed(), "Total 2, 2 printed"));
	cmd_run(s, "screen-length 10 temporary", "",
		"Info: The configuration takes effect on the current user terminal "
		"interface only.\r\n");
	/* Level 3 may configure. */
	cli_session_set_level(s, 3);
	cmd_run(s, "system-view", "", "");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI]");
	cli_session_free(s);
}

Test(cmd_aaa, display_users_all)
{
	struct cli_session *s = cmd_session_new("VTY 1");

	cmd_printed();
	cli_exec(s, "display users all");
	{
		const char *out = cmd_printed();

		/* The fake backend has no access copy: the default 5 lines. */
		cr_assert(strstr(out, "  34  VTY 0\r\n"), "%s", out);
		cr_assert(strstr(out, "  38  VTY 4\r\n"), "%s", out);
		cr_assert_null(strstr(out, "  35  VTY 1\r\n"), "%s", out);
		cr_assert(strstr(out, "+ 35  VTY 1"), "%s", out);
	}
	cli_session_free(s);
}
