/*
 * netns.c: the private network namespace and the test's own rtnetlink
 * requests and ioctls of netns.h, written once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "netns.h"

void nl_enter_namespace(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root for a private network namespace (CI runs as root)");
	if (unshare(CLONE_NEWNET) < 0)
		cr_skip_test("unshare(CLONE_NEWNET): %s", strerror(errno));
}

int nl_request(struct nlmsghdr *nlh)
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

struct nlmsghdr *nl_newlink_msg(char *buf, const char *name, const char *kind,
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

int nl_del_link(const char *name)
{
	char buf[1024];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_request(nlh);
}

int nl_new_dummy(const char *name)
{
	char buf[1024];
	struct nlattr *li;
	struct nlmsghdr *nlh = nl_newlink_msg(buf, name, "dummy", &li);

	mnl_attr_nest_end(nlh, li);
	return nl_request(nlh);
}

void nl_new_veth(const char *name)
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

unsigned nl_kernel_flags(const char *name)
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

void nl_set_up(const char *name)
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

int nl_inet6_find(const char *dev, const char *ip, unsigned plen, struct in6_addr *addr,
		  unsigned *flags)
{
	FILE *f = fopen("/proc/net/if_inet6", "r");
	char hex[33], name[IFNAMSIZ + 1];
	unsigned idx, pl, scope, fl;
	struct in6_addr want;
	int found = -1;

	cr_assert_not_null(f);
	if (ip)
		cr_assert_eq(inet_pton(AF_INET6, ip, &want), 1, "%s", ip);
	while (found < 0 &&
	       fscanf(f, "%32s %x %x %x %x %16s", hex, &idx, &pl, &scope, &fl, name) == 6) {
		struct in6_addr a;

		for (int i = 0; i < 16; i++) {
			unsigned byte;

			sscanf(hex + 2 * i, "%2x", &byte);
			a.s6_addr[i] = (uint8_t)byte;
		}
		if (strcmp(name, dev) != 0 || (plen && pl != plen))
			continue;
		if (ip ? memcmp(&a, &want, sizeof(a)) != 0 : !IN6_IS_ADDR_LINKLOCAL(&a))
			continue;
		if (addr)
			*addr = a;
		if (flags)
			*flags = fl;
		found = 0;
	}
	fclose(f);
	return found;
}

void nl_wait_link_local(const char *dev, char *buf, size_t len, int timeout_ms)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (int waited = 0;; waited += 20) {
		struct in6_addr a;
		unsigned fl;

		if (nl_inet6_find(dev, NULL, 0, &a, &fl) == 0 &&
		    !(fl & (IFA_F_TENTATIVE | IFA_F_DADFAILED))) {
			cr_assert_not_null(inet_ntop(AF_INET6, &a, buf, (socklen_t)len));
			return;
		}
		cr_assert_lt(waited, timeout_ms, "%s has no usable link-local address", dev);
		nanosleep(&pause, NULL);
	}
}
