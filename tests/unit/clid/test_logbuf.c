/*
 * test_logbuf.c: `display logbuffer` (the exact layout, newest first, the
 * device clock), the buffer's bound, and `terminal monitor` / `undo
 * terminal monitor` on a session (events reach only the sessions that
 * asked, through the front end's asynchronous output).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <zmq.h>

#include "bootstrap.h"
#include "cmd_session.h"
#include "evlog.h"
#include "logbuf.h"
#include "loop.h"
#include "testutil.h"

/* 2026-12-07 05:40:01 UTC */
#define T0 1796622001LL

static struct ev mk(enum ev_severity sev, const char *mod, const char *brief, const char *text,
		    uint64_t seq, int64_t t_s, bool device, uint32_t cid)
{
	struct ev e;

	ev_set(&e, sev, mod, brief, "%s", text);
	e.seq = seq;
	e.time_us = t_s * 1000000 + 250000;
	e.device_time = device;
	e.cid = cid;
	return e;
}

Test(logbuf, one_entry_as_vrp_prints_it)
{
	struct ev e = mk(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS",
			 "NTP state changed from unsynchronized to synchronized.", 1, T0, true,
			 EVLOG_CID_NTPD);
	char buf[600];

	logbuf_format(&e, e.time_us, "DeviceD", buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-12-07 05:40:01 DeviceD %%01NTP/4/NTP_SYNCHRONIZE_STATUS(l):"
			      "CID=0x80ca0004;NTP state changed from unsynchronized to "
			      "synchronized.");
}

Test(logbuf, display_newest_first_on_the_device_clock)
{
	struct logbuf *lb = logbuf_new();
	struct ev a = mk(EV_NOTICE, "SHELL", "LOGIN", "login", 1, T0, false, EVLOG_CID_CLID);
	struct ev b = mk(EV_NOTICE, "CONFIGURATION", "CFG_COMMIT", "commit", 1, T0 + 5, false,
			 EVLOG_CID_CFGD);
	struct ev c = mk(EV_WARNING, "NTP", "PEER_SELE", "peer", 1, T0 + 7, true,
			 EVLOG_CID_NTPD);
	struct sbuf out = { 0 };

	/* The login came before ntpd told its clock's offset: it moves at
	 * display time; the commit moves as it arrives. */
	logbuf_add(lb, LOGBUF_CLID, &a);
	logbuf_set_clock_offset(lb, 3000000);
	logbuf_add(lb, LOGBUF_CFGD, &b);
	logbuf_add(lb, LOGBUF_NTPD, &c);
	logbuf_render(lb, "DeviceC", &out);
	cr_assert_str_eq(out.buf,
		"Logging buffer configuration and contents : enabled\r\n"
		"Allowed max buffer size : 1024\r\n"
		"Actual buffer size : 512\r\n"
		"Channel number : 4 , Channel name : logbuffer\r\n"
		"Dropped messages : 0\r\n"
		"Overwritten messages : 0\r\n"
		"Current messages : 3\r\n"
		"\r\n"
		"2026-12-07 05:40:09 DeviceC %%01CONFIGURATION/5/CFG_COMMIT(l):CID=0x80ca0002;"
		"commit\r\n"
		"2026-12-07 05:40:08 DeviceC %%01NTP/4/PEER_SELE(l):CID=0x80ca0004;peer\r\n"
		"2026-12-07 05:40:04 DeviceC %%01SHELL/5/LOGIN(l):CID=0x80ca0001;login\r\n");
	sbuf_free(&out);
	logbuf_free(lb);
}

Test(logbuf, empty)
{
	struct logbuf *lb = logbuf_new();
	struct sbuf out = { 0 };

	logbuf_render(lb, NULL, &out);
	cr_assert(strstr(out.buf, "Current messages : 0\r\n\r\n"));
	cr_assert_eq(strlen(strstr(out.buf, "Current messages : 0\r\n\r\n")),
		     strlen("Current messages : 0\r\n\r\n"));
	sbuf_free(&out);
	logbuf_free(lb);
}

/* Four sources of 512 each: 512 shown, the newest, the rest overwritten. */
Test(logbuf, bounded_across_sources)
{
	struct logbuf *lb = logbuf_new();
	struct sbuf out = { 0 };
	int64_t t = T0;

	for (int i = 0; i < 700; i++) {
		struct ev e = mk(EV_INFO, "IFNET", "IF_STATE", "x", (uint64_t)i + 1, t++, true,
				 EVLOG_CID_IFMGRD);
		struct ev f = mk(EV_INFO, "NTP", "PEER_SELE", "y", (uint64_t)i + 1, t++, true,
				 EVLOG_CID_NTPD);

		logbuf_add(lb, LOGBUF_IFMGRD, &e);
		logbuf_add(lb, LOGBUF_NTPD, &f);
	}
	logbuf_render(lb, "D", &out);
	/* Each source kept its last 512 (188 overwritten each); of their
	 * 1024, the newest 512 are shown. */
	cr_assert(strstr(out.buf, "Overwritten messages : 888\r\n"), "%s", out.buf);
	cr_assert(strstr(out.buf, "Current messages : 512\r\n"));
	/* The newest first: the last NTP event at T0 + 1399. */
	cr_assert(strstr(out.buf, "\r\n\r\n2026-12-07 06:03:20 D %%01NTP/6/PEER_SELE(l):"
			  "CID=0x80ca0004;y\r\n2026-12-07 06:03:19 D %%01IFNET/6/IF_STATE(l):"),
		  "%.400s", out.buf);
	/* The oldest shown: the 512th newest, at T0 + 1399 - 511. */
	cr_assert(strstr(out.buf, "2026-12-07 05:54:49 D %%01IFNET/6/IF_STATE(l):CID=0x80ca0003;"
			  "x\r\n") && !strstr(out.buf, "05:54:48"), "%s",
		  out.buf + strlen(out.buf) - 300);
	sbuf_free(&out);
	logbuf_free(lb);
}

/* ---- the commands ---- */

static struct sbuf async_out;
static int async_calls;

static void on_async(void *arg, const char *text, size_t len)
{
	(void)arg;
	async_calls++;
	sbuf_printf(&async_out, "%.*s", (int)len, text);
}

static void fire(enum logbuf_src src, const char *text)
{
	static uint64_t seq;
	struct ev e = mk(EV_NOTICE, "CONFIGURATION", "CFG_COMMIT", text, ++seq, T0, true,
			 EVLOG_CID_CFGD);

	logbuf_add(cmd_fake.be->logbuf, src, &e);
}

Test(logbuf, terminal_monitor_on_and_off)
{
	cmd_fake_setup(NULL, false);
	struct cli_session *s = cmd_session_new("VTY 0");
	struct cli_session *other = cmd_session_new("VTY 1");

	cli_session_on_async(s, on_async);
	cli_session_on_async(other, on_async);
	(void)cmd_printed();
	/* Off by default on a VTY. */
	fire(LOGBUF_CFGD, "unseen");
	cr_assert_eq(async_calls, 0);
	cmd_run(s, "terminal monitor", "", "Info: Current terminal monitor is on.\r\n");
	fire(LOGBUF_CFGD, "seen");
	cr_assert_eq(async_calls, 1, "only the session that asked");
	cr_assert_str_eq(async_out.buf, "2026-12-07 05:40:01 HUAWEI %%01CONFIGURATION/5/"
					"CFG_COMMIT(l):CID=0x80ca0002;seen\r\n");
	cmd_run(s, "undo terminal monitor", "", "Info: Current terminal monitor is off.\r\n");
	fire(LOGBUF_CFGD, "unseen again");
	cr_assert_eq(async_calls, 1);
	/* Abbreviated, as any command. */
	cmd_run(s, "ter mon", "", "Info: Current terminal monitor is on.\r\n");
	fire(LOGBUF_NTPD, "again");
	cr_assert_eq(async_calls, 2);
	/* `display logbuffer` holds them all, from any view. */
	cli_exec(s, "system-view");
	(void)cmd_printed();
	cr_assert(cli_exec(s, "display logbuffer"));
	const char *printed = cmd_printed();

	cr_assert(strstr(printed, "Current messages : 4\r\n"), "%s", printed);
	cr_assert(strstr(printed, "CFG_COMMIT(l):CID=0x80ca0002;unseen again\r\n"));
	/* terminal monitor is a user-view command. */
	cr_assert(cli_exec(s, "terminal monitor"));
	cr_assert(strstr(cmd_printed(), "Error: Unrecognized command"));
	cli_session_free(s);
	cli_session_free(other);
	sbuf_free(&async_out);
	cmd_fake_teardown();
}

/* ---- following a daemon ---- */

static struct logbuf *follow_lb;

static bool has_events(void *arg)
{
	struct sbuf out = { 0 };
	bool ok;

	logbuf_render(follow_lb, "D", &out);
	ok = strstr(out.buf, (const char *)arg) != NULL;
	sbuf_free(&out);
	return ok;
}

static struct sbuf seen;

static void on_event(const struct ev *e, void *arg)
{
	(void)arg;
	sbuf_printf(&seen, "[%s]", e->text);
}

/* The device clock 2 s ahead of CLOCK_REALTIME. */
static int64_t ahead(void *arg)
{
	(void)arg;
	return evlog_realtime_us() + 2000000;
}

/* An event emitted before clid follows comes with the snapshot (and is not
 * shown to a monitor); later ones come one by one (and are); clid's own
 * events move onto ntpd's clock. */
Test(logbuf, follows_a_daemon, .timeout = 60)
{
	char *dir = tmpdir_new();
	void *zctx = zmq_ctx_new();
	struct loop *loop = loop_new();
	struct bootstrap bs;
	struct evlog *el;
	struct ev mine;
	struct sbuf out = { 0 };

	memset(&bs, 0, sizeof(bs));
	bs.run_dir = dir;
	el = evlog_open(loop, zctx, &bs, "ntpd", EVLOG_CID_NTPD);
	cr_assert_not_null(el);
	evlog_set_clock(el, ahead, NULL);
	evlog(EV_WARNING, "NTP", "NTP_SYNCHRONIZE_STATUS", "early");

	follow_lb = logbuf_new();
	logbuf_on_event(follow_lb, on_event, NULL);
	cr_assert_eq(logbuf_subscribe(follow_lb, loop, zctx, &bs), 0);
	cr_assert(run_until(loop, has_events, ";early\r\n", 10000), "no snapshot");
	evlog(EV_WARNING, "NTP", "PEER_SELE", "late");
	cr_assert(run_until(loop, has_events, ";late\r\n", 10000), "no delta");
	cr_assert_str_eq(seen.buf, "[late]");

	/* A login stamped on CLOCK_REALTIME shows about 2 s later. */
	ev_set(&mine, EV_NOTICE, "SHELL", "LOGIN", "mine");
	mine.seq = 1;
	mine.time_us = evlog_realtime_us();
	logbuf_add(follow_lb, LOGBUF_CLID, &mine);
	logbuf_render(follow_lb, "D", &out);
	cr_assert(strstr(out.buf, "Current messages : 3\r\n"), "%s", out.buf);
	/* Newest first: on ntpd's clock the login came after "late" (on
	 * CLOCK_REALTIME it would be 2 s before it). */
	cr_assert(strstr(out.buf, ";mine\r\n") < strstr(out.buf, ";late\r\n"), "%s", out.buf);
	cr_assert(strstr(out.buf, ";late\r\n") < strstr(out.buf, ";early\r\n"), "%s", out.buf);
	cr_assert_eq(logbuf_bad(follow_lb), 0);
	sbuf_free(&out);
	sbuf_free(&seen);
	logbuf_free(follow_lb);
	evlog_close(el);
	loop_free(loop);
	zmq_ctx_term(zctx);
	tmpdir_free(dir);
}

/* Events that came before ntpd's offset move onto the device clock once,
 * when it comes; a later step moves only what comes after it. */
Test(logbuf, first_offset_fixes_earlier_events)
{
	struct logbuf *lb = logbuf_new();
	struct ev a = mk(EV_NOTICE, "CONFIGURATION", "CFG_COMMIT", "before", 1, T0, false,
			 EVLOG_CID_CFGD);
	struct ev b = mk(EV_NOTICE, "CONFIGURATION", "CFG_COMMIT", "after", 2, T0 + 10, false,
			 EVLOG_CID_CFGD);
	struct sbuf out = { 0 };

	logbuf_add(lb, LOGBUF_CFGD, &a);
	logbuf_set_clock_offset(lb, 5000000);
	logbuf_set_clock_offset(lb, 3600000000LL);   /* a step of an hour */
	logbuf_add(lb, LOGBUF_CFGD, &b);
	logbuf_render(lb, "D", &out);
	cr_assert(strstr(out.buf, "\r\n2026-12-07 06:40:11 D %%01CONFIGURATION/5/CFG_COMMIT(l):"
				  "CID=0x80ca0002;after\r\n2026-12-07 05:40:06 D %%01CONFIGURATION"
				  "/5/CFG_COMMIT(l):CID=0x80ca0002;before\r\n"), "%s", out.buf);
	sbuf_free(&out);
	logbuf_free(lb);
}
