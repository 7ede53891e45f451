/*
 * system.c: the RFC 5905 system process: clock selection, clock_update and
 * the system variables, the local reference clock (refclock-master), and
 * the 1 s timer driving the discipline's clock_adjust.
 *
 * Selection: every association passing assoc_fit() is a candidate for
 * ntp_select(); the survivor it names is the system peer and, when it has
 * a sample newer than the last one used, its combined offset is fed to
 * ntp_discipline_update().  Choices made here (write them down):
 *  - The system counts as synchronized to the peer as soon as the
 *    discipline has accepted a first offset (state past NSET): after a STEP
 *    (the usual start, offset > 128 ms) or a SLEW, and also while it
 *    ignores updates in FREQ/SPIK state.  The RFC leaves the system at
 *    stratum 16 for the stepout interval after a step; like chrony we trust
 *    the stepped clock, which is what lets a device serve time seconds after
 *    it started.  The frequency is still measured by the discipline.
 *  - On a STEP the filters are not emptied but shifted by the step (their
 *    samples stay right against the new clock), and answers to requests
 *    sent before the step are not used as samples.
 *  - refclock-master N (VRP): the local clock is the reference at stratum N
 *    (wire refid "LOCL", shown "LOCAL(u)"); a server is followed only if its
 *    stratum is lower than N, and the local clock takes over again when no
 *    such server survives selection.
 *  - Without a local reference, losing every candidate makes the system
 *    unsynchronized at once (stratum 16, leap 3): it stops serving time.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"

#define LOCL_REFID 0x4C4F434CU  /* "LOCL" */
#define INIT_REFID 0x494E4954U  /* "INIT" */

static void sys_tick(struct loop *loop, void *arg);

static double sys_precision_s(const struct ntpd *core)
{
	return ldexp(1.0, core->sys.precision);
}

/* The system became synchronized to src (was unsynchronized) or changed
 * its source to src, for `display logbuffer` (evlog.h).  VRP8 logs the loss
 * of synchronization as NTP/2/NTP_SYNCHRONIZE_STATUS (sys_set_unsync);
 * Meridian logs the way back under the same name at level 4, with the
 * mirrored sentence (VRP8's log for it was not found), and a new source as
 * VRP5's NTP/4/PEER_SELE. */
static void sys_announce(const struct ntp_system *s, const char *src, const char *vpn)
{
	if (!s->synced)
		evlog(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS",
		      "NTP state changed from unsynchronized to synchronized. "
		      "(SynchronizationSourceAddress = %s , VpnInstance = %s, Reason = )", src,
		      vpn);
	else
		evlog(EV_WARNING, "NTP", "PEER_SELE", "The peer selected by the system is %s.", src);
}

static void sys_set_unsync(struct ntpd *core, const char *why)
{
	struct ntp_system *s = &core->sys;
	bool was = s->synced;
	char prev[sizeof(s->refid_text)], vpn[sizeof(s->peer->opts.vpn)];

	snprintf(prev, sizeof(prev), "%s", s->on_local ? s->local_addr : s->refid_text);
	snprintf(vpn, sizeof(vpn), "%s", s->peer && !s->on_local ? s->peer->opts.vpn : "");

	s->synced = false;
	s->on_local = false;
	s->peer = NULL;
	if (why != s->unsync_reason)
		snprintf(s->unsync_reason, sizeof(s->unsync_reason), "%s", why);
	s->leap = NTP_LEAP_NOSYNC;
	s->stratum = NTP_MAXSTRAT;
	s->refid = htonl(INIT_REFID);
	snprintf(s->refid_text, sizeof(s->refid_text), "none");
	s->rootdelay = 0;
	s->rootdisp = 0;
	if (was) {
		log_warn("clock not synchronized: %s", why);
		evlog(EV_CRIT, "NTP", "NTP_SYNCHRONIZE_STATUS",
		      "NTP state changed from synchronized to unsynchronized. "
		      "(SynchronizationSourceAddress = %s , VpnInstance = %s, Reason = %s)", prev,
		      vpn, s->unsync_reason);
		for (struct assoc *p = core->assocs; p; p = p->next)
			assoc_hurry(p);
	}
}

void sys_init(struct ntpd *core)
{
	struct ntp_system *s = &core->sys;

	memset(s, 0, sizeof(*s));
	s->precision = ntp_clock_precision(core->clock);
	s->poll = NTP_DEF_MINPOLL;
	s->unsync_max = NTPD_DEF_UNSYNC_POLL;
	s->unsync_dec = 1;
	s->local_stratum = NTPD_DEF_LOCAL_STRATUM;
	s->last_update_t = -1e300;
	ntp_discipline_init(&s->disc, core->clock, NTP_DEF_MINPOLL);
	sys_set_unsync(core, "no source selected yet");
	s->tick_timer = loop_timer_add(core->loop, 1000000, sys_tick, core);
}

void sys_fini(struct ntpd *core)
{
	loop_timer_cancel(core->loop, core->sys.tick_timer);
	core->sys.tick_timer = 0;
}

bool sys_fast(const struct ntpd *core)
{
	const struct ntp_system *s = &core->sys;

	return !s->synced || (!s->on_local && s->disc.state == NTP_DISC_FREQ);
}

int sys_own_stratum(const struct ntpd *core)
{
	if (core->sys.local_configured)
		return core->sys.local_stratum;
	if (core->sys.synced && !core->sys.on_local)
		return core->sys.stratum;
	return NTP_MAXSTRAT;
}

bool sys_is_local_refid(const struct ntpd *core, uint32_t refid)
{
	if (refid == 0)
		return false;
	for (int i = 0; i < core->n_socks; i++)
		if (!naddr_is_any(&core->socks[i]->addr) &&
		    naddr_refid(&core->socks[i]->addr) == refid)
			return true;
	for (size_t i = 0; i < core->n_ifs; i++)
		if (core->ifs[i].addr == refid ||
		    (naddr_isset(&core->ifs[i].addr6) && naddr_refid(&core->ifs[i].addr6) == refid) ||
		    (naddr_isset(&core->ifs[i].ll6) && naddr_refid(&core->ifs[i].ll6) == refid))
			return true;
	return false;
}

void sys_forget(struct ntpd *core, struct assoc *p)
{
	if (core->sys.peer == p)
		core->sys.peer = NULL;
}

void sys_fill_header(struct ntpd *core, struct ntp_packet *pkt)
{
	struct ntp_system *s = &core->sys;
	double age = ntpd_mono() - s->reftime_mono;

	pkt->leap = (uint8_t)s->leap;
	pkt->stratum = s->stratum >= NTP_MAXSTRAT ? 0 : (uint8_t)s->stratum;
	pkt->precision = (int8_t)s->precision;
	pkt->root_delay = ntp_d_to_short(s->rootdelay);
	pkt->root_disp = ntp_d_to_short(s->synced ? s->rootdisp + NTP_PHI * (age > 0 ? age : 0)
					 : 0);
	pkt->refid = s->refid;
	pkt->reftime = s->reftime;
}

/* The local clock as the reference (refclock-master). */
static void sys_use_local(struct ntpd *core)
{
	struct ntp_system *s = &core->sys;

	if (!s->on_local) {
		log_info("synchronized to the local clock %s, stratum %d", s->local_addr,
			 s->local_stratum);
		sys_announce(s, s->local_addr, "");
	}
	s->synced = true;
	s->on_local = true;
	s->peer = NULL;
	s->leap = NTP_LEAP_NONE;
	s->stratum = s->local_stratum;
	s->refid = htonl(LOCL_REFID);
	snprintf(s->refid_text, sizeof(s->refid_text), "LOCAL(%d)", s->local_unit);
	s->rootdelay = 0;
	s->rootdisp = 0;
	s->offset = 0;
	s->jitter = 0;
	s->reftime = ntp_clock_now(core->clock);
	s->reftime_mono = ntpd_mono();
}

/* Move every association's stored samples by what the discipline did to
 * the clock, so that samples of different ages and sources compare. */
static void sys_adjust_samples(struct ntpd *core)
{
	double phase, dfreq, now = ntpd_mono();

	ntp_discipline_take_adjustments(&core->sys.disc, now, &phase, &dfreq);
	if (phase == 0 && dfreq == 0)
		return;
	for (struct assoc *p = core->assocs; p; p = p->next)
		assoc_clock_adjusted(p, phase, dfreq, now);
}

/* RFC 5905 clock_update with the system peer p and the combined offset. */
static void sys_clock_update(struct ntpd *core, struct assoc *p, double offset, double jitter)
{
	struct ntp_system *s = &core->sys;
	enum ntp_disc_result r;
	double now = ntpd_mono();

	bool was_fast = sys_fast(core);
	int minpoll = was_fast ? p->poll : p->opts.minpoll;

	s->last_update_t = p->update_t;
	/* While polling fast the discipline's time constant follows the fast
	 * poll (its stepout is 4 polls), then the configured minpoll. */
	if (minpoll > p->opts.minpoll)
		minpoll = p->opts.minpoll;
	if (s->peer && s->peer != p)
		ntp_discipline_source_changed(&s->disc);
	/* The frequency is measured on the system peer's own samples: a
	 * combination mixes samples of different ages and sources. */
	s->disc.src_offset = p->offset;
	r = ntp_discipline_update(&s->disc, offset, jitter, p->update_t, minpoll, p->opts.maxpoll);
	sys_adjust_samples(core);
	s->updates++;
	switch (r) {
	case NTP_DISC_PANIC:
		s->panics++;
		log_err("offset %.3f s to %s exceeds the panic threshold: clock not set",
			offset, p->addr_text);
		return;
	case NTP_DISC_STEP:
		s->steps++;
		log_info("clock stepped by %+.6f s (source %s)", s->disc.last_step, p->addr_text);
		for (struct assoc *q = core->assocs; q; q = q->next)
			assoc_clock_stepped(q, s->disc.last_step);
		evlog_clock_changed(core->evlog);
		break;
	case NTP_DISC_SLEW:
	case NTP_DISC_IGNORE:
		break;
	}
	if (s->disc.state == NTP_DISC_NSET)
		return;
	if (!s->synced || s->on_local || s->peer != p) {
		log_info("synchronized to %s, stratum %d", p->addr_text, p->stratum + 1);
		sys_announce(s, p->addr_text, p->opts.vpn);
	}
	s->synced = true;
	s->on_local = false;
	s->peer = p;
	s->leap = p->leap == NTP_LEAP_NOSYNC ? NTP_LEAP_NONE : p->leap;
	s->stratum = p->stratum + 1;
	s->refid = naddr_refid(&p->addr);
	snprintf(s->refid_text, sizeof(s->refid_text), "%s", p->addr_text);
	s->rootdelay = p->rootdelay + p->delay;
	s->rootdisp = p->rootdisp + ntp_filter_disp_now(&p->filter, now) + p->jitter +
		      fabs(r == NTP_DISC_STEP ? 0 : offset);
	if (s->rootdisp < NTP_MINDISP)
		s->rootdisp = NTP_MINDISP;
	s->offset = r == NTP_DISC_STEP ? 0 : offset;
	s->jitter = jitter;
	s->reftime = ntp_clock_now(core->clock);
	s->reftime_mono = now;
	s->poll = s->disc.poll;
}

/* Why the system is not synchronized, in one sentence for operators (the
 * "reason" of the status): selection's own when it ran, else what keeps
 * each association from being a candidate. */
static void sys_explain(struct ntpd *core, int n, const struct ntp_selection *sel)
{
	struct ntp_system *s = &core->sys;
	double now = ntpd_mono();
	size_t len, cap = sizeof(s->unsync_reason);

	if (n > 0) {
		snprintf(s->unsync_reason, cap, "%s", sel->reason ? sel->reason :
			 "no survivor of selection");
		return;
	}
	if (!core->assocs) {
		snprintf(s->unsync_reason, cap, "no NTP server or peer configured");
		return;
	}
	len = (size_t)snprintf(s->unsync_reason, cap, "no usable source:");
	for (struct assoc *p = core->assocs; p && len < cap; p = p->next) {
		const char *why = NULL;

		assoc_fit(p, now, &why);
		len += (size_t)snprintf(s->unsync_reason + len, cap - len, "%s %s %s",
					p == core->assocs ? "" : ";", p->addr_text,
					why ? why : "usable");
	}
}

void sys_select(struct ntpd *core)
{
	struct ntp_system *s = &core->sys;
	struct ntp_candidate cand[NTP_NMAX];
	struct ntp_selection sel;
	double now = ntpd_mono();
	int n = 0, prev = -1;

	for (struct assoc *p = core->assocs; p; p = p->next) {
		p->truechimer = p->survivor = false;
		p->fit = assoc_fit(p, now, NULL);
		if (!p->fit || n == NTP_NMAX)
			continue;
		memset(&cand[n], 0, sizeof(cand[n]));
		cand[n].peer = p;
		cand[n].stratum = p->stratum;
		cand[n].offset = p->offset;
		cand[n].delay = p->delay;
		cand[n].disp = ntp_filter_disp_now(&p->filter, now);
		cand[n].jitter = p->jitter;
		cand[n].root_delay = p->rootdelay;
		cand[n].root_disp = p->rootdisp;
		cand[n].prefer = p->opts.preferred;
		cand[n].priority = p->opts.priority;
		if (p == s->peer)
			prev = n;
		n++;
	}
	memset(&sel, 0, sizeof(sel));
	sel.sys_peer = -1;
	if (n > 0)
		ntp_select(cand, n, prev, sys_precision_s(core), &sel);
	for (int i = 0; i < n; i++) {
		struct assoc *p = cand[i].peer;

		p->truechimer = cand[i].truechimer;
		p->survivor = cand[i].survivor;
	}
	if (n > 0 && sel.sys_peer >= 0 && sel.sys_peer < n) {
		struct assoc *p = cand[sel.sys_peer].peer;

		if (p->have_update && p->update_t > s->last_update_t)
			sys_clock_update(core, p, sel.offset, sel.jitter);
		else if (s->synced && !s->on_local && s->peer != p && s->disc.state != NTP_DISC_NSET) {
			/* A new system peer without a new sample: adopt its variables. */
			ntp_discipline_source_changed(&s->disc);
			sys_announce(s, p->addr_text, p->opts.vpn);
			s->peer = p;
			s->stratum = p->stratum + 1;
			s->refid = naddr_refid(&p->addr);
			snprintf(s->refid_text, sizeof(s->refid_text), "%s", p->addr_text);
			s->rootdelay = p->rootdelay + p->delay;
		}
		if (s->synced && !s->on_local)
			return;
		if (!s->local_configured) {
			snprintf(s->unsync_reason, sizeof(s->unsync_reason),
				 "source %s selected, waiting for the clock discipline", p->addr_text);
			return;   /* waiting for the discipline to accept a sample */
		}
	}
	if (s->local_configured) {
		sys_use_local(core);
		return;
	}
	sys_explain(core, n, &sel);
	if (s->synced)
		sys_set_unsync(core, s->unsync_reason);
}

/* The local clock stopped being configured, or changed: start over. */
static void sys_local_changed(struct ntpd *core)
{
	if (core->sys.on_local)
		sys_set_unsync(core, "local reference clock removed");
	sys_select(core);
}

void sys_configure_local(struct ntpd *core, bool on, int stratum, const char *addr, int unit)
{
	struct ntp_system *s = &core->sys;

	if (s->local_configured == on && (!on || (s->local_stratum == stratum &&
						   strcmp(s->local_addr, addr) == 0)))
		return;
	s->local_configured = on;
	if (on) {
		s->local_stratum = stratum;
		s->local_unit = unit;
		snprintf(s->local_addr, sizeof(s->local_addr), "%s", addr);
		if (s->on_local)
			s->on_local = false;   /* re-announce with the new stratum */
	}
	sys_local_changed(core);
}

static void sys_tick(struct loop *loop, void *arg)
{
	struct ntpd *core = arg;
	struct ntp_system *s = &core->sys;
	double now = ntpd_mono();
	bool changed = false;

	s->tick_timer = loop_timer_add(loop, 1000000, sys_tick, core);
	if (!s->on_local) {
		ntp_discipline_tick(&s->disc);
		sys_adjust_samples(core);
	} else {
		s->reftime = ntp_clock_now(core->clock);
		s->reftime_mono = now;
	}
	for (struct assoc *p = core->assocs, *next; p; p = next) {
		next = p->next;
		if (assoc_expired(p, now)) {
			log_info("dynamic association %s expired", p->addr_text);
			assoc_free(p);
			changed = true;
		}
	}
	/* preempt: demobilized associations come back when no remote source
	 * is the system peer any more. */
	if (!s->peer)
		for (struct assoc *p = core->assocs; p; p = p->next)
			if (p->preempted)
				assoc_remobilize(p);
	/* Peers age: a system peer may stop being fit without any packet. */
	if (changed || (s->peer && !assoc_fit(s->peer, now, NULL)))
		sys_select(core);
}
