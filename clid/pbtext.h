/*
 * pbtext.h: a compact one-line text form of any protobuf-c message, walked
 * from its descriptor: `system {sysname: "DeviceC"} ntp {...}`.  Used to log
 * edits at debug level and to compare edits in tests.
 */
#ifndef MERIDIAN_CLID_PBTEXT_H
#define MERIDIAN_CLID_PBTEXT_H

#include <protobuf-c/protobuf-c.h>

struct sbuf;

/* Append the fields of msg present (in tag order), separated by spaces. */
void pbtext_append(struct sbuf *out, const ProtobufCMessage *msg);
/* The same as a malloc'd string. */
char *pbtext(const ProtobufCMessage *msg);

#endif
