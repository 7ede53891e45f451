/*
 * cand.c: candidates as running plus an overlay (see cand.h).
 *
 * The view: a node is in the candidate when its overlay node is CT_SET, or
 * when running has it and the overlay neither deletes it nor any ancestor
 * (descendants of a CT_DEL overlay node are never kept: deleting drops
 * them).  A node deleted and then set again is CT_SET, and the running
 * children it had get CT_DEL overlay nodes at that moment, so a CT_SET node
 * never hides running children by itself.
 *
 * SET merges a fragment top-down: a node of the fragment that sets fields
 * of its own (or is a leaf, or is new) becomes CT_SET with its current own
 * fields (candidate's, else running's) merged with the fragment's (present
 * scalars overwrite; a list element keeps its key's spelling); a node the
 * fragment only passes through on the way to its children stays as it is
 * (CT_NONE over running: never a stale copy of running's fields).
 *
 * DELETE of a node makes it CT_DEL; DELETE of a field rewrites its node's
 * own fields.  What a DELETE leaves empty goes too, upwards: a singular
 * message with no field and no child (edit.c's rule: an empty `system {}`
 * says nothing), and a list element this session made only by setting
 * something in it (CAND_MADE: `ip address` in a new interface's view) left
 * with its key alone, so `undo` of the last setting gives back running.
 * An element running has, or one set by its key alone, stays.
 *
 * Order: a list in the candidate is running's elements in running's order
 * with the elements running lacks after them, in the order the session
 * made them, unless cand_put gave one an anchor (ct_node.anchor: the
 * element it followed when a commit removed it, from a before-image): then
 * it goes right after that element, present or not (several after one
 * in the order put, each followed by those anchored to it), "" first.
 * Every walk of a list in the candidate's order goes through view_list;
 * a list without anchors costs nothing more than before, one with anchors
 * a sort of them.  cand_changes gives such elements, as it meets them in
 * that order, the key of the element now before them as anchor, which is
 * where ct_put_at puts them in running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cand.h"
#include "log.h"
#include "pbreflect.h"

#define CAND_DIFF     1u   /* differs from running */
#define CAND_EXPLICIT 2u   /* set or deleted by an edit (not only on the way) */
#define CAND_BASE     4u   /* base_* recorded */
#define CAND_ENSURE   8u   /* CT_SET only to exist (created on the way to its
			    * children): its own fields are running's when
			    * running has it, else its own (empty but the key) */
#define CAND_MADE     16u  /* a list element made by setting something in it
			    * (running lacked it): it goes again with its last
			    * setting; one set by its key alone (`acl number
			    * 2000`) was made on purpose and stays */
#define CAND_ANCHORED 32u  /* an element below has an anchor (cand_put) */
#define CAND_SEEN     64u  /* visited by view_list (while it runs) */

void cand_init(struct cand *c)
{
	c->ov = ct_root_new(&config__descriptor);
	ct_set_own(c->ov, NULL);
	c->ov->state = CT_NONE;
	c->n_diff = 0;
}

void cand_clear(struct cand *c)
{
	ct_free(c->ov);
	cand_init(c);
}

/* ---- the view ---- */

static bool present(const struct ct_node *r, const struct ct_node *o)
{
	if (o == NULL)
		return r != NULL;
	return o->state == CT_SET || (o->state == CT_NONE && r != NULL);
}

static const ProtobufCMessage *view_own(const struct ct_node *r, const struct ct_node *o)
{
	if (o && o->state == CT_SET && !((o->flags & CAND_ENSURE) && r))
		return o->own;
	return r ? r->own : NULL;
}

static bool has_present_child(const struct ct_node *r, const struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = (r ? r : o)->desc;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		for (const struct ct_node *rc = r ? ct_first(r, f) : NULL; rc; rc = rc->next)
			if (present(rc, o ? ct_child(o, f, rc->key) : NULL))
				return true;
		for (const struct ct_node *oc = o ? ct_first(o, f) : NULL; oc; oc = oc->next)
			if (oc->state == CT_SET)
				return true;
	}
	return false;
}

/* ---- a list in the candidate's order ---- */

typedef void view_fn(const struct ct_node *rc, struct ct_node *oc, void *arg);

struct anchored {
	struct ct_node *o;
	size_t order;            /* in the overlay's list: the order put */
};

struct view_walk {
	struct anchored *v;      /* the anchored new elements, by anchor */
	size_t n;
	view_fn *fn;
	void *arg;
};

static bool is_new(const struct ct_node *r, const struct ct_node *oc)
{
	return oc->state == CT_SET && !(r && ct_child(r, oc->field, oc->key));
}

static int by_anchor(const void *a, const void *b)
{
	const struct anchored *x = a, *y = b;
	int c = strcasecmp(x->o->anchor, y->o->anchor);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The first of w's anchored elements whose anchor is key or after it. */
static size_t anchored_from(const struct view_walk *w, const char *key)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcasecmp(w->v[mid].o->anchor, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Visit the new elements anchored after key, each followed by those
 * anchored after it (depth first, with a stack of its own: a rollback may
 * put back a long chain). */
static void visit_after(struct view_walk *w, const char *key)
{
	struct frame {
		size_t i;
		const char *key;
	} *st = xmalloc(sizeof(*st));
	size_t n = 1, cap = 1;

	st[0].i = anchored_from(w, key);
	st[0].key = key;
	while (n > 0) {
		struct frame *top = &st[n - 1];
		struct ct_node *oc;

		if (top->i >= w->n || strcasecmp(w->v[top->i].o->anchor, top->key) != 0) {
			n--;
			continue;
		}
		oc = w->v[top->i++].o;
		if (oc->flags & CAND_SEEN)
			continue;
		oc->flags |= CAND_SEEN;
		w->fn(NULL, oc, w->arg);
		if (n == cap)
			st = xrealloc(st, (cap *= 2) * sizeof(*st));
		st[n].i = anchored_from(w, oc->key);
		st[n].key = oc->key;
		n++;
	}
	free(st);
}

/* Call fn for each element of list field f present in the candidate
 * (running r, overlay o; either may be NULL), in the candidate's order:
 * rc the running element (NULL for one running lacks), oc the overlay's
 * (or NULL). */
static void view_list(const struct ct_node *r, struct ct_node *o, const ProtobufCFieldDescriptor *f,
		      view_fn *fn, void *arg)
{
	struct view_walk w = { NULL, 0, fn, arg };
	size_t order = 0, cap = 0;

	if (o && (o->flags & CAND_ANCHORED))
		for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next, order++)
			if (oc->anchor && is_new(r, oc)) {
				if (w.n == cap)
					w.v = xrealloc(w.v, (cap = cap ? 2 * cap : 8) * sizeof(*w.v));
				w.v[w.n].o = oc;
				w.v[w.n++].order = order;
			}
	if (w.n == 0) {
		for (const struct ct_node *rc = r ? ct_first(r, f) : NULL; rc; rc = rc->next) {
			struct ct_node *oc = o ? ct_child(o, f, rc->key) : NULL;

			if (present(rc, oc))
				fn(rc, oc, arg);
		}
		for (struct ct_node *oc = o ? ct_first(o, f) : NULL; oc; oc = oc->next)
			if (is_new(r, oc))
				fn(NULL, oc, arg);
		return;
	}
	qsort(w.v, w.n, sizeof(*w.v), by_anchor);
	visit_after(&w, "");
	for (const struct ct_node *rc = r ? ct_first(r, f) : NULL; rc; rc = rc->next) {
		struct ct_node *oc = ct_child(o, f, rc->key);

		if (present(rc, oc))
			fn(rc, oc, arg);
		visit_after(&w, rc->key);   /* present or not: its place */
	}
	/* Those without an anchor, or whose anchor is nowhere. */
	for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next) {
		if (!is_new(r, oc) || (oc->flags & CAND_SEEN))
			continue;
		oc->flags |= CAND_SEEN;
		fn(NULL, oc, arg);
		visit_after(&w, oc->key);
	}
	for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
		oc->flags &= ~CAND_SEEN;
	free(w.v);
}

/* ---- bookkeeping of one overlay node ---- */

static void record_base(struct ct_node *o, const struct ct_node *r)
{
	if (o->flags & CAND_BASE)
		return;
	o->flags |= CAND_BASE;
	o->base_present = r != NULL;
	o->base_changed = r ? r->changed : 0;
	o->base_sub = r ? r->sub_changed : 0;
}

static bool differs(const struct ct_node *o, const struct ct_node *r)
{
	switch (o->state) {
	case CT_SET:
		if (o->flags & CAND_ENSURE)
			return r == NULL;
		return r == NULL || !pbr_msg_equal(o->own, r->own);
	case CT_DEL:
		return r != NULL;
	default:
		return false;
	}
}

static void update_diff(struct cand *c, struct ct_node *o, const struct ct_node *r)
{
	bool d = differs(o, r);

	if (d && !(o->flags & CAND_DIFF)) {
		o->flags |= CAND_DIFF;
		c->n_diff++;
	} else if (!d && (o->flags & CAND_DIFF)) {
		o->flags &= ~CAND_DIFF;
		c->n_diff--;
	}
}

/* Free o's overlay children, keeping the count right. */
static void drop_children(struct cand *c, struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = o->desc;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		for (struct ct_node *oc = ct_first(o, f), *next; oc; oc = next) {
			next = oc->next;
			drop_children(c, oc);
			if (oc->flags & CAND_DIFF)
				c->n_diff--;
			ct_free(oc);
		}
	}
}

/* Make o (running counterpart r) deleted. */
static void mark_deleted(struct cand *c, struct ct_node *o, const struct ct_node *r)
{
	drop_children(c, o);
	record_base(o, r);
	ct_set_own(o, NULL);
	o->state = CT_DEL;
	o->flags = (o->flags & ~(CAND_ENSURE | CAND_MADE)) | CAND_EXPLICIT;
	update_diff(c, o, r);
}

/* The overlay child of o in f (key spelled as running has it), created on
 * the way when missing. */
static struct ct_node *ov_child(struct ct_node *o, const ProtobufCFieldDescriptor *f,
				const char *key, const struct ct_node *rc)
{
	struct ct_node *oc = ct_child(o, f, key);

	if (oc == NULL)
		oc = ct_child_add(o, f, rc ? rc->key : key);
	return oc;
}

/* ---- SET ---- */

/* Whether m has a field of its own present (the key of an element aside). */
static bool has_own_field(const ProtobufCMessage *m, bool elem)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = elem ? 1 : 0; i < d->n_fields; i++)
		if (!ct_child_field(&d->fields[i]) && pbr_field_present(m, &d->fields[i]))
			return true;
	return false;
}

static bool has_child_field(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++)
		if (ct_child_field(&d->fields[i]) && pbr_field_present(m, &d->fields[i]))
			return true;
	return false;
}

static void set_node(struct cand *c, const struct ct_node *r, struct ct_node *o,
		     const ProtobufCMessage *m, bool elem);

static void set_children(struct cand *c, const struct ct_node *r, struct ct_node *o,
			 const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f) || !pbr_field_present(m, f))
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			const struct ct_node *rc = r ? ct_child(r, f, NULL) : NULL;

			set_node(c, rc, ov_child(o, f, NULL, rc),
				 PBR_CMEMBER(m, f->offset, const ProtobufCMessage *), false);
			continue;
		}
		size_t cnt = pbr_repeated_count(m, f);
		ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);

		for (size_t k = 0; k < cnt; k++) {
			const char *key = pbr_elem_key(arr[k]);
			const struct ct_node *rc = r ? ct_child(r, f, key) : NULL;

			set_node(c, rc, ov_child(o, f, key, rc), arr[k], true);
		}
	}
}

static void set_node(struct cand *c, const struct ct_node *r, struct ct_node *o,
		     const ProtobufCMessage *m, bool elem)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	ProtobufCMessage *own;
	bool present_before;

	if (o->parent == NULL) {     /* the root: nothing of its own */
		set_children(c, r, o, m);
		return;
	}
	/* Only on the way to its children (no field of its own set, and it
	 * exists): the node keeps what running has, so another session's
	 * commit of its fields is never undone by a stale copy; its base is
	 * kept to tell a commit that it went away meanwhile. */
	if (present(r, o) && has_child_field(m) && !has_own_field(m, elem)) {
		record_base(o, r);
		set_children(c, r, o, m);
		return;
	}
	present_before = present(r, o);
	if (present_before) {
		own = ct_own_of(view_own(r, o));
		for (unsigned i = elem ? 1 : 0; i < d->n_fields; i++) {
			const ProtobufCFieldDescriptor *f = &d->fields[i];

			if (!ct_child_field(f) && pbr_field_present(m, f))
				pbr_field_copy(own, m, f);
		}
	} else {
		own = ct_own_of(m);
		if (elem && o->key) {  /* the spelling the overlay node has */
			pbr_field_clear(own, &d->fields[0]);
			PBR_MEMBER(own, d->fields[0].offset, char *) = xstrdup(o->key);
		}
		/* Set again after a delete: what running has below goes. */
		if (o->state == CT_DEL && r)
			for (unsigned i = 0; i < r->desc->n_fields; i++) {
				const ProtobufCFieldDescriptor *f = &r->desc->fields[i];

				if (!ct_child_field(f))
					continue;
				for (const struct ct_node *rc = ct_first(r, f); rc; rc = rc->next) {
					struct ct_node *oc = ct_child_add(o, f, rc->key);

					mark_deleted(c, oc, rc);
				}
			}
	}
	record_base(o, r);
	ct_set_own(o, own);
	o->state = CT_SET;
	if (!present_before && has_child_field(m) && !has_own_field(m, elem))
		o->flags |= CAND_ENSURE;   /* created only to hold its children */
	else
		o->flags = (o->flags & ~CAND_ENSURE) | CAND_EXPLICIT;
	if (elem && !has_own_field(m, true) && !has_child_field(m))
		o->flags &= ~CAND_MADE;    /* set by its key alone: on purpose */
	else if (elem && !present_before && r == NULL)
		o->flags |= CAND_MADE;
	update_diff(c, o, r);
	set_children(c, r, o, m);
}

/* ---- DELETE ---- */

/* The running node at overlay node o's path, or NULL. */
static const struct ct_node *running_at(const struct ct_node *running, const struct ct_node *o)
{
	size_t pn;
	char **pp = ct_path_of(o, &pn);
	const struct ct_node *r = ct_lookup(running, pp, pn, NULL);

	free(pp);
	return r;
}

/* Remove o (running counterpart r) if it is a singular message left with
 * no field and no child, or a list element the session made (CAND_MADE,
 * not in running) left with its key alone, then its parent, and so on up. */
static void prune(struct cand *c, const struct ct_node *running, const struct ct_node *r,
		  struct ct_node *o)
{
	while (o->parent && present(r, o)) {
		const ProtobufCMessage *own = view_own(r, o);

		if (o->key && (r || !(o->flags & CAND_MADE)))
			return;
		if (o->key ? own && has_own_field(own, true)
			   : own && !pbr_msg_is_empty(own))
			return;
		if (has_present_child(r, o))
			return;
		if (o->key) {
			/* Made here and gone again: as if never touched (a
			 * later SET spells its key afresh). */
			struct ct_node *parent = o->parent;

			drop_children(c, o);
			if (o->flags & CAND_DIFF)
				c->n_diff--;
			ct_free(o);
			o = parent;
			r = running_at(running, o);
			continue;
		}
		mark_deleted(c, o, r);
		o = o->parent;
		r = r ? r->parent : running_at(running, o);
	}
}

static int delete_path(struct cand *c, const struct ct_node *running, char *const *comp,
		       size_t n, char *err, size_t errlen)
{
	const struct ct_node *r = running;
	struct ct_node *o = c->ov;
	const ProtobufCFieldDescriptor *f = NULL;
	const char *key = NULL;
	size_t i = 0;

	/* First find it; create overlay nodes only for something present. */
	{
		const struct ct_node *rr = running, *oo = c->ov;

		for (i = 0; i < n;) {
			int step = ct_path_step(rr ? rr->desc : oo->desc, comp, n, i, &f, &key);

			if (step < 0) {
				snprintf(err, errlen, "The configuration path is unknown.");
				return -EINVAL;
			}
			if (!ct_child_field(f) || (f->label == PROTOBUF_C_LABEL_REPEATED && !key))
				break;
			rr = rr ? ct_child(rr, f, key) : NULL;
			oo = oo ? ct_child(oo, f, key) : NULL;
			if (!present(rr, oo))
				return 0;   /* deleting something absent */
			i += (size_t)step;
		}
		if (i + 1 < n) {
			snprintf(err, errlen, "The configuration path is unknown.");
			return -EINVAL;
		}
	}
	for (i = 0; i < n;) {
		int step = ct_path_step(o->desc, comp, n, i, &f, &key);
		const struct ct_node *rc;

		if (!ct_child_field(f) || (f->label == PROTOBUF_C_LABEL_REPEATED && !key))
			break;
		rc = r ? ct_child(r, f, key) : NULL;
		o = ov_child(o, f, key, rc);
		r = rc;
		i += (size_t)step;
	}
	if (i == n) {                       /* a node */
		struct ct_node *parent = o->parent;

		mark_deleted(c, o, r);
		if (parent)
			prune(c, running, r ? r->parent : running_at(running, parent), parent);
		return 0;
	}
	if (ct_child_field(f)) {            /* a whole list */
		for (const struct ct_node *rc = r ? ct_first(r, f) : NULL; rc; rc = rc->next) {
			struct ct_node *oc = ov_child(o, f, rc->key, rc);

			if (present(rc, oc))
				mark_deleted(c, oc, rc);
		}
		for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
			if (oc->state == CT_SET)
				mark_deleted(c, oc, r ? ct_child(r, f, oc->key) : NULL);
		prune(c, running, r, o);
		return 0;
	}
	const ProtobufCMessage *cur = view_own(r, o);

	if (cur == NULL || !pbr_field_present(cur, f))
		return 0;
	ProtobufCMessage *own = ct_own_of(cur);

	pbr_field_clear(own, f);
	record_base(o, r);
	ct_set_own(o, own);
	o->state = CT_SET;
	o->flags = (o->flags & ~CAND_ENSURE) | CAND_EXPLICIT;
	update_diff(c, o, r);
	prune(c, running, r, o);
	return 0;
}

int cand_apply(struct cand *c, const struct ct_node *running, const Edit *e, char *err,
	       size_t errlen)
{
	if (e->op == EDIT__OP__SET) {
		if (e->value == NULL) {
			snprintf(err, errlen, "The edit has no value to set.");
			return -EINVAL;
		}
		set_node(c, running, c->ov, &e->value->base, false);
		return 0;
	}
	if (e->op == EDIT__OP__DELETE)
		return delete_path(c, running, e->path, e->n_path, err, errlen);
	snprintf(err, errlen, "The edit operation is unknown.");
	return -EINVAL;
}

/* ---- walks ---- */

static void recount(struct cand *c, const struct ct_node *r, struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = o->desc;

	if (o->parent)
		update_diff(c, o, r);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
			recount(c, r ? ct_child(r, f, oc->key) : NULL, oc);
	}
}

void cand_recount(struct cand *c, const struct ct_node *running)
{
	recount(c, running, c->ov);
}

/* The overlay node at path (and its running node in *r), or NULL when the
 * overlay has none there. */
static struct ct_node *ov_at(const struct cand *c, const struct ct_node *running,
			     char *const *path, size_t n, const struct ct_node **r)
{
	struct ct_node *o = c->ov;

	*r = running;
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(o->desc, path, n, i, &f, &key);

		if (step < 0 || !ct_child_field(f) ||
		    (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL))
			return NULL;
		o = ct_child(o, f, key);
		if (o == NULL)
			return NULL;
		*r = *r ? ct_child(*r, f, key) : NULL;
		i += (size_t)step;
	}
	return o;
}

void cand_recount_changes(struct cand *c, const struct ct_node *running,
			  NodeImage *const *changed, size_t n)
{
	if (!ct_has_children(c->ov))
		return;
	for (size_t i = 0; i < n; i++) {
		const struct ct_node *r;
		struct ct_node *o = ov_at(c, running, changed[i]->path, changed[i]->n_path, &r);

		if (o == NULL || o->parent == NULL)
			continue;
		if (changed[i]->has_own)
			update_diff(c, o, r);
		else
			recount(c, r, o);   /* removed: and everything below */
	}
}

static ProtobufCMessage *view_materialize(const struct ct_node *r, const struct ct_node *o);

struct msgs {
	ProtobufCMessage **v;
	size_t n, cap;
};

static void add_materialized(const struct ct_node *rc, struct ct_node *oc, void *arg)
{
	struct msgs *ms = arg;

	if (ms->n == ms->cap)
		ms->v = xrealloc(ms->v, (ms->cap = ms->cap ? ms->cap * 2 : 4) * sizeof(*ms->v));
	ms->v[ms->n++] = view_materialize(rc, oc);
}

static ProtobufCMessage *view_materialize(const struct ct_node *r, const struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = (r ? r : o)->desc;
	const ProtobufCMessage *own = view_own(r, o);
	ProtobufCMessage *m = own ? ct_own_of(own) : pbr_msg_new(d);

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		struct msgs ms = { NULL, 0, 0 };
		ProtobufCMessage **arr;
		size_t cnt;

		if (!ct_child_field(f))
			continue;
		view_list(r, (struct ct_node *)o, f, add_materialized, &ms);
		arr = ms.v;
		cnt = ms.n;
		if (cnt == 0)
			continue;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			PBR_MEMBER(m, f->offset, ProtobufCMessage *) = arr[0];
			for (size_t k = 1; k < cnt; k++)
				protobuf_c_message_free_unpacked(arr[k], NULL);
			free(arr);
			continue;
		}
		PBR_MEMBER(m, f->offset, ProtobufCMessage **) = arr;
		PBR_MEMBER(m, f->quantifier_offset, size_t) = cnt;
	}
	return m;
}

Config *cand_materialize(const struct cand *c, const struct ct_node *running)
{
	return (Config *)view_materialize(running, c ? c->ov : NULL);
}

/* Copy the view's (r, o) own fields into a new child of out. */
static struct ct_node *copy_head(struct ct_node *out, const ProtobufCFieldDescriptor *f,
				 const struct ct_node *r, const struct ct_node *o)
{
	const char *key = o ? o->key : r->key;
	struct ct_node *n = ct_child(out, f, key);

	if (n == NULL) {
		n = ct_child_add(out, f, key);
		n->state = CT_SET;
		n->own = ct_own_of(view_own(r, o));
	}
	return n;
}

struct copy_to {
	struct ct_node *out;
	const ProtobufCFieldDescriptor *f;
	bool subtree;
};

static void copy_elem(const struct ct_node *rc, struct ct_node *oc, void *arg);

static void copy_subtree(struct ct_node *out, const struct ct_node *r, const struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = out->desc;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		{
			struct copy_to ct = { out, f, true };

			view_list(r, (struct ct_node *)o, f, copy_elem, &ct);
		}
	}
}

static void copy_elem(const struct ct_node *rc, struct ct_node *oc, void *arg)
{
	const struct copy_to *ct = arg;
	struct ct_node *h = copy_head(ct->out, ct->f, rc, oc);

	if (ct->subtree)
		copy_subtree(h, rc, oc);
}

struct copy_if {
	struct ct_node *out;
	const ProtobufCFieldDescriptor *f;
	cand_pick_fn *pick;
	void *arg;
};

static void copy_elem_if(const struct ct_node *rc, struct ct_node *oc, void *arg)
{
	const struct copy_if *ci = arg;

	if (ci->pick(rc, oc, ci->arg))
		copy_subtree(copy_head(ci->out, ci->f, rc, oc), rc, oc);
}

void cand_copy_list_if(struct ct_node *out, const struct cand *c, const struct ct_node *running,
		       const ProtobufCFieldDescriptor *f, cand_pick_fn *pick, void *arg)
{
	struct copy_if ci = { out, f, pick, arg };

	view_list(running, c ? c->ov : NULL, f, copy_elem_if, &ci);
}

void cand_copy_into(struct ct_node *out, const struct cand *c, const struct ct_node *running,
		    char *const *comp, size_t n, bool subtree)
{
	const struct ct_node *r = running, *o = c ? c->ov : NULL;
	size_t i = 0;

	while (i < n) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(out->desc, comp, n, i, &f, &key);

		if (step < 0 || !ct_child_field(f))
			return;
		if (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL) {
			/* A whole list: its heads (or all of it). */
			struct copy_to ct = { out, f, subtree };

			view_list(r, (struct ct_node *)o, f, copy_elem, &ct);
			return;
		}
		r = r ? ct_child(r, f, key) : NULL;
		o = o ? ct_child(o, f, key) : NULL;
		if (!present(r, o))
			return;
		out = copy_head(out, f, r, o);
		i += (size_t)step;
	}
	if (subtree)
		copy_subtree(out, r, o);
}

/* The last commit below the nearest running ancestor of overlay node o. */
static uint64_t nearest_sub(const struct ct_node *running, const struct ct_node *o)
{
	for (const struct ct_node *p = o->parent; p; p = p->parent) {
		size_t pn;
		char **pp = ct_path_of(p, &pn);
		const struct ct_node *rp = ct_lookup(running, pp, pn, NULL);

		free(pp);
		if (rp)
			return rp->sub_changed;
	}
	return running->sub_changed;
}

static uint64_t conflict_walk(const struct ct_node *running, const struct ct_node *r,
			      const struct ct_node *o)
{
	const ProtobufCMessageDescriptor *d = o->desc;

	/* A node it leads through (or set) that another commit removed. */
	if ((o->flags & CAND_BASE) && o->base_present && r == NULL && o->parent)
		return nearest_sub(running, o);
	if ((o->flags & CAND_EXPLICIT) && (o->flags & CAND_BASE)) {
		bool moved = o->base_present != (r != NULL);

		if (!moved && r)
			moved = o->state == CT_DEL ? r->sub_changed != o->base_sub
						   : r->changed != o->base_changed;
		if (moved)
			return r ? (o->state == CT_DEL ? r->sub_changed : r->changed)
				 : nearest_sub(running, o);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		for (const struct ct_node *oc = ct_first(o, f); oc; oc = oc->next) {
			uint64_t id = conflict_walk(running, r ? ct_child(r, f, oc->key) : NULL, oc);

			if (id)
				return id;
		}
	}
	return 0;
}

uint64_t cand_conflict(const struct cand *c, const struct ct_node *running)
{
	return conflict_walk(running, running, c->ov);
}

typedef void change_fn(const struct ct_node *, const struct ct_node *, void *);

struct anchoring {
	const char *last;        /* the key of the element met last, "" none */
	change_fn *fn;
	void *arg;
};

static void changes_walk(const struct ct_node *r, const struct ct_node *o, change_fn *fn,
			 void *arg);

/* In the candidate's order: each element running lacks is anchored after
 * the element before it, then walked. */
static void anchor_new(const struct ct_node *rc, struct ct_node *oc, void *arg)
{
	struct anchoring *an = arg;

	if (rc == NULL) {
		free(oc->anchor);
		oc->anchor = xstrdup(an->last);
		changes_walk(NULL, oc, an->fn, an->arg);
	}
	an->last = rc ? rc->key : oc->key;
}

static void changes_walk(const struct ct_node *r, const struct ct_node *o, change_fn *fn,
			 void *arg)
{
	const ProtobufCMessageDescriptor *d = o->desc;

	if (o->flags & CAND_DIFF)
		fn(o, r, arg);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		if (!(o->flags & CAND_ANCHORED) || f->label != PROTOBUF_C_LABEL_REPEATED) {
			for (const struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
				changes_walk(r ? ct_child(r, f, oc->key) : NULL, oc, fn, arg);
			continue;
		}
		/* Elements put back in place: the others first, then those
		 * running lacks in the candidate's order, each after the
		 * element before it (which running has by then). */
		for (const struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
			if (!is_new(r, oc))
				changes_walk(r ? ct_child(r, f, oc->key) : NULL, oc, fn, arg);
		{
			struct anchoring an = { "", fn, arg };

			view_list(r, (struct ct_node *)o, f, anchor_new, &an);
		}
	}
}

void cand_changes(const struct cand *c, const struct ct_node *running,
		  void (*fn)(const struct ct_node *o, const struct ct_node *r, void *arg),
		  void *arg)
{
	changes_walk(running, c->ov, fn, arg);
}

int cand_put(struct cand *c, const struct ct_node *running, char *const *comp, size_t n,
	     const ProtobufCMessage *own, const char *prev)
{
	const struct ct_node *r = running;
	struct ct_node *o = c->ov;

	if (n == 0)
		return -EINVAL;       /* the root has nothing of its own */
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(o->desc, comp, n, i, &f, &key);
		const struct ct_node *rc;

		if (step < 0 || !ct_child_field(f) ||
		    (f->label == PROTOBUF_C_LABEL_REPEATED && key == NULL))
			return -EINVAL;
		if (i > 0 && !present(r, o))
			return own ? -ENOENT : 0;   /* the parent is gone */
		rc = r ? ct_child(r, f, key) : NULL;
		o = ov_child(o, f, key, rc);
		r = rc;
		i += (size_t)step;
	}
	if (own == NULL) {
		if (present(r, o))
			mark_deleted(c, o, r);
		return 0;
	}
	if (own->descriptor != o->desc)
		return -EINVAL;
	if (o->state == CT_DEL && r)
		for (unsigned i = 0; i < r->desc->n_fields; i++) {
			const ProtobufCFieldDescriptor *f = &r->desc->fields[i];

			if (!ct_child_field(f))
				continue;
			for (const struct ct_node *rc = ct_first(r, f); rc; rc = rc->next)
				mark_deleted(c, ct_child_add(o, f, rc->key), rc);
		}
	record_base(o, r);
	ct_set_own(o, ct_own_of(own));
	o->state = CT_SET;
	o->flags = (o->flags & ~CAND_ENSURE) | CAND_EXPLICIT;
	if (o->key && r == NULL) {       /* where it goes back */
		free(o->anchor);
		o->anchor = prev ? xstrdup(prev) : NULL;
		if (prev)
			o->parent->flags |= CAND_ANCHORED;
	}
	update_diff(c, o, r);
	return 0;
}

static void mark_walk(struct ct_node *o, bool (*moved)(char *const *, size_t, bool, bool, void *),
		      void *arg)
{
	const ProtobufCMessageDescriptor *d = o->desc;

	if (o->parent && (o->flags & CAND_EXPLICIT) && (o->flags & CAND_BASE)) {
		size_t n;
		char **path = ct_path_of(o, &n);

		if (moved(path, n, o->state == CT_DEL, o->base_present, arg)) {
			/* No running version is ever this: a conflict. */
			o->base_changed = o->base_sub = UINT64_MAX;
		}
		free(path);
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (!ct_child_field(f))
			continue;
		for (struct ct_node *oc = ct_first(o, f); oc; oc = oc->next)
			mark_walk(oc, moved, arg);
	}
}

void cand_mark_moved(struct cand *c, const struct ct_node *running,
		     bool (*moved)(char *const *path, size_t n, bool subtree, bool existed, void *arg),
		     void *arg)
{
	(void)running;
	mark_walk(c->ov, moved, arg);
}
