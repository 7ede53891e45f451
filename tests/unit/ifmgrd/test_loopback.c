/*
 * test_loopback.c: LoopBack interfaces in ifmgrd, against a real kernel in
 * a private network namespace (needs root; CI runs as root).  A LoopBack
 * has no bootstrap mapping: its addresses go on the namespace's lo, which
 * is set up and never down; each LoopBack keeps its own addresses there,
 * and one that is undone takes its addresses with it while 127.0.0.1 and
 * the other LoopBacks' stay.  Also sub addresses (`ip address ... sub`),
 * on a dummy netdev and on a LoopBack, and `mtu` set on a netdev (lo's is
 * never touched).
 */
#include <criterion/criterion.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <ifaddrs.h>
#include <arpa/inet.h>

#include "cfgsub.h"
#include "cfgtree.h"
#include "ifmgrd.h"
#include "ifmgrd_rig.h"
#include "netlink.h"
#include "log.h"
#include "netns.h"
#include "testutil.h"

static bool dev_has(const char *dev, const char *ip, unsigned plen);

/* Whether lo has ip/plen. */
static bool lo_has(const char *ip, unsigned plen)
{
	return dev_has("lo", ip, plen);
}

/* Whether netdev dev has ip/plen. */
static bool dev_has(const char *dev, const char *ip, unsigned plen)
{
	struct ifaddrs *ifa, *p;
	bool has = false;

	cr_assert_eq(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next) {
		struct sockaddr_in *sin = (struct sockaddr_in *)p->ifa_addr;
		struct sockaddr_in *mask = (struct sockaddr_in *)p->ifa_netmask;
		char buf[INET_ADDRSTRLEN];

		if (!sin || sin->sin_family != AF_INET || strcmp(p->ifa_name, dev) != 0)
			continue;
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		if (strcmp(buf, ip) == 0 && mask &&
		    (unsigned)__builtin_popcount(mask->sin_addr.s_addr) == plen)
			has = true;
	}
	freeifaddrs(ifa);
	return has;
}

/* A configuration of LoopBacks: names[i] with addrs[i]/32 (NULL: none),
 * each with `shutdown` (a LoopBack ignores it). */
static Config *loopbacks(const char *const *names, const char *const *addrs, size_t n)
{
	Config *c = xmalloc(sizeof(*c));

	config__init(c);
	c->interface = xcalloc(n + 1, sizeof(*c->interface));
	for (size_t i = 0; i < n; i++) {
		Interface *itf = xmalloc(sizeof(*itf));

		interface__init(itf);
		itf->name = xstrdup(names[i]);
		itf->has_shutdown = true;
		itf->shutdown = true;
		if (addrs[i]) {
			itf->address = xmalloc(sizeof(*itf->address));
			ipv4_address__init(itf->address);
			itf->address->address = xstrdup(addrs[i]);
			itf->address->prefix_len = 32;
		}
		c->interface[c->n_interface++] = itf;
	}
	return c;
}

/* A commit that changed interface `name`, the tree after it being c. */
static int commit(struct ifmgrd *im, const Config *c, const char *name)
{
	struct ct_node *tree = ct_root_new(&config__descriptor);
	char *path[2] = { "interface", (char *)name };
	struct cfgsub_change ch = { .path = path, .n_path = 2 };
	char *errs[8];
	int n;

	ct_load(tree, &c->base, 1);
	ch.removed = ct_lookup(tree, path, 2, NULL) == NULL;
	n = ifmgrd_apply_objects(im, tree, &ch, 1, errs, 8);
	for (int i = 0; i < n; i++)
		free(errs[i]);   /* GigabitEthernet0/1/0 has no netdev: not ours here */
	ct_free(tree);
	return n;
}

struct want {
	struct test_sub *ts;
	const char *on[3];      /* on lo and published as a LoopBack's primary */
	const char *names[3];
	const char *off[3];     /* not on lo */
	const char *gone;       /* a LoopBack no longer published */
};

static bool converged(void *arg)
{
	const struct want *w = arg;

	if (!lo_has("127.0.0.1", 8) || !(nl_kernel_flags("lo") & IFF_UP))
		return false;
	for (size_t i = 0; i < 3 && w->on[i]; i++) {
		const IfState *st = test_sub_find(w->ts, w->names[i]);

		/* Each shows its own address only, not the other's on lo. */
		if (!lo_has(w->on[i], 32) || !st || strcmp(st->primary_ipv4, w->on[i]) != 0 ||
		    !st->admin_up || !st->oper_up || st->n_sub_ipv4 != 0)
			return false;
	}
	for (size_t i = 0; i < 3 && w->off[i]; i++)
		if (lo_has(w->off[i], 32))
			return false;
	return !w->gone || !test_sub_find(w->ts, w->gone);
}

Test(loopback, addresses_on_lo)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "mrd0" };
	static const char *const lbs[] = { "LoopBack0", "LoopBack1" };
	static const char *const addrs[] = { "192.0.2.1", "192.0.2.2" };
	struct nl_rig r;
	Config *cfg;
	char *errs[8];
	int n;

	nl_enter_namespace();   /* its lo is down: a LoopBack brings it up */
	log_init("test_loopback", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 1);

	/* A snapshot with two LoopBacks, shut down (ignored): both on lo. */
	cfg = loopbacks(lbs, addrs, 2);
	n = ifmgrd_apply_config(r.im, cfg, errs, 8);
	for (int i = 0; i < n; i++)
		free(errs[i]);   /* GigabitEthernet0/1/0 has no netdev: not ours here */
	struct want w = { &r.ts, { "192.0.2.1", "192.0.2.2" }, { "LoopBack0", "LoopBack1" } };
	cr_assert(run_until(r.loop, converged, &w, 5000), "LoopBack addresses not on lo");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);

	/* LoopBack1 undone: its address leaves lo, LoopBack0's stays. */
	cfg = loopbacks(lbs, addrs, 1);
	commit(r.im, cfg, "LoopBack1");
	struct want w1 = { &r.ts, { "192.0.2.1" }, { "LoopBack0" }, { "192.0.2.2" },
			   "LoopBack1" };
	cr_assert(run_until(r.loop, converged, &w1, 5000), "undone LoopBack's address stays");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);

	/* A new LoopBack in a commit, and LoopBack0's address changed. */
	static const char *const addrs2[] = { "192.0.2.9", "192.0.2.2" };
	cfg = loopbacks(lbs, addrs2, 2);
	commit(r.im, cfg, "LoopBack1");
	commit(r.im, cfg, "LoopBack0");
	struct want w2 = { &r.ts, { "192.0.2.9", "192.0.2.2" }, { "LoopBack0", "LoopBack1" },
			   { "192.0.2.1" } };
	cr_assert(run_until(r.loop, converged, &w2, 5000), "LoopBack changes not programmed");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);

	/* Everything undone: lo keeps only its own. */
	cfg = loopbacks(lbs, addrs2, 0);
	n = ifmgrd_apply_config(r.im, cfg, errs, 8);
	for (int i = 0; i < n; i++)
		free(errs[i]);
	struct want w3 = { &r.ts, { NULL }, { NULL }, { "192.0.2.9", "192.0.2.2" }, "LoopBack0" };
	cr_assert(run_until(r.loop, converged, &w3, 5000), "undone LoopBacks' addresses stay");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	nl_rig_stop(&r);
}

/* --- sub addresses ------------------------------------------------------ */

static void add_sub(Interface *itf, const char *ip, unsigned plen)
{
	Ipv4Address *a = xmalloc(sizeof(*a));

	ipv4_address__init(a);
	a->address = xstrdup(ip);
	a->prefix_len = plen;
	itf->sub_address = xrealloc(itf->sub_address,
				    (itf->n_sub_address + 1) * sizeof(*itf->sub_address));
	itf->sub_address[itf->n_sub_address++] = a;
}

struct subs {
	const char *dev;
	const char *on[4], *off[4];
	unsigned on_plen[4];
};

static bool subs_converged(void *arg)
{
	const struct subs *w = arg;

	for (size_t i = 0; i < 4 && w->on[i]; i++)
		if (!dev_has(w->dev, w->on[i], w->on_plen[i]))
			return false;
	for (size_t i = 0; i < 4 && w->off[i]; i++)
		if (dev_has(w->dev, w->off[i], 24) || dev_has(w->dev, w->off[i], 32))
			return false;
	return true;
}

Test(loopback, sub_addresses)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "mrd0" };
	static const char *const lbs[] = { "GigabitEthernet0/1/0", "LoopBack0" };
	static const char *const addrs[] = { "10.0.1.1", "192.0.2.1" };
	struct nl_rig r;
	Config *cfg;

	nl_enter_namespace();
	if (nl_new_dummy("mrd0") != 0)
		nl_new_veth("mrd0");
	log_init("test_loopback", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 1);

	/* The snapshot first (as cfgsub gives it), then commits: a primary and
	 * two subs on the netdev, one sub on a LoopBack. */
	cfg = loopbacks(lbs, addrs, 0);
	ifmgrd_apply_config(r.im, cfg, NULL, 0);
	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	cfg = loopbacks(lbs, addrs, 2);
	cfg->interface[0]->address->prefix_len = 24;
	add_sub(cfg->interface[0], "10.0.2.1", 24);
	add_sub(cfg->interface[0], "10.0.3.1", 25);
	add_sub(cfg->interface[1], "192.0.2.2", 32);
	commit(r.im, cfg, "GigabitEthernet0/1/0");
	commit(r.im, cfg, "LoopBack0");
	struct subs w = { "mrd0", { "10.0.1.1", "10.0.2.1", "10.0.3.1" }, { NULL },
			  { 24, 24, 25 } };
	cr_assert(run_until(r.loop, subs_converged, &w, 5000), "sub addresses not programmed");
	struct subs wl = { "lo", { "192.0.2.1", "192.0.2.2" }, { NULL }, { 32, 32 } };
	cr_assert(run_until(r.loop, subs_converged, &wl, 5000), "LoopBack sub not on lo");

	/* Deleted behind ifmgrd's back: put back. */
	{
		struct rtnl *other = rtnl_open(NULL, NULL);
		struct ifs_addr a = { .plen = 24 };

		cr_assert_not_null(other);
		inet_pton(AF_INET, "10.0.2.1", &a.local);
		a.peer = a.local;
		cr_assert_eq(rtnl_addr_del(other, (int)if_nametoindex("mrd0"), &a), 0);
		rtnl_close(other);
	}
	cr_assert(run_until(r.loop, subs_converged, &w, 5000), "deleted sub not restored");

	/* One sub undone: it alone leaves. */
	ipv4_address__free_unpacked(cfg->interface[0]->sub_address[0], NULL);
	cfg->interface[0]->sub_address[0] = cfg->interface[0]->sub_address[1];
	cfg->interface[0]->n_sub_address = 1;
	commit(r.im, cfg, "GigabitEthernet0/1/0");
	struct subs w2 = { "mrd0", { "10.0.1.1", "10.0.3.1" }, { "10.0.2.1" }, { 24, 25 } };
	cr_assert(run_until(r.loop, subs_converged, &w2, 5000), "undone sub stays");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	nl_rig_stop(&r);
}

/* --- mtu ------------------------------------------------------------------ */

static int kernel_mtu(const char *dev)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	cr_assert_geq(fd, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	r = ioctl(fd, SIOCGIFMTU, &ifr);
	close(fd);
	return r < 0 ? -1 : ifr.ifr_mtu;
}

struct mtus {
	int mrd0, lo;
};

static bool mtus_are(void *arg)
{
	const struct mtus *m = arg;

	return kernel_mtu("mrd0") == m->mrd0 && kernel_mtu("lo") == m->lo;
}

Test(loopback, mtu)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "mrd0" };
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "LoopBack0" };
	static const char *const addrs[] = { NULL, "192.0.2.1" };
	struct nl_rig r;
	Config *cfg;
	int lo_mtu;

	nl_enter_namespace();
	if (nl_new_dummy("mrd0") != 0)
		nl_new_veth("mrd0");
	lo_mtu = kernel_mtu("lo");
	log_init("test_loopback", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 1);

	cfg = loopbacks(ifs, addrs, 2);
	ifmgrd_apply_config(r.im, cfg, NULL, 0);
	cfg->interface[0]->has_mtu = true;
	cfg->interface[0]->mtu = 1400;
	commit(r.im, cfg, "GigabitEthernet0/1/0");
	struct mtus m = { 1400, lo_mtu };
	cr_assert(run_until(r.loop, mtus_are, &m, 5000), "mtu not set: %d", kernel_mtu("mrd0"));

	/* Changed behind ifmgrd's back: put back, as an address is. */
	{
		struct rtnl *other = rtnl_open(NULL, NULL);

		cr_assert_not_null(other);
		cr_assert_eq(rtnl_link_set_mtu(other, (int)if_nametoindex("mrd0"), 1300), 0);
		rtnl_close(other);
	}
	cr_assert(run_until(r.loop, mtus_are, &m, 5000), "mtu not restored");

	/* undo mtu: VRP's default. */
	cfg->interface[0]->has_mtu = false;
	commit(r.im, cfg, "GigabitEthernet0/1/0");
	m.mrd0 = 1500;
	cr_assert(run_until(r.loop, mtus_are, &m, 5000), "default mtu not restored");
	protobuf_c_message_free_unpacked(&cfg->base, NULL);
	nl_rig_stop(&r);
}
