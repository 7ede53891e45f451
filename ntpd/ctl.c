/*
 * ctl.c: ntpd's ctl socket (ROUTER on ipc://RUN_DIR/ntpd.ctl), answering
 * NtpRequest (proto/ntpd.proto) with structured state for clid's
 * `display ntp-service status` and `display ntp-service sessions
 * [verbose]`.  Figures are SI (seconds, ppm, Hz); formatting is clid's.
 *
 * ctl_answer() is the whole protocol (tests call it without ZeroMQ): it
 * decodes defensively, counts undecodable or empty requests (core->ctl_bad)
 * and answers them with a negative errno and a sentence.  Snapshot
 * requests (tag 15) get -EOPNOTSUPP: ntpd publishes nothing yet.
 *
 * `display ntp-service trace` is answered later: on_request() hands it to
 * trace.c with a copy of the requester (bus_peer_dup) and replies from the
 * trace's callback.  `display ntp-service statistics packet` gets the
 * global counters sorted into VRP's categories (ctl_fill_packet_stats):
 * validity = refused by an association's packet tests; invalid =
 * undecodable, truncated, mode 0, 6, 7; interface disabled = a request on
 * an address that does not serve or an in-interface disabled interface;
 * the rest by name; plus every drop reason and every packet test by name.
 *
 * The clock (NtpClockRequest, NtpClockSetRequest): the device's clock is
 * the one ntpd disciplines, so `display clock` reads it here and `clock
 * datetime` steps it here (ctl_clock_set), moving every association's
 * stored samples with it as a step of the discipline does.  A step is
 * refused while NTP has the clock synchronized to a server or peer: NTP
 * would only undo it (a spike, then a step back), so the operator is told
 * to remove the NTP sources first.  A device whose reference is its own
 * clock (`ntp-service refclock-master`) may be set: its clock is the
 * reference it serves.
 *
 * Tag 40 answers who we are (common/identity.c, `display version`).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "bus.h"
#include "daemon.h"
#include "evlog.h"
#include "identity.h"
#include "log.h"
#include "ntpd.h"

static void addr_text(uint32_t a, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = a };

	if (!inet_ntop(AF_INET, &in, buf, (socklen_t)len))
		snprintf(buf, len, "0.0.0.0");
}

/* How ntpq/VRP show a reference id. */
static void refid_text(uint32_t refid, int stratum, char *buf, size_t len)
{
	unsigned char b[4];

	memcpy(b, &refid, 4);
	if (memcmp(b, "LOCL", 4) == 0) {
		snprintf(buf, len, "LOCAL(0)");
		return;
	}
	if (stratum <= 1 || stratum >= NTP_MAXSTRAT) {
		size_t n = 0;

		for (int i = 0; i < 4 && b[i] && n + 1 < len; i++)
			buf[n++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';
		buf[n] = '\0';
		if (n == 0)
			snprintf(buf, len, "none");
		return;
	}
	addr_text(refid, buf, len);
}

void ctl_fill_status(struct ntpd *core, NtpSysStatus *st)
{
	struct ntp_system *s = &core->sys;
	double now = ntpd_mono(), err;

	ntp_sys_status__init(st);
	st->has_synchronized = true;
	st->synchronized = s->synced;
	st->has_stratum = true;
	st->stratum = (uint32_t)s->stratum;
	st->refid_text = s->refid_text;
	st->has_refid = true;
	st->refid = s->synced ? ntohl(s->refid) : 0;
	st->has_leap = true;
	st->leap = (uint32_t)s->leap;
	st->has_precision = true;
	st->precision = s->precision;
	st->has_offset = true;
	st->offset = s->offset;
	st->has_root_delay = true;
	st->root_delay = s->rootdelay;
	st->has_root_dispersion = true;
	st->root_dispersion = s->synced ? s->rootdisp + NTP_PHI * (now - s->reftime_mono) : 0;
	st->has_peer_dispersion = true;
	st->peer_dispersion = s->peer ? ntp_filter_disp_now(&s->peer->filter, now) : 0;
	st->has_reference_time = true;
	st->reference_time = s->synced ? s->reftime : 0;
	st->has_frequency_ppm = true;
	st->frequency_ppm = s->disc.freq * 1e6;
	st->has_nominal_hz = true;
	st->nominal_hz = core->bs->clock.tick_hz;
	st->clock_type = (char *)ntp_clock_type(core->clock);
	if (ntp_clock_true_error(core->clock, &err)) {
		st->has_true_error = true;
		st->true_error = err;
	}
	st->system_peer = s->peer ? s->peer->addr_text : s->on_local ? s->local_addr : "";
	st->sync_state = s->synced ? "clock synchronized" : "clock not synchronized";
	st->reason = s->synced ? "" : s->unsync_reason;
}

/* The interface one of our addresses belongs to (a link-local one names
 * its interface by its scope as well as by its bytes); "" if none. */
static const char *if_name_of(struct ntpd *core, const struct naddr *addr)
{
	for (size_t i = 0; !naddr_is_any(addr) && naddr_isset(addr) && i < core->n_ifs; i++)
		if ((addr->family == AF_INET && core->ifs[i].addr == addr->v4.s_addr) ||
		    naddr_eq(&core->ifs[i].addr6, addr) || naddr_eq(&core->ifs[i].ll6, addr))
			return core->ifs[i].name;
	return "";
}

static void fill_filter(NtpSession *ss, const struct ntp_filter *f)
{
	ss->n_filter = NTP_NSTAGE;
	ss->filter = xcalloc(NTP_NSTAGE, sizeof(*ss->filter));
	for (int i = 0; i < NTP_NSTAGE; i++) {
		/* Newest first. */
		int k = ((f->next - 1 - i) % NTP_NSTAGE + NTP_NSTAGE) % NTP_NSTAGE;
		NtpFilterStage *fs = xcalloc(1, sizeof(*fs));

		ntp_filter_stage__init(fs);
		fs->has_delay = fs->has_offset = fs->has_dispersion = true;
		if (i < f->n) {
			fs->delay = f->stage[k].delay;
			fs->offset = f->stage[k].offset;
			fs->dispersion = f->stage[k].disp;
		} else {
			fs->dispersion = NTP_MAXDISP;
		}
		ss->filter[i] = fs;
	}
}

static NtpSession *session_of(struct ntpd *core, struct assoc *p, bool verbose, double now)
{
	NtpSession *ss = xcalloc(1, sizeof(*ss));
	char buf[64];
	struct naddr local = assoc_local_addr(p);
	const char *why = NULL;
	bool fit = assoc_fit(p, now, &why);

	ntp_session__init(ss);
	ss->source = xstrdup(p->addr_text);
	if (p->opts.vpn[0])
		ss->vpn_instance = xstrdup(p->opts.vpn);
	if (!naddr_isset(&local))
		local = naddr_any(p->addr.family);
	ss->local = xstrdup(naddr_str(&local, buf, sizeof(buf)));
	ss->has_stratum = true;
	ss->stratum = (uint32_t)p->stratum;
	ss->status = xcalloc(6, sizeof(char *));
	ss->status[ss->n_status++] = p->dynamic ? "dynamic" : "configured";
	if (core->sys.peer == p)
		ss->status[ss->n_status++] = "master";
	else if (p->survivor)
		ss->status[ss->n_status++] = "selected";
	else if (p->truechimer)
		ss->status[ss->n_status++] = "candidate";
	ss->status[ss->n_status++] = fit ? "sane" : "insane";
	ss->status[ss->n_status++] = assoc_enough_samples(p, now) ? "valid" : "invalid";
	if (p->preempted)
		ss->status[ss->n_status++] = "preempted";
	else if (p->denied)
		ss->status[ss->n_status++] = "denied";
	else if (p->leap == NTP_LEAP_NOSYNC)
		ss->status[ss->n_status++] = "unsynced";
	refid_text(p->refid, p->stratum, buf, sizeof(buf));
	ss->refid_text = xstrdup(p->refid || p->stratum < NTP_MAXSTRAT ? buf : "none");
	ss->has_reach = ss->has_poll = ss->has_now = true;
	ss->reach = p->reach;
	ss->poll = p->poll;
	ss->now = p->last_rx < 0 ? 0 : (uint32_t)(now - p->last_rx);
	ss->has_offset = ss->has_delay = ss->has_dispersion = ss->has_jitter = true;
	ss->offset = p->offset;
	ss->delay = p->delay;
	ss->dispersion = p->have_update ? ntp_filter_disp_now(&p->filter, now) : NTP_MAXDISP;
	ss->jitter = p->jitter;
	ss->has_leap = true;
	ss->leap = (uint32_t)p->leap;
	if (p->down[0])
		ss->unreachable = xstrdup(p->down);
	if (!verbose)
		return ss;
	ss->has_local_mode = ss->has_peer_mode = ss->has_peer_poll = true;
	ss->local_mode = (uint32_t)p->opts.hmode;
	ss->peer_mode = (uint32_t)p->pmode;
	ss->peer_poll = p->ppoll;
	ss->has_local_poll = true;
	ss->local_poll = assoc_local_poll(p);
	ss->has_root_delay = ss->has_root_dispersion = ss->has_sync_distance = true;
	ss->root_delay = p->rootdelay;
	ss->root_dispersion = p->rootdisp;
	ss->sync_distance = (fmax(NTP_MINDISP, p->rootdelay + p->delay)) / 2 + p->rootdisp +
			    ss->dispersion + p->jitter;
	ss->has_sync_state = true;
	ss->sync_state = core->sys.peer == p ? (uint32_t)core->sys.disc.state : 0;
	ss->has_precision = ss->has_version = true;
	ss->precision = p->precision;
	ss->version = p->version ? (uint32_t)p->version : p->opts.version;
	ss->peer_interface = xstrdup(if_name_of(core, &local));
	ss->has_reftime = ss->has_orgtime = ss->has_rcvtime = ss->has_xmttime = true;
	ss->reftime = p->reftime;
	ss->orgtime = p->org;
	ss->rcvtime = p->rec;
	ss->xmttime = p->last_xmt;
	fill_filter(ss, &p->filter);
	return ss;
}

/* The local reference clock as a session (refclock-master). */
static NtpSession *session_local(struct ntpd *core, bool verbose)
{
	struct ntp_system *s = &core->sys;
	NtpSession *ss = xcalloc(1, sizeof(*ss));
	char buf[32];

	ntp_session__init(ss);
	ss->source = xstrdup(s->local_addr);
	ss->local = xstrdup("127.0.0.1");
	ss->has_stratum = true;
	/* The local clock is one stratum above what the device announces. */
	ss->stratum = (uint32_t)(s->local_stratum > 0 ? s->local_stratum - 1 : 0);
	ss->status = xcalloc(4, sizeof(char *));
	ss->status[ss->n_status++] = "configured";
	if (s->on_local)
		ss->status[ss->n_status++] = "master";
	ss->status[ss->n_status++] = "sane";
	ss->status[ss->n_status++] = "valid";
	snprintf(buf, sizeof(buf), "LOCAL(%d)", s->local_unit);
	ss->refid_text = xstrdup(buf);
	ss->has_reach = ss->has_poll = ss->has_now = true;
	ss->reach = 255;
	ss->poll = NTP_DEF_MINPOLL;
	ss->now = 0;
	ss->has_offset = ss->has_delay = ss->has_dispersion = ss->has_jitter = true;
	ss->has_leap = true;
	if (verbose) {
		ss->has_local_mode = ss->has_peer_mode = ss->has_precision = ss->has_version = true;
		ss->local_mode = NTP_MODE_CLIENT;
		ss->peer_mode = NTP_MODE_SERVER;
		ss->precision = s->precision;
		ss->version = NTP_VERSION;
		ss->has_reftime = true;
		ss->reftime = s->on_local ? s->reftime : 0;
		ss->peer_interface = xstrdup("");
		ss->has_root_delay = ss->has_root_dispersion = ss->has_sync_distance = true;
		ss->sync_distance = NTP_MINDISP / 2;
		ss->has_sync_state = true;
		ss->sync_state = s->on_local ? NTP_DISC_SYNC : 0;
	}
	return ss;
}

static void fill_sessions(struct ntpd *core, NtpReply *r, bool verbose)
{
	double now = ntpd_mono();
	size_t n = 0;

	r->session = xcalloc((size_t)core->n_assocs + 1, sizeof(*r->session));
	if (core->sys.local_configured)
		r->session[n++] = session_local(core, verbose);
	for (struct assoc *p = core->assocs; p; p = p->next)
		r->session[n++] = session_of(core, p, verbose, now);
	r->n_session = n;
}

static NtpCounter *counter(const char *name, uint64_t count)
{
	NtpCounter *c = xcalloc(1, sizeof(*c));

	ntp_counter__init(c);
	c->name = (char *)name;   /* literals: not freed */
	c->has_count = true;
	c->count = count;
	return c;
}

/* The counters of one family into ps. */
static void fill_packet_stats(const struct ntpd_stats *st, NtpPacketStats *ps)
{
	uint64_t dropped = 0;

	ntp_packet_stats__init(ps);
	ps->drop = xcalloc(NTPD_DROP__COUNT, sizeof(*ps->drop));
	for (int d = 0; d < NTPD_DROP__COUNT; d++) {
		uint64_t n = st->drop[d];

		dropped += n;
		ps->drop[ps->n_drop++] = counter(ntpd_drop_name((enum ntpd_drop)d), n);
		switch (d) {
		case NTPD_DROP_ASSOC:
			ps->validity_failures += n;
			break;
		case NTPD_DROP_MALFORMED:
		case NTPD_DROP_TRUNCATED:
		case NTPD_DROP_MODE0:
		case NTPD_DROP_MODE6:
		case NTPD_DROP_MODE7:
			ps->invalid += n;
			break;
		case NTPD_DROP_AUTH:
			ps->auth_failures += n;
			break;
		case NTPD_DROP_ACCESS:
			ps->access_denied += n;
			break;
		case NTPD_DROP_RATE:
			ps->rate_limited += n;
			break;
		case NTPD_DROP_NOT_SERVING:
		case NTPD_DROP_IF_DISABLED:
		case NTPD_DROP_SERVER_DISABLED:
			ps->interface_disabled += n;
			break;
		case NTPD_DROP_DYN_LIMIT:
			ps->max_dynamic += n;
			break;
		default:
			ps->others += n;
			break;
		}
	}
	/* Authentication failures of time sources are packet-test refusals
	 * too (counted in "validity"); VRP lists them under it. */
	ps->auth_failures += st->test[ASSOC_R_AUTH];
	ps->test = xcalloc(ASSOC_R__COUNT, sizeof(*ps->test));
	for (int r = 1; r < ASSOC_R__COUNT; r++)
		ps->test[ps->n_test++] = counter(assoc_result_name((enum assoc_result)r),
						 st->test[r]);
	ps->has_sent = ps->has_send_failures = ps->has_received = ps->has_processed = true;
	ps->has_dropped = ps->has_validity_failures = ps->has_auth_failures = true;
	ps->has_invalid = ps->has_access_denied = ps->has_rate_limited = true;
	ps->has_interface_disabled = ps->has_max_dynamic = ps->has_others = true;
	ps->sent = st->sent + st->send_err;
	ps->send_failures = st->send_err;
	ps->received = st->received;
	ps->dropped = dropped;
	ps->processed = st->received > dropped ? st->received - dropped : 0;
}

void ctl_fill_packet_stats(struct ntpd *core, NtpPacketStats *ps)
{
	const struct ntpd_stats *all = &core->stats, *v6 = &core->stats6;
	struct ntpd_stats v4;

	v4.received = all->received - v6->received;
	v4.sent = all->sent - v6->sent;
	v4.send_err = all->send_err - v6->send_err;
	v4.answered = all->answered - v6->answered;
	for (int d = 0; d < NTPD_DROP__COUNT; d++)
		v4.drop[d] = all->drop[d] - v6->drop[d];
	for (int r = 0; r < ASSOC_R__COUNT; r++)
		v4.test[r] = all->test[r] - v6->test[r];
	fill_packet_stats(&v4, ps);
}

void ctl_fill_packet_stats6(struct ntpd *core, NtpPacketStats *ps)
{
	fill_packet_stats(&core->stats6, ps);
}

static void packet_stats_free(NtpPacketStats *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n_drop; i++)
		free(ps->drop[i]);
	free(ps->drop);
	for (size_t i = 0; i < ps->n_test; i++)
		free(ps->test[i]);
	free(ps->test);
	free(ps);
}

static void reply_error(NtpReply *r, int status, const char *msg)
{
	r->status = status;
	r->error = xstrdup(msg);
}

static NtpClock *fill_clock(struct ntpd *core, NtpReply *r)
{
	NtpClock *c = xcalloc(1, sizeof(*c));

	ntp_clock__init(c);
	c->has_now = true;
	c->now = ntp_clock_now(core->clock);
	c->has_synchronized = true;
	c->synchronized = core->sys.synced;
	c->clock_type = (char *)ntp_clock_type(core->clock);
	r->clock = c;
	return c;
}

int ctl_clock_set(struct ntpd *core, int64_t unix_time, double *step_out)
{
	struct ntp_system *s = &core->sys;
	uint64_t target;
	double step;
	int e;

	if (s->synced && !s->on_local)
		return -EBUSY;
	/* Era-wrapping seconds since 1900: a time after 2036 is in era 1,
	 * which ntp_ts_diff() handles as long as the step is < 68 years. */
	target = (uint64_t)(uint32_t)((uint64_t)unix_time + NTP_UNIX_EPOCH) << 32;
	step = ntp_ts_diff(target, ntp_clock_now(core->clock));
	e = ntp_clock_step(core->clock, step);
	if (e < 0)
		return e;
	for (struct assoc *p = core->assocs; p; p = p->next)
		assoc_clock_stepped(p, step);
	log_info("clock set by the operator (clock datetime): stepped by %+.6f s", step);
	evlog_clock_changed(core->evlog);
	if (step_out)
		*step_out = step;
	return 0;
}

static void clock_set(struct ntpd *core, const NtpClockSetRequest *q, NtpReply *r)
{
	double step = 0;
	int e;

	if (!q || !q->has_unix_time || q->unix_time < 0) {
		reply_error(r, -EINVAL, "no time to set the clock to");
		return;
	}
	e = ctl_clock_set(core, q->unix_time, &step);
	if (e == -EBUSY) {
		reply_error(r, e, "The clock is synchronized by NTP and cannot be set manually; "
			    "remove the NTP servers and peers first");
		return;
	}
	if (e < 0) {
		char buf[160];

		snprintf(buf, sizeof(buf), "Failed to set the clock: %s", strerror(-e));
		reply_error(r, e, buf);
		return;
	}
	NtpClock *c = fill_clock(core, r);

	c->has_stepped = true;
	c->stepped = step;
}

NtpReply *ctl_answer(struct ntpd *core, const uint8_t *data, size_t len)
{
	NtpReply *r = xcalloc(1, sizeof(*r));
	NtpRequest *req;

	ntp_reply__init(r);
	r->has_status = true;
	req = ntp_request__unpack(NULL, len, data);
	if (!req) {
		core->ctl_bad++;
		log_warn("ctl: undecodable request (%zu bytes)", len);
		reply_error(r, -EBADMSG, "undecodable request");
		return r;
	}
	switch (req->req_case) {
	case NTP_REQUEST__REQ_STATUS:
		r->sys = xcalloc(1, sizeof(*r->sys));
		ctl_fill_status(core, r->sys);
		break;
	case NTP_REQUEST__REQ_SESSIONS:
		fill_sessions(core, r, req->sessions && req->sessions->has_verbose &&
				       req->sessions->verbose);
		break;
	case NTP_REQUEST__REQ_PACKET_STATS:
		r->packet_stats = xcalloc(1, sizeof(*r->packet_stats));
		ctl_fill_packet_stats(core, r->packet_stats);
		r->packet_stats6 = xcalloc(1, sizeof(*r->packet_stats6));
		ctl_fill_packet_stats6(core, r->packet_stats6);
		break;
	case NTP_REQUEST__REQ_TRACE:
		reply_error(r, -EINPROGRESS, "a trace is answered asynchronously");
		break;
	case NTP_REQUEST__REQ_SNAPSHOT:
		reply_error(r, -EOPNOTSUPP, "ntpd publishes no state");
		break;
	case NTP_REQUEST__REQ_CLOCK:
		fill_clock(core, r);
		break;
	case NTP_REQUEST__REQ_CLOCK_SET:
		clock_set(core, req->clock_set, r);
		break;
	case NTP_REQUEST__REQ_IDENTITY:
		r->identity = xcalloc(1, sizeof(*r->identity));
		identity_fill(r->identity, "ntpd");
		break;
	default:
		core->ctl_bad++;
		reply_error(r, -EINVAL, "empty or unknown request");
		break;
	}
	ntp_request__free_unpacked(req, NULL);
	return r;
}

static void session_free(NtpSession *ss)
{
	free(ss->source);
	free(ss->local);
	free(ss->refid_text);
	free(ss->peer_interface);
	free(ss->unreachable);
	free(ss->vpn_instance);
	free(ss->status);   /* the strings are literals */
	for (size_t i = 0; i < ss->n_filter; i++)
		free(ss->filter[i]);
	free(ss->filter);
	free(ss);
}

void ctl_reply_free(NtpReply *r)
{
	if (!r)
		return;
	free(r->error);
	free(r->sys);       /* its strings are borrowed */
	for (size_t i = 0; i < r->n_session; i++)
		session_free(r->session[i]);
	free(r->session);
	if (r->trace) {
		for (size_t i = 0; i < r->trace->n_hop; i++) {
			free(r->trace->hop[i]->server);
			free(r->trace->hop[i]->refid_text);
			free(r->trace->hop[i]);
		}
		free(r->trace->hop);
		free(r->trace->refid_text);
		free(r->trace->stopped);
		free(r->trace);
	}
	packet_stats_free(r->packet_stats);
	packet_stats_free(r->packet_stats6);
	free(r->clock);      /* its strings are borrowed */
	free(r->identity);   /* so are these */
	free(r);
}

static void trace_done(struct ntpd *core, NtpReply *r, void *arg)
{
	struct bus_peer *peer = arg;

	if (r && core->ctl) {
		int e = bus_server_reply(core->ctl, peer, &r->base);

		if (e < 0)
			log_warn("ctl: cannot reply to a trace: %s", strerror(-e));
	}
	ctl_reply_free(r);
	bus_peer_free(peer);
}

/* A trace request goes to trace.c; true when it was taken. */
static bool start_trace(struct ntpd *core, const struct bus_peer *peer, const uint8_t *data,
			size_t len)
{
	NtpRequest *req = ntp_request__unpack(NULL, len, data);
	bool trace = req && req->req_case == NTP_REQUEST__REQ_TRACE;
	struct bus_peer *dup;
	int e;

	if (req)
		ntp_request__free_unpacked(req, NULL);
	if (!trace)
		return false;
	dup = bus_peer_dup(peer);
	e = trace_start(core, trace_done, dup);
	if (e < 0) {
		NtpReply r = NTP_REPLY__INIT;

		bus_peer_free(dup);
		r.has_status = true;
		r.status = e;
		r.error = (char *)"cannot trace the servers";
		e = bus_server_reply(core->ctl, peer, &r.base);
		if (e < 0)
			log_warn("ctl: cannot reply: %s", strerror(-e));
	}
	return true;
}

static void on_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		       size_t len, void *arg)
{
	struct ntpd *core = arg;
	NtpReply *r;
	int e;

	if (start_trace(core, peer, data, len))
		return;
	r = ctl_answer(core, data, len);
	e = bus_server_reply(srv, peer, &r->base);

	if (e < 0)
		log_warn("ctl: cannot reply: %s", strerror(-e));
	ctl_reply_free(r);
}

int ctl_init(struct ntpd *core, char *err, size_t errlen)
{
	core->ctl = daemon_bind_server(core->loop, core->zctx, core->bs, "ntpd", "ctl", on_request,
				       core, err, errlen);
	return core->ctl ? 0 : -errno;
}

void ctl_fini(struct ntpd *core)
{
	if (core->ctl)
		bus_server_free(core->ctl);
	core->ctl = NULL;
}
