/*
 * testutil.c: the helpers of testutil.h, written once for every test.
 */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "secret.h"
#include "testutil.h"

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

bool run_until(struct loop *loop, tu_pred pred, void *arg, int timeout_ms)
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
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

char *tmpdir_new(void)
{
	char tmpl[] = "/tmp/meridian-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

void tmpdir_free(char *dir)
{
	if (dir)
		nftw(dir, tu_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

char *test_device_key(void)
{
	char *dir = tmpdir_new();
	int rc;

	if (!dir)
		fatal("test_device_key: no temporary directory");
	rc = secret_init(dir);
	if (rc < 0)
		fatal("test_device_key: %s", secret_strerror(rc));
	return dir;
}

void test_device_key_free(char *dir)
{
	secret_fini();
	tmpdir_free(dir);
}
