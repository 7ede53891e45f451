/*
 * harness_cfgd.h: the fuzz harness of cfgd's ctl requests, shared by the
 * libFuzzer target (fuzz_cfgd.c, built with clang by tests/fuzz/run-smoke
 * --target cfgd) and the corpus replay (test_fuzz_cfgd.c, Criterion with
 * gcc+ASan).
 *
 * What it feeds: one input is a sequence of CfgRequest frames, each
 * [length: 2 bytes, big-endian][that many bytes] (a length past the end
 * takes what is left; at most FUZZ_CFGD_MAX_FRAMES frames).  They go, in
 * order, to ctl_request() (cfgd/ctl.c, the dispatcher of cfgd's ROUTER) of
 * an in-process cfgd started afresh for the input (cfgd_new) in an empty
 * RUN_DIR and STATE_DIR under /dev/shm, with a bootstrap declaring
 * GigabitEthernet0/1/0, GigabitEthernet0/2/0 and LoopBack0.  The session
 * epoch is 1 in every input, so the sessions an input opens are always
 * FUZZ_CFGD_SESSION(1), (2), ...: later frames can edit and commit them.
 *
 * The dispatcher is called directly, without sockets: the harness is linked
 * with -Wl,--wrap=bus_server_reply and its __wrap_bus_server_reply takes
 * every reply cfgd sends (packed and decoded again, as a client would) and
 * tells from the peer which frame it answers.  The loop is never run, so
 * nothing happens but what the frames do (no timer fires: trials do not
 * expire, a commit waiting for applies is answered only by an Applied frame).
 *
 * What it checks, after each frame:
 *   - a frame cfg_request__unpack() rejects, or that names no request, got
 *     exactly one reply, status -EBADMSG, and cfgd_bad_requests() counted it;
 *   - any other frame got exactly one reply (that decodes as a CfgReply
 *     with a status), or none when it is a commit, rollback or trial abort
 *     left waiting for subscribers (cfgd holds a pending commit); no reply
 *     ever goes to a peer that has had its answer (or never asked);
 *   - when the commit id moved, validate_config(running) finds no problem
 *     that the empty configuration did not have;
 * and after the last frame:
 *   - cfgd restarted on the same directories (cfgd_free, cfgd_new, as after
 *     a kill) comes back with the same commit id and the same running
 *     configuration (config_equal): no acknowledged commit is lost.
 * ASan/UBSan and libFuzzer's leak check cover the rest (crashes, leaks).

 * FUZZ_CFGD_TRACE=1 prints each frame's request case, reply status, error
 * and dirty flag, and the running configuration at the end, on stderr
 * (e.g. `FUZZ_CFGD_TRACE=1 ./fuzz_cfgd crash-...` to read a crash).
 */
#ifndef MERIDIAN_FUZZ_HARNESS_CFGD_H
#define MERIDIAN_FUZZ_HARNESS_CFGD_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_CFGD_MAX_FRAMES 64
/* The id cfgd gives the n-th session an input opens (epoch 1). */
#define FUZZ_CFGD_SESSION(n) ((1ULL << 32) | (uint64_t)(n))

/* What the inputs run so far did (for tests that the harness reaches deep). */
struct fuzz_cfgd_stats {
	uint64_t inputs, frames;
	uint64_t malformed;       /* frames answered -EBADMSG */
	uint64_t ok;              /* replies with status 0 */
	uint64_t refused;         /* replies with another status */
	uint64_t deferred;        /* commits left waiting for subscribers */
	uint64_t commits;         /* commit ids moved */
};
extern struct fuzz_cfgd_stats fuzz_cfgd_stats;

/* Run one input.  0, or -1 with a sentence in why (a broken invariant). */
int fuzz_cfgd_one(const uint8_t *data, size_t size, char *why, size_t whylen);
/* Remove the directory and free what is kept between inputs. */
void fuzz_cfgd_cleanup(void);

#endif
