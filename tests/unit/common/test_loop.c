/* test_loop.c: fd readiness, timers (order, cancel), signals, ZeroMQ sockets,
 * and registrations changed during dispatch. */
#include <criterion/criterion.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <unistd.h>
#include <zmq.h>

#include "loop.h"
#include "testutil.h"

struct fdrec {
	int calls;
	short revents;
	char byte;
};

static void on_fd(struct loop *loop, int fd, short revents, void *arg)
{
	struct fdrec *r = arg;

	r->calls++;
	r->revents = revents;
	if (revents & POLLIN)
		cr_assert_eq(read(fd, &r->byte, 1), 1);
	loop_stop(loop);
}

Test(loop, fd_readiness)
{
	struct loop *loop = loop_new();
	struct fdrec rec = { 0 };
	int p[2];

	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(loop_add_fd(loop, p[0], POLLIN, on_fd, &rec), 0);
	cr_assert_eq(loop_add_fd(loop, p[0], POLLIN, on_fd, &rec), -EEXIST);
	cr_assert_eq(loop_mod_fd(loop, 12345, POLLIN), -ENOENT);
	cr_assert_eq(write(p[1], "x", 1), 1);
	cr_assert_eq(loop_run(loop), 0);
	cr_assert_eq(rec.calls, 1);
	cr_assert(rec.revents & POLLIN);
	cr_assert_eq(rec.byte, 'x');

	/* POLLOUT on the write end. */
	rec.calls = 0;
	loop_del_fd(loop, p[0]);
	cr_assert_eq(loop_add_fd(loop, p[1], POLLIN, on_fd, &rec), 0);
	cr_assert_eq(loop_mod_fd(loop, p[1], POLLOUT), 0);
	loop_run(loop);
	cr_assert_eq(rec.calls, 1);
	cr_assert(rec.revents & POLLOUT);
	loop_del_fd(loop, p[1]);
	loop_free(loop);
	close(p[0]);
	close(p[1]);
}

struct order {
	int seen[8];
	int n;
	int stop_after;
};

static struct order *g_order;

static void on_timer(struct loop *loop, void *arg)
{
	g_order->seen[g_order->n++] = (int)(intptr_t)arg;
	if (g_order->n == g_order->stop_after)
		loop_stop(loop);
}

Test(loop, timers_order_and_cancel)
{
	struct loop *loop = loop_new();
	struct order o = { .stop_after = 4 };
	uint64_t a, b, c, d, e;

	g_order = &o;
	/* Each is added after the ones due before it, so the order holds
	 * whatever time passes between the calls (each reads the clock). */
	b = loop_timer_add(loop, 10000, on_timer, (void *)1);
	c = loop_timer_add(loop, 20000, on_timer, (void *)2);
	d = loop_timer_add(loop, 15000, on_timer, (void *)99);
	e = loop_timer_add(loop, 20000, on_timer, (void *)22); /* same deadline as c: after it */
	a = loop_timer_add(loop, 30000, on_timer, (void *)3);
	cr_assert(a > 0 && b > 0 && c > 0 && d > 0 && e > 0);
	cr_assert(a != b && b != c && c != d && d != e);
	loop_timer_cancel(loop, d);
	loop_timer_cancel(loop, d);     /* twice: harmless */
	loop_timer_cancel(loop, 0);     /* never an id */
	loop_timer_cancel(loop, 98765); /* unknown */
	cr_assert_eq(loop_run(loop), 0);
	cr_assert_eq(o.n, 4);
	cr_assert_eq(o.seen[0], 1);
	cr_assert_eq(o.seen[1], 2);
	cr_assert_eq(o.seen[2], 22);
	cr_assert_eq(o.seen[3], 3);
	loop_timer_cancel(loop, a); /* fired: harmless */
	loop_free(loop);
}

static uint64_t g_victim;

static void cancel_other(struct loop *loop, void *arg)
{
	/* Both timers are due in the same iteration: cancelling the second
	 * from the first must keep it from running. */
	loop_timer_cancel(loop, g_victim);
	loop_timer_add(loop, 5000, on_timer, (void *)7);
}

Test(loop, cancel_due_timer_from_callback)
{
	struct loop *loop = loop_new();
	struct order o = { .stop_after = 1 };

	g_order = &o;
	loop_timer_add(loop, 0, cancel_other, NULL);
	g_victim = loop_timer_add(loop, 0, on_timer, (void *)66);
	loop_run(loop);
	cr_assert_eq(o.n, 1);
	cr_assert_eq(o.seen[0], 7);
	loop_free(loop);
}

static int g_signo;

static void on_signal(struct loop *loop, int signo, void *arg)
{
	g_signo = signo;
	loop_stop(loop);
}

static void on_deadline(struct loop *loop, void *arg)
{
	*(bool *)arg = true;
	loop_stop(loop);
}

Test(loop, signal_delivery)
{
	struct loop *loop = loop_new();
	bool expired = false;

	cr_assert_eq(loop_on_signal(loop, SIGUSR1, on_signal, NULL), 0);
	cr_assert_eq(loop_on_signal(loop, SIGUSR2, on_signal, NULL), 0);
	cr_assert_eq(raise(SIGUSR2), 0);
	loop_timer_add(loop, 5000000, on_deadline, &expired);
	loop_run(loop);
	cr_assert(!expired);
	cr_assert_eq(g_signo, SIGUSR2);
	cr_assert_eq(raise(SIGUSR1), 0);
	loop_run(loop);
	cr_assert_eq(g_signo, SIGUSR1);
	cr_assert(!expired);
	/* A signal pending at free is consumed, not delivered. */
	cr_assert_eq(raise(SIGUSR1), 0);
	loop_free(loop);
}

struct zrec {
	int calls;
	int msgs;
};

static void on_zsock(struct loop *loop, void *zsock, void *arg)
{
	struct zrec *r = arg;
	char buf[16];

	r->calls++;
	while (zmq_recv(zsock, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
		r->msgs++;
	if (r->msgs == 3)
		loop_stop(loop);
}

Test(loop, zsock_callback)
{
	void *ctx = zmq_ctx_new();
	void *a = zmq_socket(ctx, ZMQ_PAIR), *b = zmq_socket(ctx, ZMQ_PAIR);
	struct loop *loop = loop_new();
	struct zrec rec = { 0 };
	bool expired = false;

	cr_assert_eq(zmq_bind(a, "inproc://t"), 0);
	cr_assert_eq(zmq_connect(b, "inproc://t"), 0);
	cr_assert_eq(loop_add_zsock(loop, a, on_zsock, &rec), 0);
	cr_assert_eq(loop_add_zsock(loop, a, on_zsock, &rec), -EEXIST);
	zmq_send(b, "1", 1, 0);
	zmq_send(b, "2", 1, 0);
	zmq_send(b, "3", 1, 0);
	loop_timer_add(loop, 5000000, on_deadline, &expired);
	loop_run(loop);
	cr_assert(!expired);
	cr_assert_eq(rec.msgs, 3);
	loop_del_zsock(loop, a);
	loop_free(loop);
	zmq_close(a);
	zmq_close(b);
	zmq_ctx_term(ctx);
}

/* A message arrives, and before the loop looks, something else uses the
 * registered socket (here a ZMQ_EVENTS read, as a send or a zmq_poll would):
 * that consumed the ZMQ_FD signal, the fd stays quiet, and only
 * loop_zsock_used() makes the loop look again. */
struct stolen {
	void *a, *b;
};

static void on_steal(struct loop *loop, void *arg)
{
	struct stolen *s = arg;
	int ev = 0;
	size_t len = sizeof(ev);

	cr_assert_eq(zmq_send(s->b, "1", 1, 0), 1);
	cr_assert_eq(zmq_getsockopt(s->a, ZMQ_EVENTS, &ev, &len), 0);
	cr_assert(ev & ZMQ_POLLIN);
	loop_zsock_used();
}

static void on_zsock_one(struct loop *loop, void *zsock, void *arg)
{
	struct zrec *r = arg;
	char buf[8];

	r->calls++;
	while (zmq_recv(zsock, buf, sizeof(buf), ZMQ_DONTWAIT) >= 0)
		r->msgs++;
	if (r->msgs == 1)
		loop_stop(loop);
}

Test(loop, zsock_signal_consumed_elsewhere)
{
	void *ctx = zmq_ctx_new();
	struct stolen s = { zmq_socket(ctx, ZMQ_PAIR), zmq_socket(ctx, ZMQ_PAIR) };
	struct loop *loop = loop_new();
	struct zrec rec = { 0 };
	bool expired = false;

	cr_assert_eq(zmq_bind(s.a, "inproc://stolen"), 0);
	cr_assert_eq(zmq_connect(s.b, "inproc://stolen"), 0);
	cr_assert_eq(loop_add_zsock(loop, s.a, on_zsock_one, &rec), 0);
	/* The first iteration sweeps (the socket is new) and finds it empty. */
	loop_timer_add(loop, 20000, on_steal, &s);
	loop_timer_add(loop, 5000000, on_deadline, &expired);
	loop_run(loop);
	cr_assert(!expired, "the waiting message was never delivered");
	cr_assert_eq(rec.msgs, 1);
	loop_del_zsock(loop, s.a);
	loop_free(loop);
	zmq_close(s.a);
	zmq_close(s.b);
	zmq_ctx_term(ctx);
}

/* Two ready pipes; the first callback to run removes the other one and adds
 * a third registration: the removed one must not be called. */
struct mutual {
	int p1[2], p2[2], p3[2];
	int calls1, calls2, calls3;
};

static struct mutual *g_mut;

static void on_third(struct loop *loop, int fd, short revents, void *arg)
{
	char c;

	g_mut->calls3++;
	cr_assert_eq(read(fd, &c, 1), 1);
	loop_stop(loop);
}

static void on_either(struct loop *loop, int fd, short revents, void *arg)
{
	struct mutual *m = g_mut;
	char c;

	cr_assert_eq(read(fd, &c, 1), 1);
	if (fd == m->p1[0]) {
		m->calls1++;
		loop_del_fd(loop, m->p2[0]);
	} else {
		m->calls2++;
		loop_del_fd(loop, m->p1[0]);
	}
	/* Remove ourselves too, and register a new fd on the same loop. */
	loop_del_fd(loop, fd);
	cr_assert_eq(loop_add_fd(loop, m->p3[0], POLLIN, on_third, NULL), 0);
	cr_assert_eq(write(m->p3[1], "z", 1), 1);
}

Test(loop, modify_during_dispatch)
{
	struct loop *loop = loop_new();
	struct mutual m = { 0 };

	g_mut = &m;
	cr_assert_eq(pipe(m.p1), 0);
	cr_assert_eq(pipe(m.p2), 0);
	cr_assert_eq(pipe(m.p3), 0);
	cr_assert_eq(loop_add_fd(loop, m.p1[0], POLLIN, on_either, NULL), 0);
	cr_assert_eq(loop_add_fd(loop, m.p2[0], POLLIN, on_either, NULL), 0);
	cr_assert_eq(write(m.p1[1], "a", 1), 1);
	cr_assert_eq(write(m.p2[1], "b", 1), 1);
	loop_run(loop);
	cr_assert_eq(m.calls1 + m.calls2, 1);
	cr_assert_eq(m.calls3, 1);
	loop_free(loop);
	for (int i = 0; i < 2; i++) {
		close(m.p1[i]);
		close(m.p2[i]);
		close(m.p3[i]);
	}
}

static void stop_now(struct loop *loop, void *arg)
{
	loop_stop(loop);
}

Test(loop, stop_and_now)
{
	struct loop *loop = loop_new();
	uint64_t t0 = loop_now_us();

	loop_timer_add(loop, 2000, stop_now, NULL);
	cr_assert_eq(loop_run(loop), 0);
	cr_assert(loop_now_us() - t0 >= 2000);
	/* The loop can be run again after a stop. */
	loop_timer_add(loop, 0, stop_now, NULL);
	cr_assert_eq(loop_run(loop), 0);
	loop_free(loop);
}
