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

/* Output sink: the front end queues bytes to the terminal. */
typedef void (*cli_write_fn)(void *arg, const char *buf, size_t len);

/* What the engine needs from the process: the zmq context and bootstrap, to
 * reach cfgd and ntpd.  One per clid process; sessions share it. */
struct cli_backend *cli_backend_new(void *zctx, const struct bootstrap *bs);
void cli_backend_free(struct cli_backend *be);

/* Open a session for an authenticated user on line `line` (e.g. "VTY 0").
 * Opens a candidate in cfgd.  NULL with a message written to out if cfgd
 * cannot be reached. */
struct cli_session *cli_session_new(struct cli_backend *be, const char *user,
				    const char *line, cli_write_fn out, void *out_arg);
/* Close the session (drops its candidate in cfgd). */
void cli_session_free(struct cli_session *s);
/* The address the session's user connected from (`display users`). */
void cli_session_set_peer(struct cli_session *s, const char *addr);

/* Run one line.  Returns false when the session has ended (`quit` in user
 * view): the front end then closes the connection. */
bool cli_exec(struct cli_session *s, const char *line);
/* '?' typed after `line` (which may end in a space or in a partial word):
 * writes the help listing.  The front end then redraws prompt + line. */
void cli_help(struct cli_session *s, const char *line);
/* TAB after `line`: returns a malloc'd replacement line (completed word and
 * a trailing space when unique), or NULL when nothing can be completed; when
 * several words fit it writes them (like '?') and returns NULL. */
char *cli_complete(struct cli_session *s, const char *line);
/* The prompt for the current view and candidate state, e.g. "[*DeviceC]". */
const char *cli_prompt(struct cli_session *s);
/* True while the engine waits for a Y/N/C answer: the next line is the answer
 * and the prompt is the question's. */
bool cli_awaiting_answer(struct cli_session *s);

#define CLI_MAX_LINE 510

#endif
