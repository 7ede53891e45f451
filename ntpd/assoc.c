/*
 * assoc.c: associations (RFC 5905 peer process and poll process).
 *
 * An association is client (mode 3, `unicast-server`), symmetric active
 * (mode 1, `unicast-peer`) or, created by an incoming mode 1 packet from an
 * unknown address, dynamic symmetric passive (mode 2).  Each keeps the
 * peer's timestamps (org, rec, our xmt), the header of its last packet, an
 * 8-stage clock filter, and two 8-bit shift registers shifted at each poll:
 * `reach` (packets passing the protocol tests) and `valid` (samples that
 * passed every test and went into the filter).  A passive association has
 * no poll timer: it answers each symmetric-active packet at once with mode 2
 * (and shifts its registers then); it expires after NTPD_DYN_EXPIRE_POLLS
 * of the peer's poll intervals without a packet.
 *
 * Packet tests, each with a per-association counter (enum assoc_result):
 * mode, invalid (xmt 0), duplicate, zero origin, bogus origin, stale (sent
 * before a clock step), KoD, unsynchronized, header distance, stratum,
 * loop, negative delay, root distance.  A refused packet never reaches the
 * filter, so it can never move the clock.  KoD RATE raises the poll floor;
 * DENY and RSTR stop the association.
 *
 * FAST START and the time to synchronize (the bound we promise):
 *  - A new association sends its first packet 0.1-0.5 s after creation.
 *  - While the system is unsynchronized every association polls every
 *    2^unsync_poll s.  unsync_poll starts at `ntp unsync max-poll-interval`
 *    (default 1, i.e. 2 s); `dec-step STEP` (default 1): after each poll that
 *    went unanswered while unsynchronized, unsync_poll drops by STEP, never
 *    below 1 (2 s).  Unreachability backoff only applies once synchronized.
 *  - A source is selectable once NTPD_FAST_SAMPLES = 4 of the last 8 polls
 *    gave a valid sample (popcount of `valid`).  Four, not three, because
 *    the RFC filter dispersion (empty stages count MAXDISP) only falls below
 *    MAXDIST at the fourth sample anyway.
 *  So with the default policy and a synchronized server a client is
 *  synchronized (clock stepped or slewed, stratum = server + 1) after its
 *  fourth answer: at most 0.5 + 3 * 2 = 6.5 s plus four round trips after
 *  the association is created (+ the commit's propagation to ntpd).  In
 *  seed 004 DeviceD syncs <= ~7 s after its commit and DeviceE <= ~7 s
 *  after its own commit once DeviceD is synchronized (<= ~15 s after
 *  DeviceD's commit if both are committed at the same moment).  Measured
 *  in the lab: 5.9 s for each; tests/unit/ntpd/test_sync_loopback.c.
 *  - After that first step the discipline measures the frequency over 4
 *    polls (its FREQ state, 8 s at 2 s polls); the fast rate continues
 *    until then, so the frequency error is known within ~15 s, and for
 *    each reachable source until its 8-stage filter is full (8 samples,
 *    ~16 s), so the dispersion it reports comes from real samples.
 *  - Then the poll follows the discipline from the
 *    association's minpoll (default 6 = 64 s) up to maxpoll, plus the
 *    unreachability backoff (after NTPD_UNREACH unanswered polls, +1 per
 *    further unanswered poll) and the KoD RATE floor.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "ntpd.h"

static const char *const result_names[ASSOC_R__COUNT] = {
	[ASSOC_OK] = "accepted",
	[ASSOC_R_MALFORMED] = "malformed",
	[ASSOC_R_MODE] = "mode",
	[ASSOC_R_INVALID] = "invalid",
	[ASSOC_R_DUP] = "duplicate",
	[ASSOC_R_ZERO_ORG] = "zero origin",
	[ASSOC_R_BOGUS] = "bogus origin",
	[ASSOC_R_STALE] = "stale",
	[ASSOC_R_KOD] = "kiss-o'-death",
	[ASSOC_R_UNSYNC] = "unsynchronized",
	[ASSOC_R_HDR_DIST] = "header distance",
	[ASSOC_R_STRATUM] = "stratum",
	[ASSOC_R_LOOP] = "loop",
	[ASSOC_R_DELAY] = "delay",
	[ASSOC_R_ROOT_DIST] = "root distance",
};

const char *assoc_result_name(enum assoc_result r)
{
	if ((int)r < 0 || r >= ASSOC_R__COUNT)
		return "?";
	return result_names[r];
}

static void assoc_poll_cb(struct loop *loop, void *arg);

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

struct assoc *assoc_new(struct ntpd *core, uint32_t addr, const struct assoc_opts *opts,
			bool dynamic)
{
	struct assoc *p = xcalloc(1, sizeof(*p));
	struct assoc **tail;
	struct in_addr a = { .s_addr = addr };

	p->core = core;
	p->dynamic = dynamic;
	p->addr = addr;
	inet_ntop(AF_INET, &a, p->addr_text, sizeof(p->addr_text));
	p->opts = *opts;
	ntp_filter_init(&p->filter);
	p->leap = NTP_LEAP_NOSYNC;
	p->stratum = NTP_MAXSTRAT;
	p->ppoll = NTPD_MIN_UNSYNC_POLL;
	p->last_rx = -1;
	p->unsync_poll = core->sys.unsync_max;
	p->poll = assoc_poll_exp(p);
	for (tail = &core->assocs; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	core->n_assocs++;
	if (dynamic)
		core->n_dynamic++;
	if (opts->hmode != NTP_MODE_PASSIVE)
		assoc_schedule(p, 0.1 + 0.4 * ntpd_random(core));
	log_info("association %s mode %d%s created", p->addr_text, opts->hmode,
		 dynamic ? " (dynamic)" : "");
	return p;
}

void assoc_free(struct assoc *p)
{
	struct ntpd *core;

	if (!p)
		return;
	core = p->core;
	loop_timer_cancel(core->loop, p->timer);
	sys_forget(core, p);
	for (struct assoc **pp = &core->assocs; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	core->n_assocs--;
	if (p->dynamic)
		core->n_dynamic--;
	free(p);
}

struct assoc *ntpd_assoc_find(struct ntpd *core, uint32_t addr, uint16_t port)
{
	for (struct assoc *p = core->assocs; p; p = p->next)
		if (p->addr == addr && (port == 0 || p->opts.port == port))
			return p;
	return NULL;
}

int assoc_poll_exp(const struct assoc *p)
{
	const struct ntp_system *s = &p->core->sys;
	int poll;

	if (p->opts.hmode == NTP_MODE_PASSIVE)
		poll = p->ppoll;
	else if (sys_fast(p->core) || (p->reach && p->filter.n < NTP_NSTAGE))
		/* Also until a reachable source has filled its clock filter:
		 * empty stages count MAXDISP, so a half-empty filter shows a
		 * dispersion of hundreds of ms for minutes at the normal poll. */
		poll = p->unsync_poll;
	else
		poll = clampi(s->poll, p->opts.minpoll, p->opts.maxpoll) + p->backoff;
	if (poll < p->rate_floor)
		poll = p->rate_floor;
	return clampi(poll, NTPD_MIN_UNSYNC_POLL, p->opts.maxpoll > 0 ? p->opts.maxpoll :
		      NTP_MAXPOLL);
}

void assoc_schedule(struct assoc *p, double delay)
{
	struct ntpd *core = p->core;

	loop_timer_cancel(core->loop, p->timer);
	if (delay < 0)
		delay = 0;
	p->timer = loop_timer_add(core->loop, (uint64_t)(delay * 1e6), assoc_poll_cb, p);
	p->next_poll = ntpd_mono() + delay;
}

void assoc_hurry(struct assoc *p)
{
	double want;

	if (p->opts.hmode == NTP_MODE_PASSIVE || p->denied || !p->timer)
		return;
	want = ldexp(1.0, assoc_poll_exp(p));
	if (p->next_poll - ntpd_mono() > want)
		assoc_schedule(p, want * (1.0 - 0.1 * ntpd_random(p->core)));
}

void assoc_clock_stepped(struct assoc *p, double step)
{
	if (p->filter.n > 0) {
		for (int i = 0; i < NTP_NSTAGE; i++)
			p->filter.stage[i].offset -= step;
		p->filter.offset -= step;
		p->offset -= step;
	}
	if (p->xmt)
		p->xmt_stale = true;
}

bool assoc_expired(const struct assoc *p, double now)
{
	if (!p->dynamic || p->last_rx < 0)
		return false;
	return now - p->last_rx > NTPD_DYN_EXPIRE_POLLS * ldexp(1.0, clampi(p->ppoll, 1, NTP_MAXPOLL));
}

static double root_dist(const struct assoc *p, double now)
{
	double d = p->rootdelay + p->delay;

	return (d > NTP_MINDISP ? d : NTP_MINDISP) / 2 + p->rootdisp +
	       ntp_filter_disp_now(&p->filter, now) + p->jitter;
}

static bool is_loop(const struct assoc *p, uint32_t refid)
{
	return (p->dst_addr && refid == p->dst_addr) || sys_is_local_addr(p->core, refid);
}

bool assoc_fit(const struct assoc *p, double now, const char **why)
{
	const char *w = NULL;

	if (p->denied)
		w = "denied";
	else if (!p->have_update || __builtin_popcount(p->valid) < NTPD_FAST_SAMPLES)
		w = "too few samples";
	else if (p->leap == NTP_LEAP_NOSYNC || p->stratum >= NTP_MAXSTRAT)
		w = "unsynchronized";
	else if (p->stratum >= sys_own_stratum(p->core) && p != p->core->sys.peer)
		w = "stratum";
	else if (root_dist(p, now) > NTP_MAXDIST + NTP_PHI * ldexp(1.0, p->poll))
		w = "root distance";
	else if (is_loop(p, p->refid))
		w = "loop";
	if (why)
		*why = w;
	return w == NULL;
}

static enum assoc_result count(struct assoc *p, enum assoc_result r)
{
	p->cnt.rej[r]++;
	if (r != ASSOC_OK)
		log_debug("packet from %s refused: %s", p->addr_text, assoc_result_name(r));
	return r;
}

static bool mode_fits(int hmode, int pmode)
{
	switch (hmode) {
	case NTP_MODE_CLIENT:
		return pmode == NTP_MODE_SERVER;
	case NTP_MODE_ACTIVE:
		return pmode == NTP_MODE_ACTIVE || pmode == NTP_MODE_PASSIVE;
	case NTP_MODE_PASSIVE:
		return pmode == NTP_MODE_ACTIVE;
	default:
		return false;
	}
}

/* Kiss-o'-death (RFC 5905 7.4): only after the origin test passed. */
static bool assoc_kod(struct assoc *p, uint32_t code)
{
	char k[5];

	memcpy(k, &code, 4);
	k[4] = '\0';
	if (strcmp(k, "RATE") == 0) {
		p->rate_floor = clampi((p->poll > p->ppoll ? p->poll : p->ppoll) + 1,
				       NTPD_MIN_UNSYNC_POLL, p->opts.maxpoll);
		if (p->unsync_poll < p->rate_floor)
			p->unsync_poll = p->rate_floor;
		log_info("%s: kiss-o'-death RATE, poll at least 2^%d s", p->addr_text,
			 p->rate_floor);
		return true;
	}
	if (strcmp(k, "DENY") == 0 || strcmp(k, "RSTR") == 0) {
		p->denied = true;
		loop_timer_cancel(p->core->loop, p->timer);
		p->timer = 0;
		log_warn("%s: kiss-o'-death %s, association stopped", p->addr_text, k);
		return true;
	}
	return false;   /* INIT, STEP, ...: an unsynchronized server */
}

enum assoc_result assoc_receive(struct assoc *p, const struct ntp_packet *pkt, uint64_t rx_ts,
				uint32_t dst)
{
	struct ntpd *core = p->core;
	double now = ntpd_mono();
	int stratum = pkt->stratum == 0 || pkt->stratum > NTP_MAXSTRAT ? NTP_MAXSTRAT : pkt->stratum;
	double prec = ldexp(1.0, core->sys.precision);
	double offset, delay, disp, rootdelay, rootdisp;
	struct ntp_sample smp;
	bool zero, bogus;

	p->cnt.rx++;
	if (!mode_fits(p->opts.hmode, pkt->mode))
		return count(p, ASSOC_R_MODE);
	if (pkt->xmt == 0)
		return count(p, ASSOC_R_INVALID);
	if (pkt->xmt == p->org)
		return count(p, ASSOC_R_DUP);
	/* RFC 5905 receive(): remember the peer's timestamps, then judge. */
	zero = pkt->org == 0;
	bogus = !zero && pkt->org != p->xmt;
	p->org = pkt->xmt;
	p->rec = rx_ts;
	p->dst_addr = dst;
	p->last_rx = now;
	p->version = pkt->version;
	p->pmode = pkt->mode;
	p->ppoll = pkt->poll;
	if (p->opts.hmode == NTP_MODE_PASSIVE) {
		/* A passive association polls when its peer does. */
		p->reach <<= 1;
		p->valid <<= 1;
		p->npolls++;
	}
	if (zero)
		return count(p, ASSOC_R_ZERO_ORG);
	if (bogus)
		return count(p, ASSOC_R_BOGUS);
	if (p->opts.hmode == NTP_MODE_CLIENT)
		p->xmt = 0;   /* one answer per request */
	p->reach |= 1;
	p->answered = true;
	p->unreach = 0;
	p->backoff = 0;
	rootdelay = ntp_short_to_d(pkt->root_delay);
	rootdisp = ntp_short_to_d(pkt->root_disp);
	if (pkt->stratum == 0 && pkt->leap == NTP_LEAP_NOSYNC && assoc_kod(p, pkt->refid))
		return count(p, ASSOC_R_KOD);
	p->leap = pkt->leap;
	p->stratum = stratum;
	p->precision = pkt->precision;
	p->rootdelay = rootdelay;
	p->rootdisp = rootdisp;
	p->refid = pkt->refid;
	p->reftime = pkt->reftime;
	if (p->xmt_stale) {
		p->xmt_stale = false;
		return count(p, ASSOC_R_STALE);
	}
	if (pkt->leap == NTP_LEAP_NOSYNC || stratum >= NTP_MAXSTRAT)
		return count(p, ASSOC_R_UNSYNC);
	if (rootdelay / 2 + rootdisp >= NTP_MAXDISP || ntp_ts_diff(pkt->reftime, pkt->xmt) > 0)
		return count(p, ASSOC_R_HDR_DIST);
	if (stratum >= sys_own_stratum(core) && p != core->sys.peer)
		return count(p, ASSOC_R_STRATUM);
	if (is_loop(p, pkt->refid))
		return count(p, ASSOC_R_LOOP);

	/* On-wire: T1 = org, T2 = rec, T3 = xmt, T4 = rx_ts (RFC 5905 8). */
	offset = (ntp_ts_diff(pkt->rec, pkt->org) + ntp_ts_diff(pkt->xmt, rx_ts)) / 2;
	delay = ntp_ts_diff(rx_ts, pkt->org) - ntp_ts_diff(pkt->xmt, pkt->rec);
	if (delay < -0.001)
		return count(p, ASSOC_R_DELAY);
	if (delay < prec)
		delay = prec;
	disp = NTP_PHI * fabs(ntp_ts_diff(rx_ts, pkt->org));
	if ((rootdelay + delay) / 2 + rootdisp + disp > NTP_MAXDIST + NTP_PHI * ldexp(1.0, p->poll))
		return count(p, ASSOC_R_ROOT_DIST);

	p->valid |= 1;
	p->cnt.accepted++;
	smp.offset = offset;
	smp.delay = delay;
	smp.disp = disp;
	smp.t = now;
	if (ntp_filter_add(&p->filter, &smp, ldexp(1.0, pkt->precision) + prec, now)) {
		p->update_t = p->filter.last_t;
		p->have_update = true;
	}
	p->offset = p->filter.offset;
	p->delay = p->filter.delay;
	p->disp = p->filter.disp;
	p->jitter = p->filter.jitter;
	log_debug("%s: offset %+.6f delay %.6f (filter %+.6f)", p->addr_text, offset, delay,
		  p->offset);
	sys_select(core);
	return ASSOC_OK;
}

static void fill_common(struct assoc *p, struct ntp_packet *pkt, int mode)
{
	memset(pkt, 0, sizeof(*pkt));
	sys_fill_header(p->core, pkt);
	pkt->mode = (uint8_t)mode;
	pkt->poll = (int8_t)p->poll;
}

int assoc_prepare(struct assoc *p, uint8_t *buf, size_t len)
{
	struct ntpd *core = p->core;
	struct ntp_packet pkt;
	int n;

	if (p->npolls > 0 && !p->answered) {
		p->unreach++;
		if (!core->sys.synced) {
			p->unsync_poll -= core->sys.unsync_dec;
			if (p->unsync_poll < NTPD_MIN_UNSYNC_POLL)
				p->unsync_poll = NTPD_MIN_UNSYNC_POLL;
		} else if (p->unreach >= NTPD_UNREACH &&
			   p->opts.minpoll + p->backoff < p->opts.maxpoll) {
			p->backoff++;
		}
	}
	p->reach <<= 1;
	p->valid <<= 1;
	p->answered = false;
	p->npolls++;
	p->poll = assoc_poll_exp(p);
	fill_common(p, &pkt, p->opts.hmode);
	pkt.version = (uint8_t)p->opts.version;
	if (p->opts.hmode == NTP_MODE_ACTIVE) {
		pkt.org = p->org;
		pkt.rec = p->rec;
	}
	pkt.xmt = ntp_clock_now(core->clock);
	n = ntp_packet_encode(&pkt, buf, len);
	if (n < 0)
		return n;
	p->xmt = p->last_xmt = pkt.xmt;
	p->xmt_stale = false;
	return n;
}

int assoc_reply(struct assoc *p, uint8_t *buf, size_t len)
{
	struct ntp_packet pkt;
	int n;

	p->poll = assoc_poll_exp(p);
	fill_common(p, &pkt, NTP_MODE_PASSIVE);
	pkt.version = (uint8_t)(p->version ? p->version : NTP_VERSION);
	pkt.org = p->org;
	pkt.rec = p->rec;
	pkt.xmt = ntp_clock_now(p->core->clock);
	n = ntp_packet_encode(&pkt, buf, len);
	if (n < 0)
		return n;
	p->xmt = p->last_xmt = pkt.xmt;
	p->xmt_stale = false;
	p->cnt.tx++;
	return n;
}

static void assoc_poll_cb(struct loop *loop, void *arg)
{
	struct assoc *p = arg;
	struct ntpd *core = p->core;
	bool was_fit = p->fit;
	int n;

	p->timer = 0;
	if (p->denied)
		return;
	n = assoc_prepare(p, core->txbuf, sizeof(core->txbuf));
	if (n > 0) {
		if (!p->sock || sock_send(p->sock, core->txbuf, (size_t)n, p->addr, p->opts.port,
					  0) < 0)
			p->cnt.tx_err++;
		else
			p->cnt.tx++;
	}
	assoc_schedule(p, ldexp(1.0, p->poll) * (1.0 - 0.1 * ntpd_random(core)));
	if (was_fit && !assoc_fit(p, ntpd_mono(), NULL))
		sys_select(core);
}
