/*
 * test_validate_assoc.c: cfgd's checks of what the association options
 * and the VRP8 spellings add: `ntp ipv6 source-interface` (exists,
 * canonical name), peers by domain name, every option of a server at its
 * range limits together, ranges checked both ways (minpoll/maxpoll), and
 * link-local IPv6 servers and peers, which need the interface that scopes
 * them (their own source-interface or `ntp-service ipv6 source-interface`).
 */
#include <errno.h>

#include "cfgd_fixtures.h"
#include "validate.h"

VALIDATE_SUITE(validate_assoc);

Test(validate_assoc, ipv6_source_interface)
{
	Config *c;

	ok("ntp = { ipv6_source_interface = \"LoopBack0\"; };");
	refused("ntp = { ipv6_source_interface = \"Vlanif9\"; };",
		"The NTP IPv6 source interface Vlanif9 does not exist.");
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

#define LL_SERVER(opts) \
	"ntp = { unicast_server = ( { address = \"fe80::1\"; ipv6 = true; " opts " } ); "
#define LL_SENTENCE(kind) \
	"The NTP " kind " address fe80::1 is a link-local address and needs an interface: " \
	"specify source-interface, or configure ntp-service ipv6 source-interface first."

Test(validate_assoc, link_local_needs_an_interface)
{
	/* Refused at once without an interface, server or peer. */
	refused(LL_SERVER("") "};", LL_SENTENCE("server"));
	refused("ntp = { unicast_peer = ( { address = \"fe80::1\"; ipv6 = true; } ); };",
		LL_SENTENCE("peer"));
	refused("ntp = { unicast_server = ( { address = \"febf::1:2\"; ipv6 = true; } ); };",
		"The NTP server address febf::1:2 is a link-local address and needs an "
		"interface: specify source-interface, or configure ntp-service ipv6 "
		"source-interface first.");
	/* Its own source-interface, or the global IPv6 one. */
	ok(LL_SERVER("source_interface = \"GigabitEthernet0/1/0\";") "};");
	ok("ntp = { unicast_peer = ( { address = \"fe80::1\"; ipv6 = true; "
	   "source_interface = \"GigabitEthernet0/1/0\"; } ); };");
	ok(LL_SERVER("") "ipv6_source_interface = \"GigabitEthernet0/2/0\"; };");
	/* A global address needs neither. */
	ok("ntp = { unicast_server = ( { address = \"2001:db8::1\"; ipv6 = true; } ); };");
}

Test(validate_assoc, link_local_edits)
{
	Config *c = NULL;
	char err[512] = "";

	/* The global IPv6 source interface first, then the server: accepted;
	 * removing the interface it relies on is refused. */
	cr_assert_eq(cand_edit(&td.bs, &c, edit_set("ntp = { ipv6_source_interface = "
			       "\"GigabitEthernet0/1/0\"; };"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cand_edit(&td.bs, &c, edit_set(LL_SERVER("") "};"), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(cand_edit(&td.bs, &c, edit_del("ntp", "ipv6_source_interface", NULL), err,
			       sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, LL_SENTENCE("server"));
	/* With its own source-interface (re-entered: DELETE + SET, as clid
	 * sends it) the global one may go. */
	cr_assert_eq(cand_edit(&td.bs, &c, edit_del("ntp", "unicast_server", "fe80::1", NULL), err,
			       sizeof(err)), 0, "%s", err);
	cr_assert_eq(cand_edit(&td.bs, &c, edit_set(LL_SERVER("source_interface = "
			       "\"GigabitEthernet0/2/0\";") "};"), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cand_edit(&td.bs, &c, edit_del("ntp", "ipv6_source_interface", NULL), err,
			       sizeof(err)), 0, "%s", err);
	assert_cfg(c, LL_SERVER("source_interface = \"GigabitEthernet0/2/0\";") "};");
	/* Its source-interface removed alone: refused. */
	cr_assert_eq(cand_edit(&td.bs, &c, edit_del("ntp", "unicast_server", "fe80::1",
						     "source_interface", NULL), err, sizeof(err)),
		     -EINVAL);
	cr_assert_str_eq(err, LL_SENTENCE("server"));
	cfg_free(c);
}
