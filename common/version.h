/*
 * version.h: Meridian's version, from one place: meson's project version
 * (meson.build), with `git describe` when built from a git checkout.  It is
 * what `display version` shows and what every program's --version prints;
 * the Debian package's version is checked against the same project version
 * (debian/rules).  A small library of its own (common/meson.build), so
 * the tools need nothing else of common/.
 */
#ifndef MERIDIAN_VERSION_H
#define MERIDIAN_VERSION_H

#include <stdio.h>

/* "0.1.0", or "0.1.0 (git 25bb549-dirty)" when built from a git checkout.
 * A static string. */
const char *meridian_version(void);

/* The --version text of every Meridian program: "PROG (Meridian) VERSION"
 * and a newline, on out. */
void version_print(FILE *out, const char *prog);

#endif
