/*
 * cfgd_int.h: the state shared by cfgd's modules (not for other daemons).
 */
#ifndef CFGD_CFGD_INT_H
#define CFGD_CFGD_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "bus.h"
#include "cand.h"
#include "cfgtree.h"
#include "reply.h"
#include "cfgd.h"
#include "cfgd.pb-c.h"
#include "session.h"

#define CFGD_MAX_SUBS 32
/* The first commit's id; each commit (a rollback too) takes the next. */
#define COMMIT_ID_FIRST 1000000001ULL

/* The committed state.  config is running as a Config, a view of the tree
 * (ct_view, in config_arena) made when first asked for after a commit
 * (cfgd_running_config) and dropped by the next, which changes the tree;
 * the tree (struct cfgd.run) is what commits change.  history: the COMMIT records of
 * the journal kept in memory, oldest first, their labels current. */
struct cfgd_running {
	uint64_t commit_id;       /* 0: nothing committed yet */
	const Config *config;     /* or NULL until asked for */
	struct ct_arena *config_arena;
	Trial *trial;             /* the commit on trial (no `before`), or NULL */
	/* history[i]: a record's metadata (its label and trial current, no
	 * images); packed[i] its changes as the journal holds them (a packed
	 * RecordChanges, unpacked only when undone: a 100,000-line commit
	 * costs its packed bytes).  A record read at the start keeps its
	 * changes where the journal was read: loaded, held while loaded_refs
	 * of them do (persist.c). */
	JournalRecord **history;
	ProtobufCBinaryData *packed;
	size_t n_history;
	uint8_t *loaded;
	size_t loaded_len, loaded_refs;
};

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
	char *info;               /* for the reply's info, or NULL */
	uint64_t timer;
	struct cfgd_pending *next;
};

struct cfgd {
	struct loop *loop;
	void *zctx;
	const struct bootstrap *bs;
	struct bus_server *ctl;
	struct clone_pub *pub;
	struct evlog *evlog;          /* display logbuffer (common/evlog.h) */
	struct cfgd_running *rf;  /* the last commit: its id, history, trial */
	struct ct_node *run;      /* running as an indexed tree (cfgtree.h), with versions */
	struct journal *journal;  /* RUN_DIR/journal (persist.c) */
	uint64_t ckpt_id;         /* the commit RUN_DIR/checkpoint holds */
	int ckpt_pid;             /* a checkpoint being written in the background, or 0 */
	uint64_t ckpt_pending;    /* ... of this commit */
	uint64_t ckpt_timer;      /* polls for its end */
	unsigned since_ckpt;      /* commits since the last checkpoint began */
	size_t journal_records;   /* records in the journal file */
	uint64_t replay_bytes;    /* of the commits after the checkpoint: what a start replays */
	uint64_t replay_at_ckpt;  /* replay_bytes when the checkpoint being written began */
	struct ct_node *moved_marks; /* persist_moved_since's paths, at start */
	uint64_t moved_since;
	bool moved_unknown;
	struct session_table sessions;
	struct cfgd_sub subs[CFGD_MAX_SUBS];
	size_t n_subs;
	struct cfgd_pending *pending;
	unsigned apply_wait_ms;
	uint64_t bad_requests;
	uint64_t lock_session;    /* holds `configuration exclusive`, or 0 */
	uint64_t lock_since;      /* unix seconds */
	unsigned trial_seconds;   /* the commit being installed is a trial of so long */
	uint64_t trial_timer;     /* reverts rf->trial */
	uint64_t check_timer;     /* logs running's problems after the start */
};

/* cfgd.c */
/* Running as a Config (materialized on first use after a commit; borrowed,
 * valid until the next commit). */
const Config *cfgd_running_config(struct cfgd *d);

/* persist.c: the journal, checkpoints and the history in memory. */
/* Load running: the checkpoint (or a cold start's startup configuration)
 * and the journal's commits after it; the history and the trial.  0 or
 * -errno with a sentence in err. */
int persist_load(struct cfgd *d, char *err, size_t errlen);
void persist_fini(struct cfgd *d);
/* Journal commit id, the changes c makes (user, line, label, description,
 * a trial when d->trial_seconds), then apply them to the tree.  0 with
 * *rec (the record, whose after-images the caller publishes before handing
 * it back with persist_keep), or -errno when the journal could not be
 * written (nothing changed). */
int persist_commit(struct cfgd *d, const struct cand *c, uint64_t id, const char *user,
		   const char *line, const char *label, const char *description,
		   JournalRecord **rec);
/* Keep rec (taken) in the history, and write a checkpoint when due. */
void persist_keep(struct cfgd *d, JournalRecord *rec);
/* Whether a commit after `since` changed the object at path (subtree: or
 * below it); true when the records are no longer kept
 * (session_moved_fn, arg: the cfgd).  persist_moved_done frees its cache. */
bool persist_moved_since(uint64_t since, char *const *path, size_t n, bool subtree, bool existed,
			 void *arg);
void persist_moved_done(struct cfgd *d);
/* Journal a label change of rec (a history record) and make it.  0 or -errno. */
int persist_label(struct cfgd *d, JournalRecord *rec, const char *label);
/* Journal the end of the trial in progress and end it.  0 or -errno. */
int persist_trial_end(struct cfgd *d);
/* The index of commit id in the history, or -1. */
ssize_t persist_find(const struct cfgd *d, uint64_t id);
/* Fill c (an empty candidate) so that it makes the configuration as it was
 * before history record `from` and every later one: their before-images,
 * newest first. */
void persist_undo_into(const struct cfgd *d, struct cand *c, size_t from);

/* ctl.c: the dispatcher (the handlers below fill a struct ctl_out, reply.h). */
void ctl_request(struct bus_server *srv, const struct bus_peer *peer, const uint8_t *data,
		 size_t len, void *arg);

/* commit.c */
/* Handle a CommitRequest: fills out now, or (out->later) answers peer
 * once the subscribers applied. */
void commit_request(struct cfgd *d, const struct bus_peer *peer, const CommitRequest *req,
		    struct ctl_out *out);
/* Make the candidate c the running configuration as a commit of session s
 * with label, description and the reply's info sentence (each may be
 * NULL), as commit_request does: nothing to commit, validation (on the
 * scope of c's changes), the journal, the tree, publication, the wait for
 * the subscribers.  c is a session's candidate or one built by cfgd (a
 * rollback, a trial's revert; then s may be NULL: a commit of cfgd's own
 * recorded as by "system", whose result only the log tells).  The reply
 * goes to out (NULL: nobody asked), now or later (out->later: peer gets
 * it once the subscribers applied).  A commit while d->trial_seconds is
 * set starts a trial of it; any other ends the trial in progress.  0 when
 * installed (or nothing changed), else the -errno the reply carried:
 * -EINVAL (validation) or -EIO (the journal). */
int commit_install(struct cfgd *d, const struct bus_peer *peer, struct session *s,
		   struct cand *c, const char *label, const char *description, const char *info,
		   struct ctl_out *out);
/* A commit's reply into out: state of `session`, commit_id (0: none),
 * warnings (borrowed) and an info sentence (may be NULL). */
void commit_answer(struct cfgd *d, struct ctl_out *out, uint64_t session, uint64_t commit_id,
		   char **warning, size_t n_warning, const char *info);

/* lock.c */
/* Whether s may change running now (commit, rollback, label, trial
 * abort; editing its candidate is always allowed): 0, or -EBUSY with err
 * when another session holds the lock. */
int lock_refuses(struct cfgd *d, const struct session *s, char *err, size_t errlen);
void lock_request(struct cfgd *d, const LockRequest *req, struct ctl_out *out);
/* Session id is closing: its lock goes with it. */
void lock_session_closed(struct cfgd *d, uint64_t id);

/* trial.c */
/* The wall clock in unix milliseconds (a trial's end is kept across a
 * restart, so it cannot be on the monotonic clock). */
uint64_t trial_now_ms(void);
/* Arm the revert of d->rf->trial (at once if its time has passed), or cancel
 * it when there is none. */
void trial_arm(struct cfgd *d);
/* End the trial in progress, keeping running: 0, or -errno when the
 * journal cannot be written. */
int trial_end(struct cfgd *d);
/* Why session s may not commit or roll back now (a trial of another user,
 * or any trial for a rollback or a second trial): 0, or -EBUSY with err. */
int trial_refuses(struct cfgd *d, const struct session *s, bool rollback, bool trial,
		  char *err, size_t errlen);
/* `abort trial`: revert now, answered like a commit. */
void trial_abort(struct cfgd *d, const struct bus_peer *peer, const TrialAbort *req,
		 struct ctl_out *out);
void trial_fini(struct cfgd *d);

/* history.c: `rollback configuration ...`, `display configuration commit
 * list` and `set` / `clear configuration commit ID label`. */
void history_label(struct cfgd *d, const LabelRequest *req, struct ctl_out *out);
void history_rollback(struct cfgd *d, const struct bus_peer *peer, const RollbackRequest *req,
		      struct ctl_out *out);
void history_list(struct cfgd *d, const HistoryRequest *req, struct ctl_out *out);

/* commit.c (continued) */
/* A label a commit may take: 0, or -EINVAL / -EEXIST with err. */
int commit_check_label(struct cfgd *d, const char *label, char *err, size_t errlen);
/* Record a subscriber's Applied message and complete waiting commits. */
void commit_applied(struct cfgd *d, const Applied *a);
/* Drop waiting commits (unanswered) and the subscriber table. */
void commit_fini(struct cfgd *d);

#endif
