/*
 * daemon.h: the life of a Meridian daemon process, written once.
 *
 * Each main.c names its daemon and gives a start and a stop function;
 * daemon_main() does the rest in this order: read the command line and the
 * bootstrap file (-f, -d, --help, --version; exit status 2 when either is
 * bad, which the units exclude from restarts), ignore SIGPIPE, create the
 * loop and block SIGTERM and SIGINT into it (before any ZeroMQ socket
 * exists, so ZeroMQ's threads inherit the mask and a signal can only
 * arrive through the loop's signalfd), create the ZeroMQ context, load the
 * device key when the daemon uses one, start, READY=1, run the loop
 * (petting the systemd watchdog from a loop timer when the unit asks for
 * it), STOPPING=1, stop, and finalise in reverse.  A start that fails is
 * logged once, told to systemd as STATUS=, and ends the process with exit
 * status 1.
 *
 * Failures are reported one way on the way up: each daemon's core
 * constructor (cfgd_new, clid_new and cli_backend_new, ifmgrd_new,
 * ntpd_new) returns NULL with errno set and one sentence in err (err may be
 * NULL when errlen is 0), logs nothing about it, and has undone its own
 * work; start passes that on as -errno, and daemon_main() says it once.
 *
 * The watchdog: when WATCHDOG_USEC is set for this process
 * (sd_watchdog_enabled), WATCHDOG=1 is sent from a timer of the daemon's
 * own loop at half that interval.  A timer runs only when the loop turns, so
 * a loop stuck in a callback stops petting and systemd kills the daemon.
 *
 * daemon_bind_server() and daemon_bind_pub() are the one way a daemon binds
 * its sockets at ipc://RUN_DIR/<daemon>.<kind>.
 */
#ifndef MERIDIAN_DAEMON_H
#define MERIDIAN_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootstrap.h"
#include "bus.h"

struct loop;
struct clone_pub;

struct daemon {
	const char *name;           /* "ntpd": log identity and socket names */
	struct bootstrap bs;
	struct loop *loop;
	void *zctx;
	void *state;                /* the daemon's own, set by start for stop */
	uint64_t watchdog_us;       /* WATCHDOG_USEC, 0 when off */
	uint64_t watchdog_timer;
};

struct daemon_ops {
	const char *name;
	/* Load (or, at the device's first start, create) the device key of
	 * STATE_DIR before start: the daemon seals or opens secrets
	 * (secret.h). */
	bool device_key;
	/* Start the daemon's modules on d->loop and d->zctx, keeping what stop
	 * needs in d->state.  0, or a negative errno with a sentence in err;
	 * a start that fails has undone its own work (stop is not called). */
	int (*start)(struct daemon *d, char *err, size_t errlen);
	/* Finalise what start made, in reverse order. */
	void (*stop)(struct daemon *d);
};

/* Run the daemon described by ops; returns the process's exit status: 0
 * after SIGTERM or SIGINT, 1 when the start or the loop failed.  A bad
 * command line or bootstrap file exits 2 from bootstrap_from_args(). */
int daemon_main(int argc, char **argv, const struct daemon_ops *ops);

/* Bind a ROUTER serving requests (bus.h) at ipc://RUN_DIR/DAEMON.KIND
 * ("ctl", "log"), creating RUN_DIR if needed.  The server, or NULL with
 * errno set and "cannot bind ENDPOINT: REASON" in err. */
struct bus_server *daemon_bind_server(struct loop *loop, void *zctx, const struct bootstrap *bs,
				      const char *daemon, const char *kind, bus_request_cb cb,
				      void *arg, char *err, size_t errlen);
/* The same for a Clone publisher (clone.h) of `topic` at
 * ipc://RUN_DIR/DAEMON.KIND ("pub", "logpub"), heartbeat CLONE_HEARTBEAT_MS. */
struct clone_pub *daemon_bind_pub(struct loop *loop, void *zctx, const struct bootstrap *bs,
				  const char *daemon, const char *kind, const char *topic,
				  char *err, size_t errlen);

#endif
