/* plan: the field plan, i.e. the mapping (or the CSV header, or --set)
 * compiled once per input into what each record needs: for every output
 * leaf, where its value comes from (a CSV column, a JSON path, a constant),
 * how to convert it (type, time format, zone), and where it goes in the
 * output tree.
 *
 * Output order (EVENT-MODEL.md): id, ts, customer, channel, type when
 * present, then the other fields in mapping order (column order without a
 * mapping), then --set fields that name new targets, then unmapped columns
 * (keep_unmapped); the caller writes source last. When nothing supplies an
 * id, an id leaf still comes first and the caller fills it with the
 * generated id.
 *
 * Conversion of a value (plan_convert):
 *   - untyped: id, customer, channel, type and text are always strings; a
 *     CSV cell that is a number in JSON syntax becomes that number, written
 *     with its own text (unless -S); a JSON value keeps its JSON type;
 *   - int: an optional sign and digits that fit 64 bits (written canonical);
 *     double: a finite number (JSON-syntax text kept, other forms like
 *     "+1.5" or ".5" rewritten); bool: true/false/yes/no/y/n/t/f/on/off/1/0
 *     in any case; string: the text as a string;
 *   - ts: read as the mapping says (format/rfc3339/epoch.../auto with its
 *     zone, else --tz), written in the normal form.
 * A failed conversion or a missing required field makes the record a reject
 * with a reason like "retweets: expected int, got '12x'".
 */
#ifndef ENG_INGEST_PLAN_H
#define ENG_INGEST_PLAN_H

#include <stddef.h>

#include "error.h"
#include "mapping.h"
#include "output.h"
#include "path.h"
#include "timeutil.h"

enum cell_origin {
    CELL_ABSENT = 0,
    CELL_TEXT,    /* a CSV cell: numbers in it may be inferred */
    CELL_STRING,  /* a real string (JSON string, --set, quoted constant) */
    CELL_JSON     /* JSON text of a non-string value (number, bool, ...) */
};

/* A source value; p need not be NUL-terminated. */
struct plan_cell {
    enum cell_origin origin;
    const char *p;
    size_t len;
};

struct plan_leaf {
    char *name;                 /* target as text, for messages */
    char **keys;                /* target split into names */
    size_t nkeys;
    int col;                    /* CSV column, or -1 */
    const struct eng_path *path;/* JSON source path (borrowed), or NULL */
    const struct map_const *cval;  /* constant (borrowed), or NULL */
    const struct map_const *dflt;  /* default (borrowed), or NULL */
    enum field_type type;
    enum ts_kind ts;
    const char *ts_format;
    const struct eng_tz *tz;
    int force_string;           /* a common string field of the event model */
    char scratch[48];           /* converted text of this record's value */
};

/* What the command line adds to a plan. */
struct plan_opts {
    const struct mapping *map;  /* NULL: no mapping */
    size_t nset;                /* --set FIELD=VALUE */
    char **set_fields;
    struct map_const *set_vals;
    size_t nrequire;            /* --require */
    char **require;
    const struct eng_tz *tz;    /* --tz, NULL: UTC */
    int infer_none;             /* -S */
};

struct plan {
    struct out_tree *tree;
    struct plan_leaf *leaves;   /* in tree leaf order */
    size_t n;
    int id_leaf;                /* always >= 0 */
    int ts_leaf;                /* -1 when no ts */
    int *req;                   /* leaf of each required field, -1: none */
    const struct plan_opts *opts;
    /* set by plan_convert for the current record */
    int has_ts;
    eng_time ts;
};

/* Compiles the plan for a CSV input whose columns are names[0..ncols).
 * With a mapping, every `from` must name a column (else err: "FILE:LINE:COL:
 * column 'x' is not in the header of data.csv"). Without one, each column is
 * a field of its own name, dots making nested objects ("geo.city"); a column
 * named "source" is left out (source is provenance). Returns a new plan, or
 * NULL with err. opts is borrowed and must outlive the plan. */
struct plan *plan_new_columns(const struct plan_opts *opts,
                              char *const *names, size_t ncols,
                              const char *input_name, struct eng_error *err);
/* Compiles the plan for JSON records read through the mapping (`from` is a
 * path into the record). Returns a new plan, or NULL with err. */
struct plan *plan_new_json(const struct plan_opts *opts,
                           struct eng_error *err);
void plan_free(struct plan *p);

/* Converts cells[0..p->n) (one per leaf; constants are filled in by the
 * plan itself) into vals[0..p->n), and checks the required fields. The vals
 * point into cells and into the plan's scratch. Returns 0, or -1 with err
 * set to the reject reason. */
int plan_convert(struct plan *p, const struct plan_cell *cells,
                 struct out_val *vals, struct eng_error *err);

/* Returns 1 when s[0..len) is a number in JSON syntax. */
int plan_is_json_number(const char *s, size_t len);

/* Reads a ts value: kind/format/tz as in a mapping field (tz NULL: UTC).
 * Returns 0, or -1. */
int plan_parse_ts(const char *s, size_t len, int is_json_number,
                  enum ts_kind kind, const char *fmt, const struct eng_tz *tz,
                  eng_time *out);

/* Sets err to "NAME: <what>, got 'VALUE'" with VALUE cut to a readable
 * length at a UTF-8 boundary. */
void plan_value_error(struct eng_error *err, const char *name,
                      const char *what, const char *v, size_t len);

#endif
