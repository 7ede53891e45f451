/*
 * version.c: Meridian's version (version.h).  MERIDIAN_PROJECT_VERSION
 * comes from meson's project version (a compiler flag, common/meson.build)
 * and MERIDIAN_GIT_DESCRIBE from the header vcs_tag writes at build time.
 */
#include <stdio.h>
#include <string.h>

#include "meridian_version.h"
#include "version.h"

const char *meridian_version(void)
{
	static char buf[128];

	/* Outside a git checkout (a release tarball, the Debian package's
	 * clean copy) vcs_tag writes its fallback, which meson makes the
	 * project version when it is empty: then there is no git part. */
	if (!buf[0]) {
		if (MERIDIAN_GIT_DESCRIBE[0] &&
		    strcmp(MERIDIAN_GIT_DESCRIBE, MERIDIAN_PROJECT_VERSION) != 0)
			snprintf(buf, sizeof(buf), "%s (git %s)", MERIDIAN_PROJECT_VERSION,
				 MERIDIAN_GIT_DESCRIBE);
		else
			snprintf(buf, sizeof(buf), "%s", MERIDIAN_PROJECT_VERSION);
	}
	return buf;
}

void version_print(FILE *out, const char *prog)
{
	fprintf(out, "%s (Meridian) %s\n", prog, meridian_version());
}
