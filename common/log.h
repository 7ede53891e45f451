/*
 * log.h: leveled logging to stderr, allocation wrappers that abort, fatal().
 *
 * Every line is "ident[pid]: LEVEL: message".  Libraries in common/ log only
 * at debug; the daemons decide what to say.  Allocation failure in a daemon
 * is a broken invariant: the x* wrappers abort loudly.
 */
#ifndef MERIDIAN_LOG_H
#define MERIDIAN_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdnoreturn.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the identity printed on every line and the most verbose level shown. */
void log_init(const char *ident, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error" | "warning" | "info" | "debug" -> level.  0, or -EINVAL. */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

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
