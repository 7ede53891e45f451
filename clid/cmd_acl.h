/*
 * cmd_acl.h: basic ACLs, IPv4 (`acl number 2000`) and IPv6 (`acl ipv6
 * number 2000`), their views and rules, cmd_acl.c.
 */
#ifndef MERIDIAN_CLID_CMD_ACL_H
#define MERIDIAN_CLID_CMD_ACL_H

#include "cmd.h"

/* The command table, registered by backend.c with the other features. */
extern const struct cmd_entry cmd_acl_entries[];

/* Every ACL as its own "#"-preceded block ("#\r\nacl number 2000\r\n rule 5
 * permit source 10.0.1.0 0.0.0.255\r\n"), rules in rule-id order; the IPv6
 * ACLs after the IPv4 ones ("acl ipv6 number 2001", " rule 5 permit source
 * 2001:DB8::/64"). */
void cmd_acl_render(const Config *c, struct sbuf *out);
/* One ACL's block without the leading "#" (`display this` in its view);
 * v6: an IPv6 ACL. */
void cmd_acl_render_one(const Acl *acl, bool v6, struct sbuf *out);
/* Whether c holds ACL `number` (v6: an IPv6 ACL). */
bool cmd_acl_exists(const Config *c, bool v6, const char *number);

#endif
