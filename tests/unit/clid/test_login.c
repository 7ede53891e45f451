/*
 * test_login.c: the VTY login dialogue against crypt(3) hashes made at test
 * time with a random salt: right and wrong passwords, unknown users, bad
 * hashes, and the third failure ending the dialogue.
 */
#include <criterion/criterion.h>
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "evlog.h"
#include "login.h"

static struct bootstrap bs;
static struct bs_user users[3];
static char out[4096];
static size_t outlen;

static void cap_write(void *arg, const char *buf, size_t len)
{
	if (outlen + len >= sizeof(out))
		return;
	memcpy(out + outlen, buf, len);
	outlen += len;
	out[outlen] = '\0';
}

static char *make_hash(const char *prefix, const char *password)
{
	const char *salt = crypt_gensalt(prefix, 0, NULL, 0);
	const char *h;

	cr_assert_not_null(salt, "crypt_gensalt");
	h = crypt(password, salt);
	cr_assert(h && h[0] == '$', "crypt");
	return strdup(h);
}

static void setup(void)
{
	memset(&bs, 0, sizeof(bs));
	users[0].name = "admin";
	users[0].password_hash = make_hash(NULL, "admin@123");        /* default: yescrypt */
	users[1].name = "oper";
	users[1].password_hash = make_hash("$6$", "Oper#456");
	users[2].name = "broken";
	users[2].password_hash = strdup("plaintext");              /* not a crypt hash */
	bs.cli.users = users;
	bs.cli.n_users = 3;
	bs.cli.max_vty = 5;
	outlen = 0;
	out[0] = '\0';
}

static void teardown(void)
{
	for (int i = 0; i < 3; i++)
		free(users[i].password_hash);
}

TestSuite(login, .init = setup, .fini = teardown);

Test(login, check_passwords)
{
	cr_assert(login_check(&bs, "admin", "admin@123"));
	cr_assert(login_check(&bs, "oper", "Oper#456"));
	cr_assert_not(login_check(&bs, "admin", "admin@124"));
	cr_assert_not(login_check(&bs, "admin", ""));
	cr_assert_not(login_check(&bs, "oper", "admin@123"));
	cr_assert_not(login_check(&bs, "nobody", "admin@123"));
	cr_assert_not(login_check(&bs, "Admin", "admin@123"));
	cr_assert_not(login_check(&bs, "broken", "plaintext"));
}

Test(login, no_users_rejects_everyone)
{
	struct bootstrap empty;

	memset(&empty, 0, sizeof(empty));
	cr_assert_not(login_check(&empty, "admin", "admin@123"));
}

Test(login, dialogue_success)
{
	struct login *l = login_new(&bs, cap_write, NULL);

	cr_assert_str_eq(login_prompt(l), "Username:");
	cr_assert_not(login_secret(l));
	cr_assert_eq(login_input(l, ""), LOGIN_MORE);      /* empty name: ask again */
	cr_assert_str_eq(login_prompt(l), "Username:");
	cr_assert_eq(login_input(l, "admin"), LOGIN_MORE);
	cr_assert_str_eq(login_prompt(l), "Password:");
	cr_assert(login_secret(l));
	cr_assert_null(login_user(l));
	cr_assert_eq(login_input(l, "admin@123"), LOGIN_OK);
	cr_assert_str_eq(login_user(l), "admin");
	cr_assert_eq(outlen, 0);
	login_free(l);
}

Test(login, wrong_then_right)
{
	struct login *l = login_new(&bs, cap_write, NULL);

	cr_assert_eq(login_input(l, "admin"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "wrong"), LOGIN_MORE);
	cr_assert_str_eq(out, "Error: Local authentication is rejected.\r\n");
	cr_assert_str_eq(login_prompt(l), "Username:");
	cr_assert_eq(login_failures(l), 1);
	cr_assert_eq(login_input(l, "oper"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "Oper#456"), LOGIN_OK);
	cr_assert_str_eq(login_user(l), "oper");
	login_free(l);
}

Test(login, three_failures_deny)
{
	struct login *l = login_new(&bs, cap_write, NULL);

	cr_assert_eq(login_input(l, "admin"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "x"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "nobody"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "admin@123"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "broken"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "plaintext"), LOGIN_DENIED);
	cr_assert_eq(login_failures(l), 3);
	cr_assert_null(login_user(l));
	/* Nothing more is accepted, not even the right password. */
	cr_assert_eq(login_input(l, "admin"), LOGIN_DENIED);
	cr_assert_str_eq(out, "Error: Local authentication is rejected.\r\n"
			      "Error: Local authentication is rejected.\r\n"
			      "Error: Local authentication is rejected.\r\n");
	login_free(l);
}

/* The events of `display logbuffer`: a failed login names the user only
 * when it is a configured one, a login names line and address. */
static struct ev heard[4];
static int n_heard;

static void hear(const struct ev *e, void *arg)
{
	(void)arg;
	if (n_heard < 4)
		heard[n_heard++] = *e;
}

Test(login, events)
{
	struct login *l = login_new(&bs, cap_write, NULL);

	evlog_set_listener(hear, NULL);
	login_set_origin(l, "VTY 2", "10.0.1.5");
	login_input(l, "admin");
	login_input(l, "wrong");
	login_input(l, "Secret!pass");   /* a password typed as a user name */
	login_input(l, "x");
	login_input(l, "admin");
	cr_assert_eq(login_input(l, "admin@123"), LOGIN_OK);
	evlog_set_listener(NULL, NULL);
	cr_assert_eq(n_heard, 3);
	cr_assert_str_eq(heard[0].module, "SHELL");
	cr_assert_str_eq(heard[0].brief, "LOGINFAILED");
	cr_assert_eq(heard[0].severity, EV_WARNING);
	cr_assert_str_eq(heard[0].text, "Failed to login. (Ip=10.0.1.5, UserName=admin, Times=1, "
					"AccessType=TELNET, VpnName=)");
	cr_assert_str_eq(heard[1].text, "Failed to login. (Ip=10.0.1.5, UserName=**, Times=2, "
					"AccessType=TELNET, VpnName=)");
	cr_assert_str_eq(heard[2].brief, "LOGIN");
	cr_assert_eq(heard[2].severity, EV_NOTICE);
	cr_assert_str_eq(heard[2].text, "The user succeeded in logging in to VTY 2. "
					"(UserType=Telnet, UserName=admin, RemoteIp=10.0.1.5, "
					"VpnName=)");
	login_free(l);
}
