/*
 * test_ifstate.c: ifmgrd's pure reconcile decisions (ifmgrd/ifstate.c).
 * No kernel, no sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <criterion/criterion.h>

#include "ifs_fixtures.h"
#include "ifstate.h"

static struct ifs_addr mkaddr(const char *ip, unsigned plen)
{
	struct ifs_addr a = { .plen = (uint8_t)plen, .scope = RT_SCOPE_UNIVERSE };

	cr_assert_eq(inet_pton(AF_INET, ip, &a.local), 1);
	a.peer = a.local;
	return a;
}

static struct ifs_desired want_addr(bool up, const char *ip, unsigned plen)
{
	struct ifs_desired w = { .admin_up = up };

	if (ip) {
		w.has_addr = true;
		cr_assert_eq(inet_pton(AF_INET, ip, &w.addr), 1);
		w.plen = (uint8_t)plen;
	}
	return w;
}

static bool action_is(const struct ifs_action *a, enum ifs_action_kind k, const char *ip,
		      unsigned plen)
{
	struct ifs_addr x;

	if (a->kind != k)
		return false;
	if (!ip)
		return true;
	x = mkaddr(ip, plen);
	return a->addr.local.s_addr == x.local.s_addr && a->addr.plen == plen;
}

Test(ifstate, add_address_and_bring_up)
{
	struct ifs_desired w = want_addr(true, "10.0.1.1", 24);
	struct ifs_observed o = ifs_test_present(0);
	struct ifs_plan p;

	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 2);
	cr_assert(action_is(&p.actions[0], IFS_ADD_ADDR, "10.0.1.1", 24));
	cr_assert(action_is(&p.actions[1], IFS_LINK_UP, NULL, 0));
	cr_assert_str_empty(p.err);
	ifs_obs_free(&o);
}

Test(ifstate, converged_is_idempotent)
{
	struct ifs_desired w = want_addr(true, "10.0.1.1", 24);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr a = mkaddr("10.0.1.1", 24);
	struct ifs_plan p;

	ifs_obs_addr_add(&o, &a);
	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 0);
	cr_assert_str_empty(p.err);
	ifs_obs_free(&o);
}

Test(ifstate, replace_address_deletes_first)
{
	struct ifs_desired w = want_addr(true, "10.0.2.1", 24);
	struct ifs_observed o = ifs_test_present(IFF_UP);
	struct ifs_addr a = mkaddr("10.0.1.1", 24);
	struct ifs_plan p;

	ifs_obs_addr_add(&o, &a);
	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 2);
	cr_assert(action_is(&p.actions[0], IFS_DEL_ADDR, "10.0.1.1", 24));
	cr_assert(action_is(&p.actions[1], IFS_ADD_ADDR, "10.0.2.1", 24));
	ifs_obs_free(&o);
}

Test(ifstate, other_prefix_length_is_another_address)
{
	struct ifs_desired w = want_addr(true, "10.0.1.1", 24);
	struct ifs_observed o = ifs_test_present(IFF_UP);
	struct ifs_addr a = mkaddr("10.0.1.1", 16);
	struct ifs_plan p;

	ifs_obs_addr_add(&o, &a);
	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 2);
	cr_assert(action_is(&p.actions[0], IFS_DEL_ADDR, "10.0.1.1", 16));
	cr_assert(action_is(&p.actions[1], IFS_ADD_ADDR, "10.0.1.1", 24));
	ifs_obs_free(&o);
}

Test(ifstate, remove_unconfigured_addresses_keep_host_scope)
{
	struct ifs_desired w = want_addr(true, NULL, 0);
	struct ifs_observed o = ifs_test_present(IFF_UP);
	struct ifs_addr a = mkaddr("10.0.1.1", 24), b = mkaddr("10.0.1.2", 24);
	struct ifs_addr lo = mkaddr("127.0.0.1", 8);
	struct ifs_plan p;

	lo.scope = RT_SCOPE_HOST;
	b.secondary = true;
	ifs_obs_addr_add(&o, &lo);
	ifs_obs_addr_add(&o, &a);
	ifs_obs_addr_add(&o, &b);
	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 2);
	cr_assert(action_is(&p.actions[0], IFS_DEL_ADDR, "10.0.1.1", 24));
	cr_assert(action_is(&p.actions[1], IFS_DEL_ADDR, "10.0.1.2", 24));
	ifs_obs_free(&o);
}

Test(ifstate, admin_down)
{
	struct ifs_desired w = want_addr(false, "10.0.1.1", 24);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr a = mkaddr("10.0.1.1", 24);
	struct ifs_plan p;

	ifs_obs_addr_add(&o, &a);
	cr_assert_eq(ifs_plan("GE0/1/0", "eth0", &w, &o, &p), 1);
	cr_assert(action_is(&p.actions[0], IFS_LINK_DOWN, NULL, 0));
	ifs_obs_free(&o);
}

Test(ifstate, missing_netdev_is_an_error_not_an_action)
{
	struct ifs_desired w = want_addr(true, "10.0.1.1", 24);
	struct ifs_observed o;
	struct ifs_plan p;

	ifs_obs_init(&o);
	cr_assert_eq(ifs_plan("GigabitEthernet0/1/0", "eth9", &w, &o, &p), 0);
	cr_assert_str_eq(p.err, "GigabitEthernet0/1/0: netdev eth9 does not exist");
	ifs_obs_free(&o);
}

Test(ifstate, desired_from_config)
{
	Config cfg = CONFIG__INIT;
	Interface i1 = INTERFACE__INIT, i2 = INTERFACE__INIT;
	Ipv4Address a = IPV4_ADDRESS__INIT;
	Interface *ifs[] = { &i1, &i2 };
	struct ifs_desired w;
	char err[128];

	i1.name = "GigabitEthernet0/1/0";
	i1.has_shutdown = true;
	i1.shutdown = false;
	a.address = "10.0.1.1";
	a.prefix_len = 24;
	i1.address = &a;
	i2.name = "GigabitEthernet0/2/0";   /* no shutdown field: factory (down) */
	cfg.interface = ifs;
	cfg.n_interface = 2;

	cr_assert_eq(ifs_desired_from_config(&cfg, "gigabitethernet0/1/0", &w, err, sizeof(err)), 0);
	cr_assert(w.admin_up);
	cr_assert(w.has_addr);
	cr_assert_eq(w.plen, 24);
	cr_assert_eq(ifs_desired_from_config(&cfg, "GigabitEthernet0/2/0", &w, err, sizeof(err)), 0);
	cr_assert_not(w.admin_up);
	cr_assert_not(w.has_addr);
	cr_assert_eq(ifs_desired_from_config(&cfg, "LoopBack0", &w, err, sizeof(err)), 0);
	cr_assert_not(w.admin_up);
	cr_assert_eq(ifs_desired_from_config(NULL, "LoopBack0", &w, err, sizeof(err)), 0);
	cr_assert_not(w.admin_up);

	a.address = "10.0.1.300";
	cr_assert_eq(ifs_desired_from_config(&cfg, "GigabitEthernet0/1/0", &w, err, sizeof(err)),
		     -EINVAL);
	cr_assert_not(w.has_addr);
	cr_assert(strstr(err, "10.0.1.300"));
	a.address = "10.0.1.1";
	a.prefix_len = 33;
	cr_assert_eq(ifs_desired_from_config(&cfg, "GigabitEthernet0/1/0", &w, err, sizeof(err)),
		     -EINVAL);
}

Test(ifstate, observed_bookkeeping)
{
	struct ifs_observed o = ifs_test_present(IFF_UP);
	struct ifs_addr a = mkaddr("10.0.1.1", 24), b = mkaddr("10.0.1.1", 24);

	ifs_obs_addr_add(&o, &a);
	b.secondary = true;
	ifs_obs_addr_add(&o, &b);             /* same key: updated, not duplicated */
	cr_assert_eq(o.n_addrs, 1);
	cr_assert(o.addrs[0].secondary);
	cr_assert(ifs_obs_addr_del(&o, &a));
	cr_assert_not(ifs_obs_addr_del(&o, &a));
	cr_assert_eq(o.n_addrs, 0);
	ifs_obs_addr_add(&o, &a);
	ifs_obs_clear(&o);
	cr_assert_not(o.present);
	cr_assert_eq(o.n_addrs, 0);
	ifs_obs_free(&o);
}

Test(ifstate, state_for_the_bus)
{
	struct ifs_desired w = want_addr(true, "10.0.1.1", 24);
	struct ifs_observed o = ifs_test_present(IFF_UP | IFF_RUNNING);
	struct ifs_addr other = mkaddr("192.168.5.1", 24), a = mkaddr("10.0.1.1", 24);
	IfState st;

	ifs_obs_addr_add(&o, &other);
	ifs_obs_addr_add(&o, &a);
	ifs_state_fill(&st, "GigabitEthernet0/1/0", "eth0", &w, &o);
	cr_assert_str_eq(st.name, "GigabitEthernet0/1/0");
	cr_assert_str_eq(st.netdev, "eth0");
	cr_assert_eq(st.ifindex, 7);
	cr_assert(st.admin_up);
	cr_assert(st.oper_up);
	cr_assert_str_eq(st.primary_ipv4, "10.0.1.1");   /* the configured one wins */
	cr_assert_eq(st.prefix_len, 24);
	cr_assert_eq(st.n_sub_ipv4, 1);
	cr_assert_str_eq(st.sub_ipv4[0], "192.168.5.1/24");
	ifs_state_clear(&st);

	/* Up but no carrier: admin up, oper down. */
	o.flags = IFF_UP;
	ifs_state_fill(&st, "GigabitEthernet0/1/0", "eth0", &w, &o);
	cr_assert(st.admin_up);
	cr_assert_not(st.oper_up);
	ifs_state_clear(&st);

	/* Absent netdev: no address, ifindex 0, admin state from the configuration. */
	ifs_obs_clear(&o);
	ifs_state_fill(&st, "GigabitEthernet0/1/0", "eth0", &w, &o);
	cr_assert_eq(st.ifindex, 0);
	cr_assert(st.admin_up);
	cr_assert_not(st.oper_up);
	cr_assert_str_eq(st.primary_ipv4, "");
	cr_assert_eq(st.n_sub_ipv4, 0);
	ifs_state_clear(&st);
	ifs_obs_free(&o);
}
