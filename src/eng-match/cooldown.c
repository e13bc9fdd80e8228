/* cooldown: see cooldown.h. One hash table per rule, key -> T (ms). */
#include <stdint.h>
#include <stdlib.h>

#include "cooldown.h"
#include "hmap.h"

struct cooldowns {
    struct hmap *maps;
    size_t n;
};

struct cooldowns *cooldowns_new(size_t nrules)
{
    struct cooldowns *c = calloc(1, sizeof *c);
    if (!c || !(c->maps = calloc(nrules ? nrules : 1, sizeof *c->maps)))
        abort();
    c->n = nrules;
    return c;
}

void cooldowns_free(struct cooldowns *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        hmap_free(&c->maps[i], NULL);
    free(c->maps);
    free(c);
}

int cooldown_try(struct cooldowns *c, size_t rule, int64_t cooldown_ms,
                 const char *key, size_t klen, int64_t ts_ms)
{
    int created;
    struct hmap_ent *e = hmap_put(&c->maps[rule], key, klen, &created);
    if (!e)
        abort();
    int64_t until;
    if (__builtin_add_overflow(e->val.i, cooldown_ms, &until))
        until = INT64_MAX;
    if (!created && ts_ms < until)
        return 0;
    e->val.i = ts_ms;
    return 1;
}
