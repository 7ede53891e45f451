/*
 * test_ctl.c: the ctl protocol (ctl_answer) without ZeroMQ: status,
 * sessions (with the local clock session and the verbose filter), the
 * snapshot refusal and undecodable requests.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bootstrap.h"
#include "bus.pb-c.h"
#include "log.h"
#include "loop.h"
#include "ntpd.h"
#include "ntpd_rig.h"

struct fx {
	struct bootstrap bs;
	struct loop *loop;
	struct ntpd *core;
};

static void fx_init(struct fx *f, bool master)
{
	Config cfg = CONFIG__INIT;
	Ntp ntp = NTP__INIT;
	NtpRefclockMaster rm = NTP_REFCLOCK_MASTER__INIT;
	NtpAssociation na = NTP_ASSOCIATION__INIT;
	NtpAssociation *list[1] = { &na };

	memset(f, 0, sizeof(*f));
	log_init("test_ctl", LOG_LVL_WARN);
	ntpd_rig_bootstrap(&f->bs, 0.25, 0);
	f->bs.clock.tick_hz = 64.0029;
	f->loop = loop_new();
	f->core = ntpd_new(f->loop, NULL, &f->bs);
	cr_assert_not_null(f->core);
	if (master) {
		rm.has_stratum = true;
		rm.stratum = 2;
		ntp.refclock_master = &rm;
	}
	na.address = "127.0.0.1";
	na.has_port = true;
	na.port = 9;
	ntp.n_unicast_server = 1;
	ntp.unicast_server = list;
	cfg.ntp = &ntp;
	ntpd_apply_config(f->core, &cfg, NULL, 0);
}

static void fx_fini(struct fx *f)
{
	ntpd_free(f->core);
	loop_free(f->loop);
	bootstrap_free(&f->bs);
}

static NtpReply *ask(struct fx *f, const NtpRequest *req)
{
	size_t len = protobuf_c_message_get_packed_size(&req->base);
	uint8_t *buf = malloc(len + 1);
	NtpReply *r;

	protobuf_c_message_pack(&req->base, buf);
	r = ctl_answer(f->core, buf, len);
	free(buf);
	cr_assert_not_null(r);
	cr_assert(r->has_status);
	return r;
}

Test(ctl, status_unsynchronized)
{
	struct fx f;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpStatusRequest sr = NTP_STATUS_REQUEST__INIT;
	NtpReply *r;

	fx_init(&f, false);
	req.req_case = NTP_REQUEST__REQ_STATUS;
	req.status = &sr;
	r = ask(&f, &req);
	cr_assert_eq(r->status, 0);
	cr_assert_not_null(r->sys);
	cr_assert_not(r->sys->synchronized);
	cr_assert_eq(r->sys->stratum, 16);
	cr_assert_str_eq(r->sys->refid_text, "none");
	cr_assert_str_eq(r->sys->sync_state, "clock not synchronized");
	cr_assert_str_eq(r->sys->clock_type, "virtual");
	cr_assert_float_eq(r->sys->nominal_hz, 64.0029, 1e-9);
	cr_assert(r->sys->has_true_error);
	cr_assert_float_eq(r->sys->true_error, 0.25, 1e-6);
	ctl_reply_free(r);
	fx_fini(&f);
}

Test(ctl, status_and_sessions_of_a_master)
{
	struct fx f;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpStatusRequest sr = NTP_STATUS_REQUEST__INIT;
	NtpSessionsRequest ses = NTP_SESSIONS_REQUEST__INIT;
	NtpReply *r;

	fx_init(&f, true);
	req.req_case = NTP_REQUEST__REQ_STATUS;
	req.status = &sr;
	r = ask(&f, &req);
	cr_assert(r->sys->synchronized);
	cr_assert_eq(r->sys->stratum, 2);
	cr_assert_str_eq(r->sys->refid_text, "LOCAL(0)");
	cr_assert_str_eq(r->sys->sync_state, "clock synchronized");
	ctl_reply_free(r);

	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &ses;
	ses.has_verbose = true;
	ses.verbose = true;
	r = ask(&f, &req);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->n_session, 2);
	cr_assert_str_eq(r->session[0]->source, "127.127.1.0");
	cr_assert_str_eq(r->session[0]->refid_text, "LOCAL(0)");
	cr_assert_str_eq(r->session[0]->status[0], "configured");
	cr_assert_str_eq(r->session[0]->status[1], "master");
	cr_assert_str_eq(r->session[1]->source, "127.0.0.1");
	cr_assert_eq(r->session[1]->n_filter, 8);
	cr_assert_eq(r->session[1]->local_mode, 3);
	cr_assert_eq(r->session[1]->reach, 0);
	/* What the discipline asks: the system poll within minpoll 6..maxpoll 10. */
	cr_assert(r->session[1]->has_local_poll);
	cr_assert_geq(r->session[1]->local_poll, 6);
	cr_assert_leq(r->session[1]->local_poll, 10);
	ctl_reply_free(r);
	fx_fini(&f);
}

Test(ctl, snapshot_and_garbage)
{
	struct fx f;
	NtpRequest req = NTP_REQUEST__INIT;
	CloneSnapshotRequest snap = CLONE_SNAPSHOT_REQUEST__INIT;
	NtpReply *r;
	const uint8_t junk[] = { 0xff, 0xff, 0xff, 0x0f, 0x01 };

	fx_init(&f, false);
	req.req_case = NTP_REQUEST__REQ_SNAPSHOT;
	req.snapshot = &snap;
	r = ask(&f, &req);
	cr_assert_eq(r->status, -EOPNOTSUPP);
	ctl_reply_free(r);

	r = ctl_answer(f.core, junk, sizeof(junk));
	cr_assert_eq(r->status, -EBADMSG);
	cr_assert_not_null(r->error);
	ctl_reply_free(r);

	req.req_case = NTP_REQUEST__REQ__NOT_SET;
	r = ask(&f, &req);
	cr_assert_eq(r->status, -EINVAL);
	ctl_reply_free(r);
	cr_assert_eq(f.core->ctl_bad, 2);
	fx_fini(&f);
}
