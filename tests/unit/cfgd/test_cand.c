/*
 * test_cand.c: common/cfgtree.c and cfgd/cand.c, the indexed running tree
 * and the candidate as running plus an overlay.
 *
 * The main check is differential: random edits are applied both to a whole
 * Config with edit_apply (the reference: what a candidate meant when it
 * was a copy) and to an overlay over a running tree; after every edit the
 * candidate the overlay makes must equal the reference, and `dirty` must
 * say exactly whether the reference differs from running.  Random commits
 * (running becomes the candidate) and commits of another session (running
 * moves under the overlay) are mixed in.  Lists are compared in key order:
 * an element deleted and set again keeps its running position in the
 * overlay where the reference appends it.
 */
#include <ctype.h>
#include <errno.h>

#include "cand.h"
#include "cfgd_fixtures.h"
#include "cfgtree.h"
#include "pbreflect.h"
#include "scope.h"
#include "session.h"

/* Sort every keyed list of m by key, in place (for comparisons). */
static int by_key(const void *a, const void *b)
{
	return strcasecmp(pbr_elem_key(*(ProtobufCMessage *const *)a),
			  pbr_elem_key(*(ProtobufCMessage *const *)b));
}

static void normalize(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (f->type != PROTOBUF_C_TYPE_MESSAGE || !pbr_field_present(m, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = pbr_repeated_count(m, f);
			ProtobufCMessage **arr = PBR_MEMBER(m, f->offset, ProtobufCMessage **);

			for (size_t k = 0; k < n; k++)
				normalize(arr[k]);
			if (pbr_keyed_list(f))
				qsort(arr, n, sizeof(*arr), by_key);
		} else {
			normalize(PBR_MEMBER(m, f->offset, ProtobufCMessage *));
		}
	}
}

static bool same(const Config *a, const Config *b)
{
	Config *ca = config_dup(a), *cb = config_dup(b);
	bool eq;

	normalize(&ca->base);
	normalize(&cb->base);
	eq = config_equal(ca, cb);
	cfg_free(ca);
	cfg_free(cb);
	return eq;
}

static void assert_same(const Config *got, const Config *want, const char *what)
{
	if (!same(got, want)) {
		char *g = pbconf_render(&got->base), *w = pbconf_render(&want->base);

		cr_assert_fail("%s\ngot:\n%s\nwant:\n%s", what, g, w);
	}
}

/* ---- cfgtree ---- */

Test(cfgtree, load_materialize_round_trip_keeps_order)
{
	const char *text = "system = { sysname = \"C\"; };"
			   "ntp = { unicast_server = ( { address = \"10.0.1.32\"; }, "
			   "{ address = \"10.0.1.31\"; version = 4; } ); refclock_master = {}; };"
			   "acl = ( { number = \"2001\"; rule = ( { id = \"5\"; }, { id = \"1\"; } ); } );";
	Config *c = cfg(text);
	struct ct_node *t = ct_root_new(&config__descriptor);
	Config *m;

	ct_load(t, &c->base, 7);
	m = (Config *)ct_materialize(t);
	cr_assert(config_equal(m, c), "the tree gives back what it was loaded from, in order");
	{
		char *p[] = { "acl", "2001", "rule", "5" };
		const ProtobufCFieldDescriptor *f;
		struct ct_node *n = ct_lookup(t, p, 4, &f);

		cr_assert_not_null(n);
		cr_assert_null(f);
		cr_assert_str_eq(n->key, "5");
		cr_assert_eq(n->changed, 7);
	}
	{
		char *p[] = { "ntp", "unicast_server", "10.0.1.31", "version" };
		const ProtobufCFieldDescriptor *f;
		struct ct_node *n = ct_lookup(t, p, 4, &f);

		cr_assert_not_null(n);
		cr_assert_str_eq(f->name, "version");
	}
	{
		char *p[] = { "NTP", "nope" };

		cr_assert_null(ct_lookup(t, p, 2, NULL));
	}
	cfg_free(m);
	cfg_free(c);
	ct_free(t);
}

Test(cfgtree, sync_versions_follow_the_change)
{
	Config *a = cfg("system = { sysname = \"C\"; };"
			"acl = ( { number = \"2000\"; rule = ( { id = \"1\"; }, { id = \"2\"; } ); } );");
	Config *b = cfg("system = { sysname = \"C\"; };"
			"acl = ( { number = \"2000\"; rule = ( { id = \"1\"; deny = true; }, { id = \"3\"; } ); } );");
	struct ct_node *t = ct_root_new(&config__descriptor);
	char *sys[] = { "system" }, *r1[] = { "acl", "2000", "rule", "1" },
	     *r2[] = { "acl", "2000", "rule", "2" }, *acl[] = { "acl", "2000" };
	Config *m;

	ct_load(t, &a->base, 1);
	cr_assert_eq(ct_sync(t, &b->base, 2), 3, "rule 1 set, rule 2 gone, rule 3 new");
	cr_assert_eq(ct_lookup(t, sys, 1, NULL)->changed, 1, "untouched keeps its version");
	cr_assert_eq(ct_lookup(t, r1, 4, NULL)->changed, 2);
	cr_assert_null(ct_lookup(t, r2, 4, NULL));
	cr_assert_eq(ct_lookup(t, acl, 2, NULL)->changed, 1, "own fields unchanged");
	cr_assert_eq(ct_lookup(t, acl, 2, NULL)->sub_changed, 2, "something below changed");
	m = (Config *)ct_materialize(t);
	cr_assert(config_equal(m, b));
	cfg_free(m);
	cfg_free(a);
	cfg_free(b);
	ct_free(t);
}

/* ---- differential: overlay against edit_apply ---- */

struct world {
	struct ct_node *run;     /* running */
	Config *run_cfg;
	uint64_t commit;
	struct cand cand;        /* the session under test */
	Config *ref;             /* the reference candidate */
	/* The list elements the session made by setting something in them
	 * (not by their key alone, and running lacked them): the reference's
	 * side of cand.c's CAND_MADE, as "field\x1fkey\x1f..." lower case. */
	char **made;
	size_t n_made;
};

static void world_init(struct world *w, const char *text)
{
	w->run_cfg = cfg(text);
	w->run = ct_root_new(&config__descriptor);
	w->commit = 1;
	ct_load(w->run, &w->run_cfg->base, w->commit);
	cand_init(&w->cand);
	w->ref = config_dup(w->run_cfg);
	w->made = NULL;
	w->n_made = 0;
}

static void made_clear(struct world *w)
{
	for (size_t i = 0; i < w->n_made; i++)
		free(w->made[i]);
	free(w->made);
	w->made = NULL;
	w->n_made = 0;
}

static void world_free(struct world *w)
{
	ct_free(w->cand.ov);
	ct_free(w->run);
	cfg_free(w->run_cfg);
	cfg_free(w->ref);
	made_clear(w);
}

/* ---- the reference's rule for emptied elements (cand.c's prune) ---- */

static char *path_name(char *const *p, size_t n)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(p[i]) + 1;
	s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(s, "\x1f");
		for (char *q = s + strlen(s), *c = p[i]; *c; c++)
			*q++ = (char)tolower((unsigned char)*c);
	}
	return s;
}

static ssize_t made_find(const struct world *w, char *const *p, size_t n)
{
	char *name = path_name(p, n);
	ssize_t at = -1;

	for (size_t i = 0; i < w->n_made && at < 0; i++)
		if (strcmp(w->made[i], name) == 0)
			at = (ssize_t)i;
	free(name);
	return at;
}

static void made_set(struct world *w, char *const *p, size_t n, bool made)
{
	ssize_t at = made_find(w, p, n);

	if (made && at < 0) {
		w->made = xrealloc(w->made, (w->n_made + 1) * sizeof(*w->made));
		w->made[w->n_made++] = path_name(p, n);
	} else if (!made && at >= 0) {
		free(w->made[at]);
		w->made[at] = w->made[--w->n_made];
	}
}

/* The message at a node path of c, or NULL. */
static const ProtobufCMessage *cfg_at(const Config *c, char *const *p, size_t n)
{
	const ProtobufCMessage *m = &c->base;

	for (size_t i = 0; i < n && m;) {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field_by_name(m->descriptor, p[i]);

		if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE)
			return NULL;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			m = PBR_CMEMBER(m, f->offset, const ProtobufCMessage *);
			i++;
			continue;
		}
		if (i + 1 >= n)
			return NULL;
		size_t cnt = pbr_repeated_count(m, f);
		ProtobufCMessage *const *arr = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *);
		const ProtobufCMessage *next = NULL;

		for (size_t k = 0; k < cnt && !next; k++)
			if (strcasecmp(pbr_elem_key(arr[k]), p[i + 1]) == 0)
				next = arr[k];
		m = next;
		i += 2;
	}
	return m;
}

static bool key_only(const ProtobufCMessage *m)
{
	for (unsigned i = 1; i < m->descriptor->n_fields; i++)
		if (pbr_field_present(m, &m->descriptor->fields[i]))
			return false;
	return true;
}

/* Note which elements of fragment m (at path p) a SET makes: an element
 * set by its key alone is made on purpose; one the candidate and running
 * lack, set with anything more, is made by the way. */
static void note_made(struct world *w, const ProtobufCMessage *m, char **p, size_t n)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields && n + 2 <= 16; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (f->type != PROTOBUF_C_TYPE_MESSAGE || !pbr_field_present(m, f))
			continue;
		p[n] = (char *)f->name;
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			note_made(w, PBR_CMEMBER(m, f->offset, const ProtobufCMessage *), p, n + 1);
			continue;
		}
		for (size_t k = 0; k < pbr_repeated_count(m, f); k++) {
			const ProtobufCMessage *e = PBR_CMEMBER(m, f->offset, ProtobufCMessage *const *)[k];

			p[n + 1] = (char *)pbr_elem_key(e);
			if (key_only(e))
				made_set(w, p, n + 2, false);
			else if (!cfg_at(w->ref, p, n + 2) && !cfg_at(w->run_cfg, p, n + 2))
				made_set(w, p, n + 2, true);
			note_made(w, e, p, n + 2);
		}
	}
}

/* After a DELETE of path p (n components) made `before` into w->ref with
 * edit_apply (which cannot tell how an element came to be): the list
 * elements above p, nearest first, that the DELETE left with their key
 * alone go when the session made them by the way and running lacks them,
 * and stay otherwise (edit_apply may have removed them). */
static void fix_emptied(struct world *w, const Config *before, char *const *p, size_t n)
{
	const ProtobufCMessageDescriptor *d = &config__descriptor;
	size_t elem[8], n_elem = 0;

	/* The lengths of p's prefixes naming list elements above its end. */
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, p[i]);

		if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE)
			break;
		if (pbr_keyed_list(f) && i + 2 < n && n_elem < 8) {
			elem[n_elem++] = i + 2;
			i += 2;
		} else if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			i++;
		} else {
			break;
		}
		d = f->descriptor;
	}
	while (n_elem-- > 0) {
		size_t len = elem[n_elem] - 1;   /* the element's key is p[len] */
		const ProtobufCMessage *was = cfg_at(before, p, len + 1), *now;
		bool go;
		char err[256];

		if (was == NULL)
			return;
		now = cfg_at(w->ref, p, len + 1);
		go = made_find(w, p, len + 1) >= 0 && !cfg_at(w->run_cfg, p, len + 1);
		if (now && key_only(now) && go) {
			Edit *e = edit_del(NULL);

			free(e->path);
			e->n_path = len + 1;
			e->path = xcalloc(len + 1, sizeof(char *));
			for (size_t i = 0; i <= len; i++)
				e->path[i] = xstrdup(p[i]);
			cr_assert_eq(edit_apply(&w->ref, e, err, sizeof(err)), 0, "%s", err);
			edit_free(e);
			made_set(w, p, len + 1, false);
			continue;
		}
		if (now == NULL && !go) {   /* edit_apply's removal: kept here */
			Config *frag = config_new_empty();
			ProtobufCMessage *m = &frag->base;
			Edit *e;

			for (size_t i = 0; i <= len;) {
				const ProtobufCFieldDescriptor *f =
					protobuf_c_message_descriptor_get_field_by_name(m->descriptor, p[i]);
				ProtobufCMessage *sub;

				if (f->label == PROTOBUF_C_LABEL_REPEATED) {
					sub = pbr_msg_new(f->descriptor);
					PBR_MEMBER(m, f->offset, ProtobufCMessage **) = xcalloc(1, sizeof(sub));
					PBR_MEMBER(m, f->offset, ProtobufCMessage **)[0] = sub;
					PBR_MEMBER(m, f->quantifier_offset, size_t) = 1;
					i += 2;
					if (i > len) {
						PBR_MEMBER(sub, sub->descriptor->fields[0].offset, char *) =
							xstrdup(pbr_elem_key(was));
						break;
					}
					PBR_MEMBER(sub, sub->descriptor->fields[0].offset, char *) =
						xstrdup(p[i - 1]);
				} else {
					sub = pbr_msg_new(f->descriptor);
					PBR_MEMBER(m, f->offset, ProtobufCMessage *) = sub;
					i++;
				}
				m = sub;
			}
			e = xmalloc(sizeof(*e));
			edit__init(e);
			e->op = EDIT__OP__SET;
			e->value = frag;
			cr_assert_eq(edit_apply(&w->ref, e, err, sizeof(err)), 0, "%s", err);
			edit_free(e);
		}
		return;
	}
}

static void world_check(struct world *w, const char *what)
{
	Config *got = cand_materialize(&w->cand, w->run);

	assert_same(got, w->ref, what);
	cr_assert_eq(cand_dirty(&w->cand), !same(w->ref, w->run_cfg),
		     "%s: dirty is %d, but the candidate %s running", what, cand_dirty(&w->cand),
		     same(w->ref, w->run_cfg) ? "equals" : "differs from");
	cfg_free(got);
}

static void world_edit(struct world *w, Edit *e, const char *what)
{
	char err[256] = "", *p[16];
	Config *before = config_dup(w->ref);
	int rc;

	if (e->op == EDIT__OP__SET)
		note_made(w, &e->value->base, p, 0);
	rc = edit_apply(&w->ref, e, err, sizeof(err));
	cr_assert_eq(rc, 0, "%s: %s", what, err);
	if (e->op == EDIT__OP__DELETE)
		fix_emptied(w, before, e->path, e->n_path);
	cfg_free(before);
	cr_assert_eq(cand_apply(&w->cand, w->run, e, err, sizeof(err)), 0, "%s: %s", what, err);
	world_check(w, what);
	edit_free(e);
}

/* Running becomes `next` (another session's commit, or ours). */
static void world_running(struct world *w, Config *next)
{
	cfg_free(w->run_cfg);
	w->run_cfg = next;
	ct_sync(w->run, &next->base, ++w->commit);
	cand_recount(&w->cand, w->run);
}

#define SERVERS_ORDER "ntp = { unicast_server = ( { address = \"10.0.1.30\"; }," \
	" { address = \"10.0.1.31\"; }, { address = \"10.0.1.32\"; }, { address = \"10.0.1.36\"; }," \
	" { address = \"10.0.1.34\"; }, { address = \"10.0.1.37\"; }, { address = \"10.0.1.38\"; } ); };"

/* ---- commits the way cfgd makes them: images of a candidate's changes ---- */

struct images {
	NodeImage **v;
	size_t n;
};

static void collect_image(const struct ct_node *o, const struct ct_node *r, void *arg)
{
	struct images *im = arg;
	NodeImage *x = xmalloc(sizeof(*x));
	size_t n;
	char **path = ct_path_of(o, &n);

	node_image__init(x);
	if (o->state == CT_SET && r == NULL && o->key && o->anchor)
		x->prev = xstrdup(o->anchor);
	x->path = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		x->path[i] = xstrdup(path[i]);
	x->n_path = n;
	if (o->state == CT_SET) {
		x->has_own = 1;
		x->own.data = pbr_pack(o->own, &x->own.len);
	}
	free(path);
	im->v = xrealloc(im->v, (im->n + 1) * sizeof(*im->v));
	im->v[im->n++] = x;
}

/* Commit what `from` changes into w's running, as persist_commit does,
 * and let w's candidate recount only where it changed (as cfgd does after
 * a commit); the count must be what a recount of everything gives. */
static void world_commit_of(struct world *w, struct cand *from)
{
	struct images im = { NULL, 0 };
	size_t incremental;

	cand_changes(from, w->run, collect_image, &im);
	w->commit++;
	for (size_t i = 0; i < im.n; i++) {
		const ProtobufCMessageDescriptor *d =
			ct_path_desc(&config__descriptor, im.v[i]->path, im.v[i]->n_path);
		ProtobufCMessage *own = im.v[i]->has_own ?
			protobuf_c_message_unpack(d, NULL, im.v[i]->own.len, im.v[i]->own.data) : NULL;

		cr_assert_eq(ct_put_at(w->run, im.v[i]->path, im.v[i]->n_path, own, w->commit,
				       im.v[i]->prev), 0);
	}
	cand_recount_changes(&w->cand, w->run, im.v, im.n);
	incremental = w->cand.n_diff;
	cand_recount(&w->cand, w->run);
	cr_assert_eq(incremental, w->cand.n_diff,
		     "the recount at the commit's paths counts %zu differences, all of them %zu",
		     incremental, w->cand.n_diff);
	for (size_t i = 0; i < im.n; i++)
		node_image__free_unpacked(im.v[i], NULL);
	free(im.v);
	cfg_free(w->run_cfg);
	w->run_cfg = (Config *)ct_materialize(w->run);
}

/* Another session's commit of edit e. */
static void world_other_commit(struct world *w, Edit *e)
{
	struct cand other;
	char err[256];

	cand_init(&other);
	cr_assert_eq(cand_apply(&other, w->run, e, err, sizeof(err)), 0, "%s", err);
	world_commit_of(w, &other);
	ct_free(other.ov);
}

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) % n;
}

/* A random edit, described into what. */
static Edit *random_edit(unsigned *seed, char *what, size_t len)
{
	char text[512], a[32], b[32];

	snprintf(a, sizeof(a), "10.0.1.%u", 30 + rnd(seed, 4));
	snprintf(b, sizeof(b), "%u", rnd(seed, 5));
	switch (rnd(seed, 16)) {
	case 0:
		snprintf(text, sizeof(text), "system = { sysname = \"D%u\"; };", rnd(seed, 3));
		break;
	case 1:
		snprintf(what, len, "delete system sysname");
		return edit_del("system", "sysname", NULL);
	case 2:
		snprintf(text, sizeof(text), "ntp = { unicast_server = ( { address = \"%s\";%s%s } ); };",
			 a, rnd(seed, 2) ? " version = 4;" : "", rnd(seed, 2) ? " preferred = true;" : "");
		break;
	case 3:
		snprintf(what, len, "delete server %s", a);
		return edit_del("ntp", "unicast_server", a, NULL);
	case 4:
		snprintf(what, len, "delete server %s version", a);
		return edit_del("ntp", "unicast_server", a, "version", NULL);
	case 5:
		snprintf(text, sizeof(text), "ntp = { refclock_master = { %s }; };",
			 rnd(seed, 2) ? "stratum = 3;" : "");
		break;
	case 6:
		snprintf(what, len, "delete refclock_master stratum");
		return edit_del("ntp", "refclock_master", "stratum", NULL);
	case 7:
		snprintf(what, len, "delete refclock_master");
		return edit_del("ntp", "refclock_master", NULL);
	case 8:
	case 9:
		snprintf(text, sizeof(text), "acl = ( { number = \"200%u\"; rule = ( { id = \"%s\";%s } ); } );",
			 rnd(seed, 2), b, rnd(seed, 2) ? " deny = true;" : "");
		break;
	case 10:
		snprintf(what, len, "delete rule %s", b);
		return edit_del("acl", rnd(seed, 2) ? "2000" : "2001", "rule", b, NULL);
	case 11:
		snprintf(what, len, "delete acl");
		return edit_del("acl", rnd(seed, 2) ? "2000" : "2001", NULL);
	case 12:
		snprintf(text, sizeof(text), "interface = ( { name = \"GE0/%u\"; description = \"x%u\"; } );",
			 rnd(seed, 2), rnd(seed, 3));
		break;
	case 13:
		snprintf(text, sizeof(text), "interface = ( { name = \"ge0/%u\"; address = { address = "
			 "\"10.0.%u.1\"; prefix_len = 24; }; } );", rnd(seed, 2), rnd(seed, 3));
		break;
	case 14:
		snprintf(what, len, "delete interface address");
		return edit_del("interface", rnd(seed, 2) ? "GE0/0" : "GE0/1", "address", NULL);
	default:
		snprintf(what, len, "delete all servers");
		return edit_del("ntp", "unicast_server", NULL);
	}
	snprintf(what, len, "set %s", text);
	return edit_set(text);
}

Test(cand, differential_against_edit_apply)
{
	for (unsigned round = 0; round < 40; round++) {
		struct world w;
		unsigned seed = round * 7919u + 1;

		world_init(&w, "system = { sysname = \"C\"; };"
			   "ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); };"
			   "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; }, { id = \"2\"; } ); } );"
			   "interface = ( { name = \"GE0/0\"; description = \"up\"; } );");
		for (unsigned step = 0; step < 60; step++) {
			char what[600];
			unsigned act = rnd(&seed, 20);

			if (act == 0) {         /* our commit: running = candidate */
				world_running(&w, config_dup(w.ref));
				cand_clear(&w.cand);
				made_clear(&w);
				world_check(&w, "after our commit");
			} else if (act == 1) {  /* another session's commit on running */
				Edit *e = random_edit(&seed, what, sizeof(what));

				world_other_commit(&w, e);
				edit_free(e);
				/* The reference: the session's candidate is running plus
				 * its own changes; rebuild it the way refresh would. */
				cfg_free(w.ref);
				w.ref = cand_materialize(&w.cand, w.run);
				world_check(&w, what);
			} else if (act == 2) {  /* another session commits exactly ours */
				world_commit_of(&w, &w.cand);
				world_check(&w, "another session committed the same changes");
				cr_assert_not(cand_dirty(&w.cand));
			} else {
				Edit *e = random_edit(&seed, what, sizeof(what));
				char ctx[700];

				snprintf(ctx, sizeof(ctx), "round %u step %u: %s", round, step, what);
				world_edit(&w, e, ctx);
			}
		}
		world_free(&w);
	}
}

Test(cand, noop_edit_is_not_a_change)
{
	struct world w;

	world_init(&w, "ntp = { refclock_master = { stratum = 3; }; };");
	world_edit(&w, edit_set("ntp = { refclock_master = { stratum = 3; }; };"), "same stratum");
	cr_assert_not(cand_dirty(&w.cand));
	world_edit(&w, edit_set("ntp = { refclock_master = { stratum = 4; }; };"), "stratum 4");
	cr_assert(cand_dirty(&w.cand));
	world_edit(&w, edit_set("ntp = { refclock_master = { stratum = 3; }; };"), "back to 3");
	cr_assert_not(cand_dirty(&w.cand), "set and set back is no change");
	world_free(&w);
}

Test(cand, deleted_then_set_again_loses_old_children)
{
	struct world w;

	world_init(&w, "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; }, { id = \"2\"; } ); } );");
	world_edit(&w, edit_del("acl", "2000", NULL), "undo acl");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"7\"; } ); } );"),
		   "acl again with rule 7");
	assert_cfg(w.ref, "acl = ( { number = \"2000\"; rule = ( { id = \"7\"; } ); } );");
	world_free(&w);
}

Test(cand, empty_singular_message_is_pruned)
{
	struct world w;

	world_init(&w, "system = { sysname = \"C\"; };");
	world_edit(&w, edit_del("system", "sysname", NULL), "undo sysname");
	assert_cfg(w.ref, "");
	world_free(&w);
}

/* `interface GigabitEthernet0/1/0`, `ip address 10.0.1.3 24`, `undo ip
 * address`: the interface the address made goes with it, and the
 * candidate is running again (issue 10). */
Test(cand, element_made_by_a_setting_goes_with_it)
{
	struct world w;

	world_init(&w, "system = { sysname = \"C\"; };");
	world_edit(&w, edit_set("interface = ( { name = \"GigabitEthernet0/1/0\"; address = "
				"{ address = \"10.0.1.3\"; prefix_len = 24; }; } );"), "ip address");
	cr_assert(cand_dirty(&w.cand));
	world_edit(&w, edit_del("interface", "GigabitEthernet0/1/0", "address", NULL),
		   "undo ip address");
	assert_cfg(w.ref, "system = { sysname = \"C\"; };");
	cr_assert_not(cand_dirty(&w.cand), "undo of the only setting is no change");
	/* The same through an own field, and an ACL made by its rule. */
	world_edit(&w, edit_set("interface = ( { name = \"GigabitEthernet0/1/0\"; "
				"description = \"x\"; } );"), "description");
	world_edit(&w, edit_del("interface", "GigabitEthernet0/1/0", "description", NULL),
		   "undo description");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; } ); } );"),
		   "rule 5 in a new ACL");
	world_edit(&w, edit_del("acl", "2000", "rule", "5", NULL), "undo rule 5");
	cr_assert_not(cand_dirty(&w.cand));
	world_free(&w);
}

/* What the operator made by its key alone, and what running has, stays. */
Test(cand, element_made_on_purpose_or_running_stays)
{
	struct world w;

	world_init(&w, "interface = ( { name = \"GigabitEthernet0/2/0\"; description = \"d\"; } );");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; } );"), "acl number 2000");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; } ); } );"),
		   "rule 5");
	world_edit(&w, edit_del("acl", "2000", "rule", "5", NULL), "undo rule 5");
	world_edit(&w, edit_del("interface", "GigabitEthernet0/2/0", "description", NULL),
		   "undo description of a running interface");
	assert_cfg(w.ref, "interface = ( { name = \"GigabitEthernet0/2/0\"; } );"
			  "acl = ( { number = \"2000\"; } );");
	cr_assert(cand_dirty(&w.cand));
	world_free(&w);
}

/* Two sessions: the other commits exactly this one's edit (this one is
 * clean), or something unrelated (this one keeps its difference). */
Test(cand, recount_after_another_sessions_commit)
{
	struct world w;
	Edit *e;

	world_init(&w, "system = { sysname = \"C\"; };"
		   "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; } ); } );");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; "
				"deny = true; } ); } );"), "rule 5 deny");
	world_edit(&w, edit_del("system", "sysname", NULL), "undo sysname");
	cr_assert_eq(w.cand.n_diff, 2);
	e = edit_set("ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); };");
	world_other_commit(&w, e);
	edit_free(e);
	cfg_free(w.ref);
	w.ref = cand_materialize(&w.cand, w.run);
	world_check(&w, "an unrelated commit");
	cr_assert_eq(w.cand.n_diff, 2, "an unrelated commit changes nothing here");
	e = edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; deny = true; } ); } );");
	world_other_commit(&w, e);
	edit_free(e);
	cr_assert_eq(w.cand.n_diff, 1, "rule 5 is running's now");
	e = edit_del("system", "sysname", NULL);
	world_other_commit(&w, e);
	edit_free(e);
	cr_assert_not(cand_dirty(&w.cand), "the other session committed all of it");
	world_check(&w, "the same edits committed elsewhere");
	world_free(&w);
}

/* Elements put back (an undo's before-images) go after the element they
 * followed: a running one, one put back too, or first; without a place,
 * or after one that is nowhere, last.  Committed, running gets the same
 * order. */
Test(cand, put_back_in_place)
{
	struct world w;
	const char *want = SERVERS_ORDER;
	Config *got, *run;
	char *y[] = { "ntp", "unicast_server", "10.0.1.32" }, *q[] = { "ntp", "unicast_server", "10.0.1.36" },
	     *v[] = { "ntp", "unicast_server", "10.0.1.30" }, *u[] = { "ntp", "unicast_server", "10.0.1.37" },
	     *t[] = { "ntp", "unicast_server", "10.0.1.38" };
	NtpAssociation a = NTP_ASSOCIATION__INIT;

	world_init(&w, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; },"
		   " { address = \"10.0.1.33\"; }, { address = \"10.0.1.34\"; } ); };");
	/* Put back in the order an undo meets them, newest removal first:
	 * 36 followed 32, which followed 31. */
	a.address = "10.0.1.36";
	cr_assert_eq(cand_put(&w.cand, w.run, q, 3, &a.base, "10.0.1.32"), 0);
	a.address = "10.0.1.32";
	cr_assert_eq(cand_put(&w.cand, w.run, y, 3, &a.base, "10.0.1.31"), 0);
	a.address = "10.0.1.30";
	cr_assert_eq(cand_put(&w.cand, w.run, v, 3, &a.base, ""), 0);
	a.address = "10.0.1.37";
	cr_assert_eq(cand_put(&w.cand, w.run, u, 3, &a.base, NULL), 0);
	a.address = "10.0.1.38";
	cr_assert_eq(cand_put(&w.cand, w.run, t, 3, &a.base, "10.0.1.99"), 0);
	/* A running element removed: what followed it keeps its place. */
	{
		char *p[] = { "ntp", "unicast_server", "10.0.1.33" };

		cr_assert_eq(cand_put(&w.cand, w.run, p, 3, NULL, NULL), 0);
	}
	got = cand_materialize(&w.cand, w.run);
	assert_cfg(got, want);
	cfg_free(got);
	world_commit_of(&w, &w.cand);
	run = (Config *)ct_materialize(w.run);
	assert_cfg(run, want);
	cfg_free(run);
	world_free(&w);
}

Test(cand, conflict_only_on_what_both_changed)
{
	struct world w;
	char err[256];
	Config *next;
	Edit *e;

	world_init(&w, "system = { sysname = \"C\"; };"
		   "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; } ); } );");
	world_edit(&w, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; } ); } );"),
		   "rule 5");
	/* Another session adds rule 6 to the same ACL and renames: no conflict. */
	next = config_dup(w.run_cfg);
	e = edit_set("system = { sysname = \"D\"; };"
		     "acl = ( { number = \"2000\"; rule = ( { id = \"6\"; } ); } );");
	cr_assert_eq(edit_apply(&next, e, err, sizeof(err)), 0);
	edit_free(e);
	world_running(&w, next);
	cr_assert_eq(cand_conflict(&w.cand, w.run), 0);
	/* Another session sets rule 5 too: conflict, naming its commit. */
	next = config_dup(w.run_cfg);
	e = edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; deny = true; } ); } );");
	cr_assert_eq(edit_apply(&next, e, err, sizeof(err)), 0);
	edit_free(e);
	world_running(&w, next);
	cr_assert_eq(cand_conflict(&w.cand, w.run), w.commit);
	world_free(&w);
}

Test(cand, delete_conflicts_with_a_change_below)
{
	struct world w;
	char err[256];
	Config *next;
	Edit *e;

	world_init(&w, "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; } ); } );");
	world_edit(&w, edit_del("acl", "2000", NULL), "undo acl 2000");
	next = config_dup(w.run_cfg);
	e = edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"2\"; } ); } );");
	cr_assert_eq(edit_apply(&next, e, err, sizeof(err)), 0);
	edit_free(e);
	world_running(&w, next);
	cr_assert_eq(cand_conflict(&w.cand, w.run), w.commit,
		     "the ACL deleted here got a rule elsewhere");
	world_free(&w);
}

Test(scope, cuts_the_candidate_to_what_a_rule_needs)
{
	struct world w;
	struct scope *sc = scope_new();
	char *p[] = { "acl", "2000", "rule", "2" };
	Config *got;

	world_init(&w, "system = { sysname = \"C\"; };"
		   "ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); };"
		   "acl = ( { number = \"2000\"; rule = ( { id = \"1\"; }, { id = \"2\"; deny = true; } ); },"
		   " { number = \"2001\"; rule = ( { id = \"1\"; } ); } );");
	scope_add(sc, p, 4);
	got = scope_materialize(sc, &w.cand, w.run);
	assert_cfg(got, "acl = ( { number = \"2000\"; rule = ( { id = \"2\"; deny = true; } ); } );");
	cfg_free(got);
	scope_free(sc);
	world_free(&w);
}

/* A paste of many rules into one ACL, one edit request per line as clid
 * sends them: each must cost what it touches (a quadratic path would take
 * minutes here and meet the test's timeout). */
Test(cand, many_rules_one_edit_each, .timeout = 120)
{
	struct testdir td;
	struct ct_node *run = ct_root_new(&config__descriptor);
	struct session_table t;
	struct session *s;
	char err[256];
	size_t bad;
	Config *got;

	testdir_new(&td);
	session_table_init(&t);
	s = session_open(&t, "admin", "VTY 0", NULL);
	for (unsigned i = 0; i < 20000; i++) {
		char text[160];
		Edit *e;

		snprintf(text, sizeof(text), "acl = ( { number = \"2000\"; rule = ( { id = \"%u\"; "
			 "source = \"10.%u.%u.1\"; } ); } );", i, i / 256, i % 256);
		e = edit_set(text);
		cr_assert_eq(session_edit(s, &e, 1, run, &td.bs, err, sizeof(err), &bad), 0,
			     "rule %u: %s", i, err);
		edit_free(e);
	}
	got = cand_materialize(&s->cand, run);
	cr_assert_eq(got->n_acl, 1);
	cr_assert_eq(got->acl[0]->n_rule, 20000);
	cr_assert_str_eq(got->acl[0]->rule[19999]->id, "19999");
	cfg_free(got);
	session_table_free(&t);
	ct_free(run);
	testdir_free(&td);
}
