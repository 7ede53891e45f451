/*
 * cfgdiff.h: the difference between two rendered configurations, as VRP's
 * `display configuration candidate changes` and `display configuration
 * commit changes` print it.
 *
 * A configuration (cmd_render_config's text) is read as a list of
 * sections: a top-level line and the indented lines under it (a view such
 * as `interface X` or `acl number N`), or a top-level line alone (a leaf
 * such as `sysname X`).  Sections are matched by their top-level line; a
 * section only in the new configuration is printed with every line
 * prefixed "+", one only in the old with "-"; a view in both prints its
 * top-level line unprefixed followed by its changed lines.  A changed leaf
 * is a "-" line followed by a "+" line.  Groups are separated by "#" lines,
 * as in the configuration file.  Equal configurations print nothing.
 */
#ifndef MERIDIAN_CLID_CFGDIFF_H
#define MERIDIAN_CLID_CFGDIFF_H

#include "cmd.h"

/* Append the changes from old_text to new_text ("\r\n" or "\n" line ends)
 * to out, with "\r\n" line ends. */
void cfgdiff_render(const char *old_text, const char *new_text, struct sbuf *out);

#endif
