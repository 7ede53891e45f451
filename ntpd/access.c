/*
 * access.c: access levels from basic ACLs, rate limiting with KoD RATE,
 * KoD DENY, `server disable`, `max-dynamic-sessions` and `in-interface
 * disable`.  The rules are described in access.h.
 *
 * The configuration is compiled into struct access_state: per family
 * (IPv4 `acl number`, IPv6 `acl ipv6 number`) the ACLs with their rules
 * parsed and sorted, and the ACL number of each level.  The ACLs are
 * compiled whole from a whole configuration (a snapshot), and otherwise
 * changed one object at a time (access_acl_changed): a commit that
 * changes one rule puts that rule in place in its ACL and leaves the other
 * ACLs alone, so it costs the change, not the configuration.  The levels
 * name ACLs by number, looked up per packet, so a changed ACL is in force
 * at once for every level naming it.  The per-source rate state survives
 * reconciliations (it describes the clients, not the configuration).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "auth.h"
#include "cfgtree.h"
#include "log.h"
#include "ntpd.h"

static bool rule_matches(const struct acl_rule *r, const struct naddr *src)
{
	if (r->family != src->family)
		return false;
	if (r->family == AF_INET)
		return ((ntohl(src->v4.s_addr) ^ r->addr) & ~r->wild) == 0;
	for (unsigned bit = 0; bit < r->plen; bit += 8) {
		unsigned n = r->plen - bit >= 8 ? 8 : r->plen - bit;
		uint8_t m = (uint8_t)(0xff00u >> n);

		if ((src->v6.s6_addr[bit / 8] ^ r->addr6.s6_addr[bit / 8]) & m)
			return false;
	}
	return true;
}

int acl_match(const struct acl *acl, const struct naddr *src)
{
	if (!acl)
		return -1;
	for (size_t i = 0; i < acl->n; i++)
		if (rule_matches(&acl->rule[i], src))
			return acl->rule[i].deny ? 0 : 1;
	return -1;
}

const struct acl *access_find_acl(const struct access_family *f, uint32_t number)
{
	for (size_t i = 0; f && i < f->n_acls; i++)
		if (f->acls[i].number == number)
			return &f->acls[i];
	return NULL;
}

static const struct access_family *family_of(const struct access_state *s,
					     const struct naddr *src)
{
	return &s->fam[src->family == AF_INET6 ? ACCESS_V6 : ACCESS_V4];
}

enum access_level access_level_of(const struct access_state *s, const struct naddr *src)
{
	static const struct { enum access_cfg_level cfg; enum access_level level; } order[] = {
		{ ACL_L_PEER, ACCESS_PEER },
		{ ACL_L_SERVER, ACCESS_SERVER },
		{ ACL_L_SYNC, ACCESS_SYNC },
		{ ACL_L_QUERY, ACCESS_QUERY },
	};
	const struct access_family *f;
	bool any = false;

	if (!s)
		return ACCESS_PEER;
	f = family_of(s, src);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!f->level_set[order[i].cfg])
			continue;
		any = true;
		if (acl_match(access_find_acl(f, f->level_acl[order[i].cfg]), src) == 1)
			return order[i].level;
	}
	return any ? ACCESS_NONE : ACCESS_PEER;
}

bool access_allows(enum access_level l, enum access_want w)
{
	switch (w) {
	case ACCESS_W_TIME:
		return l == ACCESS_PEER || l == ACCESS_SERVER || l == ACCESS_SYNC;
	case ACCESS_W_CONTROL:
		return l == ACCESS_PEER || l == ACCESS_SERVER || l == ACCESS_QUERY;
	case ACCESS_W_PEER:
		return l == ACCESS_PEER;
	}
	return false;
}

bool access_rate_limited(struct access_state *s, const struct naddr *src, double now)
{
	double minint = ldexp(1.0, s->min_exp), avgint = ldexp(1.0, s->avg_exp);
	size_t h = naddr_hash(src) % ACCESS_RATE_SLOTS;
	struct rate_slot *e = NULL, *victim = NULL;
	double elapsed;

	for (size_t i = 0; i < ACCESS_RATE_PROBE; i++) {
		struct rate_slot *c = &s->rate[(h + i) % ACCESS_RATE_SLOTS];

		if (naddr_eq(&c->addr, src)) {
			e = c;
			break;
		}
		/* The first free slot of the window, else its oldest. */
		if (!victim || (naddr_isset(&victim->addr) &&
				(!naddr_isset(&c->addr) || c->last < victim->last)))
			victim = c;
	}
	if (!e) {
		e = victim;
		e->addr = *src;
		e->last = now;
		e->score = avgint;
		return false;
	}
	elapsed = now - e->last;
	if (elapsed < 0)
		elapsed = 0;
	e->score -= elapsed;
	if (e->score < 0)
		e->score = 0;
	e->score += avgint;
	e->last = now;
	return elapsed < minint || e->score > avgint * ACCESS_BURST;
}

bool access_kod_budget(struct access_state *s, double now)
{
	double dt = now - s->kod_last;

	if (dt > 0)
		s->kod_tokens += dt * ACCESS_KOD_PER_S;
	if (s->kod_tokens > ACCESS_KOD_PER_S)
		s->kod_tokens = ACCESS_KOD_PER_S;
	s->kod_last = now;
	if (s->kod_tokens < 1.0) {
		s->kod_suppressed++;
		return false;
	}
	s->kod_tokens -= 1.0;
	return true;
}

/* ---- configuration ---- */

static void acls_free(struct access_family *f)
{
	for (size_t i = 0; i < f->n_acls; i++)
		free(f->acls[i].rule);
	free(f->acls);
	f->acls = NULL;
	f->n_acls = 0;
}

void access_free(struct access_state *s)
{
	if (!s)
		return;
	for (int i = 0; i < ACCESS__FAMILIES; i++)
		acls_free(&s->fam[i]);
	free(s);
}

static bool parse_u32(const char *str, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!str || !*str)
		return false;
	v = strtoull(str, &end, 10);
	if (*end || v > 0xffffffffULL)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_quad(const char *str, uint32_t *out)
{
	struct in_addr a;

	if (!str || inet_pton(AF_INET, str, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static int rule_cmp(const void *a, const void *b)
{
	const struct acl_rule *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The source of a rule: false when it does not parse (the rule is left
 * out; cfgd never lets such a rule through). */
static bool rule_source(const AclRule *r, sa_family_t family, struct acl_rule *o)
{
	o->family = family;
	if (!r->source) {
		o->wild = 0xffffffffu;     /* any */
		o->plen = 0;
		return true;
	}
	if (family == AF_INET)
		return parse_quad(r->source, &o->addr) &&
		       (!r->wildcard || parse_quad(r->wildcard, &o->wild));
	o->plen = r->has_prefix_len ? r->prefix_len : 128;
	return o->plen <= 128 && inet_pton(AF_INET6, r->source, &o->addr6) == 1;
}

/* A rule compiled: false when it is left out (its id or source does not
 * parse; cfgd never lets such a rule through). */
static bool compile_rule(const AclRule *r, sa_family_t family, struct acl_rule *o)
{
	memset(o, 0, sizeof(*o));
	if (!r || !parse_u32(r->id, &o->id) || !rule_source(r, family, o))
		return false;
	o->deny = r->has_deny && r->deny;
	return true;
}

static void compile_acl(const Acl *in, sa_family_t family, struct acl *out)
{
	out->rule = xcalloc(in->n_rule ? in->n_rule : 1, sizeof(*out->rule));
	out->cap = in->n_rule ? in->n_rule : 1;
	out->n = 0;
	for (size_t i = 0; i < in->n_rule; i++)
		if (compile_rule(in->rule[i], family, &out->rule[out->n]))
			out->n++;
	qsort(out->rule, out->n, sizeof(*out->rule), rule_cmp);
}

/* One family's ACLs from the configuration. */
static void family_compile(struct access_state *s, struct access_family *f, Acl **acls,
			   size_t n_acls, sa_family_t family)
{
	acls_free(f);
	if (!n_acls)
		return;
	f->acls = xcalloc(n_acls, sizeof(*f->acls));
	for (size_t i = 0; i < n_acls; i++) {
		const Acl *a = acls[i];

		if (!a || !parse_u32(a->number, &f->acls[f->n_acls].number))
			continue;
		compile_acl(a, family, &f->acls[f->n_acls]);
		f->acls[f->n_acls].gen = ++s->compiles;
		f->n_acls++;
	}
}

/* One family's levels (the ACL number each names). */
static void family_levels(struct access_family *f, const NtpAccess *acc)
{
	memset(f->level_set, 0, sizeof(f->level_set));
	if (!acc)
		return;
	f->level_set[ACL_L_PEER] = acc->has_peer;
	f->level_acl[ACL_L_PEER] = acc->peer;
	f->level_set[ACL_L_SERVER] = acc->has_server;
	f->level_acl[ACL_L_SERVER] = acc->server;
	f->level_set[ACL_L_SYNC] = acc->has_synchronization;
	f->level_acl[ACL_L_SYNC] = acc->synchronization;
	f->level_set[ACL_L_QUERY] = acc->has_query;
	f->level_acl[ACL_L_QUERY] = acc->query;
	f->level_set[ACL_L_LIMITED] = acc->has_limited;
	f->level_acl[ACL_L_LIMITED] = acc->limited;
}

void access_apply(struct ntpd *core, const Config *cfg)
{
	struct access_state *s = core->access;
	const Ntp *ntp = cfg ? cfg->ntp : NULL;

	if (!s)
		s = core->access = xcalloc(1, sizeof(*s));
	/* Compiling the ACLs costs their size: only when they may differ.
	 * The levels name ACLs by number, looked up per packet, so they are
	 * set apart and cost nothing to set again. */
	if (s->acl_gen == 0 || s->acl_gen != core->acl_gen) {
		family_compile(s, &s->fam[ACCESS_V4], cfg ? cfg->acl : NULL, cfg ? cfg->n_acl : 0,
			       AF_INET);
		family_compile(s, &s->fam[ACCESS_V6], cfg ? cfg->acl6 : NULL,
			       cfg ? cfg->n_acl6 : 0, AF_INET6);
		s->acl_gen = core->acl_gen ? core->acl_gen : 1;
	}
	family_levels(&s->fam[ACCESS_V4], ntp ? ntp->access : NULL);
	family_levels(&s->fam[ACCESS_V6], ntp ? ntp->ipv6_access : NULL);
	s->discard_set = ntp && ntp->discard;
	s->min_exp = ACCESS_DEF_MIN;
	s->avg_exp = ACCESS_DEF_AVG;
	if (ntp && ntp->discard) {
		if (ntp->discard->has_min_interval && ntp->discard->min_interval >= 1 &&
		    ntp->discard->min_interval <= 8)
			s->min_exp = (int)ntp->discard->min_interval;
		if (ntp->discard->has_avg_interval && ntp->discard->avg_interval >= 1 &&
		    ntp->discard->avg_interval <= 8)
			s->avg_exp = (int)ntp->discard->avg_interval;
	}
	s->kod = ntp && ntp->has_kod_enable && ntp->kod_enable;
	s->server_disable = ntp && ntp->has_server_disable && ntp->server_disable;
	s->max_dynamic = NTPD_MAX_DYNAMIC;
	if (ntp && ntp->has_max_dynamic_sessions && ntp->max_dynamic_sessions <= NTPD_MAX_DYNAMIC)
		s->max_dynamic = (int)ntp->max_dynamic_sessions;
}

/* ---- one object at a time (a commit's change list) ---- */

static struct acl *family_find(struct access_family *f, uint32_t number)
{
	return (struct acl *)access_find_acl(f, number);
}

static void family_remove(struct access_family *f, struct acl *a)
{
	size_t i = (size_t)(a - f->acls);

	free(a->rule);
	memmove(&f->acls[i], &f->acls[i + 1], (f->n_acls - i - 1) * sizeof(*f->acls));
	f->n_acls--;
}

/* The ACL compiled from its running node (its rules, in that node's
 * "rule" children), in place of what *a held. */
static void compile_node(struct access_state *s, const struct ct_node *node,
			 sa_family_t family, struct acl *a)
{
	const ProtobufCFieldDescriptor *rf =
		protobuf_c_message_descriptor_get_field_by_name(node->desc, "rule");
	size_t cnt = 0;

	free(a->rule);
	for (const struct ct_node *c = ct_first(node, rf); c; c = c->next)
		cnt++;
	a->rule = xcalloc(cnt ? cnt : 1, sizeof(*a->rule));
	a->cap = cnt ? cnt : 1;
	a->n = 0;
	for (const struct ct_node *c = ct_first(node, rf); c; c = c->next)
		if (c->state == CT_SET && compile_rule((const AclRule *)c->own, family,
						       &a->rule[a->n]))
			a->n++;
	qsort(a->rule, a->n, sizeof(*a->rule), rule_cmp);
	a->gen = ++s->compiles;
}

/* The index of rule id in a (sorted), or where it would go; *found. */
static size_t rule_pos(const struct acl *a, uint32_t id, bool *found)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->rule[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < a->n && a->rule[lo].id == id;
	return lo;
}

/* Rule id of a as the running node rule (NULL: gone) says. */
static void rule_put(struct access_state *s, struct acl *a, uint32_t id,
		     const struct ct_node *rule, sa_family_t family)
{
	struct acl_rule r;
	bool found, keep = rule && rule->state == CT_SET &&
			   compile_rule((const AclRule *)rule->own, family, &r) && r.id == id;
	size_t i = rule_pos(a, id, &found);

	if (keep && found) {
		a->rule[i] = r;
	} else if (keep) {
		if (a->n == a->cap) {
			a->cap = a->cap ? a->cap * 2 : 4;
			a->rule = xrealloc(a->rule, a->cap * sizeof(*a->rule));
		}
		memmove(&a->rule[i + 1], &a->rule[i], (a->n - i) * sizeof(*a->rule));
		a->rule[i] = r;
		a->n++;
	} else if (found) {
		memmove(&a->rule[i], &a->rule[i + 1], (a->n - i - 1) * sizeof(*a->rule));
		a->n--;
	} else {
		return;
	}
	a->gen = ++s->compiles;
}

void access_acl_changed(struct ntpd *core, const struct ct_node *tree, char *const *path,
			size_t n)
{
	struct access_state *s = core->access;
	bool v6;
	const ProtobufCFieldDescriptor *fld;
	const struct ct_node *node, *rule = NULL;
	struct access_family *f;
	struct acl *a;
	uint32_t number, id;

	if (!s)
		s = core->access = xcalloc(1, sizeof(*s));
	if (n < 2 || (strcmp(path[0], "acl") != 0 && strcmp(path[0], "acl6") != 0))
		return;
	if (!parse_u32(path[1], &number))
		return;                 /* left out when compiled whole too */
	v6 = strcmp(path[0], "acl6") == 0;
	f = &s->fam[v6 ? ACCESS_V6 : ACCESS_V4];
	node = tree ? ct_lookup(tree, path, 2, &fld) : NULL;
	if (node && fld)
		node = NULL;
	a = family_find(f, number);
	if (!node) {                    /* the ACL is gone */
		if (a) {
			family_remove(f, a);
			s->compiles++;
		}
		return;
	}
	if (!a || n == 2) {
		/* New, or set again as a whole (a list element added back
		 * within the commit): its rules from its node. */
		if (!a) {
			f->acls = xrealloc(f->acls, (f->n_acls + 1) * sizeof(*f->acls));
			a = &f->acls[f->n_acls++];
			memset(a, 0, sizeof(*a));
			a->number = number;
		}
		compile_node(s, node, v6 ? AF_INET6 : AF_INET, a);
		return;
	}
	if (n != 4 || strcmp(path[2], "rule") != 0 || !parse_u32(path[3], &id))
		return;
	rule = ct_lookup(tree, path, 4, &fld);
	rule_put(s, a, id, rule && !fld ? rule : NULL, v6 ? AF_INET6 : AF_INET);
}

int access_max_dynamic(const struct ntpd *core)
{
	return core->access ? core->access->max_dynamic : NTPD_MAX_DYNAMIC;
}

bool access_server_disabled(const struct ntpd *core)
{
	return core->access && core->access->server_disable;
}

/* An IPv6 datagram arrived on the interface, or to one of its addresses
 * (configured, or the one ifmgrd reports). */
static bool if_has_addr6(const struct ntpd *core, const Interface *in, const struct ntpd_rx *rx)
{
	struct naddr a;

	for (size_t i = 0; i < core->n_ifs; i++)
		if (rx->ifindex && core->ifs[i].ifindex == rx->ifindex &&
		    strcasecmp(core->ifs[i].name, in->name) == 0)
			return true;
	for (size_t i = 0; i < in->n_ipv6_address; i++)
		if (in->ipv6_address[i] && naddr_parse(in->ipv6_address[i]->address, &a) == 0 &&
		    naddr_eq(&a, &rx->dst))
			return true;
	a = ntpd_if_naddr(core, in->name, AF_INET6);
	return naddr_eq(&a, &rx->dst);
}

bool access_if_disabled(const struct ntpd *core, const struct ntpd_rx *rx)
{
	const Config *cfg = core->cfg;

	if (!cfg || !naddr_isset(&rx->dst) || naddr_is_any(&rx->dst))
		return false;
	for (size_t i = 0; i < cfg->n_interface; i++) {
		const Interface *in = cfg->interface[i];
		uint32_t a;

		if (!in || !in->name || !in->has_ntp_in_interface_disable ||
		    !in->ntp_in_interface_disable)
			continue;
		if (rx->dst.family == AF_INET6) {
			if (if_has_addr6(core, in, rx))
				return true;
			continue;
		}
		a = ntpd_if_addr(core, in->name);
		if (!a)
			continue;
		if (a == rx->dst.v4.s_addr)
			return true;
		if (in->address && in->address->prefix_len >= 1 && in->address->prefix_len < 31) {
			uint32_t m = ~0u << (32 - in->address->prefix_len);
			uint32_t bcast = (ntohl(a) & m) | ~m;

			if (htonl(bcast) == rx->dst.v4.s_addr)
				return true;
		}
	}
	return false;
}

/* Is src subject to rate limiting? */
static bool rate_applies(const struct access_state *s, const struct naddr *src)
{
	const struct access_family *f = family_of(s, src);

	if (f->level_set[ACL_L_LIMITED])
		return acl_match(access_find_acl(f, f->level_acl[ACL_L_LIMITED]), src) == 1;
	if (s->fam[ACCESS_V4].level_set[ACL_L_LIMITED] ||
	    s->fam[ACCESS_V6].level_set[ACL_L_LIMITED])
		return false;
	return s->discard_set;
}

int access_screen(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt,
		  const char **kod)
{
	struct access_state *s = core->access;
	enum access_want w;
	enum access_level l;

	*kod = NULL;
	if (!s)
		return 0;
	switch (pkt->mode) {
	case NTP_MODE_CLIENT:
		w = ACCESS_W_TIME;
		break;
	case NTP_MODE_CONTROL:
	case NTP_MODE_PRIVATE:
		w = ACCESS_W_CONTROL;
		break;
	case NTP_MODE_ACTIVE:
	case NTP_MODE_PASSIVE:
	case NTP_MODE_SERVER:
	case NTP_MODE_BROADCAST:
		w = ACCESS_W_PEER;
		break;
	default:
		return 0;
	}
	l = access_level_of(s, &rx->src);
	if (!access_allows(l, w)) {
		char txt[NADDR_STRLEN];

		NTPD_COUNT(core, rx->src.family, drop[NTPD_DROP_ACCESS], 1);
		log_debug("datagram from %s (mode %d) refused by ntp-service access",
			  naddr_str(&rx->src, txt, sizeof(txt)), pkt->mode);
		/* Only requests get a kiss: answers never answer answers. */
		if (s->kod && (pkt->mode == NTP_MODE_CLIENT || pkt->mode == NTP_MODE_ACTIVE))
			*kod = "DENY";
		return -EACCES;
	}
	if (pkt->mode == NTP_MODE_CLIENT && rate_applies(s, &rx->src) &&
	    access_rate_limited(s, &rx->src, ntpd_mono())) {
		NTPD_COUNT(core, rx->src.family, drop[NTPD_DROP_RATE], 1);
		if (s->kod)
			*kod = "RATE";
		return -EACCES;
	}
	return 0;
}

int access_kod_reply(struct ntpd *core, const struct ntp_packet *req, uint64_t rx_ts,
		     const char *code, uint32_t keyid, uint8_t *buf, size_t len)
{
	struct access_state *s = core->access;
	struct ntp_packet r;
	int n;

	if (!s || !access_kod_budget(s, ntpd_mono()))
		return 0;
	memset(&r, 0, sizeof(r));
	r.leap = NTP_LEAP_NOSYNC;
	r.version = req->version;
	r.mode = req->mode == NTP_MODE_ACTIVE ? NTP_MODE_PASSIVE : NTP_MODE_SERVER;
	r.stratum = 0;
	r.poll = req->poll;
	r.precision = (int8_t)core->sys.precision;
	memcpy(&r.refid, code, 4);
	r.org = req->xmt;
	r.rec = rx_ts;
	r.xmt = ntp_clock_now(core->clock);
	n = ntp_packet_encode(&r, buf, len);
	if (n > 0 && keyid)
		n = auth_sign(core->auth, keyid, buf, (size_t)n, len);
	if (n <= 0)
		return 0;
	s->kod_sent++;
	return n;
}
