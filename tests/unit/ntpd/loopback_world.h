/*
 * loopback_world.h: several ntpd cores in one process and one loop, each on
 * its own 127.0.0.x address (LoopBack0 and `server source-interface`) and
 * all on ONE UDP port, so a server's reference id (its address) is also
 * where to reach it: what `display ntp-service trace` needs.  Each core has
 * its own virtual clock.  Shared by test_trace.c and test_select_servers.c
 * (static functions: each test file includes it once).
 */
#ifndef MERIDIAN_TEST_LOOPBACK_WORLD_H
#define MERIDIAN_TEST_LOOPBACK_WORLD_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"

struct wdev {
	struct bootstrap bs;
	struct ntpd *core;
	char addr[16];
};

static uint16_t world_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void wdev_init(struct loop *loop, struct wdev *d, const char *addr, uint16_t port,
		      double offset)
{
	IfStates st = IF_STATES__INIT;
	IfState lo = IF_STATE__INIT;
	IfState *list[1] = { &lo };

	bootstrap_defaults(&d->bs);
	d->bs.clock.type = BS_CLOCK_VIRTUAL;
	d->bs.clock.offset = offset;
	d->bs.clock.noise = 0;
	d->bs.ntp.port = port;
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->core = ntpd_new(loop, NULL, &d->bs);
	cr_assert_not_null(d->core);
	lo.name = "LoopBack0";
	lo.primary_ipv4 = d->addr;
	lo.has_oper_up = lo.oper_up = true;
	st.n_interface = 1;
	st.interface = list;
	ntpd_apply_ifstates(d->core, &st);
}

/* refclock-master `master` (0: none) and the servers na[0..n). */
static void wdev_config(struct wdev *d, int master, NtpAssociation **na, size_t n)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	char *errs[4];
	int k;

	ntp.server_source_interface = "LoopBack0";
	if (master) {
		rm.has_stratum = true;
		rm.stratum = (uint32_t)master;
		ntp.refclock_master = &rm;
	}
	ntp.unicast_server = na;
	ntp.n_unicast_server = n;
	cfg.ntp = &ntp;
	k = ntpd_apply_config(d->core, &cfg, errs, 4);
	for (int i = 0; i < k; i++) {
		cr_log_error("apply %s: %s", d->addr, errs[i]);
		free(errs[i]);
	}
	cr_assert_eq(k, 0);
}

static void wdev_free(struct wdev *d)
{
	if (d->core)
		ntpd_free(d->core);
	d->core = NULL;
	bootstrap_free(&d->bs);
}

/* Run the loop until done(arg) or the deadline (s); true if done. */
struct world_wait {
	bool (*done)(void *arg);
	void *arg;
	double deadline;
	bool ok;
};

static void world_wait_cb(struct loop *loop, void *arg)
{
	struct world_wait *w = arg;

	w->ok = w->done(w->arg);
	if (w->ok || ntpd_mono() > w->deadline) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 100000, world_wait_cb, w);
}

static bool world_run_until(struct loop *loop, bool (*done)(void *), void *arg, double secs)
{
	struct world_wait w = { done, arg, ntpd_mono() + secs, false };

	loop_timer_add(loop, 0, world_wait_cb, &w);
	cr_assert_eq(loop_run(loop), 0);
	return w.ok;
}

#endif
