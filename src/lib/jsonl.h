/* jsonl: reading lines and writing JSON-lines, the I/O of every eng tool.
 *
 * Reader: hands out one line at a time from a file descriptor, without the
 * terminating "\n" or "\r\n", with its 1-based line number. Lines may be of
 * any length up to a cap (--max-line, default 64 MiB); a longer line is
 * skipped up to its newline and reported as too long (the first bytes are
 * kept so a reject can show them). Each line is checked for valid UTF-8 and
 * for NUL bytes. The last line may lack its newline.
 *
 * Writer: block-buffers output for throughput, and is flushed by the reader
 * whenever the input has no more bytes ready, i.e. just before a read that
 * would block (poll() with a zero timeout says "not readable"). So a batch
 * run writes in big blocks, and a streaming run never holds a finished line
 * in a buffer while it waits for input. With -o FILE, output goes to a
 * temporary file beside FILE that is renamed over it on commit (atomic).
 *
 * Splicing (ARCHITECTURE.md, Speed): a stage that only adds fields to an
 * event writes the original line up to its closing brace, then ",", the new
 * members, and "}" (eng_writer_splice), instead of re-serialising it.
 */
#ifndef ENG_JSONL_H
#define ENG_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define ENG_MAX_LINE_DEFAULT ((size_t)64 << 20)

struct eng_writer;

/* One line handed out by the reader. data is owned by the reader and valid
 * until the next call; data[len] is '\0'. */
struct eng_line {
    const char *data;
    size_t len;          /* bytes, without "\n" / "\r\n" (for a too-long line:
                            the kept prefix only) */
    unsigned long lineno;/* 1-based physical line number */
    int too_long;        /* the line was longer than max_line; data holds its
                            first bytes (at most 4 KiB, never ending inside
                            a UTF-8 sequence) */
    size_t full_len;     /* real length of the line (also for too-long lines) */
    int bad_utf8;        /* not valid UTF-8 (overlongs, surrogates, > U+10FFFF
                            count as invalid) */
    size_t bad_utf8_at;  /* byte offset of the first invalid byte (the start
                            of the first ill-formed sequence) */
    int has_nul;         /* contains a NUL byte */
};

struct eng_reader;

/* Returns a new reader over fd (not closed by the reader); name is used in
 * messages ("-" for stdin) and copied. max_line 0 means the default. */
struct eng_reader *eng_reader_new(int fd, const char *name, size_t max_line);
/* Returns a reader that gets its bytes from fn(ctx, buf, n) instead of
 * read(2) on an fd (fn returns like read: bytes, 0 at end, -1 with errno).
 * Used for --follow. Since such a source cannot be polled, the attached
 * writer is flushed before every call of fn. */
typedef long (*eng_read_fn)(void *ctx, void *buf, size_t n);
struct eng_reader *eng_reader_new_fn(eng_read_fn fn, void *ctx,
                                     const char *name, size_t max_line);
/* Frees the reader (does not close its fd). NULL is fine. */
void eng_reader_free(struct eng_reader *r);
/* Returns the name given at creation (owned by the reader). */
const char *eng_reader_name(const struct eng_reader *r);

/* Writer to flush whenever the input has no more bytes ready; NULL for none.
 * Borrowed: must outlive the reader. */
void eng_reader_set_flush(struct eng_reader *r, struct eng_writer *w);
/* Same rule with a callback, for a tool with several outputs (eng-ingest's
 * partitions) or a state to checkpoint when the input pauses: fn(ctx, err)
 * returns 0, or -1 with errno set and err set (left empty, the reader says
 * "write error: " and errno's text). Called in addition to the writer of
 * eng_reader_set_flush, if any. */
void eng_reader_set_flush_fn(struct eng_reader *r,
                             int (*fn)(void *ctx, struct eng_error *err),
                             void *ctx);

/* Reads the next line into *line. Returns 1 for a line, 0 at end of input,
 * -1 on a read error (err says why). A flush error of the attached writer is
 * also returned as -1 with errno kept (EPIPE for a closed downstream). */
int eng_reader_next(struct eng_reader *r, struct eng_line *line,
                    struct eng_error *err);

/* Raw byte access for formats that are not line-based (CSV with embedded
 * newlines, JSON documents): fills *buf and *len with the next chunk of bytes
 * (owned by the reader, valid until the next call). Returns 1, 0 at EOF, -1
 * on error. Flushes the attached writer before a read that would block, like
 * eng_reader_next. Do not mix with eng_reader_next on one reader. */
int eng_reader_chunk(struct eng_reader *r, const char **buf, size_t *len,
                     struct eng_error *err);

/* Checks s[0..len) for UTF-8 validity. Returns 1 when valid, else 0 and sets
 * *bad_at (when not NULL) to the offset of the first invalid byte. */
int eng_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* --- writer --- */

/* Returns a new block-buffered writer on fd (not closed by the writer). */
struct eng_writer *eng_writer_new_fd(int fd);
/* Returns a writer to a temporary file beside path; eng_writer_commit renames
 * it over path. NULL on error (err says why). */
struct eng_writer *eng_writer_new_file(const char *path, struct eng_error *err);
/* Appends bytes to the buffer (writes through when it fills). 0 or -1. After
 * the first error every call fails fast and errno stays that of the error. */
int eng_writer_write(struct eng_writer *w, const void *buf, size_t len);
int eng_writer_putc(struct eng_writer *w, char c);
int eng_writer_puts(struct eng_writer *w, const char *s);
/* Writes s[0..len) as a JSON string literal with quotes and escapes (", \,
 * control characters; non-ASCII UTF-8 passes through, invalid bytes become
 * U+FFFD). 0 or -1. */
int eng_writer_json_string(struct eng_writer *w, const char *s, size_t len);
/* Writes a jansson value compactly (JSON_COMPACT, key order kept). 0 or -1. */
int eng_writer_json(struct eng_writer *w, const json_t *v);
/* Writes line[0..len) (a JSON object's text ending in '}', trailing blanks
 * allowed) with `members` (text like "\"a\":1,\"b\":2", no braces) inserted
 * before its closing brace, then "\n". Handles "{}" (no comma). 0 or -1.
 * members_len 0: writes the line as is. A line not ending in '}' is refused
 * with errno EINVAL (a caller bug; the writer is not marked failed). */
int eng_writer_splice(struct eng_writer *w, const char *line, size_t len,
                      const char *members, size_t members_len);
/* Writes out the buffer. 0 or -1 (errno kept: EPIPE, ENOSPC...). */
int eng_writer_flush(struct eng_writer *w);
/* Returns 1 once a write or flush has failed. */
int eng_writer_failed(const struct eng_writer *w);
/* Flushes, and for a file writer fsyncs and renames the temp file over its
 * path. 0 or -1 (err says why). */
int eng_writer_commit(struct eng_writer *w, struct eng_error *err);
/* Frees the writer; a file writer that was not committed removes its
 * temporary file. Does not flush. NULL is fine. */
void eng_writer_free(struct eng_writer *w);

#endif
