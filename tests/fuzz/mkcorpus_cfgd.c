/*
 * mkcorpus_cfgd.c: write the seed corpus of the cfgd ctl fuzzer
 * (harness_cfgd.h) into a directory.  Each seed is a scenario of framed
 * CfgRequests, as a front end would send them: sessions opened, edited
 * (sysname, interfaces, NTP servers and keys, ACLs; sets and deletes,
 * refused edits), committed (with labels, descriptions, trials), rolled
 * back, labelled, locked, refreshed and closed; history, get (running,
 * candidate, startup), save, snapshots, subscribers' Applied reports (a
 * commit then waits), front-end resets; and frames that are not requests.
 * Sessions are FUZZ_CFGD_SESSION(n), as the harness's fresh cfgd numbers
 * them.
 *
 *   mkcorpus_cfgd DIR      (made if missing; the build runs it into
 *                           BUILD/tests/fuzz/corpus-cfgd)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bus.h"
#include "cfgd.pb-c.h"
#include "harness_cfgd.h"
#include "pbconf.h"

#define S1 FUZZ_CFGD_SESSION(1)
#define S2 FUZZ_CFGD_SESSION(2)
/* The first commit's id (cfgd_int.h COMMIT_ID_FIRST) */
#define C1 1000000001ULL

struct seed {
	uint8_t buf[16384];
	size_t len;
};

static struct seed sd;
static int bad;

static void put(const ProtobufCMessage *m)
{
	size_t len;
	uint8_t *b = bus_pack(m, &len);

	if (sd.len + 2 + len > sizeof(sd.buf)) {
		fprintf(stderr, "mkcorpus_cfgd: seed too big\n");
		exit(1);
	}
	sd.buf[sd.len++] = (uint8_t)(len >> 8);
	sd.buf[sd.len++] = (uint8_t)len;
	memcpy(sd.buf + sd.len, b, len);
	sd.len += len;
	free(b);
}

static void put_raw(const void *b, size_t len)
{
	sd.buf[sd.len++] = (uint8_t)(len >> 8);
	sd.buf[sd.len++] = (uint8_t)len;
	memcpy(sd.buf + sd.len, b, len);
	sd.len += len;
}

static void save(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(sd.buf, 1, sd.len, f) != sd.len) {
		perror(path);
		bad = 1;
	}
	if (f && fclose(f) != 0)
		bad = 1;
	sd.len = 0;
}

static Config *cfg(const char *text)
{
	ProtobufCMessage *m = NULL;
	char err[256] = "";

	if (pbconf_parse(text, &config__descriptor, &m, err, sizeof(err)) < 0) {
		fprintf(stderr, "mkcorpus_cfgd: %s: %s\n", text, err);
		exit(1);
	}
	return (Config *)m;
}

static void open_s(const char *user)
{
	CfgRequest q = CFG_REQUEST__INIT;
	SessionOpen o = SESSION_OPEN__INIT;

	o.user = (char *)user;
	o.line = "VTY 0";
	o.owner = "clid/1.1";
	q.req_case = CFG_REQUEST__REQ_SESSION_OPEN;
	q.session_open = &o;
	put(&q.base);
}

static void set(uint64_t s, const char *text)
{
	CfgRequest q = CFG_REQUEST__INIT;
	EditRequest er = EDIT_REQUEST__INIT;
	Edit e = EDIT__INIT, *v[1] = { &e };

	e.op = EDIT__OP__SET;
	e.value = cfg(text);
	er.session = s;
	er.edit = v;
	er.n_edit = 1;
	q.req_case = CFG_REQUEST__REQ_EDIT;
	q.edit = &er;
	put(&q.base);
	config__free_unpacked(e.value, NULL);
}

/* DELETE of the n path components p. */
static void del(uint64_t s, size_t n, const char *const *p)
{
	CfgRequest q = CFG_REQUEST__INIT;
	EditRequest er = EDIT_REQUEST__INIT;
	Edit e = EDIT__INIT, *v[1] = { &e };

	e.op = EDIT__OP__DELETE;
	e.path = (char **)p;
	e.n_path = n;
	er.session = s;
	er.edit = v;
	er.n_edit = 1;
	q.req_case = CFG_REQUEST__REQ_EDIT;
	q.edit = &er;
	put(&q.base);
}

static void commit(uint64_t s, const char *label, uint32_t trial)
{
	CfgRequest q = CFG_REQUEST__INIT;
	CommitRequest c = COMMIT_REQUEST__INIT;

	c.session = s;
	c.label = (char *)label;
	c.description = label ? "fuzz seed" : NULL;
	c.has_trial = trial != 0;
	c.trial = trial;
	q.req_case = CFG_REQUEST__REQ_COMMIT;
	q.commit = &c;
	put(&q.base);
}

static void get(uint64_t s, GetRequest__Which which)
{
	CfgRequest q = CFG_REQUEST__INIT;
	GetRequest g = GET_REQUEST__INIT;

	g.has_session = s != 0;
	g.session = s;
	g.has_which = 1;
	g.which = which;
	q.req_case = CFG_REQUEST__REQ_GET;
	q.get = &g;
	put(&q.base);
}

static void rollback(uint64_t s, int kind, uint64_t v, const char *label)
{
	CfgRequest q = CFG_REQUEST__INIT;
	RollbackRequest r = ROLLBACK_REQUEST__INIT;

	r.session = s;
	r.to_case = kind;
	if (kind == ROLLBACK_REQUEST__TO_COMMIT_ID)
		r.commit_id = v;
	else if (kind == ROLLBACK_REQUEST__TO_LAST)
		r.last = (uint32_t)v;
	else
		r.label = (char *)label;
	q.req_case = CFG_REQUEST__REQ_ROLLBACK;
	q.rollback = &r;
	put(&q.base);
}

static void history(uint32_t max, uint64_t id)
{
	CfgRequest q = CFG_REQUEST__INIT;
	HistoryRequest h = HISTORY_REQUEST__INIT;

	h.has_max = max != 0;
	h.max = max;
	h.has_commit_id = id != 0;
	h.commit_id = id;
	q.req_case = CFG_REQUEST__REQ_HISTORY;
	q.history = &h;
	put(&q.base);
}

static void label(uint64_t s, uint64_t id, const char *l)
{
	CfgRequest q = CFG_REQUEST__INIT;
	LabelRequest r = LABEL_REQUEST__INIT;

	r.session = s;
	r.commit_id = id;
	r.label = (char *)l;
	q.req_case = CFG_REQUEST__REQ_LABEL;
	q.label = &r;
	put(&q.base);
}

static void lock(uint64_t s, bool unlock, bool query)
{
	CfgRequest q = CFG_REQUEST__INIT;
	LockRequest r = LOCK_REQUEST__INIT;

	r.session = s;
	r.has_unlock = unlock;
	r.unlock = unlock;
	r.has_query = query;
	r.query = query;
	q.req_case = CFG_REQUEST__REQ_LOCK;
	q.lock = &r;
	put(&q.base);
}

static void refresh(uint64_t s, bool discard)
{
	CfgRequest q = CFG_REQUEST__INIT;
	CandidateRefresh r = CANDIDATE_REFRESH__INIT;

	r.session = s;
	r.has_discard = discard;
	r.discard = discard;
	q.req_case = CFG_REQUEST__REQ_REFRESH;
	q.refresh = &r;
	put(&q.base);
}

static void close_s(uint64_t s)
{
	CfgRequest q = CFG_REQUEST__INIT;
	SessionClose c = SESSION_CLOSE__INIT;

	c.session = s;
	q.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	q.session_close = &c;
	put(&q.base);
}

static void applied(const char *daemon, uint64_t id, const char *subtree, const char *error)
{
	CfgRequest q = CFG_REQUEST__INIT;
	Applied a = APPLIED__INIT;
	char *st[1] = { (char *)subtree }, *er[1] = { (char *)error };

	a.daemon = (char *)daemon;
	a.commit_id = id;
	a.subtree = st;
	a.n_subtree = subtree ? 1 : 0;
	a.error = er;
	a.n_error = error ? 1 : 0;
	q.req_case = CFG_REQUEST__REQ_APPLIED;
	q.applied = &a;
	put(&q.base);
}

static void simple(int which, uint64_t s)
{
	CfgRequest q = CFG_REQUEST__INIT;
	SaveRequest sv = SAVE_REQUEST__INIT;
	TrialAbort ta = TRIAL_ABORT__INIT;
	SessionsReset rs = SESSIONS_RESET__INIT;
	CloneSnapshotRequest sn = CLONE_SNAPSHOT_REQUEST__INIT;

	switch (which) {
	case CFG_REQUEST__REQ_SAVE:
		sv.has_session = 1;
		sv.session = s;
		q.save = &sv;
		break;
	case CFG_REQUEST__REQ_ABORT_TRIAL:
		ta.session = s;
		q.abort_trial = &ta;
		break;
	case CFG_REQUEST__REQ_RESET:
		rs.owner = "clid/2.2";
		q.reset = &rs;
		break;
	case CFG_REQUEST__REQ_SNAPSHOT:
		sn.topic = "cfg";
		q.snapshot = &sn;
		break;
	}
	q.req_case = which;
	put(&q.base);
}

#define P(...) (sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
	((const char *const[]){ __VA_ARGS__ })

int main(int argc, char **argv)
{
	const char *dir;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus_cfgd DIR\n");
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		perror(dir);
		return 1;
	}

	/* Open, edit, commit, read back, close. */
	open_s("admin");
	set(S1, "system = { sysname = \"DeviceC\"; };");
	get(S1, GET_REQUEST__WHICH__CANDIDATE);
	commit(S1, NULL, 0);
	get(0, GET_REQUEST__WHICH__RUNNING);
	close_s(S1);
	save(dir, "sysname-commit");

	/* NTP servers, keys and source interfaces; deletes. */
	open_s("admin");
	set(S1, "ntp = { authentication_enable = true; authentication_key = ( { keyid = \"1\"; "
		"mode = \"md5\"; key = \"abc\"; reliable = true; } ); };");
	set(S1, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; version = 4; "
		"preferred = true; } ); };");
	set(S1, "ntp = { unicast_peer = ( { address = \"10.0.1.40\"; } ); };");
	set(S1, "ntp = { refclock_master = { stratum = 3; }; };");
	set(S1, "ntp = { server_source_interface = \"GigabitEthernet0/1/0\"; };");
	commit(S1, "ntp", 0);
	del(S1, P("ntp", "unicast_server", "10.0.1.31"));
	del(S1, P("ntp", "refclock_master"));
	commit(S1, NULL, 0);
	history(0, 0);
	history(1, C1 + 1);
	save(dir, "ntp-edits");

	/* Interfaces and ACLs; refused edits (bad paths, unknown interface). */
	open_s("admin");
	set(S1, "interface = ( { name = \"GigabitEthernet0/1/0\"; shutdown = false; "
		"address = { address = \"10.0.1.3\"; prefix_len = 24; }; description = \"up\"; } );");
	set(S1, "interface = ( { name = \"GigabitEthernet0/2/0\"; ipv6_enable = true; "
		"ipv6_address = ( { address = \"2001:db8::1\"; prefix_len = 64; } ); } );");
	set(S1, "acl = ( { number = \"2000\"; rule = ( { id = \"5\"; source = \"10.0.0.0\"; "
		"wildcard = \"0.0.0.255\"; } ); } );");
	set(S1, "ntp = { access = { server = 2000; }; };");
	set(S1, "interface = ( { name = \"GigabitEthernet0/9/0\"; } );");
	del(S1, P("bogus"));
	del(S1, P("interface", "GigabitEthernet0/1/0", "address", "address"));
	commit(S1, NULL, 0);
	del(S1, P("acl", "2000", "rule", "5"));
	commit(S1, NULL, 0);
	save(dir, "interfaces-acl");

	/* Two sessions on the same object: the second commit fails. */
	open_s("alice");
	open_s("bob");
	set(S1, "system = { sysname = \"A\"; };");
	set(S2, "system = { sysname = \"B\"; };");
	commit(S1, NULL, 0);
	commit(S2, NULL, 0);
	refresh(S2, false);
	refresh(S2, true);
	get(S2, GET_REQUEST__WHICH__CANDIDATE);
	save(dir, "two-sessions");

	/* History: labels, rollbacks of every kind. */
	open_s("admin");
	set(S1, "system = { sysname = \"A\"; };");
	commit(S1, "first", 0);
	set(S1, "system = { sysname = \"B\"; };");
	commit(S1, NULL, 0);
	label(S1, C1 + 1, "second");
	rollback(S1, ROLLBACK_REQUEST__TO_COMMIT_ID, C1, NULL);
	rollback(S1, ROLLBACK_REQUEST__TO_LABEL, 0, "second");
	rollback(S1, ROLLBACK_REQUEST__TO_LAST, 2, NULL);
	label(S1, C1, NULL);
	history(0, C1);
	save(dir, "history-rollback");

	/* Trial commit, aborted; another confirmed. */
	open_s("admin");
	set(S1, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); };");
	commit(S1, NULL, 120);
	simple(CFG_REQUEST__REQ_SAVE, S1);
	simple(CFG_REQUEST__REQ_ABORT_TRIAL, S1);
	set(S1, "system = { sysname = \"T\"; };");
	commit(S1, NULL, 60);
	commit(S1, NULL, 0);
	save(dir, "trial");

	/* configuration exclusive: another session's commit refused. */
	open_s("alice");
	open_s("bob");
	lock(S1, false, false);
	lock(S2, false, true);
	set(S2, "system = { sysname = \"B\"; };");
	commit(S2, NULL, 0);
	lock(S1, true, false);
	commit(S2, NULL, 0);
	save(dir, "lock");

	/* A subscriber reports: the next commit waits for it, then is answered. */
	open_s("admin");
	applied("ntpd", 0, "ntp", NULL);
	set(S1, "ntp = { unicast_server = ( { address = \"10.0.1.31\"; } ); };");
	commit(S1, NULL, 0);
	applied("ntpd", C1, "ntp", "bind failed");
	simple(CFG_REQUEST__REQ_SNAPSHOT, 0);
	save(dir, "applied");

	/* Startup: save then get it; a front end's restart closes sessions. */
	open_s("admin");
	set(S1, "system = { sysname = \"Saved\"; };");
	commit(S1, NULL, 0);
	simple(CFG_REQUEST__REQ_SAVE, S1);
	get(0, GET_REQUEST__WHICH__STARTUP);
	simple(CFG_REQUEST__REQ_RESET, 0);
	get(S1, GET_REQUEST__WHICH__CANDIDATE);
	save(dir, "save-reset");

	/* Frames that are not requests: empty, garbage, an unknown field, a
	 * request naming a session nobody opened. */
	put_raw("", 0);
	put_raw("\xff\xff\xff\xff", 4);
	put_raw("\xa0\x06\x00", 3);                    /* field 100, empty */
	put_raw("\x1a\x02\x0a", 3);                    /* session_open, truncated */
	close_s(S2);
	commit(S1, NULL, 0);
	save(dir, "malformed");

	return bad;
}
