/*
 * ntpclock.c: the clock ntpd disciplines, behind one interface.
 *
 * system     CLOCK_REALTIME itself.  Frequency with ADJ_FREQUENCY (ppm scaled
 *            by 2^16), slews with ADJ_OFFSET_SINGLESHOT (adjtime semantics:
 *            the kernel slews at 500 ppm; we read what is still pending with
 *            ADJ_OFFSET_SS_READ and add to it, so slews accumulate exactly as
 *            on the virtual clock), steps with ADJ_SETOFFSET|ADJ_NANO.  The
 *            kernel PLL (ADJ_OFFSET without SINGLESHOT) is not used: the
 *            discipline runs here, and two PLLs in series would fight.
 *            Needs CAP_SYS_TIME.  Never used by tests.
 * virtual    CLOCK_REALTIME + error(t).  error starts at `offset`, grows at
 *            (freq_ppm + correction) * 1e-6 s/s where freq_ppm is the
 *            simulated oscillator's error and correction what set_freq
 *            applied, plus steps (at once) and slews (at most NTP_MAXFREQ of
 *            rate until done).  Elapsed time comes from CLOCK_MONOTONIC, so a
 *            jump of the host's CLOCK_REALTIME moves every virtual clock on
 *            the machine together and leaves their true errors alone.
 *            Readings may carry gaussian noise; the true error does not.
 * simulated  a virtual clock whose time source is a double the caller
 *            advances (tests: whole minutes of discipline run in a
 *            millisecond, nothing sleeps, nothing touches the real clock).
 *
 * The error model is piecewise: the state (err0, pending slew) is kept at a
 * checkpoint t0 and every mutation first moves the checkpoint to now.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "ntp.h"

enum clock_kind { CLOCK_KIND_VIRTUAL, CLOCK_KIND_SYSTEM, CLOCK_KIND_SIM };

struct ntp_clock {
	enum clock_kind kind;
	int precision;
	/* virtual / simulated model, see the top comment */
	double t0;                /* checkpoint, elapsed seconds */
	double err0;              /* error at t0, s */
	double pending;           /* slew not yet applied at t0, s */
	double hw_freq;           /* oscillator error, s/s */
	double corr;              /* applied frequency correction, s/s */
	double noise;             /* reading noise, std dev, s */
	uint64_t rng;
	const double *true_time;  /* simulated: seconds since 1970 */
	/* system */
	double sys_freq_ppm;
};

/* xorshift64*: small, seedable, good enough for reading noise. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ull;
}

static double rng_uniform(uint64_t *s)
{
	/* (0, 1]: never 0, so log() below is finite. */
	return ((rng_next(s) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static double rng_gauss(uint64_t *s)
{
	double u1 = rng_uniform(s), u2 = rng_uniform(s);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double elapsed(const struct ntp_clock *c)
{
	return c->kind == CLOCK_KIND_SIM ? *c->true_time : mono_now();
}

/* The slew applied between t0 and t0 + dt. */
static double slewed(const struct ntp_clock *c, double dt)
{
	double most = NTP_MAXFREQ * dt;

	if (fabs(c->pending) <= most)
		return c->pending;
	return c->pending > 0 ? most : -most;
}

static double error_at(const struct ntp_clock *c, double t)
{
	double dt = t - c->t0;

	if (dt < 0)
		dt = 0;
	return c->err0 + (c->hw_freq + c->corr) * dt + slewed(c, dt);
}

static void checkpoint(struct ntp_clock *c)
{
	double t = elapsed(c), dt = t - c->t0;

	if (dt < 0)
		dt = 0;
	c->err0 = error_at(c, t);
	c->pending -= slewed(c, dt);
	c->t0 = t;
}

/* Like ntpd: log2 of the smallest nonzero difference between two readings
 * of CLOCK_REALTIME, rounded up. */
static int measure_precision(void)
{
	double best = 1.0;

	for (int i = 0; i < 1000; i++) {
		struct timespec a, b;
		double d;

		clock_gettime(CLOCK_REALTIME, &a);
		do {
			clock_gettime(CLOCK_REALTIME, &b);
		} while (b.tv_sec == a.tv_sec && b.tv_nsec == a.tv_nsec);
		d = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
		if (d > 0 && d < best)
			best = d;
	}
	int p = (int)ceil(log2(best));
	return p < -30 ? -30 : p > 0 ? 0 : p;
}

static struct ntp_clock *clock_alloc(enum clock_kind kind)
{
	struct ntp_clock *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->kind = kind;
	return c;
}

struct ntp_clock *ntp_clock_new_virtual(double offset, double freq_ppm, double noise)
{
	struct ntp_clock *c = clock_alloc(CLOCK_KIND_VIRTUAL);

	c->t0 = mono_now();
	c->err0 = offset;
	c->hw_freq = freq_ppm * 1e-6;
	c->noise = noise > 0 ? noise : 0;
	c->rng = ((uint64_t)getpid() << 32) ^ (uint64_t)(c->t0 * 1e9) ^ 0x9e3779b97f4a7c15ull;
	if (!c->rng)
		c->rng = 1;
	c->precision = measure_precision();
	return c;
}

struct ntp_clock *ntp_clock_new_simulated(const double *true_time, double offset,
					  double freq_ppm, double noise, unsigned seed,
					  int precision)
{
	struct ntp_clock *c = clock_alloc(CLOCK_KIND_SIM);

	c->true_time = true_time;
	c->t0 = *true_time;
	c->err0 = offset;
	c->hw_freq = freq_ppm * 1e-6;
	c->noise = noise > 0 ? noise : 0;
	c->rng = 0x9e3779b97f4a7c15ull ^ seed;
	c->precision = precision;
	return c;
}

struct ntp_clock *ntp_clock_new_system(void)
{
	struct ntp_clock *c = clock_alloc(CLOCK_KIND_SYSTEM);
	struct timex tx;

	/* modes = 0 only reads the kernel's state. */
	memset(&tx, 0, sizeof(tx));
	if (clock_adjtime(CLOCK_REALTIME, &tx) >= 0)
		c->sys_freq_ppm = tx.freq / 65536.0;
	c->precision = measure_precision();
	return c;
}

void ntp_clock_free(struct ntp_clock *c)
{
	free(c);
}

uint64_t ntp_clock_now(struct ntp_clock *c)
{
	struct timespec ts;
	double err;

	switch (c->kind) {
	case CLOCK_KIND_SYSTEM:
		clock_gettime(CLOCK_REALTIME, &ts);
		return ntp_ts_from_timespec(&ts);
	case CLOCK_KIND_VIRTUAL:
		clock_gettime(CLOCK_REALTIME, &ts);
		err = error_at(c, mono_now());
		break;
	case CLOCK_KIND_SIM:
	default: {
		double t = *c->true_time, sec = floor(t);

		ts.tv_sec = (time_t)sec;
		ts.tv_nsec = 0;
		err = (t - sec) + error_at(c, t);
		break;
	}
	}
	if (c->noise > 0)
		err += c->noise * rng_gauss(&c->rng);
	return ntp_ts_add(ntp_ts_from_timespec(&ts), err);
}

static int sys_adjtime(struct timex *tx)
{
	return clock_adjtime(CLOCK_REALTIME, tx) < 0 ? -errno : 0;
}

int ntp_clock_step(struct ntp_clock *c, double offset)
{
	if (!isfinite(offset))
		return -EINVAL;
	if (c->kind != CLOCK_KIND_SYSTEM) {
		checkpoint(c);
		c->err0 += offset;
		c->pending = 0;
		return 0;
	}

	struct timex tx;
	double sec = floor(offset);
	int r;

	/* Drop any slew in progress: the step corrects everything. */
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	r = sys_adjtime(&tx);
	if (r < 0)
		return r;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = (time_t)sec;
	tx.time.tv_usec = (long)((offset - sec) * 1e9);   /* ns with ADJ_NANO */
	if (tx.time.tv_usec >= 1000000000) {
		tx.time.tv_sec++;
		tx.time.tv_usec -= 1000000000;
	}
	return sys_adjtime(&tx);
}

int ntp_clock_slew(struct ntp_clock *c, double offset)
{
	if (!isfinite(offset))
		return -EINVAL;
	if (c->kind != CLOCK_KIND_SYSTEM) {
		checkpoint(c);
		c->pending += offset;
		return 0;
	}

	struct timex tx;
	double us;
	int r;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SS_READ;
	r = sys_adjtime(&tx);
	if (r < 0)
		return r;
	us = (double)tx.offset + offset * 1e6;
	/* adjtime(3) refuses more than about +-2145 s; clamp well inside. */
	if (us > 2e9)
		us = 2e9;
	else if (us < -2e9)
		us = -2e9;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	tx.offset = lround(us);
	return sys_adjtime(&tx);
}

int ntp_clock_set_freq(struct ntp_clock *c, double freq_ppm)
{
	double lim = NTP_MAXFREQ * 1e6;

	if (!isfinite(freq_ppm))
		return -EINVAL;
	if (freq_ppm > lim)
		freq_ppm = lim;
	else if (freq_ppm < -lim)
		freq_ppm = -lim;
	if (c->kind != CLOCK_KIND_SYSTEM) {
		checkpoint(c);
		c->corr = freq_ppm * 1e-6;
		return 0;
	}

	struct timex tx;
	int r;

	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = lround(freq_ppm * 65536.0);
	r = sys_adjtime(&tx);
	if (r == 0)
		c->sys_freq_ppm = freq_ppm;
	return r;
}

double ntp_clock_get_freq(struct ntp_clock *c)
{
	return c->kind == CLOCK_KIND_SYSTEM ? c->sys_freq_ppm : c->corr * 1e6;
}

int ntp_clock_precision(struct ntp_clock *c)
{
	return c->precision;
}

bool ntp_clock_true_error(struct ntp_clock *c, double *error)
{
	if (c->kind == CLOCK_KIND_SYSTEM) {
		*error = 0;
		return false;
	}
	*error = error_at(c, elapsed(c));
	return true;
}

const char *ntp_clock_type(struct ntp_clock *c)
{
	switch (c->kind) {
	case CLOCK_KIND_SYSTEM:
		return "system";
	case CLOCK_KIND_SIM:
		return "simulated";
	case CLOCK_KIND_VIRTUAL:
	default:
		return "virtual";
	}
}
