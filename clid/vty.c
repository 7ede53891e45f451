/*
 * vty.c: clid's telnet server (see vty.h).
 *
 * Everything runs in the daemon's loop.  A connection reads at most
 * VTY_READ_CHUNK bytes per wake-up into its input buffer and hands them to
 * libtelnet in small slices, stopping while its output queue is above
 * VTY_OUT_PAUSE: a peer that types faster than it reads the echo is slowed
 * down by TCP instead of making us buffer without bound.  Output (echo,
 * command output, telnet negotiation) is queued and written when the socket
 * is writable; POLLOUT is asked for only while the queue is non-empty.
 *
 * Telnet events may not free the connection they run in (libtelnet is still
 * on the stack): they mark it dead or closing, and the fd or timer callback
 * that started the work finishes the job.  A graceful close flushes the
 * queue, shuts the write side down and waits a little for the peer's EOF, so
 * the last words are not lost to a reset.
 *
 * A session that waits for cfgd or ntpd (cli_exec() said CLI_BUSY) gets no
 * input until the engine's done callback: decoded bytes stay in the
 * connection's typeahead and libtelnet is fed no more, so the input buffer
 * fills and the socket is no longer read (TCP holds the rest).  When the
 * session is ready the prompt is shown and the typeahead runs, in order.
 * The line editor is fed line by line, so a pasted block stops exactly at
 * the line that made the session busy.  Other connections never wait.
 *
 * Pipelined edits (cli_hold_fn): a line whose edit went to cfgd unanswered
 * opens a hold; everything written after it (the next prompt, echo, later
 * lines' output) goes to the held buffer, each later hold marking where its
 * line ended.  The release of the oldest hold writes that line's result to
 * the queue, then the held bytes up to the next mark: the terminal shows
 * exactly what it would had every line waited.
 *
 * Paging (pager.c): a command's output goes through the connection's
 * pager, which stops at `  ---- More ----` after a screen (the session's
 * screen-length, else the NAWS height, else 24 rows) and keeps the rest, at
 * most PAGER_MAX_PENDING bytes, until the reader answers.  The session is
 * done meanwhile (its calls to the daemons are over), so nothing but this
 * VTY waits: the prompt is deferred until the pager is through, and typed
 * bytes go to the pager while it waits (even while the session is busy, so
 * a reader can answer the output of a command still running).  The pager
 * also paces a command's output by the socket: it writes while the queue
 * is below VTY_OUT_PAUSE and keeps the rest (the same bound) until the
 * queue drains, so a long display with paging off needs no more than that
 * either; past the bound the output is cut, with a line saying so.  A line
 * run while earlier pipelined edits are outstanding (its output is held,
 * see above) is neither paged nor paced, nor are held echo, help or
 * completion.  A `terminal monitor` event that comes while the pager holds
 * output waits (at most VTY_MONITOR_DEFER bytes, the rest counted) and is
 * shown before the next prompt, never over a page or its More.
 *
 * An SSH session (vty_server_adopt) is a raw connection: its fd is one end
 * of ssh.c's socketpair, bytes are the terminal's as they are (no
 * libtelnet), the user is already authenticated, and ssh.c reports the
 * window size (vty_server_set_size) as NAWS would.  Everything else above
 * holds for it unchanged.
 *
 * Connection life: OPEN (login, then session) -> CLOSING (flushing, input
 * ignored; the VTY line is already free) -> DRAINING (write side shut,
 * discarding input until EOF or a short linger) -> freed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libtelnet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "bootstrap.h"
#include "cli.h"
#include "evlog.h"
#include "lineedit.h"
#include "log.h"
#include "login.h"
#include "loop.h"
#include "pager.h"
#include "tcp.h"
#include "vty.h"

#define VTY_READ_CHUNK 512
#define VTY_FEED_SLICE 16
#define VTY_BUSY_AHEAD 1024
#define VTY_OUT_PAUSE (256 * 1024)
#define VTY_MONITOR_DEFER (64 * 1024)
#define VTY_LINGER_US (10ULL * 1000000)
#define VTY_MAX_LISTEN 4
#define VTY_MAX_LINGERING 16
#define VTY_ACCEPT_BURST 32
#define VTY_ACCEPT_RETRY_US 100000

enum conn_state { CONN_OPEN = 0, CONN_CLOSING, CONN_DRAINING };

struct vty_conn {
	struct vty_server *srv;
	struct vty_conn *next, *prev;
	int fd;
	int slot;                       /* VTY number, -1 when holding none */
	char name[16];                  /* "VTY 3" */
	char peer[64];
	enum conn_state state;
	bool dead;                      /* free at the next safe point */
	bool pending_nl;                /* engine output must start on a fresh line */

	telnet_t *telnet;               /* NULL on a raw (SSH) connection */
	bool raw;                       /* bytes as they are: an SSH channel's bridge */
	uint64_t id;                    /* vty_server_set_size()'s handle */
	struct lineedit *le;
	struct login *login;            /* while logging in */
	struct cli_session *sess;       /* once logged in */

	char *outq;
	size_t out_off, out_len, out_cap;

	char inbuf[VTY_READ_CHUNK];
	size_t in_off, in_len;
	/* Decoded input not yet given to the line editor (session busy). */
	char *ahead;
	size_t ahead_off, ahead_len, ahead_cap;
	bool opening;                   /* the session is being opened */
	char user[64];                  /* who logged in */
	bool awaiting;                  /* cli_exec() said CLI_BUSY: a prompt follows */
	/* Output held behind pipelined lines (see the top of the file). */
	char *held;
	size_t held_off, held_len, held_cap;
	size_t *marks;                  /* where holds 2..n begin in held */
	size_t n_holds, marks_cap;
	bool bypass;                    /* a release writes past the held bytes */
	bool defer_prompt;              /* the next prompt comes with a release */
	/* Paging (see the top of the file). */
	struct pager *pager;
	bool in_cmd;                    /* a command's output is being written */
	bool cmd_paged;                 /* the pager was started for it */
	bool cmd_held;                  /* it began behind held lines: not paged */
	bool fed_cr;                    /* the line editor's last byte was a CR */
	bool prompt_after_more;         /* show the prompt once the pager is through */
	/* `terminal monitor` events that came while the pager had output:
	 * shown before the next prompt, at most VTY_MONITOR_DEFER bytes (the
	 * rest counted and said). */
	char *mon_defer;
	size_t mon_len;
	unsigned mon_dropped;

	uint64_t last_input_us;
	uint64_t idle_us;
	uint64_t idle_timer;
	uint64_t login_timer;           /* VTY_LOGIN_TIMEOUT_US while logging in */
	uint64_t opened_us;             /* when it was accepted */
	uint64_t linger_timer;
	int width, height;
};

struct vty_server {
	struct loop *loop;
	const struct bootstrap *bs;
	struct cli_backend *be;
	int lfd[VTY_MAX_LISTEN];
	size_t n_lfd;
	int port;
	int max_vty;
	bool slot_used[VTY_MAX_SLOTS];
	size_t n_slots;                 /* lines in use */
	size_t n_lingering;             /* connections closing */
	uint64_t idle_us;
	uint64_t accept_timer;
	uint64_t next_id;
	bool telnet_off;                /* `undo telnet server enable` */
	struct vty_conn *conns;
	/* Counters for what went wrong, shown in debug logs. */
	unsigned long n_accepted, n_refused, n_overflow, n_telnet_errors, n_bad_naws;
	unsigned long n_flood_refused, n_evicted;
};

static const telnet_telopt_t vty_telopts[] = {
	{ TELNET_TELOPT_ECHO, TELNET_WILL, TELNET_DONT },
	{ TELNET_TELOPT_SGA,  TELNET_WILL, TELNET_DO },
	{ TELNET_TELOPT_NAWS, TELNET_WONT, TELNET_DO },
	{ -1, 0, 0 },
};

static void conn_update_events(struct vty_conn *c);
static int cur_max_vty(const struct vty_server *srv);
static void linger_arm(struct vty_conn *c);

/* ---- output queue ---- */

static void held_append(struct vty_conn *c, const char *buf, size_t len);

static void outq_append(struct vty_conn *c, const char *buf, size_t len)
{
	if (c->dead || c->state == CONN_DRAINING || len == 0)
		return;
	if (c->n_holds > 0 && !c->bypass) {
		held_append(c, buf, len);
		return;
	}
	if (c->out_len - c->out_off + len > VTY_MAX_OUTQ) {
		c->srv->n_overflow++;
		log_warn("%s (%s): output queue over %d bytes, dropping the connection",
			 c->slot >= 0 ? c->name : "vty", c->peer, VTY_MAX_OUTQ);
		c->dead = true;
		return;
	}
	if (c->out_off > 0 && c->out_len + len > c->out_cap) {
		memmove(c->outq, c->outq + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;

		while (cap < c->out_len + len)
			cap *= 2;
		c->outq = xrealloc(c->outq, cap);
		c->out_cap = cap;
	}
	memcpy(c->outq + c->out_len, buf, len);
	c->out_len += len;
}

static size_t outq_pending(const struct vty_conn *c)
{
	return c->out_len - c->out_off;
}

static size_t held_pending(const struct vty_conn *c)
{
	return c->held_len - c->held_off;
}

static void held_append(struct vty_conn *c, const char *buf, size_t len)
{
	if (outq_pending(c) + held_pending(c) + len > VTY_MAX_OUTQ) {
		c->srv->n_overflow++;
		log_warn("%s (%s): output queue over %d bytes, dropping the connection",
			 c->slot >= 0 ? c->name : "vty", c->peer, VTY_MAX_OUTQ);
		c->dead = true;
		return;
	}
	if (c->held_len + len > c->held_cap) {
		size_t cap = c->held_cap ? c->held_cap : 4096;

		while (cap < c->held_len + len)
			cap *= 2;
		c->held = xrealloc(c->held, cap);
		c->held_cap = cap;
	}
	memcpy(c->held + c->held_len, buf, len);
	c->held_len += len;
}

/* Write what the socket takes now.  Marks the connection dead on errors. */
static void outq_flush(struct vty_conn *c)
{
	while (!c->dead && outq_pending(c) > 0) {
		ssize_t n = send(c->fd, c->outq + c->out_off, outq_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_debug("%s: write: %s", c->peer, strerror(errno));
				c->dead = true;
			}
			break;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

/* Text to the terminal, through telnet (IAC doubling). */
static void term_write(struct vty_conn *c, const char *buf, size_t len)
{
	if ((c->telnet || c->raw) && !c->dead) {
		if (c->raw)
			outq_append(c, buf, len);
		else
			telnet_send(c->telnet, buf, len);
		/* Output of a line still running (ping's replies, written as
		 * ifmgrd's answers come) leaves now, not when the line ends. */
		if (c->fd >= 0)
			conn_update_events(c);
	}
}

static void term_puts(struct vty_conn *c, const char *s)
{
	term_write(c, s, strlen(s));
}

/* ---- lines and closing ---- */

/* The audit event of a session ending (SHELL/5/LOGOUT, VRP's name). */
static void logout_event(const struct vty_conn *c)
{
	char addr[sizeof(c->peer)];

	snprintf(addr, sizeof(addr), "%s", c->peer);
	if (strrchr(addr, ':'))
		*strrchr(addr, ':') = '\0';
	evlog(EV_NOTICE, "SHELL", "LOGOUT",
	      "The user succeeded in logging out of %s. (UserType=%s, UserName=%s, "
	      "RemoteIp=%s, VpnName=)", c->name, c->raw ? "SSH" : "Telnet",
	      c->user[0] ? c->user : "**",
	      addr[0] ? addr : "**");
}

static void slot_release(struct vty_conn *c)
{
	if (c->slot < 0)
		return;
	c->srv->slot_used[c->slot] = false;
	c->srv->n_slots--;
	c->slot = -1;
}

/* Stop the session and close once the output is out. */
static void conn_begin_close(struct vty_conn *c)
{
	if (c->state != CONN_OPEN)
		return;
	c->state = CONN_CLOSING;
	linger_arm(c);
	if (c->le)
		lineedit_set_mode(c->le, LINEEDIT_OFF);
	if (c->sess) {
		cli_session_free(c->sess);
		c->sess = NULL;
		logout_event(c);
	}
	if (c->slot >= 0)
		log_info("%s (%s): closed", c->name, c->peer);
	slot_release(c);
}

static void conn_free(struct vty_conn *c)
{
	struct vty_server *srv = c->srv;

	if (c->sess) {
		cli_session_free(c->sess);
		logout_event(c);
	}
	if (c->slot >= 0)
		log_info("%s (%s): connection closed", c->name, c->peer);
	slot_release(c);
	if (c->fd >= 0) {
		loop_del_fd(srv->loop, c->fd);
		close(c->fd);
	}
	if (c->idle_timer)
		loop_timer_cancel(srv->loop, c->idle_timer);
	if (c->login_timer)
		loop_timer_cancel(srv->loop, c->login_timer);
	if (c->linger_timer) {
		loop_timer_cancel(srv->loop, c->linger_timer);
		srv->n_lingering--;
	}
	if (c->telnet)
		telnet_free(c->telnet);
	lineedit_free(c->le);
	login_free(c->login);
	pager_free(c->pager);
	free(c->mon_defer);
	free(c->outq);
	free(c->held);
	free(c->marks);
	if (c->ahead)
		explicit_bzero(c->ahead, c->ahead_cap);
	free(c->ahead);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	explicit_bzero(c->inbuf, sizeof(c->inbuf));
	free(c);
}

static void on_linger(struct loop *loop, void *arg)
{
	struct vty_conn *c = arg;

	c->linger_timer = 0;
	c->srv->n_lingering--;
	log_debug("%s: closing took too long, dropped", c->peer);
	conn_free(c);
}

/* A closing connection gets VTY_LINGER_US to flush and see the peer's EOF. */
static void linger_arm(struct vty_conn *c)
{
	if (c->linger_timer)
		return;
	c->srv->n_lingering++;
	c->linger_timer = loop_timer_add(c->srv->loop, VTY_LINGER_US, on_linger, c);
}

static void conn_pager_resume(struct vty_conn *c);

/* After work on a connection: free it, move it along its close, or update
 * what it polls for.  Only from loop callbacks (never inside libtelnet). */
static void conn_settle(struct vty_conn *c)
{
	if (!c->dead && outq_pending(c) > 0)
		outq_flush(c);
	/* The socket may have taken everything: the pager goes on while it
	 * does (no POLLOUT would come for an empty queue). */
	while (!c->dead && c->pager && outq_pending(c) == 0 && pager_busy(c->pager) &&
	       !pager_waiting(c->pager)) {
		size_t before = pager_pending(c->pager);

		conn_pager_resume(c);
		outq_flush(c);
		if (pager_pending(c->pager) == before)
			break;
	}
	if (c->dead) {
		conn_free(c);
		return;
	}
	if (c->state == CONN_CLOSING && outq_pending(c) == 0) {
		/* Everything said: half-close and wait for the peer's EOF. */
		shutdown(c->fd, SHUT_WR);
		c->state = CONN_DRAINING;
	}
	conn_update_events(c);
}

/* Whether more input may be decoded: none is waiting for the line editor,
 * or the session runs an interruptible command (ping), whose Ctrl-C must
 * be seen while it runs; what else is typed meanwhile is kept, up to
 * VTY_BUSY_AHEAD bytes. */
static bool ahead_open(const struct vty_conn *c)
{
	size_t pending = c->ahead_len - c->ahead_off;

	return pending == 0 ||
	       (c->sess && cli_busy(c->sess) && cli_interruptible(c->sess) &&
		pending < VTY_BUSY_AHEAD);
}

static void conn_update_events(struct vty_conn *c)
{
	short ev = 0;

	switch (c->state) {
	case CONN_OPEN:
		if (c->in_off == c->in_len && ahead_open(c) &&
		    outq_pending(c) + held_pending(c) < VTY_OUT_PAUSE)
			ev |= POLLIN;
		break;
	case CONN_CLOSING:
		break;
	case CONN_DRAINING:
		ev |= POLLIN;
		break;
	}
	if (outq_pending(c) > 0)
		ev |= POLLOUT;
	loop_mod_fd(c->srv->loop, c->fd, ev);
}

/* ---- the session ---- */

static unsigned page_rows(struct vty_conn *c);

/* Engine output: starts on a fresh line after '?' or TAB; a command's
 * output goes through the pager. */
static void cli_out(void *arg, const char *buf, size_t len)
{
	struct vty_conn *c = arg;

	if (len == 0)
		return;
	if (c->pending_nl) {
		c->pending_nl = false;
		term_write(c, "\r\n", 2);
	}
	if (c->in_cmd) {
		if (!c->cmd_paged) {
			/* Now, not at Enter: the configured screen-length read
			 * at login may have come in meanwhile. */
			pager_start(c->pager, page_rows(c));
			c->cmd_paged = true;
		}
		if (c->sess && cli_no_more(c->sess))
			pager_no_more(c->pager);
		pager_write(c->pager, buf, len);
	} else {
		term_write(c, buf, len);
	}
}

static void pager_out(void *arg, const char *buf, size_t len)
{
	term_write(arg, buf, len);
}

/* The pager writes while the queue is below VTY_OUT_PAUSE (held output
 * cannot drain until its release: it is never paced). */
static bool pager_room(void *arg)
{
	struct vty_conn *c = arg;

	return c->cmd_held || c->dead || c->state != CONN_OPEN ||
	       outq_pending(c) < VTY_OUT_PAUSE;
}

/* Rows of a page for the command starting now: 0 for no paging. */
static unsigned page_rows(struct vty_conn *c)
{
	int sl = c->sess ? cli_screen_length(c->sess) : -1;

	if (c->cmd_held)
		return 0;   /* held output is replayed as it was written */
	if (sl >= 0)
		return (unsigned)sl;
	return c->height > 0 ? (unsigned)c->height : 24;
}

static void show_prompt(struct vty_conn *c)
{
	c->in_cmd = false;
	if (pager_busy(c->pager)) {
		/* The reader answers More first (conn_pump()), or the
		 * terminal takes the rest (conn_pager_resume()). */
		c->prompt_after_more = true;
		return;
	}
	if (c->mon_len > 0 || c->mon_dropped > 0) {
		term_write(c, c->mon_defer, c->mon_len);
		if (c->mon_dropped > 0) {
			char note[96];
			int n = snprintf(note, sizeof(note),
					 "(%u more events were not shown)\r\n", c->mon_dropped);

			term_write(c, note, (size_t)n);
		}
		free(c->mon_defer);
		c->mon_defer = NULL;
		c->mon_len = 0;
		c->mon_dropped = 0;
	}
	if (c->defer_prompt) {
		/* The line's result and prompt come with its release. */
		c->defer_prompt = false;
		lineedit_set_mode(c->le, LINEEDIT_COMMAND);
		lineedit_set_prompt(c->le, "");
		lineedit_start(c->le);
		lineedit_set_prompt(c->le, cli_prompt(c->sess));
		return;
	}
	if (cli_awaiting_answer(c->sess)) {
		/* The engine has written the question; the answer is plain text. */
		lineedit_set_mode(c->le, LINEEDIT_PLAIN);
		lineedit_set_prompt(c->le, "");
	} else {
		lineedit_set_mode(c->le, LINEEDIT_COMMAND);
		lineedit_set_prompt(c->le, cli_prompt(c->sess));
	}
	lineedit_start(c->le);
}

static bool conn_busy(const struct vty_conn *c)
{
	return c->sess && cli_busy(c->sess);
}

static void conn_pump(struct vty_conn *c);
static void conn_process_input(struct vty_conn *c);

/* The session is open: say so and show the first prompt. */
static void session_ready(struct vty_conn *c)
{
	struct vty_server *srv = c->srv;
	size_t online = 0;
	char msg[256];

	log_info("%s (%s): user %s logged in", c->name, c->peer, c->user);
	for (struct vty_conn *o = srv->conns; o; o = o->next)
		if (o->sess && o->state == CONN_OPEN && !o->opening)
			online++;
	snprintf(msg, sizeof(msg),
		 "Info: The max number of VTY users is %d, the number of current VTY users "
		 "online is %zu, and total number of terminal users online is %zu.\r\n",
		 cur_max_vty(srv), online, online);
	term_puts(c, msg);
	show_prompt(c);
}

/* The engine's done callback: a busy session is ready again.  From the
 * loop (a bus or timer callback), so the connection is settled here. */
static void sess_done(void *arg)
{
	struct vty_conn *c = arg;

	if (c->state == CONN_OPEN && !c->dead) {
		if (cli_ended(c->sess)) {
			if (c->opening)
				log_warn("%s (%s): no CLI session", c->name, c->peer);
			conn_begin_close(c);
		} else if (c->opening) {
			c->opening = false;
			session_ready(c);
		} else if (c->awaiting) {
			c->awaiting = false;
			show_prompt(c);
		}
		conn_process_input(c);
	}
	conn_settle(c);
}

/* A pipelined line ended: hold what follows (see the top of the file). */
static void sess_hold(void *arg)
{
	struct vty_conn *c = arg;

	if (c->n_holds > 0) {
		if (c->n_holds - 1 == c->marks_cap) {
			c->marks_cap = c->marks_cap ? 2 * c->marks_cap : 16;
			c->marks = xrealloc(c->marks, c->marks_cap * sizeof(*c->marks));
		}
		c->marks[c->n_holds - 1] = c->held_len;
	}
	c->n_holds++;
	c->defer_prompt = true;
}

/* The oldest held line's result and the prompt after it: show them, then
 * what was held after that line up to the next held one.  From the loop
 * or from cli_exec(): never frees the connection (the fd callback does,
 * once POLLOUT fires). */
static void sess_release(void *arg, const char *text, size_t len)
{
	struct vty_conn *c = arg;
	size_t upto;

	if (c->n_holds == 0)
		return;
	c->bypass = true;
	term_write(c, text, len);
	c->n_holds--;
	upto = c->n_holds > 0 ? c->marks[0] : c->held_len;
	if (upto > c->held_off)
		outq_append(c, c->held + c->held_off, upto - c->held_off);
	c->bypass = false;
	c->held_off = upto;
	if (c->n_holds > 0)
		memmove(c->marks, c->marks + 1, (c->n_holds - 1) * sizeof(*c->marks));
	else
		c->held_off = c->held_len = 0;
	if (c->fd >= 0 && !c->dead)
		conn_update_events(c);
}

/* An event for `terminal monitor`: at the prompt, on lines of its own and
 * the prompt and the line being typed again after it, as VRP does; while a
 * command runs or a question waits, only the text (the prompt follows). */
static void sess_async(void *arg, const char *text, size_t len)
{
	struct vty_conn *c = arg;

	if (c->state != CONN_OPEN || c->dead || c->opening || !c->sess)
		return;
	if (pager_busy(c->pager)) {
		/* Not into a page or over `---- More ----`: after it. */
		if (c->mon_len + len > VTY_MONITOR_DEFER) {
			c->mon_dropped++;
			return;
		}
		c->mon_defer = xrealloc(c->mon_defer, c->mon_len + len);
		memcpy(c->mon_defer + c->mon_len, text, len);
		c->mon_len += len;
		return;
	}
	term_write(c, "\r\n", 2);
	term_write(c, text, len);
	if (!conn_busy(c) && !c->awaiting && c->n_holds == 0)
		lineedit_redraw(c->le);
	if (c->fd >= 0)
		conn_update_events(c);
}

/* The peer's address without its ":port". */
static void peer_address(const struct vty_conn *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s", c->peer);
	if (strrchr(buf, ':'))
		*strrchr(buf, ':') = '\0';
}

/* The session of `user` at `level` (the login dialogue, if any, is over). */
static void session_open(struct vty_conn *c, const char *who, unsigned level)
{
	struct vty_server *srv = c->srv;
	char *user = xstrdup(who);

	login_free(c->login);
	c->login = NULL;
	if (c->login_timer) {
		loop_timer_cancel(srv->loop, c->login_timer);
		c->login_timer = 0;
	}
	c->sess = cli_session_new(srv->be, user, c->name, cli_out, c);
	if (!c->sess) {
		log_warn("%s (%s): no CLI session for user %s", c->name, c->peer, user);
		free(user);
		conn_begin_close(c);
		return;
	}
	cli_session_set_level(c->sess, level);
	cli_session_on_done(c->sess, sess_done);
	cli_session_on_pipeline(c->sess, sess_hold, sess_release);
	cli_session_on_async(c->sess, sess_async);
	char addr[sizeof(c->peer)];
	peer_address(c, addr, sizeof(addr));
	cli_session_set_peer(c->sess, addr);
	cli_session_set_ssh(c->sess, c->raw);
	cli_session_read_settings(c->sess);
	snprintf(c->user, sizeof(c->user), "%s", user);
	free(user);
	if (cli_busy(c->sess))
		c->opening = true;   /* sess_done() goes on */
	else
		session_ready(c);
}

static void session_start(struct vty_conn *c)
{
	char *user = xstrdup(login_user(c->login));

	session_open(c, user, login_level(c->login));
	free(user);
}

static void login_prompt_show(struct vty_conn *c)
{
	lineedit_set_mode(c->le, login_secret(c->login) ? LINEEDIT_SECRET : LINEEDIT_PLAIN);
	lineedit_set_prompt(c->le, login_prompt(c->login));
	lineedit_start(c->le);
}

static void login_out(void *arg, const char *buf, size_t len)
{
	term_write(arg, buf, len);
}

/* ---- line editor callbacks ---- */

static void le_write(void *arg, const char *buf, size_t len)
{
	term_write(arg, buf, len);
}

static void le_on_line(void *arg, const char *line)
{
	struct vty_conn *c = arg;

	if (c->state != CONN_OPEN || c->dead)
		return;
	if (c->login) {
		switch (login_input(c->login, line)) {
		case LOGIN_MORE:
			login_prompt_show(c);
			break;
		case LOGIN_OK:
			session_start(c);
			break;
		case LOGIN_DENIED:
			log_warn("%s (%s): login failed %d times, closing", c->name, c->peer,
				 login_failures(c->login));
			conn_begin_close(c);
			break;
		}
		return;
	}
	if (!c->sess)
		return;
	c->in_cmd = true;
	c->cmd_paged = false;
	c->cmd_held = c->n_holds > 0;
	switch (cli_exec(c->sess, line)) {
	case CLI_ENDED:
		c->in_cmd = false;
		conn_begin_close(c);
		return;
	case CLI_BUSY:
		c->awaiting = true;
		return;   /* sess_done() shows the prompt */
	case CLI_DONE:
		break;
	}
	if (c->state == CONN_OPEN && !c->dead)
		show_prompt(c);
}

/* Ctrl-C: a question is abandoned (a new prompt of the view), anything
 * else starts a new line. */
static void le_on_cancel(void *arg)
{
	struct vty_conn *c = arg;

	if (c->sess && !cli_busy(c->sess) && cli_cancel(c->sess))
		show_prompt(c);
	else
		lineedit_start(c->le);
}

static void le_on_help(void *arg, const char *line)
{
	struct vty_conn *c = arg;

	if (!c->sess)
		return;
	c->pending_nl = true;
	cli_help(c->sess, line);
	if (c->pending_nl)
		term_write(c, "\r\n", 2);
	c->pending_nl = false;
}

static char *le_on_complete(void *arg, const char *line, bool *redraw)
{
	struct vty_conn *c = arg;
	char *r;

	if (!c->sess)
		return NULL;
	c->pending_nl = true;
	r = cli_complete(c->sess, line);
	*redraw = !c->pending_nl;
	c->pending_nl = false;
	return r;
}

/* ---- typeahead ---- */

static void ahead_add(struct vty_conn *c, const char *buf, size_t len)
{
	if (c->ahead_off == c->ahead_len)
		c->ahead_off = c->ahead_len = 0;
	if (c->ahead_off > 0 && c->ahead_len + len > c->ahead_cap) {
		memmove(c->ahead, c->ahead + c->ahead_off, c->ahead_len - c->ahead_off);
		c->ahead_len -= c->ahead_off;
		c->ahead_off = 0;
	}
	if (c->ahead_len + len > c->ahead_cap) {
		size_t cap = c->ahead_cap ? c->ahead_cap : 256;

		while (cap < c->ahead_len + len)
			cap *= 2;
		c->ahead = xrealloc(c->ahead, cap);
		c->ahead_cap = cap;
	}
	memcpy(c->ahead + c->ahead_len, buf, len);
	c->ahead_len += len;
}

/* Typed input: a Ctrl-C while the session runs an interruptible command
 * (ping, tracert) interrupts it and is no typeahead; the rest is. */
static void ahead_add_input(struct vty_conn *c, const char *buf, size_t len)
{
	const char *p;

	while (len > 0 && conn_busy(c) && (p = memchr(buf, 0x03, len)) && cli_interrupt(c->sess)) {
		ahead_add(c, buf, (size_t)(p - buf));
		len -= (size_t)(p - buf) + 1;
		buf = p + 1;
	}
	if (len > 0)
		ahead_add(c, buf, len);
}

/* Give the line editor the typeahead, a line at a time (through the first
 * CR, LF or Ctrl-Z), until it is empty or the session waits; the pager
 * takes the keys while it wants them, busy session or not. */
static void conn_pump(struct vty_conn *c)
{
	while (c->ahead_off < c->ahead_len && c->state == CONN_OPEN && !c->dead &&
	       !c->opening) {
		const char *p = c->ahead + c->ahead_off;
		size_t n = c->ahead_len - c->ahead_off, k = 0;

		if (pager_wants_input(c->pager)) {
			if (c->fed_cr && (p[0] == '\n' || p[0] == '\0')) {
				/* The rest of the CR LF that ran the command:
				 * the line editor's (it swallows it), not Enter. */
				c->fed_cr = false;
				c->ahead_off++;
				lineedit_feed(c->le, p, 1);
				continue;
			}
			c->fed_cr = false;
			k = pager_keys(c->pager, p, n);
			c->ahead_off += k;
			if (c->prompt_after_more && !pager_busy(c->pager)) {
				c->prompt_after_more = false;
				show_prompt(c);
			}
			if (k > 0)
				continue;
		}
		/* The line editor starts with the prompt. */
		if (conn_busy(c) || c->prompt_after_more)
			break;

		while (k < n && p[k] != '\r' && p[k] != '\n' && p[k] != 0x1a)
			k++;
		if (k < n)
			k++;
		c->ahead_off += k;
		c->fed_cr = p[k - 1] == '\r';
		lineedit_feed(c->le, p, k);
	}
	if (c->ahead_off == c->ahead_len)
		c->ahead_off = c->ahead_len = 0;
}

/* ---- telnet ---- */

static void on_telnet(telnet_t *t, telnet_event_t *ev, void *arg)
{
	struct vty_conn *c = arg;

	switch (ev->type) {
	case TELNET_EV_SEND:
		outq_append(c, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_DATA:
		if (c->state == CONN_OPEN && !c->dead)
			ahead_add_input(c, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_IAC:
		/* Interrupt Process acts like Ctrl-C. */
		if (ev->iac.cmd == TELNET_IP && c->state == CONN_OPEN && !c->dead)
			ahead_add_input(c, "\x03", 1);
		break;
	case TELNET_EV_SUBNEGOTIATION:
		if (ev->sub.telopt != TELNET_TELOPT_NAWS)
			break;
		if (ev->sub.size != 4) {
			c->srv->n_bad_naws++;
			log_debug("%s: NAWS with %zu bytes ignored", c->peer, ev->sub.size);
			break;
		}
		c->width = ((unsigned char)ev->sub.buffer[0] << 8) |
			   (unsigned char)ev->sub.buffer[1];
		c->height = ((unsigned char)ev->sub.buffer[2] << 8) |
			    (unsigned char)ev->sub.buffer[3];
		break;
	case TELNET_EV_WILL:
	case TELNET_EV_WONT:
	case TELNET_EV_DO:
	case TELNET_EV_DONT:
		/* libtelnet answers from the option table (refusing the rest). */
		log_debug("%s: telnet negotiation %d option %u", c->peer, (int)ev->type,
			  ev->neg.telopt);
		break;
	case TELNET_EV_COMPRESS:
		/* We never offered MCCP: a peer that starts it is not a terminal. */
		c->srv->n_telnet_errors++;
		log_warn("%s: telnet peer started compression, closing", c->peer);
		c->dead = true;
		break;
	case TELNET_EV_WARNING:
		c->srv->n_telnet_errors++;
		log_debug("%s: telnet: %s", c->peer, ev->error.msg);
		break;
	case TELNET_EV_ERROR:
		c->srv->n_telnet_errors++;
		log_warn("%s: telnet protocol error (%s), closing", c->peer, ev->error.msg);
		c->dead = true;
		break;
	default:
		break;
	}
}

/* Hand buffered input to libtelnet in slices while the output has room
 * and the session does not wait; the decoded bytes go through the
 * typeahead to the line editor. */
static void conn_process_input(struct vty_conn *c)
{
	conn_pump(c);
	while (c->in_off < c->in_len && c->state == CONN_OPEN && !c->dead &&
	       outq_pending(c) + held_pending(c) < VTY_OUT_PAUSE && ahead_open(c)) {
		size_t n = c->in_len - c->in_off;

		if (n > VTY_FEED_SLICE)
			n = VTY_FEED_SLICE;
		if (c->raw)
			ahead_add_input(c, c->inbuf + c->in_off, n);
		else
			telnet_recv(c->telnet, c->inbuf + c->in_off, n);
		c->in_off += n;
		conn_pump(c);
	}
	if (c->in_off == c->in_len || c->state != CONN_OPEN)
		c->in_off = c->in_len = 0;
}

static void conn_read(struct vty_conn *c)
{
	char discard[VTY_READ_CHUNK];
	ssize_t n;

	if (c->state == CONN_DRAINING) {
		n = recv(c->fd, discard, sizeof(discard), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			c->dead = true;
		return;
	}
	if (c->state != CONN_OPEN || c->in_off != c->in_len)
		return;
	n = recv(c->fd, c->inbuf, sizeof(c->inbuf), MSG_DONTWAIT);
	if (n == 0) {
		log_debug("%s: peer closed", c->peer);
		c->dead = true;
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			log_debug("%s: read: %s", c->peer, strerror(errno));
			c->dead = true;
		}
		return;
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	c->last_input_us = loop_now_us();
}

/* The queue drained: the pager's waiting output goes on, and the prompt
 * once it is all out. */
static void conn_pager_resume(struct vty_conn *c)
{
	if (c->state != CONN_OPEN || c->dead || !c->pager || !pager_busy(c->pager) ||
	    pager_waiting(c->pager) || outq_pending(c) >= VTY_OUT_PAUSE)
		return;
	pager_resume(c->pager);
	if (c->prompt_after_more && !pager_busy(c->pager)) {
		c->prompt_after_more = false;
		show_prompt(c);
		conn_process_input(c);   /* what was typed meanwhile */
	}
}

static void on_conn_fd(struct loop *loop, int fd, short revents, void *arg)
{
	struct vty_conn *c = arg;

	if (revents & POLLOUT) {
		outq_flush(c);
		conn_pager_resume(c);
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		conn_read(c);
	conn_process_input(c);
	conn_settle(c);
}

static void on_idle(struct loop *loop, void *arg)
{
	struct vty_conn *c = arg;
	uint64_t now = loop_now_us(), idle = now - c->last_input_us;

	c->idle_timer = 0;
	if (c->state != CONN_OPEN)
		return;
	if (idle < c->idle_us) {
		c->idle_timer = loop_timer_add(loop, c->idle_us - idle, on_idle, c);
		return;
	}
	log_info("%s (%s): idle for %llu s, closing", c->slot >= 0 ? c->name : "vty",
		 c->peer, (unsigned long long)(c->idle_us / 1000000));
	/* The terminal may be mid-line: start on a fresh one. */
	term_puts(c, "\r\nInfo: The session is closed because it has been idle for too long.\r\n");
	conn_begin_close(c);
	conn_settle(c);
}

/* Still at the login prompt after VTY_LOGIN_TIMEOUT_US: closed. */
static void on_login_timeout(struct loop *loop, void *arg)
{
	struct vty_conn *c = arg;

	c->login_timer = 0;
	if (c->state != CONN_OPEN || !c->login)
		return;
	log_info("%s (%s): no login in %llu s, closing", c->name, c->peer,
		 (unsigned long long)(VTY_LOGIN_TIMEOUT_US / 1000000));
	term_puts(c, "\r\nInfo: The login timed out.\r\n");
	conn_begin_close(c);
	conn_settle(c);
}

/* ---- accepting ----
 *
 * Connections that never log in must not keep others out (a flood of
 * them, or a scanner).  While lines are free, every connection gets one.
 * When every line is taken, a connection from an address that already
 * holds VTY_PREAUTH_PER_SOURCE connections at the login prompt is closed as
 * it comes (before anything is allocated), and any other takes the line of
 * the oldest connection at the login prompt from the address holding most
 * of them (as OpenSSH's MaxStartups drops the unauthenticated to let
 * others in).  The login prompt waits VTY_LOGIN_TIMEOUT_US at most.  A
 * line of a logged-in session is never taken.
 */

static bool conn_preauth(const struct vty_conn *c)
{
	return c->login && c->state == CONN_OPEN && c->slot >= 0 && !c->dead;
}

/* The address part of a "addr:port" peer name equals addr. */
static bool peer_is(const char *peer, const char *addr)
{
	const char *colon = strrchr(peer, ':');
	size_t n = colon ? (size_t)(colon - peer) : strlen(peer);

	return strlen(addr) == n && !strncmp(peer, addr, n);
}

static unsigned preauth_from(const struct vty_server *srv, const char *addr)
{
	unsigned n = 0;

	for (const struct vty_conn *c = srv->conns; c; c = c->next)
		if (conn_preauth(c) && peer_is(c->peer, addr))
			n++;
	return n;
}

/* Free the line of the oldest connection at the login prompt from the
 * address holding most of them: true when one was taken. */
static bool preauth_evict(struct vty_server *srv)
{
	struct vty_conn *victim = NULL;
	unsigned most = 0;

	for (struct vty_conn *c = srv->conns; c; c = c->next) {
		char addr[sizeof(c->peer)];
		unsigned n;

		if (!conn_preauth(c))
			continue;
		peer_address(c, addr, sizeof(addr));
		n = preauth_from(srv, addr);
		if (n > most || (n == most && victim && c->opened_us < victim->opened_us)) {
			most = n;
			victim = c;
		}
	}
	if (!victim)
		return false;
	srv->n_evicted++;
	log_info("%s (%s): not logged in, its line goes to a new connection", victim->name,
		 victim->peer);
	conn_free(victim);
	return true;
}


/* The access configuration (NULL: none, the bootstrap's users only). */
static struct access *srv_access(const struct vty_server *srv)
{
	return srv->be ? cli_backend_access(srv->be) : NULL;
}

/* The VTY lines in use at most: `user-interface maximum-vty`, else the
 * bootstrap's cli.max_vty, never past VTY_MAX_SLOTS.  A lower limit
 * refuses new connections only; sessions on higher lines stay. */
static int cur_max_vty(const struct vty_server *srv)
{
	struct access *acc = srv_access(srv);
	int n = acc ? access_max_vty(acc, srv->max_vty) : srv->max_vty;

	return n > VTY_MAX_SLOTS ? VTY_MAX_SLOTS : n;
}

static int slot_take(struct vty_server *srv)
{
	int max = cur_max_vty(srv);

	for (int i = 0; i < max; i++) {
		if (!srv->slot_used[i]) {
			srv->slot_used[i] = true;
			srv->n_slots++;
			return i;
		}
	}
	return -1;
}

static struct vty_conn *conn_new(struct vty_server *srv, int fd, const char *peer)
{
	struct vty_conn *c = xcalloc(1, sizeof(*c));

	c->srv = srv;
	c->fd = fd;
	c->slot = -1;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->width = 80;
	c->height = 24;
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	if (loop_add_fd(srv->loop, fd, POLLIN, on_conn_fd, c) < 0)
		fatal("vty: cannot watch fd %d", fd);
	return c;
}

/* Over max_vty: one line and close. */
static void conn_refuse(struct vty_server *srv, int fd, const char *peer)
{
	static const char msg[] =
		"\r\nError: The number of VTY users has reached the maximum.\r\n";
	struct vty_conn *c;

	srv->n_refused++;
	log_info("vty: refusing %s: all %d VTY lines are in use", peer, cur_max_vty(srv));
	if (srv->n_lingering >= VTY_MAX_LINGERING) {
		(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	c = conn_new(srv, fd, peer);
	outq_append(c, msg, sizeof(msg) - 1);
	c->state = CONN_CLOSING;
	linger_arm(c);
	conn_settle(c);
}

/* Refused by the line's `acl inbound` or `protocol inbound`: closed at
 * once, without a prompt (and without a line: it is given back). */
static void conn_refuse_line(struct vty_server *srv, int fd, const char *peer, int slot,
			     const char *why)
{
	char addr[64];

	snprintf(addr, sizeof(addr), "%s", peer);
	if (strrchr(addr, ':'))
		*strrchr(addr, ':') = '\0';
	srv->n_refused++;
	srv->slot_used[slot] = false;
	srv->n_slots--;
	log_info("vty: refusing %s on VTY %d: %s", peer, slot, why);
	evlog(EV_WARNING, "SHELL", "LOGINFAILED",
	      "Failed to login. (Ip=%s, UserName=**, Times=1, AccessType=TELNET, "
	      "Reason=%s, Line=VTY %d, VpnName=)", addr, why, slot);
	close(fd);
}

static void conn_open(struct vty_server *srv, int fd, const char *peer,
		      const struct sockaddr *sa)
{
	struct access *acc = srv_access(srv);
	struct access_line ln;
	static const struct lineedit_ops ops = {
		.write = le_write,
		.on_line = le_on_line,
		.on_help = le_on_help,
		.on_complete = le_on_complete,
		.on_cancel = le_on_cancel,
	};
	int slot = slot_take(srv);
	struct vty_conn *c;

	if (slot < 0 && preauth_evict(srv))
		slot = slot_take(srv);
	if (slot < 0) {
		conn_refuse(srv, fd, peer);
		return;
	}
	if (acc) {
		access_line(acc, (unsigned)slot, &ln);
		if (!ln.telnet) {
			conn_refuse_line(srv, fd, peer, slot, "telnet is not an inbound protocol "
					 "of the line");
			return;
		}
		if (!access_acl_permits(acc, ln.acl, sa)) {
			conn_refuse_line(srv, fd, peer, slot, "refused by the inbound ACL");
			return;
		}
	}
	c = conn_new(srv, fd, peer);
	c->slot = slot;
	c->opened_us = loop_now_us();
	snprintf(c->name, sizeof(c->name), "VTY %d", slot);
	c->telnet = telnet_init(vty_telopts, on_telnet, 0, c);
	if (!c->telnet)
		fatal("vty: telnet_init failed");
	c->le = lineedit_new(&ops, c);
	c->pager = pager_new(PAGER_MAX_PENDING, pager_out, pager_room, c);
	c->login = login_new(srv->bs, login_out, c);
	{
		char addr[sizeof(c->peer)];

		peer_address(c, addr, sizeof(addr));
		login_set_origin(c->login, c->name, addr);
	}
	if (acc)
		login_set_access(c->login, acc, &ln);
	c->last_input_us = loop_now_us();
	c->idle_us = acc && ln.idle_set ? ln.idle_us : srv->idle_us;
	if (c->idle_us)
		c->idle_timer = loop_timer_add(srv->loop, c->idle_us, on_idle, c);
	log_info("%s: connection from %s", c->name, peer);

	telnet_negotiate(c->telnet, TELNET_WILL, TELNET_TELOPT_ECHO);
	telnet_negotiate(c->telnet, TELNET_WILL, TELNET_TELOPT_SGA);
	telnet_negotiate(c->telnet, TELNET_DO, TELNET_TELOPT_NAWS);
	term_puts(c, "\r\n");
	if (login_user(c->login)) {
		session_start(c);      /* `authentication-mode none` */
	} else {
		c->login_timer = loop_timer_add(srv->loop, VTY_LOGIN_TIMEOUT_US, on_login_timeout, c);
		login_prompt_show(c);
	}
	conn_settle(c);
}

uint64_t vty_server_adopt(struct vty_server *srv, int fd, const char *peer,
			  const struct sockaddr *sa, const char *user, unsigned level)
{
	struct access *acc = srv_access(srv);
	struct access_line ln;
	static const struct lineedit_ops ops = {
		.write = le_write,
		.on_line = le_on_line,
		.on_help = le_on_help,
		.on_complete = le_on_complete,
		.on_cancel = le_on_cancel,
	};
	int slot = slot_take(srv);
	struct vty_conn *c;

	if (slot < 0 && preauth_evict(srv))
		slot = slot_take(srv);   /* an authenticated SSH user before a login prompt */
	if (slot < 0) {
		conn_refuse(srv, fd, peer);
		return 0;
	}
	if (acc) {
		access_line(acc, (unsigned)slot, &ln);
		if (!ln.ssh) {
			conn_refuse_line(srv, fd, peer, slot, "ssh is not an inbound protocol "
					 "of the line");
			return 0;
		}
		if (!access_acl_permits(acc, ln.acl, sa)) {
			conn_refuse_line(srv, fd, peer, slot, "refused by the inbound ACL");
			return 0;
		}
	}
	c = conn_new(srv, fd, peer);
	c->raw = true;
	c->id = ++srv->next_id;
	c->slot = slot;
	snprintf(c->name, sizeof(c->name), "VTY %d", slot);
	c->le = lineedit_new(&ops, c);
	c->pager = pager_new(PAGER_MAX_PENDING, pager_out, pager_room, c);
	c->last_input_us = loop_now_us();
	c->idle_us = acc && ln.idle_set ? ln.idle_us : srv->idle_us;
	if (c->idle_us)
		c->idle_timer = loop_timer_add(srv->loop, c->idle_us, on_idle, c);
	log_info("%s: SSH session of %s from %s", c->name, user, peer);
	session_open(c, user, level);
	conn_settle(c);
	return c->id;
}

int vty_server_line(const struct vty_server *srv, uint64_t id)
{
	for (const struct vty_conn *c = srv->conns; c; c = c->next)
		if (c->id == id && id != 0)
			return c->slot;
	return -1;
}

void vty_server_set_size(struct vty_server *srv, uint64_t id, int width, int height)
{
	for (struct vty_conn *c = srv->conns; c; c = c->next) {
		if (c->id == id && id != 0) {
			if (width > 0 && width <= 0xffff)
				c->width = width;
			if (height > 0 && height <= 0xffff)
				c->height = height;
			return;
		}
	}
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int port;

	tcp_addr_name(ss, addr, sizeof(addr), &port);
	snprintf(buf, len, "%s:%d", addr, port);
}

static void on_accept_retry(struct loop *loop, void *arg)
{
	struct vty_server *srv = arg;

	srv->accept_timer = 0;
	for (size_t i = 0; i < srv->n_lfd; i++)
		loop_mod_fd(loop, srv->lfd[i], POLLIN);
}

static void on_listen_fd(struct loop *loop, int lfd, short revents, void *arg)
{
	struct vty_server *srv = arg;

	for (int i = 0; i < VTY_ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char peer[64];
		int one = 1;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* Stop accepting for a moment instead of spinning. */
				log_warn("vty: accept: %s", strerror(errno));
				for (size_t k = 0; k < srv->n_lfd; k++)
					loop_mod_fd(loop, srv->lfd[k], 0);
				if (!srv->accept_timer)
					srv->accept_timer = loop_timer_add(loop, VTY_ACCEPT_RETRY_US,
									   on_accept_retry, srv);
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("vty: accept: %s", strerror(errno));
			}
			return;
		}
		srv->n_accepted++;
		peer_name(&ss, peer, sizeof(peer));
		if (srv->telnet_off) {
			srv->n_refused++;
			log_info("vty: refusing %s: the telnet server is disabled", peer);
			close(fd);
			continue;
		}
		{
			char addr[sizeof(peer)];

			snprintf(addr, sizeof(addr), "%s", peer);
			*strrchr(addr, ':') = '\0';
			if ((int)srv->n_slots >= cur_max_vty(srv) &&
			    preauth_from(srv, addr) >= VTY_PREAUTH_PER_SOURCE) {
				/* Logged once in a while: a flood would fill the log. */
				if (srv->n_flood_refused++ % 100 == 0)
					log_warn("vty: refusing %s: the lines are taken and %d "
						 "connections from it are at the login prompt "
						 "(%lu refused so)", peer,
						 VTY_PREAUTH_PER_SOURCE, srv->n_flood_refused);
				close(fd);
				continue;
			}
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		conn_open(srv, fd, peer, (const struct sockaddr *)&ss);
	}
}

/* ---- server ---- */

struct vty_server *vty_server_new(struct loop *loop, const struct bootstrap *bs,
				  struct cli_backend *be)
{
	struct vty_server *srv = xcalloc(1, sizeof(*srv));

	srv->loop = loop;
	srv->bs = bs;
	srv->be = be;
	srv->port = -1;
	srv->max_vty = bs->cli.max_vty > 0 ? bs->cli.max_vty : VTY_DEFAULT_MAX;
	if (srv->max_vty > VTY_MAX_SLOTS)
		srv->max_vty = VTY_MAX_SLOTS;
	srv->idle_us = VTY_IDLE_TIMEOUT_US;
	if (bs->cli.n_users == 0)
		log_warn("vty: no cli.users in the bootstrap file: nobody can log in");
	return srv;
}

void vty_server_free(struct vty_server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_free(srv->conns);
	for (size_t i = 0; i < srv->n_lfd; i++) {
		loop_del_fd(srv->loop, srv->lfd[i]);
		close(srv->lfd[i]);
	}
	if (srv->accept_timer)
		loop_timer_cancel(srv->loop, srv->accept_timer);
	free(srv);
}

int vty_server_listen(struct vty_server *srv, const char *address, int port)
{
	int fd, r, bound;

	if (srv->n_lfd >= VTY_MAX_LISTEN)
		return -ENOSPC;
	fd = tcp_listen(address, port, VTY_LISTEN_BACKLOG, &bound);
	if (fd < 0)
		return fd;
	r = loop_add_fd(srv->loop, fd, POLLIN, on_listen_fd, srv);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (srv->n_lfd == 0)
		srv->port = bound;
	srv->lfd[srv->n_lfd++] = fd;
	return 0;
}

int vty_server_port(const struct vty_server *srv)
{
	return srv->port;
}

void vty_server_set_telnet(struct vty_server *srv, bool on)
{
	if (srv->telnet_off == !on)
		return;
	srv->telnet_off = !on;
	log_info("vty: the telnet server is %s", on ? "enabled" : "disabled");
}

void vty_server_set_idle_timeout(struct vty_server *srv, uint64_t usec)
{
	srv->idle_us = usec;
}

size_t vty_server_sessions(const struct vty_server *srv)
{
	return srv->n_slots;
}
