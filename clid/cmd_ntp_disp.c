/*
 * cmd_ntp_disp.c: `display ntp-service trace` and `display ntp-service
 * statistics packet`, formatted from ntpd's NtpTrace and NtpPacketStats.
 *
 * Trace (VRP; the reference's layout): one line per hop from this device
 * (named 127.0.0.1, as the Comware manuals print it) toward the primary
 * reference, then the reference id of the last one:
 *   " server 127.0.0.1,stratum 3, offset 0.000024 s, synch distance 0.06337"
 *   " server 10.0.1.31,stratum 2, offset 0.000028 s, synch distance 0.00575"
 *   " refid LOCAL(0)"
 * A walk that could not reach the reference (a server that did not answer)
 * ends with " Info: The trace stopped: <why>." instead of the refid line.
 *
 * Statistics (VRP8's "NTP IPv4 Packet Statistical Information" block:
 * labels padded to 39 columns, then ": N"; then the same for IPv6 after an
 * empty line), each followed by our own section
 * with the refusals of each RFC 5905 packet test, since the manuals do not
 * give one:
 *   " Packet test failures"
 *   "    duplicate                          : 0"  (one line per test)
 * Counters are since ntpd started.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "cmd_ntp_disp.h"
#include "log.h"

static const struct cmd_kwhelp disp_kw[] = {
	{ "ntp-service", "NTP (Network Time Protocol) service information" },
	{ "trace", "Display the path from the local device to the reference clock source" },
	{ "statistics", "Display NTP statistics" },
	{ "packet", "Display NTP packet statistics" },
	{ NULL, NULL },
};

void ntp_fmt_trace(const NtpTrace *t, struct sbuf *out)
{
	for (size_t i = 0; i < t->n_hop; i++) {
		const NtpTraceHop *h = t->hop[i];
		double off = h->offset, dist = h->sync_distance;

		if (off > -5e-7 && off < 5e-7)
			off = 0.0;   /* no "-0.000000" */
		sbuf_printf(out, " server %s,stratum %u, offset %.6f s, synch distance %.5f\r\n",
			    h->server ? h->server : "", h->stratum, off, dist < 0 ? 0.0 : dist);
	}
	if (t->stopped && t->stopped[0])
		sbuf_printf(out, " Info: The trace stopped: %s.\r\n", t->stopped);
	else
		sbuf_printf(out, " refid %s\r\n",
			    t->refid_text && t->refid_text[0] ? t->refid_text : "none");
}

static void line(struct sbuf *out, int indent, const char *label, uint64_t n)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%*s%s", indent, "", label);
	sbuf_printf(out, "%-39s: %llu\r\n", buf, (unsigned long long)n);
}

void ntp_fmt_packet_stats(const NtpPacketStats *s, const char *family, struct sbuf *out)
{
	sbuf_printf(out, " NTP %s Packet Statistical Information\r\n", family);
	sbuf_puts(out, " ---------------------------------------\r\n");
	line(out, 1, "Sent", s->sent);
	line(out, 4, "Send failures", s->send_failures);
	line(out, 1, "Received", s->received);
	line(out, 4, "Processed", s->processed);
	line(out, 4, "Dropped", s->dropped);
	line(out, 7, "Validity test failures", s->validity_failures);
	line(out, 10, "Authentication failures", s->auth_failures);
	line(out, 7, "Invalid packets", s->invalid);
	line(out, 7, "Access denied", s->access_denied);
	line(out, 7, "Rate-limited", s->rate_limited);
	/* Always 0 here: ntpd takes each datagram's receive time from the
	 * kernel (SO_TIMESTAMPNS), so time spent queued never spoils one and
	 * nothing is dropped for it. */
	line(out, 7, "Processing delay", 0);
	line(out, 7, "Interface disabled", s->interface_disabled);
	line(out, 7, "Max dynamic association reached", s->max_dynamic);
	line(out, 7, "Others", s->others);
	sbuf_puts(out, " Packet test failures\r\n");
	for (size_t i = 0; i < s->n_test; i++)
		line(out, 4, s->test[i]->name ? s->test[i]->name : "?", s->test[i]->count);
}

static int h_trace(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	NtpTraceRequest tr = NTP_TRACE_REQUEST__INIT;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpReply *rep;
	struct sbuf b = { 0 };

	req.req_case = NTP_REQUEST__REQ_TRACE;
	req.trace = &tr;
	if (cmd_ntp_query(ctx, &req, &rep) < 0)
		return -1;
	if (rep->trace) {
		ntp_fmt_trace(rep->trace, &b);
		cmd_write(ctx, b.buf, b.len);
	}
	sbuf_free(&b);
	ntp_reply__free_unpacked(rep, NULL);
	return 0;
}

static int h_stats(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	NtpPacketStatsRequest sr = NTP_PACKET_STATS_REQUEST__INIT;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpReply *rep;
	struct sbuf b = { 0 };

	req.req_case = NTP_REQUEST__REQ_PACKET_STATS;
	req.packet_stats = &sr;
	if (cmd_ntp_query(ctx, &req, &rep) < 0)
		return -1;
	if (rep->packet_stats)
		ntp_fmt_packet_stats(rep->packet_stats, "IPv4", &b);
	if (rep->packet_stats && rep->packet_stats6)
		sbuf_puts(&b, "\r\n");
	if (rep->packet_stats6)
		ntp_fmt_packet_stats(rep->packet_stats6, "IPv6", &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	ntp_reply__free_unpacked(rep, NULL);
	return 0;
}

const struct cmd_entry cmd_ntp_disp_entries[] = {
	{ CLI_V_ALL, "display ntp-service trace", NULL, NULL, disp_kw, h_trace },
	{ CLI_V_ALL, "display ntp-service statistics packet", NULL, NULL, disp_kw, h_stats },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
