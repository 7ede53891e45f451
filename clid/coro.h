/*
 * coro.h: a coroutine on its own stack (ucontext), for clid's sessions.
 *
 * A VTY session runs each command in a coroutine so that a handler written
 * in straight-line style (ask cfgd, use the answer) can wait for a reply
 * without blocking the loop: the call sends its request and coro_yield()s;
 * the loop's reply callback coro_resume()s it.  One coroutine per session,
 * one body at a time; coro_start() begins a new body once the last one has
 * returned.  AddressSanitizer is told about every stack switch.
 */
#ifndef MERIDIAN_CLID_CORO_H
#define MERIDIAN_CLID_CORO_H

#include <stdbool.h>
#include <stddef.h>

struct coro;

/* A coroutine with a stack of stack_size bytes (allocated here). */
struct coro *coro_new(size_t stack_size);
/* Free it; its body must not be suspended (resume it to its end first). */
void coro_free(struct coro *co);

/* Run fn(arg) on the coroutine's stack until it returns or yields.  True
 * when it returned (finished), false when it is suspended. */
bool coro_start(struct coro *co, void (*fn)(void *), void *arg);
/* Continue a suspended body; true when it has finished. */
bool coro_resume(struct coro *co);
/* From inside the body: give control back to whoever started or resumed it. */
void coro_yield(struct coro *co);
/* True while the body is suspended (started, not finished, not running). */
bool coro_suspended(const struct coro *co);
/* True while the caller runs on this coroutine's stack. */
bool coro_running(const struct coro *co);

#endif
