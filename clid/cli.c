/*
 * cli.c: one VTY session's command engine (see cli.h): views, prompts,
 * running lines through the grammar, the edit/commit exchange with cfgd,
 * '?' help, TAB completion and the "uncommitted changes" question.
 *
 * A line is matched in the current view's graph; if it fails there and is
 * not an `undo` command, the parent views are tried (matched upper-view, as
 * VRP does) and a match moves the session to that view.  A handler queues
 * edits in its struct cmd_ctx; after it returns they go to cfgd as one
 * EditRequest (all or none).  The prompt's '~'/'*' and the sysname come
 * from the SessionState cfgd returns with its replies.
 *
 * Questions (table `questions`).  Leaving system view (quit, return) with
 * uncommitted changes asks Y/N/C: Y commits then leaves, N drops the
 * candidate (the cfgd session is closed and a fresh one opened, which
 * starts from running) then leaves, C stays.  `save` asks Y/N: Y has cfgd
 * write running to the startup configuration.  Any other answer is refused
 * with VRP's sentence and the question stays.  The engine writes the
 * question itself (no line end: the answer is typed after it), and
 * cli_prompt() returns the same text while it waits; the telnet front end
 * shows an empty prompt in that state.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "cli.h"
#include "cmd.h"
#include "grammar.h"
#include "log.h"
#include "loop.h"

/* The questions a session may be waiting on an answer to. */
enum cli_ask { ASK_NONE = 0, ASK_LEAVE, ASK_SAVE };

static const struct {
	const char *text;    /* asked (no line end: the answer follows on the line) */
	const char *again;   /* after an answer that is none of the choices */
	bool cancel;         /* C(ancel) is a choice */
} questions[] = {
	[ASK_LEAVE] = { "Warning: Uncommitted configurations found, commit them before "
			"exiting? [Y(yes)/N(no)/C(cancel)]:",
			"Error: Please choose 'YES', 'NO' or 'CANCEL' first before pressing "
			"'Enter'. [Y/N/C]:", true },
	[ASK_SAVE] = { "Warning: The current configuration will be written to the device. "
		       "Continue? [Y/N]:",
		       "Error: Please choose 'YES' or 'NO' first before pressing 'Enter'. [Y/N]:",
		       false },
};
#define E_CFGD "The configuration service is not available."
#define E_NTPD "The NTP service is not available."

struct cli_session {
	struct cli_backend *be;
	void *chan;
	uint64_t sid;
	bool have_sid;
	char *user;
	char *line;
	cli_write_fn out;
	void *out_arg;
	enum cli_view view;
	char ifname[64];
	bool dirty;
	char sysname[256];
	char prompt[384];
	enum cli_ask ask;          /* the question waiting for its answer */
	bool ask_wrong;
	enum cli_view ask_target;  /* ASK_LEAVE: the view to go to */
	bool ended;
	char peer[64];             /* where the user is, "" if unknown */
	uint64_t last_input_s;     /* monotonic seconds of the last line, '?' or TAB */
	struct cli_session *next;  /* be->sessions */
};

static uint64_t mono_s(void)
{
	return loop_now_us() / 1000000u;
}

struct cmd_ctx {
	struct cli_session *s;
	const struct gram_tokens *t;
	size_t prompt_len;
	Edit **edits;
	size_t n_edits;
};

/* ------------------------------------------------------------------ */
/* Output */

static void out_str(struct cli_session *s, const char *str)
{
	s->out(s->out_arg, str, strlen(str));
}

static void out_fmt(struct cli_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_fmt(struct cli_session *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	s->out(s->out_arg, buf, (size_t)n);
}

/* The caret line and the error sentence. */
static void out_caret(struct cli_session *s, size_t col, enum gram_err err)
{
	char *sp = xmalloc(col + 4);

	memset(sp, ' ', col);
	memcpy(sp + col, "^\r\n", 4);
	out_str(s, sp);
	free(sp);
	out_fmt(s, "Error: %s\r\n", gram_err_text(err));
}

void cmd_write(struct cmd_ctx *ctx, const char *buf, size_t len)
{
	ctx->s->out(ctx->s->out_arg, buf, len);
}

void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *tmp;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("out of memory");
	cmd_write(ctx, tmp, (size_t)n);
	free(tmp);
}

int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char *tmp;

	va_start(ap, fmt);
	if (vasprintf(&tmp, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	out_fmt(ctx->s, "Error: %s\r\n", tmp);
	free(tmp);
	return -1;
}

int cmd_error_at(struct cmd_ctx *ctx, size_t tok, enum gram_err err)
{
	size_t col = tok < ctx->t->n ? ctx->t->off[tok] : 0;

	out_caret(ctx->s, ctx->prompt_len + col, err);
	return -1;
}

/* ------------------------------------------------------------------ */
/* cfgd */

static void state_update(struct cli_session *s, const SessionState *st)
{
	if (!st)
		return;
	if (st->has_dirty)
		s->dirty = st->dirty;
	if (st->sysname && st->sysname[0])
		snprintf(s->sysname, sizeof(s->sysname), "%s", st->sysname);
}

static int session_open(struct cli_session *s);

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
static int call_cfgd(struct cli_session *s, CfgRequest *req, int timeout, CfgReply **rep)
{
	int r = s->be->ops->cfg_call(s->chan, req, timeout, rep);

	if (r < 0 || !(*rep)->has_status || (*rep)->status != -ENOENT ||
	    !req_set_session(req, s->sid))
		return r;
	cfg_reply__free_unpacked(*rep, NULL);
	*rep = NULL;
	s->have_sid = false;
	if (session_open(s) < 0)
		return -ENOTCONN;
	out_str(s, "Warning: The configuration service was restarted; uncommitted "
		"configurations were discarded.\r\n");
	req_set_session(req, s->sid);
	return s->be->ops->cfg_call(s->chan, req, timeout, rep);
}

/* One call to cfgd.  0 with *rep (status already checked: 0) or -1 after
 * writing the error. */
static int cfg_call(struct cli_session *s, CfgRequest *req, int timeout, CfgReply **rep)
{
	int r = call_cfgd(s, req, timeout, rep);

	if (r < 0) {
		*rep = NULL;
		if (r != -ENOTCONN)
			out_str(s, "Error: " E_CFGD "\r\n");
		return -1;
	}
	state_update(s, (*rep)->state);
	if ((*rep)->has_status && (*rep)->status < 0) {
		out_fmt(s, "Error: %s\r\n", (*rep)->error && (*rep)->error[0] ? (*rep)->error
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

static int session_open(struct cli_session *s)
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
		out_str(s, "Error: " E_CFGD "\r\n");
		return -1;
	}
	s->sid = rep->state->session;
	s->have_sid = true;
	cfg_reply__free_unpacked(rep, NULL);
	return 0;
}

static void session_close(struct cli_session *s)
{
	SessionClose sc = SESSION_CLOSE__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep = NULL;

	if (!s->have_sid)
		return;
	sc.session = s->sid;
	req.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	req.session_close = &sc;
	if (s->be->ops->cfg_call(s->chan, &req, CLI_CFG_TIMEOUT_MS, &rep) == 0)
		cfg_reply__free_unpacked(rep, NULL);
	s->have_sid = false;
}

static int get_config_which(struct cli_session *s, GetRequest__Which which, Config **out)
{
	GetRequest gr = GET_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

	gr.has_session = s->have_sid;
	gr.session = s->sid;
	gr.has_which = true;
	gr.which = which;
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
				: GET_REQUEST__WHICH__RUNNING, out);
}

/* `save`, once confirmed: running becomes the startup configuration. */
static void do_save(struct cli_session *s)
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
	out_str(s, "Info: Save the configuration successfully.\r\n");
	if (s->dirty)
		out_str(s, "Info: The uncommitted configurations of this session were not "
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
			out_str(s, "Error: " E_CFGD "\r\n");
		return -1;
	}
	for (size_t i = 0; i < rep->n_warning; i++)
		out_fmt(s, "Warning: %s\r\n", rep->warning[i]);
	for (size_t i = 0; i < rep->n_info; i++)
		out_fmt(s, "Info: %s\r\n", rep->info[i]);
	if (rep->has_status && rep->status < 0) {
		out_fmt(s, "Error: %s\r\n", rep->error && rep->error[0] ? rep->error
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
static int do_commit(struct cli_session *s, const char *label, const char *description,
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
	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &cr;
	return commit_call(s, &req, &id);
}

/* Drop the candidate's changes; the cfgd session (and a configuration lock
 * it holds) stays. */
static int discard_candidate(struct cli_session *s)
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

static void send_edits(struct cmd_ctx *ctx)
{
	struct cli_session *s = ctx->s;
	EditRequest er = EDIT_REQUEST__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep;

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
/* The context handlers see */

void cmd_edit_set(struct cmd_ctx *ctx, Config *frag)
{
	Edit *e = xmalloc(sizeof(*e));

	edit__init(e);
	e->op = EDIT__OP__SET;
	e->value = frag;
	ctx->edits = xrealloc(ctx->edits, (ctx->n_edits + 1) * sizeof(*ctx->edits));
	ctx->edits[ctx->n_edits++] = e;
}

void cmd_edit_delete(struct cmd_ctx *ctx, ...)
{
	Edit *e = xmalloc(sizeof(*e));
	va_list ap;
	const char *p;

	edit__init(e);
	e->op = EDIT__OP__DELETE;
	va_start(ap, ctx);
	while ((p = va_arg(ap, const char *))) {
		e->path = xrealloc(e->path, (e->n_path + 1) * sizeof(*e->path));
		e->path[e->n_path++] = xstrdup(p);
	}
	va_end(ap);
	ctx->edits = xrealloc(ctx->edits, (ctx->n_edits + 1) * sizeof(*ctx->edits));
	ctx->edits[ctx->n_edits++] = e;
}

enum cli_view cmd_view(const struct cmd_ctx *ctx)
{
	return ctx->s->view;
}

const char *cmd_view_ifname(const struct cmd_ctx *ctx)
{
	return ctx->s->view == CLI_VIEW_INTERFACE ? ctx->s->ifname : NULL;
}

const char *cmd_view_acl(const struct cmd_ctx *ctx)
{
	return ctx->s->view == CLI_VIEW_ACL || ctx->s->view == CLI_VIEW_ACL6 ? ctx->s->ifname
									     : NULL;
}

static void set_view(struct cli_session *s, enum cli_view v, const char *ifname)
{
	s->view = v;
	/* ifname: the interface of the interface view, the number of an ACL view. */
	snprintf(s->ifname, sizeof(s->ifname), "%s",
		 (v == CLI_VIEW_INTERFACE || v == CLI_VIEW_ACL || v == CLI_VIEW_ACL6) && ifname
		 ? ifname : "");
}

void cmd_set_view(struct cmd_ctx *ctx, enum cli_view v, const char *ifname)
{
	set_view(ctx->s, v, ifname);
}

void cmd_leave_system(struct cmd_ctx *ctx, enum cli_view target)
{
	struct cli_session *s = ctx->s;

	if (s->dirty) {
		s->ask = ASK_LEAVE;
		s->ask_wrong = false;
		s->ask_target = target;
		out_str(s, questions[ASK_LEAVE].text);
		return;
	}
	set_view(s, target, NULL);
}

void cmd_ask_save(struct cmd_ctx *ctx)
{
	ctx->s->ask = ASK_SAVE;
	ctx->s->ask_wrong = false;
	out_str(ctx->s, questions[ASK_SAVE].text);
}

void cmd_end_session(struct cmd_ctx *ctx)
{
	ctx->s->ended = true;
}

bool cmd_interface_known(const struct cmd_ctx *ctx, const char *ifname)
{
	const struct cli_backend *be = ctx->s->be;

	if (!be->ifnames)
		return true;
	for (size_t i = 0; i < be->n_ifnames; i++)
		if (!strcasecmp(be->ifnames[i], ifname))
			return true;
	return false;
}

const char *cmd_default_sysname(const struct cmd_ctx *ctx)
{
	return ctx->s->be->default_sysname;
}

int cmd_get_config(struct cmd_ctx *ctx, bool candidate, Config **out)
{
	return get_config(ctx->s, candidate, out);
}

int cmd_get_saved_config(struct cmd_ctx *ctx, Config **out)
{
	return get_config_which(ctx->s, GET_REQUEST__WHICH__STARTUP, out);
}

int cmd_ntp_query(struct cmd_ctx *ctx, const NtpRequest *req, NtpReply **reply)
{
	struct cli_session *s = ctx->s;
	int r = s->be->ops->ntp_call(s->chan, req, CLI_NTP_TIMEOUT_MS, reply);

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

int cmd_commit(struct cmd_ctx *ctx, const char *label, const char *description,
	       unsigned trial_s)
{
	return do_commit(ctx->s, label, description, trial_s);
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
	return discard_candidate(ctx->s);
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
	snprintf(s->sysname, sizeof(s->sysname), "%s", be->default_sysname);
	s->chan = be->ops->chan_open(be->arg);
	if (!s->chan) {
		out_str(s, "Error: " E_CFGD "\r\n");
		cli_session_free(s);
		return NULL;
	}
	if (session_open(s) < 0) {
		cli_session_free(s);
		return NULL;
	}
	s->last_input_s = mono_s();
	s->next = be->sessions;
	be->sessions = s;
	return s;
}

void cli_session_set_peer(struct cli_session *s, const char *addr)
{
	snprintf(s->peer, sizeof(s->peer), "%s", addr ? addr : "");
}

size_t cmd_users(const struct cmd_ctx *ctx, struct cmd_user *v, size_t max)
{
	uint64_t now = mono_s();
	size_t n = 0;

	for (const struct cli_session *o = ctx->s->be->sessions; o && n < max; o = o->next) {
		v[n].line = o->line;
		v[n].user = o->user;
		v[n].peer = o->peer;
		v[n].idle_s = now - o->last_input_s;
		v[n].self = o == ctx->s;
		n++;
	}
	return n;
}

void cli_session_free(struct cli_session *s)
{
	if (!s)
		return;
	for (struct cli_session **pp = &s->be->sessions; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->chan) {
		session_close(s);
		s->be->ops->chan_close(s->chan);
	}
	free(s->user);
	free(s->line);
	free(s);
}

const char *cli_prompt(struct cli_session *s)
{
	char mark = s->dirty ? '*' : '~';

	if (s->ask)
		return s->ask_wrong ? questions[s->ask].again : questions[s->ask].text;
	switch (s->view) {
	case CLI_VIEW_USER:
		snprintf(s->prompt, sizeof(s->prompt), "<%s>", s->sysname);
		break;
	case CLI_VIEW_SYSTEM:
		snprintf(s->prompt, sizeof(s->prompt), "[%c%s]", mark, s->sysname);
		break;
	case CLI_VIEW_INTERFACE:
	case CLI_VIEW_COUNT:
		snprintf(s->prompt, sizeof(s->prompt), "[%c%s-%s]", mark, s->sysname, s->ifname);
		break;
	case CLI_VIEW_ACL:
		snprintf(s->prompt, sizeof(s->prompt), "[%c%s-acl-basic-%s]", mark, s->sysname,
			 s->ifname);
		break;
	case CLI_VIEW_ACL6:
		snprintf(s->prompt, sizeof(s->prompt), "[%c%s-acl6-basic-%s]", mark, s->sysname,
			 s->ifname);
		break;
	}
	return s->prompt;
}

bool cli_awaiting_answer(struct cli_session *s)
{
	return s->ask != ASK_NONE;
}

/* The answer to ASK_LEAVE: 'y' commits then leaves, 'n' drops the
 * candidate then leaves, 'c' stays. */
static void answer_leave(struct cli_session *s, char choice)
{
	if (choice == 'y' && do_commit(s, NULL, NULL, 0) == 0)
		set_view(s, s->ask_target, NULL);
	else if (choice == 'n' && discard_candidate(s) == 0)
		set_view(s, s->ask_target, NULL);
}

static void answer(struct cli_session *s, const char *line)
{
	char a[16];
	size_t n = 0;

	while (isspace((unsigned char)*line))
		line++;
	for (; *line && !isspace((unsigned char)*line) && n + 1 < sizeof(a); line++)
		a[n++] = (char)tolower((unsigned char)*line);
	a[n] = '\0';
	while (isspace((unsigned char)*line))
		line++;
	if (*line)
		a[0] = '\0';   /* more than one word: not an answer */
	char choice = !strcmp(a, "y") || !strcmp(a, "yes") ? 'y'
		      : !strcmp(a, "n") || !strcmp(a, "no") ? 'n'
		      : (!strcmp(a, "c") || !strcmp(a, "cancel")) && questions[s->ask].cancel ? 'c'
		      : 0;
	enum cli_ask q = s->ask;

	if (!choice) {
		s->ask_wrong = true;
		out_str(s, questions[q].again);
		return;
	}
	s->ask = ASK_NONE;
	if (q == ASK_LEAVE)
		answer_leave(s, choice);
	else if (q == ASK_SAVE && choice == 'y')
		do_save(s);
}

static bool is_undo(const char *w)
{
	size_t n = strlen(w);

	return n >= 2 && n <= 4 && !strncasecmp(w, "undo", n);
}

static int parent_view(enum cli_view v)
{
	return v == CLI_VIEW_INTERFACE || v == CLI_VIEW_ACL || v == CLI_VIEW_ACL6
	       ? CLI_VIEW_SYSTEM : -1;
}

bool cli_exec(struct cli_session *s, const char *line)
{
	struct gram_tokens t;
	struct gram_result res;
	enum cli_view run_view;
	size_t plen;

	s->last_input_s = mono_s();
	if (s->ended)
		return false;
	if (s->ask) {
		answer(s, line);
		return !s->ended;
	}
	plen = strlen(cli_prompt(s));
	if (strlen(line) > CLI_MAX_LINE) {
		out_fmt(s, "Error: The command is too long (at most %d characters).\r\n", CLI_MAX_LINE);
		return true;
	}
	gram_tokenize(line, &t);
	if (t.n == 0 || t.word[0][0] == '#') {
		gram_tokens_free(&t);
		return true;
	}
	run_view = s->view;
	gram_parse(s->be->gram, s->view, &t, &res);
	if (res.err != GRAM_OK && !is_undo(t.word[0])) {
		for (int v = parent_view(s->view); v >= 0; v = parent_view((enum cli_view)v)) {
			struct gram_result up;
			gram_parse(s->be->gram, (enum cli_view)v, &t, &up);
			if (up.err == GRAM_OK) {
				gram_result_clear(&res);
				res = up;
				run_view = (enum cli_view)v;
				break;
			}
			gram_result_clear(&up);
		}
	}
	if (res.err != GRAM_OK) {
		out_caret(s, plen + res.err_col, res.err);
	} else {
		struct cmd_ctx ctx = { .s = s, .t = &t, .prompt_len = plen };
		if (run_view != s->view)
			set_view(s, run_view, NULL);
		if (res.entry->handler(&ctx, &res.args) == 0 && ctx.n_edits > 0)
			send_edits(&ctx);
		for (size_t i = 0; i < ctx.n_edits; i++)
			edit__free_unpacked(ctx.edits[i], NULL);
		free(ctx.edits);
	}
	gram_result_clear(&res);
	gram_tokens_free(&t);
	return !s->ended;
}

/* ------------------------------------------------------------------ */
/* Help and completion */

static void write_listing(struct cli_session *s, const struct gram_help *h)
{
	size_t width = 4;   /* "<cr>" */

	for (size_t i = 0; i < h->n; i++)
		if (strlen(h->v[i].name) > width)
			width = strlen(h->v[i].name);
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].help[0])
			out_fmt(s, "  %-*s  %s\r\n", (int)width, h->v[i].name, h->v[i].help);
		else
			out_fmt(s, "  %s\r\n", h->v[i].name);
	}
	if (h->cr)
		out_str(s, "  <cr>\r\n");
}

/* Names only, several per line: what '?' shows after a partial word. */
static void write_names(struct cli_session *s, const struct gram_help *h)
{
	struct sbuf b = { 0 };
	size_t col = 0;

	for (size_t i = 0; i < h->n; i++) {
		size_t l = strlen(h->v[i].name) + 2;
		if (col > 0 && col + l > 79) {
			sbuf_puts(&b, "\r\n");
			col = 0;
		}
		sbuf_printf(&b, "  %s", h->v[i].name);
		col += l;
	}
	if (b.len)
		sbuf_puts(&b, "\r\n");
	if (b.len)
		s->out(s->out_arg, b.buf, b.len);
	sbuf_free(&b);
}

void cli_help(struct cli_session *s, const char *line)
{
	struct gram_tokens t;
	struct gram_help h;
	size_t plen;

	s->last_input_s = mono_s();
	if (s->ask || s->ended)
		return;
	plen = strlen(cli_prompt(s));
	gram_tokenize(line, &t);
	gram_help(s->be->gram, s->view, &t, &h);
	if (h.err != GRAM_OK) {
		out_caret(s, plen + h.err_col, h.err);
	} else if (h.partial) {
		bool kw = h.n > 0 && h.v[0].keyword;
		for (size_t i = 0; i < h.n; i++)
			kw = kw && h.v[i].keyword;
		if (kw)
			write_names(s, &h);
		else
			write_listing(s, &h);
	} else {
		write_listing(s, &h);
	}
	gram_help_clear(&h);
	gram_tokens_free(&t);
}

char *cli_complete(struct cli_session *s, const char *line)
{
	struct gram_tokens t;
	struct gram_help h;
	char *ret = NULL;

	s->last_input_s = mono_s();
	if (s->ask || s->ended)
		return NULL;
	gram_tokenize(line, &t);
	gram_help(s->be->gram, s->view, &t, &h);
	if (h.err != GRAM_OK || h.n == 0)
		goto out;
	size_t n_kw = 0;
	for (size_t i = 0; i < h.n; i++)
		n_kw += h.v[i].keyword;
	if (!h.partial) {
		/* After blank space: complete only when one keyword is possible. */
		if (h.n == 1 && n_kw == 1 && !h.cr) {
			ret = xasprintf("%s%s ", line, h.v[0].name);
		} else {
			write_listing(s, &h);
		}
		goto out;
	}
	if (n_kw == 0)
		goto out;
	size_t keep = t.off[t.n - 1];
	if (n_kw == 1) {
		for (size_t i = 0; i < h.n; i++)
			if (h.v[i].keyword)
				ret = xasprintf("%.*s%s ", (int)keep, line, h.v[i].name);
		goto out;
	}
	/* Several keywords: extend to their longest common prefix, or list them. */
	const char *first = NULL;
	size_t lcp = 0;
	for (size_t i = 0; i < h.n; i++) {
		if (!h.v[i].keyword)
			continue;
		if (!first) {
			first = h.v[i].name;
			lcp = strlen(first);
			continue;
		}
		size_t k = 0;
		while (k < lcp && h.v[i].name[k] &&
		       tolower((unsigned char)h.v[i].name[k]) == tolower((unsigned char)first[k]))
			k++;
		lcp = k;
	}
	if (lcp > strlen(t.word[t.n - 1]))
		ret = xasprintf("%.*s%.*s", (int)keep, line, (int)lcp, first);
	else
		write_names(s, &h);
out:
	gram_help_clear(&h);
	gram_tokens_free(&t);
	return ret;
}
