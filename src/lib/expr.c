/* expr: the public entry points of the rule language (expr.h): compiling,
 * evaluating, and what the rule index reads from a compiled expression.
 *
 * Compilation = parse (expr_parse.c, names resolved there) + one pass that
 * turns lists of literals into constants, so `x in ["a", "b"]` builds
 * nothing per evaluation. Evaluation = reset the context's arena, walk the
 * tree (expr_eval.c).
 */
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr_int.h"

#define MAX_TEXT ((size_t)1 << 20)
#define MATCH_LIMIT 1000000u    /* pcre2 backtracking steps per match */
#define HEAP_LIMIT_KB 20000u    /* pcre2 backtracking memory per match */

static const struct eng_expr_env default_env = { "event", NULL, 0 };

/* Lists whose elements are all literals become one literal list, owned by
 * the expression. */
static int fold(struct eng_expr *e, struct node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (fold(e, n->kids[i]) < 0)
            return -1;
    if (n->kind != N_LIST || n->nkids == 0)
        return 0;
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->kind != N_LIT)
            return 0;
    val *items = expr_keep(e, calloc(n->nkids, sizeof *items));
    if (!items)
        return -1;
    for (size_t i = 0; i < n->nkids; i++)
        items[i] = n->kids[i]->lit;
    n->lit.kind = ENG_EXPR_LIST;
    n->lit.rep = REP_ARENA;
    n->lit.u.p = items;
    n->lit.n = n->nkids;
    n->kind = N_LIT;
    return 0;
}

struct eng_expr *eng_expr_compile(const char *text, size_t len,
                                  const struct eng_expr_env *env,
                                  const char *file, long line, long col,
                                  struct eng_error *err)
{
    if (!env)
        env = &default_env;
    if (len > MAX_TEXT) {
        eng_error_at(err, file ? file : "<expr>", line, col,
                     "expression longer than %zu bytes", MAX_TEXT);
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        eng_error_at(err, file ? file : "<expr>", line, col,
                     "NUL byte in expression");
        return NULL;
    }
    struct eng_expr *e = calloc(1, sizeof *e);
    if (!e) {
        eng_error_set(err, "out of memory");
        return NULL;
    }
    e->text = malloc(len + 1);
    e->n_aliases = env->n_aliases;
    e->aliases = calloc(env->n_aliases + 1, sizeof *e->aliases);
    e->alias_used = calloc(env->n_aliases + 1, 1);
    /* a private copy of env, so the tree can point at our strings */
    struct eng_expr_env copy = { NULL, (const char *const *)e->aliases,
                                 env->n_aliases };
    char *rn = env->record_name ? strdup(env->record_name) : NULL;
    int oom = !e->text || !e->aliases || !e->alias_used ||
              (env->record_name && !rn) || (rn && !expr_keep(e, rn));
    for (size_t i = 0; !oom && i < env->n_aliases; i++)
        oom = !(e->aliases[i] = strdup(env->aliases[i] ? env->aliases[i] : ""));
    if (oom) {
        eng_error_set(err, "out of memory");
        eng_expr_free(e);
        return NULL;
    }
    copy.record_name = rn;
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->root = expr_parse(e, e->text, len, &copy, file, line, col, err);
    if (!e->root || fold(e, e->root) < 0) {
        if (e->root)
            eng_error_set(err, "out of memory");
        eng_expr_free(e);
        return NULL;
    }
    return e;
}

void eng_expr_free(struct eng_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nres; i++)
        pcre2_code_free(e->res[i]);
    free(e->res);
    expr_free_nodes(e);
    if (e->aliases)
        for (size_t i = 0; i < e->n_aliases; i++)
            free(e->aliases[i]);
    free(e->aliases);
    free(e->alias_used);
    free(e->text);
    free(e);
}

const char *eng_expr_text(const struct eng_expr *e)
{
    return e->text;
}

int eng_expr_uses_alias(const struct eng_expr *e, size_t i)
{
    return i < e->n_aliases && e->alias_used[i];
}

/* eng_expr_paths: whether n is a chain of member names from the record
 * (`f.g`, `event.f.g`, `a.f.g`); then keys, lens and *nk hold it. */
static int member_chain(const struct node *n, const char **keys, size_t *lens,
                        size_t *nk)
{
    if (n->kind == N_FIELD) {
        keys[0] = n->name;
        lens[0] = n->name_len;
        *nk = 1;
        return 1;
    }
    if (n->kind != N_SELECT && n->kind != N_HAS)
        return 0;
    const struct node *base = n->kids[0];
    if (base->kind == N_RECORD || base->kind == N_ALIAS)
        *nk = 0;
    else if (!member_chain(base, keys, lens, nk))
        return 0;
    if (*nk < ENG_EXPR_MAX_PATH) {
        keys[*nk] = n->name;
        lens[(*nk)++] = n->name_len;
    }
    return 1;
}

/* 1 while every access to the record is through a member chain */
static int walk_paths(const struct node *n,
                      void (*add)(void *, const char *const *, const size_t *,
                                  size_t),
                      void *arg)
{
    const char *keys[ENG_EXPR_MAX_PATH];
    size_t lens[ENG_EXPR_MAX_PATH], nk;
    if (member_chain(n, keys, lens, &nk)) {
        add(arg, keys, lens, nk);
        return 1;
    }
    if (n->kind == N_RECORD || n->kind == N_ALIAS)
        return 0;               /* the record itself, not a member */
    for (size_t i = 0; i < n->nkids; i++)
        if (!walk_paths(n->kids[i], add, arg))
            return 0;
    return 1;
}

int eng_expr_paths(const struct eng_expr *e,
                   void (*add)(void *arg, const char *const *keys,
                               const size_t *lens, size_t n),
                   void *arg)
{
    return walk_paths(e->root, add, arg);
}

/* A node naming a top-level field: `f` or `event.f`. */
static const char *top_field(const struct node *n)
{
    if (n->kind == N_FIELD)
        return n->name;
    if (n->kind == N_SELECT && n->kids[0]->kind == N_RECORD)
        return n->name;
    return NULL;
}

static size_t conjuncts(const struct node *n, struct eng_expr_eq *out,
                        size_t max, size_t count)
{
    if (n->kind == N_AND) {
        count = conjuncts(n->kids[0], out, max, count);
        return conjuncts(n->kids[1], out, max, count);
    }
    if (n->kind != N_EQ)
        return count;
    const struct node *f = n->kids[0], *l = n->kids[1];
    if (!top_field(f) || l->kind != N_LIT) {
        f = n->kids[1];
        l = n->kids[0];
    }
    const char *name = top_field(f);
    if (!name || l->kind != N_LIT ||
        (l->lit.kind != ENG_EXPR_STRING && l->lit.kind != ENG_EXPR_INT))
        return count;
    if (count < max) {
        struct eng_expr_eq *q = &out[count];
        q->field = name;
        q->is_int = l->lit.kind == ENG_EXPR_INT;
        q->str = q->is_int ? NULL : l->lit.u.str.s;
        q->str_len = q->is_int ? 0 : l->lit.u.str.len;
        q->int_value = q->is_int ? l->lit.u.i : 0;
    }
    return count + 1;
}

size_t eng_expr_eq_conjuncts(const struct eng_expr *e, struct eng_expr_eq *out,
                             size_t max)
{
    return conjuncts(e->root, out, max, 0);
}

/* ------------------------------------------------------------ contexts */

struct eng_expr_ctx *eng_expr_ctx_new(void)
{
    struct eng_expr_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->match_data = pcre2_match_data_create(1, NULL);
    ctx->match_ctx = pcre2_match_context_create(NULL);
    if (!ctx->match_data || !ctx->match_ctx || !arena_alloc(ctx, 1)) {
        eng_expr_ctx_free(ctx);
        return NULL;
    }
    pcre2_set_match_limit(ctx->match_ctx, MATCH_LIMIT);
    pcre2_set_heap_limit(ctx->match_ctx, HEAP_LIMIT_KB);
    arena_reset(ctx);
    return ctx;
}

void eng_expr_ctx_free(struct eng_expr_ctx *ctx)
{
    if (!ctx)
        return;
    arena_reset(ctx);
    free(ctx->chunks);
    pcre2_match_data_free(ctx->match_data);
    pcre2_match_context_free(ctx->match_ctx);
    free(ctx);
}

void eng_expr_ctx_set_flags(struct eng_expr_ctx *ctx, unsigned flags)
{
    ctx->flags = flags;
}

const struct eng_expr_value *eng_expr_eval(const struct eng_expr *e,
                                           struct eng_expr_ctx *ctx,
                                           const json_t *record,
                                           const json_t *const *aliases)
{
    arena_reset(ctx);
    ctx->record = record && json_is_object(record) ? record : NULL;
    ctx->aliases = aliases;
    ctx->n_aliases = aliases ? e->n_aliases : 0;
    ctx->result = expr_eval_node(ctx, e->root);
    return &ctx->result;
}

int eng_expr_test(const struct eng_expr *e, struct eng_expr_ctx *ctx,
                  const json_t *record, const json_t *const *aliases,
                  struct eng_error *err)
{
    const struct eng_expr_value *v = eng_expr_eval(e, ctx, record, aliases);
    if (v->kind == ENG_EXPR_BOOL)
        return v->u.b;
    if (v->kind == ENG_EXPR_ERROR) {
        eng_error_set(err, "%s", v->u.str.s);
        return -1;
    }
    return 0;
}
