/*
 * ifs_fixtures.h: inputs shared by ifmgrd's tests (ifs_fixtures.c, in the
 * meridian_ifmgrd_rig library): an observed netdev as the kernel reports
 * it, and a configuration of one interface with IPv6 settings.  No kernel,
 * no sockets.
 */
#ifndef MERIDIAN_TEST_IFS_FIXTURES_H
#define MERIDIAN_TEST_IFS_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>

#include "ifstate.h"

/* A netdev that exists, with ifindex 7, IFF_* flags and no address; the
 * caller frees it with ifs_obs_free. */
struct ifs_observed ifs_test_present(unsigned flags);

/* A configuration of interface `name`, undo shutdown, `ipv6 enable` set to
 * enable, and the IPv6 addresses addrs[i]/plens[i] (plens NULL: all /64).
 * Free with protobuf_c_message_free_unpacked. */
Config *ifs_test_config_v6(const char *name, bool enable, const char *const *addrs,
			   const unsigned *plens, size_t n);

#endif
