/* jpool: see jpool.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jpool.h"

#define JPOOL_STEP 16
#define JPOOL_CLASSES 16                /* blocks of 16 .. 256 bytes */
#define JPOOL_CHUNK (64 * 1024)
#define JPOOL_BIG 0xffu                 /* header mark: from malloc */

/* Each block is preceded by a 16-byte header (keeping 16-byte alignment)
 * whose first byte is its class, or JPOOL_BIG. */
struct jpool_free { struct jpool_free *next; };

static struct jpool_free *free_list[JPOOL_CLASSES];
static char *chunk_at, *chunk_end;
static void *chunks;                    /* each chunk's first word: the one
                                           before (kept reachable) */

static void *jpool_malloc(size_t n)
{
    size_t cls = n ? (n - 1) / JPOOL_STEP : 0;
    if (cls >= JPOOL_CLASSES) {
        unsigned char *p = malloc(n + 16);
        if (!p)
            return NULL;
        p[0] = JPOOL_BIG;
        return p + 16;
    }
    struct jpool_free *f = free_list[cls];
    if (f) {
        free_list[cls] = f->next;
        return f;
    }
    size_t size = 16 + (cls + 1) * JPOOL_STEP;
    if ((size_t)(chunk_end - chunk_at) < size) {
        /* the rest of the old chunk is left unused: at most 272 bytes */
        char *c = malloc(JPOOL_CHUNK);
        if (!c)
            return NULL;
        memcpy(c, &chunks, sizeof chunks);
        chunks = c;
        chunk_at = c + 16;
        chunk_end = c + JPOOL_CHUNK;
    }
    unsigned char *p = (unsigned char *)chunk_at;
    chunk_at += size;
    p[0] = (unsigned char)cls;
    return p + 16;
}

static void jpool_free(void *q)
{
    if (!q)
        return;
    unsigned char *p = (unsigned char *)q - 16;
    if (p[0] == JPOOL_BIG) {
        free(p);
        return;
    }
    struct jpool_free *f = q;
    f->next = free_list[p[0]];
    free_list[p[0]] = f;
}

void eng_jpool_install(void)
{
#ifndef ENG_JPOOL_OFF
    const char *how = getenv("ENG_MALLOC");
    if (how && strcmp(how, "system") == 0)
        return;
    json_set_alloc_funcs(jpool_malloc, jpool_free);
#endif
}

void eng_json_free(void *p)
{
    json_free_t f;
    json_get_alloc_funcs(NULL, &f);
    f(p);
}
