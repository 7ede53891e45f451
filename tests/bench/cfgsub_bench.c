/*
 * cfgsub_bench.c: what one one-rule commit costs ntpd and its cfgsub
 * beside N ACL rules (issue 10, item 3).
 *
 *   cfgsub_bench [-s N,N,...] [-c COMMITS] [-a]
 *
 * One process: a fake cfgd (a clone_pub on cfgd.pub whose snapshots come
 * from a state function, a bus_server on cfgd.ctl answering them) in a
 * private RUN_DIR, a real common/cfgsub subscribed to it and a real ntpd
 * core (no ctl, no ifmgrd; a virtual clock, a server socket on a free
 * port, one unicast-server association) fed by the subscription.  The
 * configuration holds N rules (default sizes 1,000, 10,000 and 100,000)
 * either spread over 100 ACLs (2000..2099) or all in ACL 2001, and `ntp-
 * service access peer 2000 server 2001`; each commit is a ConfigDelta
 * changing one rule of ACL 2001 (permit <-> deny; with -a a rule added
 * in the middle of ACL 2001, then removed again), published as cfgd
 * publishes it.  Two ways of applying it, in the same run:
 *   whole:   main's path: cfgsub rebuilds the changed top-level field
 *            (acl) whole into the Config and ntpd copies it and compiles
 *            every ACL again (ntpd_apply_changes);
 *   objects: cfgsub hands the changed paths and its tree (acl, acl6 read by
 *            path) and ntpd puts the rule in place (ntpd_apply_objects).
 * Times are the main thread's CPU time (CLOCK_THREAD_CPUTIME_ID, so
 * ZeroMQ's I/O thread is not counted): per commit from publishing the
 * delta to the end of the apply (cfgsub + ntpd: receiving, unpacking, the
 * tree, the callback), and ntpd's callback alone; medians of COMMITS (20)
 * commits, and the growth exponent log(t2/t1)/log(n2/n1) between sizes.
 * The snapshot (first apply) is shown too.  Benchmarks assert nothing;
 * tests/bench/subs builds this in a release tree and runs it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd.pb-c.h"
#include "cfgsub.h"
#include "clone.h"
#include "log.h"
#include "loop.h"
#include "access.h"
#include "ntpd.h"
#include "pbreflect.h"

#define MAX_SIZES 8
#define MAX_COMMITS 200

enum mode { M_WHOLE, M_OBJECTS, M__N };
static const char *const mode_name[M__N] = { "whole", "objects" };

struct bench {
	struct loop *loop;
	struct clone_pub *pub;
	struct bus_server *ctl;
	Config *cfg;              /* the fake cfgd's running (for snapshots) */
	struct cfgsub *cs;
	struct ntpd *core;
	enum mode mode;
	uint64_t want;            /* stop the loop once this commit is applied */
	double ntpd_s;            /* CPU time of the last callback's ntpd part */
	int snapshots;
};

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_request(struct bus_server *srv, const struct bus_peer *peer,
		       const uint8_t *data, size_t len, void *arg)
{
	struct bench *b = arg;
	CfgRequest *req = cfg_request__unpack(NULL, len, data);
	CfgReply rep = CFG_REPLY__INIT;
	CloneUpdate snap;

	rep.has_status = 1;
	if (req && req->req_case == CFG_REQUEST__REQ_SNAPSHOT) {
		clone_pub_snapshot(b->pub, &snap);
		rep.snapshot = &snap;
	}
	bus_server_reply(srv, peer, &rep.base);
	if (req)
		cfg_request__free_unpacked(req, NULL);
}

static const ProtobufCMessage *state_fn(void *arg)
{
	return &((struct bench *)arg)->cfg->base;
}

static int on_config(const Config *cfg, uint64_t id, char **errs, int max_errs, void *arg)
{
	struct bench *b = arg;
	double t0 = thread_cpu();
	int n;

	if (b->mode == M_WHOLE) {
		size_t nc;
		const char *const *changed = cfgsub_changed(b->cs, &nc);

		b->snapshots += changed == NULL;
		n = ntpd_apply_changes(b->core, cfg, changed, nc, errs, max_errs);
	} else {
		size_t nc;
		const struct cfgsub_change *ch = cfgsub_changes(b->cs, &nc);

		b->snapshots += ch == NULL;
		n = ntpd_apply_objects(b->core, cfg, cfgsub_tree(b->cs), ch, nc, errs, max_errs);
	}
	b->ntpd_s = thread_cpu() - t0;
	if (id >= b->want)
		loop_stop(b->loop);
	return n;
}

static AclRule *rule_new(unsigned id, unsigned host)
{
	AclRule *r = xmalloc(sizeof(*r));

	acl_rule__init(r);
	r->id = xasprintf("%u", id);
	r->source = xasprintf("10.%u.%u.%u", (host >> 16) & 255, (host >> 8) & 255, host & 255);
	r->wildcard = xstrdup("0.0.0.0");
	return r;
}

/* N rules over n_acls ACLs (2000.. or, with one ACL, 2001), the access
 * levels, one unicast server. */
static Config *config_new(unsigned n_rules, unsigned n_acls)
{
	Config *c = xmalloc(sizeof(*c));
	Ntp *ntp = xmalloc(sizeof(*ntp));
	NtpAccess *acc = xmalloc(sizeof(*acc));
	NtpAssociation *na = xmalloc(sizeof(*na));

	config__init(c);
	ntp__init(ntp);
	ntp_access__init(acc);
	ntp_association__init(na);
	acc->has_peer = acc->has_server = 1;
	acc->peer = 2000;
	acc->server = 2001;
	ntp->access = acc;
	na->address = xstrdup("127.0.0.1");
	ntp->unicast_server = xmalloc(sizeof(*ntp->unicast_server));
	ntp->unicast_server[0] = na;
	ntp->n_unicast_server = 1;
	c->ntp = ntp;
	c->acl = xcalloc(n_acls, sizeof(*c->acl));
	c->n_acl = n_acls;
	for (unsigned a = 0; a < n_acls; a++) {
		Acl *acl = xmalloc(sizeof(*acl));
		unsigned per = n_rules / n_acls;

		acl__init(acl);
		acl->number = xasprintf("%u", n_acls == 1 ? 2001 : 2000 + a);
		acl->rule = xcalloc(per, sizeof(*acl->rule));
		acl->n_rule = per;
		for (unsigned i = 0; i < per; i++)
			acl->rule[i] = rule_new((i + 1) * 5, a * per + i + 1);
		c->acl[a] = acl;
	}
	return c;
}

/* Publish commit seq: rule `id` of ACL 2001 becomes deny (odd commits) or
 * permit, or (remove) is removed, as cfgd publishes a changed rule. */
static void publish_rule(struct bench *b, uint64_t seq, unsigned id, unsigned host, bool remove)
{
	ConfigDelta d = CONFIG_DELTA__INIT;
	NodeImage im = NODE_IMAGE__INIT, *imp = &im;
	AclRule *r = rule_new(id, host);
	char ids[16], *path[4] = { "acl", "2001", "rule", ids };

	snprintf(ids, sizeof(ids), "%u", id);
	r->has_deny = 1;
	r->deny = seq & 1;
	im.path = path;
	im.n_path = 4;
	if (!remove) {
		im.has_own = 1;
		im.own.data = pbr_pack(&r->base, &im.own.len);
	}
	d.node = &imp;
	d.n_node = 1;
	clone_pub_delta(b->pub, &d.base, seq);
	free(im.own.data);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double snap_s, total_s, ntpd_s;   /* snapshot; medians per commit */
};

static int run_one(unsigned n_rules, unsigned n_acls, enum mode mode, int commits,
		   bool add, struct result *res)
{
	char tmpl[] = "/tmp/cfgsub-bench-XXXXXX", ep[4200];
	char *dir = mkdtemp(tmpl);
	void *zctx = zmq_ctx_new();
	struct bootstrap bs;
	struct bench b = { .mode = mode };
	double total[MAX_COMMITS], ntpd[MAX_COMMITS], t0;
	unsigned per = n_rules / n_acls, mid = per / 2 + 1;

	if (!dir || !zctx)
		return -1;
	bootstrap_defaults(&bs);
	free(bs.run_dir);
	bs.run_dir = xasprintf("%s/run", dir);
	bs.ntp.port = 20000 + (int)(getpid() % 20000);
	bs.clock.type = BS_CLOCK_VIRTUAL;
	b.loop = loop_new();
	b.cfg = config_new(n_rules, n_acls);
	if (bootstrap_endpoint(&bs, "cfgd", "pub", ep, sizeof(ep)) < 0 ||
	    !(b.pub = clone_pub_new(b.loop, zctx, ep, "cfg", CLONE_HEARTBEAT_MS)))
		return -1;
	clone_pub_set_state_fn(b.pub, state_fn, &b);
	clone_pub_start(b.pub, 1);
	if (bootstrap_endpoint(&bs, "cfgd", "ctl", ep, sizeof(ep)) < 0 ||
	    !(b.ctl = bus_server_new(b.loop, zctx, ep, on_request, &b)))
		return -1;
	b.core = ntpd_new(b.loop, NULL, &bs, NULL, 0);
	if (!b.core)
		return -1;
	b.cs = cfgsub_new(b.loop, zctx, &bs, "ntpd",
			  (const char *const[]){ "ntp", "acl", "acl6", "interface", NULL },
			  on_config, &b);
	if (!b.cs)
		return -1;
	if (mode == M_OBJECTS)
		cfgsub_set_by_path(b.cs, (const char *const[]){ "acl", "acl6", NULL });
	b.want = 1;
	t0 = thread_cpu();
	loop_run(b.loop);
	res->snap_s = thread_cpu() - t0;
	/* Let the SUB connection settle so no delta is lost to the slow
	 * joiner (a lost one would be a gap, then a snapshot). */
	usleep(200000);
	for (int i = 0; i < commits; i++) {
		uint64_t seq = (uint64_t)i + 2;

		b.want = seq;
		t0 = thread_cpu();
		/* -a: odd commits add rule mid*5+1 (deny), even ones remove it. */
		publish_rule(&b, seq, mid * 5 + add, (n_acls == 1 ? 0 : per) + mid,
			     add && !(seq & 1));
		loop_run(b.loop);
		total[i] = thread_cpu() - t0;
		ntpd[i] = b.ntpd_s;
	}
	if (b.snapshots != 1)
		fprintf(stderr, "warning: %d snapshots (a delta was lost)\n", b.snapshots);
	qsort(total, (size_t)commits, sizeof(double), dcmp);
	qsort(ntpd, (size_t)commits, sizeof(double), dcmp);
	res->total_s = total[commits / 2];
	res->ntpd_s = ntpd[commits / 2];
	{
		/* The rule toggled last is in force as the commit said. */
		const struct acl *a = access_find_acl(&b.core->access->fam[ACCESS_V4], 2001);
		bool deny = false;

		bool found = false;

		for (size_t k = 0; a && k < a->n; k++)
			if (a->rule[k].id == mid * 5 + add) {
				deny = a->rule[k].deny;
				found = true;
			}
		if (!a || deny != (((uint64_t)commits + 1) & 1) ||
		    (add && found != (((uint64_t)commits + 1) & 1)))
			fprintf(stderr, "warning: ACL 2001 does not hold the last commit\n");
	}
	cfgsub_free(b.cs);
	ntpd_free(b.core);
	bus_server_free(b.ctl);
	clone_pub_free(b.pub);
	config__free_unpacked(b.cfg, NULL);
	loop_free(b.loop);
	zmq_ctx_term(zctx);
	bootstrap_free(&bs);
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "warning: %s left behind\n", dir);
	}
	return 0;
}

static void fmt_s(double s, char *buf, size_t len)
{
	if (s < 1e-3)
		snprintf(buf, len, "%.1f us", s * 1e6);
	else
		snprintf(buf, len, "%.2f ms", s * 1e3);
}

int main(int argc, char **argv)
{
	unsigned sizes[MAX_SIZES] = { 1000, 10000, 100000 };
	int n_sizes = 3, commits = 20, opt;
	bool add = false;
	static const unsigned layouts[2] = { 100, 1 };
	struct result r[2][M__N][MAX_SIZES];

	while ((opt = getopt(argc, argv, "s:c:a")) != -1) {
		if (opt == 's') {
			char *p = optarg;

			n_sizes = 0;
			while (*p && n_sizes < MAX_SIZES) {
				sizes[n_sizes++] = (unsigned)strtoul(p, &p, 10);
				if (*p == ',')
					p++;
			}
		} else if (opt == 'a') {
			add = true;
		} else if (opt == 'c') {
			commits = atoi(optarg);
			if (commits < 1 || commits > MAX_COMMITS)
				commits = 20;
		} else {
			fprintf(stderr, "usage: %s [-s N,N,...] [-c COMMITS] [-a]\n", argv[0]);
			return 1;
		}
	}
	log_init("cfgsub_bench", LOG_LVL_ERR);
	for (int l = 0; l < 2; l++)
		for (int s = 0; s < n_sizes; s++)
			for (int m = 0; m < M__N; m++)
				if (run_one(sizes[s], layouts[l], (enum mode)m, commits, add,
					    &r[l][m][s]) < 0) {
					fprintf(stderr, "setup failed: %s\n", strerror(errno));
					return 1;
				}
	printf("One-rule commit of ACL 2001 (%s) beside N rules: CPU time per commit\n"
	       "(median of %d), cfgsub + ntpd (ntpd's callback alone);\n"
	       "growth = log(t2/t1)/log(n2/n1)\n",
	       add ? "a rule added or removed" : "a rule's permit/deny changed", commits);
	for (int l = 0; l < 2; l++) {
		printf("\n%s\n", layouts[l] == 1 ? "all rules in ACL 2001" : "rules over 100 ACLs");
		printf("%-9s %-8s %12s %12s %12s %7s %7s\n", "N", "mode", "snapshot", "commit",
		       "ntpd", "growth", "(ntpd)");
		for (int m = 0; m < M__N; m++)
			for (int s = 0; s < n_sizes; s++) {
				char a[32], c[32], d[32], g[16] = "", gn[16] = "";
				const struct result *x = &r[l][m][s];

				fmt_s(x->snap_s, a, sizeof(a));
				fmt_s(x->total_s, c, sizeof(c));
				fmt_s(x->ntpd_s, d, sizeof(d));
				if (s > 0) {
					const struct result *p = &r[l][m][s - 1];
					double dn = log((double)sizes[s] / sizes[s - 1]);

					snprintf(g, sizeof(g), "%.2f", log(x->total_s / p->total_s) / dn);
					snprintf(gn, sizeof(gn), "%.2f", log(x->ntpd_s / p->ntpd_s) / dn);
				}
				printf("%-9u %-8s %12s %12s %12s %7s %7s\n", sizes[s], mode_name[m],
				       a, c, d, g, gn);
			}
	}
	return 0;
}
