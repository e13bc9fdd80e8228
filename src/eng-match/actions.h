/* actions: the action records eng-match writes (EVENT-MODEL.md, "Action
 * records"; RULES.md, "Actions"), one per firing:
 *
 *   {"id":"act:RULE:KEY:HASH","ts":TS,"type":"action","rule":RULE,
 *    "customer":C,"key":K,"channel":CH,"priority":P,"payload":{...},
 *    "trigger":[EVENT_ID],"event":{...}}
 *
 *   - ts: the event's ts, normalised (RFC 3339 UTC, ms when non-zero);
 *   - HASH: 16 lower-case hex digits of XXH3-64 over the rule id, the key
 *     text and the trigger ids, joined by U+001F; the key text is a string
 *     key's characters, any other key's JSON text, "" when missing;
 *   - customer: the event's `customer` (null when absent); key: the key's
 *     value (null when missing);
 *   - channel: emit.channel rendered, null without one; it is not repeated
 *     in the payload; payload: the rest of emit, strings rendered as
 *     templates, {} without emit;
 *   - event: with --with-event, the triggering event's original bytes.
 * The record is built in one buffer and written with one call, so a record
 * is never half-written between two flushes.
 */
#ifndef ENG_MATCH_ACTIONS_H
#define ENG_MATCH_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "jsonl.h"
#include "rules.h"
#include "template.h"

/* The event an action is about, as main() prepared it. All borrowed. */
struct match_event {
    const json_t *ev;
    const char *raw;            /* the original line, trailing blanks cut */
    size_t raw_len;
    const char *ts;             /* normalised ts, NUL terminated */
    int64_t ts_ms;
    const char *id;             /* the trigger id text */
    size_t id_len;
};

/* A rule's key for one event: the value (borrowed, NULL when missing or
 * null) and its text for ids ("" when missing). */
struct match_key {
    const json_t *value;
    const char *text;
    size_t len;
};

/* Scratch buffers reused across actions; zero-initialise. */
struct action_bufs {
    struct eng_tmpl_buf rec, hash, key;  /* key: for action_key */
};

/* Computes r's key for ev into *k; a non-string key's text is kept in kb
 * (so k is valid while kb is not reused). */
void action_key(struct eng_tmpl_buf *kb, const struct rule *r,
                const json_t *ev, struct match_key *k);

/* What a stateful firing adds (cep.h): the completing event for templates
 * and customer, the aliases, the trigger ids, and the action's ts. */
struct action_more {
    const json_t *ev;               /* templates, customer */
    const char *ts;                 /* normalised, NUL terminated */
    const char *raw;                /* --with-event bytes; NULL: ev's JSON */
    size_t raw_len;
    const char *const *alias_names;
    const json_t *const *alias_values;
    size_t naliases;
    const char *const *trig;
    const size_t *trig_len;
    size_t ntrig;
};

/* Writes the action record of r with key k as described by a. Returns 0,
 * or -1 on a write error (errno kept). */
int action_write_more(struct eng_writer *w, struct action_bufs *b,
                      const struct rule *r, const struct action_more *a,
                      const struct match_key *k, int with_event,
                      unsigned long long *tmpl_missing);

/* Writes the action record of r for m with key k to w, adding missing
 * template values to *tmpl_missing. Returns 0, or -1 on a write error
 * (errno kept). */
int action_write(struct eng_writer *w, struct action_bufs *b,
                 const struct rule *r, const struct match_event *m,
                 const struct match_key *k, int with_event,
                 unsigned long long *tmpl_missing);

void action_bufs_free(struct action_bufs *b);

#endif
