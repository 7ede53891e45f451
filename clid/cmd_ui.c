/*
 * cmd_ui.c: the terminal's own commands: `screen-length N temporary` (user
 * view, this session only) and the user-interface view
 * (`user-interface vty FIRST [ LAST ]`, prompt [~HUAWEI-ui-vty0-4]) with
 * `screen-length N` (the configured page length of those VTY lines, for
 * sessions that log in afterwards), its `display this`, and the
 * user-interface part of the configuration.
 *
 * The login settings of the lines (sessions that log in afterwards get
 * them; access.c applies them):
 *   user-interface maximum-vty N          (system view, 0..21)
 *   authentication-mode { aaa | password | none }
 *   set authentication password cipher PASSWORD
 *   idle-timeout MINUTES [ SECONDS ]      (0 0: never)
 *   protocol inbound { telnet | ssh | all }
 *   acl ACL-NUMBER inbound                (basic ACL 2000..2999, VRP's order)
 *   user privilege level L                (0..15, the level of a login under
 *                                          authentication-mode password or none)
 * and `display user-interface`.
 *
 * VRP8 (NE40E V800R012C10, "User Interface Configuration Commands"): N is
 * 0..512 rows, 0 turns paging off; without any, the page is the terminal's
 * height.  maximum-vty is 0..21 as on VRP8 (clid has 64 lines; the default
 * is the bootstrap's cli.max_vty, 5).  The line password is kept as the NTP
 * keys are (VtyLine.password_cipher, shown in the `cipher` form of
 * cmd_ntp_auth.h).  The configuration keeps one element per VTY line
 * (UserInterface.vty, keyed by the line number); the rendering groups
 * consecutive lines with the same settings into one block, as VRP prints
 * `user-interface vty 0 4`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backend.h"
#include "cli_int.h"
#include "cmd.h"
#include "cmd_ntp_auth.h"
#include "log.h"
#include "secret.h"

#define UI_VTY_MAX 63   /* clid's highest VTY line (VTY_MAX_SLOTS - 1) */
#define UI_MAXIMUM_VTY 21   /* VRP8's highest `user-interface maximum-vty` */
#define UI_PASSWORD_MAX 255

static const struct cmd_kwhelp ui_kw[] = {
	{ "screen-length", "Set the number of lines displayed on a terminal screen" },
	{ "temporary", "Only for the current terminal session" },
	{ "user-interface", "Enter the user interface view" },
	{ "vty", "Virtual type terminal (VTY) user interface" },
	{ "display", "Display information" },
	{ "this", "Configuration of the current view" },
	{ "maximum-vty", "Set the maximum number of VTY users" },
	{ "authentication-mode", "Login authentication mode" },
	{ "aaa", "AAA authentication" },
	{ "password", "Authentication through the password of a user terminal interface" },
	{ "none", "Login without checking" },
	{ "set", "Set" },
	{ "authentication", "Authentication" },
	{ "cipher", "The password is given (and displayed) in encoded form" },
	{ "idle-timeout", "Set the idle timeout" },
	{ "protocol", "Set the protocol used by the user interface" },
	{ "inbound", "Inbound" },
	{ "telnet", "Telnet protocol" },
	{ "ssh", "SSH protocol" },
	{ "all", "All protocols" },
	{ "acl", "Specify ACL configuration information" },
	{ "user", "Set the user privilege level of the user interface" },
	{ "privilege", "Set the user privilege level of the user interface" },
	{ "level", "Set the user privilege level of the user interface" },
	{ "user-interface", "User interface" },
	{ NULL, NULL },
};

static const struct cmd_param ui_params[] = {
	{ "lines", GP_INT, 0, 512, "Number of lines on a screen (0: no pausing)" },
	{ "first-ui-number", GP_INT, 0, UI_VTY_MAX, "First user interface number" },
	{ "last-ui-number", GP_INT, 0, UI_VTY_MAX, "Last user interface number" },
	{ "number", GP_INT, 0, UI_MAXIMUM_VTY, "Maximum number of VTY users" },
	{ "password-value", GP_STRING, 1, UI_PASSWORD_MAX, "The password, plain or in cipher form" },
	{ "minutes", GP_INT, 0, 35791, "Minutes" },
	{ "seconds", GP_INT, 0, 59, "Seconds" },
	{ "acl-number", GP_INT, 2000, 2999, "Basic ACL number" },
	{ "level-value", GP_INT, 0, 15, "Privilege level" },
	{ NULL, 0, 0, 0, NULL },
};

/* The VTY lines of the user-interface view: "0-4" or "3". */
static void view_range(const struct cmd_ctx *ctx, unsigned *first, unsigned *last)
{
	const char *r = cmd_view_ui(ctx);

	*first = *last = 0;
	if (!r || sscanf(r, "%u-%u", first, last) < 1)
		return;
	if (!strchr(r, '-'))
		*last = *first;
}

static int h_screen_length_temp(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_set_screen_length(ctx, a->undo ? -1 : (int)cmd_arg_u32(a, "lines", 24));
	if (!a->undo)
		cmd_printf(ctx, "Info: The configuration takes effect on the current user "
			   "terminal interface only.\r\n");
	return 0;
}

static int h_user_interface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint32_t first = cmd_arg_u32(a, "first-ui-number", 0);
	uint32_t last = cmd_arg_u32(a, "last-ui-number", first);
	char range[32];

	if (last < first)
		return cmd_error_at(ctx, cmd_arg_tok(a, "last-ui-number"), GRAM_WRONG_PARAM);
	if (last == first)
		snprintf(range, sizeof(range), "%u", first);
	else
		snprintf(range, sizeof(range), "%u-%u", first, last);
	cmd_set_view(ctx, CLI_VIEW_UI, range);
	return 0;
}

/* Delete `field` (and `field2`, if not NULL) of every line of the view. */
static void delete_lines(struct cmd_ctx *ctx, const char *field, const char *field2)
{
	unsigned first, last;

	view_range(ctx, &first, &last);
	for (unsigned n = first; n <= last; n++) {
		char num[16];

		snprintf(num, sizeof(num), "%u", n);
		cmd_edit_delete(ctx, "user_interface", "vty", num, field, NULL);
		if (field2)
			cmd_edit_delete(ctx, "user_interface", "vty", num, field2, NULL);
	}
}

typedef void (*line_fill_fn)(VtyLine *v, const struct cmd_args *a);

/* Set what fill() writes on every line of the view. */
static void set_lines(struct cmd_ctx *ctx, const struct cmd_args *a, line_fill_fn fill)
{
	unsigned first, last;
	Config *c;
	UserInterface *ui;

	view_range(ctx, &first, &last);
	c = frag_new();
	ui = xmalloc(sizeof(*ui));
	user_interface__init(ui);
	c->user_interface = ui;
	ui->n_vty = last - first + 1;
	ui->vty = xcalloc(ui->n_vty, sizeof(*ui->vty));
	for (unsigned n = first; n <= last; n++) {
		VtyLine *v = xmalloc(sizeof(*v));

		vty_line__init(v);
		v->number = xasprintf("%u", n);
		fill(v, a);
		ui->vty[n - first] = v;
	}
	cmd_edit_set(ctx, c);
}

static void fill_auth_mode(VtyLine *v, const struct cmd_args *a)
{
	v->authentication_mode = xstrdup(cmd_has(a, "password") ? "password" :
					 cmd_has(a, "none") ? "none" : "aaa");
}

static int h_auth_mode(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo)
		delete_lines(ctx, "authentication_mode", NULL);
	else
		set_lines(ctx, a, fill_auth_mode);
	return 0;
}

static void fill_password(VtyLine *v, const struct cmd_args *a)
{
	/* cmd_arg "password-value" was sealed into the args by h_password. */
	v->password_cipher = xstrdup(cmd_arg(a, "password-value"));
}

/* The sealed text (common/secret.h) of the password typed: plain, the
 * earlier Base64 cipher form, or a sealed text of this device (kept as it
 * is); a foreign or altered sealed text is refused with the reason. */
static int password_seal(struct cmd_ctx *ctx, const struct cmd_args *a, char *sealed,
			 size_t len)
{
	const char *typed = cmd_arg(a, "password-value");
	char clear[SECRET_CLEAR_MAX + 1];
	int rc;

	if (secret_is_sealed(typed, NULL)) {
		rc = secret_open(secret_device_key(), typed, clear, sizeof(clear));
		explicit_bzero(clear, sizeof(clear));
		if (rc < 0)
			return cmd_error(ctx, "The password cannot be used: %s. Enter it in plain "
					 "text.", secret_strerror(rc));
		snprintf(sealed, len, "%s", typed);
		return 0;
	}
	if (ntp_key_decode(typed, clear, sizeof(clear)) < 0)
		return cmd_error_at(ctx, cmd_arg_tok(a, "password-value"), GRAM_WRONG_PARAM);
	rc = secret_seal(secret_device_key(), clear, sealed, len);
	explicit_bzero(clear, sizeof(clear));
	if (rc < 0)
		return cmd_error(ctx, "The password cannot be stored: %s.", secret_strerror(rc));
	return 0;
}

static int h_password(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char sealed[SECRET_SEALED_SIZE];
	struct cmd_args dec = *a;
	struct cmd_arg *v;

	if (a->undo) {
		delete_lines(ctx, "password_cipher", NULL);
		return 0;
	}
	if (password_seal(ctx, a, sealed, sizeof(sealed)) < 0)
		return -1;
	/* The same arguments with the sealed password. */
	v = xcalloc(a->n, sizeof(*v));
	memcpy(v, a->v, a->n * sizeof(*v));
	for (size_t i = 0; i < a->n; i++)
		if (v[i].name && !strcmp(v[i].name, "password-value"))
			v[i].value = sealed;
	dec.v = v;
	set_lines(ctx, &dec, fill_password);
	free(v);
	return 0;
}

static void fill_idle(VtyLine *v, const struct cmd_args *a)
{
	v->has_idle_timeout_min = v->has_idle_timeout_sec = true;
	v->idle_timeout_min = cmd_arg_u32(a, "minutes", 10);
	v->idle_timeout_sec = cmd_arg_u32(a, "seconds", 0);
}

static int h_idle_timeout(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo)
		delete_lines(ctx, "idle_timeout_min", "idle_timeout_sec");
	else
		set_lines(ctx, a, fill_idle);
	return 0;
}

static void fill_protocol(VtyLine *v, const struct cmd_args *a)
{
	v->protocol_inbound = xstrdup(cmd_has(a, "telnet") ? "telnet" :
				      cmd_has(a, "ssh") ? "ssh" : "all");
}

static int h_protocol(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo)
		delete_lines(ctx, "protocol_inbound", NULL);
	else
		set_lines(ctx, a, fill_protocol);
	return 0;
}

static void fill_acl(VtyLine *v, const struct cmd_args *a)
{
	v->has_acl_inbound = true;
	v->acl_inbound = cmd_arg_u32(a, "acl-number", 2000);
}

static int h_acl(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo)
		delete_lines(ctx, "acl_inbound", NULL);
	else
		set_lines(ctx, a, fill_acl);
	return 0;
}

static void fill_level(VtyLine *v, const struct cmd_args *a)
{
	v->has_privilege = true;
	v->privilege = cmd_arg_u32(a, "level-value", 0);
}

static int h_user_privilege(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo)
		delete_lines(ctx, "privilege", NULL);
	else
		set_lines(ctx, a, fill_level);
	return 0;
}

static int h_maximum_vty(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;

	if (a->undo) {
		cmd_edit_delete(ctx, "user_interface", "maximum_vty", NULL);
		return 0;
	}
	c = frag_new();
	c->user_interface = xmalloc(sizeof(*c->user_interface));
	user_interface__init(c->user_interface);
	c->user_interface->has_maximum_vty = true;
	c->user_interface->maximum_vty = cmd_arg_u32(a, "number", 5);
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_screen_length(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	unsigned first, last;
	Config *c;
	UserInterface *ui;

	view_range(ctx, &first, &last);
	if (a->undo) {
		delete_lines(ctx, "screen_length", NULL);
		return 0;
	}
	c = frag_new();
	ui = xmalloc(sizeof(*ui));
	user_interface__init(ui);
	c->user_interface = ui;
	ui->n_vty = last - first + 1;
	ui->vty = xcalloc(ui->n_vty, sizeof(*ui->vty));
	for (unsigned n = first; n <= last; n++) {
		VtyLine *v = xmalloc(sizeof(*v));

		vty_line__init(v);
		v->number = xasprintf("%u", n);
		v->has_screen_length = true;
		v->screen_length = cmd_arg_u32(a, "lines", 24);
		ui->vty[n - first] = v;
	}
	cmd_edit_set(ctx, c);
	return 0;
}

/* The configured line `n`, or NULL. */
static const VtyLine *vty_line(const Config *c, unsigned n)
{
	char num[16];

	if (!c || !c->user_interface)
		return NULL;
	snprintf(num, sizeof(num), "%u", n);
	for (size_t i = 0; i < c->user_interface->n_vty; i++)
		if (c->user_interface->vty[i]->number &&
		    !strcmp(c->user_interface->vty[i]->number, num))
			return c->user_interface->vty[i];
	return NULL;
}

static bool line_set(const VtyLine *v)
{
	return v && (v->has_screen_length || v->authentication_mode || v->password_cipher ||
		     v->has_idle_timeout_min || v->protocol_inbound || v->has_acl_inbound ||
		     v->has_privilege);
}

static bool same_str(const char *x, const char *y)
{
	return (!x && !y) || (x && y && !strcmp(x, y));
}

static bool same_settings(const VtyLine *x, const VtyLine *y)
{
	return x->has_screen_length == y->has_screen_length &&
	       x->screen_length == y->screen_length &&
	       same_str(x->authentication_mode, y->authentication_mode) &&
	       same_str(x->password_cipher, y->password_cipher) &&
	       x->has_idle_timeout_min == y->has_idle_timeout_min &&
	       x->idle_timeout_min == y->idle_timeout_min &&
	       x->idle_timeout_sec == y->idle_timeout_sec &&
	       same_str(x->protocol_inbound, y->protocol_inbound) &&
	       x->has_acl_inbound == y->has_acl_inbound && x->acl_inbound == y->acl_inbound &&
	       x->has_privilege == y->has_privilege && x->privilege == y->privilege;
}

static void render_block(unsigned first, unsigned last, const VtyLine *v, struct sbuf *out)
{
	if (first == last)
		sbuf_printf(out, "user-interface vty %u\r\n", first);
	else
		sbuf_printf(out, "user-interface vty %u %u\r\n", first, last);
	if (!v)
		return;
	if (v->has_acl_inbound)
		sbuf_printf(out, " acl %u inbound\r\n", v->acl_inbound);
	if (v->authentication_mode)
		sbuf_printf(out, " authentication-mode %s\r\n", v->authentication_mode);
	if (v->has_privilege)
		sbuf_printf(out, " user privilege level %u\r\n", v->privilege);
	if (v->password_cipher && secret_is_sealed(v->password_cipher, NULL))
		sbuf_printf(out, " set authentication password cipher %s\r\n", v->password_cipher);
	if (v->has_idle_timeout_min)
		sbuf_printf(out, " idle-timeout %u %u\r\n", v->idle_timeout_min,
			    v->has_idle_timeout_sec ? v->idle_timeout_sec : 0);
	if (v->protocol_inbound)
		sbuf_printf(out, " protocol inbound %s\r\n", v->protocol_inbound);
	if (v->has_screen_length)
		sbuf_printf(out, " screen-length %u\r\n", v->screen_length);
}

/* The blocks of lines lo..hi that have settings, each after a "#"; the
 * count of blocks. */
static size_t render_range(const Config *c, unsigned lo, unsigned hi, struct sbuf *out)
{
	size_t blocks = 0;

	for (unsigned n = lo; n <= hi;) {
		const VtyLine *v = vty_line(c, n);
		unsigned end = n;

		if (!line_set(v)) {
			n++;
			continue;
		}
		while (end < hi && line_set(vty_line(c, end + 1)) &&
		       same_settings(v, vty_line(c, end + 1)))
			end++;
		sbuf_puts(out, "#\r\n");
		render_block(n, end, v, out);
		blocks++;
		n = end + 1;
	}
	return blocks;
}

void cmd_ui_render(const Config *c, struct sbuf *out)
{
	if (c && c->user_interface && c->user_interface->has_maximum_vty)
		sbuf_printf(out, "#\r\nuser-interface maximum-vty %u\r\n",
			    c->user_interface->maximum_vty);
	render_range(c, 0, UI_VTY_MAX, out);
}

int cmd_ui_screen_length(const Config *c, const char *line)
{
	unsigned n;
	const VtyLine *v;

	if (!line || sscanf(line, "VTY %u", &n) != 1)
		return -1;
	v = vty_line(c, n);
	return v && v->has_screen_length ? (int)v->screen_length : -1;
}

static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	unsigned first, last;
	struct sbuf b = { 0 };
	Config *c;

	static const char *const fields[] = { "user_interface", NULL };

	view_range(ctx, &first, &last);
	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	if (render_range(c, first, last, &b) == 0) {
		sbuf_puts(&b, "#\r\n");
		render_block(first, last, NULL, &b);
	}
	sbuf_puts(&b, "#\r\nreturn\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

#define VTY_FIRST_INDEX 34   /* VRP numbers VTY 0 as user interface 34 */

/* `display user-interface`: VRP8's table (display-user-interface(TTY)),
 * one row per VTY line up to maximum-vty (and any higher line still in
 * use), "+" on a line with a session; Privi is the level a login without
 * AAA gets (`user privilege level`, else 0), ActualPrivi the level of the
 * user logged in. */
static int h_display_ui(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const fields[] = { "user_interface", NULL };
	struct access *acc = ctx->s->be->access;
	struct cmd_user u[UI_VTY_MAX + 1];
	size_t n_users = cmd_users(ctx, u, UI_VTY_MAX + 1);
	struct sbuf b = { 0 };
	unsigned max;
	Config *c;

	(void)a;
	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	max = c->user_interface && c->user_interface->has_maximum_vty
	      ? c->user_interface->maximum_vty
	      : (unsigned)(acc ? access_bootstrap_max_vty(acc) : 5);
	sbuf_puts(&b, "  Idx  Type     Tx/Rx      Modem Privi ActualPrivi Auth  Int\r\n");
	for (unsigned n = 0; n <= UI_VTY_MAX; n++) {
		const VtyLine *v = vty_line(c, n);
		const struct cmd_user *who = NULL;
		char line[16], idx[8], actual[8] = "-", privi[8];
		char mode = 'A';

		snprintf(line, sizeof(line), "VTY %u", n);
		for (size_t i = 0; i < n_users; i++)
			if (u[i].line && !strcmp(u[i].line, line))
				who = &u[i];
		if (n >= max && !who)
			continue;
		if (v && v->authentication_mode)
			mode = !strcmp(v->authentication_mode, "password") ? 'P' :
			       !strcmp(v->authentication_mode, "none") ? 'N' : 'A';
		if (who)
			snprintf(actual, sizeof(actual), "%u", who->level);
		snprintf(idx, sizeof(idx), "%u", VTY_FIRST_INDEX + n);
		snprintf(privi, sizeof(privi), "%u", v && v->has_privilege ? v->privilege : 0);
		sbuf_printf(&b, "%c %-5s%-9s%-11s%-6s%-6s%-12s%-6c%s\r\n", who ? '+' : ' ', idx,
			    line, "", "-", privi, actual, mode, "-");
	}
	sbuf_puts(&b, "  UI(s) not in async mode -or- with no hardware support:\r\n");
	sbuf_printf(&b, "  %u-%u\r\n", VTY_FIRST_INDEX, VTY_FIRST_INDEX + UI_VTY_MAX);
	sbuf_puts(&b, "  +    : Current UI is active.\r\n"
		  "  F    : Current UI is active and work in async mode.\r\n"
		  "  Idx  : Absolute index of UIs.\r\n"
		  "  Type : Type and relative index of UIs.\r\n"
		  "  Privi: The privilege of UIs.\r\n"
		  "  ActualPrivi: The actual privilege of user-interface.\r\n"
		  "  Auth : The authentication mode of UIs.\r\n"
		  "  A: Authenticate use AAA.\r\n"
		  "  N: Current UI need not authentication.\r\n"
		  "  P: Authenticate use current UI's password.\r\n"
		  "  Int  : The physical location of UIs.\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

const struct cmd_entry cmd_ui_entries[] = {
	{ CLI_V_USER, "screen-length lines temporary", "undo screen-length temporary", ui_params,
	  ui_kw, h_screen_length_temp },
	{ CLI_V_SYSTEM, "user-interface vty first-ui-number [ last-ui-number ]", NULL, ui_params,
	  ui_kw, h_user_interface },
	{ CLI_V_UI, "screen-length lines", "undo screen-length", ui_params, ui_kw,
	  h_screen_length },
	{ CLI_V_UI, "display this", NULL, NULL, ui_kw, h_display_this },
	{ CLI_V_SYSTEM, "user-interface maximum-vty number", "undo user-interface maximum-vty",
	  ui_params, ui_kw, h_maximum_vty },
	{ CLI_V_UI, "authentication-mode { aaa | password | none }", "undo authentication-mode",
	  ui_params, ui_kw, h_auth_mode },
	{ CLI_V_UI, "set authentication password cipher password-value",
	  "undo set authentication password", ui_params, ui_kw, h_password },
	{ CLI_V_UI, "idle-timeout minutes [ seconds ]", "undo idle-timeout", ui_params, ui_kw,
	  h_idle_timeout },
	{ CLI_V_UI, "protocol inbound { telnet | ssh | all }", "undo protocol inbound", ui_params,
	  ui_kw, h_protocol },
	{ CLI_V_UI, "acl acl-number inbound", "undo acl inbound", ui_params, ui_kw, h_acl },
	{ CLI_V_UI, "user privilege level level-value", "undo user privilege level", ui_params,
	  ui_kw, h_user_privilege },
	{ CLI_V_ALL, "display user-interface", NULL, NULL, ui_kw, h_display_ui },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
