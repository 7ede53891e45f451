/*
 * test_fileio.c: fileio_replace() (common/fileio.c): creates and replaces
 * a file with the given mode, leaves no temporary file, and on failure
 * leaves the old content as it was.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "testutil.h"

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

Test(fileio, creates_and_replaces)
{
	char *dir = tmpdir_new(), path[256], tmp[300];
	struct stat st;

	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/f.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert_eq(fileio_replace(path, "one\n", 4, 0600), 0);
	cr_assert_str_eq(slurp(path), "one\n");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(fileio_replace(path, "two, longer\n", 12, 0600), 0);
	cr_assert_str_eq(slurp(path), "two, longer\n");
	cr_assert_eq(fileio_replace(path, "", 0, 0600), 0);
	cr_assert_str_eq(slurp(path), "");
	cr_assert_neq(access(tmp, F_OK), 0, "the temporary file was left");
	tmpdir_free(dir);
}

/* The temporary file cannot be made (a directory stands there): an error,
 * and the old content is untouched. */
Test(fileio, a_failure_keeps_the_old_content)
{
	char *dir = tmpdir_new(), path[256], tmp[300];

	cr_assert_not_null(dir);
	snprintf(path, sizeof(path), "%s/f.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert_eq(fileio_replace(path, "old\n", 4, 0644), 0);
	cr_assert_eq(mkdir(tmp, 0755), 0);
	cr_assert_eq(fileio_replace(path, "new\n", 4, 0644), -EISDIR);
	cr_assert_str_eq(slurp(path), "old\n");
	cr_assert_eq(fileio_replace(NULL, "x", 1, 0644), -EINVAL);
	tmpdir_free(dir);
}
