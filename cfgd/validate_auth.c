/*
 * validate_auth.c: the checks of NTP authentication, NTP access control
 * and basic ACLs (called by validate_config(), see validate.h).
 *
 * Ranges and rules (VRP where the manuals say, ours where they do not):
 *   authentication key  id 1..4294967295 (decimal, no leading zeros);
 *                       mode md5 or hmac-sha256; key sealed by clid
 *                       (common/secret.c: "%^%#...%^%#", well formed and,
 *                       once cfgd holds the device key, sealed under it; cfgd
 *                       never opens it, clid checked the clear text); a key
 *                       marked reliable
 *                       must exist (have a mode and a key).  Sentences
 *                       never repeat the key itself.
 *   access              each level names a basic ACL, 2000..2999, of IPv4
 *                       (`access`) or of IPv6 (`ipv6_access`)
 *   max-dynamic-sessions 0..100
 *   discard             min-interval and avg-interval 1..8 (log2 s)
 *   ACL                 number 2000..2999 (basic ACLs only); rule id
 *                       0..4294967294; source a dotted quad; wildcard a
 *                       dotted quad (any bits, as VRP allows), only with a
 *                       source
 *   IPv6 ACL            number 2000..2999 and rule id as above; source an
 *                       IPv6 literal with prefix_len 1..128 (only with a
 *                       source), no bits set past the prefix; no wildcard
 * Commit-time cross references (an edit may leave them pending, so that
 * `ntp-service access peer 2000` may come before `acl number 2000`, or an
 * ACL be replaced in two steps):
 *   with `authentication enable`, the key of an NTP server or peer exists
 *   (without it the key id is inert); the ACL (IPv4 or IPv6) of an access
 *   level exists.
 *   Hence an ACL or key still in use cannot be committed away.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "secret.h"
#include "validate.h"

/* A canonical decimal (no sign, no leading zero) within lo..hi. */
static bool decimal_in(const char *s, unsigned long long lo, unsigned long long hi,
		       unsigned long long *out)
{
	unsigned long long v = 0;

	if (!s || !*s || strlen(s) > 10 || (s[0] == '0' && s[1]))
		return false;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v < lo || v > hi)
		return false;
	if (out)
		*out = v;
	return true;
}

static bool quad(const char *s)
{
	struct in_addr a;

	return s && inet_pton(AF_INET, s, &a) == 1;
}

static void check_keys(const Ntp *ntp, struct validate_list *l)
{
	for (size_t i = 0; i < ntp->n_authentication_key; i++) {
		const NtpKey *k = ntp->authentication_key[i];
		const char *id = k->keyid ? k->keyid : "";

		if (!decimal_in(id, 1, 4294967295ULL, NULL)) {
			validate_add(l, "The authentication key ID %s is invalid: it must be 1 "
			    "to 4294967295.", id);
			continue;
		}
		if (!k->mode && !k->key) {
			validate_add(l, "The authentication key %s does not exist.", id);
			continue;
		}
		if (!k->mode || (strcmp(k->mode, "md5") && strcmp(k->mode, "hmac-sha256")))
			validate_add(l, "The authentication mode of key %s must be md5 or "
			    "hmac-sha256.", id);
		if (!k->key || !secret_is_sealed(k->key, NULL))
			validate_add(l, "The authentication key %s is not an encrypted key "
			    "(%%^%%#...%%^%%#): enter it again.", id);
		else if (!secret_is_sealed(k->key, secret_device_key()))
			validate_add(l, "The authentication key %s was encrypted under another "
			    "device's key: enter it again in plain text.", id);
	}
}

static const char *const level_names[] = { "peer", "query", "server", "synchronization",
					   "limited" };

/* The levels of an NtpAccess as (present, number) pairs, in level_names order. */
static void access_levels(const NtpAccess *a, bool has[5], uint32_t num[5])
{
	has[0] = a->has_peer;
	num[0] = a->peer;
	has[1] = a->has_query;
	num[1] = a->query;
	has[2] = a->has_server;
	num[2] = a->server;
	has[3] = a->has_synchronization;
	num[3] = a->synchronization;
	has[4] = a->has_limited;
	num[4] = a->limited;
}

static bool acl_exists(Acl **acls, size_t n, uint32_t number)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", number);
	for (size_t i = 0; i < n; i++)
		if (acls[i]->number && strcmp(acls[i]->number, buf) == 0)
			return true;
	return false;
}

/* One family's access levels: each names a basic ACL number (refs false,
 * checked per edit) that exists among acls (refs true, at commit). */
static void check_access(const NtpAccess *acc, const char *family, Acl **acls, size_t n,
			 bool refs, struct validate_list *l)
{
	bool has[5];
	uint32_t num[5];

	if (!acc)
		return;
	access_levels(acc, has, num);
	for (int i = 0; i < 5; i++) {
		bool basic = num[i] >= 2000 && num[i] <= 2999;

		if (has[i] && !basic && !refs)
			validate_add(l, "The %sACL number %u of NTP access %s must be 2000 to "
			    "2999 (a basic ACL).", family, num[i], level_names[i]);
		else if (has[i] && basic && refs && !acl_exists(acls, n, num[i]))
			validate_add(l, "The %sACL %u used by NTP access %s does not exist.",
			    family, num[i], level_names[i]);
	}
}

static void check_ntp(const Ntp *ntp, struct validate_list *l)
{
	check_keys(ntp, l);
	check_access(ntp->access, "", NULL, 0, false, l);
	check_access(ntp->ipv6_access, "IPv6 ", NULL, 0, false, l);
	if (ntp->has_max_dynamic_sessions && ntp->max_dynamic_sessions > 100)
		validate_add(l, "The maximum number of NTP dynamic sessions must be 0 to 100.");
	if (ntp->discard) {
		const NtpDiscard *d = ntp->discard;

		if (d->has_min_interval && (d->min_interval < 1 || d->min_interval > 8))
			validate_add(l, "The NTP minimum packet interval (min-interval) must be "
			    "1 to 8.");
		if (d->has_avg_interval && (d->avg_interval < 1 || d->avg_interval > 8))
			validate_add(l, "The NTP average packet interval (avg-interval) must be "
			    "1 to 8.");
	}
}

/* The source of an IPv4 rule: a dotted quad, and a wildcard only with it. */
static void check_rule4(const AclRule *r, const char *id, const char *num,
			struct validate_list *l)
{
	if (r->source && !quad(r->source))
		validate_add(l, "The source address %s of rule %s of ACL %s is invalid.",
		    r->source, id, num);
	if (r->wildcard && !r->source)
		validate_add(l, "Rule %s of ACL %s has a wildcard without a source address.", id,
		    num);
	else if (r->wildcard && !quad(r->wildcard))
		validate_add(l, "The source wildcard %s of rule %s of ACL %s is invalid.",
		    r->wildcard, id, num);
	if (r->has_prefix_len)
		validate_add(l, "Rule %s of ACL %s has a prefix length: IPv4 rules take a "
		    "wildcard.", id, num);
}

/* The source of an IPv6 rule: a literal and its prefix length, nothing set
 * past the prefix. */
static void check_rule6(const AclRule *r, const char *id, const char *num,
			struct validate_list *l)
{
	struct in6_addr a;

	if (r->wildcard)
		validate_add(l, "Rule %s of IPv6 ACL %s has a wildcard: IPv6 rules take a "
		    "prefix length.", id, num);
	if (!r->source) {
		if (r->has_prefix_len)
			validate_add(l, "Rule %s of IPv6 ACL %s has a prefix length without a "
			    "source address.", id, num);
		return;
	}
	if (inet_pton(AF_INET6, r->source, &a) != 1) {
		validate_add(l, "The source address %s of rule %s of IPv6 ACL %s is invalid.",
		    r->source, id, num);
		return;
	}
	if (!r->has_prefix_len || r->prefix_len < 1 || r->prefix_len > 128) {
		validate_add(l, "The prefix length of rule %s of IPv6 ACL %s must be 1 to 128.",
		    id, num);
		return;
	}
	for (unsigned bit = r->prefix_len; bit < 128; bit++)
		if (a.s6_addr[bit / 8] & (0x80u >> (bit % 8))) {
			validate_add(l, "The source address %s of rule %s of IPv6 ACL %s has "
			    "bits set past its prefix length %u.", r->source, id, num,
			    r->prefix_len);
			return;
		}
}

static void check_acls(Acl **acls, size_t n, bool ipv6, struct validate_list *l)
{
	const char *kind = ipv6 ? "IPv6 ACL" : "ACL";

	for (size_t i = 0; i < n; i++) {
		const Acl *a = acls[i];
		const char *num = a->number ? a->number : "";

		if (!decimal_in(num, 2000, 2999, NULL)) {
			validate_add(l, "The %s number %s is invalid: basic %ss are 2000 to "
			    "2999.", kind, num, kind);
			continue;
		}
		for (size_t k = 0; k < a->n_rule; k++) {
			const AclRule *r = a->rule[k];
			const char *id = r->id ? r->id : "";

			if (!decimal_in(id, 0, 4294967294ULL, NULL)) {
				validate_add(l, "The rule ID %s of %s %s is invalid: it must be "
				    "0 to 4294967294.", id, kind, num);
				continue;
			}
			if (ipv6)
				check_rule6(r, id, num, l);
			else
				check_rule4(r, id, num, l);
		}
	}
}

static const NtpKey *find_key(const Ntp *ntp, uint32_t id)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", id);
	for (size_t i = 0; i < ntp->n_authentication_key; i++) {
		const NtpKey *k = ntp->authentication_key[i];

		if (k->keyid && strcmp(k->keyid, buf) == 0 && k->mode && k->key)
			return k;
	}
	return NULL;
}

static void check_refs(const Config *c, struct validate_list *l)
{
	const Ntp *ntp = c->ntp;

	if (!ntp)
		return;
	for (int s = 0; s < 2 && ntp->has_authentication_enable && ntp->authentication_enable;
	     s++) {
		NtpAssociation **v = s == 0 ? ntp->unicast_server : ntp->unicast_peer;
		size_t n = s == 0 ? ntp->n_unicast_server : ntp->n_unicast_peer;

		for (size_t i = 0; i < n; i++)
			if (v[i]->has_authentication_keyid && v[i]->authentication_keyid &&
			    !find_key(ntp, v[i]->authentication_keyid))
				validate_add(l, "The authentication key %u of NTP %s %s does not "
				    "exist.", v[i]->authentication_keyid,
				    s == 0 ? "server" : "peer", v[i]->address ? v[i]->address : "");
	}
	check_access(ntp->access, "", c->acl, c->n_acl, true, l);
	check_access(ntp->ipv6_access, "IPv6 ", c->acl6, c->n_acl6, true, l);
}

void validate_ntp_security(const Config *c, enum validate_phase phase, struct validate_list *l)
{
	if (!c)
		return;
	if (c->ntp)
		check_ntp(c->ntp, l);
	check_acls(c->acl, c->n_acl, false, l);
	check_acls(c->acl6, c->n_acl6, true, l);
	if (phase == VALIDATE_COMMIT)
		check_refs(c, l);
}
