/*
 * main.c: meridian-cfgd, the configuration daemon.
 *
 * The core (cfgd.h: running configuration, ctl socket, Clone publisher) on
 * the common daemon skeleton (daemon.h).  A running configuration that
 * cannot be read, or a socket that cannot be bound, is a failed start.
 */
#include <errno.h>

#include "cfgd.h"
#include "daemon.h"
#include "log.h"
#include "secret.h"

static int cfgd_start(struct daemon *d, char *err, size_t errlen)
{
	struct cfgd *c;

	/* The device key that seals the configuration's secrets (common/secret.c),
	 * created at the device's first start by whichever daemon comes first;
	 * before the configuration is read, which it converts. */
	if (secret_start(d->bs.state_dir, err, errlen) < 0)
		return -EIO;
	c = cfgd_new(d->loop, d->zctx, &d->bs, err, errlen);
	if (!c)
		return -EIO;
	d->state = c;
	log_info("ready");
	return 0;
}

static void cfgd_stop(struct daemon *d)
{
	cfgd_free(d->state);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = { "cfgd", cfgd_start, cfgd_stop };

	return daemon_main(argc, argv, &ops);
}
