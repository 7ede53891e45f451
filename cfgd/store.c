/*
 * store.c: the checkpoint, the legacy running.conf and the startup
 * configuration (see store.h).
 *
 * The checkpoint is binary, one RunningFile framed and checksummed as a
 * journal record: parsing 100,000 lines of libconfig text takes about
 * 0.23 s here, unpacking the same configuration 0.014 s, and cfgd's start
 * has 0.1 s.
 *
 * A corrupt checkpoint (or legacy running.conf) stops cfgd (exit with a message naming the file and
 * line): starting from the startup or an empty configuration would silently
 * lose committed configuration, and every daemon would then apply that
 * loss.  The same holds for a corrupt startup.conf at a cold start.  The
 * operator fixes or removes the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bootstrap.h"
#include "edit.h"
#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "pbconf.h"
#include "secret.h"
#include "store.h"

/* Earlier versions kept secrets (NTP keys) in clear in these files (and
 * showed them as Base64): seal them under the device key as they are read
 * (common/secret.c) and rewrite the file, so that neither running nor
 * these files hold a clear secret (persist_load does the same for the
 * journal's records).  A secret sealed on another device (a file copied
 * from it) is kept: persist_load names it.  >0 when some were converted
 * (the caller rewrites the file), 0, or -errno with err. */
static int seal_secrets(Config *cfg, ProtobufCAllocator *alloc, const char *path, char *err,
			size_t errlen)
{
	int rc = secret_seal_config_alloc(cfg, secret_device_key(), alloc, NULL);

	if (rc < 0)
		snprintf(err, errlen, "%s: cannot encrypt its secrets: %s", path,
			 secret_strerror(rc));
	else if (rc > 0)
		log_info("%s: %d secret(s) converted to the encrypted form", path, rc);
	return rc;
}

/* "cannot read the KIND configuration PATH: why" without naming PATH twice
 * (pbconf's messages usually start with it). */
static void load_error(char *err, size_t errlen, const char *kind, const char *path,
		       const char *perr, int rc)
{
	if (perr[0] && strstr(perr, path))
		snprintf(err, errlen, "cannot read the %s configuration: %s", kind, perr);
	else
		snprintf(err, errlen, "cannot read the %s configuration %s: %s", kind, path,
			 perr[0] ? perr : strerror(-rc));
}

static int join(char *buf, size_t len, const char *dir, const char *file)
{
	int n = snprintf(buf, len, "%s/%s", dir, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int store_checkpoint_path(const struct bootstrap *bs, char *buf, size_t len)
{
	return join(buf, len, bs->run_dir, "checkpoint");
}

int store_journal_path(const struct bootstrap *bs, char *buf, size_t len)
{
	return join(buf, len, bs->run_dir, "journal");
}

int store_running_path(const struct bootstrap *bs, char *buf, size_t len)
{
	return join(buf, len, bs->run_dir, "running.conf");
}

int store_startup_path(const struct bootstrap *bs, char *buf, size_t len)
{
	return join(buf, len, bs->state_dir, "startup.conf");
}

/* Read a RunningFile at path: 0, -ENOENT, or another -errno with err. */
static int load_running_file(const char *path, const char *kind, RunningFile **out, char *err,
			     size_t errlen)
{
	ProtobufCMessage *m = NULL;
	char perr[512] = "";
	RunningFile *rf;
	int rc = pbconf_load(path, &running_file__descriptor, &m, perr, sizeof(perr));

	if (rc < 0) {
		if (rc != -ENOENT)
			load_error(err, errlen, kind, path, perr, rc);
		return rc;
	}
	/* Re-pack so every part is malloc'd the way unpack does it. */
	rf = (RunningFile *)edit_msg_dup(m);
	protobuf_c_message_free_unpacked(m, NULL);
	if (rf == NULL) {
		snprintf(err, errlen, "cannot read the %s configuration %s: a required field is "
			 "missing", kind, path);
		return -EINVAL;
	}
	if (rf->config == NULL)
		rf->config = config_new_empty();
	*out = rf;
	return 0;
}

/* Read the binary checkpoint at path, unpacked with alloc: 0, -ENOENT, or
 * another -errno with err. */
static int load_checkpoint(const char *path, ProtobufCAllocator *alloc, RunningFile **out,
			   char *err, size_t errlen)
{
	const uint8_t *payload;
	size_t len = 0, plen;
	uint8_t *buf = NULL;
	RunningFile *rf;
	int rc = fileio_read(path, &buf, &len);

	if (rc < 0) {
		if (rc != -ENOENT)
			snprintf(err, errlen, "cannot read the checkpoint %s: %s", path,
				 strerror(-rc));
		return rc;
	}
	if (journal_unframe(buf, len, &payload, &plen) < 0 ||
	    !(rf = running_file__unpack(alloc, plen, payload))) {
		free(buf);
		snprintf(err, errlen, "cannot read the checkpoint %s: it is torn or corrupt", path);
		return -EINVAL;
	}
	free(buf);
	if (rf->config == NULL) {
		rf->config = alloc ? alloc->alloc(alloc->allocator_data, sizeof(*rf->config))
				   : xmalloc(sizeof(*rf->config));
		config__init(rf->config);
	}
	*out = rf;
	return 0;
}

int store_load(const struct bootstrap *bs, ProtobufCAllocator *alloc, RunningFile **out,
	       enum store_origin *origin, char *err, size_t errlen)
{
	char path[4096];
	RunningFile *rf;
	int rc;

	*out = NULL;
	if (store_checkpoint_path(bs, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s/checkpoint: path too long", bs->run_dir);
		return -ENAMETOOLONG;
	}
	rc = load_checkpoint(path, alloc, out, err, errlen);
	if (rc == 0) {
		*origin = STORE_CHECKPOINT;
		rc = seal_secrets((*out)->config, alloc, path, err, errlen);
		if (rc > 0 && (rc = store_save_checkpoint(bs, (*out)->commit_id, (*out)->config)) < 0)
			snprintf(err, errlen, "cannot rewrite the checkpoint %s: %s", path,
				 strerror(-rc));
		if (rc < 0) {
			running_file__free_unpacked(*out, alloc);
			*out = NULL;
			return rc;
		}
	}
	if (rc != -ENOENT)
		return rc;
	if (store_running_path(bs, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s/running.conf: path too long", bs->run_dir);
		return -ENAMETOOLONG;
	}
	rc = load_running_file(path, "running", out, err, errlen);
	if (rc == 0) {
		/* An earlier version's whole-file store: its history and trial
		 * had whole configurations; only the running one is kept. */
		if ((*out)->n_history || (*out)->trial)
			log_warn("%s: the commit history and a trial of the earlier store are "
				 "not carried over", path);
		*origin = STORE_LEGACY;
		/* persist_load writes the checkpoint that replaces this file. */
		rc = seal_secrets((*out)->config, NULL, path, err, errlen);
		if (rc < 0) {
			running_file__free_unpacked(*out, NULL);
			*out = NULL;
			return rc;
		}
		rc = 0;
	}
	if (rc != -ENOENT)
		return rc;

	rf = xmalloc(sizeof(*rf));
	running_file__init(rf);
	rc = store_load_startup(bs, &rf->config, err, errlen);
	if (rc == -ENOENT) {
		rf->config = config_new_empty();
		*origin = STORE_EMPTY;
	} else if (rc < 0) {
		running_file__free_unpacked(rf, NULL);
		return rc;
	} else {
		*origin = STORE_STARTUP;
	}
	*out = rf;
	return 0;
}

int store_load_startup(const struct bootstrap *bs, Config **out, char *err, size_t errlen)
{
	ProtobufCMessage *m = NULL;
	char path[4096], perr[512];
	int rc;

	if (store_startup_path(bs, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "%s/startup.conf: path too long", bs->state_dir);
		return -ENAMETOOLONG;
	}
	perr[0] = '\0';
	rc = pbconf_load(path, &config__descriptor, &m, perr, sizeof(perr));
	if (rc < 0) {
		if (rc != -ENOENT)
			load_error(err, errlen, "startup", path, perr, rc);
		return rc;
	}
	*out = config_dup((Config *)m);
	protobuf_c_message_free_unpacked(m, NULL);
	rc = seal_secrets(*out, NULL, path, err, errlen);
	if (rc > 0 && (rc = store_save_startup(bs, *out)) < 0)
		snprintf(err, errlen, "cannot rewrite the startup configuration %s: %s", path,
			 strerror(-rc));
	if (rc < 0) {
		config__free_unpacked(*out, NULL);
		*out = NULL;
		return rc;
	}
	return 0;
}

int store_save_checkpoint(const struct bootstrap *bs, uint64_t id, const Config *cfg)
{
	RunningFile rf = RUNNING_FILE__INIT;
	char path[4096];
	uint8_t *buf;
	size_t len;
	int rc;

	if (store_checkpoint_path(bs, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	(void)mkdir(bs->run_dir, 0755);
	rf.commit_id = id;
	rf.config = (Config *)cfg;
	buf = journal_frame(&rf.base, &len);
	rc = fileio_replace(path, buf, len, 0600);
	free(buf);
	return rc;
}

void store_remove_legacy(const struct bootstrap *bs)
{
	char path[4096];

	if (store_running_path(bs, path, sizeof(path)) == 0 && remove(path) == 0)
		log_info("%s: replaced by the checkpoint and the journal", path);
}

int store_save_startup(const struct bootstrap *bs, const Config *cfg)
{
	char path[4096];

	if (store_startup_path(bs, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	(void)mkdir(bs->state_dir, 0755);
	return pbconf_save(path, &cfg->base);
}
