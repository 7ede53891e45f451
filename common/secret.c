/*
 * secret.c: the configuration's reversible secrets, sealed under a device
 * key with AES-256-GCM (nettle).
 *
 * The device key.  32 bytes from getrandom(2) in STATE_DIR/device.key,
 * mode 0600; it never enters the configuration, a message or a log.  Each
 * daemon that handles secrets loads it at start (secret_init: cfgd to
 * convert old files, clid to seal what an operator types, ntpd to open the
 * keys it signs with); whichever comes first creates it.  Creation races
 * between the daemons of a device (they share STATE_DIR) are settled by
 * link(2): each candidate key is written whole and fsync'd to a private
 * temporary file, then linked to device.key; link never replaces, so
 * exactly one wins, the losers read the winner's file, and nobody ever
 * sees a half-written key.  Losing the file loses every sealed secret (they
 * must be typed again); copying it to another device makes that device
 * open this one's secrets.
 *
 * The sealed form, as VRP shows its cipher texts:
 *
 *   "%^%#" base64( version 0x01 | key id (4) | nonce (12) | ciphertext | tag (16) ) "%^%#"
 *
 * The key id is the first 4 bytes of SHA-256("meridian device key id" |
 * key): it names the key without revealing it, so a text sealed on another
 * device is refused with that reason rather than as "altered".  The
 * version byte and the key id are the GCM associated data; a nonce is 12
 * random bytes per seal (at most a few thousand seals per key over a
 * device's life: far from GCM's random-nonce bound).  The version byte,
 * 0x01, is not printable, so a sealed text never decodes as an earlier
 * version's form ("%^%#" base64 of the printable key), which is how both
 * can be told apart on load.  A 255-character secret seals to 392
 * characters: the CLI's longest `cipher` argument.
 *
 * Where secrets are clear: in clid while it seals what the operator typed,
 * and in ntpd, which opens each key when it applies the configuration.
 * cfgd checks the sealed form and its key id, and converts older files on
 * load (secret_seal_config); it never opens a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/gcm.h>
#include <nettle/memops.h>
#include <nettle/sha2.h>

#include "cfgtree.h"
#include "fileio.h"
#include "log.h"
#include "secret.h"

#define VERSION 0x01
#define HDR_LEN (1 + 4)
#define NONCE_LEN GCM_IV_SIZE
#define TAG_LEN GCM_DIGEST_SIZE
#define MARK_LEN 4
#define RAW_MAX (HDR_LEN + NONCE_LEN + SECRET_CLEAR_MAX + TAG_LEN)

/*
 * The secrets of the configuration.  Conversion on load and validation
 * find them here, so a new secret is one line.
 */
const char *const secret_paths[] = {
	"ntp.authentication_key.key",
	"user_interface.vty.password_cipher",   /* `set authentication password cipher` */
	NULL,
};

static struct secret_key device_key;
static bool device_key_loaded;

void secret_key_from(struct secret_key *key, const uint8_t raw[32])
{
	static const char label[] = "meridian device key id";
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];

	memcpy(key->k, raw, sizeof(key->k));
	sha256_init(&h);
	sha256_update(&h, sizeof(label) - 1, (const uint8_t *)label);
	sha256_update(&h, sizeof(key->k), key->k);
	sha256_digest(&h, sizeof(d), d);
	memcpy(key->id, d, sizeof(key->id));
	explicit_bzero(d, sizeof(d));
}

static int read_key(const char *path, struct secret_key *key)
{
	uint8_t raw[33];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size != 32)
		rc = -EINVAL;
	else if (st.st_mode & 077)
		rc = -EPERM;
	else if ((n = read(fd, raw, sizeof(raw))) < 0)
		rc = -errno;
	else if (n != 32)
		rc = -EINVAL;
	else
		secret_key_from(key, raw);
	close(fd);
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/* Write a new key to a temporary file in dir and link it to path. */
static int create_key(const char *dir, const char *path)
{
	char tmp[4096];
	uint8_t raw[32];
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/.device.key.XXXXXX", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return errno ? -errno : -EIO;
	fd = mkostemp(tmp, O_CLOEXEC);   /* mode 0600 */
	if (fd < 0) {
		explicit_bzero(raw, sizeof(raw));
		return -errno;
	}
	rc = fileio_write_all(fd, raw, sizeof(raw));
	explicit_bzero(raw, sizeof(raw));
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && link(tmp, path) < 0)
		rc = -errno;   /* -EEXIST: another process won */
	unlink(tmp);
	if (rc == 0)
		(void)fileio_sync_dir(path);
	return rc;
}

int secret_key_load(const char *state_dir, struct secret_key *key)
{
	char path[4096];
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, SECRET_KEY_FILE) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	rc = read_key(path, key);
	if (rc != -ENOENT)
		return rc;
	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	rc = create_key(state_dir, path);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	return read_key(path, key);
}

int secret_init(const char *state_dir)
{
	int rc = secret_key_load(state_dir, &device_key);

	device_key_loaded = rc == 0;
	return rc;
}

int secret_start(const char *state_dir, char *err, size_t errlen)
{
	int rc = secret_init(state_dir);

	if (rc < 0)
		snprintf(err, errlen, "the device key %s/" SECRET_KEY_FILE ": %s%s", state_dir,
			 strerror(-rc), rc == -EPERM ? " (it must be mode 0600)" :
			 rc == -EINVAL ? " (it must be 32 bytes)" : "");
	return rc;
}

const struct secret_key *secret_device_key(void)
{
	return device_key_loaded ? &device_key : NULL;
}

void secret_fini(void)
{
	explicit_bzero(&device_key, sizeof(device_key));
	device_key_loaded = false;
}

static void gcm_start(struct gcm_aes256_ctx *g, const struct secret_key *key,
		      const uint8_t *raw)
{
	gcm_aes256_set_key(g, key->k);
	gcm_aes256_set_iv(g, NONCE_LEN, raw + HDR_LEN);
	gcm_aes256_update(g, HDR_LEN, raw);
}

int secret_seal(const struct secret_key *key, const char *clear, char *out, size_t len)
{
	uint8_t raw[RAW_MAX];
	size_t n = strlen(clear), rawlen = HDR_LEN + NONCE_LEN + n + TAG_LEN;
	size_t enclen = BASE64_ENCODE_RAW_LENGTH(rawlen);
	struct gcm_aes256_ctx g;

	if (!key)
		return -ENOKEY;
	if (n == 0 || n > SECRET_CLEAR_MAX)
		return -EINVAL;
	if (2 * MARK_LEN + enclen + 1 > len)
		return -ENOBUFS;
	raw[0] = VERSION;
	memcpy(raw + 1, key->id, 4);
	if (getrandom(raw + HDR_LEN, NONCE_LEN, 0) != NONCE_LEN)
		return errno ? -errno : -EIO;
	gcm_start(&g, key, raw);
	gcm_aes256_encrypt(&g, n, raw + HDR_LEN + NONCE_LEN, (const uint8_t *)clear);
	gcm_aes256_digest(&g, TAG_LEN, raw + HDR_LEN + NONCE_LEN + n);
	explicit_bzero(&g, sizeof(g));
	memcpy(out, SECRET_MARK, MARK_LEN);
	base64_encode_raw(out + MARK_LEN, rawlen, raw);
	memcpy(out + MARK_LEN + enclen, SECRET_MARK, MARK_LEN);
	out[2 * MARK_LEN + enclen] = '\0';
	return 0;
}

/* The bytes inside "%^%#...%^%#" into raw (RAW_MAX): their count, or -1. */
static ssize_t unwrap(const char *text, uint8_t *raw)
{
	size_t n = text ? strlen(text) : 0, out = 0;
	struct base64_decode_ctx d;

	if (n < 2 * MARK_LEN || n - 2 * MARK_LEN > BASE64_ENCODE_RAW_LENGTH(RAW_MAX) ||
	    memcmp(text, SECRET_MARK, MARK_LEN) || memcmp(text + n - MARK_LEN, SECRET_MARK, MARK_LEN))
		return -1;
	base64_decode_init(&d);
	if (!base64_decode_update(&d, &out, raw, n - 2 * MARK_LEN, text + MARK_LEN) ||
	    !base64_decode_final(&d))
		return -1;
	return (ssize_t)out;
}

/* Whether raw[0..n) has a sealed text's shape. */
static bool sealed_shape(const uint8_t *raw, ssize_t n)
{
	return n > HDR_LEN + NONCE_LEN + TAG_LEN && n <= RAW_MAX && raw[0] == VERSION;
}

bool secret_is_sealed(const char *text, const struct secret_key *key)
{
	uint8_t raw[RAW_MAX];
	ssize_t n = unwrap(text, raw);

	return sealed_shape(raw, n) && (!key || memcmp(raw + 1, key->id, 4) == 0);
}

int secret_open(const struct secret_key *key, const char *sealed, char *out, size_t len)
{
	uint8_t raw[RAW_MAX], tag[TAG_LEN];
	ssize_t n = unwrap(sealed, raw);
	struct gcm_aes256_ctx g;
	size_t clen;
	int rc = 0;

	if (len)
		out[0] = '\0';
	if (!sealed_shape(raw, n))
		return -EINVAL;
	if (!key)
		return -ENOKEY;
	if (memcmp(raw + 1, key->id, 4))
		return -EKEYREJECTED;
	clen = (size_t)n - HDR_LEN - NONCE_LEN - TAG_LEN;
	if (clen + 1 > len)
		return -ENOBUFS;
	gcm_start(&g, key, raw);
	gcm_aes256_decrypt(&g, clen, (uint8_t *)out, raw + HDR_LEN + NONCE_LEN);
	gcm_aes256_digest(&g, TAG_LEN, tag);
	explicit_bzero(&g, sizeof(g));
	if (memeql_sec(tag, raw + HDR_LEN + NONCE_LEN + clen, TAG_LEN) == 0 ||
	    memchr(out, '\0', clen))
		rc = -EBADMSG;
	if (rc < 0)
		explicit_bzero(out, len);
	else
		out[clen] = '\0';
	return rc;
}

int secret_legacy_decode(const char *text, char *out, size_t len)
{
	uint8_t raw[RAW_MAX];
	ssize_t n = unwrap(text, raw);

	if (n <= 0 || n > SECRET_CLEAR_MAX)
		return -EINVAL;
	for (ssize_t i = 0; i < n; i++)
		if (raw[i] <= ' ' || raw[i] >= 0x7f) {
			explicit_bzero(raw, sizeof(raw));
			return -EINVAL;
		}
	if ((size_t)n + 1 > len) {
		explicit_bzero(raw, sizeof(raw));
		return -ENOBUFS;
	}
	memcpy(out, raw, (size_t)n);
	out[n] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

const char *secret_strerror(int err)
{
	switch (err) {
	case -EKEYREJECTED:
		return "it was encrypted under another device's key";
	case -EBADMSG:
		return "the encrypted text has been altered";
	case -EINVAL:
		return "it is not an encrypted text of this device";
	case -ENOKEY:
		return "the device key is not available";
	case -ENOBUFS:
		return "it is too long";
	default:
		return "it cannot be encrypted or decrypted";
	}
}

/* ---- the configuration's secrets ---- */

struct seal_walk {
	const struct secret_key *key;
	ProtobufCAllocator *alloc;
	int converted;
	int foreign;
	int err;
};

static void seal_field(char **slot, struct seal_walk *w)
{
	char clear[SECRET_CLEAR_MAX + 1], sealed[SECRET_SEALED_SIZE];
	size_t n;
	int rc;

	if (!*slot)
		return;
	if (secret_is_sealed(*slot, NULL)) {
		if (w->key && !secret_is_sealed(*slot, w->key))
			w->foreign++;
		return;
	}
	if (secret_legacy_decode(*slot, clear, sizeof(clear)) < 0)
		snprintf(clear, sizeof(clear), "%s", *slot);
	rc = secret_seal(w->key, clear, sealed, sizeof(sealed));
	explicit_bzero(clear, sizeof(clear));
	if (rc < 0) {
		w->err = rc;
		return;
	}
	n = strlen(*slot);
	explicit_bzero(*slot, n);
	if (w->alloc)
		w->alloc->free(w->alloc->allocator_data, *slot);
	else
		free(*slot);
	n = strlen(sealed) + 1;
	*slot = w->alloc ? w->alloc->alloc(w->alloc->allocator_data, n) : xmalloc(n);
	memcpy(*slot, sealed, n);
	w->converted++;
}

/* Walk path (components separated by '.') from m. */
static void seal_walk(ProtobufCMessage *m, const char *path, struct seal_walk *w)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	const ProtobufCFieldDescriptor *f = NULL;
	char name[64];

	if (!m || len >= sizeof(name))
		return;
	memcpy(name, path, len);
	name[len] = '\0';
	f = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	if (!f)
		fatal("secret path component %s unknown", name);
	if (!dot) {
		if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
			fatal("secret field %s is not a string", name);
		seal_field((char **)((char *)m + f->offset), w);
		return;
	}
	if (f->type != PROTOBUF_C_TYPE_MESSAGE)
		fatal("secret path component %s is not a message", name);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(size_t *)((char *)m + f->quantifier_offset);
		ProtobufCMessage **v = *(ProtobufCMessage ***)((char *)m + f->offset);

		for (size_t i = 0; i < n; i++)
			seal_walk(v[i], dot + 1, w);
	} else {
		seal_walk(*(ProtobufCMessage **)((char *)m + f->offset), dot + 1, w);
	}
}

int secret_seal_config_alloc(Config *cfg, const struct secret_key *key, ProtobufCAllocator *alloc,
			     int *foreign)
{
	struct seal_walk w = { key, alloc, 0, 0, 0 };

	if (cfg)
		for (size_t i = 0; secret_paths[i]; i++)
			seal_walk(&cfg->base, secret_paths[i], &w);
	if (foreign)
		*foreign = w.foreign;
	return w.err ? w.err : w.converted;
}

int secret_seal_config(Config *cfg, const struct secret_key *key)
{
	return secret_seal_config_alloc(cfg, key, NULL, NULL);
}

/* The same walk over a running tree (cfgtree.h): the secret's node gets a
 * fresh own with the sealed text (its old own may be an arena's). */
static void seal_tree_walk(struct ct_node *n, const char *path, struct seal_walk *w)
{
	const char *dot = strchr(path, '.');
	size_t len = dot ? (size_t)(dot - path) : strlen(path);
	const ProtobufCFieldDescriptor *f;
	char name[64];

	if (!n || len >= sizeof(name))
		return;
	memcpy(name, path, len);
	name[len] = '\0';
	f = protobuf_c_message_descriptor_get_field_by_name(n->desc, name);
	if (!f)
		fatal("secret path component %s unknown", name);
	if (!dot) {
		char **slot;
		ProtobufCMessage *own;
		int before = w->converted;

		if (!n->own || f->type != PROTOBUF_C_TYPE_STRING)
			return;
		slot = (char **)((char *)n->own + f->offset);
		if (!*slot || secret_is_sealed(*slot, NULL)) {
			if (*slot && w->key && !secret_is_sealed(*slot, w->key))
				w->foreign++;
			return;
		}
		own = ct_own_of(n->own);
		seal_field((char **)((char *)own + f->offset), w);
		if (w->converted == before) {
			protobuf_c_message_free_unpacked(own, NULL);
			return;
		}
		explicit_bzero(*slot, strlen(*slot));
		ct_set_own(n, own);
		return;
	}
	if (!ct_child_field(f))
		fatal("secret path component %s is not a child", name);
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		for (struct ct_node *c = ct_first(n, f); c; c = c->next)
			seal_tree_walk(c, dot + 1, w);
	else
		seal_tree_walk(ct_child(n, f, NULL), dot + 1, w);
}

int secret_seal_tree(struct ct_node *root, const struct secret_key *key, int *foreign)
{
	struct seal_walk w = { key, NULL, 0, 0, 0 };

	for (size_t i = 0; secret_paths[i]; i++)
		seal_tree_walk(root, secret_paths[i], &w);
	if (foreign)
		*foreign = w.foreign;
	return w.err ? w.err : w.converted;
}
