/* timeutil: event time (see timeutil.h for the contract).
 *
 * 1. Calendar. Instants are int64 ms since 1970-01-01T00:00:00Z. Civil dates
 *    go through Howard Hinnant's days_from_civil / civil_from_days
 *    ("chrono-Compatible Low-Level Date Algorithms",
 *    http://howardhinnant.github.io/date_algorithms.html): eras of 400 years
 *    (146097 days) starting on March 1, so the leap day is the last day of
 *    the shifted year and every step is a floor division, exact for negative
 *    times too. Every parser rejects instants outside 0000-01-01T00:00:00Z ..
 *    9999-12-31T23:59:59.999Z, the range eng_time_format can write, so a
 *    parsed time can always be written back.
 *
 * 2. Fractions. Input fractions of any length are truncated to the
 *    millisecond. The fraction is always added to a whole second, so
 *    dropping digits truncates toward negative infinity for negative times as
 *    well: 1969-12-31T23:59:59.9999Z is -1 ms, not 0.
 *
 * 3. Leap seconds. ":60" is accepted and, as POSIX time ignores leap
 *    seconds, read as the next minute's ":00" (23:59:60Z = 00:00:00Z next day).
 *
 * 4. Zones: TZif files (RFC 8536). Layout of a file:
 *
 *      header  "TZif" version(1) reserved(15) isutcnt isstdcnt leapcnt
 *              timecnt typecnt charcnt   (six big-endian uint32)
 *      v1 data timecnt x int32 transition times, timecnt x uint8 type index,
 *              typecnt x {int32 utoff, uint8 isdst, uint8 abbr}, charcnt
 *              abbreviation bytes, leapcnt x 8, isstdcnt, isutcnt
 *      v2+     a second header and the same data with int64 times (and
 *              leapcnt x 12), then "\n<POSIX TZ string>\n"
 *
 *    We use the 64-bit block when the version is '2' or later. The offset at
 *    instant t is the type of the last transition <= t (binary search); before
 *    the first transition, type 0 (RFC 8536 section 3.2); after the last one,
 *    the footer rule when there is one. The footer matters: Debian may ship
 *    "slim" files whose transitions stop long before 2037, and no file lists
 *    transitions past 2037. Footer grammar (POSIX TZ, with the RFC 8536
 *    extensions: rule times may be negative and up to 167 hours):
 *
 *      std offset [dst [offset] [,start[/time],end[/time]]]
 *      name   = 3+ letters, or <...> quoted (e.g. <+0530>)
 *      offset = [+-]hh[:mm[:ss]], positive WEST of Greenwich
 *      date   = Jn (1-365, Feb 29 never counted) | n (0-365) | Mm.w.d
 *               (week w 1-5 of month m, 5 = last; day d 0-6, 0 = Sunday)
 *      time   = local time of the change, default 02:00:00
 *
 *    A start given in standard time and an end given in daylight time
 *    become UTC instants per year; DST is on when start <= t < end (northern)
 *    or outside [end, start) (southern; a rule that starts after it ends).
 *    A footer we cannot parse is ignored (the transitions still hold).
 *    Zones are cached by name, including unknown names, so a per-event zone
 *    field costs one hash lookup. "UTC", "Etc/UTC", "Z", "GMT", "Etc/GMT"
 *    are built in and need no files.
 *
 * 5. Local to UTC. With o_e the offset a day before and o_l a day after
 *    (zones never change twice within two days):
 *      t1 = local - o_e; if offset(t1) == o_e: return t1  (earlier in overlap)
 *      t2 = local - o_l; if offset(t2) == o_l: return t2
 *      gap: offset(t2) is the offset before the gap; return local - it
 *    which reads a gap time with the offset before the gap, so it lands
 *    after the gap, and an overlap time as its first occurrence.
 */
#include "timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MS_PER_DAY 86400000LL
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z */
#define T_MIN (-62167219200000LL)
#define T_MAX (253402300799999LL)

/* ---- calendar ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t eng_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void eng_civil_from_days(int64_t z, int64_t *yp, unsigned *mp, unsigned *dp)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp0 = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp0 + 2) / 5 + 1;
    unsigned m = mp0 < 10 ? mp0 + 3 : mp0 - 9;
    *yp = (int64_t)yoe + era * 400 + (m <= 2);
    *mp = m;
    *dp = d;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30,
                                          31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

void eng_time_to_civil(eng_time t, struct eng_civil *c)
{
    int64_t days = floor_div(t, MS_PER_DAY);
    int64_t msd = t % MS_PER_DAY; /* not t - days * MS_PER_DAY: overflows */
    if (msd < 0)
        msd += MS_PER_DAY;
    int64_t y;
    unsigned m, d;
    eng_civil_from_days(days, &y, &m, &d);
    c->year = (int)y;
    c->month = (int)m;
    c->day = (int)d;
    c->hour = (int)(msd / 3600000);
    c->min = (int)(msd / 60000 % 60);
    c->sec = (int)(msd / 1000 % 60);
    c->ms = (int)(msd % 1000);
    c->wday = (int)(floor_div(days + 4, 7) * -7 + days + 4); /* 1970-01-01: Thu */
    c->yday = (int)(days - eng_days_from_civil(y, 1, 1));
}

/* Saturating a + b, so absurd civil fields cannot overflow. */
static int64_t sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return a < 0 ? INT64_MIN : INT64_MAX;
    return r;
}

static int64_t sat_mul(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
    return r;
}

eng_time eng_time_from_civil(const struct eng_civil *c)
{
    int64_t m0 = (int64_t)c->month - 1;
    int64_t y = (int64_t)c->year + floor_div(m0, 12);
    unsigned m = (unsigned)(m0 - floor_div(m0, 12) * 12) + 1;
    int64_t days = eng_days_from_civil(y, m, 1) + ((int64_t)c->day - 1);
    int64_t t = sat_mul(days, MS_PER_DAY);
    t = sat_add(t, (int64_t)c->hour * 3600000);
    t = sat_add(t, (int64_t)c->min * 60000);
    t = sat_add(t, (int64_t)c->sec * 1000);
    return sat_add(t, c->ms);
}

/* ---- digits ------------------------------------------------------------ */

static inline bool isdig(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Two digits at p, or -1. */
static inline int d2(const unsigned char *p)
{
    if (!isdig(p[0]) || !isdig(p[1]))
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "YYYY-MM-DD" at p (10 bytes available) -> days since the epoch; -1 bad. */
static int read_date(const unsigned char *p, int64_t *days)
{
    int hi = d2(p), lo = d2(p + 2), m = d2(p + 5), d = d2(p + 8);
    if (hi < 0 || lo < 0 || m < 0 || d < 0 || p[4] != '-' || p[7] != '-')
        return -1;
    int y = hi * 100 + lo;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *days = eng_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

/* "HH:MM[:SS[.frac]]" at p with n bytes; seconds required unless
 * sec_optional. Returns the bytes consumed, or -1. */
static long read_clock(const unsigned char *p, size_t n, bool sec_optional,
                       int64_t *ms)
{
    if (n < 5)
        return -1;
    int h = d2(p), mi = d2(p + 3), s = 0, frac = 0;
    if (h < 0 || mi < 0 || p[2] != ':' || h > 23 || mi > 59)
        return -1;
    size_t i = 5;
    if (n >= 8 && p[5] == ':') {
        s = d2(p + 6);
        if (s < 0 || s > 60)
            return -1;
        i = 8;
        if (i < n && p[i] == '.') {
            i++;
            size_t start = i;
            /* milliseconds are the first three digits; later ones truncate */
            while (i < n && isdig(p[i])) {
                if (i - start < 3)
                    frac = frac * 10 + (p[i] - '0');
                i++;
            }
            if (i == start)
                return -1;
            for (size_t k = i - start; k < 3; k++)
                frac *= 10;
        }
    } else if (!sec_optional) {
        return -1;
    }
    *ms = (int64_t)h * 3600000 + mi * 60000 + s * 1000 + frac;
    return (long)i;
}

/* ---- RFC 3339 ---------------------------------------------------------- */

int eng_time_parse_rfc3339(const char *s, size_t len, eng_time *out)
{
    const unsigned char *p = (const unsigned char *)s;
    int64_t days, msd;
    if (len < 20 || read_date(p, &days) < 0)
        return -1;
    if (p[10] != 'T' && p[10] != 't' && p[10] != ' ')
        return -1;
    long n = read_clock(p + 11, len - 11, false, &msd);
    if (n < 0)
        return -1;
    size_t i = 11 + (size_t)n;
    int off = 0;
    if (i + 1 == len && (p[i] == 'Z' || p[i] == 'z')) {
        off = 0;
    } else if (i + 3 <= len && (p[i] == '+' || p[i] == '-')) {
        int oh = d2(p + i + 1), om = 0;
        size_t rest = len - (i + 3);
        if (rest == 3 && p[i + 3] == ':')
            om = d2(p + i + 4);
        else if (rest == 2)
            om = d2(p + i + 3);
        else if (rest != 0)
            return -1;
        if (oh < 0 || om < 0 || oh > 23 || om > 59)
            return -1;
        off = (oh * 60 + om) * 60000;
        if (p[i] == '-')
            off = -off;
    } else {
        return -1;
    }
    eng_time t = days * MS_PER_DAY + msd - off;
    if (t < T_MIN || t > T_MAX)
        return -1;
    *out = t;
    return 0;
}

/* ---- epoch numbers ----------------------------------------------------- */

/* The number is read exactly as decimal digits D (integer then fraction
 * digits) with the decimal point after `point` digits, so no binary float
 * rounding ever shifts a millisecond: ms = floor(D * 10^(scale - fraction)). */
int eng_time_parse_epoch(const char *s, size_t len, enum eng_epoch_unit unit,
                         eng_time *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    const unsigned char *ip = p;
    while (p < end && isdig(*p))
        p++;
    size_t ni = (size_t)(p - ip), nf = 0;
    const unsigned char *fp = p;
    if (p < end && *p == '.') {
        fp = ++p;
        while (p < end && isdig(*p))
            p++;
        nf = (size_t)(p - fp);
    }
    if (ni + nf == 0)
        return -1;
    int64_t exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        bool eneg = false;
        p++;
        if (p < end && (*p == '-' || *p == '+'))
            eneg = *p++ == '-';
        if (p == end || !isdig(*p))
            return -1;
        while (p < end && isdig(*p)) {
            if (exp < 100000) /* far beyond any meaningful exponent */
                exp = exp * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            exp = -exp;
    }
    if (p != end || ni + nf > 100000)
        return -1;

    int64_t n = (int64_t)(ni + nf), fz = 0;
#define DIGIT(i) ((size_t)(i) < ni ? ip[i] - '0' : fp[(size_t)(i) - ni] - '0')
    while (fz < n && DIGIT(fz) == 0)
        fz++;
    if (fz == n) {
        *out = 0;
        return 0;
    }
    int64_t point = (int64_t)ni + exp;
    int64_t mag = point - 1 - fz; /* decimal exponent of the leading digit */
    int scale;
    if (unit == ENG_EPOCH_AUTO)
        unit = mag < 11 ? ENG_EPOCH_S : mag < 14 ? ENG_EPOCH_MS : ENG_EPOCH_US;
    scale = unit == ENG_EPOCH_S ? 3 : unit == ENG_EPOCH_MS ? 0 : -3;
    int64_t ipoint = point + scale; /* digits [0, ipoint) are whole ms */
    if (ipoint - fz > 16)           /* >= 1e16 ms: far past year 9999 */
        return -1;
    int64_t v = 0;
    for (int64_t i = fz; i < ipoint; i++)
        v = v * 10 + (i < n ? DIGIT(i) : 0);
    bool rem = false;
    for (int64_t i = ipoint > fz ? ipoint : fz; i < n && !rem; i++)
        rem = DIGIT(i) != 0;
#undef DIGIT
    if (neg)
        v = -v - (rem ? 1 : 0);
    if (v < T_MIN || v > T_MAX)
        return -1;
    *out = v;
    return 0;
}

/* ---- POSIX TZ rule (TZif footer) --------------------------------------- */

struct tz_date {
    char kind; /* 'J' Julian 1-365 no leap day, 'N' 0-365, 'M' month rule */
    int n, m, w, d;
};

struct tz_rule {
    bool has;     /* a footer was parsed */
    bool has_dst; /* std only: a fixed offset */
    int32_t std_off, dst_off; /* seconds east of UTC */
    struct tz_date start, end;
    int32_t start_time, end_time; /* seconds after local midnight */
};

struct eng_tz {
    const char *name;
    size_t ntrans;
    int64_t *trans; /* seconds since the epoch, ascending */
    unsigned char *tidx;
    size_t ntypes;
    int32_t *types; /* utoff in seconds */
    struct tz_rule rule;
};

static const char *tzs_name(const char *p)
{
    const char *q = p;
    if (*p == '<') {
        for (q = ++p; *p && *p != '>'; p++)
            if (!(isdig((unsigned char)*p) || *p == '+' || *p == '-' ||
                  ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
                return NULL;
        return *p == '>' && p - q >= 1 ? p + 1 : NULL;
    }
    while ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
        p++;
    return p - q >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] with hh <= maxh; *secs signed. */
static const char *tzs_time(const char *p, int maxh, int32_t *secs)
{
    int sign = 1, part[3] = {0, 0, 0};
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            if (*p != ':')
                break;
            p++;
        }
        if (!isdig((unsigned char)*p))
            return NULL;
        int v = 0, nd = 0;
        while (isdig((unsigned char)*p) && nd < 3) {
            v = v * 10 + (*p++ - '0');
            nd++;
        }
        if (isdig((unsigned char)*p) || (k > 0 && v > 59) || (k == 0 && v > maxh))
            return NULL;
        part[k] = v;
    }
    *secs = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *tzs_num(const char *p, int lo, int hi, int *v)
{
    int x = 0, nd = 0;
    while (isdig((unsigned char)*p) && nd < 4) {
        x = x * 10 + (*p++ - '0');
        nd++;
    }
    if (nd == 0 || isdig((unsigned char)*p) || x < lo || x > hi)
        return NULL;
    *v = x;
    return p;
}

static const char *tzs_date(const char *p, struct tz_date *d, int32_t *time)
{
    if (*p == 'J') {
        d->kind = 'J';
        p = tzs_num(p + 1, 1, 365, &d->n);
    } else if (*p == 'M') {
        d->kind = 'M';
        p = tzs_num(p + 1, 1, 12, &d->m);
        if (p && *p == '.')
            p = tzs_num(p + 1, 1, 5, &d->w);
        else
            p = NULL;
        if (p && *p == '.')
            p = tzs_num(p + 1, 0, 6, &d->d);
        else
            p = NULL;
    } else {
        d->kind = 'N';
        p = tzs_num(p, 0, 365, &d->n);
    }
    if (!p)
        return NULL;
    *time = 7200;
    if (*p == '/')
        p = tzs_time(p + 1, 167, time);
    return p;
}

/* Parses a NUL-terminated POSIX TZ string; 0 or -1. */
static int tz_rule_parse(const char *s, struct tz_rule *r)
{
    struct tz_rule x;
    memset(&x, 0, sizeof x);
    int32_t off;
    const char *p = tzs_name(s);
    if (!p || !(p = tzs_time(p, 24, &off)))
        return -1;
    x.std_off = -off;
    if (*p) {
        if (!(p = tzs_name(p)))
            return -1;
        x.has_dst = true;
        x.dst_off = x.std_off + 3600;
        if (*p && *p != ',') {
            if (!(p = tzs_time(p, 24, &off)))
                return -1;
            x.dst_off = -off;
        }
        if (*p == ',') {
            if (!(p = tzs_date(p + 1, &x.start, &x.start_time)) || *p != ',' ||
                !(p = tzs_date(p + 1, &x.end, &x.end_time)))
                return -1;
        } else {
            /* no rule: the US rule, as tzcode's default */
            x.start = (struct tz_date){'M', 0, 3, 2, 0};
            x.end = (struct tz_date){'M', 0, 11, 1, 0};
            x.start_time = x.end_time = 7200;
        }
        if (*p)
            return -1;
    }
    x.has = true;
    *r = x;
    return 0;
}

/* Local seconds since the epoch at which date d of year y happens, + time. */
static int64_t tz_date_secs(const struct tz_date *d, int64_t y, int32_t time)
{
    int64_t days = eng_days_from_civil(y, 1, 1);
    if (d->kind == 'J') {
        days += d->n - 1 + (is_leap(y) && d->n >= 60);
    } else if (d->kind == 'N') {
        days += d->n;
    } else {
        int64_t first = eng_days_from_civil(y, (unsigned)d->m, 1);
        int wd1 = (int)(floor_div(first + 4, 7) * -7 + first + 4);
        int mday = (d->d - wd1 + 7) % 7 + 1 + (d->w - 1) * 7;
        int dim = days_in_month(y, d->m);
        while (mday > dim)
            mday -= 7;
        days = first + mday - 1;
    }
    return days * 86400 + time;
}

static int tz_rule_offset(const struct tz_rule *r, int64_t sec)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    unsigned m, d;
    eng_civil_from_days(floor_div(sec + r->std_off, 86400), &y, &m, &d);
    int64_t s = tz_date_secs(&r->start, y, r->start_time) - r->std_off;
    int64_t e = tz_date_secs(&r->end, y, r->end_time) - r->dst_off;
    bool dst = s < e ? (sec >= s && sec < e) : !(sec >= e && sec < s);
    return dst ? r->dst_off : r->std_off;
}

/* ---- zones ------------------------------------------------------------- */

int eng_tz_offset_at(const struct eng_tz *tz, eng_time t)
{
    if (!tz)
        return 0;
    int64_t sec = floor_div(t, 1000);
    size_t n = tz->ntrans;
    if (n == 0 || sec >= tz->trans[n - 1]) {
        if (tz->rule.has)
            return tz_rule_offset(&tz->rule, sec);
        if (n == 0)
            return tz->ntypes ? tz->types[0] : 0;
    }
    if (sec < tz->trans[0])
        return tz->types[0];
    size_t lo = 0, hi = n; /* trans[lo] <= sec < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= sec)
            lo = mid;
        else
            hi = mid;
    }
    return tz->types[tz->tidx[lo]];
}

eng_time eng_tz_local_to_utc(const struct eng_tz *tz, eng_time local)
{
    if (!tz)
        return local;
    int64_t oe = eng_tz_offset_at(tz, sat_add(local, -MS_PER_DAY)) * 1000LL;
    int64_t ol = eng_tz_offset_at(tz, sat_add(local, MS_PER_DAY)) * 1000LL;
    int64_t t1 = sat_add(local, -oe);
    if (eng_tz_offset_at(tz, t1) * 1000LL == oe)
        return t1;
    int64_t t2 = sat_add(local, -ol);
    int64_t o2 = eng_tz_offset_at(tz, t2) * 1000LL;
    if (o2 == ol)
        return t2;
    return sat_add(local, -o2); /* gap: the offset in force before it */
}

const char *eng_tz_name(const struct eng_tz *tz)
{
    return tz ? tz->name : "UTC";
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static void tz_free(struct eng_tz *tz)
{
    if (!tz)
        return;
    free((char *)tz->name);
    free(tz->trans);
    free(tz->tidx);
    free(tz->types);
    free(tz);
}

/* Builds a zone from a TZif image; NULL when malformed. */
static struct eng_tz *tz_from_tzif(const unsigned char *b, size_t len,
                                   const char *name)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0)
        return NULL;
    int version = b[4] >= '2' ? 2 : 1;
    size_t tsz = 4;
    uint64_t c[6]; /* isutcnt isstdcnt leapcnt timecnt typecnt charcnt */
    for (int k = 0; k < 6; k++)
        c[k] = be32(b + 20 + 4 * k);
    size_t pos = 44;
    if (version >= 2) {
        uint64_t v1 = c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
        if (v1 > len - pos || len - pos - v1 < 44)
            return NULL;
        pos += v1;
        if (memcmp(b + pos, "TZif", 4) != 0)
            return NULL;
        for (int k = 0; k < 6; k++)
            c[k] = be32(b + pos + 20 + 4 * k);
        pos += 44;
        tsz = 8;
    }
    /* leap-second ("right/") zones count TAI-like seconds: not POSIX time */
    if (c[4] < 1 || c[4] > 256 || c[2] != 0)
        return NULL;
    uint64_t need = c[3] * (tsz + 1) + c[4] * 6 + c[5] + c[1] + c[0];
    if (need > len - pos)
        return NULL;

    struct eng_tz *tz = calloc(1, sizeof *tz);
    if (!tz)
        return NULL;
    tz->ntrans = (size_t)c[3];
    tz->ntypes = (size_t)c[4];
    tz->name = strdup(name);
    tz->trans = malloc((tz->ntrans ? tz->ntrans : 1) * sizeof *tz->trans);
    tz->tidx = malloc(tz->ntrans ? tz->ntrans : 1);
    tz->types = malloc(tz->ntypes * sizeof *tz->types);
    if (!tz->name || !tz->trans || !tz->tidx || !tz->types)
        goto bad;
    const unsigned char *tp = b + pos, *ip = tp + tz->ntrans * tsz;
    const unsigned char *yp = ip + tz->ntrans;
    for (size_t i = 0; i < tz->ntrans; i++) {
        tz->trans[i] = tsz == 8 ? be64(tp + 8 * i) : (int32_t)be32(tp + 4 * i);
        tz->tidx[i] = ip[i];
        if (ip[i] >= tz->ntypes || (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
            goto bad;
    }
    for (size_t i = 0; i < tz->ntypes; i++) {
        int32_t off = (int32_t)be32(yp + 6 * i);
        if (off < -26 * 3600 || off > 26 * 3600)
            goto bad;
        tz->types[i] = off;
    }
    pos += (size_t)need;
    if (version >= 2 && pos < len && b[pos] == '\n') {
        const unsigned char *f = b + pos + 1;
        const unsigned char *nl = memchr(f, '\n', len - pos - 1);
        char foot[128];
        if (nl && nl > f && (size_t)(nl - f) < sizeof foot &&
            !memchr(f, '\0', (size_t)(nl - f))) {
            memcpy(foot, f, (size_t)(nl - f));
            foot[nl - f] = '\0';
            if (tz_rule_parse(foot, &tz->rule) < 0)
                memset(&tz->rule, 0, sizeof tz->rule);
        }
    }
    return tz;
bad:
    tz_free(tz);
    return NULL;
}

/* Zone names: letters, digits, "_+-./"; no leading '/', no component that
 * starts with '.' (so no "..", "./"), no empty component. */
static bool tz_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || name[0] == '/' || name[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        bool comp_start = i == 0 || name[i - 1] == '/';
        if (comp_start && (ch == '.' || ch == '/'))
            return false;
        if (!(isdig(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
              ch == '_' || ch == '+' || ch == '-' || ch == '.' || ch == '/'))
            return false;
    }
    return true;
}

/* Copies name for a message: printable ASCII, at most 64 bytes. */
static const char *printable(const char *s, size_t len, char *buf, size_t bsz)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 4 < bsz; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (j + 4 >= bsz && len > j) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

static struct eng_tz *tz_load(const char *name, struct eng_error *err)
{
    char shown[80];
    printable(name, strlen(name), shown, sizeof shown);
    if (!tz_name_ok(name)) {
        eng_error_set(err, "invalid time zone name '%s'", shown);
        return NULL;
    }
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir)
        dir = "/usr/share/zoneinfo";
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        eng_error_set(err, "unknown time zone '%s'", shown);
        return NULL;
    }
    /* O_NONBLOCK: a FIFO planted under the zone's name must not hang us */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        eng_error_set(err, "unknown time zone '%s'", shown);
        return NULL;
    }
    if (st.st_size > (1 << 20)) {
        close(fd);
        eng_error_set(err, "time zone file %s is not a valid TZif file", path);
        return NULL;
    }
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        eng_error_set(err, "out of memory loading time zone '%s'", shown);
        return NULL;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    struct eng_tz *tz = tz_from_tzif(buf, got, name);
    free(buf);
    if (!tz)
        eng_error_set(err, "time zone file %s is not a valid TZif file", path);
    return tz;
}

static int32_t utc_types[1] = {0};
static struct eng_tz builtin_tz[] = {
    {.name = "UTC", .ntypes = 1, .types = utc_types},
    {.name = "Etc/UTC", .ntypes = 1, .types = utc_types},
    {.name = "Z", .ntypes = 1, .types = utc_types},
    {.name = "GMT", .ntypes = 1, .types = utc_types},
    {.name = "Etc/GMT", .ntypes = 1, .types = utc_types},
};

/* The cache: open addressing on FNV-1a, doubled at half load. Unknown names
 * are cached too (tz NULL) so a bad per-event zone costs no syscalls; their
 * number is capped so hostile input cannot grow it without bound. */
struct tz_slot {
    char *name;
    struct eng_tz *tz;
    char *errmsg; /* for a cached failure */
};
static struct tz_slot *tz_cache;
static size_t tz_cap, tz_used, tz_failed;
#define TZ_MAX_FAILED 1024

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct tz_slot *tz_find(const char *name)
{
    if (!tz_cap)
        return NULL;
    for (size_t i = fnv1a(name) & (tz_cap - 1);; i = (i + 1) & (tz_cap - 1)) {
        if (!tz_cache[i].name)
            return NULL;
        if (strcmp(tz_cache[i].name, name) == 0)
            return &tz_cache[i];
    }
}

static int tz_insert(char *name, struct eng_tz *tz, char *errmsg)
{
    if ((tz_used + 1) * 2 > tz_cap) {
        size_t ncap = tz_cap ? tz_cap * 2 : 64;
        struct tz_slot *n = calloc(ncap, sizeof *n);
        if (!n)
            return -1;
        for (size_t i = 0; i < tz_cap; i++) {
            if (!tz_cache[i].name)
                continue;
            size_t j = fnv1a(tz_cache[i].name) & (ncap - 1);
            while (n[j].name)
                j = (j + 1) & (ncap - 1);
            n[j] = tz_cache[i];
        }
        free(tz_cache);
        tz_cache = n;
        tz_cap = ncap;
    }
    size_t j = fnv1a(name) & (tz_cap - 1);
    while (tz_cache[j].name)
        j = (j + 1) & (tz_cap - 1);
    tz_cache[j] = (struct tz_slot){name, tz, errmsg};
    tz_used++;
    return 0;
}

const struct eng_tz *eng_tz_get(const char *name, struct eng_error *err)
{
    if (!name) {
        eng_error_set(err, "no time zone name");
        return NULL;
    }
    for (size_t i = 0; i < sizeof builtin_tz / sizeof builtin_tz[0]; i++)
        if (strcmp(name, builtin_tz[i].name) == 0)
            return &builtin_tz[i];
    struct tz_slot *slot = tz_find(name);
    if (slot) {
        if (!slot->tz)
            eng_error_set(err, "%s", slot->errmsg);
        return slot->tz;
    }
    struct eng_error e;
    eng_error_clear(&e);
    struct eng_tz *tz = tz_load(name, &e);
    if (!tz) {
        eng_error_set(err, "%s", e.msg);
        if (tz_failed < TZ_MAX_FAILED) {
            char *key = strdup(name), *msg = strdup(e.msg);
            if (key && msg && tz_insert(key, NULL, msg) == 0) {
                tz_failed++;
            } else {
                free(key);
                free(msg);
            }
        }
        return NULL;
    }
    char *key = strdup(name);
    if (!key || tz_insert(key, tz, NULL) < 0) {
        /* cannot cache: still answer, but do not leak on the next call */
        free(key);
        tz_free(tz);
        eng_error_set(err, "out of memory caching time zone");
        return NULL;
    }
    return tz;
}

/* ---- zone-less local times and "any" ----------------------------------- */

int eng_time_parse_local(const char *s, size_t len, const struct eng_tz *tz,
                         eng_time *out)
{
    const unsigned char *p = (const unsigned char *)s;
    int64_t days, msd = 0;
    if (len < 10 || read_date(p, &days) < 0)
        return -1;
    if (len > 10) {
        if (p[10] != 'T' && p[10] != 't' && p[10] != ' ')
            return -1;
        long n = read_clock(p + 11, len - 11, true, &msd);
        if (n < 0 || 11 + (size_t)n != len)
            return -1;
    }
    eng_time t = eng_tz_local_to_utc(tz, days * MS_PER_DAY + msd);
    if (t < T_MIN || t > T_MAX)
        return -1;
    *out = t;
    return 0;
}

int eng_time_parse_any(const char *s, size_t len, const struct eng_tz *tz,
                       eng_time *out)
{
    /* blanks around a value (CSV cells, hand-written configs) are noise */
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 10 && s[4] == '-' && s[7] == '-') {
        if (eng_time_parse_rfc3339(s, len, out) == 0)
            return 0;
        return eng_time_parse_local(s, len, tz, out);
    }
    return eng_time_parse_epoch(s, len, ENG_EPOCH_AUTO, out);
}

/* ---- output ------------------------------------------------------------ */

size_t eng_time_format(eng_time t, char *buf)
{
    if (t < T_MIN || t > T_MAX) {
        buf[0] = '\0';
        return 0;
    }
    int64_t days = floor_div(t, MS_PER_DAY);
    unsigned msd = (unsigned)(t - days * MS_PER_DAY);
    int64_t y64;
    unsigned m, d;
    eng_civil_from_days(days, &y64, &m, &d);
    unsigned y = (unsigned)y64, h = msd / 3600000, mi = msd / 60000 % 60;
    unsigned s = msd / 1000 % 60, ms = msd % 1000;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + d / 10);
    buf[9] = (char)('0' + d % 10);
    buf[10] = 'T';
    buf[11] = (char)('0' + h / 10);
    buf[12] = (char)('0' + h % 10);
    buf[13] = ':';
    buf[14] = (char)('0' + mi / 10);
    buf[15] = (char)('0' + mi % 10);
    buf[16] = ':';
    buf[17] = (char)('0' + s / 10);
    buf[18] = (char)('0' + s % 10);
    size_t n = 19;
    if (ms) {
        buf[19] = '.';
        buf[20] = (char)('0' + ms / 100);
        buf[21] = (char)('0' + ms / 10 % 10);
        buf[22] = (char)('0' + ms % 10);
        n = 23;
    }
    buf[n++] = 'Z';
    buf[n] = '\0';
    return n;
}

/* ---- strptime-style formats -------------------------------------------- */

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};
static const char *const day_names[7] = {"Sunday",   "Monday", "Tuesday",
                                         "Wednesday", "Thursday", "Friday",
                                         "Saturday"};

struct fmt_state {
    const char *s;
    size_t len, pos;
    struct eng_error *err;
    int year, month, day, hour, hour12, min, sec, ms, yday, off;
    bool have_year, have_month, have_day, have_yday, have_h12, pm, have_off,
        have_epoch, epoch_neg;
    int64_t epoch; /* magnitude; epoch_neg gives the sign (so "-0.5" works) */
    size_t day_col;
};

/* "expected WHAT at 'rest' (column N)": the place is 1-based in the input. */
static int fmt_fail(struct fmt_state *st, const char *what)
{
    char shown[40];
    if (st->pos >= st->len)
        eng_error_set(st->err, "expected %s at end of input (column %zu)", what,
                      st->pos + 1);
    else
        eng_error_set(st->err, "expected %s at '%s' (column %zu)", what,
                      printable(st->s + st->pos, st->len - st->pos, shown,
                                sizeof shown),
                      st->pos + 1);
    return -1;
}

static int fmt_range(struct fmt_state *st, size_t at, const char *what, int v)
{
    eng_error_set(st->err, "%s %d out of range (column %zu)", what, v, at + 1);
    return -1;
}

/* Reads minw..maxw digits into *v. */
static int fmt_num(struct fmt_state *st, int minw, int maxw, int *v,
                   const char *what)
{
    int x = 0, nd = 0;
    while (nd < maxw && st->pos + (size_t)nd < st->len &&
           isdig((unsigned char)st->s[st->pos + (size_t)nd])) {
        x = x * 10 + (st->s[st->pos + (size_t)nd] - '0');
        nd++;
    }
    if (nd < minw)
        return fmt_fail(st, what);
    st->pos += (size_t)nd;
    *v = x;
    return 0;
}

/* Reads an integer field and checks lo..hi. */
static int fmt_field(struct fmt_state *st, int minw, int maxw, int lo, int hi,
                     int *v, const char *what, const char *name)
{
    size_t at = st->pos;
    if (fmt_num(st, minw, maxw, v, what) < 0)
        return -1;
    if (*v < lo || *v > hi) {
        st->pos = at;
        return fmt_range(st, at, name, *v);
    }
    return 0;
}

static bool ci_prefix(const char *s, size_t n, const char *word, size_t wn)
{
    if (n < wn)
        return false;
    for (size_t i = 0; i < wn; i++)
        if ((s[i] | 0x20) != (word[i] | 0x20))
            return false;
    return true;
}

/* Matches a full name or its 3-letter abbreviation; index or -1. */
static int fmt_name(struct fmt_state *st, const char *const *names, int count)
{
    const char *p = st->s + st->pos;
    size_t n = st->len - st->pos;
    for (int i = 0; i < count; i++) {
        size_t wn = strlen(names[i]);
        if (ci_prefix(p, n, names[i], wn)) {
            st->pos += wn;
            return i;
        }
    }
    for (int i = 0; i < count; i++) {
        if (ci_prefix(p, n, names[i], 3)) {
            st->pos += 3;
            return i;
        }
    }
    return -1;
}

static int fmt_run(struct fmt_state *st, const char *fmt, int depth);

static int fmt_conv(struct fmt_state *st, char c, int depth)
{
    int v = 0;
    switch (c) {
    case 'Y':
        if (fmt_num(st, 4, 4, &st->year, "4-digit year") < 0)
            return -1;
        st->have_year = true;
        return 0;
    case 'y':
        if (fmt_num(st, 2, 2, &v, "2-digit year") < 0)
            return -1;
        st->year = v < 69 ? 2000 + v : 1900 + v; /* POSIX pivot */
        st->have_year = true;
        return 0;
    case 'm':
        st->have_month = true;
        return fmt_field(st, 1, 2, 1, 12, &st->month, "2-digit month", "month");
    case 'd':
    case 'e':
        if (c == 'e' && st->pos < st->len && st->s[st->pos] == ' ')
            st->pos++;
        st->have_day = true;
        st->day_col = st->pos;
        return fmt_field(st, 1, 2, 1, 31, &st->day, "2-digit day", "day");
    case 'H':
        return fmt_field(st, 1, 2, 0, 23, &st->hour, "2-digit hour", "hour");
    case 'I':
        st->have_h12 = true;
        return fmt_field(st, 1, 2, 1, 12, &st->hour12, "2-digit hour (01-12)",
                         "hour");
    case 'M':
        return fmt_field(st, 1, 2, 0, 59, &st->min, "2-digit minute", "minute");
    case 'S':
        return fmt_field(st, 1, 2, 0, 60, &st->sec, "2-digit second", "second");
    case 'j':
        st->have_yday = true;
        return fmt_field(st, 1, 3, 1, 366, &st->yday, "day of year (001-366)",
                         "day of year");
    case 'f': {
        size_t at = st->pos;
        int ms = 0, nd = 0;
        while (st->pos < st->len && nd < 9 && isdig((unsigned char)st->s[st->pos])) {
            if (nd < 3)
                ms = ms * 10 + (st->s[st->pos] - '0');
            nd++;
            st->pos++;
        }
        if (nd == 0) {
            st->pos = at;
            return fmt_fail(st, "fraction digits");
        }
        for (int k = nd; k < 3; k++)
            ms *= 10;
        st->ms = ms;
        return 0;
    }
    case 'z': {
        const char *p = st->s + st->pos;
        size_t n = st->len - st->pos;
        if (n >= 1 && p[0] == 'Z') {
            st->pos++;
            st->off = 0;
            st->have_off = true;
            return 0;
        }
        const char *what = "UTC offset (+HHMM, +HH:MM or Z)";
        if (n < 5 || (p[0] != '+' && p[0] != '-'))
            return fmt_fail(st, what);
        int oh = d2((const unsigned char *)p + 1), om;
        size_t used;
        if (p[3] == ':' && n >= 6) {
            om = d2((const unsigned char *)p + 4);
            used = 6;
        } else {
            om = d2((const unsigned char *)p + 3);
            used = 5;
        }
        if (oh < 0 || om < 0)
            return fmt_fail(st, what);
        if (oh > 23 || om > 59)
            return fmt_range(st, st->pos, "UTC offset", oh * 100 + om);
        st->off = (oh * 60 + om) * 60 * (p[0] == '-' ? -1 : 1);
        st->have_off = true;
        st->pos += used;
        return 0;
    }
    case 'Z': {
        const char *p = st->s + st->pos;
        size_t n = st->len - st->pos;
        if (n >= 3 && (memcmp(p, "UTC", 3) == 0 || memcmp(p, "GMT", 3) == 0))
            st->pos += 3;
        else if (n >= 1 && p[0] == 'Z')
            st->pos += 1;
        else
            return fmt_fail(st, "zone name UTC, GMT or Z");
        st->off = 0;
        st->have_off = true;
        return 0;
    }
    case 'b':
    case 'B':
    case 'h':
        if ((v = fmt_name(st, month_names, 12)) < 0)
            return fmt_fail(st, "English month name");
        st->month = v + 1;
        st->have_month = true;
        return 0;
    case 'a':
    case 'A':
        if (fmt_name(st, day_names, 7) < 0)
            return fmt_fail(st, "English day name");
        return 0;
    case 'p': {
        const char *p = st->s + st->pos;
        size_t n = st->len - st->pos;
        if (ci_prefix(p, n, "AM", 2) || ci_prefix(p, n, "PM", 2)) {
            st->pm = (p[0] | 0x20) == 'p';
            st->pos += 2;
            return 0;
        }
        return fmt_fail(st, "AM or PM");
    }
    case 's': {
        size_t at = st->pos;
        bool neg = false;
        int64_t e = 0;
        int nd = 0;
        if (st->pos < st->len && st->s[st->pos] == '-') {
            neg = true;
            st->pos++;
        }
        while (st->pos < st->len && isdig((unsigned char)st->s[st->pos])) {
            if (++nd > 12) { /* 1e12 s is past year 9999 */
                st->pos = at;
                return fmt_fail(st, "epoch seconds in range");
            }
            e = e * 10 + (st->s[st->pos++] - '0');
        }
        if (nd == 0) {
            st->pos = at;
            return fmt_fail(st, "epoch seconds");
        }
        st->epoch = e;
        st->epoch_neg = neg;
        st->have_epoch = true;
        return 0;
    }
    case 'T':
        return fmt_run(st, "%H:%M:%S", depth + 1);
    case 'D':
        return fmt_run(st, "%m/%d/%y", depth + 1);
    case 'F':
        return fmt_run(st, "%Y-%m-%d", depth + 1);
    case '%':
        if (st->pos < st->len && st->s[st->pos] == '%') {
            st->pos++;
            return 0;
        }
        return fmt_fail(st, "'%'");
    default:
        if (c == '\0')
            eng_error_set(st->err, "format ends with a lone '%%'");
        else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
            eng_error_set(st->err, "unknown conversion %%%c in time format", c);
        else
            eng_error_set(st->err, "unknown conversion in time format");
        return -1;
    }
}

static int fmt_run(struct fmt_state *st, const char *fmt, int depth)
{
    if (depth > 2) { /* %T etc. expand once; nothing nests deeper */
        eng_error_set(st->err, "time format nests too deep");
        return -1;
    }
    for (const char *f = fmt; *f; f++) {
        if (*f == ' ' || *f == '\t') {
            while (st->pos < st->len &&
                   (st->s[st->pos] == ' ' || st->s[st->pos] == '\t'))
                st->pos++;
        } else if (*f == '%') {
            if (fmt_conv(st, f[1], depth) < 0)
                return -1;
            f++;
        } else {
            if (st->pos < st->len && st->s[st->pos] == *f) {
                st->pos++;
            } else {
                char want[8];
                if ((unsigned char)*f >= 0x20 && (unsigned char)*f < 0x7f)
                    snprintf(want, sizeof want, "'%c'", *f);
                else
                    snprintf(want, sizeof want, "0x%02x", (unsigned char)*f);
                return fmt_fail(st, want);
            }
        }
    }
    return 0;
}

int eng_time_parse_format(const char *s, size_t len, const char *fmt,
                          const struct eng_tz *tz, eng_time *out,
                          struct eng_error *err)
{
    struct fmt_state st;
    memset(&st, 0, sizeof st);
    st.s = s;
    st.len = len;
    st.err = err;
    st.year = 1970; /* fields the format leaves out: 1970-01-01T00:00:00 */
    st.month = st.day = 1;
    if (fmt_run(&st, fmt, 0) < 0)
        return -1;
    if (st.pos != len) {
        char shown[40];
        eng_error_set(err, "unexpected '%s' after the time (column %zu)",
                      printable(s + st.pos, len - st.pos, shown, sizeof shown),
                      st.pos + 1);
        return -1;
    }
    eng_time t;
    if (st.have_epoch) {
        t = st.epoch * 1000 + st.ms;
        if (st.epoch_neg)
            t = -t;
    } else {
        int64_t days;
        if (st.have_yday && !st.have_month && !st.have_day) {
            if (st.yday > 365 + is_leap(st.year)) {
                eng_error_set(err, "day of year %d out of range for %04d",
                              st.yday, st.year);
                return -1;
            }
            days = eng_days_from_civil(st.year, 1, 1) + st.yday - 1;
        } else {
            if (st.day > days_in_month(st.year, st.month)) {
                eng_error_set(err, "day %d out of range for %04d-%02d (column %zu)",
                              st.day, st.year, st.month, st.day_col + 1);
                return -1;
            }
            days = eng_days_from_civil(st.year, (unsigned)st.month, (unsigned)st.day);
        }
        int hour = st.have_h12 ? st.hour12 % 12 + (st.pm ? 12 : 0) : st.hour;
        t = days * MS_PER_DAY + (int64_t)hour * 3600000 + st.min * 60000 +
            st.sec * 1000 + st.ms;
        if (st.have_off)
            t -= (int64_t)st.off * 1000;
        else
            t = eng_tz_local_to_utc(tz, t);
    }
    if (t < T_MIN || t > T_MAX) {
        eng_error_set(err, "time out of range (years 0000-9999)");
        return -1;
    }
    *out = t;
    return 0;
}

/* ---- durations --------------------------------------------------------- */

static const struct {
    char name[3];
    int64_t ms;
} dur_units[] = {{"w", 604800000}, {"d", 86400000}, {"h", 3600000},
                 {"m", 60000},     {"s", 1000},     {"ms", 1}};

/* With `exact`, a fraction must come to whole milliseconds (RULES.md,
 * Durations): "1.5s" and "0.5m" are fine, "0.0005s" is refused rather than
 * read as 0 ms, which would silently turn `within: 0.0005s` into "at the same
 * millisecond". Without it, finer fractions truncate (eng-emit, eng-enrich). */
static int duration_parse(const char *s, size_t len, int exact, int64_t *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int64_t total = 0;
    if (len == 0)
        return -1;
    while (p < end) {
        const unsigned char *ip = p;
        while (p < end && isdig(*p))
            p++;
        const unsigned char *ie = p, *fp = p, *fe = p;
        if (p < end && *p == '.') {
            fp = ++p;
            while (p < end && isdig(*p))
                p++;
            fe = p;
            if (fe == fp)
                return -1;
        }
        if (ie == ip && fe == fp)
            return -1;
        int64_t unit;
        if (end - p >= 2 && p[0] == 'm' && p[1] == 's') {
            unit = 1;
            p += 2;
        } else if (p < end && (*p == 'w' || *p == 'd' || *p == 'h' ||
                               *p == 'm' || *p == 's')) {
            unit = *p == 'w' ? 604800000 : *p == 'd' ? 86400000
                 : *p == 'h' ? 3600000   : *p == 'm' ? 60000 : 1000;
            p++;
        } else {
            return -1;
        }
        int64_t whole = 0, part = 0;
        for (const unsigned char *q = ip; q < ie; q++)
            if (__builtin_mul_overflow(whole, 10, &whole) ||
                __builtin_add_overflow(whole, *q - '0', &whole))
                return -1;
        if (__builtin_mul_overflow(whole, unit, &whole))
            return -1;
        /* floor(0.d1d2..dk * unit) by Horner from the last digit: with
         * x < unit, floor((d*unit + x) / 10) equals the exact value's floor */
        for (const unsigned char *q = fe; q > fp; q--) {
            int64_t v = (q[-1] - '0') * unit + part;
            /* the value is whole iff no step leaves a remainder: a step's
             * fraction stays in every later (higher) digit's value */
            if (exact && v % 10 != 0)
                return -1;
            part = v / 10;
        }
        if (__builtin_add_overflow(total, whole, &total) ||
            __builtin_add_overflow(total, part, &total))
            return -1;
    }
    *out = total;
    return 0;
}

int eng_duration_parse(const char *s, size_t len, int64_t *out)
{
    return duration_parse(s, len, 0, out);
}

int eng_duration_parse_exact(const char *s, size_t len, int64_t *out)
{
    return duration_parse(s, len, 1, out);
}

size_t eng_duration_format(int64_t ms, char *buf)
{
    size_t n = 0;
    uint64_t v = (uint64_t)ms;
    if (ms < 0) {
        buf[n++] = '-';
        v = 0 - v;
    }
    if (v == 0) {
        memcpy(buf + n, "0s", 3);
        return n + 2;
    }
    for (size_t u = 0; u < sizeof dur_units / sizeof dur_units[0]; u++) {
        uint64_t q = v / (uint64_t)dur_units[u].ms;
        if (!q)
            continue;
        v -= q * (uint64_t)dur_units[u].ms;
        char digits[24];
        size_t nd = 0;
        while (q) {
            digits[nd++] = (char)('0' + q % 10);
            q /= 10;
        }
        while (nd)
            buf[n++] = digits[--nd];
        for (const char *c = dur_units[u].name; *c; c++)
            buf[n++] = *c;
    }
    buf[n] = '\0';
    return n;
}
