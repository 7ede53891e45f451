/*
 * ntpd.h: the daemon side of ntpd: the core object, associations, the
 * system process, sockets, reconciliation and the ctl socket.
 *
 * The core (struct ntpd) is constructible in-process: ntpd_new() with a NULL
 * ZeroMQ context builds it without any bus socket, and tests feed it
 * configurations (ntpd_apply_config), interface states (ntpd_apply_ifstates)
 * and datagrams (ntpd_input) directly.  The protocol logic never touches a
 * socket itself: ntpd_input() returns the reply to send, assoc_prepare()
 * builds the next poll packet.  sock.c is the only file doing UDP I/O.
 *
 * Addresses of peers, sockets and datagrams are struct naddr (IPv4 or
 * IPv6, naddr.h); the IPv4-only parts (interfaces' primary addresses,
 * broadcast and multicast) keep uint32_t in network byte order, 0 = none.
 * Ports are host order.  "Monotonic" times are CLOCK_MONOTONIC seconds
 * (loop_now_us() / 1e6); NTP timestamps come from the core's ntp_clock.
 */
#ifndef MERIDIAN_NTPD_H
#define MERIDIAN_NTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <time.h>

#include "naddr.h"
#include "ntp.h"
#include "config.pb-c.h"
#include "ifmgr.pb-c.h"
#include "ntpd.pb-c.h"

struct loop;
struct bootstrap;
struct cfgsub;
struct cfgsub_change;
struct ct_node;
struct clone_sub;
struct bus_server;

#define NTPD_FAST_SAMPLES   4     /* valid samples in the last 8 polls to be selectable */
#define NTPD_MAX_SOCKS      64
#define NTPD_MAX_DYNAMIC    100   /* VRP max-dynamic-sessions default */
#define NTPD_DEF_LOCAL_STRATUM 8
#define NTPD_DEF_UNSYNC_POLL 1    /* log2 s: 2 s while unsynchronized */
#define NTPD_MIN_UNSYNC_POLL 1
#define NTPD_UNREACH        8     /* unanswered polls before backing off */
#define NTPD_PKT_MAX        1024
#define NTPD_RX_BATCH       8
#define NTPD_DYN_EXPIRE_POLLS 8   /* dynamic associations expire after 8 silent polls */
#define NTPD_MODE_BCLIENT   6     /* host mode of a broadcast/multicast client (RFC 5905 M_BCLN) */
#define NTPD_BURST          8     /* packets in a burst/iburst */
#define NTPD_BURST_GAP      2.0   /* s between the packets of a burst */
#define NTPD_PREEMPT_POLLS  8     /* useless polls before a preemptable association goes */
#define NTPD_RESOLVE_MIN_S  2.0   /* first retry of a failed resolution, s (doubling) */
#define NTPD_RESOLVE_MAX_S  300.0 /* retry ceiling, s */
#define NTPD_TRACE_HOPS     16
#define NTPD_TRACE_TIMEOUT_S 1.5  /* a whole trace (clid waits 2 s) */
#define NTPD_TRACE_HOP_S    0.5   /* one hop's answer (then one resend) */

/* Why an association refused a packet (per-association counters). */
enum assoc_result {
	ASSOC_OK = 0,
	ASSOC_R_MALFORMED,     /* undecodable datagram from this peer */
	ASSOC_R_MODE,          /* mode that does not fit the association */
	ASSOC_R_INVALID,       /* transmit timestamp zero */
	ASSOC_R_DUP,           /* duplicate (xmt equals the stored origin) */
	ASSOC_R_ZERO_ORG,      /* origin zero: the peer has not heard from us */
	ASSOC_R_BOGUS,         /* origin differs from our last transmit */
	ASSOC_R_STALE,         /* answer to a request sent before a clock step */
	ASSOC_R_KOD,           /* kiss-o'-death */
	ASSOC_R_UNSYNC,        /* leap 3 or stratum >= 16 */
	ASSOC_R_HDR_DIST,      /* root delay/2 + root disp >= MAXDISP, reftime after xmt */
	ASSOC_R_STRATUM,       /* stratum not lower than ours (or our local reference's) */
	ASSOC_R_LOOP,          /* refid is our own address */
	ASSOC_R_DELAY,         /* negative round-trip delay */
	ASSOC_R_ROOT_DIST,     /* root distance > MAXDIST + PHI * poll */
	ASSOC_R_AUTH,          /* MAC missing, unknown/untrusted key or wrong digest (auth.c) */
	ASSOC_R__COUNT
};

const char *assoc_result_name(enum assoc_result r);

struct assoc_counters {
	uint64_t rx, tx, tx_err, accepted;
	uint64_t rej[ASSOC_R__COUNT];
};

/* Configured options of an association: equal options keep the association. */
struct assoc_opts {
	int hmode;                /* NTP_MODE_CLIENT, NTP_MODE_ACTIVE, NTP_MODE_PASSIVE */
	unsigned version;
	uint32_t keyid;
	bool preferred, priority, burst, iburst, preempt;
	int minpoll, maxpoll;
	uint16_t port;
	char vpn[64];
	char srcif[64];           /* source-interface name, "" for none */
	char host[256];           /* domain name the address came from, "" for a literal */
};

struct ntp_sock;
struct ntpd_resolver;
struct ntpd_trace;
struct ntpd_bcast;         /* bcast.h */
struct auth_keys;         /* auth.h */
struct access_state;      /* access.h */

struct assoc {
	struct ntpd *core;
	struct assoc *next;
	bool dynamic;             /* created by an incoming symmetric-active packet */
	struct naddr addr;        /* remote address */
	char addr_text[NADDR_STRLEN];
	struct assoc_opts opts;
	struct naddr src_addr;    /* configured source address (unset: the socket's) */
	struct ntp_sock *sock;    /* NULL: nothing to send from */
	struct naddr dst_addr;    /* our address on the last packet from the peer */
	char down[128];           /* why it cannot be reached now (its source interface is
				   * down or has no address; apply.c), "" when it can */

	/* Header of the last packet that passed the protocol tests. */
	int leap, version, pmode, stratum, ppoll, precision;
	double rootdelay, rootdisp;
	uint32_t refid;           /* wire order */
	uint64_t reftime;

	uint64_t org;             /* peer's last transmit timestamp */
	uint64_t rec;             /* our receive timestamp of it */
	uint64_t xmt;             /* our last transmit timestamp (0 once answered) */
	uint64_t last_xmt;        /* our last transmit timestamp, for displays */
	bool xmt_stale;           /* the clock was stepped since xmt */

	struct ntp_filter filter;
	double offset, delay, disp, jitter;  /* peer variables */
	double update_t;          /* monotonic time of the chosen sample */
	bool have_update;

	uint8_t reach;            /* packets passing the protocol tests */
	uint8_t valid;            /* samples accepted into the filter */
	bool answered;            /* a reply since the last poll */
	int unreach;              /* consecutive unanswered polls */
	int backoff;              /* poll increase from unreachability */
	int rate_floor;           /* poll floor from KoD RATE */
	int unsync_poll;          /* current poll while the system is unsynchronized */
	int poll;                 /* poll exponent of the last transmission */
	unsigned npolls;
	uint64_t timer;
	double next_poll;         /* monotonic */
	double last_rx;           /* monotonic time of the last packet, < 0 never */
	bool denied;              /* KoD DENY/RSTR: stopped */
	int burst;                /* burst/iburst: packets of this burst still to send */
	bool in_burst;            /* the packet being prepared continues a burst */
	int useless;              /* preempt: consecutive useless polls */
	bool preempted;           /* preempt: demobilized until the system needs it */
	/* Broadcast/multicast client (bcast.c); bc_state 0 for other associations. */
	int bc_state;             /* BCAST_CALIBRATING (mode 3 exchanges), BCAST_LISTENING */
	int bc_ifindex;           /* interface the broadcasts arrive on */
	uint32_t bc_group;        /* 255.255.255.255 or the multicast group (wire order) */
	double bc_delay;          /* calibrated round-trip delay, s */

	/* selection outcome, for displays */
	bool fit, truechimer, survivor;
	struct assoc_counters cnt;
};

struct ntp_sock {
	struct ntpd *core;
	int fd;
	char vpn[32];             /* its VPN instance (vpn.c), "" for the public network */
	struct naddr addr;        /* bound address (a wildcard: any of its family) */
	bool serves;              /* answers clients / accepts symmetric peers */
	bool used;                /* mark during reconciliation */
	int err;                  /* last send errno */
	bool bcast;               /* a broadcast/multicast receive socket (bcast.c) */
};

enum ntpd_drop {
	NTPD_DROP_MALFORMED = 0,  /* undecodable */
	NTPD_DROP_TRUNCATED,      /* larger than the receive buffer */
	NTPD_DROP_MODE0,
	NTPD_DROP_MODE5,          /* broadcast (no broadcast client yet) */
	NTPD_DROP_MODE6,          /* control */
	NTPD_DROP_MODE7,          /* private */
	NTPD_DROP_NOT_SERVING,    /* request on an address we do not serve */
	NTPD_DROP_NO_ASSOC,       /* server/passive reply without association */
	NTPD_DROP_DYN_LIMIT,      /* too many dynamic associations */
	NTPD_DROP_ASSOC,          /* refused by an association's tests */
	NTPD_DROP_AUTH,           /* request with a bad MAC or an unknown/untrusted key */
	NTPD_DROP_ACCESS,         /* refused by `ntp-service access` (access.c) */
	NTPD_DROP_RATE,           /* rate limited by `ntp-service discard` */
	NTPD_DROP_SERVER_DISABLED,/* request while `ntp-service server disable` */
	NTPD_DROP_IF_DISABLED,    /* arrived on an `ntp-service in-interface disable` interface */
	NTPD_DROP__COUNT
};

const char *ntpd_drop_name(enum ntpd_drop d);

/* Count n in core->stats.field and, for an IPv6 datagram (family), in
 * core->stats6.field too: `display ntp-service statistics packet` shows an
 * IPv4 block (the difference) and an IPv6 block. */
#define NTPD_COUNT(core, family, field, n)                  \
	do {                                                \
		(core)->stats.field += (n);                 \
		if ((family) == AF_INET6)                   \
			(core)->stats6.field += (n);        \
	} while (0)

struct ntpd_stats {
	uint64_t received, sent, send_err, answered;
	uint64_t drop[NTPD_DROP__COUNT];
	uint64_t test[ASSOC_R__COUNT];  /* refusals by packet test, every association ever */
};

struct ntp_system {
	bool synced;
	int leap, stratum;
	uint32_t refid;           /* wire order */
	char refid_text[NADDR_STRLEN];
	double rootdelay, rootdisp;
	double offset, jitter;
	uint64_t reftime;
	double reftime_mono;      /* when rootdisp was set (for aging) */
	int precision;
	int poll;
	struct assoc *peer;       /* system peer, NULL: none or local clock */
	bool on_local;            /* the local reference clock is the reference */
	double last_update_t;     /* sample time fed to the discipline last */
	struct ntp_discipline disc;
	uint64_t tick_timer;
	uint64_t steps, panics, updates;

	/* refclock-master */
	bool local_configured;
	int local_stratum;
	char local_addr[INET_ADDRSTRLEN];
	int local_unit;

	/* ntp unsync max-poll-interval / dec-step */
	int unsync_max, unsync_dec;

	/* Why the system is not synchronized (shown while !synced). */
	char unsync_reason[160];
};

struct ntpd_if {
	char *name;
	uint32_t addr;            /* primary IPv4, 0 none */
	struct naddr addr6;       /* first usable global IPv6 (IfState.ipv6[0]), unset none */
	struct naddr ll6;         /* usable link-local IPv6 (IfState.ipv6_link_local), its
				   * scope the ifindex; unset none */
	bool up;                  /* oper state (IfState.oper_up; true when not said) */
	bool absent;              /* ifmgrd says its netdev is absent (ifindex 0) */
	uint32_t ifindex;         /* kernel ifindex, 0 while absent */
	char vpn[32];             /* IfState.vpn_instance, "" for the public network */
};

/* A VPN instance's kernel object as ifmgrd publishes it (IfStates.vpn):
 * where its sockets are opened (vpn.c). */
struct ntpd_vpn {
	char name[32];
	char netns[64];           /* namespace backend: /run/netns/NETNS, else "" */
	char vrf_dev[16];         /* VRF backend: bound with SO_BINDTODEVICE, else "" */
	int nsfd;                 /* the namespace, opened once; -1 none */
	char err[200];            /* ifmgrd's reason it has no kernel object, "" */
};

#define NTPD_MAX_ERRS 16

struct ntpd {
	struct loop *loop;
	void *zctx;
	const struct bootstrap *bs;
	struct ntp_clock *clock;
	struct evlog *evlog;      /* display logbuffer (common/evlog.h) */
	uint16_t port;            /* bs.ntp.port */
	struct ntp_system sys;
	struct assoc *assocs;
	int n_assocs, n_dynamic;
	struct ntp_sock *socks[NTPD_MAX_SOCKS];
	int n_socks;
	struct ntp_sock *server_sock;  /* serving IPv4 socket, NULL if none */
	struct ntp_sock *server_sock6; /* serving IPv6 socket, NULL if none */
	bool server_any;          /* no server source-interface: serve everywhere */
	struct naddr global_src;  /* `ntp-service source-interface` address (IPv4) */
	struct naddr global_src6; /* `ntp-service ipv6 source-interface` address */
	struct ntpd_stats stats;        /* every datagram */
	struct ntpd_stats stats6;       /* the IPv6 ones among them (NTPD_COUNT) */
	struct ntpd_resolver *resolver;  /* domain names of servers and peers (resolve.c) */
	struct ntpd_trace *traces;       /* `display ntp-service trace` walks (trace.c) */
	struct auth_keys *auth;        /* keys and `authentication enable` (auth.c) */
	struct access_state *access;   /* ACLs, rate limits, KoD, server disable (access.c) */
	uint64_t acl_gen;              /* bumped when a whole acl or acl6 arrives in cfg (the
					* ACLs are compiled from it again); a commit's ACL
					* objects change access directly instead */
	struct ntpd_bcast *bcast;      /* broadcast/multicast servers and clients (bcast.c) */

	struct ntpd_if *ifs;
	size_t n_ifs;
	uint32_t *if_slots;       /* ifs by name (case-insensitive): index + 1, 0 empty */
	size_t n_if_slots;        /* a power of two, 0 none */
	struct ntpd_vpn *vpns;    /* the VPN instances ifmgrd reports (vpn.c) */
	size_t n_vpns;
	Config *cfg;              /* owned copy of the last configuration (acl and acl6
				   * emptied once commits deliver them by path) */
	char *op_errs[NTPD_MAX_ERRS];  /* problems found by the last reconciliation */
	int n_op_errs;

	struct cfgsub *cfgsub;
	struct clone_sub *ifsub;
	struct bus_server *ctl;
	uint64_t ctl_bad;

	uint64_t rng;
	/* receive/transmit buffers: no allocation per packet */
	uint8_t rxbuf[NTPD_RX_BATCH][NTPD_PKT_MAX];
	uint8_t txbuf[NTPD_PKT_MAX];
};

/* One received datagram, as sock.c hands it to ntpd_input(). */
struct ntpd_rx {
	const uint8_t *buf;
	size_t len;
	struct naddr src;         /* source address */
	uint16_t src_port;
	struct naddr dst;         /* our address it was sent to (IP(V6)_PKTINFO) */
	uint64_t ts;              /* receive timestamp (our clock) */
	struct ntp_sock *sock;    /* socket it came in on; NULL in tests */
	bool serving;             /* the address is one we serve */
	uint32_t ifindex;         /* interface it arrived on (IP(V6)_PKTINFO), 0 unknown */
};

/* The VPN instance a datagram arrived in ("" the public network). */
#define RX_VPN(rx) ((rx)->sock ? (rx)->sock->vpn : "")

/* ---- core.c ----------------------------------------------------------- */

/* Build the daemon core on `loop`.  The clock comes from bs->clock (virtual
 * or system).  With zctx, also the ctl socket, the cfgd subscription and the
 * ifmgrd subscription; with zctx NULL none of them (tests).  bs must outlive
 * the core.  NULL with errno set and a sentence in err on failure, as
 * every daemon core's constructor (daemon.h); nothing is logged. */
struct ntpd *ntpd_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
		      char *err, size_t errlen);
/* The same with a clock of the caller's (ownership passes to the core). */
struct ntpd *ntpd_new_with_clock(struct loop *loop, void *zctx, const struct bootstrap *bs,
				 struct ntp_clock *clock, char *err, size_t errlen);
void ntpd_free(struct ntpd *core);
double ntpd_mono(void);
/* Uniform random number in [0, 1). */
double ntpd_random(struct ntpd *core);

/* ---- apply.c ---------------------------------------------------------- */

/* Reconcile with the whole configuration (borrowed; a copy is kept).
 * Never fails: problems are written to errs[0..max_errs) as malloc'd strings
 * (the count is returned) and kept as operational state. */
int ntpd_apply_config(struct ntpd *core, const Config *cfg, char **errs, int max_errs);
/* The same when only the top-level fields of Config named in changed[0..n)
 * differ from the configuration applied last: only those are copied, and
 * the ACLs are compiled again only when acl or acl6 is among them.
 * changed NULL: everything. */
int ntpd_apply_changes(struct ntpd *core, const Config *cfg, const char *const *changed,
		       size_t n, char **errs, int max_errs);
/* A commit as cfgsub delivers it to a daemon reading acl and acl6 by path
 * (cfgsub.h): ch[0..n) the objects that changed, tree the running
 * configuration after the commit (borrowed), cfg its other consumed fields
 * (ntp, interface) whole.  A changed ACL object is put in place in its ACL
 * alone (access_acl_changed); the fields of other changes are copied and
 * reconciled as ntpd_apply_changes does; a commit of ACLs only reconciles
 * nothing else (the associations are left alone) and reports the last
 * reconciliation's problems again.  ch or tree NULL (a snapshot): cfg is
 * whole, as for ntpd_apply_config. */
int ntpd_apply_objects(struct ntpd *core, const Config *cfg, const struct ct_node *tree,
		       const struct cfgsub_change *ch, size_t n, char **errs, int max_errs);
/* Replace the interface table (borrowed) and reconcile again. */
void ntpd_apply_ifstates(struct ntpd *core, const IfStates *st);
/* Primary address of a logical interface, 0 if unknown or without one. */
/* The interface of that logical name ifmgrd reports (case-insensitive,
 * through a hash of the names), or NULL. */
const struct ntpd_if *ntpd_if_find(const struct ntpd *core, const char *name);
uint32_t ntpd_if_addr(const struct ntpd *core, const char *name);
/* The address of a logical interface in a family (AF_INET: the primary
 * address, AF_INET6: the first usable global one); unset if none. */
struct naddr ntpd_if_naddr(const struct ntpd *core, const char *name, int family);
/* Reconcile again with the kept configuration and interfaces (a domain name
 * was resolved, ...).  Problems go to the operational errors. */
void ntpd_reconcile(struct ntpd *core);

/* ---- resolve.c -------------------------------------------------------- */

/* A synchronous resolver for tests (replaces getaddrinfo_a): 0 with the
 * address in *addr, or a negative errno. */
typedef int (*ntpd_resolve_fn)(const char *name, struct naddr *addr, void *arg);
/* Use fn instead of the system resolver (NULL: back to getaddrinfo_a). */
void ntpd_set_resolver(struct ntpd *core, ntpd_resolve_fn fn, void *arg);
/* The address of a domain name: 1 with *addr when known, 0 while it is being
 * resolved (started now if needed; a reconciliation follows its end), or a
 * negative errno when the last attempt failed (retried with a backoff).
 * Marks the name as in use for resolve_sweep(). */
int resolve_lookup(struct ntpd *core, const char *name, struct naddr *addr);
/* The server of `name` stopped answering: resolve it again (at most once
 * per NTPD_RESOLVE_MIN_S). */
void resolve_again(struct ntpd *core, const char *name);
/* Reconciliation bracket: names not looked up in between are forgotten. */
void resolve_mark_unused(struct ntpd *core);
void resolve_sweep(struct ntpd *core);
/* Cancel everything (waits briefly for lookups in flight). */
void resolve_fini(struct ntpd *core);

/* ---- trace.c ---------------------------------------------------------- */

/* Called once with the finished trace (owned by the callee: free it with
 * ctl_reply_free()), or with NULL when the walk is aborted. */
typedef void (*ntpd_trace_cb)(struct ntpd *core, NtpReply *reply, void *arg);
/* Walk the chain of servers from this device toward the primary reference:
 * hop 0 is the system itself, then a mode 3 request to the system peer, to
 * its reference id, and so on (at most NTPD_TRACE_HOPS, NTPD_TRACE_TIMEOUT_S
 * in all).  cb runs from the loop (never from inside this call).  0 or
 * -errno. */
int trace_start(struct ntpd *core, ntpd_trace_cb cb, void *arg);
/* Abort every walk in progress: each callback runs once with reply NULL
 * (to free its arg). */
void trace_fini(struct ntpd *core);

/* ---- assoc.c ---------------------------------------------------------- */

/* New association (mobilized: the first poll is scheduled within 0.5 s
 * unless it is passive).  Linked into core->assocs. */
struct assoc *assoc_new(struct ntpd *core, const struct naddr *addr,
			const struct assoc_opts *opts, bool dynamic);
/* Unlink and free. */
void assoc_free(struct assoc *p);
/* Our address toward the peer: the destination of its last packet, else
 * the configured source, else the socket's (a wildcard when unbound);
 * unset when there is none of these. */
struct naddr assoc_local_addr(const struct assoc *p);
struct assoc *ntpd_assoc_find(struct ntpd *core, const struct naddr *addr, uint16_t port);
/* The same in VPN instance vpn ("" the public network; ntpd_assoc_find is
 * this with ""). */
struct assoc *ntpd_assoc_find_in(struct ntpd *core, const char *vpn, const struct naddr *addr,
				 uint16_t port);
/* Process a decoded packet from the peer (RFC 5905 receive + packet
 * tests + clock filter).  Counts the outcome and returns it. */
enum assoc_result assoc_receive(struct assoc *p, const struct ntp_packet *pkt, uint64_t rx_ts,
				const struct naddr *dst);
/* Poll bookkeeping (reach shift, unreach, fast-start step) and the packet
 * to send now (mode 3 or 1) in buf.  Returns the length or -errno.  Sets
 * p->xmt. */
int assoc_prepare(struct assoc *p, uint8_t *buf, size_t len);
/* The reply of a symmetric-passive association to the packet just
 * received (mode 2).  Length or -errno. */
int assoc_reply(struct assoc *p, uint8_t *buf, size_t len);
/* Poll exponent to use now (fast start while unsynchronized). */
int assoc_poll_exp(const struct assoc *p);
/* The poll the clock discipline asks of p: the system poll within p's
 * minpoll..maxpoll (assoc_poll_exp may poll faster while unsynchronized or
 * filling the filter, slower after a KoD RATE or while unanswered). */
int assoc_local_poll(const struct assoc *p);
/* Poll timer: (re)schedule the next transmission `delay` s from now. */
void assoc_schedule(struct assoc *p, double delay);
/* Reschedule sooner if the current schedule is later than the poll now
 * allows (after losing synchronization). */
void assoc_hurry(struct assoc *p);
/* The clock was stepped by `step` s: shift the filter and forget what was
 * measured against the old clock. */
void assoc_clock_stepped(struct assoc *p, double step);
/* The discipline slewed the clock by `phase` and changed its frequency by
 * `dfreq` at `now`: move the stored samples with it (ntp_filter_adjust). */
void assoc_clock_adjusted(struct assoc *p, double phase, double dfreq, double now);
/* RFC 5905 accept()/fit(): may the association be a candidate now? */
bool assoc_fit(const struct assoc *p, double now, const char **why);
/* Enough recent samples to be selectable: NTPD_FAST_SAMPLES of the last 8
 * exchanges (polls for a client; for a symmetric peer, intervals of the
 * slower of our poll and the peer's). */
bool assoc_enough_samples(const struct assoc *p, double now);
/* Dynamic associations silent for NTPD_DYN_EXPIRE_POLLS polls. */
bool assoc_expired(const struct assoc *p, double now);
/* One poll event (what the poll timer does): the packet of this poll or of
 * the running burst is prepared and sent (left in core->txbuf); returns the
 * delay in seconds until the next event (NTPD_BURST_GAP inside a burst), or
 * -1 when the association does not poll (denied, or preempted now).  Does
 * not schedule the timer itself. */
double assoc_poll(struct assoc *p);
/* preempt: a demobilized association polls again (soon). */
void assoc_remobilize(struct assoc *p);
/* Why p cannot be reached now ("" when it can: its source interface is
 * usable again).  While set, p sends nothing and is no candidate (fit says
 * why); when it clears, p polls again within 0.5 s with its unreachability
 * backoff forgotten.  Logged on each change. */
void assoc_set_down(struct assoc *p, const char *why);

/* ---- system.c --------------------------------------------------------- */

void sys_init(struct ntpd *core);
void sys_fini(struct ntpd *core);
/* Clock selection and, for a new system peer sample, clock_update. */
void sys_select(struct ntpd *core);
/* Header fields of every packet we send: leap, stratum (16 -> 0), poll
 * untouched, precision, root delay/dispersion (aged), refid, reftime. */
void sys_fill_header(struct ntpd *core, struct ntp_packet *pkt);
/* Fast polling (the unsynchronized policy) applies: the system is not
 * synchronized, or the discipline is still measuring the frequency after
 * its first step (FREQ state: a stepout of 4 polls). */
bool sys_fast(const struct ntpd *core);
/* Our stratum for the "stratum" test: a source must be below it. */
int sys_own_stratum(const struct ntpd *core);
/* True when refid (wire order) names one of our addresses as a server
 * would (naddr_refid: an IPv4 address, or the digest of an IPv6 one). */
bool sys_is_local_refid(const struct ntpd *core, uint32_t refid);
/* The association is about to be freed. */
void sys_forget(struct ntpd *core, struct assoc *p);
/* refclock-master: on/off, stratum 1..15, address 127.127.1.unit. */
void sys_configure_local(struct ntpd *core, bool on, int stratum, const char *addr, int unit);

/* ---- server.c --------------------------------------------------------- */

/* Handle one datagram: dispatch by mode, answer clients, feed associations,
 * create dynamic passive ones.  Returns the length of a reply to send back
 * to the source from rx->dst (0: nothing to send). */
int ntpd_input(struct ntpd *core, const struct ntpd_rx *rx, uint8_t *reply, size_t reply_len);
/* Count a dropped datagram (and log it at debug level).  Returns 0. */
int ntpd_drop(struct ntpd *core, enum ntpd_drop d, const struct ntpd_rx *rx);
/* The mode 4 answer to a decoded mode 3 request received at rx_ts.  Length
 * or -errno. */
int server_answer(struct ntpd *core, const struct ntp_packet *req, uint64_t rx_ts,
		  uint8_t *buf, size_t len);

/* ---- sock.c ----------------------------------------------------------- */

/* Mark every socket unused (start of a reconciliation). */
struct cmsghdr;
/* The receive timestamp of a datagram read at now_ts (our clock) and
 * real_now (CLOCK_REALTIME) whose control message c may be the kernel's
 * SCM_TIMESTAMPNS: now_ts less the time the datagram waited in the socket
 * (so a busy loop does not add to a measured delay); now_ts otherwise. */
uint64_t sock_kernel_rx_ts(const struct cmsghdr *c, uint64_t now_ts,
			   const struct timespec *real_now);
void sock_mark_unused(struct ntpd *core);
/* The socket bound to addr (a wildcard: any address of its family; an
 * IPv6 socket is IPV6_V6ONLY) on core->port, opened if needed, marked
 * used.  NULL with a negative errno in *err on failure. */
struct ntp_sock *sock_want(struct ntpd *core, const struct naddr *addr, bool serves, int *err);
/* The same in VPN instance vpn ("": sock_want), the socket opened in the
 * instance's namespace or bound to its VRF device (vpn.c). */
struct ntp_sock *sock_want_vpn(struct ntpd *core, const struct naddr *addr, bool serves,
			       const char *vpn, int *err);
/* A UDP socket bound to addr:port with ntpd's options (bind_dev: bound to
 * that device first, SO_BINDTODEVICE; NULL none): the fd or -errno. */
int sock_open_fd(const struct naddr *addr, uint16_t port, const char *bind_dev);

/* ---- vpn.c ------------------------------------------------------------ */

/* Take the VPN instances of an ifmgrd update (namespaces opened once). */
void vpn_apply_states(struct ntpd *core, const IfStates *st);
void vpn_free(struct ntpd *core);
/* The instance named vpn, or NULL. */
const struct ntpd_vpn *vpn_find(const struct ntpd *core, const char *vpn);
/* A socket for addr:port in instance vpn: the fd, or -errno (-ENONET: the
 * instance has no kernel object, ifmgrd says why). */
int vpn_sock_open(struct ntpd *core, const char *vpn, const struct naddr *addr, uint16_t port);
/* Call fn(arg, bind_dev) where instance vpn's sockets are made: inside its
 * namespace (bind_dev NULL), or with its VRF device to bind to; "" or
 * NULL: here.  fn's result, or -ENONET (the instance not ready) or
 * another -errno of entering it. */
int vpn_run(struct ntpd *core, const char *vpn, int (*fn)(void *arg, const char *bind_dev),
	    void *arg);
/* The VPN instance of an interface ifmgrd reports, "" if none or unknown. */
const char *vpn_of_if(const struct ntpd *core, const char *ifname);
/* Close the sockets not marked used. */
void sock_sweep(struct ntpd *core);
void sock_close_all(struct ntpd *core);
/* Send from sock to addr:port; src (if set, of the socket's family, and the
 * socket is unbound) picks the source address.  0 or -errno. */
int sock_send(struct ntp_sock *s, const uint8_t *buf, size_t len, const struct naddr *addr,
	      uint16_t port, const struct naddr *src);
/* Wrap fd (an IPv4 socket opened, configured and bound by the caller,
 * with IP_PKTINFO and SO_TIMESTAMPNS on) in an ntp_sock read by the same receive path as the
 * others but kept out of core->socks and the reconciliation: the caller
 * owns it and closes it with sock_detach().  NULL with -errno in *err (fd
 * is closed then too). */
struct ntp_sock *sock_attach(struct ntpd *core, int fd, int *err);
void sock_detach(struct ntp_sock *s);

/* ---- ctl.c ------------------------------------------------------------ */

/* Bind the ctl socket.  0, or -errno (errno set) with a sentence in err. */
int ctl_init(struct ntpd *core, char *err, size_t errlen);
void ctl_fini(struct ntpd *core);
/* Fill st (initialised here; strings point into the core, valid until it
 * changes). */
void ctl_fill_status(struct ntpd *core, NtpSysStatus *st);
/* Packet counters of IPv4 (ctl_fill_packet_stats) or IPv6 datagrams for
 * `display ntp-service statistics packet` (allocated inside ps;
 * ctl_reply_free() of the reply holding it frees them). */
void ctl_fill_packet_stats(struct ntpd *core, NtpPacketStats *ps);
void ctl_fill_packet_stats6(struct ntpd *core, NtpPacketStats *ps);
/* Answer one packed NtpRequest: returns a reply to free with
 * ctl_reply_free().  Trace requests are answered by on_request through
 * trace_start(); here they get -EINPROGRESS. */
NtpReply *ctl_answer(struct ntpd *core, const uint8_t *data, size_t len);
/* `clock datetime`: step the clock to unix_time (whole seconds, UTC) and
 * every association's samples with it.  0 with *step (may be NULL) the
 * step made, -EBUSY while NTP has the clock synchronized to a server or
 * peer (nothing changed), or the clock's error. */
int ctl_clock_set(struct ntpd *core, int64_t unix_time, double *step);
void ctl_reply_free(NtpReply *r);

#endif
