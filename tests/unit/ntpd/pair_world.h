/*
 * pair_world.h: two ntpd cores in one process and one loop, S (the server)
 * and C (its client), each on its own UDP port and virtual clock (C starts
 * 50 ms off), fed configurations and interface states directly: what the
 * IPv6 tests (test_ipv6.c) and the link-local ones (test_linklocal.c)
 * share.  Waits poll the loop with a deadline.  Static functions: each
 * test file includes it once.
 */
#ifndef MERIDIAN_TEST_PAIR_WORLD_H
#define MERIDIAN_TEST_PAIR_WORLD_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"

struct fx {
	struct bootstrap bs_s, bs_c;
	struct loop *loop;
	struct ntpd *s, *c;
};

/* A UDP port free on every IPv6 address (:: binds in a namespace whose
 * loopback is down, too). */
static uint16_t free_port6(void)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	cr_assert(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);
	return ntohs(sa.sin6_port);
}

static void fx_init(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	log_init("ntpd-test", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	f->loop = loop_new();
	bootstrap_defaults(&f->bs_s);
	bootstrap_defaults(&f->bs_c);
	f->bs_s.clock.type = f->bs_c.clock.type = BS_CLOCK_VIRTUAL;
	f->bs_s.clock.noise = f->bs_c.clock.noise = 0;
	f->bs_c.clock.offset = 0.05;
	f->bs_s.ntp.port = free_port6();
	f->bs_c.ntp.port = free_port6();
	f->s = ntpd_new(f->loop, NULL, &f->bs_s);
	f->c = ntpd_new(f->loop, NULL, &f->bs_c);
	cr_assert_not_null(f->s);
	cr_assert_not_null(f->c);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->c);
	ntpd_free(f->s);
	loop_free(f->loop);
	bootstrap_free(&f->bs_s);
	bootstrap_free(&f->bs_c);
}

/* Apply cfg and return the number of errors (logged; freed). */
static int apply(struct ntpd *core, Config *cfg, char *first_err, size_t len)
{
	char *errs[8];
	int n = ntpd_apply_config(core, cfg, errs, 8);

	if (first_err && len)
		snprintf(first_err, len, "%s", n > 0 ? errs[0] : "");
	for (int i = 0; i < n; i++) {
		cr_log_info("apply: %s", errs[i]);
		free(errs[i]);
	}
	return n;
}

/* S: refclock-master stratum 2, serving everywhere (or only on
 * `server source-interface SRV_IF` when srv_if is not NULL). */
static void config_server(struct fx *f, const char *srv_if)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	ntp.server_source_interface = (char *)srv_if;
	cfg.ntp = &ntp;
	cr_assert_eq(apply(f->s, &cfg, NULL, 0), 0);
}

/* C: `unicast-server ipv6 ADDR port <S's>` (`unicast-peer` when peer) with
 * the given source options.  The number of errors, the first in err. */
static int config_assoc(struct fx *f, bool peer, const char *addr, bool v6, const char *srcif,
			const char *v6_global_src, char *err, size_t len)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };

	na.address = (char *)addr;
	na.has_ipv6 = v6;
	na.ipv6 = v6;
	na.has_port = true;
	na.port = f->bs_s.ntp.port;
	na.source_interface = (char *)srcif;
	if (peer) {
		ntp.unicast_peer = list;
		ntp.n_unicast_peer = 1;
	} else {
		ntp.unicast_server = list;
		ntp.n_unicast_server = 1;
	}
	ntp.ipv6_source_interface = (char *)v6_global_src;
	cfg.ntp = &ntp;
	return apply(f->c, &cfg, err, len);
}

static int config_client(struct fx *f, const char *addr, bool v6, const char *srcif,
			 const char *v6_global_src, char *err, size_t len)
{
	return config_assoc(f, false, addr, v6, srcif, v6_global_src, err, len);
}

struct wait {
	bool (*done)(struct fx *f);
	struct fx *f;
	double deadline;
	bool ok;
};

static void wait_cb(struct loop *loop, void *arg)
{
	struct wait *w = arg;

	w->ok = w->done(w->f);
	if (w->ok || ntpd_mono() > w->deadline) {
		loop_stop(loop);
		return;
	}
	loop_timer_add(loop, 50000, wait_cb, w);
}

static bool run_until(struct fx *f, bool (*done)(struct fx *), double secs)
{
	struct wait w = { done, f, ntpd_mono() + secs, false };

	loop_timer_add(f->loop, 0, wait_cb, &w);
	cr_assert_eq(loop_run(f->loop), 0);
	return w.ok;
}

static bool c_synced(struct fx *f)
{
	return f->c->sys.synced && !f->c->sys.on_local;
}

/* `display ntp-service sessions [verbose]`: the reply, to free with
 * ctl_reply_free(). */
static NtpReply *ask_sessions(struct ntpd *core, bool verbose)
{
	NtpRequest req = NTP_REQUEST__INIT;
	NtpSessionsRequest ses = NTP_SESSIONS_REQUEST__INIT;
	size_t len;
	uint8_t *buf;
	NtpReply *r;

	ses.has_verbose = true;
	ses.verbose = verbose;
	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &ses;
	len = protobuf_c_message_get_packed_size(&req.base);
	buf = malloc(len + 1);
	protobuf_c_message_pack(&req.base, buf);
	r = ctl_answer(core, buf, len);
	free(buf);
	cr_assert_not_null(r);
	return r;
}

#endif
