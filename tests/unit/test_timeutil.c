/* test_timeutil: RFC 3339, epoch, strptime-style formats, zones (system
 * TZif files and hand-built ones for the footer rule and hostile files),
 * civil conversion, output form and durations.
 *
 * The process TZ is set to Asia/Tokyo first: nothing here may depend on it.
 */
#include "tap.h"
#include "timeutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char out_buf[8][ENG_TIME_BUFSZ + 8];
static int out_i;

/* Formats t into a rotating buffer so several can appear in one is_str. */
static const char *fmt(eng_time t)
{
    char *b = out_buf[out_i++ % 8];
    eng_time_format(t, b);
    return b;
}

static const char *rfc(const char *s)
{
    eng_time t;
    if (eng_time_parse_rfc3339(s, strlen(s), &t) < 0)
        return "ERR";
    return fmt(t);
}

static const char *epoch(const char *s, enum eng_epoch_unit u)
{
    eng_time t;
    if (eng_time_parse_epoch(s, strlen(s), u, &t) < 0)
        return "ERR";
    return fmt(t);
}

static long long epoch_ms(const char *s, enum eng_epoch_unit u)
{
    eng_time t;
    if (eng_time_parse_epoch(s, strlen(s), u, &t) < 0)
        return -999999999;
    return t;
}

static const struct eng_tz *zone(const char *name)
{
    struct eng_error err;
    const struct eng_tz *tz = eng_tz_get(name, &err);
    if (!tz)
        printf("# zone %s: %s\n", name, err.msg);
    return tz;
}

static const char *local(const char *s, const char *zname)
{
    eng_time t;
    const struct eng_tz *tz = zname ? zone(zname) : NULL;
    if (zname && !tz)
        return "NOZONE";
    if (eng_time_parse_local(s, strlen(s), tz, &t) < 0)
        return "ERR";
    return fmt(t);
}

static const char *any(const char *s, const char *zname)
{
    eng_time t;
    const struct eng_tz *tz = zname ? zone(zname) : NULL;
    if (eng_time_parse_any(s, strlen(s), tz, &t) < 0)
        return "ERR";
    return fmt(t);
}

static struct eng_error perr;

/* Parses with a format; returns the time or "ERR: message". */
static const char *pf(const char *s, const char *f, const char *zname)
{
    static char msg[8][ENG_ERROR_MAX + 8];
    static int mi;
    eng_time t;
    const struct eng_tz *tz = zname ? zone(zname) : NULL;
    eng_error_clear(&perr);
    if (eng_time_parse_format(s, strlen(s), f, tz, &t, &perr) < 0) {
        char *m = msg[mi++ % 8];
        snprintf(m, ENG_ERROR_MAX + 8, "ERR: %s", perr.msg);
        return m;
    }
    return fmt(t);
}

/* Local wall time "YYYY-MM-DD HH:MM" in zone -> UTC output form. */
static const char *l2u(const char *zname, const char *s)
{
    return local(s, zname);
}

/* Offset in seconds at an RFC 3339 instant. */
static int off_at(const char *zname, const char *instant)
{
    const struct eng_tz *tz = zone(zname);
    eng_time t = 0;
    if (!tz || eng_time_parse_rfc3339(instant, strlen(instant), &t) < 0)
        return -999999;
    return eng_tz_offset_at(tz, t);
}

static long long dur(const char *s)
{
    int64_t v;
    if (eng_duration_parse(s, strlen(s), &v) < 0)
        return -1;
    return v;
}

static long long dur_exact(const char *s)
{
    int64_t v;
    if (eng_duration_parse_exact(s, strlen(s), &v) < 0)
        return -1;
    return v;
}

static const char *durfmt(int64_t ms)
{
    char *b = out_buf[out_i++ % 8];
    eng_duration_format(ms, b);
    return b;
}

/* ---- hand-built TZif files --------------------------------------------- */

static char tzdir[64];

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
    put32(f, (uint32_t)((uint64_t)v >> 32));
    put32(f, (uint32_t)v);
}

static void header(FILE *f, char version, uint32_t timecnt, uint32_t typecnt,
                   uint32_t charcnt)
{
    static const unsigned char zero[15];
    fwrite("TZif", 1, 4, f);
    fputc(version, f);
    fwrite(zero, 1, 15, f);
    put32(f, 0); /* isutcnt */
    put32(f, 0); /* isstdcnt */
    put32(f, 0); /* leapcnt */
    put32(f, timecnt);
    put32(f, typecnt);
    put32(f, charcnt);
}

/* Writes TZDIR/name: version '\0' (v1, 32-bit data only) or '2' (an empty
 * v1 block, the 64-bit block and the footer). */
static void write_tzif(const char *name, char version, int ntrans,
                       const int64_t *trans, const unsigned char *idx,
                       int ntypes, const int32_t *offs, const char *footer)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tzdir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    if (version == '\0') {
        header(f, version, (uint32_t)ntrans, (uint32_t)ntypes, 4);
        for (int i = 0; i < ntrans; i++)
            put32(f, (uint32_t)(int32_t)trans[i]);
    } else {
        header(f, version, 0, 1, 4); /* minimal v1 block: one UTC type */
        put32(f, 0);
        fputc(0, f);
        fputc(0, f);
        fwrite("UTC", 1, 4, f);
        header(f, version, (uint32_t)ntrans, (uint32_t)ntypes, 4);
        for (int i = 0; i < ntrans; i++)
            put64(f, trans[i]);
    }
    if (ntrans)
        fwrite(idx, 1, (size_t)ntrans, f);
    for (int i = 0; i < ntypes; i++) {
        put32(f, (uint32_t)offs[i]);
        fputc(0, f);
        fputc(0, f);
    }
    fwrite("XXX", 1, 4, f);
    if (version != '\0')
        fprintf(f, "\n%s\n", footer ? footer : "");
    fclose(f);
}

static void write_raw(const char *name, const void *data, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tzdir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, n, f);
        fclose(f);
    }
}

static int off_in(const char *name, const char *instant)
{
    return off_at(name, instant);
}

static void test_custom_zones(void)
{
    char tmpl[] = "/tmp/test_timeutil.XXXXXX";
    char path[256];
    if (!mkdtemp(tmpl)) {
        ok(0, "mkdtemp for hand-built zones");
        return;
    }
    snprintf(tzdir, sizeof tzdir, "%s", tmpl);
    snprintf(path, sizeof path, "%s/T", tzdir);
    mkdir(path, 0700);
    setenv("TZDIR", tzdir, 1);

    static const int32_t us[] = {-18000};
    static const int32_t two[] = {3600, 7200};
    static const unsigned char i1[] = {1}, i10[] = {1, 0}, bad_idx[] = {5};
    static const int64_t t0[] = {0}, t01[] = {0, 1000000}, desc[] = {5, 1};

    write_tzif("T/US", '2', 0, NULL, NULL, 1, us, "EST5EDT,M3.2.0,M11.1.0");
    is_int(off_in("T/US", "2024-03-10T06:59:59Z"), -18000,
           "footer M-rule: EST until 2024-03-10 02:00 local");
    is_int(off_in("T/US", "2024-03-10T07:00:00Z"), -14400,
           "footer M-rule: EDT from 2024-03-10 07:00Z");
    is_int(off_in("T/US", "2024-11-03T05:59:59Z"), -14400,
           "footer M-rule: EDT until 2024-11-03 02:00 EDT");
    is_int(off_in("T/US", "2024-11-03T06:00:00Z"), -18000,
           "footer M-rule: EST from 2024-11-03 06:00Z");
    is_int(off_in("T/US", "1900-07-01T00:00:00Z"), -14400,
           "footer rule applies to all times when there are no transitions");

    write_tzif("T/South", '2', 0, NULL, NULL, 1, (const int32_t[]){37800},
               "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    is_int(off_in("T/South", "2024-10-05T15:29:59Z"), 37800,
           "southern footer: +10:30 until first Sunday of October");
    is_int(off_in("T/South", "2024-10-05T15:30:00Z"), 39600,
           "southern footer: +11 from 2024-10-06 02:00 local");
    is_int(off_in("T/South", "2024-12-31T14:00:00Z"), 39600,
           "southern footer: DST across New Year");
    is_int(off_in("T/South", "2024-04-06T14:59:59Z"), 39600,
           "southern footer: +11 until 2024-04-07 02:00 DST");
    is_int(off_in("T/South", "2024-04-06T15:00:00Z"), 37800,
           "southern footer: back to +10:30");

    write_tzif("T/J", '2', 0, NULL, NULL, 1, (const int32_t[]){10800},
               "XXX-3YYY,J60/0,J300/0");
    is_int(off_in("T/J", "2024-02-29T20:59:59Z"), 10800,
           "Jn never counts Feb 29: J60 is March 1 in a leap year");
    is_int(off_in("T/J", "2024-02-29T21:00:00Z"), 14400,
           "Jn: DST from 2024-03-01 00:00 local");
    write_tzif("T/N", '2', 0, NULL, NULL, 1, (const int32_t[]){10800},
               "XXX-3YYY,59/0,300/0");
    is_int(off_in("T/N", "2024-02-28T20:59:59Z"), 10800,
           "zero-based n counts Feb 29: 59 is Feb 29 in a leap year");
    is_int(off_in("T/N", "2024-02-28T21:00:00Z"), 14400,
           "n: DST from 2024-02-29 00:00 local");
    is_int(off_in("T/N", "2023-02-28T21:00:00Z"), 14400,
           "n: 59 is March 1 in a common year");
    is_int(off_in("T/N", "2023-02-28T20:59:59Z"), 10800,
           "n: not before March 1 in a common year");

    write_tzif("T/Perm", '2', 0, NULL, NULL, 1, us, "EST5EDT,0/0,J365/25");
    is_int(off_in("T/Perm", "2050-01-01T00:30:00Z"), -14400,
           "permanent DST (v3 footer 0/0,J365/25): New Year");
    is_int(off_in("T/Perm", "2050-07-01T00:00:00Z"), -14400,
           "permanent DST: summer");
    is_int(off_in("T/Perm", "2050-12-31T23:30:00Z"), -14400,
           "permanent DST: year end");

    write_tzif("T/Neg", '2', 0, NULL, NULL, 1, (const int32_t[]){-7200},
               "<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    is_int(off_in("T/Neg", "2030-03-31T00:59:59Z"), -7200,
           "negative rule time (/-1): before the change");
    is_int(off_in("T/Neg", "2030-03-31T01:00:00Z"), -3600,
           "negative rule time: change at Saturday 23:00 local");
    is_int(off_in("T/Neg", "2030-10-27T00:59:59Z"), -3600,
           "M10.5.0 is the last Sunday: still DST");
    is_int(off_in("T/Neg", "2030-10-27T01:00:00Z"), -7200,
           "M10.5.0: standard time from 00:00 DST local");

    write_tzif("T/Fixed", '2', 0, NULL, NULL, 1, (const int32_t[]){19800},
               "<+0530>-5:30");
    is_int(off_in("T/Fixed", "2200-01-01T00:00:00Z"), 19800,
           "footer with only std: fixed +05:30");

    write_tzif("T/Mixed", '2', 1, t0, i1, 2, (const int32_t[]){3600, -18000},
               "EST5EDT,M3.2.0,M11.1.0");
    is_int(off_in("T/Mixed", "1969-12-31T23:59:59Z"), 3600,
           "before the first transition: type 0");
    is_int(off_in("T/Mixed", "1970-07-01T00:00:00Z"), -14400,
           "after the last transition: the footer rule");

    write_tzif("T/BadFooter", '2', 1, t0, i1, 2, two, "garbage,,,");
    is_int(off_in("T/BadFooter", "2100-07-01T00:00:00Z"), 7200,
           "an unparsable footer is ignored: last transition holds");

    write_tzif("T/V1", '\0', 2, t01, i10, 2, two, NULL);
    is_int(off_in("T/V1", "1969-12-31T23:59:59Z"), 3600,
           "v1 file: type 0 before the first transition");
    is_int(off_in("T/V1", "1970-01-01T00:00:00Z"), 7200,
           "v1 file: 32-bit transition at 0");
    is_int(off_in("T/V1", "1970-01-12T13:46:40Z"), 3600,
           "v1 file: second transition at 1000000");

    struct eng_error err;
    write_tzif("T/BadIdx", '2', 1, t0, bad_idx, 2, two, "");
    ok(!eng_tz_get("T/BadIdx", &err) && strstr(err.msg, "not a valid TZif"),
       "hostile TZif: type index out of range is rejected");
    write_tzif("T/Desc", '2', 2, desc, i10, 2, two, "");
    ok(!eng_tz_get("T/Desc", &err), "hostile TZif: descending transitions rejected");
    write_raw("T/Garbage", "hello world, not a zone", 23);
    ok(!eng_tz_get("T/Garbage", &err) && strstr(err.msg, "not a valid TZif"),
       "garbage file is not a zone");
    write_raw("T/Empty", "", 0);
    ok(!eng_tz_get("T/Empty", &err), "empty file is not a zone");
    {
        unsigned char h[44] = "TZif2";
        memset(h + 32, 0xff, 12); /* timecnt, typecnt, charcnt = 4G */
        write_raw("T/Huge", h, sizeof h);
        ok(!eng_tz_get("T/Huge", &err), "header with 4G counts: rejected, no huge read");
    }
    {
        FILE *f = fopen("/usr/share/zoneinfo/America/New_York", "rb");
        unsigned char b[600];
        size_t n = f ? fread(b, 1, sizeof b, f) : 0;
        if (f)
            fclose(f);
        write_raw("T/Trunc", b, n > 600 ? 600 : n);
        ok(!eng_tz_get("T/Trunc", &err), "truncated real TZif file rejected");
    }
    snprintf(path, sizeof path, "%s/T/Fifo", tzdir);
    if (mkfifo(path, 0600) == 0) {
        ok(!eng_tz_get("T/Fifo", &err) && strstr(err.msg, "unknown time zone"),
           "a FIFO named as a zone: unknown, no hang");
        unlink(path);
    }
    ok(!eng_tz_get("T", &err), "a directory is not a zone");

    setenv("TZDIR", "/nonexistent-tzdir", 1);
    ok(zone("UTC") && zone("Etc/UTC") && zone("Z"),
       "UTC, Etc/UTC, Z are built in (no zoneinfo files needed)");
    is_str(eng_tz_name(zone("Etc/UTC")), "Etc/UTC", "built-in zone keeps its name");
    ok(!eng_tz_get("Europe/Paris", &err), "no zoneinfo: Europe/Paris is unknown");
    is_str(err.msg, "unknown time zone 'Europe/Paris'", "unknown zone message");
    unsetenv("TZDIR");
    is_str(l2u("T/US", "2024-07-04 12:00"), "2024-07-04T16:00:00Z",
           "cached zone is kept after TZDIR changes");

    const char *names[] = {"US", "South", "J", "N", "Perm", "Neg", "Fixed",
                           "Mixed", "BadFooter", "V1", "BadIdx", "Desc",
                           "Garbage", "Empty", "Huge", "Trunc"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/T/%s", tzdir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/T", tzdir);
    rmdir(path);
    rmdir(tzdir);
}

/* ---- tests ------------------------------------------------------------- */

static void test_rfc3339(void)
{
    is_str(rfc("2024-07-04T18:03:11Z"), "2024-07-04T18:03:11Z", "Z");
    is_str(rfc("2024-07-04T23:33:11+05:30"), "2024-07-04T18:03:11Z", "+05:30");
    is_str(rfc("2024-07-04T10:03:11-08:00"), "2024-07-04T18:03:11Z", "-08:00");
    is_str(rfc("2024-07-04T18:03:11+0000"), "2024-07-04T18:03:11Z", "+0000");
    is_str(rfc("2024-07-04T20:03:11+02"), "2024-07-04T18:03:11Z", "+HH");
    is_str(rfc("2024-07-04T18:03:11-00:00"), "2024-07-04T18:03:11Z", "-00:00");
    is_str(rfc("2024-07-04 18:03:11z"), "2024-07-04T18:03:11Z", "space and z");
    is_str(rfc("2024-07-04t18:03:11Z"), "2024-07-04T18:03:11Z", "lower-case t");
    is_str(rfc("2024-07-04T18:03:11.1Z"), "2024-07-04T18:03:11.100Z", ".1");
    is_str(rfc("2024-07-04T18:03:11.25Z"), "2024-07-04T18:03:11.250Z", ".25");
    is_str(rfc("2024-07-04T18:03:11.123456789Z"), "2024-07-04T18:03:11.123Z",
           ".123456789 truncates");
    is_str(rfc("2024-07-04T18:03:11.999999999999999999999Z"),
           "2024-07-04T18:03:11.999Z", "21 fraction digits truncate");
    is_str(rfc("2024-07-04T18:03:11.000Z"), "2024-07-04T18:03:11Z",
           "zero ms are not written");
    is_str(rfc("1969-12-31T23:59:59.5Z"), "1969-12-31T23:59:59.500Z",
           "negative time with fraction");
    {
        eng_time t = 0;
        eng_time_parse_rfc3339("1969-12-31T23:59:59.9999Z", 25, &t);
        is_int(t, -1, "negative time: truncation toward -inf (-0.1 ms -> -1)");
        eng_time_parse_rfc3339("1970-01-01T00:59:59.9999+01:00", 30, &t);
        is_int(t, -1, "truncation toward -inf with an offset");
        eng_time_parse_rfc3339("1969-12-31T23:59:59.5Z", 22, &t);
        is_int(t, -500, "1969-12-31T23:59:59.5Z is -500 ms");
    }
    is_str(rfc("2024-02-29T12:00:00Z"), "2024-02-29T12:00:00Z", "leap day 2024");
    is_str(rfc("2000-02-29T12:00:00Z"), "2000-02-29T12:00:00Z", "leap day 2000");
    is_str(rfc("1900-02-29T12:00:00Z"), "ERR", "1900 is not a leap year");
    is_str(rfc("2015-02-31T00:00:00Z"), "ERR", "2015-02-31 invalid");
    is_str(rfc("2023-02-29T00:00:00Z"), "ERR", "2023-02-29 invalid");
    is_str(rfc("2024-04-31T00:00:00Z"), "ERR", "April 31 invalid");
    is_str(rfc("2024-07-04T24:00:00Z"), "ERR", "24:00 invalid");
    is_str(rfc("2024-13-01T00:00:00Z"), "ERR", "month 13 invalid");
    is_str(rfc("2024-00-10T00:00:00Z"), "ERR", "month 0 invalid");
    is_str(rfc("2024-07-00T00:00:00Z"), "ERR", "day 0 invalid");
    is_str(rfc("2024-07-04T18:60:00Z"), "ERR", "minute 60 invalid");
    is_str(rfc("2024-07-04T18:03:61Z"), "ERR", "second 61 invalid");
    is_str(rfc("2016-12-31T23:59:60Z"), "2017-01-01T00:00:00Z",
           "leap second :60 reads as the next minute's :00");
    is_str(rfc("2024-07-04T18:03:11"), "ERR", "no offset is an error here");
    is_str(rfc("2024-07-04T18:03:11+24:00"), "ERR", "offset +24:00 invalid");
    is_str(rfc("2024-07-04T18:03:11+05:60"), "ERR", "offset minutes 60 invalid");
    is_str(rfc("2024-07-04T18:03:11+23:59"), "2024-07-03T18:04:11Z",
           "offset +23:59 is the maximum");
    is_str(rfc("2024-07-04T18:03:11.Z"), "ERR", "dot without digits");
    is_str(rfc("2024-07-04T18:03Z"), "ERR", "seconds are required");
    is_str(rfc("2024-07-04T18:03:11Zx"), "ERR", "trailing junk after Z");
    is_str(rfc("2024-07-04T18:03:11+05:30x"), "ERR", "trailing junk after offset");
    is_str(rfc("2024-07-04T18:03:11+5:30"), "ERR", "one-digit offset hour");
    is_str(rfc("2024-7-04T18:03:11Z"), "ERR", "one-digit month");
    is_str(rfc("2024-07-04X18:03:11Z"), "ERR", "bad separator");
    is_str(rfc("+2024-07-04T18:03:11Z"), "ERR", "signed year");
    is_str(rfc(""), "ERR", "empty");
    is_str(rfc("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00Z", "year 0000");
    is_str(rfc("0000-01-01T00:00:00+00:01"), "ERR", "before year 0000: rejected");
    is_str(rfc("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59.999Z",
           "last representable instant");
    is_str(rfc("9999-12-31T23:59:59-00:01"), "ERR", "after year 9999: rejected");
    {
        eng_time t = 7;
        int r = eng_time_parse_rfc3339("2024-07-04T18:03:11\0Z", 21, &t);
        ok(r == -1 && t == 7, "embedded NUL rejected, out untouched");
        r = eng_time_parse_rfc3339("2024-07-04T18:03:11Z", 19, &t);
        is_int(r, -1, "length excludes the Z: no offset, error");
    }
}

static void test_epoch(void)
{
    is_str(epoch("1720116191", ENG_EPOCH_AUTO), "2024-07-04T18:03:11Z", "auto: seconds");
    is_str(epoch("1720116191.25", ENG_EPOCH_AUTO), "2024-07-04T18:03:11.250Z",
           "auto: decimal seconds");
    is_str(epoch("1720116191250", ENG_EPOCH_AUTO), "2024-07-04T18:03:11.250Z",
           "auto: milliseconds");
    is_str(epoch("1720116191250999", ENG_EPOCH_AUTO), "2024-07-04T18:03:11.250Z",
           "auto: microseconds, truncated");
    is_int(epoch_ms("99999999999", ENG_EPOCH_AUTO), 99999999999000LL,
           "auto: 1e11-1 is still seconds");
    is_int(epoch_ms("100000000000", ENG_EPOCH_AUTO), 100000000000LL,
           "auto: 1e11 is milliseconds");
    is_int(epoch_ms("100000000000000", ENG_EPOCH_AUTO), 100000000000LL,
           "auto: 1e14 is microseconds");
    is_int(epoch_ms("-5", ENG_EPOCH_S), -5000, "negative seconds");
    is_int(epoch_ms("-1.5", ENG_EPOCH_S), -1500, "negative decimal seconds");
    is_int(epoch_ms("-0.0005", ENG_EPOCH_S), -1, "negative fraction floors to -1 ms");
    is_int(epoch_ms("0.0009", ENG_EPOCH_S), 0, "positive fraction truncates to 0");
    is_int(epoch_ms("-0", ENG_EPOCH_S), 0, "-0 is 0");
    is_int(epoch_ms("+7", ENG_EPOCH_S), 7000, "explicit + sign");
    is_int(epoch_ms("1500", ENG_EPOCH_US), 1, "microseconds truncate");
    is_int(epoch_ms("-1500", ENG_EPOCH_US), -2, "negative microseconds floor");
    is_int(epoch_ms("1720116191250", ENG_EPOCH_MS), 1720116191250LL, "ms unit");
    is_int(epoch_ms("12.7", ENG_EPOCH_MS), 12, "fractional ms truncate");
    is_int(epoch_ms("1.72e9", ENG_EPOCH_S), 1720000000000LL, "exponent");
    is_int(epoch_ms("1720116191250E-3", ENG_EPOCH_AUTO), 1720116191250LL,
           "negative exponent, auto");
    is_int(epoch_ms("0.000e99999999", ENG_EPOCH_S), 0, "zero with a huge exponent");
    is_str(epoch("1e400", ENG_EPOCH_S), "ERR", "huge exponent overflows");
    is_str(epoch("99999999999999999999", ENG_EPOCH_MS), "ERR", "overflow rejected");
    is_str(epoch("253402300800", ENG_EPOCH_S), "ERR", "year 10000 rejected");
    is_str(epoch("253402300799.999", ENG_EPOCH_S), "9999-12-31T23:59:59.999Z",
           "last second of 9999");
    is_str(epoch("", ENG_EPOCH_AUTO), "ERR", "empty");
    is_str(epoch("-", ENG_EPOCH_AUTO), "ERR", "lone sign");
    is_str(epoch(".", ENG_EPOCH_AUTO), "ERR", "lone dot");
    is_str(epoch("1.2.3", ENG_EPOCH_AUTO), "ERR", "two dots");
    is_str(epoch("12a", ENG_EPOCH_AUTO), "ERR", "trailing letter");
    is_str(epoch("1e", ENG_EPOCH_AUTO), "ERR", "exponent without digits");
    is_str(epoch(" 12", ENG_EPOCH_AUTO), "ERR", "leading blank (parse_any trims)");
    is_str(epoch("0x10", ENG_EPOCH_AUTO), "ERR", "hex rejected");
}

static void test_format_and_civil(void)
{
    char buf[ENG_TIME_BUFSZ];
    is_int(eng_time_format(0, buf), 20, "format returns the length");
    is_str(buf, "1970-01-01T00:00:00Z", "epoch zero");
    is_int(eng_time_format(-1, buf), 24, "length with ms");
    is_str(buf, "1969-12-31T23:59:59.999Z", "-1 ms");
    is_str(fmt(1720116191005LL), "2024-07-04T18:03:11.005Z", "ms zero-padded");
    is_int(eng_time_format(-62167219200001LL, buf), 0, "before 0000: 0");
    is_str(buf, "", "before 0000: empty");
    is_int(eng_time_format(253402300800000LL, buf), 0, "year 10000: 0");
    is_int(eng_time_format(INT64_MIN, buf), 0, "INT64_MIN: 0");
    is_int(eng_time_format(INT64_MAX, buf), 0, "INT64_MAX: 0");

    struct eng_civil c;
    eng_time_to_civil(-1, &c);
    ok(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 &&
           c.min == 59 && c.sec == 59 && c.ms == 999,
       "to_civil(-1) is 1969-12-31 23:59:59.999");
    is_int(c.wday, 3, "1969-12-31 was a Wednesday");
    is_int(c.yday, 364, "1969-12-31 is yday 364");
    eng_time_to_civil(0, &c);
    is_int(c.wday, 4, "1970-01-01 was a Thursday");
    eng_time_to_civil(1709208000000LL, &c); /* 2024-02-29T12:00Z */
    ok(c.month == 2 && c.day == 29 && c.yday == 59 && c.wday == 4,
       "2024-02-29: yday 59, Thursday");
    eng_time_to_civil(-62167219200000LL, &c);
    ok(c.year == 0 && c.month == 1 && c.day == 1 && c.wday == 6,
       "0000-01-01 (proleptic Gregorian) is a Saturday");

    eng_time_to_civil(INT64_MIN, &c);
    ok(c.year == -292275055 && c.month == 5 && c.day == 16 && c.ms == 192,
       "to_civil(INT64_MIN): no overflow, year -292275055");
    eng_time_to_civil(INT64_MAX, &c);
    ok(c.year == 292278994 && c.month == 8 && c.day == 17 && c.ms == 807,
       "to_civil(INT64_MAX): year 292278994");

    struct eng_civil in = {2023, 13, 1, 0, 0, 0, 0, 0, 0};
    is_str(fmt(eng_time_from_civil(&in)), "2024-01-01T00:00:00Z", "month 13 -> January");
    in = (struct eng_civil){2024, 3, 0, 0, 0, 0, 0, 0, 0};
    is_str(fmt(eng_time_from_civil(&in)), "2024-02-29T00:00:00Z", "day 0 -> last of Feb");
    in = (struct eng_civil){2024, 0, 1, 0, 0, 0, 0, 0, 0};
    is_str(fmt(eng_time_from_civil(&in)), "2023-12-01T00:00:00Z", "month 0 -> December");
    in = (struct eng_civil){2024, -11, 1, 0, -1, 0, 0, 0, 0};
    is_str(fmt(eng_time_from_civil(&in)), "2022-12-31T23:59:00Z", "negative fields");
    in = (struct eng_civil){2024, 1, 1, 48, 0, 0, 1500, 0, 0};
    is_str(fmt(eng_time_from_civil(&in)), "2024-01-03T00:00:01.500Z", "hour 48, ms 1500");
    in = (struct eng_civil){2000000000, 1, 1, 0, 0, 0, 0, 0, 0};
    is_int(eng_time_from_civil(&in), INT64_MAX, "absurd year saturates");

    /* round trip over the whole range, including negative times */
    int bad = 0;
    for (eng_time t = -62167219200000LL; t < 253402300799999LL; t += 7777777777LL) {
        eng_time_to_civil(t, &c);
        if (eng_time_from_civil(&c) != t)
            bad++;
    }
    is_int(bad, 0, "to_civil/from_civil round trip 0000..9999");
    /* consecutive days: the calendar never skips or repeats */
    int prev_y = -1, prev_m = 12, prev_d = 31;
    bad = 0;
    for (int64_t d = -719528; d < 2932897; d++) {
        eng_time_to_civil(d * 86400000LL, &c);
        bool next = (c.day == prev_d + 1 && c.month == prev_m && c.year == prev_y) ||
                    (c.day == 1 && ((c.month == prev_m + 1 && c.year == prev_y) ||
                                    (c.month == 1 && prev_m == 12 && c.year == prev_y + 1)));
        if (!next)
            bad++;
        prev_y = c.year, prev_m = c.month, prev_d = c.day;
    }
    is_int(bad, 0, "every day 0000-01-01..9999-12-31 follows the previous");
    /* parse(format(t)) == t */
    bad = 0;
    for (eng_time t = -62167219200000LL; t < 253402300799999LL; t += 999999999937LL) {
        eng_time u;
        size_t n = eng_time_format(t, buf);
        if (eng_time_parse_rfc3339(buf, n, &u) < 0 || u != t)
            bad++;
    }
    is_int(bad, 0, "parse_rfc3339(format(t)) == t");
}

static void test_zones(void)
{
    struct eng_error err;
    const struct eng_tz *ny = zone("America/New_York");
    ok(ny != NULL, "America/New_York loads");
    ok(zone("America/New_York") == ny, "zones are cached by name");
    is_str(eng_tz_name(ny), "America/New_York", "zone name");

    is_int(off_at("America/New_York", "2024-07-04T18:03:11Z"), -14400, "NY summer EDT");
    is_int(off_at("America/New_York", "2024-01-15T12:00:00Z"), -18000, "NY winter EST");
    is_int(off_at("America/New_York", "1800-01-01T00:00:00Z"), -17762,
           "NY before 1883: LMT -4:56:02");
    is_int(off_at("America/New_York", "2100-07-01T16:00:00Z"), -14400,
           "NY 2100 summer via footer");
    is_int(off_at("America/New_York", "2100-01-01T16:00:00Z"), -18000,
           "NY 2100 winter via footer");
    is_int(off_at("Asia/Kolkata", "2024-07-04T12:00:00Z"), 19800, "Kolkata +05:30");
    is_int(off_at("Australia/Lord_Howe", "2024-01-15T01:00:00Z"), 39600,
           "Lord Howe summer +11");
    is_int(off_at("Australia/Lord_Howe", "2024-07-01T01:30:00Z"), 37800,
           "Lord Howe winter +10:30 (30-min DST)");
    is_int(off_at("Australia/Lord_Howe", "2090-01-15T01:00:00Z"), 39600,
           "Lord Howe 2090 summer via footer");

    is_str(l2u("America/New_York", "2024-07-04 14:03:11"), "2024-07-04T18:03:11Z",
           "NY local summer");
    is_str(l2u("America/New_York", "2024-03-10 02:30"), "2024-03-10T07:30:00Z",
           "NY DST gap: 02:30 read as EST, lands at 03:30 EDT");
    is_str(l2u("America/New_York", "2024-03-10 01:59:59"), "2024-03-10T06:59:59Z",
           "NY just before the gap");
    is_str(l2u("America/New_York", "2024-03-10 03:00"), "2024-03-10T07:00:00Z",
           "NY just after the gap");
    is_str(l2u("America/New_York", "2024-11-03 01:30"), "2024-11-03T05:30:00Z",
           "NY overlap: 01:30 is the first (EDT) occurrence");
    is_str(l2u("America/New_York", "2024-11-03 00:59:59"), "2024-11-03T04:59:59Z",
           "NY before the overlap");
    is_str(l2u("America/New_York", "2024-11-03 02:00"), "2024-11-03T07:00:00Z",
           "NY after the overlap");
    is_str(l2u("America/New_York", "2100-07-01 12:00"), "2100-07-01T16:00:00Z",
           "NY far future (footer rule)");
    is_str(l2u("America/New_York", "2100-03-14 02:30"), "2100-03-14T07:30:00Z",
           "NY far-future gap via footer");
    is_str(l2u("America/New_York", "2100-11-07 01:30"), "2100-11-07T05:30:00Z",
           "NY far-future overlap via footer");
    is_str(l2u("Europe/London", "2024-07-01 12:00"), "2024-07-01T11:00:00Z", "London BST");
    is_str(l2u("Europe/London", "2024-01-15 12:00"), "2024-01-15T12:00:00Z", "London GMT");
    is_str(l2u("Europe/London", "2024-03-31 01:30"), "2024-03-31T01:30:00Z",
           "London gap: 01:30 read as GMT");
    is_str(l2u("Europe/London", "2024-10-27 01:30"), "2024-10-27T00:30:00Z",
           "London overlap: first (BST) occurrence");
    is_str(l2u("Australia/Lord_Howe", "2024-01-15 12:00"), "2024-01-15T01:00:00Z",
           "Lord Howe summer");
    is_str(l2u("Australia/Lord_Howe", "2024-07-01 12:00"), "2024-07-01T01:30:00Z",
           "Lord Howe winter");
    is_str(l2u("Australia/Lord_Howe", "2024-10-06 02:15"), "2024-10-05T15:45:00Z",
           "Lord Howe 30-min gap: read as +10:30");
    is_str(l2u("Australia/Lord_Howe", "2024-04-07 01:45"), "2024-04-06T14:45:00Z",
           "Lord Howe 30-min overlap: first (+11) occurrence");
    is_str(l2u("Asia/Kolkata", "2024-07-04 12:00"), "2024-07-04T06:30:00Z", "Kolkata");
    is_str(l2u("UTC", "2024-07-04 12:00"), "2024-07-04T12:00:00Z", "UTC");

    ok(!eng_tz_get("Mars/Olympus_Mons", &err), "unknown zone: NULL");
    is_str(err.msg, "unknown time zone 'Mars/Olympus_Mons'", "unknown zone message");
    eng_error_clear(&err);
    ok(!eng_tz_get("Mars/Olympus_Mons", &err) &&
           strcmp(err.msg, "unknown time zone 'Mars/Olympus_Mons'") == 0,
       "cached unknown zone: same message");
    ok(!eng_tz_get("../../../etc/passwd", &err), "path traversal rejected");
    is_str(err.msg, "invalid time zone name '../../../etc/passwd'",
           "path traversal message");
    ok(!eng_tz_get("America/../../etc/passwd", &err), "inner .. rejected");
    ok(!eng_tz_get("/etc/localtime", &err), "absolute path rejected");
    ok(!eng_tz_get("./UTC", &err), "./ rejected");
    ok(!eng_tz_get("America//New_York", &err), "empty component rejected");
    ok(!eng_tz_get("", &err), "empty name rejected");
    ok(!eng_tz_get("Eastern Time (US & Canada)", &err),
       "Twitter-style zone label is not an IANA name");
    ok(!eng_tz_get("America/New_York\n", &err), "control character rejected");
    ok(!eng_tz_get(NULL, &err), "NULL name rejected");
    ok(!eng_tz_get("zone1970.tab", &err), "a non-TZif file in zoneinfo is not a zone");
    {
        /* many distinct bad names: the negative cache is capped, no growth */
        char name[32];
        int fails = 0;
        for (int i = 0; i < 3000; i++) {
            snprintf(name, sizeof name, "No/Such_%d", i);
            fails += eng_tz_get(name, NULL) == NULL;
        }
        is_int(fails, 3000, "3000 unknown names, all NULL (err may be NULL)");
    }
    is_int(eng_tz_offset_at(NULL, 0), 0, "NULL zone is UTC");
    is_int(eng_tz_local_to_utc(NULL, 12345), 12345, "NULL zone local = UTC");
    is_int(eng_tz_local_to_utc(ny, INT64_MAX) != 0, 1, "extreme local: no overflow trap");
    is_int(eng_tz_local_to_utc(ny, INT64_MIN) != 0, 1, "extreme local min: no trap");
}

static void test_parse_format(void)
{
    is_str(pf("2015-02-24 11:35:52 -0800", "%Y-%m-%d %H:%M:%S %z", NULL),
           "2015-02-24T19:35:52Z", "airline tweets format");
    is_str(pf("10/Oct/2000:13:55:36 -0700", "%d/%b/%Y:%H:%M:%S %z", NULL),
           "2000-10-10T20:55:36Z", "CLF format");
    is_str(pf("10/oct/2000:13:55:36 +05:30", "%d/%b/%Y:%H:%M:%S %z", NULL),
           "2000-10-10T08:25:36Z", "month name any case, offset with colon");
    is_str(pf("2024-07-04 18:03:11 Z", "%Y-%m-%d %H:%M:%S %z", NULL),
           "2024-07-04T18:03:11Z", "%z accepts Z");
    is_str(pf("Thu, 04 Jul 2024 18:03:11 +0000", "%a, %d %b %Y %H:%M:%S %z", NULL),
           "2024-07-04T18:03:11Z", "RFC 2822 style");
    is_str(pf("Thursday July 4, 2024", "%A %B %d, %Y", NULL), "2024-07-04T00:00:00Z",
           "full day and month names");
    is_str(pf("Mon 4 Jul 2024", "%a %d %b %Y", NULL), "2024-07-04T00:00:00Z",
           "day name is not checked against the date");
    is_str(pf("2024-07-04 18:03:11 UTC", "%Y-%m-%d %H:%M:%S %Z", "America/New_York"),
           "2024-07-04T18:03:11Z", "%Z UTC overrides the zone");
    is_str(pf("2024-07-04 18:03:11 GMT", "%Y-%m-%d %H:%M:%S %Z", NULL),
           "2024-07-04T18:03:11Z", "%Z GMT");
    is_str(pf("2024-07-04 18:03:11 EST", "%Y-%m-%d %H:%M:%S %Z", NULL),
           "ERR: expected zone name UTC, GMT or Z at 'EST' (column 21)",
           "%Z rejects other abbreviations");
    is_str(pf("2024-07-04 18:03:11.123456", "%Y-%m-%d %H:%M:%S.%f", NULL),
           "2024-07-04T18:03:11.123Z", "%f truncates to ms");
    is_str(pf("2024-07-04 18:03:11.5", "%Y-%m-%d %H:%M:%S.%f", NULL),
           "2024-07-04T18:03:11.500Z", "%f one digit");
    is_str(pf("2024-07-04 18:03:11.1234567891", "%Y-%m-%d %H:%M:%S.%f", NULL),
           "ERR: unexpected '1' after the time (column 30)", "%f takes at most 9 digits");
    is_str(pf("03:04 PM", "%I:%M %p", NULL), "1970-01-01T15:04:00Z",
           "%I %p; missing date is 1970-01-01");
    is_str(pf("12:00 am", "%I:%M %p", NULL), "1970-01-01T00:00:00Z", "12 AM is 00");
    is_str(pf("12:30 pm", "%I:%M %p", NULL), "1970-01-01T12:30:00Z", "12 PM is 12");
    is_str(pf("13:00 PM", "%I:%M %p", NULL), "ERR: hour 13 out of range (column 1)",
           "%I range");
    is_str(pf("2024-060", "%Y-%j", NULL), "2024-02-29T00:00:00Z", "%j day of year");
    is_str(pf("2023-366", "%Y-%j", NULL), "ERR: day of year 366 out of range for 2023",
           "%j 366 in a common year");
    is_str(pf("Oct  5 2024", "%b %e %Y", NULL), "2024-10-05T00:00:00Z", "%e and blank runs");
    is_str(pf("24-07-04", "%y-%m-%d", NULL), "2024-07-04T00:00:00Z", "%y 24 -> 2024");
    is_str(pf("69-07-04", "%y-%m-%d", NULL), "1969-07-04T00:00:00Z", "%y 69 -> 1969");
    is_str(pf("2024-07-04T18:03:11", "%FT%T", "America/New_York"),
           "2024-07-04T22:03:11Z", "%F %T local to a zone");
    is_str(pf("07/04/24", "%D", NULL), "2024-07-04T00:00:00Z", "%D");
    is_str(pf("1720116191", "%s", "America/New_York"), "2024-07-04T18:03:11Z",
           "%s epoch ignores the zone");
    is_str(pf("-1", "%s", NULL), "1969-12-31T23:59:59Z", "%s negative");
    is_str(pf("1720116191.25", "%s.%f", NULL), "2024-07-04T18:03:11.250Z", "%s.%f");
    is_str(pf("-0.5", "%s.%f", NULL), "1969-12-31T23:59:59.500Z", "%s.%f negative");
    is_str(pf("100% 2024", "100%% %Y", NULL), "2024-01-01T00:00:00Z", "%%");
    is_str(pf("2024-07-04\t 18:03", "%Y-%m-%d %H:%M", NULL), "2024-07-04T18:03:00Z",
           "format blank matches tab and spaces");
    is_str(pf("2024-07-0418:03", "%Y-%m-%d %H:%M", NULL), "2024-07-04T18:03:00Z",
           "format blank matches no blank");
    is_str(pf("2024-03-10 02:30", "%Y-%m-%d %H:%M", "America/New_York"),
           "2024-03-10T07:30:00Z", "format, local in a gap");
    is_str(pf("2016-12-31 23:59:60", "%Y-%m-%d %H:%M:%S", NULL),
           "2017-01-01T00:00:00Z", "format, leap second");

    is_str(pf("2024-x3-01", "%Y-%m-%d", NULL),
           "ERR: expected 2-digit month at 'x3-01' (column 6)", "error names the month");
    is_str(pf("2024-13-01", "%Y-%m-%d", NULL), "ERR: month 13 out of range (column 6)",
           "month range");
    is_str(pf("2015-02-31", "%Y-%m-%d", NULL),
           "ERR: day 31 out of range for 2015-02 (column 9)", "day in month");
    is_str(pf("2023-02-29", "%Y-%m-%d", NULL),
           "ERR: day 29 out of range for 2023-02 (column 9)", "Feb 29 in common year");
    is_str(pf("2024-01-01 24:00", "%Y-%m-%d %H:%M", NULL),
           "ERR: hour 24 out of range (column 12)", "24:00 invalid");
    is_str(pf("2024-01-01x", "%Y-%m-%d", NULL),
           "ERR: unexpected 'x' after the time (column 11)", "trailing input");
    is_str(pf("2024-01", "%Y/%m", NULL), "ERR: expected '/' at '-01' (column 5)",
           "literal mismatch");
    is_str(pf("2024-01", "%Y-%m-%d", NULL),
           "ERR: expected '-' at end of input (column 8)", "input too short");
    is_str(pf("24-01-01", "%Y-%m-%d", NULL),
           "ERR: expected 4-digit year at '24-01-01' (column 1)", "short year");
    is_str(pf("10/Okt/2000", "%d/%b/%Y", NULL),
           "ERR: expected English month name at 'Okt/2000' (column 4)", "bad month name");
    is_str(pf("2024-07-04 18:03:11 +2400", "%Y-%m-%d %H:%M:%S %z", NULL),
           "ERR: UTC offset 2400 out of range (column 21)", "offset range");
    is_str(pf("2024-07-04 18:03:11 0800", "%Y-%m-%d %H:%M:%S %z", NULL),
           "ERR: expected UTC offset (+HHMM, +HH:MM or Z) at '0800' (column 21)",
           "offset without sign");
    is_str(pf("2024", "%Y%Q", NULL), "ERR: unknown conversion %Q in time format",
           "unknown conversion");
    is_str(pf("2024", "%Y%", NULL), "ERR: format ends with a lone '%'", "lone %");
    is_str(pf("99999999999999", "%s", NULL),
           "ERR: expected epoch seconds in range at '99999999999999' (column 1)",
           "%s overflow");
    is_str(pf("", "%Y", NULL), "ERR: expected 4-digit year at end of input (column 1)",
           "empty input");
    {
        eng_time t;
        struct eng_error e;
        int r = eng_time_parse_format("2024\001-01-01", 11, "%Y-%m-%d", NULL, &t, &e);
        ok(r == -1 && strcmp(e.msg, "expected '-' at '?-01-01' (column 5)") == 0,
           "control characters are shown as '?'");
        r = eng_time_parse_format("2024-01-01", 10, "%Y-%m-%d", NULL, &t, NULL);
        ok(r == 0 && t == 1704067200000LL, "err may be NULL");
        char long_in[400];
        memset(long_in, 'x', sizeof long_in);
        r = eng_time_parse_format(long_in, sizeof long_in, "%Y", NULL, &t, &e);
        ok(r == -1 && strlen(e.msg) < 100, "long hostile input: short message");
    }
}

static void test_local_any(void)
{
    is_str(local("2024-07-04", NULL), "2024-07-04T00:00:00Z", "date only, UTC");
    is_str(local("2024-07-04", "America/New_York"), "2024-07-04T04:00:00Z",
           "date only, local midnight in NY");
    is_str(local("2024-07-04 18:03", NULL), "2024-07-04T18:03:00Z", "no seconds");
    is_str(local("2024-07-04T18:03:11.5", NULL), "2024-07-04T18:03:11.500Z", "fraction");
    is_str(local("2024-07-04t18:03:11", NULL), "2024-07-04T18:03:11Z", "lower-case t");
    is_str(local("2024-07-04 18", NULL), "ERR", "hour only");
    is_str(local("2024-07-04T", NULL), "ERR", "dangling T");
    is_str(local("2024-07-04 18:03:11Z", NULL), "ERR", "offset is not local");
    is_str(local("2024-07-04 18:03:", NULL), "ERR", "dangling colon");
    is_str(local("2024-02-30", NULL), "ERR", "invalid date");

    is_str(any("2024-07-04T18:03:11Z", "America/New_York"), "2024-07-04T18:03:11Z",
           "any: RFC 3339 ignores the zone");
    is_str(any("2024-07-04T20:03:11+02:00", NULL), "2024-07-04T18:03:11Z", "any: offset");
    is_str(any("2024-07-04 14:03:11", "America/New_York"), "2024-07-04T18:03:11Z",
           "any: zone-less local");
    is_str(any("2024-07-04", NULL), "2024-07-04T00:00:00Z", "any: date");
    is_str(any("1720116191", NULL), "2024-07-04T18:03:11Z", "any: epoch s");
    is_str(any("1720116191250", NULL), "2024-07-04T18:03:11.250Z", "any: epoch ms");
    is_str(any(" 1720116191 ", NULL), "2024-07-04T18:03:11Z", "any: blanks trimmed");
    is_str(any("abc", NULL), "ERR", "any: junk");
    is_str(any("", NULL), "ERR", "any: empty");
    is_str(any("2024-07-04T18:03:11+25:00", NULL), "ERR", "any: bad offset");
}

static void test_durations(void)
{
    is_int(dur("45s"), 45000, "45s");
    is_int(dur("30m"), 1800000, "30m");
    is_int(dur("1h"), 3600000, "1h");
    is_int(dur("7d"), 604800000, "7d");
    is_int(dur("1.5h"), 5400000, "1.5h");
    is_int(dur("1h30m"), 5400000, "1h30m");
    is_int(dur("250ms"), 250, "250ms");
    is_int(dur("2w"), 1209600000, "2w");
    is_int(dur("0s"), 0, "0s");
    is_int(dur(".5h"), 1800000, ".5h");
    is_int(dur("1d12h"), 129600000, "1d12h");
    is_int(dur("1m30s"), 90000, "1m then s is minutes, not ms");
    is_int(dur("1ms1m"), 60001, "ms then m");
    is_int(dur("0.0005s"), 0, "sub-ms truncates");
    is_int(dur("0.0000000019w"), 1, "fraction read exactly (1.149 ms)");
    is_int(dur("1.999999999999999999999s"), 1999, "long fraction");
    is_int(dur("9223372036854775807ms"), INT64_MAX, "max duration");
    is_int(dur_exact("1.5s"), 1500, "exact: 1.5s");
    is_int(dur_exact("0.5m"), 30000, "exact: 0.5m");
    is_int(dur_exact("1h30m"), 5400000, "exact: 1h30m");
    is_int(dur_exact("0.001s"), 1, "exact: 0.001s is 1 ms");
    is_int(dur_exact("1.0010s"), 1001, "exact: trailing zero");
    is_int(dur_exact("0.0000000019w"), -1, "exact: 1.149 ms refused");
    is_int(dur_exact("0.0005s"), -1, "exact: sub-ms refused");
    is_int(dur_exact("1.999999999999999999999s"), -1, "exact: long fraction refused");
    is_int(dur_exact("5"), -1, "exact: no unit rejected");
    is_int(dur(""), -1, "empty rejected");
    is_int(dur("5"), -1, "no unit rejected");
    is_int(dur("5x"), -1, "bad unit rejected");
    is_int(dur("-1h"), -1, "negative rejected");
    is_int(dur("h"), -1, "unit without number");
    is_int(dur("1.h"), -1, "dot without digits");
    is_int(dur("1h "), -1, "trailing blank");
    is_int(dur(" 1h"), -1, "leading blank");
    is_int(dur("1h30"), -1, "trailing number without unit");
    is_int(dur("1H"), -1, "units are lower-case");
    is_int(dur("9223372036854775808ms"), -1, "overflow in the number");
    is_int(dur("99999999999999999999s"), -1, "overflow of a long number");
    is_int(dur("153722867280912931m"), -1, "overflow times the unit");
    is_int(dur("9223372036854775807ms1ms"), -1, "overflow of the sum");

    is_str(durfmt(0), "0s", "format 0s");
    is_str(durfmt(dur("90m")), "1h30m", "90m -> 1h30m");
    is_str(durfmt(250), "250ms", "250ms");
    is_str(durfmt(1500), "1s500ms", "1500 ms");
    is_str(durfmt(1209600000), "2w", "2w");
    is_str(durfmt(86400000), "1d", "1d");
    is_str(durfmt(694861001), "1w1d1h1m1s1ms", "every unit");
    is_str(durfmt(INT64_MAX), "15250284452w3d7h12m55s807ms", "INT64_MAX fits");
    is_str(durfmt(-5000), "-5s", "negative");
    is_str(durfmt(INT64_MIN), "-15250284452w3d7h12m55s808ms", "INT64_MIN");
    {
        char buf[ENG_TIME_BUFSZ];
        int bad = 0;
        for (int64_t v = 0; v < INT64_MAX / 3; v = v * 3 + 7) {
            int64_t back;
            size_t n = eng_duration_format(v, buf);
            if (eng_duration_parse(buf, n, &back) < 0 || back != v)
                bad++;
        }
        is_int(bad, 0, "duration parse(format(v)) == v");
    }
}

int main(void)
{
    setenv("TZ", "Asia/Tokyo", 1); /* prove nothing reads the process zone */
    tzset();
    test_rfc3339();
    test_epoch();
    test_format_and_civil();
    test_zones();
    test_parse_format();
    test_local_any();
    test_durations();
    test_custom_zones();
    return done_testing();
}
