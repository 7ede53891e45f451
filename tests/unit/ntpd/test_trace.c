/*
 * test_trace.c: `display ntp-service trace` inside ntpd (trace.c), on three
 * cores over loopback sharing one port (loopback_world.h):
 *
 *   S  127.0.0.1  refclock-master 2
 *   C  127.0.0.2  unicast-server 127.0.0.1
 *   T  127.0.0.3  unicast-server 127.0.0.2
 *
 * Once T is at stratum 4 its trace walks T -> C -> S and ends on S's local
 * clock, T itself named 127.0.0.1 as the manuals name the local device; S's own trace is one line; an unsynchronized device ends on
 * "none"; a server that stopped answering ends the walk with the reason,
 * within the bound clid waits for.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "loopback_world.h"

struct tw {
	struct loop *loop;
	struct wdev s, c, t, u;
	NtpReply *reply;
	int calls;
};

static bool t_synced(void *arg)
{
	struct tw *w = arg;

	return w->t.core->sys.synced && w->t.core->sys.stratum == 4;
}

static void got(struct ntpd *core, NtpReply *r, void *arg)
{
	struct tw *w = arg;

	w->calls++;
	w->reply = r;
	loop_stop(w->loop);
}

static NtpTrace *trace(struct tw *w, struct ntpd *core)
{
	double t0 = ntpd_mono();

	if (w->reply)
		ctl_reply_free(w->reply);
	w->reply = NULL;
	cr_assert_eq(trace_start(core, got, w), 0);
	cr_assert_null(w->reply, "never answered from inside trace_start");
	cr_assert_eq(loop_run(w->loop), 0);
	cr_assert_not_null(w->reply);
	cr_assert_not_null(w->reply->trace);
	/* The walk ends by its own deadline (generous: a loaded machine may
	 * delay the loop; a walk that never ends would take far longer). */
	cr_assert_lt(ntpd_mono() - t0, NTPD_TRACE_TIMEOUT_S + 5.0);
	return w->reply->trace;
}

static void hop_is(const NtpTrace *t, size_t i, const char *server, unsigned stratum)
{
	cr_assert_gt(t->n_hop, i);
	cr_assert_str_eq(t->hop[i]->server, server);
	cr_assert_eq(t->hop[i]->stratum, stratum, "hop %zu stratum %u", i, t->hop[i]->stratum);
	cr_log_info("hop %zu %s stratum %u offset %.6f distance %.5f", i, t->hop[i]->server,
		    t->hop[i]->stratum, t->hop[i]->offset, t->hop[i]->sync_distance);
	/* Early on the dispersion of a half-filled filter dominates. */
	cr_assert_lt(t->hop[i]->sync_distance, NTP_MAXDISP);
	cr_assert_lt(t->hop[i]->offset < 0 ? -t->hop[i]->offset : t->hop[i]->offset, 0.01);
}

Test(trace, walks_to_the_reference, .timeout = 120)
{
	struct tw w;
	NtpAssociation a = NTP_ASSOCIATION__INIT, b = NTP_ASSOCIATION__INIT;
	NtpAssociation *la[1] = { &a }, *lb[1] = { &b };
	uint16_t port;
	NtpTrace *t;

	memset(&w, 0, sizeof(w));
	log_init("test_trace", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	w.loop = loop_new();
	port = world_port();
	wdev_init(w.loop, &w.s, "127.0.0.1", port, 0.0);
	wdev_init(w.loop, &w.c, "127.0.0.2", port, 0.2);
	wdev_init(w.loop, &w.t, "127.0.0.3", port, -0.2);
	wdev_init(w.loop, &w.u, "127.0.0.4", port, 0.0);
	a.address = "127.0.0.1";
	b.address = "127.0.0.2";
	wdev_config(&w.s, 2, NULL, 0);
	wdev_config(&w.c, 0, la, 1);
	wdev_config(&w.t, 0, lb, 1);
	wdev_config(&w.u, 0, NULL, 0);

	/* S on its local clock: one line, refid LOCAL(0). */
	t = trace(&w, w.s.core);
	cr_assert_eq(t->n_hop, 1);
	cr_assert_str_eq(t->hop[0]->server, "127.0.0.1");
	cr_assert_eq(t->hop[0]->stratum, 2);
	cr_assert_str_eq(t->refid_text, "LOCAL(0)");
	cr_assert_str_eq(t->stopped, "");
	/* U unsynchronized. */
	t = trace(&w, w.u.core);
	cr_assert_eq(t->n_hop, 1);
	cr_assert_eq(t->hop[0]->stratum, 16);
	cr_assert_str_eq(t->refid_text, "none");

	cr_assert(world_run_until(w.loop, t_synced, &w, 60.0), "T not at stratum 4");
	t = trace(&w, w.t.core);
	cr_assert_eq(t->n_hop, 3, "%zu hops", t->n_hop);
	/* This device is named 127.0.0.1 whatever address it uses (Comware). */
	hop_is(t, 0, "127.0.0.1", 4);
	hop_is(t, 1, "127.0.0.2", 3);
	hop_is(t, 2, "127.0.0.1", 2);
	cr_assert_str_eq(t->hop[2]->refid_text, "LOCAL(0)");
	cr_assert_str_eq(t->refid_text, "LOCAL(0)");
	cr_assert_str_eq(t->stopped, "");
	/* Distance grows away from the reference. */
	cr_assert_lt(t->hop[2]->sync_distance, t->hop[1]->sync_distance + 1e-9);

	/* C goes away: the walk stops at it, within the bound. */
	wdev_free(&w.c);
	t = trace(&w, w.t.core);
	cr_assert_eq(t->n_hop, 1);
	cr_assert_str_eq(t->stopped, "no answer from 127.0.0.2");
	cr_assert_eq(w.calls, 4);

	/* A walk in flight when the core goes: its callback runs with NULL. */
	ctl_reply_free(w.reply);
	w.reply = (NtpReply *)&w;   /* must be replaced by NULL */
	cr_assert_eq(trace_start(w.t.core, got, &w), 0);
	wdev_free(&w.t);
	cr_assert_null(w.reply);
	cr_assert_eq(w.calls, 5);

	wdev_free(&w.u);
	wdev_free(&w.s);
	loop_free(w.loop);
}
