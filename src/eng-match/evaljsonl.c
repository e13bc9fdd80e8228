/* evaljsonl: eng-match --eval-jsonl (../shared/cel/EVAL-JSONL.md).
 *
 * For each input line:
 *   obj = JSON object with a string "expr" (else: error line)
 *   compile expr with no whole-record name, so every name is a variable;
 *   evaluate against obj.bindings (default {}) read in the typed encoding
 *     ({"$double": "NaN"}, {"$timestamp": ...}, {"$duration": ...});
 *   write {"value": V, "type": T} or {"error": MESSAGE}, then flush.
 * Lines are independent; a bad line never stops the run, and exactly one
 * answer line comes out per input line.
 */
#include <string.h>

#include <jansson.h>

#include "evaljsonl.h"
#include "expr.h"

static int answer_error(struct eng_writer *out, const char *msg)
{
    if (!msg || !*msg)
        msg = "error";
    if (eng_writer_puts(out, "{\"error\":") < 0 ||
        eng_writer_json_string(out, msg, strlen(msg)) < 0 ||
        eng_writer_puts(out, "}\n") < 0)
        return -1;
    return 0;
}

/* Answers one line. Returns -1 only on a write error. */
static int answer(const struct eng_line *line, struct eng_expr_ctx *ctx,
                  struct eng_writer *out)
{
    if (line->too_long)
        return answer_error(out, "input line too long");
    json_error_t jerr;
    json_t *obj = json_loadb(line->data, line->len, JSON_ALLOW_NUL, &jerr);
    if (!obj)
        return answer_error(out, jerr.text);
    json_t *expr = json_object_get(obj, "expr");
    json_t *bindings = json_object_get(obj, "bindings");
    int rc;
    if (!json_is_object(obj) || !json_is_string(expr)) {
        rc = answer_error(out, "input is not an object with a string \"expr\"");
    } else if (bindings && !json_is_object(bindings)) {
        rc = answer_error(out, "\"bindings\" is not an object");
    } else {
        static const struct eng_expr_env env = { NULL, NULL, 0 };
        struct eng_error err;
        struct eng_expr *e = eng_expr_compile(json_string_value(expr),
                                              json_string_length(expr), &env,
                                              "expr", 1, 1, &err);
        if (!e) {
            rc = answer_error(out, err.msg);
        } else {
            json_t *empty = bindings ? NULL : json_object();
            const struct eng_expr_value *v =
                eng_expr_eval(e, ctx, bindings ? bindings : empty, NULL);
            if (v->kind == ENG_EXPR_ERROR) {
                rc = answer_error(out, v->u.str.s);
            } else {
                const char *t = eng_expr_kind_name(v->kind);
                rc = (eng_writer_puts(out, "{\"value\":") < 0 ||
                      eng_expr_value_write(out, v, ENG_EXPR_OUT_TYPED) < 0 ||
                      eng_writer_puts(out, ",\"type\":\"") < 0 ||
                      eng_writer_puts(out, t) < 0 ||
                      eng_writer_puts(out, "\"}\n") < 0) ? -1 : 0;
            }
            json_decref(empty);
            eng_expr_free(e);
        }
    }
    json_decref(obj);
    return rc;
}

int evaljsonl_run(struct eng_reader *in, struct eng_writer *out,
                  struct eng_error *err)
{
    struct eng_expr_ctx *ctx = eng_expr_ctx_new();
    if (!ctx) {
        eng_error_set(err, "out of memory");
        return -1;
    }
    eng_expr_ctx_set_flags(ctx, ENG_EXPR_TYPED_JSON);
    struct eng_line line;
    int rc;
    while ((rc = eng_reader_next(in, &line, err)) == 1) {
        if (answer(&line, ctx, out) < 0 || eng_writer_flush(out) < 0) {
            eng_error_set(err, "write error");
            eng_expr_ctx_free(ctx);
            return -1;
        }
    }
    eng_expr_ctx_free(ctx);
    if (eng_writer_flush(out) < 0 && rc == 0) {
        eng_error_set(err, "write error");
        return -1;
    }
    return rc < 0 ? -1 : 0;
}
