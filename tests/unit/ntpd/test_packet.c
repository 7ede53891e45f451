/*
 * test_packet.c: the NTP wire codec and the timestamp helpers (packet.c).
 * Every decode of a crafted buffer uses an exactly sized heap copy, so
 * AddressSanitizer catches any read past `len`.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ntp.h"

/* Decode from an exactly sized heap copy. */
static int decode_exact(const uint8_t *buf, size_t len, struct ntp_packet *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	int r;

	cr_assert_not_null(copy);
	if (len)
		memcpy(copy, buf, len);
	r = ntp_packet_decode(copy, len, p);
	free(copy);
	return r;
}

/* A client request as ntpd 4.2 sends it: LI 3 (unsynchronized), VN 4,
 * mode 3, stratum 0, poll 6, precision -20, only the transmit timestamp. */
static const uint8_t client_req[48] = {
	0xe3, 0x00, 0x06, 0xec, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x5b, 0x07, 0x3e, 0x4c, 0x2b, 0x80,
};

/* A server reply: LI 0, VN 4, mode 4, stratum 2, poll 6, precision -23,
 * root delay 0x00000123, root dispersion 0x00000456, refid 10.0.1.31. */
static const uint8_t server_reply[48] = {
	0x24, 0x02, 0x06, 0xe9, 0x00, 0x00, 0x01, 0x23, 0x00, 0x00, 0x04, 0x56,
	0x0a, 0x00, 0x01, 0x1f, 0xe9, 0x3c, 0x5a, 0x00, 0x11, 0x22, 0x33, 0x44,
	0xe9, 0x3c, 0x5b, 0x07, 0x3e, 0x4c, 0x2b, 0x80, 0xe9, 0x3c, 0x5b, 0x07,
	0x40, 0x00, 0x00, 0x00, 0xe9, 0x3c, 0x5b, 0x07, 0x40, 0x10, 0x00, 0x00,
};

Test(packet, decodes_a_real_client_request)
{
	struct ntp_packet p;

	cr_assert_eq(decode_exact(client_req, sizeof(client_req), &p), 0);
	cr_assert_eq(p.leap, NTP_LEAP_NOSYNC);
	cr_assert_eq(p.version, 4);
	cr_assert_eq(p.mode, NTP_MODE_CLIENT);
	cr_assert_eq(p.stratum, 0);
	cr_assert_eq(p.poll, 6);
	cr_assert_eq(p.precision, -20);
	cr_assert_eq(p.org, 0);
	cr_assert_eq(p.rec, 0);
	cr_assert_eq(p.xmt, 0xe93c5b073e4c2b80ull);
	cr_assert_not(p.has_mac);
	cr_assert_eq(p.mac_offset, 48);
}

Test(packet, decodes_a_server_reply)
{
	struct ntp_packet p;
	const uint8_t refid[4] = { 10, 0, 1, 31 };

	cr_assert_eq(decode_exact(server_reply, sizeof(server_reply), &p), 0);
	cr_assert_eq(p.mode, NTP_MODE_SERVER);
	cr_assert_eq(p.stratum, 2);
	cr_assert_eq(p.precision, -23);
	cr_assert_eq(p.root_delay, 0x123);
	cr_assert_eq(p.root_disp, 0x456);
	cr_assert_eq(memcmp(&p.refid, refid, 4), 0, "refid stays in network order");
	cr_assert_eq(p.reftime, 0xe93c5a0011223344ull);
	cr_assert_eq(p.org, 0xe93c5b073e4c2b80ull);
	cr_assert_eq(p.rec, 0xe93c5b0740000000ull);
	cr_assert_eq(p.xmt, 0xe93c5b0740100000ull);
}

Test(packet, encode_reproduces_the_wire_bytes)
{
	struct ntp_packet p;
	uint8_t out[100];

	cr_assert_eq(ntp_packet_decode(server_reply, sizeof(server_reply), &p), 0);
	cr_assert_eq(ntp_packet_encode(&p, out, sizeof(out)), 48);
	cr_assert_eq(memcmp(out, server_reply, 48), 0);
}

static void fill_packet(struct ntp_packet *p, size_t mac_len)
{
	memset(p, 0, sizeof(*p));
	p->leap = NTP_LEAP_ADD;
	p->version = 3;
	p->mode = NTP_MODE_ACTIVE;
	p->stratum = 15;
	p->poll = -3;
	p->precision = -29;
	p->root_delay = 0x80000001u;
	p->root_disp = 0x7fffffffu;
	p->refid = 0x01020304u;
	p->reftime = 0x0123456789abcdefull;
	p->org = 0xfedcba9876543210ull;
	p->rec = 1;
	p->xmt = ~0ull;
	p->has_mac = true;
	p->keyid = 0xdeadbeef;
	p->mac_len = mac_len;
	for (size_t i = 0; i < mac_len; i++)
		p->mac[i] = (uint8_t)(i * 7 + 1);
}

static void round_trip(size_t mac_len)
{
	struct ntp_packet p, q;
	uint8_t buf[128];
	int n;

	fill_packet(&p, mac_len);
	n = ntp_packet_encode(&p, buf, sizeof(buf));
	cr_assert_eq(n, (int)(48 + 4 + mac_len));
	cr_assert_eq(decode_exact(buf, (size_t)n, &q), 0);
	cr_assert_eq(q.leap, p.leap);
	cr_assert_eq(q.version, p.version);
	cr_assert_eq(q.mode, p.mode);
	cr_assert_eq(q.stratum, p.stratum);
	cr_assert_eq(q.poll, p.poll);
	cr_assert_eq(q.precision, p.precision);
	cr_assert_eq(q.root_delay, p.root_delay);
	cr_assert_eq(q.root_disp, p.root_disp);
	cr_assert_eq(q.refid, p.refid);
	cr_assert_eq(q.reftime, p.reftime);
	cr_assert_eq(q.org, p.org);
	cr_assert_eq(q.rec, p.rec);
	cr_assert_eq(q.xmt, p.xmt);
	cr_assert(q.has_mac);
	cr_assert_eq(q.keyid, p.keyid);
	cr_assert_eq(q.mac_len, mac_len);
	cr_assert_eq(q.mac_offset, 48);
	cr_assert_eq(memcmp(q.mac, p.mac, mac_len), 0);
}

Test(packet, round_trip_without_mac)
{
	struct ntp_packet p, q;
	uint8_t buf[48];

	fill_packet(&p, 0);
	p.has_mac = false;
	cr_assert_eq(ntp_packet_encode(&p, buf, sizeof(buf)), 48);
	cr_assert_eq(decode_exact(buf, 48, &q), 0);
	cr_assert_not(q.has_mac);
	cr_assert_eq(q.xmt, p.xmt);
}

Test(packet, round_trip_md5_sha256_and_crypto_nak)
{
	round_trip(16);
	round_trip(32);
	round_trip(0);
}

Test(packet, encode_checks_the_buffer_and_mac_length)
{
	struct ntp_packet p;
	uint8_t buf[128];

	fill_packet(&p, 16);
	cr_assert_eq(ntp_packet_encode(&p, buf, 67), -ENOBUFS);
	cr_assert_eq(ntp_packet_encode(&p, buf, 68), 68);
	p.has_mac = false;
	cr_assert_eq(ntp_packet_encode(&p, buf, 47), -ENOBUFS);
	p.has_mac = true;
	p.mac_len = 20;
	cr_assert_eq(ntp_packet_encode(&p, buf, sizeof(buf)), -EINVAL);
}

Test(packet, truncated_datagrams_are_refused)
{
	struct ntp_packet p;

	for (size_t len = 0; len < 48; len++)
		cr_assert_eq(decode_exact(client_req, len, &p), -EBADMSG, "len %zu", len);
	cr_assert_eq(ntp_packet_decode(NULL, 48, &p), -EBADMSG);
}

Test(packet, versions_zero_and_above_four_are_refused)
{
	uint8_t buf[48];
	struct ntp_packet p;

	memcpy(buf, client_req, 48);
	for (int v = 0; v < 8; v++) {
		buf[0] = (uint8_t)((buf[0] & 0xc7) | v << 3);
		int r = decode_exact(buf, 48, &p);

		if (v >= 1 && v <= 4) {
			cr_assert_eq(r, 0, "version %d", v);
			cr_assert_eq(p.version, v);
		} else {
			cr_assert_eq(r, -EBADMSG, "version %d", v);
		}
	}
}

Test(packet, trailer_lengths)
{
	uint8_t buf[48 + 64];
	struct ntp_packet p;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, client_req, 48);
	/* Only 4, 20 and 36 bytes can be a MAC; short odd trailers are garbage
	 * (an all-zero extension header has length 0). */
	for (size_t extra = 1; extra <= 40; extra++) {
		int r = decode_exact(buf, 48 + extra, &p);

		if (extra == 4 || extra == 20 || extra == 36) {
			cr_assert_eq(r, 0, "trailer %zu", extra);
			cr_assert(p.has_mac);
			cr_assert_eq(p.mac_len, extra - 4);
			cr_assert_eq(p.mac_offset, 48);
		} else {
			cr_assert_eq(r, -EBADMSG, "trailer %zu", extra);
		}
	}
}

static size_t put_ext(uint8_t *at, uint16_t type, uint16_t len)
{
	memset(at, 0xa5, len);
	at[0] = (uint8_t)(type >> 8);
	at[1] = (uint8_t)type;
	at[2] = (uint8_t)(len >> 8);
	at[3] = (uint8_t)len;
	return len;
}

Test(packet, extension_fields_are_skipped_before_the_mac)
{
	uint8_t buf[256];
	struct ntp_packet p;
	size_t n = 48;

	memcpy(buf, client_req, 48);
	n += put_ext(buf + n, 0x0104, 28);
	n += put_ext(buf + n, 0x0204, 16);
	buf[n] = 0;
	buf[n + 1] = 0;
	buf[n + 2] = 0;
	buf[n + 3] = 42;          /* key id 42 */
	memset(buf + n + 4, 0x5a, 32);
	cr_assert_eq(decode_exact(buf, n + 36, &p), 0);
	cr_assert(p.has_mac);
	cr_assert_eq(p.keyid, 42);
	cr_assert_eq(p.mac_len, 32);
	cr_assert_eq(p.mac_offset, 48 + 28 + 16);
	cr_assert_eq(p.mac[31], 0x5a);

	/* Extension fields without a MAC. */
	cr_assert_eq(decode_exact(buf, 48 + 28 + 16, &p), 0);
	cr_assert_not(p.has_mac);
	cr_assert_eq(p.mac_offset, 48 + 28 + 16);
}

Test(packet, bad_extension_lengths_are_refused)
{
	uint8_t buf[256];
	struct ntp_packet p;

	memcpy(buf, client_req, 48);
	/* Not a multiple of 4. */
	put_ext(buf + 48, 1, 28);
	buf[51] = 30;
	cr_assert_eq(decode_exact(buf, 48 + 28 + 20, &p), -EBADMSG);
	/* Shorter than 16. */
	put_ext(buf + 48, 1, 28);
	buf[51] = 12;
	cr_assert_eq(decode_exact(buf, 48 + 28, &p), -EBADMSG);
	/* Longer than the datagram. */
	put_ext(buf + 48, 1, 28);
	buf[51] = 64;
	cr_assert_eq(decode_exact(buf, 48 + 28, &p), -EBADMSG);
	buf[50] = 0xff;
	buf[51] = 0xfc;
	cr_assert_eq(decode_exact(buf, 48 + 28, &p), -EBADMSG);
	/* A good field followed by a trailer that is neither. */
	put_ext(buf + 48, 1, 28);
	memset(buf + 76, 0, 12);
	cr_assert_eq(decode_exact(buf, 48 + 28 + 12, &p), -EBADMSG);
	/* (28 + 8 would be a 36-byte trailer: read as a SHA-256 MAC, as ntpd.) */
	cr_assert_eq(decode_exact(buf, 48 + 28 + 8, &p), 0);
	cr_assert_eq(p.mac_len, 32);
}

Test(packet, output_untouched_on_error)
{
	struct ntp_packet p;

	memset(&p, 0x77, sizeof(p));
	cr_assert_eq(decode_exact(client_req, 47, &p), -EBADMSG);
	cr_assert_eq(p.stratum, 0x77);
}

static uint64_t fuzz_rng = 0x243f6a8885a308d3ull;

static uint32_t fuzz_next(void)
{
	fuzz_rng ^= fuzz_rng << 13;
	fuzz_rng ^= fuzz_rng >> 7;
	fuzz_rng ^= fuzz_rng << 17;
	return (uint32_t)(fuzz_rng >> 16);
}

Test(packet, random_fuzz_never_crashes_or_overreads)
{
	uint8_t base[256];
	struct ntp_packet p;
	size_t n = 48;

	/* A valid seed datagram: header, one extension field, SHA-256 MAC. */
	memcpy(base, server_reply, 48);
	n += put_ext(base + n, 0x0302, 24);
	memset(base + n, 0x11, 36);
	n += 36;
	cr_assert_eq(decode_exact(base, n, &p), 0);

	for (int i = 0; i < 20000; i++) {
		uint8_t buf[256];
		size_t len;

		if (i % 2) {
			/* Mutations of the valid datagram, with a random length. */
			memcpy(buf, base, sizeof(buf));
			for (int k = (int)(fuzz_next() % 6); k >= 0; k--)
				buf[fuzz_next() % n] ^= (uint8_t)(1u << (fuzz_next() % 8));
			len = fuzz_next() % 2 ? n : fuzz_next() % sizeof(buf);
		} else {
			for (size_t k = 0; k < sizeof(buf); k++)
				buf[k] = (uint8_t)fuzz_next();
			len = fuzz_next() % sizeof(buf);
		}
		int r = decode_exact(buf, len, &p);

		cr_assert(r == 0 || r == -EBADMSG);
		if (r == 0) {
			cr_assert_geq(len, 48);
			cr_assert(p.version >= 1 && p.version <= 4);
			cr_assert_leq(p.mac_offset, len);
			if (p.has_mac) {
				cr_assert(p.mac_len == 0 || p.mac_len == 16 || p.mac_len == 32);
				cr_assert_eq(p.mac_offset + 4 + p.mac_len, len);
			}
		}
	}
}

Test(timestamps, short_format)
{
	cr_assert_float_eq(ntp_short_to_d(0x00010000), 1.0, 1e-12);
	cr_assert_float_eq(ntp_short_to_d(0x00008000), 0.5, 1e-12);
	cr_assert_eq(ntp_d_to_short(0.0625), 0x00001000);
	cr_assert_eq(ntp_d_to_short(-1.0), 0);
	cr_assert_eq(ntp_d_to_short(1e9), 0xffffffffu);
	cr_assert_float_eq(ntp_short_to_d(ntp_d_to_short(0.0123)), 0.0123, 2e-5);
}

Test(timestamps, long_format_and_unix_epoch)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 500000000 };

	cr_assert_eq(ntp_ts_from_timespec(&ts), (NTP_UNIX_EPOCH << 32) | 0x80000000u);
	ts.tv_sec = 1700000000;
	ts.tv_nsec = 0;
	cr_assert_eq(ntp_ts_from_timespec(&ts) >> 32, 1700000000ull + NTP_UNIX_EPOCH);
	cr_assert_float_eq(ntp_ts_to_d(0x0000000180000000ull), 1.5, 1e-12);
	cr_assert_eq(ntp_d_to_ts(1.5), 0x0000000180000000ull);
	cr_assert_float_eq(ntp_ts_to_d(ntp_d_to_ts(3900000000.25)), 3900000000.25, 1e-6);
	cr_assert_eq(ntp_d_to_ts(NAN), 0);
}

Test(timestamps, era_safe_difference_and_add)
{
	uint64_t before = 0xffffffff00000000ull;    /* last second of era 0 */
	uint64_t after = 0x0000000100000000ull;     /* second 1 of era 1 */
	struct timespec ts = { .tv_sec = 2085978496 + 5, .tv_nsec = 0 };  /* 2036-02-07 + 5 s */

	cr_assert_float_eq(ntp_ts_diff(after, before), 2.0, 1e-9);
	cr_assert_float_eq(ntp_ts_diff(before, after), -2.0, 1e-9);
	cr_assert_float_eq(ntp_ts_diff(0x100000000ull, 0x80000000ull), 0.5, 1e-12);
	cr_assert_eq(ntp_ts_add(before, 2.0), after);
	cr_assert_eq(ntp_ts_add(after, -2.0), before);
	cr_assert_eq(ntp_ts_add(after, NAN), after);
	/* 2036: era 1 wraps to small seconds, and differences still work. */
	cr_assert_eq(ntp_ts_from_timespec(&ts) >> 32, 5);
	cr_assert_float_eq(ntp_ts_diff(ntp_ts_from_timespec(&ts), before), 6.0, 1e-9);
	cr_assert_float_eq(ntp_ts_diff(ntp_ts_add(0x1234ull << 32, -0.000001), 0x1234ull << 32),
			   -0.000001, 1e-9);
}
