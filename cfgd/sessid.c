/*
 * sessid.c: session ids unique across cfgd restarts.
 *
 * A front end keeps the id cfgd gave its session and names it in every
 * request; cfgd finds the session by that id alone.  If a restarted cfgd
 * gave the same id to another front end's new session, the first front end
 * would be attached to it without knowing (its edits gone, its commit
 * committing someone else's changes).  So an id is (epoch << 32) | n: the
 * epoch is taken once per start, one more than the last start's, recorded
 * in RUN_DIR/cfgd.epoch (fileio_replace: written to a temporary file,
 * fsync'd, renamed, the directory fsync'd) before cfgd serves anyone; n counts from 1 within
 * the start.  Two starts within the same second still differ, and a cfgd
 * killed at any moment has recorded its epoch before giving out an id of it.
 *
 * RUN_DIR is on tmpfs: a reboot forgets the epoch and starts at 1 again,
 * which is safe because every front end restarted too (their sessions are
 * gone with them).  A file that cannot be read as a number (it was written
 * by something else) is replaced by the wall clock's seconds, far above
 * any epoch counted from 1 (unless the clock is back in 1970 at the same
 * time: two faults at once).  A start that cannot record its epoch
 * fails: serving sessions without it would risk the reuse this prevents.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "sessid.h"

void sessid_init(struct sessid *g)
{
	memset(g, 0, sizeof(*g));
	g->next = 1;
}

void sessid_free(struct sessid *g)
{
	free(g->dir);
	g->dir = NULL;
}

/* The epoch recorded in path: 0 with *epoch (0 when there is no file),
 * -EBADMSG when the file holds no epoch, or -errno. */
static int epoch_read(const char *path, uint32_t *epoch)
{
	char buf[32], *end;
	unsigned long long v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*epoch = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0') || v > UINT32_MAX)
		return -EBADMSG;
	*epoch = (uint32_t)v;
	return 0;
}

/* Take the epoch after the one recorded in g->dir and record it. */
static int epoch_take(struct sessid *g, char *err, size_t errlen)
{
	char path[4096], text[16];
	uint32_t last;
	int r, len;

	if (snprintf(path, sizeof(path), "%s/%s", g->dir, SESSID_EPOCH_FILE) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: the path is too long", g->dir);
		return -ENAMETOOLONG;
	}
	r = epoch_read(path, &last);
	if (r == -EBADMSG) {
		last = (uint32_t)time(NULL);
		log_warn("%s holds no session epoch: continuing from %" PRIu32, path, last);
	} else if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	if (last == UINT32_MAX) {
		snprintf(err, errlen, "%s: the session epochs are used up", path);
		return -EOVERFLOW;
	}
	len = snprintf(text, sizeof(text), "%" PRIu32 "\n", last + 1);
	r = fileio_replace(path, text, (size_t)len, 0644);
	if (r < 0) {
		snprintf(err, errlen, "cannot record the session epoch in %s: %s", path,
			 strerror(-r));
		return r;
	}
	g->epoch = last + 1;
	g->next = 1;
	return 0;
}

int sessid_start(struct sessid *g, const char *run_dir, char *err, size_t errlen)
{
	int r;

	free(g->dir);
	g->dir = xstrdup(run_dir);
	r = epoch_take(g, err, errlen);
	if (r < 0) {
		free(g->dir);
		g->dir = NULL;
	}
	return r;
}

uint64_t sessid_next(struct sessid *g)
{
	if (g->next == 0) {
		/* 2^32 - 1 sessions in one start: take a new epoch. */
		char err[4400];
		int r;

		if (g->dir == NULL) {
			g->epoch++;
			g->next = 1;
		} else {
			r = epoch_take(g, err, sizeof(err));
			if (r < 0) {
				log_warn("no session id: %s", err);
				return 0;
			}
		}
	}
	return (uint64_t)g->epoch << 32 | g->next++;
}
