/* conf: eng-enrich's configuration file (TOOLS.md, eng-enrich), loaded and
 * validated once, with every problem reported at its FILE:LINE:COL.
 *
 * The file's top-level keys: key, identity, join, lookup, places, profile,
 * segments, context (the reference is in eng-enrich(1)). Loading compiles
 * every path and expression, and loads the master-data files (join.c,
 * places.c), so a run that starts has nothing left that can fail on the
 * configuration. (The module is conf, not config: a local config.h would
 * shadow libeng's.)
 */
#ifndef ENG_ENRICH_CONFIG_H
#define ENG_ENRICH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "expr.h"
#include "path.h"

struct join;
struct places;

enum agg_kind {
    AGG_COUNT, AGG_SUM, AGG_MIN, AGG_MAX, AGG_AVG,
    AGG_SET, AGG_FIRST, AGG_LAST, AGG_RECENT
};

/* One profile attribute: `name: { kind: field, when: EXPR, window: D, max: N }`. */
struct agg_def {
    char *name;
    enum agg_kind kind;
    struct eng_path *field;      /* the value's path; NULL for count */
    struct eng_path **rfields;   /* recent: the fields kept per event */
    size_t nrfields;
    struct eng_expr *when;       /* NULL: every event */
    int64_t window_ms;           /* 0: over all time */
    size_t max;                  /* set, recent: the cap */
    int in_view;                 /* segments or the time zone read it */
};

struct segment_def {
    char *name;
    struct eng_expr *expr;
};

struct enrich_config {
    char *file;
    struct eng_path *key;        /* default "customer" */
    char *key_text;
    char **id_fields;            /* identity: field names (key first) */
    struct eng_path **id_paths;
    size_t nids;                 /* 0: no identity resolution */
    struct join **joins;         /* join: and lookup: entries, in order */
    size_t njoins;
    struct places *places;
    struct agg_def *aggs;
    size_t naggs;
    struct segment_def *segs;
    size_t nsegs;
    int has_context;
    struct eng_path *tz_path;    /* context.timezone; NULL: default only */
    int tz_from_profile;         /* tz_path is relative to the profile */
    char *default_tz;            /* default "UTC" */
    unsigned long long master_dups; /* duplicate master keys seen at load */
    int ctx_direct;              /* context written without JSON values: no
                                    segment reads it, and every context
                                    target is one distinct name */
};

/* Loads and validates path. Returns 0, or -1 with err set
 * ("enrich.yaml:12:20: unknown aggregate 'median' ..."). cfg is zeroed
 * first; free it with enrich_config_free in both cases. quiet silences
 * the warnings about master data (duplicate keys). */
int enrich_config_load(const char *path, struct enrich_config *cfg, int quiet,
                       struct eng_error *err);
void enrich_config_free(struct enrich_config *cfg);

/* The expression environment of `when` and segments: record name "event". */
extern const struct eng_expr_env enrich_expr_env;

#endif
