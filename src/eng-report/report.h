/* report: eng-report's accumulators. Every input record is classified and
 * counted into tables keyed by what the metrics group by (rule and channel,
 * period, topic, tool and reason); nothing per event is kept except what
 * attribution needs: per customer, the times of its recent sends and
 * conversion events. Attribution is settled as time goes by (report.c):
 * once the lists hold REPORT_TRIM_AT entries in all, every conversion older
 * than the latest time seen minus the lateness is credited and dropped, and
 * so is every send that no later conversion can reach; memory is bounded by
 * the customers and what they did within the attribution window plus the
 * lateness, not by the length of the stream. report_finish settles the rest
 * and computes the rates; output.c writes the tables.
 *
 * Classification of a record (a JSON object), first match wins:
 *   1. "tool" and "error" strings          a reject (of any eng tool)
 *   2. "type" == "action"                  an action (eng-match)
 *   3. "status" string and no "type"       a receipt (eng-emit)
 *   4. anything else                       an event
 * Events, actions and receipts need an RFC 3339 "ts"; rejects have none and
 * are never filtered by --since/--until.
 */
#ifndef ENG_REPORT_H
#define ENG_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "path.h"
#include "strmap.h"
#include "timeutil.h"

/* a counter by name (a suppression reason, a sentiment label) */
struct namecount {
    char *name;
    unsigned long long n;
};

/* one row of the funnel: a rule on a channel */
struct funnel {
    char *rule, *channel;
    unsigned long long actions, receipts, sent, suppressed, deferred, failed,
        dry_run, other, converted, conversions;
    struct namecount *reasons;   /* suppressed, by reason, in first-seen order */
    size_t nreasons;
};

struct lift;

/* one customer's exposures to a rule, for lift: the first send, the first
 * control-group hold-back (INT64_MIN: none) */
struct exposure {
    struct lift *rule;
    eng_time first_sent, first_control;
    /* a conversion settled so far fell within the window after them */
    unsigned char sent_converted, control_converted;
};

struct send {
    eng_time ts;
    struct funnel *cell;
    uint32_t seq;                /* arrival order (low bits), for ties */
    unsigned char credited;      /* has a conversion been credited to it */
};

struct customer {
    struct send *sends;
    size_t nsends, capsends;
    eng_time *conv;              /* conversion events' times */
    size_t nconv, capconv;
    struct exposure *exp;
    size_t nexp, capexp;
};

/* lift of one rule (campaign), computed by report_finish */
struct lift {
    char *rule;
    unsigned long long treated, treated_conv, control, control_conv;
};

/* a period's (and --by group's) sentiment, or a topic's in a period */
struct sentagg {
    char *period, *group, *topic;   /* group: JSON text of the --by values */
    unsigned long long n, negative, neutral, positive;
    double sum;
};

struct volume {
    char *period, *group, *channel, *type;
    unsigned long long n;
};

struct rejcount {
    char *tool, *reason;
    unsigned long long n;
};

struct report {
    /* options */
    const char *conversion_type; /* event type that counts as a conversion */
    int64_t attribution_ms;      /* window after a send */
    int64_t window_ms;           /* period length */
    int has_since, has_until;
    eng_time since, until;       /* [since, until) */
    struct eng_path **by;        /* --by paths, for the event metrics */
    size_t nby;
    const char *const *by_text;

    int64_t lateness_ms;         /* --lateness: how far behind records come */

    /* counts of records */
    unsigned long long in, events, actions, receipts, rejects, filtered,
        rejected;
    /* attribution's settling: the latest send, conversion or hold-back time
     * seen; the horizon settled up to; the entries in the customers' lists
     * and when to settle next; the records that came behind the horizon */
    eng_time latest, horizon;
    size_t pending, trim_at;
    unsigned long long late;
    uint32_t nsent_seen;         /* sends so far (wraps; for struct send) */

    /* tables; values are the structs above, keyed by their fields joined
     * with \x1f; also kept in arrays in first-seen order for output */
    struct strmap funnel_map, cust_map, rule_map, volume_map, sent_map,
        topic_map, rej_map, toptotal_map;
    struct funnel **funnels;  size_t nfunnels, capfunnels;
    struct lift **rules;      size_t nrules, caprules;
    struct volume **volumes;  size_t nvolumes, capvolumes;
    struct sentagg **sents;   size_t nsents, capsents;
    struct sentagg **topics;  size_t ntopics, captopics;
    struct sentagg **toptotals; size_t ntoptotals, captoptotals;
    struct rejcount **rejs;   size_t nrejs, caprejs;
};

/* One record's members that the tables need, as NUL-terminated strings
 * (NULL: absent or not a string). root is the whole record when the caller
 * parsed it (needed for sentiment, topics and --by), else NULL. */
struct report_rec {
    const char *tool, *error, *ts, *type, *status, *id, *customer, *channel,
        *reason, *rule;
    int has_type;              /* a "type" member of any kind */
    int has_ts;                /* a "ts" member of any kind */
    const json_t *root;
};

/* Settle attribution when the customers' lists hold this many entries in
 * all (about 24 bytes each); ENG_REPORT_TRIM_AT in the environment changes
 * it (the tests make it small). */
#define REPORT_TRIM_AT ((size_t)1 << 20)

/* Sets the defaults: conversion "purchase", attribution 7d, window 1d,
 * lateness 1d. */
void report_init(struct report *r);

/* Counts one record. Returns 0, or -1 with err set when the record is not
 * one eng-report can count (the caller rejects it: no or bad ts, not an
 * object). root is borrowed. */
int report_add(struct report *r, const json_t *root, struct eng_error *err);
/* The same from the members already picked out (main.c's fast path, which
 * scans a line instead of parsing it when it has no sentiment, no topics
 * and --by is not used). */
int report_add_rec(struct report *r, const struct report_rec *rec,
                   struct eng_error *err);

/* Attributes conversions to sends (last touch within the attribution
 * window), computes lift per rule, and sorts every table for output. */
void report_finish(struct report *r);

/* The Wilson score interval of k successes in n trials at 95%: *lo, *hi
 * (0, 0 when n is 0). */
void report_wilson(unsigned long long k, unsigned long long n, double *lo,
                   double *hi);
/* Newcombe's hybrid score interval (his method 10) for p1 - p2 at 95%,
 * from the two Wilson intervals. */
void report_newcombe(unsigned long long k1, unsigned long long n1,
                     unsigned long long k2, unsigned long long n2,
                     double *lo, double *hi);

/* The start of the period that holds t: multiples of window_ms since
 * 1970-01-01, or since Monday 1970-01-05 when the window is whole weeks. */
eng_time report_period(const struct report *r, eng_time t);

/* Frees everything report_init and report_add allocated. */
void report_free(struct report *r);

#endif
