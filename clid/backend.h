/*
 * backend.h: how the engine reaches cfgd and ntpd, behind an ops table.
 *
 * cli_backend_new() (cli.h) builds the real backend: per session one
 * bus_client to cfgd.ctl and one to ntpd.ctl, synchronous calls with
 * timeouts.  Tests build a backend on their own ops (a fake cfgd) with
 * cli_backend_new_ops().  The backend also owns the compiled grammar.
 */
#ifndef MERIDIAN_CLID_BACKEND_H
#define MERIDIAN_CLID_BACKEND_H

#include "cfgd.pb-c.h"
#include "ntpd.pb-c.h"

struct grammar;

#define CLI_CFG_TIMEOUT_MS    2000
#define CLI_COMMIT_TIMEOUT_MS 10000
#define CLI_NTP_TIMEOUT_MS    2000
#define CLI_RESET_TIMEOUT_MS  1000
/* SessionOpen.owner of clid's sessions is "clid/<pid>.<start time>": a
 * restarted clid has cfgd close the sessions of every other "clid/". */
#define CLI_SESSION_OWNER     "clid"

struct cli_backend_ops {
	/* Open the channel of one session; NULL on failure. */
	void *(*chan_open)(void *arg);
	void (*chan_close)(void *chan);
	/* One request, one reply: 0 with *reply owned by the caller (freed with
	 * protobuf_c_message_free_unpacked), or a negative errno (-ETIMEDOUT
	 * when the daemon does not answer). */
	int (*cfg_call)(void *chan, const CfgRequest *req, int timeout_ms, CfgReply **reply);
	int (*ntp_call)(void *chan, const NtpRequest *req, int timeout_ms, NtpReply **reply);
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
	struct cli_session *sessions;   /* logged in, for `display users` */
	char owner[64];                 /* SessionOpen.owner of this process's sessions */
};

/* A backend on custom ops.  ifnames (copied) lists the known interfaces, or
 * NULL to accept every name.  Aborts if the command tables do not compile. */
struct cli_backend *cli_backend_new_ops(const struct cli_backend_ops *ops, void *arg,
					const char *default_sysname,
					const char *const *ifnames, size_t n_ifnames);

#endif
