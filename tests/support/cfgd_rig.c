/*
 * cfgd_rig.c: the in-process cfgd the commit tests drive (see cfgd_rig.h).
 */
#include "cfgd_rig.h"

struct testdir td;
struct loop *loop;
void *zctx;
struct cfgd *d;
struct client c1;

static void on_reply(struct bus_client *cli, const uint8_t *data, size_t len, void *arg)
{
	struct client *c = arg;

	(void)cli;
	if (c->reply)
		cfg_reply__free_unpacked(c->reply, NULL);
	c->reply = cfg_reply__unpack(NULL, len, data);
	c->got = true;
}

void client_init(struct client *c)
{
	char ep[256];

	memset(c, 0, sizeof(*c));
	cr_assert_eq(bootstrap_endpoint(&td.bs, "cfgd", "ctl", ep, sizeof(ep)), 0);
	c->cli = bus_client_new(zctx, ep);
	cr_assert_not_null(c->cli);
	cr_assert_eq(bus_client_attach(c->cli, loop, on_reply, c), 0);
}

void client_fini(struct client *c)
{
	if (c->reply)
		cfg_reply__free_unpacked(c->reply, NULL);
	bus_client_free(c->cli);
	memset(c, 0, sizeof(*c));
}

void start_cfgd(void)
{
	char err[512] = "";

	d = cfgd_new(loop, zctx, &td.bs, err, sizeof(err));
	cr_assert_not_null(d, "cfgd_new: %s", err);
}

void rig_setup(void)
{
	testdir_new(&td);
	loop = loop_new();
	zctx = zmq_ctx_new();
	start_cfgd();
	client_init(&c1);
}

void rig_teardown(void)
{
	client_fini(&c1);
	cfgd_free(d);
	zmq_ctx_term(zctx);
	loop_free(loop);
	testdir_free(&td);
}

static bool got_reply(void *arg)
{
	return ((struct client *)arg)->got;
}

CfgReply *call_on(struct client *c, CfgRequest *req, int timeout_ms)
{
	CfgReply *r;

	c->got = false;
	cr_assert_eq(bus_client_send(c->cli, &req->base), 0);
	cr_assert(run_until(loop, got_reply, c, timeout_ms), "no reply");
	cr_assert_not_null(c->reply, "undecodable reply");
	r = c->reply;
	c->reply = NULL;
	return r;
}

CfgReply *call(CfgRequest *req)
{
	return call_on(&c1, req, 5000);
}

uint64_t open_session_of(const char *user, const char *owner)
{
	CfgRequest req = CFG_REQUEST__INIT;
	SessionOpen o = SESSION_OPEN__INIT;
	CfgReply *r;
	uint64_t id;

	o.user = (char *)user;
	o.line = "VTY 0";
	o.owner = (char *)owner;
	req.req_case = CFG_REQUEST__REQ_SESSION_OPEN;
	req.session_open = &o;
	r = call(&req);
	cr_assert_eq(r->status, 0);
	cr_assert_not_null(r->state);
	cr_assert_not(r->state->dirty);
	id = r->state->session;
	cfg_reply__free_unpacked(r, NULL);
	return id;
}

uint64_t open_session(const char *user)
{
	return open_session_of(user, NULL);
}

CfgReply *edit(uint64_t session, Edit *e1, Edit *e2)
{
	CfgRequest req = CFG_REQUEST__INIT;
	EditRequest er = EDIT_REQUEST__INIT;
	Edit *v[2] = { e1, e2 };
	CfgReply *r;

	er.session = session;
	er.edit = v;
	er.n_edit = e2 ? 2 : 1;
	req.req_case = CFG_REQUEST__REQ_EDIT;
	req.edit = &er;
	r = call(&req);
	edit_free(e1);
	if (e2)
		edit_free(e2);
	return r;
}

void edit_ok(uint64_t session, Edit *e1, Edit *e2)
{
	CfgReply *r = edit(session, e1, e2);

	cr_assert_eq(r->status, 0, "edit refused: %s", r->error ? r->error : "");
	cfg_reply__free_unpacked(r, NULL);
}

CfgReply *commit_on(struct client *c, uint64_t session, const char *label)
{
	CfgRequest req = CFG_REQUEST__INIT;
	CommitRequest cr = COMMIT_REQUEST__INIT;

	cr.session = session;
	cr.label = (char *)label;
	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &cr;
	return call_on(c, &req, 10000);
}

CfgReply *commit(uint64_t session)
{
	return commit_on(&c1, session, NULL);
}

uint64_t commit_ok(uint64_t session)
{
	CfgReply *r = commit(session);
	uint64_t id;

	cr_assert_eq(r->status, 0, "commit refused: %s", r->error ? r->error : "");
	cr_assert(r->has_commit_id);
	cr_assert_not(r->state->dirty);
	id = r->commit_id;
	cfg_reply__free_unpacked(r, NULL);
	return id;
}

CfgReply *get(uint64_t session, bool candidate)
{
	CfgRequest req = CFG_REQUEST__INIT;
	GetRequest g = GET_REQUEST__INIT;

	if (session) {
		g.has_session = 1;
		g.session = session;
	}
	g.has_which = 1;
	g.which = candidate ? GET_REQUEST__WHICH__CANDIDATE : GET_REQUEST__WHICH__RUNNING;
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &g;
	return call(&req);
}

void assert_candidate(uint64_t session, const char *text)
{
	CfgReply *r = get(session, true);

	cr_assert_eq(r->status, 0);
	assert_cfg(r->config, text);
	cfg_reply__free_unpacked(r, NULL);
}

void assert_running(const char *text)
{
	CfgReply *r = get(0, false);

	cr_assert_eq(r->status, 0);
	assert_cfg(r->config, text);
	cfg_reply__free_unpacked(r, NULL);
}

bool rig_session_dirty(uint64_t session)
{
	CfgReply *r = get(session, true);
	bool dirty = r->state->dirty;

	cfg_reply__free_unpacked(r, NULL);
	return dirty;
}

CfgReply *rollback(uint64_t session, int kind, uint64_t value, const char *label)
{
	CfgRequest req = CFG_REQUEST__INIT;
	RollbackRequest rb = ROLLBACK_REQUEST__INIT;

	rb.session = session;
	rb.to_case = kind;
	if (kind == ROLLBACK_REQUEST__TO_COMMIT_ID)
		rb.commit_id = value;
	else if (kind == ROLLBACK_REQUEST__TO_LAST)
		rb.last = (uint32_t)value;
	else
		rb.label = (char *)label;
	req.req_case = CFG_REQUEST__REQ_ROLLBACK;
	req.rollback = &rb;
	return call_on(&c1, &req, 10000);
}

CfgReply *refresh(uint64_t session)
{
	CfgRequest req = CFG_REQUEST__INIT;
	CandidateRefresh cr = CANDIDATE_REFRESH__INIT;

	cr.session = session;
	req.req_case = CFG_REQUEST__REQ_REFRESH;
	req.refresh = &cr;
	return call(&req);
}
