/*
 * test_bcast.c: ntpd/bcast.c through the ntpd_input seam, with two ntpd
 * cores in one process and one loop on loopback (as test_sync_loopback):
 *
 *   S  127.0.0.1  refclock-master 2 (the broadcaster), clock error 0
 *   C  127.0.0.2  GigabitEthernet0/1/0 (ifindex 1) broadcast-client or
 *                 multicast-client, clock +0.3 s, +5 ppm
 *
 * S's mode 5 packets (bcast_packet) are handed to C's ntpd_input as if they
 * had arrived on the interface for 255.255.255.255 (or the group): nothing
 * is broadcast.  The calibration exchanges are real UDP from 127.0.0.2 to
 * 127.0.0.1.  Waits poll from a loop timer with a deadline; nothing sleeps.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bcast.h"
#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"
#include "port.h"

#define DEADLINE_S 45.0
#define IFNAME "GigabitEthernet0/1/0"
#define IFINDEX 1

struct dev {
	struct bootstrap bs;
	struct ntpd *core;
};

struct world {
	struct loop *loop;
	struct dev s, c;
	double start, last_bcast;
	uint32_t dst;             /* where the broadcasts go: 255.255.255.255 or the group */
	uint64_t accepted_at_switch;
	bool switched, done;
};

static void dev_init(struct world *w, struct dev *d, const char *ifname, const char *addr,
		     double offset, double ppm)
{
	ntpd_rig_bootstrap(&d->bs, offset, ppm);
	d->core = ntpd_new(w->loop, NULL, &d->bs, NULL, 0);
	cr_assert_not_null(d->core);
	ntpd_rig_iface_up(d->core, ifname, addr, IFINDEX);
}

static int apply(struct dev *d, Config *cfg)
{
	return ntpd_rig_apply(d->core, cfg, NULL, 0);
}

static void server_config(struct dev *d)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	ntp.server_source_interface = "LoopBack0";
	cfg.ntp = &ntp;
	cr_assert_eq(apply(d, &cfg), 0);
}

/* C: broadcast-client (group NULL) or multicast-client on IFNAME, or none. */
static int client_config(struct dev *d, bool on, bool multicast, const char *group)
{
	Config cfg = CONFIG__INIT;
	Interface in = INTERFACE__INIT;
	Interface *ins[1] = { &in };
	NtpMulticastClient mc = NTP_MULTICAST_CLIENT__INIT;

	in.name = IFNAME;
	if (on && multicast) {
		mc.group = (char *)group;
		in.ntp_multicast_client = &mc;
	} else if (on) {
		in.has_ntp_broadcast_client = true;
		in.ntp_broadcast_client = true;
	}
	cfg.n_interface = 1;
	cfg.interface = ins;
	return apply(d, &cfg);
}

/* One mode 5 packet from S, as C receives it on IFNAME. */
static void broadcast(struct world *w, uint32_t src, uint32_t dst, uint32_t ifindex)
{
	uint8_t pkt[NTPD_PKT_MAX], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	int n = bcast_packet(w->s.core, 4, 1, pkt, sizeof(pkt));

	cr_assert_gt(n, 0);
	memset(&rx, 0, sizeof(rx));
	rx.buf = pkt;
	rx.len = (size_t)n;
	rx.src = naddr_v4(src);
	rx.src_port = (uint16_t)w->s.bs.ntp.port;
	rx.dst = naddr_v4(dst);
	rx.ifindex = ifindex;
	rx.ts = ntp_clock_now(w->c.core->clock);
	cr_assert_eq(ntpd_input(w->c.core, &rx, reply, sizeof(reply)), 0);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static double true_err(struct dev *d)
{
	double e = 0;

	cr_assert(ntp_clock_true_error(d->core->clock, &e));
	return e;
}

static void check(struct loop *loop, void *arg)
{
	struct world *w = arg;
	double now = ntpd_mono();
	struct assoc *p = ntpd_assoc_find(w->c.core, NADDR_V4P(ip("127.0.0.1")), 0);

	/* S "broadcasts" every second. */
	if (now - w->last_bcast >= 1.0) {
		broadcast(w, ip("127.0.0.1"), w->dst, IFINDEX);
		w->last_bcast = now;
		p = ntpd_assoc_find(w->c.core, NADDR_V4P(ip("127.0.0.1")), 0);
	}
	if (p && p->bc_state == BCAST_LISTENING && !w->switched) {
		w->switched = true;
		w->accepted_at_switch = p->cnt.accepted;
	}
	w->done = p && w->switched && p->cnt.accepted >= w->accepted_at_switch + 4 &&
		  w->c.core->sys.synced && w->c.core->sys.stratum == 3 &&
		  strcmp(w->c.core->sys.refid_text, "127.0.0.1") == 0 &&
		  fabs(true_err(&w->c) - true_err(&w->s)) < 1e-3;
	if (w->done || now - w->start > DEADLINE_S) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 100000, check, w);
}

static void world_init(struct world *w, uint32_t dst)
{
	memset(w, 0, sizeof(*w));
	log_init("test_bcast", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	w->loop = loop_new();
	w->dst = dst;
	dev_init(w, &w->s, "LoopBack0", "127.0.0.1", 0.0, 0.0);
	dev_init(w, &w->c, IFNAME, "127.0.0.2", 0.3, 5.0);
	server_config(&w->s);
	cr_assert(w->s.core->sys.synced);
}

static void world_free(struct world *w)
{
	ntpd_free(w->c.core);
	ntpd_free(w->s.core);
	loop_free(w->loop);
	bootstrap_free(&w->s.bs);
	bootstrap_free(&w->c.bs);
}

/* Run the loop until the client listens and is synchronized by broadcasts. */
static void run_to_sync(struct world *w)
{
	struct assoc *p;

	w->start = ntpd_mono();
	w->last_bcast = w->start;
	loop_timer_add(w->loop, 100000, check, w);
	cr_assert_eq(loop_run(w->loop), 0);
	p = ntpd_assoc_find(w->c.core, NADDR_V4P(ip("127.0.0.1")), 0);
	cr_assert_not_null(p, "the broadcast client association went away");
	cr_assert(w->done, "not synchronized by broadcasts in %.0f s: state %d accepted %llu "
		  "(%llu at the switch) synced %d stratum %d refid %s err %+.6f", DEADLINE_S,
		  p->bc_state, (unsigned long long)p->cnt.accepted,
		  (unsigned long long)w->accepted_at_switch, w->c.core->sys.synced,
		  w->c.core->sys.stratum, w->c.core->sys.refid_text, true_err(&w->c));
	cr_assert_eq(p->opts.hmode, NTPD_MODE_BCLIENT);
	cr_assert_eq(p->timer, 0, "a listening association does not poll");
	cr_assert(p->bc_delay > 0 && p->bc_delay < 0.01, "calibrated delay %.6f", p->bc_delay);
	cr_assert_eq(w->c.core->sys.peer, p);
	cr_log_info("synchronized by broadcasts after %.1f s, delay %.3f ms, error %+.6f s",
		    ntpd_mono() - w->start, p->bc_delay * 1e3, true_err(&w->c) - true_err(&w->s));
}

Test(bcast, packet_is_mode5_with_system_variables)
{
	struct world w;
	uint8_t buf[NTPD_PKT_MAX];
	struct ntp_packet pkt;
	int n;

	world_init(&w, htonl(INADDR_BROADCAST));
	n = bcast_packet(w.s.core, 3, 6, buf, sizeof(buf));
	cr_assert_eq(n, NTP_HEADER_LEN);
	cr_assert_eq(ntp_packet_decode(buf, (size_t)n, &pkt), 0);
	cr_assert_eq(pkt.mode, NTP_MODE_BROADCAST);
	cr_assert_eq(pkt.version, 3);
	cr_assert_eq(pkt.poll, 6);
	cr_assert_eq(pkt.stratum, 2);
	cr_assert_eq(pkt.leap, NTP_LEAP_NONE);
	cr_assert_eq(pkt.org, 0);
	cr_assert_eq(pkt.rec, 0);
	cr_assert_neq(pkt.xmt, 0);
	world_free(&w);
}

Test(bcast, first_broadcast_creates_association_and_calibrates, .timeout = 120)
{
	struct world w;
	struct assoc *p;

	world_init(&w, htonl(INADDR_BROADCAST));
	cr_assert_eq(client_config(&w.c, true, false, NULL), 0);
	cr_assert_eq(w.c.core->n_dynamic, 0);

	broadcast(&w, ip("127.0.0.1"), htonl(INADDR_BROADCAST), IFINDEX);
	p = ntpd_assoc_find(w.c.core, NADDR_V4P(ip("127.0.0.1")), 0);
	cr_assert_not_null(p, "no association for the broadcaster");
	cr_assert(p->dynamic);
	cr_assert_eq(w.c.core->n_dynamic, 1);
	cr_assert_eq(p->bc_state, BCAST_CALIBRATING);
	cr_assert_eq(p->opts.hmode, NTP_MODE_CLIENT, "calibration is a client exchange");
	cr_assert_eq(p->opts.port, w.s.bs.ntp.port);
	cr_assert_neq(p->timer, 0, "the calibration exchange is scheduled");
	cr_assert_not_null(p->sock);
	cr_assert_eq(p->src_addr.v4.s_addr, ip("127.0.0.2"));

	run_to_sync(&w);
	/* The broadcaster answered the calibration as a server. */
	cr_assert_geq(w.s.core->stats.answered, BCAST_CAL_SAMPLES);

	/* Removing broadcast-client removes the association. */
	cr_assert_eq(client_config(&w.c, false, false, NULL), 0);
	cr_assert_null(ntpd_assoc_find(w.c.core, NADDR_V4P(ip("127.0.0.1")), 0));
	cr_assert_eq(w.c.core->n_dynamic, 0);
	world_free(&w);
}

Test(bcast, multicast_client_uses_its_group, .timeout = 120)
{
	struct world w;

	world_init(&w, ip("224.0.1.1"));
	client_config(&w.c, true, true, NULL);   /* joining on lo may fail: not the point */
	/* Another group, or broadcast, on a multicast-client interface: dropped. */
	broadcast(&w, ip("127.0.0.1"), ip("224.0.1.2"), IFINDEX);
	broadcast(&w, ip("127.0.0.1"), htonl(INADDR_BROADCAST), IFINDEX);
	cr_assert_null(ntpd_assoc_find(w.c.core, NADDR_V4P(ip("127.0.0.1")), 0));
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_MODE5], 2);
	run_to_sync(&w);
	world_free(&w);
}

Test(bcast, broadcasts_elsewhere_are_dropped)
{
	struct world w;

	world_init(&w, htonl(INADDR_BROADCAST));
	/* Not a broadcast client at all. */
	broadcast(&w, ip("127.0.0.1"), htonl(INADDR_BROADCAST), IFINDEX);
	cr_assert_null(ntpd_assoc_find(w.c.core, NADDR_V4P(ip("127.0.0.1")), 0));
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_MODE5], 1);
	cr_assert_eq(client_config(&w.c, true, false, NULL), 0);
	/* Another interface; a multicast group; our own address. */
	broadcast(&w, ip("127.0.0.1"), htonl(INADDR_BROADCAST), IFINDEX + 1);
	broadcast(&w, ip("127.0.0.1"), ip("224.0.1.1"), IFINDEX);
	broadcast(&w, ip("127.0.0.2"), htonl(INADDR_BROADCAST), IFINDEX);
	cr_assert_eq(w.c.core->n_assocs, 0);
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_MODE5], 4);
	world_free(&w);
}

Test(bcast, client_without_address_is_an_operational_error)
{
	struct world w;
	Config cfg = CONFIG__INIT;
	Interface in = INTERFACE__INIT;
	Interface *ins[1] = { &in };

	world_init(&w, htonl(INADDR_BROADCAST));
	in.name = "GigabitEthernet0/2/0";   /* unknown to the interface table */
	in.has_ntp_broadcast_client = true;
	in.ntp_broadcast_client = true;
	cfg.n_interface = 1;
	cfg.interface = ins;
	cr_assert_eq(apply(&w.c, &cfg), 1);
	cr_assert_eq(w.c.core->n_op_errs, 1);
	cr_assert(strstr(w.c.core->op_errs[0], "has no IPv4 address"), "%s",
		  w.c.core->op_errs[0]);
	world_free(&w);
}
