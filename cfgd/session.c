/*
 * session.c: the configuration sessions and their candidates.
 *
 * Sessions live in a short list (at most SESSION_MAX; clid opens one per
 * VTY).  Session ids are never reused, not even across cfgd restarts: a
 * front end names its session by id alone, and a restarted cfgd that
 * numbered from 1 again attached a VTY to another VTY's new session (its
 * edits silently gone, its commit committing the other's).  An id is
 * (epoch << 32) | n, the epoch taken once per start from RUN_DIR/cfgd.epoch
 * (one more than the last start's, fsync'd before any session opens), n
 * counting from 1 (sessid.c), so ids differ even between two starts in the
 * same second.  A front end naming an id of an earlier start gets -ENOENT
 * and opens a new session (clid warns that the uncommitted configuration
 * was discarded).
 *
 * The candidates' log, RUN_DIR/candidates (journal.h framing, records
 * SessionRecord): OPEN, EDIT (the canonical edits of each request that
 * passed), REBASE (the candidate is running again) and CLOSE, appended
 * without fsync as they happen.  A restarted cfgd reads it back: the
 * sessions open when it died come back under the same ids with their
 * edits replayed on the running configuration it rebuilt (what `refresh
 * configuration candidate` does), so what an operator typed survives a
 * cfgd restart and clid's session is still the one it opened.  The log is
 * rewritten to the open sessions' OPEN and EDIT records at each start and
 * whenever it holds many more records than that.  A configuration lock
 * (`configuration exclusive`) is not logged: it does not survive.
 *
 * An edit request is judged before the candidate changes: the scope of its
 * edits (scope.h) is cut out of the candidate, the edits are applied to
 * that small copy one by one with edit_apply (which checks each against
 * the schema) and validate_change compares the problems; only a request
 * that passes is applied to the overlay (cand_apply), so a refused one
 * leaves nothing behind.  The cost follows the request, not the
 * configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "pbreflect.h"
#include "scope.h"
#include "session.h"
#include "validate.h"

void session_table_init(struct session_table *t)
{
	memset(t, 0, sizeof(*t));
	sessid_init(&t->ids);
}

static void drop_edits(struct session *s)
{
	for (size_t i = 0; i < s->n_edits; i++) {
		s->table->edit_bytes -= s->edits[i].len;
		free(s->edits[i].data);
	}
	free(s->edits);
	s->edits = NULL;
	s->n_edits = 0;
}

/* Keep e (borrowed) packed as the session's next edit. */
static void keep_edit(struct session *s, const Edit *e)
{
	ProtobufCBinaryData *b;

	s->edits = xrealloc(s->edits, (s->n_edits + 1) * sizeof(*s->edits));
	b = &s->edits[s->n_edits++];
	b->data = pbr_pack(&e->base, &b->len);
	s->table->edit_bytes += b->len;
}

/* Edit i of s, unpacked (edit__free_unpacked), or NULL if it cannot be. */
static Edit *edit_at(const struct session *s, size_t i)
{
	return edit__unpack(NULL, s->edits[i].len, s->edits[i].data);
}

static void session_free(struct session *s)
{
	drop_edits(s);
	ct_free(s->cand.ov);
	free(s->user);
	free(s->line);
	free(s->owner);
	free(s);
}

/* ---- the candidates' log ---- */

#define LOG_FILE "candidates"
/* A log smaller than this is never rewritten for its size. */
#define LOG_COMPACT_BYTES (64u << 10)

static void log_record(struct session_table *t, SessionRecord *r)
{
	int rc;

	if (t->log == NULL)
		return;
	rc = journal_append(t->log, &r->base, false);
	if (rc < 0)
		log_warn("%s: %s: uncommitted changes may not survive a restart", LOG_FILE,
			 strerror(-rc));
	else
		t->log_records++;
}

static void log_simple(struct session *s, SessionRecord__Kind kind)
{
	SessionRecord r = SESSION_RECORD__INIT;

	r.kind = kind;
	r.session = s->id;
	if (kind == SESSION_RECORD__KIND__OPEN) {
		r.user = s->user;
		r.line = s->line;
		r.owner = s->owner;
	}
	log_record(s->table, &r);
}

static void log_edits(struct session *s, Edit **edits, size_t n, uint64_t base)
{
	SessionRecord r = SESSION_RECORD__INIT;

	r.kind = SESSION_RECORD__KIND__EDIT;
	r.session = s->id;
	r.has_at_commit = 1;
	r.at_commit = base;
	r.n_edit = n;
	r.edit = edits;
	log_record(s->table, &r);
}

/* Rewrite the log to the open sessions' OPEN and EDIT records. */
static void log_compact(struct session_table *t)
{
	ProtobufCMessage **v;
	SessionRecord *recs;
	size_t n = 0;
	int rc;

	if (t->log == NULL)
		return;
	recs = xcalloc(2 * t->n + 1, sizeof(*recs));
	v = xcalloc(2 * t->n + 1, sizeof(*v));
	for (struct session *s = t->head; s; s = s->next) {
		session_record__init(&recs[n]);
		recs[n].kind = SESSION_RECORD__KIND__OPEN;
		recs[n].session = s->id;
		recs[n].user = s->user;
		recs[n].line = s->line;
		recs[n].owner = s->owner;
		v[n] = &recs[n].base;
		n++;
		if (s->n_edits == 0)
			continue;
		session_record__init(&recs[n]);
		recs[n].kind = SESSION_RECORD__KIND__EDIT;
		recs[n].session = s->id;
		recs[n].has_at_commit = s->base != 0;
		recs[n].at_commit = s->base;
		recs[n].edit = xcalloc(s->n_edits, sizeof(Edit *));
		for (size_t i = 0; i < s->n_edits; i++) {
			Edit *e = edit_at(s, i);

			if (e)
				recs[n].edit[recs[n].n_edit++] = e;
		}
		v[n] = &recs[n].base;
		n++;
	}
	rc = journal_rewrite(t->log, v, n);
	if (rc < 0)
		log_warn("%s: cannot rewrite: %s", LOG_FILE, strerror(-rc));
	else
		t->log_records = n;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < recs[i].n_edit; k++)
			edit__free_unpacked(recs[i].edit[k], NULL);
		free(recs[i].edit);
	}
	free(v);
	free(recs);
}

/* Rewrite the log when most of it is dead: by records, or by bytes (a
 * front end's big edit requests, committed since, would otherwise be read
 * again at the next start). */
static void maybe_compact(struct session_table *t)
{
	size_t live = 2 * t->n;
	uint64_t size = t->log ? journal_size(t->log) : 0;

	if ((t->log_records > 1024 && t->log_records > 4 * live) ||
	    (size > LOG_COMPACT_BYTES && size > 4 * (t->edit_bytes + 256 * t->n)))
		log_compact(t);
}

static struct session *session_new(struct session_table *t, uint64_t id, const char *user,
				   const char *line, const char *owner)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->id = id;
	s->user = xstrdup(user ? user : "");
	s->line = xstrdup(line ? line : "");
	s->owner = owner && owner[0] ? xstrdup(owner) : NULL;
	s->table = t;
	cand_init(&s->cand);
	s->next = t->head;
	t->head = s;
	t->n++;
	return s;
}

static void session_unlink(struct session_table *t, struct session *s)
{
	for (struct session **pp = &t->head; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			t->n--;
			return;
		}
	}
}

static int on_log_record(ProtobufCMessage *msg, void *arg, char *err, size_t errlen)
{
	SessionRecord *r = (SessionRecord *)msg;
	struct session_table *t = arg;
	struct session *s = session_find(t, r->session);

	(void)err;
	(void)errlen;
	switch (r->kind) {
	case SESSION_RECORD__KIND__OPEN:
		if (s == NULL && t->n < SESSION_MAX)
			session_new(t, r->session, r->user, r->line, r->owner);
		break;
	case SESSION_RECORD__KIND__EDIT:
		if (s == NULL || r->n_edit == 0)
			break;
		for (size_t i = 0; i < r->n_edit; i++)
			keep_edit(s, r->edit[i]);
		if (s->base == 0)
			s->base = r->has_at_commit && r->at_commit ? r->at_commit : 1;
		break;
	case SESSION_RECORD__KIND__REBASE:
		if (s) {
			drop_edits(s);
			s->base = 0;
		}
		break;
	case SESSION_RECORD__KIND__CLOSE:
		if (s) {
			session_unlink(t, s);
			session_free(s);
		}
		break;
	default:
		break;
	}
	session_record__free_unpacked(r, NULL);
	return 0;
}

struct moved_ctx {
	session_moved_fn fn;
	void *arg;
	uint64_t since;
};

static bool moved_since(char *const *path, size_t n, bool subtree, bool existed, void *arg)
{
	struct moved_ctx *m = arg;

	return m->fn(m->since, path, n, subtree, existed, m->arg);
}

int session_table_start(struct session_table *t, const char *run_dir,
			const struct ct_node *running, session_moved_fn moved, void *arg,
			char *err, size_t errlen)
{
	char path[4096];
	size_t back = 0;
	int rc = sessid_start(&t->ids, run_dir, err, errlen);

	if (rc < 0)
		return rc;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", run_dir, LOG_FILE) >= sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", run_dir, LOG_FILE);
		return -ENAMETOOLONG;
	}
	rc = journal_open(path, &session_record__descriptor, on_log_record, t, &t->log, err,
			  errlen);
	if (rc < 0)
		return rc;
	for (struct session *s = t->head; s; s = s->next) {
		uint64_t base = s->base;

		session_refresh(s, running);
		s->base = base;
		if (!cand_dirty(&s->cand)) {
			drop_edits(s);
			s->base = 0;
			cand_clear(&s->cand);
		} else if (moved && s->base < running->sub_changed) {
			struct moved_ctx m = { moved, arg, s->base };

			cand_mark_moved(&s->cand, running, moved_since, &m);
		}
		back++;
	}
	if (back)
		log_info("%zu session(s) of the previous start kept, with their uncommitted "
			 "changes", back);
	log_compact(t);
	return 0;
}

void session_table_free(struct session_table *t)
{
	while (t->head) {
		struct session *s = t->head;

		t->head = s->next;
		session_free(s);
	}
	t->n = 0;
	sessid_free(&t->ids);
	journal_close(t->log);
	t->log = NULL;
}

void session_rebase(struct session *s)
{
	bool logged = s->n_edits > 0;

	if (logged)
		log_simple(s, SESSION_RECORD__KIND__REBASE);
	drop_edits(s);
	s->base = 0;
	cand_clear(&s->cand);
	if (logged)
		maybe_compact(s->table);
}

struct session *session_open(struct session_table *t, const char *user, const char *line,
			     const char *owner)
{
	struct session *s;
	uint64_t id;

	if (t->n >= SESSION_MAX)
		return NULL;
	id = sessid_next(&t->ids);
	if (id == 0)
		return NULL;
	s = session_new(t, id, user, line, owner);
	log_simple(s, SESSION_RECORD__KIND__OPEN);
	return s;
}

struct session *session_find(struct session_table *t, uint64_t id)
{
	for (struct session *s = t->head; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

void session_close(struct session_table *t, struct session *s)
{
	log_simple(s, SESSION_RECORD__KIND__CLOSE);
	session_unlink(t, s);
	session_free(s);
	maybe_compact(t);
}

/* A deep copy of e with interface names as the bootstrap spells them, or
 * NULL when it cannot be read back (a frame from outside may hold fields
 * protobuf-c kept but cannot pack and parse again, such as an unknown
 * field of tag 0). */
static Edit *canonical_copy(const Edit *e, const struct bootstrap *bs)
{
	Edit *copy = (Edit *)edit_msg_dup(&e->base);

	if (copy == NULL)
		return NULL;
	if (copy->value)
		validate_canonicalize(copy->value, bs);
	return copy;
}

int session_edit(struct session *s, Edit *const *edits, size_t n, const struct ct_node *running,
		 const struct bootstrap *bs, char *err, size_t errlen, size_t *bad)
{
	struct scope *sc = scope_new();
	Edit **canon = xcalloc(n ? n : 1, sizeof(*canon));
	Config *work, *before;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		canon[i] = canonical_copy(edits[i], bs);
		if (canon[i] == NULL) {
			snprintf(err, errlen, "The edit cannot be read.");
			*bad = i;
			for (size_t k = 0; k < i; k++)
				edit__free_unpacked(canon[k], NULL);
			free(canon);
			scope_free(sc);
			return -EINVAL;
		}
		if (canon[i]->op == EDIT__OP__DELETE &&
		    edit_check_path(canon[i]->path, canon[i]->n_path, err, errlen) < 0) {
			/* Refused before any work: a bad path must cost nothing. */
			*bad = i;
			for (size_t k = 0; k <= i; k++)
				edit__free_unpacked(canon[k], NULL);
			free(canon);
			scope_free(sc);
			return -EINVAL;
		}
		if (canon[i]->op == EDIT__OP__DELETE)
			scope_add(sc, canon[i]->path, canon[i]->n_path);
		else
			scope_add_fragment(sc, canon[i]->value);
	}
	scope_expand(sc, &s->cand, running);
	before = scope_materialize(sc, &s->cand, running);
	work = config_dup(before);
	for (size_t i = 0; i < n && rc == 0; i++) {
		Config *prev = config_dup(work);

		rc = edit_apply(&work, canon[i], err, errlen);
		if (rc == 0) {
			validate_canonicalize(work, bs);
			rc = validate_change(prev, work, bs, VALIDATE_EDIT, err, errlen);
		}
		if (rc < 0)
			*bad = i;
		config__free_unpacked(prev, NULL);
	}
	config__free_unpacked(work, NULL);
	config__free_unpacked(before, NULL);
	scope_free(sc);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++)
			edit__free_unpacked(canon[i], NULL);
		free(canon);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (cand_apply(&s->cand, running, canon[i], err, errlen) < 0)
			fatal("cfgd: a checked edit did not apply: %s", err);
		keep_edit(s, canon[i]);
	}
	if (s->base == 0)
		s->base = running->sub_changed ? running->sub_changed : 1;
	log_edits(s, canon, n, running->sub_changed);
	for (size_t i = 0; i < n; i++)
		edit__free_unpacked(canon[i], NULL);
	free(canon);
	return 0;
}

void session_refresh(struct session *s, const struct ct_node *running)
{
	char err[256];

	cand_clear(&s->cand);
	if (s->n_edits)
		s->base = running->sub_changed ? running->sub_changed : 1;
	for (size_t i = 0; i < s->n_edits; i++) {
		Edit *e = edit_at(s, i);

		if (e == NULL)
			snprintf(err, sizeof(err), "unreadable");
		if (e == NULL || cand_apply(&s->cand, running, e, err, sizeof(err)) < 0)
			log_warn("session %llu: edit %zu not replayed: %s",
				 (unsigned long long)s->id, i, err);
		if (e)
			edit__free_unpacked(e, NULL);
	}
}

void session_running_changed(struct session_table *t, const struct ct_node *running,
			     NodeImage *const *changed, size_t n)
{
	for (struct session *s = t->head; s; s = s->next) {
		/* A session without a difference follows running: what it
		 * typed matched running before, and must not undo the commit
		 * now (its overlay holds absolute values). */
		if (cand_dirty(&s->cand))
			cand_recount_changes(&s->cand, running, changed, n);
		if (!cand_dirty(&s->cand))
			session_rebase(s);
	}
}
