/*
 * test_validate_auth.c: cfgd/validate_auth.c: NTP keys, access levels,
 * discard, max-dynamic-sessions and basic ACLs, each rule accepted and
 * refused with its sentence; the commit-time references (keys, ACLs) left
 * pending by edits and refused at commit; keyed edits of keys and rules.
 */
#include <errno.h>

#include "cfgd_fixtures.h"
#include "secret.h"
#include "testutil.h"
#include "validate.h"

VALIDATE_SUITE(vauth);

/* Accepted per edit, refused at commit. */
static void pending(const char *text, const char *want)
{
	assert_pending(&td.bs, text, want);
}

#define KEY(id, mode, key, extra) \
	"ntp = { authentication_key = ( { keyid = \"" id "\"; mode = \"" mode "\"; key = \"" \
	key "\"; " extra " } ); };"

/* text with each "@" replaced by sealed (a static buffer). */
static const char *with_key(const char *text, const char *sealed)
{
	static char out[2048];
	char *o = out;

	for (const char *p = text; *p && o < out + sizeof(out) - SECRET_SEALED_SIZE; p++)
		if (*p == '@')
			o += snprintf(o, SECRET_SEALED_SIZE, "%s", sealed);
		else
			*o++ = *p;
	*o = '\0';
	return out;
}

/* Keys arrive sealed by clid (common/secret.c); cfgd checks the form and,
 * holding the device key, that it was sealed under it. */
Test(vauth, keys)
{
	char *keydir = test_device_key();
	char mine[SECRET_SEALED_SIZE], foreign[SECRET_SEALED_SIZE], longest[SECRET_SEALED_SIZE];
	char clear[SECRET_CLEAR_MAX + 1];
	struct secret_key other;
	uint8_t raw[32];

	memset(raw, 0x33, sizeof(raw));
	secret_key_from(&other, raw);
	cr_assert_eq(secret_seal(secret_device_key(), "secret", mine, sizeof(mine)), 0);
	cr_assert_eq(secret_seal(&other, "secret", foreign, sizeof(foreign)), 0);
	memset(clear, 'k', SECRET_CLEAR_MAX);
	clear[SECRET_CLEAR_MAX] = '\0';
	cr_assert_eq(secret_seal(secret_device_key(), clear, longest, sizeof(longest)), 0);

	ok(with_key(KEY("1", "md5", "@", ""), mine));
	ok(with_key(KEY("4294967295", "hmac-sha256", "@", "reliable = true;"), longest));
	ok("ntp = { authentication_enable = true; };");
	refused(with_key(KEY("0", "md5", "@", ""), mine),
		"The authentication key ID 0 is invalid: it must be 1 to 4294967295.");
	refused(with_key(KEY("4294967296", "md5", "@", ""), mine),
		"The authentication key ID 4294967296 is invalid: it must be 1 to 4294967295.");
	refused(with_key(KEY("01", "md5", "@", ""), mine),
		"The authentication key ID 01 is invalid: it must be 1 to 4294967295.");
	refused(with_key(KEY("1", "sha1", "@", ""), mine),
		"The authentication mode of key 1 must be md5 or hmac-sha256.");
	/* In clear, or in the Base64 form of earlier versions: never stored. */
	refused(KEY("1", "md5", "secret", ""),
		"The authentication key 1 is not an encrypted key (%^%#...%^%#): enter it again.");
	refused(KEY("1", "md5", "%^%#SHVhd2VpQDEyMw==%^%#", ""),
		"The authentication key 1 is not an encrypted key (%^%#...%^%#): enter it again.");
	refused(KEY("1", "md5", "", ""),
		"The authentication key 1 is not an encrypted key (%^%#...%^%#): enter it again.");
	refused(with_key(KEY("1", "md5", "@", ""), foreign),
		"The authentication key 1 was encrypted under another device's key: enter it "
		"again in plain text.");
	/* reliable on a key that was never configured */
	refused("ntp = { authentication_key = ( { keyid = \"5\"; reliable = true; } ); };",
		"The authentication key 5 does not exist.");
	test_device_key_free(keydir);
}

Test(vauth, server_key_reference)
{
	char *keydir = test_device_key();
	char sealed[SECRET_SEALED_SIZE];

	cr_assert_eq(secret_seal(secret_device_key(), "k", sealed, sizeof(sealed)), 0);
	ok(with_key("ntp = { authentication_key = ( { keyid = \"7\"; mode = \"md5\"; "
		    "key = \"@\"; } ); unicast_server = ( { address = \"10.0.1.31\"; "
		    "authentication_keyid = 7; } ); };", sealed));
	/* Without authentication enable the key id is inert. */
	ok("ntp = { unicast_server = ( { address = \"10.0.1.31\"; authentication_keyid = 7; } ); };");
	pending("ntp = { authentication_enable = true; unicast_server = ( { address = \"10.0.1.31\";"
		" authentication_keyid = 7; } ); };",
		"The authentication key 7 of NTP server 10.0.1.31 does not exist.");
	pending("ntp = { authentication_enable = true; unicast_peer = ( { address = \"10.0.1.32\";"
		" authentication_keyid = 8; } ); };",
		"The authentication key 8 of NTP peer 10.0.1.32 does not exist.");
	test_device_key_free(keydir);
}

#define ACL(num, rules) "acl = ( { number = \"" num "\"; rule = ( " rules " ); } );"

Test(vauth, acls)
{
	ok(ACL("2000", "{ id = \"5\"; source = \"10.0.1.0\"; wildcard = \"0.0.0.255\"; },"
	       "{ id = \"10\"; deny = true; }"));
	ok("acl = ( { number = \"2999\"; } );");
	ok(ACL("2000", "{ id = \"0\"; source = \"10.0.1.33\"; }"));
	ok(ACL("2000", "{ id = \"4294967294\"; }"));
	refused("acl = ( { number = \"3000\"; } );",
		"The ACL number 3000 is invalid: basic ACLs are 2000 to 2999.");
	refused("acl = ( { number = \"1999\"; } );",
		"The ACL number 1999 is invalid: basic ACLs are 2000 to 2999.");
	refused(ACL("2000", "{ id = \"4294967295\"; }"),
		"The rule ID 4294967295 of ACL 2000 is invalid: it must be 0 to 4294967294.");
	refused(ACL("2000", "{ id = \"5\"; source = \"10.0.1\"; }"),
		"The source address 10.0.1 of rule 5 of ACL 2000 is invalid.");
	refused(ACL("2000", "{ id = \"5\"; wildcard = \"0.0.0.255\"; }"),
		"Rule 5 of ACL 2000 has a wildcard without a source address.");
	refused(ACL("2000", "{ id = \"5\"; source = \"10.0.1.0\"; wildcard = \"255\"; }"),
		"The source wildcard 255 of rule 5 of ACL 2000 is invalid.");
}

#define ACL6(num, rules) "acl6 = ( { number = \"" num "\"; rule = ( " rules " ); } );"

Test(vauth, ipv6_acls)
{
	ok(ACL6("2000", "{ id = \"5\"; source = \"2001:db8:1::\"; prefix_len = 48; },"
		"{ id = \"7\"; source = \"2001:db8::66\"; prefix_len = 128; },"
		"{ id = \"10\"; deny = true; }"));
	/* The same number as an IPv4 ACL: two separate spaces. */
	ok(ACL("2000", "{ id = \"5\"; }") ACL6("2000", "{ id = \"5\"; }"));
	refused("acl6 = ( { number = \"3000\"; } );",
		"The IPv6 ACL number 3000 is invalid: basic IPv6 ACLs are 2000 to 2999.");
	refused(ACL6("2000", "{ id = \"4294967295\"; }"),
		"The rule ID 4294967295 of IPv6 ACL 2000 is invalid: it must be 0 to 4294967294.");
	refused(ACL6("2000", "{ id = \"5\"; source = \"10.0.1.0\"; prefix_len = 24; }"),
		"The source address 10.0.1.0 of rule 5 of IPv6 ACL 2000 is invalid.");
	refused(ACL6("2000", "{ id = \"5\"; source = \"2001:db8::\"; }"),
		"The prefix length of rule 5 of IPv6 ACL 2000 must be 1 to 128.");
	refused(ACL6("2000", "{ id = \"5\"; source = \"2001:db8::\"; prefix_len = 129; }"),
		"The prefix length of rule 5 of IPv6 ACL 2000 must be 1 to 128.");
	refused(ACL6("2000", "{ id = \"5\"; source = \"2001:db8::1\"; prefix_len = 64; }"),
		"The source address 2001:db8::1 of rule 5 of IPv6 ACL 2000 has bits set past "
		"its prefix length 64.");
	refused(ACL6("2000", "{ id = \"5\"; prefix_len = 64; }"),
		"Rule 5 of IPv6 ACL 2000 has a prefix length without a source address.");
	refused(ACL6("2000", "{ id = \"5\"; source = \"2001:db8::\"; prefix_len = 64;"
		     " wildcard = \"0.0.0.255\"; }"),
		"Rule 5 of IPv6 ACL 2000 has a wildcard: IPv6 rules take a prefix length.");
	refused(ACL("2000", "{ id = \"5\"; source = \"10.0.1.0\"; prefix_len = 24; }"),
		"Rule 5 of ACL 2000 has a prefix length: IPv4 rules take a wildcard.");
	/* Access levels name IPv6 ACLs apart from IPv4 ones. */
	ok(ACL6("2001", "{ id = \"5\"; }") " ntp = { ipv6_access = { peer = 2001; limited = 2001; }; };");
	refused("ntp = { ipv6_access = { server = 1999; }; };",
		"The IPv6 ACL number 1999 of NTP access server must be 2000 to 2999 (a basic ACL).");
	pending(ACL("2001", "{ id = \"5\"; }") " ntp = { ipv6_access = { server = 2001; }; };",
		"The IPv6 ACL 2001 used by NTP access server does not exist.");
	pending(ACL6("2001", "{ id = \"5\"; }") " ntp = { access = { server = 2001; }; };",
		"The ACL 2001 used by NTP access server does not exist.");
}

Test(vauth, access_and_limits)
{
	ok(ACL("2000", "{ id = \"5\"; }") " ntp = { access = { peer = 2000; synchronization = 2000;"
	   " limited = 2000; }; max_dynamic_sessions = 0; kod_enable = true;"
	   " discard = { min_interval = 1; avg_interval = 8; }; server_disable = true; };");
	refused("ntp = { access = { query = 3000; }; };",
		"The ACL number 3000 of NTP access query must be 2000 to 2999 (a basic ACL).");
	pending("ntp = { access = { server = 2001; }; };",
		"The ACL 2001 used by NTP access server does not exist.");
	refused("ntp = { max_dynamic_sessions = 101; };",
		"The maximum number of NTP dynamic sessions must be 0 to 100.");
	refused("ntp = { discard = { min_interval = 0; }; };",
		"The NTP minimum packet interval (min-interval) must be 1 to 8.");
	refused("ntp = { discard = { avg_interval = 9; }; };",
		"The NTP average packet interval (avg-interval) must be 1 to 8.");
}

/* The generic edit code keys keys and rules by their string ids. */
Test(vauth, keyed_edits)
{
	Config *c = cfg(ACL("2000", "{ id = \"5\"; source = \"10.0.1.0\"; wildcard = \"0.0.0.255\"; }")
			KEY("1", "md5", "a", ""));
	Edit *e = edit_set(ACL("2000", "{ id = \"10\"; deny = true; }")
			   "ntp = { authentication_key = ( { keyid = \"1\"; reliable = true; } ); };");
	char err[256];

	cr_assert_eq(edit_apply(&c, e, err, sizeof(err)), 0, "%s", err);
	assert_cfg(c, ACL("2000", "{ id = \"5\"; source = \"10.0.1.0\"; wildcard = \"0.0.0.255\"; },"
			  "{ id = \"10\"; deny = true; }")
		   KEY("1", "md5", "a", "reliable = true;"));
	edit_free(e);
	e = edit_del("acl", "2000", "rule", "5", NULL);
	cr_assert_eq(edit_apply(&c, e, err, sizeof(err)), 0, "%s", err);
	assert_cfg(c, ACL("2000", "{ id = \"10\"; deny = true; }")
		   KEY("1", "md5", "a", "reliable = true;"));
	edit_free(e);
	cfg_free(c);
}
