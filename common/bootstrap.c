/*
 * bootstrap.c: read and strictly validate the bootstrap file (libconfig).
 *
 * Every group is walked setting by setting against the keys it may hold, so
 * an unknown key is reported with its line instead of being ignored, and each
 * value is checked for type and range.  Errors are one sentence:
 * "FILE:LINE: key 'cli.port': must be 1..65535",
 * "FILE:LINE: unknown key 'cli.prot'".  Elements of lists are named
 * "interfaces[1].netdev".  Integers are accepted where floats are expected.
 */
#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <systemd/sd-daemon.h>

#include "bootstrap.h"
#include "log.h"
#include "version.h"

struct bs_ctx {
	const char *path;
	char *err;
	size_t errlen;
};

static int bs_error(struct bs_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bs_error(struct bs_ctx *ctx, const config_setting_t *s, const char *fmt, ...)
{
	char msg[512];
	const char *file = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s)
		file = config_setting_source_file(s);
	if (!file)
		file = ctx->path;
	if (ctx->err && ctx->errlen)
		snprintf(ctx->err, ctx->errlen, "%s:%u: %s", file,
			 s ? config_setting_source_line(s) : 0u, msg);
	return -EINVAL;
}

void bootstrap_defaults(struct bootstrap *bs)
{
	memset(bs, 0, sizeof(*bs));
	bs->run_dir = xstrdup("/run/meridian");
	bs->state_dir = xstrdup("/var/lib/meridian");
	bs->log_level = LOG_LVL_INFO;
	bs->sysname = xstrdup("HUAWEI");
	bs->cli.port = 23;
	bs->cli.address = xstrdup("0.0.0.0");
	bs->cli.max_vty = 5;
	bs->clock.type = BS_CLOCK_SYSTEM;
	bs->clock.tick_hz = 64.0029;
	bs->ntp.port = 123;
}

void bootstrap_free(struct bootstrap *bs)
{
	if (!bs)
		return;
	free(bs->path);
	free(bs->device);
	free(bs->run_dir);
	free(bs->state_dir);
	free(bs->sysname);
	free(bs->cli.address);
	for (size_t i = 0; i < bs->cli.n_users; i++) {
		free(bs->cli.users[i].name);
		free(bs->cli.users[i].password_hash);
	}
	free(bs->cli.users);
	for (size_t i = 0; i < bs->n_interfaces; i++) {
		free(bs->interfaces[i].name);
		free(bs->interfaces[i].netdev);
	}
	free(bs->interfaces);
	free(bs->by_name);
	free(bs->vpn.netns_prefix);
	for (size_t i = 0; i < bs->vpn.n_instances; i++) {
		free(bs->vpn.instances[i].name);
		free(bs->vpn.instances[i].netns);
	}
	free(bs->vpn.instances);
	memset(bs, 0, sizeof(*bs));
}

/* --- typed getters ------------------------------------------------------ */

static int want_string(struct bs_ctx *ctx, const config_setting_t *s, const char *key,
		       char **out)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return bs_error(ctx, s, "key '%s': expected a string", key);
	v = config_setting_get_string(s);
	free(*out);
	*out = xstrdup(v ? v : "");
	return 0;
}

static int want_nonempty_string(struct bs_ctx *ctx, const config_setting_t *s,
				const char *key, char **out)
{
	int r = want_string(ctx, s, key, out);

	if (r == 0 && (*out)[0] == '\0')
		return bs_error(ctx, s, "key '%s': must not be empty", key);
	return r;
}

static int want_int(struct bs_ctx *ctx, const config_setting_t *s, const char *key,
		    long long min, long long max, int *out)
{
	long long v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		v = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		break;
	default:
		return bs_error(ctx, s, "key '%s': expected an integer", key);
	}
	if (v < min || v > max)
		return bs_error(ctx, s, "key '%s': must be %lld..%lld", key, min, max);
	*out = (int)v;
	return 0;
}

static int want_float(struct bs_ctx *ctx, const config_setting_t *s, const char *key,
		      double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		break;
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		break;
	default:
		return bs_error(ctx, s, "key '%s': expected a number", key);
	}
	if (!isfinite(*out))
		return bs_error(ctx, s, "key '%s': must be a finite number", key);
	return 0;
}

static int want_group(struct bs_ctx *ctx, const config_setting_t *s, const char *key)
{
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return bs_error(ctx, s, "key '%s': expected a group { ... }", key);
	return 0;
}

static int want_list(struct bs_ctx *ctx, const config_setting_t *s, const char *key)
{
	int t = config_setting_type(s);

	/* An empty "[]" is an array to libconfig; accept it as an empty list. */
	if (t == CONFIG_TYPE_LIST || (t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0))
		return 0;
	return bs_error(ctx, s, "key '%s': expected a list ( ... )", key);
}

#define KEY(buf, prefix, name) (snprintf((buf), sizeof(buf), "%s%s", (prefix), (name)), (buf))

/* --- sections ----------------------------------------------------------- */

/* One key of a group whose keys are all required strings. */
struct bs_string_key {
	const char *name;
	bool nonempty;  /* "" is refused */
	char **out;     /* where the value goes (freed by bootstrap_free) */
};

/*
 * Parse element `idx` of the list `list` ("cli.users"): a group holding
 * exactly the string keys of keys[0..n_keys).  An unknown key is refused at
 * its line; a missing one at the group's, the first missing in table order.
 */
static int parse_string_group(struct bs_ctx *ctx, config_setting_t *g, const char *list,
			      size_t idx, const struct bs_string_key *keys, size_t n_keys)
{
	char prefix[64], key[128];
	int r;

	snprintf(prefix, sizeof(prefix), "%s[%zu].", list, idx);
	snprintf(key, sizeof(key), "%s[%zu]", list, idx);
	if ((r = want_group(ctx, g, key)) < 0)
		return r;
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);
		const struct bs_string_key *k = NULL;

		KEY(key, prefix, n);
		for (size_t j = 0; j < n_keys && !k; j++)
			if (strcmp(n, keys[j].name) == 0)
				k = &keys[j];
		if (!k)
			r = bs_error(ctx, s, "unknown key '%s'", key);
		else if (k->nonempty)
			r = want_nonempty_string(ctx, s, key, k->out);
		else
			r = want_string(ctx, s, key, k->out);
		if (r < 0)
			return r;
	}
	for (size_t j = 0; j < n_keys; j++)
		if (!*keys[j].out)
			return bs_error(ctx, g, "key '%s[%zu]': missing '%s'", list, idx,
					keys[j].name);
	return 0;
}

static int parse_user(struct bs_ctx *ctx, config_setting_t *g, size_t idx, struct bs_user *u)
{
	const struct bs_string_key keys[] = {
		{ "name", true, &u->name },
		{ "password", false, &u->password_hash },
	};

	return parse_string_group(ctx, g, "cli.users", idx, keys, sizeof(keys) / sizeof(keys[0]));
}

static int parse_cli(struct bs_ctx *ctx, config_setting_t *g, struct bootstrap *bs)
{
	char key[128];
	int r;

	if ((r = want_group(ctx, g, "cli")) < 0)
		return r;
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);

		KEY(key, "cli.", n);
		if (strcmp(n, "port") == 0) {
			r = want_int(ctx, s, key, 1, 65535, &bs->cli.port);
		} else if (strcmp(n, "address") == 0) {
			r = want_nonempty_string(ctx, s, key, &bs->cli.address);
		} else if (strcmp(n, "max_vty") == 0) {
			r = want_int(ctx, s, key, 1, 64, &bs->cli.max_vty);
		} else if (strcmp(n, "ssh_port") == 0) {
			r = want_int(ctx, s, key, 0, 65535, &bs->cli.ssh_port);
		} else if (strcmp(n, "users") == 0) {
			int len;

			if ((r = want_list(ctx, s, key)) < 0)
				return r;
			len = config_setting_length(s);
			bs->cli.users = xcalloc((size_t)len + 1, sizeof(*bs->cli.users));
			for (int j = 0; j < len && r == 0; j++) {
				bs->cli.n_users = (size_t)j + 1;
				r = parse_user(ctx, config_setting_get_elem(s, (unsigned)j),
					       (size_t)j, &bs->cli.users[j]);
				for (int k = 0; k < j && r == 0; k++) {
					if (strcmp(bs->cli.users[k].name,
						   bs->cli.users[j].name) == 0)
						r = bs_error(ctx,
							config_setting_get_elem(s, (unsigned)j),
							"key 'cli.users[%d].name': duplicate user '%s'",
							j, bs->cli.users[j].name);
				}
			}
		} else {
			r = bs_error(ctx, s, "unknown key '%s'", key);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_interface(struct bs_ctx *ctx, config_setting_t *g, size_t idx,
			   struct bs_interface *itf)
{
	const struct bs_string_key keys[] = {
		{ "name", true, &itf->name },
		{ "netdev", true, &itf->netdev },
	};

	return parse_string_group(ctx, g, "interfaces", idx, keys, sizeof(keys) / sizeof(keys[0]));
}

static int by_name_cmp(const void *a, const void *b)
{
	const struct bs_interface *x = *(const struct bs_interface *const *)a;
	const struct bs_interface *y = *(const struct bs_interface *const *)b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : (x > y) - (x < y);   /* equal names: file order */
}

static int by_netdev_cmp(const void *a, const void *b)
{
	const struct bs_interface *x = *(const struct bs_interface *const *)a;
	const struct bs_interface *y = *(const struct bs_interface *const *)b;
	int c = strcmp(x->netdev, y->netdev);

	return c ? c : (x > y) - (x < y);
}

/* The first entry (in file order) whose name (netdev) an earlier one has
 * already, found by sorting (a switch maps thousands): its index, or -1;
 * *earlier the first one of them. */
static int first_duplicate(const struct bs_interface **v, size_t n, const struct bs_interface *base,
			   int (*cmp)(const void *, const void *), bool by_netdev,
			   const struct bs_interface **earlier)
{
	int found = -1;

	qsort(v, n, sizeof(*v), cmp);
	for (size_t i = 1; i < n; i++) {
		const struct bs_interface *a = v[i - 1], *b = v[i];
		size_t first = i - 1;

		if (by_netdev ? strcmp(a->netdev, b->netdev) : strcasecmp(a->name, b->name))
			continue;
		while (first > 0 && !(by_netdev ? strcmp(v[first - 1]->netdev, b->netdev) :
				      strcasecmp(v[first - 1]->name, b->name)))
			first--;
		if (found < 0 || b - base < found) {
			found = (int)(b - base);
			*earlier = v[first];
		}
	}
	return found;
}

static int parse_interfaces(struct bs_ctx *ctx, config_setting_t *l, struct bootstrap *bs)
{
	const struct bs_interface **v, *earlier = NULL;
	int len, r, dn, dd;

	if ((r = want_list(ctx, l, "interfaces")) < 0)
		return r;
	len = config_setting_length(l);
	bs->interfaces = xcalloc((size_t)len + 1, sizeof(*bs->interfaces));
	for (int j = 0; j < len; j++) {
		config_setting_t *g = config_setting_get_elem(l, (unsigned)j);

		bs->n_interfaces = (size_t)j + 1;
		r = parse_interface(ctx, g, (size_t)j, &bs->interfaces[j]);
		if (r < 0)
			return r;
	}
	/* Duplicates, by sorting: the first in file order is reported. */
	v = xcalloc((size_t)len + 1, sizeof(*v));
	for (int j = 0; j < len; j++)
		v[j] = &bs->interfaces[j];
	dd = first_duplicate(v, (size_t)len, bs->interfaces, by_netdev_cmp, true, &earlier);
	const struct bs_interface *dd_earlier = earlier;
	dn = first_duplicate(v, (size_t)len, bs->interfaces, by_name_cmp, false, &earlier);
	if (dn >= 0 && (dd < 0 || dn <= dd)) {
		free(v);
		return bs_error(ctx, config_setting_get_elem(l, (unsigned)dn),
				"key 'interfaces[%d].name': duplicate interface '%s'", dn,
				bs->interfaces[dn].name);
	}
	if (dd >= 0) {
		free(v);
		return bs_error(ctx, config_setting_get_elem(l, (unsigned)dd),
				"key 'interfaces[%d].netdev': netdev '%s' already mapped to '%s'", dd,
				bs->interfaces[dd].netdev, dd_earlier->name);
	}
	/* v is sorted by name now: bootstrap_interface's index. */
	bs->by_name = v;
	return 0;
}

static int parse_clock(struct bs_ctx *ctx, config_setting_t *g, struct bootstrap *bs)
{
	char key[128];
	int r;

	if ((r = want_group(ctx, g, "clock")) < 0)
		return r;
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);

		KEY(key, "clock.", n);
		if (strcmp(n, "type") == 0) {
			char *t = NULL;

			r = want_string(ctx, s, key, &t);
			if (r == 0) {
				if (strcmp(t, "system") == 0)
					bs->clock.type = BS_CLOCK_SYSTEM;
				else if (strcmp(t, "virtual") == 0)
					bs->clock.type = BS_CLOCK_VIRTUAL;
				else
					r = bs_error(ctx, s, "key '%s': must be \"system\" or \"virtual\"", key);
			}
			free(t);
		} else if (strcmp(n, "offset") == 0) {
			r = want_float(ctx, s, key, &bs->clock.offset);
			if (r == 0 && !(fabs(bs->clock.offset) < 1e6))
				r = bs_error(ctx, s, "key '%s': must be within +-1e6 s", key);
		} else if (strcmp(n, "frequency") == 0) {
			r = want_float(ctx, s, key, &bs->clock.frequency_ppm);
			if (r == 0 && !(fabs(bs->clock.frequency_ppm) <= 500.0))
				r = bs_error(ctx, s, "key '%s': must be -500..500 ppm", key);
		} else if (strcmp(n, "noise") == 0) {
			r = want_float(ctx, s, key, &bs->clock.noise);
			if (r == 0 && !(bs->clock.noise >= 0.0))
				r = bs_error(ctx, s, "key '%s': must be >= 0", key);
		} else if (strcmp(n, "tick_hz") == 0) {
			r = want_float(ctx, s, key, &bs->clock.tick_hz);
			if (r == 0 && !(bs->clock.tick_hz > 0.0))
				r = bs_error(ctx, s, "key '%s': must be > 0", key);
		} else {
			r = bs_error(ctx, s, "unknown key '%s'", key);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_ntp(struct bs_ctx *ctx, config_setting_t *g, struct bootstrap *bs)
{
	char key[128];
	int r;

	if ((r = want_group(ctx, g, "ntp")) < 0)
		return r;
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);

		KEY(key, "ntp.", n);
		if (strcmp(n, "port") == 0)
			r = want_int(ctx, s, key, 1, 65535, &bs->ntp.port);
		else
			r = bs_error(ctx, s, "unknown key '%s'", key);
		if (r < 0)
			return r;
	}
	return 0;
}

/* vpn = { backend = "auto" | "netns" | "vrf"; netns_prefix = "P";
 *         instances = ( { name = "V"; netns = "NS"; }, ... ); } */
static int parse_vpn(struct bs_ctx *ctx, config_setting_t *g, struct bootstrap *bs)
{
	char key[128];
	int r;

	if ((r = want_group(ctx, g, "vpn")) < 0)
		return r;
	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);

		KEY(key, "vpn.", n);
		if (strcmp(n, "backend") == 0) {
			char *t = NULL;

			r = want_string(ctx, s, key, &t);
			if (r == 0 && strcmp(t, "auto") == 0)
				bs->vpn.backend = BS_VPN_AUTO;
			else if (r == 0 && strcmp(t, "netns") == 0)
				bs->vpn.backend = BS_VPN_NETNS;
			else if (r == 0 && strcmp(t, "vrf") == 0)
				bs->vpn.backend = BS_VPN_VRF;
			else if (r == 0)
				r = bs_error(ctx, s, "key '%s': must be \"auto\", \"netns\" or \"vrf\"",
					     key);
			free(t);
		} else if (strcmp(n, "netns_prefix") == 0) {
			r = want_nonempty_string(ctx, s, key, &bs->vpn.netns_prefix);
			if (r == 0 && (strchr(bs->vpn.netns_prefix, '/') ||
				       strlen(bs->vpn.netns_prefix) > 31))
				r = bs_error(ctx, s, "key '%s': at most 31 characters, no '/'", key);
		} else if (strcmp(n, "instances") == 0) {
			int len;

			if ((r = want_list(ctx, s, "vpn.instances")) < 0)
				return r;
			len = config_setting_length(s);
			bs->vpn.instances = xcalloc((size_t)len + 1, sizeof(*bs->vpn.instances));
			for (int j = 0; j < len && r == 0; j++) {
				struct bs_vpn *v = &bs->vpn.instances[j];
				const struct bs_string_key keys[] = {
					{ "name", true, &v->name },
					{ "netns", true, &v->netns },
				};

				bs->vpn.n_instances = (size_t)j + 1;
				r = parse_string_group(ctx, config_setting_get_elem(s, (unsigned)j),
						       "vpn.instances", (size_t)j, keys, 2);
				if (r == 0 && strchr(v->netns, '/'))
					r = bs_error(ctx, config_setting_get_elem(s, (unsigned)j),
						     "key 'vpn.instances[%d].netns': a name under "
						     "/run/netns, no '/'", j);
			}
		} else {
			r = bs_error(ctx, s, "unknown key '%s'", key);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

bool bootstrap_vpn_netns(const struct bootstrap *bs, const char *vpn, char *buf, size_t len)
{
	uint32_t h = 2166136261u;     /* FNV-1a of run_dir: one device's prefix */

	for (size_t i = 0; i < bs->vpn.n_instances; i++)
		if (strcmp(bs->vpn.instances[i].name, vpn) == 0) {
			snprintf(buf, len, "%s", bs->vpn.instances[i].netns);
			return true;
		}
	if (bs->vpn.netns_prefix) {
		snprintf(buf, len, "%s%s", bs->vpn.netns_prefix, vpn);
		return false;
	}
	for (const char *p = bs->run_dir ? bs->run_dir : ""; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(buf, len, "mrd%08x-%s", h, vpn);
	return false;
}

static int parse_root(struct bs_ctx *ctx, config_setting_t *root, struct bootstrap *bs)
{
	int r = 0;

	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *n = config_setting_name(s);

		if (strcmp(n, "device") == 0) {
			r = want_nonempty_string(ctx, s, n, &bs->device);
		} else if (strcmp(n, "run_dir") == 0) {
			r = want_nonempty_string(ctx, s, n, &bs->run_dir);
		} else if (strcmp(n, "state_dir") == 0) {
			r = want_nonempty_string(ctx, s, n, &bs->state_dir);
		} else if (strcmp(n, "sysname") == 0) {
			r = want_nonempty_string(ctx, s, n, &bs->sysname);
		} else if (strcmp(n, "log_level") == 0) {
			char *lv = NULL;

			r = want_string(ctx, s, n, &lv);
			if (r == 0 && log_level_parse(lv, &bs->log_level) < 0)
				r = bs_error(ctx, s,
					     "key 'log_level': must be error, warning, info or debug");
			free(lv);
		} else if (strcmp(n, "cli") == 0) {
			r = parse_cli(ctx, s, bs);
		} else if (strcmp(n, "interfaces") == 0) {
			r = parse_interfaces(ctx, s, bs);
		} else if (strcmp(n, "clock") == 0) {
			r = parse_clock(ctx, s, bs);
		} else if (strcmp(n, "ntp") == 0) {
			r = parse_ntp(ctx, s, bs);
		} else if (strcmp(n, "vpn") == 0) {
			r = parse_vpn(ctx, s, bs);
		} else {
			r = bs_error(ctx, s, "unknown key '%s'", n);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* What a syntax error's line holds, for the message: " at key 'NAME'
 * (TEXT)" when the line starts with a setting's name, " (TEXT)" otherwise,
 * "" when the line cannot be read (past the end of the file).  libconfig
 * reports the line where it noticed the error, the same one or the next. */
static void syntax_context(const char *file, int line, char *out, size_t len)
{
	char buf[512], *p, *e;
	FILE *f = fopen(file, "re");
	int n = 0;
	size_t k;

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f) && ++n < line)
		;
	fclose(f);
	if (n != line)
		return;
	buf[strcspn(buf, "\r\n")] = '\0';
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	if (!*p)
		return;
	k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-*");
	e = p + k + strspn(p + k, " \t");
	if (k > 0 && k < 64 && (*e == '=' || *e == ':'))
		snprintf(out, len, " at key '%.*s' (%.80s)", (int)k, p, p);
	else
		snprintf(out, len, " (%.80s)", p);
}

int bootstrap_load(const char *path, struct bootstrap *bs, char *err, size_t errlen)
{
	struct bs_ctx ctx = { .path = path, .err = err, .errlen = errlen };
	config_t cfg;
	FILE *f;
	int r;

	if (err && errlen)
		err[0] = '\0';
	if (!path)
		path = ctx.path = BOOTSTRAP_DEFAULT_PATH;
	bootstrap_defaults(bs);
	f = fopen(path, "re");
	if (!f) {
		r = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
		bootstrap_free(bs);
		return r;
	}
	config_init(&cfg);
	{
		/* Let "@include" resolve relative to the bootstrap file's directory. */
		char dir[4096];
		const char *slash = strrchr(path, '/');

		if (slash) {
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
			config_set_include_dir(&cfg, dir[0] ? dir : "/");
		}
	}
	if (config_read(&cfg, f) != CONFIG_TRUE) {
		const char *file = config_error_file(&cfg);
		char where[256];

		syntax_context(file ? file : path, config_error_line(&cfg), where, sizeof(where));
		if (err && errlen)
			snprintf(err, errlen, "%s:%d: %s%s", file ? file : path,
				 config_error_line(&cfg), config_error_text(&cfg), where);
		r = -EINVAL;
	} else {
		r = parse_root(&ctx, config_root_setting(&cfg), bs);
	}
	config_destroy(&cfg);
	fclose(f);
	if (r < 0) {
		bootstrap_free(bs);
		return r;
	}
	bs->path = xstrdup(path);
	return 0;
}

const struct bs_interface *bootstrap_interface(const struct bootstrap *bs, const char *name)
{
	if (!bs || !name)
		return NULL;
	if (bs->by_name) {
		size_t lo = 0, hi = bs->n_interfaces;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcasecmp(bs->by_name[mid]->name, name);

			if (c == 0)
				return bs->by_name[mid];
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
	for (size_t i = 0; i < bs->n_interfaces; i++)
		if (strcasecmp(bs->interfaces[i].name, name) == 0)
			return &bs->interfaces[i];
	return NULL;
}

bool bootstrap_is_loopback(const char *name)
{
	static const char type[] = "LoopBack";
	const char *num;
	unsigned long n = 0;

	if (!name || strncasecmp(name, type, sizeof(type) - 1) != 0)
		return false;
	num = name + sizeof(type) - 1;
	if (num[0] == '\0' || (num[0] == '0' && num[1] != '\0'))
		return false;
	for (const char *p = num; *p; p++) {
		if (*p < '0' || *p > '9' || p - num >= 4)
			return false;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	return n <= BS_LOOPBACK_MAX;
}

int bootstrap_endpoint(const struct bootstrap *bs, const char *daemon, const char *kind,
		       char *buf, size_t len)
{
	int n = snprintf(buf, len, "ipc://%s/%s.%s",
			 bs && bs->run_dir ? bs->run_dir : "/run/meridian", daemon, kind);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static void usage(FILE *out, const char *prog)
{
	fprintf(out, "usage: %s [-d] [-f BOOTSTRAP_FILE]\n"
		"  -f FILE        bootstrap file (default %s)\n"
		"  -d             debug logging\n"
		"  -h, --help     this help\n"
		"  -V, --version  the version, as `display version` shows it\n",
		prog, BOOTSTRAP_DEFAULT_PATH);
}

void bootstrap_from_args(int argc, char **argv, const char *ident, struct bootstrap *bs)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = BOOTSTRAP_DEFAULT_PATH;
	char err[1024], prog[96];
	int debug = 0, c;

	/* The program's name, as log.c names it in the journal. */
	snprintf(prog, sizeof(prog), "%s%s", strncmp(ident, "meridian", 8) ? "meridian-" : "",
		 ident);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			usage(stdout, prog);
			exit(0);
		case 'V':
			version_print(stdout, prog);
			exit(0);
		default:
			if (optopt == 'f')
				fprintf(stderr, "%s: option -f needs a file name\n", prog);
			else if (optopt)
				fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
			else
				fprintf(stderr, "%s: unknown option %s\n", prog, argv[optind - 1]);
			usage(stderr, prog);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr, prog);
		exit(2);
	}
	/* The identity (and, under systemd, the journal) before the file is
	 * read, so a bad file is an error-priority entry in the journal. */
	log_init(ident, LOG_LVL_INFO);
	if (bootstrap_load(path, bs, err, sizeof(err)) < 0) {
		if (log_to_journal())
			log_final(LOG_LVL_ERR, "%s", err);
		else
			fprintf(stderr, "%s: %s\n", ident, err);
		sd_notifyf(0, "STATUS=bad bootstrap file: %s", err);
		exit(2);
	}
	log_init(ident, debug ? LOG_LVL_DEBUG : bs->log_level);
	log_set_device(bs->device);
}
