/*
 * ifstate.h: ifmgrd's model of one interface, desired versus observed.
 *
 * PURE: nothing here talks to the kernel, the bus or the clock, so every
 * reconcile decision is unit-testable.  The desired state comes from the
 * configuration (ifs_desired_from_config), the observed state from kernel
 * events (ifs_obs_*), and ifs_plan() turns the difference into an ordered
 * list of actions the daemon executes over rtnetlink.  ifs_state_fill()
 * renders what is shown on the bus (IfState).
 *
 * Factory state: an interface absent from the configuration, or present
 * without `shutdown`, is administratively DOWN (shutdown = true) with no
 * address, as proto/config.proto states ("absent: the interface's factory
 * state (shutdown)").  `undo shutdown` stores shutdown = false.
 *
 * Rules of the plan (level-triggered and idempotent: planning against the
 * state the plan produces yields no action):
 *  - IPv4 addresses on the netdev other than the configured ones are deleted
 *    first (the configured one with another prefix length counts as other);
 *    host-scope addresses (127.0.0.1 on a loopback) are never touched;
 *  - then the configured address is added if missing, then the sub
 *    addresses (`ip address ... sub`; cfgd keeps them out of each other's
 *    subnets, so the kernel holds each as the primary of its own subnet and
 *    deleting one never takes another with it);
 *  - then the MTU is set when the netdev reports another (`mtu N`, else
 *    VRP's default 1500; an unknown observed MTU, 0, is left alone);
 *  - then IFF_UP is set or cleared.
 * Deleting first avoids the new address becoming a secondary of the old
 * primary, which the kernel would delete along with it.
 *
 * IPv6 (`ipv6 enable`, `ipv6 address`): the configured addresses are
 * programmed only while `ipv6 enable` is set.  ifmgrd owns the static global
 * addresses of its netdevs, as it owns their IPv4 addresses: an address of
 * global scope with IFA_F_PERMANENT (what a static address gets) that is not
 * configured is deleted, after the IPv4 actions; link-local and host-scope
 * addresses and the kernel's own (SLAAC, temporary: not permanent) are never
 * touched.  Missing configured ones are added next, before IFF_UP changes.
 * A configured address counts as present in any state (tentative, DAD
 * failed): the kernel runs DAD; one whose DAD failed is reported as an
 * error, never re-added in a loop.  Without `ipv6 enable` nothing IPv6 is
 * configured: the netdev keeps the kernel's defaults (no disable_ipv6
 * write), which matches the IPv4 factory state (no address).
 * What is shown (IfState.ipv6): the usable global addresses, that is
 * present, scope global, neither IFA_F_TENTATIVE nor IFA_F_DADFAILED: the
 * configured ones first in configuration order, then the others in kernel
 * order.  DAD finishing arrives as an RTM_NEWADDR without IFA_F_TENTATIVE.
 * IfState.ipv6_link_local: the first usable link-local address in kernel
 * order (scope link, fe80::/10, not tentative nor DAD-failed), whatever
 * `ipv6 enable` says: the kernel assigns it to any netdev that is up with
 * IPv6, and it is what ntpd sends from to a link-local server or peer.  A
 * netdev normally has one.  With `ipv6 enable`, a link-local address whose
 * DAD failed is reported as an error like a configured one (the interface
 * then has no usable link-local address, and nothing else would say why).
 */
#ifndef MERIDIAN_IFSTATE_H
#define MERIDIAN_IFSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "config.pb-c.h"
#include "ifmgr.pb-c.h"

/* One IPv4 address as the kernel keeps it (ifaddrmsg + IFA_LOCAL/IFA_ADDRESS). */
struct ifs_addr {
	struct in_addr local;   /* the interface's own address (IFA_LOCAL) */
	struct in_addr peer;    /* IFA_ADDRESS: == local except point-to-point */
	uint8_t plen;
	uint8_t scope;          /* RT_SCOPE_* */
	bool secondary;         /* IFA_F_SECONDARY */
};

/* One IPv6 address as the kernel keeps it. */
struct ifs_addr6 {
	struct in6_addr addr;   /* IFA_LOCAL if present, else IFA_ADDRESS */
	uint8_t plen;
	uint8_t scope;          /* RT_SCOPE_* (RT_SCOPE_UNIVERSE: global) */
	uint32_t flags;         /* IFA_F_* (IFA_FLAGS, else ifa_flags) */
};

/* VRP's MTU when `mtu` is not configured. */
#define IFS_DEFAULT_MTU 1500

/* IPv4 sub addresses per interface: cfgd refuses more (VRP's 255). */
#define IFS_MAX_SUB 255

struct ifs_sub {
	struct in_addr addr;
	uint8_t plen;
};

/* IPv6 addresses per interface: cfgd refuses more (VALIDATE_IF6_MAX). */
#define IFS_MAX_ADDR6 16

struct ifs_desired {
	bool admin_up;
	bool has_addr;
	struct in_addr addr;
	uint8_t plen;
	struct ifs_sub sub[IFS_MAX_SUB];         /* `ip address ... sub`, in order */
	size_t n_sub;
	uint32_t mtu;           /* `mtu N`, else IFS_DEFAULT_MTU; 0: leave the netdev's */
	bool ipv6_enable;
	struct ifs_addr6 addr6[IFS_MAX_ADDR6];   /* in configuration order */
	size_t n_addr6;                          /* 0 unless ipv6_enable */
	char vpn[32];           /* `ip binding vpn-instance`, "" for the public network */
};

struct ifs_observed {
	bool present;           /* the netdev exists in the kernel */
	int ifindex;
	unsigned flags;         /* IFF_* from the last RTM_NEWLINK */
	uint32_t mtu;           /* IFLA_MTU from the last RTM_NEWLINK, 0 unknown */
	int master;             /* IFLA_MASTER (a VRF device), 0 none */
	struct ifs_addr *addrs; /* IPv4 only, in kernel order */
	size_t n_addrs;
	struct ifs_addr6 *addrs6; /* IPv6, in kernel order */
	size_t n_addrs6;
};

enum ifs_action_kind { IFS_DEL_ADDR, IFS_ADD_ADDR, IFS_LINK_UP, IFS_LINK_DOWN,
		       IFS_DEL_ADDR6, IFS_ADD_ADDR6, IFS_SET_MTU };

struct ifs_action {
	enum ifs_action_kind kind;
	struct ifs_addr addr;   /* for the IPv4 address actions */
	struct ifs_addr6 addr6; /* for the IPv6 address actions */
	uint32_t mtu;           /* for IFS_SET_MTU */
};

#define IFS_MAX_ACTIONS 64

struct ifs_plan {
	struct ifs_action actions[IFS_MAX_ACTIONS];
	size_t n;
	char err[256];          /* "" when nothing prevents reconciling */
};

/* The desired state of logical interface `name` in cfg (NULL cfg or an
 * interface absent from it: the factory state).  0, or -EINVAL with a
 * sentence in err (bad address or prefix length) and *out left at the
 * factory state with no address (a bad IPv6 entry is only skipped). */
int ifs_desired_from_config(const Config *cfg, const char *name, struct ifs_desired *out,
			    char *err, size_t errlen);

/* Plan the actions that bring `obs` to `want`.  Always fills *plan; when the
 * netdev is missing there is no action and plan->err names it.  Returns the
 * number of actions. */
size_t ifs_plan(const char *name, const char *netdev, const struct ifs_desired *want,
		const struct ifs_observed *obs, struct ifs_plan *plan);

/* obs less the addresses want does not configure (a LoopBack's share of
 * lo, which the other LoopBacks' addresses are on too).  Free out->addrs
 * and out->addrs6 after. */
void ifs_obs_own(const struct ifs_desired *want, const struct ifs_observed *obs,
		 struct ifs_observed *out);

/* Observed-state bookkeeping fed by kernel events. */
void ifs_obs_init(struct ifs_observed *obs);
void ifs_obs_free(struct ifs_observed *obs);
/* Forget everything (netdev gone, or before a full dump). */
void ifs_obs_clear(struct ifs_observed *obs);
/* Add an address, or update the entry with the same local address and prefix. */
void ifs_obs_addr_add(struct ifs_observed *obs, const struct ifs_addr *a);
/* Remove the entry with this local address and prefix; true if there was one. */
bool ifs_obs_addr_del(struct ifs_observed *obs, const struct ifs_addr *a);
/* IPv6: add, or update the entry with the same address and prefix (flags
 * change as DAD runs); remove it. */
void ifs_obs_addr6_add(struct ifs_observed *obs, const struct ifs_addr6 *a);
bool ifs_obs_addr6_del(struct ifs_observed *obs, const struct ifs_addr6 *a);
/* Global scope, not tentative, not DAD-failed: what IfState.ipv6 lists. */
bool ifs_addr6_usable(const struct ifs_addr6 *a);
/* Link-local (fe80::/10, scope link), not tentative, not DAD-failed: what
 * IfState.ipv6_link_local shows. */
bool ifs_addr6_usable_ll(const struct ifs_addr6 *a);

/* The primary address shown on the bus: the configured one when the kernel
 * has it, otherwise the first non-secondary non-host address; NULL if none. */
const struct ifs_addr *ifs_primary(const struct ifs_desired *want, const struct ifs_observed *obs);

/* Fill *st (initialised here) for the bus: admin_up and oper_up come from
 * the kernel (IFF_UP; IFF_UP && IFF_RUNNING) while the netdev exists, and
 * admin_up from the configuration otherwise.  Strings are malloc'd: free
 * them with ifs_state_clear().  sub_ipv4 entries are "a.b.c.d/len"; ipv6
 * entries and ipv6_link_local are bare canonical addresses (see the IPv6
 * rules above). */
void ifs_state_fill(IfState *st, const char *name, const char *netdev,
		    const struct ifs_desired *want, const struct ifs_observed *obs);
void ifs_state_clear(IfState *st);

/* "a.b.c.d/len" into buf. */
void ifs_addr_format(const struct ifs_addr *a, char *buf, size_t len);
/* "x:y::z/len" into buf. */
void ifs_addr6_format(const struct ifs_addr6 *a, char *buf, size_t len);

#endif
