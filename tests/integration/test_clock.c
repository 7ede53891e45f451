/*
 * test_clock.c: the device's clock and `display version` over real telnet
 * (telnet -> clid -> cfgd / ntpd), on two lab devices:
 *
 *   DeviceC 10.0.1.31  ntp-service refclock-master 2
 *   DeviceD 10.0.1.32  first nothing, then `ntp-service unicast-server 10.0.1.31`
 *
 *  - `display clock` on DeviceD reads ntpd's virtual clock (it agrees with
 *    the clock's true error) in UTC, then after `clock timezone BJ add
 *    08:00:00` in BJ time, and the zone shows in the configuration;
 *  - `clock datetime` on the unsynchronized DeviceD steps its virtual clock
 *    (the machine's clock is never touched: only the virtual clock's error
 *    moves), `display clock` shows the new date and weekday, and the clock
 *    is set back (`clock datetime utc`);
 *  - once DeviceD is synchronized to DeviceC, `clock datetime` is refused
 *    with ntpd's sentence and the clock stays where NTP keeps it;
 *  - `display version` lists the four daemons with the pids of their pid
 *    files, and, with ifmgrd killed, shows it as not running at once; its
 *    version is what each daemon's --version prints (one source: meson's
 *    project version).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lab.h"

#define IFCONF(addr)                                          \
	"system-view", "interface GigabitEthernet0/1/0", "undo shutdown", \
	"ip address " addr " 255.255.255.0", "quit"

static const char *const conf_c[] = {
	IFCONF("10.0.1.31"), "sysname DeviceC", "ntp-service refclock-master 2", "commit",
	"return", NULL,
};
static const char *const conf_d[] = {
	IFCONF("10.0.1.32"), "sysname DeviceD", "commit", "return", NULL,
};

/* The machine's time, s. */
static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* `display clock`'s first line as unix seconds (its local time minus the
 * offset it prints), with the rest of the output checked against want
 * (the weekday and zone lines, "\n"-joined). */
static double shown_time(struct vty *v, const char *want_tail)
{
	char *out = NULL;
	int y, mo, d, h, mi, s, oh = 0, om = 0;
	char sign = '+';
	struct tm tm = { 0 };
	double t;

	cr_assert_eq(lab_cmd(v, "DeviceD", "display clock", &out), 0);
	int n = sscanf(out, "%d-%d-%d %d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &s, &sign, &oh, &om);
	cr_assert(n >= 6, "display clock:\n%s", out);
	if (n < 9 || (sign != '+' && sign != '-')) {   /* no zone: no offset */
		sign = '+';
		oh = om = 0;
	}
	cr_assert(strstr(out, want_tail), "display clock wants '%s':\n%s", want_tail, out);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = (double)timegm(&tm) - (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	free(out);
	return t;
}

Test(clock, display_set_refuse_version, .fini = lab_down, .timeout = 240)
{
	char *out = NULL, line[128];
	double err0, err1, t, step;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.3:8", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");
	lab_lines(vc, "DeviceC", conf_c);
	lab_lines(vd, "DeviceD", conf_d);

	/* No zone: UTC, the time of ntpd's virtual clock (0.3 s off). */
	err0 = lab_true_error("DeviceD");
	t = shown_time(vd, "\nTime Zone(DefaultZoneName) : UTC\n");
	cr_assert(t > real_now() + err0 - 2 && t < real_now() + err0 + 1, "shown %.0f", t);

	/* A zone: the same instant in BJ time. */
	static const char *const tz[] = {
		"system-view", "clock timezone BJ add 08:00:00", "commit", "return", NULL,
	};
	lab_lines(vd, "DeviceD", tz);
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display clock", &out), 0);
	cr_assert(strstr(out, "+08:00\n"), "%s", out);
	free(out);
	t = shown_time(vd, "\nTime Zone(BJ) : UTC+08:00\n");
	cr_assert(t > real_now() + err0 - 2 && t < real_now() + err0 + 1, "shown %.0f", t);
	static const char *const want_cfg[] = { "\nclock timezone BJ add 08:00:00\n", NULL };
	lab_expect_output(vd, "DeviceD", "display current-configuration", want_cfg);

	/* Unsynchronized: `clock datetime` (BJ time) steps the virtual clock. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "clock datetime 10:00:00 2030-06-15", &out), 0);
	cr_assert(!strstr(out, "Error"), "%s", out);
	free(out);
	err1 = lab_true_error("DeviceD");
	step = err1 - err0;
	/* 2030-06-15 10:00:00+08:00 is 1907719200 unix seconds. */
	cr_assert(real_now() + err1 > 1907719200.0 - 1 && real_now() + err1 < 1907719200.0 + 5,
		  "the virtual clock is at %.1f", real_now() + err1);
	lab_note("clock: clock datetime stepped DeviceD's virtual clock by %.0f s", step);
	t = shown_time(vd, "\nSaturday\nTime Zone(BJ) : UTC+08:00\n");
	cr_assert(t >= 1907719200.0 && t < 1907719200.0 + 5, "shown %.0f", t);
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display clock", &out), 0);
	cr_assert(strncmp(out, "2030-06-15 10:00:0", 18) == 0, "%s", out);
	free(out);

	/* Back to about the right time (whole seconds, UTC this time). */
	{
		time_t back = (time_t)real_now() + 1;
		struct tm tm;

		gmtime_r(&back, &tm);
		snprintf(line, sizeof(line), "clock datetime utc %02d:%02d:%02d %04d-%02d-%02d",
			 tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
		cr_assert_eq(lab_cmd(vd, "DeviceD", line, &out), 0);
		cr_assert(!strstr(out, "Error"), "%s", out);
		free(out);
		err1 = lab_true_error("DeviceD");
		cr_assert(err1 > -1.5 && err1 < 1.5, "set back: error %.3f s", err1);
	}

	/* Synchronized to DeviceC: refused, and the clock stays. */
	static const char *const client[] = {
		"system-view", "ntp-service unicast-server 10.0.1.31", "commit", "return", NULL,
	};
	lab_lines(vd, "DeviceD", client);
	static const char *const want_sync[] = { "clock status: synchronized", NULL };
	ok = lab_wait_output(vd, "display ntp-service status", want_sync, 60000, &out);
	cr_assert(ok, "DeviceD did not synchronize:\n%s", out ? out : "");
	free(out);
	err0 = lab_true_error("DeviceD");
	cr_assert_eq(lab_cmd(vd, "DeviceD", "clock datetime 10:00:00 2030-06-15", &out), 0);
	cr_assert(strstr(out, "Error: The clock is synchronized by NTP and cannot be set manually"),
		  "%s", out);
	free(out);
	err1 = lab_true_error("DeviceD");
	cr_assert(err1 - err0 > -0.1 && err1 - err0 < 0.1, "stepped from %.3f to %.3f", err0, err1);
	/* The bad forms, with the caret. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "clock datetime 10:00:00 2038-01-01", &out), 0);
	cr_assert(strstr(out, "Error: Wrong parameter found at '^' position."), "%s", out);
	free(out);

	/* display version: the four daemons, by the pids of their pid files. */
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display version", &out), 0);
	cr_assert(strstr(out, "Meridian software, Version "), "%s", out);
	cr_assert(strstr(out, "Meridian uptime is "), "%s", out);
	static const char *const daemons[] = { "clid", "cfgd", "ifmgrd", "ntpd" };
	for (size_t i = 0; i < 4; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n%-8s %-8d ", daemons[i],
			 (int)lab_pid("DeviceD", daemons[i]));
		cr_assert(strstr(out, want), "no '%s' in:\n%s", want + 1, out);
	}
	cr_assert(!strstr(out, "not running"), "%s", out);
	for (size_t i = 0; i < 4; i++) {
		char cmd[700], vline[512], want[600], *v;
		const char *root = getenv("MERIDIAN_BUILD_ROOT");
		FILE *p;

		snprintf(cmd, sizeof(cmd), "%s/%s/meridian-%s --version", root ? root : "build",
			 daemons[i], daemons[i]);
		p = popen(cmd, "r");
		cr_assert_not_null(p, "%s", cmd);
		cr_assert_not_null(fgets(vline, sizeof(vline), p), "%s printed nothing", cmd);
		cr_assert_eq(pclose(p), 0, "%s failed", cmd);
		vline[strcspn(vline, "\n")] = '\0';
		v = strstr(vline, " (Meridian) ");
		cr_assert_not_null(v, "%s: %s", cmd, vline);
		snprintf(want, sizeof(want), "Meridian software, Version %s\n",
			 v + strlen(" (Meridian) "));
		cr_assert(strstr(out, want), "no '%s' (from %s) in:\n%s", want, cmd, out);
	}
	free(out);
	cr_assert_eq(lab_kill("DeviceD", "ifmgrd"), 0);
	double t0 = lab_now();
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display version", &out), 0);
	double took = lab_now() - t0;
	cr_assert(strstr(out, "\nifmgrd   -        -                            not running\n"),
		  "%s", out);
	cr_assert(strstr(out, "\nntpd     "), "%s", out);
	cr_assert_lt(took, 3.0, "display version took %.1f s with ifmgrd down", took);
	lab_note("clock: display version with ifmgrd down answered in %.2f s", took);
	free(out);
	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
