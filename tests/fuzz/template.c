/* fuzz template: compiles the input as a "{{path}}" template and renders it
 * against a fixed event (whole-record name "event", aliases "a" and "b"),
 * raw and JSON-escaped. When the template text is valid UTF-8, the
 * JSON-escaped rendering between quotes must be a JSON string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "template.h"

static json_t *event, *alias_a;
static const char *const names[] = { "a", "b" };
static const json_t *values[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_error_t je;
    event = json_loads(
        "{\"id\":\"e1\",\"customer\":\"c1\",\"type\":\"tweet\","
        "\"text\":\"say \\\"hi\\\"\\n\\u0001 caf\xc3\xa9\",\"n\":3,\"x\":90.0,"
        "\"y\":1e300,\"ok\":false,\"no\":null,\"tags\":[\"a\",{\"b\":[1,2]}],"
        "\"geo\":{\"city\":\"Miami\",\"odd key\":\"v\"}}", 0, &je);
    alias_a = json_loads("{\"type\":\"page_view\",\"n\":-7}", 0, &je);
    if (!event || !alias_a)
        abort();
    values[0] = alias_a;
    values[1] = event;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    const char *s = (const char *)data;
    struct eng_template *t = eng_template_compile(s, size, &err);
    if (!t) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    struct eng_tmpl_scope scope = { "event", event, names, values, 2 };
    struct eng_tmpl_scope bare = { NULL, event, NULL, NULL, 0 };
    struct eng_tmpl_buf raw = { 0 }, js = { 0 };
    unsigned long long missing = 0;
    (void)eng_template_is_literal(t);
    (void)eng_template_nfields(t);
    if (eng_template_render(t, &scope, ENG_TMPL_NONE, &raw, &missing) < 0 ||
        eng_template_render(t, &bare, ENG_TMPL_NONE, &raw, &missing) < 0)
        abort();
    if (eng_tmpl_buf_put(&js, "\"", 1, ENG_TMPL_NONE) < 0 ||
        eng_template_render(t, &scope, ENG_TMPL_JSON, &js, &missing) < 0 ||
        eng_tmpl_buf_put(&js, "\"", 1, ENG_TMPL_NONE) < 0)
        abort();
    if (eng_utf8_valid(s, size, NULL)) {
        json_error_t je;
        json_t *v = json_loadb(js.data, js.len,
                               JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (!v || !json_is_string(v))
            abort();
        json_decref(v);
    }
    eng_tmpl_buf_free(&raw);
    eng_tmpl_buf_free(&js);
    eng_template_free(t);
    return 0;
}
