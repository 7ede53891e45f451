/*
 * pubkey.h: the public keys of SSH clients as VRP's `rsa peer-public-key`
 * and `ecc peer-public-key` views take them, turned into the SSH wire
 * form (RFC 4253 6.6) that an SSH server compares with what a client
 * offers.  No libssh here: cfgd validates with it, clid authenticates.
 *
 * Two encodings of the text between `public-key-code begin` and
 * `public-key-code end`:
 *  - der (VRP's default): hex digits, blanks and line breaks anywhere.
 *    RSA: a PKCS#1 RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }), as
 *    `display rsa local-key-pair public` prints it.  ECC: the curve point
 *    04|X|Y of NIST P-256, P-384 or P-521 (the length says which), as
 *    `display ecc local-key-pair public` prints it.
 *  - openssh (`encoding-type openssh`): an OpenSSH public key line,
 *    "TYPE BASE64 [COMMENT]", the base64 possibly split over lines.  RSA
 *    takes ssh-rsa; ECC takes ecdsa-sha2-nistp256/384/521 and ssh-ed25519.
 */
#ifndef MERIDIAN_PUBKEY_H
#define MERIDIAN_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pubkey_kind { PUBKEY_RSA = 0, PUBKEY_ECC };

/* The largest wire key taken (RSA 16384 bits and some). */
#define PUBKEY_BLOB_MAX 4096

/* The code of a key as typed (text, any blanks) in its stored form: der:
 * the hex digits in upper case; openssh: the base64 alone (no type, no
 * comment).  A malloc'd string in *out, or -EINVAL with a sentence in err
 * (not that encoding, not a key of that kind). */
int pubkey_normalise(enum pubkey_kind kind, bool openssh, const char *text, char **out,
		     char *err, size_t errlen);
/* The SSH wire form of a key (stored or as typed) into blob
 * (PUBKEY_BLOB_MAX bytes), its length in *len: 0, or -EINVAL with a
 * sentence in err. */
int pubkey_blob(enum pubkey_kind kind, bool openssh, const char *text, uint8_t *blob,
		size_t *len, char *err, size_t errlen);

#endif
