/*
 * fuzz_vty.c: the libFuzzer target on clid's telnet front end (see
 * harness_vty.h).  Built with clang -fsanitize=fuzzer,address,undefined
 * by tests/fuzz/run-smoke --target vty; a broken invariant aborts with
 * its sentence, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness_vty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (fuzz_vty_one(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_vty: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
