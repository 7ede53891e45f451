/*
 * fake_backend.h: a CLI backend (clid/backend.h, cli_backend_new_ops) over
 * a fake cfgd and ntpd that answer at once, for the CLI and telnet fuzz
 * harnesses (harness_cli.c, harness_vty.c).
 *
 * The fake cfgd keeps one candidate and one running Config for every
 * session and applies each Edit with cfgd's own generic edit code
 * (cfgd/edit.c edit_apply: an unknown path or a SET without value is
 * refused with its sentence); `commit` validates the candidate as cfgd
 * does (cfgd/validate.c validate_config: the first problem is the
 * refusal's sentence) and makes it running, `get` answers either, a refresh with discard drops the
 * candidate's changes, everything else answers status 0.  The fake ntpd
 * answers every request with an empty NtpReply of status 0 (no system
 * status, no sessions), which the displays must survive.
 *
 * This is the one file that knows the backend's ops table: when clid's
 * calls become asynchronous, it is the one to adapt.
 */
#ifndef MERIDIAN_FUZZ_FAKE_BACKEND_H
#define MERIDIAN_FUZZ_FAKE_BACKEND_H

#include <stdint.h>

struct cli_backend;

struct fake_backend_stats {
	uint64_t cfg_calls, ntp_calls;
	uint64_t edits_ok, edits_refused, commits;
};
extern struct fake_backend_stats fake_backend_stats;

/* A backend on the fake daemons (the interfaces GigabitEthernet0/1/0,
 * GigabitEthernet0/2/0 and LoopBack0, sysname HUAWEI), with an empty
 * configuration.  Free with cli_backend_free(). */
struct cli_backend *fake_backend_new(void);
/* Back to an empty configuration, as new (between two fuzz inputs). */
void fake_backend_reset(struct cli_backend *be);

#endif
