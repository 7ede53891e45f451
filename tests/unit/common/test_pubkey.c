/*
 * test_pubkey.c: the peer public keys of VRP's key views (common/pubkey.c)
 * in both encodings come out as the OpenSSH client offers them: a key
 * given as hex (PKCS#1 for RSA, the curve point for ECC) and the same key
 * as an OpenSSH line have the same wire form; wrong kinds, truncated or
 * garbled text are refused with a sentence.  The keys were made with
 * ssh-keygen (the hex forms with `ssh-keygen -e -m PEM` and the point
 * taken out of the ecdsa key).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pubkey.h"

static const char ed_line[] =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf op@pc";
static const char ec_line[] =
	"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBNJ/JPHWPLAcx"
	"qd96tWPqb/NSVkeZV9bD4pPQHtca2QKiCr+WsGiZyuKtN7sCd4p2CJT3dOK2GFn4SJAAsOpKHI= root@vm";
static const char ec_hex[] =
	"04D27F24 F1D63CB0 1CC6A77D EAD58FA9 BFCD4959\n1E655F5B 0F8A4F40 7B5C6B64 0A882AFE"
	" 5AC1A267\n2B8AB4DE EC09DE29 D82253DD D38AD861 67E12240\n02C3A928 72";
static const char rsa_line[] =
	"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC+kxflRtT9iOOwFzPBEZ17RAML3Quk6d0BB5kgx7rkGaqbnP4y"
	"Tn2EwQzm/qVsg4gGh5Ni6S+LlKdHdAsrzfIRdVpAkyK0bW0lGpgax/XYiKER/64pvQM+WmqeejST62miFCs3AP0r"
	"zHtXGK4BN5TI+L8qW+cdlCqcJgGSYb55qw== root@vm";
static const char rsa_hex[] =
	"30818902818100BE9317E546D4FD88E3B01733C1119D7B44030BDD0BA4E9DD01079920C7BAE419AA9B9CFE"
	"324E7D84C10CE6FEA56C838806879362E92F8B94A747740B2BCDF211755A409322B46D6D251A981AC7F5D8"
	"88A111FFAE29BD033E5A6A9E7A3493EB69A2142B3700FD2BCC7B5718AE013794C8F8BF2A5BE71D942A9C26"
	"019261BE79AB0203010001";

static void same_blob(enum pubkey_kind kind, const char *hex, const char *line)
{
	uint8_t a[PUBKEY_BLOB_MAX], b[PUBKEY_BLOB_MAX];
	size_t na, nb;
	char err[160];

	cr_assert_eq(pubkey_blob(kind, false, hex, a, &na, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pubkey_blob(kind, true, line, b, &nb, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, na), 0);
}

Test(pubkey, hex_and_openssh_agree)
{
	same_blob(PUBKEY_RSA, rsa_hex, rsa_line);
	same_blob(PUBKEY_ECC, ec_hex, ec_line);
}

Test(pubkey, openssh_lines_split_and_bare)
{
	uint8_t a[PUBKEY_BLOB_MAX], b[PUBKEY_BLOB_MAX];
	size_t na, nb;
	char err[160], *norm = NULL;

	/* Pasted over two lines, with the type and a comment. */
	char *two = malloc(strlen(rsa_line) + 2);
	memcpy(two, rsa_line, 60);
	two[60] = '\n';
	strcpy(two + 61, rsa_line + 60);
	cr_assert_eq(pubkey_blob(PUBKEY_RSA, true, two, a, &na, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pubkey_blob(PUBKEY_RSA, true, rsa_line, b, &nb, err, sizeof(err)), 0);
	cr_assert_eq(na, nb);
	cr_assert_eq(memcmp(a, b, na), 0);
	/* Stored as the base64 alone, which parses to the same key. */
	cr_assert_eq(pubkey_normalise(PUBKEY_ECC, true, ed_line, &norm, err, sizeof(err)), 0);
	cr_assert_str_eq(norm, "AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf");
	cr_assert_eq(pubkey_blob(PUBKEY_ECC, true, norm, a, &na, err, sizeof(err)), 0);
	cr_assert_eq(na, 51);
	free(norm);
	cr_assert_eq(pubkey_normalise(PUBKEY_ECC, false, ec_hex, &norm, err, sizeof(err)), 0);
	cr_assert_eq(strlen(norm), 130);
	cr_assert_eq(strchr(norm, ' '), NULL);
	free(norm);
	free(two);
}

Test(pubkey, wrong_kinds_and_garbage_refused)
{
	uint8_t a[PUBKEY_BLOB_MAX];
	size_t n;
	char err[160], trunc[64];

	cr_assert_lt(pubkey_blob(PUBKEY_RSA, true, ed_line, a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_ECC, true, rsa_line, a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_ECC, false, rsa_hex, a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_RSA, false, ec_hex, a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_RSA, false, "30 0G", a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_RSA, false, "308", a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_RSA, false, "", a, &n, err, sizeof(err)), 0);
	cr_assert_lt(pubkey_blob(PUBKEY_ECC, true, "", a, &n, err, sizeof(err)), 0);
	snprintf(trunc, sizeof(trunc), "%.50s", ed_line);
	cr_assert_lt(pubkey_blob(PUBKEY_ECC, true, trunc, a, &n, err, sizeof(err)), 0);
	cr_assert_neq(err[0], '\0');
	/* A DER length past the end. */
	cr_assert_lt(pubkey_blob(PUBKEY_RSA, false, "3084FFFFFFFF02", a, &n, err, sizeof(err)), 0);
}
