/*
 * test_session_id.c: session ids are never given out twice, not even by a
 * restarted cfgd (sessid.c, issue 10 item 6): the epoch recorded under
 * RUN_DIR, what happens when the file is missing, unreadable or cannot be
 * written, and a front end naming a session of an earlier start being told
 * -ENOENT while the new start's sessions keep their own candidates.
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "cfgd_rig.h"
#include "sessid.h"

TestSuite(session_id, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

static void restart_cfgd(void)
{
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
}

static uint32_t recorded_epoch(void)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SESSID_EPOCH_FILE, td.bs.run_dir);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	return (uint32_t)strtoul(buf, NULL, 10);
}

static void write_epoch_file(const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/" SESSID_EPOCH_FILE, td.bs.run_dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(session_id, each_start_takes_a_new_epoch)
{
	uint64_t a = open_session("admin"), b = open_session("admin");

	cr_assert_eq(recorded_epoch(), 1);
	cr_assert_eq(a, (1ULL << 32) | 1);
	cr_assert_eq(b, (1ULL << 32) | 2);
	restart_cfgd();
	cr_assert_eq(recorded_epoch(), 2);
	cr_assert_eq(open_session("admin"), (2ULL << 32) | 1);
	/* Starts within the same second still differ. */
	restart_cfgd();
	restart_cfgd();
	cr_assert_eq(recorded_epoch(), 4);
	cr_assert_eq(open_session("admin"), (4ULL << 32) | 1);
}

/* The scenario of the issue, in cfgd: A's session (opened first) has an
 * edit, cfgd restarts, B's new session has an edit, A commits under its
 * id.  A's session came back with its edit (RUN_DIR/candidates), so A
 * commits its own change and never B's; B's edit stays B's; a closed
 * session's id is gone for good. */
Test(session_id, a_session_keeps_its_identity_across_a_restart)
{
	uint64_t a = open_session("alice"), b_old = open_session("bob"), b;
	CfgRequest req = CFG_REQUEST__INIT;
	SessionClose sc = SESSION_CLOSE__INIT;
	CfgReply *r;

	edit_ok(a, edit_set(SRV("10.1.1.1", "")), NULL);
	restart_cfgd();
	b = open_session("bob");
	cr_assert_neq(b, a);
	cr_assert_neq(b, b_old);
	edit_ok(b, edit_set(SRV("10.2.2.2", "")), NULL);
	assert_candidate(a, SRV("10.1.1.1", ""));

	cr_assert_eq(commit_ok(a), 1000000001ULL);
	assert_running(SRV("10.1.1.1", ""));
	assert_candidate(b, "ntp = { unicast_server = ( { address = \"10.1.1.1\"; }, "
			 "{ address = \"10.2.2.2\"; } ); };");
	cr_assert_eq(commit_ok(b), 1000000002ULL);

	sc.session = b_old;
	req.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	req.session_close = &sc;
	r = call(&req);
	cr_assert_eq(r->status, 0);
	cfg_reply__free_unpacked(r, NULL);
	restart_cfgd();
	r = edit(b_old, edit_set(SRV("10.3.3.3", "")), NULL);
	cr_assert_eq(r->status, -ENOENT);
	cr_assert_str_eq(r->error, "no such session");
	cfg_reply__free_unpacked(r, NULL);
}

/* RUN_DIR is on tmpfs: after a reboot there is no file, and epochs start
 * at 1 again (every front end restarted too). */
Test(session_id, no_file_starts_at_one)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/" SESSID_EPOCH_FILE, td.bs.run_dir);
	restart_cfgd();
	cr_assert_eq(recorded_epoch(), 2);
	client_fini(&c1);
	cfgd_free(d);
	cr_assert_eq(unlink(path), 0);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(recorded_epoch(), 1);
}

/* A file that holds no epoch: the wall clock's seconds, above any epoch
 * counted from 1, and cfgd still starts. */
Test(session_id, an_unreadable_file_continues_from_the_clock)
{
	uint32_t before = (uint32_t)time(NULL);

	client_fini(&c1);
	cfgd_free(d);
	write_epoch_file("not a number\n");
	start_cfgd();
	client_init(&c1);
	cr_assert_geq(recorded_epoch(), before + 1);
	cr_assert_eq(open_session("admin") >> 32, recorded_epoch());

	/* The last possible epoch: no start can take one after it. */
	client_fini(&c1);
	cfgd_free(d);
	write_epoch_file("4294967295\n");
	{
		char err[512] = "";

		d = cfgd_new(loop, zctx, &td.bs, err, sizeof(err));
		cr_assert_null(d);
		cr_assert(strstr(err, "the session epochs are used up"), "%s", err);
	}
	write_epoch_file("41\n");
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(recorded_epoch(), 42);
}

/* An epoch that cannot be recorded: cfgd does not start (it could not
 * promise new ids), and says why.  (A directory where the temporary file
 * goes stops even root.) */
Test(session_id, an_epoch_that_cannot_be_recorded_stops_the_start)
{
	char path[512], err[512] = "";

	client_fini(&c1);
	cfgd_free(d);
	snprintf(path, sizeof(path), "%s/" SESSID_EPOCH_FILE ".tmp", td.bs.run_dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	d = cfgd_new(loop, zctx, &td.bs, err, sizeof(err));
	cr_assert_null(d);
	cr_assert(strstr(err, "cannot record the session epoch"), "%s", err);
	cr_assert_eq(rmdir(path), 0);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(recorded_epoch(), 2);
}

/* The generator alone: unrecorded ids count from 1 in epoch 0, and the
 * 2^32nd id of an epoch moves to the next epoch. */
Test(session_id, the_generator)
{
	struct sessid g;
	char dir[64] = "/tmp/meridian-sessid-XXXXXX", err[256] = "";

	sessid_init(&g);
	cr_assert_eq(sessid_next(&g), 1);
	cr_assert_eq(sessid_next(&g), 2);
	g.next = UINT32_MAX;
	cr_assert_eq(sessid_next(&g), UINT32_MAX);
	cr_assert_eq(sessid_next(&g), (1ULL << 32) | 1);
	sessid_free(&g);

	cr_assert_not_null(mkdtemp(dir));
	sessid_init(&g);
	cr_assert_eq(sessid_start(&g, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sessid_next(&g), (1ULL << 32) | 1);
	g.next = UINT32_MAX;
	cr_assert_eq(sessid_next(&g), (1ULL << 32) | UINT32_MAX);
	/* A new epoch, recorded, so the next start does not take it again. */
	cr_assert_eq(sessid_next(&g), (2ULL << 32) | 1);
	sessid_free(&g);
	sessid_init(&g);
	cr_assert_eq(sessid_start(&g, dir, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sessid_next(&g), (3ULL << 32) | 1);
	sessid_free(&g);

	char path[128];
	snprintf(path, sizeof(path), "%s/" SESSID_EPOCH_FILE, dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(rmdir(dir), 0, "a file was left in %s", dir);
}

/* A session whose changes another commit made moot (it followed running:
 * its edits were forgotten) comes back clean, not with its old edits
 * replayed over the newer running. */
Test(session_id, a_session_that_followed_running_comes_back_clean)
{
	uint64_t x = open_session("xavier"), s = open_session("sam");

	edit_ok(x, edit_set("system = { sysname = \"A\"; };"), NULL);
	cr_assert_eq(commit_ok(x), 1000000001ULL);
	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);   /* no change */
	cr_assert_not(rig_session_dirty(s));
	edit_ok(x, edit_set("system = { sysname = \"B\"; };"), NULL);
	cr_assert_eq(commit_ok(x), 1000000002ULL);
	restart_cfgd();
	cr_assert_not(rig_session_dirty(s), "sam's moot edit came back");
	assert_candidate(s, "system = { sysname = \"B\"; };");
}
