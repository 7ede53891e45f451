/*
 * identity.h: who this daemon is, for `display version` (DaemonIdentity in
 * proto/bus.proto, tag 40 of every ctl envelope).
 */
#ifndef MERIDIAN_COMMON_IDENTITY_H
#define MERIDIAN_COMMON_IDENTITY_H

#include "bus.pb-c.h"

/* Fill id (initialised here) for the daemon `name` (a string that outlives
 * id: the strings are borrowed, nothing is allocated): pid, the process's
 * start time and uptime, the version. */
void identity_fill(DaemonIdentity *id, const char *name);

#endif
