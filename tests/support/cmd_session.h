/*
 * cmd_session.h: a CLI backend over a fake cfgd for clid's command tests.
 *
 * The fake opens session 1, reports cmd_fake.sysname (HUAWEI) and the
 * candidate as dirty once an edit has been accepted (or from the start, see
 * cmd_fake_setup), and times out every ntpd request.  What an edit does and
 * what `get` answers is the test's: it passes a hook that sees each request
 * and may fill the reply: refuse it (status and error), drop the state, set
 * cmd_fake.dirty or cmd_fake.sysname.  The reply is copied after the hook,
 * so anything the hook points it at stays the test's.  A test that wants
 * ntpd's answers sets cmd_fake.ntp_hook (ifmgrd's: cmd_fake.if_hook), and
 * cmd_fake.cfgd_down makes cfgd
 * time out.  Hooks that record edits write them to cmd_fake.log
 * (cmd_fake_edit_text), which cmd_run compares.  Criterion runs each test in
 * its own process, so the state lives in one global per test program.
 *
 * The fake answers inside the backend's send (a session is then never
 * busy) unless cmd_fake.hold is set: then each answer is computed when the
 * request is sent but held, and the test delivers it late with
 * cmd_fake_release() (the oldest first) or fails the held calls with
 * cmd_fake_fail() (e.g. -ETIMEDOUT, -ECONNRESET), or never.  Sessions made
 * here do not pipeline (no hold/release front end), so each edit is
 * answered before cli_exec() returns; test_async.c adds a front end that
 * does.
 */
#ifndef MERIDIAN_TEST_CMD_SESSION_H
#define MERIDIAN_TEST_CMD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cli.h"
#include "cmd.h"

/* Sees each cfgd request; may set rep->config, rep->error (borrowed),
 * rep->status, or rep->state (the SessionState, or NULL for none). */
typedef void (*cmd_fake_hook)(const CfgRequest *req, CfgReply *rep);
/* Answers an ntpd request in rep (borrowed), or returns a negative errno
 * (the call fails, as when ntpd does not answer). */
typedef int (*cmd_fake_ntp_hook)(const NtpRequest *req, NtpReply *rep);
/* Likewise for ifmgrd. */
typedef int (*cmd_fake_if_hook)(const IfRequest *req, IfReply *rep);

#define CMD_FAKE_HELD_MAX 128

struct cmd_fake_held {
	uint64_t tag;
	int r;
	ProtobufCMessage *reply;
};

struct cmd_fake_state {
	char *keydir;             /* the device key's STATE_DIR (test_device_key) */
	struct sbuf out;          /* what the sessions printed */
	struct sbuf log;          /* the edits, as the test's hook records them */
	struct cli_backend *be;
	bool dirty;               /* reported in every SessionState */
	char sysname[64];         /* likewise */
	bool cfgd_down;           /* every cfgd request times out */
	cmd_fake_hook hook;
	cmd_fake_ntp_hook ntp_hook;  /* NULL: every ntpd request times out */
	cmd_fake_if_hook if_hook;    /* NULL: every ifmgrd request times out */
	bool hold;                /* hold the answers (see above) */
	struct cmd_fake_held held[CMD_FAKE_HELD_MAX];
	size_t n_held;
	size_t n_sent;            /* requests sent, answered or not */
};

/* The fake's state: one per test program (each test is its own process). */
extern struct cmd_fake_state cmd_fake;

/* A deep copy of m, as a reply unpacked from the wire would be. */
ProtobufCMessage *cmd_fake_copy(const ProtobufCMessage *m);

/* Deliver the oldest held answer; false when none is held. */
bool cmd_fake_release(void);
/* Fail every held call with r (a negative errno); their replies are dropped. */
void cmd_fake_fail(int r);

/* The output callback of sessions: appends to cmd_fake.out. */
void cmd_fake_out(void *arg, const char *buf, size_t len);

/* Append edit e to log as one line of text: "SET <pbtext of the value>" or
 * "DELETE a/b/c". */
void cmd_fake_edit_text(struct sbuf *log, const Edit *e);

/* A backend with the n interfaces ifs over the fake; `dirty` is what the
 * candidate reports before any edit. */
void cmd_fake_setup_ifs(cmd_fake_hook hook, bool dirty, const char *const *ifs, size_t n);
/* The same with interfaces GigabitEthernet0/1/0 and LoopBack0. */
void cmd_fake_setup(cmd_fake_hook hook, bool dirty);
void cmd_fake_teardown(void);

/* What b holds ("" if nothing), emptying b.  The text stays valid until the
 * next call (one static buffer of 8 KiB). */
const char *cmd_take(struct sbuf *b);
/* What the sessions printed, and the edits logged, since the last call
 * (the same static buffer as cmd_take). */
const char *cmd_printed(void);
const char *cmd_edits(void);

/* A session of user admin on `vty` ("VTY 0"), printing into cmd_fake.out;
 * the caller frees it with cli_session_free. */
struct cli_session *cmd_session_new(const char *vty);
/* A session on VTY 0 in system view, or in the view of interface `ifname`
 * if not NULL, with nothing logged or printed yet. */
struct cli_session *cmd_session_in(const char *ifname);

/* Run line in s: it must not end the session, record exactly `edits` in
 * cmd_fake.log and print exactly `output`. */
void cmd_run(struct cli_session *s, const char *line, const char *edits, const char *output);

/* The caret line and error VRP prints for an error at column col (the
 * prompt included).  Four static buffers, used in turn. */
const char *cmd_caret(size_t col, const char *what);

#endif
