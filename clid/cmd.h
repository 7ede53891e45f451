/*
 * cmd.h: what the feature files (cmd_*.c) see of the engine.
 *
 * A feature file holds a table of struct cmd_entry (grammar.h) and the
 * render function for its part of the configuration.  Handlers read their
 * arguments by name, queue typed edits of the session's candidate (a Config
 * fragment to merge, or a path to delete) and ask cfgd or ntpd for state,
 * all through struct cmd_ctx (implemented in cli.c).  The edits of one
 * command are sent to cfgd together, after the handler returns.
 */
#ifndef MERIDIAN_CLID_CMD_H
#define MERIDIAN_CLID_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfgd.pb-c.h"
#include "config.pb-c.h"
#include "grammar.h"
#include "ntpd.pb-c.h"

/* ---- growing text buffer ---- */
struct sbuf {
	char *buf;
	size_t len, cap;
};
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_puts(struct sbuf *b, const char *s);
/* n bytes of s (NULs too), the buffer kept NUL-terminated. */
void sbuf_add(struct sbuf *b, const char *s, size_t n);
/* s in upper case (VRP prints IPv6 addresses so; they are stored in
 * inet_ntop's lower case, the form lists are keyed by). */
void sbuf_puts_upper(struct sbuf *b, const char *s);
void sbuf_free(struct sbuf *b);

/* ---- arguments ---- */
/* The value of the last argument named `name` (a parameter or a keyword), or NULL. */
const char *cmd_arg(const struct cmd_args *a, const char *name);
/* Index of that argument's word in the line, or (size_t)-1. */
size_t cmd_arg_tok(const struct cmd_args *a, const char *name);
bool cmd_has(const struct cmd_args *a, const char *name);
/* The argument as an unsigned number (the grammar checked its range), or dflt. */
uint32_t cmd_arg_u32(const struct cmd_args *a, const char *name, uint32_t dflt);
/* The interface named by "interface-name" or by "interface-type" +
 * "interface-number", canonical, into buf.  1 when found, 0 when the command
 * names no interface, -1 after writing "Wrong parameter" at the number. */
int cmd_arg_ifname(struct cmd_ctx *ctx, const struct cmd_args *a, char *buf, size_t len);
struct in6_addr;
/* An IPv6 address and prefix length written `X LEN` (the parameters named
 * addr_p and len_p; LEN absent: dflt) or `X/LEN` (slash_p), into *addr and
 * *plen (1..128), with *tok the index of the address's word.  0, or -1
 * after writing "Wrong parameter" under the word at fault. */
int cmd_arg_ipv6_prefix(struct cmd_ctx *ctx, const struct cmd_args *a, const char *addr_p,
			const char *len_p, const char *slash_p, uint32_t dflt,
			struct in6_addr *addr, uint32_t *plen, size_t *tok);

/* ---- output ---- */
void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmd_write(struct cmd_ctx *ctx, const char *buf, size_t len);
/* "Error: <sentence>\r\n"; returns -1 for `return cmd_error(...)`. */
int cmd_error(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A grammar-style error with the caret under word `tok`; returns -1. */
int cmd_error_at(struct cmd_ctx *ctx, size_t tok, enum gram_err err);

/* ---- edits ---- */
/* Fragment builders: allocate what is missing and return it. */
Config *frag_new(void);
System *frag_system(Config *c);
Ntp *frag_ntp(Config *c);
/* Append an interface named `name` to the fragment. */
Interface *frag_interface(Config *c, const char *name);
NtpAssociation *frag_assoc_new(const char *address);

/* Queue a SET merging `frag` (the context takes ownership). */
void cmd_edit_set(struct cmd_ctx *ctx, Config *frag);
/* Queue a DELETE of a path given as strings, ended by NULL. */
void cmd_edit_delete(struct cmd_ctx *ctx, ...) __attribute__((sentinel));

/* ---- session ---- */
enum cli_view cmd_view(const struct cmd_ctx *ctx);
/* The interface of the interface view, or NULL. */
const char *cmd_view_ifname(const struct cmd_ctx *ctx);
/* The ACL number of the ACL view or the IPv6 ACL view ("2000"), or NULL
 * (cmd_view() tells which). */
const char *cmd_view_acl(const struct cmd_ctx *ctx);
/* The VTY lines of the user-interface view ("0-4", "3"), or NULL. */
const char *cmd_view_ui(const struct cmd_ctx *ctx);
/* The VPN instance of the VPN instance view or of its address families'
 * views, or NULL. */
const char *cmd_view_vpn(const struct cmd_ctx *ctx);
/* Move to a view (ifname for the interface view, the ACL number for the
 * ACL view, the lines for the user-interface view). */
void cmd_set_view(struct cmd_ctx *ctx, enum cli_view v, const char *ifname);
/* Leave system view toward `target` (user view): asks the Y/N/C question
 * first when the candidate holds uncommitted changes. */
void cmd_leave_system(struct cmd_ctx *ctx, enum cli_view target);
/* `save`: ask VRP's Y/N question; on Y, cfgd writes the running
 * configuration to the startup configuration and the session says so. */
void cmd_ask_save(struct cmd_ctx *ctx);
/* `screen-length N temporary` (rows, 0: no paging), -1 to undo it. */
void cmd_set_screen_length(struct cmd_ctx *ctx, int rows);
/* End the session (quit in user view). */
void cmd_end_session(struct cmd_ctx *ctx);
/* Whether the bootstrap knows this logical interface. */
bool cmd_interface_known(const struct cmd_ctx *ctx, const char *ifname);
const char *cmd_default_sysname(const struct cmd_ctx *ctx);
/* The session's command history, oldest first: the lines typed at the
 * prompt (answers to questions are not), as typed, one copy of each (see
 * struct line_history), the line running last.  Its length, and line i. */
size_t cmd_history_len(const struct cmd_ctx *ctx);
const char *cmd_history_get(const struct cmd_ctx *ctx, size_t i);

/* ---- queries ---- */
/* Running (candidate=false) or this session's candidate.  0 with *out owned
 * by the caller (config__free_unpacked), or -1 after writing the error. */
int cmd_get_config(struct cmd_ctx *ctx, bool candidate, Config **out);
/* The saved (startup) configuration: 0 with *out owned by the caller, or
 * -1 after writing the error ("There is no saved configuration." when
 * nothing was saved). */
int cmd_get_saved_config(struct cmd_ctx *ctx, Config **out);
/* Running with only the NULL-terminated top-level fields given ("system"),
 * the rest empty: what a display needing one small part asks for. */
int cmd_get_running_fields(struct cmd_ctx *ctx, const char *const *fields, Config **out);
/* Ask ntpd.  0 with *reply owned by the caller, or -1 after writing the error. */
int cmd_ntp_query(struct cmd_ctx *ctx, const NtpRequest *req, NtpReply **reply);
/* The same without writing anything: 0 with *reply, or a negative errno
 * (the call failed, or ntpd's status). */
int cmd_ntp_ask(struct cmd_ctx *ctx, const NtpRequest *req, NtpReply **reply);
/* Ask daemon "cfgd", "ntpd" or "ifmgrd" who it is (`display version`), with
 * a short timeout: 0 with *out owned by the caller
 * (daemon_identity__free_unpacked), or a negative errno when it did not
 * answer (nothing is written). */
int cmd_identity(struct cmd_ctx *ctx, const char *daemon, DaemonIdentity **out);
/* Commit the candidate (trial_s > 0: `commit trial`, reverted by cfgd
 * unless confirmed within so many seconds); writes warnings, info and
 * errors.  0 or -1. */
int cmd_commit(struct cmd_ctx *ctx, const char *label, const char *description,
	       unsigned trial_s);
/* `abort trial`: cfgd reverts the trial commit now; answered like a commit. */
int cmd_abort_trial(struct cmd_ctx *ctx);
/* `rollback configuration`: rb's target set by the caller (the session is
 * filled in); answered like a commit (warnings and errors written).  0 with
 * *commit_id (0: nothing changed) or -1. */
int cmd_rollback(struct cmd_ctx *ctx, RollbackRequest *rb, uint64_t *commit_id);
/* The commit history, newest first (at most max records, 0: all): 0 with
 * *out owned by the caller (cfg_reply__free_unpacked), or -1 after the
 * error. */
int cmd_commit_history(struct cmd_ctx *ctx, uint32_t max, CfgReply **out);
/* Commit `id` and the configuration it replaced (HistoryRequest.commit_id):
 * 0 with *out owned by the caller, or -1 after the error. */
int cmd_commit_changes(struct cmd_ctx *ctx, uint64_t id, CfgReply **out);
/* Drop this session's uncommitted changes (a fresh candidate from running):
 * 0, or -1 after the error. */
int cmd_discard_candidate(struct cmd_ctx *ctx);
/* `refresh configuration candidate`: this session's changes replayed on the
 * current running.  0, or -1 after the error. */
int cmd_refresh_candidate(struct cmd_ctx *ctx);
/* Set (label) or clear (NULL) the label of commit id: 0, or -1 after the
 * error. */
int cmd_commit_label(struct cmd_ctx *ctx, uint64_t id, const char *label);
/* `configuration exclusive` (lock), its undo (unlock), or only who holds
 * it (query): 0 with *out (its lock field: the holder, if any) owned by the
 * caller, or -1 after the error. */
int cmd_config_lock(struct cmd_ctx *ctx, bool unlock, bool query, CfgReply **out);

/* A logged-in session, for `display users`. */
struct cmd_user {
	const char *line;     /* "VTY 0" */
	const char *user;
	const char *peer;     /* address it connected from, "" if unknown */
	bool ssh;             /* over SSH (else telnet) */
	uint64_t idle_s;      /* since its last input */
	bool self;            /* the asking session */
	unsigned level;       /* its privilege level */
};
/* The logged-in sessions (at most max) into v; the count. */
size_t cmd_users(const struct cmd_ctx *ctx, struct cmd_user *v, size_t max);

/* ---- the feature tables ---- */
extern const struct cmd_entry cmd_system_entries[];
extern const struct cmd_entry cmd_interface_entries[];
extern const struct cmd_entry cmd_ntp_entries[];
extern const struct cmd_entry cmd_config_entries[];
extern const struct cmd_entry cmd_log_entries[];
extern const struct cmd_entry cmd_ui_entries[];
extern const struct cmd_entry cmd_ssh_entries[];
extern const struct cmd_entry cmd_vpn_entries[];

/* ---- rendering (each feature renders its part, "\r\n" line ends) ---- */
void cmd_system_render(const Config *c, const char *default_sysname, struct sbuf *out);
void cmd_ntp_render(const Config *c, struct sbuf *out);
void cmd_interface_render(const Interface *ifc, struct sbuf *out);
/* The user-interface blocks ("#" before each; nothing when none is set). */
void cmd_ui_render(const Config *c, struct sbuf *out);
/* cmd_ssh.c: the telnet/stelnet server lines ("#" first; nothing when none is set). */
void cmd_ssh_render(const Config *c, struct sbuf *out);
/* cmd_vpn.c: the `ip vpn-instance` blocks ("#" before each). */
void cmd_vpn_render(const Config *c, struct sbuf *out);
/* The whole configuration as `display current-configuration` prints it:
 * "#"-separated blocks (system, NTP, each interface), then "#" and "return". */
void cmd_render_config(const Config *c, const char *default_sysname, struct sbuf *out);
/* One interface's block as `display this` prints it in interface view. */
void cmd_render_interface_this(const Config *c, const char *ifname, struct sbuf *out);

/* ---- NTP display formatting (cmd_ntp.c) ---- */
/* "06:52:33.465 UTC Mar 7 2006(C7B7AC31.773E89A8)" */
void ntp_fmt_timestamp(uint64_t ts, char *buf, size_t len);
void ntp_fmt_status(const NtpSysStatus *st, struct sbuf *out);
void ntp_fmt_sessions(NtpSession *const *v, size_t n, bool verbose, struct sbuf *out);

#endif
