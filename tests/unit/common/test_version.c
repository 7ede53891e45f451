/*
 * test_version.c: every program of the build answers --version with the
 * one version (version.h: meson's project version, what `display version`
 * shows) and --help with its usage, on stdout, exit status 0; a bad option
 * is exit status 2 with the usage on stderr.
 *
 * The programs are run from the build directory (MERIDIAN_BUILD_ROOT, set
 * by tests/meson.build); one not built (-Dcomponents) is skipped.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "version.h"

static const char *const programs[][2] = {
	{ "cfgd", "meridian-cfgd" },
	{ "clid", "meridian-clid" },
	{ "ifmgrd", "meridian-ifmgrd" },
	{ "ntpd", "meridian-ntpd" },
	{ "tools", "meridian-vty" },
	{ "tools", "meridian-passwd" },
};

/* Run path with one argument; its exit status, stdout and stderr. */
static int run(const char *path, const char *arg, char *out, size_t outlen, char *err,
	       size_t errlen)
{
	int po[2], pe[2], status;
	pid_t pid;
	ssize_t n;
	size_t no = 0, ne = 0;

	cr_assert_eq(pipe(po), 0);
	cr_assert_eq(pipe(pe), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		close(STDIN_FILENO);   /* meridian-passwd must not wait for a line */
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while (no + 1 < outlen && (n = read(po[0], out + no, outlen - 1 - no)) > 0)
		no += (size_t)n;
	while (ne + 1 < errlen && (n = read(pe[0], err + ne, errlen - 1 - ne)) > 0)
		ne += (size_t)n;
	out[no] = '\0';
	err[ne] = '\0';
	close(po[0]);
	close(pe[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "%s %s did not exit", path, arg);
	return WEXITSTATUS(status);
}

/* The program's path in the build, or NULL when it was not built. */
static const char *program(size_t i, char *buf, size_t len)
{
	const char *root = getenv("MERIDIAN_BUILD_ROOT");

	if (!root)
		cr_skip_test("MERIDIAN_BUILD_ROOT is not set: run through meson test");
	snprintf(buf, len, "%s/%s/%s", root, programs[i][0], programs[i][1]);
	return access(buf, X_OK) == 0 ? buf : NULL;
}

Test(version, every_program_prints_the_one_version)
{
	char path[4096], out[4096], err[4096], want[512];
	size_t seen = 0;

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (!program(i, path, sizeof(path)))
			continue;
		seen++;
		cr_assert_eq(run(path, "--version", out, sizeof(out), err, sizeof(err)), 0,
			     "%s --version: %s", programs[i][1], err);
		snprintf(want, sizeof(want), "%s (Meridian) %s\n", programs[i][1],
			 meridian_version());
		cr_assert_str_eq(out, want, "%s --version", programs[i][1]);
		cr_assert_str_eq(err, "", "%s --version wrote on stderr", programs[i][1]);
	}
	cr_assert_gt(seen, 0, "no program built");
	/* The project's version comes first, the git description after it. */
	cr_assert(strchr("0123456789", meridian_version()[0]), "%s", meridian_version());
}

Test(version, every_program_has_help)
{
	char path[4096], out[4096], err[4096], want[128];

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (!program(i, path, sizeof(path)))
			continue;
		cr_assert_eq(run(path, "--help", out, sizeof(out), err, sizeof(err)), 0,
			     "%s --help: %s", programs[i][1], err);
		snprintf(want, sizeof(want), "usage: %s ", programs[i][1]);
		cr_assert_eq(strncmp(out, want, strlen(want)), 0, "%s --help:\n%s", programs[i][1],
			     out);
		cr_assert(strstr(out, "--version"), "%s --help does not list --version:\n%s",
			  programs[i][1], out);
	}
}

Test(version, a_bad_option_is_exit_status_2)
{
	char path[4096], out[4096], err[4096];

	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++) {
		if (!program(i, path, sizeof(path)) || !strcmp(programs[i][1], "meridian-passwd"))
			continue;   /* (meridian-passwd takes any word as the password) */
		cr_assert_eq(run(path, "--no-such-option", out, sizeof(out), err, sizeof(err)), 2,
			     "%s --no-such-option", programs[i][1]);
		cr_assert(strstr(err, "usage: "), "%s: no usage on stderr:\n%s", programs[i][1],
			  err);
	}
}
