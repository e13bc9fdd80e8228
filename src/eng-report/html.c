/* html: the report as one self-contained HTML page (output.h). Drawn from
 * the metric records, so the page and the JSON-lines agree. No script, no
 * external resource: tables for the numbers, inline SVG bar charts beside
 * them; readable without JavaScript, CSS or network.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct page {
    struct eng_writer *w;
    int failed;
};

static void put(struct page *pg, const char *s)
{
    if (!pg->failed && eng_writer_puts(pg->w, s) < 0)
        pg->failed = 1;
}

static void putf(struct page *pg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void putf(struct page *pg, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(pg, buf);
}

/* text with &, <, >, " escaped */
static void esc(struct page *pg, const char *s)
{
    char one[2] = { 0, 0 };
    for (; s && *s; s++) {
        switch (*s) {
        case '&': put(pg, "&amp;"); break;
        case '<': put(pg, "&lt;"); break;
        case '>': put(pg, "&gt;"); break;
        case '"': put(pg, "&quot;"); break;
        default: one[0] = *s; put(pg, one);
        }
    }
}

static const char *s_of(const json_t *row, const char *k)
{
    const char *s = json_string_value(json_object_get(row, k));
    return s ? s : "";
}

static long long i_of(const json_t *row, const char *k)
{
    return (long long)json_integer_value(json_object_get(row, k));
}

static int is_metric(const json_t *row, const char *m)
{
    return strcmp(s_of(row, "metric"), m) == 0;
}

static void num_cell(struct page *pg, const json_t *v)
{
    if (json_is_integer(v))
        putf(pg, "<td class=n>%lld</td>", (long long)json_integer_value(v));
    else if (json_is_real(v))
        putf(pg, "<td class=n>%.4g</td>", json_real_value(v));
    else
        put(pg, "<td class=n>&ndash;</td>");
}

static void pct_cell(struct page *pg, const json_t *v)
{
    if (json_is_number(v))
        putf(pg, "<td class=n>%.1f%%</td>", 100 * json_number_value(v));
    else
        put(pg, "<td class=n>&ndash;</td>");
}

static void ci_cell(struct page *pg, const json_t *ci)
{
    if (json_array_size(ci) == 2)
        putf(pg, "<td class=n>[%.1f%%, %.1f%%]</td>",
             100 * json_number_value(json_array_get(ci, 0)),
             100 * json_number_value(json_array_get(ci, 1)));
    else
        put(pg, "<td class=n>&ndash;</td>");
}

/* A horizontal bar chart: one bar per label, values >= 0 (or signed, drawn
 * from a middle axis, when any is negative). */
static void bars(struct page *pg, const char *title, const char *const *labels,
                 const double *values, size_t n, const char *unit)
{
    if (!n)
        return;
    double max = 0, min = 0;
    for (size_t i = 0; i < n; i++) {
        if (values[i] > max) max = values[i];
        if (values[i] < min) min = values[i];
    }
    double span = max - min;
    if (span <= 0)
        span = 1;
    const int lw = 190, bw = 360, rh = 18, h = (int)n * rh + 28;
    double zero = lw + bw * (-min / span);
    putf(pg, "<svg role=\"img\" aria-label=\"");
    esc(pg, title);
    putf(pg, "\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "xmlns=\"http://www.w3.org/2000/svg\">", lw + bw + 90, h,
         lw + bw + 90, h);
    put(pg, "<text x=\"0\" y=\"14\" class=\"t\">");
    esc(pg, title);
    put(pg, "</text>");
    for (size_t i = 0; i < n; i++) {
        int y = 22 + (int)i * rh;
        double len = bw * fabs(values[i]) / span;
        double x = values[i] < 0 ? zero - len : zero;
        putf(pg, "<text x=\"%d\" y=\"%d\" class=\"l\">", lw - 6, y + 12);
        esc(pg, labels[i]);
        putf(pg, "</text><rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"%s\"/>",
             x, y + 2, len, rh - 5, values[i] < 0 ? "neg" : "pos");
        putf(pg, "<text x=\"%d\" y=\"%d\" class=\"v\">%.4g%s</text>", lw + bw + 6, y + 12,
             values[i], unit);
    }
    putf(pg, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"20\" y2=\"%d\" class=\"ax\"/></svg>\n", zero, zero,
         h - 4);
}

static void funnel_section(struct page *pg, const json_t *rows)
{
    size_t i, n = 0;
    const json_t *row;
    json_array_foreach(rows, i, row) n += is_metric(row, "funnel");
    put(pg, "<h2>Funnel per rule and channel</h2>\n");
    if (!n) {
        put(pg, "<p>No actions or receipts.</p>\n");
        return;
    }
    put(pg, "<table><tr><th>rule</th><th>channel</th><th>actions</th>"
            "<th>receipts</th><th>sent</th><th>suppressed</th><th>by reason</th>"
            "<th>deferred</th><th>failed</th><th>converted</th>"
            "<th>conversion rate</th></tr>\n");
    const char **labels = calloc(n, sizeof *labels);
    char **own = calloc(n, sizeof *own);
    double *sent = calloc(n, sizeof *sent);
    size_t k = 0;
    json_array_foreach(rows, i, row) {
        if (!is_metric(row, "funnel"))
            continue;
        put(pg, "<tr><td>");
        esc(pg, s_of(row, "rule"));
        put(pg, "</td><td>");
        esc(pg, s_of(row, "channel"));
        put(pg, "</td>");
        num_cell(pg, json_object_get(row, "actions"));
        num_cell(pg, json_object_get(row, "receipts"));
        num_cell(pg, json_object_get(row, "sent"));
        num_cell(pg, json_object_get(row, "suppressed"));
        put(pg, "<td>");
        const char *reason;
        const json_t *c;
        int first = 1;
        json_object_foreach((json_t *)json_object_get(row, "suppressed_by"), reason, c) {
            if (!first)
                put(pg, ", ");
            first = 0;
            esc(pg, reason);
            putf(pg, " %lld", (long long)json_integer_value(c));
        }
        put(pg, "</td>");
        num_cell(pg, json_object_get(row, "deferred"));
        num_cell(pg, json_object_get(row, "failed"));
        num_cell(pg, json_object_get(row, "converted"));
        pct_cell(pg, json_object_get(row, "conversion_rate"));
        put(pg, "</tr>\n");
        size_t len = strlen(s_of(row, "rule")) + strlen(s_of(row, "channel")) + 4;
        own[k] = malloc(len);
        if (own[k])
            snprintf(own[k], len, "%s / %s", s_of(row, "rule"), s_of(row, "channel"));
        labels[k] = own[k] ? own[k] : "";
        sent[k++] = (double)i_of(row, "sent");
    }
    put(pg, "</table>\n");
    bars(pg, "messages sent", labels, sent, k, "");
    for (size_t j = 0; j < k; j++)
        free(own[j]);
    free(own);
    free(labels);
    free(sent);
}

static void lift_section(struct page *pg, const json_t *rows)
{
    size_t i;
    const json_t *row;
    int any = 0;
    put(pg, "<h2>Lift against the control group</h2>\n");
    json_array_foreach(rows, i, row) {
        if (!is_metric(row, "lift"))
            continue;
        if (!any)
            put(pg, "<table><tr><th>rule</th><th>treated</th><th>converted</th>"
                    "<th>rate</th><th>95% CI</th><th>control</th><th>converted</th>"
                    "<th>rate</th><th>95% CI</th><th>lift</th><th>95% CI</th></tr>\n");
        any = 1;
        const json_t *t = json_object_get(row, "treated");
        const json_t *c = json_object_get(row, "control");
        put(pg, "<tr><td>");
        esc(pg, s_of(row, "rule"));
        put(pg, "</td>");
        num_cell(pg, json_object_get(t, "customers"));
        num_cell(pg, json_object_get(t, "converted"));
        pct_cell(pg, json_object_get(t, "rate"));
        ci_cell(pg, json_object_get(t, "ci95"));
        num_cell(pg, json_object_get(c, "customers"));
        num_cell(pg, json_object_get(c, "converted"));
        pct_cell(pg, json_object_get(c, "rate"));
        ci_cell(pg, json_object_get(c, "ci95"));
        pct_cell(pg, json_object_get(row, "lift"));
        ci_cell(pg, json_object_get(row, "ci95"));
        put(pg, "</tr>\n");
    }
    put(pg, any ? "</table>\n<p class=note>Lift is the treated rate minus the "
                  "control rate (percentage points); intervals: Wilson for "
                  "rates, Newcombe's hybrid score for the difference.</p>\n"
                : "<p>No campaign with a control group.</p>\n");
}

/* a chart of one number per period, summed over the rows of a metric */
static void per_period(struct page *pg, const json_t *rows, const char *metric,
                       const char *field, int mean, const char *title)
{
    size_t i, n = 0;
    const json_t *row;
    json_array_foreach(rows, i, row) n += is_metric(row, metric);
    if (!n)
        return;
    const char **labels = calloc(n, sizeof *labels);
    double *vals = calloc(n, sizeof *vals), *w = calloc(n, sizeof *w);
    size_t k = 0;
    json_array_foreach(rows, i, row) {
        if (!is_metric(row, metric))
            continue;
        /* whole-day periods read as dates */
        const char *p = s_of(row, "period");
        const char *midnight = strstr(p, "T00:00:00Z");
        char *label = midnight && midnight[10] == 0 ? strndup(p, (size_t)(midnight - p))
                                                      : strdup(p);
        if (!k || strcmp(labels[k - 1], label) != 0) {
            labels[k] = label;
            vals[k] = w[k] = 0;
            k++;
        } else {
            free(label);
        }
        double v = json_number_value(json_object_get(row, field));
        if (mean) {     /* weighted by texts, across --by groups */
            double t = (double)i_of(row, "texts");
            vals[k - 1] += v * t;
            w[k - 1] += t;
        } else {
            vals[k - 1] += v;
        }
    }
    if (mean)
        for (size_t j = 0; j < k; j++)
            vals[j] = w[j] > 0 ? vals[j] / w[j] : 0;
    bars(pg, title, labels, vals, k, "");
    for (size_t j = 0; j < k; j++)
        free((char *)labels[j]);
    free(labels);
    free(vals);
    free(w);
}

/* a table of the rows of one metric; the "by" column only with --by */
static void simple_table(struct page *pg, const json_t *rows, const char *metric,
                         const char *const *cols, size_t ncols)
{
    size_t i;
    const json_t *row;
    int any = 0, has_by = 0;
    json_array_foreach(rows, i, row)
        if (is_metric(row, metric) && json_object_get(row, "by"))
            has_by = 1;
    json_array_foreach(rows, i, row) {
        if (!is_metric(row, metric))
            continue;
        if (!any) {
            put(pg, "<table><tr>");
            for (size_t c = 0; c < ncols; c++) {
                if (!has_by && strcmp(cols[c], "by") == 0)
                    continue;
                put(pg, "<th>");
                esc(pg, cols[c]);
                put(pg, "</th>");
            }
            put(pg, "</tr>\n");
        }
        any = 1;
        put(pg, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            if (!has_by && strcmp(cols[c], "by") == 0)
                continue;
            const json_t *v = json_object_get(row, cols[c]);
            if (json_is_string(v)) {
                put(pg, "<td>");
                esc(pg, json_string_value(v));
                put(pg, "</td>");
            } else if (json_is_object(v)) {
                char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
                put(pg, "<td>");
                esc(pg, s);
                put(pg, "</td>");
                free(s);
            } else {
                num_cell(pg, v);
            }
        }
        put(pg, "</tr>\n");
    }
    put(pg, any ? "</table>\n" : "<p>None.</p>\n");
}

int report_write_html(const json_t *rows, const char *title,
                      struct eng_writer *w)
{
    struct page pg = { .w = w };
    const json_t *in = json_array_get(rows, 0);
    put(&pg, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
             "<meta name=viewport content=\"width=device-width\"><title>");
    esc(&pg, title);
    put(&pg, "</title><style>"
             "body{font:14px/1.4 sans-serif;margin:2em;max-width:70em;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
             "td.n{text-align:right;font-variant-numeric:tabular-nums}"
             "th{background:#eee}svg{display:block;margin:.5em 0 1.5em}"
             "svg .t{font:bold 13px sans-serif}svg .l{font:12px sans-serif;"
             "text-anchor:end}svg .v{font:12px sans-serif}"
             "svg .pos{fill:#4a7ebb}svg .neg{fill:#c0504d}svg .ax{stroke:#888}"
             ".note{color:#555;font-size:12px}"
             "</style></head><body>\n<h1>");
    esc(&pg, title);
    put(&pg, "</h1>\n");
    putf(&pg, "<p>%lld records: %lld events, %lld actions, %lld receipts, "
              "%lld rejects read; %lld outside --since/--until; %lld not "
              "countable.</p>\n",
         i_of(in, "records"), i_of(in, "events"), i_of(in, "actions"),
         i_of(in, "receipts"), i_of(in, "rejects"), i_of(in, "filtered"),
         i_of(in, "rejected"));
    funnel_section(&pg, rows);
    lift_section(&pg, rows);

    put(&pg, "<h2>Volumes</h2>\n");
    per_period(&pg, rows, "volume", "events", 0, "events per period");
    static const char *const vcols[] = { "period", "by", "channel", "type", "events" };
    simple_table(&pg, rows, "volume", vcols, 5);

    put(&pg, "<h2>Listening</h2>\n");
    per_period(&pg, rows, "sentiment", "mean", 1, "mean sentiment (compound) per period");
    static const char *const scols[] = { "period", "by", "texts", "mean",
                                         "negative", "neutral", "positive" };
    simple_table(&pg, rows, "sentiment", scols, 7);
    put(&pg, "<h3>Top negative topics</h3>\n");
    static const char *const tcols[] = { "rank", "topic", "negative", "texts", "mean" };
    simple_table(&pg, rows, "top_negative_topic", tcols, 5);
    put(&pg, "<h3>Topics per period</h3>\n");
    static const char *const pcols[] = { "period", "by", "topic", "texts", "mean",
                                         "negative" };
    simple_table(&pg, rows, "topic", pcols, 6);

    put(&pg, "<h2>Rejects per tool and reason</h2>\n");
    static const char *const rcols[] = { "tool", "reason", "count" };
    simple_table(&pg, rows, "rejects", rcols, 3);
    put(&pg, "<p class=note>Written by eng-report; every number is also in its "
             "JSON-lines output. Definitions: eng-report(1).</p>\n"
             "</body></html>\n");
    return pg.failed ? -1 : 0;
}
