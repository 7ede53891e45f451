/*
 * login.c: the VTY login dialogue (see login.h).
 *
 * Two states, user and password.  The password is checked with crypt_rn()
 * against the user's hash from the bootstrap file; an unknown user still
 * costs one crypt_rn() (with another user's hash as the setting) so the
 * answer time does not tell which user names exist.  Nothing here writes
 * a password anywhere.  Each outcome is an event for `display logbuffer`
 * (evlog.h): SHELL/5/LOGIN and SHELL/4/LOGINFAILED, VRP's log names, with
 * texts in VRP8's style (their exact VRP8 wording was not found); a failed
 * login names the user only when it is a configured one ("**" otherwise,
 * VRP's placeholder), so a password typed as a user name is never kept.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "evlog.h"
#include "log.h"
#include "login.h"

enum login_state { ST_USER = 0, ST_PASS, ST_DONE };

struct login {
	const struct bootstrap *bs;
	login_write_fn out;
	void *out_arg;
	enum login_state state;
	int failures;
	char *user;
	bool ok;
	char line[32];     /* "VTY 0", for the events */
	char peer[64];     /* the address logging in from */
};

static void say(struct login *l, const char *s)
{
	l->out(l->out_arg, s, strlen(s));
}

/* Equal strings, in time that depends only on the lengths. */
static bool ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;
	size_t n = la < lb ? la : lb;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool login_check(const struct bootstrap *bs, const char *user, const char *password)
{
	const struct bs_user *u = NULL;
	const char *setting;
	struct crypt_data *cd;
	const char *res;
	bool ok;

	for (size_t i = 0; i < bs->cli.n_users; i++) {
		if (bs->cli.users[i].name && strcmp(bs->cli.users[i].name, user) == 0) {
			u = &bs->cli.users[i];
			break;
		}
	}
	if (u && u->password_hash)
		setting = u->password_hash;
	else if (bs->cli.n_users > 0 && bs->cli.users[0].password_hash)
		setting = bs->cli.users[0].password_hash;   /* same cost, always rejected */
	else
		return false;

	/* crypt_rn, not crypt_r: sanitizer runtimes intercept crypt_r, which
	 * lets the linker drop libcrypt (--as-needed) and leaves the
	 * interceptor nothing to call.  crypt_rn also returns NULL on failure
	 * instead of a "*0" string. */
	cd = xcalloc(1, sizeof(*cd));
	res = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	ok = u && u->password_hash && u->password_hash[0] == '$' &&
	     res && res[0] == '$' && ct_streq(res, u->password_hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

struct login *login_new(const struct bootstrap *bs, login_write_fn out, void *out_arg)
{
	struct login *l = xcalloc(1, sizeof(*l));

	l->bs = bs;
	l->out = out;
	l->out_arg = out_arg;
	return l;
}

void login_free(struct login *l)
{
	if (!l)
		return;
	free(l->user);
	free(l);
}

void login_set_origin(struct login *l, const char *line, const char *peer)
{
	snprintf(l->line, sizeof(l->line), "%s", line ? line : "");
	snprintf(l->peer, sizeof(l->peer), "%s", peer && peer[0] ? peer : "**");
}

static bool user_known(const struct bootstrap *bs, const char *user)
{
	for (size_t i = 0; i < bs->cli.n_users; i++)
		if (bs->cli.users[i].name && strcmp(bs->cli.users[i].name, user) == 0)
			return true;
	return false;
}

const char *login_prompt(const struct login *l)
{
	return l->state == ST_PASS ? "Password:" : "Username:";
}

bool login_secret(const struct login *l)
{
	return l->state == ST_PASS;
}

const char *login_user(const struct login *l)
{
	return l->ok ? l->user : NULL;
}

int login_failures(const struct login *l)
{
	return l->failures;
}

enum login_result login_input(struct login *l, const char *line)
{
	switch (l->state) {
	case ST_USER:
		if (line[0] == '\0')
			return LOGIN_MORE;
		free(l->user);
		l->user = xstrdup(line);
		l->state = ST_PASS;
		return LOGIN_MORE;
	case ST_PASS:
		if (login_check(l->bs, l->user, line)) {
			l->ok = true;
			l->state = ST_DONE;
			evlog(EV_NOTICE, "SHELL", "LOGIN",
			      "The user succeeded in logging in to %s. (UserType=Telnet, "
			      "UserName=%s, RemoteIp=%s, VpnName=)", l->line[0] ? l->line : "VTY",
			      l->user, l->peer[0] ? l->peer : "**");
			return LOGIN_OK;
		}
		l->failures++;
		evlog(EV_WARNING, "SHELL", "LOGINFAILED",
		      "Failed to login. (Ip=%s, UserName=%s, Times=%d, AccessType=TELNET, "
		      "VpnName=)", l->peer[0] ? l->peer : "**",
		      user_known(l->bs, l->user) ? l->user : "**", l->failures);
		say(l, "Error: Local authentication is rejected.\r\n");
		free(l->user);
		l->user = NULL;
		if (l->failures >= LOGIN_MAX_FAILURES) {
			l->state = ST_DONE;
			return LOGIN_DENIED;
		}
		l->state = ST_USER;
		return LOGIN_MORE;
	case ST_DONE:
		break;
	}
	return l->ok ? LOGIN_OK : LOGIN_DENIED;
}
