/* project: the members the rules read, parsed alone (project.h).
 *
 * The wanted members form a tree: a node is either wanted whole (parse its
 * value) or by some of its members (scan its object, go down). A value that
 * is not an object where members are wanted is taken whole, so a condition
 * that selects into a string or a list fails exactly as on the whole event.
 */
#include <stdlib.h>
#include <string.h>

#include "project.h"

struct wnode {
    char *name;
    int whole;                  /* the value at this path, all of it */
    struct wnode *kids;         /* else: the members wanted below */
    size_t n;
    struct eng_json_member *want;   /* scan scratch, one per kid */
};

static void wnode_free(struct wnode *w)
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

static struct wnode *kid(struct wnode *w, const char *name, size_t len)
{
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->kids[i].name) == len &&
            memcmp(w->kids[i].name, name, len) == 0)
            return &w->kids[i];
    struct wnode *k = realloc(w->kids, (w->n + 1) * sizeof *k);
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

/* wants the whole value at keys[0..n) */
static void add_path(struct projection *p, const char *const *keys,
                     const size_t *lens, size_t n)
{
    struct wnode *w = p->root;
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
    add_path(arg, keys, lens, n);
}

static void add_expr(struct projection *p, const struct eng_expr *e)
{
    if (e && !eng_expr_paths(e, add_expr_path, p))
        p->whole = 1;
}

/* a path of names, up to its first index step; skip names before it */
static void add_eng_path(struct projection *p, const struct eng_path *path,
                         size_t skip)
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
        add_path(p, keys, lens, n);
}

/* A template path resolves as `event.f...`, then `alias.f...` (another
 * event, parsed the same way), then `f...` (RULES.md, Templates). */
static void add_template(struct projection *p, const struct rule *r,
                         const struct eng_template *t)
{
    for (size_t i = 0; t && i < eng_template_nfields(t); i++) {
        const struct eng_path *path = eng_template_field(t, i);
        const char *k0 = eng_path_key(path, 0);
        int via = k0 && strcmp(k0, "event") == 0;
        for (size_t a = 0; k0 && !via && a < r->naliases; a++)
            via = strcmp(k0, r->aliases[a]) == 0;
        add_eng_path(p, path, via ? 1 : 0);
    }
}

static void add_pnode(struct projection *p, const struct rule *r,
                      const struct pnode *pn)
{
    if (pn->kind == PN_TMPL)
        add_template(p, r, pn->tmpl);
    for (size_t i = 0; (pn->kind == PN_OBJ || pn->kind == PN_ARR) && i < pn->n;
         i++)
        add_pnode(p, r, &pn->kids[i]);
}

static void make_want(struct wnode *w)
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

void projection_init(struct projection *p, const struct ruleset *rs,
                     int with_event)
{
    memset(p, 0, sizeof *p);
    if (!(p->root = calloc(1, sizeof *p->root)))
        abort();
    /* ENG_MATCH_PARSE_WHOLE=1: the tests' reference (eng-match(1)) */
    const char *off = getenv("ENG_MATCH_PARSE_WHOLE");
    p->whole = !rs || with_event || (off && strcmp(off, "1") == 0);
    /* what eng-match itself reads: the time, the trigger id, the action's
     * customer, the --state high-water mark */
    static const char *const own[] = { "ts", "id", "customer", "source" };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        size_t len = strlen(own[i]);
        add_path(p, &own[i], &len, 1);
    }
    for (size_t i = 0; rs && i < rs->n && !p->whole; i++) {
        const struct rule *r = &rs->rules[i];
        add_expr(p, r->when);
        for (size_t s = 0; s < r->nsteps; s++)
            add_expr(p, r->steps[s].when);
        if (r->key)
            add_eng_path(p, r->key, 0);
        add_template(p, r, r->channel);
        add_pnode(p, r, &r->payload);
    }
    make_want(p->root);
}

void projection_free(struct projection *p)
{
    if (p->root) {
        wnode_free(p->root);
        free(p->root);
    }
    memset(p, 0, sizeof *p);
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
    default:
        return json_loadb(m->val, m->val_len, JSON_DECODE_ANY, NULL);
    }
}

/* The object s[0..len) with only w's members; NULL: parse it whole. */
static json_t *parse_object(struct wnode *w, const char *s, size_t len)
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

json_t *projection_parse(struct projection *p, const char *s, size_t len)
{
    return p->whole ? NULL : parse_object(p->root, s, len);
}
