/*
 * ifmgrd_rig.h: what ifmgrd's tests share (ifmgrd_rig.c, in the
 * meridian_ifmgrd_rig library): a bootstrap in a temporary run directory,
 * an IfStates subscriber (the Clone pattern, as clid or ntpd would use
 * it), hand-built address messages for rtnl_parse, and an ifmgrd running
 * on its own loop and ZeroMQ context with such a subscriber (struct
 * nl_rig).  Waiting on a state: run_until() (testutil.h).  Failures are
 * Criterion assertions.
 */
#ifndef MERIDIAN_TEST_IFMGRD_RIG_H
#define MERIDIAN_TEST_IFMGRD_RIG_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>

#include "bootstrap.h"
#include "ifmgr.pb-c.h"

struct loop;

/* A bootstrap with run_dir in a fresh temporary directory and the given
 * interfaces: names[i] -> netdevs[i]. */
void test_bootstrap(struct bootstrap *bs, const char *const *names,
		    const char *const *netdevs, size_t n);
/* Remove the run directory's files and the directory, then free bs. */
void test_bootstrap_free(struct bootstrap *bs);

/* An ifmgrd on its own loop and ZeroMQ context, with a bootstrap of the
 * interfaces names[i] -> netdevs[i] (test_bootstrap): what a test of its
 * ctl answers needs. */
struct im_fixture {
	struct bootstrap bs;
	struct loop *loop;
	void *zctx;
	struct ifmgrd *im;
};
void im_fixture_start(struct im_fixture *f, const char *const *names,
		      const char *const *netdevs, size_t n);
void im_fixture_stop(struct im_fixture *f);

/* The latest IfStates seen on the bus. */
struct test_sub {
	struct clone_sub *sub;
	IfStates *latest;
	unsigned updates;
};

/* Subscribe to bs's ifmgrd (topic "if") on loop. */
void test_sub_start(struct test_sub *ts, struct loop *loop, void *zctx,
		    const struct bootstrap *bs);
void test_sub_stop(struct test_sub *ts);
/* The interface named `name` (any case) in the latest IfStates, or NULL. */
const IfState *test_sub_find(const struct test_sub *ts, const char *name);

/* An address message header (RTM_NEWADDR or RTM_DELADDR) in buf: family,
 * prefix length and interface index set, the rest zero; the caller adds
 * attributes.  *ifa (if ifa is not NULL) is its ifaddrmsg. */
struct nlmsghdr *nl_addr_msg(char *buf, uint16_t type, int family, unsigned plen,
			     unsigned ifindex, struct ifaddrmsg **ifa);

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
void nl_rig_start(struct nl_rig *r, const char *const *names, const char *const *netdevs,
		  size_t n);
/* Stop the subscriber and ifmgrd, free everything and remove the run
 * directory. */
void nl_rig_stop(struct nl_rig *r);

#endif
