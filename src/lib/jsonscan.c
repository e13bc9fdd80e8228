/* jsonscan: one-pass strict JSON validator and top-level member finder
 * (see jsonscan.h).
 *
 * The grammar is RFC 8259's, walked by a loop with three entry points
 * instead of recursion:
 *
 *     value:  '{' -> push object; '}' ? close : goto key
 *             '[' -> push array;  ']' ? close : goto value
 *             string | number | true | false | null
 *     done:   a value ended; if it was a member value of the top-level
 *             object, record it for the caller
 *             depth 0 -> only blanks may follow
 *             ',' -> (object) goto key, (array) goto value
 *             '}' / ']' matching the innermost container -> pop, goto done
 *     key:    string ':' goto value
 *
 * The open containers are a stack of bits (1 = object), at most
 * ENG_JSONSCAN_MAX_DEPTH deep, so the scan allocates nothing and hostile
 * nesting costs no C stack.
 *
 * Where RFC 8259 leaves room, the scanner decides like jansson (the DOM
 * parser the tools fall back on), so a line passes the fast path exactly
 * when jansson would load it:
 *   1. "\u0000" in a string is an error (jansson without JSON_ALLOW_NUL).
 *   2. A lone or mismatched surrogate escape is an error.
 *   3. An integer (no fraction, no exponent) must fit in 64 bits signed.
 *   4. A real must not overflow a double: strtod would return HUGE_VAL for
 *      it. A real overflows exactly when it is >= 2^1024 - 2^970 (halfway
 *      between DBL_MAX and 2^1024; the tie rounds to even, i.e. up), which
 *      is checked on the decimal digits without strtod or the locale.
 * Unlike jansson, nesting deeper than ENG_JSONSCAN_MAX_DEPTH is an error
 * (jansson allows 2048).
 *
 * Strings dominate event lines, so their bytes are examined 16 at a time
 * (SSE2; else 8 with a word test): one test finds the first byte that is
 * '"', '\\', a control character or non-ASCII, and only that byte is looked
 * at alone (skip_plain). Measured on the 1M-event file (265 MB): reading
 * the lines and scanning each for five members takes 0.22 s, parsing each
 * with json_loadb 3.5 s.
 */
#include "jsonscan.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* 2^1024 - 2^970: the smallest decimal that strtod rounds to infinity. */
static const char real_overflow[] =
    "17976931348623158079372897140530341507993413271003782693617377898044"
    "49682927647509466490179775872070963302864166928879109465555478519404"
    "02630657488671505820681908902000708383676273854845817711531764475730"
    "27006985557136695962284291481986083493647529271907416844436551070434"
    "2711559699508093042880177904174497792";

/* hexval[c]: 1 + the value of hex digit c, 0 when c is not one. */
static const unsigned char hexval[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
    ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Returns the length of the well-formed UTF-8 sequence at s[0..n) (1..4),
 * or 0 when it is ill-formed (Unicode Table 3-7). */
static int utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    int need;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c == 0xE0)
        need = 2, lo = 0xA0;
    else if (c == 0xED)
        need = 2, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        need = 2;
    else if (c == 0xF0)
        need = 3, lo = 0x90;
    else if (c == 0xF4)
        need = 3, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
        need = 3;
    else
        return 0;
    if (n <= (size_t)need || s[1] < lo || s[1] > hi)
        return 0;
    if (need >= 2 && (s[2] & 0xC0) != 0x80)
        return 0;
    if (need == 3 && (s[3] & 0xC0) != 0x80)
        return 0;
    return need + 1;
}

static unsigned hex4(const unsigned char *p)
{
    return (unsigned)(hexval[p[0]] - 1) << 12 |
           (unsigned)(hexval[p[1]] - 1) << 8 |
           (unsigned)(hexval[p[2]] - 1) << 4 | (unsigned)(hexval[p[3]] - 1);
}

static int is_hex4(const unsigned char *p)
{
    return hexval[p[0]] && hexval[p[1]] && hexval[p[2]] && hexval[p[3]];
}

/* Compares the raw (still escaped, but known valid) key k[0..klen) with the
 * plain bytes w[0..wlen) after unescaping k. Returns 1 when equal. */
static int key_eq_escaped(const unsigned char *k, size_t klen,
                          const unsigned char *w, size_t wlen)
{
    size_t i = 0, j = 0;
    while (i < klen) {
        unsigned char out[4];
        size_t n = 1;
        if (k[i] != '\\') {
            out[0] = k[i++];
        } else {
            unsigned char c = k[i + 1];
            i += 2;
            switch (c) {
            case 'b': out[0] = '\b'; break;
            case 'f': out[0] = '\f'; break;
            case 'n': out[0] = '\n'; break;
            case 'r': out[0] = '\r'; break;
            case 't': out[0] = '\t'; break;
            case 'u': {
                unsigned cp = hex4(k + i);
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {   /* pair: validated */
                    cp = 0x10000 + ((cp - 0xD800) << 10) +
                         (hex4(k + i + 2) - 0xDC00);
                    i += 6;
                }
                if (cp < 0x80) {
                    out[0] = (unsigned char)cp;
                } else if (cp < 0x800) {
                    out[0] = (unsigned char)(0xC0 | cp >> 6);
                    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
                    n = 2;
                } else if (cp < 0x10000) {
                    out[0] = (unsigned char)(0xE0 | cp >> 12);
                    out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    out[2] = (unsigned char)(0x80 | (cp & 0x3F));
                    n = 3;
                } else {
                    out[0] = (unsigned char)(0xF0 | cp >> 18);
                    out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
                    out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
                    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
                    n = 4;
                }
                break;
            }
            default: out[0] = c; break;   /* '"', '\\', '/' */
            }
        }
        if (wlen - j < n || memcmp(w + j, out, n) != 0)
            return 0;
        j += n;
    }
    return j == wlen;
}

/* Checks the real number whose digits (with at most one '.') are d[0..n)
 * and whose exponent is exp; returns 1 when strtod would overflow. */
static int real_overflows(const unsigned char *d, size_t n, long long exp)
{
    size_t i = 0, intdigits = 0, lead = 0, k;
    long long e10;
    int seen_dot = 0;

    /* e10: the power of ten of the first significant digit. */
    while (i < n && d[i] != '.')
        i++, intdigits++;
    k = 0;
    while (k < n && (d[k] == '0' || d[k] == '.')) {
        if (d[k] == '0' && seen_dot)
            lead++;
        if (d[k] == '.')
            seen_dot = 1;
        k++;
    }
    if (k == n)
        return 0;                      /* zero */
    if (d[0] != '0')
        e10 = (long long)intdigits - 1 + exp;
    else
        e10 = -(long long)lead - 1 + exp;
    if (e10 < 308)
        return 0;
    if (e10 > 308)
        return 1;
    /* Same magnitude as the threshold: compare the significant digits. */
    for (i = 0; i < sizeof real_overflow - 1; i++) {
        char c = '0';
        while (k < n && d[k] == '.')
            k++;
        if (k < n)
            c = (char)d[k++];
        if (c != real_overflow[i])
            return c > real_overflow[i];
    }
    return 1;                          /* equal or more digits: >= */
}

/* Returns the first byte in [p, end) that is '"', '\\', a control
 * character or non-ASCII (or a pointer near end from which the caller goes
 * byte by byte). Event strings are short, so this jumps straight to the
 * special byte instead of stopping at the block that holds it: SSE2 does 16
 * bytes with one signed compare (< 0x20 as signed catches 0x80..0xFF too);
 * elsewhere a word test does 8, where the lowest flagged byte is exact
 * because borrows only run upwards. */
static inline const unsigned char *skip_plain(const unsigned char *p,
                                              const unsigned char *end)
{
#if defined(__SSE2__)
    const __m128i vq = _mm_set1_epi8('"'), vb = _mm_set1_epi8('\\'),
                  vsp = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vb)),
            _mm_cmplt_epi8(v, vsp)));
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (end - p >= 8) {
        uint64_t v, q, b, m;
        memcpy(&v, p, 8);
        q = v ^ (ONES * '"');
        b = v ^ (ONES * '\\');
        m = (((q - ONES) & ~q) | ((b - ONES) & ~b) |
             ((v - ONES * 0x20) & ~v) | v) & HIGHS;
        if (m) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return p + __builtin_ctzll(m) / 8;
#else
            return p;
#endif
        }
        p += 8;
    }
    return p;
}

/* Scans the string whose opening quote is at *pp: validates escapes
 * (surrogate pairs included), control characters and UTF-8. Returns 0 and
 * leaves *pp after the closing quote and *esc set when the string holds a
 * backslash; or returns -1 with *pp at the problem and *err saying what. */
static inline __attribute__((always_inline)) int
scan_string(const unsigned char **pp, const unsigned char *end, int *esc,
            const char **err)
{
    const unsigned char *p = *pp + 1;
    *esc = 0;
    for (;;) {
        p = skip_plain(p, end);
        if (p == end) {
            *err = "unterminated string";
            break;
        }
        if (*p == '"') {
            *pp = p + 1;
            return 0;
        }
        if (*p == '\\') {
            unsigned cp;
            *esc = 1;
            if (end - p < 2) {
                *err = "unterminated string";
                break;
            }
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                p += 2;
                continue;
            case 'u':
                break;
            default:
                *err = "invalid escape";
                goto fail;
            }
            if (end - p < 6 || !is_hex4(p + 2)) {
                *err = "invalid \\u escape";
                break;
            }
            cp = hex4(p + 2);
            if (cp == 0) {
                *err = "\\u0000 is not allowed";
                break;
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                *err = "lone low surrogate in \\u escape";
                break;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
                    !is_hex4(p + 8) || hex4(p + 8) < 0xDC00 ||
                    hex4(p + 8) > 0xDFFF) {
                    *err = "lone high surrogate in \\u escape";
                    break;
                }
                p += 6;
            }
            p += 6;
        } else if (*p < 0x20) {
            *err = "control character in string";
            break;
        } else if (*p >= 0x80) {
            int n = utf8_len(p, (size_t)(end - p));
            if (!n) {
                *err = "invalid UTF-8";
                break;
            }
            p += n;
        } else {
            p++;
        }
    }
fail:
    *pp = p;
    return -1;
}

static inline int is_blank(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Records a failure at p; returns -1 for eng_json_scan to return. */
static int scan_fail(struct eng_json_scan *out, const char *s,
                     const unsigned char *p, const char *msg)
{
    out->error = msg;
    out->error_at = (size_t)(p - (const unsigned char *)s);
    out->is_object = 0;
    return -1;
}

int eng_json_scan(const char *s, size_t len, struct eng_json_member *want,
                  size_t nwant, struct eng_json_scan *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    const unsigned char *vstart = NULL;   /* current top-level member value */
    const unsigned char *str = NULL;      /* last string: after its quote */
    uint64_t stack[ENG_JSONSCAN_MAX_DEPTH / 64];
    unsigned depth = 0;
    int top_obj = 0, str_esc = 0;
    struct eng_json_member *cur = NULL;   /* wanted member being scanned */
    size_t wlen[32];
    size_t i;

    memset(out, 0, sizeof *out);
    for (i = 0; i < nwant; i++) {
        want[i].kind = ENG_JSON_NONE;
        want[i].val = NULL;
        want[i].val_len = 0;
        want[i].escaped = 0;
        if (i < 32)
            wlen[i] = strlen(want[i].key);
    }

    while (p < end && is_blank(*p))
        p++;
    top_obj = p < end && *p == '{';

value:
    if (p == end)
        return scan_fail(out, s, p, "unexpected end of input");
    switch (*p) {
    case '{':
        if (depth == ENG_JSONSCAN_MAX_DEPTH)
            return scan_fail(out, s, p, "nesting too deep");
        stack[depth / 64] |= (uint64_t)1 << (depth % 64);
        depth++;
        p++;
        while (p < end && is_blank(*p))
            p++;
        if (p < end && *p == '}') {
            if (depth == 1)
                out->close_brace = (size_t)(p - (const unsigned char *)s);
            p++;
            depth--;
            goto done;
        }
        goto key;
    case '[':
        if (depth == ENG_JSONSCAN_MAX_DEPTH)
            return scan_fail(out, s, p, "nesting too deep");
        stack[depth / 64] &= ~((uint64_t)1 << (depth % 64));
        depth++;
        p++;
        while (p < end && is_blank(*p))
            p++;
        if (p < end && *p == ']') {
            p++;
            depth--;
            goto done;
        }
        goto value;
    case '"':
        str = p + 1;
        if (scan_string(&p, end, &str_esc, &out->error) < 0)
            return scan_fail(out, s, p, out->error);
        goto done;
    case 't':
        if (end - p < 4 || memcmp(p, "true", 4) != 0)
            return scan_fail(out, s, p, "invalid literal");
        p += 4;
        goto done;
    case 'f':
        if (end - p < 5 || memcmp(p, "false", 5) != 0)
            return scan_fail(out, s, p, "invalid literal");
        p += 5;
        goto done;
    case 'n':
        if (end - p < 4 || memcmp(p, "null", 4) != 0)
            return scan_fail(out, s, p, "invalid literal");
        p += 4;
        goto done;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
        const unsigned char *num, *digits;
        int neg = 0, real = 0;
        long long exp = 0;
        size_t nint;
        if (*p == '-')
            p++, neg = 1;
        digits = p;
        if (p < end && *p == '0') {
            p++;
            if (p < end && *p >= '0' && *p <= '9')
                return scan_fail(out, s, p, "invalid number: leading zero");
        } else if (p < end && *p >= '1' && *p <= '9') {
            while (p < end && *p >= '0' && *p <= '9')
                p++;
        } else {
            return scan_fail(out, s, p, "invalid number");
        }
        nint = (size_t)(p - digits);
        if (p < end && *p == '.') {
            p++;
            if (p == end || *p < '0' || *p > '9')
                return scan_fail(out, s, p,
                                 "invalid number: digit expected after '.'");
            while (p < end && *p >= '0' && *p <= '9')
                p++;
            real = 1;
        }
        num = p;   /* end of the digits and '.' */
        if (p < end && (*p == 'e' || *p == 'E')) {
            int eneg = 0;
            p++;
            if (p < end && (*p == '+' || *p == '-'))
                eneg = *p++ == '-';
            if (p == end || *p < '0' || *p > '9')
                return scan_fail(out, s, p,
                                 "invalid number: digit expected in exponent");
            while (p < end && *p >= '0' && *p <= '9') {
                if (exp < 1000000000)   /* beyond that the answer is fixed */
                    exp = exp * 10 + (*p - '0');
                p++;
            }
            if (eneg)
                exp = -exp;
            real = 1;
        }
        if (!real) {
            /* jansson stores integers as long long; more is an error. */
            if (nint > 19 ||
                (nint == 19 && memcmp(digits, neg ? "9223372036854775808"
                                                  : "9223372036854775807",
                                      19) > 0))
                return scan_fail(out, s, p, "integer too big");
        } else if ((long long)nint + exp >= 308 &&
                   real_overflows(digits, (size_t)(num - digits), exp)) {
            return scan_fail(out, s, p, "real number overflow");
        }
        goto done;
    }
    default:
        return scan_fail(out, s, p, "unexpected character");
    }

done:
    /* A value just ended at p. */
    if (depth == 1 && top_obj) {
        out->nmembers++;
        if (cur) {
            switch (*vstart) {
            case '{': cur->kind = ENG_JSON_OBJECT; break;
            case '[': cur->kind = ENG_JSON_ARRAY; break;
            case 't': cur->kind = ENG_JSON_TRUE; break;
            case 'f': cur->kind = ENG_JSON_FALSE; break;
            case 'n': cur->kind = ENG_JSON_NULL; break;
            case '"': cur->kind = ENG_JSON_STRING; break;
            default:  cur->kind = ENG_JSON_NUMBER; break;
            }
            if (cur->kind == ENG_JSON_STRING) {
                cur->val = (const char *)str;
                cur->val_len = (size_t)(p - 1 - str);
                cur->escaped = str_esc;
            } else {
                cur->val = (const char *)vstart;
                cur->val_len = (size_t)(p - vstart);
                cur->escaped = 0;
            }
            cur = NULL;
        }
    }
    if (depth == 0) {
        while (p < end && is_blank(*p))
            p++;
        if (p != end)
            return scan_fail(out, s, p, "garbage after value");
        out->is_object = top_obj;
        return 0;
    }
    while (p < end && is_blank(*p))
        p++;
    if (p == end)
        return scan_fail(out, s, p, "unexpected end of input");
    if (stack[(depth - 1) / 64] & ((uint64_t)1 << ((depth - 1) % 64))) {
        if (*p == ',') {
            p++;
            while (p < end && is_blank(*p))
                p++;
            goto key;
        }
        if (*p == '}') {
            if (depth == 1)
                out->close_brace = (size_t)(p - (const unsigned char *)s);
            p++;
            depth--;
            goto done;
        }
        return scan_fail(out, s, p, "expected ',' or '}'");
    }
    if (*p == ',') {
        p++;
        while (p < end && is_blank(*p))
            p++;
        goto value;
    }
    if (*p == ']') {
        p++;
        depth--;
        goto done;
    }
    return scan_fail(out, s, p, "expected ',' or ']'");

key:
    if (p == end)
        return scan_fail(out, s, p, "unexpected end of input");
    if (*p != '"')
        return scan_fail(out, s, p, "expected '\"' (object key)");
    str = p + 1;
    if (scan_string(&p, end, &str_esc, &out->error) < 0)
        return scan_fail(out, s, p, out->error);
    if (depth == 1 && top_obj) {
        size_t klen = (size_t)(p - 1 - str);
        for (i = 0; i < nwant; i++) {
            size_t wl = i < 32 ? wlen[i] : strlen(want[i].key);
            const unsigned char *wk = (const unsigned char *)want[i].key;
            int eq;
            if (str_esc)
                eq = key_eq_escaped(str, klen, wk, wl);
            else   /* the first-byte test saves most memcmp calls */
                eq = klen == wl && (wl == 0 || (str[0] == wk[0] &&
                                                memcmp(str, wk, wl) == 0));
            if (eq) {
                cur = &want[i];
                /* jansson keeps the last of duplicate keys; so do we */
                if (cur->kind != ENG_JSON_NONE)
                    out->dup_key = 1;
                break;
            }
        }
    }
    while (p < end && is_blank(*p))
        p++;
    if (p == end)
        return scan_fail(out, s, p, "unexpected end of input");
    if (*p != ':')
        return scan_fail(out, s, p, "expected ':'");
    p++;
    while (p < end && is_blank(*p))
        p++;
    if (depth == 1)
        vstart = p;
    goto value;
}
