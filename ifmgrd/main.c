/*
 * main.c: meridian-ifmgrd, the interface manager.
 *
 * The core (ifmgrd.h: rtnetlink, IfStates publisher, ctl socket) and its
 * subscription to cfgd's "interface" subtree, on the common daemon
 * skeleton (daemon.h).  Needs CAP_NET_ADMIN.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "ifmgrd.h"
#include "log.h"

static int ifmgrd_start(struct daemon *d, char *err, size_t errlen)
{
	struct ifmgrd *im = ifmgrd_new(d->loop, d->zctx, &d->bs, err, errlen);
	int r;

	if (!im)
		return -errno;
	r = ifmgrd_subscribe(im);
	if (r < 0) {
		snprintf(err, errlen, "cannot subscribe to cfgd: %s", strerror(-r));
		ifmgrd_free(im);
		return r;
	}
	d->state = im;
	log_info("ready: %zu interface(s)", d->bs.n_interfaces);
	return 0;
}

static void ifmgrd_stop(struct daemon *d)
{
	ifmgrd_free(d->state);
}

int main(int argc, char **argv)
{
	static const struct daemon_ops ops = {
		.name = "ifmgrd", .start = ifmgrd_start, .stop = ifmgrd_stop,
	};

	return daemon_main(argc, argv, &ops);
}
