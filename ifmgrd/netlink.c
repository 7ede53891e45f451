/*
 * netlink.c: rtnetlink over libmnl (see netlink.h).
 *
 * Requests carry their own sequence number and are matched with
 * mnl_cb_run(seq, portid); the event socket accepts any sequence (seq 0).
 * Every attribute is type- and length-checked before use; a message that
 * fails, one of a type neither socket should carry, and bytes at the end of
 * a datagram that are no whole message are skipped and counted
 * (rtnl_stats), the rest of their datagram still read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "netlink.h"

struct rtnl {
	struct mnl_socket *ev;     /* events, non-blocking */
	struct mnl_socket *cmd;    /* dumps and changes, blocking */
	unsigned cmd_portid;
	unsigned seq;
	rtnl_event_cb cb;
	void *arg;
	char *buf;                 /* MNL_SOCKET_BUFFER_SIZE */
	size_t buflen;
	struct rtnl_link_info *info;   /* rtnl_link_info's answer, while it waits */
	struct rtnl_stats stats;
};

struct link_attrs {
	const char *ifname;
	uint32_t mtu;
	uint32_t master;
};

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;   /* newer kernel attribute: skip */
	if (mnl_attr_get_type(attr) == IFLA_IFNAME) {
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		la->ifname = mnl_attr_get_str(attr);
	} else if (mnl_attr_get_type(attr) == IFLA_MTU) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		la->mtu = mnl_attr_get_u32(attr);
	} else if (mnl_attr_get_type(attr) == IFLA_MASTER) {
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		la->master = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

struct addr_attrs {
	const struct nlattr *local, *address;
	bool has_flags;
	uint32_t flags;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	struct addr_attrs *aa = data;

	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(attr)) {
	case IFA_LOCAL:
	case IFA_ADDRESS:
		/* The size depends on the family: checked by rtnl_parse. */
		if (mnl_attr_get_type(attr) == IFA_LOCAL)
			aa->local = attr;
		else
			aa->address = attr;
		break;
	case IFA_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		aa->has_flags = true;
		aa->flags = mnl_attr_get_u32(attr);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

/* The IPv6 part of an address message: IFA_LOCAL (a point-to-point
 * address's own end) or else IFA_ADDRESS is the address. */
static int parse_addr6(const struct ifaddrmsg *ifa, const struct addr_attrs *aa, uint32_t flags,
		       struct rtnl_event *ev)
{
	const struct nlattr *at = aa->local ? aa->local : aa->address;

	if ((aa->local && mnl_attr_get_payload_len(aa->local) != sizeof(struct in6_addr)) ||
	    (aa->address && mnl_attr_get_payload_len(aa->address) != sizeof(struct in6_addr)))
		return -EBADMSG;
	if (ifa->ifa_prefixlen > 128)
		return -EBADMSG;
	memcpy(&ev->addr6.addr, mnl_attr_get_payload(at), sizeof(struct in6_addr));
	ev->addr6.plen = ifa->ifa_prefixlen;
	ev->addr6.scope = ifa->ifa_scope;
	ev->addr6.flags = flags;
	return ev->ifindex > 0 ? 1 : -EBADMSG;
}

int rtnl_parse(const struct nlmsghdr *nlh, struct rtnl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		const struct ifinfomsg *ifi;
		struct link_attrs la = { 0 };

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
			return -EBADMSG;
		ifi = mnl_nlmsg_get_payload(nlh);
		/* AF_BRIDGE messages describe bridge ports, not the netdev itself. */
		if (ifi->ifi_family != AF_UNSPEC)
			return 0;
		if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, &la) < 0)
			return -EBADMSG;
		ev->type = nlh->nlmsg_type == RTM_NEWLINK ? RTNL_NEWLINK : RTNL_DELLINK;
		ev->ifindex = ifi->ifi_index;
		ev->flags = ifi->ifi_flags;
		ev->ifname = la.ifname;
		ev->mtu = la.mtu;
		ev->master = (int)la.master;
		return ev->ifindex > 0 ? 1 : -EBADMSG;
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		const struct ifaddrmsg *ifa;
		struct addr_attrs aa = { 0 };
		uint32_t flags;

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
			return -EBADMSG;
		ifa = mnl_nlmsg_get_payload(nlh);
		if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
			return 0;
		if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, &aa) < 0)
			return -EBADMSG;
		if (!aa.local && !aa.address)
			return -EBADMSG;
		flags = aa.has_flags ? aa.flags : ifa->ifa_flags;
		ev->type = nlh->nlmsg_type == RTM_NEWADDR ? RTNL_NEWADDR : RTNL_DELADDR;
		ev->ifindex = (int)ifa->ifa_index;
		ev->family = ifa->ifa_family;
		if (ifa->ifa_family == AF_INET6)
			return parse_addr6(ifa, &aa, flags, ev);
		if ((aa.local && mnl_attr_get_payload_len(aa.local) != sizeof(struct in_addr)) ||
		    (aa.address && mnl_attr_get_payload_len(aa.address) != sizeof(struct in_addr)))
			return -EBADMSG;
		if (ifa->ifa_prefixlen > 32)
			return -EBADMSG;
		memcpy(&ev->addr.local, mnl_attr_get_payload(aa.local ? aa.local : aa.address),
		       sizeof(struct in_addr));
		memcpy(&ev->addr.peer, mnl_attr_get_payload(aa.address ? aa.address : aa.local),
		       sizeof(struct in_addr));
		ev->addr.plen = ifa->ifa_prefixlen;
		ev->addr.scope = ifa->ifa_scope;
		ev->addr.secondary = !!(flags & IFA_F_SECONDARY);
		return ev->ifindex > 0 ? 1 : -EBADMSG;
	}
	default:
		return 0;
	}
}

/* One message of a dump or of the event socket: reported, ignored (a
 * bridge port's link message, an address family we do not follow), or
 * skipped and counted (malformed; a type neither carries). */
static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *nl = data;
	struct rtnl_event ev;
	int r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		break;
	case NLMSG_NOOP:
	case NLMSG_DONE:
		return MNL_CB_OK;
	default:
		nl->stats.unexpected++;
		log_debug("netlink: unexpected message type %u (%u bytes) skipped",
			  nlh->nlmsg_type, nlh->nlmsg_len);
		return MNL_CB_OK;
	}
	r = rtnl_parse(nlh, &ev);
	if (r < 0) {
		nl->stats.malformed++;
		log_debug("netlink: malformed message type %u (%u bytes) skipped",
			  nlh->nlmsg_type, nlh->nlmsg_len);
	} else if (r > 0) {
		nl->cb(&ev, nl->arg);
	}
	return MNL_CB_OK;
}

void rtnl_feed(struct rtnl *nl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rest = len > INT_MAX ? INT_MAX : (int)len;

	/* Each message stands alone: a bad one never stops the others. */
	while (mnl_nlmsg_ok(nlh, rest)) {
		msg_cb(nlh, nl);
		nlh = mnl_nlmsg_next(nlh, &rest);
	}
	if (rest > 0) {
		nl->stats.truncated++;
		log_debug("netlink: %d bytes that are no whole message skipped", rest);
	}
}

const struct rtnl_stats *rtnl_stats(const struct rtnl *nl)
{
	return &nl->stats;
}

struct rtnl *rtnl_open(rtnl_event_cb cb, void *arg)
{
	struct rtnl *nl = xcalloc(1, sizeof(*nl));
	struct timeval tmo = { .tv_sec = 2 };
	int one = 1, rcvbuf = 1 << 20, e;

	nl->cb = cb;
	nl->arg = arg;
	nl->buflen = MNL_SOCKET_BUFFER_SIZE;
	nl->buf = xmalloc(nl->buflen);
	nl->seq = (unsigned)time(NULL);
	nl->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!nl->ev || mnl_socket_bind(nl->ev, RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
				       RTMGRP_IPV6_IFADDR, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Room for bursts (a bridge full of ports flapping) before ENOBUFS. */
	setsockopt(mnl_socket_get_fd(nl->ev), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	nl->cmd = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->cmd || mnl_socket_bind(nl->cmd, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Extended ACKs are a nicety: ignore kernels without them. */
	mnl_socket_setsockopt(nl->cmd, NETLINK_EXT_ACK, &one, sizeof(one));
	/* rtnetlink answers at once; a bound keeps a lost answer from hanging the loop. */
	setsockopt(mnl_socket_get_fd(nl->cmd), SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	nl->cmd_portid = mnl_socket_get_portid(nl->cmd);
	return nl;
fail:
	e = errno;
	rtnl_close(nl);
	errno = e;
	return NULL;
}

void rtnl_close(struct rtnl *nl)
{
	if (!nl)
		return;
	if (nl->ev)
		mnl_socket_close(nl->ev);
	if (nl->cmd)
		mnl_socket_close(nl->cmd);
	free(nl->buf);
	free(nl);
}

int rtnl_event_fd(const struct rtnl *nl)
{
	return mnl_socket_get_fd(nl->ev);
}

/* Send the request in nl->buf and run the answers through cb until the
 * kernel's ACK or NLMSG_DONE.  0 or -errno. */
static int cmd_transact(struct rtnl *nl, struct nlmsghdr *nlh, mnl_cb_t cb)
{
	unsigned seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(nl->cmd, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->cmd, nl->buf, nl->buflen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* An answer to an earlier request that timed out (SO_RCVTIMEO)
		 * arrives late: skipped, or every later request on this socket
		 * would read its predecessor's answer. */
		if ((size_t)n >= sizeof(struct nlmsghdr) &&
		    ((const struct nlmsghdr *)nl->buf)->nlmsg_seq != seq &&
		    ((const struct nlmsghdr *)nl->buf)->nlmsg_seq != 0) {
			log_debug("netlink: a late answer (seq %u) skipped",
				  ((const struct nlmsghdr *)nl->buf)->nlmsg_seq);
			continue;
		}
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->cmd_portid, cb, nl);
		if (r == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *put_header(struct rtnl *nl, char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

int rtnl_dump(struct rtnl *nl)
{
	char req[256];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int r;

	nlh = put_header(nl, req, RTM_GETLINK, NLM_F_DUMP);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	r = cmd_transact(nl, nlh, msg_cb);
	if (r < 0)
		return r;
	nlh = put_header(nl, req, RTM_GETADDR, NLM_F_DUMP);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_INET;
	r = cmd_transact(nl, nlh, msg_cb);
	if (r < 0)
		return r;
	nlh = put_header(nl, req, RTM_GETADDR, NLM_F_DUMP);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_INET6;
	r = cmd_transact(nl, nlh, msg_cb);
	/* A kernel without IPv6 (ipv6.disable=1) answers EAFNOSUPPORT. */
	if (r == -EAFNOSUPPORT || r == -EOPNOTSUPP) {
		log_debug("netlink: no IPv6 in this kernel: %s", strerror(-r));
		r = 0;
	}
	return r;
}

int rtnl_read_events(struct rtnl *nl)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->ev, nl->buf, nl->buflen);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			if (errno == ENOSPC) {
				/* libmnl's word for MSG_TRUNC: a datagram larger
				 * than the buffer, its events lost. */
				nl->stats.truncated++;
				return -EMSGSIZE;
			}
			return -errno;   /* ENOBUFS: events were lost */
		}
		rtnl_feed(nl, nl->buf, (size_t)n);
	}
}

/* Acks carry no payload we need. */
static int ack_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

int rtnl_link_set_up(struct rtnl *nl, int ifindex, bool up)
{
	char req[256];
	struct nlmsghdr *nlh = put_header(nl, req, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return cmd_transact(nl, nlh, ack_cb);
}

int rtnl_request(struct rtnl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	return cmd_transact(nl, nlh, ack_cb);
}

int rtnl_link_set_netns(struct rtnl *nl, int ifindex, int nsfd)
{
	char req[256];
	struct nlmsghdr *nlh = put_header(nl, req, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	return cmd_transact(nl, nlh, ack_cb);
}

int rtnl_link_set_mtu(struct rtnl *nl, int ifindex, uint32_t mtu)
{
	char req[256];
	struct nlmsghdr *nlh = put_header(nl, req, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return cmd_transact(nl, nlh, ack_cb);
}

static struct nlmsghdr *addr_msg(struct rtnl *nl, char *req, uint16_t type, uint16_t flags,
				 int ifindex, const struct ifs_addr *a)
{
	struct nlmsghdr *nlh = put_header(nl, req, type, NLM_F_ACK | flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = a->scope;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a->local), &a->local);
	/* IFA_ADDRESS makes the kernel match the prefix length on delete too. */
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a->peer), &a->peer);
	return nlh;
}

int rtnl_addr_add(struct rtnl *nl, int ifindex, const struct ifs_addr *a)
{
	char req[256];
	struct nlmsghdr *nlh = addr_msg(nl, req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
					ifindex, a);

	if (a->plen < 31) {
		uint32_t mask = a->plen ? htonl(~0u << (32 - a->plen)) : 0;
		struct in_addr brd = { .s_addr = a->local.s_addr | ~mask };

		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
	}
	return cmd_transact(nl, nlh, ack_cb);
}

int rtnl_addr_del(struct rtnl *nl, int ifindex, const struct ifs_addr *a)
{
	char req[256];
	struct nlmsghdr *nlh = addr_msg(nl, req, RTM_DELADDR, 0, ifindex, a);

	return cmd_transact(nl, nlh, ack_cb);
}

static struct nlmsghdr *addr6_msg(struct rtnl *nl, char *req, uint16_t type, uint16_t flags,
				  int ifindex, const struct ifs_addr6 *a)
{
	struct nlmsghdr *nlh = put_header(nl, req, type, NLM_F_ACK | flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = a->plen;
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;   /* the kernel derives IPv6 scopes itself */
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a->addr), &a->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a->addr), &a->addr);
	return nlh;
}

int rtnl_addr6_add(struct rtnl *nl, int ifindex, const struct ifs_addr6 *a)
{
	char req[256];
	struct nlmsghdr *nlh = addr6_msg(nl, req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex,
					 a);
	int r = cmd_transact(nl, nlh, ack_cb);

	/* Already there (added before our view caught up): nothing to do. */
	return r == -EEXIST ? 0 : r;
}

int rtnl_addr6_del(struct rtnl *nl, int ifindex, const struct ifs_addr6 *a)
{
	char req[256];
	struct nlmsghdr *nlh = addr6_msg(nl, req, RTM_DELADDR, 0, ifindex, a);

	return cmd_transact(nl, nlh, ack_cb);
}

static int info_attr_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_link_info *li = data;
	size_t len = mnl_attr_get_payload_len(attr);

	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	switch (mnl_attr_get_type(attr)) {
	case IFLA_MTU:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		li->mtu = mnl_attr_get_u32(attr);
		break;
	case IFLA_ADDRESS:
		if (len > sizeof(li->mac))
			return MNL_CB_ERROR;
		memcpy(li->mac, mnl_attr_get_payload(attr), len);
		li->mac_len = len;
		break;
	case IFLA_STATS64:
		/* Kernels append counters over time: take what both know, but
		 * at least the classic ones (through multicast). */
		if (len < offsetof(struct rtnl_link_stats64, collisions))
			return MNL_CB_ERROR;
		memcpy(&li->stats, mnl_attr_get_payload(attr),
		       len < sizeof(li->stats) ? len : sizeof(li->stats));
		li->has_stats = true;
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl *nl = data;
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || !nl->info)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_ERROR;
	ifi = mnl_nlmsg_get_payload(nlh);
	nl->info->flags = ifi->ifi_flags;
	if (mnl_attr_parse(nlh, sizeof(*ifi), info_attr_cb, nl->info) < 0)
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

int rtnl_link_info(struct rtnl *nl, int ifindex, struct rtnl_link_info *out)
{
	char req[256];
	struct nlmsghdr *nlh = put_header(nl, req, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int r;

	memset(out, 0, sizeof(*out));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	nl->info = out;
	r = cmd_transact(nl, nlh, info_cb);
	nl->info = NULL;
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}
