/*
 * test_vty.c: the telnet server in-process on 127.0.0.1 (ephemeral port)
 * with a fake command engine (the cli.h functions below), driven through
 * real client sockets: telnet negotiation, login, a command and its prompt,
 * '?' and TAB, quit, max_vty, idle timeout, failed logins, an engine that
 * cannot open a session, and a garbage storm; a session that waits (the
 * fake's `wait` answers from a loop timer) keeps what is typed meanwhile
 * and runs it afterwards, in order, while another session goes on; Ctrl-C
 * at a question (the fake's `ask`) shows a new prompt; an event for the
 * terminal monitor (the fake's `event`) redraws the half-typed line.
 *
 * The server's loop runs in a thread; the test thread only uses its own
 * client sockets (reads wait on poll with a deadline) and stops the loop
 * through a pipe the loop watches.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap.h"
#include "cli.h"
#include "log.h"
#include "loop.h"
#include "vty.h"

/* vty.c pauses the pager at 256 KiB queued; a line more may go. */
#define VTY_OUT_PAUSE_FOR_TEST (512 * 1024)

/* ---- the fake engine ---- */

struct cli_backend {
	struct loop *loop;
};

struct cli_session {
	struct cli_backend *be;
	char user[64];
	char line[16];
	cli_write_fn out;
	cli_done_fn done;
	void *arg;
	bool busy;
	bool asking;
	uint64_t timer;
	cli_hold_fn hold;
	cli_release_fn release;
	int n_held;
	bool held_pipe[16];       /* per hold: a `pipe` line (else another) */
	uint64_t release_timer;
	cli_async_fn async;
	uint64_t event_timer;
	int screen_length;        /* `sl N`; -1: the terminal's height */
};

static int fake_sessions_open;      /* touched by the server thread only */
static bool fake_refuse_sessions;   /* set before the server starts */

static void fake_print(struct cli_session *s, const char *text)
{
	s->out(s->arg, text, strlen(text));
}

struct cli_backend *cli_backend_new(void *zctx, struct loop *loop, const struct bootstrap *bs,
				    char *err, size_t errlen)
{
	struct cli_backend *be = calloc(1, sizeof(struct cli_backend));

	be->loop = loop;
	return be;
}

void cli_backend_free(struct cli_backend *be)
{
	free(be);
}

struct cli_session *cli_session_new(struct cli_backend *be, const char *user,
				    const char *line, cli_write_fn out, void *out_arg)
{
	struct cli_session *s;

	if (fake_refuse_sessions) {
		out(out_arg, "Error: cfgd is unreachable.\r\n", 29);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	s->be = be;
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->line, sizeof(s->line), "%s", line);
	s->out = out;
	s->arg = out_arg;
	s->screen_length = -1;
	fake_sessions_open++;
	return s;
}

void cli_session_set_peer(struct cli_session *s, const char *addr)
{
	(void)s;
	(void)addr;
}

void cli_session_set_ssh(struct cli_session *s, bool ssh)
{
	(void)s;
	(void)ssh;
}

void cli_session_set_level(struct cli_session *s, unsigned level)
{
	(void)s;
	(void)level;
}

/* No access configuration: the bootstrap's users, the fixed defaults. */
struct access *cli_backend_access(struct cli_backend *be)
{
	(void)be;
	return NULL;
}

void cli_session_free(struct cli_session *s)
{
	if (!s)
		return;
	if (s->timer)
		loop_timer_cancel(s->be->loop, s->timer);
	if (s->release_timer)
		loop_timer_cancel(s->be->loop, s->release_timer);
	if (s->event_timer)
		loop_timer_cancel(s->be->loop, s->event_timer);
	fake_sessions_open--;
	free(s);
}

void cli_session_on_done(struct cli_session *s, cli_done_fn done)
{
	s->done = done;
}

void cli_session_on_pipeline(struct cli_session *s, cli_hold_fn hold, cli_release_fn release)
{
	s->hold = hold;
	s->release = release;
}

void cli_session_on_async(struct cli_session *s, cli_async_fn fn)
{
	s->async = fn;
}

/* `event`: an event for the terminal monitor 100 ms later. */
static void fake_event(struct loop *loop, void *arg)
{
	struct cli_session *s = arg;

	s->event_timer = 0;
	s->async(s->arg, "EVENT 1\r\n", 9);
}

/* The results of the `pipe` lines, 200 ms later, in order. */
static void fake_release(struct loop *loop, void *arg)
{
	struct cli_session *s = arg;

	s->release_timer = 0;
	for (int i = 0; i < s->n_held; i++) {
		if (s->held_pipe[i])
			s->release(s->arg, "late result\r\n<Fake>", 19);
		else
			s->release(s->arg, "<Fake>", 6);
	}
	s->n_held = 0;
}

void cli_session_read_settings(struct cli_session *s)
{
	(void)s;
}

int cli_screen_length(const struct cli_session *s)
{
	return s->screen_length;
}

bool cli_no_more(const struct cli_session *s)
{
	return false;
}

bool cli_busy(const struct cli_session *s)
{
	return s->busy;
}

bool cli_ended(const struct cli_session *s)
{
	return false;
}

bool cli_cancel(struct cli_session *s)
{
	bool was = s->asking;

	s->asking = false;
	return was;
}

/* No fake command is interruptible: Ctrl-C stays typeahead. */
bool cli_interrupt(struct cli_session *s)
{
	return false;
}

bool cli_interruptible(const struct cli_session *s)
{
	return false;
}

static void fake_waited(struct loop *loop, void *arg)
{
	struct cli_session *s = arg;

	s->timer = 0;
	s->busy = false;
	fake_print(s, "waited\r\n");
	s->done(s->arg);
}

enum cli_status cli_exec(struct cli_session *s, const char *line)
{
	char buf[CLI_MAX_LINE + 128];

	if (s->busy)
		cr_assert_fail("a line for a busy session: %s", line);
	if (s->asking) {
		s->asking = false;
		snprintf(buf, sizeof(buf), "answer [%s]\r\n", line);
		fake_print(s, buf);
		return CLI_DONE;
	}
	if (strcmp(line, "quit") == 0)
		return CLI_ENDED;
	if (strcmp(line, "wait") == 0) {
		/* Answered from the loop, 300 ms later. */
		s->busy = true;
		s->timer = loop_timer_add(s->be->loop, 300000, fake_waited, s);
		return CLI_BUSY;
	}
	if (strcmp(line, "pipe") == 0 || s->n_held > 0) {
		/* Done now, its result shown later where the line ended (and
		 * every line after it while results are outstanding). */
		if (strncmp(line, "lines ", 6) == 0) {
			for (int i = 1, n = atoi(line + 6); i <= n; i++) {
				snprintf(buf, sizeof(buf), "line %d\r\n", i);
				fake_print(s, buf);
			}
		} else if (strcmp(line, "pipe") != 0) {
			snprintf(buf, sizeof(buf), "fake exec [%s] by %s on %s\r\n", line, s->user,
				 s->line);
			fake_print(s, buf);
		}
		s->hold(s->arg);
		cr_assert_lt(s->n_held, 16);
		s->held_pipe[s->n_held++] = strcmp(line, "pipe") == 0;
		if (!s->release_timer)
			s->release_timer = loop_timer_add(s->be->loop, 200000, fake_release, s);
		return CLI_DONE;
	}
	if (strcmp(line, "event") == 0) {
		s->event_timer = loop_timer_add(s->be->loop, 100000, fake_event, s);
		return CLI_DONE;
	}
	if (strncmp(line, "sl ", 3) == 0) {
		s->screen_length = atoi(line + 3);
		return CLI_DONE;
	}
	if (strncmp(line, "lines-event ", 12) == 0) {
		/* N lines, then a monitor event while they wait at More. */
		for (int i = 1, n = atoi(line + 12); i <= n; i++) {
			snprintf(buf, sizeof(buf), "line %d\r\n", i);
			fake_print(s, buf);
		}
		s->async(s->arg, "EVENT 1\r\n", 9);
		return CLI_DONE;
	}
	if (strncmp(line, "lines ", 6) == 0) {
		/* N numbered lines: paging. */
		for (int i = 1, n = atoi(line + 6); i <= n; i++) {
			snprintf(buf, sizeof(buf), "line %d\r\n", i);
			fake_print(s, buf);
		}
		return CLI_DONE;
	}
	if (strcmp(line, "ask") == 0) {
		s->asking = true;
		fake_print(s, "Continue? [Y/N]:");
		return CLI_DONE;
	}
	if (strcmp(line, "flood") == 0) {
		/* 10 MB at once: more than the pager keeps (8 MB). */
		char *big = malloc(VTY_MAX_OUTQ / 4);

		memset(big, 'x', VTY_MAX_OUTQ / 4);
		for (int i = 0; i < 40; i++)
			s->out(s->arg, big, VTY_MAX_OUTQ / 4);
		free(big);
		return CLI_DONE;
	}
	snprintf(buf, sizeof(buf), "fake exec [%s] by %s on %s\r\n", line, s->user, s->line);
	fake_print(s, buf);
	return CLI_DONE;
}

void cli_help(struct cli_session *s, const char *line)
{
	char buf[CLI_MAX_LINE + 64];

	snprintf(buf, sizeof(buf), "  fake-help [%s]\r\n", line);
	fake_print(s, buf);
}

char *cli_complete(struct cli_session *s, const char *line)
{
	if (strcmp(line, "dis") == 0)
		return strdup("display ");
	return NULL;
}

const char *cli_prompt(struct cli_session *s)
{
	return "<Fake>";
}

bool cli_awaiting_answer(struct cli_session *s)
{
	return s->asking;
}

/* ---- the server in a thread ---- */

static struct {
	struct bootstrap bs;
	struct bs_user user;
	struct loop *loop;
	struct cli_backend *be;
	struct vty_server *srv;
	int stop_pipe[2];
	pthread_t thread;
	int port;
	int sessions_left;
} S;

static void on_stop_pipe(struct loop *loop, int fd, short revents, void *arg)
{
	loop_stop(loop);
}

static void *server_main(void *arg)
{
	loop_run(S.loop);
	return NULL;
}

static void server_start(uint64_t idle_us)
{
	const char *salt = crypt_gensalt(NULL, 0, NULL, 0);
	const char *h;

	log_init("test_vty", LOG_LVL_DEBUG);
	cr_assert_not_null(salt);
	h = crypt("admin@123", salt);
	cr_assert(h && h[0] == '$');
	memset(&S.bs, 0, sizeof(S.bs));
	S.user.name = "admin";
	S.user.password_hash = strdup(h);
	S.bs.cli.users = &S.user;
	S.bs.cli.n_users = 1;
	S.bs.cli.max_vty = 5;
	S.loop = loop_new();
	S.be = cli_backend_new(NULL, S.loop, &S.bs, NULL, 0);
	S.srv = vty_server_new(S.loop, &S.bs, S.be);
	if (idle_us)
		vty_server_set_idle_timeout(S.srv, idle_us);
	cr_assert_eq(vty_server_listen(S.srv, "127.0.0.1", 0), 0);
	S.port = vty_server_port(S.srv);
	cr_assert_gt(S.port, 0);
	cr_assert_eq(pipe(S.stop_pipe), 0);
	cr_assert_eq(loop_add_fd(S.loop, S.stop_pipe[0], POLLIN, on_stop_pipe, NULL), 0);
	cr_assert_eq(pthread_create(&S.thread, NULL, server_main, NULL), 0);
}

static void server_stop(void)
{
	cr_assert_eq(write(S.stop_pipe[1], "x", 1), 1);
	pthread_join(S.thread, NULL);
	/* Everything the test left open is closed here. */
	vty_server_free(S.srv);
	S.sessions_left = fake_sessions_open;
	loop_del_fd(S.loop, S.stop_pipe[0]);
	close(S.stop_pipe[0]);
	close(S.stop_pipe[1]);
	loop_free(S.loop);
	cli_backend_free(S.be);
	free(S.user.password_hash);
	cr_assert_eq(S.sessions_left, 0, "engine sessions leaked: %d", S.sessions_left);
}

/* ---- clients ---- */

struct client {
	int fd;
	unsigned char buf[1 << 16];
	size_t len;
	bool eof;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A client from 127.0.0.`src` (every 127/8 address is the loopback's). */
static struct client *client_connect_from(int src)
{
	struct client *c = calloc(1, sizeof(*c));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)S.port) };
	struct sockaddr_in from = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	from.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)src);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(c->fd, 0);
	cr_assert_eq(bind(c->fd, (struct sockaddr *)&from, sizeof(from)), 0, "bind: %s",
		     strerror(errno));
	cr_assert_eq(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0, "connect: %s",
		     strerror(errno));
	return c;
}

static struct client *client_connect(void)
{
	return client_connect_from(1);
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c);
}

/* Read one chunk, waiting at most until `deadline`.  False on timeout. */
static bool client_read_some(struct client *c, uint64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	uint64_t now = now_ms();
	ssize_t n;

	if (c->eof || now >= deadline)
		return false;
	if (poll(&p, 1, (int)(deadline - now)) <= 0)
		return false;
	if (c->len == sizeof(c->buf))
		c->len = 0;     /* the storm test does not care about old bytes */
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0) {
		c->eof = true;
		return true;
	}
	c->len += (size_t)n;
	return true;
}

/* Wait (5 s at most) until the received bytes contain `needle`; returns
 * the offset just past it. */
static size_t client_expect(struct client *c, const char *needle)
{
	uint64_t deadline = now_ms() + 5000;

	for (;;) {
		void *p = memmem(c->buf, c->len, needle, strlen(needle));

		if (p)
			return (size_t)((unsigned char *)p - c->buf) + strlen(needle);
		if (!client_read_some(c, deadline))
			break;
		if (c->eof && !memmem(c->buf, c->len, needle, strlen(needle)))
			break;
	}
	c->buf[c->len < sizeof(c->buf) ? c->len : sizeof(c->buf) - 1] = '\0';
	cr_assert_fail("did not receive \"%s\"; got %zu bytes: %s", needle, c->len,
		       (char *)c->buf);
	return 0;
}

static void client_expect_eof(struct client *c)
{
	uint64_t deadline = now_ms() + 5000;

	while (!c->eof && client_read_some(c, deadline))
		;
	cr_assert(c->eof, "connection still open");
}

static void client_send(struct client *c, const void *buf, size_t len)
{
	cr_assert_eq(send(c->fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void client_sends(struct client *c, const char *s)
{
	client_send(c, s, strlen(s));
}

/* Forget what was received so far. */
static void client_clear(struct client *c)
{
	c->len = 0;
}

static void client_login(struct client *c)
{
	client_expect(c, "Username:");
	client_sends(c, "admin\r\n");
	client_expect(c, "Password:");
	client_sends(c, "admin@123\r\n");
	client_expect(c, "<Fake>");
}

static void wait_sessions_below(size_t n)
{
	uint64_t deadline = now_ms() + 5000;

	/* A plain read of a counter the server thread writes: good enough to
	 * wait on, the connection tests check the real behaviour. */
	while (vty_server_sessions(S.srv) >= n && now_ms() < deadline) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	cr_assert_lt(vty_server_sessions(S.srv), n);
}

/* ---- tests ---- */

Test(vty, negotiate_login_run_quit)
{
	static const unsigned char nego[] = { 255, 251, 1, 255, 251, 3, 255, 253, 31 };
	static const unsigned char answer[] = {
		255, 253, 1, 255, 253, 3, 255, 251, 31,
		255, 250, 31, 0, 132, 0, 40, 255, 240,      /* NAWS 132x40 */
		255, 253, 24,                               /* DO TTYPE: refused */
	};
	struct client *c;
	size_t off;

	server_start(0);
	c = client_connect();
	client_expect(c, "Username:");
	cr_assert_geq(c->len, sizeof(nego));
	cr_assert(memcmp(c->buf, nego, sizeof(nego)) == 0, "IAC WILL ECHO, WILL SGA, DO NAWS first");
	client_send(c, answer, sizeof(answer));
	client_expect(c, (const char[]){ (char)255, (char)252, 24, 0 });   /* WONT TTYPE */

	client_sends(c, "admin\r\n");
	client_expect(c, "admin\r\nPassword:");
	off = c->len;
	client_sends(c, "admin@123\r\n");
	client_expect(c, "Info: The max number of VTY users is 5, the number of current VTY "
			 "users online is 1, and total number of terminal users online is 1.\r\n"
			 "<Fake>");
	cr_assert_null(memmem(c->buf + off, c->len - off, "admin@123", 9), "password echoed");

	client_clear(c);
	client_sends(c, "display clock\r\n");
	client_expect(c, "display clock\r\nfake exec [display clock] by admin on VTY 0\r\n<Fake>");

	client_clear(c);
	client_sends(c, "dis ?");
	client_expect(c, "dis ?\r\n  fake-help [dis ]\r\n<Fake>dis ");
	client_sends(c, "\x15");        /* Ctrl-U */

	client_clear(c);
	client_sends(c, "dis\t");
	client_expect(c, "display ");
	client_sends(c, "\r\n");
	client_expect(c, "fake exec [display ] by admin on VTY 0");

	client_sends(c, "quit\r\n");
	client_expect_eof(c);
	client_close(c);
	server_stop();
}

/* A session that waits gets no input meanwhile: what was typed runs
 * afterwards, in order, after the prompt; another session is served while
 * it waits. */
Test(vty, typeahead_while_busy)
{
	struct client *a, *b;
	size_t w, p, n;

	server_start(0);
	a = client_connect();
	b = client_connect();
	client_login(a);
	client_login(b);
	client_clear(a);
	client_sends(a, "wait\r\nfirst\r\nsecond\r\n");
	client_expect(a, "wait\r\n");
	/* While a waits, b's line is answered before a's wait ends. */
	client_clear(b);
	client_sends(b, "hello\r\n");
	client_expect(b, "fake exec [hello] by admin on VTY 1\r\n<Fake>");
	cr_assert_null(memmem(a->buf, a->len, "waited", 6), "a's wait ended before b answered");
	n = client_expect(a, "fake exec [second] by admin on VTY 0\r\n<Fake>");
	w = (size_t)((unsigned char *)memmem(a->buf, n, "waited\r\n<Fake>first\r\n", 21) - a->buf);
	p = (size_t)((unsigned char *)memmem(a->buf, n, "fake exec [first]", 17) - a->buf);
	cr_assert_lt(w, p, "typeahead ran before the wait ended: %.*s", (int)n, (char *)a->buf);
	cr_assert_null(memmem(a->buf, w, "first", 5), "typeahead echoed during the wait");
	client_close(a);
	client_close(b);
	wait_sessions_below(1);
	server_stop();
}

/* Pipelined lines: what follows them is held until their late results,
 * which show where each line ended. */
Test(vty, pipelined_results_in_place)
{
	struct client *c;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "pipe\r\nhello\r\npipe\r\nbye\r\n");
	client_expect(c, "pipe\r\nlate result\r\n<Fake>hello\r\nfake exec [hello] by admin on VTY 0"
			 "\r\n<Fake>pipe\r\nlate result\r\n<Fake>bye\r\nfake exec [bye] by admin on "
			 "VTY 0\r\n<Fake>");
	client_close(c);
	wait_sessions_below(1);
	server_stop();
}

/* terminal monitor: an event arriving while a line is half typed shows on
 * lines of its own, then the prompt and the half line again, which the
 * user goes on typing. */
Test(vty, async_event_redraws_line)
{
	struct client *c;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "event\r\n");
	client_expect(c, "event\r\n<Fake>");
	client_sends(c, "dis");
	client_expect(c, "<Fake>dis\r\nEVENT 1\r\n<Fake>dis");
	client_sends(c, "play\r\n");
	client_expect(c, "<Fake>display\r\nfake exec [display] by admin on VTY 0\r\n<Fake>");
	client_close(c);
	wait_sessions_below(1);
	server_stop();
}

/* terminal monitor while a display waits at More: the event is shown
 * after the reader is through, before the prompt, not over the More. */
Test(vty, async_event_waits_for_more)
{
	struct client *c;
	const char *more;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "lines-event 30\r\n");
	client_expect(c, "line 23\r\n  ---- More ----");
	cr_assert_null(memmem(c->buf, c->len, "EVENT", 5));
	client_sends(c, "q");
	client_expect(c, "EVENT 1\r\n<Fake>");
	more = memmem(c->buf, c->len, "---- More ----", 14);
	cr_assert_not_null(more);
	cr_assert_null(memmem(c->buf, (size_t)(more - (const char *)c->buf), "EVENT", 5));
	cr_assert_null(memmem(c->buf, c->len, "line 24", 7));
	client_close(c);
	wait_sessions_below(1);
	server_stop();
}

/* A display pasted behind a pipelined edit: its output is held with the
 * rest and shown as it was written, not paged; the next one is paged. */
Test(vty, held_output_not_paged)
{
	struct client *c;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "pipe\r\nlines 30\r\n");
	client_expect(c, "pipe\r\nlate result\r\n<Fake>lines 30\r\nline 1\r\n");
	client_expect(c, "line 29\r\nline 30\r\n<Fake>");
	cr_assert_null(memmem(c->buf, c->len, "More", 4));
	client_clear(c);
	client_sends(c, "lines 30\r\n");
	client_expect(c, "line 23\r\n  ---- More ----");
	client_sends(c, "q");
	client_expect(c, "<Fake>");
	client_close(c);
	wait_sessions_below(1);
	server_stop();
}

/* Ctrl-C at a question abandons it: "^C" and a new prompt. */
Test(vty, ctrl_c_cancels_question)
{
	struct client *c;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "ask\r\n");
	client_expect(c, "Continue? [Y/N]:");
	client_sends(c, "y\x03");
	client_expect(c, "y^C\r\n<Fake>");
	client_clear(c);
	client_sends(c, "y\r\n");
	client_expect(c, "fake exec [y] by admin on VTY 0\r\n<Fake>");
	client_close(c);
	wait_sessions_below(1);
	server_stop();
}

Test(vty, max_vty_refuses_sixth)
{
	struct client *c[5], *extra;

	server_start(0);
	for (int i = 0; i < 5; i++) {
		c[i] = client_connect();
		client_login(c[i]);
	}
	extra = client_connect();
	client_expect(extra, "Error: The number of VTY users has reached the maximum.");
	client_expect_eof(extra);
	client_close(extra);

	/* Free VTY 2: the next connection gets the lowest free line. */
	client_close(c[2]);
	wait_sessions_below(5);
	c[2] = client_connect();
	client_login(c[2]);
	client_sends(c[2], "x\r\n");
	client_expect(c[2], "fake exec [x] by admin on VTY 2");
	for (int i = 0; i < 5; i++)
		client_close(c[i]);
	server_stop();
}

/* Connections left at the login prompt do not keep others out: while
 * lines are free everyone gets one; once they are taken, an address
 * holding VTY_PREAUTH_PER_SOURCE of them is refused at once, and a
 * newcomer from elsewhere takes the line of the oldest one from the
 * address holding most; a logged-in session keeps its line. */
Test(vty, idle_logins_make_room)
{
	struct client *a[VTY_PREAUTH_PER_SOURCE], *more, *b[2], *in, *fresh;

	server_start(0);
	in = client_connect_from(9);
	client_login(in);                              /* VTY 0, logged in */
	for (int i = 0; i < VTY_PREAUTH_PER_SOURCE; i++) {
		a[i] = client_connect_from(2);         /* VTY 1..3 */
		client_expect(a[i], "Username:");
	}
	b[0] = client_connect_from(3);                 /* VTY 4: the lines are full */
	client_expect(b[0], "Username:");
	more = client_connect_from(2);
	client_expect_eof(more);
	cr_assert_null(memmem(more->buf, more->len, "Username:", 9),
		       "a 4th idle login from one address while the lines are full");
	client_close(more);
	b[1] = client_connect_from(3);                 /* takes a[0]'s line */
	client_expect(b[1], "Username:");
	client_expect_eof(a[0]);
	client_login(b[1]);
	client_sends(b[1], "x\r\n");
	client_expect(b[1], "fake exec [x] by admin on VTY 1");
	client_sends(in, "y\r\n");
	client_expect(in, "fake exec [y] by admin on VTY 0");
	fresh = client_connect_from(4);                /* takes a[1]'s */
	client_expect(fresh, "Username:");
	client_expect_eof(a[1]);
	client_close(fresh);
	for (int i = 0; i < VTY_PREAUTH_PER_SOURCE; i++)
		client_close(a[i]);
	client_close(b[0]);
	client_close(b[1]);
	client_close(in);
	server_stop();
}

Test(vty, three_failed_logins_close)
{
	struct client *c;

	server_start(0);
	c = client_connect();
	for (int i = 0; i < 3; i++) {
		client_expect(c, "Username:");
		client_clear(c);
		client_sends(c, "admin\r\n");
		client_expect(c, "Password:");
		client_clear(c);
		client_sends(c, "nope\r\n");
		client_expect(c, "Error: Local authentication is rejected.\r\n");
	}
	cr_assert_null(memmem(c->buf, c->len, "Username:", 9), "asked again after 3 failures");
	client_expect_eof(c);
	client_close(c);
	server_stop();
}

Test(vty, no_session_from_engine)
{
	struct client *c;

	fake_refuse_sessions = true;
	server_start(0);
	c = client_connect();
	client_expect(c, "Username:");
	client_sends(c, "admin\r\nadmin@123\r\n");
	client_expect(c, "Error: cfgd is unreachable.");
	client_expect_eof(c);
	client_close(c);
	server_stop();
}

/* A second of idleness: long enough that the test's own answers during
 * the login never count as idle on a loaded machine. */
Test(vty, idle_timeout)
{
	struct client *c;

	server_start(1000000);
	c = client_connect();
	client_login(c);
	client_expect(c, "idle for too long");
	client_expect_eof(c);
	client_close(c);
	server_stop();
}

/* A command writes 10 MB at once: the socket's queue stays near
 * VTY_OUT_PAUSE, the rest waits in the pager up to its 8 MB, and the
 * reader gets that much, a line saying the output was cut, and the prompt;
 * the connection stays. */
Test(vty, output_paced_and_bounded)
{
	struct client *c;
	size_t got = 0;
	uint64_t deadline;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "flood\r\n");
	deadline = now_ms() + 20000;
	while (!c->eof && now_ms() < deadline &&
	       !memmem(c->buf, c->len, "<Fake>", 6)) {
		if (c->len > 32768) {
			/* Keep the tail: the sentence may straddle reads. */
			memmove(c->buf, c->buf + c->len - 256, 256);
			got += c->len - 256;
			c->len = 256;
		}
		client_read_some(c, deadline);
	}
	got += c->len;
	cr_assert_not(c->eof, "connection dropped");
	static const char cut[] = "Info: The output was cut: more than 8388608 bytes "
				  "waited to be read.\r\n<Fake>";
	cr_assert(memmem(c->buf, c->len, cut, strlen(cut)), "no cut");
	cr_assert_gt(got, 8u << 20);
	cr_assert_lt(got, (8u << 20) + VTY_OUT_PAUSE_FOR_TEST);
	/* The session goes on. */
	client_clear(c);
	client_sends(c, "hello\r\n");
	client_expect(c, "fake exec [hello]");
	client_close(c);
	/* The server still serves. */
	c = client_connect();
	client_login(c);
	client_close(c);
	server_stop();
}

Test(vty, garbage_storm)
{
	enum { TELOPT_COMPRESS2 = 86 };
	static const unsigned char specials[] = {
		255, 255, 250, 240, 251, 252, 253, 254, 244, 246, 31, 1, 3, 24, 39,
		27, '[', 'O', '?', '\t', '\r', '\n', 0, 0x7f, 8, 3, 26, TELOPT_COMPRESS2,
	};
	/* Ends any telnet state (IAC, option, SB) and editor state, then a line. */
	static const char resync[] = "\xff\xf0\xff\xf0\x03marker\r\n";
	unsigned int seed = 4242;
	struct client *c;
	unsigned char *junk;
	size_t total = 256 * 1024 + sizeof(resync) - 1, sent = 0;
	uint64_t deadline;

	server_start(0);
	junk = malloc(total);
	for (size_t i = 0; i < total - (sizeof(resync) - 1); i++) {
		int r = rand_r(&seed);

		junk[i] = (r & 1) ? specials[(r >> 1) % sizeof(specials)] : (unsigned char)(r >> 8);
	}
	memcpy(junk + total - (sizeof(resync) - 1), resync, sizeof(resync) - 1);
	/* Before login; after login; after login without the MCCP option byte
	 * (starting compression gets a connection dropped at once). */
	for (int phase = 0; phase < 3; phase++) {
		c = client_connect();
		if (phase == 2)
			for (size_t i = 0; i < total - (sizeof(resync) - 1); i++)
				if (junk[i] == TELOPT_COMPRESS2)
					junk[i] = 0;
		if (phase >= 1)
			client_login(c);
		deadline = now_ms() + 20000;
		sent = 0;
		while (sent < total && !c->eof && now_ms() < deadline) {
			struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLOUT };

			if (poll(&p, 1, 100) <= 0)
				continue;
			if (p.revents & POLLIN) {
				c->len = 0;
				client_read_some(c, now_ms() + 10);
			}
			if (p.revents & POLLOUT) {
				ssize_t n = send(c->fd, junk + sent, total - sent,
						 MSG_NOSIGNAL | MSG_DONTWAIT);

				if (n < 0 && errno != EAGAIN && errno != EINTR)
					break;          /* reset by the server: fine */
				if (n > 0)
					sent += (size_t)n;
			}
		}
		if (phase >= 1) {
			/* Logged in: the server read it all and still runs the
			 * marker line, or it dropped the connection on a telnet
			 * protocol error.  Either way it did not hang. */
			bool seen = false;

			deadline = now_ms() + 20000;
			while (!seen && !c->eof && client_read_some(c, deadline))
				seen = memmem(c->buf, c->len, "fake exec [marker]", 18) != NULL;
			cr_assert(seen || c->eof, "no answer after the storm");
			cr_log_info("storm phase %d: %s", phase, seen ? "marker ran" : "dropped");
		}
		client_close(c);
	}
	free(junk);
	/* Still alive and serving. */
	c = client_connect();
	client_login(c);
	client_sends(c, "hello\r\n");
	client_expect(c, "fake exec [hello]");
	client_close(c);
	server_stop();
}

/* Paging: 24 rows without NAWS (23 lines and the More line), Space, Enter,
 * q; the prompt waits for the pager; the session's screen-length wins;
 * another session goes on while one waits at More. */
Test(vty, paging)
{
	static const char erase[] = "\x1b[42D                                          \x1b[42D";
	struct client *c, *d;

	server_start(0);
	c = client_connect();
	client_login(c);
	client_clear(c);
	client_sends(c, "lines 30\r\n");
	client_expect(c, "line 22\r\nline 23\r\n  ---- More ----");
	cr_assert_null(memmem(c->buf, c->len, "line 24", 7));

	/* Another session works meanwhile. */
	d = client_connect();
	client_login(d);
	client_clear(d);
	client_sends(d, "hello\r\n");
	client_expect(d, "fake exec [hello] by admin on VTY 1\r\n<Fake>");

	client_clear(c);
	client_sends(c, "\r\n");          /* Enter: one line */
	client_expect(c, "line 24\r\n  ---- More ----");
	cr_assert(memmem(c->buf, c->len, erase, strlen(erase)), "the More line is erased");
	cr_assert_null(memmem(c->buf, c->len, "line 25", 7));
	client_clear(c);
	client_sends(c, " ");             /* Space: the rest (6 lines), then the prompt */
	client_expect(c, "line 30\r\n<Fake>");
	cr_assert_null(memmem(c->buf, c->len, "More", 4));

	/* q drops the rest; the prompt comes on the erased line. */
	client_clear(c);
	client_sends(c, "lines 100\r\n");
	client_expect(c, "line 23\r\n  ---- More ----");
	client_clear(c);
	client_sends(c, "q");
	client_expect(c, "\x1b[42D<Fake>");
	cr_assert_null(memmem(c->buf, c->len, "line 24", 7));

	/* The session's screen-length: 5 rows, 0 for none. */
	client_clear(c);
	client_sends(c, "sl 5\r\n");
	client_expect(c, "<Fake>");
	client_clear(c);
	client_sends(c, "lines 10\r\n");
	client_expect(c, "line 4\r\n  ---- More ----");
	client_sends(c, "\x03");          /* Ctrl-C stops */
	client_expect(c, "<Fake>");
	client_clear(c);
	client_sends(c, "sl 0\r\nlines 100\r\n");
	client_expect(c, "line 100\r\n<Fake>");
	cr_assert_null(memmem(c->buf, c->len, "More", 4));
	client_close(c);
	client_close(d);
	server_stop();
}
