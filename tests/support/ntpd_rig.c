/*
 * ntpd_rig.c: the in-process ntpd core helpers of ntpd_rig.h, written once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ntpd_rig.h"
#include "port.h"

void ntpd_rig_bootstrap(struct bootstrap *bs, double offset, double ppm)
{
	bootstrap_defaults(bs);
	bs->clock.type = BS_CLOCK_VIRTUAL;
	bs->clock.offset = offset;
	bs->clock.frequency_ppm = ppm;
	bs->clock.noise = 0;
	bs->ntp.port = free_port();
}

void ntpd_rig_iface_up(struct ntpd *core, const char *ifname, const char *addr,
		       unsigned ifindex)
{
	IfStates st = IF_STATES__INIT;
	IfState is = IF_STATE__INIT;
	IfState *list[1] = { &is };

	is.name = (char *)ifname;
	is.primary_ipv4 = (char *)addr;
	is.has_oper_up = true;
	is.oper_up = true;
	if (ifindex) {
		is.has_ifindex = true;
		is.ifindex = ifindex;
	}
	st.n_interface = 1;
	st.interface = list;
	ntpd_apply_ifstates(core, &st);
}

int ntpd_rig_apply(struct ntpd *core, Config *cfg, char *first_err, size_t len)
{
	char *errs[8];
	int n = ntpd_apply_config(core, cfg, errs, 8);

	if (first_err && len)
		snprintf(first_err, len, "%s", n > 0 ? errs[0] : "");
	/* Info, not warn: with Criterion 2.4.1 one cr_log_warn makes the run
	 * exit 1 although every test passed, and several tests expect errors. */
	for (int i = 0; i < n; i++) {
		cr_log_info("apply: %s", errs[i]);
		free(errs[i]);
	}
	return n;
}
