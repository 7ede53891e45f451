/*
 * cfgd_fixtures.h: what cfgd's unit tests share (tests/support, built
 * once).
 *
 * Configurations are written as libconfig text and parsed with pbconf, which
 * keeps the tests readable: cfg("ntp = { unicast_server = ( { address =
 * \"10.0.1.31\"; } ); };").  Each test gets its own directory with a
 * bootstrap file declaring three interfaces; run_until() (testutil.h) drives
 * a loop until a predicate holds or a deadline passes (no fixed sleeps).  The validation
 * tests assert a text accepted, refused or left pending, each with its
 * sentence (assert_valid, assert_refused, assert_pending); cand_edit()
 * applies an edit to a candidate as a session does.
 */
#ifndef MERIDIAN_CFGD_FIXTURES_H
#define MERIDIAN_CFGD_FIXTURES_H

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
#include "testutil.h"
#include "validate.h"

Config *cfg(const char *text);
void cfg_free(Config *c);

/* Assert that c equals the configuration in text. */
void assert_cfg(const Config *c, const char *text);
Edit *edit_set(const char *text);

/* DELETE of a NULL-terminated path. */
Edit *edit_del(const char *first, ...);
void edit_free(Edit *e);

struct testdir {
	char dir[64];
	char bootstrap[128];
	struct bootstrap bs;
};

/* What a reboot does to RUN_DIR (a tmpfs): cfgd's checkpoint and journal
 * (and an earlier version's running.conf) are gone; STATE_DIR stays. */
void run_dir_clear(const struct testdir *t);

/* A fresh directory with run/ and state/ and a bootstrap file declaring
 * GigabitEthernet0/1/0, GigabitEthernet0/2/0 and LoopBack0. */
void testdir_new(struct testdir *t);
void testdir_free(struct testdir *t);

/* A Criterion suite `name` whose tests each run in a fresh testdir `td`. */
#define TESTDIR_SUITE(name)						\
	static struct testdir td;					\
	static void td_setup(void) { testdir_new(&td); }		\
	static void td_teardown(void) { testdir_free(&td); }		\
	TestSuite(name, .init = td_setup, .fini = td_teardown)

/* Assert that the configuration in text has no problem at all at commit. */
void assert_valid(const struct bootstrap *bs, const char *text);

/* Assert that text, as a change from an empty configuration, is refused in
 * `phase` with exactly the sentence want. */
void assert_refused(const struct bootstrap *bs, const char *text,
				  enum validate_phase phase, const char *want);

/* Assert that text passes per edit but is refused at commit with want (a
 * reference that may still be satisfied before the commit). */
void assert_pending(const struct bootstrap *bs, const char *text,
				  const char *want);

/* Apply e (freed here) to *cand as cfgd's sessions do: refused when the
 * result has a problem *cand did not have.  0 with *cand replaced, or
 * -EINVAL with the sentence in err and *cand unchanged. */
int cand_edit(const struct bootstrap *bs, Config **cand, Edit *e, char *err,
			    size_t len);

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

#endif
