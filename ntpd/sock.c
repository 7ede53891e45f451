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
 * core's fixed buffers; the replies to one batch are built in buffers on the
 * stack and leave together with one sendmmsg: nothing is allocated per
 * packet, and a busy server makes two system calls per NTPD_RX_BATCH
 * datagrams (tests/bench/run measures it).
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

struct ntp_sock *sock_attach(struct ntpd *core, int fd, int *err)
{
	struct ntp_sock *s = xcalloc(1, sizeof(*s));
	int r;

	s->core = core;
	s->fd = fd;
	s->used = true;
	r = loop_add_fd(core->loop, fd, POLLIN, sock_rx, s);
	if (r < 0) {
		close(fd);
		free(s);
		*err = r;
		return NULL;
	}
	*err = 0;
	return s;
}

void sock_detach(struct ntp_sock *s)
{
	if (!s)
		return;
	loop_del_fd(s->core->loop, s->fd);
	close(s->fd);
	free(s);
}

/* One outgoing datagram: the message header and what it points to. */
struct tx_msg {
	struct sockaddr_in sa;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} ctrl;
};

/* Fill mh (and t, which it points into) to send buf to addr:port from s;
 * src (if not 0 and the socket is unbound) picks the source address. */
static void tx_prepare(const struct ntp_sock *s, struct msghdr *mh, struct tx_msg *t,
		       const uint8_t *buf, size_t len, uint32_t addr, uint16_t port, uint32_t src)
{
	memset(&t->sa, 0, sizeof(t->sa));
	t->sa.sin_family = AF_INET;
	t->sa.sin_addr.s_addr = addr;
	t->sa.sin_port = htons(port);
	t->iov.iov_base = (void *)buf;
	t->iov.iov_len = len;
	memset(mh, 0, sizeof(*mh));
	mh->msg_name = &t->sa;
	mh->msg_namelen = sizeof(t->sa);
	mh->msg_iov = &t->iov;
	mh->msg_iovlen = 1;
	if (s->addr == 0 && src != 0) {
		struct cmsghdr *c;
		struct in_pktinfo pi;

		memset(&t->ctrl, 0, sizeof(t->ctrl));
		mh->msg_control = t->ctrl.buf;
		mh->msg_controllen = sizeof(t->ctrl.buf);
		c = CMSG_FIRSTHDR(mh);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst.s_addr = src;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
}

/* Count a send failure (logged once per errno change). */
static int tx_failed(struct ntp_sock *s, int e, const struct sockaddr_in *sa)
{
	s->core->stats.send_err++;
	if (e != s->err)
		log_warn("sendto %08x:%u: %s", (unsigned)ntohl(sa->sin_addr.s_addr),
			 ntohs(sa->sin_port), strerror(e));
	s->err = e;
	return -e;
}

int sock_send(struct ntp_sock *s, const uint8_t *buf, size_t len, uint32_t addr,
	      uint16_t port, uint32_t src)
{
	struct tx_msg t;
	struct msghdr mh;

	tx_prepare(s, &mh, &t, buf, len, addr, port, src);
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0)
		return tx_failed(s, errno, &t.sa);
	s->err = 0;
	s->core->stats.sent++;
	return 0;
}

/* Send the n replies prepared in mm with as few sendmmsg calls as the
 * errors allow: a message the kernel refuses is counted and skipped. */
static void tx_flush(struct ntp_sock *s, struct mmsghdr *mm, struct tx_msg *t, int n)
{
	int i = 0;

	while (i < n) {
		int r = sendmmsg(s->fd, mm + i, (unsigned)(n - i), MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			tx_failed(s, errno, &t[i].sa);
			i++;
			continue;
		}
		s->err = 0;
		s->core->stats.sent += (uint64_t)r;
		i += r;
	}
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
	/* Replies of one batch, sent together with sendmmsg. */
	uint8_t txbuf[NTPD_RX_BATCH][NTPD_PKT_MAX];
	struct mmsghdr txmm[NTPD_RX_BATCH];
	struct tx_msg tx[NTPD_RX_BATCH];

	for (int round = 0; round < 16; round++) {
		struct timespec rt;
		uint64_t now_ts;
		int n, ntx = 0;

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
					rx.ifindex = (uint32_t)pi.ipi_ifindex;
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
			len = ntpd_input(core, &rx, txbuf[ntx], sizeof(txbuf[ntx]));
			if (len > 0) {
				tx_prepare(s, &txmm[ntx].msg_hdr, &tx[ntx], txbuf[ntx], (size_t)len,
					   rx.src, rx.src_port, rx.dst);
				ntx++;
			}
		}
		tx_flush(s, txmm, tx, ntx);
		if (n < NTPD_RX_BATCH)
			return;
	}
}
