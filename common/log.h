/*
 * log.h: leveled logging to stderr or the journal, allocation wrappers that
 * abort, fatal().
 *
 * Outside systemd (the lab, tests) every line is "ident[pid]: LEVEL:
 * message" on stderr.  Under systemd, when JOURNAL_STREAM names the stream
 * stderr is connected to (systemd.exec(5)), each line is a journal entry
 * instead (sd_journal_sendv) with MESSAGE, PRIORITY (the syslog level of
 * the line's level), SYSLOG_IDENTIFIER ("meridian-" and the ident) and,
 * when the bootstrap file names one, MERIDIAN_DEVICE; log_event() adds
 * notable events (evlog.c) with their MESSAGE_ID (msgid.h).  So
 * `journalctl -u meridian-ntpd -p warning` shows the warnings and worse.
 *
 * Libraries in common/ log only at debug; the daemons decide what to say.
 * Allocation failure in a daemon is a broken invariant: the x* wrappers
 * abort loudly.
 */
#ifndef MERIDIAN_LOG_H
#define MERIDIAN_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>
#include <sys/uio.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the identity printed on every line and the most verbose level shown;
 * lines go to the journal from here on when log_stream_is_journal() says
 * stderr is the journal's stream, to stderr otherwise. */
void log_init(const char *ident, enum log_level level);
/* The device named in every journal entry (MERIDIAN_DEVICE); NULL or "":
 * none. */
void log_set_device(const char *device);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error" | "warning" | "info" | "debug" -> level.  0, or -EINVAL. */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

/* Notable event (evlog.c) for the journal: an entry at syslog `priority`
 * (0..7) with `message_id` (32 hex digits, msgid.h; NULL: none).  Nothing
 * when lines go to stderr: there the events are not lines. */
void log_event(int priority, const char *message_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- where lines go ------------------------------------------------------ */

/* Whether fd is the stream JOURNAL_STREAM ("DEVICE:INODE", decimal, as
 * systemd sets it for a service whose stdout or stderr is the journal)
 * names: fstat's st_dev and st_ino match.  NULL or malformed: false. */
bool log_stream_is_journal(const char *journal_stream, int fd);

/* Receives one entry's fields ("KEY=value", not NUL-terminated). */
typedef int (*log_journal_fn)(const struct iovec *iov, int n, void *arg);
/* Send lines to the journal through fn (NULL: sd_journal_sendv), or back
 * to stderr.  log_init() chooses by itself; tests give a fake sink. */
void log_use_journal(log_journal_fn fn, void *arg);
void log_use_stderr(void);
bool log_to_journal(void);

/* One journal entry's fields, built in f: MESSAGE, PRIORITY,
 * SYSLOG_IDENTIFIER, then MERIDIAN_DEVICE and MESSAGE_ID when there are
 * any.  iov[0..n) point into f. */
#define LOG_MSG_MAX 2048
struct log_fields {
	char message[LOG_MSG_MAX + 8];
	char priority[16];
	char ident[80];
	char device[80];
	char message_id[48];
	struct iovec iov[5];
	int n;
};
void log_fields_build(struct log_fields *f, int priority, const char *message_id,
		      const char *msg);

/* A message the process exits right after (a failed start): as log_msg(),
 * but under the journal a line on stderr with the "<N>" prefix the
 * journal's stream reads as its priority.  The stream's unit is known from
 * its connection, while an entry sent by a process that is gone by the
 * time journald reads it may lack _SYSTEMD_UNIT, and then neither
 * `journalctl -u` nor `systemctl status` shows it. */
void log_final(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Log at error level and exit(1): for broken invariants only, never for bad input. */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
