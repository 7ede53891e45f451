/*
 * test_clock.c: the virtual and simulated clocks (ntpclock.c).  The system
 * clock is only created and read: no test ever changes the machine's clock.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <time.h>

#include "ntp.h"

static double true_time;

static double err_of(struct ntp_clock *c)
{
	double e;

	cr_assert(ntp_clock_true_error(c, &e));
	return e;
}

/* The simulated clock's reading against true time, s. */
static double read_offset(struct ntp_clock *c)
{
	uint64_t truth = ntp_ts_add((uint64_t)(NTP_UNIX_EPOCH + (uint64_t)floor(true_time)) << 32,
				    true_time - floor(true_time));

	return ntp_ts_diff(ntp_clock_now(c), truth);
}

Test(clock, simulated_offset_and_drift)
{
	true_time = 1.7e9;
	struct ntp_clock *c = ntp_clock_new_simulated(&true_time, 0.4, 50, 0, 1, -20);

	cr_assert_str_eq(ntp_clock_type(c), "simulated");
	cr_assert_eq(ntp_clock_precision(c), -20);
	cr_assert_float_eq(err_of(c), 0.4, 1e-12);
	cr_assert_float_eq(read_offset(c), 0.4, 1e-6);
	true_time += 1000;
	cr_assert_float_eq(err_of(c), 0.4 + 0.05, 1e-9);
	cr_assert_float_eq(read_offset(c), 0.45, 1e-6);
	ntp_clock_free(c);
}

Test(clock, frequency_correction_is_added_to_the_rate)
{
	true_time = 1000;
	struct ntp_clock *c = ntp_clock_new_simulated(&true_time, 0, 50, 0, 1, -20);

	cr_assert_eq(ntp_clock_set_freq(c, -50), 0);
	cr_assert_float_eq(ntp_clock_get_freq(c), -50, 1e-9);
	true_time += 10000;
	cr_assert_float_eq(err_of(c), 0, 1e-9, "a -50 ppm correction cancels +50 ppm");
	cr_assert_eq(ntp_clock_set_freq(c, -40), 0);
	true_time += 1000;
	cr_assert_float_eq(err_of(c), 0.01, 1e-9);
	/* Clamped to the slew limit. */
	cr_assert_eq(ntp_clock_set_freq(c, -900), 0);
	cr_assert_float_eq(ntp_clock_get_freq(c), -500, 1e-9);
	cr_assert_lt(ntp_clock_set_freq(c, NAN), 0);
	ntp_clock_free(c);
}

Test(clock, slew_is_rate_limited_and_accumulates)
{
	true_time = 1000;
	struct ntp_clock *c = ntp_clock_new_simulated(&true_time, 0, 0, 0, 1, -20);

	cr_assert_eq(ntp_clock_slew(c, 0.001), 0);
	cr_assert_float_eq(err_of(c), 0, 1e-12, "a slew is not a step");
	true_time += 1;
	cr_assert_float_eq(err_of(c), 0.0005, 1e-9, "500 ppm at most");
	/* Another slew adds to what is still pending. */
	cr_assert_eq(ntp_clock_slew(c, -0.0002), 0);
	true_time += 0.5;
	cr_assert_float_eq(err_of(c), 0.00075, 1e-9);
	true_time += 100;
	cr_assert_float_eq(err_of(c), 0.0008, 1e-9, "and then stops");
	ntp_clock_free(c);
}

Test(clock, step_is_immediate_and_cancels_pending_slew)
{
	true_time = 1000;
	struct ntp_clock *c = ntp_clock_new_simulated(&true_time, 0.4, 0, 0, 1, -20);

	cr_assert_eq(ntp_clock_slew(c, 0.1), 0);
	true_time += 2;
	cr_assert_float_eq(err_of(c), 0.401, 1e-9);
	cr_assert_eq(ntp_clock_step(c, -0.401), 0);
	cr_assert_float_eq(err_of(c), 0, 1e-9);
	true_time += 100;
	cr_assert_float_eq(err_of(c), 0, 1e-9);
	cr_assert_lt(ntp_clock_step(c, INFINITY), 0);
	ntp_clock_free(c);
}

Test(clock, reading_noise_has_the_configured_spread)
{
	true_time = 1.7e9;
	struct ntp_clock *c = ntp_clock_new_simulated(&true_time, 0, 0, 100e-6, 7, -20);
	double sum = 0, sum2 = 0;
	const int n = 20000;

	for (int i = 0; i < n; i++) {
		double o = read_offset(c);

		sum += o;
		sum2 += o * o;
	}
	double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);

	cr_assert_lt(fabs(mean), 5e-6);
	cr_assert_float_eq(sd, 100e-6, 10e-6);
	cr_assert_float_eq(err_of(c), 0, 1e-12, "true error carries no noise");
	ntp_clock_free(c);
}

Test(clock, virtual_clock_is_realtime_plus_error)
{
	struct ntp_clock *c = ntp_clock_new_virtual(-0.3, 20, 0);
	struct timespec ts;
	uint64_t v, r;
	double e;

	cr_assert_str_eq(ntp_clock_type(c), "virtual");
	/* Read between two readings of the real clock: no bound on how long
	 * a loaded machine takes between them. */
	clock_gettime(CLOCK_REALTIME, &ts);
	r = ntp_ts_from_timespec(&ts);
	v = ntp_clock_now(c);
	clock_gettime(CLOCK_REALTIME, &ts);
	cr_assert_geq(ntp_ts_diff(v, r), -0.3 - 0.001);
	cr_assert_leq(ntp_ts_diff(v, ntp_ts_from_timespec(&ts)), -0.3 + 0.001);
	cr_assert(ntp_clock_true_error(c, &e));
	cr_assert_float_eq(e, -0.3, 0.001);
	cr_assert(ntp_clock_precision(c) <= 0 && ntp_clock_precision(c) >= -30);
	cr_assert_eq(ntp_clock_step(c, 0.3), 0);
	cr_assert(ntp_clock_true_error(c, &e));
	cr_assert_float_eq(e, 0, 0.001);
	ntp_clock_free(c);
}

Test(clock, system_clock_is_only_read)
{
	struct ntp_clock *c = ntp_clock_new_system();
	struct timespec ts;
	double e = 1;

	cr_assert_str_eq(ntp_clock_type(c), "system");
	uint64_t before, now;

	clock_gettime(CLOCK_REALTIME, &ts);
	before = ntp_ts_from_timespec(&ts);
	now = ntp_clock_now(c);
	clock_gettime(CLOCK_REALTIME, &ts);
	cr_assert_geq(ntp_ts_diff(now, before), -1e-6);
	cr_assert_leq(ntp_ts_diff(now, ntp_ts_from_timespec(&ts)), 1e-6);
	cr_assert_not(ntp_clock_true_error(c, &e));
	cr_assert_eq(e, 0);
	ntp_clock_free(c);
}
