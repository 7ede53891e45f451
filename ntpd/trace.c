/*
 * trace.c: `display ntp-service trace`, the walk from this device toward
 * the primary reference, done by ntpd itself and answered asynchronously.
 *
 * Hop 0 is this device, always named 127.0.0.1 (as the Comware manuals
 * print it, whether the device is its own reference or a client: "server
 * 127.0.0.1,stratum 3, ..." then "server 172.1.2.3,stratum 2, ..."), with
 * its stratum, its system offset and its synchronization distance (root
 * delay / 2 + root dispersion).  Then, like ntptrace, ntpd
 * asks the next server with an ordinary mode 3 request (version 4) from an
 * ephemeral UDP socket bound to the address the association uses, so the
 * answer never touches the associations: the answer gives that server's
 * stratum, root delay and dispersion and its reference id, which names the
 * next server (an IPv4 address; a server synchronized to an IPv6 peer
 * gives a digest instead, which ends the walk with no answer, as with
 * ntptrace) until a server is at stratum 1, shows the
 * local clock ("LOCL" -> LOCAL(0)), or is unsynchronized.  The first remote
 * hop is asked on the system peer's configured port, later hops on our own
 * NTP port (bootstrap ntp.port, 123 on a device).  The socket is of the
 * target's family; when the walk goes from an IPv6 system peer to an IPv4
 * reference id it is reopened on the IPv4 wildcard.  A system peer in a
 * VPN instance is walked in that instance: the socket is made where the
 * instance's sockets are (ntpd/vpn.c), as the later hops, named by
 * reference ids in that instance's address space, are reached from there.
 *
 * Offsets: hop 0 shows the system offset (this device against its
 * reference, as VRP); a remote hop shows the offset of that server's clock
 * measured from here by the request, since a mode 3 answer does not carry
 * the server's own offset (ntptrace asks with mode 6 for it; we answer no
 * mode 6).  With every clock synchronized both are near zero.
 *
 * Bounds: NTPD_TRACE_HOP_S per answer with one resend, NTPD_TRACE_TIMEOUT_S
 * for the whole walk (clid waits 2 s), NTPD_TRACE_HOPS hops, and a server
 * met twice (a timing loop) ends the walk.  What stopped an incomplete walk
 * is said in NtpTrace.stopped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "ntpd.h"

struct ntpd_trace {
	struct ntpd_trace *next;
	struct ntpd *core;
	ntpd_trace_cb cb;
	void *arg;
	NtpReply *reply;
	int fd;
	int fd_family;            /* AF_INET or AF_INET6 */
	char vpn[64];             /* the system peer's VPN instance, "" for none */
	struct naddr target;
	uint16_t port;
	uint64_t xmt;             /* transmit timestamp of the request in flight */
	int tries;
	uint64_t hop_timer, deadline_timer, done_timer;
	struct naddr visited[NTPD_TRACE_HOPS + 2];
	int n_visited;
};

static void addr_txt(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = a };

	if (!inet_ntop(AF_INET, &in, buf, (socklen_t)len))
		snprintf(buf, len, "0.0.0.0");
}

/* A reference id as the last line shows it. */
static void refid_txt(uint32_t refid, int stratum, char *buf, size_t len)
{
	unsigned char b[4];
	size_t n = 0;

	memcpy(b, &refid, 4);
	if (memcmp(b, "LOCL", 4) == 0) {
		snprintf(buf, len, "LOCAL(0)");
		return;
	}
	if (stratum > 1 && stratum < NTP_MAXSTRAT) {
		addr_txt(refid, buf, len);
		return;
	}
	for (int i = 0; i < 4 && b[i] && n + 1 < len; i++)
		buf[n++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
	buf[n] = '\0';
	if (n == 0)
		snprintf(buf, len, "none");
}

static void add_hop(struct ntpd_trace *t, const char *server, int stratum, double offset,
		    double dist, const char *refid)
{
	NtpTrace *tr = t->reply->trace;
	NtpTraceHop *h = xcalloc(1, sizeof(*h));

	ntp_trace_hop__init(h);
	h->server = xstrdup(server);
	h->has_stratum = h->has_offset = h->has_sync_distance = true;
	h->stratum = (uint32_t)stratum;
	h->offset = offset;
	h->sync_distance = dist;
	h->refid_text = xstrdup(refid);
	tr->hop = xrealloc(tr->hop, (tr->n_hop + 1) * sizeof(*tr->hop));
	tr->hop[tr->n_hop++] = h;
}

static void trace_unlink(struct ntpd_trace *t)
{
	struct ntpd *core = t->core;

	for (struct ntpd_trace **pp = &core->traces; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	loop_timer_cancel(core->loop, t->hop_timer);
	loop_timer_cancel(core->loop, t->deadline_timer);
	loop_timer_cancel(core->loop, t->done_timer);
	if (t->fd >= 0) {
		loop_del_fd(core->loop, t->fd);
		close(t->fd);
	}
}

/* End the walk: refid of the last hop (or "") and why it stopped ("" if it
 * is complete). */
static void trace_finish(struct ntpd_trace *t, const char *refid, const char *stopped)
{
	NtpReply *r = t->reply;

	trace_unlink(t);
	r->trace->refid_text = xstrdup(refid);
	r->trace->stopped = xstrdup(stopped);
	t->cb(t->core, r, t->arg);
	free(t);
}

static void send_request(struct ntpd_trace *t);

static void hop_timeout(struct loop *loop, void *arg)
{
	struct ntpd_trace *t = arg;
	char txt[NADDR_STRLEN], why[80];

	t->hop_timer = 0;
	if (t->tries < 2) {
		send_request(t);
		return;
	}
	snprintf(why, sizeof(why), "no answer from %s", naddr_str(&t->target, txt, sizeof(txt)));
	trace_finish(t, "", why);
}

static void deadline(struct loop *loop, void *arg)
{
	struct ntpd_trace *t = arg;

	t->deadline_timer = 0;
	trace_finish(t, "", "timed out");
}

static void send_request(struct ntpd_trace *t)
{
	struct ntpd *core = t->core;
	struct ntp_packet pkt;
	struct sockaddr_storage sa;
	socklen_t salen;
	uint8_t buf[NTP_HEADER_LEN];
	int n;

	memset(&pkt, 0, sizeof(pkt));
	pkt.leap = NTP_LEAP_NOSYNC;
	pkt.version = NTP_VERSION;
	pkt.mode = NTP_MODE_CLIENT;
	pkt.poll = NTP_DEF_MINPOLL;
	pkt.precision = (int8_t)core->sys.precision;
	pkt.xmt = ntp_clock_now(core->clock);
	n = ntp_packet_encode(&pkt, buf, sizeof(buf));
	t->tries++;
	t->xmt = pkt.xmt;
	salen = naddr_to_sockaddr(&t->target, t->port, &sa);
	if (n < 0 || sendto(t->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&sa,
			    salen) < 0)
		log_debug("trace: cannot send: %s", strerror(n < 0 ? -n : errno));
	t->hop_timer = loop_timer_add(core->loop, (uint64_t)(NTPD_TRACE_HOP_S * 1e6), hop_timeout,
				      t);
}

static int open_sock(struct ntpd_trace *t, const struct naddr *src);

/* Ask the next server, or stop. */
static void next_hop(struct ntpd_trace *t, const struct naddr *target, uint16_t port)
{
	for (int i = 0; i < t->n_visited; i++) {
		if (naddr_eq(&t->visited[i], target)) {
			trace_finish(t, "", "timing loop");
			return;
		}
	}
	if (t->reply->trace->n_hop > NTPD_TRACE_HOPS) {
		trace_finish(t, "", "too many hops");
		return;
	}
	if (t->fd >= 0 && t->fd_family != target->family) {
		struct naddr any = naddr_any(target->family);

		loop_del_fd(t->core->loop, t->fd);
		close(t->fd);
		t->fd = -1;
		if (open_sock(t, &any) < 0) {
			trace_finish(t, "", "cannot open a socket");
			return;
		}
	}
	t->visited[t->n_visited++] = *target;
	t->target = *target;
	t->port = port;
	t->tries = 0;
	loop_timer_cancel(t->core->loop, t->hop_timer);
	send_request(t);
}

static void on_answer(struct ntpd_trace *t, const struct ntp_packet *pkt, uint64_t rx_ts)
{
	int stratum = pkt->stratum == 0 || pkt->stratum > NTP_MAXSTRAT ? NTP_MAXSTRAT :
		      pkt->stratum;
	double offset = (ntp_ts_diff(pkt->rec, pkt->org) + ntp_ts_diff(pkt->xmt, rx_ts)) / 2;
	double dist = ntp_short_to_d(pkt->root_delay) / 2 + ntp_short_to_d(pkt->root_disp);
	char server[NADDR_STRLEN], refid[32];
	unsigned char b[4];
	struct naddr next;

	loop_timer_cancel(t->core->loop, t->hop_timer);
	t->hop_timer = 0;
	naddr_str(&t->target, server, sizeof(server));
	refid_txt(pkt->refid, stratum, refid, sizeof(refid));
	add_hop(t, server, stratum, offset, dist, refid);
	memcpy(b, &pkt->refid, 4);
	if (stratum >= NTP_MAXSTRAT) {
		trace_finish(t, refid, "");
		return;
	}
	if (stratum <= 1 || memcmp(b, "LOCL", 4) == 0 || pkt->refid == 0) {
		trace_finish(t, refid, "");
		return;
	}
	next = naddr_v4(pkt->refid);
	next_hop(t, &next, t->core->port);
}

static void trace_rx(struct loop *loop, int fd, short revents, void *arg)
{
	struct ntpd_trace *t = arg;

	for (int i = 0; i < 8; i++) {
		uint8_t buf[NTPD_PKT_MAX];
		struct sockaddr_storage from;
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec))];
			struct cmsghdr align;
		} ctrl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr h = { .msg_name = &from, .msg_namelen = sizeof(from),
				    .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf) };
		struct naddr src;
		struct ntp_packet pkt;
		struct timespec rt;
		uint64_t rx_ts;
		ssize_t n = recvmsg(fd, &h, MSG_DONTWAIT);

		if (n < 0)
			return;
		rx_ts = ntp_clock_now(t->core->clock);
		clock_gettime(CLOCK_REALTIME, &rt);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
				rx_ts = sock_kernel_rx_ts(c, rx_ts, &rt);
		if (naddr_from_sockaddr((struct sockaddr *)&from, h.msg_namelen, &src, NULL) < 0 ||
		    !naddr_eq(&src, &t->target) ||
		    ntp_packet_decode(buf, (size_t)n, &pkt) < 0 || pkt.mode != NTP_MODE_SERVER ||
		    pkt.org != t->xmt || t->xmt == 0)
			continue;   /* not the answer we wait for */
		t->xmt = 0;
		on_answer(t, &pkt, rx_ts);
		return;     /* t may be gone */
	}
}

static void done_now(struct loop *loop, void *arg)
{
	struct ntpd_trace *t = arg;
	struct ntp_system *s = &t->core->sys;

	t->done_timer = 0;
	trace_finish(t, s->synced ? s->refid_text : "none", "");
}

/* The socket, made where the walk's instance makes its sockets
 * (vpn_run): the fd or -errno. */
static int make_sock(void *arg, const char *bind_dev)
{
	const struct naddr *src = arg;
	struct sockaddr_storage sa;
	socklen_t salen = naddr_to_sockaddr(src, 0, &sa);
	int fd, one = 1, r;

	if (!salen)
		return -EAFNOSUPPORT;
	fd = socket(src->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_dev,
				   (socklen_t)strlen(bind_dev)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (src->family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* The kernel's receive time: a busy loop does not skew the offset. */
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0 && !naddr_is_any(src)) {
		/* The source address went away: let the kernel choose. */
		struct naddr any = naddr_any(src->family);

		salen = naddr_to_sockaddr(&any, 0, &sa);
		if (bind(fd, (struct sockaddr *)&sa, salen) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
	}
	return fd;
}

/* An ephemeral socket of src's family, bound to src (a wildcard: any),
 * in the system peer's VPN instance (t->vpn). */
static int open_sock(struct ntpd_trace *t, const struct naddr *src)
{
	struct naddr a = *src;
	int fd = vpn_run(t->core, t->vpn, make_sock, &a), r;

	if (fd < 0)
		return fd;
	r = loop_add_fd(t->core->loop, fd, POLLIN, trace_rx, t);
	if (r < 0) {
		close(fd);
		return r;
	}
	t->fd = fd;
	t->fd_family = src->family;
	return 0;
}

int trace_start(struct ntpd *core, ntpd_trace_cb cb, void *arg)
{
	struct ntp_system *s = &core->sys;
	struct assoc *p = s->synced && !s->on_local ? s->peer : NULL;
	struct ntpd_trace *t;
	double age = ntpd_mono() - s->reftime_mono;
	struct naddr src;
	int r;

	if (!cb)
		return -EINVAL;
	t = xcalloc(1, sizeof(*t));
	t->core = core;
	t->cb = cb;
	t->arg = arg;
	t->fd = -1;
	if (p)
		snprintf(t->vpn, sizeof(t->vpn), "%s", p->opts.vpn);
	t->reply = xcalloc(1, sizeof(*t->reply));
	ntp_reply__init(t->reply);
	t->reply->has_status = true;
	t->reply->trace = xcalloc(1, sizeof(*t->reply->trace));
	ntp_trace__init(t->reply->trace);

	/* Hop 0: this device, by the manuals' name for it. */
	add_hop(t, "127.0.0.1", s->stratum, s->synced ? s->offset : 0,
		s->synced ? s->rootdelay / 2 + s->rootdisp + NTP_PHI * (age > 0 ? age : 0) : 0,
		s->synced ? s->refid_text : "none");
	t->next = core->traces;
	core->traces = t;
	if (!p) {
		t->done_timer = loop_timer_add(core->loop, 0, done_now, t);
		return 0;
	}
	src = naddr_isset(&p->src_addr) ? p->src_addr :
	      p->sock ? p->sock->addr : naddr_any(p->addr.family);
	r = open_sock(t, &src);
	if (r < 0) {
		trace_unlink(t);
		ctl_reply_free(t->reply);
		free(t);
		return r;
	}
	t->deadline_timer = loop_timer_add(core->loop, (uint64_t)(NTPD_TRACE_TIMEOUT_S * 1e6),
					   deadline, t);
	next_hop(t, &p->addr, p->opts.port);
	return 0;
}

void trace_fini(struct ntpd *core)
{
	while (core->traces) {
		struct ntpd_trace *t = core->traces;

		trace_unlink(t);
		ctl_reply_free(t->reply);
		t->cb(core, NULL, t->arg);
		free(t);
	}
}
