/* context: what eng-enrich derives about the moment of an event: the time
 * in the customer's zone (local_time, hour, weekday, daypart).
 */
#ifndef ENG_ENRICH_CONTEXT_H
#define ENG_ENRICH_CONTEXT_H

#include <jansson.h>

#include "conf.h"
#include "strmap.h"
#include "timeutil.h"

/* Returns a new object {"timezone", "local_time", "hour", "weekday",
 * "daypart"} for the event at ts. The zone is cfg's timezone path read from
 * the profile view or the event (borrowed), when it names a known zone,
 * else the default zone. Zone names found unknown are remembered in bad
 * (so a bad name costs one failed lookup per run). */
json_t *context_new(const struct enrich_config *cfg, const json_t *ev,
                    const json_t *profile, eng_time ts, struct strmap *bad);

struct jbuf;
/* Appends the same object's members (no braces: "\"timezone\":...") to b,
 * without building JSON values. */
void context_write(struct jbuf *b, const struct enrich_config *cfg,
                   const json_t *ev, const json_t *profile, eng_time ts,
                   struct strmap *bad);

/* The daypart of an hour 0..23: "night" (22-4), "morning" (5-11),
 * "afternoon" (12-16), "evening" (17-21). Static storage. */
const char *context_daypart(int hour);

#endif
