/* mapping: the -m FILE YAML mapping of source columns to event fields
 * (TOOLS.md, eng-ingest), loaded with libeng's config so that every mistake
 * is reported at FILE:LINE:COL, and checked completely before any input is
 * read.
 *
 *   source: tweets                     # source name (ids, source.name)
 *   format: csv                        # csv tsv jsonl json clf combined auto
 *   csv: { delimiter: ",", header: true, quote: '"', columns: [a, b] }
 *   fields:                            # target path -> spec, in output order
 *     customer: name                   #   a column name (JSON: a path)
 *     channel: { value: social }       #   a constant
 *     retweets: { from: retweet_count, type: int, default: 0 }
 *     ts: { from: created, format: "%Y-%m-%d %H:%M:%S", tz: America/New_York }
 *   keep_unmapped: false               # pass other columns through
 *
 * A field spec is a string (the source name) or a mapping with exactly one
 * of from/value, and optionally type (int double bool string), format and
 * tz (only for ts), default (used when the source is absent: a missing
 * column or member, an empty unquoted CSV cell, a JSON null).
 */
#ifndef ENG_INGEST_MAPPING_H
#define ENG_INGEST_MAPPING_H

#include <stddef.h>

#include "error.h"
#include "path.h"
#include "timeutil.h"

enum field_type { FT_AUTO = 0, FT_STRING, FT_INT, FT_DOUBLE, FT_BOOL, FT_TS };

/* How a ts value is read. */
enum ts_kind { TS_ANY = 0, TS_FORMAT, TS_RFC3339, TS_EPOCH, TS_EPOCH_MS,
               TS_EPOCH_US, TS_EPOCH_AUTO };

/* A constant (value:, default:, --set): its text, and whether the text is a
 * string (else JSON text: a number or true/false). */
struct map_const {
    char *text;
    size_t len;
    int is_string;
};

struct map_field {
    char *target;             /* "geo.tz" as written */
    char **keys;              /* target split into names */
    size_t nkeys;
    char *from;               /* column name or JSON path text; NULL: constant */
    struct eng_path *from_path; /* from compiled as a path; NULL when it is not
                                   a valid path (only an error for JSON input) */
    int has_value;
    struct map_const value;
    int has_default;
    struct map_const dflt;
    enum field_type type;
    enum ts_kind ts;          /* for FT_TS */
    char *ts_format;          /* for TS_FORMAT */
    const struct eng_tz *tz;  /* zone for zone-less times; NULL: the --tz */
    long line, col;           /* where the field is, for bind-time errors */
};

struct mapping {
    char *file;
    char *source;             /* NULL when not given */
    char *format;             /* NULL when not given */
    char delimiter;           /* 0: the format's default */
    char quote;               /* 0: '"' */
    int header;               /* 1 (default) or 0 */
    char **columns;           /* names for header: false, or NULL */
    size_t ncolumns;
    int keep_unmapped;
    struct map_field *fields;
    size_t nfields;
};

/* Loads and validates a mapping file. Returns a new mapping (free with
 * mapping_free), or NULL with err "FILE:LINE:COL: message". */
struct mapping *mapping_load(const char *path, struct eng_error *err);
void mapping_free(struct mapping *m);

/* Splits a target path ("geo.tz", 'a["b.c"]') into names. Returns 0, or -1
 * with err (bad path, or an index step). *keys is a new array of new
 * strings (free with mapping_free_keys). */
int mapping_split_target(const char *text, char ***keys, size_t *n,
                         struct eng_error *err);
void mapping_free_keys(char **keys, size_t n);

#endif
