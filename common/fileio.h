/*
 * fileio.h: replacing a file's content so that a crash at any moment
 * leaves either the old content or the new, never a mix (fileio.c).
 */
#ifndef MERIDIAN_FILEIO_H
#define MERIDIAN_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Replace path's content with data[0..len), durably: written to
 * "path.tmp" (created with mode), fsync'd, renamed over path, and the
 * directory fsync'd so the rename itself survives a crash.  0, or -errno
 * (before the rename: path untouched and no temporary file left). */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode);

#endif
