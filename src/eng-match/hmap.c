/* hmap: see hmap.h. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "hmap.h"

static size_t slot_of(const struct hmap *m, uint64_t h, const void *key,
                      size_t klen)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    while (m->tab[i].key && !(m->tab[i].hash == h && m->tab[i].klen == klen &&
                              memcmp(m->tab[i].key, key, klen) == 0))
        i = (i + 1) & mask;
    return i;
}

struct hmap_ent *hmap_get(const struct hmap *m, const void *key, size_t klen)
{
    if (!m->n)
        return NULL;
    size_t i = slot_of(m, XXH3_64bits(key, klen), key, klen);
    return m->tab[i].key ? &m->tab[i] : NULL;
}

static int grow(struct hmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct hmap_ent *old = m->tab, *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    size_t ocap = m->cap;
    m->tab = t;
    m->cap = cap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key)
            continue;
        size_t mask = cap - 1, j = (size_t)old[i].hash & mask;
        while (t[j].key)
            j = (j + 1) & mask;
        t[j] = old[i];
    }
    free(old);
    return 0;
}

struct hmap_ent *hmap_put(struct hmap *m, const void *key, size_t klen,
                          int *created)
{
    uint64_t h = XXH3_64bits(key, klen);
    *created = 0;
    if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
        return NULL;
    size_t i = slot_of(m, h, key, klen);
    struct hmap_ent *e = &m->tab[i];
    if (e->key)
        return e;
    if (m->borrowed) {
        /* an empty key needs a non-NULL pointer all the same */
        e->key = klen ? (char *)key : (char *)"";
    } else {
        /* +1 so an empty key still gets a non-NULL pointer */
        if (!(e->key = malloc(klen + 1)))
            return NULL;
        memcpy(e->key, key, klen);
        e->key[klen] = '\0';
    }
    e->klen = klen;
    e->hash = h;
    e->val.i = 0;
    m->n++;
    *created = 1;
    return e;
}

void *hmap_del(struct hmap *m, const void *key, size_t klen)
{
    if (!m->n)
        return NULL;
    size_t mask = m->cap - 1, i = slot_of(m, XXH3_64bits(key, klen), key, klen);
    if (!m->tab[i].key)
        return NULL;
    void *p = m->tab[i].val.p;
    if (!m->borrowed)
        free(m->tab[i].key);
    m->tab[i].key = NULL;
    m->n--;
    /* shift back each later entry of the run whose home is not in (i, j] */
    for (size_t j = (i + 1) & mask; m->tab[j].key; j = (j + 1) & mask) {
        size_t home = (size_t)m->tab[j].hash & mask;
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (stays)
            continue;
        m->tab[i] = m->tab[j];
        m->tab[j].key = NULL;
        i = j;
    }
    return p;
}

void hmap_free(struct hmap *m, void (*fn)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->tab[i].key)
            continue;
        if (fn)
            fn(m->tab[i].val.p);
        if (!m->borrowed)
            free(m->tab[i].key);
    }
    free(m->tab);
    int borrowed = m->borrowed;
    memset(m, 0, sizeof *m);
    m->borrowed = borrowed;
}
