/*
 * cmd_ssh.c: the system-view commands of clid's remote access servers:
 *
 *   stelnet server enable                  undo stelnet server enable
 *   ssh server port P  (22, 1025..55535)   undo ssh server port
 *   telnet server enable                   undo telnet server enable
 *
 * and their lines in `display current-configuration`; `display ssh server
 * status` and `display ssh server session` show the server itself
 * (ssh.c), when the backend has one.  VRP8's commands
 * (../shared/reference/vrp-operator.md); clid follows them (main.c through
 * access.c): SSH listens while `stelnet server enable` says so (absent:
 * while the bootstrap's cli.ssh_port is set), on the configured port;
 * telnet is on unless `undo telnet server enable` says otherwise.  Only
 * new connections are concerned: sessions logged in stay.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "cli_int.h"
#include "cmd.h"
#include "log.h"
#include "ssh.h"

static const struct cmd_kwhelp ssh_kw[] = {
	{ "stelnet", "STelnet protocol" },
	{ "server", "Server" },
	{ "enable", "Enable the server" },
	{ "ssh", "SSH protocol" },
	{ "port", "Set the port number of the SSH server" },
	{ "telnet", "Telnet protocol" },
	{ "display", "Display information" },
	{ "status", "Display the status of the SSH server" },
	{ "session", "Display the sessions of the SSH server" },
	{ NULL, NULL },
};

static const struct cmd_param ssh_params[] = {
	{ "port-number", GP_INT, 22, 55535, "Port number (22 or 1025 to 55535)" },
	{ NULL, 0, 0, 0, NULL },
};

static Config *frag_ssh(void)
{
	Config *c = frag_new();

	c->ssh = xmalloc(sizeof(*c->ssh));
	ssh__init(c->ssh);
	return c;
}

static int h_stelnet(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c = frag_ssh();

	c->ssh->has_server_enable = true;
	c->ssh->server_enable = !a->undo;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_ssh_port(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;
	uint32_t port;

	if (a->undo) {
		cmd_edit_delete(ctx, "ssh", "port", NULL);
		return 0;
	}
	port = cmd_arg_u32(a, "port-number", 22);
	if (port != 22 && port < 1025)
		return cmd_error_at(ctx, cmd_arg_tok(a, "port-number"), GRAM_WRONG_PARAM);
	c = frag_ssh();
	c->ssh->has_port = true;
	c->ssh->port = port;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_telnet(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;

	if (!a->undo) {
		cmd_edit_delete(ctx, "telnet", "server_enable", NULL);
		return 0;
	}
	c = frag_new();
	c->telnet = xmalloc(sizeof(*c->telnet));
	telnet__init(c->telnet);
	c->telnet->has_server_enable = true;
	c->telnet->server_enable = false;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_display(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct ssh_server *srv = ctx->s->be->ssh;
	struct sbuf b = { 0 };

	if (!srv)
		return cmd_error(ctx, "The SSH server is not available.");
	if (cmd_has(a, "status"))
		ssh_server_render_status(srv, &b);
	else
		ssh_server_render_sessions(srv, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	return 0;
}

void cmd_ssh_render(const Config *c, struct sbuf *out)
{
	const Ssh *s = c ? c->ssh : NULL;
	bool any = false;

	if (c && c->telnet && c->telnet->has_server_enable && !c->telnet->server_enable) {
		sbuf_puts(out, "#\r\nundo telnet server enable\r\n");
		any = true;
	}
	if (s && s->has_server_enable) {
		sbuf_printf(out, "%s%sstelnet server enable\r\n", any ? "" : "#\r\n",
			    s->server_enable ? "" : "undo ");
		any = true;
	}
	if (s && s->has_port)
		sbuf_printf(out, "%sssh server port %u\r\n", any ? "" : "#\r\n", s->port);
}

const struct cmd_entry cmd_ssh_entries[] = {
	{ CLI_V_SYSTEM, "stelnet server enable", "undo stelnet server enable", NULL, ssh_kw,
	  h_stelnet },
	{ CLI_V_SYSTEM, "ssh server port port-number", "undo ssh server port", ssh_params,
	  ssh_kw, h_ssh_port },
	{ CLI_V_SYSTEM, "telnet server enable", "undo telnet server enable", NULL, ssh_kw,
	  h_telnet },
	{ CLI_V_ALL, "display ssh server { status | session }", NULL, NULL, ssh_kw, h_display },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
