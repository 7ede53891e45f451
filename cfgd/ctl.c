/*
 * ctl.c: cfgd's request socket (ipc://RUN_DIR/cfgd.ctl), CfgRequest in,
 * CfgReply out (proto/cfgd.proto).
 *
 *   session_open   -> state {session, dirty=false, sysname}
 *   session_close  -> status 0 (-ENOENT "no such session")
 *   reset          -> status 0: the sessions of a restarted front end closed
 *   edit           -> state; all edits of the request apply or none:
 *                     -EINVAL, error sentence, error_edit = index
 *   get            -> config (running, the session's candidate, or the saved
 *                     startup configuration: -ENODATA when none) [+ state]
 *   save           -> status 0: running written to STATE_DIR/startup.conf
 *                     (-errno and a sentence when it cannot be)
 *   rollback       -> a commit's reply (history.c)
 *   history        -> the commit records, newest first (history.c)
 *   abort_trial    -> a commit's reply: the trial reverted (trial.c)
 *   refresh        -> state: the session's edits replayed on running, or
 *                     dropped (discard)
 *   label          -> status 0: a commit's label set or cleared (history.c)
 *   lock           -> status 0 [+ lock holder]: configuration exclusive (lock.c)
 *   commit         -> see commit.c (answered now or after the applies)
 *   applied        -> status 0 (a subscriber's report, see commit.c)
 *   snapshot (15)  -> the Clone snapshot of topic "cfg"
 * Every session-related reply carries SessionState; sysname is running's,
 * or the bootstrap's factory sysname.  A request that cannot be decoded (or
 * names no request) is counted and answered -EBADMSG "malformed request".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bootstrap.h"
#include "cfgd_int.h"
#include "clone.h"
#include "log.h"
#include "store.h"

void ctl_session_state(struct cfgd *d, uint64_t session, SessionState *st)
{
	static char *sys_path[] = { "system" };
	const struct ct_node *sys = ct_lookup(d->run, sys_path, 1, NULL);
	const System *run = sys ? (const System *)sys->own : NULL;
	struct session *s = session_find(&d->sessions, session);

	session_state__init(st);
	st->has_session = 1;
	st->session = session;
	st->has_dirty = 1;
	st->dirty = s ? session_dirty(s) : 0;
	st->sysname = d->bs->sysname;
	if (run && run->sysname)
		st->sysname = run->sysname;
}

static void reply(struct cfgd *d, const struct bus_peer *peer, CfgReply *r)
{
	int rc = bus_server_reply(d->ctl, peer, &r->base);

	if (rc < 0)
		log_debug("ctl: reply not sent: %s", strerror(-rc));
}

void ctl_reply_error(struct cfgd *d, const struct bus_peer *peer, int status, const char *error)
{
	CfgReply r = CFG_REPLY__INIT;

	r.has_status = 1;
	r.status = status;
	r.error = (char *)error;
	reply(d, peer, &r);
}

void ctl_reply_ok(struct cfgd *d, const struct bus_peer *peer)
{
	CfgReply r = CFG_REPLY__INIT;

	r.has_status = 1;
	r.status = 0;
	reply(d, peer, &r);
}

static void reply_state(struct cfgd *d, const struct bus_peer *peer, uint64_t session)
{
	CfgReply r = CFG_REPLY__INIT;
	SessionState st;

	ctl_session_state(d, session, &st);
	r.has_status = 1;
	r.status = 0;
	r.state = &st;
	reply(d, peer, &r);
}

static void on_open(struct cfgd *d, const struct bus_peer *peer, const SessionOpen *o)
{
	struct session *s;

	s = session_open(&d->sessions, o->user, o->line, o->owner);
	if (s == NULL) {
		log_warn("ctl: session for %s refused: %d sessions open", o->user, SESSION_MAX);
		ctl_reply_error(d, peer, -EUSERS, "Too many configuration sessions are open.");
		return;
	}
	log_info("session %" PRIu64 " opened by %s (%s)", s->id, s->user, s->line);
	reply_state(d, peer, s->id);
}

/* Whether a session of `owner` belongs to an earlier life of `sender`: the
 * same family (up to '/'), another instance. */
static bool earlier_instance(const char *owner, const char *sender)
{
	size_t fam = strcspn(sender, "/");

	return owner && strcmp(owner, sender) != 0 && strncmp(owner, sender, fam) == 0 &&
	       (owner[fam] == '/' || owner[fam] == '\0');
}

/* A front end restarted: its earlier sessions have no user any more. */
static void on_reset(struct cfgd *d, const struct bus_peer *peer, const SessionsReset *r)
{
	size_t n = 0;

	for (struct session *s = d->sessions.head, *next; s; s = next) {
		next = s->next;
		if (!r->owner || !earlier_instance(s->owner, r->owner))
			continue;
		log_info("session %" PRIu64 " (%s, %s) closed: %.*s restarted (%s left it)", s->id,
			 s->user, s->line, (int)strcspn(r->owner, "/"), r->owner, s->owner);
		lock_session_closed(d, s->id);
		session_close(&d->sessions, s);
		n++;
	}
	if (n)
		log_info("%zu session(s) left by an earlier %.*s closed", n,
			 (int)strcspn(r->owner, "/"), r->owner);
	ctl_reply_ok(d, peer);
}

static void on_close(struct cfgd *d, const struct bus_peer *peer, const SessionClose *c)
{
	struct session *s = session_find(&d->sessions, c->session);

	if (s == NULL) {
		ctl_reply_error(d, peer, -ENOENT, "no such session");
		return;
	}
	log_info("session %" PRIu64 " closed (%s, %s)", s->id, s->user, s->line);
	lock_session_closed(d, s->id);
	session_close(&d->sessions, s);
	reply_state(d, peer, c->session);
}

static void on_edit(struct cfgd *d, const struct bus_peer *peer, const EditRequest *e)
{
	struct session *s = session_find(&d->sessions, e->session);
	char err[512];
	size_t bad = 0;
	int rc;

	if (s == NULL) {
		ctl_reply_error(d, peer, -ENOENT, "no such session");
		return;
	}
	/* Another session's `configuration exclusive` refuses only what
	 * changes running (lock.c): a candidate may still be edited. */
	err[0] = '\0';
	rc = session_edit(s, e->edit, e->n_edit, d->run, d->bs, err, sizeof(err), &bad);
	if (rc < 0) {
		CfgReply r = CFG_REPLY__INIT;
		SessionState st;

		log_debug("session %" PRIu64 ": edit %zu refused: %s", s->id, bad, err);
		ctl_session_state(d, s->id, &st);
		r.has_status = 1;
		r.status = rc;
		r.error = err;
		r.state = &st;
		r.has_error_edit = 1;
		r.error_edit = (uint32_t)bad;
		reply(d, peer, &r);
		return;
	}
	reply_state(d, peer, s->id);
}

static void on_refresh(struct cfgd *d, const struct bus_peer *peer, const CandidateRefresh *q)
{
	struct session *s = session_find(&d->sessions, q->session);

	if (s == NULL) {
		ctl_reply_error(d, peer, -ENOENT, "no such session");
		return;
	}
	if (q->discard) {
		session_rebase(s);
		log_debug("session %" PRIu64 ": candidate cleared", s->id);
		reply_state(d, peer, s->id);
		return;
	}
	session_refresh(s, d->run);
	log_debug("session %" PRIu64 ": candidate refreshed on commit %" PRIu64, s->id,
		  d->rf->commit_id);
	reply_state(d, peer, s->id);
}

static void on_get(struct cfgd *d, const struct bus_peer *peer, const GetRequest *g)
{
	CfgReply r = CFG_REPLY__INIT;
	SessionState st;
	struct session *s = NULL;
	bool candidate = g->has_which && g->which == GET_REQUEST__WHICH__CANDIDATE;

	if (g->has_session) {
		s = session_find(&d->sessions, g->session);
		if (s == NULL) {
			ctl_reply_error(d, peer, -ENOENT, "no such session");
			return;
		}
		ctl_session_state(d, s->id, &st);
		r.state = &st;
	} else if (candidate) {
		ctl_reply_error(d, peer, -EINVAL, "The candidate configuration needs a session.");
		return;
	}
	r.has_status = 1;
	r.status = 0;
	if (g->has_which && g->which == GET_REQUEST__WHICH__STARTUP) {
		Config *saved = NULL;
		char err[600] = "";
		int rc = store_load_startup(d->bs, &saved, err, sizeof(err));

		if (rc < 0) {
			ctl_reply_error(d, peer, rc == -ENOENT ? -ENODATA : rc,
					rc == -ENOENT ? "There is no saved configuration." : err);
			return;
		}
		r.config = saved;
		reply(d, peer, &r);
		config__free_unpacked(saved, NULL);
		return;
	}
	if (candidate) {
		Config *cand = cand_materialize(&s->cand, d->run);

		r.config = cand;
		reply(d, peer, &r);
		config__free_unpacked(cand, NULL);
		return;
	}
	r.config = (Config *)cfgd_running_config(d);
	r.has_commit_id = d->rf->commit_id != 0;
	r.commit_id = d->rf->commit_id;
	reply(d, peer, &r);
}

static void on_save(struct cfgd *d, const struct bus_peer *peer, const SaveRequest *q)
{
	char path[4096] = "", err[4200];
	int rc;

	if (d->rf->trial) {
		/* A reboot would bring back a configuration nobody confirmed. */
		snprintf(err, sizeof(err), "Commit %" PRIu64 " is on trial: confirm it with commit "
			 "or revert it with abort trial before saving.", d->rf->trial->commit_id);
		ctl_reply_error(d, peer, -EBUSY, err);
		return;
	}
	rc = store_save_startup(d->bs, cfgd_running_config(d));
	store_startup_path(d->bs, path, sizeof(path));
	if (rc < 0) {
		log_warn("save: %s: %s", path, strerror(-rc));
		snprintf(err, sizeof(err), "Failed to save the configuration to %s: %s.", path,
			 strerror(-rc));
		ctl_reply_error(d, peer, rc, err);
		return;
	}
	log_info("configuration of commit %" PRIu64 " saved to %s (session %" PRIu64 ")",
		 d->rf->commit_id, path, q->has_session ? q->session : 0);
	ctl_reply_ok(d, peer);
}

static void on_snapshot(struct cfgd *d, const struct bus_peer *peer, const CloneSnapshotRequest *q)
{
	CfgReply r = CFG_REPLY__INIT;
	CloneUpdate u;

	if (q->topic && strcmp(q->topic, "cfg") != 0) {
		ctl_reply_error(d, peer, -ENOENT, "no such topic");
		return;
	}
	clone_pub_snapshot(d->pub, &u);
	r.has_status = 1;
	r.status = 0;
	r.snapshot = &u;
	reply(d, peer, &r);
}

void ctl_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		 size_t len, void *arg)
{
	struct cfgd *d = arg;
	CfgRequest *req = cfg_request__unpack(NULL, len, data);

	(void)srv;
	if (req == NULL || req->req_case == CFG_REQUEST__REQ__NOT_SET) {
		d->bad_requests++;
		log_warn("ctl: malformed request (%zu bytes) refused (%" PRIu64 " so far)", len,
			 d->bad_requests);
		ctl_reply_error(d, peer, -EBADMSG, "malformed request");
		if (req)
			cfg_request__free_unpacked(req, NULL);
		return;
	}
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SESSION_OPEN:
		on_open(d, peer, req->session_open);
		break;
	case CFG_REQUEST__REQ_SESSION_CLOSE:
		on_close(d, peer, req->session_close);
		break;
	case CFG_REQUEST__REQ_RESET:
		on_reset(d, peer, req->reset);
		break;
	case CFG_REQUEST__REQ_LOCK:
		lock_request(d, peer, req->lock);
		break;
	case CFG_REQUEST__REQ_EDIT:
		on_edit(d, peer, req->edit);
		break;
	case CFG_REQUEST__REQ_GET:
		on_get(d, peer, req->get);
		break;
	case CFG_REQUEST__REQ_COMMIT:
		commit_request(d, peer, req->commit);
		break;
	case CFG_REQUEST__REQ_APPLIED:
		commit_applied(d, req->applied);
		ctl_reply_ok(d, peer);
		break;
	case CFG_REQUEST__REQ_SAVE:
		on_save(d, peer, req->save);
		break;
	case CFG_REQUEST__REQ_ROLLBACK:
		history_rollback(d, peer, req->rollback);
		break;
	case CFG_REQUEST__REQ_HISTORY:
		history_list(d, peer, req->history);
		break;
	case CFG_REQUEST__REQ_ABORT_TRIAL:
		trial_abort(d, peer, req->abort_trial);
		break;
	case CFG_REQUEST__REQ_REFRESH:
		on_refresh(d, peer, req->refresh);
		break;
	case CFG_REQUEST__REQ_LABEL:
		history_label(d, peer, req->label);
		break;
	case CFG_REQUEST__REQ_SNAPSHOT:
		on_snapshot(d, peer, req->snapshot);
		break;
	default:
		d->bad_requests++;
		ctl_reply_error(d, peer, -EBADMSG, "malformed request");
		break;
	}
	cfg_request__free_unpacked(req, NULL);
}
