/*
 * ctl.c: ifmgrd's ctl socket (ROUTER at ipc://RUN_DIR/ifmgrd.ctl).
 *
 * IfRequest.get answers IfStates (all interfaces, or the one named,
 * case-insensitively); IfRequest.detail the same with counters (IfDetails,
 * ifdetail.c); ProbeStart, ProbePoll and ProbeStop run `ping` and
 * `tracert` (probe.c), a poll with nothing new waiting in the loop for its
 * answer (see ifmgrd.h); tag 15 answers the Clone snapshot of topic "if";
 * tag 40 says who we are (`display version`).
 * Undecodable or empty requests get status -EBADMSG / -EINVAL with a
 * sentence, and are counted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdlib.h>

#include "bootstrap.h"
#include "bus.h"
#include "clone.h"
#include "identity.h"
#include "log.h"
#include "probe.h"
#include "ifmgrd_int.h"

static void fail(struct ifmgrd *im, struct ifmgrd_ctl_reply *out, int status, const char *fmt,
		 const char *arg)
{
	snprintf(out->err, sizeof(out->err), fmt, arg);
	out->reply.has_status = true;
	out->reply.status = status;
	out->reply.error = out->err;
}

/* ---- ping and tracert (probe.c): the long poll of ifmgr.proto ---- */

static void probe_start_answer(struct ifmgrd *im, const ProbeStart *ps,
			       struct ifmgrd_ctl_reply *out)
{
	const char *netdev = NULL;
	const struct ifm_ns *ns = NULL;
	char err[160];
	uint64_t id;
	int r;

	if (ps->vpn_instance && ps->vpn_instance[0]) {
		ns = ifm_ns_of(im, ps->vpn_instance);
		if (!ns || !ns->configured) {
			fail(im, out, -ENOENT, "The VPN instance %s does not exist.",
			     ps->vpn_instance);
			return;
		}
		if (ns->err[0] || (!ns->vrf && ns->fd < 0)) {
			snprintf(err, sizeof(err), "The VPN instance %s is not ready: %.100s",
				 ps->vpn_instance, ns->err[0] ? ns->err : "no kernel object yet");
			fail(im, out, -EAGAIN, "%s", err);
			return;
		}
	}

	if (ps->interface && ps->interface[0]) {
		for (size_t i = 0; i < im->n_ifs && !netdev; i++)
			if (!strcasecmp(ps->interface, im->ifs[i].bs->name))
				netdev = im->ifs[i].bs->netdev;
		if (!netdev) {
			fail(im, out, -ENOENT, "no interface named %s", ps->interface);
			return;
		}
	}
	if (!netdev && ns && ns->vrf)
		netdev = ns->vrf_dev;      /* the VRF backend: bound to the instance */
	r = probe_start_in(im->probes, ps, netdev, ns && !ns->vrf ? ns->fd : -1, &id, err,
			   sizeof(err));
	if (r < 0) {
		fail(im, out, r, "%s", err);
		return;
	}
	probe_status__init(&out->probe);
	out->probe.has_id = true;
	out->probe.id = id;
	out->reply.probe = &out->probe;
}

struct poll_wait {
	struct ifmgrd *im;
	struct bus_peer *peer;
	uint64_t id;
	uint32_t next;
};

static void probe_poll_fill(struct ifmgrd *im, uint64_t id, uint32_t next,
			    struct ifmgrd_ctl_reply *out)
{
	if (probe_status(im->probes, id, next, &out->probe) < 0)
		fail(im, out, -ENOENT, "%s", "The ping or tracert has ended.");
	else
		out->reply.probe = &out->probe;
}

static void on_poll_wake(void *arg)
{
	struct poll_wait *w = arg;
	struct ifmgrd_ctl_reply out;
	int r;

	memset(&out, 0, sizeof(out));
	if_reply__init(&out.reply);
	out.reply.has_status = true;
	probe_poll_fill(w->im, w->id, w->next, &out);
	r = bus_server_reply(w->im->ctl, w->peer, &out.reply.base);
	if (r < 0)
		log_debug("ctl: probe poll answer failed: %s", strerror(-r));
	ifmgrd_ctl_clear(&out);
	bus_peer_free(w->peer);
	free(w);
}

static void probe_poll_answer(struct ifmgrd *im, const ProbePoll *pp,
			      struct ifmgrd_ctl_reply *out)
{
	uint32_t next = pp->has_next ? pp->next : 0;
	struct poll_wait *w;

	if (!im->ctl_peer || !im->ctl || probe_ready(im->probes, pp->id, next)) {
		probe_poll_fill(im, pp->id, next, out);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->im = im;
	w->peer = bus_peer_dup(im->ctl_peer);
	w->id = pp->id;
	w->next = next;
	if (probe_wait(im->probes, pp->id, next, PROBE_POLL_HOLD_MS, on_poll_wake, w) < 0) {
		bus_peer_free(w->peer);
		free(w);
		probe_poll_fill(im, pp->id, next, out);
		return;
	}
	out->deferred = true;
}

void ifmgrd_ctl_answer(struct ifmgrd *im, const uint8_t *data, size_t len,
		       struct ifmgrd_ctl_reply *out)
{
	IfRequest *req;

	memset(out, 0, sizeof(*out));
	if_reply__init(&out->reply);
	out->reply.has_status = true;
	out->reply.status = 0;

	req = if_request__unpack(NULL, len, data);
	if (!req) {
		im->bad_requests++;
		log_warn("ctl: undecodable request of %zu bytes dropped", len);
		fail(im, out, -EBADMSG, "%s", "undecodable IfRequest");
		return;
	}
	switch (req->req_case) {
	case IF_REQUEST__REQ_GET: {
		const char *name = req->get && req->get->name && req->get->name[0] ?
			req->get->name : NULL;

		out->states = ifmgrd_states(im, name);
		if (!out->states)
			fail(im, out, -ENOENT, "no interface named %s", name);
		else
			out->reply.states = out->states;
		break;
	}
	case IF_REQUEST__REQ_DETAIL: {
		const char *name = req->detail && req->detail->name && req->detail->name[0] ?
			req->detail->name : NULL;

		out->details = ifmgrd_details(im, name);
		if (!out->details)
			fail(im, out, -ENOENT, "no interface named %s", name);
		else
			out->reply.details = out->details;
		break;
	}
	case IF_REQUEST__REQ_PROBE_START:
		probe_start_answer(im, req->probe_start, out);
		break;
	case IF_REQUEST__REQ_PROBE_POLL:
		probe_poll_answer(im, req->probe_poll, out);
		break;
	case IF_REQUEST__REQ_PROBE_STOP:
		if (probe_stop(im->probes, req->probe_stop->id, &out->probe) < 0)
			fail(im, out, -ENOENT, "%s", "The ping or tracert has ended.");
		else
			out->reply.probe = &out->probe;
		break;
	case IF_REQUEST__REQ_SNAPSHOT:
		clone_pub_snapshot(im->pub, &out->snap);
		out->reply.snapshot = &out->snap;
		break;
	case IF_REQUEST__REQ_IDENTITY:
		identity_fill(&out->ident, "ifmgrd");
		out->reply.identity = &out->ident;
		break;
	default:
		im->bad_requests++;
		log_warn("ctl: request without a known operation dropped");
		fail(im, out, -EINVAL, "%s", "unsupported IfRequest");
		break;
	}
	if_request__free_unpacked(req, NULL);
}

void ifmgrd_ctl_clear(struct ifmgrd_ctl_reply *out)
{
	ifmgrd_states_free(out->states);
	ifmgrd_details_free(out->details);
	probe_status_clear(&out->probe);
	memset(out, 0, sizeof(*out));
}
