/*
 * history.c: what cfgd does with its commit history (RunningFile.history,
 * the last STORE_HISTORY_MAX commits, each with the configuration it made):
 *
 *   rollback  `rollback configuration to commit-id ID | to label L | last N`
 *             becomes a new commit, by the asking session's user, whose
 *             configuration is the one commit ID (or the commit labelled L)
 *             made, or the one before the last N commits; it goes through
 *             commit_install() like any commit (validation, persistence,
 *             publication, the wait for the subscribers) and is recorded
 *             with the description "rollback to commit ID".  A session with
 *             uncommitted changes may not roll back (its candidate would be
 *             lost); a target older than the history kept is refused.
 *   list      `display configuration commit list`: the records, newest
 *             first, without their configurations.
 *   label     `set configuration commit ID label L`, `clear configuration
 *             commit ID label`: saved with the history at once.
 *   changes   `display configuration commit changes commit-id ID`: that
 *             record and the configuration it replaced (the record before
 *             it, or RunningFile.history_base for the oldest one kept), for
 *             clid to show the difference.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgd_int.h"
#include "edit.h"
#include "log.h"
#include "store.h"

/* The record the request names, or NULL with a sentence in err. */
/* The index of commit id in the history, or -1 with a sentence in err. */
static ssize_t record_index(const RunningFile *rf, uint64_t id, char *err, size_t errlen)
{
	for (size_t i = 0; i < rf->n_history; i++)
		if (rf->history[i]->commit_id == id)
			return (ssize_t)i;
	snprintf(err, errlen, "The commit ID %" PRIu64 " does not exist.", id);
	return -1;
}

static const CommitRecord *rollback_target(const RunningFile *rf, const RollbackRequest *req,
					   char *err, size_t errlen)
{
	ssize_t at;

	switch (req->to_case) {
	case ROLLBACK_REQUEST__TO_COMMIT_ID:
		at = record_index(rf, req->commit_id, err, errlen);
		return at < 0 ? NULL : rf->history[at];
	case ROLLBACK_REQUEST__TO_LABEL:
		for (size_t i = 0; i < rf->n_history; i++)
			if (rf->history[i]->label && req->label &&
			    strcmp(rf->history[i]->label, req->label) == 0)
				return rf->history[i];
		snprintf(err, errlen, "The label %s does not exist.", req->label ? req->label : "");
		return NULL;
	case ROLLBACK_REQUEST__TO_LAST:
		if (req->last < 1 || req->last > 80) {
			snprintf(err, errlen, "The number of commits to roll back must be 1 to 80.");
			return NULL;
		}
		if (req->last >= rf->n_history) {
			snprintf(err, errlen, "Cannot roll back %u commits: the history holds the "
				 "configurations of the last %zu commits only.", req->last,
				 rf->n_history);
			return NULL;
		}
		return rf->history[rf->n_history - 1 - req->last];
	default:
		snprintf(err, errlen, "No rollback point given.");
		return NULL;
	}
}

void history_rollback(struct cfgd *d, const struct bus_peer *peer, const RollbackRequest *req)
{
	struct session *s = session_find(&d->sessions, req->session);
	const CommitRecord *target;
	char err[512], desc[64];

	if (s == NULL) {
		ctl_reply_error(d, peer, -ENOENT, "no such session");
		return;
	}
	if (session_dirty(s)) {
		ctl_reply_error(d, peer, -EBUSY, "Uncommitted configurations found: commit or "
				"discard them before rolling back.");
		return;
	}
	if (lock_refuses(d, s, err, sizeof(err)) < 0 ||
	    trial_refuses(d, s, true, false, err, sizeof(err)) < 0) {
		ctl_reply_error(d, peer, -EBUSY, err);
		return;
	}
	target = rollback_target(d->rf, req, err, sizeof(err));
	if (target == NULL || target->config == NULL) {
		if (target)
			snprintf(err, sizeof(err), "The configuration of commit %" PRIu64
				 " is not kept.", target->commit_id);
		log_info("rollback by %s (%s) refused: %s", s->user, s->line, err);
		ctl_reply_error(d, peer, req->to_case == ROLLBACK_REQUEST__TO_LAST ? -EINVAL
				: -ENODATA, err);
		return;
	}
	snprintf(desc, sizeof(desc), "rollback to commit %" PRIu64, target->commit_id);
	log_info("%s (%s): %s", s->user, s->line, desc);
	commit_install(d, peer, s, config_dup(target->config), NULL, desc, NULL);
}

void history_label(struct cfgd *d, const struct bus_peer *peer, const LabelRequest *req)
{
	struct session *s = session_find(&d->sessions, req->session);
	CommitRecord *rec;
	char *old;
	char err[512];
	ssize_t i;
	int rc;

	if (s == NULL) {
		ctl_reply_error(d, peer, -ENOENT, "no such session");
		return;
	}
	if (lock_refuses(d, s, err, sizeof(err)) < 0) {
		ctl_reply_error(d, peer, -EBUSY, err);
		return;
	}
	i = record_index(d->rf, req->commit_id, err, sizeof(err));
	if (i < 0) {
		ctl_reply_error(d, peer, -ENODATA, err);
		return;
	}
	rec = d->rf->history[i];
	if (req->label) {
		if (rec->label) {
			snprintf(err, sizeof(err), "Commit %" PRIu64 " already has the label %s; "
				 "clear it first.", rec->commit_id, rec->label);
			ctl_reply_error(d, peer, -EEXIST, err);
			return;
		}
		rc = commit_check_label(d, req->label, err, sizeof(err));
		if (rc < 0) {
			ctl_reply_error(d, peer, rc, err);
			return;
		}
	} else if (!rec->label) {
		ctl_reply_error(d, peer, -ENODATA, "The commit has no label.");
		return;
	}
	old = rec->label;
	rec->label = req->label ? xstrdup(req->label) : NULL;
	rc = store_save(d->bs, d->rf);
	if (rc < 0) {
		free(rec->label);
		rec->label = old;
		snprintf(err, sizeof(err), "Failed to save the running configuration: %s.",
			 strerror(-rc));
		ctl_reply_error(d, peer, -EIO, err);
		return;
	}
	log_info("%s (%s): commit %" PRIu64 " label %s%s", s->user, s->line, rec->commit_id,
		 req->label ? "set to " : "cleared", req->label ? req->label : "");
	free(old);
	ctl_reply_ok(d, peer);
}

/* One commit with its configuration, then what it replaced. */
static void history_changes(struct cfgd *d, const struct bus_peer *peer, uint64_t id)
{
	const RunningFile *rf = d->rf;
	CfgReply r = CFG_REPLY__INIT;
	CommitRecord before = COMMIT_RECORD__INIT, *v[2];
	char err[128];
	ssize_t i = record_index(rf, id, err, sizeof(err));

	if (i < 0) {
		ctl_reply_error(d, peer, -ENODATA, err);
		return;
	}
	/* Ids follow one another; before the first commit there was none. */
	before.commit_id = id > COMMIT_ID_FIRST ? id - 1 : 0;
	before.config = i > 0 ? rf->history[i - 1]->config : rf->history_base;
	if (rf->history[i]->config == NULL || before.config == NULL) {
		snprintf(err, sizeof(err), "The configuration %s commit %" PRIu64
			 " is not kept.", rf->history[i]->config ? "before" : "of", id);
		ctl_reply_error(d, peer, -ENODATA, err);
		return;
	}
	v[0] = rf->history[i];
	v[1] = &before;
	r.has_status = 1;
	r.status = 0;
	r.n_history = 2;
	r.history = v;
	if (bus_server_reply(d->ctl, peer, &r.base) < 0)
		log_debug("ctl: history reply not sent");
}

void history_list(struct cfgd *d, const struct bus_peer *peer, const HistoryRequest *req)
{
	const RunningFile *rf = d->rf;
	size_t n = rf->n_history;
	CfgReply r = CFG_REPLY__INIT;
	CommitRecord *recs, **v;

	if (req->has_commit_id) {
		history_changes(d, peer, req->commit_id);
		return;
	}
	if (req->has_max && req->max && req->max < n)
		n = req->max;
	recs = xcalloc(n ? n : 1, sizeof(*recs));
	v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		/* Newest first; the strings are borrowed, the config left out. */
		recs[i] = *rf->history[rf->n_history - 1 - i];
		recs[i].config = NULL;
		v[i] = &recs[i];
	}
	r.has_status = 1;
	r.status = 0;
	r.n_history = n;
	r.history = v;
	if (bus_server_reply(d->ctl, peer, &r.base) < 0)
		log_debug("ctl: history reply not sent");
	free(v);
	free(recs);
}
