/*
 * log.c: leveled logging to stderr or the journal, and allocation wrappers
 * that abort.
 *
 * On stderr, one line per message, "ident[pid]: LEVEL: message", written
 * with a single write-sized fprintf so lines of several daemons sharing a
 * terminal do not interleave mid-line.  In the journal, one entry per
 * message with its fields (log.h); an entry the journal refuses is written
 * to stderr as a line instead.  The identity defaults to "meridian" until
 * log_init() is called.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

static char log_ident[64] = "meridian";
static char log_device[64];
static enum log_level log_level = LOG_LVL_INFO;
static log_journal_fn journal_fn;   /* NULL: lines go to stderr */
static void *journal_arg;

/* Syslog priorities (sd-journal's PRIORITY=) of our levels. */
static const int level_priority[] = {
	[LOG_LVL_ERR] = 3,
	[LOG_LVL_WARN] = 4,
	[LOG_LVL_INFO] = 6,
	[LOG_LVL_DEBUG] = 7,
};

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const char *const level_tags[] = {
	[LOG_LVL_ERR] = "ERROR",
	[LOG_LVL_WARN] = "WARNING",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

void log_init(const char *ident, enum log_level level)
{
	if (ident)
		snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_set_level(level);
	if (log_stream_is_journal(getenv("JOURNAL_STREAM"), STDERR_FILENO))
		log_use_journal(NULL, NULL);
	else
		log_use_stderr();
}

void log_set_device(const char *device)
{
	snprintf(log_device, sizeof(log_device), "%s", device ? device : "");
}

bool log_stream_is_journal(const char *journal_stream, int fd)
{
	uintmax_t dev, ino;
	struct stat st;
	int used = 0;

	if (!journal_stream ||
	    sscanf(journal_stream, "%ju:%ju%n", &dev, &ino, &used) != 2 ||
	    journal_stream[used] != '\0')
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

static int journal_send(const struct iovec *iov, int n, void *arg)
{
	(void)arg;
	return sd_journal_sendv(iov, n);
}

void log_use_journal(log_journal_fn fn, void *arg)
{
	journal_fn = fn ? fn : journal_send;
	journal_arg = fn ? arg : NULL;
}

void log_use_stderr(void)
{
	journal_fn = NULL;
	journal_arg = NULL;
}

bool log_to_journal(void)
{
	return journal_fn != NULL;
}

/* Point the next iovec at "KEY=value" written into buf. */
static void add_field(struct log_fields *f, char *buf, size_t len, const char *key,
		      const char *value)
{
	int n = snprintf(buf, len, "%s=%s", key, value);

	if (n < 0)
		return;
	f->iov[f->n].iov_base = buf;
	f->iov[f->n].iov_len = (size_t)n < len ? (size_t)n : len - 1;
	f->n++;
}

void log_fields_build(struct log_fields *f, int priority, const char *message_id,
		      const char *msg)
{
	char num[8];

	f->n = 0;
	if (priority < 0)
		priority = 0;
	if (priority > 7)
		priority = 7;
	add_field(f, f->message, sizeof(f->message), "MESSAGE", msg ? msg : "");
	snprintf(num, sizeof(num), "%d", priority);
	add_field(f, f->priority, sizeof(f->priority), "PRIORITY", num);
	/* The programs are meridian-cfgd and so on; "ntpd" alone would be
	 * taken for another NTP daemon's lines. */
	if (strncmp(log_ident, "meridian", 8) == 0) {
		add_field(f, f->ident, sizeof(f->ident), "SYSLOG_IDENTIFIER", log_ident);
	} else {
		char ident[sizeof(log_ident) + 16];

		snprintf(ident, sizeof(ident), "meridian-%s", log_ident);
		add_field(f, f->ident, sizeof(f->ident), "SYSLOG_IDENTIFIER", ident);
	}
	if (log_device[0])
		add_field(f, f->device, sizeof(f->device), "MERIDIAN_DEVICE", log_device);
	if (message_id && message_id[0])
		add_field(f, f->message_id, sizeof(f->message_id), "MESSAGE_ID", message_id);
}

/* One entry to the journal; false when it was refused. */
static bool journal_write(int priority, const char *message_id, const char *msg)
{
	struct log_fields f;

	log_fields_build(&f, priority, message_id, msg);
	return journal_fn(f.iov, f.n, journal_arg) >= 0;
}

/* A level the tables (level_tags, level_priority) have. */
static enum log_level clamp_level(enum log_level level)
{
	return level < LOG_LVL_ERR ? LOG_LVL_ERR : level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level;
}

void log_set_level(enum log_level level)
{
	level = clamp_level(level);
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *name, enum log_level *out)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	/* Accept the usual abbreviations too. */
	if (strcasecmp(name, "err") == 0) {
		*out = LOG_LVL_ERR;
		return 0;
	}
	if (strcasecmp(name, "warn") == 0) {
		*out = LOG_LVL_WARN;
		return 0;
	}
	return -EINVAL;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];
	int saved = errno;

	if (level > log_level)
		return;
	level = clamp_level(level);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!journal_fn || !journal_write(level_priority[level], NULL, msg))
		fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(), level_tags[level],
			msg);
	errno = saved;
}

void log_event(int priority, const char *message_id, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX];
	int saved = errno;
	va_list ap;

	if (!journal_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	journal_write(priority, message_id, msg);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static void log_vfinal(enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MSG_MAX];

	if (!journal_fn) {
		log_vmsg(level, fmt, ap);
		return;
	}
	level = clamp_level(level);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "<%d>%s\n", level_priority[level], msg);
	fflush(stderr);
}

void log_final(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vfinal(level, fmt, ap);
	va_end(ap);
	errno = saved;
}

noreturn void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Always shown, whatever the level. */
	if (log_level < LOG_LVL_ERR)
		log_level = LOG_LVL_ERR;
	log_vfinal(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

static noreturn void oom(const char *what, size_t size)
{
	/* No allocation left for a journal entry: a line, with the syslog
	 * prefix the journal's stream reads as its priority when it is one. */
	fprintf(stderr, "%s%s[%ld]: ERROR: %s(%zu): out of memory\n", journal_fn ? "<3>" : "",
		log_ident, (long)getpid(), what, size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom("malloc", size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom("calloc", n * size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (!q)
		oom("realloc", size);
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		oom("strdup", s ? strlen(s) : 0);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom("asprintf", 0);
	return s;
}
