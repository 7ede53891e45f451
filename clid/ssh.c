/*
 * ssh.c: clid's SSH server (see ssh.h).
 *
 * libssh does the protocol; we only drive it from the loop.  We listen
 * ourselves (tcp_listen: IPv4, and IPv6 beside the IPv4 wildcard, as
 * telnet) and hand each accepted socket to libssh (ssh_bind_accept_fd);
 * the ssh_bind only holds the host keys and the algorithms, modern ones
 * only (ssh.h), so that a client offering only weak ones fails the key
 * exchange, which is logged with what it offered (kex_failed).  Public
 * keys are checked by access.c against `ssh user` and the peer public keys
 * of the configuration.
 * Each accepted session is non-blocking and, once the key exchange is
 * done, alone in an ssh_event of its own: when its socket is readable (or
 * writable while libssh holds output, ssh_get_poll_flags()'s
 * SSH_WRITE_PENDING) the key exchange is
 * pushed on (ssh_handle_key_exchange() until it stops saying SSH_AGAIN),
 * then ssh_event_dopoll(ev, 0) runs the server and channel callbacks:
 * password authentication, one session channel, pty-req, shell,
 * window-change, data.  Callbacks never free what they run in: they mark
 * the connection dead and the loop callback that called libssh frees it.
 *
 * The shell is a VTY session (vty_server_adopt) on one end of a
 * socketpair; the other end is ours.  Keys typed go from the channel's data
 * callback into the socketpair; what it does not take stays in libssh's
 * channel buffer (the channel's window closes on the client) and is read
 * back with ssh_channel_read_nonblocking() once the socketpair is
 * writable, so a pasted block larger than the socket buffer waits instead
 * of being lost.  The VTY's output is read from the socketpair only while
 * the channel's window is open and libssh has no output waiting, so a
 * client that stops reading slows the VTY down as a telnet client's TCP
 * window does.  When the VTY ends the session (quit, idle timeout) the
 * socketpair says EOF and the channel is closed (exit status 0); when the
 * client goes, the socketpair is closed and the VTY frees the session.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "bootstrap.h"
#include "cli.h"
#include "cmd.h"
#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "pubkey.h"
#include "ssh.h"
#include "tcp.h"
#include "vty.h"

#define SSH_BRIDGE_CHUNK 4096
#define SSH_CLOSE_LINGER_US (5ULL * 1000000)
#define SSH_BRIDGE_SNDBUF 4096

struct ssh_conn {
	struct ssh_server *srv;
	struct ssh_conn *next, *prev;
	ssh_session sess;
	ssh_event ev;
	ssh_channel chan;
	struct ssh_server_callbacks_struct scb;
	struct ssh_channel_callbacks_struct ccb;
	int fd;                         /* the session's socket (libssh's) */
	int bridge;                     /* our end of the VTY's socketpair, -1 */
	bool kex_done, authed, dead, closing;
	int failures;
	int key_offers;                 /* public keys offered (on_auth_pubkey) */
	char user[64];
	unsigned level;
	const char *auth_type;          /* "password", "rsa", "ecc" once authed */
	int width, height;
	uint64_t vty_id;
	uint64_t grace_timer;
	uint64_t last_input_us;         /* for display ssh server session */
	uint64_t opened_us;             /* when it was accepted */
	bool in_blocked;                /* the bridge was full: libssh keeps typed bytes */
	char inpend[SSH_BRIDGE_CHUNK];  /* typed bytes taken from libssh, not yet sent */
	size_t inpend_off, inpend_len;
	char peer[64];                  /* "addr:port" */
	char addr[64];                  /* "addr" */
	struct sockaddr_storage sa;
};

struct ssh_server {
	struct loop *loop;
	const struct bootstrap *bs;
	struct cli_backend *be;
	struct vty_server *vty;
	struct access *own_acc;         /* without a backend: bootstrap users */
	ssh_bind bind;                  /* host keys and algorithms; we listen ourselves */
	int lfd[2];                     /* IPv4 and (listening on 0.0.0.0) IPv6 */
	size_t n_lfd;
	bool v4, v6;
	int port;
	size_t n_conns;
	struct ssh_conn *conns;
	char key_ed25519[PATH_MAX], key_rsa[PATH_MAX];
	unsigned long n_accepted, n_refused, n_auth_failed, n_weak_refused;
	unsigned long n_flood_refused, n_evicted;
};

static bool ssh_inited;

/* ---- host keys ---- */

static int hostkey_make(const char *path, enum ssh_keytypes_e type, int bits,
			char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	ssh_key key = NULL;
	mode_t old;
	int r;

	if (access(path, F_OK) == 0)
		return 0;
	if (errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (ssh_pki_generate(type, bits, &key) != SSH_OK) {
		snprintf(err, errlen, "cannot generate the host key %s", path);
		return -EIO;
	}
	unlink(tmp);
	/* libssh creates the file with fopen(): the umask makes it 0600. */
	old = umask(077);
	r = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, tmp);
	umask(old);
	ssh_key_free(key);
	if (r != SSH_OK) {
		unlink(tmp);
		snprintf(err, errlen, "cannot write the host key %s", tmp);
		return -EIO;
	}
	if (chmod(tmp, 0600) < 0 || rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	log_info("ssh: created the host key %s", path);
	return 0;
}

int ssh_hostkeys_ensure(const char *dir, char *ed25519, char *rsa, size_t len,
			char *err, size_t errlen)
{
	int r;

	if (!ssh_inited) {
		if (ssh_init() != 0) {
			snprintf(err, errlen, "libssh: initialisation failed");
			return -EIO;
		}
		ssh_inited = true;
	}
	if (snprintf(ed25519, len, "%s/%s", dir, SSH_HOSTKEY_ED25519) >= (int)len ||
	    snprintf(rsa, len, "%s/%s", dir, SSH_HOSTKEY_RSA) >= (int)len) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-r));
		return r;
	}
	r = hostkey_make(ed25519, SSH_KEYTYPE_ED25519, 0, err, errlen);
	if (r == 0)
		r = hostkey_make(rsa, SSH_KEYTYPE_RSA, SSH_RSA_BITS, err, errlen);
	return r;
}

/* ---- connections ---- */

static struct access *srv_access(struct ssh_server *srv)
{
	return srv->be ? cli_backend_access(srv->be) : srv->own_acc;
}

static void conn_free(struct ssh_conn *c)
{
	struct ssh_server *srv = c->srv;

	if (c->grace_timer)
		loop_timer_cancel(srv->loop, c->grace_timer);
	if (c->bridge >= 0) {
		loop_del_fd(srv->loop, c->bridge);
		close(c->bridge);
	}
	loop_del_fd(srv->loop, c->fd);
	if (c->ev) {
		ssh_event_remove_session(c->ev, c->sess);
		ssh_event_free(c->ev);
	}
	if (c->authed)
		log_info("ssh: %s (%s) disconnected", c->user, c->peer);
	ssh_disconnect(c->sess);
	ssh_free(c->sess);      /* frees the channel too */
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	free(c);
}

/* Free a dead connection, else poll for what libssh and the bridge need. */
static void conn_settle(struct ssh_conn *c)
{
	int flags;

	if (!c->dead && (ssh_get_status(c->sess) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
		c->dead = true;
	flags = c->dead ? 0 : ssh_get_poll_flags(c->sess);
	if (c->dead) {
		conn_free(c);
		return;
	}
	loop_mod_fd(c->srv->loop, c->fd, POLLIN | ((flags & SSH_WRITE_PENDING) ? POLLOUT : 0));
	if (c->bridge >= 0)
		loop_mod_fd(c->srv->loop, c->bridge,
			    (c->chan && !c->closing && !(flags & SSH_WRITE_PENDING) &&
			     ssh_channel_window_size(c->chan) > 0 ? POLLIN : 0) |
			    (c->in_blocked ? POLLOUT : 0));
}

static void on_grace(struct loop *loop, void *arg);

/* The VTY is done (or its end failed): close the channel, then the
 * connection once that is written. */
static void conn_end_shell(struct ssh_conn *c)
{
	if (c->bridge >= 0) {
		loop_del_fd(c->srv->loop, c->bridge);
		close(c->bridge);
		c->bridge = -1;
	}
	if (c->chan && !c->closing) {
		ssh_channel_request_send_exit_status(c->chan, 0);
		ssh_channel_send_eof(c->chan);
		ssh_channel_close(c->chan);
	}
	/* The client answers with its own close (on_chan_close) and goes;
	 * one that does not is dropped after SSH_CLOSE_LINGER_US. */
	if (!c->closing) {
		c->closing = true;
		if (c->grace_timer)
			loop_timer_cancel(c->srv->loop, c->grace_timer);
		c->grace_timer = loop_timer_add(c->srv->loop, SSH_CLOSE_LINGER_US, on_grace, c);
	}
}

/* VTY output to the channel, as much as the window takes. */
/* The bridge has room again: what libssh kept of the typed bytes goes on,
 * through inpend (taken from libssh, not yet sent), in order. */
static void bridge_push_input(struct ssh_conn *c)
{
	while (c->in_blocked && c->chan && c->bridge >= 0) {
		ssize_t k;

		if (c->inpend_off == c->inpend_len) {
			int n = ssh_channel_read_nonblocking(c->chan, c->inpend, sizeof(c->inpend), 0);

			if (n <= 0) {
				c->in_blocked = false;   /* libssh holds no more */
				break;
			}
			c->inpend_off = 0;
			c->inpend_len = (size_t)n;
		}
		k = send(c->bridge, c->inpend + c->inpend_off, c->inpend_len - c->inpend_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			c->in_blocked = false;   /* the VTY has gone: its EOF follows */
			c->inpend_off = c->inpend_len = 0;
			break;
		}
		c->inpend_off += (size_t)k;
	}
	if (c->inpend_off == c->inpend_len) {
		explicit_bzero(c->inpend, sizeof(c->inpend));
		c->inpend_off = c->inpend_len = 0;
	}
}

static void on_bridge(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh_conn *c = arg;
	char buf[SSH_BRIDGE_CHUNK];
	uint32_t room = c->chan ? ssh_channel_window_size(c->chan) : 0;
	ssize_t n;

	if (revents & POLLOUT)
		bridge_push_input(c);
	if (!(revents & (POLLIN | POLLHUP | POLLERR)) || c->dead || c->bridge < 0) {
		conn_settle(c);
		return;
	}
	if (room == 0) {
		/* A VTY that has gone while the client reads nothing would
		 * wake us for ever (POLLHUP is level-triggered): end it. */
		if (revents & (POLLHUP | POLLERR))
			conn_end_shell(c);
		conn_settle(c);
		return;
	}
	n = read(fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		conn_settle(c);
		return;
	}
	if (n <= 0) {
		conn_end_shell(c);
	} else if (ssh_channel_write(c->chan, buf, (uint32_t)n) != n) {
		/* The window was checked: anything else is a dead session. */
		log_debug("ssh: %s: channel write failed: %s", c->peer, ssh_get_error(c->sess));
		c->dead = true;
	}
	explicit_bzero(buf, sizeof(buf));
	conn_settle(c);
}

static int on_chan_data(ssh_session s, ssh_channel ch, void *data, uint32_t len,
			int is_stderr, void *arg)
{
	struct ssh_conn *c = arg;
	ssize_t n;

	c->last_input_us = loop_now_us();
	if (c->bridge < 0)
		return (int)len;        /* no shell (yet): dropped */
	if (c->in_blocked)
		return 0;               /* bytes wait before these: bridge_push_input() */
	n = send(c->bridge, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return (int)len;    /* the VTY has gone: its EOF follows */
		n = 0;
	}
	/* What the bridge did not take stays in libssh's channel buffer (its
	 * window shrinks, the client slows down) until the bridge has room. */
	if ((uint32_t)n < len)
		c->in_blocked = true;
	return (int)n;
}

static void on_chan_eof(ssh_session s, ssh_channel ch, void *arg)
{
	struct ssh_conn *c = arg;

	/* The client will type no more: the VTY sees EOF and ends. */
	if (c->bridge >= 0)
		shutdown(c->bridge, SHUT_WR);
}

static void on_chan_close(ssh_session s, ssh_channel ch, void *arg)
{
	struct ssh_conn *c = arg;

	c->dead = true;
}

static int on_pty(ssh_session s, ssh_channel ch, const char *term, int width, int height,
		  int pxw, int pxh, void *arg)
{
	struct ssh_conn *c = arg;

	c->width = width;
	c->height = height;
	return SSH_OK;
}

static int on_window_change(ssh_session s, ssh_channel ch, int width, int height,
			    int pxw, int pxh, void *arg)
{
	struct ssh_conn *c = arg;

	c->width = width;
	c->height = height;
	if (c->vty_id)
		vty_server_set_size(c->srv->vty, c->vty_id, width, height);
	return SSH_OK;
}

static int on_shell(ssh_session s, ssh_channel ch, void *arg)
{
	struct ssh_conn *c = arg;
	struct ssh_server *srv = c->srv;
	int sv[2];

	if (c->bridge >= 0 || c->closing)
		return SSH_ERROR;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("ssh: %s: socketpair: %s", c->peer, strerror(errno));
		return SSH_ERROR;
	}
	c->bridge = sv[0];
	/* Typed bytes wait in libssh, not in a large socket buffer: the
	 * client's window closes soon when the VTY does not read (busy). */
	(void)setsockopt(c->bridge, SOL_SOCKET, SO_SNDBUF, &(int){ SSH_BRIDGE_SNDBUF },
			 sizeof(int));
	if (loop_add_fd(srv->loop, c->bridge, POLLIN, on_bridge, c) < 0)
		fatal("ssh: cannot watch fd %d", c->bridge);
	c->vty_id = vty_server_adopt(srv->vty, sv[1], c->peer, (struct sockaddr *)&c->sa,
				     c->user, c->level);
	if (c->vty_id)
		vty_server_set_size(srv->vty, c->vty_id, c->width, c->height);
	return SSH_OK;
}

static ssh_channel on_channel_open(ssh_session s, void *arg)
{
	struct ssh_conn *c = arg;

	if (!c->authed || c->chan)
		return NULL;
	c->chan = ssh_channel_new(s);
	if (!c->chan)
		return NULL;
	ssh_callbacks_init(&c->ccb);
	c->ccb.userdata = c;
	c->ccb.channel_data_function = on_chan_data;
	c->ccb.channel_eof_function = on_chan_eof;
	c->ccb.channel_close_function = on_chan_close;
	c->ccb.channel_pty_request_function = on_pty;
	c->ccb.channel_pty_window_change_function = on_window_change;
	c->ccb.channel_shell_request_function = on_shell;
	ssh_set_channel_callbacks(c->chan, &c->ccb);
	return c->chan;
}

static void auth_granted(struct ssh_conn *c, const char *user, unsigned level,
			 const char *how)
{
	c->authed = true;
	c->level = level;
	c->auth_type = how;
	snprintf(c->user, sizeof(c->user), "%s", user);
	if (c->grace_timer) {
		loop_timer_cancel(c->srv->loop, c->grace_timer);
		c->grace_timer = 0;
	}
	evlog(EV_NOTICE, "SSH", "LOGIN",
	      "The user succeeded in logging in. (UserType=SSH, UserName=%s, "
	      "RemoteIp=%s, VpnName=)", user, c->addr);
	log_info("ssh: %s logged in from %s by %s (level %u)", user, c->peer, how, level);
}

/* A refused login: logged, counted; the connection goes after
 * SSH_MAX_AUTH_FAILURES. */
static void auth_failed(struct ssh_conn *c, const char *user, enum access_verdict v,
			const char *wrong)
{
	bool known = access_user_known(srv_access(c->srv), user);

	c->failures++;
	c->srv->n_auth_failed++;
	evlog(EV_WARNING, "SSH", "LOGINFAILED",
	      "Failed to login. (Ip=%s, UserName=%s, Times=%d, AccessType=SSH, Reason=%s, "
	      "VpnName=)", c->addr, known ? user : "**", c->failures,
	      v == ACCESS_REJECTED ? wrong :
	      v == ACCESS_BLOCKED ? "the user is blocked" :
	      v == ACCESS_STATE_BLOCK ? "the user state is block" :
	      "the service type is not allowed");
	if (c->failures >= SSH_MAX_AUTH_FAILURES)
		c->dead = true;
}

static int on_auth_password(ssh_session s, const char *user, const char *password, void *arg)
{
	struct ssh_conn *c = arg;
	struct access *acc = srv_access(c->srv);
	enum access_verdict v;
	bool blocked_now = false;
	unsigned level = 0;

	if (c->authed || c->dead)
		return SSH_AUTH_DENIED;
	if (!access_ssh_password_allowed(acc, user)) {
		/* `ssh user U authentication-type rsa|ecc`: a key only. */
		v = ACCESS_REJECTED;
	} else {
		v = access_authenticate(acc, user, password, ACCESS_SVC_SSH, loop_now_us(), &level,
					&blocked_now);
	}
	if (v == ACCESS_OK) {
		auth_granted(c, user, level, "password");
		return SSH_AUTH_SUCCESS;
	}
	auth_failed(c, user, v, "wrong user name or password");
	if (blocked_now)
		evlog(EV_WARNING, "AAA", "USERBLOCK",
		      "The user was blocked after too many wrong passwords. (UserName=%s, "
		      "Line=SSH, Ip=%s)", user, c->addr);
	return SSH_AUTH_DENIED;
}

/* A public key offered (state NONE: may it be used?) or proved (VALID:
 * libssh checked the signature).  A probe that is refused is not a
 * failure: clients offer every key they hold in turn. */
static int on_auth_pubkey(ssh_session s, const char *user, struct ssh_key_struct *pubkey,
			  char state, void *arg)
{
	struct ssh_conn *c = arg;
	struct access *acc = srv_access(c->srv);
	enum ssh_keytypes_e t = ssh_key_type(pubkey);
	enum pubkey_kind kind = t == SSH_KEYTYPE_RSA ? PUBKEY_RSA : PUBKEY_ECC;
	enum access_verdict v;
	uint8_t blob[PUBKEY_BLOB_MAX];
	char *b64 = NULL, err[160];
	size_t len;
	unsigned level = 0;
	int r;

	if (c->authed || c->dead)
		return SSH_AUTH_DENIED;
	if (++c->key_offers > SSH_MAX_KEY_OFFERS) {
		/* Offers are free to make, not free to check: a client that
		 * keeps offering keys goes. */
		log_info("ssh: %s offered more than %d keys, disconnecting", c->peer,
			 SSH_MAX_KEY_OFFERS);
		c->dead = true;
		return SSH_AUTH_DENIED;
	}
	if ((t != SSH_KEYTYPE_RSA && t != SSH_KEYTYPE_ECDSA_P256 && t != SSH_KEYTYPE_ECDSA_P384 &&
	     t != SSH_KEYTYPE_ECDSA_P521 && t != SSH_KEYTYPE_ED25519) ||
	    ssh_pki_export_pubkey_base64(pubkey, &b64) != SSH_OK)
		return SSH_AUTH_DENIED;
	/* The wire form, through its base64 (libssh exports no blob). */
	r = pubkey_blob(kind, true, b64, blob, &len, err, sizeof(err));
	ssh_string_free_char(b64);
	if (r < 0)
		return SSH_AUTH_DENIED;
	v = access_authenticate_key(acc, user, kind, blob, len, loop_now_us(), &level);
	if (state == SSH_PUBLICKEY_STATE_NONE)
		return v == ACCESS_OK ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
	if (state == SSH_PUBLICKEY_STATE_VALID && v == ACCESS_OK) {
		auth_granted(c, user, level, kind == PUBKEY_RSA ? "rsa" : "ecc");
		return SSH_AUTH_SUCCESS;
	}
	auth_failed(c, user, v == ACCESS_OK ? ACCESS_REJECTED : v, "wrong public key");
	return SSH_AUTH_DENIED;
}

/* The key exchange failed.  A client with no algorithm in common (one
 * that offers only weak ones) is named with what it offered (libssh's
 * error says "no match for method M: server [...], client [...]"); a
 * client that just went (ssh-keyscan, a scanner) is not worth a warning. */
static void kex_failed(struct ssh_conn *c)
{
	const char *e = ssh_get_error(c->sess);
	const char *banner = ssh_get_clientbanner(c->sess);
	const char *m = e ? strstr(e, "no match for method") : NULL;

	if (!m) {
		log_debug("ssh: %s: key exchange: %s", c->peer, e ? e : "?");
		return;
	}
	c->srv->n_weak_refused++;
	log_warn("ssh: refusing %s (%s): it offers no algorithm allowed here: %s", c->peer,
		 banner ? banner : "no banner", m);
	evlog(EV_WARNING, "SSH", "KEXFAILED",
	      "The SSH client offers no allowed algorithm. (Ip=%s, Client=%s, Reason=%s)",
	      c->addr, banner ? banner : "-", m);
}

/* Push the key exchange on, then run whatever libssh has for us. */
static void conn_run(struct ssh_conn *c)
{
	if (!c->kex_done) {
		int r = ssh_handle_key_exchange(c->sess);

		if (r == SSH_OK) {
			/* The session's poll handle exists once the exchange
			 * is under way: it moves to an event of its own. */
			c->kex_done = true;
			c->ev = ssh_event_new();
			if (!c->ev)
				fatal("ssh: out of memory");
			if (ssh_event_add_session(c->ev, c->sess) != SSH_OK) {
				log_warn("ssh: %s: cannot poll the session", c->peer);
				ssh_event_free(c->ev);
				c->ev = NULL;
				c->dead = true;
				return;
			}
		} else if (r != SSH_AGAIN) {
			kex_failed(c);
			c->dead = true;
			return;
		}
	}
	if (c->kex_done && !c->dead && ssh_event_dopoll(c->ev, 0) == SSH_ERROR &&
	    (ssh_get_status(c->sess) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
		c->dead = true;
}

static void on_conn_fd(struct loop *loop, int fd, short revents, void *arg)
{
	struct ssh_conn *c = arg;

	conn_run(c);
	conn_settle(c);
}

static void on_grace(struct loop *loop, void *arg)
{
	struct ssh_conn *c = arg;

	c->grace_timer = 0;
	if (c->closing)
		log_debug("ssh: %s did not close its channel, disconnecting", c->peer);
	else if (!c->authed)
		log_info("ssh: %s did not authenticate in time, disconnecting", c->peer);
	else
		return;
	c->dead = true;
	conn_settle(c);
}

static void peer_names(struct ssh_conn *c)
{
	socklen_t sl = sizeof(c->sa);
	int port = 0;

	if (getpeername(c->fd, (struct sockaddr *)&c->sa, &sl) < 0)
		memset(&c->sa, 0, sizeof(c->sa));
	tcp_addr_name(&c->sa, c->addr, sizeof(c->addr), &port);
	snprintf(c->peer, sizeof(c->peer), "%.46s:%d", c->addr, port);
}

/* Connections that never authenticate must not keep others out.  Up to
 * SSH_MAX_PREAUTH unauthenticated connections are taken from anyone; past
 * that, a connection from an address that already has
 * SSH_PREAUTH_PER_SOURCE of them is closed as it comes (before libssh sees
 * it), and any other takes the place of the oldest unauthenticated
 * connection from the address holding most (as OpenSSH's MaxStartups drops
 * unauthenticated connections).  Each has SSH_LOGIN_GRACE_US to
 * authenticate.  Authenticated sessions are never dropped for a newcomer. */
static unsigned preauth_from(const struct ssh_server *srv, const char *addr)
{
	unsigned n = 0;

	for (const struct ssh_conn *c = srv->conns; c; c = c->next)
		if (!c->authed && !c->dead && !strcmp(c->addr, addr))
			n++;
	return n;
}

static void preauth_evict(struct ssh_server *srv)
{
	struct ssh_conn *victim = NULL;
	unsigned most = 0;

	for (struct ssh_conn *c = srv->conns; c; c = c->next) {
		unsigned n;

		if (c->authed || c->dead)
			continue;
		n = preauth_from(srv, c->addr);
		if (n > most || (n == most && victim && c->opened_us < victim->opened_us)) {
			most = n;
			victim = c;
		}
	}
	if (!victim)
		return;
	srv->n_evicted++;
	log_info("ssh: %s has not authenticated, its place goes to a new connection",
		 victim->peer);
	conn_free(victim);
}

/* A connection accepted (fd): a libssh session on it, or closed. */
static void conn_accept(struct ssh_server *srv, int fd, const struct sockaddr_storage *ss)
{
	char addr[INET6_ADDRSTRLEN];
	ssh_session s;
	struct ssh_conn *c;
	size_t preauth = 0;
	int port;

	srv->n_accepted++;
	tcp_addr_name(ss, addr, sizeof(addr), &port);
	for (const struct ssh_conn *k = srv->conns; k; k = k->next)
		preauth += !k->authed && !k->dead;
	if (preauth >= SSH_MAX_PREAUTH && preauth_from(srv, addr) >= SSH_PREAUTH_PER_SOURCE) {
		if (srv->n_flood_refused++ % 100 == 0)
			log_warn("ssh: refusing %s: %d connections are not authenticated, %d of them "
				 "from it (%lu refused so)", addr, SSH_MAX_PREAUTH,
				 SSH_PREAUTH_PER_SOURCE, srv->n_flood_refused);
		close(fd);
		return;
	}
	if (preauth >= SSH_MAX_PREAUTH)
		preauth_evict(srv);
	if (srv->n_conns >= SSH_MAX_CONNS) {
		srv->n_refused++;
		log_info("ssh: refusing a connection: %d already", SSH_MAX_CONNS);
		close(fd);
		return;
	}
	s = ssh_new();
	if (!s)
		fatal("ssh: out of memory");
	if (ssh_bind_accept_fd(srv->bind, s, fd) != SSH_OK) {
		log_warn("ssh: cannot start a session: %s", ssh_get_error(srv->bind));
		ssh_free(s);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	c->sess = s;
	c->fd = fd;
	c->bridge = -1;
	c->width = 80;
	c->height = 24;
	c->opened_us = loop_now_us();
	peer_names(c);
	ssh_set_blocking(s, 0);
	ssh_set_auth_methods(s, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_PUBLICKEY);
	ssh_callbacks_init(&c->scb);
	c->scb.userdata = c;
	c->scb.auth_password_function = on_auth_password;
	c->scb.auth_pubkey_function = on_auth_pubkey;
	c->scb.channel_open_request_session_function = on_channel_open;
	ssh_set_server_callbacks(s, &c->scb);
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	if (loop_add_fd(srv->loop, c->fd, POLLIN, on_conn_fd, c) < 0)
		fatal("ssh: cannot watch fd %d", c->fd);
	c->grace_timer = loop_timer_add(srv->loop, SSH_LOGIN_GRACE_US, on_grace, c);
	log_debug("ssh: connection from %s", c->peer);
	conn_run(c);
	conn_settle(c);
}

static void on_listen(struct loop *loop, int lfd, short revents, void *arg)
{
	struct ssh_server *srv = arg;

	for (int i = 0; i < SSH_ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("ssh: accept: %s", strerror(errno));
			return;
		}
		conn_accept(srv, fd, &ss);
	}
}

/* ---- server ---- */

struct ssh_server *ssh_server_new(struct loop *loop, const struct bootstrap *bs,
				  struct cli_backend *be, struct vty_server *vty)
{
	struct ssh_server *srv = xcalloc(1, sizeof(*srv));

	srv->loop = loop;
	srv->bs = bs;
	srv->be = be;
	srv->vty = vty;
	srv->port = -1;
	if (!be)
		srv->own_acc = access_new(bs);
	return srv;
}

void ssh_server_free(struct ssh_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_free(srv->conns);
	ssh_server_stop(srv);
	if (srv->bind)
		ssh_bind_free(srv->bind);
	if (srv->own_acc)
		access_free(srv->own_acc);
	free(srv);
}

/* The algorithms offered: only modern ones (no SHA-1 key exchange or
 * signatures, no CBC, no DSA); a client with nothing in common is refused
 * at the key exchange with a log line naming what it offered. */
static const struct {
	enum ssh_bind_options_e opt;
	const char *list;
} ssh_algorithms[] = {
	{ SSH_BIND_OPTIONS_KEY_EXCHANGE, SSH_KEX_ALGORITHMS },
	{ SSH_BIND_OPTIONS_CIPHERS_C_S, SSH_CIPHERS },
	{ SSH_BIND_OPTIONS_CIPHERS_S_C, SSH_CIPHERS },
	{ SSH_BIND_OPTIONS_HMAC_C_S, SSH_MACS },
	{ SSH_BIND_OPTIONS_HMAC_S_C, SSH_MACS },
	{ SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, SSH_HOSTKEY_ALGORITHMS },
	{ SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, SSH_PUBKEY_ALGORITHMS },
};

/* The ssh_bind that holds the host keys and algorithms (made once). */
static int bind_make(struct ssh_server *srv, char *err, size_t errlen)
{
	int r;

	if (srv->bind)
		return 0;
	if (!srv->key_rsa[0]) {
		r = ssh_hostkeys_ensure(srv->bs->state_dir, srv->key_ed25519, srv->key_rsa,
					sizeof(srv->key_rsa), err, errlen);
		if (r < 0) {
			srv->key_rsa[0] = '\0';
			return r;
		}
	}
	srv->bind = ssh_bind_new();
	if (!srv->bind)
		fatal("ssh: out of memory");
	if (ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_HOSTKEY, srv->key_ed25519) < 0 ||
	    ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_HOSTKEY, srv->key_rsa) < 0) {
		snprintf(err, errlen, "ssh: cannot load the host keys: %s", ssh_get_error(srv->bind));
		goto fail;
	}
	for (size_t i = 0; i < sizeof(ssh_algorithms) / sizeof(ssh_algorithms[0]); i++) {
		if (ssh_bind_options_set(srv->bind, ssh_algorithms[i].opt,
					 ssh_algorithms[i].list) < 0) {
			snprintf(err, errlen, "ssh: libssh refuses the algorithms %s: %s",
				 ssh_algorithms[i].list, ssh_get_error(srv->bind));
			goto fail;
		}
	}
	return 0;
fail:
	ssh_bind_free(srv->bind);
	srv->bind = NULL;
	return -EINVAL;
}

static int listen_on(struct ssh_server *srv, const char *address, int port, bool *fam)
{
	int bound, fd = tcp_listen(address, port, VTY_LISTEN_BACKLOG, &bound);
	int r;

	if (fd < 0)
		return fd;
	r = loop_add_fd(srv->loop, fd, POLLIN, on_listen, srv);
	if (r < 0) {
		close(fd);
		return r;
	}
	srv->lfd[srv->n_lfd++] = fd;
	*fam = true;
	if (srv->port < 0)
		srv->port = bound;
	return 0;
}

int ssh_server_listen(struct ssh_server *srv, const char *address, int port,
		      char *err, size_t errlen)
{
	int r;

	if (srv->n_lfd)
		return -EALREADY;
	if (port < 0 || port > 65535)
		return -EINVAL;
	r = bind_make(srv, err, errlen);
	if (r < 0)
		return r;
	r = listen_on(srv, address, port, strchr(address, ':') ? &srv->v6 : &srv->v4);
	if (r < 0) {
		snprintf(err, errlen, "ssh: cannot listen on %s port %d: %s", address, port,
			 strerror(-r));
		return r;
	}
	/* As telnet (main.c): the IPv4 wildcard brings the IPv6 one. */
	if (!strcmp(address, "0.0.0.0")) {
		r = listen_on(srv, "::", srv->port, &srv->v6);
		if (r < 0)
			log_debug("ssh: no IPv6 listener on port %d: %s", srv->port, strerror(-r));
	}
	return 0;
}

void ssh_server_stop(struct ssh_server *srv)
{
	for (size_t i = 0; i < srv->n_lfd; i++) {
		loop_del_fd(srv->loop, srv->lfd[i]);
		close(srv->lfd[i]);
	}
	srv->n_lfd = 0;
	srv->v4 = srv->v6 = false;
	srv->port = -1;
}

int ssh_server_set(struct ssh_server *srv, bool on, const char *address, int port)
{
	char err[256];
	int r;

	if (srv->n_lfd && (!on || port != srv->port)) {
		log_info("ssh: no longer listening on port %d", srv->port);
		ssh_server_stop(srv);
	}
	if (!on || srv->n_lfd)
		return 0;
	r = ssh_server_listen(srv, address, port, err, sizeof(err));
	if (r < 0)
		log_warn("%s", err);
	else
		log_info("listening for SSH on %s port %d", address, srv->port);
	return r;
}

int ssh_server_port(const struct ssh_server *srv)
{
	return srv->port;
}

size_t ssh_server_conns(const struct ssh_server *srv)
{
	return srv->n_conns;
}

/* ---- displays ---- */

void ssh_server_render_status(const struct ssh_server *srv, struct sbuf *out)
{
	static const char fmt[] = " %-43s: %s\r\n";
	char port[16];

	snprintf(port, sizeof(port), "%d", srv->port >= 0 ? srv->port : 22);
	sbuf_printf(out, fmt, "SSH Version", "2.0");
	sbuf_printf(out, " %-43s: %llu\r\n", "SSH authentication timeout (Seconds)",
		    (unsigned long long)(SSH_LOGIN_GRACE_US / 1000000));
	sbuf_printf(out, " %-43s: %d\r\n", "SSH authentication retries (Times)",
		    SSH_MAX_AUTH_FAILURES);
	sbuf_printf(out, fmt, "SSH server key generating interval (Hours)", "0");
	sbuf_printf(out, fmt, "SSH version 1.x compatibility", "Disable");
	sbuf_printf(out, fmt, "SFTP IPv4 server", "Disable");
	sbuf_printf(out, fmt, "STELNET IPv4 server", srv->v4 ? "Enable" : "Disable");
	sbuf_printf(out, fmt, "STELNET IPv6 server", srv->v6 ? "Enable" : "Disable");
	sbuf_printf(out, fmt, "SCP IPv4 server", "Disable");
	sbuf_printf(out, fmt, "SSH server port", port);
	sbuf_printf(out, " %-43s: %zu\r\n", "SSH connections", srv->n_conns);
	sbuf_printf(out, " %-43s: %lu\r\n", "SSH authentication failures",
		    srv->n_auth_failed);
	sbuf_printf(out, " %-43s: %lu\r\n", "SSH refused for weak algorithms",
		    srv->n_weak_refused);
}

void ssh_server_render_sessions(const struct ssh_server *srv, struct sbuf *out)
{
	static const char rule[] =
		" --------------------------------------------------------------------------------\r\n";
	static const char fmt[] = " %-30s: %s\r\n";
	uint64_t now = loop_now_us();
	unsigned n = 0;

	for (const struct ssh_conn *c = srv->conns; c; c = c->next) {
		char conn[16] = "-", idle[24], port[16];
		uint64_t s;
		int line;

		if (!c->authed || c->dead)
			continue;
		line = c->vty_id ? vty_server_line(srv->vty, c->vty_id) : -1;
		if (line >= 0)
			snprintf(conn, sizeof(conn), "VTY %d", line);
		s = (now - (c->last_input_us ? c->last_input_us : now)) / 1000000;
		snprintf(idle, sizeof(idle), "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
		snprintf(port, sizeof(port), "%d", srv->port >= 0 ? srv->port : 22);
		if (n == 0)
			sbuf_puts(out, rule);
		sbuf_printf(out, " Session %u:\r\n", ++n);
		sbuf_printf(out, fmt, "Conn", conn);
		sbuf_printf(out, fmt, "Version", "2.0");
		sbuf_printf(out, fmt, "State", c->bridge >= 0 ? "started" : "authenticated");
		sbuf_printf(out, fmt, "Username", c->user);
		sbuf_printf(out, " %-30s: %d\r\n", "Retry", c->failures + 1);
		sbuf_printf(out, fmt, "CTOS Cipher", ssh_get_cipher_in(c->sess) ?: "-");
		sbuf_printf(out, fmt, "STOC Cipher", ssh_get_cipher_out(c->sess) ?: "-");
		sbuf_printf(out, fmt, "CTOS Hmac", ssh_get_hmac_in(c->sess) ?: "-");
		sbuf_printf(out, fmt, "STOC Hmac", ssh_get_hmac_out(c->sess) ?: "-");
		sbuf_printf(out, fmt, "Kex", ssh_get_kex_algo(c->sess) ?: "-");
		sbuf_printf(out, fmt, "Service Type", "stelnet");
		sbuf_printf(out, fmt, "Authentication Type", c->auth_type ?: "password");
		sbuf_printf(out, fmt, "Connection Port Number", port);
		sbuf_printf(out, fmt, "Idle Time", idle);
		sbuf_puts(out, rule);
	}
}
