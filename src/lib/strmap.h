/* strmap: a hash table from byte strings to pointers, for the tools'
 * in-memory state (eng-enrich's profiles by customer, identity nodes, master
 * rows by key; eng-report's counters by rule, period, topic).
 * Keys are copied; XXH3-64 hashes them; linear probing; the table doubles at
 * 50% load. Deletion uses backward-shift, so lookups never see tombstones.
 */
#ifndef ENG_STRMAP_H
#define ENG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_ent {
    char *key;          /* NULL: empty slot; NUL terminated copy */
    size_t klen;
    uint64_t hash;
    void *val;
};

struct strmap {
    struct strmap_ent *tab;
    size_t cap, n;      /* cap is 0 or a power of two */
};

/* Returns the value for key[0..klen), or NULL when absent. */
void *strmap_get(const struct strmap *m, const char *key, size_t klen);
/* Returns the entry for key, adding it (val NULL, *created = 1) when absent.
 * Borrowed; valid until the next put or delete. Aborts when out of memory. */
struct strmap_ent *strmap_put(struct strmap *m, const char *key, size_t klen,
                              int *created);
/* Removes key; returns its value (the caller owns it) or NULL. */
void *strmap_del(struct strmap *m, const char *key, size_t klen);
/* Frees the table and its keys; fn (may be NULL) is called on each value. */
void strmap_free(struct strmap *m, void (*fn)(void *));

#endif
