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
 *   mode 5 (broadcast), and anything that reached a broadcast/multicast
 *                     receive socket: bcast_input() (bcast.c).
 *   mode 0, 6, 7, undecodable: dropped, each reason counted.
 *
 * A server answers with its own system variables; an unsynchronized one
 * answers leap 3 and stratum 0 (= 16) so nobody synchronizes to it: a
 * device serves time only once synchronized.
 *
 * Before dispatch: `in-interface disable`, then access control (access.h)
 * for answers and broadcasts; requests (modes 3 and 1) are authenticated
 * (auth.h), screened by access level and rate limit (answered by KoD DENY
 * or RATE when `kod-enable`) and, for mode 3, refused while `server
 * disable`.  Packets to an association pass its authentication before
 * assoc_receive() sees them, so a forged packet never touches its state.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "auth.h"
#include "bcast.h"
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
	[NTPD_DROP_AUTH] = "authentication failed",
	[NTPD_DROP_ACCESS] = "access denied",
	[NTPD_DROP_RATE] = "rate limited",
	[NTPD_DROP_SERVER_DISABLED] = "server disabled",
	[NTPD_DROP_IF_DISABLED] = "interface disabled",
};

const char *ntpd_drop_name(enum ntpd_drop d)
{
	if ((int)d < 0 || d >= NTPD_DROP__COUNT)
		return "?";
	return drop_names[d];
}

int ntpd_drop(struct ntpd *core, enum ntpd_drop d, const struct ntpd_rx *rx)
{
	NTPD_COUNT(core, rx->src.family, drop[d], 1);
	if (log_get_level() >= LOG_LVL_DEBUG) {
		char txt[NADDR_STRLEN];

		log_debug("datagram from %s dropped: %s", naddr_str(&rx->src, txt, sizeof(txt)),
			  drop_names[d]);
	}
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

/* Authentication and access of a request (mode 3 or 1; auth.h, access.h).
 * *stop false: serve it, signing the answer with *keyid (0: unsigned).
 * *stop true: the return value is the length of a KoD answer in reply, or
 * 0 after the drop was counted. */
static int screen_request(struct ntpd *core, const struct ntpd_rx *rx,
			  const struct ntp_packet *pkt, uint8_t *reply, size_t reply_len,
			  uint32_t *keyid, bool *stop)
{
	const char *kod;

	*stop = true;
	if (auth_request(core, rx->buf, pkt, keyid) < 0)
		return ntpd_drop(core, NTPD_DROP_AUTH, rx);
	if (access_screen(core, rx, pkt, &kod) < 0)
		return kod ? access_kod_reply(core, pkt, rx->ts, kod, *keyid, reply, reply_len) : 0;
	*stop = false;
	return 0;
}

/* A symmetric-active packet from an address without association (already
 * screened; keyid: the key it was authenticated with, 0 none). */
static int new_passive(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt,
		       uint32_t keyid, uint8_t *reply, size_t reply_len)
{
	struct assoc_opts o;
	struct assoc *p;

	if (!rx->serving)
		return ntpd_drop(core, NTPD_DROP_NOT_SERVING, rx);
	if (access_server_disabled(core))
		return ntpd_drop(core, NTPD_DROP_SERVER_DISABLED, rx);
	if (core->n_dynamic >= access_max_dynamic(core))
		return ntpd_drop(core, NTPD_DROP_DYN_LIMIT, rx);
	memset(&o, 0, sizeof(o));
	o.keyid = keyid;
	o.hmode = NTP_MODE_PASSIVE;
	o.version = pkt->version;
	o.minpoll = NTP_DEF_MINPOLL;
	o.maxpoll = NTP_MAXPOLL;
	o.port = rx->src_port;
	snprintf(o.vpn, sizeof(o.vpn), "%s", RX_VPN(rx));
	p = assoc_new(core, &rx->src, &o, true);
	p->sock = rx->sock;
	if (rx->sock && !naddr_is_any(&rx->sock->addr))
		p->src_addr = rx->sock->addr;
	if (assoc_receive(p, pkt, rx->ts, &rx->dst) != ASSOC_OK)
		NTPD_COUNT(core, rx->src.family, drop[NTPD_DROP_ASSOC], 1);
	return assoc_reply(p, reply, reply_len);
}

int ntpd_input(struct ntpd *core, const struct ntpd_rx *rx, uint8_t *reply, size_t reply_len)
{
	struct ntp_packet pkt;
	struct assoc *p;
	enum assoc_result r;
	const char *kod;
	uint32_t keyid;
	bool stop;
	int n;

	NTPD_COUNT(core, rx->src.family, received, 1);
	if (ntp_packet_decode(rx->buf, rx->len, &pkt) < 0) {
		p = ntpd_assoc_find_in(core, RX_VPN(rx), &rx->src, rx->src_port);
		if (p)
			p->cnt.rej[ASSOC_R_MALFORMED]++;
		return ntpd_drop(core, NTPD_DROP_MALFORMED, rx);
	}
	/* NTPv1 (RFC 1059) had no mode: its requests carry mode 0 and are
	 * answered as clients' (mode 4, version 1), as ntpd does.  Versions 2-4
	 * are answered in the version of the request (server_answer). */
	if (pkt.version == 1 && pkt.mode == NTP_MODE_RESERVED)
		pkt.mode = NTP_MODE_CLIENT;
	if (access_if_disabled(core, rx))
		return ntpd_drop(core, NTPD_DROP_IF_DISABLED, rx);
	/* Answers and broadcasts feed the clock: peer rights (access.h). */
	if ((pkt.mode == NTP_MODE_SERVER || pkt.mode == NTP_MODE_PASSIVE ||
	     pkt.mode == NTP_MODE_BROADCAST) && access_screen(core, rx, &pkt, &kod) < 0)
		return 0;
	/* Broadcast and multicast (bcast.c), and anything sent to a group. */
	if (pkt.mode == NTP_MODE_BROADCAST || (rx->sock && rx->sock->bcast))
		return bcast_input(core, rx, &pkt);
	switch (pkt.mode) {
	case NTP_MODE_CLIENT:
		if (!rx->serving)
			return ntpd_drop(core, NTPD_DROP_NOT_SERVING, rx);
		if (access_server_disabled(core))
			return ntpd_drop(core, NTPD_DROP_SERVER_DISABLED, rx);
		n = screen_request(core, rx, &pkt, reply, reply_len, &keyid, &stop);
		if (stop)
			return n > 0 ? n : 0;
		n = server_answer(core, &pkt, rx->ts, reply, reply_len);
		if (n > 0 && keyid)
			n = auth_sign(core->auth, keyid, reply, (size_t)n, reply_len);
		if (n > 0)
			NTPD_COUNT(core, rx->src.family, answered, 1);
		return n > 0 ? n : 0;
	case NTP_MODE_SERVER:
	case NTP_MODE_PASSIVE:
		p = ntpd_assoc_find_in(core, RX_VPN(rx), &rx->src, rx->src_port);
		if (!p || (pkt.mode == NTP_MODE_SERVER && p->opts.hmode != NTP_MODE_CLIENT) ||
		    (pkt.mode == NTP_MODE_PASSIVE && p->opts.hmode != NTP_MODE_ACTIVE))
			return ntpd_drop(core, NTPD_DROP_NO_ASSOC, rx);
		if (!auth_assoc_accept(p, rx->buf, &pkt))
			return ntpd_drop(core, NTPD_DROP_AUTH, rx);
		if (assoc_receive(p, &pkt, rx->ts, &rx->dst) != ASSOC_OK)
			NTPD_COUNT(core, rx->src.family, drop[NTPD_DROP_ASSOC], 1);
		return 0;
	case NTP_MODE_ACTIVE:
		n = screen_request(core, rx, &pkt, reply, reply_len, &keyid, &stop);
		if (stop)
			return n > 0 ? n : 0;
		p = ntpd_assoc_find_in(core, RX_VPN(rx), &rx->src, rx->src_port);
		if (!p)
			p = ntpd_assoc_find_in(core, RX_VPN(rx), &rx->src, 0);
		if (!p)
			return new_passive(core, rx, &pkt, keyid, reply, reply_len);
		if (p->opts.hmode == NTP_MODE_CLIENT)
			return ntpd_drop(core, NTPD_DROP_NO_ASSOC, rx);
		if (!auth_assoc_accept(p, rx->buf, &pkt))
			return ntpd_drop(core, NTPD_DROP_AUTH, rx);
		r = assoc_receive(p, &pkt, rx->ts, &rx->dst);
		if (r != ASSOC_OK)
			NTPD_COUNT(core, rx->src.family, drop[NTPD_DROP_ASSOC], 1);
		/* A dynamic passive association answers each packet but a duplicate. */
		if (p->opts.hmode == NTP_MODE_PASSIVE && r != ASSOC_R_DUP && r != ASSOC_R_INVALID) {
			if (rx->sock)
				p->sock = rx->sock;
			n = assoc_reply(p, reply, reply_len);
			return n > 0 ? n : 0;
		}
		return 0;
	case NTP_MODE_BROADCAST:
		return ntpd_drop(core, NTPD_DROP_MODE5, rx);
	case NTP_MODE_CONTROL:
		return ntpd_drop(core, NTPD_DROP_MODE6, rx);
	case NTP_MODE_PRIVATE:
		return ntpd_drop(core, NTPD_DROP_MODE7, rx);
	default:
		return ntpd_drop(core, NTPD_DROP_MODE0, rx);
	}
}
