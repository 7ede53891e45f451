/*
 * vpn.c: ntpd in VPN instances.
 *
 * ifmgrd publishes each configured instance's kernel object with the
 * interfaces (IfStates.vpn, ifmgrd/vpn.c): a network namespace
 * (/run/netns/NETNS) or a VRF device.  ntpd opens an instance's sockets
 * there and keeps them: in a namespace through a short-lived thread that
 * enters it (common/named_netns.c: a socket stays in the namespace it was
 * made in, the daemon's own thread never moves), on a VRF bound to its
 * device (SO_BINDTODEVICE).  A socket carries its instance (ntp_sock.vpn):
 * what arrives on it belongs to that instance's associations (an address
 * is a key only with its instance: the same server in two instances is two
 * associations), and what an instance's association or server answers
 * leaves by a socket of that instance.  The namespace is opened once per
 * instance and closed when ifmgrd no longer reports it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "named_netns.h"
#include "ntpd.h"

const struct ntpd_vpn *vpn_find(const struct ntpd *core, const char *vpn)
{
	for (size_t i = 0; vpn && i < core->n_vpns; i++)
		if (!strcasecmp(core->vpns[i].name, vpn))
			return &core->vpns[i];
	return NULL;
}

const char *vpn_of_if(const struct ntpd *core, const char *ifname)
{
	const struct ntpd_if *nif = ntpd_if_find(core, ifname);

	return nif ? nif->vpn : "";
}

/* Open v's namespace if it has one and ifmgrd reports it ready: 0 or
 * -errno (logged; tried again at the next socket wanted there). */
static int ns_open(struct ntpd_vpn *v)
{
	if (!v->netns[0] || v->err[0] || v->nsfd >= 0)
		return v->nsfd >= 0 || !v->netns[0] ? 0 : -ENONET;
	v->nsfd = netns_open(v->netns);
	if (v->nsfd < 0) {
		int r = v->nsfd;

		log_warn("VPN instance %s: cannot open network namespace %s: %s%s", v->name,
			 v->netns, strerror(-r),
			 r == -EINVAL ? " (not visible in ntpd's mount namespace?)" : "");
		return r;
	}
	log_info("VPN instance %s: network namespace %s", v->name, v->netns);
	return 0;
}

void vpn_apply_states(struct ntpd *core, const IfStates *st)
{
	size_t n = st ? st->n_vpn : 0;
	struct ntpd_vpn *v = xcalloc(n ? n : 1, sizeof(*v));

	for (size_t i = 0; i < n; i++) {
		const VpnState *vs = st->vpn[i];
		struct ntpd_vpn *old;

		v[i].nsfd = -1;
		snprintf(v[i].name, sizeof(v[i].name), "%s", vs->name ? vs->name : "");
		snprintf(v[i].netns, sizeof(v[i].netns), "%s", vs->netns ? vs->netns : "");
		snprintf(v[i].vrf_dev, sizeof(v[i].vrf_dev), "%s",
			 vs->vrf_device ? vs->vrf_device : "");
		snprintf(v[i].err, sizeof(v[i].err), "%s", vs->error ? vs->error : "");
		old = (struct ntpd_vpn *)vpn_find(core, v[i].name);
		if (old && !strcmp(old->netns, v[i].netns) && old->nsfd >= 0) {
			v[i].nsfd = old->nsfd;      /* the same namespace: keep it */
			old->nsfd = -1;
		} else {
			ns_open(&v[i]);
		}
	}
	vpn_free(core);
	core->vpns = v;
	core->n_vpns = n;
}

void vpn_free(struct ntpd *core)
{
	for (size_t i = 0; i < core->n_vpns; i++)
		if (core->vpns[i].nsfd >= 0)
			close(core->vpns[i].nsfd);
	free(core->vpns);
	core->vpns = NULL;
	core->n_vpns = 0;
}

struct open_arg {
	const struct naddr *addr;
	uint16_t port;
};

static int open_in_ns(void *p)
{
	const struct open_arg *oa = p;

	return sock_open_fd(oa->addr, oa->port, NULL);
}

int vpn_sock_open(struct ntpd *core, const char *vpn, const struct naddr *addr, uint16_t port)
{
	struct ntpd_vpn *v = (struct ntpd_vpn *)vpn_find(core, vpn);
	struct open_arg oa = { addr, port };
	int r;

	if (!v || v->err[0])
		return -ENONET;
	if (v->vrf_dev[0])
		return sock_open_fd(addr, port, v->vrf_dev);
	r = ns_open(v);
	if (r < 0)
		return r;
	return netns_run(v->nsfd, open_in_ns, &oa);
}

struct run_arg {
	int (*fn)(void *arg, const char *bind_dev);
	void *arg;
};

static int run_in_ns(void *p)
{
	const struct run_arg *ra = p;

	return ra->fn(ra->arg, NULL);
}

int vpn_run(struct ntpd *core, const char *vpn, int (*fn)(void *arg, const char *bind_dev),
	    void *arg)
{
	struct ntpd_vpn *v = (struct ntpd_vpn *)vpn_find(core, vpn);
	struct run_arg ra = { fn, arg };
	int r;

	if (!vpn || !vpn[0])
		return fn(arg, NULL);
	if (!v || v->err[0])
		return -ENONET;
	if (v->vrf_dev[0])
		return fn(arg, v->vrf_dev);
	r = ns_open(v);
	if (r < 0)
		return r;
	return netns_run(v->nsfd, run_in_ns, &ra);
}
