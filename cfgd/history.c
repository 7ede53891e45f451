/*
 * history.c: what cfgd does with its commit history (the journal's COMMIT
 * records kept in memory, persist.c: at least the last STORE_HISTORY_MAX
 * commits, each with what it changed and what was there before):
 *
 *   rollback  `rollback configuration to commit-id ID | to label L | last N`
 *             becomes a new commit, by the asking session's user, whose
 *             configuration is the one commit ID (or the commit labelled L)
 *             made, or the one before the last N commits: the commits after
 *             it undone, newest first, into a candidate of cfgd's own, which
 *             goes through commit_install() like any commit (validation, the
 *             journal, publication, the wait for the subscribers) and is
 *             recorded with the description "rollback to commit ID".  A
 *             session with uncommitted changes may not roll back (its
 *             candidate would be lost); a target older than the history
 *             kept is refused.
 *   list      `display configuration commit list`: the records, newest
 *             first, without their changes.
 *   label     `set configuration commit ID label L`, `clear configuration
 *             commit ID label`: journalled at once.
 *   changes   `display configuration commit changes commit-id ID`: that
 *             commit's configuration and the one it replaced, rebuilt by
 *             undoing (the cost of two whole configurations, as the display
 *             needs), for clid to show the difference.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgd_int.h"
#include "edit.h"
#include "log.h"
#include "pbreflect.h"
#include "store.h"

/* The index of commit id in the history, or -1 with a sentence in err. */
static ssize_t record_index(const struct cfgd *d, uint64_t id, char *err, size_t errlen)
{
	ssize_t at = persist_find(d, id);

	if (at < 0)
		snprintf(err, errlen, "The commit ID %" PRIu64 " does not exist.", id);
	return at;
}

/* The index of the record the request rolls back to, or -1 with err. */
static ssize_t rollback_target(const struct cfgd *d, const RollbackRequest *req, char *err,
			       size_t errlen)
{
	const struct cfgd_running *rf = d->rf;

	switch (req->to_case) {
	case ROLLBACK_REQUEST__TO_COMMIT_ID:
		return record_index(d, req->commit_id, err, errlen);
	case ROLLBACK_REQUEST__TO_LABEL:
		for (size_t i = 0; i < rf->n_history; i++)
			if (rf->history[i]->label && req->label &&
			    strcmp(rf->history[i]->label, req->label) == 0)
				return (ssize_t)i;
		snprintf(err, errlen, "The label %s does not exist.", req->label ? req->label : "");
		return -1;
	case ROLLBACK_REQUEST__TO_LAST:
		if (req->last < 1 || req->last > 80) {
			snprintf(err, errlen, "The number of commits to roll back must be 1 to 80.");
			return -1;
		}
		if (req->last >= rf->n_history) {
			snprintf(err, errlen, "Cannot roll back %u commits: the history holds the "
				 "configurations of the last %zu commits only.", req->last,
				 rf->n_history);
			return -1;
		}
		return (ssize_t)(rf->n_history - 1 - req->last);
	default:
		snprintf(err, errlen, "No rollback point given.");
		return -1;
	}
}

void history_rollback(struct cfgd *d, const struct bus_peer *peer, const RollbackRequest *req,
		      struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, req->session);
	struct cand back;
	uint64_t target;
	char err[512], desc[64];
	ssize_t at;

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (session_dirty(s)) {
		ctl_fail(out, -EBUSY, "Uncommitted configurations found: commit or discard them "
			 "before rolling back.");
		return;
	}
	if (lock_refuses(d, s, err, sizeof(err)) < 0 ||
	    trial_refuses(d, s, true, false, err, sizeof(err)) < 0) {
		ctl_fail(out, -EBUSY, "%s", err);
		return;
	}
	at = rollback_target(d, req, err, sizeof(err));
	if (at < 0) {
		log_info("rollback by %s (%s) refused: %s", s->user, s->line, err);
		ctl_fail(out, req->to_case == ROLLBACK_REQUEST__TO_LAST ? -EINVAL : -ENODATA, "%s",
			 err);
		return;
	}
	target = d->rf->history[at]->commit_id;
	snprintf(desc, sizeof(desc), "rollback to commit %" PRIu64, target);
	log_info("%s (%s): %s", s->user, s->line, desc);
	cand_init(&back);
	persist_undo_into(d, &back, (size_t)at + 1);
	commit_install(d, peer, s, &back, NULL, desc, NULL, out);
	ct_free(back.ov);
}

void history_label(struct cfgd *d, const LabelRequest *req, struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, req->session);
	JournalRecord *rec;
	char err[512];
	ssize_t i;
	int rc;

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (lock_refuses(d, s, err, sizeof(err)) < 0) {
		ctl_fail(out, -EBUSY, "%s", err);
		return;
	}
	i = record_index(d, req->commit_id, err, sizeof(err));
	if (i < 0) {
		ctl_fail(out, -ENODATA, "%s", err);
		return;
	}
	rec = d->rf->history[i];
	if (req->label) {
		if (rec->label) {
			ctl_fail(out, -EEXIST, "Commit %" PRIu64 " already has the label %s; clear "
				 "it first.", rec->commit_id, rec->label);
			return;
		}
		rc = commit_check_label(d, req->label, err, sizeof(err));
		if (rc < 0) {
			ctl_fail(out, rc, "%s", err);
			return;
		}
	} else if (!rec->label) {
		ctl_fail(out, -ENODATA, "The commit has no label.");
		return;
	}
	rc = persist_label(d, rec, req->label);
	if (rc < 0) {
		ctl_fail(out, -EIO, "Failed to save the running configuration: %s.", strerror(-rc));
		return;
	}
	log_info("%s (%s): commit %" PRIu64 " label %s%s", s->user, s->line, rec->commit_id,
		 req->label ? "set to " : "cleared", req->label ? req->label : "");
}

/* A CommitRecord of a history record's metadata (strings borrowed). */
static void record_view(const JournalRecord *j, CommitRecord *r)
{
	commit_record__init(r);
	r->commit_id = j->commit_id;
	r->user = j->user;
	r->line = j->line;
	r->has_time = j->has_time;
	r->time = j->time;
	r->label = j->label;
	r->description = j->description;
}

/* Running as it was after history record `from` - 1 (all records from
 * `from` on undone). */
static Config *config_before(struct cfgd *d, size_t from)
{
	struct cand c;
	Config *cfg;

	cand_init(&c);
	persist_undo_into(d, &c, from);
	cfg = cand_materialize(&c, d->run);
	ct_free(c.ov);
	return cfg;
}

static void config_free(void *p)
{
	config__free_unpacked(p, NULL);
}

/* One commit with its configuration, then what it replaced. */
static void history_changes(struct cfgd *d, uint64_t id, struct ctl_out *out)
{
	struct {
		CommitRecord after, before;
		CommitRecord *v[2];
	} *x;
	char err[128];
	ssize_t i = record_index(d, id, err, sizeof(err));

	if (i < 0) {
		ctl_fail(out, -ENODATA, "%s", err);
		return;
	}
	x = xcalloc(1, sizeof(*x));
	ctl_own(out, x, free);
	record_view(d->rf->history[i], &x->after);
	x->after.config = config_before(d, (size_t)i + 1);
	ctl_own(out, x->after.config, config_free);
	/* Ids follow one another; before the first commit there was none. */
	commit_record__init(&x->before);
	x->before.commit_id = id > COMMIT_ID_FIRST ? id - 1 : 0;
	x->before.config = config_before(d, (size_t)i);
	ctl_own(out, x->before.config, config_free);
	x->v[0] = &x->after;
	x->v[1] = &x->before;
	out->r.n_history = 2;
	out->r.history = x->v;
}

void history_list(struct cfgd *d, const HistoryRequest *req, struct ctl_out *out)
{
	const struct cfgd_running *rf = d->rf;
	size_t n = rf->n_history;
	CommitRecord *recs, **v;

	if (req->has_commit_id) {
		history_changes(d, req->commit_id, out);
		return;
	}
	if (req->has_max && req->max && req->max < n)
		n = req->max;
	recs = xcalloc(n ? n : 1, sizeof(*recs));
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		/* Newest first. */
		record_view(rf->history[rf->n_history - 1 - i], &recs[i]);
		v[i] = &recs[i];
	}
	out->r.n_history = n;
	out->r.history = v;
	ctl_own(out, recs, free);
	ctl_own(out, v, free);
}
