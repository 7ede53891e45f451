/*
 * test_commit_order.c: keyed lists keep the order entered through what
 * undoes commits.  A rollback or a trial's revert puts back an element a
 * later commit removed where it was (NodeImage.prev, cfgd/cand.c), not at
 * the end: in running, so in what `display current-configuration` shows,
 * and again after a cfgd restart, which replays the journal (the rig:
 * cfgd_rig.h).
 */
#include "cfgd_rig.h"

TestSuite(order, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

#define SERVER(a) "{ address = \"" a "\"; }"
#define SERVERS(list) "ntp = { unicast_server = ( " list " ); };"
#define XYZ SERVERS(SERVER("10.0.1.31") ", " SERVER("10.0.1.32") ", " SERVER("10.0.1.33"))

static void restart(void)
{
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
}

static void rollback_ok(uint64_t s, int kind, uint64_t value)
{
	CfgReply *r = rollback(s, kind, value, NULL);

	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert(r->has_commit_id);
	cfg_reply__free_unpacked(r, NULL);
}

/* The text a session's `display current-configuration` renders from, in
 * its order, is the candidate's and running's alike. */
static void assert_everywhere(const char *text)
{
	uint64_t s = open_session("observer");

	assert_running(text);
	assert_candidate(s, text);
}

/* Commit A adds x, y, z; commit B deletes y; rollback to A: x, y, z. */
Test(order, rollback_puts_a_removed_element_back_in_place)
{
	uint64_t s = open_session("admin");

	edit_ok(s, edit_set(XYZ), NULL);
	cr_assert_eq(commit_ok(s), 1000000001ULL);
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.32", NULL), NULL);
	commit_ok(s);
	assert_running(SERVERS(SERVER("10.0.1.31") ", " SERVER("10.0.1.33")));
	rollback_ok(s, ROLLBACK_REQUEST__TO_COMMIT_ID, 1000000001ULL);
	assert_everywhere(XYZ);
	/* The journal's replay puts it there too. */
	restart();
	assert_everywhere(XYZ);
	/* And a commit after the restart leaves the order alone. */
	s = open_session("admin");
	edit_ok(s, edit_set("system = { sysname = \"D\"; };"), NULL);
	commit_ok(s);
	assert_running("system = { sysname = \"D\"; };" XYZ);
}

/* The first and the middle removed by two commits, `rollback configuration
 * last 2`: each goes back after the one that was before it, the first
 * first. */
Test(order, rollback_of_two_removals_keeps_the_order)
{
	uint64_t s = open_session("admin");

	edit_ok(s, edit_set(SERVERS(SERVER("10.0.1.31") ", " SERVER("10.0.1.32") ", "
				    SERVER("10.0.1.33") ", " SERVER("10.0.1.34"))), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.32", NULL), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.31", NULL), NULL);
	edit_ok(s, edit_set(SERVERS(SERVER("10.0.1.35"))), NULL);
	commit_ok(s);
	assert_running(SERVERS(SERVER("10.0.1.33") ", " SERVER("10.0.1.34") ", "
			       SERVER("10.0.1.35")));
	rollback_ok(s, ROLLBACK_REQUEST__TO_LAST, 2);
	assert_everywhere(SERVERS(SERVER("10.0.1.31") ", " SERVER("10.0.1.32") ", "
				  SERVER("10.0.1.33") ", " SERVER("10.0.1.34")));
	restart();
	assert_everywhere(SERVERS(SERVER("10.0.1.31") ", " SERVER("10.0.1.32") ", "
				  SERVER("10.0.1.33") ", " SERVER("10.0.1.34")));
}

/* Interfaces (the order `display current-configuration` lists them in)
 * and a removed element with something below it. */
Test(order, rollback_restores_an_interface_in_place)
{
	const char *three = "interface = ( { name = \"GigabitEthernet0/1/0\"; description = \"a\"; },"
			    " { name = \"GigabitEthernet0/2/0\"; description = \"b\"; address = {"
			    " address = \"10.0.2.1\"; prefix_len = 24; }; },"
			    " { name = \"LoopBack0\"; description = \"c\"; } );";
	uint64_t s = open_session("admin");

	edit_ok(s, edit_set(three), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("interface", "GigabitEthernet0/2/0", NULL), NULL);
	commit_ok(s);
	rollback_ok(s, ROLLBACK_REQUEST__TO_LAST, 1);
	assert_everywhere(three);
	restart();
	assert_everywhere(three);
}

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

static bool has_three_servers(void *arg)
{
	const Config *c = cfgd_running(d);

	(void)arg;
	return c->ntp && c->ntp->n_unicast_server == 3;
}

/* A trial that removed the middle server, not confirmed: the revert puts
 * it back in the middle. */
Test(order, trial_revert_puts_a_removed_element_back_in_place)
{
	uint64_t s = open_session("admin");
	CfgReply *r;

	edit_ok(s, edit_set(XYZ), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.32", NULL), NULL);
	r = commit_trial(s, 1);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert(run_until(loop, has_three_servers, NULL, 10000), "the trial was not reverted");
	assert_everywhere(XYZ);
	restart();
	assert_everywhere(XYZ);
}

/* `display configuration commit changes`: the configuration before a
 * commit that removed an element has it in place. */
Test(order, commit_changes_show_the_element_in_place)
{
	CfgRequest req = CFG_REQUEST__INIT;
	HistoryRequest h = HISTORY_REQUEST__INIT;
	uint64_t s = open_session("admin");
	CfgReply *r;
	Config *want = cfg(XYZ);

	edit_ok(s, edit_set(XYZ), NULL);
	commit_ok(s);
	edit_ok(s, edit_del("ntp", "unicast_server", "10.0.1.32", NULL), NULL);
	commit_ok(s);
	edit_ok(s, edit_set("system = { sysname = \"D\"; };"), NULL);
	commit_ok(s);
	h.has_commit_id = 1;
	h.commit_id = 1000000002ULL;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &h;
	r = call(&req);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->n_history, 2);
	cr_assert_not_null(r->history[1]->config);
	cr_assert(config_equal(r->history[1]->config, want),
		  "the configuration before commit 2 lists x, y, z in order");
	cfg_free(want);
	cfg_reply__free_unpacked(r, NULL);
}
