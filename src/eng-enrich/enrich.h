/* enrich: eng-enrich's per-event work. For each event, in this order:
 *   1. parse; check ts (the event time) and the key (rejects otherwise);
 *   2. identity: link the event's ids, rewrite the key to the canonical id,
 *      merge profiles that turned out to be one person (a profile_merged
 *      event is written before the event);
 *   3. the profile: from memory, else the state file, else new; forgotten
 *      first when idle longer than --state-ttl; then the aggregates;
 *   4. the profile's view: aggregates, master data (join), segments later;
 *   5. context: local time in the customer's zone, lookups, nearest place;
 *   6. segments, evaluated over the event with `profile` and `context`;
 *   7. output: the original line with "profile" and "context" spliced in,
 *      or the event re-serialised when its key was rewritten.
 */
#ifndef ENG_ENRICH_ENRICH_H
#define ENG_ENRICH_ENRICH_H

#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "conf.h"
#include "identity.h"
#include "jsonl.h"
#include "jsonout.h"
#include "profile.h"
#include "project.h"
#include "rejects.h"
#include "store.h"
#include "strmap.h"

/* condition errors shown on stderr; the rest are counted */
#define ENRICH_ERRORS_SHOWN 5

struct enricher {
    const struct enrich_config *cfg;
    struct eng_cli *cli;
    struct eng_writer *out;
    struct eng_rejects *rej;
    struct eng_store *store;    /* NULL: state in memory for the run */
    struct strmap profiles;     /* customer -> struct profile */
    struct strmap gone;         /* customers merged away (store deletes) */
    struct identity id;
    struct eng_expr_ctx *ctx;
    struct eng_projection proj; /* the members the config reads */
    int64_t ttl_ms;             /* --state-ttl; 0: keep every profile */
    eng_time watermark;         /* latest event time seen (all runs) */
    int store_failed;           /* a store read failed: stop (exit 3) */
    char store_msg[ENG_ERROR_MAX];
    unsigned long long in, out_n, rejected, merges, when_errors, seg_errors,
        forgotten, rewritten, skipped;
    json_t *hw, *hw_loaded;     /* --state: lines consumed (state.c) */
    unsigned errors_shown;
    char *buf;                  /* scratch for serialising */
    size_t cap;
    struct jbuf mb;             /* the spliced members; merge events */
    struct jbuf sb[2];          /* state.c: a profile's view and state */
};

void enricher_init(struct enricher *e);
void enricher_free(struct enricher *e);
/* Processes one input line. Returns 0, or -1 on a write error (errno) or a
 * state store failure (e->store_failed). */
int enricher_line(struct enricher *e, struct eng_reader *rd,
                  const struct eng_line *ln);
/* The --stats extras: a new object. */
json_t *enricher_stats(const struct enricher *e);

/* state.c: the state file (schema in eng-enrich(1)). */
int state_open(struct enricher *e, const char *path, struct eng_error *err);
/* Loads a customer's profile: 1 (*out set), 0 absent, -1 error. */
int state_load_profile(struct enricher *e, const char *customer, size_t len,
                       struct profile **out, struct eng_error *err);
/* Writes the final state (with --state-ttl: forgets idle customers) and
 * closes. commit 0 rolls the open batch back. 0 or -1. */
int state_close(struct enricher *e, int commit, struct eng_error *err);
/* With --state: 1 when the event's source {name, line} is at or below the
 * mark an earlier run committed (the event is skipped, counted), else 0
 * (and the mark moves up). 0 for events without a source. */
int state_skip(struct enricher *e, const json_t *ev);
/* --dump: every profile of the state file as JSON-lines to out. 0 or -1. */
int state_dump(const char *path, struct eng_writer *out, struct eng_error *err);

#endif
