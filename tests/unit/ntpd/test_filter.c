/*
 * test_filter.c: the 8-stage clock filter (filter.c, RFC 5905 section 10).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "ntp.h"

static bool add(struct ntp_filter *f, double offset, double delay, double t)
{
	struct ntp_sample s = { .offset = offset, .delay = delay, .disp = 0, .t = t };

	return ntp_filter_add(f, &s, 0, t);
}

Test(filter, starts_empty_and_unusable)
{
	struct ntp_filter f;

	ntp_filter_init(&f);
	cr_assert_eq(f.n, 0);
	cr_assert_eq(f.disp, NTP_MAXDISP);
	cr_assert_eq(ntp_filter_disp_now(&f, 100), NTP_MAXDISP);
	cr_assert_not(f.have_last);
}

Test(filter, chooses_the_minimum_delay_sample)
{
	struct ntp_filter f;
	const double delay[] = { 0.005, 0.003, 0.008, 0.001, 0.009, 0.004 };
	const double offset[] = { 0.010, 0.020, 0.030, 0.040, 0.050, 0.060 };

	ntp_filter_init(&f);
	for (int i = 0; i < 6; i++)
		add(&f, offset[i], delay[i], 10.0 * i);
	cr_assert_eq(f.n, 6);
	cr_assert_float_eq(f.delay, 0.001, 1e-12);
	cr_assert_float_eq(f.offset, 0.040, 1e-12);
	cr_assert_float_eq(f.last_t, 30.0, 1e-12);
}

Test(filter, uses_a_sample_only_once_and_never_an_older_one)
{
	struct ntp_filter f;

	ntp_filter_init(&f);
	cr_assert(add(&f, 0.001, 0.002, 1), "first sample is used");
	cr_assert_not(add(&f, 0.005, 0.009, 2), "best is still the old one");
	cr_assert_float_eq(f.offset, 0.001, 1e-12);
	cr_assert(add(&f, 0.003, 0.001, 3), "a newer, better one is used");
	cr_assert_float_eq(f.offset, 0.003, 1e-12);
	cr_assert_float_eq(f.last_t, 3, 1e-12);
	cr_assert_not(add(&f, 0.004, 0.009, 4));

	/* Unsynchronized: "anything goes", the best sample is passed on. */
	f.unsync = true;
	cr_assert(add(&f, 0.004, 0.009, 5));
	cr_assert_float_eq(f.offset, 0.003, 1e-12);
}

Test(filter, shifts_out_the_oldest_after_eight)
{
	struct ntp_filter f;

	ntp_filter_init(&f);
	add(&f, 0.5, 0.0001, 0);              /* best, but will be shifted out */
	for (int i = 1; i <= 8; i++)
		add(&f, 0.001 * i, 0.01 + 0.001 * i, i);
	cr_assert_eq(f.n, NTP_NSTAGE);
	cr_assert_float_eq(f.offset, 0.001, 1e-12);
	cr_assert_float_eq(f.delay, 0.011, 1e-12);
}

Test(filter, dispersion_is_the_weighted_sum_and_ages)
{
	struct ntp_filter f;
	struct ntp_sample s = { .offset = 0, .delay = 0.001, .disp = 0.001, .t = 0 };
	double expect;

	ntp_filter_init(&f);
	/* One sample: d/2 + MAXDISP * (1/4 + ... + 1/256). */
	ntp_filter_add(&f, &s, 0.0005, 0);
	expect = 0.0015 / 2 + NTP_MAXDISP * (0.5 - 1.0 / 256);
	cr_assert_float_eq(f.disp, expect, 1e-9);
	cr_assert_gt(f.disp, NTP_MAXDIST, "one sample is not selectable");

	/* Eight samples at the same moment: d * (1 - 1/256). */
	ntp_filter_init(&f);
	for (int i = 0; i < 8; i++) {
		s.delay = 0.001 + i * 1e-4;
		ntp_filter_add(&f, &s, 0, 0);
	}
	cr_assert_float_eq(f.disp, 0.001 * (1 - 1.0 / 256), 1e-12);

	/* Ageing: every stage grows by PHI per second between adds. */
	s.t = 1000;
	s.delay = 0.0001;
	cr_assert(ntp_filter_add(&f, &s, 0, 1000));
	expect = 0.001 / 2;                              /* the new, best sample */
	for (int i = 1; i < 8; i++)
		expect += (0.001 + 1000 * NTP_PHI) / (double)(2 << i);
	cr_assert_float_eq(f.disp, expect, 1e-12);

	/* And the peer dispersion grows with time since the sample used. */
	cr_assert_float_eq(ntp_filter_disp_now(&f, 1100), f.disp + 100 * NTP_PHI, 1e-12);
	cr_assert_eq(ntp_filter_disp_now(&f, 1e9), NTP_MAXDISP);
}

Test(filter, becomes_selectable_after_four_samples)
{
	struct ntp_filter f;

	ntp_filter_init(&f);
	for (int i = 0; i < 4; i++) {
		cr_assert_gt(f.disp, NTP_MAXDIST);
		add(&f, 0, 0.001, 2 * i);
	}
	cr_assert_lt(f.disp, NTP_MAXDIST);
}

Test(filter, jitter_is_rms_of_offset_differences)
{
	struct ntp_filter f;

	ntp_filter_init(&f);
	add(&f, 0.000, 0.001, 1);             /* chosen: smallest delay */
	add(&f, 0.003, 0.002, 2);
	add(&f, -0.004, 0.003, 3);
	/* sqrt((0.003^2 + 0.004^2) / (3 - 1)) */
	cr_assert_float_eq(f.jitter, sqrt(25e-6 / 2), 1e-12);

	/* Floored by the precision. */
	struct ntp_sample s = { .offset = 0, .delay = 0.001, .disp = 0, .t = 1 };

	ntp_filter_init(&f);
	ntp_filter_add(&f, &s, 1e-6, 1);
	cr_assert_float_eq(f.jitter, 1e-6, 1e-15);
}

Test(filter, dummy_maxdisp_samples_are_never_chosen)
{
	struct ntp_filter f;
	struct ntp_sample dummy = { .offset = 0, .delay = 0, .disp = NTP_MAXDISP, .t = 5 };

	ntp_filter_init(&f);
	cr_assert_not(ntp_filter_add(&f, &dummy, 0, 5));
	add(&f, 0.002, 0.004, 6);
	cr_assert_not(ntp_filter_add(&f, &dummy, 0, 7));
	cr_assert_float_eq(f.offset, 0.002, 1e-12);
	cr_assert_float_eq(f.delay, 0.004, 1e-12);
	cr_assert_eq(f.n, 3);
}
