/* state: eng-enrich's state file, through libeng's store (store.h has the
 * checkpoint rule). The schema, documented in eng-enrich(1) for analysts:
 *
 *   profiles(customer TEXT PRIMARY KEY,   -- the canonical customer id
 *            profile TEXT,                -- the aggregates and segments as
 *                                         -- output (JSON: json_extract works)
 *            first_seen TEXT, last_seen TEXT,  -- event time, RFC 3339 UTC
 *            state TEXT)                  -- what the next run needs to carry
 *                                         -- on besides the profile (window
 *                                         -- entries, exact sums, times)
 *   identity(field TEXT, value TEXT,      -- an id: ("email", "a@x.com")
 *            canonical TEXT,              -- its person's customer id
 *            first_seen TEXT,
 *            PRIMARY KEY (field, value))
 *   eng_meta: "watermark", the latest event time seen (for --state-ttl);
 *             "hw", {source name: the highest line consumed}, so a re-run
 *             over the same input (after a crash) skips what the state
 *             already holds (as eng-match's --state)
 *
 * The cache: profiles and identity nodes are read from the file the first
 * time an event needs them and then live in memory for the run (write-back).
 * At each checkpoint the write-back hook writes what changed since the last
 * one: merges first (every stored id of a merged-away customer moves to the
 * winner), then changed ids, then changed profiles, and deletes merged-away
 * profiles. Nothing is written per event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "enrich.h"
#include "timeutil.h"

#define SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE profiles(customer TEXT PRIMARY KEY, profile TEXT NOT NULL,"
    " first_seen TEXT, last_seen TEXT, state TEXT NOT NULL);"
    "CREATE TABLE identity(field TEXT NOT NULL, value TEXT NOT NULL,"
    " canonical TEXT NOT NULL, first_seen TEXT, PRIMARY KEY (field, value));"
    "CREATE INDEX identity_canonical ON identity(canonical);";

static int sql_fail(struct eng_store *s, struct eng_error *err, const char *what)
{
    eng_error_set(err, "state: %s: %s", what, sqlite3_errmsg(eng_store_db(s)));
    return -1;
}

static void fmt_time(eng_time t, char *buf)
{
    if (t == INT64_MAX || t == INT64_MIN || !eng_time_format(t, buf))
        buf[0] = '\0';
}

/* ---------------------------------------------------------------- reads */

static int load_id(void *ctx, const char *field, const char *value, size_t vlen,
                   char **canonical, eng_time *first_seen)
{
    struct enricher *e = ctx;
    struct eng_error err;
    sqlite3_stmt *st = eng_store_stmt(e->store,
        "SELECT canonical, first_seen FROM identity WHERE field = ?1 AND value = ?2",
        &err);
    if (!st) {
        snprintf(e->store_msg, sizeof e->store_msg, "%s", err.msg);
        return -1;
    }
    sqlite3_bind_text(st, 1, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, (int)vlen, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        sql_fail(e->store, &err, "reading identity");
        snprintf(e->store_msg, sizeof e->store_msg, "%s", err.msg);
        return -1;
    }
    const char *c = (const char *)sqlite3_column_text(st, 0);
    const char *fs = (const char *)sqlite3_column_text(st, 1);
    if (!(*canonical = strdup(c ? c : "")))
        abort();
    *first_seen = INT64_MAX;
    if (fs)
        eng_time_parse_rfc3339(fs, strlen(fs), first_seen);
    sqlite3_reset(st);
    return 1;
}

int state_load_profile(struct enricher *e, const char *customer, size_t len,
                       struct profile **out, struct eng_error *err)
{
    sqlite3_stmt *st = eng_store_stmt(e->store,
        "SELECT state, profile FROM profiles WHERE customer = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, customer, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return sql_fail(e->store, err, "reading a profile");
    json_t *j[2];
    for (int c = 0; c < 2; c++) {
        const void *txt = sqlite3_column_text(st, c);
        int n = sqlite3_column_bytes(st, c);
        j[c] = txt ? json_loadb(txt, (size_t)n, 0, NULL) : NULL;
    }
    sqlite3_reset(st);
    if (!json_is_object(j[0]) || !json_is_object(j[1])) {
        json_decref(j[0]);
        json_decref(j[1]);
        eng_error_set(err, "state: profile of '%.*s' is not valid JSON",
                      (int)len, customer);
        return -1;
    }
    *out = profile_from_state(e->cfg, j[0], j[1]);
    json_decref(j[0]);
    json_decref(j[1]);
    return 1;
}

/* ---------------------------------------------------------------- writes */

static int write_profile(struct enricher *e, const char *customer,
                         struct profile *p, struct eng_error *err)
{
    sqlite3_stmt *st = eng_store_stmt(e->store,
        "INSERT OR REPLACE INTO profiles(customer, profile, first_seen,"
        " last_seen, state) VALUES (?1, ?2, ?3, ?4, ?5)", err);
    if (!st)
        return -1;
    struct jbuf *v = &e->sb[0], *s = &e->sb[1];
    v->len = s->len = 0;
    profile_write_view(v, e->cfg, p);
    profile_write_state(s, e->cfg, p);
    char fs[ENG_TIME_BUFSZ], ls[ENG_TIME_BUFSZ];
    fmt_time(p->first_seen, fs);
    fmt_time(p->last_seen, ls);
    sqlite3_bind_text(st, 1, customer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, v->data, (int)v->len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, fs, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ls, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, s->data, (int)s->len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sql_fail(e->store, err, "writing a profile");
    p->dirty = 0;
    return 0;
}

static int writeback(void *ctx, struct eng_store *s, struct eng_error *err)
{
    struct enricher *e = ctx;
    struct identity *id = &e->id;
    for (size_t i = 0; i < id->nmerges; i++) {
        sqlite3_stmt *st = eng_store_stmt(s,
            "UPDATE identity SET canonical = ?2 WHERE canonical = ?1", err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, id->merges[2 * i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, id->merges[2 * i + 1], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            return sql_fail(s, err, "rewriting identity");
        sqlite3_reset(st);
    }
    identity_clear_merges(id);
    for (size_t i = 0; i < id->nodes.cap; i++) {
        struct idnode *n = id->nodes.tab[i].key ? id->nodes.tab[i].val : NULL;
        if (!n || !n->dirty)
            continue;
        sqlite3_stmt *st = eng_store_stmt(s,
            "INSERT OR REPLACE INTO identity(field, value, canonical, first_seen)"
            " VALUES (?1, ?2, ?3, ?4)", err);
        if (!st)
            return -1;
        char fs[ENG_TIME_BUFSZ];
        fmt_time(n->first_seen, fs);
        struct idnode *root = identity_find(n);
        sqlite3_bind_text(st, 1, n->field, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, n->value, (int)n->vlen, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, root->value, (int)root->vlen, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, fs, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            return sql_fail(s, err, "writing identity");
        sqlite3_reset(st);
        n->dirty = 0;
    }
    for (size_t i = 0; i < e->gone.cap; i++) {
        if (!e->gone.tab[i].key)
            continue;
        sqlite3_stmt *st = eng_store_stmt(s,
            "DELETE FROM profiles WHERE customer = ?1", err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, e->gone.tab[i].key, (int)e->gone.tab[i].klen,
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            return sql_fail(s, err, "deleting a merged profile");
        sqlite3_reset(st);
    }
    strmap_free(&e->gone, NULL);
    for (size_t i = 0; i < e->profiles.cap; i++) {
        struct strmap_ent *en = &e->profiles.tab[i];
        if (en->key && ((struct profile *)en->val)->dirty &&
            write_profile(e, en->key, en->val, err) < 0)
            return -1;
    }
    json_t *wm = json_integer(e->watermark);
    int rc = e->watermark == INT64_MIN ? 0 : eng_store_meta_set(s, "watermark", wm, err);
    json_decref(wm);
    if (rc == 0 && e->hw && json_object_size(e->hw))
        rc = eng_store_meta_set(s, "hw", e->hw, err);
    return rc;
}

int state_skip(struct enricher *e, const json_t *ev)
{
    const json_t *src = json_object_get(ev, "source");
    const json_t *name = json_object_get(src, "name");
    const json_t *line = json_object_get(src, "line");
    if (!e->hw || !json_is_string(name) || !json_is_integer(line))
        return 0;
    /* only what earlier runs consumed: within this run a source's lines
     * may come in any order and are all new; the mark is the highest */
    const json_t *done = json_object_get(e->hw_loaded, json_string_value(name));
    if (json_is_integer(done) && json_integer_value(line) <= json_integer_value(done))
        return 1;
    json_t *hw = json_object_get(e->hw, json_string_value(name));
    if (!hw)
        json_object_set_new(e->hw, json_string_value(name),
                            json_integer(json_integer_value(line)));
    else if (json_integer_value(line) > json_integer_value(hw))
        json_integer_set(hw, json_integer_value(line));
    return 0;
}

int state_open(struct enricher *e, const char *path, struct eng_error *err)
{
    if (!(e->store = eng_store_open(path, "eng-enrich", SCHEMA_VERSION, schema,
                                    err)))
        return -1;
    eng_store_set_writeback(e->store, writeback, e);
    eng_store_set_output(e->store, e->out);
    /* Each checkpoint rewrites every profile its batch touched (a page of
     * SQLite each): over 100k customers a 100k-event batch touches ~63k
     * profiles. A million events per batch lets repeat visitors share one
     * write (bench-enrich --state, 1M events: 12.5-13.3 -> 8.9 s); the clock
     * (stretched to 10x a checkpoint's cost while busy) bounds the lag of a
     * busy stream, and a paused one is checkpointed at once (main.c). */
    eng_store_set_batch(e->store, 100 * ENG_STORE_BATCH, ENG_STORE_BATCH_MS);
    /* profiles are ~1.5 kB rows (100k customers: a 150 MB file): a 128 MiB
     * cache keeps most of the pages a checkpoint rewrites (bench-enrich
     * --state: ~5% less time, +100 MB peak RSS at 100k customers) */
    if (eng_store_set_cache_mb(e->store, 128, err) < 0)
        return -1;
    e->id.load = load_id;
    e->id.load_ctx = e;
    json_t *wm = eng_store_meta_get(e->store, "watermark", err);
    if (json_is_integer(wm))
        e->watermark = json_integer_value(wm);
    json_decref(wm);
    json_t *hw = eng_store_meta_get(e->store, "hw", err);
    e->hw = json_is_object(hw) ? hw : json_object();
    if (hw && !json_is_object(hw))
        json_decref(hw);
    if (!e->hw || !(e->hw_loaded = json_deep_copy(e->hw)))
        abort();
    return 0;
}

int state_close(struct enricher *e, int commit, struct eng_error *err)
{
    if (!e->store)
        return 0;
    if (commit && e->ttl_ms && e->watermark != INT64_MIN) {
        /* write everything first, so the deletes see the final last_seen */
        if (eng_store_checkpoint(e->store, err) < 0) {
            eng_store_close(e->store, 0, NULL);
            e->store = NULL;
            return -1;
        }
        char cut[ENG_TIME_BUFSZ];
        fmt_time(e->watermark - e->ttl_ms, cut);
        sqlite3_stmt *st = eng_store_stmt(e->store,
            "DELETE FROM profiles WHERE last_seen < ?1", err);
        sqlite3_stmt *st2 = st ? eng_store_stmt(e->store,
            "DELETE FROM identity WHERE canonical NOT IN"
            " (SELECT customer FROM profiles)", err) : NULL;
        int bad = !st || !st2;
        if (!bad) {
            /* eng_store_stmt resets the first statement when the second is
             * fetched only if they are the same text; they are not */
            sqlite3_bind_text(st, 1, cut, -1, SQLITE_TRANSIENT);
            bad = sqlite3_step(st) != SQLITE_DONE;
            e->forgotten += (unsigned long long)sqlite3_changes(eng_store_db(e->store));
            sqlite3_reset(st);
            bad = bad || sqlite3_step(st2) != SQLITE_DONE;
            sqlite3_reset(st2);
            if (bad)
                sql_fail(e->store, err, "forgetting idle customers");
        }
        if (bad) {
            eng_store_close(e->store, 0, NULL);
            e->store = NULL;
            return -1;
        }
    }
    int rc = eng_store_close(e->store, commit, err);
    e->store = NULL;
    return rc;
}

int state_dump(const char *path, struct eng_writer *out, struct eng_error *err)
{
    struct stat sb;
    if (stat(path, &sb) < 0) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct eng_store *s = eng_store_open(path, "eng-enrich", SCHEMA_VERSION,
                                         schema, err);
    if (!s)
        return -1;
    sqlite3_stmt *st = eng_store_stmt(s,
        "SELECT customer, first_seen, last_seen, profile FROM profiles"
        " ORDER BY customer", err);
    int rc = st ? 0 : -1, step;
    while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        const char *fs = (const char *)sqlite3_column_text(st, 1);
        const char *ls = (const char *)sqlite3_column_text(st, 2);
        const char *pj = (const char *)sqlite3_column_text(st, 3);
        if (eng_writer_puts(out, "{\"customer\":") < 0 ||
            eng_writer_json_string(out, c ? c : "", c ? strlen(c) : 0) < 0 ||
            eng_writer_puts(out, ",\"first_seen\":") < 0 ||
            eng_writer_json_string(out, fs ? fs : "", fs ? strlen(fs) : 0) < 0 ||
            eng_writer_puts(out, ",\"last_seen\":") < 0 ||
            eng_writer_json_string(out, ls ? ls : "", ls ? strlen(ls) : 0) < 0 ||
            eng_writer_puts(out, ",\"profile\":") < 0 ||
            eng_writer_puts(out, pj ? pj : "{}") < 0 ||
            eng_writer_puts(out, "}\n") < 0) {
            rc = -1;
            eng_error_set(err, "write error: %s", strerror(errno));
            break;
        }
    }
    if (st && rc == 0 && step != SQLITE_DONE)
        rc = sql_fail(s, err, "reading profiles");
    if (st)
        sqlite3_reset(st);
    eng_store_close(s, 0, NULL);
    return rc;
}
