/*
 * cmd_ifdisp.h: the interface displays (cmd_ifdisp.c), and what the
 * engine gives them and `ping` (cfgcall.c): the call to ifmgrd and Ctrl-C.  The formatters are
 * pure, for the tests.
 */
#ifndef MERIDIAN_CLID_CMD_IFDISP_H
#define MERIDIAN_CLID_CMD_IFDISP_H

#include <stdint.h>

#include "backend.h"
#include "cmd.h"
#include "ifmgr.pb-c.h"

extern const struct cmd_entry cmd_ifdisp_entries[];

/* Ask ifmgrd and wait (the session is suspended; others go on).  0 with
 * *reply owned by the caller (if_reply__free_unpacked), or -1 after
 * writing the error (ifmgrd's own sentence, or "The interface service is
 * not available." when it did not answer within timeout_ms). */
int cmd_ifmgr_call(struct cmd_ctx *ctx, const IfRequest *req, int timeout_ms, IfReply **reply);

/* A command that Ctrl-C may interrupt (ping, tracert) says so around its
 * run (on, then off before it returns); cmd_interrupted() tells whether
 * Ctrl-C came meanwhile (or the session is closing). */
void cmd_interruptible(struct cmd_ctx *ctx, bool on);
bool cmd_interrupted(struct cmd_ctx *ctx);

/* The words the displays print for one interface's states. */
struct ifdisp_state {
	const char *phy;        /* "up", "down", "*down" */
	const char *protocol;   /* "up", "up(s)", "down" */
	bool phy_up, protocol_up;
};
void ifdisp_state_of(const IfState *st, struct ifdisp_state *out);

/* `display interface brief`, `display ip interface brief`. */
void ifdisp_fmt_brief(const IfDetails *ds, struct sbuf *out);
void ifdisp_fmt_ip_brief(const IfDetails *ds, struct sbuf *out);
/* `display ipv6 interface brief`: the interfaces with `ipv6 enable` in
 * running (cfg, may be NULL: none). */
void ifdisp_fmt_ipv6_brief(const IfDetails *ds, const Config *cfg, struct sbuf *out);
/* `display interface IF`: description from running (NULL: none), now the
 * current time (unix seconds). */
void ifdisp_fmt_interface(const IfDetail *d, const char *description, int64_t now,
			  struct sbuf *out);

#endif
