/*
 * ifmgrd.c: the interface manager's core (see ifmgrd.h).
 *
 * Kernel events update each interface's observed state (matched by netdev
 * name on link messages, by ifindex on address messages); the configuration
 * sets the desired state; reconcile() plans and executes the difference
 * over rtnetlink and publish() sends IfStates when the packed bytes change.
 * A kernel that dropped events (ENOBUFS) makes ifmgrd forget its view and
 * take a full dump again.  At scale (thousands of interfaces): a batch of
 * events plans only the entries it concerned (matched by a hash of the
 * netdev name first), and an apply that programs many reads the events
 * every IFMGRD_DRAIN_EVERY interfaces so that they do not overflow the
 * socket (tests/bench/ifaces-4096).  IPv6 addresses follow the same path (rules in
 * ifstate.h): added with DAD, published once the kernel clears
 * IFA_F_TENTATIVE.  A commit (ifmgrd_apply_objects) plans again only the
 * interfaces it changed, read from the subscription's tree; a snapshot
 * (ifmgrd_apply_config) plans them all.
 *
 * LoopBacks have no bootstrap mapping: the first configuration naming one
 * adds an entry on lo (kept, unshown, once undone: it then removes what it
 * left).  All of them observe lo; each plans against lo less the addresses
 * the other LoopBacks want, and lo is never set down.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgsub.h"
#include "cfgtree.h"
#include "clone.h"
#include "daemon.h"
#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "probe.h"
#include "vrf.h"
#include "ifmgrd_int.h"

/* Plans in a row for one interface before the others get their turn. */
#define IFMGRD_MAX_PASSES 64

static void publish(struct ifmgrd *im);
static void reconcile(struct ifmgrd *im);

/* FNV-1a of a netdev name: events are matched to entries by it first. */
uint32_t ifmgrd_name_hash(const char *name)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

/* The namespace entry an interface belongs in (its VPN instance's; NULL
 * while the instance has none). */
static struct ifm_ns *want_ns(const struct ifmgrd *im, const struct ifm_if *ifp)
{
	return ifp->want.vpn[0] ? ifm_ns_of(im, ifp->want.vpn) : im->ns[0];
}

/* One kernel event of namespace ns as seen by one entry.  Entries are
 * matched by netdev name on link messages and by ifindex (in the namespace
 * they were seen in) on the others; the LoopBacks all observe the lo of
 * their instance's namespace, so an event may concern several entries. */
static void on_event_if(const struct ifmgrd *im, struct ifm_if *ifp, struct ifm_ns *ns,
			const struct rtnl_event *ev, uint32_t name_hash)
{
	bool by_index = ifp->at == ns && ifp->have.present && ifp->have.ifindex == ev->ifindex;
	bool by_name;

	switch (ev->type) {
	case RTNL_NEWLINK:
		if (ifp->loopback && want_ns(im, ifp) != ns)
			break;        /* another namespace's lo */
		/* The kernel always names the link; without a name, trust the index. */
		by_name = ev->ifname ? ifp->netdev_hash == name_hash &&
				       strcmp(ifp->bs->netdev, ev->ifname) == 0 : by_index;
		if (by_index || by_name)
			ifp->dirty = true;
		if (by_index && !by_name) {
			/* Renamed away from the netdev name we manage. */
			log_info("%s: netdev %s renamed to %s", ifp->bs->name, ifp->bs->netdev,
				 ev->ifname ? ev->ifname : "?");
			ifs_obs_clear(&ifp->have);
		}
		if (!by_name)
			break;
		if (ifp->have.present && (ifp->have.ifindex != ev->ifindex || ifp->at != ns))
			ifs_obs_clear(&ifp->have);   /* recreated (a new ifindex), or moved */
		if (!ifp->have.present)
			log_info("%s: netdev %s present (ifindex %d%s%s)", ifp->bs->name,
				 ifp->bs->netdev, ev->ifindex, ns->vpn[0] ? ", VPN instance " : "",
				 ns->vpn);
		ifp->at = ns;
		ifp->have.present = true;
		ifp->have.ifindex = ev->ifindex;
		ifp->have.flags = ev->flags;
		ifp->have.master = ev->master;
		if (ev->mtu)
			ifp->have.mtu = ev->mtu;
		break;
	case RTNL_DELLINK:
		if (by_index) {
			ifp->dirty = true;
			log_info("%s: netdev %s removed%s%s", ifp->bs->name, ifp->bs->netdev,
				 ns->vpn[0] ? " from VPN instance " : "", ns->vpn);
			ifs_obs_clear(&ifp->have);
			ifp->at = NULL;
		}
		break;
	case RTNL_NEWADDR:
		ifp->dirty |= by_index;
		/* IPv6: DAD finishing (or failing) is an RTM_NEWADDR with new flags. */
		if (by_index && ev->family == AF_INET6)
			ifs_obs_addr6_add(&ifp->have, &ev->addr6);
		else if (by_index)
			ifs_obs_addr_add(&ifp->have, &ev->addr);
		break;
	case RTNL_DELADDR:
		ifp->dirty |= by_index;
		if (by_index && ev->family == AF_INET6)
			ifs_obs_addr6_del(&ifp->have, &ev->addr6);
		else if (by_index)
			ifs_obs_addr_del(&ifp->have, &ev->addr);
		break;
	}
}

void ifmgrd_on_event(const struct rtnl_event *ev, void *arg)
{
	struct ifm_ns *ns = arg;
	struct ifmgrd *im = ns->im;
	uint32_t h = ev->ifname ? ifmgrd_name_hash(ev->ifname) : 0;

	for (size_t i = 0; i < im->n_ifs; i++)
		on_event_if(im, &im->ifs[i], ns, ev, h);
}

/* The configuration's entry for name, or NULL. */
static const Interface *config_interface(const Config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_interface; i++)
		if (cfg->interface[i] && cfg->interface[i]->name &&
		    strcasecmp(cfg->interface[i]->name, name) == 0)
			return cfg->interface[i];
	return NULL;
}

/* The desired state of one entry from cfg; a LoopBack is always up (lo is
 * never set down, whatever the configuration says), and one whose VPN
 * instance changed observes another namespace's lo from the next dump. */
static void desire(struct ifmgrd *im, struct ifm_if *ifp, const Config *cfg)
{
	char vpn[sizeof(ifp->want.vpn)];

	snprintf(vpn, sizeof(vpn), "%s", ifp->want.vpn);
	ifs_desired_from_config(cfg, ifp->bs->name, &ifp->want, ifp->cfg_err,
				sizeof(ifp->cfg_err));
	if (ifp->loopback && strcasecmp(vpn, ifp->want.vpn) != 0) {
		ifs_obs_clear(&ifp->have);
		ifp->at = NULL;
		im->need_dump = true;
	}
	if (ifp->loopback) {
		ifp->want.admin_up = true;
		ifp->want.mtu = 0;      /* lo's own; cfgd refuses `mtu` on a LoopBack */
	}
}

/* A LoopBack the bootstrap does not map (one it maps is one of its entries). */
static bool unmapped_loopback(const struct ifmgrd *im, const char *name)
{
	return bootstrap_is_loopback(name) && !bootstrap_interface(im->bs, name);
}

/* The entry of LoopBack name; with create, a new one when there is none
 * (*created set: it observes nothing until the caller's fresh dump).  NULL
 * when absent and not created. */
static struct ifm_if *loopback_entry(struct ifmgrd *im, const char *name, bool create,
				     bool *created)
{
	struct ifm_if *ifp;

	for (size_t i = 0; i < im->n_ifs; i++)
		if (im->ifs[i].own && strcasecmp(im->ifs[i].bs->name, name) == 0)
			return &im->ifs[i];
	if (!create)
		return NULL;
	im->ifs = xrealloc(im->ifs, (im->n_ifs + 1) * sizeof(*im->ifs));
	ifp = &im->ifs[im->n_ifs++];
	memset(ifp, 0, sizeof(*ifp));
	ifp->own = xmalloc(sizeof(*ifp->own));
	ifp->own->name = xstrdup(name);
	ifp->own->netdev = xstrdup(BS_LOOPBACK_NETDEV);
	ifp->bs = ifp->own;
	ifp->loopback = true;
	ifp->shown = -1;
	ifp->netdev_hash = ifmgrd_name_hash(ifp->own->netdev);
	ifs_obs_init(&ifp->have);
	desire(im, ifp, NULL);
	log_info("%s: a LoopBack, on netdev %s", name, BS_LOOPBACK_NETDEV);
	*created = true;
	return ifp;
}

/* Does another configured LoopBack than self want this address on lo? */
static bool lo_addr_of_other(const struct ifmgrd *im, const struct ifm_if *self,
			     const struct ifs_addr *a)
{
	for (size_t i = 0; i < im->n_ifs; i++) {
		const struct ifm_if *o = &im->ifs[i];

		if (o == self || !o->loopback || strcasecmp(o->want.vpn, self->want.vpn) != 0)
			continue;     /* each namespace has its own lo */
		if (o->want.has_addr && o->want.addr.s_addr == a->local.s_addr &&
		    o->want.plen == a->plen)
			return true;
		for (size_t k = 0; k < o->want.n_sub; k++)
			if (o->want.sub[k].addr.s_addr == a->local.s_addr &&
			    o->want.sub[k].plen == a->plen)
				return true;
	}
	return false;
}

static bool lo_addr6_of_other(const struct ifmgrd *im, const struct ifm_if *self,
			      const struct ifs_addr6 *a)
{
	for (size_t i = 0; i < im->n_ifs; i++) {
		const struct ifm_if *o = &im->ifs[i];

		if (strcasecmp(o->want.vpn, self->want.vpn) != 0)
			continue;
		for (size_t k = 0; o != self && o->loopback && k < o->want.n_addr6; k++)
			if (o->want.addr6[k].plen == a->plen &&
			    memcmp(&o->want.addr6[k].addr, &a->addr, sizeof(a->addr)) == 0)
				return true;
	}
	return false;
}

/* What one LoopBack plans against: lo as observed, less the addresses
 * another LoopBack wants.  So each keeps its own addresses, and those none
 * wants (left by an undone one) are removed by whichever plans first.
 * Free out->addrs and out->addrs6 after. */
static void loopback_view(const struct ifmgrd *im, const struct ifm_if *self,
			  struct ifs_observed *out)
{
	const struct ifs_observed *h = &self->have;

	*out = *h;
	out->addrs = xcalloc(h->n_addrs + 1, sizeof(*out->addrs));
	out->addrs6 = xcalloc(h->n_addrs6 + 1, sizeof(*out->addrs6));
	out->n_addrs = out->n_addrs6 = 0;
	for (size_t i = 0; i < h->n_addrs; i++)
		if (!lo_addr_of_other(im, self, &h->addrs[i]))
			out->addrs[out->n_addrs++] = h->addrs[i];
	for (size_t i = 0; i < h->n_addrs6; i++)
		if (!lo_addr6_of_other(im, self, &h->addrs6[i]))
			out->addrs6[out->n_addrs6++] = h->addrs6[i];
}

static void reconcile_dirty(struct ifmgrd *im);

static int resync(struct ifmgrd *im)
{
	im->need_resync = false;
	for (size_t i = 0; i < im->n_ifs; i++) {
		ifs_obs_clear(&im->ifs[i].have);
		im->ifs[i].at = NULL;
	}
	im->need_dump = false;
	return ifm_vpn_dump(im);   /* every namespace's */
}

/* Say what netlink skipped since the last time (counts in rtnl_stats). */
static void note_skipped(struct ifmgrd *im)
{
	const struct rtnl_stats *st = rtnl_stats(im->nl);

	if (st->malformed != im->said.malformed)
		log_warn("netlink: %llu malformed message(s) skipped (%llu in all)",
			 (unsigned long long)(st->malformed - im->said.malformed),
			 (unsigned long long)st->malformed);
	if (st->unexpected != im->said.unexpected)
		log_warn("netlink: %llu message(s) of an unexpected type skipped (%llu in all)",
			 (unsigned long long)(st->unexpected - im->said.unexpected),
			 (unsigned long long)st->unexpected);
	if (st->truncated != im->said.truncated)
		log_warn("netlink: %llu truncated datagram(s) skipped (%llu in all)",
			 (unsigned long long)(st->truncated - im->said.truncated),
			 (unsigned long long)st->truncated);
	im->said = *st;
}

void ifmgrd_on_netlink(struct loop *loop, int fd, short revents, void *arg)
{
	struct ifm_ns *ns = arg;
	struct ifmgrd *im = ns->im;
	int r = rtnl_read_events(ns->nl);

	note_skipped(im);
	if (r == -ENOBUFS || r == -EMSGSIZE) {
		im->resyncs++;
		log_warn("netlink: %s; taking a fresh dump", r == -ENOBUFS ?
			 "the kernel dropped events" : "a datagram did not fit the buffer");
		resync(im);
		note_skipped(im);
	} else if (r < 0) {
		log_warn("netlink: reading events failed: %s", strerror(-r));
	}
	if (r == -ENOBUFS || r == -EMSGSIZE)
		reconcile(im);
	else
		reconcile_dirty(im);
	publish(im);
}

void ifmgrd_vpn_made(struct ifmgrd *im)
{
	reconcile(im);
	publish(im);
}

static void on_retry(struct loop *loop, void *arg)
{
	struct ifmgrd *im = arg;

	im->retry_timer = 0;
	if (ifm_vpn_retry(im))
		resync(im);
	reconcile(im);
	publish(im);
}

/* Execute one action; the error sentence into err on failure. */
static int execute(struct ifmgrd *im, struct ifm_if *ifp, const struct ifs_action *a,
		   char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 4];
	struct rtnl *nl = ifp->at && ifp->at->nl ? ifp->at->nl : im->nl;
	int r = 0;

	if (a->kind == IFS_DEL_ADDR6 || a->kind == IFS_ADD_ADDR6)
		ifs_addr6_format(&a->addr6, addr, sizeof(addr));
	else
		ifs_addr_format(&a->addr, addr, sizeof(addr));
	switch (a->kind) {
	case IFS_DEL_ADDR:
		r = rtnl_addr_del(nl, ifp->have.ifindex, &a->addr);
		if (r == -EADDRNOTAVAIL)
			r = 0;   /* already gone (a secondary deleted with its primary) */
		if (r < 0)
			snprintf(err, errlen, "%s: cannot remove %s from %s: %s", ifp->bs->name,
				 addr, ifp->bs->netdev, strerror(-r));
		else
			log_info("%s: removed %s from %s", ifp->bs->name, addr, ifp->bs->netdev);
		break;
	case IFS_ADD_ADDR:
		r = rtnl_addr_add(nl, ifp->have.ifindex, &a->addr);
		if (r < 0)
			snprintf(err, errlen, "%s: cannot add %s to %s: %s", ifp->bs->name, addr,
				 ifp->bs->netdev, strerror(-r));
		else
			log_info("%s: added %s to %s", ifp->bs->name, addr, ifp->bs->netdev);
		break;
	case IFS_DEL_ADDR6:
		r = rtnl_addr6_del(nl, ifp->have.ifindex, &a->addr6);
		if (r == -EADDRNOTAVAIL)
			r = 0;   /* already gone (flushed by a link down) */
		if (r < 0)
			snprintf(err, errlen, "%s: cannot remove %s from %s: %s", ifp->bs->name,
				 addr, ifp->bs->netdev, strerror(-r));
		else
			log_info("%s: removed %s from %s", ifp->bs->name, addr, ifp->bs->netdev);
		break;
	case IFS_ADD_ADDR6:
		r = rtnl_addr6_add(nl, ifp->have.ifindex, &a->addr6);
		if (r < 0)
			snprintf(err, errlen, "%s: cannot add %s to %s: %s", ifp->bs->name, addr,
				 ifp->bs->netdev, strerror(-r));
		else
			log_info("%s: added %s to %s (duplicate address detection runs)",
				 ifp->bs->name, addr, ifp->bs->netdev);
		break;
	case IFS_SET_MTU:
		r = rtnl_link_set_mtu(nl, ifp->have.ifindex, a->mtu);
		if (r < 0)
			snprintf(err, errlen, "%s: cannot set the MTU of %s to %u: %s", ifp->bs->name,
				 ifp->bs->netdev, a->mtu, strerror(-r));
		else
			log_info("%s: MTU of %s set to %u", ifp->bs->name, ifp->bs->netdev, a->mtu);
		break;
	case IFS_LINK_UP:
	case IFS_LINK_DOWN:
		r = rtnl_link_set_up(nl, ifp->have.ifindex, a->kind == IFS_LINK_UP);
		if (r < 0)
			snprintf(err, errlen, "%s: cannot set %s %s: %s", ifp->bs->name,
				 ifp->bs->netdev, a->kind == IFS_LINK_UP ? "up" : "down",
				 strerror(-r));
		else
			log_info("%s: %s set %s", ifp->bs->name, ifp->bs->netdev,
				 a->kind == IFS_LINK_UP ? "up" : "down");
		break;
	}
	return r;
}

static void set_error(struct ifm_if *ifp, const char *err)
{
	if (strcmp(ifp->err, err) == 0)
		return;
	if (err[0])
		log_warn("%s", err);
	else if (ifp->err[0])
		log_info("%s: reconciled", ifp->bs->name);
	snprintf(ifp->err, sizeof(ifp->err), "%s", err);
}

/* Plan one interface against the kernel and program the difference;
 * false when a change failed. */
/* An address change the kernel acknowledged, recorded at once in every
 * entry observing that netdev (the LoopBacks share lo), as its event will
 * be: a plan cut at IFS_MAX_ACTIONS goes on from there without waiting for
 * the events (which a flood may have dropped). */
static void note_acked(struct ifmgrd *im, const struct ifm_ns *ns, int ifindex,
		       const struct ifs_action *a)
{
	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifs_observed *h = &im->ifs[i].have;

		if (!h->present || h->ifindex != ifindex || im->ifs[i].at != ns)
			continue;
		if (a->kind == IFS_DEL_ADDR)
			ifs_obs_addr_del(h, &a->addr);
		else if (a->kind == IFS_ADD_ADDR)
			ifs_obs_addr_add(h, &a->addr);
		else if (a->kind == IFS_DEL_ADDR6)
			ifs_obs_addr6_del(h, &a->addr6);
	}
}

/* Plan one interface against the kernel and program the difference, plan
 * after plan while one is cut at IFS_MAX_ACTIONS (a netdev with thousands
 * of foreign addresses); false when a change failed. */
/* A VRF device of ours. */
static bool our_vrf(const struct ifmgrd *im, int ifindex)
{
	for (size_t i = 1; ifindex > 0 && i < im->n_ns; i++)
		if (im->ns[i]->vrf && im->ns[i]->vrf_ifindex == ifindex)
			return true;
	return false;
}

/* Put the netdev where its VPN instance is: moved into the instance's
 * namespace (or back), or enslaved to its VRF device (or released).  1
 * when it is there (plan its settings), 0 when it is on its way or cannot
 * be placed yet, -1 on a failed change; the sentence in err. */
static int place(struct ifmgrd *im, struct ifm_if *ifp, char *err, size_t errlen)
{
	struct ifm_ns *want = want_ns(im, ifp), *home;
	int master, r;

	if (want && want->making) {
		err[0] = '\0';     /* on its way: planned again once it is made */
		return 0;
	}
	if (!want || want->err[0] || !want->nl) {
		snprintf(err, errlen, "%s: VPN instance %s has no kernel object yet%s%s",
			 ifp->bs->name, ifp->want.vpn, want && want->err[0] ? ": " : "",
			 want ? want->err : "");
		return 0;
	}
	if (ifp->loopback)
		return ifp->at == want || !ifp->have.present;
	home = want->vrf ? im->ns[0] : want;
	if (!ifp->have.present || !ifp->at)
		return 1;     /* the plan says the netdev is missing */
	if (ifp->at != home) {
		r = rtnl_link_set_netns(ifp->at->nl, ifp->have.ifindex, home->fd);
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot move %s into %s%s: %s", ifp->bs->name,
				 ifp->bs->netdev, home->netns[0] ? "network namespace " :
				 "ifmgrd's network namespace", home->netns, strerror(-r));
			return -1;
		}
		log_info("%s: %s moved into %s%s", ifp->bs->name, ifp->bs->netdev,
			 home->netns[0] ? "network namespace " : "ifmgrd's network namespace",
			 home->netns);
		ifs_obs_clear(&ifp->have);   /* its RTM_NEWLINK there brings it back */
		ifp->at = NULL;
		return 0;
	}
	master = want->vrf ? want->vrf_ifindex : 0;
	if (ifp->have.master != master && (master || our_vrf(im, ifp->have.master))) {
		r = vrf_enslave(im->nl, ifp->have.ifindex, master);
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot %s %s: %s", ifp->bs->name,
				 master ? "enslave it to VRF device" : "release it from its VRF",
				 want->vrf_dev, strerror(-r));
			return -1;
		}
		ifp->have.master = master;
	}
	return 1;
}

static bool reconcile_if(struct ifmgrd *im, struct ifm_if *ifp)
{
	struct ifs_plan plan;
	char err[256] = "";
	bool ok = true;
	int placed = place(im, ifp, err, sizeof(err));

	if (placed <= 0) {
		set_error(ifp, err);
		return placed == 0;
	}
	for (int pass = 0; pass < IFMGRD_MAX_PASSES; pass++) {
		if (ifp->loopback) {
			struct ifs_observed view;

			loopback_view(im, ifp, &view);
			ifs_plan(ifp->bs->name, ifp->bs->netdev, &ifp->want, &view, &plan);
			free(view.addrs);
			free(view.addrs6);
		} else {
			ifs_plan(ifp->bs->name, ifp->bs->netdev, &ifp->want, &ifp->have, &plan);
		}
		if (pass == 0)
			snprintf(err, sizeof(err), "%s", plan.err);
		for (size_t k = 0; k < plan.n; k++) {
			char e[256];

			if (execute(im, ifp, &plan.actions[k], e, sizeof(e)) < 0) {
				if (!err[0])
					snprintf(err, sizeof(err), "%s", e);
				ok = false;
			} else {
				note_acked(im, ifp->at, ifp->have.ifindex, &plan.actions[k]);
			}
		}
		if (!ok || plan.n < IFS_MAX_ACTIONS)
			break;
	}
	set_error(ifp, err);
	return ok;
}

static void retry_later(struct ifmgrd *im)
{
	if (!im->retry_timer)
		im->retry_timer = loop_timer_add(im->loop, (uint64_t)IFMGRD_RETRY_MS * 1000,
						 on_retry, im);
}

/* Interfaces programmed between two drains of the event socket. */
#define IFMGRD_DRAIN_EVERY 32

/* Read the kernel's events in the middle of a long apply (thousands of
 * interfaces programmed in one commit), so that they do not overflow the
 * event socket; what they concern is planned after (after_apply).  Lost
 * ones (ENOBUFS) make the apply end with a fresh dump. */
static void drain_events(struct ifmgrd *im)
{
	int r = rtnl_read_events(im->nl);

	note_skipped(im);
	if (r == -ENOBUFS || r == -EMSGSIZE)
		im->need_resync = true;
}

/* Level-triggered: plan every interface (only_dirty: those kernel events
 * concerned) against the kernel and program the difference.  Failed
 * changes are retried by a timer, which plans them all; a missing netdev
 * waits for its RTM_NEWLINK.  A batch of events costs what it concerns,
 * not the number of interfaces (a switch has thousands).  drain: an
 * apply's pass, which reads the events every IFMGRD_DRAIN_EVERY
 * interfaces (a pass over events already read does not). */
static void reconcile_some(struct ifmgrd *im, bool only_dirty, bool drain)
{
	bool failed = false;
	size_t done = 0;

	if (im->have_config && im->need_dump) {
		resync(im);   /* a LoopBack changed instance: all of them, on a fresh view */
		only_dirty = false;
	}
	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifm_if *ifp = &im->ifs[i];

		if (only_dirty && !ifp->dirty)
			continue;
		ifp->dirty = false;
		if (im->have_config && !reconcile_if(im, ifp))
			failed = true;
		if (drain && ++done % IFMGRD_DRAIN_EVERY == 0)
			drain_events(im);
	}
	if (!im->have_config)
		return;
	ifm_vpn_gc(im);
	if (failed || ifm_vpn_failed(im))
		retry_later(im);
}

static void reconcile(struct ifmgrd *im)
{
	reconcile_some(im, false, false);
}

static void reconcile_dirty(struct ifmgrd *im)
{
	reconcile_some(im, true, false);
}

/* After an apply: a fresh dump if events were lost meanwhile, then plan
 * what the events read meanwhile concerned. */
static void after_apply(struct ifmgrd *im)
{
	if (im->need_resync) {
		im->resyncs++;
		log_warn("netlink: the kernel dropped events during the apply; taking a fresh dump");
		resync(im);
		note_skipped(im);
		reconcile(im);
	} else {
		reconcile_dirty(im);
	}
}

void ifmgrd_fill_state(const struct ifm_if *ifp, IfState *st)
{
	struct ifs_observed own;

	if (!ifp->loopback) {
		ifs_state_fill(st, ifp->bs->name, ifp->bs->netdev, &ifp->want, &ifp->have);
		return;
	}
	ifs_obs_own(&ifp->want, &ifp->have, &own);
	ifs_state_fill(st, ifp->bs->name, ifp->bs->netdev, &ifp->want, &own);
	free(own.addrs);
	free(own.addrs6);
}

IfStates *ifmgrd_states(const struct ifmgrd *im, const char *name)
{
	IfStates *st = xmalloc(sizeof(*st));

	if_states__init(st);
	st->interface = xcalloc(im->n_ifs ? im->n_ifs : 1, sizeof(IfState *));
	for (size_t i = 0; i < im->n_ifs; i++) {
		const struct ifm_if *ifp = &im->ifs[i];

		if (name && strcasecmp(name, ifp->bs->name) != 0)
			continue;
		if (ifp->loopback && !ifp->configured)
			continue;
		st->interface[st->n_interface] = xmalloc(sizeof(IfState));
		ifmgrd_fill_state(ifp, st->interface[st->n_interface]);
		st->n_interface++;
	}
	if (name && st->n_interface == 0) {
		ifmgrd_states_free(st);
		return NULL;
	}
	if (!name)
		ifm_vpn_fill(im, st);
	return st;
}

void ifmgrd_states_free(IfStates *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_interface; i++) {
		ifs_state_clear(st->interface[i]);
		free(st->interface[i]);
	}
	free(st->interface);
	ifm_vpn_free_states(st);
	free(st);
}

/* display logbuffer: an interface whose link went up or down since the
 * last state published (VRP's IFNET/4/IF_STATE).  None at start.  Told by
 * each entry's cache (pubcache.c) of what it last published. */
static void note_link_changes(struct ifmgrd *im)
{
	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifm_if *ifp = &im->ifs[i];
		struct ifm_pubc *c = &ifp->pub;

		if (!ifmgrd_pub_shown(ifp)) {
			c->published = false;
			continue;
		}
		if (im->last_state && c->published && c->published_up != c->oper_up)
			evlog(EV_WARNING, "IFNET", "IF_STATE",
			      "Interface %s has turned into %s state.", ifp->bs->name,
			      c->oper_up ? "UP" : "DOWN");
		c->published = true;
		c->published_up = c->oper_up;
	}
}

/* IfStates is packed from the entries' cached states (pubcache.c): only
 * those that changed are filled again. */
static void publish(struct ifmgrd *im)
{
	size_t len;
	uint8_t *packed;

	ifmgrd_note_changes(im);
	packed = ifmgrd_pack_states(im, &len);
	if (!im->last_state || len != im->last_len || memcmp(packed, im->last_state, len) != 0) {
		note_link_changes(im);
		clone_pub_update_packed(im->pub, packed, len);
		free(im->last_state);
		im->last_state = packed;
		im->last_len = len;
	} else {
		free(packed);
	}
}

/* The configuration's and the last reconciliation's problems, as copies
 * for cfgd. */
static int collect_errs(const struct ifmgrd *im, char **errs, int max_errs)
{
	int n = ifm_vpn_errs(im, errs, max_errs);

	for (size_t i = 0; i < im->n_unmapped && n < max_errs; i++)
		errs[n++] = xstrdup(im->unmapped[i]);
	for (size_t i = 0; i < im->n_ifs && n < max_errs; i++) {
		if (im->ifs[i].cfg_err[0])
			errs[n++] = xstrdup(im->ifs[i].cfg_err);
		if (im->ifs[i].err[0] && n < max_errs)
			errs[n++] = xstrdup(im->ifs[i].err);
	}
	return n;
}

int ifmgrd_apply_config(struct ifmgrd *im, const Config *cfg, char **errs, int max_errs)
{
	bool created = false;
	char **names = xcalloc(cfg && cfg->n_vpn_instance ? cfg->n_vpn_instance : 1,
			       sizeof(*names));

	for (size_t i = 0; cfg && i < cfg->n_vpn_instance; i++)
		names[i] = cfg->vpn_instance[i]->name ? cfg->vpn_instance[i]->name : "";
	created = ifm_vpn_sync(im, names, cfg ? cfg->n_vpn_instance : 0);
	created |= ifm_vpn_adopt(im);    /* what an earlier run left */
	free(names);
	for (size_t i = 0; i < im->n_unmapped; i++)
		free(im->unmapped[i]);
	free(im->unmapped);
	im->unmapped = NULL;
	im->n_unmapped = 0;
	for (size_t i = 0; cfg && i < cfg->n_interface; i++) {
		const Interface *itf = cfg->interface[i];

		if (itf && itf->name && unmapped_loopback(im, itf->name))
			loopback_entry(im, itf->name, true, &created);
	}
	if (created)
		resync(im);   /* the new LoopBacks observe lo too */
	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifm_if *ifp = &im->ifs[i];

		desire(im, ifp, cfg);
		if (ifp->own)
			ifp->configured = config_interface(cfg, ifp->bs->name) != NULL;
	}
	for (size_t i = 0; cfg && i < cfg->n_interface; i++) {
		const Interface *itf = cfg->interface[i];

		if (!itf || !itf->name || bootstrap_interface(im->bs, itf->name) ||
		    bootstrap_is_loopback(itf->name))
			continue;
		im->unmapped = xrealloc(im->unmapped, (im->n_unmapped + 1) * sizeof(char *));
		im->unmapped[im->n_unmapped++] =
			xasprintf("%s: no netdev mapped to it in the bootstrap file", itf->name);
	}
	/* Missing netdevs are said once the instances' namespaces (where a
	 * restarted ifmgrd finds those it moved) have been looked in. */
	for (size_t i = 0; i < im->n_ifs && !im->have_config; i++)
		if (!im->ifs[i].have.present && !im->ifs[i].own)
			log_warn("%s: the bootstrap file maps it to netdev %s, which does not exist: "
				 "it stays down until %s appears", im->ifs[i].bs->name,
				 im->ifs[i].bs->netdev, im->ifs[i].bs->netdev);
	im->have_config = true;
	reconcile_some(im, false, true);
	after_apply(im);
	publish(im);
	return collect_errs(im, errs, max_errs);
}

/* The entry of unmapped for the interface name, or n_unmapped. */
static size_t unmapped_find(const struct ifmgrd *im, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < im->n_unmapped; i++)
		if (strncasecmp(im->unmapped[i], name, len) == 0 && im->unmapped[i][len] == ':')
			return i;
	return im->n_unmapped;
}

int ifmgrd_apply_objects(struct ifmgrd *im, const struct ct_node *tree,
			 const struct cfgsub_change *ch, size_t n_ch, char **errs, int max_errs)
{
	bool *dirty, failed = false, created = false;
	size_t done = 0;

	/* The VPN instances first: the interfaces bound to them go there. */
	for (size_t i = 0; i < n_ch; i++) {
		const ProtobufCFieldDescriptor *f;
		char **names = NULL;
		size_t n = 0;

		if (ch[i].n_path < 1 || strcmp(ch[i].path[0], "vpn_instance") != 0)
			continue;
		f = protobuf_c_message_descriptor_get_field_by_name(&config__descriptor,
								    "vpn_instance");
		for (const struct ct_node *k = ct_first(tree, f); k; k = k->next) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = k->key;
		}
		created = ifm_vpn_sync(im, names, n);
		free(names);
		break;
	}
	/* LoopBacks first: a new one gets an entry before the others are marked. */
	for (size_t i = 0; i < n_ch; i++) {
		struct ifm_if *ifp;
		bool exists;

		if (ch[i].n_path < 2 || strcmp(ch[i].path[0], "interface") != 0 ||
		    !unmapped_loopback(im, ch[i].path[1]))
			continue;
		exists = ct_lookup(tree, ch[i].path, 2, NULL) != NULL;
		ifp = loopback_entry(im, ch[i].path[1], exists, &created);
		if (ifp)
			ifp->configured = exists;
	}
	if (created)
		resync(im);
	dirty = xcalloc(im->n_ifs ? im->n_ifs : 1, sizeof(*dirty));
	for (size_t i = 0; i < n_ch; i++) {
		const char *name;
		size_t k;

		if (ch[i].n_path < 2 || strcmp(ch[i].path[0], "interface") != 0)
			continue;
		name = ch[i].path[1];
		for (k = 0; k < im->n_ifs; k++)
			if (strcasecmp(im->ifs[k].bs->name, name) == 0)
				break;
		if (k < im->n_ifs) {
			dirty[k] = true;
		} else if (!bootstrap_interface(im->bs, name) && !bootstrap_is_loopback(name)) {
			bool exists = ct_lookup(tree, ch[i].path, 2, NULL) != NULL;
			size_t u = unmapped_find(im, name);

			if (exists && u == im->n_unmapped) {
				im->unmapped = xrealloc(im->unmapped,
							(im->n_unmapped + 1) * sizeof(char *));
				im->unmapped[im->n_unmapped++] = xasprintf(
					"%s: no netdev mapped to it in the bootstrap file", name);
			} else if (!exists && u < im->n_unmapped) {
				free(im->unmapped[u]);
				memmove(&im->unmapped[u], &im->unmapped[u + 1],
					(im->n_unmapped - u - 1) * sizeof(char *));
				im->n_unmapped--;
			}
		}
	}
	for (size_t k = 0; k < im->n_ifs; k++) {
		struct ifm_if *ifp = &im->ifs[k];
		char *path[2] = { "interface", (char *)ifp->bs->name };
		const struct ct_node *node;
		Config one = CONFIG__INIT;
		Interface *itf = NULL;

		if (!dirty[k])
			continue;
		node = ct_lookup(tree, path, 2, NULL);
		if (node)
			itf = (Interface *)ct_materialize(node);
		one.interface = &itf;
		one.n_interface = itf ? 1 : 0;
		desire(im, ifp, &one);
		if (itf)
			protobuf_c_message_free_unpacked(&itf->base, NULL);
		if (!reconcile_if(im, ifp))
			failed = true;
		if (++done % IFMGRD_DRAIN_EVERY == 0)
			drain_events(im);
	}
	free(dirty);
	if (im->need_dump) {
		/* A LoopBack changed instance: plan them all on a fresh view. */
		resync(im);
		reconcile(im);
	}
	ifm_vpn_gc(im);
	if (failed || ifm_vpn_failed(im))
		retry_later(im);
	after_apply(im);
	publish(im);
	return collect_errs(im, errs, max_errs);
}

static int on_config(const Config *cfg, uint64_t commit_id, char **errs, int max_errs,
		     void *arg)
{
	struct ifmgrd *im = arg;
	const struct cfgsub_change *ch;
	size_t n;

	log_debug("applying commit %llu", (unsigned long long)commit_id);
	ch = cfgsub_changes(im->sub, &n);
	if (!ch || !im->have_config)     /* a snapshot: everything, whole */
		return ifmgrd_apply_config(im, cfg, errs, max_errs);
	return ifmgrd_apply_objects(im, cfgsub_tree(im->sub), ch, n, errs, max_errs);
}

int ifmgrd_subscribe(struct ifmgrd *im)
{
	static const char *const subtrees[] = { "interface", "vpn_instance", NULL };

	if (im->sub)
		return 0;
	im->sub = cfgsub_new(im->loop, im->zctx, im->bs, "ifmgrd", subtrees, on_config, im);
	if (!im->sub)
		return errno ? -errno : -EIO;
	/* A commit's interfaces are read from cfgsub's tree: only those are
	 * planned again. */
	cfgsub_set_by_path(im->sub, subtrees);
	return 0;
}

static void on_ctl(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		   size_t len, void *arg)
{
	struct ifmgrd_ctl_reply out;
	int r;

	struct ifmgrd *im = arg;

	im->ctl_peer = peer;
	ifmgrd_ctl_answer(im, data, len, &out);
	im->ctl_peer = NULL;
	if (!out.deferred) {
		r = bus_server_reply(srv, peer, &out.reply.base);
		if (r < 0)
			log_debug("ctl: reply failed: %s", strerror(-r));
	}
	ifmgrd_ctl_clear(&out);
}

struct ifmgrd *ifmgrd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
			  char *err, size_t errlen)
{
	struct ifmgrd *im = xcalloc(1, sizeof(*im));
	int r, e;

	im->loop = loop;
	im->zctx = zctx;
	im->bs = bs;
	im->nl_fd = -1;
	im->n_ifs = bs->n_interfaces;
	im->ifs = xcalloc(im->n_ifs ? im->n_ifs : 1, sizeof(*im->ifs));
	for (size_t i = 0; i < im->n_ifs; i++) {
		im->ifs[i].bs = &bs->interfaces[i];
		im->ifs[i].loopback = bootstrap_is_loopback(bs->interfaces[i].name);
		im->ifs[i].configured = true;   /* a mapped interface is always shown */
		im->ifs[i].shown = -1;
		im->ifs[i].netdev_hash = ifmgrd_name_hash(bs->interfaces[i].netdev);
		ifs_obs_init(&im->ifs[i].have);
		desire(im, &im->ifs[i], NULL);
	}

	im->probes = probe_engine_new(loop);
	if (ifm_ns_init(im) < 0)
		log_warn("cannot open ifmgrd's own network namespace: %s", strerror(errno));
	im->nl = rtnl_open(ifmgrd_on_event, im->ns[0]);
	im->ns[0]->nl = im->nl;
	if (!im->nl) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot open rtnetlink: %s", strerror(e));
		goto fail;
	}
	r = rtnl_dump(im->nl);
	if (r < 0) {
		e = -r;
		snprintf(err, errlen, "rtnetlink dump failed: %s", strerror(e));
		goto fail;
	}
	note_skipped(im);
	im->nl_fd = rtnl_event_fd(im->nl);
	r = loop_add_fd(loop, im->nl_fd, POLLIN, ifmgrd_on_netlink, im->ns[0]);
	if (r < 0) {
		e = -r;
		im->nl_fd = -1;
		snprintf(err, errlen, "cannot watch rtnetlink: %s", strerror(e));
		goto fail;
	}

	im->pub = daemon_bind_pub(loop, zctx, bs, "ifmgrd", "pub", "if", err, errlen);
	if (!im->pub) {
		e = errno;
		goto fail;
	}
	im->ctl = daemon_bind_server(loop, zctx, bs, "ifmgrd", "ctl", on_ctl, im, err, errlen);
	if (!im->ctl) {
		e = errno;
		goto fail;
	}
	im->evlog = evlog_open(loop, zctx, bs, "ifmgrd", EVLOG_CID_IFMGRD);
	if (!im->evlog && errno != EALREADY)   /* EALREADY: tests, several daemons in one process */
		log_warn("no event log for display logbuffer: %s", strerror(errno));
	publish(im);
	return im;
fail:
	ifmgrd_free(im);
	errno = e;
	return NULL;
}

void ifmgrd_free(struct ifmgrd *im)
{
	if (!im)
		return;
	if (im->sub)
		cfgsub_free(im->sub);
	if (im->retry_timer)
		loop_timer_cancel(im->loop, im->retry_timer);
	probe_engine_free(im->probes);   /* answers its waiting polls: before ctl */
	evlog_close(im->evlog);
	if (im->ctl)
		bus_server_free(im->ctl);
	if (im->pub)
		clone_pub_free(im->pub);
	if (im->nl_fd >= 0)
		loop_del_fd(im->loop, im->nl_fd);
	ifm_ns_free_all(im);
	rtnl_close(im->nl);
	for (size_t i = 0; i < im->n_ifs; i++) {
		ifs_obs_free(&im->ifs[i].have);
		ifmgrd_pubc_free(&im->ifs[i].pub);
		if (im->ifs[i].own) {
			free(im->ifs[i].own->name);
			free(im->ifs[i].own->netdev);
			free(im->ifs[i].own);
		}
	}
	free(im->ifs);
	for (size_t i = 0; i < im->n_unmapped; i++)
		free(im->unmapped[i]);
	free(im->unmapped);
	free(im->last_state);
	free(im);
}

uint64_t ifmgrd_bad_requests(const struct ifmgrd *im)
{
	return im->bad_requests;
}

uint64_t ifmgrd_resyncs(const struct ifmgrd *im)
{
	return im->resyncs;
}

struct rtnl_stats ifmgrd_netlink_skipped(const struct ifmgrd *im)
{
	return *rtnl_stats(im->nl);
}
