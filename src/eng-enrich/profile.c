/* profile: aggregates over a customer's events (profile.h).
 *
 * Time. Events are applied in arrival order; windows use event time. The
 * profile's clock is last_seen, the latest ts it has seen. A window of
 * length W holds the values of events with ts > last_seen - W:
 *
 *   on update(ts, v): insert (ts, v) in time order unless ts <= clock - W
 *   before reading:   drop entries with ts <= last_seen - W
 *
 * An event older than the profile's latest one (a late event) still adds to
 * counts, sums, min/max, avg, sets and windows (if inside the window), and
 * to `first` when it is older than the first; `last` keeps the value of the
 * latest event in time, so a late event does not change it (ties: the later
 * arrival wins).
 *
 * Caps: a set keeps its first `max` distinct values (later new ones are
 * not added); a history (`recent`) keeps the latest `max` events in time
 * order, each as its JSON text, written out as is; a window keeps at most
 * PROFILE_WINDOW_MAX values. Scalars kept from an event (first, last, min,
 * max, set members) are shared with it by reference, not copied.
 *
 * Sums are exact integers while every value is an integer (and no overflow
 * happens), then doubles. The state written to the store keeps doubles with
 * 17 significant digits, so a run continued from a state file computes the
 * same numbers as one run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "profile.h"

static struct jbuf scratch;   /* recent entries are built here */

void profile_cleanup(void)
{
    jbuf_free(&scratch);
}

struct profile *profile_new(const struct enrich_config *cfg)
{
    struct profile *p = calloc(1, sizeof *p + cfg->naggs * sizeof p->agg[0]);
    if (!p)
        abort();
    p->nagg = cfg->naggs;
    for (size_t i = 0; i < cfg->naggs; i++) {
        p->agg[i].all_int = 1;
        enum agg_kind k = cfg->aggs[i].kind;
        if (k == AGG_SET)
            if (!(p->agg[i].val = json_array()))
                abort();
    }
    p->first_seen = INT64_MAX;
    p->last_seen = INT64_MIN;
    return p;
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nagg; i++) {
        json_decref(p->agg[i].val);
        for (size_t k = 0; k < p->agg[i].rn; k++)
            free(p->agg[i].rtext[k]);
        free(p->agg[i].rtext);
        free(p->agg[i].rlen);
        free(p->agg[i].rts);
        free(p->agg[i].w);
    }
    json_decref(p->segments);
    free(p);
}

/* ---------------------------------------------------------------- helpers */

/* A value to keep from an event: scalars are immutable and shared (a
 * reference, no allocation); containers are copied, since a tool may edit
 * the event's objects after this. */
static json_t *keep(const json_t *v)
{
    if (json_is_object(v) || json_is_array(v))
        return json_deep_copy(v);
    return json_incref((json_t *)v);
}

static void sum_add(struct agg_state *s, int is_int, int64_t i, double d)
{
    s->n++;
    if (s->all_int && is_int) {
        int64_t r;
        if (!__builtin_add_overflow(s->isum, i, &r)) {
            s->isum = r;
            return;
        }
    }
    if (s->all_int) {
        s->all_int = 0;
        s->dsum = (double)s->isum;
    }
    s->dsum += is_int ? (double)i : d;
}

static json_t *sum_json(const struct agg_state *s)
{
    return s->all_int ? json_integer(s->isum) : json_real(s->dsum);
}

static void window_insert(struct agg_state *s, eng_time ts, double v, int is_int)
{
    if (s->wn == PROFILE_WINDOW_MAX) {
        if (ts < s->w[0].ts)
            return;   /* older than everything kept: the cap drops it */
        memmove(s->w, s->w + 1, (s->wn - 1) * sizeof *s->w);
        s->wn--;
    }
    if (s->wn == s->wcap) {
        s->wcap = s->wcap ? s->wcap * 2 : 8;
        if (!(s->w = realloc(s->w, s->wcap * sizeof *s->w)))
            abort();
    }
    size_t k = s->wn;
    while (k > 0 && s->w[k - 1].ts > ts)
        k--;
    memmove(s->w + k + 1, s->w + k, (s->wn - k) * sizeof *s->w);
    s->w[k] = (struct wentry){ ts, v, is_int };
    s->wn++;
}

static void window_evict(struct agg_state *s, eng_time clock, int64_t len)
{
    size_t k = 0;
    while (k < s->wn && s->w[k].ts < clock - len)
        k++;
    if (k) {
        memmove(s->w, s->w + k, (s->wn - k) * sizeof *s->w);
        s->wn -= k;
    }
}

static json_t *num_json(double v, int is_int)
{
    return is_int ? json_integer((json_int_t)v) : json_real(v);
}

static json_t *window_json(const struct agg_def *a, const struct agg_state *s)
{
    if (a->kind == AGG_COUNT)
        return json_integer((json_int_t)s->wn);
    if (s->wn == 0)
        return a->kind == AGG_SUM ? json_integer(0) : json_null();
    int all_int = 1;
    double acc = 0, best = s->w[0].v;
    int best_int = s->w[0].is_int;
    for (size_t i = 0; i < s->wn; i++) {
        all_int &= s->w[i].is_int;
        acc += s->w[i].v;
        if ((a->kind == AGG_MIN && s->w[i].v < best) ||
            (a->kind == AGG_MAX && s->w[i].v > best)) {
            best = s->w[i].v;
            best_int = s->w[i].is_int;
        }
    }
    switch (a->kind) {
    case AGG_SUM: return num_json(acc, all_int && fabs(acc) < 9e15);
    case AGG_AVG: return json_real(acc / (double)s->wn);
    default:      return num_json(best, best_int);
    }
}

static int num_of(const json_t *v, int *is_int, int64_t *i, double *d)
{
    if (json_is_integer(v)) {
        *is_int = 1;
        *i = json_integer_value(v);
        *d = (double)*i;
        return 0;
    }
    if (json_is_real(v)) {
        *is_int = 0;
        *i = 0;
        *d = json_real_value(v);
        return 0;
    }
    return -1;
}

static void set_add(struct agg_state *s, const json_t *v, size_t max)
{
    size_t n = json_array_size(s->val);
    for (size_t i = 0; i < n; i++)
        if (json_equal(json_array_get(s->val, i), v))
            return;
    if (n < max)
        json_array_append_new(s->val, keep(v));
}

/* recent: insert the entry text[0..len) (copied) at its place in time
 * order; keep the latest max entries */
static void recent_insert(struct agg_state *s, eng_time ts, const char *text,
                          size_t len, size_t max)
{
    size_t n = s->rn;
    if (n == max && ts < s->rts[0])
        return;   /* older than all it keeps: it would drop out at once */
    if (!(s->rts = realloc(s->rts, (n + 1) * sizeof *s->rts)) ||
        !(s->rtext = realloc(s->rtext, (n + 1) * sizeof *s->rtext)) ||
        !(s->rlen = realloc(s->rlen, (n + 1) * sizeof *s->rlen)))
        abort();
    size_t k = n;
    while (k > 0 && s->rts[k - 1] > ts)
        k--;
    memmove(s->rts + k + 1, s->rts + k, (n - k) * sizeof *s->rts);
    memmove(s->rtext + k + 1, s->rtext + k, (n - k) * sizeof *s->rtext);
    memmove(s->rlen + k + 1, s->rlen + k, (n - k) * sizeof *s->rlen);
    s->rts[k] = ts;
    if (!(s->rtext[k] = malloc(len ? len : 1)))
        abort();
    memcpy(s->rtext[k], text, len);
    s->rlen[k] = len;
    n++;
    if (n > max) {
        free(s->rtext[0]);
        memmove(s->rts, s->rts + 1, (n - 1) * sizeof *s->rts);
        memmove(s->rtext, s->rtext + 1, (n - 1) * sizeof *s->rtext);
        memmove(s->rlen, s->rlen + 1, (n - 1) * sizeof *s->rlen);
        n--;
    }
    s->rn = n;
}

static json_t *recent_json(const struct agg_state *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->rn; i++) {
        json_t *v = json_loadb(s->rtext[i], s->rlen[i], 0, NULL);
        json_array_append_new(a, v ? v : json_object());
    }
    return a;
}

void profile_write_recent(struct jbuf *b, const struct profile *p, size_t k)
{
    const struct agg_state *s = &p->agg[k];
    jbuf_put(b, "[", 1);
    for (size_t i = 0; i < s->rn; i++) {
        if (i)
            jbuf_put(b, ",", 1);
        jbuf_put(b, s->rtext[i], s->rlen[i]);
    }
    jbuf_put(b, "]", 1);
}

/* ---------------------------------------------------------------- update */

static void apply(const struct agg_def *a, struct agg_state *s,
                  const json_t *ev, eng_time ts, eng_time clock)
{
    const json_t *v = a->field ? eng_path_get(a->field, ev) : NULL;
    int is_int;
    int64_t i;
    double d;

    if (a->kind == AGG_RECENT) {
        struct jbuf *b = &scratch;
        int first = 1;
        b->len = 0;
        jbuf_put(b, "{", 1);
        for (size_t k = 0; k < a->nrfields; k++) {
            json_t *f = eng_path_get(a->rfields[k], ev);
            if (!f)
                continue;
            if (!first)
                jbuf_put(b, ",", 1);
            first = 0;
            const char *name = eng_path_text(a->rfields[k]);
            jbuf_string(b, name, strlen(name));
            jbuf_put(b, ":", 1);
            jbuf_json(b, f);
        }
        jbuf_put(b, "}", 1);
        recent_insert(s, ts, b->data, b->len, a->max);
        return;
    }
    if (a->kind != AGG_COUNT && (!v || json_is_null(v)))
        return;
    if (a->window_ms) {
        if (ts < clock - a->window_ms)
            return;
        if (a->kind == AGG_COUNT)
            window_insert(s, ts, 1, 1);
        else if (num_of(v, &is_int, &i, &d) == 0)
            window_insert(s, ts, d, is_int);
        return;
    }
    switch (a->kind) {
    case AGG_COUNT:
        s->n++;
        break;
    case AGG_SUM:
    case AGG_AVG:
        if (num_of(v, &is_int, &i, &d) == 0)
            sum_add(s, is_int, i, d);
        break;
    case AGG_MIN:
    case AGG_MAX:
        if (!json_is_number(v))
            break;
        if (!s->val ||
            (a->kind == AGG_MIN && json_number_value(v) < json_number_value(s->val)) ||
            (a->kind == AGG_MAX && json_number_value(v) > json_number_value(s->val))) {
            json_decref(s->val);
            s->val = keep(v);
        }
        break;
    case AGG_SET:
        set_add(s, v, a->max);
        break;
    case AGG_FIRST:
        if (!s->val || ts < s->ts) {
            json_decref(s->val);
            s->val = keep(v);
            s->ts = ts;
        }
        break;
    case AGG_LAST:
        if (!s->val || ts >= s->ts) {
            json_decref(s->val);
            s->val = keep(v);
            s->ts = ts;
        }
        break;
    case AGG_RECENT:
        break;
    }
}

unsigned profile_update(const struct enrich_config *cfg, struct profile *p,
                        const json_t *ev, eng_time ts, struct eng_expr_ctx *ctx,
                        struct eng_error *err)
{
    unsigned errors = 0;
    if (ts < p->first_seen)
        p->first_seen = ts;
    if (ts > p->last_seen)
        p->last_seen = ts;
    p->dirty = 1;
    for (size_t k = 0; k < cfg->naggs; k++) {
        const struct agg_def *a = &cfg->aggs[k];
        if (a->when) {
            struct eng_error e;
            int t = eng_expr_test(a->when, ctx, ev, NULL, &e);
            if (t < 0) {
                if (!errors++ && err)
                    eng_error_set(err, "profile.%s: when: %s", a->name, e.msg);
                continue;
            }
            if (!t)
                continue;
        }
        apply(a, &p->agg[k], ev, ts, p->last_seen);
    }
    return errors;
}

/* ---------------------------------------------------------------- merge */

void profile_merge(const struct enrich_config *cfg, struct profile *into,
                   const struct profile *from)
{
    if (from->first_seen < into->first_seen)
        into->first_seen = from->first_seen;
    if (from->last_seen > into->last_seen)
        into->last_seen = from->last_seen;
    into->dirty = 1;
    for (size_t k = 0; k < cfg->naggs; k++) {
        const struct agg_def *a = &cfg->aggs[k];
        struct agg_state *s = &into->agg[k];
        const struct agg_state *o = &from->agg[k];
        if (a->window_ms) {
            for (size_t i = 0; i < o->wn; i++)
                window_insert(s, o->w[i].ts, o->w[i].v, o->w[i].is_int);
            window_evict(s, into->last_seen, a->window_ms);
            continue;
        }
        switch (a->kind) {
        case AGG_COUNT:
            s->n += o->n;
            break;
        case AGG_SUM:
        case AGG_AVG:
            if (o->all_int) {
                s->n--;   /* sum_add counts one value; fix below */
                sum_add(s, 1, o->isum, 0);
            } else {
                s->n--;
                sum_add(s, 0, 0, o->dsum);
            }
            s->n += o->n;
            break;
        case AGG_MIN:
        case AGG_MAX:
            if (o->val && (!s->val ||
                (a->kind == AGG_MIN && json_number_value(o->val) < json_number_value(s->val)) ||
                (a->kind == AGG_MAX && json_number_value(o->val) > json_number_value(s->val)))) {
                json_decref(s->val);
                s->val = json_deep_copy(o->val);
            }
            break;
        case AGG_SET:
            for (size_t i = 0; i < json_array_size(o->val); i++)
                set_add(s, json_array_get(o->val, i), a->max);
            break;
        case AGG_FIRST:
        case AGG_LAST:
            if (o->val && (!s->val || (a->kind == AGG_FIRST ? o->ts < s->ts
                                                            : o->ts > s->ts))) {
                json_decref(s->val);
                s->val = json_deep_copy(o->val);
                s->ts = o->ts;
            }
            break;
        case AGG_RECENT:
            for (size_t i = 0; i < o->rn; i++)
                recent_insert(s, o->rts[i], o->rtext[i], o->rlen[i], a->max);
            break;
        }
    }
}

/* ---------------------------------------------------------------- output */

json_t *profile_to_json(const struct enrich_config *cfg, struct profile *p,
                        int all)
{
    json_t *o = json_object();
    for (size_t k = 0; k < cfg->naggs; k++) {
        const struct agg_def *a = &cfg->aggs[k];
        struct agg_state *s = &p->agg[k];
        json_t *v;
        if (!all && !a->in_view)
            continue;
        if (a->window_ms) {
            window_evict(s, p->last_seen, a->window_ms);
            v = window_json(a, s);
        } else {
            switch (a->kind) {
            case AGG_COUNT: v = json_integer(s->n); break;
            case AGG_SUM:   v = sum_json(s); break;
            case AGG_RECENT:
                v = recent_json(s);
                break;
            case AGG_AVG:
                v = s->n ? json_real((s->all_int ? (double)s->isum : s->dsum) /
                                     (double)s->n)
                         : json_null();
                break;
            default:
                v = s->val ? json_incref(s->val) : json_null();
            }
        }
        json_object_set_new(o, a->name, v);
    }
    return o;
}

/* ---------------------------------------------------------------- state */

static void window_write(struct jbuf *b, const struct agg_def *a,
                         const struct agg_state *s)
{
    if (a->kind == AGG_COUNT) {
        jbuf_int(b, (int64_t)s->wn);
        return;
    }
    json_t *v = window_json(a, s);
    jbuf_json(b, v);
    json_decref(v);
}

void profile_write_value(struct jbuf *b, const struct enrich_config *cfg,
                         struct profile *p, size_t k)
{
    const struct agg_def *a = &cfg->aggs[k];
    struct agg_state *s = &p->agg[k];
    if (a->window_ms) {
        window_evict(s, p->last_seen, a->window_ms);
        window_write(b, a, s);
        return;
    }
    switch (a->kind) {
    case AGG_COUNT:
        jbuf_int(b, s->n);
        break;
    case AGG_SUM:
        if (s->all_int)
            jbuf_int(b, s->isum);
        else
            jbuf_real(b, s->dsum, 15);
        break;
    case AGG_AVG:
        if (s->n)
            jbuf_real(b, (s->all_int ? (double)s->isum : s->dsum) / (double)s->n,
                      15);
        else
            jbuf_put(b, "null", 4);
        break;
    case AGG_RECENT:
        profile_write_recent(b, p, k);
        break;
    default:
        if (s->val)
            jbuf_json(b, s->val);
        else
            jbuf_put(b, "null", 4);
    }
}

void profile_write_view(struct jbuf *b, const struct enrich_config *cfg,
                        struct profile *p)
{
    jbuf_put(b, "{", 1);
    for (size_t k = 0; k < cfg->naggs; k++) {
        if (k)
            jbuf_put(b, ",", 1);
        jbuf_string(b, cfg->aggs[k].name, strlen(cfg->aggs[k].name));
        jbuf_put(b, ":", 1);
        profile_write_value(b, cfg, p, k);
    }
    if (p->segments) {
        jbuf_put(b, cfg->naggs ? ",\"segments\":" : "\"segments\":",
                 cfg->naggs ? 12 : 11);
        jbuf_json(b, p->segments);
    }
    jbuf_put(b, "}", 1);
}

static void key(struct jbuf *b, const char *k, int comma)
{
    if (comma)
        jbuf_put(b, ",", 1);
    jbuf_string(b, k, strlen(k));
    jbuf_put(b, ":", 1);
}

void profile_write_state(struct jbuf *b, const struct enrich_config *cfg,
                         const struct profile *p)
{
    jbuf_put(b, "{\"first\":", 9);
    jbuf_int(b, p->first_seen);
    jbuf_put(b, ",\"last\":", 8);
    jbuf_int(b, p->last_seen);
    jbuf_put(b, ",\"aggs\":{", 9);
    for (size_t k = 0; k < cfg->naggs; k++) {
        const struct agg_def *a = &cfg->aggs[k];
        const struct agg_state *s = &p->agg[k];
        key(b, a->name, k > 0);
        if (a->window_ms) {
            jbuf_put(b, "{\"k\":\"window\",\"w\":[", 19);
            for (size_t i = 0; i < s->wn; i++) {
                jbuf_put(b, i ? ",[" : "[", i ? 2 : 1);
                jbuf_int(b, s->w[i].ts);
                jbuf_put(b, ",", 1);
                if (s->w[i].is_int)
                    jbuf_int(b, (int64_t)s->w[i].v);
                else
                    jbuf_real(b, s->w[i].v, 17);
                jbuf_put(b, "]", 1);
            }
            jbuf_put(b, "]}", 2);
            continue;
        }
        /* per kind only what it uses: count n; sum/avg n, s; first/last
         * v, t; min/max v; recent rt (the entries themselves, and a set's
         * values, are read back from the view: written once, not twice) */
        jbuf_put(b, "{\"k\":\"plain\"", 12);
        if (a->kind == AGG_COUNT || a->kind == AGG_SUM || a->kind == AGG_AVG) {
            jbuf_put(b, ",\"n\":", 5);
            jbuf_int(b, s->n);
        }
        if (a->kind == AGG_SUM || a->kind == AGG_AVG) {
            jbuf_put(b, ",\"s\":", 5);
            if (s->all_int)
                jbuf_int(b, s->isum);
            else
                jbuf_real(b, s->dsum, 17);
        }
        if (a->kind == AGG_FIRST || a->kind == AGG_LAST) {
            jbuf_put(b, ",\"t\":", 5);
            jbuf_int(b, s->ts);
        }
        if (a->kind == AGG_RECENT) {
            jbuf_put(b, ",\"rt\":[", 7);
            for (size_t i = 0; i < s->rn; i++) {
                if (i)
                    jbuf_put(b, ",", 1);
                jbuf_int(b, s->rts[i]);
            }
            jbuf_put(b, "]", 1);
        } else if (s->val && a->kind != AGG_SET) {
            jbuf_put(b, ",\"v\":", 5);
            /* min/max/first/last values: reals need all 17 digits */
            json_t *v = s->val;
            if (json_is_real(v))
                jbuf_real(b, json_real_value(v), 17);
            else
                jbuf_json(b, v);
        }
        jbuf_put(b, "}", 1);
    }
    jbuf_put(b, "}}", 2);
}

struct profile *profile_from_state(const struct enrich_config *cfg,
                                   const json_t *st, const json_t *view)
{
    struct profile *p = profile_new(cfg);
    json_t *f = json_object_get(st, "first"), *l = json_object_get(st, "last");
    if (json_is_integer(f))
        p->first_seen = json_integer_value(f);
    if (json_is_integer(l))
        p->last_seen = json_integer_value(l);
    json_t *aggs = json_object_get(st, "aggs");
    for (size_t k = 0; k < cfg->naggs; k++) {
        const struct agg_def *a = &cfg->aggs[k];
        struct agg_state *s = &p->agg[k];
        json_t *o = json_object_get(aggs, a->name);
        if (!json_is_object(o))
            continue;
        /* a state written for another shape of this attribute starts over */
        if (strcmp(json_string_value(json_object_get(o, "k")) ?
                   json_string_value(json_object_get(o, "k")) : "",
                   a->window_ms ? "window" : "plain") != 0)
            continue;
        if (a->window_ms) {
            json_t *w = json_object_get(o, "w"), *e;
            size_t i;
            json_array_foreach(w, i, e) {
                json_t *t = json_array_get(e, 0), *v = json_array_get(e, 1);
                if (json_is_integer(t) && json_is_number(v))
                    window_insert(s, json_integer_value(t), json_number_value(v),
                                  json_is_integer(v));
            }
            continue;
        }
        json_t *n = json_object_get(o, "n"), *sm = json_object_get(o, "s");
        json_t *v = json_object_get(o, "v"), *t = json_object_get(o, "t");
        if (a->kind == AGG_SET || a->kind == AGG_RECENT)
            v = json_object_get(view, a->name);
        s->n = json_integer_value(n);
        if (json_is_integer(sm)) {
            s->isum = json_integer_value(sm);
        } else if (json_is_real(sm)) {
            s->all_int = 0;
            s->dsum = json_real_value(sm);
        }
        s->ts = json_integer_value(t);
        if (a->kind == AGG_SET || a->kind == AGG_RECENT) {
            if (!json_is_array(v))
                continue;
            json_t *rt = json_object_get(o, "rt");
            if (a->kind == AGG_RECENT && json_array_size(rt) != json_array_size(v))
                continue;
            if (a->kind == AGG_RECENT) {
                for (size_t i = 0; i < json_array_size(v); i++) {
                    struct jbuf *b = &scratch;
                    b->len = 0;
                    jbuf_json(b, json_array_get(v, i));
                    recent_insert(s, json_integer_value(json_array_get(rt, i)),
                                  b->data, b->len, a->max);
                }
            } else {
                json_decref(s->val);
                s->val = json_deep_copy(v);
            }
        } else if (v) {
            s->val = json_deep_copy(v);
        }
    }
    return p;
}
