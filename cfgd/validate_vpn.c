/*
 * validate_vpn.c: VPN instances (`ip vpn-instance NAME`, clid/cmd_vpn.c),
 * the interfaces bound to them and the NTP servers and peers of each one.
 *
 *   name              1..31 printable characters without spaces, not
 *                     "_public_" (VRP's reserved name for the public network)
 *   route-distinguisher  only in an address family that is enabled; VRP's
 *                     three forms: ASN:NN (ASN 0..65535, NN 0..4294967295),
 *                     IPv4:NN and ASN4:NN (ASN4 65536..4294967295 or dotted
 *                     "x.y"), NN 0..65535; "0:0" is refused as on VRP
 *   binding           `ip binding vpn-instance V`: V exists, checked at each
 *                     edit (so `undo ip vpn-instance V` is refused while an
 *                     interface or an NTP association uses V)
 *   NTP (Ntp.vpn)     one element per instance that exists; its servers
 *                     and peers are checked as the public ones are
 *                     (validate_assoc_list), against their own instance's
 *                     subnets and interfaces
 * The sentences are ours (the manuals give none) and name the object.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "validate.h"

static const VpnInstance *find_vpn(const Config *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_vpn_instance; i++)
		if (c->vpn_instance[i]->name && !strcasecmp(c->vpn_instance[i]->name, name))
			return c->vpn_instance[i];
	return NULL;
}

bool validate_vpn_ref(const Config *c, const char *vpn, const char *what,
		      struct validate_list *l)
{
	if (find_vpn(c, vpn))
		return true;
	validate_add(l, "The VPN instance %s of %s does not exist.", vpn, what);
	return false;
}

const char *validate_vpn_of_interface(const Config *c, const char *ifname)
{
	for (size_t i = 0; c && i < c->n_interface; i++)
		if (c->interface[i]->name && !strcasecmp(c->interface[i]->name, ifname))
			return c->interface[i]->vpn_instance ? c->interface[i]->vpn_instance : "";
	return "";
}

/* A decimal number of at most max, the whole of s[0..n). */
static bool decimal(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return v <= max;
}

bool validate_route_distinguisher(const char *rd)
{
	const char *colon = rd ? strrchr(rd, ':') : NULL;
	unsigned long long hi, lo, x;
	char head[32];
	struct in_addr a;

	if (!colon || colon == rd || (size_t)(colon - rd) >= sizeof(head))
		return false;
	memcpy(head, rd, (size_t)(colon - rd));
	head[colon - rd] = '\0';
	if (decimal(head, strlen(head), 4294967295ull, &hi)) {
		if (!decimal(colon + 1, strlen(colon + 1), hi <= 65535 ? 4294967295ull : 65535, &lo))
			return false;
		return hi != 0 || lo != 0;
	}
	if (inet_pton(AF_INET, head, &a) == 1)
		return decimal(colon + 1, strlen(colon + 1), 65535, &lo);
	/* A 4-byte AS number in dotted notation, x.y (each 0..65535). */
	char *dot = strchr(head, '.');
	if (!dot || strchr(dot + 1, '.'))
		return false;
	return decimal(head, (size_t)(dot - head), 65535, &x) &&
	       decimal(dot + 1, strlen(dot + 1), 65535, &x) &&
	       decimal(colon + 1, strlen(colon + 1), 65535, &lo);
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 31 || !strcmp(n, "_public_"))
		return false;
	for (; *n; n++)
		if (!isgraph((unsigned char)*n))
			return false;
	return true;
}

static void check_family(const char *name, const char *fam, bool on, const char *rd,
			 struct validate_list *l)
{
	if (rd && !on)
		validate_add(l, "The route distinguisher of VPN instance %s is set without "
		    "the %s address family.", name, fam);
	else if (rd && !validate_route_distinguisher(rd))
		validate_add(l, "The route distinguisher %s of VPN instance %s is invalid.", rd,
		    name);
}

void validate_vpn(const Config *c, const struct bootstrap *bs, struct validate_list *l)
{
	for (size_t i = 0; i < c->n_vpn_instance; i++) {
		const VpnInstance *v = c->vpn_instance[i];
		const char *name = v->name ? v->name : "";

		if (!name_ok(name))
			validate_add(l, "The VPN instance name %s must be 1 to 31 printable "
			    "characters without spaces, and not _public_.", name);
		check_family(name, "IPv4", v->has_ipv4_family && v->ipv4_family,
			     v->ipv4_route_distinguisher, l);
		check_family(name, "IPv6", v->has_ipv6_family && v->ipv6_family,
			     v->ipv6_route_distinguisher, l);
	}
	for (size_t i = 0; i < c->n_interface; i++) {
		const Interface *ifc = c->interface[i];
		char what[96];

		if (!ifc->vpn_instance || !ifc->name)
			continue;
		snprintf(what, sizeof(what), "interface %s", ifc->name);
		validate_vpn_ref(c, ifc->vpn_instance, what, l);
	}
	for (size_t i = 0; c->ntp && i < c->ntp->n_vpn; i++) {
		const NtpVpn *nv = c->ntp->vpn[i];
		const char *name = nv->name ? nv->name : "";

		if (!find_vpn(c, name)) {
			/* Named as the NTP server's check would, so the sentence of
			 * `ntp-service unicast-server A vpn-instance V` is about A. */
			char what[320];

			for (size_t k = 0; k < nv->n_unicast_server; k++) {
				snprintf(what, sizeof(what), "NTP server %s",
					 nv->unicast_server[k]->address);
				validate_vpn_ref(c, name, what, l);
			}
			for (size_t k = 0; k < nv->n_unicast_peer; k++) {
				snprintf(what, sizeof(what), "NTP peer %s",
					 nv->unicast_peer[k]->address);
				validate_vpn_ref(c, name, what, l);
			}
			continue;
		}
		validate_assoc_list(c, bs, nv->unicast_server, nv->n_unicast_server, true, name, l);
		validate_assoc_list(c, bs, nv->unicast_peer, nv->n_unicast_peer, false, name, l);
	}
}
