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
 *
 * Each handler fills a struct ctl_out and the dispatcher sends it
 * (reply.h); only a commit waiting for its applies answers later, itself.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "cfgd_int.h"
#include "cfgtree.h"
#include "clone.h"
#include "identity.h"
#include "log.h"
#include "store.h"

static void on_open(struct cfgd *d, const SessionOpen *o, struct ctl_out *out)
{
	struct session *s;

	s = session_open(&d->sessions, o->user, o->line, o->owner);
	if (s == NULL) {
		log_warn("ctl: session for %s refused: %d sessions open", o->user, SESSION_MAX);
		ctl_fail(out, -EUSERS, "Too many configuration sessions are open.");
		return;
	}
	log_info("session %" PRIu64 " opened by %s (%s)", s->id, s->user, s->line);
	ctl_state(d, s->id, out);
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
static void on_reset(struct cfgd *d, const SessionsReset *r, struct ctl_out *out)
{
	size_t n = 0;

	(void)out;
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
}

static void on_close(struct cfgd *d, const SessionClose *c, struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, c->session);

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	log_info("session %" PRIu64 " closed (%s, %s)", s->id, s->user, s->line);
	lock_session_closed(d, s->id);
	session_close(&d->sessions, s);
	ctl_state(d, c->session, out);
}

static void on_edit(struct cfgd *d, const EditRequest *e, struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, e->session);
	char err[512] = "";
	size_t bad = 0;
	int rc;

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	/* Another session's `configuration exclusive` refuses only what
	 * changes running (lock.c): a candidate may still be edited. */
	rc = session_edit(s, e->edit, e->n_edit, d->run, d->bs, err, sizeof(err), &bad);
	ctl_state(d, s->id, out);
	if (rc < 0) {
		log_debug("session %" PRIu64 ": edit %zu refused: %s", s->id, bad, err);
		ctl_fail(out, rc, "%s", err);
		out->r.has_error_edit = 1;
		out->r.error_edit = (uint32_t)bad;
	}
}

static void on_refresh(struct cfgd *d, const CandidateRefresh *q, struct ctl_out *out)
{
	struct session *s = session_find(&d->sessions, q->session);

	if (s == NULL) {
		ctl_fail(out, -ENOENT, "no such session");
		return;
	}
	if (q->discard) {
		session_rebase(s);
		log_debug("session %" PRIu64 ": candidate cleared", s->id);
	} else {
		session_refresh(s, d->run);
		log_debug("session %" PRIu64 ": candidate refreshed on commit %" PRIu64, s->id,
			  d->rf->commit_id);
	}
	ctl_state(d, s->id, out);
}

static void config_free(void *p)
{
	config__free_unpacked(p, NULL);
}

static void on_get(struct cfgd *d, const GetRequest *g, struct ctl_out *out)
{
	struct session *s = NULL;
	bool candidate = g->has_which && g->which == GET_REQUEST__WHICH__CANDIDATE;

	if (g->has_session) {
		s = session_find(&d->sessions, g->session);
		if (s == NULL) {
			ctl_fail(out, -ENOENT, "no such session");
			return;
		}
		ctl_state(d, s->id, out);
	} else if (candidate) {
		ctl_fail(out, -EINVAL, "The candidate configuration needs a session.");
		return;
	}
	if (g->has_which && g->which == GET_REQUEST__WHICH__STARTUP) {
		Config *saved = NULL;
		char err[600] = "";
		int rc = store_load_startup(d->bs, &saved, err, sizeof(err));

		if (rc == -ENOENT)
			ctl_fail(out, -ENODATA, "There is no saved configuration.");
		else if (rc < 0)
			ctl_fail(out, rc, "%s", err);
		out->r.config = saved;
		ctl_own(out, saved, config_free);
		return;
	}
	if (candidate) {
		out->r.config = cand_materialize(&s->cand, d->run);
		ctl_own(out, out->r.config, config_free);
		return;
	}
	if (g->n_fields > 0) {
		Config *part = xcalloc(1, sizeof(*part));

		config__init(part);
		ctl_own(out, part, config_free);
		out->r.config = part;
		for (size_t i = 0; i < g->n_fields; i++) {
			const ProtobufCFieldDescriptor *f =
				protobuf_c_message_descriptor_get_field_by_name(&config__descriptor,
										g->fields[i]);
			if (f == NULL) {
				out->r.config = NULL;
				ctl_fail(out, -EINVAL, "no configuration field %s", g->fields[i]);
				return;
			}
			ct_materialize_field(d->run, f, &part->base);
		}
	} else {
		out->r.config = (Config *)cfgd_running_config(d);
	}
	out->r.has_commit_id = d->rf->commit_id != 0;
	out->r.commit_id = d->rf->commit_id;
}

static void on_save(struct cfgd *d, const SaveRequest *q, struct ctl_out *out)
{
	char path[4096] = "";
	int rc;

	if (d->rf->trial) {
		/* A reboot would bring back a configuration nobody confirmed. */
		ctl_fail(out, -EBUSY, "Commit %" PRIu64 " is on trial: confirm it with commit "
			 "or revert it with abort trial before saving.", d->rf->trial->commit_id);
		return;
	}
	rc = store_save_startup(d->bs, cfgd_running_config(d));
	store_startup_path(d->bs, path, sizeof(path));
	if (rc < 0) {
		log_warn("save: %s: %s", path, strerror(-rc));
		ctl_fail(out, rc, "Failed to save the configuration to %s: %s.", path,
			 strerror(-rc));
		return;
	}
	log_info("configuration of commit %" PRIu64 " saved to %s (session %" PRIu64 ")",
		 d->rf->commit_id, path, q->has_session ? q->session : 0);
}

static void on_snapshot(struct cfgd *d, const CloneSnapshotRequest *q, struct ctl_out *out)
{
	CloneUpdate *u;

	if (q->topic && strcmp(q->topic, "cfg") != 0) {
		ctl_fail(out, -ENOENT, "no such topic");
		return;
	}
	u = xmalloc(sizeof(*u));
	clone_pub_snapshot(d->pub, u);
	out->r.snapshot = u;
	ctl_own(out, u, free);   /* its state belongs to the publisher */
}

/* `display version` asks who we are. */
static void on_identity(struct ctl_out *out)
{
	DaemonIdentity *id = xmalloc(sizeof(*id));

	identity_fill(id, "cfgd");
	out->r.identity = id;
	ctl_own(out, id, free);
}

void ctl_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		 size_t len, void *arg)
{
	struct cfgd *d = arg;
	CfgRequest *req = cfg_request__unpack(NULL, len, data);
	struct ctl_out out;

	(void)srv;
	ctl_out_init(&out);
	if (req == NULL || req->req_case == CFG_REQUEST__REQ__NOT_SET) {
		d->bad_requests++;
		log_warn("ctl: malformed request (%zu bytes) refused (%" PRIu64 " so far)", len,
			 d->bad_requests);
		ctl_fail(&out, -EBADMSG, "malformed request");
		ctl_send(d, peer, &out);
		if (req)
			cfg_request__free_unpacked(req, NULL);
		return;
	}
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SESSION_OPEN:
		on_open(d, req->session_open, &out);
		break;
	case CFG_REQUEST__REQ_SESSION_CLOSE:
		on_close(d, req->session_close, &out);
		break;
	case CFG_REQUEST__REQ_RESET:
		on_reset(d, req->reset, &out);
		break;
	case CFG_REQUEST__REQ_LOCK:
		lock_request(d, req->lock, &out);
		break;
	case CFG_REQUEST__REQ_EDIT:
		on_edit(d, req->edit, &out);
		break;
	case CFG_REQUEST__REQ_GET:
		on_get(d, req->get, &out);
		break;
	case CFG_REQUEST__REQ_COMMIT:
		commit_request(d, peer, req->commit, &out);
		break;
	case CFG_REQUEST__REQ_APPLIED:
		commit_applied(d, req->applied);
		break;
	case CFG_REQUEST__REQ_SAVE:
		on_save(d, req->save, &out);
		break;
	case CFG_REQUEST__REQ_ROLLBACK:
		history_rollback(d, peer, req->rollback, &out);
		break;
	case CFG_REQUEST__REQ_HISTORY:
		history_list(d, req->history, &out);
		break;
	case CFG_REQUEST__REQ_ABORT_TRIAL:
		trial_abort(d, peer, req->abort_trial, &out);
		break;
	case CFG_REQUEST__REQ_REFRESH:
		on_refresh(d, req->refresh, &out);
		break;
	case CFG_REQUEST__REQ_LABEL:
		history_label(d, req->label, &out);
		break;
	case CFG_REQUEST__REQ_SNAPSHOT:
		on_snapshot(d, req->snapshot, &out);
		break;
	case CFG_REQUEST__REQ_IDENTITY:
		on_identity(&out);
		break;
	default:
		d->bad_requests++;
		ctl_fail(&out, -EBADMSG, "malformed request");
		break;
	}
	if (!out.later)
		ctl_send(d, peer, &out);
	cfg_request__free_unpacked(req, NULL);
}
