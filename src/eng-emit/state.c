/* state: eng-emit's --state file, one SQLite database (libeng store).
 *
 * Schema (version 1), for analysts too (eng-emit(1), STATE):
 *   journal(id PRIMARY KEY, customer, channel, ts, status)
 *       every action decided, with its status: sent, suppressed, deferred,
 *       failed, or during delivery queued / sending; an id found here is a
 *       duplicate in any later run
 *   caps(customer, channel, ts)   messages sent, for the frequency caps
 *   outbox(id PRIMARY KEY, kind, due, action, error, attempts)
 *       kind 'deferred' (due = end of quiet hours) or 'failed' (--retry)
 *   eng_meta 'files': {path: size} of the file sinks before the batch in
 *       delivery
 *
 * The crash protocol (a run killed with SIGKILL, then run again over the
 * same actions):
 *   1. before a batch is delivered, its actions are journaled ('queued' for
 *      the deliveries) and the file sinks' sizes noted, and this commits;
 *   2. delivery: files, http, pipe, then exec; an exec action is marked
 *      'sending' and committed just before its command runs;
 *   3. outcomes are journaled in the next commit.
 *   At open, a 'queued' row means delivery may have begun and did not
 *   commit: each file sink is cut back to its noted size and the row is
 *   forgotten, so the action is decided and delivered again. So:
 *     file:   exactly once (what was written after step 1 is cut away);
 *     http:   at least once, at most once more than needed, with the same
 *             Idempotency-Key (the action id) so the receiver can drop it;
 *     exec:   at most once: a 'sending' row counts as delivered (the command
 *             may or may not have run; running it twice could send twice);
 *     pipe:   at least once, like http but without a key.
 *   A 'queued' action that is in the outbox (a released deferred or retried
 *   action) takes its outbox kind back instead, so it is released again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"
#include "sinks.h"
#include "state.h"
#include "store.h"

#define SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE journal(id TEXT PRIMARY KEY, customer TEXT NOT NULL,"
    " channel TEXT, ts INTEGER NOT NULL, status TEXT NOT NULL);"
    "CREATE TABLE caps(customer TEXT NOT NULL, channel TEXT NOT NULL,"
    " ts INTEGER NOT NULL);"
    "CREATE INDEX caps_ts ON caps(ts);"
    "CREATE TABLE outbox(id TEXT PRIMARY KEY, kind TEXT NOT NULL, due INTEGER,"
    " action TEXT NOT NULL, error TEXT, attempts INTEGER NOT NULL DEFAULT 0);";

struct emit_state {
    struct eng_store *s;
    int dry_run;
};

static int sqlfail(struct emit_state *st, int rc, const char *what,
                   struct eng_error *err)
{
    eng_error_set(err, "state: %s: %s", what,
                  sqlite3_errstr(rc));
    (void)st;
    return -1;
}

/* Runs a statement with text/int bindings given as a format: 's' text,
 * 'i' int64, 'n' null. 0 or -1. */
static int run(struct emit_state *st, const char *sql, const char *fmt,
               struct eng_error *err, ...)
{
    sqlite3_stmt *q = eng_store_stmt(st->s, sql, err);
    if (!q)
        return -1;
    va_list ap;
    va_start(ap, err);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 's') {
            const char *v = va_arg(ap, const char *);
            sqlite3_bind_text(q, i + 1, v, -1, SQLITE_STATIC);
        } else if (fmt[i] == 'i') {
            sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
        } else {
            sqlite3_bind_null(q, i + 1);
        }
    }
    va_end(ap);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sqlfail(st, rc, "write", err);
    return 0;
}

static int recover(struct emit_state *st, struct eng_error *err)
{
    json_t *files = eng_store_meta_get(st->s, "files", err);
    const char *path;
    json_t *v;
    json_object_foreach(files, path, v) {
        long long size = json_integer_value(v);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        fseek(f, 0, SEEK_END);
        long long cur = ftell(f);
        fclose(f);
        if (cur > size) {
            if (truncate(path, size) < 0) {
                eng_error_set(err, "%s: cannot cut back to %lld bytes after an "
                              "interrupted run: %s", path, size, strerror(errno));
                json_decref(files);
                return -1;
            }
            eng_warn("%s: cut back to %lld bytes: the last run stopped while "
                     "writing it; those messages are sent again", path, size);
        }
    }
    json_decref(files);
    sqlite3 *db = eng_store_db(st->s);
    if (run(st, "UPDATE journal SET status = (SELECT kind FROM outbox WHERE "
                "outbox.id = journal.id) WHERE status = 'queued' AND id IN "
                "(SELECT id FROM outbox)", "", err) < 0 ||
        run(st, "DELETE FROM journal WHERE status = 'queued'", "", err) < 0)
        return -1;
    int queued = sqlite3_changes(db);
    sqlite3_stmt *q = eng_store_stmt(st->s, "SELECT count(*) FROM journal "
                                     "WHERE status = 'sending'", err);
    if (!q)
        return -1;
    long long sending = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (queued)
        eng_warn("the last run stopped during delivery: %d action%s will be "
                 "delivered again", queued, queued == 1 ? "" : "s");
    if (sending)
        eng_warn("%lld exec: message%s may or may not have been delivered when "
                 "the last run stopped: counted as sent (at most once)",
                 sending, sending == 1 ? "" : "s");
    if (run(st, "UPDATE journal SET status = 'sent?' WHERE status = 'sending'",
            "", err) < 0 ||
        eng_store_meta_set(st->s, "files", NULL, err) < 0)
        return -1;
    return eng_store_checkpoint(st->s, err);
}

static int load(struct emit_state *st, struct emitter *e, struct eng_error *err)
{
    sqlite3_stmt *q = eng_store_stmt(st->s, "SELECT id FROM journal", err);
    if (!q)
        return -1;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        idset_add(e->ids, emit_hash((const char *)sqlite3_column_text(q, 0),
                                    (size_t)sqlite3_column_bytes(q, 0)));
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sqlfail(st, rc, "read journal", err);
    if (!(q = eng_store_stmt(st->s, "SELECT customer, channel, ts FROM caps "
                             "ORDER BY ts", err)))
        return -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *chn = (const char *)sqlite3_column_text(q, 1);
        int idx = -1;
        for (size_t i = 0; i < e->cfg->nch; i++)
            if (strcmp(e->cfg->ch[i].name, chn) == 0)
                idx = (int)i;
        struct cust *cu = custmap_get(e->cust, (const char *)sqlite3_column_text(q, 0));
        policy_caps_add(cu, idx, sqlite3_column_int64(q, 2));
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sqlfail(st, rc, "read caps", err);
    if (!(q = eng_store_stmt(st->s, "SELECT action, due FROM outbox WHERE "
                             "kind = 'deferred' ORDER BY rowid", err)))
        return -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (e->ndrec == e->capdrec) {
            e->capdrec = e->capdrec ? 2 * e->capdrec : 16;
            if (!(e->drec = realloc(e->drec, e->capdrec * sizeof *e->drec)))
                abort();
        }
        struct deferred_rec *d = &e->drec[e->ndrec++];
        d->len = (size_t)sqlite3_column_bytes(q, 0);
        if (!(d->raw = malloc(d->len + 1)))
            abort();
        memcpy(d->raw, sqlite3_column_text(q, 0), d->len + 1);
        d->until = sqlite3_column_int64(q, 1);
        if (d->until < e->dmin)
            e->dmin = d->until;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sqlfail(st, rc, "read outbox", err);
    return 0;
}

struct emit_state *state_open(const char *path, struct emitter *e,
                              struct eng_error *err)
{
    struct emit_state *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->dry_run = e->dry_run;
    if (!(st->s = eng_store_open(path, "eng-emit", SCHEMA_VERSION, schema, err))) {
        free(st);
        return NULL;
    }
    eng_store_set_output(st->s, e->flush_out);
    if ((!st->dry_run && recover(st, err) < 0) || load(st, e, err) < 0) {
        eng_store_close(st->s, 0, NULL);
        free(st);
        return NULL;
    }
    return st;
}

static const char *status_name(const struct item *it)
{
    switch (it->status) {
    case ST_SENT: return "sent";
    case ST_SUPPRESSED: return "suppressed";
    case ST_DEFERRED: return "deferred";
    case ST_FAILED: return "failed";
    default: return "queued";
    }
}

int state_batch_begin(struct emitter *e, struct item *q, struct eng_error *err)
{
    struct emit_state *st = e->st;
    json_t *files = json_object();
    for (struct item *it = q; it; it = it->next) {
        if (it->deliver && it->status == ST_NONE && it->ch->kind == SINK_FILE &&
            !json_object_get(files, it->ch->target)) {
            long long size = sinks_file_size(it->ch);
            json_object_set_new(files, it->ch->target,
                                json_integer(size < 0 ? 0 : size));
        }
    }
    int rc = eng_store_meta_set(st->s, "files", json_object_size(files) ? files : NULL,
                                err);
    json_decref(files);
    if (rc < 0)
        return -1;
    for (struct item *it = q; it; it = it->next) {
        const char *status = status_name(it);
        if (it->reason && strcmp(it->reason, "duplicate") == 0)
            continue;
        if (it->origin == FROM_INPUT) {
            if (run(st, "INSERT OR REPLACE INTO journal(id, customer, channel, ts,"
                        " status) VALUES (?1, ?2, ?3, ?4, ?5)", "sssis", err,
                    it->id, it->customer, it->ch->name, (int64_t)it->ts, status) < 0)
                return -1;
            if (it->status == ST_DEFERRED &&
                run(st, "INSERT OR REPLACE INTO outbox(id, kind, due, action) "
                        "VALUES (?1, 'deferred', ?2, ?3)", "sis", err,
                    it->id, (int64_t)it->until, it->raw) < 0)
                return -1;
        } else {
            if (run(st, "UPDATE journal SET status = ?2 WHERE id = ?1", "ss", err,
                    it->id, status) < 0)
                return -1;
            if (it->status == ST_SUPPRESSED &&
                run(st, "DELETE FROM outbox WHERE id = ?1", "s", err, it->id) < 0)
                return -1;
        }
    }
    return eng_store_checkpoint(st->s, err);
}

int state_exec_begin(struct emitter *e, struct item *it, struct eng_error *err)
{
    if (run(e->st, "UPDATE journal SET status = 'sending' WHERE id = ?1", "s",
            err, it->id) < 0)
        return -1;
    return eng_store_checkpoint(e->st->s, err);
}

int state_batch_end(struct emitter *e, struct item *q, struct eng_error *err)
{
    struct emit_state *st = e->st;
    for (struct item *it = q; it; it = it->next) {
        if (!it->deliver)
            continue;
        if (it->status == ST_SENT) {
            if (run(st, "UPDATE journal SET status = 'sent' WHERE id = ?1", "s",
                    err, it->id) < 0 ||
                run(st, "INSERT INTO caps(customer, channel, ts) VALUES "
                        "(?1, ?2, ?3)", "ssi", err, it->customer, it->ch->name,
                    (int64_t)it->ts) < 0)
                return -1;
            if (it->origin != FROM_INPUT &&
                run(st, "DELETE FROM outbox WHERE id = ?1", "s", err, it->id) < 0)
                return -1;
        } else {
            if (run(st, "UPDATE journal SET status = 'failed' WHERE id = ?1", "s",
                    err, it->id) < 0 ||
                run(st, "INSERT OR REPLACE INTO outbox(id, kind, due, action, "
                        "error, attempts) VALUES (?1, 'failed', NULL, ?2, ?3, ?4)",
                    "sssi", err, it->id, it->raw,
                    it->error ? it->error : "failed", (int64_t)it->attempts) < 0)
                return -1;
        }
    }
    return eng_store_meta_set(st->s, "files", NULL, err);
}

long state_load_retry(struct emitter *e, struct eng_error *err)
{
    struct emit_state *st = e->st;
    sqlite3_stmt *q = eng_store_stmt(st->s, "SELECT id, action FROM outbox "
                                     "WHERE kind = 'failed' ORDER BY rowid", err);
    if (!q)
        return -1;
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char why[400];
        const char *txt = (const char *)sqlite3_column_text(q, 1);
        struct item *it = emitter_parse(e, txt, (size_t)sqlite3_column_bytes(q, 1),
                                        why, sizeof why);
        if (!it) {
            eng_warn("outbox: action %s cannot be retried (%s); left in the outbox",
                     (const char *)sqlite3_column_text(q, 0), why);
            continue;
        }
        it->origin = FROM_RETRY;
        it->deliver = 1;
        emitter_enqueue(e, it);
        n++;
    }
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sqlfail(st, rc, "read outbox", err);
    return n;
}

int state_close(struct emit_state *st, int commit, struct eng_error *err)
{
    if (!st)
        return 0;
    int rc = eng_store_close(st->s, commit && !st->dry_run, err);
    free(st);
    return rc;
}
