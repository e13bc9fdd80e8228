/* match: eng-match's per-event work. For each input line: check it (a JSON
 * object with a parsable ts), find the candidate rules with the index,
 * evaluate their conditions in rule-file order, apply cooldowns, and write
 * either the actions or (--annotate) the event with its "matches" spliced
 * in; or, for -e, the value of one expression.
 *
 * Order of work for one event (RULES.md, "Order of work", stateless part):
 *   1. parse once with jansson; reject when not an object or ts is missing
 *      or unparsable (the reject counts once, whatever the rules);
 *   2. keyed rules (a `when` rule with a cooldown) need their key: when one
 *      is missing or null the event is rejected ("missing key") and those
 *      rules skip it, while the other rules still see it;
 *   3. candidates from the index, in rule order: evaluate; an error value is
 *      counted for the rule (the first five reported on stderr) and does not
 *      match; a match of a keyed rule passes its cooldown or is "cooled";
 *   4. each firing writes one action (or adds the rule id to "matches").
 */
#ifndef ENG_MATCH_MATCH_H
#define ENG_MATCH_MATCH_H

#include "actions.h"
#include "cli.h"
#include "cooldown.h"
#include "expr.h"
#include "index.h"
#include "jsonl.h"
#include "rejects.h"
#include "rules.h"

struct keyslot;

struct matcher {
    /* set by the caller */
    struct eng_cli *cli;
    struct ruleset *rs;          /* NULL in -e mode */
    struct eng_expr *print_expr; /* -e EXPR, or NULL */
    struct eng_writer *out;
    struct eng_rejects *rej;
    int annotate, with_event;
    /* built by matcher_init */
    struct rule_index *ix;
    struct cooldowns *cd;
    struct eng_expr_ctx *ctx;
    struct action_bufs ab;
    struct eng_tmpl_buf ann;
    struct keyslot *keys;        /* per rule: the key of the current event */
    /* counts */
    unsigned long long in, out_n, rejected, actions, missing_key, errors,
                       cooled, template_missing, errors_shown;
};

/* Builds the index and state. Call after setting the caller's members. */
void matcher_init(struct matcher *m);
void matcher_free(struct matcher *m);

/* Handles one input line from reader rd. Returns 0, or -1 on a write error
 * of the output or the rejects file (errno kept). */
int matcher_line(struct matcher *m, struct eng_reader *rd,
                 const struct eng_line *ln);

/* Returns the --stats members beyond in/out/rejected (new reference). */
json_t *matcher_stats(const struct matcher *m);

#endif
