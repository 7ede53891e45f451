/*
 * test_secret.c: common/secret.c.
 *  - seal/open round trip, a fresh nonce per seal, lengths at the limits;
 *  - an altered text is refused (-EBADMSG), one sealed under another key is
 *    refused as foreign (-EKEYREJECTED) with a sentence saying so;
 *  - the device key: created 0600 at first use, reused after, refused when
 *    readable by others, and one key for many processes creating it at once;
 *  - the earlier Base64 form decoded, and a configuration's secrets sealed
 *    in place (clear and Base64 converted, sealed ones kept).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfgtree.h"
#include "log.h"
#include "secret.h"
#include "testutil.h"

static struct secret_key fixed_key(uint8_t fill)
{
	struct secret_key k;
	uint8_t raw[32];

	memset(raw, fill, sizeof(raw));
	secret_key_from(&k, raw);
	return k;
}

Test(secret, round_trip)
{
	struct secret_key k = fixed_key(1);
	char a[SECRET_SEALED_SIZE], b[SECRET_SEALED_SIZE], clear[SECRET_CLEAR_MAX + 1];
	char longest[SECRET_CLEAR_MAX + 1];

	cr_assert_eq(secret_seal(&k, "Huawei@123", a, sizeof(a)), 0);
	cr_assert(!strncmp(a, "%^%#", 4) && !strcmp(a + strlen(a) - 4, "%^%#"), "%s", a);
	cr_assert_null(strstr(a, "Huawei"));
	cr_assert_null(strstr(a, "SHVhd2Vp"));   /* its Base64 */
	cr_assert(secret_is_sealed(a, NULL));
	cr_assert(secret_is_sealed(a, &k));
	cr_assert_eq(secret_open(&k, a, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert_eq(secret_seal(&k, "Huawei@123", b, sizeof(b)), 0);
	cr_assert_str_neq(a, b);   /* a fresh nonce */

	memset(longest, 'x', SECRET_CLEAR_MAX);
	longest[SECRET_CLEAR_MAX] = '\0';
	cr_assert_eq(secret_seal(&k, longest, a, sizeof(a)), 0);
	cr_assert_eq(strlen(a), SECRET_SEALED_MAX);
	cr_assert_eq(secret_open(&k, a, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, longest);
	cr_assert_eq(secret_seal(&k, "", a, sizeof(a)), -EINVAL);
	cr_assert_eq(secret_seal(&k, "abc", a, 20), -ENOBUFS);
	cr_assert_eq(secret_seal(NULL, "abc", a, sizeof(a)), -ENOKEY);
}

Test(secret, altered_and_foreign)
{
	struct secret_key k = fixed_key(1), other = fixed_key(2);
	char s[SECRET_SEALED_SIZE], t[SECRET_SEALED_SIZE], clear[SECRET_CLEAR_MAX + 1];

	cr_assert_eq(secret_seal(&k, "Huawei@123", s, sizeof(s)), 0);
	/* Every character of the body changed in turn: never opens. */
	for (size_t i = 4; i < strlen(s) - 4; i++) {
		memcpy(t, s, sizeof(s));
		t[i] = t[i] == 'A' ? 'B' : 'A';
		int rc = secret_open(&k, t, clear, sizeof(clear));
		cr_assert(rc == -EBADMSG || rc == -EINVAL || rc == -EKEYREJECTED,
			  "position %zu: %d", i, rc);
		cr_assert_str_eq(clear, "");
	}
	cr_assert_eq(secret_open(&other, s, clear, sizeof(clear)), -EKEYREJECTED);
	cr_assert(!secret_is_sealed(s, &other));
	cr_assert_str_eq(secret_strerror(-EKEYREJECTED),
			 "it was encrypted under another device's key");
	cr_assert_eq(secret_open(&k, "Huawei@123", clear, sizeof(clear)), -EINVAL);
	cr_assert_eq(secret_open(&k, "%^%#SHVhd2VpQDEyMw==%^%#", clear, sizeof(clear)), -EINVAL);
	cr_assert_eq(secret_open(&k, "%^%#%^%#", clear, sizeof(clear)), -EINVAL);
	cr_assert(!secret_is_sealed("%^%#SHVhd2VpQDEyMw==%^%#", NULL));
}

Test(secret, legacy_form)
{
	char clear[SECRET_CLEAR_MAX + 1];

	cr_assert_eq(secret_legacy_decode("%^%#SHVhd2VpQDEyMw==%^%#", clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert_eq(secret_legacy_decode("%^%#YSBi%^%#", clear, sizeof(clear)), -EINVAL); /* "a b" */
	cr_assert_eq(secret_legacy_decode("%^%#AA==%^%#", clear, sizeof(clear)), -EINVAL);
	cr_assert_eq(secret_legacy_decode("plain", clear, sizeof(clear)), -EINVAL);
	cr_assert_eq(secret_legacy_decode("%^%#SHVhd2VpQDEyMw==%^%#", clear, 4), -ENOBUFS);
}

Test(secret, device_key_file)
{
	char *dir = tmpdir_new(), state[4096], file[4200];
	struct secret_key a, b;
	struct stat st;

	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(file, sizeof(file), "%s/" SECRET_KEY_FILE, state);
	cr_assert_eq(secret_key_load(state, &a), 0);   /* creates STATE_DIR too */
	cr_assert_eq(stat(file, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(st.st_size, 32);
	cr_assert_eq(secret_key_load(state, &b), 0);   /* reused */
	cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0);

	/* Readable by others: refused rather than used. */
	cr_assert_eq(chmod(file, 0644), 0);
	cr_assert_eq(secret_key_load(state, &b), -EPERM);
	/* Truncated: refused, never replaced (that would lose every secret). */
	cr_assert_eq(chmod(file, 0600), 0);
	cr_assert_eq(truncate(file, 16), 0);
	cr_assert_eq(secret_key_load(state, &b), -EINVAL);
	tmpdir_free(dir);
}

Test(secret, concurrent_creation)
{
	enum { N = 8 };
	char *dir = tmpdir_new(), out[N][128];
	pid_t pid[N];
	int pfd[N][2];

	for (int i = 0; i < N; i++) {
		cr_assert_eq(pipe(pfd[i]), 0);
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			struct secret_key k;
			char sealed[SECRET_SEALED_SIZE] = "";

			if (secret_key_load(dir, &k) == 0)
				secret_seal(&k, "same", sealed, sizeof(sealed));
			(void)!write(pfd[i][1], sealed, strlen(sealed) + 1);
			_exit(0);
		}
		close(pfd[i][1]);
	}
	struct secret_key k;
	cr_assert_eq(secret_key_load(dir, &k), 0);
	for (int i = 0; i < N; i++) {
		char clear[16];
		ssize_t n = read(pfd[i][0], out[i], sizeof(out[i]) - 1);
		int status;

		cr_assert_gt(n, 1);
		out[i][n] = '\0';
		close(pfd[i][0]);
		waitpid(pid[i], &status, 0);
		/* Every process ended with the one key that won. */
		cr_assert_eq(secret_open(&k, out[i], clear, sizeof(clear)), 0, "process %d", i);
		cr_assert_str_eq(clear, "same");
	}
	tmpdir_free(dir);
}

Test(secret, seal_config)
{
	struct secret_key k = fixed_key(3), other = fixed_key(4);
	char foreign[SECRET_SEALED_SIZE], clear[SECRET_CLEAR_MAX + 1];
	Ntp ntp = NTP__INIT;
	NtpKey k1 = NTP_KEY__INIT, k2 = NTP_KEY__INIT, k3 = NTP_KEY__INIT;
	NtpKey *keys[] = { &k1, &k2, &k3 };
	Config cfg = CONFIG__INIT;

	cr_assert_eq(secret_seal(&other, "elsewhere", foreign, sizeof(foreign)), 0);
	k1.keyid = "1";
	k1.key = xstrdup("Meridian1");
	k2.keyid = "2";
	k2.key = xstrdup("%^%#SHVhd2VpQDEyMw==%^%#");
	k3.keyid = "3";
	k3.key = xstrdup(foreign);
	ntp.authentication_key = keys;
	ntp.n_authentication_key = 3;
	cfg.ntp = &ntp;

	cr_assert_eq(secret_seal_config(&cfg, &k), 2);
	cr_assert_eq(secret_open(&k, k1.key, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Meridian1");
	cr_assert_eq(secret_open(&k, k2.key, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert_str_eq(k3.key, foreign);   /* kept: validation names it */
	cr_assert_eq(secret_seal_config(&cfg, &k), 0);   /* nothing left to do */
	cr_assert_eq(secret_seal_config(NULL, &k), 0);
	free(k1.key);
	free(k2.key);
	free(k3.key);
}

/* The VTY line password (`set authentication password cipher`) of an
 * earlier version, clear in running or startup, is sealed on load too. */
Test(secret, seal_config_line_password)
{
	struct secret_key k = fixed_key(5);
	char clear[SECRET_CLEAR_MAX + 1];
	UserInterface ui = USER_INTERFACE__INIT;
	VtyLine l0 = VTY_LINE__INIT, l1 = VTY_LINE__INIT;
	VtyLine *lines[] = { &l0, &l1 };
	Config cfg = CONFIG__INIT;

	l0.number = "0";
	l0.password_cipher = xstrdup("Line#pw1");
	l1.number = "1";   /* no password: nothing to do */
	ui.vty = lines;
	ui.n_vty = 2;
	cfg.user_interface = &ui;
	cr_assert_eq(secret_seal_config(&cfg, &k), 1);
	cr_assert(secret_is_sealed(l0.password_cipher, &k));
	cr_assert_eq(secret_open(&k, l0.password_cipher, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Line#pw1");
	cr_assert_null(l1.password_cipher);
	free(l0.password_cipher);
}

/* The same over a running tree (what cfgd's journal replay built). */
Test(secret, seal_tree)
{
	struct secret_key k = fixed_key(5), other = fixed_key(6);
	char foreign[SECRET_SEALED_SIZE], clear[SECRET_CLEAR_MAX + 1];
	Ntp ntp = NTP__INIT;
	NtpKey k1 = NTP_KEY__INIT, k2 = NTP_KEY__INIT, k3 = NTP_KEY__INIT;
	NtpKey *keys[] = { &k1, &k2, &k3 };
	Config cfg = CONFIG__INIT;
	struct ct_node *root = ct_root_new(&config__descriptor);
	const ProtobufCFieldDescriptor *f;
	Config *out;
	int nforeign = 0;

	cr_assert_eq(secret_seal(&other, "elsewhere", foreign, sizeof(foreign)), 0);
	k1.keyid = "1";
	k1.mode = "md5";
	k1.key = "Meridian1";
	k2.keyid = "2";
	k2.key = "%^%#SHVhd2VpQDEyMw==%^%#";
	k3.keyid = "3";
	k3.key = foreign;
	ntp.authentication_key = keys;
	ntp.n_authentication_key = 3;
	cfg.ntp = &ntp;
	ct_load(root, &cfg.base, 7);

	cr_assert_eq(secret_seal_tree(root, &k, &nforeign), 2);
	cr_assert_eq(nforeign, 1);
	out = (Config *)ct_materialize(root);
	cr_assert_eq(out->ntp->n_authentication_key, 3);
	cr_assert_eq(secret_open(&k, out->ntp->authentication_key[0]->key, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Meridian1");
	cr_assert_str_eq(out->ntp->authentication_key[0]->mode, "md5");
	cr_assert_eq(secret_open(&k, out->ntp->authentication_key[1]->key, clear, sizeof(clear)), 0);
	cr_assert_str_eq(clear, "Huawei@123");
	cr_assert_str_eq(out->ntp->authentication_key[2]->key, foreign);
	config__free_unpacked(out, NULL);
	cr_assert_eq(secret_seal_tree(root, &k, NULL), 0);
	f = protobuf_c_message_descriptor_get_field_by_name(&config__descriptor, "ntp");
	cr_assert_not_null(ct_child(root, f, NULL));
	ct_free(root);

	/* An empty tree, and no key at all. */
	root = ct_root_new(&config__descriptor);
	cr_assert_eq(secret_seal_tree(root, NULL, NULL), 0);
	ct_free(root);
}
