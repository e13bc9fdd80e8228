/* rulepaths: what of an event the rules read, as a projection
 * (lib/project.h): the member paths of every condition, key and template,
 * and what eng-match itself reads (ts, id, customer, source). An alias's
 * members count as the event's (an alias is an earlier event, parsed the
 * same way). When a rule reads the event as a whole (`event`, `event[k]`,
 * an alias used whole), with --with-event, with -e (no rules) or with
 * ENG_MATCH_PARSE_WHOLE=1 in the environment (the tests' reference) the
 * projection is whole: every line is parsed whole.
 */
#ifndef ENG_MATCH_RULEPATHS_H
#define ENG_MATCH_RULEPATHS_H

#include "project.h"
#include "rules.h"

/* Fills p (initialised here; free with eng_projection_free) from rs (NULL:
 * whole). with_event: actions carry the whole event. */
void match_projection_init(struct eng_projection *p, const struct ruleset *rs,
                           int with_event);

#endif
