/*
 * login.c: the VTY login dialogue (see login.h).
 *
 * Two states, user and password (only the password under
 * `authentication-mode password`).  The decision is access.c's: the local
 * users of the configuration, or the bootstrap file's while none is
 * configured (the first-boot default), checked with crypt(3); an unknown
 * user still costs one crypt(3) so the answer time does not tell which
 * user names exist.  Nothing here writes a password anywhere.  Each
 * outcome is an event for `display logbuffer` (evlog.h): SHELL/5/LOGIN,
 * SHELL/4/LOGINFAILED and AAA/4/USERBLOCK, VRP's log names, with texts in
 * VRP8's style (their exact VRP8 wording was not found); a failed login
 * names the user only when it is a known one ("**" otherwise, VRP's
 * placeholder), so a password typed as a user name is never kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bootstrap.h"
#include "evlog.h"
#include "log.h"
#include "login.h"
#include "loop.h"

enum login_state { ST_USER = 0, ST_PASS, ST_DONE };

struct login {
	struct access *acc;
	bool own_acc;              /* acc is ours (no login_set_access) */
	struct access_line ln;     /* the line's settings */
	login_write_fn out;
	void *out_arg;
	enum login_state state;
	int failures;
	char *user;
	unsigned level;
	bool ok;
	char line[32];     /* "VTY 0", for the events */
	char peer[64];     /* the address logging in from */
};

static void say(struct login *l, const char *s)
{
	l->out(l->out_arg, s, strlen(s));
}

bool login_check(const struct bootstrap *bs, const char *user, const char *password)
{
	const char *hash = NULL, *decoy = NULL;
	bool ok;

	for (size_t i = 0; i < bs->cli.n_users; i++) {
		if (!decoy)
			decoy = bs->cli.users[i].password_hash;
		if (bs->cli.users[i].name && strcmp(bs->cli.users[i].name, user) == 0) {
			hash = bs->cli.users[i].password_hash;
			break;
		}
	}
	if (!hash && !decoy)
		return false;
	ok = access_check_hash(password, hash ? hash : decoy);
	return ok && hash;
}

static enum login_result succeed(struct login *l);

struct login *login_new(const struct bootstrap *bs, login_write_fn out, void *out_arg)
{
	struct login *l = xcalloc(1, sizeof(*l));

	l->acc = access_new(bs);
	l->own_acc = true;
	access_line(l->acc, 0, &l->ln);
	l->out = out;
	l->out_arg = out_arg;
	return l;
}

void login_free(struct login *l)
{
	if (!l)
		return;
	if (l->own_acc)
		access_free(l->acc);
	free(l->user);
	free(l);
}

void login_set_access(struct login *l, struct access *acc, const struct access_line *ln)
{
	if (l->own_acc)
		access_free(l->acc);
	l->acc = acc;
	l->own_acc = false;
	l->ln = *ln;
	if (ln->mode == ACCESS_AUTH_PASSWORD)
		l->state = ST_PASS;
	else if (ln->mode == ACCESS_AUTH_NONE) {
		l->level = ln->level;   /* `user privilege level`, else 0 */
		(void)succeed(l);
	}
}

void login_set_origin(struct login *l, const char *line, const char *peer)
{
	snprintf(l->line, sizeof(l->line), "%s", line ? line : "");
	snprintf(l->peer, sizeof(l->peer), "%s", peer && peer[0] ? peer : "**");
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
	return l->ok ? (l->user ? l->user : "") : NULL;
}

unsigned login_level(const struct login *l)
{
	return l->ok ? l->level : 0;
}

int login_failures(const struct login *l)
{
	return l->failures;
}

static const char *peer_of(const struct login *l)
{
	return l->peer[0] ? l->peer : "**";
}

static enum login_result succeed(struct login *l)
{
	l->ok = true;
	l->state = ST_DONE;
	evlog(EV_NOTICE, "SHELL", "LOGIN",
	      "The user succeeded in logging in to %s. (UserType=Telnet, UserName=%s, "
	      "RemoteIp=%s, VpnName=)", l->line[0] ? l->line : "VTY",
	      l->user && l->user[0] ? l->user : "**", peer_of(l));
	return LOGIN_OK;
}

/* The dialogue for `authentication-mode password`: the line's password. */
static enum login_result password_mode(struct login *l, const char *line)
{
	if (access_line_password_ok(&l->ln, line)) {
		l->level = l->ln.level;   /* `user privilege level`, else 0 */
		return succeed(l);
	}
	l->failures++;
	evlog(EV_WARNING, "SHELL", "LOGINFAILED",
	      "Failed to login. (Ip=%s, UserName=**, Times=%d, AccessType=TELNET, VpnName=)",
	      peer_of(l), l->failures);
	say(l, l->ln.password ? "Error: Password authentication is rejected.\r\n"
			      : "Error: The password is not set.\r\n");
	if (l->failures >= LOGIN_MAX_FAILURES || !l->ln.password) {
		l->state = ST_DONE;
		return LOGIN_DENIED;
	}
	return LOGIN_MORE;
}

enum login_result login_input(struct login *l, const char *line)
{
	enum access_verdict v;
	bool blocked_now, known;

	switch (l->state) {
	case ST_USER:
		if (line[0] == '\0')
			return LOGIN_MORE;
		free(l->user);
		l->user = xstrdup(line);
		l->state = ST_PASS;
		return LOGIN_MORE;
	case ST_PASS:
		if (l->ln.mode == ACCESS_AUTH_PASSWORD)
			return password_mode(l, line);
		v = access_authenticate(l->acc, l->user, line, ACCESS_SVC_TELNET, loop_now_us(),
					&l->level, &blocked_now);
		if (v == ACCESS_OK)
			return succeed(l);
		known = access_user_known(l->acc, l->user);
		l->failures++;
		if (v == ACCESS_REJECTED)
			evlog(EV_WARNING, "SHELL", "LOGINFAILED",
			      "Failed to login. (Ip=%s, UserName=%s, Times=%d, AccessType=TELNET, "
			      "VpnName=)", peer_of(l), known ? l->user : "**", l->failures);
		else
			evlog(EV_WARNING, "SHELL", "LOGINFAILED",
			      "Failed to login. (Ip=%s, UserName=%s, Times=%d, AccessType=TELNET, "
			      "Reason=%s, VpnName=)", peer_of(l), l->user, l->failures,
			      v == ACCESS_BLOCKED ? "the user is blocked" :
			      v == ACCESS_STATE_BLOCK ? "the user state is block" :
			      "the service type is not allowed");
		if (blocked_now)
			evlog(EV_WARNING, "AAA", "USERBLOCK",
			      "The user was blocked after too many wrong passwords. (UserName=%s, "
			      "Line=%s, Ip=%s)", l->user, l->line[0] ? l->line : "VTY", peer_of(l));
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
