/*
 * corpus_load.h: the seed corpora the fuzz tests replay (tests/fuzz).
 */
#ifndef MERIDIAN_FUZZ_CORPUS_LOAD_H
#define MERIDIAN_FUZZ_CORPUS_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_seed {
	char name[256];
	uint8_t *buf;       /* malloc'd, max bytes of room */
	size_t len;
};

/* Every file of $root_env/sub (dot files aside), each read up to max
 * bytes, into *out; returns how many.  A missing variable or directory
 * fails the calling test (Criterion). */
int fuzz_corpus_load(const char *root_env, const char *sub, size_t max, struct fuzz_seed **out);
void fuzz_corpus_free(struct fuzz_seed *v, int n);

#endif
