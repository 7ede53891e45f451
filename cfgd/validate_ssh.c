/*
 * validate_ssh.c: the remote access servers' settings (clid/cmd_ssh.c):
 * `ssh server port` is VRP's, 22 or 1025..55535; every peer public key
 * parses as a key of its kind (common/pubkey.h); an `ssh user`'s
 * authentication-type is one of VRP's and the keys it is assigned exist
 * (so `undo rsa peer-public-key` of an assigned key is refused at commit,
 * as VRP refuses it).  The enable flags need no check.
 */
#include <string.h>

#include "pubkey.h"
#include "validate.h"

static const PeerPublicKey *find_key(PeerPublicKey *const *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(keys[i]->name, name))
			return keys[i];
	return NULL;
}

static void validate_keys(PeerPublicKey *const *keys, size_t n, enum pubkey_kind kind,
			  struct validate_list *out)
{
	const char *what = kind == PUBKEY_RSA ? "RSA" : "ECC";

	for (size_t i = 0; i < n; i++) {
		const PeerPublicKey *k = keys[i];
		uint8_t blob[PUBKEY_BLOB_MAX];
		char err[160];
		size_t len;

		if (strlen(k->name) < 1 || strlen(k->name) > 40 || strchr(k->name, ' '))
			validate_add(out, "The %s public key name \"%s\" is not 1 to 40 characters "
				     "without blanks.", what, k->name);
		if (!k->code)
			validate_add(out, "The %s public key %s has no public-key-code.", what,
				     k->name);
		else if (pubkey_blob(kind, k->has_openssh && k->openssh, k->code, blob, &len, err,
				     sizeof(err)) < 0)
			validate_add(out, "The %s public key %s: %s", what, k->name, err);
	}
}

void validate_ssh(const Config *cfg, struct validate_list *out)
{
	static const char *const types[] = { "password", "rsa", "ecc", "all", NULL };
	const Ssh *s = cfg->ssh;

	if (!s)
		return;
	if (s->has_port && s->port != 22 && (s->port < 1025 || s->port > 55535))
		validate_add(out, "The SSH server port %u is out of range (22 or 1025 to 55535).",
			     s->port);
	validate_keys(s->rsa_peer_key, s->n_rsa_peer_key, PUBKEY_RSA, out);
	validate_keys(s->ecc_peer_key, s->n_ecc_peer_key, PUBKEY_ECC, out);
	for (size_t i = 0; i < s->n_user; i++) {
		const SshUser *u = s->user[i];
		bool ok = !u->authentication_type;

		for (size_t t = 0; !ok && types[t]; t++)
			ok = !strcmp(u->authentication_type, types[t]);
		if (!ok)
			validate_add(out, "The authentication type \"%s\" of SSH user %s is not "
				     "password, rsa, ecc or all.", u->authentication_type, u->name);
		if (strlen(u->name) < 1 || strlen(u->name) > 64)
			validate_add(out, "The SSH user name \"%s\" is not 1 to 64 characters.",
				     u->name);
		if (u->rsa_key && !find_key(s->rsa_peer_key, s->n_rsa_peer_key, u->rsa_key))
			validate_add(out, "The RSA public key %s assigned to SSH user %s does not "
				     "exist.", u->rsa_key, u->name);
		if (u->ecc_key && !find_key(s->ecc_peer_key, s->n_ecc_peer_key, u->ecc_key))
			validate_add(out, "The ECC public key %s assigned to SSH user %s does not "
				     "exist.", u->ecc_key, u->name);
	}
}
