/* identity: union-find over the ids of events (identity.h).
 *
 * Nodes are (field, value) pairs: ("customer", "c1"), ("email", "a@x").
 * Every event's ids are linked:
 *
 *   nodes = the event's ids, looked up in memory, then in the store
 *   if the key is absent and none of the ids is known: reject the event
 *   new ids become nodes of their own, first seen at the event's ts
 *   roots = find(n) for each node; the customer roots compete:
 *   winner = the customer root first seen earliest (ties: smaller id,
 *            bytewise), so merges are deterministic
 *   every other root's parent becomes the winner; a customer root that
 *   loses is a merge (its profile joins the winner's)
 *
 * Invariants:
 *   (1) every root is a key (customer) node: an id of another field is only
 *       created on an event that also names a customer or a known id, and is
 *       linked to that customer's root at once;
 *   (2) the store keeps, per node, the canonical customer of its person and
 *       its first-seen time. A merge (loser -> winner) is also recorded, and
 *       the write-back rewrites every stored node of the loser's person
 *       (UPDATE ... WHERE canonical = loser), so nodes that are not in memory
 *       stay right.
 *
 * Nodes loaded from the store point at their canonical customer's node,
 * which is loaded too (from memory first: a merge earlier in this run may
 * have made it a non-root, and find() follows it).
 */
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "join.h"

void identity_init(struct identity *id, const struct enrich_config *cfg)
{
    memset(id, 0, sizeof *id);
    id->cfg = cfg;
}

static void node_free(void *p)
{
    struct idnode *n = p;
    free(n->value);
    free(n);
}

void identity_clear_merges(struct identity *id)
{
    for (size_t i = 0; i < 2 * id->nmerges; i++)
        free(id->merges[i]);
    id->nmerges = 0;
}

void identity_free(struct identity *id)
{
    identity_clear_merges(id);
    free(id->merges);
    strmap_free(&id->nodes, node_free);
    free(id->kbuf);
}

struct idnode *identity_find(struct idnode *n)
{
    struct idnode *root = n;
    while (root->parent != root)
        root = root->parent;
    while (n->parent != root) {
        struct idnode *next = n->parent;
        n->parent = root;
        n = next;
    }
    return root;
}

static const char *node_key(struct identity *id, size_t fi, const char *v,
                            size_t vlen, size_t *klen)
{
    const char *f = id->cfg->id_fields[fi];
    size_t fl = strlen(f);
    if (fl + 1 + vlen + 1 > id->kcap) {
        id->kcap = (fl + vlen + 2) * 2;
        if (!(id->kbuf = realloc(id->kbuf, id->kcap)))
            abort();
    }
    memcpy(id->kbuf, f, fl);
    id->kbuf[fl] = '\x1f';
    memcpy(id->kbuf + fl + 1, v, vlen);
    *klen = fl + 1 + vlen;
    return id->kbuf;
}

static struct idnode *add_node(struct identity *id, size_t fi, const char *v,
                               size_t vlen, eng_time first_seen)
{
    size_t klen;
    const char *k = node_key(id, fi, v, vlen, &klen);
    int created;
    struct strmap_ent *e = strmap_put(&id->nodes, k, klen, &created);
    if (!created)
        return e->val;
    struct idnode *n = calloc(1, sizeof *n);
    if (!n || !(n->value = malloc(vlen + 1)))
        abort();
    memcpy(n->value, v, vlen);
    n->value[vlen] = '\0';
    n->vlen = vlen;
    n->fi = fi;
    n->field = id->cfg->id_fields[fi];
    n->parent = n;
    n->first_seen = first_seen;
    e->val = n;
    return n;
}

/* Returns the node in memory or in the store (loaded, with its canonical
 * node), NULL when unknown, or sets load_failed. */
static struct idnode *lookup(struct identity *id, size_t fi, const char *v,
                             size_t vlen)
{
    size_t klen;
    const char *k = node_key(id, fi, v, vlen, &klen);
    struct idnode *n = strmap_get(&id->nodes, k, klen);
    if (n || !id->load)
        return n;
    char *canon = NULL;
    eng_time fs;
    int got = id->load(id->load_ctx, id->cfg->id_fields[fi], v, vlen, &canon,
                       &fs);
    if (got < 0) {
        id->load_failed = 1;
        return NULL;
    }
    if (got == 0)
        return NULL;
    n = add_node(id, fi, v, vlen, fs);
    if (fi != 0 || strcmp(canon, n->value) != 0) {
        struct idnode *c = lookup(id, 0, canon, strlen(canon));
        if (c && c != n)
            n->parent = c;
    }
    free(canon);
    return n;
}

static int older(const struct idnode *a, const struct idnode *b)
{
    if (a->first_seen != b->first_seen)
        return a->first_seen < b->first_seen;
    size_t m = a->vlen < b->vlen ? a->vlen : b->vlen;
    int c = memcmp(a->value, b->value, m);
    return c ? c < 0 : a->vlen < b->vlen;
}

static void record_merge(struct identity *id, const char *loser,
                         const char *winner)
{
    if (!id->load)
        return;   /* memory only: nothing to rewrite later */
    if (id->nmerges == id->mcap) {
        id->mcap = id->mcap ? id->mcap * 2 : 8;
        if (!(id->merges = realloc(id->merges, 2 * id->mcap * sizeof *id->merges)))
            abort();
    }
    if (!(id->merges[2 * id->nmerges] = strdup(loser)) ||
        !(id->merges[2 * id->nmerges + 1] = strdup(winner)))
        abort();
    id->nmerges++;
}

int identity_resolve(struct identity *id, const json_t *ev, eng_time ts,
                     struct identity_result *r)
{
    const struct enrich_config *cfg = id->cfg;
    enum { MAXIDS = 16 };
    const char *vals[MAXIDS];
    long lens[MAXIDS] = {0};
    char nbufs[MAXIDS][32];
    struct idnode *nodes[MAXIDS];
    size_t nids = cfg->nids < MAXIDS ? cfg->nids : MAXIDS;
    int known = 0;

    r->nlosers = 0;
    for (size_t i = 0; i < nids; i++) {
        lens[i] = join_key_text(eng_path_get(cfg->id_paths[i], ev), nbufs[i],
                                sizeof nbufs[i], &vals[i]);
        if (lens[i] == 0)
            lens[i] = -1;   /* an empty id names nobody */
        nodes[i] = lens[i] < 0 ? NULL
                               : lookup(id, i, vals[i], (size_t)lens[i]);
        if (id->load_failed)
            return -1;
        known |= nodes[i] != NULL;
    }
    if (lens[0] < 0 && !known)
        return 0;
    for (size_t i = 0; i < nids; i++) {
        if (lens[i] >= 0 && !nodes[i]) {
            nodes[i] = add_node(id, i, vals[i], (size_t)lens[i], ts);
            nodes[i]->dirty = 1;
        }
    }
    /* the customer roots, and the winner among them */
    struct idnode *roots[MAXIDS], *winner = NULL;
    size_t nroots = 0;
    for (size_t i = 0; i < nids; i++) {
        if (!nodes[i])
            continue;
        struct idnode *rt = identity_find(nodes[i]);
        int seen = 0;
        for (size_t k = 0; k < nroots; k++)
            seen |= roots[k] == rt;
        if (seen)
            continue;
        roots[nroots++] = rt;
        if (rt->fi == 0 && (!winner || older(rt, winner)))
            winner = rt;
    }
    if (!winner)
        return 0;   /* cannot happen (invariant 1); reject rather than guess */
    /* losers oldest first, so the merged profile is built in a fixed order */
    for (size_t a = 1; a < nroots; a++)
        for (size_t b = a; b > 0 && older(roots[b], roots[b - 1]); b--) {
            struct idnode *t = roots[b];
            roots[b] = roots[b - 1];
            roots[b - 1] = t;
        }
    for (size_t k = 0; k < nroots; k++) {
        struct idnode *rt = roots[k];
        if (rt == winner)
            continue;
        rt->parent = winner;
        rt->dirty = 1;
        if (rt->fi == 0) {
            r->losers[r->nlosers++] = rt->value;
            record_merge(id, rt->value, winner->value);
        }
    }
    for (size_t i = 0; i < nids; i++)
        if (nodes[i] && nodes[i]->parent != winner) {
            identity_find(nodes[i]);
            nodes[i]->dirty = 1;
        }
    r->canonical = winner->value;
    r->canonical_len = winner->vlen;
    return 1;
}
