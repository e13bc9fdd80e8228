/* timeutil: event time. Parsing every time format sources use, time zones,
 * durations, and the one output form.
 *
 * Time is an int64 count of milliseconds since 1970-01-01T00:00:00Z (UTC,
 * leap seconds ignored, as POSIX). Finer input fractions are truncated toward
 * negative infinity to the millisecond. The output form is RFC 3339 in UTC:
 * "2024-07-04T18:03:11Z", or "2024-07-04T18:03:11.250Z" when the
 * milliseconds are not zero.
 *
 * Zones: IANA names are read from the system's TZif files
 * (/usr/share/zoneinfo, or $TZDIR), compiled once and cached by name; no
 * global TZ/setenv/mktime. For a zone-less local time in a named zone:
 *   - a time in a DST gap (spring forward, 02:30 that never happened) is read
 *     with the offset in force before the gap, so it lands after the gap
 *     (02:30 EST -> 03:30 EDT), as Python's zoneinfo with fold=0 and java.time;
 *   - a time in an overlap (fall back, 01:30 happened twice) is the earlier
 *     of the two instants (the first occurrence).
 * Every parser rejects instants outside years 0000..9999, the range
 * eng_time_format can write. A leap second ":60" reads as the next
 * minute's ":00" (POSIX time has no leap seconds).
 */
#ifndef ENG_TIMEUTIL_H
#define ENG_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef int64_t eng_time; /* ms since the epoch, UTC */

#define ENG_TIME_BUFSZ 32

/* Parses RFC 3339 / ISO 8601 date-time: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)",
 * also accepting a space or lower-case 't' for T, 'z', "±HHMM" and "±HH".
 * A time without offset is an error here (see eng_time_parse_local).
 * Returns 0 or -1. */
int eng_time_parse_rfc3339(const char *s, size_t len, eng_time *out);

enum eng_epoch_unit { ENG_EPOCH_S, ENG_EPOCH_MS, ENG_EPOCH_US, ENG_EPOCH_AUTO };
/* Parses an epoch number ("1720116191", "1720116191.25", "-5") in the unit
 * given; AUTO picks by magnitude (|v| < 1e11 s, < 1e14 ms, else us).
 * An exponent ("1.72e9") is accepted; digits are read exactly, no float.
 * Returns 0 or -1. */
int eng_time_parse_epoch(const char *s, size_t len, enum eng_epoch_unit unit,
                         eng_time *out);

struct eng_tz;
/* Returns the zone for an IANA name ("America/New_York", "UTC"), loaded once
 * and cached for the life of the process (owned by the cache, never free it).
 * NULL when unknown (err says so). Not thread-safe. "UTC", "Etc/UTC", "Z",
 * "GMT", "Etc/GMT" are built in; names with a leading '/' or a component
 * starting with '.' ("..") are rejected. */
const struct eng_tz *eng_tz_get(const char *name, struct eng_error *err);
/* Returns the zone's name (owned by the zone). */
const char *eng_tz_name(const struct eng_tz *tz);
/* Returns the UTC offset in seconds in force at instant t in zone tz. */
int eng_tz_offset_at(const struct eng_tz *tz, eng_time t);
/* Converts a local wall-clock time (ms since the epoch as if local were UTC)
 * to an instant, with the gap/overlap rules above. */
eng_time eng_tz_local_to_utc(const struct eng_tz *tz, eng_time local);

/* Parses s with a strptime-style format: %Y %m %d %H %M %S %f (fraction,
 * 1-9 digits) %z (±HHMM, ±HH:MM, Z) %Z (UTC/GMT/Z only) %b %B (English month
 * names) %a %A (English day names, checked nowhere) %p %I %j %e %y %T %D %F
 * %s (epoch seconds) %% and literal characters; blanks in the format match
 * any run of blanks. Without %z/%s the time is local to tz (NULL: UTC).
 * The whole input must be consumed. Fields the format leaves out default to
 * 1970-01-01 00:00:00; %p only applies to %I. Returns 0 or -1 (err says
 * what did not match and where). */
int eng_time_parse_format(const char *s, size_t len, const char *fmt,
                          const struct eng_tz *tz, eng_time *out,
                          struct eng_error *err);

/* Parses a zone-less "YYYY-MM-DD[ T]HH:MM[:SS[.frac]]" or "YYYY-MM-DD" as
 * local time in tz (NULL: UTC). Returns 0 or -1. */
int eng_time_parse_local(const char *s, size_t len, const struct eng_tz *tz,
                         eng_time *out);

/* Parses any form eng accepts without a format: RFC 3339 with offset;
 * zone-less date-times and dates (local to tz, NULL: UTC); epoch numbers
 * (unit by magnitude). Blanks around s are ignored. Returns 0 or -1. */
int eng_time_parse_any(const char *s, size_t len, const struct eng_tz *tz,
                       eng_time *out);

/* Writes t in the output form into buf (ENG_TIME_BUFSZ bytes), NUL
 * terminated. Returns the length. Years 0000..9999 only; outside, returns 0
 * and buf is "". */
size_t eng_time_format(eng_time t, char *buf);

/* Splits t into UTC (or local, after adding an offset) calendar fields. */
struct eng_civil {
    int year, month, day, hour, min, sec, ms;
    int wday; /* 0 = Sunday */
    int yday; /* 0-based */
};
void eng_time_to_civil(eng_time t, struct eng_civil *c);
/* Returns the instant of the civil time read as UTC; fields may be out of
 * range and are normalised (month 13 = January next year). */
eng_time eng_time_from_civil(const struct eng_civil *c);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12,
 * d 1..31; any year), and back: H. Hinnant's days_from_civil and
 * civil_from_days ("chrono-Compatible Low-Level Date Algorithms"), exact for
 * negative days too. For callers that keep their own time units (expr's
 * nanosecond timestamps). */
int64_t eng_days_from_civil(int64_t y, unsigned m, unsigned d);
void eng_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses a duration: a number (integer or decimal) followed by a unit
 * ms s m h d w, optionally several ("1h30m"): "45s" "30m" "1h" "7d" "1.5h".
 * Returns 0 or -1; *out in ms. Negative durations are an error. */
int eng_duration_parse(const char *s, size_t len, int64_t *out);
/* The same, but a fraction that does not come to whole milliseconds
 * ("0.0005s") is an error instead of truncating: the rule language's form. */
int eng_duration_parse_exact(const char *s, size_t len, int64_t *out);
/* Writes a duration in the shortest exact form ("90m" -> "1h30m", "0s").
 * Returns the length. buf has ENG_TIME_BUFSZ bytes. */
size_t eng_duration_format(int64_t ms, char *buf);

#endif
