/*
 * helpers.h: shared by ifmgrd's tests: a bootstrap in a temporary run
 * directory, a loop runner that waits on a predicate with a deadline, and
 * an IfStates subscriber (the Clone pattern, as clid or ntpd would use it).
 */
#ifndef IFMGRD_TEST_HELPERS_H
#define IFMGRD_TEST_HELPERS_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <criterion/criterion.h>

#include "bootstrap.h"
#include "clone.h"
#include "log.h"
#include "loop.h"
#include "ifmgr.pb-c.h"

/* A bootstrap with run_dir in a fresh temporary directory and the given
 * interfaces: names[i] -> netdevs[i]. */
static inline void test_bootstrap(struct bootstrap *bs, const char *const *names,
				  const char *const *netdevs, size_t n)
{
	char tmpl[] = "/tmp/ifmgrd-test-XXXXXX";

	bootstrap_defaults(bs);
	cr_assert_not_null(mkdtemp(tmpl));
	free(bs->run_dir);
	bs->run_dir = xstrdup(tmpl);
	bs->interfaces = xcalloc(n ? n : 1, sizeof(*bs->interfaces));
	for (size_t i = 0; i < n; i++) {
		bs->interfaces[i].name = xstrdup(names[i]);
		bs->interfaces[i].netdev = xstrdup(netdevs[i]);
	}
	bs->n_interfaces = n;
}

/* Remove the run directory's sockets and the directory, then free bs. */
static inline void test_bootstrap_free(struct bootstrap *bs)
{
	DIR *d = opendir(bs->run_dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", bs->run_dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(bs->run_dir);
	bootstrap_free(bs);
}

/* Run the loop until pred(arg) holds or timeout_ms passes; true if it held. */
struct test_wait {
	bool (*pred)(void *);
	void *arg;
	uint64_t deadline;
	bool ok;
};

static inline void test_wait_tick(struct loop *loop, void *arg)
{
	struct test_wait *w = arg;

	if (w->pred(w->arg)) {
		w->ok = true;
		loop_stop(loop);
	} else if (loop_now_us() >= w->deadline) {
		loop_stop(loop);
	} else {
		loop_timer_add(loop, 5000, test_wait_tick, w);
	}
}

static inline bool test_wait_for(struct loop *loop, int timeout_ms, bool (*pred)(void *),
				 void *arg)
{
	struct test_wait w = { pred, arg, loop_now_us() + (uint64_t)timeout_ms * 1000, false };

	loop_timer_add(loop, 0, test_wait_tick, &w);
	loop_run(loop);
	return w.ok;
}

/* The latest IfStates seen on the bus. */
struct test_sub {
	struct clone_sub *sub;
	IfStates *latest;
	unsigned updates;
};

static inline void test_sub_apply(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct test_sub *ts = arg;
	IfStates *st = if_states__unpack(NULL, len, state);

	cr_assert_not_null(st, "ifmgrd published undecodable IfStates");
	if (ts->latest)
		if_states__free_unpacked(ts->latest, NULL);
	ts->latest = st;
	ts->updates++;
}

static inline void test_sub_start(struct test_sub *ts, struct loop *loop, void *zctx,
				  const struct bootstrap *bs)
{
	char pub[512], ctl[512];

	memset(ts, 0, sizeof(*ts));
	cr_assert_eq(bootstrap_endpoint(bs, "ifmgrd", "pub", pub, sizeof(pub)), 0);
	cr_assert_eq(bootstrap_endpoint(bs, "ifmgrd", "ctl", ctl, sizeof(ctl)), 0);
	ts->sub = clone_sub_new(loop, zctx, pub, ctl, "if", CLONE_HEARTBEAT_MS, test_sub_apply, ts);
	cr_assert_not_null(ts->sub);
}

static inline void test_sub_stop(struct test_sub *ts)
{
	clone_sub_free(ts->sub);
	if (ts->latest)
		if_states__free_unpacked(ts->latest, NULL);
	memset(ts, 0, sizeof(*ts));
}

/* The interface named `name` in the latest IfStates, or NULL. */
static inline const IfState *test_sub_find(const struct test_sub *ts, const char *name)
{
	for (size_t i = 0; ts->latest && i < ts->latest->n_interface; i++)
		if (strcasecmp(ts->latest->interface[i]->name, name) == 0)
			return ts->latest->interface[i];
	return NULL;
}

#endif
