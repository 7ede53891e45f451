/*
 * evring.c: the bounded event ring (see evring.h).
 *
 * A circular array: `head` indexes the oldest event, `n` counts them.  The
 * array is allocated whole at the first push (a ring of 512 is some 250
 * KiB; clid keeps one per daemon, and tests make many that stay empty).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evring.h"
#include "log.h"

struct evring {
	struct ev *v;
	size_t cap, head, n;
	uint64_t overwritten;
};

struct evring *evring_new(size_t capacity)
{
	struct evring *r = xcalloc(1, sizeof(*r));

	if (capacity < 1)
		capacity = 1;
	if (capacity > EVRING_MAX_CAPACITY)
		capacity = EVRING_MAX_CAPACITY;
	r->cap = capacity;
	return r;
}

void evring_free(struct evring *r)
{
	if (!r)
		return;
	free(r->v);
	free(r);
}

void evring_push(struct evring *r, const struct ev *e)
{
	if (!r->v)
		r->v = xcalloc(r->cap, sizeof(*r->v));
	if (r->n == r->cap) {
		r->v[r->head] = *e;
		r->head = (r->head + 1) % r->cap;
		r->overwritten++;
		return;
	}
	r->v[(r->head + r->n) % r->cap] = *e;
	r->n++;
}

size_t evring_count(const struct evring *r)
{
	return r->n;
}

const struct ev *evring_get(const struct evring *r, size_t i)
{
	return i < r->n ? &r->v[(r->head + i) % r->cap] : NULL;
}

struct ev *evring_at(struct evring *r, size_t i)
{
	return i < r->n ? &r->v[(r->head + i) % r->cap] : NULL;
}

const struct ev *evring_last(const struct evring *r)
{
	return r->n ? evring_get(r, r->n - 1) : NULL;
}

size_t evring_capacity(const struct evring *r)
{
	return r->cap;
}

uint64_t evring_overwritten(const struct evring *r)
{
	return r->overwritten;
}

void evring_set_overwritten(struct evring *r, uint64_t n)
{
	r->overwritten = n;
}

void evring_clear(struct evring *r)
{
	r->head = r->n = 0;
	r->overwritten = 0;
}

void ev_set(struct ev *e, enum ev_severity sev, const char *module, const char *brief,
	    const char *fmt, ...)
{
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->severity = (uint8_t)sev;
	snprintf(e->module, sizeof(e->module), "%s", module);
	snprintf(e->brief, sizeof(e->brief), "%s", brief);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}
