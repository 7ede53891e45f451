/*
 * cmd_config.c: the configuration as a whole: commit, commit trial and
 * abort trial (cfgd reverts), save, rollback, the commit list, clearing and
 * refreshing the candidate, the configuration lock (configuration
 * exclusive), the displays of the running, candidate and saved
 * configurations and of the changes a candidate or a commit makes
 * (cfgdiff.c).  Configurations are built from each feature's
 * render function in the layout of the manuals' configuration files:
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
#include <time.h>

#include "cfgdiff.h"
#include "cmd.h"
#include "cmd_aaa.h"
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
	{ "rollback", "Roll the configuration back" },
	{ "to", "To a commit point" },
	{ "commit-id", "Specify a commit ID" },
	{ "last", "Roll back the last commits" },
	{ "list", "List the commits" },
	{ "verbose", "Detailed information" },
	{ "changes", "Configuration changes" },
	{ "clear", "Clear a candidate or a commit's label" },
	{ "trial", "Commit on trial: reverted unless confirmed by commit in time" },
	{ "abort", "Abort the trial of a commit" },
	{ "refresh", "Rebase the candidate on the current running configuration" },
	{ "set", "Set a commit's label" },
	{ "exclusive", "Lock the configuration for this session" },
	{ "configuration-occupied", "The session holding the configuration lock" },
	{ "user", "User" },
	{ NULL, NULL },
};

/* The displays' words: under `display configuration`, commit names what is
 * shown (the commits, VRP's configuration rollback points), not the act. */
static const struct cmd_kwhelp display_kw[] = {
	{ "current-configuration", "Current configuration" },
	{ "saved-configuration", "The saved configuration (loaded at startup)" },
	{ "this", "Configuration of the current view" },
	{ "configuration", "Configuration" },
	{ "candidate", "Candidate configuration" },
	{ "commit", "Configuration commit information" },
	{ "list", "List of the commits (configuration rollback points)" },
	{ "verbose", "Detailed information" },
	{ "changes", "Configuration changes" },
	{ "commit-id", "Specify a commit ID" },
	{ "configuration-occupied", "The session holding the configuration lock" },
	{ "user", "User" },
	{ "interface", "Configuration of one interface" },
	{ "ntp", "NTP configuration" },
	{ "user-interface", "User interface configuration" },
	{ "aaa", "AAA configuration" },
	{ NULL, NULL },
};

static const struct cmd_param commit_params[] = {
	{ "label-name", GP_STRING, 1, 256, "Label of the commit" },
	{ "text", GP_TEXT, 1, 60, "Description of the commit" },
	{ "commit-id-value", GP_INT, 1000000001u, 1999999999u, "Commit ID" },
	{ "number-of-commits", GP_INT, 1, 80, "Number of the last commits" },
	{ "trial-time", GP_INT, 60, 65535, "Trial time (seconds), 600 by default" },
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" },
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" },
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" },
	{ NULL, 0, 0, 0, NULL },
};

void cmd_render_config(const Config *c, const char *default_sysname, struct sbuf *out)
{
	struct sbuf ntp = { 0 };

	sbuf_puts(out, "#\r\n");
	cmd_system_render(c, default_sysname, out);
	cmd_acl_render(c, out);           /* "#" + a block per ACL */
	cmd_aaa_render(c, out);           /* "#" + the aaa block */
	cmd_vpn_render(c, out);           /* "#" + a block per VPN instance */
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
	cmd_ssh_render(c, out);
	cmd_ui_render(c, out);
	sbuf_puts(out, "#\r\nreturn\r\n");
}

/* `display current-configuration configuration ntp`: the NTP block alone. */
static void render_ntp_section(const Config *c, struct sbuf *out)
{
	struct sbuf ntp = { 0 };

	cmd_ntp_auth_render(c, &ntp);
	cmd_ntp_render(c, &ntp);
	if (ntp.len) {
		sbuf_puts(out, "#\r\n");
		sbuf_puts(out, ntp.buf);
	}
	sbuf_free(&ntp);
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

/* `display current-configuration interface IF`: that interface's block,
 * as `display this` shows it in its view. */
static int h_display_current_if(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char ifname[64];

	if (cmd_arg_ifname(ctx, a, ifname, sizeof(ifname)) < 0)
		return -1;
	return show_config(ctx, false, ifname);
}

/* `display current-configuration configuration { ntp | user-interface | aaa }`:
 * one feature's part.  VRP8 names a view type after `configuration`
 * (`configuration user-interface`, `configuration aaa`); NTP has no view of
 * its own on VRP8, so `ntp` is the closest form for its system-view
 * commands. */
static int h_display_current_section(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	/* Only the part shown (NTP's blocks name ACLs by number only). */
	static const char *const ntp[] = { "ntp", NULL }, *const ui[] = { "user_interface", NULL };
	static const char *const aaa[] = { "aaa", NULL };
	struct sbuf b = { 0 };
	Config *c;

	if (cmd_get_running_fields(ctx, cmd_has(a, "ntp") ? ntp : cmd_has(a, "aaa") ? aaa : ui,
				   &c) < 0)
		return -1;
	if (cmd_has(a, "ntp")) {
		render_ntp_section(c, &b);
	} else if (cmd_has(a, "aaa")) {
		cmd_aaa_render(c, &b);
		sbuf_puts(&b, "#\r\nreturn\r\n");
	} else {
		cmd_ui_render(c, &b);
		sbuf_puts(&b, "#\r\nreturn\r\n");
	}
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
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

/* Print the changes from old to new, both rendered as configurations. */
static void show_changes(struct cmd_ctx *ctx, const Config *old, const Config *new)
{
	struct sbuf o = { 0 }, n = { 0 }, b = { 0 };

	cmd_render_config(old, cmd_default_sysname(ctx), &o);
	cmd_render_config(new, cmd_default_sysname(ctx), &n);
	cfgdiff_render(o.buf, n.buf, &b);
	if (b.len)
		cmd_write(ctx, b.buf, b.len);
	sbuf_free(&o);
	sbuf_free(&n);
	sbuf_free(&b);
}

/* `display configuration candidate changes`: the candidate against running. */
static int h_candidate_changes(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *running, *cand;

	if (cmd_get_config(ctx, false, &running) < 0)
		return -1;
	if (cmd_get_config(ctx, true, &cand) < 0) {
		config__free_unpacked(running, NULL);
		return -1;
	}
	show_changes(ctx, running, cand);
	config__free_unpacked(running, NULL);
	config__free_unpacked(cand, NULL);
	return 0;
}

/* `display configuration commit changes commit-id ID`: what that commit
 * changed in the configuration before it. */
static int h_commit_changes(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	CfgReply *rep;

	if (cmd_commit_changes(ctx, cmd_arg_u32(a, "commit-id-value", 0), &rep) < 0)
		return -1;
	if (rep->n_history == 2 && rep->history[0]->config && rep->history[1]->config)
		show_changes(ctx, rep->history[1]->config, rep->history[0]->config);
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

/* `clear configuration candidate`: drop the uncommitted changes; the
 * prompt shows '~' again.  The session stays in its view while what the
 * view edits still exists: an interface view always (its interface comes
 * from the bootstrap, not from the candidate), an ACL view if running has
 * the ACL; else it goes back to system view. */
static int h_clear_candidate(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *acl = cmd_view_acl(ctx);
	Config *c;
	bool keep;

	if (cmd_discard_candidate(ctx) < 0)
		return -1;
	if (!acl)
		keep = cmd_view(ctx) == CLI_VIEW_INTERFACE || cmd_view(ctx) == CLI_VIEW_UI ||
		       cmd_view(ctx) == CLI_VIEW_AAA;
	else if (cmd_get_config(ctx, true, &c) < 0)
		keep = false;
	else {
		keep = cmd_acl_exists(c, cmd_view(ctx) == CLI_VIEW_ACL6, acl);
		config__free_unpacked(c, NULL);
	}
	if (!keep && cmd_view(ctx) != CLI_VIEW_SYSTEM)
		cmd_set_view(ctx, CLI_VIEW_SYSTEM, NULL);
	return 0;
}

/* `set configuration commit ID label L`, `clear configuration commit ID
 * label`. */
static int h_commit_label(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_commit_label(ctx, cmd_arg_u32(a, "commit-id-value", 0),
				cmd_has(a, "set") ? cmd_arg(a, "label-name") : NULL);
}

/* "2026-12-05 08:43:43" in the device's local time. */
static void fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

#define RULE "-------------------------------------------------------------------------------\r\n"

/* `configuration exclusive` and `undo configuration exclusive`. */
static int h_exclusive(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	CfgReply *rep;

	if (cmd_config_lock(ctx, a->undo, false, &rep) < 0)
		return -1;
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

/* `display configuration-occupied user`: who holds the lock, if anyone. */
static int h_occupied(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	CfgReply *rep;
	char when[32];

	if (cmd_config_lock(ctx, false, true, &rep) < 0)
		return -1;
	if (!rep->lock) {
		cmd_printf(ctx, "Info: The configuration is not locked.\r\n");
	} else {
		fmt_time(rep->lock->has_since ? rep->lock->since : 0, when, sizeof(when));
		cmd_printf(ctx, RULE
			   "  User name       : %s\r\n"
			   "  Session ID      : %llu\r\n"
			   "  Lock time       : %s\r\n"
			   "  Lock type       : exclusive\r\n"
			   "  User interface  : %s\r\n" RULE,
			   rep->lock->user ? rep->lock->user : "-",
			   (unsigned long long)rep->lock->session, when,
			   rep->lock->line && rep->lock->line[0] ? rep->lock->line : "-");
	}
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

static int h_refresh_candidate(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_refresh_candidate(ctx);
}

static int h_save(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_ask_save(ctx);
	return 0;
}

/* `rollback configuration { to { commit-id ID | label L } | last N }`. */
static int h_rollback(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	RollbackRequest rb = ROLLBACK_REQUEST__INIT;
	uint64_t id;

	if (cmd_has(a, "commit-id-value")) {
		rb.to_case = ROLLBACK_REQUEST__TO_COMMIT_ID;
		rb.commit_id = cmd_arg_u32(a, "commit-id-value", 0);
	} else if (cmd_has(a, "label-name")) {
		rb.to_case = ROLLBACK_REQUEST__TO_LABEL;
		rb.label = (char *)cmd_arg(a, "label-name");
	} else {
		rb.to_case = ROLLBACK_REQUEST__TO_LAST;
		rb.last = cmd_arg_u32(a, "number-of-commits", 1);
	}
	if (cmd_rollback(ctx, &rb, &id) < 0)
		return -1;
	if (id)
		cmd_printf(ctx, "Info: The configuration was rolled back; this is commit %llu.\r\n",
			   (unsigned long long)id);
	return 0;
}

/* `display configuration commit list [ verbose ] [ number-of-commits ]`,
 * newest first: a table, or a block per commit. */
static int h_commit_list(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	bool verbose = cmd_has(a, "verbose");
	struct sbuf b = { 0 };
	CfgReply *rep;
	char when[32];

	if (cmd_commit_history(ctx, cmd_arg_u32(a, "number-of-commits", 0), &rep) < 0)
		return -1;
	if (!verbose) {
		sbuf_puts(&b, RULE);
		sbuf_printf(&b, " %-4s %-12s %-22s %-11s %s\r\n", "No.", "CommitId", "Label", "User",
			    "TimeStamp");
		sbuf_puts(&b, RULE);
	}
	for (size_t i = 0; i < rep->n_history; i++) {
		const CommitRecord *c = rep->history[i];

		fmt_time(c->has_time ? c->time : 0, when, sizeof(when));
		if (!verbose) {
			sbuf_printf(&b, " %-4zu %-12llu %-22.22s %-11.11s %s\r\n", i + 1,
				    (unsigned long long)c->commit_id, c->label ? c->label : "-",
				    c->user ? c->user : "-", when);
			continue;
		}
		sbuf_printf(&b, "%zu) CommitId: %llu\r\n"
			    "   Label: %s\r\n"
			    "   User: %s\r\n"
			    "   User-Intf: %s\r\n"
			    "   TimeStamp: %s\r\n"
			    "   Description: %s\r\n",
			    i + 1, (unsigned long long)c->commit_id, c->label ? c->label : "-",
			    c->user ? c->user : "-", c->line && c->line[0] ? c->line : "-", when,
			    c->description ? c->description : "");
	}
	if (!verbose)
		sbuf_puts(&b, RULE);
	if (b.len)
		cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

static int h_commit(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_commit(ctx, cmd_arg(a, "label-name"), cmd_arg(a, "text"), 0);
}

/* `commit trial [ seconds ] [ label L ] [ description D ]` (600 s by default). */
static int h_commit_trial(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_commit(ctx, cmd_arg(a, "label-name"), cmd_arg(a, "text"),
			  cmd_arg_u32(a, "trial-time", 600));
}

static int h_abort_trial(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return cmd_abort_trial(ctx);
}

const struct cmd_entry cmd_config_entries[] = {
	{ CLI_V_CONFIG, "commit [ label label-name ] [ description text ]", NULL,
	  commit_params, config_kw, h_commit },
	{ CLI_V_CONFIG, "commit trial [ trial-time ] [ label label-name ] [ description text ]",
	  NULL, commit_params, config_kw, h_commit_trial },
	{ CLI_V_ALL, "abort trial", NULL, NULL, config_kw, h_abort_trial },
	{ CLI_V_ALL, "display current-configuration", NULL, NULL, display_kw, h_display_current },
	{ CLI_V_ALL, "display current-configuration interface { interface-name | interface-type "
	  "interface-number }", NULL, commit_params, display_kw, h_display_current_if },
	{ CLI_V_ALL, "display current-configuration configuration { ntp | user-interface | aaa }", NULL,
	  NULL, display_kw, h_display_current_section },
	{ CLI_V_ALL, "display saved-configuration", NULL, NULL, display_kw, h_display_saved },
	{ CLI_V_ALL, "save", NULL, NULL, config_kw, h_save },
	{ CLI_V_USER, "rollback configuration { to { commit-id commit-id-value | label label-name } | "
	  "last number-of-commits }", NULL, commit_params, config_kw, h_rollback },
	{ CLI_V_ALL, "display configuration commit list [ verbose ] [ number-of-commits ]", NULL,
	  commit_params, display_kw, h_commit_list },
	{ CLI_V_SYSTEM | CLI_V_IF, "display this", NULL, NULL, display_kw, h_display_this },
	{ CLI_V_CONFIG, "display configuration candidate", NULL, NULL, display_kw,
	  h_display_candidate },
	{ CLI_V_CONFIG, "display configuration candidate changes", NULL, NULL, display_kw,
	  h_candidate_changes },
	{ CLI_V_ALL, "display configuration commit changes commit-id commit-id-value", NULL,
	  commit_params, display_kw, h_commit_changes },
	{ CLI_V_CONFIG, "clear configuration candidate", NULL, NULL, config_kw,
	  h_clear_candidate },
	{ CLI_V_CONFIG, "refresh configuration candidate", NULL, NULL, config_kw,
	  h_refresh_candidate },
	{ CLI_V_USER, "configuration exclusive", "undo configuration exclusive", NULL, config_kw,
	  h_exclusive },
	{ CLI_V_ALL, "display configuration-occupied user", NULL, NULL, display_kw, h_occupied },
	{ CLI_V_USER, "set configuration commit commit-id-value label label-name", NULL,
	  commit_params, config_kw, h_commit_label },
	{ CLI_V_USER, "clear configuration commit commit-id-value label", NULL, commit_params,
	  config_kw, h_commit_label },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
