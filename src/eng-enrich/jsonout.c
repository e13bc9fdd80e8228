/* jsonout: compact JSON text of jansson values (jsonout.h). */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"

static void reserve(struct jbuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n)
        cap *= 2;
    if (!(b->data = realloc(b->data, cap)))
        abort();
    b->cap = cap;
}

void jbuf_put(struct jbuf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* 1 for the bytes a JSON string must escape: control characters, '"', '\' */
static const unsigned char needs_escape[256] = {
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
    [127] = 0
};

void jbuf_string(struct jbuf *b, const char *s, size_t n)
{
    reserve(b, n + 2);
    b->data[b->len++] = '"';
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !needs_escape[(unsigned char)s[j]])
            j++;
        jbuf_put(b, s + i, j - i);
        if (j == n)
            break;
        unsigned char c = (unsigned char)s[j];
        char esc[8];
        switch (c) {
        case '"':  jbuf_put(b, "\\\"", 2); break;
        case '\\': jbuf_put(b, "\\\\", 2); break;
        case '\n': jbuf_put(b, "\\n", 2); break;
        case '\t': jbuf_put(b, "\\t", 2); break;
        case '\r': jbuf_put(b, "\\r", 2); break;
        case '\b': jbuf_put(b, "\\b", 2); break;
        case '\f': jbuf_put(b, "\\f", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jbuf_put(b, esc, 6);
        }
        i = j + 1;
    }
    reserve(b, 1);
    b->data[b->len++] = '"';
}

void jbuf_int(struct jbuf *b, int64_t v)
{
    char tmp[24];
    int k = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--k] = '-';
    jbuf_put(b, tmp + k, sizeof tmp - (size_t)k);
}

void jbuf_real(struct jbuf *b, double d, int digits)
{
    char tmp[40];
    /* `digits` is where the search starts: more are used until the text
     * reads back as d, so an average like 0.06124999999999997 is not
     * written as 0.06125 (a different double downstream) */
    int n = 0;
    for (; digits <= 17; digits++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", digits, d);
        if (n < 0 || n >= (int)sizeof tmp || strtod(tmp, NULL) == d)
            break;
    }
    if (n < 0 || n >= (int)sizeof tmp)
        n = snprintf(tmp, sizeof tmp, "0.0");
    if (!strpbrk(tmp, ".eEni")) {
        tmp[n++] = '.';
        tmp[n++] = '0';
    }
    jbuf_put(b, tmp, (size_t)n);
}

void jbuf_json(struct jbuf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *m;
        int first = 1;
        jbuf_put(b, "{", 1);
        json_object_foreach((json_t *)v, k, m) {
            if (!first)
                jbuf_put(b, ",", 1);
            first = 0;
            jbuf_string(b, k, strlen(k));
            jbuf_put(b, ":", 1);
            jbuf_json(b, m);
        }
        jbuf_put(b, "}", 1);
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        jbuf_put(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                jbuf_put(b, ",", 1);
            jbuf_json(b, json_array_get(v, i));
        }
        jbuf_put(b, "]", 1);
        break;
    }
    case JSON_STRING:
        jbuf_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        jbuf_int(b, json_integer_value(v));
        break;
    case JSON_REAL:
        jbuf_real(b, json_real_value(v), 15);
        break;
    case JSON_TRUE:
        jbuf_put(b, "true", 4);
        break;
    case JSON_FALSE:
        jbuf_put(b, "false", 5);
        break;
    case JSON_NULL:
        jbuf_put(b, "null", 4);
        break;
    }
}

void jbuf_free(struct jbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}
