/*
 * cfgtree.c: the indexed configuration tree (see cfgtree.h).
 *
 * Children of a node live in one hash table keyed by (field id, key folded
 * to lower case), chained through ct_node.hnext and doubled when it holds
 * as many entries as buckets, and in one doubly linked list per child field
 * for order.  Lookups compare keys with strcasecmp, as the configuration's
 * lists always have, once the hash (kept in the node, so growing the table
 * or unlinking a node never hashes a key again) matches.  A node and its
 * key are one allocation.  Loading a list whose size is known (ct_adopt,
 * ct_load) sizes the table for it first.
 *
 * An arena (ct_arena_new) is a list of mmap'd blocks, each twice the size
 * of the one before (from 256 KiB; those of 2 MiB and more asked to be
 * huge pages), carved 8 bytes aligned; it counts the nodes and owns carved
 * from it, plus its creator's hold, and unmaps its blocks when that count
 * drops to zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "cfgtree.h"
#include "log.h"
#include "pbreflect.h"

struct ct_list {
	struct ct_node *head, *tail;
};

struct ct_kids {
	struct ct_node **bucket;
	size_t nbucket, n;
	struct ct_list *lists;      /* one per field of the node's descriptor */
};

/* ---- arenas ---- */

#define ARENA_FIRST_BLOCK (256u << 10)
#define ARENA_MAX_BLOCK (64u << 20)
#define ARENA_HUGE (2u << 20)

struct arena_block {
	struct arena_block *next;
	size_t size;
};

struct ct_arena {
	struct arena_block *blocks;
	uint8_t *next, *end;
	size_t block_size;          /* of the next block */
	size_t refs;
	ProtobufCAllocator pbc;
};

static void arena_grow(struct ct_arena *a, size_t need)
{
	size_t size = a->block_size;
	struct arena_block *b;

	while (size < need + sizeof(*b))
		size *= 2;
	b = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		fatal("cannot map %zu bytes for the configuration", size);
	if (size >= ARENA_HUGE)
		(void)madvise(b, size, MADV_HUGEPAGE);   /* a hint: fine if refused */
	b->next = a->blocks;
	b->size = size;
	a->blocks = b;
	a->next = (uint8_t *)(b + 1);
	a->end = (uint8_t *)b + size;
	if (a->block_size < ARENA_MAX_BLOCK)
		a->block_size *= 2;
}

/* size bytes from a, zeroed (fresh mappings are). */
static void *arena_alloc(void *data, size_t size)
{
	struct ct_arena *a = data;
	void *p;

	size = (size + 7) & ~(size_t)7;
	if ((size_t)(a->end - a->next) < size)
		arena_grow(a, size);
	p = a->next;
	a->next += size;
	return p;
}

static void arena_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

struct ct_arena *ct_arena_new(void)
{
	struct ct_arena *a = xcalloc(1, sizeof(*a));

	a->block_size = ARENA_FIRST_BLOCK;
	a->refs = 1;
	a->pbc.alloc = arena_alloc;
	a->pbc.free = arena_free;
	a->pbc.allocator_data = a;
	return a;
}

ProtobufCAllocator *ct_arena_allocator(struct ct_arena *a)
{
	return &a->pbc;
}

static void arena_unref(struct ct_arena *a)
{
	if (--a->refs > 0)
		return;
	while (a->blocks) {
		struct arena_block *b = a->blocks;

		a->blocks = b->next;
		munmap(b, b->size);
	}
	free(a);
}

void ct_arena_release(struct ct_arena *a)
{
	if (a)
		arena_unref(a);
}

/* ---- nodes ---- */

bool ct_child_field(const ProtobufCFieldDescriptor *f)
{
	if (f->type != PROTOBUF_C_TYPE_MESSAGE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
		return false;
	return f->label != PROTOBUF_C_LABEL_REPEATED || pbr_keyed_list(f);
}

static size_t field_index(const struct ct_node *n, const ProtobufCFieldDescriptor *f)
{
	return (size_t)(f - n->desc->fields);
}

static uint32_t hash_of(const ProtobufCFieldDescriptor *f, const char *key)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)f->id;

	h *= 1099511628211ull;
	for (const unsigned char *p = (const unsigned char *)key; p && *p; p++) {
		/* ASCII folding, as strcasecmp does in the C locale cfgd runs in. */
		h ^= (uint64_t)(*p >= 'A' && *p <= 'Z' ? *p + ('a' - 'A') : *p);
		h *= 1099511628211ull;
	}
	return (uint32_t)(h ^ h >> 32);
}

static bool key_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcasecmp(a, b) == 0;
}

struct ct_node *ct_root_new(const ProtobufCMessageDescriptor *d)
{
	struct ct_node *n = xcalloc(1, sizeof(*n));

	n->desc = d;
	n->state = CT_SET;
	n->own = pbr_msg_new(d);
	return n;
}

static void node_free_below(struct ct_node *n)
{
	if (n->kids) {
		for (size_t i = 0; i < n->desc->n_fields; i++) {
			struct ct_node *c = n->kids->lists[i].head, *next;

			for (; c; c = next) {
				next = c->next;
				node_free_below(c);
			}
		}
		free(n->kids->bucket);
		free(n->kids->lists);
		free(n->kids);
	}
	if (n->own && n->own_in_arena)
		arena_unref(n->arena);
	else if (n->own)
		protobuf_c_message_free_unpacked(n->own, NULL);
	free(n->anchor);
	if (n->node_in_arena)
		arena_unref(n->arena);
	else
		free(n);
}

static void unlink_child(struct ct_node *c)
{
	struct ct_node *p = c->parent;
	struct ct_kids *k = p->kids;
	struct ct_list *l = &k->lists[field_index(p, c->field)];
	struct ct_node **pp = &k->bucket[c->hash & (k->nbucket - 1)];

	while (*pp != c)
		pp = &(*pp)->hnext;
	*pp = c->hnext;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	k->n--;
	c->parent = NULL;
}

void ct_free(struct ct_node *n)
{
	if (n == NULL)
		return;
	if (n->parent)
		unlink_child(n);
	node_free_below(n);
}

/* The child of n in field f with key, whose hash_of is h. */
static struct ct_node *child_find(const struct ct_node *n, const ProtobufCFieldDescriptor *f,
				  const char *key, uint32_t h)
{
	const struct ct_kids *k = n->kids;

	if (k == NULL)
		return NULL;
	for (struct ct_node *c = k->bucket[h & (k->nbucket - 1)]; c; c = c->hnext)
		if (c->hash == h && c->field == f && key_eq(c->key, key))
			return c;
	return NULL;
}

struct ct_node *ct_child(const struct ct_node *n, const ProtobufCFieldDescriptor *f,
			 const char *key)
{
	return n->kids ? child_find(n, f, key, hash_of(f, key)) : NULL;
}

static void rehash(struct ct_kids *k, size_t nbucket)
{
	struct ct_node **b = xcalloc(nbucket, sizeof(*b));

	for (size_t i = 0; i < k->nbucket; i++) {
		for (struct ct_node *c = k->bucket[i], *next; c; c = next) {
			size_t h = c->hash & (nbucket - 1);

			next = c->hnext;
			c->hnext = b[h];
			b[h] = c;
		}
	}
	free(k->bucket);
	k->bucket = b;
	k->nbucket = nbucket;
}

/* Make room in n's table for `more` children beyond those it has, at
 * once (a load of a list of known size grows it once, not log2(n) times). */
static void kids_reserve(struct ct_node *n, size_t more)
{
	struct ct_kids *k = n->kids;
	size_t want;

	if (k == NULL) {
		k = n->kids = xcalloc(1, sizeof(*k));
		k->lists = xcalloc(n->desc->n_fields, sizeof(*k->lists));
		k->nbucket = 4;
		k->bucket = xcalloc(k->nbucket, sizeof(*k->bucket));
	}
	for (want = k->nbucket; want < k->n + more; want *= 2)
		;
	if (want != k->nbucket)
		rehash(k, want);
}

/* ct_child_insert with the key's hash_of known, after `after` (NULL:
 * first); the node carved from arena when not NULL. */
static struct ct_node *child_insert(struct ct_node *n, const ProtobufCFieldDescriptor *f,
				    const char *key, uint32_t hash, struct ct_arena *arena,
				    struct ct_node *after)
{
	size_t klen = key ? strlen(key) + 1 : 0;
	struct ct_node *c = arena ? arena_alloc(arena, sizeof(*c) + klen)
				  : xcalloc(1, sizeof(*c) + klen);
	struct ct_kids *k;
	struct ct_list *l;
	size_t h;

	kids_reserve(n, 1);
	k = n->kids;
	c->desc = f->descriptor;
	c->parent = n;
	c->field = f;
	if (key) {
		c->key = (char *)(c + 1);
		memcpy(c->key, key, klen);
	}
	c->hash = hash;
	if (arena) {
		c->arena = arena;
		c->node_in_arena = true;
		arena->refs++;
	}
	h = hash & (k->nbucket - 1);
	c->hnext = k->bucket[h];
	k->bucket[h] = c;
	l = &k->lists[field_index(n, f)];
	c->prev = after;
	c->next = after ? after->next : l->head;
	if (c->next)
		c->next->prev = c;
	else
		l->tail = c;
	if (after)
		after->next = c;
	else
		l->head = c;
	k->n++;
	return c;
}

/* child_insert at the end of its list. */
static struct ct_node *child_add(struct ct_node *n, const ProtobufCFieldDescriptor *f,
				 const char *key, uint32_t hash, struct ct_arena *arena)
{
	struct ct_node *tail = n->kids ? n->kids->lists[field_index(n, f)].tail : NULL;

	return child_insert(n, f, key, hash, arena, tail);
}

struct ct_node *ct_child_add(struct ct_node *n, const ProtobufCFieldDescriptor *f,
			     const char *key)
{
	return child_add(n, f, key, hash_of(f, key), NULL);
}

struct ct_node *ct_child_insert(struct ct_node *n, const ProtobufCFieldDescriptor *f,
				const char *key, struct ct_node *after)
{
	return child_insert(n, f, key, hash_of(f, key), NULL, after);
}

struct ct_node *ct_first(const struct ct_node *n, const ProtobufCFieldDescriptor *f)
{
	return n->kids ? n->kids->lists[field_index(n, f)].head : NULL;
}

bool ct_has_children(const struct ct_node *n)
{
	return n->kids && n->kids->n > 0;
}

ProtobufCMessage *ct_own_of(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *own = pbr_msg_new(d);

	for (unsigned i = 0; i < d->n_fields; i++)
		if (!ct_child_field(&d->fields[i]))
			pbr_field_copy(own, m, &d->fields[i]);
	return own;
}

void ct_set_own(struct ct_node *n, ProtobufCMessage *own)
{
	if (n->own && n->own_in_arena)
		arena_unref(n->arena);
	else if (n->own)
		protobuf_c_message_free_unpacked(n->own, NULL);
	n->own = own;
	n->own_in_arena = false;
}

/* n's own becomes own, carved from arena (a message n's arena holds). */
static void set_own_arena(struct ct_node *n, ProtobufCMessage *own, struct ct_arena *arena)
{
	ct_set_own(n, own);
	if (arena == NULL)
		return;
	n->arena = arena;
	n->own_in_arena = true;
	arena->refs++;
}

void ct_touch(struct ct_node *n, uint64_t v)
{
	n->changed = v;
	for (; n; n = n->parent)
		n->sub_changed = v;
}

static void load_below(struct ct_node *node, const ProtobufCMessage *m, uint64_t v)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f) || !pbr_field_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t cnt = pbr_repeated_count(m, f);
			ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

			kids_reserve(node, cnt);
			for (size_t k = 0; k < cnt; k++) {
				const char *key = pbr_elem_key(arr[k]);
				struct ct_node *c;
				uint32_t h;

				if (key == NULL || child_find(node, f, key, h = hash_of(f, key)))
					continue;   /* no key, or a duplicate: not representable */
				c = child_add(node, f, key, h, NULL);
				c->state = CT_SET;
				c->own = ct_own_of(arr[k]);
				c->changed = c->sub_changed = v;
				load_below(c, arr[k], v);
			}
		} else {
			const ProtobufCMessage *sub = PBR_CMEMBER(m, f->offset, const ProtobufCMessage *);
			struct ct_node *c = ct_child_add(node, f, NULL);

			c->state = CT_SET;
			c->own = ct_own_of(sub);
			c->changed = c->sub_changed = v;
			load_below(c, sub, v);
		}
	}
}

/* Make m's children nodes below node, taking their messages as the nodes'
 * own (m's child fields are left empty); m is arena's when not NULL, and
 * the nodes are carved from it. */
static void adopt_below(struct ct_node *node, ProtobufCMessage *m, uint64_t v,
			struct ct_arena *arena)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f) || !pbr_field_present(m, f))
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			ProtobufCMessage *sub = PBR_MEMBER(m, f->offset, ProtobufCMessage *);
			struct ct_node *c = child_add(node, f, NULL, hash_of(f, NULL), arena);

			PBR_MEMBER(m, f->offset, ProtobufCMessage *) = NULL;
			adopt_below(c, sub, v, arena);
			c->state = CT_SET;
			set_own_arena(c, sub, arena);
			c->changed = c->sub_changed = v;
			continue;
		}
		size_t cnt = pbr_repeated_count(m, f);
		ProtobufCMessage **arr = PBR_MEMBER(m, f->offset, ProtobufCMessage **);

		PBR_MEMBER(m, f->offset, ProtobufCMessage **) = NULL;
		PBR_MEMBER(m, f->quantifier_offset, size_t) = 0;
		kids_reserve(node, cnt);
		for (size_t k = 0; k < cnt; k++) {
			const char *key = pbr_elem_key(arr[k]);
			struct ct_node *c;
			uint32_t h;

			if (key == NULL || child_find(node, f, key, h = hash_of(f, key))) {
				/* no key, or a duplicate: not representable */
				if (arena == NULL)
					protobuf_c_message_free_unpacked(arr[k], NULL);
				continue;
			}
			c = child_add(node, f, key, h, arena);
			adopt_below(c, arr[k], v, arena);
			c->state = CT_SET;
			set_own_arena(c, arr[k], arena);
			c->changed = c->sub_changed = v;
		}
		if (arena == NULL)
			free(arr);
	}
}

void ct_adopt(struct ct_node *root, ProtobufCMessage *m, uint64_t v)
{
	adopt_below(root, m, v, NULL);
	ct_set_own(root, m);
	root->changed = root->sub_changed = v;
}

void ct_adopt_arena(struct ct_node *root, ProtobufCMessage *m, uint64_t v, struct ct_arena *a)
{
	adopt_below(root, m, v, a);
	set_own_arena(root, m, a);
	root->changed = root->sub_changed = v;
}

void ct_load(struct ct_node *root, const ProtobufCMessage *m, uint64_t v)
{
	ct_set_own(root, ct_own_of(m));
	root->changed = root->sub_changed = v;
	load_below(root, m, v);
}

/* Move c to the end of its field's order. */
static void move_last(struct ct_node *c)
{
	struct ct_node *p = c->parent;
	struct ct_list *l = &p->kids->lists[field_index(p, c->field)];

	if (l->tail == c)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	c->next->prev = c->prev;
	c->prev = l->tail;
	c->next = NULL;
	l->tail->next = c;
	l->tail = c;
}

/* A mark for ct_sync's walk (flags bits 24-31 are cfgtree's own). */
#define CT_MARK (1u << 31)

/* sub_changed v on n and its ancestors (something below n changed). */
static void touch_sub(struct ct_node *n, uint64_t v)
{
	for (; n; n = n->parent)
		n->sub_changed = v;
}

static struct ct_node *add_loaded(struct ct_node *node, const ProtobufCFieldDescriptor *f,
				  const char *key, const ProtobufCMessage *sub, uint64_t v)
{
	struct ct_node *c = ct_child_add(node, f, key);

	c->state = CT_SET;
	c->own = ct_own_of(sub);
	load_below(c, sub, v);
	ct_touch(c, v);
	return c;
}

static size_t sync_node(struct ct_node *node, const ProtobufCMessage *m, uint64_t v)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *own = ct_own_of(m);
	size_t changes = 0;

	if (!pbr_msg_equal(node->own, own)) {
		ct_set_own(node, own);
		ct_touch(node, v);
		changes++;
	} else {
		protobuf_c_message_free_unpacked(own, NULL);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		bool present = pbr_field_present(m, f);

		if (!ct_child_field(f))
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			const ProtobufCMessage *sub = PBR_CMEMBER(m, f->offset, const ProtobufCMessage *);
			struct ct_node *c = ct_child(node, f, NULL);

			if (present && c) {
				changes += sync_node(c, sub, v);
			} else if (present) {
				add_loaded(node, f, NULL, sub, v);
				changes++;
			} else if (c) {
				ct_free(c);
				touch_sub(node, v);
				changes++;
			}
			continue;
		}
		size_t cnt = pbr_repeated_count(m, f), marked = 0;
		ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

		for (size_t k = 0; k < cnt; k++) {
			const char *key = pbr_elem_key(arr[k]);
			struct ct_node *c;

			if (key == NULL)
				continue;
			c = ct_child(node, f, key);
			if (c && (c->flags & CT_MARK))
				continue;   /* a duplicate key: the first one stands */
			if (c) {
				changes += sync_node(c, arr[k], v);
				if (c->next) {
					move_last(c);
					touch_sub(node, v);   /* the order changed */
				}
			} else {
				c = add_loaded(node, f, key, arr[k], v);
				changes++;
			}
			c->flags |= CT_MARK;
			marked++;
		}
		/* The marked children are now the last `marked` of the field in
		 * m's order; those before them are gone from m. */
		for (struct ct_node *c = ct_first(node, f), *next; c; c = next) {
			next = c->next;
			if (c->flags & CT_MARK) {
				c->flags &= ~CT_MARK;
				continue;
			}
			ct_free(c);
			touch_sub(node, v);
			changes++;
		}
		(void)marked;
	}
	return changes;
}

size_t ct_sync(struct ct_node *root, const ProtobufCMessage *m, uint64_t v)
{
	return sync_node(root, m, v);
}

void ct_materialize_field(const struct ct_node *n, const ProtobufCFieldDescriptor *f,
			  ProtobufCMessage *m)
{
	size_t cnt = 0, k = 0;
	ProtobufCMessage **arr;

	pbr_field_clear(m, f);
	for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
		if (c->state == CT_SET)
			cnt++;
	if (cnt == 0)
		return;
	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
			if (c->state == CT_SET)
				PBR_MEMBER(m, f->offset, ProtobufCMessage *) = ct_materialize(c);
		return;
	}
	arr = xcalloc(cnt, sizeof(*arr));
	for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
		if (c->state == CT_SET)
			arr[k++] = ct_materialize(c);
	PBR_MEMBER(m, f->offset, ProtobufCMessage **) = arr;
	PBR_MEMBER(m, f->quantifier_offset, size_t) = cnt;
}

ProtobufCMessage *ct_materialize(const struct ct_node *n)
{
	const ProtobufCMessageDescriptor *d = n->desc;
	ProtobufCMessage *m = n->own ? ct_own_of(n->own) : pbr_msg_new(d);

	for (unsigned i = 0; i < d->n_fields; i++)
		if (ct_child_field(&d->fields[i]))
			ct_materialize_field(n, &d->fields[i], m);
	return m;
}

const ProtobufCMessage *ct_view(const struct ct_node *n, struct ct_arena *a)
{
	const ProtobufCMessageDescriptor *d = n->desc;
	ProtobufCMessage *m = arena_alloc(a, d->sizeof_message);

	if (n->own)
		memcpy(m, n->own, d->sizeof_message);   /* its child fields are empty */
	else
		d->message_init(m);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const ProtobufCMessage **arr;
		size_t cnt = 0, k = 0;

		if (!ct_child_field(f))
			continue;
		for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
			if (c->state == CT_SET)
				cnt++;
		if (cnt == 0)
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
				if (c->state == CT_SET)
					PBR_MEMBER(m, f->offset, const ProtobufCMessage *) = ct_view(c, a);
			continue;
		}
		arr = arena_alloc(a, cnt * sizeof(*arr));
		for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
			if (c->state == CT_SET)
				arr[k++] = ct_view(c, a);
		PBR_MEMBER(m, f->offset, const ProtobufCMessage **) = arr;
		PBR_MEMBER(m, f->quantifier_offset, size_t) = cnt;
	}
	return m;
}

int ct_path_step(const ProtobufCMessageDescriptor *d, char *const *comp, size_t n, size_t i,
		 const ProtobufCFieldDescriptor **f, const char **key)
{
	const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field_by_name(d, comp[i]);

	*f = fd;
	*key = NULL;
	if (fd == NULL || (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
		return -EINVAL;
	if (pbr_keyed_list(fd) && i + 1 < n) {
		*key = comp[i + 1];
		return 2;
	}
	return 1;
}

struct ct_node *ct_lookup(const struct ct_node *root, char *const *comp, size_t n,
			  const ProtobufCFieldDescriptor **field)
{
	const struct ct_node *node = root;

	if (field)
		*field = NULL;
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(node->desc, comp, n, i, &f, &key);

		if (step < 0)
			return NULL;
		if (!ct_child_field(f) || (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL)) {
			/* A field of the node: only as the path's last component. */
			if (i + 1 != n)
				return NULL;
			if (field)
				*field = f;
			return (struct ct_node *)node;
		}
		node = ct_child(node, f, key);
		if (node == NULL)
			return NULL;
		i += (size_t)step;
	}
	return (struct ct_node *)node;
}

char **ct_path_of(const struct ct_node *n, size_t *n_out)
{
	size_t len = 0;
	char **v;

	for (const struct ct_node *p = n; p->parent; p = p->parent)
		len += p->key ? 2 : 1;
	v = xcalloc(len ? len : 1, sizeof(*v));
	*n_out = len;
	for (const struct ct_node *p = n; p->parent; p = p->parent) {
		if (p->key)
			v[--len] = p->key;
		v[--len] = (char *)p->field->name;
	}
	return v;
}

const ProtobufCMessageDescriptor *ct_path_desc(const ProtobufCMessageDescriptor *d,
					       char *const *comp, size_t n)
{
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(d, comp, n, i, &f, &key);

		if (step < 0 || !ct_child_field(f) ||
		    (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL))
			return NULL;
		d = f->descriptor;
		i += (size_t)step;
	}
	return d;
}

int ct_put(struct ct_node *root, char *const *comp, size_t n, ProtobufCMessage *own, uint64_t v)
{
	return ct_put_at(root, comp, n, own, v, NULL);
}

int ct_put_at(struct ct_node *root, char *const *comp, size_t n, ProtobufCMessage *own,
	      uint64_t v, const char *prev)
{
	struct ct_node *node = root, *c;
	const ProtobufCFieldDescriptor *f = NULL;
	const char *key = NULL;
	size_t i = 0;
	int step = 0;

	if (n == 0) {                   /* the root: own fields only */
		if (own == NULL)
			return -EINVAL;
		ct_set_own(root, own);
		ct_touch(root, v);
		return 0;
	}
	for (;;) {
		step = ct_path_step(node->desc, comp, n, i, &f, &key);
		if (step < 0 || !ct_child_field(f) ||
		    (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL))
			goto bad;
		if (i + (size_t)step == n)
			break;
		node = ct_child(node, f, key);
		if (node == NULL) {
			if (own)
				protobuf_c_message_free_unpacked(own, NULL);
			return own ? -ENOENT : 0;
		}
		i += (size_t)step;
	}
	c = ct_child(node, f, key);
	if (own == NULL) {
		if (c) {
			ct_free(c);
			touch_sub(node, v);
		}
		return 0;
	}
	if (own->descriptor != f->descriptor)
		goto bad;
	if (c == NULL) {
		struct ct_node *after = NULL;

		if (key && prev && *prev)
			after = ct_child(node, f, prev);
		if (key && prev && (*prev == '\0' || after))
			c = ct_child_insert(node, f, key, after);
		else
			c = ct_child_add(node, f, key);
		c->state = CT_SET;
	}
	ct_set_own(c, own);
	ct_touch(c, v);
	return 0;
bad:
	if (own)
		protobuf_c_message_free_unpacked(own, NULL);
	return -EINVAL;
}
