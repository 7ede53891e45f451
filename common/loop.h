/*
 * loop.h: the one event loop of a daemon, built on ppoll(2).
 *
 * ZeroMQ sockets (through their ZMQ_FD) and plain file descriptors are
 * polled together; one-shot
 * timers are kept in a min-heap on CLOCK_MONOTONIC; signals arrive through a
 * signalfd, so handlers run in the loop like any other callback.  Callbacks
 * may add or remove registrations (including their own) and timers.
 * Single-threaded: nothing here is thread-safe.
 */
#ifndef MERIDIAN_LOOP_H
#define MERIDIAN_LOOP_H

#include <stdint.h>

struct loop;

typedef void (*loop_fd_cb)(struct loop *loop, int fd, short revents, void *arg);
typedef void (*loop_zsock_cb)(struct loop *loop, void *zsock, void *arg);
typedef void (*loop_timer_cb)(struct loop *loop, void *arg);
typedef void (*loop_signal_cb)(struct loop *loop, int signo, void *arg);

struct loop *loop_new(void);
/* Frees the loop; registered fds and sockets are not closed (their owners close them). */
void loop_free(struct loop *loop);

/* Watch fd for `events` (POLLIN/POLLOUT/POLLPRI); one registration per fd.
 * The callback gets poll(2) bits; an error or hangup arrives as
 * POLLERR | POLLHUP.  0 or -EEXIST/-EINVAL. */
int loop_add_fd(struct loop *loop, int fd, short events, loop_fd_cb cb, void *arg);
/* Change the events of a registered fd.  0 or -ENOENT. */
int loop_mod_fd(struct loop *loop, int fd, short events);
void loop_del_fd(struct loop *loop, int fd);

/* Watch a ZeroMQ socket for input.  The callback must drain it (ZMQ_DONTWAIT
 * until EAGAIN): ZeroMQ readiness is edge-like.  0, -EEXIST/-EINVAL, or
 * -errno if the socket's ZMQ_FD cannot be read. */
int loop_add_zsock(struct loop *loop, void *zsock, loop_zsock_cb cb, void *arg);
void loop_del_zsock(struct loop *loop, void *zsock);
/* Say that a ZeroMQ socket that may be registered was used (sent to,
 * received from, zmq_poll'ed) outside its own callback: the loop then reads
 * every socket's ZMQ_EVENTS before it sleeps, since the operation may have
 * consumed the signal of a message that is waiting.  bus.c calls it; code
 * that uses a registered socket directly must too. */
void loop_zsock_used(void);

/* One-shot timer `delay_us` from now.  Returns an id > 0; cancelling an id
 * that fired or was cancelled is harmless. */
uint64_t loop_timer_add(struct loop *loop, uint64_t delay_us, loop_timer_cb cb, void *arg);
void loop_timer_cancel(struct loop *loop, uint64_t id);

/* Deliver `signo` through the loop (blocks it and uses a signalfd).  0 or -errno. */
int loop_on_signal(struct loop *loop, int signo, loop_signal_cb cb, void *arg);

/* Run until loop_stop().  0, or -errno if polling itself failed. */
int loop_run(struct loop *loop);
void loop_stop(struct loop *loop);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t loop_now_us(void);

#endif
