/*
 * fuzz_ntpd.c: the libFuzzer target on ntpd's receive path (see harness.h).
 * Built with clang -fsanitize=fuzzer,address,undefined by tests/fuzz/run-smoke;
 * a broken invariant aborts with its sentence, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];

	if (fuzz_ntpd_one(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_ntpd: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
