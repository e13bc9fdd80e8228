/* match: eng-match's per-event work. For each input line: check it (a JSON
 * object with a parsable ts), find the candidate rules with the index,
 * evaluate their conditions in rule-file order, apply cooldowns, and write
 * either the actions or (--annotate) the event with its "matches" spliced
 * in; or, for -e, the value of one expression.
 *
 * Order of work for one event (RULES.md, "Order of work"):
 *   1. parse once with jansson (only the members the rules read,
 *      project.h); reject when not an object or ts is missing
 *      or unparsable (the reject counts once, whatever the rules); with
 *      --state, an event whose source {name, line} the state already
 *      consumed is skipped (state.c);
 *   2. late: with sequence or count rules, an event whose ts is earlier than
 *      the watermark is rejected ("late") and no such rule sees it;
 *   3. keyed rules (sequence, count, or a cooldown) need their key, computed
 *      once per distinct key path: when one is missing or null the event is
 *      rejected ("missing key") and those rules skip it, while the other
 *      rules still see it;
 *   4. the watermark advances (max ts - lateness), and the absences now due
 *      fire (cep.c), before anything of this event;
 *   5. candidates, in rule order: the index's (a sequence by its step 1's
 *      condition) and the sequences with instances pending for the event's
 *      keys (one lookup per key group finds them); evaluate; an error value
 *      is counted for the rule (the first five reported on stderr) and does
 *      not match; keyed state (cep.c) decides sequences, counts and
 *      cooldowns;
 *   6. each firing writes one action (or adds the rule id to "matches").
 */
#ifndef ENG_MATCH_MATCH_H
#define ENG_MATCH_MATCH_H

#include "actions.h"
#include "cli.h"
#include "cep.h"
#include "expr.h"
#include "index.h"
#include "jsonl.h"
#include "rulepaths.h"
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
    struct eng_projection proj;  /* the members the rules read */
    struct cep *cep;
    int64_t lateness_ms;
    struct mstate *state;        /* --state, or NULL */
    int with_state;              /* --state given (for --stats) */
    const char *rd_name;         /* the current input's name */
    unsigned long cur_line;
    struct eng_expr_ctx *ctx;
    struct action_bufs ab;
    struct eng_tmpl_buf ann;
    struct keyslot *keys;        /* per key group: the current event's key */
    size_t nkeys;
    size_t *cand;                /* the current event's candidate rules */
    unsigned char *mark;         /* per rule: 1 step 1 possible, 2 pending */
    /* counts */
    unsigned long long in, out_n, rejected, actions, missing_key, errors,
                       template_missing, errors_shown, late, skipped;
};

/* Builds the index and state. Call after setting the caller's members. */
void matcher_init(struct matcher *m);
void matcher_free(struct matcher *m);

/* Handles one input line from reader rd. Returns 0, or -1 on a write error
 * of the output or the rejects file (errno kept). */
int matcher_line(struct matcher *m, struct eng_reader *rd,
                 const struct eng_line *ln);

/* End of input: with has_now, raises the watermark to now_ms and fires what
 * is due. Returns 0, or -1 on a write error (errno kept). */
int matcher_finish(struct matcher *m, int has_now, int64_t now_ms);

/* Replaces the rules with fresh (taken over on success: *fresh is zeroed),
 * moving the keyed state of unchanged rules (same id and definition); with
 * --state, the file follows. Returns 0, or -1 with err set (nothing
 * changed). */
int matcher_swap_rules(struct matcher *m, struct ruleset *fresh,
                       struct eng_error *err);

/* Returns the --stats members beyond in/out/rejected (new reference). */
json_t *matcher_stats(const struct matcher *m);

#endif
