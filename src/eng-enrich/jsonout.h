/* jsonout: a compact JSON serialiser for the values eng-enrich adds to each
 * event (profile, context). jansson's json_dumpb goes through a callback per
 * token and printf per number; on a profile with a ten-entry history that
 * was half of eng-enrich's time. This writes straight into a growable
 * buffer: strings are copied in runs between the bytes that need escapes,
 * integers are converted by hand, reals use the shortest of "%.15g" to
 * "%.17g" that reads back as the same double (".0" added to whole values,
 * as jansson does, so they stay reals).
 */
#ifndef ENG_ENRICH_JSONOUT_H
#define ENG_ENRICH_JSONOUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct jbuf {
    char *data;
    size_t len, cap;
};

/* Appends v's compact JSON text (object keys in their order). Aborts when
 * out of memory. NaN and infinities (which jansson cannot hold) never
 * occur. */
void jbuf_json(struct jbuf *b, const json_t *v);
/* Appends s[0..n) raw. */
void jbuf_put(struct jbuf *b, const char *s, size_t n);
/* Appends s[0..n) as a JSON string literal. */
void jbuf_string(struct jbuf *b, const char *s, size_t n);
/* Appends an integer; a real with at least `digits` significant digits
 * (15 for output, 17 for state) and as many more as it takes to read back
 * as the same double. */
void jbuf_int(struct jbuf *b, int64_t v);
void jbuf_real(struct jbuf *b, double d, int digits);
void jbuf_free(struct jbuf *b);

#endif
