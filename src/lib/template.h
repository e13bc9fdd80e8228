/* template: "{{path}}" text templates, compiled once, rendered per record.
 *
 * Syntax: literal text with placeholders
 *     {{path}}                      the value at path
 *     {{ path | default: "text" }}  the same, "text" when the value is missing
 * Blanks inside the braces are free. path is a libeng path (path.h:
 * `geo.city`, `items[0].sku`, `a["odd key"]`); the default is a quoted
 * string ("..." with JSON escapes, or '...'). A "{{" without its "}}", an
 * empty placeholder, a bad path or a filter other than default is a compile
 * error, so a broken template is found when the configuration is loaded,
 * not on the first event.
 *
 * Names resolve as in expressions (RULES.md): the first step of the path is
 *   1. the whole-record name (`event` in eng-match, `action` in eng-emit),
 *   2. else an alias (a sequence step's `as:` name),
 *   3. else a top-level field of the record.
 *
 * Rendering:
 *   - a string renders as its characters;
 *   - any other value renders as its compact JSON text: integers as written,
 *     reals in the shortest form that reads back as the same double, with
 *     ".0" when that form has neither '.' nor exponent (90.0 stays 90.0);
 *     lists and maps as JSON;
 *   - a missing value (absent, a step through a non-container, or JSON null)
 *     renders as "" or its default, and is counted (`template_missing`).
 * The result is escaped for its sink: ENG_TMPL_NONE writes bytes as they are
 * (plain-text bodies); ENG_TMPL_JSON writes the *content* of a JSON string
 * (quotes and backslashes escaped, control characters as \uXXXX, no
 * surrounding quotes), so callers write '"', the rendering, '"'.
 *
 * Rendering appends to a caller-owned growable buffer and allocates nothing
 * else; reusing one buffer per tool makes the per-event cost a copy.
 */
#ifndef ENG_TEMPLATE_H
#define ENG_TEMPLATE_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

struct eng_path;
struct eng_template;

enum eng_tmpl_escape { ENG_TMPL_NONE = 0, ENG_TMPL_JSON = 1 };

/* A growable byte buffer; zero-initialise it. data is NUL-terminated after
 * every successful append (when non-NULL). */
struct eng_tmpl_buf {
    char *data;
    size_t len, cap;
};

/* What the names in a template refer to. All members are borrowed. */
struct eng_tmpl_scope {
    const char *whole_name;           /* "event"; NULL: no whole-record name */
    const json_t *whole;              /* the record; its fields are names */
    const char *const *alias_names;   /* naliases names ... */
    const json_t *const *alias_values;/* ... and their values */
    size_t naliases;
};

/* Compiles text[0..len). Returns a new template (free with
 * eng_template_free), or NULL with err set ("unterminated '{{' at column
 * 7"; columns are 1-based byte offsets into text). */
struct eng_template *eng_template_compile(const char *text, size_t len,
                                          struct eng_error *err);
void eng_template_free(struct eng_template *t);

/* Returns 1 when the template has no placeholders (its rendering is always
 * its literal text). */
int eng_template_is_literal(const struct eng_template *t);
/* Number of placeholders. */
size_t eng_template_nfields(const struct eng_template *t);

/* The path of placeholder i (0 <= i < eng_template_nfields(t)), borrowed
 * from t: for callers that need to know what a template reads. */
const struct eng_path *eng_template_field(const struct eng_template *t,
                                          size_t i);

/* Appends the rendering of t in scope to out, escaped for esc. Adds the
 * number of missing values to *missing (when not NULL). Returns 0, or -1
 * when memory ran out (out keeps what was appended). */
int eng_template_render(const struct eng_template *t,
                        const struct eng_tmpl_scope *scope,
                        enum eng_tmpl_escape esc, struct eng_tmpl_buf *out,
                        unsigned long long *missing);

/* Looks up a path as templates do (the resolution order above). Returns the
 * value (borrowed) or NULL when missing. For callers that resolve a single
 * path the template way (a rule's key). */
const json_t *eng_template_lookup(const struct eng_path *p,
                                  const struct eng_tmpl_scope *scope);

/* Appends v's compact JSON text (the number forms above) to out, escaped
 * for esc. 0 or -1 (out of memory). */
int eng_tmpl_buf_json(struct eng_tmpl_buf *out, const json_t *v,
                      enum eng_tmpl_escape esc);
/* Appends s[0..len) escaped for esc. 0 or -1. */
int eng_tmpl_buf_put(struct eng_tmpl_buf *out, const char *s, size_t len,
                     enum eng_tmpl_escape esc);
/* Frees the buffer's memory and zeroes it. */
void eng_tmpl_buf_free(struct eng_tmpl_buf *b);

#endif
