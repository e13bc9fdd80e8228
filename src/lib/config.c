/* config: YAML files to jansson values with a position for every node.
 *
 * Input: one YAML document (libyaml's event parser, yaml_parser_parse).
 * Output: a jansson tree plus a side table of positions.
 *
 * Building the tree. Events arrive in document order; an explicit stack of
 * open containers (never C recursion, so `[[[[...` cannot blow the stack)
 * receives each finished node:
 *
 *     SCALAR          -> a key (top is a mapping waiting for one) or a value
 *     MAPPING/SEQ     -> push a frame (depth <= MAX_DEPTH)
 *     *_END           -> pop the frame, hand its container to the parent
 *     ALIAS           -> deep copy of the anchored node, charged to the budget
 *     DOCUMENT_START  -> a second one is an error
 *
 * Invariants:
 *   1. Every node ends in exactly one place: the root, an array slot or an
 *      object member; on error everything still open is released.
 *   2. nodes_total counts every node built, copies included; an alias whose
 *      copy would push it past MAX_NODES fails before copying, so a "billion
 *      laughs" file costs at most MAX_NODES nodes of work.
 *   3. Each anchored node remembers its subtree size and depth, so an alias
 *      is checked against invariant 2 and against MAX_DEPTH before it is
 *      copied, and the (recursive) copy is at most MAX_DEPTH deep.
 *
 * Positions. jansson shares the true/false/null singletons, so a position
 * cannot always be keyed by node pointer. The side table holds four kinds
 * of entries, all in one open-addressing hash table (linear probing, load
 * <= 1/2):
 *
 *     NODE   (node)         objects, arrays, strings, numbers
 *     MEMBER (object, key)  the value of a member, any type
 *     KEY    (object, key)  the key scalar itself
 *     INDEX  (array, i)     element i, any type
 *
 * Keys are copied into an arena owned by the config so that entries never
 * point into jansson's memory. Lookups hash once and compare a few entries.
 * Pointer keys go stale if the caller frees and reallocates nodes; the table
 * describes the tree as loaded.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define MAX_DEPTH 1000
#define MAX_NODES 100000
#define MAX_FILE (64L * 1024 * 1024)

enum pos_kind { K_NODE = 1, K_MEMBER, K_KEY, K_INDEX };

struct pos_entry {
    const void *ptr;   /* NULL marks an empty slot */
    const char *key;   /* arena copy for MEMBER/KEY, else NULL */
    size_t idx;
    unsigned kind;
    struct eng_pos pos;
};

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
};

struct eng_config {
    char *file;
    json_t *root;
    struct pos_entry *tab;
    size_t tab_cap, tab_len;   /* cap is a power of two */
    struct arena_chunk *arena;
};

/* ---- arena for key copies ---- */

static char *arena_strdup(struct eng_config *cfg, const char *s)
{
    size_t n = strlen(s) + 1;
    struct arena_chunk *c = cfg->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = cfg->arena;
        cfg->arena = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    c->used += n;
    return p;
}

/* ---- position table ---- */

static size_t pos_hash(const void *ptr, const char *key, size_t idx,
                       unsigned kind)
{
    /* FNV-1a over the key, mixed with the pointer, index and kind. */
    uint64_t h = 1469598103934665603ULL;
    if (key)
        for (const unsigned char *s = (const unsigned char *)key; *s; s++)
            h = (h ^ *s) * 1099511628211ULL;
    h ^= (uint64_t)(uintptr_t)ptr * 0x9E3779B97F4A7C15ULL;
    h ^= ((uint64_t)idx + kind) * 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return (size_t)h;
}

static int entry_match(const struct pos_entry *e, const void *ptr,
                       const char *key, size_t idx, unsigned kind)
{
    return e->ptr == ptr && e->kind == kind && e->idx == idx &&
           (key ? e->key && strcmp(e->key, key) == 0 : e->key == NULL);
}

static struct pos_entry *pos_find(const struct eng_config *cfg,
                                  const void *ptr, const char *key,
                                  size_t idx, unsigned kind)
{
    if (!cfg || !cfg->tab || !ptr)
        return NULL;
    size_t mask = cfg->tab_cap - 1;
    for (size_t i = pos_hash(ptr, key, idx, kind) & mask;; i = (i + 1) & mask) {
        struct pos_entry *e = &cfg->tab[i];
        if (!e->ptr)
            return NULL;
        if (entry_match(e, ptr, key, idx, kind))
            return e;
    }
}

static int pos_grow(struct eng_config *cfg)
{
    size_t ncap = cfg->tab_cap ? cfg->tab_cap * 2 : 1024;
    struct pos_entry *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
    for (size_t i = 0; i < cfg->tab_cap; i++) {
        struct pos_entry *e = &cfg->tab[i];
        if (!e->ptr)
            continue;
        size_t j = pos_hash(e->ptr, e->key, e->idx, e->kind) & (ncap - 1);
        while (nt[j].ptr)
            j = (j + 1) & (ncap - 1);
        nt[j] = *e;
    }
    free(cfg->tab);
    cfg->tab = nt;
    cfg->tab_cap = ncap;
    return 0;
}

static int pos_put(struct eng_config *cfg, const void *ptr, const char *key,
                   size_t idx, unsigned kind, const struct eng_pos *pos)
{
    if ((cfg->tab_len + 1) * 2 > cfg->tab_cap && pos_grow(cfg) < 0)
        return -1;
    size_t mask = cfg->tab_cap - 1;
    size_t i = pos_hash(ptr, key, idx, kind) & mask;
    for (; cfg->tab[i].ptr; i = (i + 1) & mask) {
        if (entry_match(&cfg->tab[i], ptr, key, idx, kind)) {
            cfg->tab[i].pos = *pos;
            return 0;
        }
    }
    const char *k = NULL;
    if (key && !(k = arena_strdup(cfg, key)))
        return -1;
    cfg->tab[i] = (struct pos_entry){ptr, k, idx, kind, *pos};
    cfg->tab_len++;
    return 0;
}

/* True/false/null are shared singletons: never key a position on them. */
static int is_singleton(const json_t *v)
{
    return json_is_true(v) || json_is_false(v) || json_is_null(v);
}

static int pos_put_node(struct eng_config *cfg, const json_t *v,
                        const struct eng_pos *pos)
{
    if (is_singleton(v))
        return 0;
    return pos_put(cfg, v, NULL, 0, K_NODE, pos);
}

/* ---- public lookups ---- */

static int pos_out(const struct pos_entry *e, struct eng_pos *pos)
{
    if (!e) {
        if (pos)
            *pos = (struct eng_pos){0, 0, 0};
        return -1;
    }
    if (pos)
        *pos = e->pos;
    return 0;
}

int eng_config_pos(const struct eng_config *cfg, const json_t *node,
                   struct eng_pos *pos)
{
    if (!node || is_singleton(node))
        return pos_out(NULL, pos);
    return pos_out(pos_find(cfg, node, NULL, 0, K_NODE), pos);
}

int eng_config_pos_member(const struct eng_config *cfg, const json_t *obj,
                          const char *key, struct eng_pos *pos)
{
    if (!key)
        return pos_out(NULL, pos);
    return pos_out(pos_find(cfg, obj, key, 0, K_MEMBER), pos);
}

int eng_config_pos_key(const struct eng_config *cfg, const json_t *obj,
                       const char *key, struct eng_pos *pos)
{
    if (!key)
        return pos_out(NULL, pos);
    return pos_out(pos_find(cfg, obj, key, 0, K_KEY), pos);
}

int eng_config_pos_index(const struct eng_config *cfg, const json_t *arr,
                         size_t i, struct eng_pos *pos)
{
    return pos_out(pos_find(cfg, arr, NULL, i, K_INDEX), pos);
}

json_t *eng_config_root(const struct eng_config *cfg)
{
    return cfg ? cfg->root : NULL;
}

const char *eng_config_file(const struct eng_config *cfg)
{
    return cfg ? cfg->file : NULL;
}

static int verror_at(const struct eng_config *cfg, const struct eng_pos *pos,
                     struct eng_error *err, const char *fmt, va_list ap)
{
    char msg[ENG_ERROR_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    eng_error_at(err, cfg && cfg->file ? cfg->file : "(config)",
                 pos ? pos->line : 0, pos ? pos->col : 0, "%s", msg);
    return -1;
}

int eng_config_error(const struct eng_config *cfg, const json_t *node,
                     struct eng_error *err, const char *fmt, ...)
{
    struct eng_pos pos;
    va_list ap;
    eng_config_pos(cfg, node, &pos);
    va_start(ap, fmt);
    verror_at(cfg, &pos, err, fmt, ap);
    va_end(ap);
    return -1;
}

int eng_config_error_member(const struct eng_config *cfg, const json_t *obj,
                            const char *key, struct eng_error *err,
                            const char *fmt, ...)
{
    struct eng_pos pos;
    va_list ap;
    /* A missing member has no position of its own: point at the object. */
    if (eng_config_pos_member(cfg, obj, key, &pos) < 0)
        eng_config_pos(cfg, obj, &pos);
    va_start(ap, fmt);
    verror_at(cfg, &pos, err, fmt, ap);
    va_end(ap);
    return -1;
}

int eng_config_check_keys(const struct eng_config *cfg, const json_t *obj,
                          const char *const *allowed, const char *what,
                          struct eng_error *err)
{
    const char *key;
    json_t *val;
    if (!json_is_object(obj))
        return eng_config_error(cfg, obj, err, "%s must be a mapping", what);
    json_object_foreach((json_t *)obj, key, val) {
        size_t i;
        for (i = 0; allowed && allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0)
                break;
        if (allowed && allowed[i])
            continue;
        char list[ENG_ERROR_MAX / 2];
        size_t n = 0;
        list[0] = '\0';
        for (i = 0; allowed && allowed[i] && n < sizeof list; i++) {
            int w = snprintf(list + n, sizeof list - n, "%s%s",
                             i ? ", " : "", allowed[i]);
            if (w < 0)
                break;
            n += (size_t)w;
        }
        struct eng_pos pos;
        eng_config_pos_key(cfg, obj, key, &pos);
        eng_error_at(err, cfg && cfg->file ? cfg->file : "(config)", pos.line,
                     pos.col, "unknown key '%s' in %s (expected one of: %s)",
                     key, what, list);
        return -1;
    }
    return 0;
}

void eng_config_free(struct eng_config *cfg)
{
    if (!cfg)
        return;
    json_decref(cfg->root);
    free(cfg->tab);
    while (cfg->arena) {
        struct arena_chunk *next = cfg->arena->next;
        free(cfg->arena);
        cfg->arena = next;
    }
    free(cfg->file);
    free(cfg);
}

/* ---- scalar typing (YAML 1.2 core schema, section 10.3.2) ---- */

static int all_in(const char *s, const char *set)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!strchr(set, *s))
            return 0;
    return 1;
}

static int is_word(const char *s, const char *a, const char *b, const char *c)
{
    return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

/* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
static int is_core_float(const char *s)
{
    int digits = 0;
    if (*s == '-' || *s == '+')
        s++;
    while (*s >= '0' && *s <= '9')
        s++, digits++;
    if (*s == '.') {
        s++;
        int frac = 0;
        while (*s >= '0' && *s <= '9')
            s++, frac++;
        if (!digits && !frac)
            return 0;
    } else if (!digits) {
        return 0;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* Returns a new value for a plain scalar, or NULL with *why set. Floats
 * are read in the C locale (c_num; may be 0 when newlocale failed), so a
 * tool that calls setlocale() still reads "1.5" as 1.5. */
static json_t *resolve_plain(const char *s, size_t len, locale_t c_num,
                             const char **why)
{
    if (len != strlen(s))   /* a NUL cannot be written plain; be safe */
        return json_stringn(s, len);
    if (len == 0 || is_word(s, "~", "null", "Null") || strcmp(s, "NULL") == 0)
        return json_null();
    if (is_word(s, "true", "True", "TRUE"))
        return json_true();
    if (is_word(s, "false", "False", "FALSE"))
        return json_false();

    const char *d = s;
    if (*d == '-' || *d == '+')
        d++;
    if (all_in(d, "0123456789")) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno == ERANGE) {
            *why = "integer out of range (must fit in 64 bits)";
            return NULL;
        }
        return json_integer(v);
    }
    if ((s[0] == '0' && s[1] == 'x' && all_in(s + 2, "0123456789abcdefABCDEF")) ||
        (s[0] == '0' && s[1] == 'o' && all_in(s + 2, "01234567"))) {
        errno = 0;
        unsigned long long v = strtoull(s + 2, NULL, s[1] == 'x' ? 16 : 8);
        if (errno == ERANGE || v > (unsigned long long)LLONG_MAX) {
            *why = "integer out of range (must fit in 64 bits)";
            return NULL;
        }
        return json_integer((json_int_t)v);
    }
    if (is_core_float(s)) {
        errno = 0;
        /* uselocale is POSIX 2008 (strtod_l would need _GNU_SOURCE). */
        locale_t old = c_num ? uselocale(c_num) : (locale_t)0;
        double v = strtod(s, NULL);
        int e = errno;
        if (old)
            uselocale(old);
        errno = e;
        json_t *r = errno == ERANGE && (v > 1.0 || v < -1.0) ? NULL : json_real(v);
        if (!r)
            *why = "number out of range";
        return r;
    }
    if (is_word(d, ".inf", ".Inf", ".INF") ||
        (s == d && is_word(s, ".nan", ".NaN", ".NAN"))) {
        *why = "infinity and NaN cannot be represented in JSON";
        return NULL;
    }
    return json_stringn(s, len);
}

/* ---- the loader ---- */

struct frame {
    json_t *container;
    struct eng_pos pos;
    char *anchor;          /* owned; NULL when none */
    char *key;             /* owned pending key (mappings only) */
    struct eng_pos keypos;
    size_t nodes;          /* nodes in this subtree so far, itself included */
    size_t depth;          /* levels below this container */
};

struct loader {
    struct eng_config *cfg;
    struct eng_error *err;
    const char *text;
    size_t len;
    struct frame *stack;
    size_t depth, cap;
    json_t *anchors;       /* name -> [value, nodes, depth] */
    locale_t c_num;        /* C numeric locale for strtod, made lazily */
    size_t nodes_total;
    int have_doc, have_root;
    json_t *root;
};

static int fail(struct loader *L, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct loader *L, const yaml_mark_t *m, const char *fmt, ...)
{
    struct eng_pos pos = {(long)m->line + 1, (long)m->column + 1, 0};
    va_list ap;
    va_start(ap, fmt);
    verror_at(L->cfg, &pos, L->err, fmt, ap);
    va_end(ap);
    return -1;
}

static struct eng_pos mark_pos(const yaml_mark_t *m, int quoted)
{
    return (struct eng_pos){(long)m->line + 1, (long)m->column + 1, quoted};
}

static int oom(struct loader *L)
{
    eng_error_set(L->err, "%s: out of memory", L->cfg->file);
    return -1;
}

/* Records an anchor for a finished node; a later anchor of the same name
 * replaces the earlier one, as the YAML spec says. */
static int set_anchor(struct loader *L, const char *name, json_t *v,
                      size_t nodes, size_t depth)
{
    json_t *rec = json_pack("[O,I,I]", v, (json_int_t)nodes, (json_int_t)depth);
    if (!rec || json_object_set_new(L->anchors, name, rec) < 0)
        return oom(L);
    return 0;
}

/* Places a finished node (steals v) in its parent, or as the root. */
static int place(struct loader *L, json_t *v, const struct eng_pos *pos,
                 size_t nodes, size_t depth, const char *anchor)
{
    struct eng_config *cfg = L->cfg;
    if (!v)
        return oom(L);
    if (pos_put_node(cfg, v, pos) < 0 ||
        (anchor && set_anchor(L, anchor, v, nodes, depth) < 0)) {
        json_decref(v);
        return oom(L);
    }
    if (L->depth == 0) {
        L->root = v;
        L->have_root = 1;
        return 0;
    }
    struct frame *f = &L->stack[L->depth - 1];
    f->nodes += nodes;
    if (depth + 1 > f->depth)
        f->depth = depth + 1;
    if (json_is_array(f->container)) {
        size_t i = json_array_size(f->container);
        if (json_array_append_new(f->container, v) < 0)
            return oom(L);
        if (pos_put(cfg, f->container, NULL, i, K_INDEX, pos) < 0)
            return oom(L);
        return 0;
    }
    char *key = f->key;
    f->key = NULL;
    if (json_object_set_new(f->container, key, v) < 0 ||
        pos_put(cfg, f->container, key, 0, K_MEMBER, pos) < 0 ||
        pos_put(cfg, f->container, key, 0, K_KEY, &f->keypos) < 0) {
        free(key);
        return oom(L);
    }
    free(key);
    return 0;
}

/* Deep copy of orig with every position set to the alias's line and column
 * (keeping each node's own scalar style). Depth is bounded by MAX_DEPTH
 * (invariant 3), so recursion is safe. Returns a new reference or NULL. */
static json_t *copy_at(struct eng_config *cfg, const json_t *orig,
                       const struct eng_pos *at)
{
    struct eng_pos p = *at, op;
    json_t *r;
    if (json_is_object(orig)) {
        const char *key;
        json_t *val;
        if (!(r = json_object()))
            return NULL;
        json_object_foreach((json_t *)orig, key, val) {
            json_t *c = copy_at(cfg, val, at);
            p.quoted = eng_config_pos_member(cfg, orig, key, &op) == 0 ? op.quoted : 0;
            if (!c || json_object_set_new(r, key, c) < 0 ||
                pos_put(cfg, r, key, 0, K_MEMBER, &p) < 0 ||
                pos_put(cfg, r, key, 0, K_KEY, at) < 0 ||
                pos_put_node(cfg, c, &p) < 0)
                goto bad;
        }
    } else if (json_is_array(orig)) {
        if (!(r = json_array()))
            return NULL;
        for (size_t i = 0; i < json_array_size(orig); i++) {
            json_t *c = copy_at(cfg, json_array_get(orig, i), at);
            p.quoted = eng_config_pos_index(cfg, orig, i, &op) == 0 ? op.quoted : 0;
            if (!c || json_array_append_new(r, c) < 0 ||
                pos_put(cfg, r, NULL, i, K_INDEX, &p) < 0 ||
                pos_put_node(cfg, c, &p) < 0)
                goto bad;
        }
    } else {
        return json_copy((json_t *)orig);   /* scalars: a fresh node */
    }
    return r;
bad:
    json_decref(r);
    return NULL;
}

static int on_alias(struct loader *L, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    const yaml_mark_t *m = &ev->start_mark;
    json_t *rec = json_object_get(L->anchors, name);
    if (!rec) {
        for (size_t i = 0; i < L->depth; i++)
            if (L->stack[i].anchor && strcmp(L->stack[i].anchor, name) == 0)
                return fail(L, m, "alias '*%s' refers to a node that contains "
                            "it (recursive alias)", name);
        return fail(L, m, "unknown alias '*%s'", name);
    }
    if (L->depth && json_is_object(L->stack[L->depth - 1].container) &&
        !L->stack[L->depth - 1].key)
        return fail(L, m, "an alias cannot be used as a mapping key");
    json_t *orig = json_array_get(rec, 0);
    size_t nodes = (size_t)json_integer_value(json_array_get(rec, 1));
    size_t depth = (size_t)json_integer_value(json_array_get(rec, 2));
    if (L->nodes_total + nodes > MAX_NODES)
        return fail(L, m, "alias expansion too large (more than %d nodes)",
                    MAX_NODES);
    if (L->depth + depth > MAX_DEPTH)
        return fail(L, m, "nesting too deep (more than %d levels)", MAX_DEPTH);
    L->nodes_total += nodes;
    struct eng_pos at = mark_pos(m, 0), op;
    if (eng_config_pos(L->cfg, orig, &op) == 0)
        at.quoted = op.quoted;
    json_t *c = copy_at(L->cfg, orig, &at);
    if (!c)
        return oom(L);
    return place(L, c, &at, nodes, depth, NULL);
}

static int tag_is(const yaml_char_t *tag, const char *name)
{
    return tag && strcmp((const char *)tag, name) == 0;
}

static int on_scalar(struct loader *L, const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const yaml_char_t *tag = ev->data.scalar.tag;
    const yaml_mark_t *m = &ev->start_mark;
    int quoted = 0;
    switch (ev->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: quoted = 1; break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE: quoted = 2; break;
    default: break;
    }
    struct frame *top = L->depth ? &L->stack[L->depth - 1] : NULL;

    if (top && json_is_object(top->container) && !top->key) {
        /* A mapping key: always the scalar's text. */
        struct eng_pos first;
        json_t *probe;
        if (strlen(s) != len)
            return fail(L, m, "mapping key contains a NUL byte");
        if (!(probe = json_stringn(s, len)))
            return fail(L, m, "mapping key is not valid UTF-8");
        json_decref(probe);
        if (json_object_get(top->container, s)) {
            eng_config_pos_key(L->cfg, top->container, s, &first);
            return fail(L, m, "duplicate key '%s' (first at line %ld)", s,
                        first.line);
        }
        if (!(top->key = strdup(s)))
            return oom(L);
        top->keypos = mark_pos(m, quoted);
        if (ev->data.scalar.anchor)
            return fail(L, m, "anchors on mapping keys are not supported");
        return 0;
    }

    json_t *v;
    const char *why = NULL;
    if (!L->c_num)
        L->c_num = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    /* An explicit tag wins over the style: !!int "12" is the integer 12. */
    int as_string = (quoted && !tag) || tag_is(tag, "!") ||
                    tag_is(tag, YAML_STR_TAG);
    if (tag && !as_string && !tag_is(tag, YAML_INT_TAG) &&
        !tag_is(tag, YAML_FLOAT_TAG) && !tag_is(tag, YAML_BOOL_TAG) &&
        !tag_is(tag, YAML_NULL_TAG))
        return fail(L, m, "unsupported tag '%s'", (const char *)tag);
    if (as_string)
        v = json_stringn(s, len);
    else if (!(v = resolve_plain(s, len, L->c_num, &why)) && why)
        return fail(L, m, "%s: '%s'", why, s);
    if (!v)   /* json_stringn refuses invalid UTF-8 (a lone \ud800) */
        return fail(L, m, "string is not valid UTF-8");
    if ((tag_is(tag, YAML_INT_TAG) && !json_is_integer(v)) ||
        (tag_is(tag, YAML_FLOAT_TAG) && !json_is_number(v)) ||
        (tag_is(tag, YAML_BOOL_TAG) && !json_is_boolean(v)) ||
        (tag_is(tag, YAML_NULL_TAG) && !json_is_null(v))) {
        json_decref(v);
        return fail(L, m, "'%s' does not match its tag '%s'", s,
                    (const char *)tag);
    }
    if (tag_is(tag, YAML_FLOAT_TAG) && json_is_integer(v)) {
        json_t *r = json_real((double)json_integer_value(v));
        json_decref(v);
        v = r;
    }
    L->nodes_total++;
    struct eng_pos pos = mark_pos(m, quoted);
    return place(L, v, &pos, 1, 0, (const char *)ev->data.scalar.anchor);
}

static int on_start(struct loader *L, const yaml_event_t *ev, int is_map)
{
    const yaml_mark_t *m = &ev->start_mark;
    const yaml_char_t *tag = is_map ? ev->data.mapping_start.tag
                                    : ev->data.sequence_start.tag;
    const yaml_char_t *anchor = is_map ? ev->data.mapping_start.anchor
                                       : ev->data.sequence_start.anchor;
    if (L->depth && json_is_object(L->stack[L->depth - 1].container) &&
        !L->stack[L->depth - 1].key)
        return fail(L, m, "mapping keys must be scalars");
    if (tag && !tag_is(tag, "!") &&
        !tag_is(tag, is_map ? YAML_MAP_TAG : YAML_SEQ_TAG))
        return fail(L, m, "unsupported tag '%s'", (const char *)tag);
    if (L->depth >= MAX_DEPTH)
        return fail(L, m, "nesting too deep (more than %d levels)", MAX_DEPTH);
    if (L->depth == L->cap) {
        size_t ncap = L->cap ? L->cap * 2 : 16;
        struct frame *ns = realloc(L->stack, ncap * sizeof *ns);
        if (!ns)
            return oom(L);
        L->stack = ns;
        L->cap = ncap;
    }
    struct frame *f = &L->stack[L->depth];
    *f = (struct frame){0};
    f->container = is_map ? json_object() : json_array();
    if (!f->container)
        return oom(L);
    L->depth++;
    f->pos = mark_pos(m, 0);
    f->nodes = 1;
    L->nodes_total++;
    if (anchor && !(f->anchor = strdup((const char *)anchor)))
        return oom(L);
    return 0;
}

static int on_end(struct loader *L)
{
    struct frame f = L->stack[--L->depth];
    int rc = place(L, f.container, &f.pos, f.nodes, f.depth, f.anchor);
    free(f.anchor);
    free(f.key);
    return rc;
}

/* Line and column of a byte offset, for libyaml's reader errors, which
 * carry an offset but no mark. */
static yaml_mark_t offset_mark(const struct loader *L, size_t off)
{
    yaml_mark_t m = {0, 0, 0};
    for (size_t i = 0; i < off && i < L->len; i++) {
        if (L->text[i] == '\n')
            m.line++, m.column = 0;
        else if (((unsigned char)L->text[i] & 0xC0) != 0x80)
            m.column++;
    }
    return m;
}

static int parse_error(struct loader *L, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_MEMORY_ERROR)
        return oom(L);
    if (p->error == YAML_READER_ERROR) {
        yaml_mark_t m = offset_mark(L, p->problem_offset);
        return fail(L, &m, "%s", problem);
    }
    /* libyaml's message for a tab in indentation says nothing of tabs. */
    const char *hint = p->problem_mark.index < L->len &&
                               L->text[p->problem_mark.index] == '\t'
                           ? " (tabs are not allowed for indentation)"
                           : "";
    if (p->context)
        return fail(L, &p->problem_mark, "%s %s%s", problem, p->context, hint);
    return fail(L, &p->problem_mark, "%s%s", problem, hint);
}

static int run(struct loader *L, yaml_parser_t *p)
{
    for (;;) {
        yaml_event_t ev;
        int rc = 0, done = 0;
        if (!yaml_parser_parse(p, &ev))
            return parse_error(L, p);
        switch (ev.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (L->have_doc)
                rc = fail(L, &ev.start_mark,
                          "only one YAML document is allowed per file");
            L->have_doc = 1;
            break;
        case YAML_SCALAR_EVENT: rc = on_scalar(L, &ev); break;
        case YAML_ALIAS_EVENT: rc = on_alias(L, &ev); break;
        case YAML_MAPPING_START_EVENT: rc = on_start(L, &ev, 1); break;
        case YAML_SEQUENCE_START_EVENT: rc = on_start(L, &ev, 0); break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: rc = on_end(L); break;
        case YAML_STREAM_END_EVENT: done = 1; break;
        default: break;
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            return -1;
        if (done)
            return 0;
    }
}

struct eng_config *eng_config_parse(const char *text, size_t len,
                                    const char *name, struct eng_error *err)
{
    struct eng_config *cfg = calloc(1, sizeof *cfg);
    struct loader L = {0};
    yaml_parser_t parser;
    int rc = -1;

    if (!name)
        name = "(config)";
    if (!cfg || !(cfg->file = strdup(name))) {
        eng_error_set(err, "%s: out of memory", name);
        free(cfg);
        return NULL;
    }
    L.cfg = cfg;
    L.err = err;
    L.text = text;
    L.len = len;
    if (!(L.anchors = json_object()) || !yaml_parser_initialize(&parser)) {
        json_decref(L.anchors);
        oom(&L);
        eng_config_free(cfg);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    rc = run(&L, &parser);
    yaml_parser_delete(&parser);
    while (L.depth) {
        struct frame *f = &L.stack[--L.depth];
        json_decref(f->container);
        free(f->anchor);
        free(f->key);
    }
    free(L.stack);
    json_decref(L.anchors);
    if (L.c_num)
        freelocale(L.c_num);
    if (rc < 0) {
        json_decref(L.root);
        eng_config_free(cfg);
        return NULL;
    }
    cfg->root = L.root;
    return cfg;
}

struct eng_config *eng_config_load(const char *path, struct eng_error *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!fp) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)MAX_FILE) {
                eng_error_set(err, "%s: file too large (more than %ld bytes)",
                              path, MAX_FILE);
                goto bad;
            }
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                eng_error_set(err, "%s: out of memory", path);
                goto bad;
            }
            buf = nb;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0) {
            if (ferror(fp)) {
                eng_error_set(err, "%s: read error: %s", path, strerror(errno));
                goto bad;
            }
            break;
        }
    }
    fclose(fp);
    struct eng_config *cfg = eng_config_parse(buf ? buf : "", len, path, err);
    free(buf);
    return cfg;
bad:
    fclose(fp);
    free(buf);
    return NULL;
}
