/*
 * vrf.h: the VRF backend's rtnetlink messages (Linux l3mdev): a VRF device
 * per VPN instance, its routing table, and the netdevs enslaved to it.
 *
 * The builders are pure (a buffer in, a message out, no socket) so the unit
 * tests check the bytes the kernel would get (tests/unit/ifmgrd/test_vrf.c);
 * vrf_create/vrf_delete/vrf_enslave send them through ifmgrd's command
 * socket.  UNTESTED ON A REAL VRF: the machines the tests run on have no
 * VRF support in their kernel, so only the messages are checked; the
 * namespace backend is the one the integration tests run.
 */
#ifndef MERIDIAN_IFMGRD_VRF_H
#define MERIDIAN_IFMGRD_VRF_H

#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct rtnl;

#define VRF_MSG_MAX 256   /* a buffer any builder's message fits in */

/* The VRF device's name for VPN instance vpn ("vrf-" + vpn, or "vrf" and a
 * hash of it when too long for IFNAMSIZ) and its routing table (1001 +
 * 15 bits of the same hash, never the kernel's main or local table). */
void vrf_dev_name(const char *vpn, char *buf, size_t len);
uint32_t vrf_table(const char *vpn);

/* RTM_NEWLINK (NLM_F_CREATE | NLM_F_EXCL): a device `name` of kind "vrf"
 * with IFLA_VRF_TABLE table. */
struct nlmsghdr *vrf_msg_new(char *buf, const char *name, uint32_t table);
/* RTM_DELLINK of ifindex. */
struct nlmsghdr *vrf_msg_del(char *buf, int ifindex);
/* RTM_NEWLINK setting IFLA_MASTER of ifindex (0: out of any VRF). */
struct nlmsghdr *vrf_msg_enslave(char *buf, int ifindex, int master);

/* Send them: 0 or -errno (-EOPNOTSUPP: no VRF in this kernel). */
int vrf_create(struct rtnl *nl, const char *name, uint32_t table);
int vrf_delete(struct rtnl *nl, int ifindex);
int vrf_enslave(struct rtnl *nl, int ifindex, int master);

#endif
