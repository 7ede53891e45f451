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
#include <linux/rtnetlink.h>

#include "log.h"
#include "ifstate.h"

static void desired_factory(struct ifs_desired *out)
{
	memset(out, 0, sizeof(*out));
	out->admin_up = false;
	out->has_addr = false;
}

int ifs_desired_from_config(const Config *cfg, const char *name, struct ifs_desired *out,
			    char *err, size_t errlen)
{
	const Interface *itf = NULL;

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
	return 0;
}

static bool addr_is_wanted(const struct ifs_desired *want, const struct ifs_addr *a)
{
	return want->has_addr && a->local.s_addr == want->addr.s_addr && a->plen == want->plen;
}

static void plan_push(struct ifs_plan *plan, enum ifs_action_kind kind, const struct ifs_addr *a)
{
	if (plan->n >= IFS_MAX_ACTIONS)
		return;   /* the rest is done by the next pass, triggered by the events */
	plan->actions[plan->n].kind = kind;
	if (a)
		plan->actions[plan->n].addr = *a;
	else
		memset(&plan->actions[plan->n].addr, 0, sizeof(plan->actions[plan->n].addr));
	plan->n++;
}

size_t ifs_plan(const char *name, const char *netdev, const struct ifs_desired *want,
		const struct ifs_observed *obs, struct ifs_plan *plan)
{
	bool have_wanted = false;

	plan->n = 0;
	plan->err[0] = '\0';
	if (!obs->present) {
		snprintf(plan->err, sizeof(plan->err), "%s: netdev %s does not exist", name,
			 netdev);
		return 0;
	}
	for (size_t i = 0; i < obs->n_addrs; i++) {
		const struct ifs_addr *a = &obs->addrs[i];

		if (addr_is_wanted(want, a)) {
			have_wanted = true;
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
	if (want->admin_up && !(obs->flags & IFF_UP))
		plan_push(plan, IFS_LINK_UP, NULL);
	else if (!want->admin_up && (obs->flags & IFF_UP))
		plan_push(plan, IFS_LINK_DOWN, NULL);
	return plan->n;
}

void ifs_obs_init(struct ifs_observed *obs)
{
	memset(obs, 0, sizeof(*obs));
}

void ifs_obs_free(struct ifs_observed *obs)
{
	free(obs->addrs);
	memset(obs, 0, sizeof(*obs));
}

void ifs_obs_clear(struct ifs_observed *obs)
{
	obs->present = false;
	obs->ifindex = 0;
	obs->flags = 0;
	obs->n_addrs = 0;
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
}

void ifs_state_clear(IfState *st)
{
	free(st->name);
	free(st->netdev);
	free(st->primary_ipv4);
	for (size_t i = 0; i < st->n_sub_ipv4; i++)
		free(st->sub_ipv4[i]);
	free(st->sub_ipv4);
	if_state__init(st);
}
