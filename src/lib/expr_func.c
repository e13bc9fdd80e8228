/* expr_func: the functions and methods of the rule language.
 *
 * Each function is strict: its arguments are evaluated left to right (the
 * receiver first) and the first error is the result. Overloads follow
 * cel-spec langdef.md "List of Standard Definitions", restricted to eng's
 * types, plus lowerAscii/upperAscii (cel-go's strings extension) and eng's
 * distance(). Conversions report range errors as CEL does (int(1e99),
 * timestamp(253402300800)).
 *
 * Time-zone arguments of the timestamp accessors are IANA names (through
 * timeutil's TZif cache) or fixed offsets "[+-]HH:MM" (a missing sign means
 * +), as cel-spec's "Timezones" section says.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr_int.h"
#include "timeutil.h"

#define EARTH_RADIUS_M 6371008.8   /* IUGG mean radius R1 */

static val bad_args(struct eng_expr_ctx *ctx, const char *fn, const val *a,
                    size_t n)
{
    char types[128];
    size_t l = 0;
    types[0] = '\0';
    for (size_t i = 0; i < n && l < sizeof types - 16; i++)
        l += (size_t)snprintf(types + l, sizeof types - l, "%s%s",
                              i ? ", " : "", eng_expr_kind_name(a[i].kind));
    return v_errf(ctx, "no matching overload for '%s' applied to (%s)", fn,
                  types);
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static val do_matches(struct eng_expr_ctx *ctx, const struct node *n,
                      const val *s, const val *pat)
{
    pcre2_code *re = n->re, *own = NULL;
    if (!re) {
        int ec;
        PCRE2_SIZE eo;
        own = pcre2_compile((PCRE2_SPTR)pat->u.str.s, pat->u.str.len,
                            PCRE2_UTF, &ec, &eo, NULL);
        if (!own) {
            PCRE2_UCHAR msg[128];
            pcre2_get_error_message(ec, msg, sizeof msg);
            return v_errf(ctx, "bad regular expression: %s", (char *)msg);
        }
        re = own;
    }
    int rc = pcre2_match(re, (PCRE2_SPTR)s->u.str.s, s->u.str.len, 0, 0,
                         ctx->match_data, ctx->match_ctx);
    if (own)
        pcre2_code_free(own);
    if (rc >= 0)
        return v_bool(1);
    if (rc == PCRE2_ERROR_NOMATCH)
        return v_bool(0);
    PCRE2_UCHAR msg[128];
    pcre2_get_error_message(rc, msg, sizeof msg);
    return v_errf(ctx, "matches: %s", (char *)msg);
}

static val case_ascii(struct eng_expr_ctx *ctx, const val *s, int upper)
{
    char *o = arena_alloc(ctx, s->u.str.len + 1);
    if (!o)
        return v_err("out of memory");
    for (size_t i = 0; i < s->u.str.len; i++) {
        char c = s->u.str.s[i];
        if (upper && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!upper && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        o[i] = c;
    }
    o[s->u.str.len] = '\0';
    return v_str(o, s->u.str.len);
}

/* Copies a value's string into a NUL-terminated buffer; -1 if too long or
 * containing NUL. */
static int cstr(const val *s, char *buf, size_t size)
{
    if (s->u.str.len >= size || memchr(s->u.str.s, 0, s->u.str.len))
        return -1;
    memcpy(buf, s->u.str.s, s->u.str.len);
    buf[s->u.str.len] = '\0';
    return 0;
}

static val to_int(struct eng_expr_ctx *ctx, const val *a)
{
    switch (a->kind) {
    case ENG_EXPR_INT:
        return *a;
    case ENG_EXPR_DOUBLE: {
        double d = a->u.d;
        if (isnan(d) || d >= 9223372036854775808.0 ||
            d < -9223372036854775808.0)
            return v_err("int() argument out of range");
        return v_int((int64_t)d);   /* truncates toward zero */
    }
    case ENG_EXPR_STRING: {
        char buf[64], *end;
        if (cstr(a, buf, sizeof buf) < 0 || !buf[0] || buf[0] == ' ')
            return v_err("int() cannot parse the string");
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (errno || *end)
            return v_err("int() cannot parse the string");
        return v_int(v);
    }
    case ENG_EXPR_TIMESTAMP:
        return v_int(a->u.t.sec);
    default:
        return bad_args(ctx, "int", a, 1);
    }
}

static val to_double(struct eng_expr_ctx *ctx, const val *a)
{
    switch (a->kind) {
    case ENG_EXPR_INT:
        return v_double((double)a->u.i);
    case ENG_EXPR_DOUBLE:
        return *a;
    case ENG_EXPR_STRING: {
        char buf[512], *end;
        if (cstr(a, buf, sizeof buf) < 0 || !buf[0] ||
            !strchr("+-.0123456789IiNn", buf[0]))
            return v_err("double() cannot parse the string");
        errno = 0;
        double d = strtod(buf, &end);
        if (*end)
            return v_err("double() cannot parse the string");
        return v_double(d);
    }
    default:
        return bad_args(ctx, "double", a, 1);
    }
}

/* string(double): Go's strconv.FormatFloat(d, 'g', -1, 64), as cel-go:
 * shortest digits, exponent form when the exponent is < -4 or >= 6. */
static size_t go_double(double d, char *buf)
{
    if (isnan(d))
        return (size_t)snprintf(buf, 32, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, 32, d < 0 ? "-Inf" : "+Inf");
    int prec = 1;
    char e[40];
    for (; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, d);
        if (strtod(e, NULL) == d)
            break;
    }
    int exp = atoi(strchr(e, 'e') + 1);
    if (exp < -4 || exp >= 6)
        return (size_t)snprintf(buf, 40, "%s", e);
    int decimals = prec - 1 - exp;
    return (size_t)snprintf(buf, 40, "%.*f", decimals > 0 ? decimals : 0, d);
}

static val to_string(struct eng_expr_ctx *ctx, const val *a)
{
    char buf[64];
    size_t n;
    switch (a->kind) {
    case ENG_EXPR_STRING:
        return *a;
    case ENG_EXPR_INT:
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)a->u.i);
        break;
    case ENG_EXPR_DOUBLE:
        n = go_double(a->u.d, buf);
        break;
    case ENG_EXPR_BOOL:
        return a->u.b ? v_str("true", 4) : v_str("false", 5);
    case ENG_EXPR_TIMESTAMP:
        n = ts_format(a->u.t.sec, a->u.t.nsec, buf);
        break;
    case ENG_EXPR_DURATION:
        n = dur_format(a->u.t.sec, a->u.t.nsec, buf);
        break;
    default:
        return bad_args(ctx, "string", a, 1);
    }
    char *s = arena_alloc(ctx, n + 1);
    if (!s)
        return v_err("out of memory");
    memcpy(s, buf, n + 1);
    return v_str(s, n);
}

static val to_timestamp(struct eng_expr_ctx *ctx, const val *a)
{
    val v = { .kind = ENG_EXPR_TIMESTAMP };
    switch (a->kind) {
    case ENG_EXPR_TIMESTAMP:
        return *a;
    case ENG_EXPR_STRING:
        if (ts_parse(a->u.str.s, a->u.str.len, &v.u.t.sec, &v.u.t.nsec) < 0)
            return v_err("timestamp(): not an RFC 3339 time in years "
                         "0001..9999");
        return v;
    case ENG_EXPR_INT:
        if (a->u.i < TS_MIN_SEC || a->u.i > TS_MAX_SEC)
            return v_err("timestamp out of range");
        v.u.t.sec = a->u.i;
        return v;
    default:
        return bad_args(ctx, "timestamp", a, 1);
    }
}

static val to_duration(struct eng_expr_ctx *ctx, const val *a)
{
    val v = { .kind = ENG_EXPR_DURATION };
    switch (a->kind) {
    case ENG_EXPR_DURATION:
        return *a;
    case ENG_EXPR_STRING:
        if (dur_parse(a->u.str.s, a->u.str.len, &v.u.t.sec, &v.u.t.nsec) < 0)
            return v_err("duration(): bad duration or out of range");
        return v;
    default:
        return bad_args(ctx, "duration", a, 1);
    }
}

/* Resolves a time-zone argument to an offset in seconds at instant sec. */
static int tz_offset(const val *tz, int64_t sec, int *off)
{
    char name[128];
    if (cstr(tz, name, sizeof name) < 0 || !name[0])
        return -1;
    const char *p = name;
    if (*p == '+' || *p == '-' || (*p >= '0' && *p <= '9')) {
        int sign = 1;
        if (*p == '+' || *p == '-')
            sign = *p++ == '-' ? -1 : 1;
        int h, m;
        char extra;
        if (strlen(p) != 5 || p[2] != ':' ||
            sscanf(p, "%2d:%2d%c", &h, &m, &extra) != 2 || h > 23 || m > 59 ||
            p[0] < '0' || p[0] > '9' || p[3] < '0' || p[3] > '9')
            return -1;
        *off = sign * (h * 3600 + m * 60);
        return 0;
    }
    struct eng_error err;
    const struct eng_tz *z = eng_tz_get(name, &err);
    if (!z)
        return -1;
    *off = eng_tz_offset_at(z, (eng_time)sec * 1000);
    return 0;
}

static val accessor(struct eng_expr_ctx *ctx, int fn, const val *a, size_t n)
{
    const val *t = &a[0];
    if (t->kind == ENG_EXPR_DURATION && n == 1) {
        int64_t s = t->u.t.sec;
        switch (fn) {
        case F_GETHOURS: return v_int(s / 3600);
        case F_GETMINUTES: return v_int(s / 60);
        case F_GETSECONDS: return v_int(s);
        case F_GETMILLIS: return v_int(t->u.t.nsec / 1000000);
        default: break;
        }
    }
    if (t->kind != ENG_EXPR_TIMESTAMP || (n == 2 && a[1].kind != ENG_EXPR_STRING))
        return v_errf(ctx, "no matching overload for this accessor on %s",
                      eng_expr_kind_name(t->kind));
    int off = 0;
    if (n == 2 && tz_offset(&a[1], t->u.t.sec, &off) < 0)
        return v_errf(ctx, "unknown time zone '%.*s'",
                      (int)(a[1].u.str.len > 64 ? 64 : a[1].u.str.len),
                      a[1].u.str.s);
    struct eng_civil c;
    eng_time_to_civil(((eng_time)t->u.t.sec + off) * 1000, &c);
    switch (fn) {
    case F_GETFULLYEAR: return v_int(c.year);
    case F_GETMONTH: return v_int(c.month - 1);
    case F_GETDAYOFYEAR: return v_int(c.yday);
    case F_GETDAYOFMONTH: return v_int(c.day - 1);
    case F_GETDATE: return v_int(c.day);
    case F_GETDAYOFWEEK: return v_int(c.wday);
    case F_GETHOURS: return v_int(c.hour);
    case F_GETMINUTES: return v_int(c.min);
    case F_GETSECONDS: return v_int(c.sec);
    default: return v_int(t->u.t.nsec / 1000000);
    }
}

/* Great-circle distance by the haversine formula, in metres. */
static val distance(struct eng_expr_ctx *ctx, const val *a)
{
    double d[4];
    for (int i = 0; i < 4; i++) {
        if (a[i].kind == ENG_EXPR_INT)
            d[i] = (double)a[i].u.i;
        else if (a[i].kind == ENG_EXPR_DOUBLE)
            d[i] = a[i].u.d;
        else
            return bad_args(ctx, "distance", a, 4);
    }
    const double r = M_PI / 180.0;
    double p1 = d[0] * r, p2 = d[2] * r;
    double dp = (d[2] - d[0]) * r, dl = (d[3] - d[1]) * r;
    double h = sin(dp / 2) * sin(dp / 2) +
               cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    if (h > 1)
        h = 1;
    return v_double(2 * EARTH_RADIUS_M * asin(sqrt(h)));
}

static int is_str(const val *v) { return v->kind == ENG_EXPR_STRING; }

val expr_call(struct eng_expr_ctx *ctx, const struct node *n)
{
    val a[5];
    size_t na = n->nkids;
    for (size_t i = 0; i < na; i++) {
        a[i] = expr_eval_node(ctx, n->kids[i]);
        if (a[i].kind == ENG_EXPR_ERROR)
            return a[i];
    }
    switch (n->fn) {
    case F_DYN:
        return a[0];
    case F_SIZE:
        if (is_str(&a[0]))
            return v_int((int64_t)utf8_count(a[0].u.str.s, a[0].u.str.len));
        if (a[0].kind == ENG_EXPR_LIST || a[0].kind == ENG_EXPR_MAP)
            return v_int((int64_t)v_len(&a[0]));
        return bad_args(ctx, "size", a, na);
    case F_MATCHES:
        if (!is_str(&a[0]) || !is_str(&a[1]))
            return bad_args(ctx, "matches", a, na);
        return do_matches(ctx, n, &a[0], &a[1]);
    case F_CONTAINS:
    case F_STARTS:
    case F_ENDS: {
        static const char *const names[] = { "contains", "startsWith",
                                             "endsWith" };
        if (!is_str(&a[0]) || !is_str(&a[1]))
            return bad_args(ctx, names[n->fn - F_CONTAINS], a, na);
        const char *s = a[0].u.str.s, *t = a[1].u.str.s;
        size_t sl = a[0].u.str.len, tl = a[1].u.str.len;
        if (tl == 0)
            return v_bool(1);
        if (tl > sl)
            return v_bool(0);
        if (n->fn == F_CONTAINS)
            return v_bool(memmem(s, sl, t, tl) != NULL);
        if (n->fn == F_STARTS)
            return v_bool(memcmp(s, t, tl) == 0);
        return v_bool(memcmp(s + sl - tl, t, tl) == 0);
    }
    case F_LOWER:
    case F_UPPER:
        if (!is_str(&a[0]))
            return bad_args(ctx, n->fn == F_LOWER ? "lowerAscii" : "upperAscii",
                            a, na);
        return case_ascii(ctx, &a[0], n->fn == F_UPPER);
    case F_INT:
        return to_int(ctx, &a[0]);
    case F_DOUBLE:
        return to_double(ctx, &a[0]);
    case F_STRING:
        return to_string(ctx, &a[0]);
    case F_TIMESTAMP:
        return to_timestamp(ctx, &a[0]);
    case F_DURATION:
        return to_duration(ctx, &a[0]);
    case F_DISTANCE:
        return distance(ctx, a);
    case F_GETFULLYEAR: case F_GETMONTH: case F_GETDAYOFYEAR:
    case F_GETDAYOFMONTH: case F_GETDATE: case F_GETDAYOFWEEK:
    case F_GETHOURS: case F_GETMINUTES: case F_GETSECONDS: case F_GETMILLIS:
        return accessor(ctx, n->fn, a, na);
    default:
        return v_err("internal error: unknown function");
    }
}
