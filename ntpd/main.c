/*
 * main.c: meridian-ntpd, the NTP daemon (RFC 5905) of a Meridian device.
 *
 * The core (ntpd.h: clock, system process, sockets, ctl socket,
 * subscriptions to cfgd and ifmgrd) on the common daemon skeleton
 * (daemon.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "secret.h"
#include "ntpd.h"

static int ntpd_start(struct daemon *d, char *err, size_t errlen)
{
	struct ntpd *core;
	int r;

	/* The device key that opens the configuration's keys (common/secret.c),
	 * created at the device's first start by whichever daemon comes first. */
	if (secret_start(d->bs.state_dir, err, errlen) < 0)
		return -EIO;
	core = ntpd_new(d->loop, d->zctx, &d->bs);
	if (!core) {
		r = errno ? errno : EIO;
		snprintf(err, errlen, "NTP core: %s", strerror(r));
		return -r;
	}
	d->state = core;
	log_info("ready (%s clock, UDP port %d)", ntp_clock_type(core->clock), d->bs.ntp.port);
	return 0;
}

static void ntpd_stop(struct daemon *d)
{
	ntpd_free(d->state);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { "ntpd", ntpd_start, ntpd_stop };

	return daemon_main(argc, argv, &ops);
}
