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

/* The `cipher` form of a key: "%^%#" base64(key) "%^%#" into buf.  An
 * encoding that keeps the key off the screen at a glance and round-trips
 * through the CLI, NOT encryption.  0, or -ENOBUFS. */
int ntp_key_encode(const char *key, char *buf, size_t len);
/* The key a `cipher` argument stands for: the decoded text when it has the
 * "%^%#...%^%#" form, else the argument itself (a plain key typed after
 * `cipher`).  0 with the key in buf, -EINVAL when the encoded text does not
 * decode to 1..255 printable characters without spaces. */
int ntp_key_decode(const char *text, char *buf, size_t len);

#endif
