/* jsonl: the line reader and the buffered writer (see jsonl.h).
 *
 * Reader buffer
 * -------------
 * One growable buffer holds the unconsumed input: buf[start..end). Lines are
 * found with memchr; `scanned` remembers how far the current partial line
 * has already been searched, so a long line arriving in many reads is
 * searched once, not once per read.
 *
 *     next():  loop
 *                if '\n' in buf[scanned..end): hand out buf[start..nl)
 *                if end-start > max_line+1:     the line is too long: skip it
 *                if EOF:                        hand out the rest, or 0
 *                move buf[start..end) to the front; double buf if full
 *                fill(): read more bytes
 *
 * Invariants:
 *   1. cap <= cap_max = max(64 KiB, max_line + READ_SLACK), and a line that is
 *      not too long always fits: max_line + '\r' + '\n' + the '\0' we put
 *      after a line.
 *   2. One byte is always left free after `end`, so the last line of a file
 *      (no '\n') can be NUL-terminated in place.
 *   3. A too-long line never occupies more than the buffer: its first
 *      KEEP_WINDOW bytes stay at buf[0..KEEP_WINDOW), the rest is read into
 *      the space after them and dropped until its '\n' turns up.
 *
 * Flush before block
 * ------------------
 * Just before a read(2), if the attached writer holds bytes, poll(fd, POLLIN,
 * 0) asks whether the read could block; if so the writer is flushed first.
 * A regular file always polls readable, so a batch run never flushes early
 * and writes in full 64 KiB blocks; a pipe fed by a slow producer gets each
 * finished line out before the reader sleeps. A callback source (follow
 * mode) cannot be polled, so the writer is flushed before every call.
 *
 * UTF-8
 * -----
 * Every line is checked against the well-formed byte sequences of Unicode
 * (Table 3-7): no overlongs (C0, C1, E0 80..9F, F0 80..8F), no surrogates
 * (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF), no truncated
 * sequences. Runs of ASCII are skipped 16 bytes at a time (SSE2; else 8 with
 * a word test); the same test finds NUL bytes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* mkostemp */
#endif
#include "jsonl.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define READ_INITIAL  ((size_t)64 << 10)
#define READ_SLACK    ((size_t)4096)  /* room beyond max_line: CR, LF, NUL */
#define KEEP_PREFIX   ((size_t)4096)  /* bytes kept of a too-long line */
#define KEEP_WINDOW   (KEEP_PREFIX + 4) /* + a UTF-8 sequence: see keep_len */
#define WRITE_BUF     ((size_t)64 << 10)

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* --- UTF-8 --- */

/* Returns the length (1..4) of the well-formed UTF-8 sequence at s[0..n),
 * or minus the length of its maximal ill-formed subpart (Unicode 3.9, "U+FFFD
 * substitution of maximal subparts"), which is at least 1. */
static int utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    int need;
    size_t k;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c == 0xE0)
        need = 2, lo = 0xA0;          /* below: overlong */
    else if (c == 0xED)
        need = 2, hi = 0x9F;          /* above: UTF-16 surrogates */
    else if (c >= 0xE1 && c <= 0xEF)
        need = 2;
    else if (c == 0xF0)
        need = 3, lo = 0x90;          /* below: overlong */
    else if (c == 0xF4)
        need = 3, hi = 0x8F;          /* above: > U+10FFFF */
    else if (c >= 0xF1 && c <= 0xF3)
        need = 3;
    else
        return -1;                    /* 80..C1, F5..FF never start one */
    if (n < 2 || s[1] < lo || s[1] > hi)
        return -1;
    for (k = 2; k <= (size_t)need; k++)
        if (k >= n || (s[k] & 0xC0) != 0x80)
            return -(int)k;
    return need + 1;
}

/* Checks s[0..len) for UTF-8 validity and NUL bytes in one pass. Returns 1
 * when valid (else 0 and *bad_at); *has_nul is set when a NUL occurs (the
 * whole string is searched for NUL even after an invalid byte). */
static int utf8_check(const unsigned char *s, size_t len, size_t *bad_at,
                      int *has_nul)
{
    size_t i = 0;
    int nul = 0;

    while (i < len) {
#if defined(__SSE2__)
        /* 16 bytes at a time: any high bit (non-ASCII) or zero byte? */
        while (len - i >= 16) {
            __m128i v =
                _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            if (_mm_movemask_epi8(v) |
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())))
                break;
            i += 16;
        }
        /* The 16-byte loop may end exactly at len: s[len] is the reader's
         * terminating NUL and must not be read as part of the line. */
        if (i >= len)
            break;
#endif
        if (len - i >= 8) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            /* high bit set in some byte, or some byte zero */
            if (((v | ((v - ONES) & ~v)) & HIGHS) == 0) {
                i += 8;
                continue;
            }
        }
        if (s[i] < 0x80) {
            if (s[i] == 0)
                nul = 1;
            i++;
            continue;
        }
        int n = utf8_seq(s + i, len - i);
        if (n < 0) {
            if (bad_at)
                *bad_at = i;
            if (has_nul)
                *has_nul = nul || memchr(s + i, 0, len - i) != NULL;
            return 0;
        }
        i += (size_t)n;
    }
    if (has_nul)
        *has_nul = nul;
    return 1;
}

int eng_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
    return utf8_check((const unsigned char *)s, len, bad_at, NULL);
}

/* --- writer --- */

struct eng_writer {
    int fd;
    char *buf;
    size_t len, cap;
    int err;          /* errno of the first failure; 0 while healthy */
    char *path;       /* file writer: final path */
    char *tmp;        /* file writer: temporary file beside it */
    int committed;
};

/* Writes all of p[0..n) to fd, looping over partial writes and EINTR.
 * Records the first error in w->err. */
static int write_all(struct eng_writer *w, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        w->err = k < 0 ? errno : EIO;
        errno = w->err;
        return -1;
    }
    return 0;
}

static int writer_fail_fast(const struct eng_writer *w)
{
    errno = w->err;
    return -1;
}

struct eng_writer *eng_writer_new_fd(int fd)
{
    struct eng_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->buf = malloc(WRITE_BUF);
    if (!w->buf) {
        free(w);
        return NULL;
    }
    w->fd = fd;
    w->cap = WRITE_BUF;
    return w;
}

struct eng_writer *eng_writer_new_file(const char *path, struct eng_error *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + sizeof ".tmp.XXXXXX");
    char *copy = strdup(path);
    struct eng_writer *w;
    mode_t um;
    int fd;

    if (!tmp || !copy) {
        free(tmp);
        free(copy);
        eng_error_at(err, path, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        eng_error_at(err, path, 0, 0, "cannot create temporary file: %s",
                     strerror(e));
        free(tmp);
        free(copy);
        errno = e;
        return NULL;
    }
    /* mkstemp makes the file 0600; an output file should get the mode any
     * new file would (0666 less the umask) since it replaces the path. */
    um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    w = eng_writer_new_fd(fd);
    if (!w) {
        close(fd);
        unlink(tmp);
        free(tmp);
        free(copy);
        eng_error_at(err, path, 0, 0, "out of memory");
        return NULL;
    }
    w->path = copy;
    w->tmp = tmp;
    return w;
}

int eng_writer_flush(struct eng_writer *w)
{
    if (w->err)
        return writer_fail_fast(w);
    if (w->len == 0)
        return 0;
    if (write_all(w, w->buf, w->len) < 0)
        return -1;
    w->len = 0;
    return 0;
}

int eng_writer_write(struct eng_writer *w, const void *buf, size_t len)
{
    if (w->err)
        return writer_fail_fast(w);
    if (len <= w->cap - w->len) {
        memcpy(w->buf + w->len, buf, len);
        w->len += len;
        return 0;
    }
    if (eng_writer_flush(w) < 0)
        return -1;
    if (len >= w->cap)   /* a big write goes straight through */
        return write_all(w, buf, len);
    memcpy(w->buf, buf, len);
    w->len = len;
    return 0;
}

int eng_writer_putc(struct eng_writer *w, char c)
{
    if (w->err)
        return writer_fail_fast(w);
    if (w->len == w->cap && eng_writer_flush(w) < 0)
        return -1;
    w->buf[w->len++] = c;
    return 0;
}

int eng_writer_puts(struct eng_writer *w, const char *s)
{
    return eng_writer_write(w, s, strlen(s));
}

/* For each byte: 0 copies as is, 'U' is non-ASCII (checked as UTF-8),
 * 'u' is a control character without a short escape, else the letter of its
 * two-character escape. */
static const char json_esc[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u',
    [0x0F] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u', [0x1C] = 'u', [0x1D] = 'u',
    [0x1E] = 'u', [0x1F] = 'u', ['"'] = '"', ['\\'] = '\\',
    [0x80 ... 0xFF] = 'U',
};

int eng_writer_json_string(struct eng_writer *w, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;   /* u[run..i) is pending verbatim output */

    if (eng_writer_putc(w, '"') < 0)
        return -1;
    while (i < len) {
        char e = json_esc[u[i]];
        if (!e) {
            i++;
            continue;
        }
        if (e == 'U') {
            int n = utf8_seq(u + i, len - i);
            if (n > 0) {            /* valid: stays in the verbatim run */
                i += (size_t)n;
                continue;
            }
            eng_writer_write(w, u + run, i - run);
            eng_writer_write(w, "\xEF\xBF\xBD", 3);
            i += (size_t)-n;
        } else if (e == 'u') {
            char hex[7];
            static const char digits[] = "0123456789abcdef";
            eng_writer_write(w, u + run, i - run);
            memcpy(hex, "\\u00", 4);
            hex[4] = digits[u[i] >> 4];
            hex[5] = digits[u[i] & 15];
            eng_writer_write(w, hex, 6);
            i++;
        } else {
            char two[2] = { '\\', e };
            eng_writer_write(w, u + run, i - run);
            eng_writer_write(w, two, 2);
            i++;
        }
        run = i;
    }
    eng_writer_write(w, u + run, i - run);
    eng_writer_putc(w, '"');
    return w->err ? writer_fail_fast(w) : 0;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    return eng_writer_write(data, buf, size);
}

int eng_writer_json(struct eng_writer *w, const json_t *v)
{
    if (w->err)
        return writer_fail_fast(w);
    if (json_dump_callback(v, dump_cb, w, JSON_COMPACT | JSON_ENCODE_ANY) == 0)
        return 0;
    if (w->err)
        return writer_fail_fast(w);
    errno = EINVAL;   /* jansson refused the value (NULL, ...) */
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int eng_writer_splice(struct eng_writer *w, const char *line, size_t len,
                      const char *members, size_t members_len)
{
    size_t e = len, b;

    if (w->err)
        return writer_fail_fast(w);
    if (members_len == 0) {
        eng_writer_write(w, line, len);
        eng_writer_putc(w, '\n');
        return w->err ? writer_fail_fast(w) : 0;
    }
    while (e > 0 && is_blank(line[e - 1]))
        e--;
    if (e == 0 || line[e - 1] != '}') {
        errno = EINVAL;  /* caller's bug, not a write error: not sticky */
        return -1;
    }
    b = e - 1;           /* the closing brace */
    /* In an object's text, the byte before the closing brace (blanks aside)
     * ends a value ('"', '}', ']', a digit, a letter) unless the object is
     * empty, when it is the opening brace. */
    e = b;
    while (e > 0 && is_blank(line[e - 1]))
        e--;
    eng_writer_write(w, line, b);
    if (!(e > 0 && line[e - 1] == '{'))
        eng_writer_putc(w, ',');
    eng_writer_write(w, members, members_len);
    eng_writer_write(w, "}\n", 2);
    return w->err ? writer_fail_fast(w) : 0;
}

int eng_writer_failed(const struct eng_writer *w)
{
    return w->err != 0;
}

int eng_writer_commit(struct eng_writer *w, struct eng_error *err)
{
    const char *what = w->path ? w->path : "output";

    if (eng_writer_flush(w) < 0) {
        eng_error_at(err, what, 0, 0, "write error: %s", strerror(w->err));
        return -1;
    }
    if (!w->tmp)
        return 0;
    if (w->committed)
        return 0;
    if (fsync(w->fd) < 0 && errno != EINVAL) {
        w->err = errno;
        eng_error_at(err, what, 0, 0, "write error: %s", strerror(w->err));
        return -1;
    }
    if (close(w->fd) < 0 && errno != EINTR) {
        w->err = errno;
        w->fd = -1;
        eng_error_at(err, what, 0, 0, "write error: %s", strerror(w->err));
        return -1;
    }
    w->fd = -1;
    if (rename(w->tmp, w->path) < 0) {
        int e = errno;
        eng_error_at(err, what, 0, 0, "cannot rename %s: %s", w->tmp,
                     strerror(e));
        errno = e;
        return -1;
    }
    w->committed = 1;
    return 0;
}

void eng_writer_free(struct eng_writer *w)
{
    if (!w)
        return;
    if (w->tmp) {
        if (w->fd >= 0)
            close(w->fd);
        if (!w->committed)
            unlink(w->tmp);
    }
    free(w->tmp);
    free(w->path);
    free(w->buf);
    free(w);
}

/* --- reader --- */

struct eng_reader {
    int fd;
    eng_read_fn fn;   /* when set, bytes come from fn(ctx, ...) */
    void *ctx;
    char *name;
    size_t max_line;
    char *buf;
    size_t cap, cap_max;
    size_t start, end;  /* unconsumed input: buf[start..end) */
    size_t scanned;     /* buf[start..scanned) holds no '\n' */
    int eof;
    unsigned long lineno;
    struct eng_writer *flush;
    int (*flush_fn)(void *ctx, struct eng_error *err); /* e.g. partitions */
    void *flush_ctx;
};

static struct eng_reader *reader_new(int fd, eng_read_fn fn, void *ctx,
                                     const char *name, size_t max_line)
{
    struct eng_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (max_line == 0)
        max_line = ENG_MAX_LINE_DEFAULT;
    if (max_line > SIZE_MAX / 4)       /* keeps cap_max arithmetic sane */
        max_line = SIZE_MAX / 4;
    r->fd = fd;
    r->fn = fn;
    r->ctx = ctx;
    r->name = strdup(name ? name : "-");
    r->max_line = max_line;
    r->cap_max = max_line + READ_SLACK;
    if (r->cap_max < READ_INITIAL)
        r->cap_max = READ_INITIAL;
    r->cap = READ_INITIAL;
    r->buf = malloc(r->cap);
    if (!r->name || !r->buf) {
        free(r->name);
        free(r->buf);
        free(r);
        return NULL;
    }
    return r;
}

struct eng_reader *eng_reader_new(int fd, const char *name, size_t max_line)
{
    return reader_new(fd, NULL, NULL, name, max_line);
}

struct eng_reader *eng_reader_new_fn(eng_read_fn fn, void *ctx,
                                     const char *name, size_t max_line)
{
    return reader_new(-1, fn, ctx, name, max_line);
}

void eng_reader_free(struct eng_reader *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->buf);
    free(r);
}

const char *eng_reader_name(const struct eng_reader *r)
{
    return r->name;
}

void eng_reader_set_flush(struct eng_reader *r, struct eng_writer *w)
{
    r->flush = w;
}

void eng_reader_set_flush_fn(struct eng_reader *r,
                             int (*fn)(void *ctx, struct eng_error *err),
                             void *ctx)
{
    r->flush_fn = fn;
    r->flush_ctx = ctx;
}

/* Returns 1 when something may be waiting in an output buffer. A flush
 * callback cannot say, so it always may. */
static int flush_pending(const struct eng_reader *r)
{
    return r->flush_fn || (r->flush && (r->flush->len > 0 || r->flush->err));
}

static int flush_writer(struct eng_reader *r, struct eng_error *err)
{
    if (r->flush_fn) {
        err->msg[0] = '\0';
        if (r->flush_fn(r->flush_ctx, err) < 0) {
            int e = errno;
            if (!err->msg[0])
                eng_error_set(err, "write error: %s", strerror(e));
            errno = e;
            return -1;
        }
    }
    if (!r->flush || (r->flush->len == 0 && !r->flush->err))
        return 0;
    if (eng_writer_flush(r->flush) < 0) {
        int e = errno;
        eng_error_set(err, "write error: %s", strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}

/* Returns 1 if a read from r->fd would not block (or polling failed, in
 * which case flushing is the safe choice anyway: returns 0). */
static int fd_ready(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, 0) > 0;
}

/* Reads more bytes into buf[end..cap-1) (one byte stays free, invariant 2).
 * Returns the byte count, 0 at end of input, -1 on error. */
static long fill(struct eng_reader *r, struct eng_error *err)
{
    size_t room = r->cap - 1 - r->end;

    if (r->eof)
        return 0;
    /* Polling is only worth a syscall when there is something to flush. */
    if (flush_pending(r) && (r->fn || !fd_ready(r->fd)) &&
        flush_writer(r, err) < 0)
        return -1;
    for (;;) {
        long n = r->fn ? r->fn(r->ctx, r->buf + r->end, room)
                       : (long)read(r->fd, r->buf + r->end, room);
        if (n > 0) {
            r->end += (size_t)n;
            return n;
        }
        if (n == 0) {
            r->eof = 1;
            return 0;
        }
        if (errno == EINTR) {
            if (eng_signal_pending()) {
                eng_error_at(err, r->name, 0, 0, "interrupted");
                errno = EINTR;
                return -1;
            }
            continue;
        }
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && !r->fn) {
            /* A non-blocking fd (inherited that way): wait for it. */
            struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
            if (flush_writer(r, err) < 0)
                return -1;
            if (poll(&pfd, 1, -1) < 0 && errno == EINTR &&
                eng_signal_pending()) {
                eng_error_at(err, r->name, 0, 0, "interrupted");
                errno = EINTR;
                return -1;
            }
            continue;
        }
        int e = errno;
        eng_error_at(err, r->name, 0, 0, "read error: %s", strerror(e));
        errno = e;
        return -1;
    }
}

/* Moves the unconsumed bytes to the front of the buffer. */
static void compact(struct eng_reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->scanned -= r->start;
        r->start = 0;
    }
}

/* Moves the unconsumed bytes to the front, and doubles the buffer when that
 * leaves no room to read into. Returns 0 or -1 (out of memory). */
static int make_room(struct eng_reader *r, struct eng_error *err)
{
    compact(r);
    if (r->end + 1 >= r->cap) {
        size_t ncap = r->cap * 2;
        char *nb;
        if (ncap > r->cap_max)
            ncap = r->cap_max;
        if (ncap <= r->cap) {   /* cannot happen: see invariant 1 */
            eng_error_at(err, r->name, 0, 0, "internal error: line buffer");
            errno = EOVERFLOW;
            return -1;
        }
        nb = realloc(r->buf, ncap);
        if (!nb) {
            eng_error_at(err, r->name, 0, 0, "out of memory");
            errno = ENOMEM;
            return -1;
        }
        r->buf = nb;
        r->cap = ncap;
    }
    return 0;
}

/* How many of the first n bytes of s to keep of a too-long line: at most
 * KEEP_PREFIX, not cutting a UTF-8 sequence in two. */
static size_t keep_len(const char *s, size_t n)
{
    size_t k, back = 0;
    if (n <= KEEP_PREFIX)
        return n;
    k = KEEP_PREFIX;
    while (back < 3 && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--, back++;
    /* still inside a run of continuation bytes: ill-formed anyway */
    return ((unsigned char)s[k] & 0xC0) == 0x80 ? KEEP_PREFIX : k;
}

static void check_line(struct eng_line *line)
{
    line->bad_utf8_at = 0;
    line->has_nul = 0;
    line->bad_utf8 = !utf8_check((const unsigned char *)line->data,
                                 line->len, &line->bad_utf8_at,
                                 &line->has_nul);
}

/* Hands out buf[s..e) (e: the '\n' or the end of input); the next line
 * starts at `next`. */
static int emit(struct eng_reader *r, struct eng_line *line, size_t s,
                size_t e, size_t next)
{
    size_t len = e - s;
    if (e < next && len > 0 && r->buf[e - 1] == '\r')
        len--;
    line->data = r->buf + s;
    line->full_len = len;
    line->too_long = len > r->max_line;
    if (line->too_long)
        len = keep_len(line->data, len);
    line->len = len;
    r->buf[s + len] = '\0';
    line->lineno = ++r->lineno;
    r->start = r->scanned = next;
    check_line(line);
    return 1;
}

/* The pending partial line is longer than max_line: keep its first bytes,
 * read and drop the rest up to its '\n' (invariant 3). buf[0..end) always
 * holds the line's first bytes, contiguous, at most KEEP_WINDOW of them
 * before a read; what lies beyond is counted in `dropped` and forgotten. */
static int skip_long(struct eng_reader *r, struct eng_line *line,
                     struct eng_error *err)
{
    size_t dropped = 0, n, total, keep;
    int last_cr = 0, found = 0;

    /* Only to the front: the buffer may be full (a line longer than
     * max_line fills a buffer of cap_max), and growing it is what the
     * too-long line must not do; the loop below trims it to KEEP_WINDOW. */
    compact(r);
    for (;;) {
        size_t old_end;
        long k;
        char *nl;
        last_cr = r->buf[r->end - 1] == '\r';
        if (r->end > KEEP_WINDOW) {
            dropped += r->end - KEEP_WINDOW;
            r->end = KEEP_WINDOW;
        }
        old_end = r->end;
        k = fill(r, err);
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        nl = memchr(r->buf + old_end, '\n', r->end - old_end);
        if (nl) {
            size_t at = (size_t)(nl - r->buf);
            if (at > old_end)
                last_cr = r->buf[at - 1] == '\r';
            r->start = at + 1;     /* the bytes after it stay buffered */
            n = at;
            found = 1;
            break;
        }
    }
    if (!found) {
        n = r->end;
        r->start = r->end;
        last_cr = 0;
    }
    total = dropped + n - (size_t)last_cr;
    keep = keep_len(r->buf, n < total ? n : total);
    r->scanned = r->start;
    r->buf[keep] = '\0';   /* buf[keep] is consumed: '\n' or dropped bytes */
    line->data = r->buf;
    line->len = keep;
    line->full_len = total;
    line->too_long = 1;
    line->lineno = ++r->lineno;
    check_line(line);
    return 1;
}

int eng_reader_next(struct eng_reader *r, struct eng_line *line,
                    struct eng_error *err)
{
    for (;;) {
        char *nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
        if (nl) {
            size_t at = (size_t)(nl - r->buf);
            return emit(r, line, r->start, at, at + 1);
        }
        r->scanned = r->end;
        /* + 1: a line of exactly max_line bytes may still get its '\r' */
        if (r->end - r->start > r->max_line + 1)
            return skip_long(r, line, err);
        if (r->eof) {
            if (r->end == r->start)
                return 0;
            return emit(r, line, r->start, r->end, r->end);
        }
        if (make_room(r, err) < 0)
            return -1;
        if (fill(r, err) < 0)
            return -1;
    }
}

int eng_reader_chunk(struct eng_reader *r, const char **buf, size_t *len,
                     struct eng_error *err)
{
    long n;
    if (r->start < r->end) {
        *buf = r->buf + r->start;
        *len = r->end - r->start;
        r->start = r->scanned = r->end;
        return 1;
    }
    r->start = r->end = r->scanned = 0;
    n = fill(r, err);
    if (n <= 0)
        return (int)n;
    *buf = r->buf;
    *len = r->end;
    r->start = r->scanned = r->end;
    return 1;
}
