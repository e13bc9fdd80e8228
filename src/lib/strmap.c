/* strmap: open addressing with linear probing (strmap.h). */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "strmap.h"

static struct strmap_ent *find(const struct strmap *m, const char *key,
                               size_t klen, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_ent *e = &m->tab[i];
        if (!e->key || (e->hash == h && e->klen == klen &&
                        memcmp(e->key, key, klen) == 0))
            return e;
    }
}

void *strmap_get(const struct strmap *m, const char *key, size_t klen)
{
    if (!m->cap)
        return NULL;
    struct strmap_ent *e = find(m, key, klen, XXH3_64bits(key, klen));
    return e->key ? e->val : NULL;
}

static void grow(struct strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct strmap_ent *old = m->tab;
    size_t ocap = m->cap;
    if (!(m->tab = calloc(ncap, sizeof *m->tab)))
        abort();
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key)
            *find(m, old[i].key, old[i].klen, old[i].hash) = old[i];
    free(old);
}

struct strmap_ent *strmap_put(struct strmap *m, const char *key, size_t klen,
                              int *created)
{
    if ((m->n + 1) * 2 > m->cap)
        grow(m);
    uint64_t h = XXH3_64bits(key, klen);
    struct strmap_ent *e = find(m, key, klen, h);
    *created = 0;
    if (!e->key) {
        if (!(e->key = malloc(klen + 1)))
            abort();
        memcpy(e->key, key, klen);
        e->key[klen] = '\0';
        e->klen = klen;
        e->hash = h;
        e->val = NULL;
        m->n++;
        *created = 1;
    }
    return e;
}

void *strmap_del(struct strmap *m, const char *key, size_t klen)
{
    if (!m->cap)
        return NULL;
    struct strmap_ent *e = find(m, key, klen, XXH3_64bits(key, klen));
    if (!e->key)
        return NULL;
    void *val = e->val;
    free(e->key);
    size_t mask = m->cap - 1, i = (size_t)(e - m->tab);
    /* backward-shift deletion: move later entries of the probe run into
     * the hole when their home slot allows it */
    for (size_t j = (i + 1) & mask; m->tab[j].key; j = (j + 1) & mask) {
        size_t home = m->tab[j].hash & mask;
        if ((j > i && (home <= i || home > j)) ||
            (j < i && (home <= i && home > j))) {
            m->tab[i] = m->tab[j];
            i = j;
        }
    }
    memset(&m->tab[i], 0, sizeof m->tab[i]);
    m->n--;
    return val;
}

void strmap_free(struct strmap *m, void (*fn)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->tab[i].key)
            continue;
        if (fn)
            fn(m->tab[i].val);
        free(m->tab[i].key);
    }
    free(m->tab);
    memset(m, 0, sizeof *m);
}
