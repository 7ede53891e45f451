/*
 * backend.h: how the engine reaches cfgd and ntpd, behind an ops table.
 *
 * Every call is asynchronous: the engine hands a request to ops->send()
 * with a tag of its own, and the backend later answers that tag exactly
 * once with cli_backend_complete(): the reply, -ETIMEDOUT when the daemon
 * did not answer within the call's timeout, or -ECONNRESET as soon as the
 * daemon went away (its connection dropped: killed or restarted).  The
 * session that made the call waits (its coroutine is suspended, see
 * cli_int.h); the loop and every other session go on.
 *
 * cli_backend_new() (cli.h) builds the real backend: one DEALER to
 * cfgd.ctl, one to ntpd.ctl and one to ifmgrd.ctl shared by every session, attached to the
 * loop, with the bus layer's request ids telling the replies apart, a
 * timer per call and a watch on each DEALER's connection.  Tests build a
 * backend on their own ops (a fake cfgd that answers at once, late, or
 * never) with cli_backend_new_ops().  The backend also owns the compiled
 * grammar.
 */
#ifndef MERIDIAN_CLID_BACKEND_H
#define MERIDIAN_CLID_BACKEND_H

#include <stdint.h>

#include "cfgd.pb-c.h"
#include "ifmgr.pb-c.h"
#include "ntpd.pb-c.h"

struct grammar;
struct logbuf;

#define CLI_CFG_TIMEOUT_MS    2000
#define CLI_COMMIT_TIMEOUT_MS 10000
#define CLI_NTP_TIMEOUT_MS    2000
#define CLI_IFMGR_TIMEOUT_MS  2000
#define CLI_RESET_TIMEOUT_MS  1000
/* `display version`'s "who are you": a daemon that is up answers at once. */
#define CLI_IDENTITY_TIMEOUT_MS 700
/* SessionOpen.owner of clid's sessions is "clid/<pid>.<start time>": a
 * restarted clid has cfgd close the sessions of every other "clid/". */
#define CLI_SESSION_OWNER     "clid"

enum cli_daemon { CLI_CFGD = 0, CLI_NTPD = 1, CLI_IFMGRD = 2, CLI_DAEMON_COUNT };

struct cli_backend_ops {
	/* Send req (a CfgRequest for CLI_CFGD, an NtpRequest for CLI_NTPD,
	 * an IfRequest for CLI_IFMGRD)
	 * and answer it, within timeout_ms, with cli_backend_complete(be,
	 * tag, ...); tag 0 wants no answer.  The answer may come before send
	 * returns.  0, or a negative errno when nothing was sent (and no
	 * answer will come). */
	int (*send)(void *arg, enum cli_daemon d, const ProtobufCMessage *req, int timeout_ms,
		    uint64_t tag);
	/* Forget call `tag`: its answer must not come (may be NULL when the
	 * backend answers every call at once). */
	void (*cancel)(void *arg, uint64_t tag);
	/* Free `arg` with the backend (may be NULL). */
	void (*free)(void *arg);
};

struct cli_backend {
	const struct cli_backend_ops *ops;
	void *arg;
	struct grammar *gram;
	char *default_sysname;   /* bootstrap sysname, "HUAWEI" by default */
	char **ifnames;          /* interfaces the bootstrap knows; NULL: accept any */
	size_t n_ifnames;
	struct cli_session *sessions;   /* every open session (`display users`, answers) */
	uint64_t next_tag;              /* of calls (cli_int.h) */
	char owner[64];                 /* SessionOpen.owner of this process's sessions */
	struct logbuf *logbuf;          /* display logbuffer, terminal monitor (cmd_log.c) */
	struct access *access;          /* who may log in (access.h), NULL: bootstrap users */
	struct ssh_server *ssh;         /* display ssh server (cmd_ssh.c), NULL: none */
};

/* A backend on custom ops.  ifnames (copied) lists the known interfaces, or
 * NULL to accept every name.  Aborts if the command tables do not compile. */
struct cli_backend *cli_backend_new_ops(const struct cli_backend_ops *ops, void *arg,
					const char *default_sysname,
					const char *const *ifnames, size_t n_ifnames);

/* The answer to call `tag`: r == 0 with reply (a CfgReply, NtpReply or IfReply; the
 * engine takes it), or r < 0 with reply NULL.  An answer nobody waits for
 * any more (the session closed) is freed and forgotten. */
void cli_backend_complete(struct cli_backend *be, uint64_t tag, int r, ProtobufCMessage *reply);

#endif
