/*
 * loopback_world.c: the one-port loopback world of loopback_world.h,
 * written once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "loop.h"
#include "loopback_world.h"
#include "ntpd_rig.h"
#include "port.h"
#include "testutil.h"

uint16_t world_port(void)
{
	return free_port();
}

void wdev_init(struct loop *loop, struct wdev *d, const char *addr, uint16_t port,
	       double offset)
{
	ntpd_rig_bootstrap(&d->bs, offset, 0);
	d->bs.ntp.port = port;
	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->core = ntpd_new(loop, NULL, &d->bs, NULL, 0);
	cr_assert_not_null(d->core);
	ntpd_rig_iface_up(d->core, "LoopBack0", d->addr, 0);
}

void wdev_config(struct wdev *d, int master, NtpAssociation **na, size_t n)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	ntp.server_source_interface = "LoopBack0";
	if (master) {
		rm.has_stratum = true;
		rm.stratum = (uint32_t)master;
		ntp.refclock_master = &rm;
	}
	ntp.unicast_server = na;
	ntp.n_unicast_server = n;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(d->core, &cfg, NULL, 0), 0, "apply %s", d->addr);
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
