/* mapping: load and check the -m YAML mapping (see mapping.h for the
 * format).
 *
 * Everything that can be wrong with a mapping is found here, before any
 * input is read, and reported at the place in the file: unknown keys (with
 * the list of the expected ones), a bad type name, both or neither of
 * from/value, a format on a field other than ts, an unknown zone, a target
 * that is not a plain path, two targets that collide ("geo" and "geo.tz").
 * What can only be checked against the input (a column missing from the
 * header) is checked when the plan is bound (plan.c).
 */
#include "mapping.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "output.h"

static const char *const top_keys[] = {
    "source", "format", "csv", "columns", "fields", "keep_unmapped", NULL
};
static const char *const csv_keys[] = {
    "delimiter", "header", "quote", "columns", NULL
};
static const char *const field_keys[] = {
    "from", "value", "type", "format", "tz", "default", NULL
};

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

void mapping_free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

int mapping_split_target(const char *text, char ***keys, size_t *n,
                         struct eng_error *err)
{
    struct eng_path *p = eng_path_compile(text, err);
    if (!p)
        return -1;
    size_t len = eng_path_len(p);
    char **k = calloc(len ? len : 1, sizeof *k);
    if (!k)
        abort();
    for (size_t i = 0; i < len; i++) {
        const char *key = eng_path_key(p, i);
        if (!key) {
            eng_error_set(err, "target '%s' has an index: targets are names",
                          text);
            mapping_free_keys(k, i);
            eng_path_free(p);
            return -1;
        }
        k[i] = xstrdup(key);
    }
    eng_path_free(p);
    *keys = k;
    *n = len;
    return 0;
}

void mapping_free(struct mapping *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nfields; i++) {
        struct map_field *f = &m->fields[i];
        free(f->target);
        mapping_free_keys(f->keys, f->nkeys);
        free(f->from);
        eng_path_free(f->from_path);
        free(f->value.text);
        free(f->dflt.text);
        free(f->ts_format);
    }
    free(m->fields);
    for (size_t i = 0; i < m->ncolumns; i++)
        free(m->columns[i]);
    free(m->columns);
    free(m->source);
    free(m->format);
    free(m->file);
    free(m);
}

/* A scalar constant: strings stay strings; numbers and booleans keep their
 * JSON text. */
static int read_const(const struct eng_config *cfg, const json_t *obj,
                      const char *key, struct map_const *c,
                      struct eng_error *err)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        c->len = json_string_length(v);
        c->text = malloc(c->len + 1);
        if (!c->text)
            abort();
        memcpy(c->text, json_string_value(v), c->len + 1);
        c->is_string = 1;
        return 0;
    }
    if (json_is_number(v) || json_is_boolean(v)) {
        c->text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!c->text)
            abort();
        c->len = strlen(c->text);
        c->is_string = 0;
        return 0;
    }
    return eng_config_error_member(cfg, obj, key, err,
                                   "%s must be a string, number or boolean",
                                   key);
}

static int one_char(const struct eng_config *cfg, const json_t *obj,
                    const char *key, char *out, struct eng_error *err)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_string(v) || json_string_length(v) != 1)
        return eng_config_error_member(cfg, obj, key, err,
                                       "%s must be one character", key);
    *out = json_string_value(v)[0];
    return 0;
}

static int read_columns(const struct eng_config *cfg, const json_t *obj,
                        struct mapping *m, struct eng_error *err)
{
    const json_t *v = json_object_get(obj, "columns");
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return eng_config_error_member(cfg, obj, "columns", err,
                                       "columns must be a list of names");
    if (m->columns)
        return eng_config_error_member(cfg, obj, "columns", err,
                                       "columns given twice");
    m->ncolumns = json_array_size(v);
    m->columns = calloc(m->ncolumns, sizeof *m->columns);
    if (!m->columns)
        abort();
    for (size_t i = 0; i < m->ncolumns; i++) {
        const json_t *c = json_array_get(v, i);
        if (!json_is_string(c)) {
            struct eng_pos pos;
            eng_config_pos_index(cfg, v, i, &pos);
            eng_error_at(err, eng_config_file(cfg), pos.line, pos.col,
                         "a column name must be a string");
            return -1;
        }
        m->columns[i] = xstrdup(json_string_value(c));
    }
    return 0;
}

static int read_csv(const struct eng_config *cfg, const json_t *csv,
                    struct mapping *m, struct eng_error *err)
{
    if (eng_config_check_keys(cfg, csv, csv_keys, "csv", err) < 0)
        return -1;
    if (one_char(cfg, csv, "delimiter", &m->delimiter, err) < 0 ||
        one_char(cfg, csv, "quote", &m->quote, err) < 0)
        return -1;
    const json_t *h = json_object_get(csv, "header");
    if (h) {
        if (!json_is_boolean(h))
            return eng_config_error_member(cfg, csv, "header", err,
                                           "header must be true or false");
        m->header = json_is_true(h);
    }
    return read_columns(cfg, csv, m, err);
}

static int read_type(const struct eng_config *cfg, const json_t *spec,
                     struct map_field *f, struct eng_error *err)
{
    static const char *const names[] = { "int", "double", "bool", "string" };
    static const enum field_type types[] = { FT_INT, FT_DOUBLE, FT_BOOL,
                                             FT_STRING };
    const json_t *t = json_object_get(spec, "type");
    if (!t)
        return 0;
    for (size_t i = 0; i < 4 && json_is_string(t); i++)
        if (strcmp(json_string_value(t), names[i]) == 0) {
            f->type = types[i];
            return 0;
        }
    if (json_is_string(t))
        return eng_config_error_member(cfg, spec, "type", err,
                   "bad type '%s' (expected int, double, bool or string)",
                   json_string_value(t));
    return eng_config_error_member(cfg, spec, "type", err,
               "type must be one of int, double, bool, string");
}

static int read_ts(const struct eng_config *cfg, const json_t *spec,
                   struct map_field *f, struct eng_error *err)
{
    static const struct { const char *name; enum ts_kind kind; } kinds[] = {
        { "auto", TS_ANY }, { "rfc3339", TS_RFC3339 }, { "epoch", TS_EPOCH },
        { "epoch_ms", TS_EPOCH_MS }, { "epoch_us", TS_EPOCH_US },
    };
    const json_t *fmt = json_object_get(spec, "format");
    const json_t *tz = json_object_get(spec, "tz");
    int is_ts = f->nkeys == 1 && strcmp(f->keys[0], "ts") == 0;
    if ((fmt || tz) && !is_ts)
        return eng_config_error_member(cfg, spec, fmt ? "format" : "tz", err,
                   "%s is only for the ts field", fmt ? "format" : "tz");
    if (fmt) {
        if (!json_is_string(fmt) || json_string_length(fmt) == 0)
            return eng_config_error_member(cfg, spec, "format", err,
                       "format must be a non-empty string");
        const char *s = json_string_value(fmt);
        f->ts = TS_FORMAT;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (strcmp(s, kinds[i].name) == 0)
                f->ts = kinds[i].kind;
        if (f->ts == TS_FORMAT) {
            if (!strchr(s, '%'))
                return eng_config_error_member(cfg, spec, "format", err,
                           "format '%s' has no %% conversion (or use rfc3339, "
                           "epoch, epoch_ms, epoch_us, auto)", s);
            f->ts_format = xstrdup(s);
        }
    }
    if (tz) {
        struct eng_error e;
        if (!json_is_string(tz))
            return eng_config_error_member(cfg, spec, "tz", err,
                                           "tz must be a zone name");
        f->tz = eng_tz_get(json_string_value(tz), &e);
        if (!f->tz)
            return eng_config_error_member(cfg, spec, "tz", err, "%s", e.msg);
    }
    return 0;
}

static int read_field(const struct eng_config *cfg, const json_t *fields,
                      const char *target, struct map_field *f,
                      struct eng_error *err)
{
    const json_t *spec = json_object_get(fields, target);
    struct eng_pos pos;
    struct eng_error e;

    eng_config_pos_key(cfg, fields, target, &pos);
    f->line = pos.line;
    f->col = pos.col;
    f->target = xstrdup(target);
    if (mapping_split_target(target, &f->keys, &f->nkeys, &e) < 0) {
        eng_error_at(err, eng_config_file(cfg), pos.line, pos.col, "%s",
                     e.msg);
        return -1;
    }
    if (strcmp(f->keys[0], "source") == 0) {
        eng_error_at(err, eng_config_file(cfg), pos.line, pos.col,
                     "source is written by eng-ingest (name the source with "
                     "the top-level 'source:')");
        return -1;
    }
    if (f->nkeys == 1 && strcmp(f->keys[0], "ts") == 0)
        f->type = FT_TS;

    if (json_is_string(spec)) {
        f->from = xstrdup(json_string_value(spec));
    } else if (json_is_object(spec)) {
        if (eng_config_check_keys(cfg, spec, field_keys, "field", err) < 0)
            return -1;
        const json_t *from = json_object_get(spec, "from");
        int has_value = json_object_get(spec, "value") != NULL;
        if (from && has_value)
            return eng_config_error(cfg, spec, err,
                       "field '%s' has both from and value", target);
        if (!from && !has_value)
            return eng_config_error(cfg, spec, err,
                       "field '%s' needs from or value", target);
        if (from) {
            if (!json_is_string(from) || json_string_length(from) == 0)
                return eng_config_error_member(cfg, spec, "from", err,
                           "from must be a column name");
            f->from = xstrdup(json_string_value(from));
        } else {
            if (read_const(cfg, spec, "value", &f->value, err) < 0)
                return -1;
            f->has_value = 1;
        }
        if (json_object_get(spec, "default")) {
            if (read_const(cfg, spec, "default", &f->dflt, err) < 0)
                return -1;
            f->has_default = 1;
        }
        if (f->type != FT_TS && read_type(cfg, spec, f, err) < 0)
            return -1;
        if (f->type == FT_TS && json_object_get(spec, "type"))
            return eng_config_error_member(cfg, spec, "type", err,
                       "ts is always a time (use format: to say how to read "
                       "it)");
        if (read_ts(cfg, spec, f, err) < 0)
            return -1;
    } else {
        return eng_config_error_member(cfg, fields, target, err,
                   "field '%s' must be a column name or a mapping", target);
    }
    if (f->from) {
        struct eng_error ignored;
        f->from_path = eng_path_compile(f->from, &ignored);
    }
    return 0;
}

static int read_fields(const struct eng_config *cfg, const json_t *root,
                       struct mapping *m, struct eng_error *err)
{
    const json_t *fields = json_object_get(root, "fields");
    const char *key;
    const json_t *v;

    if (!fields)
        return 0;
    if (!json_is_object(fields))
        return eng_config_error_member(cfg, root, "fields", err,
                   "fields must be a mapping of target: source");
    m->fields = calloc(json_object_size(fields) + 1, sizeof *m->fields);
    if (!m->fields)
        abort();
    struct out_tree *t = out_tree_new();
    int rc = 0;
    json_object_foreach((json_t *)fields, key, v) {
        struct map_field *f = &m->fields[m->nfields++];
        if (read_field(cfg, fields, key, f, err) < 0) {
            rc = -1;
            break;
        }
        if (out_tree_add(t, (const char *const *)f->keys, f->nkeys) < 0) {
            eng_error_at(err, eng_config_file(cfg), f->line, f->col,
                         "target '%s' collides with another field", key);
            rc = -1;
            break;
        }
    }
    out_tree_free(t);
    return rc;
}

struct mapping *mapping_load(const char *path, struct eng_error *err)
{
    static const char *const formats[] = {
        "csv", "tsv", "jsonl", "json", "clf", "combined", "auto", NULL
    };
    struct eng_config *cfg = eng_config_load(path, err);
    if (!cfg)
        return NULL;
    struct mapping *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->file = xstrdup(path);
    m->header = 1;
    const json_t *root = eng_config_root(cfg);
    const json_t *v;

    if (!root || !json_is_object(root)) {
        eng_error_at(err, path, 0, 0, "a mapping must be a YAML mapping");
        goto fail;
    }
    if (eng_config_check_keys(cfg, root, top_keys, "mapping", err) < 0)
        goto fail;
    if ((v = json_object_get(root, "source"))) {
        if (!json_is_string(v) || json_string_length(v) == 0) {
            eng_config_error_member(cfg, root, "source", err,
                                    "source must be a non-empty name");
            goto fail;
        }
        m->source = xstrdup(json_string_value(v));
    }
    if ((v = json_object_get(root, "format"))) {
        size_t i = 0;
        while (formats[i] && !(json_is_string(v) &&
                               strcmp(json_string_value(v), formats[i]) == 0))
            i++;
        if (!formats[i]) {
            eng_config_error_member(cfg, root, "format", err,
                "bad format (expected csv, tsv, jsonl, json, clf, combined "
                "or auto)");
            goto fail;
        }
        m->format = xstrdup(formats[i]);
    }
    if ((v = json_object_get(root, "csv")) && read_csv(cfg, v, m, err) < 0)
        goto fail;
    if (read_columns(cfg, root, m, err) < 0)
        goto fail;
    if ((v = json_object_get(root, "keep_unmapped"))) {
        if (!json_is_boolean(v)) {
            eng_config_error_member(cfg, root, "keep_unmapped", err,
                                    "keep_unmapped must be true or false");
            goto fail;
        }
        m->keep_unmapped = json_is_true(v);
    }
    if (read_fields(cfg, root, m, err) < 0)
        goto fail;
    eng_config_free(cfg);
    return m;
fail:
    eng_config_free(cfg);
    mapping_free(m);
    return NULL;
}
