/*
 * cmd_interface.c: entering an interface's view and its settings (address,
 * shutdown, description), with each interface's block of configuration text.
 *
 * Interfaces are those of the bootstrap file; entering the view of one
 * creates nothing, so no edit is sent until a setting changes.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

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
	if (!cmd_interface_known(ctx, name)) {
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

static int h_ip_address(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "address", NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);
	ifc->address = xmalloc(sizeof(*ifc->address));
	ipv4_address__init(ifc->address);
	ifc->address->address = xstrdup(cmd_arg(a, "ip-address"));
	ifc->address->prefix_len = cmd_has(a, "mask") ? mask_len(cmd_arg(a, "mask"))
				   : cmd_arg_u32(a, "mask-length", 32);
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

const struct cmd_entry cmd_interface_entries[] = {
	{ CLI_V_SYSTEM, "interface { interface-name | interface-type interface-number }", NULL,
	  interface_params, if_kw, h_interface },
	{ CLI_V_IF, "ip address ip-address { mask | mask-length }",
	  "undo ip address [ ip-address { mask | mask-length } ]", ip_params, if_kw, h_ip_address },
	{ CLI_V_IF, "shutdown", "undo shutdown", NULL, if_kw, h_shutdown },
	{ CLI_V_IF, "description text", "undo description", desc_params, if_kw, h_description },
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
	if (ifc->address) {
		char mask[16];
		mask_text(ifc->address->prefix_len, mask, sizeof(mask));
		sbuf_printf(out, " ip address %s %s\r\n", ifc->address->address, mask);
	}
	cmd_ntp_bcast_render(ifc, out);
	cmd_ntp_auth_render_interface(ifc, out);
}
