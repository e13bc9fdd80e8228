/* test_jsonscan: the strict JSON scanner agrees with jansson on what is
 * valid, and finds top-level members exactly. */
#include "jsonscan.h"
#include "tap.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct tcase {
    const char *text;
    size_t len;        /* 0: strlen(text) */
    int valid;         /* expected: 1 valid, 0 invalid */
    int is_object;     /* expected when valid */
    int jansson_differs; /* 1 where we differ from jansson on purpose */
};

#define T(s, v, o) { s, 0, v, o, 0 }
#define TL(s, v, o) { s, sizeof s - 1, v, o, 0 }

static const struct tcase cases[] = {
    /* valid objects and arrays */
    T("{}", 1, 1),
    T("  {}  ", 1, 1),
    T("\t\r\n{ }\n", 1, 1),
    T("{\"a\":1}", 1, 1),
    T("{\"a\" : 1 , \"b\" : [ 1 , 2 ] }", 1, 1),
    T("{\"a\":{\"b\":{\"c\":[]}}}", 1, 1),
    T("[]", 1, 0),
    T("[1,2,3]", 1, 0),
    T("[[],[[]],{}]", 1, 0),
    T("{\"\":\"\"}", 1, 1),
    T("{\"a\":true,\"b\":false,\"c\":null}", 1, 1),
    /* top-level scalars: valid, not objects */
    T("1", 1, 0),
    T("-0", 1, 0),
    T("\"str\"", 1, 0),
    T("true", 1, 0),
    T("null", 1, 0),
    T(" false ", 1, 0),
    /* numbers */
    T("[0,-1,1.5,-1.5e10,1E5,1e+5,1e-5,0.0,0e0,-0.0e-0]", 1, 0),
    T("[9223372036854775807]", 1, 0),
    T("[-9223372036854775808]", 1, 0),
    T("[9223372036854775808]", 0, 0),
    T("[-9223372036854775809]", 0, 0),
    T("[123456789012345678901234567890]", 0, 0),
    T("[123456789012345678901234567890.0]", 1, 0),
    T("[1e308]", 1, 0),
    T("[1.7976931348623157e308]", 1, 0),
    T("[1.7976931348623158e308]", 1, 0),   /* still rounds to DBL_MAX */
    T("[1.7976931348623159e308]", 0, 0),   /* rounds to infinity */
    T("[1e309]", 0, 0),
    T("[1e400]", 0, 0),
    T("[-1e400]", 0, 0),
    T("[0e400]", 1, 0),
    T("[0.0001e310]", 1, 0),
    T("[1e-400]", 1, 0),                   /* underflow is fine */
    T("[1e99999999999999999999]", 0, 0),
    T("[01]", 0, 0),
    T("[-01]", 0, 0),
    T("[00]", 0, 0),
    T("[+1]", 0, 0),
    T("[.5]", 0, 0),
    T("[1.]", 0, 0),
    T("[1.e5]", 0, 0),
    T("[1e]", 0, 0),
    T("[1e+]", 0, 0),
    T("[-]", 0, 0),
    T("[- 1]", 0, 0),
    T("[0x10]", 0, 0),
    T("[NaN]", 0, 0),
    T("[Infinity]", 0, 0),
    T("[1 2]", 0, 0),
    /* strings */
    T("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"]", 1, 0),
    T("[\"\\u0041\\u00e9\\uFFFF\"]", 1, 0),
    T("[\"\\uD834\\uDD1E\"]", 1, 0),        /* surrogate pair */
    T("[\"\\uD834\"]", 0, 0),               /* lone high surrogate */
    T("[\"\\uDD1E\"]", 0, 0),               /* lone low surrogate */
    T("[\"\\uD834\\u0041\"]", 0, 0),        /* high + non-low */
    T("[\"\\uD834x\"]", 0, 0),
    T("[\"\\u0000\"]", 0, 0),               /* jansson: needs ALLOW_NUL */
    T("[\"\\u00G0\"]", 0, 0),
    T("[\"\\u00\"]", 0, 0),
    T("[\"\\x41\"]", 0, 0),
    T("[\"\\a\"]", 0, 0),
    T("[\"\\'\"]", 0, 0),
    T("['single']", 0, 0),
    T("{'a':1}", 0, 0),
    T("[\"tab\there\"]", 0, 0),             /* raw control char */
    T("[\"nl\nhere\"]", 0, 0),
    T("[\"\x1f\"]", 0, 0),
    T("[\"\x7f\"]", 1, 0),                  /* DEL is not a control here */
    T("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e\"]", 1, 0),
    T("[\"\xc0\x80\"]", 0, 0),              /* overlong NUL */
    T("[\"\xed\xa0\x80\"]", 0, 0),          /* UTF-8 surrogate */
    T("[\"\xf5\x80\x80\x80\"]", 0, 0),      /* > U+10FFFF */
    T("[\"\xf4\x90\x80\x80\"]", 0, 0),
    T("[\"\xe2\x82\"]", 0, 0),              /* truncated */
    T("[\"\xff\"]", 0, 0),
    T("[\"unterminated]", 0, 0),
    T("\"abc", 0, 0),
    TL("[\"a\0b\"]", 0, 0),                 /* raw NUL */
    TL("[1]\0", 0, 0),
    /* structure */
    T("", 0, 0),
    T("   ", 0, 0),
    T("[1,]", 0, 0),                        /* trailing commas */
    T("{\"a\":1,}", 0, 0),
    T("[,1]", 0, 0),
    T("[1,,2]", 0, 0),
    T("{,}", 0, 0),
    T("{\"a\" 1}", 0, 0),
    T("{\"a\":}", 0, 0),
    T("{\"a\"}", 0, 0),
    T("{a:1}", 0, 0),
    T("{1:1}", 0, 0),
    T("{\"a\":1 \"b\":2}", 0, 0),
    T("[1}", 0, 0),
    T("{\"a\":1]", 0, 0),
    T("[", 0, 0),
    T("{", 0, 0),
    T("{\"a\"", 0, 0),
    T("{\"a\":", 0, 0),
    T("{\"a\":1", 0, 0),
    T("]", 0, 0),
    T("}", 0, 0),
    T("{}}", 0, 0),                         /* garbage after value */
    T("{} {}", 0, 0),
    T("{}x", 0, 0),
    T("[] 1", 0, 0),
    T("1 2", 0, 0),
    T("tru", 0, 0),
    T("nul", 0, 0),
    T("truex", 0, 0),
    T("[True]", 0, 0),
    T("\xef\xbb\xbf{}", 0, 0),              /* BOM */
    T("{\"a\":1}\f", 0, 0),                 /* form feed is not a blank */
    T("[\"a\"]\v", 0, 0),
    T("{\"a\":1,\"a\":2}", 1, 1),           /* duplicates are valid JSON */
};

static void test_table(void)
{
    size_t i, k;
    char name[256];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct tcase *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        struct eng_json_scan sc;
        json_error_t je;
        json_t *v;
        int rc = eng_json_scan(c->text, len, NULL, 0, &sc);

        snprintf(name, sizeof name, "table %zu: %s %.60s", i,
                 c->valid ? "valid" : "invalid", c->text);
        for (k = 0; name[k]; k++)   /* keep TAP lines one line each */
            if ((unsigned char)name[k] < 0x20)
                name[k] = '?';
        is_int(rc == 0, c->valid, name);
        if (rc == 0) {
            snprintf(name, sizeof name, "table %zu: is_object %d", i,
                     c->is_object);
            is_int(sc.is_object, c->is_object, name);
        } else {
            snprintf(name, sizeof name, "table %zu: error text and place", i);
            ok(sc.error && *sc.error && sc.error_at <= len, name);
        }
        v = json_loadb(c->text, len, JSON_DECODE_ANY, &je);
        snprintf(name, sizeof name, "table %zu: jansson agrees", i);
        if (!ok((v != NULL) == (rc == 0), name))
            printf("#   jansson: %s; scan: %s\n", v ? "ok" : je.text,
                   rc ? sc.error : "ok");
        json_decref(v);
    }
}

static char *nest(int levels, const char *open, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = malloc((size_t)levels * (lo + lc) + 1), *p = s;
    int i;
    for (i = 0; i < levels; i++, p += lo)
        memcpy(p, open, lo);
    for (i = 0; i < levels; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void test_depth(void)
{
    struct eng_json_scan sc;
    char *s;

    s = nest(100, "[", "]");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), 0, "depth: 100 levels ok");
    free(s);
    s = nest(ENG_JSONSCAN_MAX_DEPTH, "[", "]");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), 0,
           "depth: exactly the maximum (512) ok");
    free(s);
    s = nest(ENG_JSONSCAN_MAX_DEPTH + 1, "[", "]");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), -1, "depth: 513 fails");
    is_str(sc.error, "nesting too deep", "depth: 513 says why");
    is_int(sc.error_at, ENG_JSONSCAN_MAX_DEPTH, "depth: 513 error at the 513th '['");
    free(s);
    s = nest(600, "{\"a\":", "}");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), -1,
           "depth: 600 nested objects fail");
    is_str(sc.error, "nesting too deep", "depth: 600 objects say why");
    free(s);
    /* mixed objects and arrays: the bit stack must pop the right kind */
    s = nest(300, "{\"k\":[", "]}");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), -1,
           "depth: 600 mixed levels fail");
    free(s);
    s = nest(200, "{\"k\":[", "]}");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), 0,
           "depth: 400 mixed levels ok");
    is_int(sc.is_object, 1, "depth: mixed nesting top is object");
    is_int(sc.nmembers, 1, "depth: mixed nesting one top-level member");
    free(s);
    /* an unterminated deep prefix: error, no crash */
    s = nest(100000, "[", "");
    is_int(eng_json_scan(s, strlen(s), NULL, 0, &sc), -1,
           "depth: 100000 open brackets fail cleanly");
    free(s);
}

static void test_errors(void)
{
    struct eng_json_scan sc;
    is_int(eng_json_scan("{\"a\":1,}", 8, NULL, 0, &sc), -1,
           "error: trailing comma rejected");
    is_str(sc.error, "expected '\"' (object key)", "error: trailing comma text");
    is_int(sc.error_at, 7, "error: trailing comma points at '}'");
    eng_json_scan("{\"a\":01}", 8, NULL, 0, &sc);
    is_int(sc.error_at, 6, "error: leading zero points at second digit");
    eng_json_scan("[\"\\uD800\"]", 10, NULL, 0, &sc);
    is_str(sc.error, "lone high surrogate in \\u escape", "error: lone surrogate text");
    eng_json_scan("{} x", 4, NULL, 0, &sc);
    is_str(sc.error, "garbage after value", "error: garbage text");
    is_int(sc.error_at, 3, "error: garbage offset");
    eng_json_scan("[\"a\x01\"]", 5, NULL, 0, &sc);
    is_str(sc.error, "control character in string", "error: control char text");
    is_int(sc.error_at, 3, "error: control char offset");
    eng_json_scan("[\"ab\xc3\x28\"]", 7, NULL, 0, &sc);
    is_str(sc.error, "invalid UTF-8", "error: invalid UTF-8 text");
    is_int(sc.error_at, 4, "error: invalid UTF-8 offset at lead byte");
    /* the scanner never reads past len: the text continues in memory */
    is_int(eng_json_scan("[1]]", 3, NULL, 0, &sc), 0, "bounds: stops at len");
    is_int(eng_json_scan("\"abcdefghijklmnop\"", 10, NULL, 0, &sc), -1,
           "bounds: string cut by len is unterminated");
    is_int(eng_json_scan("tr", 2, NULL, 0, &sc), -1, "bounds: cut literal");
    is_int(eng_json_scan("[\"\\u12", 6, NULL, 0, &sc), -1, "bounds: cut \\u");
}

#define NW 5
static void want_init(struct eng_json_member *w)
{
    static const char *keys[NW] = { "id", "ts", "customer", "source", "n" };
    int i;
    for (i = 0; i < NW; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].key = keys[i];
        w[i].kind = ENG_JSON_ARRAY;   /* garbage: the scan must reset it */
    }
}

static int val_is(const struct eng_json_member *m, const char *want)
{
    return m->val && m->val_len == strlen(want) &&
           memcmp(m->val, want, m->val_len) == 0;
}

static void test_members(void)
{
    struct eng_json_member w[NW];
    struct eng_json_scan sc;
    const char *s;

    want_init(w);
    s = "{\"id\":\"e1\",\"geo\":{\"id\":\"inner\",\"ts\":5},\"ts\":\"2024-03-01\","
        "\"customer\":{\"id\":\"c1\",\"x\":[1,{\"source\":2}]},\"n\":-1.5e3}  ";
    is_int(eng_json_scan(s, strlen(s), w, NW, &sc), 0, "members: valid line");
    is_int(sc.is_object, 1, "members: is object");
    is_int(sc.nmembers, 5, "members: five top-level members");
    is_int(sc.close_brace, strlen(s) - 3, "members: close_brace offset");
    is_int(sc.dup_key, 0, "members: no duplicate");
    is_int(w[0].kind, ENG_JSON_STRING, "members: id is a string");
    ok(val_is(&w[0], "e1"), "members: id value is top-level, not geo.id");
    is_int(w[1].kind, ENG_JSON_STRING, "members: ts is a string");
    ok(val_is(&w[1], "2024-03-01"), "members: ts is top-level, not geo.ts");
    is_int(w[2].kind, ENG_JSON_OBJECT, "members: customer is an object");
    ok(val_is(&w[2], "{\"id\":\"c1\",\"x\":[1,{\"source\":2}]}"),
       "members: object value text spans its braces");
    is_int(w[3].kind, ENG_JSON_NONE, "members: nested source is not found");
    ok(w[3].val == NULL && w[3].val_len == 0, "members: absent has no value");
    is_int(w[4].kind, ENG_JSON_NUMBER, "members: n is a number");
    ok(val_is(&w[4], "-1.5e3"), "members: number text");

    want_init(w);
    s = "{ \"id\" : \"a\\\"b\\u00e9\" , \"ts\" : [ 1 , 2 ] , \"source\":true,"
        "\"customer\":null,\"n\":false }";
    is_int(eng_json_scan(s, strlen(s), w, NW, &sc), 0, "members: spaced line");
    ok(val_is(&w[0], "a\\\"b\\u00e9"), "members: escaped string kept raw");
    is_int(w[0].escaped, 1, "members: escaped flag set");
    ok(val_is(&w[1], "[ 1 , 2 ]"), "members: array text without trailing blank");
    is_int(w[1].kind, ENG_JSON_ARRAY, "members: array kind");
    is_int(w[2].kind, ENG_JSON_NULL, "members: null kind");
    is_int(w[3].kind, ENG_JSON_TRUE, "members: true kind");
    is_int(w[4].kind, ENG_JSON_FALSE, "members: false kind");
    ok(val_is(&w[3], "true"), "members: literal text");
    is_int(sc.close_brace, strlen(s) - 1, "members: close_brace after blank");

    want_init(w);
    s = "{\"id\":\"first\",\"x\":1,\"id\":\"second\"}";
    is_int(eng_json_scan(s, strlen(s), w, NW, &sc), 0,
           "dup: duplicate keys are still valid JSON");
    is_int(sc.dup_key, 1, "dup: wanted key twice is flagged");
    ok(val_is(&w[0], "second"), "dup: last value wins, as in jansson");
    is_int(sc.nmembers, 3, "dup: all members counted");

    want_init(w);
    s = "{\"x\":1,\"x\":2,\"id\":\"a\"}";
    eng_json_scan(s, strlen(s), w, NW, &sc);
    is_int(sc.dup_key, 0, "dup: unwanted duplicate not flagged (documented)");

    want_init(w);
    s = "{\"\\u0069d\":\"esc\",\"id\":\"plain\"}";
    eng_json_scan(s, strlen(s), w, NW, &sc);
    is_int(sc.dup_key, 1, "dup: \\u-escaped key equals wanted key");
    ok(val_is(&w[0], "plain"), "dup: escaped key matched after unescaping");

    want_init(w);
    s = "{\"i\\u0064\":\"esc\"}";
    eng_json_scan(s, strlen(s), w, NW, &sc);
    ok(val_is(&w[0], "esc"), "members: escaped key found");
    is_int(w[0].escaped, 0, "members: escaped flag is about the value");

    want_init(w);
    s = "{\"id\\n\":1,\"idx\":2,\"i\":3,\"\\u00e9\":4}";
    eng_json_scan(s, strlen(s), w, NW, &sc);
    is_int(w[0].kind, ENG_JSON_NONE, "members: near-miss keys do not match");

    want_init(w);
    s = "[{\"id\":\"a\"}]";
    is_int(eng_json_scan(s, strlen(s), w, NW, &sc), 0, "members: array top");
    is_int(w[0].kind, ENG_JSON_NONE, "members: no members in an array top");
    is_int(sc.nmembers, 0, "members: array has no members");

    want_init(w);
    s = "{}";
    eng_json_scan(s, 2, w, NW, &sc);
    is_int(sc.nmembers, 0, "members: {} has none");
    is_int(sc.close_brace, 1, "members: {} close_brace");
    is_int(w[0].kind, ENG_JSON_NONE, "members: {} id absent");

    want_init(w);
    s = "{\"id\":\"a\",\"ts\":}";
    is_int(eng_json_scan(s, strlen(s), w, NW, &sc), -1, "members: invalid line");
    is_int(sc.is_object, 0, "members: invalid line is not an object");

    want_init(w);
    s = "{\"id\":\"\"}";
    eng_json_scan(s, strlen(s), w, NW, &sc);
    is_int(w[0].kind, ENG_JSON_STRING, "members: empty string kind");
    is_int(w[0].val_len, 0, "members: empty string length");
    ok(w[0].val == s + 7, "members: empty string points inside quotes");
}

/* Long strings cross the 8-byte fast path at every alignment. */
static void test_alignment(void)
{
    char buf[64];
    struct eng_json_scan sc;
    int pos, ok_all = 1;
    for (pos = 0; pos < 24; pos++) {
        size_t n;
        memset(buf, 0, sizeof buf);
        buf[0] = '[';
        buf[1] = '"';
        memset(buf + 2, 'a', 30);
        buf[32] = '"';
        buf[33] = ']';
        n = 34;
        buf[2 + pos] = '\x01';           /* a control char somewhere */
        if (eng_json_scan(buf, n, NULL, 0, &sc) != -1 ||
            sc.error_at != (size_t)(2 + pos))
            ok_all = 0;
        buf[2 + pos] = '"';              /* an early end: then garbage */
        if (eng_json_scan(buf, n, NULL, 0, &sc) != -1)
            ok_all = 0;
        buf[2 + pos] = '\\';             /* \a : invalid escape */
        if (eng_json_scan(buf, n, NULL, 0, &sc) != -1 ||
            strcmp(sc.error, "invalid escape") != 0)
            ok_all = 0;
        buf[2 + pos] = '~';
        if (eng_json_scan(buf, n, NULL, 0, &sc) != 0)
            ok_all = 0;
    }
    ok(ok_all, "strings: special bytes found at every offset of the fast path");
}

/* Differential test: random mutations of event-like lines (byte changes,
 * insertions of JSON-significant bytes, cuts) must be accepted by the
 * scanner exactly when jansson accepts them. Deterministic. */
static void test_mutations(void)
{
    static const char *seeds[] = {
        "{\"id\":\"e1\",\"ts\":\"2024-03-01T00:00:00Z\",\"n\":-12.5e3,"
        "\"geo\":{\"lat\":25.75,\"lon\":-80.2},\"tags\":[\"a\",true,null,0]}",
        "{\"text\":\"caf\xc3\xa9 \\\"q\\\" \\u00e9\\uD834\\uDD1E \xe2\x82\xac\",\"x\":[[],{}]}",
        "[1,2.0,-0,1e5,\"\\n\\t\\/\",false]",
    };
    static const char ins[] = "\"\\{}[],:0123456789.eE+-tfnu \x01\x80\xc3\xed\xf4";
    unsigned long long rng = 88172645463325252ULL;
    int disagree = 0, i, valid = 0;
    char buf[512], first[600] = "";

    for (i = 0; i < 30000; i++) {
        const char *seed = seeds[i % 3];
        size_t len = strlen(seed), k, nmut;
        struct eng_json_scan sc;
        json_t *v;
        int rc;
        memcpy(buf, seed, len);
        nmut = 1 + (i / 3) % 3;
        for (k = 0; k < nmut; k++) {
            size_t pos;
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
            pos = (size_t)(rng >> 8) % (len + 1);
            switch (rng % 4) {
            case 0:   /* replace */
                if (pos < len)
                    buf[pos] = ins[(rng >> 40) % (sizeof ins - 1)];
                break;
            case 1:   /* insert */
                if (len + 1 < sizeof buf) {
                    memmove(buf + pos + 1, buf + pos, len - pos);
                    buf[pos] = ins[(rng >> 40) % (sizeof ins - 1)];
                    len++;
                }
                break;
            case 2:   /* delete */
                if (pos < len) {
                    memmove(buf + pos, buf + pos + 1, len - pos - 1);
                    len--;
                }
                break;
            default:  /* cut */
                len = pos;
                break;
            }
        }
        rc = eng_json_scan(buf, len, NULL, 0, &sc);
        v = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
        valid += rc == 0;
        if ((v != NULL) != (rc == 0)) {
            if (!disagree++)
                snprintf(first, sizeof first, "%.*s (scan: %s)", (int)len,
                         buf, rc ? sc.error : "ok");
        }
        json_decref(v);
    }
    if (!ok(disagree == 0, "mutations: agrees with jansson on 30000 mutants"))
        printf("#   %d disagreements, first: %s\n", disagree, first);
    ok(valid > 1000 && valid < 29000, "mutations: both valid and invalid mutants seen");
}

int main(void)
{
    test_table();
    test_depth();
    test_errors();
    test_members();
    test_alignment();
    test_mutations();
    return done_testing();
}
