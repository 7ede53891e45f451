/*
 * cmd_ntp_auth.h: NTP authentication and access-control commands
 * (cmd_ntp_auth.c).
 */
#ifndef MERIDIAN_CLID_CMD_NTP_AUTH_H
#define MERIDIAN_CLID_CMD_NTP_AUTH_H

#include <stddef.h>

#include "cmd.h"

/* The command table, registered by backend.c with the other features. */
extern const struct cmd_entry cmd_ntp_auth_entries[];

/* The system-view lines (authentication, keys, access, discard, kod, dynamic
 * sessions, server disable), "\r\n" ends, no indent. */
void cmd_ntp_auth_render(const Config *c, struct sbuf *out);
/* The interface-view lines (" ntp-service in-interface disable"). */
void cmd_ntp_auth_render_interface(const Interface *ifc, struct sbuf *out);

#endif
