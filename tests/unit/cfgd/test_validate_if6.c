/*
 * test_validate_if6.c: cfgd/validate_if6.c, the IPv6 settings of
 * interfaces: each rule accepted and refused with its sentence, the
 * `ipv6 enable` prerequisite both ways (address first, undo enable with
 * addresses left), addresses and prefixes shared by two interfaces, and the
 * edits as cfgd applies them (SET merges by the canonical address, DELETE
 * by key).
 */
#include "cfgd_fixtures.h"

TESTDIR_SUITE(validate_if6);

static void ok(const char *text)
{
	assert_valid(&td.bs, text);
}

static void refused(const char *text, const char *want)
{
	assert_refused(&td.bs, text, VALIDATE_EDIT, want);
}

#define GE1 "GigabitEthernet0/1/0"
#define GE2 "GigabitEthernet0/2/0"
#define IF(name, body) "{ name = \"" name "\"; " body " }"
#define IFS(a) "interface = ( " a " );"
#define IFS2(a, b) "interface = ( " a ", " b " );"
#define A6(a, l) "{ address = \"" a "\"; prefix_len = " #l "; }"
#define EN "ipv6_enable = true; "

Test(validate_if6, accepted)
{
	ok(IFS(IF(GE1, EN)));
	ok(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 64) " );")));
	ok(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 64) ", " A6("2001:db8::2", 64)
		  ", " A6("fd00:1::1", 48) " );")));
	ok(IFS(IF("LoopBack0", EN "ipv6_address = ( " A6("2001:db8:ff::1", 128) " );")));
	ok(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:1::1", 64) " );"),
	       IF(GE2, EN "ipv6_address = ( " A6("2001:db8:2::1", 64) " );")));
	/* ipv6 enable = false is the same as absent. */
	ok(IFS(IF(GE1, "ipv6_enable = false;")));
}

Test(validate_if6, needs_ipv6_enable)
{
	refused(IFS(IF(GE1, "ipv6_address = ( " A6("2001:db8::1", 64) " );")),
		"Please enable IPv6 on interface " GE1 " first.");
	refused(IFS(IF(GE1, "ipv6_enable = false; ipv6_address = ( " A6("2001:db8::1", 64) " );")),
		"Please enable IPv6 on interface " GE1 " first.");
}

Test(validate_if6, address_forms)
{
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::zz", 64) " );")),
		"The IPv6 address 2001:db8::zz of interface " GE1 " is invalid.");
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("10.0.0.1", 64) " );")),
		"The IPv6 address 10.0.0.1 of interface " GE1 " is invalid.");
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:DB8::1", 64) " );")),
		"The IPv6 address 2001:DB8::1 of interface " GE1 " is not in canonical form "
		"(2001:db8::1).");
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:0:0::1", 64) " );")),
		"The IPv6 address 2001:db8:0:0::1 of interface " GE1 " is not in canonical form "
		"(2001:db8::1).");
}

Test(validate_if6, global_unicast_only)
{
	static const char *const bad[] = { "::", "::1", "ff02::1", "ff0e::101", "fe80::1",
					   "febf::1", "::ffff:10.0.0.1" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512], want[256];

		snprintf(text, sizeof(text),
			 "interface = ( { name = \"" GE1 "\"; ipv6_enable = true; ipv6_address = "
			 "( { address = \"%s\"; prefix_len = 64; } ); } );", bad[i]);
		snprintf(want, sizeof(want),
			 "The IPv6 address %s of interface " GE1 " is not a global unicast "
			 "address.", bad[i]);
		refused(text, want);
	}
	/* fec0::/10 (deprecated site-local) is not link-local: accepted. */
	ok(IFS(IF(GE1, EN "ipv6_address = ( " A6("fec0::1", 64) " );")));
}

Test(validate_if6, prefix_length)
{
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 0) " );")),
		"The prefix length of IPv6 address 2001:db8::1 of interface " GE1 " must be 1 to "
		"128.");
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 129) " );")),
		"The prefix length of IPv6 address 2001:db8::1 of interface " GE1 " must be 1 to "
		"128.");
	refused(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 128) " );")),
		"The IPv6 address 2001:db8::1/128 of interface " GE1 " has a 128-bit prefix, "
		"which only a loopback interface may have.");
	ok(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 127) " );")));
	ok(IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 1) " );")));
}

Test(validate_if6, at_most_16_per_interface)
{
	char text[4096], *p = text;
	size_t left = sizeof(text);
	int n;

	n = snprintf(p, left, "interface = ( { name = \"" GE1 "\"; ipv6_enable = true; "
		     "ipv6_address = ( ");
	p += n, left -= (size_t)n;
	for (int i = 1; i <= 17; i++) {
		n = snprintf(p, left, "%s{ address = \"2001:db8::%x\"; prefix_len = 64; }",
			     i > 1 ? ", " : "", i);
		p += n, left -= (size_t)n;
		if (i == 16) {
			char ok16[sizeof(text) + 16];

			snprintf(ok16, sizeof(ok16), "%s ); } );", text);
			ok(ok16);
		}
	}
	snprintf(p, left, " ); } );");
	refused(text, "The number of IPv6 addresses of interface " GE1 " exceeds the upper "
		"limit (16).");
}

Test(validate_if6, two_interfaces)
{
	refused(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 64) " );"),
		    IF(GE2, EN "ipv6_address = ( " A6("2001:db8::1", 64) " );")),
		"The IPv6 address 2001:db8::1 of interface " GE2 " is already configured on "
		"interface " GE1 ".");
	refused(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 64) " );"),
		    IF(GE2, EN "ipv6_address = ( " A6("2001:db8::2", 64) " );")),
		"The IPv6 address 2001:db8::2/64 of interface " GE2 " overlaps with the address "
		"2001:db8::1/64 of interface " GE1 ".");
	/* A /48 containing the other interface's /64. */
	refused(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:0:5::1", 64) " );"),
		    IF(GE2, EN "ipv6_address = ( " A6("2001:db8::2", 48) " );")),
		"The IPv6 address 2001:db8::2/48 of interface " GE2 " overlaps with the address "
		"2001:db8:0:5::1/64 of interface " GE1 ".");
	/* Prefixes that differ only in a bit inside a byte: /63 apart. */
	ok(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:0:2::1", 63) " );"),
	       IF(GE2, EN "ipv6_address = ( " A6("2001:db8:0:4::1", 63) " );")));
	refused(IFS2(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:0:2::1", 63) " );"),
		    IF(GE2, EN "ipv6_address = ( " A6("2001:db8:0:3::1", 64) " );")),
		"The IPv6 address 2001:db8:0:3::1/64 of interface " GE2 " overlaps with the "
		"address 2001:db8:0:2::1/63 of interface " GE1 ".");
}

static int edit(Config **cand, Edit *e, char *err, size_t len)
{
	return cand_edit(&td.bs, cand, e, err, len);
}

static int set(Config **c, const char *text, char *err, size_t len)
{
	return edit(c, edit_set(text), err, len);
}

#define GE1_A6(a, l) IFS(IF(GE1, "ipv6_address = ( " A6(a, l) " );"))

Test(validate_if6, edits_in_order)
{
	Config *c = NULL;
	char err[512] = "";

	/* Address before enable: refused. */
	cr_assert_eq(set(&c, GE1_A6("2001:db8::1", 64), err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "Please enable IPv6 on interface " GE1 " first.");
	cr_assert_eq(set(&c, IFS(IF(GE1, EN)), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(set(&c, GE1_A6("2001:db8::1", 64), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(set(&c, GE1_A6("2001:db8:1::1", 64), err, sizeof(err)), 0, "%s", err);
	/* The same address again with another prefix length: merged by key. */
	cr_assert_eq(set(&c, GE1_A6("2001:db8::1", 56), err, sizeof(err)), 0, "%s", err);
	assert_cfg(c, IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8::1", 56) ", "
			     A6("2001:db8:1::1", 64) " );")));

	/* undo ipv6 enable with addresses left: refused. */
	cr_assert_eq(edit(&c, edit_del("interface", GE1, "ipv6_enable", NULL), err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "Please enable IPv6 on interface " GE1 " first.");

	/* The other interface may not take an overlapping prefix. */
	cr_assert_eq(set(&c, IFS(IF(GE2, EN "ipv6_address = ( " A6("2001:db8:1::2", 64) " );")),
			 err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "The IPv6 address 2001:db8:1::2/64 of interface " GE2
			 " overlaps with the address 2001:db8:1::1/64 of interface " GE1 ".");

	/* undo ipv6 address X, then all, then undo ipv6 enable. */
	cr_assert_eq(edit(&c, edit_del("interface", GE1, "ipv6_address", "2001:db8::1", NULL),
			  err, sizeof(err)), 0, "%s", err);
	assert_cfg(c, IFS(IF(GE1, EN "ipv6_address = ( " A6("2001:db8:1::1", 64) " );")));
	cr_assert_eq(edit(&c, edit_del("interface", GE1, "ipv6_address", NULL), err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(edit(&c, edit_del("interface", GE1, "ipv6_enable", NULL), err, sizeof(err)),
		     0, "%s", err);
	cfg_free(c);
}

/* A problem already present (say, from a file written by hand) does not
 * block unrelated work, but a new one is still refused. */
Test(validate_if6, old_problems_do_not_block)
{
	Config *before = cfg(IFS(IF(GE1, "ipv6_address = ( " A6("2001:db8::1", 64) " );")));
	Config *after = cfg(IFS(IF(GE1, "description = \"x\"; ipv6_address = ( "
				   A6("2001:db8::1", 64) " );")));
	Config *worse = cfg(IFS2(IF(GE1, "ipv6_address = ( " A6("2001:db8::1", 64) " );"),
				IF(GE2, "ipv6_address = ( " A6("2001:db8:9::1", 64) " );")));
	char err[512] = "";

	cr_assert_eq(validate_change(before, after, &td.bs, VALIDATE_EDIT, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(validate_change(before, worse, &td.bs, VALIDATE_EDIT, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "Please enable IPv6 on interface " GE2 " first.");
	cfg_free(before);
	cfg_free(after);
	cfg_free(worse);
}
