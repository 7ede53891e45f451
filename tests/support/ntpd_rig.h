/*
 * ntpd_rig.h: one in-process ntpd core as the ntpd tests build it
 * (ntpd_rig.c, in the meridian_ntpd_support library): a bootstrap with a
 * noiseless virtual clock and a free port, an interface that is up, and
 * applying a configuration with its operational errors logged.  Failures
 * are Criterion assertions.
 */
#ifndef MERIDIAN_TEST_NTPD_RIG_H
#define MERIDIAN_TEST_NTPD_RIG_H

#include <stddef.h>

#include "bootstrap.h"
#include "ntpd.h"

/* bs: the defaults, a virtual clock offset seconds off and ppm fast, no
 * noise, and an NTP port free on 127.0.0.1 now. */
void ntpd_rig_bootstrap(struct bootstrap *bs, double offset, double ppm);

/* Tell core (as ifmgrd would) that interface ifname is up with primary
 * IPv4 address addr, and ifindex (0: not given). */
void ntpd_rig_iface_up(struct ntpd *core, const char *ifname, const char *addr,
		       unsigned ifindex);

/* Apply cfg to core: the number of operational errors (logged and freed),
 * the first copied into first_err (may be NULL). */
int ntpd_rig_apply(struct ntpd *core, Config *cfg, char *first_err, size_t len);

#endif
