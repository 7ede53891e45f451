/*
 * test_accuracy.c: how well ntpd keeps time, measured exactly.
 *
 * Simulation-style tests in the manner of chrony's test/simulation (which
 * runs chronyd under clknetsim): several ntpd cores run in ONE process and
 * one loop, each with its own virtual clock (chosen offset and frequency
 * error), on 127.0.0.x addresses and their own ports, configured directly
 * with ntpd_apply_config.  Between the client and each server sits the
 * impairing relay (tests/relay: delay + gaussian jitter + loss, per
 * direction).  Time is simulated (tests/relay/simtime.c): the loop never
 * sleeps, the clock jumps to the next timer, so hours of NTP take seconds
 * and a run is reproducible from its seed.  A virtual clock knows its error
 * against true time, so the client's TRUE error is measured every simulated
 * second (the true servers' clocks have error 0; a falseticker's own error
 * is irrelevant to the client's).
 *
 * Topology: client 127.0.0.2 -> relay 127.0.0.(21+i) -> server
 * 127.0.0.(11+i), refclock-master 1.  A falseticker is a server whose
 * virtual clock is offset: as refclock-master it believes it is right.
 * The client uses the default polls (minpoll 6, maxpoll 10) unless a
 * scenario says otherwise.
 *
 * ERROR BUDGET (why the bounds below hold, and what they do not cover):
 *  - Path asymmetry: NTP cannot see it; the client ends (d_up - d_down)/2
 *    off.  The relays here are symmetric on average (1 ms each way), so the
 *    systematic part is 0; the `asymmetric_path_error_is_half_the_asymmetry`
 *    test checks the opposite case: +-0.5 ms asymmetry -> +0.25 ms.
 *  - Jitter: each direction adds N(0, 100 us); the offset of one exchange
 *    is (j_up - j_down)/2, N(0, 71 us).  The clock filter keeps the
 *    minimum-delay sample of the last 8 (with symmetric gaussian jitter the
 *    delay, j_up + j_down, says nothing of the offset error; on real paths
 *    queueing is one-sided and it does), and the PLL averages consecutive
 *    offsets over its time constant (tens of polls), so the phase noise
 *    left is a fraction of 71 us.
 *  - Discipline residual: the frequency left after the direct
 *    measurements of ntpd/discipline.c (4, 16, then every 64 polls of
 *    minpoll: ~0.4, ~0.1, ~0.02 ppm with this noise) times the loop's time
 *    constant (16 polls: 1000-16000 s): up to a few hundred us early in the
 *    hold window, tens of us later.  What made the multi-source cases hold
 *    is that every stored sample is moved with each change made to the
 *    clock (ntp_filter_adjust), so that samples of different ages and
 *    sources compare when combined and measured.
 *  - Start: 0.1 s is below the 128 ms step threshold, so it is slewed at
 *    most 500 ppm (>= 200 s) while the frequency (100 ppm) is measured; the
 *    hold window starts after HOLD_FROM (30 min), when the transient is
 *    long gone (the tests report when |error| first fell below 1 ms).
 *  So with 1 ms +- 100 us each way we require, from HOLD_FROM on:
 *  max |error| < 1 ms (a margin of >3x over the jitter of a single sample
 *  even if one passed unfiltered) and RMS < 300 us (4x the single-sample
 *  noise), for one server, three servers and five with two falsetickers.
 *  Measured at the seeds below (printed with cr_log_info): max 233 / 324 /
 *  543 us, rms 71 / 56 / 117 us; with NTPD_ACC_SEED=100..700 (six other
 *  noise draws) every one of these stayed under 1 ms max and 300 us rms.
 *  30 % loss: max 634 us, rms 110 us here; over the six other draws up to
 *  1.01 ms max (the first measurements wait for the filter to pass
 *  samples), so its bound is 1.5 ms max, 300 us rms.
 *  - Falsetickers (+50 ms, two of five) must be rejected by the intersection
 *    once the correctness intervals shrink to the real root distances
 *    (~ms): the client must end within a few ms of the truth, never near
 *    +50 ms, with the three true servers as the only truechimers.  Three of five false
 *    (mutually inconsistent, seconds apart so that no majority exists even
 *    while the filters are young and root distances ~1 s) leave no
 *    majority: ntpd must never synchronize and must say so in
 *    NtpSysStatus.reason.
 *  - 30 % loss each way (51 % of the exchanges fail): convergence takes
 *    longer and the filter sees fewer samples; it must converge and stay
 *    synchronized (at most 2 losses of synchronization).
 *  - iburst: a server with iburst is selectable after 4 samples sent 2 s
 *    apart, so synchronization within ~10 s even with `unsync
 *    max-poll-interval 6` (64 s polls while unsynchronized), where a server
 *    without iburst needs several 64 s polls.
 *
 * NTPD_ACC_TRACE=1 prints the client's error, frequency and poll every
 * simulated minute.  The suite is 'accuracy' (also part of the default
 * run); the whole file takes a few seconds of wall time.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "relay.h"
#include "ntpd_rig.h"
#include "port.h"
#include "simtime.h"

#define MAX_SERVERS 5
#define HOLD_FROM   1800.0        /* s of simulated time before the hold window */
/* The target of the hold window (see ERROR BUDGET). */
#define MAX_ERR     1e-3
#define MAX_RMS     300e-6
#define REALTIME_BASE 1.9e9       /* 2030: far from the machine's date */

struct node {
	struct bootstrap bs;
	struct ntpd *core;
	char addr[INET_ADDRSTRLEN];
};

struct scenario {
	double client_offset, client_ppm;
	int n_servers;
	double server_offset[MAX_SERVERS];   /* != 0: a falseticker */
	struct relay_path up, down;
	bool iburst;
	int minpoll, maxpoll;                /* 0: default */
	int unsync_max;                      /* 0: default */
	double duration, hold_from;          /* simulated s */
	bool stop_at_sync;
	uint64_t seed;
};

struct result {
	double first_sync;        /* simulated s; < 0: never */
	double below_1ms;         /* first time |error| < 1 ms, < 0: never */
	double max_abs, mean, rms;
	long n;
	int sync_losses;
	bool synced_end, ever_synced;
	int stratum;
	char peer[INET_ADDRSTRLEN];
	char reason[160];
	double freq_ppm;
	int survivors, truechimers;
	uint64_t lost;
};

struct world {
	const struct scenario *sc;
	struct loop *loop;
	struct node client, servers[MAX_SERVERS];
	struct relay *relays[MAX_SERVERS];
	struct result res;
	double sum, sq;
	bool was_synced, trace;
	double next_trace;
};

static void node_init(struct world *w, struct node *n, const char *addr, double offset,
		      double ppm)
{
	snprintf(n->addr, sizeof(n->addr), "%s", addr);
	ntpd_rig_bootstrap(&n->bs, offset, ppm);
	n->bs.ntp.port = free_udp_port(addr);
	n->core = ntpd_new(w->loop, NULL, &n->bs, NULL, 0);
	cr_assert_not_null(n->core);
	ntpd_rig_iface_up(n->core, "LoopBack0", n->addr, 0);
}

static void apply(struct node *n, Config *cfg)
{
	cr_assert_eq(ntpd_rig_apply(n->core, cfg, NULL, 0), 0, "apply %s", n->addr);
}

static void server_config(struct node *n)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	ntp.server_source_interface = "LoopBack0";
	rm.has_stratum = true;
	rm.stratum = 1;
	ntp.refclock_master = &rm;
	cfg.ntp = &ntp;
	apply(n, &cfg);
}

static void client_config(struct world *w)
{
	const struct scenario *sc = w->sc;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpUnsyncPoll up = NTP_UNSYNC_POLL__INIT;
	NtpAssociation na[MAX_SERVERS], *list[MAX_SERVERS];
	char addr[MAX_SERVERS][32];

	ntp.server_source_interface = "LoopBack0";
	for (int i = 0; i < sc->n_servers; i++) {
		ntp_association__init(&na[i]);
		snprintf(addr[i], sizeof(addr[i]), "127.0.0.%d", 21 + i);
		na[i].address = addr[i];
		na[i].has_port = true;
		na[i].port = relay_port(w->relays[i]);
		if (sc->minpoll) {
			na[i].has_minpoll = true;
			na[i].minpoll = (uint32_t)sc->minpoll;
		}
		if (sc->maxpoll) {
			na[i].has_maxpoll = true;
			na[i].maxpoll = (uint32_t)sc->maxpoll;
		}
		na[i].has_iburst = sc->iburst;
		na[i].iburst = sc->iburst;
		list[i] = &na[i];
	}
	ntp.n_unicast_server = (size_t)sc->n_servers;
	ntp.unicast_server = list;
	if (sc->unsync_max) {
		up.has_max_poll_interval = true;
		up.max_poll_interval = (uint32_t)sc->unsync_max;
		ntp.unsync = &up;
	}
	cfg.ntp = &ntp;
	apply(&w->client, &cfg);
}

static double client_error(struct world *w)
{
	double e = 0;

	cr_assert(ntp_clock_true_error(w->client.core->clock, &e));
	return e;
}

/* Every simulated second: the client's true error and state. */
static void sample(struct loop *loop, void *arg)
{
	struct world *w = arg;
	const struct scenario *sc = w->sc;
	struct ntp_system *s = &w->client.core->sys;
	double t = simtime_now(), e = client_error(w);

	if (s->synced && !w->was_synced && w->res.first_sync < 0)
		w->res.first_sync = t;
	if (s->synced)
		w->res.ever_synced = true;
	if (!s->synced && w->was_synced)
		w->res.sync_losses++;
	w->was_synced = s->synced;
	if (w->res.below_1ms < 0 && s->synced && fabs(e) < 1e-3)
		w->res.below_1ms = t;
	if (t >= sc->hold_from) {
		w->res.n++;
		w->sum += e;
		w->sq += e * e;
		if (fabs(e) > w->res.max_abs)
			w->res.max_abs = fabs(e);
	}
	if (w->trace && t >= w->next_trace) {
		w->next_trace = t + (getenv("NTPD_ACC_TRACE_S") ? atof(getenv("NTPD_ACC_TRACE_S")) : 60);
		cr_log_info("t %6.0f synced %d stratum %d peer %s err %+.6f freq %+.3f ppm poll %d"
			    " state %d updates %llu offset %+.6f jitter %.6f residual %+.6f"
			    " hyster %d", t, s->synced, s->stratum, s->refid_text, e,
			    s->disc.freq * 1e6, s->disc.poll, (int)s->disc.state,
			    (unsigned long long)s->updates, s->offset, s->disc.jitter,
			    s->disc.residual, s->disc.hyster);
	}
	if (t >= sc->duration || (sc->stop_at_sync && s->synced)) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, sc->stop_at_sync ? 100000 : 1000000, sample, w);
}

static void run(const struct scenario *sc, struct result *out)
{
	struct world w;
	uint64_t seed_shift = 0;
	NtpSysStatus st;

	memset(&w, 0, sizeof(w));
	w.sc = sc;
	w.res.first_sync = w.res.below_1ms = -1;
	w.trace = getenv("NTPD_ACC_TRACE") != NULL;
	log_init("test_accuracy", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	/* NTPD_ACC_SEED=N runs every scenario with other noise (seed + N). */
	if (getenv("NTPD_ACC_SEED"))
		seed_shift = strtoull(getenv("NTPD_ACC_SEED"), NULL, 10);
	simtime_start(REALTIME_BASE, sc->seed + seed_shift);
	w.loop = loop_new();
	for (int i = 0; i < sc->n_servers; i++) {
		char addr[32];
		struct relay_cfg rc;

		snprintf(addr, sizeof(addr), "127.0.0.%d", 11 + i);
		node_init(&w, &w.servers[i], addr, sc->server_offset[i], 0);
		server_config(&w.servers[i]);
		memset(&rc, 0, sizeof(rc));
		snprintf(addr, sizeof(addr), "127.0.0.%d", 21 + i);
		inet_pton(AF_INET, addr, &rc.listen_addr);
		inet_pton(AF_INET, w.servers[i].addr, &rc.fwd_addr);
		rc.fwd_port = (uint16_t)w.servers[i].bs.ntp.port;
		rc.path[RELAY_UP] = sc->up;
		rc.path[RELAY_DOWN] = sc->down;
		rc.seed = (sc->seed + seed_shift) * 31 + (uint64_t)i;
		w.relays[i] = relay_new(w.loop, &rc);
		cr_assert_not_null(w.relays[i]);
	}
	node_init(&w, &w.client, "127.0.0.2", sc->client_offset, sc->client_ppm);
	client_config(&w);
	loop_timer_add(w.loop, 1000000, sample, &w);
	cr_assert_eq(loop_run(w.loop), 0);

	if (w.res.n > 0) {
		w.res.mean = w.sum / (double)w.res.n;
		w.res.rms = sqrt(w.sq / (double)w.res.n);
	}
	ctl_fill_status(w.client.core, &st);
	w.res.synced_end = st.synchronized;
	w.res.stratum = (int)st.stratum;
	snprintf(w.res.peer, sizeof(w.res.peer), "%s", st.system_peer ? st.system_peer : "");
	snprintf(w.res.reason, sizeof(w.res.reason), "%s", st.reason ? st.reason : "");
	w.res.freq_ppm = st.frequency_ppm;
	for (struct assoc *p = w.client.core->assocs; p; p = p->next) {
		w.res.survivors += p->survivor;
		w.res.truechimers += p->truechimer;
	}
	for (int i = 0; i < sc->n_servers; i++)
		w.res.lost += relay_stats(w.relays[i], RELAY_UP)->lost +
			      relay_stats(w.relays[i], RELAY_DOWN)->lost;
	*out = w.res;

	ntpd_free(w.client.core);
	bootstrap_free(&w.client.bs);
	for (int i = 0; i < sc->n_servers; i++) {
		relay_free(w.relays[i]);
		ntpd_free(w.servers[i].core);
		bootstrap_free(&w.servers[i].bs);
	}
	loop_free(w.loop);
	simtime_stop();
}

static void report(const char *name, const struct result *r)
{
	cr_log_info("%s: first sync %.1f s, |error| < 1 ms at %.0f s; hold: n %ld max %.1f us"
		    " mean %+.1f us rms %.1f us; sync losses %d; end: synced %d stratum %d peer %s"
		    " freq %+.3f ppm truechimers %d survivors %d lost %llu; reason '%s'", name,
		    r->first_sync, r->below_1ms, r->n, r->max_abs * 1e6, r->mean * 1e6,
		    r->rms * 1e6, r->sync_losses, r->synced_end, r->stratum, r->peer, r->freq_ppm,
		    r->truechimers, r->survivors, (unsigned long long)r->lost, r->reason);
}

/* 1 ms +- 100 us each way, no loss. */
#define PATH_1MS { .delay = 1e-3, .jitter = 100e-6, .loss = 0 }

static void assert_holds(const struct result *r, double max_err, double max_rms,
			 int max_losses)
{
	cr_assert_geq(r->first_sync, 0, "never synchronized");
	cr_assert_geq(r->below_1ms, 0, "never within 1 ms");
	cr_assert_gt(r->n, 0);
	cr_assert_lt(r->max_abs, max_err, "max |error| %.1f us", r->max_abs * 1e6);
	cr_assert_lt(r->rms, max_rms, "rms %.1f us", r->rms * 1e6);
	cr_assert(r->synced_end);
	cr_assert_leq(r->sync_losses, max_losses);
}

Test(accuracy, offset_and_frequency_error_converge_and_hold, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.1, .client_ppm = 100, .n_servers = 1,
		.up = PATH_1MS, .down = PATH_1MS,
		.duration = 6 * 3600, .hold_from = HOLD_FROM, .seed = 1,
	};
	struct result r;

	run(&sc, &r);
	report("one server, 0.1 s and 100 ppm off", &r);
	assert_holds(&r, MAX_ERR, MAX_RMS, 0);
	cr_assert_eq(r.stratum, 2);
	/* The frequency found is the oscillator's error, negated. */
	cr_assert_lt(fabs(r.freq_ppm + 100), 0.1, "frequency %+.3f ppm", r.freq_ppm);
}

Test(accuracy, three_servers_hold, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = -0.1, .client_ppm = -100, .n_servers = 3,
		.up = PATH_1MS, .down = PATH_1MS,
		.duration = 6 * 3600, .hold_from = HOLD_FROM, .seed = 2,
	};
	struct result r;

	run(&sc, &r);
	report("three servers, -0.1 s and -100 ppm off", &r);
	assert_holds(&r, MAX_ERR, MAX_RMS, 0);
	cr_assert_eq(r.survivors, 3);
}

Test(accuracy, asymmetric_path_error_is_half_the_asymmetry, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.1, .client_ppm = 100, .n_servers = 1,
		.up = { .delay = 1.25e-3, .jitter = 100e-6 },
		.down = { .delay = 0.75e-3, .jitter = 100e-6 },
		.duration = 4 * 3600, .hold_from = HOLD_FROM, .seed = 3,
	};
	struct result r;

	run(&sc, &r);
	report("asymmetric path 1.25/0.75 ms", &r);
	/* The client settles (d_up - d_down) / 2 = +250 us ahead (measured
	 * mean +244 us here; +36 to +396 us over six other noise draws: the
	 * discipline's residual wanders around it). */
	cr_assert_gt(r.mean, 0, "mean error %+.1f us", r.mean * 1e6);
	cr_assert_lt(fabs(r.mean - 250e-6), 250e-6, "mean error %+.1f us", r.mean * 1e6);
	cr_assert_lt(r.max_abs, 250e-6 + MAX_ERR);
}

Test(accuracy, two_falsetickers_of_five_are_rejected, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.1, .client_ppm = 100, .n_servers = 5,
		/* Servers 4 and 5 agree with each other, 50 ms off. */
		.server_offset = { 0, 0, 0, 0.05, 0.05 },
		.up = PATH_1MS, .down = PATH_1MS,
		.duration = 6 * 3600, .hold_from = HOLD_FROM, .seed = 4,
	};
	struct result r;

	run(&sc, &r);
	report("five servers, two falsetickers +50 ms", &r);
	/* Follows the truth, not the +50 ms pair: with one of them among the
	 * survivors the combined offset would be ~10 ms off.  (At 1024 s polls
	 * the correctness intervals widen to tens of ms, so the intersection may
	 * count the pair as truechimers; clustering drops them.) */
	assert_holds(&r, MAX_ERR, MAX_RMS, 0);
	cr_assert_geq(r.truechimers, 3);
	cr_assert_eq(r.survivors, 3);
	cr_assert(strcmp(r.peer, "127.0.0.21") == 0 || strcmp(r.peer, "127.0.0.22") == 0 ||
		  strcmp(r.peer, "127.0.0.23") == 0, "system peer %s", r.peer);
}

Test(accuracy, three_falsetickers_of_five_no_majority, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.1, .client_ppm = 100, .n_servers = 5,
		/* Two true servers; three false ones that disagree with everyone. */
		.server_offset = { 0, 0, -3.0, 3.0, 6.0 },
		.up = PATH_1MS, .down = PATH_1MS,
		.duration = 3600, .hold_from = 3600, .seed = 5,
	};
	struct result r;

	run(&sc, &r);
	report("five servers, three falsetickers", &r);
	cr_assert(!r.ever_synced, "synchronized at %.1f s", r.first_sync);
	cr_assert(!r.synced_end);
	cr_assert_eq(r.stratum, 16);
	cr_assert(strstr(r.reason, "no majority") != NULL, "reason '%s'", r.reason);
	cr_assert(strstr(r.reason, "3 of 5") != NULL, "reason '%s'", r.reason);
}

Test(accuracy, thirty_percent_loss_converges, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.1, .client_ppm = 100, .n_servers = 1,
		.up = { .delay = 1e-3, .jitter = 100e-6, .loss = 0.3 },
		.down = { .delay = 1e-3, .jitter = 100e-6, .loss = 0.3 },
		.duration = 6 * 3600, .hold_from = HOLD_FROM, .seed = 6,
	};
	struct result r;

	run(&sc, &r);
	report("30% loss each way", &r);
	cr_assert_gt(r.lost, 0);
	/* See the top comment for the bound; with 51 % of the exchanges lost
	 * the source may briefly stop being fit (at most twice). */
	assert_holds(&r, 1.5e-3, MAX_RMS, 2);
}

Test(accuracy, iburst_synchronizes_within_seconds, .timeout = 600)
{
	struct scenario sc = {
		.client_offset = 0.5, .client_ppm = 20, .n_servers = 1,
		.up = PATH_1MS, .down = PATH_1MS, .iburst = true,
		/* 64 s polls while unsynchronized: only iburst makes it fast. */
		.unsync_max = 6,
		.duration = 600, .stop_at_sync = true, .seed = 7,
	};
	struct result with, without;

	run(&sc, &with);
	report("iburst, unsync max-poll-interval 6", &with);
	sc.iburst = false;
	run(&sc, &without);
	report("no iburst, unsync max-poll-interval 6", &without);
	cr_assert_geq(with.first_sync, 0);
	cr_assert_lt(with.first_sync, 10.0, "iburst: synchronized after %.1f s", with.first_sync);
	cr_assert(without.first_sync < 0 || without.first_sync > 60.0,
		  "without iburst: %.1f s", without.first_sync);
}
