/* rules: eng-match's rule file (RULES.md, "Rule files"), loaded, validated
 * and compiled once: conditions to expressions, emit strings to templates,
 * keys to paths. Every problem is reported with FILE:LINE:COL.
 *
 * Three kinds of rule: `when` (stateless, optionally with a cooldown),
 * `sequence` (steps with `as:` aliases, `within`, a final `absent` step) and
 * `count` (at_least matching events within a window). The validity rules of
 * RULES.md ("Precise points", Validity) are checked here, so `--check` and a
 * normal run refuse the same files. Each rule carries a hash of its
 * definition without emit and priority (rules_def), which the state file
 * keeps to tell a changed rule from an unchanged one.
 */
#ifndef ENG_MATCH_RULES_H
#define ENG_MATCH_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "expr.h"
#include "path.h"
#include "template.h"

/* The emit map, compiled: the shape of the payload with constants already
 * in their JSON text and strings as templates. */
enum pnode_kind { PN_CONST, PN_TMPL, PN_OBJ, PN_ARR };
struct pnode {
    enum pnode_kind kind;
    char *json;                 /* PN_CONST: the value's JSON text */
    struct eng_template *tmpl;  /* PN_TMPL */
    size_t n;                   /* PN_OBJ / PN_ARR: children */
    char **keys;                /* PN_OBJ: each key as "\"key\":" */
    struct pnode *kids;
};

enum rule_kind { RULE_WHEN, RULE_SEQUENCE, RULE_COUNT };

/* One step of a sequence. */
struct step {
    struct eng_expr *when;      /* the condition (for absent: what cancels) */
    int absent;                 /* `absent:` (only the last step) */
    int has_within;
    int64_t within_ms;
    int alias;                  /* index into rule.aliases, -1 without `as` */
};

struct rule {
    char *id;
    enum rule_kind kind;
    /* sequence */
    struct step *steps;
    size_t nsteps;
    char **aliases;             /* the `as:` names, in step order */
    size_t naliases;
    int every;                  /* instances: every (default latest) */
    size_t max_instances;       /* with every; default 100 */
    /* count (the condition is `when`) */
    int64_t at_least, count_within_ms;
    char def[17];               /* hex hash of the definition (rules_def) */
    int key_is_customer;        /* the key path is `customer` */
    char *id_json;              /* the id as a JSON string literal */
    struct eng_expr *when;      /* when rules, count rules; NULL for sequences */
    int64_t priority;
    int has_cooldown;
    int64_t cooldown_ms;
    struct eng_path *key;       /* the rule's key (own `key:` or the default) */
    struct eng_template *channel;   /* emit.channel; NULL when none */
    struct pnode payload;       /* PN_OBJ, possibly empty */
    char *tmpl_text;            /* the source of every template with a
                                   placeholder (channel, payload), one per
                                   line; NULL when none (cep.c reads it to
                                   keep only what firings need) */
    /* counters for --stats */
    unsigned long long evaluated, matched, errors, cooled;
};

struct ruleset {
    struct rule *rules;
    size_t n;
    size_t nkeyed;              /* rules that need the key (stateful or cooldown) */
    size_t nstateful;           /* sequence and count rules */
};

/* A rule needs its key: a sequence, a count, or a cooldown. */
static inline int rule_keyed(const struct rule *r)
{
    return r->kind != RULE_WHEN || r->has_cooldown;
}

/* Loads and compiles the rule file at path. Returns 0, or -1 with err set
 * ("rules.yaml:14:22: expected ')' after arguments"). On failure rs holds
 * nothing to free. */
int rules_load(const char *path, struct ruleset *rs, struct eng_error *err);
void rules_free(struct ruleset *rs);

#endif
