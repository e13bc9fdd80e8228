/* expr_eval: walks a compiled tree against one record.
 *
 * Every node yields a value; an error is a value too (CEL's semantics,
 * cel-spec langdef.md "Evaluation"): operators and functions are strict in
 * their arguments (the leftmost error propagates), except
 *   - a && b: false if either side is false, else the first error (a
 *     non-bool counts as an error: "no matching overload"), else true;
 *   - a || b: the same with true;
 *   - c ? a : b: evaluates only the branch chosen; an error in c propagates;
 *   - all/exists: a deciding element wins over errors in other elements.
 * So `false && 1/0 == 1` is false and `1/0 == 1 && false` is false too.
 *
 * Arithmetic: int overflow is an error (cel-spec "Overflow"); int and double
 * mixed promote to double (eng's documented deviation); timestamps and
 * durations are exact in 128-bit nanoseconds and range-checked (a duration
 * is at most +-(2^63-1) ns, about 292 years, as in cel-go and the
 * conformance tests; timestamps are years 0001..9999).
 */
#include <math.h>
#include <string.h>

#include "expr_int.h"

typedef __int128 i128;
#define NS 1000000000

static val no_overload(struct eng_expr_ctx *ctx, const char *op, const val *a,
                       const val *b)
{
    if (b)
        return v_errf(ctx, "no matching overload for '%s' applied to (%s, %s)",
                      op, eng_expr_kind_name(a->kind),
                      eng_expr_kind_name(b->kind));
    return v_errf(ctx, "no matching overload for '%s' applied to (%s)", op,
                  eng_expr_kind_name(a->kind));
}

static i128 t_ns(const val *v) { return (i128)v->u.t.sec * NS + v->u.t.nsec; }

static val mk_ts(i128 ns)
{
    i128 s = ns / NS, r = ns % NS;
    if (r < 0) {
        r += NS;
        s--;
    }
    if (s < TS_MIN_SEC || s > TS_MAX_SEC)
        return v_err("timestamp out of range");
    val v = { .kind = ENG_EXPR_TIMESTAMP };
    v.u.t.sec = (int64_t)s;
    v.u.t.nsec = (int32_t)r;
    return v;
}

static val mk_dur(i128 ns)
{
    i128 s = ns / NS, r = ns % NS;    /* same signs (C truncation) */
    if (ns > INT64_MAX || ns < -(i128)INT64_MAX)
        return v_err("duration out of range");
    val v = { .kind = ENG_EXPR_DURATION };
    v.u.t.sec = (int64_t)s;
    v.u.t.nsec = (int32_t)r;
    return v;
}

static int num(const val *v, double *d)
{
    if (v->kind == ENG_EXPR_INT) { *d = (double)v->u.i; return 1; }
    if (v->kind == ENG_EXPR_DOUBLE) { *d = v->u.d; return 1; }
    return 0;
}

static val concat_lists(struct eng_expr_ctx *ctx, const val *a, const val *b)
{
    size_t na = v_len(a), nb = v_len(b);
    val r = { .kind = ENG_EXPR_LIST, .rep = REP_ARENA };
    if (na + nb) {
        val *e = arena_alloc(ctx, (na + nb) * sizeof *e);
        if (!e)
            return v_err("out of memory");
        for (size_t i = 0; i < na; i++)
            e[i] = v_list_at(ctx, a, i);
        for (size_t i = 0; i < nb; i++)
            e[na + i] = v_list_at(ctx, b, i);
        r.u.p = e;
    }
    r.n = na + nb;
    return r;
}

static val arith(struct eng_expr_ctx *ctx, enum node_kind op, const val *a,
                 const val *b)
{
    static const char *const names[] = { "+", "-", "*", "/", "%" };
    const char *opn = names[op - N_ADD];
    enum eng_expr_kind ka = a->kind, kb = b->kind;
    if (ka == ENG_EXPR_INT && kb == ENG_EXPR_INT) {
        int64_t x = a->u.i, y = b->u.i, r;
        switch (op) {
        case N_ADD:
            if (__builtin_add_overflow(x, y, &r)) return v_err("int overflow");
            return v_int(r);
        case N_SUB:
            if (__builtin_sub_overflow(x, y, &r)) return v_err("int overflow");
            return v_int(r);
        case N_MUL:
            if (__builtin_mul_overflow(x, y, &r)) return v_err("int overflow");
            return v_int(r);
        case N_DIV:
            if (y == 0) return v_err("division by zero");
            if (x == INT64_MIN && y == -1) return v_err("int overflow");
            return v_int(x / y);
        default:
            if (y == 0) return v_err("modulus by zero");
            if (x == INT64_MIN && y == -1) return v_err("int overflow");
            return v_int(x % y);
        }
    }
    double dx, dy;
    if (op != N_MOD && num(a, &dx) && num(b, &dy)) {
        switch (op) {
        case N_ADD: return v_double(dx + dy);
        case N_SUB: return v_double(dx - dy);
        case N_MUL: return v_double(dx * dy);
        default: return v_double(dx / dy);   /* IEEE: x/0 is +-Inf or NaN */
        }
    }
    if (op == N_ADD) {
        if (ka == ENG_EXPR_STRING && kb == ENG_EXPR_STRING) {
            size_t n = a->u.str.len + b->u.str.len;
            char *s = arena_alloc(ctx, n + 1);
            if (!s)
                return v_err("out of memory");
            if (a->u.str.len)
                memcpy(s, a->u.str.s, a->u.str.len);
            if (b->u.str.len)
                memcpy(s + a->u.str.len, b->u.str.s, b->u.str.len);
            s[n] = '\0';
            return v_str(s, n);
        }
        if (ka == ENG_EXPR_LIST && kb == ENG_EXPR_LIST)
            return concat_lists(ctx, a, b);
        if (ka == ENG_EXPR_TIMESTAMP && kb == ENG_EXPR_DURATION)
            return mk_ts(t_ns(a) + t_ns(b));
        if (ka == ENG_EXPR_DURATION && kb == ENG_EXPR_TIMESTAMP)
            return mk_ts(t_ns(a) + t_ns(b));
        if (ka == ENG_EXPR_DURATION && kb == ENG_EXPR_DURATION)
            return mk_dur(t_ns(a) + t_ns(b));
    } else if (op == N_SUB) {
        if (ka == ENG_EXPR_TIMESTAMP && kb == ENG_EXPR_DURATION)
            return mk_ts(t_ns(a) - t_ns(b));
        if (ka == ENG_EXPR_TIMESTAMP && kb == ENG_EXPR_TIMESTAMP)
            return mk_dur(t_ns(a) - t_ns(b));
        if (ka == ENG_EXPR_DURATION && kb == ENG_EXPR_DURATION)
            return mk_dur(t_ns(a) - t_ns(b));
    }
    return no_overload(ctx, opn, a, b);
}

static val eval_in(struct eng_expr_ctx *ctx, const val *x, const val *c)
{
    if (c->kind == ENG_EXPR_LIST) {
        size_t n = v_len(c);
        for (size_t i = 0; i < n; i++) {
            val e = v_list_at(ctx, c, i);
            if (v_equal(ctx, x, &e))
                return v_bool(1);
        }
        return v_bool(0);
    }
    if (c->kind == ENG_EXPR_MAP) {
        if (x->kind != ENG_EXPR_STRING)
            return v_bool(0);   /* maps have string keys only */
        val dummy;
        return v_bool(v_map_get(ctx, c, x->u.str.s, x->u.str.len, &dummy));
    }
    return no_overload(ctx, "in", x, c);
}

static val eval_index(struct eng_expr_ctx *ctx, const val *c, const val *i)
{
    if (c->kind == ENG_EXPR_LIST) {
        int64_t k;
        if (i->kind == ENG_EXPR_INT) {
            k = i->u.i;
        } else if (i->kind == ENG_EXPR_DOUBLE && i->u.d == trunc(i->u.d) &&
                   fabs(i->u.d) < 9.2e18) {
            k = (int64_t)i->u.d;   /* CEL: heterogeneous numeric index */
        } else {
            return no_overload(ctx, "[]", c, i);
        }
        size_t n = v_len(c);
        if (k < 0 || (uint64_t)k >= n)
            return v_errf(ctx, "index %lld out of range (list of size %zu)",
                          (long long)k, n);
        return v_list_at(ctx, c, (size_t)k);
    }
    if (c->kind == ENG_EXPR_MAP) {
        if (i->kind != ENG_EXPR_STRING)
            return v_errf(ctx, "no such key (a %s)", eng_expr_kind_name(i->kind));
        val out;
        if (v_map_get(ctx, c, i->u.str.s, i->u.str.len, &out))
            return out;
        return v_errf(ctx, "no such key: '%.*s'",
                      (int)(i->u.str.len > 100 ? 100 : i->u.str.len),
                      i->u.str.s);
    }
    return no_overload(ctx, "[]", c, i);
}

static val eval_list(struct eng_expr_ctx *ctx, const struct node *n)
{
    val r = { .kind = ENG_EXPR_LIST, .rep = REP_ARENA };
    if (n->nkids) {
        val *e = arena_alloc(ctx, n->nkids * sizeof *e);
        if (!e)
            return v_err("out of memory");
        for (size_t i = 0; i < n->nkids; i++) {
            e[i] = expr_eval_node(ctx, n->kids[i]);
            if (e[i].kind == ENG_EXPR_ERROR)
                return e[i];
        }
        r.u.p = e;
    }
    r.n = n->nkids;
    return r;
}

static val eval_map(struct eng_expr_ctx *ctx, const struct node *n)
{
    size_t cnt = n->nkids / 2;
    val r = { .kind = ENG_EXPR_MAP, .rep = REP_ARENA };
    if (cnt) {
        struct map_entry *e = arena_alloc(ctx, cnt * sizeof *e);
        if (!e)
            return v_err("out of memory");
        for (size_t i = 0; i < cnt; i++) {
            val k = expr_eval_node(ctx, n->kids[2 * i]);
            if (k.kind == ENG_EXPR_ERROR)
                return k;
            if (k.kind != ENG_EXPR_STRING)
                return v_errf(ctx, "map keys must be strings, not %s",
                              eng_expr_kind_name(k.kind));
            val v = expr_eval_node(ctx, n->kids[2 * i + 1]);
            if (v.kind == ENG_EXPR_ERROR)
                return v;
            for (size_t j = 0; j < i; j++)
                if (e[j].klen == k.u.str.len &&
                    memcmp(e[j].key, k.u.str.s, k.u.str.len) == 0)
                    return v_errf(ctx, "repeated map key '%.*s'",
                                  (int)(k.u.str.len > 100 ? 100 : k.u.str.len),
                                  k.u.str.s);
            e[i].key = k.u.str.s;
            e[i].klen = k.u.str.len;
            e[i].v = v;
        }
        r.u.p = e;
    }
    r.n = cnt;
    return r;
}

/* Element i of a comprehension's range: list elements, or map keys. */
static int range_next(struct eng_expr_ctx *ctx, const val *r, void **it,
                      size_t i, val *x)
{
    if (r->kind == ENG_EXPR_LIST) {
        if (i >= v_len(r))
            return 0;
        *x = v_list_at(ctx, r, i);
        return 1;
    }
    return expr_map_iter(ctx, r, it, i, x);
}

static val eval_compr(struct eng_expr_ctx *ctx, const struct node *n)
{
    val r = expr_eval_node(ctx, n->kids[0]);
    if (r.kind == ENG_EXPR_ERROR)
        return r;
    if (r.kind != ENG_EXPR_LIST && r.kind != ENG_EXPR_MAP)
        return v_errf(ctx, "no matching overload: cannot iterate over %s",
                      eng_expr_kind_name(r.kind));
    size_t len = v_len(&r);
    val *out = NULL;
    size_t nout = 0;
    if ((n->fn == M_MAP || n->fn == M_FILTER) && len) {
        out = arena_alloc(ctx, len * sizeof *out);
        if (!out)
            return v_err("out of memory");
    }
    val saved = ctx->vars[n->slot];
    val err = { .kind = ENG_EXPR_NULL };
    int have_err = 0, count = 0;
    void *it = NULL;
    val x, res;
    int decided = 0;
    for (size_t i = 0; !decided && range_next(ctx, &r, &it, i, &x); i++) {
        ctx->vars[n->slot] = x;
        val b = expr_eval_node(ctx, n->kids[1]);
        int isbool = b.kind == ENG_EXPR_BOOL;
        switch (n->fn) {
        case M_ALL:
        case M_EXISTS:
            if (isbool && b.u.b == (n->fn == M_EXISTS)) {
                decided = 1;
            } else if (!isbool && !have_err) {
                have_err = 1;
                err = b.kind == ENG_EXPR_ERROR
                          ? b : v_err("no matching overload: predicate is not a bool");
            }
            break;
        case M_EXISTS_ONE:
            if (!isbool) {
                ctx->vars[n->slot] = saved;
                return b.kind == ENG_EXPR_ERROR
                           ? b : v_err("no matching overload: predicate is not a bool");
            }
            count += b.u.b;
            break;
        case M_FILTER:
            if (!isbool) {
                ctx->vars[n->slot] = saved;
                return b.kind == ENG_EXPR_ERROR
                           ? b : v_err("no matching overload: predicate is not a bool");
            }
            if (b.u.b)
                out[nout++] = x;
            break;
        case M_MAP:
            if (n->nkids == 3) {
                if (!isbool) {
                    ctx->vars[n->slot] = saved;
                    return b.kind == ENG_EXPR_ERROR
                               ? b : v_err("no matching overload: filter is not a bool");
                }
                if (!b.u.b)
                    break;
                b = expr_eval_node(ctx, n->kids[2]);
            }
            if (b.kind == ENG_EXPR_ERROR) {
                ctx->vars[n->slot] = saved;
                return b;
            }
            out[nout++] = b;
            break;
        }
    }
    ctx->vars[n->slot] = saved;
    switch (n->fn) {
    case M_ALL:
        return decided ? v_bool(0) : have_err ? err : v_bool(1);
    case M_EXISTS:
        return decided ? v_bool(1) : have_err ? err : v_bool(0);
    case M_EXISTS_ONE:
        return v_bool(count == 1);
    default:
        res.kind = ENG_EXPR_LIST;
        res.rep = REP_ARENA;
        res.u.p = out;
        res.n = nout;
        return res;
    }
}

/* && and ||: `decider` is the value that settles the result. */
static val eval_logic(struct eng_expr_ctx *ctx, const struct node *n,
                      int decider)
{
    val a = expr_eval_node(ctx, n->kids[0]);
    if (a.kind == ENG_EXPR_BOOL && a.u.b == decider)
        return a;
    val b = expr_eval_node(ctx, n->kids[1]);
    if (b.kind == ENG_EXPR_BOOL && b.u.b == decider)
        return b;
    if (a.kind == ENG_EXPR_ERROR)
        return a;
    if (a.kind != ENG_EXPR_BOOL)
        return no_overload(ctx, decider ? "||" : "&&", &a, &b);
    if (b.kind == ENG_EXPR_ERROR)
        return b;
    if (b.kind != ENG_EXPR_BOOL)
        return no_overload(ctx, decider ? "||" : "&&", &a, &b);
    return v_bool(!decider);
}

static val select_field(struct eng_expr_ctx *ctx, const val *m,
                        const struct node *n, int test_only)
{
    if (m->kind != ENG_EXPR_MAP)
        return v_errf(ctx, "type '%s' does not support field selection "
                           "('.%s')", eng_expr_kind_name(m->kind), n->name);
    val out;
    int found = v_map_get(ctx, m, n->name, n->name_len, &out);
    if (test_only)
        return v_bool(found);
    if (found)
        return out;
    return v_errf(ctx, "no such key: '%s'", n->name);
}

val expr_eval_node(struct eng_expr_ctx *ctx, const struct node *n)
{
    switch (n->kind) {
    case N_LIT:
        return n->lit;
    case N_FIELD: {
        const json_t *r = ctx->record;
        json_t *j = r ? json_object_getn(r, n->name, n->name_len) : NULL;
        if (j)
            return v_from_json(ctx, j);
        return v_errf(ctx, "no such field: '%s'", n->name);
    }
    case N_RECORD:
        if (!ctx->record)
            return v_err("no record");
        return v_from_json(ctx, ctx->record);
    case N_ALIAS: {
        const json_t *a = ctx->aliases && (size_t)n->slot < ctx->n_aliases
                              ? ctx->aliases[n->slot] : NULL;
        if (!a)
            return v_err("alias not bound");
        return v_from_json(ctx, a);
    }
    case N_VAR:
        return ctx->vars[n->slot];
    case N_SELECT:
    case N_HAS: {
        val m = expr_eval_node(ctx, n->kids[0]);
        if (m.kind == ENG_EXPR_ERROR)
            return m;
        return select_field(ctx, &m, n, n->kind == N_HAS);
    }
    case N_INDEX: {
        val c = expr_eval_node(ctx, n->kids[0]);
        if (c.kind == ENG_EXPR_ERROR)
            return c;
        val i = expr_eval_node(ctx, n->kids[1]);
        if (i.kind == ENG_EXPR_ERROR)
            return i;
        return eval_index(ctx, &c, &i);
    }
    case N_LIST:
        return eval_list(ctx, n);
    case N_MAP:
        return eval_map(ctx, n);
    case N_AND:
        return eval_logic(ctx, n, 0);
    case N_OR:
        return eval_logic(ctx, n, 1);
    case N_NOT: {
        val a = expr_eval_node(ctx, n->kids[0]);
        if (a.kind == ENG_EXPR_BOOL)
            return v_bool(!a.u.b);
        if (a.kind == ENG_EXPR_ERROR)
            return a;
        return no_overload(ctx, "!", &a, NULL);
    }
    case N_NEG: {
        val a = expr_eval_node(ctx, n->kids[0]);
        if (a.kind == ENG_EXPR_INT) {
            if (a.u.i == INT64_MIN)
                return v_err("int overflow");
            return v_int(-a.u.i);
        }
        if (a.kind == ENG_EXPR_DOUBLE)
            return v_double(-a.u.d);
        if (a.kind == ENG_EXPR_ERROR)
            return a;
        return no_overload(ctx, "-", &a, NULL);
    }
    case N_COND: {
        val c = expr_eval_node(ctx, n->kids[0]);
        if (c.kind == ENG_EXPR_BOOL)
            return expr_eval_node(ctx, n->kids[c.u.b ? 1 : 2]);
        if (c.kind == ENG_EXPR_ERROR)
            return c;
        return no_overload(ctx, "?:", &c, NULL);
    }
    case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE:
    case N_IN: case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD: {
        val a = expr_eval_node(ctx, n->kids[0]);
        if (a.kind == ENG_EXPR_ERROR)
            return a;
        val b = expr_eval_node(ctx, n->kids[1]);
        if (b.kind == ENG_EXPR_ERROR)
            return b;
        switch (n->kind) {
        case N_EQ: return v_bool(v_equal(ctx, &a, &b));
        case N_NE: return v_bool(!v_equal(ctx, &a, &b));
        case N_IN: return eval_in(ctx, &a, &b);
        case N_LT: case N_LE: case N_GT: case N_GE: {
            int c;
            if (v_compare(&a, &b, &c) < 0) {
                static const char *const ops[] = { "<", "<=", ">", ">=" };
                return no_overload(ctx, ops[n->kind - N_LT], &a, &b);
            }
            if (c == 2)
                return v_bool(0);   /* NaN is unordered */
            switch (n->kind) {
            case N_LT: return v_bool(c < 0);
            case N_LE: return v_bool(c <= 0);
            case N_GT: return v_bool(c > 0);
            default: return v_bool(c >= 0);
            }
        }
        default:
            return arith(ctx, n->kind, &a, &b);
        }
    }
    case N_CALL:
        return expr_call(ctx, n);
    case N_COMPR:
        return eval_compr(ctx, n);
    }
    return v_err("internal error: bad node");
}
