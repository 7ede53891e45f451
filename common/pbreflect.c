/*
 * pbreflect.c: reflection over protobuf-c descriptors (see pbreflect.h).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pbreflect.h"

size_t pbr_value_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	}
	return 0;
}

size_t pbr_repeated_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	return PBR_CMEMBER(m, f->quantifier_offset, size_t);
}

bool pbr_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const void *p = (const uint8_t *)m + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return pbr_repeated_count(m, f) > 0;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return PBR_CMEMBER(m, f->quantifier_offset, uint32_t) == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)p != NULL;
	if (f->type == PROTOBUF_C_TYPE_STRING) {
		const char *s = *(const char *const *)p;

		if (s == NULL)
			return false;
		return f->label == PROTOBUF_C_LABEL_REQUIRED || s != f->default_value;
	}
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return PBR_CMEMBER(m, f->quantifier_offset, protobuf_c_boolean) != 0;
	/* proto3 without presence: present when not zero. */
	if (f->type == PROTOBUF_C_TYPE_BYTES)
		return ((const ProtobufCBinaryData *)p)->len != 0;
	{
		static const uint8_t zero[16];

		return memcmp(p, zero, pbr_value_size(f->type)) != 0;
	}
}

bool pbr_msg_is_empty(const ProtobufCMessage *m)
{
	for (unsigned i = 0; i < m->descriptor->n_fields; i++)
		if (pbr_field_present(m, &m->descriptor->fields[i]))
			return false;
	return true;
}

ProtobufCMessage *pbr_msg_new(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = xmalloc(d->sizeof_message);

	d->message_init(m);
	return m;
}

uint8_t *pbr_pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(m);
	buf = xmalloc(*len ? *len : 1);
	protobuf_c_message_pack(m, buf);
	return buf;
}

ProtobufCMessage *pbr_msg_dup(const ProtobufCMessage *m)
{
	size_t len;
	uint8_t *buf = pbr_pack(m, &len);
	ProtobufCMessage *copy = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);

	free(buf);
	return copy;
}

bool pbr_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la, lb;
	uint8_t *pa, *pb;
	bool eq;

	if (a == NULL || b == NULL)
		return a == b;
	if (a == b)
		return true;
	pa = pbr_pack(a, &la);
	pb = pbr_pack(b, &lb);
	eq = la == lb && memcmp(pa, pb, la) == 0;
	free(pa);
	free(pb);
	return eq;
}

/* Free one array element of a repeated field. */
static void elem_free(const ProtobufCFieldDescriptor *f, void *slot)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		if (*(ProtobufCMessage **)slot)
			protobuf_c_message_free_unpacked(*(ProtobufCMessage **)slot, NULL);
		break;
	case PROTOBUF_C_TYPE_STRING:
		free(*(char **)slot);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		free(((ProtobufCBinaryData *)slot)->data);
		break;
	default:
		break;
	}
}

void pbr_field_clear(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	/* A oneof member that is not the case shares its storage with the
	 * one that is: nothing of its own to free. */
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	    PBR_CMEMBER(m, f->quantifier_offset, uint32_t) != f->id)
		return;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = PBR_MEMBER(m, f->quantifier_offset, size_t);
		uint8_t *arr = PBR_MEMBER(m, f->offset, uint8_t *);
		size_t sz = pbr_value_size(f->type);

		for (size_t i = 0; i < n; i++)
			elem_free(f, arr + i * sz);
		free(arr);
		PBR_MEMBER(m, f->quantifier_offset, size_t) = 0;
		PBR_MEMBER(m, f->offset, void *) = NULL;
		return;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE: {
		ProtobufCMessage *sub = PBR_MEMBER(m, f->offset, ProtobufCMessage *);

		if (sub)
			protobuf_c_message_free_unpacked(sub, NULL);
		PBR_MEMBER(m, f->offset, void *) = NULL;
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		char *s = PBR_MEMBER(m, f->offset, char *);

		if (s && s != f->default_value)
			free(s);
		PBR_MEMBER(m, f->offset, char *) = (char *)f->default_value;
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = &PBR_MEMBER(m, f->offset, ProtobufCBinaryData);
		const ProtobufCBinaryData *def = f->default_value;

		if (b->data && (def == NULL || b->data != def->data))
			free(b->data);
		b->data = def ? def->data : NULL;
		b->len = def ? def->len : 0;
		break;
	}
	default:
		if (f->default_value)
			memcpy((uint8_t *)m + f->offset, f->default_value, pbr_value_size(f->type));
		else
			memset((uint8_t *)m + f->offset, 0, pbr_value_size(f->type));
		break;
	}
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		if (PBR_MEMBER(m, f->quantifier_offset, uint32_t) == f->id)
			PBR_MEMBER(m, f->quantifier_offset, uint32_t) = 0;
	} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
		   f->type != PROTOBUF_C_TYPE_STRING) {
		PBR_MEMBER(m, f->quantifier_offset, protobuf_c_boolean) = 0;
	}
}

void pbr_value_copy(const ProtobufCFieldDescriptor *f, void *dst, const void *src)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)src;
		ProtobufCMessage *copy = NULL;

		if (m && (copy = pbr_msg_dup(m)) == NULL)
			fatal("a protobuf message could not be copied");
		*(ProtobufCMessage **)dst = copy;
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)src;

		*(char **)dst = s ? xstrdup(s) : NULL;
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = src;
		ProtobufCBinaryData *out = dst;

		out->len = b->len;
		out->data = NULL;
		if (b->len) {
			out->data = xmalloc(b->len);
			memcpy(out->data, b->data, b->len);
		}
		break;
	}
	default:
		memcpy(dst, src, pbr_value_size(f->type));
		break;
	}
}

void pbr_field_copy(ProtobufCMessage *dst, const ProtobufCMessage *src,
		    const ProtobufCFieldDescriptor *f)
{
	pbr_field_clear(dst, f);
	if (!pbr_field_present(src, f))
		return;
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = pbr_repeated_count(src, f);
		const uint8_t *sarr = PBR_CMEMBER(src, f->offset, const uint8_t *);
		size_t sz = pbr_value_size(f->type);
		uint8_t *arr = xcalloc(n, sz);

		for (size_t k = 0; k < n; k++)
			pbr_value_copy(f, arr + k * sz, sarr + k * sz);
		PBR_MEMBER(dst, f->offset, uint8_t *) = arr;
		PBR_MEMBER(dst, f->quantifier_offset, size_t) = n;
		return;
	}
	pbr_value_copy(f, (uint8_t *)dst + f->offset, (const uint8_t *)src + f->offset);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		PBR_MEMBER(dst, f->quantifier_offset, uint32_t) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
		 f->type != PROTOBUF_C_TYPE_STRING)
		PBR_MEMBER(dst, f->quantifier_offset, protobuf_c_boolean) = 1;
}

bool pbr_keyed_list(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;

	return f->label == PROTOBUF_C_LABEL_REPEATED && f->type == PROTOBUF_C_TYPE_MESSAGE &&
	       d->n_fields > 0 && d->fields[0].type == PROTOBUF_C_TYPE_STRING &&
	       d->fields[0].label != PROTOBUF_C_LABEL_REPEATED;
}

const char *pbr_elem_key(const ProtobufCMessage *e)
{
	const ProtobufCFieldDescriptor *k;

	if (e->descriptor->n_fields == 0)
		return NULL;
	k = &e->descriptor->fields[0];
	if (k->type != PROTOBUF_C_TYPE_STRING || k->label == PROTOBUF_C_LABEL_REPEATED)
		return NULL;
	return PBR_CMEMBER(e, k->offset, const char *);
}
