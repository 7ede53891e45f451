/*
 * cmd_vpn.c: VPN instances, as VRP8 writes them
 * (../shared/reference/vrp-operator.md section 9):
 *
 *   [~HUAWEI] ip vpn-instance vrf1
 *   [*HUAWEI-vpn-instance-vrf1] ipv4-family
 *   [*HUAWEI-vpn-instance-vrf1-af-ipv4] route-distinguisher 100:1
 *   [~HUAWEI-GigabitEthernet0/3/1] ip binding vpn-instance vrf1
 *   Info: All IPv4 and IPv6 related configurations on this interface are removed.
 *
 * `undo ip vpn-instance NAME`, `undo ipv4-family` (its route distinguisher
 * goes with it), `undo route-distinguisher`, `undo ip binding vpn-instance
 * NAME`.  Binding (or unbinding) an interface removes its IPv4 and IPv6
 * addresses and `ipv6 enable` in the same edit, as VRP does, and says so
 * with the NE40E's Info line; binding it again to the instance it already
 * has changes nothing.  cfgd refuses a binding to an instance that does not
 * exist, and the undo of an instance still in use (cfgd/validate_vpn.c).
 * The configuration text puts the instances after the ACLs and aaa, before
 * NTP and the interfaces, each block as above, "#" before each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "log.h"

static const struct cmd_kwhelp vpn_kw[] = {
	{ "ip", "Specify IP configuration" },
	{ "vpn-instance", "VPN instance" },
	{ "ipv4-family", "Enter the IPv4 address family view of the VPN instance" },
	{ "ipv6-family", "Enter the IPv6 address family view of the VPN instance" },
	{ "route-distinguisher", "Configure a route distinguisher" },
	{ "binding", "Bind the interface to a VPN instance" },
	{ "display", "Display information" },
	{ "this", "Configuration of the current view" },
	{ NULL, NULL },
};

static const struct cmd_param vpn_params[] = {
	{ "vpn-instance-name", GP_STRING, 1, 31, "VPN instance name" },
	{ "rd-value", GP_STRING, 3, 21,
	  "Route distinguisher: ASN:NN, IPv4-address:NN or 4-byte ASN:NN" },
	{ NULL, 0, 0, 0, NULL },
};

/* A fragment holding VPN instance `name` (to be filled). */
static VpnInstance *frag_vpn(Config *c, const char *name)
{
	VpnInstance *v = xmalloc(sizeof(*v));

	vpn_instance__init(v);
	v->name = xstrdup(name);
	c->vpn_instance = xcalloc(1, sizeof(*c->vpn_instance));
	c->vpn_instance[0] = v;
	c->n_vpn_instance = 1;
	return v;
}

static int h_vpn_instance(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "vpn-instance-name");

	if (!strcmp(name, "_public_") || strpbrk(name, "?\""))
		return cmd_error_at(ctx, cmd_arg_tok(a, "vpn-instance-name"), GRAM_WRONG_PARAM);
	if (a->undo) {
		cmd_edit_delete(ctx, "vpn_instance", name, NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_vpn(c, name);
	cmd_edit_set(ctx, c);
	cmd_set_view(ctx, CLI_VIEW_VPN, name);
	return 0;
}

static int h_family(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_view_vpn(ctx);
	bool v6 = cmd_has(a, "ipv6-family");

	if (a->undo) {
		cmd_edit_delete(ctx, "vpn_instance", name,
				v6 ? "ipv6_route_distinguisher" : "ipv4_route_distinguisher", NULL);
		cmd_edit_delete(ctx, "vpn_instance", name, v6 ? "ipv6_family" : "ipv4_family",
				NULL);
		return 0;
	}
	Config *c = frag_new();
	VpnInstance *v = frag_vpn(c, name);

	if (v6)
		v->has_ipv6_family = v->ipv6_family = true;
	else
		v->has_ipv4_family = v->ipv4_family = true;
	cmd_edit_set(ctx, c);
	cmd_set_view(ctx, v6 ? CLI_VIEW_VPN_AF6 : CLI_VIEW_VPN_AF4, name);
	return 0;
}

static int h_rd(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_view_vpn(ctx);
	bool v6 = cmd_view(ctx) == CLI_VIEW_VPN_AF6;

	if (a->undo) {
		cmd_edit_delete(ctx, "vpn_instance", name,
				v6 ? "ipv6_route_distinguisher" : "ipv4_route_distinguisher", NULL);
		return 0;
	}
	Config *c = frag_new();
	VpnInstance *v = frag_vpn(c, name);
	char *rd = xstrdup(cmd_arg(a, "rd-value"));

	if (v6)
		v->ipv6_route_distinguisher = rd;
	else
		v->ipv4_route_distinguisher = rd;
	cmd_edit_set(ctx, c);
	return 0;
}

/* `[ undo ] ip binding vpn-instance NAME` in interface view. */
static int h_binding(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);
	const char *name = cmd_arg(a, "vpn-instance-name");
	const Interface *ifc = NULL;
	bool had_v4, had_v6, had_en;
	Config *c;

	if (cmd_get_config(ctx, true, &c) < 0)
		return -1;
	for (size_t i = 0; c && i < c->n_interface; i++)
		if (c->interface[i]->name && !strcasecmp(c->interface[i]->name, ifname))
			ifc = c->interface[i];
	const char *cur = ifc && ifc->vpn_instance ? ifc->vpn_instance : NULL;

	if (a->undo && (!cur || strcasecmp(cur, name) != 0)) {
		if (c)
			config__free_unpacked(c, NULL);
		return cmd_error(ctx, "The interface is not bound to VPN instance %s.", name);
	}
	if (!a->undo && cur && !strcasecmp(cur, name)) {
		config__free_unpacked(c, NULL);
		return 0;      /* already there: its addresses stay */
	}
	had_v4 = ifc && (ifc->address || ifc->n_sub_address);
	had_v6 = ifc && ifc->n_ipv6_address;
	had_en = ifc && ifc->has_ipv6_enable;
	if (c)
		config__free_unpacked(c, NULL);
	if (had_v4) {
		cmd_edit_delete(ctx, "interface", ifname, "sub_address", NULL);
		cmd_edit_delete(ctx, "interface", ifname, "address", NULL);
	}
	if (had_v6)
		cmd_edit_delete(ctx, "interface", ifname, "ipv6_address", NULL);
	if (had_en)
		cmd_edit_delete(ctx, "interface", ifname, "ipv6_enable", NULL);
	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "vpn_instance", NULL);
	} else {
		Config *f = frag_new();
		frag_interface(f, ifname)->vpn_instance = xstrdup(name);
		cmd_edit_set(ctx, f);
	}
	cmd_printf(ctx, "Info: All IPv4 and IPv6 related configurations on this interface are "
		   "removed.\r\n");
	return 0;
}

static void render_one(const VpnInstance *v, struct sbuf *out)
{
	sbuf_printf(out, "ip vpn-instance %s\r\n", v->name);
	if (v->has_ipv4_family && v->ipv4_family) {
		sbuf_puts(out, " ipv4-family\r\n");
		if (v->ipv4_route_distinguisher)
			sbuf_printf(out, "  route-distinguisher %s\r\n",
				    v->ipv4_route_distinguisher);
	}
	if (v->has_ipv6_family && v->ipv6_family) {
		sbuf_puts(out, " ipv6-family\r\n");
		if (v->ipv6_route_distinguisher)
			sbuf_printf(out, "  route-distinguisher %s\r\n",
				    v->ipv6_route_distinguisher);
	}
}

void cmd_vpn_render(const Config *c, struct sbuf *out)
{
	for (size_t i = 0; c && i < c->n_vpn_instance; i++) {
		sbuf_puts(out, "#\r\n");
		render_one(c->vpn_instance[i], out);
	}
}

/* `display this` in the instance's views: its block (running). */
static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const fields[] = { "vpn_instance", NULL };
	const char *name = cmd_view_vpn(ctx);
	struct sbuf b = { 0 };
	Config *c;

	(void)a;
	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	sbuf_puts(&b, "#\r\n");
	for (size_t i = 0; i < c->n_vpn_instance; i++)
		if (!strcasecmp(c->vpn_instance[i]->name, name))
			render_one(c->vpn_instance[i], &b);
	sbuf_puts(&b, "#\r\nreturn\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

const struct cmd_entry cmd_vpn_entries[] = {
	{ CLI_V_SYSTEM, "ip vpn-instance vpn-instance-name", "undo ip vpn-instance vpn-instance-name",
	  vpn_params, vpn_kw, h_vpn_instance },
	{ CLI_V_VPN, "ipv4-family", "undo ipv4-family", NULL, vpn_kw, h_family },
	{ CLI_V_VPN, "ipv6-family", "undo ipv6-family", NULL, vpn_kw, h_family },
	{ CLI_V_VPN_AF4 | CLI_V_VPN_AF6, "route-distinguisher rd-value",
	  "undo route-distinguisher", vpn_params, vpn_kw, h_rd },
	{ CLI_V_VPN | CLI_V_VPN_AF4 | CLI_V_VPN_AF6, "display this", NULL, NULL, vpn_kw,
	  h_display_this },
	{ CLI_V_IF, "ip binding vpn-instance vpn-instance-name",
	  "undo ip binding vpn-instance vpn-instance-name", vpn_params, vpn_kw, h_binding },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
