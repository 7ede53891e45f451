/*
 * port.h: a UDP port for a test's daemon to bind (port.c), instead of a
 * fixed one that another test or developer may hold.  The port is free when
 * asked; the test binds it soon after (a race with another process taking
 * it in between is possible but has not been seen).
 */
#ifndef MERIDIAN_TEST_PORT_H
#define MERIDIAN_TEST_PORT_H

#include <stdint.h>

/* A UDP port free on addr (IPv4 or IPv6 text, "::" for every IPv6
 * address; NULL: 127.0.0.1): the port, or -errno. */
int port_try_free_udp(const char *addr);
/* The same, but a test cannot go on without one: aborts after saying why
 * on stderr (Criterion reports the test as crashed). */
uint16_t free_udp_port(const char *addr);
/* free_udp_port(NULL): a port on 127.0.0.1. */
uint16_t free_port(void);

#endif
