/*
 * bus.h: protobuf-c messages over ZeroMQ request sockets.
 *
 * A server binds a ROUTER on ipc://RUN_DIR/<daemon>.ctl; clients connect a
 * DEALER.  A request is two frames from the client, [id (8 bytes)][message];
 * the server sees [identity][id][message] and answers [identity][id][reply].
 * The id lets a client discard a late reply to a call that timed out.
 * Malformed frame sequences are dropped and counted, never fatal.
 * Decoding the message is the owner's job (with its descriptor), defensively.
 */
#ifndef MERIDIAN_BUS_H
#define MERIDIAN_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

struct loop;
struct bus_server;
struct bus_peer;   /* who asked, and which request: copy it to answer later */

typedef void (*bus_request_cb)(struct bus_server *srv, const struct bus_peer *peer,
			       const uint8_t *data, size_t len, void *arg);

/* Bind a ROUTER at endpoint (removing a stale ipc file) and serve it in loop.
 * NULL with errno set on failure. */
struct bus_server *bus_server_new(struct loop *loop, void *zctx, const char *endpoint,
				  bus_request_cb cb, void *arg);
void bus_server_free(struct bus_server *srv);
/* Answer one request (now or later).  0 or -errno. */
int bus_server_reply(struct bus_server *srv, const struct bus_peer *peer,
		     const ProtobufCMessage *reply);
struct bus_peer *bus_peer_dup(const struct bus_peer *peer);
void bus_peer_free(struct bus_peer *peer);
/* Frame sequences dropped as malformed so far. */
uint64_t bus_server_dropped(const struct bus_server *srv);

struct bus_client;
typedef void (*bus_reply_cb)(struct bus_client *cli, const uint8_t *data, size_t len, void *arg);

/* Connect a DEALER to endpoint (the server need not exist yet). NULL on error. */
struct bus_client *bus_client_new(void *zctx, const char *endpoint);
void bus_client_free(struct bus_client *cli);

/* Synchronous call: send req, wait up to timeout_ms for its reply and unpack
 * it with reply_desc.  0 with *reply owned by the caller
 * (protobuf_c_message_free_unpacked), -ETIMEDOUT, -EBADMSG (undecodable),
 * or -errno.  Not for use while the client is attached to a loop. */
int bus_client_call(struct bus_client *cli, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *reply_desc, int timeout_ms,
		    ProtobufCMessage **reply);

/* Asynchronous use: replies are delivered to cb from the loop. */
int bus_client_attach(struct bus_client *cli, struct loop *loop, bus_reply_cb cb, void *arg);
/* Send without waiting (replies, if any, go to the attached callback or are
 * discarded).  0 or -errno (-EAGAIN when the queue is full). */
int bus_client_send(struct bus_client *cli, const ProtobufCMessage *req);
/* The same, telling the request's id (*id), which the reply carries: see
 * bus_client_reply_id(). */
int bus_client_send_id(struct bus_client *cli, const ProtobufCMessage *req, uint64_t *id);
/* Inside the reply callback: the id of the request being answered. */
uint64_t bus_client_reply_id(const struct bus_client *cli);
/* Call cb from the loop each time an established connection of an attached
 * client drops (the server died or closed it), through a ZeroMQ socket
 * monitor.  Requests queued for that connection are lost: the owner fails
 * the calls waiting on them.  0 or -errno. */
typedef void (*bus_disconnect_cb)(struct bus_client *cli, void *arg);
int bus_client_on_disconnect(struct bus_client *cli, bus_disconnect_cb cb, void *arg);

/* Set ZMQ_IMMEDIATE on the client's socket: with it on, sends fail with
 * -EAGAIN instead of queueing while the server is not connected (for
 * periodic messages that must not pile up).  0 or -errno. */
int bus_client_set_immediate(struct bus_client *cli, int on);
/* Replies dropped as malformed or late so far. */
uint64_t bus_client_dropped(const struct bus_client *cli);

/* Pack msg into a malloc'd buffer; caller frees. */
uint8_t *bus_pack(const ProtobufCMessage *msg, size_t *len);

#endif
