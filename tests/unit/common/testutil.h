/*
 * testutil.h: helpers shared by the common/ unit tests (header-only).
 *
 * run_until() drives a loop until a predicate holds or a deadline passes:
 * a 1 ms check timer evaluates the predicate (no fixed sleeps), and the loop
 * stops as soon as it is true.  tmpdir_new()/tmpdir_free() give each test its
 * own directory (removed recursively at the end).
 */
#ifndef MERIDIAN_TESTUTIL_H
#define MERIDIAN_TESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

typedef bool (*tu_pred)(void *arg);

struct tu_wait {
	tu_pred pred;
	void *arg;
	uint64_t deadline;
	bool done;
};

static void tu_check(struct loop *loop, void *arg)
{
	struct tu_wait *w = arg;

	if ((w->pred && w->pred(w->arg)) || loop_now_us() >= w->deadline) {
		w->done = true;
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 1000, tu_check, w);
}

/* Run loop until pred(arg) is true (checked every millisecond) or timeout_ms
 * passes.  Returns pred(arg) at the end (false when pred is NULL). */
static inline bool run_until(struct loop *loop, tu_pred pred, void *arg, int timeout_ms)
{
	struct tu_wait w = { pred, arg, loop_now_us() + (uint64_t)timeout_ms * 1000u, false };

	if (pred && pred(arg))
		return true;
	loop_timer_add(loop, 1000, tu_check, &w);
	while (!w.done)
		loop_run(loop);
	return pred ? pred(arg) : false;
}

static int tu_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/meridian-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static inline void tmpdir_free(char *dir)
{
	if (dir)
		nftw(dir, tu_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

#endif
