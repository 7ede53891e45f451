/*
 * vty.h: clid's telnet server: VTY lines over TCP in the daemon's loop.
 *
 * Each connection gets a telnet state (libtelnet: the server offers WILL
 * ECHO, WILL SGA and asks DO NAWS, refuses everything else), a line editor,
 * the login dialogue and, once logged in, a cli_session named "VTY n" (the
 * lowest free n below `user-interface maximum-vty`, else cli.max_vty, at
 * most VTY_MAX_SLOTS).  A session that waits for cfgd or ntpd keeps its
 * typeahead and holds no other session up.  Output is queued per connection
 * and flushed when the socket is writable; a queue over VTY_MAX_OUTQ drops
 * the connection.  Extra connections beyond the maximum get an error line
 * and are closed; a connection the line's `protocol inbound` or `acl ACL
 * inbound` refuses is closed before any prompt (access.h).  Idle sessions
 * are closed after the line's idle-timeout (default 10 minutes), fixed at
 * login: a later change applies to the sessions after it.  SSH sessions
 * (ssh.h) are the same connections on a socketpair, without telnet and
 * without the login dialogue (vty_server_adopt).
 */
#ifndef MERIDIAN_VTY_H
#define MERIDIAN_VTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bootstrap;
struct cli_backend;
struct loop;
struct sockaddr;
struct vty_server;

#define VTY_MAX_OUTQ (1024 * 1024)
#define VTY_DEFAULT_MAX 5
#define VTY_MAX_SLOTS 64
/* Connections at the login prompt from one address, at most, once every
 * line is taken (vty.c, "accepting"). */
#define VTY_PREAUTH_PER_SOURCE 3
/* The login prompt waits this long for a login. */
#define VTY_LOGIN_TIMEOUT_US (60ULL * 1000000)
/* The listen(2) backlog (tcp_listen) of the telnet and SSH sockets: deep enough that a
 * burst of connections (a flood) does not make the kernel drop a
 * legitimate client's SYN (its retry comes a second later); clid drains
 * the queue at once, closing what the per-address limit refuses. */
#define VTY_LISTEN_BACKLOG 1024
#define VTY_IDLE_TIMEOUT_US (10ULL * 60 * 1000000)

/* A server with no listening socket yet.  loop, bs and be must outlive it;
 * max_vty and the users come from bs->cli until the configuration (access.h)
 * says otherwise. */
struct vty_server *vty_server_new(struct loop *loop, const struct bootstrap *bs,
				  struct cli_backend *be);
/* Close every connection (their sessions too) and the listening sockets. */
void vty_server_free(struct vty_server *srv);

/* Listen on address (IPv4 or IPv6 literal) and TCP port; port 0 picks an
 * ephemeral port (see vty_server_port).  May be called more than once (up to
 * 4 sockets; an IPv6 socket is IPV6_V6ONLY).  0 or -errno. */
int vty_server_listen(struct vty_server *srv, const char *address, int port);
/* The port the first listening socket is bound to, or -1. */
int vty_server_port(const struct vty_server *srv);

/* `telnet server enable` (the default) or its undo: a disabled server
 * accepts and closes new telnet connections at once; sessions stay, and
 * vty_server_adopt() is not concerned. */
void vty_server_set_telnet(struct vty_server *srv, bool on);

/* Idle timeout in microseconds for connections opened after the call;
 * 0 disables it.  Default VTY_IDLE_TIMEOUT_US. */
void vty_server_set_idle_timeout(struct vty_server *srv, uint64_t usec);

/* A VTY session on one end of a byte stream (a socketpair that ssh.c
 * bridges to an SSH channel): `user` at privilege `level` is already
 * authenticated, so no login dialogue; the bytes are the terminal's as
 * they are (no telnet).  It takes a VTY line like a telnet connection and
 * obeys the line's `protocol inbound` (ssh) and `acl inbound`.  fd is
 * taken (non-blocking) and closed when the session ends.  Returns the
 * session's id for vty_server_set_size(), or 0 when it was refused (fd
 * then closed or closing after an error line). */
uint64_t vty_server_adopt(struct vty_server *srv, int fd, const char *peer,
			  const struct sockaddr *sa, const char *user, unsigned level);
/* The VTY line number of session id, -1 when it holds none (closing or gone). */
int vty_server_line(const struct vty_server *srv, uint64_t id);
/* The terminal size of session id (an SSH pty-req or window-change, as
 * NAWS for telnet); an id that is gone is ignored. */
void vty_server_set_size(struct vty_server *srv, uint64_t id, int width, int height);

/* Connections holding a VTY line (logging in or logged in). */
size_t vty_server_sessions(const struct vty_server *srv);

#endif
