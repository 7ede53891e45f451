/*
 * simtime.h: simulated time for in-process network simulations, in the
 * manner of chrony's clknetsim: whole hours of NTP run in seconds, the
 * machine's clock is never touched, and runs are reproducible.
 *
 * Linked INTO a test executable (as a source file, never a library), it
 * interposes clock_gettime, ppoll (the event loop's wait), zmq_poll,
 * timerfd_create/settime/gettime and getrandom.  While simtime_start() is in force:
 *  - CLOCK_MONOTONIC (and _RAW, _COARSE, BOOTTIME) read the simulated time
 *    t; CLOCK_REALTIME reads `realtime_base` + t.  Each reading advances t
 *    by SIMTIME_READ_COST (100 ns), the cost of the code between two
 *    readings, so a loop waiting for the clock to change terminates.
 *  - ppoll and zmq_poll never block: each polls for real with a zero
 *    timeout and, if nothing is ready, advances t to the earlier of the
 *    poll timeout and the first armed simulated timerfd, and polls again.  Loopback UDP is
 *    delivered during sendto(), so a datagram takes no simulated time: only
 *    what delays it on purpose (the relay) does.
 *  - timerfd_create returns an eventfd; expirations are written to it when
 *    t reaches the deadline.  Disarm a timerfd before closing it.
 *  - getrandom draws from a PRNG seeded by simtime_start.
 * Otherwise every call goes to the real function.  One simulation per
 * process (Criterion runs each Test in its own process).
 */
#ifndef MERIDIAN_SIMTIME_H
#define MERIDIAN_SIMTIME_H

#include <stdint.h>

#define SIMTIME_READ_COST 100e-9

/* Start simulated time at 0 (CLOCK_REALTIME at realtime_base, seconds
 * since 1970).  Pick a base far from the real date: kernel receive
 * timestamps (real) then never pass for recent ones. */
void simtime_start(double realtime_base, uint64_t seed);
void simtime_stop(void);
/* Simulated CLOCK_MONOTONIC, s (without advancing it). */
double simtime_now(void);
/* Times ppoll or zmq_poll advanced the clock, for reports. */
uint64_t simtime_jumps(void);

#endif
