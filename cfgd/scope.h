/*
 * scope.h: what the validation of a change must see.
 *
 * validate.c checks a whole Config; a change is judged by the problems it
 * introduces (validate_change).  Both configurations handed to it are cut
 * down to the SCOPE of the change: the objects it touched with their
 * ancestors' own fields, and the objects whose checks look at them (the
 * rules below, the one place that knows which parts of the schema refer to
 * which).  A problem that involves only objects outside the scope is
 * absent from both sides or present in both, so the comparison is the one
 * a whole-configuration check would make, at the cost of the scope:
 *
 *   system ...                 the system subtree
 *   interface X ...            X whole, every interface with an IPv4 subnet
 *                              overlapping one X has in running, the
 *                              candidate or the edit (check_overlaps pairs
 *                              them: scope_expand finds them by walking the
 *                              list's nodes, materializing none), the NTP
 *                              subtree (addresses and sources refer to
 *                              interfaces) and the VPN instances (bindings
 *                              refer to them); every interface when X has
 *                              IPv6 addresses (validate_if6.c pairs them)
 *                              or the change touches more than 64 subnets
 *                              (a paste: the walk would cost more).
 *                              Keys compare without case, so no other
 *                              interface can share X's name.
 *   interface (the list)       every interface, NTP, the VPN instances
 *   ntp ...                    the NTP subtree, every interface, the heads
 *                              (own fields) of every ACL and IPv6 ACL, and
 *                              the VPN instances
 *   vpn_instance ...           the VPN instances, every interface and the
 *                              NTP subtree (which refer to instances)
 *   acl N / acl6 N             that ACL's head, and the NTP subtree (access
 *                              levels refer to ACL numbers)
 *   acl N rule R ...           that ACL's head and that rule
 *   any other top-level field  its whole subtree
 */
#ifndef CFGD_SCOPE_H
#define CFGD_SCOPE_H

#include <stddef.h>
#include "cand.h"
#include "config.pb-c.h"

struct scope;

struct scope *scope_new(void);
void scope_free(struct scope *sc);
/* Add the scope of a change at path (field names and keys). */
void scope_add(struct scope *sc, char *const *comp, size_t n);
/* Add the scope of every node of a SET fragment. */
void scope_add_fragment(struct scope *sc, const Config *frag);
/* Once the changes are added, before materializing: add the interfaces
 * that the touched ones' subnets bring in (above), with c the candidate
 * the change is judged against (the one that will be materialized; NULL:
 * running). */
void scope_expand(struct scope *sc, const struct cand *c, const struct ct_node *running);
/* The candidate c (NULL: running alone) cut down to the scope, as a
 * Config owned by the caller. */
Config *scope_materialize(const struct scope *sc, const struct cand *c,
			  const struct ct_node *running);

#endif
