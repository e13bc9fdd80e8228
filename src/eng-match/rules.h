/* rules: eng-match's rule file (RULES.md, "Rule files"), loaded, validated
 * and compiled once: conditions to expressions, emit strings to templates,
 * keys to paths. Every problem is reported with FILE:LINE:COL.
 *
 * This version runs stateless `when` rules, with an optional cooldown (the
 * only state, kept in memory). `sequence` and `count` rules are recognised
 * and refused ("sequence rules are not supported yet"), so a rule file
 * written for them fails loudly instead of silently doing nothing.
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

struct rule {
    char *id;
    char *id_json;              /* the id as a JSON string literal */
    struct eng_expr *when;
    int64_t priority;
    int has_cooldown;
    int64_t cooldown_ms;
    struct eng_path *key;       /* the rule's key (own `key:` or the default) */
    struct eng_template *channel;   /* emit.channel; NULL when none */
    struct pnode payload;       /* PN_OBJ, possibly empty */
    /* counters for --stats */
    unsigned long long evaluated, matched, errors, cooled;
};

struct ruleset {
    struct rule *rules;
    size_t n;
    size_t nkeyed;              /* rules that need the key (cooldown) */
};

/* Loads and compiles the rule file at path. Returns 0, or -1 with err set
 * ("rules.yaml:14:22: expected ')' after arguments"). On failure rs holds
 * nothing to free. */
int rules_load(const char *path, struct ruleset *rs, struct eng_error *err);
void rules_free(struct ruleset *rs);

#endif
