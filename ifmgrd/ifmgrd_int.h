/*
 * ifmgrd_int.h: the core's internals, shared by ifmgrd.c and ctl.c only.
 */
#ifndef MERIDIAN_IFMGRD_INT_H
#define MERIDIAN_IFMGRD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "ifmgrd.h"
#include "ifstate.h"
#include "netlink.h"

struct bs_interface;
struct rtnl;
struct clone_pub;
struct bus_server;
struct cfgsub;
struct probe_engine;
struct bus_peer;

/* ifdetail.c: record when each interface's physical state last changed
 * (called after every batch of kernel events). */
void ifmgrd_note_changes(struct ifmgrd *im);

/* One bootstrap interface, or one LoopBack (no mapping: its addresses go
 * on the kernel's lo, which every LoopBack entry observes). */
struct ifm_if {
	const struct bs_interface *bs;
	struct bs_interface *own;   /* an unmapped LoopBack's name and netdev, else NULL */
	bool loopback;          /* a LoopBack, mapped or not: always up */
	bool configured;        /* shown: mapped, or a LoopBack still configured */
	struct ifs_desired want;
	struct ifs_observed have;
	char cfg_err[256];      /* the configuration's problem, "" if none */
	char err[256];          /* the last reconcile problem, "" if none */
	int64_t last_change;    /* unix s of the last change of `shown` (ifdetail.c) */
	int shown;              /* what changes it: present, IFF_UP, running; -1 unseen */
	uint32_t netdev_hash;   /* of bs->netdev (ifmgrd_name_hash): events match it first */
	bool dirty;             /* a kernel event concerned it since it was last planned */
};

/* A hash of a netdev name, so that a link event is matched against
 * thousands of entries by an integer first. */
uint32_t ifmgrd_name_hash(const char *name);

/* ifmgrd.c: fill st with what is shown of ifp (a LoopBack: only its own
 * addresses of lo). */
void ifmgrd_fill_state(const struct ifm_if *ifp, IfState *st);

struct ifmgrd {
	struct loop *loop;
	void *zctx;
	const struct bootstrap *bs;
	struct rtnl *nl;
	int nl_fd;
	struct clone_pub *pub;
	struct evlog *evlog;          /* display logbuffer (common/evlog.h) */
	struct bus_server *ctl;
	struct cfgsub *sub;
	struct ifm_if *ifs;
	size_t n_ifs;
	bool have_config;       /* nothing is programmed before the first one */
	char **unmapped;        /* configured interfaces with no bootstrap netdev */
	size_t n_unmapped;
	uint8_t *last_state;    /* the packed IfStates published last */
	size_t last_len;
	uint64_t retry_timer;
	bool need_resync;       /* events were lost while draining them mid-apply */
	struct probe_engine *probes;    /* ping and tracert (probe.c) */
	const struct bus_peer *ctl_peer;   /* who asks, while on_ctl runs (NULL otherwise) */
	uint64_t bad_requests;
	uint64_t resyncs;
	struct rtnl_stats said;   /* netlink's skipped messages as last logged */
};

#endif
