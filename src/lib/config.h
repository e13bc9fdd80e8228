/* config: YAML configuration files as jansson values that remember where
 * each node came from, so every config error points at FILE:LINE:COL.
 *
 * Scalars are typed as YAML 1.2's core schema does for plain (unquoted)
 * scalars: null ~ "" -> null, true/false (also True/TRUE) -> bool, decimal,
 * 0x/0o integers -> integer, floats -> real; quoted and block scalars are
 * always strings. .inf/-.inf/.nan are recognised but are an error, since
 * jansson (and JSON) cannot hold them; so are integers outside int64. Anchors and aliases are supported; an
 * alias expands to a deep copy, and expansion stops with an error past
 * 100000 nodes (the "billion laughs" YAML bomb). Duplicate keys in a mapping
 * are an error. Keys must be scalars. A file must hold one document.
 *
 * Positions: every node (mapping, sequence, scalar) gets its start line and
 * column (1-based). Because jansson shares the true/false/null singletons,
 * positions are looked up by (parent, key) or (parent, index), or by node for
 * containers and strings/numbers.
 */
#ifndef ENG_CONFIG_H
#define ENG_CONFIG_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

struct eng_config;

struct eng_pos {
    long line, col;   /* 1-based; 0 when unknown */
    int quoted;       /* scalar style: 0 plain, 1 single/double quoted,
                         2 literal/folded block */
};

/* Loads a YAML file. Returns the config, or NULL with err set
 * ("rules.yaml:7:3: mapping values are not allowed here"). */
struct eng_config *eng_config_load(const char *path, struct eng_error *err);
/* Same, from a string in memory; name is used in messages. */
struct eng_config *eng_config_parse(const char *text, size_t len,
                                    const char *name, struct eng_error *err);
void eng_config_free(struct eng_config *cfg);

/* Returns the document's root value (borrowed; NULL for an empty file). */
json_t *eng_config_root(const struct eng_config *cfg);
/* Returns the file name given at load (owned by the config). */
const char *eng_config_file(const struct eng_config *cfg);

/* Position of a node found by pointer (objects, arrays, strings, numbers).
 * Returns 0, or -1 when unknown (pos zeroed). */
int eng_config_pos(const struct eng_config *cfg, const json_t *node,
                   struct eng_pos *pos);
/* Position of the value of member `key` of object `obj` (works for every
 * value type, booleans and null included). 0 or -1. */
int eng_config_pos_member(const struct eng_config *cfg, const json_t *obj,
                          const char *key, struct eng_pos *pos);
/* Position of the key `key` itself in object `obj`. 0 or -1. */
int eng_config_pos_key(const struct eng_config *cfg, const json_t *obj,
                       const char *key, struct eng_pos *pos);
/* Position of element i of array `arr`. 0 or -1. */
int eng_config_pos_index(const struct eng_config *cfg, const json_t *arr,
                         size_t i, struct eng_pos *pos);

/* Sets err to "FILE:LINE:COL: <fmt>" for node (found by pointer; when
 * unknown, just "FILE: <fmt>"). Returns -1 so callers can `return
 * eng_config_error(...)`. */
int eng_config_error(const struct eng_config *cfg, const json_t *node,
                     struct eng_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same, placed at the value of obj[key] (works for any value type). */
int eng_config_error_member(const struct eng_config *cfg, const json_t *obj,
                            const char *key, struct eng_error *err,
                            const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Checks that every key of obj is in the NULL-terminated list `allowed`.
 * Returns 0, or -1 with err "FILE:LINE:COL: unknown key 'x' in <what>
 * (expected one of: a, b, c)" at the first unknown key. obj must be an
 * object (else -1: "<what> must be a mapping"). */
int eng_config_check_keys(const struct eng_config *cfg, const json_t *obj,
                          const char *const *allowed, const char *what,
                          struct eng_error *err);

#endif
