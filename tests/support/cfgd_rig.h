/*
 * cfgd_rig.h: the in-process cfgd that cfgd's unit tests drive (tests/
 * support, built once): a cfgd (cfgd_new) in its own loop over ipc sockets
 * in a fresh directory per test, and the test's clients, DEALERs attached
 * to the same loop; each call runs the loop until its reply arrives
 * (deadline-bounded).  Each file declares its suite with
 * TestSuite(name, .init = rig_setup, .fini = rig_teardown).
 */
#ifndef MERIDIAN_CFGD_RIG_H
#define MERIDIAN_CFGD_RIG_H

#include <errno.h>
#include <sys/stat.h>
#include <zmq.h>

#include "bus.h"
#include "cfgd.h"
#include "cfgd_int.h"
#include "cfgd_fixtures.h"
#include "cfgsub.h"
#include "store.h"

extern struct testdir td;
extern struct loop *loop;
extern void *zctx;
extern struct cfgd *d;

struct client {
	struct bus_client *cli;
	CfgReply *reply;
	bool got;
};

extern struct client c1;

void client_init(struct client *c);
void client_fini(struct client *c);
void start_cfgd(void);
void rig_setup(void);
void rig_teardown(void);

/* Send req and return its reply (owned by the caller). */
CfgReply *call_on(struct client *c, CfgRequest *req, int timeout_ms);
CfgReply *call(CfgRequest *req);
uint64_t open_session_of(const char *user, const char *owner);
uint64_t open_session(const char *user);

/* Send the edits (freed here) of one request. */
CfgReply *edit(uint64_t session, Edit *e1, Edit *e2);
void edit_ok(uint64_t session, Edit *e1, Edit *e2);
CfgReply *commit_on(struct client *c, uint64_t session, const char *label);
CfgReply *commit(uint64_t session);
uint64_t commit_ok(uint64_t session);
CfgReply *get(uint64_t session, bool candidate);
void assert_candidate(uint64_t session, const char *text);
void assert_running(const char *text);
bool rig_session_dirty(uint64_t session);

#define SRV(a, opts) "ntp = { unicast_server = ( { address = \"" a "\"; " opts " } ); };"

CfgReply *rollback(uint64_t session, int kind, uint64_t value, const char *label);
CfgReply *refresh(uint64_t session);

#endif
