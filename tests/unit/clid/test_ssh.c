/*
 * test_ssh.c: ssh.c's host keys: created at the first start (ed25519 and
 * RSA, mode 0600, keys libssh reads back with the right types) and reused
 * as they are at the next start.  The protocol itself is the integration
 * test's (tests/integration/test_ssh.c, with OpenSSH's client).
 */
#include <criterion/criterion.h>
#include <libssh/libssh.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssh.h"
#include "testutil.h"

static void expect_key(const char *path, enum ssh_keytypes_e type)
{
	struct stat st;
	ssh_key key = NULL;

	cr_assert_eq(stat(path, &st), 0, "%s is missing", path);
	cr_expect_eq(st.st_mode & 0777, 0600, "%s has mode %o", path, st.st_mode & 0777);
	cr_assert_eq(ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key), SSH_OK,
		     "libssh cannot read %s", path);
	cr_expect_eq(ssh_key_type(key), type, "%s is a %s key", path,
		     ssh_key_type_to_char(ssh_key_type(key)));
	ssh_key_free(key);
}

Test(ssh_hostkeys, created_then_reused, .timeout = 60)
{
	char *dir = tmpdir_new();
	char state[PATH_MAX], ed[PATH_MAX], rsa[PATH_MAX], err[256] = "";
	struct stat st1, st2;

	/* STATE_DIR may not exist yet at the first start. */
	snprintf(state, sizeof(state), "%s/state", dir);
	cr_assert_eq(ssh_hostkeys_ensure(state, ed, rsa, sizeof(ed), err, sizeof(err)), 0,
		     "%s", err);
	expect_key(ed, SSH_KEYTYPE_ED25519);
	expect_key(rsa, SSH_KEYTYPE_RSA);
	cr_assert_eq(stat(rsa, &st1), 0);

	/* The next start keeps them (same files, untouched). */
	cr_assert_eq(ssh_hostkeys_ensure(state, ed, rsa, sizeof(ed), err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(stat(rsa, &st2), 0);
	cr_expect_eq(st1.st_ino, st2.st_ino);
	cr_expect_eq(st1.st_mtim.tv_sec, st2.st_mtim.tv_sec);
	cr_expect_eq(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.new", rsa);
	cr_expect_neq(access(tmp, F_OK), 0, "a temporary file was left behind");
	tmpdir_free(dir);
}

Test(ssh_hostkeys, unwritable_dir_is_an_error, .timeout = 60)
{
	char ed[PATH_MAX], rsa[PATH_MAX], err[256] = "";

	cr_assert_lt(ssh_hostkeys_ensure("/proc/meridian-no-such/state", ed, rsa, sizeof(ed), err,
					 sizeof(err)), 0);
	cr_expect_neq(err[0], '\0', "no sentence said why");
}
