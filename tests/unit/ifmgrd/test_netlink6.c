/*
 * test_netlink6.c: ifmgrd programs IPv6 addresses into a real kernel, in a
 * private network namespace made by the test process (unshare), on a veth
 * pair whose peer is up, so duplicate address detection really runs.
 * Needs root (CI runs as root); skipped otherwise.
 *
 * The kernel is read independently of ifmgrd (/proc/net/if_inet6, with the
 * IFA_F_* flags), and IfState.ipv6 through a Clone subscriber, as ntpd sees
 * it.  While waiting, every IfState the subscriber receives is checked
 * against the kernel (within the 5 ms the wait polls at): an address is never
 * shown while tentative.  The same goes for the kernel's own link-local
 * address (IfState.ipv6_link_local).  Only a newly received IfState is
 * checked: one received earlier may lag the kernel by the bus's delivery
 * time (the test deletes an address, ifmgrd puts it back, so it is tentative
 * again, and publishes an IfState without it that has not arrived yet), and
 * that is the bus being asynchronous, not ifmgrd showing a tentative address.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>

#include "ifs_fixtures.h"
#include "netlink.h"
#include "ifmgrd_rig.h"
#include "netns.h"
#include "testutil.h"
#include "ifmgrd.h"
#include "log.h"
#include "loop.h"

#define GE "GigabitEthernet0/1/0"

/* Add an address as someone else would (`ip -6 addr add [nodad]`). */
static void kernel_add6(const char *dev, const char *ip, unsigned plen, bool nodad)
{
	char buf[512];
	struct nlmsghdr *nlh = nl_addr_msg(buf, RTM_NEWADDR, AF_INET6, plen, if_nametoindex(dev),
					   NULL);
	struct in6_addr a;

	cr_assert_eq(inet_pton(AF_INET6, ip, &a), 1);
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	if (nodad)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	cr_assert_eq(nl_request(nlh), 0, "cannot add %s/%u to %s", ip, plen, dev);
}

static void kernel_del6(const char *dev, const char *ip, unsigned plen)
{
	char buf[512];
	struct nlmsghdr *nlh = nl_addr_msg(buf, RTM_DELADDR, AF_INET6, plen, if_nametoindex(dev),
					   NULL);
	struct in6_addr a;

	cr_assert_eq(inet_pton(AF_INET6, ip, &a), 1);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	cr_assert_eq(nl_request(nlh), 0, "cannot delete %s/%u from %s", ip, plen, dev);
}

/* The kernel's flags of dev's address ip/plen (plen 0: any) (IFA_F_*), or -1
 * when absent. */
static long kernel_flags6(const char *dev, const char *ip, unsigned plen)
{
	unsigned flags;

	return nl_inet6_find(dev, ip, plen, NULL, &flags) == 0 ? (long)flags : -1;
}

/* --- what is waited for ------------------------------------------------ */

struct want6 {
	struct test_sub *ts;
	const char *dev;
	const char *ipv6[4];     /* IfState.ipv6 exactly, in order (NULL-ended) */
	unsigned plen[4];
	const char *absent[4];   /* not in the kernel at all (NULL-ended), /64 */
	bool published_tentative; /* set when the invariant broke */
	unsigned checked;        /* test_sub.updates when last checked */
};

/* True once per IfState the subscriber receives: time to check it. */
static bool newly_received(const struct test_sub *ts, unsigned *checked)
{
	if (*checked == ts->updates)
		return false;
	*checked = ts->updates;
	return true;
}

static bool published(void *arg)
{
	struct want6 *w = arg;
	const IfState *st = test_sub_find(w->ts, GE);
	size_t n = 0;

	if (!st)
		return false;
	/* The invariant: what is shown is out of DAD in the kernel. */
	if (newly_received(w->ts, &w->checked)) {
		for (size_t i = 0; i < st->n_ipv6; i++) {
			long f = kernel_flags6(w->dev, st->ipv6[i], 0);

			if (f >= 0 && (f & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
				w->published_tentative = true;
		}
	}
	while (n < 4 && w->ipv6[n])
		n++;
	if (st->n_ipv6 != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		long f = kernel_flags6(w->dev, w->ipv6[i], w->plen[i]);

		if (strcmp(st->ipv6[i], w->ipv6[i]) != 0)
			return false;
		if (f < 0 || (f & IFA_F_TENTATIVE) || !(f & IFA_F_PERMANENT))
			return false;
	}
	for (size_t i = 0; i < 4 && w->absent[i]; i++)
		if (kernel_flags6(w->dev, w->absent[i], 64) >= 0)
			return false;
	return true;
}

/* IfState.ipv6_link_local is the kernel's link-local address of dev; while
 * waiting, a newly received one must be out of DAD in the kernel. */
struct want_ll {
	struct test_sub *ts;
	const char *dev;
	bool published_tentative;
	unsigned checked;        /* test_sub.updates when last checked */
};

static bool ll_published(void *arg)
{
	struct want_ll *w = arg;
	const IfState *st = test_sub_find(w->ts, GE);
	bool fresh = newly_received(w->ts, &w->checked);
	struct in6_addr a;
	long f;

	if (!st || !st->ipv6_link_local || !st->ipv6_link_local[0])
		return false;
	f = kernel_flags6(w->dev, st->ipv6_link_local, 64);
	if (f < 0 || (f & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
		if (fresh)
			w->published_tentative = true;
		return false;
	}
	return inet_pton(AF_INET6, st->ipv6_link_local, &a) == 1 && IN6_IS_ADDR_LINKLOCAL(&a);
}

static bool dad_failed(void *arg)
{
	long f = kernel_flags6("mrd0", "2001:db8:7::7", 64);

	return f >= 0 && (f & IFA_F_DADFAILED);
}

/* --- configurations ---------------------------------------------------- */

/* Apply; the problems reported, joined by "|", into errs. */
static void apply(struct ifmgrd *im, bool enable, const char *const *addrs, size_t n,
		  char *errs, size_t len)
{
	Config *c = ifs_test_config_v6(GE, enable, addrs, NULL, n);
	char *e[8];
	int k = ifmgrd_apply_config(im, c, e, 8);

	if (errs)
		errs[0] = '\0';
	for (int i = 0; i < k; i++) {
		if (errs)
			snprintf(errs + strlen(errs), len - strlen(errs), "%s%s", i ? "|" : "", e[i]);
		free(e[i]);
	}
	protobuf_c_message_free_unpacked(&c->base, NULL);
}

/* Applying addrs again reports their DAD failure (the report is
 * level-triggered: every apply says it). */
struct want_dad {
	struct ifmgrd *im;
	const char *const *addrs;
	size_t n;
	char errs[512];
};

static bool dad_reported(void *arg)
{
	struct want_dad *w = arg;

	apply(w->im, true, w->addrs, w->n, w->errs, sizeof(w->errs));
	return strcmp(w->errs, GE ": duplicate address detected for 2001:db8:7::7/64 "
		      "(DAD failed)") == 0;
}

Test(netlink6, addresses_published_after_dad)
{
	static const char *const names[] = { GE };
	static const char *const netdevs[] = { "mrd0" };
	static const char *const two[] = { "2001:db8:2::1", "2001:db8:1::1" };
	static const char *const one[] = { "2001:db8:1::1" };
	static const char *const dup[] = { "2001:db8:1::1", "2001:db8:7::7" };
	struct nl_rig r;
	struct ifmgrd *im;
	struct loop *loop;
	char errs[512];

	nl_enter_namespace();
	if (access("/proc/sys/net/ipv6/conf/default/disable_ipv6", F_OK) != 0)
		cr_skip_test("no IPv6 in this kernel");
	/* A veth whose peer is up has a carrier, so DAD runs (a dummy is
	 * NOARP and skips it). */
	nl_new_veth("mrd0");
	nl_set_up("mrd0p");
	log_init("test_netlink6", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 1);
	im = r.im;
	loop = r.loop;

	/* Two addresses with `ipv6 enable` and `undo shutdown`: published once
	 * DAD has finished, in configuration order. */
	apply(im, true, two, 2, errs, sizeof(errs));
	cr_assert_str_eq(errs, "");
	/* The link comes up: the kernel's link-local address is published once
	 * its DAD has passed, never before. */
	struct want_ll wl = { &r.ts, "mrd0", false };
	cr_assert(run_until(loop, ll_published, &wl, 15000), "link-local address not published");
	cr_assert_not(wl.published_tentative, "the link-local address was published while tentative");
	struct want6 w = { &r.ts, "mrd0", { "2001:db8:2::1", "2001:db8:1::1" }, { 64, 64 } };
	cr_assert(run_until(loop, published, &w, 15000), "addresses not published after DAD");
	cr_assert_not(w.published_tentative, "an address was published while tentative");
	cr_assert_geq(kernel_flags6("mrd0", "2001:db8:1::1", 64), 0);

	/* Deleted behind ifmgrd's back: restored (DAD again).  A static address
	 * someone else added: removed.  The link-local address stays. */
	kernel_del6("mrd0", "2001:db8:2::1", 64);
	kernel_add6("mrd0", "2001:db8:9::9", 64, true);
	w.absent[0] = "2001:db8:9::9";
	cr_assert(run_until(loop, published, &w, 15000), "kernel changes not reconciled");
	cr_assert_not(w.published_tentative, "an address was published while tentative");

	/* One address removed from the configuration. */
	apply(im, true, one, 1, NULL, 0);
	struct want6 w1 = { &r.ts, "mrd0", { "2001:db8:1::1" }, { 64 }, { "2001:db8:2::1" } };
	cr_assert(run_until(loop, published, &w1, 15000), "removed address still there");

	/* An address the peer already owns: DAD fails, it is never shown and the
	 * failure is reported, not retried. */
	kernel_add6("mrd0p", "2001:db8:7::7", 64, true);
	apply(im, true, dup, 2, NULL, 0);
	cr_assert(run_until(loop, dad_failed, NULL, 15000), "DAD did not fail");
	/* ifmgrd learns it from the kernel's event, which may still be on its
	 * way when the kernel's flags already say so: wait for the report. */
	struct want_dad wd = { im, dup, 2, "" };
	cr_assert(run_until(loop, dad_reported, &wd, 5000), "DAD failure not reported: '%s'",
		  wd.errs);
	cr_assert(run_until(loop, published, &w1, 5000), "state after DAD failure");
	cr_assert_not(w1.published_tentative, "a DAD-failed address was published");

	/* `undo ipv6 address` and `undo ipv6 enable`: the static addresses go. */
	apply(im, false, NULL, 0, errs, sizeof(errs));
	struct want6 w0 = { &r.ts, "mrd0", { NULL }, { 0 },
			    { "2001:db8:1::1", "2001:db8:7::7" } };
	cr_assert(run_until(loop, published, &w0, 5000), "addresses not removed");
	cr_assert_str_eq(errs, "");

	nl_rig_stop(&r);
}

/* rtnl_parse on hand-built IPv6 messages: no kernel, no root. */
Test(netlink6, parse_defensively)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct rtnl_event ev;
	struct in6_addr a, p;

	nlh = nl_addr_msg(buf, RTM_NEWADDR, AF_INET6, 64, 4, &ifa);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_flags = IFA_F_TENTATIVE;
	inet_pton(AF_INET6, "2001:db8::1", &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	cr_assert_eq(rtnl_parse(nlh, &ev), 1);
	cr_assert_eq(ev.type, RTNL_NEWADDR);
	cr_assert_eq(ev.family, AF_INET6);
	cr_assert_eq(ev.ifindex, 4);
	cr_assert_eq(ev.addr6.plen, 64);
	cr_assert_eq(ev.addr6.flags, IFA_F_TENTATIVE);
	cr_assert_eq(memcmp(&ev.addr6.addr, &a, sizeof(a)), 0);

	/* IFA_FLAGS (32 bits) wins over ifa_flags; IFA_LOCAL over IFA_ADDRESS. */
	inet_pton(AF_INET6, "2001:db8::99", &p);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_DADFAILED);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(p), &p);
	cr_assert_eq(rtnl_parse(nlh, &ev), 1);
	cr_assert_eq(ev.addr6.flags, IFA_F_PERMANENT | IFA_F_DADFAILED);
	cr_assert_eq(memcmp(&ev.addr6.addr, &p, sizeof(p)), 0);

	/* A prefix length out of range. */
	ifa->ifa_prefixlen = 129;
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* An IPv4-sized address in an IPv6 message, and the reverse. */
	nlh = nl_addr_msg(buf, RTM_DELADDR, AF_INET6, 64, 4, NULL);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, 7);
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);
	nlh = nl_addr_msg(buf, RTM_DELADDR, AF_INET, 24, 4, &ifa);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* Other families are not reported. */
	ifa->ifa_family = AF_PACKET;
	cr_assert_eq(rtnl_parse(nlh, &ev), 0);
}
