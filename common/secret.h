/*
 * secret.h: reversible secrets of the configuration (NTP keys, VTY
 * passwords given with `cipher`) sealed with AES-256-GCM under the
 * device key in STATE_DIR (secret.c says how and why).
 */
#ifndef MERIDIAN_SECRET_H
#define MERIDIAN_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.pb-c.h"

#define SECRET_KEY_FILE "device.key"
#define SECRET_MARK "%^%#"
/* The longest clear secret sealed (NTP keys and VTY passwords: 255). */
#define SECRET_CLEAR_MAX 255
/* The sealed text of a SECRET_CLEAR_MAX secret, marks included, and its NUL. */
#define SECRET_SEALED_MAX 392
#define SECRET_SEALED_SIZE (SECRET_SEALED_MAX + 1)

struct secret_key {
	uint8_t k[32];
	uint8_t id[4];   /* derived from k: tells a foreign key from a tampered text */
};

/* STATE_DIR/device.key into *key, created (32 bytes from getrandom, mode
 * 0600) if absent: 0 or -errno (-EPERM: the file is readable by group or
 * others; -EINVAL: not 32 bytes).  Safe against concurrent callers,
 * several processes included: exactly one creation wins, every caller
 * gets the winner's key. */
int secret_key_load(const char *state_dir, struct secret_key *key);
/* A key from 32 bytes (tests, and secret_key_load). */
void secret_key_from(struct secret_key *key, const uint8_t raw[32]);

/* The process's device key: secret_init() loads it (each daemon at start,
 * from its bootstrap's state_dir); secret_device_key() is NULL before. */
int secret_init(const char *state_dir);
/* secret_init() for a daemon's start (daemon.h): 0, or -errno with "the
 * device key STATE_DIR/device.key: REASON" in err. */
int secret_start(const char *state_dir, char *err, size_t errlen);
const struct secret_key *secret_device_key(void);
void secret_fini(void);

/* Seal clear (1..SECRET_CLEAR_MAX bytes, NUL-terminated) under key into
 * out ("%^%#...%^%#", NUL-terminated): 0, -EINVAL (empty or too long),
 * -ENOKEY (key NULL), -ENOBUFS. */
int secret_seal(const struct secret_key *key, const char *clear, char *out, size_t len);
/* Open sealed into out (NUL-terminated): 0; -EINVAL: not a sealed text;
 * -EKEYREJECTED: sealed under another device's key; -EBADMSG: altered
 * (the tag does not verify); -ENOKEY; -ENOBUFS.  out is zeroed on failure. */
int secret_open(const struct secret_key *key, const char *sealed, char *out, size_t len);
/* Whether text is a well-formed sealed text (syntax, version, lengths;
 * no key needed, nothing decrypted).  If key is given, also whether it was
 * sealed under that key (its key id). */
bool secret_is_sealed(const char *text, const struct secret_key *key);
/* Earlier versions' encoded form, "%^%#" + base64(clear) + "%^%#": the
 * clear text into out, 0 or -EINVAL (not that form) / -ENOBUFS. */
int secret_legacy_decode(const char *text, char *out, size_t len);
/* A sentence for a secret_open/secret_seal error (never names the secret). */
const char *secret_strerror(int err);

/* The paths of the configuration's secrets, as "a.b.c" over Config's
 * field names (repeated message fields: every element). */
extern const char *const secret_paths[];

/* Bring every secret of cfg to its sealed form under key: a clear text or
 * an earlier version's Base64 form is sealed; a sealed text is kept
 * (even a foreign one: validation refuses it by name).  Returns how many
 * were converted, or -errno (-ENOKEY; cfg unchanged for that secret). */
int secret_seal_config(Config *cfg, const struct secret_key *key);
/* The same, new strings from alloc (NULL: malloc) and old ones freed to
 * it; *foreign (if not NULL) counts the sealed texts found that were sealed
 * under another key (they cannot be opened here). */
int secret_seal_config_alloc(Config *cfg, const struct secret_key *key, ProtobufCAllocator *alloc,
			     int *foreign);

/* The same over a running tree (common/cfgtree.h) whose root is a Config:
 * a converted secret's node gets a new own (malloc'd). */
struct ct_node;
int secret_seal_tree(struct ct_node *root, const struct secret_key *key, int *foreign);

#endif
