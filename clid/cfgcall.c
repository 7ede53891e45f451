/*
 * cfgcall.c: a session's exchanges with cfgd, ntpd and ifmgrd, and how it
 * waits.
 *
 * Design.  clid has one loop and many VTYs; a handler in cmd_*.c is
 * written in straight-line style (ask cfgd for the running configuration,
 * then print it).  So each session has a coroutine (coro.c): cli_exec()
 * runs the line in it, and a call to cfgd or ntpd (session_call) hands the
 * request to the backend with a fresh tag and coro_yield()s back to the
 * loop.  The backend answers the tag once (cli_backend_complete): the
 * reply, -ETIMEDOUT after the call's timeout, or -ECONNRESET at once when
 * the daemon's connection dropped (killed, restarted); the answer resumes
 * the coroutine where it stopped.  When the line is done the front end's done callback runs
 * (from the loop, on the loop's stack), and the front end feeds the
 * session what was typed meanwhile.  A backend that answers inside send
 * (the tests' fake) never makes a session busy.  Explicit continuations
 * would have split every handler that asks something at each call.
 *
 * A session freed while it waits (its user hung up) has its call
 * cancelled and its coroutine resumed with -ECANCELED, so the handler
 * unwinds through its ordinary error paths and frees what it holds; every
 * call after that fails at once and nothing is written.
 *
 * Pipelining.  When the front end can hold output (cli_session_on_pipeline)
 * a line that only edits sends its EditRequest without waiting: the line
 * is done at once, the front end keeps what follows (hold) and the engine
 * shows each edit's result where its line ended (release), strictly in
 * order, as the answers come (cfgd answers a DEALER's requests in order).
 * At most CLI_PIPE_MAX edits are in flight; a line that needs an answer
 * simply waits for its own, which comes after the earlier edits'.  Each
 * EditRequest is all or none in cfgd, so a failed line changes nothing
 * whatever follows it.  Leaving system view first waits for every result
 * (the Y/N/C question depends on them).  An edit whose session cfgd lost
 * (-ENOENT: restarted) keeps its line's place: once every edit in flight
 * has answered, the session opens a new cfgd session, warns, and sends the
 * lost edits again in order (pipe_recover), before anything else.
 *
 * cfgd restarts.  A session whose call fails because cfgd went away
 * prints "The configuration service is not available." and stays usable.
 * cfgd answers -ENOENT for a session it no longer knows (it was
 * restarted): call_cfgd() opens a new session, warns, and sends the
 * request once more.  Every reply's SessionState carries running's
 * sysname, so any session's reply updates the prompt of all (another
 * session's `sysname` commit shows at everyone's next prompt).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cli.h"
#include "cli_int.h"
#include "cmd.h"
#include "cmd_ifdisp.h"
#include "coro.h"
#include "evlog.h"
#include "log.h"

/* Stack of a session's coroutine: handlers keep a few KiB of buffers, and
 * the sanitizers' redzones multiply frames. */
#define CLI_STACK_SIZE (512 * 1024)

#define W_RESTARTED "Warning: The configuration service was restarted; uncommitted " \
		    "configurations were discarded.\r\n"

/* A pipelined edit: sent, its result not shown yet. */
struct cli_pipe {
	uint64_t tag;            /* 0: a line without an edit, behind edits */
	bool held;               /* the front end holds what follows it */
	enum cli_view view;      /* where the line ended: its prompt */
	char ifname[64];
	bool done;
	int r;
	CfgReply *rep;
	Edit **edits;        /* kept to send again if cfgd lost the session */
	size_t n_edits;
};

static void pipe_after_answer(struct cli_session *s);
static int pipe_recover(struct cli_session *s);
static void state_update(struct cli_session *s, const SessionState *st);

/* ------------------------------------------------------------------ */
/* Waiting */

/* Send req to daemon d and wait, suspended, for its answer.  0 with *rep
 * (owned by the caller), or a negative errno. */
static int session_call(struct cli_session *s, enum cli_daemon d, const ProtobufCMessage *req,
			int timeout_ms, ProtobufCMessage **rep)
{
	int r;

	*rep = NULL;
	if (s->closing)
		return -ECANCELED;
	if (!coro_running(s->co)) {
		log_err("clid: a call outside a session's coroutine");
		return -EDEADLK;
	}
	s->wait_tag = ++s->be->next_tag;
	s->wait_done = false;
	s->wait_r = 0;
	s->wait_reply = NULL;
	r = s->be->ops->send(s->be->arg, d, req, timeout_ms, s->wait_tag);
	if (r < 0) {
		s->wait_tag = 0;
		return r;
	}
	while (!s->wait_done)
		coro_yield(s->co);
	s->wait_tag = 0;
	*rep = s->wait_reply;
	s->wait_reply = NULL;
	return s->wait_r;
}

static void job_body(void *arg)
{
	struct cli_session *s = arg;

	switch (s->job) {
	case JOB_OPEN:
		if (cli_session_open(s) < 0)
			s->ended = true;
		break;
	case JOB_EXEC:
		cli_run_line(s, s->job_line);
		cli_pipe_line_end(s);
		break;
	case JOB_RECOVER:
		pipe_recover(s);
		break;
	case JOB_NONE:
		break;
	}
}

static void job_end(struct cli_session *s)
{
	s->job = JOB_NONE;
	free(s->job_line);
	s->job_line = NULL;
}

/* Run a job in the coroutine: true when it is done already. */
static bool job_start(struct cli_session *s, enum cli_job job, const char *line)
{
	s->job = job;
	s->job_line = line ? xstrdup(line) : NULL;
	if (!coro_start(s->co, job_body, s))
		return false;
	job_end(s);
	return true;
}

/* The running configuration read at login: the VTY line's settings. */
static void settings_answer(struct cli_session *s, int r, CfgReply *rep)
{
	s->settings_tag = 0;
	if (r == 0 && rep && rep->config)
		s->screen_length_cfg = cmd_ui_screen_length(rep->config, s->line);
	if (rep)
		cfg_reply__free_unpacked(rep, NULL);
}

void cli_session_read_settings(struct cli_session *s)
{
	GetRequest gr = GET_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	if (s->settings_tag || s->closing)
		return;
	static const char *const fields[] = { "user_interface" };

	gr.has_which = true;
	gr.which = GET_REQUEST__WHICH__RUNNING;
	gr.n_fields = 1;
	gr.fields = (char **)fields;   /* only what a login needs */
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &gr;
	/* The answer may come inside send. */
	s->settings_tag = ++s->be->next_tag;
	if (s->be->ops->send(s->be->arg, CLI_CFGD, &req.base, CLI_CFG_TIMEOUT_MS,
			     s->settings_tag) < 0)
		s->settings_tag = 0;
}

void cli_backend_complete(struct cli_backend *be, uint64_t tag, int r, ProtobufCMessage *reply)
{
	struct cli_session *s;

	for (s = be->sessions; s && tag; s = s->next) {
		if (s->settings_tag == tag) {
			settings_answer(s, r, (CfgReply *)reply);
			return;
		}
	}
	for (s = be->sessions; s; s = s->next)
		if (tag && s->wait_tag == tag && !s->wait_done)
			break;
	if (!s && tag) {
		for (s = be->sessions; s; s = s->next) {
			for (size_t i = 0; i < s->pipe_len; i++) {
				struct cli_pipe *e = &s->pipe[(s->pipe_head + i) % CLI_PIPE_MAX];

				if (e->tag == tag && !e->done) {
					e->done = true;
					e->r = r;
					e->rep = (CfgReply *)reply;
					pipe_after_answer(s);   /* may free s */
					return;
				}
			}
		}
	}
	if (!s) {
		if (reply)
			protobuf_c_message_free_unpacked(reply, NULL);
		return;
	}
	s->wait_done = true;
	s->wait_r = r;
	s->wait_reply = reply;
	if (coro_running(s->co))
		return;   /* answered inside send: session_call goes on */
	if (!coro_resume(s->co))
		return;   /* waits for the next call */
	job_end(s);
	if (s->done)
		s->done(s->out_arg);   /* may free s */
}

bool cli_busy(const struct cli_session *s)
{
	return s->job != JOB_NONE;
}

bool cli_ended(const struct cli_session *s)
{
	return s->ended;
}

void cli_session_on_done(struct cli_session *s, cli_done_fn done)
{
	s->done = done;
}

enum cli_status cli_exec(struct cli_session *s, const char *line)
{
	s->last_input_s = cli_mono_s();
	if (s->ended)
		return CLI_ENDED;
	if (cli_busy(s)) {
		log_err("clid: a line for a busy session, dropped");
		return CLI_BUSY;
	}
	if (!job_start(s, JOB_EXEC, line))
		return CLI_BUSY;
	return s->ended ? CLI_ENDED : CLI_DONE;
}

/* ------------------------------------------------------------------ */
/* cfgd */

static void state_update(struct cli_session *s, const SessionState *st)
{
	if (!st)
		return;
	if (st->has_dirty)
		s->dirty = st->dirty;
	/* Running's sysname: every session's prompt shows it (s is in the
	 * list, or is being freed and shows nothing). */
	if (st->sysname && st->sysname[0])
		for (struct cli_session *o = s->be->sessions; o; o = o->next)
			snprintf(o->sysname, sizeof(o->sysname), "%s", st->sysname);
}


static bool req_set_session(CfgRequest *req, uint64_t sid)
{
	switch (req->req_case) {
	case CFG_REQUEST__REQ_EDIT:
		req->edit->session = sid;
		return true;
	case CFG_REQUEST__REQ_GET:
		req->get->session = sid;
		return req->get->has_session;
	case CFG_REQUEST__REQ_COMMIT:
		req->commit->session = sid;
		return true;
	case CFG_REQUEST__REQ_ROLLBACK:
		req->rollback->session = sid;
		return true;
	case CFG_REQUEST__REQ_ABORT_TRIAL:
		req->abort_trial->session = sid;
		return true;
	case CFG_REQUEST__REQ_REFRESH:
		req->refresh->session = sid;
		return true;
	case CFG_REQUEST__REQ_LABEL:
		req->label->session = sid;
		return true;
	case CFG_REQUEST__REQ_LOCK:
		req->lock->session = sid;
		return true;
	default:
		return false;
	}
}

/* The transport call.  When cfgd no longer knows the session (it was
 * restarted, losing the candidates), open a new one and try once more. */
static int cfg_wait(struct cli_session *s, const CfgRequest *req, int timeout, CfgReply **rep)
{
	return session_call(s, CLI_CFGD, &req->base, timeout, (ProtobufCMessage **)rep);
}

static int call_cfgd(struct cli_session *s, CfgRequest *req, int timeout, CfgReply **rep)
{
	int r = cfg_wait(s, req, timeout, rep);

	if (r < 0 || !(*rep)->has_status || (*rep)->status != -ENOENT ||
	    !req_set_session(req, s->sid))
		return r;
	cfg_reply__free_unpacked(*rep, NULL);
	*rep = NULL;
	if (s->pipe_len > 0 || s->pipe_lost) {
		/* Pipelined edits before this request were lost as well. */
		if (pipe_recover(s) < 0)
			return -ENOTCONN;
	} else {
		s->have_sid = false;
		if (cli_session_open(s) < 0)
			return -ENOTCONN;
		cli_out_str(s, W_RESTARTED);
	}
	req_set_session(req, s->sid);
	return cfg_wait(s, req, timeout, rep);
}

/* One call to cfgd.  0 with *rep (status already checked: 0) or -1 after
 * writing the error. */
static int cfg_call(struct cli_session *s, CfgRequest *req, int timeout, CfgReply **rep)
{
	int r = call_cfgd(s, req, timeout, rep);

	if (r < 0) {
		*rep = NULL;
		if (r != -ENOTCONN)
			cli_out_str(s, "Error: " E_CFGD "\r\n");
		return -1;
	}
	state_update(s, (*rep)->state);
	if ((*rep)->has_status && (*rep)->status < 0) {
		cli_out_fmt(s, "Error: %s\r\n", (*rep)->error && (*rep)->error[0] ? (*rep)->error
			: "The operation failed.");
		cfg_reply__free_unpacked(*rep, NULL);
		*rep = NULL;
		return -1;
	}
	return 0;
}

/* A call whose reply says no more than its status: 0, or -1 after the
 * error. */
static int cfg_call_status(struct cli_session *s, CfgRequest *req)
{
	CfgReply *rep;

	if (cfg_call(s, req, CLI_CFG_TIMEOUT_MS, &rep) < 0)
		return -1;
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

int cli_session_open(struct cli_session *s)
{
	SessionOpen so = SESSION_OPEN__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

	so.user = s->user;
	so.line = s->line;
	so.owner = s->be->owner;
	req.req_case = CFG_REQUEST__REQ_SESSION_OPEN;
	req.session_open = &so;
	if (cfg_call(s, &req, CLI_CFG_TIMEOUT_MS, &rep) < 0)
		return -1;
	if (!rep->state || !rep->state->has_session) {
		cfg_reply__free_unpacked(rep, NULL);
		cli_out_str(s, "Error: " E_CFGD "\r\n");
		return -1;
	}
	s->sid = rep->state->session;
	s->have_sid = true;
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

/* Close the cfgd session without waiting for the answer. */
static void session_close(struct cli_session *s)
{
	SessionClose sc = SESSION_CLOSE__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	if (!s->have_sid)
		return;
	sc.session = s->sid;
	req.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	req.session_close = &sc;
	/* Nobody waits for the answer (tag 0). */
	s->be->ops->send(s->be->arg, CLI_CFGD, &req.base, CLI_CFG_TIMEOUT_MS, 0);
	s->have_sid = false;
}

static int get_config_which(struct cli_session *s, GetRequest__Which which,
			    const char *const *fields, Config **out)
{
	GetRequest gr = GET_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

	gr.has_session = s->have_sid;
	gr.session = s->sid;
	gr.has_which = true;
	gr.which = which;
	for (; fields && fields[gr.n_fields]; gr.n_fields++)
		;
	gr.fields = (char **)fields;
	req.req_case = CFG_REQUEST__REQ_GET;
	req.get = &gr;
	if (cfg_call(s, &req, CLI_CFG_TIMEOUT_MS, &rep) < 0)
		return -1;
	*out = rep->config ? rep->config : frag_new();
	rep->config = NULL;
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

static int get_config(struct cli_session *s, bool candidate, Config **out)
{
	return get_config_which(s, candidate ? GET_REQUEST__WHICH__CANDIDATE
				: GET_REQUEST__WHICH__RUNNING, NULL, out);
}

/* `save`, once confirmed: running becomes the startup configuration. */
void cli_save(struct cli_session *s)
{
	SaveRequest sr = SAVE_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

	sr.has_session = s->have_sid;
	sr.session = s->sid;
	req.req_case = CFG_REQUEST__REQ_SAVE;
	req.save = &sr;
	if (cfg_call(s, &req, CLI_CFG_TIMEOUT_MS, &rep) < 0)
		return;
	cfg_reply__free_unpacked(rep, NULL);
	cli_out_str(s, "Info: Save the configuration successfully.\r\n");
	if (s->dirty)
		cli_out_str(s, "Info: The uncommitted configurations of this session were not "
			"saved: commit them, then save again.\r\n");
}

/* A request answered like a commit (commit, rollback): warnings, then the
 * error or the new state.  0 (with *commit_id, 0 when nothing was
 * committed) or -1 after writing the error. */
static int commit_call(struct cli_session *s, CfgRequest *req, uint64_t *commit_id)
{
	CfgReply *rep = NULL;
	int r;

	*commit_id = 0;
	r = call_cfgd(s, req, CLI_COMMIT_TIMEOUT_MS, &rep);
	if (r < 0) {
		if (r != -ENOTCONN)
			cli_out_str(s, "Error: " E_CFGD "\r\n");
		/* The request may have reached cfgd, which journals a commit
		 * before it answers: whether it was made is not known here. */
		if (r == -ECONNRESET || r == -ETIMEDOUT)
			cli_out_str(s, "Info: The commit may have been made before its answer was "
				    "lost: display configuration commit list tells.\r\n");
		return -1;
	}
	for (size_t i = 0; i < rep->n_warning; i++)
		cli_out_fmt(s, "Warning: %s\r\n", rep->warning[i]);
	for (size_t i = 0; i < rep->n_info; i++)
		cli_out_fmt(s, "Info: %s\r\n", rep->info[i]);
	if (rep->has_status && rep->status < 0) {
		cli_out_fmt(s, "Error: %s\r\n", rep->error && rep->error[0] ? rep->error
			: "Failed to commit the configuration.");
		state_update(s, rep->state);
		cfg_reply__free_unpacked(rep, NULL);
		return -1;
	}
	if (rep->has_commit_id)
		*commit_id = rep->commit_id;
	if (rep->state) {
		state_update(s, rep->state);
		cfg_reply__free_unpacked(rep, NULL);
	} else {
		/* No state in the reply: the candidate is clean now; read the
		 * committed sysname for the prompt. */
		Config *c;
		cfg_reply__free_unpacked(rep, NULL);
		s->dirty = false;
		if (get_config(s, false, &c) == 0) {
			if (c->system && c->system->sysname)
				snprintf(s->sysname, sizeof(s->sysname), "%s", c->system->sysname);
			config__free_unpacked(c, NULL);
		}
	}
	return 0;
}

/* Commit the candidate; trial_s > 0: `commit trial` of so many seconds. */
int cli_commit(struct cli_session *s, const char *label, const char *description,
		     unsigned trial_s)
{
	CommitRequest cr = COMMIT_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	uint64_t id;

	cr.session = s->sid;
	cr.label = (char *)label;
	cr.description = (char *)description;
	cr.has_trial = trial_s > 0;
	cr.trial = trial_s;
	int r;

	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &cr;
	r = commit_call(s, &req, &id);
	/* cfgd's CFG_COMMIT names user and line; the audit record here adds
	 * where the user is (VRP's SHELL/5/CMDRECORD form). */
	if (r == 0)
		evlog(EV_NOTICE, "SHELL", "CMDRECORD",
		      "Recorded command information. (Task=%s, Ip=%s, VpnName=, User=%s, "
		      "Command=\"commit\", CommitId=%llu, Result=Success)", s->line,
		      s->peer[0] ? s->peer : "**", s->user, (unsigned long long)id);
	return r;
}

/* Drop the candidate's changes; the cfgd session (and a configuration lock
 * it holds) stays. */
int cli_discard(struct cli_session *s)
{
	CandidateRefresh cr = CANDIDATE_REFRESH__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	cr.session = s->sid;
	cr.has_discard = 1;
	cr.discard = 1;
	req.req_case = CFG_REQUEST__REQ_REFRESH;
	req.refresh = &cr;
	if (cfg_call_status(s, &req) < 0)
		return -1;
	s->dirty = false;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The pipeline */

static struct cli_pipe *pipe_at(struct cli_session *s, size_t i)
{
	return &s->pipe[(s->pipe_head + i) % CLI_PIPE_MAX];
}

static void pipe_pop(struct cli_session *s)
{
	struct cli_pipe *e = pipe_at(s, 0);

	if (e->rep)
		cfg_reply__free_unpacked(e->rep, NULL);
	for (size_t i = 0; i < e->n_edits; i++)
		edit__free_unpacked(e->edits[i], NULL);
	free(e->edits);
	memset(e, 0, sizeof(*e));
	s->pipe_head = (s->pipe_head + 1) % CLI_PIPE_MAX;
	s->pipe_len--;
}

static bool pipe_lost(const struct cli_pipe *e)
{
	return e->done && e->r == 0 && e->rep && e->rep->has_status && e->rep->status == -ENOENT;
}

static bool pipe_all_done(struct cli_session *s)
{
	for (size_t i = 0; i < s->pipe_len; i++)
		if (!pipe_at(s, i)->done)
			return false;
	return true;
}

static bool pipe_empty(struct cli_session *s)
{
	return s->pipe_len == 0;
}

static bool pipe_has_room(struct cli_session *s)
{
	return s->pipe_len < CLI_PIPE_MAX;
}

/* From the job: wait (suspended) until cond holds; answers resume us.
 * Edits whose session cfgd lost are sent again on the way (recovery calls
 * this with pipe_all_done, which lost edits cannot block). */
static void pipe_wait_until(struct cli_session *s, bool (*cond)(struct cli_session *))
{
	while (!cond(s) && !s->closing && coro_running(s->co)) {
		if (s->pipe_lost && pipe_all_done(s)) {
			pipe_recover(s);
			continue;
		}
		s->pipe_wait = true;
		coro_yield(s->co);
		s->pipe_wait = false;
	}
	s->pipe_wait = false;
}

/* The head line's result as it shows, into b: the edit's error (if any)
 * and the prompt after the line; the state the answer carries is taken. */
static void pipe_result(struct cli_session *s, struct cli_pipe *e, struct sbuf *b)
{
	char prompt[384];

	if (!e->tag)
		;   /* no edit: only the prompt */
	else if (e->r < 0)
		sbuf_puts(b, "Error: " E_CFGD "\r\n");
	else {
		state_update(s, e->rep->state);
		if (e->rep->has_status && e->rep->status < 0)
			sbuf_printf(b, "Error: %s\r\n", e->rep->error && e->rep->error[0]
				    ? e->rep->error : "The operation failed.");
		else if (!e->rep->state)
			s->dirty = true;
	}
	cli_prompt_view(s, e->view, e->ifname, prompt, sizeof(prompt));
	sbuf_puts(b, prompt);
}

/* Show the results of the answered edits at the head, in order; stop at
 * one whose session cfgd lost (pipe_recover() sends it again). */
static void pipe_resolve(struct cli_session *s)
{
	while (s->pipe_len > 0 && pipe_at(s, 0)->done && pipe_at(s, 0)->held) {
		struct sbuf b = { 0 };

		if (pipe_lost(pipe_at(s, 0))) {
			s->pipe_lost = true;
			return;
		}
		pipe_result(s, pipe_at(s, 0), &b);
		pipe_pop(s);
		if (!s->closing)
			s->release(s->out_arg, b.buf ? b.buf : "", b.len);
		sbuf_free(&b);
	}
}

/* A pipelined edit was answered (from the loop, or inside send). */
static void pipe_after_answer(struct cli_session *s)
{
	pipe_resolve(s);
	if (coro_running(s->co))
		return;
	if (coro_suspended(s->co)) {
		if (s->pipe_wait && coro_resume(s->co)) {
			job_end(s);
			if (s->done)
				s->done(s->out_arg);   /* may free s */
		}
		return;
	}
	if (s->pipe_lost && pipe_all_done(s) && !s->closing && !s->ended &&
	    !job_start(s, JOB_RECOVER, NULL))
		return;   /* the done callback follows */
}

/* cfgd lost the session of the edit at the head (it was restarted): once
 * every edit in flight has answered, open a new session and send the lost
 * edits again, in order, showing each result at its line.  0, or -1 when
 * no session could be opened (every held line then says so). */
static int pipe_recover(struct cli_session *s)
{
	struct sbuf b = { 0 };
	int r;

	pipe_wait_until(s, pipe_all_done);
	if (s->closing)
		return -1;
	s->pipe_lost = false;
	s->have_sid = false;
	r = cli_session_open(s);
	if (r == 0)
		sbuf_puts(&b, W_RESTARTED);
	while (s->pipe_len > 0) {
		struct cli_pipe *e = pipe_at(s, 0);

		if (r == 0 && pipe_lost(e)) {
			EditRequest er = EDIT_REQUEST__INIT;
			CfgRequest req = CFG_REQUEST__INIT;

			er.session = s->sid;
			er.n_edit = e->n_edits;
			er.edit = e->edits;
			req.req_case = CFG_REQUEST__REQ_EDIT;
			req.edit = &er;
			cfg_reply__free_unpacked(e->rep, NULL);
			e->rep = NULL;
			e->r = cfg_wait(s, &req, CLI_CFG_TIMEOUT_MS, &e->rep);
		} else if (r < 0 && pipe_lost(e)) {
			e->r = -ENOTCONN;
		}
		pipe_result(s, e, &b);
		pipe_pop(s);
		if (!s->closing)
			s->release(s->out_arg, b.buf ? b.buf : "", b.len);
		sbuf_free(&b);
	}
	return r < 0 ? -1 : 0;
}

void cli_pipe_line_end(struct cli_session *s)
{
	struct cli_pipe *e;
	bool pushed = s->pipe_pushed;

	s->pipe_pushed = false;
	if (!s->hold || s->closing || (!pushed && s->pipe_len == 0))
		return;
	if (!pushed) {
		if (!s->pipe)
			s->pipe = xcalloc(CLI_PIPE_MAX, sizeof(*s->pipe));
		pipe_wait_until(s, pipe_has_room);
		if (s->closing)
			return;
		e = &s->pipe[(s->pipe_head + s->pipe_len++) % CLI_PIPE_MAX];
		e->done = true;
	} else {
		e = pipe_at(s, s->pipe_len - 1);
	}
	e->view = s->view;
	snprintf(e->ifname, sizeof(e->ifname), "%s", s->ifname);
	e->held = true;
	s->hold(s->out_arg);
	pipe_resolve(s);   /* answered already (inside send) */
}

void cli_pipe_drain(struct cli_session *s)
{
	pipe_wait_until(s, pipe_empty);
}

/* Send the line's edits without waiting: the front end holds what follows
 * until the result is shown at this line. */
static void pipe_send(struct cmd_ctx *ctx)
{
	struct cli_session *s = ctx->s;
	EditRequest er = EDIT_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	struct cli_pipe *e;
	int r;

	if (!s->pipe)
		s->pipe = xcalloc(CLI_PIPE_MAX, sizeof(*s->pipe));
	pipe_wait_until(s, pipe_has_room);
	if (s->closing)
		return;
	e = &s->pipe[(s->pipe_head + s->pipe_len++) % CLI_PIPE_MAX];
	e->tag = ++s->be->next_tag;
	e->edits = ctx->edits;
	e->n_edits = ctx->n_edits;
	ctx->edits = NULL;
	ctx->n_edits = 0;
	s->pipe_pushed = true;
	er.session = s->sid;
	er.n_edit = e->n_edits;
	er.edit = e->edits;
	req.req_case = CFG_REQUEST__REQ_EDIT;
	req.edit = &er;
	r = s->be->ops->send(s->be->arg, CLI_CFGD, &req.base, CLI_CFG_TIMEOUT_MS, e->tag);
	if (r < 0) {
		e->done = true;
		e->r = r;
		pipe_resolve(s);
	}
}

void cli_session_on_pipeline(struct cli_session *s, cli_hold_fn hold, cli_release_fn release)
{
	s->hold = hold && release ? hold : NULL;
	s->release = hold && release ? release : NULL;
}

void cli_send_edits(struct cmd_ctx *ctx)
{
	struct cli_session *s = ctx->s;
	EditRequest er = EDIT_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

	if (s->hold && !s->closing) {
		pipe_send(ctx);
		return;
	}
	er.session = s->sid;
	er.n_edit = ctx->n_edits;
	er.edit = ctx->edits;
	req.req_case = CFG_REQUEST__REQ_EDIT;
	req.edit = &er;
	if (cfg_call(s, &req, CLI_CFG_TIMEOUT_MS, &rep) < 0)
		return;
	if (!rep->state)
		s->dirty = true;
	cfg_reply__free_unpacked(rep, NULL);
}

/* ------------------------------------------------------------------ */
/* What handlers ask */

int cmd_get_config(struct cmd_ctx *ctx, bool candidate, Config **out)
{
	return get_config(ctx->s, candidate, out);
}

int cmd_get_running_fields(struct cmd_ctx *ctx, const char *const *fields, Config **out)
{
	return get_config_which(ctx->s, GET_REQUEST__WHICH__RUNNING, fields, out);
}

int cmd_get_saved_config(struct cmd_ctx *ctx, Config **out)
{
	return get_config_which(ctx->s, GET_REQUEST__WHICH__STARTUP, NULL, out);
}

int cmd_ntp_query(struct cmd_ctx *ctx, const NtpRequest *req, NtpReply **reply)
{
	struct cli_session *s = ctx->s;
	int r = session_call(s, CLI_NTPD, &req->base, CLI_NTP_TIMEOUT_MS,
			     (ProtobufCMessage **)reply);

	if (r < 0) {
		*reply = NULL;
		return cmd_error(ctx, E_NTPD);
	}
	if ((*reply)->has_status && (*reply)->status < 0) {
		cmd_error(ctx, "%s", (*reply)->error && (*reply)->error[0] ? (*reply)->error : E_NTPD);
		ntp_reply__free_unpacked(*reply, NULL);
		*reply = NULL;
		return -1;
	}
	return 0;
}

#define E_IFMGRD "The interface service is not available."

int cmd_ifmgr_call(struct cmd_ctx *ctx, const IfRequest *req, int timeout_ms, IfReply **reply)
{
	struct cli_session *s = ctx->s;
	int r = session_call(s, CLI_IFMGRD, &req->base, timeout_ms, (ProtobufCMessage **)reply);

	if (r < 0) {
		*reply = NULL;
		if (r != -ECANCELED)
			cmd_error(ctx, E_IFMGRD);
		return -1;
	}
	if ((*reply)->has_status && (*reply)->status < 0) {
		cmd_error(ctx, "%s", (*reply)->error && (*reply)->error[0] ? (*reply)->error
			  : E_IFMGRD);
		if_reply__free_unpacked(*reply, NULL);
		*reply = NULL;
		return -1;
	}
	return 0;
}

int cmd_ntp_ask(struct cmd_ctx *ctx, const NtpRequest *req, NtpReply **reply)
{
	int r = session_call(ctx->s, CLI_NTPD, &req->base, CLI_NTP_TIMEOUT_MS,
			     (ProtobufCMessage **)reply);

	if (r < 0) {
		*reply = NULL;
		return r;
	}
	if ((*reply)->has_status && (*reply)->status < 0) {
		r = (*reply)->status;
		ntp_reply__free_unpacked(*reply, NULL);
		*reply = NULL;
		return r;
	}
	return 0;
}

/* The sessions running an interruptible command (ping, tracert), with
 * whether Ctrl-C came: a short list, kept here rather than in every
 * session. */
struct intr {
	struct intr *next;
	const struct cli_session *s;
	bool hit;
};
static struct intr *interruptible;

void cmd_interruptible(struct cmd_ctx *ctx, bool on)
{
	struct intr **pp;

	for (pp = &interruptible; *pp; pp = &(*pp)->next)
		if ((*pp)->s == ctx->s)
			break;
	if (on && !*pp) {
		struct intr *i = xcalloc(1, sizeof(*i));

		i->s = ctx->s;
		i->next = interruptible;
		interruptible = i;
	} else if (!on && *pp) {
		struct intr *i = *pp;

		*pp = i->next;
		free(i);
	}
}

bool cmd_interrupted(struct cmd_ctx *ctx)
{
	for (struct intr *i = interruptible; i; i = i->next)
		if (i->s == ctx->s)
			return i->hit || ctx->s->closing;
	return ctx->s->closing;
}

bool cli_interruptible(const struct cli_session *s)
{
	for (struct intr *i = interruptible; i; i = i->next)
		if (i->s == s)
			return true;
	return false;
}

bool cli_interrupt(struct cli_session *s)
{
	for (struct intr *i = interruptible; i; i = i->next) {
		if (i->s == s) {
			i->hit = true;
			return true;
		}
	}
	return false;
}

/* The DaemonIdentity out of a reply of daemon d (detached from it), or NULL. */
static DaemonIdentity *take_identity(enum cli_daemon d, ProtobufCMessage *rep)
{
	DaemonIdentity *id = NULL;

	switch (d) {
	case CLI_CFGD:
		id = ((CfgReply *)rep)->identity;
		((CfgReply *)rep)->identity = NULL;
		break;
	case CLI_NTPD:
		id = ((NtpReply *)rep)->identity;
		((NtpReply *)rep)->identity = NULL;
		break;
	case CLI_IFMGRD:
		id = ((IfReply *)rep)->identity;
		((IfReply *)rep)->identity = NULL;
		break;
	case CLI_DAEMON_COUNT:
		break;
	}
	return id;
}

int cmd_identity(struct cmd_ctx *ctx, const char *daemon, DaemonIdentity **out)
{
	DaemonIdentityRequest ir = DAEMON_IDENTITY_REQUEST__INIT;
	CfgRequest creq = CFG_REQUEST__INIT;
	NtpRequest nreq = NTP_REQUEST__INIT;
	IfRequest ireq = IF_REQUEST__INIT;
	const ProtobufCMessage *req;
	ProtobufCMessage *rep;
	enum cli_daemon d;
	int r;

	*out = NULL;
	if (strcmp(daemon, "cfgd") == 0) {
		d = CLI_CFGD;
		creq.req_case = CFG_REQUEST__REQ_IDENTITY;
		creq.identity = &ir;
		req = &creq.base;
	} else if (strcmp(daemon, "ntpd") == 0) {
		d = CLI_NTPD;
		nreq.req_case = NTP_REQUEST__REQ_IDENTITY;
		nreq.identity = &ir;
		req = &nreq.base;
	} else if (strcmp(daemon, "ifmgrd") == 0) {
		d = CLI_IFMGRD;
		ireq.req_case = IF_REQUEST__REQ_IDENTITY;
		ireq.identity = &ir;
		req = &ireq.base;
	} else {
		return -EINVAL;
	}
	r = session_call(ctx->s, d, req, CLI_IDENTITY_TIMEOUT_MS, &rep);
	if (r < 0)
		return r;
	*out = take_identity(d, rep);
	protobuf_c_message_free_unpacked(rep, NULL);
	return *out ? 0 : -EBADMSG;
}

int cmd_commit(struct cmd_ctx *ctx, const char *label, const char *description,
	       unsigned trial_s)
{
	return cli_commit(ctx->s, label, description, trial_s);
}

int cmd_abort_trial(struct cmd_ctx *ctx)
{
	TrialAbort ta = TRIAL_ABORT__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	uint64_t id;

	ta.session = ctx->s->sid;
	req.req_case = CFG_REQUEST__REQ_ABORT_TRIAL;
	req.abort_trial = &ta;
	return commit_call(ctx->s, &req, &id);
}

int cmd_rollback(struct cmd_ctx *ctx, RollbackRequest *rb, uint64_t *commit_id)
{
	CfgRequest req = CFG_REQUEST__INIT;

	rb->session = ctx->s->sid;
	req.req_case = CFG_REQUEST__REQ_ROLLBACK;
	req.rollback = rb;
	return commit_call(ctx->s, &req, commit_id);
}

int cmd_commit_history(struct cmd_ctx *ctx, uint32_t max, CfgReply **out)
{
	HistoryRequest h = HISTORY_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	h.has_max = max != 0;
	h.max = max;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &h;
	return cfg_call(ctx->s, &req, CLI_CFG_TIMEOUT_MS, out);
}

int cmd_commit_changes(struct cmd_ctx *ctx, uint64_t id, CfgReply **out)
{
	HistoryRequest h = HISTORY_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	h.has_commit_id = 1;
	h.commit_id = id;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &h;
	return cfg_call(ctx->s, &req, CLI_CFG_TIMEOUT_MS, out);
}

int cmd_discard_candidate(struct cmd_ctx *ctx)
{
	return cli_discard(ctx->s);
}

int cmd_commit_label(struct cmd_ctx *ctx, uint64_t id, const char *label)
{
	LabelRequest lr = LABEL_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	lr.session = ctx->s->sid;
	lr.commit_id = id;
	lr.label = (char *)label;
	req.req_case = CFG_REQUEST__REQ_LABEL;
	req.label = &lr;
	return cfg_call_status(ctx->s, &req);
}

int cmd_config_lock(struct cmd_ctx *ctx, bool unlock, bool query, CfgReply **out)
{
	LockRequest lr = LOCK_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	lr.session = ctx->s->sid;
	lr.has_unlock = unlock;
	lr.unlock = unlock;
	lr.has_query = query;
	lr.query = query;
	req.req_case = CFG_REQUEST__REQ_LOCK;
	req.lock = &lr;
	return cfg_call(ctx->s, &req, CLI_CFG_TIMEOUT_MS, out);
}

int cmd_refresh_candidate(struct cmd_ctx *ctx)
{
	CandidateRefresh cr = CANDIDATE_REFRESH__INIT;
	CfgRequest req = CFG_REQUEST__INIT;

	cr.session = ctx->s->sid;
	req.req_case = CFG_REQUEST__REQ_REFRESH;
	req.refresh = &cr;
	return cfg_call_status(ctx->s, &req);
}

/* ------------------------------------------------------------------ */
/* Sessions */

struct cli_session *cli_session_new(struct cli_backend *be, const char *user,
				    const char *line, cli_write_fn out, void *out_arg)
{
	struct cli_session *s = xcalloc(1, sizeof(*s));

	s->be = be;
	s->user = xstrdup(user ? user : "");
	s->line = xstrdup(line ? line : "");
	s->out = out;
	s->out_arg = out_arg;
	s->view = CLI_VIEW_USER;
	s->level = 15;
	s->screen_length_temp = -1;
	s->screen_length_cfg = -1;
	snprintf(s->sysname, sizeof(s->sysname), "%s", be->default_sysname);
	s->co = coro_new(CLI_STACK_SIZE);
	s->last_input_s = cli_mono_s();
	s->next = be->sessions;
	be->sessions = s;
	if (job_start(s, JOB_OPEN, NULL) && s->ended) {
		cli_session_free(s);
		return NULL;
	}
	return s;
}

void cli_session_set_level(struct cli_session *s, unsigned level)
{
	s->level = level;
}

void cli_session_set_peer(struct cli_session *s, const char *addr)
{
	snprintf(s->peer, sizeof(s->peer), "%s", addr ? addr : "");
}

void cli_session_set_ssh(struct cli_session *s, bool ssh)
{
	s->ssh = ssh;
}

size_t cmd_users(const struct cmd_ctx *ctx, struct cmd_user *v, size_t max)
{
	uint64_t now = cli_mono_s();
	size_t n = 0;

	for (const struct cli_session *o = ctx->s->be->sessions; o && n < max; o = o->next) {
		v[n].line = o->line;
		v[n].user = o->user;
		v[n].peer = o->peer;
		v[n].ssh = o->ssh;
		v[n].idle_s = now - o->last_input_s;
		v[n].self = o == ctx->s;
		v[n].level = o->level;
		n++;
	}
	return n;
}

void cli_session_free(struct cli_session *s)
{
	if (!s)
		return;
	/* Unwind a waiting job: its call fails with -ECANCELED, and every
	 * call after it at once; nothing more is written. */
	s->closing = true;
	if (s->co && coro_suspended(s->co)) {
		if (s->wait_tag && !s->wait_done) {
			if (s->be->ops->cancel)
				s->be->ops->cancel(s->be->arg, s->wait_tag);
			s->wait_done = true;
			s->wait_r = -ECANCELED;
		}
		if (!coro_resume(s->co))
			fatal("clid: a closing session's job did not end");
		job_end(s);
	}
	if (s->settings_tag && s->be->ops->cancel)
		s->be->ops->cancel(s->be->arg, s->settings_tag);
	s->settings_tag = 0;
	while (s->pipe_len > 0) {
		if (!pipe_at(s, 0)->done && s->be->ops->cancel)
			s->be->ops->cancel(s->be->arg, pipe_at(s, 0)->tag);
		pipe_pop(s);
	}
	free(s->pipe);
	for (struct cli_session **pp = &s->be->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	session_close(s);
	coro_free(s->co);
	cli_input_free(s);
	free(s->user);
	free(s->line);
	free(s);
}
