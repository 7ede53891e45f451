/*
 * validate_aaa.c: the meaning checks of the access configuration: the
 * `aaa` view's local users and wrong-password policy, and the VTY lines'
 * login settings (`user-interface maximum-vty`, `authentication-mode`,
 * `idle-timeout`, `protocol inbound`, `acl inbound`).  The ranges are
 * VRP8's; clid's own commands never produce a value outside them, so these
 * catch edits from elsewhere (a hand-written startup file, a bus client).
 *
 * A local user's password is a crypt(3) hash ("$id$..."), never a
 * password: anything else is refused, so a clear password can not be
 * slipped into the configuration through the bus.
 */
#include <string.h>

#include "secret.h"
#include "validate.h"

#define AAA_NAME_MAX 64

static void check_user(const LocalUser *u, struct validate_list *l)
{
	const char *n = u->name ? u->name : "";
	size_t len = strlen(n);

	if (len == 0 || len > AAA_NAME_MAX || strpbrk(n, " ?\t\"")) {
		validate_add(l, "The local user name \"%s\" is invalid (1 to %d characters, "
			     "no spaces, '?' or '\"').", n, AAA_NAME_MAX);
		return;
	}
	if (u->password_hash &&
	    (u->password_hash[0] != '$' || strlen(u->password_hash) < 4 ||
	     strchr(u->password_hash + 1, '$') == NULL))
		validate_add(l, "The password of local user %s is not a crypt(3) hash.", n);
	if (u->has_privilege && u->privilege > 15)
		validate_add(l, "The privilege level %u of local user %s is out of range "
			     "(0 to 15).", u->privilege, n);
}

static void check_policy(const LocalAaaUserPolicy *p, struct validate_list *l)
{
	if (!p)
		return;
	if (p->has_retry_interval && (p->retry_interval < 5 || p->retry_interval > 65535))
		validate_add(l, "The wrong-password retry-interval %u is out of range "
			     "(5 to 65535 minutes).", p->retry_interval);
	if (p->has_retry_time && (p->retry_time < 3 || p->retry_time > 65535))
		validate_add(l, "The wrong-password retry-time %u is out of range (3 to 65535).",
			     p->retry_time);
	if (p->has_block_time && (p->block_time < 5 || p->block_time > 65535))
		validate_add(l, "The wrong-password block-time %u is out of range "
			     "(5 to 65535 minutes).", p->block_time);
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static void check_line(const VtyLine *v, struct validate_list *l)
{
	static const char *const modes[] = { "aaa", "password", "none", NULL };
	static const char *const protos[] = { "telnet", "ssh", "all", NULL };
	const char *n = v->number ? v->number : "";

	if (v->authentication_mode && !one_of(v->authentication_mode, modes))
		validate_add(l, "The authentication mode \"%s\" of VTY %s is not aaa, password "
			     "or none.", v->authentication_mode, n);
	if (v->password_cipher && !secret_is_sealed(v->password_cipher, NULL))
		validate_add(l, "The authentication password of VTY %s is not an encrypted "
			     "password (%%^%%#...%%^%%#): enter it again.", n);
	else if (v->password_cipher && !secret_is_sealed(v->password_cipher, secret_device_key()))
		validate_add(l, "The authentication password of VTY %s was encrypted under "
			     "another device's key: enter it again in plain text.", n);
	if (v->has_idle_timeout_min && v->idle_timeout_min > 35791)
		validate_add(l, "The idle-timeout %u of VTY %s is out of range (0 to 35791 "
			     "minutes).", v->idle_timeout_min, n);
	if (v->has_idle_timeout_sec && v->idle_timeout_sec > 59)
		validate_add(l, "The idle-timeout seconds %u of VTY %s are out of range (0 to 59).",
			     v->idle_timeout_sec, n);
	if (v->protocol_inbound && !one_of(v->protocol_inbound, protos))
		validate_add(l, "The inbound protocol \"%s\" of VTY %s is not telnet, ssh or all.",
			     v->protocol_inbound, n);
	if (v->has_privilege && v->privilege > 15)
		validate_add(l, "The user privilege level %u of VTY %s is out of range (0 to 15).",
			     v->privilege, n);
	if (v->has_acl_inbound && (v->acl_inbound < 2000 || v->acl_inbound > 2999))
		validate_add(l, "The inbound ACL %u of VTY %s is not a basic ACL (2000 to 2999).",
			     v->acl_inbound, n);
}

void validate_aaa(const Config *cfg, struct validate_list *out)
{
	if (cfg->aaa) {
		for (size_t i = 0; i < cfg->aaa->n_local_user; i++)
			check_user(cfg->aaa->local_user[i], out);
		check_policy(cfg->aaa->wrong_password, out);
	}
	if (cfg->user_interface) {
		const UserInterface *ui = cfg->user_interface;

		if (ui->has_maximum_vty && ui->maximum_vty > 21)
			validate_add(out, "The maximum number of VTY user interfaces %u is out of "
				     "range (0 to 21).", ui->maximum_vty);
		for (size_t i = 0; i < ui->n_vty; i++)
			check_line(ui->vty[i], out);
	}
}
