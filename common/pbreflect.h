/*
 * pbreflect.h: reflection over protobuf-c messages through their descriptors,
 * written once for every module that walks messages generically
 * (common/pbconf.c, common/cfgtree.c, cfgd/edit.c, clid/pbtext.c).
 *
 * Presence (one rule everywhere): required fields are always present;
 * proto2 optional scalars by their has_ flag; strings, bytes and messages by
 * a non-NULL pointer, a string still pointing at its default being absent;
 * oneof members by the oneof case; repeated fields when non-empty; proto3
 * scalars without presence when not zero.
 *
 * Conventions of the configuration schema (proto/config.proto) that
 * the helpers below name: a repeated message field whose element's first
 * field is a singular string is a keyed list, the string its key (compared
 * case-insensitively).
 *
 * "Unpacked-shaped" messages: every submessage, string, array and byte
 * buffer is its own malloc() block, as protobuf_c_message_unpack() makes them
 * with the default allocator, so protobuf_c_message_free_unpacked(m, NULL)
 * frees them.  Everything here that builds or edits a message keeps that
 * shape.
 */
#ifndef MERIDIAN_PBREFLECT_H
#define MERIDIAN_PBREFLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* The storage of field `off` of message m, as `type`. */
#define PBR_MEMBER(m, off, type) (*(type *)((uint8_t *)(m) + (off)))
#define PBR_CMEMBER(m, off, type) (*(type const *)((const uint8_t *)(m) + (off)))

/* Size of one value of a field in the message struct (or in a repeated array). */
size_t pbr_value_size(ProtobufCType type);
bool pbr_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Number of values of a repeated field. */
size_t pbr_repeated_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* No field present. */
bool pbr_msg_is_empty(const ProtobufCMessage *m);

/* A new initialised message (allocation failure aborts). */
ProtobufCMessage *pbr_msg_new(const ProtobufCMessageDescriptor *d);
/* Deep copy through pack and unpack: NULL only when m cannot be read back
 * (a required field missing). */
ProtobufCMessage *pbr_msg_dup(const ProtobufCMessage *m);
/* Free what field f of m holds and make it absent. */
void pbr_field_clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f);
/* Deep-copy one value from the src slot into the (empty) dst slot. */
void pbr_value_copy(const ProtobufCFieldDescriptor *f, void *dst, const void *src);
/* Make field f of dst a deep copy of field f of src (present or not). */
void pbr_field_copy(ProtobufCMessage *dst, const ProtobufCMessage *src,
		    const ProtobufCFieldDescriptor *f);

/* f is a keyed list (see above). */
bool pbr_keyed_list(const ProtobufCFieldDescriptor *f);
/* The key of a keyed list's element, or NULL. */
const char *pbr_elem_key(const ProtobufCMessage *e);

/* Packed bytes in a malloc'd buffer (never NULL). */
uint8_t *pbr_pack(const ProtobufCMessage *m, size_t *len);
/* Same packed bytes; NULL equals only NULL. */
bool pbr_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

#endif
