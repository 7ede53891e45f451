/*
 * harness_cfgd.c: feed a sequence of CfgRequest frames to a fresh
 * in-process cfgd's ctl dispatcher and check the invariants of
 * harness_cfgd.h.
 *
 * Replies are taken by __wrap_bus_server_reply (the binary is linked with
 * -Wl,--wrap=bus_server_reply): cfgd's ctl socket is bound but never used.
 * A peer is opaque to everyone but bus.c, whose only use of one here is
 * bus_peer_dup (a memcpy of its size): so each frame's peer is a buffer
 * bigger than any struct bus_peer, every byte of it the frame's number, and
 * the first bytes of whatever peer a reply names say which frame it
 * answers (a dup'd peer included).
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bootstrap.h"
#include "bus.h"
#include "cfgd.h"
#include "cfgd_int.h"
#include "edit.h"
#include "harness_cfgd.h"
#include "log.h"
#include "pbconf.h"
#include "loop.h"
#include "validate.h"

#define PEER_BYTES 1024   /* > sizeof(struct bus_peer) (8 + 255 + 8 bytes) */
#define PEER_TAG_BYTES 16

struct frame_result {
	int replies;
	int status;               /* of the first reply */
	bool undecodable;         /* the reply did not decode as a CfgReply */
	char error[120];          /* its error sentence (for the trace) */
	int dirty;                /* its SessionState.dirty, -1 without one (for the trace) */
};

static struct {
	bool ready;
	bool trace;               /* FUZZ_CFGD_TRACE set: each frame's fate on stderr */
	char dir[128];
	char run[160], state[160];
	struct bootstrap bs;
	struct loop *loop;        /* both made and freed by each input, so the */
	void *zctx;               /* input frees what it allocated (libFuzzer's leak check) */
	struct frame_result res[FUZZ_CFGD_MAX_FRAMES];
	int stray;                /* replies to no frame of this input */
} H;

static _Alignas(16) uint8_t peers[FUZZ_CFGD_MAX_FRAMES][PEER_BYTES];

struct fuzz_cfgd_stats fuzz_cfgd_stats;

int __wrap_bus_server_reply(struct bus_server *srv, const struct bus_peer *peer,
			    const ProtobufCMessage *reply);

int __wrap_bus_server_reply(struct bus_server *srv, const struct bus_peer *peer,
			    const ProtobufCMessage *reply)
{
	const uint8_t *p = (const uint8_t *)peer;
	struct frame_result *r;
	CfgReply *back;
	uint8_t *buf;
	size_t len;
	int k;

	(void)srv;
	if (!peer || !reply)
		return -EINVAL;
	k = p[0] - 1;
	for (int i = 1; i < PEER_TAG_BYTES; i++)
		if (p[i] != p[0])
			k = -1;
	if (k < 0 || k >= FUZZ_CFGD_MAX_FRAMES) {
		H.stray++;
		return 0;
	}
	r = &H.res[k];
	buf = bus_pack(reply, &len);
	back = cfg_reply__unpack(NULL, len, buf);
	free(buf);
	if (r->replies++ == 0) {
		r->undecodable = back == NULL || !back->has_status;
		r->status = back ? back->status : 0;
		snprintf(r->error, sizeof(r->error), "%s", back && back->error ? back->error : "");
		r->dirty = back && back->state && back->state->has_dirty ? back->state->dirty : -1;
	}
	if (back)
		cfg_reply__free_unpacked(back, NULL);
	return 0;
}

static int fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	return ftw->level > 0 ? remove(path) : 0;
}

/* Empty dir, keeping it. */
static void empty_dir(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void harness_init(void)
{
	char path[256], err[256] = "";
	FILE *f;

	if (H.ready)
		return;
	snprintf(H.dir, sizeof(H.dir), "%s/meridian-fuzz-cfgd-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(H.dir))
		abort();
	snprintf(H.run, sizeof(H.run), "%s/run", H.dir);
	snprintf(H.state, sizeof(H.state), "%s/state", H.dir);
	mkdir(H.run, 0755);
	mkdir(H.state, 0755);
	snprintf(path, sizeof(path), "%s/meridian.conf", H.dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "device = \"fuzz\";\nrun_dir = \"%s\";\nstate_dir = \"%s\";\n"
		"log_level = \"error\";\nsysname = \"HUAWEI\";\n"
		"interfaces = ( { name = \"GigabitEthernet0/1/0\"; netdev = \"veth-a\"; },\n"
		"               { name = \"GigabitEthernet0/2/0\"; netdev = \"veth-b\"; },\n"
		"               { name = \"LoopBack0\"; netdev = \"lo\"; } );\n",
		H.run, H.state);
	fclose(f);
	if (bootstrap_load(path, &H.bs, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness_cfgd: bootstrap: %s\n", err);
		abort();
	}
	log_init("fuzz_cfgd", LOG_LVL_ERR);
	H.trace = getenv("FUZZ_CFGD_TRACE") != NULL;
	for (int i = 0; i < FUZZ_CFGD_MAX_FRAMES; i++)
		memset(peers[i], i + 1, PEER_BYTES);
	H.ready = true;
}

void fuzz_cfgd_cleanup(void)
{
	if (!H.ready)
		return;
	bootstrap_free(&H.bs);
	empty_dir(H.dir);
	rmdir(H.dir);
	memset(&H, 0, sizeof(H));
}

static bool may_wait(const CfgRequest *q)
{
	return q && (q->req_case == CFG_REQUEST__REQ_COMMIT ||
		     q->req_case == CFG_REQUEST__REQ_ROLLBACK ||
		     q->req_case == CFG_REQUEST__REQ_ABORT_TRIAL);
}

/* Whether running has a problem that the empty configuration has not: the
 * first such sentence in out. */
static bool new_problem(struct cfgd *d, const struct validate_list *base, char *out,
			size_t outlen)
{
	struct validate_list l = { 0 };
	bool found = false;

	validate_config(cfgd_running(d), &H.bs, VALIDATE_COMMIT, &l);
	for (size_t i = 0; i < l.n && !found; i++) {
		bool known = false;

		for (size_t j = 0; j < base->n && !known; j++)
			known = strcmp(l.msg[i], base->msg[j]) == 0;
		if (!known) {
			snprintf(out, outlen, "%s", l.msg[i]);
			found = true;
		}
	}
	validate_list_free(&l);
	return found;
}

static struct cfgd *start(char *why, size_t whylen)
{
	char err[512] = "";
	struct cfgd *d = cfgd_new(H.loop, H.zctx, &H.bs, err, sizeof(err));

	if (!d)
		fail(why, whylen, "cfgd_new: %s", err);
	return d;
}

/* The frames of one input run on d; 0 or -1 with why. */
static int run_frames(struct cfgd *d, const uint8_t *data, size_t size,
		      const struct validate_list *base, char *why, size_t whylen)
{
	bool subscribed = false;
	size_t pos = 0;
	int n = 0;

	while (pos + 2 <= size && n < FUZZ_CFGD_MAX_FRAMES) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		const uint8_t *frame = data + pos + 2;
		uint64_t bad0 = cfgd_bad_requests(d), commit0 = cfgd_commit_id(d);
		CfgRequest *q;
		bool malformed;
		char problem[600];

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		pos += len;
		q = cfg_request__unpack(NULL, len, frame);
		malformed = q == NULL || q->req_case == CFG_REQUEST__REQ__NOT_SET;
		fuzz_cfgd_stats.frames++;

		ctl_request(NULL, (const struct bus_peer *)peers[n], frame, len, d);

		if (H.stray) {
			cfg_request__free_unpacked(q, NULL);
			return fail(why, whylen, "frame %d: a reply to a peer that never asked", n);
		}
		for (int i = 0; i < n + 1; i++) {
			if (H.res[i].replies > 1) {
				cfg_request__free_unpacked(q, NULL);
				return fail(why, whylen, "frame %d: frame %d answered %d times", n,
					    i, H.res[i].replies);
			}
			if (H.res[i].undecodable) {
				cfg_request__free_unpacked(q, NULL);
				return fail(why, whylen, "frame %d: the reply to frame %d does not "
					    "decode as a CfgReply with a status", n, i);
			}
		}
		if (malformed) {
			if (H.res[n].replies != 1 || H.res[n].status != -EBADMSG) {
				cfg_request__free_unpacked(q, NULL);
				return fail(why, whylen, "frame %d (%zu bytes, malformed): %d replies, "
					    "status %d (want one, -EBADMSG)", n, len,
					    H.res[n].replies, H.res[n].status);
			}
			if (cfgd_bad_requests(d) != bad0 + 1) {
				cfg_request__free_unpacked(q, NULL);
				return fail(why, whylen, "frame %d (malformed): bad requests %llu -> "
					    "%llu (not counted)", n, (unsigned long long)bad0,
					    (unsigned long long)cfgd_bad_requests(d));
			}
			fuzz_cfgd_stats.malformed++;
		} else if (H.res[n].replies == 0) {
			if (!(may_wait(q) && subscribed)) {
				int c = q->req_case;

				cfg_request__free_unpacked(q, NULL);
				return fail(why, whylen, "frame %d (request case %d) got no reply", n, c);
			}
			fuzz_cfgd_stats.deferred++;
		} else if (H.res[n].status == 0) {
			fuzz_cfgd_stats.ok++;
		} else {
			fuzz_cfgd_stats.refused++;
		}
		if (H.trace)
			fprintf(stderr, "frame %d: case %d, %zu bytes: %d replies, status %d, "
				"dirty %d %s\n", n, q ? (int)q->req_case : -1, len, H.res[n].replies,
				H.res[n].status, H.res[n].dirty, H.res[n].error);
		if (q && q->req_case == CFG_REQUEST__REQ_APPLIED)
			subscribed = true;
		cfg_request__free_unpacked(q, NULL);
		if (cfgd_commit_id(d) != commit0) {
			fuzz_cfgd_stats.commits++;
			if (new_problem(d, base, problem, sizeof(problem)))
				return fail(why, whylen, "frame %d: commit %llu made running invalid: %s",
					    n, (unsigned long long)cfgd_commit_id(d), problem);
		}
		n++;
	}
	return 0;
}

/* A copy of c (pack and unpack), or NULL. */
static Config *config_copy(const Config *c)
{
	size_t len;
	uint8_t *buf = bus_pack(&c->base, &len);
	Config *r = config__unpack(NULL, len, buf);

	free(buf);
	return r;
}

static int one(const uint8_t *data, size_t size, char *why, size_t whylen);

int fuzz_cfgd_one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	int rc;

	harness_init();
	/* A context per input: zmq_ctx_term() waits for its threads, which
	 * free the closed sockets' memory before the input ends. */
	H.loop = loop_new();
	H.zctx = zmq_ctx_new();
	if (!H.loop || !H.zctx)
		abort();
	rc = one(data, size, why, whylen);
	zmq_ctx_term(H.zctx);
	loop_free(H.loop);
	H.zctx = NULL;
	H.loop = NULL;
	return rc;
}

static int one(const uint8_t *data, size_t size, char *why, size_t whylen)
{
	struct validate_list base = { 0 };
	struct cfgd *d;
	Config *before = NULL;
	uint64_t id;
	int rc;

	fuzz_cfgd_stats.inputs++;
	memset(H.res, 0, sizeof(H.res));
	H.stray = 0;
	empty_dir(H.run);
	empty_dir(H.state);
	d = start(why, whylen);
	if (!d)
		return -1;
	validate_config(cfgd_running(d), &H.bs, VALIDATE_COMMIT, &base);
	rc = run_frames(d, data, size, &base, why, whylen);
	validate_list_free(&base);
	if (rc < 0) {
		cfgd_free(d);
		return -1;
	}
	if (H.trace) {
		char *text = pbconf_render(&cfgd_running(d)->base);

		fprintf(stderr, "running at commit %llu:\n%s\n",
			(unsigned long long)cfgd_commit_id(d), text ? text : "");
		free(text);
	}
	/* A kill and a restart keep every commit. */
	id = cfgd_commit_id(d);
	before = config_copy(cfgd_running(d));
	cfgd_free(d);
	if (!before)
		return fail(why, whylen, "running does not pack and unpack");
	d = start(why, whylen);
	if (!d) {
		config__free_unpacked(before, NULL);
		return fail(why, whylen, "cfgd does not restart after commit %llu",
			    (unsigned long long)id);
	}
	rc = 0;
	if (cfgd_commit_id(d) != id)
		rc = fail(why, whylen, "restarted at commit %llu, was at %llu",
			  (unsigned long long)cfgd_commit_id(d), (unsigned long long)id);
	else if (!config_equal(cfgd_running(d), before))
		rc = fail(why, whylen, "restarted with another running configuration "
			  "(commit %llu)", (unsigned long long)id);
	config__free_unpacked(before, NULL);
	cfgd_free(d);
	return rc;
}
