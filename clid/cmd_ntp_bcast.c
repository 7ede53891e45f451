/*
 * cmd_ntp_bcast.c: the NTP broadcast and multicast commands of the
 * interface view and their lines in the interface's configuration block.
 *
 *   ntp-service broadcast-server [ version | authentication-keyid | port ] *
 *   ntp-service broadcast-client
 *   ntp-service multicast-server [ GROUP ] [ version | authentication-keyid |
 *                                 ttl | port ] *
 *   ntp-service multicast-client [ GROUP ]
 *
 * Each maps to one field of the interface (Interface.ntp_broadcast_server,
 * ntp_broadcast_client, ntp_multicast_server, ntp_multicast_client).
 * Re-entering a server command replaces its options, as on VRP: the handler
 * sends a DELETE of the field and a SET of the new value, applied together.
 * A group that is not a multicast address is refused here at its word
 * (cfgd checks it again with a sentence).  The configuration text keeps
 * what was typed: a group is shown only when one was given, options in the
 * syntax's order.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ntp_bcast.h"
#include "log.h"

static const struct cmd_kwhelp bcast_kw[] = {
	{ "ntp-service", "Specify NTP (Network Time Protocol) configuration information" },
	{ "broadcast-server", "Send NTP broadcast packets on this interface" },
	{ "broadcast-client", "Receive NTP broadcast packets on this interface" },
	{ "multicast-server", "Send NTP multicast packets on this interface" },
	{ "multicast-client", "Receive NTP multicast packets on this interface" },
	{ "version", "Specify the NTP version" },
	{ "authentication-keyid", "Specify the authentication key ID" },
	{ "ttl", "Specify the TTL of NTP multicast packets" },
	{ "port", "Specify the destination UDP port" },
	{ NULL, NULL },
};

static const struct cmd_param bcast_params[] = {
	{ "ip-address", GP_IPV4, 0, 0, "Multicast group address (default 224.0.1.1)" },
	{ "number", GP_INT, 1, 4, "NTP version number" },
	{ "key-id", GP_INT, 1, 4294967295u, "Authentication key ID" },
	{ "ttl-number", GP_INT, 1, 255, "Time to live of multicast packets" },
	{ "port-number", GP_INT, 1, 65535, "UDP port number" },
	{ NULL, 0, 0, 0, NULL },
};

static void set_u32(protobuf_c_boolean *has, uint32_t *field, const struct cmd_args *a,
		    const char *name)
{
	if (cmd_has(a, name)) {
		*has = true;
		*field = cmd_arg_u32(a, name, 0);
	}
}

/* The group argument, if any, must be a multicast address (224/4, not
 * 224.0.0.0).  0, or -1 after the error at its word. */
static int check_group(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *g = cmd_arg(a, "ip-address");
	struct in_addr in;
	uint32_t v;

	if (!g)
		return 0;
	if (inet_pton(AF_INET, g, &in) == 1) {
		v = ntohl(in.s_addr);
		if ((v >> 28) == 0xe && v != 0xe0000000u)
			return 0;
	}
	return cmd_error_at(ctx, cmd_arg_tok(a, "ip-address"), GRAM_WRONG_PARAM);
}

static int h_bcast_server(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	cmd_edit_delete(ctx, "interface", ifname, "ntp_broadcast_server", NULL);
	if (a->undo)
		return 0;
	Config *c = frag_new();
	NtpBroadcastServer *bs = xmalloc(sizeof(*bs));
	ntp_broadcast_server__init(bs);
	set_u32(&bs->has_version, &bs->version, a, "number");
	set_u32(&bs->has_authentication_keyid, &bs->authentication_keyid, a, "key-id");
	set_u32(&bs->has_port, &bs->port, a, "port-number");
	frag_interface(c, ifname)->ntp_broadcast_server = bs;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_bcast_client(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "ntp_broadcast_client", NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);
	ifc->has_ntp_broadcast_client = true;
	ifc->ntp_broadcast_client = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_mcast_server(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (check_group(ctx, a) < 0)
		return -1;
	cmd_edit_delete(ctx, "interface", ifname, "ntp_multicast_server", NULL);
	if (a->undo)
		return 0;
	Config *c = frag_new();
	NtpMulticastServer *ms = xmalloc(sizeof(*ms));
	ntp_multicast_server__init(ms);
	if (cmd_has(a, "ip-address"))
		ms->group = xstrdup(cmd_arg(a, "ip-address"));
	set_u32(&ms->has_version, &ms->version, a, "number");
	set_u32(&ms->has_authentication_keyid, &ms->authentication_keyid, a, "key-id");
	set_u32(&ms->has_ttl, &ms->ttl, a, "ttl-number");
	set_u32(&ms->has_port, &ms->port, a, "port-number");
	frag_interface(c, ifname)->ntp_multicast_server = ms;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_mcast_client(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (check_group(ctx, a) < 0)
		return -1;
	cmd_edit_delete(ctx, "interface", ifname, "ntp_multicast_client", NULL);
	if (a->undo)
		return 0;
	Config *c = frag_new();
	NtpMulticastClient *mc = xmalloc(sizeof(*mc));
	ntp_multicast_client__init(mc);
	if (cmd_has(a, "ip-address"))
		mc->group = xstrdup(cmd_arg(a, "ip-address"));
	frag_interface(c, ifname)->ntp_multicast_client = mc;
	cmd_edit_set(ctx, c);
	return 0;
}

const struct cmd_entry cmd_ntp_bcast_entries[] = {
	{ CLI_V_IF,
	  "ntp-service broadcast-server [ version number | authentication-keyid key-id | "
	  "port port-number ] *",
	  "undo ntp-service broadcast-server", bcast_params, bcast_kw, h_bcast_server },
	{ CLI_V_IF, "ntp-service broadcast-client", "undo ntp-service broadcast-client", NULL,
	  bcast_kw, h_bcast_client },
	{ CLI_V_IF,
	  "ntp-service multicast-server [ ip-address ] [ version number | "
	  "authentication-keyid key-id | ttl ttl-number | port port-number ] *",
	  "undo ntp-service multicast-server [ ip-address ]", bcast_params, bcast_kw,
	  h_mcast_server },
	{ CLI_V_IF, "ntp-service multicast-client [ ip-address ]",
	  "undo ntp-service multicast-client [ ip-address ]", bcast_params, bcast_kw,
	  h_mcast_client },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

void cmd_ntp_bcast_render(const Interface *ifc, struct sbuf *out)
{
	const NtpBroadcastServer *bs = ifc->ntp_broadcast_server;
	const NtpMulticastServer *ms = ifc->ntp_multicast_server;
	const NtpMulticastClient *mc = ifc->ntp_multicast_client;

	if (bs) {
		sbuf_puts(out, " ntp-service broadcast-server");
		if (bs->has_version)
			sbuf_printf(out, " version %u", bs->version);
		if (bs->has_authentication_keyid)
			sbuf_printf(out, " authentication-keyid %u", bs->authentication_keyid);
		if (bs->has_port)
			sbuf_printf(out, " port %u", bs->port);
		sbuf_puts(out, "\r\n");
	}
	if (ifc->has_ntp_broadcast_client && ifc->ntp_broadcast_client)
		sbuf_puts(out, " ntp-service broadcast-client\r\n");
	if (ms) {
		sbuf_puts(out, " ntp-service multicast-server");
		if (ms->group)
			sbuf_printf(out, " %s", ms->group);
		if (ms->has_version)
			sbuf_printf(out, " version %u", ms->version);
		if (ms->has_authentication_keyid)
			sbuf_printf(out, " authentication-keyid %u", ms->authentication_keyid);
		if (ms->has_ttl)
			sbuf_printf(out, " ttl %u", ms->ttl);
		if (ms->has_port)
			sbuf_printf(out, " port %u", ms->port);
		sbuf_puts(out, "\r\n");
	}
	if (mc) {
		sbuf_puts(out, " ntp-service multicast-client");
		if (mc->group)
			sbuf_printf(out, " %s", mc->group);
		sbuf_puts(out, "\r\n");
	}
}
