/*
 * test_server.c: the receive dispatch and the server side, through
 * ntpd_input() without sockets: mode 3 answered with mode 4 (synchronized
 * and not), symmetric-active packets from strangers making a dynamic
 * passive association, and every kind of garbage dropped and counted.
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

struct fx {
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	uint32_t me, client;
};

static void fx_init(struct fx *f, int local_stratum)
{
	memset(f, 0, sizeof(*f));
	log_init("test_server", LOG_LVL_WARN);
	ntpd_rig_bootstrap(&f->bs, 0, 0);
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
	cr_assert_not_null(f->core);
	inet_pton(AF_INET, "127.0.0.1", &f->me);
	inet_pton(AF_INET, "127.0.0.9", &f->client);
	if (local_stratum) {
		Config cfg = CONFIG__INIT;
		Ntp ntp = NTP__INIT;
		NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

		rm.has_stratum = true;
		rm.stratum = (uint32_t)local_stratum;
		ntp.refclock_master = &rm;
		cfg.ntp = &ntp;
		cr_assert_eq(ntpd_apply_config(f->core, &cfg, NULL, 0), 0);
	}
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
}

static int input(struct fx *f, const uint8_t *buf, size_t len, bool serving, uint8_t *reply,
		 size_t rlen)
{
	struct ntpd_rx rx;

	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = len;
	rx.src = naddr_v4(f->client);
	rx.src_port = 40000;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.serving = serving;
	return ntpd_input(f->core, &rx, reply, rlen);
}

static int request(struct fx *f, int mode, int version, uint64_t xmt, uint64_t org,
		   bool serving, struct ntp_packet *ans)
{
	struct ntp_packet q;
	uint8_t buf[NTPD_PKT_MAX], reply[NTPD_PKT_MAX];
	int len, n;

	memset(&q, 0, sizeof(q));
	q.leap = NTP_LEAP_NOSYNC;
	q.version = (uint8_t)version;
	q.mode = (uint8_t)mode;
	q.poll = 6;
	q.xmt = xmt;
	q.org = org;
	len = ntp_packet_encode(&q, buf, sizeof(buf));
	cr_assert_gt(len, 0);
	n = input(f, buf, (size_t)len, serving, reply, sizeof(reply));
	if (n > 0)
		cr_assert_eq(ntp_packet_decode(reply, (size_t)n, ans), 0);
	return n;
}

Test(server, unsynchronized_answers_leap3_stratum0)
{
	struct fx f;
	struct ntp_packet a;
	uint64_t xmt = 0x1234567890abcdefULL;

	fx_init(&f, 0);
	cr_assert_gt(request(&f, NTP_MODE_CLIENT, 3, xmt, 0, true, &a), 0);
	cr_assert_eq(a.mode, NTP_MODE_SERVER);
	cr_assert_eq(a.version, 3);
	cr_assert_eq(a.leap, NTP_LEAP_NOSYNC);
	cr_assert_eq(a.stratum, 0);
	cr_assert_eq(a.org, xmt);
	cr_assert_eq(a.poll, 6);
	cr_assert_eq(memcmp(&a.refid, "INIT", 4), 0);
	cr_assert_eq(f.core->stats.answered, 1);
	fx_fini(&f);
}

Test(server, synchronized_answer_is_correct)
{
	struct fx f;
	struct ntp_packet a;
	uint64_t before, after, xmt = 0x0102030405060708ULL;

	fx_init(&f, 2);
	before = ntp_clock_now(f.core->clock);
	cr_assert_gt(request(&f, NTP_MODE_CLIENT, 4, xmt, 0, true, &a), 0);
	after = ntp_clock_now(f.core->clock);
	cr_assert_eq(a.mode, NTP_MODE_SERVER);
	cr_assert_eq(a.version, 4);
	cr_assert_eq(a.leap, NTP_LEAP_NONE);
	cr_assert_eq(a.stratum, 2);
	cr_assert_eq(memcmp(&a.refid, "LOCL", 4), 0);
	cr_assert_eq(a.org, xmt);
	cr_assert_eq(a.precision, f.core->sys.precision);
	cr_assert(ntp_ts_diff(a.rec, before) >= 0 && ntp_ts_diff(after, a.xmt) >= 0);
	cr_assert(ntp_ts_diff(a.xmt, a.rec) >= 0);
	cr_assert(ntp_ts_diff(a.xmt, a.reftime) >= 0);
	cr_assert(ntp_short_to_d(a.root_disp) < 0.1);
	fx_fini(&f);
}

Test(server, not_serving_address_drops_requests)
{
	struct fx f;
	struct ntp_packet a;

	fx_init(&f, 2);
	cr_assert_eq(request(&f, NTP_MODE_CLIENT, 4, 99, 0, false, &a), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_NOT_SERVING], 1);
	fx_fini(&f);
}

Test(server, garbage_is_dropped_and_counted)
{
	struct fx f;
	struct ntp_packet a;
	uint8_t junk[NTP_HEADER_LEN + 7], reply[NTPD_PKT_MAX];

	fx_init(&f, 2);
	memset(junk, 0xa5, sizeof(junk));
	cr_assert_eq(input(&f, junk, 10, true, reply, sizeof(reply)), 0);
	cr_assert_eq(input(&f, junk, sizeof(junk), true, reply, sizeof(reply)), 0);
	junk[0] = 0;   /* version 0 */
	cr_assert_eq(input(&f, junk, NTP_HEADER_LEN, true, reply, sizeof(reply)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MALFORMED], 3);
	cr_assert_eq(request(&f, 0, 4, 1, 0, true, &a), 0);
	cr_assert_eq(request(&f, NTP_MODE_BROADCAST, 4, 1, 0, true, &a), 0);
	cr_assert_eq(request(&f, NTP_MODE_CONTROL, 2, 1, 0, true, &a), 0);
	cr_assert_eq(request(&f, NTP_MODE_PRIVATE, 2, 1, 0, true, &a), 0);
	cr_assert_eq(request(&f, NTP_MODE_SERVER, 4, 1, 0, true, &a), 0);
	cr_assert_eq(request(&f, NTP_MODE_PASSIVE, 4, 1, 0, true, &a), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MODE0], 1);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MODE5], 1);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MODE6], 1);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_MODE7], 1);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_NO_ASSOC], 2);
	cr_assert_eq(f.core->stats.received, 9);
	cr_assert_eq(f.core->stats.answered, 0);
	cr_assert_eq(f.core->n_assocs, 0);
	fx_fini(&f);
}

Test(server, symmetric_active_stranger_gets_dynamic_passive)
{
	struct fx f;
	struct ntp_packet a, b;
	struct assoc *p;

	fx_init(&f, 2);
	cr_assert_gt(request(&f, NTP_MODE_ACTIVE, 4, 1000, 0, true, &a), 0);
	cr_assert_eq(a.mode, NTP_MODE_PASSIVE);
	cr_assert_eq(a.org, 1000);
	cr_assert_eq(a.stratum, 2);
	cr_assert_eq(f.core->n_dynamic, 1);
	p = ntpd_assoc_find(f.core, NADDR_V4P(f.client), 40000);
	cr_assert_not_null(p);
	cr_assert(p->dynamic);
	cr_assert_eq(p->opts.hmode, NTP_MODE_PASSIVE);
	cr_assert_eq(p->cnt.rej[ASSOC_R_ZERO_ORG], 1);
	/* The next packet answers ours: the same association. */
	cr_assert_gt(request(&f, NTP_MODE_ACTIVE, 4, 2000, a.xmt, true, &b), 0);
	cr_assert_eq(b.org, 2000);
	cr_assert_eq(f.core->n_dynamic, 1);
	cr_assert_eq(p->cnt.rej[ASSOC_R_UNSYNC], 1);   /* the stranger is unsynchronized */
	/* A replay gets no answer. */
	cr_assert_eq(request(&f, NTP_MODE_ACTIVE, 4, 2000, a.xmt, true, &b), 0);
	cr_assert_eq(p->cnt.rej[ASSOC_R_DUP], 1);
	/* Not on a served address: no association. */
	f.client++;
	cr_assert_eq(request(&f, NTP_MODE_ACTIVE, 4, 3000, 0, false, &b), 0);
	cr_assert_eq(f.core->n_dynamic, 1);
	fx_fini(&f);
}
