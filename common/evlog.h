/*
 * evlog.h: a daemon's notable events (NTP synchronized or lost, commits,
 * logins, interface up/down) for `display logbuffer` and `terminal
 * monitor`.
 *
 * Each daemon keeps the last EVRING_DEFAULT_CAPACITY of its own events in a
 * ring and serves it by the Clone pattern (see proto/evlog.proto): PUB
 * RUN_DIR/<daemon>.logpub sends each new event as it happens (a LogDelta),
 * ROUTER RUN_DIR/<daemon>.log answers snapshots (the whole LogRing).  clid
 * subscribes to every daemon and renders.  So the events live where they
 * happened: a restarted clid takes them again from each daemon's snapshot,
 * and an event emitted while clid is down is in the snapshot it takes when
 * it comes back.  A restarted daemon starts an empty ring (a new epoch).
 *
 * One emitter per process, reached through evlog(): hooks deep in a
 * daemon's code emit without plumbing a handle to them.  Without
 * evlog_open() (unit tests, or clid, which holds the buffer itself)
 * evlog() only calls the local listener, if any.
 *
 * Time: the emitter's clock function, if set, gives the device clock (ntpd:
 * the clock it disciplines, virtual in the lab); otherwise CLOCK_REALTIME,
 * and the event says which.  ntpd's events and snapshots also carry the
 * device clock's offset from CLOCK_REALTIME, which clid uses to put the
 * other daemons' events on the device clock (see clid/logbuf.c).
 */
#ifndef MERIDIAN_EVLOG_H
#define MERIDIAN_EVLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "evlog.pb-c.h"
#include "evring.h"

struct bootstrap;
struct loop;
struct evlog;

/* Component ids, printed as VRP prints its CIDs (CID=0x%08x).  Meridian's
 * own numbering: one per daemon. */
#define EVLOG_CID_CLID   0x80ca0001u
#define EVLOG_CID_CFGD   0x80ca0002u
#define EVLOG_CID_IFMGRD 0x80ca0003u
#define EVLOG_CID_NTPD   0x80ca0004u

/* Open the process's emitter for `daemon` ("ntpd"), binding its two
 * sockets; `cid` is the component id printed as CID=0x%08x.  The handle,
 * or NULL with errno set (EALREADY when the process has one already). */
struct evlog *evlog_open(struct loop *loop, void *zctx, const struct bootstrap *bs,
			 const char *daemon, uint32_t cid);
/* Close it (NULL: nothing). */
void evlog_close(struct evlog *el);

/* The device clock: Unix microseconds now (NULL: CLOCK_REALTIME). */
typedef int64_t (*evlog_clock_fn)(void *arg);
void evlog_set_clock(struct evlog *el, evlog_clock_fn fn, void *arg);

/* The device clock was stepped (ntpd): the ring is published again, whole,
 * with the clock's new offset, so the events of the other daemons follow
 * the step on clid's side.  No event; NULL: nothing. */
void evlog_clock_changed(struct evlog *el);

/* Called with every event this process emits, after it is stamped and
 * kept (clid's own events go to its buffer this way). */
typedef void (*evlog_listener_fn)(const struct ev *e, void *arg);
void evlog_set_listener(evlog_listener_fn fn, void *arg);

/* Emit one event. */
void evlog(enum ev_severity sev, const char *module, const char *brief, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The encoding.  to_pb points out's strings into e (valid while e is);
 * from_pb checks what arrived (strings present, severity 0..7) and
 * truncates what is too long: 0 or -EINVAL. */
void evlog_ev_to_pb(const struct ev *e, LogEvent *out);
int evlog_ev_from_pb(const LogEvent *in, struct ev *e);

/* CLOCK_REALTIME in microseconds. */
int64_t evlog_realtime_us(void);

#endif
