/*
 * test_secrets.c: cfgd and the configuration's secrets (common/secret.c,
 * cfgd/store.c): files written by earlier versions, with NTP keys in clear
 * (shown then as Base64), are converted when cfgd loads them:
 *  - a startup.conf at a cold start: running holds the keys sealed under
 *    this device's key, and neither startup.conf (rewritten) nor the new
 *    checkpoint holds the clear key or its Base64;
 *  - a checkpoint at a restart: likewise, the checkpoint rewritten;
 *  - a key sealed on another device is kept as it is (it cannot be
 *    opened here), and another one arriving is refused by name.
 */
#include <stdio.h>
#include <string.h>

#include "cfgd_rig.h"
#include "fileio.h"
#include "secret.h"
#include "store.h"

TestSuite(secrets, .init = rig_setup, .fini = rig_teardown, .timeout = 60);

#define OLD_KEYS \
	"ntp = { authentication_enable = true; authentication_key = (" \
	" { keyid = \"1\"; mode = \"md5\"; key = \"Meridian-Key1\"; reliable = true; }," \
	" { keyid = \"2\"; mode = \"hmac-sha256\"; key = \"%^%#SHVhd2VpQDEyMw==%^%#\"; } ); };"

/* Whether the file at dir/name holds none of the clear keys nor their Base64. */
static void assert_no_clear_key(const char *dir, const char *name)
{
	static const char *const bad[] = { "Meridian-Key1", "TWVyaWRpYW4tS2V5MQ", "Huawei@123",
					   "SHVhd2VpQDEyMw" };
	char path[600];
	uint8_t *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (fileio_read(path, &buf, &len) == -ENOENT)
		return;
	cr_assert_not_null(buf, "%s", path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_null(memmem(buf, len, bad[i], strlen(bad[i])), "%s holds %s", path,
			       bad[i]);
	free(buf);
}

static void assert_running_sealed(void)
{
	const Config *run = cfgd_running(d);
	char clear[SECRET_CLEAR_MAX + 1];

	cr_assert_not_null(run->ntp);
	cr_assert_eq(run->ntp->n_authentication_key, 2);
	cr_assert_eq(secret_open(secret_device_key(), run->ntp->authentication_key[0]->key, clear,
				 sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Meridian-Key1");
	cr_assert_eq(secret_open(secret_device_key(), run->ntp->authentication_key[1]->key, clear,
				 sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert(run->ntp->authentication_key[0]->reliable);
}

static void restart(void)
{
	client_fini(&c1);
	cfgd_free(d);
}

Test(secrets, startup_conf_converted_on_a_cold_start)
{
	Config *c = cfg(OLD_KEYS);

	restart();
	cr_assert_eq(secret_init(td.bs.state_dir), 0);
	cr_assert_eq(store_save_startup(&td.bs, c), 0);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
	assert_running_sealed();
	assert_no_clear_key(td.bs.state_dir, "startup.conf");
	assert_no_clear_key(td.bs.run_dir, "checkpoint");
	assert_no_clear_key(td.bs.run_dir, "journal");
	cfg_free(c);
	secret_fini();
}

Test(secrets, checkpoint_converted_on_a_restart)
{
	Config *c = cfg(OLD_KEYS);

	restart();
	cr_assert_eq(secret_init(td.bs.state_dir), 0);
	run_dir_clear(&td);
	cr_assert_eq(store_save_checkpoint(&td.bs, 1000000007ULL, c), 0);
	start_cfgd();
	client_init(&c1);
	cr_assert_eq(cfgd_commit_id(d), 1000000007ULL);
	assert_running_sealed();
	assert_no_clear_key(td.bs.run_dir, "checkpoint");

	/* Commits go on from the converted state, and a restart reads it back. */
	uint64_t s = open_session("admin");
	edit_ok(s, edit_set("system = { sysname = \"DeviceC\"; };"), NULL);
	cr_assert_eq(commit_ok(s), 1000000008ULL);
	restart();
	start_cfgd();
	client_init(&c1);
	assert_running_sealed();
	assert_no_clear_key(td.bs.run_dir, "checkpoint");
	assert_no_clear_key(td.bs.run_dir, "journal");
	cfg_free(c);
	secret_fini();
}

Test(secrets, foreign_key_kept_and_refused_at_commit)
{
	struct secret_key other;
	uint8_t raw[32];
	char foreign[SECRET_SEALED_SIZE], text[1024];
	Config *c;

	memset(raw, 0x42, sizeof(raw));
	secret_key_from(&other, raw);
	cr_assert_eq(secret_seal(&other, "Other-Key", foreign, sizeof(foreign)), 0);
	snprintf(text, sizeof(text), "ntp = { authentication_key = ( { keyid = \"3\"; "
		 "mode = \"md5\"; key = \"%s\"; } ); };", foreign);
	c = cfg(text);
	restart();
	cr_assert_eq(secret_init(td.bs.state_dir), 0);
	cr_assert_eq(store_save_startup(&td.bs, c), 0);
	run_dir_clear(&td);
	start_cfgd();
	client_init(&c1);
	cr_assert_str_eq(cfgd_running(d)->ntp->authentication_key[0]->key, foreign);

	/* Another key from that device: refused by name.  (Key 3's problem
	 * came with the loaded file; like any problem running already has,
	 * it does not block unrelated edits.) */
	uint64_t s = open_session("admin");
	cr_assert_eq(secret_seal(&other, "Other-Key", foreign, sizeof(foreign)), 0);
	snprintf(text, sizeof(text), "ntp = { authentication_key = ( { keyid = \"4\"; "
		 "mode = \"md5\"; key = \"%s\"; } ); };", foreign);
	CfgReply *r = edit(s, edit_set(text), NULL);

	if (r->status == 0) {   /* refused at once or at commit */
		cfg_reply__free_unpacked(r, NULL);
		r = commit(s);
	}
	cr_assert_neq(r->status, 0);
	cr_assert(strstr(r->error, "The authentication key 4 was encrypted under another "
			 "device's key"), "%s", r->error);
	cfg_reply__free_unpacked(r, NULL);
	cfg_free(c);
	secret_fini();
}
