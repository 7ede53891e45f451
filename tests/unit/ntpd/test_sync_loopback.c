/*
 * test_sync_loopback.c: three ntpd cores in one process and one loop,
 * talking real UDP over loopback, each with its own virtual clock and port:
 *
 *   S  127.0.0.1  refclock-master 2, clock error 0
 *   C  127.0.0.2  unicast-server 127.0.0.1 (port S), clock +0.4 s, +3 ppm
 *   T  127.0.0.3  unicast-peer 127.0.0.2 (port C), clock -0.3 s, -2 ppm
 *
 * Each core's address is its LoopBack0 primary address (fed as IfStates)
 * and its `server source-interface`, so the loop test sees three different
 * addresses.  Configurations are fed directly (no cfgd).  The test polls
 * the state from a loop timer and stops at success or at a 60 s deadline:
 * nothing sleeps.  Expected: C at stratum 3 with refid 127.0.0.1, T at
 * stratum 4 with refid 127.0.0.2, both within 1 ms of S's clock.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"
#include "port.h"

#define DEADLINE_S 60.0

struct dev {
	struct bootstrap bs;
	struct ntpd *core;
	const char *addr;
};

struct world {
	struct loop *loop;
	struct dev s, c, t;
	double start, c_synced_at, t_synced_at;
	bool done;
	double soak;        /* NTPD_SOAK_S: keep running and track the errors */
	double soak_end, max_c, max_t;
};

static void dev_init(struct world *w, struct dev *d, const char *addr, double offset, double ppm)
{
	ntpd_rig_bootstrap(&d->bs, offset, ppm);
	d->addr = addr;
	d->core = ntpd_new(w->loop, NULL, &d->bs, NULL, 0);
	cr_assert_not_null(d->core);
	ntpd_rig_iface_up(d->core, "LoopBack0", addr, 0);
}

/* server source-interface LoopBack0, plus one server/peer or a master. */
static void dev_config(struct dev *d, int master, const char *server, const char *peer,
		       uint16_t port)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };

	ntp.server_source_interface = "LoopBack0";
	if (master) {
		rm.has_stratum = true;
		rm.stratum = (uint32_t)master;
		ntp.refclock_master = &rm;
	}
	na.address = (char *)(server ? server : peer);
	na.has_port = true;
	na.port = port;
	if (server) {
		ntp.n_unicast_server = 1;
		ntp.unicast_server = list;
	} else if (peer) {
		ntp.n_unicast_peer = 1;
		ntp.unicast_peer = list;
	}
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(d->core, &cfg, NULL, 0), 0);
}

static double true_err(struct dev *d)
{
	double e = 0;

	cr_assert(ntp_clock_true_error(d->core->clock, &e));
	return e;
}

static bool dev_ok(struct world *w, struct dev *d, int stratum, const char *refid)
{
	return d->core->sys.synced && d->core->sys.stratum == stratum &&
	       strcmp(d->core->sys.refid_text, refid) == 0 &&
	       fabs(true_err(d) - true_err(&w->s)) < 1e-3;
}

static void check(struct loop *loop, void *arg)
{
	struct world *w = arg;
	double now = ntpd_mono();
	bool c_ok = dev_ok(w, &w->c, 3, "127.0.0.1");
	bool t_ok = dev_ok(w, &w->t, 4, "127.0.0.2");

	if (c_ok && w->c_synced_at == 0)
		w->c_synced_at = now - w->start;
	if (t_ok && w->t_synced_at == 0)
		w->t_synced_at = now - w->start;
	if (w->soak_end > 0) {
		double ec = fabs(true_err(&w->c) - true_err(&w->s));
		double et = fabs(true_err(&w->t) - true_err(&w->s));

		w->max_c = ec > w->max_c ? ec : w->max_c;
		w->max_t = et > w->max_t ? et : w->max_t;
		if (now > w->soak_end) {
			loop_stop(loop);
			return;
		}
	} else if ((c_ok && t_ok) || now - w->start > DEADLINE_S) {
		w->done = c_ok && t_ok;
		if (!w->done || w->soak <= 0) {
			loop_stop(loop);
			return;
		}
		w->soak_end = now + w->soak;
	}
	loop_timer_add(loop, 100000, check, w);
}

Test(sync_loopback, client_and_symmetric_peer_synchronize, .timeout = 3600)
{
	struct world w;
	NtpSysStatus st;

	memset(&w, 0, sizeof(w));
	log_init("test_sync", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (getenv("NTPD_SOAK_S"))
		w.soak = atof(getenv("NTPD_SOAK_S"));
	w.loop = loop_new();
	dev_init(&w, &w.s, "127.0.0.1", 0.0, 0.0);
	dev_init(&w, &w.c, "127.0.0.2", 0.4, 3.0);
	dev_init(&w, &w.t, "127.0.0.3", -0.3, -2.0);
	dev_config(&w.s, 2, NULL, NULL, 0);
	dev_config(&w.c, 0, "127.0.0.1", NULL, (uint16_t)w.s.bs.ntp.port);
	dev_config(&w.t, 0, NULL, "127.0.0.2", (uint16_t)w.c.bs.ntp.port);
	cr_assert(w.s.core->sys.synced);
	cr_assert_eq(w.s.core->sys.stratum, 2);
	w.start = ntpd_mono();
	loop_timer_add(w.loop, 100000, check, &w);
	cr_assert_eq(loop_run(w.loop), 0);

	cr_log_info("C synchronized after %.1f s, T after %.1f s; errors S %+.6f C %+.6f T %+.6f",
		    w.c_synced_at, w.t_synced_at, true_err(&w.s), true_err(&w.c), true_err(&w.t));
	cr_assert(w.done, "not synchronized in %.0f s: C synced %d stratum %d refid %s err %+.6f;"
		  " T synced %d stratum %d refid %s err %+.6f", DEADLINE_S,
		  w.c.core->sys.synced, w.c.core->sys.stratum, w.c.core->sys.refid_text,
		  true_err(&w.c), w.t.core->sys.synced, w.t.core->sys.stratum,
		  w.t.core->sys.refid_text, true_err(&w.t));
	if (w.soak > 0) {
		cr_log_info("soak %.0f s: max |C - S| %.6f s, max |T - S| %.6f s", w.soak, w.max_c,
			    w.max_t);
		cr_assert_lt(w.max_c, 1e-3);
		cr_assert_lt(w.max_t, 1e-3);
	}
	/* The fast start (4 samples at 2 s: about 7 s) is measured in
	 * simulated time by test_accuracy; in real time on a loaded machine
	 * only a gross regression (polling at minpoll, 64 s) is caught. */
	cr_assert_lt(w.c_synced_at, 40.0);
	ctl_fill_status(w.t.core, &st);
	cr_assert(st.synchronized);
	cr_assert_eq(st.stratum, 4);
	cr_assert_str_eq(st.refid_text, "127.0.0.2");
	cr_assert_str_eq(st.system_peer, "127.0.0.2");
	/* C answered T through a dynamic passive association. */
	cr_assert_eq(w.c.core->n_dynamic, 1);

	ntpd_free(w.t.core);
	ntpd_free(w.c.core);
	ntpd_free(w.s.core);
	loop_free(w.loop);
	bootstrap_free(&w.s.bs);
	bootstrap_free(&w.c.bs);
	bootstrap_free(&w.t.bs);
}
