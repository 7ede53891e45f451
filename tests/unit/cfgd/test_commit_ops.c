/*
 * test_commit_ops.c: what cfgd does with commits beyond making them: what
 * a commit changed (display configuration commit changes), labels, the
 * configuration lock (configuration exclusive) and commit trial (the rig:
 * commit_rig.h).
 */
#include "cfgd_rig.h"

TestSuite(commit, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

static CfgReply *commit_changes(uint64_t id)
{
	CfgRequest req = CFG_REQUEST__INIT;
	HistoryRequest h = HISTORY_REQUEST__INIT;

	h.has_commit_id = 1;
	h.commit_id = id;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &h;
	return call(&req);
}

/* Commit id made `made` out of what commit `before_id` made (`before`). */
static void assert_commit_changes(uint64_t id, uint64_t before_id, const char *before,
				  const char *made)
{
	CfgReply *r = commit_changes(id);

	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->n_history, 2);
	cr_assert_eq(r->history[0]->commit_id, id);
	assert_cfg(r->history[0]->config, made);
	cr_assert_eq(r->history[1]->commit_id, before_id);
	assert_cfg(r->history[1]->config, before);
	cfg_reply__free_unpacked(r, NULL);
}

/* `display configuration commit changes commit-id ID`: each commit with the
 * configuration it replaced, also the oldest one kept (the startup
 * configuration for the first commit after a cold start, the dropped
 * record's once the history is full), and after a restart. */
Test(commit, commit_changes_know_what_each_commit_replaced)
{
	Config *saved = cfg("system = { sysname = \"Saved\"; };");
	uint64_t s;
	CfgReply *r;
	char name[64];

	client_fini(&c1);
	cfgd_free(d);
	cr_assert_eq(store_save_startup(&td.bs, saved), 0);
	cfg_free(saved);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
	s = open_session("admin");
	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000001ULL);
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	cr_assert_eq(commit_ok(s), 1000000002ULL);
	assert_commit_changes(1000000001ULL, 0, "system = { sysname = \"Saved\"; };",
			      "system = { sysname = \"A\"; };");
	assert_commit_changes(1000000002ULL, 1000000001ULL, "system = { sysname = \"A\"; };",
			      "system = { sysname = \"A\"; };" SRV("10.0.1.31", ""));

	r = commit_changes(1000000003ULL);
	cr_assert_eq(r->status, -ENODATA);
	cr_assert_str_eq(r->error, "The commit ID 1000000003 does not exist.");
	cfg_reply__free_unpacked(r, NULL);

	/* A restart keeps what the oldest commit replaced. */
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	assert_commit_changes(1000000001ULL, 0, "system = { sysname = \"Saved\"; };",
			      "system = { sysname = \"A\"; };");

	/* Fill the history: 1000000001 drops out and becomes the base. */
	s = open_session("admin");
	for (unsigned i = 3; i <= STORE_HISTORY_MAX + 1; i++) {
		char text[128];

		snprintf(name, sizeof(name), "N%u", i);
		snprintf(text, sizeof(text), "system = { sysname = \"%s\"; };", name);
		edit_ok(s, edit_set(text), NULL);
		cr_assert_eq(commit_ok(s), 1000000000ULL + i);
	}
	cr_assert_eq(d->rf->n_history, STORE_HISTORY_MAX);
	cr_assert_eq(d->rf->history[0]->commit_id, 1000000002ULL);
	r = commit_changes(1000000001ULL);
	cr_assert_eq(r->status, -ENODATA);
	cfg_reply__free_unpacked(r, NULL);
	assert_commit_changes(1000000002ULL, 1000000001ULL, "system = { sysname = \"A\"; };",
			      "system = { sysname = \"A\"; };" SRV("10.0.1.31", ""));
}

static CfgReply *set_label(uint64_t session, uint64_t id, const char *label)
{
	CfgRequest req = CFG_REQUEST__INIT;
	LabelRequest lr = LABEL_REQUEST__INIT;

	lr.session = session;
	lr.commit_id = id;
	lr.label = (char *)label;
	req.req_case = CFG_REQUEST__REQ_LABEL;
	req.label = &lr;
	return call(&req);
}

static void expect_label_error(uint64_t s, uint64_t id, const char *label, int status,
			       const char *error)
{
	CfgReply *r = set_label(s, id, label);

	cr_expect_eq(r->status, status, "%s", r->error ? r->error : "");
	cr_expect_str_eq(r->error ? r->error : "", error);
	cfg_reply__free_unpacked(r, NULL);
}

/* `set configuration commit ID label L` and `clear configuration commit ID
 * label`: labels are unique, changed only by clearing first, kept across a
 * restart, and usable by rollback. */
Test(commit, commit_labels_set_and_cleared)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000001ULL);
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	r = commit_on(&c1, s, "bee");
	cfg_reply__free_unpacked(r, NULL);

	r = set_label(s, 1000000001ULL, "ay");
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_str_eq(d->rf->history[0]->label, "ay");
	expect_label_error(s, 1000000001ULL, "other", -EEXIST,
			   "Commit 1000000001 already has the label ay; clear it first.");
	expect_label_error(s, 1000000002ULL, "ay", -EEXIST,
			   "Commit 1000000002 already has the label bee; clear it first.");
	expect_label_error(s, 1000000009ULL, "x", -ENODATA,
			   "The commit ID 1000000009 does not exist.");

	/* Kept across a restart; rollback finds it. */
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	s = open_session("admin");
	cr_assert_str_eq(d->rf->history[0]->label, "ay");
	r = rollback(s, ROLLBACK_REQUEST__TO_LABEL, 0, "ay");
	cr_assert_eq(r->commit_id, 1000000003ULL, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"A\"; };");

	r = set_label(s, 1000000002ULL, NULL);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_null(d->rf->history[1]->label);
	expect_label_error(s, 1000000002ULL, NULL, -ENODATA, "The commit has no label.");
	expect_label_error(s, 1000000002ULL, "1abc", -EINVAL, "The label must be 1 to 256 "
			   "characters without spaces, starting with a letter.");
	r = set_label(s, 1000000002ULL, "bee2");
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
}

static CfgReply *lock_call(uint64_t session, bool unlock, bool query)
{
	CfgRequest req = CFG_REQUEST__INIT;
	LockRequest lr = LOCK_REQUEST__INIT;

	lr.session = session;
	lr.has_unlock = unlock;
	lr.unlock = unlock;
	lr.has_query = query;
	lr.query = query;
	req.req_case = CFG_REQUEST__REQ_LOCK;
	req.lock = &lr;
	return call(&req);
}

static int lock_status(uint64_t session, bool unlock, bool query)
{
	CfgReply *r = lock_call(session, unlock, query);
	int st = r->status;

	cfg_reply__free_unpacked(r, NULL);
	return st;
}

/* `configuration exclusive`: the holder works; everyone else may still
 * edit their candidate, as on VRP, but their commits, rollbacks and
 * labels are refused (the candidate kept); undo or the holder's session
 * closing releases it. */
Test(commit, configuration_exclusive)
{
	uint64_t a = open_session("admin"), b = open_session("bob");
	CfgReply *r;

	edit_ok(b, edit_set("system = { sysname = \"B\"; };"), NULL);
	cr_assert_eq(lock_status(a, false, false), 0);
	cr_assert_eq(lock_status(a, false, false), 0);   /* again: still its own */
	r = lock_call(b, false, true);
	cr_assert_not_null(r->lock);
	cr_assert_eq(r->lock->session, a);
	cr_assert_str_eq(r->lock->user, "admin");
	cr_assert_str_eq(r->lock->line, "VTY 0");
	cfg_reply__free_unpacked(r, NULL);

	edit_ok(b, edit_set("system = { sysname = \"C\"; };"), NULL);
	cr_assert(rig_session_dirty(b));
	r = commit(b);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert_str_eq(r->error, "The configuration is locked by another user (admin, VTY 0).");
	cfg_reply__free_unpacked(r, NULL);
	assert_candidate(b, "system = { sysname = \"C\"; };");
	cr_assert(rig_session_dirty(b));
	cr_assert_eq(cfgd_commit_id(d), 0);
	cr_assert_eq(lock_status(b, false, false), -EBUSY);
	cr_assert_eq(lock_status(b, true, false), -ENODATA);
	edit_ok(a, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(a), 1000000001ULL);
	r = set_label(b, 1000000001ULL, "x");
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);
	r = rollback(b, ROLLBACK_REQUEST__TO_LAST, 1, NULL);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);
	/* Refreshing the candidate changes only the candidate: allowed. */
	r = refresh(b);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	r = commit(b);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);

	/* undo: bob commits what he typed while locked out (after a refresh:
	 * admin changed the sysname). */
	cr_assert_eq(lock_status(a, true, false), 0);
	r = lock_call(b, false, true);
	cr_assert_null(r->lock);
	cfg_reply__free_unpacked(r, NULL);
	cfg_reply__free_unpacked(refresh(b), NULL);
	cr_assert_eq(commit_ok(b), 1000000002ULL);
	assert_running("system = { sysname = \"C\"; };");

	/* Clearing its candidate keeps the lock; its session closing
	 * releases it. */
	cr_assert_eq(lock_status(b, false, false), 0);
	edit_ok(b, edit_set("system = { sysname = \"E\"; };"), NULL);
	CfgRequest dq = CFG_REQUEST__INIT;
	CandidateRefresh discard = CANDIDATE_REFRESH__INIT;
	discard.session = b;
	discard.has_discard = 1;
	discard.discard = 1;
	dq.req_case = CFG_REQUEST__REQ_REFRESH;
	dq.refresh = &discard;
	r = call(&dq);
	cr_assert_eq(r->status, 0);
	cr_assert_not(r->state->dirty);
	cfg_reply__free_unpacked(r, NULL);
	assert_candidate(b, "system = { sysname = \"C\"; };");
	r = lock_call(a, false, true);
	cr_assert_not_null(r->lock);
	cr_assert_eq(r->lock->session, b);
	cfg_reply__free_unpacked(r, NULL);
	CfgRequest req = CFG_REQUEST__INIT;
	SessionClose sc = SESSION_CLOSE__INIT;
	sc.session = b;
	req.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	req.session_close = &sc;
	cfg_reply__free_unpacked(call(&req), NULL);
	edit_ok(a, edit_set("system = { sysname = \"D\"; };"), NULL);
	cr_assert_eq(commit_ok(a), 1000000003ULL);
}

/* ---- commit trial ---- */

static CfgReply *commit_trial(uint64_t session, unsigned seconds)
{
	CfgRequest req = CFG_REQUEST__INIT;
	CommitRequest cr = COMMIT_REQUEST__INIT;

	cr.session = session;
	cr.has_trial = 1;
	cr.trial = seconds;
	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &cr;
	return call_on(&c1, &req, 10000);
}

static CfgReply *abort_trial(uint64_t session)
{
	CfgRequest req = CFG_REQUEST__INIT;
	TrialAbort ta = TRIAL_ABORT__INIT;

	ta.session = session;
	req.req_case = CFG_REQUEST__REQ_ABORT_TRIAL;
	req.abort_trial = &ta;
	return call_on(&c1, &req, 10000);
}

static bool running_named(void *arg)
{
	const Config *c = cfgd_running(d);

	return c->system && c->system->sysname && strcmp(c->system->sysname, arg) == 0;
}

/* sysname B on trial for `seconds` over a running sysname A (commit 1). */
static uint64_t trial_of_b(unsigned seconds)
{
	uint64_t s = open_session("admin");
	CfgReply *r;
	char want[256];

	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000001ULL);
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	r = commit_trial(s, seconds);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->commit_id, 1000000002ULL);
	snprintf(want, sizeof(want), "The system enters the trial configuration mode. The system "
		 "will revert to previous configuration if the trial configuration is not "
		 "confirmed in %u seconds.", seconds);
	cr_assert_eq(r->n_info, 1);
	cr_assert_str_eq(r->info[0], want);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(running_named("B"));
	cr_assert_not_null(d->rf->trial);
	return s;
}

/* Not confirmed: cfgd commits the configuration before the trial itself;
 * meanwhile other users, rollbacks and a second trial are refused. */
Test(commit, trial_reverts_unless_confirmed)
{
	uint64_t s = trial_of_b(2), bob = open_session("bob");
	CfgReply *r;

	edit_ok(bob, edit_set(SRV("10.0.1.31", "")), NULL);
	r = commit(bob);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert(strstr(r->error, "Commit 1000000002 by admin is on trial for "), "%s", r->error);
	cfg_reply__free_unpacked(r, NULL);
	r = rollback(s, ROLLBACK_REQUEST__TO_LAST, 1, NULL);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert_str_eq(r->error, "Commit 1000000002 is on trial: confirm it with commit or "
			 "revert it with abort trial first.");
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_set("system = { sysname = \"C\"; };"), NULL);
	r = commit_trial(s, 60);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);

	cr_assert(run_until(loop, running_named, "A", 10000), "the trial was not reverted");
	cr_assert_eq(cfgd_commit_id(d), 1000000003ULL);
	cr_assert_null(d->rf->trial);
	cr_assert_str_eq(d->rf->history[2]->user, "system");
	cr_assert_str_eq(d->rf->history[2]->description,
			 "trial commit 1000000002 not confirmed");
	/* Everyone may commit again; s's uncommitted sysname now conflicts
	 * with the revert, which changed the sysname under it. */
	r = commit(bob);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	r = commit(s);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert(strstr(r->error, "changed by another session (commit 1000000003)"), "%s",
		  r->error);
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"A\"; };" SRV("10.0.1.31", ""));
}

/* A plain commit of the same user confirms: nothing reverts after the time
 * (waited for with a bound past it). */
Test(commit, trial_confirmed_by_a_plain_commit)
{
	uint64_t s = trial_of_b(2);
	CfgReply *r = commit(s);

	cr_assert_eq(r->status, 0);
	cr_assert_not(r->has_commit_id);
	cr_assert_eq(r->n_warning, 0);
	cr_assert_eq(r->n_info, 1);
	cr_assert_str_eq(r->info[0], "The trial configuration is confirmed.");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_null(d->rf->trial);
	cr_assert_not(run_until(loop, running_named, "A", 3000));
	cr_assert(running_named("B"));
	cr_assert_eq(cfgd_commit_id(d), 1000000002ULL);
}

/* Confirmed by a commit with changes of its own. */
Test(commit, trial_confirmed_by_a_commit_with_changes)
{
	uint64_t s = trial_of_b(2);

	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	cr_assert_eq(commit_ok(s), 1000000003ULL);
	cr_assert_null(d->rf->trial);
	cr_assert_not(run_until(loop, running_named, "A", 3000));
	assert_running("system = { sysname = \"B\"; };" SRV("10.0.1.31", ""));
}

/* While a trial runs: `save` would make it what a reboot loads, and
 * another user's lock would keep its user from confirming or aborting:
 * both refused.  A trial of nothing starts no trial. */
Test(commit, trial_blocks_save_and_foreign_locks)
{
	uint64_t s = trial_of_b(600), bob = open_session("bob");
	CfgRequest req = CFG_REQUEST__INIT;
	SaveRequest sv = SAVE_REQUEST__INIT;
	CfgReply *r;

	req.req_case = CFG_REQUEST__REQ_SAVE;
	req.save = &sv;
	r = call(&req);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert_str_eq(r->error, "Commit 1000000002 is on trial: confirm it with commit or "
			 "revert it with abort trial before saving.");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(lock_status(bob, false, false), -EBUSY);
	/* bob's plain commit of nothing is just that. */
	r = commit(bob);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->n_warning, 1);
	cr_assert_eq(r->n_info, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_not_null(d->rf->trial);
	r = commit(s);   /* confirms */
	cr_assert_eq(r->n_info, 1);
	cfg_reply__free_unpacked(r, NULL);
	r = commit_trial(s, 600);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->n_info, 0, "a trial of nothing announced a trial");
	cr_assert_eq(r->n_warning, 1);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_null(d->rf->trial);
	r = commit_trial(s, 65536);
	cr_assert_eq(r->status, -EINVAL);
	cfg_reply__free_unpacked(r, NULL);
	r = call(&req);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
}

/* `abort trial`: only its user, without uncommitted changes; then there is
 * no trial to abort. */
Test(commit, abort_trial_reverts_now)
{
	uint64_t s = trial_of_b(600), bob = open_session("bob");
	CfgReply *r = abort_trial(bob);

	cr_assert_eq(r->status, -EPERM);
	cr_assert_str_eq(r->error, "Commit 1000000002 is on trial for admin; only that user "
			 "can abort it.");
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	r = abort_trial(s);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_del("ntp", NULL), NULL);
	r = abort_trial(s);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->commit_id, 1000000003ULL);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(running_named("A"));
	cr_assert_null(d->rf->trial);
	cr_assert_str_eq(d->rf->history[2]->user, "admin");
	cr_assert_str_eq(d->rf->history[2]->description, "trial commit 1000000002 aborted");
	r = abort_trial(s);
	cr_assert_eq(r->status, -ENODATA);
	cr_assert_str_eq(r->error, "The system is not in the trial configuration mode.");
	cfg_reply__free_unpacked(r, NULL);
}

/* The trial is in the journal: a cfgd restarted during it still reverts. */
Test(commit, trial_survives_a_restart)
{
	trial_of_b(1);
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	cr_assert(running_named("B"));
	cr_assert_not_null(d->rf->trial);
	cr_assert_str_eq(d->rf->trial->user, "admin");
	cr_assert(run_until(loop, running_named, "A", 10000), "not reverted after a restart");
	cr_assert_null(d->rf->trial);
}
