/*
 * ifmgrd.h: the interface manager's core, constructible in-process.
 *
 * One struct ifmgrd per device: the bootstrap interfaces (logical name ->
 * netdev), for each the desired state from the configuration and the state
 * observed in the kernel, the rtnetlink sockets, the Clone publisher of
 * IfStates on topic "if" and the ctl server answering IfRequest.
 *
 * Reconciliation is level-triggered: after every configuration and every
 * batch of kernel events, each interface's desired and observed states are
 * compared (ifstate.c) and the difference is programmed.  Failures are never
 * a veto: they become error strings reported to cfgd and are retried when
 * the kernel changes (and every IFMGRD_RETRY_MS while a change fails).
 * Until the first configuration arrives ifmgrd only observes, so a restart
 * of ifmgrd never flaps an interface.
 */
#ifndef MERIDIAN_IFMGRD_H
#define MERIDIAN_IFMGRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config.pb-c.h"
#include "ifmgr.pb-c.h"
#include "bus.pb-c.h"
#include "netlink.h"

struct loop;
struct bootstrap;
struct ifmgrd;
struct ct_node;
struct cfgsub_change;

#define IFMGRD_RETRY_MS 5000

/* Open netlink, take the initial dump, bind the pub and ctl sockets of
 * bootstrap_endpoint(bs, "ifmgrd", ...).  bs must outlive the core.
 * NULL with errno set and a sentence in err on failure, as every daemon
 * core's constructor (daemon.h); nothing is logged. */
struct ifmgrd *ifmgrd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
			  char *err, size_t errlen);
void ifmgrd_free(struct ifmgrd *im);

/* Subscribe to cfgd's "interface" subtree (the daemon does; tests apply
 * configurations directly).  0 or -errno. */
int ifmgrd_subscribe(struct ifmgrd *im);

/* Make cfg (borrowed) the desired state and reconcile now.  Returns the
 * number of problems written to errs[0..max_errs) as malloc'd strings owned
 * by the caller (errs may be NULL when max_errs is 0). */
int ifmgrd_apply_config(struct ifmgrd *im, const Config *cfg, char **errs, int max_errs);
/* A commit's changed objects (cfgsub.h; "interface" read by path): only
 * the bootstrap interfaces they name are planned and programmed again,
 * from tree (running after the commit, borrowed); the others are left as
 * they are.  Errors as ifmgrd_apply_config.  Needs a whole configuration
 * applied first. */
int ifmgrd_apply_objects(struct ifmgrd *im, const struct ct_node *tree,
			 const struct cfgsub_change *ch, size_t n, char **errs, int max_errs);

/* The current state of every interface (or of the one named `name`,
 * case-insensitive; NULL when unknown), malloc'd: free with
 * ifmgrd_states_free(). */
IfStates *ifmgrd_states(const struct ifmgrd *im, const char *name);
void ifmgrd_states_free(IfStates *st);

/* `display interface`: each interface's state with its MTU, MAC, last
 * change and the kernel's counters, read now (ifdetail.c).  All, or the one
 * named (case-insensitive; NULL when unknown).  Free with
 * ifmgrd_details_free(). */
IfDetails *ifmgrd_details(struct ifmgrd *im, const char *name);
void ifmgrd_details_free(IfDetails *d);

/* The answer to one ctl request (ctl.c), filled by ifmgrd_ctl_answer and
 * released by ifmgrd_ctl_clear; reply.snapshot points into the publisher
 * and is valid until the next published update. */
struct ifmgrd_ctl_reply {
	IfReply reply;
	CloneUpdate snap;
	DaemonIdentity ident;
	IfStates *states;
	IfDetails *details;
	ProbeStatus probe;
	bool deferred;          /* answered later (a probe poll waits): send nothing now */
	char err[160];
};

/* Answer one packed IfRequest.  Garbage gets an error reply (status
 * -EBADMSG) and is counted; it never fails.  A ProbePoll with nothing to
 * show yet is deferred (out->deferred) when the dispatcher is answering a
 * peer over the socket, and answered later from the loop; called directly
 * (tests) it is answered at once. */
void ifmgrd_ctl_answer(struct ifmgrd *im, const uint8_t *data, size_t len,
		       struct ifmgrd_ctl_reply *out);
void ifmgrd_ctl_clear(struct ifmgrd_ctl_reply *out);

/* Counters. */
uint64_t ifmgrd_bad_requests(const struct ifmgrd *im);
uint64_t ifmgrd_resyncs(const struct ifmgrd *im);
/* The netlink messages skipped so far (malformed, unexpected, truncated:
 * netlink.h); each is logged with the running count when it happens. */
struct rtnl_stats ifmgrd_netlink_skipped(const struct ifmgrd *im);

#endif
