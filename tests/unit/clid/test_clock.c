/*
 * test_clock.c: the clock commands (clid/cmd_clock.c) and `display
 * version` (clid/cmd_version.c): the calendar and time zone arithmetic,
 * the renderers, the grammar with VRP's errors, and what is asked of cfgd
 * and ntpd, over the fake backend of cmd_session.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "cmd_clock.h"
#include "cmd_session.h"
#include "cmd_version.h"

/* ------------------------------------------------------------------ */
/* Arithmetic */

Test(clock_math, civil_round_trip)
{
	cr_assert_eq(clock_days_from_civil(1970, 1, 1), 0);
	cr_assert_eq(clock_days_from_civil(2000, 3, 1), 11017);
	cr_assert_eq(clock_days_from_civil(1969, 12, 31), -1);
	for (int64_t d = -800000; d < 800000; d += 37) {
		int y;
		unsigned m, dd;

		clock_civil_from_days(d, &y, &m, &dd);
		cr_assert_eq(clock_days_from_civil(y, m, dd), d, "day %lld", (long long)d);
	}
}

Test(clock_math, weekday)
{
	/* The reference's samples: 2020-02-02 was a Sunday (the manual's
	 * "Tuesday" is wrong), 2024-12-09 a Monday. */
	cr_assert_str_eq(clock_weekday_name(clock_weekday(clock_days_from_civil(2020, 2, 2))),
			 "Sunday");
	cr_assert_str_eq(clock_weekday_name(clock_weekday(clock_days_from_civil(2024, 12, 9))),
			 "Monday");
	cr_assert_str_eq(clock_weekday_name(clock_weekday(0)), "Thursday");
	cr_assert_str_eq(clock_weekday_name(clock_weekday(-1)), "Wednesday");
	cr_assert_str_eq(clock_weekday_name(clock_weekday(clock_days_from_civil(2037, 12, 31))),
			 "Thursday");
}

Test(clock_math, parse_hms)
{
	int32_t s = -1;

	cr_assert_eq(clock_parse_hms("08:00:00", 18, &s), 0);
	cr_assert_eq(s, 8 * 3600);
	cr_assert_eq(clock_parse_hms("0", 18, &s), 0);     /* VRP: "0" is 00:00:00 */
	cr_assert_eq(s, 0);
	cr_assert_eq(clock_parse_hms("5:30", 18, &s), 0);
	cr_assert_eq(s, 5 * 3600 + 30 * 60);
	cr_assert_eq(clock_parse_hms("1:2:3", 23, &s), 0);
	cr_assert_eq(s, 3723);
	cr_assert_eq(clock_parse_hms("18:59:59", 18, &s), 0);
	cr_assert_eq(clock_parse_hms("23:59:59", 23, &s), 0);
	cr_assert_eq(s, 86399);
	cr_assert_eq(clock_parse_hms("19:00:00", 18, &s), -1);
	cr_assert_eq(clock_parse_hms("24:00:00", 23, &s), -1);
	cr_assert_eq(clock_parse_hms("08:60:00", 18, &s), -1);
	cr_assert_eq(clock_parse_hms("08:00:60", 18, &s), -1);
	cr_assert_eq(clock_parse_hms("08:00:00:00", 18, &s), -1);
	cr_assert_eq(clock_parse_hms("123", 23, &s), -1);
	cr_assert_eq(clock_parse_hms("8:", 23, &s), -1);
	cr_assert_eq(clock_parse_hms("", 23, &s), -1);
	cr_assert_eq(clock_parse_hms("-1", 23, &s), -1);
	cr_assert_eq(clock_parse_hms("a:00", 23, &s), -1);
}

Test(clock_math, parse_date)
{
	int64_t d;

	cr_assert_eq(clock_parse_date("2020-01-01", &d), 0);
	cr_assert_eq(d, clock_days_from_civil(2020, 1, 1));
	cr_assert_eq(clock_parse_date("2000-1-1", &d), 0);
	cr_assert_eq(clock_parse_date("2037-12-31", &d), 0);
	cr_assert_eq(clock_parse_date("2000-02-29", &d), 0);   /* 2000 is a leap year */
	cr_assert_eq(clock_parse_date("2024-02-29", &d), 0);
	cr_assert_eq(clock_parse_date("2023-02-29", &d), -1);
	cr_assert_eq(clock_parse_date("2020-04-31", &d), -1);
	cr_assert_eq(clock_parse_date("1999-12-31", &d), -1);
	cr_assert_eq(clock_parse_date("2038-01-01", &d), -1);
	cr_assert_eq(clock_parse_date("2020-13-01", &d), -1);
	cr_assert_eq(clock_parse_date("2020-00-01", &d), -1);
	cr_assert_eq(clock_parse_date("2020-01-00", &d), -1);
	cr_assert_eq(clock_parse_date("20-01-01", &d), -1);
	cr_assert_eq(clock_parse_date("2020/01/01", &d), -1);
	cr_assert_eq(clock_parse_date("2020-01-01x", &d), -1);
}

Test(clock_math, ntp_eras)
{
	cr_assert_eq(clock_unix_from_ntp(2208988800ull << 32), 0);
	cr_assert_eq(clock_unix_from_ntp(0xC7B7AC31773E89A8ull), 1141714353);
	/* Seconds 0 of era 1: 2036-02-07 06:28:16 UTC. */
	cr_assert_eq(clock_unix_from_ntp(0), 2085978496);
	cr_assert_eq(clock_unix_from_ntp(0xFFFFFFFFull << 32), 2085978495);
}

static int64_t unix_of(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss)
{
	return clock_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* ------------------------------------------------------------------ */
/* Renderers */

Test(clock_render, display_with_zone)
{
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	struct sbuf b = { 0 };

	tz.name = (char *)"BJ";
	tz.has_offset = true;
	tz.offset = 8 * 3600;
	clock_fmt_display(unix_of(2020, 2, 2, 9, 2, 34), &tz, &b);
	cr_assert_str_eq(b.buf, "2020-02-02 17:02:34+08:00\r\nSunday\r\nTime Zone(BJ) : UTC+08:00\r\n");
	sbuf_free(&b);
}

Test(clock_render, display_without_zone)
{
	struct sbuf b = { 0 };

	clock_fmt_display(unix_of(2024, 12, 9, 21, 33, 25), NULL, &b);
	cr_assert_str_eq(b.buf,
			 "2024-12-09 21:33:25\r\nMonday\r\nTime Zone(DefaultZoneName) : UTC\r\n");
	sbuf_free(&b);
}

Test(clock_render, display_minus_crosses_midnight)
{
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	struct sbuf b = { 0 };

	tz.name = (char *)"NY";
	tz.has_offset = true;
	tz.offset = -5 * 3600;
	clock_fmt_display(unix_of(2020, 1, 1, 2, 0, 0), &tz, &b);
	cr_assert_str_eq(b.buf, "2019-12-31 21:00:00-05:00\r\nTuesday\r\nTime Zone(NY) : UTC-05:00\r\n");
	sbuf_free(&b);
	tz.offset = 5 * 3600 + 45 * 60 + 30;
	tz.name = (char *)"Odd";
	clock_fmt_display(unix_of(2020, 12, 31, 20, 0, 0), &tz, &b);
	cr_assert_str_eq(b.buf,
			 "2021-01-01 01:45:30+05:45:30\r\nFriday\r\nTime Zone(Odd) : UTC+05:45:30\r\n");
	sbuf_free(&b);
}

Test(clock_render, configuration_text)
{
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	System sys = SYSTEM__INIT;
	Config c = CONFIG__INIT;
	struct sbuf b = { 0 };

	tz.name = (char *)"BJ";
	tz.has_offset = true;
	tz.offset = 8 * 3600;
	sys.clock_timezone = &tz;
	c.system = &sys;
	cmd_render_config(&c, "HUAWEI", &b);
	cr_assert_str_eq(b.buf, "#\r\nsysname HUAWEI\r\n#\r\nclock timezone BJ add 08:00:00\r\n"
			 "#\r\nreturn\r\n");
	sbuf_free(&b);
	tz.offset = -(3 * 3600 + 30 * 60);
	cmd_clock_render(&sys, &b);
	cr_assert_str_eq(b.buf, "#\r\nclock timezone BJ minus 03:30:00\r\n");
	sbuf_free(&b);
	cmd_clock_render(NULL, &b);
	cr_assert_null(b.buf);
}

Test(version_render, uptime_words)
{
	struct sbuf b = { 0 };

	version_fmt_uptime(7 * 86400 + 3600 + 18 * 60 + 59, &b);
	cr_assert_str_eq(b.buf, "7 days, 1 hour, 18 minutes");
	sbuf_free(&b);
	version_fmt_uptime(86400 + 2 * 3600 + 60, &b);
	cr_assert_str_eq(b.buf, "1 day, 2 hours, 1 minute");
	sbuf_free(&b);
	version_fmt_uptime(59, &b);
	cr_assert_str_eq(b.buf, "0 days, 0 hours, 0 minutes");
	sbuf_free(&b);
}

Test(version_render, daemons)
{
	DaemonIdentity a = DAEMON_IDENTITY__INIT, n = DAEMON_IDENTITY__INIT;
	struct version_daemon d[] = { { "clid", &a }, { "ifmgrd", NULL }, { "ntpd", &n } };
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	struct sbuf b = { 0 };
	double now = (double)unix_of(2026, 12, 7, 5, 10, 40) + 0.2;

	a.has_pid = n.has_pid = true;
	a.pid = 4711;
	n.pid = 4712;
	a.has_uptime = n.has_uptime = true;
	a.uptime = 60.5;
	n.uptime = 3600;
	a.version = (char *)"0.1.0";
	n.version = (char *)"0.0.9";
	tz.name = (char *)"BJ";
	tz.has_offset = true;
	tz.offset = 8 * 3600;
	version_fmt("0.1.0", 90061, d, 3, now, &tz, &b);
	cr_assert_str_eq(b.buf,
		"Meridian Routing Platform Software\r\n"
		"Meridian software, Version 0.1.0\r\n"
		"Meridian uptime is 1 day, 1 hour, 1 minute\r\n"
		"\r\n"
		"Daemon   PID      Start time                   State\r\n"
		"clid     4711     2026-12-07 13:09:40+08:00    running\r\n"
		"ifmgrd   -        -                            not running\r\n"
		"ntpd     4712     2026-12-07 12:10:40+08:00    running (version 0.0.9)\r\n");
	sbuf_free(&b);
}

/* ------------------------------------------------------------------ */
/* Commands, over the fake backend */

static struct cli_session *S;
static Config *RUNNING;              /* what the fake cfgd answers a get with */
static NtpReply *NTP_ANSWER;         /* what the fake ntpd answers */
static NtpRequest *NTP_ASKED;        /* the last ntpd request (a copy) */
static int NTP_DOWN;                 /* nonzero: ntpd calls fail so */

static void log_hook(const CfgRequest *req, CfgReply *rep)
{
	if (req->req_case == CFG_REQUEST__REQ_GET && RUNNING)
		rep->config = RUNNING;
	if (req->req_case == CFG_REQUEST__REQ_IDENTITY) {
		static DaemonIdentity id = DAEMON_IDENTITY__INIT;

		id.name = (char *)"cfgd";
		id.has_pid = true;
		id.pid = 100;
		id.has_uptime = true;
		id.uptime = 120;
		rep->identity = &id;
	}
	if (req->req_case != CFG_REQUEST__REQ_EDIT)
		return;
	for (size_t i = 0; i < req->edit->n_edit; i++)
		cmd_fake_edit_text(&cmd_fake.log, req->edit->edit[i]);
}

static int ntp_hook(const NtpRequest *req, NtpReply *rep)
{
	if (NTP_ASKED)
		ntp_request__free_unpacked(NTP_ASKED, NULL);
	NTP_ASKED = (NtpRequest *)cmd_fake_copy(&req->base);
	if (NTP_DOWN)
		return NTP_DOWN;
	if (NTP_ANSWER)
		*rep = *NTP_ANSWER;
	return 0;
}

static void setup(void)
{
	RUNNING = NULL;
	NTP_ANSWER = NULL;
	NTP_ASKED = NULL;
	NTP_DOWN = 0;
	cmd_fake_setup(log_hook, false);
	cmd_fake.ntp_hook = ntp_hook;
	S = cmd_session_new("VTY 0");
}

static void teardown(void)
{
	cli_session_free(S);
	cmd_fake_teardown();
	if (NTP_ASKED)
		ntp_request__free_unpacked(NTP_ASKED, NULL);
}

TestSuite(clock_cmd, .init = setup, .fini = teardown);

#define USER_PROMPT 8     /* "<HUAWEI>" */
#define SYSTEM_PROMPT 9   /* "[~HUAWEI]" */

Test(clock_cmd, timezone_edits)
{
	cli_exec(S, "system-view");
	cmd_printed();
	cmd_run(S, "clock timezone BJ add 08:00:00",
		"SET system {clock_timezone {name: \"BJ\" offset: 28800}}\n", "");
	cmd_run(S, "clock timezone NY minus 5",
		"SET system {clock_timezone {name: \"NY\" offset: -18000}}\n", "");
	cmd_run(S, "clock timezone UTC add 0", "SET system {clock_timezone {name: \"UTC\" offset: 0}}\n",
		"");
	cmd_run(S, "clo time Far add 18:59:59",
		"SET system {clock_timezone {name: \"Far\" offset: 68399}}\n", "");
	cmd_run(S, "undo clock timezone", "DELETE system/clock_timezone\n", "");
}

Test(clock_cmd, timezone_errors)
{
	cli_exec(S, "system-view");
	cmd_printed();
	cmd_run(S, "clock timezone BJ add 19:00:00", "",
		cmd_caret(SYSTEM_PROMPT + 22, "Wrong parameter"));
	cmd_run(S, "clock timezone BJ add 08:60:00", "",
		cmd_caret(SYSTEM_PROMPT + 22, "Wrong parameter"));
	cmd_run(S, "clock timezone BJ add 8h", "", cmd_caret(SYSTEM_PROMPT + 22, "Wrong parameter"));
	cmd_run(S, "clock timezone BJ plus 08:00:00", "",
		cmd_caret(SYSTEM_PROMPT + 18, "Unrecognized command"));
	cmd_run(S, "clock timezone BJ add", "", cmd_caret(SYSTEM_PROMPT + 21, "Incomplete command"));
	cmd_run(S, "clock timezone", "", cmd_caret(SYSTEM_PROMPT + 14, "Incomplete command"));
	cmd_run(S, "clock timezone ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456 add 1", "",
		cmd_caret(SYSTEM_PROMPT + 15, "Wrong parameter"));
	cmd_run(S, "clock timezone BJ add 08:00:00 extra", "",
		cmd_caret(SYSTEM_PROMPT + 31, "Too many parameters"));
	/* A user-view command, not here. */
	cmd_run(S, "clock datetime 10:00:00 2020-01-01", "",
		cmd_caret(SYSTEM_PROMPT + 6, "Unrecognized command"));
}

Test(clock_cmd, datetime_local_and_utc)
{
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	System sys = SYSTEM__INIT;
	Config run = CONFIG__INIT;
	NtpClock clk = NTP_CLOCK__INIT;
	NtpReply ans = NTP_REPLY__INIT;

	tz.name = (char *)"BJ";
	tz.has_offset = true;
	tz.offset = 8 * 3600;
	sys.clock_timezone = &tz;
	run.system = &sys;
	RUNNING = &run;
	clk.has_now = true;
	ans.clock = &clk;
	NTP_ANSWER = &ans;

	cmd_run(S, "clock datetime 10:00:00 2020-01-01", "", "");
	cr_assert_not_null(NTP_ASKED);
	cr_assert_eq(NTP_ASKED->req_case, NTP_REQUEST__REQ_CLOCK_SET);
	cr_assert_eq(NTP_ASKED->clock_set->unix_time, unix_of(2020, 1, 1, 2, 0, 0));
	cmd_run(S, "clock datetime utc 10:00:00 2020-01-01", "", "");
	cr_assert_eq(NTP_ASKED->clock_set->unix_time, unix_of(2020, 1, 1, 10, 0, 0));
	RUNNING = NULL;   /* no zone: local is UTC */
	cmd_run(S, "clock datetime 0:0:0 2037-12-31", "", "");
	cr_assert_eq(NTP_ASKED->clock_set->unix_time, unix_of(2037, 12, 31, 0, 0, 0));
}

Test(clock_cmd, datetime_errors)
{
	cmd_run(S, "clock datetime 24:00:00 2020-01-01", "",
		cmd_caret(USER_PROMPT + 15, "Wrong parameter"));
	cmd_run(S, "clock datetime 10:00:00 2038-01-01", "",
		cmd_caret(USER_PROMPT + 24, "Wrong parameter"));
	cmd_run(S, "clock datetime 10:00:00 1999-12-31", "",
		cmd_caret(USER_PROMPT + 24, "Wrong parameter"));
	cmd_run(S, "clock datetime 10:00:00 2021-02-29", "",
		cmd_caret(USER_PROMPT + 24, "Wrong parameter"));
	cmd_run(S, "clock datetime utc 10:00:00 20200101", "",
		cmd_caret(USER_PROMPT + 28, "Wrong parameter"));
	cmd_run(S, "clock datetime 10:00:00", "", cmd_caret(USER_PROMPT + 23, "Incomplete command"));
	cmd_run(S, "clock datetime", "", cmd_caret(USER_PROMPT + 14, "Incomplete command"));
	cmd_run(S, "clock datetime 10:00:00 2020-01-01 x", "",
		cmd_caret(USER_PROMPT + 35, "Too many parameters"));
	/* A configuration command, not here. */
	cmd_run(S, "clock timezone BJ add 8", "", cmd_caret(USER_PROMPT + 6, "Unrecognized command"));
	cr_assert_null(NTP_ASKED, "nothing was asked of ntpd");
}

Test(clock_cmd, datetime_refused_while_synchronized)
{
	NtpReply ans = NTP_REPLY__INIT;

	ans.has_status = true;
	ans.status = -EBUSY;
	ans.error = (char *)"The clock is synchronized by NTP and cannot be set manually; "
			    "remove the NTP servers and peers first";
	NTP_ANSWER = &ans;
	cmd_run(S, "clock datetime 10:00:00 2020-01-01", "",
		"Error: The clock is synchronized by NTP and cannot be set manually; remove the "
		"NTP servers and peers first\r\n");
	NTP_DOWN = -ETIMEDOUT;
	cli_exec(S, "clock datetime 10:00:00 2020-01-01");
	cr_assert(strstr(cmd_printed(), "Error: "), "ntpd not answering is an error");
}

Test(clock_cmd, display_clock)
{
	ClockTimezone tz = CLOCK_TIMEZONE__INIT;
	System sys = SYSTEM__INIT;
	Config run = CONFIG__INIT;
	NtpClock clk = NTP_CLOCK__INIT;
	NtpReply ans = NTP_REPLY__INIT;

	tz.name = (char *)"BJ";
	tz.has_offset = true;
	tz.offset = 8 * 3600;
	sys.clock_timezone = &tz;
	run.system = &sys;
	clk.has_now = true;
	clk.now = (uint64_t)(unix_of(2020, 2, 2, 9, 2, 34) + 2208988800ll) << 32 | 0x80000000u;
	ans.clock = &clk;
	NTP_ANSWER = &ans;
	cmd_run(S, "display clock", "",
		"2020-02-02 09:02:34\r\nSunday\r\nTime Zone(DefaultZoneName) : UTC\r\n");
	cr_assert_eq(NTP_ASKED->req_case, NTP_REQUEST__REQ_CLOCK);
	RUNNING = &run;
	cmd_run(S, "dis clo", "", "2020-02-02 17:02:34+08:00\r\nSunday\r\nTime Zone(BJ) : UTC+08:00\r\n");
	cli_exec(S, "system-view");
	cmd_printed();
	cmd_run(S, "display clock", "",
		"2020-02-02 17:02:34+08:00\r\nSunday\r\nTime Zone(BJ) : UTC+08:00\r\n");
	cmd_run(S, "display clock x", "", cmd_caret(SYSTEM_PROMPT + 14, "Too many parameters"));
}

Test(clock_cmd, display_version)
{
	NtpClock clk = NTP_CLOCK__INIT;
	NtpReply ans = NTP_REPLY__INIT;
	DaemonIdentity nid = DAEMON_IDENTITY__INIT;
	const char *out;

	nid.name = (char *)"ntpd";
	nid.has_pid = true;
	nid.pid = 300;
	nid.has_uptime = true;
	nid.uptime = 60;
	ans.identity = &nid;
	clk.has_now = true;
	clk.now = (uint64_t)(unix_of(2026, 12, 7, 5, 10, 40) + 2208988800ll) << 32;
	ans.clock = &clk;
	NTP_ANSWER = &ans;
	cli_exec(S, "display version");
	out = cmd_printed();
	cr_assert(strstr(out, "Meridian software, Version "), "%s", out);
	cr_assert(strstr(out, "Meridian uptime is "), "%s", out);
	cr_assert(strstr(out, "\r\nclid     "), "%s", out);
	cr_assert(strstr(out, "\r\ncfgd     100      2026-12-07 05:08:40          running"), "%s",
		  out);
	/* The fake has no ifmgrd: it does not answer. */
	cr_assert(strstr(out, "\r\nifmgrd   -        -                            not running\r\n"),
		  "%s", out);
	cr_assert(strstr(out, "\r\nntpd     300      2026-12-07 05:09:40          running"), "%s",
		  out);
}

/* A session waiting for ntpd holds nobody else: B's `display clock` runs
 * while A's `clock datetime` waits, and A finishes when answered. */
Test(clock_cmd, others_run_while_one_waits)
{
	struct cli_session *b = cmd_session_new("VTY 1");
	NtpClock clk = NTP_CLOCK__INIT;
	NtpReply ans = NTP_REPLY__INIT;

	clk.has_now = true;
	clk.now = (uint64_t)(unix_of(2020, 2, 2, 9, 2, 34) + 2208988800ll) << 32;
	ans.clock = &clk;
	NTP_ANSWER = &ans;
	cmd_printed();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(S, "clock datetime 10:00:00 2020-01-01"), CLI_BUSY);
	cmd_fake.hold = false;
	cr_assert_eq(cli_exec(b, "display clock"), CLI_DONE);
	cr_assert_str_eq(cmd_printed(),
			 "2020-02-02 09:02:34\r\nSunday\r\nTime Zone(DefaultZoneName) : UTC\r\n");
	cr_assert(cli_busy(S));
	cr_assert(cmd_fake_release());   /* A's configuration; its step is answered at once */
	cr_assert_not(cli_busy(S));
	cr_assert_str_eq(cmd_printed(), "");
	cr_assert_eq(NTP_ASKED->req_case, NTP_REQUEST__REQ_CLOCK_SET);
	cli_session_free(b);
}

/* Daemons that never answer: each call ends at its timeout, the display
 * says "not running", and the session is free again. */
Test(clock_cmd, version_with_silent_daemons)
{
	const char *out;
	int calls = 0;

	cmd_printed();
	cmd_fake.hold = true;
	cr_assert_eq(cli_exec(S, "display version"), CLI_BUSY);
	while (cli_busy(S) && calls++ < 10)
		cmd_fake_fail(-ETIMEDOUT);
	cr_assert_not(cli_busy(S));
	out = cmd_printed();
	cr_assert(strstr(out, "\r\nclid     "), "%s", out);
	cr_assert(strstr(out, "\r\ncfgd     -        -                            not running\r\n"),
		  "%s", out);
	cr_assert(strstr(out, "\r\nifmgrd   -        -                            not running\r\n"),
		  "%s", out);
	cr_assert(strstr(out, "\r\nntpd     -        -                            not running\r\n"),
		  "%s", out);
}
