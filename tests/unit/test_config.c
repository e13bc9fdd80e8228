/* Unit tests for src/lib/config.c: YAML to jansson with positions, core
 * schema typing, and every error a hostile config file can provoke. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static struct eng_error err;

static struct eng_config *parse(const char *text)
{
    eng_error_clear(&err);
    return eng_config_parse(text, strlen(text), "t.yaml", &err);
}

/* Parses text expecting failure; returns the message ("PARSED" if not). */
static const char *parse_err(const char *text)
{
    struct eng_config *cfg = parse(text);
    if (cfg) {
        eng_config_free(cfg);
        return "PARSED";
    }
    return err.msg;
}

/* Parses "v: <scalar>" and returns the value as compact JSON, or the error. */
static char buf[4096];
static const char *scalar(const char *yaml_scalar)
{
    char doc[256];
    snprintf(doc, sizeof doc, "v: %s\n", yaml_scalar);
    struct eng_config *cfg = parse(doc);
    if (!cfg) {
        snprintf(buf, sizeof buf, "ERR %s", err.msg);
        return buf;
    }
    char *s = json_dumps(json_object_get(eng_config_root(cfg), "v"),
                         JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, sizeof buf, "%s", s ? s : "(none)");
    free(s);
    eng_config_free(cfg);
    return buf;
}

/* "L:C:Q" for a position lookup, or "none". */
static const char *fmt_pos(int rc, const struct eng_pos *p)
{
    static char out[8][64];
    static int k;
    char *o = out[k++ % 8];
    if (rc < 0)
        snprintf(o, 64, "none(%ld:%ld)", p->line, p->col);
    else
        snprintf(o, 64, "%ld:%ld:%d", p->line, p->col, p->quoted);
    return o;
}

static const char *node_pos(struct eng_config *c, const json_t *n)
{
    struct eng_pos p;
    int rc = eng_config_pos(c, n, &p);
    return fmt_pos(rc, &p);
}

static const char *member_pos(struct eng_config *c, const json_t *o, const char *k)
{
    struct eng_pos p;
    int rc = eng_config_pos_member(c, o, k, &p);
    return fmt_pos(rc, &p);
}

static const char *key_pos(struct eng_config *c, const json_t *o, const char *k)
{
    struct eng_pos p;
    int rc = eng_config_pos_key(c, o, k, &p);
    return fmt_pos(rc, &p);
}

static const char *index_pos(struct eng_config *c, const json_t *a, size_t i)
{
    struct eng_pos p;
    int rc = eng_config_pos_index(c, a, i, &p);
    return fmt_pos(rc, &p);
}

static const char *doc1 =
    "name: demo\n"                      /* 1 */
    "server:\n"                         /* 2 */
    "  host: \"h\"\n"                   /* 3 */
    "  ports: [80, 443]\n"              /* 4 */
    "  tls: true\n"                     /* 5 */
    "  opt: ~\n"                        /* 6 */
    "list:\n"                           /* 7 */
    "  - a\n"                           /* 8 */
    "  - k: v\n"                        /* 9 */
    "    k2: false\n"                   /* 10 */
    "  - - x\n"                         /* 11 */
    "text: |\n"                         /* 12 */
    "  line one\n"                      /* 13 */
    "  line two\n"                      /* 14 */
    "folded: >-\n"                      /* 15 */
    "  a\n"                             /* 16 */
    "  b\n"                             /* 17 */
    "flow: {x: 1, y: [true, null]}\n"   /* 18 */
    "multi: \"first\n"                  /* 19 */
    "  second\"\n"                      /* 20 */
    "'quoted key': 'it''s'\n";          /* 21 */

static void test_positions(void)
{
    struct eng_config *c = parse(doc1);
    ok(c != NULL, "doc1 parses");
    if (!c) {
        printf("# %s\n", err.msg);
        return;
    }
    json_t *root = eng_config_root(c);
    json_t *server = json_object_get(root, "server");
    json_t *list = json_object_get(root, "list");
    json_t *flow = json_object_get(root, "flow");
    json_t *ports = json_object_get(server, "ports");

    is_str(eng_config_file(c), "t.yaml", "file name is kept");
    is_str(node_pos(c, root), "1:1:0", "root mapping at 1:1");
    is_str(node_pos(c, json_object_get(root, "name")), "1:7:0", "plain scalar value");
    is_str(key_pos(c, root, "name"), "1:1:0", "key position");
    is_str(node_pos(c, server), "3:3:0", "block mapping starts at its first key");
    is_str(member_pos(c, root, "server"), "3:3:0", "member pos of a mapping value");
    is_str(key_pos(c, server, "host"), "3:3:0", "nested key");
    is_str(node_pos(c, json_object_get(server, "host")), "3:9:1",
           "double-quoted scalar: position of the quote, quoted=1");
    is_str(node_pos(c, ports), "4:10:0", "flow sequence at its '['");
    is_str(node_pos(c, json_array_get(ports, 0)), "4:11:0", "first flow element");
    is_str(index_pos(c, ports, 1), "4:15:0", "second flow element by index");
    is_str(member_pos(c, server, "tls"), "5:8:0", "true via pos_member");
    is_str(member_pos(c, server, "opt"), "6:8:0", "null via pos_member");
    is_str(node_pos(c, json_object_get(server, "tls")), "none(0:0)",
           "shared true has no node position (pos zeroed)");
    is_int(eng_config_pos(c, json_null(), NULL), -1, "null singleton: -1");
    is_str(node_pos(c, list), "8:3:0", "block sequence at its first '-'");
    is_str(index_pos(c, list, 0), "8:5:0", "sequence item scalar");
    json_t *item1 = json_array_get(list, 1);
    is_str(node_pos(c, item1), "9:5:0", "mapping inside a sequence");
    is_str(key_pos(c, item1, "k2"), "10:5:0", "second key of that mapping");
    is_str(member_pos(c, item1, "k2"), "10:9:0", "false via pos_member");
    json_t *inner = json_array_get(list, 2);
    is_str(node_pos(c, inner), "11:5:0", "nested block sequence");
    is_str(index_pos(c, inner, 0), "11:7:0", "its element");
    is_str(index_pos(c, list, 3), "none(0:0)", "index past the end: none");
    is_str(member_pos(c, root, "text"), "12:7:2", "literal block: quoted=2");
    is_str(json_string_value(json_object_get(root, "text")), "line one\nline two\n",
           "literal block keeps newlines");
    is_str(member_pos(c, root, "folded"), "15:9:2", "folded block position");
    is_str(json_string_value(json_object_get(root, "folded")), "a b",
           "folded+strip block");
    is_str(node_pos(c, flow), "18:7:0", "flow mapping at its '{'");
    is_str(key_pos(c, flow, "x"), "18:8:0", "flow key");
    is_str(member_pos(c, flow, "x"), "18:11:0", "flow value");
    json_t *fy = json_object_get(flow, "y");
    is_str(node_pos(c, fy), "18:17:0", "flow sequence in flow mapping");
    is_str(index_pos(c, fy, 0), "18:18:0", "true in a flow sequence via pos_index");
    is_str(index_pos(c, fy, 1), "18:24:0", "null in a flow sequence via pos_index");
    is_str(member_pos(c, root, "multi"), "19:8:1", "multi-line quoted string");
    is_str(json_string_value(json_object_get(root, "multi")), "first second",
           "multi-line quoted string folds");
    is_str(key_pos(c, root, "quoted key"), "21:1:1", "quoted key keeps its style");
    is_str(json_string_value(json_object_get(root, "quoted key")), "it's",
           "single-quote escape");
    is_str(member_pos(c, root, "nope"), "none(0:0)", "absent member: none");
    is_str(key_pos(c, server, "name"), "none(0:0)", "key of another object: none");
    is_str(member_pos(c, NULL, "x"), "none(0:0)", "NULL object: none");
    eng_config_free(c);
}

static void test_typing(void)
{
    is_str(scalar("~"), "null", "~ is null");
    is_str(scalar("null"), "null", "null is null");
    is_str(scalar("Null"), "null", "Null is null");
    is_str(scalar("NULL"), "null", "NULL is null");
    is_str(scalar(""), "null", "empty is null");
    is_str(scalar("nULL"), "\"nULL\"", "nULL is a string");
    is_str(scalar("true"), "true", "true");
    is_str(scalar("True"), "true", "True");
    is_str(scalar("TRUE"), "true", "TRUE");
    is_str(scalar("false"), "false", "false");
    is_str(scalar("False"), "false", "False");
    is_str(scalar("FALSE"), "false", "FALSE");
    is_str(scalar("yes"), "\"yes\"", "yes is a string (YAML 1.2)");
    is_str(scalar("on"), "\"on\"", "on is a string (YAML 1.2)");
    is_str(scalar("12"), "12", "decimal integer");
    is_str(scalar("+12"), "12", "+12 is an integer");
    is_str(scalar("-12"), "-12", "negative integer");
    is_str(scalar("0123"), "123", "leading zeros are decimal in 1.2");
    is_str(scalar("0x1F"), "31", "hex integer");
    is_str(scalar("0xff"), "255", "lowercase hex");
    is_str(scalar("0o17"), "15", "octal integer");
    is_str(scalar("0o18"), "\"0o18\"", "bad octal digit: string");
    is_str(scalar("0x"), "\"0x\"", "0x alone: string");
    is_str(scalar("-0x1F"), "\"-0x1F\"", "signed hex is not core: string");
    is_str(scalar("1_000"), "\"1_000\"", "underscores: string");
    is_str(scalar("9223372036854775807"), "9223372036854775807", "INT64_MAX");
    is_str(scalar("-9223372036854775808"), "-9223372036854775808", "INT64_MIN");
    is_str(scalar("9223372036854775808"),
           "ERR t.yaml:1:4: integer out of range (must fit in 64 bits): "
           "'9223372036854775808'", "int64 overflow is an error with position");
    is_str(scalar("-9223372036854775809"),
           "ERR t.yaml:1:4: integer out of range (must fit in 64 bits): "
           "'-9223372036854775809'", "int64 underflow is an error");
    is_str(scalar("0x8000000000000000"),
           "ERR t.yaml:1:4: integer out of range (must fit in 64 bits): "
           "'0x8000000000000000'", "hex overflow is an error");
    is_str(scalar("0x7FFFFFFFFFFFFFFF"), "9223372036854775807", "largest hex");
    is_str(scalar("1e3"), "1000.0", "1e3 is a real");
    is_str(scalar("1.5"), "1.5", "1.5");
    is_str(scalar("-.5"), "-0.5", "-.5");
    is_str(scalar("5."), "5.0", "5. is a real");
    is_str(scalar("+25E-1"), "2.5", "signed exponent");
    is_str(scalar("1e"), "\"1e\"", "1e: string");
    is_str(scalar("."), "\".\"", "lone dot: string");
    is_str(scalar("1.2.3"), "\"1.2.3\"", "version-like: string");
    is_str(scalar("1e999"), "ERR t.yaml:1:4: number out of range: '1e999'",
           "float overflow is an error");
    is_str(scalar("1e-999"), "0.0", "float underflow is zero");
    is_str(scalar(".inf"),
           "ERR t.yaml:1:4: infinity and NaN cannot be represented in JSON: '.inf'",
           ".inf is recognised and refused");
    is_str(scalar("-.inf"),
           "ERR t.yaml:1:4: infinity and NaN cannot be represented in JSON: '-.inf'",
           "-.inf is recognised and refused");
    is_str(scalar("+.INF"),
           "ERR t.yaml:1:4: infinity and NaN cannot be represented in JSON: '+.INF'",
           "+.INF is recognised and refused");
    is_str(scalar(".nan"),
           "ERR t.yaml:1:4: infinity and NaN cannot be represented in JSON: '.nan'",
           ".nan is recognised and refused");
    is_str(scalar(".NaN"),
           "ERR t.yaml:1:4: infinity and NaN cannot be represented in JSON: '.NaN'",
           ".NaN is recognised and refused");
    is_str(scalar("-.nan"), "\"-.nan\"", "signed nan is not core: string");
    is_str(scalar("\"12\""), "\"12\"", "double-quoted number stays a string");
    is_str(scalar("'true'"), "\"true\"", "single-quoted bool stays a string");
    is_str(scalar("\"\""), "\"\"", "quoted empty is a string, not null");
    is_str(scalar("|\n  12"), "\"12\\n\"", "block scalar stays a string");
    is_str(scalar("!!str 12"), "\"12\"", "!!str forces a string");
    is_str(scalar("! 12"), "\"12\"", "non-specific ! tag forces a string");
    is_str(scalar("!!int \"12\""), "12", "explicit !!int on a quoted scalar");
    is_str(scalar("!!float 1"), "1.0", "!!float on an integer gives a real");
    is_str(scalar("!!int x"),
           "ERR t.yaml:1:4: 'x' does not match its tag 'tag:yaml.org,2002:int'",
           "!!int on a word is an error");
    is_str(scalar("!custom x"), "ERR t.yaml:1:4: unsupported tag '!custom'",
           "unknown tag is an error");
    is_str(scalar("a b  c"), "\"a b  c\"", "plain string with spaces");
    is_str(scalar("\"x\\0y\""), "\"x\\u0000y\"", "NUL inside a quoted value kept");
    is_str(scalar("\"\\u00e9\""), "\"\xc3\xa9\"", "unicode escape");

    struct eng_config *c = parse("1: a\ntrue: b\n~: c\n");
    json_t *r = eng_config_root(c);
    ok(r && json_object_get(r, "1") && json_object_get(r, "true") &&
       json_object_get(r, "~"), "keys are always the scalar's text");
    eng_config_free(c);
}

static void test_empty_and_roots(void)
{
    struct eng_config *c = parse("");
    ok(c != NULL, "empty file parses");
    ok(c && eng_config_root(c) == NULL, "empty file: root is NULL");
    eng_config_free(c);
    c = parse("# only a comment\n\n");
    ok(c && eng_config_root(c) == NULL, "comment-only file: root is NULL");
    eng_config_free(c);
    c = parse("- 1\n- 2\n");
    ok(c && json_is_array(eng_config_root(c)), "sequence root");
    eng_config_free(c);
    c = parse("--- hello\n...\n");
    ok(c && json_is_string(eng_config_root(c)), "scalar root with markers");
    eng_config_free(c);
    c = parse("a: 1\n---\n");
    ok(c == NULL, "a second (empty) document is still refused");
    is_str(err.msg, "t.yaml:2:1: only one YAML document is allowed per file",
           "multiple documents: message");
    eng_config_free(c);
}

static void test_aliases(void)
{
    struct eng_config *c = parse("base: &b {x: 1, y: true}\n"
                                 "copy: *b\n"
                                 "s: &s str\n"
                                 "l: [*s, *b]\n");
    ok(c != NULL, "anchors and aliases parse");
    json_t *root = eng_config_root(c);
    json_t *base = json_object_get(root, "base");
    json_t *copy = json_object_get(root, "copy");
    ok(base != copy, "alias is a deep copy, not a shared node");
    ok(json_equal(base, copy), "copy equals the anchored value");
    is_str(node_pos(c, copy), "2:7:0", "copy positioned at the alias");
    is_str(member_pos(c, copy, "x"), "2:7:0", "copy's member at the alias");
    is_str(member_pos(c, copy, "y"), "2:7:0", "copy's bool member at the alias");
    is_str(node_pos(c, json_object_get(copy, "x")), "2:7:0", "copy's child node");
    is_str(member_pos(c, base, "x"), "1:14:0", "original keeps its position");
    is_str(key_pos(c, base, "x"), "1:11:0", "original key keeps its position");
    json_t *l = json_object_get(root, "l");
    is_str(index_pos(c, l, 0), "4:5:0", "aliased scalar in a sequence");
    is_str(index_pos(c, l, 1), "4:9:0", "aliased mapping in a sequence");
    is_str(json_string_value(json_array_get(l, 0)), "str", "aliased scalar value");
    eng_config_free(c);

    is_str(parse_err("a: *nope\n"), "t.yaml:1:4: unknown alias '*nope'",
           "unknown alias");
    is_str(parse_err("a: &x [1, *x]\n"),
           "t.yaml:1:11: alias '*x' refers to a node that contains it (recursive alias)",
           "recursive alias");
    is_str(parse_err("a: &k key\n*k : v\n"),
           "t.yaml:2:1: an alias cannot be used as a mapping key", "alias as a key");

    /* The billion laughs: 9^9 strings if expanded. */
    const char *lol =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    is_str(parse_err(lol),
           "t.yaml:6:8: alias expansion too large (more than 100000 nodes)",
           "billion laughs stops at the node budget");

    /* Alias expansion must also respect the depth cap. */
    char *deep = malloc(4000);
    char *o = deep;
    o += sprintf(o, "a: &d ");
    for (int i = 0; i < 600; i++) *o++ = '[';
    for (int i = 0; i < 600; i++) *o++ = ']';
    o += sprintf(o, "\nb: [");
    for (int i = 0; i < 500; i++) *o++ = '[';
    o += sprintf(o, "*d");
    for (int i = 0; i < 501; i++) *o++ = ']';
    *o++ = '\n';
    *o = '\0';
    is_str(parse_err(deep), "t.yaml:2:505: nesting too deep (more than 1000 levels)",
           "an alias cannot nest past the depth cap");
    free(deep);
}

static void test_errors(void)
{
    is_str(parse_err("a: 1\nb: 2\na: 3\n"),
           "t.yaml:3:1: duplicate key 'a' (first at line 1)", "duplicate key");
    is_str(parse_err("x:\n  a: 1\n  'a': 3\n"),
           "t.yaml:3:3: duplicate key 'a' (first at line 2)",
           "duplicate key, quoted the second time");
    is_str(parse_err("{a: 1, a: 2}"),
           "t.yaml:1:8: duplicate key 'a' (first at line 1)", "duplicate in flow");
    is_str(parse_err("a:\n  b: 1\n c: 2\n"),
           "t.yaml:3:2: did not find expected key while parsing a block mapping",
           "bad indentation");
    is_str(parse_err("a:\n\tb: 1\n"),
           "t.yaml:2:1: found character that cannot start any token while "
           "scanning for the next token (tabs are not allowed for indentation)",
           "tab indentation");
    is_str(parse_err("a: \"abc\nb: 1\n"),
           "t.yaml:3:1: found unexpected end of stream while scanning a quoted scalar",
           "unterminated double quote");
    is_str(parse_err("a: 'abc"),
           "t.yaml:1:8: found unexpected end of stream while scanning a quoted scalar",
           "unterminated single quote");
    is_str(parse_err("a: b: c\n"),
           "t.yaml:1:5: mapping values are not allowed in this context",
           "mapping value in a plain scalar");
    is_str(parse_err("? [a]\n: 1\n"), "t.yaml:1:3: mapping keys must be scalars",
           "sequence as key");
    is_str(parse_err("{{a: 1}: 2}"), "t.yaml:1:2: mapping keys must be scalars",
           "mapping as key");
    is_str(parse_err("a: [1, 2\n"),
           "t.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence",
           "unclosed flow sequence");
    is_str(parse_err("a: \"\\ud800\"\n"),
           "t.yaml:1:7: found invalid Unicode character escape code while "
           "parsing a quoted scalar", "lone surrogate escape");
    is_str(parse_err("\"a\\0b\": 1\n"), "t.yaml:1:1: mapping key contains a NUL byte",
           "NUL in a key");
    is_str(parse_err("a: \xff\n"), "t.yaml:1:4: invalid leading UTF-8 octet",
           "invalid UTF-8 is a reader error with a position");
    static const char nul_doc[] = "a: 1\nb: x\0y\n";
    eng_error_clear(&err);
    ok(eng_config_parse(nul_doc, sizeof nul_doc - 1, "t.yaml", &err) == NULL,
       "raw NUL byte is refused");
    is_str(err.msg, "t.yaml:2:5: control characters are not allowed",
           "raw NUL byte: message");
    is_str(parse_err("a: &x 1\nb: &x 2\nc: *x\n"), "PARSED",
           "redefined anchor is allowed (last one wins)");
    is_str(parse_err("&k a: 1\n"), "t.yaml:1:1: anchors on mapping keys are not supported",
           "anchor on a key");
    is_str(parse_err("a: !!map [1]\n"), "t.yaml:1:4: unsupported tag 'tag:yaml.org,2002:map'",
           "!!map on a sequence");

    /* Depth bomb: 10000 nested flow sequences. */
    char *bomb = malloc(20002);
    memset(bomb, '[', 10000);
    memset(bomb + 10000, ']', 10000);
    bomb[20000] = '\n';
    bomb[20001] = '\0';
    is_str(parse_err(bomb), "t.yaml:1:1001: nesting too deep (more than 1000 levels)",
           "10000 nested [ stops at level 1001");
    free(bomb);

    /* Exactly 1000 levels is fine. */
    char *edge = malloc(2002);
    memset(edge, '[', 1000);
    memset(edge + 1000, ']', 1000);
    edge[2000] = '\n';
    edge[2001] = '\0';
    is_str(parse_err(edge), "PARSED", "1000 nested levels are allowed");
    free(edge);

    /* Block-style depth bomb: nested mappings by indentation. */
    size_t cap = 3000 * 1100;
    char *blk = malloc(cap), *o = blk;
    for (int i = 0; i < 1100; i++) {
        memset(o, ' ', (size_t)i);
        o += i;
        o += sprintf(o, "k:\n");
    }
    *o = '\0';
    is_str(parse_err(blk), "t.yaml:1001:1001: nesting too deep (more than 1000 levels)",
           "1100 nested block mappings stop at level 1001");
    free(blk);
}

static void test_helpers(void)
{
    struct eng_config *c = parse("rule:\n"
                                 "  name: x\n"
                                 "  wher: y\n"
                                 "  on: true\n"
                                 "list: [1]\n");
    json_t *root = eng_config_root(c);
    json_t *rule = json_object_get(root, "rule");
    static const char *const allowed[] = {"name", "where", "on", NULL};
    is_int(eng_config_check_keys(c, rule, allowed, "rule", &err), -1,
           "unknown key is refused");
    is_str(err.msg,
           "t.yaml:3:3: unknown key 'wher' in rule (expected one of: name, where, on)",
           "unknown key message");
    static const char *const top[] = {"rule", "list", NULL};
    is_int(eng_config_check_keys(c, root, top, "config", &err), 0,
           "all keys known");
    is_int(eng_config_check_keys(c, json_object_get(root, "list"), top, "the list",
                                 &err), -1, "non-object is refused");
    is_str(err.msg, "t.yaml:5:7: the list must be a mapping",
           "non-object message at the node");
    is_int(eng_config_check_keys(c, NULL, top, "rules", &err), -1, "NULL object");
    is_str(err.msg, "t.yaml: rules must be a mapping", "NULL object message");

    is_int(eng_config_error(c, json_object_get(rule, "name"), &err,
                            "bad name '%s'", "x"), -1, "error returns -1");
    is_str(err.msg, "t.yaml:2:9: bad name 'x'", "error at a node");
    eng_config_error(c, json_true(), &err, "oops");
    is_str(err.msg, "t.yaml: oops", "error at an unknown node: file only");
    is_int(eng_config_error_member(c, rule, "on", &err, "must be %d", 5), -1,
           "error_member returns -1");
    is_str(err.msg, "t.yaml:4:7: must be 5", "error_member on a boolean");
    eng_config_error_member(c, rule, "absent", &err, "missing");
    is_str(err.msg, "t.yaml:2:3: missing", "error_member on an absent key: at the object");
    eng_config_free(c);
}

static void test_load(void)
{
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    const char *text = "a:\n  b: [1, 2]\n";
    ok(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text),
       "temp file written");
    close(fd);
    struct eng_config *c = eng_config_load(path, &err);
    ok(c != NULL, "load from a file");
    is_str(eng_config_file(c), path, "file name is the path");
    json_t *b = json_object_get(json_object_get(eng_config_root(c), "a"), "b");
    is_str(node_pos(c, b), "2:6:0", "positions from a loaded file");
    eng_config_free(c);

    FILE *fp = fopen(path, "w");
    fputs("x: 1\ny: [\n", fp);
    fclose(fp);
    ok(eng_config_load(path, &err) == NULL, "broken file fails");
    char want[256];
    snprintf(want, sizeof want,
             "%s:3:1: did not find expected node content while parsing a flow node",
             path);
    is_str(err.msg, want, "load error carries the path");
    unlink(path);

    ok(eng_config_load("/nonexistent/x.yaml", &err) == NULL, "missing file fails");
    is_str(err.msg, "/nonexistent/x.yaml: No such file or directory",
           "missing file message");
    eng_config_free(NULL);
}

int main(void)
{
    test_positions();
    test_typing();
    test_empty_and_roots();
    test_aliases();
    test_errors();
    test_helpers();
    test_load();
    return done_testing();
}
