/*
 * test_fuzz_corpus.c: the fuzz harness without clang.  Replays the seed
 * corpus (tests/fuzz/corpus) through fuzz_ntpd_one() under gcc's ASan and
 * UBSan, then a deterministic mutation sweep of every seed (each byte
 * flipped, zeroed and set to 0xff; every truncation), so the receive-path
 * invariants of harness.h are checked on every machine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_load.h"
#include "harness.h"

#define MAX_SEED 1024

static void run(const struct fuzz_seed *s, const uint8_t *buf, size_t len, const char *what)
{
	char why[256] = "";

	cr_assert_eq(fuzz_ntpd_one(buf, len, why, sizeof(why)), 0, "%s (%s, %zu bytes): %s",
		     s->name, what, len, why);
}

Test(fuzz_corpus, seeds_keep_the_invariants)
{
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_SOURCE_ROOT", "tests/fuzz/corpus", MAX_SEED, &v);

	cr_assert_geq(n, 60, "only %d seeds", n);
	for (int i = 0; i < n; i++)
		run(&v[i], v[i].buf, v[i].len, "as is");
	/* The harness reaches every fate: answers (mode 3, mode 1 from a
	 * stranger), samples (the polled server and peer), drops. */
	cr_log_info("%llu deliveries: %llu answered, %llu accepted, %llu dropped",
		    (unsigned long long)fuzz_ntpd_stats.deliveries,
		    (unsigned long long)fuzz_ntpd_stats.replies,
		    (unsigned long long)fuzz_ntpd_stats.accepted,
		    (unsigned long long)fuzz_ntpd_stats.dropped);
	cr_assert_gt(fuzz_ntpd_stats.replies, 0);
	cr_assert_gt(fuzz_ntpd_stats.accepted, 0);
	cr_assert_gt(fuzz_ntpd_stats.dropped, 0);
	fuzz_ntpd_cleanup();
	fuzz_corpus_free(v, n);
}

Test(fuzz_corpus, mutated_seeds_keep_the_invariants, .timeout = 300)
{
	static const uint8_t vals[] = { 0x00, 0xff };
	struct fuzz_seed *v;
	uint8_t buf[MAX_SEED];
	int n = fuzz_corpus_load("MERIDIAN_SOURCE_ROOT", "tests/fuzz/corpus", MAX_SEED, &v);

	for (int i = 0; i < n; i++) {
		/* Mutate the modes 1-4 seeds byte by byte; the others only
		 * by truncation (they are all dropped on the mode). */
		unsigned mode = v[i].len ? v[i].buf[0] & 7 : 0;
		bool deep = mode >= 1 && mode <= 4;

		for (size_t cut = 0; cut < v[i].len; cut++)
			run(&v[i], v[i].buf, cut, "truncated");
		if (!deep)
			continue;
		for (size_t pos = 0; pos < v[i].len; pos++) {
			memcpy(buf, v[i].buf, v[i].len);
			buf[pos] ^= 0x80;
			run(&v[i], buf, v[i].len, "byte flipped");
			for (size_t k = 0; k < sizeof(vals); k++) {
				buf[pos] = vals[k];
				run(&v[i], buf, v[i].len, "byte set");
			}
		}
	}
	fuzz_ntpd_cleanup();
	fuzz_corpus_free(v, n);
}
