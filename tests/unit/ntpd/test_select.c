/*
 * test_select.c: selection, clustering and combining (select.c, RFC 5905
 * section 11.2).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "ntp.h"

/* A candidate whose root distance is about `dist` (delay 0, so
 * max(MINDISP, 0)/2 = 2.5 ms of it comes from MINDISP). */
static struct ntp_candidate cand(int stratum, double offset, double dist, double jitter)
{
	struct ntp_candidate c;

	memset(&c, 0, sizeof(c));
	c.stratum = stratum;
	c.offset = offset;
	c.jitter = jitter;
	c.disp = dist - NTP_MINDISP / 2 - jitter;
	return c;
}

Test(select, root_distance)
{
	struct ntp_candidate c = cand(2, 0, 0.1, 0.001);

	cr_assert_float_eq(ntp_root_distance(&c), 0.1, 1e-12);
	c.root_delay = 0.02;
	c.delay = 0.01;
	c.root_disp = 0.003;
	cr_assert_float_eq(ntp_root_distance(&c), 0.1 - NTP_MINDISP / 2 + 0.015 + 0.003, 1e-12);
}

Test(select, two_falsetickers_of_five_are_voted_out)
{
	struct ntp_candidate c[5] = {
		cand(2, 0.5, 0.02, 0.001),        /* falseticker */
		cand(2, 0.001, 0.02, 0.001),
		cand(2, -0.7, 0.02, 0.001),       /* falseticker */
		cand(2, 0.002, 0.02, 0.001),
		cand(2, 0.0015, 0.02, 0.001),
	};
	struct ntp_selection s;

	ntp_select(c, 5, -1, 1e-6, &s);
	cr_assert_null(s.reason);
	cr_assert_eq(s.n_truechimers, 3);
	cr_assert_not(c[0].truechimer);
	cr_assert_not(c[2].truechimer);
	cr_assert(c[1].truechimer && c[3].truechimer && c[4].truechimer);
	cr_assert_eq(s.n_survivors, 3);
	cr_assert(s.sys_peer == 1 || s.sys_peer == 3 || s.sys_peer == 4);
	cr_assert_float_eq(s.offset, 0.0015, 1e-9, "equal distances: the plain mean");
	cr_assert_float_eq(c[1].root_dist, 0.02, 1e-12);
}

Test(select, three_falsetickers_of_five_leave_no_majority)
{
	struct ntp_candidate c[5] = {
		cand(2, 0.5, 0.02, 0.001),
		cand(2, 0.001, 0.02, 0.001),
		cand(2, -0.7, 0.02, 0.001),
		cand(2, 0.002, 0.02, 0.001),
		cand(2, 1.3, 0.02, 0.001),
	};
	struct ntp_selection s;

	ntp_select(c, 5, 1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, -1);
	cr_assert_not_null(s.reason);
	cr_assert_str_eq(s.reason, "no majority of truechimers: 3 of 5 sources disagree");
	for (int i = 0; i < 5; i++)
		cr_assert_not(c[i].survivor);
}

Test(select, two_sources_that_disagree_select_nothing)
{
	struct ntp_candidate c[2] = { cand(2, 0.0, 0.01, 0.001), cand(2, 0.1, 0.01, 0.001) };
	struct ntp_selection s;

	ntp_select(c, 2, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, -1);
	cr_assert_str_eq(s.reason, "no majority of truechimers: 1 of 2 sources disagree");
}

Test(select, nothing_to_select)
{
	struct ntp_candidate c[2] = { cand(16, 0, 0.01, 0.001), cand(16, 0, 0.01, 0.001) };
	struct ntp_selection s;

	ntp_select(c, 0, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, -1);
	cr_assert_str_eq(s.reason, "no selectable source");
	ntp_select(c, 2, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, -1);
	cr_assert_str_eq(s.reason, "no selectable source");
}

Test(select, a_single_source_is_followed)
{
	struct ntp_candidate c = cand(1, 0.25, 0.01, 0.0002);
	struct ntp_selection s;

	ntp_select(&c, 1, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 0);
	cr_assert_null(s.reason);
	cr_assert_float_eq(s.offset, 0.25, 1e-12);
	cr_assert_float_eq(s.jitter, 0.0002, 1e-12);
	cr_assert(c.truechimer && c.survivor);
}

Test(select, clustering_drops_outliers_down_to_nmin)
{
	/* Six truechimers (wide, overlapping intervals) with tiny peer jitter:
	 * the ones far from the others are dropped until NMIN remain. */
	struct ntp_candidate c[6] = {
		cand(2, 0.000, 0.5, 1e-5),
		cand(2, 0.001, 0.5, 1e-5),
		cand(2, 0.150, 0.5, 1e-5),        /* outlier */
		cand(2, 0.002, 0.5, 1e-5),
		cand(2, -0.120, 0.5, 1e-5),       /* outlier */
		cand(2, 0.090, 0.5, 1e-5),        /* outlier */
	};
	struct ntp_selection s;

	ntp_select(c, 6, -1, 1e-6, &s);
	cr_assert_eq(s.n_truechimers, 6);
	cr_assert_eq(s.n_survivors, NTP_NMIN);
	cr_assert(c[0].survivor && c[1].survivor && c[3].survivor);
	cr_assert_not(c[2].survivor || c[4].survivor || c[5].survivor);
	cr_assert_float_eq(s.offset, 0.001, 1e-9);
}

Test(select, clustering_stops_when_peer_jitter_dominates)
{
	/* Selection jitter (~ms) below every peer jitter (10 ms): keep all. */
	struct ntp_candidate c[5] = {
		cand(2, 0.000, 0.5, 0.01), cand(2, 0.001, 0.5, 0.01), cand(2, 0.002, 0.5, 0.01),
		cand(2, 0.003, 0.5, 0.01), cand(2, 0.004, 0.5, 0.01),
	};
	struct ntp_selection s;

	ntp_select(c, 5, -1, 1e-6, &s);
	cr_assert_eq(s.n_survivors, 5);
}

Test(select, combine_weights_by_inverse_root_distance)
{
	struct ntp_candidate c[2] = { cand(2, 0.0, 0.01, 0.001), cand(2, 0.003, 0.02, 0.001) };
	struct ntp_selection s;

	ntp_select(c, 2, -1, 1e-6, &s);
	cr_assert_eq(s.n_survivors, 2);
	cr_assert_eq(s.sys_peer, 0, "closer root distance first");
	/* (0/0.01 + 0.003/0.02) / (1/0.01 + 1/0.02) = 0.15 / 150 */
	cr_assert_float_eq(s.offset, 0.001, 1e-12);
	/* sqrt(selection jitter^2 + sys peer jitter^2), selection jitter the
	 * weighted RMS against the system peer. */
	double selj2 = (0.003 * 0.003 / 0.02) / 150;

	cr_assert_float_eq(s.jitter, sqrt(selj2 + 1e-6), 1e-12);
}

Test(select, lower_stratum_is_preferred)
{
	struct ntp_candidate c[3] = {
		cand(3, 0.001, 0.01, 0.001), cand(2, 0.002, 0.05, 0.001), cand(3, 0.0015, 0.01, 0.001),
	};
	struct ntp_selection s;

	ntp_select(c, 3, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 1);
}

Test(select, previous_system_peer_is_kept_no_clock_hopping)
{
	struct ntp_candidate c[3] = {
		cand(2, 0.001, 0.01, 0.001), cand(2, 0.002, 0.011, 0.001), cand(2, 0.0015, 0.012, 0.001),
	};
	struct ntp_selection s;

	ntp_select(c, 3, -1, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 0);
	ntp_select(c, 3, 2, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 2);
	/* ... but not across strata. */
	c[0].stratum = 1;
	ntp_select(c, 3, 2, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 0);
}

Test(select, prefer_peer_wins_and_gives_the_offset)
{
	struct ntp_candidate c[3] = {
		cand(2, 0.001, 0.01, 0.001), cand(2, 0.002, 0.011, 0.001), cand(2, 0.004, 0.03, 0.001),
	};
	struct ntp_selection s;

	c[2].prefer = true;
	ntp_select(c, 3, 0, 1e-6, &s);
	cr_assert_eq(s.sys_peer, 2);
	cr_assert_float_eq(s.offset, 0.004, 1e-12);
}
