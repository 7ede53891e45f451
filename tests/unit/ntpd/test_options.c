/*
 * test_options.c: the options of `unicast-server` / `unicast-peer` in
 * ntpd, end to end inside the core (config -> association -> packets):
 * version (sent, and every request answered in its own version, NTPv1's
 * mode 0 included), burst and iburst packet counts (assoc_poll), preempt,
 * per-association and global source-interface (the datagram's source
 * address), domain names (test resolver and the real getaddrinfo_a on
 * "localhost", failure, retry, re-resolution to a new address), dynamic
 * passive expiry, priority in selection, the packet statistics, and
 * source-interface following its interface (address, down, absent, back).
 *
 * Two cores in one process: S (refclock-master 2, "the server", INADDR_ANY
 * on its own port) and C (the client under test).  Polls are driven by
 * calling assoc_poll() and answers are carried by hand through
 * ntpd_input(), so no timing is involved except where the loop must run
 * (the resolver), which waits on state with a deadline.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <poll.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"

struct fx {
	struct bootstrap bs_s, bs_c;
	struct loop *loop;
	struct ntpd *s, *c;
	uint32_t lo1;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void set_ifs(struct ntpd *core)
{
	IfStates st = IF_STATES__INIT;
	IfState l1 = IF_STATE__INIT, l2 = IF_STATE__INIT;
	IfState *list[2] = { &l1, &l2 };

	l1.name = "LoopBack1";
	l1.primary_ipv4 = "127.0.0.5";
	l2.name = "LoopBack2";
	l2.primary_ipv4 = "127.0.0.6";
	st.n_interface = 2;
	st.interface = list;
	ntpd_apply_ifstates(core, &st);
}

static void fx_init(struct fx *f)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	memset(f, 0, sizeof(*f));
	log_init("test_options", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	f->loop = loop_new();
	ntpd_rig_bootstrap(&f->bs_s, 0, 0);
	ntpd_rig_bootstrap(&f->bs_c, 0, 0);
	f->s = ntpd_new(f->loop, NULL, &f->bs_s, NULL, 0);
	f->c = ntpd_new(f->loop, NULL, &f->bs_c, NULL, 0);
	cr_assert_not_null(f->s);
	cr_assert_not_null(f->c);
	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_apply_config(f->s, &cfg, NULL, 0), 0);
	set_ifs(f->c);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->c);
	ntpd_free(f->s);
	loop_free(f->loop);
	bootstrap_free(&f->bs_s);
	bootstrap_free(&f->bs_c);
}

/* An association entry pointing at S. */
static void na_init(struct fx *f, NtpAssociation *na, const char *addr)
{
	ntp_association__init(na);
	na->address = (char *)addr;
	na->has_port = true;
	na->port = (uint32_t)f->bs_s.ntp.port;
}

/* Apply servers (and peers) to C; returns the number of apply errors. */
static int apply_c(struct fx *f, NtpAssociation **srv, size_t n_srv, NtpAssociation **peer,
		   size_t n_peer, const char *global_src)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpUnsyncPoll un = NTP_UNSYNC_POLL__INIT;

	/* Long polls while unsynchronized, so a burst's 2 s gaps stand out. */
	un.has_max_poll_interval = un.has_dec_step = true;
	un.max_poll_interval = 6;
	un.dec_step = 1;
	ntp.unsync = &un;
	ntp.unicast_server = srv;
	ntp.n_unicast_server = n_srv;
	ntp.unicast_peer = peer;
	ntp.n_unicast_peer = n_peer;
	ntp.source_interface = (char *)global_src;
	cfg.ntp = &ntp;
	return ntpd_rig_apply(f->c, &cfg, NULL, 0);
}

static struct assoc *find(struct ntpd *core, const char *addr)
{
	return ntpd_assoc_find(core, NADDR_V4P(ip(addr)), 0);
}

/* Carry C's last packet (core->txbuf) to S and S's answer back to C.
 * Returns S's answer decoded in *ans (if not NULL). */
static void exchange(struct fx *f, struct assoc *p, struct ntp_packet *ans)
{
	uint8_t reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	struct ntp_packet a;
	int n;

	memset(&rx, 0, sizeof(rx));
	rx.buf = f->c->txbuf;
	rx.len = NTP_HEADER_LEN;
	rx.src = naddr_isset(&p->src_addr) ? p->src_addr : naddr_v4(ip("127.0.0.1"));
	rx.src_port = (uint16_t)f->bs_c.ntp.port;
	rx.dst = naddr_v4(ip("127.0.0.1"));
	rx.ts = ntp_clock_now(f->s->clock);
	rx.serving = true;
	n = ntpd_input(f->s, &rx, reply, sizeof(reply));
	cr_assert_gt(n, 0);
	cr_assert_eq(ntp_packet_decode(reply, (size_t)n, &a), 0);
	if (ans)
		*ans = a;
	memset(&rx, 0, sizeof(rx));
	rx.buf = reply;
	rx.len = (size_t)n;
	rx.src = p->addr;
	rx.src_port = (uint16_t)f->bs_s.ntp.port;
	rx.dst = rx.src.v4.s_addr == ip("127.0.0.1") ? naddr_v4(ip("127.0.0.1")) : p->src_addr;
	rx.ts = ntp_clock_now(f->c->clock);
	rx.serving = true;
	ntpd_input(f->c, &rx, reply, sizeof(reply));
}

static uint64_t sent(const struct assoc *p)
{
	return p->cnt.tx + p->cnt.tx_err;
}

Test(options, version_sent_and_answered_in_kind)
{
	struct fx f;
	NtpAssociation a, b;
	NtpAssociation *list[2] = { &a, &b };
	struct ntp_packet pkt, ans;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.has_version = true;
	a.version = 2;
	na_init(&f, &b, "127.0.0.7");   /* no version: VRP's default 3 */
	cr_assert_eq(apply_c(&f, list, 2, NULL, 0, NULL), 0);
	cr_assert_gt(assoc_poll(find(f.c, "127.0.0.7")), 0);
	cr_assert_eq(ntp_packet_decode(f.c->txbuf, NTP_HEADER_LEN, &pkt), 0);
	cr_assert_eq(pkt.version, 3);
	cr_assert_eq(pkt.mode, NTP_MODE_CLIENT);
	cr_assert_gt(assoc_poll(find(f.c, "127.0.0.1")), 0);
	cr_assert_eq(ntp_packet_decode(f.c->txbuf, NTP_HEADER_LEN, &pkt), 0);
	cr_assert_eq(pkt.version, 2);
	exchange(&f, find(f.c, "127.0.0.1"), &ans);
	cr_assert_eq(ans.version, 2);
	cr_assert_eq(ans.mode, NTP_MODE_SERVER);
	cr_assert_eq(find(f.c, "127.0.0.1")->reach & 1, 1, "the v2 answer was accepted");

	/* Requests of every version, NTPv1's mode 0 included. */
	for (int v = 1; v <= 4; v++) {
		for (int m = 0; m < 2; m++) {
			uint8_t buf[NTP_HEADER_LEN], reply[NTPD_PKT_MAX];
			struct ntpd_rx rx;
			int n;

			if (m == 0 && v != 1)
				continue;
			memset(&pkt, 0, sizeof(pkt));
			pkt.version = (uint8_t)v;
			pkt.mode = m == 0 ? NTP_MODE_RESERVED : NTP_MODE_CLIENT;
			pkt.xmt = 0x1111222233334444ULL + (uint64_t)v;
			cr_assert_eq(ntp_packet_encode(&pkt, buf, sizeof(buf)), NTP_HEADER_LEN);
			memset(&rx, 0, sizeof(rx));
			rx.buf = buf;
			rx.len = sizeof(buf);
			rx.src = naddr_v4(ip("127.0.0.9"));
			rx.src_port = 123;
			rx.ts = ntp_clock_now(f.s->clock);
			rx.serving = true;
			n = ntpd_input(f.s, &rx, reply, sizeof(reply));
			cr_assert_gt(n, 0, "version %d mode %d answered", v, pkt.mode);
			cr_assert_eq(ntp_packet_decode(reply, (size_t)n, &ans), 0);
			cr_assert_eq(ans.version, v);
			cr_assert_eq(ans.mode, NTP_MODE_SERVER);
			cr_assert_eq(ans.org, pkt.xmt);
			cr_assert_eq(ans.stratum, 2);
		}
	}
	fx_fini(&f);
}

Test(options, symmetric_passive_answers_in_the_peer_version)
{
	struct fx f;
	struct ntp_packet pkt, ans;
	uint8_t buf[NTP_HEADER_LEN], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	struct assoc *p;
	int n;

	fx_init(&f);
	memset(&pkt, 0, sizeof(pkt));
	pkt.version = 3;
	pkt.mode = NTP_MODE_ACTIVE;
	pkt.leap = NTP_LEAP_NOSYNC;
	pkt.poll = 4;
	pkt.xmt = 0x5555666677778888ULL;
	ntp_packet_encode(&pkt, buf, sizeof(buf));
	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = sizeof(buf);
	rx.src = naddr_v4(ip("127.0.0.9"));
	rx.src_port = 123;
	rx.ts = ntp_clock_now(f.s->clock);
	rx.serving = true;
	n = ntpd_input(f.s, &rx, reply, sizeof(reply));
	cr_assert_gt(n, 0);
	cr_assert_eq(ntp_packet_decode(reply, (size_t)n, &ans), 0);
	cr_assert_eq(ans.version, 3);
	cr_assert_eq(ans.mode, NTP_MODE_PASSIVE);
	cr_assert_eq(f.s->n_dynamic, 1);

	/* Dynamic passive expiry: 8 of the peer's polls (2^4 s) of silence. */
	p = find(f.s, "127.0.0.9");
	cr_assert_not_null(p);
	cr_assert(p->dynamic);
	cr_assert_not(assoc_expired(p, p->last_rx + 8 * 16 - 1));
	cr_assert(assoc_expired(p, p->last_rx + 8 * 16 + 1));
	fx_fini(&f);
}

Test(options, burst_sends_eight_once_reachable)
{
	struct fx f;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	struct assoc *p;
	uint64_t tx0;
	double d;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.has_burst = a.burst = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	p = find(f.c, "127.0.0.1");
	/* Unreachable: burst does nothing, one packet per poll. */
	d = assoc_poll(p);
	cr_assert_gt(d, 30.0, "first poll: the normal interval (%.1f)", d);
	cr_assert_eq(sent(p), 1);
	exchange(&f, p, NULL);
	cr_assert_neq(p->reach, 0);
	/* Reachable: this poll is a burst of 8, 2 s apart. */
	tx0 = sent(p);
	for (int i = 0; i < NTPD_BURST - 1; i++) {
		d = assoc_poll(p);
		cr_assert_float_eq(d, NTPD_BURST_GAP, 1e-9, "packet %d of the burst: %.1f", i, d);
		exchange(&f, p, NULL);
	}
	d = assoc_poll(p);
	cr_assert_gt(d, 10.0, "after the burst: the poll interval (%.1f)", d);
	exchange(&f, p, NULL);
	cr_assert_eq(sent(p) - tx0, NTPD_BURST);
	cr_assert_eq(p->npolls, 2, "a burst counts as one poll");
	cr_assert_geq(p->cnt.accepted, 9);
	fx_fini(&f);
}

Test(options, iburst_sends_eight_while_unreachable)
{
	struct fx f;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	struct assoc *p;
	double d;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.has_iburst = a.iburst = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	p = find(f.c, "127.0.0.1");
	for (int burst = 0; burst < 2; burst++) {
		for (int i = 0; i < NTPD_BURST - 1; i++) {
			d = assoc_poll(p);
			cr_assert_float_eq(d, NTPD_BURST_GAP, 1e-9);
		}
		d = assoc_poll(p);
		cr_assert_gt(d, 10.0, "burst %d: %.2f unsync_poll %d poll %d", burst, d, p->unsync_poll, p->poll);
		cr_assert_eq(sent(p), (uint64_t)(burst + 1) * NTPD_BURST);
	}
	cr_assert_eq(p->npolls, 2);
	/* Answered: reachable, so the next poll is a single packet. */
	exchange(&f, p, NULL);
	d = assoc_poll(p);
	cr_assert_gt(d, 10.0);
	cr_assert_eq(sent(p), 2 * NTPD_BURST + 1);
	fx_fini(&f);
}

Test(options, preempt_demobilizes_a_useless_association)
{
	struct fx f;
	NtpAssociation a, b;
	NtpAssociation *list[2] = { &a, &b };
	struct assoc *good, *bad;
	NtpReply *r;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpSessionsRequest sr = NTP_SESSIONS_REQUEST__INIT;
	uint8_t buf[64];
	size_t len;
	bool seen = false;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	na_init(&f, &b, "127.0.0.8");   /* nobody there */
	b.has_preempt = b.preempt = true;
	cr_assert_eq(apply_c(&f, list, 2, NULL, 0, NULL), 0);
	good = find(f.c, "127.0.0.1");
	bad = find(f.c, "127.0.0.8");
	for (int i = 0; i < 8 && f.c->sys.peer != good; i++) {
		assoc_poll(good);
		exchange(&f, good, NULL);
	}
	cr_assert_eq(f.c->sys.peer, good, "synchronized to the good server");
	for (int i = 0; i < NTPD_PREEMPT_POLLS - 1; i++)
		cr_assert_gt(assoc_poll(bad), 0);
	cr_assert_not(bad->preempted);
	cr_assert_lt(assoc_poll(bad), 0, "preempted at the 8th useless poll");
	cr_assert(bad->preempted);
	/* Shown as such. */
	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &sr;
	len = ntp_request__pack(&req, buf);
	r = ctl_answer(f.c, buf, len);
	for (size_t i = 0; i < r->n_session; i++)
		if (!strcmp(r->session[i]->source, "127.0.0.8"))
			for (size_t k = 0; k < r->session[i]->n_status; k++)
				seen = seen || !strcmp(r->session[i]->status[k], "preempted");
	ctl_reply_free(r);
	cr_assert(seen);
	/* The good server is persistent: never preempted. */
	cr_assert_not(good->preempted);
	assoc_remobilize(bad);
	cr_assert_not(bad->preempted);
	cr_assert_gt(assoc_poll(bad), 0);
	fx_fini(&f);
}

/* Receive one datagram on S's socket: its source address. */
static uint32_t datagram_source(struct fx *f)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	uint8_t buf[256];
	int fd = f->s->socks[0]->fd;

	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Loopback delivers at once; the deadline only bounds a failure. */
	if (poll(&p, 1, 5000) == 1 &&
	    recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl) > 0)
		return from.sin_addr.s_addr;
	cr_assert_fail("no datagram");
	return 0;
}

Test(options, source_interface_per_association_wins_over_global)
{
	struct fx f;
	NtpAssociation a, b;
	NtpAssociation *list[2] = { &a, &b };
	struct assoc *p;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.source_interface = "LoopBack1";
	na_init(&f, &b, "127.0.0.3");
	cr_assert_eq(apply_c(&f, list, 2, NULL, 0, "LoopBack2"), 0);
	/* Drain what S may have queued. */
	for (uint8_t junk[64]; recv(f.s->socks[0]->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0;)
		;
	p = find(f.c, "127.0.0.1");
	cr_assert_eq(p->src_addr.v4.s_addr, ip("127.0.0.5"));
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.5"));
	assoc_poll(p);
	cr_assert_eq(datagram_source(&f), ip("127.0.0.5"));
	exchange(&f, p, NULL);
	cr_assert_eq(p->reach & 1, 1);
	/* The other one leaves from the global source interface. */
	p = find(f.c, "127.0.0.3");
	cr_assert_eq(p->src_addr.v4.s_addr, ip("127.0.0.6"));
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.6"));
	fx_fini(&f);
}

/* ---- domain names ---- */

struct names {
	const char *name;
	const char *addr;        /* NULL: fails */
	int calls;
};

static int fake_resolve(const char *name, struct naddr *addr, void *arg)
{
	struct names *n = arg;

	n->calls++;
	if (strcmp(name, n->name) != 0 || !n->addr)
		return -ENXIO;
	return naddr_parse(n->addr, addr);
}

struct wait {
	struct fx *f;
	const char *addr;
	double deadline;
	bool ok;
};

static void wait_cb(struct loop *loop, void *arg)
{
	struct wait *w = arg;

	w->ok = find(w->f->c, w->addr) != NULL;
	if (w->ok || ntpd_mono() > w->deadline) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 10000, wait_cb, w);
}

/* Run the loop until C has an association with addr (deadline s). */
static bool wait_assoc(struct fx *f, const char *addr, double deadline)
{
	struct wait w = { f, addr, ntpd_mono() + deadline, false };

	loop_timer_add(f->loop, 0, wait_cb, &w);
	loop_run(f->loop);
	return w.ok;
}

/* An instance's server (Ntp.vpn) while ifmgrd reports no kernel object for
 * the instance: reported, and never run on the public network. */
Test(options, vpn_instance_is_never_the_public_network)
{
	struct fx f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpVpn nv = NTP_VPN__INIT;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	NtpVpn *vl[1] = { &nv };
	char *errs[4];
	struct assoc *p;
	int n;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.vpn_instance = "blue";
	nv.name = "blue";
	nv.unicast_server = list;
	nv.n_unicast_server = 1;
	ntp.vpn = vl;
	ntp.n_vpn = 1;
	cfg.ntp = &ntp;
	n = ntpd_apply_config(f.c, &cfg, errs, 4);
	cr_assert_eq(n, 1);
	cr_assert(strstr(errs[0], "VPN instance blue has no kernel object"), "%s", errs[0]);
	free(errs[0]);
	cr_assert_null(find(f.c, "127.0.0.1"));
	p = ntpd_assoc_find_in(f.c, "blue", NADDR_V4P(ip("127.0.0.1")), 0);
	cr_assert_not_null(p);
	cr_assert_null(p->sock, "an instance's association sends from the public network");
	fx_fini(&f);
}

/* `ntp-service source-interface` on an interface bound to an instance is
 * the source of that instance's associations, not of the public ones. */
Test(options, source_interface_in_a_vpn_instance_is_not_used)
{
	struct fx f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	IfState is = IF_STATE__INIT;
	IfState *isl[1] = { &is };
	IfStates st = IF_STATES__INIT;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	char *errs[4];
	struct assoc *p;
	int n;

	fx_init(&f);
	is.name = "LoopBack2";
	is.primary_ipv4 = "127.0.0.5";
	is.vpn_instance = "blue";
	st.interface = isl;
	st.n_interface = 1;
	ntpd_apply_ifstates(f.c, &st);
	na_init(&f, &a, "127.0.0.1");
	ntp.source_interface = "LoopBack2";
	ntp.source_interface_vpn_instance = "blue";
	ntp.unicast_server = list;
	ntp.n_unicast_server = 1;
	cfg.ntp = &ntp;
	n = ntpd_apply_config(f.c, &cfg, errs, 4);
	for (int i = 0; i < n; i++)
		free(errs[i]);
	cr_assert_eq(n, 0);
	p = find(f.c, "127.0.0.1");
	cr_assert_not_null(p);
	cr_assert_eq(p->src_addr.family, AF_UNSPEC, "the public server uses the instance's source");
	fx_fini(&f);
}

Test(options, domain_name_resolved_without_blocking)
{
	struct fx f;
	struct names nm = { "ntp1.test", "127.0.0.1", 0 };
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	struct assoc *p;

	fx_init(&f);
	ntpd_set_resolver(f.c, fake_resolve, &nm);
	na_init(&f, &a, "ntp1.test");
	a.has_domain = a.domain = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	cr_assert_eq(f.c->n_assocs, 0, "nothing until the name is resolved");
	cr_assert_eq(nm.calls, 0, "the resolver is never called from the apply itself");
	cr_assert(wait_assoc(&f, "127.0.0.1", 3.0));
	p = find(f.c, "127.0.0.1");
	cr_assert_str_eq(p->opts.host, "ntp1.test");
	/* The same configuration again keeps the association. */
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	cr_assert_eq(find(f.c, "127.0.0.1"), p);
	cr_assert_eq(nm.calls, 1);
	fx_fini(&f);
}

Test(options, domain_name_failure_retried_and_re_resolved, .timeout = 60)
{
	struct fx f;
	struct names nm = { "ntp2.test", NULL, 0 };
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	struct assoc *p;
	bool found = false;

	fx_init(&f);
	ntpd_set_resolver(f.c, fake_resolve, &nm);
	na_init(&f, &a, "ntp2.test");
	a.has_domain = a.domain = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	cr_assert_not(wait_assoc(&f, "127.0.0.1", 0.5));
	cr_assert_eq(nm.calls, 1);
	for (int i = 0; i < f.c->n_op_errs; i++)
		found = found || strstr(f.c->op_errs[i], "cannot resolve") != NULL;
	cr_assert(found, "the failure is an operational error");
	/* The name starts to resolve: the retry (2 s) picks it up. */
	nm.addr = "127.0.0.1";
	cr_assert(wait_assoc(&f, "127.0.0.1", 5.0));
	cr_assert_eq(nm.calls, 2);
	/* The server stops answering and the name moves: re-resolved after
	 * NTPD_UNREACH unanswered polls, the association follows. */
	nm.addr = "127.0.0.4";
	cr_assert_not(wait_assoc(&f, "127.0.0.4", NTPD_RESOLVE_MIN_S + 0.1));
	p = find(f.c, "127.0.0.1");
	for (int i = 0; i < 3 * NTPD_UNREACH && nm.calls < 3; i++)
		assoc_poll(p);
	cr_assert_geq(p->unreach, NTPD_UNREACH);
	cr_assert(wait_assoc(&f, "127.0.0.4", 3.0));
	cr_assert_null(find(f.c, "127.0.0.1"));
	cr_assert_eq(nm.calls, 3);
	fx_fini(&f);
}

Test(options, domain_name_with_the_system_resolver)
{
	struct fx f;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };

	fx_init(&f);
	na_init(&f, &a, "localhost");
	a.has_domain = a.domain = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	cr_assert(wait_assoc(&f, "127.0.0.1", 5.0), "localhost resolved by getaddrinfo_a");
	/* Removing it mid-way or at the end never leaks or blocks. */
	na_init(&f, &a, "localhost.invalid");
	a.has_domain = a.domain = true;
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	cr_assert_null(find(f.c, "127.0.0.1"));
	fx_fini(&f);
}

Test(options, priority_is_first_choice_among_equals)
{
	struct ntp_candidate c[3];
	struct ntp_selection sel;

	memset(c, 0, sizeof(c));
	for (int i = 0; i < 3; i++) {
		c[i].stratum = 2;
		c[i].offset = 0.0001 * i;
		c[i].delay = 0.001;
		c[i].disp = 0.001;
		c[i].jitter = 0.0001;
	}
	c[2].priority = true;
	ntp_select(c, 3, -1, 1e-6, &sel);
	cr_assert_eq(sel.sys_peer, 2);
	/* It also takes over from a previous system peer without priority. */
	ntp_select(c, 3, 0, 1e-6, &sel);
	cr_assert_eq(sel.sys_peer, 2);
	/* Not across strata: a lower stratum still wins. */
	c[0].stratum = 1;
	ntp_select(c, 3, -1, 1e-6, &sel);
	cr_assert_eq(sel.sys_peer, 0);
	/* preferred beats priority. */
	c[0].stratum = 2;
	c[1].prefer = true;
	ntp_select(c, 3, -1, 1e-6, &sel);
	cr_assert_eq(sel.sys_peer, 1);
}

Test(options, packet_statistics)
{
	struct fx f;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	struct assoc *p;
	NtpPacketStats ps;
	NtpReply r = NTP_REPLY__INIT;
	uint8_t junk[10] = { 0 };
	uint8_t reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	bool dup_seen = false;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	p = find(f.c, "127.0.0.1");
	assoc_poll(p);
	exchange(&f, p, NULL);
	memset(&rx, 0, sizeof(rx));
	rx.buf = junk;
	rx.len = sizeof(junk);
	rx.src = naddr_v4(ip("127.0.0.9"));
	ntpd_input(f.c, &rx, reply, sizeof(reply));
	/* The same answer twice: the second is a duplicate. */
	assoc_poll(p);
	exchange(&f, p, NULL);
	{
		struct ntp_packet ans;
		uint8_t again[NTP_HEADER_LEN];

		/* Replay S's last answer to C. */
		memset(&ans, 0, sizeof(ans));
		ans.version = 4;
		ans.mode = NTP_MODE_SERVER;
		ans.stratum = 2;
		ans.xmt = p->org;
		ntp_packet_encode(&ans, again, sizeof(again));
		memset(&rx, 0, sizeof(rx));
		rx.buf = again;
		rx.len = sizeof(again);
		rx.src = p->addr;
		rx.src_port = (uint16_t)f.bs_s.ntp.port;
		ntpd_input(f.c, &rx, reply, sizeof(reply));
	}
	ctl_fill_packet_stats(f.c, &ps);
	cr_assert_eq(ps.received, 4);
	cr_assert_eq(ps.dropped, 2);
	cr_assert_eq(ps.processed, 2);
	cr_assert_eq(ps.invalid, 1);
	cr_assert_eq(ps.validity_failures, 1);
	cr_assert_eq(ps.sent, 2);
	cr_assert_eq(ps.n_test, ASSOC_R__COUNT - 1);
	for (size_t i = 0; i < ps.n_test; i++)
		if (!strcmp(ps.test[i]->name, "duplicate"))
			dup_seen = ps.test[i]->count == 1;
	cr_assert(dup_seen);
	r.packet_stats = xmalloc(sizeof(ps));
	*r.packet_stats = ps;
	{
		NtpReply *heap = xmalloc(sizeof(*heap));

		*heap = r;
		ctl_reply_free(heap);
	}
	fx_fini(&f);
}

/* C's LoopBack1 as ifmgrd would publish it (LoopBack2 unchanged): primary
 * addr, oper state up, ifindex (0: its netdev is absent). */
static void set_lo1(struct ntpd *core, const char *addr, bool up, unsigned ifindex)
{
	IfStates st = IF_STATES__INIT;
	IfState l1 = IF_STATE__INIT, l2 = IF_STATE__INIT;
	IfState *list[2] = { &l1, &l2 };

	l1.name = "LoopBack1";
	l1.primary_ipv4 = (char *)addr;
	l1.has_oper_up = l1.has_ifindex = true;
	l1.oper_up = up;
	l1.ifindex = ifindex;
	l2.name = "LoopBack2";
	l2.primary_ipv4 = "127.0.0.6";
	st.n_interface = 2;
	st.interface = list;
	ntpd_apply_ifstates(core, &st);
}

/* The socket of C bound to addr, or NULL. */
static struct ntp_sock *sock_on(struct ntpd *core, const char *addr)
{
	for (int i = 0; i < core->n_socks; i++)
		if (core->socks[i]->addr.family == AF_INET &&
		    core->socks[i]->addr.v4.s_addr == ip(addr))
			return core->socks[i];
	return NULL;
}

/* source-interface follows the interface: a new primary address moves the
 * association's socket in the same reconciliation (the old one is closed);
 * down or absent, it sends nothing, says why (its own reason, fit's and
 * the system's unsynchronized reason) and never falls back to the
 * wildcard; back up, it polls within 0.5 s with no configuration change. */
Test(options, source_interface_follows_address_and_state)
{
	struct fx f;
	NtpAssociation a;
	NtpAssociation *list[1] = { &a };
	const char *why = NULL;
	struct assoc *p;
	uint64_t before;

	fx_init(&f);
	na_init(&f, &a, "127.0.0.1");
	a.source_interface = "LoopBack1";
	set_lo1(f.c, "127.0.0.5", true, 7);
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, NULL), 0);
	p = find(f.c, "127.0.0.1");
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.5"));

	/* A new primary address: the socket moves at once. */
	set_lo1(f.c, "127.0.0.7", true, 7);
	cr_assert_eq(find(f.c, "127.0.0.1"), p, "the association was recreated");
	cr_assert_not_null(p->sock);
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.7"));
	cr_assert_null(sock_on(f.c, "127.0.0.5"), "the old socket is still open");
	for (uint8_t junk[64]; recv(f.s->socks[0]->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0;)
		;
	assoc_poll(p);
	cr_assert_eq(datagram_source(&f), ip("127.0.0.7"));
	exchange(&f, p, NULL);
	cr_assert_eq(p->reach & 1, 1);

	/* Down: nothing is sent, and every display says why. */
	set_lo1(f.c, "127.0.0.7", false, 7);
	cr_assert_null(p->sock);
	cr_assert_str_eq(p->down, "source-interface LoopBack1 is down");
	cr_assert_not(assoc_fit(p, ntpd_mono(), &why));
	cr_assert_str_eq(why, "source-interface LoopBack1 is down");
	cr_assert_not(f.c->sys.synced);
	cr_assert(strstr(f.c->sys.unsync_reason, "127.0.0.1 source-interface LoopBack1 is down"),
		  "unsynchronized reason: %s", f.c->sys.unsync_reason);
	before = sent(p);
	assoc_poll(p);
	cr_assert_eq(sent(p), before, "sent while its interface is down");
	cr_assert_null(sock_on(f.c, "127.0.0.7"));

	/* Its netdev gone: said so. */
	set_lo1(f.c, "", false, 0);
	cr_assert_str_eq(p->down, "source-interface LoopBack1 is down (its netdev is absent)");
	/* Up without an address yet. */
	set_lo1(f.c, "", true, 9);
	cr_assert_str_eq(p->down, "source-interface LoopBack1 has no IPv4 address");
	cr_assert_null(p->sock, "no address: it must not fall back to the wildcard");

	/* Back: the same association polls again within 0.5 s. */
	set_lo1(f.c, "127.0.0.7", true, 9);
	cr_assert_eq(find(f.c, "127.0.0.1"), p);
	cr_assert_str_eq(p->down, "");
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.7"));
	cr_assert_leq(p->next_poll - ntpd_mono(), 0.5);
	fx_fini(&f);
}

/* The global `ntp-service source-interface` is followed the same way. */
Test(options, global_source_interface_down_is_said)
{
	struct fx f;
	NtpAssociation b;
	NtpAssociation *list[1] = { &b };
	struct assoc *p;

	fx_init(&f);
	na_init(&f, &b, "127.0.0.3");
	set_lo1(f.c, "127.0.0.5", false, 7);
	cr_assert_eq(apply_c(&f, list, 1, NULL, 0, "LoopBack1"), 0);
	p = find(f.c, "127.0.0.3");
	cr_assert_null(p->sock);
	cr_assert_str_eq(p->down, "source-interface LoopBack1 is down");
	set_lo1(f.c, "127.0.0.5", true, 7);
	cr_assert_str_eq(p->down, "");
	cr_assert_eq(p->sock->addr.v4.s_addr, ip("127.0.0.5"));
	fx_fini(&f);
}
