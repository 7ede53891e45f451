/*
 * cfgd_int.h: the state shared by cfgd's modules (not for other daemons).
 */
#ifndef CFGD_CFGD_INT_H
#define CFGD_CFGD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "bus.h"
#include "cfgd.h"
#include "cfgd.pb-c.h"
#include "session.h"

#define CFGD_MAX_SUBS 32
/* The first commit's id; each commit (a rollback too) takes the next. */
#define COMMIT_ID_FIRST 1000000001ULL

/* A subscriber as last heard from (Applied messages). */
struct cfgd_sub {
	char *daemon;
	uint64_t heard_us;
	uint64_t commit_id;
	char **subtree;
	size_t n_subtree;
	char **error;
	size_t n_error;
};

/* A commit waiting for subscribers before it is answered. */
struct cfgd_pending {
	struct cfgd *d;
	struct bus_peer *peer;
	uint64_t session;
	uint64_t commit_id;
	char **waiting;           /* daemons that have not applied it yet */
	size_t n_waiting;
	char **warning;           /* apply errors reported for it */
	size_t n_warning;
	uint64_t timer;
	struct cfgd_pending *next;
};

struct cfgd {
	struct loop *loop;
	void *zctx;
	const struct bootstrap *bs;
	struct bus_server *ctl;
	struct clone_pub *pub;
	RunningFile *rf;          /* rf->config is running, rf->commit_id its id */
	struct session_table sessions;
	struct cfgd_sub subs[CFGD_MAX_SUBS];
	size_t n_subs;
	struct cfgd_pending *pending;
	unsigned apply_wait_ms;
	uint64_t bad_requests;
};

/* ctl.c */
void ctl_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		 size_t len, void *arg);
/* Fill st for session id (dirty false when it is gone); strings borrowed. */
void ctl_session_state(struct cfgd *d, uint64_t session, SessionState *st);
/* Reply {status, error} only. */
void ctl_reply_error(struct cfgd *d, const struct bus_peer *peer, int status, const char *error);

/* commit.c */
/* Handle a CommitRequest: answers now or once subscribers applied. */
void commit_request(struct cfgd *d, const struct bus_peer *peer, const CommitRequest *req);
/* Make next (taken) the running configuration as a commit of session s
 * with label and description (may be NULL), as commit_request does after
 * building it: nothing to commit, validation, persistence, publication,
 * the wait for the subscribers; peer gets the commit's reply. */
void commit_install(struct cfgd *d, const struct bus_peer *peer, struct session *s, Config *next,
		    const char *label, const char *description);
/* `rollback configuration ...` and `display configuration commit list`
 * (history.c). */
void history_rollback(struct cfgd *d, const struct bus_peer *peer, const RollbackRequest *req);
void history_list(struct cfgd *d, const struct bus_peer *peer, const HistoryRequest *req);
/* Record a subscriber's Applied message and complete waiting commits. */
void commit_applied(struct cfgd *d, const Applied *a);
/* Drop waiting commits (unanswered) and the subscriber table. */
void commit_fini(struct cfgd *d);

#endif
