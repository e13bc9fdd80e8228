/* lexicon: see lexicon.h. Open addressing with linear probing over a table
 * kept at most half full; words live in one growing byte arena, referenced
 * by offset so growing it never invalidates a slot. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "jsonl.h"
#include "lexicon.h"
#include "text.h"

struct slot {
    uint64_t hash;            /* 0: empty (a real hash of 0 is stored as 1) */
    uint32_t off, len;        /* the word in the arena */
    struct lexicon_entry e;
};

struct lexicon {
    struct slot *slots;
    size_t cap, used, nvalence;
    char *arena;
    size_t alen, acap;
};

static uint64_t hash_word(const char *w, size_t n)
{
    uint64_t h = XXH3_64bits(w, n);
    return h ? h : 1;
}

struct lexicon *lexicon_new(void)
{
    struct lexicon *lx = calloc(1, sizeof *lx);
    if (!lx)
        return NULL;
    lx->cap = 1024;
    lx->slots = calloc(lx->cap, sizeof *lx->slots);
    if (!lx->slots) {
        free(lx);
        return NULL;
    }
    return lx;
}

void lexicon_free(struct lexicon *lx)
{
    if (!lx)
        return;
    free(lx->slots);
    free(lx->arena);
    free(lx);
}

static struct slot *find(const struct lexicon *lx, const char *w, size_t n,
                         uint64_t h)
{
    size_t mask = lx->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct slot *s = &lx->slots[i];
        if (s->hash == 0 ||
            (s->hash == h && s->len == n && memcmp(lx->arena + s->off, w, n) == 0))
            return s;
    }
}

static int grow(struct lexicon *lx)
{
    size_t ncap = lx->cap * 2;
    struct slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < lx->cap; i++) {
        struct slot *s = &lx->slots[i];
        if (!s->hash)
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].hash)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(lx->slots);
    lx->slots = ns;
    lx->cap = ncap;
    return 0;
}

/* Returns the slot of word, creating it (zeroed entry) when absent. */
static struct slot *upsert(struct lexicon *lx, const char *w, size_t n)
{
    if (n > UINT32_MAX)
        return NULL;
    if ((lx->used + 1) * 2 > lx->cap && grow(lx) < 0)
        return NULL;
    uint64_t h = hash_word(w, n);
    struct slot *s = find(lx, w, n, h);
    if (s->hash)
        return s;
    if (lx->alen + n > lx->acap) {
        size_t ncap = lx->acap ? lx->acap : 65536;
        while (ncap < lx->alen + n)
            ncap *= 2;
        char *na = realloc(lx->arena, ncap);
        if (!na || ncap > UINT32_MAX) {
            if (na)
                lx->arena = na;
            return NULL;
        }
        lx->arena = na;
        lx->acap = ncap;
    }
    memcpy(lx->arena + lx->alen, w, n);
    s->hash = h;
    s->off = (uint32_t)lx->alen;
    s->len = (uint32_t)n;
    memset(&s->e, 0, sizeof s->e);
    lx->alen += n;
    lx->used++;
    return s;
}

int lexicon_set_valence(struct lexicon *lx, const char *word, size_t len,
                        double valence)
{
    struct slot *s = upsert(lx, word, len);
    if (!s)
        return -1;
    if (!s->e.in_lexicon)
        lx->nvalence++;
    s->e.in_lexicon = 1;
    s->e.valence = valence;
    return 0;
}

int lexicon_set_booster(struct lexicon *lx, const char *word, double b)
{
    struct slot *s = upsert(lx, word, strlen(word));
    if (!s)
        return -1;
    s->e.is_booster = 1;
    s->e.booster = b;
    return 0;
}

int lexicon_set_negation(struct lexicon *lx, const char *word)
{
    struct slot *s = upsert(lx, word, strlen(word));
    if (!s)
        return -1;
    s->e.is_negation = 1;
    return 0;
}

const struct lexicon_entry *lexicon_get(const struct lexicon *lx,
                                        const char *word, size_t len)
{
    struct slot *s = find(lx, word, len, hash_word(word, len));
    return s->hash ? &s->e : NULL;
}

size_t lexicon_size(const struct lexicon *lx)
{
    return lx->nvalence;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parses one line (without its newline). Returns 1 for an entry, 0 for a
 * blank or comment line, -1 with msg set. */
static int parse_line(struct lexicon *lx, const char *p, size_t n, int lower,
                      char **lowbuf, size_t *lowcap, const char **msg)
{
    /* Python's line.strip() first: blanks around the line do not count */
    while (n && is_blank(*p))
        p++, n--;
    while (n && is_blank(p[n - 1]))
        n--;
    if (n == 0)
        return 0;
    if (p[0] == '#' && (n == 1 || p[1] == ' '))
        return 0;
    const char *tab = memchr(p, '\t', n);
    if (!tab) {
        *msg = "expected WORD<TAB>VALENCE";
        return -1;
    }
    size_t wl = (size_t)(tab - p);
    const char *v = tab + 1, *vend = memchr(v, '\t', n - wl - 1);
    size_t vl = vend ? (size_t)(vend - v) : n - wl - 1;
    char num[64];
    if (wl == 0) {
        *msg = "empty word";
        return -1;
    }
    if (vl == 0 || vl >= sizeof num) {
        *msg = "expected a number after the tab";
        return -1;
    }
    memcpy(num, v, vl);
    num[vl] = '\0';
    char *e;
    errno = 0;
    double d = strtod(num, &e);
    while (is_blank(*e))
        e++;
    if (e == num || *e || !isfinite(d)) {
        *msg = "valence is not a finite number";
        return -1;
    }
    const char *w = p;
    if (lower) {
        if (*lowcap < wl * 3 + 8) {
            size_t nc = wl * 3 + 8;
            char *nb = realloc(*lowbuf, nc);
            if (!nb) {
                *msg = "out of memory";
                return -1;
            }
            *lowbuf = nb;
            *lowcap = nc;
        }
        wl = text_lower(p, wl, *lowbuf);
        w = *lowbuf;
    }
    if (lexicon_set_valence(lx, w, wl, d) < 0) {
        *msg = "out of memory";
        return -1;
    }
    return 1;
}

long lexicon_load_mem(struct lexicon *lx, const char *text, size_t len,
                      const char *name, int lower, struct eng_error *err)
{
    long count = 0, lineno = 0;
    char *lowbuf = NULL;
    size_t lowcap = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const char *msg = NULL;
        lineno++;
        if (memchr(p, '\0', n)) {
            eng_error_at(err, name, lineno, 0, "NUL byte in line");
            count = -1;
            break;
        }
        size_t bad;
        if (!eng_utf8_valid(p, n, &bad)) {
            eng_error_at(err, name, lineno, (long)bad + 1, "invalid UTF-8");
            count = -1;
            break;
        }
        int r = parse_line(lx, p, n, lower, &lowbuf, &lowcap, &msg);
        if (r < 0) {
            eng_error_at(err, name, lineno, 0, "%s", msg);
            count = -1;
            break;
        }
        count += r;
        p = nl ? nl + 1 : end;
    }
    free(lowbuf);
    return count;
}

long lexicon_load(struct lexicon *lx, const char *path, int lower,
                  struct eng_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
        eng_error_set(err, "%s: not a regular file of at most 64 MiB", path);
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        eng_error_set(err, "%s: out of memory", path);
        close(fd);
        return -1;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            eng_error_set(err, "%s: %s", path, r < 0 ? strerror(errno)
                                                     : "file shrank while read");
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    long n = lexicon_load_mem(lx, buf, size, path, lower, err);
    free(buf);
    return n;
}
