/*
 * cli.c: one VTY session's command engine (see cli.h): views, prompts,
 * running lines through the grammar, '?' help, TAB completion (with VRP's
 * cycling through ambiguous keywords), the session's command history
 * (display history-command) and the questions.  The exchanges with cfgd and ntpd, and the coroutine a line
 * runs in while it waits for them, are cfgcall.c's.
 *
 * A line is matched in the current view's graph; if it fails there and is
 * not an `undo` command, the parent views are tried (matched upper-view, as
 * VRP does) and a match moves the session to that view.  A handler queues
 * edits in its struct cmd_ctx; after it returns they go to cfgd as one
 * EditRequest (all or none).  The prompt's '~'/'*' and the sysname come
 * from the SessionState cfgd returns with its replies.
 *
 * Questions (table `questions`).  Leaving system view (quit, return) with
 * uncommitted changes asks Y/N/C: Y commits then leaves, N drops the
 * candidate's changes (cfgd refreshes it from running; the cfgd session and
 * a configuration lock it holds stay) then leaves, C stays.  `save` asks Y/N: Y has cfgd
 * write running to the startup configuration.  Any other answer is refused
 * with VRP's sentence and the question stays.  The engine writes the
 * question itself (no line end: the answer is typed after it), and
 * cli_prompt() returns the same text while it waits; the telnet front end
 * shows an empty prompt in that state.  Ctrl-C abandons the question
 * (cli_cancel()): the front end shows the view's prompt again.
 *
 * Output pipes (pipe.c): a line whose first word abbreviates `display` is
 * cut at its first word "|": the grammar matches the words before it (a
 * display command, else the caret goes under the "|"), pipe_parse() the
 * rest; everything the command writes then goes through the chain until
 * the line ends.  '?' and TAB after the "|" are the chain's.  Paging is the
 * front end's (vty.c, pager.c): cli_no_more() and cli_screen_length() tell
 * it what the line and the session ask for.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "cli.h"
#include "access.h"
#include "cli_int.h"
#include "cmd.h"
#include "grammar.h"
#include "log.h"
#include "loop.h"
#include "pipe.h"

static const struct {
	const char *text;    /* asked (no line end: the answer follows on the line) */
	const char *again;   /* after an answer that is none of the choices */
	bool cancel;         /* C(ancel) is a choice */
} questions[] = {
	[ASK_LEAVE] = { "Warning: Uncommitted configurations found, commit them before "
			"exiting? [Y(yes)/N(no)/C(cancel)]:",
			"Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing "
			"'Enter'. [Y/N/C]:", true },
	[ASK_SAVE] = { "Warning: The current configuration will be written to the device. "
		       "Continue? [Y/N]:",
		       "Error: Please choose 'YES' or 'NO' first before pressing 'Enter'. [Y/N]:",
		       false },
};

uint64_t cli_mono_s(void)
{
	return loop_now_us() / 1000000u;
}

/* ------------------------------------------------------------------ */
/* Output */

/* What passes the display's pipes. */
static void filter_out(void *arg, const char *buf, size_t len)
{
	struct cli_session *s = arg;

	if (!s->closing)
		s->out(s->out_arg, buf, len);
}

/* Everything the session writes: nothing once it is closing; through the
 * pipes of the display running. */
void cli_out_raw(struct cli_session *s, const char *buf, size_t len)
{
	if (s->closing)
		return;
	if (s->filter)
		pipe_feed(s->filter, buf, len);
	else
		s->out(s->out_arg, buf, len);
}

int cli_screen_length(const struct cli_session *s)
{
	return s->screen_length_temp >= 0 ? s->screen_length_temp : s->screen_length_cfg;
}

bool cli_no_more(const struct cli_session *s)
{
	return pipe_no_more(s->filter);
}

void cmd_set_screen_length(struct cmd_ctx *ctx, int rows)
{
	ctx->s->screen_length_temp = rows;
}

void cli_out_str(struct cli_session *s, const char *str)
{
	cli_out_raw(s, str, strlen(str));
}

void cli_out_fmt(struct cli_session *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	cli_out_raw(s, buf, (size_t)n);
}

/* The caret line alone, under column col. */
static void out_caret_only(struct cli_session *s, size_t col)
{
	char *sp = xmalloc(col + 4);

	memset(sp, ' ', col);
	memcpy(sp + col, "^\r\n", 4);
	cli_out_str(s, sp);
	free(sp);
}

/* The caret line and the error sentence. */
static void out_caret(struct cli_session *s, size_t col, enum gram_err err)
{
	out_caret_only(s, col);
	cli_out_fmt(s, "Error: %s\r\n", gram_err_text(err));
}

void cmd_write(struct cmd_ctx *ctx, const char *buf, size_t len)
{
	cli_out_raw(ctx->s, buf, len);
}

void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	cmd_write(ctx, tmp, (size_t)n);
	free(tmp);
}

int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *tmp;

	va_start(ap, fmt);
	if (vasprintf(&tmp, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	cli_out_fmt(ctx->s, "Error: %s\r\n", tmp);
	free(tmp);
	return -1;
}

int cmd_error_at(struct cmd_ctx *ctx, size_t tok, enum gram_err err)
{
	size_t col = tok < ctx->t->n ? ctx->t->off[tok] : 0;

	out_caret(ctx->s, ctx->prompt_len + col, err);
	return -1;
}


void cmd_edit_set(struct cmd_ctx *ctx, Config *frag)
{
	Edit *e = xmalloc(sizeof(*e));

	edit__init(e);
	e->op = EDIT__OP__SET;
	e->value = frag;
	ctx->edits = xrealloc(ctx->edits, (ctx->n_edits + 1) * sizeof(*ctx->edits));
	ctx->edits[ctx->n_edits++] = e;
}

void cmd_edit_delete(struct cmd_ctx *ctx, ...)
{
	Edit *e = xmalloc(sizeof(*e));
	va_list ap;
	const char *p;

	edit__init(e);
	e->op = EDIT__OP__DELETE;
	va_start(ap, ctx);
	while ((p = va_arg(ap, const char *))) {
		e->path = xrealloc(e->path, (e->n_path + 1) * sizeof(*e->path));
		e->path[e->n_path++] = xstrdup(p);
	}
	va_end(ap);
	ctx->edits = xrealloc(ctx->edits, (ctx->n_edits + 1) * sizeof(*ctx->edits));
	ctx->edits[ctx->n_edits++] = e;
}

enum cli_view cmd_view(const struct cmd_ctx *ctx)
{
	return ctx->s->view;
}

const char *cmd_view_ifname(const struct cmd_ctx *ctx)
{
	return ctx->s->view == CLI_VIEW_INTERFACE ? ctx->s->ifname : NULL;
}

const char *cmd_view_acl(const struct cmd_ctx *ctx)
{
	return ctx->s->view == CLI_VIEW_ACL || ctx->s->view == CLI_VIEW_ACL6 ? ctx->s->ifname
									     : NULL;
}

const char *cmd_view_ui(const struct cmd_ctx *ctx)
{
	return ctx->s->view == CLI_VIEW_UI ? ctx->s->ifname : NULL;
}

const char *cmd_view_vpn(const struct cmd_ctx *ctx)
{
	enum cli_view v = ctx->s->view;

	return v == CLI_VIEW_VPN || v == CLI_VIEW_VPN_AF4 || v == CLI_VIEW_VPN_AF6
	       ? ctx->s->ifname : NULL;
}

void cli_set_view(struct cli_session *s, enum cli_view v, const char *ifname)
{
	char name[sizeof(s->ifname)];

	/* ifname may be s->ifname itself (a VPN instance's address family
	 * view and back). */
	snprintf(name, sizeof(name), "%s", ifname ? ifname : "");
	ifname = name;
	s->view = v;
	/* ifname: the interface of the interface view, the number of an ACL
	 * view, the VTY lines ("0-4") of the user-interface view, the VPN
	 * instance of its views. */
	snprintf(s->ifname, sizeof(s->ifname), "%s",
		 (v == CLI_VIEW_INTERFACE || v == CLI_VIEW_ACL || v == CLI_VIEW_ACL6 ||
		  v == CLI_VIEW_UI || v == CLI_VIEW_VPN || v == CLI_VIEW_VPN_AF4 ||
		  v == CLI_VIEW_VPN_AF6) && ifname
		 ? ifname : "");
}

void cmd_set_view(struct cmd_ctx *ctx, enum cli_view v, const char *ifname)
{
	cli_set_view(ctx->s, v, ifname);
}

void cmd_leave_system(struct cmd_ctx *ctx, enum cli_view target)
{
	struct cli_session *s = ctx->s;

	cli_pipe_drain(s);   /* the question depends on every edit's result */
	if (s->dirty) {
		s->ask = ASK_LEAVE;
		s->ask_wrong = false;
		s->ask_target = target;
		cli_out_str(s, questions[ASK_LEAVE].text);
		return;
	}
	cli_set_view(s, target, NULL);
}

void cmd_ask_save(struct cmd_ctx *ctx)
{
	cli_pipe_drain(ctx->s);   /* the question is asked after every result */
	ctx->s->ask = ASK_SAVE;
	ctx->s->ask_wrong = false;
	cli_out_str(ctx->s, questions[ASK_SAVE].text);
}

void cmd_end_session(struct cmd_ctx *ctx)
{
	ctx->s->ended = true;
}

bool cmd_interface_known(const struct cmd_ctx *ctx, const char *ifname)
{
	const struct cli_backend *be = ctx->s->be;

	if (!be->ifnames)
		return true;
	for (size_t i = 0; i < be->n_ifnames; i++)
		if (!strcasecmp(be->ifnames[i], ifname))
			return true;
	return false;
}

const char *cmd_default_sysname(const struct cmd_ctx *ctx)
{
	return ctx->s->be->default_sysname;
}

size_t cmd_history_len(const struct cmd_ctx *ctx)
{
	return ctx->s->hist.len;
}

const char *cmd_history_get(const struct cmd_ctx *ctx, size_t i)
{
	return i < ctx->s->hist.len ? ctx->s->hist.v[i] : NULL;
}

/* Sessions */
void cli_prompt_view(struct cli_session *s, enum cli_view view, const char *ifname, char *buf,
		     size_t len)
{
	char mark = s->dirty ? '*' : '~';

	switch (view) {
	case CLI_VIEW_USER:
		snprintf(buf, len, "<%s>", s->sysname);
		break;
	case CLI_VIEW_SYSTEM:
		snprintf(buf, len, "[%c%s]", mark, s->sysname);
		break;
	case CLI_VIEW_INTERFACE:
	case CLI_VIEW_COUNT:
		snprintf(buf, len, "[%c%s-%s]", mark, s->sysname, ifname);
		break;
	case CLI_VIEW_ACL:
		snprintf(buf, len, "[%c%s-acl-basic-%s]", mark, s->sysname, ifname);
		break;
	case CLI_VIEW_ACL6:
		snprintf(buf, len, "[%c%s-acl6-basic-%s]", mark, s->sysname, ifname);
		break;
	case CLI_VIEW_UI:
		snprintf(buf, len, "[%c%s-ui-vty%s]", mark, s->sysname, ifname);
		break;
	case CLI_VIEW_AAA:
		snprintf(buf, len, "[%c%s-aaa]", mark, s->sysname);
		break;
	case CLI_VIEW_PKEY:
		snprintf(buf, len, "[%c%s-%s-public-key]", mark, s->sysname,
			 s->pk.ecc ? "ecc" : "rsa");
		break;
	case CLI_VIEW_PKEY_CODE:
		snprintf(buf, len, "[%c%s-%s-public-key-%s-key-code]", mark, s->sysname,
			 s->pk.ecc ? "ecc" : "rsa", s->pk.ecc ? "ecc" : "rsa");
		break;
	case CLI_VIEW_VPN:
		snprintf(buf, len, "[%c%s-vpn-instance-%s]", mark, s->sysname, ifname);
		break;
	case CLI_VIEW_VPN_AF4:
	case CLI_VIEW_VPN_AF6:
		snprintf(buf, len, "[%c%s-vpn-instance-%s-af-ipv%c]", mark, s->sysname, ifname,
			 view == CLI_VIEW_VPN_AF4 ? '4' : '6');
		break;
	}
}

const char *cli_prompt(struct cli_session *s)
{
	if (s->ask)
		return s->ask_wrong ? questions[s->ask].again : questions[s->ask].text;
	cli_prompt_view(s, s->view, s->ifname, s->prompt, sizeof(s->prompt));
	return s->prompt;
}

bool cli_awaiting_answer(struct cli_session *s)
{
	return s->ask != ASK_NONE;
}

/* The answer to ASK_LEAVE: 'y' commits then leaves, 'n' drops the
 * candidate then leaves, 'c' stays. */
static void answer_leave(struct cli_session *s, char choice)
{
	if (choice == 'y' && cli_commit(s, NULL, NULL, 0) == 0)
		cli_set_view(s, s->ask_target, NULL);
	else if (choice == 'n' && cli_discard(s) == 0)
		cli_set_view(s, s->ask_target, NULL);
}

static void answer(struct cli_session *s, const char *line)
{
	char a[16];
	size_t n = 0;

	while (isspace((unsigned char)*line))
		line++;
	for (; *line && !isspace((unsigned char)*line) && n + 1 < sizeof(a); line++)
		a[n++] = (char)tolower((unsigned char)*line);
	a[n] = '\0';
	while (isspace((unsigned char)*line))
		line++;
	if (*line)
		a[0] = '\0';   /* more than one word: not an answer */
	char choice = !strcmp(a, "y") || !strcmp(a, "yes") ? 'y'
		      : !strcmp(a, "n") || !strcmp(a, "no") ? 'n'
		      : (!strcmp(a, "c") || !strcmp(a, "cancel")) && questions[s->ask].cancel ? 'c'
		      : 0;
	enum cli_ask q = s->ask;

	if (!choice) {
		s->ask_wrong = true;
		cli_out_str(s, questions[q].again);
		return;
	}
	s->ask = ASK_NONE;
	if (q == ASK_LEAVE)
		answer_leave(s, choice);
	else if (q == ASK_SAVE && choice == 'y')
		cli_save(s);
}

static bool is_undo(const char *w)
{
	size_t n = strlen(w);

	return n >= 2 && n <= 4 && !strncasecmp(w, "undo", n);
}

static int parent_view(enum cli_view v)
{
	if (v == CLI_VIEW_VPN_AF4 || v == CLI_VIEW_VPN_AF6)
		return CLI_VIEW_VPN;
	return v == CLI_VIEW_INTERFACE || v == CLI_VIEW_ACL || v == CLI_VIEW_ACL6 ||
	       v == CLI_VIEW_UI || v == CLI_VIEW_AAA || v == CLI_VIEW_PKEY || v == CLI_VIEW_VPN ?
		       CLI_VIEW_SYSTEM : -1;
}

/* A first word that may be `display` (pipes are for display commands). */
static bool is_display(const char *w)
{
	size_t n = strlen(w);

	return n >= 1 && n <= 7 && !strncasecmp(w, "display", n);
}

/* Match t in the session's view, else (not an `undo` line) in its parent
 * views (matched upper-view, as VRP does): the view it matched in. */
static enum cli_view parse_in_views(struct cli_session *s, const struct gram_tokens *t,
				    struct gram_result *res)
{
	gram_parse(s->be->gram, s->view, t, res);
	if (res->err == GRAM_OK || is_undo(t->word[0]))
		return s->view;
	for (int v = parent_view(s->view); v >= 0; v = parent_view((enum cli_view)v)) {
		struct gram_result up;

		gram_parse(s->be->gram, (enum cli_view)v, t, &up);
		if (up.err == GRAM_OK) {
			gram_result_clear(res);
			*res = up;
			return (enum cli_view)v;
		}
		gram_result_clear(&up);
	}
	return s->view;
}

bool cli_cancel(struct cli_session *s)
{
	if (!s->ask)
		return false;
	s->ask = ASK_NONE;
	s->ask_wrong = false;
	return true;
}

static void tab_forget(struct cli_session *s)
{
	for (size_t i = 0; i < s->tab.n; i++)
		free(s->tab.cand[i]);
	free(s->tab.cand);
	free(s->tab.base);
	free(s->tab.last);
	memset(&s->tab, 0, sizeof(s->tab));
}

void cli_input_free(struct cli_session *s)
{
	tab_forget(s);
	if (s->pk.code)
		explicit_bzero(s->pk.code, s->pk.len);
	free(s->pk.code);
	s->pk.code = NULL;
	line_history_clear(&s->hist);
}

/* Whether a user of level `level` may run entry e: from level 3
 * (ACCESS_LEVEL_CONFIGURE) everything; below, only displays, leaving and
 * the terminal's own page length (VRP's levels 0..2: visit and monitor). */
static bool level_allows(unsigned level, const struct cmd_entry *e)
{
	if (level >= ACCESS_LEVEL_CONFIGURE)
		return true;
	return !strncmp(e->syntax, "display ", 8) || !strcmp(e->syntax, "quit") ||
	       !strcmp(e->syntax, "return") || !strncmp(e->syntax, "screen-length ", 14);
}

/* A password or key typed in a command (`local-user ... irreversible-cipher
 * PW`, `set authentication password cipher PW`: parameter
 * "password-value"; an NTP authentication key: parameter "password") is
 * kept in the session's history as "******", so `display history-command`
 * never shows it. */
static void history_mask_password(struct cli_session *s, const struct gram_tokens *t,
				  const struct cmd_args *a)
{
	char *masked, **last;
	size_t tok, len;

	for (size_t i = 0; i < a->n; i++) {
		if (!a->v[i].name || a->v[i].keyword ||
		    (strcmp(a->v[i].name, "password-value") && strcmp(a->v[i].name, "password")))
			continue;
		tok = a->v[i].tok;
		if (s->hist.len == 0 || tok >= t->n)
			return;
		last = &s->hist.v[s->hist.len - 1];
		len = strlen(*last);
		if (t->end[tok] > len || t->off[tok] > t->end[tok])
			return;
		masked = xasprintf("%.*s******%s", (int)t->off[tok], *last, *last + t->end[tok]);
		explicit_bzero(*last, len);
		free(*last);
		*last = masked;
		return;
	}
}

/* One line, in the session's coroutine (cli_exec() in cfgcall.c starts it). */
void cli_run_line(struct cli_session *s, const char *line)
{
	struct gram_tokens t, pipe_line = { 0 };
	struct gram_result res;
	struct pipe_chain *filter = NULL;
	enum cli_view run_view;
	char *cmd_line = NULL;
	size_t plen, bar;

	tab_forget(s);
	if (s->ask) {
		answer(s, line);
		return;
	}
	/* What the operator typed at the prompt, before it runs (VRP records
	 * a line that fails to match too). */
	line_history_add(&s->hist, line);
	plen = strlen(cli_prompt(s));
	if (strlen(line) > CLI_MAX_LINE) {
		cli_out_fmt(s, "Error: The command is too long (at most %d characters).\r\n", CLI_MAX_LINE);
		return;
	}
	gram_tokenize(line, &t);
	if (s->view == CLI_VIEW_PKEY_CODE && t.n > 0 && !cmd_ssh_is_code_end(t.word[0])) {
		/* Key text between public-key-code begin and end (cmd_ssh.c). */
		gram_tokens_free(&t);
		cmd_ssh_code_line(s, line);
		return;
	}
	if (t.n == 0 || t.word[0][0] == '#') {
		gram_tokens_free(&t);
		return;
	}
	bar = is_display(t.word[0]) ? pipe_find_bar(&t) : t.n;
	if (bar < t.n) {
		/* The command is the words before the "|"; t keeps the whole
		 * line for the pipes (the columns are the same). */
		pipe_line = t;
		cmd_line = xmalloc(t.off[bar] + 1);
		memcpy(cmd_line, line, t.off[bar]);
		cmd_line[t.off[bar]] = '\0';
		gram_tokenize(cmd_line, &t);
	}
	run_view = parse_in_views(s, &t, &res);
	if (res.err == GRAM_OK)
		history_mask_password(s, &t, &res.args);
	if (res.err == GRAM_OK && bar < pipe_line.n) {
		struct pipe_error pe;

		if (strncmp(res.entry->syntax, "display ", 8) != 0) {
			res.err = GRAM_UNRECOGNIZED;
			res.err_col = pipe_line.off[bar];
		} else if (pipe_parse(&pipe_line, bar, &filter, &pe) < 0) {
			if (pe.msg[0]) {
				out_caret_only(s, plen + pe.col);
				cli_out_fmt(s, "Error: %s\r\n", pe.msg);
				goto out;
			}
			res.err = pe.err;
			res.err_col = pe.col;
		}
	}
	if (res.err == GRAM_OK && !level_allows(s->level, res.entry)) {
		/* Above the user's level: unknown, as VRP shows it. */
		res.err = GRAM_UNRECOGNIZED;
		res.err_col = t.off[0];
	}
	if (res.err != GRAM_OK) {
		out_caret(s, plen + res.err_col, res.err);
	} else {
		struct cmd_ctx ctx = { .s = s, .t = &t, .prompt_len = plen };
		if (run_view != s->view)
			cli_set_view(s, run_view, NULL);
		if (filter) {
			pipe_set_out(filter, filter_out, s);
			s->filter = filter;
		}
		if (res.entry->handler(&ctx, &res.args) == 0 && ctx.n_edits > 0)
			cli_send_edits(&ctx);
		for (size_t i = 0; i < ctx.n_edits; i++)
			edit__free_unpacked(ctx.edits[i], NULL);
		free(ctx.edits);
		if (filter) {
			pipe_finish(filter);
			s->filter = NULL;
		}
	}
out:
	pipe_free(filter);
	gram_result_clear(&res);
	gram_tokens_free(&t);
	if (cmd_line) {
		gram_tokens_free(&pipe_line);
		free(cmd_line);
	}
}

/* ------------------------------------------------------------------ */
/* Help and completion */

static void write_listing(struct cli_session *s, const struct gram_help *h)
{
	size_t width = 4;   /* "<cr>" */

	for (size_t i = 0; i < h->n; i++)
		if (strlen(h->v[i].name) > width)
			width = strlen(h->v[i].name);
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].help[0])
			cli_out_fmt(s, "  %-*s  %s\r\n", (int)width, h->v[i].name, h->v[i].help);
		else
			cli_out_fmt(s, "  %s\r\n", h->v[i].name);
	}
	if (h->cr)
		cli_out_str(s, "  <cr>\r\n");
}

/* Names only, several per line: what '?' shows after a partial word. */
static void write_names(struct cli_session *s, const struct gram_help *h)
{
	struct sbuf b = { 0 };
	size_t col = 0;

	for (size_t i = 0; i < h->n; i++) {
		size_t l = strlen(h->v[i].name) + 2;
		if (col > 0 && col + l > 79) {
			sbuf_puts(&b, "\r\n");
			col = 0;
		}
		sbuf_printf(&b, "  %s", h->v[i].name);
		col += l;
	}
	if (b.len)
		sbuf_puts(&b, "\r\n");
	if (b.len)
		cli_out_raw(s, b.buf, b.len);
	sbuf_free(&b);
}

/* What may come at the end of the line: after a "|" of a display command,
 * the pipes' words; else the grammar's, and for '?' (bar) "|" too where a
 * display command may end. */
static void line_help(struct cli_session *s, const struct gram_tokens *t, bool bar_too,
		      struct gram_help *h)
{
	size_t done = t->trailing_space || t->n == 0 ? t->n : t->n - 1;
	size_t bar = t->n > 0 && is_display(t->word[0]) ? pipe_find_bar(t) : t->n;

	if (bar < done) {
		struct gram_tokens cmd = *t;   /* the words before the "|", borrowed */
		struct gram_result res;

		cmd.n = bar;
		cmd.trailing_space = true;
		parse_in_views(s, &cmd, &res);
		if (res.err == GRAM_OK && strncmp(res.entry->syntax, "display ", 8) != 0) {
			res.err = GRAM_UNRECOGNIZED;
			res.err_col = t->off[bar];
		}
		if (res.err != GRAM_OK) {
			memset(h, 0, sizeof(*h));
			h->err = res.err;
			h->err_col = res.err_col;
		} else {
			pipe_help(t, bar, h);
		}
		gram_result_clear(&res);
		return;
	}
	gram_help(s->be->gram, s->view, t, h);
	if (bar_too && h->err == GRAM_OK && h->cr && !h->partial && t->n > 0 &&
	    is_display(t->word[0])) {
		h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
		h->v[h->n].name = xstrdup("|");
		h->v[h->n].help = "Matching output";
		h->v[h->n].keyword = false;
		h->n++;
	}
}

void cli_help(struct cli_session *s, const char *line)
{
	struct gram_tokens t;
	struct gram_help h;
	size_t plen;

	s->last_input_s = cli_mono_s();
	tab_forget(s);
	if (s->ask || s->ended)
		return;
	plen = strlen(cli_prompt(s));
	gram_tokenize(line, &t);
	line_help(s, &t, true, &h);
	if (h.err != GRAM_OK) {
		out_caret(s, plen + h.err_col, h.err);
	} else if (h.partial) {
		bool kw = h.n > 0 && h.v[0].keyword;
		for (size_t i = 0; i < h.n; i++)
			kw = kw && h.v[i].keyword;
		if (kw)
			write_names(s, &h);
		else
			write_listing(s, &h);
	} else {
		write_listing(s, &h);
	}
	gram_help_clear(&h);
	gram_tokens_free(&t);
}

/* The next of the cycle's candidates in place of the word. */
static char *tab_next(struct cli_session *s)
{
	char *ret;

	s->tab.at = (s->tab.at + 1) % s->tab.n;
	ret = xasprintf("%s%s", s->tab.base, s->tab.cand[s->tab.at]);
	free(s->tab.last);
	s->tab.last = xstrdup(ret);
	return ret;
}

/* TAB, as VRP: a keyword the partial word abbreviates alone is completed
 * and followed by a space; when several fit, the first TAB extends the
 * word to their common prefix, and each TAB after that puts the next of
 * them in its place (sorted, round and round, the cursor right after it),
 * listing nothing.  The cycle goes on while the text before the cursor is
 * what the last TAB left; a line run, '?' or any edit ends it.  After
 * blank space, the one keyword that may come is completed, or what may
 * come is listed as '?' lists it.  A wrong word stays as it is. */
char *cli_complete(struct cli_session *s, const char *line)
{
	struct gram_tokens t;
	struct gram_help h;
	char *ret = NULL;

	s->last_input_s = cli_mono_s();
	if (s->ask || s->ended)
		return NULL;
	if (s->tab.n > 0 && s->tab.last && !strcmp(line, s->tab.last))
		return tab_next(s);
	tab_forget(s);
	gram_tokenize(line, &t);
	line_help(s, &t, false, &h);
	if (h.err != GRAM_OK || h.n == 0)
		goto out;
	size_t n_kw = 0;
	for (size_t i = 0; i < h.n; i++)
		n_kw += h.v[i].keyword;
	if (!h.partial) {
		/* After blank space: complete only when one keyword is possible. */
		if (h.n == 1 && n_kw == 1 && !h.cr) {
			ret = xasprintf("%s%s ", line, h.v[0].name);
		} else {
			write_listing(s, &h);
		}
		goto out;
	}
	if (n_kw == 0)
		goto out;
	size_t keep = t.off[t.n - 1];
	if (n_kw == 1) {
		for (size_t i = 0; i < h.n; i++)
			if (h.v[i].keyword)
				ret = xasprintf("%.*s%s ", (int)keep, line, h.v[i].name);
		goto out;
	}
	/* Several keywords: their longest common prefix first. */
	const char *first = NULL;
	size_t lcp = 0;
	for (size_t i = 0; i < h.n; i++) {
		if (!h.v[i].keyword)
			continue;
		if (!first) {
			first = h.v[i].name;
			lcp = strlen(first);
			continue;
		}
		size_t k = 0;
		while (k < lcp && h.v[i].name[k] &&
		       tolower((unsigned char)h.v[i].name[k]) == tolower((unsigned char)first[k]))
			k++;
		lcp = k;
	}
	if (lcp > strlen(t.word[t.n - 1])) {
		ret = xasprintf("%.*s%.*s", (int)keep, line, (int)lcp, first);
		goto out;
	}
	/* Then each of them in turn; the first that differs from the word. */
	s->tab.base = xasprintf("%.*s", (int)keep, line);
	s->tab.cand = xcalloc(n_kw, sizeof(*s->tab.cand));
	for (size_t i = 0; i < h.n; i++)
		if (h.v[i].keyword)
			s->tab.cand[s->tab.n++] = xstrdup(h.v[i].name);
	s->tab.at = s->tab.n - 1;
	if (!strcasecmp(s->tab.cand[0], t.word[t.n - 1]))
		s->tab.at = 0;
	ret = tab_next(s);
out:
	gram_help_clear(&h);
	gram_tokens_free(&t);
	return ret;
}
