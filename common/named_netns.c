/*
 * named_netns.c: named network namespaces (see named_netns.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "named_netns.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

/* A name usable as a file name under /run/netns. */
static bool name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n < NETNS_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

int netns_open(const char *name)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 1];
	struct statfs sf;
	int fd;

	if (!name_ok(name))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

/* In the forked child: the mount namespace of pid 1 if we may enter it
 * (else ours), /run/netns a shared mount as `ip netns` makes it. */
static void child_prepare(void)
{
	int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		(void)setns(fd, CLONE_NEWNS);
		close(fd);
	}
	(void)mkdir(NETNS_RUN_DIR, 0755);
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0 && errno == EINVAL &&
	    mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) == 0)
		(void)mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL);
}

static int child_create(const char *path)
{
	int fd;

	child_prepare();
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return errno;
	close(fd);
	if (unshare(CLONE_NEWNET) < 0 ||
	    mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		int e = errno;

		unlink(path);
		return e;
	}
	return 0;
}

static int child_delete(const char *path)
{
	child_prepare();
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return errno;
	return unlink(path) < 0 ? errno : 0;
}

/* Start op in a forked child (only system calls there: the parent may
 * have threads), which writes its result (an errno, 0) to a pipe and
 * exits: 0 with *nop filled, or -errno. */
static int child_start(const char *name, int (*op)(const char *path), struct netns_op *nop)
{
	char path[sizeof(NETNS_RUN_DIR) + NETNS_NAME_MAX + 1];
	int p[2];
	pid_t pid;

	if (!name_ok(name))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		unsigned char r = (unsigned char)(op(path) & 0xff);

		(void)!write(p[1], &r, 1);
		_exit(r);
	}
	close(p[1]);
	nop->pid = pid;
	nop->fd = p[0];
	return 0;
}

int netns_op_finish(struct netns_op *nop)
{
	unsigned char r = ECHILD;
	ssize_t n;
	int status;

	do
		n = read(nop->fd, &r, 1);
	while (n < 0 && errno == EINTR);
	close(nop->fd);
	nop->fd = -1;
	/* The child has written its result, or died: it is gone or going. */
	while (waitpid(nop->pid, &status, 0) < 0 && errno == EINTR)
		;
	nop->pid = 0;
	return n == 1 ? -(int)r : -ECHILD;
}

/* Run op in a forked child and wait for it: 0 or -errno. */
static int in_child(const char *name, int (*op)(const char *path))
{
	struct netns_op nop;
	int r = child_start(name, op, &nop);

	return r < 0 ? r : netns_op_finish(&nop);
}

int netns_create(const char *name)
{
	return in_child(name, child_create);
}

int netns_create_start(const char *name, struct netns_op *nop)
{
	return child_start(name, child_create, nop);
}

int netns_delete(const char *name)
{
	return in_child(name, child_delete);
}

struct run_arg {
	int nsfd;
	int (*fn)(void *);
	void *arg;
	int ret;
};

static void *run_thread(void *p)
{
	struct run_arg *ra = p;

	if (ra->nsfd >= 0 && setns(ra->nsfd, CLONE_NEWNET) < 0)
		ra->ret = -errno;
	else
		ra->ret = ra->fn(ra->arg);
	return NULL;
}

int netns_run(int nsfd, int (*fn)(void *arg), void *arg)
{
	struct run_arg ra = { nsfd, fn, arg, 0 };
	sigset_t all, old;
	pthread_t t;
	int r;

	if (nsfd < 0)
		return fn(arg);
	/* The thread takes no signal: the daemon's signalfd owns them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, NULL, run_thread, &ra);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return -r;
	pthread_join(t, NULL);
	return ra.ret;
}
