/*
 * mkcorpus.c: write the seed corpus of the ntpd fuzzer into a directory:
 * valid datagrams of every mode (0..7), versions 1..4, without a MAC, with a
 * crypto-NAK (4 bytes), a 20-byte (MD5, key 1) and a 36-byte (SHA-256 size,
 * key 2) MAC trailer, requests with the unreliable key 3 and an unknown key
 * 9, with an extension field, kiss-o'-death answers, and a truncated header.
 *
 *   mkcorpus DIR      (tests/fuzz/corpus is its output, kept in the tree)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ntp.h"

static int write_file(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return -EIO;
	}
	return fclose(f) == 0 ? 0 : -EIO;
}

static void base_packet(struct ntp_packet *p, unsigned mode, unsigned version)
{
	memset(p, 0, sizeof(*p));
	p->leap = NTP_LEAP_NONE;
	p->version = (uint8_t)version;
	p->mode = (uint8_t)mode;
	p->stratum = mode == NTP_MODE_CLIENT ? 0 : 2;
	p->poll = 6;
	p->precision = -20;
	p->root_delay = ntp_d_to_short(0.002);
	p->root_disp = ntp_d_to_short(0.003);
	memcpy(&p->refid, "\x0a\x00\x01\x1f", 4);
	p->reftime = ntp_d_to_ts(3.9e9);
	p->org = mode == NTP_MODE_CLIENT ? 0 : ntp_d_to_ts(3.9e9 + 10);
	p->rec = mode == NTP_MODE_CLIENT ? 0 : ntp_d_to_ts(3.9e9 + 10.0001);
	p->xmt = ntp_d_to_ts(3.9e9 + 10.0002);
}

int main(int argc, char **argv)
{
	static const size_t macs[] = { 0, 4, 20, 36 };
	uint8_t buf[NTP_HEADER_LEN + 64];
	struct ntp_packet p;
	char name[64];
	int len, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mkcorpus DIR\n");
		return 2;
	}
	for (unsigned mode = 0; mode <= 7; mode++) {
		for (unsigned v = 3; v <= 4; v++) {
			for (size_t m = 0; m < sizeof(macs) / sizeof(macs[0]); m++) {
				base_packet(&p, mode, v);
				len = ntp_packet_encode(&p, buf, sizeof(buf));
				if (len < 0)
					return 1;
				if (macs[m]) {
					/* key id 1 (md5) or 2 (hmac-sha256) as in
					 * harness.h, then a digest of 0x5a bytes
					 * (the harness fixes it in half its runs) */
					memcpy(buf + len, macs[m] == 36 ? "\x00\x00\x00\x02" :
					       "\x00\x00\x00\x01", 4);
					memset(buf + len + 4, 0x5a, macs[m] - 4);
					len += (int)macs[m];
				}
				snprintf(name, sizeof(name), "mode%u-v%u-mac%zu", mode, v, macs[m]);
				bad |= write_file(argv[1], name, buf, (size_t)len);
			}
		}
	}
	/* version 1 and 2 requests */
	for (unsigned v = 1; v <= 2; v++) {
		base_packet(&p, NTP_MODE_CLIENT, v);
		len = ntp_packet_encode(&p, buf, sizeof(buf));
		snprintf(name, sizeof(name), "mode3-v%u", v);
		bad |= write_file(argv[1], name, buf, (size_t)len);
	}
	/* a request with the unreliable key 3 and one with an unknown key 9 */
	base_packet(&p, NTP_MODE_CLIENT, 4);
	len = ntp_packet_encode(&p, buf, sizeof(buf));
	memcpy(buf + len, "\x00\x00\x00\x03", 4);
	memset(buf + len + 4, 0x11, 16);
	bad |= write_file(argv[1], "mode3-v4-mac20-key3", buf, (size_t)len + 20);
	memcpy(buf + len, "\x00\x00\x00\x09", 4);
	bad |= write_file(argv[1], "mode3-v4-mac20-key9", buf, (size_t)len + 20);
	/* kiss-o'-death RATE and DENY answers */
	base_packet(&p, NTP_MODE_SERVER, 4);
	p.leap = NTP_LEAP_NOSYNC;
	p.stratum = 0;
	memcpy(&p.refid, "RATE", 4);
	len = ntp_packet_encode(&p, buf, sizeof(buf));
	bad |= write_file(argv[1], "mode4-kod-rate", buf, (size_t)len);
	memcpy(buf + 12, "DENY", 4);
	bad |= write_file(argv[1], "mode4-kod-deny", buf, (size_t)len);
	/* an RFC 7822 extension field (type 0x0104, 16 bytes) then a MAC */
	base_packet(&p, NTP_MODE_SERVER, 4);
	len = ntp_packet_encode(&p, buf, sizeof(buf));
	memcpy(buf + len, "\x01\x04\x00\x10", 4);
	memset(buf + len + 4, 0, 12);
	len += 16;
	memcpy(buf + len, "\x00\x00\x00\x02", 4);
	memset(buf + len + 4, 0xa5, 16);
	len += 20;
	bad |= write_file(argv[1], "mode4-ext-mac20", buf, (size_t)len);
	/* a truncated header */
	base_packet(&p, NTP_MODE_CLIENT, 4);
	len = ntp_packet_encode(&p, buf, sizeof(buf));
	bad |= write_file(argv[1], "mode3-short", buf, NTP_HEADER_LEN - 1);
	return bad ? 1 : 0;
}
