/* json-parse-ceiling: the speed limit of our own stack.
 *
 * Every eng stage parses each event with jansson (ARCHITECTURE.md, Speed),
 * so no stage can be faster than reading the lines and calling json_loadb()
 * on each. This program does exactly that and nothing else:
 *
 *   for each line on stdin (LF or CRLF; blank lines skipped):
 *       v = json_loadb(line); count it (or count an error); json_decref(v)
 *   with --dump: also json_dumpb(v, JSON_COMPACT) to stdout, the cost of a
 *   stage that re-serialises every event.
 *
 * bench/ingest.sh runs it on the same input as the tools in the same run,
 * so the distance between a stage and this ceiling is always visible.
 * Lines are read with one big buffer and memchr (no per-line allocation,
 * no stdio per line), so the time measured is jansson's.
 *
 * Usage: json-parse-ceiling [--dump] < events.jsonl
 * At the end it prints "json-parse-ceiling: N lines, E errors" on stderr.
 * Exit status: 0, 1 when some line was not valid JSON, 2 on usage, 3 on I/O.
 */
#ifndef _GNU_SOURCE /* configure may define it already */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

static char *obuf;
static size_t olen, ocap = 1 << 20;

static int oflush(void)
{
    size_t off = 0;
    while (off < olen) {
        ssize_t n = write(1, obuf + off, olen - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)n;
    }
    olen = 0;
    return 0;
}

/* Serialises v compactly plus '\n' into the output buffer. 0 or -1. */
static int dump(const json_t *v)
{
    for (;;) {
        size_t room = ocap - olen;
        size_t need = json_dumpb(v, obuf + olen, room > 0 ? room - 1 : 0, JSON_COMPACT);
        if (need == 0)
            return -1;
        if (need + 1 <= room) {
            olen += need;
            obuf[olen++] = '\n';
            return 0;
        }
        if (olen > 0) {
            if (oflush())
                return -1;
            continue;
        }
        /* a single event larger than the buffer: grow it */
        char *nb = realloc(obuf, need + 1);
        if (!nb)
            return -1;
        obuf = nb;
        ocap = need + 1;
    }
}

int main(int argc, char **argv)
{
    int do_dump = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dump")) {
            do_dump = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("usage: json-parse-ceiling [--dump] < events.jsonl\n"
                 "Parse every line with jansson and count; --dump also re-serialises\n"
                 "each event to stdout. The parse-only ceiling of `make bench`.");
            return 0;
        } else {
            fprintf(stderr, "json-parse-ceiling: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    obuf = malloc(ocap);
    if (!buf || !obuf) {
        fprintf(stderr, "json-parse-ceiling: out of memory\n");
        return 3;
    }
    unsigned long long lines = 0, errors = 0;
    int eof = 0;
    while (!eof || len > 0) {
        if (!eof) {
            if (len == cap) { /* a line longer than the buffer: grow */
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    fprintf(stderr, "json-parse-ceiling: out of memory\n");
                    return 3;
                }
                buf = nb;
                cap *= 2;
            }
            ssize_t n = read(0, buf + len, cap - len);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "json-parse-ceiling: read: %s\n", strerror(errno));
                return 3;
            }
            if (n == 0)
                eof = 1;
            len += (size_t)n;
        }
        char *p = buf, *end = buf + len;
        for (;;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) {
                if (!eof)
                    break;
                if (p == end)
                    break;
                nl = end; /* last line without '\n' */
            }
            size_t ll = (size_t)(nl - p);
            if (ll > 0 && p[ll - 1] == '\r')
                ll--;
            if (ll > 0) {
                json_error_t jerr;
                json_t *v = json_loadb(p, ll, 0, &jerr);
                lines++;
                if (!v) {
                    errors++;
                } else {
                    if (do_dump && dump(v)) {
                        if (errno == EPIPE)
                            return 0;
                        fprintf(stderr, "json-parse-ceiling: write: %s\n", strerror(errno));
                        return 3;
                    }
                    json_decref(v);
                }
            }
            p = nl < end ? nl + 1 : end;
            if (p == end)
                break;
        }
        memmove(buf, p, (size_t)(end - p));
        len = (size_t)(end - p);
        if (eof && len == 0)
            break;
    }
    if (do_dump && oflush()) {
        if (errno == EPIPE)
            return 0;
        fprintf(stderr, "json-parse-ceiling: write: %s\n", strerror(errno));
        return 3;
    }
    fprintf(stderr, "json-parse-ceiling: %llu lines, %llu errors\n", lines, errors);
    free(buf);
    free(obuf);
    return errors ? 1 : 0;
}
