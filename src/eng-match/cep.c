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

#include "jpool.h"
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

/* Whether every use of alias name in text is `name.FIELD` (not a call):
 * then *fields gets those FIELD names and 1 is returned; 0 means the whole
 * event is needed. Conservative on purpose: a use inside a string literal,
 * or any other form (`size(name)`, `name["f"]`, a macro variable of the
 * same name), asks for the whole event, never for less than the condition
 * reads. A name preceded by '.' is a member of something else. */
#define IDC(ch) ((ch) == '_' || ((ch) >= 'a' && (ch) <= 'z') || \
                 ((ch) >= 'A' && (ch) <= 'Z') || ((ch) >= '0' && (ch) <= '9'))

static void add_name(struct bneed *nd, const char *f, size_t n)
{
    for (size_t i = 0; i < nd->n; i++)
        if (strlen(nd->names[i]) == n && memcmp(nd->names[i], f, n) == 0)
            return;
    nd->names = xrealloc(nd->names, (nd->n + 1) * sizeof *nd->names);
    nd->names[nd->n++] = xstrndup(f, n);
}

static int scan_alias(const char *text, const char *name, struct bneed *nd)
{
    size_t nl = strlen(name);
    for (const char *p = text; (p = strstr(p, name)); p += nl) {
        if ((p > text && IDC(p[-1])) || IDC(p[nl]))
            continue;           /* part of a longer identifier */
        const char *b = p;
        while (b > text && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' ||
                            b[-1] == '\r'))
            b--;
        if (b > text && b[-1] == '.')
            continue;           /* x.name: a member, not the alias */
        const char *q = p + nl;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        if (*q != '.')
            return 0;
        q++;
        while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
            q++;
        const char *f = q;
        while (IDC(*q))
            q++;
        if (q == f || (*f >= '0' && *f <= '9'))
            return 0;
        const char *r = q;
        while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
            r++;
        if (*r == '(')
            return 0;           /* name.method(...) */
        add_name(nd, f, (size_t)(q - f));
    }
    return 1;
}

/* The record fields that the placeholders of a template text read without
 * an alias ({{geo.city}}, {{event.sku}}) into nd; 0 when some placeholder
 * cannot be read so ({{event}}, a path starting with a bracket), then the
 * whole event is needed. */
static int scan_record(const char *text, const struct rule *r, struct bneed *nd)
{
    for (const char *p = text; (p = strstr(p, "{{"));) {
        p += 2;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *f = p;
        while (IDC(*p))
            p++;
        size_t n = (size_t)(p - f), a;
        if (!n)
            return 0;
        if (n == 5 && memcmp(f, "event", 5) == 0) {
            if (*p != '.')
                return 0;
            f = ++p;
            while (IDC(*p))
                p++;
            if (p == f)
                return 0;
            add_name(nd, f, (size_t)(p - f));
            continue;
        }
        for (a = 0; a < r->naliases; a++)
            if (strlen(r->aliases[a]) == n && memcmp(r->aliases[a], f, n) == 0)
                break;
        if (a == r->naliases)   /* an alias is always bound when firing */
            add_name(nd, f, n);
    }
    return 1;
}

/* For each aliased step, what later conditions read of its event. */
static void compute_needs(struct cep *c)
{
    const struct ruleset *rs = c->rs;
    if (!(c->need = calloc(rs->n ? rs->n : 1, sizeof *c->need)))
        abort();
    for (size_t r = 0; r < rs->n; r++) {
        const struct rule *ru = &rs->rules[r];
        if (ru->kind != RULE_SEQUENCE)
            continue;
        if (!(c->need[r] = calloc(ru->nsteps, sizeof **c->need)))
            abort();
        for (size_t i = 0; i < ru->nsteps; i++) {
            int a = ru->steps[i].alias;
            struct bneed *nd = &c->need[r][i];
            if (a < 0)
                continue;
            for (size_t j = i + 1; j < ru->nsteps && !nd->whole; j++)
                if (eng_expr_uses_alias(ru->steps[j].when, (size_t)a) &&
                    !scan_alias(eng_expr_text(ru->steps[j].when),
                                ru->aliases[a], nd))
                    nd->whole = 1;
            /* the templates read the aliases too, when the rule fires */
            if (ru->tmpl_text && strstr(ru->tmpl_text, ru->aliases[a]) &&
                !scan_alias(ru->tmpl_text, ru->aliases[a], nd))
                nd->whole = 1;
        }
        /* an absence fires without a current event: the last bound one
         * stands in for it (templates, the customer, --with-event) */
        if (ru->nsteps >= 2 && ru->steps[ru->nsteps - 1].absent) {
            struct bneed *nd = &c->need[r][ru->nsteps - 2];
            if (c->with_event)
                nd->whole = 1;
            if (!ru->key_is_customer)
                add_name(nd, "customer", 8);
            if (ru->tmpl_text && !scan_record(ru->tmpl_text, ru, nd))
                nd->whole = 1;
        }
    }
}

/* For each sequence, the filter of its later steps (struct lfilter). */
static void compute_later(struct cep *c)
{
    const struct ruleset *rs = c->rs;
    if (!(c->later = calloc(rs->n ? rs->n : 1, sizeof *c->later)))
        abort();
    for (size_t r = 0; r < rs->n; r++) {
        const struct rule *ru = &rs->rules[r];
        struct lfilter *lf = &c->later[r];
        if (ru->kind != RULE_SEQUENCE || ru->nsteps < 2)
            continue;
        for (size_t i = 1; i < ru->nsteps; i++) {
            struct eng_expr_eq eq[8];
            size_t n = eng_expr_eq_conjuncts(ru->steps[i].when, eq, 8);
            if (n > 8)
                n = 8;
            size_t k;
            for (k = 0; k < n; k++)
                if (!lf->field || strcmp(lf->field, eq[k].field) == 0)
                    break;
            if (k == n) {       /* a step without one: no filter */
                free(lf->vals);
                memset(lf, 0, sizeof *lf);
                break;
            }
            lf->field = eq[k].field;
            lf->vals = xrealloc(lf->vals, (lf->n + 1) * sizeof *lf->vals);
            lf->vals[lf->n++] = eq[k];
        }
    }
}

/* 0 when no later step of rule r can be true for event e (struct
 * lfilter), else 1 (also when the filter cannot tell). */
static int later_can(const struct cep *c, size_t r, const struct cep_event *e)
{
    const struct lfilter *lf = &c->later[r];
    if (!lf->field)
        return 1;
    const json_t *v = json_object_get(e->ev, lf->field);
    if (json_is_string(v)) {
        for (size_t i = 0; i < lf->n; i++)
            if (!lf->vals[i].is_int && lf->vals[i].str_len == json_string_length(v) &&
                memcmp(lf->vals[i].str, json_string_value(v), lf->vals[i].str_len) == 0)
                return 1;
        return 0;
    }
    if (json_is_integer(v)) {
        for (size_t i = 0; i < lf->n; i++)
            if (lf->vals[i].is_int && lf->vals[i].int_value == json_integer_value(v))
                return 1;
        return 0;
    }
    return 1;   /* missing, real, other: the conditions decide */
}

static void free_needs(struct cep *c)
{
    for (size_t r = 0; c->need && r < c->rs->n; r++) {
        if (!c->need[r])
            continue;
        for (size_t i = 0; i < c->rs->rules[r].nsteps; i++) {
            for (size_t k = 0; k < c->need[r][i].n; k++)
                free(c->need[r][i].names[k]);
            free(c->need[r][i].names);
        }
        free(c->need[r]);
    }
    free(c->need);
}

struct cep *cep_new(struct ruleset *rs, const struct cep_hooks *hooks,
                    int with_event)
{
    struct cep *c = calloc(1, sizeof *c);
    size_t n = rs->n ? rs->n : 1;
    if (!c || !(c->rgroup = calloc(n, sizeof *c->rgroup)) ||
        !(c->gpath = calloc(n, sizeof *c->gpath)) ||
        !(c->ctx = eng_expr_ctx_new()))
        abort();
    c->rs = rs;
    c->hooks = *hooks;
    c->with_event = with_event;
    c->wm = c->maxts = CEP_NO_TIME;
    /* key groups: keyed rules with the same key path share one table */
    for (size_t i = 0; i < rs->n; i++) {
        c->rgroup[i] = SIZE_MAX;
        if (!rule_keyed(&rs->rules[i]))
            continue;
        const char *t = eng_path_text(rs->rules[i].key);
        size_t g;
        for (g = 0; g < c->ngroups; g++)
            if (strcmp(eng_path_text(c->gpath[g]), t) == 0)
                break;
        if (g == c->ngroups)
            c->gpath[c->ngroups++] = rs->rules[i].key;
        c->rgroup[i] = g;
    }
    if (!(c->maps = calloc(c->ngroups ? c->ngroups : 1, sizeof *c->maps)))
        abort();
    for (size_t g = 0; g < c->ngroups; g++)
        c->maps[g].borrowed = 1;    /* keys live in the kents (cep_kent) */
    compute_needs(c);
    compute_later(c);
    size_t na = 1;
    for (size_t i = 0; i < rs->n; i++)
        if (rs->rules[i].naliases > na)
            na = rs->rules[i].naliases;
    c->av = xrealloc(NULL, na * sizeof *c->av);
    if (!(c->empty = json_object()))
        abort();
    return c;
}

/* ---------------------------------------------------------------- memory */

static void kent_unref(struct kent *ke)
{
    if (--ke->refs > 0 || ke->inmap)
        return;
    json_decref(ke->key);
    free(ke->slot);
    free(ke);
}

/* The index of rule's slot in ke, or where it would go. */
static size_t slot_find(const struct kent *ke, size_t rule)
{
    size_t lo = 0, hi = ke->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ke->slot[mid].rule < rule)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Keeps the slot's pend flag (read per event by the matcher) in step with
 * ks->ninst. */
static void set_pend(struct kstate *ks, int on)
{
    struct kent *ke = ks->ke;
    size_t i = slot_find(ke, ks->rule);
    if (i < ke->n && ke->slot[i].ks == ks && ke->slot[i].pend != (uint32_t)on) {
        ke->slot[i].pend = (uint32_t)on;
        if (on)
            ke->npend++;
        else
            ke->npend--;
    }
}

static void kstate_free(struct kstate *ks)
{
    for (size_t i = 0; i < ks->nwin; i++)
        free(ks->win[i].id);
    free(ks->win);
    kent_unref(ks->ke);
    free(ks);
}

static void inst_unref(struct cep *c, struct inst *in)
{
    (void)c;
    if (--in->refs > 0)
        return;
    struct kstate *ks = in->ks;
    for (size_t i = 0; i < in->k; i++) {
        json_decref(in->b[i].cond);
        free(in->b[i].blob);
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
    if (--ks->ninst == 0)
        set_pend(ks, 0);
    c->pending--;
    cep_touch(c, ks, CEP_NO_TIME);
    inst_unref(c, in);
}

/* Calls fn on every kstate in a map (fn may unlink the one it is given). */
static void each_kstate(struct cep *c, void (*fn)(struct cep *, struct kstate *))
{
    for (size_t g = 0; g < c->ngroups; g++) {
        struct hmap *m = &c->maps[g];
        for (size_t i = 0; i < m->cap; i++) {
            struct kent *ke = m->tab[i].key ? m->tab[i].val.p : NULL;
            for (size_t k = 0; ke && k < ke->n; k++)
                fn(c, ke->slot[k].ks);
        }
    }
}

void cep_free(struct cep *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nheap; i++)
        inst_unref(c, c->heap[i].in);
    for (size_t g = 0; g < c->ngroups; g++) {
        struct hmap *m = &c->maps[g];
        for (size_t i = 0; i < m->cap; i++) {
            struct kent *ke = m->tab[i].key ? m->tab[i].val.p : NULL;
            if (!ke)
                continue;
            ke->inmap = 0;      /* the maps go below */
            ke->refs++;         /* held while its kstates go */
            for (size_t k = 0; k < ke->n; k++) {
                struct kstate *ks = ke->slot[k].ks;
                while (ks->head)
                    inst_remove(c, ks->head);
            }
            for (size_t k = 0; k < ke->n; k++)
                kstate_free(ke->slot[k].ks);
            kent_unref(ke);
        }
    }
    for (size_t g = 0; g < c->ngroups; g++)
        hmap_free(&c->maps[g], NULL);
    /* detached kstates died with their last instance above */
    free(c->maps);
    free(c->rgroup);
    free(c->gpath);
    free_needs(c);
    for (size_t r = 0; c->later && r < c->rs->n; r++)
        free(c->later[r].vals);
    free(c->later);
    free(c->heap);
    free(c->dirty);
    free(c->av);
    json_decref(c->empty);
    free(c->trig);
    free(c->trig_len);
    eng_expr_ctx_free(c->ctx);
    free(c);
}

struct kent *cep_kent(struct cep *c, size_t g, const char *tkey, size_t tklen,
                      const json_t *keyval, int create)
{
    struct hmap_ent *e = hmap_get(&c->maps[g], tkey, tklen);
    if (e)
        return e->val.p;
    if (!create)
        return NULL;
    int created;
    struct kent *ke = calloc(1, sizeof *ke + tklen + 1);
    if (!ke)
        abort();
    memcpy(ke->tkey, tkey, tklen);
    /* the table borrows the kent's copy of the key: a lookup then reads
     * the kent it is about to use, not a second copy elsewhere */
    if (!(e = hmap_put(&c->maps[g], ke->tkey, tklen, &created)))
        abort();
    ke->tklen = tklen;
    ke->group = g;
    ke->inmap = 1;
    ke->key = json_incref((json_t *)keyval);
    e->val.p = ke;
    return ke;
}

struct kstate *cep_kent_rule(struct cep *c, struct kent *ke, size_t rule,
                             int create)
{
    size_t i = slot_find(ke, rule);
    if (i < ke->n && ke->slot[i].rule == rule)
        return ke->slot[i].ks;
    if (!create)
        return NULL;
    (void)c;
    struct kstate *ks = calloc(1, sizeof *ks);
    if (!ks)
        abort();
    ks->rule = rule;
    ks->ke = ke;
    ks->tkey = ke->tkey;
    ks->tklen = ke->tklen;
    ks->key = ke->key;
    ks->seen = CEP_NO_TIME;
    if (ke->n == ke->cap) {
        ke->cap = ke->cap ? ke->cap * 2 : 2;
        ke->slot = xrealloc(ke->slot, ke->cap * sizeof *ke->slot);
    }
    memmove(ke->slot + i + 1, ke->slot + i, (ke->n - i) * sizeof *ke->slot);
    ke->slot[i] = (struct kslot){ (uint32_t)rule, 0, ks };
    ke->n++;
    ke->refs++;
    return ks;
}

struct kstate *cep_kstate(struct cep *c, size_t rule, const char *tkey,
                          size_t tklen, const json_t *keyval, int create)
{
    struct kent *ke = cep_kent(c, c->rgroup[rule], tkey, tklen, keyval, create);
    return ke ? cep_kent_rule(c, ke, rule, create) : NULL;
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

/* A 4-ary heap: half the levels of a binary one, and a node's children
 * share one or two cache lines, so a pop over a heap of 100k's of entries
 * misses the cache about half as often. */
#define HEAP_ARITY 4

static void heap_push(struct cep *c, struct inst *in, int64_t due)
{
    if (c->nheap == c->capheap) {
        c->capheap = c->capheap ? c->capheap * 2 : 256;
        c->heap = xrealloc(c->heap, c->capheap * sizeof *c->heap);
    }
    in->refs++;
    size_t i = c->nheap++;
    struct heap_ent e = { due, in->k, in };
    while (i > 0 && heap_less(&e, &c->heap[(i - 1) / HEAP_ARITY])) {
        c->heap[i] = c->heap[(i - 1) / HEAP_ARITY];
        i = (i - 1) / HEAP_ARITY;
    }
    c->heap[i] = e;
}

static struct heap_ent heap_pop(struct cep *c)
{
    struct heap_ent top = c->heap[0], last = c->heap[--c->nheap];
    size_t i = 0;
    for (;;) {
        size_t l = HEAP_ARITY * i + 1, s = l;
        if (l >= c->nheap)
            break;
        size_t end = l + HEAP_ARITY < c->nheap ? l + HEAP_ARITY : c->nheap;
        for (size_t j = l + 1; j < end; j++)
            if (heap_less(&c->heap[j], &c->heap[s]))
                s = j;
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

/* The alias values of in that later conditions read (cond; unbound ones
 * NULL) into c->av. */
static const json_t *const *aliases_of(struct cep *c, const struct rule *r,
                                       const struct inst *in)
{
    for (size_t a = 0; a < r->naliases; a++)
        c->av[a] = NULL;
    for (size_t i = 0; in && i < in->k; i++)
        if (r->steps[i].alias >= 0)
            c->av[r->steps[i].alias] = in->b[i].cond;
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
        c->trig[i] = in->b[i].blob;
        c->trig_len[i] = in->b[i].id_len;
    }
    /* each bound event keeps the members the templates read (cond); the
     * current one is whole */
    for (size_t a = 0; a < r->naliases; a++)
        c->av[a] = NULL;
    for (size_t i = 0; i < in->k; i++)
        if (r->steps[i].alias >= 0)
            c->av[r->steps[i].alias] = (cur && i == in->k - 1)
                                           ? cur->ev : in->b[i].cond;
    const json_t *last = cur ? cur->ev : in->b[in->k - 1].cond;
    if (!last)
        last = c->empty;
    struct cep_firing f = {
        .r = r, .ks = ks, .ts_ms = ts, .ev = last,
        .raw = cur ? cur->raw : NULL, .raw_len = cur ? cur->raw_len : 0,
        .aliases = c->av, .trig = c->trig,
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
        if (c->nheap)   /* the next one's instance is read next: overlap */
            __builtin_prefetch(c->heap[0].in);
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

static void bind(struct cep *c, struct inst *in, const struct cep_event *e)
{
    const struct rule *r = &c->rs->rules[in->ks->rule];
    const struct bneed *nd = &c->need[in->ks->rule][in->k];
    struct bound *b = &in->b[in->k++];
    (void)r;
    b->ts = e->ts;
    if (e->id_len > UINT32_MAX || e->raw_len > UINT32_MAX - e->id_len)
        abort();   /* lines are bounded by --max-line */
    /* the line's bytes only when they are saved (keep_lines): in memory
     * the members in cond are all that is read again */
    size_t raw_len = c->keep_lines ? e->raw_len : 0;
    b->id_len = (uint32_t)e->id_len;
    b->raw_len = (uint32_t)raw_len;
    if (!(b->blob = malloc(e->id_len + raw_len + 1)))
        abort();
    memcpy(b->blob, e->id, e->id_len);
    if (raw_len)
        memcpy(b->blob + e->id_len, e->raw, raw_len);
    b->blob[e->id_len + raw_len] = '\0';
    b->cond = NULL;
    if (nd->whole) {
        b->cond = json_incref((json_t *)e->ev);
    } else if (nd->n) {
        b->cond = json_object();
        for (size_t i = 0; i < nd->n; i++) {
            json_t *v = json_object_get(e->ev, nd->names[i]);
            if (v)
                json_object_set(b->cond, nd->names[i], v);
        }
    }
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
    if (ks->ninst++ == 0)
        set_pend(ks, 1);
    ks->irefs++;
    c->pending++;
    return in;
}

int cep_sequence(struct cep *c, struct kstate *ks, const struct cep_event *e,
                 int step1)
{
    struct rule *r = &c->rs->rules[ks->rule];
    int advanced = 0, rc = 0;
    /* an event no later step can want leaves the pending instances as
     * they are (skip-till-next-match): not tested, not counted */
    struct inst *in = later_can(c, ks->rule, e) ? ks->head : NULL, *next;
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
        bind(c, in, e);
        if (in->k == r->nsteps) {
            r->matched++;
            if (fire_inst(c, in, e->ts, e) < 0)
                rc = -1;
            inst_remove(c, in);
        } else {
            schedule(c, in);
        }
    }
    if ((advanced && !r->every) || !step1)
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
    bind(c, in, e);
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
    r->matched++;   /* the pattern matched, as for sequences: a cooldown
                     * holding the firing back is counted as cooled */
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
static void sweep_one(struct cep *c, struct kstate *ks)
{
    const struct rule *rule = &c->rs->rules[ks->rule];
    if (c->ttl_ms > 0 && ks->seen != CEP_NO_TIME &&
        ks->seen < c->wm - c->ttl_ms) {
        while (ks->head)
            inst_remove(c, ks->head);
        for (size_t w = 0; w < ks->nwin; w++)
            free(ks->win[w].id);
        ks->nwin = 0;
        ks->has_cd = 0;
        cep_touch(c, ks, CEP_NO_TIME);
        return;
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

void cep_sweep(struct cep *c)
{
    if (c->wm == CEP_NO_TIME)
        return;
    each_kstate(c, sweep_one);
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
        struct kent *ke = ks->ke;
        size_t k = slot_find(ke, ks->rule);
        if (ke->slot[k].pend)
            ke->npend--;
        memmove(ke->slot + k, ke->slot + k + 1, (ke->n - k - 1) * sizeof *ke->slot);
        ke->n--;
        if (!ke->n) {
            hmap_del(&c->maps[ke->group], ke->tkey, ke->tklen);
            ke->inmap = 0;
        }
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

/* The saved form of a kstate (binary; a row of earlier versions is the JSON
 * text described at load_json below):
 *   byte 1 (format), varint flags (1: seen, 2: cd), [svarint seen],
 *   [svarint cd], varint nwin, nwin x (svarint ts, varint len, id bytes),
 *   varint ninst, ninst x (varint cseq, varint nb,
 *                          nb x (svarint ts, varint len, id,
 *                                varint len, the event line's bytes))
 * (in memory, without --state, the line is not kept: a SIGHUP's re-load
 * gets the JSON of the members later steps read in its place)
 * varint: 7 bits a byte, low first; svarint: zigzag, then varint. The key
 * is the row's key (its value is read back from the tagged text), and
 * deadlines are recomputed from the rule. */
#define SAVE_FORMAT 1

static void put_bytes(struct eng_tmpl_buf *o, const void *p, size_t n)
{
    if (eng_tmpl_buf_put(o, p, n, ENG_TMPL_NONE) < 0)
        abort();
}

static void put_varint(struct eng_tmpl_buf *o, uint64_t v)
{
    unsigned char b[10];
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    put_bytes(o, b, n);
}

static void put_svarint(struct eng_tmpl_buf *o, int64_t v)
{
    put_varint(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void cep_kstate_save(const struct cep *c, const struct kstate *ks,
                     struct eng_tmpl_buf *o)
{
    (void)c;
    unsigned char f = SAVE_FORMAT;
    put_bytes(o, &f, 1);
    put_varint(o, (ks->seen != CEP_NO_TIME ? 1u : 0u) | (ks->has_cd ? 2u : 0u));
    if (ks->seen != CEP_NO_TIME)
        put_svarint(o, ks->seen);
    if (ks->has_cd)
        put_svarint(o, ks->cd_t);
    put_varint(o, ks->nwin);
    for (size_t i = 0; i < ks->nwin; i++) {
        size_t n = strlen(ks->win[i].id);
        put_svarint(o, ks->win[i].ts);
        put_varint(o, n);
        put_bytes(o, ks->win[i].id, n);
    }
    put_varint(o, ks->ninst);
    for (const struct inst *in = ks->head; in; in = in->next) {
        put_varint(o, in->cseq);
        put_varint(o, in->k);
        for (size_t i = 0; i < in->k; i++) {
            const struct bound *b = &in->b[i];
            put_svarint(o, b->ts);
            put_varint(o, b->id_len);
            put_bytes(o, b->blob, b->id_len);
            if (b->raw_len) {
                put_varint(o, b->raw_len);
                put_bytes(o, b->blob + b->id_len, b->raw_len);
            } else {
                /* the line was not kept (no --state: a SIGHUP's re-load):
                 * the members later steps read stand in for it, which is
                 * all a re-load binds */
                struct eng_tmpl_buf t = {0};
                if (b->cond ? eng_tmpl_buf_json(&t, b->cond, ENG_TMPL_NONE) < 0
                            : eng_tmpl_buf_put(&t, "{}", 2, ENG_TMPL_NONE) < 0)
                    abort();
                put_varint(o, t.len);
                put_bytes(o, t.data, t.len);
                eng_tmpl_buf_free(&t);
            }
        }
    }
}

struct rd {
    const unsigned char *p, *end;
    int bad;
};

static uint64_t get_varint(struct rd *r)
{
    uint64_t v = 0;
    for (unsigned sh = 0; sh < 64; sh += 7) {
        if (r->p >= r->end)
            break;
        unsigned char b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_svarint(struct rd *r)
{
    uint64_t u = get_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static const char *get_bytes(struct rd *r, size_t *n)
{
    uint64_t len = get_varint(r);
    if (r->bad || len > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        *n = 0;
        return "";
    }
    const char *s = (const char *)r->p;
    r->p += len;
    *n = (size_t)len;
    return s;
}

static void win_add(struct kstate *ks, int64_t ts, const char *id, size_t n)
{
    if (ks->nwin == ks->capwin) {
        ks->capwin = ks->capwin ? ks->capwin * 2 : 4;
        ks->win = xrealloc(ks->win, ks->capwin * sizeof *ks->win);
    }
    ks->win[ks->nwin].ts = ts;
    ks->win[ks->nwin++].id = xstrndup(id, n);
}

/* A bound event of a saved instance: parsed once, for its cond members. */
static int bind_saved(struct cep *c, struct inst *in, int64_t ts,
                      const char *id, size_t idlen, const char *raw, size_t rawlen)
{
    json_t *ev = json_loadb(raw, rawlen, 0, NULL);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return -1;
    }
    struct cep_event ce = { .ev = ev, .raw = raw, .raw_len = rawlen, .ts = ts,
                            .id = id, .id_len = idlen };
    bind(c, in, &ce);
    json_decref(ev);
    return 0;
}

static int load_bin(struct cep *c, struct kstate *ks, const void *data,
                    size_t len)
{
    const struct rule *r = &c->rs->rules[ks->rule];
    struct rd rd = { (const unsigned char *)data + 1,
                     (const unsigned char *)data + len, 0 };
    uint64_t flags = get_varint(&rd);
    if (flags & 1)
        ks->seen = get_svarint(&rd);
    if (flags & 2) {
        ks->has_cd = 1;
        ks->cd_t = get_svarint(&rd);
    }
    uint64_t nwin = get_varint(&rd);
    for (uint64_t i = 0; i < nwin && !rd.bad; i++) {
        int64_t ts = get_svarint(&rd);
        size_t n;
        const char *id = get_bytes(&rd, &n);
        if (!rd.bad)
            win_add(ks, ts, id, n);
    }
    uint64_t ninst = get_varint(&rd);
    for (uint64_t i = 0; i < ninst && !rd.bad; i++) {
        uint64_t cs = get_varint(&rd), nb = get_varint(&rd);
        if (rd.bad || nb == 0 || nb >= r->nsteps || r->kind != RULE_SEQUENCE)
            return -1;
        uint64_t keep = c->cseq;
        struct inst *in = inst_new(c, ks);
        in->cseq = cs;
        c->cseq = keep;
        for (uint64_t j = 0; j < nb; j++) {
            int64_t ts = get_svarint(&rd);
            size_t idn, rawn;
            const char *id = get_bytes(&rd, &idn);
            const char *raw = get_bytes(&rd, &rawn);
            if (rd.bad || bind_saved(c, in, ts, id, idn, raw, rawn) < 0)
                return -1;
        }
        schedule(c, in);
    }
    return rd.bad || rd.p != rd.end ? -1 : 0;
}

/* The JSON form of earlier versions:
 *   {"key":K,"seen":MS,"cd":MS,"win":[[MS,"id"],...],
 *    "inst":[{"c":CSEQ,"b":[[MS,"id",EVENT],...]},...]} */
static int load_json(struct cep *c, struct kstate *ks, const json_t *data)
{
    const struct rule *r = &c->rs->rules[ks->rule];
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
        win_add(ks, json_integer_value(ts), json_string_value(id),
                strlen(json_string_value(id)));
    }
    json_array_foreach(json_object_get(data, "inst"), i, e) {
        json_t *cs = json_object_get(e, "c"), *b = json_object_get(e, "b");
        size_t nb = json_array_size(b);
        if (!json_is_integer(cs) || nb == 0 || nb >= r->nsteps ||
            r->kind != RULE_SEQUENCE)
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
            char *raw = json_dumps(ev, JSON_COMPACT);
            if (!raw)
                abort();
            int rc = bind_saved(c, in, json_integer_value(ts),
                                json_string_value(id), json_string_length(id),
                                raw, strlen(raw));
            eng_json_free(raw);
            if (rc < 0)
                return -1;
        }
        schedule(c, in);
    }
    return 0;
}

int cep_kstate_load(struct cep *c, size_t rule, const char *tkey, size_t tklen,
                    const void *data, size_t len, int is_json)
{
    if (c->rgroup[rule] == SIZE_MAX || tklen < 1 ||
        (tkey[0] != 's' && tkey[0] != 'j'))
        return -1;
    json_t *jd = is_json ? json_loadb(data, len, 0, NULL) : NULL;
    if (is_json && !json_is_object(jd)) {   /* (a macro: no call inside) */
        json_decref(jd);
        return -1;
    }
    if (!is_json && (len < 1 || *(const unsigned char *)data != SAVE_FORMAT))
        return -1;
    /* the key's value, from its tagged text (a string's characters, else
     * its JSON text) */
    json_t *key = tkey[0] == 's' ? json_stringn(tkey + 1, tklen - 1)
                                 : json_loadb(tkey + 1, tklen - 1,
                                              JSON_DECODE_ANY, NULL);
    if (!key) {
        json_decref(jd);
        return -1;
    }
    struct kent *ke = cep_kent(c, c->rgroup[rule], tkey, tklen, key, 1);
    json_decref(key);
    struct kstate *ks = cep_kent_rule(c, ke, rule, 1);
    int rc = is_json ? load_json(c, ks, jd) : load_bin(c, ks, data, len);
    json_decref(jd);
    return rc;
}
