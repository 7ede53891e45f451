/*
 * login.h: the VTY login dialogue ("Username:", "Password:"), independent of
 * sockets.
 *
 * The front end shows login_prompt(), reads a line (without echo while
 * login_secret() is true) and hands it to login_input().  Who may log in
 * is access.c's decision (local users, else the bootstrap file's cli.users:
 * see access.h); without login_set_access() only the bootstrap users do;
 * a wrong user or password writes "Error: Local authentication is rejected."
 * and starts over at "Username:"; the third failure ends the dialogue.
 */
#ifndef MERIDIAN_LOGIN_H
#define MERIDIAN_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

struct access;
struct access_line;
struct bootstrap;
struct login;

#define LOGIN_MAX_FAILURES 3

enum login_result {
	LOGIN_MORE = 0,   /* show login_prompt() and read another line */
	LOGIN_OK,         /* authenticated as login_user() */
	LOGIN_DENIED,     /* too many failures: close the connection */
};

typedef void (*login_write_fn)(void *arg, const char *buf, size_t len);

/* A dialogue at "Username:".  bs must outlive it; messages go to out. */
struct login *login_new(const struct bootstrap *bs, login_write_fn out, void *out_arg);
void login_free(struct login *l);

/* Decide with `acc` (borrowed, outlives the dialogue) under the line's
 * settings ln (copied): `authentication-mode password` asks only the
 * line's password. */
void login_set_access(struct login *l, struct access *acc, const struct access_line *ln);
/* Where the login comes from (line "VTY 0", peer address), for the
 * login events. */
void login_set_origin(struct login *l, const char *line, const char *peer);
/* "Username:" or "Password:". */
const char *login_prompt(const struct login *l);
/* True while the next line is a password (do not echo it). */
bool login_secret(const struct login *l);
/* Feed one finished line.  An empty user name just asks again. */
enum login_result login_input(struct login *l, const char *line);
/* The authenticated user after LOGIN_OK, else NULL. */
const char *login_user(const struct login *l);
/* The privilege level (0..15) after LOGIN_OK, else 0. */
unsigned login_level(const struct login *l);
/* Failures so far. */
int login_failures(const struct login *l);

/* True when `password` matches the crypt(3) hash of `user` in bs.  Any
 * failure (unknown user, hash not in "$id$..." form, crypt error) is false;
 * the comparison takes constant time in the hash contents. */
bool login_check(const struct bootstrap *bs, const char *user, const char *password);

#endif
