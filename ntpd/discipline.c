/*
 * discipline.c: the clock discipline (RFC 5905 section 11.3 and appendix
 * A.5.5: local_clock, rstclock, clock_adjust), a hybrid PLL/FLL.
 *
 * States: NSET (never set, no frequency known), FSET (frequency known, time
 * not yet set), FREQ (measuring the frequency directly after the first
 * update), SPIK (an outlier was seen in SYNC), SYNC (tracking).
 *
 *  - |offset| > PANICT (1000 s): refused (PANIC), except on the first update
 *    when panic_ok (ntpd -g; init sets it, as every distribution runs ntpd).
 *  - |offset| > STEPT (0.128 s): NSET and FSET step at once; SYNC goes to
 *    SPIK and ignores the sample; SPIK and FREQ ignore outliers until the
 *    stepout interval has passed, then step (FREQ also takes the frequency
 *    it measured).  After a step from NSET the frequency is measured over
 *    one stepout interval (FREQ).
 *  - otherwise the offset becomes the residual that clock_adjust slews in,
 *    and the frequency is updated: PLL always, FLL once 2^poll > ALLAN/2.
 *    The PLL integrates over the update interval, min(mu, ALLAN), as ntpd
 *    does (the RFC skeleton's min(mu, 2^poll) loses gain whenever the filter
 *    passes fewer samples than polls).
 *  - The first update (NSET/FSET) starts at the caller's minpoll, as the
 *    RFC's system poll starts at MINPOLL.
 *  - The PLL does not integrate an offset larger than what the clock can
 *    slew in a time constant (anti-windup, see pll_saturated).
 *  - The frequency is clamped to +-NTP_MAXFREQ and applied to the clock with
 *    ntp_clock_set_freq; ntp_discipline_tick slews residual /
 *    (PLL * min(2^poll, ALLAN)) per second (RFC clock_adjust), at most
 *    NTP_MAXFREQ * 1 s, what a clock can slew in that second, and only in
 *    SYNC/SPIK (ntpd: no phase adjustment while measuring the frequency).
 *  - Poll adaptation: |offset| < PGATE * jitter adds poll to the hysteresis
 *    counter, otherwise 2 * poll is taken off; past +-LIMIT (30) poll moves
 *    one step (between the caller's minpoll and maxpoll).
 *
 * Constants: STEPT 0.128 s, PANICT 1000 s, PLL 16 (ntpd's CLOCK_PLL: the
 * RFC skeleton's 65536 is an erratum, it would take days to slew a
 * millisecond), FLL NTP_MAXPOLL + 1, AVG 4, ALLAN 1500 s, LIMIT 30,
 * PGATE 4, SGATE 3 (popcorn spike gate).
 *
 * Stepout (RFC WATCH, 900 s fixed): here 4 * 2^poll clamped to [8, 900] s.
 * The RFC figure assumes 64-1024 s polls; what matters is the number of
 * samples, not seconds, and 900 s at our 2 s start-up polls would leave a
 * clock drifting for 15 minutes.  Four polls is
 *  - as long as a step costs anyway: after a step the associations restart
 *    and a peer is selectable again only after ~4 samples (its dispersion,
 *    a 1/2^(i+1)-weighted sum over 8 stages with empty ones at MAXDISP,
 *    falls below MAXDIST at the 4th), so the FREQ measurement adds no delay;
 *  - long enough for the frequency: at 2 s polls it spans >= 8 s, which with
 *    ~50 us offset noise gives the frequency to a few ppm, and the PLL takes
 *    the rest; at 50-100 ppm the offset grows only 0.5-2 ms meanwhile;
 *  - a spike holdoff of four polls: up to three outliers in a row never
 *    step the clock.
 * From poll 8 (256 s) up the RFC's 900 s applies unchanged.  The FREQ
 * measurement itself takes at least DISC_FREQ_MIN (32 s, 16 polls of 2 s):
 * over 8 s, 70 us of offset noise leaves up to ~20 ppm, which drifts the
 * clock by milliseconds before the first direct measurement (256 s later,
 * or more when the filter passes few samples) corrects it; over 32 s a few
 * ppm (test_accuracy over several seeds: max |error| 5 ms -> < 1 ms).  Simulated
 * (tests/unit/ntpd/test_discipline_sim.c): 2 s polls, 100 us delay noise,
 * 0.4 s and 50-100 ppm off: stepped after ~6 s, within 1 ms after 6-50 s,
 * then RMS ~100 us.
 *
 * After FREQ (start-up, not in the RFC): when the frequency measurement
 * ends, the offset left is phase only.  Handing it to the PLL (ntpd does)
 * also integrates it into the frequency: with the RFC gains a 100 ms phase
 * error at 64 s polls drives the frequency ~3-6 ppm off, which the loop's
 * slow mode (hours at 64 s, days at 1024 s) then takes away while the
 * clock wanders tens of ms.  So that phase is slewed at the clock's rate
 * (NTP_MAXFREQ, as adjtime; 200 s for 100 ms) outside the loop, second by
 * second in ntp_discipline_tick: the samples stored meanwhile are moved
 * with it (ntp_filter_adjust), and the loop sees the offset minus what is
 * still pending.
 *
 * Direct frequency measurements (not in the RFC).  The PLL alone at
 * 256-1024 s polls has a time constant of hours: a start-up frequency
 * error of a few 0.1 ppm (a 4-poll FREQ measurement at 2 s polls has ~50
 * us of noise over 8 s) would wander the clock by milliseconds for hours.
 * Since every stored sample and the anchor below are moved with each
 * change made to the clock (phase slewed, frequency changed), the system
 * peer's offset now minus its offset at the anchor, over the time between,
 * is the frequency error left against the current frequency, whatever the
 * PLL did meanwhile.  From the end of FREQ the discipline measures it over
 * 4, then 16, then (repeatedly) 64 polls (256 s, 1024 s, 4096 s at 64 s
 * polls: 70 us of offset noise gives ~0.4, ~0.1, ~0.02 ppm), applies it and
 * re-anchors; the PLL runs as usual meanwhile, and the poll stays at
 * minpoll during the first two.  A change of system peer re-anchors (two
 * sources differ by their path asymmetries).  Only from poll 4 (16 s) up:
 * below, the PLL's own time constant is minutes.  Measured with
 * tests/unit/ntpd/test_accuracy.c.
 *
 * Popcorn spike suppressor (RFC puts it in clock_filter; here, on the
 * system offset): in SYNC, an offset that differs from the last one by more
 * than SGATE times the larger of the clock jitter and the caller's system
 * jitter is ignored unless two polls have passed since the last update.
 */
#include <math.h>
#include <string.h>

#include "ntp.h"

#define DISC_PLL    16.0
#define DISC_FLL    (NTP_MAXPOLL + 1)
#define DISC_AVG    4.0
#define DISC_ALLAN  1500.0
#define DISC_LIMIT  30
#define DISC_PGATE  4.0
#define DISC_SGATE  3.0
#define DISC_WATCH_POLLS 4.0
#define DISC_WATCH_MIN   8.0
#define DISC_FREQ_MIN    32.0     /* s: the shortest FREQ baseline (see top) */
#define DISC_WATCH_MAX   900.0
#define DISC_REFINE_MINPOLL 4    /* below, the PLL's time constant is minutes */
#define DISC_REFINE_STAGES 3     /* baselines of 4, 16, 64 polls */

double ntp_discipline_stepout(int poll)
{
	double w = DISC_WATCH_POLLS * ldexp(1.0, poll);

	if (w < DISC_WATCH_MIN)
		return DISC_WATCH_MIN;
	return w > DISC_WATCH_MAX ? DISC_WATCH_MAX : w;
}

static int clamp_poll(int poll, int minpoll, int maxpoll)
{
	if (minpoll < 0)
		minpoll = 0;
	if (maxpoll > NTP_MAXPOLL)
		maxpoll = NTP_MAXPOLL;
	if (maxpoll < minpoll)
		maxpoll = minpoll;
	return poll < minpoll ? minpoll : poll > maxpoll ? maxpoll : poll;
}

void ntp_discipline_init(struct ntp_discipline *d, struct ntp_clock *clock, int minpoll)
{
	double f = ntp_clock_get_freq(clock) * 1e-6;

	memset(d, 0, sizeof(*d));
	d->clock = clock;
	d->poll = clamp_poll(minpoll, minpoll, NTP_MAXPOLL);
	d->precision = ldexp(1.0, ntp_clock_precision(clock));
	d->jitter = d->precision;
	d->panic_ok = true;
	d->src_offset = NAN;
	/* A clock that already has a frequency correction (the kernel kept it
	 * from an earlier run) is like ntpd with a frequency file: FSET. */
	if (f != 0) {
		d->freq = f;
		d->state = NTP_DISC_FSET;
	} else {
		d->state = NTP_DISC_NSET;
	}
}

/* RFC rstclock(): enter a state with a new offset at time t. */
static void rstclock(struct ntp_discipline *d, enum ntp_disc_state state, double t,
		     double offset)
{
	d->state = state;
	d->base = offset - d->residual;
	d->last_offset = d->residual = offset;
	d->t_last = t;
}

static void set_freq(struct ntp_discipline *d, double freq)
{
	double old = d->freq, diff;

	if (freq > NTP_MAXFREQ)
		freq = NTP_MAXFREQ;
	else if (freq < -NTP_MAXFREQ)
		freq = -NTP_MAXFREQ;
	d->freq = freq;
	ntp_clock_set_freq(d->clock, freq * 1e6);
	d->adj_freq += freq - old;
	/* Wander: RMS of the frequency changes, exponentially averaged. */
	diff = freq - old;
	d->wander = sqrt(d->wander * d->wander +
			 (diff * diff - d->wander * d->wander) / DISC_AVG);
}

/* Anti-windup (conditional integration): past NTP_MAXFREQ * PLL * 2^poll
 * (16 ms at 2 s polls, more than STEPT from 16 s polls up) clock_adjust is
 * slewing at the clock's limit anyway, and integrating such an offset winds
 * the frequency up by several ppm per update at short polls (the RFC's gains
 * were made for >= 64 s), which then takes many minutes to unwind. */
static bool pll_saturated(double offset, double tpoll)
{
	return fabs(offset) > NTP_MAXFREQ * DISC_PLL * (tpoll < DISC_ALLAN ? tpoll : DISC_ALLAN);
}

/* Hand a phase to the clock outside the loop: ntp_discipline_tick slews
 * it at the clock's rate, second by second, so that the samples stored
 * meanwhile can be moved by exactly what was done (adj_phase). */
static void slew_outside(struct ntp_discipline *d, double offset)
{
	d->outside += offset;
}

static void anchor(struct ntp_discipline *d, double src, double now)
{
	d->refine_t = now;
	d->refine_off = src;
	d->reanchor = false;
}

/* The direct frequency measurement (see the top comment): `src` is the
 * system peer's own offset at `now`.  Returns the frequency error found
 * when a baseline is complete (then re-anchors), else 0. */
static double refine(struct ntp_discipline *d, double src, double now, int minpoll)
{
	static const double polls[DISC_REFINE_STAGES] = { 4, 16, 64 };
	double dt = now - d->refine_t, f;

	if (d->reanchor || dt <= 0) {
		anchor(d, src, now);
		return 0;
	}
	if (dt < ldexp(polls[d->refine - 1], minpoll))
		return 0;
	f = (src - d->refine_off) / dt;
	if (d->refine < DISC_REFINE_STAGES)
		d->refine++;
	anchor(d, src, now);
	return f;
}

enum ntp_disc_result ntp_discipline_update(struct ntp_discipline *d, double offset,
					   double sys_jitter, double now, int minpoll,
					   int maxpoll)
{
	enum ntp_disc_result rval = NTP_DISC_SLEW;
	double mu, watch, freq = 0, etemp, dtemp, tpoll, raw, src = d->src_offset;

	d->src_offset = NAN;
	if (!isfinite(offset) || !isfinite(now))
		return NTP_DISC_IGNORE;
	if (!isfinite(src))
		src = offset;
	/* Frequency measurements use one source (see the top comment). */
	if (d->state == NTP_DISC_NSET || d->state == NTP_DISC_FSET || d->state == NTP_DISC_FREQ)
		offset = src;
	/* The first update starts at the caller's minpoll (RFC: the system poll
	 * starts at MINPOLL), whatever init was given: the stepout follows. */
	if (d->state == NTP_DISC_NSET || d->state == NTP_DISC_FSET)
		d->poll = minpoll;
	d->poll = clamp_poll(d->poll, minpoll, maxpoll);
	if (fabs(offset) > NTP_PANICT &&
	    !(d->panic_ok && (d->state == NTP_DISC_NSET || d->state == NTP_DISC_FSET)))
		return NTP_DISC_PANIC;

	/* A phase still being slewed outside the loop is as good as done: the
	 * samples are moved as it goes (ntp_filter_adjust), so what is left of
	 * the offset once it is over is the offset minus what is pending. */
	raw = offset;
	offset -= d->outside;
	mu = now - d->t_last;
	watch = ntp_discipline_stepout(d->poll);
	tpoll = ldexp(1.0, d->poll);

	if (fabs(offset) > NTP_STEPT) {
		switch (d->state) {
		case NTP_DISC_SYNC:
			/* The first outlier is ignored. */
			d->state = NTP_DISC_SPIK;
			return NTP_DISC_IGNORE;
		case NTP_DISC_FREQ:
			if (mu < watch)
				return NTP_DISC_IGNORE;
			freq = (offset - d->base - d->residual) / mu;
			/* fall through */
		case NTP_DISC_SPIK:
			if (mu < watch)
				return NTP_DISC_IGNORE;
			/* fall through */
		default: {
			enum ntp_disc_state was = d->state;

			/* The whole phase: a pending slew is dropped. */
			if (ntp_clock_step(d->clock, raw) < 0)
				return NTP_DISC_IGNORE;
			offset = raw;
			d->last_step = raw;
			rval = NTP_DISC_STEP;
			d->residual = 0;
			d->outside = 0;
			d->restart = false;
			if (was == NTP_DISC_NSET) {
				/* Measure the frequency over the next stepout. */
				rstclock(d, NTP_DISC_FREQ, now, 0);
				d->poll = clamp_poll(minpoll, minpoll, maxpoll);
				d->hyster = 0;
				return rval;
			}
			rstclock(d, NTP_DISC_SYNC, now, 0);
			break;
		}
		}
	} else {
		/* Popcorn spike suppressor. */
		double gate = sys_jitter > d->jitter ? sys_jitter : d->jitter;

		if (d->state == NTP_DISC_SYNC && mu < 2 * tpoll &&
		    fabs(offset - d->last_offset) > DISC_SGATE * gate)
			return NTP_DISC_IGNORE;

		/* Clock jitter: RMS of exponentially weighted offset differences,
		 * once tracking: the first update has no previous offset (the
		 * difference to 0 is the whole initial offset, which then kept
		 * the jitter at tens of ms for hours, raised the poll and widened
		 * the spike gate), and during FREQ the differences are the
		 * frequency error, not noise. */
		if (d->state == NTP_DISC_SYNC || d->state == NTP_DISC_SPIK) {
			etemp = d->jitter * d->jitter;
			dtemp = fabs(offset - d->last_offset);
			if (dtemp < d->precision)
				dtemp = d->precision;
			d->jitter = sqrt(etemp + (dtemp * dtemp - etemp) / DISC_AVG);
		}

		switch (d->state) {
		case NTP_DISC_NSET:
			/* First update, frequency unknown: measure the frequency
			 * over the stepout, then slew the phase. */
			d->residual = offset;
			rstclock(d, NTP_DISC_FREQ, now, offset);
			return NTP_DISC_IGNORE;
		case NTP_DISC_FSET:
			/* First update, frequency known: the phase only. */
			d->residual = offset;
			break;
		case NTP_DISC_FREQ:
			if (d->restart) {
				d->restart = false;
				d->residual = offset;
				rstclock(d, NTP_DISC_FREQ, now, offset);
				return NTP_DISC_IGNORE;
			}
			if (mu < watch || mu < DISC_FREQ_MIN)
				return NTP_DISC_IGNORE;
			freq = (offset - d->base - d->residual) / mu;
			/* No clock has such a frequency: the combined offset
			 * changed under the measurement (early on, while the
			 * correctness intervals are wide, falsetickers can be
			 * survivors and then drop out).  Measure again from here. */
			if (fabs(d->freq + freq) > NTP_MAXFREQ) {
				d->residual = offset;
				rstclock(d, NTP_DISC_FREQ, now, offset);
				return NTP_DISC_IGNORE;
			}
			/* What is left is phase: slewed at the clock's rate
			 * outside the loop, then the frequency is refined (see
			 * the top comment, "after FREQ"). */
			slew_outside(d, offset);
			anchor(d, offset, now);
			offset = 0;
			d->refine = 1;
			break;
		default:
			/* Short polls: the PLL itself is quick enough. */
			if (d->refine && d->poll < DISC_REFINE_MINPOLL)
				d->refine = 0;
			if (d->refine)
				freq = refine(d, src, now, minpoll);
			/* SYNC, SPIK: FLL above half the Allan intercept, and the
			 * PLL integrating over the update interval (ntpd's
			 * min(mu, Allan intercept); the RFC skeleton's
			 * min(mu, 2^poll) cuts the gain whenever the filter
			 * passes fewer samples than polls, as it does on a noisy
			 * path, leaving a ppm-sized frequency error for an
			 * hour). */
			if (tpoll > DISC_ALLAN / 2) {
				etemp = DISC_FLL - d->poll;
				if (etemp < DISC_AVG)
					etemp = DISC_AVG;
				freq += (offset - d->residual) /
					((mu > DISC_ALLAN ? mu : DISC_ALLAN) * etemp);
			}
			etemp = mu < DISC_ALLAN ? mu : DISC_ALLAN;
			if (etemp < 0)
				etemp = 0;
			dtemp = 4 * DISC_PLL * tpoll;
			if (!pll_saturated(offset, tpoll))
				freq += offset * etemp / (dtemp * dtemp);
			break;
		}
		rstclock(d, NTP_DISC_SYNC, now, offset);
	}

	set_freq(d, d->freq + freq);

	if (rval == NTP_DISC_STEP) {
		/* RFC clock_update: after a step poll restarts at minpoll. */
		d->poll = clamp_poll(minpoll, minpoll, maxpoll);
		d->hyster = 0;
		return rval;
	}

	/* Poll adaptation with hysteresis; the time constant stays at minpoll
	 * during the first two frequency measurements. */
	if (d->refine && d->refine < DISC_REFINE_STAGES) {
		d->hyster = 0;
	} else if (fabs(d->residual) < DISC_PGATE * d->jitter) {
		d->hyster += d->poll;
		if (d->hyster > DISC_LIMIT) {
			d->hyster = DISC_LIMIT;
			if (d->poll < maxpoll) {
				d->hyster = 0;
				d->poll++;
			}
		}
	} else {
		d->hyster -= d->poll << 1;
		if (d->hyster < -DISC_LIMIT) {
			d->hyster = -DISC_LIMIT;
			if (d->poll > minpoll) {
				d->hyster = 0;
				d->poll--;
			}
		}
	}
	d->poll = clamp_poll(d->poll, minpoll, maxpoll);
	return rval;
}

void ntp_discipline_tick(struct ntp_discipline *d)
{
	double tc = ldexp(1.0, d->poll), dtemp;

	/* The start-up phase, at the clock's rate (adjtime's 500 ppm). */
	if (d->outside != 0) {
		dtemp = d->outside;
		if (dtemp > NTP_MAXFREQ)
			dtemp = NTP_MAXFREQ;
		else if (dtemp < -NTP_MAXFREQ)
			dtemp = -NTP_MAXFREQ;
		if (ntp_clock_slew(d->clock, dtemp) == 0) {
			d->outside -= dtemp;
			d->adj_phase += dtemp;
		} else {
			d->outside = 0;
		}
	}

	/* As ntpd's adj_host_clock: the phase moves only while tracking.  During
	 * FREQ the offset stays put, so the direct frequency measurement
	 * (offset - offset at FREQ entry) / mu sees the oscillator alone. */
	if (d->state != NTP_DISC_SYNC && d->state != NTP_DISC_SPIK)
		return;
	if (tc > DISC_ALLAN)
		tc = DISC_ALLAN;
	dtemp = d->residual / (DISC_PLL * tc);
	/* A clock slews at most NTP_MAXFREQ (500 us per second); asking for more
	 * would leave the residual claiming a correction the clock has not made,
	 * and the FREQ measurement would read the difference as frequency. */
	if (dtemp > NTP_MAXFREQ)
		dtemp = NTP_MAXFREQ;
	else if (dtemp < -NTP_MAXFREQ)
		dtemp = -NTP_MAXFREQ;
	d->residual -= dtemp;
	if (dtemp != 0 && ntp_clock_slew(d->clock, dtemp) == 0)
		d->adj_phase += dtemp;
}

void ntp_discipline_take_adjustments(struct ntp_discipline *d, double now, double *phase,
				     double *dfreq)
{
	/* The anchor is a stored sample too. */
	if (d->refine)
		d->refine_off += d->adj_freq * (now - d->refine_t) - d->adj_phase;
	*phase = d->adj_phase;
	*dfreq = d->adj_freq;
	d->adj_phase = d->adj_freq = 0;
}

void ntp_discipline_source_changed(struct ntp_discipline *d)
{
	if (d->state == NTP_DISC_FREQ)
		d->restart = true;
	else if (d->refine)
		d->reanchor = true;
}
