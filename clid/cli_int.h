/*
 * cli_int.h: the engine's inside, shared by cli.c (views, lines, help,
 * questions) and cfgcall.c (the calls to cfgd and ntpd, and the coroutine
 * a session waits in).  Not for the feature files: they see cmd.h.
 */
#ifndef MERIDIAN_CLID_CLI_INT_H
#define MERIDIAN_CLID_CLI_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "cli.h"
#include "cmd.h"
#include "grammar.h"
#include "lineedit.h"

/* The questions a session may be waiting on an answer to. */
enum cli_ask { ASK_NONE = 0, ASK_LEAVE, ASK_SAVE };

#define E_CFGD "The configuration service is not available."
#define E_NTPD "The NTP service is not available."

/* What the session's coroutine runs. */
enum cli_job { JOB_NONE = 0, JOB_OPEN, JOB_EXEC, JOB_RECOVER };

struct coro;
struct cli_pipe;

/* Edits sent to cfgd whose results are not shown yet, at most. */
#define CLI_PIPE_MAX 128

struct cli_session {
	struct cli_backend *be;
	uint64_t sid;
	bool have_sid;
	char *user;
	char *line;
	unsigned level;            /* privilege 0..15 (cli.c refuses commands above it) */
	cli_write_fn out;
	cli_done_fn done;
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
	bool ssh;                  /* over SSH (else telnet) */
	uint64_t last_input_s;     /* monotonic seconds of the last line, '?' or TAB */
	struct line_history hist;  /* the lines run, for display history-command (cli.c) */
	struct cli_tab {           /* TAB cycling (cli.c): the candidates of the word */
		char *base;        /* the line before the word */
		char **cand;
		size_t n, at;      /* cand[at] is shown */
		char *last;        /* the line the last TAB left */
	} tab;
	struct cli_session *next;  /* be->sessions */
	bool monitor;              /* `terminal monitor` (cmd_log.c) */
	struct cli_pkey {          /* the peer-public-key views (cmd_ssh.c) */
		bool ecc, openssh;
		char name[48];
		char *code;        /* the key text typed so far, NULL: none */
		size_t len;
	} pk;
	cli_async_fn async;        /* the front end's asynchronous output */

	/* The job and its wait (cfgcall.c). */
	struct coro *co;
	enum cli_job job;
	char *job_line;            /* JOB_EXEC: the line */
	bool closing;              /* being freed: calls fail at once, output muted */
	uint64_t wait_tag;         /* the call waited for, 0: none */
	bool wait_done;
	int wait_r;
	ProtobufCMessage *wait_reply;

	/* Pipelined edits (cfgcall.c), a ring of CLI_PIPE_MAX, oldest first. */
	cli_hold_fn hold;          /* NULL: the front end cannot hold output: no pipeline */
	cli_release_fn release;
	struct cli_pipe *pipe;
	size_t pipe_head, pipe_len;
	bool pipe_wait;            /* the job waits for the pipeline to move */
	bool pipe_lost;            /* an edit found its cfgd session gone: replay */
	bool pipe_pushed;          /* the line running has its entry already */

	/* Paging and output pipes (cli.c, cmd_ui.c). */
	int screen_length_temp;    /* `screen-length N temporary`, -1: not set */
	int screen_length_cfg;     /* the VTY line's configured screen-length, -1: none */
	uint64_t settings_tag;     /* the call reading them at login, 0: none */
	struct pipe_chain *filter; /* the pipes of the display running, or NULL */
};

struct cmd_ctx {
	struct cli_session *s;
	const struct gram_tokens *t;
	size_t prompt_len;
	Edit **edits;
	size_t n_edits;
};

/* cli.c */
void cli_out_raw(struct cli_session *s, const char *buf, size_t len);
void cli_out_str(struct cli_session *s, const char *str);
void cli_out_fmt(struct cli_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_set_view(struct cli_session *s, enum cli_view v, const char *ifname);
/* The peer-public-key code view (cmd_ssh.c): whether a first word is
 * `public-key-code` (or a prefix of it), and a line of key text to keep. */
bool cmd_ssh_is_code_end(const char *word);
void cmd_ssh_code_line(struct cli_session *s, const char *line);
/* The body of a line (in the session's coroutine). */
void cli_run_line(struct cli_session *s, const char *line);
uint64_t cli_mono_s(void);
/* Free what the line input left (history, TAB state); cli_session_free. */
void cli_input_free(struct cli_session *s);
/* The prompt of view (with ifname) as the session's state shows it now. */
void cli_prompt_view(struct cli_session *s, enum cli_view view, const char *ifname, char *buf,
		     size_t len);

/* cmd_log.c: the log buffer of the backend and the monitor's output */
struct bootstrap;
struct loop;
void cli_log_init(struct cli_backend *be);
int cli_log_start(struct cli_backend *be, struct loop *loop, void *zctx,
		  const struct bootstrap *bs);
void cli_log_fini(struct cli_backend *be);
/* cmd_ui.c: the configured screen-length of VTY line `line` ("VTY 3") in
 * c, or -1 when none is configured. */
int cmd_ui_screen_length(const Config *c, const char *line);

/* cfgcall.c, all from inside the session's coroutine */
int cli_session_open(struct cli_session *s);
int cli_commit(struct cli_session *s, const char *label, const char *description,
	       unsigned trial_s);
int cli_discard(struct cli_session *s);
void cli_save(struct cli_session *s);
void cli_send_edits(struct cmd_ctx *ctx);
/* Wait until every pipelined edit's result is in and shown. */
void cli_pipe_drain(struct cli_session *s);
/* The end of a line run by cli_exec(): hold its prompt if results before
 * it (or its own) are still to come. */
void cli_pipe_line_end(struct cli_session *s);

#endif
