/*
 * relay.h: a user-space UDP relay that impairs a path (netem is not
 * available here): per-direction fixed delay, gaussian jitter and loss,
 * hence asymmetry, from a seeded PRNG so a run can be replayed.
 *
 * A relay listens on one address; what a client sends there is forwarded to
 * the forward address from an upstream socket of that client's own (up to
 * RELAY_MAX_CLIENTS clients, the oldest replaced), and what comes back on
 * the upstream socket is sent to the client from the listening address.
 * To the client the relay IS the server; to the server, each client
 * appears at the relay's listening address with the upstream socket's port.
 *
 * Datagrams wait in a fixed pool (RELAY_QUEUE of them, RELAY_MTU bytes
 * each: nothing is allocated per packet) ordered by release time, so jitter
 * reorders as a real path would.  They are released by one timerfd armed
 * at the earliest release, registered with the common loop: a timerfd is
 * exact to the microsecond and keeps its own schedule, whatever else the
 * loop's timers do (they were once rounded to the millisecond, the size of
 * the delays emulated here).
 */
#ifndef MERIDIAN_RELAY_H
#define MERIDIAN_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct relay;

#define RELAY_QUEUE 512
#define RELAY_MTU 1500
#define RELAY_MAX_CLIENTS 8

enum relay_dir_id { RELAY_UP = 0, RELAY_DOWN = 1 };  /* client->server, server->client */

struct relay_path {
	double delay;             /* fixed one-way delay, s (>= 0) */
	double jitter;            /* standard deviation of a gaussian added to it, s;
	                           * the sum is clamped at 0 */
	double loss;              /* probability of dropping a datagram, 0..1 */
};

struct relay_cfg {
	uint32_t listen_addr;     /* IPv4, network order */
	uint16_t listen_port;     /* host order; 0: an ephemeral port (relay_port) */
	uint32_t fwd_addr;        /* network order */
	uint16_t fwd_port;        /* host order */
	struct relay_path path[2];  /* [RELAY_UP], [RELAY_DOWN] */
	uint64_t seed;            /* PRNG seed (0 is allowed) */
};

struct relay_dir_stats {
	uint64_t rx;              /* datagrams received */
	uint64_t sent;            /* forwarded */
	uint64_t lost;            /* dropped on purpose (loss) */
	uint64_t overflow;        /* dropped: pool full or larger than RELAY_MTU */
	uint64_t queued;          /* delayed (the delay statistics count these) */
	uint64_t send_err;
	double delay_sum, delay_sq, delay_min, delay_max;  /* the delays applied, s */
	double late_max;          /* worst release later than due, s */
};

/* Open the sockets and register them with `loop`.  `path` values are
 * clamped to their ranges.  NULL with errno on failure. */
struct relay *relay_new(struct loop *loop, const struct relay_cfg *cfg);
/* Unregister, close, free; queued datagrams are dropped. */
void relay_free(struct relay *r);
/* The listening port (host order). */
uint16_t relay_port(const struct relay *r);
/* Change one direction's impairment; applies to datagrams received from now. */
void relay_set_path(struct relay *r, enum relay_dir_id dir, const struct relay_path *p);
const struct relay_dir_stats *relay_stats(const struct relay *r, enum relay_dir_id dir);
/* Datagrams waiting now. */
int relay_queued(const struct relay *r);

#endif
