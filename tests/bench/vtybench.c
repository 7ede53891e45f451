/*
 * vtybench.c: timed telnet sessions with clid for tests/bench/config.
 *
 *   vtybench paste    --netns NS --rules N [--budget S] [--commit-budget S] [--echo]
 *   vtybench commits  --netns NS [--count N] [--budget S] [--net A.B] [--echo]
 *   vtybench stopecho --netns NS --stop-pid PID [--stop-s S]
 *   vtybench sessions --netns NS [--vtys N] [--rounds N] [--budget S]
 *
 * Every session is a real telnet connection to 127.0.0.1:23 inside the
 * network namespace NS, logged in as admin / admin@123 (the lab's user).
 * Each mode prints one line of key=value pairs on stdout (times in
 * seconds or milliseconds as the key says; -1 or "-" for what was not
 * measured) and notes on stderr; a budget that passes prints gave_up=WHAT
 * and the program exits 3 (the device is then left busy: the caller tears
 * it down).  Exit 1 for a session that could not be opened, 2 for usage.
 *
 *  paste: `system-view`, then `acl number 2000` and N lines `rule I permit
 *    source 10.X.Y.Z 0` (I = 1..N, X.Y.Z the three low bytes of I) written
 *    to the socket as one paste (reading the echo while writing, as a
 *    terminal does), timed until the prompt after the last rule's echo;
 *    then `quit` and `commit`, timed from sending `commit` to its prompt.
 *    With --echo a second session, idle in user view, types one character
 *    at a time (a letter, then a backspace, ...) every --echo-interval-ms
 *    (5) and times each until the server's echo arrives, in two series:
 *    during the paste and during the commit.
 *  commits: `system-view`, then COUNT times `ntp-service unicast-server
 *    A.B.X.Y` (a new server each time, nothing listens there) and `commit`,
 *    each commit timed from sending it to its prompt; stops at the budget.
 *    With --echo, a second session's echo is sampled as for paste, apart
 *    for keystrokes sent while a `commit` was pending and the others.
 *  stopecho: session B types `ntp-service unicast-server 10.8.0.1` in
 *    system view; PID (ntpd) is stopped with SIGSTOP, B sends `commit`
 *    while session A's echo is sampled; after --stop-s seconds (5) PID gets
 *    SIGCONT; sampling ends when B's commit answers.  PID is continued on
 *    every exit path.
 *  sessions: opens --vtys sessions at once (each in a thread of its own),
 *    then each runs --rounds times `display current-configuration` and a
 *    one-line commit (`ntp-service unicast-server 10.7.S.R`, `commit`),
 *    timing every response; reports how many sessions logged in and the
 *    p50/p99/max of each kind of response.
 *
 * The telnet handling is tools/vtyclient.c itself, included rather than
 * linked: a paste and a single keystroke need its socket and terminal
 * model, which its public API does not expose.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../../tools/vtyclient.c"

#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#define BENCH_USER "admin"
#define BENCH_PASSWORD "admin@123"
#define LOGIN_MS 60000

static const char *netns;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- samples ------------------------------------------------------------ */

struct series {
	double *v;   /* milliseconds */
	size_t n, cap;
	bool open;   /* the last sample was cut short (a lower bound) */
};

static void series_add(struct series *s, double ms)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	s->v[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted series. */
static double pct(const struct series *s, double p)
{
	if (s->n == 0)
		return -1;
	size_t k = (size_t)ceil(p / 100.0 * (double)s->n);
	if (k < 1)
		k = 1;
	return s->v[k - 1];
}

/* Prints " NAME_n=.. NAME_p50_ms=.. NAME_p99_ms=.. NAME_max_ms=.." */
static void series_print(const char *name, struct series *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	printf(" %s_n=%zu", name, s->n);
	if (s->n == 0) {
		printf(" %s_p50_ms=- %s_p99_ms=- %s_max_ms=-", name, name, name);
		return;
	}
	printf(" %s_p50_ms=%.3f %s_p99_ms=%.3f %s_max_ms=%s%.3f", name, pct(s, 50), name,
	       pct(s, 99), name, s->open ? ">" : "", s->v[s->n - 1]);
}

/* ---- sessions ----------------------------------------------------------- */

static struct vty *session_open(char *err, size_t errlen)
{
	struct vty *v = vty_connect(netns, "127.0.0.1", 23, LOGIN_MS, err, errlen);
	if (!v)
		return NULL;
	int r = vty_login(v, BENCH_USER, BENCH_PASSWORD, LOGIN_MS);
	if (r < 0) {
		const char *t = vty_transcript(v);
		const char *end = t + strlen(t);
		while (end > t && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		const char *start = end;
		while (start > t && start[-1] != '\n')
			start--;
		snprintf(err, errlen, "login: %s (last received: %.*s)", strerror(-r),
			 (int)(end - start > 200 ? 200 : end - start), start);
		vty_close(v);
		return NULL;
	}
	return v;
}

static struct vty *session_or_die(void)
{
	char err[512];
	struct vty *v = session_open(err, sizeof(err));
	if (!v) {
		fprintf(stderr, "vtybench: %s\n", err);
		exit(1);
	}
	return v;
}

static bool has_error(const char *out)
{
	return out && (strstr(out, "Error:") || strstr(out, "Error "));
}

/* First line of out mentioning an error, for notes. */
static void note_error(const char *what, const char *out)
{
	const char *e = out ? strstr(out, "Error") : NULL;
	if (e)
		fprintf(stderr, "vtybench: %s: %.*s\n", what, (int)strcspn(e, "\n"), e);
}

/* A command that must work (setup); exits on a timeout. */
static void must_cmd(struct vty *v, const char *line, int timeout_ms)
{
	char *out = NULL;
	int r = vty_cmd(v, line, &out, timeout_ms);
	if (r < 0) {
		fprintf(stderr, "vtybench: %s: %s\n", line, strerror(-r));
		exit(1);
	}
	note_error(line, out);
	free(out);
}

/* A timed command: seconds until its prompt, or -1 past the deadline
 * (*out, if wanted, gets the output either way). */
static double timed_cmd(struct vty *v, const char *line, int timeout_ms, char **out)
{
	double t0 = now_s();
	int r = vty_cmd(v, line, out, timeout_ms);
	double t = now_s() - t0;
	if (r < 0) {
		if (r != -ETIMEDOUT)
			fprintf(stderr, "vtybench: %s: %s\n", line, strerror(-r));
		return -1;
	}
	return t;
}

/* ---- echo sampler --------------------------------------------------------- */

/* One session idle in user view, typing a letter and a backspace in turn;
 * each keystroke timed until the first byte of the answer arrives. */
struct sampler {
	struct vty *v;
	int interval_ms;
	atomic_int phase;        /* index into series; -1 stops */
	struct series s[2];
	pthread_t th;
};

static void *sampler_run(void *arg)
{
	struct sampler *sp = arg;
	struct vty *v = sp->v;
	int k = 0;
	int phase;

	while ((phase = atomic_load(&sp->phase)) >= 0) {
		char key = (k++ & 1) ? 0x7f : 'x';
		double t0 = now_s();
		telnet_send(v->tn, &key, 1);
		bool got = false;
		while (!got) {
			struct pollfd pfd = { .fd = v->fd, .events = POLLIN };
			int r = poll(&pfd, 1, 100);
			if (r > 0) {
				char buf[4096];
				ssize_t n = recv(v->fd, buf, sizeof(buf), 0);
				if (n <= 0) {
					fprintf(stderr, "vtybench: echo session closed\n");
					return NULL;
				}
				telnet_recv(v->tn, buf, (size_t)n);
				got = true;
			} else if (atomic_load(&sp->phase) < 0) {
				/* Stopped while waiting: a lower bound. */
				series_add(&sp->s[phase], (now_s() - t0) * 1000);
				sp->s[phase].open = true;
				return NULL;
			}
		}
		series_add(&sp->s[phase], (now_s() - t0) * 1000);
		/* Drain the rest of the echo (a backspace is several bytes). */
		sleep_ms(sp->interval_ms);
		for (;;) {
			struct pollfd pfd = { .fd = v->fd, .events = POLLIN };
			if (poll(&pfd, 1, 0) <= 0)
				break;
			char buf[4096];
			ssize_t n = recv(v->fd, buf, sizeof(buf), 0);
			if (n <= 0)
				break;
			telnet_recv(v->tn, buf, (size_t)n);
		}
	}
	return NULL;
}

static void sampler_start(struct sampler *sp, int interval_ms)
{
	sp->v = session_or_die();
	sp->interval_ms = interval_ms;
	atomic_store(&sp->phase, 0);
	if (pthread_create(&sp->th, NULL, sampler_run, sp) != 0)
		abort();
}

static void sampler_stop(struct sampler *sp)
{
	atomic_store(&sp->phase, -1);
	pthread_join(sp->th, NULL);
	vty_close(sp->v);
}

/* ---- paste ---------------------------------------------------------------- */

/* Write buf as one paste, reading (and rendering) what the server sends
 * meanwhile, then wait until `last` has been echoed and a prompt follows.
 * 0, -ETIMEDOUT past the deadline, -ECONNRESET.  *errors counts the
 * "Error" lines seen. */
static int paste(struct vty *v, const char *buf, size_t len, const char *last, double deadline,
		 size_t *errors)
{
	size_t off = 0, scanned = 0;
	bool echoed = false;

	mark(v);
	*errors = 0;
	for (;;) {
		/* Look for the last line's echo and count errors in what is new. */
		const char *all = vbuf_str(&v->done);
		size_t from = scanned > 600 ? scanned - 600 : 0;
		if (!echoed && strstr(all + from, last))
			echoed = true;
		for (const char *e = all + scanned; (e = strstr(e, "\nError"));)
			(*errors)++, e++;
		if (v->done.len > 0)
			scanned = v->done.len - 1;
		if (echoed && off == len) {
			char *t = cur_trimmed(v);
			bool prompt = vty_is_prompt(t);
			free(t);
			if (prompt)
				return 0;
		}
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = { .fd = v->fd, .events = POLLIN | (off < len ? POLLOUT : 0) };
		int r = poll(&pfd, 1, left < 1000 ? left : 1000);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			char in[65536];
			ssize_t n = recv(v->fd, in, sizeof(in), 0);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				return -ECONNRESET;
			if (n > 0)
				telnet_recv(v->tn, in, (size_t)n);
		}
		if ((pfd.revents & POLLOUT) && off < len) {
			/* Plain ASCII: the telnet encoding is the bytes themselves. */
			ssize_t n = send(v->fd, buf + off, len - off, MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				return -ECONNRESET;
		}
	}
}

static int mode_paste(long rules, double budget, double commit_budget, bool echo, int echo_iv)
{
	struct vbuf pb = { 0 };
	char line[128], last[128];

	vbuf_add(&pb, "acl number 2000\r\n", 17);
	for (long i = 1; i <= rules; i++) {
		int n = snprintf(line, sizeof(line), "rule %ld permit source 10.%ld.%ld.%ld 0\r\n", i,
				 (i >> 16) & 255, (i >> 8) & 255, i & 255);
		vbuf_add(&pb, line, (size_t)n);
	}
	snprintf(last, sizeof(last), "rule %ld permit source 10.%ld.%ld.%ld 0\n", rules,
		 (rules >> 16) & 255, (rules >> 8) & 255, rules & 255);

	struct vty *v = session_or_die();
	must_cmd(v, "system-view", 30000);
	struct sampler sp = { 0 };
	if (echo)
		sampler_start(&sp, echo_iv);

	size_t errors = 0;
	double t0 = now_s();
	int r = paste(v, pb.s, pb.len, last, t0 + budget, &errors);
	double paste_s = now_s() - t0;
	double commit_s = -1;
	const char *gave_up = "-";
	if (r == -ETIMEDOUT) {
		gave_up = "paste";
		paste_s = -1;
	} else if (r < 0) {
		fprintf(stderr, "vtybench: paste: %s\n", strerror(-r));
		gave_up = "paste";
		paste_s = -1;
	} else {
		must_cmd(v, "quit", 60000);
		if (echo)
			atomic_store(&sp.phase, 1);
		char *out = NULL;
		commit_s = timed_cmd(v, "commit", (int)(commit_budget * 1000), &out);
		if (commit_s < 0)
			gave_up = "commit";
		else if (has_error(out))
			note_error("commit", out);
		free(out);
	}
	if (echo)
		sampler_stop(&sp);
	printf("rules=%ld paste_s=%.3f paste_errors=%zu commit_s=%.3f gave_up=%s", rules, paste_s,
	       errors, commit_s, gave_up);
	if (echo) {
		series_print("echo_paste", &sp.s[0]);
		series_print("echo_commit", &sp.s[1]);
	}
	printf("\n");
	fflush(stdout);
	/* A session left busy is the caller's to tear down: no orderly close. */
	if (strcmp(gave_up, "-") != 0)
		_exit(3);
	vty_close(v);
	free(pb.s);
	return 0;
}

/* ---- one-line commits --------------------------------------------------- */

static int mode_commits(long count, double budget, int net_a, int net_b, bool echo,
			int echo_iv)
{
	struct vty *v = session_or_die();
	struct series s = { 0 };
	size_t errors = 0;
	double deadline = now_s() + budget;
	const char *gave_up = "-";
	struct sampler sp = { 0 };

	must_cmd(v, "system-view", 30000);
	if (echo)
		sampler_start(&sp, echo_iv);
	for (long i = 0; i < count; i++) {
		char line[128];
		snprintf(line, sizeof(line), "ntp-service unicast-server %d.%d.%ld.%ld", net_a, net_b,
			 (i + 1) / 250, (i + 1) % 250 + 1);
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0) {
			gave_up = "commits";
			break;
		}
		char *out = NULL;
		if (timed_cmd(v, line, left, &out) < 0) {
			free(out);
			gave_up = "commits";
			break;
		}
		if (has_error(out))
			errors++, note_error(line, out);
		free(out);
		left = (int)((deadline - now_s()) * 1000);
		if (echo)
			atomic_store(&sp.phase, 1);
		double t = timed_cmd(v, "commit", left > 0 ? left : 1, &out);
		if (echo)
			atomic_store(&sp.phase, 0);
		if (t < 0) {
			free(out);
			gave_up = "commits";
			break;
		}
		if (has_error(out))
			errors++, note_error("commit", out);
		free(out);
		series_add(&s, t * 1000);
	}
	if (echo)
		sampler_stop(&sp);
	printf("count=%zu errors=%zu gave_up=%s", s.n, errors, gave_up);
	series_print("commit", &s);
	if (echo) {
		series_print("echo_edit", &sp.s[0]);
		series_print("echo_commit", &sp.s[1]);
	}
	printf("\n");
	fflush(stdout);
	if (strcmp(gave_up, "-") != 0)
		_exit(3);
	vty_close(v);
	return 0;
}

/* ---- echo while ntpd is stopped ----------------------------------------- */

static pid_t stopped_pid;

static void cont_stopped(void)
{
	if (stopped_pid > 0)
		kill(stopped_pid, SIGCONT);
}

static void on_signal(int sig)
{
	cont_stopped();
	signal(sig, SIG_DFL);
	raise(sig);
}

struct committer {
	struct vty *v;
	double t;
	char *out;
};

static void *committer_run(void *arg)
{
	struct committer *c = arg;
	c->t = timed_cmd(c->v, "commit", 120000, &c->out);
	return NULL;
}

static int mode_stopecho(pid_t pid, double stop_s, int echo_iv)
{
	struct committer c = { 0 };
	c.v = session_or_die();
	must_cmd(c.v, "system-view", 30000);
	must_cmd(c.v, "ntp-service unicast-server 10.8.0.1", 30000);

	struct sampler sp = { 0 };
	sampler_start(&sp, echo_iv);
	sleep_ms(500);   /* a few samples with ntpd running */
	atomic_store(&sp.phase, 1);

	stopped_pid = pid;
	atexit(cont_stopped);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (kill(pid, SIGSTOP) < 0) {
		fprintf(stderr, "vtybench: SIGSTOP %d: %s\n", (int)pid, strerror(errno));
		return 1;
	}
	pthread_t th;
	double t0 = now_s();
	if (pthread_create(&th, NULL, committer_run, &c) != 0)
		abort();
	while (now_s() - t0 < stop_s)
		sleep_ms(10);
	kill(pid, SIGCONT);
	stopped_pid = 0;
	pthread_join(th, NULL);
	sampler_stop(&sp);
	if (has_error(c.out))
		note_error("commit", c.out);
	printf("stop_s=%.1f commit_s=%.3f", stop_s, c.t);
	series_print("echo_running", &sp.s[0]);
	series_print("echo_stopped", &sp.s[1]);
	printf("\n");
	free(c.out);
	vty_close(c.v);
	return 0;
}

/* ---- many sessions ------------------------------------------------------- */

struct worker {
	int id, rounds;
	double deadline;
	pthread_barrier_t *ready;
	struct vty *v;
	char err[512];
	struct series display, commit;
	size_t errors;
	bool gave_up;
};

/* A timed command of a worker, within its deadline; its output only
 * counted for errors.  Seconds, or -1 past the deadline. */
static double worker_cmd(struct worker *w, const char *line)
{
	int left = (int)((w->deadline - now_s()) * 1000);
	if (left <= 0)
		return -1;
	char *out = NULL;
	double t = timed_cmd(w->v, line, left, &out);
	if (t >= 0 && has_error(out)) {
		if (w->errors++ == 0)
			note_error(line, out);
	}
	free(out);
	return t;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	w->v = session_open(w->err, sizeof(w->err));
	pthread_barrier_wait(w->ready);
	if (!w->v)
		return NULL;
	if (worker_cmd(w, "system-view") < 0)
		goto late;
	for (int r = 0; r < w->rounds; r++) {
		char line[128];
		double t = worker_cmd(w, "display current-configuration");
		if (t < 0)
			goto late;
		series_add(&w->display, t * 1000);
		snprintf(line, sizeof(line), "ntp-service unicast-server 10.7.%d.%d", w->id, r + 1);
		if (worker_cmd(w, line) < 0 || (t = worker_cmd(w, "commit")) < 0)
			goto late;
		series_add(&w->commit, t * 1000);
	}
	return NULL;
late:
	w->gave_up = true;
	return NULL;
}

static int mode_sessions(int n, int rounds, double budget)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));
	pthread_barrier_t ready;
	pthread_t *th = calloc((size_t)n, sizeof(*th));
	if (!w || !th)
		abort();
	pthread_barrier_init(&ready, NULL, (unsigned)n);
	double deadline = now_s() + budget;
	for (int i = 0; i < n; i++) {
		w[i].id = i + 1;
		w[i].rounds = rounds;
		w[i].deadline = deadline;
		w[i].ready = &ready;
		if (pthread_create(&th[i], NULL, worker_run, &w[i]) != 0)
			abort();
	}
	struct series display = { 0 }, commit = { 0 }, all = { 0 };
	int logged = 0, late = 0;
	size_t errors = 0;
	const char *first_err = NULL;
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (w[i].v)
			logged++;
		else if (!first_err)
			first_err = w[i].err;
		late += w[i].gave_up;
		errors += w[i].errors;
		for (size_t k = 0; k < w[i].display.n; k++) {
			series_add(&display, w[i].display.v[k]);
			series_add(&all, w[i].display.v[k]);
		}
		for (size_t k = 0; k < w[i].commit.n; k++) {
			series_add(&commit, w[i].commit.v[k]);
			series_add(&all, w[i].commit.v[k]);
		}
	}
	if (first_err)
		fprintf(stderr, "vtybench: %d of %d sessions not opened, first: %s\n", n - logged,
			n, first_err);
	printf("vtys=%d logged_in=%d late=%d errors=%zu", n, logged, late, errors);
	series_print("display", &display);
	series_print("commit", &commit);
	series_print("any", &all);
	printf("\n");
	fflush(stdout);
	if (late)
		_exit(3);
	for (int i = 0; i < n; i++)
		vty_close(w[i].v);
	return 0;
}

/* ---- main ----------------------------------------------------------------- */

static void usage(void)
{
	fputs("usage: vtybench paste|commits|stopecho|sessions --netns NS [options]\n"
	      "  paste:    --rules N [--budget S] [--commit-budget S] [--echo] [--echo-interval-ms MS]\n"
	      "  commits:  [--count N] [--budget S] [--net A.B] [--echo] [--echo-interval-ms MS]\n"
	      "  stopecho: --stop-pid PID [--stop-s S] [--echo-interval-ms MS]\n"
	      "  sessions: [--vtys N] [--rounds N] [--budget S]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", required_argument, NULL, 'n' },
		{ "rules", required_argument, NULL, 'r' },
		{ "budget", required_argument, NULL, 'b' },
		{ "commit-budget", required_argument, NULL, 'c' },
		{ "echo", no_argument, NULL, 'e' },
		{ "echo-interval-ms", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'k' },
		{ "net", required_argument, NULL, 'a' },
		{ "stop-pid", required_argument, NULL, 'p' },
		{ "stop-s", required_argument, NULL, 's' },
		{ "vtys", required_argument, NULL, 'v' },
		{ "rounds", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2)
		usage();
	const char *mode = argv[1];
	long rules = 1000, count = 100;
	double budget = 120, commit_budget = 120, stop_s = 5;
	bool echo = false;
	int echo_iv = 5, net_a = 10, net_b = 9, vtys = 64, rounds = 3;
	pid_t pid = 0;
	int c;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': netns = optarg; break;
		case 'r': rules = atol(optarg); break;
		case 'b': budget = atof(optarg); break;
		case 'c': commit_budget = atof(optarg); break;
		case 'e': echo = true; break;
		case 'i': echo_iv = atoi(optarg); break;
		case 'k': count = atol(optarg); break;
		case 'a':
			if (sscanf(optarg, "%d.%d", &net_a, &net_b) != 2)
				usage();
			break;
		case 'p': pid = (pid_t)atol(optarg); break;
		case 's': stop_s = atof(optarg); break;
		case 'v': vtys = atoi(optarg); break;
		case 'R': rounds = atoi(optarg); break;
		default: usage();
		}
	}
	if (!netns || optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "paste") && rules > 0)
		return mode_paste(rules, budget, commit_budget, echo, echo_iv);
	if (!strcmp(mode, "commits") && count > 0)
		return mode_commits(count, budget, net_a, net_b, echo, echo_iv);
	if (!strcmp(mode, "stopecho") && pid > 0)
		return mode_stopecho(pid, stop_s, echo_iv);
	if (!strcmp(mode, "sessions") && vtys > 0 && rounds > 0)
		return mode_sessions(vtys, rounds, budget);
	usage();
}
