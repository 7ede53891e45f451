/*
 * test_vpn.c: VPN instances in ifmgrd, the namespace backend against a
 * real kernel (needs root; the test runs in a private network namespace
 * and names its instances' namespaces after its pid, removing them at the
 * end):
 *
 *  - two instances, each with an interface bound to it and the same
 *    address 10.0.1.1/24: each netdev is moved into its instance's
 *    namespace and programmed there, the instances are published with
 *    their namespaces, the interfaces with their instance; a LoopBack
 *    bound to one has its address on that namespace's lo;
 *  - an interface unbound and its instance undone: the netdev comes back
 *    to ifmgrd's namespace (programmed there) and the namespace goes;
 *  - ifmgrd restarted: an instance still configured is adopted with the
 *    netdev inside its namespace; one undone while ifmgrd was down has its
 *    namespace (found by the prefix) removed, the netdev back home;
 *  - an instance the bootstrap maps to a namespace that does not exist:
 *    the commit's error says so, and the interface bound to it waits.
 *
 * And the VRF backend's messages (no VRF in the test kernel): the bytes of
 * RTM_NEWLINK kind vrf with its table, of IFLA_MASTER and of RTM_DELLINK.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "ifmgrd.h"
#include "ifmgrd_int.h"
#include "ifmgrd_rig.h"
#include "log.h"
#include "named_netns.h"
#include "netlink.h"
#include "netns.h"
#include "testutil.h"
#include "vrf.h"

#define GE1 "GigabitEthernet0/1/0"
#define GE2 "GigabitEthernet0/2/0"

static char prefix[32];

static void cleanup(void)
{
	char name[64];

	snprintf(name, sizeof(name), "%sva", prefix);
	netns_delete(name);
	snprintf(name, sizeof(name), "%svb", prefix);
	netns_delete(name);
}

struct addr_q {
	const char *dev, *ip;
	bool found;
};

static int find_addr(void *p)
{
	struct addr_q *q = p;
	struct ifaddrs *ifa, *i;

	q->found = false;
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		char buf[INET_ADDRSTRLEN];
		const struct sockaddr_in *sin = (const struct sockaddr_in *)i->ifa_addr;

		if (!sin || sin->sin_family != AF_INET || strcmp(i->ifa_name, q->dev))
			continue;
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		q->found |= !strcmp(buf, q->ip) && (i->ifa_flags & IFF_UP);
	}
	freeifaddrs(ifa);
	return 0;
}

/* Whether netdev dev is up with ip in namespace name ("": ours). */
static bool in_ns(const char *name, const char *dev, const char *ip)
{
	struct addr_q q = { dev, ip, false };
	int fd = name[0] ? netns_open(name) : -1;

	if (name[0] && fd < 0)
		return false;
	netns_run(fd, find_addr, &q);
	if (fd >= 0)
		close(fd);
	return q.found;
}

static Interface *iface(const char *name, const char *vpn, const char *addr, unsigned plen)
{
	Interface *itf = xmalloc(sizeof(*itf));
	Ipv4Address *a = xmalloc(sizeof(*a));

	interface__init(itf);
	ipv4_address__init(a);
	itf->name = xstrdup(name);
	itf->has_shutdown = true;
	itf->shutdown = false;
	a->address = xstrdup(addr);
	a->prefix_len = plen;
	itf->address = a;
	if (vpn)
		itf->vpn_instance = xstrdup(vpn);
	return itf;
}

static Config *config(const char *vpn1, const char *vpn2)
{
	Config *c = xmalloc(sizeof(*c));
	const char *v[2] = { vpn1, vpn2 };

	config__init(c);
	c->interface = xcalloc(3, sizeof(*c->interface));
	c->interface[c->n_interface++] = iface(GE1, vpn1, "10.0.1.1", 24);
	c->interface[c->n_interface++] = iface(GE2, vpn2, "10.0.1.1", 24);
	if (vpn1)
		c->interface[c->n_interface++] = iface("LoopBack5", vpn1, "192.0.2.5", 32);
	c->vpn_instance = xcalloc(2, sizeof(*c->vpn_instance));
	for (int i = 0; i < 2; i++) {
		VpnInstance *vi;

		if (!v[i])
			continue;
		vi = xmalloc(sizeof(*vi));
		vpn_instance__init(vi);
		vi->name = xstrdup(v[i]);
		c->vpn_instance[c->n_vpn_instance++] = vi;
	}
	return c;
}

struct want {
	struct test_sub *ts;
	int step;
};

static const VpnState *vpn_state(const IfStates *st, const char *name)
{
	for (size_t i = 0; st && i < st->n_vpn; i++)
		if (!strcmp(st->vpn[i]->name, name))
			return st->vpn[i];
	return NULL;
}

static bool reached(void *arg)
{
	const struct want *w = arg;
	const IfState *a = test_sub_find(w->ts, GE1), *b = test_sub_find(w->ts, GE2);
	const VpnState *va = vpn_state(w->ts->latest, "va"), *vb = vpn_state(w->ts->latest, "vb");
	char nsa[64], nsb[64];

	snprintf(nsa, sizeof(nsa), "%sva", prefix);
	snprintf(nsb, sizeof(nsb), "%svb", prefix);
	if (!a || !b || !va || strcmp(va->netns, nsa) || strcmp(a->primary_ipv4, "10.0.1.1") ||
	    strcmp(b->primary_ipv4, "10.0.1.1") || !a->oper_up || !b->oper_up)
		return false;
	if (w->step == 0)
		return vb && !strcmp(vb->netns, nsb) && !strcmp(a->vpn_instance, "va") &&
		       !strcmp(b->vpn_instance, "vb") && in_ns(nsa, "vp0", "10.0.1.1") &&
		       in_ns(nsb, "vp1", "10.0.1.1") && if_nametoindex("vp0") == 0 &&
		       in_ns(nsa, "lo", "192.0.2.5") && !in_ns("", "lo", "192.0.2.5");
	return !vb && !b->vpn_instance && in_ns("", "vp1", "10.0.1.1") &&
	       in_ns(nsa, "vp0", "10.0.1.1") && netns_open(nsb) == -ENOENT;
}

/* Both netdevs home with their addresses, va's namespace gone. */
static bool all_home(void *arg)
{
	const struct want *w = arg;
	const IfState *a = test_sub_find(w->ts, GE1), *b = test_sub_find(w->ts, GE2);
	char nsa[64];

	snprintf(nsa, sizeof(nsa), "%sva", prefix);
	return a && b && a->primary_ipv4 && !strcmp(a->primary_ipv4, "10.0.1.1") && a->oper_up &&
	       !a->vpn_instance && in_ns("", "vp0", "10.0.1.1") && in_ns("", "vp1", "10.0.1.1") &&
	       netns_open(nsa) == -ENOENT;
}

Test(vpn, netns_backend)
{
	static const char *const names[] = { GE1, GE2 };
	static const char *const netdevs[] = { "vp0", "vp1" };
	struct nl_rig r;
	char *errs[4];
	int n;

	nl_enter_namespace();
	log_init("test_vpn", LOG_LVL_DEBUG);
	snprintf(prefix, sizeof(prefix), "mut%d-", (int)getpid());
	atexit(cleanup);
	nl_new_veth("vp0");
	nl_new_veth("vp1");
	nl_set_up("vp0p");
	nl_set_up("vp1p");
	nl_rig_start(&r, names, netdevs, 2);
	r.bs.vpn.backend = BS_VPN_NETNS;
	r.bs.vpn.netns_prefix = xstrdup(prefix);

	/* Two instances, the same subnet in each. */
	Config *cfg = config("va", "vb");
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	for (int i = 0; i < n; i++)
		cr_log_info("apply: %s", errs[i]), free(errs[i]);
	config__free_unpacked(cfg, NULL);
	struct want w = { &r.ts, 0 };
	cr_assert(run_until(r.loop, reached, &w, 8000), "the netdevs are not in their instances");

	/* GigabitEthernet0/2/0 unbound, vb undone: back home, vb's namespace gone. */
	cfg = config("va", NULL);
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	for (int i = 0; i < n; i++)
		cr_log_info("apply: %s", errs[i]), free(errs[i]);
	config__free_unpacked(cfg, NULL);
	w.step = 1;
	cr_assert(run_until(r.loop, reached, &w, 8000), "vp1 not back, or vb's namespace left");

	/* ifmgrd restarted with the same configuration: it finds vp0 in va's
	 * namespace (not missing) and keeps both. */
	nl_rig_stop(&r);
	nl_rig_start(&r, names, netdevs, 2);
	r.bs.vpn.backend = BS_VPN_NETNS;
	r.bs.vpn.netns_prefix = xstrdup(prefix);
	cfg = config("va", NULL);
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	for (int i = 0; i < n; i++)
		cr_log_info("apply: %s", errs[i]), free(errs[i]);
	config__free_unpacked(cfg, NULL);
	w.ts = &r.ts;
	cr_assert(run_until(r.loop, reached, &w, 8000), "va not adopted after a restart");

	/* va undone while ifmgrd was down: the next one brings vp0 home with
	 * its address and removes the namespace it finds with its prefix. */
	nl_rig_stop(&r);
	nl_rig_start(&r, names, netdevs, 2);
	r.bs.vpn.backend = BS_VPN_NETNS;
	r.bs.vpn.netns_prefix = xstrdup(prefix);
	cfg = config(NULL, NULL);
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	for (int i = 0; i < n; i++)
		cr_log_info("apply: %s", errs[i]), free(errs[i]);
	config__free_unpacked(cfg, NULL);
	w.ts = &r.ts;
	cr_assert(run_until(r.loop, all_home, &w, 8000),
		  "vp0 not back home, or the stale namespace of va left");

	/* A mapping to a namespace that does not exist: said at the commit. */
	r.bs.vpn.instances = xcalloc(1, sizeof(*r.bs.vpn.instances));
	r.bs.vpn.instances[0].name = xstrdup("vc");
	r.bs.vpn.instances[0].netns = xstrdup("meridian-no-such-ns");
	r.bs.vpn.n_instances = 1;
	cfg = config("va", "vc");
	n = ifmgrd_apply_config(r.im, cfg, errs, 4);
	config__free_unpacked(cfg, NULL);
	bool said = false;
	for (int i = 0; i < n; i++) {
		said |= !strcmp(errs[i], "VPN instance vc: network namespace meridian-no-such-ns "
			       "(bootstrap vpn.instances) does not exist");
		cr_log_info("apply: %s", errs[i]);
		free(errs[i]);
	}
	cr_assert(said, "the missing namespace is not reported");

	/* Nothing configured: the namespaces ifmgrd made are removed. */
	cfg = xmalloc(sizeof(*cfg));
	config__init(cfg);
	ifmgrd_apply_config(r.im, cfg, errs, 0);
	config__free_unpacked(cfg, NULL);
	char nsa[64];
	snprintf(nsa, sizeof(nsa), "%sva", prefix);
	cr_assert_eq(netns_open(nsa), -ENOENT, "va's namespace left behind");
	nl_rig_stop(&r);
}

/* The attributes of a link message, walked with libmnl. */
struct attrs {
	const struct nlattr *a[IFLA_MAX + 1];
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *t = data;

	if (mnl_attr_type_valid(attr, IFLA_MAX) >= 0)
		t->a[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int info_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **t = data;

	if (mnl_attr_get_type(attr) <= IFLA_INFO_MAX)
		t[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

Test(vpn, vrf_messages)
{
	char buf[VRF_MSG_MAX], name[32];
	struct nlmsghdr *nlh = vrf_msg_new(buf, "vrf-blue", 1234);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs t = { 0 };
	const struct nlattr *info[IFLA_INFO_MAX + 1] = { 0 }, *vrf[IFLA_VRF_MAX + 1] = { 0 };

	cr_assert_eq(nlh->nlmsg_type, RTM_NEWLINK);
	cr_assert_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	cr_assert_leq(nlh->nlmsg_len, VRF_MSG_MAX);
	cr_assert_eq(ifi->ifi_family, AF_UNSPEC);
	cr_assert_eq(ifi->ifi_index, 0);
	cr_assert_eq(mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t), MNL_CB_OK);
	cr_assert_str_eq(mnl_attr_get_str(t.a[IFLA_IFNAME]), "vrf-blue");
	cr_assert(t.a[IFLA_LINKINFO]);
	cr_assert_eq(mnl_attr_parse_nested(t.a[IFLA_LINKINFO], info_cb, info), MNL_CB_OK);
	cr_assert_str_eq(mnl_attr_get_str(info[IFLA_INFO_KIND]), "vrf");
	cr_assert(info[IFLA_INFO_DATA]);
	cr_assert_eq(mnl_attr_parse_nested(info[IFLA_INFO_DATA], info_cb, vrf), MNL_CB_OK);
	cr_assert_eq(mnl_attr_get_payload_len(vrf[IFLA_VRF_TABLE]), 4);
	cr_assert_eq(mnl_attr_get_u32(vrf[IFLA_VRF_TABLE]), 1234);

	memset(&t, 0, sizeof(t));
	nlh = vrf_msg_enslave(buf, 7, 12);
	ifi = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(nlh->nlmsg_type, RTM_NEWLINK);
	cr_assert_eq(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	cr_assert_eq(ifi->ifi_index, 7);
	cr_assert_eq(mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t), MNL_CB_OK);
	cr_assert_eq(mnl_attr_get_u32(t.a[IFLA_MASTER]), 12);

	nlh = vrf_msg_del(buf, 12);
	ifi = mnl_nlmsg_get_payload(nlh);
	cr_assert_eq(nlh->nlmsg_type, RTM_DELLINK);
	cr_assert_eq(ifi->ifi_index, 12);
	cr_assert_eq(nlh->nlmsg_len, NLMSG_LENGTH(sizeof(*ifi)));

	/* Names fit IFNAMSIZ; tables avoid the kernel's own (253..255). */
	vrf_dev_name("blue", name, sizeof(name));
	cr_assert_str_eq(name, "vrf-blue");
	vrf_dev_name("a-very-long-instance-name", name, sizeof(name));
	cr_assert_lt(strlen(name), IFNAMSIZ);
	cr_assert_geq(vrf_table("blue"), 1001);
	cr_assert_leq(vrf_table("blue"), 1001 + 0x7fff);
}
