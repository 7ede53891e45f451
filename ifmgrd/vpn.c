/*
 * vpn.c: the kernel objects of VPN instances and the namespaces netdevs
 * live in (struct ifm_ns, ifmgrd_int.h).
 *
 * Entry [0] is ifmgrd's own network namespace (its rtnetlink is im->nl).
 * Each configured instance gets an entry and a kernel object, as FRR's two
 * backends do:
 *  - namespace: /run/netns/NAME, the bootstrap's mapping (vpn.instances:
 *    a namespace the operator made; a missing one is reported, never made)
 *    or PREFIX + instance (vpn.netns_prefix, default "mrd" + a hash of
 *    run_dir + "-"), made when the instance is committed and removed when
 *    it is undone.  It is made by a child the loop watches (the kernel's
 *    set-up of a namespace can wait on its global locks: the loop never
 *    waits for it); the interfaces bound to it are placed once it is.  ifmgrd opens an rtnetlink pair inside it (in a
 *    short-lived thread, common/named_netns.c), sets its lo up, and the
 *    interfaces bound to the instance have their netdevs moved into it
 *    (ifmgrd.c); each namespace's events come on its own socket.
 *  - VRF: a device "vrf-NAME" of kind vrf with its own table in entry [0]'s
 *    namespace, the bound netdevs enslaved to it (vrf.c; untested on a real
 *    VRF: the test kernel has none).
 * Backend auto (the default) takes VRF where the kernel creates a VRF
 * device, else the namespace; vpn.backend forces one.  A kernel object
 * that cannot be made is retried with the failed changes and shown as the
 * instance's error (commit warnings, IfStates.vpn).  An instance undone is
 * taken down only after the reconciliation moved its netdevs out: a veth
 * in a namespace that goes is destroyed with it.
 *
 * The namespaces outlive ifmgrd (a restart finds them, with their netdevs,
 * and carries on).  Those the configuration no longer names when a
 * configuration arrives (an instance undone while ifmgrd was down, cfgd
 * back with another running) are found by their prefix under /run/netns
 * (ifm_vpn_adopt) and taken as undone instances: dumped, so the netdevs
 * we manage inside are seen there, the netdevs moved home, the namespace
 * removed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <net/if.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "named_netns.h"
#include "netlink.h"
#include "vrf.h"
#include "ifmgrd_int.h"

int ifm_ns_init(struct ifmgrd *im)
{
	struct ifm_ns *ns = xcalloc(1, sizeof(*ns));

	ns->im = im;
	ns->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns->nl = im->nl;
	ns->nl_fd = -1;
	ns->configured = true;
	im->ns = xcalloc(1, sizeof(*im->ns));
	im->ns[0] = ns;
	im->n_ns = 1;
	return ns->fd < 0 ? -errno : 0;
}

struct ifm_ns *ifm_ns_of(const struct ifmgrd *im, const char *vpn)
{
	for (size_t i = 0; i < im->n_ns; i++)
		if (!strcasecmp(im->ns[i]->vpn, vpn ? vpn : ""))
			return im->ns[i];
	return NULL;
}

struct open_arg {
	struct ifm_ns *ns;
	struct rtnl *nl;
};

/* In the namespace's thread: the rtnetlink pair, and lo up (ifindex 1 in
 * every namespace). */
static int open_in_ns(void *p)
{
	struct open_arg *oa = p;

	oa->nl = rtnl_open(ifmgrd_on_event, oa->ns);
	if (!oa->nl)
		return -errno;
	(void)rtnl_link_set_up(oa->nl, 1, true);
	return 0;
}

static int netns_attach_fd(struct ifm_ns *ns, bool mapped, int fd);

/* The namespace's creation ended (the child's pipe is readable): attach
 * it, and have the interfaces planned again. */
static void on_made(struct loop *loop, int fd, short revents, void *arg)
{
	struct ifm_ns *ns = arg;
	int r;

	loop_del_fd(loop, ns->mk.fd);
	r = netns_op_finish(&ns->mk);
	ns->making = false;
	if (r < 0 && r != -EEXIST) {
		snprintf(ns->err, sizeof(ns->err), "VPN instance %s: cannot create network "
			 "namespace %s: %s", ns->vpn, ns->netns, strerror(-r));
	} else {
		log_info("VPN instance %s: network namespace %s created", ns->vpn, ns->netns);
		netns_attach_fd(ns, false, netns_open(ns->netns));
	}
	if (ns->err[0])
		log_warn("%s", ns->err);
	ifmgrd_vpn_made(ns->im);
}

/* The namespace of ns (its name set): opened, or its creation started
 * if it is ours to make (0: ns->making until on_made). */
static int netns_attach(struct ifm_ns *ns, bool mapped)
{
	int fd = netns_open(ns->netns), r;

	if (fd == -ENOENT && !mapped) {
		r = netns_create_start(ns->netns, &ns->mk);
		if (r == 0 && loop_add_fd(ns->im->loop, ns->mk.fd, POLLIN, on_made, ns) == 0) {
			ns->making = true;
			return 0;
		}
		if (r == 0)
			r = netns_op_finish(&ns->mk);   /* not watched: waited for */
		if (r < 0 && r != -EEXIST) {
			snprintf(ns->err, sizeof(ns->err), "VPN instance %s: cannot create network "
				 "namespace %s: %s", ns->vpn, ns->netns, strerror(-r));
			return r;
		}
		log_info("VPN instance %s: network namespace %s created", ns->vpn, ns->netns);
		fd = netns_open(ns->netns);
	}
	return netns_attach_fd(ns, mapped, fd);
}

/* The rest of netns_attach, with the namespace opened (fd) or not (-errno). */
static int netns_attach_fd(struct ifm_ns *ns, bool mapped, int fd)
{
	struct open_arg oa = { ns, NULL };
	int r;

	if (fd < 0) {
		snprintf(ns->err, sizeof(ns->err), "VPN instance %s: network namespace %s%s %s",
			 ns->vpn, ns->netns, mapped && !ns->owned ? " (bootstrap vpn.instances)" : "",
			 fd == -ENOENT ? "does not exist"
			 : fd == -EINVAL ? "is not a network namespace here" : strerror(-fd));
		return fd;
	}
	ns->fd = fd;
	r = netns_run(fd, open_in_ns, &oa);
	if (r < 0) {
		snprintf(ns->err, sizeof(ns->err), "VPN instance %s: no rtnetlink in namespace "
			 "%s: %s", ns->vpn, ns->netns, strerror(-r));
		return r;
	}
	ns->nl = oa.nl;
	ns->nl_fd = rtnl_event_fd(ns->nl);
	r = loop_add_fd(ns->im->loop, ns->nl_fd, POLLIN, ifmgrd_on_netlink, ns);
	if (r < 0) {
		ns->nl_fd = -1;
		return r;
	}
	r = rtnl_dump(ns->nl);
	if (r < 0)
		log_warn("VPN instance %s: dump of namespace %s failed: %s", ns->vpn, ns->netns,
			 strerror(-r));
	return 0;
}

static int vrf_attach(struct ifm_ns *ns)
{
	struct ifmgrd *im = ns->im;
	int r;

	vrf_dev_name(ns->vpn, ns->vrf_dev, sizeof(ns->vrf_dev));
	ns->nl = im->nl;
	ns->vrf_ifindex = (int)if_nametoindex(ns->vrf_dev);
	if (ns->vrf_ifindex == 0) {
		r = vrf_create(im->nl, ns->vrf_dev, vrf_table(ns->vpn));
		if (r < 0) {
			snprintf(ns->err, sizeof(ns->err), "VPN instance %s: cannot create VRF "
				 "device %s: %s", ns->vpn, ns->vrf_dev, strerror(-r));
			return r;
		}
		ns->vrf_ifindex = (int)if_nametoindex(ns->vrf_dev);
		log_info("VPN instance %s: VRF device %s (table %u) created", ns->vpn,
			 ns->vrf_dev, vrf_table(ns->vpn));
	}
	ns->owned = true;
	return rtnl_link_set_up(im->nl, ns->vrf_ifindex, true);
}

/* Make ns's kernel object (again, after a failure): 0 or -errno with ns->err. */
static int ns_attach(struct ifm_ns *ns)
{
	const struct bootstrap *bs = ns->im->bs;
	bool mapped;
	int r;

	ns->err[0] = '\0';
	mapped = bootstrap_vpn_netns(bs, ns->vpn, ns->netns, sizeof(ns->netns));
	if (!mapped && bs->vpn.backend != BS_VPN_NETNS) {
		r = vrf_attach(ns);
		if (r == 0) {
			ns->vrf = true;
			ns->netns[0] = '\0';
			return 0;
		}
		if (bs->vpn.backend == BS_VPN_VRF || r != -EOPNOTSUPP)
			return r;
		log_info("VPN instance %s: no VRF in this kernel; a network namespace instead",
			 ns->vpn);
		ns->err[0] = '\0';
		ns->nl = NULL;
	}
	ns->owned = !mapped;
	return netns_attach(ns, mapped);
}

static void ns_detach(struct ifm_ns *ns)
{
	struct ifmgrd *im = ns->im;

	if (ns->making) {
		/* Undone or stopping while it is made: the child is short-lived. */
		loop_del_fd(im->loop, ns->mk.fd);
		(void)netns_op_finish(&ns->mk);
		ns->making = false;
	}

	if (ns->nl_fd >= 0)
		loop_del_fd(im->loop, ns->nl_fd);
	ns->nl_fd = -1;
	if (ns->nl && ns->nl != im->nl)
		rtnl_close(ns->nl);
	ns->nl = NULL;
	if (ns->fd >= 0 && ns != im->ns[0])
		close(ns->fd);
	ns->fd = -1;
}

/* Take the instance's kernel object down (it is no longer configured and
 * holds none of our netdevs). */
static void ns_remove(struct ifm_ns *ns)
{
	struct ifmgrd *im = ns->im;
	int r = 0;

	ns_detach(ns);
	if (ns->vrf && ns->vrf_ifindex > 0)
		r = vrf_delete(im->nl, ns->vrf_ifindex);
	else if (ns->owned && ns->netns[0] && !ns->err[0])
		r = netns_delete(ns->netns);
	if (r < 0 && r != -ENOENT && r != -ENODEV)
		log_warn("VPN instance %s: cannot remove its %s: %s", ns->vpn,
			 ns->vrf ? "VRF device" : "network namespace", strerror(-r));
	else
		log_info("VPN instance %s removed", ns->vpn);
}

bool ifm_vpn_sync(struct ifmgrd *im, char *const *names, size_t n)
{
	bool made = false;

	for (size_t i = 1; i < im->n_ns; i++)
		im->ns[i]->configured = false;
	for (size_t k = 0; k < n; k++) {
		struct ifm_ns *ns = ifm_ns_of(im, names[k]);

		if (!names[k][0])
			continue;
		if (!ns) {
			ns = xcalloc(1, sizeof(*ns));
			ns->im = im;
			ns->fd = ns->nl_fd = -1;
			snprintf(ns->vpn, sizeof(ns->vpn), "%s", names[k]);
			im->ns = xrealloc(im->ns, (im->n_ns + 1) * sizeof(*im->ns));
			im->ns[im->n_ns++] = ns;
			if (ns_attach(ns) < 0)
				log_warn("%s", ns->err);
			made = true;
		}
		ns->configured = true;
	}
	return made;
}

/* A namespace of the bootstrap's vpn.instances: never ours to remove. */
static bool netns_mapped(const struct bootstrap *bs, const char *name)
{
	for (size_t i = 0; i < bs->vpn.n_instances; i++)
		if (bs->vpn.instances[i].netns && strcmp(bs->vpn.instances[i].netns, name) == 0)
			return true;
	return false;
}

bool ifm_vpn_adopt(struct ifmgrd *im)
{
	char prefix[sizeof(im->ns[0]->netns)];
	bool found = false;
	struct dirent *e;
	size_t plen;
	DIR *d;

	if (im->bs->vpn.backend == BS_VPN_VRF)
		return false;
	/* The instance "" is never configured: its name is the bare prefix. */
	if (bootstrap_vpn_netns(im->bs, "", prefix, sizeof(prefix)) || !prefix[0])
		return false;
	plen = strlen(prefix);
	d = opendir(NETNS_RUN_DIR);
	if (!d)
		return false;
	while ((e = readdir(d))) {
		const char *vpn = e->d_name + plen;
		struct ifm_ns *ns;

		if (strncmp(e->d_name, prefix, plen) != 0 || !vpn[0] ||
		    strlen(vpn) >= sizeof(ns->vpn) || strlen(e->d_name) >= sizeof(ns->netns) ||
		    netns_mapped(im->bs, e->d_name))
			continue;
		ns = ifm_ns_of(im, vpn);
		if (ns && (!strcmp(ns->netns, e->d_name) || ns->vrf))
			continue;     /* configured, and attached (or being) already */
		if (ns)
			continue;     /* the same instance under another name: left alone */
		ns = xcalloc(1, sizeof(*ns));
		ns->im = im;
		ns->fd = ns->nl_fd = -1;
		snprintf(ns->vpn, sizeof(ns->vpn), "%s", vpn);
		snprintf(ns->netns, sizeof(ns->netns), "%.*s", (int)sizeof(ns->netns) - 1, e->d_name);
		ns->owned = true;
		if (netns_attach(ns, true) < 0) {
			log_warn("%s (left by an earlier run)", ns->err);
			ns_detach(ns);
			free(ns);
			continue;
		}
		log_info("VPN instance %s: network namespace %s, left by an earlier run, is no "
			 "longer configured: its netdevs come back and it is removed", vpn,
			 e->d_name);
		im->ns = xrealloc(im->ns, (im->n_ns + 1) * sizeof(*im->ns));
		im->ns[im->n_ns++] = ns;
		found = true;
	}
	closedir(d);
	return found;
}

bool ifm_vpn_retry(struct ifmgrd *im)
{
	bool made = false;

	for (size_t i = 1; i < im->n_ns; i++) {
		struct ifm_ns *ns = im->ns[i];

		if (!ns->configured || !ns->err[0])
			continue;
		ns_detach(ns);
		if (ns_attach(ns) == 0) {
			log_info("VPN instance %s: ready", ns->vpn);
			made = true;
		}
	}
	return made;
}

bool ifm_vpn_failed(const struct ifmgrd *im)
{
	for (size_t i = 1; i < im->n_ns; i++)
		if (im->ns[i]->configured && im->ns[i]->err[0])
			return true;
	return false;
}

void ifm_vpn_gc(struct ifmgrd *im)
{
	for (size_t i = 1; i < im->n_ns;) {
		struct ifm_ns *ns = im->ns[i];
		bool busy = false;

		for (size_t k = 0; k < im->n_ifs && !busy; k++)
			busy = !im->ifs[k].loopback &&
			       (im->ifs[k].at == ns ||
				(ns->vrf && im->ifs[k].have.master == ns->vrf_ifindex &&
				 ns->vrf_ifindex > 0));
		if (ns->configured || busy) {
			i++;
			continue;
		}
		for (size_t k = 0; k < im->n_ifs; k++)
			if (im->ifs[k].at == ns) {    /* a LoopBack's lo */
				ifs_obs_clear(&im->ifs[k].have);
				im->ifs[k].at = NULL;
			}
		ns_remove(ns);
		free(ns);
		memmove(&im->ns[i], &im->ns[i + 1], (im->n_ns - i - 1) * sizeof(*im->ns));
		im->n_ns--;
	}
}

int ifm_vpn_dump(struct ifmgrd *im)
{
	int rc = 0;

	for (size_t i = 0; i < im->n_ns; i++) {
		struct ifm_ns *ns = im->ns[i];
		int r;

		if (!ns->nl || (i > 0 && ns->vrf))
			continue;
		r = rtnl_dump(ns->nl);
		if (r < 0) {
			log_warn("netlink dump failed%s%s: %s", i ? " in namespace " : "",
				 ns->netns, strerror(-r));
			rc = r;
		}
	}
	return rc;
}

int ifm_vpn_errs(const struct ifmgrd *im, char **errs, int max_errs)
{
	int n = 0;

	for (size_t i = 1; i < im->n_ns && n < max_errs; i++)
		if (im->ns[i]->configured && im->ns[i]->err[0])
			errs[n++] = xstrdup(im->ns[i]->err);
	return n;
}

void ifm_vpn_fill(const struct ifmgrd *im, IfStates *st)
{
	size_t n = 0;

	st->vpn = xcalloc(im->n_ns, sizeof(*st->vpn));
	for (size_t i = 1; i < im->n_ns; i++) {
		const struct ifm_ns *ns = im->ns[i];
		VpnState *v;

		if (!ns->configured)
			continue;
		v = xmalloc(sizeof(*v));
		vpn_state__init(v);
		v->name = xstrdup(ns->vpn);
		v->netns = xstrdup(ns->vrf ? "" : ns->netns);
		v->vrf_device = xstrdup(ns->vrf ? ns->vrf_dev : "");
		v->has_vrf_ifindex = ns->vrf;
		v->vrf_ifindex = ns->vrf ? (uint32_t)ns->vrf_ifindex : 0;
		/* Not ready while it is made: users (ntpd) wait for the next
		 * publication rather than open a namespace not there yet. */
		v->error = ns->making ? xasprintf("VPN instance %s: network namespace %s is "
						  "being created", ns->vpn, ns->netns)
				      : xstrdup(ns->err);
		st->vpn[n++] = v;
	}
	st->n_vpn = n;
}

void ifm_vpn_free_states(IfStates *st)
{
	for (size_t i = 0; i < st->n_vpn; i++)
		vpn_state__free_unpacked(st->vpn[i], NULL);
	free(st->vpn);
	st->vpn = NULL;
	st->n_vpn = 0;
}

void ifm_ns_free_all(struct ifmgrd *im)
{
	/* The instances' kernel objects stay: a restarted ifmgrd finds them
	 * (with their netdevs) and carries on. */
	if (im->n_ns && im->ns[0]->fd >= 0)
		close(im->ns[0]->fd);
	for (size_t i = 0; i < im->n_ns; i++) {
		ns_detach(im->ns[i]);
		free(im->ns[i]);
	}
	free(im->ns);
	im->ns = NULL;
	im->n_ns = 0;
}
