/* jsonin: see jsonin.h.
 *
 * Three ways through, cheapest first:
 *   1. splice: scan the record (eng_json_scan, no DOM); if nothing in it
 *      changes, copy its bytes up to the closing brace and append id (when
 *      missing) and source;
 *   2. patch: the scan found members to rewrite (a ts not in normal form, a
 *      number where a string belongs, an empty id): copy the bytes with
 *      those members' values replaced;
 *   3. DOM: jansson, for a mapping, --set, a "source" member, nested
 *      required paths, duplicate keys (to name them), escaped ts strings.
 */
#include "jsonin.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonscan.h"

enum { W_ID, W_TS, W_CUSTOMER, W_CHANNEL, W_TYPE, W_TEXT, W_SOURCE,
       W_FIXED };
static const char *const fixed_keys[W_FIXED] = {
    "id", "ts", "customer", "channel", "type", "text", "source"
};

struct jsonin {
    struct ingest *g;
    struct ingest_input *in;
    struct eng_json_member *want;
    size_t nwant;
    size_t *req_want;          /* want index of each required field */
    int dom_only;              /* mapping, --set or nested required */
    int need_ts;               /* --since/--until/--replay need the time */
    struct eng_path **set_paths;
    struct plan *plan;
    struct plan_cell *cells;
    struct out_val *vals;
    struct buf vbuf;           /* cell texts of a mapped record */
    size_t *voff;
    struct buf extra;          /* keep_unmapped members */
    struct buf rec;            /* a JSON document's record text */
};

static int is_simple_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s == '.' || *s == '[' || *s == ']' || *s == '"' || *s == '\'')
            return 0;
    return 1;
}

struct jsonin *jsonin_new(struct ingest *g)
{
    struct jsonin *j = calloc(1, sizeof *j);
    const struct plan_opts *o = &g->popts;
    if (!j)
        abort();
    j->g = g;
    j->need_ts = g->have_since || g->have_until || g->replay.speed > 0;
    j->want = calloc(W_FIXED + o->nrequire, sizeof *j->want);
    j->req_want = calloc(o->nrequire + 1, sizeof *j->req_want);
    j->set_paths = calloc(o->nset + 1, sizeof *j->set_paths);
    if (!j->want || !j->req_want || !j->set_paths)
        abort();
    for (size_t i = 0; i < W_FIXED; i++)
        j->want[j->nwant++].key = fixed_keys[i];
    for (size_t r = 0; r < o->nrequire; r++) {
        const char *name = o->require[r];
        size_t w = 0;
        if (!is_simple_name(name)) {
            j->dom_only = 1;
            continue;
        }
        while (w < j->nwant && strcmp(j->want[w].key, name) != 0)
            w++;
        if (w == j->nwant)
            j->want[j->nwant++].key = name;
        j->req_want[r] = w;
    }
    for (size_t i = 0; i < o->nset; i++) {
        j->set_paths[i] = eng_path_compile(o->set_fields[i], &g->err);
        if (!j->set_paths[i])
            goto fail;
        j->dom_only = 1;
    }
    if (o->map) {
        j->plan = plan_new_json(o, &g->err);
        if (!j->plan)
            goto fail;
        j->cells = calloc(j->plan->n + 1, sizeof *j->cells);
        j->vals = calloc(j->plan->n + 1, sizeof *j->vals);
        j->voff = calloc(j->plan->n + 1, sizeof *j->voff);
        if (!j->cells || !j->vals || !j->voff)
            abort();
        j->dom_only = 1;
    }
    return j;
fail:
    jsonin_free(j);
    return NULL;
}

void jsonin_free(struct jsonin *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->g->popts.nset; i++)
        eng_path_free(j->set_paths[i]);
    free(j->set_paths);
    free(j->want);
    free(j->req_want);
    plan_free(j->plan);
    free(j->cells);
    free(j->vals);
    free(j->voff);
    buf_free(&j->vbuf);
    buf_free(&j->extra);
    buf_free(&j->rec);
    free(j);
}

/* --- writing jansson values --- */

static void write_real(struct buf *b, double d)
{
    char tmp[40];
    int n = 0;
    /* the shortest of %.15g..%.17g that reads back as the same double */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    buf_add(b, tmp, (size_t)n);
    if (!strpbrk(tmp, ".eEn"))
        buf_add(b, ".0", 2); /* stays a real for the next reader */
}

void jsonin_write_value(struct buf *b, const json_t *v)
{
    char tmp[32];
    const char *key;
    json_t *m;
    size_t i, n = 0;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        buf_addc(b, '{');
        json_object_foreach((json_t *)v, key, m) {
            if (n++)
                buf_addc(b, ',');
            buf_json_string(b, key, strlen(key));
            buf_addc(b, ':');
            jsonin_write_value(b, m);
        }
        buf_addc(b, '}');
        break;
    case JSON_ARRAY:
        buf_addc(b, '[');
        json_array_foreach(v, i, m) {
            if (i)
                buf_addc(b, ',');
            jsonin_write_value(b, m);
        }
        buf_addc(b, ']');
        break;
    case JSON_STRING:
        buf_json_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        n = (size_t)snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT,
                             json_integer_value(v));
        buf_add(b, tmp, n);
        break;
    case JSON_REAL:
        write_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        buf_add(b, "true", 4);
        break;
    case JSON_FALSE:
        buf_add(b, "false", 5);
        break;
    case JSON_NULL:
        buf_add(b, "null", 4);
        break;
    }
}

/* --- the DOM way --- */

static int reject(struct jsonin *j, unsigned long line, const char *why,
                  const char *s, size_t len)
{
    return ingest_reject(j->g, j->in, line, why, s, len);
}

static int reject_jansson(struct jsonin *j, unsigned long line,
                          const char *s, size_t len, const json_error_t *e)
{
    char why[256];
    snprintf(why, sizeof why, "invalid JSON at column %d: %s", e->column,
             e->text);
    return reject(j, line, why, s, len);
}

/* A mapped record: cells from the plan's paths, keep_unmapped members. */
static int dom_mapped(struct jsonin *j, json_t *root, unsigned long line,
                      const char *s, size_t len)
{
    struct plan *p = j->plan;
    j->vbuf.len = 0;
    for (size_t i = 0; i < p->n; i++) {
        const json_t *v = p->leaves[i].path
                              ? eng_path_get(p->leaves[i].path, root)
                              : NULL;
        j->voff[i] = j->vbuf.len;
        if (!v || json_is_null(v)) {
            j->cells[i].origin = CELL_ABSENT;
        } else if (json_is_string(v)) {
            j->cells[i].origin = CELL_STRING;
            buf_add(&j->vbuf, json_string_value(v), json_string_length(v));
        } else {
            j->cells[i].origin = CELL_JSON;
            jsonin_write_value(&j->vbuf, v);
        }
        j->cells[i].len = j->vbuf.len - j->voff[i];
    }
    for (size_t i = 0; i < p->n; i++) /* vbuf has stopped moving */
        j->cells[i].p = j->vbuf.p + j->voff[i];

    j->extra.len = 0;
    if (j->g->popts.map->keep_unmapped) {
        const char *key;
        json_t *m;
        json_object_foreach(root, key, m) {
            size_t i;
            for (i = 0; i < p->n; i++) {
                const struct eng_path *pp = p->leaves[i].path;
                const char *k0 = pp ? eng_path_key(pp, 0) : NULL;
                if ((k0 && strcmp(k0, key) == 0) ||
                    (p->leaves[i].nkeys &&
                     strcmp(p->leaves[i].keys[0], key) == 0))
                    break;
            }
            if (i < p->n || strcmp(key, "source") == 0)
                continue;
            if (j->extra.len)
                buf_addc(&j->extra, ',');
            buf_json_string(&j->extra, key, strlen(key));
            buf_addc(&j->extra, ':');
            jsonin_write_value(&j->extra, m);
        }
    }
    return ingest_plan_record(j->g, j->in, p, j->cells, j->vals, line, s, len,
                              &j->extra);
}

static int text_is(const json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0;
}

static int dom_record(struct jsonin *j, const char *s, size_t len,
                      unsigned long line)
{
    struct ingest *g = j->g;
    const struct plan_opts *o = &g->popts;
    json_error_t jerr;
    struct eng_error err;
    char why[256], tbuf[ENG_TIME_BUFSZ], id[ENG_EVENT_ID_LEN + 1];
    int has_ts = 0, rc;
    eng_time ts = 0;

    json_t *root = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return reject_jansson(j, line, s, len, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return reject(j, line, "not a JSON object", s, len);
    }
    if (j->plan) {
        rc = dom_mapped(j, root, line, s, len);
        json_decref(root);
        return rc;
    }
    for (size_t i = 0; i < o->nset; i++)
        if (eng_path_set(j->set_paths[i], root,
                         json_stringn(o->set_vals[i].text,
                                      o->set_vals[i].len), &err) < 0) {
            rc = reject(j, line, err.msg, s, len);
            goto out;
        }
    json_object_del(root, "source");

    json_t *v = json_object_get(root, "ts");
    if (v && !json_is_null(v)) {
        struct buf t = {0};
        if (json_is_string(v))
            buf_add(&t, json_string_value(v), json_string_length(v));
        else
            jsonin_write_value(&t, v);
        if ((!json_is_string(v) && !json_is_number(v)) ||
            eng_time_parse_any(t.p, t.len, o->tz, &ts) < 0 ||
            eng_time_format(ts, tbuf) == 0) {
            plan_value_error(&err, "ts", "cannot parse", t.p, t.len);
            buf_free(&t);
            rc = reject(j, line, err.msg, s, len);
            goto out;
        }
        buf_free(&t);
        has_ts = 1;
        json_object_set_new(root, "ts", json_string(tbuf));
    }
    for (size_t k = W_ID; k <= W_TEXT; k++) {
        if (k == W_TS)
            continue;
        v = json_object_get(root, fixed_keys[k]);
        if (json_is_number(v)) {
            struct buf t = {0};
            jsonin_write_value(&t, v);
            json_object_set_new(root, fixed_keys[k], json_stringn(t.p, t.len));
            buf_free(&t);
        }
    }
    for (size_t r = 0; r < o->nrequire; r++) {
        struct eng_path *p;
        if (strcmp(o->require[r], "id") == 0)
            continue;
        p = eng_path_compile(o->require[r], &err);
        v = p ? eng_path_get(p, root) : NULL;
        eng_path_free(p);
        if (!v || json_is_null(v) || (json_is_string(v) && !text_is(v))) {
            snprintf(why, sizeof why, "missing required field '%s'",
                     o->require[r]);
            rc = reject(j, line, why, s, len);
            goto out;
        }
    }
    if (!text_is(json_object_get(root, "id"))) {
        eng_event_make_id(j->in->source, line, s, len, id);
        json_object_del(root, "id");
        json_object_set_new(root, "id", json_string(id));
    }
    if (eng_event_check_common(root, &err) < 0) {
        rc = reject(j, line, err.msg, s, len);
        goto out;
    }
    g->ev.len = 0;
    jsonin_write_value(&g->ev, root);
    g->ev.len--; /* the closing brace: source goes before it */
    ingest_close_event(g, j->in, line);
    rc = ingest_emit(g, g->ev.p, g->ev.len, has_ts, ts);
out:
    json_decref(root);
    return rc;
}

/* --- the scan way --- */

struct patch {
    size_t from, to;   /* bytes of the record replaced */
    size_t off, len;   /* replacement text in pbuf */
};

static int record(struct jsonin *j, const char *s, size_t len,
                  unsigned long line)
{
    struct ingest *g = j->g;
    struct eng_json_scan sc;
    struct patch pt[W_FIXED];
    char pbuf[512], why[256], id[ENG_EVENT_ID_LEN + 1];
    struct eng_error err;
    size_t np = 0, pl = 0;
    int has_ts = 0, gen_id = 0;
    eng_time ts = 0;

    if (j->dom_only)
        return dom_record(j, s, len, line);
    for (size_t i = 0; i < j->nwant; i++)
        j->want[i].kind = ENG_JSON_NONE;
    if (eng_json_scan(s, len, j->want, j->nwant, &sc) < 0) {
        snprintf(why, sizeof why, "invalid JSON at byte %zu: %s",
                 sc.error_at + 1, sc.error ? sc.error : "syntax error");
        return reject(j, line, why, s, len);
    }
    if (!sc.is_object)
        return reject(j, line, "not a JSON object", s, len);
    if (sc.dup_key || j->want[W_SOURCE].kind != ENG_JSON_NONE)
        return dom_record(j, s, len, line);

    const struct eng_json_member *m = &j->want[W_TS];
    if (m->kind == ENG_JSON_STRING && !m->escaped &&
        eng_event_ts_is_normal(m->val, m->val_len)) {
        if (j->need_ts) {
            has_ts = eng_time_parse_rfc3339(m->val, m->val_len, &ts) == 0;
        }
    } else if (m->kind == ENG_JSON_STRING && m->escaped) {
        return dom_record(j, s, len, line);
    } else if (m->kind == ENG_JSON_STRING || m->kind == ENG_JSON_NUMBER) {
        char tb[ENG_TIME_BUFSZ];
        if (eng_time_parse_any(m->val, m->val_len, g->popts.tz, &ts) < 0 ||
            eng_time_format(ts, tb) == 0) {
            plan_value_error(&err, "ts", "cannot parse", m->val, m->val_len);
            return reject(j, line, err.msg, s, len);
        }
        has_ts = 1;
        int str = m->kind == ENG_JSON_STRING;
        pt[np].from = (size_t)(m->val - s) - (size_t)str;
        pt[np].to = (size_t)(m->val - s) + m->val_len + (size_t)str;
        pt[np].off = pl;
        pl += (size_t)snprintf(pbuf + pl, sizeof pbuf - pl, "\"%s\"", tb);
        pt[np].len = pl - pt[np].off;
        np++;
    } else if (m->kind != ENG_JSON_NONE && m->kind != ENG_JSON_NULL) {
        plan_value_error(&err, "ts", "cannot parse", m->val, m->val_len);
        return reject(j, line, err.msg, s, len);
    }
    for (size_t k = W_ID; k <= W_TEXT; k++) {
        m = &j->want[k];
        if (k == W_TS || m->kind == ENG_JSON_STRING || m->kind == ENG_JSON_NONE)
            continue;
        if (m->kind == ENG_JSON_NUMBER && m->val_len < 64) {
            pt[np].from = (size_t)(m->val - s);
            pt[np].to = pt[np].from + m->val_len;
            pt[np].off = pl;
            pl += (size_t)snprintf(pbuf + pl, sizeof pbuf - pl, "\"%.*s\"",
                                   (int)m->val_len, m->val);
            pt[np].len = pl - pt[np].off;
            np++;
            continue;
        }
        if (m->kind == ENG_JSON_NULL && (k == W_ID || k == W_TEXT))
            return dom_record(j, s, len, line);
        if (m->kind == ENG_JSON_NULL)
            continue; /* the required check or the common check says */
        snprintf(why, sizeof why, "%s: expected a string", fixed_keys[k]);
        return reject(j, line, why, s, len);
    }
    for (size_t r = 0; r < g->popts.nrequire; r++) {
        m = &j->want[j->req_want[r]];
        if (strcmp(m->key, "id") == 0)
            continue;
        if (m->kind == ENG_JSON_NONE || m->kind == ENG_JSON_NULL ||
            (m->kind == ENG_JSON_STRING && m->val_len == 0)) {
            snprintf(why, sizeof why, "missing required field '%s'", m->key);
            return reject(j, line, why, s, len);
        }
    }
    for (size_t k = W_CUSTOMER; k <= W_TYPE; k++)
        if (j->want[k].kind == ENG_JSON_NULL) {
            snprintf(why, sizeof why, "%s: expected a string, got null",
                     fixed_keys[k]);
            return reject(j, line, why, s, len);
        }
    m = &j->want[W_ID];
    if (m->kind == ENG_JSON_NONE || (m->kind == ENG_JSON_STRING &&
                                     m->val_len == 0)) {
        eng_event_make_id(j->in->source, line, s, len, id);
        if (m->kind == ENG_JSON_NONE) {
            gen_id = 1;
        } else {
            pt[np].from = (size_t)(m->val - s) - 1;
            pt[np].to = pt[np].from + 2;
            pt[np].off = pl;
            pl += (size_t)snprintf(pbuf + pl, sizeof pbuf - pl, "\"%s\"", id);
            pt[np].len = pl - pt[np].off;
            np++;
        }
    }

    /* write: patches in order of place, then id and source */
    for (size_t a = 1; a < np; a++)
        for (size_t b = a; b > 0 && pt[b - 1].from > pt[b].from; b--) {
            struct patch t = pt[b];
            pt[b] = pt[b - 1];
            pt[b - 1] = t;
        }
    size_t start = 0;
    while (start < len && (s[start] == ' ' || s[start] == '\t' ||
                           s[start] == '\n' || s[start] == '\r'))
        start++;
    struct buf *ev = &g->ev;
    ev->len = 0;
    size_t at = start;
    for (size_t i = 0; i < np; i++) {
        buf_add(ev, s + at, pt[i].from - at);
        buf_add(ev, pbuf + pt[i].off, pt[i].len);
        at = pt[i].to;
    }
    buf_add(ev, s + at, sc.close_brace - at);
    if (gen_id) {
        if (sc.nmembers)
            buf_addc(ev, ',');
        buf_add(ev, "\"id\":\"", 6);
        buf_add(ev, id, ENG_EVENT_ID_LEN);
        buf_addc(ev, '"');
    }
    if (sc.nmembers || gen_id)
        buf_addc(ev, ',');
    buf_add(ev, j->in->src_prefix.p, j->in->src_prefix.len);
    buf_add_ulong(ev, line);
    buf_add(ev, "}}", 2);
    return ingest_emit(g, ev->p, ev->len, has_ts, ts);
}

/* --- JSON-lines --- */

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int jsonin_run_lines(struct jsonin *j, struct ingest_input *in,
                     struct eng_reader *r)
{
    struct eng_line ln;
    struct eng_error err;
    char why[128];
    int got;

    j->in = in;
    while ((got = eng_reader_next(r, &ln, &err)) == 1) {
        int rc;
        if (ln.too_long) {
            snprintf(why, sizeof why,
                     "line longer than --max-line (%zu bytes)",
                     j->g->cli->max_line);
            rc = reject(j, ln.lineno, why, ln.data, ln.len);
        } else if (ln.bad_utf8) {
            snprintf(why, sizeof why, "invalid UTF-8 at byte %zu",
                     ln.bad_utf8_at + 1);
            rc = reject(j, ln.lineno, why, ln.data, ln.len);
        } else if (is_blank(ln.data, ln.len)) {
            continue;
        } else {
            rc = record(j, ln.data, ln.len, ln.lineno);
        }
        if (rc < 0)
            return -1;
        if (eng_signal_pending())
            return 0;
    }
    return got < 0 ? ingest_read_failed(j->g, &err) : 0;
}

/* --- JSON documents --- */

struct splitter {
    int active, scalar, in_str, esc, in_array, too_long;
    long depth;
    unsigned long line, rec_line;
};

static int end_doc(struct jsonin *j, struct splitter *sp)
{
    char why[128];
    sp->active = 0;
    if (sp->too_long) {
        snprintf(why, sizeof why, "record longer than --max-line (%zu bytes)",
                 j->g->cli->max_line);
        return reject(j, sp->rec_line, why, j->rec.p, j->rec.len);
    }
    return record(j, j->rec.p, j->rec.len, sp->rec_line);
}

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int jsonin_run_docs(struct jsonin *j, struct ingest_input *in,
                    struct eng_reader *r)
{
    struct splitter sp = { .line = 1 };
    struct eng_error err;
    const char *chunk;
    size_t n, max = j->g->cli->max_line;
    int got;

    j->in = in;
    while ((got = eng_reader_chunk(r, &chunk, &n, &err)) == 1) {
        for (size_t i = 0; i < n; i++) {
            char c = chunk[i];
            if (sp.active && sp.scalar && (blank(c) || strchr(",[]{}", c))) {
                if (end_doc(j, &sp) < 0)
                    return -1;
            }
            if (!sp.active) {
                if (c == '\n')
                    sp.line++;
                if (blank(c))
                    continue;
                if (sp.in_array && (c == ',' || c == ']')) {
                    sp.in_array = c == ',';
                    continue;
                }
                if (!sp.in_array && c == '[') {
                    sp.in_array = 1;
                    continue;
                }
                sp.active = 1;
                sp.scalar = c != '{' && c != '[' && c != '"';
                sp.depth = 0;
                sp.in_str = sp.esc = sp.too_long = 0;
                sp.rec_line = sp.line;
                j->rec.len = 0;
            }
            if (c == '\n')
                sp.line++;
            if (sp.in_str || !blank(c)) {
                if (j->rec.len < max)
                    buf_addc(&j->rec, c);
                else
                    sp.too_long = 1;
            }
            if (sp.scalar)
                continue;
            if (sp.in_str) {
                if (sp.esc)
                    sp.esc = 0;
                else if (c == '\\')
                    sp.esc = 1;
                else if (c == '"') {
                    sp.in_str = 0;
                    if (sp.depth == 0 && end_doc(j, &sp) < 0)
                        return -1;
                }
            } else if (c == '"') {
                sp.in_str = 1;
            } else if (c == '{' || c == '[') {
                sp.depth++;
            } else if (c == '}' || c == ']') {
                if (--sp.depth <= 0 && end_doc(j, &sp) < 0)
                    return -1;
            }
        }
        if (eng_signal_pending())
            return 0;
    }
    if (got < 0)
        return ingest_read_failed(j->g, &err);
    if (sp.active) {
        if (sp.scalar)
            return end_doc(j, &sp);
        return reject(j, sp.rec_line, "unexpected end of input in a record",
                      j->rec.p, j->rec.len);
    }
    if (sp.in_array)
        eng_warn("%s: the top-level array is not closed at the end",
                 in->label);
    return 0;
}
