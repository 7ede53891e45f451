/*
 * fake_backend.c: the fake cfgd and ntpd of fake_backend.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bootstrap.h"
#include "cli.h"
#include "edit.h"
#include "fake_backend.h"
#include "log.h"
#include "validate.h"

struct fake {
	struct bootstrap bs;      /* the interfaces, for validate_config */
	Config *cand, *run;
	uint64_t next_session;
	uint64_t commit_id;
	struct cli_backend *be;   /* the backend these ops serve */
};

struct fake_backend_stats fake_backend_stats;

/* A copy of m as if unpacked from the wire (the engine frees it). */
static ProtobufCMessage *wire_copy(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = xmalloc(len ? len : 1);
	ProtobufCMessage *r;

	protobuf_c_message_pack(m, buf);
	r = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	if (!r)
		abort();
	return r;
}

static void fake_edit(struct fake *f, const EditRequest *er, CfgReply *rep, char *err,
		      size_t errlen)
{
	Config *c = config_dup(f->cand);

	for (size_t i = 0; i < er->n_edit; i++) {
		if (edit_apply(&c, er->edit[i], err, errlen) < 0) {
			rep->status = -EINVAL;
			rep->error = err;
			rep->has_error_edit = true;
			rep->error_edit = (uint32_t)i;
			config__free_unpacked(c, NULL);
			fake_backend_stats.edits_refused++;
			return;
		}
	}
	config__free_unpacked(f->cand, NULL);
	f->cand = c;
	fake_backend_stats.edits_ok++;
}

static int fake_cfg(void *chan, const CfgRequest *req, int timeout_ms, CfgReply **reply)
{
	struct fake *f = chan;
	CfgReply rep = CFG_REPLY__INIT;
	SessionState st = SESSION_STATE__INIT;
	char err[512] = "";
	Config *run = NULL;
	struct validate_list problems = { 0 };

	(void)timeout_ms;
	fake_backend_stats.cfg_calls++;
	rep.has_status = true;
	rep.state = &st;
	st.has_session = true;
	st.session = f->next_session;
	switch (req->req_case) {
	case CFG_REQUEST__REQ_SESSION_OPEN:
		st.session = ++f->next_session;
		break;
	case CFG_REQUEST__REQ_EDIT:
		fake_edit(f, req->edit, &rep, err, sizeof(err));
		break;
	case CFG_REQUEST__REQ_GET:
		if (req->get->has_which && req->get->which == GET_REQUEST__WHICH__STARTUP) {
			rep.status = -ENODATA;
			rep.error = "There is no saved configuration.";
		} else if (req->get->has_which &&
			   req->get->which == GET_REQUEST__WHICH__CANDIDATE) {
			rep.config = f->cand;
		} else {
			rep.config = f->run;
			rep.has_commit_id = f->commit_id != 0;
			rep.commit_id = f->commit_id;
		}
		break;
	case CFG_REQUEST__REQ_COMMIT:
	case CFG_REQUEST__REQ_ROLLBACK:
	case CFG_REQUEST__REQ_ABORT_TRIAL:
		validate_config(f->cand, &f->bs, VALIDATE_COMMIT, &problems);
		if (problems.n) {
			snprintf(err, sizeof(err), "%s", problems.msg[0]);
			rep.status = -EINVAL;
			rep.error = err;
		} else if (!config_equal(f->cand, f->run)) {
			run = config_dup(f->cand);
			config__free_unpacked(f->run, NULL);
			f->run = run;
			rep.has_commit_id = true;
			rep.commit_id = 1000000001ULL + f->commit_id++;
			fake_backend_stats.commits++;
		}
		break;
	case CFG_REQUEST__REQ_REFRESH:
		if (req->refresh->discard) {
			config__free_unpacked(f->cand, NULL);
			f->cand = config_dup(f->run);
		}
		break;
	default:
		break;
	}
	st.has_dirty = true;
	st.dirty = !config_equal(f->cand, f->run);
	st.sysname = f->run->system && f->run->system->sysname ? f->run->system->sysname :
		     "HUAWEI";
	*reply = (CfgReply *)wire_copy(&rep.base);
	validate_list_free(&problems);
	return 0;
}

static int fake_ntp(void *chan, const NtpRequest *req, int timeout_ms, NtpReply **reply)
{
	NtpReply rep = NTP_REPLY__INIT;

	(void)chan;
	(void)req;
	(void)timeout_ms;
	fake_backend_stats.ntp_calls++;
	rep.has_status = true;
	*reply = (NtpReply *)wire_copy(&rep.base);
	return 0;
}

static void fake_free(void *arg)
{
	struct fake *f = arg;

	config__free_unpacked(f->cand, NULL);
	config__free_unpacked(f->run, NULL);
	bootstrap_free(&f->bs);
	free(f);
}

/* Every call is answered at once, before send returns (backend.h allows
 * it). */
static int fake_send(void *arg, enum cli_daemon d, const ProtobufCMessage *req, int timeout_ms,
		     uint64_t tag)
{
	struct fake *f = arg;
	ProtobufCMessage *reply = NULL;

	if (d == CLI_CFGD) {
		fake_cfg(f, (const CfgRequest *)req, timeout_ms, (CfgReply **)&reply);
	} else if (d == CLI_NTPD) {
		fake_ntp(f, (const NtpRequest *)req, timeout_ms, (NtpReply **)&reply);
	} else {
		IfReply rep = IF_REPLY__INIT;   /* ifmgrd: an empty answer */

		rep.has_status = true;
		reply = wire_copy(&rep.base);
	}
	if (tag == 0) {
		protobuf_c_message_free_unpacked(reply, NULL);
		return 0;
	}
	cli_backend_complete(f->be, tag, 0, reply);
	return 0;
}

static const struct cli_backend_ops fake_ops = {
	.send = fake_send,
	.cancel = NULL,
	.free = fake_free,
};

struct cli_backend *fake_backend_new(void)
{
	static const char *const ifs[] = { "GigabitEthernet0/1/0", "GigabitEthernet0/2/0",
					   "LoopBack0" };
	struct fake *f = xcalloc(1, sizeof(*f));

	bootstrap_defaults(&f->bs);
	f->bs.interfaces = xcalloc(3, sizeof(*f->bs.interfaces));
	for (size_t i = 0; i < 3; i++) {
		f->bs.interfaces[i].name = xstrdup(ifs[i]);
		f->bs.interfaces[i].netdev = xstrdup("lo");
	}
	f->bs.n_interfaces = 3;
	f->cand = config_new_empty();
	f->run = config_new_empty();
	f->be = cli_backend_new_ops(&fake_ops, f, "HUAWEI", ifs, 3);
	return f->be;
}

void fake_backend_reset(struct cli_backend *be)
{
	struct fake *f = be->arg;

	config__free_unpacked(f->cand, NULL);
	config__free_unpacked(f->run, NULL);
	f->cand = config_new_empty();
	f->run = config_new_empty();
	f->next_session = 0;
	f->commit_id = 0;
}
