/*
 * test_assoc.c: the peer process of a client association, fed crafted
 * server replies through ntpd_input() (no network: the loop never runs, so
 * no poll is ever sent; assoc_prepare() stands in for the poll).
 *
 * The core believes it is 127.0.0.2 (LoopBack0 and the server
 * source-interface); the server is 127.0.0.1.  Our virtual clock is 0.4 s
 * ahead with no drift or noise, so "the clock never moved" is exact.
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

struct fx {
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	struct assoc *p;
	uint32_t me, srv;
	uint16_t port;
};

/* Config: server source-interface LoopBack0, unicast-server 127.0.0.1,
 * optionally refclock-master. */
static void fx_config(struct fx *f, int local_stratum)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	na.address = "127.0.0.1";
	na.has_port = true;
	na.port = f->port + 1;   /* nobody listens there */
	ntp.server_source_interface = "LoopBack0";
	ntp.n_unicast_server = 1;
	ntp.unicast_server = list;
	if (local_stratum) {
		rm.has_stratum = true;
		rm.stratum = (uint32_t)local_stratum;
		ntp.refclock_master = &rm;
	}
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f->core, &cfg, NULL, 0), 0);
	f->p = ntpd_assoc_find(f->core, NADDR_V4P(f->srv), 0);
	cr_assert_not_null(f->p);
}

static void fx_init(struct fx *f, int local_stratum)
{
	memset(f, 0, sizeof(*f));
	log_init("test_assoc", LOG_LVL_WARN);
	ntpd_rig_bootstrap(&f->bs, OUR_OFFSET, 0);
	f->port = f->bs.ntp.port;
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
	cr_assert_not_null(f->core);
	inet_pton(AF_INET, "127.0.0.2", &f->me);
	inet_pton(AF_INET, "127.0.0.1", &f->srv);
	ntpd_rig_iface_up(f->core, "LoopBack0", "127.0.0.2", 0);
	fx_config(f, local_stratum);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
}

/* A correct answer of a stratum 2 server at true time to our last poll. */
static void good_reply(struct fx *f, struct ntp_packet *r)
{
	uint64_t now = ntp_clock_now(f->core->clock);

	memset(r, 0, sizeof(*r));
	r->leap = NTP_LEAP_NONE;
	r->version = 4;
	r->mode = NTP_MODE_SERVER;
	r->stratum = 2;
	r->poll = 1;
	r->precision = -20;
	r->root_delay = ntp_d_to_short(0.001);
	r->root_disp = ntp_d_to_short(0.001);
	memcpy(&r->refid, "LOCL", 4);
	r->org = f->p->xmt;
	r->rec = ntp_ts_add(now, -OUR_OFFSET - 0.0001);
	r->xmt = ntp_ts_add(r->rec, 0.00001);
	r->reftime = ntp_ts_add(r->rec, -1);
}

/* Poll, then deliver r (its org is set to our poll unless keep_org). */
static int deliver(struct fx *f, const struct ntp_packet *r, size_t cut)
{
	uint8_t buf[NTPD_PKT_MAX], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	int len = ntp_packet_encode(r, buf, sizeof(buf));

	cr_assert_gt(len, 0);
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = cut ? cut : (size_t)len;
	rx.src = naddr_v4(f->srv);
	rx.src_port = f->p->opts.port;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.serving = true;
	return ntpd_input(f->core, &rx, reply, sizeof(reply));
}

static void poll_once(struct fx *f)
{
	uint8_t buf[NTPD_PKT_MAX];

	cr_assert_gt(assoc_prepare(f->p, buf, sizeof(buf)), 0);
}

static void assert_clock_untouched(struct fx *f)
{
	double e;

	cr_assert(ntp_clock_true_error(f->core->clock, &e));
	cr_assert_float_eq(e, OUR_OFFSET, 1e-9, "clock moved: error %.9f", e);
}

static void assert_refused(struct fx *f, enum assoc_result why, uint64_t before)
{
	cr_assert_eq(f->p->cnt.rej[why], before + 1, "%s not counted", assoc_result_name(why));
	cr_assert_eq(f->p->cnt.accepted, 0);
	cr_assert_eq(f->p->filter.n, 0);
	cr_assert_eq(f->p->valid, 0);
	cr_assert_not(f->core->sys.synced);
	assert_clock_untouched(f);
}

Test(assoc, valid_replies_fill_filter_then_synchronize)
{
	struct fx f;
	struct ntp_packet r;
	NtpSysStatus st;
	double e;

	fx_init(&f, 0);
	for (int i = 1; i <= NTPD_FAST_SAMPLES - 1; i++) {
		poll_once(&f);
		good_reply(&f, &r);
		cr_assert_eq(deliver(&f, &r, 0), 0);
		cr_assert_eq(f.p->cnt.accepted, (uint64_t)i);
		cr_assert_eq(f.p->filter.n, i);
		cr_assert_eq(__builtin_popcount(f.p->reach), i);
		cr_assert_eq(__builtin_popcount(f.p->valid), i);
		/* NTP's bound: half the delay (the real time between request
		 * and reply, longer on a loaded machine), plus reading noise. */
		cr_assert_leq(fabs(f.p->offset + OUR_OFFSET), f.p->delay / 2 + 1e-3,
			      "offset %+.6f, delay %.6f", f.p->offset, f.p->delay);
		/* Not yet selectable: the clock did not move. */
		cr_assert_not(f.core->sys.synced);
		assert_clock_untouched(&f);
	}
	poll_once(&f);
	good_reply(&f, &r);
	cr_assert_eq(deliver(&f, &r, 0), 0);
	cr_assert(f.core->sys.synced);
	cr_assert_eq(f.core->sys.stratum, 3);
	cr_assert_str_eq(f.core->sys.refid_text, "127.0.0.1");
	cr_assert_eq(f.core->sys.peer, f.p);
	cr_assert(ntp_clock_true_error(f.core->clock, &e));
	cr_assert(fabs(e) < 1e-3, "true error after the step: %.6f", e);
	ctl_fill_status(f.core, &st);
	cr_assert(st.synchronized);
	cr_assert_eq(st.stratum, 3);
	cr_assert_str_eq(st.refid_text, "127.0.0.1");
	cr_assert_str_eq(st.sync_state, "clock synchronized");
	cr_assert_eq(st.refid, 0x7f000001u);
	fx_fini(&f);
}

Test(assoc, duplicate_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.accepted, 1);
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.rej[ASSOC_R_DUP], 1);
	cr_assert_eq(f.p->cnt.accepted, 1);
	cr_assert_eq(f.p->filter.n, 1);
	assert_clock_untouched(&f);
	fx_fini(&f);
}

Test(assoc, bogus_and_zero_origin_are_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.org = f.p->xmt + 1;
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_BOGUS, 0);
	good_reply(&f, &r);
	r.org = 0;
	r.xmt += 5;
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_ZERO_ORG, 0);
	/* The genuine answer still gets through afterwards. */
	good_reply(&f, &r);
	r.xmt += 10;
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.accepted, 1);
	fx_fini(&f);
}

Test(assoc, unsynchronized_server_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.leap = NTP_LEAP_NOSYNC;
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_UNSYNC, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.stratum = 0;
	memcpy(&r.refid, "INIT", 4);
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_UNSYNC, 1);
	cr_assert_not(f.p->denied);
	fx_fini(&f);
}

Test(assoc, header_distance_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.root_disp = ntp_d_to_short(17.0);
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_HDR_DIST, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.reftime = ntp_ts_add(r.xmt, 10);
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_HDR_DIST, 1);
	fx_fini(&f);
}

Test(assoc, root_distance_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.root_delay = ntp_d_to_short(3.2);   /* header distance 1.6 s: passes */
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_ROOT_DIST, 0);
	fx_fini(&f);
}

Test(assoc, loop_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	r.stratum = 3;
	r.refid = f.me;    /* the server is synchronized to us */
	deliver(&f, &r, 0);
	assert_refused(&f, ASSOC_R_LOOP, 0);
	fx_fini(&f);
}

Test(assoc, stratum_not_below_local_reference_is_refused)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 2);      /* refclock-master 2 */
	cr_assert(f.core->sys.synced);
	cr_assert(f.core->sys.on_local);
	cr_assert_str_eq(f.core->sys.refid_text, "LOCAL(0)");
	poll_once(&f);
	good_reply(&f, &r);
	r.stratum = 2;
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.rej[ASSOC_R_STRATUM], 1);
	cr_assert_eq(f.p->filter.n, 0);
	assert_clock_untouched(&f);
	cr_assert(f.core->sys.on_local);
	cr_assert_eq(f.core->sys.stratum, 2);
	fx_fini(&f);
}

Test(assoc, lower_stratum_server_beats_local_reference)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 8);
	for (int i = 0; i < NTPD_FAST_SAMPLES; i++) {
		poll_once(&f);
		good_reply(&f, &r);
		r.stratum = 2;
		deliver(&f, &r, 0);
	}
	cr_assert_not(f.core->sys.on_local);
	cr_assert_eq(f.core->sys.stratum, 3);
	cr_assert_str_eq(f.core->sys.refid_text, "127.0.0.1");
	fx_fini(&f);
}

Test(assoc, malformed_is_counted)
{
	struct fx f;
	struct ntp_packet r;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	cr_assert_eq(deliver(&f, &r, 20), 0);
	cr_assert_eq(f.p->cnt.rej[ASSOC_R_MALFORMED], 1);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MALFORMED], 1);
	assert_refused(&f, ASSOC_R_MALFORMED, 0);
	fx_fini(&f);
}

Test(assoc, kod_rate_and_deny)
{
	struct fx f;
	struct ntp_packet r;
	int before;

	fx_init(&f, 0);
	poll_once(&f);
	before = assoc_poll_exp(f.p);
	good_reply(&f, &r);
	r.leap = NTP_LEAP_NOSYNC;
	r.stratum = 0;
	memcpy(&r.refid, "RATE", 4);
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.rej[ASSOC_R_KOD], 1);
	cr_assert_gt(assoc_poll_exp(f.p), before);
	cr_assert_not(f.p->denied);
	poll_once(&f);
	good_reply(&f, &r);
	r.leap = NTP_LEAP_NOSYNC;
	r.stratum = 0;
	memcpy(&r.refid, "DENY", 4);
	deliver(&f, &r, 0);
	cr_assert_eq(f.p->cnt.rej[ASSOC_R_KOD], 2);
	cr_assert(f.p->denied);
	assert_clock_untouched(&f);
	fx_fini(&f);
}

Test(assoc, reconcile_keeps_unchanged_association)
{
	struct fx f;
	struct ntp_packet r;
	struct assoc *before;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	deliver(&f, &r, 0);
	before = f.p;
	fx_config(&f, 0);          /* the same configuration again */
	cr_assert_eq(f.p, before);
	cr_assert_eq(f.p->filter.n, 1);
	cr_assert_eq(f.core->n_assocs, 1);
	/* Removing it destroys it. */
	ntpd_apply_config(f.core, NULL, NULL, 0);
	cr_assert_eq(f.core->n_assocs, 0);
	fx_fini(&f);
}

Test(assoc, source_interface_without_address_is_an_error)
{
	struct fx f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	char *errs[4];
	int n;

	fx_init(&f, 0);
	ntp.server_source_interface = "GigabitEthernet0/1/0";
	cfg.ntp = &ntp;
	n = ntpd_apply_config(f.core, &cfg, errs, 4);
	cr_assert_eq(n, 1);
	cr_assert(strstr(errs[0], "GigabitEthernet0/1/0") != NULL, "%s", errs[0]);
	free(errs[0]);
	cr_assert_null(f.core->server_sock);
	fx_fini(&f);
}

Test(assoc, address_change_rebinds_and_keeps_state)
{
	struct fx f;
	struct ntp_packet r;
	struct assoc *before;
	uint32_t moved;

	fx_init(&f, 0);
	poll_once(&f);
	good_reply(&f, &r);
	deliver(&f, &r, 0);
	before = f.p;
	cr_assert_not_null(f.core->server_sock);
	cr_assert_eq(f.core->server_sock->addr.v4.s_addr, f.me);
	cr_assert_eq(f.p->sock, f.core->server_sock);
	/* LoopBack0 moves to 127.0.0.4: the server socket and the association follow. */
	ntpd_rig_iface_up(f.core, "LoopBack0", "127.0.0.4", 0);
	inet_pton(AF_INET, "127.0.0.4", &moved);
	cr_assert_not_null(f.core->server_sock);
	cr_assert_eq(f.core->server_sock->addr.v4.s_addr, moved);
	cr_assert_eq(f.core->n_socks, 1);
	cr_assert_eq(ntpd_assoc_find(f.core, NADDR_V4P(f.srv), 0), before);
	cr_assert_eq(before->sock, f.core->server_sock);
	cr_assert_eq(before->filter.n, 1);
	/* The address goes away: no server socket, an error, the association stays. */
	ntpd_rig_iface_up(f.core, "LoopBack0", "", 0);
	cr_assert_null(f.core->server_sock);
	cr_assert_eq(f.core->n_op_errs, 1);
	cr_assert_eq(ntpd_assoc_find(f.core, NADDR_V4P(f.srv), 0), before);
	fx_fini(&f);
}

Test(assoc, address_committed_with_its_use_is_not_an_error)
{
	struct fx f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	Interface ge = INTERFACE__INIT;
	Interface *ifs[1] = { &ge };
	Ipv4Address a = IPV4_ADDRESS__INIT;
	char *errs[4];

	fx_init(&f, 0);
	a.address = "10.0.1.31";
	a.prefix_len = 24;
	ge.name = "GigabitEthernet0/1/0";
	ge.address = &a;
	cfg.n_interface = 1;
	cfg.interface = ifs;
	ntp.server_source_interface = "GigabitEthernet0/1/0";
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_apply_config(f.core, &cfg, errs, 4), 0);
	cr_assert_null(f.core->server_sock);
	fx_fini(&f);
}
