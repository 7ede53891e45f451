/*
 * test_fuzz_cfgd.c: the cfgd ctl fuzz harness without clang.  Replays the
 * seed corpus (BUILD/tests/fuzz/corpus-cfgd, made by mkcorpus_cfgd) through fuzz_cfgd_one() under gcc's
 * ASan and UBSan, then a deterministic mutation sweep: every seed cut at
 * the middle of each frame, and every fourth byte of each frame flipped
 * (one bit; the first byte at another offset in each frame), so the
 * invariants of harness_cfgd.h are checked on every machine.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_load.h"
#include "harness_cfgd.h"

#define MAX_SEED 16384

static void run(const struct fuzz_seed *s, const uint8_t *buf, size_t len, const char *what)
{
	char why[512] = "";

	cr_assert_eq(fuzz_cfgd_one(buf, len, why, sizeof(why)), 0, "%s (%s, %zu bytes): %s",
		     s->name, what, len, why);
}

Test(fuzz_cfgd, seeds_keep_the_invariants)
{
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-cfgd", MAX_SEED, &v);

	cr_assert_geq(n, 9, "only %d seeds", n);
	for (int i = 0; i < n; i++)
		run(&v[i], v[i].buf, v[i].len, "as is");
	cr_log_info("%llu frames: %llu ok, %llu refused, %llu malformed, %llu deferred; "
		    "%llu commits",
		    (unsigned long long)fuzz_cfgd_stats.frames,
		    (unsigned long long)fuzz_cfgd_stats.ok,
		    (unsigned long long)fuzz_cfgd_stats.refused,
		    (unsigned long long)fuzz_cfgd_stats.malformed,
		    (unsigned long long)fuzz_cfgd_stats.deferred,
		    (unsigned long long)fuzz_cfgd_stats.commits);
	/* The seeds reach every fate: accepted, refused, malformed, a commit
	 * waiting for a subscriber, and commits. */
	cr_assert_gt(fuzz_cfgd_stats.ok, 0);
	cr_assert_gt(fuzz_cfgd_stats.refused, 0);
	cr_assert_gt(fuzz_cfgd_stats.malformed, 0);
	cr_assert_gt(fuzz_cfgd_stats.deferred, 0);
	cr_assert_geq(fuzz_cfgd_stats.commits, 10);
	fuzz_cfgd_cleanup();
	fuzz_corpus_free(v, n);
}

Test(fuzz_cfgd, mutated_seeds_keep_the_invariants, .timeout = 300)
{
	static uint8_t buf[MAX_SEED];
	struct fuzz_seed *v;
	int n = fuzz_corpus_load("MERIDIAN_BUILD_ROOT", "tests/fuzz/corpus-cfgd", MAX_SEED, &v);

	for (int i = 0; i < n; i++) {
		size_t pos = 0;
		unsigned k = 0;

		while (pos + 2 <= v[i].len) {
			size_t len = (size_t)v[i].buf[pos] << 8 | v[i].buf[pos + 1];

			if (len > v[i].len - pos - 2)
				len = v[i].len - pos - 2;
			/* Cut in the middle of this frame. */
			run(&v[i], v[i].buf, pos + 2 + len / 2, "truncated");
			/* Every fourth byte of the frame, one bit flipped. */
			for (size_t b = k % 4; b < len; b += 4) {
				memcpy(buf, v[i].buf, v[i].len);
				buf[pos + 2 + b] ^= (uint8_t)(1u << (b % 8));
				run(&v[i], buf, v[i].len, "byte flipped");
			}
			pos += 2 + len;
			k++;
		}
	}
	fuzz_cfgd_cleanup();
	fuzz_corpus_free(v, n);
}

/*
 * Found by fuzz_cfgd in 52,000 runs, fixed: cfgd exited on one edit
 * request.  Frame 1 SessionOpen{user "admin"}; frame 2 EditRequest{session
 * FUZZ_CFGD_SESSION(1), edit SET Config{ntp{authentication_key[{keyid "m",
 * then an unknown field whose tag 0 is written as the overlong varint
 * 0x80 0x00, varint value 0}]}}}.  protobuf-c's unpack accepts it and keeps
 * the unknown field; packing writes its tag as the single byte 0x00, which
 * unpack refuses, so the edit cannot be copied.  cfgd now refuses the edit
 * ("The edit cannot be read.") instead of exiting.
 */
Test(fuzz_cfgd, tag0_edit_is_refused)
{
	static const uint8_t frames[] = {
		0x00, 0x09, 0x1a, 0x07, 0x0a, 0x05, 'a', 'd', 'm', 'i', 'n',
		0x00, 0x19, 0x2a, 0x17, 0x08, 0x81, 0x80, 0x80, 0x80, 0x10, 0x12, 0x0f, 0x08, 0x01,
		0x1a, 0x0b, 0x1a, 0x09, 0xaa, 0x01, 0x06, 0x0a, 0x01, 'm', 0x80, 0x00, 0x00,
	};
	char why[512] = "";

	cr_assert_eq(fuzz_cfgd_one(frames, sizeof(frames), why, sizeof(why)), 0, "%s", why);
	fuzz_cfgd_cleanup();
}
