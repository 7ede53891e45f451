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
 * Addresses (uint32_t) are IPv4 in network byte order, 0 = none/INADDR_ANY;
 * ports are host order.  "Monotonic" times are CLOCK_MONOTONIC seconds
 * (loop_now_us() / 1e6); NTP timestamps come from the core's ntp_clock.
 */
#ifndef MERIDIAN_NTPD_H
#define MERIDIAN_NTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "ntp.h"
#include "config.pb-c.h"
#include "ifmgr.pb-c.h"
#include "ntpd.pb-c.h"

struct loop;
struct bootstrap;
struct cfgsub;
struct clone_sub;
struct bus_server;

#define NTPD_FAST_SAMPLES   4     /* valid samples in the last 8 polls to be selectable */
#define NTPD_MAX_SOCKS      16
#define NTPD_MAX_DYNAMIC    100   /* VRP max-dynamic-sessions default */
#define NTPD_DEF_LOCAL_STRATUM 8
#define NTPD_DEF_UNSYNC_POLL 1    /* log2 s: 2 s while unsynchronized */
#define NTPD_MIN_UNSYNC_POLL 1
#define NTPD_UNREACH        8     /* unanswered polls before backing off */
#define NTPD_PKT_MAX        1024
#define NTPD_RX_BATCH       8
#define NTPD_DYN_EXPIRE_POLLS 8   /* dynamic associations expire after 8 silent polls */

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
};

struct ntp_sock;

struct assoc {
	struct ntpd *core;
	struct assoc *next;
	bool dynamic;             /* created by an incoming symmetric-active packet */
	uint32_t addr;            /* remote address */
	char addr_text[INET_ADDRSTRLEN];
	struct assoc_opts opts;
	uint32_t src_addr;        /* configured source address (0: the socket's) */
	struct ntp_sock *sock;    /* NULL: nothing to send from */
	uint32_t dst_addr;        /* our address on the last packet from the peer */

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

	/* selection outcome, for displays */
	bool fit, truechimer, survivor;
	struct assoc_counters cnt;
};

struct ntp_sock {
	struct ntpd *core;
	int fd;
	uint32_t addr;            /* bound address, 0 = INADDR_ANY */
	bool serves;              /* answers clients / accepts symmetric peers */
	bool used;                /* mark during reconciliation */
	int err;                  /* last send errno */
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
	NTPD_DROP__COUNT
};

const char *ntpd_drop_name(enum ntpd_drop d);

struct ntpd_stats {
	uint64_t received, sent, send_err, answered;
	uint64_t drop[NTPD_DROP__COUNT];
};

struct ntp_system {
	bool synced;
	int leap, stratum;
	uint32_t refid;           /* wire order */
	char refid_text[24];
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
};

struct ntpd_if {
	char *name;
	uint32_t addr;            /* primary IPv4, 0 none */
	bool up;
};

#define NTPD_MAX_ERRS 16

struct ntpd {
	struct loop *loop;
	void *zctx;
	const struct bootstrap *bs;
	struct ntp_clock *clock;
	uint16_t port;            /* bs.ntp.port */
	struct ntp_system sys;
	struct assoc *assocs;
	int n_assocs, n_dynamic;
	struct ntp_sock *socks[NTPD_MAX_SOCKS];
	int n_socks;
	struct ntp_sock *server_sock;  /* serving socket, NULL if none */
	bool server_any;          /* no server source-interface: serve everywhere */
	uint32_t global_src;      /* `ntp-service source-interface` address */
	struct ntpd_stats stats;

	struct ntpd_if *ifs;
	size_t n_ifs;
	Config *cfg;              /* owned copy of the last configuration */
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
	uint32_t src;             /* source address */
	uint16_t src_port;
	uint32_t dst;             /* our address it was sent to (IP_PKTINFO) */
	uint64_t ts;              /* receive timestamp (our clock) */
	struct ntp_sock *sock;    /* socket it came in on; NULL in tests */
	bool serving;             /* the address is one we serve */
};

/* ---- core.c ----------------------------------------------------------- */

/* Build the daemon core on `loop`.  The clock comes from bs->clock (virtual
 * or system).  With zctx, also the ctl socket, the cfgd subscription and the
 * ifmgrd subscription; with zctx NULL none of them (tests).  bs must outlive
 * the core.  NULL with errno on failure. */
struct ntpd *ntpd_new(struct loop *loop, void *zctx, const struct bootstrap *bs);
/* The same with a clock of the caller's (ownership passes to the core). */
struct ntpd *ntpd_new_with_clock(struct loop *loop, void *zctx, const struct bootstrap *bs,
				 struct ntp_clock *clock);
void ntpd_free(struct ntpd *core);
double ntpd_mono(void);
/* Uniform random number in [0, 1). */
double ntpd_random(struct ntpd *core);

/* ---- apply.c ---------------------------------------------------------- */

/* Reconcile with the whole configuration (borrowed; a copy is kept).
 * Never fails: problems are written to errs[0..max_errs) as malloc'd strings
 * (the count is returned) and kept as operational state. */
int ntpd_apply_config(struct ntpd *core, const Config *cfg, char **errs, int max_errs);
/* Replace the interface table (borrowed) and reconcile again. */
void ntpd_apply_ifstates(struct ntpd *core, const IfStates *st);
/* Primary address of a logical interface, 0 if unknown or without one. */
uint32_t ntpd_if_addr(const struct ntpd *core, const char *name);

/* ---- assoc.c ---------------------------------------------------------- */

/* New association (mobilized: the first poll is scheduled within 0.5 s
 * unless it is passive).  Linked into core->assocs. */
struct assoc *assoc_new(struct ntpd *core, uint32_t addr, const struct assoc_opts *opts,
			bool dynamic);
/* Unlink and free. */
void assoc_free(struct assoc *p);
struct assoc *ntpd_assoc_find(struct ntpd *core, uint32_t addr, uint16_t port);
/* Process a decoded packet from the peer (RFC 5905 receive + packet
 * tests + clock filter).  Counts the outcome and returns it. */
enum assoc_result assoc_receive(struct assoc *p, const struct ntp_packet *pkt, uint64_t rx_ts,
				uint32_t dst);
/* Poll bookkeeping (reach shift, unreach, fast-start step) and the packet
 * to send now (mode 3 or 1) in buf.  Returns the length or -errno.  Sets
 * p->xmt. */
int assoc_prepare(struct assoc *p, uint8_t *buf, size_t len);
/* The reply of a symmetric-passive association to the packet just
 * received (mode 2).  Length or -errno. */
int assoc_reply(struct assoc *p, uint8_t *buf, size_t len);
/* Poll exponent to use now (fast start while unsynchronized). */
int assoc_poll_exp(const struct assoc *p);
/* Poll timer: (re)schedule the next transmission `delay` s from now. */
void assoc_schedule(struct assoc *p, double delay);
/* Reschedule sooner if the current schedule is later than the poll now
 * allows (after losing synchronization). */
void assoc_hurry(struct assoc *p);
/* The clock was stepped by `step` s: shift the filter and forget what was
 * measured against the old clock. */
void assoc_clock_stepped(struct assoc *p, double step);
/* RFC 5905 accept()/fit(): may the association be a candidate now? */
bool assoc_fit(const struct assoc *p, double now, const char **why);
/* Dynamic associations silent for NTPD_DYN_EXPIRE_POLLS polls. */
bool assoc_expired(const struct assoc *p, double now);

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
/* True when addr (wire order) is one of our addresses. */
bool sys_is_local_addr(const struct ntpd *core, uint32_t addr);
/* The association is about to be freed. */
void sys_forget(struct ntpd *core, struct assoc *p);
/* refclock-master: on/off, stratum 1..15, address 127.127.1.unit. */
void sys_configure_local(struct ntpd *core, bool on, int stratum, const char *addr, int unit);

/* ---- server.c --------------------------------------------------------- */

/* Handle one datagram: dispatch by mode, answer clients, feed associations,
 * create dynamic passive ones.  Returns the length of a reply to send back
 * to the source from rx->dst (0: nothing to send). */
int ntpd_input(struct ntpd *core, const struct ntpd_rx *rx, uint8_t *reply, size_t reply_len);
/* The mode 4 answer to a decoded mode 3 request received at rx_ts.  Length
 * or -errno. */
int server_answer(struct ntpd *core, const struct ntp_packet *req, uint64_t rx_ts,
		  uint8_t *buf, size_t len);

/* ---- sock.c ----------------------------------------------------------- */

/* Mark every socket unused (start of a reconciliation). */
void sock_mark_unused(struct ntpd *core);
/* The socket bound to addr (0: INADDR_ANY) on core->port, opened if needed,
 * marked used.  NULL with a negative errno in *err on failure. */
struct ntp_sock *sock_want(struct ntpd *core, uint32_t addr, bool serves, int *err);
/* Close the sockets not marked used. */
void sock_sweep(struct ntpd *core);
void sock_close_all(struct ntpd *core);
/* Send from sock to addr:port; src (if not 0 and the socket is unbound)
 * picks the source address.  0 or -errno. */
int sock_send(struct ntp_sock *s, const uint8_t *buf, size_t len, uint32_t addr,
	      uint16_t port, uint32_t src);

/* ---- ctl.c ------------------------------------------------------------ */

int ctl_init(struct ntpd *core);
void ctl_fini(struct ntpd *core);
/* Fill st (initialised here; strings point into the core, valid until it
 * changes). */
void ctl_fill_status(struct ntpd *core, NtpSysStatus *st);
/* Answer one packed NtpRequest: returns a reply to free with
 * ctl_reply_free(). */
NtpReply *ctl_answer(struct ntpd *core, const uint8_t *data, size_t len);
void ctl_reply_free(NtpReply *r);

#endif
