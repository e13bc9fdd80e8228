/* rules: load, validate and compile eng-match's rule file (rules.h).
 *
 * The file (RULES.md):
 *
 *   defaults: { key: customer }       # optional; key is a path
 *   rules:
 *     - id: heatwave                  # required, unique
 *       description: free text        # optional, ignored
 *       when: EXPR                    # the condition (a CEL-subset expression)
 *       cooldown: 7d                  # optional: per key, in event time
 *       priority: 5                   # optional integer, default 0
 *       key: profile.household        # optional: this rule's key path
 *       emit: { channel: push, ... }  # optional: the action's payload
 *
 *       # or, instead of when:
 *       sequence: [ {as: a, when: EXPR}, {when: EXPR, within: 1h},
 *                   {absent: EXPR, within: 30m} ]
 *       instances: latest | every     # sequences only
 *       max_instances: 100            # with every
 *       # or:
 *       count: { when: EXPR, at_least: 3, within: 24h }
 *
 * Validation order for a rule: its keys (unknown key), id, its kind (one of
 * when/sequence/count; `instances`/`max_instances` belong to sequences),
 * the kind's members, cooldown, priority, key, emit. The first problem
 * stops the load, reported at its FILE:LINE:COL.
 *
 * Expression positions: the expression compiler counts lines and columns
 * from the position of the scalar's first character, which for a quoted
 * scalar is one past the quote and for a block scalar ('|', '>') the first
 * content line at its indentation; the latter is read from the file text,
 * since libyaml reports the indicator's position.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "jpool.h"
#include "cli.h"
#include "config.h"
#include "rules.h"
#include "timeutil.h"

struct loader {
    struct eng_config *cfg;
    const char *file;
    char *text;          /* the file's bytes, for block scalar positions */
    size_t text_len;
    struct eng_expr_ctx *ctx;
    struct eng_error *err;
};

static char *json_literal(const char *s, size_t len)
{
    struct eng_tmpl_buf b = {0};
    if (eng_tmpl_buf_put(&b, "\"", 1, ENG_TMPL_NONE) < 0 ||
        eng_tmpl_buf_put(&b, s, len, ENG_TMPL_JSON) < 0 ||
        eng_tmpl_buf_put(&b, "\"", 1, ENG_TMPL_NONE) < 0) {
        eng_tmpl_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* ---------------------------------------------------------------- emit */

static void pnode_free(struct pnode *p)
{
    free(p->json);
    eng_template_free(p->tmpl);
    for (size_t i = 0; i < p->n; i++) {
        if (p->keys)
            free(p->keys[i]);
        pnode_free(&p->kids[i]);
    }
    free(p->keys);
    free(p->kids);
    memset(p, 0, sizeof *p);
}

static int compile_pnode(struct loader *L, const json_t *v, const char *where,
                         struct pnode *out)
{
    memset(out, 0, sizeof *out);
    if (json_is_string(v)) {
        struct eng_error terr;
        struct eng_template *t = eng_template_compile(json_string_value(v),
                                                      json_string_length(v),
                                                      &terr);
        if (!t)
            return eng_config_error(L->cfg, v, L->err, "%s: %s", where, terr.msg);
        if (!eng_template_is_literal(t)) {
            out->kind = PN_TMPL;
            out->tmpl = t;
            return 0;
        }
        eng_template_free(t);
    }
    if (json_is_object(v) || json_is_array(v)) {
        size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
        out->kind = json_is_object(v) ? PN_OBJ : PN_ARR;
        out->kids = calloc(n ? n : 1, sizeof *out->kids);
        if (out->kind == PN_OBJ)
            out->keys = calloc(n ? n : 1, sizeof *out->keys);
        if (!out->kids || (out->kind == PN_OBJ && !out->keys))
            abort();
        char sub[512];
        if (out->kind == PN_OBJ) {
            const char *k;
            json_t *e;
            json_object_foreach((json_t *)v, k, e) {
                char *lit = json_literal(k, strlen(k));
                size_t ll = strlen(lit);
                char *key = malloc(ll + 2);
                if (!key)
                    abort();
                memcpy(key, lit, ll);
                memcpy(key + ll, ":", 2);
                free(lit);
                out->keys[out->n] = key;
                snprintf(sub, sizeof sub, "%s.%s", where, k);
                if (compile_pnode(L, e, sub, &out->kids[out->n++]) < 0)
                    return -1;
            }
        } else {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                snprintf(sub, sizeof sub, "%s[%zu]", where, i);
                out->n++;
                if (compile_pnode(L, e, sub, &out->kids[i]) < 0)
                    return -1;
            }
        }
        return 0;
    }
    struct eng_tmpl_buf b = {0};
    if (eng_tmpl_buf_json(&b, v, ENG_TMPL_NONE) < 0)
        abort();
    out->kind = PN_CONST;
    out->json = b.data;
    return 0;
}

/* Appends the strings of v that hold a placeholder to b, one per line. */
static void collect_tmpl_text(const json_t *v, struct eng_tmpl_buf *b)
{
    if (json_is_string(v)) {
        if (!strstr(json_string_value(v), "{{"))
            return;
        if (eng_tmpl_buf_put(b, json_string_value(v), json_string_length(v),
                             ENG_TMPL_NONE) < 0 ||
            eng_tmpl_buf_put(b, "\n", 1, ENG_TMPL_NONE) < 0)
            abort();
        return;
    }
    size_t i;
    const char *k;
    json_t *e;
    if (json_is_array(v))
        json_array_foreach(v, i, e)
            collect_tmpl_text(e, b);
    else if (json_is_object(v))
        json_object_foreach((json_t *)v, k, e)
            collect_tmpl_text(e, b);
}

static int compile_emit(struct loader *L, const json_t *rule, struct rule *r)
{
    json_t *emit = json_object_get(rule, "emit");
    r->payload.kind = PN_OBJ;
    if (!emit || json_is_null(emit))
        return 0;
    if (!json_is_object(emit))
        return eng_config_error_member(L->cfg, rule, "emit", L->err,
                                       "emit must be a mapping");
    json_t *ch = json_object_get(emit, "channel");
    if (ch) {
        if (!json_is_string(ch))
            return eng_config_error_member(L->cfg, emit, "channel", L->err,
                                           "emit.channel must be a string");
        struct eng_error terr;
        r->channel = eng_template_compile(json_string_value(ch),
                                          json_string_length(ch), &terr);
        if (!r->channel)
            return eng_config_error(L->cfg, ch, L->err, "emit.channel: %s",
                                    terr.msg);
    }
    /* the payload is emit without channel; compile from a shallow copy so
     * positions (looked up by node pointer) still work for the members */
    json_t *copy = json_object();
    const char *k;
    json_t *e;
    json_object_foreach(emit, k, e) {
        if (strcmp(k, "channel") != 0)
            json_object_set(copy, k, e);
    }
    int rc = compile_pnode(L, copy, "emit", &r->payload);
    json_decref(copy);
    struct eng_tmpl_buf tb = {0};
    collect_tmpl_text(emit, &tb);
    r->tmpl_text = tb.data;
    return rc;
}

/* ---------------------------------------------------------------- when */

/* Where the text of the scalar obj[key] starts (see the header comment). */
static void expr_start(struct loader *L, const json_t *obj, const char *key,
                       long *line, long *col)
{
    struct eng_pos pos;
    if (eng_config_pos_member(L->cfg, obj, key, &pos) < 0) {
        *line = 1, *col = 1;
        return;
    }
    *line = pos.line;
    *col = pos.col;
    if (pos.quoted == 1) {
        (*col)++;
    } else if (pos.quoted == 2 && L->text) {
        /* first non-blank line after the indicator's line */
        long ln = 1;
        size_t i = 0;
        while (i < L->text_len && ln <= pos.line)
            if (L->text[i++] == '\n')
                ln++;
        while (i < L->text_len) {
            size_t c = 0;
            while (i + c < L->text_len && L->text[i + c] == ' ')
                c++;
            if (i + c < L->text_len && L->text[i + c] != '\n') {
                *line = ln;
                *col = (long)c + 1;
                return;
            }
            i += c + 1;
            ln++;
        }
    }
}

/* Compiles the expression at obj[member] into *out, with env's names. */
static int compile_cond(struct loader *L, const json_t *obj, const char *member,
                        const struct eng_expr_env *env, struct eng_expr **out)
{
    json_t *w = json_object_get(obj, member);
    if (!json_is_string(w))
        return eng_config_error_member(L->cfg, obj, member, L->err,
                                       "%s must be an expression (a string)",
                                       member);
    long line, col;
    expr_start(L, obj, member, &line, &col);
    const char *text = json_string_value(w);
    size_t len = json_string_length(w);
    struct eng_pos pos;
    struct eng_tmpl_buf indented = {0};
    if (eng_config_pos_member(L->cfg, obj, member, &pos) == 0 &&
        pos.quoted == 2 && col > 1 && memchr(text, '\n', len)) {
        /* a literal block lost its indentation; put it back so the
         * compiler's columns are the file's */
        for (size_t i = 0; i < len; i++) {
            if (eng_tmpl_buf_put(&indented, text + i, 1, ENG_TMPL_NONE) < 0)
                abort();
            for (long c = 1; text[i] == '\n' && i + 1 < len && c < col; c++)
                if (eng_tmpl_buf_put(&indented, " ", 1, ENG_TMPL_NONE) < 0)
                    abort();
        }
        text = indented.data;
        len = indented.len;
    }
    *out = eng_expr_compile(text, len, env, L->file, line, col, L->err);
    eng_tmpl_buf_free(&indented);
    if (!*out)
        return -1;
    /* The static type check we can afford: with no record, every field is
     * missing (an error value), so a result that is neither bool nor error
     * comes from the literals and operators alone and can never be a
     * condition (`1 + 2`, `has(x) ? true : "no"` when x is missing). */
    const struct eng_expr_value *v = eng_expr_eval(*out, L->ctx, NULL, NULL);
    if (v->kind != ENG_EXPR_BOOL && v->kind != ENG_EXPR_ERROR) {
        eng_error_at(L->err, L->file, line, col,
                     "condition is of type %s, not bool",
                     eng_expr_kind_name(v->kind));
        return -1;
    }
    return 0;
}

static int compile_when(struct loader *L, const json_t *rule, struct rule *r)
{
    static const struct eng_expr_env env = { "event", NULL, 0 };
    return compile_cond(L, rule, "when", &env, &r->when);
}

static int parse_duration(struct loader *L, const json_t *obj, const char *member,
                          int64_t *out)
{
    json_t *d = json_object_get(obj, member);
    if (json_is_string(d) &&
        eng_duration_parse_exact(json_string_value(d), json_string_length(d),
                                 out) == 0)
        return 0;
    /* Rules compare times at millisecond precision, so a finer fraction
     * would silently truncate (0.0005s would mean 0s): RULES.md asks for
     * fractions that come to whole milliseconds. Say so apart. */
    if (json_is_string(d) &&
        eng_duration_parse(json_string_value(d), json_string_length(d), out) == 0)
        return eng_config_error_member(L->cfg, obj, member, L->err,
                                       "%s: '%s' is not a whole number of "
                                       "milliseconds", member,
                                       json_string_value(d));
    return eng_config_error_member(L->cfg, obj, member, L->err,
                                   "%s: expected a duration such as 30m, "
                                   "1h30m or 7d", member);
}

/* ---------------------------------------------------------------- sequence */

/* A sequence (RULES.md, Sequences; Validity): a list of steps, each
 * {as?, when | absent, within?}; `within` not on step 1; `absent` only as the
 * last step of two or more, with `within` and without `as`; a step's
 * condition may name earlier aliases, not its own. */
static int compile_sequence(struct loader *L, const json_t *rule, struct rule *r)
{
    static const char *const skeys[] = { "as", "when", "absent", "within", NULL };
    json_t *seq = json_object_get(rule, "sequence");
    if (!json_is_array(seq) || json_array_size(seq) == 0)
        return eng_config_error_member(L->cfg, rule, "sequence", L->err,
                                       "sequence must be a non-empty list of steps");
    size_t n = json_array_size(seq);
    if (!(r->steps = calloc(n, sizeof *r->steps)) ||
        !(r->aliases = calloc(n, sizeof *r->aliases)))
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *st = json_array_get(seq, i);
        struct step *s = &r->steps[i];
        s->alias = -1;
        r->nsteps++;
        if (!json_is_object(st)) {
            struct eng_pos pos;
            eng_config_pos_index(L->cfg, seq, i, &pos);
            eng_error_at(L->err, L->file, pos.line, pos.col,
                         "a step must be a mapping");
            return -1;
        }
        if (eng_config_check_keys(L->cfg, st, skeys, "step", L->err) < 0)
            return -1;
        int has_when = json_object_get(st, "when") != NULL;
        s->absent = json_object_get(st, "absent") != NULL;
        if (has_when == s->absent) {
            struct eng_pos pos;
            eng_config_pos(L->cfg, st, &pos);
            eng_error_at(L->err, L->file, pos.line, pos.col,
                         "a step needs exactly one of 'when' and 'absent'");
            return -1;
        }
        json_t *as = json_object_get(st, "as");
        if (as && s->absent)
            return eng_config_error_member(L->cfg, st, "as", L->err,
                                           "an absent step has no alias: "
                                           "it matches no event");
        if (as) {
            if (!json_is_string(as) || json_string_length(as) == 0 ||
                strlen(json_string_value(as)) != json_string_length(as))
                return eng_config_error_member(L->cfg, st, "as", L->err,
                                               "as must be a name");
            for (size_t a = 0; a < r->naliases; a++)
                if (strcmp(r->aliases[a], json_string_value(as)) == 0)
                    return eng_config_error_member(L->cfg, st, "as", L->err,
                                                   "duplicate alias '%s'",
                                                   r->aliases[a]);
            if (!(r->aliases[r->naliases] = strdup(json_string_value(as))))
                abort();
            s->alias = (int)r->naliases++;
        }
        if (s->absent && i == 0)
            return eng_config_error_member(L->cfg, st, "absent", L->err,
                                           "an absent step cannot be first "
                                           "(or alone): absent after what?");
        if (json_object_get(st, "within")) {
            if (i == 0)
                return eng_config_error_member(L->cfg, st, "within", L->err,
                                               "within on the first step: "
                                               "there is no step before it");
            if (parse_duration(L, st, "within", &s->within_ms) < 0)
                return -1;
            s->has_within = 1;
        }
        if (s->absent) {
            if (i == 0)
                return eng_config_error_member(L->cfg, st, "absent", L->err,
                                               "an absent step cannot be first "
                                               "(or alone): absent after what?");
            if (i + 1 != n)
                return eng_config_error_member(L->cfg, st, "absent", L->err,
                                               "an absent step may only be "
                                               "the last step");
            if (!s->has_within) {
                struct eng_pos pos;
                eng_config_pos(L->cfg, st, &pos);
                eng_error_at(L->err, L->file, pos.line, pos.col,
                             "an absent step needs within");
                return -1;
            }
        }
    }
    struct eng_expr_env env = { "event", (const char *const *)r->aliases,
                                r->naliases };
    for (size_t i = 0; i < n; i++) {
        json_t *st = json_array_get(seq, i);
        struct step *s = &r->steps[i];
        const char *member = s->absent ? "absent" : "when";
        if (compile_cond(L, st, member, &env, &s->when) < 0)
            return -1;
        if (s->alias >= 0 && eng_expr_uses_alias(s->when, (size_t)s->alias))
            return eng_config_error_member(L->cfg, st, member, L->err,
                                           "the condition names its own alias "
                                           "'%s'", r->aliases[s->alias]);
    }
    json_t *inst = json_object_get(rule, "instances");
    if (inst) {
        const char *v = json_is_string(inst) ? json_string_value(inst) : "";
        if (strcmp(v, "every") == 0)
            r->every = 1;
        else if (strcmp(v, "latest") != 0)
            return eng_config_error_member(L->cfg, rule, "instances", L->err,
                                           "instances must be latest or every");
    }
    r->max_instances = 100;
    json_t *mi = json_object_get(rule, "max_instances");
    if (mi) {
        if (!json_is_integer(mi) || json_integer_value(mi) < 1 ||
            json_integer_value(mi) > 1000000)
            return eng_config_error_member(L->cfg, rule, "max_instances", L->err,
                                           "max_instances must be an integer "
                                           "from 1 to 1000000");
        if (r->every) {
            r->max_instances = (size_t)json_integer_value(mi);
        } else {
            struct eng_pos pos;
            eng_config_pos_member(L->cfg, rule, "max_instances", &pos);
            eng_warn("%s:%ld:%ld: rule '%s': max_instances is ignored with "
                     "instances: latest", L->file, pos.line, pos.col, r->id);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- count */

static int compile_count(struct loader *L, const json_t *rule, struct rule *r)
{
    static const char *const ckeys[] = { "when", "at_least", "within", NULL };
    static const struct eng_expr_env env = { "event", NULL, 0 };
    json_t *c = json_object_get(rule, "count");
    if (!json_is_object(c))
        return eng_config_error_member(L->cfg, rule, "count", L->err,
                                       "count must be a mapping "
                                       "{when, at_least, within}");
    if (eng_config_check_keys(L->cfg, c, ckeys, "count", L->err) < 0)
        return -1;
    const char *need[] = { "when", "at_least", "within" };
    for (size_t i = 0; i < 3; i++) {
        if (!json_object_get(c, need[i]))
            return eng_config_error_member(L->cfg, rule, "count", L->err,
                                           "count needs %s", need[i]);
    }
    if (compile_cond(L, c, "when", &env, &r->when) < 0)
        return -1;
    json_t *al = json_object_get(c, "at_least");
    if (!json_is_integer(al) || json_integer_value(al) < 1 ||
        json_integer_value(al) > 1000000)
        return eng_config_error_member(L->cfg, c, "at_least", L->err,
                                       "at_least must be an integer from 1 "
                                       "to 1000000");
    r->at_least = json_integer_value(al);
    return parse_duration(L, c, "within", &r->count_within_ms);
}

/* The definition's hash: the rule's mapping without emit and priority, with
 * its effective key, as sorted compact JSON, hashed with XXH3-64. */
static void rule_def(const json_t *rule, const char *key, char out[17])
{
    json_t *d = json_deep_copy(rule);
    if (!d)
        abort();
    json_object_del(d, "emit");
    json_object_del(d, "priority");
    json_object_set_new(d, "key", json_string(key));
    char *text = json_dumps(d, JSON_SORT_KEYS | JSON_COMPACT);
    if (!text)
        abort();
    snprintf(out, 17, "%016" PRIx64, (uint64_t)XXH3_64bits(text, strlen(text)));
    eng_json_free(text);
    json_decref(d);
}

/* ---------------------------------------------------------------- rules */

static int compile_key(struct loader *L, const json_t *obj, const char *what,
                       struct eng_path **out)
{
    json_t *k = json_object_get(obj, "key");
    if (!json_is_string(k))
        return eng_config_error_member(L->cfg, obj, "key", L->err,
                                       "%s must be a field path (a string)",
                                       what);
    struct eng_error perr;
    if (!(*out = eng_path_compile(json_string_value(k), &perr)))
        return eng_config_error_member(L->cfg, obj, "key", L->err, "%s: %s",
                                       what, perr.msg);
    return 0;
}

static int load_rule(struct loader *L, const json_t *rule, size_t idx,
                     const json_t *rules, const char *default_key,
                     struct rule *r)
{
    static const char *const keys[] = { "id", "description", "when",
        "sequence", "count", "emit", "priority", "cooldown", "key",
        "instances", "max_instances", NULL };
    if (!json_is_object(rule)) {
        struct eng_pos pos;
        eng_config_pos_index(L->cfg, rules, idx, &pos);
        eng_error_at(L->err, L->file, pos.line, pos.col,
                     "a rule must be a mapping");
        return -1;
    }
    if (eng_config_check_keys(L->cfg, rule, keys, "rule", L->err) < 0)
        return -1;
    json_t *id = json_object_get(rule, "id");
    if (!id) {
        struct eng_pos pos;
        eng_config_pos(L->cfg, rule, &pos);
        eng_error_at(L->err, L->file, pos.line, pos.col, "rule without an id");
        return -1;
    }
    if (!json_is_string(id) || json_string_length(id) == 0 ||
        strlen(json_string_value(id)) != json_string_length(id))
        return eng_config_error_member(L->cfg, rule, "id", L->err,
                                       "id must be a non-empty string");
    r->id = strdup(json_string_value(id));
    r->id_json = json_literal(r->id, strlen(r->id));
    if (!r->id || !r->id_json)
        abort();
    const char *kinds[] = { "when", "sequence", "count" };
    int nkinds = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!json_object_get(rule, kinds[i]))
            continue;
        if (nkinds++)
            return eng_config_error_member(L->cfg, rule, kinds[i], L->err,
                                           "a rule has one of when, sequence "
                                           "and count");
        r->kind = (enum rule_kind)i;
    }
    if (!nkinds) {
        struct eng_pos pos;
        eng_config_pos(L->cfg, rule, &pos);
        eng_error_at(L->err, L->file, pos.line, pos.col,
                     "rule '%s' needs 'when' (or 'sequence' or 'count')", r->id);
        return -1;
    }
    const char *seqonly[] = { "instances", "max_instances" };
    for (size_t i = 0; r->kind != RULE_SEQUENCE && i < 2; i++) {
        if (json_object_get(rule, seqonly[i]))
            return eng_config_error_member(L->cfg, rule, seqonly[i], L->err,
                                           "%s is only for sequence rules",
                                           seqonly[i]);
    }
    if (r->kind == RULE_WHEN && compile_when(L, rule, r) < 0)
        return -1;
    if (r->kind == RULE_SEQUENCE && compile_sequence(L, rule, r) < 0)
        return -1;
    if (r->kind == RULE_COUNT && compile_count(L, rule, r) < 0)
        return -1;
    if (json_object_get(rule, "cooldown")) {
        if (parse_duration(L, rule, "cooldown", &r->cooldown_ms) < 0)
            return -1;
        r->has_cooldown = 1;
    }
    json_t *pr = json_object_get(rule, "priority");
    if (pr) {
        if (!json_is_integer(pr))
            return eng_config_error_member(L->cfg, rule, "priority", L->err,
                                           "priority must be an integer");
        r->priority = json_integer_value(pr);
    }
    if (json_object_get(rule, "key")) {
        if (compile_key(L, rule, "key", &r->key) < 0)
            return -1;
    } else {
        struct eng_error perr;
        if (!(r->key = eng_path_compile(default_key, &perr)))
            abort();   /* checked when defaults were read */
    }
    const char *keytext = json_object_get(rule, "key")
        ? json_string_value(json_object_get(rule, "key")) : default_key;
    r->key_is_customer = strcmp(keytext, "customer") == 0;
    rule_def(rule, keytext, r->def);
    return compile_emit(L, rule, r);
}

static void rule_free(struct rule *r)
{
    free(r->id);
    free(r->id_json);
    eng_expr_free(r->when);
    for (size_t i = 0; i < r->nsteps; i++)
        eng_expr_free(r->steps[i].when);
    free(r->steps);
    for (size_t i = 0; i < r->naliases; i++)
        free(r->aliases[i]);
    free(r->aliases);
    eng_path_free(r->key);
    eng_template_free(r->channel);
    free(r->tmpl_text);
    pnode_free(&r->payload);
}

void rules_free(struct ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        rule_free(&rs->rules[i]);
    free(rs->rules);
    memset(rs, 0, sizeof *rs);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = cap < ((size_t)64 << 20) ? realloc(b, cap *= 2) : NULL;
            if (!nb) {
                free(b);
                b = NULL;
            } else {
                b = nb;
            }
        }
    }
    fclose(f);
    *len = n;
    return b;
}

int rules_load(const char *path, struct ruleset *rs, struct eng_error *err)
{
    static const char *const top[] = { "defaults", "rules", NULL };
    static const char *const dkeys[] = { "key", NULL };
    struct loader L = { 0 };
    const char *default_key = "customer";
    int rc = -1;

    memset(rs, 0, sizeof *rs);
    L.err = err;
    if (!(L.cfg = eng_config_load(path, err)))
        return -1;
    L.file = eng_config_file(L.cfg);
    L.text = slurp(path, &L.text_len);
    if (!(L.ctx = eng_expr_ctx_new()))
        abort();
    json_t *root = eng_config_root(L.cfg);
    if (!root || !json_is_object(root)) {
        eng_error_at(err, L.file, 0, 0, "expected a mapping with 'rules:'");
        goto out;
    }
    if (eng_config_check_keys(L.cfg, root, top, "the rule file", err) < 0)
        goto out;
    json_t *defs = json_object_get(root, "defaults");
    if (defs && !json_is_null(defs)) {
        struct eng_path *p = NULL;
        if (eng_config_check_keys(L.cfg, defs, dkeys, "defaults", err) < 0)
            goto out;
        if (json_object_get(defs, "key")) {
            if (compile_key(&L, defs, "defaults.key", &p) < 0)
                goto out;
            eng_path_free(p);
            default_key = json_string_value(json_object_get(defs, "key"));
        }
    }
    json_t *rules = json_object_get(root, "rules");
    if (!json_is_array(rules)) {
        if (rules)
            eng_config_error_member(L.cfg, root, "rules", err,
                                    "rules must be a list");
        else
            eng_error_at(err, L.file, 0, 0, "no 'rules:' list");
        goto out;
    }
    size_t n = json_array_size(rules);
    rs->rules = calloc(n ? n : 1, sizeof *rs->rules);
    if (!rs->rules)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *rule = json_array_get(rules, i);
        struct rule *r = &rs->rules[rs->n++];
        if (load_rule(&L, rule, i, rules, default_key, r) < 0)
            goto out;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(rs->rules[j].id, r->id) != 0)
                continue;
            struct eng_pos first;
            eng_config_pos_member(L.cfg, json_array_get(rules, j), "id", &first);
            eng_config_error_member(L.cfg, rule, "id", err,
                                    "duplicate rule id '%s' (first at line %ld)",
                                    r->id, first.line);
            goto out;
        }
        if (rule_keyed(r))
            rs->nkeyed++;
        if (r->kind != RULE_WHEN)
            rs->nstateful++;
    }
    rc = 0;
out:
    if (rc < 0)
        rules_free(rs);
    eng_expr_ctx_free(L.ctx);
    free(L.text);
    eng_config_free(L.cfg);
    return rc;
}
