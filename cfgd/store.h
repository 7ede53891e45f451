/*
 * store.h: where the configuration lives on disk.
 *
 * RUN_DIR/checkpoint       RunningFile (commit_id and config only): running
 *                          as of one commit, binary (a journal-framed,
 *                          checksummed record), written atomically in the
 *                          background every few commits (persist.c).
 * RUN_DIR/journal          the commits since, and the history (journal.h).
 * RUN_DIR/running.conf     the whole-file store of earlier versions: read
 *                          once as a checkpoint when no checkpoint exists
 *                          (an upgrade), then removed.
 * STATE_DIR/startup.conf   Config written by `save`; loaded at a cold start
 *                          (RUN_DIR empty, as after a reboot: a tmpfs).
 * The other files are libconfig text (common/pbconf).
 */
#ifndef CFGD_STORE_H
#define CFGD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"

struct bootstrap;

/* History kept: at least this many commits. */
#define STORE_HISTORY_MAX 100

/* Where a loaded base configuration came from. */
enum store_origin {
	STORE_CHECKPOINT,   /* RUN_DIR/checkpoint */
	STORE_LEGACY,       /* RUN_DIR/running.conf of an earlier version */
	STORE_STARTUP,      /* STATE_DIR/startup.conf (a cold start) */
	STORE_EMPTY,        /* nothing saved anywhere */
};

/* Load the base of running: the checkpoint, else a legacy running.conf,
 * else startup.conf (commit id 0), else an empty configuration.  0 with
 * *out (commit_id and a config, owned by the caller:
 * running_file__free_unpacked) and *origin, or a negative errno with a
 * sentence in err naming the file: a file that exists but cannot be read is
 * never replaced silently by something older or emptier.  A checkpoint is
 * unpacked with alloc (NULL: malloc; free it with the same), the other
 * origins always with malloc. */
int store_load(const struct bootstrap *bs, ProtobufCAllocator *alloc, RunningFile **out,
	       enum store_origin *origin, char *err, size_t errlen);

/* Write commit id's configuration cfg as RUN_DIR/checkpoint, atomically
 * (mode 0600).  0 or -errno. */
int store_save_checkpoint(const struct bootstrap *bs, uint64_t id, const Config *cfg);
/* Remove a legacy running.conf (once a checkpoint holds it). */
void store_remove_legacy(const struct bootstrap *bs);

/* Read STATE_DIR/startup.conf: 0 with *out owned by the caller
 * (config__free_unpacked), -ENOENT when nothing was saved, or another
 * negative errno with a sentence in err naming the file. */
int store_load_startup(const struct bootstrap *bs, Config **out, char *err, size_t errlen);

/* Write cfg to STATE_DIR/startup.conf atomically.  0 or -errno. */
int store_save_startup(const struct bootstrap *bs, const Config *cfg);

/* Paths of the files above into buf.  0 or -ENAMETOOLONG. */
int store_checkpoint_path(const struct bootstrap *bs, char *buf, size_t len);
int store_journal_path(const struct bootstrap *bs, char *buf, size_t len);
int store_running_path(const struct bootstrap *bs, char *buf, size_t len);
int store_startup_path(const struct bootstrap *bs, char *buf, size_t len);

#endif
