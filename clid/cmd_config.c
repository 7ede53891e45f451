/*
 * cmd_config.c: the configuration as a whole: commit, save, and the
 * displays of the running, candidate and saved configurations, built from
 * each feature's render function in the layout of the manuals'
 * configuration files:
 *
 *   #                      one "#" before each block
 *   sysname DeviceC        system
 *   #
 *   acl number 2000        one block per ACL
 *    rule 5 permit ...
 *   #
 *   ntp-service ...        NTP (only when there is some)
 *   #
 *   interface ...          one block per interface
 *    ip address ...
 *   #
 *   return
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "cmd_acl.h"
#include "cmd_ntp_auth.h"
#include "log.h"

static const struct cmd_kwhelp config_kw[] = {
	{ "commit", "Commit the candidate configuration" },
	{ "label", "Specify a label for the commit" },
	{ "description", "Specify a description of the commit" },
	{ "current-configuration", "Current configuration" },
	{ "this", "Configuration of the current view" },
	{ "configuration", "Configuration" },
	{ "candidate", "Candidate configuration" },
	{ "saved-configuration", "The saved configuration (loaded at startup)" },
	{ "save", "Save the current configuration" },
	{ NULL, NULL },
};

static const struct cmd_param commit_params[] = {
	{ "label-name", GP_STRING, 1, 256, "Label of the commit" },
	{ "text", GP_TEXT, 1, 60, "Description of the commit" },
	{ NULL, 0, 0, 0, NULL },
};

void cmd_render_config(const Config *c, const char *default_sysname, struct sbuf *out)
{
	struct sbuf ntp = { 0 };

	sbuf_puts(out, "#\r\n");
	cmd_system_render(c, default_sysname, out);
	cmd_acl_render(c, out);           /* "#" + a block per ACL */
	cmd_ntp_auth_render(c, &ntp);     /* authentication and access first */
	cmd_ntp_render(c, &ntp);
	if (ntp.len) {
		sbuf_puts(out, "#\r\n");
		sbuf_puts(out, ntp.buf);
	}
	sbuf_free(&ntp);
	for (size_t i = 0; c && i < c->n_interface; i++) {
		sbuf_puts(out, "#\r\n");
		cmd_interface_render(c->interface[i], out);
	}
	sbuf_puts(out, "#\r\nreturn\r\n");
}

void cmd_render_interface_this(const Config *c, const char *ifname, struct sbuf *out)
{
	const Interface *found = NULL;

	for (size_t i = 0; c && i < c->n_interface; i++)
		if (!strcasecmp(c->interface[i]->name, ifname))
			found = c->interface[i];
	sbuf_puts(out, "#\r\n");
	if (found)
		cmd_interface_render(found, out);
	else
		sbuf_printf(out, "interface %s\r\n", ifname);
	sbuf_puts(out, "#\r\nreturn\r\n");
}

static int show_config(struct cmd_ctx *ctx, bool candidate, const char *only_if)
{
	Config *c;
	struct sbuf b = { 0 };

	if (cmd_get_config(ctx, candidate, &c) < 0)
		return -1;
	if (only_if)
		cmd_render_interface_this(c, only_if, &b);
	else
		cmd_render_config(c, cmd_default_sysname(ctx), &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

static int h_display_current(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return show_config(ctx, false, NULL);
}

static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return show_config(ctx, false, cmd_view_ifname(ctx));
}

static int h_display_candidate(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return show_config(ctx, true, NULL);
}

static int h_display_saved(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;
	struct sbuf b = { 0 };

	if (cmd_get_saved_config(ctx, &c) < 0)
		return -1;
	cmd_render_config(c, cmd_default_sysname(ctx), &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

static int h_save(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_ask_save(ctx);
	return 0;
}

static int h_commit(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_commit(ctx, cmd_arg(a, "label-name"), cmd_arg(a, "text"));
}

const struct cmd_entry cmd_config_entries[] = {
	{ CLI_V_CONFIG, "commit [ label label-name ] [ description text ]", NULL,
	  commit_params, config_kw, h_commit },
	{ CLI_V_ALL, "display current-configuration", NULL, NULL, config_kw, h_display_current },
	{ CLI_V_ALL, "display saved-configuration", NULL, NULL, config_kw, h_display_saved },
	{ CLI_V_ALL, "save", NULL, NULL, config_kw, h_save },
	{ CLI_V_SYSTEM | CLI_V_IF, "display this", NULL, NULL, config_kw, h_display_this },
	{ CLI_V_CONFIG, "display configuration candidate", NULL, NULL, config_kw,
	  h_display_candidate },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
