/*
 * cfgd.h: the configuration daemon's core, usable in-process.
 *
 * cfgd_new() loads the running configuration (persist.c: checkpoint and
 * journal) and the open sessions (session.c), binds the ctl
 * ROUTER (ipc://RUN_DIR/cfgd.ctl) and the Clone publisher
 * (ipc://RUN_DIR/cfgd.pub, topic "cfg", seq = commit id) and serves them in
 * the given loop; main.c and the tests drive that loop.
 */
#ifndef CFGD_CFGD_H
#define CFGD_CFGD_H

#include <stddef.h>
#include <stdint.h>
#include "config.pb-c.h"

struct loop;
struct bootstrap;
struct cfgd;

/* How long `commit` waits for subscribers to apply, and how recently a
 * subscriber must have been heard to count as connected. */
#define CFGD_APPLY_WAIT_MS 3000
#define CFGD_SUB_ALIVE_MS 3000

/* Start cfgd in loop.  bs is borrowed and must outlive the cfgd.  NULL with
 * errno set and a sentence in err (a checkpoint or journal that cannot be
 * read, a socket that cannot be bound), as every daemon core's constructor
 * (daemon.h). */
struct cfgd *cfgd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen);
/* Close the sockets and free everything; commits still waiting for applies
 * are not answered. */
void cfgd_free(struct cfgd *d);

/* Change the bounded wait for applies (tests). */
void cfgd_set_apply_wait_ms(struct cfgd *d, unsigned ms);
/* The last commit id (0 before the first commit) and the running config
 * (borrowed, valid until the next commit). */
uint64_t cfgd_commit_id(const struct cfgd *d);
const Config *cfgd_running(const struct cfgd *d);
/* Requests that could not be decoded, plus frame sequences the bus dropped. */
uint64_t cfgd_bad_requests(const struct cfgd *d);

#endif
