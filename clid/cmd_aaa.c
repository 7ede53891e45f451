/*
 * cmd_aaa.c: the `aaa` view (prompt [~HUAWEI-aaa]) and its local users:
 *
 *   local-user NAME password irreversible-cipher PASSWORD
 *   local-user NAME privilege level 0-15
 *   local-user NAME service-type { telnet | ssh | terminal } *
 *   local-user NAME state { active | block }
 *   undo local-user NAME [ privilege level | service-type ]
 *   local-aaa-user wrong-password retry-interval M retry-time N block-time T
 *   display local-user [ username NAME ]
 *
 * and the `aaa` block of `display current-configuration`.
 *
 * VRP8 (CE6800 V300R023, NE40E V800R012; ../shared/reference/vrp-operator.md
 * section 6).  A password is hashed here, in clid, with crypt(3) (yescrypt,
 * else sha512-crypt) before the edit leaves for cfgd: the configuration,
 * its files, the journal and every display hold only the hash, which
 * `display current-configuration` shows after irreversible-cipher.  A
 * crypt(3) hash typed after irreversible-cipher is taken as the hash, so
 * that output pastes back to the same user.  The line typed stays in the
 * session's own `display history-command`, as on VRP.
 *
 * Levels (cli.c): below 3 a user may only display and leave.  A user with
 * no service-type may not log in at all (VRP: the access types must be
 * named).  The block state of the wrong-password policy lives in clid
 * (access.c), not in the configuration; `display local-user` shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backend.h"
#include "cli_int.h"
#include "cmd.h"
#include "cmd_aaa.h"
#include "log.h"
#include "loop.h"

#define AAA_PASSWORD_MAX 128

static const struct cmd_kwhelp aaa_kw[] = {
	{ "aaa", "AAA view" },
	{ "local-user", "Add/Change/Delete a local user" },
	{ "password", "Set password" },
	{ "irreversible-cipher", "Irreversible encrypted password" },
	{ "privilege", "Set the admin user privilege level" },
	{ "level", "Set the admin user privilege level" },
	{ "service-type", "Set the service types which the user can access" },
	{ "telnet", "Telnet user" },
	{ "ssh", "SSH user" },
	{ "terminal", "Terminal user" },
	{ "state", "Set the state of the user" },
	{ "active", "Active" },
	{ "block", "Block" },
	{ "local-aaa-user", "Local AAA user" },
	{ "wrong-password", "Policy for wrong passwords" },
	{ "retry-interval", "Retry interval" },
	{ "retry-time", "Number of consecutive wrong passwords" },
	{ "block-time", "Time the user stays blocked" },
	{ "display", "Display information" },
	{ "this", "Configuration of the current view" },
	{ "username", "User name" },
	{ NULL, NULL },
};

static const struct cmd_param aaa_params[] = {
	{ "user-name", GP_STRING, 1, 64, "User name, 1 to 64 characters" },
	{ "password-value", GP_STRING, 1, AAA_PASSWORD_MAX,
	  "The password (hashed at once), or a crypt(3) hash" },
	{ "level-value", GP_INT, 0, 15, "Level value" },
	{ "interval-value", GP_INT, 5, 65535, "Retry interval in minutes" },
	{ "time-value", GP_INT, 3, 65535, "Number of wrong passwords" },
	{ "block-value", GP_INT, 5, 65535, "Block time in minutes" },
	{ NULL, 0, 0, 0, NULL },
};

/* A fragment holding local user `name` (to be filled). */
static LocalUser *frag_user(Config *c, const char *name)
{
	LocalUser *u = xmalloc(sizeof(*u));

	local_user__init(u);
	u->name = xstrdup(name);
	c->aaa = xmalloc(sizeof(*c->aaa));
	aaa__init(c->aaa);
	c->aaa->n_local_user = 1;
	c->aaa->local_user = xcalloc(1, sizeof(*c->aaa->local_user));
	c->aaa->local_user[0] = u;
	return u;
}

/* A user name VRP accepts: no '?' or '"', not "-" or "--" alone. */
static bool name_ok(const char *n)
{
	return !strpbrk(n, "?\"") && strcmp(n, "-") && strcmp(n, "--");
}

/* Looks like a crypt(3) hash: "$id$...$..." with no blank. */
static bool looks_hashed(const char *s)
{
	const char *p = strchr(s + 1, '$');

	return s[0] == '$' && p && strchr(p + 1, '$') && strlen(s) >= 20;
}

static int h_aaa(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	(void)a;
	cmd_set_view(ctx, CLI_VIEW_AAA, NULL);
	return 0;
}

static int h_undo_user(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");

	if (cmd_has(a, "privilege"))
		cmd_edit_delete(ctx, "aaa", "local_user", name, "privilege", NULL);
	else if (cmd_has(a, "service-type")) {
		cmd_edit_delete(ctx, "aaa", "local_user", name, "service_telnet", NULL);
		cmd_edit_delete(ctx, "aaa", "local_user", name, "service_ssh", NULL);
		cmd_edit_delete(ctx, "aaa", "local_user", name, "service_terminal", NULL);
	} else
		cmd_edit_delete(ctx, "aaa", "local_user", name, NULL);
	return 0;
}

static int h_password(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");
	const char *pw = cmd_arg(a, "password-value");
	char *hash;
	Config *c;

	if (a->undo)
		return h_undo_user(ctx, a);
	if (!name_ok(name))
		return cmd_error_at(ctx, cmd_arg_tok(a, "user-name"), GRAM_WRONG_PARAM);
	hash = looks_hashed(pw) ? xstrdup(pw) : access_hash_password(pw);
	if (!hash)
		return cmd_error(ctx, "Failed to encrypt the password.");
	c = frag_new();
	frag_user(c, name)->password_hash = hash;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_privilege(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");
	LocalUser *u;
	Config *c;

	if (a->undo)
		return h_undo_user(ctx, a);
	if (!name_ok(name))
		return cmd_error_at(ctx, cmd_arg_tok(a, "user-name"), GRAM_WRONG_PARAM);
	c = frag_new();
	u = frag_user(c, name);
	u->has_privilege = true;
	u->privilege = cmd_arg_u32(a, "level-value", 0);
	cmd_edit_set(ctx, c);
	return 0;
}

/* The types named replace the user's (VRP: service-type sets the list). */
static int h_service_type(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");
	LocalUser *u;
	Config *c;

	if (a->undo)
		return h_undo_user(ctx, a);
	if (!name_ok(name))
		return cmd_error_at(ctx, cmd_arg_tok(a, "user-name"), GRAM_WRONG_PARAM);
	c = frag_new();
	u = frag_user(c, name);
	u->has_service_telnet = u->has_service_ssh = u->has_service_terminal = true;
	u->service_telnet = cmd_has(a, "telnet");
	u->service_ssh = cmd_has(a, "ssh");
	u->service_terminal = cmd_has(a, "terminal");
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_state(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");
	LocalUser *u;
	Config *c;

	if (!name_ok(name))
		return cmd_error_at(ctx, cmd_arg_tok(a, "user-name"), GRAM_WRONG_PARAM);
	if (!cmd_has(a, "block")) {
		cmd_edit_delete(ctx, "aaa", "local_user", name, "blocked", NULL);
		return 0;
	}
	c = frag_new();
	u = frag_user(c, name);
	u->has_blocked = true;
	u->blocked = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_wrong_password(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	LocalAaaUserPolicy *p;
	Config *c;

	if (a->undo) {
		cmd_edit_delete(ctx, "aaa", "wrong_password", NULL);
		return 0;
	}
	c = frag_new();
	c->aaa = xmalloc(sizeof(*c->aaa));
	aaa__init(c->aaa);
	p = xmalloc(sizeof(*p));
	local_aaa_user_policy__init(p);
	p->has_retry_interval = p->has_retry_time = p->has_block_time = true;
	p->retry_interval = cmd_arg_u32(a, "interval-value", ACCESS_RETRY_INTERVAL_DEF);
	p->retry_time = cmd_arg_u32(a, "time-value", ACCESS_RETRY_TIME_DEF);
	p->block_time = cmd_arg_u32(a, "block-value", ACCESS_BLOCK_TIME_DEF);
	c->aaa->wrong_password = p;
	cmd_edit_set(ctx, c);
	return 0;
}

/* ---- rendering ---- */

static void render_user(const LocalUser *u, struct sbuf *out)
{
	if (!u->name)
		return;
	if (u->password_hash)
		sbuf_printf(out, " local-user %s password irreversible-cipher %s\r\n", u->name,
			    u->password_hash);
	if (u->has_privilege)
		sbuf_printf(out, " local-user %s privilege level %u\r\n", u->name, u->privilege);
	if ((u->has_service_telnet && u->service_telnet) ||
	    (u->has_service_ssh && u->service_ssh) ||
	    (u->has_service_terminal && u->service_terminal))
		sbuf_printf(out, " local-user %s service-type%s%s%s\r\n", u->name,
			    u->has_service_terminal && u->service_terminal ? " terminal" : "",
			    u->has_service_telnet && u->service_telnet ? " telnet" : "",
			    u->has_service_ssh && u->service_ssh ? " ssh" : "");
	if (u->has_blocked && u->blocked)
		sbuf_printf(out, " local-user %s state block\r\n", u->name);
}

static void render_body(const Aaa *aaa, struct sbuf *out)
{
	const LocalAaaUserPolicy *p = aaa->wrong_password;

	if (p)
		sbuf_printf(out, " local-aaa-user wrong-password retry-interval %u retry-time %u "
			    "block-time %u\r\n",
			    p->has_retry_interval ? p->retry_interval : ACCESS_RETRY_INTERVAL_DEF,
			    p->has_retry_time ? p->retry_time : ACCESS_RETRY_TIME_DEF,
			    p->has_block_time ? p->block_time : ACCESS_BLOCK_TIME_DEF);
	for (size_t i = 0; i < aaa->n_local_user; i++)
		render_user(aaa->local_user[i], out);
}

void cmd_aaa_render(const Config *c, struct sbuf *out)
{
	if (!c || !c->aaa || (!c->aaa->n_local_user && !c->aaa->wrong_password))
		return;
	sbuf_puts(out, "#\r\naaa\r\n");
	render_body(c->aaa, out);
}

static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const fields[] = { "aaa", NULL };
	struct sbuf b = { 0 };
	Config *c;

	(void)a;
	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	sbuf_puts(&b, "#\r\naaa\r\n");
	if (c->aaa)
		render_body(c->aaa, &b);
	sbuf_puts(&b, "#\r\nreturn\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

/* ---- display local-user ---- */

#define DISPLAY_RULE "  " \
	"-------------------------------------------------------------------------------" \
	"--------------------------\r\n"

/* Sessions of `user` logged in now. */
static unsigned online_of(const struct cmd_ctx *ctx, const char *user)
{
	struct cmd_user v[64];
	size_t n = cmd_users(ctx, v, 64);
	unsigned k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].user && !strcmp(v[i].user, user);
	return k;
}

/* VRP8's table (CE6800): State Active/Block (a user blocked by the
 * wrong-password policy shows Block too), Type the access types (T telnet,
 * S SSH, R terminal; VRP's letters for the latter were not found), Car and
 * Access-limit not implemented ("Dft", "No"). */
static int h_display_local_user(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const fields[] = { "aaa", NULL };
	struct access *acc = ctx->s->be->access;
	const char *only = cmd_arg(a, "user-name");
	uint64_t now = loop_now_us();
	struct sbuf b = { 0 };
	size_t total = 0, printed = 0;
	Config *c;

	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	sbuf_puts(&b, DISPLAY_RULE);
	sbuf_puts(&b, "  Username                         State   Type   Car   Access-limit   "
		  "Online   AdminLevel   UsergroupId\r\n");
	sbuf_puts(&b, DISPLAY_RULE);
	for (size_t i = 0; c->aaa && i < c->aaa->n_local_user; i++) {
		const LocalUser *u = c->aaa->local_user[i];
		char type[8] = "", level[8] = "-";
		bool blocked = (u->has_blocked && u->blocked) ||
			       (acc && access_user_blocked(acc, u->name, now));

		total++;
		if (only && strcmp(only, u->name))
			continue;
		printed++;
		if (u->has_service_telnet && u->service_telnet)
			strcat(type, "T");
		if (u->has_service_ssh && u->service_ssh)
			strcat(type, "S");
		if (u->has_service_terminal && u->service_terminal)
			strcat(type, "R");
		if (u->has_privilege)
			snprintf(level, sizeof(level), "%u", u->privilege);
		sbuf_printf(&b, "  %-32s %-7s %-6s %-5s %12s   %6u   %-12s %s\r\n", u->name,
			    blocked ? "Block" : "Active", type[0] ? type : "-", "Dft", "No",
			    online_of(ctx, u->name), level, "-");
	}
	sbuf_puts(&b, DISPLAY_RULE);
	sbuf_printf(&b, "  Total %zu, %zu printed\r\n", total, printed);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

const struct cmd_entry cmd_aaa_entries[] = {
	{ CLI_V_SYSTEM, "aaa", NULL, NULL, aaa_kw, h_aaa },
	{ CLI_V_AAA, "local-user user-name password irreversible-cipher password-value",
	  "undo local-user user-name", aaa_params, aaa_kw, h_password },
	{ CLI_V_AAA, "local-user user-name privilege level level-value",
	  "undo local-user user-name privilege level", aaa_params, aaa_kw, h_privilege },
	{ CLI_V_AAA, "local-user user-name service-type { telnet | ssh | terminal } *",
	  "undo local-user user-name service-type", aaa_params, aaa_kw, h_service_type },
	{ CLI_V_AAA, "local-user user-name state { active | block }", NULL, aaa_params, aaa_kw,
	  h_state },
	{ CLI_V_AAA, "local-aaa-user wrong-password retry-interval interval-value retry-time "
	  "time-value block-time block-value", "undo local-aaa-user wrong-password", aaa_params,
	  aaa_kw, h_wrong_password },
	{ CLI_V_AAA, "display this", NULL, NULL, aaa_kw, h_display_this },
	{ CLI_V_ALL, "display local-user [ username user-name ]", NULL, aaa_params, aaa_kw,
	  h_display_local_user },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
