/*
 * logbuf.h: clid's view of the device's log buffer (`display logbuffer`,
 * `terminal monitor`).
 *
 * The events live in the daemons that emitted them (common/evlog.h); clid
 * keeps a copy of each daemon's ring, by the Clone pattern (a snapshot,
 * then each event as it happens), plus a ring of its own events (logins).
 * `display logbuffer` merges them, newest first, at most
 * EVRING_DEFAULT_CAPACITY (VRP's "Actual buffer size : 512").
 *
 * Time: every line shows the device clock, as the NTP displays do.  ntpd's
 * events are stamped with it; the others with CLOCK_REALTIME, which clid
 * moves onto the device clock with the offset ntpd last reported (with its
 * events, its snapshots, and whenever its clock is stepped) when they
 * arrive, or, if none was known yet, when the first offset comes (until
 * then they show on CLOCK_REALTIME).  The limit: an event that clid learns
 * of only from a snapshot (after clid restarted) is moved with the offset
 * of that moment, so one emitted before a step of the clock shows on the
 * stepped clock.
 */
#ifndef MERIDIAN_CLID_LOGBUF_H
#define MERIDIAN_CLID_LOGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evring.h"

struct bootstrap;
struct loop;
struct sbuf;

enum logbuf_src { LOGBUF_CLID = 0, LOGBUF_CFGD, LOGBUF_IFMGRD, LOGBUF_NTPD, LOGBUF_NSRC };

struct logbuf;

/* An empty buffer, with no subscription (tests add events by hand). */
struct logbuf *logbuf_new(void);
void logbuf_free(struct logbuf *lb);
/* Follow cfgd's, ifmgrd's and ntpd's event publishers.  0 or -errno. */
int logbuf_subscribe(struct logbuf *lb, struct loop *loop, void *zctx,
		     const struct bootstrap *bs);

/* A new event of src (already stamped): kept, then given to the notify
 * callback (terminal monitor). */
void logbuf_add(struct logbuf *lb, enum logbuf_src src, const struct ev *e);
typedef void (*logbuf_notify_fn)(const struct ev *e, void *arg);
void logbuf_on_event(struct logbuf *lb, logbuf_notify_fn fn, void *arg);

/* ntpd's device clock minus CLOCK_REALTIME (tests set it by hand). */
void logbuf_set_clock_offset(struct logbuf *lb, int64_t offset_us);

/* Events from snapshots and deltas that did not decode, so far. */
uint64_t logbuf_bad(const struct logbuf *lb);

/* `display logbuffer`: the header and the entries, newest first, "\r\n"
 * line ends. */
void logbuf_render(const struct logbuf *lb, const char *host, struct sbuf *out);
/* One entry as VRP prints it, without a line end:
 * "2026-12-07 05:40:01 DeviceC %%01NTP/4/NTP_SYNCHRONIZE_STATUS(l):CID=0x80ca0004;text".
 * time_us is the event's time on the device clock. */
void logbuf_format(const struct ev *e, int64_t time_us, const char *host, char *buf,
		   size_t len);
/* The time an event is shown with (see the top of the file). */
int64_t logbuf_event_time(const struct logbuf *lb, const struct ev *e);

#endif
