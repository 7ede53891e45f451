/*
 * ifstate.c: desired versus observed state of one interface, and the plan
 * that reconciles them.  Pure (see ifstate.h for the rules).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "ifstate.h"

static void desired_factory(struct ifs_desired *out)
{
	memset(out, 0, sizeof(*out));
	out->admin_up = false;
	out->has_addr = false;
	out->mtu = IFS_DEFAULT_MTU;
}

/* `ipv6 enable` and the configured addresses, in order.  A bad entry (cfgd
 * refuses them; a hand-written file might not) is skipped with a sentence. */
static int desired_ipv6(const Interface *itf, const char *name, struct ifs_desired *out,
			char *err, size_t errlen)
{
	int rc = 0;

	out->ipv6_enable = itf->has_ipv6_enable && itf->ipv6_enable;
	if (!out->ipv6_enable)
		return 0;
	for (size_t i = 0; i < itf->n_ipv6_address; i++) {
		const Ipv6Address *e = itf->ipv6_address[i];
		struct ifs_addr6 a = { .scope = RT_SCOPE_UNIVERSE };

		if (!e || !e->address || inet_pton(AF_INET6, e->address, &a.addr) != 1 ||
		    e->prefix_len < 1 || e->prefix_len > 128) {
			if (errlen)
				snprintf(err, errlen, "%s: invalid IPv6 address '%s/%u'", name,
					 e && e->address ? e->address : "", e ? e->prefix_len : 0);
			rc = -EINVAL;
			continue;
		}
		if (out->n_addr6 == IFS_MAX_ADDR6) {
			if (errlen)
				snprintf(err, errlen, "%s: more than %d IPv6 addresses", name,
					 IFS_MAX_ADDR6);
			return -EINVAL;
		}
		a.plen = (uint8_t)e->prefix_len;
		out->addr6[out->n_addr6++] = a;
	}
	return rc;
}

int ifs_desired_from_config(const Config *cfg, const char *name, struct ifs_desired *out,
			    char *err, size_t errlen)
{
	const Interface *itf = NULL;
	int rc = 0;

	desired_factory(out);
	if (errlen)
		err[0] = '\0';
	if (!cfg)
		return 0;
	for (size_t i = 0; i < cfg->n_interface; i++) {
		if (cfg->interface[i] && cfg->interface[i]->name &&
		    strcasecmp(cfg->interface[i]->name, name) == 0) {
			itf = cfg->interface[i];
			break;
		}
	}
	if (!itf)
		return 0;
	/* Absent `shutdown` is the factory state: administratively down. */
	out->admin_up = itf->has_shutdown ? !itf->shutdown : false;
	if (itf->has_mtu)
		out->mtu = itf->mtu;
	if (itf->vpn_instance)
		snprintf(out->vpn, sizeof(out->vpn), "%s", itf->vpn_instance);
	if (desired_ipv6(itf, name, out, err, errlen) < 0)
		rc = -EINVAL;
	if (itf->address) {
		struct in_addr a;

		if (!itf->address->address || inet_pton(AF_INET, itf->address->address, &a) != 1) {
			snprintf(err, errlen, "%s: invalid IPv4 address '%s'", name,
				 itf->address->address ? itf->address->address : "");
			return -EINVAL;
		}
		if (itf->address->prefix_len > 32) {
			snprintf(err, errlen, "%s: invalid prefix length %u", name,
				 itf->address->prefix_len);
			return -EINVAL;
		}
		out->has_addr = true;
		out->addr = a;
		out->plen = (uint8_t)itf->address->prefix_len;
	}
	/* A bad sub address is skipped (cfgd refuses it anyway), as an IPv6 one. */
	for (size_t i = 0; i < itf->n_sub_address && out->n_sub < IFS_MAX_SUB; i++) {
		const Ipv4Address *sa = itf->sub_address[i];
		struct in_addr a;

		if (!sa || !sa->address || inet_pton(AF_INET, sa->address, &a) != 1 ||
		    sa->prefix_len < 1 || sa->prefix_len > 32) {
			snprintf(err, errlen, "%s: invalid sub address '%s'", name,
				 sa && sa->address ? sa->address : "");
			rc = -EINVAL;
			continue;
		}
		out->sub[out->n_sub].addr = a;
		out->sub[out->n_sub].plen = (uint8_t)sa->prefix_len;
		out->n_sub++;
	}
	return rc;
}

static bool addr_is_wanted(const struct ifs_desired *want, const struct ifs_addr *a)
{
	return want->has_addr && a->local.s_addr == want->addr.s_addr && a->plen == want->plen;
}

/* The index of the sub address a is, or -1. */
static ssize_t sub_wanted(const struct ifs_desired *want, const struct ifs_addr *a)
{
	for (size_t i = 0; i < want->n_sub; i++)
		if (a->local.s_addr == want->sub[i].addr.s_addr && a->plen == want->sub[i].plen)
			return (ssize_t)i;
	return -1;
}

static void plan_push(struct ifs_plan *plan, enum ifs_action_kind kind, const struct ifs_addr *a)
{
	if (plan->n >= IFS_MAX_ACTIONS)
		return;   /* the rest by the next plan (ifmgrd plans again at once) */
	memset(&plan->actions[plan->n], 0, sizeof(plan->actions[plan->n]));
	plan->actions[plan->n].kind = kind;
	if (a)
		plan->actions[plan->n].addr = *a;
	plan->n++;
}

static void plan_push6(struct ifs_plan *plan, enum ifs_action_kind kind,
		       const struct ifs_addr6 *a)
{
	if (plan->n >= IFS_MAX_ACTIONS)
		return;
	memset(&plan->actions[plan->n], 0, sizeof(plan->actions[plan->n]));
	plan->actions[plan->n].kind = kind;
	plan->actions[plan->n].addr6 = *a;
	plan->n++;
}

static bool addr6_equal(const struct ifs_addr6 *a, const struct ifs_addr6 *b)
{
	return a->plen == b->plen && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* The configured entry equal to a (address and prefix), or NULL. */
static const struct ifs_addr6 *addr6_wanted(const struct ifs_desired *want,
					    const struct ifs_addr6 *a)
{
	for (size_t i = 0; i < want->n_addr6; i++)
		if (addr6_equal(&want->addr6[i], a))
			return &want->addr6[i];
	return NULL;
}

/* The observed entry equal to a, or NULL. */
static const struct ifs_addr6 *addr6_observed(const struct ifs_observed *obs,
					      const struct ifs_addr6 *a)
{
	for (size_t i = 0; i < obs->n_addrs6; i++)
		if (addr6_equal(&obs->addrs6[i], a))
			return &obs->addrs6[i];
	return NULL;
}

/* The plan's error for an address whose DAD failed (the first one only). */
static void dad_failed(const char *name, const struct ifs_addr6 *a, struct ifs_plan *plan)
{
	char buf[INET6_ADDRSTRLEN + 4];

	if (plan->err[0])
		return;
	ifs_addr6_format(a, buf, sizeof(buf));
	snprintf(plan->err, sizeof(plan->err), "%s: duplicate address detected for %s (DAD failed)",
		 name, buf);
}

/* The IPv6 part of the plan (see ifstate.h). */
static void plan_ipv6(const char *name, const struct ifs_desired *want,
		      const struct ifs_observed *obs, struct ifs_plan *plan)
{
	for (size_t i = 0; i < obs->n_addrs6; i++) {
		const struct ifs_addr6 *a = &obs->addrs6[i];

		if (a->scope != RT_SCOPE_UNIVERSE || !(a->flags & IFA_F_PERMANENT))
			continue;   /* link-local, host, or the kernel's own (SLAAC) */
		if (!addr6_wanted(want, a))
			plan_push6(plan, IFS_DEL_ADDR6, a);
	}
	for (size_t i = 0; i < want->n_addr6; i++) {
		const struct ifs_addr6 *w = &want->addr6[i];
		const struct ifs_addr6 *have = addr6_observed(obs, w);

		if (!have)
			plan_push6(plan, IFS_ADD_ADDR6, w);
		else if (have->flags & IFA_F_DADFAILED)
			dad_failed(name, w, plan);
	}
	/* The kernel's link-local address, with `ipv6 enable` only. */
	for (size_t i = 0; want->ipv6_enable && i < obs->n_addrs6; i++)
		if (obs->addrs6[i].scope == RT_SCOPE_LINK &&
		    (obs->addrs6[i].flags & IFA_F_DADFAILED))
			dad_failed(name, &obs->addrs6[i], plan);
}

size_t ifs_plan(const char *name, const char *netdev, const struct ifs_desired *want,
		const struct ifs_observed *obs, struct ifs_plan *plan)
{
	bool have_wanted = false, have_sub[IFS_MAX_SUB] = { false };

	plan->n = 0;
	plan->err[0] = '\0';
	if (!obs->present) {
		snprintf(plan->err, sizeof(plan->err), "%s: netdev %s does not exist", name,
			 netdev);
		return 0;
	}
	for (size_t i = 0; i < obs->n_addrs; i++) {
		const struct ifs_addr *a = &obs->addrs[i];

		ssize_t k;

		if (addr_is_wanted(want, a)) {
			have_wanted = true;
			continue;
		}
		if ((k = sub_wanted(want, a)) >= 0) {
			have_sub[k] = true;
			continue;
		}
		if (a->scope == RT_SCOPE_HOST)
			continue;
		plan_push(plan, IFS_DEL_ADDR, a);
	}
	if (want->has_addr && !have_wanted) {
		struct ifs_addr a = {
			.local = want->addr, .peer = want->addr, .plen = want->plen,
			.scope = RT_SCOPE_UNIVERSE,
		};
		plan_push(plan, IFS_ADD_ADDR, &a);
	}
	for (size_t k = 0; k < want->n_sub; k++) {
		struct ifs_addr a = {
			.local = want->sub[k].addr, .peer = want->sub[k].addr,
			.plen = want->sub[k].plen, .scope = RT_SCOPE_UNIVERSE,
		};

		if (!have_sub[k])
			plan_push(plan, IFS_ADD_ADDR, &a);
	}
	plan_ipv6(name, want, obs, plan);
	if (want->mtu && obs->mtu && want->mtu != obs->mtu && plan->n < IFS_MAX_ACTIONS) {
		memset(&plan->actions[plan->n], 0, sizeof(plan->actions[plan->n]));
		plan->actions[plan->n].kind = IFS_SET_MTU;
		plan->actions[plan->n].mtu = want->mtu;
		plan->n++;
	}
	if (want->admin_up && !(obs->flags & IFF_UP))
		plan_push(plan, IFS_LINK_UP, NULL);
	else if (!want->admin_up && (obs->flags & IFF_UP))
		plan_push(plan, IFS_LINK_DOWN, NULL);
	return plan->n;
}

void ifs_obs_own(const struct ifs_desired *want, const struct ifs_observed *obs,
		 struct ifs_observed *out)
{
	*out = *obs;
	out->addrs = xcalloc(obs->n_addrs + 1, sizeof(*out->addrs));
	out->addrs6 = xcalloc(obs->n_addrs6 + 1, sizeof(*out->addrs6));
	out->n_addrs = out->n_addrs6 = 0;
	for (size_t i = 0; i < obs->n_addrs; i++)
		if (addr_is_wanted(want, &obs->addrs[i]) || sub_wanted(want, &obs->addrs[i]) >= 0)
			out->addrs[out->n_addrs++] = obs->addrs[i];
	for (size_t i = 0; i < obs->n_addrs6; i++)
		if (addr6_wanted(want, &obs->addrs6[i]))
			out->addrs6[out->n_addrs6++] = obs->addrs6[i];
}

void ifs_obs_init(struct ifs_observed *obs)
{
	memset(obs, 0, sizeof(*obs));
}

void ifs_obs_free(struct ifs_observed *obs)
{
	free(obs->addrs);
	free(obs->addrs6);
	memset(obs, 0, sizeof(*obs));
}

void ifs_obs_clear(struct ifs_observed *obs)
{
	obs->present = false;
	obs->ifindex = 0;
	obs->flags = 0;
	obs->mtu = 0;
	obs->master = 0;
	obs->n_addrs = 0;
	obs->n_addrs6 = 0;
}

static ssize_t obs_find(const struct ifs_observed *obs, const struct ifs_addr *a)
{
	for (size_t i = 0; i < obs->n_addrs; i++)
		if (obs->addrs[i].local.s_addr == a->local.s_addr && obs->addrs[i].plen == a->plen)
			return (ssize_t)i;
	return -1;
}

void ifs_obs_addr_add(struct ifs_observed *obs, const struct ifs_addr *a)
{
	ssize_t i = obs_find(obs, a);

	if (i >= 0) {
		obs->addrs[i] = *a;
		return;
	}
	obs->addrs = xrealloc(obs->addrs, (obs->n_addrs + 1) * sizeof(*obs->addrs));
	obs->addrs[obs->n_addrs++] = *a;
}

bool ifs_obs_addr_del(struct ifs_observed *obs, const struct ifs_addr *a)
{
	ssize_t i = obs_find(obs, a);

	if (i < 0)
		return false;
	memmove(&obs->addrs[i], &obs->addrs[i + 1],
		(obs->n_addrs - (size_t)i - 1) * sizeof(*obs->addrs));
	obs->n_addrs--;
	return true;
}

void ifs_obs_addr6_add(struct ifs_observed *obs, const struct ifs_addr6 *a)
{
	for (size_t i = 0; i < obs->n_addrs6; i++) {
		if (addr6_equal(&obs->addrs6[i], a)) {
			obs->addrs6[i] = *a;
			return;
		}
	}
	obs->addrs6 = xrealloc(obs->addrs6, (obs->n_addrs6 + 1) * sizeof(*obs->addrs6));
	obs->addrs6[obs->n_addrs6++] = *a;
}

bool ifs_obs_addr6_del(struct ifs_observed *obs, const struct ifs_addr6 *a)
{
	for (size_t i = 0; i < obs->n_addrs6; i++) {
		if (!addr6_equal(&obs->addrs6[i], a))
			continue;
		memmove(&obs->addrs6[i], &obs->addrs6[i + 1],
			(obs->n_addrs6 - i - 1) * sizeof(*obs->addrs6));
		obs->n_addrs6--;
		return true;
	}
	return false;
}

bool ifs_addr6_usable(const struct ifs_addr6 *a)
{
	return a->scope == RT_SCOPE_UNIVERSE && !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

bool ifs_addr6_usable_ll(const struct ifs_addr6 *a)
{
	return a->scope == RT_SCOPE_LINK && IN6_IS_ADDR_LINKLOCAL(&a->addr) &&
	       !(a->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));
}

void ifs_addr6_format(const struct ifs_addr6 *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &a->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->plen);
}

const struct ifs_addr *ifs_primary(const struct ifs_desired *want, const struct ifs_observed *obs)
{
	if (!obs->present)
		return NULL;
	for (size_t i = 0; i < obs->n_addrs; i++)
		if (addr_is_wanted(want, &obs->addrs[i]))
			return &obs->addrs[i];
	for (size_t i = 0; i < obs->n_addrs; i++)
		if (!obs->addrs[i].secondary && obs->addrs[i].scope != RT_SCOPE_HOST)
			return &obs->addrs[i];
	return NULL;
}

void ifs_addr_format(const struct ifs_addr *a, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->local, ip, sizeof(ip));
	snprintf(buf, len, "%s/%u", ip, a->plen);
}

static bool ipv6_listed(const IfState *st, const char *ip)
{
	for (size_t i = 0; i < st->n_ipv6; i++)
		if (strcmp(st->ipv6[i], ip) == 0)
			return true;
	return false;
}

static void ipv6_append(IfState *st, const struct ifs_addr6 *a)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &a->addr, ip, sizeof(ip));
	if (!ipv6_listed(st, ip))
		st->ipv6[st->n_ipv6++] = xstrdup(ip);
}

/* The usable global addresses: configured ones first, in order; and the
 * first usable link-local one. */
static void fill_ipv6(IfState *st, const struct ifs_desired *want, const struct ifs_observed *obs)
{
	char ip[INET6_ADDRSTRLEN] = "";

	st->n_ipv6 = 0;
	st->ipv6 = NULL;
	for (size_t i = 0; obs->present && i < obs->n_addrs6 && !ip[0]; i++)
		if (ifs_addr6_usable_ll(&obs->addrs6[i]))
			inet_ntop(AF_INET6, &obs->addrs6[i].addr, ip, sizeof(ip));
	st->ipv6_link_local = xstrdup(ip);
	if (!obs->present || obs->n_addrs6 == 0)
		return;
	st->ipv6 = xcalloc(obs->n_addrs6, sizeof(char *));
	for (size_t i = 0; i < want->n_addr6; i++) {
		const struct ifs_addr6 *have = addr6_observed(obs, &want->addr6[i]);

		if (have && ifs_addr6_usable(have))
			ipv6_append(st, have);
	}
	for (size_t i = 0; i < obs->n_addrs6; i++)
		if (ifs_addr6_usable(&obs->addrs6[i]))
			ipv6_append(st, &obs->addrs6[i]);
}

void ifs_state_fill(IfState *st, const char *name, const char *netdev,
		    const struct ifs_desired *want, const struct ifs_observed *obs)
{
	const struct ifs_addr *prim = ifs_primary(want, obs);
	char ip[INET_ADDRSTRLEN] = "";

	if_state__init(st);
	st->name = xstrdup(name);
	st->netdev = xstrdup(netdev);
	st->has_ifindex = true;
	st->ifindex = obs->present ? (uint32_t)obs->ifindex : 0;
	st->has_admin_up = true;
	st->admin_up = obs->present ? !!(obs->flags & IFF_UP) : want->admin_up;
	st->has_oper_up = true;
	st->oper_up = obs->present && (obs->flags & IFF_UP) && (obs->flags & IFF_RUNNING);
	if (prim)
		inet_ntop(AF_INET, &prim->local, ip, sizeof(ip));
	st->primary_ipv4 = xstrdup(ip);
	st->has_prefix_len = true;
	st->prefix_len = prim ? prim->plen : 0;
	st->n_sub_ipv4 = 0;
	st->sub_ipv4 = NULL;
	if (obs->present && obs->n_addrs) {
		st->sub_ipv4 = xcalloc(obs->n_addrs, sizeof(char *));
		for (size_t i = 0; i < obs->n_addrs; i++) {
			char buf[INET_ADDRSTRLEN + 4];

			if (&obs->addrs[i] == prim || obs->addrs[i].scope == RT_SCOPE_HOST)
				continue;
			ifs_addr_format(&obs->addrs[i], buf, sizeof(buf));
			st->sub_ipv4[st->n_sub_ipv4++] = xstrdup(buf);
		}
	}
	fill_ipv6(st, want, obs);
	if (want->vpn[0])
		st->vpn_instance = xstrdup(want->vpn);
}

void ifs_state_clear(IfState *st)
{
	free(st->name);
	free(st->netdev);
	free(st->primary_ipv4);
	for (size_t i = 0; i < st->n_sub_ipv4; i++)
		free(st->sub_ipv4[i]);
	free(st->sub_ipv4);
	for (size_t i = 0; i < st->n_ipv6; i++)
		free(st->ipv6[i]);
	free(st->ipv6);
	free(st->ipv6_link_local);
	free(st->vpn_instance);
	if_state__init(st);
}
