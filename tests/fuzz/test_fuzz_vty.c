/*
 * test_fuzz_vty.c: the telnet fuzz harness without clang.  Replays the seed
 * corpus (BUILD/tests/fuzz/corpus-vty, made by mkcorpus_vty) through
 * fuzz_vty_one() under gcc's ASan and UBSan, then a deterministic sweep:
 * every seed cut at every fourth byte, and each of its bytes replaced by
 * IAC (0xff), so the invariants of harness_vty.h are checked on every
 * machine.
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

	cr_assert_eq(fuzz_vty_one(buf, len, why, sizeof(why)), 0, "%s (%s, %zu bytes): %s",
		     s->name, what, len, why);
}

Test(fuzz_vty, seeds_keep_the_invariants, .timeout = 120)
{
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-vty", MAX_SEED, &v);

	cr_assert_geq(n, 15, "only %d seeds", n);
	for (int i = 0; i < n; i++)
		run(&v[i], v[i].buf, v[i].len, "as is");
	cr_log_info("%llu inputs: %llu logged in, %llu closed by the server; %llu bytes in, "
		    "%llu out, %llu telnet commands",
		    (unsigned long long)fuzz_vty_stats.inputs,
		    (unsigned long long)fuzz_vty_stats.logged_in,
		    (unsigned long long)fuzz_vty_stats.closed_by_server,
		    (unsigned long long)fuzz_vty_stats.bytes_in,
		    (unsigned long long)fuzz_vty_stats.bytes_out,
		    (unsigned long long)fuzz_vty_stats.iac_commands);
	cr_assert_gt(fuzz_vty_stats.logged_in, 0);
	cr_assert_gt(fuzz_vty_stats.closed_by_server, 0);
	fuzz_vty_cleanup();
	fuzz_corpus_free(v, n);
}

Test(fuzz_vty, mutated_seeds_keep_the_invariants, .timeout = 300)
{
	static uint8_t buf[MAX_SEED];
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-vty", MAX_SEED, &v);

	for (int i = 0; i < n; i++) {
		for (size_t cut = 1; cut < v[i].len; cut += 4)
			run(&v[i], v[i].buf, cut, "truncated");
		for (size_t pos = 1; pos < v[i].len; pos++) {
			memcpy(buf, v[i].buf, v[i].len);
			buf[pos] = 0xff;
			run(&v[i], buf, v[i].len, "IAC put in");
		}
	}
	fuzz_vty_cleanup();
	fuzz_corpus_free(v, n);
}
