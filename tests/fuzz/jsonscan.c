/* fuzz jsonscan: eng_json_scan on the input as one JSON text, differential
 * against jansson (jsonscan.h: it accepts exactly what
 * json_loadb(JSON_DECODE_ANY) accepts, but for its lower nesting cap), and
 * the wanted members against jansson's object: kind, and for an unescaped
 * string the exact bytes. (Inputs with a NUL byte: see below.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonscan.h"

static enum eng_json_kind kind_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return ENG_JSON_OBJECT;
    case JSON_ARRAY: return ENG_JSON_ARRAY;
    case JSON_STRING: return ENG_JSON_STRING;
    case JSON_INTEGER: case JSON_REAL: return ENG_JSON_NUMBER;
    case JSON_TRUE: return ENG_JSON_TRUE;
    case JSON_FALSE: return ENG_JSON_FALSE;
    default: return ENG_JSON_NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = { "id", "ts", "customer", "source",
                                        "text", "a", "" };
    enum { NW = sizeof keys / sizeof keys[0] };
    struct eng_json_member want[NW];
    struct eng_json_scan sc;
    const char *s = (const char *)data;

    memset(want, 0, sizeof want);
    for (size_t i = 0; i < NW; i++)
        want[i].key = keys[i];
    int rc = eng_json_scan(s, size, want, NW, &sc);
    if (rc != 0 && (!sc.error || sc.error_at > size))
        abort();
    if (memchr(s, 0, size)) {
        /* jansson's reader stops at a NUL byte as if the text ended there
         * ("5926\0" loads as 5926); raw NUL is never valid JSON */
        if (rc == 0)
            abort();
        return 0;
    }
    json_t *v = json_loadb(s, size, JSON_DECODE_ANY, NULL);
    if (rc == 0 && !v)
        abort(); /* the scanner accepted what jansson refuses */
    if (rc != 0 && v && strcmp(sc.error, "nesting too deep") != 0)
        abort(); /* the scanner refused what jansson accepts */
    if (rc == 0 && sc.is_object != json_is_object(v))
        abort();
    if (rc == 0 && sc.is_object) {
        if (sc.close_brace >= size || s[sc.close_brace] != '}' ||
            sc.nmembers < json_object_size(v))
            abort();
        for (size_t i = 0; i < NW; i++) {
            json_t *m = json_object_get(v, keys[i]);
            if (!m) {
                if (want[i].kind != ENG_JSON_NONE)
                    abort();
                continue;
            }
            if (want[i].kind != kind_of(m))
                abort();
            if (want[i].val < s || want[i].val + want[i].val_len > s + size)
                abort();
            if (json_is_string(m) && !want[i].escaped &&
                (want[i].val_len != json_string_length(m) ||
                 memcmp(want[i].val, json_string_value(m),
                        want[i].val_len) != 0))
                abort();
        }
    }
    json_decref(v);
    return 0;
}
