/*
 * access.h: who may log in to clid, and on which terms: clid's applied
 * copy of the access configuration (the `aaa` view, the user-interface
 * settings and the basic ACLs named by `acl inbound`), the login decision
 * and the wrong-password counters.
 *
 * The copy follows cfgd's running configuration through a subscription
 * (cfgsub.h, subtrees aaa, user_interface and acl), so a commit applies to
 * the next login at once and never touches a session already open.  Tests
 * set it directly with access_set_config().
 *
 * First-boot rule: while the configuration has no local user with a
 * password, the bootstrap file's cli.users log in (privilege 15, any
 * service); once any `local-user` has one, only the local users do.  (A
 * user made by `local-user X privilege level 3` alone can not log in, so
 * it does not end the first boot: a typo can not lock everyone out.)
 *
 * Wrong passwords are counted per user name, in memory in clid (a clid
 * restart forgets them, as a VRP reboot does): `local-aaa-user
 * wrong-password retry-interval M retry-time N block-time T` blocks a user
 * for T minutes after N wrong passwords within M minutes, across
 * connections.  Time is the caller's (loop_now_us(), a fake clock in
 * tests).
 */
#ifndef MERIDIAN_CLID_ACCESS_H
#define MERIDIAN_CLID_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.pb-c.h"
#include "pubkey.h"

struct bootstrap;
struct loop;
struct sockaddr;
struct access;

/* VRP's defaults of `local-aaa-user wrong-password` (minutes, count). */
#define ACCESS_RETRY_INTERVAL_DEF 5
#define ACCESS_RETRY_TIME_DEF 3
#define ACCESS_BLOCK_TIME_DEF 5
/* A VTY line's idle timeout when none is configured. */
#define ACCESS_IDLE_DEF_US (10ULL * 60 * 1000000)
/* The lowest privilege level that may configure. */
#define ACCESS_LEVEL_CONFIGURE 3

enum access_auth_mode { ACCESS_AUTH_AAA = 0, ACCESS_AUTH_PASSWORD, ACCESS_AUTH_NONE };
enum access_service { ACCESS_SVC_TELNET = 0, ACCESS_SVC_SSH, ACCESS_SVC_TERMINAL };

/* A VTY line's login settings. */
struct access_line {
	enum access_auth_mode mode;
	const char *password;      /* mode PASSWORD: the line's password, NULL: none set */
	uint64_t idle_us;          /* 0: never */
	bool idle_set;             /* idle_us is configured (else the default) */
	bool telnet, ssh;          /* `protocol inbound` */
	uint32_t acl;              /* `acl inbound`, 0: none */
	unsigned level;            /* `user privilege level`: modes password and none */
};

enum access_verdict {
	ACCESS_OK = 0,
	ACCESS_REJECTED,           /* unknown user or wrong password */
	ACCESS_BLOCKED,            /* blocked by the wrong-password policy */
	ACCESS_STATE_BLOCK,        /* `state block` */
	ACCESS_SERVICE,            /* the user may not use this service */
};

struct access *access_new(const struct bootstrap *bs);
void access_free(struct access *a);
/* Follow cfgd's running configuration (the real clid).  0 or -errno. */
int access_follow(struct access *a, struct loop *loop, void *zctx);
/* Replace the copy with cfg's aaa, user_interface, acl, ssh and telnet
 * (cfg borrowed; NULL: nothing configured). */
void access_set_config(struct access *a, const Config *cfg);
/* Call fn(arg) after each configuration that access_follow() applies
 * (main.c starts and stops the SSH and telnet servers with it). */
typedef void (*access_change_fn)(void *arg);
void access_on_change(struct access *a, access_change_fn fn, void *arg);
/* The copy (only aaa, user_interface, acl, ssh and telnet are filled),
 * never NULL. */
const Config *access_config(const struct access *a);

/* The settings of VTY line n. */
void access_line(const struct access *a, unsigned n, struct access_line *out);
/* The bootstrap's cli.max_vty (5 when not set), capped at 64. */
int access_bootstrap_max_vty(const struct access *a);
/* `user-interface maximum-vty`, else dflt. */
int access_max_vty(const struct access *a, int dflt);
/* Whether basic ACL `acl` lets the address in: an ACL that does not exist
 * or has no rules lets everyone in; otherwise the first matching rule
 * decides and an address no rule matches is refused (VRP's VTY ACL).
 * IPv6 addresses are let in (a basic IPv4 ACL says nothing about them),
 * except IPv4-mapped ones, matched as IPv4. */
bool access_acl_permits(const struct access *a, uint32_t acl, const struct sockaddr *sa);

/* Check user/password for `svc` at time now_us.  ACCESS_OK with the
 * privilege level in *level; every wrong password of a known user counts
 * towards its block (*blocked_now set when this one blocked it).  The
 * password is checked with crypt(3) even for an unknown or blocked user, so
 * the answer time does not tell them apart. */
enum access_verdict access_authenticate(struct access *a, const char *user,
					const char *password, enum access_service svc,
					uint64_t now_us, unsigned *level, bool *blocked_now);
/* A public key offered over SSH by `user` (kind: its algorithm, blob: its
 * wire form): ACCESS_OK with *level when the user's `ssh user`
 * authentication-type is that kind's (rsa, ecc) or all and the key
 * assigned to it is this one, and the user may log in (a local user:
 * state and service-type ssh; the first boot: a bootstrap user).  Nothing
 * is counted towards a block (a client offers keys in turn). */
enum access_verdict access_authenticate_key(struct access *a, const char *user,
					    enum pubkey_kind kind, const uint8_t *blob,
					    size_t len, uint64_t now_us, unsigned *level);
/* Whether `user` may use a password over SSH: no `ssh user` of that name,
 * or its authentication-type is password or all. */
bool access_ssh_password_allowed(const struct access *a, const char *user);
/* True when `user` names a user who may log in now (configured local
 * users, else the bootstrap's). */
bool access_user_known(const struct access *a, const char *user);
/* True while `user` is blocked by the wrong-password policy. */
bool access_user_blocked(const struct access *a, const char *user, uint64_t now_us);
/* True while local users decide (at least one has a password). */
bool access_local_users(const struct access *a);

/* True when pw is the line's `set authentication password` (compared in
 * time that depends only on the lengths); false when none is set. */
bool access_line_password_ok(const struct access_line *ln, const char *pw);

/* crypt(3) helpers: a fresh hash of password (yescrypt, else sha512-crypt)
 * as a malloc'd string, or NULL; and a constant-time check of password
 * against hash. */
char *access_hash_password(const char *password);
bool access_check_hash(const char *password, const char *hash);

#endif
