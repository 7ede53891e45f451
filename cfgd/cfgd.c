/*
 * cfgd.c: cfgd's core object: the running configuration (persist.c loads
 * it), the sessions, the ctl server and the Clone publisher, wired into
 * one loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd_int.h"
#include "clone.h"
#include "daemon.h"
#include "evlog.h"
#include "log.h"
#include "loop.h"
#include "store.h"
#include "validate.h"

/* The whole-configuration check of running waits this long after the
 * start: it walks all of running, which the first requests a restarted
 * cfgd gets (the subscribers' snapshots, an operator's command) should not
 * wait for.  By then a snapshot has usually made running's Config (the
 * view, cfgd_running_config), and the check reuses it. */
#define CHECK_DELAY_MS 1000

/* Log the problems running has (never a veto: they were committed). */
static void check_running(struct loop *loop, void *arg)
{
	struct cfgd *d = arg;
	struct validate_list problems = { 0 };

	(void)loop;
	d->check_timer = 0;
	validate_config(cfgd_running_config(d), d->bs, VALIDATE_COMMIT, &problems);
	for (size_t i = 0; i < problems.n; i++)
		log_warn("running configuration: %s", problems.msg[i]);
	validate_list_free(&problems);
}

static const ProtobufCMessage *running_state(void *arg)
{
	return &cfgd_running_config(arg)->base;
}

struct cfgd *cfgd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen)
{
	struct cfgd *d = xcalloc(1, sizeof(*d));
	uint64_t t0, load_us;
	int rc;

	d->loop = loop;
	d->zctx = zctx;
	d->bs = bs;
	d->apply_wait_ms = CFGD_APPLY_WAIT_MS;
	session_table_init(&d->sessions);

	t0 = loop_now_us();
	rc = persist_load(d, err, errlen);
	if (rc < 0)
		goto fail;
	load_us = loop_now_us() - t0;
	/* What running holds that would not validate today (an interface
	 * that left the bootstrap file, say) is said a while after the start
	 * (CHECK_DELAY_MS). */
	d->check_timer = loop_timer_add(loop, CHECK_DELAY_MS * 1000u, check_running, d);

	(void)mkdir(bs->run_dir, 0755);
	rc = session_table_start(&d->sessions, bs->run_dir, d->run, persist_moved_since, d, err,
				 errlen);
	persist_moved_done(d);
	if (rc < 0)
		goto fail;
	log_info("session epoch %" PRIu32 ": session ids from %" PRIu64, d->sessions.ids.epoch,
		 (uint64_t)d->sessions.ids.epoch << 32 | 1);
	d->ctl = daemon_bind_server(loop, zctx, bs, "cfgd", "ctl", ctl_request, d, err, errlen);
	if (d->ctl == NULL) {
		rc = -errno;
		goto fail;
	}
	d->pub = daemon_bind_pub(loop, zctx, bs, "cfgd", "pub", "cfg", err, errlen);
	if (d->pub == NULL) {
		rc = -errno;
		goto fail;
	}
	clone_pub_set_state_fn(d->pub, running_state, d);
	clone_pub_start(d->pub, d->rf->commit_id);
	d->evlog = evlog_open(loop, zctx, bs, "cfgd", EVLOG_CID_CFGD);
	if (!d->evlog && errno != EALREADY)   /* EALREADY: tests, several daemons in one process */
		log_warn("no event log for display logbuffer: %s", strerror(errno));
	trial_arm(d);
	log_info("running configuration at commit %" PRIu64 " (checkpoint and journal read in "
		 "%.1f ms, cfgd ready in %.1f ms)", d->rf->commit_id, load_us / 1000.0,
		 (loop_now_us() - t0) / 1000.0);
	return d;
fail:
	cfgd_free(d);
	errno = rc < 0 ? -rc : EIO;
	return NULL;
}

void cfgd_free(struct cfgd *d)
{
	if (d == NULL)
		return;
	if (d->check_timer)
		loop_timer_cancel(d->loop, d->check_timer);
	commit_fini(d);
	trial_fini(d);
	evlog_close(d->evlog);
	if (d->pub)
		clone_pub_free(d->pub);
	if (d->ctl)
		bus_server_free(d->ctl);
	session_table_free(&d->sessions);
	persist_fini(d);
	ct_free(d->run);
	free(d);
}

void cfgd_set_apply_wait_ms(struct cfgd *d, unsigned ms)
{
	d->apply_wait_ms = ms;
}

uint64_t cfgd_commit_id(const struct cfgd *d)
{
	return d->rf->commit_id;
}

const Config *cfgd_running_config(struct cfgd *d)
{
	if (d->rf->config == NULL) {
		d->rf->config_arena = ct_arena_new();
		d->rf->config = (const Config *)ct_view(d->run, d->rf->config_arena);
	}
	return d->rf->config;
}

const Config *cfgd_running(const struct cfgd *d)
{
	return cfgd_running_config((struct cfgd *)d);
}

uint64_t cfgd_bad_requests(const struct cfgd *d)
{
	return d->bad_requests + bus_server_dropped(d->ctl);
}
