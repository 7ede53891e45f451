/*
 * cmd_ntp_disp.h: `display ntp-service trace` and `display ntp-service
 * statistics packet` (cmd_ntp_disp.c): the command table and the
 * formatters (tests call them directly).
 */
#ifndef MERIDIAN_CLID_CMD_NTP_DISP_H
#define MERIDIAN_CLID_CMD_NTP_DISP_H

#include "cmd.h"

extern const struct cmd_entry cmd_ntp_disp_entries[];

/* The trace, one " server ..." line per hop, then " refid ..." ("\r\n"). */
void ntp_fmt_trace(const NtpTrace *t, struct sbuf *out);
/* The VRP packet statistics block of one family ("IPv4", "IPv6") plus the
 * per-test refusals. */
void ntp_fmt_packet_stats(const NtpPacketStats *s, const char *family, struct sbuf *out);

#endif
