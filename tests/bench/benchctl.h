/*
 * benchctl.h: what the benchmark tools share (benchctl.c): a cfgd ctl
 * client as clid talks to cfgd (a DEALER, [id][CfgRequest] frames), edits
 * at the root, commits and sessions, and the small helpers around them.
 * Every failure is fatal: a benchmark that cannot do what it measures
 * stops with a sentence (die).  Built with each tool:
 * cc -I BUILD/proto TOOL.c benchctl.c BUILD/proto/libmproto.a -lprotobuf-c -lzmq.
 */
#ifndef MERIDIAN_BENCHCTL_H
#define MERIDIAN_BENCHCTL_H

#include <stdint.h>

#include "cfgd.pb-c.h"
#include "config.pb-c.h"

/* Monotonic microseconds. */
uint64_t now_us(void);
/* Print "PROG: message" (bench_prog) and exit 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
extern const char *bench_prog;
void *xcalloc(size_t n, size_t size);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A DEALER to ipc://RUN_DIR/DAEMON.ctl, reconnecting every ms;
 * ctl_socket: cfgd's. */
void *daemon_socket(void *zctx, const char *run_dir, const char *daemon);
void *ctl_socket(void *zctx, const char *run_dir);
/* Send a message as the bus frames it ([id][message]); send_req: a
 * CfgRequest. */
void send_msg(void *s, uint64_t id, const ProtobufCMessage *msg);
void send_req(void *s, uint64_t id, const CfgRequest *req);
/* The reply (of type desc) to request id within timeout_ms, or NULL;
 * recv_reply: cfgd's. */
ProtobufCMessage *recv_msg(void *s, uint64_t id, const ProtobufCMessageDescriptor *desc,
			   int timeout_ms);
CfgReply *recv_reply(void *s, uint64_t id, int timeout_ms);
/* Send and wait for the answer (dies without one within timeout_ms). */
CfgReply *call(void *s, const CfgRequest *req, int timeout_ms);
/* call() that must answer status 0 (else dies, naming what). */
void call_ok(void *s, const CfgRequest *req, const char *what);

/* A configuration session as user "bench": its id. */
uint64_t session_open(void *s, const char *line);
void session_close(void *s, uint64_t session);
/* One edit request: SET of value at the root. */
void edit_root(void *s, uint64_t session, Config *value);
/* Commit the session's candidate; the reply (to free with
 * cfg_reply__free_unpacked), whose status must be 0. */
CfgReply *commit_now(void *s, uint64_t session);

#endif
