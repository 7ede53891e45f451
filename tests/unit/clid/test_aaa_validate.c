/*
 * test_aaa_validate.c: cfgd's checks of the access configuration
 * (cfgd/validate_aaa.c): local user names, crypt(3) hashes only, levels
 * 0..15, the wrong-password policy's ranges, maximum-vty 0..21 and the VTY
 * lines' login settings; and of the SSH settings (cfgd/validate_ssh.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "bootstrap.h"
#include "secret.h"
#include "validate.h"

static char buf[2048];

static const char *problems(const Config *c)
{
	struct bootstrap bs;
	struct validate_list l = { 0 };

	memset(&bs, 0, sizeof(bs));
	validate_config(c, &bs, VALIDATE_COMMIT, &l);
	buf[0] = '\0';
	for (size_t i = 0; i < l.n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? "|" : "", l.msg[i]);
	validate_list_free(&l);
	return buf;
}

static const char *user_problems(const char *name, const char *hash, bool has_level,
				 uint32_t level)
{
	Config c = CONFIG__INIT;
	Aaa aaa = AAA__INIT;
	LocalUser u = LOCAL_USER__INIT;
	LocalUser *up[1] = { &u };

	u.name = (char *)name;
	u.password_hash = (char *)hash;
	u.has_privilege = has_level;
	u.privilege = level;
	aaa.n_local_user = 1;
	aaa.local_user = up;
	c.aaa = &aaa;
	return problems(&c);
}

Test(aaa_validate, local_users)
{
	cr_assert_str_eq(user_problems("admin", "$y$j9T$abc$def", true, 15), "");
	cr_assert_str_eq(user_problems("admin", "$6$salt$hash", false, 0), "");
	cr_assert_str_eq(user_problems("admin", NULL, true, 0), "");
	cr_assert_str_eq(user_problems("admin", "Huawei@123", false, 0),
			 "The password of local user admin is not a crypt(3) hash.");
	cr_assert_str_eq(user_problems("admin", "$6$", false, 0),
			 "The password of local user admin is not a crypt(3) hash.");
	cr_assert_str_eq(user_problems("admin", NULL, true, 16),
			 "The privilege level 16 of local user admin is out of range (0 to 15).");
	cr_assert_str_eq(user_problems("a b", NULL, false, 0),
			 "The local user name \"a b\" is invalid (1 to 64 characters, no spaces, "
			 "'?' or '\"').");
	cr_assert_str_eq(user_problems("", NULL, false, 0),
			 "The local user name \"\" is invalid (1 to 64 characters, no spaces, "
			 "'?' or '\"').");
}

static const char *policy_problems(uint32_t interval, uint32_t times, uint32_t block)
{
	Config c = CONFIG__INIT;
	Aaa aaa = AAA__INIT;
	LocalAaaUserPolicy p = LOCAL_AAA_USER_POLICY__INIT;

	p.has_retry_interval = p.has_retry_time = p.has_block_time = true;
	p.retry_interval = interval;
	p.retry_time = times;
	p.block_time = block;
	aaa.wrong_password = &p;
	c.aaa = &aaa;
	return problems(&c);
}

Test(aaa_validate, wrong_password_policy)
{
	cr_assert_str_eq(policy_problems(5, 3, 5), "");
	cr_assert_str_eq(policy_problems(65535, 65535, 65535), "");
	cr_assert_str_eq(policy_problems(4, 3, 5),
			 "The wrong-password retry-interval 4 is out of range (5 to 65535 minutes).");
	cr_assert_str_eq(policy_problems(5, 2, 5),
			 "The wrong-password retry-time 2 is out of range (3 to 65535).");
	cr_assert_str_eq(policy_problems(5, 3, 65536),
			 "The wrong-password block-time 65536 is out of range (5 to 65535 minutes).");
}

Test(aaa_validate, lines)
{
	Config c = CONFIG__INIT;
	UserInterface ui = USER_INTERFACE__INIT;
	VtyLine v = VTY_LINE__INIT;
	VtyLine *vp[1] = { &v };

	v.number = "3";
	ui.n_vty = 1;
	ui.vty = vp;
	c.user_interface = &ui;
	ui.has_maximum_vty = true;
	ui.maximum_vty = 21;
	v.authentication_mode = "none";
	v.has_idle_timeout_min = v.has_idle_timeout_sec = true;
	v.idle_timeout_min = 35791;
	v.idle_timeout_sec = 59;
	v.protocol_inbound = "all";
	v.has_acl_inbound = true;
	v.acl_inbound = 2999;
	/* A sealed text under some key (no device key here: its form is what
	 * cfgd checks). */
	{
		static char sealed[SECRET_SEALED_SIZE];
		struct secret_key k;
		uint8_t raw[32] = { 7 };

		secret_key_from(&k, raw);
		cr_assert_eq(secret_seal(&k, "pw", sealed, sizeof(sealed)), 0);
		v.password_cipher = sealed;
	}
	v.has_privilege = true;
	v.privilege = 15;
	cr_assert_str_eq(problems(&c), "");
	v.privilege = 16;
	cr_assert_str_eq(problems(&c),
			 "The user privilege level 16 of VTY 3 is out of range (0 to 15).");
	v.privilege = 0;
	ui.maximum_vty = 22;
	v.authentication_mode = "radius";
	v.idle_timeout_min = 35792;
	v.idle_timeout_sec = 60;
	v.protocol_inbound = "ftp";
	v.acl_inbound = 3000;
	v.password_cipher = "";
	cr_assert_str_eq(problems(&c),
			 "The maximum number of VTY user interfaces 22 is out of range (0 to 21).|"
			 "The authentication mode \"radius\" of VTY 3 is not aaa, password or none.|"
			 "The authentication password of VTY 3 is not an encrypted password "
			 "(%^%#...%^%#): enter it again.|"
			 "The idle-timeout 35792 of VTY 3 is out of range (0 to 35791 minutes).|"
			 "The idle-timeout seconds 60 of VTY 3 are out of range (0 to 59).|"
			 "The inbound protocol \"ftp\" of VTY 3 is not telnet, ssh or all.|"
			 "The inbound ACL 3000 of VTY 3 is not a basic ACL (2000 to 2999).");
}

static const char *ssh_port_problems(uint32_t port)
{
	Config c = CONFIG__INIT;
	Ssh ssh = SSH__INIT;

	ssh.has_port = true;
	ssh.port = port;
	c.ssh = &ssh;
	return problems(&c);
}

/* cfgd/validate_ssh.c: VRP's SSH ports, 22 or 1025..55535. */
Test(aaa_validate, ssh_server_port)
{
	cr_assert_str_eq(ssh_port_problems(22), "");
	cr_assert_str_eq(ssh_port_problems(1025), "");
	cr_assert_str_eq(ssh_port_problems(55535), "");
	cr_assert_str_eq(ssh_port_problems(23),
			 "The SSH server port 23 is out of range (22 or 1025 to 55535).");
	cr_assert_str_eq(ssh_port_problems(55536),
			 "The SSH server port 55536 is out of range (22 or 1025 to 55535).");
}

/* cfgd/validate_ssh.c: peer public keys parse as their kind; an ssh
 * user's authentication-type is VRP's and its keys exist. */
Test(aaa_validate, ssh_users_and_keys)
{
	Config c = CONFIG__INIT;
	Ssh ssh = SSH__INIT;
	SshUser u = SSH_USER__INIT, *up[1] = { &u };
	PeerPublicKey k = PEER_PUBLIC_KEY__INIT, *kp[1] = { &k };

	k.name = "k1";
	k.has_openssh = k.openssh = true;
	k.code = "AAAAC3NzaC1lZDI1NTE5AAAAIGE/7O7tMsmD9LN0QSgEPrh67hTq0YC4yzXdc5LnjuIf";
	ssh.n_ecc_peer_key = 1;
	ssh.ecc_peer_key = kp;
	u.name = "bob";
	u.ecc_key = "k1";
	u.authentication_type = "ecc";
	ssh.n_user = 1;
	ssh.user = up;
	c.ssh = &ssh;
	cr_assert_str_eq(problems(&c), "");
	u.authentication_type = "password-ecc";
	u.rsa_key = "k1";
	cr_assert_str_eq(problems(&c),
			 "The authentication type \"password-ecc\" of SSH user bob is not password, "
			 "rsa, ecc or all.|"
			 "The RSA public key k1 assigned to SSH user bob does not exist.");
	u.authentication_type = NULL;
	u.rsa_key = NULL;
	/* The same key as an RSA key, or garbled. */
	ssh.n_ecc_peer_key = 0;
	ssh.n_rsa_peer_key = 1;
	ssh.rsa_peer_key = kp;
	cr_assert_str_eq(problems(&c),
			 "The RSA public key k1: The public key is not an OpenSSH RSA (ssh-rsa) "
			 "public key.|"
			 "The ECC public key k1 assigned to SSH user bob does not exist.");
	ssh.n_user = 0;
	k.openssh = false;
	k.code = "3082";
	cr_assert_str_eq(problems(&c),
			 "The RSA public key k1: The RSA public key is not a PKCS#1 RSAPublicKey.");
}
