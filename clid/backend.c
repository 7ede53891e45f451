/*
 * backend.c: the engine's link to cfgd and ntpd (see backend.h).
 *
 * The real ops share one DEALER to each of cfgd.ctl, ntpd.ctl and
 * ifmgrd.ctl among all sessions, attached to the loop.  A call is a struct pending: the engine's
 * tag, the bus request id its reply will carry, and a timer.  Whichever
 * comes first answers the tag and forgets the call: the reply (matched by
 * request id; a reply nobody waits for, late or unknown, is dropped), the
 * timer (-ETIMEDOUT once the daemon has been silent for the call's timeout,
 * see on_timeout), or the DEALER's connection dropping (-ECONNRESET for
 * every call waiting on that daemon at once: a killed cfgd is noticed in
 * milliseconds, not after a commit's 10 s).  A request that timed out may
 * still reach a daemon that was only slow; cfgd's session identities make
 * one for a session it no longer knows harmless.  The grammar is compiled
 * here, once per process, from the feature tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "backend.h"
#include "bootstrap.h"
#include "bus.h"
#include "cli.h"
#include "cmd.h"
#include "cmd_aaa.h"
#include "cmd_acl.h"
#include "cmd_clock.h"
#include "cmd_ifdisp.h"
#include "cmd_ntp_auth.h"
#include "cmd_ntp_bcast.h"
#include "cmd_ntp_disp.h"
#include "cmd_ping.h"
#include "cmd_version.h"
#include "cli_int.h"
#include "grammar.h"
#include "log.h"
#include "loop.h"

struct pending {
	struct pending *next;
	struct bus_arg *ba;
	uint64_t tag;
	uint64_t req_id;
	enum cli_daemon d;
	uint64_t timer;
	uint64_t sent_us;
	uint64_t timeout_us;
};

struct bus_arg {
	void *zctx;
	struct loop *loop;
	struct cli_backend *be;
	char ep[CLI_DAEMON_COUNT][256];   /* by enum cli_daemon */
	struct bus_client *cli[CLI_DAEMON_COUNT];
	struct pending *calls;          /* oldest first: replies come in order */
	struct pending **calls_tail;
	uint64_t last_answer_us[CLI_DAEMON_COUNT];   /* when each last answered anything */
};

static const ProtobufCMessageDescriptor *const reply_desc[CLI_DAEMON_COUNT] = {
	[CLI_CFGD] = &cfg_reply__descriptor,
	[CLI_NTPD] = &ntp_reply__descriptor,
	[CLI_IFMGRD] = &if_reply__descriptor,
};

static const char *const daemon_name[CLI_DAEMON_COUNT] = {
	[CLI_CFGD] = "cfgd",
	[CLI_NTPD] = "ntpd",
	[CLI_IFMGRD] = "ifmgrd",
};

static enum cli_daemon daemon_of(const struct bus_arg *ba, const struct bus_client *cli)
{
	for (int d = 0; d < CLI_DAEMON_COUNT; d++)
		if (ba->cli[d] == cli)
			return (enum cli_daemon)d;
	fatal("clid: a reply from an unknown connection");
}

static struct pending *pending_take(struct bus_arg *ba, bool (*match)(const struct pending *,
								      const void *),
				    const void *key)
{
	for (struct pending **pp = &ba->calls; *pp; pp = &(*pp)->next) {
		if (match(*pp, key)) {
			struct pending *p = *pp;

			*pp = p->next;
			if (!p->next)
				ba->calls_tail = pp;
			if (p->timer)
				loop_timer_cancel(ba->loop, p->timer);
			return p;
		}
	}
	return NULL;
}

static bool match_tag(const struct pending *p, const void *key)
{
	return p->tag == *(const uint64_t *)key;
}

struct reply_key {
	enum cli_daemon d;
	uint64_t id;
};

static bool match_reply(const struct pending *p, const void *key)
{
	const struct reply_key *k = key;

	return p->d == k->d && p->req_id == k->id;
}

static bool match_daemon(const struct pending *p, const void *key)
{
	return p->d == *(const enum cli_daemon *)key;
}

/* A call times out when its daemon has answered nothing for the call's
 * timeout since it was sent: a daemon answers a DEALER's requests in
 * order, so a pipelined edit queued behind a hundred others is not failed
 * while the daemon works through them (it would still be applied after
 * its "not available").  Four times the timeout is the limit in any case. */
static void on_timeout(struct loop *loop, void *arg)
{
	struct pending *p = arg;
	struct bus_arg *ba = p->ba;
	uint64_t tag = p->tag, now = loop_now_us();
	uint64_t last = ba->last_answer_us[p->d] > p->sent_us ? ba->last_answer_us[p->d] : p->sent_us;

	p->timer = 0;
	if (last + p->timeout_us > now && p->sent_us + 4 * p->timeout_us > now) {
		p->timer = loop_timer_add(loop, last + p->timeout_us - now, on_timeout, p);
		return;
	}
	p = pending_take(ba, match_tag, &tag);
	free(p);
	cli_backend_complete(ba->be, tag, -ETIMEDOUT, NULL);
}

static void on_reply(struct bus_client *cli, const uint8_t *data, size_t len, void *arg)
{
	struct bus_arg *ba = arg;
	struct reply_key k = { daemon_of(ba, cli), bus_client_reply_id(cli) };
	struct pending *p = pending_take(ba, match_reply, &k);
	ProtobufCMessage *rep;
	uint64_t tag;

	ba->last_answer_us[k.d] = loop_now_us();
	if (!p)
		return;   /* late (timed out) or a fire-and-forget call's */
	tag = p->tag;
	free(p);
	rep = protobuf_c_message_unpack(reply_desc[k.d], NULL, len, data);
	cli_backend_complete(ba->be, tag, rep ? 0 : -EBADMSG, rep);
}

/* The daemon went away: every call waiting on it fails now.  Answering a
 * call may start another (the session goes on), so take them all first. */
static void on_disconnect(struct bus_client *cli, void *arg)
{
	struct bus_arg *ba = arg;
	enum cli_daemon d = daemon_of(ba, cli);
	struct pending *gone = NULL, *p;
	uint64_t *tags;
	size_t n = 0;

	log_info("%s: connection lost, failing its calls", daemon_name[d]);
	while ((p = pending_take(ba, match_daemon, &d))) {
		p->next = gone;
		gone = p;
		n++;
	}
	tags = xcalloc(n ? n : 1, sizeof(*tags));
	for (size_t i = n; gone; gone = p) {
		p = gone->next;
		tags[--i] = gone->tag;
		free(gone);
	}
	for (size_t i = 0; i < n; i++)
		cli_backend_complete(ba->be, tags[i], -ECONNRESET, NULL);
	free(tags);
}

static int bus_send(void *arg, enum cli_daemon d, const ProtobufCMessage *req, int timeout_ms,
		    uint64_t tag)
{
	struct bus_arg *ba = arg;
	struct pending *p;
	uint64_t id;
	int r = bus_client_send_id(ba->cli[d], req, &id);

	if (r < 0)
		return r;
	if (!tag)
		return 0;
	p = xcalloc(1, sizeof(*p));
	p->ba = ba;
	p->tag = tag;
	p->req_id = id;
	p->d = d;
	p->sent_us = loop_now_us();
	p->timeout_us = (uint64_t)(timeout_ms > 0 ? timeout_ms : 1) * 1000;
	p->timer = loop_timer_add(ba->loop, p->timeout_us, on_timeout, p);
	*ba->calls_tail = p;
	ba->calls_tail = &p->next;
	return 0;
}

static void bus_cancel(void *arg, uint64_t tag)
{
	free(pending_take(arg, match_tag, &tag));
}

static void bus_free(void *arg)
{
	struct bus_arg *ba = arg;
	struct pending *p;

	while ((p = ba->calls)) {
		ba->calls = p->next;
		ba->calls_tail = &ba->calls;
		if (p->timer)
			loop_timer_cancel(ba->loop, p->timer);
		free(p);
	}
	for (int d = 0; d < CLI_DAEMON_COUNT; d++)
		bus_client_free(ba->cli[d]);
	free(ba);
}

static const struct cli_backend_ops bus_ops = {
	.send = bus_send,
	.cancel = bus_cancel,
	.free = bus_free,
};

/* Close what an earlier clid left open in cfgd (best effort: a cfgd that
 * does not answer has just started, and has no sessions). */
static void reset_sessions(struct bus_arg *ba, char *owner)
{
	SessionsReset rs = SESSIONS_RESET__INIT;
	CfgRequest req = CFG_REQUEST__INIT;
	CfgReply *rep = NULL;
	struct bus_client *cli = bus_client_new(ba->zctx, ba->ep[CLI_CFGD]);
	int r;

	if (!cli)
		return;
	rs.owner = owner;
	req.req_case = CFG_REQUEST__REQ_RESET;
	req.reset = &rs;
	r = bus_client_call(cli, &req.base, &cfg_reply__descriptor, CLI_RESET_TIMEOUT_MS,
			    (ProtobufCMessage **)&rep);
	if (r < 0)
		log_debug("cfgd did not answer the session reset: %s", strerror(-r));
	else
		cfg_reply__free_unpacked(rep, NULL);
	bus_client_free(cli);
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
	cmd_clock_entries,
	cmd_version_entries,
	cmd_log_entries,
	cmd_ifdisp_entries,
	cmd_ping_entries,
	cmd_ui_entries,
	cmd_aaa_entries,
	cmd_ssh_entries,
	cmd_vpn_entries,
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
	cli_log_init(be);
	for (size_t t = 0; t < sizeof(feature_tables) / sizeof(feature_tables[0]); t++) {
		for (const struct cmd_entry *e = feature_tables[t]; e->syntax; e++) {
			if (gram_add(be->gram, e, err, sizeof(err)) < 0)
				fatal("clid: command '%s' does not compile: %s", e->syntax, err);
		}
	}
	return be;
}

struct cli_backend *cli_backend_new(void *zctx, struct loop *loop, const struct bootstrap *bs,
				    char *err, size_t errlen)
{
	struct bus_arg *ba = xcalloc(1, sizeof(*ba));
	const char **names;
	struct cli_backend *be;
	int r;

	ba->zctx = zctx;
	ba->loop = loop;
	ba->calls_tail = &ba->calls;
	for (int d = 0; d < CLI_DAEMON_COUNT; d++) {
		if (bootstrap_endpoint(bs, daemon_name[d], "ctl", ba->ep[d], sizeof(ba->ep[d])) < 0) {
			snprintf(err, errlen, "run_dir too long for a socket path: %s", bs->run_dir);
			bus_free(ba);
			errno = ENAMETOOLONG;
			return NULL;
		}
	}
	for (int d = 0; d < CLI_DAEMON_COUNT; d++) {
		ba->cli[d] = bus_client_new(zctx, ba->ep[d]);
		r = !ba->cli[d] ? -(errno ? errno : EIO)
		    : bus_client_attach(ba->cli[d], loop, on_reply, ba);
		if (r == 0)
			r = bus_client_on_disconnect(ba->cli[d], on_disconnect, ba);
		if (r < 0) {
			snprintf(err, errlen, "cannot connect to %s: %s", ba->ep[d], strerror(-r));
			bus_free(ba);
			errno = -r;
			return NULL;
		}
	}
	names = xcalloc(bs->n_interfaces ? bs->n_interfaces : 1, sizeof(*names));
	for (size_t i = 0; i < bs->n_interfaces; i++)
		names[i] = bs->interfaces[i].name;
	be = cli_backend_new_ops(&bus_ops, ba, bs->sysname, names, bs->n_interfaces);
	ba->be = be;
	free(names);
	snprintf(be->owner, sizeof(be->owner), CLI_SESSION_OWNER "/%ld.%lld", (long)getpid(),
		 (long long)time(NULL));
	reset_sessions(ba, be->owner);
	be->access = access_new(bs);
	r = access_follow(be->access, loop, zctx);
	if (r < 0) {
		snprintf(err, errlen, "cannot follow the access configuration: %s", strerror(-r));
		cli_backend_free(be);
		errno = -r;
		return NULL;
	}
	if (cli_log_start(be, loop, zctx, bs) < 0)
		log_warn("clid: cannot follow the daemons' events: display logbuffer shows "
			 "clid's own only");
	return be;
}

struct access *cli_backend_access(struct cli_backend *be)
{
	return be->access;
}

void cli_backend_free(struct cli_backend *be)
{
	if (!be)
		return;
	if (be->ops->free)
		be->ops->free(be->arg);
	cli_log_fini(be);
	access_free(be->access);
	gram_free(be->gram);
	for (size_t i = 0; i < be->n_ifnames; i++)
		free(be->ifnames[i]);
	free(be->ifnames);
	free(be->default_sysname);
	free(be);
}
