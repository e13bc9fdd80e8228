/* fuzz project: eng_projection_parse (lib/project.h) on the input as one
 * line, differential against jansson: whenever the projection accepts a
 * line, jansson must accept it as an object too, and what the paths select
 * from the projected object must equal what they select from jansson's
 * whole parse (a member asked for by some of its members keeps only those;
 * a value that is not an object where members are asked for is kept whole).
 * Selecting from both sides, not comparing the projection itself: where an
 * object holds a duplicate key the projection parses that object whole
 * (jansson's last value wins either way), so it may carry more than asked.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "project.h"

/* The paths, deeper ones before a path that is their prefix (the prefix,
 * asked for whole, replaces what they selected). */
static const char *const paths[][4] = {
    { "ts" }, { "id" }, { "customer" }, { "a", "b", "c" }, { "a", "d" },
    { "context", "weather", "temp_f" }, { "context", "hour" },
    { "profile", "x" }, { "profile" }, { "tags" }, { "" }, { "\xc3\xa9" },
};
enum { NPATHS = sizeof paths / sizeof paths[0] };

static size_t path_len(size_t i)
{
    size_t n = 0;
    while (n < 4 && paths[i][n])
        n++;
    return n;
}

/* What path i selects of whole, added into out. */
static void select_into(json_t *out, const json_t *whole, size_t i)
{
    size_t n = path_len(i);
    const json_t *cur = whole;
    json_t *o = out;
    for (size_t k = 0; k < n; k++) {
        const json_t *v = json_object_get(cur, paths[i][k]);
        if (!v)
            return;
        if (k == n - 1 || !json_is_object(v)) {
            json_object_set_new(o, paths[i][k], json_deep_copy(v));
            return;
        }
        json_t *next = json_object_get(o, paths[i][k]);
        if (!json_is_object(next)) {
            next = json_object();
            json_object_set_new(o, paths[i][k], next);
        }
        cur = v;
        o = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct eng_projection p;
    static int ready;
    if (!ready) {
        eng_projection_init(&p);
        for (size_t i = 0; i < NPATHS; i++) {
            size_t lens[4];
            for (size_t k = 0; k < path_len(i); k++)
                lens[k] = strlen(paths[i][k]);
            eng_projection_add(&p, paths[i], lens, path_len(i));
        }
        eng_projection_done(&p);
        ready = 1;
    }
    const char *s = (const char *)data;
    json_t *got = eng_projection_parse(&p, s, size);
    if (!got)
        return 0;
    if (memchr(s, 0, size))
        abort();    /* raw NUL is never valid JSON */
    json_t *whole = json_loadb(s, size, 0, NULL);
    if (!json_is_object(whole))
        abort();    /* accepted what jansson refuses */
    json_t *want = json_object(), *have = json_object();
    for (size_t i = 0; i < NPATHS; i++) {
        select_into(want, whole, i);
        select_into(have, got, i);
    }
    if (!json_equal(want, have))
        abort();
    json_decref(want);
    json_decref(have);
    json_decref(whole);
    json_decref(got);
    return 0;
}
