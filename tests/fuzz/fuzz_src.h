/* fuzz_src.h: the fuzz input as a byte source for eng_reader_new_fn, handing
 * out at most `chunk` bytes per read (0: no limit), so that line ends fall
 * on every kind of read boundary. Shared by the reader harnesses. */
#ifndef ENG_FUZZ_SRC_H
#define ENG_FUZZ_SRC_H

#include <stdint.h>
#include <string.h>

struct src {
    const uint8_t *p;
    size_t len, pos, chunk;
};

static long src_read(void *ctx, void *buf, size_t n)
{
    struct src *s = ctx;
    size_t k = s->len - s->pos;
    if (k > n)
        k = n;
    if (s->chunk && k > s->chunk)
        k = s->chunk;
    memcpy(buf, s->p + s->pos, k);
    s->pos += k;
    return (long)k;
}

#endif
