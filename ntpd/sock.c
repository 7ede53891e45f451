/*
 * sock.c: the UDP sockets of ntpd, one per local address, all on port
 * bs.ntp.port (default 123).
 *
 * Reconciliation asks for the sockets it needs (sock_mark_unused, then
 * sock_want for each address, then sock_sweep closes the rest), so a socket
 * whose address did not change is kept across commits.  Every socket has
 * SO_REUSEADDR (a specific address may be bound beside INADDR_ANY),
 * IP_PKTINFO (the address a datagram was sent to: replies from an unbound
 * socket leave from it, and the loop test needs it) and SO_TIMESTAMPNS (the
 * kernel's receive time, so a busy loop does not add to the measured delay:
 * the receive timestamp is our clock now minus the time the datagram
 * waited).  Sockets are non-blocking and drained with recvmmsg into the
 * core's fixed buffers: nothing is allocated per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>

#include "log.h"
#include "loop.h"
#include "ntpd.h"

#define CTRL_LEN 256

static void sock_rx(struct loop *loop, int fd, short revents, void *arg);

void sock_mark_unused(struct ntpd *core)
{
	for (int i = 0; i < core->n_socks; i++)
		core->socks[i]->used = false;
}

static int sock_open(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = addr;
	sa.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	return fd;
fail:
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

struct ntp_sock *sock_want(struct ntpd *core, uint32_t addr, bool serves, int *err)
{
	struct ntp_sock *s;
	int fd, r;

	*err = 0;
	for (int i = 0; i < core->n_socks; i++) {
		s = core->socks[i];
		if (s->addr == addr) {
			if (!s->used)
				s->serves = serves;
			else
				s->serves = s->serves || serves;
			s->used = true;
			return s;
		}
	}
	if (core->n_socks == NTPD_MAX_SOCKS) {
		*err = -EMFILE;
		return NULL;
	}
	fd = sock_open(addr, core->port);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->core = core;
	s->fd = fd;
	s->addr = addr;
	s->serves = serves;
	s->used = true;
	r = loop_add_fd(core->loop, fd, POLLIN, sock_rx, s);
	if (r < 0) {
		close(fd);
		free(s);
		*err = r;
		return NULL;
	}
	core->socks[core->n_socks++] = s;
	{
		struct in_addr a = { .s_addr = addr };
		char txt[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, txt, sizeof(txt));
		log_info("listening on %s:%u%s", txt, core->port, serves ? " (serving)" : "");
	}
	return s;
}

static void sock_close(struct ntpd *core, struct ntp_sock *s)
{
	loop_del_fd(core->loop, s->fd);
	close(s->fd);
	for (struct assoc *p = core->assocs; p; p = p->next)
		if (p->sock == s)
			p->sock = NULL;
	if (core->server_sock == s)
		core->server_sock = NULL;
	free(s);
}

void sock_sweep(struct ntpd *core)
{
	int j = 0;

	for (int i = 0; i < core->n_socks; i++) {
		if (core->socks[i]->used)
			core->socks[j++] = core->socks[i];
		else
			sock_close(core, core->socks[i]);
	}
	core->n_socks = j;
}

void sock_close_all(struct ntpd *core)
{
	sock_mark_unused(core);
	sock_sweep(core);
}

int sock_send(struct ntp_sock *s, const uint8_t *buf, size_t len, uint32_t addr,
	      uint16_t port, uint32_t src)
{
	struct sockaddr_in sa;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctrl;
	ssize_t n;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = addr;
	sa.sin_port = htons(port);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (s->addr == 0 && src != 0) {
		struct cmsghdr *c;
		struct in_pktinfo pi;

		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = sizeof(ctrl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst.s_addr = src;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	n = sendmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		int e = errno;

		s->core->stats.send_err++;
		if (e != s->err)
			log_warn("sendto %08x:%u: %s", (unsigned)ntohl(addr), port, strerror(e));
		s->err = e;
		return -e;
	}
	s->err = 0;
	s->core->stats.sent++;
	return 0;
}

static void sock_rx(struct loop *loop, int fd, short revents, void *arg)
{
	struct ntp_sock *s = arg;
	struct ntpd *core = s->core;
	struct mmsghdr mm[NTPD_RX_BATCH];
	struct iovec iov[NTPD_RX_BATCH];
	struct sockaddr_in from[NTPD_RX_BATCH];
	union {
		char buf[CTRL_LEN];
		struct cmsghdr align;
	} ctrl[NTPD_RX_BATCH];

	for (int round = 0; round < 16; round++) {
		struct timespec rt;
		uint64_t now_ts;
		int n;

		memset(mm, 0, sizeof(mm));
		for (int i = 0; i < NTPD_RX_BATCH; i++) {
			iov[i].iov_base = core->rxbuf[i];
			iov[i].iov_len = sizeof(core->rxbuf[i]);
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_control = ctrl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctrl[i].buf);
		}
		n = recvmmsg(fd, mm, NTPD_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug("recvmmsg: %s", strerror(errno));
			return;
		}
		now_ts = ntp_clock_now(core->clock);
		clock_gettime(CLOCK_REALTIME, &rt);
		for (int i = 0; i < n; i++) {
			struct msghdr *h = &mm[i].msg_hdr;
			struct ntpd_rx rx;
			int len;

			memset(&rx, 0, sizeof(rx));
			rx.buf = core->rxbuf[i];
			rx.len = mm[i].msg_len;
			rx.src = from[i].sin_addr.s_addr;
			rx.src_port = ntohs(from[i].sin_port);
			rx.dst = s->addr;
			rx.ts = now_ts;
			rx.sock = s;
			rx.serving = s->serves || core->server_any;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					rx.dst = pi.ipi_addr.s_addr;
				} else if (c->cmsg_level == SOL_SOCKET &&
					   c->cmsg_type == SCM_TIMESTAMPNS) {
					struct timespec kt;
					double waited;

					memcpy(&kt, CMSG_DATA(c), sizeof(kt));
					waited = (double)(rt.tv_sec - kt.tv_sec) +
						 (rt.tv_nsec - kt.tv_nsec) / 1e9;
					if (waited > 0 && waited < 1.0)
						rx.ts = ntp_ts_add(now_ts, -waited);
				}
			}
			if (h->msg_flags & MSG_TRUNC) {
				core->stats.received++;
				core->stats.drop[NTPD_DROP_TRUNCATED]++;
				continue;
			}
			len = ntpd_input(core, &rx, core->txbuf, sizeof(core->txbuf));
			if (len > 0)
				sock_send(s, core->txbuf, (size_t)len, rx.src, rx.src_port, rx.dst);
		}
		if (n < NTPD_RX_BATCH)
			return;
	}
}
