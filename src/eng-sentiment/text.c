/* text: see text.h. */
#include <wctype.h>

#include "text.h"

size_t text_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len)
        return 0;
    uint32_t v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* overlongs, surrogates and > U+10FFFF */
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

size_t text_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int text_is_space(uint32_t c)
{
    /* CPython's _PyUnicode_IsWhitespace: bidirectional types WS, B, S and
     * category Zs, which includes U+001C..U+001F */
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

int text_is_punct(uint32_t c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

size_t text_lower(const char *s, size_t n, char *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            out[o++] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = text_decode(p + i, n - i, &cp);
        if (!l) {
            i++;
            continue;
        }
        uint32_t lc = (uint32_t)towlower((wint_t)cp);
        o += text_encode(lc, out + o);
        i += l;
    }
    return o;
}

int text_isupper(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int cased = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            if (p[i] >= 'a' && p[i] <= 'z')
                return 0;
            if (p[i] >= 'A' && p[i] <= 'Z')
                cased = 1;
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = text_decode(p + i, n - i, &cp);
        if (!l) {
            i++;
            continue;
        }
        i += l;
        if (iswlower((wint_t)cp))
            return 0;
        if (iswupper((wint_t)cp)) {
            /* title case (Dž): has both an upper and a lower mapping */
            if (towlower((wint_t)cp) != (wint_t)cp &&
                towupper((wint_t)cp) != (wint_t)cp)
                return 0;
            cased = 1;
        }
    }
    return cased;
}

size_t text_cplen(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}
