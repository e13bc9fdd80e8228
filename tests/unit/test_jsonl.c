/* test_jsonl: the line reader (lines, limits, UTF-8, flushing before a
 * blocking read) and the buffered writer (escaping, splicing, errors,
 * atomic file output). */
#include "cli.h"
#include "jsonl.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cli.c is another module; the reader only asks it whether a signal is
 * pending when read() returns EINTR. */
static int stub_signal;
int eng_signal_pending(void) { return stub_signal; }

static char scratch[256];

/* --- a memory source for eng_reader_new_fn, handing out at most `chunk`
 * bytes per call (so line ends fall on every kind of boundary) --- */
struct memsrc {
    const char *data;
    size_t len, pos, chunk;
    int eintr_once;   /* first call fails with EINTR */
    int fail_errno;   /* every call fails with this errno */
    int calls;
};

static long mem_read(void *ctx, void *buf, size_t n)
{
    struct memsrc *m = ctx;
    size_t k = m->len - m->pos;
    m->calls++;
    if (m->eintr_once) {
        m->eintr_once = 0;
        errno = EINTR;
        return -1;
    }
    if (m->fail_errno) {
        errno = m->fail_errno;
        return -1;
    }
    if (k > n)
        k = n;
    if (k > m->chunk)
        k = m->chunk;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (long)k;
}

static struct eng_reader *mem_reader(struct memsrc *m, const char *data,
                                     size_t len, size_t chunk, size_t max)
{
    memset(m, 0, sizeof *m);
    m->data = data;
    m->len = len;
    m->chunk = chunk;
    return eng_reader_new_fn(mem_read, m, "mem", max);
}

static int line_is(const struct eng_line *l, const char *s, size_t len,
                   unsigned long lineno)
{
    return l->len == len && memcmp(l->data, s, len) == 0 &&
           l->data[len] == '\0' && l->lineno == lineno && !l->too_long &&
           l->full_len == len;
}

static void test_basic_lines(void)
{
    static const char in[] = "a\nbb\r\n\n\r\nlast";
    static const size_t chunks[] = { 1, 2, 3, 65536 };
    size_t c;
    for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct memsrc m;
        struct eng_reader *r = mem_reader(&m, in, sizeof in - 1, chunks[c], 0);
        struct eng_line l;
        struct eng_error err;
        int all = 1;
        all &= eng_reader_next(r, &l, &err) == 1 && line_is(&l, "a", 1, 1);
        all &= eng_reader_next(r, &l, &err) == 1 && line_is(&l, "bb", 2, 2);
        all &= eng_reader_next(r, &l, &err) == 1 && line_is(&l, "", 0, 3);
        all &= eng_reader_next(r, &l, &err) == 1 && line_is(&l, "", 0, 4);
        all &= eng_reader_next(r, &l, &err) == 1 && line_is(&l, "last", 4, 5);
        all &= eng_reader_next(r, &l, &err) == 0;
        all &= eng_reader_next(r, &l, &err) == 0;
        snprintf(scratch, sizeof scratch,
                 "lines: LF, CRLF, empty lines, last line without newline "
                 "(chunks of %zu)", chunks[c]);
        ok(all, scratch);
        eng_reader_free(r);
    }
}

static void test_edge_lines(void)
{
    struct memsrc m;
    struct eng_reader *r;
    struct eng_line l;
    struct eng_error err;

    r = mem_reader(&m, "", 0, 10, 0);
    is_int(eng_reader_next(r, &l, &err), 0, "lines: empty input has no line");
    eng_reader_free(r);

    r = mem_reader(&m, "\n", 1, 10, 0);
    is_int(eng_reader_next(r, &l, &err), 1, "lines: a lone newline is a line");
    ok(line_is(&l, "", 0, 1), "lines: ... an empty one");
    is_int(eng_reader_next(r, &l, &err), 0, "lines: ... and only one");
    eng_reader_free(r);

    r = mem_reader(&m, "x\r", 2, 10, 0);
    eng_reader_next(r, &l, &err);
    ok(line_is(&l, "x\r", 2, 1), "lines: CR without LF at the end is kept");
    eng_reader_free(r);

    r = mem_reader(&m, "a\rb\n", 4, 10, 0);
    eng_reader_next(r, &l, &err);
    ok(line_is(&l, "a\rb", 3, 1), "lines: inner CR is data");
    eng_reader_free(r);

    is_str(eng_reader_name(r = eng_reader_new(0, "-", 0)), "-",
           "reader: name is kept");
    eng_reader_free(r);
    eng_reader_free(NULL);
    ok(1, "reader: free(NULL) is fine");
}

static void test_big_line(void)
{
    size_t big = (size_t)1 << 20;
    char *in = malloc(big + 6);
    struct memsrc m;
    struct eng_reader *r;
    struct eng_line l;
    struct eng_error err;
    size_t i;
    int same = 1;

    for (i = 0; i < big; i++)
        in[i] = (char)('a' + i % 26);
    memcpy(in + big, "\nend\n", 5);
    r = mem_reader(&m, in, big + 5, 65536, 0);
    is_int(eng_reader_next(r, &l, &err), 1, "big line: 1 MiB line read");
    is_int(l.len, big, "big line: full length");
    is_int(l.too_long, 0, "big line: not too long under the default cap");
    for (i = 0; i < big; i++)
        if (l.data[i] != (char)('a' + i % 26))
            same = 0;
    ok(same, "big line: bytes intact across buffer growth");
    eng_reader_next(r, &l, &err);
    ok(line_is(&l, "end", 3, 2), "big line: next line follows");
    eng_reader_free(r);
    free(in);
}

static void test_too_long(void)
{
    static const size_t chunks[] = { 1, 100, 65536 };
    size_t n = 10000, c;
    char *in = malloc(n + 64);

    memset(in, 'x', n);
    memcpy(in + n, "\r\nok\n", 5);
    for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct memsrc m;
        struct eng_reader *r = mem_reader(&m, in, n + 5, chunks[c], 100);
        struct eng_line l;
        struct eng_error err;
        size_t i;
        int xs = 1;
        is_int(eng_reader_next(r, &l, &err), 1, "too long: still a line");
        is_int(l.too_long, 1, "too long: flagged");
        is_int(l.full_len, n, "too long: real length without CRLF");
        is_int(l.len, 4096, "too long: first 4 KiB kept");
        for (i = 0; i < l.len; i++)
            xs &= l.data[i] == 'x';
        ok(xs && l.data[l.len] == '\0', "too long: prefix bytes intact");
        is_int(l.lineno, 1, "too long: line number 1");
        is_int(eng_reader_next(r, &l, &err), 1, "too long: next line read");
        snprintf(scratch, sizeof scratch,
                 "too long: next line and its number (chunks of %zu)",
                 chunks[c]);
        ok(line_is(&l, "ok", 2, 2), scratch);
        is_int(eng_reader_next(r, &l, &err), 0, "too long: then EOF");
        eng_reader_free(r);
    }
    free(in);

    {
        /* 150 bytes, cap 100: fits the buffer, so found with its newline */
        char buf[200];
        struct memsrc m;
        struct eng_reader *r;
        struct eng_line l;
        struct eng_error err;
        memset(buf, 'y', 150);
        memcpy(buf + 150, "\nz", 2);
        r = mem_reader(&m, buf, 152, 65536, 100);
        eng_reader_next(r, &l, &err);
        ok(l.too_long && l.full_len == 150 && l.len == 150,
           "too long: short overlong line kept whole, flagged");
        eng_reader_next(r, &l, &err);
        ok(line_is(&l, "z", 1, 2), "too long: last line after it");
        eng_reader_free(r);

        /* exactly max_line with CRLF is fine; max_line + 1 is not */
        memset(buf, 'w', 100);
        memcpy(buf + 100, "\r\n", 2);
        r = mem_reader(&m, buf, 102, 1, 100);
        eng_reader_next(r, &l, &err);
        ok(!l.too_long && l.len == 100, "cap: exactly max_line + CRLF is ok");
        eng_reader_free(r);
        memset(buf, 'w', 101);
        memcpy(buf + 101, "\n", 1);
        r = mem_reader(&m, buf, 102, 1, 100);
        eng_reader_next(r, &l, &err);
        ok(l.too_long && l.full_len == 101, "cap: max_line + 1 is too long");
        eng_reader_free(r);
    }
    {
        /* too long at EOF without newline, and the kept prefix does not cut
         * a UTF-8 sequence in two */
        size_t len = 9000, i;
        char *s = malloc(len);
        struct memsrc m;
        struct eng_reader *r;
        struct eng_line l;
        struct eng_error err;
        for (i = 0; i + 2 <= len; i += 2)
            memcpy(s + i, "\xc3\xa9", 2);   /* é: 4096 falls on a lead */
        s[0] = 'a';
        s[1] = 'b';                            /* shift by two: stays even */
        memmove(s + 1, s + 2, len - 2);        /* now odd: 4096 mid-sequence */
        len -= 1;
        r = mem_reader(&m, s, len, 4000, 100);
        is_int(eng_reader_next(r, &l, &err), 1, "too long at EOF: a line");
        is_int(l.full_len, len, "too long at EOF: full length");
        is_int(l.len, 4095, "too long: prefix cut before a split sequence");
        is_int(l.bad_utf8, 0, "too long: kept prefix is valid UTF-8");
        is_int(eng_reader_next(r, &l, &err), 0, "too long at EOF: then EOF");
        eng_reader_free(r);
        free(s);
    }
    {
        /* a 4-byte sequence at 4093..4096 is dropped whole from the prefix */
        char s[6000];
        struct memsrc m;
        struct eng_reader *r;
        struct eng_line l;
        struct eng_error err;
        memset(s, 'a', sizeof s);
        memcpy(s + 4093, "\xf0\x9f\x98\x80", 4);
        s[sizeof s - 1] = '\n';
        r = mem_reader(&m, s, sizeof s, 65536, 100);
        eng_reader_next(r, &l, &err);
        ok(l.too_long && l.len == 4093 && !l.bad_utf8,
           "too long: prefix stops before a 4-byte sequence it would cut");
        eng_reader_free(r);
        memcpy(s + 4092, "\xf0\x9f\x98\x80", 4);   /* ends at 4095: kept */
        s[4096] = 'a';
        r = mem_reader(&m, s, sizeof s, 65536, 100);
        eng_reader_next(r, &l, &err);
        ok(l.too_long && l.len == 4096 && !l.bad_utf8,
           "too long: a sequence ending at 4 KiB is kept");
        eng_reader_free(r);
    }
}

/* A line far over a max_line above the 64 KiB floor: the buffer grows to
 * its cap (max_line + slack) and is full when the line turns out too long;
 * skipping the rest must not try to grow it again (it did: "internal
 * error: line buffer", exit 3, for a 100 MB line under the default 64M). */
static void test_too_long_at_cap(void)
{
    static const size_t maxes[] = { 1000000, 1 << 20, 2 << 20 };
    size_t n = 3u << 20;
    char *in = malloc(n + 8);
    memset(in, 'y', n);
    memcpy(in + n, "\nok\n", 4);
    for (size_t i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
        struct memsrc m;
        struct eng_reader *r = mem_reader(&m, in, n + 4, 65536, maxes[i]);
        struct eng_line l;
        struct eng_error err;
        snprintf(scratch, sizeof scratch,
                 "too long at the buffer's cap (max_line %zu): a line", maxes[i]);
        is_int(eng_reader_next(r, &l, &err), 1, scratch);
        ok(l.too_long && l.full_len == n && l.len == 4096,
           "too long at the cap: flagged, real length, 4 KiB kept");
        is_int(eng_reader_next(r, &l, &err), 1, "too long at the cap: next line");
        ok(line_is(&l, "ok", 2, 2), "too long at the cap: it is line 2");
        is_int(eng_reader_next(r, &l, &err), 0, "too long at the cap: then EOF");
        eng_reader_free(r);
    }
    free(in);
}

static void test_utf8(void)
{
    static const struct {
        const char *s;
        size_t len;
        int bad;
        size_t at;
        int nul;
        const char *name;
    } t[] = {
        { "plain ascii", 11, 0, 0, 0, "utf8: ASCII" },
        { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 19,
          0, 0, 0, "utf8: 2, 3, 4-byte and U+10FFFF valid" },
        { "ab\xc0\x80", 4, 1, 2, 0, "utf8: overlong C0 80" },
        { "\xe0\x80\xaf", 3, 1, 0, 0, "utf8: overlong E0 80 AF" },
        { "\xf0\x8f\xbf\xbf", 4, 1, 0, 0, "utf8: overlong F0 8F" },
        { "x\xed\xa0\x80", 4, 1, 1, 0, "utf8: surrogate ED A0 80" },
        { "\xed\x9f\xbf", 3, 0, 0, 0, "utf8: ED 9F BF (U+D7FF) valid" },
        { "0123456789\xf5\x80\x80\x80", 14, 1, 10, 0, "utf8: F5 lead" },
        { "\xf4\x90\x80\x80", 4, 1, 0, 0, "utf8: above U+10FFFF" },
        { "abc\xe2\x82", 5, 1, 3, 0, "utf8: truncated at end of line" },
        { "abc\xe2\x82z", 6, 1, 3, 0, "utf8: truncated mid-line" },
        { "\x80", 1, 1, 0, 0, "utf8: lone continuation" },
        { "\xff", 1, 1, 0, 0, "utf8: FF" },
        { "0123456789abcdef\xc3", 17, 1, 16, 0,
          "utf8: bad byte after the 8-byte fast path" },
        { "S\xc3\xa3o Paulo,Brasilia", 19, 0, 0, 0,
          "nul: none when 16 ASCII bytes end the line after non-ASCII" },
        { "0123456789abcdef", 16, 0, 0, 0,
          "nul: none when the 16-byte path ends exactly at the line's end" },
        { "a\0b", 3, 0, 0, 1, "nul: NUL inside a line" },
        { "01234567\0", 9, 0, 0, 1, "nul: NUL after a fast-path word" },
        { "\xff\0", 2, 1, 0, 1, "nul: found after invalid UTF-8 too" },
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct memsrc m;
        char in[64];
        struct eng_reader *r;
        struct eng_line l;
        struct eng_error err;
        size_t at = 999;
        memcpy(in, t[i].s, t[i].len);
        in[t[i].len] = '\n';
        r = mem_reader(&m, in, t[i].len + 1, 65536, 0);
        eng_reader_next(r, &l, &err);
        ok(l.len == t[i].len && l.bad_utf8 == t[i].bad &&
           (!t[i].bad || l.bad_utf8_at == t[i].at) && l.has_nul == t[i].nul,
           t[i].name);
        if (!t[i].nul) {
            snprintf(scratch, sizeof scratch, "eng_utf8_valid: %s",
                     t[i].name);
            ok(eng_utf8_valid(t[i].s, t[i].len, &at) == !t[i].bad &&
               (!t[i].bad || at == t[i].at), scratch);
        }
        eng_reader_free(r);
    }
    is_int(eng_utf8_valid("a\0b", 3, NULL), 1, "eng_utf8_valid: NUL is valid UTF-8");
}

static void test_chunk(void)
{
    static const char in[] = "first line\nsecond \xff\nno newline";
    struct memsrc m;
    struct eng_reader *r = mem_reader(&m, in, sizeof in - 1, 7, 0);
    struct eng_error err;
    const char *buf;
    size_t len, total = 0;
    char got[128];
    int rc, calls = 0;

    while ((rc = eng_reader_chunk(r, &buf, &len, &err)) == 1) {
        memcpy(got + total, buf, len);
        total += len;
        calls++;
    }
    is_int(rc, 0, "chunk: ends with 0 at EOF");
    ok(total == sizeof in - 1 && memcmp(got, in, total) == 0,
       "chunk: bytes come back unchanged (newlines, invalid UTF-8 too)");
    is_int(calls, 5, "chunk: one chunk per source read");
    eng_reader_free(r);
}

static void test_read_errors(void)
{
    struct memsrc m;
    struct eng_reader *r;
    struct eng_line l;
    struct eng_error err;

    r = mem_reader(&m, "a\n", 2, 10, 0);
    m.eintr_once = 1;
    stub_signal = 0;
    is_int(eng_reader_next(r, &l, &err), 1,
           "EINTR without a pending signal: read retried");
    ok(line_is(&l, "a", 1, 1), "EINTR retried: line intact");
    eng_reader_free(r);

    r = mem_reader(&m, "a\n", 2, 10, 0);
    m.eintr_once = 1;
    stub_signal = 2;
    errno = 0;
    is_int(eng_reader_next(r, &l, &err), -1,
           "EINTR with a pending signal: returns -1");
    is_int(errno, EINTR, "EINTR with a pending signal: errno EINTR");
    stub_signal = 0;
    eng_reader_free(r);

    r = mem_reader(&m, "a\n", 2, 10, 0);
    m.fail_errno = EIO;
    is_int(eng_reader_next(r, &l, &err), -1, "read error: -1");
    is_int(errno, EIO, "read error: errno kept");
    is_str(err.msg, "mem: read error: Input/output error", "read error: message");
    eng_reader_free(r);

    {
        /* the flush of the attached writer fails: reported by the reader */
        int fd = open("/dev/full", O_WRONLY);
        struct eng_writer *w = eng_writer_new_fd(fd);
        r = mem_reader(&m, "a\nb\n", 4, 2, 0);
        eng_reader_set_flush(r, w);
        eng_writer_puts(w, "out\n");
        is_int(eng_reader_next(r, &l, &err), -1,
               "flush error: reader returns -1");
        is_int(errno, ENOSPC, "flush error: errno ENOSPC kept");
        is_str(err.msg, "write error: No space left on device",
               "flush error: message");
        eng_reader_free(r);
        eng_writer_free(w);
        close(fd);
    }
}

/* --- flush before block --- */

struct pipe_peer {
    int in_w;      /* we feed the reader through this */
    int out_r;     /* we read the writer's output from this */
    char got[64];
    int got_before_second;  /* the output arrived while the reader blocked */
};

static void *pipe_peer(void *arg)
{
    struct pipe_peer *p = arg;
    struct pollfd pfd = { .fd = p->out_r, .events = POLLIN };
    ssize_t n;

    if (write(p->in_w, "first\n", 6) != 6)
        return NULL;
    /* The reader gets "first", the main thread writes "echo\n" into the
     * writer and asks for the next line: the pipe is empty, so the reader
     * must flush before it blocks. Wait up to 5 s for the bytes. */
    if (poll(&pfd, 1, 5000) == 1) {
        n = read(p->out_r, p->got, sizeof p->got - 1);
        if (n > 0) {
            p->got[n] = '\0';
            p->got_before_second = 1;
        }
    }
    if (write(p->in_w, "second\n", 7) != 7)
        return NULL;
    close(p->in_w);
    return NULL;
}

static void test_flush_before_block(void)
{
    int in[2], out[2];
    struct pipe_peer peer;
    pthread_t th;
    struct eng_reader *r;
    struct eng_writer *w;
    struct eng_line l;
    struct eng_error err;

    if (pipe(in) < 0 || pipe(out) < 0) {
        ok(0, "pipe");
        return;
    }
    memset(&peer, 0, sizeof peer);
    peer.in_w = in[1];
    peer.out_r = out[0];
    r = eng_reader_new(in[0], "pipe", 0);
    w = eng_writer_new_fd(out[1]);
    eng_reader_set_flush(r, w);
    pthread_create(&th, NULL, pipe_peer, &peer);
    eng_reader_next(r, &l, &err);
    ok(line_is(&l, "first", 5, 1), "pipe: first line");
    eng_writer_puts(w, "echo\n");
    eng_reader_next(r, &l, &err);   /* blocks: must flush "echo" first */
    ok(line_is(&l, "second", 6, 2), "pipe: second line after blocking");
    is_int(eng_reader_next(r, &l, &err), 0, "pipe: EOF");
    pthread_join(th, NULL);
    ok(peer.got_before_second, "pipe: writer flushed before the blocking read");
    is_str(peer.got, "echo\n", "pipe: flushed bytes exact");
    eng_reader_free(r);
    eng_writer_free(w);
    close(in[0]);
    close(out[0]);
    close(out[1]);
}

static void test_no_flush_on_file(void)
{
    char path[] = "/tmp/test_jsonl_XXXXXX";
    int fd = mkstemp(path), out[2];
    struct eng_reader *r;
    struct eng_writer *w;
    struct eng_line l;
    struct eng_error err;
    char c;
    int n = 0;

    if (fd < 0 || write(fd, "a\nb\nc\n", 6) != 6 || pipe(out) < 0) {
        ok(0, "setup");
        return;
    }
    lseek(fd, 0, SEEK_SET);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    r = eng_reader_new(fd, path, 0);
    w = eng_writer_new_fd(out[1]);
    eng_reader_set_flush(r, w);
    while (eng_reader_next(r, &l, &err) == 1) {
        eng_writer_write(w, l.data, l.len);
        eng_writer_putc(w, '\n');
        n++;
    }
    is_int(n, 3, "file: three lines");
    ok(read(out[0], &c, 1) < 0 && errno == EAGAIN,
       "file: a regular file never makes the writer flush early");
    eng_writer_flush(w);
    {
        char buf[16];
        ssize_t k = read(out[0], buf, sizeof buf);
        ok(k == 6 && memcmp(buf, "a\nb\nc\n", 6) == 0,
           "file: everything written on the explicit flush");
    }
    eng_reader_free(r);
    eng_writer_free(w);
    close(fd);
    close(out[0]);
    close(out[1]);
    unlink(path);
}

/* --- writer --- */

/* A writer on a temporary file; out_of() returns what was written. */
static char wpath[] = "/tmp/test_jsonl_w_XXXXXX";
static int wfd = -1;

static struct eng_writer *file_writer(void)
{
    if (wfd >= 0)
        close(wfd);
    strcpy(wpath, "/tmp/test_jsonl_w_XXXXXX");
    wfd = mkstemp(wpath);
    unlink(wpath);
    return eng_writer_new_fd(wfd);
}

static char outbuf[1 << 16];
static const char *out_of(struct eng_writer *w, size_t *len)
{
    ssize_t n;
    eng_writer_flush(w);
    n = pread(wfd, outbuf, sizeof outbuf - 1, 0);
    if (n < 0)
        n = 0;
    outbuf[n] = '\0';
    if (len)
        *len = (size_t)n;
    eng_writer_free(w);
    return outbuf;
}

static void test_json_string(void)
{
    struct eng_writer *w = file_writer();
    size_t len;
    const char *got;
    static const char in[] =
        "a\"b\\c/\n\r\t\b\f\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80 "
        "\xff \xe2\x82 \xc0\x80 \xed\xa0\x80|";
    static const char want[] =
        "\"a\\\"b\\\\c/\\n\\r\\t\\b\\f\\u0001\\u001f\x7f \xc3\xa9 "
        "\xf0\x9f\x98\x80 \xef\xbf\xbd \xef\xbf\xbd "
        "\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\"";

    is_int(eng_writer_json_string(w, in, sizeof in - 1), 0, "json_string: 0");
    got = out_of(w, &len);
    ok(len == sizeof want - 1 && memcmp(got, want, len) == 0,
       "json_string: escapes and U+FFFD for each maximal invalid subpart");

    w = file_writer();
    eng_writer_json_string(w, "x\0y", 3);
    eng_writer_json_string(w, "", 0);
    is_str(out_of(w, NULL), "\"x\\u0000y\"\"\"", "json_string: NUL and empty");

    {
        /* the result parses back to the same text */
        static const char s[] = "tab\there \"q\" \\ \x1b end \xe2\x82\xac";
        json_t *v;
        w = file_writer();
        eng_writer_json_string(w, s, sizeof s - 1);
        got = out_of(w, &len);
        v = json_loadb(got, len, JSON_DECODE_ANY, NULL);
        ok(v && json_is_string(v) && strcmp(json_string_value(v), s) == 0,
           "json_string: jansson reads back the original");
        json_decref(v);
    }
    {
        /* a long string crosses the 64 KiB buffer */
        size_t n = 200000, i;
        char *s = malloc(n);
        int same;
        for (i = 0; i < n; i++)
            s[i] = (i % 1000 == 0) ? '\n' : 'k';
        w = file_writer();
        eng_writer_json_string(w, s, n);
        eng_writer_flush(w);
        len = (size_t)lseek(wfd, 0, SEEK_END);
        is_int(len, n + 200 + 2, "json_string: long string, size exact");
        {
            /* decodes back to the original 200000 bytes */
            char *back = malloc(len);
            json_t *v = NULL;
            if (pread(wfd, back, len, 0) == (ssize_t)len)
                v = json_loadb(back, len, JSON_DECODE_ANY, NULL);
            same = v && json_string_length(v) == n &&
                   memcmp(json_string_value(v), s, n) == 0;
            json_decref(v);
            free(back);
        }
        ok(same, "json_string: long string content");
        eng_writer_free(w);
        free(s);
    }
}

static void test_writer_json(void)
{
    struct eng_writer *w = file_writer();
    json_t *v = json_pack("{s:i,s:[b,n,s],s:{}, s:f}", "b", 1, "a", 1, "x",
                          "c", "r", 1.5);
    is_int(eng_writer_json(w, v), 0, "json: 0");
    eng_writer_putc(w, '\n');
    json_decref(v);
    v = json_string("top");
    eng_writer_json(w, v);
    json_decref(v);
    is_str(out_of(w, NULL), "{\"b\":1,\"a\":[true,null,\"x\"],\"c\":{},\"r\":1.5}\n"
           "\"top\"", "json: compact, key order kept, scalars allowed");
}

static void test_splice(void)
{
    struct eng_writer *w = file_writer();
    const char *m = "\"x\":1,\"y\":\"z\"";
    eng_writer_splice(w, "{\"a\":1}", 7, m, strlen(m));
    eng_writer_splice(w, "{}", 2, m, strlen(m));
    eng_writer_splice(w, "{ }  \t", 6, m, strlen(m));
    eng_writer_splice(w, "{\"a\":{}}  ", 10, m, strlen(m));
    eng_writer_splice(w, "{\"a\":\"{\"}", 9, m, strlen(m));
    eng_writer_splice(w, "{\"a\":1 } \r", 10, "", 0);
    is_str(out_of(w, NULL),
           "{\"a\":1,\"x\":1,\"y\":\"z\"}\n"
           "{\"x\":1,\"y\":\"z\"}\n"
           "{ \"x\":1,\"y\":\"z\"}\n"
           "{\"a\":{},\"x\":1,\"y\":\"z\"}\n"
           "{\"a\":\"{\",\"x\":1,\"y\":\"z\"}\n"
           "{\"a\":1 } \r\n",
           "splice: members, {}, blanks, nested {}, '{' in a string, none");

    w = file_writer();
    errno = 0;
    is_int(eng_writer_splice(w, "[1]", 3, m, strlen(m)), -1,
           "splice: not an object is refused");
    is_int(errno, EINVAL, "splice: EINVAL");
    is_int(eng_writer_failed(w), 0, "splice: refusal does not poison the writer");
    eng_writer_free(w);
}

static void test_buffering(void)
{
    struct eng_writer *w = file_writer();
    size_t big = 300000, len, i;
    char *s = malloc(big);
    const char *got;
    int same = 1;

    for (i = 0; i < big; i++)
        s[i] = (char)('0' + i % 10);
    eng_writer_puts(w, "head:");
    eng_writer_write(w, s, big);   /* straight through, after "head:" */
    eng_writer_putc(w, '!');
    got = out_of(w, &len);
    (void)got;
    {
        char *all = malloc(big + 6);
        ssize_t n = pread(wfd, all, big + 6, 0);
        same = n == (ssize_t)big + 6 && memcmp(all, "head:", 5) == 0 &&
               memcmp(all + 5, s, big) == 0 && all[big + 5] == '!';
        free(all);
    }
    ok(same, "writer: small, big (written through) and small stay in order");
    free(s);

    w = file_writer();
    for (i = 0; i < 100000; i++)
        eng_writer_putc(w, (char)('a' + i % 26));
    eng_writer_flush(w);
    is_int(lseek(wfd, 0, SEEK_END), 100000, "writer: putc across the buffer");
    eng_writer_free(w);
}

static void test_dev_full(void)
{
    int fd = open("/dev/full", O_WRONLY);
    struct eng_writer *w = eng_writer_new_fd(fd);
    is_int(eng_writer_puts(w, "x\n"), 0, "/dev/full: buffered write succeeds");
    is_int(eng_writer_failed(w), 0, "/dev/full: not failed yet");
    errno = 0;
    is_int(eng_writer_flush(w), -1, "/dev/full: flush fails");
    is_int(errno, ENOSPC, "/dev/full: ENOSPC");
    is_int(eng_writer_failed(w), 1, "/dev/full: failed");
    errno = 0;
    is_int(eng_writer_putc(w, 'y'), -1, "/dev/full: later calls fail fast");
    is_int(errno, ENOSPC, "/dev/full: errno stays ENOSPC");
    errno = 0;
    is_int(eng_writer_json_string(w, "a", 1), -1, "/dev/full: json_string fails");
    is_int(errno, ENOSPC, "/dev/full: json_string errno");
    {
        struct eng_error err;
        is_int(eng_writer_commit(w, &err), -1, "/dev/full: commit fails");
        is_str(err.msg, "output: write error: No space left on device",
               "/dev/full: commit message");
    }
    eng_writer_free(w);
    close(fd);
}

/* Partial writes: a blocking write(2) to a pipe returns short when a signal
 * (handler without SA_RESTART) interrupts it after some bytes went through,
 * and -1/EINTR when none did. A slow reader plus a stream of signals makes
 * both happen; every byte must still arrive once, in order. */
static volatile sig_atomic_t sigs;
static void on_usr1(int sig) { (void)sig; sigs++; }

struct drain { int fd; size_t n; int in_order; volatile int done; };

static void *drain_slowly(void *arg)
{
    struct drain *d = arg;
    char buf[4096];
    ssize_t k;
    d->in_order = 1;
    while ((k = read(d->fd, buf, sizeof buf)) > 0) {
        ssize_t i;
        for (i = 0; i < k; i++)
            if (buf[i] != (char)('A' + (d->n + (size_t)i) % 23))
                d->in_order = 0;
        d->n += (size_t)k;
        usleep(200);
    }
    d->done = 1;
    return NULL;
}

struct pester { pthread_t target; volatile int stop; };

static void *pester(void *arg)
{
    struct pester *p = arg;
    while (!p->stop) {
        pthread_kill(p->target, SIGUSR1);
        usleep(300);
    }
    return NULL;
}

static void test_partial_writes(void)
{
    int fds[2];
    size_t n = (size_t)2 << 20, i;
    char *s = malloc(n);
    struct drain d = { 0 };
    struct pester p = { 0 };
    pthread_t td, tp;
    struct sigaction sa;
    struct eng_writer *w;
    int rc;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;   /* no SA_RESTART: write() is interrupted */
    sigaction(SIGUSR1, &sa, NULL);
    for (i = 0; i < n; i++)
        s[i] = (char)('A' + i % 23);
    if (pipe(fds) < 0) {
        ok(0, "pipe");
        return;
    }
    d.fd = fds[0];
    p.target = pthread_self();
    pthread_create(&td, NULL, drain_slowly, &d);
    pthread_create(&tp, NULL, pester, &p);
    w = eng_writer_new_fd(fds[1]);
    rc = eng_writer_write(w, s, n);
    rc |= eng_writer_flush(w);
    p.stop = 1;
    pthread_join(tp, NULL);
    close(fds[1]);
    pthread_join(td, NULL);
    is_int(rc, 0, "partial writes: write and flush succeed");
    is_int(d.n, n, "partial writes: every byte arrives");
    ok(d.in_order, "partial writes: in order, none twice");
    ok(sigs > 0, "partial writes: signals did interrupt");
    eng_writer_free(w);
    close(fds[0]);
    signal(SIGUSR1, SIG_DFL);
    free(s);
}

static void test_file_writer(void)
{
    char dir[] = "/tmp/test_jsonl_d_XXXXXX";
    char path[256], tmpname[300];
    struct eng_writer *w;
    struct eng_error err;
    struct stat st;
    int found;
    char buf[64];
    FILE *f;

    if (!mkdtemp(dir)) {
        ok(0, "mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    f = fopen(path, "w");
    fputs("old\n", f);
    fclose(f);

    w = eng_writer_new_file(path, &err);
    ok(w != NULL, "file: writer created");
    eng_writer_puts(w, "new\n");
    eng_writer_flush(w);
    f = fopen(path, "r");
    ok(fgets(buf, sizeof buf, f) && strcmp(buf, "old\n") == 0,
       "file: the old file stays until commit");
    fclose(f);
    snprintf(tmpname, sizeof tmpname, "ls %s | grep -c '^out.jsonl.tmp.' >/dev/null", dir);
    found = system(tmpname) == 0;
    ok(found, "file: temporary file sits beside the path");
    is_int(eng_writer_commit(w, &err), 0, "file: commit");
    eng_writer_free(w);
    f = fopen(path, "r");
    ok(fgets(buf, sizeof buf, f) && strcmp(buf, "new\n") == 0,
       "file: commit renamed the new content over the path");
    fclose(f);
    stat(path, &st);
    {
        mode_t um = umask(0);
        umask(um);
        is_int(st.st_mode & 0777, 0666 & ~um, "file: mode is 0666 less umask");
    }
    found = system(tmpname) == 0;
    ok(!found, "file: no temporary file left after commit");

    w = eng_writer_new_file(path, &err);
    eng_writer_puts(w, "abandoned\n");
    eng_writer_flush(w);
    eng_writer_free(w);
    found = system(tmpname) == 0;
    ok(!found, "file: free without commit removes the temporary file");
    f = fopen(path, "r");
    ok(fgets(buf, sizeof buf, f) && strcmp(buf, "new\n") == 0,
       "file: free without commit leaves the path alone");
    fclose(f);

    snprintf(path, sizeof path, "%s/missing/out.jsonl", dir);
    w = eng_writer_new_file(path, &err);
    ok(w == NULL, "file: directory missing -> NULL");
    snprintf(buf, sizeof buf, "%s/missing/out.jsonl: cannot create", dir);
    ok(strncmp(err.msg, buf, strlen(buf)) == 0, "file: message names the path");

    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_basic_lines();
    test_edge_lines();
    test_big_line();
    test_too_long();
    test_too_long_at_cap();
    test_utf8();
    test_chunk();
    test_read_errors();
    test_flush_before_block();
    test_no_flush_on_file();
    test_json_string();
    test_writer_json();
    test_splice();
    test_buffering();
    test_dev_full();
    test_partial_writes();
    test_file_writer();
    if (wfd >= 0)
        close(wfd);
    return done_testing();
}
