/*
 * netlink.h: ifmgrd's rtnetlink access, over libmnl.
 *
 * Two NETLINK_ROUTE sockets: an event socket (non-blocking, subscribed to
 * RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR, read from the
 * daemon's loop) and a
 * command socket used synchronously for dumps and for changes, each change
 * waiting for the kernel's acknowledgement (rtnetlink answers at once).
 * Both live in the network namespace of the process that opens them.
 * Messages are decoded into struct rtnl_event and handed to one callback;
 * IPv4 and IPv6 addresses and AF_UNSPEC link messages are reported.
 */
#ifndef MERIDIAN_NETLINK_H
#define MERIDIAN_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/if_link.h>
#include "ifstate.h"

struct nlmsghdr;
struct rtnl;

enum rtnl_event_type { RTNL_NEWLINK, RTNL_DELLINK, RTNL_NEWADDR, RTNL_DELADDR };

struct rtnl_event {
	enum rtnl_event_type type;
	int ifindex;
	unsigned flags;         /* links: IFF_* */
	uint32_t mtu;           /* links: IFLA_MTU, 0 if absent */
	int master;             /* links: IFLA_MASTER (a bridge, a VRF), 0 if none */
	const char *ifname;     /* links: IFLA_IFNAME, NULL if absent; valid during the callback */
	int family;             /* addresses: AF_INET (addr) or AF_INET6 (addr6) */
	struct ifs_addr addr;   /* IPv4 addresses */
	struct ifs_addr6 addr6; /* IPv6 addresses */
};

typedef void (*rtnl_event_cb)(const struct rtnl_event *ev, void *arg);

/* Open both sockets; events (and dumps) go to cb.  NULL with errno set. */
struct rtnl *rtnl_open(rtnl_event_cb cb, void *arg);
void rtnl_close(struct rtnl *nl);
/* The event socket, to poll for POLLIN. */
int rtnl_event_fd(const struct rtnl *nl);

/* Dump all links, then all IPv4 and IPv6 addresses, through the callback.
 * 0 or -errno (a kernel without IPv6 is not an error). */
int rtnl_dump(struct rtnl *nl);
/* Read every pending event.  0 when drained; -ENOBUFS when the kernel
 * dropped events, -EMSGSIZE when a datagram did not fit the buffer (either
 * way the caller must forget its view and rtnl_dump again); another -errno
 * on failure. */
int rtnl_read_events(struct rtnl *nl);

/* Changes, each acknowledged by the kernel.  0 or -errno (EPERM, ENODEV...). */
int rtnl_link_set_up(struct rtnl *nl, int ifindex, bool up);
int rtnl_link_set_mtu(struct rtnl *nl, int ifindex, uint32_t mtu);
/* Move netdev ifindex into the network namespace nsfd (IFLA_NET_NS_FD): the
 * kernel takes its addresses away and sets it down there. */
int rtnl_link_set_netns(struct rtnl *nl, int ifindex, int nsfd);
/* Send a request built elsewhere (vrf.c) with the next sequence number
 * and NLM_F_ACK, and wait for the kernel's answer.  0 or -errno. */
int rtnl_request(struct rtnl *nl, struct nlmsghdr *nlh);
int rtnl_addr_add(struct rtnl *nl, int ifindex, const struct ifs_addr *a);
int rtnl_addr_del(struct rtnl *nl, int ifindex, const struct ifs_addr *a);
/* IPv6: added with no lifetime (a static address, IFA_F_PERMANENT) and
 * with DAD (no IFA_F_NODAD: the kernel decides when it is usable). */
int rtnl_addr6_add(struct rtnl *nl, int ifindex, const struct ifs_addr6 *a);
int rtnl_addr6_del(struct rtnl *nl, int ifindex, const struct ifs_addr6 *a);

/* What `display interface` reads of one netdev, asked when it is shown. */
struct rtnl_link_info {
	unsigned flags;                    /* IFF_* */
	uint32_t mtu;
	uint8_t mac[32];                   /* IFLA_ADDRESS */
	size_t mac_len;                    /* 0: none */
	bool has_stats;
	struct rtnl_link_stats64 stats;    /* IFLA_STATS64; fields a kernel lacks are 0 */
};

/* Read netdev `ifindex` (RTM_GETLINK, answered at once).  0 with *out
 * filled, or -errno (-ENODEV when it is gone) with *out zeroed. */
int rtnl_link_info(struct rtnl *nl, int ifindex, struct rtnl_link_info *out);

/* What was skipped, since rtnl_open. */
struct rtnl_stats {
	uint64_t malformed;     /* a link or address message failing its checks */
	uint64_t unexpected;    /* a type neither socket carries (NLMSG_ERROR on the
				 * event socket, RTM_NEWROUTE, ...) */
	uint64_t truncated;     /* the end of a datagram cut inside a message, or a
				 * datagram larger than the buffer */
};
const struct rtnl_stats *rtnl_stats(const struct rtnl *nl);

/* Run one datagram of event messages (as the event socket delivers them)
 * through the callback, skipping and counting what is malformed,
 * unexpected or cut short; what follows a bad message is still read. */
void rtnl_feed(struct rtnl *nl, const void *buf, size_t len);

/* Decode one rtnetlink message into *ev.  1 if it is a reported event,
 * 0 if it is ignored (other type or family), -EBADMSG if malformed. */
int rtnl_parse(const struct nlmsghdr *nlh, struct rtnl_event *ev);

#endif
