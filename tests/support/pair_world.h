/*
 * pair_world.h: two ntpd cores in one process and one loop, S (the server)
 * and C (its client), each on its own UDP port and virtual clock (C starts
 * 50 ms off), fed configurations and interface states directly: what the
 * IPv6 tests (test_ipv6.c) and the link-local ones (test_linklocal.c)
 * share (pair_world.c, in the meridian_pair_world library).  Waits poll the
 * loop with a deadline.  Failures are Criterion assertions.
 */
#ifndef MERIDIAN_TEST_PAIR_WORLD_H
#define MERIDIAN_TEST_PAIR_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "bootstrap.h"
#include "ntpd.h"
#include "ntpd_rig.h"

struct pair {
	struct bootstrap bs_s, bs_c;
	struct loop *loop;
	struct ntpd *s, *c;
};

/* Both cores on their own free ports (on every IPv6 address), logging
 * errors only (everything with NTPD_TEST_DEBUG set). */
void pair_init(struct pair *f);
void pair_fini(struct pair *f);

/* S: refclock-master stratum 2, serving everywhere (or only on
 * `server source-interface SRV_IF` when srv_if is not NULL). */
void pair_config_server(struct pair *f, const char *srv_if);

/* C: `unicast-server [ipv6] ADDR port <S's>` (`unicast-peer` when peer)
 * with the given source options.  The number of errors, the first in err. */
int pair_config_assoc(struct pair *f, bool peer, const char *addr, bool v6, const char *srcif,
		      const char *v6_global_src, char *err, size_t len);
/* pair_config_assoc() of a server. */
int pair_config_client(struct pair *f, const char *addr, bool v6, const char *srcif,
		       const char *v6_global_src, char *err, size_t len);

/* Run the loop until done(f) or secs pass: whether done. */
bool pair_run_until(struct pair *f, bool (*done)(struct pair *), double secs);

/* C is synchronized to a server (not to its local clock). */
bool pair_c_synced(struct pair *f);

/* `display ntp-service sessions [verbose]` of core: the reply, to free
 * with ctl_reply_free(). */
NtpReply *pair_ask_sessions(struct ntpd *core, bool verbose);

#endif
