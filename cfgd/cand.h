/*
 * cand.h: a session's candidate, held as running plus an overlay.
 *
 * The candidate is never a copy of the configuration: it is the running
 * tree (common/cfgtree.h) seen through the session's overlay, a sparse tree
 * of the nodes the session's edits touched, each with the candidate's own
 * fields (CT_SET) or deleted with all below (CT_DEL).  So an edit costs what
 * it touches, whatever the size of the configuration, and the candidate
 * follows every commit of other sessions wherever it has no change of its
 * own (VRP's candidates do not, but nothing the operator sees differs until
 * a conflict, which is detected as before).
 *
 * Each overlay node also remembers whether it differs from running (the
 * count of such nodes is `dirty`: the prompt's '*' and what a commit
 * carries, so a no-op edit changes nothing) and the running node's
 * versions when it was first touched (cfgtree.h): a commit is refused when
 * another commit changed an object this session set or deleted since.
 */
#ifndef CFGD_CAND_H
#define CFGD_CAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"
#include "cfgtree.h"
#include "config.pb-c.h"

struct cand {
	struct ct_node *ov;      /* the overlay's root (a Config node, CT_NONE) */
	size_t n_diff;           /* overlay nodes that differ from running */
};

void cand_init(struct cand *c);
/* Drop every change: the candidate is running again. */
void cand_clear(struct cand *c);
static inline bool cand_dirty(const struct cand *c)
{
	return c->n_diff > 0;
}

/* Apply one edit to the candidate over running (the tree's root).  The
 * edit must be checked (edit_apply on a scoped copy does it): an edit that
 * names no field of the schema gets -EINVAL with err, anything else
 * succeeds.  Canonical names are the caller's (validate_canonicalize). */
int cand_apply(struct cand *c, const struct ct_node *running, const Edit *e, char *err,
	       size_t errlen);

/* Make the node at path hold exactly own (borrowed: own fields of the
 * node's type) in the candidate, or with own NULL remove it with all below:
 * the images of the commit journal.  A list element running lacks goes
 * after its sibling with key prev ("": first; NULL: after all; see
 * cand.c on order).  0, -ENOENT when its parent is not in the candidate,
 * or -EINVAL for a path that names no node. */
int cand_put(struct cand *c, const struct ct_node *running, char *const *comp, size_t n,
	     const ProtobufCMessage *own, const char *prev);

/* After the overlay was rebuilt from a session's edits over a running
 * that moved (a restarted cfgd): every object the candidate changed that
 * moved(path, n, subtree, arg) says another commit changed since is made
 * to conflict at commit, as it would have without the restart (subtree:
 * a delete, for which a change below counts too). */
void cand_mark_moved(struct cand *c, const struct ct_node *running,
		     bool (*moved)(char *const *path, size_t n, bool subtree, bool existed, void *arg),
		     void *arg);

/* Recount which overlay nodes differ after running changed: all of them
 * (cand_recount, which walks the whole overlay), or only where a commit
 * changed running (cand_recount_changes: the commit's `after` images, a
 * node set or removed with all below), which costs the commit's size
 * times the depth whatever the size of the overlay.  Both leave exactly
 * the nodes that differ counted: a node's difference depends only on it
 * and the running node at its path, and a commit changes no running node
 * it has no image of, nor below one it removed. */
void cand_recount(struct cand *c, const struct ct_node *running);
void cand_recount_changes(struct cand *c, const struct ct_node *running,
			  NodeImage *const *changed, size_t n);

/* The whole candidate as a Config (owned by the caller). */
Config *cand_materialize(const struct cand *c, const struct ct_node *running);

/* Copy into out (a running-shaped tree being built) the node at path as the
 * candidate sees it (c NULL: as running has it), with its ancestors' own
 * fields and, when subtree is set, everything below it.  A path naming a
 * keyed list (its field, no key) copies each element's own fields (the
 * list's heads), with their subtrees when subtree is set. */
void cand_copy_into(struct ct_node *out, const struct cand *c, const struct ct_node *running,
		    char *const *comp, size_t n, bool subtree);
/* Copy into out, each with everything below it, the elements of the
 * top-level keyed list f that pick accepts, in the order the candidate (c
 * NULL: running) lists them.  pick sees an element's running node (NULL
 * when new) and overlay node (NULL when the candidate leaves it as
 * running has it). */
typedef bool cand_pick_fn(const struct ct_node *r, const struct ct_node *o, void *arg);
void cand_copy_list_if(struct ct_node *out, const struct cand *c, const struct ct_node *running,
		       const ProtobufCFieldDescriptor *f, cand_pick_fn *pick, void *arg);

/* The first object the candidate changed that running changed too since
 * the candidate touched it: 0 when there is none, else the commit that
 * changed it last (or, for an object another commit removed, the last
 * commit below its nearest remaining ancestor). */
uint64_t cand_conflict(const struct cand *c, const struct ct_node *running);

/* Call fn for each overlay node that differs from running, parents before
 * children: o is the overlay node (CT_SET: set its own fields; CT_DEL:
 * remove it), r the running node at the same path or NULL.  In a list
 * holding elements put back in place (cand_put with prev), the elements
 * running lacks come last, in the candidate's order, each with
 * o->anchor set to the key of the element before it there: applied in
 * this order with ct_put_at, running gets the candidate's order. */
void cand_changes(const struct cand *c, const struct ct_node *running,
		  void (*fn)(const struct ct_node *o, const struct ct_node *r, void *arg),
		  void *arg);

#endif
