/* where: eng-ingest's --where EXPR, the rule language (libeng expr, RULES.md)
 * as a filter on the events eng-ingest writes.
 *
 * The event's text is already written in the output form when the filter
 * runs, so it is parsed once with jansson and the condition evaluated on
 * it; only events that pass pay nothing more. An event for which EXPR is
 * false, not a bool, or an error is filtered (counted in --stats as
 * "filtered"; errors also as "where_errors", the first few reported with
 * the event's id), never rejected: the record itself was good.
 */
#ifndef ENG_INGEST_WHERE_H
#define ENG_INGEST_WHERE_H

#include <stddef.h>

#include "error.h"

struct where;

/* Compiles text as a condition (names: the event's fields, and `event`).
 * Returns NULL with err set ("--where:1:9: expected ...") on a parse error. */
struct where *where_new(const char *text, struct eng_error *err);
void where_free(struct where *w);
/* Returns 1 when the event text[0..len) passes, 0 when it is filtered. */
int where_keep(struct where *w, const char *text, size_t len);
/* Number of events whose condition ended in an error. */
unsigned long long where_errors(const struct where *w);

#endif
