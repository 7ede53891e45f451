/*
 * ifmgrd_int.h: the core's internals, shared by ifmgrd.c and ctl.c only.
 */
#ifndef MERIDIAN_IFMGRD_INT_H
#define MERIDIAN_IFMGRD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "ifmgrd.h"
#include "ifstate.h"
#include "named_netns.h"
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

/* A network namespace netdevs live in (vpn.c): [0] ifmgrd's own, then one
 * per configured VPN instance.  Under the VRF backend an instance's entry
 * names its VRF device and its netdevs stay in [0]'s namespace. */
struct ifm_ns {
	struct ifmgrd *im;
	char vpn[32];           /* the VPN instance, "" for [0] */
	char netns[64];         /* /run/netns name (namespace backend), else "" */
	bool owned;             /* made by ifmgrd: removed with the instance */
	bool vrf;               /* the VRF backend */
	char vrf_dev[16];
	int vrf_ifindex;
	int fd;                 /* the namespace, -1 none */
	struct rtnl *nl;        /* rtnetlink inside it ([0] and VRFs: im->nl) */
	int nl_fd;              /* its event socket in the loop ([0]: im->nl_fd), -1 none */
	bool configured;        /* in the configuration */
	char err[256];          /* why the instance has no kernel object, "" */
	bool making;            /* its namespace being created (mk: the child) */
	struct netns_op mk;
};

/* vpn.c (see the top of that file). */
int ifm_ns_init(struct ifmgrd *im);
void ifm_ns_free_all(struct ifmgrd *im);
/* The entry of VPN instance vpn ("" or NULL: [0]), or NULL. */
struct ifm_ns *ifm_ns_of(const struct ifmgrd *im, const char *vpn);
/* The configured instances are names[0..n): entries and kernel objects
 * for the new ones; true when a kernel object was made (the caller dumps). */
bool ifm_vpn_sync(struct ifmgrd *im, char *const *names, size_t n);
/* Entries for the namespaces with ifmgrd's prefix under /run/netns that
 * no configured instance has (left by an earlier run): not configured, so
 * their netdevs are moved home and they are removed.  True when one was
 * found (the caller dumps). */
bool ifm_vpn_adopt(struct ifmgrd *im);
/* Try the failed kernel objects again; true when one was made. */
bool ifm_vpn_retry(struct ifmgrd *im);
bool ifm_vpn_failed(const struct ifmgrd *im);
/* Remove the instances no longer configured that hold none of our netdevs. */
void ifm_vpn_gc(struct ifmgrd *im);
/* Dump every namespace's links and addresses through the callbacks. */
int ifm_vpn_dump(struct ifmgrd *im);
int ifm_vpn_errs(const struct ifmgrd *im, char **errs, int max_errs);
/* IfStates.vpn, and freeing it (the rest is ifmgrd_states_free's). */
void ifm_vpn_fill(const struct ifmgrd *im, IfStates *st);
void ifm_vpn_free_states(IfStates *st);
/* ifmgrd.c: the rtnetlink callback (arg: the struct ifm_ns) and the
 * loop's handler of a namespace's event socket. */
struct rtnl_event;
void ifmgrd_on_event(const struct rtnl_event *ev, void *arg);
void ifmgrd_on_netlink(struct loop *loop, int fd, short revents, void *arg);
/* ifmgrd.c: an instance's kernel object was made (or failed) out of a
 * commit's turn: plan again and publish. */
void ifmgrd_vpn_made(struct ifmgrd *im);

/* publish()'s copy of an entry's IfState (pubcache.c). */
struct ifm_pubc {
	uint8_t *key;           /* what it was filled from */
	size_t key_len;
	uint8_t *bytes;         /* the packed IfState */
	size_t len;
	bool oper_up;           /* of that state */
	bool published;         /* in the IfStates published last, with oper_up */
	bool published_up;
	uint64_t fills;         /* times filled and packed (tests) */
};

/* One bootstrap interface, or one LoopBack (no mapping: its addresses go
 * on the kernel's lo, which every LoopBack entry observes). */
struct ifm_if {
	const struct bs_interface *bs;
	struct bs_interface *own;   /* an unmapped LoopBack's name and netdev, else NULL */
	bool loopback;          /* a LoopBack, mapped or not: always up */
	bool configured;        /* shown: mapped, or a LoopBack still configured */
	struct ifs_desired want;
	struct ifs_observed have;
	struct ifm_ns *at;      /* where the netdev was seen (NULL: nowhere) */
	char cfg_err[256];      /* the configuration's problem, "" if none */
	char err[256];          /* the last reconcile problem, "" if none */
	int64_t last_change;    /* unix s of the last change of `shown` (ifdetail.c) */
	int shown;              /* what changes it: present, IFF_UP, running; -1 unseen */
	uint32_t netdev_hash;   /* of bs->netdev (ifmgrd_name_hash): events match it first */
	bool dirty;             /* a kernel event concerned it since it was last planned */
	struct ifm_pubc pub;
};

/* A hash of a netdev name, so that a link event is matched against
 * thousands of entries by an integer first. */
uint32_t ifmgrd_name_hash(const char *name);

/* ifmgrd.c: fill st with what is shown of ifp (a LoopBack: only its own
 * addresses of lo). */
void ifmgrd_fill_state(const struct ifm_if *ifp, IfState *st);
/* pubcache.c: is ifp in the published IfStates; the packed IfStates (the
 * bytes ifmgrd_states(im, NULL) packs to), refilling only the entries
 * whose state changed; freeing an entry's cache. */
bool ifmgrd_pub_shown(const struct ifm_if *ifp);
uint8_t *ifmgrd_pack_states(struct ifmgrd *im, size_t *len);
void ifmgrd_pubc_free(struct ifm_pubc *c);

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
	struct ifm_ns **ns;     /* [0] ifmgrd's namespace, then the VPN instances (vpn.c) */
	size_t n_ns;
	bool have_config;       /* nothing is programmed before the first one */
	bool need_dump;         /* a LoopBack changed namespace: dump them all again */
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
