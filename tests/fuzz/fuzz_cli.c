/*
 * fuzz_cli.c: the libFuzzer target on clid's command engine (see
 * harness_cli.h).  Built with clang -fsanitize=fuzzer,address,undefined
 * by tests/fuzz/run-smoke --target cli; a broken invariant aborts with
 * its sentence, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness_cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (fuzz_cli_one(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_cli: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
