/*
 * pbconf.c: protobuf-c messages <-> libconfig text, driven by descriptors.
 *
 * Rendering walks the message descriptor: a present field becomes a setting
 * named as the field.  Presence: required fields always; proto2 optional
 * scalars by their has_ flag; strings, bytes and messages by a non-NULL
 * pointer (a string still pointing at its default is absent); oneof members
 * by the oneof case (quantifier_offset); repeated fields when non-empty.
 * Values:
 *   int32/sint32/sfixed32, uint32/fixed32   decimal (uint32 above INT32_MAX
 *                                           with the L suffix)
 *   int64/sint64/sfixed64                   decimal with the L suffix
 *   uint64/fixed64                          decimal with L, or hex ("0x..L")
 *                                           above INT64_MAX (libconfig's
 *                                           integers are signed)
 *   float/double                            shortest exact text, always with
 *                                           a '.' or an exponent
 *   bool                                    true / false
 *   enum                                    the value's name as a string
 *   string                                  a libconfig string, escaped
 *   bytes                                   a string of lowercase hex digits
 *   message                                 a group { ... }
 *   repeated message                        a list ( { ... }, ... )
 *   repeated scalar                         an array [ ... ]
 * Parsing does the reverse into a message allocated with malloc field by
 * field, so protobuf_c_message_free_unpacked(msg, NULL) frees it; every
 * allocation is linked into the message at once, so an error path just
 * frees the partial message.  Integers are accepted for float fields, and
 * an enum may also be given by number.  Errors name the line and the key:
 * "line 7: key 'ntp.unicast_server[0].version': expected an integer".
 */
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "pbconf.h"
#include "pbreflect.h"

/* --- rendering ---------------------------------------------------------- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatal("pbconf: vsnprintf failed");
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
}

static void sb_indent(struct sbuf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_printf(b, "  ");
}

static void render_string(struct sbuf *b, const char *s)
{
	sb_printf(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_printf(b, "\\\""); break;
		case '\\': sb_printf(b, "\\\\"); break;
		case '\n': sb_printf(b, "\\n"); break;
		case '\r': sb_printf(b, "\\r"); break;
		case '\t': sb_printf(b, "\\t"); break;
		case '\f': sb_printf(b, "\\f"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				sb_printf(b, "\\x%02x", *p);
			else
				sb_printf(b, "%c", *p);
		}
	}
	sb_printf(b, "\"");
}

static void render_double(struct sbuf *b, double v, int digits)
{
	char tmp[64];

	if (!isfinite(v))
		v = 0.0; /* libconfig has no text for these */
	/* The shortest representation that reads back exactly. */
	for (int prec = 1; prec <= digits; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (digits <= 9 ? (float)strtod(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
			break;
	}
	if (!strpbrk(tmp, ".eE"))
		snprintf(tmp + strlen(tmp), sizeof(tmp) - strlen(tmp), ".0");
	sb_printf(b, "%s", tmp);
}

static void render_message(struct sbuf *b, const ProtobufCMessage *msg, int depth);

/* Render one value of field f stored at p. */
static void render_value(struct sbuf *b, const ProtobufCFieldDescriptor *f, const void *p,
			 int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		sb_printf(b, "%" PRId32, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: {
		uint32_t v = *(const uint32_t *)p;

		sb_printf(b, v > INT32_MAX ? "%" PRIu32 "L" : "%" PRIu32, v);
		break;
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		sb_printf(b, "%" PRId64 "L", *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t v = *(const uint64_t *)p;

		sb_printf(b, v > INT64_MAX ? "0x%" PRIx64 "L" : "%" PRIu64 "L", v);
		break;
	}
	case PROTOBUF_C_TYPE_FLOAT:
		render_double(b, *(const float *)p, 9);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		render_double(b, *(const double *)p, 17);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		sb_printf(b, "%s", *(const protobuf_c_boolean *)p ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		int v = *(const int *)p;
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(f->descriptor, v);

		if (ev)
			render_string(b, ev->name);
		else
			sb_printf(b, "%d", v);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		render_string(b, *(char *const *)p ? *(char *const *)p : "");
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = p;

		sb_printf(b, "\"");
		for (size_t i = 0; i < bd->len; i++)
			sb_printf(b, "%02x", bd->data[i]);
		sb_printf(b, "\"");
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

		sb_printf(b, "{\n");
		if (sub)
			render_message(b, sub, depth + 1);
		sb_indent(b, depth);
		sb_printf(b, "}");
		break;
	}
	}
}

static bool is_pointer_type(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;
}

static void render_message(struct sbuf *b, const ProtobufCMessage *msg, int depth)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const char *arr = *(char *const *)(base + f->offset);
			bool msgs = f->type == PROTOBUF_C_TYPE_MESSAGE;

			if (n == 0 || !arr)
				continue;
			sb_indent(b, depth);
			sb_printf(b, "%s = %s", f->name, msgs ? "(\n" : "[ ");
			for (size_t j = 0; j < n; j++) {
				if (msgs)
					sb_indent(b, depth + 1);
				render_value(b, f, arr + j * pbr_value_size(f->type), depth + 1);
				if (j + 1 < n)
					sb_printf(b, msgs ? ",\n" : ", ");
			}
			if (msgs) {
				sb_printf(b, "\n");
				sb_indent(b, depth);
				sb_printf(b, ");\n");
			} else {
				sb_printf(b, " ];\n");
			}
			continue;
		}
		if (!pbr_field_present(msg, f))
			continue;
		sb_indent(b, depth);
		sb_printf(b, "%s = ", f->name);
		render_value(b, f, base + f->offset, depth);
		sb_printf(b, ";\n");
	}
}

char *pbconf_render(const ProtobufCMessage *msg)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "%s", "");
	if (msg)
		render_message(&b, msg, 0);
	return b.s;
}

/* --- parsing ------------------------------------------------------------ */

struct pctx {
	char *err;
	size_t errlen;
};

static int perr(struct pctx *ctx, const config_setting_t *s, const char *key, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

static int perr(struct pctx *ctx, const config_setting_t *s, const char *key, const char *fmt,
		...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "line %u: key '%s': %s",
			 s ? config_setting_source_line(s) : 0u, key, msg);
	return -EINVAL;
}

static bool is_int_setting(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_group(struct pctx *ctx, const config_setting_t *g,
		       ProtobufCMessage *msg, const char *path);

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *d)
{
	ProtobufCMessage *m = xcalloc(1, d->sizeof_message);

	protobuf_c_message_init(d, m);
	return m;
}

/* Parse the setting s into the value slot p of field f.  Allocations are
 * stored into p before anything else can fail. */
static int parse_value(struct pctx *ctx, const config_setting_t *s,
		       const ProtobufCFieldDescriptor *f, void *p, const char *key)
{
	long long v = 0;

	if (f->type != PROTOBUF_C_TYPE_FLOAT && f->type != PROTOBUF_C_TYPE_DOUBLE &&
	    f->type != PROTOBUF_C_TYPE_BOOL && f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_BYTES && f->type != PROTOBUF_C_TYPE_MESSAGE &&
	    f->type != PROTOBUF_C_TYPE_ENUM) {
		if (!is_int_setting(s))
			return perr(ctx, s, key, "expected an integer");
		v = config_setting_type(s) == CONFIG_TYPE_INT64 ? config_setting_get_int64(s)
							       : config_setting_get_int(s);
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		if (v < INT32_MIN || v > INT32_MAX)
			return perr(ctx, s, key, "out of range for a 32-bit integer");
		*(int32_t *)p = (int32_t)v;
		return 0;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		if (v < 0 || v > UINT32_MAX)
			return perr(ctx, s, key, "must be 0..4294967295");
		*(uint32_t *)p = (uint32_t)v;
		return 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)p = v;
		return 0;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		/* Values above INT64_MAX are written in hex and read back as
		 * negative 64-bit integers with the same bits. */
		if (v < 0 && config_setting_get_format(s) != CONFIG_FORMAT_HEX)
			return perr(ctx, s, key, "must not be negative");
		*(uint64_t *)p = (uint64_t)v;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE: {
		double d;

		if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
			d = config_setting_get_float(s);
		else if (config_setting_type(s) == CONFIG_TYPE_INT)
			d = config_setting_get_int(s);
		else if (config_setting_type(s) == CONFIG_TYPE_INT64)
			d = (double)config_setting_get_int64(s);
		else
			return perr(ctx, s, key, "expected a number");
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)p = (float)d;
		else
			*(double *)p = d;
		return 0;
	}
	case PROTOBUF_C_TYPE_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return perr(ctx, s, key, "expected true or false");
		*(protobuf_c_boolean *)p = config_setting_get_bool(s) ? 1 : 0;
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		const ProtobufCEnumValue *ev;

		if (config_setting_type(s) == CONFIG_TYPE_STRING) {
			ev = protobuf_c_enum_descriptor_get_value_by_name(
				ed, config_setting_get_string(s));
			if (!ev)
				return perr(ctx, s, key, "unknown value \"%s\" of %s",
					    config_setting_get_string(s), ed->name);
		} else if (is_int_setting(s)) {
			long long n = config_setting_type(s) == CONFIG_TYPE_INT64
					      ? config_setting_get_int64(s)
					      : config_setting_get_int(s);

			ev = n >= INT32_MIN && n <= INT32_MAX
				     ? protobuf_c_enum_descriptor_get_value(ed, (int)n)
				     : NULL;
			if (!ev)
				return perr(ctx, s, key, "unknown value %lld of %s", n, ed->name);
		} else {
			return perr(ctx, s, key, "expected a name of %s", ed->name);
		}
		*(int *)p = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return perr(ctx, s, key, "expected a string");
		*(char **)p = xstrdup(config_setting_get_string(s));
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *bd = p;
		const char *hex;
		size_t n;

		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return perr(ctx, s, key, "expected a string of hex digits");
		hex = config_setting_get_string(s);
		n = strlen(hex);
		if (n % 2)
			return perr(ctx, s, key, "odd number of hex digits");
		bd->data = xmalloc(n / 2 + 1);
		bd->len = 0;
		for (size_t i = 0; i < n; i += 2) {
			int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

			if (hi < 0 || lo < 0)
				return perr(ctx, s, key, "expected a string of hex digits");
			bd->data[bd->len++] = (uint8_t)(hi << 4 | lo);
		}
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessageDescriptor *md = f->descriptor;

		if (config_setting_type(s) != CONFIG_TYPE_GROUP)
			return perr(ctx, s, key, "expected a group { ... }");
		*(ProtobufCMessage **)p = new_message(md);
		return parse_group(ctx, s, *(ProtobufCMessage **)p, key);
	}
	}
	return perr(ctx, s, key, "unsupported field type");
}

static int parse_repeated(struct pctx *ctx, const config_setting_t *s,
			  const ProtobufCFieldDescriptor *f, ProtobufCMessage *msg,
			  const char *key)
{
	char *base = (char *)msg;
	size_t *count = (size_t *)(base + f->quantifier_offset);
	char **arr = (char **)(base + f->offset);
	int t = config_setting_type(s), n = config_setting_length(s);
	size_t esz = pbr_value_size(f->type);

	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && n == 0))
			return perr(ctx, s, key, "expected a list ( { ... }, ... )");
	} else if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		return perr(ctx, s, key, "expected an array [ ... ]");
	}
	if (n == 0)
		return 0;
	*arr = xcalloc((size_t)n, esz);
	*count = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char ekey[512];
		int r;

		if (snprintf(ekey, sizeof(ekey), "%s[%d]", key, i) >= (int)sizeof(ekey))
			ekey[sizeof(ekey) - 1] = '\0'; /* a truncated name is still useful */
		/* Count first: the slot is zeroed, so freeing it is safe. */
		*count = (size_t)i + 1;
		r = parse_value(ctx, e, f, *arr + (size_t)i * esz, ekey);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_group(struct pctx *ctx, const config_setting_t *g,
		       ProtobufCMessage *msg, const char *path)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	char *base = (char *)msg;
	bool *seen = xcalloc(d->n_fields + 1, sizeof(*seen));
	int r = 0;

	for (int i = 0; i < config_setting_length(g) && r == 0; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const ProtobufCFieldDescriptor *f;
		char key[512];

		snprintf(key, sizeof(key), "%s%s%s", path, path[0] ? "." : "", name ? name : "?");
		f = name ? protobuf_c_message_descriptor_get_field_by_name(d, name) : NULL;
		if (!f) {
			r = perr(ctx, s, key, "unknown key");
			break;
		}
		seen[f - d->fields] = true;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			r = parse_repeated(ctx, s, f, msg, key);
			continue;
		}
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *which = (uint32_t *)(base + f->quantifier_offset);

			if (*which != 0 && *which != f->id) {
				r = perr(ctx, s, key, "conflicts with another member of its oneof");
				break;
			}
			/* The case is set before the value so a partly parsed
			 * member is freed. */
			*which = f->id;
		} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && !is_pointer_type(f)) {
			*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
		}
		if (is_pointer_type(f))
			*(void **)(base + f->offset) = NULL; /* drop a static default */
		if (f->type == PROTOBUF_C_TYPE_BYTES) {
			ProtobufCBinaryData *bd = (ProtobufCBinaryData *)(base + f->offset);

			bd->data = NULL;
			bd->len = 0;
		}
		r = parse_value(ctx, s, f, base + f->offset, key);
	}
	for (unsigned i = 0; i < d->n_fields && r == 0; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char key[512];

		if (f->label == PROTOBUF_C_LABEL_REQUIRED && !seen[i]) {
			snprintf(key, sizeof(key), "%s%s%s", path, path[0] ? "." : "", f->name);
			r = perr(ctx, g, key, "missing (required)");
		}
	}
	free(seen);
	return r;
}

int pbconf_parse(const char *text, const ProtobufCMessageDescriptor *desc,
		 ProtobufCMessage **out, char *err, size_t errlen)
{
	struct pctx ctx = { .err = err, .errlen = errlen };
	ProtobufCMessage *msg;
	config_t cfg;
	int r;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (!text || !desc)
		return -EINVAL;
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		if (err && errlen)
			snprintf(err, errlen, "line %d: %s", config_error_line(&cfg),
				 config_error_text(&cfg));
		config_destroy(&cfg);
		return -EINVAL;
	}
	msg = new_message(desc);
	r = parse_group(&ctx, config_root_setting(&cfg), msg, "");
	config_destroy(&cfg);
	if (r < 0) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return r;
	}
	*out = msg;
	return 0;
}

/* --- files -------------------------------------------------------------- */

int pbconf_save(const char *path, const ProtobufCMessage *msg)
{
	char *text;
	int r;

	if (!path || !msg)
		return -EINVAL;
	text = pbconf_render(msg);
	r = fileio_replace(path, text, strlen(text), 0600);
	free(text);
	return r;
}

int pbconf_load(const char *path, const ProtobufCMessageDescriptor *desc,
		ProtobufCMessage **out, char *err, size_t errlen)
{
	struct sbuf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f;
	int r;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	sb_printf(&b, "%s", "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (memchr(chunk, '\0', n)) {
			fclose(f);
			free(b.s);
			if (err && errlen)
				snprintf(err, errlen, "%s: not a text file", path);
			return -EINVAL;
		}
		sb_printf(&b, "%.*s", (int)n, chunk);
	}
	if (ferror(f)) {
		r = -EIO;
		fclose(f);
		free(b.s);
		if (err && errlen)
			snprintf(err, errlen, "%s: read error", path);
		return r;
	}
	fclose(f);
	r = pbconf_parse(b.s, desc, out, err, errlen);
	free(b.s);
	if (r < 0 && err && errlen) {
		char *msg = xstrdup(err);

		snprintf(err, errlen, "%s: %s", path, msg);
		free(msg);
	}
	return r;
}
