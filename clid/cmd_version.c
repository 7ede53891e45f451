/*
 * cmd_version.c: `display version`: Meridian's version as built, the
 * device's uptime and each daemon's pid and start time.
 *
 * Layout after VRP8's (NE40E V800R012C10, displayVersion(SPMOM)):
 *   Huawei Versatile Routing Platform Software
 *   VRP (R) software, Version 8.200 (NE40E V800R012C10)
 *   Copyright (C) 2012-2020 Huawei Technologies Co., Ltd.
 *   HUAWEI NE40E-X16 uptime is 7 days, 1 hour, 18 minutes
 * Ours keeps the first, second and fourth lines' shape with Meridian's
 * names and version ("0.1.0 (git 25bb549)": meson's project version and
 * `git describe` at build time, common/identity.c), and has no copyright
 * line (the code is MIT-licensed, not one company's).  The uptime is the
 * machine's (CLOCK_BOOTTIME): the daemons run on the switch's own kernel;
 * in the lab every device shares the test machine's.  Then, ours alone, a
 * table of the daemons:
 *   "Daemon   PID      Start time                   State"
 *   "cfgd     4711     2026-12-07 05:10:40+08:00    running"
 * each asked over its ctl socket who it is (DaemonIdentityRequest, with a
 * short timeout, one after the other: the session waits, nobody else
 * does); one that does not answer is "not running".  Start times are in
 * the device's local time like `display clock`'s first line: ntpd's clock
 * now minus the daemon's uptime (clid's own clock if ntpd does not
 * answer).  A daemon built from another version says so in its state.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd_clock.h"
#include "cmd_version.h"
#include "identity.h"
#include "log.h"
#include "version.h"

static const struct cmd_kwhelp version_kw[] = {
	{ "display", "Display information" },
	{ "version", "Display the version of the software and the state of its daemons" },
	{ NULL, NULL },
};

static void plural(struct sbuf *out, uint64_t n, const char *unit, const char *sep)
{
	sbuf_printf(out, "%llu %s%s%s", (unsigned long long)n, unit, n == 1 ? "" : "s", sep);
}

void version_fmt_uptime(uint64_t secs, struct sbuf *out)
{
	plural(out, secs / 86400, "day", ", ");
	plural(out, secs / 3600 % 24, "hour", ", ");
	plural(out, secs / 60 % 60, "minute", "");
}

void version_fmt(const char *version, uint64_t uptime_s, const struct version_daemon *d,
		 size_t n, double now, const ClockTimezone *tz, struct sbuf *out)
{
	sbuf_puts(out, "Meridian Routing Platform Software\r\n");
	sbuf_printf(out, "Meridian software, Version %s\r\n", version);
	sbuf_puts(out, "Meridian uptime is ");
	version_fmt_uptime(uptime_s, out);
	sbuf_puts(out, "\r\n\r\n");
	sbuf_printf(out, "%-8s %-8s %-28s %s\r\n", "Daemon", "PID", "Start time", "State");
	for (size_t i = 0; i < n; i++) {
		const DaemonIdentity *id = d[i].id;
		char pid[16], start[64];

		if (!id) {
			sbuf_printf(out, "%-8s %-8s %-28s %s\r\n", d[i].name, "-", "-", "not running");
			continue;
		}
		snprintf(pid, sizeof(pid), "%u", id->pid);
		/* Rounded, so that two displays agree to the second. */
		clock_fmt_local(llround(now - (id->has_uptime ? id->uptime : 0)), tz, start,
				sizeof(start));
		sbuf_printf(out, "%-8s %-8s %-28s running", d[i].name, pid, start);
		if (id->version && strcmp(id->version, version) != 0)
			sbuf_printf(out, " (version %s)", id->version);
		sbuf_puts(out, "\r\n");
	}
}

/* The machine's clock, unix seconds. */
static double real_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The device's clock (ntpd's) in unix seconds, or the machine's when ntpd
 * does not answer. */
static double device_now(struct cmd_ctx *ctx)
{
	NtpClockRequest cr = NTP_CLOCK_REQUEST__INIT;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpReply *rep;
	double now = real_now();

	req.req_case = NTP_REQUEST__REQ_CLOCK;
	req.clock = &cr;
	if (cmd_ntp_ask(ctx, &req, &rep) == 0) {
		if (rep->clock && rep->clock->has_now)
			now = (double)clock_unix_from_ntp(rep->clock->now) +
			      (double)(uint32_t)rep->clock->now / 4294967296.0;
		ntp_reply__free_unpacked(rep, NULL);
	}
	return now;
}

static int h_display_version(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const others[] = { "cfgd", "ifmgrd", "ntpd" };
	struct version_daemon d[4];
	DaemonIdentity self;
	Config *cfg = NULL;
	const ClockTimezone *tz = NULL;
	struct timespec boot;
	struct sbuf b = { 0 };
	double now;

	identity_fill(&self, "clid");
	d[0] = (struct version_daemon){ "clid", &self };
	for (size_t i = 0; i < 3; i++) {
		DaemonIdentity *id = NULL;

		d[i + 1].name = others[i];
		d[i + 1].id = cmd_identity(ctx, others[i], &id) == 0 ? id : NULL;
	}
	/* The zone for the start times; without cfgd, UTC. */
	if (d[1].id && cmd_get_config(ctx, false, &cfg) == 0 && cfg->system)
		tz = cfg->system->clock_timezone;
	now = d[3].id ? device_now(ctx) : real_now();
	clock_gettime(CLOCK_BOOTTIME, &boot);
	version_fmt(meridian_version(), (uint64_t)boot.tv_sec, d, 4, now, tz, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	for (size_t i = 1; i < 4; i++)
		if (d[i].id)
			daemon_identity__free_unpacked(d[i].id, NULL);
	if (cfg)
		config__free_unpacked(cfg, NULL);
	return 0;
}

const struct cmd_entry cmd_version_entries[] = {
	{ CLI_V_ALL, "display version", NULL, NULL, version_kw, h_display_version },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
