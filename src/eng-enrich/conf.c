/* conf: load and validate eng-enrich's configuration (conf.h); libeng's
 * config module reads the YAML and keeps the positions.
 *
 *   key: customer                        # the profile key, a path
 *   identity: [customer, email]          # ids seen together are one person
 *   join:   [{file, on: {EVPATH: COL}, into: profile[.x] | context.x}]
 *   lookup: [{file, on, asof: {event: ts, file: COL}, into}]
 *   places: {file, into, lat, lon, file_lat, file_lon, within_m}
 *   profile: {NAME: {KIND: ARG, when: EXPR, window: DUR, max: N}}
 *   segments: {NAME: EXPR}
 *   context: {timezone: PATH, default_timezone: ZONE}
 *
 * Validation goes key by key in that order; the first problem stops the
 * load and is reported at its FILE:LINE:COL. Master files are named relative
 * to the config file's directory (an absolute name is used as is), so a
 * config and its data travel together.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "conf.h"
#include "join.h"
#include "places.h"
#include "timeutil.h"

const struct eng_expr_env enrich_expr_env = { "event", NULL, 0 };

struct loader {
    struct eng_config *cfg;
    const char *file;
    char *dir;                 /* the config's directory, with '/', or "" */
    struct eng_error *err;
    struct eng_expr_ctx *ctx;
    int quiet;
};

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static int path_at(struct loader *L, const json_t *obj, const char *key,
                   const json_t *v, struct eng_path **out)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return eng_config_error_member(L->cfg, obj, key, L->err,
                                       "%s must be a field path (a string)", key);
    struct eng_error perr;
    if (!(*out = eng_path_compile(json_string_value(v), &perr)))
        return eng_config_error_member(L->cfg, obj, key, L->err, "%s",
                                       perr.msg);
    return 0;
}

/* Compiles obj[key] as an expression, placed at its first character. */
static int expr_at(struct loader *L, const json_t *obj, const char *key,
                   struct eng_expr **out)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return eng_config_error_member(L->cfg, obj, key, L->err,
                                       "%s must be an expression (a string)",
                                       key);
    struct eng_pos pos;
    long line = 0, col = 0;
    if (eng_config_pos_member(L->cfg, obj, key, &pos) == 0) {
        line = pos.line;
        col = pos.col + (pos.quoted == 1);
    }
    if (!(*out = eng_expr_compile(json_string_value(v), json_string_length(v),
                                  &enrich_expr_env, L->file, line, col,
                                  L->err)))
        return -1;
    const struct eng_expr_value *r = eng_expr_eval(*out, L->ctx, NULL, NULL);
    if (r->kind != ENG_EXPR_BOOL && r->kind != ENG_EXPR_ERROR) {
        eng_error_at(L->err, L->file, line, col,
                     "condition is of type %s, not bool",
                     eng_expr_kind_name(r->kind));
        return -1;
    }
    return 0;
}

/* `into`: "profile", "profile.x...", "context", "context.x..." */
static int into_at(struct loader *L, const json_t *obj, const char *dflt,
                   int *into_profile, struct eng_path **rest)
{
    json_t *v = json_object_get(obj, "into");
    const char *s = v ? json_string_value(v) : dflt;
    if (!s)
        return eng_config_error_member(L->cfg, obj, "into", L->err,
                                       "into must be profile[.FIELD] or "
                                       "context[.FIELD]");
    size_t n;
    if (strncmp(s, "profile", 7) == 0 && (s[7] == '\0' || s[7] == '.')) {
        *into_profile = 1;
        n = 7;
    } else if (strncmp(s, "context", 7) == 0 && (s[7] == '\0' || s[7] == '.')) {
        *into_profile = 0;
        n = 7;
    } else {
        if (!v)
            return eng_config_error(L->cfg, obj, L->err, "into is required");
        return eng_config_error_member(L->cfg, obj, "into", L->err,
                                       "into must be profile[.FIELD] or "
                                       "context[.FIELD], not '%s'", s);
    }
    *rest = NULL;
    if (s[n] == '.') {
        struct eng_error perr;
        if (!(*rest = eng_path_compile(s + n + 1, &perr)))
            return eng_config_error_member(L->cfg, obj, "into", L->err, "%s",
                                           perr.msg);
        if (*into_profile && eng_path_key(*rest, 0) &&
            strcmp(eng_path_key(*rest, 0), "segments") == 0)
            return eng_config_error_member(L->cfg, obj, "into", L->err,
                                           "profile.segments is reserved");
    } else if (!*into_profile && !dflt) {
        return eng_config_error_member(L->cfg, obj, "into", L->err,
                                       "into: context needs a field name "
                                       "(context.NAME)");
    }
    return 0;
}

static char *resolve(struct loader *L, const char *name)
{
    if (name[0] == '/' || !L->dir[0])
        return xstrdup(name);
    size_t n = strlen(L->dir) + strlen(name) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s%s", L->dir, name);
    return p;
}

/* file: the master file's name, loaded into the join or places table. */
static int file_at(struct loader *L, const json_t *obj, char **file)
{
    json_t *v = json_object_get(obj, "file");
    if (!v)
        return eng_config_error(L->cfg, obj, L->err, "file is required");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return eng_config_error_member(L->cfg, obj, "file", L->err,
                                       "file must be a file name");
    *file = xstrdup(json_string_value(v));
    return 0;
}

static int load_master_error(struct loader *L, const json_t *obj,
                             struct eng_error *ferr)
{
    return eng_config_error_member(L->cfg, obj, "file", L->err,
                                   "cannot load master data: %s", ferr->msg);
}

/* ---------------------------------------------------------------- join */

static int load_join(struct loader *L, struct enrich_config *c,
                     const json_t *obj, int asof)
{
    static const char *const jkeys[] = { "file", "on", "into", NULL };
    static const char *const lkeys[] = { "file", "on", "asof", "into", NULL };
    if (eng_config_check_keys(L->cfg, obj, asof ? lkeys : jkeys,
                              asof ? "a lookup" : "a join", L->err) < 0)
        return -1;
    struct join *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    c->joins[c->njoins++] = j;
    j->asof = asof;
    if (file_at(L, obj, &j->file) < 0)
        return -1;
    json_t *on = json_object_get(obj, "on");
    if (!on)
        return eng_config_error(L->cfg, obj, L->err, "on is required");
    if (!json_is_object(on) || json_object_size(on) != 1)
        return eng_config_error_member(L->cfg, obj, "on", L->err,
                                       "on must be one pair {EVENT_FIELD: "
                                       "FILE_COLUMN}");
    const char *evk = json_object_iter_key(json_object_iter(on));
    json_t *col = json_object_get(on, evk);
    struct eng_error perr;
    if (!(j->ev_key = eng_path_compile(evk, &perr)))
        return eng_config_error_member(L->cfg, obj, "on", L->err, "%s",
                                       perr.msg);
    if (!json_is_string(col) || json_string_length(col) == 0)
        return eng_config_error_member(L->cfg, on, evk, L->err,
                                       "the file column must be a name");
    j->file_key = xstrdup(json_string_value(col));
    if (asof) {
        static const char *const akeys[] = { "event", "file", NULL };
        json_t *a = json_object_get(obj, "asof");
        if (!a)
            return eng_config_error(L->cfg, obj, L->err, "asof is required "
                                    "in a lookup");
        if (eng_config_check_keys(L->cfg, a, akeys, "asof", L->err) < 0)
            return -1;
        json_t *ev = json_object_get(a, "event");
        if (ev && !(json_is_string(ev) && strcmp(json_string_value(ev), "ts") == 0) &&
            path_at(L, a, "event", ev, &j->ev_time) < 0)
            return -1;
        json_t *ft = json_object_get(a, "file");
        if (!json_is_string(ft) || json_string_length(ft) == 0)
            return eng_config_error_member(L->cfg, a, "file", L->err,
                                           "asof.file must name the file's "
                                           "time column");
        j->file_time = xstrdup(json_string_value(ft));
    }
    if (into_at(L, obj, NULL, &j->into_profile, &j->into_rest) < 0)
        return -1;
    char *path = resolve(L, j->file);
    struct eng_error ferr;
    int rc = join_load(j, path, j->file, &ferr);
    free(path);
    if (rc < 0)
        return load_master_error(L, obj, &ferr);
    /* rows, none usable: the config names a column the file lacks (or the
     * wrong file); a join that can never match is a mistake to say, not a
     * warning the run goes on past */
    if (j->skipped && j->nrows == 0) {
        struct eng_error nerr;
        if (asof)
            eng_error_set(&nerr, "%s: none of its %llu row%s has a usable "
                          "key '%s' and time '%s'", j->file, j->skipped,
                          j->skipped == 1 ? "" : "s", j->file_key, j->file_time);
        else
            eng_error_set(&nerr, "%s: none of its %llu row%s has a usable "
                          "key '%s'", j->file, j->skipped,
                          j->skipped == 1 ? "" : "s", j->file_key);
        return load_master_error(L, obj, &nerr);
    }
    if (j->dups) {
        c->master_dups += j->dups;
        if (!L->quiet)
            eng_warn("%s: %llu duplicate key%s (the last row wins)", j->file,
                     j->dups, j->dups == 1 ? "" : "s");
    }
    if (j->skipped && !L->quiet)
        eng_warn("%s: %llu row%s without a usable %s skipped", j->file,
                 j->skipped, j->skipped == 1 ? "" : "s",
                 asof ? "key or time" : "key");
    return 0;
}

static int load_joins(struct loader *L, struct enrich_config *c,
                      const json_t *root, const char *what, int asof)
{
    json_t *list = json_object_get(root, what);
    if (!list)
        return 0;
    if (!json_is_array(list))
        return eng_config_error_member(L->cfg, root, what, L->err,
                                       "%s must be a list", what);
    size_t n = json_array_size(list);
    if (!(c->joins = realloc(c->joins, (c->njoins + n + 1) * sizeof *c->joins)))
        abort();
    for (size_t i = 0; i < n; i++)
        if (load_join(L, c, json_array_get(list, i), asof) < 0)
            return -1;
    return 0;
}

/* ---------------------------------------------------------------- places */

static int str_member(struct loader *L, const json_t *obj, const char *key,
                      const char *dflt, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v && (!json_is_string(v) || json_string_length(v) == 0))
        return eng_config_error_member(L->cfg, obj, key, L->err,
                                       "%s must be a column name", key);
    *out = xstrdup(v ? json_string_value(v) : dflt);
    return 0;
}

static int load_places(struct loader *L, struct enrich_config *c,
                       const json_t *root)
{
    static const char *const keys[] = { "file", "into", "lat", "lon",
        "file_lat", "file_lon", "within_m", NULL };
    json_t *obj = json_object_get(root, "places");
    if (!obj)
        return 0;
    if (eng_config_check_keys(L->cfg, obj, keys, "places", L->err) < 0)
        return -1;
    struct places *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    c->places = p;
    if (file_at(L, obj, &p->file) < 0 ||
        into_at(L, obj, "context.near", &p->into_profile, &p->into_rest) < 0)
        return -1;
    json_t *v = json_object_get(obj, "lat");
    json_t *dlat = json_string("geo.lat"), *dlon = json_string("geo.lon");
    int rc = path_at(L, obj, "lat", v ? v : dlat, &p->ev_lat);
    if (rc == 0) {
        v = json_object_get(obj, "lon");
        rc = path_at(L, obj, "lon", v ? v : dlon, &p->ev_lon);
    }
    json_decref(dlat);
    json_decref(dlon);
    if (rc < 0 || str_member(L, obj, "file_lat", "lat", &p->lat_col) < 0 ||
        str_member(L, obj, "file_lon", "lon", &p->lon_col) < 0)
        return -1;
    p->within_m = 50000;
    v = json_object_get(obj, "within_m");
    if (v) {
        if (!json_is_number(v) || json_number_value(v) <= 0 ||
            json_number_value(v) > 2e7)
            return eng_config_error_member(L->cfg, obj, "within_m", L->err,
                                           "within_m must be a distance in "
                                           "metres, above 0 and at most 2e7");
        p->within_m = json_number_value(v);
    }
    char *path = resolve(L, p->file);
    struct eng_error ferr;
    rc = places_load(p, path, p->file, &ferr);
    free(path);
    if (rc < 0)
        return load_master_error(L, obj, &ferr);
    if (p->skipped && p->n == 0) {   /* as for a join: columns it lacks */
        struct eng_error nerr;
        eng_error_set(&nerr, "%s: none of its %llu row%s has usable %s/%s",
                      p->file, p->skipped, p->skipped == 1 ? "" : "s",
                      p->lat_col, p->lon_col);
        return load_master_error(L, obj, &nerr);
    }
    if (p->skipped && !L->quiet)
        eng_warn("%s: %llu row%s without usable %s/%s skipped", p->file,
                 p->skipped, p->skipped == 1 ? "" : "s", p->lat_col, p->lon_col);
    return 0;
}

/* ---------------------------------------------------------------- profile */

static const char *const agg_names[] = {
    "count", "sum", "min", "max", "avg", "set", "first", "last", "recent", NULL
};

static int load_agg(struct loader *L, struct agg_def *a, const json_t *prof,
                    const char *name)
{
    static const char *const keys[] = { "count", "sum", "min", "max", "avg",
        "set", "first", "last", "recent", "when", "window", "max", NULL };
    json_t *obj = json_object_get(prof, name);
    a->name = xstrdup(name);
    if (strcmp(name, "segments") == 0)
        return eng_config_error_member(L->cfg, prof, name, L->err,
                                       "profile.segments is reserved for "
                                       "the segments");
    if (!json_is_object(obj))
        return eng_config_error_member(L->cfg, prof, name, L->err,
                                       "profile attribute '%s' must be a "
                                       "mapping such as { count: true }", name);
    if (eng_config_check_keys(L->cfg, obj, keys, "a profile attribute",
                              L->err) < 0)
        return -1;
    /* exactly one kind; `max` is the kind when nothing else is, else the
     * cap of a set or recent */
    int kind = -1;
    const char *kname = NULL;
    for (int k = 0; agg_names[k]; k++) {
        if (k == AGG_MAX || !json_object_get(obj, agg_names[k]))
            continue;
        if (kind >= 0)
            return eng_config_error_member(L->cfg, obj, agg_names[k], L->err,
                                           "profile attribute '%s' has two "
                                           "kinds: %s and %s", name, kname,
                                           agg_names[k]);
        kind = k;
        kname = agg_names[k];
    }
    if (kind < 0 && json_object_get(obj, "max")) {
        kind = AGG_MAX;
        kname = "max";
    }
    if (kind < 0)
        return eng_config_error(L->cfg, obj, L->err,
                                "profile attribute '%s' needs a kind: count, "
                                "sum, min, max, avg, set, first, last or "
                                "recent", name);
    a->kind = (enum agg_kind)kind;
    json_t *arg = json_object_get(obj, kname);
    json_t *maxv = kind == AGG_MAX ? NULL : json_object_get(obj, "max");
    int max_is_cap = (a->kind == AGG_SET || a->kind == AGG_RECENT);
    if (a->kind == AGG_COUNT) {
        if (!json_is_true(arg))
            return eng_config_error_member(L->cfg, obj, "count", L->err,
                                           "count takes true");
    } else if (a->kind == AGG_RECENT) {
        if (!json_is_array(arg) || json_array_size(arg) == 0)
            return eng_config_error_member(L->cfg, obj, "recent", L->err,
                                           "recent takes a list of fields");
        a->nrfields = json_array_size(arg);
        if (!(a->rfields = calloc(a->nrfields, sizeof *a->rfields)))
            abort();
        for (size_t i = 0; i < a->nrfields; i++) {
            json_t *f = json_array_get(arg, i);
            struct eng_error perr;
            if (!json_is_string(f) ||
                !(a->rfields[i] = eng_path_compile(json_string_value(f), &perr)))
                return eng_config_error(L->cfg, f, L->err,
                                        "recent: each field must be a path");
        }
    } else if (path_at(L, obj, kname, arg, &a->field) < 0) {
        return -1;
    }
    if (max_is_cap) {
        a->max = 100;
        if (maxv) {
            if (!json_is_integer(maxv) || json_integer_value(maxv) < 1 ||
                json_integer_value(maxv) > 100000)
                return eng_config_error_member(L->cfg, obj, "max", L->err,
                                               "max must be an integer from "
                                               "1 to 100000");
            a->max = (size_t)json_integer_value(maxv);
        }
    } else if (maxv) {
        return eng_config_error_member(L->cfg, obj, "max", L->err,
                                       "max caps a set or recent; '%s' is "
                                       "a %s", name, kname);
    }
    json_t *w = json_object_get(obj, "window");
    if (w) {
        if (a->kind > AGG_AVG)
            return eng_config_error_member(L->cfg, obj, "window", L->err,
                                           "window applies to count, sum, "
                                           "min, max and avg, not %s", kname);
        if (!json_is_string(w) ||
            eng_duration_parse(json_string_value(w), json_string_length(w),
                               &a->window_ms) < 0 || a->window_ms <= 0)
            return eng_config_error_member(L->cfg, obj, "window", L->err,
                                           "window must be a duration such "
                                           "as 30m, 24h or 30d");
    }
    if (json_object_get(obj, "when") && expr_at(L, obj, "when", &a->when) < 0)
        return -1;
    return 0;
}

static int load_profile(struct loader *L, struct enrich_config *c,
                        const json_t *root)
{
    json_t *prof = json_object_get(root, "profile");
    if (!prof)
        return 0;
    if (!json_is_object(prof))
        return eng_config_error_member(L->cfg, root, "profile", L->err,
                                       "profile must be a mapping of "
                                       "attributes");
    size_t n = json_object_size(prof);
    if (!(c->aggs = calloc(n ? n : 1, sizeof *c->aggs)))
        abort();
    const char *name;
    json_t *v;
    json_object_foreach(prof, name, v) {
        if (load_agg(L, &c->aggs[c->naggs++], prof, name) < 0)
            return -1;
    }
    return 0;
}

static int load_segments(struct loader *L, struct enrich_config *c,
                         const json_t *root)
{
    json_t *segs = json_object_get(root, "segments");
    if (!segs)
        return 0;
    if (!json_is_object(segs))
        return eng_config_error_member(L->cfg, root, "segments", L->err,
                                       "segments must be a mapping "
                                       "NAME: EXPRESSION");
    size_t n = json_object_size(segs);
    if (!(c->segs = calloc(n ? n : 1, sizeof *c->segs)))
        abort();
    const char *name;
    json_t *v;
    json_object_foreach(segs, name, v) {
        struct segment_def *s = &c->segs[c->nsegs++];
        s->name = xstrdup(name);
        if (expr_at(L, segs, name, &s->expr) < 0)
            return -1;
        /* which attributes the segments read: only those are built as JSON
         * values per event (a textual test; one too many is harmless) */
        for (size_t k = 0; k < c->naggs; k++)
            if (strstr(json_string_value(v), c->aggs[k].name))
                c->aggs[k].in_view = 1;
    }
    return 0;
}

static int load_context(struct loader *L, struct enrich_config *c,
                        const json_t *root)
{
    static const char *const keys[] = { "timezone", "default_timezone", NULL };
    json_t *obj = json_object_get(root, "context");
    c->default_tz = xstrdup("UTC");
    c->has_context = 1;
    if (!obj)
        return 0;
    if (eng_config_check_keys(L->cfg, obj, keys, "context", L->err) < 0)
        return -1;
    json_t *tz = json_object_get(obj, "timezone");
    if (tz) {
        if (path_at(L, obj, "timezone", tz, &c->tz_path) < 0)
            return -1;
        const char *k0 = eng_path_key(c->tz_path, 0);
        if (k0 && strcmp(k0, "profile") == 0 && eng_path_len(c->tz_path) > 1) {
            /* profile.tz: read from the profile, without the first step */
            struct eng_error perr;
            const char *t = json_string_value(tz) + 8;
            eng_path_free(c->tz_path);
            if (!(c->tz_path = eng_path_compile(t, &perr)))
                return eng_config_error_member(L->cfg, obj, "timezone", L->err,
                                               "%s", perr.msg);
            c->tz_from_profile = 1;
            for (size_t k = 0; k < c->naggs; k++)
                if (eng_path_key(c->tz_path, 0) &&
                    strcmp(eng_path_key(c->tz_path, 0), c->aggs[k].name) == 0)
                    c->aggs[k].in_view = 1;
        }
    }
    json_t *d = json_object_get(obj, "default_timezone");
    if (d) {
        struct eng_error zerr;
        if (!json_is_string(d) || !eng_tz_get(json_string_value(d), &zerr))
            return eng_config_error_member(L->cfg, obj, "default_timezone",
                                           L->err, "unknown time zone '%s'",
                                           json_is_string(d) ?
                                           json_string_value(d) : "?");
        free(c->default_tz);
        c->default_tz = xstrdup(json_string_value(d));
    }
    return 0;
}

/* ---------------------------------------------------------------- top */

static int load_identity(struct loader *L, struct enrich_config *c,
                         const json_t *root)
{
    json_t *v = json_object_get(root, "key");
    if (v && path_at(L, root, "key", v, &c->key) < 0)
        return -1;
    c->key_text = xstrdup(v ? json_string_value(v) : "customer");
    if (!c->key) {
        struct eng_error perr;
        c->key = eng_path_compile("customer", &perr);
    }
    json_t *ids = json_object_get(root, "identity");
    if (!ids)
        return 0;
    if (!json_is_array(ids) || json_array_size(ids) == 0)
        return eng_config_error_member(L->cfg, root, "identity", L->err,
                                       "identity must be a list of id fields");
    size_t n = json_array_size(ids);
    if (n > 15)
        return eng_config_error_member(L->cfg, root, "identity", L->err,
                                       "identity: at most 15 id fields");
    if (!(c->id_fields = calloc(n + 1, sizeof *c->id_fields)) ||
        !(c->id_paths = calloc(n + 1, sizeof *c->id_paths)))
        abort();
    /* the key comes first: its ids are the ones a person is named by */
    c->id_fields[0] = xstrdup(c->key_text);
    c->id_paths[0] = eng_path_compile(c->key_text, L->err);
    c->nids = 1;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(ids, i);
        struct eng_error perr;
        struct eng_path *p;
        if (!json_is_string(f) ||
            !(p = eng_path_compile(json_string_value(f), &perr)))
            return eng_config_error(L->cfg, f, L->err,
                                    "identity: each entry must be a field path");
        const char *name = json_string_value(f);
        int dup = 0;
        for (size_t k = 0; k < c->nids; k++)
            dup |= strcmp(c->id_fields[k], name) == 0;
        if (dup && strcmp(name, c->key_text) != 0) {
            eng_path_free(p);
            return eng_config_error(L->cfg, f, L->err,
                                    "identity: '%s' is listed twice", name);
        }
        if (dup) {
            eng_path_free(p);
            continue;
        }
        c->id_fields[c->nids] = xstrdup(name);
        c->id_paths[c->nids++] = p;
    }
    return 0;
}

int enrich_config_load(const char *path, struct enrich_config *c, int quiet,
                       struct eng_error *err)
{
    static const char *const keys[] = { "key", "identity", "join", "lookup",
        "places", "profile", "segments", "context", NULL };
    memset(c, 0, sizeof *c);
    c->file = xstrdup(path);
    struct loader L = { .file = path, .err = err, .quiet = quiet };
    if (!(L.cfg = eng_config_load(path, err)))
        return -1;
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path + 1) : 0;
    if (!(L.dir = malloc(dl + 1)) || !(L.ctx = eng_expr_ctx_new()))
        abort();
    memcpy(L.dir, path, dl);
    L.dir[dl] = '\0';
    json_t *root = eng_config_root(L.cfg);
    int rc = -1;
    if (!root || !json_is_object(root)) {
        eng_error_at(err, path, root ? 1 : 0, root ? 1 : 0,
                     "the configuration must be a mapping (key, profile, ...)");
        goto out;
    }
    if (eng_config_check_keys(L.cfg, root, keys, "the configuration", err) < 0 ||
        load_identity(&L, c, root) < 0 ||
        load_joins(&L, c, root, "join", 0) < 0 ||
        load_joins(&L, c, root, "lookup", 1) < 0 ||
        load_places(&L, c, root) < 0 ||
        load_profile(&L, c, root) < 0 ||
        load_segments(&L, c, root) < 0 ||
        load_context(&L, c, root) < 0)
        goto out;
    c->ctx_direct = 1;
    for (size_t i = 0; i < c->nsegs; i++)
        if (strstr(eng_expr_text(c->segs[i].expr), "context"))
            c->ctx_direct = 0;
    for (size_t i = 0; i <= c->njoins; i++) {
        const struct eng_path *p = NULL;
        if (i < c->njoins && !c->joins[i]->into_profile)
            p = c->joins[i]->into_rest;
        else if (i == c->njoins && c->places && !c->places->into_profile)
            p = c->places->into_rest;
        else
            continue;
        if (!p || eng_path_len(p) != 1 || !eng_path_key(p, 0))
            c->ctx_direct = 0;
        for (size_t k = 0; p && c->ctx_direct && k < c->njoins; k++) {
            const struct join *o = c->joins[k];
            if (k != i && !o->into_profile && o->into_rest &&
                eng_path_key(o->into_rest, 0) && eng_path_key(p, 0) &&
                strcmp(eng_path_key(o->into_rest, 0), eng_path_key(p, 0)) == 0)
                c->ctx_direct = 0;
        }
        static const char *const own[] = { "timezone", "local_time", "hour",
                                           "weekday", "daypart", NULL };
        for (size_t k = 0; p && own[k]; k++)
            if (eng_path_key(p, 0) && strcmp(eng_path_key(p, 0), own[k]) == 0)
                c->ctx_direct = 0;
    }
    rc = 0;
out:
    eng_expr_ctx_free(L.ctx);
    free(L.dir);
    eng_config_free(L.cfg);
    return rc;
}

void enrich_config_free(struct enrich_config *c)
{
    free(c->file);
    eng_path_free(c->key);
    free(c->key_text);
    for (size_t i = 0; i < c->nids; i++) {
        free(c->id_fields[i]);
        eng_path_free(c->id_paths[i]);
    }
    free(c->id_fields);
    free(c->id_paths);
    for (size_t i = 0; i < c->njoins; i++)
        join_free(c->joins[i]);
    free(c->joins);
    places_free(c->places);
    for (size_t i = 0; i < c->naggs; i++) {
        struct agg_def *a = &c->aggs[i];
        free(a->name);
        eng_path_free(a->field);
        for (size_t k = 0; k < a->nrfields; k++)
            eng_path_free(a->rfields[k]);
        free(a->rfields);
        eng_expr_free(a->when);
    }
    free(c->aggs);
    for (size_t i = 0; i < c->nsegs; i++) {
        free(c->segs[i].name);
        eng_expr_free(c->segs[i].expr);
    }
    free(c->segs);
    eng_path_free(c->tz_path);
    free(c->default_tz);
    memset(c, 0, sizeof *c);
}
