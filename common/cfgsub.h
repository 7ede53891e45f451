/*
 * cfgsub.h: a daemon's subscription to cfgd's configuration.
 *
 * Wraps a clone_sub on cfgd's "cfg" topic: each new running configuration
 * is unpacked and handed to the daemon's apply callback (which reconciles its
 * state against the whole Config and never vetoes), and cfgd is told what was
 * applied with an Applied message naming the daemon and the top-level
 * subtrees it consumes.  The Applied message is repeated every heartbeat so
 * cfgd knows which subscribers are connected.
 *
 * A daemon whose work should follow the size of a commit, not of the
 * configuration, names the top-level fields it reads BY PATH
 * (cfgsub_set_by_path): after a commit's delta those are left empty in
 * the Config handed to the callback, which learns instead which objects
 * changed (cfgsub_changes) and reads their current value from cfgsub's
 * tree (cfgsub_own, cfgsub_get, cfgsub_tree).  A snapshot (the first
 * apply, and the recovery after a gap, a new epoch or a delta that did
 * not apply) still hands every consumed field whole, with no change list:
 * everything may have changed.
 */
#ifndef MERIDIAN_CFGSUB_H
#define MERIDIAN_CFGSUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.pb-c.h"

struct loop;
struct bootstrap;
struct cfgsub;
struct ct_node;

/* One object a commit changed: a node of the configuration tree named by
 * its path (cfgtree.h: field names with the key after each keyed list
 * field, ["acl","2001","rule","5"]).  removed: after the commit the node
 * is absent (it was deleted, with everything below it, or added and
 * deleted again); otherwise it exists and its own fields may have changed
 * (a node set, or created).  A child's change is listed on its own; a
 * removed node's children are not listed. */
struct cfgsub_change {
	char **path;
	size_t n_path;
	bool removed;
};

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

/* Top-level fields (NULL-terminated names, a subset of the subtrees) the
 * daemon reads by path: after a delta they are empty in the Config handed
 * to the callback instead of rebuilt whole (a snapshot still hands them
 * whole).  Best called before the first apply. */
void cfgsub_set_by_path(struct cfgsub *cs, const char *const *fields);
/* During the apply callback: the objects of the consumed subtrees that
 * the commit changed, in the order of the commit's delta (a path may
 * appear twice; its removed flag is its state after the commit), *n of
 * them; NULL (with *n 0) after a snapshot: everything may have changed.
 * Borrowed until the callback returns. */
const struct cfgsub_change *cfgsub_changes(const struct cfgsub *cs, size_t *n);
/* The running configuration as this copy holds it (every top-level field,
 * not only the consumed ones), or NULL before the first snapshot.
 * Borrowed: valid until the next apply. */
const struct ct_node *cfgsub_tree(const struct cfgsub *cs);
/* The own fields (scalars and strings, child messages empty) of the object
 * at path, borrowed like the tree; NULL when it does not exist. */
const ProtobufCMessage *cfgsub_own(const struct cfgsub *cs, char *const *path, size_t n);
/* The object at path with everything below it, as a fresh message (free
 * with protobuf_c_message_free_unpacked); NULL when it does not exist.
 * Costs the size of that object only. */
ProtobufCMessage *cfgsub_get(const struct cfgsub *cs, char *const *path, size_t n);

#endif
