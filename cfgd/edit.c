/*
 * edit.c: SET/DELETE on a Config through the protobuf-c descriptors.
 *
 * SET merges a value: singular messages merge field by field (created when
 * absent), present scalars, strings and bytes overwrite, repeated message
 * fields are keyed lists (the element's first field, a string, compared
 * case-insensitively): an element merges into the one with the same key or
 * is appended; repeated scalars are replaced whole.
 *
 * DELETE removes what a path names.  A singular message left empty by a
 * DELETE below it is removed too (an empty `system {}` carries nothing, and
 * keeping it would make the candidate differ from a running that never had
 * it); so `undo` of a message with meaning in its mere presence (refclock
 * master) must delete the message itself, which is what the CLI does.  So
 * is a list element left with its key alone by a DELETE of one of its
 * fields or singular messages (`undo ip address` in an interface that had
 * nothing else: no command makes an interface by its name alone), but not
 * by a DELETE of an element of a list of its own (`undo rule 5` leaves
 * `acl number 2000`, which the operator made).  This copy cannot tell how
 * an element came to be; cfgd/cand.c, which can, keeps too an element
 * running has or one set by its key alone.
 *
 * All storage is malloc'd in the shape protobuf_c_message_unpack() produces
 * with the default allocator, so protobuf_c_message_free_unpacked(m, NULL)
 * frees edited messages.  Oneof fields are not used by the schema and are
 * refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "edit.h"
#include "log.h"
#include "pbreflect.h"


ProtobufCMessage *edit_msg_dup(const ProtobufCMessage *m)
{
	return pbr_msg_dup(m);
}

Config *config_new_empty(void)
{
	return (Config *)pbr_msg_new(&config__descriptor);
}

Config *config_dup(const Config *c)
{
	Config *copy;

	if (c == NULL)
		return config_new_empty();
	copy = (Config *)edit_msg_dup(&c->base);
	if (copy == NULL)
		fatal("cfgd: a configuration could not be copied");
	return copy;
}

/* Index of the element with this key in list field f of m, or -1. */
static long list_find(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		      const char *key)
{
	size_t n = PBR_CMEMBER(m, f->quantifier_offset, size_t);
	ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

	for (size_t i = 0; i < n; i++) {
		const char *k = pbr_elem_key(arr[i]);

		if (k && strcasecmp(k, key) == 0)
			return (long)i;
	}
	return -1;
}

static void list_remove(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, size_t idx)
{
	size_t *n = &PBR_MEMBER(m, f->quantifier_offset, size_t);
	ProtobufCMessage **arr = PBR_MEMBER(m, f->offset, ProtobufCMessage **);

	protobuf_c_message_free_unpacked(arr[idx], NULL);
	memmove(&arr[idx], &arr[idx + 1], (*n - idx - 1) * sizeof(*arr));
	(*n)--;
	if (*n == 0) {
		free(arr);
		PBR_MEMBER(m, f->offset, void *) = NULL;
	}
}

static int msg_merge(ProtobufCMessage *dst, const ProtobufCMessage *src, bool keep_key,
		     char *err, size_t errlen);

/* dst's elements sorted by key, for merging many elements at once (a
 * paste of thousands of interfaces): index i of dst's list in v[k].i. */
struct key_index {
	struct { const char *key; size_t i; } *v;
	size_t n;
};

static int key_index_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return strcasecmp(x, y);
}

static void key_index_build(struct key_index *ix, const ProtobufCMessage *m,
			    const ProtobufCFieldDescriptor *f)
{
	size_t n = PBR_CMEMBER(m, f->quantifier_offset, size_t);
	ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

	ix->v = xcalloc(n ? n : 1, sizeof(*ix->v));
	ix->n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *k = pbr_elem_key(arr[i]);

		if (k) {
			ix->v[ix->n].key = k;
			ix->v[ix->n++].i = i;
		}
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), key_index_cmp);
}

/* The first element of dst with key (list_find's answer): in the index for
 * the elements it holds, else among those appended since it was built. */
static long key_index_find(const struct key_index *ix, size_t indexed, const ProtobufCMessage *m,
			   const ProtobufCFieldDescriptor *f, const char *key)
{
	size_t lo = 0, hi = ix->n, n = PBR_CMEMBER(m, f->quantifier_offset, size_t);
	ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);
	long best = -1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(ix->v[mid].key, key);

		if (c < 0) {
			lo = mid + 1;
		} else {
			if (c == 0 && (best < 0 || ix->v[mid].i < (size_t)best))
				best = (long)ix->v[mid].i;
			hi = mid;
		}
	}
	for (size_t k = lo; best >= 0 && k < ix->n && strcasecmp(ix->v[k].key, key) == 0; k++)
		if ((long)ix->v[k].i < best)
			best = (long)ix->v[k].i;
	if (best >= 0)
		return best;
	for (size_t i = indexed; i < n; i++) {
		const char *k = pbr_elem_key(arr[i]);

		if (k && strcasecmp(k, key) == 0)
			return (long)i;
	}
	return -1;
}

/* Above this many elements to merge, dst's keys are indexed first. */
#define LIST_MERGE_INDEX_MIN 8

static int list_merge(ProtobufCMessage *dst, const ProtobufCMessage *src,
		      const ProtobufCFieldDescriptor *f, char *err, size_t errlen)
{
	size_t n = PBR_CMEMBER(src, f->quantifier_offset, size_t);
	ProtobufCMessage *const *items = PBR_CMEMBER(src, f->offset, ProtobufCMessage *const *);
	struct key_index ix = { NULL, 0 };
	size_t indexed = PBR_CMEMBER(dst, f->quantifier_offset, size_t);

	if (n > LIST_MERGE_INDEX_MIN)
		key_index_build(&ix, dst, f);
	for (size_t i = 0; i < n; i++) {
		const char *key = pbr_elem_key(items[i]);
		long at;

		if (key == NULL || *key == '\0') {
			snprintf(err, errlen, "An element of '%s' has no key.", f->name);
			free(ix.v);
			return -EINVAL;
		}
		at = ix.v ? key_index_find(&ix, indexed, dst, f, key) : list_find(dst, f, key);
		if (at >= 0) {
			ProtobufCMessage **arr = PBR_MEMBER(dst, f->offset, ProtobufCMessage **);
			int rc = msg_merge(arr[at], items[i], true, err, errlen);

			if (rc < 0) {
				free(ix.v);
				return rc;
			}
		} else {
			size_t *cnt = &PBR_MEMBER(dst, f->quantifier_offset, size_t);
			ProtobufCMessage **arr = PBR_MEMBER(dst, f->offset, ProtobufCMessage **);

			arr = xrealloc(arr, (*cnt + 1) * sizeof(*arr));
			pbr_value_copy(f, &arr[*cnt], &items[i]);
			(*cnt)++;
			PBR_MEMBER(dst, f->offset, ProtobufCMessage **) = arr;
		}
	}
	free(ix.v);
	return 0;
}

/* Merge src into dst.  keep_key: dst is a list element matched by key, whose
 * own spelling of the key stays. */
static int msg_merge(ProtobufCMessage *dst, const ProtobufCMessage *src, bool keep_key,
		     char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = src->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		int rc;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			snprintf(err, errlen, "The field '%s' cannot be edited.", f->name);
			return -EINVAL;
		}
		if (!pbr_field_present(src, f) || (keep_key && i == 0))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				if (!pbr_keyed_list(f)) {
					snprintf(err, errlen, "The list '%s' has no key.", f->name);
					return -EINVAL;
				}
				rc = list_merge(dst, src, f, err, errlen);
				if (rc < 0)
					return rc;
			} else {
				size_t n = PBR_CMEMBER(src, f->quantifier_offset, size_t);
				const uint8_t *sarr = PBR_CMEMBER(src, f->offset, const uint8_t *);
				size_t sz = pbr_value_size(f->type);
				uint8_t *arr = xcalloc(n, sz);

				for (size_t k = 0; k < n; k++)
					pbr_value_copy(f, arr + k * sz, sarr + k * sz);
				pbr_field_clear(dst, f);
				PBR_MEMBER(dst, f->offset, uint8_t *) = arr;
				PBR_MEMBER(dst, f->quantifier_offset, size_t) = n;
			}
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			ProtobufCMessage **sub = &PBR_MEMBER(dst, f->offset, ProtobufCMessage *);

			if (*sub == NULL)
				*sub = pbr_msg_new(f->descriptor);
			rc = msg_merge(*sub, PBR_CMEMBER(src, f->offset, ProtobufCMessage *), false, err,
				       errlen);
			if (rc < 0)
				return rc;
		} else {
			pbr_field_clear(dst, f);
			pbr_value_copy(f, (uint8_t *)dst + f->offset, (const uint8_t *)src + f->offset);
			/* Optional strings have no has_ flag (NULL is absent). */
			if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING)
				PBR_MEMBER(dst, f->quantifier_offset, protobuf_c_boolean) = 1;
		}
	}
	return 0;
}

static void path_text(char *const *path, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		int w = snprintf(buf + off, len - off, "%s%s", i ? " " : "", path[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int edit_check_path(char *const *path, size_t n, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor *d = &config__descriptor;
	char text[256];
	size_t i = 0;

	path_text(path, n, text, sizeof(text));
	if (n == 0) {
		snprintf(err, errlen, "The configuration path is empty.");
		return -EINVAL;
	}
	while (i < n) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(d, path[i]);

		if (f == NULL || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)) {
			snprintf(err, errlen, "The configuration path '%s' is unknown.", text);
			return -EINVAL;
		}
		if (i == n - 1) {
			if (f->label == PROTOBUF_C_LABEL_REQUIRED) {
				snprintf(err, errlen, "The configuration path '%s' names a "
					 "required field, which cannot be deleted.", text);
				return -EINVAL;
			}
			return 0;
		}
		if (pbr_keyed_list(f)) {
			if (i + 1 == n - 1)
				return 0;
			d = f->descriptor;
			i += 2;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			   f->label != PROTOBUF_C_LABEL_REPEATED) {
			d = f->descriptor;
			i++;
		} else {
			snprintf(err, errlen, "The configuration path '%s' is unknown.", text);
			return -EINVAL;
		}
	}
	return 0;
}

/* Whether list element m holds nothing but its key. */
static bool elem_key_only(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 1; i < d->n_fields; i++)
		if (pbr_field_present(m, &d->fields[i]))
			return false;
	return true;
}

/* Delete path[i..n) below m (the path is known valid).  Sets *removed when
 * something was there.  Prunes singular messages emptied by the removal. */
static void msg_delete(ProtobufCMessage *m, char *const *path, size_t n, size_t i, bool *removed)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, path[i]);

	if (i == n - 1) {
		if (pbr_field_present(m, f)) {
			pbr_field_clear(m, f);
			*removed = true;
		}
		return;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		long at = list_find(m, f, path[i + 1]);
		ProtobufCMessage **arr = PBR_MEMBER(m, f->offset, ProtobufCMessage **);

		if (at < 0)
			return;
		if (i + 1 == n - 1) {
			list_remove(m, f, (size_t)at);
			*removed = true;
			return;
		}
		msg_delete(arr[at], path, n, i + 2, removed);
		if (*removed && !pbr_keyed_list(protobuf_c_message_descriptor_get_field_by_name(
					arr[at]->descriptor, path[i + 2])) &&
		    elem_key_only(arr[at]))
			list_remove(m, f, (size_t)at);
		return;
	}
	ProtobufCMessage *sub = PBR_MEMBER(m, f->offset, ProtobufCMessage *);

	if (sub == NULL)
		return;
	msg_delete(sub, path, n, i + 1, removed);
	if (*removed && pbr_msg_is_empty(sub))
		pbr_field_clear(m, f);
}

int edit_apply(Config **cand, const Edit *e, char *err, size_t errlen)
{
	Config *work;
	int rc = 0;

	if (e->op == EDIT__OP__SET) {
		if (e->value == NULL) {
			snprintf(err, errlen, "The edit has no value to set.");
			return -EINVAL;
		}
		work = config_dup(*cand);
		rc = msg_merge(&work->base, &e->value->base, false, err, errlen);
	} else if (e->op == EDIT__OP__DELETE) {
		bool removed = false;

		rc = edit_check_path(e->path, e->n_path, err, errlen);
		if (rc < 0)
			return rc;
		work = config_dup(*cand);
		msg_delete(&work->base, e->path, e->n_path, 0, &removed);
	} else {
		snprintf(err, errlen, "The edit operation is unknown.");
		return -EINVAL;
	}
	if (rc < 0) {
		config__free_unpacked(work, NULL);
		return rc;
	}
	if (*cand)
		config__free_unpacked(*cand, NULL);
	*cand = work;
	return 0;
}

/* ---- path sets ---- */

void edit_pathset_add(struct edit_pathset *ps, char *const *comp, size_t n)
{
	for (size_t i = 0; i < ps->n; i++) {
		size_t k;

		if (ps->v[i].n != n)
			continue;
		for (k = 0; k < n; k++)
			if (strcasecmp(ps->v[i].comp[k], comp[k]) != 0)
				break;
		if (k == n)
			return;
	}
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof(*ps->v));
	ps->v[ps->n].comp = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t k = 0; k < n; k++)
		ps->v[ps->n].comp[k] = xstrdup(comp[k]);
	ps->v[ps->n].n = n;
	ps->n++;
}

void edit_pathset_free(struct edit_pathset *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		for (size_t k = 0; k < ps->v[i].n; k++)
			free(ps->v[i].comp[k]);
		free(ps->v[i].comp);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

#define MAX_DEPTH 16

static void collect(const ProtobufCMessage *m, char **prefix, size_t depth,
		    struct edit_pathset *ps)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (depth + 2 > MAX_DEPTH)
		return;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!pbr_field_present(m, f))
			continue;
		prefix[depth] = (char *)f->name;
		if (pbr_keyed_list(f)) {
			size_t n = PBR_CMEMBER(m, f->quantifier_offset, size_t);
			ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

			for (size_t k = 0; k < n; k++) {
				const char *key = pbr_elem_key(arr[k]);

				if (key == NULL)
					continue;
				prefix[depth + 1] = (char *)key;
				edit_pathset_add(ps, prefix, depth + 2);
			}
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			   f->label != PROTOBUF_C_LABEL_REPEATED) {
			const ProtobufCMessage *sub = PBR_CMEMBER(m, f->offset, const ProtobufCMessage *);

			if (pbr_msg_is_empty(sub))
				edit_pathset_add(ps, prefix, depth + 1);
			else
				collect(sub, prefix, depth + 1, ps);
		} else {
			edit_pathset_add(ps, prefix, depth + 1);
		}
	}
}

void edit_paths_collect(const Edit *e, struct edit_pathset *ps)
{
	char *prefix[MAX_DEPTH];

	if (e->op == EDIT__OP__DELETE)
		edit_pathset_add(ps, e->path, e->n_path);
	else if (e->value)
		collect(&e->value->base, prefix, 0, ps);
}

/* ---- comparisons ---- */


bool config_equal(const Config *a, const Config *b)
{
	Config empty = CONFIG__INIT;

	return pbr_msg_equal(a ? &a->base : &empty.base, b ? &b->base : &empty.base);
}

/* Pack field f of m alone: a shallow message of the same type holding only
 * that field's storage (borrowed, never freed). */
static uint8_t *pack_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			   size_t *len)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *shallow = xmalloc(d->sizeof_message);
	uint8_t *buf;

	d->message_init(shallow);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		PBR_MEMBER(shallow, f->quantifier_offset, size_t) = PBR_CMEMBER(m, f->quantifier_offset, size_t);
		PBR_MEMBER(shallow, f->offset, void *) = PBR_CMEMBER(m, f->offset, void *);
	} else {
		memcpy((uint8_t *)shallow + f->offset, (const uint8_t *)m + f->offset,
		       pbr_value_size(f->type));
		if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
		    f->type != PROTOBUF_C_TYPE_STRING)
			PBR_MEMBER(shallow, f->quantifier_offset, protobuf_c_boolean) =
				PBR_CMEMBER(m, f->quantifier_offset, protobuf_c_boolean);
	}
	buf = pbr_pack(shallow, len);
	free(shallow);
	return buf;
}

size_t config_changed_subtrees(const Config *a, const Config *b, const char **names, size_t max)
{
	Config empty = CONFIG__INIT;
	const ProtobufCMessage *ma = a ? &a->base : &empty.base;
	const ProtobufCMessage *mb = b ? &b->base : &empty.base;
	size_t n = 0;

	for (unsigned i = 0; i < config__descriptor.n_fields && n < max; i++) {
		const ProtobufCFieldDescriptor *f = &config__descriptor.fields[i];
		size_t la, lb;
		uint8_t *pa = pack_field(ma, f, &la), *pb = pack_field(mb, f, &lb);

		if (la != lb || memcmp(pa, pb, la) != 0)
			names[n++] = f->name;
		free(pa);
		free(pb);
	}
	return n;
}

int config_subtree(const Config *c, char *const *path, size_t n, uint8_t **buf, size_t *len)
{
	const ProtobufCMessage *m = c ? &c->base : NULL;
	const ProtobufCMessageDescriptor *d = &config__descriptor;
	size_t i = 0;

	*buf = NULL;
	*len = 0;
	while (i < n) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(d, path[i]);

		if (f == NULL)
			return -EINVAL;
		if (i == n - 1) {
			if (m && pbr_field_present(m, f))
				*buf = pack_field(m, f, len);
			return 0;
		}
		if (pbr_keyed_list(f)) {
			long at = m ? list_find(m, f, path[i + 1]) : -1;
			const ProtobufCMessage *e = NULL;

			if (at >= 0)
				e = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *)[at];
			if (i + 1 == n - 1) {
				if (e)
					*buf = pbr_pack(e, len);
				return 0;
			}
			m = e;
			d = f->descriptor;
			i += 2;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE &&
			   f->label != PROTOBUF_C_LABEL_REPEATED) {
			m = m ? PBR_CMEMBER(m, f->offset, const ProtobufCMessage *) : NULL;
			d = f->descriptor;
			i++;
		} else {
			return -EINVAL;
		}
	}
	if (m)
		*buf = pbr_pack(m, len);
	return 0;
}

bool config_subtree_equal(const Config *a, const Config *b, char *const *path, size_t n)
{
	uint8_t *pa, *pb;
	size_t la, lb;
	bool eq;

	if (config_subtree(a, path, n, &pa, &la) < 0)
		return true;
	if (config_subtree(b, path, n, &pb, &lb) < 0) {
		free(pa);
		return true;
	}
	eq = la == lb && (la == 0 || memcmp(pa, pb, la) == 0);
	free(pa);
	free(pb);
	return eq;
}
