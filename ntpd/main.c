/*
 * main.c: meridian-ntpd, the NTP daemon (RFC 5905) of a Meridian device.
 *
 * Thin by design: read the bootstrap file, build the core (clock, system
 * process, sockets, ctl socket, subscriptions to cfgd and ifmgrd) on one
 * event loop, tell systemd it is ready, run until SIGTERM/SIGINT, and
 * finalise in reverse order.
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
#include "ntpd.h"

static void on_stop(struct loop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	void *zctx;
	int r;

	bootstrap_from_args(argc, argv, "ntpd", &bs);
	loop = loop_new();
	if (!loop)
		fatal("cannot create the event loop");
	/* Signals first: ZeroMQ's threads inherit the blocked mask, so SIGTERM
	 * can only arrive through the loop's signalfd. */
	if (loop_on_signal(loop, SIGTERM, on_stop, NULL) < 0 ||
	    loop_on_signal(loop, SIGINT, on_stop, NULL) < 0)
		fatal("cannot watch signals");
	signal(SIGPIPE, SIG_IGN);
	zctx = zmq_ctx_new();
	if (!zctx)
		fatal("cannot create the ZeroMQ context");
	core = ntpd_new(loop, zctx, &bs);
	if (!core) {
		log_err("cannot start: %s", strerror(errno));
		zmq_ctx_term(zctx);
		loop_free(loop);
		bootstrap_free(&bs);
		return 1;
	}
	sd_notify(0, "READY=1");
	log_info("ready (%s clock, UDP port %d)", ntp_clock_type(core->clock), bs.ntp.port);
	r = loop_run(loop);
	sd_notify(0, "STOPPING=1");
	ntpd_free(core);
	zmq_ctx_term(zctx);
	loop_free(loop);
	bootstrap_free(&bs);
	return r < 0 ? 1 : 0;
}
