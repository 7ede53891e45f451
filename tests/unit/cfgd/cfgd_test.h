/*
 * cfgd_test.h: helpers shared by cfgd's unit tests (header-only).
 *
 * Configurations are written as libconfig text and parsed with pbconf, which
 * keeps the tests readable: cfg("ntp = { unicast_server = ( { address =
 * \"10.0.1.31\"; } ); };").  Each test gets its own directory with a
 * bootstrap file declaring three interfaces; run_until() drives a loop until
 * a predicate holds or a deadline passes (no fixed sleeps).  The validation
 * tests assert a text accepted, refused or left pending, each with its
 * sentence (assert_valid, assert_refused, assert_pending); cand_edit()
 * applies an edit to a candidate as a session does.
 */
#ifndef CFGD_TEST_H
#define CFGD_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "cfgd.pb-c.h"
#include "config.pb-c.h"
#include "edit.h"
#include "loop.h"
#include "pbconf.h"
#include "validate.h"

static inline Config *cfg(const char *text)
{
	ProtobufCMessage *m = NULL;
	char err[256] = "";
	int rc = pbconf_parse(text, &config__descriptor, &m, err, sizeof(err));

	cr_assert_eq(rc, 0, "pbconf_parse: %s", err);
	return (Config *)m;
}

static inline void cfg_free(Config *c)
{
	if (c)
		config__free_unpacked(c, NULL);
}

/* Assert that c equals the configuration in text. */
static inline void assert_cfg(const Config *c, const char *text)
{
	Config *want = cfg(text);
	char *got = pbconf_render(c ? &c->base : &want->base);
	char *exp = pbconf_render(&want->base);

	cr_assert(config_equal(c, want), "got:\n%s\nwant:\n%s", got, exp);
	free(got);
	free(exp);
	cfg_free(want);
}

static inline Edit *edit_set(const char *text)
{
	Edit *e = malloc(sizeof(*e));

	edit__init(e);
	e->op = EDIT__OP__SET;
	e->value = cfg(text);
	return e;
}

/* DELETE of a NULL-terminated path. */
static inline Edit *edit_del(const char *first, ...)
{
	Edit *e = malloc(sizeof(*e));
	va_list ap;
	const char *p;

	edit__init(e);
	e->op = EDIT__OP__DELETE;
	e->path = calloc(16, sizeof(char *));
	va_start(ap, first);
	for (p = first; p && e->n_path < 16; p = va_arg(ap, const char *))
		e->path[e->n_path++] = strdup(p);
	va_end(ap);
	return e;
}

static inline void edit_free(Edit *e)
{
	edit__free_unpacked(e, NULL);
}

static int ct_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct testdir {
	char dir[64];
	char bootstrap[128];
	struct bootstrap bs;
};

/* What a reboot does to RUN_DIR (a tmpfs): cfgd's checkpoint and journal
 * (and an earlier version's running.conf) are gone; STATE_DIR stays. */
static inline void run_dir_clear(const struct testdir *t)
{
	static const char *const files[] = { "checkpoint.conf", "journal", "running.conf" };
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->bs.run_dir, files[i]);
		remove(path);
	}
}

/* A fresh directory with run/ and state/ and a bootstrap file declaring
 * GigabitEthernet0/1/0, GigabitEthernet0/2/0 and LoopBack0. */
static inline void testdir_new(struct testdir *t)
{
	char text[1024], err[256] = "";
	FILE *f;

	snprintf(t->dir, sizeof(t->dir), "/tmp/meridian-cfgd-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->bootstrap, sizeof(t->bootstrap), "%s/meridian.conf", t->dir);
	snprintf(text, sizeof(text),
		 "device = \"test\";\n"
		 "run_dir = \"%s/run\";\n"
		 "state_dir = \"%s/state\";\n"
		 "log_level = \"error\";\n"
		 "sysname = \"HUAWEI\";\n"
		 "interfaces = ( { name = \"GigabitEthernet0/1/0\"; netdev = \"veth-a\"; },\n"
		 "               { name = \"GigabitEthernet0/2/0\"; netdev = \"veth-b\"; },\n"
		 "               { name = \"LoopBack0\"; netdev = \"lo\"; } );\n",
		 t->dir, t->dir);
	f = fopen(t->bootstrap, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(bootstrap_load(t->bootstrap, &t->bs, err, sizeof(err)), 0, "%s", err);
	log_init("test", LOG_LVL_ERR);
}

static inline void testdir_free(struct testdir *t)
{
	bootstrap_free(&t->bs);
	nftw(t->dir, ct_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A Criterion suite `name` whose tests each run in a fresh testdir `td`. */
#define TESTDIR_SUITE(name)						\
	static struct testdir td;					\
	static void td_setup(void) { testdir_new(&td); }		\
	static void td_teardown(void) { testdir_free(&td); }		\
	TestSuite(name, .init = td_setup, .fini = td_teardown)

/* Assert that the configuration in text has no problem at all at commit. */
static inline void assert_valid(const struct bootstrap *bs, const char *text)
{
	Config *c = cfg(text);
	struct validate_list l = { 0 };

	validate_config(c, bs, VALIDATE_COMMIT, &l);
	cr_assert_eq(l.n, 0, "%s\n-> unexpected: %s", text, l.n ? l.msg[0] : "");
	validate_list_free(&l);
	cfg_free(c);
}

/* Assert that text, as a change from an empty configuration, is refused in
 * `phase` with exactly the sentence want. */
static inline void assert_refused(const struct bootstrap *bs, const char *text,
				  enum validate_phase phase, const char *want)
{
	Config *c = cfg(text);
	char err[512] = "";

	cr_assert_eq(validate_change(NULL, c, bs, phase, err, sizeof(err)), -EINVAL,
		     "%s accepted", text);
	cr_assert_str_eq(err, want);
	cfg_free(c);
}

/* Assert that text passes per edit but is refused at commit with want (a
 * reference that may still be satisfied before the commit). */
static inline void assert_pending(const struct bootstrap *bs, const char *text,
				  const char *want)
{
	Config *c = cfg(text);
	char err[512] = "";

	cr_assert_eq(validate_change(NULL, c, bs, VALIDATE_EDIT, err, sizeof(err)), 0,
		     "%s refused at edit: %s", text, err);
	cfg_free(c);
	assert_refused(bs, text, VALIDATE_COMMIT, want);
}

/* Apply e (freed here) to *cand as cfgd's sessions do: refused when the
 * result has a problem *cand did not have.  0 with *cand replaced, or
 * -EINVAL with the sentence in err and *cand unchanged. */
static inline int cand_edit(const struct bootstrap *bs, Config **cand, Edit *e, char *err,
			    size_t len)
{
	Config *work = *cand ? config_dup(*cand) : NULL;
	int rc = edit_apply(&work, e, err, len);

	if (rc == 0)
		rc = validate_change(*cand, work, bs, VALIDATE_EDIT, err, len);
	if (rc == 0) {
		cfg_free(*cand);
		*cand = work;
	} else {
		cfg_free(work);
	}
	edit_free(e);
	return rc;
}

/* A TESTDIR_SUITE for validation tests, with the shorthands ok(text) for
 * assert_valid and refused(text, want) for assert_refused at VALIDATE_EDIT,
 * both against td.bs.  td is declared ahead of them: a tentative definition
 * that TESTDIR_SUITE's completes. */
#define VALIDATE_SUITE(name)						\
	static struct testdir td;					\
	static void ok(const char *text)				\
	{								\
		assert_valid(&td.bs, text);				\
	}								\
	static void refused(const char *text, const char *want)		\
	{								\
		assert_refused(&td.bs, text, VALIDATE_EDIT, want);	\
	}								\
	TESTDIR_SUITE(name)

typedef bool (*ct_pred)(void *arg);

struct ct_wait {
	ct_pred pred;
	void *arg;
	uint64_t deadline;
	uint64_t timer;
	bool done;
};

static void ct_check(struct loop *loop, void *arg)
{
	struct ct_wait *w = arg;

	w->timer = 0;
	if ((w->pred && w->pred(w->arg)) || loop_now_us() >= w->deadline) {
		w->done = true;
		loop_stop(loop);
		return;
	}
	w->timer = loop_timer_add(loop, 1000, ct_check, w);
}

/* Run loop until pred(arg) holds (checked every millisecond) or timeout_ms
 * passes; returns pred(arg). */
static inline bool run_until(struct loop *loop, ct_pred pred, void *arg, int timeout_ms)
{
	struct ct_wait w = { pred, arg, loop_now_us() + (uint64_t)timeout_ms * 1000u, 0, false };

	if (pred && pred(arg))
		return true;
	w.timer = loop_timer_add(loop, 1000, ct_check, &w);
	while (!w.done)
		loop_run(loop);
	loop_timer_cancel(loop, w.timer);
	return pred ? pred(arg) : false;
}

#endif
