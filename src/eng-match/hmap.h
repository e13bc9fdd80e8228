/* hmap: a small open-addressing hash table from byte strings to a value,
 * shared by the rule index (field value -> rules) and the cooldown state
 * (key -> last firing time). Keys are copied (or borrowed, see
 * hmap.borrowed); XXH3-64 hashes them, linear
 * probing finds them, the table doubles at 50% load. Deletion shifts the
 * following entries of the probe run back (Knuth 6.4, algorithm R), so no
 * tombstones build up in the per-key state of a long run.
 */
#ifndef ENG_MATCH_HMAP_H
#define ENG_MATCH_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_ent {
    char *key;          /* NULL: empty slot */
    size_t klen;
    uint64_t hash;
    union { int64_t i; void *p; } val;
};

struct hmap {
    struct hmap_ent *tab;
    size_t cap, n;      /* cap is 0 or a power of two */
    int borrowed;       /* keys are the caller's, not copied nor freed: the
                           caller keeps each alive while its entry is in
                           the table (set before the first hmap_put) */
};

/* Returns the entry for key[0..klen), or NULL when absent. Borrowed. */
struct hmap_ent *hmap_get(const struct hmap *m, const void *key, size_t klen);
/* Returns the entry for key, adding it (val zeroed, *created = 1) when
 * absent. Borrowed; valid until the next hmap_put. NULL when out of memory. */
struct hmap_ent *hmap_put(struct hmap *m, const void *key, size_t klen,
                          int *created);
/* Removes key (freeing the table's copy of it); returns its value's p, or
 * NULL when absent. Entry pointers from hmap_get/hmap_put are invalid after. */
void *hmap_del(struct hmap *m, const void *key, size_t klen);
/* Frees the table and its keys; fn (may be NULL) is called on each value's
 * p first. */
void hmap_free(struct hmap *m, void (*fn)(void *));

#endif
