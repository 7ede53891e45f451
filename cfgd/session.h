/*
 * session.h: configuration sessions, one per CLI session.
 *
 * A session holds a candidate (a copy of running when it was taken), the
 * running it was taken from (base, base_id: what a conflict is judged
 * against), the edits applied to it since (replayed on a newer running at
 * commit) with the paths they touched, and `dirty` (candidate differs from
 * the current running: the prompt's '*').
 */
#ifndef CFGD_SESSION_H
#define CFGD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"
#include "edit.h"
#include "sessid.h"

struct bootstrap;

#define SESSION_MAX 256

struct session {
	uint64_t id;
	char *user;
	char *line;
	char *owner;               /* the front end's name, or NULL */
	Config *cand;
	Config *base;
	uint64_t base_id;
	Edit **edits;              /* deep copies, in the order applied */
	size_t n_edits;
	struct edit_pathset paths; /* objects the edits touched */
	bool dirty;
	struct session *next;
};

struct session_table {
	struct session *head;
	size_t n;
	struct sessid ids;         /* never the same id twice, even across restarts */
};

/* An empty table whose ids are not yet unique across restarts:
 * session_table_start makes them so. */
void session_table_init(struct session_table *t);
/* Take this start's session epoch from RUN_DIR (sessid_start): 0, or
 * -errno with err. */
int session_table_start(struct session_table *t, const char *run_dir, char *err, size_t errlen);
void session_table_free(struct session_table *t);

/* Open a session whose candidate is a copy of running (commit running_id),
 * under an id no cfgd start gave out before.  NULL when SESSION_MAX
 * sessions are open (or, after 2^32 sessions, a new epoch could not be
 * recorded). */
struct session *session_open(struct session_table *t, const char *user, const char *line,
			     const Config *running, uint64_t running_id);
/* The session of id, or NULL: a session of an earlier cfgd start is never
 * found (its id is never given out again), so a front end whose session is
 * gone is told so (-ENOENT) instead of being attached to another's. */
struct session *session_find(struct session_table *t, uint64_t id);
void session_close(struct session_table *t, struct session *s);

/* Apply the edits of one request to s's candidate, all or none: each is
 * applied, interface names canonicalised, and the result checked
 * (validate_change against the candidate before the request).  0, or
 * -EINVAL with the sentence in err and the refused edit's index in *bad. */
int session_edit(struct session *s, Edit *const *edits, size_t n, const Config *running,
		 const struct bootstrap *bs, char *err, size_t errlen, size_t *bad);

/* s's edits replayed on a copy of running (canonicalised): 0 with *out,
 * or -errno with err when one no longer applies. */
int session_replay(const struct session *s, const Config *running, const struct bootstrap *bs,
		   Config **out, char *err, size_t errlen);

/* `refresh configuration candidate`: s's edits replayed on running
 * (running_id), which becomes its base; its own changes win where another
 * commit changed the same objects.  0, or -errno with err when an edit no
 * longer applies (s unchanged). */
int session_refresh(struct session *s, const Config *running, uint64_t running_id,
		    const struct bootstrap *bs, char *err, size_t errlen);

/* Make s a fresh copy of running (drops its edits). */
void session_rebase(struct session *s, const Config *running, uint64_t running_id);

/* Running changed to `running` (commit running_id): sessions without
 * changes of their own (no edits, or a candidate equal to its base) follow
 * it; the others only recompute `dirty`. */
void session_running_changed(struct session_table *t, const Config *running, uint64_t running_id);

#endif
