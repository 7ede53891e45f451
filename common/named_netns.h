/*
 * named_netns.h: named network namespaces, as `ip netns` keeps them
 * (/run/netns/NAME, a bind mount of a namespace), and work done inside one.
 *
 * The VPN instances' namespace backend (ifmgrd creates and removes them,
 * ifmgrd and ntpd open sockets in them) is built on these.  A socket keeps
 * the namespace it was created in, so a daemon enters a namespace only to
 * create its sockets: netns_run() does that in a short-lived thread (the
 * network namespace is a per-thread attribute; the caller's thread, its
 * event loop and ZeroMQ's threads never move), the way FRR's netns backend
 * opens its per-VRF sockets.
 *
 * Creating and deleting need CAP_SYS_ADMIN.  They are done in a forked child
 * that first enters the mount namespace of pid 1 when it may, so that the
 * bind mount lands where other processes see it (a daemon started by `ip
 * netns exec` has a private mount namespace, a slave of the host's: a
 * mount made there would be its own).  Every function returns 0 or a
 * negative errno and logs nothing.
 */
#ifndef MERIDIAN_NAMED_NETNS_H
#define MERIDIAN_NAMED_NETNS_H

#include <sys/types.h>

#define NETNS_RUN_DIR "/run/netns"
#define NETNS_NAME_MAX 64

/* Open namespace NAME (/run/netns/NAME): a file descriptor (O_CLOEXEC), or
 * -ENOENT (no such file), -EINVAL (a file that is not a namespace: a
 * name left without its mount, or one not visible in this mount
 * namespace), another -errno. */
int netns_open(const char *name);

/* Create namespace NAME as `ip netns add NAME` does: 0, -EEXIST when the
 * file exists already, -EINVAL for a bad name, another -errno. */
int netns_create(const char *name);

/* Creating a namespace runs every network subsystem's set-up in the
 * kernel, which can wait on its global locks while other namespaces are
 * torn down: a daemon's loop starts it (netns_create_start), watches fd
 * for POLLIN and then collects the outcome (netns_op_finish: what
 * netns_create would have returned; it reaps the child). */
struct netns_op {
	pid_t pid;
	int fd;      /* readable once the child is done */
};
int netns_create_start(const char *name, struct netns_op *op);
int netns_op_finish(struct netns_op *op);

/* Remove namespace NAME (unmount and unlink, as `ip netns del`): 0,
 * -ENOENT, or another -errno.  The namespace itself lives on while a
 * socket or a process still holds it. */
int netns_delete(const char *name);

/* Call fn(arg) in a thread inside the namespace nsfd (nsfd < 0: the
 * caller's own) and wait for it: fn's result, or the -errno of setns()
 * or of starting the thread.  fn must not keep the thread. */
int netns_run(int nsfd, int (*fn)(void *arg), void *arg);

#endif
