/*
 * apply.c: reconciling ntpd with the configuration (cfgd) and the
 * interfaces (ifmgrd).
 *
 * Level-triggered and idempotent: a snapshot hands over the whole Config,
 * a commit the top-level fields it changed (ntp, interface) whole and the
 * ACL objects it changed by path (ntpd_apply_objects: those go straight
 * to access.c, and a commit of ACLs only reconciles nothing else); each
 * ifmgrd update the whole IfStates.  Both are kept and reconcile()
 * rebuilds the desired state from the pair:
 *  - sockets: the server sockets on the addresses of `ntp-service server
 *    source-interface` (its primary IPv4 address, its first IPv6 one and
 *    its link-local one, only there), else on the IPv4 and IPv6 wildcards;
 *    a socket per other source address in use;
 *  - associations keyed by address (IPv4 or IPv6) + vpn-instance:
 *    unicast-server -> client
 *    (mode 3), unicast-peer -> symmetric active (mode 1).  An association
 *    whose options did not change is kept with its filter and registers; a
 *    changed source address only moves it to another socket (rebind);
 *    other changes recreate it.  Dynamic passive associations are kept
 *    unless a configured one now names the same address or their socket
 *    went away;
 *  - a link-local IPv6 server or peer (fe80::/10) is reached through the
 *    interface that scopes it: its own source-interface, else `ntp-service
 *    ipv6 source-interface` (cfgd refuses one with neither).  Its address
 *    takes that interface's ifindex as scope (naddr.h), so it is another
 *    key than the same address on another interface, and it is sent from
 *    the interface's link-local address (ifmgrd's IfState.ipv6_link_local,
 *    published once DAD has passed), as the Comware manuals say.  Until
 *    ifmgrd reports that address (the interface is coming up) there is no
 *    association; when the interface goes away or its ifindex changes, the
 *    wanted key changes and the association is replaced, like any other
 *    change of address;
 *  - an association whose source interface (its own, else `ntp-service
 *    [ipv6] source-interface`) is absent, down (ifmgrd's oper state) or
 *    without an address of its family sends nothing (never from the
 *    wildcard instead) and says why (assoc_set_down: sessions, the
 *    unsynchronized reason); it is no candidate meanwhile.  Each IfStates
 *    from ifmgrd reconciles at once, so a new primary address moves the
 *    sockets as soon as it is published, and an interface that comes back
 *    makes its associations poll again within 0.5 s;
 *  - a domain name is resolved without blocking the loop (resolve.c): its
 *    association appears at the reconciliation that follows the answer,
 *    keyed by the address (a new address after a re-resolution replaces
 *    it); a failed resolution is an operational error, retried;
 *  - VPN instances (vpn.c): an instance's servers and peers (Ntp.vpn) are
 *    associations keyed by address and instance, sending from sockets of
 *    their instance; each instance whose kernel object ifmgrd reports gets
 *    serving wildcard sockets (or, with `ntp-service server
 *    source-interface` on an interface bound to it, its address there);
 *    `ntp-service source-interface` is the source of the associations of
 *    its interface's instance;
 *  - refclock-master and the unsynchronized polling policy.
 * Nothing is vetoed: what cannot be done (a source-interface without an
 * address yet, a domain name, a bind error) becomes an error string for
 * cfgd and the log, and is retried on the next reconciliation (for
 * instance when the interface gets its address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "auth.h"
#include "bcast.h"
#include "log.h"
#include "pbreflect.h"
#include "cfgsub.h"
#include "ntpd.h"

struct errs {
	char **v;
	int max, n;
};

static void err_add(struct errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_add(struct errs *e, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warn("%s", buf);
	if (e->n < e->max)
		e->v[e->n++] = xstrdup(buf);
}

/* FNV-1a of the name in lower case (names are ASCII, compared with
 * strcasecmp). */
static uint32_t if_name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= (uint32_t)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
		h *= 16777619u;
	}
	return h;
}

/* Index core->ifs by name: open addressing, linear probing, at most half
 * full; the first of equal names is found first, as a linear search would. */
static void if_index(struct ntpd *core)
{
	size_t cap = 16;

	free(core->if_slots);
	while (cap < core->n_ifs * 2)
		cap *= 2;
	core->if_slots = xcalloc(cap, sizeof(*core->if_slots));
	core->n_if_slots = cap;
	for (size_t i = 0; i < core->n_ifs; i++) {
		size_t k = if_name_hash(core->ifs[i].name) & (cap - 1);

		while (core->if_slots[k])
			k = (k + 1) & (cap - 1);
		core->if_slots[k] = (uint32_t)i + 1;
	}
}

const struct ntpd_if *ntpd_if_find(const struct ntpd *core, const char *name)
{
	size_t k;

	if (!name || !*name || !core->n_if_slots)
		return NULL;
	k = if_name_hash(name) & (core->n_if_slots - 1);
	for (; core->if_slots[k]; k = (k + 1) & (core->n_if_slots - 1)) {
		const struct ntpd_if *nif = &core->ifs[core->if_slots[k] - 1];

		if (strcasecmp(nif->name, name) == 0)
			return nif;
	}
	return NULL;
}

uint32_t ntpd_if_addr(const struct ntpd *core, const char *name)
{
	const struct ntpd_if *nif = ntpd_if_find(core, name);

	return nif ? nif->addr : 0;
}

struct naddr ntpd_if_naddr(const struct ntpd *core, const char *name, int family)
{
	const struct ntpd_if *nif = ntpd_if_find(core, name);
	struct naddr none = { .family = AF_UNSPEC };

	if (!nif)
		return none;
	if (family == AF_INET6)
		return nif->addr6;
	return nif->addr ? naddr_v4(nif->addr) : none;
}

/* The usable link-local address of an interface (scoped), unset if none. */
static struct naddr if_ll6(const struct ntpd *core, const char *name)
{
	const struct ntpd_if *nif = ntpd_if_find(core, name);
	struct naddr none = { .family = AF_UNSPEC };

	return nif ? nif->ll6 : none;
}

/* Does the configuration give the interface an address of the family (that
 * ifmgrd has not reported yet: an interface and its use committed together,
 * or IPv6 duplicate address detection still running)? */
static bool cfg_if_has_addr(const struct ntpd *core, const char *name, int family)
{
	const Config *cfg = core->cfg;

	for (size_t i = 0; cfg && i < cfg->n_interface; i++) {
		const Interface *in = cfg->interface[i];

		if (!in || !in->name || strcasecmp(in->name, name) != 0)
			continue;
		if (family == AF_INET6)
			return in->has_ipv6_enable && in->ipv6_enable && in->n_ipv6_address > 0;
		return in->address && in->address->address && *in->address->address;
	}
	return false;
}

/* Is the interface configured up (`undo shutdown`)?  Then the kernel gives
 * it a link-local address, which ifmgrd reports once DAD has passed. */
static bool cfg_if_up(const struct ntpd *core, const char *name)
{
	const Config *cfg = core->cfg;

	for (size_t i = 0; cfg && i < cfg->n_interface; i++) {
		const Interface *in = cfg->interface[i];

		if (in && in->name && strcasecmp(in->name, name) == 0)
			return in->has_shutdown && !in->shutdown;
	}
	return false;
}

/* Source address of the family for a source-interface name; unset if none,
 * with an error unless the address is configured and on its way from
 * ifmgrd (the reconciliation that follows ifmgrd's update binds it). */
static struct naddr resolve_if(struct ntpd *core, const char *name, int family,
			       const char *what, struct errs *e)
{
	struct naddr a = ntpd_if_naddr(core, name, family);

	if (!naddr_isset(&a) && cfg_if_has_addr(core, name, family))
		log_info("%s %s: waiting for its address from ifmgrd", what, name);
	else if (!naddr_isset(&a))
		err_add(e, "%s %s has no %s address", what, name,
			family == AF_INET6 ? "IPv6" : "IPv4");
	return a;
}

static bool opts_equal(const struct assoc_opts *a, const struct assoc_opts *b)
{
	return a->hmode == b->hmode && a->version == b->version && a->keyid == b->keyid &&
	       a->preferred == b->preferred && a->priority == b->priority &&
	       a->burst == b->burst && a->iburst == b->iburst && a->preempt == b->preempt &&
	       a->minpoll == b->minpoll && a->maxpoll == b->maxpoll && a->port == b->port &&
	       strcmp(a->vpn, b->vpn) == 0 && strcasecmp(a->srcif, b->srcif) == 0 &&
	       strcasecmp(a->host, b->host) == 0;
}

static void opts_from(struct ntpd *core, const NtpAssociation *na, int hmode,
		      struct assoc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hmode = hmode;
	o->version = na->has_version && na->version >= 1 && na->version <= 4 ? na->version : 3;
	o->keyid = na->has_authentication_keyid ? na->authentication_keyid : 0;
	o->preferred = na->has_preferred && na->preferred;
	o->priority = na->has_priority && na->priority;
	o->burst = na->has_burst && na->burst;
	o->iburst = na->has_iburst && na->iburst;
	o->preempt = na->has_preempt && na->preempt;
	o->minpoll = na->has_minpoll && na->minpoll >= NTP_MINPOLL && na->minpoll <= NTP_MAXPOLL ?
		     (int)na->minpoll : NTP_DEF_MINPOLL;
	o->maxpoll = na->has_maxpoll && na->maxpoll >= NTP_MINPOLL && na->maxpoll <= NTP_MAXPOLL ?
		     (int)na->maxpoll : NTP_DEF_MAXPOLL;
	if (o->maxpoll < o->minpoll)
		o->maxpoll = o->minpoll;
	o->port = na->has_port && na->port >= 1 && na->port <= 65535 ? (uint16_t)na->port :
		  core->port;
	snprintf(o->vpn, sizeof(o->vpn), "%s", na->vpn_instance ? na->vpn_instance : "");
	snprintf(o->srcif, sizeof(o->srcif), "%s", na->source_interface ? na->source_interface : "");
}

/* The socket client/peer packets of the family leave by in instance vpn
 * ("" the public network), from src (unset: the serving socket, or the
 * wildcard); NULL with an error. */
static struct ntp_sock *send_sock(struct ntpd *core, const struct naddr *src, int family,
				  const char *vpn, struct errs *e)
{
	struct ntp_sock *srv = family == AF_INET6 ? core->server_sock6 : core->server_sock;
	struct naddr a = naddr_isset(src) ? *src : naddr_any(family);
	struct ntp_sock *s;
	int err;

	if (!naddr_isset(src) && srv && strcmp(srv->vpn, vpn) == 0)
		return srv;
	s = sock_want_vpn(core, &a, core->server_any && naddr_is_any(&a), vpn, &err);
	if (!s) {
		char txt[NADDR_STRLEN];
		const struct ntpd_vpn *v = vpn_find(core, vpn);

		if (err == -ENONET || (v && v->netns[0] && v->nsfd < 0))
			err_add(e, "VPN instance %s has no kernel object%s%s", vpn,
				v && v->err[0] ? ": " : v ? " ntpd can open" : " yet",
				v ? v->err : "");
		else
			err_add(e, "cannot open UDP %s port %u%s%s: %s",
				naddr_str(&a, txt, sizeof(txt)), core->port,
				vpn[0] ? " in VPN instance " : "", vpn, strerror(-err));
	}
	return s;
}

struct want {
	const NtpAssociation *na;
	int hmode;
	struct naddr addr;
	struct naddr ll_src;      /* a link-local peer: our address on its link */
	struct assoc_opts o;
	bool matched;
};

/* Scope the link-local address *addr of na with its interface (see the top
 * of this file), and set *src to our link-local address there.  false when
 * it cannot be used now: with an error, or a log line while the interface
 * is coming up. */
static bool scope_linklocal(struct ntpd *core, const Ntp *ntp, const NtpAssociation *na,
			    const char *kind, struct naddr *addr, struct naddr *src,
			    struct errs *e)
{
	const char *ifn = na->source_interface && *na->source_interface ?
			  na->source_interface : ntp->ipv6_source_interface;
	struct naddr ll;

	if (!ifn || !*ifn) {
		err_add(e, "%s %s: a link-local address needs a source-interface", kind,
			na->address);
		return false;
	}
	ll = if_ll6(core, ifn);
	if (naddr_isset(&ll)) {
		*addr = naddr_scoped(addr, ll.scope);
		*src = ll;
		return true;
	}
	if (cfg_if_up(core, ifn))
		log_info("%s %s: waiting for the link-local address of %s from ifmgrd", kind,
			 na->address, ifn);
	else
		err_add(e, "%s %s: source-interface %s has no link-local IPv6 address", kind,
			na->address, ifn);
	return false;
}

/* The interface an association's packets leave by, or NULL when none is
 * named: its own source-interface, else `ntp-service [ipv6]
 * source-interface` of its family (for a link-local address the ipv6 one,
 * as scope_linklocal chose). */
static const char *assoc_via(const Ntp *ntp, const struct want *w)
{
	if (w->o.srcif[0])
		return w->o.srcif;
	if (w->addr.family == AF_INET6)
		return ntp->ipv6_source_interface && *ntp->ipv6_source_interface &&
		       !ntp->ipv6_source_interface_vpn_instance ? ntp->ipv6_source_interface : NULL;
	return ntp->source_interface && *ntp->source_interface &&
	       !ntp->source_interface_vpn_instance ? ntp->source_interface : NULL;
}

/* Why packets cannot leave by interface name now (into buf; "" when they
 * can): ifmgrd does not report it, its netdev is absent, it is down (the
 * kernel's oper state: admin down or no carrier), or it has no usable
 * address of the family (ll: a link-local one).  The manuals print no such
 * reason; these sentences are Meridian's, shown by `display ntp-service
 * sessions` and in the unsynchronized reason of the status. */
static void if_down_why(const struct ntpd *core, const char *name, int family, bool ll,
			char *buf, size_t len)
{
	const struct ntpd_if *nif = ntpd_if_find(core, name);

	buf[0] = '\0';
	if (!nif)
		snprintf(buf, len, "source-interface %s is not present", name);
	else if (nif->absent)
		snprintf(buf, len, "source-interface %s is down (its netdev is absent)", name);
	else if (!nif->up)
		snprintf(buf, len, "source-interface %s is down", name);
	else if (ll ? !naddr_isset(&nif->ll6) :
		 family == AF_INET6 ? !naddr_isset(&nif->addr6) : !nif->addr)
		snprintf(buf, len, "source-interface %s has no %s address", name,
			 ll ? "link-local IPv6" : family == AF_INET6 ? "IPv6" : "IPv4");
}

/* The configured servers and peers, the public network's then each
 * instance's, with the instance of each ("" public). */
struct conf_assoc {
	const NtpAssociation *na;
	int hmode;
	const char *vpn;
};

static struct conf_assoc *conf_assocs(const Ntp *ntp, size_t *n)
{
	size_t cap = ntp ? ntp->n_unicast_server + ntp->n_unicast_peer : 0, k = 0;
	struct conf_assoc *v;

	for (size_t i = 0; ntp && i < ntp->n_vpn; i++)
		cap += ntp->vpn[i]->n_unicast_server + ntp->vpn[i]->n_unicast_peer;
	v = xcalloc(cap + 1, sizeof(*v));
	for (size_t i = 0; ntp && i < ntp->n_unicast_server; i++)
		v[k++] = (struct conf_assoc){ ntp->unicast_server[i], NTP_MODE_CLIENT, "" };
	for (size_t i = 0; ntp && i < ntp->n_unicast_peer; i++)
		v[k++] = (struct conf_assoc){ ntp->unicast_peer[i], NTP_MODE_ACTIVE, "" };
	for (size_t i = 0; ntp && i < ntp->n_vpn; i++) {
		const NtpVpn *nv = ntp->vpn[i];
		const char *vpn = nv->name ? nv->name : "";

		for (size_t j = 0; j < nv->n_unicast_server; j++)
			v[k++] = (struct conf_assoc){ nv->unicast_server[j], NTP_MODE_CLIENT, vpn };
		for (size_t j = 0; j < nv->n_unicast_peer; j++)
			v[k++] = (struct conf_assoc){ nv->unicast_peer[j], NTP_MODE_ACTIVE, vpn };
	}
	*n = k;
	return v;
}

static void reconcile_assocs(struct ntpd *core, const Ntp *ntp, struct errs *e)
{
	size_t n_conf, nw = 0;
	struct conf_assoc *conf = conf_assocs(ntp, &n_conf);
	struct want *w = xcalloc(n_conf + 1, sizeof(*w));
	bool said6 = false;
	/* `ntp-service source-interface` serves its interface's instance. */
	const char *global_vpn = ntp ? vpn_of_if(core, ntp->source_interface) : "";

	resolve_mark_unused(core);

	for (size_t i = 0; i < n_conf; i++) {
		const NtpAssociation *na = conf[i].na;
		int hmode = conf[i].hmode;
		const char *kind = hmode == NTP_MODE_CLIENT ? "unicast-server" : "unicast-peer";
		const char *host = "";
		bool v6 = na && na->has_ipv6 && na->ipv6;
		struct naddr a, ll_src;
		bool dup = false;

		if (!na || !na->address)
			continue;
		memset(&ll_src, 0, sizeof(ll_src));
		if (naddr_parse(na->address, &a) < 0 || (v6 && a.family != AF_INET6)) {
			int r;

			if (v6) {
				err_add(e, "%s %s is not an IPv6 address", kind, na->address);
				continue;
			}
			r = resolve_lookup(core, na->address, &a);

			if (r == 0) {
				log_info("%s %s: resolving the domain name", kind, na->address);
				continue;
			}
			if (r < 0) {
				err_add(e, "%s %s: cannot resolve the domain name: %s", kind,
					na->address, strerror(-r));
				continue;
			}
			host = na->address;
		}
		if (naddr_is_linklocal(&a) &&
		    !scope_linklocal(core, ntp, na, kind, &a, &ll_src, e))
			continue;
		w[nw].na = na;
		w[nw].hmode = hmode;
		w[nw].addr = a;
		w[nw].ll_src = ll_src;
		opts_from(core, na, hmode, &w[nw].o);
		snprintf(w[nw].o.vpn, sizeof(w[nw].o.vpn), "%s", conf[i].vpn);
		snprintf(w[nw].o.host, sizeof(w[nw].o.host), "%s", host);
		for (size_t j = 0; j < nw; j++)
			if (naddr_eq(&w[j].addr, &w[nw].addr) && strcmp(w[j].o.vpn, w[nw].o.vpn) == 0)
				dup = true;
		if (dup) {
			err_add(e, "%s is configured twice; the first entry is used", na->address);
			continue;
		}
		nw++;
	}
	free(conf);

	/* Drop what is no longer wanted or changed; keep the rest. */
	for (struct assoc *p = core->assocs, *next; p; p = next) {
		bool keep = false;

		next = p->next;
		for (size_t j = 0; j < nw; j++) {
			if (!naddr_eq(&w[j].addr, &p->addr) || strcmp(w[j].o.vpn, p->opts.vpn) != 0)
				continue;
			if (!p->dynamic && !w[j].matched && opts_equal(&w[j].o, &p->opts)) {
				w[j].matched = true;
				keep = true;
			}
			break;
		}
		if (p->dynamic && !keep) {
			bool named = false;

			for (size_t j = 0; j < nw; j++)
				named = named || (naddr_eq(&w[j].addr, &p->addr) &&
						  strcmp(w[j].o.vpn, p->opts.vpn) == 0);
			keep = !named && p->sock && p->sock->used;
		}
		if (!keep) {
			log_info("association %s removed", p->addr_text);
			assoc_free(p);
		}
	}

	for (size_t j = 0; j < nw; j++) {
		int family = w[j].addr.family;
		struct naddr src;
		struct assoc *p = NULL;
		const char *via;
		char down[sizeof(p->down)];

		if (naddr_isset(&w[j].ll_src))
			src = w[j].ll_src;
		else if (w[j].o.srcif[0])
			src = resolve_if(core, w[j].o.srcif, family, "source-interface", e);
		else if (family == AF_INET6 && !naddr_isset(&core->global_src6) && !said6 &&
			 ntp->ipv6_source_interface && *ntp->ipv6_source_interface) {
			/* Why there is none, said once (see reconcile()). */
			said6 = true;
			src = resolve_if(core, ntp->ipv6_source_interface, AF_INET6,
					 "ipv6 source-interface", e);
		} else if (strcmp(w[j].o.vpn, global_vpn) == 0) {
			src = family == AF_INET6 ? core->global_src6 : core->global_src;
		} else {
			src = naddr_any(AF_UNSPEC);   /* another instance's source */
		}
		if (w[j].matched) {
			for (p = core->assocs; p; p = p->next)
				if (!p->dynamic && naddr_eq(&p->addr, &w[j].addr) &&
				    strcmp(p->opts.vpn, w[j].o.vpn) == 0)
					break;
		}
		if (!p)
			p = assoc_new(core, &w[j].addr, &w[j].o, false);
		/* Through a named interface that cannot be used now: no socket
		 * (never the wildcard instead), and the reason is shown; it
		 * polls again at once when the interface comes back. */
		via = assoc_via(ntp, &w[j]);
		down[0] = '\0';
		if (via)
			if_down_why(core, via, family, naddr_isset(&w[j].ll_src), down,
				    sizeof(down));
		if (!naddr_eq(&p->src_addr, &src))   /* moved: the old address is not ours */
			memset(&p->dst_addr, 0, sizeof(p->dst_addr));
		p->src_addr = src;
		p->sock = down[0] ? NULL : send_sock(core, &src, family, w[j].o.vpn, e);
		assoc_set_down(p, down);
	}
	free(w);
	resolve_sweep(core);
}

static void reconcile(struct ntpd *core, struct errs *e)
{
	const Ntp *ntp = core->cfg ? core->cfg->ntp : NULL;
	int err;

	/* Local reference clock. */
	if (ntp && ntp->refclock_master) {
		const NtpRefclockMaster *rm = ntp->refclock_master;
		int stratum = rm->has_stratum ? (int)rm->stratum : NTPD_DEF_LOCAL_STRATUM;
		const char *addr = rm->address && *rm->address ? rm->address : "127.127.1.0";
		unsigned a, b, c, unit;

		if (stratum < 1 || stratum > 15) {
			err_add(e, "refclock-master stratum %d out of range 1..15", stratum);
			stratum = NTPD_DEF_LOCAL_STRATUM;
		}
		if (sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &unit) != 4 || a != 127 || b != 127 ||
		    c != 1 || unit > 255) {
			err_add(e, "refclock-master address %s is not 127.127.1.u", addr);
			addr = "127.127.1.0";
			unit = 0;
		}
		sys_configure_local(core, true, stratum, addr, (int)unit);
	} else {
		sys_configure_local(core, false, 0, "", 0);
	}

	/* Polling policy while unsynchronized. */
	core->sys.unsync_max = NTPD_DEF_UNSYNC_POLL;
	core->sys.unsync_dec = 1;
	if (ntp && ntp->unsync) {
		if (ntp->unsync->has_max_poll_interval)
			core->sys.unsync_max = ntp->unsync->max_poll_interval < NTPD_MIN_UNSYNC_POLL ?
				NTPD_MIN_UNSYNC_POLL : ntp->unsync->max_poll_interval > NTP_MAXPOLL ?
				NTP_MAXPOLL : (int)ntp->unsync->max_poll_interval;
		if (ntp->unsync->has_dec_step)
			core->sys.unsync_dec = ntp->unsync->dec_step > 16 ? 16 :
					       (int)ntp->unsync->dec_step;
	}
	for (struct assoc *p = core->assocs; p; p = p->next)
		if (p->unsync_poll > core->sys.unsync_max || p->npolls == 0)
			p->unsync_poll = core->sys.unsync_max;

	/* Sockets: the server's first. */
	sock_mark_unused(core);
	core->server_sock = NULL;
	core->server_sock6 = NULL;
	if (ntp && ntp->server_source_interface && *ntp->server_source_interface) {
		const char *ifn = ntp->server_source_interface;
		struct naddr a = ntpd_if_naddr(core, ifn, AF_INET);
		struct naddr a6 = ntpd_if_naddr(core, ifn, AF_INET6);
		struct naddr ll = if_ll6(core, ifn);

		core->server_any = false;
		/* Serve on whichever addresses the interface has; an error only
		 * when it has none (and none is on its way). */
		if (!naddr_isset(&a) && !naddr_isset(&a6) && !naddr_isset(&ll) &&
		    !cfg_if_has_addr(core, ifn, AF_INET6))
			resolve_if(core, ifn, AF_INET, "server source-interface", e);
		if (naddr_isset(&a)) {
			core->server_sock = sock_want_vpn(core, &a, true, vpn_of_if(core, ifn), &err);
			if (!core->server_sock)
				err_add(e, "cannot listen on %s: %s", ifn, strerror(-err));
		}
		if (naddr_isset(&a6)) {
			core->server_sock6 = sock_want_vpn(core, &a6, true, vpn_of_if(core, ifn),
							   &err);
			if (!core->server_sock6)
				err_add(e, "cannot listen on %s (IPv6): %s", ifn, strerror(-err));
		}
		/* Its link-local address too (no pointer kept: IPv6 associations
		 * without a source leave by server_sock6, a global address). */
		if (naddr_isset(&ll) && !sock_want_vpn(core, &ll, true, vpn_of_if(core, ifn), &err))
			err_add(e, "cannot listen on %s (link-local): %s", ifn, strerror(-err));
	} else {
		struct naddr any = naddr_any(AF_INET), any6 = naddr_any(AF_INET6);

		core->server_any = true;
		core->server_sock = sock_want(core, &any, true, &err);
		if (!core->server_sock)
			err_add(e, "cannot listen on UDP port %u: %s", core->port, strerror(-err));
		/* A kernel without IPv6 serves IPv4 only: not an error. */
		core->server_sock6 = sock_want(core, &any6, true, &err);
		if (!core->server_sock6 && err == -EAFNOSUPPORT)
			log_debug("no IPv6 in this kernel: serving IPv4 only");
		else if (!core->server_sock6)
			err_add(e, "cannot listen on UDP port %u (IPv6): %s", core->port,
				strerror(-err));
		/* And in every VPN instance: answers arrive and leave there. */
		for (size_t i = 0; i < core->n_vpns; i++) {
			const struct ntpd_vpn *v = &core->vpns[i];

			if (v->err[0])
				continue;    /* ifmgrd's commit warning says why */
			if (!sock_want_vpn(core, &any, true, v->name, &err))
				err_add(e, "cannot listen on UDP port %u in VPN instance %s: %s",
					core->port, v->name, strerror(-err));
			if (!sock_want_vpn(core, &any6, true, v->name, &err) &&
			    err != -EAFNOSUPPORT)
				err_add(e, "cannot listen on UDP port %u (IPv6) in VPN instance "
					"%s: %s", core->port, v->name, strerror(-err));
		}
	}
	core->global_src = naddr_any(AF_UNSPEC);
	core->global_src6 = naddr_any(AF_UNSPEC);
	/* With `vpn-instance V` the interface is bound to V (cfgd checks it):
	 * its address is a source of V's associations (reconcile_assocs). */
	if (ntp && ntp->source_interface && *ntp->source_interface)
		core->global_src = resolve_if(core, ntp->source_interface, AF_INET,
					      "source-interface", e);
	/* Its problem, if any, is said by the associations that use it
	 * (reconcile_assocs): the interface may have only a link-local
	 * address, for link-local servers. */
	if (ntp && ntp->ipv6_source_interface && *ntp->ipv6_source_interface)
		core->global_src6 = ntpd_if_naddr(core, ntp->ipv6_source_interface, AF_INET6);

	/* Keys and access control before the associations that use them. */
	auth_apply(core, ntp);
	access_apply(core, core->cfg);
	/* Broadcast/multicast (interface view) before the associations: its
	 * sockets are marked used, its client associations keep theirs. */
	{
		char *berrs[NTPD_MAX_ERRS];
		int nb = bcast_reconcile(core, berrs, NTPD_MAX_ERRS);

		for (int i = 0; i < nb; i++) {
			err_add(e, "%s", berrs[i]);
			free(berrs[i]);
		}
	}
	reconcile_assocs(core, ntp, e);
	for (struct assoc *p = core->assocs; p; p = p->next) {
		const char *why = auth_assoc_problem(p);

		if (why)
			err_add(e, "%s: authentication key %u %s", p->addr_text,
				(unsigned)p->opts.keyid, why);
	}
	sock_sweep(core);
	/* Dynamic associations whose socket closed go too. */
	for (struct assoc *p = core->assocs, *next; p; p = next) {
		next = p->next;
		if (p->dynamic && !p->sock)
			assoc_free(p);
	}
	sys_select(core);
}

static void run_reconcile(struct ntpd *core, char **errs, int max_errs, int *n)
{
	struct errs e = { .v = core->op_errs, .max = NTPD_MAX_ERRS, .n = 0 };

	for (int i = 0; i < core->n_op_errs; i++)
		free(core->op_errs[i]);
	core->n_op_errs = 0;
	reconcile(core, &e);
	core->n_op_errs = e.n;
	*n = 0;
	for (int i = 0; errs && i < e.n && i < max_errs; i++)
		errs[(*n)++] = xstrdup(core->op_errs[i]);
}

void ntpd_reconcile(struct ntpd *core)
{
	int n;

	run_reconcile(core, NULL, 0, &n);
}

int ntpd_apply_config(struct ntpd *core, const Config *cfg, char **errs, int max_errs)
{
	Config *copy = NULL;
	int n;

	if (cfg) {
		size_t len = protobuf_c_message_get_packed_size(&cfg->base);
		uint8_t *buf = xmalloc(len ? len : 1);

		protobuf_c_message_pack(&cfg->base, buf);
		copy = config__unpack(NULL, len, buf);
		free(buf);
		if (!copy)
			log_err("cannot copy the configuration");
	}
	if (core->cfg)
		config__free_unpacked(core->cfg, NULL);
	core->cfg = copy;
	core->acl_gen++;
	run_reconcile(core, errs, max_errs, &n);
	return n;
}

int ntpd_apply_changes(struct ntpd *core, const Config *cfg, const char *const *changed,
		       size_t n_changed, char **errs, int max_errs)
{
	int n;

	if (!core->cfg || !cfg || !changed)
		return ntpd_apply_config(core, cfg, errs, max_errs);
	for (size_t i = 0; i < n_changed; i++) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(&config__descriptor,
								       changed[i]);

		if (f == NULL)
			continue;
		/* The access levels (in ntp) name ACLs by number and are set
		 * at every reconciliation: only the ACLs' own change compiles
		 * them again. */
		if (strcmp(f->name, "acl") == 0 || strcmp(f->name, "acl6") == 0)
			core->acl_gen++;
		pbr_field_copy(&core->cfg->base, &cfg->base, f);
	}
	run_reconcile(core, errs, max_errs, &n);
	return n;
}

/* The problems of the last reconciliation again, as copies for cfgd. */
static int op_errs_copy(const struct ntpd *core, char **errs, int max_errs)
{
	int n = 0;

	for (int i = 0; errs && i < core->n_op_errs && n < max_errs; i++)
		errs[n++] = xstrdup(core->op_errs[i]);
	return n;
}

/* Empty acl and acl6 of the kept configuration: read by path from now on,
 * a copy would only go stale (they are compiled in core->access). */
static void drop_acls(struct ntpd *core)
{
	if (core->cfg && (core->cfg->n_acl || core->cfg->n_acl6)) {
		pbr_field_clear(&core->cfg->base, protobuf_c_message_descriptor_get_field_by_name(
					&config__descriptor, "acl"));
		pbr_field_clear(&core->cfg->base, protobuf_c_message_descriptor_get_field_by_name(
					&config__descriptor, "acl6"));
	}
}

int ntpd_apply_objects(struct ntpd *core, const Config *cfg, const struct ct_node *tree,
		       const struct cfgsub_change *ch, size_t n_ch, char **errs, int max_errs)
{
	bool fields[16] = { false }, other = false;   /* by index in config__descriptor */
	size_t max_fields = sizeof(fields) / sizeof(fields[0]);
	int n;

	if (!core->cfg || !cfg || !tree || !ch) {
		n = ntpd_apply_config(core, cfg, errs, max_errs);
		if (tree)
			drop_acls(core);
		return n;
	}
	drop_acls(core);
	for (size_t i = 0; i < n_ch; i++) {
		const ProtobufCFieldDescriptor *f;

		if (ch[i].n_path == 0)
			continue;
		if (strcmp(ch[i].path[0], "acl") == 0 || strcmp(ch[i].path[0], "acl6") == 0) {
			access_acl_changed(core, tree, ch[i].path, ch[i].n_path);
			continue;
		}
		f = protobuf_c_message_descriptor_get_field_by_name(&config__descriptor,
								    ch[i].path[0]);
		if (f && (size_t)(f - config__descriptor.fields) < max_fields)
			fields[f - config__descriptor.fields] = true;
		other = true;
	}
	if (!other)   /* only ACLs: in force already; nothing else to redo */
		return op_errs_copy(core, errs, max_errs);
	for (unsigned i = 0; i < config__descriptor.n_fields && i < max_fields; i++)
		if (fields[i])
			pbr_field_copy(&core->cfg->base, &cfg->base, &config__descriptor.fields[i]);
	run_reconcile(core, errs, max_errs, &n);
	return n;
}

void ntpd_apply_ifstates(struct ntpd *core, const IfStates *st)
{
	int n;

	for (size_t i = 0; i < core->n_ifs; i++)
		free(core->ifs[i].name);
	free(core->ifs);
	core->ifs = NULL;
	core->n_ifs = 0;
	if (st && st->n_interface) {
		core->ifs = xcalloc(st->n_interface, sizeof(*core->ifs));
		for (size_t i = 0; i < st->n_interface; i++) {
			const IfState *is = st->interface[i];
			struct ntpd_if *nif = &core->ifs[core->n_ifs];
			struct naddr a;

			if (!is || !is->name)
				continue;
			nif->name = xstrdup(is->name);
			if (is->primary_ipv4 && naddr_parse(is->primary_ipv4, &a) == 0 &&
			    a.family == AF_INET)
				nif->addr = a.v4.s_addr;
			for (size_t k = 0; k < is->n_ipv6 && !naddr_isset(&nif->addr6); k++)
				if (is->ipv6[k] && naddr_parse(is->ipv6[k], &a) == 0 &&
				    a.family == AF_INET6)
					nif->addr6 = a;
			if (is->has_ifindex && is->ifindex && is->ipv6_link_local &&
			    naddr_parse(is->ipv6_link_local, &a) == 0 && naddr_is_linklocal(&a))
				nif->ll6 = naddr_scoped(&a, is->ifindex);
			/* ifmgrd always sets both; a state without them says
			 * nothing, so it is not taken as down. */
			core->ifs[core->n_ifs].up = !is->has_oper_up || is->oper_up;
			core->ifs[core->n_ifs].absent = is->has_ifindex && !is->ifindex;
			snprintf(nif->vpn, sizeof(nif->vpn), "%s",
				 is->vpn_instance ? is->vpn_instance : "");
			core->ifs[core->n_ifs].ifindex = is->has_ifindex ? is->ifindex : 0;
			core->n_ifs++;
		}
	}
	if_index(core);
	vpn_apply_states(core, st);
	run_reconcile(core, NULL, 0, &n);
}
