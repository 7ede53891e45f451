/*
 * test_auth.c: NTP symmetric-key authentication (ntpd/auth.c).
 *
 *  - digests against vectors computed independently (Python's hashlib and
 *    hmac): MD5(key || packet) and HMAC-SHA256(key, packet);
 *  - auth_check() outcomes: no MAC, good, unknown key, unreliable key,
 *    wrong digest, wrong digest length; sign -> decode -> check;
 *  - the server side through ntpd_input(): signed requests get signed
 *    answers, a bad MAC is dropped and counted, an unsigned request gets an
 *    unsigned answer, authentication disabled ignores MACs;
 *  - a client association with a key: its polls carry the MAC, a forged
 *    answer (bad MAC, no MAC) is refused and counted without touching the
 *    association's state, a good one is accepted.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"
#include "secret.h"
#include "testutil.h"

static void hex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		cr_assert_eq(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static struct auth_key mkkey(uint32_t id, enum auth_type t, const char *k, bool trusted)
{
	struct auth_key key;

	memset(&key, 0, sizeof(key));
	key.id = id;
	key.type = t;
	key.len = strlen(k);
	memcpy(key.key, k, key.len);
	key.trusted = trusted;
	return key;
}

Test(auth, md5_vector)
{
	uint8_t pkt[48], mac[32], want[16];
	struct auth_key k = mkkey(1, AUTH_MD5, "Meridian1", true);

	for (int i = 0; i < 48; i++)
		pkt[i] = (uint8_t)i;
	hex("6f4d5ff5d91200cc64215e125e3453bc", want, 16);
	cr_assert_eq(auth_digest(&k, pkt, sizeof(pkt), mac), 16);
	cr_assert_arr_eq(mac, want, 16);
}

Test(auth, hmac_sha256_vector)
{
	uint8_t pkt[48], mac[32], want[32];
	struct auth_key k = mkkey(7, AUTH_HMAC_SHA256, "hmac-secret-key", true);

	for (int i = 0; i < 48; i++)
		pkt[i] = (uint8_t)i;
	hex("b289343d326f098064db4fb86783e1c7747c1472cef45de7ead787793b7934c7", want, 32);
	cr_assert_eq(auth_digest(&k, pkt, sizeof(pkt), mac), 32);
	cr_assert_arr_eq(mac, want, 32);
}

static int encode_plain(uint8_t *buf, size_t cap)
{
	struct ntp_packet p;

	memset(&p, 0, sizeof(p));
	p.version = 4;
	p.mode = NTP_MODE_CLIENT;
	p.xmt = 0x0102030405060708ULL;
	return ntp_packet_encode(&p, buf, cap);
}

Test(auth, check_outcomes)
{
	struct auth_key keys[3] = {
		mkkey(1, AUTH_MD5, "one", true),
		mkkey(2, AUTH_HMAC_SHA256, "two", true),
		mkkey(3, AUTH_MD5, "three", false),
	};
	struct auth_keys a = { .enabled = true, .v = keys, .n = 3 };
	struct auth_keys other = { .enabled = true, .v = keys, .n = 1 };
	uint8_t buf[128];
	struct ntp_packet d;
	int n = encode_plain(buf, sizeof(buf)), m;

	cr_assert_eq(ntp_packet_decode(buf, (size_t)n, &d), 0);
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_NONE);

	m = auth_sign(&a, 1, buf, (size_t)n, sizeof(buf));
	cr_assert_eq(m, 48 + 20);
	cr_assert_eq(ntp_packet_decode(buf, (size_t)m, &d), 0);
	cr_assert(d.has_mac);
	cr_assert_eq(d.keyid, 1);
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_OK);
	buf[40] ^= 1;     /* the transmit timestamp changed in flight */
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_BAD_MAC);
	buf[40] ^= 1;
	d.mac[3] ^= 0x80; /* the digest changed */
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_BAD_MAC);

	m = auth_sign(&a, 2, buf, (size_t)n, sizeof(buf));
	cr_assert_eq(m, 48 + 36);
	cr_assert_eq(ntp_packet_decode(buf, (size_t)m, &d), 0);
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_OK);
	cr_assert_eq(auth_check(&other, buf, &d), AUTH_UNKNOWN_KEY);

	m = auth_sign(&a, 3, buf, (size_t)n, sizeof(buf));
	cr_assert_eq(ntp_packet_decode(buf, (size_t)m, &d), 0);
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_UNTRUSTED);

	/* Key 1 is MD5: a 32-byte digest under its id does not fit. */
	m = auth_sign(&a, 2, buf, (size_t)n, sizeof(buf));
	buf[48 + 3] = 1;
	cr_assert_eq(ntp_packet_decode(buf, (size_t)m, &d), 0);
	cr_assert_eq(auth_check(&a, buf, &d), AUTH_BAD_LEN);

	cr_assert_eq(auth_sign(&a, 9, buf, (size_t)n, sizeof(buf)), -ENOKEY);
	cr_assert_eq(auth_sign(&a, 2, buf, (size_t)n, 60), -ENOBUFS);
}

/* ---- through the daemon core ---- */

struct fx {
	char *keydir;             /* the process's device key (test_device_key) */
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
	uint32_t me, peer;
};

/* Keys: 1 md5 "secret1" reliable, 2 hmac-sha256 "secret2" reliable, 3 md5
 * "secret3" not reliable.  server_keyid: a unicast-server 127.0.0.9 with
 * that key (0: no association). */
static void fx_init(struct fx *f, bool enable, uint32_t server_keyid)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpKey k1 = NTP_KEY__INIT, k2 = NTP_KEY__INIT, k3 = NTP_KEY__INIT;
	NtpKey *keys[3] = { &k1, &k2, &k3 };
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	char s1[SECRET_SEALED_SIZE], s2[SECRET_SEALED_SIZE], s3[SECRET_SEALED_SIZE];

	memset(f, 0, sizeof(*f));
	log_init("test_auth", LOG_LVL_WARN);
	/* The configuration holds keys sealed, as clid stores them. */
	f->keydir = test_device_key();
	cr_assert_eq(secret_seal(secret_device_key(), "secret1", s1, sizeof(s1)), 0);
	cr_assert_eq(secret_seal(secret_device_key(), "secret2", s2, sizeof(s2)), 0);
	cr_assert_eq(secret_seal(secret_device_key(), "secret3", s3, sizeof(s3)), 0);
	ntpd_rig_bootstrap(&f->bs, 0, 0);
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
	cr_assert_not_null(f->core);
	inet_pton(AF_INET, "127.0.0.1", &f->me);
	inet_pton(AF_INET, "127.0.0.9", &f->peer);

	k1.keyid = "1";
	k1.mode = "md5";
	k1.key = s1;
	k1.has_reliable = k1.reliable = true;
	k2.keyid = "2";
	k2.mode = "hmac-sha256";
	k2.key = s2;
	k2.has_reliable = k2.reliable = true;
	k3.keyid = "3";
	k3.mode = "md5";
	k3.key = s3;
	ntp.authentication_key = keys;
	ntp.n_authentication_key = 3;
	ntp.has_authentication_enable = true;
	ntp.authentication_enable = enable;
	if (server_keyid) {
		na.address = "127.0.0.9";
		na.has_authentication_keyid = true;
		na.authentication_keyid = server_keyid;
		ntp.unicast_server = list;
		ntp.n_unicast_server = 1;
	} else {
		rm.has_stratum = true;
		rm.stratum = 3;
		ntp.refclock_master = &rm;
	}
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f->core, &cfg, NULL, 0), 0);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
	test_device_key_free(f->keydir);
}

static int input(struct fx *f, const uint8_t *buf, size_t len, uint16_t sport, uint8_t *reply,
		 size_t rlen)
{
	struct ntpd_rx rx;

	memset(&rx, 0, sizeof(rx));
	rx.buf = buf;
	rx.len = len;
	rx.src = naddr_v4(f->peer);
	rx.src_port = sport;
	rx.dst = naddr_v4(f->me);
	rx.ts = ntp_clock_now(f->core->clock);
	rx.serving = true;
	return ntpd_input(f->core, &rx, reply, rlen);
}

/* A mode 3 request, signed with keyid (0: unsigned). */
static int client_request(struct fx *f, uint32_t keyid, uint8_t *buf, size_t cap)
{
	int n = encode_plain(buf, cap);

	if (keyid)
		n = auth_sign(f->core->auth, keyid, buf, (size_t)n, cap);
	cr_assert_gt(n, 0);
	return n;
}

Test(auth, server_signs_answers_to_signed_requests)
{
	struct fx f;
	uint8_t q[128], r[NTPD_PKT_MAX];
	struct ntp_packet a;
	int n;

	fx_init(&f, true, 0);
	for (uint32_t key = 1; key <= 2; key++) {
		n = input(&f, q, (size_t)client_request(&f, key, q, sizeof(q)), 40000, r,
			  sizeof(r));
		cr_assert_gt(n, 0);
		cr_assert_eq(ntp_packet_decode(r, (size_t)n, &a), 0);
		cr_assert(a.has_mac);
		cr_assert_eq(a.keyid, key);
		cr_assert_eq(a.mode, NTP_MODE_SERVER);
		cr_assert_eq(auth_check(f.core->auth, r, &a), AUTH_OK);
	}
	/* Unsigned request: unsigned answer. */
	n = input(&f, q, (size_t)client_request(&f, 0, q, sizeof(q)), 40000, r, sizeof(r));
	cr_assert_eq(n, 48);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_AUTH], 0);
	fx_fini(&f);
}

Test(auth, server_drops_bad_requests)
{
	struct fx f;
	uint8_t q[128], r[NTPD_PKT_MAX];
	int len;

	fx_init(&f, true, 0);
	len = client_request(&f, 1, q, sizeof(q));
	q[len - 1] ^= 0x55;                        /* wrong digest */
	cr_assert_eq(input(&f, q, (size_t)len, 40000, r, sizeof(r)), 0);
	len = client_request(&f, 3, q, sizeof(q)); /* key not reliable */
	cr_assert_eq(input(&f, q, (size_t)len, 40000, r, sizeof(r)), 0);
	len = client_request(&f, 1, q, sizeof(q));
	q[51] = 42;                                /* unknown key 42 */
	cr_assert_eq(input(&f, q, (size_t)len, 40000, r, sizeof(r)), 0);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_AUTH], 3);
	cr_assert_eq(f.core->stats.answered, 0);
	fx_fini(&f);
}

Test(auth, disabled_ignores_macs)
{
	struct fx f;
	uint8_t q[128], r[NTPD_PKT_MAX];
	int len, n;

	fx_init(&f, false, 0);
	len = client_request(&f, 1, q, sizeof(q));
	q[len - 1] ^= 0x55;
	n = input(&f, q, (size_t)len, 40000, r, sizeof(r));
	cr_assert_eq(n, 48);   /* answered, unsigned */
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_AUTH], 0);
	fx_fini(&f);
}

/* A server reply to the association's last poll, signed with keyid. */
static int server_reply(struct fx *f, struct assoc *p, uint32_t keyid, struct auth_keys *keys,
			uint8_t *buf, size_t cap)
{
	struct ntp_packet r;
	uint64_t now = ntp_clock_now(f->core->clock);
	int n;

	memset(&r, 0, sizeof(r));
	r.version = 4;
	r.mode = NTP_MODE_SERVER;
	r.stratum = 2;
	r.poll = 6;
	r.precision = -20;
	r.refid = htonl(0x0a000001);
	r.reftime = now;
	r.org = p->xmt;
	r.rec = now;
	r.xmt = now + 1000;
	n = ntp_packet_encode(&r, buf, cap);
	if (keyid)
		n = auth_sign(keys, keyid, buf, (size_t)n, cap);
	cr_assert_gt(n, 0);
	return n;
}

Test(auth, client_association_signs_and_verifies)
{
	struct fx f;
	struct assoc *p;
	uint8_t q[NTPD_PKT_MAX], r[NTPD_PKT_MAX];
	struct ntp_packet d;
	struct auth_key wrong = mkkey(2, AUTH_HMAC_SHA256, "not-secret2", true);
	struct auth_keys forger = { .enabled = true, .v = &wrong, .n = 1 };
	uint64_t org_before;
	int n;

	fx_init(&f, true, 2);
	p = ntpd_assoc_find(f.core, NADDR_V4P(f.peer), 0);
	cr_assert_not_null(p);
	n = assoc_prepare(p, q, sizeof(q));
	cr_assert_eq(n, 48 + 36);
	cr_assert_eq(ntp_packet_decode(q, (size_t)n, &d), 0);
	cr_assert_eq(d.keyid, 2);
	cr_assert_eq(auth_check(f.core->auth, q, &d), AUTH_OK);

	/* Forged: wrong key, then no MAC at all. */
	org_before = p->org;
	n = server_reply(&f, p, 2, &forger, r, sizeof(r));
	cr_assert_eq(input(&f, r, (size_t)n, p->opts.port, q, sizeof(q)), 0);
	n = server_reply(&f, p, 0, NULL, r, sizeof(r));
	cr_assert_eq(input(&f, r, (size_t)n, p->opts.port, q, sizeof(q)), 0);
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 2);
	cr_assert_eq(f.core->stats.drop[NTPD_DROP_AUTH], 2);
	cr_assert_eq(p->org, org_before, "a forged packet moved the association's state");
	cr_assert_eq(p->reach & 1, 0);

	/* Genuine. */
	n = server_reply(&f, p, 2, f.core->auth, r, sizeof(r));
	input(&f, r, (size_t)n, p->opts.port, q, sizeof(q));
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 2);
	cr_assert_eq(p->reach & 1, 1);
	/* Replayed: the duplicate test refuses it. */
	input(&f, r, (size_t)n, p->opts.port, q, sizeof(q));
	cr_assert_eq(p->cnt.rej[ASSOC_R_DUP], 1);
	fx_fini(&f);
}

Test(auth, missing_key_is_an_operational_error)
{
	struct fx f;
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };
	char *errs[4];
	int n;

	fx_init(&f, true, 0);
	na.address = "127.0.0.9";
	na.has_authentication_keyid = true;
	na.authentication_keyid = 5;
	ntp.unicast_server = list;
	ntp.n_unicast_server = 1;
	ntp.has_authentication_enable = ntp.authentication_enable = true;
	cfg.ntp = &ntp;
	n = ntpd_apply_config(f.core, &cfg, errs, 4);
	cr_assert_eq(n, 1);
	cr_assert(strstr(errs[0], "authentication key 5 is not configured"), "%s", errs[0]);
	free(errs[0]);
	fx_fini(&f);
}

/* Keys come sealed (common/secret.c): ntpd opens them under its device key;
 * one sealed under another device's key, altered, or in clear is left out. */
Test(auth, sealed_keys_opened)
{
	struct fx f;
	struct secret_key other;
	uint8_t raw[32];
	char mine[SECRET_SEALED_SIZE], foreign[SECRET_SEALED_SIZE], altered[SECRET_SEALED_SIZE];
	Ntp ntp = NTP__INIT;
	NtpKey k1 = NTP_KEY__INIT, k2 = NTP_KEY__INIT, k3 = NTP_KEY__INIT, k4 = NTP_KEY__INIT;
	NtpKey *keys[4] = { &k1, &k2, &k3, &k4 };
	const struct auth_key *k;

	fx_init(&f, true, 0);
	memset(raw, 0x77, sizeof(raw));
	secret_key_from(&other, raw);
	cr_assert_eq(secret_seal(secret_device_key(), "Mine-Key", mine, sizeof(mine)), 0);
	cr_assert_eq(secret_seal(&other, "Other-Key", foreign, sizeof(foreign)), 0);
	cr_assert_eq(secret_seal(secret_device_key(), "Mine-Key", altered, sizeof(altered)), 0);
	altered[20] = altered[20] == 'A' ? 'B' : 'A';
	k1.keyid = "1";
	k1.key = mine;
	k2.keyid = "2";
	k2.key = foreign;
	k3.keyid = "3";
	k3.key = altered;
	k4.keyid = "4";
	k4.key = "Clear-Key";
	k1.mode = k2.mode = k3.mode = k4.mode = "md5";
	ntp.authentication_key = keys;
	ntp.n_authentication_key = 4;
	auth_apply(f.core, &ntp);
	k = auth_find(f.core->auth, 1);
	cr_assert_not_null(k);
	cr_assert_eq(k->len, strlen("Mine-Key"));
	cr_assert_eq(memcmp(k->key, "Mine-Key", k->len), 0);
	cr_assert_null(auth_find(f.core->auth, 2));
	cr_assert_null(auth_find(f.core->auth, 3));
	cr_assert_null(auth_find(f.core->auth, 4));
	fx_fini(&f);
}
