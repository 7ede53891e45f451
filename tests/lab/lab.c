/*
 * lab.c: lab topologies for integration tests (see lab.h).
 *
 * The lab itself is scripts/lab; this file runs it with a prefix and a
 * directory unique to the test process, remembers the devices, and offers
 * the waits and probes the tests need: VTY sessions (tools/vtyclient), ntpd
 * status and ifmgrd interface state over their ctl sockets (common/bus),
 * namespace entry for raw traffic, other programs run with a deadline
 * (in a namespace or not), and a scan of the daemons' logs for sanitizer
 * reports.
 */
#include "lab.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bus.h"

#define LAB_MAX_DEVICES 8
#define LAB_MAX_ARGS 32
#define LAB_MAX_SESSIONS 32
#define LAB_TMP_PATTERN "/tmp/meridian-it-"

static struct {
	bool up;
	bool atexit_done;
	bool debug;
	char prefix[32];
	char dir[128];
	struct lab_device dev[LAB_MAX_DEVICES];
	size_t ndev;
	void *zctx;
	struct vty *sessions[LAB_MAX_SESSIONS];
} lab;

double lab_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void lab_lines(struct vty *v, const char *dev, const char *const *lines)
{
	for (size_t i = 0; lines[i]; i++) {
		char *out = NULL;
		int r = lab_cmd(v, dev, lines[i], &out);

		cr_assert_eq(r, 0, "%s: '%s' got no prompt back: %s", dev, lines[i], strerror(-r));
		cr_assert(!out || !strstr(out, "Error:"), "%s: '%s' failed:\n%s", dev, lines[i],
			  out);
		free(out);
	}
}

void lab_expect_output(struct vty *v, const char *dev, const char *cmd,
		       const char *const *want)
{
	char *out = NULL, *n;

	cr_assert_eq(lab_cmd(v, dev, cmd, &out), 0, "%s: no prompt after '%s'", dev, cmd);
	n = lab_normalize(out);
	fprintf(stderr, "[%s] %s:\n%s\n", dev, cmd, n);
	for (size_t i = 0; want[i]; i++)
		cr_expect(strstr(n, want[i]), "%s: no '%s' in %s:\n%s", dev, want[i], cmd, n);
	free(n);
	free(out);
}

double lab_true_error(const char *dev)
{
	NtpReply *rep = NULL;
	int r = lab_ntp_status(dev, &rep);
	double e;

	/* One slow answer on a loaded machine is not a failure of the wait
	 * this is usually part of. */
	for (int tries = 1; r == -ETIMEDOUT && tries < 3; tries++)
		r = lab_ntp_status(dev, &rep);
	cr_assert_eq(r, 0, "%s: ntpd status over its ctl socket: %s", dev, strerror(-r));
	cr_assert(rep->sys && rep->sys->has_true_error,
		  "%s: ntpd's status carries no true_error (virtual clock)", dev);
	e = rep->sys->true_error;
	ntp_reply__free_unpacked(rep, NULL);
	return e;
}

double lab_wait_agreement(const char *dev, const char *ref, double tol, int timeout_ms)
{
	double deadline = lab_now() + timeout_ms / 1000.0, d;

	for (;;) {
		d = lab_true_error(dev) - lab_true_error(ref);
		if (fabs(d) < tol || lab_now() > deadline)
			return d;
		lab_pause_ms(500);
	}
}

long long lab_stat_value(const char *out, const char *label)
{
	const char *p = out ? strstr(out, label) : NULL;
	long long n;

	if (!p || !(p = strchr(p, ':')) || sscanf(p + 1, "%lld", &n) != 1)
		return -1;
	return n;
}

double lab_json_number(const char *json, const char *key, bool *ok)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\":", key);
	p = json ? strstr(json, k) : NULL;
	*ok = p != NULL;
	return p ? strtod(p + strlen(k), NULL) : NAN;
}

/* NTP's own bound: the synchronization distance (half the round trip plus
 * dispersion; ntpdig's -j output calls it "precision").  A loaded machine
 * widens both: ntpdig is Python, and a request it timestamps but sends a
 * second later (seen once in CI) is half a second off, with a distance of
 * half a second. */
double lab_ntpdig_bound(const char *json)
{
	bool has;
	double distance = lab_json_number(json, "precision", &has);

	cr_assert(has, "ntpdig -j printed no synchronization distance: %s", json);
	return distance + 1e-3 > 0.01 ? distance + 1e-3 : 0.01;
}

void lab_pause_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const char *source_root(void)
{
	const char *s = getenv("MERIDIAN_SOURCE_ROOT");
	return s && *s ? s : ".";
}

static const char *build_root(void)
{
	const char *s = getenv("MERIDIAN_BUILD_ROOT");
	return s && *s ? s : "build";
}

void lab_require_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("integration tests need root (network namespaces)");
	if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 &&
	    access("/usr/bin/ip", X_OK) != 0 && access("/bin/ip", X_OK) != 0)
		cr_skip_test("iproute2 (ip) is missing");
	static const char *const bins[] = { "cfgd/meridian-cfgd", "ifmgrd/meridian-ifmgrd",
					    "ntpd/meridian-ntpd", "clid/meridian-clid",
					    "tools/meridian-passwd" };
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		char path[600];
		snprintf(path, sizeof(path), "%s/%s", build_root(), bins[i]);
		if (access(path, X_OK) != 0)
			cr_skip_test("%s is not built (-Dcomponents)", path);
	}
}

/* Run scripts/lab VERB --prefix P --dir D [args]; its output goes to stderr
 * so it never mixes with the TAP stream on stdout.  The exit status. */
static int run_lab(const char *prefix, const char *dir, const char *verb,
		   const char *const *args, size_t nargs)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/scripts/lab", source_root());
	const char *argv[LAB_MAX_ARGS + 12];
	size_t n = 0;
	argv[n++] = "bash";
	argv[n++] = script;
	argv[n++] = verb;
	argv[n++] = "--prefix";
	argv[n++] = prefix;
	argv[n++] = "--dir";
	argv[n++] = dir;
	if (strcmp(verb, "up") == 0 && lab.debug)
		argv[n++] = "--debug";
	if (strcmp(verb, "up") == 0 || strcmp(verb, "start") == 0 ||
	    strcmp(verb, "restart") == 0) {
		argv[n++] = "--build";
		argv[n++] = build_root();
	}
	for (size_t i = 0; i < nargs && i < LAB_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char owner[32];
		snprintf(owner, sizeof(owner), "%d", (int)getppid());
		setenv("LAB_OWNER_PID", owner, 1);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execv("/bin/bash", (char *const *)argv);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void lab_set_debug(bool on)
{
	lab.debug = on;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Labs of test processes that died without tearing down (crash, timeout):
 * their directory names carry the owner's pid. */
static void reap_stale_labs(void)
{
	DIR *d = opendir("/tmp");
	if (!d)
		return;
	struct dirent *e;
	const char *base = LAB_TMP_PATTERN + strlen("/tmp/");
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, base, strlen(base)) != 0)
			continue;
		const char *prefix = e->d_name + strlen(base);
		if (strncmp(prefix, "mt", 2) != 0)
			continue;
		char *end;
		long pid = strtol(prefix + 2, &end, 10);
		if (*end || pid <= 0 || pid == getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char dir[300], pfx[64];
		snprintf(dir, sizeof(dir), "/tmp/%s", e->d_name);
		snprintf(pfx, sizeof(pfx), "%s", prefix);
		fprintf(stderr, "lab: removing the stale lab %s\n", dir);
		run_lab(pfx, dir, "down", NULL, 0);
		rm_tree(dir);
	}
	closedir(d);
}

static void lab_atexit(void)
{
	lab_down();
}

int lab_up(const char *spec, ...)
{
	cr_assert(!lab.up, "one lab per test process");
	reap_stale_labs();
	snprintf(lab.prefix, sizeof(lab.prefix), "mt%d", (int)getpid());
	snprintf(lab.dir, sizeof(lab.dir), LAB_TMP_PATTERN "%s", lab.prefix);
	rm_tree(lab.dir);
	lab.ndev = 0;

	const char *specs[LAB_MAX_DEVICES];
	char prefix[sizeof(lab.prefix)], dir[sizeof(lab.dir)];
	memcpy(prefix, lab.prefix, sizeof(prefix));
	memcpy(dir, lab.dir, sizeof(dir));
	va_list ap;
	va_start(ap, spec);
	for (const char *s = spec; s && lab.ndev < LAB_MAX_DEVICES; s = va_arg(ap, const char *)) {
		struct lab_device dv;
		int len = (int)strcspn(s, ":");
		snprintf(dv.name, sizeof(dv.name), "%.*s", len, s);
		snprintf(dv.ns, sizeof(dv.ns), "%s%.*s", prefix, len, s);
		snprintf(dv.dir, sizeof(dv.dir), "%s/%.*s", dir, len, s);
		snprintf(dv.run_dir, sizeof(dv.run_dir), "%s/%.*s/run", dir, len, s);
		lab.dev[lab.ndev] = dv;
		specs[lab.ndev++] = s;
	}
	va_end(ap);

	if (!lab.atexit_done) {
		atexit(lab_atexit);
		lab.atexit_done = true;
	}
	lab.up = true;   /* from here on, teardown has something to do */
	double t0 = lab_now();
	int r = run_lab(lab.prefix, lab.dir, "up", specs, lab.ndev);
	if (r != 0) {
		fprintf(stderr, "lab: scripts/lab up failed (status %d)\n", r);
		lab_dump_logs();
		return -1;
	}
	fprintf(stderr, "lab: %zu device(s) up in %.1f s (prefix %s, %s)\n", lab.ndev,
		lab_now() - t0, lab.prefix, lab.dir);
	return 0;
}

void lab_down(void)
{
	for (size_t i = 0; i < LAB_MAX_SESSIONS; i++) {
		vty_close(lab.sessions[i]);
		lab.sessions[i] = NULL;
	}
	if (lab.zctx) {
		zmq_ctx_term(lab.zctx);
		lab.zctx = NULL;
	}
	if (!lab.up)
		return;
	lab.up = false;
	run_lab(lab.prefix, lab.dir, "down", NULL, 0);
	lab_sanitizer_reports();
	const char *keep = getenv("MERIDIAN_KEEP_LAB");
	if (keep && *keep && strcmp(keep, "0") != 0)
		fprintf(stderr, "lab: logs kept in %s\n", lab.dir);
	else
		rm_tree(lab.dir);
}

const struct lab_device *lab_dev(const char *name)
{
	for (size_t i = 0; i < lab.ndev; i++)
		if (strcmp(lab.dev[i].name, name) == 0)
			return &lab.dev[i];
	return NULL;
}

const char *lab_dir(void)
{
	return lab.dir;
}

struct vty *lab_vty(const char *dev, int timeout_ms)
{
	const struct lab_device *d = lab_dev(dev);
	if (!d) {
		fprintf(stderr, "lab: no device %s\n", dev);
		return NULL;
	}
	double deadline = lab_now() + timeout_ms / 1000.0;
	char err[256] = "";
	int r = 0;
	for (;;) {
		struct vty *v = vty_connect(d->ns, "127.0.0.1", 23, 2000, err, sizeof(err));
		if (v) {
			r = vty_login(v, LAB_USER, LAB_PASSWORD, 10000);
			if (r == 0) {
				for (size_t i = 0; i < LAB_MAX_SESSIONS; i++)
					if (!lab.sessions[i]) {
						lab.sessions[i] = v;
						break;
					}
				return v;
			}
			snprintf(err, sizeof(err), "login: %s", strerror(-r));
			fprintf(stderr, "lab: %s: %s; received:\n%s\n", dev, err, vty_transcript(v));
			vty_close(v);
		}
		if (lab_now() > deadline)
			break;
		lab_pause_ms(200);
	}
	fprintf(stderr, "lab: %s: no VTY session: %s\n", dev, err);
	return NULL;
}

void lab_vty_close(struct vty *v)
{
	for (size_t i = 0; i < LAB_MAX_SESSIONS; i++)
		if (lab.sessions[i] == v)
			lab.sessions[i] = NULL;
	vty_close(v);
}

void *lab_zctx(void)
{
	if (!lab.zctx)
		lab.zctx = zmq_ctx_new();
	cr_assert(lab.zctx, "zmq_ctx_new failed");
	return lab.zctx;
}

void lab_cmd_ok(struct vty *v, const char *dev, const char *line)
{
	char *out = NULL;

	cr_assert_eq(lab_cmd(v, dev, line, &out), 0, "'%s' got no prompt", line);
	cr_assert(!strstr(out, "Error:"), "'%s' failed:\n%s", line, out);
	free(out);
}

struct vty *lab_up_vty(const char *dev)
{
	struct vty *v;

	lab_require_root();
	cr_assert_eq(lab_up(dev, NULL), 0, "the lab did not come up");
	v = lab_vty(dev, 20000);
	cr_assert(v, "no VTY session");
	return v;
}

int lab_cmd(struct vty *v, const char *dev, const char *line, char **out)
{
	char *o = NULL;
	int r = vty_cmd(v, line, &o, LAB_CMD_TIMEOUT_MS);
	fprintf(stderr, "[%s] %s\n%s", dev, vty_echo(v), o ? o : "");
	if (r < 0)
		fprintf(stderr, "[%s] (%s)\n", dev, strerror(-r));
	if (out)
		*out = o;
	else
		free(o);
	return r;
}

static bool has_all(const char *text, const char *const needles[])
{
	for (size_t i = 0; needles[i]; i++)
		if (!text || !strstr(text, needles[i]))
			return false;
	return true;
}

bool lab_wait_output(struct vty *v, const char *cmd, const char *const needles[],
		     int timeout_ms, char **last)
{
	double deadline = lab_now() + timeout_ms / 1000.0;
	char *out = NULL;
	bool ok = false;
	for (;;) {
		free(out);
		out = NULL;
		if (vty_cmd(v, cmd, &out, LAB_CMD_TIMEOUT_MS) < 0)
			break;
		if (has_all(out, needles)) {
			ok = true;
			break;
		}
		if (lab_now() > deadline)
			break;
		lab_pause_ms(500);
	}
	if (last)
		*last = out;
	else
		free(out);
	return ok;
}

const char *lab_tool(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin",
					    "/usr/local/sbin", "/usr/local/bin" };
	/* One path per tool for the process's life: callers keep the pointer
	 * (a ring of buffers once handed one caller's tool to another). */
	static struct { char name[32]; char path[128]; } found[32];
	static size_t n_found;
	char p[128];

	for (size_t i = 0; i < n_found; i++)
		if (strcmp(found[i].name, name) == 0)
			return found[i].path;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dirs[i], name);
		if (access(p, X_OK) != 0)
			continue;
		if (n_found == sizeof(found) / sizeof(found[0]) ||
		    strlen(name) >= sizeof(found[0].name))
			return NULL;
		snprintf(found[n_found].name, sizeof(found[0].name), "%s", name);
		snprintf(found[n_found].path, sizeof(found[0].path), "%s", p);
		return found[n_found++].path;
	}
	return NULL;
}

int lab_run(const char *ns, const char *label, const char *const argv[], int timeout_ms,
	    char **out)
{
	const char *full[32];
	size_t n = 0;
	int fds[2];

	if (ns) {
		full[n++] = lab_tool("ip");
		if (!full[0])
			return -1;
		full[n++] = "netns";
		full[n++] = "exec";
		full[n++] = ns;
	}
	for (size_t i = 0; argv[i] && n < 31; i++)
		full[n++] = argv[i];
	full[n] = NULL;
	if (out)
		*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		execvp(full[0], (char *const *)full);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	cr_assert(buf);
	double deadline = lab_now() + timeout_ms / 1000.0;
	bool killed = false;
	for (;;) {
		int left = (int)((deadline - lab_now()) * 1000);
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		int r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (cap - len < 1024) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert(buf);
		}
		ssize_t k = read(fds[0], buf + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	buf[len] = '\0';
	close(fds[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	fprintf(stderr, "[%s] $", label);
	for (size_t i = 0; full[i]; i++)
		fprintf(stderr, " %s", full[i]);
	fprintf(stderr, "\n%s%s", buf, killed ? "(killed at the deadline)\n" : "");
	if (out)
		*out = buf;
	else
		free(buf);
	if (killed || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}


int lab_link_local(const char *dev, const char *ifname, char *buf, size_t len, int timeout_ms)
{
	const struct lab_device *d = lab_dev(dev);
	double deadline = lab_now() + timeout_ms / 1000.0;
	char ep[400];
	int r = -ETIMEDOUT;

	if (!d)
		return -ENOENT;
	snprintf(ep, sizeof(ep), "ipc://%s/ifmgrd.ctl", d->run_dir);
	struct bus_client *cli = bus_client_new(lab_zctx(), ep);
	if (!cli)
		return -EIO;
	for (;;) {
		IfRequest req = IF_REQUEST__INIT;
		IfGetRequest get = IF_GET_REQUEST__INIT;
		ProtobufCMessage *m = NULL;

		get.name = (char *)ifname;
		req.req_case = IF_REQUEST__REQ_GET;
		req.get = &get;
		if (bus_client_call(cli, &req.base, &if_reply__descriptor, 3000, &m) == 0) {
			const IfReply *rep = (const IfReply *)m;
			const IfState *st = rep->states && rep->states->n_interface ?
					    rep->states->interface[0] : NULL;

			if (st && st->ipv6_link_local && st->ipv6_link_local[0]) {
				snprintf(buf, len, "%s", st->ipv6_link_local);
				r = 0;
			}
			protobuf_c_message_free_unpacked(m, NULL);
		}
		if (r == 0 || lab_now() > deadline)
			break;
		lab_pause_ms(200);
	}
	bus_client_free(cli);
	return r;
}

/* One NtpRequest to dev's ntpd: 0 with *out, or -errno. */
static int ntp_call(const char *dev, NtpRequest *req, NtpReply **out)
{
	*out = NULL;
	const struct lab_device *d = lab_dev(dev);
	if (!d)
		return -ENOENT;
	void *zctx = lab_zctx();
	char ep[400];
	snprintf(ep, sizeof(ep), "ipc://%s/ntpd.ctl", d->run_dir);
	struct bus_client *cli = bus_client_new(zctx, ep);
	if (!cli)
		return -EIO;
	ProtobufCMessage *reply = NULL;
	int r = bus_client_call(cli, &req->base, &ntp_reply__descriptor, 3000, &reply);
	bus_client_free(cli);
	if (r < 0)
		return r;
	*out = (NtpReply *)reply;
	return 0;
}

int lab_ntp_status(const char *dev, NtpReply **out)
{
	NtpRequest req = NTP_REQUEST__INIT;
	NtpStatusRequest sr = NTP_STATUS_REQUEST__INIT;

	req.req_case = NTP_REQUEST__REQ_STATUS;
	req.status = &sr;
	return ntp_call(dev, &req, out);
}

int lab_ntp_sessions(const char *dev, NtpReply **out)
{
	NtpRequest req = NTP_REQUEST__INIT;
	NtpSessionsRequest sr = NTP_SESSIONS_REQUEST__INIT;

	req.req_case = NTP_REQUEST__REQ_SESSIONS;
	req.sessions = &sr;
	return ntp_call(dev, &req, out);
}

int lab_script(const char *verb, ...)
{
	const char *args[LAB_MAX_ARGS];
	size_t n = 0;
	va_list ap;
	va_start(ap, verb);
	for (const char *s = va_arg(ap, const char *); s && n < LAB_MAX_ARGS;
	     s = va_arg(ap, const char *))
		args[n++] = s;
	va_end(ap);
	return run_lab(lab.prefix, lab.dir, verb, args, n);
}

pid_t lab_pid(const char *dev, const char *daemon)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/%s.pid", lab.dir, dev, daemon);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int pid = -1;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

int lab_kill(const char *dev, const char *daemon)
{
	pid_t pid = lab_pid(dev, daemon);
	if (pid <= 0)
		return -ESRCH;
	if (kill(pid, SIGKILL) < 0)
		return -errno;
	double deadline = lab_now() + 10;
	while (kill(pid, 0) == 0 && lab_now() < deadline)
		lab_pause_ms(50);
	return kill(pid, 0) == 0 ? -ETIMEDOUT : 0;
}

int lab_netns_enter(const char *dev)
{
	const struct lab_device *d = lab_dev(dev);
	if (!d)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "/run/netns/%s", d->ns);
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
		if (own >= 0)
			close(own);
		own = -1;
	}
	if (target >= 0)
		close(target);
	return own;
}

void lab_netns_leave(int fd)
{
	if (fd < 0)
		return;
	if (setns(fd, CLONE_NEWNET) < 0)
		fprintf(stderr, "lab: cannot return to the original namespace: %s\n",
			strerror(errno));
	close(fd);
}

/* Calls fn(path, device name, daemon file name) for each DIR/DEV/ *.log. */
static void each_log(void (*fn)(const char *path, const char *dev, const char *file, void *arg),
		     void *arg)
{
	for (size_t i = 0; i < lab.ndev; i++) {
		DIR *d = opendir(lab.dev[i].dir);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n < 5 || strcmp(e->d_name + n - 4, ".log") != 0)
				continue;
			char path[600];
			snprintf(path, sizeof(path), "%s/%s", lab.dev[i].dir, e->d_name);
			fn(path, lab.dev[i].name, e->d_name, arg);
		}
		closedir(d);
	}
}

static void scan_sanitizer(const char *path, const char *dev, const char *file, void *arg)
{
	int *count = arg;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	int context = 0;
	while (getline(&line, &cap, f) >= 0) {
		if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
		    strstr(line, "runtime error:")) {
			(*count)++;
			context = 12;
		}
		if (context > 0) {
			fprintf(stderr, "lab: %s/%s: %s", dev, file, line);
			context--;
		}
	}
	free(line);
	fclose(f);
}

int lab_sanitizer_reports(void)
{
	int count = 0;
	each_log(scan_sanitizer, &count);
	return count;
}

void lab_note(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "lab: %s\n", msg);

	char path[600];
	snprintf(path, sizeof(path), "%s/meson-logs/integration-notes.txt", build_root());
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	strftime(when, sizeof(when), "%F %T", localtime_r(&now, &tm));
	fprintf(f, "%s %s\n", when, msg);
	fclose(f);
}

int lab_finish(void)
{
	for (size_t i = 0; i < LAB_MAX_SESSIONS; i++) {
		vty_close(lab.sessions[i]);
		lab.sessions[i] = NULL;
	}
	if (lab_script("down", NULL) != 0)
		fprintf(stderr, "lab: scripts/lab down failed\n");
	return lab_sanitizer_reports();
}

static void tail_log(const char *path, const char *dev, const char *file, void *arg)
{
	(void)arg;
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	enum { KEEP = 25 };
	char *ring[KEEP] = { 0 };
	size_t n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) >= 0) {
		free(ring[n % KEEP]);
		ring[n % KEEP] = strdup(line);
		n++;
	}
	free(line);
	fclose(f);
	fprintf(stderr, "lab: ---- %s/%s (last %d lines) ----\n", dev, file, KEEP);
	for (size_t i = n > KEEP ? n - KEEP : 0; i < n; i++)
		fprintf(stderr, "%s", ring[i % KEEP] ? ring[i % KEEP] : "");
	for (size_t i = 0; i < KEEP; i++)
		free(ring[i]);
}

void lab_dump_logs(void)
{
	each_log(tail_log, NULL);
}

char *lab_normalize(const char *text)
{
	size_t len = strlen(text);
	char *out = malloc(len + 2);
	cr_assert(out);
	size_t o = 0;
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0 || o > 0) {   /* drop leading empty lines */
			memcpy(out + o, p, n);
			o += n;
			out[o++] = '\n';
		}
		p = e ? e + 1 : p + strlen(p);
	}
	while (o > 0 && out[o - 1] == '\n' && (o == 1 || out[o - 2] == '\n'))
		o--;   /* trailing empty lines */
	if (o > 0 && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
	return out;
}
