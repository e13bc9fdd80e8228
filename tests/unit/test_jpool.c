/* test_jpool: jansson through the pool (src/lib/jpool.c): values of every
 * size class and beyond, freed blocks reused by their own class, the text
 * of json_dumps freed with eng_json_free, and ENG_MALLOC=system leaving
 * jansson on malloc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "jpool.h"

int main(void)
{
    json_malloc_t before_m;
    json_free_t before_f;
    json_get_alloc_funcs(&before_m, &before_f);

    setenv("ENG_MALLOC", "system", 1);
    eng_jpool_install();
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    ok(m == before_m && f == before_f, "ENG_MALLOC=system: jansson keeps malloc");

    unsetenv("ENG_MALLOC");
    eng_jpool_install();
    json_get_alloc_funcs(&m, &f);
#ifdef ENG_JPOOL_OFF
    ok(m == before_m, "under AddressSanitizer the pool stays off");
#else
    ok(m != before_m && f != before_f, "installed: jansson allocates from the pool");
#endif

    /* every class (1..256 bytes), and larger blocks, hold what is written */
    int fine = 1;
    for (size_t n = 1; n <= 1000; n += 7) {
        unsigned char *p = m(n);
        if (!p || ((uintptr_t)p & 15)) {
            fine = 0;
            break;
        }
        memset(p, (int)(n & 0xff), n);
        for (size_t i = 0; i < n; i++)
            fine &= p[i] == (unsigned char)(n & 0xff);
        f(p);
    }
    ok(fine, "blocks of 1 to 1000 bytes: 16-byte aligned, writable, freed");

#ifndef ENG_JPOOL_OFF
    void *a = m(40);
    f(a);
    void *b = m(33);   /* the same class (33..48 bytes) */
    ok(a == b, "a freed block is reused by its own size class");
    void *c = m(20);   /* another class */
    ok(c != b, "another class does not take it");
    f(b);
    f(c);
#endif

    /* many values alive at once (more than one 64 KiB chunk), then freed */
    json_t *arr = json_array();
    for (int i = 0; i < 20000; i++)
        json_array_append_new(arr, json_pack("{s:i, s:s, s:f}", "n", i, "s",
                                             "a string of some length", "x", 0.5));
    json_t *last = json_array_get(arr, 19999);
    is_int(json_integer_value(json_object_get(last, "n")), 19999,
           "20,000 objects alive at once keep their values");
    char *text = json_dumps(json_array_get(arr, 7), JSON_COMPACT | JSON_SORT_KEYS);
    is_str(text, "{\"n\":7,\"s\":\"a string of some length\",\"x\":0.5}",
           "json_dumps through the pool");
    eng_json_free(text);
    json_decref(arr);
    json_t *again = json_loads("{\"k\":[1,2,{\"z\":\"y\"}]}", 0, NULL);
    ok(again && json_is_object(again), "values made after many frees parse fine");
    json_decref(again);

    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
