/*
 * vtyclient.c: scripted telnet sessions with clid (see vtyclient.h).
 *
 * Three layers: the socket (non-blocking, every wait bounded by poll() and
 * a deadline), libtelnet for the protocol (option negotiation, IAC
 * escaping), and a one-line terminal model that renders the received bytes
 * the way a screen would show them.  Completed lines accumulate in `done`
 * (since the last command was sent) and in the whole-session transcript; the
 * unfinished line `cur` is where prompts are recognised.
 *
 * Paging: the client announces a window of 80 x VTY_DEFAULT_ROWS, so clid
 * does not page what a script reads; a longer output's `---- More ----` is
 * answered with a space (auto_more), unless the caller pages by hand
 * (vty_set_auto_more(), vty_more_keys(), vty_wait()).  clid erases the More
 * prompt with ESC[42D, blanks, ESC[42D: a line written over that erasure
 * keeps no trailing blanks, as a person reading the screen would see it.
 */
#include "vtyclient.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libtelnet.h>

#define VTY_MAX_LINE (64 * 1024)   /* a longer unfinished line is forced out */
#define VTY_CLI_MAX 510            /* the server's longest command line */

struct vbuf {
	char *s;
	size_t len, cap;
};

enum esc_state { ESC_NONE, ESC_ESC, ESC_CSI };

struct vty {
	int fd;
	telnet_t *tn;
	bool closed;
	int send_error;

	/* terminal model */
	struct vbuf cur;          /* the unfinished line (not NUL-terminated in between) */
	size_t col;
	enum esc_state esc;
	int esc_param;
	struct vbuf done;         /* lines completed since the mark */
	size_t ndone;
	struct vbuf transcript;
	bool more_answered;
	bool auto_more;           /* answer More with a space */
	bool trim_line;           /* cur was blanked by a More erasure */
	unsigned n_erase;         /* More erasures seen */
	unsigned erase_mark;      /* n_erase when keys were last sent */
	int cols, rows;           /* the window announced (NAWS) */
	bool naws;                /* the server asked for it */

	char *prompt;
	char *echo;
};

static const telnet_telopt_t vty_telopts[] = {
	{ TELNET_TELOPT_ECHO, TELNET_WONT, TELNET_DO },
	{ TELNET_TELOPT_SGA, TELNET_WILL, TELNET_DO },
	{ TELNET_TELOPT_NAWS, TELNET_WILL, TELNET_DONT },
	{ -1, 0, 0 },
};

static void vbuf_reserve(struct vbuf *b, size_t need)
{
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		abort();
	b->s = s;
	b->cap = cap;
}

static void vbuf_add(struct vbuf *b, const char *s, size_t n)
{
	vbuf_reserve(b, b->len + n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static const char *vbuf_str(struct vbuf *b)
{
	vbuf_reserve(b, b->len + 1);
	b->s[b->len] = '\0';
	return b->s;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- terminal model ---------------------------------------------------- */

static bool cur_has_more(struct vty *v)
{
	static const char more[] = "---- More ----";

	for (size_t i = 0; v->cur.len >= sizeof(more) - 1 && i <= v->cur.len - (sizeof(more) - 1); i++)
		if (!memcmp(v->cur.s + i, more, sizeof(more) - 1))
			return true;
	return false;
}

static void term_line_done(struct vty *v)
{
	if (v->trim_line) {
		while (v->cur.len > 0 && v->cur.s[v->cur.len - 1] == ' ')
			v->cur.len--;
		v->trim_line = false;
	}
	vbuf_add(&v->done, v->cur.s ? v->cur.s : "", v->cur.len);
	vbuf_add(&v->done, "\n", 1);
	vbuf_add(&v->transcript, v->cur.s ? v->cur.s : "", v->cur.len);
	vbuf_add(&v->transcript, "\n", 1);
	v->ndone++;
	v->cur.len = 0;
	v->col = 0;
	v->more_answered = false;
}

static void term_put(struct vty *v, char c)
{
	if (v->col >= VTY_MAX_LINE)
		term_line_done(v);
	vbuf_reserve(&v->cur, v->col + 2);
	while (v->cur.len < v->col)
		v->cur.s[v->cur.len++] = ' ';
	v->cur.s[v->col++] = c;
	if (v->col > v->cur.len)
		v->cur.len = v->col;
}

static void term_csi(struct vty *v, char final)
{
	int p = v->esc_param;
	switch (final) {
	case 'C':   /* cursor forward */
		v->col += p > 0 ? (size_t)p : 1;
		if (v->col > VTY_MAX_LINE)
			v->col = VTY_MAX_LINE;
		break;
	case 'D': { /* cursor back */
		size_t n = p > 0 ? (size_t)p : 1;
		if (cur_has_more(v)) {
			/* clid erases its More prompt: what follows is written
			 * over blanks. */
			v->n_erase++;
			v->trim_line = true;
		}
		v->col = n > v->col ? 0 : v->col - n;
		break;
	}
	case 'G':   /* cursor to column */
		v->col = p > 1 ? (size_t)(p - 1) : 0;
		break;
	case 'K':   /* erase in line */
		if (p == 0) {
			if (v->col < v->cur.len)
				v->cur.len = v->col;
		} else if (p == 1) {
			for (size_t i = 0; i < v->col && i < v->cur.len; i++)
				v->cur.s[i] = ' ';
		} else {
			v->cur.len = 0;
		}
		break;
	default:    /* colours, screen clears, ...: nothing to render */
		break;
	}
}

static void term_feed(struct vty *v, const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];
		switch (v->esc) {
		case ESC_ESC:
			if (c == '[') {
				v->esc = ESC_CSI;
				v->esc_param = 0;
			} else {
				v->esc = ESC_NONE;
			}
			continue;
		case ESC_CSI:
			if (c >= '0' && c <= '9') {
				if (v->esc_param < 10000)
					v->esc_param = v->esc_param * 10 + (c - '0');
			} else if (c == ';') {
				v->esc_param = 0;   /* only the last parameter matters here */
			} else if (c >= 0x40 && c <= 0x7e) {
				term_csi(v, (char)c);
				v->esc = ESC_NONE;
			}
			continue;
		case ESC_NONE:
			break;
		}
		switch (c) {
		case 0x1b:
			v->esc = ESC_ESC;
			break;
		case '\r':
			v->col = 0;
			break;
		case '\n':
			term_line_done(v);
			break;
		case '\b':
			if (v->col > 0)
				v->col--;
			break;
		case '\t':
			do
				term_put(v, ' ');
			while (v->col % 8);
			break;
		default:
			if (c >= 0x20 && c != 0x7f)
				term_put(v, (char)c);
			break;
		}
	}
}

/* The unfinished line without trailing blanks, in a static-free copy. */
static char *cur_trimmed(const struct vty *v)
{
	size_t n = v->cur.len;
	while (n > 0 && (v->cur.s[n - 1] == ' '))
		n--;
	char *s = malloc(n + 1);
	if (!s)
		abort();
	if (n)
		memcpy(s, v->cur.s, n);
	s[n] = '\0';
	return s;
}

bool vty_is_prompt(const char *line)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= 3 && line[0] == '<' && line[n - 1] == '>') {
		for (size_t i = 1; i < n - 1; i++)
			if (line[i] == '>')
				return false;
		return true;
	}
	if (n >= 4 && line[0] == '[' && (line[1] == '~' || line[1] == '*') && line[n - 1] == ']') {
		for (size_t i = 2; i < n - 1; i++)
			if (line[i] == ']')
				return false;
		return true;
	}
	/* A question: "...[Y/N]:" or "...[Y(yes)/N(no)/C(cancel)]:". */
	if (n >= 6 && line[n - 1] == ':' && line[n - 2] == ']') {
		size_t open = n - 2;
		while (open > 0 && line[open] != '[')
			open--;
		if (line[open] != '[' || line[open + 1] != 'Y')
			return false;
		for (size_t i = open + 2; i < n - 2; i++)
			if (line[i] == 'N')
				return true;
	}
	return false;
}

/* ---- socket and telnet ------------------------------------------------- */

static void vty_write_all(struct vty *v, const char *buf, size_t len)
{
	int64_t deadline = now_ms() + 5000;
	while (len > 0 && !v->send_error) {
		ssize_t n = send(v->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int left = (int)(deadline - now_ms());
			struct pollfd pfd = { .fd = v->fd, .events = POLLOUT };
			if (left <= 0 || poll(&pfd, 1, left) <= 0)
				v->send_error = -ETIMEDOUT;
			continue;
		}
		v->send_error = n < 0 ? -errno : -EPIPE;
	}
}

static void vty_telnet_event(telnet_t *tn, telnet_event_t *ev, void *arg)
{
	struct vty *v = arg;
	switch (ev->type) {
	case TELNET_EV_DATA:
		term_feed(v, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_SEND:
		vty_write_all(v, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_DO:
		if (ev->neg.telopt == TELNET_TELOPT_NAWS) {
			const char naws[4] = { (char)(v->cols >> 8), (char)v->cols,
					       (char)(v->rows >> 8), (char)v->rows };
			v->naws = true;
			telnet_subnegotiation(tn, TELNET_TELOPT_NAWS, naws, sizeof(naws));
		}
		break;
	case TELNET_EV_ERROR:
		v->closed = true;
		break;
	default:
		break;
	}
}

/* Read what is available (waiting at most until deadline).  0 when
 * something arrived, -ETIMEDOUT, -ECONNRESET. */
static int vty_pump(struct vty *v, int64_t deadline)
{
	if (v->closed)
		return -ECONNRESET;
	int left = (int)(deadline - now_ms());
	if (left < 0)
		left = 0;
	struct pollfd pfd = { .fd = v->fd, .events = POLLIN };
	int r = poll(&pfd, 1, left);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ETIMEDOUT;
	char buf[4096];
	ssize_t n = recv(v->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 0 : (v->closed = true, -ECONNRESET);
	if (n == 0) {
		v->closed = true;
		return -ECONNRESET;
	}
	telnet_recv(v->tn, buf, (size_t)n);
	return 0;
}

static bool cur_ends_with_ci(struct vty *v, const char *suffix)
{
	char *t = cur_trimmed(v);
	size_t n = strlen(t), m = strlen(suffix);
	bool r = n >= m && strcasecmp(t + n - m, suffix) == 0;
	free(t);
	return r;
}

static void set_prompt(struct vty *v)
{
	free(v->prompt);
	v->prompt = cur_trimmed(v);
}

static void vty_send_line(struct vty *v, const char *line)
{
	telnet_send(v->tn, line, strlen(line));
	telnet_send(v->tn, "\r\n", 2);
}

static void mark(struct vty *v)
{
	v->done.len = 0;
	v->ndone = 0;
	vbuf_str(&v->done);
}

/* ---- public ------------------------------------------------------------ */

struct vty *vty_connect(const char *netns, const char *host, int port, int timeout_ms,
			char *err, size_t errlen)
{
	int own_ns = -1, target_ns = -1, fd = -1;
	struct addrinfo *ai = NULL;
	char portstr[16];

	if (netns) {
		char path[512];
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
		own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		target_ns = open(path, O_RDONLY | O_CLOEXEC);
		if (own_ns < 0 || target_ns < 0) {
			snprintf(err, errlen, "cannot open network namespace %s: %s", netns,
				 strerror(errno));
			goto fail;
		}
		if (setns(target_ns, CLONE_NEWNET) < 0) {
			snprintf(err, errlen, "cannot enter network namespace %s: %s", netns,
				 strerror(errno));
			goto fail;
		}
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	int gr = getaddrinfo(host, portstr, &hints, &ai);
	if (gr != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(gr));
		goto fail;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (own_ns >= 0) {
		/* Back to our own namespace; the socket keeps the one it was made in. */
		if (setns(own_ns, CLONE_NEWNET) < 0) {
			snprintf(err, errlen, "cannot return to own network namespace: %s",
				 strerror(errno));
			goto fail;
		}
		close(own_ns);
		close(target_ns);
		own_ns = target_ns = -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		snprintf(err, errlen, "connect %s port %d: %s", host, port, strerror(errno));
		goto fail;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int pr = poll(&pfd, 1, timeout_ms);
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (pr <= 0) {
		snprintf(err, errlen, "connect %s port %d: timed out", host, port);
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		snprintf(err, errlen, "connect %s port %d: %s", host, port,
			 strerror(soerr ? soerr : errno));
		goto fail;
	}
	freeaddrinfo(ai);

	struct vty *v = calloc(1, sizeof(*v));
	if (!v)
		abort();
	v->fd = fd;
	v->tn = telnet_init(vty_telopts, vty_telnet_event, 0, v);
	if (!v->tn)
		abort();
	v->prompt = strdup("");
	v->echo = strdup("");
	v->auto_more = true;
	v->cols = 80;
	v->rows = VTY_DEFAULT_ROWS;
	if (!v->prompt || !v->echo)
		abort();
	mark(v);
	vbuf_str(&v->transcript);
	return v;

fail:
	if (own_ns >= 0) {
		if (setns(own_ns, CLONE_NEWNET) < 0) {
			/* Nothing better to do: the caller sees the first error. */
		}
		close(own_ns);
	}
	if (target_ns >= 0)
		close(target_ns);
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return NULL;
}

int vty_login(struct vty *v, const char *user, const char *password, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int r;

	while (!cur_ends_with_ci(v, "Username:"))
		if ((r = vty_pump(v, deadline)) < 0)
			return r;
	mark(v);
	vty_send_line(v, user);
	while (!(v->ndone > 0 && cur_ends_with_ci(v, "Password:")))
		if ((r = vty_pump(v, deadline)) < 0)
			return r;
	mark(v);
	vty_send_line(v, password);
	for (;;) {
		if (v->ndone > 0) {
			char *t = cur_trimmed(v);
			bool prompt = vty_is_prompt(t);
			free(t);
			if (prompt)
				break;
			if (cur_ends_with_ci(v, "Username:"))
				return -EACCES;
		}
		if ((r = vty_pump(v, deadline)) < 0)
			return r;
	}
	if (v->send_error)
		return v->send_error;
	set_prompt(v);
	return 0;
}

int vty_cmd(struct vty *v, const char *line, char **output, int timeout_ms)
{
	if (output)
		*output = NULL;
	if (strpbrk(line, "\r\n?\t"))
		return -EINVAL;
	int64_t deadline = now_ms() + timeout_ms;
	char *shown = cur_trimmed(v);   /* a prompt over a More erasure has blanks after it */
	size_t prompt_len = strlen(shown);
	/* A short printable line must be echoed before a prompt answers it:
	 * a prompt still on its way for an earlier line (a Ctrl-C's CR, say)
	 * is not this line's. */
	bool need_echo = line[0] && strlen(line) <= 40;
	int r = 0;

	free(shown);
	for (const char *c = line; *c && need_echo; c++)
		need_echo = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f;
	mark(v);
	vty_send_line(v, line);
	if (v->send_error)
		r = v->send_error;
	while (r == 0) {
		if (v->ndone > 0) {
			char *t = cur_trimmed(v);
			bool prompt = vty_is_prompt(t);
			bool more = strstr(t, "---- More ----") != NULL;
			free(t);
			if (prompt && (!need_echo || strstr(vbuf_str(&v->done), line)))
				break;
			if (more && !v->auto_more) {
				r = VTY_MORE;
				break;
			}
			if (more && !v->more_answered) {
				v->more_answered = true;
				telnet_send(v->tn, " ", 1);
			}
		}
		r = vty_pump(v, deadline);
	}

	/* Split the completed lines into the echo and the output.  The echo is
	 * the prompt plus the command, possibly wrapped over several lines by
	 * the server, and at most the server's line limit long. */
	const char *all = vbuf_str(&v->done);
	size_t cmdlen = strlen(line);
	size_t want = prompt_len + (cmdlen < VTY_CLI_MAX ? cmdlen : VTY_CLI_MAX);
	size_t got = 0, nl = 0;
	const char *p = all;
	const char *out = all;
	while (*p && nl < v->ndone) {
		const char *e = strchr(p, '\n');
		if (!e)
			break;
		got += (size_t)(e - p);
		nl++;
		p = e + 1;
		out = p;
		if (got >= want)
			break;
	}
	free(v->echo);
	size_t elen = (size_t)(out - all);
	while (elen > 0 && all[elen - 1] == '\n')
		elen--;
	v->echo = strndup(all, elen);
	if (!v->echo)
		abort();
	if (output) {
		*output = strdup(out);
		if (!*output)
			abort();
	}
	if (r == 0)
		set_prompt(v);
	return r;
}

int vty_keys(struct vty *v, const char *keys, const char *want, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int r = 0;

	if (strpbrk(keys, "\r\n"))
		return -EINVAL;
	telnet_send(v->tn, keys, strlen(keys));
	if (v->send_error)
		return v->send_error;
	for (;;) {
		char *t = cur_trimmed(v);
		bool done = strcmp(t, want) == 0;

		free(t);
		if (done)
			return 0;
		if (r < 0)
			return r;
		r = vty_pump(v, deadline);
	}
}

char *vty_line(const struct vty *v)
{
	return cur_trimmed(v);
}

void vty_set_window(struct vty *v, int cols, int rows)
{
	v->cols = cols;
	v->rows = rows;
	if (v->naws) {
		const char naws[4] = { (char)(cols >> 8), (char)cols, (char)(rows >> 8), (char)rows };

		telnet_subnegotiation(v->tn, TELNET_TELOPT_NAWS, naws, sizeof(naws));
	}
}

void vty_set_auto_more(struct vty *v, bool on)
{
	v->auto_more = on;
}

int vty_more_keys(struct vty *v, const char *keys, size_t len)
{
	mark(v);
	v->erase_mark = v->n_erase;
	telnet_send(v->tn, keys, len);
	return v->send_error;
}

int vty_wait(struct vty *v, char **output, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int r = 0;

	if (output)
		*output = NULL;
	for (;;) {
		char *t = cur_trimmed(v);
		bool prompt = vty_is_prompt(t);
		/* A More prompt counts once the one the keys answered is gone. */
		bool more = cur_has_more(v) && v->n_erase > v->erase_mark;

		free(t);
		if (prompt || more) {
			r = prompt ? 0 : VTY_MORE;
			break;
		}
		if ((r = vty_pump(v, deadline)) < 0)
			break;
	}
	if (output) {
		*output = strdup(vbuf_str(&v->done));
		if (!*output)
			abort();
	}
	if (r == 0)
		set_prompt(v);
	return r;
}

const char *vty_prompt(const struct vty *v)
{
	return v->prompt;
}

const char *vty_echo(const struct vty *v)
{
	return v->echo;
}

bool vty_closed(const struct vty *v)
{
	return v->closed;
}

int vty_wait_text(struct vty *v, size_t from, const char *needle, const char *tail,
		  int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int r = 0;

	while (r == 0 || r == -ETIMEDOUT) {
		const char *t = vty_transcript(v);
		bool ok = strlen(t) >= from && strstr(t + from, needle);

		if (ok && tail) {
			size_t n = v->cur.len, m = strlen(tail);

			ok = n >= m && memcmp(v->cur.s + n - m, tail, m) == 0;
		}
		if (ok)
			return 0;
		if (r == -ETIMEDOUT)
			break;
		r = vty_pump(v, deadline);
	}
	return r;
}

const char *vty_transcript(const struct vty *v)
{
	struct vty *mv = (struct vty *)v;
	/* Append the unfinished line without making it part of the history. */
	size_t keep = mv->transcript.len;
	vbuf_add(&mv->transcript, mv->cur.s ? mv->cur.s : "", mv->cur.len);
	mv->transcript.len = keep;   /* the text stays readable past len */
	return mv->transcript.s;
}

void vty_close(struct vty *v)
{
	if (!v)
		return;
	if (v->fd >= 0)
		close(v->fd);
	telnet_free(v->tn);
	free(v->cur.s);
	free(v->done.s);
	free(v->transcript.s);
	free(v->prompt);
	free(v->echo);
	free(v);
}
