/* state: eng-emit's --state file (libeng store, SQLite). See state.c for
 * the schema and the crash protocol. */
#ifndef ENG_EMIT_STATE_H
#define ENG_EMIT_STATE_H

#include "emit.h"

/* Opens the state, recovers from a run that was killed (file sinks cut back
 * to their last committed size, undelivered actions forgotten so they are
 * decided again), and loads the journal's ids, the caps records and the
 * deferred actions into e. dry_run: no recovery, nothing written. Returns
 * NULL with err set. */
struct emit_state *state_open(const char *path, struct emitter *e,
                              struct eng_error *err);
/* Before delivering queue q: journals every decided action (deliveries as
 * 'queued'), notes the file sinks' sizes, commits. 0 or -1 (err). */
int state_batch_begin(struct emitter *e, struct item *q, struct eng_error *err);
/* Before running an exec: sink: marks it 'sending' and commits, so a crash
 * during the command counts it as delivered (at most once). 0 or -1. */
int state_exec_begin(struct emitter *e, struct item *it, struct eng_error *err);
/* After delivering q: final statuses, caps records, the outbox. 0 or -1. */
int state_batch_end(struct emitter *e, struct item *q, struct eng_error *err);
/* --retry: appends the failed outbox's actions to e's queue as items
 * (origin FROM_RETRY). Returns how many, or -1. */
long state_load_retry(struct emitter *e, struct eng_error *err);
/* Closes; commit at the end of a clean run. 0 or -1. */
int state_close(struct emit_state *st, int commit, struct eng_error *err);

#endif
