/* cep: keyed state of sequences, counts and cooldowns (cep.h teaches it).
 *
 * A sequence event, for one rule and key (RULES.md, Sequences):
 *   for each pending instance, in creation order:
 *     next = steps[k]; needs prev.ts <= ts (and ts <= prev.ts + within)
 *     absent step and its condition holds  -> cancelled (not an advance)
 *     otherwise the condition holds         -> bind, k++; complete -> fire
 *   then, unless `latest` and this event advanced the pending instance:
 *     step 1's condition holds -> a new instance (replacing the pending one
 *     with `latest`; with `every` the oldest goes past max_instances)
 * One event is tried once per instance, so it never serves two of its steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cep.h"

struct heap_ent {
    int64_t due;
    size_t k;                   /* the instance's step count when pushed */
    struct inst *in;
};

static void *xrealloc(void *p, size_t n)
{
    if (!(p = realloc(p, n ? n : 1)))
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

struct cep *cep_new(struct ruleset *rs, const struct cep_hooks *hooks)
{
    struct cep *c = calloc(1, sizeof *c);
    if (!c || !(c->maps = calloc(rs->n ? rs->n : 1, sizeof *c->maps)) ||
        !(c->ctx = eng_expr_ctx_new()))
        abort();
    c->rs = rs;
    c->hooks = *hooks;
    c->wm = c->maxts = CEP_NO_TIME;
    size_t na = 1;
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rules[i].naliases > na)
            na = rs->rules[i].naliases;
    c->av = xrealloc(NULL, na * sizeof *c->av);
    return c;
}

/* ---------------------------------------------------------------- memory */

static void kstate_free(struct kstate *ks)
{
    for (size_t i = 0; i < ks->nwin; i++)
        free(ks->win[i].id);
    free(ks->win);
    free(ks->tkey);
    json_decref(ks->key);
    free(ks);
}

static void inst_unref(struct cep *c, struct inst *in)
{
    (void)c;
    if (--in->refs > 0)
        return;
    struct kstate *ks = in->ks;
    for (size_t i = 0; i < in->k; i++) {
        json_decref(in->b[i].ev);
        free(in->b[i].id);
    }
    free(in);
    if (--ks->irefs == 0 && ks->detached)
        kstate_free(ks);
}

void cep_touch(struct cep *c, struct kstate *ks, int64_t ts)
{
    if (ts > ks->seen)
        ks->seen = ts;
    if (ks->dirty)
        return;
    if (c->ndirty == c->capdirty) {
        c->capdirty = c->capdirty ? c->capdirty * 2 : 256;
        c->dirty = xrealloc(c->dirty, c->capdirty * sizeof *c->dirty);
    }
    c->dirty[c->ndirty++] = ks;
    ks->dirty = 1;
}

/* Takes in out of its kstate's list (it stays allocated while the heap
 * refers to it). */
static void inst_remove(struct cep *c, struct inst *in)
{
    struct kstate *ks = in->ks;
    in->alive = 0;
    if (in->prev)
        in->prev->next = in->next;
    else
        ks->head = in->next;
    if (in->next)
        in->next->prev = in->prev;
    else
        ks->tail = in->prev;
    ks->ninst--;
    c->pending--;
    cep_touch(c, ks, CEP_NO_TIME);
    inst_unref(c, in);
}

void cep_free(struct cep *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nheap; i++)
        inst_unref(c, c->heap[i].in);
    for (size_t r = 0; r < c->rs->n; r++) {
        struct hmap *m = &c->maps[r];
        for (size_t i = 0; i < m->cap; i++) {
            struct kstate *ks = m->tab[i].key ? m->tab[i].val.p : NULL;
            if (!ks)
                continue;
            while (ks->head)
                inst_remove(c, ks->head);
            kstate_free(ks);
        }
        hmap_free(m, NULL);
    }
    /* detached kstates died with their last instance above */
    free(c->maps);
    free(c->heap);
    free(c->dirty);
    free(c->av);
    free(c->trig);
    free(c->trig_len);
    eng_expr_ctx_free(c->ctx);
    free(c);
}

struct kstate *cep_kstate(struct cep *c, size_t rule, const char *tkey,
                          size_t tklen, const json_t *keyval, int create)
{
    struct hmap_ent *e = hmap_get(&c->maps[rule], tkey, tklen);
    if (e)
        return e->val.p;
    if (!create)
        return NULL;
    int created;
    if (!(e = hmap_put(&c->maps[rule], tkey, tklen, &created)))
        abort();
    struct kstate *ks = calloc(1, sizeof *ks);
    if (!ks)
        abort();
    ks->rule = rule;
    ks->tkey = xstrndup(tkey, tklen);
    ks->tklen = tklen;
    ks->key = json_incref((json_t *)keyval);
    ks->seen = CEP_NO_TIME;
    e->val.p = ks;
    return ks;
}

/* ---------------------------------------------------------------- heap */

/* The order of due instances: due, key text, rule order, creation order. */
static int heap_less(const struct heap_ent *a, const struct heap_ent *b)
{
    if (a->due != b->due)
        return a->due < b->due;
    const struct kstate *x = a->in->ks, *y = b->in->ks;
    size_t n = x->tklen < y->tklen ? x->tklen : y->tklen;
    int cmp = memcmp(x->tkey + 1, y->tkey + 1, n ? n - 1 : 0);
    if (cmp)
        return cmp < 0;
    if (x->tklen != y->tklen)
        return x->tklen < y->tklen;
    if (x->rule != y->rule)
        return x->rule < y->rule;
    return a->in->cseq < b->in->cseq;
}

static void heap_push(struct cep *c, struct inst *in, int64_t due)
{
    if (c->nheap == c->capheap) {
        c->capheap = c->capheap ? c->capheap * 2 : 256;
        c->heap = xrealloc(c->heap, c->capheap * sizeof *c->heap);
    }
    in->refs++;
    size_t i = c->nheap++;
    struct heap_ent e = { due, in->k, in };
    while (i > 0 && heap_less(&e, &c->heap[(i - 1) / 2])) {
        c->heap[i] = c->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    c->heap[i] = e;
}

static struct heap_ent heap_pop(struct cep *c)
{
    struct heap_ent top = c->heap[0], last = c->heap[--c->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, s = l;
        if (l >= c->nheap)
            break;
        if (l + 1 < c->nheap && heap_less(&c->heap[l + 1], &c->heap[l]))
            s = l + 1;
        if (!heap_less(&c->heap[s], &last))
            break;
        c->heap[i] = c->heap[s];
        i = s;
    }
    if (c->nheap)
        c->heap[i] = last;
    return top;
}

/* Schedules in when its next step has a within. */
static void schedule(struct cep *c, struct inst *in)
{
    const struct rule *r = &c->rs->rules[in->ks->rule];
    const struct step *s = &r->steps[in->k];
    if (!s->has_within)
        return;
    int64_t due;
    if (__builtin_add_overflow(in->b[in->k - 1].ts, s->within_ms, &due))
        due = INT64_MAX;
    heap_push(c, in, due);
}

/* ---------------------------------------------------------------- firing */

static void grow_trig(struct cep *c, size_t n)
{
    if (n <= c->ntrigcap)
        return;
    c->ntrigcap = n * 2;
    c->trig = xrealloc(c->trig, c->ntrigcap * sizeof *c->trig);
    c->trig_len = xrealloc(c->trig_len, c->ntrigcap * sizeof *c->trig_len);
}

int cep_cooldown(struct cep *c, struct kstate *ks, int64_t ts)
{
    struct rule *r = &c->rs->rules[ks->rule];
    if (!r->has_cooldown)
        return 1;
    int64_t until;
    if (ks->has_cd) {
        if (__builtin_add_overflow(ks->cd_t, r->cooldown_ms, &until))
            until = INT64_MAX;
        if (ts < until) {
            r->cooled++;
            c->cooled++;
            return 0;
        }
    }
    ks->has_cd = 1;
    ks->cd_t = ts;
    cep_touch(c, ks, CEP_NO_TIME);
    return 1;
}

/* The alias values of in (unbound ones NULL) into c->av. */
static const json_t *const *aliases_of(struct cep *c, const struct rule *r,
                                       const struct inst *in)
{
    for (size_t a = 0; a < r->naliases; a++)
        c->av[a] = NULL;
    for (size_t i = 0; in && i < in->k; i++)
        if (r->steps[i].alias >= 0)
            c->av[r->steps[i].alias] = in->b[i].ev;
    return c->av;
}

/* Fires the completed (or due absent) instance in at ts. */
static int fire_inst(struct cep *c, struct inst *in, int64_t ts,
                     const struct cep_event *cur)
{
    struct kstate *ks = in->ks;
    const struct rule *r = &c->rs->rules[ks->rule];
    if (!cep_cooldown(c, ks, ts))
        return 0;
    grow_trig(c, in->k);
    for (size_t i = 0; i < in->k; i++) {
        c->trig[i] = in->b[i].id;
        c->trig_len[i] = in->b[i].id_len;
    }
    struct cep_firing f = {
        .r = r, .ks = ks, .ts_ms = ts, .ev = in->b[in->k - 1].ev,
        .raw = cur ? cur->raw : NULL, .raw_len = cur ? cur->raw_len : 0,
        .aliases = aliases_of(c, r, in), .trig = c->trig,
        .trig_len = c->trig_len, .ntrig = in->k,
    };
    return c->hooks.fire(c->hooks.ctx, &f);
}

int cep_advance(struct cep *c, int64_t wm)
{
    if (wm <= c->wm)
        return 0;
    c->wm = wm;
    int rc = 0;
    while (c->nheap && c->heap[0].due < c->wm) {
        struct heap_ent e = heap_pop(c);
        struct inst *in = e.in;
        if (in->alive && in->k == e.k) {
            struct rule *r = &c->rs->rules[in->ks->rule];
            if (r->steps[in->k].absent) {
                r->matched++;
                if (fire_inst(c, in, e.due, NULL) < 0)
                    rc = -1;
            }
            inst_remove(c, in);
        }
        inst_unref(c, in);
    }
    return rc;
}

/* ---------------------------------------------------------------- sequences */

static int test(struct cep *c, struct rule *r, const struct eng_expr *e,
                const struct cep_event *ev, const json_t *const *av)
{
    struct eng_error err;
    int t = eng_expr_test(e, c->ctx, ev->ev, av, &err);
    if (t < 0) {
        r->errors++;
        c->hooks.error(c->hooks.ctx, r, ev->id, ev->id_len, err.msg);
        return 0;
    }
    return t;
}

static void bind(struct inst *in, const struct cep_event *e)
{
    struct bound *b = &in->b[in->k++];
    b->ts = e->ts;
    b->ev = json_incref((json_t *)e->ev);
    b->id = xstrndup(e->id, e->id_len);
    b->id_len = e->id_len;
}

static struct inst *inst_new(struct cep *c, struct kstate *ks)
{
    const struct rule *r = &c->rs->rules[ks->rule];
    struct inst *in = calloc(1, sizeof *in + r->nsteps * sizeof(struct bound));
    if (!in)
        abort();
    in->ks = ks;
    in->cseq = c->cseq++;
    in->alive = 1;
    in->refs = 1;
    in->prev = ks->tail;
    if (ks->tail)
        ks->tail->next = in;
    else
        ks->head = in;
    ks->tail = in;
    ks->ninst++;
    ks->irefs++;
    c->pending++;
    return in;
}

int cep_sequence(struct cep *c, struct kstate *ks, const struct cep_event *e)
{
    struct rule *r = &c->rs->rules[ks->rule];
    int advanced = 0, rc = 0;
    struct inst *in = ks->head, *next;
    /* the instances that exist now, in creation order; new ones are added
     * at the tail after this loop */
    for (; in; in = next) {
        next = in->next;
        const struct step *s = &r->steps[in->k];
        int64_t prev = in->b[in->k - 1].ts;
        if (e->ts < prev || (s->has_within && e->ts - prev > s->within_ms))
            continue;
        r->evaluated++;
        if (!test(c, r, s->when, e, aliases_of(c, r, in)))
            continue;
        cep_touch(c, ks, e->ts);
        if (s->absent) {            /* cancelled: not an advance */
            inst_remove(c, in);
            continue;
        }
        advanced = 1;
        bind(in, e);
        if (in->k == r->nsteps) {
            r->matched++;
            if (fire_inst(c, in, e->ts, e) < 0)
                rc = -1;
            inst_remove(c, in);
        } else {
            schedule(c, in);
        }
    }
    if (advanced && !r->every)
        return rc;
    r->evaluated++;
    if (!test(c, r, r->steps[0].when, e, aliases_of(c, r, NULL)))
        return rc;
    cep_touch(c, ks, e->ts);
    if (!r->every) {
        while (ks->head)
            inst_remove(c, ks->head);
    } else if (ks->ninst >= r->max_instances) {
        inst_remove(c, ks->head);
        c->dropped++;
    }
    in = inst_new(c, ks);
    bind(in, e);
    if (r->nsteps == 1) {
        r->matched++;
        if (fire_inst(c, in, e->ts, e) < 0)
            rc = -1;
        inst_remove(c, in);
    } else {
        schedule(c, in);
    }
    return rc;
}

/* ---------------------------------------------------------------- counts */

int cep_count(struct cep *c, struct kstate *ks, const struct cep_event *e)
{
    struct rule *r = &c->rs->rules[ks->rule];
    size_t j = 0;
    cep_touch(c, ks, e->ts);
    /* keep the entries within `within` of this event, either side */
    for (size_t i = 0; i < ks->nwin; i++) {
        int64_t d = ks->win[i].ts - e->ts;
        if (d > r->count_within_ms || -d > r->count_within_ms)
            free(ks->win[i].id);
        else
            ks->win[j++] = ks->win[i];
    }
    ks->nwin = j;
    if (ks->nwin == ks->capwin) {
        ks->capwin = ks->capwin ? ks->capwin * 2 : 4;
        ks->win = xrealloc(ks->win, ks->capwin * sizeof *ks->win);
    }
    ks->win[ks->nwin].ts = e->ts;
    ks->win[ks->nwin++].id = xstrndup(e->id, e->id_len);
    if ((int64_t)ks->nwin < r->at_least)
        return 0;
    int rc = 0;
    if (cep_cooldown(c, ks, e->ts)) {
        grow_trig(c, ks->nwin);
        for (size_t i = 0; i < ks->nwin; i++) {
            c->trig[i] = ks->win[i].id;
            c->trig_len[i] = strlen(ks->win[i].id);
        }
        struct cep_firing f = {
            .r = r, .ks = ks, .ts_ms = e->ts, .ev = e->ev, .raw = e->raw,
            .raw_len = e->raw_len, .aliases = NULL, .trig = c->trig,
            .trig_len = c->trig_len, .ntrig = ks->nwin,
        };
        rc = c->hooks.fire(c->hooks.ctx, &f);
    }
    for (size_t i = 0; i < ks->nwin; i++)   /* counting starts afresh */
        free(ks->win[i].id);
    ks->nwin = 0;
    return rc;
}

/* ---------------------------------------------------------------- upkeep */

static int kstate_empty(const struct kstate *ks)
{
    return !ks->head && !ks->nwin && !ks->has_cd;
}

/* Why each removal is safe: a sequence or count rule sees no late event, so
 * every event it will see has ts >= wm; an absence not yet fired has
 * due >= wm. So a count entry older than wm - within can never share a
 * window again, and a cooldown that ended before wm can hold nothing back.
 * A `when` rule sees late events too: its cooldowns go only with the ttl. */
void cep_sweep(struct cep *c)
{
    if (c->wm == CEP_NO_TIME)
        return;
    for (size_t r = 0; r < c->rs->n; r++) {
        struct rule *rule = &c->rs->rules[r];
        struct hmap *m = &c->maps[r];
        for (size_t i = 0; i < m->cap; i++) {
            struct kstate *ks = m->tab[i].key ? m->tab[i].val.p : NULL;
            if (!ks)
                continue;
            if (c->ttl_ms > 0 && ks->seen != CEP_NO_TIME &&
                ks->seen < c->wm - c->ttl_ms) {
                while (ks->head)
                    inst_remove(c, ks->head);
                for (size_t w = 0; w < ks->nwin; w++)
                    free(ks->win[w].id);
                ks->nwin = 0;
                ks->has_cd = 0;
                cep_touch(c, ks, CEP_NO_TIME);
                continue;
            }
            if (rule->kind == RULE_COUNT && ks->nwin &&
                ks->win[0].ts < c->wm - rule->count_within_ms) {
                size_t j = 0;
                for (size_t w = 0; w < ks->nwin; w++) {
                    if (ks->win[w].ts < c->wm - rule->count_within_ms)
                        free(ks->win[w].id);
                    else
                        ks->win[j++] = ks->win[w];
                }
                ks->nwin = j;
                cep_touch(c, ks, CEP_NO_TIME);
            }
            if (rule->kind != RULE_WHEN && ks->has_cd &&
                ks->cd_t < c->wm - rule->cooldown_ms) {
                ks->has_cd = 0;
                cep_touch(c, ks, CEP_NO_TIME);
            }
        }
    }
}

int cep_collect(struct cep *c, int (*put)(void *, struct kstate *),
                int (*del)(void *, struct kstate *), void *ctx)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < c->ndirty; i++) {
        struct kstate *ks = c->dirty[i];
        if (!kstate_empty(ks)) {
            if (put && put(ctx, ks) < 0) {
                rc = -1;
                break;
            }
            ks->dirty = 0;
            continue;
        }
        if (del && del(ctx, ks) < 0) {
            rc = -1;
            break;
        }
        hmap_del(&c->maps[ks->rule], ks->tkey, ks->tklen);
        if (ks->irefs)
            ks->detached = 1;   /* freed with its last heap entry */
        else
            kstate_free(ks);
    }
    if (i && c->ndirty > i)
        memmove(c->dirty, c->dirty + i, (c->ndirty - i) * sizeof *c->dirty);
    c->ndirty -= i;
    return rc;
}

/* ---------------------------------------------------------------- persistence */

/* The saved form of a kstate:
 *   {"key":K,"seen":MS,"cd":MS,"win":[[MS,"id"],...],
 *    "inst":[{"c":CSEQ,"b":[[MS,"id",EVENT],...]},...]}
 * (seen/cd absent when unset). Deadlines are recomputed from the rule. */
json_t *cep_kstate_json(const struct cep *c, const struct kstate *ks)
{
    (void)c;
    json_t *o = json_object();
    json_object_set(o, "key", ks->key ? ks->key : json_null());
    if (ks->seen != CEP_NO_TIME)
        json_object_set_new(o, "seen", json_integer(ks->seen));
    if (ks->has_cd)
        json_object_set_new(o, "cd", json_integer(ks->cd_t));
    if (ks->nwin) {
        json_t *w = json_array();
        for (size_t i = 0; i < ks->nwin; i++)
            json_array_append_new(w, json_pack("[Is]", (json_int_t)ks->win[i].ts,
                                               ks->win[i].id));
        json_object_set_new(o, "win", w);
    }
    if (ks->head) {
        json_t *a = json_array();
        for (const struct inst *in = ks->head; in; in = in->next) {
            json_t *b = json_array();
            for (size_t i = 0; i < in->k; i++)
                json_array_append_new(b, json_pack("[Is#O]",
                                                   (json_int_t)in->b[i].ts,
                                                   in->b[i].id, in->b[i].id_len,
                                                   in->b[i].ev));
            json_array_append_new(a, json_pack("{sIso}", "c",
                                               (json_int_t)in->cseq, "b", b));
        }
        json_object_set_new(o, "inst", a);
    }
    return o;
}

int cep_kstate_load(struct cep *c, size_t rule, const char *tkey, size_t tklen,
                    const json_t *data)
{
    const struct rule *r = &c->rs->rules[rule];
    if (!json_is_object(data))
        return -1;
    json_t *key = json_object_get(data, "key");
    struct kstate *ks = cep_kstate(c, rule, tkey, tklen,
                                   json_is_null(key) ? NULL : key, 1);
    json_t *v;
    if ((v = json_object_get(data, "seen")) && json_is_integer(v))
        ks->seen = json_integer_value(v);
    if ((v = json_object_get(data, "cd")) && json_is_integer(v)) {
        ks->has_cd = 1;
        ks->cd_t = json_integer_value(v);
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(data, "win"), i, e) {
        json_t *ts = json_array_get(e, 0), *id = json_array_get(e, 1);
        if (!json_is_integer(ts) || !json_is_string(id))
            return -1;
        if (ks->nwin == ks->capwin) {
            ks->capwin = ks->capwin ? ks->capwin * 2 : 4;
            ks->win = xrealloc(ks->win, ks->capwin * sizeof *ks->win);
        }
        ks->win[ks->nwin].ts = json_integer_value(ts);
        ks->win[ks->nwin++].id = xstrndup(json_string_value(id),
                                          json_string_length(id));
    }
    json_array_foreach(json_object_get(data, "inst"), i, e) {
        json_t *cs = json_object_get(e, "c"), *b = json_object_get(e, "b");
        size_t nb = json_array_size(b);
        if (!json_is_integer(cs) || nb == 0 || nb >= r->nsteps)
            return -1;
        uint64_t keep = c->cseq;
        struct inst *in = inst_new(c, ks);
        in->cseq = (uint64_t)json_integer_value(cs);
        c->cseq = keep;
        size_t j;
        json_t *be;
        json_array_foreach(b, j, be) {
            json_t *ts = json_array_get(be, 0), *id = json_array_get(be, 1),
                   *ev = json_array_get(be, 2);
            if (!json_is_integer(ts) || !json_is_string(id) || !json_is_object(ev))
                return -1;
            struct cep_event ce = { .ev = ev, .ts = json_integer_value(ts),
                                    .id = json_string_value(id),
                                    .id_len = json_string_length(id) };
            bind(in, &ce);
        }
        schedule(c, in);
    }
    return 0;
}
