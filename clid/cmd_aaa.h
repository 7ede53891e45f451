/*
 * cmd_aaa.h: the `aaa` view's local users and wrong-password policy
 * (cmd_aaa.c).
 */
#ifndef MERIDIAN_CLID_CMD_AAA_H
#define MERIDIAN_CLID_CMD_AAA_H

#include "cmd.h"

/* The command table, registered by backend.c with the other features. */
extern const struct cmd_entry cmd_aaa_entries[];

/* The `aaa` block ("#", "aaa", its lines indented by one space); nothing
 * when nothing is configured. */
void cmd_aaa_render(const Config *c, struct sbuf *out);

#endif
