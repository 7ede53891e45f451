/*
 * corpus_load.c: reading a seed corpus for a replay test (corpus_load.h).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "corpus_load.h"

int fuzz_corpus_load(const char *root_env, const char *sub, size_t max, struct fuzz_seed **out)
{
	const char *root = getenv(root_env);
	char dir[4096];
	struct fuzz_seed *v = NULL;
	struct dirent *de;
	DIR *d;
	int n = 0;

	cr_assert_not_null(root, "%s is not set", root_env);
	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	d = opendir(dir);
	cr_assert_not_null(d, "cannot open %s", dir);
	while ((de = readdir(d))) {
		char path[4400];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		v = realloc(v, (size_t)(n + 1) * sizeof(*v));
		cr_assert_not_null(v);
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		cr_assert_not_null(f, "cannot open %s", path);
		v[n].buf = malloc(max);
		cr_assert_not_null(v[n].buf);
		v[n].len = fread(v[n].buf, 1, max, f);
		fclose(f);
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

void fuzz_corpus_free(struct fuzz_seed *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].buf);
	free(v);
}
