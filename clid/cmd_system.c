/*
 * cmd_system.c: moving between views (system-view, quit, return) and the
 * device's name (sysname), with its part of the configuration text.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static const struct cmd_kwhelp system_kw[] = {
	{ "system-view", "Enter the system view" },
	{ "quit", "Exit from the current mode and into the upper mode" },
	{ "return", "Enter the user view" },
	{ "sysname", "Set the host name" },
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
	case CLI_VIEW_COUNT:
		cmd_set_view(ctx, CLI_VIEW_SYSTEM, NULL);
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

const struct cmd_entry cmd_system_entries[] = {
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
}
