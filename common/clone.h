/*
 * clone.h: the ZeroMQ Guide's Clone pattern, once for every daemon.
 *
 * Publisher: a PUB socket sending [topic][CloneUpdate] with the whole state
 * or with what changed since the previous seq (a delta, in the topic's own
 * message), an epoch chosen at start and a sequence number; a heartbeat
 * (update without state, same seq) every heartbeat_ms.  The owner's ctl
 * socket answers snapshot requests (tag 15 of its envelope, see bus.proto)
 * with clone_pub_snapshot(), which always carries the whole state.
 *
 * Subscriber: connects SUB first, then asks the ctl socket for a snapshot;
 * drops updates at or below the snapshot's seq and applies newer ones; a new
 * epoch, a gap in seq, or silence longer than 3 heartbeats makes it take a
 * fresh snapshot (retried until the publisher answers).  States are whole, so
 * applying is idempotent: the apply callback reconciles.  A delta is applied
 * only on top of seq - 1 by a subscriber that took a delta callback; any
 * other subscriber, or a delta it cannot apply, takes a snapshot.
 */
#ifndef MERIDIAN_CLONE_H
#define MERIDIAN_CLONE_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>
#include "bus.pb-c.h"

struct loop;
struct clone_pub;
struct clone_sub;

#define CLONE_HEARTBEAT_MS 1000

struct clone_pub *clone_pub_new(struct loop *loop, void *zctx, const char *endpoint,
				const char *topic, unsigned heartbeat_ms);
void clone_pub_free(struct clone_pub *pub);
/* Replace the state and publish it with sequence `seq` (must grow). */
void clone_pub_set(struct clone_pub *pub, const ProtobufCMessage *state, uint64_t seq);
/* Start at sequence seq with the state the state function gives when a
 * snapshot is asked for (nothing is packed or sent now: subscribers ask). */
void clone_pub_start(struct clone_pub *pub, uint64_t seq);
/* Publish what changed (delta, packed as it is) with sequence seq (must
 * grow); the whole state for snapshots comes from the state function
 * (clone_pub_set_state_fn), asked when a snapshot is requested. */
void clone_pub_delta(struct clone_pub *pub, const ProtobufCMessage *delta, uint64_t seq);
/* The whole current state, borrowed until the next set or delta. */
typedef const ProtobufCMessage *(*clone_state_fn)(void *arg);
void clone_pub_set_state_fn(struct clone_pub *pub, clone_state_fn fn, void *arg);
/* Publish state with the next sequence number. */
void clone_pub_update(struct clone_pub *pub, const ProtobufCMessage *state);
/* The same, with the state already packed (copied). */
void clone_pub_update_packed(struct clone_pub *pub, const uint8_t *state, size_t len);
uint64_t clone_pub_seq(const struct clone_pub *pub);
uint64_t clone_pub_epoch(const struct clone_pub *pub);
/* Fill *out (initialised here) with the current snapshot; its state points
 * into the publisher and is valid until the next set/update/delta. */
void clone_pub_snapshot(struct clone_pub *pub, CloneUpdate *out);

/* Called with the whole packed state each time a newer one arrives. */
typedef void (*clone_apply_cb)(const uint8_t *state, size_t len, uint64_t seq, void *arg);

/* Called with a delta (packed) that takes the state from seq - 1 to seq;
 * return 0, or a negative errno when it does not apply (a snapshot is
 * taken then). */
typedef int (*clone_delta_cb)(const uint8_t *delta, size_t len, uint64_t seq, void *arg);

struct clone_sub *clone_sub_new(struct loop *loop, void *zctx, const char *pub_endpoint,
				const char *ctl_endpoint, const char *topic,
				unsigned heartbeat_ms, clone_apply_cb apply, void *arg);
void clone_sub_free(struct clone_sub *sub);
/* Take deltas (same arg as the apply callback); without this call every
 * delta makes the subscriber take a snapshot. */
void clone_sub_set_delta_cb(struct clone_sub *sub, clone_delta_cb delta);
/* Sequence of the state applied last (0 before the first snapshot). */
uint64_t clone_sub_seq(const struct clone_sub *sub);
/* True once a snapshot has been applied. */
int clone_sub_synced(const struct clone_sub *sub);
/* Messages dropped as malformed or undecodable so far. */
uint64_t clone_sub_dropped(const struct clone_sub *sub);

#endif
