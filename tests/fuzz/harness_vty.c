/*
 * harness_vty.c: one telnet connection per input to clid's VTY server in
 * the harness's loop; the invariants of harness_vty.h.
 *
 * The loop is driven by a zero-delay timer (the "turn"): each turn reads
 * whatever the server sent, writes the next slice of the input and asks
 * whether anything is still moving: the client received or sent something,
 * or the server's end of the connection holds unread bytes (FIONREAD on
 * it: the harness finds that socket among its own fds by its addresses).
 * Loopback TCP delivers within the sender's system call, so three quiet
 * turns in a row mean the server has nothing left to do.
 *
 * fuzz_login_one() (the login path) drives the same server with a login
 * dialogue cut into fields, or checks an SSH public key's text.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backend.h"
#include "bootstrap.h"
#include "cli.h"
#include "fake_backend.h"
#include "harness_vty.h"
#include "log.h"
#include "loop.h"
#include "pubkey.h"
#include "vty.h"

#define SLICE 256                /* input bytes written per turn */
#define KEEP_OUT (64 * 1024)     /* output kept for the prompt check */

enum tn_state { TN_DATA, TN_IAC, TN_OPT, TN_SB, TN_SB_IAC, TN_BAD };

struct pump {
	int cfd, sfd;
	struct sockaddr_in local, remote;   /* the client's addresses */
	const uint8_t *in;
	size_t in_len, in_off;
	bool eof;                 /* the server closed its side */
	int quiet, turns;
	bool livelock;
	enum tn_state tn;
	uint8_t bad[2];           /* the IAC and the byte after it, when TN_BAD */
	char out[KEEP_OUT];
	size_t out_len;
};

static struct {
	bool ready;
	struct bootstrap bs;
	struct loop *loop;
	struct cli_backend *be;
	struct vty_server *srv;
	int port;
	struct pump p;
} H;

struct fuzz_vty_stats fuzz_vty_stats;

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static void harness_init(void)
{
	struct crypt_data cd;
	const char *hash;

	if (H.ready)
		return;
	log_init("fuzz_vty", LOG_LVL_ERR);
	bootstrap_defaults(&H.bs);
	memset(&cd, 0, sizeof(cd));
	hash = crypt_r(FUZZ_VTY_PASSWORD, "$1$fuzzsalt$", &cd);
	if (!hash || hash[0] == '*')
		abort();
	H.bs.cli.users = xcalloc(1, sizeof(*H.bs.cli.users));
	H.bs.cli.users[0].name = xstrdup(FUZZ_VTY_USER);
	H.bs.cli.users[0].password_hash = xstrdup(hash);
	H.bs.cli.n_users = 1;
	H.loop = loop_new();
	H.be = fake_backend_new();
	H.srv = vty_server_new(H.loop, &H.bs, H.be);
	if (!H.loop || !H.srv)
		abort();
	vty_server_set_idle_timeout(H.srv, 0);
	if (vty_server_listen(H.srv, "127.0.0.1", 0) < 0)
		abort();
	H.port = vty_server_port(H.srv);
	H.ready = true;
}

void fuzz_vty_cleanup(void)
{
	if (!H.ready)
		return;
	vty_server_free(H.srv);
	cli_backend_free(H.be);
	loop_free(H.loop);
	bootstrap_free(&H.bs);
	memset(&H, 0, sizeof(H));
}

/* The server's socket of this connection: the fd whose local address is
 * the client's remote one and whose peer is the client.  accept() takes the
 * lowest free fd, so it is not far above the client's. */
static int find_server_fd(const struct pump *p)
{
	for (int fd = 3; fd < p->cfd + 64; fd++) {
		struct sockaddr_in a, b;
		socklen_t la = sizeof(a), lb = sizeof(b);

		if (fd == p->cfd)
			continue;
		if (getsockname(fd, (struct sockaddr *)&a, &la) < 0 ||
		    getpeername(fd, (struct sockaddr *)&b, &lb) < 0 || a.sin_family != AF_INET ||
		    b.sin_family != AF_INET)
			continue;
		if (a.sin_port == p->remote.sin_port && b.sin_port == p->local.sin_port &&
		    a.sin_addr.s_addr == p->remote.sin_addr.s_addr &&
		    b.sin_addr.s_addr == p->local.sin_addr.s_addr)
			return fd;
	}
	return -1;
}

/* Follow the telnet stream the server sends. */
static void telnet_check(struct pump *p, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n && p->tn != TN_BAD; i++) {
		uint8_t c = b[i];

		switch (p->tn) {
		case TN_DATA:
			if (c == 255)
				p->tn = TN_IAC;
			break;
		case TN_IAC:
			fuzz_vty_stats.iac_commands++;
			if (c == 255 || (c >= 241 && c <= 249))
				p->tn = TN_DATA;
			else if (c >= 251)
				p->tn = TN_OPT;
			else if (c == 250)
				p->tn = TN_SB;
			else {
				p->bad[0] = 255;
				p->bad[1] = c;
				p->tn = TN_BAD;
			}
			break;
		case TN_OPT:
			p->tn = TN_DATA;
			break;
		case TN_SB:
			if (c == 255)
				p->tn = TN_SB_IAC;
			break;
		case TN_SB_IAC:
			if (c == 240)
				p->tn = TN_DATA;
			else if (c == 255)
				p->tn = TN_SB;
			else {
				p->bad[0] = 255;
				p->bad[1] = c;
				p->tn = TN_BAD;
			}
			break;
		case TN_BAD:
			break;
		}
	}
}

static void on_turn(struct loop *loop, void *arg)
{
	struct pump *p = arg;
	bool moved = false;
	uint8_t buf[4096];
	ssize_t n;
	int pending = 0;

	while (!p->eof && (n = recv(p->cfd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				p->eof = true;   /* reset: nothing more will come */
			break;
		}
		moved = true;
		fuzz_vty_stats.bytes_out += (uint64_t)n;
		telnet_check(p, buf, (size_t)n);
		if (p->out_len + (size_t)n > sizeof(p->out)) {
			/* Keep the newest bytes. */
			size_t drop = p->out_len + (size_t)n - sizeof(p->out);

			if (drop > p->out_len)
				drop = p->out_len;
			memmove(p->out, p->out + drop, p->out_len - drop);
			p->out_len -= drop;
		}
		if ((size_t)n <= sizeof(p->out) - p->out_len) {
			memcpy(p->out + p->out_len, buf, (size_t)n);
			p->out_len += (size_t)n;
		}
	}
	if (n == 0)
		p->eof = true;
	if (p->in_off < p->in_len) {
		size_t k = p->in_len - p->in_off;

		if (k > SLICE)
			k = SLICE;
		n = send(p->cfd, p->in + p->in_off, k, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			p->in_off += (size_t)n;
			moved = true;
		} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			p->in_off = p->in_len;   /* the server is gone */
		}
	}
	if (p->sfd < 0 && !p->eof)
		p->sfd = find_server_fd(p);
	if (p->sfd < 0 && !p->eof)
		moved = true;   /* not accepted yet */
	else if (p->sfd >= 0 && ioctl(p->sfd, FIONREAD, &pending) == 0 && pending > 0)
		moved = true;
	p->quiet = moved ? 0 : p->quiet + 1;
	if (p->quiet >= 3) {
		loop_stop(loop);
		return;
	}
	if (++p->turns > FUZZ_VTY_MAX_TURNS) {
		p->livelock = true;
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 0, on_turn, p);
}

/* Send in[0..len) and run the loop until quiet.  0 or -1 with why. */
static int pump(const void *in, size_t len, const char *what, char *why, size_t whylen)
{
	struct pump *p = &H.p;

	p->in = in;
	p->in_len = len;
	p->in_off = 0;
	p->quiet = 0;
	p->turns = 0;
	loop_timer_add(H.loop, 0, on_turn, p);
	loop_run(H.loop);
	if (p->livelock)
		return fail(why, whylen, "%s: still busy after %d loop turns", what,
			    FUZZ_VTY_MAX_TURNS);
	if (p->tn == TN_BAD)
		return fail(why, whylen, "%s: the server sent IAC %u: not telnet", what,
			    (unsigned)p->bad[1]);
	return 0;
}

static bool said(const char *text)
{
	return memmem(H.p.out, H.p.out_len, text, strlen(text)) != NULL;
}

static int connect_client(char *why, size_t whylen)
{
	struct pump *p = &H.p;
	socklen_t l = sizeof(p->local);

	memset(p, 0, sizeof(*p));
	p->sfd = -1;
	p->cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (p->cfd < 0)
		return fail(why, whylen, "socket: %s", strerror(errno));
	p->remote.sin_family = AF_INET;
	p->remote.sin_port = htons((uint16_t)H.port);
	p->remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(p->cfd, (struct sockaddr *)&p->remote, sizeof(p->remote)) < 0) {
		/* Interrupted (libFuzzer's SIGALRM): the connection goes on
		 * in the background. */
		struct pollfd pfd = { .fd = p->cfd, .events = POLLOUT };
		int e = 0;
		socklen_t el = sizeof(e);

		if (errno != EINTR)
			e = errno;
		else if (poll(&pfd, 1, 5000) != 1 ||
			 getsockopt(p->cfd, SOL_SOCKET, SO_ERROR, &e, &el) < 0)
			e = e ? e : ETIMEDOUT;
		if (e) {
			close(p->cfd);
			return fail(why, whylen, "connect to port %d: %s", H.port, strerror(e));
		}
	}
	if (getsockname(p->cfd, (struct sockaddr *)&p->local, &l) < 0) {
		close(p->cfd);
		return fail(why, whylen, "connect to port %d: %s", H.port, strerror(errno));
	}
	return 0;
}

static int session(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	bool login = size == 0 || !(data[0] & 1);
	const uint8_t *in = size ? data + 1 : data;
	size_t len = size ? size - 1 : 0;

	if (pump("", 0, "greeting", why, whylen) < 0)
		return -1;
	if (login) {
		if (!said("Username:"))
			return fail(why, whylen, "no Username: prompt after connecting");
		if (pump(FUZZ_VTY_USER "\r\n", strlen(FUZZ_VTY_USER) + 2, "user", why, whylen) < 0 ||
		    pump(FUZZ_VTY_PASSWORD "\r\n", strlen(FUZZ_VTY_PASSWORD) + 2, "password", why,
			 whylen) < 0)
			return -1;
		if (!said("<HUAWEI>"))
			return fail(why, whylen, "no prompt <HUAWEI> after logging in");
		fuzz_vty_stats.logged_in++;
	}
	fuzz_vty_stats.bytes_in += len;
	if (pump(in, len, "input", why, whylen) < 0)
		return -1;
	if (H.p.eof)
		fuzz_vty_stats.closed_by_server++;
	/* The client leaves: the server must let the connection go. */
	shutdown(H.p.cfd, SHUT_WR);
	if (pump("", 0, "close", why, whylen) < 0)
		return -1;
	if (H.p.tn != TN_DATA)
		return fail(why, whylen, "the server's telnet stream ends inside a command");
	if (vty_server_sessions(H.srv) != 0)
		return fail(why, whylen, "%zu VTY lines still held after the client closed",
			    vty_server_sessions(H.srv));
	return 0;
}

int fuzz_vty_one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	int rc;

	harness_init();
	fuzz_vty_stats.inputs++;
	fake_backend_reset(H.be);
	if (connect_client(why, whylen) < 0)
		return -1;
	rc = session(data, size, why, whylen);
	close(H.p.cfd);
	/* Let the server see the close (a connection that ended wrongly). */
	if (rc < 0)
		pump("", 0, "close", why + strlen(why), 0);
	return rc;
}

/* ---- the login path ---- */

struct fuzz_login_stats fuzz_login_stats;

/* Whether the bytes of want appear in hay in order (not necessarily
 * together). */
static bool subsequence(const uint8_t *hay, size_t n, const char *want)
{
	for (size_t i = 0; i < n && *want; i++)
		if (hay[i] == (uint8_t)*want)
			want++;
	return *want == '\0';
}

static int login_key(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	enum pubkey_kind kind = data[0] & 1 ? PUBKEY_ECC : PUBKEY_RSA;
	bool openssh = data[0] & 2;
	static uint8_t a[PUBKEY_BLOB_MAX], b[PUBKEY_BLOB_MAX];
	char *text = xmalloc(size), *norm = NULL, err[160];
	size_t na = 0, nb = 0;
	int ra, rn;

	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	fuzz_login_stats.keys++;
	ra = pubkey_blob(kind, openssh, text, a, &na, err, sizeof(err));
	rn = pubkey_normalise(kind, openssh, text, &norm, err, sizeof(err));
	free(text);
	if ((ra == 0) != (rn == 0)) {
		free(norm);
		return fail(why, whylen, "the key parses (%d) but does not normalise (%d), or "
			    "the other way round", ra, rn);
	}
	if (ra < 0)
		return 0;
	fuzz_login_stats.keys_ok++;
	if (na > PUBKEY_BLOB_MAX)
		return fail(why, whylen, "a wire form of %zu bytes", na);
	ra = pubkey_blob(kind, openssh, norm, b, &nb, err, sizeof(err));
	free(norm);
	if (ra < 0)
		return fail(why, whylen, "the stored form of a key does not parse: %s", err);
	if (na != nb || memcmp(a, b, na) != 0)
		return fail(why, whylen, "the stored form of a key is another key");
	return 0;
}

static int login_dialogue(const uint8_t *in, size_t len, char *why, size_t whylen)
{
	const uint8_t *at = in, *end = in + len;
	uint8_t line[2048];
	int field = 0;

	if (pump("", 0, "greeting", why, whylen) < 0)
		return -1;
	while (at <= end && field < FUZZ_LOGIN_FIELDS && !H.p.eof) {
		const uint8_t *nl = memchr(at, '\n', (size_t)(end - at));
		size_t n = (size_t)((nl ? nl : end) - at);

		if (n > sizeof(line) - 2)
			n = sizeof(line) - 2;
		memcpy(line, at, n);
		if (field > 0) {      /* field 0: raw bytes before the first line */
			line[n++] = '\r';
			line[n++] = '\n';
		}
		if (pump(line, n, field == 0 ? "telnet options" : "login line", why, whylen) < 0)
			return -1;
		field++;
		if (!nl)
			break;
		at = nl + 1;
	}
	/* The engine's list of open sessions says whether one opened (the
	 * screen can not: a user name may be "<HUAWEI>"). */
	if (H.be->sessions) {
		fuzz_login_stats.sessions++;
		if (!subsequence(in, len, FUZZ_VTY_USER) || !subsequence(in, len, FUZZ_VTY_PASSWORD))
			return fail(why, whylen, "a session opened without the user's password");
	} else {
		fuzz_login_stats.refused++;
	}
	shutdown(H.p.cfd, SHUT_WR);
	if (pump("", 0, "close", why, whylen) < 0)
		return -1;
	if (H.p.tn != TN_DATA)
		return fail(why, whylen, "the server's telnet stream ends inside a command");
	if (vty_server_sessions(H.srv) != 0)
		return fail(why, whylen, "%zu VTY lines still held after the client closed",
			    vty_server_sessions(H.srv));
	return 0;
}

int fuzz_login_one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	int rc;

	fuzz_login_stats.inputs++;
	if (size > 0 && (data[0] & 0x80))
		return login_key(data, size, why, whylen);
	harness_init();
	fake_backend_reset(H.be);
	if (connect_client(why, whylen) < 0)
		return -1;
	rc = login_dialogue(size ? data + 1 : data, size ? size - 1 : 0, why, whylen);
	close(H.p.cfd);
	if (rc < 0)
		pump("", 0, "close", why + strlen(why), 0);
	return rc;
}
