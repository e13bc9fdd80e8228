/* path: field paths into JSON values, compiled once, applied per event.
 *
 * Syntax: a dot-separated list of names, with indexes and quoted names in
 * brackets: `a.b[2].c`, `a["odd key"].x`, `['a.b']`, `tags[-1]` (negative
 * index counts from the end on get). A name is [A-Za-z_][A-Za-z0-9_-]*;
 * anything else goes in brackets with double or single quotes (JSON string
 * escapes inside). The empty path "" is not valid.
 */
#ifndef ENG_PATH_H
#define ENG_PATH_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

struct eng_path;

/* Returns a compiled path, or NULL with err set ("bad path 'a..b': empty
 * name at column 3"). Caller frees with eng_path_free. */
struct eng_path *eng_path_compile(const char *text, struct eng_error *err);
void eng_path_free(struct eng_path *p);
/* Returns the source text of the path (owned by the path). */
const char *eng_path_text(const struct eng_path *p);
/* Number of steps, and for step i: its key (NULL for an index step) or its
 * index. For callers that walk the path themselves (e.g. writing nested
 * output without a DOM). */
size_t eng_path_len(const struct eng_path *p);
const char *eng_path_key(const struct eng_path *p, size_t i);
long eng_path_index(const struct eng_path *p, size_t i);

/* Returns the value at p in root (borrowed), or NULL when any step is
 * missing or of the wrong type. */
json_t *eng_path_get(const struct eng_path *p, const json_t *root);
/* Sets the value at p, creating missing intermediate objects (never arrays;
 * an index step needs an existing array, and index == size appends).
 * Steals value (also on failure). Returns 0, or -1 with err set when a step
 * crosses a non-container. */
int eng_path_set(const struct eng_path *p, json_t *root, json_t *value,
                 struct eng_error *err);
/* Deletes the value at p. Returns 1 when something was deleted, 0 when the
 * path was absent. */
int eng_path_del(const struct eng_path *p, json_t *root);

#endif
