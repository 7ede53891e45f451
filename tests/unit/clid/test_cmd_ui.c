/*
 * test_cmd_ui.c: the terminal commands of clid/cmd_ui.c and the display
 * pipes through a session (cmd_session.h's fake cfgd): `screen-length N
 * temporary` and its errors, the user-interface view, `screen-length N`
 * there as edits, its rendering and `display this`, the configured value
 * read at login, and `display ... | ...` with its errors, '?' and TAB.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_session.h"

static Config *running;

static void hook(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case == CFG_REQUEST__REQ_EDIT)
		for (size_t i = 0; i < req->edit->n_edit; i++)
			cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
	if (req->req_case == CFG_REQUEST__REQ_GET)
		rep->config = running;
}

/* Running: sysname, an NTP server, an interface, and lines 0..4 with
 * screen-length 30, line 5 with 10, line 7 with 30. */
static void make_running(void)
{
	static System sys = SYSTEM__INIT;
	static Ntp ntp = NTP__INIT;
	static NtpAssociation srv = NTP_ASSOCIATION__INIT;
	static NtpAssociation *srvs[1] = { &srv };
	static Interface ifc = INTERFACE__INIT;
	static Interface *ifs[1] = { &ifc };
	static UserInterface ui = USER_INTERFACE__INIT;
	static VtyLine lines[8];
	static VtyLine *vty[8];
	static char nums[8][4];
	static Config c = CONFIG__INIT;

	sys.sysname = "DeviceC";
	srv.address = "10.0.1.31";
	ntp.n_unicast_server = 1;
	ntp.unicast_server = srvs;
	ifc.name = "GigabitEthernet0/1/0";
	ifc.description = "uplink";
	ui.n_vty = 0;
	for (unsigned n = 0; n < 8; n++) {
		if (n == 6)
			continue;
		vty_line__init(&lines[n]);
		snprintf(nums[n], sizeof(nums[n]), "%u", n);
		lines[n].number = nums[n];
		lines[n].has_screen_length = true;
		lines[n].screen_length = n == 5 ? 10 : 30;
		vty[ui.n_vty++] = &lines[n];
	}
	ui.vty = vty;
	c.system = &sys;
	c.ntp = &ntp;
	c.n_interface = 1;
	c.interface = ifs;
	c.user_interface = &ui;
	running = &c;
}

static void setup(void)
{
	make_running();
	cmd_fake_setup(hook, false);
}

TestSuite(cmd_ui, .init = setup, .fini = cmd_fake_teardown);

Test(cmd_ui, screen_length_temporary)
{
	struct cli_session *s = cmd_session_new("VTY 6");

	cmd_printed();
	cr_assert_eq(cli_screen_length(s), -1);   /* line 6 has no setting */
	cmd_run(s, "screen-length 10 temporary", "",
		"Info: The configuration takes effect on the current user terminal "
		"interface only.\r\n");
	cr_assert_eq(cli_screen_length(s), 10);
	cmd_run(s, "screen-length 0 temporary", "",
		"Info: The configuration takes effect on the current user terminal "
		"interface only.\r\n");
	cr_assert_eq(cli_screen_length(s), 0);
	cmd_run(s, "undo screen-length temporary", "", "");
	cr_assert_eq(cli_screen_length(s), -1);
	/* <HUAWEI> is 8 columns. */
	cmd_run(s, "screen-length 513 temporary", "", cmd_caret(8 + 14, "Wrong parameter"));
	cmd_run(s, "screen-length 10", "", cmd_caret(8 + 16, "Incomplete command"));
	cmd_run(s, "screen-length", "", cmd_caret(8 + 13, "Incomplete command"));
	cmd_run(s, "screen-length x temporary", "", cmd_caret(8 + 14, "Wrong parameter"));
	cmd_run(s, "screen-length 10 temporary x", "", cmd_caret(8 + 27, "Too many parameters"));
	cr_assert_eq(cli_screen_length(s), -1);
	/* Not a system-view command. */
	cmd_run(s, "system-view", "", "");
	cmd_run(s, "screen-length 10 temporary", "",
		cmd_caret(9, "Unrecognized command"));
	cli_session_free(s);
}

Test(cmd_ui, configured_at_login)
{
	struct cli_session *s = cmd_session_new("VTY 5");

	cli_session_read_settings(s);
	cr_assert_eq(cli_screen_length(s), 10);
	/* temporary wins over the configured value, undo falls back to it. */
	cli_exec(s, "screen-length 40 temporary");
	cr_assert_eq(cli_screen_length(s), 40);
	cli_exec(s, "undo screen-length temporary");
	cr_assert_eq(cli_screen_length(s), 10);
	cli_session_free(s);
	s = cmd_session_new("VTY 6");
	cli_session_read_settings(s);
	cr_assert_eq(cli_screen_length(s), -1);
	cli_session_free(s);
}

Test(cmd_ui, user_interface_view)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "user-interface vty 0 4", "", "");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI-ui-vty0-4]");
	cmd_run(s, "screen-length 30",
		"SET user_interface {vty {number: \"0\" screen_length: 30} "
		"vty {number: \"1\" screen_length: 30} vty {number: \"2\" screen_length: 30} "
		"vty {number: \"3\" screen_length: 30} vty {number: \"4\" screen_length: 30}}\n",
		"");
	cmd_run(s, "undo screen-length",
		"DELETE user_interface/vty/0/screen_length\n"
		"DELETE user_interface/vty/1/screen_length\n"
		"DELETE user_interface/vty/2/screen_length\n"
		"DELETE user_interface/vty/3/screen_length\n"
		"DELETE user_interface/vty/4/screen_length\n", "");
	/* [~HUAWEI-ui-vty0-4] is 19 columns. */
	cmd_run(s, "screen-length 513", "", cmd_caret(19 + 14, "Wrong parameter"));
	cmd_run(s, "screen-length 1 temporary", "", cmd_caret(19 + 16, "Too many parameters"));
	/* display this: the view's lines as running groups them. */
	cmd_run(s, "display this", "",
		"#\r\nuser-interface vty 0 4\r\n screen-length 30\r\n#\r\nreturn\r\n");
	/* A system-view command moves up (matched upper-view). */
	cmd_run(s, "user-interface vty 6", "", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-ui-vty6]");   /* edited */
	cmd_run(s, "display this", "", "#\r\nuser-interface vty 6\r\n#\r\nreturn\r\n");
	cmd_run(s, "screen-length 0", "SET user_interface {vty {number: \"6\" screen_length: 0}}\n",
		"");
	cmd_run(s, "quit", "", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	/* [*HUAWEI] is 9 columns. */
	cmd_run(s, "user-interface vty 4 0", "", cmd_caret(9 + 21, "Wrong parameter"));
	cmd_run(s, "user-interface vty 64", "", cmd_caret(9 + 19, "Wrong parameter"));
	cmd_run(s, "user-interface vty", "", cmd_caret(9 + 18, "Incomplete command"));
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cli_session_free(s);
}

Test(cmd_ui, rendering)
{
	struct sbuf b = { 0 };

	cmd_ui_render(running, &b);
	cr_assert_str_eq(b.buf,
			 "#\r\nuser-interface vty 0 4\r\n screen-length 30\r\n"
			 "#\r\nuser-interface vty 5\r\n screen-length 10\r\n"
			 "#\r\nuser-interface vty 7\r\n screen-length 30\r\n");
	sbuf_free(&b);
	cmd_ui_render(NULL, &b);
	cr_assert_null(b.buf);
}

Test(cmd_ui, current_configuration_parts)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	cmd_printed();
	cmd_run(s, "display current-configuration interface GigabitEthernet0/1/0", "",
		"#\r\ninterface GigabitEthernet0/1/0\r\n description uplink\r\n#\r\nreturn\r\n");
	cmd_run(s, "display current-configuration interface gigabitethernet 0/1/0", "",
		"#\r\ninterface GigabitEthernet0/1/0\r\n description uplink\r\n#\r\nreturn\r\n");
	cmd_run(s, "display current-configuration configuration ntp", "",
		"#\r\nntp-service unicast-server 10.0.1.31\r\n#\r\nreturn\r\n");
	cmd_run(s, "display current-configuration configuration user-interface", "",
		"#\r\nuser-interface vty 0 4\r\n screen-length 30\r\n"
		"#\r\nuser-interface vty 5\r\n screen-length 10\r\n"
		"#\r\nuser-interface vty 7\r\n screen-length 30\r\n#\r\nreturn\r\n");
	cli_session_free(s);
}

Test(cmd_ui, pipes)
{
	struct cli_session *s = cmd_session_new("VTY 0");

	cmd_printed();
	cmd_run(s, "display current-configuration | include ntp", "",
		"ntp-service unicast-server 10.0.1.31\r\n");
	cmd_run(s, "dis cu | i screen | count", "", cmd_caret(8 + 9, "Ambiguous command"));
	cmd_run(s, "dis cu | inc screen | count", "", "Total lines: 3.\r\n");
	cmd_run(s, "display current-configuration | begin ^interface | exclude ^#", "",
		"interface GigabitEthernet0/1/0\r\n description uplink\r\n"
		"user-interface vty 0 4\r\n screen-length 30\r\n"
		"user-interface vty 5\r\n screen-length 10\r\n"
		"user-interface vty 7\r\n screen-length 30\r\nreturn\r\n");
	cmd_run(s, "display current-configuration | section include vty 5", "",
		"user-interface vty 5\r\n screen-length 10\r\n");
	/* A bad regular expression: an error, the command does not run. */
	char want[256];

	snprintf(want, sizeof(want), "%*s^\r\nError: Invalid regular expression \"(ntp\": "
		 "unmatched ( or \\(.\r\n", 8 + 40, "");
	cmd_run(s, "display current-configuration | include (ntp", "", want);
	snprintf(want, sizeof(want), "%*s^\r\nError: Invalid regular expression \"[ntp\": "
		 "unmatched [.\r\n", 8 + 40, "");
	cmd_run(s, "display current-configuration | include [ntp", "", want);
	cmd_run(s, "display current-configuration |", "", cmd_caret(8 + 31, "Incomplete command"));
	cmd_run(s, "display current-configuration | grep x", "",
		cmd_caret(8 + 32, "Unrecognized command"));
	/* The command's own errors come first. */
	cmd_run(s, "display bogus | include x", "", cmd_caret(8 + 8, "Unrecognized command"));
	/* Pipes are for display commands. */
	cmd_run(s, "save | include x", "", cmd_caret(8 + 5, "Too many parameters"));
	/* '?' after "|", and "|" among a display command's ends. */
	cli_help(s, "display current-configuration | ");
	cr_assert_str_eq(cmd_printed(),
		"  begin        Begin with the line that matches\r\n"
		"  count        Count the number of lines\r\n"
		"  exclude      Exclude lines that match\r\n"
		"  ignore-case  Match regardless of case\r\n"
		"  include      Include lines that match\r\n"
		"  no-more      Display the output without pausing\r\n"
		"  section      Filter whole sections (a line and the indented lines after it)\r\n");
	cli_help(s, "display current-configuration | e");
	cr_assert_str_eq(cmd_printed(), "  exclude\r\n");
	cli_help(s, "display current-configuration | include ");
	cr_assert_str_eq(cmd_printed(), "  STRING<1-255>  Regular expression\r\n");
	cli_help(s, "display current-configuration | count ");
	cr_assert_str_eq(cmd_printed(), "  |     Matching output\r\n  <cr>\r\n");
	cli_help(s, "display users all ");
	cr_assert_str_eq(cmd_printed(), "  |     Matching output\r\n  <cr>\r\n");
	cli_help(s, "display bogus | ");
	cr_assert_str_eq(cmd_printed(), cmd_caret(8 + 8, "Unrecognized command"));
	/* TAB completes the pipe's keywords. */
	char *r = cli_complete(s, "display current-configuration | inc");
	cr_assert_str_eq(r, "display current-configuration | include ");
	free(r);
	r = cli_complete(s, "dis cu | no");
	cr_assert_str_eq(r, "dis cu | no-more ");
	free(r);
	/* Ambiguous: each candidate in turn (TAB cycling). */
	r = cli_complete(s, "dis cu | i");
	cr_assert_str_eq(r, "dis cu | ignore-case");
	char *r2 = cli_complete(s, r);
	cr_assert_str_eq(r2, "dis cu | include");
	free(r2);
	free(r);
	cr_assert_str_eq(cmd_printed(), "");
	cli_session_free(s);
}
