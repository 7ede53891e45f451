/*
 * sock.c: the UDP sockets of ntpd, one per local address, all on port
 * bs.ntp.port (default 123).
 *
 * Reconciliation asks for the sockets it needs (sock_mark_unused, then
 * sock_want for each address, then sock_sweep closes the rest), so a socket
 * whose address did not change is kept across commits.  A socket is IPv4
 * or IPv6 (IPV6_V6ONLY, so the two wildcards live side by side).  Every
 * socket has SO_REUSEADDR (a specific address may be bound beside the
 * wildcard), IP_PKTINFO or IPV6_RECVPKTINFO (the address a datagram was
 * sent to: replies from an unbound socket leave from it, and the loop test
 * needs it) and SO_TIMESTAMPNS (the
 * kernel's receive time, so a busy loop does not add to the measured delay:
 * the receive timestamp is our clock now minus the time the datagram
 * waited).  Sockets are non-blocking and drained with recvmmsg into the
 * core's fixed buffers; the replies to one batch are built in buffers on the
 * stack and leave together with one sendmmsg: nothing is allocated per
 * packet, and a busy server makes two system calls per NTPD_RX_BATCH
 * datagrams (tests/bench/run measures it).
 *
 * Link-local IPv6: addresses carry their interface (naddr.h `scope`), so a
 * socket bound to our link-local address is bound to its interface, and
 * the source of a received datagram names the interface it came in on
 * (sin6_scope_id).  Our address a datagram was sent to takes the pktinfo's
 * ifindex as its scope, and a reply from a wildcard socket gives it back
 * in its own pktinfo: the answer to a client of our link-local address
 * leaves by the interface the request came in on, from that address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
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

int sock_open_fd(const struct naddr *addr, uint16_t port, const char *bind_dev)
{
	struct sockaddr_storage sa;
	socklen_t salen = naddr_to_sockaddr(addr, port, &sa);
	int fd, one = 1;

	if (!salen)
		return -EAFNOSUPPORT;
	fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind_dev && *bind_dev &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_dev, (socklen_t)strlen(bind_dev)) < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		goto fail;
	if (addr->family == AF_INET6 ?
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 :
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0)
		goto fail;
	return fd;
fail:
	{
		int e = -errno;

		close(fd);
		return e;
	}
}

struct ntp_sock *sock_want(struct ntpd *core, const struct naddr *addr, bool serves, int *err)
{
	return sock_want_vpn(core, addr, serves, "", err);
}

struct ntp_sock *sock_want_vpn(struct ntpd *core, const struct naddr *addr, bool serves,
			       const char *vpn, int *err)
{
	struct ntp_sock *s;
	int fd, r;

	*err = 0;
	vpn = vpn ? vpn : "";
	for (int i = 0; i < core->n_socks; i++) {
		s = core->socks[i];
		if (naddr_eq(&s->addr, addr) && strcmp(s->vpn, vpn) == 0) {
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
	fd = vpn[0] ? vpn_sock_open(core, vpn, addr, core->port)
		    : sock_open_fd(addr, core->port, NULL);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->core = core;
	s->fd = fd;
	snprintf(s->vpn, sizeof(s->vpn), "%s", vpn);
	s->addr = *addr;
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
		char txt[NADDR_LOGLEN];

		log_info("listening on %s%s%s:%u%s%s%s", addr->family == AF_INET6 ? "[" : "",
			 naddr_log_str(addr, txt, sizeof(txt)), addr->family == AF_INET6 ? "]" : "",
			 core->port, serves ? " (serving)" : "", vpn[0] ? " in VPN instance " : "",
			 vpn);
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
	if (core->server_sock6 == s)
		core->server_sock6 = NULL;
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
	s->addr = naddr_any(AF_INET);
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
	struct sockaddr_storage sa;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctrl;
};

/* Fill mh (and t, which it points into) to send buf to addr:port from s;
 * src (if set, of the socket's family, and the socket is unbound) picks the
 * source address.  -EAFNOSUPPORT when addr is not of the socket's family. */
static int tx_prepare(const struct ntp_sock *s, struct msghdr *mh, struct tx_msg *t,
		      const uint8_t *buf, size_t len, const struct naddr *addr, uint16_t port,
		      const struct naddr *src)
{
	memset(mh, 0, sizeof(*mh));
	if (addr->family != s->addr.family)
		return -EAFNOSUPPORT;
	mh->msg_name = &t->sa;
	mh->msg_namelen = naddr_to_sockaddr(addr, port, &t->sa);
	t->iov.iov_base = (void *)buf;
	t->iov.iov_len = len;
	mh->msg_iov = &t->iov;
	mh->msg_iovlen = 1;
	if (naddr_is_any(&s->addr) && src && src->family == s->addr.family && !naddr_is_any(src)) {
		struct cmsghdr *c;

		memset(&t->ctrl, 0, sizeof(t->ctrl));
		mh->msg_control = t->ctrl.buf;
		c = (struct cmsghdr *)t->ctrl.buf;
		if (src->family == AF_INET) {
			struct in_pktinfo pi;

			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = src->v4;
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		} else {
			struct in6_pktinfo pi;

			mh->msg_controllen = CMSG_SPACE(sizeof(pi));
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memset(&pi, 0, sizeof(pi));
			pi.ipi6_addr = src->v6;
			pi.ipi6_ifindex = src->scope;
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	return 0;
}

/* Count a send failure to addr:port (logged once per errno change). */
static int tx_failed(struct ntp_sock *s, int e, const struct naddr *addr, uint16_t port)
{
	NTPD_COUNT(s->core, s->addr.family, send_err, 1);
	if (e != s->err) {
		char txt[NADDR_LOGLEN];

		log_warn("sendto %s port %u: %s", naddr_log_str(addr, txt, sizeof(txt)), port,
			 strerror(e));
	}
	s->err = e;
	return -e;
}

int sock_send(struct ntp_sock *s, const uint8_t *buf, size_t len, const struct naddr *addr,
	      uint16_t port, const struct naddr *src)
{
	struct tx_msg t;
	struct msghdr mh;
	int r = tx_prepare(s, &mh, &t, buf, len, addr, port, src);

	if (r < 0)
		return tx_failed(s, -r, addr, port);
	if (sendmsg(s->fd, &mh, MSG_DONTWAIT) < 0)
		return tx_failed(s, errno, addr, port);
	s->err = 0;
	NTPD_COUNT(s->core, s->addr.family, sent, 1);
	return 0;
}

/* Send the n replies prepared in mm with as few sendmmsg calls as the
 * errors allow: a message the kernel refuses is counted and skipped. */
static void tx_flush(struct ntp_sock *s, struct mmsghdr *mm, const struct naddr *to,
		     const uint16_t *port, int n)
{
	int i = 0;

	while (i < n) {
		int r = sendmmsg(s->fd, mm + i, (unsigned)(n - i), MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			tx_failed(s, errno, &to[i], port[i]);
			i++;
			continue;
		}
		s->err = 0;
		NTPD_COUNT(s->core, s->addr.family, sent, (uint64_t)r);
		i += r;
	}
}

uint64_t sock_kernel_rx_ts(const struct cmsghdr *c, uint64_t now_ts, const struct timespec *rt)
{
	struct timespec kt;
	double waited;

	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
		return now_ts;
	memcpy(&kt, CMSG_DATA(c), sizeof(kt));
	waited = (double)(rt->tv_sec - kt.tv_sec) + (rt->tv_nsec - kt.tv_nsec) / 1e9;
	return waited > 0 && waited < 1.0 ? ntp_ts_add(now_ts, -waited) : now_ts;
}

static void sock_rx(struct loop *loop, int fd, short revents, void *arg)
{
	struct ntp_sock *s = arg;
	struct ntpd *core = s->core;
	struct mmsghdr mm[NTPD_RX_BATCH];
	struct iovec iov[NTPD_RX_BATCH];
	struct sockaddr_storage from[NTPD_RX_BATCH];
	union {
		char buf[CTRL_LEN];
		struct cmsghdr align;
	} ctrl[NTPD_RX_BATCH];
	/* Replies of one batch, sent together with sendmmsg. */
	uint8_t txbuf[NTPD_RX_BATCH][NTPD_PKT_MAX];
	struct mmsghdr txmm[NTPD_RX_BATCH];
	struct tx_msg tx[NTPD_RX_BATCH];
	struct naddr tx_to[NTPD_RX_BATCH];
	uint16_t tx_port[NTPD_RX_BATCH];

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
			if (naddr_from_sockaddr((struct sockaddr *)&from[i], h->msg_namelen,
						&rx.src, &rx.src_port) < 0) {
				NTPD_COUNT(core, s->addr.family, received, 1);
				NTPD_COUNT(core, s->addr.family, drop[NTPD_DROP_MALFORMED], 1);
				continue;
			}
			rx.dst = s->addr;
			rx.ts = now_ts;
			rx.sock = s;
			rx.serving = s->serves || core->server_any;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					rx.dst = naddr_v4(pi.ipi_addr.s_addr);
					rx.ifindex = (uint32_t)pi.ipi_ifindex;
				} else if (c->cmsg_level == IPPROTO_IPV6 &&
					   c->cmsg_type == IPV6_PKTINFO) {
					struct in6_pktinfo pi;

					memcpy(&pi, CMSG_DATA(c), sizeof(pi));
					rx.dst.family = AF_INET6;
					rx.dst.v6 = pi.ipi6_addr;
					rx.dst = naddr_scoped(&rx.dst, (uint32_t)pi.ipi6_ifindex);
					rx.ifindex = (uint32_t)pi.ipi6_ifindex;
				} else if (c->cmsg_level == SOL_SOCKET &&
					   c->cmsg_type == SCM_TIMESTAMPNS) {
					rx.ts = sock_kernel_rx_ts(c, now_ts, &rt);
				}
			}
			if (h->msg_flags & MSG_TRUNC) {
				NTPD_COUNT(core, s->addr.family, received, 1);
				NTPD_COUNT(core, s->addr.family, drop[NTPD_DROP_TRUNCATED], 1);
				continue;
			}
			len = ntpd_input(core, &rx, txbuf[ntx], sizeof(txbuf[ntx]));
			if (len > 0 && tx_prepare(s, &txmm[ntx].msg_hdr, &tx[ntx], txbuf[ntx],
						  (size_t)len, &rx.src, rx.src_port, &rx.dst) == 0) {
				tx_to[ntx] = rx.src;
				tx_port[ntx] = rx.src_port;
				ntx++;
			}
		}
		tx_flush(s, txmm, tx_to, tx_port, ntx);
		if (n < NTPD_RX_BATCH)
			return;
	}
}
