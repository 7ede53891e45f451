/*
 * commit.c: the two-stage commit, and waiting for subscribers to apply it.
 *
 * commit(session):
 *  1. Nothing to commit (the candidate's overlay holds no real difference,
 *     cand.h): status 0, no commit_id, warning "No configuration changes to
 *     commit." (clid prints it as Info); the candidate follows running.
 *  2. If another commit changed an object this session changed since it
 *     did (versions in the tree, cand_conflict), the commit fails (-EBUSY,
 *     "The configuration has been changed by another session (commit N).
 *     ...", N the last commit that changed it) and the candidate is kept.
 *  3. The changes are validated on their scope (scope.h: problems they
 *     introduce; -EINVAL, candidate kept), the label checked, the commit id
 *     is last + 1 (from 1000000001), the journal record is appended and
 *     synced (persist.c; -EIO on failure, nothing changed), then the tree
 *     takes the changes and they are published (a ConfigDelta of the
 *     record's after-images, seq = commit id; snapshots materialize the
 *     whole running configuration when a subscriber asks for one).
 *  4. The reply waits until each subscriber that was connected (heard within
 *     CFGD_SUB_ALIVE_MS) and consumes a changed top-level subtree has
 *     applied the commit, or until apply_wait_ms has passed: then each one
 *     still behind gets a warning "ntpd has not applied commit N within 3 s.".
 *     Apply errors the subscribers report for this commit come back as
 *     warnings, verbatim.  The reply: status 0, commit_id, state, warnings.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd_int.h"
#include "clone.h"
#include "edit.h"
#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "scope.h"
#include "store.h"
#include "validate.h"

static char no_changes[] = "No configuration changes to commit.";
static char *no_changes_v[] = { no_changes };

static void strv_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void strv_free(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

static struct cfgd_sub *sub_find(struct cfgd *d, const char *daemon)
{
	for (size_t i = 0; i < d->n_subs; i++)
		if (strcmp(d->subs[i].daemon, daemon) == 0)
			return &d->subs[i];
	return NULL;
}

static bool sub_alive(const struct cfgd_sub *s, uint64_t now)
{
	return now - s->heard_us <= (uint64_t)CFGD_SUB_ALIVE_MS * 1000u;
}

static bool sub_consumes(const struct cfgd_sub *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < s->n_subtree; i++)
		for (size_t k = 0; k < n; k++)
			if (strcmp(s->subtree[i], names[k]) == 0)
				return true;
	return false;
}

static void pending_free(struct cfgd_pending *p)
{
	loop_timer_cancel(p->d->loop, p->timer);
	bus_peer_free(p->peer);
	strv_free(&p->waiting, &p->n_waiting);
	strv_free(&p->warning, &p->n_warning);
	free(p->info);
	free(p);
}

static void pending_unlink(struct cfgd *d, struct cfgd_pending *p)
{
	for (struct cfgd_pending **pp = &d->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

void commit_answer(struct cfgd *d, struct ctl_out *out, uint64_t session, uint64_t commit_id,
		   char **warning, size_t n_warning, const char *info)
{
	ctl_state(d, session, out);
	if (commit_id) {
		out->r.has_commit_id = 1;
		out->r.commit_id = commit_id;
	}
	out->r.n_warning = n_warning;
	out->r.warning = warning;
	ctl_info(out, info);
}

static void pending_finish(struct cfgd_pending *p, bool timed_out)
{
	struct cfgd *d = p->d;
	char **warn = NULL;
	size_t n_warn = 0;
	char msg[256];

	if (timed_out) {
		unsigned ms = d->apply_wait_ms;

		for (size_t i = 0; i < p->n_waiting; i++) {
			if (ms % 1000 == 0)
				snprintf(msg, sizeof(msg), "%s has not applied commit %" PRIu64
					 " within %u s.", p->waiting[i], p->commit_id, ms / 1000);
			else
				snprintf(msg, sizeof(msg), "%s has not applied commit %" PRIu64
					 " within %.1f s.", p->waiting[i], p->commit_id, ms / 1000.0);
			strv_add(&warn, &n_warn, msg);
			log_warn("%s", msg);
		}
	}
	for (size_t i = 0; i < p->n_warning; i++)
		strv_add(&warn, &n_warn, p->warning[i]);
	{
		struct ctl_out out;

		ctl_out_init(&out);
		commit_answer(d, &out, p->session, p->commit_id, warn, n_warn, p->info);
		ctl_send(d, p->peer, &out);
	}
	strv_free(&warn, &n_warn);
	pending_unlink(d, p);
	pending_free(p);	/* also cancels the timeout, unless it is what fired */
}

static void pending_timeout(struct loop *loop, void *arg)
{
	struct cfgd_pending *p = arg;

	(void)loop;
	p->timer = 0;
	pending_finish(p, true);
}

/* Remove from p's waiting list the subscribers that applied it. */
static void pending_update(struct cfgd_pending *p)
{
	struct cfgd *d = p->d;

	for (size_t i = 0; i < p->n_waiting;) {
		struct cfgd_sub *s = sub_find(d, p->waiting[i]);

		if (s && s->commit_id >= p->commit_id) {
			if (s->commit_id == p->commit_id)
				for (size_t k = 0; k < s->n_error; k++)
					strv_add(&p->warning, &p->n_warning, s->error[k]);
			free(p->waiting[i]);
			p->waiting[i] = p->waiting[--p->n_waiting];
		} else {
			i++;
		}
	}
}

void commit_applied(struct cfgd *d, const Applied *a)
{
	struct cfgd_sub *s;
	uint64_t now = loop_now_us();

	if (a->daemon == NULL || a->daemon[0] == '\0')
		return;
	s = sub_find(d, a->daemon);
	if (s == NULL) {
		if (d->n_subs == CFGD_MAX_SUBS) {
			/* Reuse the slot of the longest silent subscriber. */
			size_t old = 0;

			for (size_t i = 1; i < d->n_subs; i++)
				if (d->subs[i].heard_us < d->subs[old].heard_us)
					old = i;
			if (sub_alive(&d->subs[old], now)) {
				d->bad_requests++;
				log_warn("too many subscribers: Applied from %s ignored", a->daemon);
				return;
			}
			s = &d->subs[old];
			free(s->daemon);
			strv_free(&s->subtree, &s->n_subtree);
			strv_free(&s->error, &s->n_error);
		} else {
			s = &d->subs[d->n_subs++];
		}
		memset(s, 0, sizeof(*s));
		s->daemon = xstrdup(a->daemon);
		log_info("subscriber %s connected (commit %" PRIu64 ")", a->daemon, a->commit_id);
	}
	s->heard_us = now;
	if (a->commit_id != s->commit_id)
		log_debug("%s applied commit %" PRIu64, s->daemon, a->commit_id);
	s->commit_id = a->commit_id;
	strv_free(&s->subtree, &s->n_subtree);
	for (size_t i = 0; i < a->n_subtree; i++)
		strv_add(&s->subtree, &s->n_subtree, a->subtree[i]);
	strv_free(&s->error, &s->n_error);
	for (size_t i = 0; i < a->n_error && i < 32; i++)
		strv_add(&s->error, &s->n_error, a->error[i]);

	for (struct cfgd_pending *p = d->pending, *next; p; p = next) {
		next = p->next;
		pending_update(p);
		if (p->n_waiting == 0)
			pending_finish(p, false);
	}
}

void commit_fini(struct cfgd *d)
{
	while (d->pending) {
		struct cfgd_pending *p = d->pending;

		d->pending = p->next;
		pending_free(p);
	}
	for (size_t i = 0; i < d->n_subs; i++) {
		free(d->subs[i].daemon);
		strv_free(&d->subs[i].subtree, &d->subs[i].n_subtree);
		strv_free(&d->subs[i].error, &d->subs[i].n_error);
	}
	d->n_subs = 0;
}

/* Whether s may commit its candidate: 0, or -EBUSY + err when another
 * commit changed an object it changed since it did. */
static int check_conflict(struct cfgd *d, struct session *s, char *err, size_t errlen)
{
	uint64_t id = cand_conflict(&s->cand, d->run);

	if (id == 0)
		return 0;
	snprintf(err, errlen, "The configuration has been changed by another session (commit %"
		 PRIu64 "). Please refresh the candidate and try again.", id);
	return -EBUSY;
}

int commit_check_label(struct cfgd *d, const char *label, char *err, size_t errlen)
{
	size_t n = strlen(label);
	bool ok = n >= 1 && n <= 256 && isalpha((unsigned char)label[0]);

	for (size_t i = 0; ok && i < n; i++)
		ok = isgraph((unsigned char)label[i]);
	if (!ok) {
		snprintf(err, errlen, "The label must be 1 to 256 characters without spaces, "
			 "starting with a letter.");
		return -EINVAL;
	}
	for (size_t i = 0; i < d->rf->n_history; i++)
		if (d->rf->history[i]->label && strcmp(d->rf->history[i]->label, label) == 0) {
			snprintf(err, errlen, "The label %s is already in use.", label);
			return -EEXIST;
		}
	return 0;
}

static int check_label(struct cfgd *d, const CommitRequest *req, char *err, size_t errlen)
{
	if (req->label) {
		int rc = commit_check_label(d, req->label, err, errlen);

		if (rc < 0)
			return rc;
	}
	if (req->description && (req->description[0] == '\0' || strlen(req->description) > 255)) {
		snprintf(err, errlen, "The description must be 1 to 255 characters.");
		return -EINVAL;
	}
	return 0;
}

/* Top-level fields of Config that c changes (names from the descriptor). */
struct changed_tops {
	const char *name[16];
	size_t n;
};

static void note_top(const struct ct_node *o, const struct ct_node *r, void *arg)
{
	struct changed_tops *t = arg;

	(void)r;
	while (o->parent && o->parent->parent)
		o = o->parent;
	if (o->parent == NULL)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (t->name[i] == o->field->name)
			return;
	if (t->n < 16)
		t->name[t->n++] = o->field->name;
}

/* The scope of c's changes (scope.h). */
static void scope_of_change(const struct ct_node *o, const struct ct_node *r, void *arg)
{
	size_t n;
	char **path = ct_path_of(o, &n);

	(void)r;
	scope_add(arg, path, n);
	free(path);
}

/* The problem c's changes would introduce: 0, or -EINVAL with err. */
static int validate_cand(struct cfgd *d, const struct cand *c, char *err, size_t errlen)
{
	struct scope *sc = scope_new();
	Config *before, *after;
	int rc;

	cand_changes(c, d->run, scope_of_change, sc);
	scope_expand(sc, c, d->run);
	before = scope_materialize(sc, NULL, d->run);
	after = scope_materialize(sc, c, d->run);
	rc = validate_change(before, after, d->bs, VALIDATE_COMMIT, err, errlen);
	config__free_unpacked(before, NULL);
	config__free_unpacked(after, NULL);
	scope_free(sc);
	return rc;
}

int commit_install(struct cfgd *d, const struct bus_peer *peer, struct session *s,
		   struct cand *c, const char *label, const char *description, const char *info,
		   struct ctl_out *out)
{
	const char *user = s ? s->user : "system", *line = s ? s->line : "-";
	struct changed_tops tops = { .n = 0 };
	JournalRecord *rec;
	char err[512];
	uint64_t id, now;
	struct cfgd_pending *p;
	int rc;

	if (!cand_dirty(c)) {
		/* No trial starts; a trial in progress is over (back where it
		 * started from) unless that cannot be recorded. */
		const char *say = d->trial_seconds ? NULL : info;

		if (d->rf->trial && !d->trial_seconds && trial_end(d) < 0) {
			log_err("the trial of commit %" PRIu64 " could not be ended",
				d->rf->trial->commit_id);
			say = NULL;
		}
		if (s)
			session_rebase(s);
		if (out) {
			/* The warning outlives this call only in out: a string of
			 * ours, not the caller's. */
			commit_answer(d, out, s ? s->id : 0, 0, no_changes_v, 1, say);
		}
		return 0;
	}
	rc = validate_cand(d, c, err, sizeof(err));
	if (rc < 0) {
		log_info("commit by %s (%s) refused: %s", user, line, err);
		if (out)
			ctl_fail(out, rc, "%s", err);
		return rc;
	}

	id = d->rf->commit_id >= COMMIT_ID_FIRST ? d->rf->commit_id + 1 : COMMIT_ID_FIRST;
	cand_changes(c, d->run, note_top, &tops);
	rc = persist_commit(d, c, id, user, line, label, description, &rec);
	if (rc < 0) {
		snprintf(err, sizeof(err), "Failed to save the running configuration: %s.",
			 strerror(-rc));
		log_err("commit by %s (%s): %s", user, line, err);
		if (out)
			ctl_fail(out, -EIO, "%s", err);
		return -EIO;
	}
	log_info("commit %" PRIu64 " by %s (%s)%s", id, user, line,
		 d->rf->trial ? " on trial" : "");
	/* display logbuffer: Meridian's own log name (VRP8 logs a change of
	 * running only as CONFIGURATION/6/NETCONF_CONFIG_CHANGE_EVENT, which
	 * carries no commit id). */
	evlog(EV_NOTICE, "CONFIGURATION", "CFG_COMMIT",
	      "The configuration was committed. (CommitId=%" PRIu64 ", UserName=%s, Line=%s%s%s)",
	      id, user, line, label ? ", Label=" : "", label ? label : "");
	{
		ConfigDelta delta = CONFIG_DELTA__INIT;

		delta.n_node = rec->n_after;
		delta.node = rec->after;
		clone_pub_delta(d->pub, &delta.base, id);
	}
	if (s && c == &s->cand)
		session_rebase(s);
	session_running_changed(&d->sessions, d->run, rec->after, rec->n_after);
	persist_keep(d, rec);   /* takes rec */
	trial_arm(d);
	if (!out)
		return 0;

	p = xcalloc(1, sizeof(*p));
	p->d = d;
	p->session = s ? s->id : 0;
	p->commit_id = id;
	now = loop_now_us();
	for (size_t i = 0; i < d->n_subs; i++) {
		const struct cfgd_sub *sub = &d->subs[i];

		if (sub_alive(sub, now) && sub_consumes(sub, tops.name, tops.n) &&
		    sub->commit_id < id)
			strv_add(&p->waiting, &p->n_waiting, sub->daemon);
	}
	if (p->n_waiting == 0) {
		commit_answer(d, out, p->session, id, NULL, 0, info);
		free(p);
		return 0;
	}
	p->info = info ? xstrdup(info) : NULL;
	p->peer = bus_peer_dup(peer);
	out->later = true;
	p->timer = loop_timer_add(d->loop, (uint64_t)d->apply_wait_ms * 1000u, pending_timeout, p);
	p->next = d->pending;
	d->pending = p;
	return 0;
}

void commit_request(struct cfgd *d, const struct bus_peer *peer, const CommitRequest *req,
		    struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, req->session);
	bool trial = req->has_trial;
	char err[512], info[256];
	const char *say = NULL;
	int rc;

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (trial && (req->trial == 0 || req->trial > 65535)) {
		ctl_fail(out, -EINVAL, "The trial time must be 1 to 65535 seconds.");
		return;
	}
	/* Nothing to commit is said so to anyone, locked out or not, except
	 * to the trial's user, whose plain commit confirms it. */
	if (!session_dirty(s) &&
	    (!d->rf->trial || trial || trial_refuses(d, s, false, false, err, sizeof(err)) < 0)) {
		session_rebase(s);
		commit_answer(d, out, s->id, 0, no_changes_v, 1, NULL);
		return;
	}
	rc = lock_refuses(d, s, err, sizeof(err));
	if (rc == 0)
		rc = trial_refuses(d, s, false, trial, err, sizeof(err));
	if (rc < 0) {
		log_info("commit by %s (%s) refused: %s", s->user, s->line, err);
		ctl_fail(out, rc, "%s", err);
		return;
	}
	/* A plain commit of the trial's user confirms the trial, with changes
	 * of its own (the commit ends the trial) or without. */
	if (d->rf->trial && !trial)
		say = "The trial configuration is confirmed.";
	if (!session_dirty(s)) {
		if (trial_end(d) < 0) {
			ctl_fail(out, -EIO, "Failed to save the running configuration.");
			return;
		}
		session_rebase(s);
		commit_answer(d, out, s->id, 0, NULL, 0, say);
		return;
	}
	rc = check_label(d, req, err, sizeof(err));
	if (rc == 0)
		rc = check_conflict(d, s, err, sizeof(err));
	if (rc < 0) {
		log_info("commit by %s (%s) refused: %s", s->user, s->line, err);
		ctl_fail(out, rc, "%s", err);
		return;
	}
	if (trial) {
		snprintf(info, sizeof(info), "The system enters the trial configuration mode. The "
			 "system will revert to previous configuration if the trial configuration "
			 "is not confirmed in %u seconds.", req->trial);
		say = info;
	}
	d->trial_seconds = trial ? req->trial : 0;
	commit_install(d, peer, s, &s->cand, req->label, req->description, say, out);
	d->trial_seconds = 0;
}
