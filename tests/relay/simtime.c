/*
 * simtime.c: simulated time by interposition (see simtime.h).
 *
 * The functions below replace the C library's (and libzmq's zmq_poll) for
 * the whole executable: the static linker binds the executable's own
 * references to them, and the dynamic linker binds the shared libraries'
 * references too, the executable coming first in the lookup order.  The
 * real functions are found with dlsym(RTLD_NEXT) (or called as system
 * calls), so outside a simulation nothing changes.
 *
 * Time is kept in integer nanoseconds so hours of simulation do not
 * accumulate rounding.  Single-threaded by design (one event loop).
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "simtime.h"

#define NS 1000000000LL
#define SIM_MAX_TIMERS 64

struct sim_timer {
	bool used, armed;
	int fd;
	clockid_t clock;
	int64_t deadline;         /* simulated monotonic ns */
	int64_t interval;         /* ns, 0: one-shot */
};

static struct {
	bool active;
	int64_t t;                /* simulated monotonic time, ns */
	int64_t base;             /* CLOCK_REALTIME at t = 0, ns */
	uint64_t rng;
	uint64_t jumps;
	struct sim_timer timers[SIM_MAX_TIMERS];
} sim;

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*zmq_poll_fn)(zmq_pollitem_t *, int, long);
typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);

static int real_clock_gettime(clockid_t clk, struct timespec *ts)
{
	static clock_gettime_fn fn;

	if (!fn)
		fn = (clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
	if (fn)
		return fn(clk, ts);
	return (int)syscall(SYS_clock_gettime, clk, ts);
}

static int real_zmq_poll(zmq_pollitem_t *items, int n, long timeout)
{
	static zmq_poll_fn fn;

	if (!fn)
		fn = (zmq_poll_fn)dlsym(RTLD_NEXT, "zmq_poll");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(items, n, timeout);
}

static int real_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout,
		      const sigset_t *mask)
{
	static ppoll_fn fn;

	if (!fn)
		fn = (ppoll_fn)dlsym(RTLD_NEXT, "ppoll");
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	return fn(fds, n, timeout, mask);
}

static uint64_t rng_next(void)
{
	uint64_t x = sim.rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sim.rng = x;
	return x * 2685821657736338717ULL;
}

static bool is_realtime(clockid_t clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE || clk == CLOCK_TAI;
}

static bool is_simulated(clockid_t clk)
{
	return is_realtime(clk) || clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW ||
	       clk == CLOCK_MONOTONIC_COARSE || clk == CLOCK_BOOTTIME;
}

void simtime_start(double realtime_base, uint64_t seed)
{
	int major, minor, patch;

	/* A reference into libzmq, so that --as-needed keeps it linked for
	 * real_zmq_poll even when nothing else in the executable uses it. */
	zmq_version(&major, &minor, &patch);
	memset(&sim, 0, sizeof(sim));
	sim.base = (int64_t)(realtime_base * 1e9);
	sim.rng = seed ^ 0x9E3779B97F4A7C15ULL;
	if (!sim.rng)
		sim.rng = 1;
	sim.active = true;
}

void simtime_stop(void)
{
	sim.active = false;
}

double simtime_now(void)
{
	return (double)sim.t / 1e9;
}

uint64_t simtime_jumps(void)
{
	return sim.jumps;
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	int64_t v;

	if (!sim.active || !is_simulated(clk))
		return real_clock_gettime(clk, ts);
	sim.t += (int64_t)(SIMTIME_READ_COST * 1e9);
	v = is_realtime(clk) ? sim.base + sim.t : sim.t;
	ts->tv_sec = (time_t)(v / NS);
	ts->tv_nsec = (long)(v % NS);
	return 0;
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;

	if (!sim.active)
		return (ssize_t)syscall(SYS_getrandom, buf, len, flags);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t x = rng_next();
		size_t k = len - i < 8 ? len - i : 8;

		memcpy(p + i, &x, k);
	}
	return (ssize_t)len;
}

/* ---- timerfd ----------------------------------------------------------- */

static struct sim_timer *timer_of(int fd)
{
	for (int i = 0; i < SIM_MAX_TIMERS; i++)
		if (sim.timers[i].used && sim.timers[i].fd == fd)
			return &sim.timers[i];
	return NULL;
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static void ns_ts(int64_t v, struct timespec *ts)
{
	if (v < 0)
		v = 0;
	ts->tv_sec = (time_t)(v / NS);
	ts->tv_nsec = (long)(v % NS);
}

/* Write the expirations of every timer due at sim.t to its eventfd. */
static void fire_due(void)
{
	for (int i = 0; i < SIM_MAX_TIMERS; i++) {
		struct sim_timer *st = &sim.timers[i];
		uint64_t n = 1;

		if (!st->used || !st->armed || st->deadline > sim.t)
			continue;
		if (st->interval > 0) {
			n += (uint64_t)((sim.t - st->deadline) / st->interval);
			st->deadline += (int64_t)n * st->interval;
		} else {
			st->armed = false;
		}
		if (write(st->fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
			st->armed = false;
	}
}

int timerfd_create(int clockid, int flags)
{
	struct sim_timer *st = NULL;
	int fd;

	if (!sim.active)
		return (int)syscall(SYS_timerfd_create, clockid, flags);
	fd = eventfd(0, ((flags & TFD_NONBLOCK) ? EFD_NONBLOCK : 0) |
			((flags & TFD_CLOEXEC) ? EFD_CLOEXEC : 0));
	if (fd < 0)
		return -1;
	st = timer_of(fd);   /* a number reused after close */
	for (int i = 0; !st && i < SIM_MAX_TIMERS; i++)
		if (!sim.timers[i].used)
			st = &sim.timers[i];
	if (!st) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->used = true;
	st->fd = fd;
	st->clock = clockid;
	return fd;
}

static void remaining(const struct sim_timer *st, struct itimerspec *out)
{
	memset(out, 0, sizeof(*out));
	if (!st->armed)
		return;
	ns_ts(st->deadline - sim.t, &out->it_value);
	ns_ts(st->interval, &out->it_interval);
}

int timerfd_settime(int fd, int flags, const struct itimerspec *nv, struct itimerspec *ov)
{
	struct sim_timer *st = sim.active ? timer_of(fd) : NULL;
	uint64_t drain;
	int64_t v;

	if (!st)
		return (int)syscall(SYS_timerfd_settime, fd, flags, nv, ov);
	if (!nv) {
		errno = EFAULT;
		return -1;
	}
	if (ov)
		remaining(st, ov);
	/* Re-arming forgets expirations not read yet, as a timerfd does. */
	while (read(fd, &drain, sizeof(drain)) == (ssize_t)sizeof(drain))
		;
	v = ts_ns(&nv->it_value);
	st->interval = ts_ns(&nv->it_interval);
	if (v == 0) {
		st->armed = false;
		return 0;
	}
	if (flags & TFD_TIMER_ABSTIME)
		st->deadline = is_realtime(st->clock) ? v - sim.base : v;
	else
		st->deadline = sim.t + v;
	st->armed = true;
	fire_due();
	return 0;
}

int timerfd_gettime(int fd, struct itimerspec *cur)
{
	struct sim_timer *st = sim.active ? timer_of(fd) : NULL;

	if (!st)
		return (int)syscall(SYS_timerfd_gettime, fd, cur);
	remaining(st, cur);
	return 0;
}

/* ---- waiting: zmq_poll and ppoll ------------------------------------------ */

/* Idle for up to timeout_ns (< 0: for ever): jump to the earlier of that
 * and the first armed timer, and fire what is due then. */
static void jump(int64_t timeout_ns)
{
	int64_t target = sim.t + (timeout_ns < 0 ? NS : timeout_ns);

	for (int i = 0; i < SIM_MAX_TIMERS; i++) {
		const struct sim_timer *st = &sim.timers[i];

		if (st->used && st->armed && st->deadline < target)
			target = st->deadline;
	}
	if (target > sim.t)
		sim.t = target;
	sim.jumps++;
	fire_due();
}

int zmq_poll(zmq_pollitem_t *items, int nitems, long timeout)
{
	int r;

	if (!sim.active)
		return real_zmq_poll(items, nitems, timeout);
	fire_due();
	r = real_zmq_poll(items, nitems, 0);
	if (r != 0 || timeout == 0)
		return r;
	jump(timeout < 0 ? -1 : (int64_t)timeout * 1000000LL);
	return real_zmq_poll(items, nitems, 0);
}

/* The event loop's wait (common/loop.c); libzmq's own poll() calls are
 * left alone. */
int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *timeout, const sigset_t *mask)
{
	static const struct timespec zero;
	int r;

	if (!sim.active)
		return real_ppoll(fds, n, timeout, mask);
	fire_due();
	r = real_ppoll(fds, n, &zero, mask);
	if (r != 0 || (timeout && ts_ns(timeout) == 0))
		return r;
	jump(timeout ? ts_ns(timeout) : -1);
	return real_ppoll(fds, n, &zero, mask);
}
