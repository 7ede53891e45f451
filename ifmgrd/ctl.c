/*
 * ctl.c: ifmgrd's ctl socket (ROUTER at ipc://RUN_DIR/ifmgrd.ctl).
 *
 * IfRequest.get answers IfStates (all interfaces, or the one named,
 * case-insensitively); IfRequest.detail the same with counters (IfDetails,
 * ifdetail.c); tag 15 answers the Clone snapshot of topic "if".
 * Undecodable or empty requests get status -EBADMSG / -EINVAL with a
 * sentence, and are counted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clone.h"
#include "log.h"
#include "ifmgrd_int.h"

static void fail(struct ifmgrd *im, struct ifmgrd_ctl_reply *out, int status, const char *fmt,
		 const char *arg)
{
	snprintf(out->err, sizeof(out->err), fmt, arg);
	out->reply.has_status = true;
	out->reply.status = status;
	out->reply.error = out->err;
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
	case IF_REQUEST__REQ_SNAPSHOT:
		clone_pub_snapshot(im->pub, &out->snap);
		out->reply.snapshot = &out->snap;
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
	memset(out, 0, sizeof(*out));
}
