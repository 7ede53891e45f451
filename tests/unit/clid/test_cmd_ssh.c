/*
 * test_cmd_ssh.c: clid/cmd_ssh.c through a session (cmd_session.h's fake
 * cfgd): `stelnet server enable`, `ssh server port P` and `telnet server
 * enable` with their undo forms as edits, their errors, and their lines
 * in `display current-configuration`.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_session.h"

static void hook(const CfgRequest *req, CfgReply *rep)
{
	(void)rep;
	if (req->req_case == CFG_REQUEST__REQ_EDIT)
		for (size_t i = 0; i < req->edit->n_edit; i++)
			cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
}

static void setup(void)
{
	cmd_fake_setup(hook, false);
}

TestSuite(cmd_ssh, .init = setup, .fini = cmd_fake_teardown);

Test(cmd_ssh, edits)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "stelnet server enable", "SET ssh {server_enable: true}\n", "");
	cmd_run(s, "undo stelnet server enable", "SET ssh {server_enable: false}\n", "");
	cmd_run(s, "ssh server port 2222", "SET ssh {port: 2222}\n", "");
	cmd_run(s, "ssh server port 22", "SET ssh {port: 22}\n", "");
	cmd_run(s, "undo ssh server port", "DELETE ssh/port\n", "");
	cmd_run(s, "undo telnet server enable", "SET telnet {server_enable: false}\n", "");
	cmd_run(s, "telnet server enable", "DELETE telnet/server_enable\n", "");
	cli_session_free(s);
}

Test(cmd_ssh, errors)
{
	struct cli_session *s = cmd_session_in(NULL);

	/* [~HUAWEI] is 9 columns; VRP's ports are 22 and 1025..55535. */
	cmd_run(s, "ssh server port 23", "", cmd_caret(9 + 16, "Wrong parameter"));
	cmd_run(s, "ssh server port 1024", "", cmd_caret(9 + 16, "Wrong parameter"));
	cmd_run(s, "ssh server port 55536", "", cmd_caret(9 + 16, "Wrong parameter"));
	cmd_run(s, "ssh server port", "", cmd_caret(9 + 15, "Incomplete command"));
	cmd_run(s, "stelnet server", "", cmd_caret(9 + 14, "Incomplete command"));
	cli_session_free(s);
}

Test(cmd_ssh, render)
{
	Ssh ssh = SSH__INIT;
	Telnet tel = TELNET__INIT;
	Config c = CONFIG__INIT;
	struct sbuf b = { 0 };

	cmd_ssh_render(&c, &b);
	cr_assert_eq(b.len, 0, "nothing set, nothing shown: %s", b.buf);
	ssh.has_server_enable = ssh.server_enable = true;
	ssh.has_port = true;
	ssh.port = 2222;
	tel.has_server_enable = true;
	tel.server_enable = false;
	c.ssh = &ssh;
	c.telnet = &tel;
	cmd_ssh_render(&c, &b);
	cr_assert_str_eq(b.buf, "#\r\nundo telnet server enable\r\nstelnet server enable\r\n"
				"ssh server port 2222\r\n");
	sbuf_free(&b);
	c.telnet = NULL;
	ssh.server_enable = false;
	ssh.has_port = false;
	cmd_ssh_render(&c, &b);
	cr_assert_str_eq(b.buf, "#\r\nundo stelnet server enable\r\n");
	sbuf_free(&b);
}
