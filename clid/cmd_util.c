/*
 * cmd_util.c: helpers shared by the feature files: a text buffer, argument
 * accessors and Config fragment builders (see cmd.h).
 *
 * Fragments are built from malloc'd protobuf-c structs so that one call to
 * protobuf_c_message_free_unpacked() frees them, like an unpacked message.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ifname.h"
#include "log.h"

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_printf(b, "%s", s);
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->buf = xrealloc(b->buf, b->cap);
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void sbuf_puts_upper(struct sbuf *b, const char *s)
{
	size_t start = b->len;

	sbuf_puts(b, s);
	for (size_t i = start; i < b->len; i++)
		b->buf[i] = (char)toupper((unsigned char)b->buf[i]);
}

void sbuf_free(struct sbuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static const struct cmd_arg *find_arg(const struct cmd_args *a, const char *name)
{
	for (size_t i = a->n; i-- > 0;)
		if (!strcmp(a->v[i].name, name))
			return &a->v[i];
	return NULL;
}

const char *cmd_arg(const struct cmd_args *a, const char *name)
{
	const struct cmd_arg *x = find_arg(a, name);

	return x ? x->value : NULL;
}

size_t cmd_arg_tok(const struct cmd_args *a, const char *name)
{
	const struct cmd_arg *x = find_arg(a, name);

	return x ? x->tok : (size_t)-1;
}

bool cmd_has(const struct cmd_args *a, const char *name)
{
	return find_arg(a, name) != NULL;
}

uint32_t cmd_arg_u32(const struct cmd_args *a, const char *name, uint32_t dflt)
{
	const char *v = cmd_arg(a, name);

	return v ? (uint32_t)strtoul(v, NULL, 10) : dflt;
}

int cmd_arg_ifname(struct cmd_ctx *ctx, const struct cmd_args *a, char *buf, size_t len)
{
	const char *name = cmd_arg(a, "interface-name");
	const char *type = cmd_arg(a, "interface-type");
	const char *num = cmd_arg(a, "interface-number");

	if (name) {
		if (ifname_canon(name, buf, len) < 0)
			return cmd_error_at(ctx, cmd_arg_tok(a, "interface-name"), GRAM_WRONG_PARAM);
		return 1;
	}
	if (type && num) {
		if (ifname_join(type, num, buf, len) < 0)
			return cmd_error_at(ctx, cmd_arg_tok(a, "interface-number"), GRAM_WRONG_PARAM);
		return 1;
	}
	return 0;
}

int cmd_arg_ipv6_prefix(struct cmd_ctx *ctx, const struct cmd_args *a, const char *addr_p,
			const char *len_p, const char *slash_p, uint32_t dflt,
			struct in6_addr *addr, uint32_t *plen, size_t *tok)
{
	if (cmd_has(a, slash_p)) {
		const char *w = cmd_arg(a, slash_p);
		const char *slash = strchr(w, '/');
		char text[INET6_ADDRSTRLEN];
		char *end;
		unsigned long n;

		*tok = cmd_arg_tok(a, slash_p);
		if (!slash || (size_t)(slash - w) >= sizeof(text) || !isdigit((unsigned char)slash[1]))
			return cmd_error_at(ctx, *tok, GRAM_WRONG_PARAM);
		memcpy(text, w, (size_t)(slash - w));
		text[slash - w] = '\0';
		n = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || n < 1 || n > 128 || inet_pton(AF_INET6, text, addr) != 1)
			return cmd_error_at(ctx, *tok, GRAM_WRONG_PARAM);
		*plen = (uint32_t)n;
		return 0;
	}
	*tok = cmd_arg_tok(a, addr_p);
	if (!cmd_has(a, addr_p) || inet_pton(AF_INET6, cmd_arg(a, addr_p), addr) != 1)
		return cmd_error_at(ctx, *tok, GRAM_WRONG_PARAM);
	*plen = cmd_arg_u32(a, len_p, dflt);
	return 0;
}

Config *frag_new(void)
{
	Config *c = xmalloc(sizeof(*c));

	config__init(c);
	return c;
}

System *frag_system(Config *c)
{
	if (!c->system) {
		c->system = xmalloc(sizeof(*c->system));
		system__init(c->system);
	}
	return c->system;
}

Ntp *frag_ntp(Config *c)
{
	if (!c->ntp) {
		c->ntp = xmalloc(sizeof(*c->ntp));
		ntp__init(c->ntp);
	}
	return c->ntp;
}

Interface *frag_interface(Config *c, const char *name)
{
	Interface *ifc = xmalloc(sizeof(*ifc));

	interface__init(ifc);
	ifc->name = xstrdup(name);
	c->interface = xrealloc(c->interface, (c->n_interface + 1) * sizeof(*c->interface));
	c->interface[c->n_interface++] = ifc;
	return ifc;
}

NtpAssociation *frag_assoc_new(const char *address)
{
	NtpAssociation *a = xmalloc(sizeof(*a));

	ntp_association__init(a);
	a->address = xstrdup(address);
	return a;
}
