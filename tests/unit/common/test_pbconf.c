/*
 * test_pbconf.c: generic protobuf <-> libconfig text.
 *
 * A test schema (pbtest.proto) holds every field kind; render -> parse ->
 * render must be stable and equal a golden text, parse must reproduce the
 * packed message exactly, and errors must name the line and the key.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.pb-c.h"
#include "pbconf.h"
#include "pbtest.pb-c.h"
#include "testutil.h"

static const char golden[] =
	"i32 = -5;\n"
	"s32 = -2147483648;\n"
	"sf32 = 7;\n"
	"u32 = 4294967295L;\n"
	"f32 = 12;\n"
	"i64 = -9000000000L;\n"
	"s64 = 1L;\n"
	"sf64 = -1L;\n"
	"u64 = 0xffffffffffffffffL;\n"
	"f64 = 42L;\n"
	"fl = 0.1;\n"
	"db = 64.0029;\n"
	"b = true;\n"
	"color = \"GREEN\";\n"
	"str = \"quote \\\" backslash \\\\ tab \\t nl \\n bell \\x07 utf8 \xc3\xa9\";\n"
	"raw = \"00ff10\";\n"
	"child = {\n"
	"  i32 = 1;\n"
	"  child = {\n"
	"    b = false;\n"
	"  };\n"
	"};\n"
	"reqs = (\n"
	"  {\n"
	"    key = \"a\";\n"
	"    val = 1;\n"
	"  },\n"
	"  {\n"
	"    key = \"b\";\n"
	"  }\n"
	");\n"
	"ints = [ 1, -2, 3 ];\n"
	"strs = [ \"x\", \"\" ];\n"
	"dbls = [ 1.0, -2.5, 1e+300 ];\n"
	"colors = [ \"RED\", \"BLUE\" ];\n"
	"bools = [ true, false ];\n"
	"u64s = [ 0L, 18446744073709551L ];\n"
	"raws = [ \"\", \"abcd\" ];\n"
	"req = {\n"
	"  key = \"k\";\n"
	"};\n"
	"c_msg = {\n"
	"  key = \"in-oneof\";\n"
	"};\n"
	"with_default = \"set\";\n"
	"empty = {\n"
	"};\n";

/* Build a PbAll with every field kind (static storage, not freed). */
static void build_all(PbAll *m)
{
	static PbAll child = PB_ALL__INIT, grandchild = PB_ALL__INIT, empty = PB_ALL__INIT;
	static PbReq r1 = PB_REQ__INIT, r2 = PB_REQ__INIT, req = PB_REQ__INIT,
		     cmsg = PB_REQ__INIT;
	static PbReq *reqs[2];
	static int32_t ints[] = { 1, -2, 3 };
	static char *strs[] = { "x", "" };
	static double dbls[] = { 1.0, -2.5, 1e300 };
	static PbAll__Color colors[] = { PB_ALL__COLOR__RED, PB_ALL__COLOR__BLUE };
	static protobuf_c_boolean bools[] = { 1, 0 };
	static uint64_t u64s[] = { 0, 18446744073709551ull };
	static uint8_t rawb[] = { 0x00, 0xff, 0x10 }, rawc[] = { 0xab, 0xcd };
	static ProtobufCBinaryData raws[2];

	pb_all__init(m);
	m->has_i32 = 1; m->i32 = -5;
	m->has_s32 = 1; m->s32 = INT32_MIN;
	m->has_sf32 = 1; m->sf32 = 7;
	m->has_u32 = 1; m->u32 = UINT32_MAX;
	m->has_f32 = 1; m->f32 = 12;
	m->has_i64 = 1; m->i64 = -9000000000LL;
	m->has_s64 = 1; m->s64 = 1;
	m->has_sf64 = 1; m->sf64 = -1;
	m->has_u64 = 1; m->u64 = UINT64_MAX;
	m->has_f64 = 1; m->f64 = 42;
	m->has_fl = 1; m->fl = 0.1f;
	m->has_db = 1; m->db = 64.0029;
	m->has_b = 1; m->b = 1;
	m->has_color = 1; m->color = PB_ALL__COLOR__GREEN;
	m->str = "quote \" backslash \\ tab \t nl \n bell \a utf8 \xc3\xa9";
	m->has_raw = 1; m->raw.data = rawb; m->raw.len = sizeof(rawb);
	child.has_i32 = 1; child.i32 = 1;
	grandchild.has_b = 1; grandchild.b = 0;
	child.child = &grandchild;
	m->child = &child;
	r1.key = "a"; r1.has_val = 1; r1.val = 1;
	r2.key = "b";
	reqs[0] = &r1; reqs[1] = &r2;
	m->n_reqs = 2; m->reqs = reqs;
	m->n_ints = 3; m->ints = ints;
	m->n_strs = 2; m->strs = strs;
	m->n_dbls = 3; m->dbls = dbls;
	m->n_colors = 2; m->colors = colors;
	m->n_bools = 2; m->bools = bools;
	m->n_u64s = 2; m->u64s = u64s;
	raws[0].data = NULL; raws[0].len = 0;
	raws[1].data = rawc; raws[1].len = 2;
	m->n_raws = 2; m->raws = raws;
	req.key = "k";
	m->req = &req;
	cmsg.key = "in-oneof";
	m->choice_case = PB_ALL__CHOICE_C_MSG;
	m->c_msg = &cmsg;
	m->with_default = "set";
	m->empty = &empty;
}

static bool same_packed(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la = protobuf_c_message_get_packed_size(a);
	size_t lb = protobuf_c_message_get_packed_size(b);
	uint8_t *pa, *pb;
	bool same;

	if (la != lb)
		return false;
	pa = malloc(la + 1);
	pb = malloc(lb + 1);
	protobuf_c_message_pack(a, pa);
	protobuf_c_message_pack(b, pb);
	same = memcmp(pa, pb, la) == 0;
	free(pa);
	free(pb);
	return same;
}

Test(pbconf, golden_round_trip)
{
	PbAll m;
	ProtobufCMessage *back = NULL;
	char err[256], *text, *text2;

	build_all(&m);
	text = pbconf_render(&m.base);
	cr_assert_str_eq(text, golden);
	cr_assert_eq(pbconf_parse(text, &pb_all__descriptor, &back, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert(same_packed(&m.base, back));
	text2 = pbconf_render(back);
	cr_assert_str_eq(text2, text);
	{
		PbAll *p = (PbAll *)back;

		cr_assert_eq(p->choice_case, PB_ALL__CHOICE_C_MSG);
		cr_assert_str_eq(p->c_msg->key, "in-oneof");
		cr_assert_eq(p->u64, UINT64_MAX);
		cr_assert_eq(p->s32, INT32_MIN);
		cr_assert_eq(p->fl, 0.1f);
		cr_assert_eq(p->db, 64.0029);
		cr_assert_eq(p->raw.len, 3);
		cr_assert_eq(p->raw.data[1], 0xff);
		cr_assert_str_eq(p->str, m.str);
	}
	protobuf_c_message_free_unpacked(back, NULL);
	free(text);
	free(text2);
}

Test(pbconf, absent_and_defaults)
{
	PbAll m = PB_ALL__INIT;
	ProtobufCMessage *back = NULL;
	char err[256], *text;
	PbAll *p;

	/* Nothing set: the default string is not written. */
	text = pbconf_render(&m.base);
	cr_assert_str_eq(text, "");
	cr_assert_eq(pbconf_parse(text, &pb_all__descriptor, &back, err, sizeof(err)), 0);
	p = (PbAll *)back;
	cr_assert_str_eq(p->with_default, "dflt");
	cr_assert(!p->has_i32);
	cr_assert_null(p->child);
	cr_assert_eq(p->choice_case, PB_ALL__CHOICE__NOT_SET);
	protobuf_c_message_free_unpacked(back, NULL);
	free(text);
}

Test(pbconf, scalar_oneof_and_ints_for_floats)
{
	ProtobufCMessage *back = NULL;
	char err[256], *text;
	PbAll *p;

	cr_assert_eq(pbconf_parse("c_int = 5; db = 3; fl = 2L; color = 3; raw = \"\";",
				  &pb_all__descriptor, &back, err, sizeof(err)), 0, "%s", err);
	p = (PbAll *)back;
	cr_assert_eq(p->choice_case, PB_ALL__CHOICE_C_INT);
	cr_assert_eq(p->c_int, 5);
	cr_assert_eq(p->db, 3.0);
	cr_assert_eq(p->fl, 2.0f);
	cr_assert_eq(p->color, PB_ALL__COLOR__BLUE);
	cr_assert(p->has_raw);
	text = pbconf_render(back);
	cr_assert_str_eq(text, "fl = 2.0;\ndb = 3.0;\ncolor = \"BLUE\";\nraw = \"\";\nc_int = 5;\n");
	free(text);
	protobuf_c_message_free_unpacked(back, NULL);
}

static void expect_error(const char *text, const char *needle)
{
	ProtobufCMessage *back = (void *)1;
	char err[256];

	cr_assert_eq(pbconf_parse(text, &pb_all__descriptor, &back, err, sizeof(err)), -EINVAL,
		     "accepted: %s", text);
	cr_assert_null(back);
	cr_assert_not_null(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

Test(pbconf, errors)
{
	expect_error("i32 = 1;\n\nchild = {\n  nope = 1;\n};\n", "line 4: key 'child.nope': unknown key");
	expect_error("bogus = 1;", "line 1: key 'bogus': unknown key");
	expect_error("i32 = \"1\";", "line 1: key 'i32': expected an integer");
	expect_error("\ni32 = 3000000000L;", "line 2: key 'i32': out of range");
	expect_error("u32 = -1;", "key 'u32': must be 0..4294967295");
	expect_error("u64 = -1L;", "key 'u64': must not be negative");
	expect_error("b = 1;", "key 'b': expected true or false");
	expect_error("str = 1;", "key 'str': expected a string");
	expect_error("db = \"x\";", "key 'db': expected a number");
	expect_error("color = \"PURPLE\";", "key 'color': unknown value");
	expect_error("color = 9;", "key 'color': unknown value 9");
	expect_error("raw = \"abc\";", "key 'raw': odd number");
	expect_error("raw = \"zz\";", "key 'raw': expected a string of hex digits");
	expect_error("child = 1;", "key 'child': expected a group");
	expect_error("reqs = { key = \"a\"; };", "key 'reqs': expected a list");
	expect_error("ints = 1;", "key 'ints': expected an array");
	expect_error("ints = [ 1, 2 ];\nstrs = [ \"a\", \"b\" ];\ndbls = [ \"x\" ];",
		     "line 3: key 'dbls[0]': expected a number");
	expect_error("reqs = (\n { key = \"a\"; },\n { val = 2; }\n);",
		     "line 3: key 'reqs[1].key': missing");
	expect_error("req = {\n val = 1; };", "key 'req.key': missing");
	expect_error("c_int = 1;\nc_str = \"x\";", "line 2: key 'c_str': conflicts");
	expect_error("i32 = ;", "line 1: syntax error");
}

Test(pbconf, partial_messages_freed_on_error)
{
	/* Errors deep inside allocated structures must not leak (ASan). */
	expect_error("strs = [ \"a\", \"b\" ];\nreqs = ( { key = \"a\"; }, { key = \"b\"; x = 1; } );",
		     "key 'reqs[1].x'");
	expect_error("c_msg = { key = \"a\"; y = 2; };", "key 'c_msg.y'");
	expect_error("raws = [ \"00\", \"0\" ];", "key 'raws[1]'");
	expect_error("child = { child = { str = \"s\"; i32 = 1.5; }; };",
		     "key 'child.child.i32'");
}

Test(pbconf, config_round_trip)
{
	static const char text[] =
		"system = {\n"
		"  sysname = \"DeviceC\";\n"
		"};\n"
		"interface = (\n"
		"  {\n"
		"    name = \"GigabitEthernet0/1/0\";\n"
		"    shutdown = false;\n"
		"    address = {\n"
		"      address = \"10.0.1.30\";\n"
		"      prefix_len = 24;\n"
		"    };\n"
		"  }\n"
		");\n"
		"ntp = {\n"
		"  unicast_server = (\n"
		"    {\n"
		"      address = \"10.0.1.31\";\n"
		"      preferred = true;\n"
		"      maxpoll = 10;\n"
		"    }\n"
		"  );\n"
		"  unsync = {\n"
		"    max_poll_interval = 6;\n"
		"  };\n"
		"};\n";
	ProtobufCMessage *m = NULL;
	char err[256], *again;
	Config *c;

	cr_assert_eq(pbconf_parse(text, &config__descriptor, &m, err, sizeof(err)), 0, "%s", err);
	c = (Config *)m;
	cr_assert_str_eq(c->system->sysname, "DeviceC");
	cr_assert_eq(c->n_interface, 1);
	cr_assert_eq(c->interface[0]->address->prefix_len, 24);
	cr_assert_eq(c->ntp->n_unicast_server, 1);
	cr_assert(c->ntp->unicast_server[0]->has_preferred);
	again = pbconf_render(m);
	cr_assert_str_eq(again, text);
	free(again);
	protobuf_c_message_free_unpacked(m, NULL);
}

Test(pbconf, save_load_atomic)
{
	char *dir = tmpdir_new();
	char path[512], tmp[520], err[256];
	ProtobufCMessage *back = NULL;
	struct stat sb;
	PbAll m;

	snprintf(path, sizeof(path), "%s/running.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	cr_assert_eq(pbconf_load(path, &pb_all__descriptor, &back, err, sizeof(err)), -ENOENT);
	build_all(&m);
	cr_assert_eq(pbconf_save(path, &m.base), 0);
	cr_assert_neq(stat(tmp, &sb), 0); /* no temp file left */
	/* Readable by its owner only: configurations hold NTP keys. */
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "mode %o", (unsigned)(sb.st_mode & 0777));
	cr_assert_eq(pbconf_load(path, &pb_all__descriptor, &back, err, sizeof(err)), 0, "%s", err);
	cr_assert(same_packed(&m.base, back));
	protobuf_c_message_free_unpacked(back, NULL);

	/* Overwrite with another message: the file holds one or the other. */
	{
		PbAll small = PB_ALL__INIT;

		small.has_i32 = 1;
		small.i32 = 9;
		cr_assert_eq(pbconf_save(path, &small.base), 0);
		cr_assert_eq(pbconf_load(path, &pb_all__descriptor, &back, err, sizeof(err)), 0);
		cr_assert_eq(((PbAll *)back)->i32, 9);
		cr_assert(!((PbAll *)back)->has_i64);
		protobuf_c_message_free_unpacked(back, NULL);
	}

	/* A damaged file names the path and the line. */
	write_file(path, "i32 = 1;\nwhat = 2;\n");
	cr_assert_eq(pbconf_load(path, &pb_all__descriptor, &back, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, path));
	cr_assert_not_null(strstr(err, "line 2: key 'what'"), "%s", err);

	/* A directory that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/x.conf", dir);
	cr_assert_eq(pbconf_save(path, &m.base), -ENOENT);
	tmpdir_free(dir);
}
