/* Unit tests for src/lib/path.c: syntax, errors with columns, get/set/del. */
#include "path.h"

#include <stdlib.h>

#include "tap.h"

static struct eng_error err;

/* Compiles text and returns the error message ("" when it compiled). */
static const char *compile_err(const char *text)
{
    eng_error_clear(&err);
    struct eng_path *p = eng_path_compile(text, &err);
    eng_path_free(p);
    return p ? "" : err.msg;
}

/* Dumps the value at path in doc (compact JSON), or "MISSING". */
static char dumped[2 * ENG_ERROR_MAX];
static const char *get_json(const char *doc, const char *path)
{
    json_t *root = json_loads(doc, JSON_DECODE_ANY, NULL);
    struct eng_path *p = eng_path_compile(path, &err);
    json_t *v = p && root ? eng_path_get(p, root) : NULL;
    if (v) {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(dumped, sizeof dumped, "%s", s);
        free(s);
    } else {
        snprintf(dumped, sizeof dumped, "MISSING");
    }
    eng_path_free(p);
    json_decref(root);
    return dumped;
}

/* Sets path to the JSON value in doc; returns the whole doc after, or
 * "ERR: message". */
static const char *set_json(const char *doc, const char *path, const char *val)
{
    json_t *root = json_loads(doc, JSON_DECODE_ANY, NULL);
    struct eng_path *p = eng_path_compile(path, &err);
    if (!p) {
        snprintf(dumped, sizeof dumped, "COMPILE: %s", err.msg);
        json_decref(root);
        return dumped;
    }
    if (eng_path_set(p, root, json_loads(val, JSON_DECODE_ANY, NULL), &err) < 0) {
        snprintf(dumped, sizeof dumped, "ERR: %s", err.msg);
    } else {
        char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(dumped, sizeof dumped, "%s", s);
        free(s);
    }
    eng_path_free(p);
    json_decref(root);
    return dumped;
}

/* Deletes path; returns "<rc> <doc after>". */
static const char *del_json(const char *doc, const char *path)
{
    json_t *root = json_loads(doc, JSON_DECODE_ANY, NULL);
    struct eng_path *p = eng_path_compile(path, &err);
    int rc = eng_path_del(p, root);
    char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(dumped, sizeof dumped, "%d %s", rc, s);
    free(s);
    eng_path_free(p);
    json_decref(root);
    return dumped;
}

static void test_parse_forms(void)
{
    struct eng_path *p = eng_path_compile("a.b[2].c", &err);
    ok(p != NULL, "a.b[2].c compiles");
    is_int(eng_path_len(p), 4, "a.b[2].c has 4 steps");
    is_str(eng_path_key(p, 0), "a", "step 0 is key a");
    is_str(eng_path_key(p, 1), "b", "step 1 is key b");
    ok(eng_path_key(p, 2) == NULL, "step 2 is an index step (key NULL)");
    is_int(eng_path_index(p, 2), 2, "step 2 index is 2");
    is_str(eng_path_key(p, 3), "c", "step 3 is key c");
    is_str(eng_path_text(p), "a.b[2].c", "text is kept");
    eng_path_free(p);

    p = eng_path_compile("a[\"odd key\"].x", &err);
    is_int(eng_path_len(p), 3, "a[\"odd key\"].x has 3 steps");
    is_str(eng_path_key(p, 1), "odd key", "double-quoted name with a space");
    eng_path_free(p);

    p = eng_path_compile("['a.b']", &err);
    is_int(eng_path_len(p), 1, "['a.b'] is one step");
    is_str(eng_path_key(p, 0), "a.b", "single-quoted name keeps its dot");
    eng_path_free(p);

    p = eng_path_compile("tags[-1]", &err);
    is_int(eng_path_index(p, 1), -1, "negative index compiles");
    eng_path_free(p);

    p = eng_path_compile("[0][1]", &err);
    is_int(eng_path_len(p), 2, "path may start with an index");
    is_int(eng_path_index(p, 1), 1, "[0][1] second index");
    eng_path_free(p);

    p = eng_path_compile("_x.a-b.C9", &err);
    is_str(eng_path_key(p, 1), "a-b", "names allow '-' after the first char");
    is_str(eng_path_key(p, 2), "C9", "names allow digits after the first char");
    eng_path_free(p);

    p = eng_path_compile("[\"a\\\"b\\\\c\\n\\u00e9\\ud83d\\ude00\"]", &err);
    ok(p != NULL, "escapes compile");
    is_str(eng_path_key(p, 0), "a\"b\\c\n\xc3\xa9\xf0\x9f\x98\x80",
           "JSON escapes incl. \\u and a surrogate pair decode");
    eng_path_free(p);

    p = eng_path_compile("['it\\'s'].x", &err);
    is_str(eng_path_key(p, 0), "it's", "\\' inside single quotes");
    eng_path_free(p);

    p = eng_path_compile("[\"\"]", &err);
    is_str(eng_path_key(p, 0), "", "empty quoted name is allowed");
    eng_path_free(p);

    ok(eng_path_key(p = eng_path_compile("a", &err), 5) == NULL,
       "key of an out-of-range step is NULL");
    eng_path_free(p);
}

static void test_parse_errors(void)
{
    is_str(compile_err("a..b"), "bad path 'a..b': empty name at column 3",
           "empty name between dots");
    is_str(compile_err(""), "bad path '': empty path", "empty path");
    is_str(compile_err(".a"), "bad path '.a': empty name at column 1",
           "leading dot");
    is_str(compile_err("a."), "bad path 'a.': empty name at column 3",
           "trailing dot");
    is_str(compile_err("a.[0]"), "bad path 'a.[0]': empty name at column 3",
           "dot before bracket");
    is_str(compile_err("a.1b"),
           "bad path 'a.1b': a name must start with a letter or '_' at column 3",
           "name starting with a digit");
    is_str(compile_err("a b"), "bad path 'a b': unexpected ' ' at column 2",
           "space after a name");
    is_str(compile_err("a[0]b"), "bad path 'a[0]b': unexpected 'b' at column 5",
           "name glued after a bracket");
    is_str(compile_err("a[x]"),
           "bad path 'a[x]': expected an index or a quoted name at column 3",
           "bracket with a bare word");
    is_str(compile_err("a[-]"),
           "bad path 'a[-]': expected an index or a quoted name at column 4",
           "minus without digits");
    is_str(compile_err("a["),
           "bad path 'a[': expected an index or a quoted name at column 3",
           "unclosed bracket at end");
    is_str(compile_err("a[1"), "bad path 'a[1': expected ']' at column 4",
           "index without ]");
    is_str(compile_err("a[1 ]"), "bad path 'a[1 ]': expected ']' at column 4",
           "space inside brackets");
    is_str(compile_err("a[\"x"), "bad path 'a[\"x': unterminated string at column 3",
           "unterminated double quote");
    is_str(compile_err("a['x\"]"),
           "bad path 'a['x\"]': unterminated string at column 3",
           "mismatched quotes");
    is_str(compile_err("a[\"x\"y]"), "bad path 'a[\"x\"y]': expected ']' at column 6",
           "junk after the quoted name");
    is_str(compile_err("a[\"\\q\"]"), "bad path 'a[\"\\q\"]': bad escape at column 4",
           "unknown escape");
    is_str(compile_err("[\"\\u12\"]"), "bad path '[\"\\u12\"]': bad escape at column 3",
           "short \\u escape");
    is_str(compile_err("[\"\\ud800\"]"),
           "bad path '[\"\\ud800\"]': bad escape at column 3",
           "lone high surrogate");
    is_str(compile_err("[\"\\udc00\"]"),
           "bad path '[\"\\udc00\"]': bad escape at column 3",
           "lone low surrogate");
    is_str(compile_err("[\"\\u0000\"]"),
           "bad path '[\"\\u0000\"]': NUL in a name at column 3",
           "NUL escape is refused (jansson keys are C strings)");
    is_str(compile_err("[\"\xff\"]"),
           "bad path '[\"\xff\"]': name is not valid UTF-8 at column 2",
           "invalid UTF-8 in a quoted name");
    is_str(compile_err("a[99999999999999999999]"),
           "bad path 'a[99999999999999999999]': index out of range at column 3",
           "index overflow");
    is_str(compile_err("a\x01"), "bad path 'a\x01': unexpected byte 0x01 at column 2",
           "control byte");
}

static void test_get(void)
{
    const char *doc = "{\"a\":{\"b\":[10,20,{\"c\":\"x\"}]},\"t\":[1,2,3],"
                      "\"a.b\":5,\"odd key\":{\"x\":true},\"n\":null}";
    is_str(get_json(doc, "a.b[2].c"), "\"x\"", "get nested through an array");
    is_str(get_json(doc, "a.b[0]"), "10", "get array element");
    is_str(get_json(doc, "t[-1]"), "3", "negative index: last");
    is_str(get_json(doc, "t[-3]"), "1", "negative index: first");
    is_str(get_json(doc, "t[-4]"), "MISSING", "negative index past the start");
    is_str(get_json(doc, "t[3]"), "MISSING", "index == size is missing on get");
    is_str(get_json(doc, "['a.b']"), "5", "quoted key with a dot");
    is_str(get_json(doc, "[\"odd key\"].x"), "true", "quoted key with a space");
    is_str(get_json(doc, "n"), "null", "null value is found (not missing)");
    is_str(get_json(doc, "n.x"), "MISSING", "step through null is missing");
    is_str(get_json(doc, "a.b.c"), "MISSING", "key step on an array is missing");
    is_str(get_json(doc, "a[0]"), "MISSING", "index step on an object is missing");
    is_str(get_json(doc, "a.b[2].c.d"), "MISSING", "key step on a string is missing");
    is_str(get_json(doc, "zz"), "MISSING", "absent key");
    is_str(get_json("[1,[2,3]]", "[1][0]"), "2", "root array");
    is_str(get_json("\"s\"", "a"), "MISSING", "scalar root");

    struct eng_path *p = eng_path_compile("a", &err);
    ok(eng_path_get(p, NULL) == NULL, "get on a NULL root is NULL");
    eng_path_free(p);
}

static void test_set(void)
{
    is_str(set_json("{}", "a.b.c", "1"), "{\"a\":{\"b\":{\"c\":1}}}",
           "set creates intermediate objects");
    is_str(set_json("{\"a\":{\"x\":1}}", "a.y", "2"), "{\"a\":{\"x\":1,\"y\":2}}",
           "set adds to an existing object");
    is_str(set_json("{\"a\":1}", "a", "\"s\""), "{\"a\":\"s\"}", "set replaces");
    is_str(set_json("{\"a\":[1,2]}", "a[1]", "9"), "{\"a\":[1,9]}",
           "set replaces an array element");
    is_str(set_json("{\"a\":[1,2]}", "a[2]", "3"), "{\"a\":[1,2,3]}",
           "index == size appends");
    is_str(set_json("{\"a\":[1,2]}", "a[-1]", "7"), "{\"a\":[1,7]}",
           "negative index on set counts from the end");
    is_str(set_json("{\"a\":[1,2]}", "a[3]", "3"),
           "ERR: cannot set 'a[3]': index 3 is out of range (size 2)",
           "index past size is an error");
    is_str(set_json("{\"a\":[{\"b\":1}]}", "a[0].c", "2"),
           "{\"a\":[{\"b\":1,\"c\":2}]}", "set through an array element");
    is_str(set_json("{\"a\":[]}", "a[0].c", "2"),
           "ERR: cannot set 'a[0].c': index 0 is out of range (size 0)",
           "intermediate index must exist");
    is_str(set_json("{}", "a[0]", "1"),
           "ERR: cannot set 'a[0]': 'a' does not exist (an index needs an existing array)",
           "arrays are never created");
    is_str(set_json("{\"a\":\"s\"}", "a.b", "1"),
           "ERR: cannot set 'a.b': 'a' is a string", "set through a string");
    is_str(set_json("{\"a\":{\"b\":5}}", "a.b.c.d", "1"),
           "ERR: cannot set 'a.b.c.d': 'a.b' is an integer", "set through an integer");
    is_str(set_json("{\"a\":{}}", "a[0]", "1"),
           "ERR: cannot set 'a[0]': 'a' is an object", "index step on an object");
    is_str(set_json("{\"a\":[1]}", "a.x", "1"),
           "ERR: cannot set 'a.x': 'a' is an array", "key step on an array");
    is_str(set_json("{\"a\":null}", "a.x", "1"),
           "ERR: cannot set 'a.x': 'a' is null", "key step on null");
    is_str(set_json("{\"a\":true}", "['a'].x", "1"),
           "ERR: cannot set '['a'].x': '['a']' is a boolean",
           "prefix is quoted as written");
    is_str(set_json("[1]", "a", "1"), "ERR: cannot set 'a': the root is an array",
           "root of the wrong type");
    is_str(set_json("{}", "['a.b'][\"c d\"]", "1"), "{\"a.b\":{\"c d\":1}}",
           "set with quoted keys creates intermediates");

    /* set steals the value, also on failure (ASan would flag a leak). */
    json_t *root = json_object();
    struct eng_path *p = eng_path_compile("x[0]", &err);
    is_int(eng_path_set(p, root, json_string("leak?"), &err), -1,
           "failed set returns -1");
    is_int(eng_path_set(p, root, NULL, &err), -1, "NULL value is an error");
    eng_path_free(p);
    json_decref(root);
}

static void test_del(void)
{
    is_str(del_json("{\"a\":{\"b\":1,\"c\":2}}", "a.b"), "1 {\"a\":{\"c\":2}}",
           "delete a member");
    is_str(del_json("{\"a\":{\"b\":1}}", "a.x"), "0 {\"a\":{\"b\":1}}",
           "delete an absent member");
    is_str(del_json("{\"a\":[1,2,3]}", "a[1]"), "1 {\"a\":[1,3]}",
           "delete an array element");
    is_str(del_json("{\"a\":[1,2,3]}", "a[-1]"), "1 {\"a\":[1,2]}",
           "delete with a negative index");
    is_str(del_json("{\"a\":[1,2,3]}", "a[3]"), "0 {\"a\":[1,2,3]}",
           "delete past the end");
    is_str(del_json("{\"a\":[1,2,3]}", "a[-4]"), "0 {\"a\":[1,2,3]}",
           "delete before the start");
    is_str(del_json("{\"a\":\"s\"}", "a.b.c"), "0 {\"a\":\"s\"}",
           "delete through a string");
    is_str(del_json("{\"x.y\":1}", "['x.y']"), "1 {}", "delete a quoted key");
    is_str(del_json("{\"a\":{}}", "a[0]"), "0 {\"a\":{}}",
           "index delete on an object");
}

int main(void)
{
    test_parse_forms();
    test_parse_errors();
    test_get();
    test_set();
    test_del();
    return done_testing();
}
