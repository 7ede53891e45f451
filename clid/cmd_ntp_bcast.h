/*
 * cmd_ntp_bcast.h: the NTP broadcast/multicast commands of the interface
 * view (cmd_ntp_bcast.c).
 */
#ifndef MERIDIAN_CLID_CMD_NTP_BCAST_H
#define MERIDIAN_CLID_CMD_NTP_BCAST_H

#include "cmd.h"

/* The command table, registered by backend.c with the other features. */
extern const struct cmd_entry cmd_ntp_bcast_entries[];

/* The interface's broadcast/multicast lines (" ntp-service ...\r\n", one
 * blank of indent), appended to its block by cmd_interface_render(). */
void cmd_ntp_bcast_render(const Interface *ifc, struct sbuf *out);

#endif
