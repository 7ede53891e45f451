/*
 * cmd_ping.h: `ping`, `ping ipv6` and `tracert` (cmd_ping.c): the command
 * table and the formatters of each line (tests call them directly).
 */
#ifndef MERIDIAN_CLID_CMD_PING_H
#define MERIDIAN_CLID_CMD_PING_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd.h"
#include "ifmgr.pb-c.h"

extern const struct cmd_entry cmd_ping_entries[];

/* "  PING 10.1.1.2: 56  data bytes, press CTRL_C to break" (IPv6: the
 * address upper-case, then " : "). */
void ping_fmt_header(const char *addr, bool v6, uint32_t size, struct sbuf *out);
/* One probe: "    Reply from ..." or "    Request time out". */
void ping_fmt_event(const ProbeEvent *e, bool v6, struct sbuf *out);
/* The empty line and the statistics block (no round-trip line without a
 * reply). */
void ping_fmt_stats(const char *addr, bool v6, const ProbeStatus *st, struct sbuf *out);

/* tracert: the header, then each probe as it comes; a hop's line ends
 * after its last probe (nprobes). */
struct tracert_line {
	uint32_t hop;
	char from[64];
	bool after_ms;
	bool open;          /* a hop's line is started and not ended */
};
void tracert_fmt_header(const char *host, const char *addr, uint32_t max_ttl,
			struct sbuf *out);
void tracert_fmt_event(const ProbeEvent *e, uint32_t nprobes, struct tracert_line *l,
		       struct sbuf *out);

/* Round-trip microseconds as VRP's whole milliseconds (rounded up: a
 * reply under 1 ms shows 1 ms, as VRP's coarser clock would). */
uint32_t ping_ms(uint64_t us);

#endif
