/*
 * access.c: clid's copy of the access configuration and the login decision
 * (see access.h).
 *
 * The copy is a Config holding only aaa, user_interface, acl, ssh and
 * telnet, replaced whole at each apply (these subtrees are small: a few
 * users, at most 64 lines).  The wrong-password counters are a short list keyed by user
 * name, holding only names that are users (a stranger's guesses at names
 * cost no memory), and survive configuration changes: a user deleted and
 * configured again keeps its block.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access.h"
#include "bootstrap.h"
#include "cfgsub.h"
#include "log.h"
#include "pubkey.h"
#include "secret.h"

struct wrong_pw {
	struct wrong_pw *next;
	char *user;
	unsigned count;            /* wrong passwords since first_us */
	uint64_t first_us;         /* the first of them */
	uint64_t blocked_until_us; /* 0: not blocked */
};

struct access {
	const struct bootstrap *bs;
	Config *cfg;
	struct cfgsub *sub;
	struct wrong_pw *wrong;
	access_change_fn on_change;
	void *on_change_arg;
};

static Config empty_config = CONFIG__INIT;

struct access *access_new(const struct bootstrap *bs)
{
	struct access *a = xcalloc(1, sizeof(*a));

	a->bs = bs;
	return a;
}

void access_free(struct access *a)
{
	if (!a)
		return;
	cfgsub_free(a->sub);
	if (a->cfg)
		config__free_unpacked(a->cfg, NULL);
	while (a->wrong) {
		struct wrong_pw *w = a->wrong;

		a->wrong = w->next;
		free(w->user);
		free(w);
	}
	free(a);
}

void access_set_config(struct access *a, const Config *cfg)
{
	Config part = CONFIG__INIT;
	uint8_t *buf;
	size_t len;
	Config *copy;

	if (cfg) {
		part.aaa = cfg->aaa;
		part.user_interface = cfg->user_interface;
		part.n_acl = cfg->n_acl;
		part.acl = cfg->acl;
		part.ssh = cfg->ssh;
		part.telnet = cfg->telnet;
	}
	len = config__get_packed_size(&part);
	buf = xmalloc(len ? len : 1);
	config__pack(&part, buf);
	copy = config__unpack(NULL, len, buf);
	free(buf);
	if (!copy)
		fatal("access: cannot copy the access configuration");
	if (a->cfg)
		config__free_unpacked(a->cfg, NULL);
	a->cfg = copy;
}

const Config *access_config(const struct access *a)
{
	return a->cfg ? a->cfg : &empty_config;
}

static int on_config(const Config *cfg, uint64_t commit_id, char **errs, int max_errs,
		     void *arg)
{
	(void)commit_id;
	(void)errs;
	(void)max_errs;
	struct access *a = arg;

	access_set_config(a, cfg);
	if (a->on_change)
		a->on_change(a->on_change_arg);
	return 0;
}

void access_on_change(struct access *a, access_change_fn fn, void *arg)
{
	a->on_change = fn;
	a->on_change_arg = arg;
}

int access_follow(struct access *a, struct loop *loop, void *zctx)
{
	static const char *const subtrees[] = { "aaa", "user_interface", "acl", "ssh", "telnet",
						NULL };

	a->sub = cfgsub_new(loop, zctx, a->bs, "clid", subtrees, on_config, a);
	return a->sub ? 0 : errno ? -errno : -EIO;
}

/* ---- lines ---- */

static const VtyLine *line_of(const struct access *a, unsigned n)
{
	const UserInterface *ui = access_config(a)->user_interface;
	char num[16];

	if (!ui)
		return NULL;
	snprintf(num, sizeof(num), "%u", n);
	for (size_t i = 0; i < ui->n_vty; i++)
		if (ui->vty[i]->number && !strcmp(ui->vty[i]->number, num))
			return ui->vty[i];
	return NULL;
}

void access_line(const struct access *a, unsigned n, struct access_line *out)
{
	const VtyLine *v = line_of(a, n);

	memset(out, 0, sizeof(*out));
	out->idle_us = ACCESS_IDLE_DEF_US;
	out->telnet = out->ssh = true;
	if (!v)
		return;
	if (v->authentication_mode && !strcmp(v->authentication_mode, "password"))
		out->mode = ACCESS_AUTH_PASSWORD;
	else if (v->authentication_mode && !strcmp(v->authentication_mode, "none"))
		out->mode = ACCESS_AUTH_NONE;
	out->password = v->password_cipher;
	out->idle_set = v->has_idle_timeout_min;
	if (v->has_idle_timeout_min)
		out->idle_us = ((uint64_t)v->idle_timeout_min * 60 +
				(v->has_idle_timeout_sec ? v->idle_timeout_sec : 0)) * 1000000;
	if (v->protocol_inbound && !strcmp(v->protocol_inbound, "telnet"))
		out->ssh = false;
	else if (v->protocol_inbound && !strcmp(v->protocol_inbound, "ssh"))
		out->telnet = false;
	if (v->has_acl_inbound)
		out->acl = v->acl_inbound;
	if (v->has_privilege)
		out->level = v->privilege;
}

int access_bootstrap_max_vty(const struct access *a)
{
	int n = a->bs && a->bs->cli.max_vty > 0 ? a->bs->cli.max_vty : 5;

	return n > 64 ? 64 : n;
}

int access_max_vty(const struct access *a, int dflt)
{
	const UserInterface *ui = access_config(a)->user_interface;

	return ui && ui->has_maximum_vty ? (int)ui->maximum_vty : dflt;
}

/* ---- acl inbound ---- */

static bool rule_matches(const AclRule *r, uint32_t addr)
{
	struct in_addr src, wild = { 0 };

	if (!r->source)
		return true;
	if (inet_pton(AF_INET, r->source, &src) != 1)
		return false;
	if (r->wildcard && inet_pton(AF_INET, r->wildcard, &wild) != 1)
		return false;
	return ((addr ^ ntohl(src.s_addr)) & ~ntohl(wild.s_addr)) == 0;
}

/* Rules in ascending numeric id (the list is kept in key order, which is
 * text order: "10" < "5"), the first match decides. */
static const AclRule *first_match(const Acl *acl, uint32_t addr)
{
	const AclRule *best = NULL;
	unsigned long best_id = 0;

	for (size_t i = 0; i < acl->n_rule; i++) {
		unsigned long id = strtoul(acl->rule[i]->id ? acl->rule[i]->id : "0", NULL, 10);

		if ((!best || id < best_id) && rule_matches(acl->rule[i], addr)) {
			best = acl->rule[i];
			best_id = id;
		}
	}
	return best;
}

bool access_acl_permits(const struct access *a, uint32_t number, const struct sockaddr *sa)
{
	const Config *c = access_config(a);
	const Acl *acl = NULL;
	const AclRule *r;
	char num[16];
	uint32_t addr;

	if (!number || !sa)
		return true;
	snprintf(num, sizeof(num), "%u", number);
	for (size_t i = 0; i < c->n_acl; i++)
		if (c->acl[i]->number && !strcmp(c->acl[i]->number, num))
			acl = c->acl[i];
	if (!acl || acl->n_rule == 0)
		return true;
	if (sa->sa_family == AF_INET) {
		addr = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (!IN6_IS_ADDR_V4MAPPED(a6))
			return true;
		memcpy(&addr, &a6->s6_addr[12], 4);
		addr = ntohl(addr);
	} else {
		return true;
	}
	r = first_match(acl, addr);
	return r && !(r->has_deny && r->deny);
}

/* ---- users ---- */

bool access_local_users(const struct access *a)
{
	const Aaa *aaa = access_config(a)->aaa;

	for (size_t i = 0; aaa && i < aaa->n_local_user; i++)
		if (aaa->local_user[i]->password_hash)
			return true;
	return false;
}

static const LocalUser *local_user(const struct access *a, const char *name)
{
	const Aaa *aaa = access_config(a)->aaa;

	for (size_t i = 0; aaa && i < aaa->n_local_user; i++)
		if (aaa->local_user[i]->name && !strcmp(aaa->local_user[i]->name, name))
			return aaa->local_user[i];
	return NULL;
}

static const struct bs_user *bs_user(const struct access *a, const char *name)
{
	for (size_t i = 0; a->bs && i < a->bs->cli.n_users; i++)
		if (a->bs->cli.users[i].name && !strcmp(a->bs->cli.users[i].name, name))
			return &a->bs->cli.users[i];
	return NULL;
}

bool access_user_known(const struct access *a, const char *user)
{
	return access_local_users(a) ? local_user(a, user) != NULL : bs_user(a, user) != NULL;
}

/* Equal strings, in time that depends only on the lengths. */
static bool ct_streq(const char *x, const char *y)
{
	size_t lx = strlen(x), ly = strlen(y);
	unsigned char diff = lx != ly;
	size_t n = lx < ly ? lx : ly;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

/* The line's password is sealed (common/secret.h): opened here, compared,
 * wiped. */
bool access_line_password_ok(const struct access_line *ln, const char *pw)
{
	char clear[SECRET_CLEAR_MAX + 1];
	bool ok;

	if (!ln->password || !ln->password[0] ||
	    secret_open(secret_device_key(), ln->password, clear, sizeof(clear)) < 0)
		return false;
	ok = ct_streq(pw, clear);
	explicit_bzero(clear, sizeof(clear));
	return ok;
}

bool access_check_hash(const char *password, const char *hash)
{
	struct crypt_data *cd;
	const char *res;
	bool ok;

	if (!hash || hash[0] != '$')
		return false;
	/* crypt_rn, not crypt_r: sanitizer runtimes intercept crypt_r, which
	 * lets the linker drop libcrypt (--as-needed) and leaves the
	 * interceptor nothing to call.  crypt_rn also returns NULL on failure
	 * instead of a "*0" string. */
	cd = xcalloc(1, sizeof(*cd));
	res = crypt_rn(password, hash, cd, (int)sizeof(*cd));
	ok = res && res[0] == '$' && ct_streq(res, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

char *access_hash_password(const char *password)
{
	static const char *const prefixes[] = { "$y$", "$6$" };

	for (size_t i = 0; i < 2; i++) {
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		struct crypt_data *cd;
		char *out = NULL;
		const char *res;

		if (!crypt_gensalt_rn(prefixes[i], 0, NULL, 0, salt, (int)sizeof(salt)))
			continue;
		cd = xcalloc(1, sizeof(*cd));
		res = crypt_rn(password, salt, cd, (int)sizeof(*cd));
		if (res && res[0] == '$')
			out = xstrdup(res);
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
		if (out)
			return out;
	}
	return NULL;
}

static void policy(const struct access *a, uint64_t *interval_us, unsigned *times,
		   uint64_t *block_us)
{
	const Aaa *aaa = access_config(a)->aaa;
	const LocalAaaUserPolicy *p = aaa ? aaa->wrong_password : NULL;

	*interval_us = (uint64_t)(p && p->has_retry_interval ? p->retry_interval
					: ACCESS_RETRY_INTERVAL_DEF) * 60 * 1000000;
	*times = p && p->has_retry_time ? p->retry_time : ACCESS_RETRY_TIME_DEF;
	*block_us = (uint64_t)(p && p->has_block_time ? p->block_time
				     : ACCESS_BLOCK_TIME_DEF) * 60 * 1000000;
}

static struct wrong_pw *wrong_of(struct access *a, const char *user, bool create)
{
	struct wrong_pw *w;

	for (w = a->wrong; w; w = w->next)
		if (!strcmp(w->user, user))
			return w;
	if (!create)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->user = xstrdup(user);
	w->next = a->wrong;
	a->wrong = w;
	return w;
}

bool access_user_blocked(const struct access *a, const char *user, uint64_t now_us)
{
	const struct wrong_pw *w;

	for (w = a->wrong; w; w = w->next)
		if (!strcmp(w->user, user))
			return w->blocked_until_us && now_us < w->blocked_until_us;
	return false;
}

/* One more wrong password of a known user: true when it blocks the user. */
static bool count_wrong(struct access *a, const char *user, uint64_t now_us)
{
	struct wrong_pw *w = wrong_of(a, user, true);
	uint64_t interval, block;
	unsigned times;

	policy(a, &interval, &times, &block);
	if (w->blocked_until_us && now_us >= w->blocked_until_us)
		w->blocked_until_us = 0;
	if (w->count == 0 || now_us - w->first_us >= interval) {
		w->count = 0;
		w->first_us = now_us;
	}
	w->count++;
	if (w->count < times)
		return false;
	w->count = 0;
	w->blocked_until_us = now_us + block;
	return true;
}

static void forget_wrong(struct access *a, const char *user)
{
	struct wrong_pw **pp, *w;

	for (pp = &a->wrong; (w = *pp); pp = &w->next) {
		if (!strcmp(w->user, user)) {
			*pp = w->next;
			free(w->user);
			free(w);
			return;
		}
	}
}

/* Any hash to spend the same time on as a real check. */
static const char *decoy_hash(const struct access *a)
{
	const Aaa *aaa = access_config(a)->aaa;

	for (size_t i = 0; aaa && i < aaa->n_local_user; i++)
		if (aaa->local_user[i]->password_hash)
			return aaa->local_user[i]->password_hash;
	for (size_t i = 0; a->bs && i < a->bs->cli.n_users; i++)
		if (a->bs->cli.users[i].password_hash)
			return a->bs->cli.users[i].password_hash;
	return NULL;
}

/* A user who proved who they are: the local user's state and service
 * types decide (the bootstrap's users, lu NULL, administer the device). */
static enum access_verdict grant(const LocalUser *lu, enum access_service svc,
				 unsigned *level)
{
	bool svc_ok = true;

	if (!lu) {
		*level = 15;
		return ACCESS_OK;
	}
	if (lu->has_blocked && lu->blocked)
		return ACCESS_STATE_BLOCK;
	switch (svc) {
	case ACCESS_SVC_TELNET: svc_ok = lu->has_service_telnet && lu->service_telnet; break;
	case ACCESS_SVC_SSH: svc_ok = lu->has_service_ssh && lu->service_ssh; break;
	case ACCESS_SVC_TERMINAL:
		svc_ok = lu->has_service_terminal && lu->service_terminal;
		break;
	}
	if (!svc_ok)
		return ACCESS_SERVICE;
	*level = lu->has_privilege ? lu->privilege : 0;
	return ACCESS_OK;
}

enum access_verdict access_authenticate(struct access *a, const char *user,
					const char *password, enum access_service svc,
					uint64_t now_us, unsigned *level, bool *blocked_now)
{
	const char *hash = NULL;
	const LocalUser *lu = NULL;
	enum access_verdict v;
	bool known, pw_ok;

	*level = 0;
	*blocked_now = false;
	if (access_local_users(a)) {
		lu = local_user(a, user);
		hash = lu ? lu->password_hash : NULL;
	} else {
		const struct bs_user *bu = bs_user(a, user);

		hash = bu ? bu->password_hash : NULL;
	}
	known = hash != NULL;
	pw_ok = access_check_hash(password, known ? hash : decoy_hash(a)) && known;
	if (!known)
		return ACCESS_REJECTED;
	if (access_user_blocked(a, user, now_us))
		return ACCESS_BLOCKED;
	if (!pw_ok) {
		*blocked_now = count_wrong(a, user, now_us);
		return *blocked_now ? ACCESS_BLOCKED : ACCESS_REJECTED;
	}
	v = grant(lu, svc, level);
	if (v == ACCESS_OK)
		forget_wrong(a, user);
	return v;
}

/* The configured `ssh user` of this name, or NULL. */
static const SshUser *ssh_user(const struct access *a, const char *name)
{
	const Ssh *s = access_config(a)->ssh;

	for (size_t i = 0; s && i < s->n_user; i++)
		if (!strcmp(s->user[i]->name, name))
			return s->user[i];
	return NULL;
}

static const PeerPublicKey *peer_key(const struct access *a, enum pubkey_kind kind,
				     const char *name)
{
	const Ssh *s = access_config(a)->ssh;
	PeerPublicKey *const *k = !s ? NULL : kind == PUBKEY_RSA ? s->rsa_peer_key : s->ecc_peer_key;
	size_t n = !s ? 0 : kind == PUBKEY_RSA ? s->n_rsa_peer_key : s->n_ecc_peer_key;

	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(k[i]->name, name))
			return k[i];
	return NULL;
}

static bool auth_type_is(const SshUser *u, const char *t)
{
	return u && u->authentication_type && !strcmp(u->authentication_type, t);
}

bool access_ssh_password_allowed(const struct access *a, const char *user)
{
	const SshUser *u = ssh_user(a, user);

	return !u || !u->authentication_type || auth_type_is(u, "password") ||
	       auth_type_is(u, "all");
}

enum access_verdict access_authenticate_key(struct access *a, const char *user,
					    enum pubkey_kind kind, const uint8_t *blob,
					    size_t len, uint64_t now_us, unsigned *level)
{
	const SshUser *u = ssh_user(a, user);
	const PeerPublicKey *k;
	const LocalUser *lu = NULL;
	uint8_t want[PUBKEY_BLOB_MAX];
	size_t wlen;
	char err[160];

	*level = 0;
	if (!u || !(auth_type_is(u, kind == PUBKEY_RSA ? "rsa" : "ecc") || auth_type_is(u, "all")))
		return ACCESS_REJECTED;
	k = peer_key(a, kind, kind == PUBKEY_RSA ? u->rsa_key : u->ecc_key);
	if (!k || !k->code ||
	    pubkey_blob(kind, k->has_openssh && k->openssh, k->code, want, &wlen, err,
			sizeof(err)) < 0 ||
	    wlen != len || memcmp(want, blob, len) != 0)
		return ACCESS_REJECTED;
	if (access_local_users(a)) {
		lu = local_user(a, user);
		if (!lu)
			return ACCESS_REJECTED;
	} else if (!bs_user(a, user)) {
		return ACCESS_REJECTED;
	}
	if (access_user_blocked(a, user, now_us))
		return ACCESS_BLOCKED;
	return grant(lu, ACCESS_SVC_SSH, level);
}
