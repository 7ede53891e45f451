/*
 * bus.c: protobuf-c requests and replies over ZeroMQ ROUTER/DEALER.
 *
 * Frames: a client sends [id][payload]; the server's ROUTER sees
 * [identity][id][payload] and answers [identity][id][reply].  The id is
 * exactly 8 bytes (the client's per-client counter, big-endian), echoed
 * untouched by the server; payloads are limited to BUS_MAX_PAYLOAD.  Frame
 * sequences of another shape are drained, dropped and counted.
 *
 * Clients leave ZMQ_IMMEDIATE off (unless asked), so a request sent before
 * the server binds waits in the DEALER's queue.  A synchronous call that
 * times out closes and reconnects its socket, so its queued request cannot
 * reach a server that starts later and its late reply can never be mistaken
 * for another call's (ids are checked as well).
 *
 * Callbacks may free the server or client they were called for: the free is
 * deferred until the callback returns.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bus.h"
#include "log.h"
#include "loop.h"

#define BUS_ID_LEN 8
#define BUS_MAX_PAYLOAD (4u * 1024u * 1024u)
#define BUS_MAX_IDENTITY 255
#define BUS_CLIENT_SNDHWM 1000

struct bus_peer {
	size_t identity_len;
	uint8_t identity[BUS_MAX_IDENTITY];
	uint8_t id[BUS_ID_LEN];
};

struct bus_server {
	struct loop *loop;
	void *zsock;
	char *ipc_path;
	bus_request_cb cb;
	void *arg;
	uint64_t dropped;
	int in_cb;
	bool free_pending;
};

struct bus_client {
	void *zctx;
	char *endpoint;
	void *zsock;
	uint64_t next_id;
	bool immediate;
	struct loop *loop;
	uint64_t reply_id;        /* of the reply being delivered */
	void *monitor;            /* PAIR reading the DEALER's socket monitor */
	bus_disconnect_cb on_disconnect;
	void *disconnect_arg;
	bus_reply_cb cb;
	void *arg;
	uint64_t dropped;
	int in_cb;
	bool free_pending;
};

uint8_t *bus_pack(const ProtobufCMessage *msg, size_t *len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *buf = xmalloc(n ? n : 1);

	*len = protobuf_c_message_pack(msg, buf);
	return buf;
}

/* Make the directory of an ipc:// endpoint (mkdir -p, 0755) and remove a
 * stale socket file.  Returns the malloc'd filesystem path, or NULL for other
 * transports. */
static char *ipc_prepare(const char *endpoint)
{
	char *path, *p;

	if (strncmp(endpoint, "ipc://", 6) != 0 || endpoint[6] == '@')
		return NULL;
	path = xstrdup(endpoint + 6);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			log_debug("bus: mkdir %s: %s", path, strerror(errno));
		*p = '/';
	}
	if (unlink(path) == 0)
		log_debug("bus: removed stale %s", path);
	return path;
}

/* Receive one whole multipart message: the first `max` frames into msgs
 * (initialised here; caller closes *nkept of them), the count of all frames
 * in *nframes.  0, or -errno (-EAGAIN when nothing is waiting). */
static int recv_multipart(void *zsock, zmq_msg_t *msgs, int max, int *nkept, int *nframes)
{
	int more = 1, n = 0, kept = 0;

	loop_zsock_used();
	while (more) {
		zmq_msg_t m;

		zmq_msg_init(&m);
		if (zmq_msg_recv(&m, zsock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
			int e = errno;

			zmq_msg_close(&m);
			for (int i = 0; i < kept; i++)
				zmq_msg_close(&msgs[i]);
			*nkept = 0;
			return -e;
		}
		more = zmq_msg_more(&m);
		if (kept < max)
			msgs[kept++] = m;
		else
			zmq_msg_close(&m);
		n++;
	}
	*nkept = kept;
	*nframes = n;
	return 0;
}

/* --- server ------------------------------------------------------------- */

static void server_readable(struct loop *loop, void *zsock, void *arg)
{
	struct bus_server *srv = arg;

	srv->in_cb++;
	while (!srv->free_pending) {
		zmq_msg_t f[3];
		int kept, n, r;

		r = recv_multipart(zsock, f, 3, &kept, &n);
		if (r < 0) {
			if (r != -EAGAIN && r != -EINTR)
				log_debug("bus: server recv: %s", zmq_strerror(-r));
			break;
		}
		if (n != 3 || zmq_msg_size(&f[0]) == 0 ||
		    zmq_msg_size(&f[0]) > BUS_MAX_IDENTITY ||
		    zmq_msg_size(&f[1]) != BUS_ID_LEN || zmq_msg_size(&f[2]) > BUS_MAX_PAYLOAD) {
			srv->dropped++;
			log_debug("bus: dropped malformed request (%d frames)", n);
		} else {
			struct bus_peer peer;

			peer.identity_len = zmq_msg_size(&f[0]);
			memcpy(peer.identity, zmq_msg_data(&f[0]), peer.identity_len);
			memcpy(peer.id, zmq_msg_data(&f[1]), BUS_ID_LEN);
			srv->cb(srv, &peer, zmq_msg_data(&f[2]), zmq_msg_size(&f[2]), srv->arg);
		}
		for (int i = 0; i < kept; i++)
			zmq_msg_close(&f[i]);
	}
	srv->in_cb--;
	if (srv->free_pending && srv->in_cb == 0) {
		srv->free_pending = false;
		bus_server_free(srv);
	}
}

struct bus_server *bus_server_new(struct loop *loop, void *zctx, const char *endpoint,
				  bus_request_cb cb, void *arg)
{
	struct bus_server *srv;
	int zero = 0, one = 1, r;

	if (!loop || !zctx || !endpoint || !cb) {
		errno = EINVAL;
		return NULL;
	}
	srv = xcalloc(1, sizeof(*srv));
	srv->loop = loop;
	srv->cb = cb;
	srv->arg = arg;
	srv->zsock = zmq_socket(zctx, ZMQ_ROUTER);
	if (!srv->zsock)
		goto fail;
	zmq_setsockopt(srv->zsock, ZMQ_LINGER, &zero, sizeof(zero));
	/* Replies to a vanished peer fail with EHOSTUNREACH instead of vanishing. */
	zmq_setsockopt(srv->zsock, ZMQ_ROUTER_MANDATORY, &one, sizeof(one));
	srv->ipc_path = ipc_prepare(endpoint);
	if (zmq_bind(srv->zsock, endpoint) < 0)
		goto fail;
	r = loop_add_zsock(loop, srv->zsock, server_readable, srv);
	if (r < 0) {
		errno = -r;
		goto fail;
	}
	return srv;
fail: {
		int e = errno;

		if (srv->zsock)
			zmq_close(srv->zsock);
		free(srv->ipc_path);
		free(srv);
		errno = e;
		return NULL;
	}
}

void bus_server_free(struct bus_server *srv)
{
	if (!srv)
		return;
	if (srv->in_cb) {
		srv->free_pending = true;
		return;
	}
	loop_del_zsock(srv->loop, srv->zsock);
	/* libzmq removes the ipc file it created when the socket closes. */
	zmq_close(srv->zsock);
	free(srv->ipc_path);
	free(srv);
}

int bus_server_reply(struct bus_server *srv, const struct bus_peer *peer,
		     const ProtobufCMessage *reply)
{
	size_t len;
	uint8_t *buf;
	int r = 0;

	if (!srv || !peer || !reply)
		return -EINVAL;
	buf = bus_pack(reply, &len);
	loop_zsock_used();
	if (zmq_send(srv->zsock, peer->identity, peer->identity_len,
		     ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(srv->zsock, peer->id, BUS_ID_LEN, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
	    zmq_send(srv->zsock, buf, len, ZMQ_DONTWAIT) < 0)
		r = -errno;
	free(buf);
	return r;
}

struct bus_peer *bus_peer_dup(const struct bus_peer *peer)
{
	struct bus_peer *p = xmalloc(sizeof(*p));

	memcpy(p, peer, sizeof(*p));
	return p;
}

void bus_peer_free(struct bus_peer *peer)
{
	free(peer);
}

uint64_t bus_server_dropped(const struct bus_server *srv)
{
	return srv ? srv->dropped : 0;
}

/* --- client ------------------------------------------------------------- */

static void *client_socket(struct bus_client *cli)
{
	void *s = zmq_socket(cli->zctx, ZMQ_DEALER);
	int zero = 0, hwm = BUS_CLIENT_SNDHWM, imm = cli->immediate;

	if (!s)
		return NULL;
	zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof(zero));
	zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof(hwm));
	zmq_setsockopt(s, ZMQ_IMMEDIATE, &imm, sizeof(imm));
	if (zmq_connect(s, cli->endpoint) < 0) {
		int e = errno;

		zmq_close(s);
		errno = e;
		return NULL;
	}
	return s;
}

struct bus_client *bus_client_new(void *zctx, const char *endpoint)
{
	struct bus_client *cli;

	if (!zctx || !endpoint) {
		errno = EINVAL;
		return NULL;
	}
	cli = xcalloc(1, sizeof(*cli));
	cli->zctx = zctx;
	cli->endpoint = xstrdup(endpoint);
	cli->next_id = 1;
	cli->zsock = client_socket(cli);
	if (!cli->zsock) {
		int e = errno;

		free(cli->endpoint);
		free(cli);
		errno = e;
		return NULL;
	}
	return cli;
}

void bus_client_free(struct bus_client *cli)
{
	if (!cli)
		return;
	if (cli->in_cb) {
		cli->free_pending = true;
		return;
	}
	if (cli->loop)
		loop_del_zsock(cli->loop, cli->zsock);
	if (cli->monitor) {
		loop_del_zsock(cli->loop, cli->monitor);
		zmq_socket_monitor(cli->zsock, NULL, 0);
		zmq_close(cli->monitor);
	}
	if (cli->zsock)
		zmq_close(cli->zsock);
	free(cli->endpoint);
	free(cli);
}

int bus_client_set_immediate(struct bus_client *cli, int on)
{
	int v = !!on;

	cli->immediate = v;
	if (zmq_setsockopt(cli->zsock, ZMQ_IMMEDIATE, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

static void put_id(uint8_t *out, uint64_t id)
{
	for (int i = BUS_ID_LEN - 1; i >= 0; i--) {
		out[i] = (uint8_t)id;
		id >>= 8;
	}
}

/* Send [id][payload] with the client's next id; flags as zmq_send. */
static int client_send(struct bus_client *cli, const ProtobufCMessage *req, int flags,
		       uint8_t idbuf[BUS_ID_LEN])
{
	size_t len;
	uint8_t *buf;
	int r = 0;

	put_id(idbuf, cli->next_id++);
	buf = bus_pack(req, &len);
	loop_zsock_used();
	if (zmq_send(cli->zsock, idbuf, BUS_ID_LEN, ZMQ_SNDMORE | flags) < 0)
		r = -errno;
	else if (zmq_send(cli->zsock, buf, len, flags) < 0)
		r = -errno; /* not reached in practice: the first frame decides */
	free(buf);
	return r;
}

int bus_client_send(struct bus_client *cli, const ProtobufCMessage *req)
{
	uint8_t id[BUS_ID_LEN];

	if (!cli || !req)
		return -EINVAL;
	return client_send(cli, req, ZMQ_DONTWAIT, id);
}

static uint64_t get_id(const uint8_t *in)
{
	uint64_t id = 0;

	for (int i = 0; i < BUS_ID_LEN; i++)
		id = id << 8 | in[i];
	return id;
}

int bus_client_send_id(struct bus_client *cli, const ProtobufCMessage *req, uint64_t *id)
{
	uint8_t idbuf[BUS_ID_LEN];
	int r;

	if (!cli || !req || !id)
		return -EINVAL;
	r = client_send(cli, req, ZMQ_DONTWAIT, idbuf);
	if (r < 0) {
		cli->next_id--; /* the id was not used */
		return r;
	}
	*id = get_id(idbuf);
	return 0;
}

uint64_t bus_client_reply_id(const struct bus_client *cli)
{
	return cli->reply_id;
}

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = loop_now_us();

	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999) / 1000);
}

/* After a timeout: drop whatever is queued (LINGER 0) and reconnect. */
static void client_reset(struct bus_client *cli)
{
	void *s = client_socket(cli);

	if (!s)
		return; /* keep the old socket; ids still protect us */
	zmq_close(cli->zsock);
	cli->zsock = s;
}

int bus_client_call(struct bus_client *cli, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *reply_desc, int timeout_ms,
		    ProtobufCMessage **reply)
{
	uint8_t id[BUS_ID_LEN];
	uint64_t deadline;
	int r;

	if (!cli || !req || !reply_desc || !reply || cli->loop)
		return -EINVAL;
	*reply = NULL;
	if (timeout_ms < 0)
		timeout_ms = 0;
	deadline = loop_now_us() + (uint64_t)timeout_ms * 1000u;

	/* Wait for room in the queue, then send. */
	for (;;) {
		zmq_pollitem_t it = { .socket = cli->zsock, .events = ZMQ_POLLOUT };

		r = client_send(cli, req, ZMQ_DONTWAIT, id);
		if (r == 0)
			break;
		cli->next_id--; /* the id was not used */
		if (r != -EAGAIN && r != -EINTR)
			return r;
		if (remaining_ms(deadline) == 0) {
			client_reset(cli);
			return -ETIMEDOUT;
		}
		if (zmq_poll(&it, 1, remaining_ms(deadline)) < 0 && errno != EINTR)
			return -errno;
	}

	for (;;) {
		zmq_pollitem_t it = { .socket = cli->zsock, .events = ZMQ_POLLIN };
		zmq_msg_t f[2];
		int kept, n, left = remaining_ms(deadline);

		if (left == 0)
			break;
		r = zmq_poll(&it, 1, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			continue;
		while (recv_multipart(cli->zsock, f, 2, &kept, &n) == 0) {
			bool match = n == 2 && zmq_msg_size(&f[0]) == BUS_ID_LEN &&
				     memcmp(zmq_msg_data(&f[0]), id, BUS_ID_LEN) == 0 &&
				     zmq_msg_size(&f[1]) <= BUS_MAX_PAYLOAD;

			if (match) {
				*reply = protobuf_c_message_unpack(reply_desc, NULL,
								   zmq_msg_size(&f[1]),
								   zmq_msg_data(&f[1]));
				for (int i = 0; i < kept; i++)
					zmq_msg_close(&f[i]);
				return *reply ? 0 : -EBADMSG;
			}
			cli->dropped++;
			log_debug("bus: discarded a late or malformed reply");
			for (int i = 0; i < kept; i++)
				zmq_msg_close(&f[i]);
		}
	}
	client_reset(cli);
	return -ETIMEDOUT;
}

static void client_readable(struct loop *loop, void *zsock, void *arg)
{
	struct bus_client *cli = arg;

	cli->in_cb++;
	while (!cli->free_pending && cli->loop) {
		zmq_msg_t f[2];
		int kept, n;

		if (recv_multipart(zsock, f, 2, &kept, &n) < 0)
			break;
		if (n == 2 && zmq_msg_size(&f[0]) == BUS_ID_LEN &&
		    zmq_msg_size(&f[1]) <= BUS_MAX_PAYLOAD) {
			cli->reply_id = get_id(zmq_msg_data(&f[0]));
			if (cli->cb)
				cli->cb(cli, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), cli->arg);
		} else {
			cli->dropped++;
			log_debug("bus: client dropped a malformed reply (%d frames)", n);
		}
		for (int i = 0; i < kept; i++)
			zmq_msg_close(&f[i]);
	}
	cli->in_cb--;
	if (cli->free_pending && cli->in_cb == 0) {
		cli->free_pending = false;
		bus_client_free(cli);
	}
}

int bus_client_attach(struct bus_client *cli, struct loop *loop, bus_reply_cb cb, void *arg)
{
	int r;

	if (!cli || !loop)
		return -EINVAL;
	if (cli->loop)
		return -EEXIST;
	r = loop_add_zsock(loop, cli->zsock, client_readable, cli);
	if (r < 0)
		return r;
	cli->loop = loop;
	cli->cb = cb;
	cli->arg = arg;
	return 0;
}

/* Monitor events: [16-bit event, 32-bit value][endpoint]. */
static void client_monitor_readable(struct loop *loop, void *zsock, void *arg)
{
	struct bus_client *cli = arg;
	bool dropped = false;

	for (;;) {
		zmq_msg_t f[2];
		int kept, n;

		if (recv_multipart(zsock, f, 2, &kept, &n) < 0)
			break;
		if (n >= 1 && zmq_msg_size(&f[0]) >= 2) {
			const uint8_t *d = zmq_msg_data(&f[0]);
			uint16_t ev;

			memcpy(&ev, d, sizeof(ev));
			if (ev == ZMQ_EVENT_DISCONNECTED)
				dropped = true;
		}
		for (int i = 0; i < kept; i++)
			zmq_msg_close(&f[i]);
	}
	if (dropped && cli->on_disconnect) {
		cli->in_cb++;
		cli->on_disconnect(cli, cli->disconnect_arg);
		cli->in_cb--;
		if (cli->free_pending && cli->in_cb == 0) {
			cli->free_pending = false;
			bus_client_free(cli);
		}
	}
}

int bus_client_on_disconnect(struct bus_client *cli, bus_disconnect_cb cb, void *arg)
{
	static unsigned n_monitors;
	char ep[64];
	int r;

	if (!cli || !cli->loop || cli->monitor)
		return -EINVAL;
	snprintf(ep, sizeof(ep), "inproc://bus-monitor-%d-%u", (int)getpid(), n_monitors++);
	if (zmq_socket_monitor(cli->zsock, ep, ZMQ_EVENT_DISCONNECTED) < 0)
		return -errno;
	cli->monitor = zmq_socket(cli->zctx, ZMQ_PAIR);
	if (!cli->monitor || zmq_connect(cli->monitor, ep) < 0) {
		r = -errno;
		if (cli->monitor)
			zmq_close(cli->monitor);
		cli->monitor = NULL;
		zmq_socket_monitor(cli->zsock, NULL, 0);
		return r;
	}
	r = loop_add_zsock(cli->loop, cli->monitor, client_monitor_readable, cli);
	if (r < 0) {
		zmq_close(cli->monitor);
		cli->monitor = NULL;
		zmq_socket_monitor(cli->zsock, NULL, 0);
		return r;
	}
	cli->on_disconnect = cb;
	cli->disconnect_arg = arg;
	return 0;
}

uint64_t bus_client_dropped(const struct bus_client *cli)
{
	return cli ? cli->dropped : 0;
}
