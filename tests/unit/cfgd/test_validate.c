/*
 * test_validate.c: cfgd/validate.c, each rule accepted and refused with its
 * sentence, "introduced problems" and interface name canonicalisation.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "cfgd_fixtures.h"
#include "validate.h"

VALIDATE_SUITE(validate);

#define SERVER(opts) "ntp = { unicast_server = ( { address = \"10.0.1.31\"; " opts " } ); };"
#define PEER(opts) "ntp = { unicast_peer = ( { address = \"10.0.1.32\"; " opts " } ); };"
#define IFADDR(a, p) "interface = ( { name = \"GigabitEthernet0/1/0\"; address = { address = \"" \
	a "\"; prefix_len = " #p "; }; } );"

Test(validate, sysname)
{
	ok("system = { sysname = \"DeviceC\"; };");
	refused("system = { sysname = \"\"; };",
		"The system name must be 1 to 246 printable characters without spaces.");
	refused("system = { sysname = \"Device C\"; };",
		"The system name must be 1 to 246 printable characters without spaces.");
	char text[400] = "system = { sysname = \"";

	memset(text + strlen(text), 'a', 247);
	strcat(text, "\"; };");
	refused(text, "The system name must be 1 to 246 printable characters without spaces.");
}

Test(validate, clock_timezone)
{
	ok("system = { clock_timezone = { name = \"BJ\"; offset = 28800; }; };");
	ok("system = { clock_timezone = { name = \"NY\"; offset = -18000; }; };");
	ok("system = { clock_timezone = { name = \"Far\"; offset = -68399; }; };");
	refused("system = { clock_timezone = { name = \"Far\"; offset = 68400; }; };",
		"The time zone offset must be 00:00:00 to 18:59:59.");
	refused("system = { clock_timezone = { name = \"BJ\"; }; };",
		"The time zone offset must be 00:00:00 to 18:59:59.");
	refused("system = { clock_timezone = { name = \"B J\"; offset = 0; }; };",
		"The time zone name must be 1 to 32 printable characters without spaces.");
	refused("system = { clock_timezone = { name = \"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\"; "
		"offset = 0; }; };",
		"The time zone name must be 1 to 32 printable characters without spaces.");
}

Test(validate, interface_names)
{
	ok("interface = ( { name = \"GigabitEthernet0/1/0\"; shutdown = false; } );");
	ok("interface = ( { name = \"LoopBack0\"; description = \"to DeviceD\"; } );");
	refused("interface = ( { name = \"GigabitEthernet0/9/0\"; } );",
		"The interface GigabitEthernet0/9/0 does not exist.");
	refused("interface = ( { name = \"LoopBack0\"; description = \"\"; } );",
		"The description of interface LoopBack0 must be 1 to 242 characters.");
}

/* LoopBack 0-1023 need no bootstrap mapping (LoopBack0 has one in the
 * fixture, LoopBack7 none); other types do. */
Test(validate, loopbacks_without_mapping)
{
	ok("interface = ( { name = \"LoopBack7\"; address = { address = \"192.0.2.7\"; "
	   "prefix_len = 32; }; } );");
	ok("interface = ( { name = \"LoopBack1023\"; } );");
	ok("ntp = { source_interface = \"LoopBack7\"; };");
	ok("ntp = { unicast_server = ( { address = \"10.0.1.31\"; source_interface = "
	   "\"LoopBack7\"; } ); };");
	refused("interface = ( { name = \"LoopBack1024\"; } );",
		"The interface LoopBack1024 does not exist.");
	refused("interface = ( { name = \"Vlanif10\"; } );",
		"The interface Vlanif10 does not exist.");
	refused("ntp = { source_interface = \"Vlanif10\"; };",
		"The NTP source interface Vlanif10 does not exist.");
}

Test(validate, interface_addresses)
{
	ok(IFADDR("10.0.1.31", 24));
	ok(IFADDR("10.0.1.1", 31));
	ok(IFADDR("10.0.1.0", 31));
	ok(IFADDR("10.0.1.255", 32));
	refused(IFADDR("10.0.1", 24),
		"The address 10.0.1 of interface GigabitEthernet0/1/0 is not a valid IPv4 address.");
	refused(IFADDR("10.0.1.31", 0),
		"The address 10.0.1.31/0 of interface GigabitEthernet0/1/0 has an invalid mask "
		"length: it must be 1 to 32.");
	refused(IFADDR("10.0.1.31", 33),
		"The address 10.0.1.31/33 of interface GigabitEthernet0/1/0 has an invalid mask "
		"length: it must be 1 to 32.");
	refused(IFADDR("0.0.0.0", 24),
		"The address 0.0.0.0 of interface GigabitEthernet0/1/0 is not a valid unicast "
		"host address.");
	refused(IFADDR("127.0.0.1", 8),
		"The address 127.0.0.1 of interface GigabitEthernet0/1/0 is not a valid unicast "
		"host address.");
	refused(IFADDR("224.0.1.1", 24),
		"The address 224.0.1.1 of interface GigabitEthernet0/1/0 is not a valid unicast "
		"host address.");
	refused(IFADDR("255.255.255.255", 32),
		"The address 255.255.255.255 of interface GigabitEthernet0/1/0 is not a valid "
		"unicast host address.");
	refused(IFADDR("10.0.1.0", 24),
		"The address 10.0.1.0/24 of interface GigabitEthernet0/1/0 is the network address "
		"of its subnet.");
	refused(IFADDR("10.0.1.255", 24),
		"The address 10.0.1.255/24 of interface GigabitEthernet0/1/0 is the broadcast "
		"address of its subnet.");
}

Test(validate, overlapping_subnets)
{
	ok("interface = ( { name = \"GigabitEthernet0/1/0\"; address = { address = \"10.0.1.31\"; prefix_len = 24; }; },"
	   " { name = \"GigabitEthernet0/2/0\"; address = { address = \"10.0.2.31\"; prefix_len = 24; }; } );");
	refused("interface = ( { name = \"GigabitEthernet0/1/0\"; address = { address = \"10.0.1.31\"; prefix_len = 24; }; },"
		" { name = \"GigabitEthernet0/2/0\"; address = { address = \"10.0.0.1\"; prefix_len = 16; }; } );",
		"The address 10.0.0.1/16 of interface GigabitEthernet0/2/0 overlaps with the address "
		"10.0.1.31/24 of interface GigabitEthernet0/1/0.");
}

#define LB(n, a, p) "{ name = \"LoopBack" #n "\"; address = { address = \"" a "\"; prefix_len = " #p "; }; }"

/* Nested, equal and adjacent subnets; a sub address against its own
 * interface's primary. */
Test(validate, overlaps_by_subnet)
{
	ok("interface = ( " LB(1, "10.0.0.1", 25) ", " LB(2, "10.0.0.129", 25) ", "
	   LB(3, "10.0.1.1", 32) " );");
	refused("interface = ( " LB(1, "10.0.0.1", 25) ", " LB(2, "10.0.0.129", 25) ", "
		LB(3, "10.0.0.200", 32) " );",
		"The address 10.0.0.200/32 of interface LoopBack3 overlaps with the address "
		"10.0.0.129/25 of interface LoopBack2.");
	/* The first pair in configuration order is the sentence shown. */
	refused("interface = ( " LB(1, "10.9.9.9", 32) ", " LB(2, "10.0.0.1", 8) ", "
		LB(3, "10.1.0.1", 16) " );",
		"The address 10.0.0.1/8 of interface LoopBack2 overlaps with the address "
		"10.9.9.9/32 of interface LoopBack1.");
	refused("interface = ( { name = \"GigabitEthernet0/1/0\"; address = { address = "
		"\"10.0.1.31\"; prefix_len = 24; }; sub_address = ( { address = \"10.0.2.31\"; "
		"prefix_len = 24; }, { address = \"10.0.1.99\"; prefix_len = 24; } ); } );",
		"The address 10.0.1.99/24 of interface GigabitEthernet0/1/0 overlaps with the "
		"address 10.0.1.31/24 of interface GigabitEthernet0/1/0.");
	refused("interface = ( { name = \"GigabitEthernet0/1/0\"; sub_address = ( { address = "
		"\"10.0.2.31\"; prefix_len = 24; } ); } );",
		"The interface GigabitEthernet0/1/0 has sub addresses but no primary address.");
}

/* 1,024 LoopBacks and 255 subs: the check is by subnet, not by pair; the
 * time is printed. */
Test(validate, overlaps_at_scale)
{
	size_t cap = 1u << 20, len = 0;
	char *text = xmalloc(cap);
	Config *c;
	struct validate_list l = { 0 };
	struct timespec t0, t1;

	len += (size_t)snprintf(text + len, cap - len, "interface = ( { name = "
				"\"GigabitEthernet0/1/0\"; address = { address = \"172.16.0.1\"; "
				"prefix_len = 24; }; sub_address = (");
	for (int i = 1; i <= 255; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s { address = \"172.17.%d.1\"; "
					"prefix_len = 24; }", i > 1 ? "," : "", i);
	len += (size_t)snprintf(text + len, cap - len, " ); }");
	for (int i = 0; i < 1024; i++)
		len += (size_t)snprintf(text + len, cap - len, ", { name = \"LoopBack%d\"; "
					"address = { address = \"10.%d.%d.1\"; prefix_len = 32; }; }",
					i, i / 256, i % 256);
	snprintf(text + len, cap - len, " );");
	c = cfg(text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	validate_config(c, &td.bs, VALIDATE_EDIT, &l);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_eq(l.n, 0, "%s", l.n ? l.msg[0] : "");
	fprintf(stderr, "validate: 1,024 LoopBacks and 256 addresses on one interface in "
		"%.2f ms\n", (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	validate_list_free(&l);
	cfg_free(c);
	free(text);
}

Test(validate, ntp_server_addresses)
{
	ok(SERVER(""));
	ok("ntp = { unicast_server = ( { address = \"ntp.example.com\"; domain = true; } ); };");
	ok("ntp = { unicast_server = ( { address = \"2001:db8::1\"; ipv6 = true; } ); };");
	refused("ntp = { unicast_server = ( { address = \"10.0.1.300\"; } ); };",
		"The NTP server address 10.0.1.300 is not a valid IPv4 address.");
	refused("ntp = { unicast_server = ( { address = \"ntp.example.com\"; } ); };",
		"The NTP server address ntp.example.com is not a valid IPv4 address.");
	refused("ntp = { unicast_server = ( { address = \"-bad-.example\"; domain = true; } ); };",
		"The NTP server domain name -bad-.example is invalid.");
	refused("ntp = { unicast_server = ( { address = \"ff02::1\"; ipv6 = true; } ); };",
		"The NTP server address ff02::1 is not a unicast host address.");
	refused("ntp = { unicast_server = ( { address = \"10.0.1.31\"; ipv6 = true; } ); };",
		"The NTP server address 10.0.1.31 is not a valid IPv6 address.");
	refused("ntp = { unicast_server = ( { address = \"127.127.1.0\"; } ); };",
		"The NTP server address 127.127.1.0 is the local reference clock's (127.127.x.x) "
		"and cannot be used.");
	refused("ntp = { unicast_server = ( { address = \"224.0.1.1\"; } ); };",
		"The NTP server address 224.0.1.1 is not a unicast host address.");
	refused("ntp = { unicast_server = ( { address = \"255.255.255.255\"; } ); };",
		"The NTP server address 255.255.255.255 is not a unicast host address.");
	refused("ntp = { unicast_server = ( { address = \"0.0.0.0\"; } ); };",
		"The NTP server address 0.0.0.0 is not a unicast host address.");
	refused("ntp = { unicast_peer = ( { address = \"10.0.1.255\"; } ); }; " IFADDR("10.0.1.31", 24),
		"The NTP peer address 10.0.1.255 is the broadcast address of the subnet of "
		"interface GigabitEthernet0/1/0.");
	refused("ntp = { unicast_server = ( { address = \"10.0.1.31\"; }, { address = \"10.0.1.31\"; } ); };",
		"The NTP server 10.0.1.31 is configured more than once.");
}

Test(validate, ntp_association_options)
{
	ok(SERVER("version = 4; authentication_keyid = 4294967295L; minpoll = 3; maxpoll = 17;"
		  " port = 65535; burst = true; iburst = true; preferred = true;"
		  " source_interface = \"LoopBack0\";"));
	ok(PEER("version = 1; minpoll = 10; preempt = true;"));
	refused(SERVER("version = 5;"), "The NTP version of server 10.0.1.31 must be 1 to 4.");
	refused(SERVER("version = 0;"), "The NTP version of server 10.0.1.31 must be 1 to 4.");
	refused(SERVER("authentication_keyid = 0;"),
		"The authentication key ID of NTP server 10.0.1.31 must be 1 to 4294967295.");
	refused(SERVER("minpoll = 2;"),
		"The minimum polling interval of NTP server 10.0.1.31 must be 3 to 17.");
	refused(SERVER("maxpoll = 18;"),
		"The maximum polling interval of NTP server 10.0.1.31 must be 3 to 17.");
	refused(SERVER("minpoll = 12;"),
		"The minimum polling interval (12) of NTP server 10.0.1.31 is greater than the "
		"maximum polling interval (10).");
	refused(SERVER("port = 0;"), "The port of NTP server 10.0.1.31 must be 1 to 65535.");
	refused(SERVER("port = 65536;"), "The port of NTP server 10.0.1.31 must be 1 to 65535.");
	refused(PEER("iburst = true;"),
		"The burst and iburst options apply only to NTP servers, not to peer 10.0.1.32.");
	refused(SERVER("source_interface = \"Vlanif10\";"),
		"The source interface Vlanif10 of NTP server 10.0.1.31 does not exist.");
	/* An instance's associations are in Ntp.vpn (test_validate_vpn.c). */
	refused(SERVER("vpn_instance = \"mgmt\";"),
		"The NTP server 10.0.1.31 names VPN instance mgmt outside that instance's list.");
	refused(PEER("vpn_instance = \"blue\";"),
		"The NTP peer 10.0.1.32 names VPN instance blue outside that instance's list.");
}

Test(validate, ntp_global)
{
	ok("ntp = { refclock_master = { address = \"127.127.1.3\"; stratum = 15; };"
	   " server_source_interface = \"GigabitEthernet0/1/0\"; source_interface = \"LoopBack0\";"
	   " unsync = { max_poll_interval = 17; dec_step = 1; }; };");
	ok("ntp = { refclock_master = { }; };");
	refused("ntp = { refclock_master = { address = \"127.127.1.4\"; }; };",
		"The reference clock address 127.127.1.4 is invalid: it must be 127.127.1.0 to "
		"127.127.1.3.");
	refused("ntp = { refclock_master = { address = \"127.127.2.0\"; }; };",
		"The reference clock address 127.127.2.0 is invalid: it must be 127.127.1.0 to "
		"127.127.1.3.");
	refused("ntp = { refclock_master = { stratum = 16; }; };",
		"The stratum of the local reference clock must be 1 to 15.");
	refused("ntp = { refclock_master = { stratum = 0; }; };",
		"The stratum of the local reference clock must be 1 to 15.");
	refused("ntp = { server_source_interface = \"GigabitEthernet0/3/0\"; };",
		"The NTP server source interface GigabitEthernet0/3/0 does not exist.");
	refused("ntp = { source_interface = \"Vlanif9\"; };",
		"The NTP source interface Vlanif9 does not exist.");
	/* A VPN instance on the global source interfaces: it must exist. */
	refused("ntp = { source_interface = \"LoopBack0\"; "
		"source_interface_vpn_instance = \"blue\"; };",
		"The VPN instance blue of the NTP source interface LoopBack0 does not exist.");
	refused("ntp = { ipv6_source_interface_vpn_instance = \"blue\"; };",
		"The VPN instance blue of the NTP IPv6 source interface is given without a "
		"source interface.");
	ok("ntp = { unsync = { max_poll_interval = 1; dec_step = 16; }; };");
	refused("ntp = { unsync = { max_poll_interval = 0; }; };",
		"The maximum polling interval while unsynchronized must be 1 to 17.");
	refused("ntp = { unsync = { max_poll_interval = 18; }; };",
		"The maximum polling interval while unsynchronized must be 1 to 17.");
	refused("ntp = { unsync = { dec_step = 17; }; };",
		"The decrement step of the unsynchronized polling interval must be 1 to 16.");
}

Test(validate, only_introduced_problems_count)
{
	Config *before = cfg("interface = ( { name = \"GigabitEthernet0/9/0\"; } );");
	Config *after = cfg("interface = ( { name = \"GigabitEthernet0/9/0\"; } );"
			    " system = { sysname = \"DeviceC\"; };");
	Config *worse = cfg("interface = ( { name = \"GigabitEthernet0/9/0\"; } );"
			    " ntp = { unicast_server = ( { address = \"10.0.1.31\"; version = 9; } ); };");
	char err[512] = "";

	/* A problem already in `before` (an interface gone from the bootstrap)
	 * does not block an unrelated change... */
	cr_assert_eq(validate_change(before, after, &td.bs, VALIDATE_COMMIT, err, sizeof(err)), 0);
	/* ...but a new one is refused. */
	cr_assert_eq(validate_change(before, worse, &td.bs, VALIDATE_COMMIT, err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, "The NTP version of server 10.0.1.31 must be 1 to 4.");
	cfg_free(before);
	cfg_free(after);
	cfg_free(worse);
}

Test(validate, canonical_interface_names)
{
	Config *c = cfg("interface = ( { name = \"gigabitethernet0/1/0\"; } );"
			" ntp = { server_source_interface = \"GIGABITETHERNET0/2/0\";"
			" unicast_server = ( { address = \"10.0.1.31\"; source_interface = \"loopback0\"; } ); };");

	validate_canonicalize(c, &td.bs);
	cr_assert_str_eq(c->interface[0]->name, "GigabitEthernet0/1/0");
	cr_assert_str_eq(c->ntp->server_source_interface, "GigabitEthernet0/2/0");
	cr_assert_str_eq(c->ntp->unicast_server[0]->source_interface, "LoopBack0");
	cfg_free(c);

	/* An unmapped LoopBack takes the type's own spelling. */
	c = cfg("interface = ( { name = \"LOOPBACK7\"; } ); ntp = { source_interface = \"loopback7\"; };");
	validate_canonicalize(c, &td.bs);
	cr_assert_str_eq(c->interface[0]->name, "LoopBack7");
	cr_assert_str_eq(c->ntp->source_interface, "LoopBack7");
	cfg_free(c);
}
