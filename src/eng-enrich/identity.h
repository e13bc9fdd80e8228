/* identity: which ids name the same person. Ids that appear together on one
 * event (a cookie id in `customer` and an `email`) are one person,
 * transitively: a union-find over (field, value) pairs whose roots are
 * customer ids (the key field). The canonical id of a person is the root.
 */
#ifndef ENG_ENRICH_IDENTITY_H
#define ENG_ENRICH_IDENTITY_H

#include <stddef.h>

#include <jansson.h>

#include "conf.h"
#include "strmap.h"
#include "timeutil.h"

struct idnode {
    char *field;            /* the config's field name (borrowed from cfg) */
    size_t fi;              /* its index in cfg->id_fields; 0 is the key */
    char *value;            /* owned */
    size_t vlen;
    struct idnode *parent;  /* itself for a root */
    eng_time first_seen;
    int dirty;              /* to be written back */
};

/* Looks a node up in the state store: returns 1 and fills *canonical (a new
 * malloc'ed string) and *first_seen when the store has it, 0 when not, -1 on
 * a store error. */
typedef int (*identity_load_fn)(void *ctx, const char *field,
                                const char *value, size_t vlen,
                                char **canonical, eng_time *first_seen);

struct identity {
    const struct enrich_config *cfg;
    struct strmap nodes;        /* "field\x1fvalue" -> struct idnode */
    identity_load_fn load;      /* NULL: memory only */
    void *load_ctx;
    char **merges;              /* pairs (loser, winner), in merge order, */
    size_t nmerges, mcap;       /* for the store's write-back */
    char *kbuf;                 /* scratch for node keys */
    size_t kcap;
    int load_failed;
};

/* The outcome for one event. */
struct identity_result {
    const char *canonical;      /* the person's canonical customer id */
    size_t canonical_len;
    const char *losers[16];     /* customer ids merged into canonical by this
                                   event, oldest first (at most 16 per
                                   event; more are merged in later events) */
    size_t nlosers;
};

void identity_init(struct identity *id, const struct enrich_config *cfg);
void identity_free(struct identity *id);

/* Resolves the ids on ev (borrowed), seen at ts: links them, and returns in
 * *r the canonical id and the customer ids merged away (borrowed, valid
 * until the next call). Returns 1, 0 when the event has no key and no id
 * that is already known (the caller rejects it; nothing is recorded), or -1
 * when the store failed. */
int identity_resolve(struct identity *id, const json_t *ev, eng_time ts,
                     struct identity_result *r);

/* Returns the root of n (path compression on the way). */
struct idnode *identity_find(struct idnode *n);

/* Forgets the pending merges (after the store wrote them). */
void identity_clear_merges(struct identity *id);

#endif
