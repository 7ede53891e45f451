/*
 * clone.c: the Clone pattern (ZeroMQ Guide, ch. 5) for whole-state topics.
 *
 * Publisher: a PUB socket sending [topic][CloneUpdate{epoch, seq, state or
 * delta}].  After a delta the stored state is stale until a snapshot is
 * asked for: then the owner's state function gives it.
 * The epoch is a random 64-bit number drawn at creation, so subscribers see
 * a restarted publisher as new.  A heartbeat (CloneUpdate without state,
 * carrying the current seq) goes out every heartbeat_ms; a subscriber that
 * sees a heartbeat seq above its own knows it missed an update.  The owner
 * answers snapshot requests on its ctl socket with clone_pub_snapshot(),
 * which always carries a state (empty before the first set).
 *
 * Subscriber: connects SUB (subscribed to the topic, exact topic frame
 * checked) and a DEALER to the ctl socket, asks for a snapshot
 * (SnapshotOnlyRequest, tag 15) and waits for it while buffering the newest
 * update (and the deltas after it, up to CLONE_MAX_PENDING).  Once synced:
 *   - another epoch                  -> fresh snapshot;
 *   - seq <= current                 -> dropped (stale);
 *   - seq == current + 1             -> applied (a delta only by a
 *                                       subscriber with a delta callback
 *                                       that accepts it);
 *   - seq > current + 1 (a gap), or a heartbeat with seq > current
 *                                    -> fresh snapshot (the update is kept
 *                                       in the buffer meanwhile);
 *   - nothing for 3 heartbeats       -> fresh snapshot.
 * A snapshot request unanswered after CLONE_RETRY_MS (or answered with an
 * error) is retried on a fresh ctl connection, forever, so queued requests
 * never pile up while the publisher is away.  An empty state (zero bytes) is
 * a valid state (e.g. an empty configuration) and is applied like any other.
 * Malformed frames are dropped and counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bus.h"
#include "clone.h"
#include "log.h"
#include "loop.h"

#define CLONE_RETRY_MS 500
#define CLONE_MAX_UPDATE (64u * 1024u * 1024u)

struct clone_pub {
	struct loop *loop;
	void *zsock;
	char *ipc_path;
	char *topic;
	unsigned heartbeat_ms;
	uint64_t epoch;
	uint64_t seq;
	uint8_t *state;           /* NULL while stale (after a delta) */
	size_t len;
	clone_state_fn state_fn;
	void *state_arg;
	uint64_t hb_timer;
};

/* Deltas received while waiting for a snapshot, applied after it. */
#define CLONE_MAX_PENDING 256

struct pending_delta {
	uint64_t epoch, seq;
	uint8_t *data;
	size_t len;
};

struct clone_sub {
	struct loop *loop;
	void *zctx;
	void *zsock;
	char *ctl_endpoint;
	struct bus_client *ctl;
	char *topic;
	unsigned heartbeat_ms;
	clone_apply_cb apply;
	clone_delta_cb delta;
	void *arg;

	struct pending_delta pend[CLONE_MAX_PENDING];
	size_t n_pend;

	bool synced;
	bool want_snapshot;
	uint64_t epoch;
	uint64_t seq;

	/* Newest update received while waiting for a snapshot. */
	bool have_buffered;
	uint64_t buf_epoch, buf_seq;
	uint8_t *buf_state;
	size_t buf_len;

	uint64_t last_msg_us;
	uint64_t retry_timer;
	uint64_t watchdog_timer;
	uint64_t dropped;
};

/* --- publisher ---------------------------------------------------------- */

static char *ipc_prepare(const char *endpoint)
{
	char *path, *p;

	if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
		return NULL;
	path = xstrdup(endpoint + 6);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	unlink(path);
	return path;
}

/* Publish the current seq: with the whole state, a delta, or neither (a
 * heartbeat). */
static void pub_send(struct clone_pub *pub, bool with_state, const uint8_t *delta,
		     size_t delta_len)
{
	CloneUpdate u = CLONE_UPDATE__INIT;
	uint8_t *buf;
	size_t len;

	u.epoch = pub->epoch;
	u.seq = pub->seq;
	if (with_state) {
		u.has_state = 1;
		u.state.data = pub->state;
		u.state.len = pub->len;
	} else if (delta) {
		u.has_delta = 1;
		u.delta.data = (uint8_t *)delta;
		u.delta.len = delta_len;
	}
	buf = bus_pack(&u.base, &len);
	/* PUB never blocks: at the high-water mark ZeroMQ drops, and the
	 * subscriber's gap/heartbeat detection recovers. */
	if (zmq_send(pub->zsock, pub->topic, strlen(pub->topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(pub->zsock, buf, len, ZMQ_DONTWAIT) < 0)
		log_debug("clone: publish on '%s': %s", pub->topic, zmq_strerror(errno));
	free(buf);
}

static void pub_heartbeat(struct loop *loop, void *arg)
{
	struct clone_pub *pub = arg;

	pub_send(pub, false, NULL, 0);
	pub->hb_timer = loop_timer_add(loop, (uint64_t)pub->heartbeat_ms * 1000u,
				       pub_heartbeat, pub);
}

struct clone_pub *clone_pub_new(struct loop *loop, void *zctx, const char *endpoint,
				const char *topic, unsigned heartbeat_ms)
{
	struct clone_pub *pub;
	int zero = 0;

	if (!loop || !zctx || !endpoint || !topic) {
		errno = EINVAL;
		return NULL;
	}
	pub = xcalloc(1, sizeof(*pub));
	pub->loop = loop;
	pub->topic = xstrdup(topic);
	pub->heartbeat_ms = heartbeat_ms ? heartbeat_ms : CLONE_HEARTBEAT_MS;
	while (pub->epoch == 0) {
		if (getrandom(&pub->epoch, sizeof(pub->epoch), 0) != (ssize_t)sizeof(pub->epoch))
			pub->epoch = loop_now_us() ^ ((uint64_t)getpid() << 32);
	}
	pub->zsock = zmq_socket(zctx, ZMQ_PUB);
	if (!pub->zsock)
		goto fail;
	zmq_setsockopt(pub->zsock, ZMQ_LINGER, &zero, sizeof(zero));
	pub->ipc_path = ipc_prepare(endpoint);
	if (zmq_bind(pub->zsock, endpoint) < 0)
		goto fail;
	pub->hb_timer = loop_timer_add(loop, (uint64_t)pub->heartbeat_ms * 1000u,
				       pub_heartbeat, pub);
	return pub;
fail: {
		int e = errno;

		if (pub->zsock)
			zmq_close(pub->zsock);
		free(pub->ipc_path);
		free(pub->topic);
		free(pub);
		errno = e;
		return NULL;
	}
}

void clone_pub_free(struct clone_pub *pub)
{
	if (!pub)
		return;
	loop_timer_cancel(pub->loop, pub->hb_timer);
	/* libzmq removes the ipc file it created when the socket closes. */
	zmq_close(pub->zsock);
	free(pub->ipc_path);
	free(pub->topic);
	free(pub->state);
	free(pub);
}

void clone_pub_set(struct clone_pub *pub, const ProtobufCMessage *state, uint64_t seq)
{
	size_t len;
	uint8_t *buf = state ? bus_pack(state, &len) : (len = 0, xmalloc(1));

	if (seq <= pub->seq)
		log_debug("clone: '%s' seq %llu does not grow (was %llu)", pub->topic,
			  (unsigned long long)seq, (unsigned long long)pub->seq);
	free(pub->state);
	pub->state = buf;
	pub->len = len;
	pub->seq = seq;
	pub_send(pub, true, NULL, 0);
}

void clone_pub_delta(struct clone_pub *pub, const ProtobufCMessage *delta, uint64_t seq)
{
	size_t len;
	uint8_t *buf = bus_pack(delta, &len);

	if (seq <= pub->seq)
		log_debug("clone: '%s' seq %llu does not grow (was %llu)", pub->topic,
			  (unsigned long long)seq, (unsigned long long)pub->seq);
	free(pub->state);
	pub->state = NULL;
	pub->len = 0;
	pub->seq = seq;
	pub_send(pub, false, buf, len);
	free(buf);
}

void clone_pub_start(struct clone_pub *pub, uint64_t seq)
{
	free(pub->state);
	pub->state = NULL;
	pub->len = 0;
	pub->seq = seq;
}

void clone_pub_set_state_fn(struct clone_pub *pub, clone_state_fn fn, void *arg)
{
	pub->state_fn = fn;
	pub->state_arg = arg;
}

void clone_pub_update(struct clone_pub *pub, const ProtobufCMessage *state)
{
	clone_pub_set(pub, state, pub->seq + 1);
}

void clone_pub_update_packed(struct clone_pub *pub, const uint8_t *state, size_t len)
{
	uint8_t *buf = xmalloc(len ? len : 1);

	memcpy(buf, state, len);
	free(pub->state);
	pub->state = buf;
	pub->len = len;
	pub->seq++;
	pub_send(pub, true, NULL, 0);
}

uint64_t clone_pub_seq(const struct clone_pub *pub)
{
	return pub->seq;
}

uint64_t clone_pub_epoch(const struct clone_pub *pub)
{
	return pub->epoch;
}

void clone_pub_snapshot(struct clone_pub *pub, CloneUpdate *out)
{
	if (pub->state == NULL && pub->state_fn) {
		const ProtobufCMessage *st = pub->state_fn(pub->state_arg);

		pub->state = st ? bus_pack(st, &pub->len) : (pub->len = 0, xmalloc(1));
	}
	clone_update__init(out);
	out->epoch = pub->epoch;
	out->seq = pub->seq;
	out->has_state = 1;
	out->state.data = pub->state;
	out->state.len = pub->state ? pub->len : 0;
}

/* --- subscriber --------------------------------------------------------- */

static void sub_request_snapshot(struct clone_sub *sub, bool fresh_connection);

static void sub_apply(struct clone_sub *sub, const uint8_t *state, size_t len, uint64_t seq)
{
	static const uint8_t empty[1];

	sub->seq = seq;
	sub->apply(state && len ? state : empty, len, seq, sub->arg);
}

static void buffer_update(struct clone_sub *sub, const CloneUpdate *u)
{
	if (sub->have_buffered && sub->buf_epoch == u->epoch && sub->buf_seq >= u->seq)
		return;
	free(sub->buf_state);
	sub->buf_len = u->state.len;
	sub->buf_state = xmalloc(u->state.len ? u->state.len : 1);
	if (u->state.len)
		memcpy(sub->buf_state, u->state.data, u->state.len);
	sub->buf_epoch = u->epoch;
	sub->buf_seq = u->seq;
	sub->have_buffered = true;
}

static void drop_pending(struct clone_sub *sub)
{
	for (size_t i = 0; i < sub->n_pend; i++)
		free(sub->pend[i].data);
	sub->n_pend = 0;
}

static void drop_buffer(struct clone_sub *sub)
{
	free(sub->buf_state);
	sub->buf_state = NULL;
	sub->buf_len = 0;
	sub->have_buffered = false;
	drop_pending(sub);
}

/* Keep a delta that arrived while no snapshot was in (in seq order). */
static void pend_delta(struct clone_sub *sub, const CloneUpdate *u)
{
	struct pending_delta *p;

	if (sub->n_pend && (sub->pend[sub->n_pend - 1].epoch != u->epoch ||
			    sub->pend[sub->n_pend - 1].seq >= u->seq))
		drop_pending(sub);   /* another epoch, or out of order: start over */
	if (sub->n_pend == CLONE_MAX_PENDING)
		drop_pending(sub);   /* the snapshot will be newer than all of them */
	p = &sub->pend[sub->n_pend++];
	p->epoch = u->epoch;
	p->seq = u->seq;
	p->len = u->delta.len;
	p->data = xmalloc(p->len ? p->len : 1);
	if (p->len)
		memcpy(p->data, u->delta.data, p->len);
}

/* Apply a delta for seq on top of the current state: 0, or -1 when it does
 * not apply (the caller takes a snapshot). */
static int sub_apply_delta(struct clone_sub *sub, const uint8_t *data, size_t len, uint64_t seq)
{
	static const uint8_t empty[1];

	if (!sub->delta || seq != sub->seq + 1)
		return -1;
	if (sub->delta(len ? data : empty, len, seq, sub->arg) < 0) {
		sub->dropped++;
		log_debug("clone: '%s': delta %llu does not apply", sub->topic,
			  (unsigned long long)seq);
		return -1;
	}
	sub->seq = seq;
	return 0;
}

static void sub_retry(struct loop *loop, void *arg)
{
	struct clone_sub *sub = arg;

	sub->retry_timer = 0;
	if (sub->want_snapshot)
		sub_request_snapshot(sub, true);
}

static void on_ctl_reply(struct bus_client *cli, const uint8_t *data, size_t len, void *arg)
{
	struct clone_sub *sub = arg;
	SnapshotOnlyReply *rep;
	const CloneUpdate *snap;

	rep = snapshot_only_reply__unpack(NULL, len, data);
	if (!rep) {
		sub->dropped++;
		log_debug("clone: '%s': undecodable snapshot reply", sub->topic);
		return;
	}
	if (!sub->want_snapshot) {
		/* A duplicate answer to an earlier attempt. */
		snapshot_only_reply__free_unpacked(rep, NULL);
		return;
	}
	snap = rep->snapshot;
	if ((rep->has_status && rep->status != 0) || !snap) {
		log_debug("clone: '%s': snapshot refused (%d %s), retrying", sub->topic,
			  rep->has_status ? rep->status : 0, rep->error ? rep->error : "");
		snapshot_only_reply__free_unpacked(rep, NULL);
		return; /* the retry timer is armed */
	}
	loop_timer_cancel(sub->loop, sub->retry_timer);
	sub->retry_timer = 0;
	sub->want_snapshot = false;
	sub->epoch = snap->epoch;
	sub->last_msg_us = loop_now_us();
	log_debug("clone: '%s': snapshot epoch %016llx seq %llu", sub->topic,
		  (unsigned long long)snap->epoch, (unsigned long long)snap->seq);
	/* A snapshot without a state field is treated as the empty state. */
	sub_apply(sub, snap->has_state ? snap->state.data : NULL,
		  snap->has_state ? snap->state.len : 0, snap->seq);
	sub->synced = true;
	snapshot_only_reply__free_unpacked(rep, NULL);

	if (sub->have_buffered && sub->buf_epoch == sub->epoch && sub->buf_seq > sub->seq)
		sub_apply(sub, sub->buf_state, sub->buf_len, sub->buf_seq);
	for (size_t i = 0; i < sub->n_pend; i++) {
		const struct pending_delta *p = &sub->pend[i];

		if (p->epoch != sub->epoch || p->seq <= sub->seq)
			continue;
		if (sub_apply_delta(sub, p->data, p->len, p->seq) < 0) {
			drop_buffer(sub);
			sub_request_snapshot(sub, false);
			return;
		}
	}
	drop_buffer(sub);
}

static void sub_request_snapshot(struct clone_sub *sub, bool fresh_connection)
{
	CloneSnapshotRequest creq = CLONE_SNAPSHOT_REQUEST__INIT;
	SnapshotOnlyRequest req = SNAPSHOT_ONLY_REQUEST__INIT;
	int r;

	sub->want_snapshot = true;
	if (fresh_connection || !sub->ctl) {
		/* LINGER 0: requests queued on the old connection are dropped. */
		bus_client_free(sub->ctl);
		sub->ctl = bus_client_new(sub->zctx, sub->ctl_endpoint);
		if (sub->ctl && bus_client_attach(sub->ctl, sub->loop, on_ctl_reply, sub) < 0) {
			bus_client_free(sub->ctl);
			sub->ctl = NULL;
		}
	}
	if (sub->ctl) {
		creq.topic = sub->topic;
		req.snapshot = &creq;
		r = bus_client_send(sub->ctl, &req.base);
		if (r < 0)
			log_debug("clone: '%s': snapshot request: %s", sub->topic, strerror(-r));
	}
	loop_timer_cancel(sub->loop, sub->retry_timer);
	sub->retry_timer = loop_timer_add(sub->loop, CLONE_RETRY_MS * 1000u, sub_retry, sub);
}

static void sub_handle_update(struct clone_sub *sub, const CloneUpdate *u)
{
	sub->last_msg_us = loop_now_us();
	if (sub->want_snapshot) {
		if (u->has_state)
			buffer_update(sub, u);
		else if (u->has_delta && sub->delta)
			pend_delta(sub, u);
		return;
	}
	if (u->has_delta && u->epoch == sub->epoch && u->seq > sub->seq) {
		if (sub_apply_delta(sub, u->delta.data, u->delta.len, u->seq) == 0)
			return;
		log_debug("clone: '%s': delta %llu over %llu, resnapshot", sub->topic,
			  (unsigned long long)u->seq, (unsigned long long)sub->seq);
		if (sub->delta)
			pend_delta(sub, u);
		sub_request_snapshot(sub, false);
		return;
	}
	if (u->epoch != sub->epoch) {
		log_debug("clone: '%s': new epoch %016llx, resnapshot", sub->topic,
			  (unsigned long long)u->epoch);
		if (u->has_state)
			buffer_update(sub, u);
		sub_request_snapshot(sub, false);
		return;
	}
	if (u->seq <= sub->seq)
		return; /* stale, or a heartbeat we are level with */
	if (!u->has_state || u->seq != sub->seq + 1) {
		log_debug("clone: '%s': gap %llu -> %llu, resnapshot", sub->topic,
			  (unsigned long long)sub->seq, (unsigned long long)u->seq);
		if (u->has_state)
			buffer_update(sub, u);
		sub_request_snapshot(sub, false);
		return;
	}
	sub_apply(sub, u->state.data, u->state.len, u->seq);
}

static void sub_readable(struct loop *loop, void *zsock, void *arg)
{
	struct clone_sub *sub = arg;
	size_t tlen = strlen(sub->topic);

	for (;;) {
		zmq_msg_t f[2];
		int n = 0, kept = 0, more = 1;
		CloneUpdate *u;

		/* Read one multipart message, keeping its first two frames. */
		while (more) {
			zmq_msg_t m;

			zmq_msg_init(&m);
			if (zmq_msg_recv(&m, zsock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
				zmq_msg_close(&m);
				for (int i = 0; i < kept; i++)
					zmq_msg_close(&f[i]);
				return;
			}
			more = zmq_msg_more(&m);
			if (kept < 2)
				f[kept++] = m;
			else
				zmq_msg_close(&m);
			n++;
		}
		if (n != 2 || zmq_msg_size(&f[0]) != tlen ||
		    memcmp(zmq_msg_data(&f[0]), sub->topic, tlen) != 0) {
			/* Another topic sharing our prefix is not an error. */
			if (n != 2 || zmq_msg_size(&f[0]) < tlen) {
				sub->dropped++;
				log_debug("clone: '%s': malformed message (%d frames)", sub->topic, n);
			}
		} else if (zmq_msg_size(&f[1]) > CLONE_MAX_UPDATE ||
			   !(u = clone_update__unpack(NULL, zmq_msg_size(&f[1]),
						       zmq_msg_data(&f[1])))) {
			sub->dropped++;
			log_debug("clone: '%s': undecodable update", sub->topic);
		} else {
			sub_handle_update(sub, u);
			clone_update__free_unpacked(u, NULL);
		}
		for (int i = 0; i < kept; i++)
			zmq_msg_close(&f[i]);
	}
}

static void sub_watchdog(struct loop *loop, void *arg)
{
	struct clone_sub *sub = arg;
	uint64_t silence = 3u * (uint64_t)sub->heartbeat_ms * 1000u;

	if (!sub->want_snapshot && loop_now_us() - sub->last_msg_us > silence) {
		log_debug("clone: '%s': publisher silent, resnapshot", sub->topic);
		sub->last_msg_us = loop_now_us();
		sub_request_snapshot(sub, true);
	}
	sub->watchdog_timer = loop_timer_add(loop, (uint64_t)sub->heartbeat_ms * 1000u,
					     sub_watchdog, sub);
}

struct clone_sub *clone_sub_new(struct loop *loop, void *zctx, const char *pub_endpoint,
				const char *ctl_endpoint, const char *topic,
				unsigned heartbeat_ms, clone_apply_cb apply, void *arg)
{
	struct clone_sub *sub;
	int zero = 0;

	if (!loop || !zctx || !pub_endpoint || !ctl_endpoint || !topic || !apply) {
		errno = EINVAL;
		return NULL;
	}
	sub = xcalloc(1, sizeof(*sub));
	sub->loop = loop;
	sub->zctx = zctx;
	sub->topic = xstrdup(topic);
	sub->ctl_endpoint = xstrdup(ctl_endpoint);
	sub->heartbeat_ms = heartbeat_ms ? heartbeat_ms : CLONE_HEARTBEAT_MS;
	sub->apply = apply;
	sub->arg = arg;
	sub->zsock = zmq_socket(zctx, ZMQ_SUB);
	if (!sub->zsock)
		goto fail;
	zmq_setsockopt(sub->zsock, ZMQ_LINGER, &zero, sizeof(zero));
	if (zmq_setsockopt(sub->zsock, ZMQ_SUBSCRIBE, topic, strlen(topic)) < 0 ||
	    zmq_connect(sub->zsock, pub_endpoint) < 0)
		goto fail;
	if (loop_add_zsock(loop, sub->zsock, sub_readable, sub) < 0) {
		errno = EEXIST;
		goto fail;
	}
	/* SUB first, then the snapshot (the Clone pattern's ordering). */
	sub_request_snapshot(sub, true);
	if (!sub->ctl) {
		int e = errno ? errno : EINVAL;

		clone_sub_free(sub);
		errno = e;
		return NULL;
	}
	sub->last_msg_us = loop_now_us();
	sub->watchdog_timer = loop_timer_add(loop, (uint64_t)sub->heartbeat_ms * 1000u,
					     sub_watchdog, sub);
	return sub;
fail: {
		int e = errno;

		if (sub->zsock)
			zmq_close(sub->zsock);
		free(sub->topic);
		free(sub->ctl_endpoint);
		free(sub);
		errno = e;
		return NULL;
	}
}

void clone_sub_free(struct clone_sub *sub)
{
	if (!sub)
		return;
	loop_timer_cancel(sub->loop, sub->retry_timer);
	loop_timer_cancel(sub->loop, sub->watchdog_timer);
	bus_client_free(sub->ctl);
	loop_del_zsock(sub->loop, sub->zsock);
	zmq_close(sub->zsock);
	drop_buffer(sub);
	free(sub->topic);
	free(sub->ctl_endpoint);
	free(sub);
}

void clone_sub_set_delta_cb(struct clone_sub *sub, clone_delta_cb delta)
{
	sub->delta = delta;
}

uint64_t clone_sub_seq(const struct clone_sub *sub)
{
	return sub->seq;
}

int clone_sub_synced(const struct clone_sub *sub)
{
	return sub->synced;
}

uint64_t clone_sub_dropped(const struct clone_sub *sub)
{
	return sub->dropped;
}
