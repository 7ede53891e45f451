/*
 * test_cfgsub.c: a daemon's configuration subscription against a fake cfgd
 * (clone_pub on cfgd.pub, a bus_server on cfgd.ctl answering snapshots and
 * recording Applied reports) in a private RUN_DIR.
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
