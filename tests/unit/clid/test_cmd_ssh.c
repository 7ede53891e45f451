/*
 * test_cmd_ssh.c: clid/cmd_ssh.c through a session (cmd_session.h's fake
 * cfgd): `stelnet server enable`, `ssh server port P` and `telnet server
 * enable`, `ssh user` and the peer-public-key views with their undo forms
 * as edits, their errors, and their lines in `display
 * current-configuration`.
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

Test(cmd_ssh, ssh_user_edits)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "ssh user bob", "SET ssh {user {name: \"bob\"}}\n", "");
	cmd_run(s, "ssh user bob authentication-type ecc",
		"SET ssh {user {name: \"bob\" authentication_type: \"ecc\"}}\n", "");
	cmd_run(s, "ssh user bob assign rsa-key k1",
		"SET ssh {user {name: \"bob\" rsa_key: \"k1\"}}\n", "");
	cmd_run(s, "undo ssh user bob assign rsa-key", "DELETE ssh/user/bob/rsa_key\n", "");
	cmd_run(s, "undo ssh user bob authentication-type",
		"DELETE ssh/user/bob/authentication_type\n", "");
	cmd_run(s, "undo ssh user bob", "DELETE ssh/user/bob\n", "");
	cli_session_free(s);
}

/* The key views: prompts, the key typed over lines becomes one edit at
 * public-key-code end, a bad key is refused there. */
Test(cmd_ssh, peer_public_key_views)
{
	struct cli_session *s = cmd_session_in(NULL);

	cmd_run(s, "ecc peer-public-key k1", "",
		"Enter \"ECC public key\" view, return system view with \"peer-public-key end\".\r\n");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI-ecc-public-key]");
	cmd_run(s, "public-key-code begin", "",
		"Enter \"ECC key code\" view, return last view with \"public-key-code end\".\r\n");
	cr_assert_str_eq(cli_prompt(s), "[~HUAWEI-ecc-public-key-ecc-key-code]");
	cmd_run(s, "04D27F24 F1D63CB0 1CC6A77D EAD58FA9 BFCD4959 1E655F5B 0F8A4F40", "", "");
	cmd_run(s, "7B5C6B64 0A882AFE 5AC1A267 2B8AB4DE EC09DE29 D82253DD D38AD861", "", "");
	cmd_run(s, "67E12240 02C3A928 72", "", "");
	cmd_run(s, "public-key-code end",
		"SET ssh {ecc_peer_key {name: \"k1\" openssh: false code: \"04D27F24F1D63CB01CC6A77D"
		"EAD58FA9BFCD49591E655F5B0F8A4F407B5C6B640A882AFE5AC1A2672B8AB4DEEC09DE29D82253DD"
		"D38AD86167E1224002C3A92872\"}}\n", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-ecc-public-key]");
	cmd_run(s, "peer-public-key end", "", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");

	cmd_run(s, "rsa peer-public-key k2 encoding-type openssh", "",
		"Enter \"RSA public key\" view, return system view with \"peer-public-key end\".\r\n");
	cmd_run(s, "public-key-code begin", "",
		"Enter \"RSA key code\" view, return last view with \"public-key-code end\".\r\n");
	cmd_run(s, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf",
		"", "");
	cmd_run(s, "public-key-code end", "",
		"Error: The public key is not an OpenSSH RSA (ssh-rsa) public key.\r\n");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI-rsa-public-key]");
	cmd_run(s, "public-key-code begin", "",
		"Enter \"RSA key code\" view, return last view with \"public-key-code end\".\r\n");
	cmd_run(s, "public-key-code end", "", "Error: No public key code was entered.\r\n");
	cmd_run(s, "quit", "", "");
	cr_assert_str_eq(cli_prompt(s), "[*HUAWEI]");
	cmd_run(s, "undo rsa peer-public-key k2", "DELETE ssh/rsa_peer_key/k2\n", "");
	cli_session_free(s);
}

Test(cmd_ssh, render_keys_and_users)
{
	Ssh ssh = SSH__INIT;
	SshUser su = SSH_USER__INIT, *sup[1] = { &su };
	PeerPublicKey k = PEER_PUBLIC_KEY__INIT, *kp[1] = { &k };
	Config c = CONFIG__INIT;
	struct sbuf b = { 0 };

	k.name = "k1";
	k.code = "04D27F24F1D63CB01CC6A77DEAD58FA9BFCD4959AB";
	ssh.n_ecc_peer_key = 1;
	ssh.ecc_peer_key = kp;
	su.name = "bob";
	su.ecc_key = "k1";
	su.authentication_type = "ecc";
	ssh.n_user = 1;
	ssh.user = sup;
	c.ssh = &ssh;
	cmd_ssh_render(&c, &b);
	cr_assert_str_eq(b.buf, "#\r\necc peer-public-key k1\r\n public-key-code begin\r\n"
		"  04D27F24 F1D63CB0 1CC6A77D EAD58FA9 BFCD4959\r\n  AB\r\n"
		" public-key-code end\r\n peer-public-key end\r\n"
		"#\r\nssh user bob\r\nssh user bob assign ecc-key k1\r\n"
		"ssh user bob authentication-type ecc\r\n");
	sbuf_free(&b);
}
