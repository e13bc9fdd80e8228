/* state: eng-match's --state FILE, the keyed state of cep.c kept in a
 * SQLite file through libeng's store (store.h: the checkpoint rule), so two
 * runs over two halves of the input give the actions of one run over the
 * whole (RULES.md, State).
 *
 * Tables (schema version 1):
 *   match_rules(id, def)        each rule's definition hash (rules.h), to
 *                               tell a changed rule (fresh state, a warning)
 *                               and a removed one (its state dropped)
 *   match_keys(rule, key, data) one row per (rule, tagged key): the kstate
 *                               as a BLOB in cep_kstate_save's compact
 *                               binary form (bound events as their line
 *                               bytes); TEXT rows, the JSON form of the
 *                               first version, are still read
 *   eng_meta: "watermark", "max_ts", "cseq" (next creation number), "hw"
 *   ({source name: last line}: events the state already consumed).
 *
 * All of it is loaded at open; cep marks what changes, and the store's
 * write-back hook writes the dirty keys (sorted in the table's key order,
 * so a batch walks the B-tree once) and the meta values before the output
 * is flushed and the batch committed.
 */
#ifndef ENG_MATCH_STATE_H
#define ENG_MATCH_STATE_H

#include <jansson.h>

#include "error.h"
#include "match.h"

struct mstate;

/* Opens the state file at path for matcher m (its rules, cep and output set
 * up) and loads it into m->cep. Returns NULL with err set. */
struct mstate *mstate_open(const char *path, struct matcher *m,
                           struct eng_error *err);
/* Returns 1 when the event's source {name, line} is at or below what the
 * state had consumed when it was opened (an earlier run: skip it); else
 * records it (the highest line per source) and returns 0. */
int mstate_skip(struct mstate *s, const json_t *ev);
/* Counts one event; checkpoints when the batch is due. 0 or -1. */
int mstate_tick(struct mstate *s, struct eng_error *err);
/* Checkpoints when the input pauses (eng_store_idle). 0 or -1. */
int mstate_idle(struct mstate *s, struct eng_error *err);
/* Checkpoints now. 0 or -1 with err set. */
int mstate_checkpoint(struct mstate *s, struct eng_error *err);
/* After a rule reload: matches the saved rules to the new ones again
 * (changed and removed rules' rows go). 0 or -1 with err set. */
int mstate_rules_changed(struct mstate *s, struct eng_error *err);
/* The output was committed by the caller: the final checkpoint must not
 * flush it again. */
void mstate_output_done(struct mstate *s);
/* Closes: with commit, a final checkpoint. 0 or -1 with err set. NULL ok. */
int mstate_close(struct mstate *s, int commit, struct eng_error *err);

#endif
