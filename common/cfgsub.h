/*
 * cfgsub.h: a daemon's subscription to cfgd's configuration.
 *
 * Wraps a clone_sub on cfgd's "cfg" topic: each new running configuration
 * is unpacked and handed to the daemon's apply callback (which reconciles its
 * state against the whole Config and never vetoes), and cfgd is told what was
 * applied with an Applied message naming the daemon and the top-level
 * subtrees it consumes.  The Applied message is repeated every heartbeat so
 * cfgd knows which subscribers are connected.
 */
#ifndef MERIDIAN_CFGSUB_H
#define MERIDIAN_CFGSUB_H

#include <stdint.h>
#include "config.pb-c.h"

struct loop;
struct bootstrap;
struct cfgsub;

/* Apply the configuration `cfg` (borrowed for the call): the top-level
 * fields the daemon consumes, whole; the others empty.  Return the
 * number of problems written to errs[0..max) (malloc'd strings, freed by
 * cfgsub); they are reported to cfgd as operational errors. */
typedef int (*cfgsub_apply_cb)(const Config *cfg, uint64_t commit_id, char **errs,
			       int max_errs, void *arg);

/* subtrees: NULL-terminated top-level Config field names ("ntp", "interface"). */
struct cfgsub *cfgsub_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
			  const char *daemon, const char *const *subtrees,
			  cfgsub_apply_cb apply, void *arg);
void cfgsub_free(struct cfgsub *cs);
uint64_t cfgsub_commit_id(const struct cfgsub *cs);
/* During the apply callback: the top-level fields that changed since the
 * last apply (names from the descriptor, *n of them), or NULL when
 * everything may have (a snapshot). */
const char *const *cfgsub_changed(const struct cfgsub *cs, size_t *n);

#endif
