/*
 * loopback_world.h: several ntpd cores in one process and one loop, each on
 * its own 127.0.0.x address (LoopBack0 and `server source-interface`) and
 * all on ONE UDP port, so a server's reference id (its address) is also
 * where to reach it: what `display ntp-service trace` needs.  Each core has
 * its own virtual clock.  Shared by test_trace.c and test_select_servers.c
 * (loopback_world.c, in the meridian_loopback_world library).  Failures
 * are Criterion assertions.
 */
#ifndef MERIDIAN_TEST_LOOPBACK_WORLD_H
#define MERIDIAN_TEST_LOOPBACK_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootstrap.h"
#include "ntpd.h"

struct wdev {
	struct bootstrap bs;
	struct ntpd *core;
	char addr[16];
};

/* The one port of the world: free on 127.0.0.1 now. */
uint16_t world_port(void);
/* A core on addr:port (LoopBack0 up with addr as its primary address),
 * its virtual clock offset seconds off. */
void wdev_init(struct loop *loop, struct wdev *d, const char *addr, uint16_t port,
	       double offset);
/* refclock-master `master` (0: none) and the servers na[0..n). */
void wdev_config(struct wdev *d, int master, NtpAssociation **na, size_t n);
void wdev_free(struct wdev *d);

/* Run the loop until done(arg) or secs pass: whether done. */
bool world_run_until(struct loop *loop, bool (*done)(void *), void *arg, double secs);

#endif
