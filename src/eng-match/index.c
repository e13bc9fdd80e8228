/* index: see index.h.
 *
 * Table keys are a type tag and the value's bytes: 's' + the string, or
 * 'i' + the int64 in native byte order. An event field holding a real with
 * an integral value (5.0) is looked up as the int 5, because eng's
 * equality compares numbers by value (5.0 == 5 is true). A rule with several
 * equality conjuncts is indexed on the first one: any one of them is a
 * necessary condition, and the first is usually the most selective verb.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "index.h"

struct rlist {
    size_t *v;
    size_t n;
};

struct ifield {
    char *name;
    struct hmap values;   /* tagged value -> struct rlist * */
};

struct rule_index {
    struct ifield *fields;
    size_t nfields;
    struct rlist always;  /* unindexed rules */
    size_t nindexed;
    size_t *out, *merge;  /* per-event scratch, n rules each */
    char *kbuf;           /* scratch for tagged keys */
    size_t kcap;
    const struct rlist **hits;
};

static void rlist_add(struct rlist *l, size_t i)
{
    size_t *v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        abort();
    l->v = v;
    l->v[l->n++] = i;
}

static void rlist_free(void *p)
{
    struct rlist *l = p;
    if (l)
        free(l->v);
    free(l);
}

/* Tagged key of a literal or an event value into ix->kbuf; returns its
 * length, or 0 when the value cannot be an index hit. */
static size_t tag(struct rule_index *ix, char t, const void *b, size_t len)
{
    if (len + 1 > ix->kcap) {
        char *k = realloc(ix->kbuf, len + 1);
        if (!k)
            abort();
        ix->kbuf = k;
        ix->kcap = len + 1;
    }
    ix->kbuf[0] = t;
    memcpy(ix->kbuf + 1, b, len);
    return len + 1;
}

static size_t tag_value(struct rule_index *ix, const json_t *v)
{
    int64_t i;
    if (json_is_string(v))
        return tag(ix, 's', json_string_value(v), json_string_length(v));
    if (json_is_integer(v)) {
        i = json_integer_value(v);
        return tag(ix, 'i', &i, sizeof i);
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9.2e18 && d <= 9.2e18 && d == floor(d)) {
            i = (int64_t)d;
            return tag(ix, 'i', &i, sizeof i);
        }
    }
    return 0;
}

struct rule_index *rule_index_new(const struct ruleset *rs)
{
    struct rule_index *ix = calloc(1, sizeof *ix);
    size_t n = rs->n ? rs->n : 1;
    if (!ix || !(ix->out = calloc(n, sizeof *ix->out)) ||
        !(ix->merge = calloc(n, sizeof *ix->merge)))
        abort();
    for (size_t r = 0; r < rs->n; r++) {
        struct eng_expr_eq eq;
        /* a sequence is indexed by its step 1: the matcher adds the
         * sequences with instances pending for the event's key, whose later
         * steps may advance or cancel on any event */
        const struct rule *ru = &rs->rules[r];
        const struct eng_expr *cond = ru->kind == RULE_SEQUENCE
                                          ? ru->steps[0].when : ru->when;
        if (!cond || eng_expr_eq_conjuncts(cond, &eq, 1) == 0) {
            rlist_add(&ix->always, r);
            continue;
        }
        size_t f;
        for (f = 0; f < ix->nfields; f++)
            if (strcmp(ix->fields[f].name, eq.field) == 0)
                break;
        if (f == ix->nfields) {
            struct ifield *nf = realloc(ix->fields, (f + 1) * sizeof *nf);
            if (!nf)
                abort();
            ix->fields = nf;
            memset(&nf[f], 0, sizeof nf[f]);
            if (!(nf[f].name = strdup(eq.field)))
                abort();
            ix->nfields++;
        }
        size_t klen = eq.is_int ? tag(ix, 'i', &eq.int_value, sizeof eq.int_value)
                                : tag(ix, 's', eq.str, eq.str_len);
        int created;
        struct hmap_ent *e = hmap_put(&ix->fields[f].values, ix->kbuf, klen,
                                      &created);
        if (!e)
            abort();
        if (created && !(e->val.p = calloc(1, sizeof(struct rlist))))
            abort();
        rlist_add(e->val.p, r);
        if (ru->kind != RULE_SEQUENCE)
            ix->nindexed++;     /* --check counts the rules never tested
                                   without an index hit */
    }
    if (!(ix->hits = calloc(ix->nfields + 1, sizeof *ix->hits)))
        abort();
    return ix;
}

void rule_index_free(struct rule_index *ix)
{
    if (!ix)
        return;
    for (size_t f = 0; f < ix->nfields; f++) {
        free(ix->fields[f].name);
        hmap_free(&ix->fields[f].values, rlist_free);
    }
    free(ix->fields);
    free(ix->always.v);
    free(ix->out);
    free(ix->merge);
    free(ix->kbuf);
    free(ix->hits);
    free(ix);
}

size_t rule_index_nindexed(const struct rule_index *ix) { return ix->nindexed; }
size_t rule_index_nfields(const struct rule_index *ix) { return ix->nfields; }

const size_t *rule_index_candidates(struct rule_index *ix, const json_t *ev,
                                    size_t *n)
{
    size_t nh = 0;
    if (ix->always.n)
        ix->hits[nh++] = &ix->always;
    for (size_t f = 0; f < ix->nfields; f++) {
        size_t klen = tag_value(ix, json_object_get(ev, ix->fields[f].name));
        struct hmap_ent *e = klen ? hmap_get(&ix->fields[f].values, ix->kbuf, klen)
                                  : NULL;
        if (e)
            ix->hits[nh++] = e->val.p;
    }
    if (nh == 0) {
        *n = 0;
        return ix->out;
    }
    if (nh == 1) {
        *n = ix->hits[0]->n;
        return ix->hits[0]->v;
    }
    /* merge sorted lists pairwise; each rule is in exactly one list */
    size_t len = ix->hits[0]->n;
    memcpy(ix->out, ix->hits[0]->v, len * sizeof *ix->out);
    for (size_t h = 1; h < nh; h++) {
        const struct rlist *l = ix->hits[h];
        size_t a = 0, b = 0, m = 0;
        while (a < len || b < l->n)
            ix->merge[m++] = (b >= l->n || (a < len && ix->out[a] < l->v[b]))
                                 ? ix->out[a++] : l->v[b++];
        size_t *t = ix->out;
        ix->out = ix->merge;
        ix->merge = t;
        len = m;
    }
    *n = len;
    return ix->out;
}
