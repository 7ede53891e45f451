/*
 * cmd_system.c: moving between views (system-view, quit, return), the
 * device's name (sysname) with its part of the configuration text, who is
 * logged in (display users) and what this session typed (display
 * history-command).  The time zone's configuration text follows the sysname
 * (cmd_clock.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backend.h"
#include "cli_int.h"
#include "cmd.h"
#include "cmd_clock.h"
#include "log.h"

static const struct cmd_kwhelp system_kw[] = {
	{ "system-view", "Enter the system view" },
	{ "quit", "Exit from the current mode and into the upper mode" },
	{ "return", "Enter the user view" },
	{ "sysname", "Set the host name" },
	{ "display", "Display information" },
	{ "users", "Display the users logged in on the user interfaces" },
	{ "all", "All user interfaces, in use or not" },
	{ "history-command", "Display the historical commands of this session" },
	{ NULL, NULL },
};

static const struct cmd_param sysname_params[] = {
	{ "host-name", GP_STRING, 1, 246, "Host name" },
	{ NULL, 0, 0, 0, NULL },
};

static int h_system_view(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_set_view(ctx, CLI_VIEW_SYSTEM, NULL);
	return 0;
}

static int h_quit(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	switch (cmd_view(ctx)) {
	case CLI_VIEW_USER:
		cmd_end_session(ctx);
		break;
	case CLI_VIEW_SYSTEM:
		cmd_leave_system(ctx, CLI_VIEW_USER);
		break;
	case CLI_VIEW_INTERFACE:
	case CLI_VIEW_ACL:
	case CLI_VIEW_ACL6:
	case CLI_VIEW_UI:
	case CLI_VIEW_AAA:
	case CLI_VIEW_PKEY:
	case CLI_VIEW_PKEY_CODE:
	case CLI_VIEW_VPN:
	case CLI_VIEW_COUNT:
		cmd_set_view(ctx, CLI_VIEW_SYSTEM, NULL);
		break;
	case CLI_VIEW_VPN_AF4:
	case CLI_VIEW_VPN_AF6:
		/* An address family's view goes back to its instance's. */
		cmd_set_view(ctx, CLI_VIEW_VPN, cmd_view_vpn(ctx));
		break;
	}
	return 0;
}

static int h_return(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_leave_system(ctx, CLI_VIEW_USER);
	return 0;
}

static int h_sysname(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "system", "sysname", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_system(c)->sysname = xstrdup(cmd_arg(a, "host-name"));
	cmd_edit_set(ctx, c);
	return 0;
}

#define VTY_FIRST_INDEX 34   /* VRP numbers VTY 0 as user interface 34 */
#define USERS_MAX 64

/* The line number of "VTY n" (for sorting), or a large one. */
static unsigned line_number(const char *line)
{
	unsigned n;

	return line && sscanf(line, "VTY %u", &n) == 1 ? n : 1000u;
}

static int by_line(const void *a, const void *b)
{
	unsigned x = line_number(((const struct cmd_user *)a)->line);
	unsigned y = line_number(((const struct cmd_user *)b)->line);

	return x < y ? -1 : x > y;
}

/* `display users`: one entry per logged-in session, "+" on the asker's. */
static int h_display_users(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cmd_user u[USERS_MAX];
	size_t n = cmd_users(ctx, u, USERS_MAX);
	struct sbuf b = { 0 };

	qsort(u, n, sizeof(u[0]), by_line);
	sbuf_puts(&b, "  User-Intf    Delay    Type   Network Address     AuthenStatus    "
		  "AuthorcmdFlag\r\n");
	if (cmd_has(a, "all")) {
		/* Every line up to maximum-vty, in use or not; the users after. */
		struct access *acc = ctx->s->be->access;
		int max = acc ? access_max_vty(acc, access_bootstrap_max_vty(acc)) : 5;

		for (int line = 0; line < max; line++) {
			bool used = false;

			for (size_t i = 0; i < n; i++)
				used |= line_number(u[i].line) == (unsigned)line;
			if (!used)
				sbuf_printf(&b, "  %-3u VTY %d\r\n", VTY_FIRST_INDEX + line, line);
		}
	}
	for (size_t i = 0; i < n; i++) {
		char intf[32], delay[16];
		uint64_t idle = u[i].idle_s > 359999 ? 359999 : u[i].idle_s;

		snprintf(intf, sizeof(intf), "%-3u %s", VTY_FIRST_INDEX + line_number(u[i].line),
			 u[i].line);
		snprintf(delay, sizeof(delay), "%02u:%02u:%02u", (unsigned)(idle / 3600),
			 (unsigned)(idle / 60 % 60), (unsigned)(idle % 60));
		sbuf_printf(&b, "%c %-12s %-8s %-6s %-19s %-15s %s\r\n", u[i].self ? '+' : ' ',
			    intf, delay, u[i].ssh ? "SSH" : "TEL", u[i].peer[0] ? u[i].peer : "-", "pass", "no");
		sbuf_printf(&b, "  Username : %s\r\n", u[i].user);
	}
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	return 0;
}

/* What `display history-command` shows by default (VRP: the last 10). */
#define HISTORY_SHOWN 10

/* `display history-command` (VRP8 disp-his-cmd): the session's last
 * commands before this one, oldest first, each as typed (a prefix stays a
 * prefix, a line that failed to match is there too) and indented by two
 * spaces, as the manual prints them:
 *   <HUAWEI> display history-command
 *     display current-configuration
 *     display this
 * The line running is the history's newest entry and is not shown. */
static int h_display_history(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	size_t n = cmd_history_len(ctx), from;
	struct sbuf b = { 0 };

	if (n > 0)
		n--;                /* this very line */
	from = n > HISTORY_SHOWN ? n - HISTORY_SHOWN : 0;
	for (size_t i = from; i < n; i++)
		sbuf_printf(&b, "  %s\r\n", cmd_history_get(ctx, i));
	if (b.len)
		cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	return 0;
}

const struct cmd_entry cmd_system_entries[] = {
	{ CLI_V_ALL, "display history-command", NULL, NULL, system_kw, h_display_history },
	{ CLI_V_ALL, "display users [ all ]", NULL, NULL, system_kw, h_display_users },
	{ CLI_V_USER, "system-view", NULL, NULL, system_kw, h_system_view },
	{ CLI_V_ALL, "quit", NULL, NULL, system_kw, h_quit },
	{ CLI_V_CONFIG, "return", NULL, NULL, system_kw, h_return },
	{ CLI_V_SYSTEM, "sysname host-name", "undo sysname", sysname_params, system_kw, h_sysname },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

void cmd_system_render(const Config *c, const char *default_sysname, struct sbuf *out)
{
	const char *name = c && c->system && c->system->sysname ? c->system->sysname
			   : default_sysname;

	sbuf_printf(out, "sysname %s\r\n", name ? name : "HUAWEI");
	cmd_clock_render(c ? c->system : NULL, out);
}
