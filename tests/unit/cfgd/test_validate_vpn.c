/*
 * test_validate_vpn.c: cfgd/validate_vpn.c and the per-instance rules of
 * validate.c: instance names and route distinguishers, bindings to an
 * instance that exists, overlapping subnets refused within one instance and
 * allowed across two, the NTP servers and peers of an instance (Ntp.vpn:
 * the same address in two instances, the instance must exist, source
 * interfaces in the instance), and the canonical change checks (an
 * instance in use cannot go).
 */
#include "cfgd_fixtures.h"

VALIDATE_SUITE(validate_vpn);

#define GE1 "GigabitEthernet0/1/0"
#define GE2 "GigabitEthernet0/2/0"
#define VPNS "vpn_instance = ( { name = \"va\"; ipv4_family = true; }, { name = \"vb\"; } );"
#define IF(name, vpn, a) "{ name = \"" name "\"; " vpn " address = { address = \"" a \
	"\"; prefix_len = 24; }; }"
#define IN(v) "vpn_instance = \"" v "\";"

Test(validate_vpn, instances)
{
	ok(VPNS);
	ok("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
	   "ipv4_route_distinguisher = \"100:1\"; ipv6_family = true; "
	   "ipv6_route_distinguisher = \"10.0.0.1:7\"; } );");
	ok("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
	   "ipv4_route_distinguisher = \"65536:7\"; } );");
	ok("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
	   "ipv4_route_distinguisher = \"1.2:7\"; } );");
	refused("vpn_instance = ( { name = \"_public_\"; } );",
		"The VPN instance name _public_ must be 1 to 31 printable characters without "
		"spaces, and not _public_.");
	refused("vpn_instance = ( { name = \"0123456789012345678901234567890x\"; } );",
		"The VPN instance name 0123456789012345678901234567890x must be 1 to 31 "
		"printable characters without spaces, and not _public_.");
	refused("vpn_instance = ( { name = \"v1\"; ipv4_route_distinguisher = \"100:1\"; } );",
		"The route distinguisher of VPN instance v1 is set without the IPv4 address "
		"family.");
	refused("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
		"ipv4_route_distinguisher = \"100\"; } );",
		"The route distinguisher 100 of VPN instance v1 is invalid.");
	refused("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
		"ipv4_route_distinguisher = \"0:0\"; } );",
		"The route distinguisher 0:0 of VPN instance v1 is invalid.");
	refused("vpn_instance = ( { name = \"v1\"; ipv4_family = true; "
		"ipv4_route_distinguisher = \"70000:70000\"; } );",
		"The route distinguisher 70000:70000 of VPN instance v1 is invalid.");
}

Test(validate_vpn, bindings_and_overlaps)
{
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );");
	refused("interface = ( " IF(GE1, IN("nope"), "10.0.1.1") " );",
		"The VPN instance nope of interface " GE1 " does not exist.");
	/* The same subnet in two instances, or in one and the public network. */
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") ", "
	   IF(GE2, IN("vb"), "10.0.1.1") " );");
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") ", "
	   IF(GE2, "", "10.0.1.2") " );");
	refused(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") ", "
		IF(GE2, IN("va"), "10.0.1.2") " );",
		"The address 10.0.1.2/24 of interface " GE2 " overlaps with the address "
		"10.0.1.1/24 of interface " GE1 ".");
}

#define NTPV(v, body) "ntp = { vpn = ( { name = \"" v "\"; " body " } ); };"
#define SRV(a, more) "unicast_server = ( { address = \"" a "\"; " more " } );"

Test(validate_vpn, ntp_associations)
{
	ok(VPNS "ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); "
	   "vpn = ( { name = \"va\"; " SRV("10.0.1.31", "vpn_instance = \"va\";") " }, "
	   "{ name = \"vb\"; " SRV("10.0.1.31", "") " } ); };");
	refused(NTPV("vc", SRV("10.0.1.31", "")),
		"The VPN instance vc of NTP server 10.0.1.31 does not exist.");
	refused(VPNS NTPV("va", SRV("10.0.1.31", "vpn_instance = \"vb\";")),
		"The NTP server 10.0.1.31 names VPN instance vb outside that instance's list.");
	refused(VPNS NTPV("va", SRV("10.0.1.31", "minpoll = 2;")),
		"The minimum polling interval of NTP server 10.0.1.31 must be 3 to 17.");
	/* The network address of a subnet counts in its own instance only. */
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
	   NTPV("vb", SRV("10.0.1.0", "")));
	refused(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
		NTPV("va", SRV("10.0.1.0", "")),
		"The NTP server address 10.0.1.0 is the network address of the subnet of "
		"interface " GE1 ".");
	/* Source interfaces: in the association's instance. */
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
	   NTPV("va", SRV("10.0.1.31", "source_interface = \"" GE1 "\";")));
	refused(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
		NTPV("vb", SRV("10.0.1.31", "source_interface = \"" GE1 "\";")),
		"The source interface " GE1 " of NTP server 10.0.1.31 is not in VPN instance vb.");
	refused(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
		"ntp = { " SRV("10.0.1.31", "source_interface = \"" GE1 "\";") " };",
		"The source interface " GE1 " of NTP server 10.0.1.31 is not in the public "
		"network.");
	/* `ntp-service source-interface IF vpn-instance V`. */
	ok(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
	   "ntp = { source_interface = \"" GE1 "\"; source_interface_vpn_instance = \"va\"; };");
	refused(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );"
		"ntp = { source_interface = \"" GE1 "\"; source_interface_vpn_instance = \"vb\"; };",
		"The NTP source interface " GE1 " is not bound to VPN instance vb.");
}

/* Removing an instance that an interface or an association uses is a new
 * problem, so the edit is refused. */
Test(validate_vpn, instance_in_use)
{
	Config *before = cfg(VPNS "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );");
	Config *after = cfg("vpn_instance = ( { name = \"vb\"; } );"
			    "interface = ( " IF(GE1, IN("va"), "10.0.1.1") " );");
	char err[512] = "";

	cr_assert_eq(validate_change(before, after, &td.bs, VALIDATE_EDIT, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "The VPN instance va of interface " GE1 " does not exist.");
	cfg_free(before);
	cfg_free(after);
}
