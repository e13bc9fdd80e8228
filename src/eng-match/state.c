/* state: --state FILE for eng-match (state.h has the format). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "state.h"
#include "store.h"

#define SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE match_rules(id TEXT PRIMARY KEY, def TEXT NOT NULL);"
    "CREATE TABLE match_keys(rule TEXT NOT NULL, key BLOB NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY(rule, key)) WITHOUT ROWID;";

struct mstate {
    struct eng_store *st;
    struct matcher *m;
    json_t *hw;                 /* {source name: last line consumed} */
    json_t *hw_loaded;          /* hw as the state file had it: what earlier
                                   runs consumed, the only thing to skip */
    struct eng_error *err;      /* of the write-back in progress */
    struct eng_tmpl_buf buf;    /* a kstate's saved form */
};

static int sql_fail(struct mstate *s, struct eng_error *err, const char *what)
{
    eng_error_set(err, "%s: %s", what, sqlite3_errmsg(eng_store_db(s->st)));
    return -1;
}

static int put_key(void *ctx, struct kstate *ks)
{
    struct mstate *s = ctx;
    sqlite3_stmt *q = eng_store_stmt(s->st, "INSERT OR REPLACE INTO "
                                     "match_keys(rule, key, data) VALUES(?,?,?)",
                                     s->err);
    if (!q)
        return -1;
    s->buf.len = 0;
    cep_kstate_save(s->m->cep, ks, &s->buf);
    sqlite3_bind_text(q, 1, s->m->rs->rules[ks->rule].id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, ks->tkey, (int)ks->tklen, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, s->buf.data, (int)s->buf.len, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sql_fail(s, s->err, "state: write");
    return 0;
}

static int del_key(void *ctx, struct kstate *ks)
{
    struct mstate *s = ctx;
    sqlite3_stmt *q = eng_store_stmt(s->st, "DELETE FROM match_keys WHERE "
                                     "rule = ? AND key = ?", s->err);
    if (!q)
        return -1;
    sqlite3_bind_text(q, 1, s->m->rs->rules[ks->rule].id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, ks->tkey, (int)ks->tklen, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sql_fail(s, s->err, "state: delete");
    return 0;
}

static int set_time(struct mstate *s, const char *key, int64_t t,
                    struct eng_error *err)
{
    json_t *v = t == CEP_NO_TIME ? json_null() : json_integer(t);
    int rc = eng_store_meta_set(s->st, key, v, err);
    json_decref(v);
    return rc;
}

/* A dirty kstate's place in the table's primary key order (rule id, then
 * the key's bytes), so a batch walks the B-tree once from left to right
 * instead of jumping. The rule's rank among the ids and the key's first 8
 * bytes are copied out, so most comparisons read no kstate (with 100k keys
 * each would be cache misses); equal prefixes fall back to the whole key. */
struct row_ord {
    uint32_t rank;
    uint64_t pre;               /* the key's first 8 bytes, big-endian, 0-padded */
    const struct kstate *ks;
};

static int by_row(const void *a, const void *b)
{
    const struct row_ord *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->pre != y->pre)
        return x->pre < y->pre ? -1 : 1;
    size_t n = x->ks->tklen < y->ks->tklen ? x->ks->tklen : y->ks->tklen;
    int c = memcmp(x->ks->tkey, y->ks->tkey, n);
    if (c)
        return c;
    return x->ks->tklen < y->ks->tklen ? -1 : x->ks->tklen > y->ks->tklen;
}

static const struct ruleset *rank_rs;  /* for by_id (qsort has no context) */

static int by_id(const void *a, const void *b)
{
    return strcmp(rank_rs->rules[*(const size_t *)a].id,
                  rank_rs->rules[*(const size_t *)b].id);
}

/* Sorts c's dirty list into the table's order. */
static void sort_dirty(const struct ruleset *rs, struct cep *c)
{
    size_t *order = malloc((rs->n ? rs->n : 1) * sizeof *order);
    uint32_t *rank = malloc((rs->n ? rs->n : 1) * sizeof *rank);
    struct row_ord *ro = malloc(c->ndirty * sizeof *ro);
    if (!order || !rank || !ro)
        abort();
    for (size_t i = 0; i < rs->n; i++)
        order[i] = i;
    rank_rs = rs;
    qsort(order, rs->n, sizeof *order, by_id);
    for (size_t i = 0; i < rs->n; i++)
        rank[order[i]] = (uint32_t)i;
    for (size_t i = 0; i < c->ndirty; i++) {
        const struct kstate *ks = c->dirty[i];
        uint64_t pre = 0;
        for (size_t j = 0; j < 8; j++)
            pre = pre << 8 | (j < ks->tklen ? (unsigned char)ks->tkey[j] : 0);
        ro[i] = (struct row_ord){ rank[ks->rule], pre, ks };
    }
    qsort(ro, c->ndirty, sizeof *ro, by_row);
    for (size_t i = 0; i < c->ndirty; i++)
        c->dirty[i] = (struct kstate *)ro[i].ks;
    free(ro);
    free(rank);
    free(order);
}

/* The store's write-back hook: the dirty keys, then the meta values. */
static int writeback(void *ctx, struct eng_store *st, struct eng_error *err)
{
    struct mstate *s = ctx;
    struct cep *c = s->m->cep;
    (void)st;
    s->err = err;
    if (c->ndirty > 1)
        sort_dirty(s->m->rs, c);
    if (cep_collect(c, put_key, del_key, s) < 0)
        return -1;
    json_t *cs = json_integer((json_int_t)c->cseq);
    int rc = set_time(s, "watermark", c->wm, err) < 0 ||
             set_time(s, "max_ts", c->maxts, err) < 0 ||
             eng_store_meta_set(s->st, "cseq", cs, err) < 0 ||
             eng_store_meta_set(s->st, "hw", s->hw, err) < 0 ? -1 : 0;
    json_decref(cs);
    return rc;
}

static int64_t get_time(struct mstate *s, const char *key, struct eng_error *err,
                        int *bad)
{
    json_t *v = eng_store_meta_get(s->st, key, err);
    int64_t t = CEP_NO_TIME;
    if (json_is_integer(v))
        t = json_integer_value(v);
    else if (v && !json_is_null(v))
        *bad = 1;
    json_decref(v);
    return t;
}

static long rule_by_id(const struct ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* Rules matched to saved state by id: a changed definition starts fresh
 * (with a warning), a removed rule's state goes. */
static int reconcile(struct mstate *s, int warn, struct eng_error *err)
{
    sqlite3 *db = eng_store_db(s->st);
    const struct ruleset *rs = s->m->rs;
    sqlite3_stmt *q = eng_store_stmt(s->st, "SELECT id, def FROM match_rules", err);
    if (!q)
        return -1;
    json_t *drop = json_array();
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        const char *def = (const char *)sqlite3_column_text(q, 1);
        long r = rule_by_id(rs, id ? id : "");
        if (r >= 0 && def && strcmp(def, rs->rules[r].def) == 0)
            continue;
        if (r >= 0 && warn)
            eng_warn("rule '%s' changed since the state was saved: its state "
                     "starts fresh", id);
        json_array_append_new(drop, json_string(id ? id : ""));
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE) {
        json_decref(drop);
        return sql_fail(s, err, "state: read rules");
    }
    size_t i;
    json_t *id;
    json_array_foreach(drop, i, id) {
        sqlite3_stmt *d = eng_store_stmt(s->st, "DELETE FROM match_keys "
                                         "WHERE rule = ?", err);
        if (!d)
            break;
        sqlite3_bind_text(d, 1, json_string_value(id), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(d) != SQLITE_DONE) {
            json_decref(drop);
            return sql_fail(s, err, "state: drop rule");
        }
    }
    json_decref(drop);
    if (sqlite3_exec(db, "DELETE FROM match_rules", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(s, err, "state: rules");
    for (size_t r = 0; r < rs->n; r++) {
        sqlite3_stmt *w = eng_store_stmt(s->st, "INSERT INTO match_rules(id, def) "
                                         "VALUES(?, ?)", err);
        if (!w)
            return -1;
        sqlite3_bind_text(w, 1, rs->rules[r].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(w, 2, rs->rules[r].def, -1, SQLITE_STATIC);
        if (sqlite3_step(w) != SQLITE_DONE)
            return sql_fail(s, err, "state: rules");
    }
    return 0;
}

static int load_keys(struct mstate *s, const char *path, struct eng_error *err)
{
    sqlite3_stmt *q = eng_store_stmt(s->st, "SELECT rule, key, data FROM "
                                     "match_keys", err);
    if (!q)
        return -1;
    int rc;
    long r = -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(q, 0);
        if (!id)
            continue;
        if (r < 0 || strcmp(s->m->rs->rules[r].id, id) != 0)
            r = rule_by_id(s->m->rs, id);
        if (r < 0)
            continue;   /* reconcile dropped it */
        const void *key = sqlite3_column_blob(q, 1);
        int klen = sqlite3_column_bytes(q, 1);
        int is_json = sqlite3_column_type(q, 2) == SQLITE_TEXT;
        const void *data = sqlite3_column_blob(q, 2);
        int dlen = sqlite3_column_bytes(q, 2);
        int bad = !key || klen < 1 || !data ||
                  cep_kstate_load(s->m->cep, (size_t)r, key, (size_t)klen,
                                  data, (size_t)dlen, is_json) < 0;
        if (bad) {  /* id lives until the reset */
            eng_error_set(err, "%s: a damaged entry for rule '%s'", path, id);
            sqlite3_reset(q);
            return -1;
        }
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sql_fail(s, err, "state: read keys");
    return 0;
}

struct mstate *mstate_open(const char *path, struct matcher *m,
                           struct eng_error *err)
{
    struct mstate *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->m = m;
    if (!(s->st = eng_store_open(path, "eng-match", SCHEMA_VERSION, schema, err))) {
        free(s);
        return NULL;
    }
    /* a batch rewrites many keys: a page cache of 32 MB keeps the B-tree's
     * inner pages in memory (SQLite's default is 2 MB) */
    sqlite3_exec(eng_store_db(s->st), "PRAGMA cache_size=-32768", NULL, NULL, NULL);
    struct cep *c = m->cep;
    c->keep_lines = 1;  /* bound events are saved as they came */
    int bad = 0;
    c->wm = get_time(s, "watermark", err, &bad);
    c->maxts = get_time(s, "max_ts", err, &bad);
    json_t *cs = eng_store_meta_get(s->st, "cseq", err);
    if (json_is_integer(cs))
        c->cseq = (uint64_t)json_integer_value(cs);
    json_decref(cs);
    s->hw = eng_store_meta_get(s->st, "hw", err);
    if (!s->hw)
        s->hw = json_object();
    if (bad || !json_is_object(s->hw)) {
        eng_error_set(err, "%s: damaged meta values", path);
        goto fail;
    }
    if (!(s->hw_loaded = json_deep_copy(s->hw)))
        abort();
    if (reconcile(s, 1, err) < 0 || load_keys(s, path, err) < 0)
        goto fail;
    cep_sweep(c);   /* --state-ttl, and what the saved watermark passed */
    eng_store_set_writeback(s->st, writeback, s);
    eng_store_set_output(s->st, m->out);
    /* Each checkpoint rewrites every (rule, key) state its batch touched:
     * over 100k customers a 10k-event batch touches nearly as many states
     * as events. 300k events per batch let a customer's repeat events share
     * one write (bench-match-cep --state, 1M events: 8.7 -> 8.0 s; peak RSS
     * 141 -> 165 MB, the dirty states held until written); a paused stream
     * is checkpointed at once (mstate_idle), so its state does not lag. */
    eng_store_set_batch(s->st, 30 * ENG_STORE_BATCH, ENG_STORE_BATCH_MS);
    return s;
fail:
    mstate_close(s, 0, NULL);
    return NULL;
}

int mstate_skip(struct mstate *s, const json_t *ev)
{
    const json_t *src = json_object_get(ev, "source");
    const json_t *name = json_object_get(src, "name");
    const json_t *line = json_object_get(src, "line");
    if (!json_is_string(name) || !json_is_integer(line))
        return 0;
    /* Only what earlier runs consumed is skipped: within this run a source's
     * lines may come in any order (input merged by time, sorted by key) and
     * are all new. The mark saved is the highest line seen. */
    const json_t *done = json_object_get(s->hw_loaded, json_string_value(name));
    if (json_is_integer(done) && json_integer_value(line) <= json_integer_value(done))
        return 1;
    json_t *hw = json_object_get(s->hw, json_string_value(name));
    if (hw) {
        if (json_integer_value(line) > json_integer_value(hw))
            json_integer_set(hw, json_integer_value(line));
    } else
        json_object_set_new(s->hw, json_string_value(name),
                            json_integer(json_integer_value(line)));
    return 0;
}

int mstate_tick(struct mstate *s, struct eng_error *err)
{
    return eng_store_tick(s->st, err);
}

int mstate_idle(struct mstate *s, struct eng_error *err)
{
    return eng_store_idle(s->st, err);
}

int mstate_checkpoint(struct mstate *s, struct eng_error *err)
{
    return eng_store_checkpoint(s->st, err);
}

int mstate_rules_changed(struct mstate *s, struct eng_error *err)
{
    if (reconcile(s, 0, err) < 0)
        return -1;
    return eng_store_checkpoint(s->st, err);
}

void mstate_output_done(struct mstate *s)
{
    eng_store_set_output(s->st, NULL);
}

int mstate_close(struct mstate *s, int commit, struct eng_error *err)
{
    if (!s)
        return 0;
    struct eng_error scratch;
    int rc = eng_store_close(s->st, commit, err ? err : &scratch);
    json_decref(s->hw);
    json_decref(s->hw_loaded);
    eng_tmpl_buf_free(&s->buf);
    free(s);
    return rc;
}
