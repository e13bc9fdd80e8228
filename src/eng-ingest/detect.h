/* detect: which format an input is in, for -f auto, and the bytes read to
 * find out, handed back to the reader so nothing is lost.
 *
 * By extension first: .csv .tsv .jsonl .ndjson .json, and .log (then clf or
 * combined by its first line). Otherwise by content, after a UTF-8 BOM and
 * blanks: '{' is JSON-lines, '[' JSON; a first line that clf_parse accepts
 * as combined is combined, as common log format clf; anything else CSV.
 */
#ifndef ENG_INGEST_DETECT_H
#define ENG_INGEST_DETECT_H

#include <stddef.h>

#include "jsonl.h"

/* A byte source that first hands out what sniffing read, then reads on. */
struct detect_src {
    eng_read_fn fn;     /* the underlying source */
    void *ctx;
    char *head;         /* bytes already read (owned) */
    size_t nhead, pos;
};

/* Returns the format name for path's extension, or NULL ("log" for .log). */
const char *detect_by_name(const char *path);
/* Reads up to the first full line (at most 64 KiB) from src->fn into
 * src->head and returns the format; "log" narrows .log files. Returns NULL
 * on a read error (errno set). */
const char *detect_by_content(struct detect_src *src, const char *hint);
/* An eng_read_fn over a detect_src. */
long detect_read(void *src, void *buf, size_t n);
/* An eng_read_fn over an fd (ctx is an int *). */
long detect_fd_read(void *fd, void *buf, size_t n);
void detect_free(struct detect_src *src);

#endif
