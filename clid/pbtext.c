/*
 * pbtext.c: one-line text form of protobuf-c messages (see pbtext.h).
 * Generic over descriptors: presence is pbreflect's (common/pbreflect.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "pbreflect.h"
#include "pbtext.h"

static void scalar(struct sbuf *out, const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		sbuf_printf(out, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		sbuf_printf(out, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		sbuf_printf(out, "%" PRId64, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		sbuf_printf(out, "%" PRIu64, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		sbuf_printf(out, "%g", (double)*(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		sbuf_printf(out, "%g", *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		sbuf_puts(out, *(const protobuf_c_boolean *)p ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
		if (ev)
			sbuf_puts(out, ev->name);
		else
			sbuf_printf(out, "%d", *(const int *)p);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		sbuf_printf(out, "\"%s\"", *(char *const *)p ? *(char *const *)p : "");
		break;
	case PROTOBUF_C_TYPE_BYTES:
		sbuf_printf(out, "<%zu bytes>", ((const ProtobufCBinaryData *)p)->len);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		sbuf_puts(out, "{");
		pbtext_append(out, *(ProtobufCMessage *const *)p);
		sbuf_puts(out, "}");
		break;
	}
}

void pbtext_append(struct sbuf *out, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *d;
	const char *base = (const char *)msg;
	bool first = true;

	if (!msg)
		return;
	d = msg->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *p = base + f->offset;
		size_t count = 1;

		if (!pbr_field_present(msg, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *)(base + f->quantifier_offset);
			p = *(void *const *)p;
		}
		for (size_t k = 0; k < count; k++) {
			sbuf_printf(out, "%s%s%s", first ? "" : " ", f->name,
				    f->type == PROTOBUF_C_TYPE_MESSAGE ? " " : ": ");
			first = false;
			scalar(out, f, (const char *)p + k * pbr_value_size(f->type));
		}
	}
}

char *pbtext(const ProtobufCMessage *msg)
{
	struct sbuf b = { 0 };

	pbtext_append(&b, msg);
	if (!b.buf)
		return strdup("");
	return b.buf;
}
