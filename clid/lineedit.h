/*
 * lineedit.h: the server-side line editor of one VTY, independent of sockets.
 *
 * The telnet front end feeds it the bytes the person types (after telnet
 * decoding); it keeps the line being edited, echoes with minimal, portable
 * cursor movement ("\b", "\x1b[K" erase to end of line, re-printed tail),
 * keeps a per-session history and calls back for finished lines, '?' help and
 * TAB completion.  Everything it writes goes through the write callback.
 *
 * Keys: printable ASCII inserts at the cursor (refused with a bell past
 * CLI_MAX_LINE); Backspace (0x08, 0x7f); Delete (ESC [ 3 ~); Left/Right
 * (ESC [ D / ESC [ C, ESC O D / ESC O C, Ctrl-B/Ctrl-F); Home/End (ESC [ H,
 * ESC [ F, ESC [ 1 ~, ESC [ 4 ~, ESC O H/F, Ctrl-A/Ctrl-E); Ctrl-D deletes at
 * the cursor; Ctrl-K kills to the end, Ctrl-U to the start, Ctrl-W the word
 * before the cursor; as VRP binds them, Ctrl-X deletes everything left of
 * the cursor and Ctrl-Y the cursor's character and everything right of it;
 * Esc-B / Esc-F move to the start of the word before / the end of the word
 * after the cursor, Esc-D deletes from the cursor to the end of the word
 * (words are runs of non-blanks; Alt+B/F/D send the same); Up/Down (and
 * Ctrl-P/Ctrl-N) walk the history; Ctrl-C abandons the line; Ctrl-Z runs
 * "return"; CR (followed by LF or NUL, as telnet sends) or LF ends the
 * line.  TAB hands the text before the cursor to on_complete and puts its
 * answer in place, so repeated TABs can cycle through candidates (the
 * engine keeps that state, see cli_complete()).
 *
 * History (struct line_history, shared with the engine's `display
 * history-command`): every line finished in command mode that is not blank,
 * as typed; VRP keeps one copy of a command, so a repeated line moves to
 * the newest place; at most LINEEDIT_HISTORY lines, the oldest dropped.
 */
#ifndef MERIDIAN_LINEEDIT_H
#define MERIDIAN_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#define LINEEDIT_HISTORY 32
#define LINEEDIT_MAX_PROMPT 256

enum lineedit_mode {
	LINEEDIT_COMMAND = 0,   /* echo, history, '?' help and TAB completion */
	LINEEDIT_PLAIN,         /* echo only ('?' and TAB are ordinary characters / ignored) */
	LINEEDIT_SECRET,        /* no echo (passwords) */
	LINEEDIT_OFF,           /* input is ignored (session closing) */
};

struct lineedit_ops {
	/* Terminal output (required). */
	void (*write)(void *arg, const char *buf, size_t len);
	/* A finished line (required).  The editor has echoed "\r\n" and reset
	 * itself; it prints no prompt afterwards: the owner calls
	 * lineedit_start() when it is ready for the next line. */
	void (*on_line)(void *arg, const char *line);
	/* '?' in command mode: the editor has echoed '?'.  `line` is the text
	 * before the cursor.  The callback moves to a fresh line itself before
	 * writing; afterwards the editor redraws prompt and line. */
	void (*on_help)(void *arg, const char *line);
	/* TAB in command mode with the text before the cursor: returns a
	 * malloc'd replacement for that text (the editor frees it) or NULL.
	 * Sets *redraw when it wrote something (starting on a fresh line), so
	 * the editor redraws prompt and line. */
	char *(*on_complete)(void *arg, const char *line, bool *redraw);
	/* Ctrl-C: the editor has echoed "^C" and a line end and dropped the
	 * line; the owner starts the next one (lineedit_start(), perhaps with
	 * another prompt).  NULL: the editor starts it with the same prompt. */
	void (*on_cancel)(void *arg);
};

/* A bounded list of command lines, oldest first (v[0..len)). */
struct line_history {
	char *v[LINEEDIT_HISTORY];
	size_t len;
};
/* Record a finished line: a blank one is ignored, an earlier identical one
 * moves to the end, the oldest goes when full. */
void line_history_add(struct line_history *h, const char *line);
void line_history_clear(struct line_history *h);

struct lineedit;

/* A new editor in LINEEDIT_COMMAND mode with an empty prompt.  ops is copied;
 * on_help/on_complete may be NULL ('?' is then an ordinary character). */
struct lineedit *lineedit_new(const struct lineedit_ops *ops, void *arg);
void lineedit_free(struct lineedit *le);

void lineedit_set_mode(struct lineedit *le, enum lineedit_mode mode);
enum lineedit_mode lineedit_get_mode(const struct lineedit *le);
/* Prompt shown by lineedit_start() and redraws (copied, truncated to
 * LINEEDIT_MAX_PROMPT - 1 bytes). */
void lineedit_set_prompt(struct lineedit *le, const char *prompt);
/* Begin a new line: clears the buffer and writes the prompt. */
void lineedit_start(struct lineedit *le);
/* Write prompt + line again and put the cursor back (on the current line). */
void lineedit_redraw(struct lineedit *le);

/* Process typed bytes.  Never fails: unknown keys and sequences are ignored
 * and over-long lines refused with a bell. */
void lineedit_feed(struct lineedit *le, const char *buf, size_t len);

/* The line being edited (NUL-terminated) and the cursor position. */
const char *lineedit_line(const struct lineedit *le);
size_t lineedit_cursor(const struct lineedit *le);
/* History: number of entries and entry i (0 = oldest), or NULL. */
size_t lineedit_history_len(const struct lineedit *le);
const char *lineedit_history_get(const struct lineedit *le, size_t i);

#endif
