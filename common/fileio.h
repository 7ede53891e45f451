/*
 * fileio.h: replacing a file's content so that a crash at any moment
 * leaves either the old content or the new, never a mix, and reading a
 * whole file (fileio.c).
 */
#ifndef MERIDIAN_FILEIO_H
#define MERIDIAN_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Replace path's content with data[0..len), durably: written to
 * "path.tmp" (created with mode), fsync'd, renamed over path, and the
 * directory fsync'd so the rename itself survives a crash.  0, or -errno
 * (before the rename: path untouched and no temporary file left). */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode);

/* Write all of data[0..len) to fd (retrying short writes).  0 or -errno. */
int fileio_write_all(int fd, const void *data, size_t len);
/* fsync the directory holding path (so a rename in it is durable).  0 or
 * -errno. */
int fileio_sync_dir(const char *path);
/* The whole content of fd (from where it is) / of path in a malloc'd
 * buffer (*out, *len; a NUL after it).  0 or -errno (-ENOENT: no file). */
int fileio_read_fd(int fd, uint8_t **out, size_t *len);
int fileio_read(const char *path, uint8_t **out, size_t *len);

#endif
