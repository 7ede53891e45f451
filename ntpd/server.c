/*
 * server.c: what to do with a received datagram (RFC 5905 receive dispatch)
 * and the stateless server side.
 *
 *   mode 3 (client)   on an address we serve: answer mode 4 at once;
 *                     elsewhere dropped ("not serving").
 *   mode 4 (server)   to the client association of that address:port.
 *   mode 1 (active)   to the association of that address (a configured peer
 *                     is fed and answers on its own poll; a dynamic passive
 *                     one is fed and answers mode 2 at once); from an
 *                     unknown address on an address we serve: a new dynamic
 *                     passive association (at most NTPD_MAX_DYNAMIC).
 *   mode 2 (passive)  to our symmetric-active association of that address.
 *   mode 0, 5, 6, 7, undecodable: dropped, each reason counted.
 *
 * A server answers with its own system variables; an unsynchronized one
 * answers leap 3 and stratum 0 (= 16) so nobody synchronizes to it: a
 * device serves time only once synchronized.  Authentication and access
 * control are not implemented yet: MACs are ignored, answers carry none.
 */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "ntpd.h"

static const char *const drop_names[NTPD_DROP__COUNT] = {
	[NTPD_DROP_MALFORMED] = "malformed",
	[NTPD_DROP_TRUNCATED] = "truncated",
	[NTPD_DROP_MODE0] = "mode 0",
	[NTPD_DROP_MODE5] = "broadcast",
	[NTPD_DROP_MODE6] = "control",
	[NTPD_DROP_MODE7] = "private",
	[NTPD_DROP_NOT_SERVING] = "not serving",
	[NTPD_DROP_NO_ASSOC] = "no association",
	[NTPD_DROP_DYN_LIMIT] = "dynamic limit",
	[NTPD_DROP_ASSOC] = "refused by association",
};

const char *ntpd_drop_name(enum ntpd_drop d)
{
	if ((int)d < 0 || d >= NTPD_DROP__COUNT)
		return "?";
	return drop_names[d];
}

static int drop(struct ntpd *core, enum ntpd_drop d, const struct ntpd_rx *rx)
{
	core->stats.drop[d]++;
	log_debug("datagram from %08x dropped: %s", (unsigned)rx->src, drop_names[d]);
	return 0;
}

int server_answer(struct ntpd *core, const struct ntp_packet *req, uint64_t rx_ts,
		  uint8_t *buf, size_t len)
{
	struct ntp_packet r;

	memset(&r, 0, sizeof(r));
	sys_fill_header(core, &r);
	r.version = req->version;
	r.mode = NTP_MODE_SERVER;
	r.poll = req->poll;
	r.org = req->xmt;
	r.rec = rx_ts;
	r.xmt = ntp_clock_now(core->clock);
	return ntp_packet_encode(&r, buf, len);
}

/* A symmetric-active packet from an address without association. */
static int new_passive(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt,
		       uint8_t *reply, size_t reply_len)
{
	struct assoc_opts o;
	struct assoc *p;

	if (!rx->serving)
		return drop(core, NTPD_DROP_NOT_SERVING, rx);
	if (core->n_dynamic >= NTPD_MAX_DYNAMIC)
		return drop(core, NTPD_DROP_DYN_LIMIT, rx);
	memset(&o, 0, sizeof(o));
	o.hmode = NTP_MODE_PASSIVE;
	o.version = pkt->version;
	o.minpoll = NTP_DEF_MINPOLL;
	o.maxpoll = NTP_MAXPOLL;
	o.port = rx->src_port;
	p = assoc_new(core, rx->src, &o, true);
	p->sock = rx->sock;
	p->src_addr = rx->sock && rx->sock->addr ? rx->sock->addr : 0;
	if (assoc_receive(p, pkt, rx->ts, rx->dst) != ASSOC_OK)
		core->stats.drop[NTPD_DROP_ASSOC]++;
	return assoc_reply(p, reply, reply_len);
}

int ntpd_input(struct ntpd *core, const struct ntpd_rx *rx, uint8_t *reply, size_t reply_len)
{
	struct ntp_packet pkt;
	struct assoc *p;
	enum assoc_result r;
	int n;

	core->stats.received++;
	if (ntp_packet_decode(rx->buf, rx->len, &pkt) < 0) {
		p = ntpd_assoc_find(core, rx->src, rx->src_port);
		if (p)
			p->cnt.rej[ASSOC_R_MALFORMED]++;
		return drop(core, NTPD_DROP_MALFORMED, rx);
	}
	switch (pkt.mode) {
	case NTP_MODE_CLIENT:
		if (!rx->serving)
			return drop(core, NTPD_DROP_NOT_SERVING, rx);
		n = server_answer(core, &pkt, rx->ts, reply, reply_len);
		if (n > 0)
			core->stats.answered++;
		return n > 0 ? n : 0;
	case NTP_MODE_SERVER:
	case NTP_MODE_PASSIVE:
		p = ntpd_assoc_find(core, rx->src, rx->src_port);
		if (!p || (pkt.mode == NTP_MODE_SERVER && p->opts.hmode != NTP_MODE_CLIENT) ||
		    (pkt.mode == NTP_MODE_PASSIVE && p->opts.hmode != NTP_MODE_ACTIVE))
			return drop(core, NTPD_DROP_NO_ASSOC, rx);
		if (assoc_receive(p, &pkt, rx->ts, rx->dst) != ASSOC_OK)
			core->stats.drop[NTPD_DROP_ASSOC]++;
		return 0;
	case NTP_MODE_ACTIVE:
		p = ntpd_assoc_find(core, rx->src, rx->src_port);
		if (!p)
			p = ntpd_assoc_find(core, rx->src, 0);
		if (!p)
			return new_passive(core, rx, &pkt, reply, reply_len);
		if (p->opts.hmode == NTP_MODE_CLIENT)
			return drop(core, NTPD_DROP_NO_ASSOC, rx);
		r = assoc_receive(p, &pkt, rx->ts, rx->dst);
		if (r != ASSOC_OK)
			core->stats.drop[NTPD_DROP_ASSOC]++;
		/* A dynamic passive association answers each packet but a duplicate. */
		if (p->opts.hmode == NTP_MODE_PASSIVE && r != ASSOC_R_DUP && r != ASSOC_R_INVALID) {
			if (rx->sock)
				p->sock = rx->sock;
			n = assoc_reply(p, reply, reply_len);
			return n > 0 ? n : 0;
		}
		return 0;
	case NTP_MODE_BROADCAST:
		return drop(core, NTPD_DROP_MODE5, rx);
	case NTP_MODE_CONTROL:
		return drop(core, NTPD_DROP_MODE6, rx);
	case NTP_MODE_PRIVATE:
		return drop(core, NTPD_DROP_MODE7, rx);
	default:
		return drop(core, NTPD_DROP_MODE0, rx);
	}
}
