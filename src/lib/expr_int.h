/* expr_int: what the pieces of the expression module share (not public).
 *
 * The module is split by job: expr_parse.c turns text into a tree of nodes
 * (names already resolved), expr_eval.c walks the tree, expr_func.c holds the
 * functions and methods, expr_value.c the value operations (equality,
 * ordering, JSON in and out, time formats) and the arena, expr.c the public
 * entry points. See expr.h for the language.
 */
#ifndef ENG_EXPR_INT_H
#define ENG_EXPR_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "expr.h"

typedef struct eng_expr_value val;

/* Representation of a list/map value (val.rep). */
enum { REP_JSON = 0, REP_ARENA = 1 };

/* An arena map entry: a string key and a value. */
struct map_entry {
    const char *key;
    size_t klen;
    val v;
};

enum node_kind {
    N_LIT,      /* lit */
    N_FIELD,    /* top-level field `name` of the record */
    N_RECORD,   /* the whole record */
    N_ALIAS,    /* alias number `slot` */
    N_VAR,      /* comprehension variable in slot `slot` */
    N_SELECT,   /* kids[0].name */
    N_HAS,      /* has(kids[0].name) */
    N_INDEX,    /* kids[0][kids[1]] */
    N_LIST,     /* [kids...] */
    N_MAP,      /* {kids[0]: kids[1], ...} */
    N_AND, N_OR, N_NOT, N_NEG, N_COND,
    N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_IN,
    N_ADD, N_SUB, N_MUL, N_DIV, N_MOD,
    N_CALL,     /* function fn; receiver (if any) is kids[0] */
    N_COMPR     /* macro `fn` over kids[0], var `slot`, body kids[1] (kids[2]) */
};

/* Functions and macros, by id. */
enum fn_id {
    F_SIZE, F_MATCHES, F_CONTAINS, F_STARTS, F_ENDS, F_LOWER, F_UPPER,
    F_INT, F_DOUBLE, F_STRING, F_TIMESTAMP, F_DURATION, F_DYN, F_DISTANCE,
    F_GETFULLYEAR, F_GETMONTH, F_GETDAYOFYEAR, F_GETDAYOFMONTH, F_GETDATE,
    F_GETDAYOFWEEK, F_GETHOURS, F_GETMINUTES, F_GETSECONDS, F_GETMILLIS,
    M_ALL, M_EXISTS, M_EXISTS_ONE, M_MAP, M_FILTER
};

struct node {
    enum node_kind kind;
    int fn;             /* N_CALL / N_COMPR: enum fn_id */
    int method;         /* N_CALL: called as recv.f(...) */
    int slot;           /* N_ALIAS, N_VAR, N_COMPR */
    long line, col;     /* where it starts (messages) */
    int depth;          /* height of the subtree (bounds eval recursion) */
    const char *name;   /* N_FIELD, N_SELECT, N_HAS: NUL terminated */
    size_t name_len;
    val lit;            /* N_LIT (strings owned by the expression) */
    void *re;           /* N_CALL F_MATCHES with a literal pattern: pcre2_code */
    struct node **kids;
    size_t nkids;
};

#define EXPR_MAX_VARS 64     /* comprehension nesting */

struct eng_expr {
    char *text;
    struct node *root;
    char **aliases;
    size_t n_aliases;
    unsigned char *alias_used;
    int nvars;
    void **res;          /* compiled regexes (pcre2_code), freed with e */
    size_t nres;
    /* everything the parse allocated, freed with the expression */
    void **allocs;
    size_t nallocs, capallocs;
};

struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    /* data follows, max_align_t aligned */
};

struct eng_expr_ctx {
    struct arena_chunk *chunks;   /* first chunk kept across resets */
    unsigned flags;
    const json_t *record;
    const json_t *const *aliases;
    size_t n_aliases;
    val vars[EXPR_MAX_VARS];
    val result;
    void *match_data;             /* pcre2_match_data, reused */
    void *match_ctx;              /* pcre2_match_context: match limits */
};

/* parse */
struct node *expr_parse(struct eng_expr *e, const char *text, size_t len,
                        const struct eng_expr_env *env, const char *file,
                        long line, long col, struct eng_error *err);
void *expr_keep(struct eng_expr *e, void *p); /* own p; NULL on OOM (p freed) */
void expr_free_nodes(struct eng_expr *e);

/* arena */
void *arena_alloc(struct eng_expr_ctx *ctx, size_t n);
void arena_reset(struct eng_expr_ctx *ctx);

/* eval */
val expr_eval_node(struct eng_expr_ctx *ctx, const struct node *n);
val expr_call(struct eng_expr_ctx *ctx, const struct node *n);

/* values */
val v_err(const char *msg);
val v_errf(struct eng_expr_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
val v_bool(int b);
val v_int(int64_t i);
val v_double(double d);
val v_str(const char *s, size_t len);
val v_null(void);
val v_from_json(struct eng_expr_ctx *ctx, const json_t *j);
size_t v_len(const val *v);                      /* list/map length */
val v_list_at(struct eng_expr_ctx *ctx, const val *l, size_t i);
/* map: lookup by key; returns 1 and *out when present */
int v_map_get(struct eng_expr_ctx *ctx, const val *m, const char *k,
              size_t klen, val *out);
/* map: key number i (for iteration), as a string value */
val v_map_key_at(struct eng_expr_ctx *ctx, const val *m, size_t i);
/* map iteration: call with i = 0, 1, ... and the same *it; returns 0 at the
 * end, else 1 with *key set (a string borrowed from the map) */
int expr_map_iter(struct eng_expr_ctx *ctx, const val *m, void **it, size_t i,
                  val *key);
/* returns 1 equal, 0 not, or an error in *err (and -1) */
int v_equal(struct eng_expr_ctx *ctx, const val *a, const val *b);
/* ordering: sets *cmp (-1/0/1, 2 for NaN unordered); -1 when no overload */
int v_compare(const val *a, const val *b, int *cmp);

/* time: seconds/nanos helpers (CEL ranges) */
#define TS_MIN_SEC (-62135596800LL)   /* 0001-01-01T00:00:00Z */
#define TS_MAX_SEC 253402300799LL     /* 9999-12-31T23:59:59Z */
int ts_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec);
int dur_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec);
size_t ts_format(int64_t sec, int32_t nsec, char *buf);  /* buf >= 40 */
size_t dur_format(int64_t sec, int32_t nsec, char *buf); /* buf >= 40 */
size_t double_format(double d, char *buf);                /* buf >= 32 */

#endif
