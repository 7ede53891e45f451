/*
 * test_srcif.c: `unicast-server ... source-interface` follows its interface
 * end to end (kernel -> ifmgrd -> IfStates -> ntpd), on a lab of DeviceC
 * (refclock-master 2) and DeviceD (its client through GigabitEthernet0/1/0):
 *
 *  - a new primary address typed at the CLI: ntpd's association leaves
 *    from it within 100 ms of ifmgrd publishing it, and is answered there;
 *  - the address changed behind ifmgrd's back (`ip addr del` and another
 *    address, in the device's namespace): ifmgrd puts the configured one
 *    back, and the association is answered from it again;
 *  - the link down (`scripts/lab link DeviceD down`: the bridge side of the
 *    veth, so eth0 loses its carrier): within 100 ms of ifmgrd's
 *    publication the association says why it is unreachable, in `display
 *    ntp-service sessions` and in the unsynchronized reason of `display
 *    ntp-service status`, and `display interface` says why it is DOWN;
 *  - the link up again: the association polls at once and DeviceD is
 *    synchronized again, with no configuration change.
 *
 * The latencies are measured by a watcher thread subscribed to DeviceD's
 * ifmgrd.pub (the moment the test receives the publication) that polls
 * ntpd's ctl socket every few milliseconds (the moment ntpd shows the
 * change): an upper bound of ntpd's reaction, polling included.  Every wait
 * has a deadline.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bus.pb-c.h"
#include "lab.h"

#define IFNAME "GigabitEthernet0/1/0"
#define SERVER "10.0.1.31"
#define FOLLOW_MS 100     /* the bound: ntpd follows ifmgrd's publication within it */

static const char *const conf_c[] = {
	"system-view", "sysname DeviceC", "interface " IFNAME, "undo shutdown",
	"ip address " SERVER " 24", "quit", "ntp-service refclock-master 2", "commit", "return",
	NULL,
};

static const char *const conf_d[] = {
	"system-view", "sysname DeviceD", "interface " IFNAME, "undo shutdown",
	"ip address 10.0.1.32 24", "quit",
	"ntp-service unicast-server " SERVER " source-interface " IFNAME " minpoll 3 maxpoll 3",
	"commit", "return", NULL,
};

/* What the watcher waits for: ifmgrd publishing IFNAME with that primary
 * address and up (MOVE) / down (DOWN) / up (UP), and ntpd's session toward
 * SERVER leaving from `addr` and reachable (MOVE, UP) or unreachable
 * (DOWN). */
enum watch_mode { W_MOVE, W_DOWN, W_UP };

struct watch {
	enum watch_mode mode;
	const char *addr;
	int timeout_ms;
	atomic_bool ready;        /* subscribed (a heartbeat arrived) */
	double t_pub, t_ntp;      /* first seen; 0: not by the deadline */
	char last[256];           /* the last session seen, for failures */
	pthread_t th;
};

static bool pub_matches(const struct watch *w, const IfStates *st)
{
	for (size_t i = 0; st && i < st->n_interface; i++) {
		const IfState *is = st->interface[i];
		bool up = is->has_oper_up && is->oper_up;

		if (strcmp(is->name, IFNAME) != 0)
			continue;
		if (w->mode == W_DOWN)
			return !up;
		if (w->mode == W_UP)
			return up;
		return up && is->primary_ipv4 && strcmp(is->primary_ipv4, w->addr) == 0;
	}
	return false;
}

static bool ntp_matches(struct watch *w, const NtpReply *rep)
{
	for (size_t i = 0; rep && i < rep->n_session; i++) {
		const NtpSession *s = rep->session[i];
		bool unreach = s->unreachable && s->unreachable[0];

		if (!s->source || strcmp(s->source, SERVER) != 0)
			continue;
		snprintf(w->last, sizeof(w->last), "local %s, unreachable \"%s\"",
			 s->local ? s->local : "?", unreach ? s->unreachable : "");
		if (w->mode == W_DOWN)
			return unreach;
		if (unreach)
			return false;
		return w->mode == W_UP || (s->local && strcmp(s->local, w->addr) == 0);
	}
	return false;
}

static void *watch_run(void *arg)
{
	struct watch *w = arg;
	const struct lab_device *d = lab_dev("DeviceD");
	void *sub = zmq_socket(lab_zctx(), ZMQ_SUB);
	double deadline = lab_now() + w->timeout_ms / 1000.0;
	char ep[400];
	int zero = 0;

	snprintf(ep, sizeof(ep), "ipc://%s/ifmgrd.pub", d->run_dir);
	zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "if", 2);
	zmq_connect(sub, ep);
	while (lab_now() < deadline && (!w->t_pub || !w->t_ntp)) {
		zmq_pollitem_t it = { .socket = sub, .events = ZMQ_POLLIN };

		if (zmq_poll(&it, 1, 2) > 0) {
			uint8_t buf[65536];
			int more = 0, n;
			size_t ml = sizeof(more);

			n = zmq_recv(sub, buf, sizeof(buf), 0);   /* the topic */
			zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml);
			if (n < 0 || !more)
				continue;
			n = zmq_recv(sub, buf, sizeof(buf), 0);
			CloneUpdate *cu = n > 0 && n <= (int)sizeof(buf) ?
					  clone_update__unpack(NULL, (size_t)n, buf) : NULL;

			if (cu) {
				atomic_store(&w->ready, true);
				if (cu->has_state) {
					IfStates *st = if_states__unpack(NULL, cu->state.len,
									 cu->state.data);

					if (!w->t_pub && pub_matches(w, st))
						w->t_pub = lab_now();
					if (st)
						if_states__free_unpacked(st, NULL);
				}
				clone_update__free_unpacked(cu, NULL);
			}
		}
		if (atomic_load(&w->ready) && !w->t_ntp) {
			NtpReply *rep = NULL;

			if (lab_ntp_sessions("DeviceD", &rep) == 0 && ntp_matches(w, rep))
				w->t_ntp = lab_now();
			if (rep)
				ntp_reply__free_unpacked(rep, NULL);
		}
	}
	atomic_store(&w->ready, true);
	zmq_close(sub);
	return NULL;
}

/* Start watching; returns once the subscription is in place (ifmgrd
 * heartbeats every second). */
static void watch_start(struct watch *w, enum watch_mode mode, const char *addr, int timeout_ms)
{
	memset(w, 0, sizeof(*w));
	w->mode = mode;
	w->addr = addr;
	w->timeout_ms = timeout_ms;
	cr_assert_eq(pthread_create(&w->th, NULL, watch_run, w), 0);
	for (double dl = lab_now() + 5; !atomic_load(&w->ready) && lab_now() < dl;)
		lab_pause_ms(5);
	cr_assert(atomic_load(&w->ready), "no heartbeat from DeviceD's ifmgrd.pub");
}

/* Wait for the watcher; ntpd's lag behind the publication, in s. */
static double watch_end(struct watch *w, const char *what)
{
	pthread_join(w->th, NULL);
	cr_assert(w->t_pub, "%s: ifmgrd never published it", what);
	cr_assert(w->t_ntp, "%s: ntpd never showed it (last: %s)", what, w->last);
	lab_note("source-interface %s: ntpd %.1f ms after ifmgrd's publication", what,
		 (w->t_ntp - w->t_pub) * 1e3);
	return w->t_ntp - w->t_pub;
}

/* DeviceD's session toward SERVER received a packet after `since`
 * (lab_now() time), by the deadline.  `now` counts whole seconds, so the
 * packet is known to be newer only once now < lab_now() - since - 1. */
static bool answered_after(double since, int timeout_ms)
{
	double deadline = lab_now() + timeout_ms / 1000.0;

	while (lab_now() < deadline) {
		NtpReply *rep = NULL;
		bool ok = false;

		if (lab_ntp_sessions("DeviceD", &rep) == 0) {
			for (size_t i = 0; i < rep->n_session; i++) {
				const NtpSession *s = rep->session[i];

				if (s->source && strcmp(s->source, SERVER) == 0 && s->reach &&
				    s->now + 1 < lab_now() - since)
					ok = true;
			}
			ntp_reply__free_unpacked(rep, NULL);
		}
		if (ok)
			return true;
		lab_pause_ms(100);
	}
	return false;
}

static bool synchronized(int timeout_ms)
{
	double deadline = lab_now() + timeout_ms / 1000.0;

	while (lab_now() < deadline) {
		NtpReply *rep = NULL;
		bool ok = lab_ntp_status("DeviceD", &rep) == 0 && rep->sys &&
			  rep->sys->synchronized;

		if (rep)
			ntp_reply__free_unpacked(rep, NULL);
		if (ok)
			return true;
		lab_pause_ms(100);
	}
	return false;
}

Test(srcif, follows_address_and_link, .fini = lab_down, .timeout = 400)
{
	struct watch w;
	char *out = NULL;
	double t;
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC", "DeviceD:0.3", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");
	lab_lines(vc, "DeviceC", conf_c);
	lab_lines(vd, "DeviceD", conf_d);
	cr_assert(synchronized(60000), "DeviceD never synchronized to DeviceC");

	/* 1. A new primary address at the CLI. */
	watch_start(&w, W_MOVE, "10.0.1.42", 20000);
	static const char *const move[] = {
		"system-view", "interface " IFNAME, "ip address 10.0.1.42 24", "commit", "return",
		NULL,
	};
	t = lab_now();
	lab_lines(vd, "DeviceD", move);
	cr_assert_lt(watch_end(&w, "new address at the CLI"), FOLLOW_MS / 1e3);
	cr_assert(answered_after(t, 30000), "DeviceC never answered the new address");

	/* 2. Behind ifmgrd's back: its address deleted and another put on eth0
	 * (not `ip addr flush`, which tries again while ifmgrd restores and
	 * gives up after ten rounds).
	 * ifmgrd puts the configured one back (often within the batch of
	 * events it read, so nothing else is ever published), and the
	 * association is answered from it again. */
	const char *ns = lab_dev("DeviceD")->ns;
	const char *const del[] = { "ip", "addr", "del", "10.0.1.42/24", "dev", "eth0", NULL };
	const char *const other[] = { "ip", "addr", "add", "10.0.1.77/24", "dev", "eth0", NULL };
	const char *const show[] = { "ip", "-4", "-o", "addr", "show", "dev", "eth0", NULL };
	t = lab_now();
	cr_assert_eq(lab_run(ns, "DeviceD", del, 10000, NULL), 0);
	cr_assert_eq(lab_run(ns, "DeviceD", other, 10000, NULL), 0);
	for (double dl = lab_now() + 10; lab_now() < dl; lab_pause_ms(100)) {
		free(out);
		out = NULL;
		lab_run(ns, "DeviceD", show, 10000, &out);
		if (out && strstr(out, "10.0.1.42/24") && !strstr(out, "10.0.1.77"))
			break;
	}
	cr_assert(out && strstr(out, "10.0.1.42/24") && !strstr(out, "10.0.1.77"),
		  "ifmgrd did not put the configured address back:\n%s", out ? out : "");
	free(out);
	out = NULL;
	cr_assert(answered_after(t, 30000), "not answered again after the change behind ifmgrd's back");
	static const char *const local[] = { " peer interface: " IFNAME, NULL };
	ok = lab_wait_output(vd, "display ntp-service sessions verbose", local, 5000, &out);
	cr_assert(ok, "the session does not leave by " IFNAME ":\n%s", out ? out : "");
	free(out);

	/* 3. The link down: the association says why, at once. */
	watch_start(&w, W_DOWN, NULL, 10000);
	cr_assert_eq(lab_script("link", "DeviceD", "down", NULL), 0);
	cr_assert_lt(watch_end(&w, "link down"), FOLLOW_MS / 1e3);
	static const char *const why[] = {
		" unreachable reason: source-interface " IFNAME " is down", NULL,
	};
	ok = lab_wait_output(vd, "display ntp-service sessions", why, 5000, &out);
	cr_assert(ok, "no reason in the sessions:\n%s", out ? out : "");
	free(out);
	static const char *const unsync[] = {
		" clock status: unsynchronized",
		" unsynchronized reason: no usable source: " SERVER " source-interface " IFNAME
		" is down", NULL,
	};
	ok = lab_wait_output(vd, "display ntp-service status", unsync, 5000, &out);
	cr_assert(ok, "no reason in the status:\n%s", out ? out : "");
	free(out);
	static const char *const ifdown[] = {
		IFNAME " current state : DOWN", "Line protocol current state : DOWN",
		"Down reason : netdev eth0 has no carrier", NULL,
	};
	ok = lab_wait_output(vd, "display interface " IFNAME, ifdown, 5000, &out);
	cr_assert(ok, "display interface does not say why it is down:\n%s", out ? out : "");
	free(out);

	/* 4. Up again: it polls at once and synchronizes, nothing typed. */
	watch_start(&w, W_UP, NULL, 10000);
	t = lab_now();
	cr_assert_eq(lab_script("link", "DeviceD", "up", NULL), 0);
	cr_assert_lt(watch_end(&w, "link up"), FOLLOW_MS / 1e3);
	cr_assert(answered_after(t, 10000), "not answered after the link came back");
	cr_assert(synchronized(30000), "DeviceD not synchronized again");
	lab_note("source-interface: synchronized again %.1f s after the link came up",
		 lab_now() - t);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
