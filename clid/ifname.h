/*
 * ifname.h: logical interface names as the CLI accepts and prints them.
 *
 * Accepted: a whole name "GigabitEthernet0/1/0", any case, with the type
 * written in full, as its alias ("GE0/1/0", "XGE0/0/1") or as a unique prefix
 * ("gig0/1/0"); or the type and the number as two words ("ge 0/1/0").
 * Canonical form: the type's own spelling followed by the normalised
 * number, "GigabitEthernet0/1/0", "XGigabitEthernet0/0/1", "LoopBack0", "Vlanif10", "Eth-Trunk1".
 */
#ifndef MERIDIAN_CLID_IFNAME_H
#define MERIDIAN_CLID_IFNAME_H

#include <stdbool.h>
#include <stddef.h>

enum ifname_numform {
	IFNAME_NUM_SLOT,   /* "slot/card/port", e.g. 0/1/0 */
	IFNAME_NUM_INT,    /* a single integer */
};

struct iftype {
	const char *name;      /* canonical spelling, "GigabitEthernet" */
	const char *alias;     /* short form ("GE") or NULL */
	const char *help;
	enum ifname_numform form;
	unsigned min, max;     /* IFNAME_NUM_INT: the number's range */
};

/* The known interface types, terminated by an entry with name NULL. */
extern const struct iftype ifname_types[];

/* Look up a type word: exact name or alias (case-insensitive) first, then a
 * unique prefix of a name.  0 with *out set, -ENOENT, or -EINVAL when the
 * prefix is ambiguous. */
int ifname_type_lookup(const char *word, const struct iftype **out);

/* True when num has the form of an interface number ("0/1/0" or "10"),
 * whatever the type. */
bool ifname_number_form(const char *num);

/* Type and number (two words) -> canonical name into buf.  0, -ENOENT (type
 * unknown or ambiguous), -EINVAL (number wrong for the type), -ENAMETOOLONG. */
int ifname_join(const char *type, const char *num, char *buf, size_t len);

/* A whole name ("ge0/1/0") -> canonical name into buf.  Same errors. */
int ifname_canon(const char *word, char *buf, size_t len);

/* A canonical name -> "gigabitethernet 0/1/0" (lowercase type, a space, the
 * number), as `ntp-service server source-interface` is printed.  Names that
 * do not parse are copied unchanged.  0 or -ENAMETOOLONG. */
int ifname_spaced_lower(const char *canon, char *buf, size_t len);

#endif
