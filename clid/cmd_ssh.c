/*
 * cmd_ssh.c: the system-view commands of clid's remote access servers:
 *
 *   stelnet server enable                  undo stelnet server enable
 *   ssh server port P  (22, 1025..55535)   undo ssh server port
 *   telnet server enable                   undo telnet server enable
 *   ssh user NAME                          undo ssh user NAME
 *   ssh user NAME authentication-type { password | rsa | ecc | all }
 *   ssh user NAME assign { rsa-key | ecc-key } KEY
 *   { rsa | ecc } peer-public-key KEY [ encoding-type { der | openssh } ]
 *     public-key-code begin
 *       ... the key (common/pubkey.h: hex, or an OpenSSH key line) ...
 *     public-key-code end
 *     peer-public-key end
 *
 * The key text typed between `public-key-code begin` and `end` is held by
 * the session (cli_session.pk; cli.c hands each line of that view here)
 * and becomes one edit at `public-key-code end`, checked then: a key that
 * does not parse is refused at once, as VRP refuses it.  A user whose
 * authentication-type is rsa or ecc logs in with that key only; password
 * and an absent `ssh user` mean the password; all takes either.  VRP8's
 * password-rsa and password-ecc (both at once) are not taken.
 *
 * and their lines in `display current-configuration`; `display ssh
 * user-information` the SSH users; `display ssh server
 * status` and `display ssh server session` show the server itself
 * (ssh.c), when the backend has one.  VRP8's commands
 * (../shared/reference/vrp-operator.md); clid follows them (main.c through
 * access.c): SSH listens while `stelnet server enable` says so (absent:
 * while the bootstrap's cli.ssh_port is set), on the configured port;
 * telnet is on unless `undo telnet server enable` says otherwise.  Only
 * new connections are concerned: sessions logged in stay.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "backend.h"
#include "cli_int.h"
#include "cmd.h"
#include "log.h"
#include "pubkey.h"
#include "ssh.h"

/* The most key text a session holds (an RSA key of 16384 bits in hex). */
#define PKEY_TEXT_MAX 8192

static const struct cmd_kwhelp ssh_kw[] = {
	{ "stelnet", "STelnet protocol" },
	{ "server", "Server" },
	{ "enable", "Enable the server" },
	{ "ssh", "SSH protocol" },
	{ "port", "Set the port number of the SSH server" },
	{ "telnet", "Telnet protocol" },
	{ "display", "Display information" },
	{ "status", "Display the status of the SSH server" },
	{ "session", "Display the sessions of the SSH server" },
	{ "user", "SSH user" },
	{ "user-information", "Display the SSH users" },
	{ "authentication-type", "Specify the authentication type of an SSH user" },
	{ "password", "Password authentication" },
	{ "rsa", "RSA" },
	{ "ecc", "ECC" },
	{ "all", "Password, RSA or ECC authentication" },
	{ "assign", "Assign a public key to an SSH user" },
	{ "rsa-key", "RSA public key" },
	{ "ecc-key", "ECC public key" },
	{ "peer-public-key", "Specify a peer public key" },
	{ "encoding-type", "Encoding type of the public key" },
	{ "der", "DER (hexadecimal)" },
	{ "openssh", "OpenSSH public key format" },
	{ "public-key-code", "Public key code" },
	{ "begin", "Enter the public key code view" },
	{ "end", "End" },
	{ NULL, NULL },
};

static const struct cmd_param ssh_params[] = {
	{ "port-number", GP_INT, 22, 55535, "Port number (22 or 1025 to 55535)" },
	{ "user-name", GP_STRING, 1, 64, "SSH user name" },
	{ "key-name", GP_STRING, 1, 40, "Name of the public key" },
	{ NULL, 0, 0, 0, NULL },
};

static Config *frag_ssh(void)
{
	Config *c = frag_new();

	c->ssh = xmalloc(sizeof(*c->ssh));
	ssh__init(c->ssh);
	return c;
}

static int h_stelnet(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c = frag_ssh();

	c->ssh->has_server_enable = true;
	c->ssh->server_enable = !a->undo;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_ssh_port(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;
	uint32_t port;

	if (a->undo) {
		cmd_edit_delete(ctx, "ssh", "port", NULL);
		return 0;
	}
	port = cmd_arg_u32(a, "port-number", 22);
	if (port != 22 && port < 1025)
		return cmd_error_at(ctx, cmd_arg_tok(a, "port-number"), GRAM_WRONG_PARAM);
	c = frag_ssh();
	c->ssh->has_port = true;
	c->ssh->port = port;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_telnet(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	Config *c;

	if (!a->undo) {
		cmd_edit_delete(ctx, "telnet", "server_enable", NULL);
		return 0;
	}
	c = frag_new();
	c->telnet = xmalloc(sizeof(*c->telnet));
	telnet__init(c->telnet);
	c->telnet->has_server_enable = true;
	c->telnet->server_enable = false;
	cmd_edit_set(ctx, c);
	return 0;
}

static SshUser *frag_ssh_user(Config *c, const char *name)
{
	SshUser *u = xmalloc(sizeof(*u));

	ssh_user__init(u);
	u->name = xstrdup(name);
	c->ssh->n_user = 1;
	c->ssh->user = xcalloc(1, sizeof(*c->ssh->user));
	c->ssh->user[0] = u;
	return u;
}

static int h_ssh_user(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *name = cmd_arg(a, "user-name");
	Config *c;
	SshUser *u;

	if (a->undo) {
		if (cmd_has(a, "authentication-type"))
			cmd_edit_delete(ctx, "ssh", "user", name, "authentication_type", NULL);
		else if (cmd_has(a, "rsa-key"))
			cmd_edit_delete(ctx, "ssh", "user", name, "rsa_key", NULL);
		else if (cmd_has(a, "ecc-key"))
			cmd_edit_delete(ctx, "ssh", "user", name, "ecc_key", NULL);
		else
			cmd_edit_delete(ctx, "ssh", "user", name, NULL);
		return 0;
	}
	if (strpbrk(name, "?\""))
		return cmd_error_at(ctx, cmd_arg_tok(a, "user-name"), GRAM_WRONG_PARAM);
	c = frag_ssh();
	u = frag_ssh_user(c, name);
	if (cmd_has(a, "authentication-type"))
		u->authentication_type = xstrdup(cmd_has(a, "rsa") ? "rsa" : cmd_has(a, "ecc") ? "ecc"
						 : cmd_has(a, "all") ? "all" : "password");
	else if (cmd_has(a, "rsa-key"))
		u->rsa_key = xstrdup(cmd_arg(a, "key-name"));
	else if (cmd_has(a, "ecc-key"))
		u->ecc_key = xstrdup(cmd_arg(a, "key-name"));
	cmd_edit_set(ctx, c);
	return 0;
}

static void pk_forget(struct cli_session *s)
{
	if (s->pk.code)
		explicit_bzero(s->pk.code, s->pk.len);
	free(s->pk.code);
	s->pk.code = NULL;
	s->pk.len = 0;
}

static int h_peer_key(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cli_session *s = ctx->s;
	bool ecc = cmd_has(a, "ecc");
	const char *name = cmd_arg(a, "key-name");

	if (a->undo) {
		cmd_edit_delete(ctx, "ssh", ecc ? "ecc_peer_key" : "rsa_peer_key", name, NULL);
		return 0;
	}
	if (strpbrk(name, "?\""))
		return cmd_error_at(ctx, cmd_arg_tok(a, "key-name"), GRAM_WRONG_PARAM);
	pk_forget(s);
	s->pk.ecc = ecc;
	s->pk.openssh = cmd_has(a, "openssh");
	snprintf(s->pk.name, sizeof(s->pk.name), "%s", name);
	cmd_printf(ctx, "Enter \"%s public key\" view, return system view with "
		   "\"peer-public-key end\".\r\n", ecc ? "ECC" : "RSA");
	cmd_set_view(ctx, CLI_VIEW_PKEY, NULL);
	return 0;
}

static int h_code_begin(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cli_session *s = ctx->s;

	pk_forget(s);
	cmd_printf(ctx, "Enter \"%s key code\" view, return last view with "
		   "\"public-key-code end\".\r\n", s->pk.ecc ? "ECC" : "RSA");
	cmd_set_view(ctx, CLI_VIEW_PKEY_CODE, NULL);
	return 0;
}

bool cmd_ssh_is_code_end(const char *word)
{
	size_t n = strlen(word);

	return n >= 2 && n <= 15 && !strncasecmp(word, "public-key-code", n);
}

void cmd_ssh_code_line(struct cli_session *s, const char *line)
{
	size_t n = strlen(line);

	if (s->pk.len + n + 2 > PKEY_TEXT_MAX) {
		cli_out_str(s, "Error: The public key is too long.\r\n");
		return;
	}
	s->pk.code = xrealloc(s->pk.code, s->pk.len + n + 2);
	memcpy(s->pk.code + s->pk.len, line, n);
	s->pk.len += n;
	s->pk.code[s->pk.len++] = '\n';
	s->pk.code[s->pk.len] = '\0';
}

static int h_code_end(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct cli_session *s = ctx->s;
	enum pubkey_kind kind = s->pk.ecc ? PUBKEY_ECC : PUBKEY_RSA;
	PeerPublicKey *k;
	char err[160], *code = NULL;
	Config *c;

	cmd_set_view(ctx, CLI_VIEW_PKEY, NULL);
	if (!s->pk.code)
		return cmd_error(ctx, "No public key code was entered.");
	if (pubkey_normalise(kind, s->pk.openssh, s->pk.code, &code, err, sizeof(err)) < 0) {
		pk_forget(s);
		return cmd_error(ctx, "%s", err);
	}
	pk_forget(s);
	c = frag_ssh();
	k = xmalloc(sizeof(*k));
	peer_public_key__init(k);
	k->name = xstrdup(s->pk.name);
	k->has_openssh = true;
	k->openssh = s->pk.openssh;
	k->code = code;
	if (s->pk.ecc) {
		c->ssh->n_ecc_peer_key = 1;
		c->ssh->ecc_peer_key = xcalloc(1, sizeof(*c->ssh->ecc_peer_key));
		c->ssh->ecc_peer_key[0] = k;
	} else {
		c->ssh->n_rsa_peer_key = 1;
		c->ssh->rsa_peer_key = xcalloc(1, sizeof(*c->ssh->rsa_peer_key));
		c->ssh->rsa_peer_key[0] = k;
	}
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_pk_end(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	pk_forget(ctx->s);
	cmd_set_view(ctx, CLI_VIEW_SYSTEM, NULL);
	return 0;
}

/* `display ssh user-information [ user-name ]`: the NE40E's layout (its
 * SFTP example: a block per `ssh user`, a rule above and below, a total);
 * Sftp-directory "-" (no SFTP here), Service-type stelnet.  The key shown
 * is the one the authentication-type uses (rsa, else ecc). */
static int h_display_users(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	static const char *const fields[] = { "ssh", NULL };
	static const char rule[] = " ----------------------------------------------------\r\n";
	static const char fmt[] = " %-24s: %s\r\n";
	const char *only = cmd_arg(a, "user-name");
	struct sbuf b = { 0 };
	size_t total = 0, printed = 0;
	Config *c;

	if (cmd_get_running_fields(ctx, fields, &c) < 0)
		return -1;
	sbuf_puts(&b, rule);
	for (size_t i = 0; c->ssh && i < c->ssh->n_user; i++) {
		const SshUser *u = c->ssh->user[i];
		const char *type = u->authentication_type ? u->authentication_type : "password";
		bool ecc = !strcmp(type, "ecc") || (!u->rsa_key && u->ecc_key);
		const char *key = ecc ? u->ecc_key : u->rsa_key;

		total++;
		if (only && strcmp(only, u->name))
			continue;
		sbuf_printf(&b, "%s", printed++ ? "\r\n" : "");
		sbuf_printf(&b, fmt, "Username", u->name);
		sbuf_printf(&b, fmt, "Authentication-type", type);
		sbuf_printf(&b, fmt, "User-public-key-name", key ? key : "");
		sbuf_printf(&b, fmt, "User-public-key-type", !key ? "-" : ecc ? "ECC" : "RSA");
		sbuf_printf(&b, fmt, "Sftp-directory", "-");
		sbuf_printf(&b, fmt, "Service-type", "stelnet");
	}
	sbuf_puts(&b, rule);
	sbuf_printf(&b, " Total %zu, %zu printed\r\n", total, printed);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
	return 0;
}

static int h_display(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	struct ssh_server *srv = ctx->s->be->ssh;
	struct sbuf b = { 0 };

	if (!srv)
		return cmd_error(ctx, "The SSH server is not available.");
	if (cmd_has(a, "status"))
		ssh_server_render_status(srv, &b);
	else
		ssh_server_render_sessions(srv, &b);
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	return 0;
}

/* The peer public keys as the NE40E's configuration files show them
 * (hex in words of 8, 5 to a line); an OpenSSH key's base64 in lines of
 * 64 (each shorter than a command line, so the output pastes back). */
static void render_keys(PeerPublicKey *const *keys, size_t n, const char *kind,
			struct sbuf *out)
{
	for (size_t i = 0; i < n; i++) {
		const PeerPublicKey *k = keys[i];
		bool openssh = k->has_openssh && k->openssh;
		const char *code = k->code ? k->code : "";
		size_t len = strlen(code);

		sbuf_printf(out, "#\r\n%s peer-public-key %s%s\r\n public-key-code begin\r\n",
			    kind, k->name, openssh ? " encoding-type openssh" : "");
		for (size_t off = 0; off < len;) {
			size_t line = openssh ? 64 : 40;

			sbuf_puts(out, "  ");
			for (size_t j = 0; j < line && off < len; j++, off++) {
				if (!openssh && j && j % 8 == 0)
					sbuf_puts(out, " ");
				sbuf_add(out, code + off, 1);
			}
			sbuf_puts(out, "\r\n");
		}
		sbuf_puts(out, " public-key-code end\r\n peer-public-key end\r\n");
	}
}

void cmd_ssh_render(const Config *c, struct sbuf *out)
{
	const Ssh *s = c ? c->ssh : NULL;
	bool any = false;

	if (c && c->telnet && c->telnet->has_server_enable && !c->telnet->server_enable) {
		sbuf_puts(out, "#\r\nundo telnet server enable\r\n");
		any = true;
	}
	if (s && s->has_server_enable) {
		sbuf_printf(out, "%s%sstelnet server enable\r\n", any ? "" : "#\r\n",
			    s->server_enable ? "" : "undo ");
		any = true;
	}
	if (s && s->has_port) {
		sbuf_printf(out, "%sssh server port %u\r\n", any ? "" : "#\r\n", s->port);
		any = true;
	}
	if (!s)
		return;
	render_keys(s->rsa_peer_key, s->n_rsa_peer_key, "rsa", out);
	render_keys(s->ecc_peer_key, s->n_ecc_peer_key, "ecc", out);
	for (size_t i = 0; i < s->n_user; i++) {
		const SshUser *u = s->user[i];

		sbuf_printf(out, "%sssh user %s\r\n", i == 0 ? "#\r\n" : "", u->name);
		if (u->rsa_key)
			sbuf_printf(out, "ssh user %s assign rsa-key %s\r\n", u->name, u->rsa_key);
		if (u->ecc_key)
			sbuf_printf(out, "ssh user %s assign ecc-key %s\r\n", u->name, u->ecc_key);
		if (u->authentication_type)
			sbuf_printf(out, "ssh user %s authentication-type %s\r\n", u->name,
				    u->authentication_type);
	}
}

const struct cmd_entry cmd_ssh_entries[] = {
	{ CLI_V_SYSTEM, "stelnet server enable", "undo stelnet server enable", NULL, ssh_kw,
	  h_stelnet },
	{ CLI_V_SYSTEM, "ssh server port port-number", "undo ssh server port", ssh_params,
	  ssh_kw, h_ssh_port },
	{ CLI_V_SYSTEM, "telnet server enable", "undo telnet server enable", NULL, ssh_kw,
	  h_telnet },
	{ CLI_V_ALL, "display ssh server { status | session }", NULL, NULL, ssh_kw, h_display },
	{ CLI_V_ALL, "display ssh user-information [ user-name ]", NULL, ssh_params, ssh_kw,
	  h_display_users },
	{ CLI_V_SYSTEM, "ssh user user-name", "undo ssh user user-name", ssh_params, ssh_kw,
	  h_ssh_user },
	{ CLI_V_SYSTEM, "ssh user user-name authentication-type { password | rsa | ecc | all }",
	  "undo ssh user user-name authentication-type", ssh_params, ssh_kw, h_ssh_user },
	{ CLI_V_SYSTEM, "ssh user user-name assign { rsa-key | ecc-key } key-name",
	  "undo ssh user user-name assign { rsa-key | ecc-key }", ssh_params, ssh_kw, h_ssh_user },
	{ CLI_V_SYSTEM, "rsa peer-public-key key-name [ encoding-type { der | openssh } ]",
	  "undo rsa peer-public-key key-name", ssh_params, ssh_kw, h_peer_key },
	{ CLI_V_SYSTEM, "ecc peer-public-key key-name [ encoding-type { der | openssh } ]",
	  "undo ecc peer-public-key key-name", ssh_params, ssh_kw, h_peer_key },
	{ CLI_V_PKEY, "public-key-code begin", NULL, NULL, ssh_kw, h_code_begin },
	{ CLI_V_PKEY, "peer-public-key end", NULL, NULL, ssh_kw, h_pk_end },
	{ CLI_V_PKEY_CODE, "public-key-code end", NULL, NULL, ssh_kw, h_code_end },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};
