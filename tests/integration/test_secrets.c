/*
 * test_secrets.c: secrets at rest, end to end (common/secret.c), with the
 * real daemons of two lab devices configured over telnet:
 *
 *  1. DeviceC gets two NTP keys: one typed in plain text, one in the
 *     Base64 `cipher` form earlier versions displayed.  It commits and
 *     saves.  `display current-configuration` shows both sealed
 *     (`cipher %^%#...%^%#`), never in clear nor in Base64.
 *  2. Every file of the device (RUN_DIR: checkpoint, journal, candidates'
 *     log, sockets; STATE_DIR: startup.conf, device.key; the daemons' logs;
 *     the bootstrap file) is read: none holds either key in clear or in
 *     Base64.  device.key is mode 0600.
 *  3. The sealed text pasted back on DeviceC is accepted as it is; pasted
 *     on DeviceD (another device key) it is refused with the reason, and
 *     DeviceD's files hold nothing of it either.
 *
 * A second Test upgrades a device: DeviceC's startup.conf holds its NTP key
 * in clear, as earlier versions wrote it; after a cold start the key is
 * sealed in running and in the rewritten files, and ntpd uses it: DeviceD,
 * with the same key, synchronizes to DeviceC through authenticated
 * packets.
 *
 * Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "lab.h"

#define PLAIN_KEY "Secret-Key-42"
#define PLAIN_KEY_B64 "U2VjcmV0LUtleS00Mg"       /* base64("Secret-Key-42"), no padding */
#define LEGACY_KEY "Legacy-Key-77"
#define LEGACY_KEY_B64 "TGVnYWN5LUtleS03Nw"     /* base64("Legacy-Key-77") */

static const char *const forbidden[] = { PLAIN_KEY, PLAIN_KEY_B64, LEGACY_KEY, LEGACY_KEY_B64 };
static int files_read;

/* nftw callback: a regular file holding none of the forbidden strings. */
static int check_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	char *buf = malloc((size_t)st->st_size + 1);
	size_t n = fread(buf, 1, (size_t)st->st_size, f);

	fclose(f);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		cr_assert_null(memmem(buf, n, forbidden[i], strlen(forbidden[i])),
			       "%s holds %s", path, forbidden[i]);
	free(buf);
	files_read++;
	return 0;
}

/* Every file of dev's directory (run, state, logs, bootstrap). */
static void assert_no_secret_in_files(const char *dev)
{
	const struct lab_device *d = lab_dev(dev);

	cr_assert_not_null(d);
	files_read = 0;
	cr_assert_eq(nftw(d->dir, check_file, 16, FTW_PHYS), 0);
	lab_note("secrets: %s: %d files read, no key in clear or in Base64", dev, files_read);
	cr_assert_geq(files_read, 8, "%s: only %d files", dev, files_read);
}

/* The first "cipher %^%#...%^%#" text of out (malloc'd). */
static char *sealed_of(const char *out)
{
	const char *p = strstr(out, "cipher %^%#"), *end;

	cr_assert_not_null(p, "%s", out);
	p += strlen("cipher ");
	end = strstr(p + 4, "%^%#");
	cr_assert_not_null(end, "%s", out);
	return strndup(p, (size_t)(end + 4 - p));
}

Test(secrets, keys_never_in_clear, .fini = lab_down, .timeout = 300)
{
	char *out = NULL, *sealed, line[600], path[600];
	struct stat st;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0:0", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vc && vd, "no VTY session");

	/* 1. Typed in plain text and in the old Base64 form; shown sealed. */
	static const char *const keys_c[] = {
		"system-view",
		"ntp-service authentication enable",
		"ntp-service authentication-keyid 1 authentication-mode md5 " PLAIN_KEY,
		"ntp-service authentication-keyid 2 authentication-mode hmac-sha256 cipher "
		"%^%#" LEGACY_KEY_B64 "==%^%#",
		"commit",
		"quit",
		NULL,
	};
	lab_lines(vc, "DeviceC", keys_c);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "save", &out), 0);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "y", &out), 0);
	cr_assert(strstr(out, "Info: Save the configuration successfully."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration", &out), 0);
	cr_assert(strstr(out, "ntp-service authentication-keyid 1 authentication-mode md5 "
			 "cipher %^%#"), "%s", out);
	cr_assert(strstr(out, "ntp-service authentication-keyid 2 authentication-mode "
			 "hmac-sha256 cipher %^%#"), "%s", out);
	for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		cr_assert_null(strstr(out, forbidden[i]), "the display shows %s:\n%s",
			       forbidden[i], out);
	sealed = sealed_of(out);
	free(out);

	/* 2. No file of the device holds a key; the device key is private. */
	snprintf(path, sizeof(path), "%s/state/device.key", lab_dev("DeviceC")->dir);
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(st.st_mode & 0777, 0600, "%s: mode %o", path, st.st_mode & 0777);
	cr_assert_eq(st.st_size, 32);
	assert_no_secret_in_files("DeviceC");

	/* 3. Pasted back here: kept as it is.  On DeviceD: refused, saying why. */
	snprintf(line, sizeof(line), "ntp-service authentication-keyid 3 authentication-mode md5 "
		 "cipher %s", sealed);
	lab_cmd_ok(vc, "DeviceC", "system-view");
	lab_cmd_ok(vc, "DeviceC", line);
	lab_cmd_ok(vc, "DeviceC", "commit");
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration | include keyid 3",
			     &out), 0);
	cr_assert(strstr(out, sealed), "%s", out);
	free(out);

	lab_cmd_ok(vd, "DeviceD", "system-view");
	cr_assert_eq(lab_cmd(vd, "DeviceD", line, &out), 0);
	cr_assert(strstr(out, "Error: The key cannot be used: it was encrypted under another "
			 "device's key. Enter it in plain text."), "%s", out);
	free(out);
	cr_assert_eq(lab_cmd(vd, "DeviceD", "display current-configuration", &out), 0);
	cr_assert_null(strstr(out, "authentication-keyid"), "%s", out);
	free(out);
	assert_no_secret_in_files("DeviceD");
	free(sealed);

	lab_vty_close(vc);
	lab_vty_close(vd);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}

/* ---- an upgrade: a startup.conf with the key in clear ---------------------- */

#define OLD_KEY "Upgrade-Key-9"

static const char *const old_c[] = {
	"system-view",
	"sysname DeviceC",
	"interface GigabitEthernet0/1/0",
	"undo shutdown",
	"ip address 10.0.1.31 255.255.255.0",
	"quit",
	"ntp-service refclock-master 2",
	"ntp-service authentication enable",
	"ntp-service authentication-keyid 1 authentication-mode md5 " OLD_KEY,
	"ntp-service reliable authentication-keyid 1",
	"commit",
	"quit",
	NULL,
};

static const char *const client_d[] = {
	"system-view",
	"sysname DeviceD",
	"interface GigabitEthernet0/1/0",
	"undo shutdown",
	"ip address 10.0.1.32 255.255.255.0",
	"quit",
	"ntp-service authentication enable",
	"ntp-service authentication-keyid 1 authentication-mode md5 " OLD_KEY,
	"ntp-service reliable authentication-keyid 1",
	"ntp-service unicast-server 10.0.1.31 authentication-keyid 1",
	"commit",
	NULL,
};

/* Replace the first occurrence of from by to in the file at path. */
static void file_replace(const char *path, const char *from, const char *to)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	cr_assert_eq(fileio_read(path, &buf, &len), 0, "%s", path);
	char *text = (char *)buf, *at = strstr(text, from);   /* NUL-terminated */

	cr_assert_not_null(at, "%s has no %s", path, from);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fwrite(text, 1, (size_t)(at - text), f);
	fputs(to, f);
	fputs(at + strlen(from), f);
	fclose(f);
	free(text);
}

Test(secrets, clear_startup_key_converted_and_used, .fini = lab_down, .timeout = 300)
{
	static const char *const order[] = { "clid", "ntpd", "ifmgrd", "cfgd" };
	char *out = NULL, *sealed, path[600];
	bool ok;

	lab_require_root();
	cr_assert_eq(lab_up("DeviceC:0:0", "DeviceD:0.2:0", NULL), 0, "the lab did not come up");
	struct vty *vc = lab_vty("DeviceC", 20000);
	cr_assert(vc, "no VTY session");
	lab_lines(vc, "DeviceC", old_c);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "save", &out), 0);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "y", &out), 0);
	free(out);
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration", &out), 0);
	sealed = sealed_of(out);
	free(out);
	lab_vty_close(vc);

	/* What an earlier version left: the key in clear in startup.conf, and
	 * a cold start (RUN_DIR's configuration files gone). */
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(lab_script("stop", "DeviceC", order[i], NULL), 0, "%s did not stop",
			     order[i]);
	snprintf(path, sizeof(path), "%s/state/startup.conf", lab_dev("DeviceC")->dir);
	file_replace(path, sealed, OLD_KEY);
	free(sealed);
	static const char *const run_files[] = { "checkpoint", "journal", "candidates" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", lab_dev("DeviceC")->run_dir, run_files[i]);
		(void)unlink(path);
	}
	for (size_t i = 4; i-- > 0;)
		cr_assert_eq(lab_script("start", "DeviceC", order[i], NULL), 0, "%s did not start",
			     order[i]);

	/* DeviceD, with the same key, synchronizes: DeviceC's ntpd opened the
	 * converted key and signs with it. */
	struct vty *vd = lab_vty("DeviceD", 20000);
	cr_assert(vd, "no VTY session");
	lab_lines(vd, "DeviceD", client_d);
	static const char *const want_sync[] = {
		"clock status: synchronized", "clock stratum: 3", "reference clock ID: 10.0.1.31",
		NULL,
	};
	double t0 = lab_now();
	ok = lab_wait_output(vd, "display ntp-service status", want_sync, 60000, &out);
	cr_assert(ok, "DeviceD did not synchronize with the converted key:\n%s", out ? out : "");
	free(out);
	lab_note("secrets: DeviceD synchronized %.1f s after its commit, with DeviceC's "
		 "converted key", lab_now() - t0);
	lab_vty_close(vd);

	vc = lab_vty("DeviceC", 20000);
	cr_assert(vc, "no VTY session after the restart");
	cr_assert_eq(lab_cmd(vc, "DeviceC", "display current-configuration", &out), 0);
	cr_assert(strstr(out, "authentication-mode md5 cipher %^%#"), "%s", out);
	cr_assert_null(strstr(out, OLD_KEY), "%s", out);
	free(out);
	lab_vty_close(vc);
	/* Neither startup.conf (rewritten) nor the new checkpoint holds it. */
	snprintf(path, sizeof(path), "%s/state/startup.conf", lab_dev("DeviceC")->dir);
	uint8_t *buf = NULL;
	size_t len = 0;
	cr_assert_eq(fileio_read(path, &buf, &len), 0);
	cr_assert_null(memmem(buf, len, OLD_KEY, strlen(OLD_KEY)), "startup.conf still holds it");
	free(buf);
	snprintf(path, sizeof(path), "%s/checkpoint", lab_dev("DeviceC")->run_dir);
	cr_assert_eq(fileio_read(path, &buf, &len), 0);
	cr_assert_null(memmem(buf, len, OLD_KEY, strlen(OLD_KEY)), "the checkpoint holds it");
	free(buf);
	cr_expect_eq(lab_finish(), 0, "sanitizer reports in the daemons' logs");
}
