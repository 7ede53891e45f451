/*
 * ntp.h: the NTP (RFC 5905) types and module interfaces shared inside ntpd.
 *
 * Pure modules (no sockets, no loop), unit-tested on their own:
 *   packet.c      wire codec of the 48-byte header plus extension/MAC trailer
 *   ntpclock.c    the clock behind one interface: `virtual` or `system`
 *   filter.c      the 8-stage clock filter of one association
 *   select.c      selection (interval intersection), clustering, combining
 *   discipline.c  the hybrid PLL/FLL of RFC 5905 section 11.3 (local_clock)
 *   naddr.c       IPv4/IPv6 host addresses, link-local ones with their scope
 *                 (naddr.h)
 *   auth.c        packet MACs (nettle), the key table, the checks (auth.h)
 *   access.c      access levels from ACLs, rate limiting and KoD, `server
 *                 disable`, `max-dynamic-sessions` (access.h)
 * Daemon modules (use the loop and sockets; declared in ntpd.h unless named):
 *   core.c        the core object: construction order, the bus subscriptions
 *   assoc.c       associations: modes, polling, packet tests, reach, KoD
 *   server.c      answering clients and symmetric-passive peers
 *   bcast.c       broadcast and multicast servers and clients (bcast.h)
 *   sock.c        UDP sockets per local address
 *   system.c      the system variables, clock_update, the 1 s clock timer
 *   apply.c       reconciling with the Config from cfgd and IfStates from ifmgrd
 *   resolve.c     domain names of servers and peers, never blocking the loop
 *   trace.c       `display ntp-service trace`, answered asynchronously
 *   ctl.c         the ctl socket: status, sessions and trace for clid
 * (main.c is the daemon's thin main.)  Times are double seconds; NTP
 * timestamps are uint64_t (32.32 fixed point, era 0).  Constants follow
 * RFC 5905 appendix A.
 */
#ifndef MERIDIAN_NTP_H
#define MERIDIAN_NTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <time.h>

#define NTP_PORT       123
#define NTP_VERSION    4
#define NTP_MINVERSION 1
#define NTP_MAXSTRAT   16        /* unsynchronized stratum */
#define NTP_MAXDISP    16.0      /* s */
#define NTP_MINDISP    0.005     /* s */
#define NTP_MAXDIST    1.5       /* s, distance threshold */
#define NTP_PHI        15e-6     /* s/s, frequency tolerance */
#define NTP_NSTAGE     8
#define NTP_NMAX       50        /* maximum number of associations */
#define NTP_NSANE      1         /* minimum intersection survivors */
#define NTP_NMIN       3         /* minimum cluster survivors */
#define NTP_MINPOLL    3         /* log2 s: the lowest configurable */
#define NTP_MAXPOLL    17
#define NTP_DEF_MINPOLL 6
#define NTP_DEF_MAXPOLL 10
#define NTP_STEPT      0.128     /* step threshold, s */
#define NTP_PANICT     1000.0    /* panic threshold, s */
#define NTP_MAXFREQ    500e-6    /* frequency/slew limit, s/s */
#define NTP_UNIX_EPOCH 2208988800ULL  /* 1970 - 1900 in seconds */

enum ntp_mode {
	NTP_MODE_RESERVED = 0, NTP_MODE_ACTIVE = 1, NTP_MODE_PASSIVE = 2,
	NTP_MODE_CLIENT = 3, NTP_MODE_SERVER = 4, NTP_MODE_BROADCAST = 5,
	NTP_MODE_CONTROL = 6, NTP_MODE_PRIVATE = 7,
};

enum ntp_leap { NTP_LEAP_NONE = 0, NTP_LEAP_ADD = 1, NTP_LEAP_DEL = 2, NTP_LEAP_NOSYNC = 3 };

/* ---- packet.c ---------------------------------------------------------- */

#define NTP_HEADER_LEN 48
#define NTP_MAX_MAC    32     /* digest bytes (SHA-256) */

struct ntp_packet {
	uint8_t leap, version, mode, stratum;
	int8_t poll, precision;
	uint32_t root_delay;      /* NTP short format (16.16), raw */
	uint32_t root_disp;       /* NTP short format (16.16), raw */
	uint32_t refid;           /* network byte order as on the wire */
	uint64_t reftime, org, rec, xmt;
	bool has_mac;
	uint32_t keyid;
	uint8_t mac[NTP_MAX_MAC];
	size_t mac_len;           /* 16 (MD5) or 32 (SHA-256); 0 for crypto-NAK */
	size_t mac_offset;        /* decode: bytes the MAC covers (header +
	                           * extension fields) = offset of the key id */
};

/* Decode a datagram.  Extension fields (RFC 7822: length >= 16, a multiple
 * of 4) are skipped; a trailer of 4 bytes (crypto-NAK), 20 or 36 bytes is a
 * MAC.  0, or -EBADMSG for a datagram that is too short, has a bad length,
 * version 0 or > 4.  Never reads past `len`; `out` is untouched on error. */
int ntp_packet_decode(const uint8_t *buf, size_t len, struct ntp_packet *out);
/* Encode header (and key id + mac_len digest bytes if has_mac) into buf.
 * Returns the length, -ENOBUFS if buf is too small, -EINVAL if mac_len is
 * not 0, 16 or 32. */
int ntp_packet_encode(const struct ntp_packet *p, uint8_t *buf, size_t len);

double ntp_short_to_d(uint32_t s);
uint32_t ntp_d_to_short(double d);
double ntp_ts_to_d(uint64_t ts);          /* seconds since 1900 (era 0) */
uint64_t ntp_d_to_ts(double d);
/* Signed difference a - b of two timestamps, in seconds, era-safe. */
double ntp_ts_diff(uint64_t a, uint64_t b);
uint64_t ntp_ts_from_timespec(const struct timespec *ts);
/* ts + d seconds (d may be negative), exact to 2^-32 s, wrapping in the era. */
uint64_t ntp_ts_add(uint64_t ts, double d);

/* ---- ntpclock.c -------------------------------------------------------- */

struct ntp_clock;

/* A per-process clock: CLOCK_REALTIME plus an error that starts at `offset`
 * s, drifts at `freq_ppm`, and reads with gaussian `noise` (std dev, s). */
struct ntp_clock *ntp_clock_new_virtual(double offset, double freq_ppm, double noise);
/* CLOCK_REALTIME, disciplined with clock_adjtime(2) (needs CAP_SYS_TIME). */
struct ntp_clock *ntp_clock_new_system(void);
void ntp_clock_free(struct ntp_clock *c);
/* Current time as an NTP timestamp. */
uint64_t ntp_clock_now(struct ntp_clock *c);
/* Step the clock by `offset` s (positive: forward).  0 or -errno. */
int ntp_clock_step(struct ntp_clock *c, double offset);
/* Slew: add `offset` s gradually, at most NTP_MAXFREQ (500 ppm) of rate;
 * slews accumulate with the part of earlier ones still pending.  A step
 * cancels whatever is pending.  System clock: the kernel's
 * ADJ_OFFSET_SINGLESHOT (adjtime semantics).  0 or -errno.
 * set_freq: the frequency correction in ppm, added to the clock's rate
 * (positive runs the clock faster, as ADJ_FREQUENCY); a virtual clock's
 * error therefore grows at freq_ppm + correction, and the discipline drives
 * the correction to -freq_ppm. */
int ntp_clock_slew(struct ntp_clock *c, double offset);
int ntp_clock_set_freq(struct ntp_clock *c, double freq_ppm);
double ntp_clock_get_freq(struct ntp_clock *c);
/* log2 of the reading precision, measured at creation. */
int ntp_clock_precision(struct ntp_clock *c);
/* Virtual clock: its error against CLOCK_REALTIME now, s; system: 0 and false. */
bool ntp_clock_true_error(struct ntp_clock *c, double *error);
const char *ntp_clock_type(struct ntp_clock *c);   /* "virtual", "system", "simulated" */
/* For tests and simulations: a virtual clock whose true time is *true_time
 * (seconds since 1970, advanced by the caller) instead of CLOCK_REALTIME and
 * CLOCK_MONOTONIC.  Reading noise comes from a PRNG seeded with `seed`;
 * ntp_clock_precision() returns `precision`.  *true_time must outlive the
 * clock. */
struct ntp_clock *ntp_clock_new_simulated(const double *true_time, double offset,
					  double freq_ppm, double noise, unsigned seed,
					  int precision);

/* ---- filter.c ---------------------------------------------------------- */

struct ntp_sample {
	double offset, delay, disp;
	double t;                 /* local time of the sample (s, monotonic) */
};

struct ntp_filter {
	struct ntp_sample stage[NTP_NSTAGE];
	int n;                    /* stages filled */
	int next;                 /* index of the next stage to overwrite */
	double last_t;            /* time of the last sample used */
	bool have_last;           /* last_t is valid (a sample has been used) */
	double last_add;          /* time of the last ntp_filter_add (aging) */
	bool unsync;              /* set by the caller while the system is not
	                           * synchronized (leap NOSYNC): the best sample
	                           * is then used even if not newer (RFC 5905
	                           * "anything goes before first synchronized");
	                           * false after init */
	double max_age;           /* s; set by the caller: older samples are
	                           * not chosen (0: no limit) */
	/* outputs of the last ntp_filter_add */
	double offset, delay, disp, jitter;
	double t;                 /* time of the chosen sample */
};

void ntp_filter_init(struct ntp_filter *f);
/* Shift a sample in, age the others by PHI, choose the minimum-delay sample
 * (RFC 5905 clock_filter).  The peer variables (offset, delay, disp, jitter)
 * are always recomputed; returns true when the chosen sample is newer than
 * the last one used (last_t advanced: run selection), false otherwise.
 * `precision_sum` is 2^peer.precision + 2^sys.precision: it is added to
 * s->disp (so pass s->disp = PHI * (T4 - T1)) and floors the jitter.  A
 * sample with disp >= NTP_MAXDISP (RFC: clock_filter(p, 0, 0, MAXDISP) when
 * a server went silent) fills a stage but is never chosen. */
bool ntp_filter_add(struct ntp_filter *f, const struct ntp_sample *s, double precision_sum,
		    double now);
/* The clock's phase was slewed by `phase` and its frequency changed by
 * `dfreq` at `now`: move every stored sample (and the chosen offset) to
 * what it would have read had the clock always run as it does now, so
 * that old and new samples, and the samples of different sources, compare
 * (chrony does this to its sample history). */
void ntp_filter_adjust(struct ntp_filter *f, double phase, double dfreq, double now);
/* Dispersion grown to `now`: disp + PHI * (now - last_t). */
double ntp_filter_disp_now(const struct ntp_filter *f, double now);

/* ---- select.c ---------------------------------------------------------- */

struct ntp_candidate {
	void *peer;               /* the caller's association */
	int stratum;
	double offset, delay, disp, jitter;  /* peer variables */
	double root_delay, root_disp;
	double root_dist;         /* filled by ntp_select */
	bool prefer;
	bool priority;            /* VRP `priority`: first choice among equals */
	/* outputs */
	bool truechimer, survivor;
};

struct ntp_selection {
	int n_truechimers;
	int n_survivors;
	int sys_peer;             /* index into the candidate array, -1 if none */
	double offset, jitter;    /* combined */
	const char *reason;       /* why nothing was selected, or NULL; may point
	                           * into reason_buf (copying the struct keeps
	                           * pointing at the original) */
	char reason_buf[96];
};

/* Root distance of a candidate: max(MINDISP, root_delay+delay)/2 +
 * root_disp + disp + jitter (+ PHI * age folded in by the caller). */
double ntp_root_distance(const struct ntp_candidate *c);
/* Marzullo/intersection selection, clustering down to NMIN, combining
 * (RFC 5905 clock_select, cluster, clock_combine).  `sys_jitter_min` is
 * 2^sys.precision.  `prev_sys_peer` (or -1) is kept if still a survivor
 * at the first survivor's stratum (clock hopping protection).  The caller
 * passes only candidates that pass RFC accept() (reachable, synchronized,
 * no loop, distance below MAXDIST + PHI * 2^poll); a stratum >= 16 is
 * still refused here.  Truechimers are the candidates whose correctness
 * interval [offset - root_dist, offset + root_dist] meets the intersection.
 * The system offset is the prefer peer's when it is the system peer, the
 * 1/root_dist weighted mean of the survivors otherwise; the system jitter is
 * sqrt(selection jitter^2 + system peer jitter^2). */
void ntp_select(struct ntp_candidate *c, int n, int prev_sys_peer, double sys_jitter_min,
		struct ntp_selection *out);

/* ---- discipline.c ------------------------------------------------------ */

enum ntp_disc_state { NTP_DISC_NSET = 0, NTP_DISC_FSET, NTP_DISC_SPIK, NTP_DISC_FREQ, NTP_DISC_SYNC };
enum ntp_disc_result { NTP_DISC_IGNORE = 0, NTP_DISC_SLEW, NTP_DISC_STEP, NTP_DISC_PANIC };

struct ntp_discipline {
	struct ntp_clock *clock;
	enum ntp_disc_state state;
	double last_offset;       /* s */
	double t_last;            /* time of the last update (s, monotonic) */
	double freq;              /* frequency correction, s/s */
	double residual;          /* offset still to be slewed, s */
	double jitter, wander;
	int poll;                 /* log2 s: the discipline's time constant base */
	int hyster;               /* poll-adjust hysteresis counter */
	bool panic_ok;            /* allow a first big step (start-up, like ntpd -g);
	                           * true after init */
	double base;              /* RFC c.base: offset when FREQ was entered */
	double precision;         /* 2^sys.precision, s (jitter floor) */
	/* discipline.c "after FREQ": the phase left when the frequency was
	 * measured is slewed outside the loop (`outside`), and the frequency
	 * is measured directly from the anchor (refine_t, refine_off) over
	 * baselines of stage `refine` (1-3; 0: off). */
	int refine;
	double refine_t, refine_off;
	bool reanchor;            /* the system peer changed: anchor again */
	double outside;           /* phase still to slew outside the loop, s */
	bool restart;             /* the source changed in FREQ: measure afresh */
	double src_offset;        /* set by the caller before each update: the
	                           * system peer's own offset (NAN: the offset
	                           * given); used by the frequency measurements */
	/* What was done to the clock since ntp_discipline_take_adjustments():
	 * phase slewed (steps excluded: the caller gets NTP_DISC_STEP) and
	 * frequency changed. */
	double adj_phase, adj_freq;
	double last_step;         /* s, the step an update returning STEP made */
};

void ntp_discipline_init(struct ntp_discipline *d, struct ntp_clock *clock, int minpoll);
/* RFC 5905 local_clock(): feed the combined offset at time `now` (the time
 * of the sample it came from: the system peer's filter last_t, monotonic).
 * Steps or slews through the clock and returns what it did: STEP means the
 * clock was stepped (reset the associations' filters and poll, as RFC
 * clock_update does); PANIC means |offset| > NTP_PANICT and nothing was done.
 * `sys_jitter` is the combined jitter (popcorn spike gate); `poll` is updated
 * (between minpoll and maxpoll). */
enum ntp_disc_result ntp_discipline_update(struct ntp_discipline *d, double offset,
					   double sys_jitter, double now, int minpoll,
					   int maxpoll);
/* Call every second: moves the residual offset into the clock (clock_adjust). */
void ntp_discipline_tick(struct ntp_discipline *d);
/* The phase slewed (s) and the frequency change (s/s) handed to the clock
 * since the last call, then zeroed: the caller moves its stored samples
 * (ntp_filter_adjust) so that they stay comparable with new ones. */
void ntp_discipline_take_adjustments(struct ntp_discipline *d, double now, double *phase,
				     double *dfreq);
/* The system peer changed: a frequency measurement in progress starts
 * again from the next sample (two sources' offsets differ by their path
 * asymmetries, which a measurement would read as frequency). */
void ntp_discipline_source_changed(struct ntp_discipline *d);
/* The stepout interval (RFC WATCH) used at poll `poll`, s: see discipline.c. */
double ntp_discipline_stepout(int poll);

#endif
