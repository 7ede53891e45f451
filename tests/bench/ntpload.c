/*
 * ntpload.c: an NTP load generator for server throughput benchmarks.
 *
 *   ntpload -a ADDR -p PORT [-r RATE] [-d SECONDS] [-b BATCH] [-g GRACE]
 *
 * Sends mode 3 (client) requests to ADDR:PORT from one UDP socket, RATE per
 * second (paced in batches of at most BATCH, default 32) or flat out with
 * -r 0, for SECONDS (default 3), with sendmmsg(2); drains the answers with
 * recvmmsg(2) in between and for GRACE seconds (default 0.3) after the last
 * request.  Each request's transmit timestamp is unique (the run's start
 * second in the upper 32 bits, a sequence number in the lower ones), so an
 * answer is matched by its origin timestamp: answers that match no request
 * ("bad") or a request already answered ("dup") are counted apart.
 * Meant to be pinned to a core of its own (taskset) beside the server.
 *
 * Prints one line of key=value pairs:
 *   sent=N answered=N dup=N bad=N duration=S offered=R/s answered_rate=R/s
 *   loss_pct=P lat_p50_us=U lat_p99_us=U leap=L stratum=S
 * offered and answered_rate are per second of the sending phase; leap and
 * stratum are the last answer's (-1: none).  Exit 0,
 * or 1 on a usage or socket error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* sendmmsg, recvmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH   256
#define PKT_LEN     48
#define LAT_BUCKETS 200000      /* 1 us buckets up to 200 ms */
#define NTP_UNIX_EPOCH 2208988800ULL

struct load {
	int fd;
	double rate;              /* requests/s, 0 = flat out */
	double duration, grace;
	int batch;
	uint32_t era_sec;         /* upper half of every transmit timestamp */

	uint64_t sent, answered, dup, bad, send_err;
	int leap, stratum;        /* of the last answer, -1 before any */
	uint64_t cap;             /* entries in send_ns / seen */
	uint64_t *send_ns;        /* monotonic send time per sequence number */
	uint8_t *seen;
	uint32_t *lat;            /* latency histogram, 1 us buckets */

	uint8_t txbuf[MAX_BATCH][PKT_LEN];
	uint8_t rxbuf[MAX_BATCH][128];
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static void grow(struct load *l, uint64_t need)
{
	uint64_t cap = l->cap ? l->cap : 1 << 20;

	while (cap < need)
		cap *= 2;
	if (cap == l->cap)
		return;
	l->send_ns = realloc(l->send_ns, cap * sizeof(*l->send_ns));
	l->seen = realloc(l->seen, cap);
	if (!l->send_ns || !l->seen) {
		fprintf(stderr, "ntpload: out of memory\n");
		exit(1);
	}
	memset(l->seen + l->cap, 0, cap - l->cap);
	l->cap = cap;
}

/* Send up to n requests now: the number sent. */
static int send_batch(struct load *l, int n)
{
	struct mmsghdr mm[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	uint64_t t = now_ns();
	int r;

	if (l->sent + (uint64_t)n > UINT32_MAX)
		n = (int)(UINT32_MAX - l->sent);
	if (n <= 0)
		return 0;
	grow(l, l->sent + (uint64_t)n);
	memset(mm, 0, sizeof(mm[0]) * (size_t)n);
	for (int i = 0; i < n; i++) {
		uint8_t *p = l->txbuf[i];

		memset(p, 0, PKT_LEN);
		p[0] = 0 << 6 | 4 << 3 | 3;   /* LI 0, version 4, mode 3 */
		p[2] = 6;                     /* poll */
		p[3] = (uint8_t)-20;          /* precision */
		put32(p + 40, l->era_sec);
		put32(p + 44, (uint32_t)(l->sent + (uint64_t)i));
		iov[i].iov_base = p;
		iov[i].iov_len = PKT_LEN;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = sendmmsg(l->fd, mm, (unsigned)n, MSG_DONTWAIT);
	if (r < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
		    errno != ECONNREFUSED && errno != EINTR)
			l->send_err++;
		return 0;
	}
	for (int i = 0; i < r; i++)
		l->send_ns[l->sent + (uint64_t)i] = t;
	l->sent += (uint64_t)r;
	return r;
}

/* Drain the socket: the number of datagrams received. */
static int receive(struct load *l)
{
	struct mmsghdr mm[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	int total = 0;

	for (;;) {
		uint64_t t;
		int n;

		memset(mm, 0, sizeof(mm[0]) * (size_t)l->batch);
		for (int i = 0; i < l->batch; i++) {
			iov[i].iov_base = l->rxbuf[i];
			iov[i].iov_len = sizeof(l->rxbuf[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(l->fd, mm, (unsigned)l->batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return total;
		t = now_ns();
		for (int i = 0; i < n; i++) {
			const uint8_t *p = l->rxbuf[i];
			uint32_t seq;
			uint64_t us;

			if (mm[i].msg_len < PKT_LEN || (p[0] & 7) != 4 ||
			    get32(p + 24) != l->era_sec) {
				l->bad++;
				continue;
			}
			seq = get32(p + 28);
			if (seq >= l->sent) {
				l->bad++;
				continue;
			}
			if (l->seen[seq]) {
				l->dup++;
				continue;
			}
			l->seen[seq] = 1;
			l->answered++;
			l->leap = p[0] >> 6;
			l->stratum = p[1];
			us = (t - l->send_ns[seq]) / 1000;
			l->lat[us < LAT_BUCKETS ? us : LAT_BUCKETS - 1]++;
		}
		total += n;
		if (n < l->batch)
			return total;
	}
}

static double percentile(const struct load *l, double q)
{
	uint64_t want = (uint64_t)((double)l->answered * q), acc = 0;

	if (!l->answered)
		return 0;
	for (int i = 0; i < LAT_BUCKETS; i++) {
		acc += l->lat[i];
		if (acc > want)
			return i;
	}
	return LAT_BUCKETS;
}

static int open_socket(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, sz = 16 << 20;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || port <= 0 || port > 65535) {
		fprintf(stderr, "ntpload: bad address %s:%d\n", addr, port);
		return -1;
	}
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("ntpload: socket");
		return -1;
	}
	/* Big buffers so the generator is never where answers are lost
	 * (the FORCE variants need CAP_NET_ADMIN; the plain ones are capped). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ntpload: connect");
		close(fd);
		return -1;
	}
	return fd;
}

static void usage(void)
{
	fprintf(stderr, "usage: ntpload -a ADDR -p PORT [-r RATE (0: flat out)] [-d SECONDS] "
		"[-b BATCH] [-g GRACE]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static struct load l;
	const char *addr = "127.0.0.1";
	int port = 0, c;
	uint64_t start, end, stop, t;
	struct timespec rt;
	double dur;

	l.duration = 3;
	l.leap = l.stratum = -1;
	l.grace = 0.3;
	l.batch = 32;
	while ((c = getopt(argc, argv, "a:p:r:d:b:g:h")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'r': l.rate = atof(optarg); break;
		case 'd': l.duration = atof(optarg); break;
		case 'b': l.batch = atoi(optarg); break;
		case 'g': l.grace = atof(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || l.duration <= 0 || l.rate < 0 || l.batch < 1 || l.batch > MAX_BATCH ||
	    l.grace < 0)
		usage();
	l.fd = open_socket(addr, port);
	if (l.fd < 0)
		return 1;
	l.lat = calloc(LAT_BUCKETS, sizeof(*l.lat));
	if (!l.lat)
		return 1;
	grow(&l, l.rate > 0 ? (uint64_t)(l.rate * l.duration) + MAX_BATCH : 1 << 22);
	clock_gettime(CLOCK_REALTIME, &rt);
	l.era_sec = (uint32_t)((uint64_t)rt.tv_sec + NTP_UNIX_EPOCH);

	start = now_ns();
	end = start + (uint64_t)(l.duration * 1e9);
	while ((t = now_ns()) < end) {
		int want = l.batch;

		if (l.rate > 0) {
			double due = (double)(t - start) / 1e9 * l.rate - (double)l.sent;

			want = due >= l.batch ? l.batch : (int)due;
		}
		if (want > 0)
			send_batch(&l, want);
		receive(&l);
	}
	dur = (double)(now_ns() - start) / 1e9;
	stop = now_ns() + (uint64_t)(l.grace * 1e9);
	while (now_ns() < stop && l.answered + l.bad < l.sent) {
		struct pollfd pfd = { .fd = l.fd, .events = POLLIN };

		if (poll(&pfd, 1, 10) > 0)
			receive(&l);
	}
	printf("sent=%llu answered=%llu dup=%llu bad=%llu send_err=%llu duration=%.3f "
	       "offered=%.0f answered_rate=%.0f loss_pct=%.3f lat_p50_us=%.0f lat_p99_us=%.0f leap=%d stratum=%d\n",
	       (unsigned long long)l.sent, (unsigned long long)l.answered,
	       (unsigned long long)l.dup, (unsigned long long)l.bad,
	       (unsigned long long)l.send_err, dur, (double)l.sent / dur,
	       (double)l.answered / dur,
	       l.sent ? 100.0 * (double)(l.sent - l.answered) / (double)l.sent : 0.0,
	       percentile(&l, 0.5), percentile(&l, 0.99), l.leap, l.stratum);
	close(l.fd);
	free(l.send_ns);
	free(l.seen);
	free(l.lat);
	return 0;
}
