/*
 * test_bus.c: bus server and client over ipc in a private directory.
 *
 * Synchronous calls block the calling thread, so the server runs its own
 * loop in a second thread (its own loop and sockets; the ZeroMQ context is
 * thread-safe); a pipe written by the test thread stops it.  The server
 * echoes SnapshotOnlyRequest.snapshot.topic in SnapshotOnlyReply.error;
 * topic "slow" is held and answered with the next request, topic "garbage"
 * is answered with bytes that do not decode as the reply type.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bus.h"
#include "bus.pb-c.h"
#include "loop.h"
#include "testutil.h"

struct srv_state {
	void *zctx;
	char endpoint[512];
	int stop_pipe[2];
	pthread_t thread;
	atomic_int ready;
	atomic_ulong dropped;
	atomic_int requests;
	struct bus_server *srv;
	struct bus_peer *held;
};

static void on_request(struct bus_server *srv, const struct bus_peer *peer,
		       const uint8_t *data, size_t len, void *arg)
{
	struct srv_state *st = arg;
	SnapshotOnlyRequest *req = snapshot_only_request__unpack(NULL, len, data);
	SnapshotOnlyReply rep = SNAPSHOT_ONLY_REPLY__INIT;
	const char *topic;

	st->requests++;
	if (!req)
		return;
	topic = req->snapshot && req->snapshot->topic ? req->snapshot->topic : "";
	if (strcmp(topic, "slow") == 0) {
		st->held = bus_peer_dup(peer);
	} else {
		if (st->held) {
			/* The late answer to the held call goes out first. */
			rep.error = "late";
			bus_server_reply(srv, st->held, &rep.base);
			bus_peer_free(st->held);
			st->held = NULL;
		}
		if (strcmp(topic, "garbage") == 0) {
			CloneSnapshotRequest bad = CLONE_SNAPSHOT_REQUEST__INIT;

			bad.topic = "\x01\x02";
			bus_server_reply(srv, peer, &bad.base);
		} else {
			rep.has_status = 1;
			rep.status = 0;
			rep.error = (char *)topic;
			cr_assert_eq(bus_server_reply(srv, peer, &rep.base), 0);
		}
	}
	st->dropped = bus_server_dropped(srv);
	snapshot_only_request__free_unpacked(req, NULL);
}

static void on_stop(struct loop *loop, int fd, short revents, void *arg)
{
	loop_stop(loop);
}

static void *server_main(void *arg)
{
	struct srv_state *st = arg;
	struct loop *loop = loop_new();

	st->srv = bus_server_new(loop, st->zctx, st->endpoint, on_request, st);
	cr_assert_not_null(st->srv);
	loop_add_fd(loop, st->stop_pipe[0], POLLIN, on_stop, NULL);
	st->ready = 1;
	loop_run(loop);
	st->dropped = bus_server_dropped(st->srv);
	bus_server_free(st->srv);
	bus_peer_free(st->held);
	loop_free(loop);
	return NULL;
}

static char *dir;
static void *zctx;
static struct srv_state st;

static void setup(void)
{
	dir = tmpdir_new();
	zctx = zmq_ctx_new();
	memset(&st, 0, sizeof(st));
	st.zctx = zctx;
	/* A directory that does not exist yet: the server makes it. */
	snprintf(st.endpoint, sizeof(st.endpoint), "ipc://%s/run/test.ctl", dir);
}

static void teardown(void)
{
	zmq_ctx_term(zctx);
	tmpdir_free(dir);
}

static void start_server(void)
{
	uint64_t deadline = loop_now_us() + 5000000;

	cr_assert_eq(pipe(st.stop_pipe), 0);
	cr_assert_eq(pthread_create(&st.thread, NULL, server_main, &st), 0);
	while (!st.ready && loop_now_us() < deadline)
		sched_yield();
	cr_assert(st.ready);
}

static void stop_server(void)
{
	cr_assert_eq(write(st.stop_pipe[1], "x", 1), 1);
	pthread_join(st.thread, NULL);
	close(st.stop_pipe[0]);
	close(st.stop_pipe[1]);
}

TestSuite(bus, .init = setup, .fini = teardown, .timeout = 60);

static int call(struct bus_client *cli, const char *topic, int timeout_ms,
		SnapshotOnlyReply **out)
{
	CloneSnapshotRequest sreq = CLONE_SNAPSHOT_REQUEST__INIT;
	SnapshotOnlyRequest req = SNAPSHOT_ONLY_REQUEST__INIT;

	sreq.topic = (char *)topic;
	req.snapshot = &sreq;
	return bus_client_call(cli, &req.base, &snapshot_only_reply__descriptor, timeout_ms,
			       (ProtobufCMessage **)out);
}

Test(bus, call)
{
	struct bus_client *cli;
	SnapshotOnlyReply *rep;

	start_server();
	cli = bus_client_new(zctx, st.endpoint);
	cr_assert_not_null(cli);
	for (int i = 0; i < 3; i++) {
		char topic[16];

		snprintf(topic, sizeof(topic), "t%d", i);
		cr_assert_eq(call(cli, topic, 5000, &rep), 0);
		cr_assert_str_eq(rep->error, topic);
		snapshot_only_reply__free_unpacked(rep, NULL);
	}
	bus_client_free(cli);
	stop_server();
	cr_assert_eq(st.dropped, 0);
}

Test(bus, client_before_server)
{
	/* The client connects first; its call waits for the server. */
	struct bus_client *cli = bus_client_new(zctx, st.endpoint);
	SnapshotOnlyReply *rep = NULL;

	cr_assert_not_null(cli);
	start_server();
	cr_assert_eq(call(cli, "early", 5000, &rep), 0);
	cr_assert_str_eq(rep->error, "early");
	snapshot_only_reply__free_unpacked(rep, NULL);
	bus_client_free(cli);
	stop_server();
}

Test(bus, timeout_without_server)
{
	struct bus_client *cli = bus_client_new(zctx, st.endpoint);
	SnapshotOnlyReply *rep = (void *)1;
	uint64_t t0 = loop_now_us();

	cr_assert_eq(call(cli, "nobody", 100, &rep), -ETIMEDOUT);
	cr_assert_null(rep);
	cr_assert(loop_now_us() - t0 >= 100000);
	/* An upper bound only against a hang (a loaded machine may be slow). */
	cr_assert(loop_now_us() - t0 < 30000000);
	/* The timed-out request must not reach a server started later. */
	start_server();
	cr_assert_eq(call(cli, "later", 5000, &rep), 0);
	cr_assert_str_eq(rep->error, "later");
	snapshot_only_reply__free_unpacked(rep, NULL);
	bus_client_free(cli);
	stop_server();
	cr_assert_eq(st.requests, 1);
}

Test(bus, late_reply_discarded)
{
	struct bus_client *cli;
	SnapshotOnlyReply *rep = NULL;

	start_server();
	cli = bus_client_new(zctx, st.endpoint);
	cr_assert_eq(call(cli, "slow", 100, &rep), -ETIMEDOUT);
	/* The server answers the slow call just before this one. */
	cr_assert_eq(call(cli, "fast", 5000, &rep), 0);
	cr_assert_str_eq(rep->error, "fast");
	snapshot_only_reply__free_unpacked(rep, NULL);
	bus_client_free(cli);
	stop_server();
}

Test(bus, undecodable_reply)
{
	struct bus_client *cli;
	CloneUpdate *u = NULL;
	CloneSnapshotRequest sreq = CLONE_SNAPSHOT_REQUEST__INIT;
	SnapshotOnlyRequest req = SNAPSHOT_ONLY_REQUEST__INIT;

	start_server();
	cli = bus_client_new(zctx, st.endpoint);
	sreq.topic = "garbage";
	req.snapshot = &sreq;
	/* CloneUpdate has required fields the server's reply lacks. */
	cr_assert_eq(bus_client_call(cli, &req.base, &clone_update__descriptor, 5000,
				     (ProtobufCMessage **)&u), -EBADMSG);
	cr_assert_null(u);
	bus_client_free(cli);
	stop_server();
}

Test(bus, malformed_frames_counted)
{
	void *raw = zmq_socket(zctx, ZMQ_DEALER);
	struct bus_client *cli;
	SnapshotOnlyReply *rep = NULL;
	int zero = 0;

	start_server();
	zmq_setsockopt(raw, ZMQ_LINGER, &zero, sizeof(zero));
	cr_assert_eq(zmq_connect(raw, st.endpoint), 0);
	zmq_send(raw, "lonely", 6, 0);                  /* one frame */
	zmq_send(raw, "1234567", 7, ZMQ_SNDMORE);       /* 7-byte id */
	zmq_send(raw, "x", 1, 0);
	zmq_send(raw, "12345678", 8, ZMQ_SNDMORE);      /* three frames */
	zmq_send(raw, "x", 1, ZMQ_SNDMORE);
	zmq_send(raw, "y", 1, 0);
	{
		/* An oversize payload (> 4 MiB). */
		size_t big = 4u * 1024u * 1024u + 1u;
		char *buf = calloc(1, big);

		zmq_send(raw, "12345678", 8, ZMQ_SNDMORE);
		zmq_send(raw, buf, big, 0);
		free(buf);
	}
	/* Messages from one peer arrive in order, and a call on another
	 * connection is answered: wait until all four are counted. */
	cli = bus_client_new(zctx, st.endpoint);
	for (int i = 0; i < 500 && st.dropped < 4; i++) {
		cr_assert_eq(call(cli, "probe", 5000, &rep), 0);
		snapshot_only_reply__free_unpacked(rep, NULL);
	}
	cr_assert_eq(st.dropped, 4);
	cr_assert_eq(call(cli, "still-alive", 5000, &rep), 0);
	cr_assert_str_eq(rep->error, "still-alive");
	snapshot_only_reply__free_unpacked(rep, NULL);
	bus_client_free(cli);
	zmq_close(raw);
	stop_server();
}

/* Asynchronous use: server and attached client in one loop. */
struct async_state {
	int replies;
	char last[32];
};

static void on_async_request(struct bus_server *srv, const struct bus_peer *peer,
			     const uint8_t *data, size_t len, void *arg)
{
	SnapshotOnlyRequest *req = snapshot_only_request__unpack(NULL, len, data);
	SnapshotOnlyReply rep = SNAPSHOT_ONLY_REPLY__INIT;

	cr_assert_not_null(req);
	rep.error = req->snapshot->topic;
	bus_server_reply(srv, peer, &rep.base);
	snapshot_only_request__free_unpacked(req, NULL);
}

static void on_async_reply(struct bus_client *cli, const uint8_t *data, size_t len, void *arg)
{
	struct async_state *as = arg;
	SnapshotOnlyReply *rep = snapshot_only_reply__unpack(NULL, len, data);

	cr_assert_not_null(rep);
	as->replies++;
	snprintf(as->last, sizeof(as->last), "%s", rep->error);
	snapshot_only_reply__free_unpacked(rep, NULL);
}

static bool three_replies(void *arg)
{
	return ((struct async_state *)arg)->replies == 3;
}

Test(bus, async_attach)
{
	struct loop *loop = loop_new();
	struct bus_server *srv = bus_server_new(loop, zctx, st.endpoint, on_async_request, NULL);
	struct bus_client *cli = bus_client_new(zctx, st.endpoint);
	struct async_state as = { 0 };
	CloneSnapshotRequest sreq = CLONE_SNAPSHOT_REQUEST__INIT;
	SnapshotOnlyRequest req = SNAPSHOT_ONLY_REQUEST__INIT;
	SnapshotOnlyReply *rep;

	cr_assert_not_null(srv);
	cr_assert_eq(bus_client_attach(cli, loop, on_async_reply, &as), 0);
	cr_assert_eq(bus_client_attach(cli, loop, on_async_reply, &as), -EEXIST);
	/* Synchronous calls are refused on an attached client. */
	cr_assert_eq(call(cli, "x", 10, &rep), -EINVAL);
	req.snapshot = &sreq;
	for (int i = 0; i < 3; i++) {
		char topic[8];

		snprintf(topic, sizeof(topic), "a%d", i);
		sreq.topic = topic;
		cr_assert_eq(bus_client_send(cli, &req.base), 0);
	}
	cr_assert(run_until(loop, three_replies, &as, 5000));
	cr_assert_str_eq(as.last, "a2");
	bus_client_free(cli);
	bus_server_free(srv);
	loop_free(loop);
}

Test(bus, pack)
{
	CloneUpdate u = CLONE_UPDATE__INIT;
	CloneUpdate *back;
	uint8_t *buf;
	size_t len;

	u.epoch = 7;
	u.seq = 9;
	buf = bus_pack(&u.base, &len);
	back = clone_update__unpack(NULL, len, buf);
	cr_assert_not_null(back);
	cr_assert_eq(back->epoch, 7);
	cr_assert_eq(back->seq, 9);
	cr_assert(!back->has_state);
	clone_update__free_unpacked(back, NULL);
	free(buf);
}
