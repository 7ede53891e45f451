/*
 * logbuf.c: clid's copy of the device's events (see logbuf.h).
 *
 * One ring per source.  A snapshot from a daemon replaces that daemon's
 * ring whole (level-triggered: what the daemon holds is the truth, so a
 * restarted clid or a daemon's new epoch converge on it); a delta appends
 * one event and is the only thing `terminal monitor` shows, so a snapshot
 * taken after a gap never repeats old events on a terminal.
 *
 * Layout of `display logbuffer` (VRP8 `querylogbuffer(LOGOM)`, the field
 * names of VRP's info-center buffers): the header, a blank line, then the
 * entries newest first, each "TIME HOST %%01MODULE/SEV/BRIEF(l):CID=0x...;
 * text" with the time as "yyyy-mm-dd hh:mm:ss" ([LOG]'s default format), in
 * UTC, which is VRP's default for log timestamps and what the NTP displays
 * show (`clock timezone` does not move them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.h"
#include "clone.h"
#include "cmd.h"
#include "evlog.h"
#include "log.h"
#include "logbuf.h"

struct logbuf;

struct logsrc {
	struct logbuf *lb;
	enum logbuf_src src;
	struct evring *ring;
	struct clone_sub *sub;
};

struct logbuf {
	struct logsrc src[LOGBUF_NSRC];
	bool have_offset;
	int64_t offset_us;
	logbuf_notify_fn notify;
	void *notify_arg;
	uint64_t bad;
};

static const char *const src_daemon[LOGBUF_NSRC] = {
	[LOGBUF_CLID] = "clid",
	[LOGBUF_CFGD] = "cfgd",
	[LOGBUF_IFMGRD] = "ifmgrd",
	[LOGBUF_NTPD] = "ntpd",
};

struct logbuf *logbuf_new(void)
{
	struct logbuf *lb = xcalloc(1, sizeof(*lb));

	for (int i = 0; i < LOGBUF_NSRC; i++) {
		lb->src[i].lb = lb;
		lb->src[i].src = (enum logbuf_src)i;
		lb->src[i].ring = evring_new(EVRING_DEFAULT_CAPACITY);
	}
	return lb;
}

void logbuf_free(struct logbuf *lb)
{
	if (!lb)
		return;
	for (int i = 0; i < LOGBUF_NSRC; i++) {
		clone_sub_free(lb->src[i].sub);
		evring_free(lb->src[i].ring);
	}
	free(lb);
}

void logbuf_set_clock_offset(struct logbuf *lb, int64_t offset_us)
{
	/* The first offset puts what came before it on the device clock
	 * once, so that a later step does not move those events. */
	if (!lb->have_offset) {
		for (int i = 0; i < LOGBUF_NSRC; i++) {
			for (size_t k = 0; k < evring_count(lb->src[i].ring); k++) {
				struct ev *e = evring_at(lb->src[i].ring, k);

				if (!e->device_time) {
					e->time_us += offset_us;
					e->device_time = true;
				}
			}
		}
	}
	lb->have_offset = true;
	lb->offset_us = offset_us;
}

uint64_t logbuf_bad(const struct logbuf *lb)
{
	return lb->bad;
}

void logbuf_on_event(struct logbuf *lb, logbuf_notify_fn fn, void *arg)
{
	lb->notify = fn;
	lb->notify_arg = arg;
}

int64_t logbuf_event_time(const struct logbuf *lb, const struct ev *e)
{
	if (e->device_time || !lb->have_offset)
		return e->time_us;
	return e->time_us + lb->offset_us;
}

/* Put e on the device clock if the offset is known, and keep it. */
static const struct ev *keep(struct logbuf *lb, enum logbuf_src src, const struct ev *e)
{
	struct ev c = *e;

	if (!c.device_time && lb->have_offset) {
		c.time_us += lb->offset_us;
		c.device_time = true;
	}
	evring_push(lb->src[src].ring, &c);
	return evring_last(lb->src[src].ring);
}

void logbuf_add(struct logbuf *lb, enum logbuf_src src, const struct ev *e)
{
	const struct ev *kept = keep(lb, src, e);

	if (lb->notify)
		lb->notify(kept, lb->notify_arg);
}

/* ---- the subscriptions ---- */

static void on_snapshot(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct logsrc *s = arg;
	struct logbuf *lb = s->lb;
	LogRing *r = log_ring__unpack(NULL, len, state);
	struct ev e;

	(void)seq;
	if (!r) {
		lb->bad++;
		log_warn("undecodable event snapshot from %s", src_daemon[s->src]);
		return;
	}
	if (r->has_clock_offset_us)
		logbuf_set_clock_offset(lb, r->clock_offset_us);
	evring_clear(s->ring);
	for (size_t i = 0; i < r->n_events; i++) {
		if (evlog_ev_from_pb(r->events[i], &e) < 0) {
			lb->bad++;
			continue;
		}
		(void)keep(lb, s->src, &e);
	}
	evring_set_overwritten(s->ring, evring_overwritten(s->ring) +
			       (r->has_overwritten ? r->overwritten : 0));
	log_ring__free_unpacked(r, NULL);
}

static int on_delta(const uint8_t *delta, size_t len, uint64_t seq, void *arg)
{
	struct logsrc *s = arg;
	struct logbuf *lb = s->lb;
	LogDelta *d = log_delta__unpack(NULL, len, delta);
	struct ev e;
	int r = 0;

	(void)seq;
	if (!d || evlog_ev_from_pb(d->event, &e) < 0) {
		lb->bad++;
		r = -EBADMSG;   /* a snapshot follows */
	} else {
		if (d->has_clock_offset_us)
			logbuf_set_clock_offset(lb, d->clock_offset_us);
		logbuf_add(lb, s->src, &e);
	}
	if (d)
		log_delta__free_unpacked(d, NULL);
	return r;
}

int logbuf_subscribe(struct logbuf *lb, struct loop *loop, void *zctx,
		     const struct bootstrap *bs)
{
	for (int i = LOGBUF_CFGD; i < LOGBUF_NSRC; i++) {
		struct logsrc *s = &lb->src[i];
		char pub[256], ctl[256];

		if (bootstrap_endpoint(bs, src_daemon[i], "logpub", pub, sizeof(pub)) < 0 ||
		    bootstrap_endpoint(bs, src_daemon[i], "log", ctl, sizeof(ctl)) < 0)
			return -ENAMETOOLONG;
		s->sub = clone_sub_new(loop, zctx, pub, ctl, "log", CLONE_HEARTBEAT_MS,
				       on_snapshot, s);
		if (!s->sub)
			return errno ? -errno : -EIO;
		clone_sub_set_delta_cb(s->sub, on_delta);
	}
	return 0;
}

/* ---- rendering ---- */

void logbuf_format(const struct ev *e, int64_t time_us, const char *host, char *buf,
		   size_t len)
{
	time_t t = (time_t)(time_us >= 0 ? time_us / 1000000 : (time_us - 999999) / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d %s %%%%01%s/%u/%s(l):CID=0x%08x;%s",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 host && host[0] ? host : "HUAWEI", e->module, (unsigned)e->severity, e->brief,
		 (unsigned)e->cid, e->text);
}

struct shown {
	const struct ev *e;
	int64_t t;
	int src;
};

/* Newest first; equal times by source, then by seq, newest first. */
static int by_time_desc(const void *a, const void *b)
{
	const struct shown *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? 1 : -1;
	if (x->src != y->src)
		return x->src < y->src ? 1 : -1;
	return x->e->seq < y->e->seq ? 1 : x->e->seq > y->e->seq ? -1 : 0;
}

void logbuf_render(const struct logbuf *lb, const char *host, struct sbuf *out)
{
	size_t total = 0, n = 0, shown;
	uint64_t overwritten = 0;
	struct shown *v;
	char line[EV_TEXT_MAX + 160];

	for (int i = 0; i < LOGBUF_NSRC; i++) {
		total += evring_count(lb->src[i].ring);
		overwritten += evring_overwritten(lb->src[i].ring);
	}
	v = xcalloc(total ? total : 1, sizeof(*v));
	for (int i = 0; i < LOGBUF_NSRC; i++) {
		for (size_t k = 0; k < evring_count(lb->src[i].ring); k++) {
			const struct ev *e = evring_get(lb->src[i].ring, k);

			v[n].e = e;
			v[n].t = logbuf_event_time(lb, e);
			v[n].src = i;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), by_time_desc);
	shown = n < EVRING_DEFAULT_CAPACITY ? n : EVRING_DEFAULT_CAPACITY;
	overwritten += n - shown;
	sbuf_puts(out, "Logging buffer configuration and contents : enabled\r\n");
	sbuf_printf(out, "Allowed max buffer size : %d\r\n", EVRING_MAX_CAPACITY);
	sbuf_printf(out, "Actual buffer size : %d\r\n", EVRING_DEFAULT_CAPACITY);
	sbuf_puts(out, "Channel number : 4 , Channel name : logbuffer\r\n");
	sbuf_puts(out, "Dropped messages : 0\r\n");
	sbuf_printf(out, "Overwritten messages : %llu\r\n", (unsigned long long)overwritten);
	sbuf_printf(out, "Current messages : %zu\r\n", shown);
	sbuf_puts(out, "\r\n");
	for (size_t i = 0; i < shown; i++) {
		logbuf_format(v[i].e, v[i].t, host, line, sizeof(line));
		sbuf_puts(out, line);
		sbuf_puts(out, "\r\n");
	}
	free(v);
}
