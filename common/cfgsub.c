/*
 * cfgsub.c: a daemon's subscription to cfgd's running configuration.
 *
 * A clone_sub on cfgd's "cfg" topic (pub and ctl endpoints from the
 * bootstrap file) delivers a snapshot (a packed Config) and then each
 * commit's ConfigDelta (the nodes it changed, proto/cfgd.proto).  cfgsub
 * keeps running as an indexed tree (cfgtree.h) and applies each delta to
 * it; a commit that changes none of the subtrees the daemon consumes is
 * acknowledged without disturbing the daemon, and otherwise the Config
 * handed to the apply callback is rebuilt only in the top-level fields the
 * commit changed (the others are kept from the last apply), and holds only
 * the top-level fields the daemon consumes (the others are empty), so a
 * subscriber's work per commit follows the size of what it consumes that
 * changed.  A delta that does not apply (it names a node whose parent this
 * copy lacks) makes the clone layer take a fresh snapshot.
 *
 * Fields read by path (cfgsub_set_by_path) are not rebuilt at all: the
 * delta's node paths that fall in the consumed subtrees are kept as the
 * commit's change list (each marked removed or not by looking it up once
 * the whole delta is in the tree) and the daemon reads what it needs from
 * the tree, so its work follows the number of objects changed.  After a
 * snapshot they are handed whole, then cleared from the kept Config (the
 * tree holds them).  Then cfgd is told with
 * CfgRequest{applied = Applied{daemon, commit_id, subtree[], error[]}} on a
 * separate DEALER to cfgd.ctl.  After the first apply the last Applied is
 * repeated every CLONE_HEARTBEAT_MS, which is how cfgd knows who is
 * connected.  That DEALER has ZMQ_IMMEDIATE on, so heartbeats do not pile up
 * while cfgd is away; its replies are read and ignored.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd.pb-c.h"
#include "cfgsub.h"
#include "cfgtree.h"
#include "clone.h"
#include "log.h"
#include "loop.h"
#include "pbreflect.h"

#define CFGSUB_MAX_ERRS 32

struct cfgsub {
	struct loop *loop;
	struct clone_sub *sub;
	struct bus_client *ctl;
	char *daemon;
	char **subtrees;
	size_t n_subtrees;
	char **by_path;            /* consumed fields read by path */
	size_t n_by_path;
	struct cfgsub_change *changes;  /* the delta being applied, consumed nodes */
	size_t n_changes, cap_changes;
	struct ct_node *tree;      /* running as this copy has it */
	const char *changed[32];   /* fields changed by the delta being applied */
	size_t n_changed;
	bool all_changed;          /* a snapshot is being applied */
	Config *cfg;               /* what the daemon was last given, or NULL */
	cfgsub_apply_cb apply;
	void *arg;
	uint64_t commit_id;
	char *errs[CFGSUB_MAX_ERRS];
	size_t n_errs;
	bool applied_once;
	uint64_t hb_timer;
};

static void free_errs(struct cfgsub *cs)
{
	for (size_t i = 0; i < cs->n_errs; i++)
		free(cs->errs[i]);
	cs->n_errs = 0;
}

static void send_applied(struct cfgsub *cs)
{
	CfgRequest req = CFG_REQUEST__INIT;
	Applied a = APPLIED__INIT;
	int r;

	a.daemon = cs->daemon;
	a.commit_id = cs->commit_id;
	a.n_subtree = cs->n_subtrees;
	a.subtree = cs->subtrees;
	a.n_error = cs->n_errs;
	a.error = cs->errs;
	req.req_case = CFG_REQUEST__REQ_APPLIED;
	req.applied = &a;
	r = bus_client_send(cs->ctl, &req.base);
	if (r < 0)
		log_debug("cfgsub: Applied %llu not sent: %s", (unsigned long long)cs->commit_id,
			  strerror(-r));
}

/* Hand cs->cfg to the daemon and tell cfgd. */
static void apply_now(struct cfgsub *cs, uint64_t seq)
{
	char *errs[CFGSUB_MAX_ERRS] = { 0 };
	int n = cs->apply(cs->cfg, seq, errs, CFGSUB_MAX_ERRS, cs->arg);

	free_errs(cs);
	if (n > CFGSUB_MAX_ERRS)
		n = CFGSUB_MAX_ERRS;
	for (int i = 0; i < CFGSUB_MAX_ERRS; i++) {
		if (i < n && errs[i])
			cs->errs[cs->n_errs++] = errs[i];
		else
			free(errs[i]); /* written beyond the count returned */
	}
	cs->commit_id = seq;
	cs->applied_once = true;
	send_applied(cs);
}

static bool in_names(char *const *names, size_t n, const char *top)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], top) == 0)
			return true;
	return false;
}

static bool consumes(const struct cfgsub *cs, const char *top)
{
	return in_names(cs->subtrees, cs->n_subtrees, top);
}

static bool by_path(const struct cfgsub *cs, const char *top)
{
	return in_names(cs->by_path, cs->n_by_path, top);
}

static void changes_clear(struct cfgsub *cs)
{
	for (size_t i = 0; i < cs->n_changes; i++) {
		for (size_t k = 0; k < cs->changes[i].n_path; k++)
			free(cs->changes[i].path[k]);
		free(cs->changes[i].path);
	}
	cs->n_changes = 0;
}

static void change_add(struct cfgsub *cs, char *const *path, size_t n)
{
	struct cfgsub_change *c;

	if (cs->n_changes == cs->cap_changes) {
		cs->cap_changes = cs->cap_changes ? cs->cap_changes * 2 : 16;
		cs->changes = xrealloc(cs->changes, cs->cap_changes * sizeof(*cs->changes));
	}
	c = &cs->changes[cs->n_changes++];
	c->path = xcalloc(n, sizeof(*c->path));
	for (size_t k = 0; k < n; k++)
		c->path[k] = xstrdup(path[k]);
	c->n_path = n;
	c->removed = false;
}

static void on_apply(const uint8_t *state, size_t len, uint64_t seq, void *arg)
{
	struct cfgsub *cs = arg;
	Config *cfg;

	cfg = config__unpack(NULL, len, state);
	if (!cfg) {
		log_warn("cfgsub: commit %llu: undecodable configuration ignored",
			 (unsigned long long)seq);
		return;
	}
	ct_free(cs->tree);
	cs->tree = ct_root_new(&config__descriptor);
	ct_load(cs->tree, &cfg->base, seq);
	/* The daemon sees only what it consumes. */
	for (unsigned i = 0; i < config__descriptor.n_fields; i++)
		if (!consumes(cs, config__descriptor.fields[i].name))
			pbr_field_clear(&cfg->base, &config__descriptor.fields[i]);
	if (cs->cfg)
		config__free_unpacked(cs->cfg, NULL);
	cs->cfg = cfg;
	cs->all_changed = true;
	changes_clear(cs);
	apply_now(cs, seq);
	/* The tree holds them; later deltas are read from it by path. */
	for (size_t i = 0; i < cs->n_by_path; i++)
		pbr_field_clear(&cfg->base, protobuf_c_message_descriptor_get_field_by_name(
				    &config__descriptor, cs->by_path[i]));
}

static int on_delta(const uint8_t *data, size_t len, uint64_t seq, void *arg)
{
	struct cfgsub *cs = arg;
	ConfigDelta *delta = config_delta__unpack(NULL, len, data);
	const ProtobufCFieldDescriptor *changed[32];
	size_t n_changed = 0;
	bool mine = false;
	int rc = 0;

	if (!delta || !cs->tree || !cs->cfg) {
		if (delta)
			config_delta__free_unpacked(delta, NULL);
		return -EINVAL;
	}
	changes_clear(cs);
	for (size_t i = 0; i < delta->n_node && rc == 0; i++) {
		const NodeImage *im = delta->node[i];
		const ProtobufCMessageDescriptor *d =
			ct_path_desc(&config__descriptor, im->path, im->n_path);
		ProtobufCMessage *own = NULL;
		const ProtobufCFieldDescriptor *top;

		if (d == NULL || im->n_path == 0) {
			rc = -EINVAL;
			break;
		}
		if (im->has_own && !(own = protobuf_c_message_unpack(d, NULL, im->own.len,
								     im->own.data))) {
			rc = -EINVAL;
			break;
		}
		rc = ct_put_at(cs->tree, im->path, im->n_path, own, seq, im->prev);
		top = protobuf_c_message_descriptor_get_field_by_name(&config__descriptor,
								       im->path[0]);
		if (rc == 0 && top && consumes(cs, top->name))
			change_add(cs, im->path, im->n_path);
		bool seen = false;

		for (size_t k = 0; k < n_changed; k++)
			seen = seen || changed[k] == top;
		if (!seen && top && n_changed < 32)
			changed[n_changed++] = top;
	}
	config_delta__free_unpacked(delta, NULL);
	if (rc < 0) {
		/* Half applied: this copy is no longer trusted until a snapshot. */
		ct_free(cs->tree);
		cs->tree = NULL;
		changes_clear(cs);
		return rc;
	}
	/* Each path's state once the whole commit is in. */
	for (size_t i = 0; i < cs->n_changes; i++) {
		const ProtobufCFieldDescriptor *fld;
		struct cfgsub_change *c = &cs->changes[i];

		c->removed = ct_lookup(cs->tree, c->path, c->n_path, &fld) == NULL || fld != NULL;
	}
	for (size_t k = 0; k < n_changed; k++)
		mine = mine || consumes(cs, changed[k]->name);
	if (!mine) {
		/* Nothing the daemon consumes changed: acknowledge it. */
		cs->commit_id = seq;
		if (cs->applied_once)
			send_applied(cs);
		return 0;
	}
	cs->n_changed = 0;
	for (size_t k = 0; k < n_changed; k++)
		if (consumes(cs, changed[k]->name)) {
			if (!by_path(cs, changed[k]->name))
				ct_materialize_field(cs->tree, changed[k], &cs->cfg->base);
			cs->changed[cs->n_changed++] = changed[k]->name;
		}
	cs->all_changed = false;
	apply_now(cs, seq);
	changes_clear(cs);
	return 0;
}

static void on_ctl_reply(struct bus_client *cli, const uint8_t *data, size_t len, void *arg)
{
	/* cfgd acknowledges Applied; nothing to do. */
}

static void heartbeat(struct loop *loop, void *arg)
{
	struct cfgsub *cs = arg;

	if (cs->applied_once)
		send_applied(cs);
	cs->hb_timer = loop_timer_add(loop, CLONE_HEARTBEAT_MS * 1000u, heartbeat, cs);
}

struct cfgsub *cfgsub_new(struct loop *loop, void *zctx, const struct bootstrap *bs,
			  const char *daemon, const char *const *subtrees,
			  cfgsub_apply_cb apply, void *arg)
{
	char pub_ep[4200], ctl_ep[4200];
	struct cfgsub *cs;
	int e;

	if (!loop || !zctx || !bs || !daemon || !apply) {
		errno = EINVAL;
		return NULL;
	}
	if (bootstrap_endpoint(bs, "cfgd", "pub", pub_ep, sizeof(pub_ep)) < 0 ||
	    bootstrap_endpoint(bs, "cfgd", "ctl", ctl_ep, sizeof(ctl_ep)) < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	cs = xcalloc(1, sizeof(*cs));
	cs->loop = loop;
	cs->daemon = xstrdup(daemon);
	cs->apply = apply;
	cs->arg = arg;
	for (const char *const *s = subtrees; s && *s; s++)
		cs->n_subtrees++;
	cs->subtrees = xcalloc(cs->n_subtrees + 1, sizeof(*cs->subtrees));
	for (size_t i = 0; i < cs->n_subtrees; i++)
		cs->subtrees[i] = xstrdup(subtrees[i]);

	cs->ctl = bus_client_new(zctx, ctl_ep);
	if (!cs->ctl)
		goto fail;
	bus_client_set_immediate(cs->ctl, 1);
	if ((e = bus_client_attach(cs->ctl, loop, on_ctl_reply, cs)) < 0) {
		errno = -e;
		goto fail;
	}
	cs->hb_timer = loop_timer_add(loop, CLONE_HEARTBEAT_MS * 1000u, heartbeat, cs);
	cs->sub = clone_sub_new(loop, zctx, pub_ep, ctl_ep, "cfg", CLONE_HEARTBEAT_MS,
				on_apply, cs);
	if (!cs->sub)
		goto fail;
	clone_sub_set_delta_cb(cs->sub, on_delta);
	return cs;
fail:
	e = errno;
	cfgsub_free(cs);
	errno = e;
	return NULL;
}

void cfgsub_free(struct cfgsub *cs)
{
	if (!cs)
		return;
	loop_timer_cancel(cs->loop, cs->hb_timer);
	clone_sub_free(cs->sub);
	bus_client_free(cs->ctl);
	free_errs(cs);
	ct_free(cs->tree);
	if (cs->cfg)
		config__free_unpacked(cs->cfg, NULL);
	changes_clear(cs);
	free(cs->changes);
	for (size_t i = 0; i < cs->n_subtrees; i++)
		free(cs->subtrees[i]);
	free(cs->subtrees);
	for (size_t i = 0; i < cs->n_by_path; i++)
		free(cs->by_path[i]);
	free(cs->by_path);
	free(cs->daemon);
	free(cs);
}

const char *const *cfgsub_changed(const struct cfgsub *cs, size_t *n)
{
	*n = cs && !cs->all_changed ? cs->n_changed : 0;
	return cs && !cs->all_changed ? cs->changed : NULL;
}

uint64_t cfgsub_commit_id(const struct cfgsub *cs)
{
	return cs ? cs->commit_id : 0;
}

void cfgsub_set_by_path(struct cfgsub *cs, const char *const *fields)
{
	for (size_t i = 0; i < cs->n_by_path; i++)
		free(cs->by_path[i]);
	free(cs->by_path);
	cs->by_path = NULL;
	cs->n_by_path = 0;
	for (const char *const *f = fields; f && *f; f++)
		if (consumes(cs, *f) &&
		    protobuf_c_message_descriptor_get_field_by_name(&config__descriptor, *f)) {
			cs->by_path = xrealloc(cs->by_path, (cs->n_by_path + 1) * sizeof(char *));
			cs->by_path[cs->n_by_path++] = xstrdup(*f);
			/* Never handed stale after a delta. */
			if (cs->cfg)
				pbr_field_clear(&cs->cfg->base,
						protobuf_c_message_descriptor_get_field_by_name(
							&config__descriptor, *f));
		}
}

const struct cfgsub_change *cfgsub_changes(const struct cfgsub *cs, size_t *n)
{
	static const struct cfgsub_change none[1];

	if (!cs || cs->all_changed) {
		*n = 0;
		return NULL;
	}
	*n = cs->n_changes;
	return cs->changes ? cs->changes : none;
}

const struct ct_node *cfgsub_tree(const struct cfgsub *cs)
{
	return cs ? cs->tree : NULL;
}

const ProtobufCMessage *cfgsub_own(const struct cfgsub *cs, char *const *path, size_t n)
{
	const ProtobufCFieldDescriptor *fld;
	const struct ct_node *node;

	if (!cs || !cs->tree)
		return NULL;
	node = ct_lookup(cs->tree, path, n, &fld);
	return node && !fld ? node->own : NULL;
}

ProtobufCMessage *cfgsub_get(const struct cfgsub *cs, char *const *path, size_t n)
{
	const ProtobufCFieldDescriptor *fld;
	const struct ct_node *node;

	if (!cs || !cs->tree)
		return NULL;
	node = ct_lookup(cs->tree, path, n, &fld);
	return node && !fld ? ct_materialize(node) : NULL;
}
