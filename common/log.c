/*
 * log.c: leveled logging to stderr and allocation wrappers that abort.
 *
 * One line per message, "ident[pid]: LEVEL: message", written with a single
 * write-sized fprintf so lines of several daemons sharing a journal or a
 * terminal do not interleave mid-line.  The identity defaults to "meridian"
 * until log_init() is called.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"

static char log_ident[64] = "meridian";
static enum log_level log_level = LOG_LVL_INFO;

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
}

void log_set_level(enum log_level level)
{
	if (level < LOG_LVL_ERR)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
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
	char msg[2048];
	int saved = errno;

	if (level > log_level)
		return;
	if (level < LOG_LVL_ERR)
		level = LOG_LVL_ERR;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s[%ld]: %s: %s\n", log_ident, (long)getpid(), level_tags[level], msg);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

noreturn void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Always shown, whatever the level. */
	if (log_level < LOG_LVL_ERR)
		log_level = LOG_LVL_ERR;
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

static noreturn void oom(const char *what, size_t size)
{
	fprintf(stderr, "%s[%ld]: ERROR: %s(%zu): out of memory\n", log_ident, (long)getpid(),
		what, size);
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
