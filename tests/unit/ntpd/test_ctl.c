/*
 * test_ctl.c: the ctl protocol (ctl_answer) without ZeroMQ: status,
 * sessions (with the local clock session and the verbose filter), the
 * snapshot refusal and undecodable requests, the device clock (read, and
 * stepped by `clock datetime` unless synchronized) and who ntpd is.
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
	f->core = ntpd_new(f->loop, NULL, &f->bs, NULL, 0);
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

/* ---- the device's clock: `display clock`, `clock datetime` ---- */

static NtpReply *ask_clock_set(struct fx *f, int64_t unix_time)
{
	NtpRequest req = NTP_REQUEST__INIT;
	NtpClockSetRequest cs = NTP_CLOCK_SET_REQUEST__INIT;

	cs.has_unix_time = true;
	cs.unix_time = unix_time;
	req.req_case = NTP_REQUEST__REQ_CLOCK_SET;
	req.clock_set = &cs;
	return ask(f, &req);
}

static double unix_of_ntp(uint64_t ts)
{
	return ntp_ts_to_d(ts) - (double)NTP_UNIX_EPOCH;
}

Test(ctl, clock_read)
{
	struct fx f;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpClockRequest cr = NTP_CLOCK_REQUEST__INIT;
	NtpReply *r;
	struct timespec ts;
	double err;

	fx_init(&f, false);
	req.req_case = NTP_REQUEST__REQ_CLOCK;
	req.clock = &cr;
	r = ask(&f, &req);
	clock_gettime(CLOCK_REALTIME, &ts);
	cr_assert_eq(r->status, 0);
	cr_assert_not_null(r->clock);
	cr_assert(r->clock->has_now && r->clock->has_synchronized);
	cr_assert_not(r->clock->synchronized);
	cr_assert_str_eq(r->clock->clock_type, "virtual");
	/* The virtual clock: the machine's time plus its error (0.25 s). */
	cr_assert(ntp_clock_true_error(f.core->clock, &err));
	cr_assert_float_eq(unix_of_ntp(r->clock->now) - err,
			   (double)ts.tv_sec + ts.tv_nsec * 1e-9, 0.05);
	ctl_reply_free(r);
	fx_fini(&f);
}

Test(ctl, clock_set_steps_the_virtual_clock)
{
	struct fx f;
	NtpReply *r;
	struct assoc *p;
	double err, step;
	int64_t target = 1893456000;   /* 2030-01-01 00:00:00 UTC */

	fx_init(&f, false);
	p = f.core->assocs;
	cr_assert_not_null(p);
	p->filter.n = 1;                /* a stored sample moves with the clock */
	p->offset = 0.001;
	r = ask_clock_set(&f, target);
	cr_assert_eq(r->status, 0, "%s", r->error ? r->error : "");
	cr_assert_not_null(r->clock);
	cr_assert(r->clock->has_stepped);
	step = r->clock->stepped;
	cr_assert_float_eq(unix_of_ntp(r->clock->now), (double)target, 0.05);
	/* The machine's clock is untouched: only the virtual clock's error
	 * moved, by the step. */
	cr_assert(ntp_clock_true_error(f.core->clock, &err));
	cr_assert_float_eq(err, 0.25 + step, 1e-6);
	cr_assert_float_eq(p->offset, 0.001 - step, 1e-9);
	ctl_reply_free(r);
	/* After 2036 (NTP era 1) as well: VRP allows years up to 2037. */
	r = ask_clock_set(&f, 2145830400);   /* 2037-12-31 00:00:00 UTC */
	cr_assert_eq(r->status, 0);
	cr_assert_float_eq((double)(int64_t)(r->clock->now >> 32) + 4294967296.0 -
			   (double)NTP_UNIX_EPOCH, 2145830400.0, 0.05);
	ctl_reply_free(r);
	fx_fini(&f);
}

Test(ctl, clock_set_refused_while_synchronized)
{
	struct fx f;
	NtpReply *r;
	double before, after;

	fx_init(&f, false);
	f.core->sys.synced = true;      /* to a server */
	f.core->sys.on_local = false;
	ntp_clock_true_error(f.core->clock, &before);
	r = ask_clock_set(&f, 1893456000);
	cr_assert_eq(r->status, -EBUSY);
	cr_assert(r->error && strstr(r->error, "synchronized by NTP"), "%s", r->error);
	cr_assert_null(r->clock);
	ntp_clock_true_error(f.core->clock, &after);
	cr_assert_float_eq(after, before, 1e-6, "the clock was not stepped");
	ctl_reply_free(r);
	/* Its own reference (refclock-master): the operator sets it. */
	f.core->sys.on_local = true;
	r = ask_clock_set(&f, 1893456000);
	cr_assert_eq(r->status, 0);
	ctl_reply_free(r);
	/* No time: refused. */
	{
		NtpRequest req = NTP_REQUEST__INIT;
		NtpClockSetRequest cs = NTP_CLOCK_SET_REQUEST__INIT;

		req.req_case = NTP_REQUEST__REQ_CLOCK_SET;
		req.clock_set = &cs;
		r = ask(&f, &req);
		cr_assert_eq(r->status, -EINVAL);
		ctl_reply_free(r);
	}
	fx_fini(&f);
}

Test(ctl, identity)
{
	struct fx f;
	NtpRequest req = NTP_REQUEST__INIT;
	DaemonIdentityRequest ir = DAEMON_IDENTITY_REQUEST__INIT;
	NtpReply *r;

	fx_init(&f, false);
	req.req_case = NTP_REQUEST__REQ_IDENTITY;
	req.identity = &ir;
	r = ask(&f, &req);
	cr_assert_eq(r->status, 0);
	cr_assert_not_null(r->identity);
	cr_assert_str_eq(r->identity->name, "ntpd");
	cr_assert_eq(r->identity->pid, (uint32_t)getpid());
	cr_assert(r->identity->has_uptime && r->identity->uptime >= 0 &&
		  r->identity->uptime < 3600);
	cr_assert(r->identity->version && r->identity->version[0]);
	ctl_reply_free(r);
	fx_fini(&f);
}
