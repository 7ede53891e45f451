/*
 * bcast.h: NTP broadcast and multicast modes (bcast.c): the servers that
 * send mode 5 packets out of an interface and the clients that listen for
 * them, configured per interface (Interface.ntp_broadcast_server, ...).
 */
#ifndef MERIDIAN_NTPD_BCAST_H
#define MERIDIAN_NTPD_BCAST_H

#include <stddef.h>
#include <stdint.h>

#include "ntpd.h"

#define BCAST_CALIBRATING   1     /* assoc.bc_state: client-mode exchanges measure the delay */
#define BCAST_LISTENING     2     /* assoc.bc_state: samples come from the broadcasts */
#define BCAST_CAL_SAMPLES   4     /* answered exchanges that calibrate the delay */
#define BCAST_CAL_MAX_POLLS 8     /* then give up and use BCAST_DEFAULT_DELAY */
#define BCAST_DEFAULT_DELAY 0.004 /* s, round trip (ntpd's broadcastdelay default) */
#define BCAST_POLL          NTP_DEF_MINPOLL  /* log2 s between broadcasts, steady state */
#define BCAST_MCAST_GROUP   "224.0.1.1"      /* NTP's IANA group, the default */
#define BCAST_MCAST_TTL     16
#define BCAST_MAX           32    /* servers, clients and receive sockets, each */

/* Reconcile the broadcast/multicast servers, clients and their sockets
 * with core->cfg and core->ifs.  Called by the reconciliation (apply.c)
 * after the server socket and before the unicast associations: the sockets
 * it wants are marked used, so sock_sweep() keeps them, and broadcast
 * client associations whose interface stopped listening are freed.
 * Problems are written to errs[0..max_errs) as malloc'd strings; returns
 * their count. */
int bcast_reconcile(struct ntpd *core, char **errs, int max_errs);
/* Stop every server timer, close the receive sockets, free the state.
 * NULL-safe; the associations are freed by their owner (ntpd_free). */
void bcast_free(struct ntpd *core);

/* A datagram that is mode 5 or that arrived on a broadcast/multicast
 * receive socket (ntpd_input dispatches both here).  Mode 5 from a server
 * heard on an interface configured as a broadcast (destination a broadcast
 * address) or multicast client (destination its group) feeds the server's
 * association, created on the first packet: it starts in client mode to
 * measure the round-trip delay (BCAST_CALIBRATING, the poll process sends
 * mode 3), and once BCAST_CAL_SAMPLES answers have come back it listens
 * (host mode NTPD_MODE_BCLIENT): each broadcast is a sample with offset
 * T3 - T4 + delay/2.  Everything else is dropped and counted.  Never
 * answers: returns 0. */
int bcast_input(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt);

/* The mode 5 packet a server sends now (system variables, the version,
 * poll exponent `poll`, origin and receive zero, transmit now).  Length or
 * -errno. */
int bcast_packet(struct ntpd *core, unsigned version, int poll, uint8_t *buf, size_t len);

#endif
