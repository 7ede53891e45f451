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

/* A secret as typed, to seal: the earlier versions' Base64 `cipher` form
 * ("%^%#...%^%#") decoded, else the text itself; 0, or -EINVAL when the
 * result is no 1..255 printable characters without spaces. */
int ntp_key_decode(const char *text, char *buf, size_t len);

#endif
