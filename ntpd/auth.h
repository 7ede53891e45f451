/*
 * auth.h: NTP symmetric-key authentication (RFC 5905 section 7.3, the MAC
 * trailer) and `ntp-service authentication ...`.
 *
 * Digests (the choice, for interoperability where there is any):
 *   md5          MD5(key || packet), 16 bytes: RFC 5905 and what ntpd,
 *                ntpsec and chrony ("MD5" keys) compute.
 *   hmac-sha256  HMAC-SHA256(key, packet) (RFC 2104), the full 32 bytes.
 *                VRP names the mode HMAC, so it is a real HMAC.  chrony's
 *                and ntpsec's "SHA256" keys are a plain SHA256(key ||
 *                packet) truncated to 20 bytes instead, so these MACs do
 *                not interoperate with them; md5 does.
 * The key is the operator's text, its bytes as typed.
 *
 * Policy (documented once here, applied by server.c and assoc.c):
 *  - `authentication enable` off: MACs are neither checked nor sent.
 *  - on, an association with `authentication-keyid K`: its packets carry a
 *    MAC with K, and a packet from the peer is accepted only with a valid
 *    MAC made with K, K configured and reliable; anything else is refused
 *    (ASSOC_R_AUTH) before it can touch the association's state, KoD
 *    included.  An association without a key id is unauthenticated.
 *  - on, a request (mode 3, or mode 1 creating a passive association)
 *    without a MAC is served without a MAC; with a MAC it is served (and
 *    the answer signed with the same key) only if the key is configured,
 *    reliable and the digest right; otherwise it is dropped and counted
 *    (NTPD_DROP_AUTH): no crypto-NAK is sent.
 *  - on, a broadcast/multicast server with `authentication-keyid K`: each
 *    mode 5 packet carries a MAC with K when K is configured and reliable;
 *    otherwise it goes unsigned (and the configuration reports the key, as
 *    for an association).  Off: unsigned, whatever the key id.
 *  - on, a broadcast/multicast client (no key id of its own): a mode 5
 *    packet is used only with a valid MAC made with any configured,
 *    reliable key; anything else is dropped (NTPD_DROP_AUTH) and counted by
 *    the server's association (ASSOC_R_AUTH) before it can create or touch
 *    it.  The association takes the broadcast's key, so its delay
 *    calibration (client exchanges) is signed and checked with that key
 *    like any client association's.
 */
#ifndef MERIDIAN_NTPD_AUTH_H
#define MERIDIAN_NTPD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ntp.h"
#include "config.pb-c.h"

struct ntpd;
struct assoc;

enum auth_type { AUTH_MD5 = 1, AUTH_HMAC_SHA256 = 2 };

#define AUTH_KEY_MAX 255

struct auth_key {
	uint32_t id;
	enum auth_type type;
	uint8_t key[AUTH_KEY_MAX];
	size_t len;
	bool trusted;             /* `ntp-service reliable authentication-keyid` */
};

struct auth_keys {
	bool enabled;             /* `ntp-service authentication enable` */
	struct auth_key *v;
	size_t n;
	uint64_t ok, bad;         /* verifications */
};

/* Outcome of checking a packet's MAC against the key table. */
enum auth_result {
	AUTH_NONE = 0,            /* no MAC (or a crypto-NAK) */
	AUTH_OK,                  /* valid digest, key configured and reliable */
	AUTH_UNKNOWN_KEY,         /* key id not configured */
	AUTH_UNTRUSTED,           /* key configured but not reliable */
	AUTH_BAD_LEN,             /* digest length does not fit the key's type */
	AUTH_BAD_MAC,             /* wrong digest */
};

/* ---- pure ---- */

/* Digest length of a key type: 16 (md5) or 32 (hmac-sha256). */
size_t auth_digest_len(enum auth_type t);
/* The digest of data[0..len) with key k into mac (auth_digest_len bytes).
 * Returns that length. */
size_t auth_digest(const struct auth_key *k, const uint8_t *data, size_t len, uint8_t *mac);
/* The key with this id, or NULL. */
const struct auth_key *auth_find(const struct auth_keys *a, uint32_t id);
/* Check the MAC of a decoded packet whose datagram is buf (the bytes the
 * MAC covers are buf[0..pkt->mac_offset)).  Constant-time comparison. */
enum auth_result auth_check(const struct auth_keys *a, const uint8_t *buf,
			    const struct ntp_packet *pkt);
/* Append key id and digest with key `keyid` to the encoded packet buf[0..n)
 * (cap bytes available).  The new length, -ENOKEY for an unknown key,
 * -ENOBUFS if it does not fit. */
int auth_sign(const struct auth_keys *a, uint32_t keyid, uint8_t *buf, size_t n, size_t cap);

/* ---- daemon ---- */

/* Rebuild core->auth (allocated on first use) from the configuration.
 * Never fails; a key that cannot be used (no mode or key) is left out. */
void auth_apply(struct ntpd *core, const Ntp *ntp);
void auth_free(struct auth_keys *a);
/* Whether authentication applies to association p (enabled and a key id). */
bool auth_assoc_on(const struct assoc *p);
/* Sign a packet association p is sending (no-op when auth_assoc_on is
 * false, or when its key is not configured and reliable: the packet then
 * goes unsigned and every answer is refused).  Returns the new length, or
 * n unchanged. */
int auth_sign_assoc(const struct assoc *p, uint8_t *buf, size_t n, size_t cap);
/* Why association p cannot authenticate (its key "is not configured" or
 * "is not reliable"), or NULL when it can or needs not. */
const char *auth_assoc_problem(const struct assoc *p);
/* May a packet (datagram buf, decoded pkt) be given to association p?
 * Counts a refusal (p->cnt.rx, p->cnt.rej[ASSOC_R_AUTH]). */
bool auth_assoc_accept(struct assoc *p, const uint8_t *buf, const struct ntp_packet *pkt);
/* Server side: how to treat an incoming request.  Returns 0 with *keyid the
 * key to sign the answer with (0: none), or -EACCES when the request must
 * be dropped (bad MAC, unknown or unreliable key). */
int auth_request(struct ntpd *core, const uint8_t *buf, const struct ntp_packet *pkt,
		 uint32_t *keyid);

/* ---- broadcast and multicast (bcast.c) ---- */

/* Why key `keyid` cannot sign (it "is not configured" or "is not
 * reliable"), or NULL when it can or needs not (authentication off, or
 * keyid 0). */
const char *auth_key_problem(const struct ntpd *core, uint32_t keyid);
/* Sign the encoded packet buf[0..n) (cap bytes available) with key keyid
 * when authentication is on, keyid is not 0 and the key is configured and
 * reliable; otherwise it goes unsigned.  Returns the new length, or n
 * unchanged. */
int auth_sign_key(const struct ntpd *core, uint32_t keyid, uint8_t *buf, size_t n, size_t cap);
/* May a broadcast (datagram buf, decoded pkt) be used?  Authentication off:
 * yes, *keyid = 0.  On: only with a valid MAC made with a configured,
 * reliable key (any: a broadcast client has no key id), *keyid = that key;
 * otherwise false, counted in core->auth->bad and, when p (the server's
 * association, NULL before the first packet) is given, in p->cnt.rx and
 * p->cnt.rej[ASSOC_R_AUTH]. */
bool auth_broadcast_accept(struct ntpd *core, struct assoc *p, const uint8_t *buf,
			   const struct ntp_packet *pkt, uint32_t *keyid);

#endif
