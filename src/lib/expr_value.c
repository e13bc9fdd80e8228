/* expr_value: the values of the rule language and what every operator needs
 * from them: construction, reading JSON (borrowed, never copied), equality
 * and ordering with CEL's rules, the time and number text forms, writing
 * values out, and the per-evaluation arena.
 *
 * Equality is CEL's heterogeneous equality (cel-spec langdef.md, "Equality"):
 * values of different types are unequal, except int and double, which
 * compare as numbers, exactly (no rounding of large ints); NaN equals
 * nothing. Ordering is defined within a type, and between int and double.
 *
 * Arena: a chain of chunks; the first is kept across resets, so an
 * evaluation that fits in it never calls malloc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"
#include "timeutil.h"

/* ------------------------------------------------------------ arena */

#define ARENA_FIRST (64 * 1024)
#define ARENA_ALIGN 16

void *arena_alloc(struct eng_expr_ctx *ctx, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n == 0)
        n = ARENA_ALIGN;
    struct arena_chunk *c = ctx->chunks;
    if (c && c->size - c->used >= n) {
        void *p = (char *)(c + 1) + c->used;
        c->used += n;
        return p;
    }
    if (n > ((size_t)1 << 30))
        return NULL;  /* no single evaluation needs a gigabyte */
    size_t size = n > ARENA_FIRST ? n : ARENA_FIRST;
    /* header padded to the alignment */
    size_t hdr = (sizeof *c + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_chunk *nc = malloc(hdr + size);
    if (!nc)
        return NULL;
    nc->size = size + hdr - sizeof *nc;
    nc->used = hdr - sizeof *nc + n;
    nc->next = c;
    ctx->chunks = nc;
    return (char *)(nc + 1) + (hdr - sizeof *nc);
}

void arena_reset(struct eng_expr_ctx *ctx)
{
    /* keep the oldest chunk (the last in the chain), free the rest */
    struct arena_chunk *c = ctx->chunks;
    if (!c)
        return;
    while (c->next) {
        struct arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    size_t hdr = (sizeof *c + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    c->used = hdr - sizeof *c;
    ctx->chunks = c;
}

/* ------------------------------------------------------------ making */

val v_err(const char *msg)
{
    val v = { .kind = ENG_EXPR_ERROR };
    v.u.str.s = msg;
    v.u.str.len = strlen(msg);
    return v;
}

val v_errf(struct eng_expr_ctx *ctx, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return v_err("error");
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    char *m = arena_alloc(ctx, (size_t)n + 1);
    if (!m)
        return v_err("out of memory");
    memcpy(m, buf, (size_t)n + 1);
    val v = { .kind = ENG_EXPR_ERROR };
    v.u.str.s = m;
    v.u.str.len = (size_t)n;
    return v;
}

val v_bool(int b) { val v = { .kind = ENG_EXPR_BOOL }; v.u.b = !!b; return v; }
val v_int(int64_t i) { val v = { .kind = ENG_EXPR_INT }; v.u.i = i; return v; }
val v_double(double d) { val v = { .kind = ENG_EXPR_DOUBLE }; v.u.d = d; return v; }
val v_null(void) { val v = { .kind = ENG_EXPR_NULL }; return v; }
val v_str(const char *s, size_t len)
{
    val v = { .kind = ENG_EXPR_STRING };
    v.u.str.s = s;
    v.u.str.len = len;
    return v;
}

const char *eng_expr_kind_name(enum eng_expr_kind k)
{
    static const char *const names[] = {
        "null", "bool", "int", "double", "string", "list", "map",
        "timestamp", "duration", "error"
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* The typed-JSON forms of --eval-jsonl: {"$double": "NaN"} and friends. */
static int typed_json(struct eng_expr_ctx *ctx, const json_t *j, val *out)
{
    if (json_object_size(j) != 1)
        return 0;
    void *it = json_object_iter((json_t *)j);
    const char *k = json_object_iter_key(it);
    if (k[0] != '$')
        return 0;
    json_t *s = json_object_iter_value(it);
    int is_d = !strcmp(k, "$double"), is_t = !strcmp(k, "$timestamp"),
        is_u = !strcmp(k, "$duration");
    if (!is_d && !is_t && !is_u)
        return 0;
    if (!json_is_string(s)) {
        *out = v_errf(ctx, "bad %s value", k);
        return 1;
    }
    const char *t = json_string_value(s);
    size_t len = json_string_length(s);
    if (is_d) {
        if (!strcmp(t, "NaN"))
            *out = v_double(NAN);
        else if (!strcmp(t, "Infinity"))
            *out = v_double(INFINITY);
        else if (!strcmp(t, "-Infinity"))
            *out = v_double(-INFINITY);
        else
            *out = v_errf(ctx, "bad $double value");
        return 1;
    }
    val v = { .kind = is_t ? ENG_EXPR_TIMESTAMP : ENG_EXPR_DURATION };
    int rc = is_t ? ts_parse(t, len, &v.u.t.sec, &v.u.t.nsec)
                  : dur_parse(t, len, &v.u.t.sec, &v.u.t.nsec);
    *out = rc == 0 ? v : v_errf(ctx, "bad %s value", k);
    return 1;
}

val v_from_json(struct eng_expr_ctx *ctx, const json_t *j)
{
    val v = { .kind = ENG_EXPR_NULL };
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        if ((ctx->flags & ENG_EXPR_TYPED_JSON) && typed_json(ctx, j, &v))
            return v;
        v.kind = ENG_EXPR_MAP;
        v.rep = REP_JSON;
        v.u.json = j;
        return v;
    case JSON_ARRAY:
        v.kind = ENG_EXPR_LIST;
        v.rep = REP_JSON;
        v.u.json = j;
        return v;
    case JSON_STRING:
        return v_str(json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return v_int(json_integer_value(j));
    case JSON_REAL:
        return v_double(json_real_value(j));
    case JSON_TRUE:
        return v_bool(1);
    case JSON_FALSE:
        return v_bool(0);
    case JSON_NULL:
    default:
        return v;
    }
}

size_t v_len(const val *v)
{
    if (v->rep == REP_JSON)
        return v->kind == ENG_EXPR_LIST ? json_array_size(v->u.json)
                                        : json_object_size(v->u.json);
    return v->n;
}

val v_list_at(struct eng_expr_ctx *ctx, const val *l, size_t i)
{
    if (l->rep == REP_JSON)
        return v_from_json(ctx, json_array_get(l->u.json, i));
    return ((const val *)l->u.p)[i];
}

int v_map_get(struct eng_expr_ctx *ctx, const val *m, const char *k,
              size_t klen, val *out)
{
    if (m->rep == REP_JSON) {
        json_t *j = json_object_getn(m->u.json, k, klen);
        if (!j)
            return 0;
        *out = v_from_json(ctx, j);
        return 1;
    }
    const struct map_entry *e = m->u.p;
    for (size_t i = 0; i < m->n; i++) {
        if (e[i].klen == klen && memcmp(e[i].key, k, klen) == 0) {
            *out = e[i].v;
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ compare */

/* Compares int a with double b as CEL does: the int converted to double
 * (so 9223372036854775807 == 9223372036854775808.0). -1, 0, 1, or 2 when b
 * is NaN. */
static int cmp_int_double(int64_t a, double b)
{
    double x = (double)a;
    if (isnan(b))
        return 2;
    return x < b ? -1 : x > b;
}

static int cmp_t(const val *a, const val *b)
{
    if (a->u.t.sec != b->u.t.sec)
        return a->u.t.sec < b->u.t.sec ? -1 : 1;
    if (a->u.t.nsec != b->u.t.nsec)
        return a->u.t.nsec < b->u.t.nsec ? -1 : 1;
    return 0;
}

int v_compare(const val *a, const val *b, int *cmp)
{
    enum eng_expr_kind ka = a->kind, kb = b->kind;
    if (ka == ENG_EXPR_INT && kb == ENG_EXPR_INT) {
        *cmp = a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
        return 0;
    }
    if (ka == ENG_EXPR_DOUBLE && kb == ENG_EXPR_DOUBLE) {
        double x = a->u.d, y = b->u.d;
        *cmp = (isnan(x) || isnan(y)) ? 2 : x < y ? -1 : x > y;
        return 0;
    }
    if (ka == ENG_EXPR_INT && kb == ENG_EXPR_DOUBLE) {
        *cmp = cmp_int_double(a->u.i, b->u.d);
        return 0;
    }
    if (ka == ENG_EXPR_DOUBLE && kb == ENG_EXPR_INT) {
        int c = cmp_int_double(b->u.i, a->u.d);
        *cmp = c == 2 ? 2 : -c;
        return 0;
    }
    if (ka != kb)
        return -1;
    switch (ka) {
    case ENG_EXPR_STRING: {
        /* bytewise order of UTF-8 is code point order */
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        int c = n ? memcmp(a->u.str.s, b->u.str.s, n) : 0;
        if (c == 0)
            c = a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
        *cmp = c < 0 ? -1 : c > 0;
        return 0;
    }
    case ENG_EXPR_BOOL:
        *cmp = a->u.b - b->u.b;
        return 0;
    case ENG_EXPR_TIMESTAMP:
    case ENG_EXPR_DURATION:
        *cmp = cmp_t(a, b);
        return 0;
    default:
        return -1;
    }
}

static int map_key_at(struct eng_expr_ctx *ctx, const val *m, void **it,
                      size_t i, const char **k, size_t *klen, val *v)
{
    if (m->rep == REP_JSON) {
        *it = i == 0 ? json_object_iter((json_t *)m->u.json)
                     : json_object_iter_next((json_t *)m->u.json, *it);
        if (!*it)
            return 0;
        *k = json_object_iter_key(*it);
        *klen = json_object_iter_key_len(*it);
        if (v)
            *v = v_from_json(ctx, json_object_iter_value(*it));
        return 1;
    }
    if (i >= m->n)
        return 0;
    const struct map_entry *e = m->u.p;
    *k = e[i].key;
    *klen = e[i].klen;
    if (v)
        *v = e[i].v;
    return 1;
}

int v_equal(struct eng_expr_ctx *ctx, const val *a, const val *b)
{
    if (a->kind == ENG_EXPR_LIST && b->kind == ENG_EXPR_LIST) {
        size_t n = v_len(a);
        if (n != v_len(b))
            return 0;
        for (size_t i = 0; i < n; i++) {
            val x = v_list_at(ctx, a, i), y = v_list_at(ctx, b, i);
            if (!v_equal(ctx, &x, &y))
                return 0;
        }
        return 1;
    }
    if (a->kind == ENG_EXPR_MAP && b->kind == ENG_EXPR_MAP) {
        size_t n = v_len(a);
        if (n != v_len(b))
            return 0;
        void *it = NULL;
        const char *k;
        size_t kl;
        val x, y;
        for (size_t i = 0; map_key_at(ctx, a, &it, i, &k, &kl, &x); i++) {
            if (!v_map_get(ctx, b, k, kl, &y) || !v_equal(ctx, &x, &y))
                return 0;
        }
        return 1;
    }
    if (a->kind == ENG_EXPR_NULL || b->kind == ENG_EXPR_NULL)
        return a->kind == b->kind;
    if (a->kind == ENG_EXPR_STRING && b->kind == ENG_EXPR_STRING)
        return a->u.str.len == b->u.str.len &&
               (a->u.str.len == 0 ||
                memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0);
    int c;
    if (v_compare(a, b, &c) < 0)
        return 0;
    return c == 0;
}

/* Iteration over a map's keys for comprehensions and `in`. */
int expr_map_iter(struct eng_expr_ctx *ctx, const val *m, void **it, size_t i,
                  val *key)
{
    const char *k;
    size_t kl;
    if (!map_key_at(ctx, m, it, i, &k, &kl, NULL))
        return 0;
    *key = v_str(k, kl);
    return 1;
}

val v_map_key_at(struct eng_expr_ctx *ctx, const val *m, size_t i)
{
    void *it = NULL;
    val k = v_null();
    for (size_t j = 0; j <= i; j++)
        if (!expr_map_iter(ctx, m, &it, j, &k))
            return v_err("no such key");
    return k;
}

/* ------------------------------------------------------------ time text */

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* RFC 3339 with up to 9 fraction digits, as CEL's timestamp(string).
 * Returns 0, or -1 when malformed or outside 0001..9999. */
int ts_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec)
{
    int Y, M, D, h, m, sc;
    if (len < 20 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return -1;
    if (digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) ||
        digits(s + 11, 2, &h) || digits(s + 14, 2, &m) ||
        digits(s + 17, 2, &sc))
        return -1;
    if (M < 1 || M > 12 || D < 1 || h > 23 || m > 59 || sc > 59)
        return -1;
    static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] || (M == 2 && D == 29 && !leap))
        return -1;
    size_t i = 19;
    int32_t ns = 0;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        int32_t scale = 100000000;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (i - start >= 9)
                return -1;
            ns += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start)
            return -1;
    }
    int off = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    int64_t t = eng_days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 +
                h * 3600 + m * 60 + sc - off;
    if (t < TS_MIN_SEC || t > TS_MAX_SEC)
        return -1;
    *sec = t;
    *nsec = ns;
    return 0;
}

/* Go's time.ParseDuration syntax, which CEL's duration(string) uses:
 * [-+] then one or more DECIMAL UNIT, unit h m s ms us µs ns; "0" alone.
 * Computed exactly in 128-bit nanoseconds; the range is that of int64
 * nanoseconds (about +-292 years), as cel-go's (Go's time.Duration). */
int dur_parse(const char *s, size_t len, int64_t *sec, int32_t *nsec)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == len)
        return -1;
    if (len - i == 1 && s[i] == '0') {
        *sec = 0;
        *nsec = 0;
        return 0;
    }
    __int128 total = 0;
    const __int128 limit = INT64_MAX;
    while (i < len) {
        __int128 ip = 0;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            ip = ip * 10 + (s[i] - '0');
            if (ip > limit)
                return -1;
            i++;
        }
        int had_int = i > start;
        const char *frac = NULL;
        size_t nfrac = 0;
        if (i < len && s[i] == '.') {
            i++;
            frac = s + i;
            while (i < len && s[i] >= '0' && s[i] <= '9')
                i++;
            nfrac = (size_t)(s + i - frac);
        }
        if (!had_int && nfrac == 0)
            return -1;
        int64_t unit;
        if (i + 1 < len && s[i] == 'n' && s[i + 1] == 's') { unit = 1; i += 2; }
        else if (i + 1 < len && s[i] == 'u' && s[i + 1] == 's') { unit = 1000; i += 2; }
        else if (i + 2 < len && (unsigned char)s[i] == 0xC2 &&
                 (unsigned char)s[i + 1] == 0xB5 && s[i + 2] == 's') { unit = 1000; i += 3; }
        else if (i + 1 < len && s[i] == 'm' && s[i + 1] == 's') { unit = 1000000; i += 2; }
        else if (i < len && s[i] == 's') { unit = 1000000000; i += 1; }
        else if (i < len && s[i] == 'm') { unit = 60LL * 1000000000; i += 1; }
        else if (i < len && s[i] == 'h') { unit = 3600LL * 1000000000; i += 1; }
        else return -1;
        __int128 part = ip * unit;
        /* the fraction: digits * unit / 10^k, truncated */
        __int128 fnum = 0, fden = 1;
        for (size_t k = 0; k < nfrac && k < 30; k++) {
            fnum = fnum * 10 + (frac[k] - '0');
            fden *= 10;
        }
        part += fnum * unit / fden;
        total += part;
        if (total > limit)
            return -1;
    }
    if (neg)
        total = -total;
    *sec = (int64_t)(total / 1000000000);
    *nsec = (int32_t)(total % 1000000000);
    return 0;
}

static size_t frac9(int32_t ns, char *buf)
{
    if (ns == 0)
        return 0;
    char d[10];
    snprintf(d, sizeof d, "%09d", (int)ns);
    int n = 9;
    while (n > 0 && d[n - 1] == '0')
        n--;
    buf[0] = '.';
    memcpy(buf + 1, d, (size_t)n);
    return (size_t)n + 1;
}

size_t ts_format(int64_t sec, int32_t nsec, char *buf)
{
    int64_t days = sec / 86400, rem = sec % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    eng_civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, 40, "%04d-%02u-%02uT%02d:%02d:%02d", (int)y, m, d,
                     (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    size_t l = (size_t)n;
    l += frac9(nsec, buf + l);
    buf[l++] = 'Z';
    buf[l] = '\0';
    return l;
}

size_t dur_format(int64_t sec, int32_t nsec, char *buf)
{
    size_t l = 0;
    if (sec < 0 || nsec < 0) {
        buf[l++] = '-';
        sec = -sec;
        nsec = -nsec;
    }
    l += (size_t)snprintf(buf + l, 24, "%lld", (long long)sec);
    l += frac9(nsec, buf + l);
    buf[l++] = 's';
    buf[l] = '\0';
    return l;
}

/* Shortest text that reads back as the same double, always with a '.' or an
 * exponent (JSON real form; the protocol tells 2.0 from 2). */
size_t double_format(double d, char *buf)
{
    if (isnan(d))
        return (size_t)snprintf(buf, 32, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, 32, d < 0 ? "-Infinity" : "Infinity");
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) {
        n = snprintf(buf, 32, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eE")) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    return (size_t)n;
}

/* ------------------------------------------------------------ output */

static int write_val(struct eng_writer *w, const val *v, unsigned flags,
                     struct eng_expr_ctx *ctx);

static int write_str(struct eng_writer *w, const char *s)
{
    return eng_writer_json_string(w, s, strlen(s));
}

static int write_typed(struct eng_writer *w, const char *tag, const char *s,
                       unsigned flags)
{
    if (!(flags & ENG_EXPR_OUT_TYPED))
        return write_str(w, s);
    if (eng_writer_puts(w, "{\"") < 0 || eng_writer_puts(w, tag) < 0 ||
        eng_writer_puts(w, "\":") < 0 || write_str(w, s) < 0 ||
        eng_writer_putc(w, '}') < 0)
        return -1;
    return 0;
}

/* Writes borrowed JSON; reals in their shortest exact form, as computed
 * doubles are (jansson would write 2.3522 as 2.3521999999999998). */
static int write_json(struct eng_writer *w, const json_t *j)
{
    char buf[40];
    switch (json_typeof(j)) {
    case JSON_REAL:
        double_format(json_real_value(j), buf);
        return eng_writer_puts(w, buf);
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        if (eng_writer_putc(w, '[') < 0)
            return -1;
        json_array_foreach(j, i, x)
            if ((i && eng_writer_putc(w, ',') < 0) || write_json(w, x) < 0)
                return -1;
        return eng_writer_putc(w, ']');
    }
    case JSON_OBJECT: {
        const char *k;
        size_t kl;
        json_t *x;
        int first = 1;
        if (eng_writer_putc(w, '{') < 0)
            return -1;
        json_object_keylen_foreach((json_t *)j, k, kl, x) {
            if ((!first && eng_writer_putc(w, ',') < 0) ||
                eng_writer_json_string(w, k, kl) < 0 ||
                eng_writer_putc(w, ':') < 0 || write_json(w, x) < 0)
                return -1;
            first = 0;
        }
        return eng_writer_putc(w, '}');
    }
    default:
        return eng_writer_json(w, j);
    }
}

static int write_val(struct eng_writer *w, const val *v, unsigned flags,
                     struct eng_expr_ctx *ctx)
{
    char buf[64];
    switch (v->kind) {
    case ENG_EXPR_NULL: return eng_writer_puts(w, "null");
    case ENG_EXPR_BOOL: return eng_writer_puts(w, v->u.b ? "true" : "false");
    case ENG_EXPR_INT:
        snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
        return eng_writer_puts(w, buf);
    case ENG_EXPR_DOUBLE:
        double_format(v->u.d, buf);
        if (isnan(v->u.d) || isinf(v->u.d))
            return write_typed(w, "$double", buf, flags);
        return eng_writer_puts(w, buf);
    case ENG_EXPR_STRING:
        return eng_writer_json_string(w, v->u.str.s, v->u.str.len);
    case ENG_EXPR_TIMESTAMP:
        ts_format(v->u.t.sec, v->u.t.nsec, buf);
        return write_typed(w, "$timestamp", buf, flags);
    case ENG_EXPR_DURATION:
        dur_format(v->u.t.sec, v->u.t.nsec, buf);
        return write_typed(w, "$duration", buf, flags);
    case ENG_EXPR_LIST:
    case ENG_EXPR_MAP:
        if (v->rep == REP_JSON)
            return write_json(w, v->u.json); /* data in, data out */
        if (v->kind == ENG_EXPR_LIST) {
            if (eng_writer_putc(w, '[') < 0)
                return -1;
            const val *e = v->u.p;
            for (size_t i = 0; i < v->n; i++)
                if ((i && eng_writer_putc(w, ',') < 0) ||
                    write_val(w, &e[i], flags, ctx) < 0)
                    return -1;
            return eng_writer_putc(w, ']');
        } else {
            if (eng_writer_putc(w, '{') < 0)
                return -1;
            const struct map_entry *e = v->u.p;
            for (size_t i = 0; i < v->n; i++)
                if ((i && eng_writer_putc(w, ',') < 0) ||
                    eng_writer_json_string(w, e[i].key, e[i].klen) < 0 ||
                    eng_writer_putc(w, ':') < 0 ||
                    write_val(w, &e[i].v, flags, ctx) < 0)
                    return -1;
            return eng_writer_putc(w, '}');
        }
    case ENG_EXPR_ERROR:
    default:
        return -1;
    }
}

/* An error anywhere inside a built list/map (cannot happen: errors
 * propagate) is still refused, so check the top only. */
int eng_expr_value_write(struct eng_writer *w, const struct eng_expr_value *v,
                         unsigned flags)
{
    if (v->kind == ENG_EXPR_ERROR)
        return -1;
    return write_val(w, v, flags, NULL);
}

static json_t *typed_json_new(const char *tag, const char *s, unsigned flags)
{
    if (!(flags & ENG_EXPR_OUT_TYPED))
        return json_string(s);
    return json_pack("{ss}", tag, s);
}

json_t *eng_expr_value_to_json(const struct eng_expr_value *v, unsigned flags)
{
    char buf[64];
    switch (v->kind) {
    case ENG_EXPR_NULL: return json_null();
    case ENG_EXPR_BOOL: return json_boolean(v->u.b);
    case ENG_EXPR_INT: return json_integer(v->u.i);
    case ENG_EXPR_DOUBLE:
        if (isnan(v->u.d) || isinf(v->u.d)) {
            double_format(v->u.d, buf);
            return typed_json_new("$double", buf, flags);
        }
        return json_real(v->u.d);
    case ENG_EXPR_STRING: return json_stringn(v->u.str.s, v->u.str.len);
    case ENG_EXPR_TIMESTAMP:
        ts_format(v->u.t.sec, v->u.t.nsec, buf);
        return typed_json_new("$timestamp", buf, flags);
    case ENG_EXPR_DURATION:
        dur_format(v->u.t.sec, v->u.t.nsec, buf);
        return typed_json_new("$duration", buf, flags);
    case ENG_EXPR_LIST:
    case ENG_EXPR_MAP: {
        if (v->rep == REP_JSON)
            return json_deep_copy(v->u.json);
        json_t *out = v->kind == ENG_EXPR_LIST ? json_array() : json_object();
        if (!out)
            return NULL;
        for (size_t i = 0; i < v->n; i++) {
            const val *ev = v->kind == ENG_EXPR_LIST
                                ? &((const val *)v->u.p)[i]
                                : &((const struct map_entry *)v->u.p)[i].v;
            json_t *j = eng_expr_value_to_json(ev, flags);
            int rc = !j ? -1
                     : v->kind == ENG_EXPR_LIST
                         ? json_array_append_new(out, j)
                         : json_object_setn_new(
                               out, ((const struct map_entry *)v->u.p)[i].key,
                               ((const struct map_entry *)v->u.p)[i].klen, j);
            if (rc < 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    }
    case ENG_EXPR_ERROR:
    default:
        return NULL;
    }
}
