/*
 * test_netlink.c: ifmgrd against a real kernel, in a private network
 * namespace made by the test process (unshare(CLONE_NEWNET)), so nothing
 * outside it is touched.  Needs root (CI runs as root); skipped otherwise.
 *
 * The kernel's state is checked independently of ifmgrd's own code
 * (getifaddrs and SIOCGIFFLAGS), and the published IfStates through a Clone
 * subscriber, as ntpd or clid would see them; the links' up and down
 * events for `display logbuffer` through evlog's listener.  rtnl_parse and
 * rtnl_feed also get hand-built messages: malformed ones, types the event
 * socket never carries and a datagram cut short are skipped and counted.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <ifaddrs.h>
#include <arpa/inet.h>

#include "cfgsub.h"
#include "cfgtree.h"
#include "netlink.h"
#include "ifmgrd_rig.h"
#include "netns.h"
#include "testutil.h"
#include "evlog.h"
#include "ifmgrd.h"
#include "log.h"
#include "loop.h"

/* --- the test's own view of the kernel -------------------------------- */

/* Create netdev `name`: a dummy, or (kernels without the dummy module) one
 * end of a veth pair whose other end is `name`p.  True for a veth. */
static bool make_netdev(const char *name)
{
	if (nl_new_dummy(name) == 0)
		return false;
	nl_new_veth(name);
	return true;
}

/* How many IPv4 addresses `name` has; whether ip/plen is one of them. */
static int kernel_addrs(const char *name, const char *ip, unsigned plen, bool *has)
{
	struct ifaddrs *ifa, *p;
	int n = 0;

	*has = false;
	cr_assert_eq(getifaddrs(&ifa), 0);
	for (p = ifa; p; p = p->ifa_next) {
		struct sockaddr_in *sin = (struct sockaddr_in *)p->ifa_addr;
		struct sockaddr_in *mask = (struct sockaddr_in *)p->ifa_netmask;
		char buf[INET_ADDRSTRLEN];

		if (!sin || sin->sin_family != AF_INET || strcmp(p->ifa_name, name) != 0)
			continue;
		n++;
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		if (ip && strcmp(buf, ip) == 0 && mask &&
		    (unsigned)__builtin_popcount(mask->sin_addr.s_addr) == plen)
			*has = true;
	}
	freeifaddrs(ifa);
	return n;
}

/* --- the scenario ------------------------------------------------------ */

struct expect {
	struct test_sub *ts;
	const char *name, *netdev;
	const char *ip;        /* NULL: no address */
	unsigned plen;
	bool up;
};

static bool converged(void *arg)
{
	const struct expect *e = arg;
	const IfState *st = test_sub_find(e->ts, e->name);
	bool has;
	int n = kernel_addrs(e->netdev, e->ip, e->plen, &has);

	if (e->ip ? !(n == 1 && has) : n != 0)
		return false;
	if (!!(nl_kernel_flags(e->netdev) & IFF_UP) != e->up)
		return false;
	if (!st || st->admin_up != e->up || st->ifindex == 0)
		return false;
	if (e->ip)
		return strcmp(st->primary_ipv4, e->ip) == 0 && st->prefix_len == e->plen;
	return strcmp(st->primary_ipv4, "") == 0;
}

static bool oper(void *arg)
{
	const IfState *st = test_sub_find(arg, "GigabitEthernet0/1/0");

	return st && st->oper_up;
}

static bool seen(void *arg)
{
	const IfState *st = test_sub_find(arg, "GigabitEthernet0/1/0");

	return st && st->ifindex != 0 && st->admin_up;
}

static Config *config_new(void)
{
	Config *c = xmalloc(sizeof(*c));

	config__init(c);
	return c;
}

static void config_set(Config *c, const char *name, bool shutdown, const char *ip, unsigned plen)
{
	Interface *itf = NULL;

	for (size_t i = 0; i < c->n_interface; i++)
		if (strcmp(c->interface[i]->name, name) == 0)
			itf = c->interface[i];
	if (!itf) {
		itf = xmalloc(sizeof(*itf));
		interface__init(itf);
		itf->name = xstrdup(name);
		c->interface = xrealloc(c->interface, (c->n_interface + 1) * sizeof(*c->interface));
		c->interface[c->n_interface++] = itf;
	}
	itf->has_shutdown = true;
	itf->shutdown = shutdown;
	if (itf->address) {
		free(itf->address->address);
		free(itf->address);
		itf->address = NULL;
	}
	if (ip) {
		itf->address = xmalloc(sizeof(*itf->address));
		ipv4_address__init(itf->address);
		itf->address->address = xstrdup(ip);
		itf->address->prefix_len = plen;
	}
}

static void config_free(Config *c)
{
	for (size_t i = 0; i < c->n_interface; i++) {
		if (c->interface[i]->address) {
			free(c->interface[i]->address->address);
			free(c->interface[i]->address);
		}
		free(c->interface[i]->name);
		free(c->interface[i]);
	}
	free(c->interface);
	free(c);
}

static int apply(struct ifmgrd *im, const Config *c, char *first_err, size_t len)
{
	char *errs[8];
	int n = ifmgrd_apply_config(im, c, errs, 8);

	if (first_err && len)
		snprintf(first_err, len, "%s", n > 0 ? errs[0] : "");
	for (int i = 0; i < n; i++)
		free(errs[i]);
	return n;
}

/* The link events for `display logbuffer` (IFNET/4/IF_STATE), in order. */
static char link_events[2048];

static void on_event(const struct ev *e, void *arg)
{
	size_t n = strlen(link_events);

	(void)arg;
	if (strcmp(e->module, "IFNET") == 0 && strcmp(e->brief, "IF_STATE") == 0 &&
	    e->severity == EV_WARNING)
		snprintf(link_events + n, sizeof(link_events) - n, "%s\n", e->text);
}

Test(netlink, reconcile_in_private_namespace)
{
	static const char *const names[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0" };
	static const char *const netdevs[] = { "mrd0", "mrd1" };
	struct nl_rig r;
	struct ifmgrd *im;
	struct loop *loop;
	Config *cfg;
	char err[256];
	bool veth;

	nl_enter_namespace();
	veth = make_netdev("mrd0");
	log_init("test_netlink", LOG_LVL_DEBUG);
	evlog_set_listener(on_event, NULL);
	nl_rig_start(&r, names, netdevs, 2);
	im = r.im;
	loop = r.loop;

	/* Primary address and undo shutdown; mrd1 does not exist yet. */
	cfg = config_new();
	config_set(cfg, "GigabitEthernet0/1/0", false, "10.0.1.1", 24);
	config_set(cfg, "GigabitEthernet0/2/0", false, "10.0.3.1", 24);
	cr_assert_eq(apply(im, cfg, err, sizeof(err)), 1);
	cr_assert_str_eq(err, "GigabitEthernet0/2/0: netdev mrd1 does not exist");
	struct expect e = { &r.ts, "GigabitEthernet0/1/0", "mrd0", "10.0.1.1", 24, true };
	cr_assert(run_until(loop, converged, &e, 5000), "address and IFF_UP not programmed");

	/* Oper state follows the kernel: a veth is running once its peer is up. */
	if (veth) {
		nl_set_up("mrd0p");
		cr_assert(run_until(loop, oper, &r.ts, 5000), "oper_up not published");
	}

	/* Someone deletes the address behind ifmgrd's back: it is restored. */
	{
		struct rtnl *other = rtnl_open(NULL, NULL);
		struct ifs_addr a = { .plen = 24 };

		cr_assert_not_null(other);
		inet_pton(AF_INET, "10.0.1.1", &a.local);
		a.peer = a.local;
		cr_assert_eq(rtnl_addr_del(other, (int)if_nametoindex("mrd0"), &a), 0);
		rtnl_close(other);
	}
	cr_assert(run_until(loop, converged, &e, 5000), "deleted address not restored");

	/* A new address replaces the old one. */
	config_set(cfg, "GigabitEthernet0/1/0", false, "10.0.2.1", 16);
	apply(im, cfg, NULL, 0);
	e.ip = "10.0.2.1";
	e.plen = 16;
	cr_assert(run_until(loop, converged, &e, 5000), "address not replaced");

	/* The missing netdev appears: its configuration is applied then. */
	make_netdev("mrd1");
	struct expect e1 = { &r.ts, "GigabitEthernet0/2/0", "mrd1", "10.0.3.1", 24, true };
	cr_assert(run_until(loop, converged, &e1, 5000), "late netdev not programmed");
	cr_assert_eq(apply(im, cfg, err, sizeof(err)), 0, "unexpected error: %s", err);

	/* shutdown and no address: admin down, addresses removed. */
	config_set(cfg, "GigabitEthernet0/1/0", true, NULL, 0);
	apply(im, cfg, NULL, 0);
	e.ip = NULL;
	e.up = false;
	cr_assert(run_until(loop, converged, &e, 5000), "shutdown not applied");

	/* An empty configuration is the factory state: everything down. */
	config_free(cfg);
	cfg = config_new();
	apply(im, cfg, NULL, 0);
	e1.ip = NULL;
	e1.up = false;
	cr_assert(run_until(loop, converged, &e1, 5000), "factory state not applied");

	/* GigabitEthernet0/1/0 came up and went down (shutdown), once each
	 * (mrd1's run depends on the kernel's veth or dummy). */
	{
		static const char up_s[] =
			"Interface GigabitEthernet0/1/0 has turned into UP state.\n";
		static const char down_s[] =
			"Interface GigabitEthernet0/1/0 has turned into DOWN state.\n";
		const char *up = strstr(link_events, up_s), *down = strstr(link_events, down_s);

		cr_assert(up && down && up < down, "link events:\n%s", link_events);
		cr_assert_null(strstr(up + sizeof(up_s) - 1, up_s), "link events:\n%s",
			       link_events);
		cr_assert_null(strstr(down + sizeof(down_s) - 1, "GigabitEthernet0/1/0 has"),
			       "link events:\n%s", link_events);
	}
	evlog_set_listener(NULL, NULL);
	config_free(cfg);
	nl_rig_stop(&r);
}

/* A commit's objects (ifmgrd_apply_objects): cfgsub's tree after the
 * commit is cfg, and the commit changed interface `name` (removed when it
 * is no longer in cfg). */
static int apply_objects(struct ifmgrd *im, const Config *c, const char *name, char *first_err,
			 size_t len)
{
	struct ct_node *tree = ct_root_new(&config__descriptor);
	char *path[2] = { "interface", (char *)name };
	struct cfgsub_change ch = { .path = path, .n_path = 2 };
	char *errs[8];
	int n;

	ct_load(tree, &c->base, 1);
	ch.removed = ct_lookup(tree, path, 2, NULL) == NULL;
	n = ifmgrd_apply_objects(im, tree, &ch, 1, errs, 8);
	if (first_err && len)
		snprintf(first_err, len, "%s", n > 0 ? errs[0] : "");
	for (int i = 0; i < n; i++)
		free(errs[i]);
	ct_free(tree);
	return n;
}

static void config_remove(Config *c, const char *name)
{
	for (size_t i = 0; i < c->n_interface; i++) {
		Interface *itf = c->interface[i];

		if (strcmp(itf->name, name) != 0)
			continue;
		if (itf->address) {
			free(itf->address->address);
			free(itf->address);
		}
		free(itf->name);
		free(itf);
		memmove(&c->interface[i], &c->interface[i + 1],
			(c->n_interface - i - 1) * sizeof(*c->interface));
		c->n_interface--;
		return;
	}
}

/* A commit that changes one interface programs it from the tree; an
 * interface it does not name keeps what it has; a configured interface
 * without a netdev is reported until it is removed. */
Test(netlink, a_commit_plans_the_interfaces_it_changed)
{
	static const char *const names[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0" };
	static const char *const netdevs[] = { "mrd0", "mrd1" };
	struct nl_rig r;
	Config *cfg;
	char err[256];

	nl_enter_namespace();
	make_netdev("mrd0");
	make_netdev("mrd1");
	log_init("test_netlink", LOG_LVL_DEBUG);
	nl_rig_start(&r, names, netdevs, 2);
	cfg = config_new();
	config_set(cfg, "GigabitEthernet0/1/0", false, "10.0.1.1", 24);
	config_set(cfg, "GigabitEthernet0/2/0", false, "10.0.3.1", 24);
	cr_assert_eq(apply(r.im, cfg, err, sizeof(err)), 0, "%s", err);
	struct expect e0 = { &r.ts, "GigabitEthernet0/1/0", "mrd0", "10.0.1.1", 24, true };
	struct expect e1 = { &r.ts, "GigabitEthernet0/2/0", "mrd1", "10.0.3.1", 24, true };
	cr_assert(run_until(r.loop, converged, &e0, 5000));
	cr_assert(run_until(r.loop, converged, &e1, 5000));

	/* One interface's new address. */
	config_set(cfg, "GigabitEthernet0/1/0", false, "10.0.2.1", 16);
	cr_assert_eq(apply_objects(r.im, cfg, "GigabitEthernet0/1/0", err, sizeof(err)), 0,
		     "%s", err);
	e0.ip = "10.0.2.1";
	e0.plen = 16;
	cr_assert(run_until(r.loop, converged, &e0, 5000), "address not replaced");
	cr_assert(converged(&e1));

	/* An interface without a netdev: reported, then no longer. */
	config_set(cfg, "GigabitEthernet0/9/0", false, NULL, 0);
	cr_assert_eq(apply_objects(r.im, cfg, "GigabitEthernet0/9/0", err, sizeof(err)), 1);
	cr_assert_str_eq(err, "GigabitEthernet0/9/0: no netdev mapped to it in the bootstrap file");
	config_remove(cfg, "GigabitEthernet0/9/0");
	cr_assert_eq(apply_objects(r.im, cfg, "GigabitEthernet0/9/0", err, sizeof(err)), 0,
		     "%s", err);

	/* An interface removed from the configuration: its factory state;
	 * the other keeps its address. */
	config_remove(cfg, "GigabitEthernet0/2/0");
	apply_objects(r.im, cfg, "GigabitEthernet0/2/0", NULL, 0);
	e1.ip = NULL;
	e1.up = false;
	cr_assert(run_until(r.loop, converged, &e1, 5000), "factory state not applied");
	cr_assert(converged(&e0));

	config_free(cfg);
	nl_rig_stop(&r);
}

/* ifmgrd must not touch the kernel before it has a configuration. */
Test(netlink, observe_only_before_configuration)
{
	static const char *const names[] = { "GigabitEthernet0/1/0" };
	static const char *const netdevs[] = { "mrd0" };
	struct nl_rig r;

	nl_enter_namespace();
	make_netdev("mrd0");
	nl_set_up("mrd0");
	nl_rig_start(&r, names, netdevs, 1);
	cr_assert(run_until(r.loop, seen, &r.ts, 5000), "kernel state not published");
	cr_assert(nl_kernel_flags("mrd0") & IFF_UP, "ifmgrd changed the kernel without a config");
	nl_rig_stop(&r);
}

/* rtnl_parse on hand-built messages: no kernel, no root. */
Test(netlink, parse_defensively)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct ifinfomsg *ifi;
	struct rtnl_event ev;
	struct in_addr a;

	/* A valid IPv4 address message. */
	nlh = nl_addr_msg(buf, RTM_NEWADDR, AF_INET, 24, 4, &ifa);
	ifa->ifa_flags = IFA_F_SECONDARY;
	inet_pton(AF_INET, "10.0.1.2", &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
	cr_assert_eq(rtnl_parse(nlh, &ev), 1);
	cr_assert_eq(ev.type, RTNL_NEWADDR);
	cr_assert_eq(ev.ifindex, 4);
	cr_assert_eq(ev.addr.plen, 24);
	cr_assert_eq(ev.addr.local.s_addr, a.s_addr);
	cr_assert(ev.addr.secondary);

	/* IPv6 is reported (test_netlink6.c): with IPv4-sized addresses it is malformed. */
	ifa->ifa_family = AF_INET6;
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* A prefix length out of range, an address of the wrong size. */
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 40;
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);
	nlh = nl_addr_msg(buf, RTM_DELADDR, AF_INET, 0, 4, NULL);
	mnl_attr_put_u16(nlh, IFA_LOCAL, 7);
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* No address at all. */
	nlh = nl_addr_msg(buf, RTM_NEWADDR, AF_INET, 0, 4, NULL);
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* A truncated header. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, 4);
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* A link, and a bridge-port message that must be ignored. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = 9;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	cr_assert_eq(rtnl_parse(nlh, &ev), 1);
	cr_assert_eq(ev.type, RTNL_NEWLINK);
	cr_assert_eq(ev.ifindex, 9);
	cr_assert_str_eq(ev.ifname, "eth0");
	cr_assert_eq(ev.flags, IFF_UP | IFF_RUNNING);
	ifi->ifi_family = AF_BRIDGE;
	cr_assert_eq(rtnl_parse(nlh, &ev), 0);

	/* A name that is not NUL-terminated. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 9;
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	cr_assert_eq(rtnl_parse(nlh, &ev), -EBADMSG);

	/* Other message types are ignored. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	cr_assert_eq(rtnl_parse(nlh, &ev), 0);
}

struct fed {
	int links, addrs;
};

static void count_event(const struct rtnl_event *ev, void *arg)
{
	struct fed *f = arg;

	if (ev->type == RTNL_NEWLINK)
		f->links++;
	else if (ev->type == RTNL_NEWADDR)
		f->addrs++;
}

/* One datagram of events as the event socket would deliver it, with a
 * malformed address message, two types the socket never carries and a
 * message cut short at the end: the good ones are reported, the others
 * skipped and counted, and nothing after a bad one is lost. */
Test(netlink, bad_messages_skipped_and_counted)
{
	static char buf[4096] __attribute__((aligned(4)));
	struct rtnl *nl;
	struct fed f = { 0 };
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct in_addr a;
	const struct rtnl_stats *st;
	size_t len = 0;

	nl = rtnl_open(count_event, &f);
	if (!nl)
		cr_skip_test("no rtnetlink socket here: %s", strerror(errno));

	/* 1. A good address. */
	nlh = nl_addr_msg(buf + len, RTM_NEWADDR, AF_INET, 24, 4, NULL);
	inet_pton(AF_INET, "10.0.1.2", &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	/* 2. Malformed: an address of two bytes. */
	nlh = nl_addr_msg(buf + len, RTM_NEWADDR, AF_INET, 24, 4, NULL);
	mnl_attr_put_u16(nlh, IFA_LOCAL, 7);
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	/* 3, 4. Unexpected: a route, and an error on the event socket. */
	nlh = mnl_nlmsg_put_header(buf + len);
	nlh->nlmsg_type = RTM_NEWROUTE;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg));
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	nlh = mnl_nlmsg_put_header(buf + len);
	nlh->nlmsg_type = NLMSG_ERROR;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nlmsgerr));
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	/* 5. A good link after them. */
	nlh = mnl_nlmsg_put_header(buf + len);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 9;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	len += NLMSG_ALIGN(nlh->nlmsg_len);
	/* 6. A header announcing more than the datagram holds. */
	nlh = mnl_nlmsg_put_header(buf + len);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_len = 200;
	len += sizeof(*nlh) + 8;

	rtnl_feed(nl, buf, len);
	st = rtnl_stats(nl);
	cr_assert_eq(f.addrs, 1);
	cr_assert_eq(f.links, 1, "the link after the bad messages was lost");
	cr_assert_eq(st->malformed, 1);
	cr_assert_eq(st->unexpected, 2);
	cr_assert_eq(st->truncated, 1);

	/* A header too short to be one, alone: truncated, nothing reported. */
	memset(buf, 0, sizeof(buf));
	rtnl_feed(nl, buf, 10);
	cr_assert_eq(st->truncated, 2);
	cr_assert_eq(f.addrs + f.links, 2);
	rtnl_close(nl);
}
