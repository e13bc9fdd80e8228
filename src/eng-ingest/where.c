/* where: --where EXPR on eng-ingest's output events (see where.h). */
#include "where.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "expr.h"

/* Errors are reported on stderr for the first few events only: one bad
 * field in a big file must not flood the terminal. */
#define WHERE_ERRORS_SHOWN 5

struct where {
    struct eng_expr *expr;
    struct eng_expr_ctx *ctx;
    unsigned long long errors;
};

struct where *where_new(const char *text, struct eng_error *err)
{
    struct where *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->expr = eng_expr_compile(text, strlen(text), NULL, "--where", 1, 1, err);
    w->ctx = eng_expr_ctx_new();
    if (!w->expr || !w->ctx) {
        if (w->expr && !w->ctx)
            eng_error_set(err, "--where: out of memory");
        where_free(w);
        return NULL;
    }
    return w;
}

void where_free(struct where *w)
{
    if (!w)
        return;
    eng_expr_free(w->expr);
    eng_expr_ctx_free(w->ctx);
    free(w);
}

int where_keep(struct where *w, const char *text, size_t len)
{
    struct eng_error err;
    /* The text is an event eng-ingest has just written itself: valid JSON. */
    json_t *ev = json_loadb(text, len, 0, NULL);
    int r = eng_expr_test(w->expr, w->ctx, ev, NULL, &err);
    if (r < 0 && ++w->errors <= WHERE_ERRORS_SHOWN) {
        const char *id = json_string_value(json_object_get(ev, "id"));
        eng_warn("--where: %s (event %s)%s", err.msg, id ? id : "?",
                 w->errors == WHERE_ERRORS_SHOWN ? "; further errors counted"
                                                   " in --stats only" : "");
    }
    json_decref(ev);
    return r == 1;
}

unsigned long long where_errors(const struct where *w)
{
    return w->errors;
}
