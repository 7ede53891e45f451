/*
 * test_commit.c: cfgd's core in-process: sessions, edits, two-stage commit,
 * conflicts and refresh, waiting for subscribers, persistence and restart,
 * save, rollback, bad input (the rig: commit_rig.h).
 */
#include "cfgd_rig.h"

TestSuite(commit, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

Test(commit, sessions_dirty_and_ids)
{
	uint64_t s1 = open_session("admin"), s2 = open_session("admin");
	CfgReply *r;

	cr_assert_neq(s1, s2);
	cr_assert_eq(cfgd_commit_id(d), 0);

	r = edit(s1, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	cr_assert_eq(r->status, 0);
	cr_assert(r->state->dirty);
	cr_assert_str_eq(r->state->sysname, "HUAWEI");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_not(rig_session_dirty(s2));

	r = commit(s1);
	cr_assert_eq(r->status, 0);
	cr_assert(r->has_commit_id);
	cr_assert_eq(r->commit_id, 1000000001ULL);
	cr_assert_not(r->state->dirty);
	cr_assert_str_eq(r->state->sysname, "DeviceC");
	cr_assert_eq(r->n_warning, 0);
	cfg_reply__free_unpacked(r, NULL);

	/* s2 had no edits: it follows running. */
	assert_candidate(s2, "system = { sysname = \"DeviceC\"; };");
	cr_assert_not(rig_session_dirty(s2));

	edit_ok(s2, edit_set("ntp = { refclock_master = { stratum = 2; }; };"), NULL);
	cr_assert_eq(commit_ok(s2), 1000000002ULL);

	/* An edit and its undo leave nothing to commit. */
	edit_ok(s1, edit_set("ntp = { server_source_interface = \"GigabitEthernet0/1/0\"; };"), NULL);
	cr_assert(rig_session_dirty(s1));
	edit_ok(s1, edit_del("ntp", "server_source_interface", NULL), NULL);
	cr_assert_not(rig_session_dirty(s1));
	r = commit(s1);
	cr_assert_eq(r->status, 0);
	cr_assert_not(r->has_commit_id);
	cr_assert_eq(r->n_warning, 1);
	cr_assert_str_eq(r->warning[0], "No configuration changes to commit.");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(cfgd_commit_id(d), 1000000002ULL);

	r = get(0, false);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->commit_id, 1000000002ULL);
	assert_cfg(r->config, "system = { sysname = \"DeviceC\"; };"
		   " ntp = { refclock_master = { stratum = 2; }; };");
	cfg_reply__free_unpacked(r, NULL);
}

/* A restarted clid closes the sessions its earlier life left open, and
 * only those: not another front end's, not its own new ones. */
Test(commit, reset_closes_a_front_ends_sessions)
{
	uint64_t a = open_session_of("admin", "clid/100.1"), b = open_session_of("bob", "clid");
	uint64_t c = open_session_of("carol", "netconf/7.1"), e = open_session("eve");
	uint64_t f = open_session_of("fay", "clid/200.2"), g = open_session_of("gil", "clidx/1");
	CfgRequest req = CFG_REQUEST__INIT;
	SessionsReset rs = SESSIONS_RESET__INIT;
	CfgReply *r;

	edit_ok(a, edit_set("system = { sysname = \"A\"; };"), NULL);
	rs.owner = "clid/200.2";
	req.req_case = CFG_REQUEST__REQ_RESET;
	req.reset = &rs;
	r = call(&req);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_null(session_find(&d->sessions, a));
	cr_assert_null(session_find(&d->sessions, b));
	cr_assert_not_null(session_find(&d->sessions, c));
	cr_assert_not_null(session_find(&d->sessions, e));
	cr_assert_not_null(session_find(&d->sessions, f));
	cr_assert_not_null(session_find(&d->sessions, g));
	/* Nothing of theirs was committed. */
	assert_running("");
}

Test(commit, edits_apply_all_or_none)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	r = edit(s, edit_set("system = { sysname = \"DeviceD\"; };"),
		 edit_set(SRV("10.0.1.31", "version = 9;")));
	cr_assert_eq(r->status, -EINVAL);
	cr_assert(r->has_error_edit);
	cr_assert_eq(r->error_edit, 1);
	cr_assert_str_eq(r->error, "The NTP version of server 10.0.1.31 must be 1 to 4.");
	cr_assert_not(r->state->dirty);
	cfg_reply__free_unpacked(r, NULL);
	assert_candidate(s, "");

	r = edit(s, edit_del("ntp", "bogus", NULL), NULL);
	cr_assert_eq(r->status, -EINVAL);
	cr_assert_eq(r->error_edit, 0);
	cr_assert_str_eq(r->error, "The configuration path 'ntp bogus' is unknown.");
	cfg_reply__free_unpacked(r, NULL);

	/* Interface names are stored in the bootstrap's spelling. */
	edit_ok(s, edit_set("interface = ( { name = \"gigabitethernet0/1/0\"; address = {"
			    " address = \"10.0.1.31\"; prefix_len = 24; }; } );"), NULL);
	assert_candidate(s, "interface = ( { name = \"GigabitEthernet0/1/0\"; address = {"
			 " address = \"10.0.1.31\"; prefix_len = 24; }; } );");
}

Test(commit, unknown_session)
{
	CfgReply *r = edit(4242, edit_set("system = { sysname = \"X\"; };"), NULL);

	cr_assert_eq(r->status, -ENOENT);
	cr_assert_str_eq(r->error, "no such session");
	cfg_reply__free_unpacked(r, NULL);
	r = commit(4242);
	cr_assert_eq(r->status, -ENOENT);
	cfg_reply__free_unpacked(r, NULL);
	r = get(4242, true);
	cr_assert_eq(r->status, -ENOENT);
	cfg_reply__free_unpacked(r, NULL);
}

Test(commit, conflict_keeps_candidate)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set(SRV("10.0.1.31", "version = 4;")), NULL);
	edit_ok(s2, edit_set(SRV("10.0.1.31", "version = 2;")), NULL);
	cr_assert_eq(commit_ok(s1), 1000000001ULL);

	r = commit(s2);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert_str_eq(r->error, "The configuration has been changed by another session "
			 "(commit 1000000001). Please refresh the candidate and try again.");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(rig_session_dirty(s2));
	assert_candidate(s2, SRV("10.0.1.31", "version = 2;"));
	cr_assert_eq(cfgd_commit_id(d), 1000000001ULL);
	/* It keeps failing: the candidate is not silently rebased. */
	r = commit(s2);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);
}


/* `refresh configuration candidate` after a conflict: the session's edits
 * on the new running (its own win on the object both changed, the other
 * session's other changes stay), and the commit goes through. */
Test(commit, refresh_resolves_a_conflict)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set("system = { sysname = \"Alice\"; };"), NULL);
	edit_ok(s1, edit_set(SRV("10.0.1.31", "version = 4;")), NULL);
	edit_ok(s2, edit_set(SRV("10.0.1.31", "version = 2;")), NULL);
	cr_assert_eq(commit_ok(s1), 1000000001ULL);
	r = commit(s2);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);

	r = refresh(s2);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert(r->state->dirty);
	cfg_reply__free_unpacked(r, NULL);
	assert_candidate(s2, "system = { sysname = \"Alice\"; };" SRV("10.0.1.31", "version = 2;"));
	cr_assert_eq(commit_ok(s2), 1000000002ULL);
	assert_running("system = { sysname = \"Alice\"; };" SRV("10.0.1.31", "version = 2;"));

	/* Nothing of its own: refreshing just follows running. */
	r = refresh(s1);
	cr_assert_eq(r->status, 0);
	cr_assert_not(r->state->dirty);
	cfg_reply__free_unpacked(r, NULL);
	r = refresh(999);
	cr_assert_eq(r->status, -ENOENT);
	cfg_reply__free_unpacked(r, NULL);
}

Test(commit, disjoint_edits_both_commit)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set("system = { sysname = \"DeviceD\"; };"), NULL);
	edit_ok(s2, edit_set(SRV("10.0.1.31", "")), NULL);
	edit_ok(s2, edit_set("ntp = { server_source_interface = \"GigabitEthernet0/1/0\"; };"), NULL);
	cr_assert_eq(commit_ok(s1), 1000000001ULL);
	cr_assert(rig_session_dirty(s2));
	cr_assert_eq(commit_ok(s2), 1000000002ULL);
	r = get(0, false);
	assert_cfg(r->config, "system = { sysname = \"DeviceD\"; }; ntp = {"
		   " server_source_interface = \"GigabitEthernet0/1/0\";"
		   " unicast_server = ( { address = \"10.0.1.31\"; } ); };");
	cfg_reply__free_unpacked(r, NULL);
	/* Both candidates are running now. */
	assert_candidate(s1, "system = { sysname = \"DeviceD\"; }; ntp = {"
			 " server_source_interface = \"GigabitEthernet0/1/0\";"
			 " unicast_server = ( { address = \"10.0.1.31\"; } ); };");
}

Test(commit, validation_at_commit_keeps_candidate)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	/* Each is fine alone; together the subnets overlap. */
	edit_ok(s1, edit_set("interface = ( { name = \"GigabitEthernet0/1/0\"; address = {"
			     " address = \"10.0.1.31\"; prefix_len = 24; }; } );"), NULL);
	edit_ok(s2, edit_set("interface = ( { name = \"GigabitEthernet0/2/0\"; address = {"
			     " address = \"10.0.1.32\"; prefix_len = 24; }; } );"), NULL);
	commit_ok(s1);
	r = commit(s2);
	cr_assert_eq(r->status, -EINVAL);
	cr_assert_str_eq(r->error, "The address 10.0.1.32/24 of interface GigabitEthernet0/2/0 "
			 "overlaps with the address 10.0.1.31/24 of interface GigabitEthernet0/1/0.");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(rig_session_dirty(s2));
}

Test(commit, labels)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	r = commit_on(&c1, s, "first");
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	r = commit_on(&c1, s, "first");
	cr_assert_eq(r->status, -EEXIST);
	cr_assert_str_eq(r->error, "The label first is already in use.");
	cfg_reply__free_unpacked(r, NULL);
	r = commit_on(&c1, s, "1abc");
	cr_assert_eq(r->status, -EINVAL);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(rig_session_dirty(s));
}

/* A fake subscriber: sends Applied every 20 ms, either following cfgd's
 * commit id at once (prompt) or stuck at a fixed one (silent). */
struct fake_sub {
	struct client c;
	const char *daemon;
	bool prompt;
	uint64_t fixed;
	uint64_t timer;
	const char *error;
};

static void fake_tick(struct loop *l, void *arg)
{
	struct fake_sub *f = arg;
	CfgRequest req = CFG_REQUEST__INIT;
	Applied a = APPLIED__INIT;
	char *subtree[] = { "ntp" };
	char *err[] = { (char *)f->error };

	a.daemon = (char *)f->daemon;
	a.commit_id = f->prompt ? cfgd_commit_id(d) : f->fixed;
	a.subtree = subtree;
	a.n_subtree = 1;
	a.error = err;
	a.n_error = f->error ? 1 : 0;
	req.req_case = CFG_REQUEST__REQ_APPLIED;
	req.applied = &a;
	bus_client_send(f->c.cli, &req.base);
	f->timer = loop_timer_add(l, 20000, fake_tick, f);
}

static bool subs_heard(void *arg)
{
	return d->n_subs >= (size_t)(uintptr_t)arg;
}

static void fake_start(struct fake_sub *f)
{
	client_init(&f->c);
	fake_tick(loop, f);
}

static void fake_stop(struct fake_sub *f)
{
	loop_timer_cancel(loop, f->timer);
	client_fini(&f->c);
}

static bool never(void *arg)
{
	(void)arg;
	return false;
}

Test(commit, prompt_subscriber_answers_quickly)
{
	struct fake_sub f = { .daemon = "ntpd", .prompt = true, .error = "Cannot bind 10.0.1.9." };
	uint64_t s = open_session("admin");
	CfgReply *r;

	/* A bound far longer than the test: the reply carrying the apply error
	 * and no "has not applied" warning shows the commit did not wait it
	 * out, whatever the machine's load (no timed assertion). */
	cfgd_set_apply_wait_ms(d, 30000);
	fake_start(&f);
	cr_assert(run_until(loop, subs_heard, (void *)1, 5000));
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->commit_id, 1000000001ULL);
	/* The subscriber's apply error comes back as a warning. */
	cr_assert_eq(r->n_warning, 1);
	cr_assert_str_eq(r->warning[0], "Cannot bind 10.0.1.9.");
	cfg_reply__free_unpacked(r, NULL);
	/* Regression: the bounded wait (and its timer) must die with the
	 * answered commit; the loop runs on and cfgd still answers. */
	cr_assert_null(d->pending, "the answered commit is still waiting");
	cr_assert_not(run_until(loop, never, NULL, 200));
	r = get(0, false);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->commit_id, 1000000001ULL);
	cfg_reply__free_unpacked(r, NULL);
	fake_stop(&f);
}

Test(commit, silent_subscriber_gets_a_warning)
{
	struct fake_sub f = { .daemon = "ntpd", .prompt = false, .fixed = 0 };
	struct fake_sub g = { .daemon = "ifmgrd", .prompt = false, .fixed = 0 };
	uint64_t s = open_session("admin");
	CfgReply *r;

	cfgd_set_apply_wait_ms(d, 200);
	fake_start(&f);
	g.timer = 0;
	client_init(&g.c);
	/* ifmgrd consumes only "interface" below: an NTP change does not wait for it. */
	{
		CfgRequest req = CFG_REQUEST__INIT;
		Applied a = APPLIED__INIT;
		char *subtree[] = { "interface" };
		CfgReply *ar;

		a.daemon = "ifmgrd";
		a.subtree = subtree;
		a.n_subtree = 1;
		req.req_case = CFG_REQUEST__REQ_APPLIED;
		req.applied = &a;
		ar = call_on(&g.c, &req, 5000);
		cr_assert_eq(ar->status, 0);
		cfg_reply__free_unpacked(ar, NULL);
	}
	cr_assert(run_until(loop, subs_heard, (void *)2, 5000));
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->commit_id, 1000000001ULL);
	cr_assert_eq(r->n_warning, 1);
	cr_assert_str_eq(r->warning[0], "ntpd has not applied commit 1000000001 within 0.2 s.");
	cfg_reply__free_unpacked(r, NULL);
	fake_stop(&f);
	client_fini(&g.c);
}

/* A real subscriber (common/cfgsub) in the same loop. */
struct real_sub {
	uint64_t applied;
	char sysname[64];
	int servers;
};

static int real_apply(const Config *c, uint64_t commit_id, char **errs, int max, void *arg)
{
	struct real_sub *rs = arg;

	(void)errs;
	(void)max;
	rs->applied = commit_id;
	rs->servers = c->ntp ? (int)c->ntp->n_unicast_server : 0;
	snprintf(rs->sysname, sizeof(rs->sysname), "%s",
		 c->system && c->system->sysname ? c->system->sysname : "");
	return 0;
}

static bool cfgsub_at(void *arg)
{
	return cfgsub_commit_id(arg) == cfgd_commit_id(d);
}

Test(commit, cfgsub_subscriber_applies)
{
	static const char *const subtrees[] = { "ntp", "system", NULL };
	struct real_sub rs = { 0 };
	struct cfgsub *cs = cfgsub_new(loop, zctx, &td.bs, "ntpd", subtrees, real_apply, &rs);
	uint64_t s = open_session("admin");
	CfgReply *r;

	cr_assert_not_null(cs);
	cr_assert(run_until(loop, subs_heard, (void *)1, 5000), "cfgsub never reported");
	edit_ok(s, edit_set(SRV("10.0.1.31", "iburst = true;")), NULL);
	edit_ok(s, edit_set("system = { sysname = \"DeviceD\"; };"), NULL);
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->n_warning, 0, "warning: %s", r->n_warning ? r->warning[0] : "");
	cfg_reply__free_unpacked(r, NULL);
	/* The reply waited for the apply. */
	cr_assert_eq(rs.applied, 1000000001ULL);
	cr_assert_eq(rs.servers, 1);
	cr_assert_str_eq(rs.sysname, "DeviceD");

	/* Deltas from now on: only what changed is rebuilt, and a commit of
	 * nothing it consumes is acknowledged without an apply. */
	edit_ok(s, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"5\"; } ); } );"), NULL);
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(run_until(loop, cfgsub_at, cs, 5000), "commit 2 never acknowledged");
	cr_assert_eq(rs.applied, 1000000001ULL, "acl is not consumed: no apply");
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.31", NULL), NULL);
	edit_ok(s, edit_set(SRV("10.0.1.32", "")), NULL);
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(rs.applied, 1000000003ULL);
	cr_assert_eq(rs.servers, 1);
	cr_assert_str_eq(rs.sysname, "DeviceD", "fields that did not change are kept");
	cfgsub_free(cs);
}

Test(commit, snapshot_carries_commit_id)
{
	uint64_t s = open_session("admin");
	CfgRequest req = CFG_REQUEST__INIT;
	CloneSnapshotRequest q = CLONE_SNAPSHOT_REQUEST__INIT;
	CfgReply *r;
	Config *c;

	edit_ok(s, edit_set("system = { sysname = \"DeviceE\"; };"), NULL);
	commit_ok(s);
	q.topic = "cfg";
	req.req_case = CFG_REQUEST__REQ_SNAPSHOT;
	req.snapshot = &q;
	r = call(&req);
	cr_assert_eq(r->status, 0);
	cr_assert_not_null(r->snapshot);
	cr_assert_eq(r->snapshot->seq, 1000000001ULL);
	c = config__unpack(NULL, r->snapshot->state.len, r->snapshot->state.data);
	cr_assert_not_null(c);
	assert_cfg(c, "system = { sysname = \"DeviceE\"; };");
	cfg_free(c);
	cfg_reply__free_unpacked(r, NULL);
}

Test(commit, restart_from_checkpoint_and_journal)
{
	uint64_t s = open_session("admin");
	Config *before;

	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	commit_ok(s);
	edit_ok(s, edit_set("ntp = { refclock_master = { stratum = 2; };"
			    " server_source_interface = \"GigabitEthernet0/1/0\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000002ULL);
	before = config_dup(cfgd_running(d));

	/* Kill and restart: exactly the last commit comes back. */
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(cfgd_commit_id(d), 1000000002ULL);
	cr_assert(config_equal(cfgd_running(d), before));
	cr_assert_eq(d->rf->n_history, 2);
	cr_assert_str_eq(d->rf->history[1]->user, "admin");
	cr_assert_str_eq(d->rf->history[1]->line, "VTY 0");

	s = open_session("admin");
	assert_candidate(s, "system = { sysname = \"DeviceC\"; }; ntp = { refclock_master = {"
			 " stratum = 2; }; server_source_interface = \"GigabitEthernet0/1/0\"; };");
	edit_ok(s, edit_del("ntp", "refclock_master", NULL), NULL);
	cr_assert_eq(commit_ok(s), 1000000003ULL);
	cfg_free(before);
}

Test(commit, corrupt_checkpoint_refuses_to_start)
{
	char path[256], err[512] = "";
	uint64_t s = open_session("admin");
	FILE *f;
	long size;

	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	commit_ok(s);
	client_fini(&c1);
	cfgd_free(d);
	d = NULL;
	/* A checkpoint torn in the middle (its checksum no longer holds). */
	cr_assert_eq(store_checkpoint_path(&td.bs, path, sizeof(path)), 0);
	f = fopen(path, "r+");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	cr_assert_gt(size, 13);
	fseek(f, 13, SEEK_SET);
	fputc('!', f);
	fclose(f);
	cr_assert_null(cfgd_new(loop, zctx, &td.bs, err, sizeof(err)));
	cr_assert(strstr(err, "checkpoint") != NULL && strstr(err, "corrupt") != NULL, "%s", err);
	/* Teardown expects a cfgd. */
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
}

/* A journal whose checkpoint is gone is not guessed from. */
Test(commit, journal_without_checkpoint_refuses_to_start)
{
	uint64_t s = open_session("admin");
	char path[256], err[512] = "";

	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	commit_ok(s);
	client_fini(&c1);
	cfgd_free(d);
	d = NULL;
	cr_assert_eq(store_checkpoint_path(&td.bs, path, sizeof(path)), 0);
	cr_assert_eq(remove(path), 0);
	cr_assert_null(cfgd_new(loop, zctx, &td.bs, err, sizeof(err)));
	cr_assert(strstr(err, "checkpoint") != NULL, "%s", err);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
}

Test(commit, startup_conf_is_loaded_on_a_cold_start)
{
	Config *c = cfg("system = { sysname = \"Saved\"; };");

	client_fini(&c1);
	cfgd_free(d);
	cr_assert_eq(store_save_startup(&td.bs, c), 0);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(cfgd_commit_id(d), 0);
	cr_assert(config_equal(cfgd_running(d), c));
	cfg_free(c);
}

static CfgReply *get_saved(void)
{
	CfgRequest req = CFG_REQUEST__INIT;
	GetRequest g = GET_REQUEST__INIT;

	g.has_which = 1;
	g.which = GET_REQUEST__WHICH__STARTUP;
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &g;
	return call(&req);
}

/* `save`: running (not a candidate) becomes startup.conf, which `display
 * saved-configuration` reads and a cold start loads. */
Test(commit, save_writes_running_as_startup)
{
	CfgRequest req = CFG_REQUEST__INIT;
	SaveRequest sv = SAVE_REQUEST__INIT;
	uint64_t s = open_session("admin");
	CfgReply *r;
	Config *saved;
	char path[256];
	struct stat st;

	r = get_saved();
	cr_assert_eq(r->status, -ENODATA);
	cr_assert_str_eq(r->error, "There is no saved configuration.");
	cfg_reply__free_unpacked(r, NULL);

	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	commit_ok(s);
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);   /* not committed */
	sv.has_session = 1;
	sv.session = s;
	req.req_case = CFG_REQUEST__REQ_SAVE;
	req.save = &sv;
	r = call(&req);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);

	r = get_saved();
	cr_assert_eq(r->status, 0);
	assert_cfg(r->config, "system = { sysname = \"DeviceC\"; };");
	cfg_reply__free_unpacked(r, NULL);
	/* It may hold keys: private to its owner. */
	cr_assert_eq(store_startup_path(&td.bs, path, sizeof(path)), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "mode %o", st.st_mode & 0777);

	/* A cold start (RUN_DIR emptied) comes back with what was saved. */
	saved = config_dup(cfgd_running(d));
	client_fini(&c1);
	cfgd_free(d);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
	cr_assert(config_equal(cfgd_running(d), saved));
	cfg_free(saved);
}

/* A state directory that cannot be written: a clear error, nothing lost. */
Test(commit, save_failure_is_reported)
{
	CfgRequest req = CFG_REQUEST__INIT;
	SaveRequest sv = SAVE_REQUEST__INIT;
	char *old = td.bs.state_dir;
	CfgReply *r;

	td.bs.state_dir = "/proc/meridian-no-such-dir";
	req.req_case = CFG_REQUEST__REQ_SAVE;
	req.save = &sv;
	r = call(&req);
	td.bs.state_dir = old;
	cr_assert_lt(r->status, 0);
	cr_assert(strstr(r->error, "Failed to save the configuration to "
			 "/proc/meridian-no-such-dir/startup.conf"), "%s", r->error);
	cfg_reply__free_unpacked(r, NULL);
}


/* `rollback configuration`: a new commit holding an earlier commit's
 * configuration; refused with a sentence when the point does not exist or
 * the session holds uncommitted changes. */
Test(commit, rollback_makes_a_new_commit)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000001ULL);
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	r = commit_on(&c1, s, "before-ntp");
	cr_assert_eq(r->commit_id, 1000000002ULL);
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_set(SRV("10.0.1.31", "")), NULL);
	cr_assert_eq(commit_ok(s), 1000000003ULL);

	/* last 1: the configuration before the last commit. */
	r = rollback(s, ROLLBACK_REQUEST__TO_LAST, 1, NULL);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->commit_id, 1000000004ULL);
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"B\"; };");
	/* to commit-id: what that commit made. */
	r = rollback(s, ROLLBACK_REQUEST__TO_COMMIT_ID, 1000000003ULL, NULL);
	cr_assert_eq(r->commit_id, 1000000005ULL);
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"B\"; };" SRV("10.0.1.31", ""));
	/* to label. */
	r = rollback(s, ROLLBACK_REQUEST__TO_LABEL, 0, "before-ntp");
	cr_assert_eq(r->commit_id, 1000000006ULL);
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"B\"; };");
	/* Already there: nothing to commit. */
	r = rollback(s, ROLLBACK_REQUEST__TO_LABEL, 0, "before-ntp");
	cr_assert_eq(r->status, 0);
	cr_assert_not(r->has_commit_id);
	cr_assert_eq(r->n_warning, 1);
	cfg_reply__free_unpacked(r, NULL);

	/* The history says what happened, newest first. */
	CfgRequest req = CFG_REQUEST__INIT;
	HistoryRequest h = HISTORY_REQUEST__INIT;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &h;
	r = call(&req);
	cr_assert_eq(r->n_history, 6);
	cr_assert_eq(r->history[0]->commit_id, 1000000006ULL);
	cr_assert_str_eq(r->history[0]->description, "rollback to commit 1000000002");
	cr_assert_str_eq(r->history[0]->user, "admin");
	cr_assert_null(r->history[0]->config);
	cr_assert_str_eq(r->history[4]->label, "before-ntp");
	cr_assert_eq(r->history[5]->commit_id, 1000000001ULL);
	cfg_reply__free_unpacked(r, NULL);
	h.has_max = 1;
	h.max = 2;
	r = call(&req);
	cr_assert_eq(r->n_history, 2);
	cfg_reply__free_unpacked(r, NULL);

	/* Refusals. */
	r = rollback(s, ROLLBACK_REQUEST__TO_COMMIT_ID, 1000000099ULL, NULL);
	cr_assert_eq(r->status, -ENODATA);
	cr_assert_str_eq(r->error, "The commit ID 1000000099 does not exist.");
	cfg_reply__free_unpacked(r, NULL);
	r = rollback(s, ROLLBACK_REQUEST__TO_LABEL, 0, "nope");
	cr_assert_str_eq(r->error, "The label nope does not exist.");
	cfg_reply__free_unpacked(r, NULL);
	r = rollback(s, ROLLBACK_REQUEST__TO_LAST, 6, NULL);
	cr_assert_eq(r->status, -EINVAL);
	cr_assert_str_eq(r->error, "Cannot roll back 6 commits: the history holds the "
			 "configurations of the last 6 commits only.");
	cfg_reply__free_unpacked(r, NULL);
	edit_ok(s, edit_set("system = { sysname = \"C\"; };"), NULL);
	r = rollback(s, ROLLBACK_REQUEST__TO_LAST, 1, NULL);
	cr_assert_eq(r->status, -EBUSY);
	cfg_reply__free_unpacked(r, NULL);
	assert_running("system = { sysname = \"B\"; };");
}

/* Raw frames straight to the ROUTER. */
static bool raw_readable(void *arg)
{
	int ev = 0;
	size_t sz = sizeof(ev);

	zmq_getsockopt(arg, ZMQ_EVENTS, &ev, &sz);
	return ev & ZMQ_POLLIN;
}

Test(commit, garbage_is_answered_and_counted)
{
	char ep[256];
	void *raw = zmq_socket(zctx, ZMQ_DEALER);
	int zero = 0;
	uint8_t id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t junk[] = { 0xff, 0xff, 0xff, 0x07, 0x01 };
	uint8_t buf[512];
	int n;
	CfgReply *r;

	zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(bootstrap_endpoint(&td.bs, "cfgd", "ctl", ep, sizeof(ep)), 0);
	cr_assert_eq(zmq_connect(raw, ep), 0);

	/* An undecodable request gets an error reply. */
	zmq_send(raw, id, sizeof(id), ZMQ_SNDMORE);
	zmq_send(raw, junk, sizeof(junk), 0);
	cr_assert(run_until(loop, raw_readable, raw, 5000));
	n = zmq_recv(raw, buf, sizeof(buf), 0);
	cr_assert_eq(n, 8);
	cr_assert_eq(memcmp(buf, id, 8), 0);
	n = zmq_recv(raw, buf, sizeof(buf), 0);
	cr_assert_gt(n, 0);
	r = cfg_reply__unpack(NULL, (size_t)n, buf);
	cr_assert_not_null(r);
	cr_assert_eq(r->status, -EBADMSG);
	cr_assert_str_eq(r->error, "malformed request");
	cfg_reply__free_unpacked(r, NULL);

	/* An empty envelope too. */
	zmq_send(raw, id, sizeof(id), ZMQ_SNDMORE);
	zmq_send(raw, "", 0, 0);
	cr_assert(run_until(loop, raw_readable, raw, 5000));
	zmq_recv(raw, buf, sizeof(buf), 0);
	n = zmq_recv(raw, buf, sizeof(buf), 0);
	r = cfg_reply__unpack(NULL, (size_t)n, buf);
	cr_assert_not_null(r);
	cr_assert_eq(r->status, -EBADMSG);
	cfg_reply__free_unpacked(r, NULL);

	/* Wrong frame counts are dropped by the bus and counted. */
	zmq_send(raw, junk, sizeof(junk), 0);
	zmq_send(raw, id, sizeof(id), ZMQ_SNDMORE);
	zmq_send(raw, junk, sizeof(junk), ZMQ_SNDMORE);
	zmq_send(raw, junk, sizeof(junk), 0);
	/* cfgd still answers, and has counted all four. */
	open_session("admin");
	cr_assert_geq(cfgd_bad_requests(d), 4, "counted %llu",
		      (unsigned long long)cfgd_bad_requests(d));
	zmq_close(raw);
}

/* Issue 10: with `ntp-service refclock-master 3` running, typing
 * `ntp-service refclock-master 127.127.1.0 3` (clid sends a DELETE of the
 * refclock and a SET of it, without the default address) is no change: no
 * '*', and commit says there is nothing to commit. */
Test(commit, retyping_what_running_has_is_no_change)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set("ntp = { refclock_master = { stratum = 3; }; };"), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("ntp", "refclock_master", NULL),
		edit_set("ntp = { refclock_master = { stratum = 3; }; };"));
	cr_assert_not(rig_session_dirty(s), "a no-op edit marked the candidate changed");
	r = commit(s);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->has_commit_id ? r->commit_id : 0, 0, "an empty commit was recorded");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(cfgd_commit_id(d), 1000000001ULL);
}

/* A session that only passes through ntp (adding a server) never carries
 * a stale copy of ntp's own fields: another session's commit of them
 * survives its commit (a review finding). */
Test(commit, passing_through_keeps_what_others_committed)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s2, edit_set(SRV("10.0.1.31", "")), NULL);
	edit_ok(s1, edit_set("ntp = { server_source_interface = \"GigabitEthernet0/1/0\"; };"), NULL);
	cr_assert_eq(commit_ok(s1), 1000000001ULL);
	cr_assert_eq(commit_ok(s2), 1000000002ULL);
	r = get(0, false);
	cr_assert(r->config->ntp && r->config->ntp->server_source_interface,
		  "bob's commit reverted alice's server_source_interface");
	cr_assert_eq(r->config->ntp->n_unicast_server, 1);
	cfg_reply__free_unpacked(r, NULL);
}

/* Two sessions adding rules to an ACL that neither had: both go in. */
Test(commit, two_sessions_creating_the_same_container)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"1\"; } ); } );"), NULL);
	edit_ok(s2, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"2\"; } ); } );"), NULL);
	commit_ok(s1);
	commit_ok(s2);
	r = get(0, false);
	cr_assert_eq(r->config->n_acl, 1);
	cr_assert_eq(r->config->acl[0]->n_rule, 2);
	cfg_reply__free_unpacked(r, NULL);
}

/* A rule added under an ACL that another session removed meanwhile is a
 * conflict, not a commit under a parent that is gone. */
Test(commit, adding_under_a_removed_parent_conflicts)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"1\"; } ); } );"), NULL);
	commit_ok(s1);
	edit_ok(s2, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"2\"; } ); } );"), NULL);
	edit_ok(s1, edit_del("acl", "2000", NULL), NULL);
	commit_ok(s1);
	r = commit(s2);
	cr_assert_eq(r->status, -EBUSY, "%s", r->error ? r->error : "committed");
	cfg_reply__free_unpacked(r, NULL);
}

/* A conflict survives a cfgd restart: alice's uncommitted sysname meets
 * bob's committed one after the restart as it would have before (a review
 * finding); an object nobody else changed commits as usual. */
Test(commit, a_conflict_survives_a_restart)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");
	CfgReply *r;

	edit_ok(s1, edit_set("system = { sysname = \"DeviceA\"; };"), NULL);
	edit_ok(s1, edit_set(SRV("10.0.1.31", "")), NULL);
	edit_ok(s2, edit_set("system = { sysname = \"DeviceB\"; };"), NULL);
	cr_assert_eq(commit_ok(s2), 1000000001ULL);
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	r = commit(s1);
	cr_assert_eq(r->status, -EBUSY, "alice's commit overwrote bob's sysname: %s",
		     r->error ? r->error : "no error");
	cfg_reply__free_unpacked(r, NULL);
	/* After a refresh alice's changes win, as without the restart. */
	r = refresh(s1);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(commit_ok(s1), 1000000002ULL);
	assert_running("system = { sysname = \"DeviceA\"; };" SRV("10.0.1.31", ""));
}

Test(commit, no_false_conflict_after_a_restart)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");

	edit_ok(s1, edit_set(SRV("10.0.1.31", "")), NULL);
	edit_ok(s2, edit_set("system = { sysname = \"DeviceB\"; };"), NULL);
	cr_assert_eq(commit_ok(s2), 1000000001ULL);
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(commit_ok(s1), 1000000002ULL);
	assert_running("system = { sysname = \"DeviceB\"; };" SRV("10.0.1.31", ""));
}

/* After a restart, an object the session creates under a container that
 * others removed and made again meanwhile is no conflict (nothing it held
 * was there to lose). */
Test(commit, creating_under_a_remade_container_after_a_restart)
{
	uint64_t s1 = open_session("alice"), s2 = open_session("bob");

	edit_ok(s2, edit_set(SRV("10.0.1.31", "")), NULL);
	commit_ok(s2);
	edit_ok(s1, edit_set(SRV("10.0.1.32", "")), NULL);
	edit_ok(s2, edit_del("ntp", "unicast_server", "10.0.1.31", NULL), NULL);
	commit_ok(s2);                     /* ntp is gone: nothing left in it */
	edit_ok(s2, edit_set(SRV("10.0.1.33", "")), NULL);
	commit_ok(s2);                     /* and made again */
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
	commit_ok(s1);
	assert_running("ntp = { unicast_server = ( { address = \"10.0.1.33\"; }, "
		       "{ address = \"10.0.1.32\"; } ); };");
}

/* GetRequest.fields: running with only the named top-level fields, so a
 * display that needs the time zone does not fetch every ACL; an unknown
 * field is refused. */
Test(commit, get_running_fields)
{
	CfgRequest req = CFG_REQUEST__INIT;
	GetRequest g = GET_REQUEST__INIT;
	char *system_only[] = { "system" }, *bogus[] = { "bogus" };
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set("system = { sysname = \"DeviceD\"; };"),
		edit_set(SRV("10.0.1.31", "version = 4;")));
	commit_ok(s);

	g.has_which = 1;
	g.which = GET_REQUEST__WHICH__RUNNING;
	g.n_fields = 1;
	g.fields = system_only;
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &g;
	r = call(&req);
	cr_assert_eq(r->status, 0);
	assert_cfg(r->config, "system = { sysname = \"DeviceD\"; };");
	cfg_reply__free_unpacked(r, NULL);

	g.fields = bogus;
	r = call(&req);
	cr_assert_eq(r->status, -EINVAL);
	cr_assert_str_eq(r->error, "no configuration field bogus");
	cfg_reply__free_unpacked(r, NULL);
}

/* After another session's commit, a session's '*' says exactly whether its
 * candidate differs from running: an unrelated commit (even in the same
 * container) leaves its changes standing; one of exactly its changes
 * leaves it with none. */
Test(commit, another_sessions_commit_of_the_same_edits_leaves_no_change)
{
	uint64_t a = open_session("alice"), b = open_session("bob");

	edit_ok(a, edit_set(SRV("10.0.1.31", "version = 4;")), NULL);
	edit_ok(a, edit_set("system = { sysname = \"D\"; };"), NULL);
	edit_ok(b, edit_set("ntp = { refclock_master = { stratum = 3; }; };"), NULL);
	commit_ok(b);
	cr_assert(rig_session_dirty(a));
	edit_ok(b, edit_set(SRV("10.0.1.31", "version = 4;")), NULL);
	commit_ok(b);
	cr_assert(rig_session_dirty(a), "alice's sysname is still hers alone");
	edit_ok(b, edit_set("system = { sysname = \"D\"; };"), NULL);
	commit_ok(b);
	cr_assert_not(rig_session_dirty(a), "bob committed all alice typed");
}
