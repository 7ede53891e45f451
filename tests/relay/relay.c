/*
 * relay.c: the impairing UDP relay (see relay.h).
 *
 * State: the listening socket, a small table of clients each with its
 * upstream socket (bound to the listening address, ephemeral port), a pool
 * of datagram slots with a free stack, a binary min-heap of queued slots by
 * release time, and one timerfd armed (absolute, CLOCK_MONOTONIC) at the
 * heap's top.  A datagram is received straight into a free slot; when the
 * pool is full it is read into a scratch buffer and counted as overflow.
 * A slot remembers its client's generation, so a datagram queued for a
 * client that was since replaced is dropped instead of misdelivered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "relay.h"

struct relay_client {
	bool used;
	struct sockaddr_in addr;  /* the client */
	int fd;                   /* upstream socket */
	uint32_t gen;
	int64_t last_use;
};

struct relay_slot {
	uint8_t buf[RELAY_MTU];
	uint16_t len;
	uint8_t dir;
	uint8_t client;
	uint32_t gen;
	int64_t due;              /* CLOCK_MONOTONIC ns */
};

struct relay {
	struct loop *loop;
	struct relay_cfg cfg;
	int lfd, tfd;
	uint16_t port;
	struct sockaddr_in fwd;
	struct relay_client clients[RELAY_MAX_CLIENTS];
	uint32_t next_gen;
	struct relay_slot *slots;
	int free_stack[RELAY_QUEUE];
	int n_free;
	int heap[RELAY_QUEUE];
	int n_heap;
	int64_t armed;            /* deadline the timerfd is armed at, 0 none */
	uint64_t rng;
	struct relay_dir_stats st[2];
	uint8_t scratch[RELAY_MTU];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* xorshift64*, and Box-Muller for the gaussian. */
static double rnd_uniform(struct relay *r)
{
	uint64_t x = r->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return (double)(((x * 2685821657736338717ULL) >> 11) + 1) / 9007199254740993.0;
}

static double rnd_gauss(struct relay *r)
{
	double u1 = rnd_uniform(r), u2 = rnd_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double clampd(double v, double lo, double hi)
{
	return !(v >= lo) ? lo : v > hi ? hi : v;
}

void relay_set_path(struct relay *r, enum relay_dir_id dir, const struct relay_path *p)
{
	struct relay_path *d = &r->cfg.path[dir];

	d->delay = clampd(p->delay, 0, 3600);
	d->jitter = clampd(p->jitter, 0, 3600);
	d->loss = clampd(p->loss, 0, 1);
}

/* ---- heap of queued slots by due time --------------------------------- */

static bool before(const struct relay *r, int a, int b)
{
	return r->slots[r->heap[a]].due < r->slots[r->heap[b]].due;
}

static void heap_swap(struct relay *r, int a, int b)
{
	int t = r->heap[a];

	r->heap[a] = r->heap[b];
	r->heap[b] = t;
}

static void heap_push(struct relay *r, int slot)
{
	int i = r->n_heap++;

	r->heap[i] = slot;
	while (i > 0 && before(r, i, (i - 1) / 2)) {
		heap_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static int heap_pop(struct relay *r)
{
	int top = r->heap[0], i = 0;

	r->heap[0] = r->heap[--r->n_heap];
	for (;;) {
		int l = 2 * i + 1, m = i;

		if (l < r->n_heap && before(r, l, m))
			m = l;
		if (l + 1 < r->n_heap && before(r, l + 1, m))
			m = l + 1;
		if (m == i)
			break;
		heap_swap(r, i, m);
		i = m;
	}
	return top;
}

static void arm(struct relay *r)
{
	struct itimerspec its;
	int64_t due;

	if (r->n_heap == 0) {
		if (r->armed) {
			memset(&its, 0, sizeof(its));
			timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
			r->armed = 0;
		}
		return;
	}
	due = r->slots[r->heap[0]].due;
	if (due <= 0)
		due = 1;   /* 0 would disarm */
	if (due == r->armed)
		return;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(due / 1000000000LL);
	its.it_value.tv_nsec = (long)(due % 1000000000LL);
	r->armed = due;
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- release ----------------------------------------------------------- */

static void release(struct relay *r, int slot, int64_t now)
{
	struct relay_slot *s = &r->slots[slot];
	struct relay_client *c = &r->clients[s->client];
	struct relay_dir_stats *st = &r->st[s->dir];
	double late = (double)(now - s->due) / 1e9;
	ssize_t n;

	if (late > st->late_max)
		st->late_max = late;
	if (!c->used || c->gen != s->gen) {
		st->send_err++;
		return;
	}
	if (s->dir == RELAY_UP)
		n = sendto(c->fd, s->buf, s->len, 0, (const struct sockaddr *)&r->fwd,
			   sizeof(r->fwd));
	else
		n = sendto(r->lfd, s->buf, s->len, 0, (const struct sockaddr *)&c->addr,
			   sizeof(c->addr));
	if (n == (ssize_t)s->len)
		st->sent++;
	else
		st->send_err++;
}

static void on_timer(struct loop *loop, int fd, short revents, void *arg)
{
	struct relay *r = arg;
	uint64_t expirations;
	int64_t now;

	while (read(fd, &expirations, sizeof(expirations)) == (ssize_t)sizeof(expirations))
		;
	now = now_ns();
	r->armed = 0;
	while (r->n_heap > 0 && r->slots[r->heap[0]].due <= now) {
		int slot = heap_pop(r);

		release(r, slot, now);
		r->free_stack[r->n_free++] = slot;
	}
	arm(r);
}

/* ---- reception --------------------------------------------------------- */

/* Queue the datagram in `slot` (len bytes) or drop it. */
static void enqueue(struct relay *r, int slot, enum relay_dir_id dir, int client, size_t len)
{
	const struct relay_path *p = &r->cfg.path[dir];
	struct relay_dir_stats *st = &r->st[dir];
	struct relay_slot *s = &r->slots[slot];
	double u = rnd_uniform(r), g = rnd_gauss(r), delay;

	if (u < p->loss) {
		st->lost++;
		r->free_stack[r->n_free++] = slot;
		return;
	}
	delay = p->delay + p->jitter * g;
	if (delay < 0)
		delay = 0;
	if (st->queued++ == 0 || delay < st->delay_min)
		st->delay_min = delay;
	if (delay > st->delay_max)
		st->delay_max = delay;
	st->delay_sum += delay;
	st->delay_sq += delay * delay;
	s->len = (uint16_t)len;
	s->dir = (uint8_t)dir;
	s->client = (uint8_t)client;
	s->gen = r->clients[client].gen;
	s->due = now_ns() + (int64_t)llround(delay * 1e9);
	heap_push(r, slot);
	arm(r);
}

static void on_upstream(struct loop *loop, int fd, short revents, void *arg);

static int client_of(struct relay *r, const struct sockaddr_in *from)
{
	int oldest = 0;
	struct relay_client *c;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	for (int i = 0; i < RELAY_MAX_CLIENTS; i++) {
		c = &r->clients[i];
		if (c->used && c->addr.sin_addr.s_addr == from->sin_addr.s_addr &&
		    c->addr.sin_port == from->sin_port) {
			c->last_use = now_ns();
			return i;
		}
		if (!c->used || (r->clients[oldest].used && c->last_use < r->clients[oldest].last_use))
			oldest = i;
	}
	c = &r->clients[oldest];
	if (c->used) {
		loop_del_fd(r->loop, c->fd);
		close(c->fd);
	}
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = r->cfg.listen_addr;
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add_fd(r->loop, c->fd, POLLIN, on_upstream, r) < 0) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->used = true;
	c->addr = *from;
	c->gen = ++r->next_gen;
	c->last_use = now_ns();
	return oldest;
}

/* Receive everything waiting on fd; `client` < 0: the listening socket. */
static void drain(struct relay *r, int fd, int client)
{
	enum relay_dir_id dir = client < 0 ? RELAY_UP : RELAY_DOWN;

	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		int slot = r->n_free > 0 ? r->free_stack[r->n_free - 1] : -1;
		uint8_t *buf = slot >= 0 ? r->slots[slot].buf : r->scratch;
		ssize_t n = recvfrom(fd, buf, RELAY_MTU, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fl);
		int c = client;

		if (n < 0)
			return;
		if (dir == RELAY_DOWN && (from.sin_addr.s_addr != r->fwd.sin_addr.s_addr ||
					  from.sin_port != r->fwd.sin_port))
			continue;   /* not from the server: ignore */
		r->st[dir].rx++;
		if (slot < 0 || n > RELAY_MTU) {
			r->st[dir].overflow++;
			continue;
		}
		if (c < 0)
			c = client_of(r, &from);
		if (c < 0) {
			r->st[dir].send_err++;
			continue;
		}
		r->n_free--;
		enqueue(r, slot, dir, c, (size_t)n);
	}
}

static void on_listen(struct loop *loop, int fd, short revents, void *arg)
{
	drain(arg, fd, -1);
}

static void on_upstream(struct loop *loop, int fd, short revents, void *arg)
{
	struct relay *r = arg;

	for (int i = 0; i < RELAY_MAX_CLIENTS; i++) {
		if (r->clients[i].used && r->clients[i].fd == fd) {
			drain(r, fd, i);
			return;
		}
	}
}

/* ---- life cycle -------------------------------------------------------- */

struct relay *relay_new(struct loop *loop, const struct relay_cfg *cfg)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int err;

	r->loop = loop;
	r->cfg = *cfg;
	r->lfd = r->tfd = -1;
	for (int d = 0; d < 2; d++)
		relay_set_path(r, (enum relay_dir_id)d, &cfg->path[d]);
	r->rng = cfg->seed ^ 0xD1B54A32D192ED03ULL;
	if (!r->rng)
		r->rng = 1;
	r->fwd.sin_family = AF_INET;
	r->fwd.sin_addr.s_addr = cfg->fwd_addr;
	r->fwd.sin_port = htons(cfg->fwd_port);
	r->slots = xcalloc(RELAY_QUEUE, sizeof(*r->slots));
	for (int i = 0; i < RELAY_QUEUE; i++)
		r->free_stack[i] = RELAY_QUEUE - 1 - i;
	r->n_free = RELAY_QUEUE;

	r->lfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = cfg->listen_addr;
	sa.sin_port = htons(cfg->listen_port);
	if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(r->lfd, (struct sockaddr *)&sa, &sl) < 0)
		goto fail;
	r->port = ntohs(sa.sin_port);
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->tfd < 0)
		goto fail;
	if ((err = loop_add_fd(loop, r->lfd, POLLIN, on_listen, r)) < 0 ||
	    (err = loop_add_fd(loop, r->tfd, POLLIN, on_timer, r)) < 0) {
		errno = -err;
		goto fail;
	}
	return r;
fail:
	err = errno;
	relay_free(r);
	errno = err;
	return NULL;
}

void relay_free(struct relay *r)
{
	struct itimerspec its;

	if (!r)
		return;
	for (int i = 0; i < RELAY_MAX_CLIENTS; i++) {
		if (r->clients[i].used) {
			loop_del_fd(r->loop, r->clients[i].fd);
			close(r->clients[i].fd);
		}
	}
	if (r->tfd >= 0) {
		/* Disarmed before closing (a simulated timerfd needs it). */
		memset(&its, 0, sizeof(its));
		timerfd_settime(r->tfd, 0, &its, NULL);
		loop_del_fd(r->loop, r->tfd);
		close(r->tfd);
	}
	if (r->lfd >= 0) {
		loop_del_fd(r->loop, r->lfd);
		close(r->lfd);
	}
	free(r->slots);
	free(r);
}

uint16_t relay_port(const struct relay *r)
{
	return r->port;
}

const struct relay_dir_stats *relay_stats(const struct relay *r, enum relay_dir_id dir)
{
	return &r->st[dir];
}

int relay_queued(const struct relay *r)
{
	return r->n_heap;
}
