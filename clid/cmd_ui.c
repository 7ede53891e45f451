/*
 * cmd_ui.c: the terminal's own commands: `screen-length N temporary` (user
 * view, this session only) and the user-interface view
 * (`user-interface vty FIRST [ LAST ]`, prompt [~HUAWEI-ui-vty0-4]) with
 * `screen-length N` (the configured page length of those VTY lines, for
 * sessions that log in afterwards), its `display this`, and the
 * user-interface part of the configuration.
 *
 * VRP8 (NE40E V800R012C10, "User Interface Configuration Commands"): N is
 * 0..512 rows, 0 turns paging off; without any, the page is the terminal's
 * height.  The configuration keeps one element per VTY line
 * (UserInterface.vty, keyed by the line number); the rendering groups
 * consecutive lines with the same settings into one block, as VRP prints
 * `user-interface vty 0 4`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "cmd.h"
#include "log.h"

#define UI_VTY_MAX 63   /* clid's highest VTY line (VTY_MAX_SLOTS - 1) */

static const struct cmd_kwhelp ui_kw[] = {
	{ "screen-length", "Set the number of lines displayed on a terminal screen" },
	{ "temporary", "Only for the current terminal session" },
	{ "user-interface", "Enter the user interface view" },
	{ "vty", "Virtual type terminal (VTY) user interface" },
	{ "display", "Display information" },
	{ "this", "Configuration of the current view" },
	{ NULL, NULL },
};

static const struct cmd_param ui_params[] = {
	{ "lines", GP_INT, 0, 512, "Number of lines on a screen (0: no pausing)" },
	{ "first-ui-number", GP_INT, 0, UI_VTY_MAX, "First user interface number" },
	{ "last-ui-number", GP_INT, 0, UI_VTY_MAX, "Last user interface number" },
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

static int h_screen_length(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	unsigned first, last;
	Config *c;
	UserInterface *ui;

	view_range(ctx, &first, &last);
	if (a->undo) {
		for (unsigned n = first; n <= last; n++) {
			char num[16];

			snprintf(num, sizeof(num), "%u", n);
			cmd_edit_delete(ctx, "user_interface", "vty", num, "screen_length", NULL);
		}
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
	return v && v->has_screen_length;
}

static bool same_settings(const VtyLine *x, const VtyLine *y)
{
	return x->has_screen_length == y->has_screen_length &&
	       x->screen_length == y->screen_length;
}

static void render_block(unsigned first, unsigned last, const VtyLine *v, struct sbuf *out)
{
	if (first == last)
		sbuf_printf(out, "user-interface vty %u\r\n", first);
	else
		sbuf_printf(out, "user-interface vty %u %u\r\n", first, last);
	if (v && v->has_screen_length)
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

const struct cmd_entry cmd_ui_entries[] = {
	{ CLI_V_USER, "screen-length lines temporary", "undo screen-length temporary", ui_params,
	  ui_kw, h_screen_length_temp },
	{ CLI_V_SYSTEM, "user-interface vty first-ui-number [ last-ui-number ]", NULL, ui_params,
	  ui_kw, h_user_interface },
	{ CLI_V_UI, "screen-length lines", "undo screen-length", ui_params, ui_kw,
	  h_screen_length },
	{ CLI_V_UI, "display this", NULL, NULL, ui_kw, h_display_this },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
