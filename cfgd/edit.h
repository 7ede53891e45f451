/*
 * edit.h: generic edits of a Config, driven by the protobuf-c descriptors.
 *
 * Nothing here knows a field of the schema: SET merges a value, DELETE
 * removes what a path names, and the helpers compare, copy and cut
 * configurations by field name.  Conventions (proto/config.proto): a repeated
 * message field is a list keyed by the first field of its element (a string,
 * compared case-insensitively, so "gigabitethernet0/1/0" finds
 * "GigabitEthernet0/1/0"); field names are path components; after a repeated
 * message field comes the key of one element.
 *
 * Every message handled here is "unpacked-shaped": each submessage, string,
 * array and byte buffer is its own malloc() block, so
 * protobuf_c_message_free_unpacked(msg, NULL) frees it whole.
 */
#ifndef CFGD_EDIT_H
#define CFGD_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cfgd.pb-c.h"
#include "config.pb-c.h"

/* A path into the configuration: field names, keys after list fields. */
struct edit_path {
	char **comp;
	size_t n;
};

/* A set of paths without duplicates. */
struct edit_pathset {
	struct edit_path *v;
	size_t n;
};

/* Apply one edit to *cand.  On success *cand is replaced by the edited copy
 * (the old one is freed) and 0 is returned; on failure *cand is untouched
 * and -EINVAL (unknown field, path past a scalar, deleting a required
 * field, SET without value, list element without a string key) comes with
 * a sentence in err.  SET ignores e->path: the value is rooted at Config. */
int edit_apply(Config **cand, const Edit *e, char *err, size_t errlen);

/* Check that a DELETE path names something in the schema.  0 or -EINVAL
 * with err. */
int edit_check_path(char *const *path, size_t n, char *err, size_t errlen);

/* Add to ps the paths of the objects an edit touches: a DELETE's own path;
 * for a SET, each list element it names (["ntp","unicast_server","10.0.1.31"])
 * and each scalar or empty message outside lists (["system","sysname"]). */
void edit_paths_collect(const Edit *e, struct edit_pathset *ps);
void edit_pathset_add(struct edit_pathset *ps, char *const *comp, size_t n);
void edit_pathset_free(struct edit_pathset *ps);

/* Deep copy (never NULL: allocation failure aborts). */
Config *config_dup(const Config *c);
/* Deep copy of any message; NULL only if it cannot be re-read (a required
 * field missing). */
ProtobufCMessage *edit_msg_dup(const ProtobufCMessage *m);
/* An empty Config (malloc'd, free with config__free_unpacked(c, NULL)). */
Config *config_new_empty(void);
/* Same packed bytes.  NULL equals an empty Config. */
bool config_equal(const Config *a, const Config *b);

/* Top-level fields of Config whose packed bytes differ between a and b:
 * up to max names (pointing into the descriptor) in names; returns how many. */
size_t config_changed_subtrees(const Config *a, const Config *b, const char **names, size_t max);

/* Pack what path names in c into a malloc'd buffer (*buf NULL and *len 0
 * when it is absent), for comparing one object between two configurations.
 * 0 or -EINVAL for a path that the schema does not have. */
int config_subtree(const Config *c, char *const *path, size_t n, uint8_t **buf, size_t *len);
/* True when the object at path packs the same in a and b. */
bool config_subtree_equal(const Config *a, const Config *b, char *const *path, size_t n);

#endif
