/*
 * trial.c: `commit trial [ seconds ]`, the commit that undoes itself.
 *
 * A trial commit is installed like any other (commit.c), its journal
 * record carrying the trial: the commit, when it ends and its user
 * (persist.c).  Until then:
 *   - a plain `commit` by the same user confirms it (with changes of its
 *     own or without), `abort trial` by that user reverts now;
 *   - other users may not commit, and nobody may roll back or start a
 *     second trial: the revert would silently undo their work;
 *   - when the time is up, cfgd commits the configuration before the trial
 *     itself (the trial commit undone: user "system", description "trial
 *     commit N not confirmed"), which every daemon applies like any commit.
 * The trial is kept in the journal, so a cfgd restarted during a trial
 * still reverts, at once if the time passed while it was down.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfgd_int.h"
#include "edit.h"
#include "log.h"
#include "loop.h"
#include "store.h"

#define TRIAL_RETRY_MS 10000   /* a revert the journal refused, tried again */

static void expired(struct loop *loop, void *arg);

/* Go back to the configuration before the trial as a commit of s (NULL:
 * cfgd's own), answered to peer through out (both NULL: nobody asked). */
static void revert(struct cfgd *d, const struct bus_peer *peer, struct session *s,
		   const char *why, struct ctl_out *out)
{
	char desc[96];
	uint64_t id = d->rf->trial->commit_id;
	ssize_t at = persist_find(d, id);
	struct cand back;
	int rc;

	snprintf(desc, sizeof(desc), "trial commit %" PRIu64 " %s", id, why);
	log_info("%s: reverting", desc);
	cand_init(&back);
	if (at >= 0)
		persist_undo_into(d, &back, (size_t)at);
	else
		log_err("trial commit %" PRIu64 " is not in the history: it stays", id);
	rc = commit_install(d, peer, s, &back, NULL, desc, NULL, out);
	ct_free(back.ov);
	if (rc == 0 || !d->rf->trial || d->rf->trial->commit_id != id || out)
		return;   /* reverted; or the user who asked was told, the trial runs on */
	if (rc == -EIO) {
		/* The journal cannot be written now: the trial stays, and the
		 * revert is tried again. */
		log_err("trial commit %" PRIu64 " could not be reverted; trying again in %d s",
			id, TRIAL_RETRY_MS / 1000);
		if (d->trial_timer)
			loop_timer_cancel(d->loop, d->trial_timer);
		d->trial_timer = loop_timer_add(d->loop, TRIAL_RETRY_MS * 1000ull, expired, d);
		return;
	}
	/* The configuration before it no longer validates: keep the trial's,
	 * rather than lock every other user out. */
	log_err("trial commit %" PRIu64 " cannot be reverted (%s); it stays", id,
		strerror(-rc));
	if (trial_end(d) < 0)
		d->trial_timer = loop_timer_add(d->loop, TRIAL_RETRY_MS * 1000ull, expired, d);
}

uint64_t trial_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds until t ends (0 when it has), never more than its length:
 * a wall clock stepped back while cfgd was down must not stretch it. */
static uint64_t left_ms(const Trial *t)
{
	uint64_t now = trial_now_ms(), len = (t->has_seconds ? t->seconds : 65535u) * 1000ull;
	uint64_t left = t->until_ms > now ? t->until_ms - now : 0;

	return left < len ? left : len;
}

static void expired(struct loop *loop, void *arg)
{
	struct cfgd *d = arg;

	(void)loop;
	d->trial_timer = 0;
	if (d->rf->trial)
		revert(d, NULL, NULL, "not confirmed", NULL);
}

void trial_arm(struct cfgd *d)
{
	uint64_t left;

	if (d->trial_timer)
		loop_timer_cancel(d->loop, d->trial_timer);
	d->trial_timer = 0;
	if (!d->rf->trial)
		return;
	left = left_ms(d->rf->trial);
	log_info("commit %" PRIu64 " is on trial: reverted in %.1f s unless %s confirms it",
		 d->rf->trial->commit_id, left / 1000.0,
		 d->rf->trial->user ? d->rf->trial->user : "its user");
	d->trial_timer = loop_timer_add(d->loop, left * 1000u, expired, d);
}

int trial_end(struct cfgd *d)
{
	uint64_t id = d->rf->trial ? d->rf->trial->commit_id : 0;
	int rc;

	if (!d->rf->trial)
		return 0;
	rc = persist_trial_end(d);
	if (rc < 0) {
		log_err("cannot journal the end of the trial: %s", strerror(-rc));
		return rc;
	}
	log_info("trial of commit %" PRIu64 " ended", id);
	trial_arm(d);
	return 0;
}

int trial_refuses(struct cfgd *d, const struct session *s, bool rollback, bool trial,
		  char *err, size_t errlen)
{
	const Trial *t = d->rf->trial;

	if (!t)
		return 0;
	if (!t->user || strcmp(t->user, s->user) != 0) {
		snprintf(err, errlen, "Commit %" PRIu64 " by %s is on trial for %" PRIu64
			 " more seconds; try again when it is confirmed or reverted.",
			 t->commit_id, t->user ? t->user : "another user",
			 (left_ms(t) + 999) / 1000);
		return -EBUSY;
	}
	if (rollback || trial) {
		snprintf(err, errlen, "Commit %" PRIu64 " is on trial: confirm it with commit "
			 "or revert it with abort trial first.", t->commit_id);
		return -EBUSY;
	}
	return 0;
}

void trial_abort(struct cfgd *d, const struct bus_peer *peer, const TrialAbort *req,
		 struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, req->session);
	const Trial *t = d->rf->trial;
	char err[256];

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (!t) {
		/* Not -ENOENT: clid takes that for a lost session. */
		ctl_fail(out, -ENODATA, "The system is not in the trial configuration mode.");
		return;
	}
	if (lock_refuses(d, s, err, sizeof(err)) < 0) {
		ctl_fail(out, -EBUSY, "%s", err);
		return;
	}
	if (session_dirty(s)) {
		/* The revert would replace its candidate. */
		ctl_fail(out, -EBUSY, "Uncommitted configurations found: commit or discard them "
			 "before aborting the trial.");
		return;
	}
	if (!t->user || strcmp(t->user, s->user) != 0) {
		ctl_fail(out, -EPERM, "Commit %" PRIu64 " is on trial for %s; only that user can "
			 "abort it.", t->commit_id, t->user ? t->user : "another user");
		return;
	}
	revert(d, peer, s, "aborted", out);
}

void trial_fini(struct cfgd *d)
{
	if (d->trial_timer)
		loop_timer_cancel(d->loop, d->trial_timer);
	d->trial_timer = 0;
}
