/*
 * auth.c: the MAC of NTP packets (digests with nettle), the key table built
 * from the configuration, and the checks server.c and assoc.c call.  The
 * policy is described in auth.h.
 *
 * Keys live in one array rebuilt at each reconciliation (a handful of keys:
 * a linear search per packet is cheaper than anything cleverer).  Nothing
 * here allocates per packet.  The configuration holds each key sealed under
 * the device key (common/secret.c); it is opened here, when the table is
 * rebuilt, and the clear copy lives only in that table (wiped when it is).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>

#include "auth.h"
#include "log.h"
#include "ntpd.h"
#include "secret.h"

size_t auth_digest_len(enum auth_type t)
{
	return t == AUTH_HMAC_SHA256 ? SHA256_DIGEST_SIZE : MD5_DIGEST_SIZE;
}

size_t auth_digest(const struct auth_key *k, const uint8_t *data, size_t len, uint8_t *mac)
{
	if (k->type == AUTH_HMAC_SHA256) {
		struct hmac_sha256_ctx h;

		hmac_sha256_set_key(&h, k->len, k->key);
		hmac_sha256_update(&h, len, data);
		hmac_sha256_digest(&h, SHA256_DIGEST_SIZE, mac);
		return SHA256_DIGEST_SIZE;
	}
	struct md5_ctx m;

	md5_init(&m);
	md5_update(&m, k->len, k->key);
	md5_update(&m, len, data);
	md5_digest(&m, MD5_DIGEST_SIZE, mac);
	return MD5_DIGEST_SIZE;
}

const struct auth_key *auth_find(const struct auth_keys *a, uint32_t id)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (a->v[i].id == id)
			return &a->v[i];
	return NULL;
}

enum auth_result auth_check(const struct auth_keys *a, const uint8_t *buf,
			    const struct ntp_packet *pkt)
{
	const struct auth_key *k;
	uint8_t mac[NTP_MAX_MAC];
	size_t n;

	if (!pkt->has_mac || pkt->mac_len == 0)
		return AUTH_NONE;
	k = auth_find(a, pkt->keyid);
	if (!k)
		return AUTH_UNKNOWN_KEY;
	if (!k->trusted)
		return AUTH_UNTRUSTED;
	if (pkt->mac_len != auth_digest_len(k->type))
		return AUTH_BAD_LEN;
	n = auth_digest(k, buf, pkt->mac_offset, mac);
	return memeql_sec(mac, pkt->mac, n) ? AUTH_OK : AUTH_BAD_MAC;
}

int auth_sign(const struct auth_keys *a, uint32_t keyid, uint8_t *buf, size_t n, size_t cap)
{
	const struct auth_key *k = auth_find(a, keyid);
	size_t dl;

	if (!k)
		return -ENOKEY;
	dl = auth_digest_len(k->type);
	if (n + 4 + dl > cap || n + 4 + dl > (size_t)0x7fffffff)
		return -ENOBUFS;
	buf[n] = (uint8_t)(keyid >> 24);
	buf[n + 1] = (uint8_t)(keyid >> 16);
	buf[n + 2] = (uint8_t)(keyid >> 8);
	buf[n + 3] = (uint8_t)keyid;
	auth_digest(k, buf, n, buf + n + 4);
	return (int)(n + 4 + dl);
}

/* ---- daemon ---- */

void auth_free(struct auth_keys *a)
{
	if (!a)
		return;
	if (a->v)
		explicit_bzero(a->v, a->n * sizeof(*a->v));
	free(a->v);
	free(a);
}

static bool parse_keyid(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return false;
	v = strtoull(s, &end, 10);
	if (*end || v == 0 || v > 0xffffffffULL)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The clear key of nk (sealed by clid, common/secret.c) into k: whether
 * it opened.  A key that does not open under this device's key is left
 * out, as an unknown key, and logged by id only (never its text). */
static bool open_key(const NtpKey *nk, struct auth_key *k)
{
	char clear[SECRET_CLEAR_MAX + 1];
	size_t len;
	int rc = secret_open(secret_device_key(), nk->key, clear, sizeof(clear));

	len = rc == 0 ? strlen(clear) : 0;
	if (rc < 0 || len == 0 || len > AUTH_KEY_MAX) {
		explicit_bzero(clear, sizeof(clear));
		log_warn("authentication key %s is not used: %s", nk->keyid,
			 rc < 0 ? secret_strerror(rc) : "its length is out of range");
		return false;
	}
	memcpy(k->key, clear, len);
	k->len = len;
	explicit_bzero(clear, sizeof(clear));
	return true;
}

void auth_apply(struct ntpd *core, const Ntp *ntp)
{
	struct auth_keys *a = core->auth;
	size_t n = ntp ? ntp->n_authentication_key : 0;

	if (!a)
		a = core->auth = xcalloc(1, sizeof(*a));
	if (a->v)
		explicit_bzero(a->v, a->n * sizeof(*a->v));
	free(a->v);
	a->v = NULL;
	a->n = 0;
	a->enabled = ntp && ntp->has_authentication_enable && ntp->authentication_enable;
	if (n)
		a->v = xcalloc(n, sizeof(*a->v));
	for (size_t i = 0; i < n; i++) {
		const NtpKey *nk = ntp->authentication_key[i];
		struct auth_key *k = &a->v[a->n];

		if (!nk || !parse_keyid(nk->keyid, &k->id) || !nk->mode || !nk->key)
			continue;
		if (strcasecmp(nk->mode, "md5") == 0)
			k->type = AUTH_MD5;
		else if (strcasecmp(nk->mode, "hmac-sha256") == 0)
			k->type = AUTH_HMAC_SHA256;
		else
			continue;
		if (!open_key(nk, k))
			continue;
		k->trusted = nk->has_reliable && nk->reliable;
		a->n++;
	}
}

bool auth_assoc_on(const struct assoc *p)
{
	const struct auth_keys *a = p->core->auth;

	return a && a->enabled && p->opts.keyid != 0;
}

int auth_sign_assoc(const struct assoc *p, uint8_t *buf, size_t n, size_t cap)
{
	const struct auth_key *k;
	int r;

	if (!auth_assoc_on(p))
		return (int)n;
	k = auth_find(p->core->auth, p->opts.keyid);
	if (!k || !k->trusted)
		return (int)n;
	r = auth_sign(p->core->auth, p->opts.keyid, buf, n, cap);
	return r < 0 ? (int)n : r;
}

bool auth_assoc_accept(struct assoc *p, const uint8_t *buf, const struct ntp_packet *pkt)
{
	struct auth_keys *a = p->core->auth;
	enum auth_result r;

	if (!auth_assoc_on(p))
		return true;
	r = auth_check(a, buf, pkt);
	if (r == AUTH_OK && pkt->keyid == p->opts.keyid) {
		a->ok++;
		return true;
	}
	a->bad++;
	p->cnt.rx++;
	p->cnt.rej[ASSOC_R_AUTH]++;
	log_debug("packet from %s refused: authentication (result %d, key %u)", p->addr_text,
		  (int)r, (unsigned)pkt->keyid);
	return false;
}

int auth_request(struct ntpd *core, const uint8_t *buf, const struct ntp_packet *pkt,
		 uint32_t *keyid)
{
	struct auth_keys *a = core->auth;
	enum auth_result r;

	*keyid = 0;
	if (!a || !a->enabled)
		return 0;
	r = auth_check(a, buf, pkt);
	if (r == AUTH_NONE)
		return 0;
	if (r != AUTH_OK) {
		a->bad++;
		return -EACCES;
	}
	a->ok++;
	*keyid = pkt->keyid;
	return 0;
}

const char *auth_assoc_problem(const struct assoc *p)
{
	const struct auth_key *k;

	if (!auth_assoc_on(p))
		return NULL;
	k = auth_find(p->core->auth, p->opts.keyid);
	if (!k)
		return "is not configured";
	if (!k->trusted)
		return "is not reliable";
	return NULL;
}

/* ---- broadcast and multicast ---- */

const char *auth_key_problem(const struct ntpd *core, uint32_t keyid)
{
	const struct auth_keys *a = core->auth;
	const struct auth_key *k;

	if (!a || !a->enabled || keyid == 0)
		return NULL;
	k = auth_find(a, keyid);
	if (!k)
		return "is not configured";
	if (!k->trusted)
		return "is not reliable";
	return NULL;
}

int auth_sign_key(const struct ntpd *core, uint32_t keyid, uint8_t *buf, size_t n, size_t cap)
{
	const struct auth_keys *a = core->auth;
	int r;

	if (!a || !a->enabled || keyid == 0 || auth_key_problem(core, keyid))
		return (int)n;
	r = auth_sign(a, keyid, buf, n, cap);
	return r < 0 ? (int)n : r;
}

bool auth_broadcast_accept(struct ntpd *core, struct assoc *p, const uint8_t *buf,
			   const struct ntp_packet *pkt, uint32_t *keyid)
{
	struct auth_keys *a = core->auth;
	enum auth_result r;

	*keyid = 0;
	if (!a || !a->enabled)
		return true;
	r = auth_check(a, buf, pkt);
	if (r == AUTH_OK) {
		a->ok++;
		*keyid = pkt->keyid;
		return true;
	}
	a->bad++;
	if (p) {
		p->cnt.rx++;
		p->cnt.rej[ASSOC_R_AUTH]++;
	}
	log_debug("broadcast refused: authentication (result %d, key %u)", (int)r,
		  (unsigned)pkt->keyid);
	return false;
}
