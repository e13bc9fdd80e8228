/* fuzz jsonl: the line reader (eng_reader_next, eng_reader_chunk) over an
 * in-memory source handed out in chunks of a size taken from the input, and
 * the writer's JSON string and splice paths.
 *
 * Input: byte 0 picks max_line (small, to reach the too-long path), byte 1
 * the chunk size of the source; the rest is the stream. Checks the
 * documented line invariants (NUL after data, lengths, UTF-8 and NUL flags
 * agree with eng_utf8_valid/memchr) and that the chunks give back the stream.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl.h"
#include "fuzz_src.h"

static int devnull = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t maxes[] = { 0, 1, 2, 3, 7, 16, 100, 4095, 4096, 4100,
                                    5000, 70000 };
    if (size < 2)
        return 0;
    size_t max_line = maxes[data[0] % (sizeof maxes / sizeof maxes[0])];
    size_t chunk = (size_t)data[1] + 1;
    if (data[1] >= 250)
        chunk = (size_t)1 << 20;
    data += 2;
    size -= 2;
    if (devnull < 0)
        devnull = open("/dev/null", O_WRONLY);

    struct eng_error err;
    struct eng_line ln;
    struct src s = { data, size, 0, chunk };
    struct eng_writer *w = eng_writer_new_fd(devnull);
    struct eng_reader *r = eng_reader_new_fn(src_read, &s, "fuzz", max_line);
    if (!r || !w)
        abort();
    eng_reader_set_flush(r, w);
    unsigned long last = 0;
    int got;
    while ((got = eng_reader_next(r, &ln, &err)) == 1) {
        if (ln.data[ln.len] != '\0' || ln.lineno != last + 1)
            abort();
        last = ln.lineno;
        if (ln.len > ln.full_len || (!ln.too_long && ln.len != ln.full_len))
            abort();
        if (ln.too_long && ln.len > 4096)
            abort();
        /* (for a too-long line the flags are about the kept prefix) */
        size_t bad = 0;
        int ok = eng_utf8_valid(ln.data, ln.len, &bad);
        if (ok == ln.bad_utf8 || (!ok && bad != ln.bad_utf8_at))
            abort();
        if (ln.has_nul != (memchr(ln.data, 0, ln.len) != NULL))
            abort();
        eng_writer_json_string(w, ln.data, ln.len);
        if (ln.len && ln.data[ln.len - 1] == '}')
            eng_writer_splice(w, ln.data, ln.len, "\"x\":1", 5);
    }
    if (got < 0)
        abort(); /* a memory source never fails */
    eng_reader_free(r);

    /* the raw chunks must give back the stream */
    struct src s2 = { data, size, 0, chunk };
    r = eng_reader_new_fn(src_read, &s2, "fuzz", max_line);
    const char *b;
    size_t n, off = 0;
    while ((got = eng_reader_chunk(r, &b, &n, &err)) == 1) {
        if (off + n > size || memcmp(b, data + off, n) != 0)
            abort();
        off += n;
    }
    if (got < 0 || off != size)
        abort();
    eng_reader_free(r);
    eng_writer_flush(w);
    eng_writer_free(w);
    return 0;
}
