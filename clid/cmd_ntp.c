/*
 * cmd_ntp.c: the NTP commands (ntp-service ..., ntp unsync ...), their part
 * of the configuration text, and the NTP displays formatted from ntpd's
 * structured state (NtpSysStatus, NtpSession) exactly as VRP prints them.
 *
 * Re-entering a server or a peer replaces its options, as on VRP: the
 * handler sends a DELETE of the association and a SET of the new one,
 * applied together.  The same goes for refclock-master.
 *
 * Two spellings of the association and source-interface commands are
 * accepted, with the same meaning: `ntp-service unicast-server ...` (the
 * older manuals, seed 004) and `ntp unicast-server ...` (VRP8, seeds 002
 * and 003, with `ipv6 ADDR`, `domain NAME` for peers and `vpn-instance`
 * among the options).  The configuration is always shown in the
 * `ntp-service` spelling.  An IPv6 address is kept in its canonical text
 * (the list key), so `undo` finds it however it was typed.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "ifname.h"
#include "log.h"

static const struct cmd_kwhelp ntp_kw[] = {
	{ "ntp-service", "Specify NTP (Network Time Protocol) configuration information" },
	{ "ntp", "NTP (Network Time Protocol)" },
	{ "unsync", "Polling while the clock is not synchronized" },
	{ "max-poll-interval", "Maximum polling interval while unsynchronized" },
	{ "dec-step", "Step by which the polling interval decreases" },
	{ "refclock-master", "Specify the local clock as the reference clock" },
	{ "unicast-server", "Configure an NTP server" },
	{ "unicast-peer", "Configure an NTP symmetric-passive peer" },
	{ "vpn-instance", "Specify a VPN instance" },
	{ "version", "Specify the NTP version" },
	{ "authentication-keyid", "Specify the authentication key ID" },
	{ "source-interface", "Specify the source interface of NTP packets" },
	{ "server", "Specify the NTP server function" },
	{ "preferred", "Specify the preferred server or peer" },
	{ "priority", "Give this server or peer priority" },
	{ "minpoll", "Specify the minimum polling interval" },
	{ "maxpoll", "Specify the maximum polling interval" },
	{ "burst", "Send a burst of packets when the server is reachable" },
	{ "iburst", "Send a burst of packets when the server is unreachable" },
	{ "preempt", "Specify a preemptible association" },
	{ "port", "Specify the UDP port of the server or peer" },
	{ "ipv6", "IPv6 (Internet Protocol version 6)" },
	{ "domain", "Specify the domain name of the peer" },
	{ NULL, NULL },
};

/* The displays' words: under `display`, ntp-service names what is shown. */
static const struct cmd_kwhelp ntp_disp_kw[] = {
	{ "ntp-service", "NTP (Network Time Protocol) service information" },
	{ "status", "Display the status of the NTP service" },
	{ "sessions", "Display the NTP sessions" },
	{ "verbose", "Display detailed information" },
	{ NULL, NULL },
};

static const struct cmd_param refclock_params[] = {
	{ "ip-address", GP_IPV4, 0, 0, "IP address of the reference clock (127.127.1.u)" },
	{ "stratum", GP_INT, 1, 15, "Stratum of the local clock" },
	{ NULL, 0, 0, 0, NULL },
};

#define IF_PARAMS \
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" }, \
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" }, \
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" }

static const struct cmd_param assoc_params[] = {
	{ "vpn-instance-name", GP_STRING, 1, 31, "VPN instance name" },
	/* The same after the address of `ntp-service` (vrp-ntp.md), where the
	 * form before the address (seed 000) is also taken: not both. */
	{ "vpn-name", GP_STRING, 1, 31, "VPN instance name" },
	{ "ip-address", GP_IPV4, 0, 0, "IP address" },
	{ "ipv6-address", GP_STRING, 2, 39, "IPv6 address" },
	{ "server-name", GP_STRING, 1, 255, "Host name of the NTP server" },
	{ "peer-name", GP_STRING, 1, 255, "Host name of the NTP peer" },
	{ "number", GP_INT, 1, 4, "NTP version number" },
	{ "key-id", GP_INT, 1, 4294967295u, "Authentication key ID" },
	IF_PARAMS,
	{ "min-number", GP_INT, 3, 17, "Minimum polling interval (log2 seconds)" },
	{ "max-number", GP_INT, 3, 17, "Maximum polling interval (log2 seconds)" },
	{ "port-number", GP_INT, 1, 65535, "UDP port number" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param if_params[] = {
	IF_PARAMS,
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param srcif_params[] = {
	IF_PARAMS,
	{ "vpn-instance-name", GP_STRING, 1, 31, "VPN instance name" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param unsync_params[] = {
	{ "poll-interval-value", GP_INT, 1, 17, "Maximum polling interval while unsynchronized (log2 seconds)" },
	{ "step-value", GP_INT, 1, 16, "Decrease step after an unanswered poll (log2 seconds)" },
	{ NULL, 0, 0, 0, NULL },
};

/* ---- handlers ---- */

static int h_refclock(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ip = cmd_arg(a, "ip-address");
	unsigned u;
	char tail;

	cmd_edit_delete(ctx, "ntp", "refclock_master", NULL);
	if (a->undo)
		return 0;
	if (ip && (sscanf(ip, "127.127.1.%u%c", &u, &tail) != 1 || u > 3))
		return cmd_error_at(ctx, cmd_arg_tok(a, "ip-address"), GRAM_WRONG_PARAM);
	Config *c = frag_new();
	NtpRefclockMaster *rm = xmalloc(sizeof(*rm));
	ntp_refclock_master__init(rm);
	/* 127.127.1.0 is the default: kept absent, so typing it changes
	 * nothing over a running that never named it (and it is never shown). */
	if (ip && strcmp(ip, "127.127.1.0") != 0)
		rm->address = xstrdup(ip);
	if (cmd_has(a, "stratum")) {
		rm->has_stratum = true;
		rm->stratum = cmd_arg_u32(a, "stratum", 8);
	}
	frag_ntp(c)->refclock_master = rm;
	cmd_edit_set(ctx, c);
	return 0;
}

static bool looks_numeric(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
	return true;
}

static void set_u32(protobuf_c_boolean *has, uint32_t *field, const struct cmd_args *a,
		    const char *name)
{
	if (cmd_has(a, name)) {
		*has = true;
		*field = cmd_arg_u32(a, name, 0);
	}
}

static void set_flag(protobuf_c_boolean *has, protobuf_c_boolean *field,
		     const struct cmd_args *a, const char *name)
{
	if (cmd_has(a, name)) {
		*has = true;
		*field = true;
	}
}

/* `undo ntp-service unicast-server ADDR vpn-instance V`: that instance's
 * association; the instance's element goes with its last one. */
static int undo_vpn_assoc(struct cmd_ctx *ctx, const char *list, const char *vpn,
			  const char *addr)
{
	size_t left = 0;
	Config *c;

	if (cmd_get_config(ctx, true, &c) < 0)
		return -1;
	for (size_t i = 0; c && c->ntp && i < c->ntp->n_vpn; i++) {
		const NtpVpn *nv = c->ntp->vpn[i];

		NtpAssociation *const *v = !strcmp(list, "unicast_server") ? nv->unicast_server
					   : nv->unicast_peer;
		size_t nl = !strcmp(list, "unicast_server") ? nv->n_unicast_server
			    : nv->n_unicast_peer;

		if (!nv->name || strcasecmp(nv->name, vpn) != 0)
			continue;
		left = nv->n_unicast_server + nv->n_unicast_peer;
		for (size_t k = 0; k < nl; k++)
			if (v[k]->address && !strcasecmp(v[k]->address, addr))
				left--;
	}
	if (c)
		config__free_unpacked(c, NULL);
	if (left == 0)
		cmd_edit_delete(ctx, "ntp", "vpn", vpn, NULL);
	else
		cmd_edit_delete(ctx, "ntp", "vpn", vpn, list, addr, NULL);
	return 0;
}

/* unicast-server and unicast-peer: kind is the list's field name. */
static int assoc_handler(struct cmd_ctx *ctx, const struct cmd_args *a, const char *list,
			 const char *name_param)
{
	const char *addr = cmd_arg(a, "ip-address");
	bool domain = false, ipv6 = false;
	char ifname[64], v6[INET6_ADDRSTRLEN];
	int r;

	if (!addr && cmd_has(a, "ipv6-address")) {
		struct in6_addr a6;

		if (inet_pton(AF_INET6, cmd_arg(a, "ipv6-address"), &a6) != 1)
			return cmd_error_at(ctx, cmd_arg_tok(a, "ipv6-address"), GRAM_WRONG_PARAM);
		inet_ntop(AF_INET6, &a6, v6, sizeof(v6));
		addr = v6;
		ipv6 = true;
	} else if (!addr) {
		addr = cmd_arg(a, name_param);
		domain = true;
		if (looks_numeric(addr))
			return cmd_error_at(ctx, cmd_arg_tok(a, name_param), GRAM_WRONG_PARAM);
	}
	/* One VPN instance: before the address or among the options. */
	if (cmd_has(a, "vpn-instance-name") && cmd_has(a, "vpn-name"))
		return cmd_error_at(ctx, cmd_arg_tok(a, "vpn-name") - 1, GRAM_WRONG_PARAM);
	const char *vpn = cmd_has(a, "vpn-instance-name") ? cmd_arg(a, "vpn-instance-name")
			  : cmd_arg(a, "vpn-name");

	if (a->undo && vpn)
		return undo_vpn_assoc(ctx, list, vpn, addr);
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", list, addr, NULL);
		return 0;
	}
	r = cmd_arg_ifname(ctx, a, ifname, sizeof(ifname));
	if (r < 0)
		return -1;

	NtpAssociation *as = frag_assoc_new(addr);
	if (ipv6) {
		as->has_ipv6 = true;
		as->ipv6 = true;
	}
	if (domain) {
		as->has_domain = true;
		as->domain = true;
	}
	if (vpn)
		as->vpn_instance = xstrdup(vpn);
	set_u32(&as->has_version, &as->version, a, "number");
	set_u32(&as->has_authentication_keyid, &as->authentication_keyid, a, "key-id");
	if (r > 0)
		as->source_interface = xstrdup(ifname);
	set_flag(&as->has_preferred, &as->preferred, a, "preferred");
	set_flag(&as->has_priority, &as->priority, a, "priority");
	set_u32(&as->has_minpoll, &as->minpoll, a, "min-number");
	set_u32(&as->has_maxpoll, &as->maxpoll, a, "max-number");
	set_flag(&as->has_burst, &as->burst, a, "burst");
	set_flag(&as->has_iburst, &as->iburst, a, "iburst");
	set_flag(&as->has_preempt, &as->preempt, a, "preempt");
	set_u32(&as->has_port, &as->port, a, "port-number");

	Config *c = frag_new();
	Ntp *ntp = frag_ntp(c);
	NtpAssociation ***vec = !strcmp(list, "unicast_server") ? &ntp->unicast_server
				: &ntp->unicast_peer;
	size_t *n = !strcmp(list, "unicast_server") ? &ntp->n_unicast_server : &ntp->n_unicast_peer;

	if (vpn) {
		/* An instance's servers and peers are a list of their own
		 * (proto/config.proto, NtpVpn). */
		NtpVpn *nv = xmalloc(sizeof(*nv));

		ntp_vpn__init(nv);
		nv->name = xstrdup(vpn);
		ntp->vpn = xmalloc(sizeof(*ntp->vpn));
		ntp->vpn[0] = nv;
		ntp->n_vpn = 1;
		vec = !strcmp(list, "unicast_server") ? &nv->unicast_server : &nv->unicast_peer;
		n = !strcmp(list, "unicast_server") ? &nv->n_unicast_server : &nv->n_unicast_peer;
	}
	*vec = xmalloc(sizeof(**vec));
	(*vec)[0] = as;
	*n = 1;
	if (vpn)
		cmd_edit_delete(ctx, "ntp", "vpn", vpn, list, addr, NULL);
	else
		cmd_edit_delete(ctx, "ntp", list, addr, NULL);
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_unicast_server(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return assoc_handler(ctx, a, "unicast_server", "server-name");
}

static int h_unicast_peer(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return assoc_handler(ctx, a, "unicast_peer", "peer-name");
}

/* `ntp-service [server] source-interface IF`, `ntp [ ipv6 ] source-interface
 * IF`: field is the Ntp field name. */
static int source_if(struct cmd_ctx *ctx, const struct cmd_args *a, bool server)
{
	bool v6 = !server && cmd_has(a, "ipv6");
	const char *field = server ? "server_source_interface" : v6 ? "ipv6_source_interface" :
			    "source_interface";
	const char *vpn_field = v6 ? "ipv6_source_interface_vpn_instance" :
			     "source_interface_vpn_instance";
	char ifname[64];
	int r;

	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", field, NULL);
		if (!server)
			cmd_edit_delete(ctx, "ntp", vpn_field, NULL);
		return 0;
	}
	r = cmd_arg_ifname(ctx, a, ifname, sizeof(ifname));
	if (r <= 0)
		return -1;
	Config *c = frag_new();
	Ntp *n = frag_ntp(c);
	const char *vpn = cmd_arg(a, "vpn-instance-name");

	if (!server)
		cmd_edit_delete(ctx, "ntp", vpn_field, NULL);
	if (server)
		n->server_source_interface = xstrdup(ifname);
	else if (v6)
		n->ipv6_source_interface = xstrdup(ifname);
	else
		n->source_interface = xstrdup(ifname);
	if (vpn && v6)
		n->ipv6_source_interface_vpn_instance = xstrdup(vpn);
	else if (vpn)
		n->source_interface_vpn_instance = xstrdup(vpn);
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_server_source_if(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return source_if(ctx, a, true);
}

static int h_source_if(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return source_if(ctx, a, false);
}

static int h_unsync(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	cmd_edit_delete(ctx, "ntp", "unsync", NULL);
	if (a->undo)
		return 0;
	Config *c = frag_new();
	NtpUnsyncPoll *u = xmalloc(sizeof(*u));
	ntp_unsync_poll__init(u);
	u->has_max_poll_interval = true;
	u->max_poll_interval = cmd_arg_u32(a, "poll-interval-value", 0);
	u->has_dec_step = true;
	u->dec_step = cmd_arg_u32(a, "step-value", 0);
	frag_ntp(c)->unsync = u;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_display_status(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	NtpStatusRequest sr = NTP_STATUS_REQUEST__INIT;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpReply *rep;
	struct sbuf b = { 0 };

	req.req_case = NTP_REQUEST__REQ_STATUS;
	req.status = &sr;
	if (cmd_ntp_query(ctx, &req, &rep) < 0)
		return -1;
	if (rep->sys) {
		ntp_fmt_status(rep->sys, &b);
		cmd_write(ctx, b.buf, b.len);
	}
	sbuf_free(&b);
	ntp_reply__free_unpacked(rep, NULL);
	return 0;
}

static int h_display_sessions(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	NtpSessionsRequest sr = NTP_SESSIONS_REQUEST__INIT;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpReply *rep;
	struct sbuf b = { 0 };
	bool verbose = cmd_has(a, "verbose");

	sr.has_verbose = true;
	sr.verbose = verbose;
	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &sr;
	if (cmd_ntp_query(ctx, &req, &rep) < 0)
		return -1;
	ntp_fmt_sessions(rep->session, rep->n_session, verbose, &b);
	if (b.len)
		cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	ntp_reply__free_unpacked(rep, NULL);
	return 0;
}

#define ASSOC_OPTS(extra) \
	"[ version number | authentication-keyid key-id | " \
	"source-interface { interface-name | interface-type interface-number } | " \
	"preferred | priority | minpoll min-number | maxpoll max-number | " extra \
	"preempt | port port-number ] *"
/* VRP8 (`ntp ...`): vpn-instance is one of the options; `ntp-service`
 * takes it there too, or before the address. */
#define ASSOC_OPTS8(extra) ASSOC_OPTS("vpn-instance vpn-instance-name | " extra)
#define ASSOC_OPTS_SVC(extra) ASSOC_OPTS("vpn-instance vpn-name | " extra)

const struct cmd_entry cmd_ntp_entries[] = {
	{ CLI_V_SYSTEM, "ntp-service refclock-master [ ip-address ] [ stratum ]",
	  "undo ntp-service refclock-master", refclock_params, ntp_kw, h_refclock },
	{ CLI_V_SYSTEM,
	  "ntp-service unicast-server [ vpn-instance vpn-instance-name ] "
	  "{ ip-address | ipv6 ipv6-address | server-name } "
	  ASSOC_OPTS_SVC("burst | iburst | "),
	  "undo ntp-service unicast-server { ip-address | ipv6 ipv6-address | server-name } "
	  "[ vpn-instance vpn-instance-name ]",
	  assoc_params, ntp_kw, h_unicast_server },
	{ CLI_V_SYSTEM,
	  "ntp-service unicast-peer [ vpn-instance vpn-instance-name ] "
	  "{ ip-address | ipv6 ipv6-address | domain peer-name | peer-name } "
	  ASSOC_OPTS_SVC(""),
	  "undo ntp-service unicast-peer { ip-address | ipv6 ipv6-address | domain peer-name | "
	  "peer-name } [ vpn-instance vpn-instance-name ]",
	  assoc_params, ntp_kw, h_unicast_peer },
	{ CLI_V_SYSTEM,
	  "ntp unicast-server { ip-address | ipv6 ipv6-address | server-name } "
	  ASSOC_OPTS8("burst | iburst | "),
	  "undo ntp unicast-server { ip-address | ipv6 ipv6-address | server-name } "
	  "[ vpn-instance vpn-instance-name ]",
	  assoc_params, ntp_kw, h_unicast_server },
	{ CLI_V_SYSTEM,
	  "ntp unicast-peer { ip-address | ipv6 ipv6-address | domain peer-name } "
	  ASSOC_OPTS8(""),
	  "undo ntp unicast-peer { ip-address | ipv6 ipv6-address | domain peer-name } "
	  "[ vpn-instance vpn-instance-name ]",
	  assoc_params, ntp_kw, h_unicast_peer },
	{ CLI_V_SYSTEM,
	  "ntp [ ipv6 ] source-interface { interface-name | interface-type interface-number } "
	  "[ vpn-instance vpn-instance-name ]",
	  "undo ntp [ ipv6 ] source-interface [ interface-name | interface-type interface-number ] "
	  "[ vpn-instance vpn-instance-name ]",
	  srcif_params, ntp_kw, h_source_if },

	{ CLI_V_SYSTEM,
	  "ntp-service server source-interface { interface-name | interface-type interface-number }",
	  "undo ntp-service server source-interface "
	  "[ interface-name | interface-type interface-number ]",
	  if_params, ntp_kw, h_server_source_if },
	{ CLI_V_SYSTEM,
	  "ntp-service [ ipv6 ] source-interface { interface-name | interface-type interface-number } "
	  "[ vpn-instance vpn-instance-name ]",
	  "undo ntp-service [ ipv6 ] source-interface "
	  "[ interface-name | interface-type interface-number ] [ vpn-instance vpn-instance-name ]",
	  srcif_params, ntp_kw, h_source_if },
	{ CLI_V_SYSTEM, "ntp unsync max-poll-interval poll-interval-value dec-step step-value",
	  "undo ntp unsync max-poll-interval [ poll-interval-value dec-step step-value ]",
	  unsync_params, ntp_kw, h_unsync },
	{ CLI_V_ALL, "display ntp-service status", NULL, NULL, ntp_disp_kw, h_display_status },
	{ CLI_V_ALL, "display ntp-service sessions [ verbose ]", NULL, NULL, ntp_disp_kw,
	  h_display_sessions },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- configuration text ---- */

static void render_assoc(struct sbuf *out, const char *kind, const NtpAssociation *a)
{
	sbuf_printf(out, "ntp-service %s", kind);
	if (a->vpn_instance)
		sbuf_printf(out, " vpn-instance %s", a->vpn_instance);
	if (a->has_ipv6 && a->ipv6) {
		sbuf_puts(out, " ipv6 ");
		sbuf_puts_upper(out, a->address);
	} else {
		sbuf_printf(out, " %s", a->address);
	}
	if (a->has_version && a->version != 3)
		sbuf_printf(out, " version %u", a->version);
	if (a->has_authentication_keyid)
		sbuf_printf(out, " authentication-keyid %u", a->authentication_keyid);
	if (a->source_interface)
		sbuf_printf(out, " source-interface %s", a->source_interface);
	if (a->has_preferred && a->preferred)
		sbuf_puts(out, " preferred");
	if (a->has_priority && a->priority)
		sbuf_puts(out, " priority");
	if (a->has_minpoll && a->minpoll != 6)
		sbuf_printf(out, " minpoll %u", a->minpoll);
	if (a->has_maxpoll && a->maxpoll != 10)
		sbuf_printf(out, " maxpoll %u", a->maxpoll);
	if (a->has_burst && a->burst)
		sbuf_puts(out, " burst");
	if (a->has_iburst && a->iburst)
		sbuf_puts(out, " iburst");
	if (a->has_preempt && a->preempt)
		sbuf_puts(out, " preempt");
	if (a->has_port && a->port != 123)
		sbuf_printf(out, " port %u", a->port);
	sbuf_puts(out, "\r\n");
}

/* Order as the seed's configuration files print them: the local clock, the
 * unsynchronized polling, the source interface, servers, peers, and last the
 * interface the server side listens on. */
/* `ntp-service [ ipv6 ] source-interface IF [ vpn-instance V ]`, if set. */
static void render_srcif(struct sbuf *out, const char *family, const char *ifname,
			 const char *vpn)
{
	if (!ifname)
		return;
	sbuf_printf(out, "ntp-service %ssource-interface %s", family, ifname);
	if (vpn)
		sbuf_printf(out, " vpn-instance %s", vpn);
	sbuf_puts(out, "\r\n");
}

void cmd_ntp_render(const Config *c, struct sbuf *out)
{
	const Ntp *n = c ? c->ntp : NULL;

	if (!n)
		return;
	if (n->refclock_master) {
		const NtpRefclockMaster *rm = n->refclock_master;
		sbuf_puts(out, "ntp-service refclock-master");
		if (rm->address && strcmp(rm->address, "127.127.1.0"))
			sbuf_printf(out, " %s", rm->address);
		if (rm->has_stratum)
			sbuf_printf(out, " %u", rm->stratum);
		sbuf_puts(out, "\r\n");
	}
	if (n->unsync && n->unsync->has_max_poll_interval)
		sbuf_printf(out, "ntp unsync max-poll-interval %u dec-step %u\r\n",
			    n->unsync->max_poll_interval, n->unsync->dec_step);
	render_srcif(out, "", n->source_interface, n->source_interface_vpn_instance);
	render_srcif(out, "ipv6 ", n->ipv6_source_interface,
		     n->ipv6_source_interface_vpn_instance);
	for (size_t i = 0; i < n->n_unicast_server; i++)
		render_assoc(out, "unicast-server", n->unicast_server[i]);
	for (size_t i = 0; i < n->n_unicast_peer; i++)
		render_assoc(out, "unicast-peer", n->unicast_peer[i]);
	for (size_t v = 0; v < n->n_vpn; v++) {
		const NtpVpn *nv = n->vpn[v];

		for (size_t i = 0; i < nv->n_unicast_server; i++)
			render_assoc(out, "unicast-server", nv->unicast_server[i]);
		for (size_t i = 0; i < nv->n_unicast_peer; i++)
			render_assoc(out, "unicast-peer", nv->unicast_peer[i]);
	}
	if (n->server_source_interface) {
		char sp[80];
		ifname_spaced_lower(n->server_source_interface, sp, sizeof(sp));
		sbuf_printf(out, "ntp-service server source-interface %s\r\n", sp);
	}
}

/* ---- displays ---- */

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil_from_days(long long z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long yy = (long long)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

void ntp_fmt_timestamp(uint64_t ts, char *buf, size_t len)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	uint32_t sec = (uint32_t)(ts >> 32), frac = (uint32_t)ts;
	long long days = (long long)(sec / 86400) - 25567;   /* 1900-01-01 -> 1970-01-01 */
	unsigned tod = sec % 86400, ms = (unsigned)(((uint64_t)frac * 1000) >> 32), m, d;
	int y;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%02u:%02u:%02u.%03u UTC %s %u %d(%08X.%08X)", tod / 3600,
		 tod / 60 % 60, tod % 60, ms, mon[m - 1], d, y, sec, frac);
}

/* A value for %.Nf without "-0.00". */
static double nz(double v, double eps)
{
	return fabs(v) < eps ? 0.0 : v;
}

void ntp_fmt_status(const NtpSysStatus *st, struct sbuf *out)
{
	bool sync = st->has_synchronized && st->synchronized;
	double nominal = st->has_nominal_hz ? st->nominal_hz : 0.0;
	double actual = nominal * (1.0 + (st->has_frequency_ppm ? st->frequency_ppm : 0.0) * 1e-6);
	char ref[64];
	const char *refid = sync && st->refid_text && st->refid_text[0] ? st->refid_text : "none";
	const char *state = st->sync_state && st->sync_state[0] ? st->sync_state
			    : sync ? "clock synchronized" : "clock not synchronized";

	ntp_fmt_timestamp(st->has_reference_time ? st->reference_time : 0, ref, sizeof(ref));
	sbuf_printf(out, " clock status: %s\r\n", sync ? "synchronized" : "unsynchronized");
	sbuf_printf(out, " clock stratum: %u\r\n",
		    sync ? (st->has_stratum ? st->stratum : 16) : 16);
	sbuf_printf(out, " reference clock ID: %s\r\n", refid);
	sbuf_printf(out, " nominal frequency: %.4f Hz\r\n", nz(nominal, 5e-5));
	sbuf_printf(out, " actual frequency: %.4f Hz\r\n", nz(actual, 5e-5));
	sbuf_printf(out, " clock precision: 2^%d\r\n", st->has_precision ? -st->precision : 0);
	sbuf_printf(out, " clock offset: %.4f ms\r\n", nz(st->offset * 1e3, 5e-5));
	sbuf_printf(out, " root delay: %.2f ms\r\n", nz(st->root_delay * 1e3, 5e-3));
	sbuf_printf(out, " root dispersion: %.2f ms\r\n", nz(st->root_dispersion * 1e3, 5e-3));
	sbuf_printf(out, " peer dispersion: %.2f ms\r\n", nz(st->peer_dispersion * 1e3, 5e-3));
	sbuf_printf(out, " reference time: %s\r\n", ref);
	sbuf_printf(out, " synchronization state: %s\r\n", state);
	/* Not in the manuals' layout: one more line, only while unsynchronized,
	 * saying why (e.g. falsetickers outvote the truechimers). */
	if (!sync && st->reason && st->reason[0])
		sbuf_printf(out, " unsynchronized reason: %s\r\n", st->reason);
}

static const char *mode_name(uint32_t mode)
{
	static const char *const names[] = { "unspec", "active", "passive", "client",
					     "server", "broadcast", "control", "private" };

	return mode < 8 ? names[mode] : "unknown";
}

static unsigned poll_secs(int32_t poll)
{
	return poll <= 0 ? 1 : poll > 31 ? 0x80000000u : 1u << poll;
}

/* Not in the manuals' layout (they give no reason): one more line, only
 * while the association cannot be reached, saying why (its source
 * interface is down, ...), as the status says why it is unsynchronized. */
static void fmt_unreachable(const NtpSession *s, struct sbuf *out)
{
	if (s->unreachable && s->unreachable[0])
		sbuf_printf(out, " unreachable reason: %s\r\n", s->unreachable);
}

void ntp_fmt_sessions(NtpSession *const *v, size_t n, bool verbose, struct sbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		const NtpSession *s = v[i];
		char ts[64];

		if (i > 0)
			sbuf_puts(out, "\r\n");
		sbuf_printf(out, " clock source: %s\r\n", s->source ? s->source : "");
		/* Huawei's manuals show no VPN field (vrp-ntp.md's references);
		 * H3C's print the instance after the source: so does this line,
		 * in VRP's lower-case "key: value" style, only for an
		 * association in a VPN instance. */
		if (s->vpn_instance && s->vpn_instance[0])
			sbuf_printf(out, " vpn-instance: %s\r\n", s->vpn_instance);
		sbuf_printf(out, " clock stratum: %u\r\n", s->stratum);
		sbuf_puts(out, " clock status:");
		for (size_t k = 0; k < s->n_status; k++)
			sbuf_printf(out, "%s %s", k ? "," : "", s->status[k]);
		sbuf_puts(out, "\r\n");
		sbuf_printf(out, " reference clock ID: %s\r\n",
			    s->refid_text && s->refid_text[0] ? s->refid_text : "none");
		if (!verbose) {
			sbuf_printf(out, " reach: %u\r\n", s->reach);
			sbuf_printf(out, " current poll: %u\r\n", poll_secs(s->poll));
			sbuf_printf(out, " now: %u\r\n", s->now);
			sbuf_printf(out, " offset: %.4f ms\r\n", nz(s->offset * 1e3, 5e-5));
			sbuf_printf(out, " delay: %.2f ms\r\n", nz(s->delay * 1e3, 5e-3));
			sbuf_printf(out, " disper: %.2f ms\r\n", nz(s->dispersion * 1e3, 5e-3));
			fmt_unreachable(s, out);
			continue;
		}
		/* Host mode 6 is a broadcast/multicast client (RFC 5905 M_BCLN). */
		/* VRP8's layout (NE series manual). */
		/* local poll: what the clock discipline asks; current poll:
		 * what is in effect (faster while unsynchronized, slower after
		 * a KoD RATE). */
		sbuf_printf(out, " local mode: %s, local poll: %u, current poll: %u\r\n",
			    s->local_mode == 6 ? "bclient" : mode_name(s->local_mode),
			    poll_secs(s->has_local_poll ? s->local_poll : s->poll),
			    poll_secs(s->poll));
		sbuf_printf(out, " peer mode: %s, peer poll: %u, now: %u\r\n",
			    mode_name(s->peer_mode), poll_secs(s->peer_poll), s->now);
		sbuf_printf(out, " offset: %.4f ms, delay: %.2f ms, disper: %.2f ms\r\n",
			    nz(s->offset * 1e3, 5e-5), nz(s->delay * 1e3, 5e-3),
			    nz(s->dispersion * 1e3, 5e-3));
		sbuf_printf(out, " root delay: %.2f ms, root disper: %.2f ms\r\n",
			    nz(s->root_delay * 1e3, 5e-3), nz(s->root_dispersion * 1e3, 5e-3));
		sbuf_printf(out, " reach: %u, sync dist: %.3f, sync state: %u\r\n", s->reach,
			    nz(s->sync_distance, 5e-4), s->sync_state);
		sbuf_printf(out, " precision: 2^%d, version: %u, peer interface: %s\r\n",
			    -s->precision, s->version,
			    s->peer_interface && s->peer_interface[0] ? s->peer_interface : "none");
		ntp_fmt_timestamp(s->reftime, ts, sizeof(ts));
		sbuf_printf(out, " reftime: %s\r\n", ts);
		ntp_fmt_timestamp(s->orgtime, ts, sizeof(ts));
		sbuf_printf(out, " orgtime: %s\r\n", ts);
		ntp_fmt_timestamp(s->rcvtime, ts, sizeof(ts));
		sbuf_printf(out, " rcvtime: %s\r\n", ts);
		ntp_fmt_timestamp(s->xmttime, ts, sizeof(ts));
		sbuf_printf(out, " xmttime: %s\r\n", ts);
		static const char *const rows[] = { " filter delay :", " filter offset:",
						    " filter disper:" };
		for (int r = 0; r < 3; r++) {
			sbuf_puts(out, rows[r]);
			for (size_t k = 0; k < s->n_filter; k++) {
				const NtpFilterStage *f = s->filter[k];
				double x = r == 0 ? f->delay : r == 1 ? f->offset : f->dispersion;
				sbuf_printf(out, " %7.2f", nz(x * 1e3, 5e-3));
			}
			sbuf_puts(out, "\r\n");
		}
		if (s->source && strncmp(s->source, "127.127.", 8) == 0)
			sbuf_printf(out, " reference clock status: %s\r\n",
				    s->reach == 255 ? "normal" : "abnormal");
		fmt_unreachable(s, out);
	}
}
