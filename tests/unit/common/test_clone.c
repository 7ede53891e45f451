/*
 * test_clone.c: the Clone pattern over ipc in a private directory.
 *
 * Two kinds of publisher: the real clone_pub with its snapshot served by a
 * bus_server in the same loop, and a hand-driven one (raw PUB socket plus a
 * ctl server answering with a snapshot the test chooses) to inject stale
 * sequences, new epochs, gaps and garbage.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <zmq.h>

#include "bus.h"
#include "bus.pb-c.h"
#include "clone.h"
#include "loop.h"
#include "testutil.h"

#define MAX_APPLIED 64

struct applied {
	int n;
	uint64_t seq[MAX_APPLIED];
	char state[MAX_APPLIED][64];
	size_t len[MAX_APPLIED];
};

static void on_apply(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct applied *a = arg;

	cr_assert_lt(a->n, MAX_APPLIED);
	cr_assert_not_null(state);
	a->seq[a->n] = seq;
	a->len[a->n] = len;
	snprintf(a->state[a->n], sizeof(a->state[0]), "%.*s", (int)len, (const char *)state);
	a->n++;
}

/* The "state" published in these tests is a CloneSnapshotRequest whose
 * topic is a label, so packed states are easy to recognise. */
static void label_msg(CloneSnapshotRequest *m, const char *label)
{
	clone_snapshot_request__init(m);
	m->topic = (char *)label;
}

static const char *unpack_label(const struct applied *a, int i, char *buf, size_t n)
{
	CloneSnapshotRequest *m = clone_snapshot_request__unpack(NULL, a->len[i],
							       (const uint8_t *)a->state[i]);

	cr_assert_not_null(m);
	snprintf(buf, n, "%s", m->topic ? m->topic : "");
	clone_snapshot_request__free_unpacked(m, NULL);
	return buf;
}

static char *dir;
static void *zctx;
static char pub_ep[512], ctl_ep[512];

static void setup(void)
{
	dir = tmpdir_new();
	zctx = zmq_ctx_new();
	snprintf(pub_ep, sizeof(pub_ep), "ipc://%s/x.pub", dir);
	snprintf(ctl_ep, sizeof(ctl_ep), "ipc://%s/x.ctl", dir);
}

static void teardown(void)
{
	zmq_ctx_term(zctx);
	tmpdir_free(dir);
}

TestSuite(clone, .init = setup, .fini = teardown, .timeout = 60);

/* --- real publisher ----------------------------------------------------- */

struct real_owner {
	struct clone_pub *pub;
	struct bus_server *ctl;
	int snapshots;
};

static void real_ctl(struct bus_server *srv, const struct bus_peer *peer,
		     const uint8_t *data, size_t len, void *arg)
{
	struct real_owner *o = arg;
	SnapshotOnlyRequest *req = snapshot_only_request__unpack(NULL, len, data);
	SnapshotOnlyReply rep = SNAPSHOT_ONLY_REPLY__INIT;
	CloneUpdate snap;

	cr_assert_not_null(req);
	cr_assert_not_null(req->snapshot);
	cr_assert_str_eq(req->snapshot->topic, "x");
	o->snapshots++;
	clone_pub_snapshot(o->pub, &snap);
	rep.has_status = 1;
	rep.snapshot = &snap;
	bus_server_reply(srv, peer, &rep.base);
	snapshot_only_request__free_unpacked(req, NULL);
}

struct wait_seq {
	struct clone_sub *sub;
	struct applied *a;
	uint64_t seq;
};

static bool reached_seq(void *arg)
{
	struct wait_seq *w = arg;

	return clone_sub_synced(w->sub) && clone_sub_seq(w->sub) >= w->seq && w->a->n > 0 &&
	       w->a->seq[w->a->n - 1] >= w->seq;
}

Test(clone, snapshot_then_updates)
{
	struct loop *loop = loop_new();
	struct real_owner o = { 0 };
	struct applied a = { 0 };
	struct bus_server *ctl;
	struct clone_sub *sub;
	CloneSnapshotRequest st;
	char buf[64];

	/* 1 s heartbeats: a slow joiner is still caught up well within the
	 * waits, and a loaded machine's stall never looks like a silent
	 * publisher (which would take a second snapshot of the same seq). */
	o.pub = clone_pub_new(loop, zctx, pub_ep, "x", 1000);
	cr_assert_not_null(o.pub);
	cr_assert_neq(clone_pub_epoch(o.pub), 0);
	ctl = bus_server_new(loop, zctx, ctl_ep, real_ctl, &o);
	cr_assert_not_null(ctl);
	label_msg(&st, "one");
	clone_pub_set(o.pub, &st.base, 10);
	cr_assert_eq(clone_pub_seq(o.pub), 10);

	sub = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 1000, on_apply, &a);
	cr_assert_not_null(sub);
	cr_assert(!clone_sub_synced(sub));
	cr_assert(run_until(loop, reached_seq, &(struct wait_seq){ sub, &a, 10 }, 5000));
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.seq[0], 10);
	cr_assert_str_eq(unpack_label(&a, 0, buf, sizeof(buf)), "one");

	/* Updates: even if the SUB has not joined yet (slow joiner), the
	 * heartbeat reveals the gap and a snapshot catches up. */
	label_msg(&st, "two");
	clone_pub_update(o.pub, &st.base);
	cr_assert_eq(clone_pub_seq(o.pub), 11);
	cr_assert(run_until(loop, reached_seq, &(struct wait_seq){ sub, &a, 11 }, 5000));
	cr_assert_str_eq(unpack_label(&a, a.n - 1, buf, sizeof(buf)), "two");
	label_msg(&st, "three");
	clone_pub_update(o.pub, &st.base);
	cr_assert(run_until(loop, reached_seq, &(struct wait_seq){ sub, &a, 12 }, 5000));
	cr_assert_str_eq(unpack_label(&a, a.n - 1, buf, sizeof(buf)), "three");
	/* Never an older state after a newer one (a snapshot may repeat one). */
	for (int i = 1; i < a.n; i++)
		cr_assert_leq(a.seq[i - 1], a.seq[i]);
	cr_assert_eq(clone_sub_dropped(sub), 0);

	clone_sub_free(sub);
	bus_server_free(ctl);
	clone_pub_free(o.pub);
	loop_free(loop);
}

static bool synced(void *arg)
{
	return clone_sub_synced(arg);
}

Test(clone, empty_state_is_applied)
{
	struct loop *loop = loop_new();
	struct real_owner o = { 0 };
	struct applied a = { 0 };
	struct bus_server *ctl;
	struct clone_sub *sub;

	/* Never set: the snapshot carries an empty state at seq 0. */
	o.pub = clone_pub_new(loop, zctx, pub_ep, "x", 50);
	ctl = bus_server_new(loop, zctx, ctl_ep, real_ctl, &o);
	sub = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 50, on_apply, &a);
	cr_assert(run_until(loop, synced, sub, 5000));
	cr_assert_eq(a.n, 1);
	cr_assert_eq(a.len[0], 0);
	cr_assert_eq(a.seq[0], 0);
	clone_sub_free(sub);
	bus_server_free(ctl);
	clone_pub_free(o.pub);
	loop_free(loop);
}

static void start_ctl(struct loop *loop, void *arg)
{
	struct real_owner *o = arg;

	o->ctl = bus_server_new(loop, zctx, ctl_ep, real_ctl, o);
	cr_assert_not_null(o->ctl);
}

Test(clone, publisher_appears_later)
{
	struct loop *loop = loop_new();
	struct real_owner o = { 0 };
	struct applied a = { 0 };
	struct clone_sub *sub;
	CloneSnapshotRequest st;

	/* The subscriber starts first and keeps asking. */
	sub = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 50, on_apply, &a);
	cr_assert_not_null(sub);
	o.pub = clone_pub_new(loop, zctx, pub_ep, "x", 50);
	label_msg(&st, "late");
	clone_pub_set(o.pub, &st.base, 3);
	loop_timer_add(loop, 700000, start_ctl, &o); /* after a retry or two */
	cr_assert(run_until(loop, reached_seq, &(struct wait_seq){ sub, &a, 3 }, 10000));
	cr_assert_eq(a.n, 1);
	cr_assert_geq(o.snapshots, 1);
	clone_sub_free(sub);
	bus_server_free(o.ctl);
	clone_pub_free(o.pub);
	loop_free(loop);
}

/* --- hand-driven publisher ---------------------------------------------- */

struct fake {
	void *pub;
	uint64_t epoch, seq;
	const char *label;
	int snapshots;
	int refuse; /* answer this many requests with an error first */
};

static void fake_ctl(struct bus_server *srv, const struct bus_peer *peer,
		     const uint8_t *data, size_t len, void *arg)
{
	struct fake *f = arg;
	SnapshotOnlyReply rep = SNAPSHOT_ONLY_REPLY__INIT;
	CloneUpdate snap = CLONE_UPDATE__INIT;
	CloneSnapshotRequest st;
	uint8_t *packed = NULL;
	size_t plen = 0;

	f->snapshots++;
	if (f->refuse > 0) {
		f->refuse--;
		rep.has_status = 1;
		rep.status = -EAGAIN;
		rep.error = "not yet";
		bus_server_reply(srv, peer, &rep.base);
		return;
	}
	label_msg(&st, f->label);
	packed = bus_pack(&st.base, &plen);
	snap.epoch = f->epoch;
	snap.seq = f->seq;
	snap.has_state = 1;
	snap.state.data = packed;
	snap.state.len = plen;
	rep.snapshot = &snap;
	bus_server_reply(srv, peer, &rep.base);
	free(packed);
}

static void fake_send(struct fake *f, uint64_t epoch, uint64_t seq, const char *label)
{
	CloneUpdate u = CLONE_UPDATE__INIT;
	CloneSnapshotRequest st;
	uint8_t *packed = NULL, *buf;
	size_t plen = 0, len;

	u.epoch = epoch;
	u.seq = seq;
	if (label) {
		label_msg(&st, label);
		packed = bus_pack(&st.base, &plen);
		u.has_state = 1;
		u.state.data = packed;
		u.state.len = plen;
	}
	buf = bus_pack(&u.base, &len);
	zmq_send(f->pub, "x", 1, ZMQ_SNDMORE);
	zmq_send(f->pub, buf, len, 0);
	free(buf);
	free(packed);
}

struct rig {
	struct loop *loop;
	struct fake f;
	struct bus_server *ctl;
	struct clone_sub *sub;
	struct applied a;
};

static void rig_up(struct rig *r, uint64_t epoch, uint64_t seq, const char *label,
		   unsigned hb_ms)
{
	int zero = 0;

	memset(r, 0, sizeof(*r));
	r->loop = loop_new();
	r->f.pub = zmq_socket(zctx, ZMQ_PUB);
	zmq_setsockopt(r->f.pub, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(zmq_bind(r->f.pub, pub_ep), 0);
	r->f.epoch = epoch;
	r->f.seq = seq;
	r->f.label = label;
	r->ctl = bus_server_new(r->loop, zctx, ctl_ep, fake_ctl, &r->f);
	r->sub = clone_sub_new(r->loop, zctx, pub_ep, ctl_ep, "x", hb_ms, on_apply, &r->a);
	cr_assert_not_null(r->sub);
	cr_assert(run_until(r->loop, synced, r->sub, 5000));
}

static void rig_down(struct rig *r)
{
	clone_sub_free(r->sub);
	bus_server_free(r->ctl);
	zmq_close(r->f.pub);
	loop_free(r->loop);
}

struct probe {
	struct rig *r;
	uint64_t seq;
	const char *label;
	uint64_t next_send;
};

/* Republish (epoch, seq, label) every 5 ms until the subscriber applied seq:
 * this waits out the SUB's join without sleeping. */
static bool probe_applied(void *arg)
{
	struct probe *p = arg;

	if (clone_sub_seq(p->r->sub) >= p->seq)
		return true;
	if (loop_now_us() >= p->next_send) {
		fake_send(&p->r->f, p->r->f.epoch, p->seq, p->label);
		p->next_send = loop_now_us() + 5000;
	}
	return false;
}

static bool label_seen(const struct applied *a, const char *label)
{
	char buf[64];

	for (int i = 0; i < a->n; i++)
		if (strcmp(unpack_label(a, i, buf, sizeof(buf)), label) == 0)
			return true;
	return false;
}

Test(clone, stale_updates_dropped)
{
	struct rig r;
	int before;

	rig_up(&r, 77, 5, "snap", 1000);
	cr_assert_eq(r.a.n, 1);
	cr_assert_eq(r.a.seq[0], 5);
	cr_assert(run_until(r.loop, probe_applied, &(struct probe){ &r, 6, "six", 0 }, 5000));
	before = r.a.n;
	fake_send(&r.f, 77, 4, "old");
	fake_send(&r.f, 77, 6, "dup");
	fake_send(&r.f, 77, 7, "seven");
	cr_assert(run_until(r.loop, reached_seq, &(struct wait_seq){ r.sub, &r.a, 7 }, 5000));
	cr_assert_eq(r.a.n, before + 1);
	cr_assert(!label_seen(&r.a, "old"));
	cr_assert(!label_seen(&r.a, "dup"));
	cr_assert_eq(r.f.snapshots, 1);
	rig_down(&r);
}

static bool snapshots_at_least(void *arg)
{
	struct rig *r = arg;

	return r->f.snapshots >= 2 && clone_sub_synced(r->sub) && r->a.n >= 2 &&
	       r->a.seq[r->a.n - 1] == r->f.seq;
}

Test(clone, new_epoch_resnapshots)
{
	struct rig r;
	char buf[64];

	rig_up(&r, 1, 5, "first", 1000);
	cr_assert(run_until(r.loop, probe_applied, &(struct probe){ &r, 6, "six", 0 }, 5000));
	/* The publisher restarts: new epoch, seq starts over. */
	r.f.epoch = 2;
	r.f.seq = 2;
	r.f.label = "reborn";
	fake_send(&r.f, 2, 1, "new-epoch-1");
	cr_assert(run_until(r.loop, snapshots_at_least, &r, 5000));
	cr_assert_eq(clone_sub_seq(r.sub), 2);
	cr_assert_str_eq(unpack_label(&r.a, r.a.n - 1, buf, sizeof(buf)), "reborn");
	/* Updates of the new epoch now apply. */
	fake_send(&r.f, 2, 3, "three");
	cr_assert(run_until(r.loop, reached_seq, &(struct wait_seq){ r.sub, &r.a, 3 }, 5000));
	cr_assert_str_eq(unpack_label(&r.a, r.a.n - 1, buf, sizeof(buf)), "three");
	rig_down(&r);
}

Test(clone, gap_resnapshots)
{
	struct rig r;
	char buf[64];

	rig_up(&r, 9, 5, "five", 1000);
	cr_assert(run_until(r.loop, probe_applied, &(struct probe){ &r, 6, "six", 0 }, 5000));
	r.f.seq = 9;
	r.f.label = "nine";
	fake_send(&r.f, 9, 9, "nine-update"); /* 7 and 8 were lost */
	cr_assert(run_until(r.loop, snapshots_at_least, &r, 5000));
	cr_assert_eq(clone_sub_seq(r.sub), 9);
	cr_assert_str_eq(unpack_label(&r.a, r.a.n - 1, buf, sizeof(buf)), "nine");
	rig_down(&r);
}

Test(clone, heartbeat_ahead_resnapshots)
{
	struct rig r;

	rig_up(&r, 9, 5, "five", 1000);
	cr_assert(run_until(r.loop, probe_applied, &(struct probe){ &r, 6, "six", 0 }, 5000));
	r.f.seq = 8;
	r.f.label = "eight";
	fake_send(&r.f, 9, 8, NULL); /* a heartbeat: we missed 7 and 8 */
	cr_assert(run_until(r.loop, snapshots_at_least, &r, 5000));
	cr_assert_eq(clone_sub_seq(r.sub), 8);
	rig_down(&r);
}

static bool dropped_two(void *arg)
{
	return clone_sub_dropped(arg) >= 2;
}

Test(clone, malformed_dropped)
{
	struct rig r;

	rig_up(&r, 3, 1, "one", 1000);
	cr_assert(run_until(r.loop, probe_applied, &(struct probe){ &r, 2, "two", 0 }, 5000));
	zmq_send(r.f.pub, "x", 1, ZMQ_SNDMORE);
	zmq_send(r.f.pub, "\xff\xff\xff", 3, 0);     /* undecodable */
	zmq_send(r.f.pub, "x", 1, 0);                /* one frame */
	zmq_send(r.f.pub, "xother", 6, ZMQ_SNDMORE); /* another topic: ignored */
	zmq_send(r.f.pub, "zz", 2, 0);
	cr_assert(run_until(r.loop, dropped_two, r.sub, 5000));
	cr_assert_eq(clone_sub_dropped(r.sub), 2);
	/* Still working. */
	fake_send(&r.f, 3, 3, "three");
	cr_assert(run_until(r.loop, reached_seq, &(struct wait_seq){ r.sub, &r.a, 3 }, 5000));
	rig_down(&r);
}

static bool resnapshot(void *arg)
{
	return ((struct rig *)arg)->f.snapshots >= 2;
}

Test(clone, silence_resnapshots)
{
	struct rig r;

	/* 20 ms heartbeats and a silent publisher: after 60 ms, a new snapshot. */
	rig_up(&r, 4, 1, "one", 20);
	cr_assert(run_until(r.loop, resnapshot, &r, 5000));
	rig_down(&r);
}

Test(clone, refused_snapshot_retried)
{
	struct loop *loop = loop_new();
	struct fake f = { .epoch = 5, .seq = 4, .label = "ok", .refuse = 2 };
	struct bus_server *ctl = bus_server_new(loop, zctx, ctl_ep, fake_ctl, &f);
	struct applied a = { 0 };
	struct clone_sub *sub = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 1000, on_apply, &a);

	cr_assert(run_until(loop, synced, sub, 5000));
	/* Two refused, the third taken (a retry timer firing while a slow
	 * answer is on its way may add one). */
	cr_assert_geq(f.snapshots, 3);
	cr_assert_eq(clone_sub_seq(sub), 4);
	clone_sub_free(sub);
	bus_server_free(ctl);
	loop_free(loop);
}

/* --- deltas ------------------------------------------------------------- */

struct delta_rec {
	struct applied whole;    /* states (snapshots) */
	struct applied deltas;
	bool refuse;             /* the delta callback says it does not apply */
};

static void on_whole(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	on_apply(state, len, seq, &((struct delta_rec *)arg)->whole);
}

static int on_delta(const uint8_t *delta, size_t len, uint64_t seq, void *arg)
{
	struct delta_rec *r = arg;

	if (r->refuse)
		return -EINVAL;
	on_apply(delta, len, seq, &r->deltas);
	return 0;
}

static CloneSnapshotRequest whole_state;

static const ProtobufCMessage *give_whole(void *arg)
{
	(void)arg;
	return &whole_state.base;
}

static bool sub_at(void *arg)
{
	struct wait_seq *w = arg;

	return clone_sub_synced(w->sub) && clone_sub_seq(w->sub) >= w->seq;
}

/* A subscriber with a delta callback follows deltas; one without takes a
 * snapshot (the publisher's state function gives the whole state); a
 * delta the callback refuses makes it take a snapshot too. */
Test(clone, deltas_or_snapshots)
{
	struct loop *loop = loop_new();
	struct real_owner o = { 0 };
	struct delta_rec with = { 0 }, without = { 0 };
	struct bus_server *ctl;
	struct clone_sub *a, *b;
	CloneSnapshotRequest st, d11, d12, d13;
	char buf[64];

	o.pub = clone_pub_new(loop, zctx, pub_ep, "x", 1000);
	cr_assert_not_null(o.pub);
	clone_pub_set_state_fn(o.pub, give_whole, NULL);
	ctl = bus_server_new(loop, zctx, ctl_ep, real_ctl, &o);
	cr_assert_not_null(ctl);
	label_msg(&st, "one");
	clone_pub_set(o.pub, &st.base, 10);
	a = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 1000, on_whole, &with);
	b = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "x", 1000, on_whole, &without);
	cr_assert(a && b);
	clone_sub_set_delta_cb(a, on_delta);
	cr_assert(run_until(loop, sub_at, &(struct wait_seq){ a, NULL, 10 }, 5000));
	cr_assert(run_until(loop, sub_at, &(struct wait_seq){ b, NULL, 10 }, 5000));
	/* A whole state over PUB, until both have it: their SUB connections
	 * are up (a PUB drops what it sends before that). */
	label_msg(&d11, "two");
	for (int i = 0; i < 100 && (clone_sub_seq(a) < 11 || clone_sub_seq(b) < 11); i++) {
		clone_pub_set(o.pub, &d11.base, 11);
		run_until(loop, sub_at, &(struct wait_seq){ b, NULL, 11 }, 100);
		run_until(loop, sub_at, &(struct wait_seq){ a, NULL, 11 }, 100);
	}
	cr_assert_eq(clone_sub_seq(a), 11);
	cr_assert_eq(clone_sub_seq(b), 11);

	label_msg(&d12, "d12");
	label_msg(&whole_state, "whole12");
	clone_pub_delta(o.pub, &d12.base, 12);
	cr_assert(run_until(loop, sub_at, &(struct wait_seq){ a, NULL, 12 }, 5000));
	cr_assert_eq(with.deltas.n, 1);
	cr_assert_str_eq(unpack_label(&with.deltas, 0, buf, sizeof(buf)), "d12");
	cr_assert(run_until(loop, sub_at, &(struct wait_seq){ b, NULL, 12 }, 5000),
		  "the subscriber without deltas took a snapshot");
	cr_assert_str_eq(unpack_label(&without.whole, without.whole.n - 1, buf, sizeof(buf)),
			 "whole12");
	cr_assert_eq(without.deltas.n, 0);

	/* Refused: a snapshot brings it level. */
	with.refuse = true;
	label_msg(&d13, "d13");
	label_msg(&whole_state, "whole13");
	clone_pub_delta(o.pub, &d13.base, 13);
	cr_assert(run_until(loop, sub_at, &(struct wait_seq){ a, NULL, 13 }, 5000));
	cr_assert_str_eq(unpack_label(&with.whole, with.whole.n - 1, buf, sizeof(buf)), "whole13");

	clone_sub_free(a);
	clone_sub_free(b);
	bus_server_free(ctl);
	clone_pub_free(o.pub);
	loop_free(loop);
}
