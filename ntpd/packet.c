/*
 * packet.c: the NTP wire codec (RFC 5905 section 7.3) and timestamp helpers.
 *
 * A datagram is the 48-byte header, then zero or more RFC 7822 extension
 * fields (16-bit type, 16-bit length >= 16 and a multiple of 4, value), then
 * an optional MAC: a 32-bit key id followed by 0 (crypto-NAK), 16 (MD5) or
 * 32 (SHA-256 / HMAC-SHA256) digest bytes.  Like ntpd, a trailer of exactly
 * 4, 20 or 36 bytes is read as the MAC and anything longer as an extension
 * field; every other length is refused.  The decoder checks each length
 * against what is left before reading and never looks past `len`.
 *
 * Timestamps are 32.32 fixed point seconds since 1900 in era 0; differences
 * are taken in two's complement so they stay right across an era boundary
 * (2036) as long as the two instants are less than 68 years apart.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "ntp.h"

#define TWO32 4294967296.0

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static bool is_mac_len(size_t n)
{
	return n == 4 || n == 4 + 16 || n == 4 + 32;
}

int ntp_packet_decode(const uint8_t *buf, size_t len, struct ntp_packet *out)
{
	struct ntp_packet p;
	size_t pos;

	if (!buf || len < NTP_HEADER_LEN)
		return -EBADMSG;
	memset(&p, 0, sizeof(p));
	p.leap = buf[0] >> 6;
	p.version = (buf[0] >> 3) & 7;
	p.mode = buf[0] & 7;
	if (p.version == 0 || p.version > NTP_VERSION)
		return -EBADMSG;
	p.stratum = buf[1];
	p.poll = (int8_t)buf[2];
	p.precision = (int8_t)buf[3];
	p.root_delay = get32(buf + 4);
	p.root_disp = get32(buf + 8);
	memcpy(&p.refid, buf + 12, 4);
	p.reftime = get64(buf + 16);
	p.org = get64(buf + 24);
	p.rec = get64(buf + 32);
	p.xmt = get64(buf + 40);

	pos = NTP_HEADER_LEN;
	while (pos < len) {
		size_t rem = len - pos, elen;

		if (is_mac_len(rem)) {
			p.has_mac = true;
			p.mac_offset = pos;
			p.keyid = get32(buf + pos);
			p.mac_len = rem - 4;
			memcpy(p.mac, buf + pos + 4, p.mac_len);
			pos = len;
			break;
		}
		if (rem < 16)
			return -EBADMSG;
		elen = (size_t)buf[pos + 2] << 8 | buf[pos + 3];
		if (elen < 16 || elen % 4 != 0 || elen > rem)
			return -EBADMSG;
		pos += elen;
	}
	if (!p.has_mac)
		p.mac_offset = len;
	*out = p;
	return 0;
}

int ntp_packet_encode(const struct ntp_packet *p, uint8_t *buf, size_t len)
{
	size_t need = NTP_HEADER_LEN;

	if (p->has_mac) {
		if (p->mac_len != 0 && p->mac_len != 16 && p->mac_len != 32)
			return -EINVAL;
		need += 4 + p->mac_len;
	}
	if (len < need)
		return -ENOBUFS;
	buf[0] = (uint8_t)((p->leap & 3) << 6 | (p->version & 7) << 3 | (p->mode & 7));
	buf[1] = p->stratum;
	buf[2] = (uint8_t)p->poll;
	buf[3] = (uint8_t)p->precision;
	put32(buf + 4, p->root_delay);
	put32(buf + 8, p->root_disp);
	memcpy(buf + 12, &p->refid, 4);
	put64(buf + 16, p->reftime);
	put64(buf + 24, p->org);
	put64(buf + 32, p->rec);
	put64(buf + 40, p->xmt);
	if (p->has_mac) {
		put32(buf + NTP_HEADER_LEN, p->keyid);
		memcpy(buf + NTP_HEADER_LEN + 4, p->mac, p->mac_len);
	}
	return (int)need;
}

double ntp_short_to_d(uint32_t s)
{
	return s / 65536.0;
}

/* Root delay and dispersion are unsigned 16.16: negative values clamp to 0
 * and values past the format saturate. */
uint32_t ntp_d_to_short(double d)
{
	if (!(d > 0))
		return 0;
	if (d >= 65535.0)
		return 0xffffffffu;
	return (uint32_t)llround(d * 65536.0);
}

double ntp_ts_to_d(uint64_t ts)
{
	return (double)(ts >> 32) + (double)(ts & 0xffffffffu) / TWO32;
}

uint64_t ntp_d_to_ts(double d)
{
	double sec;
	uint64_t frac;

	if (!(fabs(d) < 9.2e18))          /* NaN or beyond int64: no time */
		return 0;
	sec = floor(d);
	frac = (uint64_t)((d - sec) * TWO32);
	if (frac > 0xffffffffu)
		frac = 0xffffffffu;
	/* Seconds past 2^32 wrap into the era, as on the wire. */
	return ((uint64_t)(int64_t)sec << 32) + frac;
}

double ntp_ts_diff(uint64_t a, uint64_t b)
{
	return (double)(int64_t)(a - b) / TWO32;
}

uint64_t ntp_ts_from_timespec(const struct timespec *ts)
{
	uint64_t sec = (uint64_t)(int64_t)ts->tv_sec + NTP_UNIX_EPOCH;
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000u;

	return (sec << 32) + frac;
}

uint64_t ntp_ts_add(uint64_t ts, double d)
{
	double f = d * TWO32;

	if (isnan(f))
		return ts;
	/* Beyond +-2^62 fixed-point units (34 years) the addition is meaningless;
	 * clamp instead of converting out of range. */
	if (f > 4.6e18)
		f = 4.6e18;
	else if (f < -4.6e18)
		f = -4.6e18;
	return ts + (uint64_t)(int64_t)llround(f);
}
