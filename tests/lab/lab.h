/*
 * lab.h: Meridian lab topologies for Criterion integration tests.
 *
 * lab_up() runs scripts/lab in a unique prefix ("mt" + the test process's
 * pid) and a directory of its own (/tmp/meridian-it-PREFIX), so tests never
 * collide with each other or with a running demo.  Teardown runs from the
 * test's .fini (use `.fini = lab_down`) and from atexit, so an assertion
 * that fails still leaves nothing behind; a lab left by a test process that
 * died (crash, timeout) is removed by the next lab_up().
 *
 * The build and source trees come from MERIDIAN_BUILD_ROOT and
 * MERIDIAN_SOURCE_ROOT (set by tests/meson.build).  Set MERIDIAN_KEEP_LAB=1
 * to keep the lab's logs after teardown.
 *
 * All waits have deadlines; helpers poll, they never sleep to synchronise.
 */
#ifndef MERIDIAN_TEST_LAB_H
#define MERIDIAN_TEST_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ifmgr.pb-c.h"
#include "ntpd.pb-c.h"
#include "vtyclient.h"

#define LAB_USER "admin"
#define LAB_PASSWORD "admin@123"
#define LAB_CMD_TIMEOUT_MS 30000

struct lab_device {
	char name[32];      /* "DeviceC" */
	char ns[64];        /* its network namespace, PREFIX + name */
	char dir[256];      /* DIR/DeviceC */
	char run_dir[300];  /* DIR/DeviceC/run */
};

/* Skip the calling test unless we are root, iproute2 is there and the
 * daemons are built. */
void lab_require_root(void);

/* Bring up a lab of the given devices ("DeviceC", "DeviceD:0.4:12", ...;
 * NULL-terminated).  0, or -1 after printing why (scripts/lab's output and
 * the daemons' logs).  One lab per test process. */
int lab_up(const char *spec, ...) __attribute__((sentinel));
/* Whether the next lab_up() writes log_level "debug" into the devices'
 * bootstrap files (scripts/lab up --debug), so daemons restarted with
 * lab_script("start", ...) log at debug level too.  Off by default. */
void lab_set_debug(bool on);
/* Tear the lab down (idempotent; safe when nothing is up). */
void lab_down(void);

/* The device of this lab named `name`, or NULL. */
const struct lab_device *lab_dev(const char *name);
const char *lab_dir(void);

/* A logged-in VTY session on the device (connect retried until the
 * deadline).  NULL after printing why. */
struct vty *lab_vty(const char *dev, int timeout_ms);
/* Close a session from lab_vty() (sessions still open at lab_down() are
 * closed there, so a failed assertion leaks nothing). */
void lab_vty_close(struct vty *v);
/* vty_cmd with LAB_CMD_TIMEOUT_MS, echoing the exchange to stderr prefixed
 * with the device's name.  *out may be NULL if not wanted. */
int lab_cmd(struct vty *v, const char *dev, const char *line, char **out);
/* lab_cmd that must answer without "Error:" (a Criterion assertion). */
void lab_cmd_ok(struct vty *v, const char *dev, const char *line);
/* lab_up(dev, NULL) and a logged-in session on dev (assertions). */
struct vty *lab_up_vty(const char *dev);
/* Run `cmd` every interval until its output contains every needle (NULL-
 * terminated array) or the deadline passes.  true when found; *last (may be
 * NULL) receives the last output, malloc'd. */
bool lab_wait_output(struct vty *v, const char *cmd, const char *const needles[],
		     int timeout_ms, char **last);

/* The usable link-local IPv6 address ifmgrd publishes for the device's
 * interface (IfState.ipv6_link_local: the kernel's, once DAD has passed),
 * polled until the deadline.  0 with the canonical text in buf, or -errno
 * (-ETIMEDOUT when there is none by then). */
int lab_link_local(const char *dev, const char *ifname, char *buf, size_t len,
		   int timeout_ms);

/* ntpd's system status of the device, straight from its ctl socket.
 * 0 with *out to free with ntp_reply__free_unpacked(), or -errno. */
int lab_ntp_status(const char *dev, NtpReply **out);
/* ntpd's sessions (NtpReply.sessions, not verbose), the same way. */
int lab_ntp_sessions(const char *dev, NtpReply **out);

/* The lab's ZeroMQ context (created on first use, terminated by lab_down). */
void *lab_zctx(void);

/* Run `scripts/lab VERB --prefix P --dir D ARGS...` (NULL-terminated). */
int lab_script(const char *verb, ...) __attribute__((sentinel));
/* Pid of a device's daemon ("cfgd", ...) from its pid file, or -1. */
pid_t lab_pid(const char *dev, const char *daemon);
/* SIGKILL a device's daemon and wait (10 s at most) until it is gone: 0,
 * -ESRCH when it has no pid file, -ETIMEDOUT when it is still there. */
int lab_kill(const char *dev, const char *daemon);

/* The path of a program in the usual system directories, or NULL; the
 * string stays valid for the life of the process. */
const char *lab_tool(const char *name);
/* Run argv with a deadline, inside network namespace ns (`ip netns exec`;
 * NULL: here); stdout and stderr together in *out (malloc'd; out may be
 * NULL), echoed to stderr after "[label] $ command".  The exit status, or
 * -1 (could not run, killed at the deadline). */
int lab_run(const char *ns, const char *label, const char *const argv[], int timeout_ms,
	    char **out);

/* Enter the device's network namespace in the calling thread; returns an
 * fd to hand to lab_netns_leave(), or -1. */
int lab_netns_enter(const char *dev);
void lab_netns_leave(int fd);

/* Sanitizer reports (ASan, LSan, UBSan) in the lab's daemon logs so far,
 * printed to stderr; the count. */
int lab_sanitizer_reports(void);
/* Stop the lab's daemons (the logs stay until lab_down) and count the
 * sanitizer reports in their logs: leaks show only at exit.  Call it at the
 * end of a test: cr_expect_eq(lab_finish(), 0). */
int lab_finish(void);
/* The last lines of every daemon log, to stderr. */
void lab_dump_logs(void);

/* Text as compared with the seeds: "\r\n" -> "\n", trailing blanks of each
 * line removed, leading and trailing empty lines dropped.  malloc'd. */
char *lab_normalize(const char *text);
/* A measurement worth keeping: printed to stderr (shown by Criterion when
 * not in TAP mode) and appended to BUILD/meson-logs/integration-notes.txt,
 * since Criterion's TAP mode hides a passing test's output. */
void lab_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The pause between two polls of a state (never a synchronisation). */
void lab_pause_ms(int ms);
/* Monotonic seconds. */
double lab_now(void);
/* Type each line at dev's prompt; asserts the prompt comes back and the
 * device says no "Error:". */
void lab_lines(struct vty *v, const char *dev, const char *const *lines);
/* Run cmd on dev and expect (cr_expect) each of want in its normalized
 * output, which goes to stderr. */
void lab_expect_output(struct vty *v, const char *dev, const char *cmd,
		       const char *const *want);
/* The true error of dev's virtual clock (s), from ntpd's ctl socket. */
double lab_true_error(const char *dev);
/* Wait (timeout_ms at most) until dev's virtual clock is within tol
 * seconds of ref's; the last difference of their true errors (dev - ref,
 * seconds). */
double lab_wait_agreement(const char *dev, const char *ref, double tol, int timeout_ms);
/* The number after the ':' of the first line of a display that contains
 * label (`display ntp-service statistics packet`), or -1 when there is no
 * such line. */
long long lab_stat_value(const char *out, const char *label);
/* The number of "key": in a JSON text (ntpdig -j); NAN with *ok false when
 * the key is absent. */
double lab_json_number(const char *json, const char *key, bool *ok);
/* How far ntpdig's offset (its -j JSON output) may be from the true error:
 * the synchronization distance ntpdig measured plus 1 ms, never under
 * 10 ms; asserts that ntpdig printed it. */
double lab_ntpdig_bound(const char *json);

#endif
