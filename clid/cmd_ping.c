/*
 * cmd_ping.c: `ping [ ipv6 ] [ options ] HOST` and `tracert [ options ]
 * HOST` (vrp-operator.md section 4).  ifmgrd sends the probes
 * (ifmgrd/probe.c); this file asks it to start, then reads the outcomes
 * as a stream of long polls (ifmgr.proto) and prints each line as it
 * comes, so the session shows every reply at once and waits, suspended,
 * only for ifmgrd (other sessions go on).  Ctrl-C (cli_interrupt) is
 * seen between two polls (at most PROBE_POLL_HOLD_MS, 500 ms, apart):
 * the run is stopped and, as VRP does, ping's statistics of what was sent
 * are printed.
 *
 * Layouts chosen where the manuals differ:
 *  - ping's header has two spaces before "data bytes" (the manual's
 *    sample; other pages print one);
 *  - `ping ipv6` prints VRP8's two-line replies ("Reply from X" then
 *    "bytes=56 Sequence=1 hop limit=64 time=1 ms"), addresses upper-case;
 *  - tracert's header is " traceroute to  HOST(ADDR), max hops: 30
 *    ,packet length: 40,press CTRL_C to break" (the sample's; other pages
 *    print "hops max: 30"); a hop whose answer was an ICMP unreachable
 *    other than port unreachable ends the trace, marked "!H", "!N", ...
 *    after the time as traceroute marks it.
 *  - times are whole milliseconds rounded up (ping_ms).
 * `-vpn-instance NAME` (both commands, as VRP8 has it) sends and listens
 * in that instance: ifmgrd opens the socket there (ifmgrd/probe.c).
 * HOST is a numeric address: Meridian has no DNS client, so a name gets
 * "Error: Unknown host NAME." at once (the manuals give no text for it).
 * An address that does not answer, or has no route, times out probe by
 * probe ("Request time out", 100% loss, no round-trip line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "backend.h"
#include "cmd.h"
#include "cmd_ifdisp.h"
#include "cmd_ping.h"
#include "log.h"

/* ifmgrd holds a poll for at most 500 ms (PROBE_POLL_HOLD_MS): the call's
 * timeout is ifmgrd's usual one beyond that. */
#define PING_POLL_TIMEOUT_MS (500 + CLI_IFMGR_TIMEOUT_MS)

static const struct cmd_kwhelp ping_kw[] = {
	{ "ping", "Ping function" },
	{ "ipv6", "IPv6 ping function" },
	{ "tracert", "Trace route function" },
	{ "-a", "Select source IP address, the default is the IP address of the output interface" },
	{ "-c", "Specify the number of echo requests to be sent" },
	{ "-s", "Specify the size of echo request packet" },
	{ "-t", "Specify the timeout in milliseconds to wait for each reply" },
	{ "-i", "Select the interface sending packets" },
	{ "-f", "Set the TTL of the first packet" },
	{ "-m", "Set the maximum TTL" },
	{ "-q", "Set the number of probe packets sent each time" },
	{ "-w", "Set the timeout in milliseconds to wait for each reply" },
	{ "-vpn-instance", "Set VPN instance" },
	{ NULL, NULL },
};

static const struct cmd_param ping_params[] = {
	{ "source-ip-address", GP_IPV4, 0, 0, "Source IP address" },
	{ "source-ipv6-address", GP_STRING, 2, 39, "Source IPv6 address (X:X::X:X)" },
	{ "count", GP_INT, 1, 4294967295u, "Number of echo requests" },
	{ "packetsize", GP_INT, 20, 9600, "Number of data bytes in an echo request" },
	{ "timeout", GP_INT, 0, 65535, "Timeout in milliseconds" },
	{ "interface-name", GP_IFNAME, 0, 0, "Interface name" },
	{ "interface-type", GP_IFTYPE, 0, 0, "Interface type" },
	{ "interface-number", GP_IFNUM, 0, 0, "Interface number" },
	{ "vpn-instance-name", GP_STRING, 1, 31, "VPN instance name" },
	{ "host", GP_STRING, 1, 255, "IP address or host name of a remote system" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param tracert_params[] = {
	{ "source-ip-address", GP_IPV4, 0, 0, "Source IP address" },
	{ "first-ttl", GP_INT, 1, 255, "TTL of the first packet" },
	{ "max-ttl", GP_INT, 1, 255, "Maximum TTL" },
	{ "nqueries", GP_INT, 1, 65535, "Number of probe packets sent each time" },
	{ "timeout", GP_INT, 1, 65535, "Timeout in milliseconds" },
	{ "vpn-instance-name", GP_STRING, 1, 31, "VPN instance name" },
	{ "host", GP_STRING, 1, 255, "IP address or host name of a remote system" },
	{ NULL, 0, 0, 0, NULL },
};

uint32_t ping_ms(uint64_t us)
{
	return (uint32_t)((us + 999) / 1000);
}

/* IPv6 text as VRP prints it: upper-case. */
static void upper(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 'a' + 'A') : in[i];
	out[i] = '\0';
}

void ping_fmt_header(const char *addr, bool v6, uint32_t size, struct sbuf *out)
{
	char a[64];

	if (v6) {
		upper(addr, a, sizeof(a));
		sbuf_printf(out, "  PING %s : %u  data bytes, press CTRL_C to break\r\n", a, size);
	} else {
		sbuf_printf(out, "  PING %s: %u  data bytes, press CTRL_C to break\r\n", addr, size);
	}
}

void ping_fmt_event(const ProbeEvent *e, bool v6, struct sbuf *out)
{
	char a[64];

	if (e->timeout || !e->from) {
		sbuf_puts(out, "    Request time out\r\n");
		return;
	}
	if (v6) {
		upper(e->from, a, sizeof(a));
		sbuf_printf(out, "    Reply from %s\r\n"
			    "    bytes=%u Sequence=%u hop limit=%u time=%u ms\r\n",
			    a, e->bytes, e->seq, e->ttl, ping_ms(e->rtt_us));
	} else {
		sbuf_printf(out, "    Reply from %s: bytes=%u Sequence=%u ttl=%u time=%u ms\r\n",
			    e->from, e->bytes, e->seq, e->ttl, ping_ms(e->rtt_us));
	}
}

void ping_fmt_stats(const char *addr, bool v6, const ProbeStatus *st, struct sbuf *out)
{
	char a[64];
	double loss = st->sent ? 100.0 * (double)(st->sent - st->received) / st->sent : 0.0;

	if (v6)
		upper(addr, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "%s", addr);
	sbuf_printf(out, "\r\n  --- %s ping statistics ---\r\n", a);
	sbuf_printf(out, "    %u packet(s) transmitted\r\n", st->sent);
	sbuf_printf(out, "    %u packet(s) received\r\n", st->received);
	sbuf_printf(out, "    %.2f%% packet loss\r\n", loss);
	if (st->received > 0)
		sbuf_printf(out, "    round-trip min/avg/max = %u/%u/%u ms\r\n",
			    ping_ms(st->rtt_min_us), ping_ms(st->rtt_sum_us / st->received),
			    ping_ms(st->rtt_max_us));
}

void tracert_fmt_header(const char *host, const char *addr, uint32_t max_ttl,
			struct sbuf *out)
{
	sbuf_printf(out, " traceroute to  %s(%s), max hops: %u ,packet length: 40,"
		    "press CTRL_C to break\r\n", host, addr, max_ttl);
}

void tracert_fmt_event(const ProbeEvent *e, uint32_t nprobes, struct tracert_line *l,
		       struct sbuf *out)
{
	if (!l->open || e->seq != l->hop) {
		if (l->open)
			sbuf_puts(out, "\r\n");
		sbuf_printf(out, " %u", e->seq);
		l->hop = e->seq;
		l->from[0] = '\0';
		l->after_ms = false;
		l->open = true;
	}
	if (e->timeout || !e->from) {
		sbuf_puts(out, " *");
		l->after_ms = false;
	} else {
		if (strcmp(e->from, l->from) != 0) {
			sbuf_printf(out, " %s", e->from);
			snprintf(l->from, sizeof(l->from), "%s", e->from);
			l->after_ms = false;
		}
		/* "40 ms  21 ms  21 ms": two spaces between the times. */
		sbuf_printf(out, "%s %u ms", l->after_ms ? " " : "", ping_ms(e->rtt_us));
		l->after_ms = true;
		if (e->unreachable && e->unreachable[0]) {
			sbuf_printf(out, " %s", e->unreachable);
			l->after_ms = false;
		}
	}
	if (e->probe + 1 >= nprobes) {
		sbuf_puts(out, "\r\n");
		l->open = false;
	}
}

/* ---- the run ---- */

struct run {
	uint64_t id;
	bool tracert, v6;
	uint32_t nprobes;
	char addr[64];
	struct tracert_line line;
	ProbeStatus *final;     /* the last counts (owned by last_rep) */
	IfReply *last_rep;
};

static void show_events(struct cmd_ctx *ctx, struct run *r, const ProbeStatus *st)
{
	struct sbuf b = { 0 };

	for (size_t i = 0; i < st->n_event; i++) {
		if (r->tracert)
			tracert_fmt_event(st->event[i], r->nprobes, &r->line, &b);
		else
			ping_fmt_event(st->event[i], r->v6, &b);
	}
	if (b.len)
		cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
}

static void keep_last(struct run *r, IfReply *rep)
{
	if (r->last_rep)
		if_reply__free_unpacked(r->last_rep, NULL);
	r->last_rep = rep;
	r->final = rep ? rep->probe : NULL;
}

/* Ctrl-C: stop the run; its counts become the final ones. */
static void stop(struct cmd_ctx *ctx, struct run *r)
{
	ProbeStop ps = PROBE_STOP__INIT;
	IfRequest req = IF_REQUEST__INIT;
	IfReply *rep;

	ps.id = r->id;
	req.req_case = IF_REQUEST__REQ_PROBE_STOP;
	req.probe_stop = &ps;
	if (cmd_ifmgr_call(ctx, &req, CLI_IFMGR_TIMEOUT_MS, &rep) == 0 && rep->probe)
		keep_last(r, rep);
	else if (rep)
		if_reply__free_unpacked(rep, NULL);
}

/* Start the run and stream its events until it ends or Ctrl-C.  0, or -1
 * after the error. */
static int run(struct cmd_ctx *ctx, struct run *r, ProbeStart *ps, const char *header,
	       size_t header_len)
{
	IfRequest req = IF_REQUEST__INIT;
	IfReply *rep;
	uint32_t next = 0;

	req.req_case = IF_REQUEST__REQ_PROBE_START;
	req.probe_start = ps;
	if (cmd_ifmgr_call(ctx, &req, CLI_IFMGR_TIMEOUT_MS, &rep) < 0)
		return -1;
	if (!rep->probe || !rep->probe->has_id) {
		if_reply__free_unpacked(rep, NULL);
		return cmd_error(ctx, "The interface service gave no answer.");
	}
	r->id = rep->probe->id;
	if_reply__free_unpacked(rep, NULL);
	/* Interruptible first: writing the header then has the front end
	 * read what is typed (Ctrl-C) while the run goes on. */
	cmd_interruptible(ctx, true);
	cmd_write(ctx, header, header_len);
	for (;;) {
		ProbePoll pp = PROBE_POLL__INIT;

		if (cmd_interrupted(ctx)) {
			stop(ctx, r);
			break;
		}
		pp.id = r->id;
		pp.has_next = true;
		pp.next = next;
		req.req_case = IF_REQUEST__REQ_PROBE_POLL;
		req.probe_poll = &pp;
		if (cmd_ifmgr_call(ctx, &req, PING_POLL_TIMEOUT_MS, &rep) < 0) {
			cmd_interruptible(ctx, false);
			return -1;
		}
		if (!rep->probe) {
			if_reply__free_unpacked(rep, NULL);
			continue;
		}
		show_events(ctx, r, rep->probe);
		next += (uint32_t)rep->probe->n_event;
		keep_last(r, rep);
		if (r->final->done)
			break;
	}
	cmd_interruptible(ctx, false);
	if (r->tracert && r->line.open)
		cmd_write(ctx, "\r\n", 2);
	return 0;
}

/* The host word: a numeric address of the family wanted.  0, or -1 after
 * the error (a name: unknown host; the other family: wrong parameter). */
static int host_addr(struct cmd_ctx *ctx, const struct cmd_args *a, bool v6, char *buf,
		     size_t len)
{
	const char *host = cmd_arg(a, "host");
	struct in6_addr a6;
	struct in_addr a4;

	if (!v6 && inet_pton(AF_INET, host, &a4) == 1) {
		inet_ntop(AF_INET, &a4, buf, (socklen_t)len);
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &a6) == 1) {
		inet_ntop(AF_INET6, &a6, buf, (socklen_t)len);
		return 0;
	}
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1 ||
	    strchr(host, ':'))
		return cmd_error_at(ctx, cmd_arg_tok(a, "host"), GRAM_WRONG_PARAM);
	return cmd_error(ctx, "Unknown host %s.", host);
}

static int h_ping(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	bool v6 = cmd_has(a, "ipv6");
	ProbeStart ps = PROBE_START__INIT;
	struct run r = { .v6 = v6 };
	char ifname[64], src[64];
	struct sbuf h = { 0 };
	int named;

	if (host_addr(ctx, a, v6, r.addr, sizeof(r.addr)) < 0)
		return -1;
	named = cmd_arg_ifname(ctx, a, ifname, sizeof(ifname));
	if (named < 0)
		return -1;
	if (named && !cmd_interface_known(ctx, ifname)) {
		size_t tok = cmd_has(a, "interface-name") ? cmd_arg_tok(a, "interface-name")
			     : cmd_arg_tok(a, "interface-number");
		return cmd_error_at(ctx, tok, GRAM_WRONG_PARAM);
	}
	if (v6 && cmd_has(a, "source-ipv6-address")) {
		struct in6_addr s6;

		if (inet_pton(AF_INET6, cmd_arg(a, "source-ipv6-address"), &s6) != 1)
			return cmd_error_at(ctx, cmd_arg_tok(a, "source-ipv6-address"),
					    GRAM_WRONG_PARAM);
		inet_ntop(AF_INET6, &s6, src, sizeof(src));
		ps.source = src;
	} else if (!v6 && cmd_has(a, "source-ip-address")) {
		snprintf(src, sizeof(src), "%s", cmd_arg(a, "source-ip-address"));
		ps.source = src;
	}
	ps.host = r.addr;
	ps.interface = named ? ifname : NULL;
	ps.vpn_instance = (char *)cmd_arg(a, "vpn-instance-name");
	ps.has_count = ps.has_size = ps.has_timeout_ms = true;
	ps.count = cmd_arg_u32(a, "count", 5);
	ps.size = cmd_arg_u32(a, "packetsize", 56);
	ps.timeout_ms = cmd_arg_u32(a, "timeout", 2000);
	ping_fmt_header(r.addr, v6, ps.size, &h);
	if (run(ctx, &r, &ps, h.buf, h.len) < 0) {
		sbuf_free(&h);
		keep_last(&r, NULL);
		return -1;
	}
	sbuf_free(&h);
	if (r.final) {
		struct sbuf b = { 0 };

		ping_fmt_stats(r.addr, v6, r.final, &b);
		cmd_write(ctx, b.buf, b.len);
		sbuf_free(&b);
	}
	keep_last(&r, NULL);
	return 0;
}

static int h_tracert(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	ProbeStart ps = PROBE_START__INIT;
	struct run r = { .tracert = true };
	char src[64];
	struct sbuf h = { 0 };
	int ret;

	if (host_addr(ctx, a, false, r.addr, sizeof(r.addr)) < 0)
		return -1;
	ps.host = r.addr;
	ps.vpn_instance = (char *)cmd_arg(a, "vpn-instance-name");
	ps.has_tracert = ps.has_first_ttl = ps.has_max_ttl = ps.has_probes = true;
	ps.has_timeout_ms = true;
	ps.tracert = true;
	ps.first_ttl = cmd_arg_u32(a, "first-ttl", 1);
	ps.max_ttl = cmd_arg_u32(a, "max-ttl", 30);
	ps.probes = cmd_arg_u32(a, "nqueries", 3);
	ps.timeout_ms = cmd_arg_u32(a, "timeout", 5000);
	if (ps.first_ttl > ps.max_ttl)
		return cmd_error_at(ctx, cmd_arg_tok(a, "first-ttl"), GRAM_WRONG_PARAM);
	if (cmd_has(a, "source-ip-address")) {
		snprintf(src, sizeof(src), "%s", cmd_arg(a, "source-ip-address"));
		ps.source = src;
	}
	r.nprobes = ps.probes;
	tracert_fmt_header(cmd_arg(a, "host"), r.addr, ps.max_ttl, &h);
	ret = run(ctx, &r, &ps, h.buf, h.len);
	sbuf_free(&h);
	keep_last(&r, NULL);
	return ret;
}

const struct cmd_entry cmd_ping_entries[] = {
	{ CLI_V_ALL, "ping [ -a source-ip-address | -c count | -s packetsize | -t timeout | "
	  "-i { interface-name | interface-type interface-number } | "
	  "-vpn-instance vpn-instance-name ] * host", NULL, ping_params,
	  ping_kw, h_ping },
	{ CLI_V_ALL, "ping ipv6 [ -a source-ipv6-address | -c count | -s packetsize | "
	  "-t timeout | -i { interface-name | interface-type interface-number } | "
	  "-vpn-instance vpn-instance-name ] * host", NULL,
	  ping_params, ping_kw, h_ping },
	{ CLI_V_ALL, "tracert [ -a source-ip-address | -f first-ttl | -m max-ttl | -q nqueries | "
	  "-w timeout | -vpn-instance vpn-instance-name ] * host", NULL, tracert_params, ping_kw,
	  h_tracert },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
