/* store: the state file of a stateful tool (eng-match, eng-enrich, eng-emit):
 * one SQLite database per tool instance, WAL mode (ARCHITECTURE.md, State).
 *
 * The checkpoint rule. A tool keeps its hot state in memory (a write-back
 * cache) and writes what changed to SQLite inside one long transaction. A
 * checkpoint, every ENG_STORE_BATCH operations or ENG_STORE_BATCH_MS of
 * wall time (stretched to 10 times the last checkpoint's cost while the
 * input is busy), when the input pauses (eng_store_idle), and at the end of
 * the run, does, in this order:
 *   1. the tool's write-back hook writes its dirty entries (same transaction);
 *   2. the output writer is flushed: everything the state is about to claim
 *      has been written downstream;
 *   3. COMMIT; then BEGIN the next batch.
 * So after a crash the state never claims more than the output holds: the
 * worst case is output written twice (same action ids, so eng-emit drops the
 * repeats), never output lost.
 *
 * Invariants:
 *   (1) a database made by another tool, or by a newer schema version, is
 *       refused at open (exit 3 for the tool), never altered;
 *   (2) no transaction per event: writes between checkpoints share one;
 *   (3) a failed checkpoint rolls back the whole batch and reports; the state
 *       file stays as of the previous checkpoint.
 *
 * Schema: the tool passes its CREATE statements; the store adds
 *   eng_meta(key TEXT PRIMARY KEY, value TEXT)   -- JSON values
 * holding "tool" and "schema_version", and tool keys such as the watermark.
 */
#ifndef ENG_STORE_H
#define ENG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "error.h"
#include "jsonl.h"

#define ENG_STORE_BATCH 10000
#define ENG_STORE_BATCH_MS 1000

struct eng_store;

/* Opens (creating if needed) the state file at path for tool ("eng-match")
 * with the tool's schema (SQL run once when the file is new) and version.
 * Sets WAL mode, synchronous=NORMAL, a busy timeout, and BEGINs the first
 * batch. Returns NULL with err set ("state.db: belongs to eng-enrich, not
 * eng-match", "state.db: file is not a database", ...). */
struct eng_store *eng_store_open(const char *path, const char *tool,
                                 int schema_version, const char *schema_sql,
                                 struct eng_error *err);

/* Returns the SQLite handle (borrowed) for the tool's own statements. */
sqlite3 *eng_store_db(struct eng_store *s);

/* Returns a prepared statement for sql, compiled once per store and cached
 * (sql must be a string literal or otherwise live as long as the store; the
 * cache is keyed by its text). The statement is reset and its bindings
 * cleared before it is returned. Borrowed: never finalize it. NULL with err
 * set on a SQL error. */
sqlite3_stmt *eng_store_stmt(struct eng_store *s, const char *sql,
                             struct eng_error *err);

/* Meta values (JSON). get returns a new reference or NULL when absent;
 * set borrows value. 0 or -1.
 * get clears err first: NULL with err->msg non-empty is an error (a value
 * that is not JSON, a SQL error), NULL with it empty means absent. set with
 * value NULL deletes the key. */
json_t *eng_store_meta_get(struct eng_store *s, const char *key,
                           struct eng_error *err);
int eng_store_meta_set(struct eng_store *s, const char *key,
                       const json_t *value, struct eng_error *err);

/* The tool's write-back hook, run at each checkpoint before the flush and
 * COMMIT (step 1 above): writes dirty cache entries with eng_store_stmt.
 * Returns 0 or -1 with err set. */
typedef int (*eng_store_writeback_fn)(void *ctx, struct eng_store *s,
                                      struct eng_error *err);
void eng_store_set_writeback(struct eng_store *s, eng_store_writeback_fn fn,
                             void *ctx);
/* The output to flush before each COMMIT (step 2); NULL for none. Borrowed. */
void eng_store_set_output(struct eng_store *s, struct eng_writer *out);

/* Sets the batch of s: a checkpoint every ops operations or ms of wall
 * time, whichever comes first (defaults ENG_STORE_BATCH, ENG_STORE_BATCH_MS).
 * A tool whose checkpoint writes one row per key touched in the batch
 * (eng-enrich's profiles) wants larger batches: more events per key, fewer
 * rewrites of the same rows. Values below 1 keep the default. The
 * environment's ENG_STORE_BATCH_OPS, when set, overrides ops for every
 * store (a test knob: checkpoints every few events). */
void eng_store_set_batch(struct eng_store *s, long ops, long ms);
/* Sets SQLite's page cache of s to at most mb MiB (the default is 32 MiB;
 * pages are allocated as they are used). A tool whose state rows are large
 * and rewritten at every checkpoint (eng-enrich's profiles) reads fewer
 * pages back with a cache that holds its hot B-tree. 0, or -1 with err. */
int eng_store_set_cache_mb(struct eng_store *s, long mb, struct eng_error *err);

/* Counts one operation (an event processed) and checkpoints when the batch
 * is full or old enough. Returns 0, or -1 with err set (the batch was rolled
 * back). After a failed checkpoint the store refuses further work: tick,
 * checkpoint, eng_store_stmt and close(commit=1) fail with the same message
 * (errno of a write error, e.g. EPIPE, is kept for the tool to see). */
int eng_store_tick(struct eng_store *s, struct eng_error *err);
/* Checkpoints if any operation was counted since the last checkpoint: for
 * the moment the input pauses (the reader's flush callback, jsonl.h), so a
 * stream's state is committed as soon as it goes quiet however long the
 * busy batch is. 0 or -1 as eng_store_checkpoint. */
int eng_store_idle(struct eng_store *s, struct eng_error *err);
/* Checkpoints now (writeback, flush, COMMIT, BEGIN). 0 or -1. */
int eng_store_checkpoint(struct eng_store *s, struct eng_error *err);

/* Closes the store. With commit set, checkpoints first (end of a clean run;
 * the last checkpoint does not BEGIN again);
 * otherwise rolls the open batch back (a run that failed). Returns 0, or -1
 * with err set when the final checkpoint failed (the batch is rolled back).
 * NULL is fine. */
int eng_store_close(struct eng_store *s, int commit, struct eng_error *err);

#endif
