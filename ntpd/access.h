/*
 * access.h: who may talk to this NTP service, and how often.
 *
 * `ntp-service access LEVEL ACL` (levels peer > server > synchronization >
 * query): the levels are tried from the highest; the first whose ACL
 * PERMITS the source gives its rights (an ACL's rules are tried in rule-id
 * order, the first whose source matches decides permit or deny; no rule
 * matching, or a deny, means that level does not apply):
 *   peer             everything: time requests, control queries, and the
 *                    source may feed our clock (answers to our client and
 *                    symmetric associations, symmetric-active peering,
 *                    broadcast).
 *   server           time requests and control queries.
 *   synchronization  time requests only.
 *   query            control queries only (ntpd answers no mode 6 yet).
 * The two families are apart, as on VRP (`ntp-service access peer 2000
 * ipv6 2001`): IPv4 sources are judged by the levels' basic ACLs (`acl
 * number`), IPv6 sources by their basic IPv6 ACLs (`acl ipv6 number`), each
 * family by its own levels only.  No level configured for the source's
 * family: it has peer rights.  Some level configured and none permits the
 * source: no rights at all (dropped; a request gets a KoD DENY when
 * `kod-enable`).  A level naming an ACL that does not exist (cfgd refuses
 * that at commit) or an empty ACL permits nobody.
 *
 * `limited ACL` and `discard`: rate limiting of time requests per source
 * address, with ntp.org's meaning of `restrict ... limited` and
 * `discard minimum/average`: a request is limited when it comes less than
 * 2^min-interval s after the previous one from the same source, or when
 * the source's average spacing (a leaky-bucket score that each request
 * raises by 2^avg-interval s and time drains) falls below 2^avg-interval s
 * beyond a burst of ACCESS_BURST requests.  Which sources: those the
 * `limited` ACL of their family permits; with no `limited` ACL of either
 * family but `discard` configured, every source; with neither, nobody.  A limited request is dropped, or
 * answered with KoD RATE when `kod-enable`.  Defaults: min-interval 1 (2 s),
 * avg-interval 5 (32 s).  The per-source state is a fixed hash table of
 * ACCESS_RATE_SLOTS entries (the least recently seen entry of a probe
 * window is reused): no allocation per packet.
 *
 * KoD packets (DENY, RATE) are themselves limited to ACCESS_KOD_PER_S per
 * second overall, so forged sources cannot turn us into a packet cannon.
 *
 * `server disable`: requests (mode 3) and symmetric-active packets from
 * unknown sources are dropped; our own associations keep working.
 * `max-dynamic-sessions N` (0..100, default 100): at most N dynamic
 * (passive) associations; lowering it never removes existing ones.
 * `in-interface disable` (interface view): every NTP packet whose
 * destination is that interface's primary address or its subnet broadcast
 * address is dropped, and every IPv6 packet to one of its IPv6 addresses
 * or arriving on it (the receiving interface is known for IPv6).
 */
#ifndef MERIDIAN_NTPD_ACCESS_H
#define MERIDIAN_NTPD_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "naddr.h"
#include "ntp.h"
#include "config.pb-c.h"

struct ntpd;
struct ntpd_rx;
struct ct_node;

#define ACCESS_RATE_SLOTS 1024
#define ACCESS_RATE_PROBE 8
#define ACCESS_BURST      8
#define ACCESS_KOD_PER_S  16
#define ACCESS_DEF_MIN    1
#define ACCESS_DEF_AVG    5

/* Rights, ordered. */
enum access_level {
	ACCESS_NONE = 0, ACCESS_QUERY, ACCESS_SYNC, ACCESS_SERVER, ACCESS_PEER,
};

/* What a packet asks for. */
enum access_want {
	ACCESS_W_TIME,       /* mode 3: a time request */
	ACCESS_W_CONTROL,    /* mode 6/7: a control query */
	ACCESS_W_PEER,       /* modes 1, 2, 4, 5: it may feed our clock */
};

/* A rule of an IPv4 ACL (family AF_INET) or of an IPv6 ACL (AF_INET6); it
 * never matches a source of the other family. */
struct acl_rule {
	uint32_t id;
	bool deny;
	sa_family_t family;
	uint32_t addr, wild;      /* IPv4, host order: matches when (src ^ addr) & ~wild == 0 */
	struct in6_addr addr6;    /* IPv6: matches when the first plen bits are equal */
	unsigned plen;            /* 0..128; 0 is any source */
};

struct acl {
	uint32_t number;
	struct acl_rule *rule;    /* sorted by id */
	size_t n;
	size_t cap;               /* rule's room, when changed rule by rule */
	uint64_t gen;             /* access_state.compiles when last (re)built or changed */
};

struct rate_slot {
	struct naddr addr;        /* unset = free */
	double last;              /* monotonic s of the last request */
	double score;             /* leaky bucket, s */
};

/* Level indexes of access_state.level_acl. */
enum access_cfg_level { ACL_L_PEER = 0, ACL_L_SERVER, ACL_L_SYNC, ACL_L_QUERY, ACL_L_LIMITED,
			ACL_L__COUNT };

/* The ACLs of one family and the ACL number each level names. */
struct access_family {
	struct acl *acls;
	size_t n_acls;
	bool level_set[ACL_L__COUNT];
	uint32_t level_acl[ACL_L__COUNT];
};

enum { ACCESS_V4 = 0, ACCESS_V6, ACCESS__FAMILIES };

struct access_state {
	struct access_family fam[ACCESS__FAMILIES];   /* [ACCESS_V4], [ACCESS_V6] */
	bool discard_set;
	int min_exp, avg_exp;
	bool kod;
	bool server_disable;
	int max_dynamic;
	struct rate_slot rate[ACCESS_RATE_SLOTS];
	double kod_tokens, kod_last;
	uint64_t kod_sent, kod_suppressed;
	uint64_t acl_gen;   /* the ntpd acl_gen the families were built from (0: never) */
	uint64_t compiles;  /* counts changes to the compiled ACLs (struct acl.gen) */
};

/* ---- pure ---- */

/* 1: the ACL permits src, 0: denies it, -1: no rule matches (or acl is
 * NULL). */
int acl_match(const struct acl *acl, const struct naddr *src);
/* The ACL with this number among a family's, or NULL. */
const struct acl *access_find_acl(const struct access_family *f, uint32_t number);
/* The rights of a source. */
enum access_level access_level_of(const struct access_state *s, const struct naddr *src);
bool access_allows(enum access_level l, enum access_want w);
/* Rate limiting of one request from src at monotonic time now: true when
 * the request is over the limit.  Updates the source's state. */
bool access_rate_limited(struct access_state *s, const struct naddr *src, double now);
/* One KoD may be sent now (global budget). */
bool access_kod_budget(struct access_state *s, double now);

/* ---- daemon ---- */

/* Rebuild core->access (allocated on first use, rate state kept) from the
 * configuration: the levels and settings of ntp always, the ACLs (acl,
 * acl6) only when core->acl_gen moved since they were compiled. */
void access_apply(struct ntpd *core, const Config *cfg);
/* One object of acl or acl6 that a commit changed (path as in
 * cfgsub_change: an ACL ["acl","2001"] or a rule
 * ["acl","2001","rule","5"]), read from tree (running, cfgtree.h): a
 * changed rule is compiled and put in place (or taken out) in its ACL
 * alone, a new ACL compiled from its node, a removed one dropped; the
 * other ACLs are left as they are.  In force for the next packet. */
void access_acl_changed(struct ntpd *core, const struct ct_node *tree, char *const *path,
			size_t n);
void access_free(struct access_state *s);
/* The maximum number of dynamic associations. */
int access_max_dynamic(const struct ntpd *core);
/* Whether requests are refused (`server disable`). */
bool access_server_disabled(const struct ntpd *core);
/* The datagram arrived on an interface with `in-interface disable`. */
bool access_if_disabled(const struct ntpd *core, const struct ntpd_rx *rx);

/* Screening of a datagram before dispatch.  Returns 0 to go on, or
 * -EACCES when it must be dropped (counted: NTPD_DROP_ACCESS or
 * NTPD_DROP_RATE); then *kod is the kiss code to answer with ("DENY",
 * "RATE") or NULL for silence. */
int access_screen(struct ntpd *core, const struct ntpd_rx *rx, const struct ntp_packet *pkt,
		  const char **kod);
/* Encode a KoD answer to request `req` into buf (signed with keyid if not
 * 0).  Length, or 0 when the KoD budget is spent. */
int access_kod_reply(struct ntpd *core, const struct ntp_packet *req, uint64_t rx_ts,
		     const char *code, uint32_t keyid, uint8_t *buf, size_t len);

#endif
