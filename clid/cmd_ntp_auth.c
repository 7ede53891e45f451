/*
 * cmd_ntp_auth.c: NTP authentication, access control and server-side
 * limits, and their lines of the configuration text:
 *
 *   ntp-service authentication enable
 *   ntp-service authentication-keyid 1 authentication-mode md5 cipher %^%#...%^%#
 *   ntp-service reliable authentication-keyid 1
 *   ntp-service access peer 2000 ipv6 2001  (IPv4 and/or IPv6 ACL; also query, server,
 *                                           synchronization, limited)
 *   ntp-service max-dynamic-sessions 50
 *   ntp-service discard min-interval 3 avg-interval 5
 *   ntp-service kod-enable
 *   ntp-service server disable
 *   ntp-service in-interface disable      (interface view)
 *
 * Keys.  A key is typed in plain text (`... md5 MyKey`), or after `cipher`
 * in plain text, in the sealed form this device displays, or in the Base64
 * form earlier versions displayed.  clid seals it here, under the device
 * key (common/secret.c: AES-256-GCM, "%^%#...%^%#"), so the clear key
 * never leaves this process: cfgd stores, journals and publishes only the
 * sealed text, `display current-configuration` shows it as stored, and
 * ntpd opens it to sign.  A sealed text pasted back is kept as it is once
 * it opens under this device's key; one sealed on another device (or
 * altered) is refused with the reason; the old Base64 form is decoded and
 * sealed.  A VRP cipher text does not decode and is refused ("Wrong
 * parameter").
 *
 * Re-entering a key replaces its mode and text and keeps its `reliable`
 * mark; `undo ntp-service authentication-keyid K` removes the key and the
 * mark.  `reliable` on a key that does not exist is refused by cfgd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nettle/base64.h>

#include "cmd.h"
#include "cmd_ntp_auth.h"
#include "log.h"
#include "secret.h"

#define KEY_MAX SECRET_CLEAR_MAX

static const struct cmd_kwhelp auth_kw[] = {
	{ "ntp-service", "Specify NTP (Network Time Protocol) configuration information" },
	{ "authentication", "Authentication" },
	{ "enable", "Enable the function" },
	{ "authentication-keyid", "Specify the authentication key ID" },
	{ "authentication-mode", "Specify the authentication mode" },
	{ "md5", "MD5 authentication (RFC 5905)" },
	{ "hmac-sha256", "HMAC-SHA256 authentication" },
	{ "cipher", "The key is given (and displayed) in encrypted form" },
	{ "reliable", "Specify a reliable (trusted) key" },
	{ "access", "Specify NTP access control" },
	{ "ipv6", "Specify an IPv6 ACL" },
	{ "peer", "Full access: time requests, control queries, and peering" },
	{ "query", "Control queries only" },
	{ "server", "Time requests and control queries" },
	{ "synchronization", "Time requests only" },
	{ "limited", "Rate limiting (answered by KoD RATE when KoD is enabled)" },
	{ "max-dynamic-sessions", "Maximum number of dynamic NTP sessions" },
	{ "discard", "Rate limit of incoming NTP packets" },
	{ "min-interval", "Minimum interval between packets" },
	{ "avg-interval", "Average interval between packets" },
	{ "kod-enable", "Enable kiss-o'-death (KoD) packets" },
	{ "disable", "Disable the function" },
	{ "in-interface", "NTP packets received on this interface" },
	{ NULL, NULL },
};

static const struct cmd_param auth_params[] = {
	{ "key-id", GP_INT, 1, 4294967295u, "Authentication key ID" },
	{ "password", GP_STRING, 1, 392,
	  "The key: 1 to 255 characters in plain text, or its encrypted form after cipher" },
	{ "acl-number", GP_INT, 2000, 2999, "Basic ACL number" },
	{ "acl6-number", GP_INT, 2000, 2999, "Basic IPv6 ACL number" },
	{ "number", GP_INT, 0, 100, "Maximum number of dynamic sessions" },
	{ "min-interval-val", GP_INT, 1, 8, "Minimum interval (log2 seconds)" },
	{ "avg-interval-val", GP_INT, 1, 8, "Average interval (log2 seconds)" },
	{ NULL, 0, 0, 0, NULL },
};

/* ---- keys ---- */

static bool key_ok(const char *k, size_t n)
{
	if (n == 0 || n > KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] <= ' ' || (unsigned char)k[i] >= 0x7f)
			return false;
	return true;
}

/* See cmd_ntp_auth.h (the line password of cmd_ui.c uses it too). */
int ntp_key_decode(const char *text, char *buf, size_t len)
{
	size_t n = strlen(text);

	if (n < 8 || strncmp(text, SECRET_MARK, 4) || strcmp(text + n - 4, SECRET_MARK)) {
		if (!key_ok(text, n) || n + 1 > len)
			return -EINVAL;
		memcpy(buf, text, n + 1);
		return 0;
	}
	return secret_legacy_decode(text, buf, len) < 0 ? -EINVAL : 0;
}

/* The sealed text for a `cipher` or plain key argument into sealed, or
 * -1 with the error shown. */
static int key_seal(struct cmd_ctx *ctx, const struct cmd_args *a, char *sealed, size_t len)
{
	const char *pw = cmd_arg(a, "password");
	char key[SECRET_CLEAR_MAX + 1];
	int rc;

	if (cmd_has(a, "cipher") && secret_is_sealed(pw, NULL)) {
		rc = secret_open(secret_device_key(), pw, key, sizeof(key));
		if (rc == 0 && !key_ok(key, strlen(key)))
			rc = -EBADMSG;
		explicit_bzero(key, sizeof(key));
		if (rc < 0)
			return cmd_error(ctx, "The key cannot be used: %s. Enter it in plain "
					 "text.", secret_strerror(rc));
		snprintf(sealed, len, "%s", pw);
		return 0;
	}
	if (cmd_has(a, "cipher") && !strncmp(pw, SECRET_MARK, strlen(SECRET_MARK))) {
		if (secret_legacy_decode(pw, key, sizeof(key)) < 0)
			return cmd_error_at(ctx, cmd_arg_tok(a, "password"), GRAM_WRONG_PARAM);
	} else {
		if (!key_ok(pw, strlen(pw)))
			return cmd_error_at(ctx, cmd_arg_tok(a, "password"), GRAM_WRONG_PARAM);
		snprintf(key, sizeof(key), "%s", pw);
	}
	rc = secret_seal(secret_device_key(), key, sealed, len);
	explicit_bzero(key, sizeof(key));
	if (rc < 0)
		return cmd_error(ctx, "The key cannot be stored: %s.", secret_strerror(rc));
	return 0;
}

/* ---- handlers ---- */

static NtpKey *frag_key(Config *c, uint32_t id)
{
	Ntp *ntp = frag_ntp(c);
	NtpKey *k = xmalloc(sizeof(*k));
	char buf[16];

	ntp_key__init(k);
	snprintf(buf, sizeof(buf), "%u", id);
	k->keyid = xstrdup(buf);
	ntp->authentication_key = xrealloc(ntp->authentication_key,
					   (ntp->n_authentication_key + 1) * sizeof(NtpKey *));
	ntp->authentication_key[ntp->n_authentication_key++] = k;
	return k;
}

static int h_auth_enable(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "authentication_enable", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_ntp(c)->has_authentication_enable = true;
	frag_ntp(c)->authentication_enable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_auth_key(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint32_t id = cmd_arg_u32(a, "key-id", 0);
	char idtxt[16], sealed[SECRET_SEALED_SIZE];

	snprintf(idtxt, sizeof(idtxt), "%u", id);
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "authentication_key", idtxt, NULL);
		return 0;
	}
	if (key_seal(ctx, a, sealed, sizeof(sealed)) < 0)
		return -1;
	Config *c = frag_new();
	NtpKey *k = frag_key(c, id);
	k->mode = xstrdup(cmd_has(a, "hmac-sha256") ? "hmac-sha256" : "md5");
	k->key = xstrdup(sealed);
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_reliable(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	uint32_t id = cmd_arg_u32(a, "key-id", 0);
	char idtxt[16];

	snprintf(idtxt, sizeof(idtxt), "%u", id);
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "authentication_key", idtxt, "reliable", NULL);
		return 0;
	}
	Config *c = frag_new();
	NtpKey *k = frag_key(c, id);
	k->has_reliable = true;
	k->reliable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static const char *const levels[] = { "peer", "query", "server", "synchronization", "limited" };

/* The level `name` of an NtpAccess: its presence and ACL number fields. */
static void level_fields(NtpAccess *acc, const char *name, protobuf_c_boolean **has,
			 uint32_t **num)
{
	if (!strcmp(name, "peer")) {
		*has = &acc->has_peer;
		*num = &acc->peer;
	} else if (!strcmp(name, "query")) {
		*has = &acc->has_query;
		*num = &acc->query;
	} else if (!strcmp(name, "server")) {
		*has = &acc->has_server;
		*num = &acc->server;
	} else if (!strcmp(name, "synchronization")) {
		*has = &acc->has_synchronization;
		*num = &acc->synchronization;
	} else {
		*has = &acc->has_limited;
		*num = &acc->limited;
	}
}

static NtpAccess *access_frag(const char *level, uint32_t number)
{
	NtpAccess *acc = xmalloc(sizeof(*acc));
	protobuf_c_boolean *has;
	uint32_t *num;

	ntp_access__init(acc);
	level_fields(acc, level, &has, &num);
	*has = true;
	*num = number;
	return acc;
}

/* `ntp-service access LEVEL { ACL | ipv6 ACL6 } *`: the IPv4 ACL of the
 * level (Ntp.access) and the IPv6 one (Ntp.ipv6_access), either or both.
 * `undo ntp-service access LEVEL` removes both, `... ACL` the IPv4 one,
 * `... ipv6 [ ACL6 ]` the IPv6 one. */
static int h_access(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *level = NULL;
	bool v4 = cmd_has(a, "acl-number"), v6 = cmd_has(a, "ipv6");

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]) && !level; i++)
		if (cmd_has(a, levels[i]))
			level = levels[i];
	if (!level)
		return cmd_error(ctx, "Incomplete command.");
	if (a->undo) {
		if (v4 || !v6)
			cmd_edit_delete(ctx, "ntp", "access", level, NULL);
		if (v6 || !v4)
			cmd_edit_delete(ctx, "ntp", "ipv6_access", level, NULL);
		return 0;
	}
	Config *c = frag_new();

	if (v4)
		frag_ntp(c)->access = access_frag(level, cmd_arg_u32(a, "acl-number", 0));
	if (v6)
		frag_ntp(c)->ipv6_access = access_frag(level, cmd_arg_u32(a, "acl6-number", 0));
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_max_dynamic(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "max_dynamic_sessions", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_ntp(c)->has_max_dynamic_sessions = true;
	frag_ntp(c)->max_dynamic_sessions = cmd_arg_u32(a, "number", 100);
	cmd_edit_set(ctx, c);
	return 0;
}

/* Given intervals replace those set; the other keeps its value. */
static int h_discard(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "discard", NULL);
		return 0;
	}
	Config *c = frag_new();
	NtpDiscard *d = xmalloc(sizeof(*d));

	ntp_discard__init(d);
	if (cmd_has(a, "min-interval-val")) {
		d->has_min_interval = true;
		d->min_interval = cmd_arg_u32(a, "min-interval-val", 1);
	}
	if (cmd_has(a, "avg-interval-val")) {
		d->has_avg_interval = true;
		d->avg_interval = cmd_arg_u32(a, "avg-interval-val", 5);
	}
	frag_ntp(c)->discard = d;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_kod(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "kod_enable", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_ntp(c)->has_kod_enable = true;
	frag_ntp(c)->kod_enable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_server_disable(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	if (a->undo) {
		cmd_edit_delete(ctx, "ntp", "server_disable", NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_ntp(c)->has_server_disable = true;
	frag_ntp(c)->server_disable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_in_interface(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *ifname = cmd_view_ifname(ctx);

	if (!ifname)
		return cmd_error(ctx, "The command is only valid in an interface view.");
	if (a->undo) {
		cmd_edit_delete(ctx, "interface", ifname, "ntp_in_interface_disable", NULL);
		return 0;
	}
	Config *c = frag_new();
	Interface *ifc = frag_interface(c, ifname);
	ifc->has_ntp_in_interface_disable = true;
	ifc->ntp_in_interface_disable = true;
	cmd_edit_set(ctx, c);
	return 0;
}

#define LEVELS "{ peer | query | server | synchronization | limited }"

const struct cmd_entry cmd_ntp_auth_entries[] = {
	{ CLI_V_SYSTEM, "ntp-service authentication enable",
	  "undo ntp-service authentication enable", auth_params, auth_kw, h_auth_enable },
	{ CLI_V_SYSTEM,
	  "ntp-service authentication-keyid key-id authentication-mode { md5 | hmac-sha256 } "
	  "[ cipher ] password",
	  "undo ntp-service authentication-keyid key-id", auth_params, auth_kw, h_auth_key },
	{ CLI_V_SYSTEM, "ntp-service reliable authentication-keyid key-id",
	  "undo ntp-service reliable authentication-keyid key-id", auth_params, auth_kw,
	  h_reliable },
	{ CLI_V_SYSTEM, "ntp-service access " LEVELS " { acl-number | ipv6 acl6-number } *",
	  "undo ntp-service access " LEVELS " [ acl-number | ipv6 [ acl6-number ] ]", auth_params,
	  auth_kw, h_access },
	{ CLI_V_SYSTEM, "ntp-service max-dynamic-sessions number",
	  "undo ntp-service max-dynamic-sessions [ number ]", auth_params, auth_kw,
	  h_max_dynamic },
	{ CLI_V_SYSTEM,
	  "ntp-service discard { min-interval min-interval-val | avg-interval avg-interval-val } *",
	  "undo ntp-service discard", auth_params, auth_kw, h_discard },
	{ CLI_V_SYSTEM, "ntp-service kod-enable", "undo ntp-service kod-enable", auth_params,
	  auth_kw, h_kod },
	{ CLI_V_SYSTEM, "ntp-service server disable", "undo ntp-service server disable",
	  auth_params, auth_kw, h_server_disable },
	{ CLI_V_IF, "ntp-service in-interface disable", "undo ntp-service in-interface disable",
	  auth_params, auth_kw, h_in_interface },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- configuration text ---- */

/* `ntp-service access LEVEL [ ACL ] [ ipv6 ACL6 ]`, levels from peer down. */
static void render_access(const Ntp *n, struct sbuf *out)
{
	static const char *const order[] = { "peer", "server", "synchronization", "query",
					      "limited" };
	NtpAccess none = NTP_ACCESS__INIT;
	NtpAccess *v4 = n->access ? n->access : &none, *v6 = n->ipv6_access ? n->ipv6_access
									     : &none;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		protobuf_c_boolean *has4, *has6;
		uint32_t *num4, *num6;

		level_fields(v4, order[i], &has4, &num4);
		level_fields(v6, order[i], &has6, &num6);
		if (!*has4 && !*has6)
			continue;
		sbuf_printf(out, "ntp-service access %s", order[i]);
		if (*has4)
			sbuf_printf(out, " %u", *num4);
		if (*has6)
			sbuf_printf(out, " ipv6 %u", *num6);
		sbuf_puts(out, "\r\n");
	}
}

void cmd_ntp_auth_render(const Config *c, struct sbuf *out)
{
	const Ntp *n = c ? c->ntp : NULL;

	if (!n)
		return;
	if (n->has_server_disable && n->server_disable)
		sbuf_puts(out, "ntp-service server disable\r\n");
	if (n->has_authentication_enable && n->authentication_enable)
		sbuf_puts(out, "ntp-service authentication enable\r\n");
	for (size_t i = 0; i < n->n_authentication_key; i++) {
		const NtpKey *k = n->authentication_key[i];

		/* Only a sealed text is ever shown (cfgd stores nothing else). */
		if (!k->keyid || !k->mode || !k->key || !secret_is_sealed(k->key, NULL))
			continue;
		sbuf_printf(out, "ntp-service authentication-keyid %s authentication-mode %s "
			    "cipher %s\r\n", k->keyid, k->mode, k->key);
	}
	for (size_t i = 0; i < n->n_authentication_key; i++) {
		const NtpKey *k = n->authentication_key[i];

		if (k->keyid && k->has_reliable && k->reliable)
			sbuf_printf(out, "ntp-service reliable authentication-keyid %s\r\n", k->keyid);
	}
	render_access(n, out);
	if (n->has_max_dynamic_sessions)
		sbuf_printf(out, "ntp-service max-dynamic-sessions %u\r\n", n->max_dynamic_sessions);
	if (n->discard && (n->discard->has_min_interval || n->discard->has_avg_interval)) {
		sbuf_puts(out, "ntp-service discard");
		if (n->discard->has_min_interval)
			sbuf_printf(out, " min-interval %u", n->discard->min_interval);
		if (n->discard->has_avg_interval)
			sbuf_printf(out, " avg-interval %u", n->discard->avg_interval);
		sbuf_puts(out, "\r\n");
	}
	if (n->has_kod_enable && n->kod_enable)
		sbuf_puts(out, "ntp-service kod-enable\r\n");
}

void cmd_ntp_auth_render_interface(const Interface *ifc, struct sbuf *out)
{
	if (ifc->has_ntp_in_interface_disable && ifc->ntp_in_interface_disable)
		sbuf_puts(out, " ntp-service in-interface disable\r\n");
}
