/*
 * netns.h: a private network namespace and netdevs in it, for the unit
 * tests that need a real kernel (ifmgrd's netlink tests, ntpd's link-local
 * tests), in the meridian_test_netns library (netns.c); needs libmnl and
 * Criterion (failures are assertions, a missing privilege skips).  The
 * requests are the test's own, independent of ifmgrd's netlink.c.  Each
 * Criterion test runs in its own process, so the namespace a test enters
 * ends with it.
 */
#ifndef MERIDIAN_TEST_NETNS_H
#define MERIDIAN_TEST_NETNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <libmnl/libmnl.h>

/* Move the test process into a fresh network namespace, or skip the test
 * (not root, or no namespaces in this kernel). */
void nl_enter_namespace(void);

/* Send nlh (NLM_F_REQUEST | NLM_F_ACK added) on a socket of its own and
 * wait for the kernel's answer: 0 or the negative errno it sent back. */
int nl_request(struct nlmsghdr *nlh);

/* An RTM_NEWLINK creating netdev `name` (NLM_F_CREATE | NLM_F_EXCL) in buf
 * (1 KiB); the caller nests what the kind needs and closes *li. */
struct nlmsghdr *nl_newlink_msg(char *buf, const char *name, const char *kind,
				struct nlattr **li);

/* Create a dummy netdev `name`: 0, or the kernel's negative errno (a kernel
 * without the dummy module says -EOPNOTSUPP). */
int nl_new_dummy(const char *name);

/* Create a veth pair `name` <-> `name`p (a link with a carrier once the
 * peer is up, so IPv6 DAD runs on it); fails the test if it cannot. */
void nl_new_veth(const char *name);

/* Delete netdev `name` (a veth takes its peer with it): 0 or -errno. */
int nl_del_link(const char *name);

/* The kernel's IFF_* flags of `name` (SIOCGIFFLAGS), 0 if it has none. */
unsigned nl_kernel_flags(const char *name);

/* Set IFF_UP on `name`, as `ip link set up` would. */
void nl_set_up(const char *name);

/* The line of /proc/net/if_inet6 (this namespace's) for netdev dev and
 * address ip with prefix plen (ip NULL: the first link-local address, plen
 * 0: any): 0 with the address in *addr and its IFA_F_* flags in *flags
 * (either may be NULL), or -1 when there is none. */
int nl_inet6_find(const char *dev, const char *ip, unsigned plen, struct in6_addr *addr,
		  unsigned *flags);

/* Wait (at most timeout_ms) until dev has a link-local address out of
 * duplicate address detection; its text into buf.  Fails the test at the
 * deadline. */
void nl_wait_link_local(const char *dev, char *buf, size_t len, int timeout_ms);

#endif
