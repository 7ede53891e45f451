/*
 * test_probe.c: ifmgrd's ping and tracert engine (probe.c) on its own
 * loop, inside a private network namespace (root; skipped otherwise), so
 * every probe stays on the namespace's own netdevs:
 *  - echo replies from 127.0.0.1, over the raw socket (the namespace's
 *    ping_group_range admits nobody) and over the unprivileged datagram
 *    socket (the range widened in this namespace only);
 *  - an address on a dummy netdev's subnet that nobody answers: every
 *    probe times out; an address with no route ends the same way;
 *  - tracert to 127.0.0.1 reaches it at hop 1 (port unreachable);
 *  - a stop, two pings at once, a poll held until its hold time, and
 *    the ctl requests that carry them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <zmq.h>

#include "bus.h"
#include "ifmgrd.h"
#include "ifmgrd_rig.h"
#include "loop.h"
#include "netns.h"
#include "probe.h"
#include "testutil.h"

/* Everything a probe said, gathered by polling as clid does. */
struct run {
	struct probe_engine *pe;
	uint64_t id;
	ProbeEvent ev[64];
	char from[64][64];
	size_t n;
	bool done;
	ProbeStatus last;   /* counts of the last status */
};

static bool gather(void *arg)
{
	struct run *r = arg;
	ProbeStatus st;

	if (r->done)
		return true;   /* the probe is forgotten now */
	if (!probe_ready(r->pe, r->id, (uint32_t)r->n))
		return false;
	cr_assert_eq(probe_status(r->pe, r->id, (uint32_t)r->n, &st), 0);
	for (size_t i = 0; i < st.n_event && r->n < 64; i++, r->n++) {
		r->ev[r->n] = *st.event[i];
		snprintf(r->from[r->n], sizeof(r->from[0]), "%s",
			 st.event[i]->from ? st.event[i]->from : "");
		r->ev[r->n].from = r->from[r->n];
		r->ev[r->n].unreachable = NULL;
	}
	r->done = st.done;
	r->last = st;
	r->last.event = NULL;
	r->last.n_event = 0;
	r->last.address = NULL;
	probe_status_clear(&st);
	return r->done;
}

static void start(struct run *r, struct probe_engine *pe, ProbeStart *ps)
{
	char err[160] = "";

	memset(r, 0, sizeof(*r));
	r->pe = pe;
	cr_assert_eq(probe_start(pe, ps, NULL, &r->id, err, sizeof(err)), 0, "%s", err);
}

static void lo_up(void)
{
	nl_enter_namespace();
	nl_set_up("lo");
}

Test(probe, ping_loopback_raw)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "127.0.0.1";
	ps.has_count = true;
	ps.count = 3;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000), "no end after 5 s");
	cr_assert_eq(r.n, 3);
	for (size_t i = 0; i < 3; i++) {
		cr_assert(!r.ev[i].timeout);
		cr_assert_eq(r.ev[i].seq, i + 1);
		cr_assert_eq(r.ev[i].bytes, 56);
		cr_assert_eq(r.ev[i].ttl, 64);
		cr_assert_str_eq(r.ev[i].from, "127.0.0.1");
	}
	cr_assert_eq(r.last.sent, 3);
	cr_assert_eq(r.last.received, 3);
	cr_assert_leq(r.last.rtt_min_us, r.last.rtt_max_us);
	cr_assert_eq(probe_count(pe), 0, "an ended probe whose events were read is forgotten");
	probe_engine_free(pe);
	loop_free(loop);
}

Test(probe, ping_loopback_datagram_socket_and_size)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	write_file("/proc/sys/net/ipv4/ping_group_range", "0 2147483647\n");
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "127.0.0.1";
	ps.has_count = ps.has_size = true;
	ps.count = 2;
	ps.size = 1000;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[0].bytes, 1000);
	cr_assert_eq(r.ev[1].seq, 2);
	cr_assert_eq(r.last.received, 2);
	probe_engine_free(pe);
	loop_free(loop);
}

Test(probe, ping_ipv6_loopback)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "::1";
	ps.has_count = true;
	ps.count = 2;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 2);
	cr_assert(!r.ev[0].timeout && !r.ev[1].timeout);
	cr_assert_str_eq(r.from[0], "::1");
	cr_assert_eq(r.ev[1].seq, 2);
	cr_assert_eq(r.ev[0].bytes, 56);
	cr_assert_eq(r.ev[0].ttl, 64, "the hop limit");
	cr_assert_eq(r.last.received, 2);
	probe_engine_free(pe);
	loop_free(loop);
}

/* A dummy netdev (or a veth whose peer stays down, where the kernel has
 * no dummy) with 10.9.9.1/24: 10.9.9.2 is on the link and never answers. */
static void silent_subnet(void)
{
	char buf[1024];
	struct nlmsghdr *nlh;
	struct in_addr a;

	if (nl_new_dummy("dm0") < 0)
		nl_new_veth("dm0");
	nl_set_up("dm0");
	nlh = nl_addr_msg(buf, RTM_NEWADDR, AF_INET, 24, if_nametoindex("dm0"), NULL);
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	inet_pton(AF_INET, "10.9.9.1", &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	cr_assert_eq(nl_request(nlh), 0);
}

Test(probe, no_answer_and_no_route_time_out)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	silent_subnet();
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "10.9.9.2";
	ps.has_count = ps.has_timeout_ms = true;
	ps.count = 2;
	ps.timeout_ms = 200;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 2);
	cr_assert(r.ev[0].timeout && r.ev[1].timeout);
	cr_assert_eq(r.last.sent, 2);
	cr_assert_eq(r.last.received, 0);

	ps.host = "192.0.2.7";   /* no route in this namespace */
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 2);
	cr_assert(r.ev[0].timeout && r.ev[1].timeout);
	cr_assert_eq(r.last.received, 0);
	probe_engine_free(pe);
	loop_free(loop);
}

Test(probe, tracert_loopback_reached_at_hop_one)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "127.0.0.1";
	ps.has_tracert = true;
	ps.tracert = true;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 3, "one hop of three probes");
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(r.ev[i].seq, 1);
		cr_assert_eq(r.ev[i].probe, i);
		cr_assert(!r.ev[i].timeout);
		cr_assert_str_eq(r.ev[i].from, "127.0.0.1");
	}
	cr_assert(r.last.reached);
	probe_engine_free(pe);
	loop_free(loop);
}

Test(probe, tracert_silent_hops_are_stars)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	struct run r;

	lo_up();
	silent_subnet();
	loop = loop_new();
	pe = probe_engine_new(loop);
	ps.host = "10.9.9.2";
	ps.has_tracert = ps.has_max_ttl = ps.has_probes = ps.has_timeout_ms = true;
	ps.tracert = true;
	ps.max_ttl = 2;
	ps.probes = 2;
	ps.timeout_ms = 100;
	start(&r, pe, &ps);
	cr_assert(run_until(loop, gather, &r, 5000));
	cr_assert_eq(r.n, 4, "two hops of two probes, then -m ends it");
	cr_assert(r.ev[0].timeout && r.ev[3].timeout);
	cr_assert_eq(r.ev[3].seq, 2);
	cr_assert(!r.last.reached);
	probe_engine_free(pe);
	loop_free(loop);
}

static bool woken;
static void on_wake(void *arg)
{
	woken = true;
}

static bool is_woken(void *arg)
{
	return woken;
}

Test(probe, stop_hold_and_two_at_once)
{
	struct loop *loop;
	struct probe_engine *pe;
	ProbeStart ps = PROBE_START__INIT;
	ProbeStatus st;
	struct run a, b;
	uint64_t t0;

	lo_up();
	silent_subnet();
	loop = loop_new();
	pe = probe_engine_new(loop);

	/* A poll with nothing to show is woken after its hold time. */
	ps.host = "10.9.9.2";
	ps.has_count = true;
	ps.count = 100;
	start(&a, pe, &ps);
	cr_assert(!probe_ready(pe, a.id, 0));
	woken = false;
	t0 = loop_now_us();
	cr_assert_eq(probe_wait(pe, a.id, 0, 150, on_wake, NULL), 0);
	cr_assert(run_until(loop, is_woken, NULL, 2000));
	cr_assert_geq(loop_now_us() - t0, 140000);
	/* Ctrl-C: the counts of what was sent, and the probe is gone. */
	cr_assert_eq(probe_stop(pe, a.id, &st), 0);
	cr_assert_eq(st.sent, 1);
	cr_assert_eq(st.received, 0);
	cr_assert(st.done);
	probe_status_clear(&st);
	cr_assert_eq(probe_count(pe), 0);
	cr_assert_eq(probe_stop(pe, a.id, &st), -ENOENT);
	probe_status_clear(&st);

	/* Two pings at once on raw sockets: each sees its own replies only. */
	ps.host = "127.0.0.1";
	ps.count = 3;
	start(&a, pe, &ps);
	start(&b, pe, &ps);
	cr_assert_eq(probe_count(pe), 2);
	cr_assert(run_until(loop, gather, &a, 5000));
	cr_assert(run_until(loop, gather, &b, 5000));
	cr_assert_eq(a.last.received, 3);
	cr_assert_eq(b.last.received, 3);
	cr_assert_eq(a.n, 3);
	cr_assert_eq(b.n, 3);
	probe_engine_free(pe);
	loop_free(loop);
}

Test(probe, bad_starts)
{
	struct loop *loop = loop_new();
	struct probe_engine *pe = probe_engine_new(loop);
	ProbeStart ps = PROBE_START__INIT;
	char err[160];
	uint64_t id;

	ps.host = "no.such.host";
	cr_assert_eq(probe_start(pe, &ps, NULL, &id, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "Unknown host no.such.host.");
	ps.host = "127.0.0.1";
	ps.source = "2001:db8::1";
	cr_assert_eq(probe_start(pe, &ps, NULL, &id, err, sizeof(err)), -EADDRNOTAVAIL);
	cr_assert_eq(probe_count(pe), 0);
	probe_engine_free(pe);
	loop_free(loop);
}

/* The ctl requests: start, poll (answered at once when called directly),
 * stop. */
Test(probe, over_ctl)
{
	static const char *const names[] = { "LoopBack0" };
	static const char *const netdevs[] = { "lo" };
	struct bootstrap bs;
	struct loop *loop;
	void *zctx;
	struct ifmgrd *im;
	IfRequest req = IF_REQUEST__INIT;
	ProbeStart ps = PROBE_START__INIT;
	ProbePoll pp = PROBE_POLL__INIT;
	ProbeStop sp = PROBE_STOP__INIT;
	struct ifmgrd_ctl_reply out;
	uint8_t *buf;
	size_t len;
	uint64_t id;
	char err[1024];

	lo_up();
	test_bootstrap(&bs, names, netdevs, 1);
	loop = loop_new();
	zctx = zmq_ctx_new();
	im = ifmgrd_new(loop, zctx, &bs, err, sizeof(err));
	cr_assert_not_null(im, "ifmgrd_new: %s", err);
	ps.host = "127.0.0.1";
	ps.interface = "loopback0";
	req.req_case = IF_REQUEST__REQ_PROBE_START;
	req.probe_start = &ps;
	buf = bus_pack(&req.base, &len);
	ifmgrd_ctl_answer(im, buf, len, &out);
	free(buf);
	cr_assert_eq(out.reply.status, 0, "%s", out.reply.error);
	cr_assert_not_null(out.reply.probe);
	id = out.reply.probe->id;
	ifmgrd_ctl_clear(&out);

	run_until(loop, NULL, NULL, 50);
	pp.id = id;
	req.req_case = IF_REQUEST__REQ_PROBE_POLL;
	req.probe_poll = &pp;
	buf = bus_pack(&req.base, &len);
	ifmgrd_ctl_answer(im, buf, len, &out);
	free(buf);
	cr_assert(!out.deferred);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_eq(out.reply.probe->n_event, 1, "the first reply is in");
	cr_assert_str_eq(out.reply.probe->address, "127.0.0.1");
	ifmgrd_ctl_clear(&out);

	sp.id = id;
	req.req_case = IF_REQUEST__REQ_PROBE_STOP;
	req.probe_stop = &sp;
	buf = bus_pack(&req.base, &len);
	ifmgrd_ctl_answer(im, buf, len, &out);
	free(buf);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_geq(out.reply.probe->sent, 1);
	ifmgrd_ctl_clear(&out);

	ps.interface = "Vlanif9";
	req.req_case = IF_REQUEST__REQ_PROBE_START;
	req.probe_start = &ps;   /* the oneof's members share their storage */
	buf = bus_pack(&req.base, &len);
	ifmgrd_ctl_answer(im, buf, len, &out);
	free(buf);
	cr_assert_eq(out.reply.status, -ENOENT);
	ifmgrd_ctl_clear(&out);

	ifmgrd_free(im);
	zmq_ctx_term(zctx);
	loop_free(loop);
	test_bootstrap_free(&bs);
}
