/*
 * scope.c: the scope of a change's validation (see scope.h).
 *
 * A scope is a set of paths, each taken whole (its subtree) or as heads
 * (own fields only).  Paths are few and short except the nodes of a big
 * paste, so they are kept in a tree of their own (cfgtree) where adding
 * one twice costs nothing.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtree.h"
#include "log.h"
#include "pbreflect.h"
#include "scope.h"

#define SCOPE_WHOLE 1u     /* flags of a path node: take its subtree */
#define SCOPE_HEAD  2u     /* take it (and its ancestors) without its subtree */
#define SCOPE_ITF   4u     /* an interface: taken whole, in the list's order */
#define SCOPE_SUB_MAX 64   /* more subnets touched: every interface instead */

/* An IPv4 subnet, its first and last address. */
struct subnet {
	uint32_t net, last;
};

struct scope {
	struct ct_node *paths;   /* a tree of the paths (state CT_NONE, no own) */
	/* The IPv4 subnets the touched interfaces have in any state seen
	 * (running, the candidate, the fragments): the interfaces whose
	 * subnets overlap one of them join the scope (scope_expand). */
	struct subnet *sub;
	size_t n_sub, cap_sub;
	bool v6;                 /* one has IPv6 addresses: every interface */
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
	free(sc->sub);
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
		if (n < 2)
			mark1(sc, "interface", SCOPE_WHOLE);
		else
			mark(sc, comp, 2, SCOPE_ITF);
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

/* The subnet of an IPv4 address, false when it has none. */
static bool subnet_of(const Ipv4Address *ad, struct subnet *out)
{
	struct in_addr a;
	uint32_t h, m;

	if (ad == NULL || ad->address == NULL || ad->prefix_len < 1 || ad->prefix_len > 32 ||
	    inet_pton(AF_INET, ad->address, &a) != 1)
		return false;
	h = ntohl(a.s_addr);
	m = ad->prefix_len >= 32 ? 0xffffffffu : ~((1u << (32 - ad->prefix_len)) - 1);
	*out = (struct subnet){ h & m, (h & m) | ~m };
	return true;
}

static void note_subnet(struct scope *sc, const Ipv4Address *ad)
{
	struct subnet s;

	if (!subnet_of(ad, &s))
		return;
	if (sc->n_sub == sc->cap_sub) {
		sc->cap_sub = sc->cap_sub ? 2 * sc->cap_sub : 8;
		sc->sub = xrealloc(sc->sub, sc->cap_sub * sizeof(*sc->sub));
	}
	sc->sub[sc->n_sub++] = s;
}

void scope_add_fragment(struct scope *sc, const Config *frag)
{
	char *prefix[MAX_DEPTH];

	if (frag == NULL)
		return;
	add_nodes(sc, &frag->base, prefix, 0);
	for (size_t i = 0; i < frag->n_interface; i++) {
		const Interface *ifc = frag->interface[i];

		note_subnet(sc, ifc->address);
		for (size_t k = 0; k < ifc->n_sub_address; k++)
			note_subnet(sc, ifc->sub_address[k]);
		if (ifc->n_ipv6_address > 0)
			sc->v6 = true;
	}
}

static const ProtobufCFieldDescriptor *field_named(const ProtobufCMessageDescriptor *d,
						   const char *name)
{
	return protobuf_c_message_descriptor_get_field_by_name(d, name);
}

/* The IPv4 addresses of interface node x (running or overlay): each own
 * found, to fn. */
static void each_v4(const struct ct_node *x, void (*fn)(const Ipv4Address *, void *), void *arg)
{
	const struct ct_node *a;

	if (x == NULL)
		return;
	a = ct_child(x, field_named(&interface__descriptor, "address"), NULL);
	if (a && a->own)
		fn((const Ipv4Address *)a->own, arg);
	for (a = ct_first(x, field_named(&interface__descriptor, "sub_address")); a; a = a->next)
		if (a->own)
			fn((const Ipv4Address *)a->own, arg);
}

static void note_v4(const Ipv4Address *ad, void *arg)
{
	note_subnet(arg, ad);
}

struct overlap {
	const struct scope *sc;
	bool hit;
};

static void test_v4(const Ipv4Address *ad, void *arg)
{
	struct overlap *ov = arg;
	struct subnet s;

	if (ov->hit || !subnet_of(ad, &s))
		return;
	for (size_t i = 0; i < ov->sc->n_sub && !ov->hit; i++)
		ov->hit = !(s.last < ov->sc->sub[i].net || s.net > ov->sc->sub[i].last);
}

/* Whether an IPv4 subnet of interface node x overlaps a noted one. */
static bool overlaps(const struct scope *sc, const struct ct_node *x)
{
	struct overlap ov = { sc, false };

	each_v4(x, test_v4, &ov);
	return ov.hit;
}

static void mark_key(struct scope *sc, const ProtobufCFieldDescriptor *f, const char *key)
{
	struct ct_node *k = ct_child(sc->paths, f, key);

	if (k == NULL)
		k = ct_child_add(sc->paths, f, key);
	k->flags |= SCOPE_ITF;
}

void scope_expand(struct scope *sc, const struct cand *c, const struct ct_node *running)
{
	const ProtobufCFieldDescriptor *fi = field_named(&config__descriptor, "interface");
	const ProtobufCFieldDescriptor *f6 = field_named(&interface__descriptor, "ipv6_address");
	const struct ct_node *o = c ? c->ov : NULL;
	bool any = false;

	for (const struct ct_node *k = ct_first(sc->paths, fi); k; k = k->next) {
		const struct ct_node *x[2];

		if (k->key == NULL && (k->flags & SCOPE_WHOLE))
			return;               /* every interface already */
		if (k->key == NULL || !(k->flags & SCOPE_ITF))
			continue;
		any = true;
		x[0] = running ? ct_child(running, fi, k->key) : NULL;
		x[1] = o ? ct_child(o, fi, k->key) : NULL;
		for (int i = 0; i < 2; i++) {
			each_v4(x[i], note_v4, sc);
			if (x[i] && ct_first(x[i], f6))
				sc->v6 = true;
		}
	}
	if (!any)
		return;
	if (sc->v6 || sc->n_sub > SCOPE_SUB_MAX) {
		/* validate_if6.c pairs IPv6 prefixes across interfaces; and a
		 * paste of many would cost each subnet by each interface here,
		 * more than check_overlaps' sort of them all. */
		mark1(sc, "interface", SCOPE_WHOLE);
		return;
	}
	if (sc->n_sub == 0)
		return;
	for (const struct ct_node *r = running ? ct_first(running, fi) : NULL; r; r = r->next)
		if (overlaps(sc, r))
			mark_key(sc, fi, r->key);
	for (const struct ct_node *x = o ? ct_first(o, fi) : NULL; x; x = x->next)
		if (x->key && overlaps(sc, x))
			mark_key(sc, fi, x->key);
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

static bool picked(const struct ct_node *r, const struct ct_node *o, void *arg)
{
	const struct ct_node *k = ct_child(arg, (r ? r : o)->field, (r ? r : o)->key);

	return k && (k->flags & SCOPE_ITF);
}

Config *scope_materialize(const struct scope *sc, const struct cand *c,
			  const struct ct_node *running)
{
	const ProtobufCFieldDescriptor *fi = field_named(&config__descriptor, "interface");
	struct ct_node *out = ct_root_new(&config__descriptor);
	char *prefix[MAX_DEPTH];
	bool itf = false;
	Config *cfg;

	copy_marked(sc->paths, prefix, 0, out, c, running);
	for (const struct ct_node *k = ct_first(sc->paths, fi); k; k = k->next) {
		if (k->key == NULL && (k->flags & SCOPE_WHOLE)) {
			itf = false;          /* all of them are in already */
			break;
		}
		if (k->key && (k->flags & SCOPE_ITF))
			itf = true;
	}
	/* The touched interfaces and their partners, in the list's order
	 * (check_overlaps names the later address of a pair first). */
	if (itf)
		cand_copy_list_if(out, c, running, fi, picked, sc->paths);
	cfg = (Config *)ct_materialize(out);
	ct_free(out);
	return cfg;
}
