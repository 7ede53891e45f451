/*
 * test_select_servers.c: several servers, the best chosen by the
 * algorithms (selection, clustering, the stratum rule), whatever the order
 * of the configuration; `preferred` and `priority` (first choice among
 * equals) also whatever the order.  Nine cores over loopback on one port:
 *
 *   A 127.0.0.1 refclock-master 3     B 127.0.0.2 refclock-master 2
 *   G 127.0.0.3 refclock-master 2
 *   C1 [A, B] -> B        C2 [B, A] -> B          (lower stratum wins)
 *   C3 [B, G preferred] -> G   C4 [G preferred, B] -> G
 *   C5 [B, G priority]  -> G   C6 [G, B priority]  -> B
 * Each client must reach its system peer and keep it for 4 s.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "loopback_world.h"

#define N_CLIENTS 6

struct sw {
	struct loop *loop;
	struct wdev a, b, g, c[N_CLIENTS];
	const char *want[N_CLIENTS];
	double ok_since;
};

static bool all_ok(void *arg)
{
	struct sw *w = arg;
	double now = ntpd_mono();

	for (int i = 0; i < N_CLIENTS; i++) {
		const struct ntp_system *s = &w->c[i].core->sys;

		if (!s->synced || !s->peer || strcmp(s->peer->addr_text, w->want[i]) != 0) {
			w->ok_since = 0;
			return false;
		}
	}
	if (w->ok_since == 0)
		w->ok_since = now;
	return now - w->ok_since >= 4.0;
}

static void na(NtpAssociation *x, const char *addr, bool preferred, bool priority)
{
	ntp_association__init(x);
	x->address = (char *)addr;
	x->has_preferred = x->preferred = preferred;
	x->has_priority = x->priority = priority;
}

Test(select_servers, best_by_the_algorithms_not_by_order, .timeout = 120)
{
	struct sw w;
	NtpAssociation x[N_CLIENTS][2];
	NtpAssociation *l[N_CLIENTS][2];
	uint16_t port;
	bool ok;

	memset(&w, 0, sizeof(w));
	log_init("test_select_servers", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	w.loop = loop_new();
	port = world_port();
	wdev_init(w.loop, &w.a, "127.0.0.1", port, 0.0);
	wdev_init(w.loop, &w.b, "127.0.0.2", port, 0.0);
	wdev_init(w.loop, &w.g, "127.0.0.3", port, 0.0);
	wdev_config(&w.a, 3, NULL, 0);
	wdev_config(&w.b, 2, NULL, 0);
	wdev_config(&w.g, 2, NULL, 0);
	na(&x[0][0], "127.0.0.1", false, false); na(&x[0][1], "127.0.0.2", false, false);
	na(&x[1][0], "127.0.0.2", false, false); na(&x[1][1], "127.0.0.1", false, false);
	na(&x[2][0], "127.0.0.2", false, false); na(&x[2][1], "127.0.0.3", true, false);
	na(&x[3][0], "127.0.0.3", true, false);  na(&x[3][1], "127.0.0.2", false, false);
	na(&x[4][0], "127.0.0.2", false, false); na(&x[4][1], "127.0.0.3", false, true);
	na(&x[5][0], "127.0.0.3", false, false); na(&x[5][1], "127.0.0.2", false, true);
	w.want[0] = w.want[1] = "127.0.0.2";
	w.want[2] = w.want[3] = w.want[4] = "127.0.0.3";
	w.want[5] = "127.0.0.2";
	for (int i = 0; i < N_CLIENTS; i++) {
		char addr[16];

		snprintf(addr, sizeof(addr), "127.0.0.%d", 11 + i);
		wdev_init(w.loop, &w.c[i], addr, port, 0.05 * (i + 1));
		l[i][0] = &x[i][0];
		l[i][1] = &x[i][1];
		wdev_config(&w.c[i], 0, l[i], 2);
	}
	ok = world_run_until(w.loop, all_ok, &w, 60.0);
	for (int i = 0; i < N_CLIENTS; i++) {
		const struct ntp_system *s = &w.c[i].core->sys;

		cr_log_info("C%d: synced %d stratum %d peer %s (want %s)", i + 1, s->synced,
			    s->stratum, s->peer ? s->peer->addr_text : "-", w.want[i]);
	}
	cr_assert(ok, "a client did not settle on the expected system peer");
	cr_assert_eq(w.c[0].core->sys.stratum, 3);
	for (int i = 0; i < N_CLIENTS; i++)
		wdev_free(&w.c[i]);
	wdev_free(&w.a);
	wdev_free(&w.b);
	wdev_free(&w.g);
	loop_free(w.loop);
}
