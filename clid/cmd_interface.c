/*
 * cmd_interface.c: entering an interface's view and its settings (address,
 * shutdown, description), with each interface's block of configuration text.
 *
 * Interfaces are those of the bootstrap file, and LoopBack 0-1023, which
 * need no mapping (their addresses go on the kernel's lo); entering the
 * view of one creates nothing, so no edit is sent until a setting changes.
 *
 * IPv4: `ip address A { MASK | LEN } [ sub ]`, one primary and up to 255 sub
 * addresses (cfgd checks them); `undo ip address` removes them all, `undo ip
 * address A MASK [ sub ]` the one named, which must exist (a primary only
 * once its subs are gone: the kernel deletes secondaries with it).  The two
 * refusals are our sentences; VRP's manuals do not give its own.
 *
 * `mtu N` (46..9600, VRP's Ethernet range; `undo mtu`: its default 1500)
 * is set on the netdev by ifmgrd; cfgd refuses it on a LoopBack.
 *
 * IPv6 (VRP): `ipv6 enable`, `ipv6 address { X LEN | X/LEN }` (several per
 * interface; cfgd caps them at 16), `undo ipv6 address [ X LEN | X/LEN ]`
 * (no argument: all).  Addresses are stored as canonical inet_ntop text
 * (lowercase, the list key) and printed in uppercase, as VRP prints them.
 * Only global unicast literals are taken: multicast, link-local fe80::/10,
 * ::, ::1 and IPv4-mapped ones get "Wrong parameter" under the address.
 * `undo ipv6 enable` while the candidate still has IPv6 addresses on the
 * interface is refused (cfgd refuses it too; our sentence says what to do).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bootstrap.h"
#include "cmd.h"
#include "cmd_ntp_auth.h"
#include "cmd_ntp_bcast.h"
#include "log.h"

static const struct cmd_kwhelp if_kw[] = {
	{ "interface", "Specify the interface configuration view" },
	{ "ip", "Specify IP configuration" },
	{ "address", "Set the IP address of an interface" },
	{ "shutdown", "Shut down the interface" },
	{ "description", "Set the description of the interface" },
	{ "sub", "Indicate a subordinate address" },
	{ "mtu", "Set the maximum transmission unit of the interface" },
	{ NULL, NULL },
};

static const struct cmd_param interface_params[] = {
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" },
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" },
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param ip_params[] = {
	{ "ip-address", GP_IPV4, 0, 0, "IP address" },
	{ "mask", GP_MASK, 0, 0, "IP address mask" },
	{ "mask-length", GP_INT, 0, 32, "Length of IP address mask" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_kwhelp if6_kw[] = {
	{ "ipv6", "Specify IPv6 configuration" },
	{ "enable", "Enable IPv6 functionality on the interface" },
	{ "address", "Configure an IPv6 address on the interface" },
	{ NULL, NULL },
};

static const struct cmd_param ipv6_params[] = {
	{ "ipv6-address", GP_STRING, 2, 39, "IPv6 address (X:X::X:X)" },
	{ "prefix-length", GP_INT, 1, 128, "Prefix length" },
	{ "ipv6-address/prefix-length", GP_STRING, 4, 43,
	  "IPv6 address and prefix length (X:X::X:X/M)" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param mtu_params[] = {
	{ "mtu-value", GP_INT, 46, 9600, "Maximum transmission unit, in bytes" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param desc_params[] = {
	{ "text", GP_TEXT, 1, 242, "Description of the interface" },
	{ NULL, 0, 0, 0, NULL },
};

static int h_interface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char name[64];
	int r = cmd_arg_ifname(ctx, a, name, sizeof(name));

	if (r <= 0)
		return -1;
	if (!bootstrap_is_loopback(name) && !cmd_interface_known(ctx, name)) {
		size_t tok = cmd_has(a, "interface-name") ? cmd_arg_tok(a, "interface-name")
			     : cmd_arg_tok(a, "interface-number");
		return cmd_error_at(ctx, tok, GRAM_WRONG_PARAM);
	}
	cmd_set_view(ctx, CLI_VIEW_INTERFACE, name);
	return 0;
}

static uint32_t mask_len(const char *mask)
{
	struct in_addr m;
	uint32_t v, n = 0;

	if (inet_pton(AF_INET, mask, &m) != 1)
		return 0;
	for (v = ntohl(m.s_addr); v & 0x80000000u; v <<= 1)
		n++;
	return n;
}

/* The address (and prefix length) typed, as stored. */
static Ipv4Address *typed_address(const struct cmd_args *a)
{
	Ipv4Address *ad = xmalloc(sizeof(*ad));

	ipv4_address__init(ad);
	ad->address = xstrdup(cmd_arg(a, "ip-address"));
	ad->prefix_len = cmd_has(a, "mask") ? mask_len(cmd_arg(a, "mask"))
			 : cmd_arg_u32(a, "mask-length", 32);
	return ad;
}

static bool same_address(const Ipv4Address *x, const Ipv4Address *y)
{
	return x && y && x->address && y->address && strcmp(x->address, y->address) == 0 &&
	       x->prefix_len == y->prefix_len;
}

/* `undo ip address A MASK [ sub ]`: that address must be the interface's
 * (primary, or one of its subs); a primary goes only once its subs are
 * gone, as the kernel would take them with it. */
static int undo_one_address(struct cmd_ctx *ctx, const struct cmd_args *a, const char *ifname)
{
	Ipv4Address *want = typed_address(a);
	bool sub = cmd_has(a, "sub"), found = false, has_subs = false;
	const Interface *ifc = NULL;
	Config *c;

	if (cmd_get_config(ctx, true, &c) < 0) {
		ipv4_address__free_unpacked(want, NULL);
		return -1;
	}
	for (size_t i = 0; c && i < c->n_interface; i++)
		if (c->interface[i]->name && !strcasecmp(c->interface[i]->name, ifname))
			ifc = c->interface[i];
	if (ifc && sub) {
		for (size_t i = 0; i < ifc->n_sub_address; i++)
			found |= same_address(ifc->sub_address[i], want);
	} else if (ifc) {
		found = same_address(ifc->address, want);
		has_subs = ifc->n_sub_address > 0;
	}
	if (c)
		config__free_unpacked(c, NULL);
	if (!found) {
		ipv4_address__free_unpacked(want, NULL);
		return cmd_error(ctx, "The address does not exist.");
	}
	if (has_subs) {
		ipv4_address__free_unpacked(want, NULL);
		return cmd_error(ctx, "Please delete the sub addresses of the interface first.");
	}
	if (sub)
		cmd_edit_delete(ctx, "interface", ifname, "sub_address", want->address, NULL);
	else
		cmd_edit_delete(ctx, "interface", ifname, "address", NULL);
	ipv4_address__free_unpacked(want, NULL);
	return 0;
}

static int h_ip_address(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo && !cmd_has(a, "ip-address")) {
		/* VRP: all of the interface's addresses. */
		cmd_edit_delete(ctx, "interface", ifname, "sub_address", NULL);
		cmd_edit_delete(ctx, "interface", ifname, "address", NULL);
		return 0;
	}
	if (a->undo)
		return undo_one_address(ctx, a, ifname);
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);

	if (cmd_has(a, "sub")) {
		ifc->sub_address = xmalloc(sizeof(*ifc->sub_address));
		ifc->sub_address[0] = typed_address(a);
		ifc->n_sub_address = 1;
	} else {
		ifc->address = typed_address(a);
	}
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_shutdown(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, cmd_view_ifname(ctx));

	ifc->has_shutdown = true;
	ifc->shutdown = !a->undo;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_mtu(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "mtu", NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);

	ifc->has_mtu = true;
	ifc->mtu = cmd_arg_u32(a, "mtu-value", 1500);
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_description(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "description", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_interface(c, ifname)->description = xstrdup(cmd_arg(a, "text"));
	cmd_edit_set(ctx, c);
	return 0;
}

/* The address and prefix length of either form, a global unicast address
 * (see cfgd/validate_if6.c) in canonical text; 0, or -1 after writing
 * "Wrong parameter" under the word at fault. */
static int if6_args(struct cmd_ctx *ctx, const struct cmd_args *a, char *canon, size_t len,
		    uint32_t *plen)
{
	struct in6_addr x;
	size_t tok;

	if (cmd_arg_ipv6_prefix(ctx, a, "ipv6-address", "prefix-length",
				"ipv6-address/prefix-length", 64, &x, plen, &tok) < 0)
		return -1;
	if (IN6_IS_ADDR_UNSPECIFIED(&x) || IN6_IS_ADDR_LOOPBACK(&x) || IN6_IS_ADDR_MULTICAST(&x) ||
	    IN6_IS_ADDR_LINKLOCAL(&x) || IN6_IS_ADDR_V4MAPPED(&x) ||
	    inet_ntop(AF_INET6, &x, canon, (socklen_t)len) == NULL)
		return cmd_error_at(ctx, tok, GRAM_WRONG_PARAM);
	return 0;
}

/* This interface in the session's candidate: 0 with *cfg owned by the
 * caller (may be NULL) and *ifc pointing into it (NULL when absent), or -1
 * after writing the error. */
static int if6_candidate(struct cmd_ctx *ctx, Config **cfg, const Interface **ifc)
{
	const char *ifname = cmd_view_ifname(ctx);

	*ifc = NULL;
	if (cmd_get_config(ctx, true, cfg) < 0)
		return -1;
	for (size_t i = 0; *cfg && i < (*cfg)->n_interface; i++)
		if ((*cfg)->interface[i]->name && !strcasecmp((*cfg)->interface[i]->name, ifname))
			*ifc = (*cfg)->interface[i];
	return 0;
}

static int h_ipv6_enable(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo) {
		Config *c;
		const Interface *ifc;
		bool busy;

		if (if6_candidate(ctx, &c, &ifc) < 0)
			return -1;
		busy = ifc && ifc->n_ipv6_address > 0;
		if (c)
			config__free_unpacked(c, NULL);
		/* Our wording: VRP's manuals do not say what happens to them. */
		if (busy)
			return cmd_error(ctx, "Please delete the IPv6 addresses of the interface "
					 "first.");
		cmd_edit_delete(ctx, "interface", ifname, "ipv6_enable", NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);

	ifc->has_ipv6_enable = true;
	ifc->ipv6_enable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_ipv6_address(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);
	char canon[INET6_ADDRSTRLEN];
	uint32_t plen;

	if (a->undo && !cmd_has(a, "ipv6-address") && !cmd_has(a, "ipv6-address/prefix-length")) {
		cmd_edit_delete(ctx, "interface", ifname, "ipv6_address", NULL);
		return 0;
	}
	if (if6_args(ctx, a, canon, sizeof(canon), &plen) < 0)
		return -1;
	if (a->undo) {
		Config *c;
		const Interface *ifc;
		bool found = false;

		if (if6_candidate(ctx, &c, &ifc) < 0)
			return -1;
		for (size_t i = 0; ifc && i < ifc->n_ipv6_address; i++)
			found |= !strcmp(ifc->ipv6_address[i]->address, canon) &&
				 ifc->ipv6_address[i]->prefix_len == plen;
		if (c)
			config__free_unpacked(c, NULL);
		if (!found)
			return cmd_error(ctx, "The IPv6 address does not exist.");
		cmd_edit_delete(ctx, "interface", ifname, "ipv6_address", canon, NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);
	Ipv6Address *e = xmalloc(sizeof(*e));

	ipv6_address__init(e);
	e->address = xstrdup(canon);
	e->prefix_len = plen;
	ifc->ipv6_address = xmalloc(sizeof(*ifc->ipv6_address));
	ifc->ipv6_address[0] = e;
	ifc->n_ipv6_address = 1;
	cmd_edit_set(ctx, c);
	return 0;
}

const struct cmd_entry cmd_interface_entries[] = {
	{ CLI_V_SYSTEM, "interface { interface-name | interface-type interface-number }", NULL,
	  interface_params, if_kw, h_interface },
	{ CLI_V_IF, "ip address ip-address { mask | mask-length } [ sub ]",
	  "undo ip address [ ip-address { mask | mask-length } [ sub ] ]", ip_params, if_kw,
	  h_ip_address },
	{ CLI_V_IF, "shutdown", "undo shutdown", NULL, if_kw, h_shutdown },
	{ CLI_V_IF, "mtu mtu-value", "undo mtu", mtu_params, if_kw, h_mtu },
	{ CLI_V_IF, "description text", "undo description", desc_params, if_kw, h_description },
	{ CLI_V_IF, "ipv6 enable", "undo ipv6 enable", NULL, if6_kw, h_ipv6_enable },
	{ CLI_V_IF, "ipv6 address { ipv6-address prefix-length | ipv6-address/prefix-length }",
	  "undo ipv6 address [ ipv6-address prefix-length | ipv6-address/prefix-length ]",
	  ipv6_params, if6_kw, h_ipv6_address },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

static void mask_text(uint32_t len, char *buf, size_t blen)
{
	uint32_t m = len == 0 ? 0 : len >= 32 ? 0xffffffffu : ~((1u << (32 - len)) - 1);

	snprintf(buf, blen, "%u.%u.%u.%u", m >> 24, (m >> 16) & 255, (m >> 8) & 255, m & 255);
}

void cmd_interface_render(const Interface *ifc, struct sbuf *out)
{
	sbuf_printf(out, "interface %s\r\n", ifc->name);
	if (ifc->description)
		sbuf_printf(out, " description %s\r\n", ifc->description);
	if (ifc->has_shutdown)
		sbuf_puts(out, ifc->shutdown ? " shutdown\r\n" : " undo shutdown\r\n");
	if (ifc->has_mtu)
		sbuf_printf(out, " mtu %u\r\n", ifc->mtu);
	if (ifc->vpn_instance)   /* before the addresses: binding removes them */
		sbuf_printf(out, " ip binding vpn-instance %s\r\n", ifc->vpn_instance);
	if (ifc->has_ipv6_enable && ifc->ipv6_enable)
		sbuf_puts(out, " ipv6 enable\r\n");
	if (ifc->address) {
		char mask[16];
		mask_text(ifc->address->prefix_len, mask, sizeof(mask));
		sbuf_printf(out, " ip address %s %s\r\n", ifc->address->address, mask);
	}
	for (size_t i = 0; i < ifc->n_sub_address; i++) {
		char mask[16];

		mask_text(ifc->sub_address[i]->prefix_len, mask, sizeof(mask));
		sbuf_printf(out, " ip address %s %s sub\r\n", ifc->sub_address[i]->address, mask);
	}
	for (size_t i = 0; i < ifc->n_ipv6_address; i++) {
		const Ipv6Address *e = ifc->ipv6_address[i];

		sbuf_puts(out, " ipv6 address ");
		sbuf_puts_upper(out, e->address ? e->address : "");
		sbuf_printf(out, "/%u\r\n", e->prefix_len);
	}
	cmd_ntp_bcast_render(ifc, out);
	cmd_ntp_auth_render_interface(ifc, out);
}
