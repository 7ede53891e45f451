/*
 * harness.h: the fuzz harness of ntpd's receive path, shared by the
 * libFuzzer target (fuzz_ntpd.c, built with clang by tests/fuzz/run-smoke)
 * and the corpus replay test (test_fuzz_corpus.c, Criterion with gcc+ASan).
 *
 * Each input is one datagram.  It is fed through ntpd_input() to fresh ntpd
 * cores configured as: a simulated clock 0.4 s off; refclock-master 10;
 * authentication enabled with keys 1 (md5), 2 (hmac-sha256), both reliable,
 * and 3 (md5, not reliable); a client association to 127.0.0.1 port
 * FUZZ_SERVER_PORT with key 1, one to 127.0.0.4 (same port) without key, a
 * symmetric active peer 127.0.0.3 with key 2; access: 127.0.0.0-7 at peer
 * level, everyone else at synchronization level and rate limited (discard
 * defaults), kod-enable; no interfaces (the server socket is INADDR_ANY).
 *   phase 1  from the server, the peer, the unauthenticated server, a
 *            stranger 127.0.0.5 (on an address we do not serve, then on
 *            one we serve), a rate-limited stranger 127.0.0.9, then again
 *            from the server, the peer and both strangers with the MAC
 *            "fixed" (a MAC naming one of our keys gets the right digest:
 *            the fuzzer cannot compute digests).  No request is
 *            outstanding, so nothing may move the clock: its true error and
 *            frequency correction must be exactly as they started and the
 *            discipline must not have run.
 *   phase 2  (datagrams of at least 48 bytes) the two servers and the peer
 *            are polled first and the datagram's origin timestamp is patched
 *            to our transmit timestamp (and its MAC fixed), so it reaches
 *            the filter and selection (the clock may move there; it is not
 *            checked).
 * After every delivery: the datagram was counted (received + 1) and its fate
 * too (a drop reason, an answer, or a sample accepted by an association);
 * a reply fits the buffer and decodes as mode 4 or mode 2.
 */
#ifndef MERIDIAN_FUZZ_HARNESS_H
#define MERIDIAN_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_SERVER_PORT 10123  /* the configured server's port (nothing listens) */

/* What the inputs run so far did (for tests that the harness reaches deep). */
struct fuzz_ntpd_stats {
	uint64_t inputs, deliveries;
	uint64_t replies;         /* deliveries answered (mode 4 or 2) */
	uint64_t accepted;        /* deliveries that gave an association a sample */
	uint64_t dropped;         /* deliveries counted as dropped */
};
extern struct fuzz_ntpd_stats fuzz_ntpd_stats;

/* Run one input.  0, or -1 with a sentence in why (a broken invariant). */
int fuzz_ntpd_one(const uint8_t *data, size_t size, char *why, size_t whylen);
/* Free the state kept between inputs (the event loop). */
void fuzz_ntpd_cleanup(void);

#endif
