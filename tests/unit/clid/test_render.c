/*
 * test_render.c: configuration text.  A Config equal to each device of
 * seed 004 renders byte for byte as the seed's "Configuration Files" (with
 * "\r\n" line ends and without the trailing blank the manual's web page
 * leaves after one line), and the other NTP lines render in syntax order.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

static Config *device(const char *sysname, const char *addr)
{
	Config *c = frag_new();
	Interface *ifc;

	frag_system(c)->sysname = xstrdup(sysname);
	ifc = frag_interface(c, "GigabitEthernet0/1/0");
	ifc->has_shutdown = true;
	ifc->shutdown = false;
	ifc->address = xmalloc(sizeof(*ifc->address));
	ipv4_address__init(ifc->address);
	ifc->address->address = xstrdup(addr);
	ifc->address->prefix_len = 24;
	return c;
}

static void add_assoc(NtpAssociation ***v, size_t *n, NtpAssociation *a)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = a;
}

static void expect_render(Config *c, const char *want)
{
	struct sbuf b = { 0 };

	cmd_render_config(c, "HUAWEI", &b);
	cr_assert_str_eq(b.buf, want);
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
}

Test(render, seed_device_c)
{
	Config *c = device("DeviceC", "10.0.1.31");
	Ntp *n = frag_ntp(c);

	n->refclock_master = xmalloc(sizeof(*n->refclock_master));
	ntp_refclock_master__init(n->refclock_master);
	n->refclock_master->has_stratum = true;
	n->refclock_master->stratum = 2;
	n->server_source_interface = xstrdup("GigabitEthernet0/1/0");
	expect_render(c,
		"#\r\n"
		"sysname DeviceC\r\n"
		"#\r\n"
		"ntp-service refclock-master 2\r\n"
		"ntp-service server source-interface gigabitethernet 0/1/0\r\n"
		"#\r\n"
		"interface GigabitEthernet0/1/0\r\n"
		" undo shutdown\r\n"
		" ip address 10.0.1.31 255.255.255.0\r\n"
		"#\r\n"
		"return\r\n");
}

Test(render, seed_device_d)
{
	Config *c = device("DeviceD", "10.0.1.32");
	Ntp *n = frag_ntp(c);

	add_assoc(&n->unicast_server, &n->n_unicast_server, frag_assoc_new("10.0.1.31"));
	n->server_source_interface = xstrdup("GigabitEthernet0/1/0");
	expect_render(c,
		"#\r\n"
		"sysname DeviceD\r\n"
		"#\r\n"
		"ntp-service unicast-server 10.0.1.31\r\n"
		"ntp-service server source-interface gigabitethernet 0/1/0\r\n"
		"#\r\n"
		"interface GigabitEthernet0/1/0\r\n"
		" undo shutdown\r\n"
		" ip address 10.0.1.32 255.255.255.0\r\n"
		"#\r\n"
		"return\r\n");
}

Test(render, seed_device_e)
{
	Config *c = device("DeviceE", "10.0.1.33");
	Ntp *n = frag_ntp(c);

	add_assoc(&n->unicast_peer, &n->n_unicast_peer, frag_assoc_new("10.0.1.32"));
	expect_render(c,
		"#\r\n"
		"sysname DeviceE\r\n"
		"#\r\n"
		"ntp-service unicast-peer 10.0.1.32\r\n"
		"#\r\n"
		"interface GigabitEthernet0/1/0\r\n"
		" undo shutdown\r\n"
		" ip address 10.0.1.33 255.255.255.0\r\n"
		"#\r\n"
		"return\r\n");
}

Test(render, empty_config_uses_default_sysname)
{
	expect_render(frag_new(), "#\r\nsysname HUAWEI\r\n#\r\nreturn\r\n");
}

Test(render, ntp_lines_in_order_with_options)
{
	Config *c = frag_new();
	Ntp *n = frag_ntp(c);
	NtpAssociation *a = frag_assoc_new("10.0.1.31");

	a->vpn_instance = xstrdup("vpn1");
	a->has_version = true;
	a->version = 4;
	a->has_authentication_keyid = true;
	a->authentication_keyid = 7;
	a->source_interface = xstrdup("LoopBack0");
	a->has_preferred = a->preferred = true;
	a->has_minpoll = true;
	a->minpoll = 4;
	a->has_maxpoll = true;
	a->maxpoll = 10;                  /* default: not printed */
	a->has_iburst = a->iburst = true;
	a->has_port = true;
	a->port = 1123;
	add_assoc(&n->unicast_server, &n->n_unicast_server, a);
	a = frag_assoc_new("10.0.1.40");
	a->has_version = true;
	a->version = 3;                   /* default: not printed */
	a->has_preempt = a->preempt = true;
	add_assoc(&n->unicast_peer, &n->n_unicast_peer, a);
	n->refclock_master = xmalloc(sizeof(*n->refclock_master));
	ntp_refclock_master__init(n->refclock_master);
	n->refclock_master->address = xstrdup("127.127.1.1");
	n->source_interface = xstrdup("GigabitEthernet0/1/0");
	n->unsync = xmalloc(sizeof(*n->unsync));
	ntp_unsync_poll__init(n->unsync);
	n->unsync->has_max_poll_interval = n->unsync->has_dec_step = true;
	n->unsync->max_poll_interval = 10;
	n->unsync->dec_step = 2;
	n->server_source_interface = xstrdup("LoopBack0");
	frag_system(c)->sysname = xstrdup("R1");
	Interface *ifc = frag_interface(c, "LoopBack0");
	ifc->description = xstrdup("router id");
	ifc->has_shutdown = ifc->shutdown = true;
	expect_render(c,
		"#\r\n"
		"sysname R1\r\n"
		"#\r\n"
		"ntp-service refclock-master 127.127.1.1\r\n"
		"ntp unsync max-poll-interval 10 dec-step 2\r\n"
		"ntp-service source-interface GigabitEthernet0/1/0\r\n"
		"ntp-service unicast-server vpn-instance vpn1 10.0.1.31 version 4 "
		"authentication-keyid 7 source-interface LoopBack0 preferred minpoll 4 iburst "
		"port 1123\r\n"
		"ntp-service unicast-peer 10.0.1.40 preempt\r\n"
		"ntp-service server source-interface loopback 0\r\n"
		"#\r\n"
		"interface LoopBack0\r\n"
		" description router id\r\n"
		" shutdown\r\n"
		"#\r\n"
		"return\r\n");
}

Test(render, interface_this)
{
	Config *c = device("DeviceC", "10.0.1.31");
	struct sbuf b = { 0 };

	cmd_render_interface_this(c, "GigabitEthernet0/1/0", &b);
	cr_assert_str_eq(b.buf, "#\r\ninterface GigabitEthernet0/1/0\r\n undo shutdown\r\n"
			 " ip address 10.0.1.31 255.255.255.0\r\n#\r\nreturn\r\n");
	sbuf_free(&b);
	cmd_render_interface_this(c, "GigabitEthernet0/1/1", &b);
	cr_assert_str_eq(b.buf, "#\r\ninterface GigabitEthernet0/1/1\r\n#\r\nreturn\r\n");
	sbuf_free(&b);
	config__free_unpacked(c, NULL);
}
