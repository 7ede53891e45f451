/*
 * ifmgrd_rig.c: the bootstrap, subscriber and ifmgrd rig of ifmgrd_rig.h,
 * written once.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <criterion/criterion.h>
#include <zmq.h>

#include "clone.h"
#include "ifmgrd.h"
#include "ifmgrd_rig.h"
#include "log.h"
#include "loop.h"

void test_bootstrap(struct bootstrap *bs, const char *const *names,
		    const char *const *netdevs, size_t n)
{
	char tmpl[] = "/tmp/ifmgrd-test-XXXXXX";

	bootstrap_defaults(bs);
	cr_assert_not_null(mkdtemp(tmpl));
	free(bs->run_dir);
	bs->run_dir = xstrdup(tmpl);
	bs->interfaces = xcalloc(n ? n : 1, sizeof(*bs->interfaces));
	for (size_t i = 0; i < n; i++) {
		bs->interfaces[i].name = xstrdup(names[i]);
		bs->interfaces[i].netdev = xstrdup(netdevs[i]);
	}
	bs->n_interfaces = n;
}

void test_bootstrap_free(struct bootstrap *bs)
{
	DIR *d = opendir(bs->run_dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", bs->run_dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(bs->run_dir);
	bootstrap_free(bs);
}

static void test_sub_apply(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct test_sub *ts = arg;
	IfStates *st = if_states__unpack(NULL, len, state);

	(void)seq;
	cr_assert_not_null(st, "ifmgrd published undecodable IfStates");
	if (ts->latest)
		if_states__free_unpacked(ts->latest, NULL);
	ts->latest = st;
	ts->updates++;
}

void test_sub_start(struct test_sub *ts, struct loop *loop, void *zctx,
		    const struct bootstrap *bs)
{
	char pub[512], ctl[512];

	memset(ts, 0, sizeof(*ts));
	cr_assert_eq(bootstrap_endpoint(bs, "ifmgrd", "pub", pub, sizeof(pub)), 0);
	cr_assert_eq(bootstrap_endpoint(bs, "ifmgrd", "ctl", ctl, sizeof(ctl)), 0);
	ts->sub = clone_sub_new(loop, zctx, pub, ctl, "if", CLONE_HEARTBEAT_MS, test_sub_apply, ts);
	cr_assert_not_null(ts->sub);
}

void test_sub_stop(struct test_sub *ts)
{
	clone_sub_free(ts->sub);
	if (ts->latest)
		if_states__free_unpacked(ts->latest, NULL);
	memset(ts, 0, sizeof(*ts));
}

const IfState *test_sub_find(const struct test_sub *ts, const char *name)
{
	for (size_t i = 0; ts->latest && i < ts->latest->n_interface; i++)
		if (strcasecmp(ts->latest->interface[i]->name, name) == 0)
			return ts->latest->interface[i];
	return NULL;
}

struct nlmsghdr *nl_addr_msg(char *buf, uint16_t type, int family, unsigned plen,
			     unsigned ifindex, struct ifaddrmsg **ifa)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *a;

	nlh->nlmsg_type = type;
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	a->ifa_family = (unsigned char)family;
	a->ifa_prefixlen = (unsigned char)plen;
	a->ifa_index = ifindex;
	if (ifa)
		*ifa = a;
	return nlh;
}

void nl_rig_start(struct nl_rig *r, const char *const *names, const char *const *netdevs,
		  size_t n)
{
	char err[1024];

	test_bootstrap(&r->bs, names, netdevs, n);
	r->loop = loop_new();
	r->zctx = zmq_ctx_new();
	r->im = ifmgrd_new(r->loop, r->zctx, &r->bs, err, sizeof(err));
	cr_assert_not_null(r->im, "ifmgrd_new: %s", err);
	test_sub_start(&r->ts, r->loop, r->zctx, &r->bs);
}

void nl_rig_stop(struct nl_rig *r)
{
	test_sub_stop(&r->ts);
	ifmgrd_free(r->im);
	zmq_ctx_term(r->zctx);
	loop_free(r->loop);
	test_bootstrap_free(&r->bs);
}

void im_fixture_start(struct im_fixture *f, const char *const *names,
		      const char *const *netdevs, size_t n)
{
	char err[1024];

	test_bootstrap(&f->bs, names, netdevs, n);
	f->loop = loop_new();
	f->zctx = zmq_ctx_new();
	f->im = ifmgrd_new(f->loop, f->zctx, &f->bs, err, sizeof(err));
	cr_assert_not_null(f->im, "ifmgrd_new: %s", err);
}

void im_fixture_stop(struct im_fixture *f)
{
	ifmgrd_free(f->im);
	zmq_ctx_term(f->zctx);
	loop_free(f->loop);
	test_bootstrap_free(&f->bs);
}
