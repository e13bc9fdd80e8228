/* plan: compile a mapping / header / --set into a field plan, and convert
 * one record's values through it (see plan.h for the rules).
 *
 * Compiling gathers candidate leaves in their natural order, then adds them
 * to the output tree in two passes: first the event model's leading fields
 * (id, ts, customer, channel, type), then everything else. Converting a
 * record touches only the leaves' scratch buffers: no allocation.
 */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const leading[] = { "id", "ts", "customer", "channel",
                                       "type" };
static const char *const string_fields[] = { "id", "customer", "channel",
                                             "type", "text", NULL };

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static int is_top(char *const *keys, size_t n, const char *name)
{
    return n == 1 && strcmp(keys[0], name) == 0;
}

static int same_keys(char *const *a, size_t na, char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

/* A growing list of candidate leaves. */
struct cands {
    struct plan_leaf *v;
    size_t n, cap;
};

static struct plan_leaf *cand_add(struct cands *c, const char *name,
                                  char **keys, size_t nkeys)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        if (!c->v)
            abort();
    }
    struct plan_leaf *l = &c->v[c->n++];
    memset(l, 0, sizeof *l);
    l->name = xstrdup(name);
    l->keys = keys;
    l->nkeys = nkeys;
    l->col = -1;
    l->type = FT_AUTO;
    if (is_top(keys, nkeys, "ts"))
        l->type = FT_TS;
    for (size_t i = 0; string_fields[i]; i++)
        if (is_top(keys, nkeys, string_fields[i]))
            l->force_string = 1;
    return l;
}

static struct plan_leaf *cand_find(struct cands *c, char *const *keys,
                                   size_t n)
{
    for (size_t i = 0; i < c->n; i++)
        if (same_keys(c->v[i].keys, c->v[i].nkeys, keys, n))
            return &c->v[i];
    return NULL;
}

static void leaf_free(struct plan_leaf *l)
{
    free(l->name);
    mapping_free_keys(l->keys, l->nkeys);
}

static void from_field(struct plan_leaf *l, const struct map_field *f)
{
    l->path = f->from_path;
    l->cval = f->has_value ? &f->value : NULL;
    l->dflt = f->has_default ? &f->dflt : NULL;
    if (f->type != FT_AUTO)
        l->type = f->type;
    l->ts = f->ts;
    l->ts_format = f->ts_format;
    l->tz = f->tz;
}

static char **copy_keys(char *const *keys, size_t n)
{
    char **k = calloc(n ? n : 1, sizeof *k);
    if (!k)
        abort();
    for (size_t i = 0; i < n; i++)
        k[i] = xstrdup(keys[i]);
    return k;
}

/* --set: replaces the source of an existing leaf, or adds a new one. */
static int add_sets(struct cands *c, const struct plan_opts *o,
                    struct eng_error *err)
{
    for (size_t i = 0; i < o->nset; i++) {
        char **keys;
        size_t n;
        if (mapping_split_target(o->set_fields[i], &keys, &n, err) < 0)
            return -1;
        struct plan_leaf *l = cand_find(c, keys, n);
        if (l) {
            mapping_free_keys(keys, n);
        } else {
            l = cand_add(c, o->set_fields[i], keys, n);
        }
        l->col = -1;
        l->path = NULL;
        l->cval = &o->set_vals[i];
    }
    return 0;
}

/* Moves the candidates into the plan's tree: leading fields first. */
static struct plan *finish(struct cands *c, const struct plan_opts *o,
                           struct eng_error *err)
{
    struct plan *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->opts = o;
    p->tree = out_tree_new();
    p->leaves = calloc(c->n + 1, sizeof *p->leaves);
    p->req = calloc(o->nrequire + 1, sizeof *p->req);
    if (!p->tree || !p->leaves || !p->req)
        abort();
    p->id_leaf = p->ts_leaf = -1;

    if (!cand_find(c, (char *[]){ "id" }, 1)) {
        char **k = copy_keys((char *[]){ "id" }, 1);
        cand_add(c, "id", k, 1);
    }
    /* order: the leading names, then the rest as gathered */
    size_t *order = calloc(c->n + 1, sizeof *order), norder = 0;
    char *used = calloc(c->n + 1, 1);
    if (!order || !used)
        abort();
    for (size_t k = 0; k < 5; k++) {
        struct plan_leaf *m = cand_find(c, (char *[]){ (char *)leading[k] },
                                        1);
        if (m) {
            order[norder++] = (size_t)(m - c->v);
            used[m - c->v] = 1;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (!used[i])
            order[norder++] = i;

    int rc = 0;
    for (size_t j = 0; j < norder; j++) {
        struct plan_leaf *l = &c->v[order[j]];
        int idx = out_tree_add(p->tree, (const char *const *)l->keys,
                               l->nkeys);
        if (idx < 0) {
            if (rc == 0)
                eng_error_set(err, "field '%s' collides with another field",
                              l->name);
            rc = -1;
            leaf_free(l);
            continue;
        }
        p->leaves[idx] = *l;
        p->n++;
        if (is_top(l->keys, l->nkeys, "id"))
            p->id_leaf = idx;
        if (is_top(l->keys, l->nkeys, "ts"))
            p->ts_leaf = idx;
    }
    free(order);
    free(used);
    free(c->v);
    c->v = NULL;
    c->n = 0;
    if (rc < 0) {
        plan_free(p);
        return NULL;
    }
    for (size_t r = 0; r < o->nrequire; r++) {
        char **keys;
        size_t n;
        p->req[r] = -1;
        if (mapping_split_target(o->require[r], &keys, &n, err) < 0) {
            plan_free(p);
            return NULL;
        }
        p->req[r] = out_tree_find(p->tree, (const char *const *)keys, n);
        mapping_free_keys(keys, n);
    }
    return p;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        leaf_free(&p->leaves[i]);
    free(p->leaves);
    free(p->req);
    out_tree_free(p->tree);
    free(p);
}

static void cands_free(struct cands *c)
{
    for (size_t i = 0; i < c->n; i++)
        leaf_free(&c->v[i]);
    free(c->v);
}

/* Splits a header name at dots, as Miller's auto-unflatten does; a name
 * with empty parts ("a..b", ".x") stays flat. */
static char **split_dots(const char *name, size_t *n)
{
    size_t parts = 1;
    int ok = name[0] != '\0';
    for (const char *s = name; *s; s++)
        if (*s == '.') {
            parts++;
            if (s == name || s[1] == '.' || s[1] == '\0')
                ok = 0;
        }
    if (!ok || parts == 1) {
        *n = 1;
        return copy_keys((char *[]){ (char *)name }, 1);
    }
    char **k = calloc(parts, sizeof *k);
    if (!k)
        abort();
    const char *s = name;
    for (size_t i = 0; i < parts; i++) {
        const char *e = strchr(s, '.');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        k[i] = strndup(s, len);
        if (!k[i])
            abort();
        s += len + 1;
    }
    *n = parts;
    return k;
}

/* Adds a column as a leaf of its own name; a name that would collide with
 * an earlier leaf or object stays flat, then gets a _2, _3... suffix. */
static void add_column(struct cands *c, struct out_tree *shape,
                       const char *name, int col)
{
    size_t n;
    char **keys = split_dots(name, &n);
    if (out_tree_add(shape, (const char *const *)keys, n) < 0) {
        mapping_free_keys(keys, n);
        keys = copy_keys((char *[]){ (char *)name }, 1);
        n = 1;
        char tmp[256];
        for (int sfx = 2; out_tree_add(shape, (const char *const *)keys, 1) < 0;
             sfx++) {
            snprintf(tmp, sizeof tmp, "%.200s_%d", name, sfx);
            free(keys[0]);
            keys[0] = xstrdup(tmp);
        }
    }
    struct plan_leaf *l = cand_add(c, keys[0], keys, n);
    free(l->name);
    l->name = xstrdup(name);
    l->col = col;
}

struct plan *plan_new_columns(const struct plan_opts *o, char *const *names,
                              size_t ncols, const char *input_name,
                              struct eng_error *err)
{
    struct cands c = {0};
    char *mapped = calloc(ncols + 1, 1);
    struct out_tree *shape = out_tree_new();
    if (!mapped || !shape)
        abort();
    const struct mapping *m = o->map;

    for (size_t i = 0; m && i < m->nfields; i++) {
        const struct map_field *f = &m->fields[i];
        struct plan_leaf *l = cand_add(&c, f->target,
                                       copy_keys(f->keys, f->nkeys), f->nkeys);
        from_field(l, f);
        out_tree_add(shape, (const char *const *)f->keys, f->nkeys);
        if (!f->from)
            continue;
        size_t col = 0;
        while (col < ncols && strcmp(names[col], f->from) != 0)
            col++;
        if (col == ncols) {
            eng_error_at(err, m->file, f->line, f->col,
                         "column '%s' is not in the header of %s", f->from,
                         input_name);
            goto fail;
        }
        l->col = (int)col;
        mapped[col] = 1;
    }
    if (m && add_sets(&c, o, err) < 0)
        goto fail;
    for (size_t i = 0; m && i < o->nset; i++) {
        char **keys;
        size_t n;
        if (mapping_split_target(o->set_fields[i], &keys, &n, err) == 0) {
            out_tree_add(shape, (const char *const *)keys, n);
            mapping_free_keys(keys, n);
        }
    }
    for (size_t col = 0; (!m || m->keep_unmapped) && col < ncols; col++) {
        size_t n;
        char **keys = split_dots(names[col], &n);
        /* a mapped target or a --set of that name wins over the column;
         * source is provenance, never a column */
        int skip = mapped[col] || strcmp(keys[0], "source") == 0 ||
                   (m && cand_find(&c, keys, n));
        mapping_free_keys(keys, n);
        if (!skip)
            add_column(&c, shape, names[col], (int)col);
    }
    if (!m && add_sets(&c, o, err) < 0)
        goto fail;
    free(mapped);
    out_tree_free(shape);
    return finish(&c, o, err);
fail:
    free(mapped);
    out_tree_free(shape);
    cands_free(&c);
    return NULL;
}

struct plan *plan_new_json(const struct plan_opts *o, struct eng_error *err)
{
    struct cands c = {0};
    const struct mapping *m = o->map;
    for (size_t i = 0; m && i < m->nfields; i++) {
        const struct map_field *f = &m->fields[i];
        struct plan_leaf *l = cand_add(&c, f->target,
                                       copy_keys(f->keys, f->nkeys), f->nkeys);
        from_field(l, f);
        if (f->from && !f->from_path) {
            eng_error_at(err, m->file, f->line, f->col,
                         "'%s' is not a path into a JSON record", f->from);
            cands_free(&c);
            return NULL;
        }
    }
    if (add_sets(&c, o, err) < 0) {
        cands_free(&c);
        return NULL;
    }
    return finish(&c, o, err);
}

int plan_is_json_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i >= len)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return 0;
    }
    if (i < len && s[i] == '.') {
        i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= len || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == len;
}

void plan_value_error(struct eng_error *err, const char *name,
                      const char *what, const char *v, size_t len)
{
    size_t cut = len;
    if (cut > 80) {
        cut = 80;
        while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
            cut--;
    }
    eng_error_set(err, "%s: %s '%.*s%s'", name, what, (int)cut, v,
                  cut < len ? "..." : "");
}

int plan_parse_ts(const char *s, size_t len, int is_json_number,
                  enum ts_kind kind, const char *fmt, const struct eng_tz *tz,
                  eng_time *out)
{
    struct eng_error e;
    (void)is_json_number;
    switch (kind) {
    case TS_ANY:
        return eng_time_parse_any(s, len, tz, out);
    case TS_FORMAT:
        return eng_time_parse_format(s, len, fmt, tz, out, &e);
    case TS_RFC3339:
        return eng_time_parse_rfc3339(s, len, out);
    case TS_EPOCH:
        return eng_time_parse_epoch(s, len, ENG_EPOCH_S, out);
    case TS_EPOCH_MS:
        return eng_time_parse_epoch(s, len, ENG_EPOCH_MS, out);
    case TS_EPOCH_US:
        return eng_time_parse_epoch(s, len, ENG_EPOCH_US, out);
    case TS_EPOCH_AUTO:
        return eng_time_parse_epoch(s, len, ENG_EPOCH_AUTO, out);
    }
    return -1;
}

static int parse_bool(const char *s, size_t len)
{
    static const char *const yes[] = { "true", "yes", "y", "t", "on", "1" };
    static const char *const no[] = { "false", "no", "n", "f", "off", "0" };
    for (size_t i = 0; i < 6; i++) {
        if (strlen(yes[i]) == len && strncasecmp(s, yes[i], len) == 0)
            return 1;
        if (strlen(no[i]) == len && strncasecmp(s, no[i], len) == 0)
            return 0;
    }
    return -1;
}

static int convert(struct plan *p, struct plan_leaf *l,
                   const struct plan_cell *c, struct out_val *v,
                   struct eng_error *err)
{
    char tmp[64];
    v->kind = OUT_STR;
    v->p = c->p;
    v->len = c->len;

    switch (l->type) {
    case FT_AUTO:
        if (l->force_string)
            return 0;
        if (c->origin == CELL_JSON ||
            (c->origin == CELL_TEXT && !p->opts->infer_none &&
             plan_is_json_number(c->p, c->len)))
            v->kind = OUT_RAW;
        return 0;
    case FT_STRING:
        return 0;
    case FT_INT: {
        if (c->len == 0 || c->len >= sizeof tmp)
            goto bad_int;
        memcpy(tmp, c->p, c->len);
        tmp[c->len] = '\0';
        char *end;
        errno = 0;
        long long n = strtoll(tmp, &end, 10);
        if (errno || *end || isspace((unsigned char)tmp[0]))
            goto bad_int;
        v->kind = OUT_RAW;
        v->p = l->scratch;
        v->len = (size_t)snprintf(l->scratch, sizeof l->scratch, "%lld", n);
        return 0;
    bad_int:
        plan_value_error(err, l->name, "expected int, got", c->p, c->len);
        return -1;
    }
    case FT_DOUBLE: {
        if (c->len == 0 || c->len >= sizeof tmp)
            goto bad_double;
        v->kind = OUT_RAW;
        if (plan_is_json_number(c->p, c->len))
            return 0;
        memcpy(tmp, c->p, c->len);
        tmp[c->len] = '\0';
        char *end;
        double d = strtod(tmp, &end);
        if (*end || !isfinite(d) || isspace((unsigned char)tmp[0]))
            goto bad_double;
        v->p = l->scratch;
        v->len = (size_t)snprintf(l->scratch, sizeof l->scratch, "%.17g", d);
        return 0;
    bad_double:
        plan_value_error(err, l->name, "expected double, got", c->p, c->len);
        return -1;
    }
    case FT_BOOL: {
        int b = parse_bool(c->p, c->len);
        if (b < 0) {
            plan_value_error(err, l->name, "expected bool, got", c->p, c->len);
            return -1;
        }
        v->kind = OUT_RAW;
        v->p = b ? "true" : "false";
        v->len = b ? 4 : 5;
        return 0;
    }
    case FT_TS: {
        eng_time t;
        const struct eng_tz *tz = l->tz ? l->tz : p->opts->tz;
        if (plan_parse_ts(c->p, c->len, c->origin == CELL_JSON, l->ts,
                          l->ts_format, tz, &t) < 0 ||
            eng_time_format(t, l->scratch) == 0) {
            plan_value_error(err, l->name, "cannot parse", c->p, c->len);
            return -1;
        }
        v->p = l->scratch;
        v->len = strlen(l->scratch);
        p->has_ts = 1;
        p->ts = t;
        return 0;
    }
    }
    return 0;
}

int plan_convert(struct plan *p, const struct plan_cell *cells,
                 struct out_val *vals, struct eng_error *err)
{
    p->has_ts = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct plan_leaf *l = &p->leaves[i];
        struct plan_cell c = cells[i];
        const struct map_const *k = l->cval;
        if (!k && c.origin == CELL_ABSENT)
            k = l->dflt;
        if (k) {
            c.origin = k->is_string ? CELL_STRING : CELL_JSON;
            c.p = k->text;
            c.len = k->len;
        }
        if (c.origin == CELL_ABSENT) {
            vals[i].kind = OUT_ABSENT;
            continue;
        }
        if (convert(p, l, &c, &vals[i], err) < 0)
            return -1;
    }
    for (size_t r = 0; r < p->opts->nrequire; r++) {
        int i = p->req[r];
        if (strcmp(p->opts->require[r], "id") == 0)
            continue;
        if (i < 0 || vals[i].kind == OUT_ABSENT ||
            (vals[i].kind == OUT_STR && vals[i].len == 0) ||
            (vals[i].kind == OUT_RAW && vals[i].len == 4 &&
             memcmp(vals[i].p, "null", 4) == 0)) {
            eng_error_set(err, "missing required field '%s'",
                          p->opts->require[r]);
            return -1;
        }
    }
    return 0;
}
