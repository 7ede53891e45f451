/*
 * backend.c: the engine's link to cfgd and ntpd (see backend.h).
 *
 * The real ops give each session its own DEALER to cfgd.ctl and to ntpd.ctl
 * and make synchronous calls with bus_client_call(): a VTY session waits
 * for its answer anyway, and a late reply to a call that timed out is
 * discarded by the bus layer's request id.  The grammar is compiled here,
 * once per process, from the feature tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "bootstrap.h"
#include "bus.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_acl.h"
#include "cmd_ntp_auth.h"
#include "cmd_ntp_bcast.h"
#include "cmd_ntp_disp.h"
#include "grammar.h"
#include "log.h"

struct bus_arg {
	void *zctx;
	char cfgd_ep[256];
	char ntpd_ep[256];
};

struct bus_chan {
	struct bus_client *cfgd;
	struct bus_client *ntpd;
};

static void *bus_chan_open(void *arg)
{
	struct bus_arg *ba = arg;
	struct bus_chan *ch = xcalloc(1, sizeof(*ch));

	ch->cfgd = bus_client_new(ba->zctx, ba->cfgd_ep);
	ch->ntpd = bus_client_new(ba->zctx, ba->ntpd_ep);
	if (!ch->cfgd || !ch->ntpd) {
		bus_client_free(ch->cfgd);
		bus_client_free(ch->ntpd);
		free(ch);
		return NULL;
	}
	return ch;
}

static void bus_chan_close(void *chan)
{
	struct bus_chan *ch = chan;

	if (!ch)
		return;
	bus_client_free(ch->cfgd);
	bus_client_free(ch->ntpd);
	free(ch);
}

static int bus_cfg_call(void *chan, const CfgRequest *req, int timeout_ms, CfgReply **reply)
{
	struct bus_chan *ch = chan;

	return bus_client_call(ch->cfgd, &req->base, &cfg_reply__descriptor, timeout_ms,
			       (ProtobufCMessage **)reply);
}

static int bus_ntp_call(void *chan, const NtpRequest *req, int timeout_ms, NtpReply **reply)
{
	struct bus_chan *ch = chan;

	return bus_client_call(ch->ntpd, &req->base, &ntp_reply__descriptor, timeout_ms,
			       (ProtobufCMessage **)reply);
}

static const struct cli_backend_ops bus_ops = {
	.chan_open = bus_chan_open,
	.chan_close = bus_chan_close,
	.cfg_call = bus_cfg_call,
	.ntp_call = bus_ntp_call,
	.free = free,
};

/* Close what an earlier clid left open in cfgd (best effort: a cfgd that
 * does not answer has just started, and has no sessions). */
static void reset_sessions(struct bus_arg *ba, char *owner)
{
	SessionsReset rs = SESSIONS_RESET__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep = NULL;
	void *chan = bus_chan_open(ba);
	int r;

	if (!chan)
		return;
	rs.owner = owner;
	req.req_case = CFG_REQUEST__REQ_RESET;
	req.reset = &rs;
	r = bus_cfg_call(chan, &req, CLI_RESET_TIMEOUT_MS, &rep);
	if (r < 0)
		log_debug("cfgd did not answer the session reset: %s", strerror(-r));
	else
		cfg_reply__free_unpacked(rep, NULL);
	bus_chan_close(chan);
}

static const struct cmd_entry *const feature_tables[] = {
	cmd_system_entries,
	cmd_interface_entries,
	cmd_ntp_entries,
	cmd_ntp_bcast_entries,
	cmd_ntp_auth_entries,
	cmd_acl_entries,
	cmd_ntp_disp_entries,
	cmd_config_entries,
};

struct cli_backend *cli_backend_new_ops(const struct cli_backend_ops *ops, void *arg,
					const char *default_sysname,
					const char *const *ifnames, size_t n_ifnames)
{
	struct cli_backend *be = xcalloc(1, sizeof(*be));
	char err[256];

	be->ops = ops;
	be->arg = arg;
	be->default_sysname = xstrdup(default_sysname ? default_sysname : "HUAWEI");
	snprintf(be->owner, sizeof(be->owner), "%s", CLI_SESSION_OWNER);
	if (ifnames) {
		be->ifnames = xcalloc(n_ifnames ? n_ifnames : 1, sizeof(*be->ifnames));
		for (size_t i = 0; i < n_ifnames; i++)
			be->ifnames[i] = xstrdup(ifnames[i]);
		be->n_ifnames = n_ifnames;
	}
	be->gram = gram_new();
	for (size_t t = 0; t < sizeof(feature_tables) / sizeof(feature_tables[0]); t++) {
		for (const struct cmd_entry *e = feature_tables[t]; e->syntax; e++) {
			if (gram_add(be->gram, e, err, sizeof(err)) < 0)
				fatal("clid: command '%s' does not compile: %s", e->syntax, err);
		}
	}
	return be;
}

struct cli_backend *cli_backend_new(void *zctx, const struct bootstrap *bs)
{
	struct bus_arg *ba = xcalloc(1, sizeof(*ba));
	const char **names = xcalloc(bs->n_interfaces ? bs->n_interfaces : 1, sizeof(*names));
	struct cli_backend *be;

	ba->zctx = zctx;
	if (bootstrap_endpoint(bs, "cfgd", "ctl", ba->cfgd_ep, sizeof(ba->cfgd_ep)) < 0 ||
	    bootstrap_endpoint(bs, "ntpd", "ctl", ba->ntpd_ep, sizeof(ba->ntpd_ep)) < 0) {
		free(ba);
		free(names);
		errno = ENAMETOOLONG;
		return NULL;
	}
	for (size_t i = 0; i < bs->n_interfaces; i++)
		names[i] = bs->interfaces[i].name;
	be = cli_backend_new_ops(&bus_ops, ba, bs->sysname, names, bs->n_interfaces);
	free(names);
	snprintf(be->owner, sizeof(be->owner), CLI_SESSION_OWNER "/%ld.%lld", (long)getpid(),
		 (long long)time(NULL));
	reset_sessions(ba, be->owner);
	return be;
}

void cli_backend_free(struct cli_backend *be)
{
	if (!be)
		return;
	if (be->ops->free)
		be->ops->free(be->arg);
	gram_free(be->gram);
	for (size_t i = 0; i < be->n_ifnames; i++)
		free(be->ifnames[i]);
	free(be->ifnames);
	free(be->default_sysname);
	free(be);
}
