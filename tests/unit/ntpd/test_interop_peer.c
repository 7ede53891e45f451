/*
 * test_interop_peer.c: a symmetric-active association (`unicast-peer`)
 * against a peer that behaves like chronyd's `peer`, as found by
 * tests/integration/test_interop.c:
 *
 *  - chronyd sends on its own schedule: while we are unsynchronized it
 *    keeps its minpoll (8 s here, 64 s by default) whatever our fast polls
 *    (2 s) do.  One sample per four of our polls used to leave at most two
 *    bits in `valid`, so the peer was never selectable and the device never
 *    synchronized.  Now the samples of the last 8 exchanges at the slower
 *    of the two polls count (assoc_enough_samples()).
 *  - after our clock is stepped, the receive timestamp we echo in our next
 *    symmetric packet (the peer's T2, with our transmit timestamp as T3)
 *    was still on the old timescale: the peer measured the step as delay
 *    (chronyd showed a 0.3 s peer delay and half the step as offset).
 *
 * No network: the loop never runs, assoc_prepare() stands in for our polls
 * and crafted mode 1 packets go through ntpd_input().  We are 127.0.0.2 and
 * 0.4 s ahead; the peer is 127.0.0.1 at true time, stratum 3, reference
 * 127.127.1.1 (chronyd's `local stratum 3`).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"

#define OUR_OFFSET 0.4
#define PEER_POLL 3           /* chronyd `peer ... minpoll 3` */
#define OUR_POLLS_PER_PEER 4  /* our 2 s polls per peer packet */

struct fx {
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	struct assoc *p;
	uint32_t me, peer;
	uint16_t port;
	uint64_t last_rx;         /* our receive timestamp of the last peer packet */
};

static void fx_init(struct fx *f)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *peers[1] = { &na };

	memset(f, 0, sizeof(*f));
	log_init("test_interop_peer", LOG_LVL_WARN);
	ntpd_rig_bootstrap(&f->bs, OUR_OFFSET, 0);
	f->port = f->bs.ntp.port;
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
	cr_assert_not_null(f->core);
	inet_pton(AF_INET, "127.0.0.2", &f->me);
	inet_pton(AF_INET, "127.0.0.1", &f->peer);
	ntpd_rig_iface_up(f->core, "LoopBack0", "127.0.0.2", 0);

	na.address = "127.0.0.1";
	na.has_port = true;
	na.port = f->port + 1;   /* nobody listens there */
	ntp.server_source_interface = "LoopBack0";
	ntp.n_unicast_peer = 1;
	ntp.unicast_peer = peers;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f->core, &cfg, NULL, 0), 0);
	f->p = ntpd_assoc_find(f->core, NADDR_V4P(f->peer), 0);
	cr_assert_not_null(f->p);
	cr_assert_eq(f->p->opts.hmode, NTP_MODE_ACTIVE);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
}

/* One of our polls; the packet we sent, decoded. */
static void poll_once(struct fx *f, struct ntp_packet *sent)
{
	uint8_t buf[NTPD_PKT_MAX];
	struct ntp_packet pkt;
	int n = assoc_prepare(f->p, buf, sizeof(buf));

	cr_assert_gt(n, 0);
	cr_assert_eq(ntp_packet_decode(buf, (size_t)n, &pkt), 0);
	cr_assert_eq(pkt.mode, NTP_MODE_ACTIVE);
	if (sent)
		*sent = pkt;
}

/* The peer's symmetric-active packet answering our last poll, as chronyd
 * with `local stratum 3` sends it: true time, its poll PEER_POLL. */
static void deliver_peer_packet(struct fx *f)
{
	uint8_t buf[NTPD_PKT_MAX], reply[NTPD_PKT_MAX];
	struct ntp_packet r;
	struct ntpd_rx rx;
	uint64_t now = ntp_clock_now(f->core->clock);
	int len;

	memset(&r, 0, sizeof(r));
	r.leap = NTP_LEAP_NONE;
	r.version = 4;
	r.mode = NTP_MODE_ACTIVE;
	r.stratum = 3;
	r.poll = PEER_POLL;
	r.precision = -25;
	r.refid = htonl(0x7F7F0101);
	r.org = f->p->xmt;
	r.rec = ntp_ts_add(now, -OUR_OFFSET - 0.0001);
	r.xmt = ntp_ts_add(r.rec, 0.00001);
	r.reftime = ntp_ts_add(r.rec, -1);
	len = ntp_packet_encode(&r, buf, sizeof(buf));
	cr_assert_gt(len, 0);

	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = (size_t)len;
	rx.src = naddr_v4(f->peer);
	rx.src_port = f->p->opts.port;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.serving = true;
	f->last_rx = rx.ts;
	cr_assert_eq(ntpd_input(f->core, &rx, reply, sizeof(reply)), 0,
		     "a configured peer answers on its own poll, not at once");
}

/* Our polls at 2 s, the peer's packets at 8 s, until synchronized. */
static int sync_to_slow_peer(struct fx *f, int max_packets)
{
	for (int k = 1; k <= max_packets; k++) {
		for (int i = 0; i < OUR_POLLS_PER_PEER; i++)
			poll_once(f, NULL);
		deliver_peer_packet(f);
		cr_assert_eq(f->p->cnt.accepted, (uint64_t)k, "packet %d refused", k);
		if (f->core->sys.synced)
			return k;
	}
	return -1;
}

Test(interop_peer, slow_symmetric_peer_is_selected)
{
	struct fx f;
	double e;

	fx_init(&f);
	int k = sync_to_slow_peer(&f, 8);
	cr_assert_leq(__builtin_popcount(f.p->valid), 2,
		      "the scenario must leave fewer than %d bits in valid", NTPD_FAST_SAMPLES);
	cr_assert_eq(k, NTPD_FAST_SAMPLES,
		     "synchronized after %d peer packets (want %d): the slow peer was never "
		     "selectable", k, NTPD_FAST_SAMPLES);
	cr_assert(assoc_enough_samples(f.p, ntpd_mono()));
	cr_assert_eq(f.core->sys.peer, f.p);
	cr_assert_eq(f.core->sys.stratum, 4);
	cr_assert_eq(f.core->sys.refid, f.peer);
	cr_assert(ntp_clock_true_error(f.core->clock, &e));
	cr_assert_float_eq(e, 0.0, 0.01, "clock error %.6f after synchronizing", e);
	fx_fini(&f);
}

Test(interop_peer, only_recent_samples_of_a_symmetric_peer_count)
{
	struct fx f;
	double now, window = NTP_NSTAGE * ldexp(1.0, PEER_POLL);

	fx_init(&f);
	for (int k = 0; k < NTPD_FAST_SAMPLES - 1; k++) {
		for (int i = 0; i < OUR_POLLS_PER_PEER; i++)
			poll_once(&f, NULL);
		deliver_peer_packet(&f);
	}
	now = ntpd_mono();
	cr_assert_eq(f.p->filter.n, NTPD_FAST_SAMPLES - 1);
	cr_assert_not(assoc_enough_samples(f.p, now), "3 samples are not enough");
	cr_assert_not(f.core->sys.synced);

	/* A fourth real sample (a copy of the first) makes it enough... */
	f.p->filter.stage[NTPD_FAST_SAMPLES - 1] = f.p->filter.stage[0];
	f.p->valid = 0;
	cr_assert(assoc_enough_samples(f.p, now));
	/* ...but not once the samples are older than 8 exchanges at the slower
	 * poll (the peer's 2^PEER_POLL s)... */
	for (int i = 0; i < NTP_NSTAGE; i++)
		f.p->filter.stage[i].t -= window + 1;
	cr_assert_not(assoc_enough_samples(f.p, now), "samples older than the window count");
	for (int i = 0; i < NTP_NSTAGE; i++)
		f.p->filter.stage[i].t += 2;
	cr_assert(assoc_enough_samples(f.p, now), "samples inside the window do not count");
	/* ...and a client keeps the register rule: one answer per poll. */
	f.p->opts.hmode = NTP_MODE_CLIENT;
	cr_assert_not(assoc_enough_samples(f.p, now));
	f.p->valid = 0x0f;
	cr_assert(assoc_enough_samples(f.p, now));
	f.p->opts.hmode = NTP_MODE_ACTIVE;
	fx_fini(&f);
}

Test(interop_peer, receive_timestamp_follows_a_step)
{
	struct fx f;
	struct ntp_packet sent;
	double steps_before, t32;

	fx_init(&f);
	steps_before = (double)f.core->sys.steps;
	cr_assert_eq(sync_to_slow_peer(&f, 8), NTPD_FAST_SAMPLES);
	cr_assert_eq((double)f.core->sys.steps, steps_before + 1, "the first update steps");

	/* Our next packet echoes the peer's last transmit and our receive
	 * timestamp of it, on the new timescale: T2 = what our clock reads now
	 * for that instant, and T3 - T2 is the time we held the packet, not the
	 * step. */
	poll_once(&f, &sent);
	cr_assert_eq(sent.org, f.p->org);
	cr_assert_neq(sent.rec, 0);
	t32 = ntp_ts_diff(sent.xmt, sent.rec);
	cr_assert(t32 >= 0 && t32 < 0.05, "T3 - T2 = %.6f s: the step leaked into the peer's "
		  "delay", t32);
	cr_assert_float_eq(ntp_ts_diff(sent.rec, f.last_rx), -OUR_OFFSET, 0.01,
			   "T2 moved by %.6f s, the step was %.1f s",
			   ntp_ts_diff(sent.rec, f.last_rx), -OUR_OFFSET);
	fx_fini(&f);
}
