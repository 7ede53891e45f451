/*
 * test_evlog.c: the event ring (bounded, in order, wrapping), the event's
 * encoding on the bus, and an emitter served by the Clone pattern: a
 * subscriber gets the ring as a snapshot, then each event as it happens,
 * and the whole ring again with the clock's new offset after a step.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zmq.h>

#include "bootstrap.h"
#include "bus.h"
#include "clone.h"
#include "evlog.h"
#include "evring.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"

static struct ev mk(uint64_t seq)
{
	struct ev e;

	ev_set(&e, EV_NOTICE, "TEST", "EVENT", "event %llu", (unsigned long long)seq);
	e.seq = seq;
	e.time_us = (int64_t)seq * 1000000;
	return e;
}

Test(evring, bounded_in_order)
{
	struct evring *r = evring_new(4);

	cr_assert_eq(evring_count(r), 0);
	cr_assert_null(evring_get(r, 0));
	cr_assert_null(evring_last(r));
	for (uint64_t i = 1; i <= 3; i++) {
		struct ev e = mk(i);

		evring_push(r, &e);
	}
	cr_assert_eq(evring_count(r), 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(evring_get(r, i)->seq, i + 1);
	cr_assert_null(evring_get(r, 3));
	cr_assert_eq(evring_last(r)->seq, 3);
	cr_assert_eq(evring_overwritten(r), 0);
	evring_free(r);
}

Test(evring, wraps_dropping_the_oldest)
{
	struct evring *r = evring_new(4);

	for (uint64_t i = 1; i <= 11; i++) {
		struct ev e = mk(i);

		evring_push(r, &e);
		cr_assert_leq(evring_count(r), 4);
	}
	cr_assert_eq(evring_count(r), 4);
	cr_assert_eq(evring_overwritten(r), 7);
	for (size_t i = 0; i < 4; i++) {
		cr_assert_eq(evring_get(r, i)->seq, 8 + i);
		cr_assert_str_eq(evring_get(r, i)->module, "TEST");
	}
	cr_assert_str_eq(evring_last(r)->text, "event 11");
	evring_clear(r);
	cr_assert_eq(evring_count(r), 0);
	cr_assert_eq(evring_overwritten(r), 0);
	evring_free(r);
}

Test(evring, capacity_clamped)
{
	struct evring *r = evring_new(0);

	cr_assert_eq(evring_capacity(r), 1);
	evring_free(r);
	r = evring_new(100000);
	cr_assert_eq(evring_capacity(r), EVRING_MAX_CAPACITY);
	evring_free(r);
	cr_assert_eq(EVRING_DEFAULT_CAPACITY, 512);
}

Test(evring, long_strings_truncated)
{
	char big[1000];
	struct ev e;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev_set(&e, EV_INFO, big, big, "%s", big);
	cr_assert_eq(strlen(e.module), EV_MODULE_MAX - 1);
	cr_assert_eq(strlen(e.brief), EV_BRIEF_MAX - 1);
	cr_assert_eq(strlen(e.text), EV_TEXT_MAX - 1);
}

/* ---- encoding ---- */

Test(evlog, encoding_round_trip)
{
	struct ev e = mk(42), back;
	LogEvent pe;
	uint8_t *buf;
	size_t len;
	LogEvent *got;

	e.device_time = true;
	e.cid = EVLOG_CID_NTPD;
	e.severity = EV_CRIT;
	evlog_ev_to_pb(&e, &pe);
	buf = bus_pack(&pe.base, &len);
	got = log_event__unpack(NULL, len, buf);
	cr_assert_not_null(got);
	cr_assert_eq(evlog_ev_from_pb(got, &back), 0);
	cr_assert_eq(back.seq, 42);
	cr_assert_eq(back.time_us, 42000000);
	cr_assert(back.device_time);
	cr_assert_eq(back.severity, EV_CRIT);
	cr_assert_eq(back.cid, EVLOG_CID_NTPD);
	cr_assert_str_eq(back.module, "TEST");
	cr_assert_str_eq(back.brief, "EVENT");
	cr_assert_str_eq(back.text, "event 42");
	log_event__free_unpacked(got, NULL);
	free(buf);
}

Test(evlog, bad_events_refused)
{
	LogEvent pe = LOG_EVENT__INIT;
	struct ev e;

	cr_assert_eq(evlog_ev_from_pb(NULL, &e), -EINVAL);
	pe.module = "NTP";
	pe.brief = "X";
	pe.text = NULL;
	cr_assert_eq(evlog_ev_from_pb(&pe, &e), -EINVAL);
	pe.text = "t";
	pe.severity = 8;
	cr_assert_eq(evlog_ev_from_pb(&pe, &e), -EINVAL);
	pe.severity = 7;
	pe.module = "";
	cr_assert_eq(evlog_ev_from_pb(&pe, &e), -EINVAL);
	pe.module = "NTP";
	cr_assert_eq(evlog_ev_from_pb(&pe, &e), 0);
}

/* ---- the emitter ---- */

static struct ev heard[8];
static int n_heard;

static void hear(const struct ev *e, void *arg)
{
	(void)arg;
	if (n_heard < 8)
		heard[n_heard++] = *e;
}

Test(evlog, without_emitter_only_the_listener)
{
	int64_t before = evlog_realtime_us();

	evlog(EV_INFO, "SHELL", "LOGIN", "nobody listens");
	evlog_set_listener(hear, NULL);
	evlog(EV_NOTICE, "SHELL", "LOGIN", "user %s", "admin");
	evlog_set_listener(NULL, NULL);
	cr_assert_eq(n_heard, 1);
	cr_assert_str_eq(heard[0].text, "user admin");
	cr_assert_eq(heard[0].severity, EV_NOTICE);
	cr_assert_not(heard[0].device_time);
	cr_assert_geq(heard[0].time_us, before);
	cr_assert_leq(heard[0].time_us, evlog_realtime_us());
}

struct follower {
	LogRing *snap;
	int n_snaps;
	uint64_t delta_seq[8];     /* the events' numbers */
	uint64_t pub_seq[8];       /* the Clone updates' */
	char delta_text[8][64];
	int64_t offset[8];
	int n_deltas;
};

static void on_state(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct follower *f = arg;

	(void)seq;
	if (f->snap)
		log_ring__free_unpacked(f->snap, NULL);
	f->snap = log_ring__unpack(NULL, len, state);
	cr_assert_not_null(f->snap);
	f->n_snaps++;
}

static int on_delta(const uint8_t *delta, size_t len, uint64_t seq, void *arg)
{
	struct follower *f = arg;
	LogDelta *d = log_delta__unpack(NULL, len, delta);

	cr_assert_not_null(d);
	if (f->n_deltas < 8) {
		f->delta_seq[f->n_deltas] = d->event->seq;
		f->pub_seq[f->n_deltas] = seq;
		snprintf(f->delta_text[f->n_deltas], 64, "%s", d->event->text);
		f->offset[f->n_deltas] = d->has_clock_offset_us ? d->clock_offset_us : -1;
		f->n_deltas++;
	}
	log_delta__free_unpacked(d, NULL);
	return 0;
}

static bool snapped(void *arg)
{
	return ((struct follower *)arg)->n_snaps > 0;
}

static bool two_deltas(void *arg)
{
	return ((struct follower *)arg)->n_deltas >= 2;
}

/* The device clock 2.5 s ahead of CLOCK_REALTIME, plus what a step adds. */
static int64_t step_us;

static int64_t ahead_clock(void *arg)
{
	(void)arg;
	return evlog_realtime_us() + 2500000 + step_us;
}

static bool snapshot_offset_moved(void *arg)
{
	struct follower *f = arg;

	return f->snap && f->snap->has_clock_offset_us && f->snap->clock_offset_us > 60000000;
}

static bool three_deltas(void *arg)
{
	return ((struct follower *)arg)->n_deltas >= 3;
}

Test(evlog, snapshot_then_each_event, .timeout = 60)
{
	char *dir = tmpdir_new();
	void *zctx = zmq_ctx_new();
	struct loop *loop = loop_new();
	struct bootstrap bs;
	struct evlog *el;
	struct follower f = { 0 };
	struct clone_sub *sub;
	char pub[512], ctl[512];

	memset(&bs, 0, sizeof(bs));
	bs.run_dir = dir;
	el = evlog_open(loop, zctx, &bs, "ntpd", EVLOG_CID_NTPD);
	cr_assert_not_null(el);
	cr_assert_null(evlog_open(loop, zctx, &bs, "cfgd", EVLOG_CID_CFGD), "one per process");
	evlog_set_clock(el, ahead_clock, NULL);
	evlog(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS", "before anyone follows");

	cr_assert_eq(bootstrap_endpoint(&bs, "ntpd", "logpub", pub, sizeof(pub)), 0);
	cr_assert_eq(bootstrap_endpoint(&bs, "ntpd", "log", ctl, sizeof(ctl)), 0);
	sub = clone_sub_new(loop, zctx, pub, ctl, "log", CLONE_HEARTBEAT_MS, on_state, &f);
	cr_assert_not_null(sub);
	clone_sub_set_delta_cb(sub, on_delta);
	cr_assert(run_until(loop, snapped, &f, 10000), "no snapshot");
	cr_assert_eq(f.snap->n_events, 1);
	cr_assert_str_eq(f.snap->events[0]->text, "before anyone follows");
	cr_assert_eq(f.snap->events[0]->seq, 1);
	cr_assert_eq(f.snap->events[0]->cid, EVLOG_CID_NTPD);
	cr_assert(f.snap->events[0]->device_time);
	cr_assert(f.snap->has_clock_offset_us);
	cr_assert(f.snap->clock_offset_us > 2400000 && f.snap->clock_offset_us < 2600000);

	evlog(EV_WARNING, "NTP", "PEER_SELE", "The peer selected by the system is %s.", "10.0.1.31");
	evlog(EV_CRIT, "NTP", "NTP_SYNCHRONIZE_STATUS", "lost");
	cr_assert(run_until(loop, two_deltas, &f, 10000), "events not delivered");
	cr_assert_eq(f.delta_seq[0], 2);
	cr_assert_eq(f.delta_seq[1], 3);
	cr_assert_eq(f.pub_seq[1], 3);
	cr_assert_str_eq(f.delta_text[0], "The peer selected by the system is 10.0.1.31.");
	cr_assert_str_eq(f.delta_text[1], "lost");
	cr_assert(f.offset[0] > 2400000 && f.offset[0] < 2600000);

	/* The clock stepped: the ring again, whole, with the new offset; the
	 * next event's number follows the last. */
	step_us = 60000000;
	evlog_clock_changed(el);
	cr_assert(run_until(loop, snapshot_offset_moved, &f, 10000), "no state after the step");
	cr_assert_eq(f.snap->n_events, 3);
	cr_assert_str_eq(f.snap->events[2]->text, "lost");
	evlog(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS", "after the step");
	cr_assert(run_until(loop, three_deltas, &f, 10000), "event after the step not delivered");
	cr_assert_str_eq(f.delta_text[2], "after the step");
	cr_assert_eq(f.delta_seq[2], 4);
	cr_assert_eq(f.pub_seq[2], 5, "the step was an update of its own");
	cr_assert(f.offset[2] > 62400000 && f.offset[2] < 62600000);

	clone_sub_free(sub);
	log_ring__free_unpacked(f.snap, NULL);
	evlog_close(el);
	/* Closed: a new one may open. */
	el = evlog_open(loop, zctx, &bs, "ntpd", EVLOG_CID_NTPD);
	cr_assert_not_null(el);
	evlog_close(el);
	loop_free(loop);
	zmq_ctx_term(zctx);
	tmpdir_free(dir);
}
