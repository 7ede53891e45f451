/*
 * nl_harness.h: shared by ifmgrd's kernel tests (test_netlink.c,
 * test_netlink6.c), header-only (every function is static inline):
 *  - a private network namespace for the test process (skips the test
 *    without root);
 *  - the test's own rtnetlink requests and ioctls, independent of ifmgrd's
 *    netlink.c, to make netdevs and change the kernel behind ifmgrd's back;
 *  - hand-built address messages for rtnl_parse;
 *  - an ifmgrd running on its own loop and ZeroMQ context over a temporary
 *    bootstrap, with a Clone subscriber (struct nl_rig).
 */
#ifndef IFMGRD_TEST_NL_HARNESS_H
#define IFMGRD_TEST_NL_HARNESS_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <zmq.h>

#include "helpers.h"
#include "ifmgrd.h"

/* Move the test process into a fresh network namespace, or skip the test
 * (not root, or no namespaces in this kernel). */
static inline void nl_enter_namespace(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root for a private network namespace (CI runs as root)");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET): %s", strerror(errno));
}

/* Send nlh (NLM_F_REQUEST | NLM_F_ACK added) on a socket of its own and
 * wait for the kernel's answer: 0 or the negative errno it sent back. */
static inline int nl_request(struct nlmsghdr *nlh)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int r;

	cr_assert_not_null(nl);
	cr_assert_geq(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	cr_assert_geq(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len), 0);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	cr_assert_geq(n, 0);
	r = mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), NULL, NULL);
	r = r < 0 ? -errno : 0;
	mnl_socket_close(nl);
	return r;
}

/* An RTM_NEWLINK creating netdev `name` (NLM_F_CREATE | NLM_F_EXCL) in buf
 * (1 KiB); the caller nests what the kind needs and closes *li. */
static inline struct nlmsghdr *nl_newlink_msg(char *buf, const char *name, const char *kind,
					      struct nlattr **li)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	*li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	return nlh;
}

/* Create a dummy netdev `name`: 0, or the kernel's negative errno (a kernel
 * without the dummy module says -EOPNOTSUPP). */
static inline int nl_new_dummy(const char *name)
{
	char buf[1024];
	struct nlattr *li;
	struct nlmsghdr *nlh = nl_newlink_msg(buf, name, "dummy", &li);

	mnl_attr_nest_end(nlh, li);
	return nl_request(nlh);
}

/* Create a veth pair `name` <-> `name`p (a link with a carrier once the
 * peer is up, so IPv6 DAD runs on it); fails the test if it cannot. */
static inline void nl_new_veth(const char *name)
{
	char buf[1024], peer[IFNAMSIZ + 2];
	struct nlattr *li, *data, *pi;
	struct nlmsghdr *nlh = nl_newlink_msg(buf, name, "veth", &li);
	struct ifinfomsg *ifi;

	snprintf(peer, sizeof(peer), "%sp", name);
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	cr_assert_eq(nl_request(nlh), 0, "cannot create a veth pair %s <-> %s", name, peer);
}

/* The kernel's IFF_* flags of `name` (SIOCGIFFLAGS), 0 if it has none. */
static inline unsigned nl_kernel_flags(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned flags = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		flags = (unsigned short)ifr.ifr_flags;
	if (fd >= 0)
		close(fd);
	return flags;
}

/* Set IFF_UP on `name`, as `ip link set up` would. */
static inline void nl_set_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	cr_assert_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	cr_assert_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

/* An address message header (RTM_NEWADDR or RTM_DELADDR) in buf: family,
 * prefix length and interface index set, the rest zero; the caller adds
 * attributes.  *ifa (if ifa is not NULL) is its ifaddrmsg. */
static inline struct nlmsghdr *nl_addr_msg(char *buf, uint16_t type, int family, unsigned plen,
					   unsigned ifindex, struct ifaddrmsg **ifa)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *a;

	nlh->nlmsg_type = type;
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	a->ifa_family = (unsigned char)family;
	a->ifa_prefixlen = (unsigned char)plen;
	a->ifa_index = ifindex;
	if (ifa)
		*ifa = a;
	return nlh;
}

/* An ifmgrd on its own loop and ZeroMQ context, over a bootstrap in a
 * temporary run directory, and a Clone subscriber of its IfStates.  The
 * rig must not move while it runs (the subscriber points into it). */
struct nl_rig {
	struct bootstrap bs;
	struct loop *loop;
	void *zctx;
	struct ifmgrd *im;
	struct test_sub ts;
};

/* Start the rig with interfaces names[i] -> netdevs[i]. */
static inline void nl_rig_start(struct nl_rig *r, const char *const *names,
				const char *const *netdevs, size_t n)
{
	test_bootstrap(&r->bs, names, netdevs, n);
	r->loop = loop_new();
	r->zctx = zmq_ctx_new();
	r->im = ifmgrd_new(r->loop, r->zctx, &r->bs);
	cr_assert_not_null(r->im, "ifmgrd_new: %s", strerror(errno));
	test_sub_start(&r->ts, r->loop, r->zctx, &r->bs);
}

/* Stop the subscriber and ifmgrd, free everything and remove the run
 * directory. */
static inline void nl_rig_stop(struct nl_rig *r)
{
	test_sub_stop(&r->ts);
	ifmgrd_free(r->im);
	zmq_ctx_term(r->zctx);
	loop_free(r->loop);
	test_bootstrap_free(&r->bs);
}

#endif
