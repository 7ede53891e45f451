/*
 * test_journal.c: log lines under systemd (common/log.c, log.h).
 *
 *  - JOURNAL_STREAM detection: the documented "DEVICE:INODE" of stderr,
 *    nothing else, and log_init() choosing by it;
 *  - the fields of an entry (MESSAGE, PRIORITY per level, SYSLOG_IDENTIFIER,
 *    MERIDIAN_DEVICE, MESSAGE_ID), through a fake sink, with nothing on
 *    stderr meanwhile, and stderr's lines unchanged without the journal;
 *  - log_final(): a line with its "<N>" prefix on the journal's stream;
 *  - the NTP events' stable MESSAGE_IDs (evlog.c, msgid.h);
 *  - where a journald runs (`systemctl is-system-running`), an entry read
 *    back with journalctl; skipped otherwise.
 *
 * stderr is redirected to a file for the tests that look at it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evlog.h"
#include "log.h"
#include "msgid.h"
#include "testutil.h"

#define MAX_ENTRIES 16
#define MAX_FIELDS 8

/* The fake journal: each entry's fields as strings. */
struct sink {
	char field[MAX_ENTRIES][MAX_FIELDS][256];
	int nfields[MAX_ENTRIES];
	int n;
	int refuse;   /* answer -EIO, as sd_journal_sendv without a journal */
};

static int fake_send(const struct iovec *iov, int n, void *arg)
{
	struct sink *s = arg;

	if (s->refuse)
		return -EIO;
	cr_assert_lt(s->n, MAX_ENTRIES);
	cr_assert_leq(n, MAX_FIELDS);
	for (int i = 0; i < n; i++) {
		size_t len = iov[i].iov_len < 255 ? iov[i].iov_len : 255;

		memcpy(s->field[s->n][i], iov[i].iov_base, len);
		s->field[s->n][i][len] = '\0';
	}
	s->nfields[s->n++] = n;
	return 0;
}

/* The value of KEY in entry i, or NULL. */
static const char *field(const struct sink *s, int i, const char *key)
{
	size_t k = strlen(key);

	for (int f = 0; f < s->nfields[i]; f++)
		if (strncmp(s->field[i][f], key, k) == 0 && s->field[i][f][k] == '=')
			return s->field[i][f] + k + 1;
	return NULL;
}

struct stderr_file {
	char *dir;
	char path[512];
	int saved;
};

static void stderr_to_file(struct stderr_file *sf)
{
	int fd;

	sf->dir = tmpdir_new();
	cr_assert_not_null(sf->dir);
	snprintf(sf->path, sizeof(sf->path), "%s/stderr", sf->dir);
	fd = open(sf->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	sf->saved = dup(STDERR_FILENO);
	cr_assert_geq(dup2(fd, STDERR_FILENO), 0);
	close(fd);
}

/* Put stderr back; what was written meanwhile, malloc'd. */
static char *stderr_restore(struct stderr_file *sf)
{
	char *text = xcalloc(1, 8192);
	int fd;
	ssize_t n;

	fflush(stderr);
	dup2(sf->saved, STDERR_FILENO);
	close(sf->saved);
	fd = open(sf->path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	n = read(fd, text, 8191);
	cr_assert_geq(n, 0);
	close(fd);
	tmpdir_free(sf->dir);
	return text;
}

static void stream_of(int fd, char *buf, size_t len)
{
	struct stat st;

	cr_assert_eq(fstat(fd, &st), 0);
	snprintf(buf, len, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

Test(journal, stream_detection)
{
	char *dir = tmpdir_new();
	char path[512], js[64], bad[80];
	struct stat st;
	int fd, p[2];

	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	stream_of(fd, js, sizeof(js));
	cr_assert(log_stream_is_journal(js, fd));

	cr_assert_eq(fstat(fd, &st), 0);
	snprintf(bad, sizeof(bad), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino + 1);
	cr_assert_not(log_stream_is_journal(bad, fd), "another inode");
	snprintf(bad, sizeof(bad), "%ju:%ju", (uintmax_t)st.st_dev + 1, (uintmax_t)st.st_ino);
	cr_assert_not(log_stream_is_journal(bad, fd), "another device");
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_not(log_stream_is_journal(js, p[1]), "a pipe is not the file");

	cr_assert_not(log_stream_is_journal(NULL, fd));
	cr_assert_not(log_stream_is_journal("", fd));
	snprintf(bad, sizeof(bad), "%s ", js);
	cr_assert_not(log_stream_is_journal(bad, fd), "trailing text");
	snprintf(bad, sizeof(bad), "%ju:", (uintmax_t)st.st_dev);
	cr_assert_not(log_stream_is_journal(bad, fd), "no inode");
	cr_assert_not(log_stream_is_journal("a:b", fd));
	cr_assert_not(log_stream_is_journal(js, -1), "not an fd");

	close(p[0]);
	close(p[1]);
	close(fd);
	tmpdir_free(dir);
}

Test(journal, log_init_chooses_by_journal_stream)
{
	struct stderr_file sf;
	char js[64];

	unsetenv("JOURNAL_STREAM");
	log_init("ntpd", LOG_LVL_INFO);
	cr_assert_not(log_to_journal(), "no JOURNAL_STREAM: stderr");

	setenv("JOURNAL_STREAM", "1:2", 1);   /* some other stream (stdout, say) */
	log_init("ntpd", LOG_LVL_INFO);
	cr_assert_not(log_to_journal(), "JOURNAL_STREAM names another stream: stderr");

	stderr_to_file(&sf);
	stream_of(STDERR_FILENO, js, sizeof(js));
	setenv("JOURNAL_STREAM", js, 1);
	log_init("ntpd", LOG_LVL_INFO);
	cr_assert(log_to_journal(), "JOURNAL_STREAM names stderr: the journal");
	log_use_stderr();
	free(stderr_restore(&sf));
	unsetenv("JOURNAL_STREAM");
}

Test(journal, fields_per_line)
{
	static struct sink s;
	struct stderr_file sf;
	char *err;

	unsetenv("JOURNAL_STREAM");
	log_init("ntpd", LOG_LVL_INFO);
	log_set_device("DeviceC");
	log_use_journal(fake_send, &s);
	stderr_to_file(&sf);

	log_err("cannot bind %s", "x");
	log_warn("clock not synchronized: %s", "no server");
	log_info("synchronized to %s, stratum %d", "10.0.1.31", 3);
	log_debug("not shown at level info");
	err = stderr_restore(&sf);
	cr_assert_str_empty(err, "nothing on stderr: %s", err);
	free(err);

	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(field(&s, 0, "MESSAGE"), "cannot bind x");
	cr_assert_str_eq(field(&s, 0, "PRIORITY"), "3");
	cr_assert_str_eq(field(&s, 1, "MESSAGE"), "clock not synchronized: no server");
	cr_assert_str_eq(field(&s, 1, "PRIORITY"), "4");
	cr_assert_str_eq(field(&s, 2, "MESSAGE"), "synchronized to 10.0.1.31, stratum 3");
	cr_assert_str_eq(field(&s, 2, "PRIORITY"), "6");
	for (int i = 0; i < s.n; i++) {
		cr_assert_str_eq(field(&s, i, "SYSLOG_IDENTIFIER"), "meridian-ntpd");
		cr_assert_str_eq(field(&s, i, "MERIDIAN_DEVICE"), "DeviceC");
		cr_assert_null(field(&s, i, "MESSAGE_ID"), "plain lines have no id");
		cr_assert_eq(s.nfields[i], 4);
	}

	/* No device in the bootstrap file: no field. */
	log_set_device(NULL);
	log_set_level(LOG_LVL_DEBUG);
	log_debug("debug %d", 7);
	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(field(&s, 3, "PRIORITY"), "7");
	cr_assert_null(field(&s, 3, "MERIDIAN_DEVICE"));
	log_use_stderr();
}

Test(journal, field_building)
{
	struct log_fields f;
	char big[LOG_MSG_MAX + 100];

	log_init("meridian-udp-relay", LOG_LVL_INFO);
	log_set_device("");
	log_fields_build(&f, 9, MSGID_NTP_SOURCE, "m");
	cr_assert_eq(f.n, 4);
	cr_assert_eq(f.iov[0].iov_len, strlen("MESSAGE=m"));
	cr_assert_eq(memcmp(f.iov[0].iov_base, "MESSAGE=m", f.iov[0].iov_len), 0);
	cr_assert_eq(memcmp(f.iov[1].iov_base, "PRIORITY=7", f.iov[1].iov_len), 0,
		     "priority clamped to 0..7");
	cr_assert_eq(memcmp(f.iov[2].iov_base, "SYSLOG_IDENTIFIER=meridian-udp-relay",
			    f.iov[2].iov_len), 0, "a meridian- identity is kept");
	cr_assert_eq(memcmp(f.iov[3].iov_base, "MESSAGE_ID=" MSGID_NTP_SOURCE,
			    f.iov[3].iov_len), 0);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_fields_build(&f, -3, NULL, big);
	cr_assert_eq(f.n, 3);
	cr_assert_lt(f.iov[0].iov_len, sizeof(f.message), "a long message is cut, in bounds");
	cr_assert_eq(memcmp(f.iov[1].iov_base, "PRIORITY=0", f.iov[1].iov_len), 0);
}

Test(journal, stderr_lines_unchanged_and_refused_entries_fall_back)
{
	static struct sink s;
	struct stderr_file sf;
	char *err, want[256];

	unsetenv("JOURNAL_STREAM");
	log_init("cfgd", LOG_LVL_INFO);
	stderr_to_file(&sf);
	log_warn("one %d", 1);
	log_event(4, MSGID_NTP_SYNCHRONIZED, "an event is not a line");
	log_use_journal(fake_send, &s);
	s.refuse = 1;
	log_err("two");
	log_use_stderr();
	err = stderr_restore(&sf);
	snprintf(want, sizeof(want), "cfgd[%ld]: WARNING: one 1\ncfgd[%ld]: ERROR: two\n",
		 (long)getpid(), (long)getpid());
	cr_assert_str_eq(err, want);
	free(err);
}

/* The last words of a failed start go through the journal's stream, with
 * the "<N>" priority prefix (the stream knows its unit even once the
 * process is gone); without the journal, the usual line. */
Test(journal, final_messages_through_the_stream)
{
	static struct sink s;
	struct stderr_file sf;
	char *err, want[256];

	unsetenv("JOURNAL_STREAM");
	log_init("cfgd", LOG_LVL_INFO);
	stderr_to_file(&sf);
	log_final(LOG_LVL_ERR, "cannot start: %s", "no");
	log_use_journal(fake_send, &s);
	log_final(LOG_LVL_ERR, "bad file %d", 2);
	log_final(LOG_LVL_WARN, "w");
	log_final(LOG_LVL_DEBUG, "not at info");
	log_use_stderr();
	err = stderr_restore(&sf);
	snprintf(want, sizeof(want), "cfgd[%ld]: ERROR: cannot start: no\n<3>bad file 2\n<4>w\n",
		 (long)getpid());
	cr_assert_str_eq(err, want);
	cr_assert_eq(s.n, 0, "log_final sent %d entries by datagram", s.n);
	free(err);
}

Test(journal, ntp_events_carry_their_message_ids)
{
	static struct sink s;

	log_init("ntpd", LOG_LVL_INFO);
	log_use_journal(fake_send, &s);
	evlog(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS",
	      "NTP state changed from unsynchronized to synchronized. "
	      "(SynchronizationSourceAddress = %s , VpnInstance = , Reason = )", "10.0.1.31");
	evlog(EV_WARNING, "NTP", "PEER_SELE", "The peer selected by the system is %s.",
	      "10.0.1.32");
	evlog(EV_CRIT, "NTP", "NTP_SYNCHRONIZE_STATUS",
	      "NTP state changed from synchronized to unsynchronized. "
	      "(SynchronizationSourceAddress = %s , VpnInstance = , Reason = %s)", "10.0.1.32",
	      "no server");
	evlog(EV_NOTICE, "SHELL", "LOGIN", "The user succeeded in logging in to %s.", "VTY0");
	log_use_stderr();

	cr_assert_eq(s.n, 4);
	cr_assert_str_eq(field(&s, 0, "MESSAGE_ID"), MSGID_NTP_SYNCHRONIZED);
	cr_assert_str_eq(field(&s, 0, "PRIORITY"), "4");
	cr_assert_not_null(strstr(field(&s, 0, "MESSAGE"),
				  "NTP/4/NTP_SYNCHRONIZE_STATUS: NTP state changed from "
				  "unsynchronized to synchronized."));
	cr_assert_str_eq(field(&s, 1, "MESSAGE_ID"), MSGID_NTP_SOURCE);
	cr_assert_str_eq(field(&s, 1, "PRIORITY"), "4");
	cr_assert_str_eq(field(&s, 2, "MESSAGE_ID"), MSGID_NTP_SYNC_LOST);
	cr_assert_str_eq(field(&s, 2, "PRIORITY"), "2");
	cr_assert_null(field(&s, 3, "MESSAGE_ID"));
	cr_assert_str_eq(field(&s, 3, "PRIORITY"), "5");
	cr_assert_str_eq(field(&s, 3, "MESSAGE"),
			 "SHELL/5/LOGIN: The user succeeded in logging in to VTY0.");
}

/* Whether this machine runs systemd with a journal to read back from. */
static bool journald_running(void)
{
	char state[64] = "";
	FILE *p = popen("systemctl is-system-running 2>/dev/null", "r");

	if (!p)
		return false;
	if (!fgets(state, sizeof(state), p))
		state[0] = '\0';
	pclose(p);
	return strncmp(state, "running", 7) == 0 || strncmp(state, "degraded", 8) == 0 ||
	       strncmp(state, "starting", 8) == 0;
}

Test(journal, read_back_with_journalctl, .timeout = 30)
{
	char token[64], cmd[256], out[4096];
	bool found = false;

	if (!journald_running())
		cr_skip_test("no running systemd journal here (systemctl is-system-running)");
	snprintf(token, sizeof(token), "test-%ld-%ld", (long)getpid(), (long)time(NULL));
	log_init("ntpd", LOG_LVL_INFO);
	log_set_device(token);
	log_use_journal(NULL, NULL);
	log_warn("a warning for the journal");
	log_event(4, MSGID_NTP_SYNCHRONIZED, "an event for the journal");
	log_use_stderr();

	/* journald writes asynchronously: poll with a deadline. */
	snprintf(cmd, sizeof(cmd),
		 "journalctl --no-pager -q -o export -p warning MERIDIAN_DEVICE=%s", token);
	for (int i = 0; i < 100 && !found; i++) {
		FILE *p = popen(cmd, "r");
		size_t n;

		cr_assert_not_null(p);
		n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = '\0';
		pclose(p);
		found = strstr(out, "MESSAGE=a warning for the journal") &&
			strstr(out, "MESSAGE_ID=" MSGID_NTP_SYNCHRONIZED);
		if (!found) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);   /* a poll interval, not a synchronisation */
		}
	}
	cr_assert(found, "not in the journal: %s", out);
	cr_assert_not_null(strstr(out, "SYSLOG_IDENTIFIER=meridian-ntpd"));
	cr_assert_not_null(strstr(out, "PRIORITY=4"));
}
