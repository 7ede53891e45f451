/*
 * loop.c: the event loop, one ppoll(2) over plain fds and ZeroMQ sockets.
 *
 * Registrations live in an array of pointers.  Each iteration rebuilds the
 * pollfd array from it and keeps a parallel array of the registrations
 * polled, so callbacks may add or remove registrations freely:
 * a registration removed during an iteration is marked dead and parked on a
 * graveyard list until the iteration ends, and its events (if any) are
 * skipped; one added during an iteration is polled from the next.
 *
 * Timers are one-shot, in a binary min-heap ordered by (deadline, id) on
 * CLOCK_MONOTONIC; ppoll's timespec lets the loop sleep until the first one
 * to the microsecond (poll's milliseconds would make every timer late by up
 * to one).  ppoll, not poll, also because libzmq calls poll itself: a test's
 * simulated time (tests/relay/simtime.c) replaces the loop's ppoll only.
 * The timers due at the start of the timer phase are popped first and then
 * run, so a callback adding a zero-delay timer cannot starve the loop;
 * cancelling a popped but not yet run timer still works.
 *
 * Signals: loop_on_signal() blocks the signal and adds it to one signalfd
 * watched like any other fd.  loop_free() drains the signalfd and unblocks
 * the signals it blocked.
 *
 * A callback that runs for LOOP_SLOW_US or longer is logged with where its
 * code is (the object and the offset, for addr2line): nothing in a loop may
 * block (DESIGN.md), and a stall shows as a peer's timeout far away, so the
 * loop names it where it happens, as FRR's "SLOW THREAD" warnings do.
 *
 * fd events are given as poll(2) bits (POLLIN, POLLOUT, POLLPRI); an error,
 * hangup or invalid fd reaches the callback as POLLERR | POLLHUP.
 *
 * ZeroMQ sockets are watched for input through their ZMQ_FD, which is
 * edge-like: it becomes readable when the socket has received commands,
 * and any operation on the socket (a send, a receive, a zmq_poll) consumes
 * that signal, so a message may wait with the fd quiet.  The socket's real
 * state is ZMQ_EVENTS, read (a "sweep" of every registered socket) before
 * sleeping whenever a ZeroMQ socket may have been used since the last
 * sweep: after a socket callback ran, and whenever loop_zsock_used() says
 * so (bus.c calls it with every send and receive; clone.c's subscriber
 * receives only in its callback).  Otherwise, and that is a busy UDP server's case, an
 * iteration is one ppoll(2) and the callbacks of the fds that are ready: no
 * ZeroMQ call at all (zmq_poll read ZMQ_EVENTS of every socket, and libzmq
 * calls getpid() for each, on every wakeup).  Callbacks must drain their
 * socket with ZMQ_DONTWAIT until EAGAIN.  A socket whose ZMQ_EVENTS cannot
 * be read (its context terminated) is logged and not called; a socket
 * closed while registered (ppoll says POLLNVAL) is logged and dropped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* dladdr */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "log.h"
#include "loop.h"

enum reg_kind { REG_FD, REG_ZSOCK };

struct reg {
	enum reg_kind kind;
	int fd;
	void *zsock;
	short events;
	loop_fd_cb fd_cb;
	loop_zsock_cb zsock_cb;
	void *arg;
	bool dead;
	/* REG_ZSOCK: ZMQ_EVENTS said POLLIN and the callback has not run yet. */
	bool zready;
	struct reg *next_dead;
};

struct timer {
	uint64_t when;
	uint64_t id;
	loop_timer_cb cb;
	void *arg;
};

struct loop {
	struct reg **regs;
	size_t n_regs, cap_regs;
	struct reg *graveyard;
	int dispatching;

	struct timer *heap;
	size_t n_heap, cap_heap;
	uint64_t next_timer_id;
	/* Timers popped as due and not run yet (see file comment). */
	struct timer *due;
	size_t n_due, cap_due;

	int sigfd;
	sigset_t sigmask;
	loop_signal_cb sig_cb[_NSIG];
	void *sig_arg[_NSIG];

	struct pollfd *items;
	struct reg **item_regs;
	size_t cap_items;

	bool stop;
};

/* A ZeroMQ socket may have been used since the last sweep (file comment).
 * Per thread, as ZeroMQ sockets are (tests run a loop in a second thread);
 * a spurious sweep costs little. */
static _Thread_local bool zsock_used = true;

void loop_zsock_used(void)
{
	zsock_used = true;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A callback this long blocked the loop: say so, and where. */
#define LOOP_SLOW_US 500000u

/* fn (a callback, as an address: GNU C converts function pointers to
 * void *) started at t0: logged when it ran LOOP_SLOW_US or longer. */
static void note_slow(const char *what, const void *fn, uint64_t t0)
{
	uint64_t d = loop_now_us() - t0;
	Dl_info di;

	if (d < LOOP_SLOW_US)
		return;
	if (dladdr(fn, &di) && di.dli_fname)
		log_warn("loop: %s callback %s%s%s+0x%lx ran for %llu ms, blocking the loop",
			 what, di.dli_sname ? di.dli_sname : "", di.dli_sname ? " in " : "",
			 di.dli_fname, (unsigned long)((const char *)fn - (const char *)di.dli_fbase),
			 (unsigned long long)(d / 1000));
	else
		log_warn("loop: %s callback %p ran for %llu ms, blocking the loop", what, fn,
			 (unsigned long long)(d / 1000));
}

struct loop *loop_new(void)
{
	struct loop *loop = xcalloc(1, sizeof(*loop));

	loop->next_timer_id = 1;
	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	return loop;
}

static void bury(struct loop *loop, struct reg *r)
{
	r->dead = true;
	if (loop->dispatching) {
		r->next_dead = loop->graveyard;
		loop->graveyard = r;
	} else {
		free(r);
	}
}

static void empty_graveyard(struct loop *loop)
{
	while (loop->graveyard) {
		struct reg *r = loop->graveyard;

		loop->graveyard = r->next_dead;
		free(r);
	}
}

void loop_free(struct loop *loop)
{
	if (!loop)
		return;
	for (size_t i = 0; i < loop->n_regs; i++)
		free(loop->regs[i]);
	empty_graveyard(loop);
	if (loop->sigfd >= 0) {
		struct signalfd_siginfo si;

		/* Consume pending signals so unblocking them cannot kill us. */
		while (read(loop->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(loop->sigfd);
		sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
	}
	free(loop->regs);
	free(loop->heap);
	free(loop->due);
	free(loop->items);
	free(loop->item_regs);
	free(loop);
}

static struct reg *find_fd(struct loop *loop, int fd, size_t *idx)
{
	for (size_t i = 0; i < loop->n_regs; i++) {
		struct reg *r = loop->regs[i];

		if (r->kind == REG_FD && r->fd == fd) {
			if (idx)
				*idx = i;
			return r;
		}
	}
	return NULL;
}

static struct reg *find_zsock(struct loop *loop, void *zsock, size_t *idx)
{
	for (size_t i = 0; i < loop->n_regs; i++) {
		struct reg *r = loop->regs[i];

		if (r->kind == REG_ZSOCK && r->zsock == zsock) {
			if (idx)
				*idx = i;
			return r;
		}
	}
	return NULL;
}

static void add_reg(struct loop *loop, struct reg *r)
{
	if (loop->n_regs == loop->cap_regs) {
		loop->cap_regs = loop->cap_regs ? loop->cap_regs * 2 : 8;
		loop->regs = xrealloc(loop->regs, loop->cap_regs * sizeof(*loop->regs));
	}
	loop->regs[loop->n_regs++] = r;
}

static void remove_reg_at(struct loop *loop, size_t idx)
{
	struct reg *r = loop->regs[idx];

	memmove(&loop->regs[idx], &loop->regs[idx + 1],
		(loop->n_regs - idx - 1) * sizeof(*loop->regs));
	loop->n_regs--;
	bury(loop, r);
}

int loop_add_fd(struct loop *loop, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct reg *r;

	if (fd < 0 || !cb)
		return -EINVAL;
	if (find_fd(loop, fd, NULL))
		return -EEXIST;
	r = xcalloc(1, sizeof(*r));
	r->kind = REG_FD;
	r->fd = fd;
	r->events = events;
	r->fd_cb = cb;
	r->arg = arg;
	add_reg(loop, r);
	return 0;
}

int loop_mod_fd(struct loop *loop, int fd, short events)
{
	struct reg *r = find_fd(loop, fd, NULL);

	if (!r)
		return -ENOENT;
	r->events = events;
	return 0;
}

void loop_del_fd(struct loop *loop, int fd)
{
	size_t idx;

	if (find_fd(loop, fd, &idx))
		remove_reg_at(loop, idx);
}

int loop_add_zsock(struct loop *loop, void *zsock, loop_zsock_cb cb, void *arg)
{
	struct reg *r;
	int zfd;
	size_t len = sizeof(zfd);

	if (!zsock || !cb)
		return -EINVAL;
	if (find_zsock(loop, zsock, NULL))
		return -EEXIST;
	if (zmq_getsockopt(zsock, ZMQ_FD, &zfd, &len) < 0)
		return -errno;
	r = xcalloc(1, sizeof(*r));
	r->kind = REG_ZSOCK;
	r->fd = zfd;
	r->zsock = zsock;
	r->zsock_cb = cb;
	r->arg = arg;
	add_reg(loop, r);
	zsock_used = true;
	return 0;
}

void loop_del_zsock(struct loop *loop, void *zsock)
{
	size_t idx;

	if (find_zsock(loop, zsock, &idx))
		remove_reg_at(loop, idx);
}

/* --- timers ------------------------------------------------------------- */

static bool timer_before(const struct timer *a, const struct timer *b)
{
	return a->when < b->when || (a->when == b->when && a->id < b->id);
}

static void heap_swap(struct timer *h, size_t a, size_t b)
{
	struct timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static void heap_up(struct timer *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!timer_before(&h[i], &h[p]))
			break;
		heap_swap(h, i, p);
		i = p;
	}
}

static void heap_down(struct timer *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && timer_before(&h[l], &h[m]))
			m = l;
		if (r < n && timer_before(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

static void heap_remove_at(struct loop *loop, size_t i)
{
	loop->n_heap--;
	if (i == loop->n_heap)
		return;
	loop->heap[i] = loop->heap[loop->n_heap];
	heap_up(loop->heap, i);
	heap_down(loop->heap, loop->n_heap, i);
}

uint64_t loop_timer_add(struct loop *loop, uint64_t delay_us, loop_timer_cb cb, void *arg)
{
	struct timer *t;
	uint64_t now = loop_now_us(), id = loop->next_timer_id++;

	if (loop->n_heap == loop->cap_heap) {
		loop->cap_heap = loop->cap_heap ? loop->cap_heap * 2 : 16;
		loop->heap = xrealloc(loop->heap, loop->cap_heap * sizeof(*loop->heap));
	}
	t = &loop->heap[loop->n_heap];
	t->when = delay_us > UINT64_MAX - now ? UINT64_MAX : now + delay_us;
	t->id = id;
	t->cb = cb;
	t->arg = arg;
	heap_up(loop->heap, loop->n_heap++);
	return id;
}

void loop_timer_cancel(struct loop *loop, uint64_t id)
{
	if (!loop || id == 0)
		return;
	for (size_t i = 0; i < loop->n_heap; i++) {
		if (loop->heap[i].id == id) {
			heap_remove_at(loop, i);
			return;
		}
	}
	for (size_t i = 0; i < loop->n_due; i++) {
		if (loop->due[i].id == id) {
			loop->due[i].cb = NULL;
			return;
		}
	}
}

static void run_timers(struct loop *loop)
{
	uint64_t now = loop_now_us();

	loop->n_due = 0;
	while (loop->n_heap > 0 && loop->heap[0].when <= now) {
		if (loop->n_due == loop->cap_due) {
			loop->cap_due = loop->cap_due ? loop->cap_due * 2 : 16;
			loop->due = xrealloc(loop->due, loop->cap_due * sizeof(*loop->due));
		}
		loop->due[loop->n_due++] = loop->heap[0];
		heap_remove_at(loop, 0);
	}
	for (size_t i = 0; i < loop->n_due && !loop->stop; i++) {
		struct timer t = loop->due[i];

		loop->due[i].cb = NULL;
		if (t.cb) {
			uint64_t t0 = loop_now_us();

			t.cb(loop, t.arg);
			note_slow("timer", (const void *)t.cb, t0);
		}
	}
	/* Timers not run because the loop stopped: put them back. */
	for (size_t i = 0; i < loop->n_due; i++) {
		if (loop->due[i].cb) {
			if (loop->n_heap == loop->cap_heap) {
				loop->cap_heap = loop->cap_heap ? loop->cap_heap * 2 : 16;
				loop->heap = xrealloc(loop->heap,
						      loop->cap_heap * sizeof(*loop->heap));
			}
			loop->heap[loop->n_heap] = loop->due[i];
			heap_up(loop->heap, loop->n_heap++);
		}
	}
	loop->n_due = 0;
}

/* How long to sleep: until the first timer (exact to the microsecond:
 * ppoll takes a timespec), NULL for ever. */
static const struct timespec *poll_timeout(const struct loop *loop, struct timespec *ts)
{
	const uint64_t day_us = 86400ull * 1000000u;
	uint64_t now, when, wait_us = 0;

	if (loop->n_heap == 0)
		return NULL;
	now = loop_now_us();
	when = loop->heap[0].when;
	if (when > now)
		wait_us = when - now;
	if (wait_us > day_us)
		wait_us = day_us; /* a far timer: wake up once a day, harmlessly */
	ts->tv_sec = (time_t)(wait_us / 1000000u);
	ts->tv_nsec = (long)(wait_us % 1000000u) * 1000;
	return ts;
}

/* --- signals ------------------------------------------------------------ */

static void on_sigfd(struct loop *loop, int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (signo > 0 && signo < _NSIG && loop->sig_cb[signo])
			loop->sig_cb[signo](loop, signo, loop->sig_arg[signo]);
	}
}

int loop_on_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg)
{
	sigset_t mask = loop->sigmask;
	int fd;

	if (signo <= 0 || signo >= _NSIG || !cb)
		return -EINVAL;
	if (sigaddset(&mask, signo) < 0)
		return -errno;
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	fd = signalfd(loop->sigfd, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		int r = loop_add_fd(loop, fd, POLLIN, on_sigfd, NULL);

		if (r < 0) {
			close(fd);
			return r;
		}
		loop->sigfd = fd;
	}
	loop->sigmask = mask;
	loop->sig_cb[signo] = cb;
	loop->sig_arg[signo] = arg;
	return 0;
}

/* --- running ------------------------------------------------------------ */

/* Read the socket's ZMQ_EVENTS: does a message wait? */
static bool zsock_readable(const struct reg *r)
{
	int ev = 0;
	size_t len = sizeof(ev);

	if (zmq_getsockopt(r->zsock, ZMQ_EVENTS, &ev, &len) < 0) {
		log_debug("loop: ZMQ_EVENTS: %s", zmq_strerror(errno));
		return false;
	}
	return ev & ZMQ_POLLIN;
}

/* Sweep every registered socket if one may have been used; true if a
 * message waits on any (then the loop must not sleep). */
static bool sweep_zsocks(struct loop *loop)
{
	bool ready = false;

	for (size_t i = 0; i < loop->n_regs; i++) {
		struct reg *r = loop->regs[i];

		if (r->kind != REG_ZSOCK)
			continue;
		if (zsock_used && !r->zready)
			r->zready = zsock_readable(r);
		ready |= r->zready;
	}
	zsock_used = false;
	return ready;
}

static int loop_iterate(struct loop *loop)
{
	size_t n = loop->n_regs;
	struct timespec ts;
	const struct timespec *timeout;
	uint64_t t0;
	int rc;

	if (n > loop->cap_items) {
		loop->cap_items = n * 2;
		loop->items = xrealloc(loop->items, loop->cap_items * sizeof(*loop->items));
		loop->item_regs = xrealloc(loop->item_regs,
					   loop->cap_items * sizeof(*loop->item_regs));
	}
	for (size_t i = 0; i < n; i++) {
		struct reg *r = loop->regs[i];

		loop->item_regs[i] = r;
		loop->items[i] = (struct pollfd){
			.fd = r->fd,
			.events = r->kind == REG_ZSOCK ? POLLIN : r->events,
		};
	}
	if (sweep_zsocks(loop)) {
		ts = (struct timespec){ 0 };
		timeout = &ts;
	} else {
		timeout = poll_timeout(loop, &ts);
	}
	rc = ppoll(n ? loop->items : NULL, (nfds_t)n, timeout, NULL);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}

	loop->dispatching++;
	run_timers(loop);
	for (size_t i = 0; i < n && !loop->stop; i++) {
		struct reg *r = loop->item_regs[i];
		short rev = loop->items[i].revents;

		if (r->dead)
			continue;
		if (r->kind == REG_ZSOCK) {
			if (rev & POLLNVAL) {
				log_err("loop: a ZeroMQ socket was closed while registered: "
					"no longer watched");
				loop_del_zsock(loop, r->zsock);
				continue;
			}
			/* The fd only says "look": ZMQ_EVENTS tells. */
			if (!r->zready && rev)
				r->zready = zsock_readable(r);
			if (!r->zready)
				continue;
			r->zready = false;
			zsock_used = true;
			t0 = loop_now_us();
			r->zsock_cb(loop, r->zsock, r->arg);
			note_slow("ZeroMQ socket", (const void *)r->zsock_cb, t0);
		} else if (rev) {
			if (rev & (POLLERR | POLLHUP | POLLNVAL))
				rev = (short)((rev & ~POLLNVAL) | POLLERR | POLLHUP);
			t0 = loop_now_us();
			r->fd_cb(loop, r->fd, rev, r->arg);
			note_slow("fd", (const void *)r->fd_cb, t0);
		}
	}
	loop->dispatching--;
	if (!loop->dispatching)
		empty_graveyard(loop);
	return 0;
}

int loop_run(struct loop *loop)
{
	int rc = 0;

	while (!loop->stop) {
		rc = loop_iterate(loop);
		if (rc < 0)
			break;
	}
	loop->stop = false;
	return rc;
}

void loop_stop(struct loop *loop)
{
	loop->stop = true;
}
