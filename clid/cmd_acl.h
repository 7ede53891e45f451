/*
 * cmd_acl.h: basic ACLs (`acl number 2000`, the ACL view and its rules),
 * cmd_acl.c.
 */
#ifndef MERIDIAN_CLID_CMD_ACL_H
#define MERIDIAN_CLID_CMD_ACL_H

#include "cmd.h"

/* The command table, registered by backend.c with the other features. */
extern const struct cmd_entry cmd_acl_entries[];

/* Every ACL as its own "#"-preceded block ("#\r\nacl number 2000\r\n rule 5
 * permit source 10.0.1.0 0.0.0.255\r\n"), rules in rule-id order. */
void cmd_acl_render(const Config *c, struct sbuf *out);
/* One ACL's block without the leading "#" (`display this` in its view). */
void cmd_acl_render_one(const Acl *acl, struct sbuf *out);

#endif
