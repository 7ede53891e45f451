/*
 * probe.c: `ping` and `tracert` on ifmgrd's loop (see probe.h).
 *
 * One struct probe per run: its socket (a loop fd while the run lasts),
 * one timer (the outstanding probe's timeout, or the pause before the next
 * echo request), the events so far and the counts.  Replies are matched to
 * the one outstanding probe (ping: the echo sequence, and the identifier
 * on a raw socket; tracert: the destination port the ICMP error quotes),
 * so a reply that comes after its timeout is dropped as VRP drops it.
 * Every datagram read is length-checked before use.  `-vpn-instance`: the
 * socket is opened inside the instance's namespace (netns_run, a
 * short-lived thread) or bound to its VRF device, as ntpd opens its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include "log.h"
#include "loop.h"
#include "named_netns.h"
#include "probe.h"

#define TRACERT_PORT   33434
#define TRACERT_DATA   12       /* 20 + 8 + 12 = VRP's "packet length: 40" */

struct pev {
	uint32_t seq, probe;
	bool timeout;
	char from[INET6_ADDRSTRLEN];
	uint32_t bytes, ttl, rtt_us;
	char unreach[4];
};

struct probe_wait {
	probe_wake_fn wake;
	void *arg;
	uint32_t next;
	uint64_t timer;
};

struct probe {
	struct probe *next;
	struct probe_engine *pe;
	uint64_t id;
	bool tracert, v6, raw, done;
	int fd;
	struct sockaddr_storage dst;
	socklen_t dstlen;
	char addr[INET6_ADDRSTRLEN];
	uint32_t count, size, timeout_ms, first_ttl, max_ttl, nprobes;
	uint16_t ident;             /* raw sockets: our echo identifier */
	uint32_t seq;               /* ping: the outstanding echo's; tracert: the TTL */
	uint32_t k;                 /* tracert: the probe within the hop */
	bool outstanding;
	bool hop_stop;              /* tracert: an unreachable ended the trace */
	uint64_t sent_us;
	uint64_t timer;
	uint64_t abandon_timer;
	struct pev *ev;
	size_t n_ev, cap_ev;
	uint32_t sent, received, rtt_min, rtt_max;
	uint64_t rtt_sum;
	bool reached;
	struct probe_wait wait;     /* a poll waiting, wake == NULL: none */
};

/* A wake-up on its way: run from the loop, never from inside the probe
 * code, so a waiter that asks for the status (and so may free a probe
 * that ended) never pulls the probe from under a caller. */
struct pending_wake {
	struct pending_wake *next;
	struct probe_engine *pe;
	probe_wake_fn fn;
	void *arg;
	uint64_t timer;
};

struct probe_engine {
	struct loop *loop;
	struct probe *list;
	uint64_t next_id;
	size_t n;
	struct pending_wake *wakes;
};

static void send_next(struct probe *p);
static void on_abandon(struct loop *loop, void *arg);

/* ---- bookkeeping ---- */

static struct probe *find(struct probe_engine *pe, uint64_t id)
{
	for (struct probe *p = pe->list; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void pending_unlink(struct pending_wake *pw)
{
	for (struct pending_wake **pp = &pw->pe->wakes; *pp; pp = &(*pp)->next) {
		if (*pp == pw) {
			*pp = pw->next;
			return;
		}
	}
}

static void run_wake(struct loop *loop, void *arg)
{
	struct pending_wake *pw = arg;

	pending_unlink(pw);
	pw->fn(pw->arg);
	free(pw);
}

static void wake(struct probe *p)
{
	struct probe_wait w = p->wait;
	struct pending_wake *pw;

	if (!w.wake)
		return;
	memset(&p->wait, 0, sizeof(p->wait));
	if (w.timer)
		loop_timer_cancel(p->pe->loop, w.timer);
	pw = xcalloc(1, sizeof(*pw));
	pw->pe = p->pe;
	pw->fn = w.wake;
	pw->arg = w.arg;
	pw->next = p->pe->wakes;
	p->pe->wakes = pw;
	pw->timer = loop_timer_add(p->pe->loop, 0, run_wake, pw);
}

static void close_socket(struct probe *p)
{
	if (p->fd >= 0) {
		loop_del_fd(p->pe->loop, p->fd);
		close(p->fd);
		p->fd = -1;
	}
	if (p->timer) {
		loop_timer_cancel(p->pe->loop, p->timer);
		p->timer = 0;
	}
}

static void forget(struct probe *p)
{
	struct probe_engine *pe = p->pe;

	for (struct probe **pp = &pe->list; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	pe->n--;
	close_socket(p);
	if (p->abandon_timer)
		loop_timer_cancel(pe->loop, p->abandon_timer);
	wake(p);   /* the poll learns the probe is gone (-ENOENT) */
	free(p->ev);
	free(p);
}

static void finish(struct probe *p)
{
	p->done = true;
	p->outstanding = false;
	close_socket(p);
	wake(p);
}

static struct pev *add_event(struct probe *p)
{
	if (p->n_ev == p->cap_ev) {
		p->cap_ev = p->cap_ev ? 2 * p->cap_ev : 16;
		p->ev = xrealloc(p->ev, p->cap_ev * sizeof(*p->ev));
	}
	memset(&p->ev[p->n_ev], 0, sizeof(p->ev[0]));
	return &p->ev[p->n_ev++];
}

/* The outstanding probe's outcome is in: show it, then go on. */
static void probe_done(struct probe *p, struct pev *e, bool answered)
{
	p->outstanding = false;
	if (p->timer) {
		loop_timer_cancel(p->pe->loop, p->timer);
		p->timer = 0;
	}
	if (answered) {
		p->received++;
		if (p->received == 1 || e->rtt_us < p->rtt_min)
			p->rtt_min = e->rtt_us;
		if (e->rtt_us > p->rtt_max)
			p->rtt_max = e->rtt_us;
		p->rtt_sum += e->rtt_us;
	}
	wake(p);
	send_next(p);
}

/* ---- ping ---- */

static uint16_t inet_cksum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int send_echo(struct probe *p)
{
	size_t len = 8 + p->size;
	uint8_t *buf = xcalloc(1, len);
	ssize_t n;

	buf[0] = p->v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
	buf[1] = 0;
	if (p->raw) {
		buf[4] = (uint8_t)(p->ident >> 8);
		buf[5] = (uint8_t)p->ident;
	}
	buf[6] = (uint8_t)(p->seq >> 8);
	buf[7] = (uint8_t)p->seq;
	for (size_t i = 8; i < len; i++)
		buf[i] = (uint8_t)(i - 8);
	/* A raw IPv4 socket sends the checksum we give; the kernel computes
	 * ICMPv6's and the datagram sockets' own. */
	if (p->raw && !p->v6) {
		uint16_t c = inet_cksum(buf, len);

		memcpy(buf + 2, &c, 2);
	}
	n = sendto(p->fd, buf, len, 0, (struct sockaddr *)&p->dst, p->dstlen);
	free(buf);
	return n < 0 ? -errno : 0;
}

static void on_ping_input(struct probe *p)
{
	uint8_t buf[9700], cbuf[256];
	struct sockaddr_storage from;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(p->fd, &m, MSG_DONTWAIT);
		const uint8_t *icmp = buf;
		size_t len;
		int ttl = -1;
		struct pev *e;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			/* An ICMP error reported on the socket (host unreachable):
			 * reading it cleared it; the probe times out. */
			continue;
		}
		len = (size_t)n;
		if (p->raw && !p->v6) {
			size_t ihl;

			if (len < 20)
				continue;
			ihl = (size_t)(buf[0] & 0x0f) * 4;
			if (ihl < 20 || len < ihl)
				continue;
			ttl = buf[8];
			icmp = buf + ihl;
			len -= ihl;
		}
		if (len < 8)
			continue;
		if (icmp[0] != (p->v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) || icmp[1] != 0)
			continue;
		if (p->raw && ((uint16_t)(icmp[4] << 8 | icmp[5])) != p->ident)
			continue;
		if (!p->outstanding || ((uint16_t)(icmp[6] << 8 | icmp[7])) != (uint16_t)p->seq)
			continue;   /* late: its probe timed out already */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_len < CMSG_LEN(sizeof(int)))
				continue;
			if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
		}
		e = add_event(p);
		e->seq = p->seq;
		e->bytes = (uint32_t)(len - 8);
		e->ttl = ttl >= 0 ? (uint32_t)ttl : 0;
		e->rtt_us = (uint32_t)(loop_now_us() - p->sent_us);
		if (from.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, e->from,
				  sizeof(e->from));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, e->from,
				  sizeof(e->from));
		probe_done(p, e, true);
		if (p->fd < 0)
			return;   /* that was the last one */
	}
}

/* ---- tracert ---- */

static uint16_t tracert_port(const struct probe *p)
{
	return (uint16_t)(TRACERT_PORT + (p->seq - 1) * p->nprobes + p->k);
}

static int send_udp(struct probe *p)
{
	static const uint8_t data[TRACERT_DATA];
	int ttl = (int)p->seq;
	struct sockaddr_storage to = p->dst;
	ssize_t n;

	if (setsockopt(p->fd, p->v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       p->v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl, sizeof(ttl)) < 0)
		return -errno;
	if (p->v6)
		((struct sockaddr_in6 *)&to)->sin6_port = htons(tracert_port(p));
	else
		((struct sockaddr_in *)&to)->sin_port = htons(tracert_port(p));
	n = sendto(p->fd, data, sizeof(data), 0, (struct sockaddr *)&to, p->dstlen);
	return n < 0 ? -errno : 0;
}

static const char *unreach_mark(bool v6, uint8_t type, uint8_t code, bool *port)
{
	*port = false;
	if (!v6 && type == ICMP_DEST_UNREACH) {
		switch (code) {
		case ICMP_PORT_UNREACH: *port = true; return "";
		case ICMP_HOST_UNREACH: return "!H";
		case ICMP_NET_UNREACH: return "!N";
		case ICMP_PROT_UNREACH: return "!P";
		case ICMP_PKT_FILTERED: return "!A";
		default: return "!";
		}
	}
	if (v6 && type == ICMP6_DST_UNREACH) {
		switch (code) {
		case ICMP6_DST_UNREACH_NOPORT: *port = true; return "";
		case ICMP6_DST_UNREACH_ADDR: return "!H";
		case ICMP6_DST_UNREACH_NOROUTE: return "!N";
		case ICMP6_DST_UNREACH_ADMIN: return "!A";
		default: return "!";
		}
	}
	return NULL;   /* not an unreachable: time exceeded or other */
}

static void on_tracert_errqueue(struct probe *p)
{
	uint8_t buf[512], cbuf[512];
	struct sockaddr_storage orig;

	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_name = &orig, .msg_namelen = sizeof(orig), .msg_iov = &iov,
				    .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(p->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
		const struct sock_extended_err *ee = NULL;
		uint16_t port;
		bool is_port = false;
		const char *mark;
		struct pev *e;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;   /* EAGAIN: drained */
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			     (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
			    c->cmsg_len >= CMSG_LEN(sizeof(*ee) + sizeof(struct sockaddr_in)))
				ee = (const struct sock_extended_err *)CMSG_DATA(c);
		}
		if (!ee || (ee->ee_origin != SO_EE_ORIGIN_ICMP && ee->ee_origin != SO_EE_ORIGIN_ICMP6))
			continue;
		if (m.msg_namelen < (p->v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)))
			continue;
		port = ntohs(p->v6 ? ((struct sockaddr_in6 *)&orig)->sin6_port
			     : ((struct sockaddr_in *)&orig)->sin_port);
		if (!p->outstanding || port != tracert_port(p))
			continue;   /* an earlier probe's, after its timeout */
		mark = unreach_mark(p->v6, ee->ee_type, ee->ee_code, &is_port);
		e = add_event(p);
		e->seq = p->seq;
		e->probe = p->k;
		e->rtt_us = (uint32_t)(loop_now_us() - p->sent_us);
		{
			const struct sockaddr *off = SO_EE_OFFENDER(ee);

			if (off->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)off)->sin6_addr,
					  e->from, sizeof(e->from));
			else if (off->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)off)->sin_addr,
					  e->from, sizeof(e->from));
		}
		if (is_port)
			p->reached = true;
		else if (mark) {
			snprintf(e->unreach, sizeof(e->unreach), "%s", mark);
			p->hop_stop = true;
		}
		probe_done(p, e, true);
		if (p->fd < 0)
			return;
	}
}

/* ---- the sequence ---- */

static void on_fd(struct loop *loop, int fd, short revents, void *arg)
{
	struct probe *p = arg;

	if (p->tracert) {
		/* A UDP reply (something listens on the port) reached the target too. */
		if (revents & POLLIN) {
			uint8_t b[64];

			while (recv(p->fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
				;
		}
		on_tracert_errqueue(p);
	} else {
		on_ping_input(p);
	}
}

static void on_timeout(struct loop *loop, void *arg)
{
	struct probe *p = arg;
	struct pev *e;

	p->timer = 0;
	if (!p->outstanding) {
		send_next(p);   /* the pause between two echo requests is over */
		return;
	}
	e = add_event(p);
	e->seq = p->seq;
	e->probe = p->k;
	e->timeout = true;
	probe_done(p, e, false);
}

/* The outstanding probe is settled: send the next one, or end. */
static void send_next(struct probe *p)
{
	uint64_t now = loop_now_us();
	int r;

	if (p->done || p->fd < 0)
		return;
	if (p->n_ev >= PROBE_MAX_EVENTS) {
		finish(p);
		return;
	}
	if (!p->tracert) {
		uint64_t at = p->sent_us + (uint64_t)PROBE_PING_INTERVAL_MS * 1000;

		if (p->seq >= p->count) {
			finish(p);
			return;
		}
		if (p->seq > 0 && at > now) {
			p->timer = loop_timer_add(p->pe->loop, at - now, on_timeout, p);
			return;
		}
		p->seq++;
	} else if (p->seq == 0) {
		p->seq = p->first_ttl;
		p->k = 0;
	} else if (++p->k == p->nprobes) {
		if (p->reached || p->hop_stop || p->seq >= p->max_ttl) {
			finish(p);
			return;
		}
		p->seq++;
		p->k = 0;
	}
	p->sent++;
	p->sent_us = now;
	p->outstanding = true;
	r = p->tracert ? send_udp(p) : send_echo(p);
	if (r < 0)
		log_debug("probe %llu to %s: %s", (unsigned long long)p->id, p->addr, strerror(-r));
	/* A probe that could not leave (no route) is lost like one that gets
	 * no answer, and waits out its timeout the same way. */
	p->timer = loop_timer_add(p->pe->loop, (uint64_t)p->timeout_ms * 1000, on_timeout, p);
}

/* ---- the API ---- */

struct probe_engine *probe_engine_new(struct loop *loop)
{
	struct probe_engine *pe = xcalloc(1, sizeof(*pe));

	pe->loop = loop;
	pe->next_id = 1;
	return pe;
}

void probe_engine_free(struct probe_engine *pe)
{
	if (!pe)
		return;
	while (pe->list)
		forget(pe->list);
	while (pe->wakes) {
		struct pending_wake *pw = pe->wakes;

		loop_timer_cancel(pe->loop, pw->timer);
		pe->wakes = pw->next;
		pw->fn(pw->arg);
		free(pw);
	}
	free(pe);
}

size_t probe_count(const struct probe_engine *pe)
{
	return pe->n;
}

static uint32_t or_default(bool has, uint32_t v, uint32_t dflt)
{
	return has ? v : dflt;
}

static int parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (text && inet_pton(AF_INET, text, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (text && inet_pton(AF_INET6, text, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -EINVAL;
}

static int open_socket(struct probe *p, char *err, size_t errlen)
{
	int fam = p->v6 ? AF_INET6 : AF_INET, one = 1, fd;

	if (p->tracert) {
		fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
		if (fd < 0)
			goto fail;
		if (setsockopt(fd, p->v6 ? IPPROTO_IPV6 : IPPROTO_IP,
			       p->v6 ? IPV6_RECVERR : IP_RECVERR, &one, sizeof(one)) < 0) {
			close(fd);
			goto fail;
		}
		return fd;
	}
	fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EPROTONOSUPPORT)) {
		/* ping_group_range leaves us out: a raw socket, if we may. */
		fd = socket(fam, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    p->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
		p->raw = fd >= 0;
	}
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, p->v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		       p->v6 ? IPV6_RECVHOPLIMIT : IP_RECVTTL, &one, sizeof(one)) < 0)
		log_debug("probe: no TTL of replies: %s", strerror(errno));
	return fd;
fail:
	snprintf(err, errlen, "Cannot open a %s socket: %s", p->tracert ? "UDP" : "ICMP",
		 strerror(errno));
	return -errno;
}

struct open_arg {
	struct probe *p;
	char *err;
	size_t errlen;
};

/* In the instance's namespace (netns_run): the socket is made there and
 * keeps it. */
static int open_in_ns(void *arg)
{
	struct open_arg *oa = arg;

	return open_socket(oa->p, oa->err, oa->errlen);
}

int probe_start(struct probe_engine *pe, const ProbeStart *req, const char *netdev,
		uint64_t *id, char *err, size_t errlen)
{
	return probe_start_in(pe, req, netdev, -1, id, err, errlen);
}

int probe_start_in(struct probe_engine *pe, const ProbeStart *req, const char *netdev, int nsfd,
		   uint64_t *id, char *err, size_t errlen)
{
	struct open_arg oa;
	struct probe *p;
	int fam, r;

	if (pe->n >= PROBE_MAX) {
		snprintf(err, errlen, "Too many ping and tracert operations are running.");
		return -EBUSY;
	}
	p = xcalloc(1, sizeof(*p));
	p->pe = pe;
	p->fd = -1;
	fam = parse_addr(req->host, &p->dst, &p->dstlen);
	if (fam < 0) {
		snprintf(err, errlen, "Unknown host %s.", req->host ? req->host : "");
		free(p);
		return -EINVAL;
	}
	p->v6 = fam == AF_INET6;
	inet_ntop(fam, p->v6 ? (void *)&((struct sockaddr_in6 *)&p->dst)->sin6_addr
		  : (void *)&((struct sockaddr_in *)&p->dst)->sin_addr, p->addr, sizeof(p->addr));
	p->tracert = req->has_tracert && req->tracert;
	p->count = or_default(req->has_count, req->count, 5);
	p->size = or_default(req->has_size, req->size, 56);
	p->timeout_ms = or_default(req->has_timeout_ms, req->timeout_ms, p->tracert ? 5000 : 2000);
	p->first_ttl = or_default(req->has_first_ttl, req->first_ttl, 1);
	p->max_ttl = or_default(req->has_max_ttl, req->max_ttl, 30);
	p->nprobes = or_default(req->has_probes, req->probes, 3);
	if (p->size > 9600 || p->count == 0 || p->nprobes == 0 || p->nprobes > 65535 ||
	    p->first_ttl == 0 || p->first_ttl > 255 || p->max_ttl > 255 ||
	    p->first_ttl > p->max_ttl) {
		snprintf(err, errlen, "Wrong parameter.");
		free(p);
		return -EINVAL;
	}
	oa = (struct open_arg){ p, err, errlen };
	err[0] = '\0';
	r = netns_run(nsfd, open_in_ns, &oa);
	if (r < 0) {
		if (!err[0])
			snprintf(err, errlen, "Cannot enter the VPN instance: %s.", strerror(-r));
		free(p);
		return r;
	}
	p->fd = r;
	if (req->source && req->source[0]) {
		struct sockaddr_storage src;
		socklen_t slen;

		if (parse_addr(req->source, &src, &slen) != fam ||
		    bind(p->fd, (struct sockaddr *)&src, slen) < 0) {
			snprintf(err, errlen, "The source address %s is not an address of this "
				 "device.", req->source);
			close(p->fd);
			free(p);
			return -EADDRNOTAVAIL;
		}
	}
	if (netdev && setsockopt(p->fd, SOL_SOCKET, SO_BINDTODEVICE, netdev,
				 (socklen_t)strlen(netdev)) < 0) {
		r = -errno;
		snprintf(err, errlen, "Cannot send out of the interface: %s.", strerror(-r));
		close(p->fd);
		free(p);
		return r;
	}
	r = loop_add_fd(pe->loop, p->fd, POLLIN, on_fd, p);
	if (r < 0) {
		snprintf(err, errlen, "Cannot watch the socket: %s.", strerror(-r));
		close(p->fd);
		free(p);
		return r;
	}
	p->id = pe->next_id++;
	p->ident = (uint16_t)(getpid() ^ (p->id * 0x9e37));
	p->next = pe->list;
	pe->list = p;
	pe->n++;
	p->abandon_timer = loop_timer_add(pe->loop, (uint64_t)PROBE_ABANDON_MS * 1000, on_abandon,
					  p);
	*id = p->id;
	send_next(p);
	return 0;
}

static void on_abandon(struct loop *loop, void *arg)
{
	struct probe *p = arg;

	p->abandon_timer = 0;
	log_info("probe %llu to %s: nobody asks for it any more, dropped",
		 (unsigned long long)p->id, p->addr);
	forget(p);
}

static void touch(struct probe *p)
{
	if (p->abandon_timer)
		loop_timer_cancel(p->pe->loop, p->abandon_timer);
	p->abandon_timer = loop_timer_add(p->pe->loop, (uint64_t)PROBE_ABANDON_MS * 1000,
					  on_abandon, p);
}

static void fill_counts(const struct probe *p, ProbeStatus *st)
{
	st->has_id = st->has_done = st->has_sent = st->has_received = true;
	st->has_rtt_min_us = st->has_rtt_max_us = st->has_rtt_sum_us = st->has_reached = true;
	st->id = p->id;
	st->done = p->done;
	/* The probe in flight counts as sent, as VRP counts it. */
	st->sent = p->sent;
	st->received = p->received;
	st->rtt_min_us = p->rtt_min;
	st->rtt_max_us = p->rtt_max;
	st->rtt_sum_us = p->rtt_sum;
	st->reached = p->reached;
	st->address = xstrdup(p->addr);
}

int probe_status(struct probe_engine *pe, uint64_t id, uint32_t next, ProbeStatus *st)
{
	struct probe *p = find(pe, id);

	probe_status__init(st);
	if (!p)
		return -ENOENT;
	touch(p);
	fill_counts(p, st);
	if (next < p->n_ev) {
		st->n_event = p->n_ev - next;
		st->event = xcalloc(st->n_event, sizeof(*st->event));
		for (size_t i = 0; i < st->n_event; i++) {
			const struct pev *e = &p->ev[next + i];
			ProbeEvent *o = xmalloc(sizeof(*o));

			probe_event__init(o);
			o->has_seq = o->has_probe = o->has_timeout = true;
			o->seq = e->seq;
			o->probe = e->probe;
			o->timeout = e->timeout;
			if (!e->timeout) {
				o->has_bytes = o->has_ttl = o->has_rtt_us = !p->tracert;
				o->has_rtt_us = true;
				o->from = xstrdup(e->from);
				o->bytes = e->bytes;
				o->ttl = e->ttl;
				o->rtt_us = e->rtt_us;
				if (e->unreach[0])
					o->unreachable = xstrdup(e->unreach);
			}
			st->event[i] = o;
		}
	}
	if (p->done)
		forget(p);   /* everything is handed out */
	return 0;
}

void probe_status_clear(ProbeStatus *st)
{
	for (size_t i = 0; i < st->n_event; i++) {
		free(st->event[i]->from);
		free(st->event[i]->unreachable);
		free(st->event[i]);
	}
	free(st->event);
	free(st->address);
	probe_status__init(st);
}

bool probe_ready(struct probe_engine *pe, uint64_t id, uint32_t next)
{
	struct probe *p = find(pe, id);

	return !p || p->done || next < p->n_ev;
}

static void on_hold(struct loop *loop, void *arg)
{
	struct probe *p = arg;

	p->wait.timer = 0;
	wake(p);
}

int probe_wait(struct probe_engine *pe, uint64_t id, uint32_t next, uint32_t hold_ms,
	       probe_wake_fn fn, void *arg)
{
	struct probe *p = find(pe, id);

	if (!p)
		return -ENOENT;
	wake(p);
	touch(p);
	p->wait.wake = fn;
	p->wait.arg = arg;
	p->wait.next = next;
	p->wait.timer = loop_timer_add(pe->loop, (uint64_t)hold_ms * 1000, on_hold, p);
	return 0;
}

int probe_stop(struct probe_engine *pe, uint64_t id, ProbeStatus *st)
{
	struct probe *p = find(pe, id);

	probe_status__init(st);
	if (!p)
		return -ENOENT;
	if (!p->done)
		finish(p);
	fill_counts(p, st);
	forget(p);
	return 0;
}
