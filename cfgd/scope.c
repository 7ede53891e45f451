/*
 * scope.c: the scope of a change's validation (see scope.h).
 *
 * A scope is a set of paths, each taken whole (its subtree) or as heads
 * (own fields only).  Paths are few and short except the nodes of a big
 * paste, so they are kept in a tree of their own (cfgtree) where adding
 * one twice costs nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "log.h"
#include "pbreflect.h"
#include "scope.h"

#define SCOPE_WHOLE 1u     /* flags of a path node: take its subtree */
#define SCOPE_HEAD  2u     /* take it (and its ancestors) without its subtree */

struct scope {
	struct ct_node *paths;   /* a tree of the paths (state CT_NONE, no own) */
};

struct scope *scope_new(void)
{
	struct scope *sc = xcalloc(1, sizeof(*sc));

	sc->paths = ct_root_new(&config__descriptor);
	return sc;
}

void scope_free(struct scope *sc)
{
	if (sc == NULL)
		return;
	ct_free(sc->paths);
	free(sc);
}

/* Mark path with flag in the path tree; a list field without a key stands
 * for all its elements' heads (ct_lookup's convention). */
static void mark(struct scope *sc, char *const *comp, size_t n, unsigned flag)
{
	struct ct_node *node = sc->paths;

	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(node->desc, comp, n, i, &f, &key);
		struct ct_node *c;

		if (step < 0 || !ct_child_field(f))
			break;            /* a field of node: node itself */
		c = ct_child(node, f, key);
		if (c == NULL)
			c = ct_child_add(node, f, key);
		node = c;
		i += (size_t)step;
	}
	node->flags |= flag;
}

static void mark1(struct scope *sc, const char *field, unsigned flag)
{
	char *comp[1] = { (char *)field };

	mark(sc, comp, 1, flag);
}

void scope_add(struct scope *sc, char *const *comp, size_t n)
{
	const char *top;

	if (n == 0) {
		sc->paths->flags |= SCOPE_WHOLE;
		return;
	}
	top = comp[0];
	if (strcmp(top, "system") == 0) {
		mark1(sc, "system", SCOPE_WHOLE);
	} else if (strcmp(top, "interface") == 0) {
		mark1(sc, "interface", SCOPE_WHOLE);
		mark1(sc, "ntp", SCOPE_WHOLE);
		mark1(sc, "vpn_instance", SCOPE_WHOLE);
	} else if (strcmp(top, "ntp") == 0) {
		mark1(sc, "ntp", SCOPE_WHOLE);
		mark1(sc, "interface", SCOPE_WHOLE);
		mark1(sc, "acl", SCOPE_HEAD);
		mark1(sc, "acl6", SCOPE_HEAD);
		mark1(sc, "vpn_instance", SCOPE_WHOLE);
	} else if (strcmp(top, "vpn_instance") == 0) {
		mark1(sc, "vpn_instance", SCOPE_WHOLE);
		mark1(sc, "interface", SCOPE_WHOLE);
		mark1(sc, "ntp", SCOPE_WHOLE);
	} else if (strcmp(top, "acl") == 0 || strcmp(top, "acl6") == 0) {
		if (n <= 2) {
			mark(sc, comp, n, SCOPE_HEAD);
			mark1(sc, "ntp", SCOPE_WHOLE);
		} else if (n >= 4) {
			mark(sc, comp, 4, SCOPE_WHOLE);
		} else {
			mark(sc, comp, 2, SCOPE_HEAD);
		}
	} else {
		mark(sc, comp, 1, SCOPE_WHOLE);
	}
}

#define MAX_DEPTH 16

static void add_nodes(struct scope *sc, const ProtobufCMessage *m, char **prefix, size_t depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (depth + 2 > MAX_DEPTH)
		return;
	if (depth > 0)
		scope_add(sc, prefix, depth);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f) || !pbr_field_present(m, f))
			continue;
		prefix[depth] = (char *)f->name;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			add_nodes(sc, PBR_CMEMBER(m, f->offset, const ProtobufCMessage *), prefix,
				  depth + 1);
			continue;
		}
		size_t cnt = pbr_repeated_count(m, f);
		ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

		for (size_t k = 0; k < cnt; k++) {
			const char *key = pbr_elem_key(arr[k]);

			if (key == NULL)
				continue;
			prefix[depth + 1] = (char *)key;
			add_nodes(sc, arr[k], prefix, depth + 2);
		}
	}
}

void scope_add_fragment(struct scope *sc, const Config *frag)
{
	char *prefix[MAX_DEPTH];

	if (frag)
		add_nodes(sc, &frag->base, prefix, 0);
}

/* Copy what path node p (at depth, path in prefix) asks for, then below. */
static void copy_marked(const struct ct_node *p, char **prefix, size_t depth, struct ct_node *out,
			const struct cand *c, const struct ct_node *running)
{
	const ProtobufCMessageDescriptor *d = p->desc;

	if (p->flags & SCOPE_WHOLE) {
		cand_copy_into(out, c, running, prefix, depth, true);
		return;               /* everything below is in already */
	}
	if (p->flags & SCOPE_HEAD)
		cand_copy_into(out, c, running, prefix, depth, false);
	if (depth + 2 > MAX_DEPTH)
		return;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		prefix[depth] = (char *)f->name;
		for (const struct ct_node *k = ct_first(p, f); k; k = k->next) {
			if (k->key) {
				prefix[depth + 1] = k->key;
				copy_marked(k, prefix, depth + 2, out, c, running);
			} else {
				copy_marked(k, prefix, depth + 1, out, c, running);
			}
		}
	}
}

Config *scope_materialize(const struct scope *sc, const struct cand *c,
			  const struct ct_node *running)
{
	struct ct_node *out = ct_root_new(&config__descriptor);
	char *prefix[MAX_DEPTH];
	Config *cfg;

	copy_marked(sc->paths, prefix, 0, out, c, running);
	cfg = (Config *)ct_materialize(out);
	ct_free(out);
	return cfg;
}
