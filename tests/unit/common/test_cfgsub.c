/*
 * test_cfgsub.c: a daemon's configuration subscription against a fake cfgd
 * (clone_pub on cfgd.pub, a bus_server on cfgd.ctl answering snapshots and
 * recording Applied reports) in a private RUN_DIR: the whole-Config path,
 * and the change list with reads by path (set, delete, a list element
 * added and removed in one commit, a field handed whole, a snapshot after
 * a gap).
 */
#include <criterion/criterion.h>
#include <string.h>
#include <zmq.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd.pb-c.h"
#include "cfgsub.h"
#include "clone.h"
#include "loop.h"
#include "pbreflect.h"
#include "testutil.h"

struct fake_cfgd {
	struct clone_pub *pub;
	struct bus_server *ctl;
	int applied_msgs;
	uint64_t last_commit;
	char daemon[32];
	char subtrees[64];
	char first_error[64];
	size_t n_errors;
};

static void cfgd_request(struct bus_server *srv, const struct bus_peer *peer,
			 const uint8_t *data, size_t len, void *arg)
{
	struct fake_cfgd *f = arg;
	CfgRequest *req = cfg_request__unpack(NULL, len, data);
	CfgReply rep = CFG_REPLY__INIT;
	CloneUpdate snap;

	cr_assert_not_null(req);
	rep.has_status = 1;
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SNAPSHOT:
		cr_assert_str_eq(req->snapshot->topic, "cfg");
		clone_pub_snapshot(f->pub, &snap);
		rep.snapshot = &snap;
		break;
	case CFG_REQUEST__REQ_APPLIED: {
		Applied *a = req->applied;

		f->applied_msgs++;
		f->last_commit = a->commit_id;
		snprintf(f->daemon, sizeof(f->daemon), "%s", a->daemon);
		f->subtrees[0] = '\0';
		for (size_t i = 0; i < a->n_subtree; i++) {
			strncat(f->subtrees, a->subtree[i], sizeof(f->subtrees) - strlen(f->subtrees) - 2);
			strcat(f->subtrees, ",");
		}
		f->n_errors = a->n_error;
		snprintf(f->first_error, sizeof(f->first_error), "%s",
			 a->n_error ? a->error[0] : "");
		break;
	}
	default:
		rep.status = -EINVAL;
	}
	bus_server_reply(srv, peer, &rep.base);
	cfg_request__free_unpacked(req, NULL);
}

struct daemon_state {
	int applies;
	uint64_t commit;
	char sysname[32];
	int errors_to_report;
};

static int daemon_apply(const Config *cfg, uint64_t commit_id, char **errs, int max_errs,
			void *arg)
{
	struct daemon_state *d = arg;

	d->applies++;
	d->commit = commit_id;
	snprintf(d->sysname, sizeof(d->sysname), "%s",
		 cfg->system && cfg->system->sysname ? cfg->system->sysname : "");
	for (int i = 0; i < d->errors_to_report && i < max_errs; i++)
		errs[i] = xasprintf("problem %d", i);
	return d->errors_to_report;
}

struct cond {
	struct fake_cfgd *f;
	struct daemon_state *d;
	uint64_t commit;
	int applied_msgs;
};

static bool reached(void *arg)
{
	struct cond *c = arg;

	return c->d->commit == c->commit && c->f->last_commit == c->commit &&
	       c->f->applied_msgs >= c->applied_msgs;
}

Test(cfgsub, apply_and_report, .timeout = 60)
{
	char *dir = tmpdir_new();
	void *zctx = zmq_ctx_new();
	struct loop *loop = loop_new();
	struct bootstrap bs;
	struct fake_cfgd f = { 0 };
	struct daemon_state d = { 0 };
	const char *subtrees[] = { "ntp", "interface", "system", NULL };
	char ep[600];
	struct cfgsub *cs;
	Config cfg = CONFIG__INIT;
	System sys = SYSTEM__INIT;
	int before;

	bootstrap_defaults(&bs);
	free(bs.run_dir);
	bs.run_dir = xasprintf("%s/run", dir); /* made by the publisher */
	cr_assert_eq(bootstrap_endpoint(&bs, "cfgd", "pub", ep, sizeof(ep)), 0);
	f.pub = clone_pub_new(loop, zctx, ep, "cfg", CLONE_HEARTBEAT_MS);
	cr_assert_not_null(f.pub);
	cr_assert_eq(bootstrap_endpoint(&bs, "cfgd", "ctl", ep, sizeof(ep)), 0);
	f.ctl = bus_server_new(loop, zctx, ep, cfgd_request, &f);
	cr_assert_not_null(f.ctl);
	sys.sysname = "DeviceC";
	cfg.system = &sys;
	clone_pub_set(f.pub, &cfg.base, 1);

	cs = cfgsub_new(loop, zctx, &bs, "ntpd", subtrees, daemon_apply, &d);
	cr_assert_not_null(cs);
	cr_assert(run_until(loop, reached, &(struct cond){ &f, &d, 1, 1 }, 5000));
	cr_assert_str_eq(d.sysname, "DeviceC");
	cr_assert_eq(cfgsub_commit_id(cs), 1);
	cr_assert_str_eq(f.daemon, "ntpd");
	cr_assert_str_eq(f.subtrees, "ntp,interface,system,");
	cr_assert_eq(f.n_errors, 0);

	/* A commit with apply problems: they are reported. */
	d.errors_to_report = 2;
	sys.sysname = "DeviceD";
	clone_pub_set(f.pub, &cfg.base, 2);
	cr_assert(run_until(loop, reached, &(struct cond){ &f, &d, 2, 2 }, 5000));
	cr_assert_str_eq(d.sysname, "DeviceD");
	cr_assert_eq(f.n_errors, 2);
	cr_assert_str_eq(f.first_error, "problem 0");

	/* The report is repeated every heartbeat. */
	before = f.applied_msgs;
	cr_assert(run_until(loop, reached, &(struct cond){ &f, &d, 2, before + 1 }, 5000));
	cr_assert_eq(d.applies, 2);

	cfgsub_free(cs);
	bus_server_free(f.ctl);
	clone_pub_free(f.pub);
	loop_free(loop);
	bootstrap_free(&bs);
	zmq_ctx_term(zctx);
	tmpdir_free(dir);
}

/* ---- the change list and reads by path (cfgsub_set_by_path) ---- */

struct obj_daemon {
	struct cfgsub *cs;
	uint64_t commit;
	bool snapshot;            /* the last apply had no change list */
	char changes[8][64];      /* "acl/2000/rule/10 set" */
	size_t n_changes;
	size_t n_acl;             /* cfg->n_acl as handed */
	char ntp_srcif[32];       /* cfg->ntp->source_interface as handed */
	size_t rules_2000;        /* rules of ACL 2000 read with cfgsub_get */
	char rule10_source[32];   /* rule 10's source read with cfgsub_own */
	bool have_2001;
};

static int obj_apply(const Config *cfg, uint64_t commit_id, char **errs, int max_errs,
		     void *arg)
{
	struct obj_daemon *d = arg;
	char *acl2000[] = { "acl", "2000" }, *acl2001[] = { "acl", "2001" };
	char *rule10[] = { "acl", "2000", "rule", "10" };
	const struct cfgsub_change *ch;
	const AclRule *r;
	Acl *a;
	size_t n;

	d->commit = commit_id;
	ch = cfgsub_changes(d->cs, &n);
	d->snapshot = ch == NULL;
	d->n_changes = 0;
	for (size_t i = 0; ch && i < n && i < 8; i++) {
		char *p = d->changes[d->n_changes++];

		p[0] = '\0';
		for (size_t k = 0; k < ch[i].n_path; k++) {
			strcat(p, ch[i].path[k]);
			strcat(p, k + 1 < ch[i].n_path ? "/" : " ");
		}
		strcat(p, ch[i].removed ? "removed" : "set");
	}
	d->n_acl = cfg->n_acl;
	snprintf(d->ntp_srcif, sizeof(d->ntp_srcif), "%s",
		 cfg->ntp && cfg->ntp->source_interface ? cfg->ntp->source_interface : "");
	a = (Acl *)cfgsub_get(d->cs, acl2000, 2);
	d->rules_2000 = a ? a->n_rule : 0;
	if (a)
		protobuf_c_message_free_unpacked(&a->base, NULL);
	r = (const AclRule *)cfgsub_own(d->cs, rule10, 4);
	snprintf(d->rule10_source, sizeof(d->rule10_source), "%s",
		 r && r->source ? r->source : "");
	d->have_2001 = cfgsub_own(d->cs, acl2001, 2) != NULL;
	cr_assert_not_null(cfgsub_tree(d->cs));
	return 0;
}

struct obj_fixture {
	char *dir;
	void *zctx;
	struct loop *loop;
	struct bootstrap bs;
	struct fake_cfgd f;
	Config *running;          /* what a snapshot gives */
};

static const ProtobufCMessage *obj_state(void *arg)
{
	return &((struct obj_fixture *)arg)->running->base;
}

static void obj_cfgd_request(struct bus_server *srv, const struct bus_peer *peer,
			     const uint8_t *data, size_t len, void *arg)
{
	cfgd_request(srv, peer, data, len, &((struct obj_fixture *)arg)->f);
}

static AclRule *mk_rule(const char *id, const char *source)
{
	AclRule *r = xmalloc(sizeof(*r));

	acl_rule__init(r);
	r->id = xstrdup(id);
	r->source = xstrdup(source);
	return r;
}

/* acl 2000 with rules (id, source) pairs, sysname-free, ntp with a source
 * interface. */
static Config *mk_running(const char *const *rules, size_t n, const char *srcif)
{
	Config *c = xmalloc(sizeof(*c));
	Acl *a = xmalloc(sizeof(*a));

	config__init(c);
	acl__init(a);
	a->number = xstrdup("2000");
	a->rule = xcalloc(n ? n : 1, sizeof(*a->rule));
	for (size_t i = 0; i < n; i++)
		a->rule[a->n_rule++] = mk_rule(rules[2 * i], rules[2 * i + 1]);
	c->acl = xcalloc(1, sizeof(*c->acl));
	c->acl[0] = a;
	c->n_acl = 1;
	c->ntp = xmalloc(sizeof(*c->ntp));
	ntp__init(c->ntp);
	c->ntp->source_interface = xstrdup(srcif);
	return c;
}

/* One image of a delta: path (NULL-terminated) set to own (NULL: removed). */
struct img {
	const char *path[5];
	ProtobufCMessage *own;
};

static void publish(struct obj_fixture *x, uint64_t seq, struct img *v, size_t n)
{
	ConfigDelta d = CONFIG_DELTA__INIT;
	NodeImage im[8], *imp[8];

	for (size_t i = 0; i < n; i++) {
		node_image__init(&im[i]);
		im[i].path = (char **)v[i].path;
		while (v[i].path[im[i].n_path])
			im[i].n_path++;
		if (v[i].own) {
			im[i].has_own = 1;
			im[i].own.data = pbr_pack(v[i].own, &im[i].own.len);
		}
		imp[i] = &im[i];
	}
	d.node = imp;
	d.n_node = n;
	clone_pub_delta(x->f.pub, &d.base, seq);
	for (size_t i = 0; i < n; i++) {
		free(im[i].own.data);
		if (v[i].own)
			protobuf_c_message_free_unpacked(v[i].own, NULL);
	}
}

struct obj_wait {
	struct obj_daemon *d;
	uint64_t commit;
};

static bool obj_reached(void *arg)
{
	struct obj_wait *w = arg;

	return w->d->commit == w->commit;
}

Test(cfgsub, changed_objects_by_path, .timeout = 60)
{
	struct obj_fixture x = { 0 };
	struct obj_daemon d = { 0 };
	const char *subtrees[] = { "ntp", "acl", "acl6", NULL };
	static const char *const r0[] = { "5", "10.0.0.5" };
	char ep[600];
	Ntp *ntp;
	Acl *acl2001;

	x.dir = tmpdir_new();
	x.zctx = zmq_ctx_new();
	x.loop = loop_new();
	bootstrap_defaults(&x.bs);
	free(x.bs.run_dir);
	x.bs.run_dir = xasprintf("%s/run", x.dir);
	cr_assert_eq(bootstrap_endpoint(&x.bs, "cfgd", "pub", ep, sizeof(ep)), 0);
	x.f.pub = clone_pub_new(x.loop, x.zctx, ep, "cfg", CLONE_HEARTBEAT_MS);
	cr_assert_not_null(x.f.pub);
	cr_assert_eq(bootstrap_endpoint(&x.bs, "cfgd", "ctl", ep, sizeof(ep)), 0);
	x.f.ctl = bus_server_new(x.loop, x.zctx, ep, obj_cfgd_request, &x);
	cr_assert_not_null(x.f.ctl);
	x.running = mk_running(r0, 1, "LoopBack0");
	clone_pub_set_state_fn(x.f.pub, obj_state, &x);
	clone_pub_start(x.f.pub, 1);

	d.cs = cfgsub_new(x.loop, x.zctx, &x.bs, "ntpd", subtrees, obj_apply, &d);
	cr_assert_not_null(d.cs);
	cfgsub_set_by_path(d.cs, (const char *const[]){ "acl", "acl6", NULL });

	/* The snapshot: everything whole, no change list. */
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 1 }, 5000));
	cr_assert(d.snapshot);
	cr_assert_eq(d.n_acl, 1, "a snapshot hands a field read by path whole too");
	cr_assert_eq(d.rules_2000, 1);
	cr_assert_str_eq(d.ntp_srcif, "LoopBack0");
	/* The SUB side joins while the snapshot is asked: let it settle so the
	 * first delta is not lost to the slow joiner. */
	run_until(x.loop, NULL, NULL, 300);

	/* A set: rule 10 added. */
	publish(&x, 2, (struct img[]){ { { "acl", "2000", "rule", "10", NULL },
					 &mk_rule("10", "10.0.0.10")->base } }, 1);
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 2 }, 5000));
	cr_assert_not(d.snapshot);
	cr_assert_eq(d.n_changes, 1);
	cr_assert_str_eq(d.changes[0], "acl/2000/rule/10 set");
	cr_assert_eq(d.n_acl, 0, "a field read by path is not rebuilt after a delta");
	cr_assert_eq(d.rules_2000, 2);
	cr_assert_str_eq(d.rule10_source, "10.0.0.10");
	cr_assert_str_eq(d.ntp_srcif, "LoopBack0", "the other fields are kept");

	/* A delete. */
	publish(&x, 3, (struct img[]){ { { "acl", "2000", "rule", "5", NULL }, NULL } }, 1);
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 3 }, 5000));
	cr_assert_eq(d.n_changes, 1);
	cr_assert_str_eq(d.changes[0], "acl/2000/rule/5 removed");
	cr_assert_eq(d.rules_2000, 1);

	/* A list element (with a child) added and removed in one commit. */
	acl2001 = xmalloc(sizeof(*acl2001));
	acl__init(acl2001);
	acl2001->number = xstrdup("2001");
	publish(&x, 4, (struct img[]){
			{ { "acl", "2001", NULL }, &acl2001->base },
			{ { "acl", "2001", "rule", "1", NULL }, &mk_rule("1", "10.0.0.1")->base },
			{ { "acl", "2001", NULL }, NULL } }, 3);
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 4 }, 5000));
	cr_assert_eq(d.n_changes, 3);
	cr_assert_str_eq(d.changes[0], "acl/2001 removed");
	cr_assert_str_eq(d.changes[1], "acl/2001/rule/1 removed");
	cr_assert_str_eq(d.changes[2], "acl/2001 removed");
	cr_assert_not(d.have_2001);

	/* A field handed whole (not read by path) is rebuilt in the Config. */
	ntp = xmalloc(sizeof(*ntp));
	ntp__init(ntp);
	ntp->source_interface = xstrdup("LoopBack1");
	publish(&x, 5, (struct img[]){ { { "ntp", NULL }, &ntp->base } }, 1);
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 5 }, 5000));
	cr_assert_eq(d.n_changes, 1);
	cr_assert_str_eq(d.changes[0], "ntp set");
	cr_assert_str_eq(d.ntp_srcif, "LoopBack1");

	/* A gap (commit 6 never arrives): a snapshot of running at 7, with
	 * no change list and everything whole again. */
	config__free_unpacked(x.running, NULL);
	x.running = mk_running((const char *const[]){ "10", "10.0.0.10", "20", "10.0.0.20",
						      "30", "10.0.0.30" }, 3, "LoopBack7");
	publish(&x, 7, (struct img[]){ { { "acl", "2000", "rule", "30", NULL },
					 &mk_rule("30", "10.0.0.30")->base } }, 1);
	cr_assert(run_until(x.loop, obj_reached, &(struct obj_wait){ &d, 7 }, 10000));
	cr_assert(d.snapshot);
	cr_assert_eq(d.n_acl, 1);
	cr_assert_eq(d.rules_2000, 3);
	cr_assert_str_eq(d.ntp_srcif, "LoopBack7");
	cr_assert_eq(cfgsub_commit_id(d.cs), 7);

	cfgsub_free(d.cs);
	bus_server_free(x.f.ctl);
	clone_pub_free(x.f.pub);
	config__free_unpacked(x.running, NULL);
	loop_free(x.loop);
	bootstrap_free(&x.bs);
	zmq_ctx_term(x.zctx);
	tmpdir_free(x.dir);
}
