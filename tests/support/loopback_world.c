/*
 * loopback_world.c: the one-port loopback world of loopback_world.h,
 * written once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "loopback_world.h"
#include "port.h"
#include "testutil.h"

uint16_t world_port(void)
{
	return free_port();
}

void wdev_init(struct loop *loop, struct wdev *d, const char *addr, uint16_t port,
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

void wdev_config(struct wdev *d, int master, NtpAssociation **na, size_t n)
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

void wdev_free(struct wdev *d)
{
	if (d->core)
		ntpd_free(d->core);
	d->core = NULL;
	bootstrap_free(&d->bs);
}

bool world_run_until(struct loop *loop, bool (*done)(void *), void *arg, double secs)
{
	return run_until(loop, done, arg, (int)(secs * 1000));
}
