/* output: the report as metric records (output.h). Each record is a JSON
 * object whose "metric" names its kind; the HTML page (html.c) is drawn from
 * the same records, so both forms always say the same. Rates and means are
 * written with 6 significant digits (json_dumps JSON_REAL_PRECISION).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

static json_t *real_or_null(double num, unsigned long long den)
{
    return den ? json_real(num / (double)den) : json_null();
}

static json_t *interval(double lo, double hi)
{
    return json_pack("[ff]", lo, hi);
}

/* the --by group as an object, or NULL without --by */
static json_t *group_json(const char *group)
{
    return *group ? json_loads(group, 0, NULL) : NULL;
}

static void add_by(json_t *row, const char *group)
{
    json_t *g = group_json(group);
    if (g)
        json_object_set_new(row, "by", g);
}

static json_t *arm(unsigned long long k, unsigned long long n)
{
    double lo, hi;
    report_wilson(k, n, &lo, &hi);
    return json_pack("{sIsIsoso}", "customers", (json_int_t)n,
                     "converted", (json_int_t)k, "rate", real_or_null((double)k, n),
                     "ci95", n ? interval(lo, hi) : json_null());
}

void report_rows(const struct report *r, json_t *rows)
{
    json_array_append_new(rows, json_pack(
        "{sssIsIsIsIsIsIsI}", "metric", "inputs",
        "records", (json_int_t)r->in, "events", (json_int_t)r->events,
        "actions", (json_int_t)r->actions, "receipts", (json_int_t)r->receipts,
        "rejects", (json_int_t)r->rejects, "filtered", (json_int_t)r->filtered,
        "rejected", (json_int_t)r->rejected));

    for (size_t i = 0; i < r->nvolumes; i++) {
        const struct volume *v = r->volumes[i];
        json_t *row = json_pack("{ssss}", "metric", "volume", "period", v->period);
        add_by(row, v->group);
        json_object_set_new(row, "channel", json_string(v->channel));
        json_object_set_new(row, "type", json_string(v->type));
        json_object_set_new(row, "events", json_integer((json_int_t)v->n));
        json_array_append_new(rows, row);
    }

    for (size_t i = 0; i < r->nrejs; i++)
        json_array_append_new(rows, json_pack(
            "{sssssssI}", "metric", "rejects", "tool", r->rejs[i]->tool,
            "reason", r->rejs[i]->reason, "count", (json_int_t)r->rejs[i]->n));

    for (size_t i = 0; i < r->nfunnels; i++) {
        const struct funnel *f = r->funnels[i];
        json_t *by = json_object();
        for (size_t j = 0; j < f->nreasons; j++)
            json_object_set_new(by, f->reasons[j].name,
                                json_integer((json_int_t)f->reasons[j].n));
        json_array_append_new(rows, json_pack(
            "{sssssssIsIsIsIsosIsIsIsIsIso}", "metric", "funnel",
            "rule", f->rule, "channel", f->channel,
            "actions", (json_int_t)f->actions,
            "receipts", (json_int_t)f->receipts,
            "sent", (json_int_t)f->sent,
            "suppressed", (json_int_t)f->suppressed, "suppressed_by", by,
            "deferred", (json_int_t)f->deferred,
            "failed", (json_int_t)f->failed,
            "dry_run", (json_int_t)f->dry_run,
            "converted", (json_int_t)f->converted,
            "conversions", (json_int_t)f->conversions,
            "conversion_rate", real_or_null((double)f->converted, f->sent)));
    }

    for (size_t i = 0; i < r->nrules; i++) {
        const struct lift *l = r->rules[i];
        if (!l->control)
            continue;       /* no control group: nothing to compare with */
        json_t *row = json_pack("{ssssso so}", "metric", "lift", "rule", l->rule,
                                "treated", arm(l->treated_conv, l->treated),
                                "control", arm(l->control_conv, l->control));
        if (l->treated && l->control) {
            double pt = (double)l->treated_conv / (double)l->treated;
            double pc = (double)l->control_conv / (double)l->control;
            double lo, hi;
            report_newcombe(l->treated_conv, l->treated, l->control_conv,
                            l->control, &lo, &hi);
            json_object_set_new(row, "lift", json_real(pt - pc));
            json_object_set_new(row, "ci95", interval(lo, hi));
        } else {
            json_object_set_new(row, "lift", json_null());
            json_object_set_new(row, "ci95", json_null());
        }
        json_array_append_new(rows, row);
    }

    for (size_t i = 0; i < r->nsents; i++) {
        const struct sentagg *a = r->sents[i];
        json_t *row = json_pack("{ssss}", "metric", "sentiment", "period", a->period);
        add_by(row, a->group);
        json_object_set_new(row, "texts", json_integer((json_int_t)a->n));
        json_object_set_new(row, "mean", real_or_null(a->sum, a->n));
        json_object_set_new(row, "negative", json_integer((json_int_t)a->negative));
        json_object_set_new(row, "neutral", json_integer((json_int_t)a->neutral));
        json_object_set_new(row, "positive", json_integer((json_int_t)a->positive));
        json_array_append_new(rows, row);
    }

    for (size_t i = 0; i < r->ntopics; i++) {
        const struct sentagg *a = r->topics[i];
        json_t *row = json_pack("{ssss}", "metric", "topic", "period", a->period);
        add_by(row, a->group);
        json_object_set_new(row, "topic", json_string(a->topic));
        json_object_set_new(row, "texts", json_integer((json_int_t)a->n));
        json_object_set_new(row, "mean", real_or_null(a->sum, a->n));
        json_object_set_new(row, "negative", json_integer((json_int_t)a->negative));
        json_array_append_new(rows, row);
    }

    size_t rank = 0;
    for (size_t i = 0; i < r->ntoptotals && rank < 10; i++) {
        const struct sentagg *a = r->toptotals[i];
        if (!a->negative)
            break;                  /* sorted: the rest have none */
        json_array_append_new(rows, json_pack(
            "{sssIsssIsIso}", "metric", "top_negative_topic",
            "rank", (json_int_t)++rank, "topic", a->topic,
            "negative", (json_int_t)a->negative, "texts", (json_int_t)a->n,
            "mean", real_or_null(a->sum, a->n)));
    }
}

int report_write_jsonl(const json_t *rows, struct eng_writer *w)
{
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        char *s = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                  JSON_REAL_PRECISION(6));
        if (!s)
            return -1;
        int rc = eng_writer_puts(w, s);
        free(s);
        if (rc < 0 || eng_writer_putc(w, '\n') < 0)
            return -1;
    }
    return 0;
}

/* one member as key=value pairs, objects and arrays flattened */
static int put_flat(struct eng_writer *w, const char *prefix, const json_t *v,
                    int *first)
{
    char key[256];
    if (json_is_object(v) || json_is_array(v)) {
        size_t n = json_is_object(v) ? json_object_size(v) : json_array_size(v);
        if (n == 0)
            return 0;               /* nothing to say: left out, like mlr */
        if (json_is_object(v)) {
            const char *k;
            const json_t *x;
            json_object_foreach((json_t *)v, k, x) {
                snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
                if (put_flat(w, key, x, first) < 0)
                    return -1;
            }
        } else {
            size_t i;
            const json_t *x;
            json_array_foreach(v, i, x) {
                snprintf(key, sizeof key, "%s.%zu", prefix, i + 1);
                if (put_flat(w, key, x, first) < 0)
                    return -1;
            }
        }
        return 0;
    }
    if (!*first && eng_writer_putc(w, ' ') < 0)
        return -1;
    *first = 0;
    if (eng_writer_puts(w, prefix) < 0 || eng_writer_putc(w, '=') < 0)
        return -1;
    if (json_is_string(v))
        return eng_writer_puts(w, json_string_value(v));
    if (json_is_null(v))
        return eng_writer_putc(w, '-');
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
    if (!s)
        return -1;
    int rc = eng_writer_puts(w, s);
    free(s);
    return rc;
}

int report_write_text(const json_t *rows, struct eng_writer *w)
{
    size_t i;
    const json_t *row;
    json_array_foreach(rows, i, row) {
        int first = 1;
        if (put_flat(w, "", row, &first) < 0 || eng_writer_putc(w, '\n') < 0)
            return -1;
    }
    return 0;
}
