/*
 * test_ifname.c: interface names as typed -> canonical names, and the
 * spaced lowercase form `ntp-service server source-interface` prints.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "ifname.h"

static void canon_is(const char *in, const char *want)
{
	char buf[64];

	cr_assert_eq(ifname_canon(in, buf, sizeof(buf)), 0, "%s", in);
	cr_assert_str_eq(buf, want);
}

Test(ifname, whole_names)
{
	canon_is("GigabitEthernet0/1/0", "GigabitEthernet0/1/0");
	canon_is("gigabitethernet0/1/0", "GigabitEthernet0/1/0");
	canon_is("GE0/1/0", "GigabitEthernet0/1/0");
	canon_is("ge0/1/0", "GigabitEthernet0/1/0");
	canon_is("gig0/01/0", "GigabitEthernet0/1/0");
	canon_is("loopback0", "LoopBack0");
	canon_is("LoopBack1023", "LoopBack1023");
	canon_is("vlanif10", "Vlanif10");
	canon_is("eth-trunk1", "Eth-Trunk1");
	canon_is("XGigabitEthernet0/0/1", "XGigabitEthernet0/0/1");
	canon_is("xgigabitethernet0/0/1", "XGigabitEthernet0/0/1");
	canon_is("XGE0/0/1", "XGigabitEthernet0/0/1");
	canon_is("xge0/0/1", "XGigabitEthernet0/0/1");
	canon_is("LOOPBACK0", "LoopBack0");
	canon_is("VLANIF10", "Vlanif10");
}

/* The type word alone must not swallow a neighbour's: "ge" is
 * GigabitEthernet's alias, not a prefix of XGigabitEthernet's. */
Test(ifname, xge_and_ge_apart)
{
	char buf[64];

	cr_assert_eq(ifname_join("GIGABITETHERNET", "0/1/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "GigabitEthernet0/1/0");
	cr_assert_eq(ifname_join("xge", "0/0/1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "XGigabitEthernet0/0/1");
	cr_assert_eq(ifname_join("x", "0/0/1", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "XGigabitEthernet0/0/1");
	cr_assert_eq(ifname_join("loopback", "0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "LoopBack0");
	cr_assert_eq(ifname_join("Vlanif", "10", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "Vlanif10");
	cr_assert_eq(ifname_join("xge", "1", buf, sizeof(buf)), -EINVAL);
}

Test(ifname, two_words)
{
	char buf[64];

	cr_assert_eq(ifname_join("gigabitethernet", "0/1/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "GigabitEthernet0/1/0");
	cr_assert_eq(ifname_join("ge", "0/1/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "GigabitEthernet0/1/0");
	cr_assert_eq(ifname_join("Vlanif", "4094", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "Vlanif4094");
}

Test(ifname, rejects)
{
	char buf[64];

	cr_assert_eq(ifname_canon("foo0/1/0", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(ifname_canon("GigabitEthernet", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(ifname_canon("GE0/1", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_canon("GE0/1/0/", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_canon("vlanif0", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_canon("vlanif4095", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_canon("loopback0/1/0", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_join("ge", "1", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(ifname_canon("GE0/1/0", buf, 5), -ENAMETOOLONG);
}

Test(ifname, types)
{
	const struct iftype *t;

	cr_assert_eq(ifname_type_lookup("GE", &t), 0);
	cr_assert_str_eq(t->name, "GigabitEthernet");
	cr_assert_eq(ifname_type_lookup("LOOP", &t), 0);
	cr_assert_str_eq(t->name, "LoopBack");
	cr_assert_eq(ifname_type_lookup("q", &t), -ENOENT);
	cr_assert(ifname_number_form("0/1/0"));
	cr_assert(ifname_number_form("10"));
	cr_assert_not(ifname_number_form("0/1"));
	cr_assert_not(ifname_number_form("a"));
	cr_assert_not(ifname_number_form("0//1"));
}

Test(ifname, spaced_lower)
{
	char buf[64];

	cr_assert_eq(ifname_spaced_lower("GigabitEthernet0/1/0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "gigabitethernet 0/1/0");
	cr_assert_eq(ifname_spaced_lower("LoopBack0", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "loopback 0");
	cr_assert_eq(ifname_spaced_lower("weird", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "weird");
}
