/*
 * validate_if6.c: the IPv6 settings of interfaces (`ipv6 enable`,
 * `ipv6 address X/LEN`), as sentences for a person (see validate.h).
 *
 * Rules (VRP where its manuals say, ours where they are silent):
 *   - an address is stored as canonical inet_ntop text (lowercase, the list
 *     key); any other spelling is refused, so one address has one key;
 *   - it is a global unicast address: not ::, ::1, multicast ff00::/8,
 *     link-local fe80::/10 or IPv4-mapped ::ffff:0:0/96;
 *   - prefix length 1..128, and 128 only on a loopback interface (VRP:
 *     "An IPv6 address with a 128-bit prefix can be configured only on a
 *     loopback interface");
 *   - at most VALIDATE_IF6_MAX addresses per interface (VRP allows many;
 *     16 is our cap, the same as clid's and ifmgrd's);
 *   - `ipv6 address` needs `ipv6 enable` on the interface (VRP refuses it).
 *     The sentence "Please enable IPv6 on interface X first." is our
 *     wording.  The same problem arises from `undo ipv6 enable` while
 *     addresses remain: that is refused too (we do not know for sure that
 *     VRP removes the addresses with it), and clid says so in its own
 *     words before asking cfgd;
 *   - the same address on two interfaces, or prefixes of two interfaces
 *     that overlap, are refused, as check_interfaces() in validate.c does
 *     for IPv4.  Several addresses of one interface may share a prefix.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "validate.h"

bool validate_if6_global_unicast(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_LINKLOCAL(a) &&
	       !IN6_IS_ADDR_V4MAPPED(a);
}

static bool is_loopback_if(const char *name)
{
	return strncasecmp(name, "LoopBack", 8) == 0;
}

/* The address of a well-formed entry (canonical text, prefix 1..128). */
static bool entry_ok(const Ipv6Address *e, struct in6_addr *out)
{
	char canon[INET6_ADDRSTRLEN];

	if (!e || !e->address || inet_pton(AF_INET6, e->address, out) != 1)
		return false;
	if (!inet_ntop(AF_INET6, out, canon, sizeof(canon)) || strcmp(canon, e->address) != 0)
		return false;
	return e->prefix_len >= 1 && e->prefix_len <= 128;
}

/* Whether a and b agree on their first plen bits. */
static bool same_prefix(const struct in6_addr *a, const struct in6_addr *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a->s6_addr, b->s6_addr, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - bits));
	return (a->s6_addr[bytes] & m) == (b->s6_addr[bytes] & m);
}

static void check_one(const Interface *ifc, const char *name, struct validate_list *l)
{
	bool enabled = ifc->has_ipv6_enable && ifc->ipv6_enable;

	if (ifc->n_ipv6_address > VALIDATE_IF6_MAX)
		validate_add(l, "The number of IPv6 addresses of interface %s exceeds the upper "
		    "limit (%d).", name, VALIDATE_IF6_MAX);
	if (ifc->n_ipv6_address && !enabled)
		validate_add(l, "Please enable IPv6 on interface %s first.", name);
	for (size_t i = 0; i < ifc->n_ipv6_address; i++) {
		const Ipv6Address *e = ifc->ipv6_address[i];
		const char *text = e && e->address ? e->address : "";
		struct in6_addr a;
		char canon[INET6_ADDRSTRLEN];

		if (inet_pton(AF_INET6, text, &a) != 1) {
			validate_add(l, "The IPv6 address %s of interface %s is invalid.", text,
			    name);
			continue;
		}
		inet_ntop(AF_INET6, &a, canon, sizeof(canon));
		if (strcmp(canon, text) != 0) {
			validate_add(l, "The IPv6 address %s of interface %s is not in canonical "
			    "form (%s).", text, name, canon);
			continue;
		}
		if (!validate_if6_global_unicast(&a)) {
			validate_add(l, "The IPv6 address %s of interface %s is not a global "
			    "unicast address.", text, name);
			continue;
		}
		if (e->prefix_len < 1 || e->prefix_len > 128)
			validate_add(l, "The prefix length of IPv6 address %s of interface %s "
			    "must be 1 to 128.", text, name);
		else if (e->prefix_len == 128 && !is_loopback_if(name))
			validate_add(l, "The IPv6 address %s/128 of interface %s has a 128-bit "
			    "prefix, which only a loopback interface may have.", text, name);
	}
}

/* Addresses of interface x (index i) against those of every earlier
 * interface: each pair reported once, the later interface first. */
static void check_pairs(const Config *c, size_t i, struct validate_list *l)
{
	const Interface *x = c->interface[i];

	for (size_t p = 0; p < x->n_ipv6_address; p++) {
		const Ipv6Address *ex = x->ipv6_address[p];
		struct in6_addr a;

		if (!entry_ok(ex, &a))
			continue;
		for (size_t k = 0; k < i; k++) {
			const Interface *y = c->interface[k];

			if (!y || !y->name)
				continue;
			if (strcasecmp(x->vpn_instance ? x->vpn_instance : "",
				       y->vpn_instance ? y->vpn_instance : "") != 0)
				continue;   /* VPN instances are address spaces of their own */
			for (size_t q = 0; q < y->n_ipv6_address; q++) {
				const Ipv6Address *ey = y->ipv6_address[q];
				struct in6_addr b;
				unsigned plen;

				if (!entry_ok(ey, &b))
					continue;
				plen = ex->prefix_len < ey->prefix_len ? ex->prefix_len
								       : ey->prefix_len;
				if (memcmp(&a, &b, sizeof(a)) == 0)
					validate_add(l, "The IPv6 address %s of interface %s is "
					    "already configured on interface %s.", ex->address,
					    x->name, y->name);
				else if (same_prefix(&a, &b, plen))
					validate_add(l, "The IPv6 address %s/%u of interface %s "
					    "overlaps with the address %s/%u of interface %s.",
					    ex->address, ex->prefix_len, x->name, ey->address,
					    ey->prefix_len, y->name);
			}
		}
	}
}

void validate_if6(const Config *cfg, struct validate_list *out)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->n_interface; i++) {
		const Interface *ifc = cfg->interface[i];

		if (!ifc)
			continue;
		check_one(ifc, ifc->name ? ifc->name : "", out);
		if (ifc->name)
			check_pairs(cfg, i, out);
	}
}
