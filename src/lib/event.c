/* event: ids, partitions and the common-field checks of the event model
 * (EVENT-MODEL.md, "The common fields").
 *
 * Id: XXH3-64 (seed 0) over the bytes
 *     source '\0' decimal(line) '\0' raw
 * printed as 16 lower-case hex digits. The two NULs keep the parts apart
 * ("a" line 12 and "a1" line 2 hash different bytes). Short inputs (the
 * common case) are hashed in one call over a stack buffer; longer ones with
 * the streaming state; XXH3 gives the same digest either way.
 *
 * Normal ts form, checked byte by byte because it runs once per event:
 *     YYYY-MM-DDTHH:MM:SSZ          (20 bytes)
 *     YYYY-MM-DDTHH:MM:SS.mmmZ      (24 bytes, mmm != "000")
 * with month 01-12, day valid for the month (Gregorian leap years), hour
 * 00-23, minute and second 00-59. Anything else (lower-case 'z', an offset,
 * ".000", more or fewer fraction digits) is not normal.
 */
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack, no malloc */
#include "event.h"

#include <string.h>

#include <xxhash.h>

#define ID_STACK_BUF 1024

/* Writes line in decimal into buf (at least 21 bytes); returns the length. */
static size_t put_decimal(char *buf, unsigned long line)
{
    char tmp[24];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + line % 10);
        line /= 10;
    } while (line);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

void eng_event_make_id(const char *source, unsigned long line, const char *raw,
                       size_t raw_len, char out[ENG_EVENT_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    char num[24];
    size_t src_len = source ? strlen(source) : 0;
    size_t num_len = put_decimal(num, line);
    size_t total;
    XXH64_hash_t h;

    if (!raw)
        raw_len = 0;
    total = src_len + 1 + num_len + 1 + raw_len;
    /* the first two tests keep the sum from wrapping around */
    if (src_len < ID_STACK_BUF && raw_len < ID_STACK_BUF &&
        total <= ID_STACK_BUF) {
        char buf[ID_STACK_BUF];
        char *p = buf;
        memcpy(p, source ? source : "", src_len);
        p += src_len;
        *p++ = '\0';
        memcpy(p, num, num_len);
        p += num_len;
        *p++ = '\0';
        if (raw_len)
            memcpy(p, raw, raw_len);
        h = XXH3_64bits(buf, total);
    } else {
        XXH3_state_t st;
        XXH3_INITSTATE(&st);
        XXH3_64bits_reset(&st);
        XXH3_64bits_update(&st, source ? source : "", src_len);
        XXH3_64bits_update(&st, "", 1);
        XXH3_64bits_update(&st, num, num_len);
        XXH3_64bits_update(&st, "", 1);
        XXH3_64bits_update(&st, raw, raw_len);
        h = XXH3_64bits_digest(&st);
    }
    for (int i = ENG_EVENT_ID_LEN - 1; i >= 0; i--) {
        out[i] = hex[h & 15];
        h >>= 4;
    }
    out[ENG_EVENT_ID_LEN] = '\0';
}

unsigned eng_event_partition(const char *key, size_t len, unsigned n)
{
    if (n <= 1)
        return 0;
    return (unsigned)(XXH3_64bits(key, len) % n);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int days_in_month(int y, int m)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31 };
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int eng_event_ts_is_normal(const char *s, size_t len)
{
    int y, mo, d, h, mi, sec, ms;

    if (!s || (len != 20 && len != 24))
        return 0;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':' || s[len - 1] != 'Z')
        return 0;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
        !digits(s + 17, 2, &sec))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return 0;
    if (len == 24) {
        /* milliseconds appear only when they are not zero */
        if (s[19] != '.' || !digits(s + 20, 3, &ms) || ms == 0)
            return 0;
    }
    return 1;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:  return "an object";
    case JSON_ARRAY:   return "an array";
    case JSON_STRING:  return "a string";
    case JSON_INTEGER:
    case JSON_REAL:    return "a number";
    case JSON_TRUE:
    case JSON_FALSE:   return "a boolean";
    default:           return "null";
    }
}

int eng_event_check_common(const json_t *ev, struct eng_error *err)
{
    static const char *const string_fields[] = { "id", "customer", "channel",
                                                 "type", "text" };
    const json_t *v;

    if (!json_is_object(ev)) {
        eng_error_set(err, "event: expected an object, got %s",
                      ev ? type_name(ev) : "nothing");
        return -1;
    }
    for (size_t i = 0; i < sizeof string_fields / sizeof string_fields[0];
         i++) {
        v = json_object_get(ev, string_fields[i]);
        if (v && !json_is_string(v)) {
            eng_error_set(err, "%s: expected a string, got %s",
                          string_fields[i], type_name(v));
            return -1;
        }
    }
    v = json_object_get(ev, "ts");
    if (v) {
        if (!json_is_string(v)) {
            eng_error_set(err, "ts: expected a string, got %s", type_name(v));
            return -1;
        }
        if (!eng_event_ts_is_normal(json_string_value(v),
                                    json_string_length(v))) {
            /* the value is quoted, cut so a huge one cannot flood the
             * message (printf stops at an embedded NUL anyway) */
            eng_error_set(err, "ts: not in normal form '%.64s%s'",
                          json_string_value(v),
                          json_string_length(v) > 64 ? "..." : "");
            return -1;
        }
    }
    v = json_object_get(ev, "source");
    if (v && !json_is_object(v)) {
        eng_error_set(err, "source: expected an object, got %s", type_name(v));
        return -1;
    }
    return 0;
}
