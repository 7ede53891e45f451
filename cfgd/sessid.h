/*
 * sessid.h: session ids that no cfgd start ever gives out twice (see
 * sessid.c and the top of session.c).
 */
#ifndef CFGD_SESSID_H
#define CFGD_SESSID_H

#include <stddef.h>
#include <stdint.h>

/* The file under RUN_DIR holding the last epoch taken. */
#define SESSID_EPOCH_FILE "cfgd.epoch"

struct sessid {
	char *dir;         /* RUN_DIR, or NULL: the epoch is not recorded */
	uint32_t epoch;    /* the high 32 bits of every id given out */
	uint32_t next;     /* the low 32 bits of the next one (from 1) */
};

/* An unpersisted generator: epoch 0, ids 1, 2, ... (for tests that have no
 * RUN_DIR; cfgd always calls sessid_start). */
void sessid_init(struct sessid *g);
/* Take this start's epoch: one more than the one recorded in
 * RUN_DIR/cfgd.epoch (1 when there is none), written back and fsync'd
 * before any id of it is given out.  0, or -errno with a sentence in err
 * (the file cannot be written: cfgd must not serve sessions then). */
int sessid_start(struct sessid *g, const char *run_dir, char *err, size_t errlen);
/* The next id (never 0), or 0 when the epoch ran out and a new one could
 * not be recorded. */
uint64_t sessid_next(struct sessid *g);
void sessid_free(struct sessid *g);

#endif
