/*
 * cmd_version.h: `display version` (cmd_version.c): the command table and
 * the formatter (tests call it directly).
 */
#ifndef MERIDIAN_CLID_CMD_VERSION_H
#define MERIDIAN_CLID_CMD_VERSION_H

#include <stddef.h>
#include <stdint.h>

#include "cmd.h"

extern const struct cmd_entry cmd_version_entries[];

/* One line of the daemon table: id NULL when the daemon did not answer. */
struct version_daemon {
	const char *name;
	DaemonIdentity *id;
};

/* VRP's words: "7 days, 1 hour, 18 minutes". */
void version_fmt_uptime(uint64_t secs, struct sbuf *out);
/* The whole display: `version` of this build, the device's uptime, then
 * the n daemons with their start times (now - their uptime, unix seconds,
 * rounded)
 * in tz's local time (tz NULL: UTC). */
void version_fmt(const char *version, uint64_t uptime_s, const struct version_daemon *d,
		 size_t n, double now, const ClockTimezone *tz, struct sbuf *out);

#endif
