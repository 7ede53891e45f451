/*
 * test_access.c: who may log in (clid/access.c, and login.c on top of it):
 * the first-boot rule (the bootstrap's users only while no local user is
 * configured), privilege levels, service types, `state block`, the
 * wrong-password policy counted across dialogues with a fake clock (the
 * block and its expiry), the VTY line settings, `acl ACL inbound`
 * matching, the crypt(3) helpers, and SSH public keys (`ssh user`).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "bootstrap.h"
#include "evlog.h"
#include "login.h"
#include "secret.h"
#include "testutil.h"

#define MIN_US (60ULL * 1000000)

static struct bootstrap bs;
static struct bs_user users[1];
static struct access *acc;

/* The configuration being built by a test. */
static Config cfg;
static Aaa aaa;
static LocalUser lu[3];
static LocalUser *lup[3];
static LocalAaaUserPolicy pol;
static UserInterface ui;
static VtyLine lines[2];
static VtyLine *linep[2];
static Acl acl;
static Acl *aclp[1];
static AclRule rules[3];
static AclRule *rulep[3];

static char *keydir;

static void setup(void)
{
	keydir = test_device_key();
	memset(&bs, 0, sizeof(bs));
	users[0].name = "boot";
	users[0].password_hash = access_hash_password("boot@123");
	cr_assert_not_null(users[0].password_hash);
	bs.cli.users = users;
	bs.cli.n_users = 1;
	bs.cli.max_vty = 5;
	acc = access_new(&bs);
	config__init(&cfg);
	aaa__init(&aaa);
	for (int i = 0; i < 3; i++) {
		local_user__init(&lu[i]);
		lup[i] = &lu[i];
	}
	lu[0].name = "alice";       /* level 1, telnet */
	lu[0].password_hash = access_hash_password("Alice@123");
	lu[0].has_privilege = true;
	lu[0].privilege = 1;
	lu[0].has_service_telnet = lu[0].service_telnet = true;
	lu[1].name = "bob";         /* level 15, ssh only */
	lu[1].password_hash = access_hash_password("Bob@12345");
	lu[1].has_privilege = true;
	lu[1].privilege = 15;
	lu[1].has_service_ssh = lu[1].service_ssh = true;
	lu[2].name = "carol";       /* level 3, telnet, state block */
	lu[2].password_hash = access_hash_password("Carol@123");
	lu[2].has_privilege = true;
	lu[2].privilege = 3;
	lu[2].has_service_telnet = lu[2].service_telnet = true;
	lu[2].has_blocked = lu[2].blocked = true;
	aaa.local_user = lup;
	local_aaa_user_policy__init(&pol);
}

static void teardown(void)
{
	test_device_key_free(keydir);
	access_free(acc);
	free(users[0].password_hash);
	for (int i = 0; i < 3; i++)
		free(lu[i].password_hash);
}

TestSuite(access, .init = setup, .fini = teardown);

static enum access_verdict auth(const char *u, const char *p, enum access_service svc,
				uint64_t now, unsigned *level)
{
	bool blocked_now;
	unsigned lv;

	return access_authenticate(acc, u, p, svc, now, level ? level : &lv, &blocked_now);
}

static void with_users(size_t n)
{
	aaa.n_local_user = n;
	cfg.aaa = &aaa;
	access_set_config(acc, &cfg);
}

Test(access, bootstrap_users_only_while_no_local_user)
{
	unsigned level;

	cr_assert_not(access_local_users(acc));
	cr_assert_eq(auth("boot", "boot@123", ACCESS_SVC_TELNET, 0, &level), ACCESS_OK);
	cr_assert_eq(level, 15);
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_REJECTED);
	/* An aaa view with only a policy is still "no local user", and so is
	 * one whose users have no password (they could not log in). */
	aaa.wrong_password = &pol;
	with_users(0);
	cr_assert_eq(auth("boot", "boot@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_OK);
	{
		char *h = lu[0].password_hash;

		lu[0].password_hash = NULL;
		with_users(1);
		cr_assert_not(access_local_users(acc));
		cr_assert_eq(auth("boot", "boot@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_OK);
		lu[0].password_hash = h;
	}
	with_users(3);
	cr_assert(access_local_users(acc));
	cr_assert_eq(auth("boot", "boot@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_REJECTED);
	cr_assert_not(access_user_known(acc, "boot"));
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, 0, &level), ACCESS_OK);
	cr_assert_eq(level, 1);
	/* Back to none: the bootstrap's users again. */
	access_set_config(acc, NULL);
	cr_assert_eq(auth("boot", "boot@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_OK);
}

Test(access, service_type_state_and_level)
{
	unsigned level;

	with_users(3);
	cr_assert_eq(auth("bob", "Bob@12345", ACCESS_SVC_TELNET, 0, NULL), ACCESS_SERVICE);
	cr_assert_eq(auth("bob", "Bob@12345", ACCESS_SVC_SSH, 0, &level), ACCESS_OK);
	cr_assert_eq(level, 15);
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_SSH, 0, NULL), ACCESS_SERVICE);
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TERMINAL, 0, NULL), ACCESS_SERVICE);
	cr_assert_eq(auth("carol", "Carol@123", ACCESS_SVC_TELNET, 0, NULL), ACCESS_STATE_BLOCK);
	cr_assert_eq(auth("carol", "wrong", ACCESS_SVC_TELNET, 0, NULL), ACCESS_REJECTED);
	lu[2].blocked = false;
	with_users(3);
	cr_assert_eq(auth("carol", "Carol@123", ACCESS_SVC_TELNET, 0, &level), ACCESS_OK);
	cr_assert_eq(level, 3);
	/* No privilege configured: level 0; no password: nobody gets in. */
	lu[2].has_privilege = false;
	with_users(3);
	cr_assert_eq(auth("carol", "Carol@123", ACCESS_SVC_TELNET, 0, &level), ACCESS_OK);
	cr_assert_eq(level, 0);
	free(lu[2].password_hash);
	lu[2].password_hash = NULL;
	with_users(3);
	cr_assert_eq(auth("carol", "", ACCESS_SVC_TELNET, 0, NULL), ACCESS_REJECTED);
	cr_assert_eq(auth("nobody", "x", ACCESS_SVC_TELNET, 0, NULL), ACCESS_REJECTED);
}

Test(access, wrong_passwords_block_then_expire)
{
	bool blocked_now;
	unsigned level;
	uint64_t t = 1000 * MIN_US;

	pol.has_retry_interval = pol.has_retry_time = pol.has_block_time = true;
	pol.retry_interval = 5;
	pol.retry_time = 3;
	pol.block_time = 10;
	aaa.wrong_password = &pol;
	with_users(3);
	/* Two wrong, then a right one: the count starts over. */
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t, NULL), ACCESS_REJECTED);
	cr_assert_eq(auth("alice", "y", ACCESS_SVC_TELNET, t + 1, NULL), ACCESS_REJECTED);
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, t + 2, NULL), ACCESS_OK);
	/* Two wrong, then one more after the retry interval: no block. */
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t, NULL), ACCESS_REJECTED);
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t + MIN_US, NULL), ACCESS_REJECTED);
	t += 6 * MIN_US;
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t, NULL), ACCESS_REJECTED);
	cr_assert_not(access_user_blocked(acc, "alice", t));
	/* Two more within the interval make three: blocked. */
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t + 1, NULL), ACCESS_REJECTED);
	cr_assert_eq(access_authenticate(acc, "alice", "x", ACCESS_SVC_TELNET, t + 2, &level,
					 &blocked_now), ACCESS_BLOCKED);
	cr_assert(blocked_now);
	cr_assert(access_user_blocked(acc, "alice", t + 2));
	/* Blocked: even the right password is refused, other users are not. */
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, t + MIN_US, NULL),
		     ACCESS_BLOCKED);
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, t + 2 + 10 * MIN_US - 1, NULL),
		     ACCESS_BLOCKED);
	cr_assert_eq(auth("bob", "Bob@12345", ACCESS_SVC_SSH, t + MIN_US, NULL), ACCESS_OK);
	/* The block time passed. */
	cr_assert_not(access_user_blocked(acc, "alice", t + 2 + 10 * MIN_US));
	cr_assert_eq(auth("alice", "Alice@123", ACCESS_SVC_TELNET, t + 2 + 10 * MIN_US, NULL),
		     ACCESS_OK);
}

Test(access, default_policy_and_unknown_names)
{
	uint64_t t = 50 * MIN_US;

	with_users(3);
	/* VRP's defaults: 3 within 5 minutes block for 5 minutes. */
	for (int i = 0; i < 2; i++)
		cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t + i, NULL), ACCESS_REJECTED);
	cr_assert_eq(auth("alice", "x", ACCESS_SVC_TELNET, t + 2, NULL), ACCESS_BLOCKED);
	cr_assert(access_user_blocked(acc, "alice", t + 5 * MIN_US + 1));
	cr_assert_not(access_user_blocked(acc, "alice", t + 5 * MIN_US + 2));
	/* A name that is no user is never blocked (and costs no counter). */
	for (int i = 0; i < 5; i++)
		cr_assert_eq(auth("mallory", "x", ACCESS_SVC_TELNET, t + i, NULL),
			     ACCESS_REJECTED);
	cr_assert_not(access_user_blocked(acc, "mallory", t + 5));
}

/* A dialogue over login.c: the block is counted across dialogues (new
 * connections) and shows in the events. */
static struct ev heard[16];
static int n_heard;

static void hear(const struct ev *e, void *arg)
{
	(void)arg;
	if (n_heard < 16)
		heard[n_heard++] = *e;
}

static void sink(void *arg, const char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
}

Test(access, block_across_dialogues)
{
	struct access_line ln;
	bool user_block = false;

	with_users(3);
	access_line(acc, 0, &ln);
	evlog_set_listener(hear, NULL);
	for (int d = 0; d < 3; d++) {
		struct login *l = login_new(&bs, sink, NULL);

		login_set_access(l, acc, &ln);
		login_set_origin(l, "VTY 0", "10.0.1.5");
		cr_assert_eq(login_input(l, "alice"), LOGIN_MORE);
		cr_assert_eq(login_input(l, "nope"), LOGIN_MORE);
		login_free(l);
	}
	{
		struct login *l = login_new(&bs, sink, NULL);

		login_set_access(l, acc, &ln);
		login_input(l, "alice");
		cr_assert_eq(login_input(l, "Alice@123"), LOGIN_MORE);   /* blocked */
		cr_assert_null(login_user(l));
		login_free(l);
	}
	evlog_set_listener(NULL, NULL);
	for (int i = 0; i < n_heard; i++)
		if (!strcmp(heard[i].module, "AAA") && !strcmp(heard[i].brief, "USERBLOCK")) {
			user_block = true;
			cr_assert(strstr(heard[i].text, "UserName=alice"));
			cr_assert(strstr(heard[i].text, "Line=VTY 0"));
			cr_assert(strstr(heard[i].text, "Ip=10.0.1.5"));
		}
	cr_assert(user_block);
	cr_assert(strstr(heard[n_heard - 1].text, "Reason=the user is blocked"));
}

Test(access, login_levels_and_modes)
{
	struct access_line ln;
	struct login *l;
	char sealed[SECRET_SEALED_SIZE];

	with_users(3);
	access_line(acc, 0, &ln);
	l = login_new(&bs, sink, NULL);
	login_set_access(l, acc, &ln);
	login_input(l, "alice");
	cr_assert_eq(login_input(l, "Alice@123"), LOGIN_OK);
	cr_assert_eq(login_level(l), 1);
	login_free(l);
	/* authentication-mode password: only the line's password. */
	ln.mode = ACCESS_AUTH_PASSWORD;
	cr_assert_eq(secret_seal(secret_device_key(), "Line#pw1", sealed, sizeof(sealed)), 0);
	ln.password = sealed;   /* as the configuration holds it */
	l = login_new(&bs, sink, NULL);
	login_set_access(l, acc, &ln);
	cr_assert_str_eq(login_prompt(l), "Password:");
	cr_assert_eq(login_input(l, "wrong"), LOGIN_MORE);
	cr_assert_eq(login_input(l, "Line#pw1"), LOGIN_OK);
	cr_assert_eq(login_level(l), 0);
	login_free(l);
	/* ... at the line's `user privilege level`. */
	ln.level = 3;
	l = login_new(&bs, sink, NULL);
	login_set_access(l, acc, &ln);
	cr_assert_eq(login_input(l, "Line#pw1"), LOGIN_OK);
	cr_assert_eq(login_level(l), 3);
	login_free(l);
	ln.level = 0;
	/* ... with no password set nobody gets in. */
	ln.password = NULL;
	l = login_new(&bs, sink, NULL);
	login_set_access(l, acc, &ln);
	cr_assert_eq(login_input(l, "anything"), LOGIN_DENIED);
	login_free(l);
	/* none: logged in at once. */
	ln.mode = ACCESS_AUTH_NONE;
	l = login_new(&bs, sink, NULL);
	login_set_access(l, acc, &ln);
	cr_assert_not_null(login_user(l));
	login_free(l);
}

static void with_lines(void)
{
	user_interface__init(&ui);
	for (int i = 0; i < 2; i++) {
		vty_line__init(&lines[i]);
		linep[i] = &lines[i];
	}
	lines[0].number = "0";
	lines[0].authentication_mode = "password";
	lines[0].password_cipher = "pw";
	lines[0].has_idle_timeout_min = lines[0].has_idle_timeout_sec = true;
	lines[0].idle_timeout_min = 0;
	lines[0].idle_timeout_sec = 30;
	lines[0].protocol_inbound = "ssh";
	lines[0].has_acl_inbound = true;
	lines[0].acl_inbound = 2001;
	lines[0].has_privilege = true;
	lines[0].privilege = 4;
	lines[1].number = "3";
	lines[1].has_idle_timeout_min = lines[1].has_idle_timeout_sec = true;
	lines[1].idle_timeout_min = 0;     /* 0 0: never */
	lines[1].protocol_inbound = "telnet";
	ui.n_vty = 2;
	ui.vty = linep;
	ui.has_maximum_vty = true;
	ui.maximum_vty = 7;
	cfg.user_interface = &ui;
	access_set_config(acc, &cfg);
}

Test(access, line_settings)
{
	struct access_line ln;

	cr_assert_eq(access_max_vty(acc, 5), 5);
	access_line(acc, 0, &ln);
	cr_assert_eq(ln.mode, ACCESS_AUTH_AAA);
	cr_assert_eq(ln.idle_us, ACCESS_IDLE_DEF_US);
	cr_assert_not(ln.idle_set);
	cr_assert(ln.telnet && ln.ssh);
	cr_assert_eq(ln.acl, 0);
	with_lines();
	cr_assert_eq(access_max_vty(acc, 5), 7);
	access_line(acc, 0, &ln);
	cr_assert_eq(ln.mode, ACCESS_AUTH_PASSWORD);
	cr_assert_str_eq(ln.password, "pw");
	cr_assert(ln.idle_set);
	cr_assert_eq(ln.idle_us, 30ULL * 1000000);
	cr_assert(!ln.telnet && ln.ssh);
	cr_assert_eq(ln.acl, 2001);
	cr_assert_eq(ln.level, 4);
	access_line(acc, 3, &ln);
	cr_assert(ln.idle_set);
	cr_assert_eq(ln.idle_us, 0);
	cr_assert(ln.telnet && !ln.ssh);
	access_line(acc, 1, &ln);   /* not configured */
	cr_assert_eq(ln.idle_us, ACCESS_IDLE_DEF_US);
}

static bool permits(uint32_t number, const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &sin.sin_addr) == 1)
		return access_acl_permits(acc, number, (struct sockaddr *)&sin);
	cr_assert_eq(inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1);
	return access_acl_permits(acc, number, (struct sockaddr *)&sin6);
}

Test(access, acl_inbound)
{
	/* acl number 2001: rule 5 deny 10.0.1.7 0, rule 10 permit 10.0.1.0 0.0.0.255
	 * (listed as "10" before "5": the ids decide, not the order). */
	acl__init(&acl);
	acl.number = "2001";
	for (int i = 0; i < 3; i++) {
		acl_rule__init(&rules[i]);
		rulep[i] = &rules[i];
	}
	rules[0].id = "10";
	rules[0].source = "10.0.1.0";
	rules[0].wildcard = "0.0.0.255";
	rules[1].id = "5";
	rules[1].has_deny = rules[1].deny = true;
	rules[1].source = "10.0.1.7";
	acl.n_rule = 2;
	acl.rule = rulep;
	aclp[0] = &acl;
	cfg.n_acl = 1;
	cfg.acl = aclp;
	access_set_config(acc, &cfg);
	cr_assert(permits(0, "192.0.2.1"));          /* no acl inbound */
	cr_assert(permits(2001, "10.0.1.5"));
	cr_assert_not(permits(2001, "10.0.1.7"));    /* rule 5 first */
	cr_assert_not(permits(2001, "10.0.2.5"));    /* no rule matched: refused */
	cr_assert(permits(2001, "::ffff:10.0.1.5")); /* v4-mapped: as IPv4 */
	cr_assert_not(permits(2001, "::ffff:10.0.1.7"));
	cr_assert(permits(2001, "2001:db8::1"));     /* an IPv4 ACL says nothing of IPv6 */
	cr_assert(permits(2002, "10.0.2.5"));        /* no such ACL: everyone */
	/* A rule without source matches everything. */
	rules[2].id = "20";
	rules[2].has_deny = rules[2].deny = true;
	acl.n_rule = 3;
	rules[0].source = "10.9.0.0";
	access_set_config(acc, &cfg);
	cr_assert_not(permits(2001, "10.0.1.5"));
	/* An ACL without rules lets everyone in. */
	acl.n_rule = 0;
	access_set_config(acc, &cfg);
	cr_assert(permits(2001, "10.0.1.5"));
}

Test(access, hashes)
{
	char *h = access_hash_password("S3cret!");

	cr_assert_not_null(h);
	cr_assert(!strncmp(h, "$y$", 3) || !strncmp(h, "$6$", 3), "%s", h);
	cr_assert_null(strstr(h, "S3cret!"));
	cr_assert(access_check_hash("S3cret!", h));
	cr_assert_not(access_check_hash("S3cret?", h));
	cr_assert_not(access_check_hash("S3cret!", "S3cret!"));   /* not a hash */
	cr_assert_not(access_check_hash("S3cret!", NULL));
	free(h);
}

/* `ssh user` and the peer public keys: a key logs in only as the user it
 * is assigned to, under an authentication-type that takes its kind, and
 * the user's state, service-type and level still apply. */
Test(access, public_keys)
{
	static const char ed[] = "AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf";
	Ssh ssh = SSH__INIT;
	SshUser su = SSH_USER__INIT, *sup[1] = { &su };
	PeerPublicKey k = PEER_PUBLIC_KEY__INIT, *kp[1] = { &k };
	uint8_t blob[PUBKEY_BLOB_MAX], other[PUBKEY_BLOB_MAX];
	size_t len, olen;
	char err[160];
	unsigned level;

	cr_assert_eq(pubkey_blob(PUBKEY_ECC, true, ed, blob, &len, err, sizeof(err)), 0);
	memcpy(other, blob, len);
	other[len - 1] ^= 1;
	olen = len;
	k.name = "k1";
	k.has_openssh = k.openssh = true;
	k.code = (char *)ed;
	ssh.n_ecc_peer_key = 1;
	ssh.ecc_peer_key = kp;
	su.name = "bob";
	su.ecc_key = "k1";
	ssh.n_user = 1;
	ssh.user = sup;
	cfg.ssh = &ssh;
	with_users(3);

	/* No authentication-type: password only. */
	cr_assert(access_ssh_password_allowed(acc, "bob"));
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_REJECTED);
	su.authentication_type = "ecc";
	access_set_config(acc, &cfg);
	cr_assert_not(access_ssh_password_allowed(acc, "bob"));
	cr_assert(access_ssh_password_allowed(acc, "alice"));      /* no ssh user */
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_OK);
	cr_assert_eq(level, 15);
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, other, olen, 0, &level),
		     ACCESS_REJECTED);
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_RSA, blob, len, 0, &level),
		     ACCESS_REJECTED);
	cr_assert_eq(access_authenticate_key(acc, "alice", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_REJECTED);
	su.authentication_type = "rsa";
	access_set_config(acc, &cfg);
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_REJECTED);
	su.authentication_type = "all";
	access_set_config(acc, &cfg);
	cr_assert(access_ssh_password_allowed(acc, "bob"));
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_OK);
	/* The local user decides the rest: no service-type ssh, state block. */
	lu[1].service_ssh = false;
	access_set_config(acc, &cfg);
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_SERVICE);
	lu[1].service_ssh = true;
	lu[1].has_blocked = lu[1].blocked = true;
	access_set_config(acc, &cfg);
	cr_assert_eq(access_authenticate_key(acc, "bob", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_STATE_BLOCK);
	/* An ssh user who is not a local user can not log in with a key. */
	su.name = "dave";
	access_set_config(acc, &cfg);
	cr_assert_eq(access_authenticate_key(acc, "dave", PUBKEY_ECC, blob, len, 0, &level),
		     ACCESS_REJECTED);
	cfg.ssh = NULL;
}
