/*
 * session.c: the candidates of the configuration sessions.
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
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
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
	edit_pathset_free(&s->paths);
}

static void session_free(struct session *s)
{
	drop_edits(s);
	if (s->cand)
		config__free_unpacked(s->cand, NULL);
	if (s->base)
		config__free_unpacked(s->base, NULL);
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

void session_rebase(struct session *s, const Config *running, uint64_t running_id)
{
	drop_edits(s);
	if (s->cand)
		config__free_unpacked(s->cand, NULL);
	if (s->base)
		config__free_unpacked(s->base, NULL);
	s->cand = config_dup(running);
	s->base = config_dup(running);
	s->base_id = running_id;
	s->dirty = false;
}

struct session *session_open(struct session_table *t, const char *user, const char *line,
			     const Config *running, uint64_t running_id)
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
	session_rebase(s, running, running_id);
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

int session_edit(struct session *s, Edit *const *edits, size_t n, const Config *running,
		 const struct bootstrap *bs, char *err, size_t errlen, size_t *bad)
{
	Config *work = config_dup(s->cand);
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		rc = edit_apply(&work, edits[i], err, errlen);
		if (rc == 0) {
			validate_canonicalize(work, bs);
			rc = validate_change(s->cand, work, bs, VALIDATE_EDIT, err, errlen);
		}
		if (rc < 0) {
			*bad = i;
			config__free_unpacked(work, NULL);
			return rc;
		}
	}
	s->edits = xrealloc(s->edits, (s->n_edits + n) * sizeof(*s->edits));
	for (size_t i = 0; i < n; i++) {
		Edit *copy = (Edit *)edit_msg_dup(&edits[i]->base);

		if (copy == NULL)
			fatal("cfgd: an edit could not be copied");
		s->edits[s->n_edits++] = copy;
		edit_paths_collect(edits[i], &s->paths);
	}
	config__free_unpacked(s->cand, NULL);
	s->cand = work;
	s->dirty = !config_equal(s->cand, running);
	return 0;
}

int session_replay(const struct session *s, const Config *running, const struct bootstrap *bs,
		   Config **out, char *err, size_t errlen)
{
	Config *work = config_dup(running);

	*out = NULL;
	for (size_t i = 0; i < s->n_edits; i++) {
		int rc = edit_apply(&work, s->edits[i], err, errlen);

		if (rc < 0) {
			config__free_unpacked(work, NULL);
			return rc;
		}
	}
	validate_canonicalize(work, bs);
	*out = work;
	return 0;
}

int session_refresh(struct session *s, const Config *running, uint64_t running_id,
		    const struct bootstrap *bs, char *err, size_t errlen)
{
	Config *work;
	int rc = session_replay(s, running, bs, &work, err, errlen);

	if (rc < 0)
		return rc;
	config__free_unpacked(s->cand, NULL);
	config__free_unpacked(s->base, NULL);
	s->cand = work;
	s->base = config_dup(running);
	s->base_id = running_id;
	s->dirty = !config_equal(s->cand, running);
	return 0;
}

void session_running_changed(struct session_table *t, const Config *running, uint64_t running_id)
{
	for (struct session *s = t->head; s; s = s->next) {
		if (s->n_edits == 0 || config_equal(s->cand, s->base))
			session_rebase(s, running, running_id);
		else
			s->dirty = !config_equal(s->cand, running);
	}
}
