/*
 * cfgd_fixtures.c: what cfgd's unit tests share (see cfgd_fixtures.h).
 */
#include <sys/stat.h>

#include "cfgd_fixtures.h"
#include "log.h"

Config *cfg(const char *text)
{
	ProtobufCMessage *m = NULL;
	char err[256] = "";
	int rc = pbconf_parse(text, &config__descriptor, &m, err, sizeof(err));

	cr_assert_eq(rc, 0, "pbconf_parse: %s", err);
	return (Config *)m;
}

void cfg_free(Config *c)
{
	if (c)
		config__free_unpacked(c, NULL);
}

void assert_cfg(const Config *c, const char *text)
{
	Config *want = cfg(text);
	char *got = pbconf_render(c ? &c->base : &want->base);
	char *exp = pbconf_render(&want->base);

	cr_assert(config_equal(c, want), "got:\n%s\nwant:\n%s", got, exp);
	free(got);
	free(exp);
	cfg_free(want);
}

Edit *edit_set(const char *text)
{
	Edit *e = malloc(sizeof(*e));

	edit__init(e);
	e->op = EDIT__OP__SET;
	e->value = cfg(text);
	return e;
}

Edit *edit_del(const char *first, ...)
{
	Edit *e = malloc(sizeof(*e));
	va_list ap;
	const char *p;

	edit__init(e);
	e->op = EDIT__OP__DELETE;
	e->path = calloc(16, sizeof(char *));
	va_start(ap, first);
	for (p = first; p && e->n_path < 16; p = va_arg(ap, const char *))
		e->path[e->n_path++] = strdup(p);
	va_end(ap);
	return e;
}

void edit_free(Edit *e)
{
	edit__free_unpacked(e, NULL);
}

static int ct_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void run_dir_clear(const struct testdir *t)
{
	static const char *const files[] = { "checkpoint", "journal", "running.conf" };
	char path[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->bs.run_dir, files[i]);
		remove(path);
	}
}

void testdir_new(struct testdir *t)
{
	char text[1024], err[256] = "";
	FILE *f;

	snprintf(t->dir, sizeof(t->dir), "/tmp/meridian-cfgd-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->bootstrap, sizeof(t->bootstrap), "%s/meridian.conf", t->dir);
	snprintf(text, sizeof(text),
		 "device = \"test\";\n"
		 "run_dir = \"%s/run\";\n"
		 "state_dir = \"%s/state\";\n"
		 "log_level = \"error\";\n"
		 "sysname = \"HUAWEI\";\n"
		 "interfaces = ( { name = \"GigabitEthernet0/1/0\"; netdev = \"veth-a\"; },\n"
		 "               { name = \"GigabitEthernet0/2/0\"; netdev = \"veth-b\"; },\n"
		 "               { name = \"LoopBack0\"; netdev = \"lo\"; } );\n",
		 t->dir, t->dir);
	f = fopen(t->bootstrap, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(bootstrap_load(t->bootstrap, &t->bs, err, sizeof(err)), 0, "%s", err);
	log_init("test", LOG_LVL_ERR);
}

void testdir_free(struct testdir *t)
{
	bootstrap_free(&t->bs);
	nftw(t->dir, ct_rm, 16, FTW_DEPTH | FTW_PHYS);
}

void assert_valid(const struct bootstrap *bs, const char *text)
{
	Config *c = cfg(text);
	struct validate_list l = { 0 };

	validate_config(c, bs, VALIDATE_COMMIT, &l);
	cr_assert_eq(l.n, 0, "%s\n-> unexpected: %s", text, l.n ? l.msg[0] : "");
	validate_list_free(&l);
	cfg_free(c);
}

void assert_refused(const struct bootstrap *bs, const char *text,
				  enum validate_phase phase, const char *want)
{
	Config *c = cfg(text);
	char err[512] = "";

	cr_assert_eq(validate_change(NULL, c, bs, phase, err, sizeof(err)), -EINVAL,
		     "%s accepted", text);
	cr_assert_str_eq(err, want);
	cfg_free(c);
}

void assert_pending(const struct bootstrap *bs, const char *text,
				  const char *want)
{
	Config *c = cfg(text);
	char err[512] = "";

	cr_assert_eq(validate_change(NULL, c, bs, VALIDATE_EDIT, err, sizeof(err)), 0,
		     "%s refused at edit: %s", text, err);
	cfg_free(c);
	assert_refused(bs, text, VALIDATE_COMMIT, want);
}

int cand_edit(const struct bootstrap *bs, Config **cand, Edit *e, char *err,
			    size_t len)
{
	Config *work = *cand ? config_dup(*cand) : NULL;
	int rc = edit_apply(&work, e, err, len);

	if (rc == 0)
		rc = validate_change(*cand, work, bs, VALIDATE_EDIT, err, len);
	if (rc == 0) {
		cfg_free(*cand);
		*cand = work;
	} else {
		cfg_free(work);
	}
	edit_free(e);
	return rc;
}
