/*
 * test_hotplug.c: an interface whose netdev comes and goes, against a real
 * kernel in a private network namespace (needs root; CI runs as root).
 *
 * GigabitEthernet0/1/0 is configured (undo shutdown, an address, a sub
 * address, mtu) before its veth exists: it is published down, with no
 * ifindex, and the reconcile error and `display interface`'s down reason
 * name the missing netdev.  The veth is created: everything is programmed
 * (down for want of a carrier, said so, until its peer is up).  It is deleted: published down again.
 * It is created anew (a new ifindex): programmed again, with no change of
 * configuration.
 *
 * And a flood of kernel events that overflows ifmgrd's event socket
 * (ENOBUFS): it takes a fresh dump and its picture is the kernel's again,
 * the foreign addresses removed and its own put back.
 */
#include <criterion/criterion.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "ifmgrd.h"
#include "ifmgrd_int.h"
#include "netlink.h"
#include "ifmgrd_rig.h"
#include "log.h"
#include "netns.h"
#include "testutil.h"

static bool has_addr(const char *dev, const char *ip)
{
	struct ifaddrs *ifa, *p;
	bool has = false;

	cr_assert_eq(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next) {
		struct sockaddr_in *sin = (struct sockaddr_in *)p->ifa_addr;
		char buf[INET_ADDRSTRLEN];

		if (!sin || sin->sin_family != AF_INET || strcmp(p->ifa_name, dev) != 0)
			continue;
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		has |= strcmp(buf, ip) == 0;
	}
	freeifaddrs(ifa);
	return has;
}

static int kernel_mtu(const char *dev)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	cr_assert_geq(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	r = ioctl(fd, SIOCGIFMTU, &ifr);
	close(fd);
	return r < 0 ? -1 : ifr.ifr_mtu;
}

struct state {
	struct test_sub *ts;
	bool present;
	int ifindex_not;        /* programmed on a netdev with another ifindex */
};

static bool reached(void *arg)
{
	const struct state *w = arg;
	const IfState *st = test_sub_find(w->ts, "GigabitEthernet0/1/0");

	if (!st)
		return false;
	if (!w->present)
		return st->ifindex == 0 && !st->oper_up && if_nametoindex("hp0") == 0;
	return st->ifindex != 0 && (int)st->ifindex != w->ifindex_not &&
	       (int)st->ifindex == (int)if_nametoindex("hp0") && st->admin_up &&
	       strcmp(st->primary_ipv4, "10.0.1.1") == 0 && has_addr("hp0", "10.0.1.1") &&
	       has_addr("hp0", "10.0.2.1") && kernel_mtu("hp0") == 1400 &&
	       (nl_kernel_flags("hp0") & IFF_UP);
}

/* display interface's reason for hp0's DOWN, asked as clid asks (NULL:
 * none). */
static void expect_reason(struct ifmgrd *im, const char *want)
{
	IfDetails *ds = ifmgrd_details(im, "GigabitEthernet0/1/0");
	const char *got;

	cr_assert(ds && ds->n_interface == 1);
	got = ds->interface[0]->down_reason;
	if (want)
		cr_assert(got && strcmp(got, want) == 0, "down reason \"%s\", not \"%s\"",
			  got ? got : "(none)", want);
	else
		cr_assert(!got || !got[0], "a down reason while up: %s", got);
	ifmgrd_details_free(ds);
}

static bool carrier(void *arg)
{
	const IfState *st = test_sub_find(arg, "GigabitEthernet0/1/0");

	return st && st->oper_up;
}

static bool no_carrier(void *arg)
{
	const IfState *st = test_sub_find(arg, "GigabitEthernet0/1/0");

	return st && st->ifindex && !st->oper_up;
}

static Config *config(void)
{
	Config *c = xmalloc(sizeof(*c));
	Interface *itf = xmalloc(sizeof(*itf));
	Ipv4Address *p = xmalloc(sizeof(*p)), *s = xmalloc(sizeof(*s));

	config__init(c);
	interface__init(itf);
	ipv4_address__init(p);
	ipv4_address__init(s);
	itf->name = xstrdup("GigabitEthernet0/1/0");
	itf->has_shutdown = true;
	itf->shutdown = false;
	itf->has_mtu = true;
	itf->mtu = 1400;
	p->address = xstrdup("10.0.1.1");
	p->prefix_len = 24;
	s->address = xstrdup("10.0.2.1");
	s->prefix_len = 24;
	itf->address = p;
	itf->sub_address = xmalloc(sizeof(*itf->sub_address));
	itf->sub_address[0] = s;
	itf->n_sub_address = 1;
	c->interface = xmalloc(sizeof(*c->interface));
	c->interface[0] = itf;
	c->n_interface = 1;
	return c;
}

Test(hotplug, netdev_comes_goes_and_comes_back)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "hp0" };
	struct nl_rig r;
	Config *cfg = config();
	char *errs[4];
	int n, first;

	nl_enter_namespace();
	log_init("test_hotplug", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 1);

	/* Configured before its netdev exists: down, and the error says why. */
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(errs[0], "GigabitEthernet0/1/0: netdev hp0 does not exist");
	free(errs[0]);
	struct state w = { &r.ts, false, -1 };
	cr_assert(run_until(r.loop, reached, &w, 5000), "not published down");
	expect_reason(r.im, "netdev hp0 does not exist");

	/* It appears: programmed at once; up without a carrier until the
	 * other end of the veth is up. */
	nl_new_veth("hp0");
	w.present = true;
	cr_assert(run_until(r.loop, reached, &w, 5000), "new netdev not programmed");
	first = (int)if_nametoindex("hp0");
	/* The kernel drops IFF_RUNNING when its link watch runs (up to 1 s). */
	cr_assert(run_until(r.loop, no_carrier, &r.ts, 5000), "a carrier without its peer");
	expect_reason(r.im, "netdev hp0 has no carrier");
	nl_set_up("hp0p");
	cr_assert(run_until(r.loop, carrier, &r.ts, 5000), "no carrier with its peer up");
	expect_reason(r.im, NULL);

	/* It goes: published down. */
	cr_assert_eq(nl_del_link("hp0"), 0);
	w.present = false;
	cr_assert(run_until(r.loop, reached, &w, 5000), "removed netdev still shown");

	/* It comes back, a new netdev: programmed again, nothing reconfigured. */
	nl_new_veth("hp0");
	w.present = true;
	w.ifindex_not = first;
	cr_assert(run_until(r.loop, reached, &w, 5000), "recreated netdev not programmed");

	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	nl_rig_stop(&r);
}

/* --- ENOBUFS ------------------------------------------------------------- */

struct clean {
	struct ifmgrd *im;
	struct test_sub *ts;
};

/* Only 10.0.1.1 and 10.0.2.1 on hp0, as published, after a resync. */
static bool clean(void *arg)
{
	const struct clean *c = arg;
	const IfState *st = test_sub_find(c->ts, "GigabitEthernet0/1/0");
	struct ifaddrs *ifa, *p;
	int n = 0;

	if (ifmgrd_resyncs(c->im) == 0 || !st || strcmp(st->primary_ipv4, "10.0.1.1") != 0 ||
	    st->n_sub_ipv4 != 1 || strcmp(st->sub_ipv4[0], "10.0.2.1/24") != 0)
		return false;
	cr_assert_eq(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && p->ifa_addr->sa_family == AF_INET &&
		    strcmp(p->ifa_name, "hp0") == 0)
			n++;
	freeifaddrs(ifa);
	return n == 2 && has_addr("hp0", "10.0.1.1") && has_addr("hp0", "10.0.2.1");
}

Test(hotplug, event_overflow_takes_a_fresh_dump, .timeout = 60)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "hp0" };
	struct nl_rig r;
	Config *cfg = config();
	struct rtnl *other;
	int small = 4096, ifindex;

	nl_enter_namespace();
	if (nl_new_dummy("hp0") != 0)
		nl_new_veth("hp0");
	log_init("test_hotplug", LOG_LVL_INFO);
	nl_rig_start(&r, names, netdevs, 1);
	ifmgrd_apply_config(r.im, cfg, NULL, 0);
	struct state w = { &r.ts, true, -1 };
	cr_assert(run_until(r.loop, reached, &w, 5000), "not programmed");
	cr_assert_eq(ifmgrd_resyncs(r.im), 0);

	/* A small buffer, and while ifmgrd does not read: its own primary
	 * removed and 2,000 foreign addresses added. */
	cr_assert_eq(setsockopt(r.im->nl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &small, sizeof(small)), 0);
	other = rtnl_open(NULL, NULL);
	cr_assert_not_null(other);
	ifindex = (int)if_nametoindex("hp0");
	{
		struct ifs_addr a = { .plen = 24 };

		inet_pton(AF_INET, "10.0.1.1", &a.local);
		a.peer = a.local;
		cr_assert_eq(rtnl_addr_del(other, ifindex, &a), 0);
	}
	for (int i = 0; i < 2000; i++) {
		struct ifs_addr a = { .plen = 32, .scope = RT_SCOPE_UNIVERSE };
		char ip[INET_ADDRSTRLEN];

		snprintf(ip, sizeof(ip), "10.9.%d.%d", i / 250, i % 250 + 1);
		inet_pton(AF_INET, ip, &a.local);
		a.peer = a.local;
		cr_assert_eq(rtnl_addr_add(other, ifindex, &a), 0, "%s", ip);
	}
	rtnl_close(other);

	struct clean c = { r.im, &r.ts };
	cr_assert(run_until(r.loop, clean, &c, 30000),
		  "no fresh dump, or a wrong picture after it (resyncs %llu)",
		  (unsigned long long)ifmgrd_resyncs(r.im));
	/* Thousands of real messages, none taken for a bad one. */
	struct rtnl_stats sk = ifmgrd_netlink_skipped(r.im);
	cr_assert_eq(sk.malformed + sk.unexpected + sk.truncated, 0,
		     "real kernel messages skipped: %llu malformed, %llu unexpected, %llu truncated",
		     (unsigned long long)sk.malformed, (unsigned long long)sk.unexpected,
		     (unsigned long long)sk.truncated);
	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	nl_rig_stop(&r);
}
