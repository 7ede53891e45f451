/*
 * resolve.c: domain names of `ntp-service unicast-server/unicast-peer
 * domain-name`, resolved without ever blocking the event loop.
 *
 * How: glibc's getaddrinfo_a(GAI_NOWAIT) with no notification (SIGEV_NONE):
 * glibc runs the lookup on its own helper thread and we poll gai_error()
 * from a 50 ms loop timer while a lookup is in flight.  Nothing of ours runs
 * on another thread (no SIGEV_THREAD callback, no signal), so the daemon
 * stays single-threaded in its own code; the timer only exists while a
 * lookup runs.  A forked helper was the alternative: more code for the same
 * guarantee.
 *
 * Each name has one entry (name, state, address, backoff):
 *  - a first lookup is started by resolve_lookup() from a reconciliation;
 *    when it ends, a reconciliation is scheduled (a 0 s timer, never from
 *    inside the resolver's own iteration) and creates the association;
 *  - a failure is retried after NTPD_RESOLVE_MIN_S, doubling up to
 *    NTPD_RESOLVE_MAX_S; meanwhile resolve_lookup() returns the error, which
 *    becomes an operational error of the reconciliation;
 *  - resolve_again() (the server stopped answering, or a preempted
 *    association comes back) starts a new lookup, at most once per
 *    NTPD_RESOLVE_MIN_S; while it runs and if it fails the old address
 *    stays in use; a new address replaces the association;
 *  - names no reconciliation asks for any more are dropped (resolve_sweep);
 *    a lookup still in flight is cancelled, or left to finish and freed by
 *    the poll timer (gai_cancel cannot stop a running lookup).
 * The first IPv4 answer wins; a name with IPv6 answers only uses the first
 * of those (most servers named so are reached over IPv4 first, as chrony
 * and ntpd do by default).
 *
 * Tests install a synchronous resolver (ntpd_set_resolver): it is called
 * from a 0 s timer, so the asynchronous path is the same.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "loop.h"
#include "ntpd.h"

#define RES_POLL_US 50000

enum res_state { RES_PENDING, RES_OK, RES_FAILED };

struct res_entry {
	struct res_entry *next;
	struct ntpd *core;
	char *name;
	enum res_state state;
	struct naddr addr;        /* valid in RES_OK */
	int err;                  /* last failure, -errno */
	double backoff;           /* delay of the next retry, s */
	double last_start;        /* monotonic start of the last lookup */
	uint64_t timer;           /* retry (or test resolver) timer */
	bool inflight;            /* a getaddrinfo_a request is running */
	bool used;                /* mark of the current reconciliation */
	bool zombie;              /* dropped, waiting for its lookup to end */
	struct addrinfo hints;
	struct gaicb gcb;
};

struct ntpd_resolver {
	struct res_entry *list;
	ntpd_resolve_fn fn;
	void *fn_arg;
	uint64_t poll_timer;
	uint64_t reconcile_timer;
};

static void res_start(struct res_entry *e);

static struct ntpd_resolver *resolver(struct ntpd *core)
{
	if (!core->resolver)
		core->resolver = xcalloc(1, sizeof(*core->resolver));
	return core->resolver;
}

void ntpd_set_resolver(struct ntpd *core, ntpd_resolve_fn fn, void *arg)
{
	struct ntpd_resolver *r = resolver(core);

	r->fn = fn;
	r->fn_arg = arg;
}

static void reconcile_cb(struct loop *loop, void *arg)
{
	struct ntpd *core = arg;

	core->resolver->reconcile_timer = 0;
	ntpd_reconcile(core);
}

static void reconcile_soon(struct ntpd *core)
{
	struct ntpd_resolver *r = core->resolver;

	if (!r->reconcile_timer)
		r->reconcile_timer = loop_timer_add(core->loop, 0, reconcile_cb, core);
}

static void retry_cb(struct loop *loop, void *arg)
{
	struct res_entry *e = arg;

	e->timer = 0;
	res_start(e);
}

/* A lookup ended: r = 0 with addr, or -errno. */
static void res_done(struct res_entry *e, int r, const struct naddr *addr)
{
	struct ntpd *core = e->core;

	if (r == 0) {
		bool changed = e->state != RES_OK || !naddr_eq(&e->addr, addr);
		char txt[NADDR_STRLEN];

		naddr_str(addr, txt, sizeof(txt));
		if (changed)
			log_info("%s resolved to %s", e->name, txt);
		e->state = RES_OK;
		e->addr = *addr;
		e->err = 0;
		e->backoff = NTPD_RESOLVE_MIN_S;
		if (changed)
			reconcile_soon(core);
		return;
	}
	e->err = r;
	log_warn("cannot resolve %s: %s%s", e->name, strerror(-r),
		 e->state == RES_OK ? " (keeping the last address)" : "");
	if (e->state != RES_OK) {
		e->state = RES_FAILED;
		reconcile_soon(core);
	}
	e->timer = loop_timer_add(core->loop, (uint64_t)(e->backoff * 1e6), retry_cb, e);
	e->backoff = e->backoff * 2 > NTPD_RESOLVE_MAX_S ? NTPD_RESOLVE_MAX_S : e->backoff * 2;
}

static int gai_to_errno(int g)
{
	switch (g) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
	case EAI_FAIL:
		return -ENXIO;
	case EAI_AGAIN:
		return -EAGAIN;
	case EAI_MEMORY:
		return -ENOMEM;
	case EAI_CANCELED:
		return -ECANCELED;
	case EAI_SYSTEM:
		return errno ? -errno : -EIO;
	default:
		return -EIO;
	}
}

static void entry_free(struct res_entry *e)
{
	if (e->gcb.ar_result)
		freeaddrinfo(e->gcb.ar_result);
	free(e->name);
	free(e);
}

/* Collect the result of a finished getaddrinfo_a request. */
static void gai_collect(struct res_entry *e, int g)
{
	struct naddr addr = { .family = AF_UNSPEC };
	int r = 0;

	e->inflight = false;
	if (g == 0) {
		r = -ENXIO;
		for (struct addrinfo *ai = e->gcb.ar_result; ai; ai = ai->ai_next) {
			struct naddr a;

			if (naddr_from_sockaddr(ai->ai_addr, ai->ai_addrlen, &a, NULL) < 0)
				continue;
			if (r < 0 || (a.family == AF_INET && addr.family != AF_INET)) {
				addr = a;
				r = 0;
			}
			if (addr.family == AF_INET)
				break;
		}
	} else {
		r = gai_to_errno(g);
	}
	if (e->gcb.ar_result)
		freeaddrinfo(e->gcb.ar_result);
	e->gcb.ar_result = NULL;
	if (!e->zombie)
		res_done(e, r, &addr);
}

static void poll_cb(struct loop *loop, void *arg)
{
	struct ntpd *core = arg;
	struct ntpd_resolver *rs = core->resolver;
	bool more = false;

	rs->poll_timer = 0;
	for (struct res_entry **pp = &rs->list; *pp;) {
		struct res_entry *e = *pp;

		if (e->inflight) {
			int g = gai_error(&e->gcb);

			if (g == EAI_INPROGRESS) {
				more = true;
			} else {
				gai_collect(e, g);
				more = more || e->inflight;
			}
		}
		if (e->zombie && !e->inflight) {
			*pp = e->next;
			entry_free(e);
			continue;
		}
		pp = &e->next;
	}
	if (more)
		rs->poll_timer = loop_timer_add(loop, RES_POLL_US, poll_cb, core);
}

static void test_cb(struct loop *loop, void *arg)
{
	struct res_entry *e = arg;
	struct ntpd_resolver *rs = e->core->resolver;
	struct naddr addr = { .family = AF_UNSPEC };
	int r;

	e->timer = 0;
	r = rs->fn(e->name, &addr, rs->fn_arg);
	res_done(e, r < 0 ? r : 0, &addr);
}

static void res_start(struct res_entry *e)
{
	struct ntpd *core = e->core;
	struct ntpd_resolver *rs = core->resolver;
	struct gaicb *list[1];
	int g;

	e->last_start = ntpd_mono();
	if (rs->fn) {
		e->timer = loop_timer_add(core->loop, 0, test_cb, e);
		return;
	}
	memset(&e->hints, 0, sizeof(e->hints));
	e->hints.ai_family = AF_UNSPEC;
	e->hints.ai_socktype = SOCK_DGRAM;
	memset(&e->gcb, 0, sizeof(e->gcb));
	e->gcb.ar_name = e->name;
	e->gcb.ar_request = &e->hints;
	list[0] = &e->gcb;
	g = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (g != 0) {
		res_done(e, gai_to_errno(g), 0);
		return;
	}
	e->inflight = true;
	if (!rs->poll_timer)
		rs->poll_timer = loop_timer_add(core->loop, RES_POLL_US, poll_cb, core);
}

static struct res_entry *find(struct ntpd_resolver *rs, const char *name)
{
	for (struct res_entry *e = rs->list; e; e = e->next)
		if (!e->zombie && strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}

int resolve_lookup(struct ntpd *core, const char *name, struct naddr *addr)
{
	struct ntpd_resolver *rs = resolver(core);
	struct res_entry *e = find(rs, name);

	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->core = core;
		e->name = xstrdup(name);
		e->state = RES_PENDING;
		e->backoff = NTPD_RESOLVE_MIN_S;
		e->next = rs->list;
		rs->list = e;
		e->used = true;
		res_start(e);
	}
	e->used = true;
	switch (e->state) {
	case RES_OK:
		*addr = e->addr;
		return 1;
	case RES_FAILED:
		return e->err;
	default:
		return 0;
	}
}

void resolve_again(struct ntpd *core, const char *name)
{
	struct ntpd_resolver *rs = core->resolver;
	struct res_entry *e = rs ? find(rs, name) : NULL;

	if (!e || e->inflight || e->timer || ntpd_mono() - e->last_start < NTPD_RESOLVE_MIN_S)
		return;
	log_info("resolving %s again", name);
	res_start(e);
}

void resolve_mark_unused(struct ntpd *core)
{
	for (struct res_entry *e = core->resolver ? core->resolver->list : NULL; e; e = e->next)
		e->used = false;
}

/* Stop whatever the entry is doing; true when it can be freed now. */
static bool entry_stop(struct ntpd *core, struct res_entry *e)
{
	loop_timer_cancel(core->loop, e->timer);
	e->timer = 0;
	if (e->inflight && gai_cancel(&e->gcb) == EAI_CANCELED)
		e->inflight = false;
	e->zombie = true;
	return !e->inflight;
}

void resolve_sweep(struct ntpd *core)
{
	struct ntpd_resolver *rs = core->resolver;

	for (struct res_entry **pp = rs ? &rs->list : NULL; pp && *pp;) {
		struct res_entry *e = *pp;

		if (e->used || e->zombie) {
			pp = &e->next;
			continue;
		}
		if (entry_stop(core, e)) {
			*pp = e->next;
			entry_free(e);
			continue;
		}
		pp = &e->next;   /* freed by poll_cb when its lookup ends */
	}
}

void resolve_fini(struct ntpd *core)
{
	struct ntpd_resolver *rs = core->resolver;

	if (!rs)
		return;
	loop_timer_cancel(core->loop, rs->poll_timer);
	loop_timer_cancel(core->loop, rs->reconcile_timer);
	while (rs->list) {
		struct res_entry *e = rs->list;

		rs->list = e->next;
		if (!entry_stop(core, e)) {
			/* A lookup glibc cannot cancel: wait for it (bounded), as
			 * its helper thread writes into e. */
			struct timespec ts = { .tv_sec = 5, .tv_nsec = 0 };
			const struct gaicb *l[1] = { &e->gcb };

			if (gai_suspend(l, 1, &ts) != 0 || gai_error(&e->gcb) == EAI_INPROGRESS) {
				log_warn("lookup of %s still running at exit", e->name);
				continue;   /* leaked on purpose: still written to */
			}
		}
		entry_free(e);
	}
	free(rs);
	core->resolver = NULL;
}
