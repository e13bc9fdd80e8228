/* fuzz expr: compiles the input as an eng-rules expression (names: "event",
 * aliases "a" and "b") and evaluates it against a fixed small event, once as
 * plain JSON and once with the --eval-jsonl typed encoding, then writes the
 * result both ways (text and jansson). Alias "b" is unbound. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr.h"

static json_t *event;
static struct eng_expr_ctx *ctx;
static struct eng_writer *w;
static const char *const alias_names[] = { "a", "b" };
static const struct eng_expr_env env = { "event", alias_names, 2 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char ev[] =
        "{\"id\":\"e1\",\"ts\":\"2024-07-04T18:00:00Z\",\"customer\":\"c1\","
        "\"channel\":\"social\",\"type\":\"tweet\",\"text\":\"I love it \xc3\xa9\","
        "\"n\":3,\"big\":9223372036854775807,\"x\":2.5,\"neg\":-1,"
        "\"ok\":true,\"no\":null,\"tags\":[\"a\",\"b\",1,2.0],"
        "\"geo\":{\"lat\":25.7617,\"lon\":-80.1918,\"city\":\"Miami\"},"
        "\"sentiment\":{\"compound\":-0.5,\"label\":\"negative\"},"
        "\"d\":{\"$double\":\"NaN\"},\"t\":{\"$timestamp\":\"2024-01-01T00:00:00Z\"},"
        "\"dur\":{\"$duration\":\"90s\"},\"empty\":{},\"list\":[[1],[2,3]]}";
    json_error_t je;
    if (!(event = json_loads(ev, 0, &je)) || !(ctx = eng_expr_ctx_new()))
        abort();
    w = eng_writer_new_fd(open("/dev/null", O_WRONLY));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    struct eng_expr *e = eng_expr_compile((const char *)data, size, &env,
                                          "fuzz", 1, 1, &err);
    if (!e) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    struct eng_expr_eq eq[8];
    eng_expr_eq_conjuncts(e, eq, 8);
    eng_expr_uses_alias(e, 0);
    eng_expr_uses_alias(e, 1);
    (void)eng_expr_text(e);
    const json_t *aliases[2] = { event, NULL };
    for (unsigned flags = 0; flags <= ENG_EXPR_TYPED_JSON; flags++) {
        eng_expr_ctx_set_flags(ctx, flags);
        const struct eng_expr_value *v = eng_expr_eval(e, ctx, event, aliases);
        if (!v)
            abort();
        (void)eng_expr_kind_name(v->kind);
        for (unsigned of = 0; of <= ENG_EXPR_OUT_TYPED; of++) {
            eng_expr_value_write(w, v, of);
            json_decref(eng_expr_value_to_json(v, of));
        }
        eng_expr_test(e, ctx, event, aliases, &err);
        eng_expr_eval(e, ctx, NULL, aliases);   /* no record at all */
    }
    eng_writer_flush(w);
    eng_expr_free(e);
    return 0;
}
