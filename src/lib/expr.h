/* API: frozen */
/* expr: eng's rule language, a subset of CEL (cel-spec langdef.md), compiled
 * once and evaluated against JSON records (RULES.md, "Expressions").
 *
 * Compile an expression with eng_expr_compile (names are bound then: the
 * whole-record name, the alias names, else a top-level field of the record),
 * then evaluate it per record with a reusable context (struct eng_expr_ctx):
 * the context's arena is reset at the start of each evaluation, so a value
 * returned by eng_expr_eval lives until the next evaluation with that context.
 * JSON arrays and objects of the record are borrowed, never copied; lists and
 * maps an expression builds live in the arena. Comparisons of fields with
 * literals, `in` over literal lists and the boolean operators allocate
 * nothing.
 *
 * Errors are CEL error *values* (missing key, bad type, division by zero,
 * int overflow, range): `&&` and `||` absorb them when the other side
 * decides; everything else propagates them. Only a syntax error or an
 * unknown function fails the compilation.
 *
 * Positions: compile errors say "FILE:LINE:COL: message", counting from the
 * position given for the expression's first character; after a newline in the
 * text the count goes on at the next line, column 1 (exact for plain and
 * literal YAML scalars, approximate for folded ones). Columns count bytes.
 *
 * Deliberate differences from CEL (for eng-rules(5)): int and double mix in
 * arithmetic and promote to double (JSON does not keep 90 and 90.0 apart);
 * no uint, bytes, type values, optional syntax or containers; eng adds
 * distance(lat1, lon1, lat2, lon2), haversine in metres on a sphere of radius
 * 6371008.8 m (the mean Earth radius, IUGG).
 *
 * Changes since the freeze: none to the API (comments only: the duration
 * range, the depth limit).
 */
#ifndef ENG_EXPR_H
#define ENG_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "jsonl.h"

struct eng_expr;     /* a compiled expression (immutable once compiled) */
struct eng_expr_ctx; /* an evaluation context: arena + scratch, one per thread */

/* What names mean in an expression. */
struct eng_expr_env {
    const char *record_name;     /* "event" (eng-match, eng-ingest, eng-enrich)
                                    or "action" (eng-emit); NULL: no
                                    whole-record name (--eval-jsonl) */
    const char *const *aliases;  /* sequence step aliases, in the order their
                                    values are passed to eng_expr_eval */
    size_t n_aliases;
};

/* Compiles text[0..len) (need not be NUL terminated; embedded NULs are a
 * syntax error). env may be NULL (record_name "event", no aliases); its
 * strings are copied. file/line/col place the first character for messages
 * (file NULL: "<expr>"; line/col 1-based). Returns a new expression the caller
 * frees with eng_expr_free, or NULL with err set ("rules.yaml:14:22: expected
 * ')' after arguments"). Trees taller than 400 (nesting, or chains of
 * 400 operators) and texts over 1 MiB are refused. */
struct eng_expr *eng_expr_compile(const char *text, size_t len,
                                  const struct eng_expr_env *env,
                                  const char *file, long line, long col,
                                  struct eng_error *err);
/* Frees e. NULL is fine. */
void eng_expr_free(struct eng_expr *e);
/* Returns the source text (owned by e, NUL terminated). */
const char *eng_expr_text(const struct eng_expr *e);
/* Returns 1 when e refers to alias number i (of the compile env), else 0.
 * (eng-match --check: a step condition must not name its own alias.) */
int eng_expr_uses_alias(const struct eng_expr *e, size_t i);

/* What of the record e can read, for callers that parse only that
 * (eng-match's projection): calls add(arg, keys, lens, n) for each member
 * path e reads, as `f.g.h`, `event.f.g`, `has(event.f.g)` or, through an
 * alias, `a.f.g` (an alias is another record of the same shape). Each path
 * stands for the whole value found there; a path may come more than once,
 * and paths deeper than ENG_EXPR_MAX_PATH are cut to that length (a
 * shorter path asks for more, never less). Returns 1 when those paths are
 * all e can read, 0 when e reads the record (or an alias) as a whole
 * (`event`, `event[k]`, `"f" in event`, `size(a)`): then the caller needs
 * every member. */
#define ENG_EXPR_MAX_PATH 16
int eng_expr_paths(const struct eng_expr *e,
                   void (*add)(void *arg, const char *const *keys,
                               const size_t *lens, size_t n),
                   void *arg);

/* For the rule index: the top-level &&-conjuncts of e of the form
 * FIELD == "literal" or FIELD == int literal (either operand order), where
 * FIELD is a top-level field of the record, written as a bare name (`type`)
 * or through the record name (`event.type`). */
struct eng_expr_eq {
    const char *field;       /* top-level field name (owned by e) */
    int is_int;              /* 1: value is int_value; 0: a string */
    const char *str;         /* string literal (owned by e, NUL terminated) */
    size_t str_len;          /* its length in bytes (may contain NULs) */
    int64_t int_value;
};
/* Fills out[0..max) with the conjuncts in source order; returns how many
 * there are in all (may exceed max). */
size_t eng_expr_eq_conjuncts(const struct eng_expr *e, struct eng_expr_eq *out,
                             size_t max);

/* --- values --- */

enum eng_expr_kind {
    ENG_EXPR_NULL,
    ENG_EXPR_BOOL,
    ENG_EXPR_INT,
    ENG_EXPR_DOUBLE,
    ENG_EXPR_STRING,
    ENG_EXPR_LIST,
    ENG_EXPR_MAP,
    ENG_EXPR_TIMESTAMP,
    ENG_EXPR_DURATION,
    ENG_EXPR_ERROR
};

/* A value. Plain data: read kind, then the matching member. Lists and maps
 * have an internal representation (a borrowed json_t or an arena array):
 * use eng_expr_value_write / eng_expr_value_to_json to get at them. */
struct eng_expr_value {
    enum eng_expr_kind kind;
    unsigned rep;                 /* internal: representation of list/map */
    union {
        int b;                    /* BOOL */
        int64_t i;                /* INT */
        double d;                 /* DOUBLE */
        struct {                  /* STRING: UTF-8, may contain NULs, not
                                     necessarily NUL terminated; ERROR: the
                                     message, NUL terminated */
            const char *s;
            size_t len;
        } str;
        struct {                  /* TIMESTAMP: seconds since the epoch (UTC)
                                     + nanoseconds 0..999999999;
                                     DURATION: seconds + nanoseconds, both of
                                     the same sign; |duration| <= 2^63-1 ns */
            int64_t sec;
            int32_t nsec;
        } t;
        const json_t *json;       /* internal: borrowed list/map */
        void *p;                  /* internal: arena list/map */
    } u;
    size_t n;                     /* internal: arena list/map length */
};

/* Returns the CEL type name of v: "null" "bool" "int" "double" "string"
 * "list" "map" "timestamp" "duration" "error" (static storage). */
const char *eng_expr_kind_name(enum eng_expr_kind k);

/* --- evaluation --- */

/* Returns a new evaluation context; free with eng_expr_ctx_free. NULL when
 * out of memory. A context is not thread-safe; use one per thread. */
struct eng_expr_ctx *eng_expr_ctx_new(void);
void eng_expr_ctx_free(struct eng_expr_ctx *ctx);

/* Flags for the context. ENG_EXPR_TYPED_JSON: a JSON object whose only member
 * is "$double", "$timestamp" or "$duration" reads as that value (the
 * --eval-jsonl encoding, ../shared/cel/EVAL-JSONL.md); off by default, since
 * event data is plain JSON. */
#define ENG_EXPR_TYPED_JSON 0x1u
void eng_expr_ctx_set_flags(struct eng_expr_ctx *ctx, unsigned flags);

/* Evaluates e against record (borrowed; NULL: no record, every field name is
 * missing) and aliases[0..env n_aliases) (borrowed; an entry may be NULL:
 * that alias is unbound, referring to it is an error value). Resets ctx's
 * arena first. Returns the result, owned by ctx and valid until the next
 * evaluation with ctx; never NULL (out of memory is an ERROR value). The
 * record and aliases must outlive the use of the result. */
const struct eng_expr_value *eng_expr_eval(const struct eng_expr *e,
                                           struct eng_expr_ctx *ctx,
                                           const json_t *record,
                                           const json_t *const *aliases);

/* Evaluates e as a condition. Returns 1 when the result is true, 0 when it is
 * false or not a bool, -1 when it is an error value (err, may be NULL, gets
 * the error's message, without position). */
int eng_expr_test(const struct eng_expr *e, struct eng_expr_ctx *ctx,
                  const json_t *record, const json_t *const *aliases,
                  struct eng_error *err);

/* Output flags for values. 0 is plain JSON, for people and -e: timestamps as
 * RFC 3339 strings in UTC ("2024-07-04T18:00:00Z", fraction digits only when
 * needed), durations as CEL strings ("1.5s"), NaN/Infinity as strings "NaN",
 * "Infinity", "-Infinity". ENG_EXPR_OUT_TYPED: the --eval-jsonl encoding
 * ({"$timestamp": ...}, {"$duration": ...}, {"$double": "NaN"}). Doubles are
 * always written with 17 significant digits at most, and always with a '.'
 * or an exponent. */
#define ENG_EXPR_OUT_TYPED 0x1u

/* Writes v as JSON text (no newline) to w. Returns 0, or -1 on a write error
 * or when v is an ERROR (nothing written then). */
int eng_expr_value_write(struct eng_writer *w, const struct eng_expr_value *v,
                         unsigned flags);
/* Returns v as a new jansson value (caller must json_decref()), or NULL when
 * v is an ERROR or memory runs out. Same encodings as eng_expr_value_write;
 * a double is a JSON real (or the NaN/Infinity forms above). */
json_t *eng_expr_value_to_json(const struct eng_expr_value *v, unsigned flags);

#endif
