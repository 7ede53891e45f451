/*
 * ifname.c: parse and canonicalise logical interface names (see ifname.h).
 *
 * A name is split where its first digit starts: the letters (and '-') are
 * the type word, matched like a keyword; the rest is the number, which is
 * normalised (leading zeros dropped) and checked against the type's form.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ifname.h"

const struct iftype ifname_types[] = {
	{ "GigabitEthernet", "GE", "GigabitEthernet interface", IFNAME_NUM_SLOT, 0, 0 },
	{ "XGigabitEthernet", "XGE", "XGigabitEthernet interface", IFNAME_NUM_SLOT, 0, 0 },
	{ "Eth-Trunk", NULL, "Ethernet trunk interface", IFNAME_NUM_INT, 0, 511 },
	{ "LoopBack", NULL, "LoopBack interface", IFNAME_NUM_INT, 0, 1023 },
	{ "Vlanif", NULL, "Vlan interface", IFNAME_NUM_INT, 1, 4094 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

int ifname_type_lookup(const char *word, const struct iftype **out)
{
	const struct iftype *found = NULL;
	size_t wl = strlen(word);

	if (wl == 0)
		return -ENOENT;
	for (const struct iftype *t = ifname_types; t->name; t++) {
		if (!strcasecmp(word, t->name) || (t->alias && !strcasecmp(word, t->alias))) {
			*out = t;
			return 0;
		}
	}
	for (const struct iftype *t = ifname_types; t->name; t++) {
		if (!strncasecmp(word, t->name, wl)) {
			if (found)
				return -EINVAL;
			found = t;
		}
	}
	if (!found)
		return -ENOENT;
	*out = found;
	return 0;
}

/* Parse a decimal component without sign; false on anything else or > max. */
static bool parse_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Normalise num for type t into buf ("0/1/0" or "10").  0, -EINVAL or -ENAMETOOLONG. */
static int number_norm(const struct iftype *t, const char *num, char *buf, size_t len)
{
	unsigned v[3];
	int n;

	if (t->form == IFNAME_NUM_SLOT) {
		const char *p = num;
		for (int i = 0; i < 3; i++) {
			const char *e = strchr(p, '/');
			size_t l = (i < 2) ? (e ? (size_t)(e - p) : 0) : strlen(p);
			if ((i < 2 && !e) || !parse_uint(p, l, 999, &v[i]))
				return -EINVAL;
			p += l + 1;
		}
		n = snprintf(buf, len, "%u/%u/%u", v[0], v[1], v[2]);
	} else {
		if (!parse_uint(num, strlen(num), t->max, &v[0]) || v[0] < t->min)
			return -EINVAL;
		n = snprintf(buf, len, "%u", v[0]);
	}
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

bool ifname_number_form(const char *num)
{
	size_t digits = 0, slashes = 0;

	for (const char *p = num; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			digits++;
		} else if (*p == '/' && digits > 0 && p[1] && p[1] != '/') {
			slashes++;
		} else {
			return false;
		}
	}
	return digits > 0 && (slashes == 0 || slashes == 2);
}

int ifname_join(const char *type, const char *num, char *buf, size_t len)
{
	const struct iftype *t;
	char nb[32];
	int r;

	if (ifname_type_lookup(type, &t) < 0)
		return -ENOENT;
	r = number_norm(t, num, nb, sizeof(nb));
	if (r < 0)
		return r;
	r = snprintf(buf, len, "%s%s", t->name, nb);
	return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

int ifname_canon(const char *word, char *buf, size_t len)
{
	char type[32];
	size_t i = 0;

	while (word[i] && !isdigit((unsigned char)word[i]))
		i++;
	if (i == 0 || i >= sizeof(type) || !word[i])
		return -ENOENT;
	memcpy(type, word, i);
	type[i] = '\0';
	return ifname_join(type, word + i, buf, len);
}

int ifname_spaced_lower(const char *canon, char *buf, size_t len)
{
	size_t i = 0;
	int r;

	while (canon[i] && !isdigit((unsigned char)canon[i]))
		i++;
	if (i == 0 || !canon[i] || i + 1 >= len) {
		r = snprintf(buf, len, "%s", canon);
		return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
	}
	for (size_t k = 0; k < i; k++)
		buf[k] = (char)tolower((unsigned char)canon[k]);
	r = snprintf(buf + i, len - i, " %s", canon + i);
	return (r < 0 || (size_t)r >= len - i) ? -ENAMETOOLONG : 0;
}
