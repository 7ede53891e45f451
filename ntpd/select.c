/*
 * select.c: choosing the system peer and the system offset from the
 * candidates (RFC 5905 section 11.2: clock_select, cluster, clock_combine).
 *
 * 1. Intersection (Marzullo, as amended by Mills).  Each candidate gives a
 *    correctness interval offset +- root distance: three endpoints (lower,
 *    midpoint, upper) go into one list sorted by value.  For allow = 0, 1, ...
 *    while allow < n/2, scan up for the lowest point covered by n - allow
 *    intervals and down for the highest; the intersection is good when at
 *    most `allow` midpoints fall outside it and it is not empty.  If allow
 *    reaches n/2 there is no majority: nothing is selected.  Truechimers are
 *    the candidates whose interval meets the intersection (ntpd's rule; the
 *    RFC skeleton tests endpoints, which counts a candidate once per
 *    endpoint).
 * 2. Clustering.  Truechimers are ordered by MAXDIST * stratum + root
 *    distance.  While more than NMIN remain, the one with the largest
 *    selection jitter (RMS of its offset against the others) is dropped,
 *    unless that jitter is already below the smallest peer jitter (dropping
 *    more would not help).  A prefer peer is never dropped.
 * 3. System peer: the prefer peer if it survived; else the previous system
 *    peer if it survived at the first survivor's stratum (no clock hopping)
 *    unless a `priority` survivor is there at that stratum and it is not
 *    one; else the first `priority` survivor at that stratum (VRP: "the
 *    first choice under the same condition"); else the first survivor.
 * 4. Combining: the system offset is the survivors' offsets weighted by
 *    1 / root distance (the prefer peer's own when it is the system peer);
 *    the system jitter is sqrt(selection jitter^2 + sys peer jitter^2) where
 *    the selection jitter is the weighted RMS of the survivors against the
 *    system peer.
 * Candidates past the first NTP_NMAX are ignored.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntp.h"

struct endpoint {
	double edge;
	int type;                 /* -1 lower, 0 midpoint, +1 upper */
};

static int endpoint_cmp(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;

	if (x->edge != y->edge)
		return x->edge < y->edge ? -1 : 1;
	return x->type - y->type;   /* closed intervals: lower edges first */
}

double ntp_root_distance(const struct ntp_candidate *c)
{
	double d = c->root_delay + c->delay;

	if (d < NTP_MINDISP)
		d = NTP_MINDISP;
	return d / 2 + c->root_disp + c->disp + c->jitter;
}

static bool usable(const struct ntp_candidate *c)
{
	return c->stratum < NTP_MAXSTRAT && isfinite(c->offset) && isfinite(c->root_dist) &&
	       isfinite(c->jitter);
}

/* The largest number of correctness intervals that overlap at one point:
 * how many sources agree at best, for the operator's sentence. */
static int max_clique(const struct endpoint *e, int ne)
{
	int chime = 0, best = 0;

	for (int i = 0; i < ne; i++) {
		chime -= e[i].type;
		if (chime > best)
			best = chime;
	}
	return best;
}

static void fail(struct ntp_selection *out, const char *fmt, int a, int b)
{
	snprintf(out->reason_buf, sizeof(out->reason_buf), fmt, a, b);
	out->reason = out->reason_buf;
}

void ntp_select(struct ntp_candidate *c, int n, int prev_sys_peer, double sys_jitter_min,
		struct ntp_selection *out)
{
	struct endpoint e[3 * NTP_NMAX];
	int idx[NTP_NMAX], list[NTP_NMAX];
	double metric[NTP_NMAX];
	int m = 0, ne = 0, k, allow, found, chime, sys;
	double low = 2e9, high = -2e9;

	memset(out, 0, sizeof(*out));
	out->sys_peer = -1;
	if (n > NTP_NMAX)
		n = NTP_NMAX;
	for (int i = 0; i < n; i++) {
		c[i].truechimer = c[i].survivor = false;
		c[i].root_dist = ntp_root_distance(&c[i]);
		if (!usable(&c[i]))
			continue;
		idx[m++] = i;
		e[ne++] = (struct endpoint){ c[i].offset - c[i].root_dist, -1 };
		e[ne++] = (struct endpoint){ c[i].offset, 0 };
		e[ne++] = (struct endpoint){ c[i].offset + c[i].root_dist, +1 };
	}
	if (m == 0) {
		out->reason = "no selectable source";
		return;
	}
	qsort(e, (size_t)ne, sizeof(e[0]), endpoint_cmp);

	/* 1. Intersection. */
	for (allow = 0; 2 * allow < m; allow++) {
		found = 0;
		chime = 0;
		for (int i = 0; i < ne; i++) {
			chime -= e[i].type;
			if (chime >= m - allow) {
				low = e[i].edge;
				break;
			}
			if (e[i].type == 0)
				found++;
		}
		chime = 0;
		for (int i = ne - 1; i >= 0; i--) {
			chime += e[i].type;
			if (chime >= m - allow) {
				high = e[i].edge;
				break;
			}
			if (e[i].type == 0)
				found++;
		}
		if (found > allow)
			continue;
		if (high > low)
			break;
	}
	if (2 * allow >= m || !(high > low)) {
		int agree = max_clique(e, ne);

		fail(out, "no majority of truechimers: %d of %d sources disagree", m - agree, m);
		return;
	}
	k = 0;
	for (int j = 0; j < m; j++) {
		struct ntp_candidate *p = &c[idx[j]];

		if (p->offset - p->root_dist <= high && p->offset + p->root_dist >= low) {
			p->truechimer = true;
			list[k++] = idx[j];
		}
	}
	out->n_truechimers = k;
	if (k < NTP_NSANE) {
		fail(out, "too few truechimers: %d of %d sources", k, m);
		return;
	}

	/* 2. Clustering, on the list ordered by stratum then distance. */
	for (int i = 0; i < k; i++)
		metric[i] = NTP_MAXDIST * c[list[i]].stratum + c[list[i]].root_dist;
	for (int i = 1; i < k; i++) {
		int li = list[i];
		double mi = metric[i];
		int j = i;

		while (j > 0 && metric[j - 1] > mi) {
			metric[j] = metric[j - 1];
			list[j] = list[j - 1];
			j--;
		}
		metric[j] = mi;
		list[j] = li;
	}
	while (k > NTP_NMIN) {
		double max = -1, min = INFINITY;
		int qmax = -1;

		for (int i = 0; i < k; i++) {
			const struct ntp_candidate *p = &c[list[i]];
			double sum = 0, sj;

			if (p->jitter < min)
				min = p->jitter;
			for (int j = 0; j < k; j++) {
				double d = p->offset - c[list[j]].offset;

				sum += d * d;
			}
			sj = sqrt(sum / (k - 1));
			if (sj > max && !p->prefer) {
				max = sj;
				qmax = i;
			}
		}
		if (qmax < 0 || max < min)
			break;
		memmove(&list[qmax], &list[qmax + 1], sizeof(list[0]) * (size_t)(k - qmax - 1));
		k--;
	}
	out->n_survivors = k;
	for (int i = 0; i < k; i++)
		c[list[i]].survivor = true;

	/* 3. System peer. */
	sys = list[0];
	for (int i = 0; i < k; i++) {
		if (c[list[i]].prefer) {
			sys = list[i];
			break;
		}
	}
	if (!c[sys].prefer) {
		int pri = -1;

		for (int i = 0; i < k && pri < 0; i++)
			if (c[list[i]].priority && c[list[i]].stratum == c[list[0]].stratum)
				pri = list[i];
		if (prev_sys_peer >= 0 && prev_sys_peer < n && c[prev_sys_peer].survivor &&
		    c[prev_sys_peer].stratum == c[list[0]].stratum &&
		    (pri < 0 || c[prev_sys_peer].priority))
			sys = prev_sys_peer;
		else if (pri >= 0)
			sys = pri;
	}
	out->sys_peer = sys;

	/* 4. Combining. */
	double y = 0, z = 0, w = 0, selj;

	for (int i = 0; i < k; i++) {
		const struct ntp_candidate *p = &c[list[i]];
		double x = p->root_dist > 0 ? p->root_dist : NTP_MINDISP;
		double d = p->offset - c[sys].offset;

		y += 1 / x;
		z += p->offset / x;
		w += d * d / x;
	}
	out->offset = c[sys].prefer ? c[sys].offset : z / y;
	selj = sqrt(w / y);
	out->jitter = sqrt(selj * selj + c[sys].jitter * c[sys].jitter);
	if (out->jitter < sys_jitter_min)
		out->jitter = sys_jitter_min;
}
