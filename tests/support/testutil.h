/*
 * testutil.h: helpers every unit test may use (testutil.c, in the
 * meridian_testutil library): waiting on a loop for a state with a
 * deadline, a temporary directory per test, writing a small file.
 *
 * run_until() drives a loop until a predicate holds or a deadline passes:
 * a 1 ms check timer evaluates the predicate (no fixed sleeps), and the
 * loop stops as soon as it is true.  tmpdir_new()/tmpdir_free() give each
 * test its own directory (removed recursively at the end).
 */
#ifndef MERIDIAN_TESTUTIL_H
#define MERIDIAN_TESTUTIL_H

#include <stdbool.h>

struct loop;

typedef bool (*tu_pred)(void *arg);

/* Run loop until pred(arg) is true (checked every millisecond) or
 * timeout_ms passes.  Returns pred(arg) at the end (false when pred is
 * NULL: then it only runs the loop for timeout_ms). */
bool run_until(struct loop *loop, tu_pred pred, void *arg, int timeout_ms);

/* A process device key for tests that seal or open secrets
 * (common/secret.c): secret_init() on a fresh temporary STATE_DIR, whose
 * path is returned (free it with test_device_key_free(), which also
 * forgets the key).  Aborts the test on failure. */
char *test_device_key(void);
void test_device_key_free(char *dir);

/* A fresh directory under /tmp (malloc'd path), or NULL. */
char *tmpdir_new(void);
/* Remove dir and everything below it, and free the path (NULL is fine). */
void tmpdir_free(char *dir);

/* Write text to path (created or truncated); silently nothing when the
 * file cannot be opened (the test's next step fails instead). */
void write_file(const char *path, const char *text);

#endif
