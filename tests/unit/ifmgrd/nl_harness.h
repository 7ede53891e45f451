/*
 * nl_harness.h: shared by ifmgrd's kernel tests (test_netlink.c,
 * test_netlink6.c), header-only (every function is static inline):
 *  - from ../netns.h: a private network namespace for the test process
 *    (skips the test without root) and the test's own rtnetlink requests
 *    and ioctls, independent of ifmgrd's netlink.c, to make netdevs and
 *    change the kernel behind ifmgrd's back;
 *  - hand-built address messages for rtnl_parse;
 *  - an ifmgrd running on its own loop and ZeroMQ context over a temporary
 *    bootstrap, with a Clone subscriber (struct nl_rig).
 */
#ifndef IFMGRD_TEST_NL_HARNESS_H
#define IFMGRD_TEST_NL_HARNESS_H

#include <zmq.h>

#include "../netns.h"
#include "helpers.h"
#include "ifmgrd.h"

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
