/*
 * pubkey.c: SSH clients' public keys as VRP's peer-public-key views take
 * them (pubkey.h), turned into the SSH wire form.
 *
 * The wire form of each kind (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4):
 *   ssh-rsa:             string "ssh-rsa", mpint e, mpint n
 *   ecdsa-sha2-nistpN:   string "ecdsa-sha2-nistpN", string "nistpN", string Q
 *   ssh-ed25519:         string "ssh-ed25519", string key (32 bytes)
 * A DER INTEGER's content and an mpint's are both minimal two's
 * complement, so a PKCS#1 key's n and e go across unchanged (a
 * non-minimal DER integer is trimmed first).  OpenSSH's base64 is the wire
 * form already: it is decoded and its structure checked, so that a key
 * of the wrong kind or a truncated paste is refused when typed.
 */
#include <ctype.h>
#include <errno.h>
#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pubkey.h"

struct wbuf {
	uint8_t *p;
	size_t len;
	bool over;
};

static void put_u32(struct wbuf *w, uint32_t v)
{
	if (w->len + 4 > PUBKEY_BLOB_MAX) {
		w->over = true;
		return;
	}
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static void put_string(struct wbuf *w, const void *s, size_t n)
{
	put_u32(w, (uint32_t)n);
	if (w->over || w->len + n > PUBKEY_BLOB_MAX) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* Hex digits with blanks anywhere into buf (max bytes): the count, or -1. */
static long hex_bytes(const char *text, uint8_t *buf, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *c = text; *c; c++) {
		int v;

		if (isspace((unsigned char)*c))
			continue;
		if (!isxdigit((unsigned char)*c))
			return -1;
		v = isdigit((unsigned char)*c) ? *c - '0' : tolower((unsigned char)*c) - 'a' + 10;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			return -1;
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi >= 0 ? -1 : (long)n;
}

/* A DER element of tag `tag` at *p (end e): its content in *c, *clen. */
static bool der_take(const uint8_t **p, const uint8_t *e, uint8_t tag, const uint8_t **c,
		     size_t *clen)
{
	const uint8_t *q = *p;
	size_t len;

	if (e - q < 2 || q[0] != tag)
		return false;
	len = q[1];
	q += 2;
	if (len & 0x80) {
		size_t nb = len & 0x7f;

		if (nb == 0 || nb > 3 || (size_t)(e - q) < nb)
			return false;
		len = 0;
		while (nb--)
			len = len << 8 | *q++;
	}
	if ((size_t)(e - q) < len)
		return false;
	*c = q;
	*clen = len;
	*p = q + len;
	return true;
}

/* A positive DER INTEGER's content as an mpint's (minimal). */
static bool der_uint(const uint8_t **p, const uint8_t *e, const uint8_t **c, size_t *n)
{
	if (!der_take(p, e, 0x02, c, n) || *n == 0 || ((*c)[0] & 0x80))
		return false;
	while (*n > 1 && (*c)[0] == 0 && !((*c)[1] & 0x80)) {
		(*c)++;
		(*n)--;
	}
	return true;
}

static int der_blob(enum pubkey_kind kind, const char *text, struct wbuf *w, char *err,
		    size_t errlen)
{
	uint8_t raw[PUBKEY_BLOB_MAX];
	long n = hex_bytes(text, raw, sizeof(raw));
	const uint8_t *p = raw, *e, *seq, *mn, *me;
	size_t seqlen, nlen, elen;

	if (n <= 0) {
		snprintf(err, errlen, "The public key code is not hexadecimal.");
		return -EINVAL;
	}
	e = raw + n;
	if (kind == PUBKEY_ECC) {
		static const struct { size_t len; const char *curve; } curves[] = {
			{ 65, "nistp256" }, { 97, "nistp384" }, { 133, "nistp521" },
		};
		for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
			char type[32];

			if ((size_t)n != curves[i].len || raw[0] != 0x04)
				continue;
			snprintf(type, sizeof(type), "ecdsa-sha2-%s", curves[i].curve);
			put_string(w, type, strlen(type));
			put_string(w, curves[i].curve, strlen(curves[i].curve));
			put_string(w, raw, (size_t)n);
			return 0;
		}
		snprintf(err, errlen, "The ECC public key is not a point of P-256, P-384 or P-521.");
		return -EINVAL;
	}
	if (!der_take(&p, e, 0x30, &seq, &seqlen) || p != e) {
		snprintf(err, errlen, "The RSA public key is not a PKCS#1 RSAPublicKey.");
		return -EINVAL;
	}
	p = seq;
	e = seq + seqlen;
	if (!der_uint(&p, e, &mn, &nlen) || !der_uint(&p, e, &me, &elen) || p != e ||
	    nlen < 64) {
		snprintf(err, errlen, "The RSA public key is not a PKCS#1 RSAPublicKey.");
		return -EINVAL;
	}
	put_string(w, "ssh-rsa", 7);
	put_string(w, me, elen);
	put_string(w, mn, nlen);
	return 0;
}

/* A wire string at *p (end e). */
static bool wire_string(const uint8_t **p, const uint8_t *e, const uint8_t **s, size_t *n)
{
	uint32_t len;

	if (e - *p < 4)
		return false;
	len = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 | (uint32_t)(*p)[2] << 8 |
	      (*p)[3];
	if ((size_t)(e - *p - 4) < len)
		return false;
	*s = *p + 4;
	*n = len;
	*p += 4 + len;
	return true;
}

static bool str_is(const uint8_t *s, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(s, want, n);
}

/* Whether raw (n bytes) is exactly one well-formed key of this kind. */
static bool wire_ok(enum pubkey_kind kind, const uint8_t *raw, size_t n)
{
	const uint8_t *p = raw, *e = raw + n, *t, *a, *b;
	size_t tn, an, bn;

	if (!wire_string(&p, e, &t, &tn))
		return false;
	if (str_is(t, tn, "ssh-rsa"))
		return kind == PUBKEY_RSA && wire_string(&p, e, &a, &an) &&
		       wire_string(&p, e, &b, &bn) && p == e && an > 0 && bn >= 64;
	if (kind != PUBKEY_ECC)
		return false;
	if (str_is(t, tn, "ssh-ed25519"))
		return wire_string(&p, e, &a, &an) && an == 32 && p == e;
	if (tn == 19 && !memcmp(t, "ecdsa-sha2-nistp", 16))
		return wire_string(&p, e, &a, &an) && an == 8 && !memcmp(a, t + 11, 8) &&
		       wire_string(&p, e, &b, &bn) && p == e && bn > 0 && b[0] == 0x04;
	return false;
}

static bool b64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen)
{
	struct base64_decode_ctx d;
	size_t len = *outlen;

	if (n % 4 || BASE64_DECODE_LENGTH(n) > *outlen)
		return false;
	base64_decode_init(&d);
	if (!base64_decode_update(&d, &len, out, n, s) || !base64_decode_final(&d))
		return false;
	*outlen = len;
	return true;
}

static bool is_b64_word(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) && w[i] != '+' && w[i] != '/' && w[i] != '=')
			return false;
	return n > 0;
}

/* The base64 of an OpenSSH key line (type and comment left out) into b64
 * (size max): words are joined until they decode to one whole key. */
static int openssh_b64(enum pubkey_kind kind, const char *text, char *b64, size_t max,
		       uint8_t *raw, size_t *rawlen)
{
	const char *c = text;
	size_t len = 0;
	bool first = true;

	for (;;) {
		const char *w;
		size_t wn, n = PUBKEY_BLOB_MAX;

		while (isspace((unsigned char)*c))
			c++;
		if (!*c)
			return -EINVAL;
		for (w = c; *c && !isspace((unsigned char)*c); c++)
			;
		wn = (size_t)(c - w);
		if (first && !is_b64_word(w, wn))
			continue;       /* "ssh-rsa": the type, told by the key itself */
		first = false;
		if (!is_b64_word(w, wn) || len + wn + 1 > max)
			return -EINVAL;
		memcpy(b64 + len, w, wn);
		len += wn;
		b64[len] = '\0';
		if (b64_decode(b64, len, raw, &n) && wire_ok(kind, raw, n)) {
			*rawlen = n;
			return 0;
		}
	}
}

static int openssh_parse(enum pubkey_kind kind, const char *text, char **b64out,
			 uint8_t *raw, size_t *rawlen, char *err, size_t errlen)
{
	size_t max = strlen(text) + 1;
	char *b64 = xmalloc(max);

	if (openssh_b64(kind, text, b64, max, raw, rawlen) < 0) {
		free(b64);
		snprintf(err, errlen, "The public key is not an OpenSSH %s public key.",
			 kind == PUBKEY_RSA ? "RSA (ssh-rsa)" :
			 "ECC (ecdsa-sha2-nistp256/384/521 or ssh-ed25519)");
		return -EINVAL;
	}
	if (b64out)
		*b64out = b64;
	else
		free(b64);
	return 0;
}

int pubkey_blob(enum pubkey_kind kind, bool openssh, const char *text, uint8_t *blob,
		size_t *len, char *err, size_t errlen)
{
	struct wbuf w = { .p = blob };
	int r;

	if (openssh)
		return openssh_parse(kind, text, NULL, blob, len, err, errlen);
	r = der_blob(kind, text, &w, err, errlen);
	if (r < 0)
		return r;
	if (w.over) {
		snprintf(err, errlen, "The public key is too long.");
		return -EINVAL;
	}
	*len = w.len;
	return 0;
}

int pubkey_normalise(enum pubkey_kind kind, bool openssh, const char *text, char **out,
		     char *err, size_t errlen)
{
	uint8_t raw[PUBKEY_BLOB_MAX];
	size_t n = sizeof(raw), k = 0;
	char *hex;
	int r;

	if (openssh)
		return openssh_parse(kind, text, out, raw, &n, err, errlen);
	r = pubkey_blob(kind, false, text, raw, &n, err, errlen);
	if (r < 0)
		return r;
	hex = xmalloc(strlen(text) + 1);
	for (const char *c = text; *c; c++)
		if (!isspace((unsigned char)*c))
			hex[k++] = (char)toupper((unsigned char)*c);
	hex[k] = '\0';
	*out = hex;
	return 0;
}
