/* context: local time of an event (context.h).
 *
 * The zone comes from the customer: `context: { timezone: profile.tz }`
 * reads the profile view (which holds the master data joined into it), or a
 * path on the event (`timezone: geo.tz`). A missing or unknown zone name
 * falls back to default_timezone (UTC unless set). Local time is the
 * event's instant plus the zone's offset at that instant (timeutil's TZif
 * data, so DST is right for every date), written as RFC 3339 with the
 * offset: 2024-07-04T14:03:11-04:00.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "jsonout.h"

static const char *const weekdays[] = { "sunday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday" };

const char *context_daypart(int hour)
{
    if (hour >= 5 && hour <= 11)
        return "morning";
    if (hour >= 12 && hour <= 16)
        return "afternoon";
    if (hour >= 17 && hour <= 21)
        return "evening";
    return "night";
}

static const struct eng_tz *zone_of(const struct enrich_config *cfg,
                                    const json_t *ev, const json_t *profile,
                                    struct strmap *bad)
{
    struct eng_error err;
    if (cfg->tz_path) {
        const json_t *v = eng_path_get(cfg->tz_path,
                                       cfg->tz_from_profile ? profile : ev);
        if (json_is_string(v) && json_string_length(v) > 0 &&
            !strmap_get(bad, json_string_value(v), json_string_length(v))) {
            const struct eng_tz *tz = eng_tz_get(json_string_value(v), &err);
            if (tz)
                return tz;
            int created;
            strmap_put(bad, json_string_value(v), json_string_length(v),
                       &created);
        }
    }
    return eng_tz_get(cfg->default_tz, &err);
}

struct ctxval {
    const char *tz;
    char local[40];
    size_t local_len;
    int hour;
    const char *weekday, *daypart;
};

static char *two(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Fills v for the event at ts; 0, or -1 when no zone (cannot happen: the
 * default zone was checked at load). */
static int compute(const struct enrich_config *cfg, const json_t *ev,
                   const json_t *profile, eng_time ts, struct strmap *bad,
                   struct ctxval *v)
{
    const struct eng_tz *tz = zone_of(cfg, ev, profile, bad);
    if (!tz)
        return -1;
    int off = eng_tz_offset_at(tz, ts);
    struct eng_civil cv;
    eng_time_to_civil(ts + (eng_time)off * 1000, &cv);
    /* YYYY-MM-DDTHH:MM:SS[.mmm](Z|+HH:MM), by hand: printf was a visible
     * part of the per-event cost */
    char *p = v->local;
    p = two(p, cv.year / 100);
    p = two(p, cv.year % 100);
    *p++ = '-';
    p = two(p, cv.month);
    *p++ = '-';
    p = two(p, cv.day);
    *p++ = 'T';
    p = two(p, cv.hour);
    *p++ = ':';
    p = two(p, cv.min);
    *p++ = ':';
    p = two(p, cv.sec);
    if (cv.ms) {
        *p++ = '.';
        *p++ = (char)('0' + cv.ms / 100);
        p = two(p, cv.ms % 100);
    }
    if (off == 0) {
        *p++ = 'Z';
    } else {
        int a = off < 0 ? -off : off;
        *p++ = off < 0 ? '-' : '+';
        p = two(p, a / 3600);
        *p++ = ':';
        p = two(p, a / 60 % 60);
    }
    v->local_len = (size_t)(p - v->local);
    v->tz = eng_tz_name(tz);
    v->hour = cv.hour;
    v->weekday = weekdays[cv.wday % 7];
    v->daypart = context_daypart(cv.hour);
    return 0;
}

json_t *context_new(const struct enrich_config *cfg, const json_t *ev,
                    const json_t *profile, eng_time ts, struct strmap *bad)
{
    struct ctxval v;
    json_t *c = json_object();
    if (!c)
        abort();
    if (compute(cfg, ev, profile, ts, bad, &v) < 0)
        return c;
    json_object_set_new(c, "timezone", json_string(v.tz));
    json_object_set_new(c, "local_time", json_stringn(v.local, v.local_len));
    json_object_set_new(c, "hour", json_integer(v.hour));
    json_object_set_new(c, "weekday", json_string(v.weekday));
    json_object_set_new(c, "daypart", json_string(v.daypart));
    return c;
}

void context_write(struct jbuf *b, const struct enrich_config *cfg,
                   const json_t *ev, const json_t *profile, eng_time ts,
                   struct strmap *bad)
{
    struct ctxval v;
    if (compute(cfg, ev, profile, ts, bad, &v) < 0)
        return;
    jbuf_put(b, "\"timezone\":", 11);
    jbuf_string(b, v.tz, strlen(v.tz));
    jbuf_put(b, ",\"local_time\":\"", 15);
    jbuf_put(b, v.local, v.local_len);
    jbuf_put(b, "\",\"hour\":", 9);
    jbuf_int(b, v.hour);
    jbuf_put(b, ",\"weekday\":\"", 12);
    jbuf_put(b, v.weekday, strlen(v.weekday));
    jbuf_put(b, "\",\"daypart\":\"", 13);
    jbuf_put(b, v.daypart, strlen(v.daypart));
    jbuf_put(b, "\"", 1);
}
