/*
 * test_ifstate6.c: ifmgrd's pure IPv6 decisions (ifmgrd/ifstate.c): the
 * desired addresses from the configuration (only with `ipv6 enable`), the
 * plan (add the missing, delete unconfigured static global addresses, never
 * link-local or the kernel's own), DAD failures reported and not retried,
 * and IfState.ipv6 (usable only: not tentative nor DAD-failed; configured
 * first in configuration order), IfState.ipv6_link_local (the kernel's
 * link-local address once DAD passed, with or without `ipv6 enable`; a
 * failed DAD reported with `ipv6 enable`).  No kernel, no sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <criterion/criterion.h>

#include "ifs_fixtures.h"
#include "ifstate.h"
#include "log.h"

#define GE "GigabitEthernet0/1/0"

static struct ifs_addr6 mk6(const char *ip, unsigned plen, unsigned scope, uint32_t flags)
{
	struct ifs_addr6 a = { .plen = (uint8_t)plen, .scope = (uint8_t)scope, .flags = flags };

	cr_assert_eq(inet_pton(AF_INET6, ip, &a.addr), 1, "%s", ip);
	return a;
}

/* A static global address as the kernel reports it once DAD is done. */
static struct ifs_addr6 stat6(const char *ip, unsigned plen)
{
	return mk6(ip, plen, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT);
}

static struct ifs_desired desired(bool enable, const char *const *addrs, const unsigned *plens,
				  size_t n, int want_rc)
{
	Config *c = ifs_test_config_v6(GE, enable, addrs, plens, n);
	struct ifs_desired d;
	char err[256] = "";

	cr_assert_eq(ifs_desired_from_config(c, GE, &d, err, sizeof(err)), want_rc, "%s", err);
	protobuf_c_message_free_unpacked(&c->base, NULL);
	return d;
}

static bool action6_is(const struct ifs_action *a, enum ifs_action_kind k, const char *ip,
		       unsigned plen)
{
	struct ifs_addr6 x = mk6(ip, plen, 0, 0);

	return a->kind == k && a->addr6.plen == plen &&
	       memcmp(&a->addr6.addr, &x.addr, sizeof(x.addr)) == 0;
}

Test(ifstate6, desired_needs_ipv6_enable)
{
	static const char *const a[] = { "2001:db8::1", "2001:db8:1::1" };
	static const unsigned p[] = { 64, 48 };
	struct ifs_desired d = desired(true, a, p, 2, 0);

	cr_assert(d.ipv6_enable);
	cr_assert_eq(d.n_addr6, 2);
	cr_assert_eq(d.addr6[1].plen, 48);
	d = desired(false, a, p, 2, 0);
	cr_assert_not(d.ipv6_enable);
	cr_assert_eq(d.n_addr6, 0, "addresses programmed without ipv6 enable");
	d = desired(true, NULL, NULL, 0, 0);
	cr_assert(d.ipv6_enable);
	cr_assert_eq(d.n_addr6, 0);
}

Test(ifstate6, desired_skips_bad_entries)
{
	static const char *const a[] = { "2001:db8::1", "nonsense", "2001:db8::2" };
	static const unsigned p[] = { 64, 64, 200 };
	struct ifs_desired d = desired(true, a, p, 3, -EINVAL);

	cr_assert_eq(d.n_addr6, 1);
	cr_assert(d.admin_up, "the rest of the interface is still applied");
}

Test(ifstate6, plan_adds_missing_then_converges)
{
	static const char *const a[] = { "2001:db8::1", "2001:db8:1::1" };
	static const unsigned p[] = { 64, 48 };
	struct ifs_desired d = desired(true, a, p, 2, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_plan plan;
	struct ifs_addr6 ll = mk6("fe80::1", 64, RT_SCOPE_LINK, IFA_F_PERMANENT);

	ifs_obs_addr6_add(&o, &ll);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 2);
	cr_assert(action6_is(&plan.actions[0], IFS_ADD_ADDR6, "2001:db8::1", 64));
	cr_assert(action6_is(&plan.actions[1], IFS_ADD_ADDR6, "2001:db8:1::1", 48));

	/* Tentative while DAD runs: present, so nothing more to do. */
	struct ifs_addr6 t0 = mk6("2001:db8::1", 64, RT_SCOPE_UNIVERSE,
				  IFA_F_PERMANENT | IFA_F_TENTATIVE);
	struct ifs_addr6 t1 = mk6("2001:db8:1::1", 48, RT_SCOPE_UNIVERSE,
				  IFA_F_PERMANENT | IFA_F_TENTATIVE);
	ifs_obs_addr6_add(&o, &t0);
	ifs_obs_addr6_add(&o, &t1);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 0);
	cr_assert_str_eq(plan.err, "");
	ifs_obs_free(&o);
}

Test(ifstate6, plan_deletes_unconfigured_static_only)
{
	static const char *const a[] = { "2001:db8::1" };
	static const unsigned p[] = { 64 };
	struct ifs_desired d = desired(true, a, p, 1, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP);
	struct ifs_plan plan;
	struct ifs_addr6 v[] = {
		stat6("2001:db8::1", 64),                                    /* configured */
		stat6("2001:db8::1", 56) /* never: same key in the kernel */,
		stat6("2001:db8:9::9", 64),                                  /* stale static */
		mk6("2001:db8:5::5", 64, RT_SCOPE_UNIVERSE, 0),              /* SLAAC */
		mk6("fe80::1", 64, RT_SCOPE_LINK, IFA_F_PERMANENT),          /* link-local */
		mk6("::1", 128, RT_SCOPE_HOST, IFA_F_PERMANENT),             /* loopback */
	};

	ifs_obs_addr6_add(&o, &v[0]);
	for (size_t i = 2; i < sizeof(v) / sizeof(v[0]); i++)
		ifs_obs_addr6_add(&o, &v[i]);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 1);
	cr_assert(action6_is(&plan.actions[0], IFS_DEL_ADDR6, "2001:db8:9::9", 64));

	/* Another prefix length than configured: deleted, then added. */
	ifs_obs_free(&o);
	o = ifs_test_present(IFF_UP);
	ifs_obs_addr6_add(&o, &v[1]);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 2);
	cr_assert(action6_is(&plan.actions[0], IFS_DEL_ADDR6, "2001:db8::1", 56));
	cr_assert(action6_is(&plan.actions[1], IFS_ADD_ADDR6, "2001:db8::1", 64));

	/* Without ipv6 enable every static global address goes. */
	d = desired(false, a, p, 1, 0);
	ifs_obs_free(&o);
	o = ifs_test_present(IFF_UP);
	ifs_obs_addr6_add(&o, &v[0]);
	ifs_obs_addr6_add(&o, &v[4]);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 1);
	cr_assert(action6_is(&plan.actions[0], IFS_DEL_ADDR6, "2001:db8::1", 64));
	ifs_obs_free(&o);
}

Test(ifstate6, plan_order_ipv4_ipv6_then_link)
{
	static const char *const a[] = { "2001:db8::1" };
	static const unsigned p[] = { 64 };
	struct ifs_desired d = desired(true, a, p, 1, 0);
	struct ifs_observed o = ifs_test_present(0);
	struct ifs_plan plan;
	struct ifs_addr6 stale = stat6("2001:db8:9::9", 64);

	d.has_addr = true;
	inet_pton(AF_INET, "10.0.1.1", &d.addr);
	d.plen = 24;
	ifs_obs_addr6_add(&o, &stale);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 4);
	cr_assert_eq(plan.actions[0].kind, IFS_ADD_ADDR);
	cr_assert(action6_is(&plan.actions[1], IFS_DEL_ADDR6, "2001:db8:9::9", 64));
	cr_assert(action6_is(&plan.actions[2], IFS_ADD_ADDR6, "2001:db8::1", 64));
	cr_assert_eq(plan.actions[3].kind, IFS_LINK_UP);
	ifs_obs_free(&o);
}

Test(ifstate6, dad_failure_is_an_error_not_a_loop)
{
	static const char *const a[] = { "2001:db8::1" };
	static const unsigned p[] = { 64 };
	struct ifs_desired d = desired(true, a, p, 1, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_plan plan;
	struct ifs_addr6 failed = mk6("2001:db8::1", 64, RT_SCOPE_UNIVERSE,
				      IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED);
	IfState st;

	ifs_obs_addr6_add(&o, &failed);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 0);
	cr_assert_str_eq(plan.err, GE ": duplicate address detected for 2001:db8::1/64 "
			 "(DAD failed)");
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_eq(st.n_ipv6, 0);
	ifs_state_clear(&st);
	ifs_obs_free(&o);
}

Test(ifstate6, bus_lists_usable_configured_first)
{
	static const char *const a[] = { "2001:db8:2::2", "2001:db8:1::1", "2001:db8:3::3" };
	static const unsigned p[] = { 64, 64, 64 };
	struct ifs_desired d = desired(true, a, p, 3, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr6 v[] = {
		mk6("2001:db8:5::5", 64, RT_SCOPE_UNIVERSE, 0),              /* SLAAC */
		stat6("2001:db8:1::1", 64),
		mk6("fe80::1", 64, RT_SCOPE_LINK, IFA_F_PERMANENT),
		stat6("2001:db8:2::2", 64),
		mk6("2001:db8:3::3", 64, RT_SCOPE_UNIVERSE, IFA_F_PERMANENT | IFA_F_TENTATIVE),
	};
	IfState st;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		ifs_obs_addr6_add(&o, &v[i]);
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_eq(st.n_ipv6, 3);
	cr_assert_str_eq(st.ipv6[0], "2001:db8:2::2");
	cr_assert_str_eq(st.ipv6[1], "2001:db8:1::1");
	cr_assert_str_eq(st.ipv6[2], "2001:db8:5::5");
	ifs_state_clear(&st);

	/* DAD completes: the same address, IFA_F_TENTATIVE cleared. */
	v[4].flags = IFA_F_PERMANENT;
	ifs_obs_addr6_add(&o, &v[4]);
	cr_assert_eq(o.n_addrs6, 5, "an update must not add an entry");
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_eq(st.n_ipv6, 4);
	cr_assert_str_eq(st.ipv6[2], "2001:db8:3::3");
	ifs_state_clear(&st);

	/* Deleted; then the netdev goes away: nothing listed. */
	cr_assert(ifs_obs_addr6_del(&o, &v[1]));
	cr_assert_not(ifs_obs_addr6_del(&o, &v[1]));
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_eq(st.n_ipv6, 3);
	cr_assert_str_eq(st.ipv6[0], "2001:db8:2::2");
	ifs_state_clear(&st);
	ifs_obs_clear(&o);
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_eq(st.n_ipv6, 0);
	ifs_state_clear(&st);
	ifs_obs_free(&o);
}

Test(ifstate6, link_local_published_once_dad_passed)
{
	struct ifs_desired d = desired(false, NULL, NULL, 0, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr6 ll = mk6("fe80::1c:2ff:fe03:405", 64, RT_SCOPE_LINK,
				  IFA_F_PERMANENT | IFA_F_TENTATIVE);
	struct ifs_addr6 slaac = mk6("2001:db8:5::5", 64, RT_SCOPE_UNIVERSE, 0);
	struct ifs_plan plan;
	IfState st;

	/* Nothing yet, then the address while DAD runs: not shown. */
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_str_eq(st.ipv6_link_local, "");
	ifs_state_clear(&st);
	ifs_obs_addr6_add(&o, &slaac);
	ifs_obs_addr6_add(&o, &ll);
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_str_eq(st.ipv6_link_local, "");
	ifs_state_clear(&st);

	/* DAD passed (without `ipv6 enable`: the kernel's address is shown all
	 * the same); it is never among the global addresses, nor touched. */
	ll.flags = IFA_F_PERMANENT;
	ifs_obs_addr6_add(&o, &ll);
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_str_eq(st.ipv6_link_local, "fe80::1c:2ff:fe03:405");
	cr_assert_eq(st.n_ipv6, 1);
	cr_assert_str_eq(st.ipv6[0], "2001:db8:5::5");
	ifs_state_clear(&st);
	cr_assert_eq(ifs_plan(GE, "eth1", &d, &o, &plan), 0);

	/* The netdev goes away: nothing shown. */
	ifs_obs_clear(&o);
	ifs_state_fill(&st, GE, "eth1", &d, &o);
	cr_assert_str_eq(st.ipv6_link_local, "");
	ifs_state_clear(&st);
	ifs_obs_free(&o);
}

Test(ifstate6, link_local_dad_failure)
{
	struct ifs_desired off = desired(false, NULL, NULL, 0, 0);
	struct ifs_desired on = desired(true, NULL, NULL, 0, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr6 failed = mk6("fe80::1", 64, RT_SCOPE_LINK,
				      IFA_F_PERMANENT | IFA_F_TENTATIVE | IFA_F_DADFAILED);
	struct ifs_plan plan;
	IfState st;

	ifs_obs_addr6_add(&o, &failed);
	ifs_state_fill(&st, GE, "eth1", &on, &o);
	cr_assert_str_eq(st.ipv6_link_local, "");
	ifs_state_clear(&st);
	/* Reported with `ipv6 enable` only; never an action. */
	cr_assert_eq(ifs_plan(GE, "eth1", &on, &o, &plan), 0);
	cr_assert_str_eq(plan.err, GE ": duplicate address detected for fe80::1/64 (DAD failed)");
	cr_assert_eq(ifs_plan(GE, "eth1", &off, &o, &plan), 0);
	cr_assert_str_eq(plan.err, "");
	ifs_obs_free(&o);
}
