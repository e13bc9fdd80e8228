/* store: the SQLite state file of a stateful tool (see store.h for the
 * checkpoint rule and the invariants).
 *
 * Open, in this order, so that a file that is not ours is never altered
 * (invariant 1):
 *   1. refuse a path that exists and is not a regular file (a directory, a
 *      FIFO that would block a read forever, a device);
 *   2. sqlite3_open_v2(READWRITE|CREATE); refuse a file SQLite could only
 *      open read-only (it falls back silently);
 *   3. flock() the file for the whole run (a second eng process fails at
 *      once, "in use by another process"), then BEGIN IMMEDIATE with a short
 *      busy timeout (a foreign writer, e.g. an analyst's sqlite3, makes it
 *      fail the same way after the wait); a non-database fails here too
 *      (SQLITE_NOTADB when page 1 is read);
 *   4. look at sqlite_master: no objects at all -> a new file: run the tool's
 *      schema, create eng_meta, store "tool" and "schema_version"; objects
 *      but no eng_meta -> "not an eng state file"; else check tool and
 *      version. COMMIT (nothing is written for an existing file);
 *   5. only now PRAGMA journal_mode=WAL (it rewrites the header of a file in
 *      rollback mode, so it must not run before the checks), synchronous,
 *      foreign_keys; BEGIN IMMEDIATE the first batch.
 *
 * A failed checkpoint leaves the store "broken": the batch was rolled back,
 * a new transaction is open so that stray writes of the tool cannot
 * autocommit, and every later tick, checkpoint, stmt or commit-close fails
 * with the same message. A tool stops at the first error anyway; this keeps
 * invariant 3 true even if it does not.
 *
 * Statement cache: open addressing (linear probing) on a 64-bit FNV-1a hash
 * of the SQL text, compared by text, so two copies of one literal share a
 * statement and two literals merged by the linker do too. The text is
 * copied, so a caller's buffer need not outlive the store.
 */
#include "jpool.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define OPEN_BUSY_MS 2000     /* wait for the lock at open: then "in use" */
#define RUN_BUSY_MS 5000      /* wait for short readers (an analyst's sqlite3) */
#define CACHE_MIN_SLOTS 32
#define CLOCK_EVERY 256       /* ticks between two reads of the clock */
#define CLOCK_COST_FACTOR 10  /* busy: at most ~1/10 of the time checkpointing */

struct stmt_slot {
    char *sql;                /* owned copy of the text; NULL: empty slot */
    uint64_t hash;
    sqlite3_stmt *stmt;
};

struct eng_store {
    sqlite3 *db;
    char *path;
    eng_store_writeback_fn writeback;
    void *writeback_ctx;
    struct eng_writer *out;
    struct stmt_slot *slots;
    size_t nslots, nused;     /* nslots is a power of two */
    unsigned long ops;        /* ticks since the last checkpoint */
    unsigned long batch_ops;  /* checkpoint after this many ticks ... */
    long long batch_ms;       /* ... or this much wall time */
    long long last_ms;        /* CLOCK_MONOTONIC at the last checkpoint */
    long long last_cost_ms;   /* how long that checkpoint took */
    int lock_fd;              /* holds the flock(); -1 for none */
    int broken;               /* a checkpoint failed: see the top comment */
    int broken_errno;         /* errno of that failure (EPIPE...) */
    char broken_msg[ENG_ERROR_MAX];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Describes a SQLite failure of db (rc) for path, with the OS error when
 * there is one. The common cases get the messages users can act on. */
static void sql_error(struct eng_error *err, const char *path, sqlite3 *db,
                      int rc, const char *what)
{
    int prim = rc & 0xff;
    int sys = db ? sqlite3_system_errno(db) : 0;
    if (prim == SQLITE_NOTADB)
        eng_error_at(err, path, 0, 0, "file is not a database");
    else if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED)
        eng_error_at(err, path, 0, 0,
                     "state file is in use by another process");
    else if (sys && (prim == SQLITE_CANTOPEN || prim == SQLITE_IOERR ||
                     prim == SQLITE_READONLY || prim == SQLITE_FULL))
        eng_error_at(err, path, 0, 0, "%s: %s (%s)", what,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                     strerror(sys));
    else
        eng_error_at(err, path, 0, 0, "%s: %s", what,
                     db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int exec(struct eng_store *s, const char *sql, const char *what,
                struct eng_error *err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sql_error(err, s->path, s->db, rc, what);
        return -1;
    }
    return 0;
}

/* Rolls back the open transaction if there is one; errno is kept (a write
 * error's EPIPE must reach the tool). */
static void rollback(struct eng_store *s)
{
    int saved = errno;
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    errno = saved;
}

/* Runs a one-row query; returns SQLITE_ROW with *out set, SQLITE_DONE when
 * there is no row, or an error code. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Reads eng_meta.key with a throwaway statement (used at open, before the
 * cache is worth having). Returns a new reference, NULL when absent or not
 * JSON. */
static json_t *meta_read(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st;
    json_t *v = NULL;
    if (sqlite3_prepare_v2(db, "SELECT value FROM eng_meta WHERE key = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *txt = (const char *)sqlite3_column_text(st, 0);
        if (txt)
            v = json_loads(txt, JSON_DECODE_ANY, NULL);
    }
    sqlite3_finalize(st);
    return v;
}

/* Step 4 of open: identify the file or give it the tool's schema. Runs
 * inside the BEGIN IMMEDIATE of step 3. */
static int check_or_create(struct eng_store *s, const char *tool,
                           int schema_version, const char *schema_sql,
                           struct eng_error *err)
{
    long long nobj = 0, has_meta = 0;
    int rc = query_int(s->db, "SELECT count(*) FROM sqlite_master", &nobj);
    if (rc != SQLITE_ROW) {
        sql_error(err, s->path, s->db, rc, "cannot read state file");
        return -1;
    }
    if (nobj == 0) {
        json_t *jt, *jv;
        if (schema_sql && *schema_sql &&
            exec(s, schema_sql, "cannot create the schema", err) < 0)
            return -1;
        if (exec(s, "CREATE TABLE eng_meta(key TEXT PRIMARY KEY, value TEXT)",
                 "cannot create eng_meta", err) < 0)
            return -1;
        jt = json_string(tool);
        jv = json_integer(schema_version);
        rc = (jt && jv) ? 0 : -1;
        if (rc == 0)
            rc = eng_store_meta_set(s, "tool", jt, err);
        else
            eng_error_set(err, "out of memory");
        if (rc == 0)
            rc = eng_store_meta_set(s, "schema_version", jv, err);
        json_decref(jt);
        json_decref(jv);
        return rc;
    }

    rc = query_int(s->db, "SELECT count(*) FROM sqlite_master "
                          "WHERE type = 'table' AND name = 'eng_meta'",
                   &has_meta);
    if (rc != SQLITE_ROW) {
        sql_error(err, s->path, s->db, rc, "cannot read state file");
        return -1;
    }
    if (!has_meta) {
        eng_error_at(err, s->path, 0, 0, "not an eng state file "
                     "(a SQLite database without an eng_meta table)");
        return -1;
    }
    {
        json_t *jt = meta_read(s->db, "tool");
        json_t *jv = meta_read(s->db, "schema_version");
        int ret = 0;
        if (!json_is_string(jt) || !json_is_integer(jv)) {
            eng_error_at(err, s->path, 0, 0, "not an eng state file "
                         "(eng_meta lacks a valid tool or schema_version)");
            ret = -1;
        } else if (strcmp(json_string_value(jt), tool) != 0) {
            eng_error_at(err, s->path, 0, 0, "belongs to %s, not %s",
                         json_string_value(jt), tool);
            ret = -1;
        } else if (json_integer_value(jv) > schema_version) {
            eng_error_at(err, s->path, 0, 0,
                         "made by a newer eng (schema %lld > %d)",
                         (long long)json_integer_value(jv), schema_version);
            ret = -1;
        }
        json_decref(jt);
        json_decref(jv);
        return ret;
    }
}

static void cache_free(struct eng_store *s)
{
    for (size_t i = 0; i < s->nslots; i++) {
        if (s->slots[i].sql) {
            sqlite3_finalize(s->slots[i].stmt);
            free(s->slots[i].sql);
        }
    }
    free(s->slots);
    s->slots = NULL;
    s->nslots = s->nused = 0;
}

static void store_free(struct eng_store *s)
{
    cache_free(s);
    /* close_v2: a statement the tool forgot to finalize must not leave the
     * handle (and its file descriptors) open forever. */
    sqlite3_close_v2(s->db);
    /* Closed only after SQLite let go of the file: closing any descriptor
     * of a file drops all of the process's fcntl() locks on it, SQLite's
     * included. */
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->path);
    free(s);
}

/* SQLite's own message for a file it cannot open is "unable to open database
 * file" with the errno of its last fallback (often ENOENT after EACCES).
 * Ask the system first so the user reads the real reason. The directory
 * must be writable for a new file and, in WAL mode, for the -wal and -shm
 * files beside an existing one. */
static int check_access(const char *path, struct eng_error *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (strcmp(path, ":memory:") == 0 || !*path)
        return 0;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) < 0) {
        eng_error_at(err, path, 0, 0, "cannot open state file: directory %s: %s",
                     dir, strerror(errno));
        return -1;
    }
    if (access(path, F_OK) == 0 && access(path, R_OK | W_OK) < 0) {
        eng_error_at(err, path, 0, 0, "cannot open state file: %s",
                     strerror(errno));
        return -1;
    }
    return 0;
}

/* One process per state file. BEGIN IMMEDIATE alone leaves a window at
 * each checkpoint (between COMMIT and the next BEGIN) in which a second
 * process waiting on the busy timeout could take the file over; an flock()
 * held for the whole run has no such window, fails at once, and goes away
 * with the process however it ends. flock and SQLite's fcntl locks do not
 * interact on Linux. A file system without flock (ENOLCK) falls back to
 * BEGIN IMMEDIATE alone. */
static int take_lock(struct eng_store *s, struct eng_error *err)
{
    if (strcmp(s->path, ":memory:") == 0 || !*s->path)
        return 0;
    s->lock_fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (s->lock_fd < 0) {
        eng_error_at(err, s->path, 0, 0, "cannot open state file: %s",
                     strerror(errno));
        return -1;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
        eng_error_at(err, s->path, 0, 0,
                     "state file is in use by another process");
        return -1;
    }
    return 0;
}

static unsigned long batch_override(unsigned long ops);

struct eng_store *eng_store_open(const char *path, const char *tool,
                                 int schema_version, const char *schema_sql,
                                 struct eng_error *err)
{
    struct eng_store *s;
    struct stat st;
    int rc, existed = 0;

    if (!path || !tool) {
        eng_error_set(err, "eng_store_open: no path or tool");
        return NULL;
    }
    if (stat(path, &st) == 0) {
        existed = 1;
        if (S_ISDIR(st.st_mode)) {
            eng_error_at(err, path, 0, 0, "is a directory, not a state file");
            return NULL;
        }
        if (!S_ISREG(st.st_mode)) {
            eng_error_at(err, path, 0, 0, "not a regular file");
            return NULL;
        }
    }
    if (check_access(path, err) < 0)
        return NULL;
    s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        eng_error_set(err, "out of memory");
        return NULL;
    }
    s->lock_fd = -1;
    rc = sqlite3_open_v2(path, &s->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                             SQLITE_OPEN_NOMUTEX,
                         NULL);
    if (rc != SQLITE_OK) {
        if (!s->db) {
            eng_error_at(err, path, 0, 0, "cannot open state file: %s",
                         sqlite3_errstr(rc));
        } else {
            sql_error(err, path, s->db, rc, "cannot open state file");
        }
        store_free(s);
        return NULL;
    }
    sqlite3_extended_result_codes(s->db, 1);
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        eng_error_at(err, path, 0, 0,
                     "cannot open state file: not writable (%s)",
                     strerror(EACCES));
        store_free(s);
        return NULL;
    }
    if (take_lock(s, err) < 0) {
        store_free(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, OPEN_BUSY_MS);

    /* Steps 3 and 4: identify the file under the write lock. */
    if (exec(s, "BEGIN IMMEDIATE", "cannot lock state file", err) < 0)
        goto fail;
    if (check_or_create(s, tool, schema_version, schema_sql, err) < 0)
        goto fail;
    if (exec(s, "COMMIT", "cannot write state file", err) < 0)
        goto fail;

    /* Step 5. journal_mode answers with the mode in effect ("memory" for
     * ":memory:"); a refusal to enter WAL is not worth failing for. */
    if (exec(s, "PRAGMA journal_mode=WAL", "cannot set WAL mode", err) < 0 ||
        exec(s, "PRAGMA synchronous=NORMAL", "cannot set synchronous", err) < 0 ||
        exec(s, "PRAGMA foreign_keys=OFF", "cannot set foreign_keys", err) < 0)
        goto fail;
    /* A state of 100k keys is tens of MB of B-tree written at random key
     * positions: with SQLite's default 2 MB page cache every checkpoint
     * re-reads and spills pages (bench-enrich: a third of the time). 32 MB,
     * allocated only as pages are used, keeps the hot interior pages. */
    if (exec(s, "PRAGMA cache_size=-32768", "cannot set cache_size", err) < 0)
        goto fail;
    if (exec(s, "BEGIN IMMEDIATE", "cannot lock state file", err) < 0)
        goto fail;
    sqlite3_busy_timeout(s->db, RUN_BUSY_MS);
    s->last_ms = now_ms();
    s->batch_ops = batch_override(ENG_STORE_BATCH);
    s->batch_ms = ENG_STORE_BATCH_MS;
    return s;

fail:
    rollback(s);
    store_free(s);
    /* Do not leave behind an empty file that this call created (the lock
     * is gone, so only remove it while it is still empty). */
    if (!existed && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size == 0)
        unlink(path);
    return NULL;
}

sqlite3 *eng_store_db(struct eng_store *s)
{
    return s->db;
}

/* Puts (sql, hash, stmt) in a table known to have a free slot. */
static void cache_put(struct stmt_slot *slots, size_t nslots,
                      struct stmt_slot e)
{
    size_t i = (size_t)e.hash & (nslots - 1);
    while (slots[i].sql)
        i = (i + 1) & (nslots - 1);
    slots[i] = e;
}

static int cache_grow(struct eng_store *s)
{
    size_t n = s->nslots ? s->nslots * 2 : CACHE_MIN_SLOTS;
    struct stmt_slot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].sql)
            cache_put(ns, n, s->slots[i]);
    free(s->slots);
    s->slots = ns;
    s->nslots = n;
    return 0;
}

sqlite3_stmt *eng_store_stmt(struct eng_store *s, const char *sql,
                             struct eng_error *err)
{
    uint64_t h;
    struct stmt_slot e;
    const char *tail = NULL;
    int rc;

    if (s->broken) {
        eng_error_set(err, "%s", s->broken_msg);
        errno = s->broken_errno;
        return NULL;
    }
    h = fnv1a(sql);
    if (s->nslots) {
        size_t i = (size_t)h & (s->nslots - 1);
        for (; s->slots[i].sql; i = (i + 1) & (s->nslots - 1)) {
            struct stmt_slot *sl = &s->slots[i];
            if (sl->hash == h && strcmp(sl->sql, sql) == 0) {
                sqlite3_reset(sl->stmt);
                sqlite3_clear_bindings(sl->stmt);
                return sl->stmt;
            }
        }
    }

    /* Keep the load at most one half so probes stay short. */
    if ((s->nused + 1) * 2 > s->nslots && cache_grow(s) < 0) {
        eng_error_set(err, "out of memory");
        return NULL;
    }
    e.hash = h;
    e.stmt = NULL;
    rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                            &e.stmt, &tail);
    if (rc != SQLITE_OK) {
        eng_error_at(err, s->path, 0, 0, "SQL error: %s (in: %.200s)",
                     sqlite3_errmsg(s->db), sql);
        return NULL;
    }
    if (!e.stmt) {
        eng_error_at(err, s->path, 0, 0, "SQL error: empty statement");
        return NULL;
    }
    if (tail && tail[strspn(tail, " \t\r\n;")]) {
        sqlite3_finalize(e.stmt);
        eng_error_at(err, s->path, 0, 0,
                     "SQL error: more than one statement (in: %.200s)", sql);
        return NULL;
    }
    e.sql = strdup(sql);
    if (!e.sql) {
        sqlite3_finalize(e.stmt);
        eng_error_set(err, "out of memory");
        return NULL;
    }
    cache_put(s->slots, s->nslots, e);
    s->nused++;
    return e.stmt;
}

json_t *eng_store_meta_get(struct eng_store *s, const char *key,
                           struct eng_error *err)
{
    json_t *v = NULL;
    sqlite3_stmt *st;
    int rc;

    eng_error_clear(err);
    st = eng_store_stmt(s, "SELECT value FROM eng_meta WHERE key = ?1", err);
    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *txt = (const char *)sqlite3_column_text(st, 0);
        json_error_t je;
        v = txt ? json_loads(txt, JSON_DECODE_ANY, &je) : NULL;
        if (!v)
            eng_error_at(err, s->path, 0, 0,
                         "eng_meta: value of '%s' is not JSON", key);
    } else if (rc != SQLITE_DONE) {
        sql_error(err, s->path, s->db, rc, "cannot read eng_meta");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return v;
}

int eng_store_meta_set(struct eng_store *s, const char *key,
                       const json_t *value, struct eng_error *err)
{
    sqlite3_stmt *st;
    char *txt = NULL;
    int rc;

    if (value) {
        txt = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!txt) {
            eng_error_at(err, s->path, 0, 0,
                         "eng_meta: value of '%s' cannot be encoded", key);
            return -1;
        }
        st = eng_store_stmt(s, "INSERT OR REPLACE INTO eng_meta(key, value) "
                               "VALUES (?1, ?2)", err);
    } else {
        st = eng_store_stmt(s, "DELETE FROM eng_meta WHERE key = ?1", err);
    }
    if (!st) {
        eng_json_free(txt);
        return -1;
    }
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (txt)
        sqlite3_bind_text(st, 2, txt, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    eng_json_free(txt);
    if (rc != SQLITE_DONE) {
        sql_error(err, s->path, s->db, rc, "cannot write eng_meta");
        return -1;
    }
    return 0;
}

void eng_store_set_writeback(struct eng_store *s, eng_store_writeback_fn fn,
                             void *ctx)
{
    s->writeback = fn;
    s->writeback_ctx = ctx;
}

void eng_store_set_output(struct eng_store *s, struct eng_writer *out)
{
    s->out = out;
}

/* The batch is lost: roll it back, remember why, and open a transaction
 * that will never be committed (see the top comment). errno is kept. */
static int fail_batch(struct eng_store *s, struct eng_error *err)
{
    int saved = errno;
    rollback(s);
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    s->broken = 1;
    s->broken_errno = saved;
    snprintf(s->broken_msg, sizeof s->broken_msg, "%s",
             err ? err->msg : "state checkpoint failed");
    errno = saved;
    return -1;
}

/* The checkpoint rule (store.h). begin_next is 0 only for the last one, at
 * close: no point in taking the write lock again just to let it go. */
static int checkpoint(struct eng_store *s, int begin_next,
                      struct eng_error *err)
{
    struct eng_error local;
    int rc;

    if (!err)
        err = &local;
    if (s->broken) {
        eng_error_set(err, "%s", s->broken_msg);
        errno = s->broken_errno;
        return -1;
    }
    /* A statement error such as SQLITE_FULL makes SQLite roll the batch back
     * by itself; committing what came after would break invariant 3. */
    if (sqlite3_get_autocommit(s->db)) {
        eng_error_at(err, s->path, 0, 0, "the batch was rolled back by an "
                     "earlier SQLite error");
        return fail_batch(s, err);
    }
    long long started = now_ms();
    if (s->writeback && s->writeback(s->writeback_ctx, s, err) < 0)
        return fail_batch(s, err);
    if (s->out && eng_writer_flush(s->out) < 0) {
        eng_error_set(err, "write error: %s", strerror(errno));
        return fail_batch(s, err);
    }
    rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sql_error(err, s->path, s->db, rc, "cannot commit state");
        return fail_batch(s, err);
    }
    s->ops = 0;
    s->last_ms = now_ms();
    s->last_cost_ms = s->last_ms - started;
    if (!begin_next)
        return 0;
    rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sql_error(err, s->path, s->db, rc, "cannot begin the next batch");
        return fail_batch(s, err);
    }
    return 0;
}

int eng_store_checkpoint(struct eng_store *s, struct eng_error *err)
{
    return checkpoint(s, 1, err);
}

/* ENG_STORE_BATCH_OPS in the environment overrides every tool's batch
 * size: the crash tests checkpoint every few events to kill runs between
 * checkpoints (tests/faults.bats). */
static unsigned long batch_override(unsigned long ops)
{
    const char *v = getenv("ENG_STORE_BATCH_OPS");
    long n = v ? atol(v) : 0;
    return n > 0 ? (unsigned long)n : ops;
}

int eng_store_set_cache_mb(struct eng_store *s, long mb, struct eng_error *err)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%ld", mb * 1024);
    return exec(s, sql, "cannot set cache_size", err);
}

void eng_store_set_batch(struct eng_store *s, long ops, long ms)
{
    s->batch_ops = batch_override(ops > 0 ? (unsigned long)ops : ENG_STORE_BATCH);
    s->batch_ms = ms > 0 ? ms : ENG_STORE_BATCH_MS;
}

int eng_store_tick(struct eng_store *s, struct eng_error *err)
{
    s->ops++;
    if (s->ops >= s->batch_ops)
        return eng_store_checkpoint(s, err);
    /* The clock's period stretches to CLOCK_COST_FACTOR times what the last
     * checkpoint cost: a checkpoint rewrites every row its batch touched, so
     * over 100k keys one takes ~0.5 s, and a 1 s clock would spend a third
     * of a busy run checkpointing. A stream that pauses is checkpointed by
     * eng_store_idle instead, so the stretch never delays a quiet stream. */
    if (s->ops % CLOCK_EVERY == 0) {
        long long period = s->last_cost_ms * CLOCK_COST_FACTOR;
        if (period < s->batch_ms)
            period = s->batch_ms;
        if (now_ms() - s->last_ms >= period)
            return eng_store_checkpoint(s, err);
    }
    return 0;
}

int eng_store_idle(struct eng_store *s, struct eng_error *err)
{
    return s->ops > 0 ? eng_store_checkpoint(s, err) : 0;
}

int eng_store_close(struct eng_store *s, int commit, struct eng_error *err)
{
    int ret = 0;
    if (!s)
        return 0;
    if (commit && checkpoint(s, 0, err) < 0)
        ret = -1;
    {
        int saved = errno;
        rollback(s);
        store_free(s);
        errno = saved;
    }
    return ret;
}
