/*
 * fuzz_cfgd.c: the libFuzzer target on cfgd's ctl requests (see
 * harness_cfgd.h).  Built with clang -fsanitize=fuzzer,address,undefined
 * and -Wl,--wrap=bus_server_reply by tests/fuzz/run-smoke --target cfgd; a
 * broken invariant aborts with its sentence, so libFuzzer saves the input.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness_cfgd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The harness's directory under /dev/shm goes when libFuzzer exits. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	atexit(fuzz_cfgd_cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[512];

	if (fuzz_cfgd_one(data, size, why, sizeof(why)) < 0) {
		fprintf(stderr, "fuzz_cfgd: invariant broken: %s\n", why);
		abort();
	}
	return 0;
}
