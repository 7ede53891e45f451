/*
 * journal.c: the commit journal's file (see journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "pbreflect.h"

#define JOURNAL_MAGIC "MJR1"
#define HDR 12
#define RECORD_MAX (256u << 20)   /* a frame claiming more is corrupt */

struct journal {
	char *path;
	int fd;
	uint64_t size;
	unsigned torn;
};

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Frame a packed payload into a malloc'd buffer. */
static uint8_t *frame_packed(const uint8_t *data, size_t n, size_t *len)
{
	uint8_t *buf = xmalloc(HDR + n);

	if (n)
		memcpy(buf + HDR, data, n);
	memcpy(buf, JOURNAL_MAGIC, 4);
	put_le32(buf + 4, (uint32_t)n);
	put_le32(buf + 8, (uint32_t)crc32(0L, buf + HDR, (uInt)n));
	*len = HDR + n;
	return buf;
}

/* The framed record in a malloc'd buffer. */
static uint8_t *frame(const ProtobufCMessage *rec, size_t *len)
{
	size_t n;
	uint8_t *packed = pbr_pack(rec, &n), *buf = frame_packed(packed, n, len);

	free(packed);
	return buf;
}

/* Whether a whole, checksummed frame starts anywhere after off. */
static bool whole_frame_after(const uint8_t *buf, size_t len, size_t off)
{
	for (size_t p = off + 1; p + HDR <= len; p++) {
		uint32_t n;

		if (memcmp(buf + p, JOURNAL_MAGIC, 4) != 0)
			continue;
		n = get_le32(buf + p + 4);
		if (n <= RECORD_MAX && len - p - HDR >= n &&
		    get_le32(buf + p + 8) == (uint32_t)crc32(0L, buf + p + HDR, n))
			return true;
	}
	return false;
}

int journal_open_frames(const char *path, journal_frame_cb fn, void *arg, uint8_t **bufp,
			size_t *buflen, struct journal **out, char *err, size_t errlen)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	uint8_t *buf = NULL;
	size_t len = 0, off = 0;
	int rc;

	*out = NULL;
	*bufp = NULL;
	*buflen = 0;
	j->path = xstrdup(path);
	j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the journal %s: %s", path, strerror(errno));
		goto fail;
	}
	rc = fileio_read_fd(j->fd, &buf, &len);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read the journal %s: %s", path, strerror(-rc));
		goto fail;
	}
	*bufp = buf;   /* the caller's from here on, whatever happens */
	*buflen = len;
	while (off < len) {
		uint32_t n;

		if (len - off < HDR || memcmp(buf + off, JOURNAL_MAGIC, 4) != 0)
			break;
		n = get_le32(buf + off + 4);
		if (n > RECORD_MAX || len - off - HDR < n ||
		    get_le32(buf + off + 8) != (uint32_t)crc32(0L, buf + off + HDR, n))
			break;
		rc = fn(buf + off + HDR, n, arg, err, errlen);
		if (rc < 0)
			goto fail;
		if (rc == JOURNAL_FRAME_BAD)
			break;
		off += HDR + n;
	}
	if (off < len && whole_frame_after(buf, len, off)) {
		/* Not a tail torn by a crash: a record in the middle is bad
		 * and good ones follow.  Dropping them would lose what they
		 * hold; the operator decides (the file stays as it is). */
		rc = -EIO;
		snprintf(err, errlen, "the journal %s is corrupt at byte %zu, with whole records "
			 "after it: refusing to drop them", path, off);
		goto fail;
	}
	if (off < len) {
		j->torn = 1;
		log_warn("journal %s: %zu bytes after the last whole record (a record torn by a "
			 "crash) dropped", path, len - off);
		if (ftruncate(j->fd, (off_t)off) < 0 || fdatasync(j->fd) < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot cut the torn end of the journal %s: %s", path,
				 strerror(errno));
			goto fail;
		}
	}
	if (lseek(j->fd, (off_t)off, SEEK_SET) < 0) {
		rc = -errno;
		snprintf(err, errlen, "journal %s: %s", path, strerror(errno));
		goto fail;
	}
	j->size = off;
	*out = j;
	return 0;
fail:
	journal_close(j);
	return rc;
}

struct unpacking {
	const ProtobufCMessageDescriptor *desc;
	journal_record_cb fn;
	void *arg;
};

static int unpack_frame(const uint8_t *payload, size_t len, void *arg, char *err, size_t errlen)
{
	const struct unpacking *u = arg;
	ProtobufCMessage *rec = protobuf_c_message_unpack(u->desc, NULL, len, payload);

	if (rec == NULL)
		return JOURNAL_FRAME_BAD;
	return u->fn(rec, u->arg, err, errlen);
}

int journal_open(const char *path, const ProtobufCMessageDescriptor *desc, journal_record_cb fn,
		 void *arg, struct journal **out, char *err, size_t errlen)
{
	struct unpacking u = { desc, fn, arg };
	uint8_t *buf;
	size_t len;
	int rc = journal_open_frames(path, unpack_frame, &u, &buf, &len, out, err, errlen);

	free(buf);
	return rc;
}

void journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j);
}

int journal_append(struct journal *j, const ProtobufCMessage *rec, bool sync)
{
	size_t len;
	uint8_t *buf = frame(rec, &len);
	int rc = fileio_write_all(j->fd, buf, len);

	if (rc == 0 && sync && fdatasync(j->fd) < 0)
		rc = -errno;
	free(buf);
	if (rc < 0) {
		/* Cut back whatever part of it reached the file. */
		if (ftruncate(j->fd, (off_t)j->size) == 0)
			(void)lseek(j->fd, (off_t)j->size, SEEK_SET);
		return rc;
	}
	j->size += len;
	return 0;
}

/* Write the frames next(i) gives for i < n as the new journal. */
static int rewrite(struct journal *j, size_t n, uint8_t *(*next)(const void *, size_t, size_t *),
		   const void *arg)
{
	size_t plen = strlen(j->path);
	char *tmp = xmalloc(plen + 5);
	uint64_t size = 0;
	int fd, rc = 0;

	memcpy(tmp, j->path, plen);
	memcpy(tmp + plen, ".new", 5);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len;
		uint8_t *buf = next(arg, i, &len);

		rc = fileio_write_all(fd, buf, len);
		size += len;
		free(buf);
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, j->path) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0) {
		unlink(tmp);
		free(tmp);
		return rc;
	}
	free(tmp);
	/* The new file is the journal: append to it from now on. */
	close(j->fd);
	j->fd = open(j->path, O_RDWR | O_CLOEXEC);
	if (j->fd < 0)
		return -errno;
	(void)lseek(j->fd, 0, SEEK_END);
	j->size = size;
	/* The rename is durable once the directory is. */
	(void)fileio_sync_dir(j->path);
	return 0;
}

static uint8_t *next_msg(const void *arg, size_t i, size_t *len)
{
	return frame(((ProtobufCMessage *const *)arg)[i], len);
}

struct payloads {
	journal_payload_fn fn;
	void *arg;
};

static uint8_t *next_payload(const void *arg, size_t i, size_t *len)
{
	const struct payloads *p = arg;
	size_t n;
	uint8_t *payload = p->fn(p->arg, i, &n), *buf = frame_packed(payload, n, len);

	free(payload);
	return buf;
}

int journal_rewrite(struct journal *j, ProtobufCMessage *const *recs, size_t n)
{
	return rewrite(j, n, next_msg, recs);
}

int journal_rewrite_payloads(struct journal *j, size_t n, journal_payload_fn fn, void *arg)
{
	struct payloads p = { fn, arg };

	return rewrite(j, n, next_payload, &p);
}

uint8_t *journal_frame(const ProtobufCMessage *rec, size_t *len)
{
	return frame(rec, len);
}

int journal_unframe(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen)
{
	uint32_t n;

	if (len < HDR || memcmp(buf, JOURNAL_MAGIC, 4) != 0)
		return -EINVAL;
	n = get_le32(buf + 4);
	if (n > RECORD_MAX || len - HDR != n ||
	    get_le32(buf + 8) != (uint32_t)crc32(0L, buf + HDR, n))
		return -EINVAL;
	*payload = buf + HDR;
	*plen = n;
	return 0;
}

uint64_t journal_size(const struct journal *j)
{
	return j->size;
}

unsigned journal_torn(const struct journal *j)
{
	return j->torn;
}
