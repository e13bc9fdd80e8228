/* profile: one customer's aggregates (count, sum, min, max, avg, set, first,
 * last, recent, and the windowed count/sum/min/max/avg), updated one event
 * at a time, merged when identity resolution finds two profiles are one
 * person, and turned into JSON for output and into state for the store.
 */
#ifndef ENG_ENRICH_PROFILE_H
#define ENG_ENRICH_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "timeutil.h"

/* A windowed aggregate keeps its events' values, at most this many (the
 * oldest go first), so a profile never grows without bound. */
#define PROFILE_WINDOW_MAX 10000

struct wentry {
    eng_time ts;
    double v;
    int is_int;
};

struct agg_state {
    int64_t n;            /* count; values in a sum or avg */
    int all_int;          /* sum/avg: every value so far was an integer */
    int64_t isum;         /* ... then their sum, exactly */
    double dsum;          /* ... else their sum as a double */
    json_t *val;          /* min/max/first/last value; set array */
    eng_time ts;          /* first/last: the time of val */
    char **rtext;         /* recent: each entry's JSON text, in time order
                             (kept as text: written out as is per event) */
    size_t *rlen;
    eng_time *rts;        /* ... and its time */
    size_t rn;
    struct wentry *w;     /* window: values in time order */
    size_t wn, wcap;
};

struct profile {
    eng_time first_seen, last_seen;  /* event time; last_seen is the latest */
    int dirty;                       /* changed since the last write-back */
    json_t *segments;                /* the segments at the last event (for
                                        the state file's view), or NULL */
    size_t nagg;
    struct agg_state agg[];
};

/* Returns a new empty profile for cfg's attributes. Aborts when out of
 * memory. Free with profile_free. */
struct profile *profile_new(const struct enrich_config *cfg);
void profile_free(struct profile *p);

/* Applies one event (ev borrowed, ts its time) to p: each attribute whose
 * `when` holds takes the event's value. Returns the number of `when`
 * conditions that ended in an error (those attributes are left alone);
 * the first message goes to err. */
unsigned profile_update(const struct enrich_config *cfg, struct profile *p,
                        const json_t *ev, eng_time ts, struct eng_expr_ctx *ctx,
                        struct eng_error *err);

/* Merges `from` into `into` (identity resolution): counts and sums add,
 * sets union (into's values first, up to the cap), min/max compare, first and
 * last by time (ties keep into's), windows and recent merge by time.
 * `from` is left unchanged. */
void profile_merge(const struct enrich_config *cfg, struct profile *into,
                   const struct profile *from);

/* Returns the profile's attributes as a new object (caller decrefs), in
 * config order: all of them, or (all 0) only those whose agg_def says
 * in_view (the per-event output writes the rest with profile_write_value). */
json_t *profile_to_json(const struct enrich_config *cfg, struct profile *p,
                        int all);
/* Appends attribute k (a `recent`) of p as a JSON array to b. */
struct jbuf;
void profile_write_recent(struct jbuf *b, const struct profile *p, size_t k);
/* Frees the scratch memory of the module (at exit). */
void profile_cleanup(void);

/* Appends attribute k's output value to b (what profile_to_json holds). */
void profile_write_value(struct jbuf *b, const struct enrich_config *cfg,
                         struct profile *p, size_t k);
/* Appends the view the state file keeps: the attributes and, when set,
 * p->segments, as one JSON object. */
void profile_write_view(struct jbuf *b, const struct enrich_config *cfg,
                        struct profile *p);
/* Appends the state for the store: a JSON object holding everything needed
 * to carry on (window entries, exact sums, times), reals with 17 digits. */
void profile_write_state(struct jbuf *b, const struct enrich_config *cfg,
                         const struct profile *p);
/* Returns a profile rebuilt from profile_write_state's object and
 * profile_write_view's (both borrowed; sets and recent entries are read
 * from the view); attributes missing from them (a config that grew) start
 * empty. */
struct profile *profile_from_state(const struct enrich_config *cfg,
                                   const json_t *st, const json_t *view);

#endif
