/*
 * test_cmd_ntp_bcast.c: clid/cmd_ntp_bcast.c.  The broadcast and multicast
 * commands of the interface view produce their edits (a fake cfgd records
 * them as text), are refused in system view and with a group that is not
 * multicast (caret at the group), and render in the interface's block of
 * `display current-configuration`.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ntp_bcast.h"
#include "cmd_session.h"
#include "log.h"

/* The fake cfgd records each edit as a line of text in cmd_fake.log. */
static void log_hook(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case != CFG_REQUEST__REQ_EDIT)
		return;
	for (size_t i = 0; i < req->edit->n_edit; i++)
		cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
}

static void setup(void)
{
	cmd_fake_setup(log_hook, false);
}

TestSuite(bcast_cli, .init = setup, .fini = cmd_fake_teardown);

#define GE "interface/GigabitEthernet0/1/0"
#define PROMPT "[~HUAWEI-GigabitEthernet0/1/0]"
#define SET_GE(body) "SET interface {name: \"GigabitEthernet0/1/0\" " body "}\n"

Test(bcast_cli, commands_make_edits)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");

	cmd_run(s, "ntp-service broadcast-server",
	    "DELETE " GE "/ntp_broadcast_server\n" SET_GE("ntp_broadcast_server {}"), "");
	cmd_run(s, "ntp-service broadcast-server port 1123 version 4 authentication-keyid 5",
	    "DELETE " GE "/ntp_broadcast_server\n"
	    SET_GE("ntp_broadcast_server {version: 4 authentication_keyid: 5 port: 1123}"), "");
	cmd_run(s, "undo ntp-service broadcast-server", "DELETE " GE "/ntp_broadcast_server\n", "");
	cmd_run(s, "ntp-service broadcast-client", SET_GE("ntp_broadcast_client: true"), "");
	cmd_run(s, "undo ntp-service broadcast-client", "DELETE " GE "/ntp_broadcast_client\n", "");
	cmd_run(s, "ntp-service multicast-server",
	    "DELETE " GE "/ntp_multicast_server\n" SET_GE("ntp_multicast_server {}"), "");
	cmd_run(s, "ntp-service multicast-server 224.0.1.1 ttl 8 version 3 port 1123",
	    "DELETE " GE "/ntp_multicast_server\n"
	    SET_GE("ntp_multicast_server {group: \"224.0.1.1\" version: 3 ttl: 8 port: 1123}"), "");
	cmd_run(s, "undo ntp-service multicast-server 224.0.1.1",
	    "DELETE " GE "/ntp_multicast_server\n", "");
	cmd_run(s, "ntp-service multicast-client",
	    "DELETE " GE "/ntp_multicast_client\n" SET_GE("ntp_multicast_client {}"), "");
	cmd_run(s, "ntp-service multicast-client 239.1.2.3",
	    "DELETE " GE "/ntp_multicast_client\n"
	    SET_GE("ntp_multicast_client {group: \"239.1.2.3\"}"), "");
	cmd_run(s, "undo ntp-service multicast-client", "DELETE " GE "/ntp_multicast_client\n", "");
	/* Abbreviations. */
	cmd_run(s, "ntp-s broadcast-c", SET_GE("ntp_broadcast_client: true"), "");
	cli_session_free(s);
}

Test(bcast_cli, errors_make_no_edit)
{
	struct cli_session *s = cmd_session_in("GigabitEthernet0/1/0");
	const char *p;

	/* The caret line counts the prompt. */
	p = "ntp-service multicast-server ";
	cmd_run(s, "ntp-service multicast-server 10.0.1.1", "",
	    cmd_caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
	p = "ntp-service multicast-client ";
	cmd_run(s, "ntp-service multicast-client 224.0.0.0", "",
	    cmd_caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
	p = "ntp-service multicast-server ttl ";
	cmd_run(s, "ntp-service multicast-server ttl 0", "",
	    cmd_caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
	p = "ntp-service broadcast-server version ";
	cmd_run(s, "ntp-service broadcast-server version 5", "",
	    cmd_caret(strlen(PROMPT) + strlen(p), "Wrong parameter"));
	cli_session_free(s);
}

Test(bcast_cli, not_in_system_view)
{
	struct cli_session *s = cmd_session_in(NULL);

	cli_exec(s, "ntp-service broadcast-client");
	cr_assert_str_eq(cmd_take(&cmd_fake.log), "");
	cr_assert(strstr(cmd_take(&cmd_fake.out), "Error:"));
	cli_session_free(s);
}

Test(bcast_cli, render)
{
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, "GigabitEthernet0/1/0");
	struct sbuf b = { 0 };

	ifc->has_shutdown = true;
	ifc->shutdown = false;
	ifc->address = xmalloc(sizeof(*ifc->address));
	ipv4_address__init(ifc->address);
	ifc->address->address = xstrdup("10.0.1.31");
	ifc->address->prefix_len = 24;
	ifc->ntp_broadcast_server = xmalloc(sizeof(*ifc->ntp_broadcast_server));
	ntp_broadcast_server__init(ifc->ntp_broadcast_server);
	ifc->ntp_broadcast_server->has_port = true;
	ifc->ntp_broadcast_server->port = 1123;
	ifc->ntp_broadcast_server->has_version = true;
	ifc->ntp_broadcast_server->version = 4;
	ifc->has_ntp_broadcast_client = true;
	ifc->ntp_broadcast_client = true;
	ifc->ntp_multicast_server = xmalloc(sizeof(*ifc->ntp_multicast_server));
	ntp_multicast_server__init(ifc->ntp_multicast_server);
	ifc->ntp_multicast_server->has_ttl = true;
	ifc->ntp_multicast_server->ttl = 8;
	ifc->ntp_multicast_client = xmalloc(sizeof(*ifc->ntp_multicast_client));
	ntp_multicast_client__init(ifc->ntp_multicast_client);
	ifc->ntp_multicast_client->group = xstrdup("239.1.2.3");
	cmd_render_config(c, "HUAWEI", &b);
	cr_assert_str_eq(b.buf,
		"#\r\n"
		"sysname HUAWEI\r\n"
		"#\r\n"
		"interface GigabitEthernet0/1/0\r\n"
		" undo shutdown\r\n"
		" ip address 10.0.1.31 255.255.255.0\r\n"
		" ntp-service broadcast-server version 4 port 1123\r\n"
		" ntp-service broadcast-client\r\n"
		" ntp-service multicast-server ttl 8\r\n"
		" ntp-service multicast-client 239.1.2.3\r\n"
		"#\r\n"
		"return\r\n");
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
}
