/*
 * ifbench.c: interfaces at scale (issue 13), for tests/bench/ifaces-4096.
 *
 *   ifbench --run-dir DIR --count N [--changes C] [--budget S]
 *
 * Against the cfgd, ifmgrd and ntpd of RUN_DIR, whose bootstrap maps
 * GigabitEthernet(i/512)/0/(i%512) to netdev v<i> for i < N:
 *  1. one session SETs the N interfaces (`undo shutdown`, `ip address
 *     10.(i/256).(i%256).1 24`) in edits of 256 interfaces, and `ntp-service
 *     unicast-server 10.99.0.1 source-interface` the interface K = N/2, and
 *     commits them all at once.  Timed from sending `commit`: cfgd's answer
 *     (which waits for the subscribers' applies, 3 s at most), the first
 *     IfStates ifmgrd publishes with all N interfaces up and carrying their
 *     addresses ("programmed and published"), and the first answer of ntpd
 *     whose session toward 10.99.0.1 leaves from K's address;
 *  2. C (20) times, K's address changed (10.250.c.1/24) in a one-line
 *     commit: timed from sending `commit` to ifmgrd's publication of the
 *     new address, and to ntpd's session leaving from it (ntpd's ctl is
 *     asked every millisecond or so while waiting).
 * Prints one line of key=value: n, edits_s, commit_s, programmed_s, ntp_s,
 * publications (IfStates seen during step 1), pub_bytes (the last one's
 * size), change_commit_ms, change_pub_ms, change_ntp_ms (comma-separated,
 * in order).  Exit 1 when a step does not finish within --budget (300 s).
 *
 * Build (tests/bench/ifaces-4096 does): cc -I BUILD/proto ifbench.c
 * benchctl.c BUILD/proto/libmproto.a -lprotobuf-c -lzmq.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "benchctl.h"
#include "bus.pb-c.h"
#include "ifmgr.pb-c.h"
#include "ntpd.pb-c.h"

#define CHUNK 256
#define SERVER "10.99.0.1"

struct bench {
	void *zctx, *cfg, *ntp, *sub;
	const char *run_dir;
	unsigned n, k;
	uint64_t session, next_id;
	unsigned publications;
	size_t pub_bytes;
};

static char *if_name(unsigned i)
{
	return xasprintf("GigabitEthernet%u/0/%u", i / 512, i % 512);
}

static char *if_addr(unsigned i)
{
	return xasprintf("10.%u.%u.1", i / 256, i % 256);
}

static void interface_fill(Interface *itf, Ipv4Address *a, unsigned i, char *addr)
{
	interface__init(itf);
	ipv4_address__init(a);
	itf->name = if_name(i);
	itf->has_shutdown = true;
	itf->shutdown = false;
	a->address = addr;
	a->prefix_len = 24;
	itf->address = a;
}

/* Interfaces from..to-1 as one SET at the root. */
static void edit_interfaces(struct bench *b, unsigned from, unsigned to)
{
	Config cfg = CONFIG__INIT;
	Interface *itfs = xcalloc(to - from, sizeof(*itfs));
	Interface **iv = xcalloc(to - from, sizeof(*iv));
	Ipv4Address *addrs = xcalloc(to - from, sizeof(*addrs));

	for (unsigned i = from; i < to; i++) {
		interface_fill(&itfs[i - from], &addrs[i - from], i, if_addr(i));
		iv[i - from] = &itfs[i - from];
	}
	cfg.n_interface = to - from;
	cfg.interface = iv;
	edit_root(b->cfg, b->session, &cfg);
	for (unsigned i = 0; i < to - from; i++) {
		free(itfs[i].name);
		free(addrs[i].address);
	}
	free(itfs);
	free(iv);
	free(addrs);
}

static void edit_server(struct bench *b)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation a = NTP_ASSOCIATION__INIT, *av[1] = { &a };

	a.address = SERVER;
	a.source_interface = if_name(b->k);
	ntp.n_unicast_server = 1;
	ntp.unicast_server = av;
	cfg.ntp = &ntp;
	edit_root(b->cfg, b->session, &cfg);
	free(a.source_interface);
}

/* Read what ifmgrd published; true once a state satisfied done(). */
typedef bool (*pub_done_fn)(const struct bench *b, const IfStates *st, const char *want);

static bool pub_poll(struct bench *b, pub_done_fn done, const char *want)
{
	bool hit = false;

	for (;;) {
		zmq_msg_t topic, body;
		CloneUpdate *cu;

		zmq_msg_init(&topic);
		if (zmq_msg_recv(&topic, b->sub, ZMQ_DONTWAIT) < 0) {
			zmq_msg_close(&topic);
			return hit;
		}
		zmq_msg_init(&body);
		if (!zmq_msg_more(&topic) || zmq_msg_recv(&body, b->sub, 0) < 0) {
			zmq_msg_close(&topic);
			zmq_msg_close(&body);
			continue;
		}
		cu = clone_update__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
		if (cu && cu->has_state) {
			IfStates *st = if_states__unpack(NULL, cu->state.len, cu->state.data);

			b->publications++;
			b->pub_bytes = cu->state.len;
			if (st && done && done(b, st, want))
				hit = true;
			if (st)
				if_states__free_unpacked(st, NULL);
		}
		if (cu)
			clone_update__free_unpacked(cu, NULL);
		zmq_msg_close(&topic);
		zmq_msg_close(&body);
	}
}

/* All N interfaces up with their own addresses. */
static bool all_programmed(const struct bench *b, const IfStates *st, const char *unused)
{
	unsigned ok = 0;

	(void)unused;
	for (size_t i = 0; i < st->n_interface; i++) {
		const IfState *is = st->interface[i];
		unsigned s, p;

		if (!is->oper_up || !is->primary_ipv4 ||
		    sscanf(is->name, "GigabitEthernet%u/0/%u", &s, &p) != 2)
			continue;
		char *want = if_addr(s * 512 + p);

		ok += strcmp(is->primary_ipv4, want) == 0;
		free(want);
	}
	return ok == b->n;
}

/* Interface K with address want. */
static bool k_has(const struct bench *b, const IfStates *st, const char *want)
{
	char *name = if_name(b->k);
	bool hit = false;

	for (size_t i = 0; i < st->n_interface && !hit; i++)
		hit = strcmp(st->interface[i]->name, name) == 0 && st->interface[i]->primary_ipv4 &&
		      strcmp(st->interface[i]->primary_ipv4, want) == 0;
	free(name);
	return hit;
}

/* Does ntpd's session toward SERVER leave from addr now? */
static bool ntp_leaves_from(struct bench *b, const char *addr)
{
	NtpRequest req = NTP_REQUEST__INIT;
	NtpSessionsRequest sr = NTP_SESSIONS_REQUEST__INIT;
	NtpReply *r;
	uint64_t id = ++b->next_id;
	bool hit = false;

	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &sr;
	send_msg(b->ntp, id, &req.base);
	r = (NtpReply *)recv_msg(b->ntp, id, &ntp_reply__descriptor, 5000);
	if (!r)
		die("ntpd does not answer");
	for (size_t i = 0; i < r->n_session; i++)
		hit = hit || (r->session[i]->source && strcmp(r->session[i]->source, SERVER) == 0 &&
			      r->session[i]->local && strcmp(r->session[i]->local, addr) == 0);
	ntp_reply__free_unpacked(r, NULL);
	return hit;
}

/* Send `commit` and wait until it is answered, ifmgrd published what done
 * wants and ntpd leaves from ntp_addr: the three times (s) from the send. */
static void commit_and_wait(struct bench *b, pub_done_fn done, const char *want,
			    const char *ntp_addr, double budget_s, double out[3])
{
	CfgRequest req = CFG_REQUEST__INIT;
	CommitRequest c = COMMIT_REQUEST__INIT;
	uint64_t id = ++b->next_id, t0 = now_us(), deadline = t0 + (uint64_t)(budget_s * 1e6);

	out[0] = out[1] = out[2] = -1;
	c.session = b->session;
	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &c;
	send_req(b->cfg, id, &req);
	while (out[0] < 0 || out[1] < 0 || out[2] < 0) {
		zmq_pollitem_t it[2] = { { .socket = b->cfg, .events = ZMQ_POLLIN },
					 { .socket = b->sub, .events = ZMQ_POLLIN } };

		if (now_us() > deadline)
			die("not done within %.0f s (commit %s, published %s, ntpd %s)", budget_s,
			    out[0] < 0 ? "waiting" : "answered", out[1] < 0 ? "not yet" : "yes",
			    out[2] < 0 ? "not yet" : "yes");
		zmq_poll(it, 2, out[2] < 0 && out[1] >= 0 ? 0 : 1);
		if (out[0] < 0 && (it[0].revents & ZMQ_POLLIN)) {
			CfgReply *r = recv_reply(b->cfg, id, 1000);

			if (r) {
				if (r->status != 0)
					die("commit: %s", r->error ? r->error : "?");
				out[0] = (now_us() - t0) / 1e6;
				cfg_reply__free_unpacked(r, NULL);
			}
		}
		if (out[1] < 0 && pub_poll(b, done, want))
			out[1] = (now_us() - t0) / 1e6;
		else if (out[1] >= 0)
			pub_poll(b, NULL, NULL);
		/* ntpd follows the publication: asked once it is out. */
		if (out[2] < 0 && out[1] >= 0 && ntp_leaves_from(b, ntp_addr))
			out[2] = (now_us() - t0) / 1e6;
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: ifbench --run-dir DIR --count N [--changes C] [--budget S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "changes", required_argument, NULL, 'c' },
		{ "budget", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { 0 };
	unsigned changes = 20;
	double budget = 300, t[3];
	uint64_t t0;
	char ep[600];
	int c, zero = 0;

	bench_prog = "ifbench";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': b.run_dir = optarg; break;
		case 'n': b.n = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': changes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': budget = atof(optarg); break;
		default: usage();
		}
	}
	if (!b.run_dir || b.n == 0 || b.n > 4096 || changes > 256 || budget <= 0)
		usage();
	signal(SIGPIPE, SIG_IGN);
	b.k = b.n / 2;
	b.zctx = zmq_ctx_new();
	b.cfg = ctl_socket(b.zctx, b.run_dir);
	b.ntp = daemon_socket(b.zctx, b.run_dir, "ntpd");
	b.sub = zmq_socket(b.zctx, ZMQ_SUB);
	snprintf(ep, sizeof(ep), "ipc://%s/ifmgrd.pub", b.run_dir);
	zmq_setsockopt(b.sub, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(b.sub, ZMQ_SUBSCRIBE, "if", 2);
	if (zmq_connect(b.sub, ep) < 0)
		die("connect %s: %s", ep, zmq_strerror(errno));
	/* Subscribed once a heartbeat (every second) arrives. */
	for (t0 = now_us(); b.publications == 0; ) {
		zmq_pollitem_t it = { .socket = b.sub, .events = ZMQ_POLLIN };
		zmq_msg_t m;

		if (now_us() - t0 > 10000000u)
			die("nothing from %s in 10 s", ep);
		if (zmq_poll(&it, 1, 100) <= 0)
			continue;
		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, b.sub, 0) >= 0 && !zmq_msg_more(&m))
			b.publications = 1;
		zmq_msg_close(&m);
	}
	b.publications = 0;

	b.session = session_open(b.cfg, "ifbench");
	t0 = now_us();
	for (unsigned i = 0; i < b.n; i += CHUNK)
		edit_interfaces(&b, i, i + CHUNK < b.n ? i + CHUNK : b.n);
	edit_server(&b);
	double edits_s = (now_us() - t0) / 1e6;
	char *k_addr = if_addr(b.k);

	commit_and_wait(&b, all_programmed, NULL, k_addr, budget, t);
	printf("n=%u edits_s=%.3f commit_s=%.3f programmed_s=%.3f ntp_s=%.3f publications=%u "
	       "pub_bytes=%zu", b.n, edits_s, t[0], t[1], t[2], b.publications, b.pub_bytes);
	free(k_addr);

	double *cm = xcalloc(changes, sizeof(double) * 3);
	for (unsigned i = 0; i < changes; i++) {
		Config cfg = CONFIG__INIT;
		Interface itf, *iv[1] = { &itf };
		Ipv4Address a;
		char *addr = xasprintf("10.250.%u.1", i);

		interface_fill(&itf, &a, b.k, addr);
		cfg.n_interface = 1;
		cfg.interface = iv;
		edit_root(b.cfg, b.session, &cfg);
		free(itf.name);
		commit_and_wait(&b, k_has, addr, addr, budget, &cm[3 * i]);
		free(addr);
	}
	static const char *const keys[3] = { "change_commit_ms", "change_pub_ms", "change_ntp_ms" };
	for (int k = 0; k < 3; k++) {
		printf(" %s=", keys[k]);
		for (unsigned i = 0; i < changes; i++)
			printf("%s%.2f", i ? "," : "", cm[3 * i + k] * 1e3);
		if (!changes)
			printf("-");
	}
	printf("\n");
	free(cm);
	session_close(b.cfg, b.session);
	zmq_close(b.sub);
	zmq_close(b.cfg);
	zmq_close(b.ntp);
	zmq_ctx_term(b.zctx);
	return 0;
}
