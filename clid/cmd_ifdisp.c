/*
 * cmd_ifdisp.c: `display interface brief`, `display ip interface brief`,
 * `display ipv6 interface brief` and `display interface [ IF ]`, formatted
 * from ifmgrd's IfDetails (the state ifmgrd publishes plus the MTU, MAC,
 * last change and the kernel's counters, read when asked).  clid never
 * reads the kernel itself; descriptions and `ipv6 enable` come from
 * running, asked of cfgd.
 *
 * States, as VRP words them:
 *  - physical: "*down" when administratively down (`shutdown`, or a netdev
 *    the configuration has not brought up), else "up" or "down" as the
 *    kernel says (IFF_UP and IFF_RUNNING);
 *  - line protocol: down unless physical is up; a LoopBack is "up(s)"
 *    (spoofing: up with no real link, as VRP prints LoopBack and NULL);
 *    any other interface is up once it has an address to route with (an
 *    IPv4 primary or a usable global IPv6 address), as a VRP routed port
 *    with no address shows its protocol DOWN.
 *
 * Layouts (vrp-operator.md section 2):
 *  - `display interface brief`: VRP8's displayIfBrief legend and columns,
 *    values placed as the manual's sample rows place them (a "*down"
 *    starts one column left of "up").  InUti/OutUti are "--": Meridian
 *    measures no rates (VRP prints "--" where it has none either).
 *  - `display ip interface brief`: the manual's form with the VPN column
 *    (the real capture lacks it; the manual's layout is chosen since
 *    Meridian has VPN instances), "unassigned" with no address, "--" with
 *    no VPN instance.
 *  - `display ipv6 interface brief`: VRP8's form, each interface followed
 *    by "[IPv6 Address] X" per global address (or the link-local one,
 *    or "Unassigned").
 *  - `display interface IF`: VRP8's displayInterface lines that Meridian
 *    can fill truthfully (state, line protocol, Meridian's "Down reason"
 *    line when DOWN without `shutdown`, last physical change,
 *    description, MTU, addresses, MAC, the counters in VRP8's two-column
 *    form); times are UTC, as the NTP displays print them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bootstrap.h"
#include "cmd.h"
#include "cmd_ifdisp.h"
#include "log.h"

static const struct cmd_kwhelp ifdisp_kw[] = {
	{ "display", "Display information" },
	{ "interface", "Display the interface status and configuration" },
	{ "brief", "Display brief information of interfaces" },
	{ "ip", "Display IP information" },
	{ "ipv6", "Display IPv6 information" },
	{ NULL, NULL },
};

static const struct cmd_param ifdisp_params[] = {
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" },
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" },
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" },
	{ NULL, 0, 0, 0, NULL },
};

static bool is_loopback(const char *name)
{
	return name && !strncasecmp(name, "LoopBack", 8);
}

void ifdisp_state_of(const IfState *st, struct ifdisp_state *out)
{
	bool addr = (st->primary_ipv4 && st->primary_ipv4[0]) || st->n_ipv6 > 0;

	out->phy_up = st->admin_up && st->oper_up;
	out->phy = !st->admin_up ? "*down" : st->oper_up ? "up" : "down";
	out->protocol_up = out->phy_up && (addr || is_loopback(st->name));
	out->protocol = !out->protocol_up ? "down" : is_loopback(st->name) ? "up(s)" : "up";
}

static const IfCounters no_counters = IF_COUNTERS__INIT;

static const IfCounters *counters_of(const IfDetail *d)
{
	return d->counters ? d->counters : &no_counters;
}

void ifdisp_fmt_brief(const IfDetails *ds, struct sbuf *out)
{
	sbuf_puts(out, "PHY: Physical\r\n"
		  "*down: administratively down\r\n"
		  "^down: standby\r\n"
		  "(l): loopback\r\n"
		  "(s): spoofing\r\n"
		  "InUti/OutUti: input utility/output utility\r\n"
		  "Interface                   PHY   Protocol  InUti OutUti   inErrors  outErrors\r\n");
	for (size_t i = 0; i < ds->n_interface; i++) {
		const IfDetail *d = ds->interface[i];
		const IfCounters *c = counters_of(d);
		struct ifdisp_state s;
		char phy[16];

		if (!d->state)
			continue;
		ifdisp_state_of(d->state, &s);
		/* A marker ("*down") hangs one column left of the PHY column. */
		snprintf(phy, sizeof(phy), "%s%s", s.phy[0] == '*' ? "" : " ", s.phy);
		sbuf_printf(out, "%-27s%-7s%-8s%7s%8s%11llu%11llu\r\n", d->state->name, phy,
			    s.protocol, "--", "--", (unsigned long long)c->rx_errors,
			    (unsigned long long)c->tx_errors);
	}
}

void ifdisp_fmt_ip_brief(const IfDetails *ds, struct sbuf *out)
{
	unsigned phy_up = 0, phy_down = 0, proto_up = 0, proto_down = 0;

	for (size_t i = 0; i < ds->n_interface; i++) {
		struct ifdisp_state s;

		if (!ds->interface[i]->state)
			continue;
		ifdisp_state_of(ds->interface[i]->state, &s);
		s.phy_up ? phy_up++ : phy_down++;
		s.protocol_up ? proto_up++ : proto_down++;
	}
	sbuf_puts(out, "*down: administratively down\r\n"
		  "!down: FIB overload down\r\n"
		  "^down: standby\r\n"
		  "(l): loopback\r\n"
		  "(s): spoofing\r\n");
	sbuf_printf(out, "The number of interface that is UP in Physical is %u\r\n", phy_up);
	sbuf_printf(out, "The number of interface that is DOWN in Physical is %u\r\n", phy_down);
	sbuf_printf(out, "The number of interface that is UP in Protocol is %u\r\n", proto_up);
	sbuf_printf(out, "The number of interface that is DOWN in Protocol is %u\r\n", proto_down);
	sbuf_puts(out, "\r\n"
		  "Interface                   IP Address/Mask    Physical Protocol VPN\r\n");
	for (size_t i = 0; i < ds->n_interface; i++) {
		const IfState *st = ds->interface[i]->state;
		struct ifdisp_state s;
		char addr[64];

		if (!st)
			continue;
		ifdisp_state_of(st, &s);
		if (st->primary_ipv4 && st->primary_ipv4[0])
			snprintf(addr, sizeof(addr), "%s/%u", st->primary_ipv4, st->prefix_len);
		else
			snprintf(addr, sizeof(addr), "unassigned");
		sbuf_printf(out, "%-28s%-19s%-9s%-9s%s\r\n", st->name, addr, s.phy, s.protocol,
			    st->vpn_instance && st->vpn_instance[0] ? st->vpn_instance : "--");
	}
}

static const Interface *config_if(const Config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_interface; i++)
		if (!strcasecmp(cfg->interface[i]->name, name))
			return cfg->interface[i];
	return NULL;
}

void ifdisp_fmt_ipv6_brief(const IfDetails *ds, const Config *cfg, struct sbuf *out)
{
	sbuf_puts(out, "*down: administratively down\r\n"
		  "(l): loopback\r\n"
		  "(s): spoofing\r\n"
		  "Interface                         Physical              Protocol\r\n");
	for (size_t i = 0; i < ds->n_interface; i++) {
		const IfState *st = ds->interface[i]->state;
		const Interface *ifc = st ? config_if(cfg, st->name) : NULL;
		struct ifdisp_state s;
		bool up6;

		if (!ifc || !ifc->ipv6_enable)
			continue;
		ifdisp_state_of(st, &s);
		/* The IPv6 protocol is up once the interface has an address of
		 * its own to speak IPv6 with (the kernel's link-local one). */
		up6 = s.phy_up && (st->n_ipv6 > 0 || (st->ipv6_link_local && st->ipv6_link_local[0]));
		sbuf_printf(out, "%-34s%-22s%s\r\n", st->name, s.phy,
			    !up6 ? "down" : is_loopback(st->name) ? "up(s)" : "up");
		if (st->n_ipv6 == 0) {
			sbuf_puts(out, "[IPv6 Address] ");
			sbuf_puts_upper(out, st->ipv6_link_local && st->ipv6_link_local[0] ?
					st->ipv6_link_local : "Unassigned");
			sbuf_puts(out, "\r\n");
		}
		for (size_t k = 0; k < st->n_ipv6; k++) {
			sbuf_puts(out, "[IPv6 Address] ");
			sbuf_puts_upper(out, st->ipv6[k]);
			sbuf_puts(out, "\r\n");
		}
	}
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

/* VRP8's counter pair: the left label and value fill 32 columns, the right
 * ones 31, "      Discard:                       0,  Total Error:                  0". */
static void counter_pair(struct sbuf *out, const char *l, uint64_t lv, const char *r, uint64_t rv)
{
	int lw = 32 - (int)strlen(l), rw = 31 - (int)strlen(r);

	sbuf_printf(out, "      %s%*llu,  %s%*llu\r\n", l, lw > 1 ? lw : 1, (unsigned long long)lv,
		    r, rw > 1 ? rw : 1, (unsigned long long)rv);
}

void ifdisp_fmt_interface(const IfDetail *d, const char *description, int64_t now,
			  struct sbuf *out)
{
	const IfState *st = d->state;
	const IfCounters *c = counters_of(d);
	struct ifdisp_state s;
	char when[32];

	if (!st)
		return;
	ifdisp_state_of(st, &s);
	sbuf_printf(out, "%s current state : %s (ifindex: %u)\r\n", st->name,
		    !st->admin_up ? "Administratively DOWN" : s.phy_up ? "UP" : "DOWN", st->ifindex);
	sbuf_printf(out, "Line protocol current state : %s\r\n",
		    !s.protocol_up ? "DOWN" : is_loopback(st->name) ? "UP (spoofing)" : "UP");
	/* Not in the manuals (vrp-operator.md section 2 gives only the two
	 * state lines): Meridian's line saying why an interface the
	 * configuration wants up is DOWN. */
	if (!s.phy_up && d->down_reason && d->down_reason[0])
		sbuf_printf(out, "Down reason : %s\r\n", d->down_reason);
	if (d->has_last_change && d->last_change > 0) {
		fmt_time(d->last_change, when, sizeof(when));
		sbuf_printf(out, "Last physical %s time %s: %s\r\n", s.phy_up ? "up" : "down",
			    s.phy_up ? "  " : "", when);
	}
	sbuf_printf(out, "Description:%s\r\n", description ? description : "");
	sbuf_printf(out, "Route Port,The Maximum Transmit Unit is %u\r\n", d->mtu);
	if (st->primary_ipv4 && st->primary_ipv4[0]) {
		sbuf_printf(out, "Internet Address is %s/%u\r\n", st->primary_ipv4, st->prefix_len);
		for (size_t k = 0; k < st->n_sub_ipv4; k++)
			sbuf_printf(out, "Internet Address is %s Sub\r\n", st->sub_ipv4[k]);
	} else {
		sbuf_puts(out, "Internet protocol processing : disabled\r\n");
	}
	if (d->loopback || is_loopback(st->name)) {
		sbuf_puts(out, "Physical is Loopback\r\n");
	} else if (d->mac.len == 6) {
		const uint8_t *m = d->mac.data;

		sbuf_printf(out, "IP Sending Frames' Format is PKTFMT_ETHNT_2, Hardware address is "
			    "%02x%02x-%02x%02x-%02x%02x\r\n", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	fmt_time(now, when, sizeof(when));
	sbuf_printf(out, "Current system time: %s\r\n", when);
	sbuf_printf(out, "    Input:%20llu packets,%19llu bytes\r\n",
		    (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes);
	counter_pair(out, "Unicast:", c->rx_packets >= c->rx_multicast ?
		     c->rx_packets - c->rx_multicast : 0, "Multicast:", c->rx_multicast);
	counter_pair(out, "Discard:", c->rx_dropped, "Total Error:", c->rx_errors);
	sbuf_printf(out, "    Output:%19llu packets,%19llu bytes\r\n",
		    (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes);
	counter_pair(out, "Discard:", c->tx_dropped, "Total Error:", c->tx_errors);
}

/* Ask ifmgrd for one interface (name) or all (NULL). */
static int query(struct cmd_ctx *ctx, const char *name, IfReply **rep)
{
	IfDetailRequest dr = IF_DETAIL_REQUEST__INIT;
	IfRequest req = IF_REQUEST__INIT;

	dr.name = (char *)name;
	req.req_case = IF_REQUEST__REQ_DETAIL;
	req.detail = &dr;
	if (cmd_ifmgr_call(ctx, &req, CLI_IFMGR_TIMEOUT_MS, rep) < 0)
		return -1;
	if (!(*rep)->details) {
		if_reply__free_unpacked(*rep, NULL);
		*rep = NULL;
		return cmd_error(ctx, "The interface service gave no answer.");
	}
	return 0;
}

static int show(struct cmd_ctx *ctx, void (*fmt)(const IfDetails *, struct sbuf *))
{
	IfReply *rep;
	struct sbuf b = { 0 };

	if (query(ctx, NULL, &rep) < 0)
		return -1;
	fmt(rep->details, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	if_reply__free_unpacked(rep, NULL);
	return 0;
}

static int h_brief(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return show(ctx, ifdisp_fmt_brief);
}

static int h_ip_brief(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	return show(ctx, ifdisp_fmt_ip_brief);
}

static int h_ipv6_brief(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *cfg;
	IfReply *rep;
	struct sbuf b = { 0 };

	if (cmd_get_config(ctx, false, &cfg) < 0)
		return -1;
	if (query(ctx, NULL, &rep) < 0) {
		config__free_unpacked(cfg, NULL);
		return -1;
	}
	ifdisp_fmt_ipv6_brief(rep->details, cfg, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	if_reply__free_unpacked(rep, NULL);
	config__free_unpacked(cfg, NULL);
	return 0;
}

static int h_interface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char name[64];
	int named = cmd_arg_ifname(ctx, a, name, sizeof(name));
	Config *cfg;
	IfReply *rep;
	struct sbuf b = { 0 };

	if (named < 0)
		return -1;
	if (named && !bootstrap_is_loopback(name) && !cmd_interface_known(ctx, name)) {
		size_t tok = cmd_has(a, "interface-name") ? cmd_arg_tok(a, "interface-name")
			     : cmd_arg_tok(a, "interface-number");
		return cmd_error_at(ctx, tok, GRAM_WRONG_PARAM);
	}
	if (cmd_get_config(ctx, false, &cfg) < 0)
		return -1;
	if (query(ctx, named ? name : NULL, &rep) < 0) {
		config__free_unpacked(cfg, NULL);
		return -1;
	}
	for (size_t i = 0; i < rep->details->n_interface; i++) {
		const IfDetail *d = rep->details->interface[i];
		const Interface *ifc = d->state ? config_if(cfg, d->state->name) : NULL;

		if (i > 0)
			sbuf_puts(&b, "\r\n");
		ifdisp_fmt_interface(d, ifc ? ifc->description : NULL, (int64_t)time(NULL), &b);
	}
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	if_reply__free_unpacked(rep, NULL);
	config__free_unpacked(cfg, NULL);
	return 0;
}

const struct cmd_entry cmd_ifdisp_entries[] = {
	{ CLI_V_ALL, "display interface brief", NULL, NULL, ifdisp_kw, h_brief },
	{ CLI_V_ALL, "display ip interface brief", NULL, NULL, ifdisp_kw, h_ip_brief },
	{ CLI_V_ALL, "display ipv6 interface brief", NULL, NULL, ifdisp_kw, h_ipv6_brief },
	{ CLI_V_ALL, "display interface [ interface-name | interface-type interface-number ]",
	  NULL, ifdisp_params, ifdisp_kw, h_interface },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
