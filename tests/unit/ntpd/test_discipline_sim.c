/*
 * test_discipline_sim.c: the clock discipline (discipline.c), first its
 * state machine step by step, then closed-loop simulations in virtual time:
 * a simulated clock (ntp_clock_new_simulated) driven by a time variable,
 * a perfect server, network delays with noise, the clock filter, selection
 * with one source, the discipline and its once-a-second clock_adjust.
 * Twenty simulated minutes take a few milliseconds; nothing sleeps and the
 * machine's clock is never touched.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "ntp.h"

/* ---- state machine --------------------------------------------------- */

static double now_s;

static struct ntp_clock *sim_clock(double offset, double ppm)
{
	now_s = 1.7e9;
	return ntp_clock_new_simulated(&now_s, offset, ppm, 0, 1, -20);
}

static double true_err(struct ntp_clock *c)
{
	double e;

	cr_assert(ntp_clock_true_error(c, &e));
	return e;
}

Test(discipline, init)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	cr_assert_eq(d.state, NTP_DISC_NSET);
	cr_assert_eq(d.poll, 1);
	cr_assert(d.panic_ok);
	cr_assert_float_eq(d.precision, ldexp(1, -20), 1e-15);
	ntp_clock_free(c);
}

Test(discipline, stepout_scales_with_poll)
{
	cr_assert_float_eq(ntp_discipline_stepout(0), 8, 1e-12);
	cr_assert_float_eq(ntp_discipline_stepout(1), 8, 1e-12);
	cr_assert_float_eq(ntp_discipline_stepout(3), 32, 1e-12);
	cr_assert_float_eq(ntp_discipline_stepout(6), 256, 1e-12);
	cr_assert_float_eq(ntp_discipline_stepout(8), 900, 1e-12);
	cr_assert_float_eq(ntp_discipline_stepout(17), 900, 1e-12);
}

Test(discipline, first_big_offset_steps_then_measures_frequency)
{
	struct ntp_clock *c = sim_clock(0.4, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	/* The clock is 0.4 s ahead: the measured offset is -0.4 s. */
	cr_assert_eq(ntp_discipline_update(&d, -0.4, 1e-4, 100, 1, 10), NTP_DISC_STEP);
	cr_assert_float_eq(true_err(c), 0, 1e-12);
	cr_assert_eq(d.state, NTP_DISC_FREQ);
	/* Inside the stepout: ignored. */
	cr_assert_eq(ntp_discipline_update(&d, 0.0001, 1e-4, 104, 1, 10), NTP_DISC_IGNORE);
	/* Past the stepout but before DISC_FREQ_MIN (32 s): still measuring. */
	cr_assert_eq(ntp_discipline_update(&d, 0.0003, 1e-4, 110, 1, 10), NTP_DISC_IGNORE);
	/* After it: the frequency is measured directly (offset / interval). */
	cr_assert_eq(ntp_discipline_update(&d, 0.0016, 1e-4, 132, 1, 10), NTP_DISC_SLEW);
	cr_assert_eq(d.state, NTP_DISC_SYNC);
	cr_assert_float_eq(d.freq, 0.0016 / 32, 1e-12);
	cr_assert_float_eq(ntp_clock_get_freq(c), 50, 1e-6);
	/* The phase left is handed to the clock as a slew, outside the loop. */
	cr_assert_float_eq(d.residual, 0, 1e-12);
	ntp_clock_free(c);
}

Test(discipline, first_small_offset_slews_after_frequency)
{
	struct ntp_clock *c = sim_clock(0.01, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	cr_assert_eq(ntp_discipline_update(&d, -0.01, 1e-4, 100, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(d.state, NTP_DISC_FREQ);
	/* No phase adjustment while the frequency is measured. */
	for (int i = 0; i < 5; i++)
		ntp_discipline_tick(&d);
	cr_assert_float_eq(d.residual, -0.01, 1e-12);
	cr_assert_eq(ntp_discipline_update(&d, -0.0101, 1e-4, 132, 1, 10), NTP_DISC_SLEW);
	cr_assert_float_eq(d.freq, -0.0001 / 32, 1e-12);
	cr_assert_eq(d.state, NTP_DISC_SYNC);
	ntp_clock_free(c);
}

Test(discipline, first_update_starts_at_the_callers_minpoll)
{
	struct ntp_clock *c = sim_clock(0.01, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, NTP_DEF_MINPOLL);
	cr_assert_eq(d.poll, NTP_DEF_MINPOLL);
	ntp_discipline_update(&d, -0.01, 1e-4, 100, 1, 10);
	cr_assert_eq(d.poll, 1);
	cr_assert_eq(d.state, NTP_DISC_FREQ);
	cr_assert_eq(ntp_discipline_update(&d, -0.0101, 1e-4, 132, 1, 10), NTP_DISC_SLEW,
		     "32 s at 2 s polls, not a stepout of 4 polls of 64 s");
	ntp_clock_free(c);
}

Test(discipline, panic_threshold)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	d.panic_ok = false;
	cr_assert_eq(ntp_discipline_update(&d, 2000, 1e-4, 100, 1, 10), NTP_DISC_PANIC);
	cr_assert_float_eq(true_err(c), 0, 1e-12, "nothing done");
	d.panic_ok = true;
	cr_assert_eq(ntp_discipline_update(&d, 2000, 1e-4, 100, 1, 10), NTP_DISC_STEP);
	cr_assert_float_eq(true_err(c), 2000, 1e-9);
	/* Once running, never again. */
	cr_assert_eq(ntp_discipline_update(&d, -2000, 1e-4, 200, 1, 10), NTP_DISC_PANIC);
	ntp_clock_free(c);
}

Test(discipline, spike_is_ignored_then_stepped_after_stepout)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	ntp_discipline_update(&d, 0.0001, 1e-4, 100, 1, 10);            /* NSET -> FREQ */
	cr_assert_eq(ntp_discipline_update(&d, 0.0001, 1e-4, 132, 1, 10), NTP_DISC_SLEW);
	cr_assert_eq(d.state, NTP_DISC_SYNC);
	cr_assert_eq(ntp_discipline_update(&d, 0.3, 1e-4, 134, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(d.state, NTP_DISC_SPIK);
	cr_assert_eq(ntp_discipline_update(&d, 0.3, 1e-4, 136, 1, 10), NTP_DISC_IGNORE);
	/* An inlier ends the spike. */
	cr_assert_eq(ntp_discipline_update(&d, 0.0001, 1e-4, 138, 1, 10), NTP_DISC_SLEW);
	cr_assert_eq(d.state, NTP_DISC_SYNC);
	/* A lasting offset steps once the stepout (8 s at poll 1) is over. */
	cr_assert_eq(ntp_discipline_update(&d, 0.3, 1e-4, 140, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(ntp_discipline_update(&d, 0.3, 1e-4, 144, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(ntp_discipline_update(&d, 0.3, 1e-4, 147, 1, 10), NTP_DISC_STEP);
	cr_assert_float_eq(true_err(c), 0.3, 1e-9);
	cr_assert_eq(d.state, NTP_DISC_SYNC);
	ntp_clock_free(c);
}

Test(discipline, frequency_is_clamped)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;

	ntp_discipline_init(&d, c, 1);
	ntp_discipline_update(&d, 0.01, 1e-4, 100, 1, 10);
	/* 625 ppm measured: no clock runs that fast, the combined offset
	 * changed under the measurement: it starts again from here. */
	cr_assert_eq(ntp_discipline_update(&d, 0.03, 1e-4, 132, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(d.state, NTP_DISC_FREQ);
	cr_assert_float_eq(d.freq, 0, 1e-12);
	/* 1000 ppm over 32 s is still too much; 200 ppm is accepted. */
	cr_assert_eq(ntp_discipline_update(&d, 0.062, 1e-4, 164, 1, 10), NTP_DISC_IGNORE);
	cr_assert_eq(ntp_discipline_update(&d, 0.0684, 1e-4, 196, 1, 10), NTP_DISC_SLEW);
	cr_assert_float_eq(d.freq, 200e-6, 1e-9);
	/* The PLL still never sets more than the clock can do. */
	d.freq = NTP_MAXFREQ;
	cr_assert_eq(ntp_discipline_update(&d, 0.01, 1e-4, 300, 1, 10), NTP_DISC_SLEW);
	cr_assert_float_eq(ntp_clock_get_freq(c), 500, 1e-9);
	ntp_clock_free(c);
}

Test(discipline, tick_slews_the_residual_within_the_slew_limit)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;
	double before;

	ntp_discipline_init(&d, c, 1);
	d.state = NTP_DISC_SYNC;
	d.residual = 0.001;
	ntp_discipline_tick(&d);        /* 1 ms / (PLL 16 * 2 s) */
	cr_assert_float_eq(d.residual, 0.001 - 0.001 / 32, 1e-12);
	now_s += 1;
	cr_assert_float_eq(true_err(c), 0.001 / 32, 1e-12);
	d.residual = 0.1;
	before = true_err(c);
	ntp_discipline_tick(&d);
	cr_assert_float_eq(d.residual, 0.1 - NTP_MAXFREQ, 1e-12);
	now_s += 1;
	cr_assert_float_eq(true_err(c) - before, NTP_MAXFREQ, 1e-12);
	ntp_clock_free(c);
}

Test(discipline, poll_grows_when_quiet_and_shrinks_when_not)
{
	struct ntp_clock *c = sim_clock(0, 0);
	struct ntp_discipline d;
	double t = 100;

	ntp_discipline_init(&d, c, 1);
	ntp_discipline_update(&d, 0, 1e-4, t, 1, 4);
	t += 10;
	ntp_discipline_update(&d, 0, 1e-4, t, 1, 4);
	for (int i = 0; i < 200; i++) {
		t += ldexp(1, d.poll);
		ntp_discipline_update(&d, 1e-7, 1e-4, t, 1, 4);
	}
	cr_assert_eq(d.poll, 4, "grows to maxpoll");
	d.jitter = 1e-6;
	for (int i = 0; i < 200; i++) {
		t += ldexp(1, d.poll);
		ntp_discipline_update(&d, 0.001, 0.01, t, 1, 4);
	}
	cr_assert_eq(d.poll, 1, "offsets well above the jitter bring it down");
	ntp_clock_free(c);
}

/* ---- closed-loop simulation -------------------------------------------- */

struct sim {
	double t;                 /* true time, s since 1970 */
	double t0;
	uint64_t rng;
	struct ntp_clock *clock;
	struct ntp_discipline disc;
	struct ntp_filter filt;
	int minpoll, maxpoll;
	double loss;              /* probability a poll gets no answer */
	double delay_noise;       /* per direction, |gaussian| std dev, s */
	int steps;
};

static double sim_uniform(struct sim *s)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return ((s->rng >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static double sim_gauss(struct sim *s)
{
	return sqrt(-2 * log(sim_uniform(s))) * cos(2 * M_PI * sim_uniform(s));
}

static void sim_init(struct sim *s, double offset, double ppm, unsigned seed)
{
	memset(s, 0, sizeof(*s));
	s->t = s->t0 = 1.7e9;
	s->rng = 0x9e3779b97f4a7c15ull * (seed + 1);
	s->clock = ntp_clock_new_simulated(&s->t, offset, ppm, 0, seed, -20);
	s->minpoll = 1;                 /* the lab polls every 2 s */
	s->maxpoll = NTP_DEF_MAXPOLL;
	s->delay_noise = 100e-6;
	ntp_discipline_init(&s->disc, s->clock, s->minpoll);
	ntp_filter_init(&s->filt);
	s->filt.unsync = true;
}

static uint64_t server_time(const struct sim *s)
{
	double sec = floor(s->t);

	return ntp_ts_add((uint64_t)(NTP_UNIX_EPOCH + (uint64_t)sec) << 32, s->t - sec);
}

/* One client/server exchange with a perfect server, then what ntpd does
 * with it: filter, accept (root distance), select, discipline. */
static void sim_exchange(struct sim *s)
{
	const double prec = 2 * ldexp(1, -20);
	double d1 = 50e-6 + fabs(sim_gauss(s)) * s->delay_noise;
	double d2 = 50e-6 + fabs(sim_gauss(s)) * s->delay_noise;
	uint64_t t1, t2, t4;
	struct ntp_sample smp;

	t1 = ntp_clock_now(s->clock);
	s->t += d1;
	t2 = server_time(s);            /* T2 = T3: no processing time */
	s->t += d2;
	t4 = ntp_clock_now(s->clock);
	smp.offset = (ntp_ts_diff(t2, t1) + ntp_ts_diff(t2, t4)) / 2;
	smp.delay = ntp_ts_diff(t4, t1);
	smp.disp = NTP_PHI * smp.delay;
	smp.t = s->t;

	s->filt.unsync = !(s->disc.state == NTP_DISC_SYNC || s->disc.state == NTP_DISC_SPIK);
	if (!ntp_filter_add(&s->filt, &smp, prec, s->t))
		return;

	struct ntp_candidate c = {
		.stratum = 1, .offset = s->filt.offset, .delay = s->filt.delay,
		.disp = ntp_filter_disp_now(&s->filt, s->t), .jitter = s->filt.jitter,
	};
	struct ntp_selection sel;

	if (ntp_root_distance(&c) > NTP_MAXDIST + NTP_PHI * ldexp(1, s->disc.poll))
		return;                 /* RFC accept(): not yet */
	ntp_select(&c, 1, 0, ldexp(1, -20), &sel);
	cr_assert_eq(sel.sys_peer, 0);
	enum ntp_disc_result r = ntp_discipline_update(&s->disc, sel.offset, sel.jitter,
						       s->filt.last_t, s->minpoll, s->maxpoll);
	cr_assert_neq(r, NTP_DISC_PANIC);
	if (r == NTP_DISC_STEP) {
		/* RFC clock_update: reset the associations. */
		ntp_filter_init(&s->filt);
		s->steps++;
	}
}

struct sim_result {
	double converged_at;      /* s after start when |err| last exceeded 1 ms */
	double max_after, rms_after;
	int final_poll;
};

/* Run `seconds`; statistics over [settle, seconds). */
static struct sim_result sim_run(struct sim *s, int seconds, int settle)
{
	struct sim_result res = { 0 };
	double next_poll = 0, sum2 = 0;
	int n = 0;

	for (int sec = 0; sec < seconds; sec++) {
		s->t = s->t0 + sec;
		ntp_discipline_tick(&s->disc);
		if (sec >= next_poll) {
			next_poll = sec + ldexp(1, s->disc.poll);
			if (sim_uniform(s) >= s->loss)
				sim_exchange(s);
		}
		double e = true_err(s->clock);

		if (fabs(e) > 1e-3)
			res.converged_at = sec + 1;
		if (sec >= settle) {
			sum2 += e * e;
			n++;
			if (fabs(e) > res.max_after)
				res.max_after = fabs(e);
		}
	}
	res.rms_after = n ? sqrt(sum2 / n) : 0;
	res.final_poll = s->disc.poll;
	return res;
}

static void lab_start(double offset, double ppm, double loss, double conv_limit)
{
	for (unsigned seed = 1; seed <= 5; seed++) {
		struct sim s;
		struct sim_result r;

		sim_init(&s, offset, ppm, seed);
		s.loss = loss;
		r = sim_run(&s, 120 + 1200, 120);
		cr_log_info("offset %+.2f s %+.0f ppm loss %.0f%% seed %u: within 1 ms after %.0f s, "
			    "then max %.0f us rms %.0f us, poll %d, freq %+.2f ppm",
			    offset, ppm, loss * 100, seed, r.converged_at, r.max_after * 1e6,
			    r.rms_after * 1e6, r.final_poll, s.disc.freq * 1e6);
		cr_expect_eq(s.steps, 1, "seed %u: one step", seed);
		cr_expect_leq(r.converged_at, conv_limit, "seed %u: converged after %.0f s", seed,
			      r.converged_at);
		cr_expect_lt(r.max_after, 1e-3, "seed %u: max %.0f us", seed, r.max_after * 1e6);
		cr_expect_lt(r.rms_after, 300e-6, "seed %u: rms %.0f us", seed, r.rms_after * 1e6);
		cr_expect_gt(r.final_poll, s.minpoll, "seed %u: poll grew", seed);
		cr_expect_float_eq(s.disc.freq, -ppm * 1e-6, 5e-6, "seed %u: freq %.2f ppm", seed,
				   s.disc.freq * 1e6);
		ntp_clock_free(s.clock);
	}
}

/* The lab: clocks 0.4 s and -0.3 s off, polling every 2 s, must be within
 * 1 ms of the reference within about a minute. */
Test(discipline_sim, lab_start_plus_400ms_50ppm)
{
	lab_start(0.4, 50, 0, 60);
}

Test(discipline_sim, lab_start_minus_300ms_50ppm)
{
	lab_start(-0.3, 50, 0, 60);
}

Test(discipline_sim, lab_start_minus_300ms_minus_50ppm)
{
	lab_start(-0.3, -50, 0, 60);
}

Test(discipline_sim, fast_oscillator_100ppm)
{
	lab_start(0.4, 100, 0, 75);
}

Test(discipline_sim, thirty_percent_sample_loss)
{
	lab_start(0.4, 50, 0.3, 90);
	lab_start(-0.3, -50, 0.3, 90);
}

Test(discipline_sim, offset_below_step_threshold_is_slewed)
{
	/* 50 ms cannot be slewed faster than 500 ppm (100 s): no step, no
	 * frequency windup, then the same accuracy. */
	struct sim s;
	struct sim_result r;

	sim_init(&s, 0.05, 30, 3);
	r = sim_run(&s, 400 + 1200, 400);
	cr_log_info("50 ms: within 1 ms after %.0f s, then max %.0f us rms %.0f us",
		    r.converged_at, r.max_after * 1e6, r.rms_after * 1e6);
	cr_expect_eq(s.steps, 0);
	cr_expect_leq(r.converged_at, 300);
	cr_expect_lt(r.max_after, 1e-3);
	cr_expect_lt(r.rms_after, 300e-6);
	ntp_clock_free(s.clock);
}

Test(discipline_sim, quiet_network_is_much_better)
{
	struct sim s;
	struct sim_result r;

	sim_init(&s, 0.4, 20, 9);
	s.delay_noise = 5e-6;
	r = sim_run(&s, 120 + 1200, 120);
	cr_log_info("quiet: within 1 ms after %.0f s, then max %.1f us rms %.1f us, poll %d",
		    r.converged_at, r.max_after * 1e6, r.rms_after * 1e6, r.final_poll);
	cr_expect_leq(r.converged_at, 60);
	cr_expect_lt(r.rms_after, 30e-6);
	ntp_clock_free(s.clock);
}
