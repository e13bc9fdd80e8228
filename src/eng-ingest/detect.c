/* detect: see detect.h. */
#include "detect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clf.h"

#define SNIFF_MAX (64 * 1024)

const char *detect_by_name(const char *path)
{
    static const struct { const char *ext, *fmt; } exts[] = {
        { ".csv", "csv" }, { ".tsv", "tsv" }, { ".jsonl", "jsonl" },
        { ".ndjson", "jsonl" }, { ".json", "json" }, { ".log", "log" },
    };
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i].ext) == 0)
            return exts[i].fmt;
    return NULL;
}

long detect_fd_read(void *fd, void *buf, size_t n)
{
    return (long)read(*(int *)fd, buf, n);
}

long detect_read(void *p, void *buf, size_t n)
{
    struct detect_src *src = p;
    if (src->pos < src->nhead) {
        size_t k = src->nhead - src->pos;
        if (k > n)
            k = n;
        memcpy(buf, src->head + src->pos, k);
        src->pos += k;
        return (long)k;
    }
    return src->fn(src->ctx, buf, n);
}

void detect_free(struct detect_src *src)
{
    free(src->head);
    src->head = NULL;
}

const char *detect_by_content(struct detect_src *src, const char *hint)
{
    src->head = malloc(SNIFF_MAX);
    if (!src->head)
        return NULL;
    /* read until the first line is complete, the cap, or the end */
    while (src->nhead < SNIFF_MAX) {
        long got = src->fn(src->ctx, src->head + src->nhead,
                           SNIFF_MAX - src->nhead);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return NULL;
        if (got == 0)
            break;
        size_t old = src->nhead;
        src->nhead += (size_t)got;
        if (memchr(src->head + old, '\n', (size_t)got))
            break;
    }
    const char *s = src->head, *end = s + src->nhead;
    if (end - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3;
    const char *f = s;
    while (f < end && (*f == ' ' || *f == '\t' || *f == '\r' || *f == '\n'))
        f++;
    if (!hint && f < end && *f == '{')
        return "jsonl";
    if (!hint && f < end && *f == '[')
        return "json";
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
    if (len && s[len - 1] == '\r')
        len--;
    struct clf_record rec;
    const char *why;
    size_t at;
    if (clf_parse(s, len, 1, &rec, &why, &at) == 0)
        return "combined";
    if (hint || clf_parse(s, len, -1, &rec, &why, &at) == 0)
        return "clf";
    return "csv";
}
