/*
 * probe.h: ifmgrd's `ping` and `tracert` engine (probe.c).
 *
 * A probe is a run of ICMP echo requests (ping) or of UDP datagrams with
 * growing TTLs (tracert) toward one numeric address, driven by ifmgrd's
 * loop: its socket is a loop fd, its waits are loop timers, so any number
 * of probes run beside netlink and the configuration without blocking
 * anything.  Each probe's outcomes are kept as a list of events that the
 * ctl layer hands out by index (the long poll of ifmgr.proto).
 *
 * Sockets and privilege:
 *  - ping: an ICMP datagram socket (socket(AF_INET, SOCK_DGRAM,
 *    IPPROTO_ICMP), or ICMPv6) where net.ipv4.ping_group_range admits
 *    ifmgrd's group: no privilege, the kernel picks the echo identifier
 *    and hands back only this socket's replies.  Otherwise a raw ICMP
 *    socket (CAP_NET_RAW), whose replies are told apart by an identifier
 *    of ifmgrd's own.
 *  - tracert: a UDP socket with IP_RECVERR (IPV6_RECVERR): the ICMP time
 *    exceeded and port unreachable answers come back on the socket's error
 *    queue with their sender (SO_EE_OFFENDER), as traceroute's
 *    unprivileged mode does.  No privilege, and the kernel matches the
 *    answers to the socket; probes go to ports 33434 and up, one port per
 *    probe, so a late answer is never taken for the current one.
 *  - `-i` binds the socket to the interface's netdev (SO_BINDTODEVICE:
 *    CAP_NET_RAW on kernels before 5.7), `-a` binds the source address.
 * Probes are sequential, as VRP sends them: the next one leaves when the
 * last one was answered (ping: PROBE_PING_INTERVAL_MS after the previous
 * one left at the earliest) or timed out.
 */
#ifndef MERIDIAN_IFMGRD_PROBE_H
#define MERIDIAN_IFMGRD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ifmgr.pb-c.h"

struct loop;
struct probe_engine;

#define PROBE_MAX               32      /* probes running at once */
#define PROBE_PING_INTERVAL_MS  500     /* between two echo requests, at least */
#define PROBE_POLL_HOLD_MS      500     /* a poll with nothing new waits this long */
#define PROBE_ABANDON_MS        10000   /* a probe nobody polls is dropped */
#define PROBE_MAX_EVENTS        100000  /* a probe stops once it has this many */

struct probe_engine *probe_engine_new(struct loop *loop);
/* Stop every probe; each waiting poll's wake callback runs first. */
void probe_engine_free(struct probe_engine *pe);

/* Start a probe (defaults for absent fields as in ifmgr.proto); netdev is
 * the kernel netdev of `-i` (NULL: none).  0 with *id, or -errno with a
 * sentence for a person in err (an address that does not parse, a source
 * that is not this device's, too many probes, a socket refused). */
int probe_start(struct probe_engine *pe, const ProbeStart *req, const char *netdev,
		uint64_t *id, char *err, size_t errlen);
/* The same with the socket opened inside network namespace nsfd (a VPN
 * instance's, common/named_netns.h; -1: ifmgrd's own); netdev is then the
 * netdev to bind to there (`-i`, or a VRF instance's device). */
int probe_start_in(struct probe_engine *pe, const ProbeStart *req, const char *netdev, int nsfd,
		   uint64_t *id, char *err, size_t errlen);

/* Fill *st (initialised here; free with probe_status_clear) with probe
 * id's counts and its events from index next on.  A probe whose last
 * events are so handed out after it ended is forgotten.  0 or -ENOENT. */
int probe_status(struct probe_engine *pe, uint64_t id, uint32_t next, ProbeStatus *st);
void probe_status_clear(ProbeStatus *st);

/* Whether probe id has events from next on or has ended (a poll is
 * answered at once); true for an unknown id too (answered: -ENOENT). */
bool probe_ready(struct probe_engine *pe, uint64_t id, uint32_t next);

/* Call wake(arg) once: when probe id has an event from next on, ends, is
 * stopped or dropped, or hold_ms have passed.  A waiter already there is
 * woken first (one poll per probe at a time).  0 or -ENOENT. */
typedef void (*probe_wake_fn)(void *arg);
int probe_wait(struct probe_engine *pe, uint64_t id, uint32_t next, uint32_t hold_ms,
	       probe_wake_fn wake, void *arg);

/* Stop probe id (Ctrl-C): nothing more is sent; *st gets its counts (no
 * events) and the probe is forgotten.  0 or -ENOENT. */
int probe_stop(struct probe_engine *pe, uint64_t id, ProbeStatus *st);

/* Probes running now. */
size_t probe_count(const struct probe_engine *pe);

#endif
