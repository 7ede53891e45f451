/*
 * test_storm.c: the kill storm (issue 10, "Bad input and faults").
 *
 * One lab device; three telnet sessions in system view commit, one after
 * another in a seeded random interleaving, while a second thread SIGKILLs
 * cfgd, clid, ifmgrd or ntpd at random moments (a seeded random pause of
 * 0.2-2 s between kills, every other kill aimed at a commit in flight,
 * at a random moment within a commit's usual duration) and starts the
 * killed daemon again with the lab's start script.  The storm lasts
 * MERIDIAN_STORM_SECONDS (180) and at least MERIDIAN_STORM_COMMITS (1000)
 * acknowledged commits (a commit cycle takes milliseconds when nothing is
 * killed, so the time is what makes the kills many).  MERIDIAN_STORM_SEED
 * replays the driver's choices (the kill moments depend on timing too, so
 * a replay is close, not exact).
 *
 * The model.  Session S (1..3) owns the NTP servers 10.S.0.1 .. 10.S.0.12
 * and nobody else touches them, so no commit can be refused for a
 * conflict.  Each commit toggles two or three of the session's servers
 * (`ntp-service unicast-server A` / `undo ...`), typed as separate lines;
 * the test keeps, per session, the set of servers committed (a bit mask).
 * Only one command is in flight at a time (the sessions interleave
 * between commands: A types, B types, A commits ...), so at any moment the
 * running configuration must hold exactly the union of the three models.
 *
 * What is checked, and why each check holds:
 *  - After every acknowledged commit (no "Error:", the prompt back to '~')
 *    the session reads `display current-configuration`: every session's
 *    servers are exactly its model.  cfgd answers a commit only once the
 *    commit is persisted (journal fsync'd), so no restart of anything may
 *    lose it; sessions own disjoint keys, so nothing else changes them.
 *  - A commit whose answer never came (the connection died with clid, the
 *    client's deadline passed, or "The configuration service is not
 *    available." because cfgd died under it: clid cannot tell whether cfgd
 *    journalled it first, and it often had) is resolved at once: after
 *    reconnecting, the session's servers in running are either the model
 *    before the commit or the model after it, never a mixture (a commit is
 *    one journal record: a torn record is dropped whole), and the other
 *    sessions' servers are exactly their models.  The model continues from
 *    what is there.  When the commit is out but the telnet session lives
 *    (cfgd died, clid did not), cfgd kept the session and its candidate
 *    across its restart (issue 10, item 7): committing again must put in
 *    exactly what was typed.
 *  - A commit refused with an error is checked to have changed nothing,
 *    then retried; uncommitted edits lost with a killed clid or a restarted
 *    cfgd ("uncommitted configurations were discarded", or the connection
 *    gone) are counted and typed again (the edits are idempotent).
 *  - "No configuration changes to commit" after the session typed changes
 *    and was never warned that they were discarded is a silent loss of
 *    typed edits: counted as a failure.
 *  - After the storm, each daemon in turn (a seeded order) is killed and
 *    restarted right after a commit that changes both ntpd's subtree
 *    (refclock-master) and ifmgrd's (the interface's description), typed by
 *    a fourth session that owns those two; one second after the restart,
 *    every daemon runs, cfgd's last commit (its ctl, HistoryRequest, what
 *    `display configuration commit list` shows) is that commit, and ntpd
 *    and ifmgrd last applied it.  Neither exposes the commit it applied on
 *    its ctl socket, so the test reads what each logs in its current life
 *    (after the lab's "=== ... start:" line): ntpd "applying configuration
 *    N" (info), ifmgrd "applying commit N" (debug: the lab runs at debug
 *    level); and it reads their state on their ctl sockets: ntpd's
 *    configured associations are exactly the model's servers, ifmgrd's
 *    GigabitEthernet0/1/0 is up with the address set at the start.  It
 *    holds because cfgd answered that commit only once both had applied
 *    it; a restarted subscriber takes a snapshot at once, and a restarted
 *    cfgd's new epoch reaches the subscribers within a heartbeat (1 s)
 *    and they hold the same commit already.  Finally a new session's
 *    `display current-configuration` holds exactly the model.
 *  - No daemon log holds a sanitizer report (lab_finish()).
 *
 * Every wait has a deadline; the pauses between kills are the storm, not
 * a synchronisation.  The storm stops early after 20 failed checks.  A
 * summary (commits acknowledged, unanswered and their outcome, kills per
 * daemon, seed, time; also in BUILD/meson-logs/integration-notes.txt)
 * ends with the plain line "N passed, N failed" (the checks above) on
 * stderr.  Against the main of before session ids were made unique
 * across cfgd restarts (b448c01^), it fails within seconds: acknowledged
 * commits lost, other sessions' servers changed, typed edits silently
 * gone.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "cfgd.pb-c.h"
#include "lab.h"

#define DEV "DeviceC"
#define DEV_ADDR "10.0.1.31"
#define IFNAME "GigabitEthernet0/1/0"
#define NSESS 3
#define POOL 12                 /* servers per session: 10.S.0.1 .. 10.S.0.POOL */
#define CMD_TIMEOUT_MS 30000    /* one command's answer (clid waits 10 s for a commit) */
#define RECONNECT_MS 60000      /* a new login, clid restarting meanwhile */
#define READ_MS 60000           /* reading running back, cfgd restarting meanwhile */
#define MAX_REFUSALS 50         /* consecutive refusals of one commit */

static const char *const daemons[] = { "cfgd", "clid", "ifmgrd", "ntpd" };
#define NDAEMONS 4

/* splitmix64: small, seedable, good enough for choices. */
static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rnd_below(uint64_t *s, unsigned n)
{
	return (unsigned)(rnd_next(s) % n);
}

/* ---- checks and figures ---------------------------------------------- */

static struct {
	unsigned passed, failed;
	unsigned acked, refused;
	unsigned unanswered[3][2];     /* by why_unanswered: [0] out, [1] in */
	unsigned edits_lost_clid, discard_warnings, silent_losses, apply_warnings;
	unsigned reconnects, edit_errors, read_retries;
	unsigned kept_candidates;      /* candidates kept across cfgd's restart, committed again */
	double max_commit_s;
	char first_failures[4096];
} st;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ok) {
		st.passed++;
		return;
	}
	st.failed++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "storm: FAILED: %s\n", msg);
	size_t len = strlen(st.first_failures);
	if (len + 2 < sizeof(st.first_failures))
		snprintf(st.first_failures + len, sizeof(st.first_failures) - len, "  %s\n", msg);
}

/* ---- the killer thread ------------------------------------------------ */

static struct {
	pthread_t thread;
	atomic_bool stop;
	atomic_bool in_commit;         /* a session's `commit` waits for its answer */
	atomic_int commit_us;          /* a commit's usual duration (moving average) */
	double kill_at[64];            /* the last kills: lab_now(), under mu */
	unsigned kill_what[64];        /* index in daemons[] */
	unsigned nkill;
	unsigned aimed;                /* kills aimed at a commit in flight */
	uint64_t rnd;
	unsigned kills[NDAEMONS];
	unsigned start_failures;
	unsigned deaths[NDAEMONS];     /* died without being killed */
	pthread_mutex_t mu;
} killer = { .mu = PTHREAD_MUTEX_INITIALIZER };

static bool daemon_alive(const char *d)
{
	pid_t pid = lab_pid(DEV, d);
	return pid > 0 && kill(pid, 0) == 0;
}

static bool start_daemon(const char *d)
{
	for (int tries = 0; tries < 3; tries++) {
		if (lab_script("start", DEV, d, NULL) == 0)
			return true;
		pthread_mutex_lock(&killer.mu);
		killer.start_failures++;
		pthread_mutex_unlock(&killer.mu);
		fprintf(stderr, "storm: %s did not start (try %d)\n", d, tries + 1);
		if (daemon_alive(d))
			return true;
	}
	return false;
}

static void *killer_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&killer.stop)) {
		/* The storm's own rhythm, not a wait on state. */
		int pause = 200 + (int)rnd_below(&killer.rnd, 1800);
		for (int t = 0; t < pause && !atomic_load(&killer.stop); t += 50)
			lab_pause_ms(50);
		if (atomic_load(&killer.stop))
			break;
		/* Every other kill is aimed at a commit in flight, at a
		 * random moment within a commit's usual duration (a few ms):
		 * blind kills would mostly hit between commands. */
		if (rnd_below(&killer.rnd, 2) == 0) {
			double until = lab_now() + 2;
			while (!atomic_load(&killer.in_commit) && !atomic_load(&killer.stop) &&
			       lab_now() < until)
				lab_pause_ms(1);
			if (atomic_load(&killer.in_commit)) {
				unsigned us = (unsigned)atomic_load(&killer.commit_us);
				struct timespec ts = { 0, 1000L * rnd_below(&killer.rnd, us + 1) };
				nanosleep(&ts, NULL);
				killer.aimed++;
			}
		}
		unsigned i = rnd_below(&killer.rnd, NDAEMONS);
		pthread_mutex_lock(&killer.mu);
		killer.kill_at[killer.nkill % 64] = lab_now();
		killer.kill_what[killer.nkill++ % 64] = i;
		pthread_mutex_unlock(&killer.mu);
		double killed_at = lab_now();
		int r = lab_kill(DEV, daemons[i]);
		/* SIGKILLed yet still there after lab_kill's 10 s: the kernel
		 * holds it (seen on a machine whose other jobs made and removed
		 * thousands of netdevs); it dies of this kill, not on its own. */
		while (r == -ETIMEDOUT && daemon_alive(daemons[i]) && lab_now() < killed_at + 60)
			lab_pause_ms(100);
		if (r == -ETIMEDOUT && !daemon_alive(daemons[i]))
			fprintf(stderr, "storm: %s took %.1f s to die of SIGKILL\n", daemons[i],
				lab_now() - killed_at);
		else if (r != 0)
			fprintf(stderr, "storm: killing %s: %s\n", daemons[i], strerror(-r));
		bool ok = start_daemon(daemons[i]);
		pthread_mutex_lock(&killer.mu);
		killer.kills[i]++;
		pthread_mutex_unlock(&killer.mu);
		if (!ok)
			fprintf(stderr, "storm: %s could not be started again\n", daemons[i]);
		/* A daemon that died without being killed is a crash. */
		for (unsigned k = 0; k < NDAEMONS; k++) {
			if (daemon_alive(daemons[k]))
				continue;
			fprintf(stderr, "storm: %s died on its own\n", daemons[k]);
			lab_dump_logs();
			pthread_mutex_lock(&killer.mu);
			killer.deaths[k]++;
			pthread_mutex_unlock(&killer.mu);
			start_daemon(daemons[k]);
		}
	}
	return NULL;
}

/* ---- the sessions ----------------------------------------------------- */

struct sess {
	int id;                 /* 1..3: owns 10.id.0.x */
	struct vty *v;          /* NULL: to reconnect */
	uint32_t model;         /* servers committed */
	uint32_t target;        /* servers after the planned commit */
	int plan[3];            /* keys toggled by the planned commit */
	int nplan;
	int typed;              /* edits of the plan typed (and kept) so far */
	bool warned;            /* told the candidate was discarded since typing */
	size_t seen;            /* of vty_transcript(v): what was searched already */
	unsigned refusals;      /* consecutive refusals of the planned commit */
};

static struct sess sess[NSESS];

static void addr_of(int s, int k, char *buf, size_t len)
{
	snprintf(buf, len, "10.%d.0.%d", s, k + 1);
}

/* One command on s's session.  0 with *out, or a negative errno: the
 * session is then closed (to reconnect), its typed edits gone. */
static int sess_cmd(struct sess *s, const char *line, char **out)
{
	int r = vty_cmd(s->v, line, out, CMD_TIMEOUT_MS);

	if (r < 0) {
		fprintf(stderr, "storm: S%d '%s': %s%s\n", s->id, line, strerror(-r),
			r == -ETIMEDOUT ? " (no prompt in time)" : "");
		lab_vty_close(s->v);
		s->v = NULL;
		if (s->typed > 0 && strcmp(line, "commit") != 0)
			st.edits_lost_clid++;
		s->typed = 0;
		s->warned = false;
		return r;
	}
	/* The warning may come with the answer or on its own between two
	 * commands (a clid that tells a session at once): the transcript has
	 * both.  Only its new part is searched. */
	const char *t = vty_transcript(s->v) + s->seen;
	const char *w = strstr(t, "uncommitted configurations were discarded");
	if (w) {
		st.discard_warnings++;
		s->warned = true;
	}
	s->seen += strlen(t);
	return 0;
}

/* Log in and enter system view, until the deadline.  true when done. */
static bool sess_connect(struct sess *s)
{
	double deadline = lab_now() + RECONNECT_MS / 1000.0;

	while (lab_now() < deadline) {
		char *out = NULL;

		if (!s->v) {
			s->v = lab_vty(DEV, RECONNECT_MS);
			if (!s->v)
				continue;
			s->seen = strlen(vty_transcript(s->v));
			st.reconnects++;
		}
		if (sess_cmd(s, "system-view", &out) == 0) {
			bool ok = vty_prompt(s->v)[0] == '[';
			free(out);
			if (ok)
				return true;
			lab_pause_ms(200);
		}
		free(out);
	}
	return false;
}

/* Masks of every session's servers in a configuration text; *stray counts
 * unicast servers that belong to nobody. */
static void parse_servers(const char *text, uint32_t mask[NSESS], int *stray)
{
	const char *p = text;

	for (int i = 0; i < NSESS; i++)
		mask[i] = 0;
	*stray = 0;
	while ((p = strstr(p, "ntp-service unicast-server "))) {
		int a, b, c, d;

		p += strlen("ntp-service unicast-server ");
		if (sscanf(p, "%d.%d.%d.%d", &a, &b, &c, &d) == 4 && a == 10 && b >= 1 &&
		    b <= NSESS && c == 0 && d >= 1 && d <= POOL)
			mask[b - 1] |= 1u << (d - 1);
		else
			(*stray)++;
	}
}

/* Running as s reads it (`display current-configuration`), retried while
 * clid or cfgd restart.  true with the masks. */
static bool read_running(struct sess *s, uint32_t mask[NSESS])
{
	double deadline = lab_now() + READ_MS / 1000.0;

	while (lab_now() < deadline) {
		char *out = NULL;
		int stray;

		if (!s->v && !sess_connect(s))
			break;
		if (sess_cmd(s, "display current-configuration", &out) < 0) {
			st.read_retries++;
			free(out);
			continue;
		}
		/* A complete configuration always has the sysname. */
		if (!strstr(out, "Error:") && strstr(out, "sysname " DEV)) {
			parse_servers(out, mask, &stray);
			check(stray == 0, "S%d: %d unicast servers nobody committed:\n%s", s->id,
			      stray, out);
			free(out);
			return true;
		}
		st.read_retries++;
		free(out);
		lab_pause_ms(200);
	}
	check(false, "S%d: could not read the running configuration for %d s", s->id,
	      READ_MS / 1000);
	return false;
}

static void mask_text(uint32_t m, int s, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int k = 0; k < POOL; k++)
		if (m & (1u << k) && o + 16 < len)
			o += (size_t)snprintf(buf + o, len - o, "%s10.%d.0.%d", o ? " " : "", s,
					      k + 1);
	if (o == 0)
		snprintf(buf, len, "(none)");
}

/* Every other session's servers are exactly its model. */
static void check_others(const struct sess *s, const uint32_t mask[NSESS], const char *when)
{
	for (int t = 0; t < NSESS; t++) {
		char want[256], got[256];

		if (t == s->id - 1)
			continue;
		mask_text(sess[t].model, t + 1, want, sizeof(want));
		mask_text(mask[t], t + 1, got, sizeof(got));
		check(mask[t] == sess[t].model, "%s by S%d: S%d's servers disturbed: committed %s, "
		      "running has %s", when, s->id, t + 1, want, got);
	}
}

static void new_plan(struct sess *s, uint64_t *rnd)
{
	s->nplan = 2 + (int)rnd_below(rnd, 2);
	s->target = s->model;
	for (int i = 0; i < s->nplan; i++) {
		int k;
		bool dup;
		do {
			k = (int)rnd_below(rnd, POOL);
			dup = false;
			for (int j = 0; j < i; j++)
				dup |= s->plan[j] == k;
		} while (dup);
		s->plan[i] = k;
		s->target ^= 1u << k;
	}
	s->typed = 0;
	s->warned = false;
	s->refusals = 0;
}

/* Why a commit got no answer. */
enum why_unanswered { UNANSWERED_CLOSED, UNANSWERED_TIMEOUT, UNANSWERED_UNAVAILABLE };
static const char *const why_text[] = {
	[UNANSWERED_CLOSED] = "connection closed",
	[UNANSWERED_TIMEOUT] = "no prompt in time",
	[UNANSWERED_UNAVAILABLE] = "\"The configuration service is not available.\"",
};

/* The outcome of a commit whose answer never came: in or out, whole. */
static void resolve_unanswered(struct sess *s, uint64_t *rnd, enum why_unanswered w)
{
	const char *why = why_text[w];
	uint32_t mask[NSESS];
	char before[256], after[256], got[256];

	if (!read_running(s, mask))
		return;
	mask_text(s->model, s->id, before, sizeof(before));
	mask_text(s->target, s->id, after, sizeof(after));
	mask_text(mask[s->id - 1], s->id, got, sizeof(got));
	bool in = mask[s->id - 1] == s->target, out = mask[s->id - 1] == s->model;
	check(in || out, "S%d: a commit without answer (%s) is partly in: before %s, after %s, "
	      "running has %s", s->id, why, before, after, got);
	fprintf(stderr, "storm: S%d: commit without answer (%s): %s\n", s->id, why,
		in ? "in" : out ? "out" : "PARTLY IN");
	check_others(s, mask, "a commit without answer");
	st.unanswered[w][in]++;
	s->model = mask[s->id - 1];   /* continue from what is there */
	if (out && s->v && s->typed > 0) {
		/* cfgd died under the commit and came back, but the telnet
		 * session (so its cfgd session) lives on: its candidate kept
		 * what was typed (issue 10, item 7), and committing again puts
		 * exactly that in. */
		char *o2 = NULL;
		uint32_t again[NSESS];

		if (sess_cmd(s, "commit", &o2) == 0 && !strstr(o2, "Error:") &&
		    read_running(s, again)) {
			char want[256], got2[256];

			mask_text(s->target, s->id, want, sizeof(want));
			mask_text(again[s->id - 1], s->id, got2, sizeof(got2));
			check(again[s->id - 1] == s->target || s->warned,
			      "S%d: the candidate kept across cfgd's restart was not what was "
			      "typed: committed again %s, running has %s", s->id, want, got2);
			st.kept_candidates++;
			s->model = again[s->id - 1];
		} else if (s->v) {
			/* Not settled: start again from a clean candidate. */
			char *o3 = NULL;

			(void)sess_cmd(s, "clear configuration candidate", &o3);
			free(o3);
			if (read_running(s, again))
				s->model = again[s->id - 1];
		}
		free(o2);
	}
	new_plan(s, rnd);
}

/* The commit of s's plan, and what its answer means. */
static void do_commit(struct sess *s, uint64_t *rnd)
{
	char *out = NULL;
	double t0 = lab_now();
	atomic_store(&killer.in_commit, true);
	int r = sess_cmd(s, "commit", &out);
	atomic_store(&killer.in_commit, false);
	double dt = lab_now() - t0;
	uint32_t mask[NSESS];

	if (dt > st.max_commit_s)
		st.max_commit_s = dt;
	if (dt > 1) {
		char kills[256] = "";
		size_t o = 0;

		pthread_mutex_lock(&killer.mu);
		for (unsigned i = killer.nkill > 64 ? killer.nkill - 64 : 0; i < killer.nkill; i++)
			if (killer.kill_at[i % 64] >= t0 - 0.05 && o + 32 < sizeof(kills))
				o += (size_t)snprintf(kills + o, sizeof(kills) - o, " %s at %.2f s",
						      daemons[killer.kill_what[i % 64]],
						      killer.kill_at[i % 64] - t0);
		pthread_mutex_unlock(&killer.mu);
		fprintf(stderr, "storm: S%d: the commit took %.1f s: %s; killed meanwhile:%s\n%s",
			s->id, dt, r < 0 ? strerror(-r) : "answered", o ? kills : " nothing",
			out ? out : "");
	}
	if (r == 0 && dt < 1) {
		int avg = atomic_load(&killer.commit_us);
		atomic_store(&killer.commit_us, avg + ((int)(dt * 1e6) - avg) / 16);
	}
	if (r < 0) {
		free(out);
		resolve_unanswered(s, rnd, r == -ETIMEDOUT ? UNANSWERED_TIMEOUT :
				   UNANSWERED_CLOSED);
		return;
	}
	if (strstr(out, "has not applied commit"))
		st.apply_warnings++;
	if (strstr(out, "Error:") && strstr(out, "not available")) {
		free(out);
		resolve_unanswered(s, rnd, UNANSWERED_UNAVAILABLE);
		return;
	}
	bool nothing = strstr(out, "No configuration changes to commit") != NULL;
	if (strstr(out, "Error:") || nothing) {
		/* Refused, or nothing to commit: running must not have changed. */
		if (nothing && !s->warned) {
			st.silent_losses++;
			check(false, "S%d: 'No configuration changes to commit' after typing %d "
			      "changes, never told they were discarded:\n%s", s->id, s->typed, out);
		}
		if (!nothing) {
			st.refused++;
			fprintf(stderr, "storm: S%d: commit refused:\n%s", s->id, out);
		}
		free(out);
		if (read_running(s, mask)) {
			char want[256], got[256];
			mask_text(s->model, s->id, want, sizeof(want));
			mask_text(mask[s->id - 1], s->id, got, sizeof(got));
			check(mask[s->id - 1] == s->model, "S%d: a refused commit changed running: "
			      "committed %s, running has %s", s->id, want, got);
			check_others(s, mask, "a refused commit");
			s->model = mask[s->id - 1];
		}
		if (nothing || s->warned) {
			s->typed = 0;     /* the candidate is gone: type it again */
			s->warned = false;
		} else if (++s->refusals > MAX_REFUSALS) {
			check(false, "S%d: the commit was refused %d times in a row", s->id,
			      MAX_REFUSALS);
			new_plan(s, rnd);
		}
		return;
	}
	/* Acknowledged: persisted, so it must be in running from now on. */
	st.acked++;
	check(strstr(vty_prompt(s->v), "[~") == vty_prompt(s->v),
	      "S%d: prompt '%s' after an acknowledged commit", s->id, vty_prompt(s->v));
	free(out);
	uint32_t before = s->model;
	s->model = s->target;
	if (read_running(s, mask)) {
		char want[256], got[256], was[256];
		mask_text(s->model, s->id, want, sizeof(want));
		mask_text(before, s->id, was, sizeof(was));
		mask_text(mask[s->id - 1], s->id, got, sizeof(got));
		check(mask[s->id - 1] == s->model, "S%d: acknowledged commit lost: committed %s "
		      "(before: %s), running has %s", s->id, want, was, got);
		check_others(s, mask, "an acknowledged commit");
		s->model = mask[s->id - 1];   /* do not repeat one failure forever */
	}
	new_plan(s, rnd);
}

/* One step of session s: connect, type the next edit, or commit. */
static void sess_step(struct sess *s, uint64_t *rnd)
{
	if (!s->v) {
		if (!sess_connect(s))
			check(false, "S%d: no session in system view for %d s", s->id,
			      RECONNECT_MS / 1000);
		return;
	}
	if (s->typed < s->nplan) {
		char addr[32], line[96], *out = NULL;
		int k = s->plan[s->typed];
		bool add = s->target & (1u << k);

		if (s->typed == 0)
			s->warned = false;
		addr_of(s->id, k, addr, sizeof(addr));
		snprintf(line, sizeof(line), "%sntp-service unicast-server %s", add ? "" : "undo ",
			 addr);
		bool warned = s->warned;
		if (sess_cmd(s, line, &out) < 0) {
			free(out);
			return;
		}
		if (s->warned && !warned && s->typed > 0) {
			/* The edits before this one went with the old session. */
			s->typed = 0;
		} else if (strstr(out, "Error:")) {
			st.edit_errors++;   /* typed again at the next step */
			fprintf(stderr, "storm: S%d '%s' refused:\n%s", s->id, line, out);
		} else {
			s->typed++;
		}
		free(out);
		return;
	}
	do_commit(s, rnd);
}

/* ---- the end: every daemon runs the last commit ------------------------ */

static uint64_t cfgd_last_commit(void)
{
	char ep[400];
	uint64_t id = 0;

	snprintf(ep, sizeof(ep), "ipc://%s/cfgd.ctl", lab_dev(DEV)->run_dir);
	struct bus_client *cli = bus_client_new(lab_zctx(), ep);
	if (!cli)
		return 0;
	CfgRequest req = CFG_REQUEST__INIT;
	HistoryRequest hr = HISTORY_REQUEST__INIT;
	hr.has_max = 1;
	hr.max = 1;
	req.req_case = CFG_REQUEST__REQ_HISTORY;
	req.history = &hr;
	ProtobufCMessage *m = NULL;
	if (bus_client_call(cli, &req.base, &cfg_reply__descriptor, 3000, &m) == 0) {
		CfgReply *rep = (CfgReply *)m;
		if (rep->status == 0 && rep->n_history > 0)
			id = rep->history[0]->commit_id;
		cfg_reply__free_unpacked(rep, NULL);
	}
	bus_client_free(cli);
	return id;
}

/* ntpd's configured associations of the sessions' pools, as masks.  false
 * when ntpd does not answer. */
static bool ntpd_servers(uint32_t mask[NSESS])
{
	char ep[400];
	bool ok = false;

	for (int i = 0; i < NSESS; i++)
		mask[i] = 0;
	snprintf(ep, sizeof(ep), "ipc://%s/ntpd.ctl", lab_dev(DEV)->run_dir);
	struct bus_client *cli = bus_client_new(lab_zctx(), ep);
	if (!cli)
		return false;
	NtpRequest req = NTP_REQUEST__INIT;
	NtpSessionsRequest sr = NTP_SESSIONS_REQUEST__INIT;
	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &sr;
	ProtobufCMessage *m = NULL;
	if (bus_client_call(cli, &req.base, &ntp_reply__descriptor, 3000, &m) == 0) {
		NtpReply *rep = (NtpReply *)m;
		ok = rep->status == 0;
		for (size_t i = 0; ok && i < rep->n_session; i++) {
			int a, b, c, d;
			bool configured = false;
			for (size_t k = 0; k < rep->session[i]->n_status; k++)
				configured |= strcmp(rep->session[i]->status[k], "configured") == 0;
			if (configured && rep->session[i]->source &&
			    sscanf(rep->session[i]->source, "%d.%d.%d.%d", &a, &b, &c, &d) == 4 &&
			    a == 10 && b >= 1 && b <= NSESS && c == 0 && d >= 1 && d <= POOL)
				mask[b - 1] |= 1u << (d - 1);
		}
		ntp_reply__free_unpacked(rep, NULL);
	}
	bus_client_free(cli);
	return ok;
}

/* ifmgrd's GigabitEthernet0/1/0 as the setup committed it (up, DEV_ADDR). */
static bool ifmgrd_runs_setup(void)
{
	char ep[400];
	bool ok = false;

	snprintf(ep, sizeof(ep), "ipc://%s/ifmgrd.ctl", lab_dev(DEV)->run_dir);
	struct bus_client *cli = bus_client_new(lab_zctx(), ep);
	if (!cli)
		return false;
	IfRequest req = IF_REQUEST__INIT;
	IfGetRequest get = IF_GET_REQUEST__INIT;
	get.name = (char *)IFNAME;
	req.req_case = IF_REQUEST__REQ_GET;
	req.get = &get;
	ProtobufCMessage *m = NULL;
	if (bus_client_call(cli, &req.base, &if_reply__descriptor, 3000, &m) == 0) {
		IfReply *rep = (IfReply *)m;
		const IfState *is = rep->states && rep->states->n_interface ?
				    rep->states->interface[0] : NULL;
		ok = is && is->admin_up && is->primary_ipv4 &&
		     strcmp(is->primary_ipv4, DEV_ADDR) == 0;
		if_reply__free_unpacked(rep, NULL);
	}
	bus_client_free(cli);
	return ok;
}

/* The commit the current life of `daemon` last applied, from its own log
 * (the lab writes a "=== ... start:" line before each start): the last
 * `needle` N after the last start line, or 0. */
static uint64_t applied_in_log(const char *daemon, const char *needle)
{
	char path[400];
	char *line = NULL;
	size_t cap = 0;
	uint64_t id = 0;

	snprintf(path, sizeof(path), "%s/%s.log", lab_dev(DEV)->dir, daemon);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) >= 0) {
		const char *p;
		if (strncmp(line, "=== ", 4) == 0)
			id = 0;     /* a new life: it has applied nothing yet */
		else if ((p = strstr(line, needle)))
			id = strtoull(p + strlen(needle), NULL, 10);
	}
	free(line);
	fclose(f);
	return id;
}

struct final_state {
	uint64_t cfgd_id, ntpd_id, ifmgrd_id;
	bool ntpd_ok, ifmgrd_ok, alive;
	uint32_t ntpd_mask[NSESS];
};

static void read_final(struct final_state *f)
{
	memset(f, 0, sizeof(*f));
	f->alive = true;
	for (unsigned k = 0; k < NDAEMONS; k++)
		f->alive &= daemon_alive(daemons[k]);
	f->cfgd_id = cfgd_last_commit();
	f->ntpd_id = applied_in_log("ntpd", "applying configuration ");
	f->ifmgrd_id = applied_in_log("ifmgrd", "applying commit ");
	f->ntpd_ok = ntpd_servers(f->ntpd_mask);
	f->ifmgrd_ok = ifmgrd_runs_setup();
}

static bool final_agrees(const struct final_state *f, uint64_t last)
{
	if (!f->alive || f->cfgd_id != last || f->ntpd_id != last || f->ifmgrd_id != last ||
	    !f->ntpd_ok || !f->ifmgrd_ok)
		return false;
	for (int i = 0; i < NSESS; i++)
		if (f->ntpd_mask[i] != sess[i].model)
			return false;
	return true;
}

/* One second after `restarted` came back at t_restart, every daemon runs
 * commit `last`. */
static void check_agreement(uint64_t last, const char *restarted, double t_restart)
{
	struct final_state f;
	double at = t_restart + 1.0, logged = -1;

	/* The check is defined at that moment: one second after the restart.
	 * Until then, for the report only: when both logs first show it. */
	while (lab_now() < at) {
		if (logged < 0 && applied_in_log("ntpd", "applying configuration ") == last &&
		    applied_in_log("ifmgrd", "applying commit ") == last)
			logged = lab_now() - t_restart;
		lab_pause_ms(logged < 0 ? 10 : (int)((at - lab_now()) * 1000) + 1);
	}
	read_final(&f);
	bool agree = final_agrees(&f, last);
	fprintf(stderr, "storm: commit %" PRIu64 ", %s restarted; %.2f s later: cfgd's last "
		"commit %" PRIu64 ", ntpd applied %" PRIu64 ", ifmgrd applied %" PRIu64 "%s "
		"(both logs had it %.2f s after the restart)\n", last, restarted,
		lab_now() - t_restart, f.cfgd_id, f.ntpd_id, f.ifmgrd_id,
		agree ? "" : ": NOT IN AGREEMENT", logged);
	if (!agree) {
		/* How late, for the report (the check itself has failed). */
		struct final_state g;
		double deadline = lab_now() + 20;
		do {
			lab_pause_ms(100);
			read_final(&g);
		} while (!final_agrees(&g, last) && lab_now() < deadline);
		fprintf(stderr, "storm: %s %.1f s after %s's restart\n",
			final_agrees(&g, last) ? "every daemon agreed" : "still no agreement",
			lab_now() - t_restart, restarted);
	}
	check(f.alive, "a daemon does not run 1 s after %s's restart", restarted);
	check(f.cfgd_id == last, "1 s after %s's restart cfgd's last commit is %" PRIu64
	      ", not %" PRIu64, restarted, f.cfgd_id, last);
	check(f.ntpd_id == last, "1 s after %s's restart ntpd last applied %" PRIu64 ", not %"
	      PRIu64, restarted, f.ntpd_id, last);
	check(f.ifmgrd_id == last, "1 s after %s's restart ifmgrd last applied %" PRIu64
	      ", not %" PRIu64, restarted, f.ifmgrd_id, last);
	check(f.ntpd_ok, "1 s after %s's restart ntpd does not answer its sessions query",
	      restarted);
	for (int i = 0; f.ntpd_ok && i < NSESS; i++) {
		char want[256], got[256];
		mask_text(sess[i].model, i + 1, want, sizeof(want));
		mask_text(f.ntpd_mask[i], i + 1, got, sizeof(got));
		check(f.ntpd_mask[i] == sess[i].model, "1 s after %s's restart ntpd runs S%d's "
		      "servers %s, committed %s", restarted, i + 1, got, want);
	}
	check(f.ifmgrd_ok, "1 s after %s's restart ifmgrd's " IFNAME " is not up with "
	      DEV_ADDR, restarted);
}

/* A commit that changes both ntpd's and ifmgrd's subtrees (so both log
 * applying it), typed by the reader session, which owns refclock-master
 * and the interface's description.  The storm is over: any error fails.
 * The commit id, or 0. */
static uint64_t final_commit(struct sess *reader, int round)
{
	char l1[64], l2[64];
	const char *lines[] = { l1, "interface " IFNAME, l2, "quit", "commit", NULL };

	snprintf(l1, sizeof(l1), "ntp-service refclock-master %d", 2 + round);
	snprintf(l2, sizeof(l2), "description storm-final-%d", round);
	for (int attempt = 0; attempt < 3; attempt++) {
		bool lost = false;
		if (!reader->v && !sess_connect(reader))
			break;
		for (size_t i = 0; lines[i] && !lost; i++) {
			char *out = NULL;
			if (sess_cmd(reader, lines[i], &out) < 0) {
				lost = true;   /* the connection of a killed clid: again */
			} else if (strstr(out, "Error:")) {
				check(false, "final commit %d: '%s' failed:\n%s", round, lines[i],
				      out);
				free(out);
				return 0;
			}
			free(out);
		}
		if (!lost) {
			bool ok = strstr(vty_prompt(reader->v), "[~") == vty_prompt(reader->v);
			check(ok, "final commit %d: prompt '%s'", round, vty_prompt(reader->v));
			return ok ? cfgd_last_commit() : 0;
		}
	}
	check(false, "final commit %d: no session to type it", round);
	return 0;
}

/* After the storm: each daemon in turn (a seeded order) restarted right
 * after a commit, and one second later everyone runs that commit; then a
 * new session reads exactly the model. */
static void final_checks(uint64_t *rnd, unsigned final_kills[NDAEMONS])
{
	unsigned order[NDAEMONS] = { 0, 1, 2, 3 };
	struct sess reader = { .id = 0 };

	for (unsigned i = NDAEMONS - 1; i > 0; i--) {
		unsigned j = rnd_below(rnd, i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < NDAEMONS; i++) {
		const char *d = daemons[order[i]];
		uint64_t last = final_commit(&reader, (int)i);

		check(last != 0, "final commit %u: cfgd does not list it", i);
		if (!last)
			continue;
		int r = lab_kill(DEV, d);
		check(r == 0, "%s not killed: %s", d, strerror(-r));
		check(start_daemon(d), "%s did not start again", d);
		final_kills[order[i]]++;
		check_agreement(last, d, lab_now());
	}

	uint32_t mask[NSESS];
	if (read_running(&reader, mask))
		for (int i = 0; i < NSESS; i++) {
			char want[256], got[256];
			mask_text(sess[i].model, i + 1, want, sizeof(want));
			mask_text(mask[i], i + 1, got, sizeof(got));
			check(mask[i] == sess[i].model, "at the end, S%d's servers are %s, "
			      "committed %s", i + 1, got, want);
		}
	if (reader.v)
		lab_vty_close(reader.v);
}

/* ---- the test ---------------------------------------------------------- */

static const char *const setup_lines[] = {
	"system-view",
	"sysname " DEV,
	"interface " IFNAME,
	"undo shutdown",
	"ip address " DEV_ADDR " 255.255.255.0",
	"quit",
	"commit",
	NULL,
};

static unsigned env_unsigned(const char *name, unsigned dflt)
{
	const char *s = getenv(name);
	return s && *s ? (unsigned)strtoul(s, NULL, 0) : dflt;
}

Test(storm, kill_storm, .fini = lab_down, .timeout = 900)
{
	lab_require_root();
	uint64_t seed = env_unsigned("MERIDIAN_STORM_SEED", 0);
	if (!seed)
		seed = (uint64_t)time(NULL) ^ (uint64_t)getpid();
	unsigned want = env_unsigned("MERIDIAN_STORM_COMMITS", 1000);
	unsigned storm_s_min = env_unsigned("MERIDIAN_STORM_SECONDS", 180);
	unsigned max_s = env_unsigned("MERIDIAN_STORM_MAX_S", 420);
	fprintf(stderr, "storm: seed %" PRIu64 " (MERIDIAN_STORM_SEED=%" PRIu64 " replays it), "
		"%u s and at least %u commits, at most %u s\n", seed, seed, storm_s_min, want,
		max_s);

	lab_set_debug(true);   /* cfgd logs the subscribers' Applied reports */
	cr_assert_eq(lab_up(DEV, NULL), 0, "the lab did not come up");
	struct vty *v = lab_vty(DEV, 20000);
	cr_assert(v, "no VTY session");
	lab_lines(v, DEV, setup_lines);
	cr_assert_str_eq(vty_prompt(v), "[~" DEV "]");
	lab_vty_close(v);

	uint64_t rnd = seed;
	killer.rnd = seed ^ 0x5deece66dULL;
	for (int i = 0; i < NSESS; i++) {
		sess[i].id = i + 1;
		cr_assert(sess_connect(&sess[i]), "S%d: no session", i + 1);
		new_plan(&sess[i], &rnd);
	}

	double t0 = lab_now();
	cr_assert_eq(pthread_create(&killer.thread, NULL, killer_main, NULL), 0);
	unsigned progress = 0;
	while ((st.acked < want || lab_now() - t0 < storm_s_min) && lab_now() - t0 < max_s &&
	       st.failed < 20) {
		sess_step(&sess[rnd_below(&rnd, NSESS)], &rnd);
		if (st.acked >= progress + 1000) {
			progress = st.acked - st.acked % 1000;
			fprintf(stderr, "storm: %u commits acknowledged, %.0f s\n", st.acked,
				lab_now() - t0);
		}
	}
	double storm_s = lab_now() - t0;
	atomic_store(&killer.stop, true);
	pthread_join(killer.thread, NULL);
	check(st.acked >= want, "only %u commits acknowledged in %.0f s (%u wanted)", st.acked,
	      storm_s, want);
	for (unsigned k = 0; k < NDAEMONS; k++)
		check(killer.deaths[k] == 0, "%s died %u times without being killed", daemons[k],
		      killer.deaths[k]);

	unsigned final_kills[NDAEMONS] = { 0 };
	final_checks(&rnd, final_kills);
	for (int i = 0; i < NSESS; i++)
		if (sess[i].v) {
			lab_vty_close(sess[i].v);
			sess[i].v = NULL;
		}
	int reports = lab_finish();
	check(reports == 0, "%d sanitizer reports in the daemons' logs", reports);

	unsigned kills = 0;
	for (unsigned k = 0; k < NDAEMONS; k++)
		kills += killer.kills[k] + final_kills[k];
	lab_note("storm: seed %" PRIu64 ", %.0f s of storm, %.0f s in all", seed, storm_s,
		 lab_now() - t0);
	unsigned unanswered = 0;
	for (int w = 0; w < 3; w++)
		unanswered += st.unanswered[w][0] + st.unanswered[w][1];
	lab_note("storm: %u commits acknowledged; %u refused; commits take %.1f ms (moving "
		 "average), the longest %.1f s; %u apply warnings", st.acked, st.refused,
		 atomic_load(&killer.commit_us) / 1000.0, st.max_commit_s, st.apply_warnings);
	lab_note("storm: %u commits without answer, in/out: connection closed %u/%u, no "
		 "prompt in %d s %u/%u, \"not available\" %u/%u", unanswered,
		 st.unanswered[0][1], st.unanswered[0][0], CMD_TIMEOUT_MS / 1000,
		 st.unanswered[1][1], st.unanswered[1][0], st.unanswered[2][1],
		 st.unanswered[2][0]);
	lab_note("storm: %u kills (cfgd %u, clid %u, ifmgrd %u, ntpd %u; %u aimed at a commit "
		 "in flight), %u failed starts, %u deaths unasked", kills, killer.kills[0] + final_kills[0],
		 killer.kills[1] + final_kills[1], killer.kills[2] + final_kills[2],
		 killer.kills[3] + final_kills[3], killer.aimed, killer.start_failures,
		 killer.deaths[0] + killer.deaths[1] + killer.deaths[2] + killer.deaths[3]);
	lab_note("storm: %u logins, typed edits lost %u times with the connection, %u "
		 "'discarded' warnings, %u silent losses, %u edits refused, %u reads retried, "
		 "%u candidates kept across a cfgd restart and committed again",
		 st.reconnects, st.edits_lost_clid, st.discard_warnings, st.silent_losses,
		 st.edit_errors, st.read_retries, st.kept_candidates);
	if (st.failed)
		fprintf(stderr, "storm: failures:\n%s", st.first_failures);
	fprintf(stderr, "%u passed, %u failed\n", st.passed, st.failed);
	cr_expect_eq(st.failed, 0, "%u of %u checks failed (seed %" PRIu64 "):\n%s", st.failed,
		     st.passed + st.failed, seed, st.first_failures);
}
