/*
 * pbconf.h: protobuf messages <-> libconfig text, generically.
 *
 * One converter driven by the protobuf-c descriptors, no per-field code:
 * a message is a group, a present scalar a setting named as the field
 * (int/int64/float/bool/string; an enum by its value name), a nested message
 * a group, a repeated message a list of groups, a repeated scalar an array.
 * Absent optional fields are not written.  Used for the running and startup
 * configuration files.
 */
#ifndef MERIDIAN_PBCONF_H
#define MERIDIAN_PBCONF_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

/* Render msg as libconfig text into a malloc'd NUL-terminated string. */
char *pbconf_render(const ProtobufCMessage *msg);

/* Parse libconfig text into a new message of type desc.  0 with *out owned by
 * the caller (protobuf_c_message_free_unpacked), or -EINVAL with a sentence
 * in err naming the line and key (unknown keys and wrong types are errors). */
int pbconf_parse(const char *text, const ProtobufCMessageDescriptor *desc,
		 ProtobufCMessage **out, char *err, size_t errlen);

/* Write msg atomically to path: temp file, fsync, rename, fsync directory.
 * The file is created mode 0600: configurations hold NTP keys.
 * 0 or -errno. */
int pbconf_save(const char *path, const ProtobufCMessage *msg);
/* Read a file written by pbconf_save.  0, -ENOENT, or -EINVAL with err. */
int pbconf_load(const char *path, const ProtobufCMessageDescriptor *desc,
		ProtobufCMessage **out, char *err, size_t errlen);

#endif
