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
 * One Test: the steps build on each other.  Every wait has a deadline.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
