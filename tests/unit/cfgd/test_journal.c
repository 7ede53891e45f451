/*
 * test_journal.c: cfgd/journal.c (the file: torn and corrupt records) and
 * cfgd/persist.c through the in-process cfgd (checkpoints, compaction, a
 * restart rebuilding running, what one commit costs in the journal).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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
