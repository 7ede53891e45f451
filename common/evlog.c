/*
 * evlog.c: the process's event emitter (see evlog.h).
 *
 * Each event is one Clone update (a delta), so a subscriber that missed one
 * (a gap) takes a snapshot, and a restarted daemon's new epoch makes clid
 * replace what it held of that daemon.  The snapshot is built on demand
 * from the ring (clone_pub_set_state_fn), so an event costs one small
 * message and no packing of the ring; only a step of the device clock
 * publishes the whole ring (its new offset), which is why the Clone
 * sequence and the events' numbers are two counters.
 *
 * Under systemd every event is also a journal entry (log_event) at its own
 * severity, the NTP ones with their MESSAGE_ID (msgid.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.h"
#include "bus.h"
#include "clone.h"
#include "daemon.h"
#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "msgid.h"

struct evlog {
	struct loop *loop;
	struct clone_pub *pub;
	struct bus_server *ctl;
	struct evring *ring;
	uint64_t seq;           /* of the events */
	uint64_t pub_seq;       /* of the Clone updates: events and clock steps */
	uint32_t cid;
	evlog_clock_fn clock;
	void *clock_arg;
	/* The last snapshot built, kept until the next (clone_state_fn). */
	LogRing snap;
	LogEvent *snap_ev;
	LogEvent **snap_ptrs;
};

static struct evlog *evlog_cur;
static evlog_listener_fn listener;
static void *listener_arg;

int64_t evlog_realtime_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void evlog_ev_to_pb(const struct ev *e, LogEvent *out)
{
	log_event__init(out);
	out->seq = e->seq;
	out->time_us = e->time_us;
	out->has_device_time = e->device_time;
	out->device_time = e->device_time;
	out->severity = e->severity;
	out->module = (char *)e->module;
	out->brief = (char *)e->brief;
	out->text = (char *)e->text;
	out->has_cid = e->cid != 0;
	out->cid = e->cid;
}

int evlog_ev_from_pb(const LogEvent *in, struct ev *e)
{
	if (!in || !in->module || !in->brief || !in->text || in->severity > EV_DEBUG ||
	    !in->module[0] || !in->brief[0])
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	e->seq = in->seq;
	e->time_us = in->time_us;
	e->device_time = in->has_device_time && in->device_time;
	e->severity = (uint8_t)in->severity;
	e->cid = in->has_cid ? in->cid : 0;
	snprintf(e->module, sizeof(e->module), "%s", in->module);
	snprintf(e->brief, sizeof(e->brief), "%s", in->brief);
	snprintf(e->text, sizeof(e->text), "%s", in->text);
	return 0;
}

/* The device clock and its offset from CLOCK_REALTIME, read together. */
static int64_t stamp(const struct evlog *el, bool *device, int64_t *offset)
{
	int64_t real = evlog_realtime_us();

	if (el && el->clock) {
		int64_t dev = el->clock(el->clock_arg);

		*device = true;
		*offset = dev - real;
		return dev;
	}
	*device = false;
	*offset = 0;
	return real;
}

static void snap_free(struct evlog *el)
{
	free(el->snap_ev);
	free(el->snap_ptrs);
	el->snap_ev = NULL;
	el->snap_ptrs = NULL;
}

static const ProtobufCMessage *ring_state(void *arg)
{
	struct evlog *el = arg;
	size_t n = evring_count(el->ring);
	bool device;
	int64_t offset;

	snap_free(el);
	log_ring__init(&el->snap);
	el->snap_ev = xcalloc(n ? n : 1, sizeof(*el->snap_ev));
	el->snap_ptrs = xcalloc(n ? n : 1, sizeof(*el->snap_ptrs));
	for (size_t i = 0; i < n; i++) {
		evlog_ev_to_pb(evring_get(el->ring, i), &el->snap_ev[i]);
		el->snap_ptrs[i] = &el->snap_ev[i];
	}
	el->snap.n_events = n;
	el->snap.events = el->snap_ptrs;
	el->snap.has_overwritten = 1;
	el->snap.overwritten = evring_overwritten(el->ring);
	(void)stamp(el, &device, &offset);
	el->snap.has_clock_offset_us = device;
	el->snap.clock_offset_us = offset;
	return &el->snap.base;
}

static void on_ctl(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		   size_t len, void *arg)
{
	struct evlog *el = arg;
	SnapshotOnlyRequest *req = snapshot_only_request__unpack(NULL, len, data);
	SnapshotOnlyReply rep = SNAPSHOT_ONLY_REPLY__INIT;
	CloneUpdate snap;

	rep.has_status = 1;
	if (!req || !req->snapshot) {
		rep.status = -EBADMSG;
		rep.error = "not a snapshot request";
	} else if (req->snapshot->topic && strcmp(req->snapshot->topic, "log") != 0) {
		rep.status = -ENOENT;
		rep.error = "no such topic";
	} else {
		clone_pub_snapshot(el->pub, &snap);
		rep.snapshot = &snap;
	}
	if (bus_server_reply(srv, peer, &rep.base) < 0)
		log_debug("evlog: cannot answer a snapshot request");
	if (req)
		snapshot_only_request__free_unpacked(req, NULL);
}

struct evlog *evlog_open(struct loop *loop, void *zctx, const struct bootstrap *bs,
			 const char *daemon, uint32_t cid)
{
	struct evlog *el;
	char err[512];
	int e;

	if (evlog_cur) {
		errno = EALREADY;
		return NULL;
	}
	el = xcalloc(1, sizeof(*el));
	el->loop = loop;
	el->cid = cid;
	el->ring = evring_new(EVRING_DEFAULT_CAPACITY);
	/* The sentence in err is dropped: errno says enough to the caller. */
	el->pub = daemon_bind_pub(loop, zctx, bs, daemon, "logpub", "log", err, sizeof(err));
	if (!el->pub) {
		e = errno;
		goto fail;
	}
	clone_pub_set_state_fn(el->pub, ring_state, el);
	clone_pub_start(el->pub, 0);
	el->ctl = daemon_bind_server(loop, zctx, bs, daemon, "log", on_ctl, el, err, sizeof(err));
	if (!el->ctl) {
		e = errno;
		goto fail;
	}
	evlog_cur = el;
	return el;
fail:
	evlog_close(el);
	errno = e;
	return NULL;
}

void evlog_close(struct evlog *el)
{
	if (!el)
		return;
	if (evlog_cur == el)
		evlog_cur = NULL;
	if (el->ctl)
		bus_server_free(el->ctl);
	if (el->pub)
		clone_pub_free(el->pub);
	evring_free(el->ring);
	snap_free(el);
	free(el);
}

void evlog_set_clock(struct evlog *el, evlog_clock_fn fn, void *arg)
{
	if (!el)
		return;
	el->clock = fn;
	el->clock_arg = arg;
}

void evlog_clock_changed(struct evlog *el)
{
	if (!el)
		return;
	clone_pub_set(el->pub, ring_state(el), ++el->pub_seq);
}

void evlog_set_listener(evlog_listener_fn fn, void *arg)
{
	listener = fn;
	listener_arg = arg;
}

/* The journal's MESSAGE_ID of an event, or NULL.  ntpd/system.c tells
 * synchronized from lost by the severity under the one VRP name. */
static const char *event_message_id(const struct ev *e)
{
	if (strcmp(e->module, "NTP") != 0)
		return NULL;
	if (strcmp(e->brief, "NTP_SYNCHRONIZE_STATUS") == 0)
		return e->severity <= EV_CRIT ? MSGID_NTP_SYNC_LOST : MSGID_NTP_SYNCHRONIZED;
	if (strcmp(e->brief, "PEER_SELE") == 0)
		return MSGID_NTP_SOURCE;
	return NULL;
}

void evlog(enum ev_severity sev, const char *module, const char *brief, const char *fmt, ...)
{
	struct evlog *el = evlog_cur;
	static uint64_t local_seq;
	struct ev e;
	va_list ap;
	int64_t offset;

	memset(&e, 0, sizeof(e));
	e.severity = (uint8_t)sev;
	snprintf(e.module, sizeof(e.module), "%s", module);
	snprintf(e.brief, sizeof(e.brief), "%s", brief);
	va_start(ap, fmt);
	vsnprintf(e.text, sizeof(e.text), fmt, ap);
	va_end(ap);
	e.time_us = stamp(el, &e.device_time, &offset);
	if (el) {
		LogDelta d = LOG_DELTA__INIT;
		LogEvent pe;

		e.seq = ++el->seq;
		e.cid = el->cid;
		evring_push(el->ring, &e);
		evlog_ev_to_pb(&e, &pe);
		d.event = &pe;
		d.has_clock_offset_us = e.device_time;
		d.clock_offset_us = offset;
		clone_pub_delta(el->pub, &d.base, ++el->pub_seq);
	} else {
		e.seq = ++local_seq;
	}
	log_event(e.severity, event_message_id(&e), "%s/%u/%s: %s", e.module, e.severity, e.brief,
		  e.text);
	if (listener)
		listener(&e, listener_arg);
}
