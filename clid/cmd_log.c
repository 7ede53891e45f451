/*
 * cmd_log.c: `display logbuffer` and `terminal monitor` / `undo terminal
 * monitor`, and the glue between the log buffer (logbuf.c) and the
 * sessions.
 *
 * VRP: `display logbuffer` in every view; `terminal monitor` in user view,
 * for this session only, off by default on a VTY (on for the console,
 * which Meridian has not), answered "Info: Current terminal monitor is
 * on." / "... off.".  While it is on, each new event is written to the
 * session as it happens through the front end's asynchronous output
 * (cli_session_on_async), which reprints the prompt and the line being
 * typed after it.
 *
 * clid's own events (logins) reach the buffer through the process's
 * evlog listener; the daemons' through logbuf's subscriptions.
 */
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "cmd.h"
#include "evlog.h"
#include "log.h"
#include "logbuf.h"

static const struct cmd_kwhelp log_kw[] = {
	{ "display", "Display information" },
	{ "logbuffer", "Display the information in the log buffer" },
	{ "terminal", "Set the terminal line characteristics" },
	{ "monitor", "Enable/disable the terminal to display logs, traps and debugging "
		     "information" },
	{ NULL, NULL },
};

static int h_display_logbuffer(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cli_session *s = ctx->s;
	struct sbuf b = { 0 };

	(void)a;
	logbuf_render(s->be->logbuf, s->sysname[0] ? s->sysname : s->be->default_sysname, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	return 0;
}

static int h_terminal_monitor(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	ctx->s->monitor = !a->undo;
	cmd_printf(ctx, "Info: Current terminal monitor is %s.\r\n", a->undo ? "off" : "on");
	return 0;
}

const struct cmd_entry cmd_log_entries[] = {
	{ CLI_V_ALL, "display logbuffer", NULL, NULL, log_kw, h_display_logbuffer },
	{ CLI_V_USER, "terminal monitor", "undo terminal monitor", NULL, log_kw,
	  h_terminal_monitor },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

/* A new event: to every session with the monitor on. */
static void monitor_fanout(const struct ev *e, void *arg)
{
	struct cli_backend *be = arg;
	char line[EV_TEXT_MAX + 200];
	int64_t t = logbuf_event_time(be->logbuf, e);

	for (struct cli_session *s = be->sessions; s; s = s->next) {
		size_t n;

		if (!s->monitor || !s->async || s->closing || s->ended)
			continue;
		logbuf_format(e, t, s->sysname[0] ? s->sysname : be->default_sysname, line,
			      sizeof(line) - 2);
		n = strlen(line);
		memcpy(line + n, "\r\n", 3);
		s->async(s->out_arg, line, n + 2);
	}
}

/* clid's own events (login.c). */
static void on_local_event(const struct ev *e, void *arg)
{
	struct cli_backend *be = arg;
	struct ev c = *e;

	c.cid = EVLOG_CID_CLID;
	logbuf_add(be->logbuf, LOGBUF_CLID, &c);
}

void cli_log_init(struct cli_backend *be)
{
	be->logbuf = logbuf_new();
	logbuf_on_event(be->logbuf, monitor_fanout, be);
}

int cli_log_start(struct cli_backend *be, struct loop *loop, void *zctx,
		  const struct bootstrap *bs)
{
	evlog_set_listener(on_local_event, be);
	return logbuf_subscribe(be->logbuf, loop, zctx, bs);
}

void cli_log_fini(struct cli_backend *be)
{
	evlog_set_listener(NULL, NULL);
	logbuf_free(be->logbuf);
	be->logbuf = NULL;
}

void cli_session_on_async(struct cli_session *s, cli_async_fn fn)
{
	s->async = fn;
}
