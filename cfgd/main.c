/*
 * main.c: meridian-cfgd, the configuration daemon.
 *
 * Reads the bootstrap file (-f FILE, -d), starts the core (cfgd.h: running
 * configuration, ctl socket, Clone publisher), tells systemd it is ready and
 * runs the loop until SIGTERM or SIGINT.  Exits 1 when the running
 * configuration cannot be read or a socket cannot be bound.
 */
#include <signal.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "bootstrap.h"
#include "cfgd.h"
#include "log.h"
#include "loop.h"

static void on_signal(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: stopping", signo);
	loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct bootstrap bs;
	struct loop *loop;
	struct cfgd *d;
	void *zctx;
	char err[1024];
	int rc;

	bootstrap_from_args(argc, argv, "cfgd", &bs);
	loop = loop_new();
	zctx = zmq_ctx_new();
	if (loop == NULL || zctx == NULL)
		fatal("cannot create the event loop or the ZeroMQ context");
	if (loop_on_signal(loop, SIGTERM, on_signal, NULL) < 0 ||
	    loop_on_signal(loop, SIGINT, on_signal, NULL) < 0)
		fatal("cannot watch signals");

	d = cfgd_new(loop, zctx, &bs, err, sizeof(err));
	if (d == NULL) {
		log_err("%s", err);
		zmq_ctx_term(zctx);
		loop_free(loop);
		bootstrap_free(&bs);
		return 1;
	}
	sd_notify(0, "READY=1");
	log_info("ready");
	rc = loop_run(loop);
	sd_notify(0, "STOPPING=1");

	cfgd_free(d);
	zmq_ctx_term(zctx);
	loop_free(loop);
	bootstrap_free(&bs);
	return rc < 0 ? 1 : 0;
}
