/* join: master data, keyed and as-of (join.h).
 *
 * Keyed (`join:`): rows live in a hash table by the text of their key
 * column; a duplicate key replaces the row (last wins) and is counted.
 *
 * As-of (`lookup:`): rows are grouped by key into a series sorted by the
 * time column. For an event at time t the answer is the last row of the
 * series whose time is <= t, found by binary search:
 *
 *   lo = 0, hi = n            -- invariant: rows[0..lo) <= t < rows[hi..n)
 *   while lo < hi: mid = (lo+hi)/2; if time[mid] <= t: lo = mid+1 else hi = mid
 *   answer = lo > 0 ? rows[lo-1] : none
 *
 * Rows with the same key and time are duplicates: the later one in the file
 * wins (a stable sort keeps file order, then the last of each run of equal
 * times is kept).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "join.h"

/* ---------------------------------------------------------------- reading */

static int is_json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == n;
}

static json_t *cell_value(const char *s, size_t n)
{
    if (n && n < 64 && is_json_number(s, n)) {
        json_t *v = json_loadb(s, n, JSON_DECODE_ANY, NULL);
        if (v)
            return v;   /* an integer past int64 falls back to a string */
    }
    return json_stringn(s, n);
}

struct csvread {
    json_t *header;          /* array of column names */
    json_t *row;             /* the record being built */
    size_t col;
    unsigned long recno;
    int (*fn)(void *, json_t *, unsigned long, struct eng_error *);
    void *ctx;
    struct eng_error *err;
    const char *shown;
    int failed;
};

static void on_cell(void *s, size_t n, void *data)
{
    struct csvread *c = data;
    if (c->failed)
        return;
    if (!s)
        s = "", n = 0;
    if (!c->header) {
        if (!(c->row = c->row ? c->row : json_array()))
            abort();
        json_array_append_new(c->row, json_stringn(s, n));
        return;
    }
    if (!c->row && !(c->row = json_object()))
        abort();
    if (c->col < json_array_size(c->header))
        json_object_set_new(c->row,
                            json_string_value(json_array_get(c->header, c->col)),
                            cell_value(s, n));
    c->col++;
}

static void on_record(int term, void *data)
{
    struct csvread *c = data;
    (void)term;
    if (c->failed)
        return;
    c->recno++;
    if (!c->header) {
        c->header = c->row ? c->row : json_array();
        c->row = NULL;
        return;
    }
    json_t *row = c->row;
    size_t ncol = c->col;
    c->row = NULL;
    c->col = 0;
    if (!row)
        return;
    if (ncol != json_array_size(c->header)) {
        json_decref(row);
        eng_error_set(c->err, "%s: row %lu: %zu fields, the header has %zu",
                      c->shown, c->recno, ncol, json_array_size(c->header));
        c->failed = 1;
        return;
    }
    if (c->fn(c->ctx, row, c->recno, c->err) < 0)
        c->failed = 1;
}

static int read_csv(const char *buf, size_t len, const char *shown,
                    struct csvread *c)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        abort();
    c->shown = shown;
    if (csv_parse(&p, buf, len, on_cell, on_record, c) != len && !c->failed) {
        eng_error_set(c->err, "%s: %s", shown, csv_strerror(csv_error(&p)));
        c->failed = 1;
    }
    if (!c->failed)
        csv_fini(&p, on_cell, on_record, c);
    csv_free(&p);
    json_decref(c->header);
    json_decref(c->row);
    if (!c->failed && !c->header)
        return 0;   /* empty file: no rows */
    return c->failed ? -1 : 0;
}

static int read_jsonl(const char *buf, size_t len, const char *shown,
                      struct csvread *c)
{
    unsigned long line = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        line++;
        size_t a = i, b = end;
        while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r'))
            a++;
        while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
            b--;
        i = end + 1;
        if (a == b)
            continue;
        json_error_t je;
        json_t *obj = json_loadb(buf + a, b - a, 0, &je);
        if (!obj || !json_is_object(obj)) {
            if (obj)
                eng_error_set(c->err, "%s:%lu: not a JSON object", shown, line);
            else
                eng_error_set(c->err, "%s:%lu:%d: %s", shown, line, je.column,
                              je.text);
            json_decref(obj);
            return -1;
        }
        if (c->fn(c->ctx, obj, line, c->err) < 0)
            return -1;
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int master_read(const char *path, const char *shown,
                int (*row)(void *ctx, json_t *obj, unsigned long line,
                           struct eng_error *err),
                void *ctx, struct eng_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        eng_error_set(err, "%s: %s", shown, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            if (!(buf = realloc(buf, cap)))
                abort();
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int bad = ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        eng_error_set(err, "%s: %s", shown, strerror(saved));
        return -1;
    }
    struct csvread c = { .fn = row, .ctx = ctx, .err = err };
    int rc;
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ||
        ends_with(path, ".json"))
        rc = read_jsonl(buf, len, shown, &c);
    else
        rc = read_csv(buf, len, shown, &c);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- tables */

long join_key_text(const json_t *v, char *buf, size_t bufsz, const char **out)
{
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return (long)json_string_length(v);
    }
    if (json_is_integer(v)) {
        *out = buf;
        return snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
    }
    return -1;
}

struct series {
    eng_time *t;
    json_t **rows;
    size_t n, cap;
};

static void series_free(void *p)
{
    struct series *s = p;
    for (size_t i = 0; i < s->n; i++)
        json_decref(s->rows[i]);
    free(s->t);
    free(s->rows);
    free(s);
}

static void row_free(void *p)
{
    json_decref(p);
}

struct loadctx {
    struct join *j;
    const char *shown;
};

static int load_row(void *ctx, json_t *obj, unsigned long line,
                    struct eng_error *err)
{
    struct loadctx *L = ctx;
    struct join *j = L->j;
    char kb[32];
    const char *k;
    long klen = join_key_text(json_object_get(obj, j->file_key), kb, sizeof kb,
                              &k);
    (void)line;
    (void)err;
    if (klen < 0) {
        j->skipped++;   /* a row without its key cannot be found: skipped */
        json_decref(obj);
        return 0;
    }
    int created;
    if (!j->asof) {
        struct strmap_ent *e = strmap_put(&j->rows, k, (size_t)klen, &created);
        if (!created) {
            j->dups++;
            json_decref(e->val);
        }
        e->val = obj;
        j->nrows++;
        return 0;
    }
    /* the time first: a skipped row must not leave an entry without its
     * series (series_finish would get NULL) */
    eng_time t;
    json_t *tv = json_object_get(obj, j->file_time);
    if (!json_is_string(tv) ||
        eng_time_parse_any(json_string_value(tv), json_string_length(tv), NULL,
                           &t) < 0) {
        j->skipped++;
        json_decref(obj);
        return 0;
    }
    struct strmap_ent *e = strmap_put(&j->rows, k, (size_t)klen, &created);
    struct series *s = e->val;
    if (!s) {
        if (!(s = calloc(1, sizeof *s)))
            abort();
        e->val = s;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        if (!(s->t = realloc(s->t, s->cap * sizeof *s->t)) ||
            !(s->rows = realloc(s->rows, s->cap * sizeof *s->rows)))
            abort();
    }
    s->t[s->n] = t;
    s->rows[s->n++] = obj;
    j->nrows++;
    return 0;
}

/* Sorts a series by time, stably (insertion sort: master series arrive
 * mostly sorted), then keeps the last row of each run of equal times. */
static void series_finish(struct join *j, struct series *s)
{
    for (size_t i = 1; i < s->n; i++) {
        eng_time t = s->t[i];
        json_t *r = s->rows[i];
        size_t k = i;
        while (k > 0 && s->t[k - 1] > t) {
            s->t[k] = s->t[k - 1];
            s->rows[k] = s->rows[k - 1];
            k--;
        }
        s->t[k] = t;
        s->rows[k] = r;
    }
    size_t w = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (w > 0 && s->t[w - 1] == s->t[i]) {
            json_decref(s->rows[w - 1]);
            j->dups++;
            w--;
        }
        s->t[w] = s->t[i];
        s->rows[w++] = s->rows[i];
    }
    s->n = w;
}

int join_load(struct join *j, const char *path, const char *shown,
              struct eng_error *err)
{
    struct loadctx L = { j, shown };
    if (master_read(path, shown, load_row, &L, err) < 0)
        return -1;
    if (j->asof)
        for (size_t i = 0; i < j->rows.cap; i++)
            if (j->rows.tab[i].key)
                series_finish(j, j->rows.tab[i].val);
    return 0;
}

const json_t *join_find(const struct join *j, const json_t *ev, eng_time ts)
{
    char kb[32];
    const char *k;
    long klen = join_key_text(eng_path_get(j->ev_key, ev), kb, sizeof kb, &k);
    if (klen < 0)
        return NULL;
    void *v = strmap_get(&j->rows, k, (size_t)klen);
    if (!v || !j->asof)
        return v;
    const struct series *s = v;
    eng_time t = ts;
    if (j->ev_time) {
        json_t *tv = eng_path_get(j->ev_time, ev);
        if (!json_is_string(tv) ||
            eng_time_parse_any(json_string_value(tv), json_string_length(tv),
                               NULL, &t) < 0)
            return NULL;
    }
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->t[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? s->rows[lo - 1] : NULL;
}

void join_free(struct join *j)
{
    if (!j)
        return;
    strmap_free(&j->rows, j->asof ? series_free : row_free);
    free(j->file);
    eng_path_free(j->ev_key);
    free(j->file_key);
    eng_path_free(j->ev_time);
    free(j->file_time);
    eng_path_free(j->into_rest);
    free(j);
}
