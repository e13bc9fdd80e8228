/* project: the member paths a tool reads, parsed alone (project.h).
 *
 * The wanted members form a tree: a node is either wanted whole (parse its
 * value) or by some of its members (scan its object, go down).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "project.h"

struct eng_wnode {
    char *name;
    int whole;                  /* the value at this path, all of it */
    struct eng_wnode *kids;     /* else: the members wanted below */
    size_t n;
    struct eng_json_member *want;   /* scan scratch, one per kid */
};

static void wnode_free(struct eng_wnode *w)
{
    for (size_t i = 0; i < w->n; i++)
        wnode_free(&w->kids[i]);
    free(w->kids);
    free(w->want);
    free(w->name);
    w->kids = NULL;
    w->want = NULL;
    w->n = 0;
}

static struct eng_wnode *kid(struct eng_wnode *w, const char *name, size_t len)
{
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->kids[i].name) == len &&
            memcmp(w->kids[i].name, name, len) == 0)
            return &w->kids[i];
    struct eng_wnode *k = realloc(w->kids, (w->n + 1) * sizeof *k);
    if (!k || !(k[w->n].name = malloc(len + 1)))
        abort();
    w->kids = k;
    k += w->n++;
    memcpy(k->name, name, len);
    k->name[len] = '\0';
    k->whole = 0;
    k->kids = NULL;
    k->n = 0;
    k->want = NULL;
    return k;
}

void eng_projection_add(struct eng_projection *p, const char *const *keys,
                        const size_t *lens, size_t n)
{
    if (n == 0) {           /* the record itself */
        p->whole = 1;
        return;
    }
    struct eng_wnode *w = p->root;
    for (size_t i = 0; i < n && !w->whole; i++)
        w = kid(w, keys[i], lens[i]);
    if (!w->whole) {
        for (size_t i = 0; i < w->n; i++)
            wnode_free(&w->kids[i]);
        free(w->kids);
        w->kids = NULL;
        w->n = 0;
        w->whole = 1;
    }
}

static void add_expr_path(void *arg, const char *const *keys,
                          const size_t *lens, size_t n)
{
    eng_projection_add(arg, keys, lens, n);
}

void eng_projection_add_expr(struct eng_projection *p, const struct eng_expr *e)
{
    if (e && !eng_expr_paths(e, add_expr_path, p))
        p->whole = 1;
}

void eng_projection_add_path(struct eng_projection *p,
                             const struct eng_path *path, size_t skip)
{
    const char *keys[ENG_EXPR_MAX_PATH];
    size_t lens[ENG_EXPR_MAX_PATH], n = 0, len = eng_path_len(path);
    for (size_t i = skip; i < len && n < ENG_EXPR_MAX_PATH; i++) {
        if (!(keys[n] = eng_path_key(path, i)))
            break;
        lens[n] = strlen(keys[n]);
        n++;
    }
    if (n == 0)
        p->whole = 1;   /* {{event}}, {{[0]}}: the record as a whole */
    else
        eng_projection_add(p, keys, lens, n);
}

void eng_projection_add_name(struct eng_projection *p, const char *name)
{
    size_t len = strlen(name);
    eng_projection_add(p, &name, &len, 1);
}

static void make_want(struct eng_wnode *w)
{
    if (w->whole)
        return;
    if (!(w->want = calloc(w->n ? w->n : 1, sizeof *w->want)))
        abort();
    for (size_t i = 0; i < w->n; i++) {
        w->want[i].key = w->kids[i].name;
        make_want(&w->kids[i]);
    }
}

void eng_projection_init(struct eng_projection *p)
{
    p->whole = 0;
    if (!(p->root = calloc(1, sizeof *p->root)))
        abort();
}

void eng_projection_done(struct eng_projection *p)
{
    make_want(p->root);
}

void eng_projection_free(struct eng_projection *p)
{
    if (p->root) {
        wnode_free(p->root);
        free(p->root);
    }
    p->root = NULL;
    p->whole = 0;
}

/* A number the scan checked (RFC 8259 grammar, an integer within 64 bits,
 * a real that does not overflow), converted as jansson converts it: an
 * integer when it has no fraction and no exponent, else a real (strtod in
 * the C locale, as jansson's own). Saves json_loadb's set-up per member. */
static json_t *number_value(const char *s, size_t n)
{
    char buf[64];
    if (n >= sizeof buf)    /* long reals: jansson's own path */
        return json_loadb(s, n, JSON_DECODE_ANY, NULL);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!memchr(buf, '.', n) && !memchr(buf, 'e', n) && !memchr(buf, 'E', n)) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE)
            return json_loadb(s, n, JSON_DECODE_ANY, NULL);
        return json_integer((json_int_t)v);
    }
    return json_real(strtod(buf, NULL));
}

/* One member's value, parsed as jansson parses it in place. */
static json_t *member_value(const struct eng_json_member *m)
{
    switch (m->kind) {
    case ENG_JSON_STRING:
        if (!m->escaped)    /* the scan checked its UTF-8 */
            return json_stringn_nocheck(m->val, m->val_len);
        /* with the quotes around it */
        return json_loadb(m->val - 1, m->val_len + 2, JSON_DECODE_ANY, NULL);
    case ENG_JSON_TRUE:
        return json_true();
    case ENG_JSON_FALSE:
        return json_false();
    case ENG_JSON_NULL:
        return json_null();
    case ENG_JSON_NUMBER:
        return number_value(m->val, m->val_len);
    default:
        return json_loadb(m->val, m->val_len, JSON_DECODE_ANY, NULL);
    }
}

/* The object s[0..len) with only w's members; NULL: parse it whole. */
static json_t *parse_object(struct eng_wnode *w, const char *s, size_t len)
{
    struct eng_json_scan sc;
    if (eng_json_scan(s, len, w->want, w->n, &sc) < 0 || !sc.is_object ||
        sc.dup_key)
        return NULL;
    json_t *obj = json_object();
    if (!obj)
        abort();
    for (size_t i = 0; i < w->n; i++) {
        const struct eng_json_member *m = &w->want[i];
        if (m->kind == ENG_JSON_NONE)
            continue;
        json_t *v = NULL;
        if (!w->kids[i].whole && m->kind == ENG_JSON_OBJECT)
            v = parse_object(&w->kids[i], m->val, m->val_len);
        if (!v)
            v = member_value(m);
        if (!v) {       /* cannot happen after the scan; the whole parse decides */
            json_decref(obj);
            return NULL;
        }
        json_object_set_new_nocheck(obj, w->kids[i].name, v);
    }
    return obj;
}

json_t *eng_projection_parse(struct eng_projection *p, const char *s,
                             size_t len)
{
    return p->whole || p->root->whole ? NULL : parse_object(p->root, s, len);
}
