/*
 * cmd_clock.h: the clock commands (cmd_clock.c): `display clock`, `clock
 * timezone`, `clock datetime`, with the calendar and time zone arithmetic
 * they share with `display version` (tests call them directly).
 */
#ifndef MERIDIAN_CLID_CMD_CLOCK_H
#define MERIDIAN_CLID_CMD_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"

extern const struct cmd_entry cmd_clock_entries[];

#define CLOCK_YEAR_MIN 2000   /* `clock datetime`'s years (VRP) */
#define CLOCK_YEAR_MAX 2037
#define CLOCK_TZ_HOUR_MAX 18  /* `clock timezone`'s offset: 0..18 hours */

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t clock_days_from_civil(int y, unsigned m, unsigned d);
void clock_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
/* 0 = Sunday .. 6 = Saturday, of a day counted from 1970-01-01. */
unsigned clock_weekday(int64_t days);
/* "Sunday" .. "Saturday". */
const char *clock_weekday_name(unsigned wday);

/* H[H][:M[M][:S[S]]] (missing minutes and seconds are 0, as VRP reads a
 * time zone offset) with hours 0..max_hour, minutes and seconds 0..59:
 * 0 with *secs, or -1. */
int clock_parse_hms(const char *s, unsigned max_hour, int32_t *secs);
/* YYYY-M[M]-D[D] with YYYY in CLOCK_YEAR_MIN..CLOCK_YEAR_MAX and a day that
 * exists in that month: 0 with *days (since 1970-01-01), or -1. */
int clock_parse_date(const char *s, int64_t *days);

/* Unix seconds of an NTP timestamp, taking seconds before 1968 as era 1
 * (after 2036-02-07), as RFC 4330 advises. */
int64_t clock_unix_from_ntp(uint64_t ts);
/* The offset of tz in seconds east of UTC (0 when tz is NULL). */
int32_t clock_tz_offset(const ClockTimezone *tz);
/* "2020-02-02 17:02:34+08:00": unix seconds in tz's local time, the offset
 * appended only when a zone is configured (VRP prints none without one). */
void clock_fmt_local(int64_t unix_s, const ClockTimezone *tz, char *buf, size_t len);
/* `display clock`: the local time, the weekday, the zone ("\r\n" ends). */
void clock_fmt_display(int64_t unix_s, const ClockTimezone *tz, struct sbuf *out);
/* The configuration text of the zone ("clock timezone BJ add 08:00:00"), a
 * "#" block after the sysname's; nothing when sys has none. */
void cmd_clock_render(const System *sys, struct sbuf *out);

#endif
