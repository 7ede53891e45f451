/*
 * test_validate_assoc.c: cfgd's checks of what the association options
 * and the VRP8 spellings add: `ntp ipv6 source-interface` (exists,
 * canonical name), peers by domain name, every option of a server at its
 * range limits together, and ranges checked both ways (minpoll/maxpoll).
 */
#include <errno.h>

#include "cfgd_test.h"
#include "validate.h"

VALIDATE_SUITE(validate_assoc);

Test(validate_assoc, ipv6_source_interface)
{
	Config *c;

	ok("ntp = { ipv6_source_interface = \"LoopBack0\"; };");
	refused("ntp = { ipv6_source_interface = \"LoopBack9\"; };",
		"The NTP IPv6 source interface LoopBack9 does not exist.");
	c = cfg("ntp = { ipv6_source_interface = \"loopback0\"; };");
	validate_canonicalize(c, &td.bs);
	cr_assert_str_eq(c->ntp->ipv6_source_interface, "LoopBack0");
	cfg_free(c);
}

Test(validate_assoc, peers_by_name_and_every_option)
{
	ok("ntp = { unicast_peer = ( { address = \"peer.example.net\"; domain = true;"
	   " version = 3; preferred = true; priority = true; minpoll = 4; maxpoll = 4;"
	   " port = 1123; preempt = true; source_interface = \"LoopBack0\"; } ); };");
	refused("ntp = { unicast_peer = ( { address = \"peer..example\"; domain = true; } ); };",
		"The NTP peer domain name peer..example is invalid.");
	refused("ntp = { unicast_peer = ( { address = \"10.0.1.32\"; burst = true; } ); };",
		"The burst and iburst options apply only to NTP servers, not to peer 10.0.1.32.");
	/* maxpoll below the default minpoll counts the default. */
	refused("ntp = { unicast_server = ( { address = \"10.0.1.31\"; maxpoll = 5; } ); };",
		"The minimum polling interval (6) of NTP server 10.0.1.31 is greater than the "
		"maximum polling interval (5).");
	ok("ntp = { unicast_server = ( { address = \"10.0.1.31\"; minpoll = 3; maxpoll = 5; } ); };");
	refused("ntp = { unicast_server = ( { address = \"127.127.1.0\"; } ); };",
		"The NTP server address 127.127.1.0 is the local reference clock's (127.127.x.x) "
		"and cannot be used.");
	refused("ntp = { unicast_server = ( { address = \"224.0.1.1\"; } ); };",
		"The NTP server address 224.0.1.1 is not a unicast host address.");
}
