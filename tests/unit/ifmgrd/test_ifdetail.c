/*
 * test_ifdetail.c: ifmgrd's interface details (ifdetail.c, the detail
 * request of ctl.c): MTU, MAC, last change and the kernel's counters.
 *
 * The counters test runs in a private network namespace (root; skipped
 * otherwise), where nothing but the test sends on "lo", so a datagram to
 * 127.0.0.1 moves lo's counters by exactly one packet each way.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <zmq.h>

#include "bus.h"
#include "ifmgrd.h"
#include "ifmgrd_rig.h"
#include "loop.h"
#include "netns.h"
#include "testutil.h"

static const char *const names[] = { "LoopBack0", "GigabitEthernet0/1/0" };
static const char *const netdevs[] = { "lo", "nosuchnetdev0" };

static void setup(struct im_fixture *f)
{
	im_fixture_start(f, names, netdevs, 2);
}

static void teardown(struct im_fixture *f)
{
	im_fixture_stop(f);
}

static void ask(struct im_fixture *f, const char *name, struct ifmgrd_ctl_reply *out)
{
	IfRequest req = IF_REQUEST__INIT;
	IfDetailRequest dr = IF_DETAIL_REQUEST__INIT;
	size_t len;
	uint8_t *buf;

	dr.name = (char *)name;
	req.req_case = IF_REQUEST__REQ_DETAIL;
	req.detail = &dr;
	buf = bus_pack(&req.base, &len);
	ifmgrd_ctl_answer(f->im, buf, len, out);
	free(buf);
}

Test(ifdetail, all_and_one)
{
	struct im_fixture f;
	struct ifmgrd_ctl_reply out;
	const IfDetail *lo, *ge;
	int64_t now = (int64_t)time(NULL);

	setup(&f);
	ask(&f, NULL, &out);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_not_null(out.reply.details);
	cr_assert_eq(out.reply.details->n_interface, 2);
	lo = out.reply.details->interface[0];
	ge = out.reply.details->interface[1];
	cr_assert_str_eq(lo->state->name, "LoopBack0");
	cr_assert_neq(lo->state->ifindex, 0);
	cr_assert_gt(lo->mtu, 0, "lo has an MTU");
	cr_assert(lo->has_loopback && lo->loopback, "lo is IFF_LOOPBACK");
	cr_assert_not_null(lo->counters, "the kernel counts lo's packets");
	cr_assert(lo->has_last_change);
	cr_assert_geq(lo->last_change, now - 5);
	cr_assert_leq(lo->last_change, now + 5);
	/* A netdev that does not exist: its state, nothing from the kernel. */
	cr_assert_str_eq(ge->state->name, "GigabitEthernet0/1/0");
	cr_assert_eq(ge->state->ifindex, 0);
	cr_assert_eq(ge->mtu, 0);
	cr_assert_null(ge->counters);
	cr_assert_eq(ge->mac.len, 0);
	ifmgrd_ctl_clear(&out);

	ask(&f, "loopback0", &out);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_eq(out.reply.details->n_interface, 1);
	cr_assert_str_eq(out.reply.details->interface[0]->state->name, "LoopBack0");
	ifmgrd_ctl_clear(&out);

	ask(&f, "Vlanif10", &out);
	cr_assert_eq(out.reply.status, -ENOENT);
	cr_assert_str_eq(out.reply.error, "no interface named Vlanif10");
	cr_assert_null(out.reply.details);
	ifmgrd_ctl_clear(&out);
	teardown(&f);
}

static void send_udp_loopback(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	static const char payload[100];

	cr_assert_geq(fd, 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)),
		     (ssize_t)sizeof(payload));
	close(fd);
}

Test(ifdetail, counters_move_with_traffic)
{
	struct im_fixture f;
	struct ifmgrd_ctl_reply out;
	IfCounters before;

	nl_enter_namespace();
	nl_set_up("lo");
	setup(&f);
	ask(&f, "LoopBack0", &out);
	cr_assert_not_null(out.reply.details->interface[0]->counters);
	before = *out.reply.details->interface[0]->counters;
	ifmgrd_ctl_clear(&out);

	/* One datagram to a closed port: the datagram and the ICMP port
	 * unreachable it draws, each sent and received once on lo. */
	send_udp_loopback();
	ask(&f, "LoopBack0", &out);
	{
		const IfCounters *c = out.reply.details->interface[0]->counters;

		cr_assert_eq(c->tx_packets, before.tx_packets + 2, "tx %llu -> %llu",
			     (unsigned long long)before.tx_packets,
			     (unsigned long long)c->tx_packets);
		cr_assert_eq(c->rx_packets, before.rx_packets + 2);
		cr_assert_gt(c->rx_bytes, before.rx_bytes + 100);
		cr_assert_eq(c->rx_errors, 0);
	}
	ifmgrd_ctl_clear(&out);
	teardown(&f);
}

Test(ifdetail, veth_mac_and_mtu)
{
	struct im_fixture f;
	struct ifmgrd_ctl_reply out;
	char err[1024];
	static const char *const n2[] = { "GigabitEthernet0/1/0" };
	static const char *const d2[] = { "vt0" };

	nl_enter_namespace();
	nl_new_veth("vt0");
	test_bootstrap(&f.bs, n2, d2, 1);
	f.loop = loop_new();
	f.zctx = zmq_ctx_new();
	f.im = ifmgrd_new(f.loop, f.zctx, &f.bs, err, sizeof(err));
	cr_assert_not_null(f.im, "ifmgrd_new: %s", err);
	ask(&f, NULL, &out);
	cr_assert(out.reply.details->interface[0]->has_last_change);
	cr_assert_eq(out.reply.details->interface[0]->mac.len, 6, "a veth has a MAC");
	cr_assert_eq(out.reply.details->interface[0]->mtu, 1500);
	cr_assert(!out.reply.details->interface[0]->loopback);
	ifmgrd_ctl_clear(&out);
	teardown(&f);
}
