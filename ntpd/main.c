/*
 * main.c: meridian-ntpd, the NTP daemon (RFC 5905) of a Meridian device.
 *
 * The core (ntpd.h: clock, system process, sockets, ctl socket,
 * subscriptions to cfgd and ifmgrd) on the common daemon skeleton
 * (daemon.h), with the device key that opens the configuration's NTP keys.
 */
#include <errno.h>

#include "daemon.h"
#include "log.h"
#include "ntpd.h"

static int ntpd_start(struct daemon *d, char *err, size_t errlen)
{
	struct ntpd *core = ntpd_new(d->loop, d->zctx, &d->bs, err, errlen);

	if (!core)
		return -errno;
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
	static const struct daemon_ops ops = {
		.name = "ntpd", .device_key = true, .start = ntpd_start, .stop = ntpd_stop,
	};

	return daemon_main(argc, argv, &ops);
}
