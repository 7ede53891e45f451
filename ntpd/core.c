/*
 * core.c: the ntpd core object: the clock, the system process, the
 * associations and sockets, and (with a ZeroMQ context) the ctl socket and
 * the subscriptions to cfgd ("cfg") and ifmgrd ("if").
 *
 * Order of construction: clock, system process, an empty reconciliation
 * (the server socket on INADDR_ANY, as with an empty configuration), ctl,
 * ifmgrd subscription, cfgd subscription; ntpd_free() undoes it in
 * reverse.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bootstrap.h"
#include "cfgsub.h"
#include "clone.h"
#include "evlog.h"
#include "access.h"
#include "auth.h"
#include "bcast.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"

double ntpd_mono(void)
{
	return (double)loop_now_us() / 1e6;
}

double ntpd_random(struct ntpd *core)
{
	/* xorshift64*: enough for poll jitter. */
	uint64_t x = core->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	core->rng = x;
	return (double)((x * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int on_config(const Config *cfg, uint64_t commit_id, char **errs, int max_errs, void *arg)
{
	struct ntpd *core = arg;

	const struct cfgsub_change *ch;
	size_t n;

	log_info("applying configuration %llu", (unsigned long long)commit_id);
	ch = cfgsub_changes(core->cfgsub, &n);
	return ntpd_apply_objects(core, cfg, cfgsub_tree(core->cfgsub), ch, n, errs, max_errs);
}

static void on_ifstates(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct ntpd *core = arg;
	IfStates *st = if_states__unpack(NULL, len, state);

	if (!st) {
		log_warn("undecodable interface state %llu from ifmgrd", (unsigned long long)seq);
		return;
	}
	ntpd_apply_ifstates(core, st);
	if_states__free_unpacked(st, NULL);
}

/* The device clock for the events: Unix microseconds. */
static int64_t evlog_clock(void *arg)
{
	struct ntpd *core = arg;
	uint64_t ts = ntp_clock_now(core->clock);

	return ((int64_t)(ts >> 32) - (int64_t)NTP_UNIX_EPOCH) * 1000000 +
	       (int64_t)(((ts & 0xffffffffULL) * 1000000ULL) >> 32);
}

struct ntpd *ntpd_new_with_clock(struct loop *loop, void *zctx, const struct bootstrap *bs,
				 struct ntp_clock *clock, char *err, size_t errlen)
{
	struct ntpd *core;
	char pub[256], ctl[256];
	int e;

	if (!clock) {
		snprintf(err, errlen, "no clock");
		errno = EINVAL;
		return NULL;
	}
	core = xcalloc(1, sizeof(*core));
	core->loop = loop;
	core->zctx = zctx;
	core->bs = bs;
	core->clock = clock;
	core->port = bs->ntp.port > 0 && bs->ntp.port <= 65535 ? (uint16_t)bs->ntp.port : NTP_PORT;
	if (getrandom(&core->rng, sizeof(core->rng), 0) != sizeof(core->rng) || !core->rng)
		core->rng = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL | 1;
	sys_init(core);
	ntpd_apply_config(core, NULL, NULL, 0);
	if (!zctx)
		return core;

	if (ctl_init(core, err, errlen) < 0)
		goto fail;
	core->evlog = evlog_open(loop, zctx, bs, "ntpd", EVLOG_CID_NTPD);
	if (core->evlog)
		evlog_set_clock(core->evlog, evlog_clock, core);
	else if (errno != EALREADY)   /* EALREADY: tests, several cores in one process */
		log_warn("no event log for display logbuffer: %s", strerror(errno));
	if (bootstrap_endpoint(bs, "ifmgrd", "pub", pub, sizeof(pub)) < 0 ||
	    bootstrap_endpoint(bs, "ifmgrd", "ctl", ctl, sizeof(ctl)) < 0) {
		snprintf(err, errlen, "run_dir too long for a socket path: %s", bs->run_dir);
		errno = ENAMETOOLONG;
		goto fail;
	}
	core->ifsub = clone_sub_new(loop, zctx, pub, ctl, "if", CLONE_HEARTBEAT_MS, on_ifstates,
				    core);
	if (!core->ifsub) {
		snprintf(err, errlen, "cannot subscribe to ifmgrd: %s", strerror(errno));
		goto fail;
	}
	/* acl, acl6: ntp-service access; interface: ntp-service in-interface
	 * disable, broadcast and multicast. */
	core->cfgsub = cfgsub_new(loop, zctx, bs, "ntpd",
				  (const char *const[]){ "ntp", "acl", "acl6", "interface", NULL },
				  on_config, core);
	if (!core->cfgsub) {
		snprintf(err, errlen, "cannot subscribe to cfgd: %s", strerror(errno));
		goto fail;
	}
	/* A commit's ACL objects are read from cfgsub's tree, not handed
	 * whole: beside 100,000 rules, one rule costs one rule. */
	cfgsub_set_by_path(core->cfgsub, (const char *const[]){ "acl", "acl6", NULL });
	return core;
fail:
	e = errno ? errno : EIO;
	ntpd_free(core);
	errno = e;
	return NULL;
}

struct ntpd *ntpd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen)
{
	struct ntp_clock *clock;

	if (bs->clock.type == BS_CLOCK_VIRTUAL)
		clock = ntp_clock_new_virtual(bs->clock.offset, bs->clock.frequency_ppm,
					      bs->clock.noise);
	else
		clock = ntp_clock_new_system();
	if (!clock) {
		snprintf(err, errlen, "cannot create the %s clock",
			 bs->clock.type == BS_CLOCK_VIRTUAL ? "virtual" : "system");
		errno = ENODEV;
		return NULL;
	}
	return ntpd_new_with_clock(loop, zctx, bs, clock, err, errlen);
}

void ntpd_free(struct ntpd *core)
{
	if (!core)
		return;
	cfgsub_free(core->cfgsub);
	clone_sub_free(core->ifsub);
	evlog_close(core->evlog);
	trace_fini(core);
	ctl_fini(core);
	resolve_fini(core);
	while (core->assocs)
		assoc_free(core->assocs);
	bcast_free(core);
	sock_close_all(core);
	sys_fini(core);
	auth_free(core->auth);
	access_free(core->access);
	for (int i = 0; i < core->n_op_errs; i++)
		free(core->op_errs[i]);
	for (size_t i = 0; i < core->n_ifs; i++)
		free(core->ifs[i].name);
	free(core->ifs);
	free(core->if_slots);
	vpn_free(core);
	if (core->cfg)
		config__free_unpacked(core->cfg, NULL);
	ntp_clock_free(core->clock);
	free(core);
}
