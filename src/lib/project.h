/* project: parse only the members of a JSON object line that a tool reads.
 *
 * Why: jansson's parse of a whole enriched event (600 bytes, a profile and a
 * context) is most of a stage's time, while a rule set or an enrich config
 * reads a handful of members (type, channel, context.weather.temp_f). A
 * projection is the set of member paths a tool reads; parsing a line with it
 * checks the whole line with jsonscan (strict, the grammar jansson accepts)
 * and parses only the values at those paths into a small object: the members
 * asked for, and inside an object asked for by some of its members, only
 * those. A value that is not an object where members are asked for is taken
 * whole, so a selection into a string fails exactly as on the whole event.
 * The tool keeps the line's bytes for its output (splicing), so nothing
 * downstream sees a difference.
 *
 * Used by eng-match (match_projection, its rules) and eng-enrich (its
 * config). Owner of the tree: the projection; eng_projection_free frees it.
 */
#ifndef ENG_PROJECT_H
#define ENG_PROJECT_H

#include <stddef.h>
#include <jansson.h>

#include "expr.h"
#include "path.h"

struct eng_wnode;

struct eng_projection {
    int whole;                    /* 1: no projection, parse lines whole */
    struct eng_wnode *root;       /* the members wanted */
};

/* An empty projection (asks for nothing until paths are added). */
void eng_projection_init(struct eng_projection *p);
void eng_projection_free(struct eng_projection *p);

/* Asks for the whole value at the path keys[0..n) (n >= 1). */
void eng_projection_add(struct eng_projection *p, const char *const *keys,
                        const size_t *lens, size_t n);
/* Asks for the top-level member name. */
void eng_projection_add_name(struct eng_projection *p, const char *name);
/* Asks for what expression e reads of the record (eng_expr_paths); when e
 * reads the record whole, the projection becomes whole. NULL is fine. */
void eng_projection_add_expr(struct eng_projection *p, const struct eng_expr *e);
/* Asks for the value at path, without its first skip steps (a path under a
 * record name such as `event.`), up to its first index step; a path with no
 * name left makes the projection whole. */
void eng_projection_add_path(struct eng_projection *p,
                             const struct eng_path *path, size_t skip);

/* Call once every path is added, before eng_projection_parse. */
void eng_projection_done(struct eng_projection *p);

/* Returns a new object with the asked-for members of the line s[0..len)
 * that are present, or NULL when the line needs jansson's whole parse: the
 * projection is whole, the line is not a valid JSON object, or an
 * asked-for key occurs twice in one object (the caller's parse then
 * decides, with jansson's message). */
json_t *eng_projection_parse(struct eng_projection *p, const char *s,
                             size_t len);

#endif
