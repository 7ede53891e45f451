/*
 * session.h: configuration sessions, one per CLI session.
 *
 * A session holds a candidate (cand.h: running seen through the overlay of
 * its own changes, never a copy of the configuration) and the edits applied
 * since it last matched running (replayed by `refresh configuration
 * candidate`).  Its prompt's '*' is cand_dirty(): a real difference from
 * running.  Sessions and their edits are logged in RUN_DIR/candidates, so
 * a restarted cfgd comes back with them (session.c).
 */
#ifndef CFGD_SESSION_H
#define CFGD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cand.h"
#include "cfgd.pb-c.h"
#include "edit.h"
#include "sessid.h"

struct bootstrap;
struct journal;
struct session_table;

#define SESSION_MAX 256

struct session {
	uint64_t id;
	char *user;
	char *line;
	char *owner;               /* the front end's name, or NULL */
	struct cand cand;
	ProtobufCBinaryData *edits; /* packed Edits, canonical, in the order applied (a
				     * packed line costs a tenth of an unpacked one) */
	size_t n_edits;
	uint64_t base;              /* running's last commit at its first edit since it
				     * last matched running (0: no edit) */
	struct session_table *table;
	struct session *next;
};

struct session_table {
	struct session *head;
	size_t n;
	struct sessid ids;         /* never the same id twice, even across restarts */
	struct journal *log;       /* RUN_DIR/candidates, or NULL (not kept) */
	size_t log_records;
	uint64_t edit_bytes;       /* the open sessions' edits, packed */
};

/* An empty table whose ids are not yet unique across restarts:
 * session_table_start makes them so. */
void session_table_init(struct session_table *t);
/* Whether a commit after `since` changed the object at path (subtree: or
 * anything below it); true when that cannot be known any more. */
typedef bool (*session_moved_fn)(uint64_t since, char *const *path, size_t n, bool subtree,
				 bool existed, void *arg);

/* Take this start's session epoch from RUN_DIR (sessid_start), and bring
 * back the sessions RUN_DIR/candidates holds: each under its id, its edits
 * replayed on running (as a refresh does), and each object it changed that
 * moved() says another commit changed since its edits made to conflict at
 * commit, as it would have without the restart.  0, or -errno with err. */
int session_table_start(struct session_table *t, const char *run_dir,
			const struct ct_node *running, session_moved_fn moved, void *arg,
			char *err, size_t errlen);
void session_table_free(struct session_table *t);

/* Open a session whose candidate is running, under an id no cfgd start
 * gave out before.  NULL when SESSION_MAX sessions are open (or, after
 * 2^32 sessions, a new epoch could not be recorded). */
struct session *session_open(struct session_table *t, const char *user, const char *line,
			     const char *owner);
/* The session of id, or NULL: a session of an earlier cfgd start is never
 * found (its id is never given out again), so a front end whose session is
 * gone is told so (-ENOENT) instead of being attached to another's. */
struct session *session_find(struct session_table *t, uint64_t id);
void session_close(struct session_table *t, struct session *s);

static inline bool session_dirty(const struct session *s)
{
	return cand_dirty(&s->cand);
}

/* Apply the edits of one request to s's candidate, all or none: each is
 * canonicalised (interface names), checked against the schema and judged
 * by the problems it introduces (validate_change on the scope of the
 * request, scope.h).  0, or -EINVAL with the sentence in err and the
 * refused edit's index in *bad. */
int session_edit(struct session *s, Edit *const *edits, size_t n, const struct ct_node *running,
		 const struct bootstrap *bs, char *err, size_t errlen, size_t *bad);

/* `refresh configuration candidate`: s's edits replayed on running; its
 * own changes win where another commit changed the same objects. */
void session_refresh(struct session *s, const struct ct_node *running);

/* Make s's candidate running again (drops its edits). */
void session_rebase(struct session *s);

/* Running changed by a commit whose `after` images are changed[0..n):
 * the sessions whose overlays hold those paths recount them there
 * (cand_recount_changes); sessions without a difference of their own
 * then follow running (their touched objects are forgotten). */
void session_running_changed(struct session_table *t, const struct ct_node *running,
			     NodeImage *const *changed, size_t n);

#endif
