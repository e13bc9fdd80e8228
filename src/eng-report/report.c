/* report: counting records into eng-report's tables (report.h).
 *
 * Attribution (report_finish), by event time, per customer:
 *   1. a conversion is an event of the conversion type (--conversion,
 *      default purchase) of the customer;
 *   2. it is credited to the customer's latest sent message before it (the
 *      last touch) if that send is at most the attribution window
 *      (--attribution, default 7d) older: send.ts < conv.ts <= send.ts + W;
 *   3. a send is "converted" when at least one conversion is credited to it;
 *      the funnel counts converted sends, and conversions credited.
 * Settling (settle_all): records may come up to the lateness (--lateness,
 * default 1d) behind the latest time seen. So at horizon H = latest -
 * lateness every conversion before H is final (no send before it can still
 * come) and is credited and dropped, and every send with ts + W < H is
 * dropped (no conversion it could reach can still come). Settling runs when
 * the lists grow past trim_at entries, and at the end with H = +infinity:
 * with input in time order (within the lateness) the result is that of
 * keeping everything; a record that comes behind the horizon is counted in
 * `late` and its attribution may be off (main.c warns).
 * Lift, per rule (campaign): a customer is treated when the rule sent them
 * a message, control when the rule's message was held back as
 * control-group and never sent; either converts when a conversion falls in
 * (first exposure, first exposure + W]. Rates have Wilson intervals, the
 * difference Newcombe's hybrid score interval (Newcombe 1998, method 10).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define DAY_MS 86400000LL
#define WEEK_MS (7 * DAY_MS)
#define NONE INT64_MIN
#define Z95 1.959963984540054

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

/* grow ARRAY (of ELEM) to hold one more; CAP is its capacity */
#define PUSH(arr, n, cap) do { \
        if ((n) == (cap)) { \
            (cap) = (cap) ? (cap) * 2 : 8; \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr)); \
        } \
    } while (0)

void report_init(struct report *r)
{
    memset(r, 0, sizeof *r);
    r->conversion_type = "purchase";
    r->attribution_ms = WEEK_MS;
    r->window_ms = DAY_MS;
    r->lateness_ms = DAY_MS;
    r->latest = r->horizon = NONE;
    r->trim_at = REPORT_TRIM_AT;
    const char *t = getenv("ENG_REPORT_TRIM_AT");
    if (t && atol(t) > 0)
        r->trim_at = (size_t)atol(t);
}

static void settle_all(struct report *r, eng_time horizon);

/* A send, conversion or hold-back at ts: the latest time, late records, and
 * settling when the lists have grown. */
static void attribution_time(struct report *r, eng_time ts, int grew)
{
    if (ts > r->latest)
        r->latest = ts;
    if (ts < r->horizon)
        r->late++;
    r->pending += grew;
    if (r->pending >= r->trim_at) {
        eng_time h;
        if (__builtin_sub_overflow(r->latest, r->lateness_ms, &h))
            h = NONE;
        settle_all(r, h);
        if (r->pending >= r->trim_at / 2)   /* dense: let the lists grow */
            r->trim_at *= 2;
    }
}

eng_time report_period(const struct report *r, eng_time t)
{
    int64_t w = r->window_ms;
    int64_t origin = (w % WEEK_MS == 0) ? 4 * DAY_MS : 0;  /* a Monday */
    int64_t d = t - origin;
    int64_t q = d / w;
    if (d % w < 0)
        q--;
    return origin + q * w;
}

/* key builder: fields joined by \x1f into a reused buffer */
struct key {
    char *p;
    size_t len, cap;
};

static void key_reset(struct key *k)
{
    k->len = 0;
}

static void key_add(struct key *k, const char *s)
{
    size_t n = strlen(s);
    if (k->len + n + 2 > k->cap) {
        k->cap = (k->len + n + 2) * 2;
        k->p = xrealloc(k->p, k->cap);
    }
    if (k->len)
        k->p[k->len++] = '\x1f';
    memcpy(k->p + k->len, s, n);
    k->len += n;
    k->p[k->len] = 0;
}

static struct key kb;   /* one key at a time; freed by report_free */

static const char *str_member(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

static struct funnel *funnel_cell(struct report *r, const char *rule,
                                  const char *channel)
{
    key_reset(&kb);
    key_add(&kb, rule);
    key_add(&kb, channel);
    int created;
    struct strmap_ent *e = strmap_put(&r->funnel_map, kb.p, kb.len, &created);
    if (created) {
        struct funnel *f = calloc(1, sizeof *f);
        if (!f)
            abort();
        f->rule = xstrdup(rule);
        f->channel = xstrdup(channel);
        e->val = f;
        PUSH(r->funnels, r->nfunnels, r->capfunnels);
        r->funnels[r->nfunnels++] = f;
    }
    return e->val;
}

static struct lift *rule_entry(struct report *r, const char *rule)
{
    int created;
    struct strmap_ent *e = strmap_put(&r->rule_map, rule, strlen(rule), &created);
    if (created) {
        struct lift *l = calloc(1, sizeof *l);
        if (!l)
            abort();
        l->rule = xstrdup(rule);
        e->val = l;
        PUSH(r->rules, r->nrules, r->caprules);
        r->rules[r->nrules++] = l;
    }
    return e->val;
}

static struct customer *customer_entry(struct report *r, const char *id)
{
    int created;
    struct strmap_ent *e = strmap_put(&r->cust_map, id, strlen(id), &created);
    if (created) {
        e->val = calloc(1, sizeof(struct customer));
        if (!e->val)
            abort();
    }
    return e->val;
}

static struct exposure *exposure_of(struct customer *c, struct lift *rule)
{
    for (size_t i = 0; i < c->nexp; i++)
        if (c->exp[i].rule == rule)
            return &c->exp[i];
    PUSH(c->exp, c->nexp, c->capexp);
    struct exposure *x = &c->exp[c->nexp++];
    x->rule = rule;
    x->first_sent = x->first_control = NONE;
    x->sent_converted = x->control_converted = 0;
    return x;
}

static void count_reason(struct funnel *f, const char *reason)
{
    for (size_t i = 0; i < f->nreasons; i++)
        if (strcmp(f->reasons[i].name, reason) == 0) {
            f->reasons[i].n++;
            return;
        }
    f->reasons = xrealloc(f->reasons, (f->nreasons + 1) * sizeof *f->reasons);
    f->reasons[f->nreasons].name = xstrdup(reason);
    f->reasons[f->nreasons++].n = 1;
}

/* The rule of a receipt: its "rule" member, else the RULE of an action id
 * "act:RULE:KEY:HASH" (eng-match's ids; receipts carry the action's id). */
static const char *receipt_rule(const struct report_rec *rec, char *buf,
                                size_t cap)
{
    if (rec->rule)
        return rec->rule;
    const char *id = rec->id;
    if (id && strncmp(id, "act:", 4) == 0) {
        const char *end = strchr(id + 4, ':');
        size_t n = end ? (size_t)(end - id - 4) : strlen(id + 4);
        if (n > 0 && n < cap) {
            memcpy(buf, id + 4, n);
            buf[n] = 0;
            return buf;
        }
    }
    return "(unknown)";
}

static void add_action(struct report *r, const struct report_rec *rec)
{
    const char *rule = rec->rule;
    const char *ch = rec->channel;
    struct funnel *f = funnel_cell(r, rule ? rule : "(unknown)", ch ? ch : "");
    f->actions++;
    r->actions++;
}

static void add_receipt(struct report *r, const struct report_rec *rec,
                        eng_time ts)
{
    char buf[256];
    const char *rule = receipt_rule(rec, buf, sizeof buf);
    const char *ch = rec->channel;
    const char *status = rec->status;
    const char *reason = rec->reason;
    const char *cust = rec->customer;
    struct funnel *f = funnel_cell(r, rule, ch ? ch : "");
    r->receipts++;
    f->receipts++;
    struct customer *c = cust ? customer_entry(r, cust) : NULL;
    struct exposure *x = c ? exposure_of(c, rule_entry(r, rule)) : NULL;
    if (strcmp(status, "sent") == 0) {
        f->sent++;
        if (c) {
            PUSH(c->sends, c->nsends, c->capsends);
            c->sends[c->nsends++] = (struct send){ .ts = ts, .cell = f,
                                                  .seq = r->nsent_seen++ };
            if (x->first_sent == NONE || ts < x->first_sent)
                x->first_sent = ts;
            attribution_time(r, ts, 1);
        }
    } else if (strcmp(status, "suppressed") == 0) {
        f->suppressed++;
        count_reason(f, reason ? reason : "(none)");
        if (x && reason && strcmp(reason, "control-group") == 0) {
            if (x->first_control == NONE || ts < x->first_control)
                x->first_control = ts;
            attribution_time(r, ts, 0);
        }
    } else if (strcmp(status, "deferred") == 0) {
        f->deferred++;
    } else if (strcmp(status, "failed") == 0) {
        f->failed++;
    } else if (strcmp(status, "dry-run") == 0) {
        f->dry_run++;
    } else {
        f->other++;
    }
}

/* the --by group of an event: {"path":value,...} as compact JSON text
 * (the caller frees it); NULL without --by, the common case, so that an
 * event costs no allocation for it */
static char *group_of(const struct report *r, const json_t *ev)
{
    if (!r->nby || !ev)
        return NULL;
    json_t *g = json_object();
    for (size_t i = 0; i < r->nby; i++) {
        json_t *v = eng_path_get(r->by[i], ev);
        json_object_set(g, r->by_text[i], v ? v : json_null());
    }
    char *s = json_dumps(g, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(g);
    if (!s)
        abort();
    return s;
}

static struct sentagg *sent_entry(struct strmap *m,
                                  struct sentagg ***arr, size_t *n, size_t *cap,
                                  const char *period, const char *group,
                                  const char *topic)
{
    key_reset(&kb);
    key_add(&kb, period);
    key_add(&kb, group);
    key_add(&kb, topic ? topic : "");
    int created;
    struct strmap_ent *e = strmap_put(m, kb.p, kb.len, &created);
    if (created) {
        struct sentagg *a = calloc(1, sizeof *a);
        if (!a)
            abort();
        a->period = xstrdup(period);
        a->group = xstrdup(group);
        a->topic = topic ? xstrdup(topic) : NULL;
        e->val = a;
        PUSH(*arr, *n, *cap);
        (*arr)[(*n)++] = a;
    }
    return e->val;
}

/* counts one scored text into a */
static void sent_count(struct sentagg *a, double compound, int neg, int pos)
{
    a->n++;
    a->sum += compound;
    a->negative += neg;
    a->positive += pos;
    a->neutral += !neg && !pos;
}

static void add_event(struct report *r, const struct report_rec *rec,
                      eng_time ts)
{
    const json_t *ev = rec->root;   /* NULL: no sentiment, topics or --by */
    char period[ENG_TIME_BUFSZ];
    eng_time_format(report_period(r, ts), period);
    char *by = group_of(r, ev);
    const char *group = by ? by : "";
    const char *ch = rec->channel;
    const char *type = rec->type;
    r->events++;

    key_reset(&kb);
    key_add(&kb, period);
    key_add(&kb, group);
    key_add(&kb, ch ? ch : "");
    key_add(&kb, type ? type : "");
    int created;
    struct strmap_ent *e = strmap_put(&r->volume_map, kb.p, kb.len, &created);
    if (created) {
        struct volume *v = calloc(1, sizeof *v);
        if (!v)
            abort();
        v->period = xstrdup(period);
        v->group = xstrdup(group);
        v->channel = xstrdup(ch ? ch : "");
        v->type = xstrdup(type ? type : "");
        e->val = v;
        PUSH(r->volumes, r->nvolumes, r->capvolumes);
        r->volumes[r->nvolumes++] = v;
    }
    ((struct volume *)e->val)->n++;

    const char *cust = rec->customer;
    if (type && cust && strcmp(type, r->conversion_type) == 0) {
        struct customer *c = customer_entry(r, cust);
        PUSH(c->conv, c->nconv, c->capconv);
        c->conv[c->nconv++] = ts;
        attribution_time(r, ts, 1);
    }

    const json_t *s = ev ? json_object_get(ev, "sentiment") : NULL;
    const json_t *cmp = json_object_get(s, "compound");
    if (json_is_number(cmp)) {
        double x = json_number_value(cmp);
        const char *label = str_member(s, "label");
        int neg = label && strcmp(label, "negative") == 0;
        int pos = label && strcmp(label, "positive") == 0;
        sent_count(sent_entry(&r->sent_map, &r->sents, &r->nsents,
                              &r->capsents, period, group, NULL), x, neg, pos);
        const json_t *topics = json_object_get(ev, "topics");
        size_t i;
        const json_t *t;
        json_array_foreach(topics, i, t) {
            if (!json_is_string(t))
                continue;
            sent_count(sent_entry(&r->topic_map, &r->topics, &r->ntopics,
                                  &r->captopics, period, group,
                                  json_string_value(t)), x, neg, pos);
            sent_count(sent_entry(&r->toptotal_map, &r->toptotals,
                                  &r->ntoptotals, &r->captoptotals, "", "",
                                  json_string_value(t)), x, neg, pos);
        }
    }
    free(by);
}

/* A reject's reason: its error without the parts that differ from record
 * to record, so rejects group: quoted text becomes '...', numbers N
 * ("ts: cannot parse '2015-02-30 ...'" -> "ts: cannot parse '...'"). */
static char *reject_reason(const char *error)
{
    size_t n = strlen(error);
    char *out = xrealloc(NULL, n + 8);
    size_t o = 0;
    for (size_t i = 0; i < n && o < 200; ) {
        char c = error[i];
        if (c == '\'' || c == '"') {
            const char *end = strchr(error + i + 1, c);
            if (end) {
                memcpy(out + o, c == '\'' ? "'...'" : "\"...\"", 5);
                o += 5;
                i = (size_t)(end - error) + 1;
                continue;
            }
        }
        if (c >= '0' && c <= '9') {
            out[o++] = 'N';
            while (i < n && ((error[i] >= '0' && error[i] <= '9') || error[i] == '.'))
                i++;
            continue;
        }
        out[o++] = c;
        i++;
    }
    out[o] = 0;
    return out;
}

static void add_reject(struct report *r, const char *tool, const char *error)
{
    char *reason = reject_reason(error);
    key_reset(&kb);
    key_add(&kb, tool);
    key_add(&kb, reason);
    int created;
    struct strmap_ent *e = strmap_put(&r->rej_map, kb.p, kb.len, &created);
    if (created) {
        struct rejcount *c = calloc(1, sizeof *c);
        if (!c)
            abort();
        c->tool = xstrdup(tool);
        c->reason = reason;
        reason = NULL;
        e->val = c;
        PUSH(r->rejs, r->nrejs, r->caprejs);
        r->rejs[r->nrejs++] = c;
    }
    ((struct rejcount *)e->val)->n++;
    free(reason);
    r->rejects++;
}

int report_add(struct report *r, const json_t *root, struct eng_error *err)
{
    if (!json_is_object(root)) {
        eng_error_set(err, "not a JSON object");
        return -1;
    }
    struct report_rec rec = {
        .tool = str_member(root, "tool"), .error = str_member(root, "error"),
        .ts = str_member(root, "ts"), .type = str_member(root, "type"),
        .status = str_member(root, "status"), .id = str_member(root, "id"),
        .customer = str_member(root, "customer"),
        .channel = str_member(root, "channel"),
        .reason = str_member(root, "reason"), .rule = str_member(root, "rule"),
        .has_type = json_object_get(root, "type") != NULL,
        .has_ts = json_object_get(root, "ts") != NULL,
        .root = root,
    };
    return report_add_rec(r, &rec, err);
}

int report_add_rec(struct report *r, const struct report_rec *rec,
                   struct eng_error *err)
{
    if (rec->tool && rec->error) {
        add_reject(r, rec->tool, rec->error);
        return 0;
    }
    eng_time ts;
    if (!rec->has_ts) {
        eng_error_set(err, "ts: missing");
        return -1;
    }
    if (!rec->ts || eng_time_parse_rfc3339(rec->ts, strlen(rec->ts), &ts) < 0) {
        eng_error_set(err, "ts: not an RFC 3339 time");
        return -1;
    }
    if ((r->has_since && ts < r->since) || (r->has_until && ts >= r->until)) {
        r->filtered++;
        return 0;
    }
    if (rec->type && strcmp(rec->type, "action") == 0)
        add_action(r, rec);
    else if (!rec->has_type && rec->status)
        add_receipt(r, rec, ts);
    else
        add_event(r, rec, ts);
    return 0;
}

/* ---------------------------------------------------------------- finish */

/* qsort, but an empty table may be NULL (qsort's arguments must not be) */
static void sort(void *base, size_t n, size_t size,
                 int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static int cmp_time(const void *a, const void *b)
{
    eng_time x = *(const eng_time *)a, y = *(const eng_time *)b;
    return (x > y) - (x < y);
}

/* by time, then arrival: the last touch among sends of one instant is the
 * one read last, whenever the lists were settled */
static int cmp_send(const void *a, const void *b)
{
    const struct send *x = a, *y = b;
    if (x->ts != y->ts)
        return (x->ts > y->ts) - (x->ts < y->ts);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Shrinks an array whose use fell under a quarter of its capacity. */
#define SHRINK(arr, n, cap) do { \
        if ((cap) > 16 && (n) < (cap) / 4) { \
            (cap) = (n) > 8 ? (n) * 2 : 16; \
            (arr) = xrealloc((arr), (cap) * sizeof *(arr)); \
        } \
    } while (0)

/* Settles customer c up to horizon h: credits each conversion before h to
 * the latest send strictly before it within the window, marks the
 * exposures it converts, drops those conversions and the sends that no
 * conversion at or after h can reach (ts + W < h). */
static void settle(struct report *r, struct customer *c, eng_time h)
{
    size_t before = c->nsends + c->nconv;
    sort(c->sends, c->nsends, sizeof *c->sends, cmp_send);
    sort(c->conv, c->nconv, sizeof *c->conv, cmp_time);
    const int64_t w = r->attribution_ms;
    size_t s = 0, i;
    for (i = 0; i < c->nconv && c->conv[i] < h; i++) {
        eng_time t = c->conv[i];
        /* the latest send strictly before this conversion */
        while (s < c->nsends && c->sends[s].ts < t)
            s++;
        if (s > 0 && t - c->sends[s - 1].ts <= w) {
            struct send *last = &c->sends[s - 1];
            last->cell->conversions++;
            if (!last->credited) {
                last->credited = 1;
                last->cell->converted++;
            }
        }
        /* lift: a conversion in (first exposure, first exposure + W] */
        for (size_t k = 0; k < c->nexp; k++) {
            struct exposure *x = &c->exp[k];
            if (x->first_sent != NONE && x->first_sent < t &&
                t - x->first_sent <= w)
                x->sent_converted = 1;
            if (x->first_control != NONE && x->first_control < t &&
                t - x->first_control <= w)
                x->control_converted = 1;
        }
    }
    if (i && i < c->nconv)  /* (memmove must not see a NULL array) */
        memmove(c->conv, c->conv + i, (c->nconv - i) * sizeof *c->conv);
    c->nconv -= i;
    size_t d = 0;       /* sends that no conversion from h on can reach */
    eng_time reach;
    if (h == INT64_MAX)
        d = c->nsends;
    else if (!__builtin_sub_overflow(h, w, &reach))
        while (d < c->nsends && c->sends[d].ts < reach)
            d++;
    if (d && d < c->nsends)
        memmove(c->sends, c->sends + d, (c->nsends - d) * sizeof *c->sends);
    c->nsends -= d;
    SHRINK(c->sends, c->nsends, c->capsends);
    SHRINK(c->conv, c->nconv, c->capconv);
    r->pending -= before - (c->nsends + c->nconv);
}

static void settle_all(struct report *r, eng_time h)
{
    if (h == NONE)
        return;
    for (size_t i = 0; i < r->cust_map.cap; i++)
        if (r->cust_map.tab[i].key) {
            struct customer *c = r->cust_map.tab[i].val;
            if (c->nsends || c->nconv)
                settle(r, c, h);
        }
    if (h > r->horizon)
        r->horizon = h;
}

/* lift per rule from the exposures, once everything is settled */
static void count_lift(struct customer *c)
{
    for (size_t i = 0; i < c->nexp; i++) {
        struct exposure *x = &c->exp[i];
        if (x->first_sent != NONE) {
            x->rule->treated++;
            x->rule->treated_conv += x->sent_converted;
        } else if (x->first_control != NONE) {
            x->rule->control++;
            x->rule->control_conv += x->control_converted;
        }
    }
}

static int cmp_funnel(const void *a, const void *b)
{
    const struct funnel *x = *(const struct funnel *const *)a;
    const struct funnel *y = *(const struct funnel *const *)b;
    int c = strcmp(x->rule, y->rule);
    return c ? c : strcmp(x->channel, y->channel);
}

static int cmp_lift(const void *a, const void *b)
{
    return strcmp((*(const struct lift *const *)a)->rule,
                  (*(const struct lift *const *)b)->rule);
}

static int cmp_volume(const void *a, const void *b)
{
    const struct volume *x = *(const struct volume *const *)a;
    const struct volume *y = *(const struct volume *const *)b;
    int c = strcmp(x->period, y->period);
    if (!c) c = strcmp(x->group, y->group);
    if (!c) c = strcmp(x->channel, y->channel);
    return c ? c : strcmp(x->type, y->type);
}

static int cmp_sentagg(const void *a, const void *b)
{
    const struct sentagg *x = *(const struct sentagg *const *)a;
    const struct sentagg *y = *(const struct sentagg *const *)b;
    int c = strcmp(x->period, y->period);
    if (!c) c = strcmp(x->group, y->group);
    return c ? c : strcmp(x->topic ? x->topic : "", y->topic ? y->topic : "");
}

/* most negative first, then most texts, then by name */
static int cmp_negative(const void *a, const void *b)
{
    const struct sentagg *x = *(const struct sentagg *const *)a;
    const struct sentagg *y = *(const struct sentagg *const *)b;
    if (x->negative != y->negative)
        return x->negative > y->negative ? -1 : 1;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->topic, y->topic);
}

static int cmp_rej(const void *a, const void *b)
{
    const struct rejcount *x = *(const struct rejcount *const *)a;
    const struct rejcount *y = *(const struct rejcount *const *)b;
    int c = strcmp(x->tool, y->tool);
    return c ? c : strcmp(x->reason, y->reason);
}

void report_finish(struct report *r)
{
    settle_all(r, INT64_MAX);
    for (size_t i = 0; i < r->cust_map.cap; i++)
        if (r->cust_map.tab[i].key)
            count_lift(r->cust_map.tab[i].val);
    sort(r->funnels, r->nfunnels, sizeof *r->funnels, cmp_funnel);
    sort(r->rules, r->nrules, sizeof *r->rules, cmp_lift);
    sort(r->volumes, r->nvolumes, sizeof *r->volumes, cmp_volume);
    sort(r->sents, r->nsents, sizeof *r->sents, cmp_sentagg);
    sort(r->topics, r->ntopics, sizeof *r->topics, cmp_sentagg);
    sort(r->toptotals, r->ntoptotals, sizeof *r->toptotals, cmp_negative);
    sort(r->rejs, r->nrejs, sizeof *r->rejs, cmp_rej);
}

void report_wilson(unsigned long long k, unsigned long long n, double *lo,
                   double *hi)
{
    if (n == 0) {
        *lo = *hi = 0;
        return;
    }
    double p = (double)k / (double)n, z2 = Z95 * Z95, nn = (double)n;
    double denom = 1 + z2 / nn;
    double centre = (p + z2 / (2 * nn)) / denom;
    double half = Z95 * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / denom;
    *lo = centre - half < 0 ? 0 : centre - half;
    *hi = centre + half > 1 ? 1 : centre + half;
}

void report_newcombe(unsigned long long k1, unsigned long long n1,
                     unsigned long long k2, unsigned long long n2,
                     double *lo, double *hi)
{
    double l1, u1, l2, u2;
    report_wilson(k1, n1, &l1, &u1);
    report_wilson(k2, n2, &l2, &u2);
    double p1 = (double)k1 / (double)n1, p2 = (double)k2 / (double)n2;
    double d = p1 - p2;
    *lo = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
    *hi = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
}

/* ---------------------------------------------------------------- free */

static void free_customer(void *p)
{
    struct customer *c = p;
    free(c->sends);
    free(c->conv);
    free(c->exp);
    free(c);
}

void report_free(struct report *r)
{
    for (size_t i = 0; i < r->nfunnels; i++) {
        struct funnel *f = r->funnels[i];
        for (size_t j = 0; j < f->nreasons; j++)
            free(f->reasons[j].name);
        free(f->reasons);
        free(f->rule);
        free(f->channel);
        free(f);
    }
    for (size_t i = 0; i < r->nrules; i++) {
        free(r->rules[i]->rule);
        free(r->rules[i]);
    }
    for (size_t i = 0; i < r->nvolumes; i++) {
        struct volume *v = r->volumes[i];
        free(v->period);
        free(v->group);
        free(v->channel);
        free(v->type);
        free(v);
    }
    struct sentagg **lists[] = { r->sents, r->topics, r->toptotals };
    size_t counts[] = { r->nsents, r->ntopics, r->ntoptotals };
    for (size_t l = 0; l < 3; l++)
        for (size_t i = 0; i < counts[l]; i++) {
            free(lists[l][i]->period);
            free(lists[l][i]->group);
            free(lists[l][i]->topic);
            free(lists[l][i]);
        }
    for (size_t i = 0; i < r->nrejs; i++) {
        free(r->rejs[i]->tool);
        free(r->rejs[i]->reason);
        free(r->rejs[i]);
    }
    free(r->funnels);
    free(r->rules);
    free(r->volumes);
    free(r->sents);
    free(r->topics);
    free(r->toptotals);
    free(r->rejs);
    strmap_free(&r->funnel_map, NULL);
    strmap_free(&r->rule_map, NULL);
    strmap_free(&r->volume_map, NULL);
    strmap_free(&r->sent_map, NULL);
    strmap_free(&r->topic_map, NULL);
    strmap_free(&r->toptotal_map, NULL);
    strmap_free(&r->rej_map, NULL);
    strmap_free(&r->cust_map, free_customer);
    free(kb.p);
    kb.p = NULL;
    kb.cap = kb.len = 0;
}
