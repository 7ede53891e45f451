/*
 * validate.h: the meaning checks of a configuration.
 *
 * Checks produce sentences for a person (clid prints "Error: " before them),
 * each naming its object, so the problems of two configurations can be
 * compared: an edit or a commit is refused when it INTRODUCES a problem,
 * that is when the new configuration has a problem the old one did not
 * have.  A problem already present (say, an interface that left the
 * bootstrap file) never blocks unrelated work; it is logged at load.
 */
#ifndef CFGD_VALIDATE_H
#define CFGD_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include "config.pb-c.h"

struct bootstrap;

enum validate_phase {
	VALIDATE_EDIT,     /* field checks, run after each edit */
	VALIDATE_COMMIT,   /* the above plus commit-time cross references */
};

/* A list of problem sentences. */
struct validate_list {
	char **msg;
	size_t n;
};

/* Collect every problem of cfg (NULL: none) into out (appended; free with
 * validate_list_free). */
void validate_config(const Config *cfg, const struct bootstrap *bs, enum validate_phase phase,
		     struct validate_list *out);
void validate_list_free(struct validate_list *l);
/* Append one sentence, formatted as by printf (at most 511 characters), to
 * l: the checks of validate*.c collect their problems with it. */
void validate_add(struct validate_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* validate_auth.c: NTP authentication keys, NTP access control, discard,
 * max-dynamic-sessions and basic ACLs (phase COMMIT adds the references
 * to keys and ACLs).  Appends to out. */
void validate_ntp_security(const Config *cfg, enum validate_phase phase,
			   struct validate_list *out);

/* validate_if6.c: `ipv6 enable` and `ipv6 address` of each interface, and
 * the IPv6 addresses of different interfaces against each other.  Appends
 * to out. */
#define VALIDATE_IF6_MAX 16     /* IPv6 addresses per interface (our cap) */
void validate_if6(const Config *cfg, struct validate_list *out);
struct in6_addr;
/* Global unicast: not ::, ::1, multicast, link-local fe80::/10, v4-mapped. */
bool validate_if6_global_unicast(const struct in6_addr *a);

/* validate_aaa.c: local users, the wrong-password policy and the VTY lines'
 * login settings (ranges, modes, crypt(3) hashes only).  Appends to out. */
void validate_aaa(const Config *cfg, struct validate_list *out);

/* validate_ssh.c: `ssh server port`'s range.  Appends to out. */
void validate_ssh(const Config *cfg, struct validate_list *out);

/* validate_vpn.c: `ip vpn-instance` (names, route distinguishers), the
 * interfaces' bindings and the NTP servers and peers of each instance
 * (Ntp.vpn).  Appends to out. */
void validate_vpn(const Config *cfg, const struct bootstrap *bs, struct validate_list *out);
/* Whether VPN instance vpn exists in c; if not, a sentence naming `what`
 * ("interface GigabitEthernet0/1/0") is appended to l. */
bool validate_vpn_ref(const Config *c, const char *vpn, const char *what,
		      struct validate_list *l);
/* A route distinguisher in one of VRP's forms (see validate_vpn.c). */
bool validate_route_distinguisher(const char *rd);
/* The VPN instance interface ifname is bound to in c, "" for none. */
const char *validate_vpn_of_interface(const Config *c, const char *ifname);
/* validate.c: the checks of a list of servers (server) or peers in VPN
 * instance vpn (NULL: the public network). */
void validate_assoc_list(const Config *c, const struct bootstrap *bs, NtpAssociation **v,
			 size_t n, bool server, const char *vpn, struct validate_list *l);

/* The first problem of `after` that `before` does not have: -EINVAL with the
 * sentence in err, or 0. */
int validate_change(const Config *before, const Config *after, const struct bootstrap *bs,
		    enum validate_phase phase, char *err, size_t errlen);

/* Rewrite interface names (list keys and source-interface references) to
 * the bootstrap's spelling when they match one case-insensitively. */
void validate_canonicalize(Config *cfg, const struct bootstrap *bs);

#endif
