/*
 * benchctl.c: the cfgd ctl client and helpers the benchmark tools share
 * (see benchctl.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "benchctl.h"

const char *bench_prog = "bench";

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", bench_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return s;
}

/* A DEALER to the ctl endpoint of run_dir, reconnecting every ms. */
void *ctl_socket(void *zctx, const char *run_dir)
{
	return daemon_socket(zctx, run_dir, "cfgd");
}

void *daemon_socket(void *zctx, const char *run_dir, const char *daemon)
{
	void *s = zmq_socket(zctx, ZMQ_DEALER);
	int zero = 0, one = 1;
	char *ep = xasprintf("ipc://%s/%s.ctl", run_dir, daemon);

	if (s == NULL)
		die("zmq_socket: %s", zmq_strerror(errno));
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &one, sizeof(one));
	if (zmq_connect(s, ep) < 0)
		die("connect %s: %s", ep, zmq_strerror(errno));
	free(ep);
	return s;
}

void send_msg(void *s, uint64_t id, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = xcalloc(1, len);

	protobuf_c_message_pack(msg, buf);
	if (zmq_send(s, &id, sizeof(id), ZMQ_SNDMORE) < 0 || zmq_send(s, buf, len, 0) < 0)
		die("send: %s", zmq_strerror(errno));
	free(buf);
}

void send_req(void *s, uint64_t id, const CfgRequest *req)
{
	send_msg(s, id, &req->base);
}

ProtobufCMessage *recv_msg(void *s, uint64_t id, const ProtobufCMessageDescriptor *desc,
			   int timeout_ms)
{
	uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;

	for (;;) {
		zmq_pollitem_t it = { .socket = s, .events = ZMQ_POLLIN };
		int64_t left = (int64_t)(deadline - now_us()) / 1000;
		zmq_msg_t idm, body;
		ProtobufCMessage *r = NULL;
		bool mine;

		if ((int64_t)(deadline - now_us()) <= 0)
			return NULL;
		if (zmq_poll(&it, 1, left < 1 ? 1 : (long)left) <= 0)
			continue;
		zmq_msg_init(&idm);
		zmq_msg_init(&body);
		if (zmq_msg_recv(&idm, s, 0) < 0 || !zmq_msg_more(&idm) ||
		    zmq_msg_recv(&body, s, 0) < 0)
			die("recv: %s", zmq_strerror(errno));
		mine = zmq_msg_size(&idm) == sizeof(id) && memcmp(zmq_msg_data(&idm), &id, sizeof(id)) == 0;
		if (mine)
			r = protobuf_c_message_unpack(desc, NULL, zmq_msg_size(&body),
						      zmq_msg_data(&body));
		zmq_msg_close(&idm);
		zmq_msg_close(&body);
		if (mine) {
			if (r == NULL)
				die("an undecodable reply");
			return r;
		}
	}
}

CfgReply *recv_reply(void *s, uint64_t id, int timeout_ms)
{
	return (CfgReply *)recv_msg(s, id, &cfg_reply__descriptor, timeout_ms);
}

CfgReply *call(void *s, const CfgRequest *req, int timeout_ms)
{
	uint64_t next_id = 1;
	uint64_t id = next_id++;
	CfgReply *r;

	send_req(s, id, req);
	r = recv_reply(s, id, timeout_ms);
	if (r == NULL)
		die("no answer from cfgd within %d ms", timeout_ms);
	return r;
}

void call_ok(void *s, const CfgRequest *req, const char *what)
{
	CfgReply *r = call(s, req, 600000);

	if (r->status != 0)
		die("%s: %s (%d)", what, r->error ? r->error : "?", r->status);
	cfg_reply__free_unpacked(r, NULL);
}


CfgReply *commit_now(void *s, uint64_t session)
{
	CfgRequest req = CFG_REQUEST__INIT;
	CommitRequest c = COMMIT_REQUEST__INIT;
	CfgReply *r;

	c.session = session;
	req.req_case = CFG_REQUEST__REQ_COMMIT;
	req.commit = &c;
	r = call(s, &req, 600000);
	if (r->status != 0)
		die("commit: %s (%d)", r->error ? r->error : "?", r->status);
	return r;
}

uint64_t session_open(void *s, const char *line)
{
	CfgRequest req = CFG_REQUEST__INIT;
	SessionOpen so = SESSION_OPEN__INIT;
	CfgReply *r;
	uint64_t session;

	so.user = "bench";
	so.line = (char *)line;
	so.owner = (char *)line;
	req.req_case = CFG_REQUEST__REQ_SESSION_OPEN;
	req.session_open = &so;
	r = call(s, &req, 10000);
	if (r->status != 0 || r->state == NULL)
		die("session open: %s", r->error ? r->error : "?");
	session = r->state->session;
	cfg_reply__free_unpacked(r, NULL);
	return session;
}

void session_close(void *s, uint64_t session)
{
	CfgRequest req = CFG_REQUEST__INIT;
	SessionClose sc = SESSION_CLOSE__INIT;

	sc.session = session;
	req.req_case = CFG_REQUEST__REQ_SESSION_CLOSE;
	req.session_close = &sc;
	call_ok(s, &req, "session close");
}

/* One edit request: SET of value at the root. */
void edit_root(void *s, uint64_t session, Config *value)
{
	CfgRequest req = CFG_REQUEST__INIT;
	EditRequest er = EDIT_REQUEST__INIT;
	Edit e = EDIT__INIT, *ev[1] = { &e };

	e.op = EDIT__OP__SET;
	e.value = value;
	er.session = session;
	er.n_edit = 1;
	er.edit = ev;
	req.req_case = CFG_REQUEST__REQ_EDIT;
	req.edit = &er;
	call_ok(s, &req, "edit");
}
