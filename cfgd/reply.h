/*
 * reply.h: the reply a ctl handler fills.
 *
 * Every request handler of cfgd (ctl.c, commit.c, history.c, lock.c,
 * trial.c) has one shape, as ntpd's and ifmgrd's: it fills a struct
 * ctl_out and returns, and ctl.c's dispatcher sends it (ctl_send); a
 * handler that answers later (a commit waiting for its applies) keeps a
 * copy of the peer, sets `later`, and sends its own ctl_out when the time
 * comes.  So no handler sends anything itself, and no module but ctl.c
 * needs the dispatcher.
 */
#ifndef CFGD_REPLY_H
#define CFGD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"

struct cfgd;
struct bus_peer;

#define CTL_OUT_OWN_MAX 4

struct ctl_out {
	CfgReply r;             /* what is sent (status 0 unless set otherwise) */
	SessionState st;        /* r.state points here once ctl_state ran */
	char error[640];        /* r.error points here once ctl_fail ran */
	char info_text[512];    /* r.info[0] points here once ctl_info ran */
	char *info[1];
	bool later;             /* the handler answers later itself */
	void *own[CTL_OUT_OWN_MAX];              /* freed after sending */
	void (*own_free[CTL_OUT_OWN_MAX])(void *);
	size_t n_own;
};

/* An empty reply: status 0, nothing else. */
void ctl_out_init(struct ctl_out *o);
/* Status `status` (a negative errno) with a sentence for a person;
 * returns status. */
int ctl_fail(struct ctl_out *o, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The state of session `session` (dirty false when it is gone) and
 * running's sysname; strings borrowed from cfgd until the reply is sent. */
void ctl_state(struct cfgd *d, uint64_t session, struct ctl_out *o);
/* One info sentence (copied; NULL: none). */
void ctl_info(struct ctl_out *o, const char *info);
/* p goes with the reply: fn(p) once it is sent. */
void ctl_own(struct ctl_out *o, void *p, void (*fn)(void *));
/* Send o to peer, then free what it owns. */
void ctl_send(struct cfgd *d, const struct bus_peer *peer, struct ctl_out *o);

#endif
