/*
 * bcast.c: NTP broadcast and multicast modes (RFC 5905 modes 5 and the
 * broadcast client), configured in interface view:
 *
 *   ntp-service broadcast-server [ version | authentication-keyid | port ]*
 *   ntp-service broadcast-client
 *   ntp-service multicast-server [ GROUP ] [ version | authentication-keyid |
 *                                 ttl | port ]*
 *   ntp-service multicast-client [ GROUP ]          (GROUP default 224.0.1.1)
 *
 * SERVER.  A timer per configured server sends a mode 5 packet (our system
 * variables, origin and receive zero) to 255.255.255.255 or to the group,
 * destination port `port` (default: ours), from the socket bound to the
 * interface's primary address on our port: the kernel sends a limited
 * broadcast or a multicast bound to a source address out of the interface
 * owning it, and IP_MULTICAST_IF names it too; SO_BROADCAST,
 * IP_MULTICAST_TTL (default 16) and IP_MULTICAST_LOOP off are set on that
 * socket.  Only while synchronized: an unsynchronized device serves nobody.
 * The interval: a broadcast server cannot know whether its clients are
 * synchronized, and a client can only start when it hears a packet, so the
 * server starts fast and backs off, like the unsynchronized polling of
 * assoc.c: the first packet goes out within 1 s of the server being
 * configured (or the system synchronized), the next 2^unsync_max s later
 * (`ntp unsync max-poll-interval`, default 1: 2 s), then the gap doubles up
 * to 2^BCAST_POLL = 64 s (ntpd's default minpoll for broadcast), where it
 * stays.  The poll field carries the exponent of the coming gap, which is
 * what a client's expiry timer follows.  Losing synchronization restarts
 * the ramp.
 *
 * CLIENT.  Broadcasts are received on dedicated sockets: one bound to
 * 255.255.255.255 (limited broadcasts only; a subnet-directed broadcast is
 * not listened to) and one per multicast group bound to the group, which
 * joins it (IP_ADD_MEMBERSHIP) on each multicast-client interface and has
 * IP_MULTICAST_ALL off.  IP_PKTINFO gives the arrival interface and the
 * destination: a mode 5 packet is used only when it arrived on a
 * broadcast-client interface for a broadcast address, or on a
 * multicast-client interface for its group.  The first one from a server
 * creates a dynamic association (a broadcast client association, counted
 * against max-dynamic-sessions) that first works as a client (mode 3 to the
 * server's address and port, from the interface's address): these
 * exchanges measure the round-trip delay, as ntpd's bclient calibration
 * does, and are samples like any client's, so the device synchronizes as
 * fast as a unicast client.  At the first broadcast after BCAST_CAL_SAMPLES
 * answered exchanges (or BCAST_CAL_MAX_POLLS polls without them: then the
 * delay is BCAST_DEFAULT_DELAY) the association stops polling and listens
 * (host mode NTPD_MODE_BCLIENT): each broadcast passes the packet tests
 * (duplicate, unsynchronized, header distance, stratum, loop, root
 * distance; no origin test, a broadcast answers nobody) and goes into the
 * same clock filter with offset T3 - T4 + delay/2 and the calibrated delay,
 * which equals the filter's minimum, so the newest broadcast is the one
 * chosen.  The association expires after NTPD_DYN_EXPIRE_POLLS of the
 * server's intervals without a packet (assoc_expired) and goes when its
 * interface stops listening.
 *
 * VPN INSTANCES (vpn.c).  On an interface bound to an instance the server's
 * socket and the client's receive and calibration sockets are that
 * instance's (opened in its namespace, or bound to its VRF device); a
 * client is found by instance, interface index (an index of the
 * instance's namespace) and group, and its associations are the
 * instance's.
 *
 * AUTHENTICATION (policy in auth.h).  With `ntp-service authentication
 * enable`, a server with `authentication-keyid K` appends a MAC with K to
 * every mode 5 packet; a K that is not configured or not reliable is
 * reported by the configuration ("authentication key K is not configured",
 * as for an association) and the packets go unsigned, as an association's
 * do; authentication off: unsigned, whatever K.  A client has no key id
 * (VRP's broadcast-client and multicast-client take none): in
 * authenticated mode it uses only broadcasts carrying a valid MAC made with
 * a configured, reliable key (any), checked before the packet can create or
 * touch the association; the others are dropped (NTPD_DROP_AUTH) and
 * counted by the association (ASSOC_R_AUTH).  The association takes the
 * key of the broadcasts it accepts, so the calibration exchanges are signed
 * with it and the answers must come back signed with it, like a unicast
 * client with `authentication-keyid`.  When the configuration changes, an
 * association whose key is no longer usable (or that was created
 * unauthenticated, when authentication is turned on) is removed; the next
 * authenticated broadcast creates it again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "bcast.h"
#include "log.h"
#include "loop.h"
#include "named_netns.h"

struct bcast_srv {
	struct ntpd *core;
	char ifname[64];
	bool multicast;
	uint32_t dst;             /* 255.255.255.255 or the group (wire order) */
	uint16_t port;            /* destination port */
	unsigned version;
	int ttl;
	uint32_t keyid;           /* authentication-keyid, 0 none */
	uint32_t addr;            /* the interface's primary address, 0 none yet */
	struct ntp_sock *sock;
	uint64_t timer;
	int gap;                  /* log2 s until the next packet after this one */
	bool used;
	uint64_t sent, errors;
};

struct bcast_cli {
	char ifname[64];
	char vpn[32];             /* the interface's VPN instance, "" public */
	bool multicast;
	uint32_t group;           /* 255.255.255.255 for broadcast (wire order) */
	uint32_t ifindex, addr;
	struct ntp_sock *usock;   /* the calibration exchanges' socket */
};

struct bcast_rsock {
	uint32_t bound;           /* 255.255.255.255 or a group */
	char vpn[32];             /* the VPN instance it listens in, "" public */
	uint32_t joined[BCAST_MAX];  /* multicast: ifindexes joined, ascending */
	int n_joined;
	struct ntp_sock *s;
	bool used;
};

struct ntpd_bcast {
	struct bcast_srv *srv[BCAST_MAX];
	int n_srv;
	struct bcast_cli cli[BCAST_MAX];
	int n_cli;
	struct bcast_rsock *rs[BCAST_MAX];
	int n_rs;
};

struct errs {
	char **v;
	int max, n;
};

static void err_add(struct errs *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err_add(struct errs *e, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (e->n < e->max)
		e->v[e->n++] = xstrdup(buf);
}

static bool cfg_if_has_addr(const Interface *in)
{
	return in->address && in->address->address && *in->address->address;
}

/* ---- server ----------------------------------------------------------- */

int bcast_packet(struct ntpd *core, unsigned version, int poll, uint8_t *buf, size_t len)
{
	struct ntp_packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	sys_fill_header(core, &pkt);
	pkt.version = (uint8_t)version;
	pkt.mode = NTP_MODE_BROADCAST;
	pkt.poll = (int8_t)poll;
	pkt.xmt = ntp_clock_now(core->clock);
	return ntp_packet_encode(&pkt, buf, len);
}

static int ramp_start(const struct ntpd *core)
{
	int g = core->sys.unsync_max;

	return g < NTPD_MIN_UNSYNC_POLL ? NTPD_MIN_UNSYNC_POLL : g > BCAST_POLL ? BCAST_POLL : g;
}

static void srv_tick(struct loop *loop, void *arg)
{
	struct bcast_srv *b = arg;
	struct ntpd *core = b->core;
	double next = 1.0;
	int n;

	b->timer = 0;
	if (!core->sys.synced || !b->sock) {
		b->gap = ramp_start(core);
	} else {
		struct naddr to = naddr_v4(b->dst);

		n = bcast_packet(core, b->version, b->gap, core->txbuf, sizeof(core->txbuf));
		if (n > 0)
			n = auth_sign_key(core, b->keyid, core->txbuf, (size_t)n,
					  sizeof(core->txbuf));
		if (n > 0 && sock_send(b->sock, core->txbuf, (size_t)n, &to, b->port, NULL) == 0)
			b->sent++;
		else
			b->errors++;
		next = ldexp(1.0, b->gap);
		if (b->gap < BCAST_POLL)
			b->gap++;
	}
	b->timer = loop_timer_add(loop, (uint64_t)(next * 1e6), srv_tick, b);
}

static void srv_free(struct bcast_srv *b)
{
	loop_timer_cancel(b->core->loop, b->timer);
	free(b);
}

/* Socket options of a sending socket (bound to the interface's address). */
static int srv_sockopts(struct bcast_srv *b, uint32_t ifindex)
{
	int one = 1, zero = 0;

	if (!b->multicast)
		return setsockopt(b->sock->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ?
		       -errno : 0;
	{
		struct ip_mreqn m;
		int ttl = b->ttl;

		memset(&m, 0, sizeof(m));
		m.imr_address.s_addr = b->addr;
		m.imr_ifindex = (int)ifindex;
		if (setsockopt(b->sock->fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) < 0 ||
		    setsockopt(b->sock->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(b->sock->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0)
			return -errno;
	}
	return 0;
}

/* One wanted server: find or create it, update it, give it its socket. */
static void srv_want(struct ntpd *core, const Interface *in, bool multicast, struct errs *e)
{
	struct ntpd_bcast *bc = core->bcast;
	const NtpBroadcastServer *bsc = in->ntp_broadcast_server;
	const NtpMulticastServer *msc = in->ntp_multicast_server;
	const char *what = multicast ? "multicast-server" : "broadcast-server";
	const struct ntpd_if *nif = ntpd_if_find(core, in->name);
	struct bcast_srv *b = NULL;
	struct in_addr g;
	uint32_t ver = 3, port = core->port, keyid = 0;
	int err;

	if (multicast) {
		const char *gs = msc->group ? msc->group : BCAST_MCAST_GROUP;

		if (inet_pton(AF_INET, gs, &g) != 1 || (ntohl(g.s_addr) >> 28) != 0xe) {
			err_add(e, "%s on %s: %s is not a multicast group", what, in->name, gs);
			return;
		}
		ver = msc->has_version ? msc->version : 3;
		port = msc->has_port ? msc->port : port;
		keyid = msc->has_authentication_keyid ? msc->authentication_keyid : 0;
	} else {
		g.s_addr = htonl(INADDR_BROADCAST);
		ver = bsc->has_version ? bsc->version : 3;
		port = bsc->has_port ? bsc->port : port;
		keyid = bsc->has_authentication_keyid ? bsc->authentication_keyid : 0;
	}
	for (int i = 0; i < bc->n_srv; i++)
		if (bc->srv[i]->multicast == multicast && !strcasecmp(bc->srv[i]->ifname, in->name))
			b = bc->srv[i];
	if (!b) {
		if (bc->n_srv == BCAST_MAX) {
			err_add(e, "%s on %s: too many broadcast/multicast servers", what, in->name);
			return;
		}
		b = xcalloc(1, sizeof(*b));
		b->core = core;
		snprintf(b->ifname, sizeof(b->ifname), "%s", in->name);
		b->multicast = multicast;
		b->gap = ramp_start(core);
		b->timer = loop_timer_add(core->loop,
					  (uint64_t)((0.1 + 0.4 * ntpd_random(core)) * 1e6),
					  srv_tick, b);
		bc->srv[bc->n_srv++] = b;
		log_info("NTP %s on %s", what, in->name);
	}
	b->used = true;
	b->dst = g.s_addr;
	b->port = port >= 1 && port <= 65535 ? (uint16_t)port : core->port;
	b->version = ver >= 1 && ver <= 4 ? ver : 3;
	b->ttl = multicast && msc->has_ttl && msc->ttl >= 1 && msc->ttl <= 255 ? (int)msc->ttl :
		 BCAST_MCAST_TTL;
	b->keyid = keyid;
	{
		const char *why = auth_key_problem(core, keyid);

		if (why)
			err_add(e, "%s on %s: authentication key %u %s", what, in->name, keyid,
				why);
	}
	b->addr = nif ? nif->addr : 0;
	b->sock = NULL;
	if (!b->addr) {
		if (cfg_if_has_addr(in))
			log_info("%s on %s: waiting for its address from ifmgrd", what, in->name);
		else
			err_add(e, "%s on %s: the interface has no IPv4 address", what, in->name);
		return;
	}
	{
		struct naddr a = naddr_v4(b->addr);

		b->sock = sock_want_vpn(core, &a, false, vpn_of_if(core, in->name), &err);
	}
	if (!b->sock) {
		err_add(e, "%s on %s: cannot open a UDP socket: %s", what, in->name,
			strerror(-err));
		return;
	}
	err = srv_sockopts(b, nif->ifindex);
	if (err < 0)
		err_add(e, "%s on %s: %s", what, in->name, strerror(-err));
}

/* ---- client sockets --------------------------------------------------- */

struct rsock_arg {
	const struct bcast_rsock *r;
	uint16_t port;
	const char *bind_dev;     /* a VRF device, or NULL */
};

/* The receive socket, bound (in the caller's thread's namespace): fd or
 * -errno. */
static int rsock_fd(void *p)
{
	const struct rsock_arg *ra = p;
	struct sockaddr_in sa;
	bool multicast = ra->r->bound != htonl(INADDR_BROADCAST);
	int fd, one = 1, zero = 0, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((ra->bind_dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ra->bind_dev,
					(socklen_t)strlen(ra->bind_dev)) < 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
	    (multicast && setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero)) < 0))
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = ra->r->bound;
	sa.sin_port = htons(ra->port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int rsock_open(struct ntpd *core, struct bcast_rsock *r, const char *ifnames[],
		      struct errs *e)
{
	const struct ntpd_vpn *v = r->vpn[0] ? vpn_find(core, r->vpn) : NULL;
	struct rsock_arg ra = { r, core->port, v && v->vrf_dev[0] ? v->vrf_dev : NULL };
	bool multicast = r->bound != htonl(INADDR_BROADCAST);
	int fd, err;

	if (r->vpn[0] && (!v || v->err[0] || (!v->vrf_dev[0] && v->nsfd < 0)))
		return -ENONET;
	fd = netns_run(v && !v->vrf_dev[0] ? v->nsfd : -1, rsock_fd, &ra);
	if (fd < 0)
		return fd;
	for (int i = 0; multicast && i < r->n_joined; i++) {
		struct ip_mreqn m;
		char g[INET_ADDRSTRLEN];

		memset(&m, 0, sizeof(m));
		m.imr_multiaddr.s_addr = r->bound;
		m.imr_ifindex = (int)r->joined[i];
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) < 0) {
			inet_ntop(AF_INET, &r->bound, g, sizeof(g));
			err_add(e, "multicast-client on %s: cannot join %s: %s", ifnames[i], g,
				strerror(errno));
		}
	}
	r->s = sock_attach(core, fd, &err);
	if (!r->s)
		return err;
	r->s->bcast = true;
	snprintf(r->s->vpn, sizeof(r->s->vpn), "%s", r->vpn);
	return 0;
}

static void rsock_free(struct bcast_rsock *r)
{
	sock_detach(r->s);
	free(r);
}

/* The receive sockets the clients need: one for broadcast, one per group
 * (reopened when its set of interfaces changes). */
static void reconcile_rsocks(struct ntpd *core, struct errs *e)
{
	struct ntpd_bcast *bc = core->bcast;

	for (int i = 0; i < bc->n_rs; i++)
		bc->rs[i]->used = false;
	for (int i = 0; i < bc->n_cli; i++) {
		const struct bcast_cli *c = &bc->cli[i];
		struct bcast_rsock want, *r = NULL;
		const char *names[BCAST_MAX];
		bool done = false;
		int err;

		if (!c->ifindex)
			continue;
		memset(&want, 0, sizeof(want));
		want.bound = c->group;
		snprintf(want.vpn, sizeof(want.vpn), "%s", c->vpn);
		/* Every client of the same group in the same instance, once,
		 * ascending ifindex. */
		for (int k = 0; k < bc->n_cli; k++) {
			const struct bcast_cli *o = &bc->cli[k];
			int j;

			if (o->group != c->group || !o->ifindex || strcmp(o->vpn, c->vpn) != 0)
				continue;
			if (k < i) {
				done = true;
				break;
			}
			if (!c->multicast)
				continue;
			for (j = want.n_joined; j > 0 && want.joined[j - 1] > o->ifindex; j--) {
				want.joined[j] = want.joined[j - 1];
				names[j] = names[j - 1];
			}
			want.joined[j] = o->ifindex;
			names[j] = o->ifname;
			want.n_joined++;
		}
		if (done)
			continue;
		for (int k = 0; k < bc->n_rs; k++)
			if (bc->rs[k]->bound == want.bound && !strcmp(bc->rs[k]->vpn, want.vpn))
				r = bc->rs[k];
		if (r && (r->n_joined != want.n_joined ||
			  memcmp(r->joined, want.joined, sizeof(want.joined[0]) * (size_t)want.n_joined))) {
			/* Another set of interfaces: reopen. */
			for (int k = 0; k < bc->n_rs; k++)
				if (bc->rs[k] == r)
					bc->rs[k] = bc->rs[--bc->n_rs];
			rsock_free(r);
			r = NULL;
		}
		if (r) {
			r->used = true;
			continue;
		}
		if (bc->n_rs == BCAST_MAX)
			continue;
		r = xcalloc(1, sizeof(*r));
		*r = want;
		err = rsock_open(core, r, names, e);
		if (err < 0) {
			char g[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &want.bound, g, sizeof(g));
			err_add(e, "%s on %s: cannot listen on %s:%u: %s",
				c->multicast ? "multicast-client" : "broadcast-client", c->ifname, g,
				core->port, strerror(-err));
			free(r);
			continue;
		}
		r->used = true;
		bc->rs[bc->n_rs++] = r;
	}
	for (int i = 0; i < bc->n_rs;) {
		if (bc->rs[i]->used) {
			i++;
			continue;
		}
		rsock_free(bc->rs[i]);
		bc->rs[i] = bc->rs[--bc->n_rs];
	}
}

static void cli_want(struct ntpd *core, const Interface *in, bool multicast, struct errs *e)
{
	struct ntpd_bcast *bc = core->bcast;
	const char *what = multicast ? "multicast-client" : "broadcast-client";
	const struct ntpd_if *nif = ntpd_if_find(core, in->name);
	struct bcast_cli *c;
	struct in_addr g;
	int err;

	if (multicast) {
		const char *gs = in->ntp_multicast_client->group ? in->ntp_multicast_client->group :
				 BCAST_MCAST_GROUP;

		if (inet_pton(AF_INET, gs, &g) != 1 || (ntohl(g.s_addr) >> 28) != 0xe) {
			err_add(e, "%s on %s: %s is not a multicast group", what, in->name, gs);
			return;
		}
	} else {
		g.s_addr = htonl(INADDR_BROADCAST);
	}
	if (bc->n_cli == BCAST_MAX) {
		err_add(e, "%s on %s: too many broadcast/multicast clients", what, in->name);
		return;
	}
	c = &bc->cli[bc->n_cli++];
	memset(c, 0, sizeof(*c));
	snprintf(c->ifname, sizeof(c->ifname), "%s", in->name);
	c->multicast = multicast;
	c->group = g.s_addr;
	c->ifindex = nif ? nif->ifindex : 0;
	c->addr = nif ? nif->addr : 0;
	snprintf(c->vpn, sizeof(c->vpn), "%s", vpn_of_if(core, in->name));
	if (!c->addr || !c->ifindex) {
		if (cfg_if_has_addr(in))
			log_info("%s on %s: waiting for its address from ifmgrd", what, in->name);
		else
			err_add(e, "%s on %s: the interface has no IPv4 address", what, in->name);
		return;
	}
	{
		struct naddr a = naddr_v4(c->addr);

		c->usock = sock_want_vpn(core, &a, false, c->vpn, &err);
	}
	if (!c->usock)
		err_add(e, "%s on %s: cannot open a UDP socket: %s", what, in->name,
			strerror(-err));
}

static const struct bcast_cli *cli_find(const struct ntpd_bcast *bc, const char *vpn,
					uint32_t ifindex, uint32_t group)
{
	for (int i = 0; bc && i < bc->n_cli; i++)
		if (bc->cli[i].ifindex && bc->cli[i].ifindex == ifindex &&
		    bc->cli[i].group == group && !strcmp(bc->cli[i].vpn, vpn))
			return &bc->cli[i];
	return NULL;
}

/* ---- reconciliation --------------------------------------------------- */

int bcast_reconcile(struct ntpd *core, char **errs, int max_errs)
{
	const Config *cfg = core->cfg;
	struct ntpd_bcast *bc;
	struct errs e = { .v = errs, .max = errs ? max_errs : 0, .n = 0 };

	if (!core->bcast)
		core->bcast = xcalloc(1, sizeof(*core->bcast));
	bc = core->bcast;
	for (int i = 0; i < bc->n_srv; i++)
		bc->srv[i]->used = false;
	bc->n_cli = 0;
	for (size_t i = 0; cfg && i < cfg->n_interface; i++) {
		const Interface *in = cfg->interface[i];

		if (!in || !in->name)
			continue;
		if (in->ntp_broadcast_server)
			srv_want(core, in, false, &e);
		if (in->ntp_multicast_server)
			srv_want(core, in, true, &e);
		if (in->has_ntp_broadcast_client && in->ntp_broadcast_client)
			cli_want(core, in, false, &e);
		if (in->ntp_multicast_client)
			cli_want(core, in, true, &e);
	}
	for (int i = 0; i < bc->n_srv;) {
		if (bc->srv[i]->used) {
			i++;
			continue;
		}
		log_info("NTP %s on %s removed",
			 bc->srv[i]->multicast ? "multicast-server" : "broadcast-server",
			 bc->srv[i]->ifname);
		srv_free(bc->srv[i]);
		bc->srv[i] = bc->srv[--bc->n_srv];
	}
	reconcile_rsocks(core, &e);

	/* Broadcast client associations follow their interface. */
	for (struct assoc *p = core->assocs, *next; p; p = next) {
		const struct bcast_cli *c;

		next = p->next;
		if (!p->bc_state)
			continue;
		c = cli_find(bc, p->opts.vpn, (uint32_t)p->bc_ifindex, p->bc_group);
		if (c && c->usock && core->auth && core->auth->enabled &&
		    (!p->opts.keyid || auth_key_problem(core, p->opts.keyid))) {
			log_info("broadcast client association %s removed: its key %u is not "
				 "usable for authentication", p->addr_text, (unsigned)p->opts.keyid);
			assoc_free(p);
			continue;
		}
		if (c && c->usock) {
			p->sock = c->usock;
			p->src_addr = naddr_v4(c->addr);
			continue;
		}
		log_info("broadcast client association %s removed", p->addr_text);
		assoc_free(p);
	}
	return e.n;
}

void bcast_free(struct ntpd *core)
{
	struct ntpd_bcast *bc = core ? core->bcast : NULL;

	if (!bc)
		return;
	for (int i = 0; i < bc->n_srv; i++)
		srv_free(bc->srv[i]);
	for (int i = 0; i < bc->n_rs; i++)
		rsock_free(bc->rs[i]);
	free(bc);
	core->bcast = NULL;
}

/* ---- client ----------------------------------------------------------- */

static struct assoc *bclient_new(struct ntpd *core, const struct bcast_cli *c,
				 const struct ntpd_rx *rx, const struct ntp_packet *pkt,
				 uint32_t keyid)
{
	struct assoc_opts o;
	struct assoc *p;

	memset(&o, 0, sizeof(o));
	o.hmode = NTP_MODE_CLIENT;   /* calibration first */
	o.keyid = keyid;             /* the broadcast's key (auth.h), 0 none */
	o.version = pkt->version;
	o.minpoll = NTP_DEF_MINPOLL;
	o.maxpoll = NTP_DEF_MAXPOLL;
	o.port = rx->src_port;
	snprintf(o.srcif, sizeof(o.srcif), "%s", c->ifname);
	snprintf(o.vpn, sizeof(o.vpn), "%s", c->vpn);
	p = assoc_new(core, &rx->src, &o, true);
	p->bc_state = BCAST_CALIBRATING;
	p->bc_ifindex = (int)c->ifindex;
	p->bc_group = c->group;
	p->sock = c->usock;
	p->src_addr = naddr_v4(c->addr);
	log_info("%s server %s heard on %s: measuring the delay",
		 c->multicast ? "multicast" : "broadcast", p->addr_text, c->ifname);
	return p;
}

/* Calibration over?  Then stop polling and listen. */
static bool bclient_calibrated(struct assoc *p)
{
	if (p->cnt.accepted >= BCAST_CAL_SAMPLES && p->filter.n > 0) {
		p->bc_delay = p->filter.delay;
	} else if (p->npolls >= BCAST_CAL_MAX_POLLS) {
		p->bc_delay = BCAST_DEFAULT_DELAY;
		log_warn("%s: no answer to the delay calibration, assuming %.1f ms", p->addr_text,
			 BCAST_DEFAULT_DELAY * 1e3);
	} else {
		return false;
	}
	loop_timer_cancel(p->core->loop, p->timer);
	p->timer = 0;
	p->burst = 0;
	p->xmt = 0;
	p->opts.hmode = NTPD_MODE_BCLIENT;
	p->bc_state = BCAST_LISTENING;
	log_info("%s: broadcast delay %.3f ms, listening", p->addr_text, p->bc_delay * 1e3);
	return true;
}

/* RFC 5905 packet tests that apply to a broadcast, and the sample. */
static enum assoc_result bclient_sample(struct assoc *p, const struct ntp_packet *pkt,
					uint64_t rx_ts, uint32_t local)
{
	struct ntpd *core = p->core;
	double now = ntpd_mono();
	int stratum = pkt->stratum == 0 || pkt->stratum > NTP_MAXSTRAT ? NTP_MAXSTRAT : pkt->stratum;
	double prec = ldexp(1.0, core->sys.precision);
	double rootdelay = ntp_short_to_d(pkt->root_delay);
	double rootdisp = ntp_short_to_d(pkt->root_disp);
	struct ntp_sample smp;

	if (pkt->xmt == 0)
		return ASSOC_R_INVALID;
	if (pkt->xmt == p->org)
		return ASSOC_R_DUP;
	p->org = pkt->xmt;
	p->rec = rx_ts;
	p->dst_addr = naddr_v4(local);
	/* A listening association "polls" when its server sends. */
	p->reach = (uint8_t)(p->reach << 1 | 1);
	p->valid <<= 1;
	p->npolls++;
	p->poll = pkt->poll < NTPD_MIN_UNSYNC_POLL ? NTPD_MIN_UNSYNC_POLL :
		  pkt->poll > NTP_MAXPOLL ? NTP_MAXPOLL : pkt->poll;
	p->answered = true;
	p->unreach = 0;
	p->leap = pkt->leap;
	p->stratum = stratum;
	p->precision = pkt->precision;
	p->rootdelay = rootdelay;
	p->rootdisp = rootdisp;
	p->refid = pkt->refid;
	p->reftime = pkt->reftime;
	if (pkt->leap == NTP_LEAP_NOSYNC || stratum >= NTP_MAXSTRAT)
		return ASSOC_R_UNSYNC;
	if (rootdelay / 2 + rootdisp >= NTP_MAXDISP || ntp_ts_diff(pkt->reftime, pkt->xmt) > 0)
		return ASSOC_R_HDR_DIST;
	if (stratum >= sys_own_stratum(core) && p != core->sys.peer)
		return ASSOC_R_STRATUM;
	if ((local && pkt->refid == local) || sys_is_local_refid(core, pkt->refid))
		return ASSOC_R_LOOP;
	smp.delay = p->bc_delay;
	smp.offset = ntp_ts_diff(pkt->xmt, rx_ts) + p->bc_delay / 2;
	smp.disp = NTP_PHI * p->bc_delay;
	smp.t = now;
	if ((rootdelay + smp.delay) / 2 + rootdisp + smp.disp >
	    NTP_MAXDIST + NTP_PHI * ldexp(1.0, p->poll))
		return ASSOC_R_ROOT_DIST;
	p->valid |= 1;
	p->cnt.accepted++;
	p->filter.max_age = NTP_NSTAGE * ldexp(1.0, p->poll);
	if (ntp_filter_add(&p->filter, &smp, ldexp(1.0, pkt->precision) + prec, now)) {
		p->update_t = p->filter.last_t;
		p->have_update = true;
	}
	p->offset = p->filter.offset;
	p->delay = p->filter.delay;
	p->disp = p->filter.disp;
	p->jitter = p->filter.jitter;
	log_debug("%s: broadcast offset %+.6f (filter %+.6f)", p->addr_text, smp.offset,
		  p->offset);
	sys_select(core);
	return ASSOC_OK;
}

int bcast_input(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt)
{
	const struct bcast_cli *c;
	struct assoc *p;
	enum assoc_result r;
	uint32_t keyid;

	if (pkt->mode != NTP_MODE_BROADCAST)
		return ntpd_drop(core, NTPD_DROP_NOT_SERVING, rx);   /* a request to a group */
	if (rx->sock && !rx->sock->bcast)
		return ntpd_drop(core, NTPD_DROP_MODE5, rx);         /* our copy is on a bcast socket */
	/* Broadcast and multicast are IPv4 (the VRP commands have no IPv6 form). */
	if (rx->dst.family != AF_INET || rx->src.family != AF_INET)
		return ntpd_drop(core, NTPD_DROP_MODE5, rx);
	c = cli_find(core->bcast, RX_VPN(rx), rx->ifindex, rx->dst.v4.s_addr);
	if (!c || sys_is_local_refid(core, rx->src.v4.s_addr))
		return ntpd_drop(core, NTPD_DROP_MODE5, rx);
	p = ntpd_assoc_find_in(core, RX_VPN(rx), &rx->src, 0);
	if (p && !p->bc_state)
		return ntpd_drop(core, NTPD_DROP_MODE5, rx);         /* a configured association has it */
	/* Authentication before the packet creates or touches anything. */
	if (!auth_broadcast_accept(core, p, rx->buf, pkt, &keyid))
		return ntpd_drop(core, NTPD_DROP_AUTH, rx);
	if (!p) {
		if (core->n_dynamic >= NTPD_MAX_DYNAMIC)
			return ntpd_drop(core, NTPD_DROP_DYN_LIMIT, rx);
		if (!c->usock)
			return ntpd_drop(core, NTPD_DROP_MODE5, rx);
		p = bclient_new(core, c, rx, pkt, keyid);
	}
	if (keyid)
		p->opts.keyid = keyid;   /* the broadcaster's current key */
	p->cnt.rx++;
	p->last_rx = ntpd_mono();
	p->ppoll = pkt->poll;
	p->version = pkt->version;
	if (p->bc_state == BCAST_CALIBRATING && !bclient_calibrated(p))
		return 0;   /* heard: keeps it alive; the exchanges give the samples */
	p->pmode = pkt->mode;
	r = bclient_sample(p, pkt, rx->ts, c->addr);
	p->cnt.rej[r]++;
	if (r != ASSOC_OK) {
		NTPD_COUNT(core, AF_INET, drop[NTPD_DROP_ASSOC], 1);
		log_debug("broadcast from %s refused: %s", p->addr_text, assoc_result_name(r));
	}
	return 0;
}
