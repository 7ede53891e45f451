/*
 * main.c: meridian-ifmgrd, the interface manager.
 *
 * Reads the bootstrap file, builds the core (rtnetlink, IfStates publisher,
 * ctl socket), subscribes to cfgd's "interface" subtree, tells systemd it
 * is ready and runs the loop until SIGTERM or SIGINT.  Needs CAP_NET_ADMIN.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ifmgrd.h"

static void on_signal(struct loop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct bootstrap bs;
	struct loop *loop;
	struct ifmgrd *im;
	void *zctx;
	int r, rc = 0;

	bootstrap_from_args(argc, argv, "ifmgrd", &bs);
	loop = loop_new();
	zctx = zmq_ctx_new();
	if (!loop || !zctx)
		fatal("cannot create the event loop or the ZeroMQ context");
	loop_on_signal(loop, SIGTERM, on_signal, NULL);
	loop_on_signal(loop, SIGINT, on_signal, NULL);

	im = ifmgrd_new(loop, zctx, &bs);
	if (!im) {
		rc = 1;
		goto out;
	}
	r = ifmgrd_subscribe(im);
	if (r < 0) {
		log_err("cannot subscribe to cfgd: %s", strerror(-r));
		rc = 1;
		goto out;
	}
	sd_notify(0, "READY=1");
	log_info("ready: %zu interface(s)", bs.n_interfaces);
	r = loop_run(loop);
	if (r < 0) {
		log_err("event loop failed: %s", strerror(-r));
		rc = 1;
	}
	sd_notify(0, "STOPPING=1");
out:
	ifmgrd_free(im);
	loop_free(loop);
	zmq_ctx_term(zctx);
	bootstrap_free(&bs);
	return rc;
}
