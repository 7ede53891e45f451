/*
 * fuzz_login.c: the libFuzzer target on clid's login path (see
 * harness_vty.h, fuzz_login_one: the telnet login dialogue with the options
 * before it, and SSH public keys' text).  Built with clang by
 * tests/fuzz/run-smoke --target login; a broken invariant aborts with its
 * sentence, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness_vty.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (fuzz_login_one(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_login: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
