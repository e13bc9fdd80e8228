/* policy: control group, quiet hours and frequency caps, each a pure
 * question about one action (emit.c asks them in the documented order).
 *
 * Control group: bucket = XXH3-64(salt "\x1f" customer) mod 10000; the
 * customer is held back when bucket < percent * 100. The same customer and
 * salt give the same answer in every run, on every machine, and changing
 * the salt draws a new group (a new experiment).
 *
 * Quiet hours, in the customer's local time:
 *   tz    = the zone named at quiet_hours.timezone (a path into the action),
 *           else default_timezone (also for an unknown zone name)
 *   local = ts + offset(tz, ts); m = minutes after local midnight
 *   quiet = from <= m < to            when from < to
 *           m >= from || m < to       when the period spans midnight
 *   until = the next local `to` after local, converted back to an instant
 *           with the zone's rules (eng_tz_local_to_utc), so a period that
 *           ends across a DST change ends at the right wall-clock time.
 *
 * Frequency caps: a customer's messages (decided to send) are kept as
 * (ts, channel) records; a cap `max N per D` holds an action back when N
 * records already lie in (ts - D, ts]. The global cap counts every
 * channel, a channel's cap only its own. Event time throughout.
 */
#define XXH_INLINE_ALL
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "policy.h"

#define DAY_MS 86400000LL

int policy_control(const struct emit_config *c, const char *customer)
{
    if (!c->control || !c->control_buckets)
        return 0;
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    XXH3_64bits_update(&st, c->control_salt, strlen(c->control_salt));
    XXH3_64bits_update(&st, "\x1f", 1);
    XXH3_64bits_update(&st, customer, strlen(customer));
    return XXH3_64bits_digest(&st) % 10000 < c->control_buckets;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int policy_quiet(const struct emit_quiet *q, const json_t *act, eng_time ts,
                 eng_time *until)
{
    if (!q->set)
        return 0;
    const struct eng_tz *tz = q->deftz;
    if (q->tz_path) {
        struct eng_tmpl_scope sc = {"action", act, NULL, NULL, 0};
        const json_t *v = eng_template_lookup(q->tz_path, &sc);
        const struct eng_tz *z;
        if (json_is_string(v) && (z = eng_tz_get(json_string_value(v), NULL)))
            tz = z;
    }
    eng_time local = ts + (eng_time)eng_tz_offset_at(tz, ts) * 1000;
    int64_t day = floordiv(local, DAY_MS);
    int m = (int)((local - day * DAY_MS) / 60000);
    int quiet = q->from_min < q->to_min
                    ? (m >= q->from_min && m < q->to_min)
                    : (m >= q->from_min || m < q->to_min);
    if (!quiet)
        return 0;
    int64_t endday = (q->from_min > q->to_min && m >= q->from_min) ? day + 1 : day;
    eng_time end_local = endday * DAY_MS + (int64_t)q->to_min * 60000;
    eng_time u = eng_tz_local_to_utc(tz, end_local);
    *until = u > ts ? u : ts + 1;
    return 1;
}

static long long count_in(const struct cust *cu, int ch, eng_time from,
                          eng_time to)
{
    long long n = 0;
    for (size_t i = 0; i < cu->nsent; i++)
        if (cu->sent[i].ts > from && cu->sent[i].ts <= to &&
            (ch < 0 || cu->sent[i].ch == ch))
            n++;
    return n;
}

const char *policy_caps(const struct emit_config *c, const struct cust *cu,
                        const struct emit_channel *ch, eng_time ts)
{
    if (c->freq.set && count_in(cu, -1, ts - c->freq.per, ts) >= c->freq.max)
        return "global";
    if (ch->freq.set && count_in(cu, ch->idx, ts - ch->freq.per, ts) >= ch->freq.max)
        return "channel";
    return NULL;
}

void policy_caps_add(struct cust *cu, int ch, eng_time ts)
{
    if (cu->nsent == cu->capsent) {
        cu->capsent = cu->capsent ? 2 * cu->capsent : 4;
        if (!(cu->sent = realloc(cu->sent, cu->capsent * sizeof *cu->sent)))
            abort();
    }
    cu->sent[cu->nsent].ts = ts;
    cu->sent[cu->nsent].ch = ch;
    cu->nsent++;
}

void policy_caps_remove(struct cust *cu, int ch, eng_time ts)
{
    for (size_t i = cu->nsent; i-- > 0;)
        if (cu->sent[i].ts == ts && cu->sent[i].ch == ch) {
            memmove(&cu->sent[i], &cu->sent[i + 1],
                    (cu->nsent - i - 1) * sizeof *cu->sent);
            cu->nsent--;
            return;
        }
}

void policy_caps_prune(const struct emit_config *c, struct cust *cu,
                       eng_time wm)
{
    int64_t longest = c->freq.set ? c->freq.per : 0;
    for (size_t i = 0; i < c->nch; i++)
        if (c->ch[i].freq.set && c->ch[i].freq.per > longest)
            longest = c->ch[i].freq.per;
    size_t k = 0;
    for (size_t i = 0; i < cu->nsent; i++)
        if (cu->sent[i].ts > wm - longest)
            cu->sent[k++] = cu->sent[i];
    cu->nsent = k;
}
