/*
 * store.h: where the configuration lives on disk.
 *
 * RUN_DIR/running.conf    RunningFile: the last commit, its configuration
 *                         and the commit history; written atomically
 *                         (pbconf_save) before a commit is answered.
 * STATE_DIR/startup.conf  Config written by `save`; loaded at a cold start
 *                         (no running.conf).
 * Both are libconfig text (common/pbconf).
 */
#ifndef CFGD_STORE_H
#define CFGD_STORE_H

#include <stddef.h>
#include "cfgd.pb-c.h"

struct bootstrap;

#define STORE_HISTORY_MAX 100

/* Load the running state: running.conf if present, else startup.conf as a
 * first state (commit id 0, no history), else an empty configuration.
 * 0 with *out (always holding a config) owned by the caller
 * (running_file__free_unpacked), or a negative errno with a sentence in err
 * naming the file: a file that exists but cannot be read is never replaced
 * silently by something older or emptier. */
int store_load(const struct bootstrap *bs, RunningFile **out, char *err, size_t errlen);

/* Write rf to RUN_DIR/running.conf atomically.  0 or -errno. */
int store_save(const struct bootstrap *bs, const RunningFile *rf);

/* Read STATE_DIR/startup.conf: 0 with *out owned by the caller
 * (config__free_unpacked), -ENOENT when nothing was saved, or another
 * negative errno with a sentence in err naming the file. */
int store_load_startup(const struct bootstrap *bs, Config **out, char *err, size_t errlen);

/* Write cfg to STATE_DIR/startup.conf atomically.  0 or -errno. */
int store_save_startup(const struct bootstrap *bs, const Config *cfg);

/* Path of running.conf / startup.conf into buf.  0 or -ENAMETOOLONG. */
int store_running_path(const struct bootstrap *bs, char *buf, size_t len);
int store_startup_path(const struct bootstrap *bs, char *buf, size_t len);

#endif
