/*
 * evring.h: a bounded ring of notable events (display logbuffer), and one
 * event's fixed-size form.
 *
 * The ring holds at most `capacity` events, oldest first; pushing into a
 * full ring drops the oldest and counts it as overwritten (VRP's
 * "Overwritten messages").  Events are copied in: the ring owns its
 * storage, one allocation at the first push, none per event.  Pure C: no
 * sockets, no clock, so it is tested alone.
 */
#ifndef MERIDIAN_EVRING_H
#define MERIDIAN_EVRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* VRP's default logbuffer size ("Actual buffer size : 512"; at most 1024). */
#define EVRING_DEFAULT_CAPACITY 512
#define EVRING_MAX_CAPACITY 1024

#define EV_MODULE_MAX 24
#define EV_BRIEF_MAX 48
#define EV_TEXT_MAX 400

/* Severities as syslog numbers them, which is what VRP prints. */
enum ev_severity {
	EV_EMERG = 0, EV_ALERT, EV_CRIT, EV_ERR, EV_WARNING, EV_NOTICE, EV_INFO, EV_DEBUG,
};

struct ev {
	uint64_t seq;              /* per emitter, from 1 */
	int64_t time_us;           /* since 1970 */
	bool device_time;          /* time_us is the device clock's */
	uint8_t severity;          /* enum ev_severity */
	uint32_t cid;
	char module[EV_MODULE_MAX];
	char brief[EV_BRIEF_MAX];
	char text[EV_TEXT_MAX];
};

struct evring;

/* capacity is clamped to 1..EVRING_MAX_CAPACITY. */
struct evring *evring_new(size_t capacity);
void evring_free(struct evring *r);
/* Copy e in, dropping the oldest when full. */
void evring_push(struct evring *r, const struct ev *e);
/* Events held, and the i-th (0 = oldest), or NULL past the end. */
size_t evring_count(const struct evring *r);
const struct ev *evring_get(const struct evring *r, size_t i);
/* The same, to change in place. */
struct ev *evring_at(struct evring *r, size_t i);
/* The newest, or NULL when empty. */
const struct ev *evring_last(const struct evring *r);
size_t evring_capacity(const struct evring *r);
/* Events dropped because the ring was full, since creation or the last
 * evring_clear(). */
uint64_t evring_overwritten(const struct evring *r);
void evring_set_overwritten(struct evring *r, uint64_t n);
void evring_clear(struct evring *r);

/* Fill e (zeroed first) with the given fields, truncating strings to fit;
 * text from a printf format. */
void ev_set(struct ev *e, enum ev_severity sev, const char *module, const char *brief,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
