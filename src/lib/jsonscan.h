/* jsonscan: validate one JSON text and find the members of its top-level
 * object, without building a DOM.
 *
 * Why: parsing a line with jansson costs about ten times what moving its
 * bytes costs (ARCHITECTURE.md, Speed). A stage that only needs to know that
 * a line is a valid JSON object and where a few top-level members are (id,
 * ts, customer, source) can scan it once, check it strictly (RFC 8259:
 * grammar, string escapes, UTF-8, numbers; nesting capped), and then write the
 * original bytes with new fields spliced in.
 *
 * The scanner accepts exactly what jansson's json_loadb(JSON_DECODE_ANY)
 * accepts (so the fast path and the DOM path never disagree about a line),
 * except that nesting is capped at ENG_JSONSCAN_MAX_DEPTH (jansson: 2048).
 * Like jansson it rejects "\u0000" in strings, lone surrogate escapes,
 * integers outside 64 bits and reals that overflow a double.
 *
 * Duplicate keys: only the *wanted* keys are compared, so dup_key says that
 * a wanted key occurs twice at the top level (then its member holds the
 * last value, as in jansson); duplicates among other keys go unnoticed.
 * That is cheap and is what callers need: they fall back to the DOM path or
 * reject when a key they rely on is ambiguous.
 */
#ifndef ENG_JSONSCAN_H
#define ENG_JSONSCAN_H

#include <stddef.h>

#define ENG_JSONSCAN_MAX_DEPTH 512

enum eng_json_kind {
    ENG_JSON_NONE = 0, /* member not present */
    ENG_JSON_OBJECT, ENG_JSON_ARRAY, ENG_JSON_STRING, ENG_JSON_NUMBER,
    ENG_JSON_TRUE, ENG_JSON_FALSE, ENG_JSON_NULL
};

/* A top-level member the caller asked about. */
struct eng_json_member {
    const char *key;          /* in: the key to look for (exact, unescaped) */
    enum eng_json_kind kind;  /* out: ENG_JSON_NONE when absent */
    const char *val;          /* out: the value's text; for a string, the
                                 bytes between the quotes (still escaped) */
    size_t val_len;
    int escaped;              /* out: a string value contains backslashes */
};

struct eng_json_scan {
    int is_object;            /* top-level value is an object */
    int dup_key;              /* a wanted top-level key occurs twice */
    size_t close_brace;       /* offset of the top-level object's '}' */
    size_t nmembers;          /* number of top-level members */
    size_t error_at;          /* on failure: byte offset of the problem */
    const char *error;        /* on failure: static text ("unexpected ','",
                                 "invalid escape", "nesting too deep", ...) */
};

/* Scans s[0..len) (one JSON text, blanks allowed around it). Fills the
 * asked-for members (want[i].key set by the caller; nwant may be 0) and
 * *out. Returns 0 when s is one valid JSON value, -1 otherwise (out->error,
 * out->error_at). Allocates nothing. Document keys with escapes in them
 * ("\u0069d") are unescaped before they are compared with the wanted keys,
 * which are plain UTF-8. */
int eng_json_scan(const char *s, size_t len, struct eng_json_member *want,
                  size_t nwant, struct eng_json_scan *out);

#endif
