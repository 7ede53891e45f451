/*
 * test_bcast_auth.c: authentication of NTP broadcast and multicast
 * (bcast.c, auth.h), with two ntpd cores in one process and one loop on
 * loopback, as test_bcast.c:
 *
 *   S  127.0.0.1  LoopBack0 (ifindex 1), refclock-master 2, the broadcaster
 *   C  127.0.0.2  GigabitEthernet0/1/0 (ifindex 1) broadcast-client, clock
 *                 +0.3 s, +5 ppm
 *
 * Keys on both: 1 md5 "secret1" reliable, 3 md5 "secret3" not reliable;
 * S also has 7 md5 "secret7" reliable, which C does not know.
 *
 * Client side: S's mode 5 packets (bcast_packet, signed as the server signs
 * them: auth_sign_key) are handed to C's ntpd_input as if they had arrived
 * on the interface for 255.255.255.255; the calibration exchanges are real
 * UDP from 127.0.0.2 to 127.0.0.1.  Server side: S's broadcast-server
 * really sends, from 127.0.0.1 to 255.255.255.255 (the kernel keeps a
 * limited broadcast from a loopback address on lo), to a port a test socket
 * listens on.  Waits poll from a loop timer with a deadline; nothing sleeps.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "bcast.h"
#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"
#include "secret.h"
#include "testutil.h"
#include "port.h"

#define DEADLINE_S 45.0
#define IFNAME "GigabitEthernet0/1/0"
#define IFINDEX 1

struct dev {
	struct bootstrap bs;
	struct ntpd *core;
};

struct world {
	char *keydir;             /* the process's device key (test_device_key) */
	struct loop *loop;
	struct dev s, c;
	double start, last_bcast;
	uint32_t keyid;           /* what S signs its broadcasts with */
	bool forge;               /* also inject an unsigned broadcast each second */
	uint64_t accepted_at_switch;
	bool switched, done;
	/* server side */
	int rfd;                  /* the test's receiving socket */
	uint8_t got[NTPD_PKT_MAX];
	ssize_t got_len;
};

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static void dev_init(struct world *w, struct dev *d, const char *ifname, const char *addr,
		     double offset, double ppm)
{
	ntpd_rig_bootstrap(&d->bs, offset, ppm);
	d->core = ntpd_new(w->loop, NULL, &d->bs, NULL, 0);
	cr_assert_not_null(d->core);
	ntpd_rig_iface_up(d->core, ifname, addr, IFINDEX);
}

/* One device's configuration: keys, `authentication enable`, S's
 * refclock-master, and the interface's broadcast role. */
struct dcfg {
	bool enable;              /* ntp-service authentication enable */
	bool server;              /* refclock-master 2 + S's keys */
	bool drop_key1;           /* leave key 1 out */
	/* interface view */
	const char *ifname;
	bool bserver, mserver, bclient;
	uint32_t keyid;           /* the server's authentication-keyid, 0 none */
	uint32_t port;            /* the server's destination port, 0 default */
};

/* Apply; the operational errors go to errs[0..8) (freed by the caller when
 * errs is not NULL, logged and freed otherwise).  Returns their count. */
static int apply(struct dev *d, const struct dcfg *dc, char **errs)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpKey k1 = NTP_KEY__INIT, k3 = NTP_KEY__INIT, k7 = NTP_KEY__INIT;
	NtpKey *keys[3];
	Interface in = INTERFACE__INIT;
	Interface *ins[1] = { &in };
	NtpBroadcastServer bs = NTP_BROADCAST_SERVER__INIT;
	NtpMulticastServer ms = NTP_MULTICAST_SERVER__INIT;
	char *own[8], s1[SECRET_SEALED_SIZE], s3[SECRET_SEALED_SIZE], s7[SECRET_SEALED_SIZE];
	size_t nk = 0;
	int n;

	/* The configuration holds keys sealed, as clid stores them. */
	cr_assert_eq(secret_seal(secret_device_key(), "secret1", s1, sizeof(s1)), 0);
	cr_assert_eq(secret_seal(secret_device_key(), "secret3", s3, sizeof(s3)), 0);
	cr_assert_eq(secret_seal(secret_device_key(), "secret7", s7, sizeof(s7)), 0);
	k1.keyid = "1";
	k1.mode = "md5";
	k1.key = s1;
	k1.has_reliable = k1.reliable = true;
	k3.keyid = "3";
	k3.mode = "md5";
	k3.key = s3;
	k7.keyid = "7";
	k7.mode = "md5";
	k7.key = s7;
	k7.has_reliable = k7.reliable = true;
	if (!dc->drop_key1)
		keys[nk++] = &k1;
	keys[nk++] = &k3;
	if (dc->server)
		keys[nk++] = &k7;
	ntp.authentication_key = keys;
	ntp.n_authentication_key = nk;
	ntp.has_authentication_enable = true;
	ntp.authentication_enable = dc->enable;
	if (dc->server) {
		rm.has_stratum = true;
		rm.stratum = 2;
		ntp.refclock_master = &rm;
		ntp.server_source_interface = "LoopBack0";
	}
	cfg.ntp = &ntp;
	if (dc->ifname) {
		in.name = (char *)dc->ifname;
		bs.has_authentication_keyid = ms.has_authentication_keyid = dc->keyid != 0;
		bs.authentication_keyid = ms.authentication_keyid = dc->keyid;
		bs.has_port = ms.has_port = dc->port != 0;
		bs.port = ms.port = dc->port;
		if (dc->bserver)
			in.ntp_broadcast_server = &bs;
		if (dc->mserver)
			in.ntp_multicast_server = &ms;
		if (dc->bclient)
			in.has_ntp_broadcast_client = in.ntp_broadcast_client = true;
		cfg.n_interface = 1;
		cfg.interface = ins;
	}
	n = ntpd_apply_config(d->core, &cfg, errs ? errs : own, 8);
	for (int i = 0; !errs && i < n; i++) {
		cr_log_info("apply: %s", own[i]);
		free(own[i]);
	}
	return n;
}

static void world_init(struct world *w, bool client_auth)
{
	struct dcfg s = { .enable = true, .server = true };
	struct dcfg c = { .enable = client_auth, .ifname = IFNAME, .bclient = true };

	memset(w, 0, sizeof(*w));
	w->rfd = -1;
	w->keydir = test_device_key();
	log_init("test_bcast_auth", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	w->loop = loop_new();
	dev_init(w, &w->s, "LoopBack0", "127.0.0.1", 0.0, 0.0);
	dev_init(w, &w->c, IFNAME, "127.0.0.2", 0.3, 5.0);
	cr_assert_eq(apply(&w->s, &s, NULL), 0);
	cr_assert(w->s.core->sys.synced);
	cr_assert_eq(apply(&w->c, &c, NULL), 0);
}

static void world_free(struct world *w)
{
	if (w->rfd >= 0)
		close(w->rfd);
	ntpd_free(w->c.core);
	ntpd_free(w->s.core);
	loop_free(w->loop);
	bootstrap_free(&w->s.bs);
	bootstrap_free(&w->c.bs);
	test_device_key_free(w->keydir);
}

/* How a test broadcast is signed. */
enum sig {
	SIG_NONE,                 /* no MAC */
	SIG_SERVER,               /* as S's broadcast-server with `authentication-keyid key` */
	SIG_RAW,                  /* a MAC with S's key `key`, whatever its trust */
	SIG_CORRUPT,              /* a MAC with key `key`, one digest bit flipped */
};

/* One mode 5 packet from S, as C receives it on IFNAME for 255.255.255.255. */
static void broadcast(struct world *w, enum sig sig, uint32_t key)
{
	uint8_t pkt[NTPD_PKT_MAX], reply[NTPD_PKT_MAX];
	struct ntpd_rx rx;
	int n = bcast_packet(w->s.core, 4, 1, pkt, sizeof(pkt));

	cr_assert_gt(n, 0);
	if (sig == SIG_SERVER)
		n = auth_sign_key(w->s.core, key, pkt, (size_t)n, sizeof(pkt));
	else if (sig != SIG_NONE)
		n = auth_sign(w->s.core->auth, key, pkt, (size_t)n, sizeof(pkt));
	cr_assert_gt(n, 0);
	if (sig == SIG_CORRUPT)
		pkt[n - 1] ^= 0x01;
	memset(&rx, 0, sizeof(rx));
	rx.buf = pkt;
	rx.len = (size_t)n;
	rx.src = naddr_v4(ip("127.0.0.1"));
	rx.src_port = (uint16_t)w->s.bs.ntp.port;
	rx.dst = naddr_v4(htonl(INADDR_BROADCAST));
	rx.ifindex = IFINDEX;
	rx.ts = ntp_clock_now(w->c.core->clock);
	cr_assert_eq(ntpd_input(w->c.core, &rx, reply, sizeof(reply)), 0);
}

static struct assoc *bassoc(struct world *w)
{
	return ntpd_assoc_find(w->c.core, NADDR_V4P(ip("127.0.0.1")), 0);
}

static double true_err(struct dev *d)
{
	double e = 0;

	cr_assert(ntp_clock_true_error(d->core->clock, &e));
	return e;
}

static void check(struct loop *loop, void *arg)
{
	struct world *w = arg;
	double now = ntpd_mono();
	struct assoc *p;

	/* S "broadcasts" every second (and a forger, unsigned, too). */
	if (now - w->last_bcast >= 1.0) {
		if (w->forge)
			broadcast(w, SIG_NONE, 0);
		broadcast(w, SIG_SERVER, w->keyid);
		w->last_bcast = now;
	}
	p = bassoc(w);
	if (p && p->bc_state == BCAST_LISTENING && !w->switched) {
		w->switched = true;
		w->accepted_at_switch = p->cnt.accepted;
	}
	w->done = p && w->switched && p->cnt.accepted >= w->accepted_at_switch + 4 &&
		  w->c.core->sys.synced && w->c.core->sys.stratum == 3 &&
		  strcmp(w->c.core->sys.refid_text, "127.0.0.1") == 0 &&
		  fabs(true_err(&w->c) - true_err(&w->s)) < 1e-3;
	if (w->done || now - w->start > DEADLINE_S) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 100000, check, w);
}

/* Run the loop until the client listens and is synchronized by broadcasts. */
static struct assoc *run_to_sync(struct world *w)
{
	struct assoc *p;

	w->start = ntpd_mono();
	w->last_bcast = w->start;
	loop_timer_add(w->loop, 100000, check, w);
	cr_assert_eq(loop_run(w->loop), 0);
	p = bassoc(w);
	cr_assert_not_null(p, "no broadcast client association");
	cr_assert(w->done, "not synchronized by broadcasts in %.0f s: state %d accepted %llu "
		  "auth refusals %llu synced %d stratum %d refid %s", DEADLINE_S, p->bc_state,
		  (unsigned long long)p->cnt.accepted,
		  (unsigned long long)p->cnt.rej[ASSOC_R_AUTH], w->c.core->sys.synced,
		  w->c.core->sys.stratum, w->c.core->sys.refid_text);
	cr_assert_eq(p->opts.hmode, NTPD_MODE_BCLIENT);
	cr_assert(p->bc_delay > 0 && p->bc_delay < 0.01, "calibrated delay %.6f", p->bc_delay);
	cr_assert_eq(w->c.core->sys.peer, p);
	return p;
}

/* ---- client ---- */

Test(bcast_auth, signed_broadcasts_synchronize, .timeout = 120)
{
	struct world w;
	struct assoc *p;

	world_init(&w, true);
	w.keyid = 1;
	p = run_to_sync(&w);
	cr_assert_eq(p->opts.keyid, 1, "the association takes the broadcast's key");
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 0);
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_AUTH], 0);
	/* The calibration was signed: S verified the requests and answered
	 * them signed; C verified the answers with key 1. */
	cr_assert_geq(w.s.core->auth->ok, BCAST_CAL_SAMPLES);
	cr_assert_eq(w.s.core->auth->bad, 0);
	cr_assert_geq(w.s.core->stats.answered, BCAST_CAL_SAMPLES);
	cr_assert_geq(w.c.core->auth->ok, BCAST_CAL_SAMPLES + 4);
	cr_assert_eq(w.c.core->auth->bad, 0);
	world_free(&w);
}

Test(bcast_auth, forged_broadcasts_are_dropped_while_signed_ones_synchronize, .timeout = 120)
{
	struct world w;
	struct assoc *p;

	world_init(&w, true);
	w.keyid = 1;
	w.forge = true;
	p = run_to_sync(&w);
	/* The first forged packet came before the association existed. */
	cr_assert_gt(p->cnt.rej[ASSOC_R_AUTH], 4);
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_AUTH], p->cnt.rej[ASSOC_R_AUTH] + 1);
	world_free(&w);
}

Test(bcast_auth, unsigned_or_wrongly_signed_broadcasts_are_dropped_and_counted)
{
	struct world w;
	struct assoc *p;
	uint64_t *drops;

	world_init(&w, true);
	drops = &w.c.core->stats.drop[NTPD_DROP_AUTH];
	/* None of these creates the association. */
	broadcast(&w, SIG_NONE, 0);
	broadcast(&w, SIG_RAW, 3);       /* C's key 3 is not reliable */
	broadcast(&w, SIG_RAW, 7);       /* C does not know key 7 */
	broadcast(&w, SIG_CORRUPT, 1);   /* wrong digest */
	cr_assert_null(bassoc(&w));
	cr_assert_eq(w.c.core->n_dynamic, 0);
	cr_assert_eq(*drops, 4);
	cr_assert_eq(w.c.core->auth->bad, 4);

	/* A good one does, with its key. */
	broadcast(&w, SIG_SERVER, 1);
	p = bassoc(&w);
	cr_assert_not_null(p);
	cr_assert_eq(p->bc_state, BCAST_CALIBRATING);
	cr_assert_eq(p->opts.keyid, 1);
	cr_assert_eq(p->cnt.rx, 1);
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 0);

	/* Then the bad ones are counted by the association too. */
	broadcast(&w, SIG_NONE, 0);
	broadcast(&w, SIG_RAW, 3);
	broadcast(&w, SIG_RAW, 7);
	broadcast(&w, SIG_CORRUPT, 1);
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 4);
	cr_assert_eq(p->cnt.rx, 5);
	cr_assert_eq(*drops, 8);
	cr_assert_eq(p->opts.keyid, 1);
	world_free(&w);
}

Test(bcast_auth, without_authentication_macs_are_not_checked)
{
	struct world w;
	struct assoc *p;

	world_init(&w, false);
	broadcast(&w, SIG_RAW, 7);       /* unknown to C: not looked at */
	p = bassoc(&w);
	cr_assert_not_null(p);
	cr_assert_eq(p->opts.keyid, 0, "no key when authentication is off");
	broadcast(&w, SIG_NONE, 0);
	broadcast(&w, SIG_CORRUPT, 1);
	cr_assert_eq(p->cnt.rx, 3);
	cr_assert_eq(p->cnt.rej[ASSOC_R_AUTH], 0);
	cr_assert_eq(w.c.core->stats.drop[NTPD_DROP_AUTH], 0);
	world_free(&w);
}

Test(bcast_auth, association_goes_when_its_key_is_no_longer_usable)
{
	struct world w;
	struct dcfg c = { .enable = true, .ifname = IFNAME, .bclient = true };

	/* Created unauthenticated: turning authentication on removes it. */
	world_init(&w, false);
	broadcast(&w, SIG_NONE, 0);
	cr_assert_not_null(bassoc(&w));
	cr_assert_eq(apply(&w.c, &c, NULL), 0);
	cr_assert_null(bassoc(&w));
	cr_assert_eq(w.c.core->n_dynamic, 0);

	/* Created with key 1: removing key 1 removes it, silently (a dynamic
	 * association is no configuration error). */
	broadcast(&w, SIG_SERVER, 1);
	cr_assert_not_null(bassoc(&w));
	cr_assert_eq(apply(&w.c, &c, NULL), 0, "reapplying the same keys keeps it");
	cr_assert_not_null(bassoc(&w));
	c.drop_key1 = true;
	cr_assert_eq(apply(&w.c, &c, NULL), 0);
	cr_assert_null(bassoc(&w));
	cr_assert_eq(w.c.core->n_dynamic, 0);
	world_free(&w);
}

/* ---- server ---- */

static void recv_cb(struct loop *loop, void *arg)
{
	struct world *w = arg;
	ssize_t n = recv(w->rfd, w->got, sizeof(w->got), MSG_DONTWAIT);

	if (n > 0) {
		w->got_len = n;
		loop_stop(loop);
		return;
	}
	cr_assert(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), "recv: %s",
		  strerror(errno));
	if (ntpd_mono() - w->start > 10.0) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 20000, recv_cb, w);
}

/* S as broadcast-server on LoopBack0 with key `keyid`, authentication
 * `enable`: the first packet it really sends, decoded into *pkt.  The
 * operational errors of the configuration into errs (returns their count). */
static int server_sends(struct world *w, uint32_t keyid, bool enable, struct ntp_packet *pkt,
			char **errs)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct dcfg s = { .enable = enable, .server = true, .ifname = "LoopBack0",
			  .bserver = true, .keyid = keyid };
	socklen_t sl = sizeof(sa);
	int one = 1, n;

	/* A port of our own that only broadcasts reach. */
	w->rfd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(w->rfd, 0);
	cr_assert_eq(setsockopt(w->rfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	sa.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	cr_assert_eq(bind(w->rfd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	cr_assert_eq(getsockname(w->rfd, (struct sockaddr *)&sa, &sl), 0);
	s.port = ntohs(sa.sin_port);

	n = apply(&w->s, &s, errs);
	w->start = ntpd_mono();
	loop_timer_add(w->loop, 20000, recv_cb, w);
	cr_assert_eq(loop_run(w->loop), 0);
	cr_assert_gt(w->got_len, 0, "no broadcast from S within 10 s");
	cr_assert_eq(ntp_packet_decode(w->got, (size_t)w->got_len, pkt), 0);
	cr_assert_eq(pkt->mode, NTP_MODE_BROADCAST);
	cr_assert_eq(pkt->stratum, 2);
	return n;
}

static void free_errs(char **errs, int n)
{
	for (int i = 0; i < n; i++)
		free(errs[i]);
}

Test(bcast_auth, server_signs_with_its_key)
{
	struct world w;
	struct ntp_packet pkt;
	char *errs[8];
	int n;

	world_init(&w, true);
	n = server_sends(&w, 1, true, &pkt, errs);
	free_errs(errs, n);
	cr_assert_eq(n, 0);
	cr_assert(pkt.has_mac, "no MAC");
	cr_assert_eq(pkt.keyid, 1);
	cr_assert_eq(pkt.mac_len, 16);
	/* The receiving side's key table checks it. */
	cr_assert_eq(auth_check(w.c.core->auth, w.got, &pkt), AUTH_OK);
	world_free(&w);
}

Test(bcast_auth, server_with_a_missing_key_reports_it_and_sends_unsigned)
{
	struct world w;
	struct ntp_packet pkt;
	char *errs[8];
	int n;

	world_init(&w, true);
	n = server_sends(&w, 5, true, &pkt, errs);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(errs[0], "broadcast-server on LoopBack0: authentication key 5 is not "
			 "configured");
	free_errs(errs, n);
	cr_assert_not(pkt.has_mac, "a packet with a MAC no one can check");
	world_free(&w);
}

Test(bcast_auth, server_with_an_unreliable_key_reports_it_and_sends_unsigned)
{
	struct world w;
	struct ntp_packet pkt;
	char *errs[8];
	int n;

	world_init(&w, true);
	n = server_sends(&w, 3, true, &pkt, errs);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(errs[0], "broadcast-server on LoopBack0: authentication key 3 is not "
			 "reliable");
	free_errs(errs, n);
	cr_assert_not(pkt.has_mac);
	world_free(&w);
}

Test(bcast_auth, server_without_authentication_sends_unsigned)
{
	struct world w;
	struct ntp_packet pkt;
	char *errs[8];
	int n;

	world_init(&w, true);
	n = server_sends(&w, 5, false, &pkt, errs);
	free_errs(errs, n);
	cr_assert_eq(n, 0, "authentication off: the key id is not looked at");
	cr_assert_not(pkt.has_mac);
	world_free(&w);
}

Test(bcast_auth, multicast_server_key_problems_are_reported)
{
	struct world w;
	struct dcfg s = { .enable = true, .server = true, .ifname = "LoopBack0",
			  .mserver = true, .keyid = 9 };
	char *errs[8];
	int n;

	world_init(&w, true);
	n = apply(&w.s, &s, errs);
	cr_assert_geq(n, 1);
	cr_assert_str_eq(errs[0], "multicast-server on LoopBack0: authentication key 9 is not "
			 "configured");
	free_errs(errs, n);
	s.keyid = 1;
	n = apply(&w.s, &s, errs);
	for (int i = 0; i < n; i++)
		cr_assert_null(strstr(errs[i], "authentication"), "%s", errs[i]);
	free_errs(errs, n);
	world_free(&w);
}
