/*
 * journal.h: cfgd's append-only record files: the commit journal
 * (RUN_DIR/journal, JournalRecord) and the candidates' log
 * (RUN_DIR/candidates, SessionRecord), both of proto/cfgd.proto.
 *
 * Each record is one protobuf message framed as
 *   magic "MJR1" (4 bytes) | length (4 bytes, little endian) |
 *   CRC-32 of the payload (4 bytes, little endian, zlib's crc32) | payload
 * and written with one write(), followed by fdatasync() before the caller
 * goes on when it asks for it (a commit is answered only after that).
 * Reading stops at the first frame that is incomplete, has a wrong magic or
 * checksum, or does not unpack (is refused by the reader:
 * JOURNAL_FRAME_BAD).  When no whole frame follows it, that is a
 * record torn by a crash: reported, cut off the file and never handed on.
 * When whole frames follow, the file is corrupt in the middle: the open
 * fails and the file is left as it is (dropping the later records would
 * lose what they hold).
 */
#ifndef CFGD_JOURNAL_H
#define CFGD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"

struct journal;

/* Called with each valid record in order (a message of the journal's
 * descriptor); the record is the callback's to keep (free with
 * protobuf_c_message_free_unpacked).  A negative return stops the load
 * with that error (err filled by the callback). */
typedef int (*journal_record_cb)(ProtobufCMessage *rec, void *arg, char *err, size_t errlen);

/* Read path (missing: an empty journal) as records of desc, hand each
 * valid one to fn, cut a torn tail off, and keep the file open for
 * appending.  0 with *out, or -errno with a sentence in err. */
int journal_open(const char *path, const ProtobufCMessageDescriptor *desc, journal_record_cb fn,
		 void *arg, struct journal **out, char *err, size_t errlen);

/* Called with each whole, checksummed frame's payload in order, pointing
 * into the file's contents (journal_open_frames' *buf).  Returns 0 to go
 * on, JOURNAL_FRAME_BAD when the payload is no record (reading stops there,
 * as at a bad checksum: a torn tail or a corrupt journal), or a negative
 * errno that stops the load (err filled by the callback). */
typedef int (*journal_frame_cb)(const uint8_t *payload, size_t len, void *arg, char *err,
				size_t errlen);
#define JOURNAL_FRAME_BAD 1

/* journal_open for a reader that unpacks what it needs itself: the file's
 * contents stay in *buf (*buflen bytes, malloc'd; NULL when the file could
 * not be read), which the payloads handed to fn point into: the caller's
 * to free, whether the open succeeds or not. */
int journal_open_frames(const char *path, journal_frame_cb fn, void *arg, uint8_t **buf,
			size_t *buflen, struct journal **out, char *err, size_t errlen);
void journal_close(struct journal *j);

/* Append one record; with sync, durably (fdatasync) before returning.
 * 0 or -errno (nothing is appended then: a partial write is cut back). */
int journal_append(struct journal *j, const ProtobufCMessage *rec, bool sync);

/* Replace the journal by these records, atomically (a new file written,
 * synced and renamed over it).  0 or -errno (the old journal stays). */
int journal_rewrite(struct journal *j, ProtobufCMessage *const *recs, size_t n);

/* The same from records packed by fn: record i's payload (a malloc'd
 * buffer, freed here, *len its length), framed here. */
typedef uint8_t *(*journal_payload_fn)(void *arg, size_t i, size_t *len);
int journal_rewrite_payloads(struct journal *j, size_t n, journal_payload_fn fn, void *arg);

/* One record framed as the journal frames it (a malloc'd buffer): for
 * files that hold a single record, such as the checkpoint. */
uint8_t *journal_frame(const ProtobufCMessage *rec, size_t *len);
/* The payload of the one whole frame buf holds: 0 with *payload and *plen
 * pointing into buf, or -EINVAL (torn, wrong magic or checksum, or bytes
 * after it). */
int journal_unframe(const uint8_t *buf, size_t len, const uint8_t **payload, size_t *plen);

/* Bytes in the journal. */
uint64_t journal_size(const struct journal *j);
/* Records dropped at open as torn or corrupt (0 or 1: reading stops there). */
unsigned journal_torn(const struct journal *j);

#endif
