/*
 * test_journal.c: cfgd/journal.c (the file: torn and corrupt records) and
 * cfgd/persist.c through the in-process cfgd (checkpoints, compaction, a
 * restart rebuilding running, what one commit costs in the journal).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "cfgd_rig.h"
#include "journal.h"

TestSuite(journal, .init = rig_setup, .fini = rig_teardown);

static int collect(ProtobufCMessage *rec, void *arg, char *err, size_t errlen)
{
	size_t *n = arg;

	(void)err;
	(void)errlen;
	(*n)++;
	protobuf_c_message_free_unpacked(rec, NULL);
	return 0;
}

static void append_n(const char *path, unsigned n)
{
	struct journal *j;
	char err[256];
	size_t got = 0;

	cr_assert_eq(journal_open(path, &journal_record__descriptor, collect, &got, &j, err, sizeof(err)), 0, "%s", err);
	for (unsigned i = 0; i < n; i++) {
		JournalRecord rec = JOURNAL_RECORD__INIT;

		rec.kind = JOURNAL_RECORD__KIND__LABEL;
		rec.commit_id = 1000 + i;
		rec.label = "a-label";
		cr_assert_eq(journal_append(j, &rec.base, true), 0);
	}
	journal_close(j);
}

static off_t file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

Test(journal, a_torn_last_record_is_dropped_and_cut)
{
	char path[256], err[256];
	struct journal *j;
	size_t n = 0;
	off_t whole;

	snprintf(path, sizeof(path), "%s/j", td.dir);
	append_n(path, 3);
	whole = file_size(path);
	append_n(path, 1);
	/* A crash in the middle of the fourth write. */
	cr_assert_eq(truncate(path, whole + 7), 0);
	cr_assert_eq(journal_open(path, &journal_record__descriptor, collect, &n, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 3, "the torn record is never handed on");
	cr_assert_eq(journal_torn(j), 1);
	cr_assert_eq(file_size(path), whole, "the torn bytes are cut off");
	journal_close(j);
	/* Appending after it works and reads back. */
	append_n(path, 2);
	n = 0;
	cr_assert_eq(journal_open(path, &journal_record__descriptor, collect, &n, &j, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 5);
	cr_assert_eq(journal_torn(j), 0);
	journal_close(j);
}

/* A bad record with whole records after it is no torn tail: the journal
 * is refused and left as it was, never cut. */
Test(journal, a_corrupt_record_in_the_middle_refuses_the_journal)
{
	char path[256], err[256] = "";
	struct journal *j = NULL;
	size_t n = 0;
	off_t whole;
	uint8_t b;
	int fd;

	snprintf(path, sizeof(path), "%s/j", td.dir);
	append_n(path, 10);
	whole = file_size(path);
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, &b, 1, whole / 10 + 14), 1);
	b ^= 1;
	cr_assert_eq(pwrite(fd, &b, 1, whole / 10 + 14), 1);
	close(fd);
	cr_assert_eq(journal_open(path, &journal_record__descriptor, collect, &n, &j, err,
				  sizeof(err)), -EIO);
	cr_assert(strstr(err, "corrupt") != NULL, "%s", err);
	cr_assert_eq(file_size(path), whole, "the journal was cut");
}

/* A last record whose checksum fails (a write the crash tore inside its
 * payload) is dropped, never misread. */
Test(journal, a_corrupt_last_record_is_never_misread)
{
	char path[256], err[256];
	struct journal *j;
	size_t n = 0;
	off_t two;
	int fd;

	snprintf(path, sizeof(path), "%s/j", td.dir);
	append_n(path, 2);
	two = file_size(path);
	append_n(path, 1);
	/* Flip a byte of the third record's payload. */
	fd = open(path, O_RDWR);
	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, "X", 1, two + 14), 1);
	close(fd);
	cr_assert_eq(journal_open(path, &journal_record__descriptor, collect, &n, &j, err,
				  sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 2, "reading stops at the record whose checksum fails");
	cr_assert_eq(journal_torn(j), 1);
	journal_close(j);
}

static char journal_path[300];

static off_t journal_bytes(void)
{
	return file_size(journal_path);
}

static bool checkpoint_idle(void *arg)
{
	(void)arg;
	return d->ckpt_pid == 0;
}

static void restart(void)
{
	client_fini(&c1);
	cfgd_free(d);
	start_cfgd();
	client_init(&c1);
}

/* Many commits: background checkpoints, a journal compacted to what is
 * needed, and a restart that comes back with exactly the last commit and
 * the last STORE_HISTORY_MAX commits of history. */
Test(journal, checkpoints_compaction_and_restart, .timeout = 120)
{
	uint64_t s = open_session("admin");
	Config *before;
	unsigned n = 3 * STORE_HISTORY_MAX;

	cr_assert_eq(store_journal_path(&td.bs, journal_path, sizeof(journal_path)), 0);
	for (unsigned i = 1; i <= n; i++) {
		char text[128];

		snprintf(text, sizeof(text), "ntp = { unicast_server = ( { address = \"10.1.%u.%u\"; "
			 "} ); };", i / 256, i % 256);
		edit_ok(s, edit_set(text), NULL);
		cr_assert_eq(commit_ok(s), 1000000000ULL + i);
	}
	cr_assert(run_until(loop, checkpoint_idle, NULL, 20000), "the checkpoint never ended");
	cr_assert_geq(d->ckpt_id, 1000000000ULL + n - 64, "checkpoints follow the commits");
	cr_assert_leq(d->journal_records, 2 * STORE_HISTORY_MAX + 64 + 1,
		      "the journal is compacted: %zu records", d->journal_records);
	cr_assert_eq(d->rf->n_history, STORE_HISTORY_MAX);
	before = config_dup(cfgd_running(d));

	restart();
	cr_assert_eq(cfgd_commit_id(d), 1000000000ULL + n);
	cr_assert(config_equal(cfgd_running(d), before), "restart rebuilds running exactly");
	cr_assert_eq(d->rf->n_history, STORE_HISTORY_MAX);
	cr_assert_eq(d->rf->history[0]->commit_id, 1000000000ULL + n - STORE_HISTORY_MAX + 1);

	/* The oldest kept commit can still be rolled back to. */
	s = open_session("admin");
	{
		CfgReply *r = rollback(s, ROLLBACK_REQUEST__TO_COMMIT_ID,
				       d->rf->history[0]->commit_id, NULL);

		cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
		cfg_reply__free_unpacked(r, NULL);
	}
	cr_assert_eq(cfgd_running(d)->ntp->n_unicast_server, n - STORE_HISTORY_MAX + 1);
	cfg_free(before);
}

/* A one-line commit beside a big configuration costs journal bytes in
 * proportion to the line, not to the configuration. */
Test(journal, one_line_commit_costs_one_line, .timeout = 120)
{
	uint64_t s = open_session("admin");
	off_t size0, size1;

	cr_assert_eq(store_journal_path(&td.bs, journal_path, sizeof(journal_path)), 0);
	for (unsigned i = 0; i < 5000; i++) {
		char text[160];

		snprintf(text, sizeof(text), "acl = ( { number = \"2000\"; rule = ( { id = \"%u\"; "
			 "source = \"10.%u.%u.0\"; wildcard = \"0.0.0.255\"; } ); } );", i,
			 i / 256, i % 256);
		edit_ok(s, edit_set(text), NULL);
	}
	commit_ok(s);
	size0 = journal_bytes();
	cr_assert_gt(size0, 5000 * 20, "the big commit is in the journal");
	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	commit_ok(s);
	size1 = journal_bytes();
	cr_assert_lt(size1 - size0, 512, "a one-line commit took %lld bytes",
		     (long long)(size1 - size0));
	restart();
	cr_assert_eq(cfgd_running(d)->acl[0]->n_rule, 5000);
	cr_assert_str_eq(cfgd_running(d)->system->sysname, "DeviceC");
}

/* A torn record at the end of cfgd's journal (a crash while writing a
 * commit that was never answered): cfgd comes back with the commit before. */
Test(journal, cfgd_drops_a_torn_commit)
{
	uint64_t s = open_session("admin");
	off_t size;

	cr_assert_eq(store_journal_path(&td.bs, journal_path, sizeof(journal_path)), 0);
	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	commit_ok(s);
	size = journal_bytes();
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	commit_ok(s);
	client_fini(&c1);
	cfgd_free(d);
	cr_assert_eq(truncate(journal_path, size + 5), 0);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(cfgd_commit_id(d), 1000000001ULL);
	cr_assert_str_eq(cfgd_running(d)->system->sysname, "A");
	/* The next commit takes the next id: nothing was answered for the torn one. */
	s = open_session("admin");
	edit_ok(s, edit_set("system = { sysname = \"C\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000002ULL);
}

/* A frame with the journal's framing and a good checksum around bytes that
 * are no record (what a bug or another program could write). */
static void append_raw_frame(const char *path, const uint8_t *payload, uint32_t n)
{
	uint8_t hdr[12];
	uint32_t crc = (uint32_t)crc32(0L, payload, n);
	int fd = open(path, O_WRONLY | O_APPEND);

	cr_assert(fd >= 0);
	memcpy(hdr, "MJR1", 4);
	for (int i = 0; i < 4; i++) {
		hdr[4 + i] = (uint8_t)(n >> (8 * i));
		hdr[8 + i] = (uint8_t)(crc >> (8 * i));
	}
	cr_assert_eq(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	cr_assert_eq(write(fd, payload, n), (ssize_t)n);
	close(fd);
}

/* cfgd reads each record's metadata itself and leaves its changes packed
 * (persist.c): a checksummed frame that is no record is still a torn tail
 * when it is last (cut, cfgd comes back with the commits before it) and
 * still a corrupt journal when whole records follow (cfgd refuses to
 * start and leaves the file as it is). */
Test(journal, cfgd_cuts_or_refuses_a_frame_that_is_no_record)
{
	static const uint8_t junk[] = { 0x0f, 0xff, 0xff, 0x01, 0x02 };   /* wire type 7 */
	uint64_t s = open_session("admin");
	JournalRecord label = JOURNAL_RECORD__INIT;
	char err[512] = "";
	uint8_t *frame;
	size_t flen;
	off_t size;
	int fd;

	cr_assert_eq(store_journal_path(&td.bs, journal_path, sizeof(journal_path)), 0);
	edit_ok(s, edit_set("system = { sysname = \"A\"; };"), NULL);
	commit_ok(s);
	edit_ok(s, edit_set("system = { sysname = \"B\"; };"), NULL);
	commit_ok(s);
	client_fini(&c1);
	cfgd_free(d);
	size = journal_bytes();

	append_raw_frame(journal_path, junk, sizeof(junk));
	start_cfgd();
	cr_assert_eq(cfgd_commit_id(d), 1000000002ULL);
	cr_assert_str_eq(cfgd_running(d)->system->sysname, "B");
	cr_assert_eq(journal_bytes(), size, "the frame that is no record is cut");
	cfgd_free(d);

	append_raw_frame(journal_path, junk, sizeof(junk));
	label.kind = JOURNAL_RECORD__KIND__LABEL;
	label.commit_id = 1000000002ULL;
	label.label = "after";
	frame = journal_frame(&label.base, &flen);
	fd = open(journal_path, O_WRONLY | O_APPEND);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, frame, flen), (ssize_t)flen);
	close(fd);
	free(frame);
	size = journal_bytes();
	d = cfgd_new(loop, zctx, &td.bs, err, sizeof(err));
	cr_assert_null(d, "cfgd started on a journal corrupt in the middle");
	cr_assert(strstr(err, "corrupt") != NULL, "%s", err);
	cr_assert_eq(journal_bytes(), size, "the journal was changed");
	/* The operator's fix: the bad frame and what follows cut. */
	cr_assert_eq(truncate(journal_path, size - (off_t)flen - 12 - (off_t)sizeof(junk)), 0);
	start_cfgd();
	client_init(&c1);
	cr_assert_str_eq(cfgd_running(d)->system->sysname, "B");
}

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

/* The history read at a start keeps each record's changes where the
 * journal was read, and labels in its metadata: a compaction writes the
 * records again with their labels, and after a restart a labelled old
 * commit's changes still display and roll back. */
Test(journal, labels_and_changes_survive_compaction_and_restart, .timeout = 120)
{
	uint64_t s = open_session("admin"), labelled = 0;
	unsigned n = 3 * STORE_HISTORY_MAX;
	CfgRequest req = CFG_REQUEST__INIT;
	LabelRequest lr = LABEL_REQUEST__INIT;
	CfgReply *r;

	cr_assert_eq(store_journal_path(&td.bs, journal_path, sizeof(journal_path)), 0);
	for (unsigned i = 1; i <= n; i++) {
		char text[128];

		snprintf(text, sizeof(text), "ntp = { unicast_server = ( { address = \"10.2.%u.%u\"; "
			 "} ); };", i / 256, i % 256);
		edit_ok(s, edit_set(text), NULL);
		commit_ok(s);
		if (i == n - STORE_HISTORY_MAX / 2) {
			labelled = 1000000000ULL + i;
			lr.session = s;
			lr.commit_id = labelled;
			lr.label = "half";
			req.req_case = CFG_REQUEST__REQ_LABEL;
			req.label = &lr;
			r = call(&req);
			cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
			cfg_reply__free_unpacked(r, NULL);
		}
	}
	cr_assert(run_until(loop, checkpoint_idle, NULL, 20000), "the checkpoint never ended");
	cr_assert_leq(d->journal_records, 2 * STORE_HISTORY_MAX + 64 + 1,
		      "the journal is compacted: %zu records", d->journal_records);
	restart();
	s = open_session("admin");
	cr_assert_geq(persist_find(d, labelled), 0);
	cr_assert_str_eq(d->rf->history[persist_find(d, labelled)]->label, "half");
	r = commit_changes(labelled);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_eq(r->n_history, 2);
	cr_assert_eq(r->history[0]->config->ntp->n_unicast_server, labelled - 1000000000ULL);
	cr_assert_eq(r->history[1]->config->ntp->n_unicast_server, labelled - 1000000001ULL);
	cfg_reply__free_unpacked(r, NULL);
	r = rollback(s, ROLLBACK_REQUEST__TO_LABEL, 0, "half");
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(cfgd_running(d)->ntp->n_unicast_server, labelled - 1000000000ULL);
}

/* A tree loaded from a checkpoint is carved from an arena (cfgtree.h):
 * its nodes and messages are changed, replaced and removed like any
 * other (under AddressSanitizer a free() of arena memory would abort),
 * and a restart after that comes back with exactly what was committed. */
Test(journal, a_tree_loaded_from_a_checkpoint_changes_like_any_other, .timeout = 120)
{
	uint64_t s = open_session("admin"), first;
	char text[200];
	CfgReply *r;

	for (unsigned i = 0; i < 300; i++) {
		snprintf(text, sizeof(text), "acl = ( { number = \"2000\"; rule = ( { id = \"%u\"; "
			 "source = \"10.3.%u.%u\"; } ); } );", i, i / 256, i % 256);
		edit_ok(s, edit_set(text), NULL);
	}
	first = commit_ok(s);
	for (unsigned i = 0; i < 64; i++) {
		snprintf(text, sizeof(text), "ntp = { unicast_server = ( { address = \"10.4.0.%u\"; "
			 "} ); };", i);
		edit_ok(s, edit_set(text), NULL);
		commit_ok(s);
	}
	cr_assert(run_until(loop, checkpoint_idle, NULL, 20000), "the checkpoint never ended");
	cr_assert_geq(d->ckpt_id, first, "the rules are in the checkpoint");
	restart();
	s = open_session("admin");
	edit_ok(s, edit_set("acl = ( { number = \"2000\"; rule = ( { id = \"7\"; deny = true; } ); } );"),
		edit_del("acl", "2000", "rule", "8", NULL));
	edit_ok(s, edit_set("system = { sysname = \"Arena\"; };"), NULL);
	commit_ok(s);
	cr_assert_eq(cfgd_running(d)->acl[0]->n_rule, 299);
	r = rollback(s, ROLLBACK_REQUEST__TO_COMMIT_ID, first, NULL);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
	cr_assert_eq(cfgd_running(d)->acl[0]->n_rule, 300);
	cr_assert_null(cfgd_running(d)->ntp);
	edit_ok(s, edit_del("acl", "2000", NULL), NULL);
	commit_ok(s);
	cr_assert_eq(cfgd_running(d)->n_acl, 0);
	restart();
	cr_assert_eq(cfgd_running(d)->n_acl, 0);
	cr_assert_null(cfgd_running(d)->ntp);
}

/* The candidates' log (session.c) is rewritten once a commit leaves most of
 * its bytes dead, however few records they were: a front end's big edit
 * requests are not read again at the next start. */
Test(journal, big_committed_edits_leave_the_candidates_log)
{
	uint64_t s = open_session("admin");
	char path[300], *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/candidates", td.bs.run_dir);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	fprintf(f, "acl = ( { number = \"2000\"; rule = (");
	for (unsigned i = 0; i < 5000; i++)
		fprintf(f, "%s { id = \"%u\"; source = \"10.5.%u.%u\"; }", i ? "," : "", i, i / 256,
			i % 256);
	fprintf(f, " ); } );");
	fclose(f);
	edit_ok(s, edit_set(text), NULL);
	free(text);
	cr_assert_gt(file_size(path), 64 << 10, "the edit is in the log: %lld bytes",
		     (long long)file_size(path));
	commit_ok(s);
	cr_assert_lt(file_size(path), 4096, "the log keeps %lld bytes after the commit",
		     (long long)file_size(path));
	restart();
	cr_assert_eq(cfgd_running(d)->acl[0]->n_rule, 5000);
}
