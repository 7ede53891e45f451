/*
 * persist.c: running as a checkpoint plus a journal, and the history.
 *
 * A commit appends one COMMIT record to RUN_DIR/journal (journal.h) holding
 * the nodes it changed as they are after it and as they were before it
 * (NodeImage: a node's own fields, or its absence), fsync'd before the
 * commit is answered; then the same changes are made to the running tree.
 * So a commit costs bytes and work in proportion to what it changed.
 *
 * Start: the checkpoint (store.h) is loaded into the tree and the journal's
 * COMMIT records after it are applied in order (each must follow the one
 * before: a gap means records were lost, and cfgd refuses to start rather
 * than come back with less than was committed).  A cold start (no
 * checkpoint: startup.conf or nothing) writes its first checkpoint at
 * once, so the journal always sits on a checkpoint; a journal found
 * without one is refused the same way.
 *
 * Checkpoints are written in the background: every CKPT_EVERY commits, or
 * once the commits after the checkpoint hold CKPT_REPLAY_BYTES (a start
 * replays them: a big commit is followed by a checkpoint at once), cfgd
 * forks and the child writes the tree it inherited (copy-on-write) to
 * RUN_DIR/checkpoint and exits, while cfgd goes on; a timer collects the
 * child, and a stopping cfgd lets it finish (CKPT_STOP_WAIT_MS).  glibc
 * makes malloc and stdio safe in the child of a threaded process (ZeroMQ's
 * threads); the child closes every inherited descriptor but stdio first,
 * so it holds none of cfgd's sockets.  Once a checkpoint is in place, the journal is
 * rewritten (compacted) to the history in memory, the last
 * STORE_HISTORY_MAX commits with their current labels, once the checkpoint
 * holds everything older.  Start-up then reads one checkpoint and at most about
 * CKPT_EVERY records.
 *
 * The history is those COMMIT records: their metadata (d->rf->history,
 * labels and trials current) and their changes packed as the journal holds
 * them (d->rf->packed): rollback, a trial's revert and `display
 * configuration commit changes` undo records newest first with their
 * before-images (persist_undo_into).  At the start a record's changes are
 * neither copied nor unpacked unless it is replayed: they stay where the
 * journal was read (record_meta), which is checksummed whole as before, so
 * the torn-tail and corrupt-middle rules of journal.h hold unchanged.  A
 * compaction packs each record again from its metadata and changes.
 * The before-image of a removed list element names the element it
 * followed (NodeImage.prev), and so does the after-image of one an undo
 * puts back, so it returns to its place in the list, in running and in a
 * replay of the journal; records without it append, as they always did.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bootstrap.h"
#include "cfgd_int.h"
#include "journal.h"
#include "log.h"
#include "loop.h"
#include "pbreflect.h"
#include "secret.h"
#include "store.h"

#define CKPT_EVERY 64
/* Replaying a record costs about 16 ms per MiB at start (a 100,000-line
 * commit is 7.9 MiB): past this many bytes after the checkpoint, one is
 * due. */
#define CKPT_REPLAY_BYTES (1u << 20)
#define CKPT_POLL_MS 20
/* How long a stopping cfgd lets a checkpoint in progress finish. */
#define CKPT_STOP_WAIT_MS 3000

/* ---- the history in memory ---- */

/* Drop rec's images (in memory only: the history keeps them packed). */
static void images_free(JournalRecord *rec)
{
	for (size_t i = 0; i < rec->n_after; i++)
		node_image__free_unpacked(rec->after[i], NULL);
	for (size_t i = 0; i < rec->n_before; i++)
		node_image__free_unpacked(rec->before[i], NULL);
	free(rec->after);
	free(rec->before);
	rec->after = rec->before = NULL;
	rec->n_after = rec->n_before = 0;
}

/* Pack rec's images into rec->changes (when it has none yet). */
static void changes_fold(JournalRecord *rec)
{
	RecordChanges rc = RECORD_CHANGES__INIT;

	if (rec->has_changes)
		return;
	rc.n_after = rec->n_after;
	rc.after = rec->after;
	rc.n_before = rec->n_before;
	rc.before = rec->before;
	rec->changes.data = pbr_pack(&rc.base, &rec->changes.len);
	rec->has_changes = 1;
}

/* Unpack the packed RecordChanges b into rec's images (it has none).
 * 0 or -EINVAL. */
static int images_unpack(JournalRecord *rec, const ProtobufCBinaryData *b)
{
	RecordChanges *rc = record_changes__unpack(NULL, b->len, b->data);

	if (rc == NULL)
		return -EINVAL;
	rec->after = rc->after;
	rec->n_after = rc->n_after;
	rec->before = rc->before;
	rec->n_before = rc->n_before;
	rc->after = rc->before = NULL;
	rc->n_after = rc->n_before = 0;
	record_changes__free_unpacked(rc, NULL);
	return 0;
}

/* Whether b lies in the journal's contents as read at the start. */
static bool in_loaded(const struct cfgd_running *rf, const ProtobufCBinaryData *b)
{
	return rf->loaded && b->data >= rf->loaded && b->data < rf->loaded + rf->loaded_len;
}

/* Let go of a history record's packed changes. */
static void changes_drop(struct cfgd_running *rf, ProtobufCBinaryData *b)
{
	if (!in_loaded(rf, b)) {
		free(b->data);
	} else if (--rf->loaded_refs == 0) {
		free(rf->loaded);
		rf->loaded = NULL;
		rf->loaded_len = 0;
	}
	b->data = NULL;
	b->len = 0;
}

/* Keep rec (taken: metadata only, no images, no changes) as the newest
 * history record, with its changes packed in changes (taken). */
static void hist_add(struct cfgd *d, JournalRecord *rec, ProtobufCBinaryData changes)
{
	struct cfgd_running *rf = d->rf;

	rf->history = xrealloc(rf->history, (rf->n_history + 1) * sizeof(*rf->history));
	rf->packed = xrealloc(rf->packed, (rf->n_history + 1) * sizeof(*rf->packed));
	rf->history[rf->n_history] = rec;
	rf->packed[rf->n_history] = changes;
	rf->n_history++;
}

/* Keep rec (taken, with its images or their packed changes) as the newest
 * history record: its changes stay packed as the journal holds them. */
static void hist_push(struct cfgd *d, JournalRecord *rec)
{
	ProtobufCBinaryData b;

	changes_fold(rec);
	b = rec->changes;
	rec->changes.data = NULL;
	rec->changes.len = 0;
	rec->has_changes = 0;
	images_free(rec);
	hist_add(d, rec, b);
}

/* History record i's whole record with its images, unpacked (free it with
 * journal_record__free_unpacked), or NULL if it cannot be read back. */
static JournalRecord *hist_full(const struct cfgd *d, size_t i)
{
	JournalRecord *rec = (JournalRecord *)pbr_msg_dup(&d->rf->history[i]->base);

	if (rec && images_unpack(rec, &d->rf->packed[i]) < 0) {
		journal_record__free_unpacked(rec, NULL);
		return NULL;
	}
	return rec;
}

/* History record i as the journal holds it, with its current label and
 * trial (journal_payload_fn for a compaction). */
static uint8_t *hist_payload(void *arg, size_t i, size_t *len)
{
	struct cfgd *d = arg;
	JournalRecord *rec = d->rf->history[i];
	uint8_t *buf;

	rec->has_changes = 1;
	rec->changes = d->rf->packed[i];
	buf = pbr_pack(&rec->base, len);
	rec->has_changes = 0;
	rec->changes.data = NULL;
	rec->changes.len = 0;
	return buf;
}

/* Forget the oldest records beyond STORE_HISTORY_MAX (the journal file
 * keeps them until a compaction finds the checkpoint holds them). */
static void hist_trim(struct cfgd *d)
{
	struct cfgd_running *rf = d->rf;
	size_t drop = 0;

	while (rf->n_history - drop > STORE_HISTORY_MAX) {
		journal_record__free_unpacked(rf->history[drop], NULL);
		changes_drop(rf, &rf->packed[drop]);
		drop++;
	}
	if (drop) {
		memmove(rf->history, rf->history + drop,
			(rf->n_history - drop) * sizeof(*rf->history));
		memmove(rf->packed, rf->packed + drop,
			(rf->n_history - drop) * sizeof(*rf->packed));
		rf->n_history -= drop;
	}
}

ssize_t persist_find(const struct cfgd *d, uint64_t id)
{
	for (size_t i = 0; i < d->rf->n_history; i++)
		if (d->rf->history[i]->commit_id == id)
			return (ssize_t)i;
	return -1;
}

static void set_trial(struct cfgd *d, const Trial *t)
{
	if (d->rf->trial)
		trial__free_unpacked(d->rf->trial, NULL);
	d->rf->trial = t ? (Trial *)pbr_msg_dup(&t->base) : NULL;
}

/* ---- images ---- */

/* The own fields an image carries, unpacked as the node's type; NULL for
 * an absent node.  -EINVAL when the path or the bytes do not fit the
 * schema. */
static int image_own(const NodeImage *im, ProtobufCMessage **out)
{
	const ProtobufCMessageDescriptor *d =
		ct_path_desc(&config__descriptor, im->path, im->n_path);

	*out = NULL;
	if (d == NULL)
		return -EINVAL;
	if (!im->has_own)
		return 0;
	*out = protobuf_c_message_unpack(d, NULL, im->own.len, im->own.data);
	return *out ? 0 : -EINVAL;
}

static int apply_images(struct ct_node *run, NodeImage *const *v, size_t n, uint64_t id)
{
	for (size_t i = 0; i < n; i++) {
		ProtobufCMessage *own;
		int rc = image_own(v[i], &own);

		if (rc == 0)
			rc = ct_put_at(run, v[i]->path, v[i]->n_path, own, id, v[i]->prev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct images {
	NodeImage **v;
	size_t n, cap;
};

static NodeImage *image_add(struct images *im, char *const *path, size_t n,
			    const ProtobufCMessage *own)
{
	NodeImage *x = xmalloc(sizeof(*x));

	node_image__init(x);
	x->path = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		x->path[i] = xstrdup(path[i]);
	x->n_path = n;
	if (own) {
		x->has_own = 1;
		x->own.data = pbr_pack(own, &x->own.len);
	}
	if (im->n == im->cap)
		im->v = xrealloc(im->v, (im->cap = im->cap ? im->cap * 2 : 16) * sizeof(*im->v));
	im->v[im->n++] = x;
	return x;
}

/* The key of list element r's neighbour before it, "" for the first (a
 * string of the tree's). */
static const char *prev_key(const struct ct_node *r)
{
	return r->prev ? r->prev->key : "";
}

/* Images of r and everything below it, parents first; r's with its place
 * (NodeImage.prev) when it is a list element, so that undoing its removal
 * puts it back there. */
static void image_subtree(struct images *im, const struct ct_node *r, bool top)
{
	size_t n;
	char **path = ct_path_of(r, &n);
	NodeImage *x = image_add(im, path, n, r->own);

	if (top && r->key)
		x->prev = xstrdup(prev_key(r));
	free(path);
	for (unsigned i = 0; i < r->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &r->desc->fields[i];

		if (!ct_child_field(f))
			continue;
		for (const struct ct_node *c = ct_first(r, f); c; c = c->next)
			image_subtree(im, c, false);
	}
}

struct change_ctx {
	struct images after, before;
};

static void on_change(const struct ct_node *o, const struct ct_node *r, void *arg)
{
	struct change_ctx *cc = arg;
	size_t n;
	char **path = ct_path_of(o, &n);

	NodeImage *x = image_add(&cc->after, path, n, o->state == CT_SET ? o->own : NULL);

	/* A list element put back in place (cand.h: cand_changes). */
	if (o->state == CT_SET && r == NULL && o->key && o->anchor)
		x->prev = xstrdup(o->anchor);
	if (r && o->state == CT_DEL)
		image_subtree(&cc->before, r, true);
	else
		image_add(&cc->before, path, n, r ? r->own : NULL);
	free(path);
}

/* ---- checkpoints ---- */

static void ckpt_poll(struct loop *loop, void *arg);

static void ckpt_start(struct cfgd *d)
{
	pid_t pid;

	pid_t parent = getpid();

	d->since_ckpt = 0;
	d->replay_at_ckpt = d->replay_bytes;
	pid = fork();
	if (pid < 0) {
		log_warn("checkpoint: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		Config *cfg;
		int rc;

		/* Hold none of cfgd's sockets: a killed cfgd must look gone to
		 * its peers at once, not when the checkpoint is written; and
		 * die with cfgd, so a restarted one never races an orphan
		 * writing an older checkpoint. */
		(void)close_range(3, ~0U, 0);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		cfg = (Config *)ct_materialize(d->run);
		rc = store_save_checkpoint(d->bs, d->rf->commit_id, cfg);
		_exit(rc < 0 ? 1 : 0);
	}
	d->ckpt_pid = pid;
	d->ckpt_pending = d->rf->commit_id;
	d->ckpt_timer = loop_timer_add(d->loop, CKPT_POLL_MS * 1000u, ckpt_poll, d);
}

/* Rewrite the journal to the records still needed. */
static void compact(struct cfgd *d)
{
	int rc;

	if (d->journal_records <= 2 * STORE_HISTORY_MAX)
		return;
	/* Every record after the checkpoint must stay: they rebuild running. */
	if (d->rf->n_history && d->rf->history[0]->commit_id > d->ckpt_id + 1)
		return;
	rc = journal_rewrite_payloads(d->journal, d->rf->n_history, hist_payload, d);
	if (rc < 0) {
		log_warn("journal: compaction failed: %s", strerror(-rc));
		return;
	}
	log_debug("journal compacted to %zu records (%" PRIu64 " bytes)", d->rf->n_history,
		  journal_size(d->journal));
	d->journal_records = d->rf->n_history;
}

static void ckpt_done(struct cfgd *d, int status)
{
	d->ckpt_pid = 0;
	d->ckpt_timer = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		d->ckpt_id = d->ckpt_pending;
		d->replay_bytes -= d->replay_at_ckpt;
		log_debug("checkpoint at commit %" PRIu64, d->ckpt_id);
		compact(d);
	} else {
		log_warn("checkpoint of commit %" PRIu64 " failed; the journal keeps everything",
			 d->ckpt_pending);
		d->since_ckpt = CKPT_EVERY;   /* try again at the next commit */
	}
}

static void ckpt_poll(struct loop *loop, void *arg)
{
	struct cfgd *d = arg;
	int status;
	pid_t r = waitpid(d->ckpt_pid, &status, WNOHANG);

	if (r == d->ckpt_pid || (r < 0 && errno == ECHILD)) {
		ckpt_done(d, r < 0 ? 1 << 8 : status);
		return;
	}
	d->ckpt_timer = loop_timer_add(loop, CKPT_POLL_MS * 1000u, ckpt_poll, d);
}

static void ckpt_kick(struct loop *loop, void *arg)
{
	struct cfgd *d = arg;

	(void)loop;
	d->ckpt_timer = 0;
	ckpt_start(d);
}

/* A checkpoint when one is due: started from the loop, after the commit
 * that made it due has been answered (the fork costs the size of cfgd's
 * memory, which no commit should wait for). */
static void maybe_checkpoint(struct cfgd *d)
{
	if (d->ckpt_pid || d->ckpt_timer)
		return;
	if (++d->since_ckpt >= CKPT_EVERY || d->replay_bytes > CKPT_REPLAY_BYTES)
		d->ckpt_timer = loop_timer_add(d->loop, 0, ckpt_kick, d);
}

/* ---- start ---- */

/* The varint at *p (before end), moving *p past it: 0, or -EINVAL. */
static int wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EINVAL;
}

/* The field of a packed message at *p (before end), moving *p past it:
 * its tag and, for a length-delimited field, its bytes (*body, *n).  0, or
 * -EINVAL when it is not well formed (or a group: not protobuf-c's). */
static int wire_field(const uint8_t **p, const uint8_t *end, unsigned *tag,
		      const uint8_t **body, uint64_t *n)
{
	uint64_t key;

	*body = NULL;
	*n = 0;
	if (wire_varint(p, end, &key) < 0)
		return -EINVAL;
	*tag = (unsigned)(key >> 3);
	switch (key & 7) {
	case 0:
		return wire_varint(p, end, n);
	case 1:
	case 5:
		*n = (key & 7) == 1 ? 8 : 4;
		break;
	case 2:
		if (wire_varint(p, end, n) < 0)
			return -EINVAL;
		*body = *p;
		break;
	default:
		return -EINVAL;
	}
	if (*n > (uint64_t)(end - *p))
		return -EINVAL;
	*p += *n;
	return 0;
}

/* A packed JournalRecord as the history keeps it: every field but
 * `changes` unpacked (copied out of buf first: a few dozen bytes), and
 * `changes` left packed, a slice of buf (*changes, *has when present).  So
 * reading the journal's 100,000-line commit costs its checksum, not a copy
 * or an unpacking of its images.  NULL when buf is not a record (what
 * unpacking it whole would refuse at its top level). */
static JournalRecord *record_meta(const uint8_t *buf, size_t len, ProtobufCBinaryData *changes,
				  bool *has)
{
	static unsigned changes_tag;
	const uint8_t *p = buf, *end = buf + len, *body;
	JournalRecord *rec;
	uint8_t *meta;
	size_t mlen = 0;
	unsigned tag;
	uint64_t n;

	if (changes_tag == 0)
		changes_tag = protobuf_c_message_descriptor_get_field_by_name(
			&journal_record__descriptor, "changes")->id;
	*has = false;
	while (p < end) {   /* where `changes` is, and the size of the rest */
		const uint8_t *field = p;

		if (wire_field(&p, end, &tag, &body, &n) < 0)
			return NULL;
		if (tag == changes_tag && body) {
			/* The last one counts, as unpacking does. */
			changes->data = n ? (uint8_t *)body : NULL;
			changes->len = n;
			*has = true;
		} else {
			mlen += (size_t)(p - field);
		}
	}
	meta = xmalloc(mlen ? mlen : 1);
	mlen = 0;
	for (p = buf; p < end;) {
		const uint8_t *field = p;

		(void)wire_field(&p, end, &tag, &body, &n);   /* well formed: seen above */
		if (tag != changes_tag || !body) {
			memcpy(meta + mlen, field, (size_t)(p - field));
			mlen += (size_t)(p - field);
		}
	}
	rec = journal_record__unpack(NULL, mlen, meta);
	free(meta);
	return rec;
}

/* One record of the journal at the start (journal_frame_cb): a commit
 * after the checkpoint is applied to the tree, and every commit joins the
 * history with its changes left packed where the journal was read. */
static int on_frame(const uint8_t *payload, size_t len, void *arg, char *err, size_t errlen)
{
	struct cfgd *d = arg;
	struct cfgd_running *rf = d->rf;
	ProtobufCBinaryData changes = { 0, NULL };
	bool has_changes;
	JournalRecord *rec = record_meta(payload, len, &changes, &has_changes);
	ssize_t at;
	int rc = 0;

	if (rec == NULL)
		return JOURNAL_FRAME_BAD;
	d->journal_records++;
	switch (rec->kind) {
	case JOURNAL_RECORD__KIND__COMMIT:
		if (rec->commit_id > rf->commit_id) {
			if (rf->commit_id >= COMMIT_ID_FIRST && rec->commit_id != rf->commit_id + 1) {
				snprintf(err, errlen, "the journal jumps from commit %" PRIu64 " to %"
					 PRIu64 ": records are missing", rf->commit_id,
					 rec->commit_id);
				journal_record__free_unpacked(rec, NULL);
				return -EINVAL;
			}
			/* The images are packed in `changes`, but for a record of an
			 * earlier version, which holds them itself. */
			if (has_changes && !rec->n_after && !rec->n_before)
				rc = images_unpack(rec, &changes);
			if (rc == 0)
				rc = apply_images(d->run, rec->after, rec->n_after, rec->commit_id);
			if (rc < 0) {
				snprintf(err, errlen, "the journal's commit %" PRIu64 " does not "
					 "apply to the configuration before it", rec->commit_id);
				journal_record__free_unpacked(rec, NULL);
				return rc;
			}
			rf->commit_id = rec->commit_id;
			d->replay_bytes += len;
		}
		set_trial(d, rec->trial);
		if (has_changes) {
			images_free(rec);
			if (changes.data)
				rf->loaded_refs++;
			hist_add(d, rec, changes);
		} else {
			hist_push(d, rec);
		}
		return 0;
	case JOURNAL_RECORD__KIND__LABEL:
		at = persist_find(d, rec->commit_id);
		if (at >= 0) {
			JournalRecord *h = rf->history[at];

			free(h->label);
			h->label = rec->label ? xstrdup(rec->label) : NULL;
		}
		break;
	case JOURNAL_RECORD__KIND__TRIAL_END:
		if (rf->trial && rf->trial->commit_id == rec->commit_id)
			set_trial(d, NULL);
		at = persist_find(d, rec->commit_id);
		if (at >= 0 && rf->history[at]->trial) {
			trial__free_unpacked(rf->history[at]->trial, NULL);
			rf->history[at]->trial = NULL;
		}
		break;
	default:
		log_warn("journal: a record of unknown kind %d skipped", (int)rec->kind);
		break;
	}
	journal_record__free_unpacked(rec, NULL);
	return 0;
}

/* Secrets an earlier version journalled in clear (store.c converted the
 * checkpoint and startup files as it read them): sealed in running now,
 * so they are published and checkpointed sealed; until the next
 * checkpoint a restart converts them again (with a new nonce), and the
 * old records leave the journal when compaction drops them.  Secrets
 * sealed on another device's key are named: nothing here can open them. */
static int seal_loaded_secrets(struct cfgd *d, char *err, size_t errlen)
{
	int foreign = 0, n = secret_seal_tree(d->run, secret_device_key(), &foreign);

	if (n < 0) {
		snprintf(err, errlen, "cannot encrypt the journal's secrets: %s",
			 secret_strerror(n));
		return n;
	}
	if (n > 0)
		log_info("journal: %d secret(s) converted to the encrypted form", n);
	if (foreign)
		log_warn("running configuration: %d secret(s) were encrypted under another "
			 "device's key and cannot be used here: enter them again", foreign);
	return 0;
}

int persist_load(struct cfgd *d, char *err, size_t errlen)
{
	/* The checkpoint's messages become the tree's nodes' own (ct_adopt),
	 * unpacked into an arena the nodes are carved from too. */
	struct ct_arena *arena = ct_arena_new();
	ProtobufCAllocator *alloc = ct_arena_allocator(arena);
	enum store_origin origin;
	RunningFile *base = NULL;
	uint64_t base_id;
	char path[4096];
	int rc;

	d->rf = xcalloc(1, sizeof(*d->rf));
	rc = store_load(d->bs, alloc, &base, &origin, err, errlen);
	if (rc < 0) {
		ct_arena_release(arena);
		return rc;
	}
	d->run = ct_root_new(&config__descriptor);
	if (origin == STORE_CHECKPOINT) {
		ct_adopt_arena(d->run, &base->config->base, base->commit_id, arena);
	} else {
		ct_adopt(d->run, &base->config->base, base->commit_id);
		alloc = NULL;
	}
	base->config = NULL;   /* the tree's now */
	base_id = base->commit_id;
	running_file__free_unpacked(base, alloc);
	ct_arena_release(arena);   /* the tree holds it, if it took anything */
	d->rf->commit_id = base_id;
	d->ckpt_id = base_id;
	if (store_journal_path(d->bs, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s/journal: path too long", d->bs->run_dir);
		return -ENAMETOOLONG;
	}
	if (origin != STORE_CHECKPOINT && access(path, F_OK) == 0) {
		snprintf(err, errlen, "the journal %s has no checkpoint to start from "
			 "(RUN_DIR/checkpoint is missing): refusing to guess the configuration", path);
		return -EINVAL;
	}
	(void)mkdir(d->bs->run_dir, 0755);
	rc = journal_open_frames(path, on_frame, d, &d->rf->loaded, &d->rf->loaded_len,
				 &d->journal, err, errlen);
	if (d->rf->loaded_refs == 0) {
		free(d->rf->loaded);   /* no history record's changes are in it */
		d->rf->loaded = NULL;
		d->rf->loaded_len = 0;
	}
	if (rc == 0 && origin != STORE_CHECKPOINT) {
		/* The journal must sit on a checkpoint from its first record. */
		Config *cfg = (Config *)ct_materialize(d->run);

		rc = store_save_checkpoint(d->bs, base_id, cfg);
		config__free_unpacked(cfg, NULL);
		if (rc < 0)
			snprintf(err, errlen, "cannot write the checkpoint in %s: %s",
				 d->bs->run_dir, strerror(-rc));
		else if (origin == STORE_LEGACY)
			store_remove_legacy(d->bs);
	}
	if (rc < 0)
		return rc;
	rc = seal_loaded_secrets(d, err, errlen);
	if (rc < 0)
		return rc;
	if (d->rf->commit_id != d->ckpt_id)
		log_info("running configuration: checkpoint of commit %" PRIu64 " and %" PRIu64
			 " journalled commit(s)", d->ckpt_id, d->rf->commit_id - d->ckpt_id);
	hist_trim(d);
	return 0;
}

void persist_fini(struct cfgd *d)
{
	if (d->ckpt_pid) {
		/* A checkpoint being written is let finish, for a while: the
		 * next start then reads it instead of replaying the journal. */
		uint64_t until = loop_now_us() + CKPT_STOP_WAIT_MS * 1000ull;
		int status;

		while (waitpid(d->ckpt_pid, &status, WNOHANG) == 0) {
			if (loop_now_us() > until) {
				kill(d->ckpt_pid, SIGKILL);
				(void)waitpid(d->ckpt_pid, &status, 0);
				break;
			}
			(void)nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		}
		d->ckpt_pid = 0;
	}
	if (d->ckpt_timer)
		loop_timer_cancel(d->loop, d->ckpt_timer);
	d->ckpt_timer = 0;
	journal_close(d->journal);
	d->journal = NULL;
	if (d->rf) {
		for (size_t i = 0; i < d->rf->n_history; i++) {
			journal_record__free_unpacked(d->rf->history[i], NULL);
			changes_drop(d->rf, &d->rf->packed[i]);
		}
		free(d->rf->history);
		free(d->rf->packed);
		set_trial(d, NULL);
		ct_arena_release(d->rf->config_arena);
		free(d->rf);
		d->rf = NULL;
	}
}

/* ---- records ---- */

static int append(struct cfgd *d, JournalRecord *rec)
{
	size_t na = rec->n_after, nb = rec->n_before;
	uint64_t size = journal_size(d->journal);
	int rc;

	if (na || nb)
		changes_fold(rec);
	rec->n_after = rec->n_before = 0;   /* written folded */
	rc = journal_append(d->journal, &rec->base, true);
	rec->n_after = na;
	rec->n_before = nb;
	if (rc == 0) {
		d->journal_records++;
		if (rec->kind == JOURNAL_RECORD__KIND__COMMIT)
			d->replay_bytes += journal_size(d->journal) - size;
	} else {
		log_err("journal: %s", strerror(-rc));
	}
	return rc;
}

int persist_commit(struct cfgd *d, const struct cand *c, uint64_t id, const char *user,
		   const char *line, const char *label, const char *description,
		   JournalRecord **out)
{
	struct change_ctx cc = { { 0 }, { 0 } };
	JournalRecord *rec = xmalloc(sizeof(*rec));
	Trial *trial = NULL;
	int rc;

	journal_record__init(rec);
	cand_changes(c, d->run, on_change, &cc);
	rec->kind = JOURNAL_RECORD__KIND__COMMIT;
	rec->commit_id = id;
	rec->user = xstrdup(user);
	rec->line = xstrdup(line);
	rec->has_time = 1;
	rec->time = (uint64_t)time(NULL);
	rec->label = label ? xstrdup(label) : NULL;
	rec->description = description ? xstrdup(description) : NULL;
	rec->after = cc.after.v;
	rec->n_after = cc.after.n;
	rec->before = cc.before.v;
	rec->n_before = cc.before.n;
	if (d->trial_seconds) {
		trial = xmalloc(sizeof(*trial));
		trial__init(trial);
		trial->commit_id = id;
		trial->until_ms = trial_now_ms() + d->trial_seconds * 1000ull;
		trial->has_seconds = 1;
		trial->seconds = d->trial_seconds;
		trial->user = xstrdup(user);
		rec->trial = trial;
	}
	rc = append(d, rec);
	if (rc < 0) {
		journal_record__free_unpacked(rec, NULL);
		return rc;
	}
	rc = apply_images(d->run, rec->after, rec->n_after, id);
	if (rc < 0)
		fatal("commit %" PRIu64 ": journalled changes do not apply to running", id);
	d->rf->commit_id = id;
	/* The view of running shared what the tree just freed: gone too. */
	ct_arena_release(d->rf->config_arena);
	d->rf->config_arena = NULL;
	d->rf->config = NULL;
	set_trial(d, trial);
	*out = rec;
	return 0;
}

void persist_keep(struct cfgd *d, JournalRecord *rec)
{
	bool big = rec->n_after + rec->n_before > 10000;

	hist_push(d, rec);
	hist_trim(d);
	/* A big commit's transient memory (images, overlay, edits) back to
	 * the system (glibc). */
	if (big)
		malloc_trim(0);
	maybe_checkpoint(d);
}

int persist_label(struct cfgd *d, JournalRecord *h, const char *label)
{
	JournalRecord rec = JOURNAL_RECORD__INIT;
	int rc;

	rec.kind = JOURNAL_RECORD__KIND__LABEL;
	rec.commit_id = h->commit_id;
	rec.label = (char *)label;
	rc = append(d, &rec);
	if (rc < 0)
		return rc;
	free(h->label);
	h->label = label ? xstrdup(label) : NULL;
	return 0;
}

int persist_trial_end(struct cfgd *d)
{
	JournalRecord rec = JOURNAL_RECORD__INIT;
	ssize_t at;
	int rc;

	if (!d->rf->trial)
		return 0;
	rec.kind = JOURNAL_RECORD__KIND__TRIAL_END;
	rec.commit_id = d->rf->trial->commit_id;
	rc = append(d, &rec);
	if (rc < 0)
		return rc;
	at = persist_find(d, rec.commit_id);
	if (at >= 0 && d->rf->history[at]->trial) {
		trial__free_unpacked(d->rf->history[at]->trial, NULL);
		d->rf->history[at]->trial = NULL;
	}
	set_trial(d, NULL);
	return 0;
}

void persist_undo_into(const struct cfgd *d, struct cand *c, size_t from)
{
	for (size_t i = d->rf->n_history; i-- > from;) {
		JournalRecord *rec = hist_full(d, i);

		if (rec == NULL)
			continue;   /* packed by us: cannot happen */
		for (size_t k = 0; k < rec->n_before; k++) {
			ProtobufCMessage *own;

			if (image_own(rec->before[k], &own) < 0)
				continue;   /* checked when it was read */
			(void)cand_put(c, d->run, rec->before[k]->path, rec->before[k]->n_path, own,
				       rec->before[k]->prev);
			if (own)
				protobuf_c_message_free_unpacked(own, NULL);
		}
		journal_record__free_unpacked(rec, NULL);
	}
}

/* ---- what changed since a commit (a restored session's conflicts) ---- */

#define MOVED_SET 1u
#define MOVED_DEL 2u

static void mark_path(struct ct_node *root, char *const *path, size_t n, unsigned flag)
{
	struct ct_node *node = root;

	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(node->desc, path, n, i, &f, &key);
		struct ct_node *c;

		if (step < 0 || !ct_child_field(f))
			return;
		c = ct_child(node, f, key);
		if (c == NULL)
			c = ct_child_add(node, f, key);
		node = c;
		i += (size_t)step;
	}
	node->flags |= flag;
}

/* The paths the records after `since` changed, or NULL when some of those
 * records are no longer kept (*unknown). */
static struct ct_node *changed_since(const struct cfgd *d, uint64_t since, bool *unknown)
{
	const struct cfgd_running *rf = d->rf;
	struct ct_node *marks;

	*unknown = false;
	if (since >= rf->commit_id)
		return NULL;
	if (rf->n_history == 0 || rf->history[0]->commit_id > since + 1) {
		*unknown = true;
		return NULL;
	}
	marks = ct_root_new(&config__descriptor);
	for (size_t i = 0; i < rf->n_history; i++) {
		JournalRecord *rec;

		if (rf->history[i]->commit_id <= since || !(rec = hist_full(d, i)))
			continue;
		for (size_t k = 0; k < rec->n_after; k++)
			mark_path(marks, rec->after[k]->path, rec->after[k]->n_path,
				  rec->after[k]->has_own ? MOVED_SET : MOVED_DEL);
		journal_record__free_unpacked(rec, NULL);
	}
	return marks;
}

static bool marked_below(const struct ct_node *n)
{
	for (unsigned i = 0; i < n->desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &n->desc->fields[i];

		if (!ct_child_field(f))
			continue;
		for (const struct ct_node *c = ct_first(n, f); c; c = c->next)
			if (c->flags || marked_below(c))
				return true;
	}
	return false;
}

bool persist_moved_since(uint64_t since, char *const *path, size_t n, bool subtree, bool existed,
			 void *arg)
{
	struct cfgd *d = arg;
	const struct ct_node *node;
	bool unknown;

	if (d->moved_marks == NULL || d->moved_since != since) {
		ct_free(d->moved_marks);
		d->moved_marks = changed_since(d, since, &unknown);
		d->moved_since = since;
		d->moved_unknown = unknown;
	}
	if (d->moved_unknown)
		return true;
	if (d->moved_marks == NULL)
		return false;
	node = d->moved_marks;
	for (size_t i = 0; i < n;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		int step = ct_path_step(node->desc, path, n, i, &f, &key);

		if (step < 0 || !ct_child_field(f))
			return true;   /* not a node path: say moved, to be safe */
		node = ct_child(node, f, key);
		if (node == NULL)
			return false;
		if ((node->flags & MOVED_DEL) && i + (size_t)step < n && existed)
			return true;   /* an ancestor was removed, with what it held */
		i += (size_t)step;
	}
	return node->flags != 0 || (subtree && marked_below(node));
}

void persist_moved_done(struct cfgd *d)
{
	ct_free(d->moved_marks);
	d->moved_marks = NULL;
}
