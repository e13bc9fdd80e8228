/* emoji: see emoji.h. A small open-addressing table keyed by code point;
 * descriptions live in one arena, referenced by offset. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emoji.h"
#include "jsonl.h"
#include "text.h"

struct eslot {
    uint32_t cp;              /* 0: empty (U+0000 is never an emoji) */
    uint32_t off, len;
};

struct emoji {
    struct eslot *slots;
    size_t cap, used;
    char *arena;
    size_t alen, acap;
};

struct emoji *emoji_new(void)
{
    struct emoji *em = calloc(1, sizeof *em);
    if (!em)
        return NULL;
    em->cap = 4096;
    if (!(em->slots = calloc(em->cap, sizeof *em->slots))) {
        free(em);
        return NULL;
    }
    return em;
}

void emoji_free(struct emoji *em)
{
    if (!em)
        return;
    free(em->slots);
    free(em->arena);
    free(em);
}

static size_t hash_cp(uint32_t cp, size_t mask)
{
    return (size_t)((cp * 2654435761u) ^ (cp >> 7)) & mask;
}

static struct eslot *find(const struct emoji *em, uint32_t cp)
{
    size_t mask = em->cap - 1;
    for (size_t i = hash_cp(cp, mask);; i = (i + 1) & mask)
        if (em->slots[i].cp == cp || em->slots[i].cp == 0)
            return &em->slots[i];
}

static int grow(struct emoji *em)
{
    struct emoji tmp = *em;
    tmp.cap = em->cap * 2;
    if (!(tmp.slots = calloc(tmp.cap, sizeof *tmp.slots)))
        return -1;
    for (size_t i = 0; i < em->cap; i++)
        if (em->slots[i].cp)
            *find(&tmp, em->slots[i].cp) = em->slots[i];
    free(em->slots);
    em->slots = tmp.slots;
    em->cap = tmp.cap;
    return 0;
}

static int put(struct emoji *em, uint32_t cp, const char *d, size_t n)
{
    if ((em->used + 1) * 2 > em->cap && grow(em) < 0)
        return -1;
    if (em->alen + n > em->acap) {
        size_t nc = em->acap ? em->acap * 2 : 65536;
        while (nc < em->alen + n)
            nc *= 2;
        char *na = realloc(em->arena, nc);
        if (!na)
            return -1;
        em->arena = na;
        em->acap = nc;
    }
    memcpy(em->arena + em->alen, d, n);
    struct eslot *s = find(em, cp);
    if (!s->cp)
        em->used++;
    s->cp = cp;
    s->off = (uint32_t)em->alen;
    s->len = (uint32_t)n;
    em->alen += n;
    return 0;
}

const char *emoji_get(const struct emoji *em, uint32_t cp, size_t *len)
{
    if (cp == 0)
        return NULL;
    const struct eslot *s = find(em, cp);
    if (!s->cp)
        return NULL;
    *len = s->len;
    return em->arena + s->off;
}

long emoji_load_mem(struct emoji *em, const char *text, size_t len,
                    const char *name, struct eng_error *err)
{
    long kept = 0, lineno = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t bad;
        lineno++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0) {
            p = nl ? nl + 1 : end;
            continue;
        }
        if (!eng_utf8_valid(p, n, &bad) || memchr(p, '\0', n)) {
            eng_error_at(err, name, lineno, 0, "invalid UTF-8 or NUL byte");
            return -1;
        }
        const char *tab = memchr(p, '\t', n);
        if (!tab || tab == p) {
            eng_error_at(err, name, lineno, 0, "expected EMOJI<TAB>DESCRIPTION");
            return -1;
        }
        const char *d = tab + 1, *dend = memchr(d, '\t', (size_t)(p + n - d));
        size_t dl = dend ? (size_t)(dend - d) : (size_t)(p + n - d);
        uint32_t cp;
        size_t l = text_decode((const unsigned char *)p, (size_t)(tab - p), &cp);
        if (l == (size_t)(tab - p)) {
            if (put(em, cp, d, dl) < 0) {
                eng_error_set(err, "%s: out of memory", name);
                return -1;
            }
            kept++;
        }
        p = nl ? nl + 1 : end;
    }
    return kept;
}

long emoji_load(struct emoji *em, const char *path, struct eng_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0, len = 0, r;
    do {
        if (cap - len < 65536) {
            char *nb = cap > (64u << 20) ? NULL : realloc(buf, cap + 65536 * 4);
            if (!nb) {
                eng_error_set(err, "%s: too large or out of memory", path);
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
            cap += 65536 * 4;
        }
        r = fread(buf + len, 1, cap - len, f);
        len += r;
    } while (r > 0);
    int rerr = ferror(f);
    fclose(f);
    long n = rerr ? -1 : emoji_load_mem(em, buf, len, path, err);
    if (rerr)
        eng_error_set(err, "%s: read error", path);
    free(buf);
    return n;
}
