/* project: parse only the members of an event that the rules can read.
 *
 * Why: jansson's parse of a whole enriched event (600 bytes, a profile and a
 * context) is most of eng-match's time, while a rule set reads a handful of
 * top-level members (type, channel, profile, context). The projection asks
 * the rules which members they read (conditions, keys, templates, aliases),
 * checks the line with jsonscan (strict, the same grammar as jansson), and
 * parses only those members' values into a small object. Everything else
 * eng-match does with the event (annotate, the stored raw line, with-event)
 * uses the original bytes, so nothing downstream sees a difference.
 *
 * When the rules read the event as a whole (`event`, `event[k]`, an alias
 * used whole, `-e`, --with-event) the projection is off and every line is
 * parsed whole, as before.
 */
#ifndef ENG_MATCH_PROJECT_H
#define ENG_MATCH_PROJECT_H

#include <jansson.h>

#include "jsonscan.h"
#include "rules.h"

struct wnode;

struct projection {
    int whole;                    /* 1: no projection, parse lines whole */
    struct wnode *root;           /* the members wanted (project.c) */
};

/* Fills p from the rules (rs may be NULL: whole). with_event: actions carry
 * the whole event. The caller frees with projection_free. */
void projection_init(struct projection *p, const struct ruleset *rs,
                     int with_event);
void projection_free(struct projection *p);

/* Returns a new object with the wanted members of the line s[0..len) that
 * are present, or NULL when the line needs jansson's whole parse: the
 * projection is off, or the line is not a valid JSON object, or a wanted
 * key occurs twice (the caller's parse then decides, with jansson's
 * message). */
json_t *projection_parse(struct projection *p, const char *s, size_t len);

#endif
