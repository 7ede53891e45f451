/*
 * daemon.c: the skeleton every Meridian daemon runs (daemon.h): bootstrap,
 * signals, ZeroMQ context, start, sd_notify READY/WATCHDOG/STOPPING, the
 * loop, stop, and the binding of a daemon's sockets.
 *
 * The watchdog is a one-shot loop timer that re-arms itself after each
 * WATCHDOG=1: it is late exactly when the loop is late, which is what
 * systemd should see.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <zmq.h>

#include "clone.h"
#include "daemon.h"
#include "log.h"
#include "loop.h"
#include "secret.h"

static void on_stop_signal(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	log_info("signal %d: stopping", signo);
	loop_stop(loop);
}

static void watchdog_pet(struct loop *loop, void *arg)
{
	struct daemon *d = arg;

	sd_notify(0, "WATCHDOG=1");
	d->watchdog_timer = loop_timer_add(loop, d->watchdog_us / 2, watchdog_pet, d);
}

/* Arm the watchdog timer when systemd asked for one (WATCHDOG_USEC, for
 * this pid when WATCHDOG_PID is set). */
static void watchdog_start(struct daemon *d)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r < 0)
		log_warn("watchdog: bad WATCHDOG_USEC or WATCHDOG_PID: %s", strerror(-r));
	if (r <= 0 || usec == 0)
		return;
	d->watchdog_us = usec;
	d->watchdog_timer = loop_timer_add(d->loop, usec / 2, watchdog_pet, d);
	log_debug("watchdog: WATCHDOG=1 every %.3f s", usec / 2e6);
}

static void watchdog_stop(struct daemon *d)
{
	if (d->watchdog_timer)
		loop_timer_cancel(d->loop, d->watchdog_timer);
	d->watchdog_timer = 0;
}

/* The one report of a start that failed: the log, and systemd's status
 * line (`systemctl status` shows it). */
static void start_failed(const char *what)
{
	log_final(LOG_LVL_ERR, "cannot start: %s", what);
	sd_notifyf(0, "STATUS=cannot start: %s", what);
}

int daemon_main(int argc, char **argv, const struct daemon_ops *ops)
{
	struct daemon d = { .name = ops->name };
	char err[1024];
	int r, status = 0;

	bootstrap_from_args(argc, argv, ops->name, &d.bs);
	signal(SIGPIPE, SIG_IGN);   /* a peer that went away is an EPIPE, not a death */

	d.loop = loop_new();
	if (!d.loop) {
		start_failed("cannot create the event loop");
		bootstrap_free(&d.bs);
		return 1;
	}
	r = loop_on_signal(d.loop, SIGTERM, on_stop_signal, NULL);
	if (r == 0)
		r = loop_on_signal(d.loop, SIGINT, on_stop_signal, NULL);
	if (r < 0) {
		snprintf(err, sizeof(err), "cannot watch SIGTERM and SIGINT: %s", strerror(-r));
		start_failed(err);
		loop_free(d.loop);
		bootstrap_free(&d.bs);
		return 1;
	}
	d.zctx = zmq_ctx_new();
	if (!d.zctx) {
		snprintf(err, sizeof(err), "cannot create the ZeroMQ context: %s",
			 zmq_strerror(zmq_errno()));
		start_failed(err);
		loop_free(d.loop);
		bootstrap_free(&d.bs);
		return 1;
	}

	err[0] = '\0';
	r = ops->device_key ? secret_start(d.bs.state_dir, err, sizeof(err)) : 0;
	if (r == 0)
		r = ops->start(&d, err, sizeof(err));
	if (r < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-r));
		start_failed(err);
		status = 1;
		goto out;
	}
	sd_notify(0, "READY=1");
	watchdog_start(&d);
	r = loop_run(d.loop);
	if (r < 0) {
		log_err("event loop: %s", strerror(-r));
		status = 1;
	}
	sd_notify(0, "STOPPING=1");
	watchdog_stop(&d);
	ops->stop(&d);
out:
	zmq_ctx_term(d.zctx);
	loop_free(d.loop);
	bootstrap_free(&d.bs);
	return status;
}

/* The endpoint of DAEMON.KIND, RUN_DIR made if missing.  0, or -1 with
 * errno set and err filled. */
static int endpoint_prepare(const struct bootstrap *bs, const char *daemon, const char *kind,
			    char *ep, size_t eplen, char *err, size_t errlen)
{
	int r = bootstrap_endpoint(bs, daemon, kind, ep, eplen);

	if (r < 0) {
		snprintf(err, errlen, "run_dir too long for a socket path: %s", bs->run_dir);
		errno = -r;
		return -1;
	}
	/* Usually there already (systemd's RuntimeDirectory); bus.c and
	 * clone.c make missing parents too. */
	if (bs->run_dir && mkdir(bs->run_dir, 0755) < 0 && errno != EEXIST && errno != ENOENT)
		log_debug("mkdir %s: %s", bs->run_dir, strerror(errno));
	return 0;
}

struct bus_server *daemon_bind_server(struct loop *loop, void *zctx, const struct bootstrap *bs,
				      const char *daemon, const char *kind, bus_request_cb cb,
				      void *arg, char *err, size_t errlen)
{
	struct bus_server *srv;
	char ep[4096];
	int e;

	if (endpoint_prepare(bs, daemon, kind, ep, sizeof(ep), err, errlen) < 0)
		return NULL;
	srv = bus_server_new(loop, zctx, ep, cb, arg);
	if (!srv) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot bind %s: %s", ep, strerror(e));
		errno = e;
	}
	return srv;
}

struct clone_pub *daemon_bind_pub(struct loop *loop, void *zctx, const struct bootstrap *bs,
				  const char *daemon, const char *kind, const char *topic,
				  char *err, size_t errlen)
{
	struct clone_pub *pub;
	char ep[4096];
	int e;

	if (endpoint_prepare(bs, daemon, kind, ep, sizeof(ep), err, errlen) < 0)
		return NULL;
	pub = clone_pub_new(loop, zctx, ep, topic, CLONE_HEARTBEAT_MS);
	if (!pub) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "cannot bind %s: %s", ep, strerror(e));
		errno = e;
	}
	return pub;
}
