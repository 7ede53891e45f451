/*
 * main.c: meridian-clid, the VTY (telnet and SSH) command-line daemon.
 *
 * The core (clid.h: the command engine's backend, the telnet and SSH
 * servers) on the common daemon skeleton (daemon.h), with the device key
 * that seals secrets typed in clear: READY=1 once listening.
 */
#include <errno.h>

#include "clid.h"
#include "daemon.h"

static int clid_start(struct daemon *d, char *err, size_t errlen)
{
	d->state = clid_new(d->loop, d->zctx, &d->bs, err, errlen);
	return d->state ? 0 : -errno;
}

static void clid_stop(struct daemon *d)
{
	clid_free(d->state);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.name = "clid", .device_key = true, .start = clid_start, .stop = clid_stop,
	};

	return daemon_main(argc, argv, &ops);
}
