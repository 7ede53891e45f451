/*
 * test_ctl.c: ifmgrd's ctl socket (ifmgrd/ctl.c): get, snapshot, garbage.
 *
 * No configuration is applied, so ifmgrd only observes the kernel (it maps
 * "lo" and a netdev that does not exist) and changes nothing: no root needed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bus.h"
#include "ifmgrd.h"
#include "ifmgrd_rig.h"
#include "loop.h"
#include "testutil.h"

static const char *const names[] = { "LoopBack0", "GigabitEthernet0/1/0" };
static const char *const netdevs[] = { "lo", "nosuchnetdev0" };

static void setup(struct im_fixture *f)
{
	im_fixture_start(f, names, netdevs, 2);
}

static void teardown(struct im_fixture *f)
{
	im_fixture_stop(f);
}

static void answer(struct im_fixture *f, const ProtobufCMessage *req,
		   struct ifmgrd_ctl_reply *out)
{
	size_t len;
	uint8_t *buf = bus_pack(req, &len);

	ifmgrd_ctl_answer(f->im, buf, len, out);
	free(buf);
}

Test(ctl, get_all_and_by_name)
{
	struct im_fixture f;
	IfRequest req = IF_REQUEST__INIT;
	IfGetRequest get = IF_GET_REQUEST__INIT;
	struct ifmgrd_ctl_reply out;

	setup(&f);
	req.req_case = IF_REQUEST__REQ_GET;
	req.get = &get;
	answer(&f, &req.base, &out);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_not_null(out.reply.states);
	cr_assert_eq(out.reply.states->n_interface, 2);
	cr_assert_str_eq(out.reply.states->interface[0]->name, "LoopBack0");
	cr_assert_neq(out.reply.states->interface[0]->ifindex, 0, "lo always exists");
	cr_assert_eq(out.reply.states->interface[1]->ifindex, 0);
	cr_assert_str_eq(out.reply.states->interface[1]->primary_ipv4, "");
	ifmgrd_ctl_clear(&out);

	get.name = "gigabitethernet0/1/0";
	answer(&f, &req.base, &out);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_eq(out.reply.states->n_interface, 1);
	cr_assert_str_eq(out.reply.states->interface[0]->name, "GigabitEthernet0/1/0");
	cr_assert_str_eq(out.reply.states->interface[0]->netdev, "nosuchnetdev0");
	ifmgrd_ctl_clear(&out);

	get.name = "Vlanif10";
	answer(&f, &req.base, &out);
	cr_assert_eq(out.reply.status, -ENOENT);
	cr_assert_str_eq(out.reply.error, "no interface named Vlanif10");
	cr_assert_null(out.reply.states);
	ifmgrd_ctl_clear(&out);
	cr_assert_eq(ifmgrd_bad_requests(f.im), 0);
	teardown(&f);
}

Test(ctl, snapshot)
{
	struct im_fixture f;
	IfRequest req = IF_REQUEST__INIT;
	CloneSnapshotRequest snap = CLONE_SNAPSHOT_REQUEST__INIT;
	struct ifmgrd_ctl_reply out;
	IfStates *st;

	setup(&f);
	req.req_case = IF_REQUEST__REQ_SNAPSHOT;
	req.snapshot = &snap;
	answer(&f, &req.base, &out);
	cr_assert_eq(out.reply.status, 0);
	cr_assert_not_null(out.reply.snapshot);
	cr_assert_geq(out.reply.snapshot->seq, 1);
	cr_assert(out.reply.snapshot->has_state);
	st = if_states__unpack(NULL, out.reply.snapshot->state.len, out.reply.snapshot->state.data);
	cr_assert_not_null(st);
	cr_assert_eq(st->n_interface, 2);
	if_states__free_unpacked(st, NULL);
	ifmgrd_ctl_clear(&out);
	teardown(&f);
}

Test(ctl, garbage_is_answered_and_counted)
{
	struct im_fixture f;
	static const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	IfRequest empty = IF_REQUEST__INIT;
	struct ifmgrd_ctl_reply out;

	setup(&f);
	ifmgrd_ctl_answer(f.im, junk, sizeof(junk), &out);
	cr_assert_eq(out.reply.status, -EBADMSG);
	cr_assert_not_null(out.reply.error);
	ifmgrd_ctl_clear(&out);
	ifmgrd_ctl_answer(f.im, NULL, 0, &out);   /* an empty message is an empty request */
	cr_assert_eq(out.reply.status, -EINVAL);
	ifmgrd_ctl_clear(&out);
	answer(&f, &empty.base, &out);
	cr_assert_eq(out.reply.status, -EINVAL);
	ifmgrd_ctl_clear(&out);
	cr_assert_eq(ifmgrd_bad_requests(f.im), 3);
	teardown(&f);
}

/* Over the real socket: a client thread (its own sockets, the shared
 * context) sends a malformed frame sequence, garbage, then a get, while
 * the main thread runs ifmgrd's loop. */
struct client {
	struct im_fixture *f;
	atomic_bool done;
	int garbage_status;
	int get_status;
	size_t n_interface;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	char ep[512];
	void *raw;
	int linger = 0, tmo = 5000;
	uint8_t id[8] = { 1 }, buf[256];
	static const uint8_t junk[] = { 0xff, 0xff, 0xff };
	struct bus_client *cli;
	IfRequest req = IF_REQUEST__INIT;
	IfGetRequest get = IF_GET_REQUEST__INIT;
	ProtobufCMessage *rep = NULL;

	bootstrap_endpoint(&c->f->bs, "ifmgrd", "ctl", ep, sizeof(ep));
	raw = zmq_socket(c->f->zctx, ZMQ_DEALER);
	zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof(linger));
	zmq_setsockopt(raw, ZMQ_RCVTIMEO, &tmo, sizeof(tmo));
	zmq_connect(raw, ep);
	zmq_send(raw, "x", 1, 0);                  /* one frame: malformed, dropped */
	zmq_send(raw, id, sizeof(id), ZMQ_SNDMORE);
	zmq_send(raw, junk, sizeof(junk), 0);      /* undecodable: error reply */
	c->garbage_status = 1;
	if (zmq_recv(raw, buf, sizeof(buf), 0) == sizeof(id)) {
		int more;
		size_t ml = sizeof(more);
		int n;

		zmq_getsockopt(raw, ZMQ_RCVMORE, &more, &ml);
		n = more ? zmq_recv(raw, buf, sizeof(buf), 0) : -1;
		if (n >= 0) {
			IfReply *r = if_reply__unpack(NULL, (size_t)n, buf);

			if (r) {
				c->garbage_status = r->status;
				if_reply__free_unpacked(r, NULL);
			}
		}
	}
	zmq_close(raw);

	cli = bus_client_new(c->f->zctx, ep);
	req.req_case = IF_REQUEST__REQ_GET;
	req.get = &get;
	c->get_status = bus_client_call(cli, &req.base, &if_reply__descriptor, 5000, &rep);
	if (c->get_status == 0) {
		IfReply *r = (IfReply *)rep;

		c->get_status = r->status;
		c->n_interface = r->states ? r->states->n_interface : 0;
		protobuf_c_message_free_unpacked(rep, NULL);
	}
	bus_client_free(cli);
	atomic_store(&c->done, true);
	return NULL;
}

static bool client_done(void *arg)
{
	struct client *c = arg;

	return atomic_load(&c->done);
}

Test(ctl, over_the_socket)
{
	struct im_fixture f;
	struct client c = { .f = &f };
	pthread_t th;

	setup(&f);
	atomic_init(&c.done, false);
	cr_assert_eq(pthread_create(&th, NULL, client_main, &c), 0);
	cr_assert(run_until(f.loop, client_done, &c, 10000), "client did not finish");
	pthread_join(th, NULL);
	cr_assert_eq(c.garbage_status, -EBADMSG);
	cr_assert_eq(c.get_status, 0);
	cr_assert_eq(c.n_interface, 2);
	cr_assert_geq(ifmgrd_bad_requests(f.im), 1);
	teardown(&f);
}
