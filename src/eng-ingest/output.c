/* output: see output.h. The tree is a flat array of nodes (node 0 is the
 * top-level object) linked first-child / next-sibling, so writing a record
 * is one walk with no allocation once the buffer has grown to its size. */
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        fputs("eng-ingest: out of memory\n", stderr);
        abort();
    }
    b->p = p;
    b->cap = cap;
}

void buf_add(struct buf *b, const void *s, size_t n)
{
    if (b->len + n > b->cap)
        buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

void buf_add_ulong(struct buf *b, unsigned long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lu", v);
    buf_add(b, tmp, (size_t)n);
}

void buf_free(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Bytes that need an escape in a JSON string: '"', '\\' and < 0x20. */
static const unsigned char needs_escape[256] = {
    1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1, 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
    0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
    0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
};

void buf_json_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* worst case: every byte becomes \u00XX */
    buf_reserve(b, n * 6 + 2);
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape[c]) {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default:
            *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hex[c >> 4]; *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

struct node {
    char *key;      /* NULL for the root */
    char *qkey;     /* "key": escaped once, written per record */
    size_t qlen;
    int leaf;       /* leaf index, or -1 for an object node */
    int first, last, next; /* children and sibling, -1 for none */
};

struct out_tree {
    struct node *nodes;
    size_t n, cap;
    size_t nleaves;
};

static int new_node(struct out_tree *t, const char *key, int leaf)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct node *p = realloc(t->nodes, cap * sizeof *p);
        if (!p)
            return -1;
        t->nodes = p;
        t->cap = cap;
    }
    struct node *nd = &t->nodes[t->n];
    nd->key = key ? strdup(key) : NULL;
    if (key && !nd->key)
        return -1;
    nd->qkey = NULL;
    nd->qlen = 0;
    if (key) {
        struct buf q = {0};
        buf_json_string(&q, key, strlen(key));
        buf_addc(&q, ':');
        nd->qkey = q.p;
        nd->qlen = q.len;
    }
    nd->leaf = leaf;
    nd->first = nd->last = nd->next = -1;
    return (int)t->n++;
}

struct out_tree *out_tree_new(void)
{
    struct out_tree *t = calloc(1, sizeof *t);
    if (t && new_node(t, NULL, -1) < 0) {
        out_tree_free(t);
        return NULL;
    }
    return t;
}

void out_tree_free(struct out_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->nodes[i].key);
        free(t->nodes[i].qkey);
    }
    free(t->nodes);
    free(t);
}

static int child(const struct out_tree *t, int parent, const char *key)
{
    for (int c = t->nodes[parent].first; c >= 0; c = t->nodes[c].next)
        if (strcmp(t->nodes[c].key, key) == 0)
            return c;
    return -1;
}

int out_tree_find(const struct out_tree *t, const char *const *keys, size_t n)
{
    int cur = 0;
    for (size_t i = 0; i < n && cur >= 0; i++)
        cur = child(t, cur, keys[i]);
    return cur >= 0 && n > 0 ? t->nodes[cur].leaf : -1;
}

int out_tree_add(struct out_tree *t, const char *const *keys, size_t n)
{
    int cur = 0;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int last = i + 1 == n;
        int c = child(t, cur, keys[i]);
        if (c >= 0) {
            /* taken: a leaf where we need an object, or the same leaf */
            if (last || t->nodes[c].leaf >= 0)
                return -1;
            cur = c;
            continue;
        }
        c = new_node(t, keys[i], last ? (int)t->nleaves : -1);
        if (c < 0)
            return -1;
        struct node *p = &t->nodes[cur];
        if (p->last >= 0)
            t->nodes[p->last].next = c;
        else
            p->first = c;
        p->last = c;
        cur = c;
    }
    return (int)t->nleaves++;
}

size_t out_tree_leaves(const struct out_tree *t)
{
    return t->nleaves;
}

static size_t write_members(const struct out_tree *t, int node,
                            const struct out_val *vals, struct buf *b)
{
    size_t written = 0;
    for (int c = t->nodes[node].first; c >= 0; c = t->nodes[c].next) {
        const struct node *nd = &t->nodes[c];
        size_t mark = b->len;
        if (nd->leaf >= 0) {
            const struct out_val *v = &vals[nd->leaf];
            if (v->kind == OUT_ABSENT)
                continue;
            if (written)
                buf_addc(b, ',');
            buf_add(b, nd->qkey, nd->qlen);
            if (v->kind == OUT_STR)
                buf_json_string(b, v->p, v->len);
            else
                buf_add(b, v->p, v->len);
            written++;
            continue;
        }
        if (written)
            buf_addc(b, ',');
        buf_add(b, nd->qkey, nd->qlen);
        buf_addc(b, '{');
        if (write_members(t, c, vals, b) == 0) {
            b->len = mark; /* rule 2: no empty object */
            continue;
        }
        buf_addc(b, '}');
        written++;
    }
    return written;
}

size_t out_write(const struct out_tree *t, const struct out_val *vals,
                 struct buf *b)
{
    buf_addc(b, '{');
    return write_members(t, 0, vals, b);
}
