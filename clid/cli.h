/*
 * cli.h: the command-line engine of one VTY session, independent of telnet.
 *
 * The telnet front end (vty.c, lineedit.c) owns the socket, the option
 * negotiation, line editing and login; for everything a person types after
 * login it calls this engine:
 *   - cli_exec() for a finished line (Enter),
 *   - cli_help() when '?' is typed (the line so far stays in the editor),
 *   - cli_complete() for TAB,
 *   - cli_prompt() for the prompt to show.
 * The engine writes text through the session's output callback with "\r\n"
 * line ends, never to the socket directly.  It talks to cfgd (edits, commit,
 * running/candidate) and ntpd (displays) through struct cli_backend.
 *
 * A session never blocks the process: a line that needs an answer from
 * cfgd or ntpd makes cli_exec() return CLI_BUSY, and the session waits
 * (see cfgcall.c) while the loop serves everyone else.  Until the done
 * callback says the session is ready again, the front end gives it no
 * input: what the user types meanwhile is kept and run afterwards, in
 * order.
 *
 * Views: user view "<sysname>", system view "[~sysname]" / "[*sysname]",
 * interface view "[~sysname-GigabitEthernet0/1/0]".  '~' means the
 * candidate equals running, '*' that it holds uncommitted changes.
 */
#ifndef MERIDIAN_CLI_H
#define MERIDIAN_CLI_H

#include <stdbool.h>
#include <stddef.h>

struct bootstrap;
struct cli_backend;
struct cli_session;

struct loop;

/* Output sink: the front end queues bytes to the terminal. */
typedef void (*cli_write_fn)(void *arg, const char *buf, size_t len);
/* A busy session is ready again (with the output callback's arg): the front
 * end checks cli_ended(), shows the prompt and feeds the typeahead.  Called
 * from the loop; the engine does not touch the session after it, so the
 * callback may free it. */
typedef void (*cli_done_fn)(void *arg);

/* Pipelining (optional).  A line that only edits the candidate is sent to
 * cfgd without waiting for its answer, so a pasted block flows; but its
 * error must show right after that line.  hold() says: the current line
 * ends here and its result comes later, so keep whatever is written from
 * now on (echo, later lines' output), and show no prompt for it; release()
 * comes once per hold(), in order, with the held line's result (its error,
 * if any, and the prompt after it, which depends on the result) to show
 * where that line ended, and lets the kept output go up to the next held
 * line.  While results are outstanding every line ends with a hold, so
 * every prompt reflects the results before it.  Both get the output
 * callback's arg and come from cli_exec() or from the loop. */
typedef void (*cli_hold_fn)(void *arg);
typedef void (*cli_release_fn)(void *arg, const char *text, size_t len);

/* What cli_exec() says; CLI_ENDED is 0, so "still open" reads as true. */
enum cli_status { CLI_ENDED = 0, CLI_DONE = 1, CLI_BUSY = 2 };

/* What the engine needs from the process: the zmq context, the loop and
 * bootstrap, to reach cfgd and ntpd.  One per clid process; sessions share
 * it.  NULL with errno set and a sentence in err, as every daemon core's
 * constructor (daemon.h). */
struct cli_backend *cli_backend_new(void *zctx, struct loop *loop, const struct bootstrap *bs,
				    char *err, size_t errlen);
void cli_backend_free(struct cli_backend *be);

/* Open a session for an authenticated user on line `line` (e.g. "VTY 0"):
 * opens a candidate in cfgd.  When cfgd answered at once: the session, or
 * NULL with a message written to out if cfgd could not be reached.  Else
 * the session is busy opening (cli_busy()): the done callback tells when,
 * and cli_ended() whether it failed. */
struct cli_session *cli_session_new(struct cli_backend *be, const char *user,
				    const char *line, cli_write_fn out, void *out_arg);
/* The privilege level (0..15) the user logged in with; a new session has
 * 15.  Below ACCESS_LEVEL_CONFIGURE (3) only `display` commands, leaving
 * (quit, return) and the terminal's own settings run; anything else is
 * refused as an unknown command, as VRP does for commands above a
 * user's level. */
void cli_session_set_level(struct cli_session *s, unsigned level);
/* clid's access configuration (access.h) kept by the backend, or NULL
 * (a backend on custom ops: only the bootstrap's users). */
struct access *cli_backend_access(struct cli_backend *be);
/* The callback for a busy session becoming ready (NULL: none). */
void cli_session_on_done(struct cli_session *s, cli_done_fn done);
/* Let the session pipeline its edits (see cli_hold_fn); without it every
 * edit is waited for.  The done callback may then also come without a
 * cli_exec() having said CLI_BUSY (the session replayed edits a restarted
 * cfgd had lost): the front end then only feeds the typeahead. */
void cli_session_on_pipeline(struct cli_session *s, cli_hold_fn hold, cli_release_fn release);
/* Asynchronous output (`terminal monitor`): text ("\r\n" line ends) that
 * arrives while the session may be at its prompt with a line half typed;
 * the front end shows it without disturbing that line (VRP: the text on
 * lines of its own, then the prompt and the line again).  NULL: none. */
typedef void (*cli_async_fn)(void *arg, const char *text, size_t len);
void cli_session_on_async(struct cli_session *s, cli_async_fn fn);
/* True while the session waits for cfgd or ntpd. */
bool cli_busy(const struct cli_session *s);
/* True once the session has ended (quit, or it could not open). */
bool cli_ended(const struct cli_session *s);
/* Close the session (drops its candidate in cfgd), busy or not: a call it
 * waits for is abandoned, and nothing more is written. */
void cli_session_free(struct cli_session *s);
/* The address the session's user connected from (`display users`). */
void cli_session_set_peer(struct cli_session *s, const char *addr);
/* The session came over SSH, not telnet (`display users` says SSH). */
void cli_session_set_ssh(struct cli_session *s, bool ssh);

/* Read the settings of the session's VTY line from the running
 * configuration (the configured screen-length), without making the session
 * busy: they apply once the answer is in.  The telnet front end calls it
 * at login. */
void cli_session_read_settings(struct cli_session *s);
/* Rows per page: `screen-length N temporary`, else the VTY line's
 * configured screen-length, else -1 (the terminal's height decides).  0:
 * no paging. */
int cli_screen_length(const struct cli_session *s);
/* True while the line running asked for `| no-more`. */
bool cli_no_more(const struct cli_session *s);

/* Run one line (never while busy).  CLI_ENDED when the session has ended
 * (`quit` in user view): the front end then closes the connection;
 * CLI_BUSY while it waits for an answer (the done callback follows). */
enum cli_status cli_exec(struct cli_session *s, const char *line);
/* Ctrl-C: abandons the question the session waits on an answer to (VRP);
 * true when there was one. */
bool cli_cancel(struct cli_session *s);
/* Ctrl-C while the session is busy: a command that can be interrupted
 * (ping, tracert) stops at its next step and prints what it must (its
 * statistics).  Only sets a flag: nothing runs from here.  True when the
 * running command takes it (the key is then no typeahead). */
bool cli_interrupt(struct cli_session *s);
/* Whether the session runs a command cli_interrupt() would stop: the front
 * end then keeps reading input while the session is busy, to see Ctrl-C. */
bool cli_interruptible(const struct cli_session *s);
/* '?' typed after `line` (which may end in a space or in a partial word):
 * writes the help listing.  The front end then redraws prompt + line. */
void cli_help(struct cli_session *s, const char *line);
/* TAB after `line`: returns a malloc'd replacement line (completed word and
 * a trailing space when unique; when several keywords fit, their common
 * prefix, then on each further TAB the next of them in the word's place),
 * or NULL when nothing can be completed; after blank space with several
 * words possible it writes them (like '?') and returns NULL. */
char *cli_complete(struct cli_session *s, const char *line);
/* The prompt for the current view and candidate state, e.g. "[*DeviceC]". */
const char *cli_prompt(struct cli_session *s);
/* True while the engine waits for a Y/N/C answer: the next line is the answer
 * and the prompt is the question's. */
bool cli_awaiting_answer(struct cli_session *s);

#define CLI_MAX_LINE 510

#endif
