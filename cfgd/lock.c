/*
 * lock.c: `configuration exclusive`, one session's lock on the
 * configuration (see LockRequest in proto/cfgd.proto).
 *
 * As on VRP, the lock keeps others from changing running, not from
 * preparing changes: their candidates may still be edited, refreshed and
 * cleared, while their commits, rollbacks, label changes and trial aborts
 * are refused (lock_refuses, called by each of those) until the lock goes.
 *
 * The lock is cfgd's memory only: a restarted cfgd keeps its sessions
 * (session.c) but not the lock.  The holder's own session closing (logout, a VTY timing out, a
 * restarted clid's reset) releases it.  cfgd's own commits (a trial
 * reverting) are not held back by it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cfgd_int.h"
#include "log.h"

int lock_refuses(struct cfgd *d, const struct session *s, char *err, size_t errlen)
{
	const struct session *h;

	if (!d->lock_session || d->lock_session == s->id)
		return 0;
	h = session_find(&d->sessions, d->lock_session);
	snprintf(err, errlen, "The configuration is locked by another user (%s, %s).",
		 h ? h->user : "?", h ? h->line : "?");
	return -EBUSY;
}

void lock_session_closed(struct cfgd *d, uint64_t id)
{
	if (d->lock_session != id)
		return;
	log_info("configuration lock of session %" PRIu64 " released: the session closed", id);
	d->lock_session = 0;
}

/* The holder (if any) into the reply. */
static void holder(struct cfgd *d, struct ctl_out *out)
{
	const struct session *h = d->lock_session ? session_find(&d->sessions, d->lock_session)
					       : NULL;
	LockHolder *lh;

	if (!h)
		return;
	lh = xmalloc(sizeof(*lh));
	lock_holder__init(lh);
	lh->session = h->id;
	lh->user = h->user;
	lh->line = h->line;
	lh->has_since = 1;
	lh->since = d->lock_since;
	out->r.lock = lh;
	ctl_own(out, lh, free);   /* its strings are the session's */
}

void lock_request(struct cfgd *d, const LockRequest *req, struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, req->session);
	char err[256];

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (req->query) {
		holder(d, out);
		return;
	}
	if (req->unlock) {
		if (d->lock_session != s->id) {
			ctl_fail(out, -ENODATA, "This session does not hold the configuration lock.");
			return;
		}
		d->lock_session = 0;
		log_info("configuration lock released by %s (%s)", s->user, s->line);
		holder(d, out);
		return;
	}
	/* Another user's trial must stay confirmable and abortable. */
	if (lock_refuses(d, s, err, sizeof(err)) < 0 ||
	    trial_refuses(d, s, false, false, err, sizeof(err)) < 0) {
		ctl_fail(out, -EBUSY, "%s", err);
		return;
	}
	if (d->lock_session != s->id) {
		d->lock_session = s->id;
		d->lock_since = (uint64_t)time(NULL);
		log_info("configuration locked by %s (%s)", s->user, s->line);
	}
	holder(d, out);
}
