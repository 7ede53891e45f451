/*
 * cfgtree.h: a configuration held as an indexed tree of nodes.
 *
 * A node is one message of the configuration: the root (Config), a singular
 * message field ("ntp", "system", an interface's "address") or an element of
 * a keyed list (pbreflect.h: "interface" GigabitEthernet0/1/0, "acl" 2000,
 * its "rule" 5).  A node holds only its OWN fields (scalars, strings,
 * repeated scalars) in `own`, a message of its type whose child fields are
 * empty; its children hang below it, indexed by (field, key) in a hash
 * table and kept in order per field (the order entered, or the place an
 * undone removal gives back with ct_put_at: lists render in it).  So finding, adding or removing one object costs O(1) per level
 * whatever the size of the configuration, and a change is described by the
 * nodes it touched.
 *
 * The same structure serves as a session's overlay (cfgd/cand.c): there a
 * node's state says whether the candidate sets it (CT_SET, `own` is the
 * candidate's), deletes it with all below (CT_DEL), or only leads to nodes
 * below (CT_NONE).  In a running tree every node is CT_SET.
 *
 * A path names a node or a field by field names with the key after each
 * keyed list field: ["acl","2000","rule","5"], ["ntp","unicast_server",
 * "10.0.1.31","version"] (the Edit.path convention of proto/cfgd.proto).
 */
#ifndef MERIDIAN_CFGTREE_H
#define MERIDIAN_CFGTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

enum ct_state { CT_NONE = 0, CT_SET, CT_DEL };

struct ct_kids;
struct ct_arena;

struct ct_node {
	const ProtobufCMessageDescriptor *desc;
	ProtobufCMessage *own;                 /* CT_SET: own fields; else NULL */
	enum ct_state state;
	uint32_t hash;                         /* of (field, key): the parent's index */
	struct ct_node *parent;
	const ProtobufCFieldDescriptor *field; /* in the parent; NULL at the root */
	char *key;                             /* a list element's key (stored with
						* the node), else NULL */
	struct ct_node *hnext;                 /* the parent's hash chain */
	struct ct_node *prev, *next;           /* siblings of the same field, in order */
	struct ct_kids *kids;                  /* NULL while it has no children */
	/* Running trees: the commit that last set this node's own fields (or
	 * created it), and the last that changed anything at or below it. */
	uint64_t changed, sub_changed;
	/* Overlays (cfgd/cand.c): what the running node was when first touched. */
	uint64_t base_changed, base_sub;
	bool base_present;
	/* Overlays: where a list element running lacks goes, after the
	 * element with this key ("": first); NULL: after all. */
	char *anchor;
	/* Carved from `arena` (ct_adopt_arena): the node itself, its own. */
	bool node_in_arena, own_in_arena;
	unsigned flags;                        /* the owner's */
	struct ct_arena *arena;
};

/* A child field: a singular message field or a keyed list.  Other fields
 * are the node's own. */
bool ct_child_field(const ProtobufCFieldDescriptor *f);

/* An empty root of type d (CT_SET with an empty own). */
struct ct_node *ct_root_new(const ProtobufCMessageDescriptor *d);
/* Free n and everything below it, unlinking it from its parent first. */
void ct_free(struct ct_node *n);

/* The child of n in field f with key (NULL for a singular field), or NULL. */
struct ct_node *ct_child(const struct ct_node *n, const ProtobufCFieldDescriptor *f,
			 const char *key);
/* Append a new child (CT_NONE, no own) in field f with key (copied). */
struct ct_node *ct_child_add(struct ct_node *n, const ProtobufCFieldDescriptor *f,
			     const char *key);
/* The same, placed right after sibling `after` (a child of n in f), or
 * first when after is NULL. */
struct ct_node *ct_child_insert(struct ct_node *n, const ProtobufCFieldDescriptor *f,
				const char *key, struct ct_node *after);
/* The first child of n in field f (then ->next), or NULL. */
struct ct_node *ct_first(const struct ct_node *n, const ProtobufCFieldDescriptor *f);
/* Whether n has any child at all. */
bool ct_has_children(const struct ct_node *n);

/* A copy of m's own fields (its child fields left empty). */
ProtobufCMessage *ct_own_of(const ProtobufCMessage *m);
/* Replace n's own by own (taken; NULL frees it). */
void ct_set_own(struct ct_node *n, ProtobufCMessage *own);

/* Add below root (an empty running tree) the nodes of m, all CT_SET with
 * version v. */
void ct_load(struct ct_node *root, const ProtobufCMessage *m, uint64_t v);
/* The same, taking m (an empty root's tree; m must be unpacked-shaped,
 * pbreflect.h): its messages become the nodes' own instead of copies, so
 * loading a large configuration allocates and frees nothing per node. */
void ct_adopt(struct ct_node *root, ProtobufCMessage *m, uint64_t v);
/* An arena for a configuration loaded whole (cfgd's checkpoint at start):
 * the messages unpacked with its allocator and the nodes ct_adopt_arena
 * makes are carved one after the other from large blocks, huge pages where
 * the kernel gives them (madvise), instead of a malloc each.  A fresh cfgd
 * beside 100,000 lines spent more of its start in page faults on those
 * small allocations than in unpacking them.  The arena is freed with the
 * last node or message carved from it: what a node carved from it drops
 * (its own replaced, the node removed) stays in the arena until then, at
 * most the size of the load. */
struct ct_arena *ct_arena_new(void);
/* A protobuf-c allocator carving from a (its free does nothing). */
ProtobufCAllocator *ct_arena_allocator(struct ct_arena *a);
/* The creator lets go of a: freed now when nothing was adopted from it. */
void ct_arena_release(struct ct_arena *a);
/* ct_adopt for m unpacked with a's allocator (m and everything in it are
 * a's): the nodes are carved from a too, and hold it. */
void ct_adopt_arena(struct ct_node *root, ProtobufCMessage *m, uint64_t v, struct ct_arena *a);
/* Make the tree below root (a running tree) hold exactly m, in m's order:
 * nodes whose own fields differ, new nodes and the ancestors of every
 * change get version v; unchanged nodes keep theirs.  Returns the number
 * of nodes set, added or removed. */
size_t ct_sync(struct ct_node *root, const ProtobufCMessage *m, uint64_t v);
/* The message n and its CT_SET descendants make (a fresh unpacked-shaped
 * message). */
ProtobufCMessage *ct_materialize(const struct ct_node *n);
/* The message n and its CT_SET descendants make, as a view carved from a
 * (a fresh arena, freed with ct_arena_release): each message a copy of its
 * node's own struct, sharing the own's strings, bytes and arrays, its
 * child fields pointing at its children's views.  Valid only while the
 * tree below n does not change, and never to be written or freed piece by
 * piece; a sixth of ct_materialize's cost (no copy of a string, no
 * malloc). */
const ProtobufCMessage *ct_view(const struct ct_node *n, struct ct_arena *a);
/* Make child field f of m (a message of n's type) what n's children in f
 * make, freeing what it held. */
void ct_materialize_field(const struct ct_node *n, const ProtobufCFieldDescriptor *f,
			  ProtobufCMessage *m);

/* One step of a path from a node of type d at comp[i]: the field named
 * there and, for a keyed list followed by a key, that key.  Returns how
 * many components the step takes (1 for a field, 2 for a list element),
 * or -EINVAL when comp[i] names no field of d. */
int ct_path_step(const ProtobufCMessageDescriptor *d, char *const *comp, size_t n, size_t i,
		 const ProtobufCFieldDescriptor **f, const char **key);
/* The node at path below root in the tree, or NULL.  A path ending on a
 * non-child field names that field of its node: *field is set to it (NULL
 * when the path names a node). */
struct ct_node *ct_lookup(const struct ct_node *root, char *const *comp, size_t n,
			  const ProtobufCFieldDescriptor **field);
/* The path of node n as components (pointing into the tree and its
 * descriptors; valid while n lives), in a malloc'd array; *n_out its length. */
char **ct_path_of(const struct ct_node *n, size_t *n_out);
/* The descriptor of the node at path below a root of type d, or NULL
 * when the path names no node. */
const ProtobufCMessageDescriptor *ct_path_desc(const ProtobufCMessageDescriptor *d,
					       char *const *comp, size_t n);
/* Make the node at path below root hold own (taken: own fields only, of
 * the node's type) with version v, adding it after its siblings when
 * missing; with own NULL remove it and everything below (absent: nothing
 * to do).  0, -ENOENT when its parent is missing, or -EINVAL when the
 * path names no node or own is not of its type (own is freed either way). */
int ct_put(struct ct_node *root, char *const *comp, size_t n, ProtobufCMessage *own, uint64_t v);
/* ct_put placing a list element it adds after its sibling with key prev
 * ("": first; NULL, or no such sibling: after all).  An element already
 * there keeps its place. */
int ct_put_at(struct ct_node *root, char *const *comp, size_t n, ProtobufCMessage *own,
	      uint64_t v, const char *prev);
/* Versions: v on n, and sub_changed v on n and every ancestor. */
void ct_touch(struct ct_node *n, uint64_t v);

#endif
