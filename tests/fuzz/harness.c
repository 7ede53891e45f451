/*
 * harness.c: feed one datagram to fresh ntpd cores and check the
 * invariants of the receive path (see harness.h).
 *
 * Everything is deterministic for a given input: the clock is a simulated
 * one whose true time only this file advances, and each phase starts from a
 * new core, so a crashing input reproduces on its own.  The loop is never
 * run (no poll leaves, no timer fires); the cores' sockets are bound to a
 * free port on INADDR_ANY and never read.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "bootstrap.h"
#include "harness.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "port.h"
#include "secret.h"

#define OFFSET 0.4

struct harness {
	bool ready;
	/* Keys 1-3 sealed under the process's device key, as a device's
	 * configuration holds them (common/secret.c). */
	char sealed[3][SECRET_SEALED_SIZE];
	struct bootstrap bs;
	struct loop *loop;
	double true_time;
	uint32_t srv, srv_open, peer, stranger, limited;
};

static struct harness H;
struct fuzz_ntpd_stats fuzz_ntpd_stats;

struct src {
	const char *name;
	uint32_t addr;
	uint16_t port;
	bool serving;
	bool fix_mac;             /* deliver with the right digest for its key id */
};

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A port for the core's sockets (it never receives on them: the harness
 * hands it packets), a fixed one when none is free. */
static uint16_t harness_port(void)
{
	int p = port_try_free_udp("0.0.0.0");

	return p > 0 ? (uint16_t)p : 20123;
}

/* A device key made in a temporary STATE_DIR that goes at once (the key
 * stays loaded), and the cores' keys sealed under it. */
static void seal_keys(void)
{
	static const char *const clear[3] = { "meridian", "meridian-sha", "unreliable" };
	char dir[] = "/tmp/meridian-fuzz-XXXXXX", path[64];

	if (!mkdtemp(dir) || secret_init(dir) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/" SECRET_KEY_FILE, dir);
	unlink(path);
	rmdir(dir);
	for (int i = 0; i < 3; i++)
		if (secret_seal(secret_device_key(), clear[i], H.sealed[i], sizeof(H.sealed[i])) < 0)
			abort();
}

static void harness_init(void)
{
	if (H.ready)
		return;
	log_init("fuzz_ntpd", LOG_LVL_ERR);
	seal_keys();
	bootstrap_defaults(&H.bs);
	H.bs.clock.type = BS_CLOCK_VIRTUAL;
	H.bs.ntp.port = harness_port();
	H.loop = loop_new();
	if (!H.loop)
		abort();
	inet_pton(AF_INET, "127.0.0.1", &H.srv);
	inet_pton(AF_INET, "127.0.0.3", &H.peer);
	inet_pton(AF_INET, "127.0.0.4", &H.srv_open);
	inet_pton(AF_INET, "127.0.0.5", &H.stranger);
	inet_pton(AF_INET, "127.0.0.9", &H.limited);
	H.ready = true;
}

void fuzz_ntpd_cleanup(void)
{
	if (!H.ready)
		return;
	loop_free(H.loop);
	bootstrap_free(&H.bs);
	memset(&H, 0, sizeof(H));
}

/* A core with the configuration of harness.h. */
static struct ntpd *core_new(void)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation srv = NTP_ASSOCIATION__INIT, open = NTP_ASSOCIATION__INIT;
	NtpAssociation peer = NTP_ASSOCIATION__INIT;
	NtpAssociation *srvs[2] = { &srv, &open }, *peers[1] = { &peer };
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpKey k1 = NTP_KEY__INIT, k2 = NTP_KEY__INIT, k3 = NTP_KEY__INIT;
	NtpKey *keys[3] = { &k1, &k2, &k3 };
	NtpAccess acc = NTP_ACCESS__INIT;
	NtpDiscard disc = NTP_DISCARD__INIT;
	Acl acl_peer = ACL__INIT, acl_sync = ACL__INIT;
	AclRule r_peer = ACL_RULE__INIT, r_sync = ACL_RULE__INIT;
	AclRule *rp[1] = { &r_peer }, *rs[1] = { &r_sync };
	Acl *acls[2] = { &acl_peer, &acl_sync };
	struct ntp_clock *clock;
	struct ntpd *core;
	char *errs[8];
	int n;

	H.true_time = 1.7e9;
	clock = ntp_clock_new_simulated(&H.true_time, OFFSET, 0, 0, 1, -20);
	if (!clock)
		abort();
	core = ntpd_new_with_clock(H.loop, NULL, &H.bs, clock, NULL, 0);
	if (!core)
		abort();
	srv.address = "127.0.0.1";
	srv.has_port = true;
	srv.port = FUZZ_SERVER_PORT;
	srv.has_version = true;
	srv.version = 4;
	srv.has_authentication_keyid = true;
	srv.authentication_keyid = 1;
	open.address = "127.0.0.4";
	open.has_port = true;
	open.port = FUZZ_SERVER_PORT;
	peer.address = "127.0.0.3";
	peer.has_version = true;
	peer.version = 4;
	peer.has_authentication_keyid = true;
	peer.authentication_keyid = 2;
	k1.keyid = "1";
	k1.mode = "md5";
	k1.key = H.sealed[0];
	k1.has_reliable = true;
	k1.reliable = true;
	k2.keyid = "2";
	k2.mode = "hmac-sha256";
	k2.key = H.sealed[1];
	k2.has_reliable = true;
	k2.reliable = true;
	k3.keyid = "3";
	k3.mode = "md5";
	k3.key = H.sealed[2];
	/* 127.0.0.0-7 may peer; everyone else may only ask the time, at a
	 * limited rate (discard defaults), and gets KoDs. */
	acl_peer.number = "2000";
	r_peer.id = "5";
	r_peer.source = "127.0.0.0";
	r_peer.wildcard = "0.0.0.7";
	acl_peer.n_rule = 1;
	acl_peer.rule = rp;
	acl_sync.number = "2001";
	r_sync.id = "5";
	acl_sync.n_rule = 1;
	acl_sync.rule = rs;
	acc.has_peer = true;
	acc.peer = 2000;
	acc.has_synchronization = true;
	acc.synchronization = 2001;
	acc.has_limited = true;
	acc.limited = 2001;
	rm.has_stratum = true;
	rm.stratum = 10;
	ntp.refclock_master = &rm;
	ntp.n_unicast_server = 2;
	ntp.unicast_server = srvs;
	ntp.n_unicast_peer = 1;
	ntp.unicast_peer = peers;
	ntp.has_authentication_enable = true;
	ntp.authentication_enable = true;
	ntp.n_authentication_key = 3;
	ntp.authentication_key = keys;
	ntp.access = &acc;
	ntp.discard = &disc;
	ntp.has_kod_enable = true;
	ntp.kod_enable = true;
	cfg.ntp = &ntp;
	cfg.n_acl = 2;
	cfg.acl = acls;
	n = ntpd_apply_config(core, &cfg, errs, 8);
	for (int i = 0; i < n; i++)
		free(errs[i]);
	return core;
}

/* If the datagram carries a MAC with one of our keys, make its digest the
 * right one (the fuzzer cannot compute digests). */
static void resign(struct ntpd *core, uint8_t *buf, size_t len)
{
	struct ntp_packet pkt;
	const struct auth_key *k;

	if (!core->auth || ntp_packet_decode(buf, len, &pkt) < 0 || !pkt.has_mac ||
	    pkt.mac_len == 0)
		return;
	k = auth_find(core->auth, pkt.keyid);
	if (!k || auth_digest_len(k->type) != pkt.mac_len ||
	    pkt.mac_offset + 4 + pkt.mac_len > len)
		return;
	auth_digest(k, buf, pkt.mac_offset, buf + pkt.mac_offset + 4);
}

/* Everything that says what became of a datagram. */
static uint64_t drop_count(const struct ntpd *core)
{
	uint64_t sum = 0;

	for (int i = 0; i < NTPD_DROP__COUNT; i++)
		sum += core->stats.drop[i];
	return sum;
}

static uint64_t accept_count(const struct ntpd *core)
{
	uint64_t sum = 0;

	for (const struct assoc *p = core->assocs; p; p = p->next)
		sum += p->cnt.accepted;
	return sum;
}

static uint64_t fate_count(const struct ntpd *core)
{
	return core->stats.answered + drop_count(core) + accept_count(core);
}

static int deliver(struct ntpd *core, const struct src *s, const uint8_t *data, size_t size,
		   bool check_clock, char *why, size_t whylen)
{
	static uint8_t reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	struct ntp_packet out;
	uint64_t received = core->stats.received, fate = fate_count(core);
	uint64_t dropped = drop_count(core), accepted = accept_count(core);
	double err;
	int n;

	H.true_time += 0.001;
	memset(&rx, 0, sizeof(rx));
	rx.buf = data;
	rx.len = size;
	rx.src = naddr_v4(s->addr);
	rx.src_port = s->port;
	rx.dst = naddr_v4(htonl(INADDR_LOOPBACK));
	rx.ts = ntp_clock_now(core->clock);
	rx.serving = s->serving;
	n = ntpd_input(core, &rx, reply, sizeof(reply));
	if (n < 0 || (size_t)n > sizeof(reply))
		return fail(why, whylen, "from %s: ntpd_input returned %d", s->name, n);
	if (core->stats.received != received + 1)
		return fail(why, whylen, "from %s: datagram not counted as received", s->name);
	if (fate_count(core) <= fate)
		return fail(why, whylen, "from %s: datagram neither answered, accepted nor "
			    "counted as dropped", s->name);
	fuzz_ntpd_stats.deliveries++;
	fuzz_ntpd_stats.replies += n > 0;
	fuzz_ntpd_stats.accepted += accept_count(core) > accepted;
	fuzz_ntpd_stats.dropped += drop_count(core) > dropped;
	if (n > 0) {
		if (ntp_packet_decode(reply, (size_t)n, &out) < 0)
			return fail(why, whylen, "from %s: our reply does not decode", s->name);
		if (out.mode != NTP_MODE_SERVER && out.mode != NTP_MODE_PASSIVE)
			return fail(why, whylen, "from %s: reply in mode %u", s->name, out.mode);
	}
	if (!check_clock)
		return 0;
	if (!ntp_clock_true_error(core->clock, &err) || err != OFFSET)
		return fail(why, whylen, "from %s: the clock moved (error %.9f s, was %.9f s)",
			    s->name, err, OFFSET);
	if (ntp_clock_get_freq(core->clock) != 0)
		return fail(why, whylen, "from %s: the frequency moved (%.6f ppm)", s->name,
			    ntp_clock_get_freq(core->clock));
	if (core->sys.steps || core->sys.panics || core->sys.updates)
		return fail(why, whylen, "from %s: the discipline ran (%llu updates)", s->name,
			    (unsigned long long)core->sys.updates);
	return 0;
}

/* Phase 1: no outstanding request, the clock must not move. */
static int phase_unsolicited(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	const struct src srcs[] = {
		{ "the server", H.srv, FUZZ_SERVER_PORT, true, false },
		{ "the peer", H.peer, H.bs.ntp.port, true, false },
		{ "the unauthenticated server", H.srv_open, FUZZ_SERVER_PORT, true, false },
		{ "a stranger (not served)", H.stranger, 40000, false, false },
		{ "a stranger", H.stranger, 40000, true, false },
		{ "a rate-limited stranger", H.limited, 40001, true, false },
		{ "the server (MAC fixed)", H.srv, FUZZ_SERVER_PORT, true, true },
		{ "the peer (MAC fixed)", H.peer, H.bs.ntp.port, true, true },
		{ "a stranger (MAC fixed)", H.stranger, 40000, true, true },
		{ "a rate-limited stranger (MAC fixed)", H.limited, 40001, true, true },
	};
	static uint8_t buf[NTPD_PKT_MAX];
	struct ntpd *core = core_new();
	size_t len = size < sizeof(buf) ? size : sizeof(buf);
	int r = 0;

	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]) && r == 0; i++) {
		if (!srcs[i].fix_mac) {
			r = deliver(core, &srcs[i], data, size, true, why, whylen);
			continue;
		}
		memcpy(buf, data, len);
		resign(core, buf, len);
		r = deliver(core, &srcs[i], buf, len, true, why, whylen);
	}
	ntpd_free(core);
	return r;
}

static void put64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

/* Phase 2: the datagram answers our poll (origin = our transmit, MAC
 * fixed). */
static int phase_answer(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	const struct src srcs[] = {
		{ "the polled server", H.srv, FUZZ_SERVER_PORT, true, true },
		{ "the polled unauthenticated server", H.srv_open, FUZZ_SERVER_PORT, true, true },
		{ "the polled peer", H.peer, H.bs.ntp.port, true, true },
	};
	static uint8_t buf[NTPD_PKT_MAX];
	uint8_t poll[NTPD_PKT_MAX];
	struct ntpd *core;
	int r = 0;

	if (size < NTP_HEADER_LEN || size > sizeof(buf))
		return 0;
	core = core_new();
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]) && r == 0; i++) {
		struct assoc *p = ntpd_assoc_find(core, NADDR_V4P(srcs[i].addr), 0);

		if (!p) {
			r = fail(why, whylen, "%s: no association configured", srcs[i].name);
			break;
		}
		if (assoc_prepare(p, poll, sizeof(poll)) <= 0 || p->xmt == 0) {
			r = fail(why, whylen, "%s: cannot poll", srcs[i].name);
			break;
		}
		memcpy(buf, data, size);
		put64(buf + 24, p->xmt);
		resign(core, buf, size);
		r = deliver(core, &srcs[i], buf, size, false, why, whylen);
	}
	ntpd_free(core);
	return r;
}

int fuzz_ntpd_one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	int r;

	harness_init();
	fuzz_ntpd_stats.inputs++;
	r = phase_unsolicited(data, size, why, whylen);
	if (r == 0)
		r = phase_answer(data, size, why, whylen);
	return r;
}
