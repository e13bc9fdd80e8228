/* cust: two hash tables eng-emit keeps for the run.
 *
 * custmap: customer id -> struct cust (caps history, arbitration group).
 *   Open addressing with linear probing on XXH3-64 of the key, doubled at
 *   half load; entries are pointers, so a struct cust never moves.
 * idset: a set of 64-bit hashes. Action ids are kept as XXH3-64 of their
 *   bytes, not as strings: a million ids cost 16 MB instead of ~100 MB, and
 *   the chance that two of a million distinct ids collide is ~3e-8 (birthday
 *   bound n^2 / 2^65). 0 marks an empty slot, so a hash of 0 is stored as 1.
 */
#define XXH_INLINE_ALL
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "policy.h"

uint64_t emit_hash(const char *s, size_t len)
{
    uint64_t h = XXH3_64bits(s, len);
    return h ? h : 1;
}

struct custmap {
    struct cust **slot;
    uint64_t *hash;
    size_t cap, n;
};

struct custmap *custmap_new(void)
{
    struct custmap *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->cap = 1024;
    m->slot = calloc(m->cap, sizeof *m->slot);
    m->hash = calloc(m->cap, sizeof *m->hash);
    if (!m->slot || !m->hash)
        abort();
    return m;
}

void custmap_free(struct custmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i]) {
            free(m->slot[i]->key);
            free(m->slot[i]->sent);
            free(m->slot[i]);
        }
    free(m->slot);
    free(m->hash);
    free(m);
}

static void grow(struct custmap *m)
{
    size_t ncap = m->cap * 2;
    struct cust **ns = calloc(ncap, sizeof *ns);
    uint64_t *nh = calloc(ncap, sizeof *nh);
    if (!ns || !nh)
        abort();
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slot[i])
            continue;
        size_t j = m->hash[i] & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slot[i];
        nh[j] = m->hash[i];
    }
    free(m->slot);
    free(m->hash);
    m->slot = ns;
    m->hash = nh;
    m->cap = ncap;
}

struct cust *custmap_get(struct custmap *m, const char *key)
{
    size_t len = strlen(key);
    uint64_t h = emit_hash(key, len);
    size_t i = h & (m->cap - 1);
    while (m->slot[i]) {
        if (m->hash[i] == h && strcmp(m->slot[i]->key, key) == 0)
            return m->slot[i];
        i = (i + 1) & (m->cap - 1);
    }
    struct cust *c = calloc(1, sizeof *c);
    if (!c || !(c->key = strdup(key)))
        abort();
    m->slot[i] = c;
    m->hash[i] = h;
    if (++m->n * 2 > m->cap)
        grow(m);
    return c;
}

size_t custmap_size(const struct custmap *m)
{
    return m->n;
}

void custmap_foreach(struct custmap *m, void (*fn)(struct cust *, void *),
                     void *ctx)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i])
            fn(m->slot[i], ctx);
}

struct idset {
    uint64_t *v;
    size_t cap, n;
};

struct idset *idset_new(void)
{
    struct idset *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cap = 1024;
    if (!(s->v = calloc(s->cap, sizeof *s->v)))
        abort();
    return s;
}

void idset_free(struct idset *s)
{
    if (s)
        free(s->v);
    free(s);
}

void idset_clear(struct idset *s)
{
    memset(s->v, 0, s->cap * sizeof *s->v);
    s->n = 0;
}

static void idset_grow(struct idset *s)
{
    size_t ncap = s->cap * 2;
    uint64_t *nv = calloc(ncap, sizeof *nv);
    if (!nv)
        abort();
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->v[i])
            continue;
        size_t j = s->v[i] & (ncap - 1);
        while (nv[j])
            j = (j + 1) & (ncap - 1);
        nv[j] = s->v[i];
    }
    free(s->v);
    s->v = nv;
    s->cap = ncap;
}

int idset_add(struct idset *s, uint64_t h)
{
    size_t i = h & (s->cap - 1);
    while (s->v[i]) {
        if (s->v[i] == h)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->v[i] = h;
    if (++s->n * 2 > s->cap)
        idset_grow(s);
    return 1;
}

int idset_has(const struct idset *s, uint64_t h)
{
    size_t i = h & (s->cap - 1);
    while (s->v[i]) {
        if (s->v[i] == h)
            return 1;
        i = (i + 1) & (s->cap - 1);
    }
    return 0;
}
