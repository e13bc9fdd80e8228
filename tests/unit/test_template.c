/* Unit tests for template: compile errors, name resolution, defaults,
 * missing counts, value rendering and per-sink escaping. */
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "tap.h"
#include "template.h"

static json_t *ev;
static json_t *alias_v;
static const char *alias_names[] = { "cart" };
static const json_t *alias_vals[1];

/* Renders text against the fixture event; returns a static copy, or
 * "<compile error: ...>". *miss receives the missing count. */
static const char *render(const char *text, enum eng_tmpl_escape esc,
                          unsigned long long *miss)
{
    static char out[4096];
    struct eng_error err;
    struct eng_tmpl_buf b = {0};
    struct eng_tmpl_scope sc = { "event", ev, alias_names, alias_vals, 1 };
    unsigned long long m = 0;
    struct eng_template *t = eng_template_compile(text, strlen(text), &err);
    if (!t) {
        snprintf(out, sizeof out, "<compile error: %s>", err.msg);
        return out;
    }
    if (eng_template_render(t, &sc, esc, &b, &m) < 0)
        snprintf(out, sizeof out, "<render failed>");
    else
        snprintf(out, sizeof out, "%s", b.data);
    if (miss)
        *miss = m;
    eng_tmpl_buf_free(&b);
    eng_template_free(t);
    return out;
}

static const char *R(const char *text) { return render(text, ENG_TMPL_NONE, NULL); }
static const char *J(const char *text) { return render(text, ENG_TMPL_JSON, NULL); }

int main(void)
{
    unsigned long long miss;

    ev = json_loads("{\"customer\":\"c42\",\"geo\":{\"city\":\"Paris\"},"
                    "\"temp\":90.0,\"n\":12,\"big\":-9007199254740993,"
                    "\"r\":0.1,\"e\":1e2,\"ok\":true,\"no\":null,"
                    "\"tags\":[\"a\",\"b\\\"c\"],\"obj\":{\"k\":1.5},"
                    "\"q\":\"say \\\"hi\\\"\\n\\u0001\",\"cart\":\"shadowed\","
                    "\"event\":\"field named event\",\"odd key\":\"odd\"}",
                    0, NULL);
    alias_v = json_loads("{\"sku\":\"SKU-1\"}", 0, NULL);
    alias_vals[0] = alias_v;

    /* literals */
    is_str(R(""), "", "empty template renders empty");
    is_str(R("plain text } { }}"), "plain text } { }}",
           "text without '{{' is literal, stray braces included");
    {
        struct eng_error err;
        struct eng_template *t = eng_template_compile("a {{b}} c", 9, &err);
        ok(t && !eng_template_is_literal(t) && eng_template_nfields(t) == 1,
           "a template with one placeholder is not literal, nfields 1");
        eng_template_free(t);
        t = eng_template_compile("abc", 3, &err);
        ok(t && eng_template_is_literal(t), "a template without placeholders is literal");
        eng_template_free(t);
    }

    /* fields and resolution */
    is_str(R("Hi {{customer}}!"), "Hi c42!", "top-level field");
    is_str(R("{{geo.city}} / {{ geo.city }}"), "Paris / Paris",
           "dotted path, blanks inside braces allowed");
    is_str(R("{{event.customer}}"), "c42", "event names the whole record");
    is_str(R("{{event.geo}}"), "{\"city\":\"Paris\"}", "a map through event renders as JSON");
    is_str(R("{{cart.sku}}"), "SKU-1", "alias wins over a field of the same name");
    is_str(R("{{tags[1]}}|{{tags[-1]}}|{{tags[0]}}"), "b\"c|b\"c|a",
           "index steps, negative from the end");
    is_str(R("{{[\"odd key\"]}}"), "odd", "bracketed quoted name");
    is_str(R("{{geo[\"city\"]}}"), "Paris", "bracketed key after a name");

    /* value rendering */
    is_str(R("{{n}} {{temp}} {{r}} {{e}} {{big}}"),
           "12 90.0 0.1 100.0 -9007199254740993",
           "ints as written, reals shortest with .0");
    is_str(R("{{event.obj.k}}"), "1.5", "real 1.5");
    {
        json_t *nums = json_loads("[1.5e300,1e-7,0.001,123456789012345678.0,-2.5,"
                                  "0.30000000000000004,1e16]", 0, NULL);
        struct eng_tmpl_buf b = {0};
        eng_tmpl_buf_json(&b, nums, ENG_TMPL_NONE);
        is_str(b.data, "[1.5e+300,1e-07,0.001,1.2345678901234568e+17,-2.5,"
               "0.30000000000000004,10000000000000000.0]",
               "reals: exponent form only for large or tiny magnitudes");
        eng_tmpl_buf_free(&b);
        json_decref(nums);
    }
    is_str(R("{{ok}}"), "true", "bool renders as JSON text");
    is_str(R("{{tags}}"), "[\"a\",\"b\\\"c\"]", "list renders as compact JSON");
    is_str(R("{{obj}}"), "{\"k\":1.5}", "map renders as compact JSON");

    /* missing values and defaults */
    is_str(render("[{{nope}}]", ENG_TMPL_NONE, &miss), "[]", "missing renders empty");
    is_int(miss, 1, "missing counted once");
    is_str(render("{{no}}|{{geo.city.x}}|{{n[0]}}", ENG_TMPL_NONE, &miss), "||",
           "null, step through a string, index into a number: all missing");
    is_int(miss, 3, "three missing counted");
    is_str(render("{{nope | default: \"friend\"}}", ENG_TMPL_NONE, &miss),
           "friend", "default used when missing");
    is_int(miss, 1, "a missing value with a default is still counted");
    is_str(render("{{customer|default:'x'}}", ENG_TMPL_NONE, &miss), "c42",
           "default not used when present; no blanks needed");
    is_int(miss, 0, "present value not counted");
    is_str(R("{{no | default: 'it\\'s'}}"), "it's", "single-quoted default with \\'");
    is_str(R("{{no | default: \"a\\u00e9}}\"}}"), "a\xc3\xa9}}",
           "double-quoted default: JSON escapes, '}}' inside quotes");
    is_str(R("{{event.nope}}"), "", "missing member of the whole record");

    /* JSON sink escaping */
    is_str(J("{{q}}"), "say \\\"hi\\\"\\n\\u0001", "JSON sink escapes quotes, newline, controls");
    is_str(J("x\"{{tags}}\""), "x\\\"[\\\"a\\\",\\\"b\\\\\\\"c\\\"]\\\"",
           "JSON sink escapes literal text and list JSON");
    is_str(R("{{q}}"), "say \"hi\"\n\x01", "no escaping for plain sink");

    /* compile errors */
    is_str(R("ab {{x"), "<compile error: unterminated '{{' at column 4>",
           "unterminated placeholder");
    is_str(R("{{}}"), "<compile error: empty '{{}}' at column 1>", "empty placeholder");
    is_str(R("{{ | default: \"x\"}}"),
           "<compile error: missing path before '|' at column 4>", "filter without path");
    is_str(R("{{a | upper}}"),
           "<compile error: unknown filter 'upper' at column 7 (expected default)>",
           "unknown filter");
    is_str(R("{{a | default \"x\"}}"),
           "<compile error: expected ':' after default at column 15>",
           "default without colon");
    is_str(R("{{a | default: x}}"),
           "<compile error: expected a quoted string after 'default:' at column 16>",
           "unquoted default");
    is_str(R("{{a | default: \"x}}"),
           "<compile error: expected a quoted string after 'default:' at column 16>",
           "unterminated default string");
    is_str(R("{{a b}}"), "<compile error: expected '}}' at column 5>",
           "two words in a placeholder");
    ok(strncmp(R("{{a..b}}"), "<compile error: bad path", 24) == 0,
       "bad path is a compile error");
    is_str(R("{{a[\"x}}\"]}}"), "", "quoted '}}' inside brackets belongs to the path");

    /* lookup for callers */
    {
        struct eng_error err;
        struct eng_path *p = eng_path_compile("geo.city", &err);
        struct eng_tmpl_scope sc = { "event", ev, NULL, NULL, 0 };
        const json_t *v = eng_template_lookup(p, &sc);
        ok(v && strcmp(json_string_value(v), "Paris") == 0, "lookup resolves a path");
        eng_path_free(p);
        struct eng_tmpl_scope nowhole = { NULL, ev, NULL, NULL, 0 };
        p = eng_path_compile("event", &err);
        v = eng_template_lookup(p, &nowhole);
        ok(v && strcmp(json_string_value(v), "field named event") == 0,
           "without a whole-record name, 'event' is a field");
        eng_path_free(p);
    }

    /* buffer reuse appends */
    {
        struct eng_error err;
        struct eng_tmpl_buf b = {0};
        struct eng_tmpl_scope sc = { "event", ev, NULL, NULL, 0 };
        struct eng_template *t = eng_template_compile("{{n}},", 6, &err);
        for (int i = 0; i < 1000; i++)
            eng_template_render(t, &sc, ENG_TMPL_NONE, &b, NULL);
        ok(b.len == 3000 && strncmp(b.data + 2997, "12,", 3) == 0,
           "rendering appends; buffer grows across 1000 renders");
        eng_tmpl_buf_free(&b);
        eng_template_free(t);
    }

    json_decref(ev);
    json_decref(alias_v);
    return done_testing();
}
