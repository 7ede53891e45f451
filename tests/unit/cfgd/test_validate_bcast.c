/*
 * test_validate_bcast.c: cfgd/validate.c, the NTP broadcast and multicast
 * settings of an interface (version, key id, port, ttl, group), each
 * accepted and refused with its sentence; the libconfig text of the four
 * fields round-trips through pbconf.
 */
#include <errno.h>

#include "cfgd_fixtures.h"
#include "validate.h"

VALIDATE_SUITE(validate_bcast);

#define IF(body) "interface = ( { name = \"GigabitEthernet0/1/0\"; " body " } );"

Test(validate_bcast, broadcast_server)
{
	ok(IF("ntp_broadcast_server = { };"));
	ok(IF("ntp_broadcast_server = { version = 4; authentication_keyid = 7; port = 1123; };"));
	ok(IF("ntp_broadcast_client = true;"));
	refused(IF("ntp_broadcast_server = { version = 5; };"),
		"The NTP version of the broadcast server on interface GigabitEthernet0/1/0 "
		"must be 1 to 4.");
	refused(IF("ntp_broadcast_server = { version = 0; };"),
		"The NTP version of the broadcast server on interface GigabitEthernet0/1/0 "
		"must be 1 to 4.");
	refused(IF("ntp_broadcast_server = { authentication_keyid = 0; };"),
		"The authentication key ID of the NTP broadcast server on interface "
		"GigabitEthernet0/1/0 must be 1 to 4294967295.");
	refused(IF("ntp_broadcast_server = { port = 0; };"),
		"The port of the NTP broadcast server on interface GigabitEthernet0/1/0 must be "
		"1 to 65535.");
	refused(IF("ntp_broadcast_server = { port = 65536; };"),
		"The port of the NTP broadcast server on interface GigabitEthernet0/1/0 must be "
		"1 to 65535.");
}

Test(validate_bcast, multicast_server)
{
	ok(IF("ntp_multicast_server = { };"));
	ok(IF("ntp_multicast_server = { group = \"224.0.1.1\"; version = 3; ttl = 1; port = 123; };"));
	ok(IF("ntp_multicast_server = { group = \"239.255.255.255\"; ttl = 255; };"));
	refused(IF("ntp_multicast_server = { group = \"10.0.1.255\"; };"),
		"The NTP multicast group 10.0.1.255 on interface GigabitEthernet0/1/0 is not a "
		"multicast address.");
	refused(IF("ntp_multicast_server = { group = \"224.0.0.0\"; };"),
		"The NTP multicast group 224.0.0.0 on interface GigabitEthernet0/1/0 is not a "
		"multicast address.");
	refused(IF("ntp_multicast_server = { group = \"240.0.0.1\"; };"),
		"The NTP multicast group 240.0.0.1 on interface GigabitEthernet0/1/0 is not a "
		"multicast address.");
	refused(IF("ntp_multicast_server = { group = \"nonsense\"; };"),
		"The NTP multicast group nonsense on interface GigabitEthernet0/1/0 is not a "
		"multicast address.");
	refused(IF("ntp_multicast_server = { ttl = 0; };"),
		"The TTL of the NTP multicast server on interface GigabitEthernet0/1/0 must be "
		"1 to 255.");
	refused(IF("ntp_multicast_server = { ttl = 256; };"),
		"The TTL of the NTP multicast server on interface GigabitEthernet0/1/0 must be "
		"1 to 255.");
	refused(IF("ntp_multicast_server = { version = 9; };"),
		"The NTP version of the multicast server on interface GigabitEthernet0/1/0 "
		"must be 1 to 4.");
	refused(IF("ntp_multicast_server = { authentication_keyid = 0; };"),
		"The authentication key ID of the NTP multicast server on interface "
		"GigabitEthernet0/1/0 must be 1 to 4294967295.");
	refused(IF("ntp_multicast_server = { port = 70000; };"),
		"The port of the NTP multicast server on interface GigabitEthernet0/1/0 must be "
		"1 to 65535.");
}

Test(validate_bcast, multicast_client)
{
	ok(IF("ntp_multicast_client = { };"));
	ok(IF("ntp_multicast_client = { group = \"224.0.1.1\"; };"));
	refused(IF("ntp_multicast_client = { group = \"255.255.255.255\"; };"),
		"The NTP multicast group 255.255.255.255 on interface GigabitEthernet0/1/0 is "
		"not a multicast address.");
}

Test(validate_bcast, text_round_trip)
{
	const char *text = IF("ntp_broadcast_server = { version = 4; port = 1123; }; "
			      "ntp_broadcast_client = true; "
			      "ntp_multicast_server = { group = \"224.0.1.1\"; ttl = 8; }; "
			      "ntp_multicast_client = { };");
	Config *c = cfg(text);

	cr_assert_eq(c->n_interface, 1);
	cr_assert_not_null(c->interface[0]->ntp_broadcast_server);
	cr_assert_eq(c->interface[0]->ntp_broadcast_server->version, 4);
	cr_assert(c->interface[0]->has_ntp_broadcast_client);
	cr_assert_str_eq(c->interface[0]->ntp_multicast_server->group, "224.0.1.1");
	cr_assert_eq(c->interface[0]->ntp_multicast_server->ttl, 8);
	cr_assert_not_null(c->interface[0]->ntp_multicast_client);
	cr_assert_null(c->interface[0]->ntp_multicast_client->group);
	cfg_free(c);
}
