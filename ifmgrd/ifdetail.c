/*
 * ifdetail.c: what `display interface` needs beyond the published state.
 *
 * The published IfState says what an interface is; the counters move with
 * every packet, so they are never published: ifmgrd reads them from the
 * kernel (RTM_GETLINK: IFLA_STATS64, IFLA_MTU, IFLA_ADDRESS) when clid
 * asks, over the command socket that answers at once.  The last change
 * time is ifmgrd's own: the wall-clock second at which it saw the netdev's
 * physical state (present, IFF_UP, IFF_RUNNING) last change, or first saw
 * it, since the kernel keeps no such time.  So is the reason of a DOWN the
 * configuration did not ask for (down_reason): the netdev the bootstrap
 * file maps it to does not exist (yet), is down, or has no carrier.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <net/if.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "ifmgrd_int.h"

static int physical(const struct ifm_if *ifp)
{
	if (!ifp->have.present)
		return 0;
	return 1 | (ifp->have.flags & IFF_UP ? 2 : 0) | (ifp->have.flags & IFF_RUNNING ? 4 : 0);
}

void ifmgrd_note_changes(struct ifmgrd *im)
{
	for (size_t i = 0; i < im->n_ifs; i++) {
		struct ifm_if *ifp = &im->ifs[i];
		int now = physical(ifp);

		if (now != ifp->shown) {
			ifp->shown = now;
			ifp->last_change = (int64_t)time(NULL);
		}
	}
}

/* Why ifp is down when the configuration wants it up, as a sentence (the
 * wording of the reconcile errors), or NULL: up, administratively down
 * (the state says so), or a LoopBack (always up). */
static char *down_reason(const struct ifm_if *ifp)
{
	const struct ifs_observed *h = &ifp->have;

	if (ifp->loopback || !ifp->want.admin_up)
		return NULL;
	if (!h->present)
		return xasprintf("netdev %s does not exist", ifp->bs->netdev);
	if (!(h->flags & IFF_UP))
		return ifp->err[0] ? xasprintf("netdev %s is down: %s", ifp->bs->netdev, ifp->err)
				   : xasprintf("netdev %s is down", ifp->bs->netdev);
	if (!(h->flags & IFF_RUNNING))
		return xasprintf("netdev %s has no carrier", ifp->bs->netdev);
	return NULL;
}

/* The time one answer may spend reading counters: the kernel answers at
 * once unless its rtnl lock is contended (namespaces torn down elsewhere
 * on the machine); past this, the rest are shown without counters rather
 * than the loop blocking past the asker's timeout (clid's is 2 s). */
#define IFDETAIL_BUDGET_US 300000u

static IfDetail *detail_new(struct ifmgrd *im, const struct ifm_if *ifp, bool read_kernel)
{
	IfDetail *d = xmalloc(sizeof(*d));
	struct rtnl_link_info li;
	int r;

	if_detail__init(d);
	d->state = xmalloc(sizeof(*d->state));
	ifmgrd_fill_state(ifp, d->state);
	d->has_last_change = ifp->last_change != 0;
	d->last_change = ifp->last_change;
	d->down_reason = down_reason(ifp);
	if (!ifp->have.present || !read_kernel)
		return d;
	r = rtnl_link_info(ifp->at && ifp->at->nl ? ifp->at->nl : im->nl, ifp->have.ifindex, &li);
	if (r < 0) {
		log_debug("%s: cannot read netdev %s: %s", ifp->bs->name, ifp->bs->netdev,
			  strerror(-r));
		return d;
	}
	d->has_mtu = true;
	d->mtu = li.mtu;
	d->has_loopback = true;
	d->loopback = (li.flags & IFF_LOOPBACK) != 0;
	if (li.mac_len) {
		d->has_mac = true;
		d->mac.len = li.mac_len;
		d->mac.data = xmalloc(li.mac_len);
		memcpy(d->mac.data, li.mac, li.mac_len);
	}
	if (li.has_stats) {
		IfCounters *c = xmalloc(sizeof(*c));

		if_counters__init(c);
		c->has_rx_packets = c->has_rx_bytes = c->has_rx_errors = c->has_rx_dropped = true;
		c->has_tx_packets = c->has_tx_bytes = c->has_tx_errors = c->has_tx_dropped = true;
		c->has_rx_multicast = true;
		c->rx_packets = li.stats.rx_packets;
		c->rx_bytes = li.stats.rx_bytes;
		c->rx_errors = li.stats.rx_errors;
		c->rx_dropped = li.stats.rx_dropped;
		c->tx_packets = li.stats.tx_packets;
		c->tx_bytes = li.stats.tx_bytes;
		c->tx_errors = li.stats.tx_errors;
		c->tx_dropped = li.stats.tx_dropped;
		c->rx_multicast = li.stats.multicast;
		d->counters = c;
	}
	return d;
}

IfDetails *ifmgrd_details(struct ifmgrd *im, const char *name)
{
	IfDetails *ds = xmalloc(sizeof(*ds));
	uint64_t t0 = loop_now_us();

	if_details__init(ds);
	ds->interface = xcalloc(im->n_ifs ? im->n_ifs : 1, sizeof(*ds->interface));
	for (size_t i = 0; i < im->n_ifs; i++) {
		if (name && strcasecmp(name, im->ifs[i].bs->name) != 0)
			continue;
		if (im->ifs[i].loopback && !im->ifs[i].configured)
			continue;
		ds->interface[ds->n_interface++] =
			detail_new(im, &im->ifs[i], loop_now_us() - t0 < IFDETAIL_BUDGET_US);
	}
	if (name && ds->n_interface == 0) {
		ifmgrd_details_free(ds);
		return NULL;
	}
	return ds;
}

void ifmgrd_details_free(IfDetails *ds)
{
	if (!ds)
		return;
	for (size_t i = 0; i < ds->n_interface; i++) {
		IfDetail *d = ds->interface[i];

		if (d->state) {
			ifs_state_clear(d->state);
			free(d->state);
		}
		free(d->mac.data);
		free(d->down_reason);
		free(d->counters);
		free(d);
	}
	free(ds->interface);
	free(ds);
}
