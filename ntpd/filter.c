/*
 * filter.c: the clock filter of one association (RFC 5905 section 10 and
 * appendix A.5.2 clock_filter).
 *
 * Eight stages hold the latest (offset, delay, dispersion, time) samples.
 * On each new sample the dispersion of the older ones grows by PHI times
 * the time since the previous add (as ntpd does, so an unused sample is not
 * aged twice), the new one is shifted in, and the stages are sorted by
 * delay: the first is the best sample, the one whose offset is least
 * disturbed by queueing.  Stages with dispersion >= MAXDISP (empty, or the
 * dummy sample the poll process shifts in for a silent server) sort last and
 * are never chosen.
 *
 * Peer dispersion is the sum of the sorted stages' dispersions weighted by
 * 1/2^(i+1) (empty stages count MAXDISP, so a new association starts far
 * from selectable and comes in after about four samples); peer jitter is
 * the RMS of the valid samples' offsets against the chosen one, floored by
 * the precision.  A sample older than max_age (the caller's eight polls)
 * is not chosen, though its dispersion still counts: with losses the eight
 * stages span more than eight polls, and a lucky low-delay sample would
 * otherwise stop every update for as long as it stays (ntpd: "the maximum
 * lifetime of any sample is not greater than eight times the poll
 * interval").  When the discipline slews the clock or changes its
 * frequency, the stored samples are moved with it (ntp_filter_adjust).
 * A chosen sample is used only if newer than the last one
 * used (or while the caller says the system is unsynchronized, as RFC 5905
 * allows): the caller runs selection only then.  The popcorn spike suppressor
 * lives in discipline.c.
 */
#include <math.h>
#include <string.h>

#include "ntp.h"

void ntp_filter_init(struct ntp_filter *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NTP_NSTAGE; i++)
		f->stage[i].disp = NTP_MAXDISP;
	f->disp = NTP_MAXDISP;
}

static double sort_key(const struct ntp_sample *s)
{
	return s->disp >= NTP_MAXDISP ? INFINITY : s->delay;
}

bool ntp_filter_add(struct ntp_filter *f, const struct ntp_sample *s, double precision_sum,
		    double now)
{
	struct ntp_sample sorted[NTP_NSTAGE];
	double dt, sum;
	int nvalid = 0, best;

	/* Age what is there. */
	dt = f->n > 0 ? now - f->last_add : 0;
	if (dt > 0) {
		for (int i = 0; i < NTP_NSTAGE; i++) {
			f->stage[i].disp += NTP_PHI * dt;
			if (f->stage[i].disp > NTP_MAXDISP)
				f->stage[i].disp = NTP_MAXDISP;
		}
	}
	f->last_add = now;

	/* Shift the new sample in. */
	f->stage[f->next] = *s;
	f->stage[f->next].disp = s->disp + precision_sum;
	if (!(f->stage[f->next].disp < NTP_MAXDISP))   /* also NaN */
		f->stage[f->next].disp = NTP_MAXDISP;
	f->next = (f->next + 1) % NTP_NSTAGE;
	if (f->n < NTP_NSTAGE)
		f->n++;

	/* Sort by delay, newest first among equals (insertion sort of 8),
	 * starting from the newest stage. */
	for (int k = 0; k < NTP_NSTAGE; k++) {
		int idx = (f->next - 1 - k + 2 * NTP_NSTAGE) % NTP_NSTAGE;
		struct ntp_sample x = f->stage[idx];
		int j = k;

		while (j > 0 && sort_key(&sorted[j - 1]) > sort_key(&x)) {
			sorted[j] = sorted[j - 1];
			j--;
		}
		sorted[j] = x;
	}
	for (int i = 0; i < NTP_NSTAGE; i++)
		if (sorted[i].disp < NTP_MAXDISP)
			nvalid++;

	/* Peer dispersion: weighted sum over all stages. */
	f->disp = 0;
	for (int i = NTP_NSTAGE - 1; i >= 0; i--)
		f->disp += sorted[i].disp / (double)(2 << i);

	if (nvalid == 0) {
		/* Only dummy samples: nothing to choose, nothing to use. */
		f->jitter = precision_sum;
		return false;
	}
	/* The best sample young enough to be chosen (see max_age). */
	for (best = 0; best < nvalid - 1; best++)
		if (!(f->max_age > 0 && now - sorted[best].t > f->max_age))
			break;
	f->offset = sorted[best].offset;
	f->delay = sorted[best].delay;
	f->t = sorted[best].t;
	sum = 0;
	for (int i = 0; i < nvalid; i++)
		sum += (sorted[i].offset - f->offset) * (sorted[i].offset - f->offset);
	f->jitter = nvalid > 1 ? sqrt(sum / (nvalid - 1)) : 0;
	if (f->jitter < precision_sum)
		f->jitter = precision_sum;

	/* Prime directive: use a sample only once and never one older than the
	 * latest used, but anything goes before the system is synchronized
	 * (the first step comes after four samples, not after a lucky one). */
	if (f->have_last && f->t <= f->last_t && !f->unsync)
		return false;
	f->last_t = f->t;
	f->have_last = true;
	return true;
}

void ntp_filter_adjust(struct ntp_filter *f, double phase, double dfreq, double now)
{
	/* A clock running dfreq faster from now on would, run that way all
	 * along, have read dfreq * (now - t) less at t: the offset there was
	 * that much larger.  A slew moved the clock towards the source. */
	for (int i = 0; i < NTP_NSTAGE; i++)
		f->stage[i].offset += dfreq * (now - f->stage[i].t) - phase;
	if (f->n > 0)
		f->offset += dfreq * (now - f->t) - phase;
}

double ntp_filter_disp_now(const struct ntp_filter *f, double now)
{
	double d;

	if (!f->have_last)
		return NTP_MAXDISP;
	d = f->disp + NTP_PHI * (now - f->last_t);
	return d < NTP_MAXDISP ? d : NTP_MAXDISP;
}
