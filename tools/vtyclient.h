/*
 * vtyclient.h: a scripted telnet client for Meridian's VTY (clid), used by
 * the meridian-vty tool and the integration tests.
 *
 * The client speaks just enough telnet (libtelnet): it accepts the server's
 * WILL ECHO and WILL SGA, refuses everything else, and answers DO NAWS with a
 * window of 80 x VTY_DEFAULT_ROWS (vty_set_window() to change it): tall, so
 * clid does not page what a script reads.  A `---- More ----` that comes
 * anyway is answered with a space unless vty_set_auto_more() turned that
 * off (then vty_cmd() stops there and says VTY_MORE; vty_more_keys() and
 * vty_wait() page by hand).  What the server sends is rendered as a terminal would show
 * it (carriage return, backspace, the usual cursor escapes), so the text a
 * caller gets is what a person would read.
 *
 * A command is one line sent with CR LF; its answer is complete when a
 * prompt sits at the end of the received text with no newline after it: a
 * line "<name>" (user view), "[~name]" / "[*name]" (system and deeper
 * views), or a yes/no question ending in "[Y/N]:" or "[Y(yes)/N(no)/C(cancel)]:".
 * Lines must not contain '?' or TAB: the server treats them as help and
 * completion keys.
 *
 * All waits have a deadline (timeout_ms); nothing blocks forever.
 */
#ifndef MERIDIAN_VTYCLIENT_H
#define MERIDIAN_VTYCLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct vty;

/* The window height announced by default (NAWS's largest). */
#define VTY_DEFAULT_ROWS 65535
/* vty_cmd() and vty_wait(): the output stopped at `---- More ----`. */
#define VTY_MORE 1

/* Connect to host:port (numeric IPv4/IPv6 or a name).  With netns non-NULL
 * the socket is created inside /run/netns/NETNS (the calling thread returns
 * to its own namespace afterwards; the socket stays in NETNS).  Returns the
 * session, or NULL with a sentence in err. */
struct vty *vty_connect(const char *netns, const char *host, int port, int timeout_ms,
			char *err, size_t errlen);

/* Answer "Username:" and "Password:" and wait for the first prompt.
 * 0, -EACCES (the server asked for the user name again: wrong
 * credentials), -ETIMEDOUT, or -ECONNRESET (the server closed the
 * connection; vty_transcript() shows what it said). */
int vty_login(struct vty *v, const char *user, const char *password, int timeout_ms);

/* Send one line and wait for the next prompt.  On 0, *output (malloc'd,
 * caller frees; may be NULL when not wanted) holds the lines between the
 * command's echo and the new prompt, each ending in "\n".  -ETIMEDOUT or
 * -ECONNRESET (closed by the server, e.g. after `quit` in user view) still
 * set *output to what arrived.  -EINVAL for a line with CR, LF, '?' or TAB.
 * VTY_MORE (auto_more off): the output stopped at `---- More ----`; *output
 * holds the lines so far and vty_more_keys() goes on. */
int vty_cmd(struct vty *v, const char *line, char **output, int timeout_ms);

/* Type keys as a person would, with no line end (TAB, '?', Ctrl and Esc
 * keys allowed), and wait until the line being edited, as rendered (prompt
 * included, trailing blanks ignored), reads `want`.  0, -ETIMEDOUT (then
 * vty_line() shows what it reads), -ECONNRESET, or -EINVAL for keys with
 * CR or LF (use vty_cmd to end a line). */
int vty_keys(struct vty *v, const char *keys, const char *want, int timeout_ms);
/* The line being edited as rendered, trailing blanks dropped (malloc'd). */
char *vty_line(const struct vty *v);
/* The window announced to the server: now if it asked already (NAWS), else
 * when it asks.  Call before vty_login() for the first command to see it. */
void vty_set_window(struct vty *v, int cols, int rows);
/* Answer `---- More ----` with a space (on, the default), or stop there. */
void vty_set_auto_more(struct vty *v, bool on);
/* Send keys as they are (line ends allowed), without waiting: the answer
 * to a More prompt.  0 or a negative errno. */
int vty_more_keys(struct vty *v, const char *keys, size_t len);
/* Wait after vty_more_keys() until the server shows a prompt (0) or a new More
 * prompt (VTY_MORE); *output (malloc'd, may be NULL when not wanted) holds
 * the lines completed since the keys.  -ETIMEDOUT, -ECONNRESET. */
int vty_wait(struct vty *v, char **output, int timeout_ms);

/* Wait, reading, until `needle` is in the transcript past its first `from`
 * bytes and, when `tail` is not NULL, the unfinished line ends with `tail`
 * (text that arrives by itself: `terminal monitor`).  0, -ETIMEDOUT or
 * -ECONNRESET. */
int vty_wait_text(struct vty *v, size_t from, const char *needle, const char *tail,
		  int timeout_ms);

/* The current prompt ("<HUAWEI>", "[~DeviceC]", a Y/N question), "" if none. */
const char *vty_prompt(const struct vty *v);
/* The echo of the last command as rendered (prompt and command, lines joined
 * with "\n"): columns in it match the caret lines of error messages. */
const char *vty_echo(const struct vty *v);
/* True once the server has closed the connection. */
bool vty_closed(const struct vty *v);
/* Everything rendered so far (login included), lines ending in "\n", plus the
 * current unfinished line.  Owned by v. */
const char *vty_transcript(const struct vty *v);

/* Close the connection and free v (NULL is fine). */
void vty_close(struct vty *v);

/* True if `line` (trailing blanks ignored) is a VTY prompt or a Y/N question. */
bool vty_is_prompt(const char *line);

#endif
