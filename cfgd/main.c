/*
 * main.c: meridian-cfgd, the configuration daemon.
 *
 * The core (cfgd.h: running configuration, ctl socket, Clone publisher) on
 * the common daemon skeleton (daemon.h), with the device key that seals the
 * configuration's secrets, loaded before the configuration is read (which
 * converts keys stored in clear).
 */
#include <errno.h>

#include "cfgd.h"
#include "daemon.h"
#include "log.h"

static int cfgd_start(struct daemon *d, char *err, size_t errlen)
{
	d->state = cfgd_new(d->loop, d->zctx, &d->bs, err, errlen);
	if (!d->state)
		return -errno;
	log_info("ready");
	return 0;
}

static void cfgd_stop(struct daemon *d)
{
	cfgd_free(d->state);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.name = "cfgd", .device_key = true, .start = cfgd_start, .stop = cfgd_stop,
	};

	return daemon_main(argc, argv, &ops);
}
