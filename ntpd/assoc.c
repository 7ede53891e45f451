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
 * of the peer's poll intervals without a packet.  A broadcast/multicast
 * client association (bcast.c, dynamic) starts as a client to measure the
 * delay, then stops polling and takes its samples from the server's mode 5
 * packets (host mode NTPD_MODE_BCLIENT, polling like a passive one).
 *
 * Packet tests, each with a per-association counter (enum assoc_result):
 * mode, invalid (xmt 0), duplicate, zero origin, bogus origin, stale (sent
 * before a clock step), KoD, unsynchronized, header distance, stratum,
 * loop, negative delay, root distance.  A refused packet never reaches the
 * filter, so it can never move the clock.  KoD RATE raises the poll floor;
 * DENY and RSTR stop the association.
 *
 * Options (assoc_poll, near the end of this file): `version` is the version
 * we send (replies to others follow the request's version); `burst` sends
 * NTPD_BURST packets NTPD_BURST_GAP s apart at each poll while the server
 * is reachable, `iburst` the same while it is not (both count as one poll
 * for reach/unreach); `preempt` demobilizes an association useless for
 * NTPD_PREEMPT_POLLS polls while another one is the system peer; a server
 * given by domain name is resolved again after NTPD_UNREACH unanswered
 * polls (resolve.c); `preferred` and `priority` act in selection
 * (select.c); `port`, `minpoll`/`maxpoll` and `source-interface` in the
 * poll interval and the socket used (apply.c).
 *
 * FAST START and the time to synchronize (the bound we promise):
 *  - A new association sends its first packet 0.1-0.5 s after creation.
 *  - While the system is unsynchronized every association polls every
 *    2^unsync_poll s.  unsync_poll starts at `ntp unsync max-poll-interval`
 *    (default 1, i.e. 2 s); `dec-step STEP` (default 1): after each poll that
 *    went unanswered while unsynchronized, unsync_poll drops by STEP, never
 *    below 1 (2 s).  Unreachability backoff only applies once synchronized.
 *  - A source is selectable once NTPD_FAST_SAMPLES = 4 of the last 8 polls
 *    gave a valid sample (popcount of `valid`); for a symmetric peer, 4
 *    samples of the last 8 exchanges at the slower of the two polls
 *    (assoc_enough_samples()).  Four, not three, because
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
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
	[ASSOC_R_AUTH] = "authentication",
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

struct assoc *assoc_new(struct ntpd *core, const struct naddr *addr,
			const struct assoc_opts *opts, bool dynamic)
{
	struct assoc *p = xcalloc(1, sizeof(*p));
	struct assoc **tail;

	p->core = core;
	p->dynamic = dynamic;
	p->addr = *addr;
	naddr_str(addr, p->addr_text, sizeof(p->addr_text));
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

struct naddr assoc_local_addr(const struct assoc *p)
{
	if (naddr_isset(&p->dst_addr) && !naddr_is_any(&p->dst_addr))
		return p->dst_addr;
	if (naddr_isset(&p->src_addr))
		return p->src_addr;
	if (p->sock)
		return p->sock->addr;
	return naddr_any(AF_UNSPEC);
}

struct assoc *ntpd_assoc_find_in(struct ntpd *core, const char *vpn, const struct naddr *addr,
				 uint16_t port)
{
	for (struct assoc *p = core->assocs; p; p = p->next)
		if (naddr_eq(&p->addr, addr) && (port == 0 || p->opts.port == port) &&
		    strcmp(p->opts.vpn, vpn ? vpn : "") == 0)
			return p;
	return NULL;
}

struct assoc *ntpd_assoc_find(struct ntpd *core, const struct naddr *addr, uint16_t port)
{
	return ntpd_assoc_find_in(core, "", addr, port);
}

int assoc_local_poll(const struct assoc *p)
{
	return clampi(p->core->sys.poll, p->opts.minpoll, p->opts.maxpoll);
}

int assoc_poll_exp(const struct assoc *p)
{
	int poll;

	if (p->opts.hmode == NTP_MODE_PASSIVE || p->opts.hmode == NTPD_MODE_BCLIENT)
		poll = p->ppoll;   /* they poll when their peer (broadcaster) sends */
	else if (sys_fast(p->core) || (p->reach && p->filter.n < NTP_NSTAGE))
		/* Also until a reachable source has filled its clock filter:
		 * empty stages count MAXDISP, so a half-empty filter shows a
		 * dispersion of hundreds of ms for minutes at the normal poll. */
		poll = p->unsync_poll;
	else
		poll = assoc_local_poll(p) + p->backoff;
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
	/* Our receive timestamp of the peer's last packet goes back to it in
	 * our next symmetric packet (T2 of the peer's measurement, with our
	 * transmit timestamp as T3): move it to the new timescale, or the peer
	 * measures the step as delay and half of it as offset. */
	if (p->rec)
		p->rec = ntp_ts_add(p->rec, step);
	if (p->xmt)
		p->xmt_stale = true;
}

void assoc_clock_adjusted(struct assoc *p, double phase, double dfreq, double now)
{
	ntp_filter_adjust(&p->filter, phase, dfreq, now);
	if (p->filter.n > 0)
		p->offset = p->filter.offset;
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
	return (naddr_isset(&p->dst_addr) && !naddr_is_any(&p->dst_addr) &&
		refid == naddr_refid(&p->dst_addr)) || sys_is_local_refid(p->core, refid);
}

/*
 * A client gets one answer per poll, so `valid` counts the samples of the
 * last 8 exchanges.  A symmetric peer sends on its own schedule instead,
 * often slower than ours: chrony's `peer` keeps its own minpoll (64 s by
 * default) as long as we are unsynchronized, so our 2 s fast polls would
 * shift its one sample in four out of `valid` and we would never select it.
 * There an exchange happens at the slower of the two polls, and we count
 * the real samples (not the MAXDISP dummies) of the filter no older than
 * 8 such intervals.
 */
bool assoc_enough_samples(const struct assoc *p, double now)
{
	int poll, n = 0;
	double window;

	if (__builtin_popcount(p->valid) >= NTPD_FAST_SAMPLES)
		return true;
	/* Once selectable, a source stays so while any of the last 8 polls
	 * gave a sample (RFC 5905 fit(): reachable); requiring 4 of 8 made a
	 * source on a lossy path (30 % each way: half the exchanges fail) flap
	 * in and out of selection (tests/unit/ntpd/test_accuracy.c). */
	if (p->fit && p->valid)
		return true;
	/* A burst/iburst client gets several samples in one poll (`valid`
	 * shifts once per poll): count the filter's real samples instead. */
	if (p->opts.hmode != NTP_MODE_ACTIVE && p->opts.hmode != NTP_MODE_PASSIVE &&
	    !(p->opts.hmode == NTP_MODE_CLIENT && (p->opts.burst || p->opts.iburst)))
		return false;
	poll = p->ppoll > p->poll ? p->ppoll : p->poll;
	window = NTP_NSTAGE * ldexp(1.0, clampi(poll, NTPD_MIN_UNSYNC_POLL, NTP_MAXPOLL));
	for (int i = 0; i < NTP_NSTAGE; i++) {
		const struct ntp_sample *s = &p->filter.stage[i];

		if (s->disp < NTP_MAXDISP && now - s->t <= window)
			n++;
	}
	return n >= NTPD_FAST_SAMPLES;
}

bool assoc_fit(const struct assoc *p, double now, const char **why)
{
	const char *w = NULL;

	if (p->down[0])
		w = p->down;
	else if (p->denied)
		w = "denied";
	else if (!p->have_update || !assoc_enough_samples(p, now))
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
		NTPD_COUNT(p->core, p->addr.family, test[r], 1);
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
				const struct naddr *dst)
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
	p->dst_addr = *dst;
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
	p->filter.max_age = NTP_NSTAGE * ldexp(1.0, p->poll);
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

	if (p->in_burst)
		goto send;   /* a burst counts as one poll */
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
send:
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
	n = auth_sign_assoc(p, buf, (size_t)n, len);
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
	n = auth_sign_assoc(p, buf, (size_t)n, len);
	p->xmt = p->last_xmt = pkt.xmt;
	p->xmt_stale = false;
	p->cnt.tx++;
	return n;
}

/*
 * Options at each poll (not inside a burst):
 *  - burst: when the source is reachable, this poll sends NTPD_BURST packets
 *    NTPD_BURST_GAP s apart instead of one (the filter keeps the best);
 *  - iburst: the same while it is unreachable (start-up, or a server that
 *    went away), so the first samples come in seconds;
 *  - domain name: after NTPD_UNREACH unanswered polls the name is resolved
 *    again (a new address replaces the association at the reconciliation
 *    that follows);
 *  - preempt: see preempt_check().
 */
static void burst_start(struct assoc *p)
{
	if (p->opts.hmode != NTP_MODE_CLIENT)
		return;
	if ((p->opts.burst && p->reach) || (p->opts.iburst && !p->reach))
		p->burst = NTPD_BURST - 1;
}

/*
 * preempt (VRP/ntpd `preempt`: a preemptable, not persistent, association).
 * Our choice: a preemptable association that was useless for
 * NTPD_PREEMPT_POLLS consecutive polls while ANOTHER association is the
 * system peer -- unreachable, or reachable but not among the survivors of
 * selection -- is demobilized: it stops polling, forgets its samples and is
 * shown with the status "preempted".  It is mobilized again as soon as the
 * system has no remote system peer (sys_tick), re-resolving its domain name
 * if it has one; a commit that changes it recreates it.  A persistent
 * (default) association is never demobilized.
 */
static bool preempt_check(struct assoc *p)
{
	struct ntpd *core = p->core;
	bool useless;

	if (!p->opts.preempt || p->dynamic)
		return false;
	useless = !p->reach || !p->survivor;
	p->useless = useless ? p->useless + 1 : 0;
	if (p->useless < NTPD_PREEMPT_POLLS || !core->sys.peer || core->sys.peer == p)
		return false;
	log_info("association %s preempted: useless for %d polls", p->addr_text, p->useless);
	p->preempted = true;
	p->burst = 0;
	p->reach = p->valid = 0;
	p->have_update = false;
	p->fit = p->truechimer = p->survivor = false;
	ntp_filter_init(&p->filter);
	return true;
}

void assoc_remobilize(struct assoc *p)
{
	if (!p->preempted)
		return;
	log_info("association %s mobilized again", p->addr_text);
	p->preempted = false;
	p->useless = 0;
	p->npolls = 0;
	p->unreach = 0;
	p->backoff = 0;
	p->unsync_poll = p->core->sys.unsync_max;
	if (p->opts.host[0])
		resolve_again(p->core, p->opts.host);
	assoc_schedule(p, 0.1 + 0.4 * ntpd_random(p->core));
}

void assoc_set_down(struct assoc *p, const char *why)
{
	if (strcmp(p->down, why) == 0)
		return;
	snprintf(p->down, sizeof(p->down), "%s", why);
	if (why[0]) {
		log_warn("association %s unreachable: %s", p->addr_text, why);
		p->fit = p->truechimer = p->survivor = false;
		return;
	}
	log_info("association %s: its source interface is usable again", p->addr_text);
	p->unreach = 0;
	p->backoff = 0;
	if (p->opts.hmode != NTP_MODE_PASSIVE && !p->denied && !p->preempted)
		assoc_schedule(p, 0.1 + 0.4 * ntpd_random(p->core));
}

double assoc_poll(struct assoc *p)
{
	struct ntpd *core = p->core;
	bool poll_start = p->burst == 0;
	int n;

	if (p->denied || p->preempted)
		return -1;
	if (poll_start && preempt_check(p))
		return -1;
	p->in_burst = !poll_start;
	if (p->in_burst)
		p->burst--;
	else
		burst_start(p);
	n = assoc_prepare(p, core->txbuf, sizeof(core->txbuf));
	p->in_burst = false;
	if (n > 0 && !p->down[0]) {   /* down: nothing to send from, said already */
		if (!p->sock || sock_send(p->sock, core->txbuf, (size_t)n, &p->addr, p->opts.port,
					  NULL) < 0)
			p->cnt.tx_err++;
		else
			p->cnt.tx++;
	}
	if (poll_start && p->opts.host[0] && p->unreach >= NTPD_UNREACH &&
	    p->unreach % NTPD_UNREACH == 0)
		resolve_again(core, p->opts.host);
	if (p->burst > 0)
		return NTPD_BURST_GAP;
	return ldexp(1.0, p->poll) * (1.0 - 0.1 * ntpd_random(core));
}

static void assoc_poll_cb(struct loop *loop, void *arg)
{
	struct assoc *p = arg;
	struct ntpd *core = p->core;
	bool was_fit = p->fit;
	double next;

	p->timer = 0;
	next = assoc_poll(p);
	if (next < 0) {
		if (p->preempted)
			sys_select(core);
		return;
	}
	assoc_schedule(p, next);
	if (was_fit && !assoc_fit(p, ntpd_mono(), NULL))
		sys_select(core);
}
