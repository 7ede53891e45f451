/*
 * vrf.c: the VRF backend's rtnetlink messages (see vrf.h), as
 * `ip link add NAME type vrf table T` and `ip link set DEV master NAME`
 * send them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "netlink.h"
#include "vrf.h"

static uint32_t fnv(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void vrf_dev_name(const char *vpn, char *buf, size_t len)
{
	if (strlen(vpn) + 4 < IFNAMSIZ)
		snprintf(buf, len, "vrf-%s", vpn);
	else
		snprintf(buf, len, "vrf%08x", fnv(vpn));
}

uint32_t vrf_table(const char *vpn)
{
	return 1001u + (fnv(vpn) & 0x7fffu);
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

struct nlmsghdr *vrf_msg_new(char *buf, const char *name, uint32_t table)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vrf");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VRF_TABLE, table);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

struct nlmsghdr *vrf_msg_del(char *buf, int ifindex)
{
	return link_msg(buf, RTM_DELLINK, 0, ifindex);
}

struct nlmsghdr *vrf_msg_enslave(char *buf, int ifindex, int master)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nlh;
}

int vrf_create(struct rtnl *nl, const char *name, uint32_t table)
{
	char buf[VRF_MSG_MAX];

	return rtnl_request(nl, vrf_msg_new(buf, name, table));
}

int vrf_delete(struct rtnl *nl, int ifindex)
{
	char buf[VRF_MSG_MAX];

	return rtnl_request(nl, vrf_msg_del(buf, ifindex));
}

int vrf_enslave(struct rtnl *nl, int ifindex, int master)
{
	char buf[VRF_MSG_MAX];

	return rtnl_request(nl, vrf_msg_enslave(buf, ifindex, master));
}
