/* output: writing an event's JSON text directly, without a jansson DOM.
 *
 * eng-ingest turns a million CSV rows into events; building a json_t per row
 * and serialising it would cost more than all the rest (ARCHITECTURE.md,
 * Speed). Instead the shape of the output is compiled once into a tree of
 * target names (an `out_tree`: `geo.city` and `geo.lat` share one `geo`
 * object), and each record only fills an array of leaf values that
 * out_write() turns into text in a reused buffer.
 *
 * Rules of the text written:
 *   1. Members come in the order their leaves were added; an object node sits
 *      where its first leaf was added.
 *   2. An absent leaf writes nothing; an object all of whose leaves are
 *      absent writes nothing (no "geo":{}).
 *   3. OUT_STR values are escaped as JSON strings; OUT_RAW values are JSON
 *      text already (numbers, true/false, a dumped value) and copied as is.
 */
#ifndef ENG_INGEST_OUTPUT_H
#define ENG_INGEST_OUTPUT_H

#include <stddef.h>

/* A growable byte buffer, reused from record to record. */
struct buf {
    char *p;
    size_t len, cap;
};

/* Makes room for n more bytes (aborts on out-of-memory: there is nothing
 * sensible a stream tool can do then). */
void buf_reserve(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *s, size_t n);
static inline void buf_addc(struct buf *b, char c)
{
    if (b->len + 1 > b->cap)
        buf_reserve(b, 1);
    b->p[b->len++] = c;
}
static inline void buf_adds(struct buf *b, const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    buf_add(b, s, n);
}
/* Appends s[0..n) as a JSON string literal (quotes included). s must be
 * valid UTF-8 (the reader checked it); " \ and control bytes are escaped. */
void buf_json_string(struct buf *b, const char *s, size_t n);
/* Appends a decimal unsigned number. */
void buf_add_ulong(struct buf *b, unsigned long v);
void buf_free(struct buf *b);

enum out_kind { OUT_ABSENT = 0, OUT_STR, OUT_RAW };

/* One leaf's value for the record being written; p points into memory the
 * caller keeps alive until out_write returns. */
struct out_val {
    enum out_kind kind;
    const char *p;
    size_t len;
};

struct out_tree;

/* Returns a new empty tree (the top-level object). */
struct out_tree *out_tree_new(void);
void out_tree_free(struct out_tree *t);
/* Adds a leaf at keys[0..n) and returns its index (0, 1, 2... in the order
 * of addition), or -1 when the place is taken: the same path twice, or a
 * path that needs a leaf to be an object (or the reverse). */
int out_tree_add(struct out_tree *t, const char *const *keys, size_t n);
/* Returns the leaf index at keys[0..n), or -1. */
int out_tree_find(const struct out_tree *t, const char *const *keys, size_t n);
/* Number of leaves. */
size_t out_tree_leaves(const struct out_tree *t);

/* Appends "{" and the members for vals[0..leaves) to b, without the closing
 * brace (the caller may add more members, then "}"). Returns the number of
 * top-level members written. */
size_t out_write(const struct out_tree *t, const struct out_val *vals,
                 struct buf *b);

#endif
