/*
 * pair_world.c: the two-core ntpd world of pair_world.h, written once.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "loop.h"
#include "ntpd_rig.h"
#include "pair_world.h"
#include "port.h"
#include "testutil.h"

void pair_init(struct pair *f)
{
	memset(f, 0, sizeof(*f));
	log_init("ntpd-test", getenv("NTPD_TEST_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	f->loop = loop_new();
	ntpd_rig_bootstrap(&f->bs_s, 0, 0);
	ntpd_rig_bootstrap(&f->bs_c, 0.05, 0);
	/* Ports free on every IPv6 address: "::" binds in a namespace whose
	 * loopback is down, too. */
	f->bs_s.ntp.port = free_udp_port("::");
	f->bs_c.ntp.port = free_udp_port("::");
	f->s = ntpd_new(f->loop, NULL, &f->bs_s, NULL, 0);
	f->c = ntpd_new(f->loop, NULL, &f->bs_c, NULL, 0);
	cr_assert_not_null(f->s);
	cr_assert_not_null(f->c);
}

void pair_fini(struct pair *f)
{
	ntpd_free(f->c);
	ntpd_free(f->s);
	loop_free(f->loop);
	bootstrap_free(&f->bs_s);
	bootstrap_free(&f->bs_c);
}

void pair_config_server(struct pair *f, const char *srv_if)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;

	rm.has_stratum = true;
	rm.stratum = 2;
	ntp.refclock_master = &rm;
	ntp.server_source_interface = (char *)srv_if;
	cfg.ntp = &ntp;
	cr_assert_eq(ntpd_rig_apply(f->s, &cfg, NULL, 0), 0);
}

int pair_config_assoc(struct pair *f, bool peer, const char *addr, bool v6, const char *srcif,
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
	return ntpd_rig_apply(f->c, &cfg, err, len);
}

int pair_config_client(struct pair *f, const char *addr, bool v6, const char *srcif,
		       const char *v6_global_src, char *err, size_t len)
{
	return pair_config_assoc(f, false, addr, v6, srcif, v6_global_src, err, len);
}

struct pair_wait {
	bool (*done)(struct pair *f);
	struct pair *f;
};

static bool pair_done(void *arg)
{
	struct pair_wait *w = arg;

	return w->done(w->f);
}

bool pair_run_until(struct pair *f, bool (*done)(struct pair *), double secs)
{
	struct pair_wait w = { done, f };

	return run_until(f->loop, pair_done, &w, (int)(secs * 1000));
}

bool pair_c_synced(struct pair *f)
{
	return f->c->sys.synced && !f->c->sys.on_local;
}

NtpReply *pair_ask_sessions(struct ntpd *core, bool verbose)
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
