/*
 * test_fuzz_login.c: the login-path fuzz harness without clang.  Replays
 * the seed corpus (BUILD/tests/fuzz/corpus-login, made by mkcorpus_vty)
 * through fuzz_login_one() under gcc's ASan and UBSan, then a
 * deterministic sweep: every seed cut at every third byte, and each of its
 * bytes replaced by IAC (0xff) and by '\n' (which moves the field
 * boundaries), so the invariants of harness_vty.h hold on every machine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_load.h"
#include "harness_vty.h"

#define MAX_SEED 4096

static void run(const struct fuzz_seed *s, const uint8_t *buf, size_t len, const char *what)
{
	char why[512] = "";

	cr_assert_eq(fuzz_login_one(buf, len, why, sizeof(why)), 0, "%s (%s, %zu bytes): %s",
		     s->name, what, len, why);
}

Test(fuzz_login, seeds_keep_the_invariants, .timeout = 120)
{
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-login", MAX_SEED, &v);

	cr_assert_geq(n, 12, "only %d seeds", n);
	for (int i = 0; i < n; i++)
		run(&v[i], v[i].buf, v[i].len, "as is");
	cr_log_info("%llu inputs: %llu sessions, %llu refused; %llu keys, %llu parsed",
		    (unsigned long long)fuzz_login_stats.inputs,
		    (unsigned long long)fuzz_login_stats.sessions,
		    (unsigned long long)fuzz_login_stats.refused,
		    (unsigned long long)fuzz_login_stats.keys,
		    (unsigned long long)fuzz_login_stats.keys_ok);
	cr_assert_gt(fuzz_login_stats.sessions, 0);
	cr_assert_gt(fuzz_login_stats.refused, 0);
	cr_assert_geq(fuzz_login_stats.keys_ok, 4);
	fuzz_vty_cleanup();
	fuzz_corpus_free(v, n);
}

Test(fuzz_login, mutated_seeds_keep_the_invariants, .timeout = 600)
{
	static uint8_t buf[MAX_SEED];
	static const uint8_t put[] = { 0xff, '\n' };
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-login", MAX_SEED, &v);

	for (int i = 0; i < n; i++) {
		for (size_t cut = 1; cut < v[i].len; cut += 3)
			run(&v[i], v[i].buf, cut, "truncated");
		for (size_t pos = 1; pos < v[i].len; pos++) {
			for (size_t k = 0; k < sizeof(put); k++) {
				memcpy(buf, v[i].buf, v[i].len);
				buf[pos] = put[k];
				run(&v[i], buf, v[i].len, k ? "newline put in" : "IAC put in");
			}
		}
	}
	fuzz_vty_cleanup();
	fuzz_corpus_free(v, n);
}
