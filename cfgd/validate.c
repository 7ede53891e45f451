/*
 * validate.c: what a configuration must mean, as sentences for a person.
 *
 * Ranges chosen where the manuals are silent (also in proto/config.proto):
 *   sysname           1..246 printable characters, no spaces (VRP)
 *   clock timezone    name 1..32 printable characters, no spaces; offset
 *                     within 18:59:59 either way (VRP: HH 0..18)
 *   description       1..242 characters
 *   interface address unicast host address: not 0/8, 127/8, 224/4 (multicast)
 *                     or 240/4 (incl. 255.255.255.255), not the network or
 *                     broadcast address of its own subnet unless /31 or /32;
 *                     mask length 1..32; no two addresses in overlapping
 *                     subnets in one VPN instance (on two interfaces, or a
 *                     sub address and another address of its own; the
 *                     same subnet in two instances is allowed); sub
 *                     addresses (at most
 *                     VALIDATE_SUB_MAX) only with a primary
 *   interface MTU     46..9600 (VRP's Ethernet range), none on a LoopBack
 *   interface IPv6    `ipv6 enable`, `ipv6 address`: see validate_if6.c
 *   NTP association   IPv4 literal that is a unicast host address: not 0/8,
 *                     224/4, 240/4, 127.127/16 (the local reference clock),
 *                     nor the network or broadcast address of a configured
 *                     interface's subnet; or a domain name (domain = true,
 *                     RFC 1123 labels) or an IPv6 literal (ipv6 = true: not
 *                     ::, not ff00::/8; a link-local one, fe80::/10, needs
 *                     the interface that scopes it: its own source_interface
 *                     or ntp.ipv6_source_interface, so `undo ntp-service
 *                     ipv6 source-interface` is refused while such an
 *                     association relies on it); version 1..4; key id
 *                     1..4294967295; minpoll and maxpoll 3..17 with
 *                     minpoll <= maxpoll (absent ones count as their
 *                     defaults 6 and 10); port 1..65535; burst/iburst only
 *                     for servers; one in Ntp.vpn names a VPN instance
 *                     that exists (validate_vpn.c), one in the public
 *                     lists none; a source interface that exists, in the
 *                     association's instance (or the public network)
 *   global source     the interfaces exist; with `vpn-instance V` the
 *   interfaces        interface is bound to V (validate_vpn.c)
 *   VPN instances     see validate_vpn.c
 *   refclock master   127.127.1.u with u 0..3; stratum 1..15
 *   unsync polling    max_poll_interval 1..17 (log2 s; ntpd defaults to 1, 2 s),
 *                     dec_step 1..16
 *   NTP broadcast/    (interface view) version 1..4; key id 1..4294967295;
 *   multicast         port 1..65535; ttl 1..255; a group is a multicast
 *                     address (224.0.0.1..239.255.255.255)
 *   user-interface    VTY line numbers 0..63 (clid's most lines), written
 *                     without leading zeros; screen-length 0..512 (VRP)
 * Every sentence names its object (the interface, the server), so the
 * problems of two configurations compare as strings (validate_change).
 * Commit-time cross references: none beyond the above today; they belong in
 * check_commit().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bootstrap.h"
#include "log.h"
#include "validate.h"

#define NTP_DEFAULT_MINPOLL 6
#define NTP_DEFAULT_MAXPOLL 10
#define CLOCK_TZ_MAX_OFFSET (18 * 3600 + 59 * 60 + 59)

void validate_add(struct validate_list *l, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	l->msg = xrealloc(l->msg, (l->n + 1) * sizeof(*l->msg));
	l->msg[l->n++] = xstrdup(buf);
}

void validate_list_free(struct validate_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->msg[i]);
	free(l->msg);
	l->msg = NULL;
	l->n = 0;
}

static bool printable_no_space(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char)*s))
			return false;
	return true;
}

/* Host-order IPv4 address, or false if s is not a dotted quad. */
static bool parse_v4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static uint32_t mask_of(uint32_t prefix)
{
	return prefix == 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
}

/* Not 0/8, not multicast 224/4, not class E 240/4 (255.255.255.255 included). */
static bool v4_unicast(uint32_t a)
{
	return (a >> 24) != 0 && (a >> 28) != 0xe && (a >> 28) != 0xf;
}

static void check_system(const System *sys, struct validate_list *l)
{
	if (sys && sys->sysname && !printable_no_space(sys->sysname, 246))
		validate_add(l, "The system name must be 1 to 246 printable characters without "
		    "spaces.");
	if (sys && sys->clock_timezone) {
		const ClockTimezone *tz = sys->clock_timezone;

		if (!tz->name || !printable_no_space(tz->name, 32))
			validate_add(l, "The time zone name must be 1 to 32 printable characters "
				     "without spaces.");
		if (!tz->has_offset || tz->offset > CLOCK_TZ_MAX_OFFSET ||
		    tz->offset < -CLOCK_TZ_MAX_OFFSET)
			validate_add(l, "The time zone offset must be 00:00:00 to 18:59:59.");
	}
}

/* A multicast group: 224/4 but not 224.0.0.0. */
static bool v4_group(const char *s)
{
	uint32_t a;

	return parse_v4(s, &a) && (a >> 28) == 0xe && a != 0xe0000000u;
}

/* `ntp-service broadcast-server|multicast-server|multicast-client` options. */
static void check_interface_ntp(const Interface *ifc, const char *name, struct validate_list *l)
{
	const NtpBroadcastServer *bs = ifc->ntp_broadcast_server;
	const NtpMulticastServer *ms = ifc->ntp_multicast_server;
	const NtpMulticastClient *mc = ifc->ntp_multicast_client;

	if (bs) {
		if (bs->has_version && (bs->version < 1 || bs->version > 4))
			validate_add(l, "The NTP version of the broadcast server on interface %s "
			    "must be 1 to 4.", name);
		if (bs->has_authentication_keyid && bs->authentication_keyid == 0)
			validate_add(l, "The authentication key ID of the NTP broadcast server "
			    "on interface %s must be 1 to 4294967295.", name);
		if (bs->has_port && (bs->port < 1 || bs->port > 65535))
			validate_add(l, "The port of the NTP broadcast server on interface %s "
			    "must be 1 to 65535.", name);
	}
	if (ms) {
		if (ms->group && !v4_group(ms->group))
			validate_add(l, "The NTP multicast group %s on interface %s is not a "
			    "multicast address.", ms->group, name);
		if (ms->has_version && (ms->version < 1 || ms->version > 4))
			validate_add(l, "The NTP version of the multicast server on interface %s "
			    "must be 1 to 4.", name);
		if (ms->has_authentication_keyid && ms->authentication_keyid == 0)
			validate_add(l, "The authentication key ID of the NTP multicast server "
			    "on interface %s must be 1 to 4294967295.", name);
		if (ms->has_ttl && (ms->ttl < 1 || ms->ttl > 255))
			validate_add(l, "The TTL of the NTP multicast server on interface %s "
			    "must be 1 to 255.", name);
		if (ms->has_port && (ms->port < 1 || ms->port > 65535))
			validate_add(l, "The port of the NTP multicast server on interface %s "
			    "must be 1 to 65535.", name);
	}
	if (mc && mc->group && !v4_group(mc->group))
		validate_add(l, "The NTP multicast group %s on interface %s is not a multicast "
		    "address.", mc->group, name);
}

#define VALIDATE_SUB_MAX 255    /* IPv4 sub addresses per interface (VRP's) */
#define VALIDATE_MTU_MIN 46     /* `mtu` of an Ethernet interface (VRP's range) */
#define VALIDATE_MTU_MAX 9600

/* One IPv4 address, primary or sub: its checks on its own. */
static void check_v4_address(const Ipv4Address *ad, const char *name, struct validate_list *l)
{
	uint32_t a;

	if (!parse_v4(ad->address, &a)) {
		validate_add(l, "The address %s of interface %s is not a valid IPv4 "
		    "address.", ad->address ? ad->address : "", name);
		return;
	}
	if (ad->prefix_len < 1 || ad->prefix_len > 32) {
		validate_add(l, "The address %s/%u of interface %s has an invalid mask "
		    "length: it must be 1 to 32.", ad->address, ad->prefix_len, name);
		return;
	}
	if (!v4_unicast(a) || (a >> 24) == 127) {
		validate_add(l, "The address %s of interface %s is not a valid unicast "
		    "host address.", ad->address, name);
		return;
	}
	if (ad->prefix_len < 31) {
		uint32_t m = mask_of(ad->prefix_len);

		if ((a & ~m) == 0)
			validate_add(l, "The address %s/%u of interface %s is the "
			    "network address of its subnet.", ad->address, ad->prefix_len,
			    name);
		else if ((a & ~m) == ~m)
			validate_add(l, "The address %s/%u of interface %s is the "
			    "broadcast address of its subnet.", ad->address, ad->prefix_len,
			    name);
	}
}

/* Every well-formed IPv4 address of the interfaces, primaries and subs, with
 * its position in configuration order. */
struct v4_entry {
	const Ipv4Address *ad;
	const char *name;
	const char *vpn;        /* the interface's VPN instance, "" for the public network */
	uint32_t net, last;     /* the subnet's first and last address */
	size_t order;
};

static void v4_collect(const Interface *ifc, const Ipv4Address *ad, struct v4_entry **v,
		       size_t *n, size_t *cap)
{
	uint32_t a, m;

	if (!ad || !parse_v4(ad->address, &a) || ad->prefix_len < 1 || ad->prefix_len > 32)
		return;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	m = mask_of(ad->prefix_len);
	(*v)[*n] = (struct v4_entry){ ad, ifc->name ? ifc->name : "",
				      ifc->vpn_instance ? ifc->vpn_instance : "", a & m,
				      (a & m) | ~m, *n };
	(*n)++;
}

/* By VPN instance, then by subnet: first address, then the wider subnet
 * first, then config order. */
static int by_subnet(const void *x, const void *y)
{
	const struct v4_entry *a = x, *b = y;
	int r = strcasecmp(a->vpn, b->vpn);

	if (r != 0)
		return r;
	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	if (a->ad->prefix_len != b->ad->prefix_len)
		return a->ad->prefix_len < b->ad->prefix_len ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

struct v4_pair {
	const struct v4_entry *later, *earlier;
};

static int by_order(const void *x, const void *y)
{
	const struct v4_pair *a = x, *b = y;

	if (a->later->order != b->later->order)
		return a->later->order < b->later->order ? -1 : 1;
	return a->earlier->order < b->earlier->order ? -1 : a->earlier->order > b->earlier->order;
}

/* Overlapping subnets in one VPN instance, between interfaces or on one (a
 * sub address in its primary's subnet): each pair once, the later address
 * first, in configuration order.  Two CIDR subnets overlap only when one
 * holds the other, so after sorting by instance and subnet the ones holding
 * an address's subnet are the stack of nested subnets still open there
 * (emptied where the instance changes): O(n log n) plus the pairs, which a
 * paste of thousands of interfaces needs on every edit. */
static void check_overlaps(const Config *c, struct validate_list *l)
{
	struct v4_entry *v = NULL, **stack;
	struct v4_pair *pairs = NULL;
	size_t n = 0, cap = 0, depth = 0, np = 0, pcap = 0;

	for (size_t i = 0; i < c->n_interface; i++) {
		v4_collect(c->interface[i], c->interface[i]->address, &v, &n, &cap);
		for (size_t k = 0; k < c->interface[i]->n_sub_address; k++)
			v4_collect(c->interface[i], c->interface[i]->sub_address[k], &v, &n, &cap);
	}
	if (n < 2) {
		free(v);
		return;
	}
	qsort(v, n, sizeof(*v), by_subnet);
	stack = xcalloc(n, sizeof(*stack));
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcasecmp(v[i - 1].vpn, v[i].vpn) != 0)
			depth = 0;
		while (depth > 0 && stack[depth - 1]->last < v[i].net)
			depth--;
		for (size_t k = 0; k < depth; k++) {
			if (np == pcap) {
				pcap = pcap ? 2 * pcap : 16;
				pairs = xrealloc(pairs, pcap * sizeof(*pairs));
			}
			pairs[np].later = stack[k]->order > v[i].order ? stack[k] : &v[i];
			pairs[np].earlier = stack[k]->order > v[i].order ? &v[i] : stack[k];
			np++;
		}
		stack[depth++] = &v[i];
	}
	if (np > 1)
		qsort(pairs, np, sizeof(*pairs), by_order);
	for (size_t i = 0; i < np; i++)
		validate_add(l, "The address %s/%u of interface %s overlaps with the address "
		    "%s/%u of interface %s.", pairs[i].later->ad->address,
		    pairs[i].later->ad->prefix_len, pairs[i].later->name,
		    pairs[i].earlier->ad->address, pairs[i].earlier->ad->prefix_len,
		    pairs[i].earlier->name);
	free(pairs);
	free(stack);
	free(v);
}

/* A name the bootstrap maps, or a LoopBack (which needs no mapping). */
static bool interface_exists(const struct bootstrap *bs, const char *name)
{
	return bootstrap_interface(bs, name) != NULL || bootstrap_is_loopback(name);
}

static int itf_name_cmp(const void *a, const void *b)
{
	const Interface *x = *(const Interface *const *)a, *y = *(const Interface *const *)b;
	int c = strcasecmp(x->name ? x->name : "", y->name ? y->name : "");

	return c ? c : (x > y) - (x < y);
}

/* Names configured more than once, by sorting (thousands of interfaces):
 * one message for each further entry, as a pairwise scan gave. */
static void check_interface_dups(const Config *c, struct validate_list *l)
{
	const Interface **v;

	if (c->n_interface < 2)
		return;
	v = xcalloc(c->n_interface, sizeof(*v));
	memcpy(v, c->interface, c->n_interface * sizeof(*v));
	qsort(v, c->n_interface, sizeof(*v), itf_name_cmp);
	for (size_t i = 1; i < c->n_interface; i++)
		if (v[i]->name && v[i - 1]->name && strcasecmp(v[i]->name, v[i - 1]->name) == 0)
			validate_add(l, "The interface %s is configured more than once.",
			    v[i]->name);
	free(v);
}

static void check_interfaces(const Config *c, const struct bootstrap *bs, struct validate_list *l)
{
	check_interface_dups(c, l);
	for (size_t i = 0; i < c->n_interface; i++) {
		const Interface *ifc = c->interface[i];
		const char *name = ifc->name ? ifc->name : "";
		const Ipv4Address *ad = ifc->address;

		if (!interface_exists(bs, name))
			validate_add(l, "The interface %s does not exist.", name);
		if (ifc->description && (ifc->description[0] == '\0' || strlen(ifc->description) > 242))
			validate_add(l, "The description of interface %s must be 1 to 242 "
			    "characters.", name);
		check_interface_ntp(ifc, name, l);
		if (ad)
			check_v4_address(ad, name, l);
		for (size_t k = 0; k < ifc->n_sub_address; k++)
			check_v4_address(ifc->sub_address[k], name, l);
		if (ifc->n_sub_address > VALIDATE_SUB_MAX)
			validate_add(l, "The interface %s has more than %d sub addresses.", name,
			    VALIDATE_SUB_MAX);
		if (ifc->has_mtu && bootstrap_is_loopback(name))
			validate_add(l, "The MTU of LoopBack interface %s cannot be set.", name);
		else if (ifc->has_mtu && (ifc->mtu < VALIDATE_MTU_MIN || ifc->mtu > VALIDATE_MTU_MAX))
			validate_add(l, "The MTU of interface %s must be %d to %d.", name,
			    VALIDATE_MTU_MIN, VALIDATE_MTU_MAX);
		if (ifc->n_sub_address > 0 && ad == NULL)
			validate_add(l, "The interface %s has sub addresses but no primary "
			    "address.", name);
	}
	check_overlaps(c, l);
}

/* RFC 1123 host name: labels of letters, digits and '-', 1..63 each, not
 * starting or ending with '-', 253 characters in all. */
static bool valid_domain(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i <= len; i++) {
		char ch = s[i];

		if (ch == '.' || ch == '\0') {
			if (label == 0) {
				if (ch == '\0' && i > 0 && s[i - 1] == '.')
					return true;    /* trailing dot of an absolute name */
				return false;
			}
			if (s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)ch) && ch != '-')
			return false;
		if (label == 0 && ch == '-')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

static bool nonempty(const char *s)
{
	return s && *s;
}

static void check_assoc_address(const Config *c, const NtpAssociation *as, const char *kind,
				const char *vpn, struct validate_list *l)
{
	const char *addr = as->address ? as->address : "";
	uint32_t a;

	if (as->has_domain && as->domain) {
		if (!valid_domain(addr))
			validate_add(l, "The NTP %s domain name %s is invalid.", kind, addr);
		return;
	}
	if (as->has_ipv6 && as->ipv6) {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, addr, &a6) != 1)
			validate_add(l, "The NTP %s address %s is not a valid IPv6 address.", kind,
			    addr);
		else if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_MULTICAST(&a6))
			validate_add(l, "The NTP %s address %s is not a unicast host address.",
			    kind, addr);
		else if (IN6_IS_ADDR_LINKLOCAL(&a6) && !nonempty(as->source_interface) &&
			 !(c->ntp && nonempty(c->ntp->ipv6_source_interface)))
			validate_add(l, "The NTP %s address %s is a link-local address and needs an "
			    "interface: specify source-interface, or configure ntp-service ipv6 "
			    "source-interface first.", kind, addr);
		return;
	}
	if (!parse_v4(addr, &a)) {
		validate_add(l, "The NTP %s address %s is not a valid IPv4 address.", kind, addr);
		return;
	}
	if ((a >> 16) == 0x7f7f) {
		validate_add(l, "The NTP %s address %s is the local reference clock's "
		    "(127.127.x.x) and cannot be used.", kind, addr);
		return;
	}
	if (!v4_unicast(a)) {
		validate_add(l, "The NTP %s address %s is not a unicast host address.", kind, addr);
		return;
	}
	for (size_t i = 0; i < c->n_interface; i++) {
		const Ipv4Address *ad = c->interface[i]->address;
		const char *ivpn = c->interface[i]->vpn_instance;
		uint32_t b, m;

		if (!ad || !parse_v4(ad->address, &b) || ad->prefix_len < 1 || ad->prefix_len >= 31)
			continue;
		if (strcasecmp(ivpn ? ivpn : "", vpn ? vpn : "") != 0)
			continue;     /* another instance's subnet */
		m = mask_of(ad->prefix_len);
		if ((a & m) != (b & m))
			continue;
		if ((a & ~m) == 0)
			validate_add(l, "The NTP %s address %s is the network address of the "
			    "subnet of interface %s.", kind, addr, c->interface[i]->name);
		else if ((a & ~m) == ~m)
			validate_add(l, "The NTP %s address %s is the broadcast address of the "
			    "subnet of interface %s.", kind, addr, c->interface[i]->name);
	}
}

/* `ntp-service [ ipv6 ] source-interface IF vpn-instance V`: V exists and
 * IF is bound to it. */
static void check_srcif_vpn(const Config *c, const char *ifname, const char *vpn,
			    const char *family, struct validate_list *l)
{
	char what[128];

	if (!vpn)
		return;
	if (!ifname) {
		validate_add(l, "The VPN instance %s of the NTP %ssource interface is given "
		    "without a source interface.", vpn, family);
		return;
	}
	snprintf(what, sizeof(what), "the NTP %ssource interface %s", family, ifname);
	if (validate_vpn_ref(c, vpn, what, l) &&
	    strcasecmp(validate_vpn_of_interface(c, ifname), vpn) != 0)
		validate_add(l, "The NTP %ssource interface %s is not bound to VPN instance %s.",
		    family, ifname, vpn);
}

/* One server or peer; vpn: the instance of its list (NULL: the public
 * network's lists). */
static void check_assoc(const Config *c, const struct bootstrap *bs, const NtpAssociation *as,
			bool server, const char *vpn, struct validate_list *l)
{
	const char *kind = server ? "server" : "peer";
	const char *addr = as->address ? as->address : "";
	uint32_t minp = as->has_minpoll ? as->minpoll : NTP_DEFAULT_MINPOLL;
	uint32_t maxp = as->has_maxpoll ? as->maxpoll : NTP_DEFAULT_MAXPOLL;
	bool polls_ok = true;

	check_assoc_address(c, as, kind, vpn, l);
	if (as->has_version && (as->version < 1 || as->version > 4))
		validate_add(l, "The NTP version of %s %s must be 1 to 4.", kind, addr);
	if (as->has_authentication_keyid && as->authentication_keyid == 0)
		validate_add(l, "The authentication key ID of NTP %s %s must be 1 to 4294967295.",
		    kind, addr);
	if (as->has_minpoll && (as->minpoll < 3 || as->minpoll > 17)) {
		validate_add(l, "The minimum polling interval of NTP %s %s must be 3 to 17.", kind,
		    addr);
		polls_ok = false;
	}
	if (as->has_maxpoll && (as->maxpoll < 3 || as->maxpoll > 17)) {
		validate_add(l, "The maximum polling interval of NTP %s %s must be 3 to 17.", kind,
		    addr);
		polls_ok = false;
	}
	if (polls_ok && minp > maxp)
		validate_add(l, "The minimum polling interval (%u) of NTP %s %s is greater than "
		    "the maximum polling interval (%u).", minp, kind, addr, maxp);
	if (as->has_port && (as->port < 1 || as->port > 65535))
		validate_add(l, "The port of NTP %s %s must be 1 to 65535.", kind, addr);
	if (!server && ((as->has_burst && as->burst) || (as->has_iburst && as->iburst)))
		validate_add(l, "The burst and iburst options apply only to NTP servers, not to "
		    "peer %s.", addr);
	if (as->vpn_instance && (!vpn || strcasecmp(as->vpn_instance, vpn) != 0))
		validate_add(l, "The NTP %s %s names VPN instance %s outside that instance's "
		    "list.", kind, addr, as->vpn_instance);
	if (as->source_interface && !interface_exists(bs, as->source_interface))
		validate_add(l, "The source interface %s of NTP %s %s does not exist.",
		    as->source_interface, kind, addr);
	else if (as->source_interface &&
		 strcasecmp(validate_vpn_of_interface(c, as->source_interface), vpn ? vpn : "") != 0)
		validate_add(l, "The source interface %s of NTP %s %s is not in %s%s.",
		    as->source_interface, kind, addr, vpn ? "VPN instance " : "the public network",
		    vpn ? vpn : "");
}

void validate_assoc_list(const Config *c, const struct bootstrap *bs, NtpAssociation **v,
			 size_t n, bool server, const char *vpn, struct validate_list *l)
{
	for (size_t i = 0; i < n; i++) {
		const char *addr = v[i]->address ? v[i]->address : "";

		check_assoc(c, bs, v[i], server, vpn, l);
		for (size_t k = 0; k < i; k++)
			if (v[k]->address && strcasecmp(v[k]->address, addr) == 0)
				validate_add(l, "The NTP %s %s is configured more than once.",
				    server ? "server" : "peer", addr);
	}
}

static void check_ntp(const Config *c, const struct bootstrap *bs, struct validate_list *l)
{
	const Ntp *ntp = c->ntp;

	if (ntp == NULL)
		return;
	if (ntp->refclock_master) {
		const NtpRefclockMaster *rm = ntp->refclock_master;
		uint32_t a;

		if (rm->address && (!parse_v4(rm->address, &a) || (a & 0xffffff00u) != 0x7f7f0100u ||
				    (a & 0xff) > 3))
			validate_add(l, "The reference clock address %s is invalid: it must be "
			    "127.127.1.0 to 127.127.1.3.", rm->address);
		if (rm->has_stratum && (rm->stratum < 1 || rm->stratum > 15))
			validate_add(l, "The stratum of the local reference clock must be 1 to "
			    "15.");
	}
	if (ntp->server_source_interface && !interface_exists(bs, ntp->server_source_interface))
		validate_add(l, "The NTP server source interface %s does not exist.",
		    ntp->server_source_interface);
	if (ntp->source_interface && !interface_exists(bs, ntp->source_interface))
		validate_add(l, "The NTP source interface %s does not exist.",
		    ntp->source_interface);
	if (ntp->ipv6_source_interface && !interface_exists(bs, ntp->ipv6_source_interface))
		validate_add(l, "The NTP IPv6 source interface %s does not exist.",
		    ntp->ipv6_source_interface);
	check_srcif_vpn(c, ntp->source_interface, ntp->source_interface_vpn_instance, "", l);
	check_srcif_vpn(c, ntp->ipv6_source_interface, ntp->ipv6_source_interface_vpn_instance,
			"IPv6 ", l);
	validate_assoc_list(c, bs, ntp->unicast_server, ntp->n_unicast_server, true, NULL, l);
	validate_assoc_list(c, bs, ntp->unicast_peer, ntp->n_unicast_peer, false, NULL, l);
	if (ntp->unsync) {
		if (ntp->unsync->has_max_poll_interval &&
		    (ntp->unsync->max_poll_interval < 1 || ntp->unsync->max_poll_interval > 17))
			validate_add(l, "The maximum polling interval while unsynchronized must "
			    "be 1 to 17.");
		if (ntp->unsync->has_dec_step &&
		    (ntp->unsync->dec_step < 1 || ntp->unsync->dec_step > 16))
			validate_add(l, "The decrement step of the unsynchronized polling "
			    "interval must be 1 to 16.");
	}
}

/* Cross references that an edit may leave pending but a commit may not.
 * None today: every reference is to the bootstrap's interfaces, checked per
 * edit.  Authentication keys and ACLs will land here. */
static void check_user_interface(const UserInterface *ui, struct validate_list *l)
{
	for (size_t i = 0; ui && i < ui->n_vty; i++) {
		const VtyLine *v = ui->vty[i];
		const char *n = v->number ? v->number : "";
		bool ok = n[0] && strlen(n) <= 2 && (n[0] != '0' || !n[1]);

		for (const char *p = n; ok && *p; p++)
			ok = isdigit((unsigned char)*p);
		if (!ok || atoi(n) > 63) {
			validate_add(l, "The VTY number %s is out of range (0 to 63).", n);
			continue;
		}
		if (v->has_screen_length && v->screen_length > 512)
			validate_add(l, "The screen-length %u of VTY %s is out of range (0 to 512).",
				     v->screen_length, n);
	}
}

static void check_commit(const Config *c, const struct bootstrap *bs, struct validate_list *l)
{
	(void)c;
	(void)bs;
	(void)l;
}

void validate_config(const Config *cfg, const struct bootstrap *bs, enum validate_phase phase,
		     struct validate_list *out)
{
	if (cfg == NULL)
		return;
	check_system(cfg->system, out);
	check_interfaces(cfg, bs, out);
	check_ntp(cfg, bs, out);
	validate_ntp_security(cfg, phase, out);   /* validate_auth.c */
	validate_if6(cfg, out);                   /* validate_if6.c */
	check_user_interface(cfg->user_interface, out);
	validate_aaa(cfg, out);                   /* validate_aaa.c */
	validate_ssh(cfg, out);                   /* validate_ssh.c */
	validate_vpn(cfg, bs, out);               /* validate_vpn.c */
	if (phase == VALIDATE_COMMIT)
		check_commit(cfg, bs, out);
}

int validate_change(const Config *before, const Config *after, const struct bootstrap *bs,
		    enum validate_phase phase, char *err, size_t errlen)
{
	struct validate_list old = { 0 }, now = { 0 };
	int rc = 0;

	validate_config(after, bs, phase, &now);
	if (now.n)
		validate_config(before, bs, phase, &old);
	for (size_t i = 0; i < now.n && rc == 0; i++) {
		bool known = false;

		for (size_t k = 0; k < old.n && !known; k++)
			known = strcmp(old.msg[k], now.msg[i]) == 0;
		if (!known) {
			snprintf(err, errlen, "%s", now.msg[i]);
			rc = -EINVAL;
		}
	}
	validate_list_free(&old);
	validate_list_free(&now);
	return rc;
}

static void canon(char **name, const struct bootstrap *bs)
{
	const struct bs_interface *bi;

	if (*name && bootstrap_is_loopback(*name)) {
		memcpy(*name, "LoopBack", 8);   /* the type's own spelling */
		return;
	}
	if (*name == NULL || (bi = bootstrap_interface(bs, *name)) == NULL)
		return;
	if (strcmp(*name, bi->name) != 0) {
		free(*name);
		*name = xstrdup(bi->name);
	}
}

void validate_canonicalize(Config *cfg, const struct bootstrap *bs)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_interface; i++)
		canon(&cfg->interface[i]->name, bs);
	if (cfg->ntp == NULL)
		return;
	canon(&cfg->ntp->server_source_interface, bs);
	canon(&cfg->ntp->source_interface, bs);
	canon(&cfg->ntp->ipv6_source_interface, bs);
	for (size_t i = 0; i < cfg->ntp->n_unicast_server; i++)
		canon(&cfg->ntp->unicast_server[i]->source_interface, bs);
	for (size_t i = 0; i < cfg->ntp->n_unicast_peer; i++)
		canon(&cfg->ntp->unicast_peer[i]->source_interface, bs);
	for (size_t v = 0; v < cfg->ntp->n_vpn; v++) {
		const NtpVpn *nv = cfg->ntp->vpn[v];

		for (size_t i = 0; i < nv->n_unicast_server; i++)
			canon(&nv->unicast_server[i]->source_interface, bs);
		for (size_t i = 0; i < nv->n_unicast_peer; i++)
			canon(&nv->unicast_peer[i]->source_interface, bs);
	}
}
