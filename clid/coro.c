/*
 * coro.c: coroutines on ucontext (see coro.h).
 *
 * makecontext/swapcontext give each coroutine its own mmap'd stack, with an
 * inaccessible guard page below it so an overflow faults instead of
 * corrupting the heap.  swapcontext saves the signal mask too (two system
 * calls per switch): a few microseconds, far below a round trip to cfgd.
 *
 * AddressSanitizer keeps shadow state per stack: each switch is bracketed by
 * __sanitizer_start_switch_fiber() (where we go) and
 * __sanitizer_finish_switch_fiber() (where we came from), and a body that
 * ends says so with a NULL fake-stack pointer, so ASan forgets its frames.
 * Without ASan the annotations compile to nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "coro.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define CORO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORO_ASAN 1
#endif
#endif

#ifdef CORO_ASAN
#include <sanitizer/common_interface_defs.h>
#define switch_start(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define switch_finish(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define switch_start(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define switch_finish(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#endif

struct coro {
	ucontext_t ctx;          /* the body's */
	ucontext_t caller;       /* whoever started or resumed it */
	void *map;               /* guard page + stack */
	size_t map_len;
	void *stack;
	size_t stack_size;
	void (*fn)(void *);
	void *arg;
	bool active;             /* started and not finished */
	bool running;            /* on its stack right now */
	/* ASan: the caller's stack, and the body's fake stack while away. */
	const void *caller_bottom;
	size_t caller_size;
	void *fake_stack;
};

struct coro *coro_new(size_t stack_size)
{
	struct coro *co = xcalloc(1, sizeof(*co));
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	stack_size = (stack_size + page - 1) / page * page;
	co->map_len = stack_size + page;
	co->map = mmap(NULL, co->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (co->map == MAP_FAILED)
		fatal("coroutine stack: out of memory");
	if (mprotect(co->map, page, PROT_NONE) < 0)
		fatal("coroutine stack: mprotect failed");
	co->stack = (char *)co->map + page;
	co->stack_size = stack_size;
	return co;
}

void coro_free(struct coro *co)
{
	if (!co)
		return;
	if (co->active)
		fatal("coro_free: the coroutine is suspended");
	munmap(co->map, co->map_len);
	free(co);
}

/* Switch from the caller into the body, and account for coming back. */
static bool enter(struct coro *co)
{
	void *fake = NULL;

	co->running = true;
	switch_start(&fake, co->stack, co->stack_size);
	if (swapcontext(&co->caller, &co->ctx) < 0)
		fatal("swapcontext failed");
	switch_finish(fake, NULL, NULL);
	co->running = false;
	return !co->active;
}

/* makecontext passes int arguments only: the pointer in two halves. */
static void trampoline(unsigned hi, unsigned lo)
{
	struct coro *co = (struct coro *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);

	switch_finish(NULL, &co->caller_bottom, &co->caller_size);
	co->fn(co->arg);
	co->active = false;
	/* The body ends: ASan may drop its fake stack (NULL save). */
	switch_start(NULL, co->caller_bottom, co->caller_size);
	setcontext(&co->caller);
	fatal("setcontext failed");
}

bool coro_start(struct coro *co, void (*fn)(void *), void *arg)
{
	uintptr_t p = (uintptr_t)co;

	if (co->active)
		fatal("coro_start: the coroutine is busy");
	if (getcontext(&co->ctx) < 0)
		fatal("getcontext failed");
	co->ctx.uc_stack.ss_sp = co->stack;
	co->ctx.uc_stack.ss_size = co->stack_size;
	co->ctx.uc_link = NULL;
	co->fn = fn;
	co->arg = arg;
	co->active = true;
	makecontext(&co->ctx, (void (*)(void))trampoline, 2, (unsigned)(p >> 16 >> 16),
		    (unsigned)(p & 0xffffffffu));
	return enter(co);
}

bool coro_resume(struct coro *co)
{
	if (!co->active || co->running)
		fatal("coro_resume: nothing to resume");
	return enter(co);
}

void coro_yield(struct coro *co)
{
	if (!co->running)
		fatal("coro_yield: not inside the coroutine");
	switch_start(&co->fake_stack, co->caller_bottom, co->caller_size);
	if (swapcontext(&co->ctx, &co->caller) < 0)
		fatal("swapcontext failed");
	switch_finish(co->fake_stack, &co->caller_bottom, &co->caller_size);
}

bool coro_suspended(const struct coro *co)
{
	return co->active && !co->running;
}

bool coro_running(const struct coro *co)
{
	return co->running;
}
