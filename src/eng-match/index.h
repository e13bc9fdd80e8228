/* index: which rules can match an event, found without evaluating them.
 *
 * Most marketing rules start with what happened: `type == "purchase" &&
 * ...`. A rule whose condition has a top-level conjunct FIELD == literal
 * can only be true for events whose FIELD has that value, so the index keeps,
 * for each such field, a hash table from value to the rules that require it;
 * rules without such a conjunct are always candidates. Per event, each
 * indexed field is looked up once, and the candidate lists (each in rule
 * order) are merged into rule-file order, so actions keep their order and
 * 1,000 rules cost little more than 10 (RULES.md, Speed).
 *
 * A sequence is indexed by its step 1's condition: the index says whether
 * the event can start an instance. Instances already pending for the
 * event's key are the matcher's to add (match.c), since their next step may
 * be anything.
 */
#ifndef ENG_MATCH_INDEX_H
#define ENG_MATCH_INDEX_H

#include <stddef.h>

#include <jansson.h>

#include "rules.h"

struct rule_index;

/* Returns a new index over rs (borrowed: must outlive the index). */
struct rule_index *rule_index_new(const struct ruleset *rs);
void rule_index_free(struct rule_index *ix);
/* Number of rules other than sequences that are indexed (the rest are
 * always evaluated), and of indexed fields. */
size_t rule_index_nindexed(const struct rule_index *ix);
size_t rule_index_nfields(const struct rule_index *ix);

/* Returns the candidate rules for ev in rule-file order, as indexes into
 * rs->rules; *n gets their number. The array is owned by the index and
 * valid until the next call. */
const size_t *rule_index_candidates(struct rule_index *ix, const json_t *ev,
                                    size_t *n);

#endif
