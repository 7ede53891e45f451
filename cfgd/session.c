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
 * An edit request is judged before the candidate changes: the scope of its
 * edits (scope.h) is cut out of the candidate, the edits are applied to
 * that small copy one by one with edit_apply (which checks each against
 * the schema) and validate_change compares the problems; only a request
 * that passes is applied to the overlay (cand_apply), so a refused one
 * leaves nothing behind.  The cost follows the request, not the
 * configuration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scope.h"
#include "session.h"
#include "validate.h"

void session_table_init(struct session_table *t)
{
	memset(t, 0, sizeof(*t));
	sessid_init(&t->ids);
}

int session_table_start(struct session_table *t, const char *run_dir, char *err, size_t errlen)
{
	return sessid_start(&t->ids, run_dir, err, errlen);
}

static void drop_edits(struct session *s)
{
	for (size_t i = 0; i < s->n_edits; i++)
		edit__free_unpacked(s->edits[i], NULL);
	free(s->edits);
	s->edits = NULL;
	s->n_edits = 0;
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

void session_table_free(struct session_table *t)
{
	while (t->head) {
		struct session *s = t->head;

		t->head = s->next;
		session_free(s);
	}
	t->n = 0;
	sessid_free(&t->ids);
}

void session_rebase(struct session *s)
{
	drop_edits(s);
	cand_clear(&s->cand);
}

struct session *session_open(struct session_table *t, const char *user, const char *line)
{
	struct session *s;
	uint64_t id;

	if (t->n >= SESSION_MAX)
		return NULL;
	id = sessid_next(&t->ids);
	if (id == 0)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->id = id;
	s->user = xstrdup(user ? user : "");
	s->line = xstrdup(line ? line : "");
	cand_init(&s->cand);
	s->next = t->head;
	t->head = s;
	t->n++;
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
	for (struct session **pp = &t->head; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			t->n--;
			session_free(s);
			return;
		}
	}
}

/* A canonical deep copy of e: interface names as the bootstrap spells them. */
static Edit *canonical_copy(const Edit *e, const struct bootstrap *bs)
{
	Edit *copy = (Edit *)edit_msg_dup(&e->base);

	if (copy == NULL)
		fatal("cfgd: an edit could not be copied");
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
		if (canon[i]->op == EDIT__OP__DELETE)
			scope_add(sc, canon[i]->path, canon[i]->n_path);
		else
			scope_add_fragment(sc, canon[i]->value);
	}
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
	s->edits = xrealloc(s->edits, (s->n_edits + n) * sizeof(*s->edits));
	for (size_t i = 0; i < n; i++) {
		if (cand_apply(&s->cand, running, canon[i], err, errlen) < 0)
			fatal("cfgd: a checked edit did not apply: %s", err);
		s->edits[s->n_edits++] = canon[i];
	}
	free(canon);
	return 0;
}

void session_refresh(struct session *s, const struct ct_node *running)
{
	char err[256];

	cand_clear(&s->cand);
	for (size_t i = 0; i < s->n_edits; i++)
		if (cand_apply(&s->cand, running, s->edits[i], err, sizeof(err)) < 0)
			log_warn("session %llu: edit %zu not replayed: %s",
				 (unsigned long long)s->id, i, err);
}

void session_running_changed(struct session_table *t, const struct ct_node *running)
{
	for (struct session *s = t->head; s; s = s->next) {
		cand_recount(&s->cand, running);
		if (!cand_dirty(&s->cand))
			session_rebase(s);
	}
}
