/* test_expr: the rule language (expr.h). Parse errors with their places,
 * name resolution (record name, aliases, fields), CEL error values and
 * their absorption by && / ||, every function and operator, time zones,
 * overflow, the value writers, the rule-index conjuncts, hostile input, and
 * that evaluating a condition on the common paths never calls malloc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* __libc_malloc and friends */
#endif
#include "tap.h"
#include "expr.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- malloc
 * Counting allocations: the test program interposes malloc and friends
 * (forwarding to glibc's __libc_* entry points), which the static libeng,
 * jansson and pcre2 all reach through the dynamic symbol table. Under
 * AddressSanitizer the sanitizer owns malloc, so the counting test is
 * skipped there (the plain build in make check runs it). */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif

static long n_allocs;
#if COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n) { n_allocs++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { n_allocs++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { n_allocs++; return __libc_realloc(p, n); }
#endif

/* ---------------------------------------------------------------- helpers */

static struct eng_expr_ctx *ctx;
static char outbuf[16][1200];
static int outi;

/* Evaluates text against record JSON (NULL: {}) with env; returns the typed
 * JSON of the value, "error: MSG" or "compile: MSG". */
static const char *eval_env(const char *text, const char *record,
                            const struct eng_expr_env *env,
                            const json_t *const *aliases)
{
    char *b = outbuf[outi++ % 16];
    struct eng_error err;
    struct eng_expr *e = eng_expr_compile(text, strlen(text), env, NULL, 1, 1,
                                          &err);
    if (!e) {
        snprintf(b, 1200, "compile: %s", err.msg);
        return b;
    }
    json_t *rec = record ? json_loads(record, 0, NULL) : json_object();
    const struct eng_expr_value *v = eng_expr_eval(e, ctx, rec, aliases);
    if (v->kind == ENG_EXPR_ERROR) {
        snprintf(b, 1200, "error: %s", v->u.str.s);
    } else {
        json_t *j = eng_expr_value_to_json(v, ENG_EXPR_OUT_TYPED);
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY |
                                JSON_REAL_PRECISION(17));
        snprintf(b, 1200, "%s", s ? s : "(null)");
        free(s);
        json_decref(j);
    }
    json_decref(rec);
    eng_expr_free(e);
    return b;
}

static const char *ev(const char *text, const char *record)
{
    return eval_env(text, record, NULL, NULL);
}

static const char *E(const char *text) { return ev(text, NULL); }

/* The compile error for text placed at rules.yaml:14:22. */
static const char *perr(const char *text)
{
    char *b = outbuf[outi++ % 16];
    struct eng_error err;
    struct eng_expr *e = eng_expr_compile(text, strlen(text), NULL,
                                          "rules.yaml", 14, 22, &err);
    if (e) {
        eng_expr_free(e);
        return "(compiled)";
    }
    snprintf(b, 1200, "%s", err.msg);
    return b;
}

/* What eng_expr_value_write writes, through a pipe. */
static const char *written(const struct eng_expr_value *v, unsigned flags)
{
    char *b = outbuf[outi++ % 16];
    int fd[2];
    b[0] = '\0';
    if (pipe(fd) != 0)
        return "(pipe)";
    struct eng_writer *w = eng_writer_new_fd(fd[1]);
    int rc = eng_expr_value_write(w, v, flags);
    eng_writer_flush(w);
    eng_writer_free(w);
    close(fd[1]);
    ssize_t r = read(fd[0], b, 1199);
    close(fd[0]);
    b[r > 0 ? r : 0] = '\0';
    return rc < 0 ? "(write error)" : b;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

#define is_err(got, name) do { \
    const char *g__ = (got); \
    if (!ok(starts(g__, "error: "), name)) printf("#   got: '%s'\n", g__); \
} while (0)

static const char *EV = "{\"id\":\"e1\",\"type\":\"purchase\",\"amount\":120.5,"
    "\"qty\":3,\"tags\":[\"a\",\"b\"],\"geo\":{\"city\":\"Paris\",\"lat\":48.8566,"
    "\"lon\":2.3522},\"ts\":\"2024-07-04T18:00:00.250Z\",\"n\":null,"
    "\"flag\":true,\"sku\":\"S1\"}";

/* ---------------------------------------------------------------- tests */

static void test_parse_errors(void)
{
    is_str(perr("a +"), "rules.yaml:14:25: expected an expression, found end of expression",
           "parse: missing operand, column of the end");
    is_str(perr("size(a, b"), "rules.yaml:14:31: expected ')' after arguments, found end of expression",
           "parse: unclosed call");
    is_str(perr("f(1)"), "rules.yaml:14:22: unknown function 'f'",
           "parse: unknown function at its name");
    is_str(perr("a &&\n  (b ||"), "rules.yaml:15:8: expected an expression, found end of expression",
           "parse: a newline moves to the next line, column 1");
    is_str(perr("a == 'x"), "rules.yaml:14:27: unterminated string literal",
           "parse: unterminated string");
    is_str(perr("'\\q'"), "rules.yaml:14:23: bad escape sequence '\\q'",
           "parse: bad escape");
    is_str(perr("9223372036854775808"), "rules.yaml:14:22: integer literal out of range",
           "parse: int literal out of range");
    is_str(perr("1u"), "rules.yaml:14:22: unsigned integers are not supported",
           "parse: uint literal refused");
    is_str(perr("a = 1"), "rules.yaml:14:24: unexpected character '='",
           "parse: single '='");
    is_str(perr("a b"), "rules.yaml:14:24: expected an operator or the end of the expression, found name",
           "parse: two names");
    is_str(perr("has(a)"), "rules.yaml:14:22: has() needs a field selection, as in has(event.field)",
           "parse: has() of a bare name");
    is_str(perr("s.matches('(')"), "rules.yaml:14:32: bad regular expression: missing closing parenthesis at offset 1",
           "parse: bad literal regex at compile time");
    is_str(perr("'a'.contains()"), "rules.yaml:14:26: wrong number of arguments to 'contains'",
           "parse: arity");
    is_str(perr("contains('a', 'b')"), "rules.yaml:14:22: 'contains' is a method (write x.contains(...))",
           "parse: method called as a function");
    is_str(perr("[1, 2"), "rules.yaml:14:27: expected ']' after list elements, found end of expression",
           "parse: unclosed list");
    is_str(perr("{'a' 1}"), "rules.yaml:14:27: expected ':' after map key, found number",
           "parse: map without colon");
    is_str(perr("b'x'"), "rules.yaml:14:22: bytes literals are not supported",
           "parse: bytes refused");
    is_str(perr("a.all(1, true)"), "rules.yaml:14:28: expected a variable name as first argument of the macro, found number",
           "parse: macro variable must be a name");
    is_str(perr("'\xff'"), "rules.yaml:14:22: string literal is not valid UTF-8",
           "parse: invalid UTF-8 in a literal");
    is_str(perr("a\xc3\xa9"), "rules.yaml:14:23: unexpected character (byte 0xc3)",
           "parse: non-ASCII outside strings");
    is_str(perr(""), "rules.yaml:14:22: expected an expression, found end of expression",
           "parse: empty text");
    struct eng_error err;
    struct eng_expr *e = eng_expr_compile("a\0b", 3, NULL, "r.yaml", 2, 5, &err);
    ok(!e, "parse: NUL byte refused");
    is_str(err.msg, "r.yaml:2:5: NUL byte in expression", "parse: NUL message");
    e = eng_expr_compile("1 +", 3, NULL, NULL, 0, 0, &err);
    is_str(err.msg, "<expr>:1:4: expected an expression, found end of expression",
           "parse: default place <expr>:1:1");
}

static void test_hostile(void)
{
    size_t n = 100000;
    char *s = malloc(2 * n + 2);
    memset(s, '(', n);
    s[n] = '1';
    memset(s + n + 1, ')', n);
    s[2 * n + 1] = '\0';
    ok(strstr(perr(s), "nested too deeply") != NULL, "hostile: 100000 parentheses refused");
    memset(s, '!', n);
    s[n] = '\0';
    ok(strstr(perr(s), "nested too deeply") != NULL, "hostile: 100000 '!' refused");
    /* a long flat chain: the tree would be as deep as it is long */
    char *c = malloc(4 * n + 8);
    size_t l = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(c + l, "1 + ", 4);
        l += 4;
    }
    memcpy(c + l, "1", 2);
    ok(strstr(perr(c), "nested too deeply") != NULL, "hostile: 100000-term chain refused");
    /* 300 terms are fine */
    c[4 * 300] = '1';
    c[4 * 300 + 1] = '\0';
    is_str(E(c), "301", "hostile: 300-term chain evaluates");
    free(c);
    free(s);
    char big[100];
    snprintf(big, sizeof big, "'%s'.matches('(a+)+$')", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab");
    const char *r = E(big);
    ok(starts(r, "false") || starts(r, "error: matches:"),
       "hostile: catastrophic regex ends (false or match-limit error)");
    is_err(E("[1, 2].map(x, x).map(y, [y, y].exists(z, z / 0 == 1))"),
           "hostile: errors inside nested comprehensions surface");
}

static void test_literals_and_ops(void)
{
    is_str(E("-9223372036854775808"), "-9223372036854775808", "lit: int64 min");
    is_str(E("0x1F"), "31", "lit: hex");
    is_str(E("2.5e3"), "2500.0", "lit: double with exponent");
    is_str(E(".5"), "0.5", "lit: leading-dot double");
    is_str(E("'a\\u00e9\\x41\\101'"), "\"a\xc3\xa9" "AA\"", "lit: escapes");
    is_str(E("r'\\n'"), "\"\\\\n\"", "lit: raw string");
    is_str(E("'''x\ny'''"), "\"x\\ny\"", "lit: triple-quoted with newline");
    is_str(E("1 + 2 * 3 - 4 / 2 % 3"), "5", "op: precedence of + - * / %");
    is_str(E("true || false && false"), "true", "op: && binds tighter than ||");
    is_str(E("1 < 2 == true"), "true", "op: relations left-assoc");
    is_str(E("true ? 1 : false ? 2 : 3"), "1", "op: ?: is right-assoc");
    is_str(E("!!true"), "true", "op: double not");
    is_str(E("--5"), "5", "op: double minus");
    is_str(E("'ab' + 'cd'"), "\"abcd\"", "op: string concat");
    is_str(E("[1] + [2.0, 'x']"), "[1,2.0,\"x\"]", "op: list concat");
    is_str(E("7 / 2"), "3", "op: int division truncates");
    is_str(E("-7 % 3"), "-1", "op: int modulo sign of dividend");
    is_str(E("1 + 1.5"), "2.5", "deviation: int + double promotes to double");
    is_str(E("3 * 0.5"), "1.5", "deviation: int * double");
    is_str(E("90 == 90.0"), "true", "op: int == double numerically");
    is_str(E("1 == 'a'"), "false", "op: different types are unequal");
    is_str(E("null == null"), "true", "op: null equality");
    is_str(E("[1, [2]] == [1, [2.0]]"), "true", "op: nested list equality");
    is_str(E("{'a': 1} == {'a': 1.0}"), "true", "op: map equality");
    is_str(E("'a' < 'b'"), "true", "op: string order");
    is_str(E("2 > 1.5"), "true", "op: mixed ordering");
    is_str(E("0.0/0.0 == 0.0/0.0"), "false", "op: NaN unequal to itself");
    is_str(E("0.0/0.0 < 1.0"), "false", "op: NaN unordered");
    is_str(E("false < true"), "true", "op: bool order");
    is_err(E("'a' < 1"), "op: string < int is an error");
    is_err(E("[1] < [2]"), "op: lists have no order");
    is_str(E("{'k': 1}.k"), "1", "op: map field selection");
    is_str(E("{'k': [1, 2]}['k'][1]"), "2", "op: map and list index");
    is_err(E("[1][1]"), "op: index out of range");
    is_err(E("[1][-1]"), "op: negative index");
    is_err(E("{'a': 1, 'a': 2}"), "op: repeated map key");
    is_err(E("{1: 2}"), "op: non-string map key");
    is_str(E("2 in [1, 2]"), "true", "in: list");
    is_str(E("2.0 in [1, 2]"), "true", "in: numeric across types");
    is_str(E("'k' in {'k': 1}"), "true", "in: map keys");
    is_str(E("1 in {'k': 1}"), "false", "in: non-string never a key");
    is_err(E("1 in 'abc'"), "in: string is no container");
}

static void test_errors(void)
{
    is_str(E("9223372036854775807 + 1"), "error: int overflow", "overflow: add");
    is_str(E("-9223372036854775808 - 1"), "error: int overflow", "overflow: sub");
    is_str(E("5000000000 * 5000000000"), "error: int overflow", "overflow: mul");
    is_str(E("-(-9223372036854775808)"), "error: int overflow", "overflow: negate min");
    is_str(E("-9223372036854775808 / -1"), "error: int overflow", "overflow: min / -1");
    is_str(E("1 / 0"), "error: division by zero", "div: by zero");
    is_str(E("1 % 0"), "error: modulus by zero", "mod: by zero");
    is_str(E("1.0 / 0.0"), "{\"$double\":\"Infinity\"}", "div: double by zero is +Inf");
    is_str(E("-1.0 / 0.0"), "{\"$double\":\"-Infinity\"}", "div: -1.0/0.0 is -Inf");
    is_str(E("1.5 % 1.0"), "error: no matching overload for '%' applied to (double, double)",
           "mod: no double overload");
    is_str(E("-'a'"), "error: no matching overload for '-' applied to (string)", "neg: string");
    is_str(E("!1"), "error: no matching overload for '!' applied to (int)", "not: int");
    /* absorption */
    is_str(E("false && 1/0 == 1"), "false", "absorb: false && error");
    is_str(E("1/0 == 1 && false"), "false", "absorb: error && false");
    is_str(E("true || 1/0 == 1"), "true", "absorb: true || error");
    is_str(E("1/0 == 1 || true"), "true", "absorb: error || true");
    is_str(E("1/0 == 1 && true"), "error: division by zero", "absorb: error && true is the error");
    is_str(E("false || 1/0 == 1"), "error: division by zero", "absorb: false || error is the error");
    is_str(E("missing || true"), "true", "absorb: missing field || true");
    is_str(E("'x' && false"), "false", "absorb: non-bool && false");
    is_str(E("'x' || false"), "error: no matching overload for '||' applied to (string, bool)",
           "absorb: non-bool || false is an error");
    is_str(E("1/0 == 1 ? 1 : 2"), "error: division by zero", "cond: error in condition propagates");
    is_str(E("true ? 1 : 1/0"), "1", "cond: other branch not evaluated");
    is_str(E("'x' ? 1 : 2"), "error: no matching overload for '?:' applied to (string)", "cond: non-bool");
    is_str(E("[1, 1/0].size()"), "error: division by zero", "strict: list element error");
    is_str(E("size(1/0 == 1)"), "error: division by zero", "strict: function argument");
}

static void test_names(void)
{
    is_str(ev("type", EV), "\"purchase\"", "names: top-level field");
    is_str(ev("geo.city", EV), "\"Paris\"", "names: nested field");
    is_str(ev("event.geo.city", EV), "\"Paris\"", "names: through the record name");
    is_str(ev("missing", EV), "error: no such field: 'missing'", "names: missing field is an error");
    is_str(ev("geo.zip", EV), "error: no such key: 'zip'", "names: missing nested key");
    is_str(ev("type.x", EV), "error: type 'string' does not support field selection ('.x')",
           "names: selecting on a string");
    is_str(ev("n == null", EV), "true", "names: JSON null");
    is_str(ev("has(event.sku)", EV), "true", "has: present top-level field");
    is_str(ev("has(event.nope)", EV), "false", "has: absent top-level field");
    is_str(ev("has(geo.city) && !has(geo.zip)", EV), "true", "has: nested");
    is_str(ev("has(n.x)", EV), "error: type 'null' does not support field selection ('.x')",
           "has: on null is an error");
    is_str(ev("has(nope.x)", EV), "error: no such field: 'nope'", "has: missing base is an error");
    /* the record name wins over a field of that name */
    is_str(ev("event.type", "{\"event\":{\"type\":\"inner\"},\"type\":\"outer\"}"),
           "\"outer\"", "names: record name wins over a field 'event'");
    struct eng_expr_env emit = { "action", NULL, 0 };
    is_str(eval_env("action.channel", "{\"channel\":\"push\"}", &emit, NULL), "\"push\"",
           "names: record name 'action' for eng-emit");
    is_str(eval_env("event", "{\"event\":1}", &emit, NULL), "1",
           "names: 'event' is a field when the record name is 'action'");
    /* aliases */
    const char *al[] = { "view", "cart" };
    struct eng_expr_env env = { "event", al, 2 };
    json_t *view = json_loads("{\"sku\":\"S1\",\"type\":\"page_view\"}", 0, NULL);
    const json_t *vals[2] = { view, NULL };
    is_str(eval_env("sku == view.sku", EV, &env, vals), "true", "alias: bound alias");
    is_str(eval_env("cart.sku", EV, &env, vals), "error: alias not bound", "alias: unbound alias");
    is_str(eval_env("view.sku", EV, &env, NULL), "error: alias not bound", "alias: no alias values");
    json_t *rec = json_loads("{\"view\":\"field\"}", 0, NULL);
    is_str(eval_env("view.type", "{\"view\":\"field\"}", &env, vals), "\"page_view\"",
           "alias: alias wins over a field of the same name");
    json_decref(rec);
    struct eng_error err;
    struct eng_expr *e = eng_expr_compile("sku == view.sku", 15, &env, NULL, 1, 1, &err);
    ok(eng_expr_uses_alias(e, 0) && !eng_expr_uses_alias(e, 1) && !eng_expr_uses_alias(e, 7),
       "alias: uses_alias tells which aliases a condition names");
    eng_expr_free(e);
    json_decref(view);
    struct eng_expr_env nameless = { NULL, NULL, 0 };
    is_str(eval_env("event", "{\"event\":2}", &nameless, NULL), "2",
           "names: without a record name, 'event' is a field");
}

static void test_functions(void)
{
    is_str(E("size('héllo')"), "5", "size: code points");
    is_str(E("'abc'.size()"), "3", "size: method");
    is_str(ev("size(tags) + size(geo)", EV), "5", "size: list and map");
    is_str(E("size(1)"), "error: no matching overload for 'size' applied to (int)", "size: int");
    is_str(E("'mañana'.matches('a+ñ+a+')"), "true", "matches: UTF-8");
    is_str(E("'abc'.matches('^b')"), "false", "matches: anchored pattern");
    is_str(E("matches('abc', 'b')"), "true", "matches: function form, unanchored");
    is_str(ev("type.matches(sku)", EV), "false", "matches: non-literal pattern");
    is_str(ev("type.matches(sku + '(')", EV),
           "error: bad regular expression: missing closing parenthesis", "matches: bad runtime pattern");
    is_str(E("'hello'.contains('ell')"), "true", "contains");
    is_str(E("'hello'.startsWith('he') && 'hello'.endsWith('lo')"), "true", "startsWith/endsWith");
    is_str(E("'ab'.endsWith('abc')"), "false", "endsWith: longer suffix");
    is_str(E("'TacoCÆt'.lowerAscii()"), "\"tacocÆt\"", "lowerAscii: ASCII only");
    is_str(E("'tacoCαt'.upperAscii()"), "\"TACOCαT\"", "upperAscii: ASCII only");
    is_str(E("'a'.contains(1)"), "error: no matching overload for 'contains' applied to (string, int)",
           "contains: bad argument type");
    is_str(E("int(-7.9)"), "-7", "int: truncates toward zero");
    is_str(E("int('-42')"), "-42", "int: from string");
    is_str(E("int('4x')"), "error: int() cannot parse the string", "int: bad string");
    is_str(E("int(1e19)"), "error: int() argument out of range", "int: out of range");
    is_str(E("int(timestamp('1970-01-02T00:00:00Z'))"), "86400", "int: timestamp to epoch seconds");
    is_str(E("double(3)"), "3.0", "double: from int");
    is_str(E("double('1.5e3')"), "1500.0", "double: from string");
    is_str(E("double(' 1')"), "error: double() cannot parse the string", "double: leading blank refused");
    is_str(E("string(1.5)"), "\"1.5\"", "string: double");
    is_str(E("string(1e21)"), "\"1e+21\"", "string: big double in exponent form");
    is_str(E("string(true)"), "\"true\"", "string: bool");
    is_str(E("string(-12)"), "\"-12\"", "string: int");
    is_str(E("string(duration('90m'))"), "\"5400s\"", "string: duration");
    is_str(E("string(timestamp('2024-07-04T20:00:00.5+02:00'))"), "\"2024-07-04T18:00:00.5Z\"",
           "string: timestamp in UTC");
    is_str(E("string([1])"), "error: no matching overload for 'string' applied to (list)", "string: list");
    is_str(E("dyn([1, 'a'])"), "[1,\"a\"]", "dyn: identity");
    char buf[64];
    const char *d = E("distance(48.8566, 2.3522, 51.5074, -0.1278)");
    double m = atof(d);
    snprintf(buf, sizeof buf, "%.3f", m);
    is_str(buf, "343556.535", "distance: Paris-London haversine, R = 6371008.8 m");
    is_str(E("distance(0, 0, 0, 0)"), "0.0", "distance: ints accepted, zero");
    is_str(E("distance('a', 0, 0, 0)"),
           "error: no matching overload for 'distance' applied to (string, int, int, int)",
           "distance: bad type");
}

static void test_time(void)
{
    is_str(ev("timestamp(ts)", EV), "{\"$timestamp\":\"2024-07-04T18:00:00.25Z\"}",
           "time: timestamp(ts) converts an event time string");
    is_str(ev("ts < timestamp('2025-01-01T00:00:00Z')", EV),
           "error: no matching overload for '<' applied to (string, timestamp)",
           "time: a ts string is not automatically a timestamp");
    is_str(E("timestamp('2024-01-01T00:00:00Z') + duration('1h30m')"),
           "{\"$timestamp\":\"2024-01-01T01:30:00Z\"}", "time: timestamp + duration");
    is_str(E("timestamp('2024-01-01T00:00:00Z') - timestamp('2023-12-31T23:00:00Z')"),
           "{\"$duration\":\"3600s\"}", "time: timestamp - timestamp");
    is_str(E("duration('1.5s') - duration('2s')"), "{\"$duration\":\"-0.5s\"}", "time: negative duration");
    is_str(E("duration('-1ns')"), "{\"$duration\":\"-0.000000001s\"}", "time: ns duration");
    is_str(E("duration('1h') > duration('59m')"), "true", "time: duration order");
    is_str(E("duration('30')"), "error: duration(): bad duration or out of range", "time: bare number");
    is_str(E("duration('3000000h')"), "error: duration(): bad duration or out of range",
           "time: duration beyond int64 ns");
    is_str(E("timestamp(253402300800)"), "error: timestamp out of range", "time: timestamp(int) range");
    is_str(E("timestamp('9999-12-31T23:59:59Z') + duration('1s')"), "error: timestamp out of range",
           "time: arithmetic range");
    is_str(E("timestamp('2024-02-30T00:00:00Z')"),
           "error: timestamp(): not an RFC 3339 time in years 0001..9999", "time: bad date");
    /* accessors: 2009-02-13T23:31:30.123Z is a Friday */
    const char *T = "timestamp('2009-02-13T23:31:30.123Z')";
    char b[200];
    struct { const char *call; const char *want; } acc[] = {
        { "getFullYear()", "2009" }, { "getMonth()", "1" }, { "getDayOfYear()", "43" },
        { "getDayOfMonth()", "12" }, { "getDate()", "13" }, { "getDayOfWeek()", "5" },
        { "getHours()", "23" }, { "getMinutes()", "31" }, { "getSeconds()", "30" },
        { "getMilliseconds()", "123" },
        { "getDate('Australia/Sydney')", "14" }, { "getHours('+11:00')", "10" },
        { "getHours('-02:30')", "21" }, { "getMinutes('-02:30')", "1" },
        { "getHours('02:00')", "1" }, { "getMinutes('Asia/Kathmandu')", "16" },
        { "getDayOfWeek('Pacific/Kiritimati')", "6" }, { "getFullYear('-00:00')", "2009" },
        { "getHours('America/New_York')", "18" },
    };
    for (size_t i = 0; i < sizeof acc / sizeof acc[0]; i++) {
        snprintf(b, sizeof b, "%s.%s", T, acc[i].call);
        char name[200];
        snprintf(name, sizeof name, "accessor: %s", acc[i].call);
        is_str(E(b), acc[i].want, name);
    }
    is_str(E("timestamp('2024-07-04T12:00:00Z').getHours('America/New_York')"), "8",
           "accessor: DST offset in summer");
    is_str(E("timestamp('2024-07-04T12:00:00Z').getHours('Mars/Olympus')"),
           "error: unknown time zone 'Mars/Olympus'", "accessor: unknown zone");
    is_str(E("timestamp('2024-07-04T12:00:00Z').getHours('+25:00')"),
           "error: unknown time zone '+25:00'", "accessor: bad offset");
    is_str(E("duration('3730s').getMinutes()"), "62", "accessor: duration minutes");
    is_str(E("duration('1.25s').getMilliseconds()"), "250", "accessor: duration ms");
    is_str(E("1.getHours()"), "error: no matching overload for this accessor on int", "accessor: int");
}

static void test_macros(void)
{
    is_str(E("[1, 2, 3].all(x, x > 0)"), "true", "all: true");
    is_str(E("[1, 'a', 3].all(x, x > 1)"), "false", "all: false wins over an error");
    is_str(E("[1, 'a'].all(x, x > 0)"), "error: no matching overload for '>' applied to (string, int)",
           "all: error when nothing decides");
    is_str(E("[1, 'a'].exists(x, x == 1)"), "true", "exists: true");
    is_str(E("[].exists(x, x)"), "false", "exists: empty");
    is_str(E("[1, 2, 3].exists_one(x, x > 2)"), "true", "exists_one");
    is_str(E("[1, 2, 3].map(x, x * 2)"), "[2,4,6]", "map");
    is_str(E("[1, 2, 3].map(x, x > 1, x * 10)"), "[20,30]", "map with filter");
    is_str(E("[1, 2, 3, 4].filter(x, x % 2 == 0)"), "[2,4]", "filter");
    is_str(E("{'a': 1, 'b': 2}.map(k, k)"), "[\"a\",\"b\"]", "map over map keys");
    is_str(ev("tags.exists(t, t == 'b')", EV), "true", "exists over a record's array");
    is_str(E("[[1, 2], [3]].map(x, x.map(x, x + 1))"), "[[2,3],[4]]", "nested macros shadow the variable");
    is_str(E("[1].all(x, [2].all(y, x < y))"), "true", "nested macros see outer variables");
    is_str(E("1.all(x, true)"), "error: no matching overload: cannot iterate over int", "macro on int");
}

static void test_conjuncts(void)
{
    struct eng_error err;
    const char *t = "type == \"purchase\" && event.channel == 'web' && amount > 5 && "
                    "3 == qty && geo.city == 'x' && (a == 'b' || c == 'd')";
    struct eng_expr *e = eng_expr_compile(t, strlen(t), NULL, NULL, 1, 1, &err);
    struct eng_expr_eq q[8];
    size_t n = eng_expr_eq_conjuncts(e, q, 8);
    is_int(n, 3, "conjuncts: three indexable equalities");
    is_str(q[0].field, "type", "conjuncts: bare field");
    is_str(q[0].str, "purchase", "conjuncts: string literal");
    is_int(q[0].is_int, 0, "conjuncts: string kind");
    is_str(q[1].field, "channel", "conjuncts: event.channel is the top-level field");
    is_str(q[2].field, "qty", "conjuncts: literal on the left");
    ok(q[2].is_int && q[2].int_value == 3, "conjuncts: int literal");
    is_int(eng_expr_eq_conjuncts(e, q, 1), 3, "conjuncts: count beyond max");
    eng_expr_free(e);
    e = eng_expr_compile("a == 'x' || b == 'y'", 20, NULL, NULL, 1, 1, &err);
    is_int(eng_expr_eq_conjuncts(e, q, 8), 0, "conjuncts: none under ||");
    eng_expr_free(e);
}

static void test_test_and_writers(void)
{
    struct eng_error err;
    json_t *rec = json_loads(EV, 0, NULL);
    struct eng_expr *e = eng_expr_compile("amount > 100", 12, NULL, NULL, 1, 1, &err);
    is_int(eng_expr_test(e, ctx, rec, NULL, &err), 1, "test: true");
    eng_expr_free(e);
    e = eng_expr_compile("qty", 3, NULL, NULL, 1, 1, &err);
    is_int(eng_expr_test(e, ctx, rec, NULL, &err), 0, "test: non-bool is 0");
    eng_expr_free(e);
    e = eng_expr_compile("nope > 1", 8, NULL, NULL, 1, 1, &err);
    is_int(eng_expr_test(e, ctx, rec, NULL, &err), -1, "test: error is -1");
    is_str(err.msg, "no such field: 'nope'", "test: error message");
    is_int(eng_expr_test(e, ctx, NULL, NULL, &err), -1, "test: no record, every field missing");
    eng_expr_free(e);
    const char *t = "[timestamp(ts), duration('1.5s'), 0.0/0.0, 2.0, geo, {'k': 1}]";
    e = eng_expr_compile(t, strlen(t), NULL, NULL, 1, 1, &err);
    const struct eng_expr_value *v = eng_expr_eval(e, ctx, rec, NULL);
    json_t *j = eng_expr_value_to_json(v, 0);
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    is_str(s, "[\"2024-07-04T18:00:00.25Z\",\"1.5s\",\"NaN\",2.0,"
              "{\"city\":\"Paris\",\"lat\":48.8566,\"lon\":2.3521999999999998},{\"k\":1}]",
           "to_json: plain JSON values (a deep copy of record data)");
    free(s);
    json_decref(j);
    is_str(written(v, 0), "[\"2024-07-04T18:00:00.25Z\",\"1.5s\",\"NaN\",2.0,"
              "{\"city\":\"Paris\",\"lat\":48.8566,\"lon\":2.3522},{\"k\":1}]",
           "writer: plain JSON for -e, shortest exact doubles");
    is_str(written(v, ENG_EXPR_OUT_TYPED),
           "[{\"$timestamp\":\"2024-07-04T18:00:00.25Z\"},{\"$duration\":\"1.5s\"},"
           "{\"$double\":\"NaN\"},2.0,{\"city\":\"Paris\",\"lat\":48.8566,"
           "\"lon\":2.3522},{\"k\":1}]",
           "writer: typed encoding for --eval-jsonl");
    eng_expr_free(e);
    e = eng_expr_compile("1/0", 3, NULL, NULL, 1, 1, &err);
    v = eng_expr_eval(e, ctx, rec, NULL);
    ok(eng_expr_value_to_json(v, 0) == NULL, "writer: an error has no JSON");
    eng_expr_free(e);
    is_str(eng_expr_kind_name(ENG_EXPR_TIMESTAMP), "timestamp", "kind names");
    /* typed JSON in records only when asked */
    is_str(ev("x", "{\"x\":{\"$double\":\"NaN\"}}"), "{\"$double\":\"NaN\"}", "typed: off, an object");
    eng_expr_ctx_set_flags(ctx, ENG_EXPR_TYPED_JSON);
    is_str(ev("x + 1.0", "{\"x\":{\"$double\":\"Infinity\"}}"), "{\"$double\":\"Infinity\"}",
           "typed: on, a double");
    is_str(ev("x + duration('1s')", "{\"x\":{\"$timestamp\":\"2000-01-01T00:00:00Z\"}}"),
           "{\"$timestamp\":\"2000-01-01T00:00:01Z\"}", "typed: on, a timestamp");
    eng_expr_ctx_set_flags(ctx, 0);
    json_decref(rec);
}

/* Conditions on the common paths allocate nothing per event. */
static void test_no_allocs(void)
{
    if (!COUNT_ALLOCS) {
        ok(1, "allocs: # SKIP malloc is AddressSanitizer's in this build");
        return;
    }
    /* under memcheck (tests/run with ENG_VALGRIND) valgrind redirects the
     * libraries' malloc calls past the counter: it would count nothing */
    if (getenv("ENG_VALGRIND")) {
        ok(1, "allocs: # SKIP malloc is valgrind's under memcheck");
        return;
    }
    const char *conds[] = {
        "type == 'purchase' && amount > 100.0 && !('x' in tags)",
        "channel in ['web', 'mobile'] || qty >= 3",
        "has(event.sku) && geo.city == 'Paris' && geo.lat > 40",
        "missing == 1 || type != 'x'",          /* an absorbed error */
        "sku.startsWith('S') && tags.exists(t, t == 'b')",
        "type.matches('^pur') && distance(geo.lat, geo.lon, 48.0, 2.0) < 1e6",
    };
    json_t *recs[3];
    recs[0] = json_loads(EV, 0, NULL);
    recs[1] = json_loads("{\"type\":\"view\",\"channel\":\"web\",\"tags\":[],\"qty\":1}", 0, NULL);
    recs[2] = json_loads("{}", 0, NULL);
    for (size_t c = 0; c < sizeof conds / sizeof conds[0]; c++) {
        struct eng_error err;
        struct eng_expr *e = eng_expr_compile(conds[c], strlen(conds[c]), NULL, NULL, 1, 1, &err);
        for (int r = 0; r < 3; r++)
            eng_expr_test(e, ctx, recs[r], NULL, &err);  /* warm up pcre2 */
        long before = n_allocs;
        int sum = 0;
        for (int i = 0; i < 1000; i++)
            for (int r = 0; r < 3; r++)
                sum += eng_expr_test(e, ctx, recs[r], NULL, &err);
        char name[200];
        snprintf(name, sizeof name, "allocs: none in 3000 evaluations of %s", conds[c]);
        is_int(n_allocs - before, 0, name);
        (void)sum;
        eng_expr_free(e);
    }
    /* controls: the counter sees allocations at all, and an evaluation that
     * must allocate (a pattern that is not a literal is compiled by PCRE2
     * on every evaluation) is seen, so the zeros above
     * are measurements, not a counter that never moves */
    long before = n_allocs;
    free(malloc(16));
    ok(n_allocs > before, "allocs: control: the counter sees malloc");
    struct eng_error err;
    const char *alloc_cond = "type.matches(channel)";
    struct eng_expr *e = eng_expr_compile(alloc_cond, strlen(alloc_cond), NULL, NULL, 1, 1, &err);
    ok(e != NULL, "allocs: control: the condition with a computed pattern compiles");
    if (e) {
        eng_expr_test(e, ctx, recs[1], NULL, &err);
        before = n_allocs;
        for (int i = 0; i < 100; i++)
            eng_expr_test(e, ctx, recs[1], NULL, &err);
        ok(n_allocs - before >= 100, "allocs: control: compiling a pattern per evaluation is counted");
        eng_expr_free(e);
    }
    for (int r = 0; r < 3; r++)
        json_decref(recs[r]);
}

int main(void)
{
    setenv("TZ", "Asia/Tokyo", 1);   /* nothing may depend on the process TZ */
    ctx = eng_expr_ctx_new();
    test_parse_errors();
    test_hostile();
    test_literals_and_ops();
    test_errors();
    test_names();
    test_functions();
    test_time();
    test_macros();
    test_conjuncts();
    test_test_and_writers();
    test_no_allocs();
    eng_expr_ctx_free(ctx);
    return done_testing();
}
