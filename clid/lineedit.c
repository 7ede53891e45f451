/*
 * lineedit.c: server-side line editing for a VTY (see lineedit.h).
 *
 * The line lives in a fixed buffer of CLI_MAX_LINE bytes; the cursor is an
 * index into it.  Echo assumes the terminal cursor sits on the input line at
 * the editor's cursor: moving left is "\b", moving right re-prints the
 * character, and changes re-print the tail followed by "\x1b[K" and enough
 * "\b" to come back.  Replacing the whole line (history, completion, Ctrl-U)
 * goes back to the start of the input and re-prints it.  Escape sequences
 * are parsed by a small state machine with a bounded parameter buffer, so no
 * input can make it grow or loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lineedit.h"
#include "log.h"

enum esc_state { ESC_NONE = 0, ESC_ESC, ESC_CSI, ESC_SS3 };

#define CSI_PARAM_MAX 8

struct lineedit {
	struct lineedit_ops ops;
	void *arg;
	enum lineedit_mode mode;
	char prompt[LINEEDIT_MAX_PROMPT];

	char buf[CLI_MAX_LINE + 1];
	size_t len;
	size_t cursor;

	/* Input decoding. */
	enum esc_state esc;
	char csi_param[CSI_PARAM_MAX];
	size_t csi_plen;
	bool csi_overflow;
	bool after_cr;          /* swallow the LF or NUL after a CR */

	/* History; hist_pos == hist.len means the line being typed. */
	struct line_history hist;
	size_t hist_pos;
	char *saved;            /* the line being typed while browsing history */
};

/* ---- output helpers ---- */

static bool echo_on(const struct lineedit *le)
{
	return le->mode == LINEEDIT_COMMAND || le->mode == LINEEDIT_PLAIN;
}

static void out(struct lineedit *le, const char *s, size_t n)
{
	if (n > 0)
		le->ops.write(le->arg, s, n);
}

static void outs(struct lineedit *le, const char *s)
{
	out(le, s, strlen(s));
}

/* Echo only when the mode shows what is typed. */
static void echo(struct lineedit *le, const char *s, size_t n)
{
	if (echo_on(le))
		out(le, s, n);
}

static void echo_back(struct lineedit *le, size_t n)
{
	static const char bs[32] = "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b"
				   "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b";

	while (n > 0) {
		size_t k = n < sizeof(bs) ? n : sizeof(bs);

		echo(le, bs, k);
		n -= k;
	}
}

static void bell(struct lineedit *le)
{
	if (le->mode != LINEEDIT_OFF)
		out(le, "\a", 1);
}

/* Re-print from the cursor to the end, erase what is left of the old line,
 * and come back to the cursor. */
static void echo_tail(struct lineedit *le)
{
	echo(le, le->buf + le->cursor, le->len - le->cursor);
	echo(le, "\x1b[K", 3);
	echo_back(le, le->len - le->cursor);
}

/* Replace the whole line with text[0..n) and put the cursor at `cursor`. */
static void replace_line(struct lineedit *le, const char *text, size_t n, size_t cursor)
{
	if (n > CLI_MAX_LINE)
		n = CLI_MAX_LINE;
	if (cursor > n)
		cursor = n;
	echo_back(le, le->cursor);
	memmove(le->buf, text, n);
	le->buf[n] = '\0';
	le->len = n;
	le->cursor = 0;
	echo(le, le->buf, n);
	echo(le, "\x1b[K", 3);
	echo_back(le, n - cursor);
	le->cursor = cursor;
}

static void reset_line(struct lineedit *le)
{
	le->len = 0;
	le->cursor = 0;
	le->buf[0] = '\0';
	le->hist_pos = le->hist.len;
	free(le->saved);
	le->saved = NULL;
}

/* ---- public basics ---- */

struct lineedit *lineedit_new(const struct lineedit_ops *ops, void *arg)
{
	struct lineedit *le = xcalloc(1, sizeof(*le));

	le->ops = *ops;
	le->arg = arg;
	le->mode = LINEEDIT_COMMAND;
	return le;
}

void lineedit_free(struct lineedit *le)
{
	if (!le)
		return;
	line_history_clear(&le->hist);
	free(le->saved);
	free(le);
}

void lineedit_set_mode(struct lineedit *le, enum lineedit_mode mode)
{
	le->mode = mode;
}

enum lineedit_mode lineedit_get_mode(const struct lineedit *le)
{
	return le->mode;
}

void lineedit_set_prompt(struct lineedit *le, const char *prompt)
{
	snprintf(le->prompt, sizeof(le->prompt), "%s", prompt ? prompt : "");
}

void lineedit_start(struct lineedit *le)
{
	reset_line(le);
	if (le->mode != LINEEDIT_OFF)
		outs(le, le->prompt);
}

void lineedit_redraw(struct lineedit *le)
{
	if (le->mode == LINEEDIT_OFF)
		return;
	outs(le, le->prompt);
	echo(le, le->buf, le->len);
	echo_back(le, le->len - le->cursor);
}

const char *lineedit_line(const struct lineedit *le)
{
	return le->buf;
}

size_t lineedit_cursor(const struct lineedit *le)
{
	return le->cursor;
}

size_t lineedit_history_len(const struct lineedit *le)
{
	return le->hist.len;
}

const char *lineedit_history_get(const struct lineedit *le, size_t i)
{
	return i < le->hist.len ? le->hist.v[i] : NULL;
}

/* ---- editing actions ---- */

static void do_insert(struct lineedit *le, char c)
{
	if (le->len >= CLI_MAX_LINE) {
		bell(le);
		return;
	}
	memmove(le->buf + le->cursor + 1, le->buf + le->cursor, le->len - le->cursor);
	le->buf[le->cursor] = c;
	le->len++;
	le->buf[le->len] = '\0';
	/* Print the new character and the tail, then come back. */
	echo(le, le->buf + le->cursor, le->len - le->cursor);
	le->cursor++;
	echo_back(le, le->len - le->cursor);
}

static void do_backspace(struct lineedit *le)
{
	if (le->cursor == 0)
		return;
	memmove(le->buf + le->cursor - 1, le->buf + le->cursor, le->len - le->cursor);
	le->cursor--;
	le->len--;
	le->buf[le->len] = '\0';
	echo(le, "\b", 1);
	echo_tail(le);
}

static void do_delete(struct lineedit *le)
{
	if (le->cursor >= le->len)
		return;
	memmove(le->buf + le->cursor, le->buf + le->cursor + 1, le->len - le->cursor - 1);
	le->len--;
	le->buf[le->len] = '\0';
	echo_tail(le);
}

static void do_left(struct lineedit *le)
{
	if (le->cursor == 0)
		return;
	le->cursor--;
	echo(le, "\b", 1);
}

static void do_right(struct lineedit *le)
{
	if (le->cursor >= le->len)
		return;
	echo(le, le->buf + le->cursor, 1);
	le->cursor++;
}

static void do_home(struct lineedit *le)
{
	echo_back(le, le->cursor);
	le->cursor = 0;
}

static void do_end(struct lineedit *le)
{
	echo(le, le->buf + le->cursor, le->len - le->cursor);
	le->cursor = le->len;
}

static void do_kill_end(struct lineedit *le)
{
	le->len = le->cursor;
	le->buf[le->len] = '\0';
	echo(le, "\x1b[K", 3);
}

static void do_kill_start(struct lineedit *le)
{
	char tmp[CLI_MAX_LINE + 1];
	size_t n = le->len - le->cursor;

	memcpy(tmp, le->buf + le->cursor, n);
	replace_line(le, tmp, n, 0);
}

static void do_kill_word(struct lineedit *le)
{
	char tmp[CLI_MAX_LINE + 1];
	size_t start = le->cursor;

	while (start > 0 && le->buf[start - 1] == ' ')
		start--;
	while (start > 0 && le->buf[start - 1] != ' ')
		start--;
	if (start == le->cursor)
		return;
	memcpy(tmp, le->buf, start);
	memcpy(tmp + start, le->buf + le->cursor, le->len - le->cursor);
	replace_line(le, tmp, start + le->len - le->cursor, start);
}

/* Words are runs of non-blank characters, as the grammar splits them. */
static size_t word_start_before(const struct lineedit *le, size_t at)
{
	while (at > 0 && le->buf[at - 1] == ' ')
		at--;
	while (at > 0 && le->buf[at - 1] != ' ')
		at--;
	return at;
}

static size_t word_end_after(const struct lineedit *le, size_t at)
{
	while (at < le->len && le->buf[at] == ' ')
		at++;
	while (at < le->len && le->buf[at] != ' ')
		at++;
	return at;
}

/* Esc-B: to the start of this word, or of the one before. */
static void do_word_back(struct lineedit *le)
{
	size_t to = word_start_before(le, le->cursor);

	echo_back(le, le->cursor - to);
	le->cursor = to;
}

/* Esc-F: to the end of this word, or of the one after. */
static void do_word_forward(struct lineedit *le)
{
	size_t to = word_end_after(le, le->cursor);

	echo(le, le->buf + le->cursor, to - le->cursor);
	le->cursor = to;
}

/* Esc-D: delete from the cursor to the end of this word (or the next). */
static void do_delete_word(struct lineedit *le)
{
	size_t to = word_end_after(le, le->cursor);

	if (to == le->cursor)
		return;
	memmove(le->buf + le->cursor, le->buf + to, le->len - to);
	le->len -= to - le->cursor;
	le->buf[le->len] = '\0';
	echo_tail(le);
}

/* ---- history ---- */

void line_history_add(struct line_history *h, const char *line)
{
	if (line[strspn(line, " ")] == '\0')
		return;             /* a blank line is no command */
	/* VRP keeps one copy of a command: the latest. */
	for (size_t i = 0; i < h->len; i++) {
		if (strcmp(h->v[i], line) == 0) {
			char *same = h->v[i];

			memmove(h->v + i, h->v + i + 1, (h->len - i - 1) * sizeof(h->v[0]));
			h->v[h->len - 1] = same;
			return;
		}
	}
	if (h->len == LINEEDIT_HISTORY) {
		free(h->v[0]);
		memmove(h->v, h->v + 1, (LINEEDIT_HISTORY - 1) * sizeof(h->v[0]));
		h->len--;
	}
	h->v[h->len++] = xstrdup(line);
}

void line_history_clear(struct line_history *h)
{
	for (size_t i = 0; i < h->len; i++)
		free(h->v[i]);
	h->len = 0;
}

static void do_history(struct lineedit *le, int dir)
{
	const char *text;

	if (le->mode != LINEEDIT_COMMAND)
		return;
	if (dir < 0) {
		if (le->hist_pos == 0)
			return;
		if (le->hist_pos == le->hist.len) {
			free(le->saved);
			le->saved = xstrdup(le->buf);
		}
		le->hist_pos--;
		text = le->hist.v[le->hist_pos];
	} else {
		if (le->hist_pos >= le->hist.len)
			return;
		le->hist_pos++;
		text = le->hist_pos == le->hist.len ? (le->saved ? le->saved : "") :
			le->hist.v[le->hist_pos];
	}
	replace_line(le, text, strlen(text), strlen(text));
}

static void finish_line(struct lineedit *le, const char *line, bool remember)
{
	char tmp[CLI_MAX_LINE + 1];
	bool secret = le->mode == LINEEDIT_SECRET;

	snprintf(tmp, sizeof(tmp), "%s", line);
	if (le->mode != LINEEDIT_OFF)
		outs(le, "\r\n");
	if (remember && le->mode == LINEEDIT_COMMAND)
		line_history_add(&le->hist, tmp);
	if (secret)
		explicit_bzero(le->buf, sizeof(le->buf));
	reset_line(le);
	le->ops.on_line(le->arg, tmp);
	/* Do not leave a password on the stack. */
	if (secret)
		explicit_bzero(tmp, sizeof(tmp));
}

static void do_cancel(struct lineedit *le)
{
	echo(le, "^C", 2);
	outs(le, "\r\n");
	if (le->ops.on_cancel) {
		reset_line(le);
		le->ops.on_cancel(le->arg);
	} else {
		lineedit_start(le);
	}
}

static void do_help(struct lineedit *le)
{
	char tmp[CLI_MAX_LINE + 1];

	memcpy(tmp, le->buf, le->cursor);
	tmp[le->cursor] = '\0';
	echo(le, "?", 1);
	le->ops.on_help(le->arg, tmp);
	lineedit_redraw(le);
}

static void do_complete(struct lineedit *le)
{
	char tmp[CLI_MAX_LINE + 1];
	bool redraw = false;
	char *r;

	memcpy(tmp, le->buf, le->cursor);
	tmp[le->cursor] = '\0';
	r = le->ops.on_complete(le->arg, tmp, &redraw);
	if (r) {
		size_t rn = strlen(r), tail = le->len - le->cursor;

		if (rn + tail > CLI_MAX_LINE) {
			bell(le);
		} else {
			memcpy(tmp, r, rn);
			memcpy(tmp + rn, le->buf + le->cursor, tail);
			if (redraw) {
				/* The terminal is on a fresh line: rebuild silently. */
				memcpy(le->buf, tmp, rn + tail);
				le->len = rn + tail;
				le->buf[le->len] = '\0';
				le->cursor = rn;
			} else {
				replace_line(le, tmp, rn + tail, rn);
			}
		}
		free(r);
	}
	if (redraw)
		lineedit_redraw(le);
}

/* ---- input decoding ---- */

static void dispatch_final(struct lineedit *le, char final, const char *param, size_t plen)
{
	switch (final) {
	case 'A': do_history(le, -1); break;
	case 'B': do_history(le, +1); break;
	case 'C': do_right(le); break;
	case 'D': do_left(le); break;
	case 'H': do_home(le); break;
	case 'F': do_end(le); break;
	case '~':
		if (plen == 1 && (param[0] == '1' || param[0] == '7'))
			do_home(le);
		else if (plen == 1 && (param[0] == '4' || param[0] == '8'))
			do_end(le);
		else if (plen == 1 && param[0] == '3')
			do_delete(le);
		break;
	default:
		break;
	}
}

static void normal_byte(struct lineedit *le, unsigned char c)
{
	bool cmd = le->mode == LINEEDIT_COMMAND;

	switch (c) {
	case 0x01: do_home(le); break;            /* Ctrl-A */
	case 0x02: do_left(le); break;            /* Ctrl-B */
	case 0x03: do_cancel(le); break;          /* Ctrl-C */
	case 0x04: do_delete(le); break;          /* Ctrl-D */
	case 0x05: do_end(le); break;             /* Ctrl-E */
	case 0x06: do_right(le); break;           /* Ctrl-F */
	case 0x08: case 0x7f: do_backspace(le); break;
	case 0x09:                                /* TAB */
		if (cmd && le->ops.on_complete)
			do_complete(le);
		break;
	case 0x0a:                                /* LF */
		finish_line(le, le->buf, true);
		break;
	case 0x0d:                                /* CR */
		le->after_cr = true;
		finish_line(le, le->buf, true);
		break;
	case 0x0b: do_kill_end(le); break;        /* Ctrl-K */
	case 0x0c:                                /* Ctrl-L */
		if (le->mode != LINEEDIT_OFF)
			outs(le, "\r\n");
		lineedit_redraw(le);
		break;
	case 0x0e: do_history(le, +1); break;     /* Ctrl-N */
	case 0x10: do_history(le, -1); break;     /* Ctrl-P */
	case 0x15: do_kill_start(le); break;      /* Ctrl-U */
	case 0x17: do_kill_word(le); break;       /* Ctrl-W */
	case 0x18: do_kill_start(le); break;      /* Ctrl-X: all left of the cursor */
	case 0x19: do_kill_end(le); break;        /* Ctrl-Y: the cursor's character on */
	case 0x1a:                                /* Ctrl-Z */
		if (cmd) {
			reset_line(le);
			finish_line(le, "return", false);
		}
		break;
	case 0x1b:
		le->esc = ESC_ESC;
		break;
	case '?':
		if (cmd && le->ops.on_help)
			do_help(le);
		else
			do_insert(le, (char)c);
		break;
	default:
		if (c >= 0x20 && c < 0x7f)
			do_insert(le, (char)c);
		/* Other control characters and non-ASCII bytes are ignored. */
		break;
	}
}

static void feed_byte(struct lineedit *le, unsigned char c)
{
	if (le->after_cr) {
		le->after_cr = false;
		if (c == '\n' || c == '\0')
			return;
	}
	switch (le->esc) {
	case ESC_ESC:
		if (c == '[') {
			le->esc = ESC_CSI;
			le->csi_plen = 0;
			le->csi_overflow = false;
			return;
		}
		if (c == 'O') {
			le->esc = ESC_SS3;
			return;
		}
		if (c == 0x1b)
			return;
		le->esc = ESC_NONE;
		if (c >= 0x20) {
			/* Esc-B, Esc-F, Esc-D (also what Alt sends); other
			 * Alt+key ignored. */
			switch (c) {
			case 'b': case 'B': do_word_back(le); break;
			case 'f': case 'F': do_word_forward(le); break;
			case 'd': case 'D': do_delete_word(le); break;
			default: break;
			}
			return;
		}
		break;                  /* a control character: handle it */
	case ESC_CSI:
		if (c >= 0x30 && c <= 0x3f) {
			if (le->csi_plen < CSI_PARAM_MAX)
				le->csi_param[le->csi_plen++] = (char)c;
			else
				le->csi_overflow = true;
			return;
		}
		if (c >= 0x20 && c <= 0x2f)
			return;         /* intermediate bytes */
		le->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e) {
			if (!le->csi_overflow)
				dispatch_final(le, (char)c, le->csi_param, le->csi_plen);
			return;
		}
		break;                  /* aborted by another byte: handle it */
	case ESC_SS3:
		le->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e) {
			dispatch_final(le, (char)c, NULL, 0);
			return;
		}
		break;
	case ESC_NONE:
		break;
	}
	normal_byte(le, c);
}

void lineedit_feed(struct lineedit *le, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (le->mode == LINEEDIT_OFF)
			return;
		feed_byte(le, (unsigned char)buf[i]);
	}
}
