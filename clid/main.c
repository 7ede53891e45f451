/*
 * main.c: meridian-clid, the VTY (telnet) command-line daemon.
 *
 * Bootstrap, a ZeroMQ context, the loop, the command engine's backend (to
 * reach cfgd and ntpd), the telnet server on cli.address:cli.port (plus the
 * IPv6 wildcard when listening on 0.0.0.0); READY=1 once listening; SIGTERM
 * or SIGINT stop the loop; everything is finalised in reverse order.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "bootstrap.h"
#include "cli.h"
#include "log.h"
#include "loop.h"
#include "vty.h"

static void on_stop_signal(struct loop *loop, int signo, void *arg)
{
	log_info("signal %d: stopping", signo);
	loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct bootstrap bs;
	struct cli_backend *be;
	struct vty_server *srv;
	struct loop *loop;
	const char *addr;
	void *zctx;
	int port, r;

	bootstrap_from_args(argc, argv, "clid", &bs);
	signal(SIGPIPE, SIG_IGN);

	zctx = zmq_ctx_new();
	if (!zctx)
		fatal("zmq_ctx_new: %s", zmq_strerror(zmq_errno()));
	loop = loop_new();
	if (loop_on_signal(loop, SIGTERM, on_stop_signal, NULL) < 0 ||
	    loop_on_signal(loop, SIGINT, on_stop_signal, NULL) < 0)
		fatal("cannot watch SIGTERM/SIGINT");

	be = cli_backend_new(zctx, loop, &bs);
	if (!be)
		fatal("cannot create the CLI backend");

	srv = vty_server_new(loop, &bs, be);
	addr = bs.cli.address && bs.cli.address[0] ? bs.cli.address : "0.0.0.0";
	port = bs.cli.port > 0 ? bs.cli.port : 23;
	r = vty_server_listen(srv, addr, port);
	if (r < 0) {
		log_err("cannot listen on %s port %d: %s", addr, port, strerror(-r));
		vty_server_free(srv);
		cli_backend_free(be);
		loop_free(loop);
		zmq_ctx_term(zctx);
		bootstrap_free(&bs);
		return 1;
	}
	if (strcmp(addr, "0.0.0.0") == 0) {
		r = vty_server_listen(srv, "::", port);
		if (r < 0)
			log_debug("no IPv6 listener on port %d: %s", port, strerror(-r));
	}
	log_info("listening for telnet on %s port %d", addr, vty_server_port(srv));
	sd_notify(0, "READY=1");

	r = loop_run(loop);
	if (r < 0)
		log_err("event loop: %s", strerror(-r));
	sd_notify(0, "STOPPING=1");

	vty_server_free(srv);
	cli_backend_free(be);
	loop_free(loop);
	zmq_ctx_term(zctx);
	bootstrap_free(&bs);
	return r < 0 ? 1 : 0;
}
