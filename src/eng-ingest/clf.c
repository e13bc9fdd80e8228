/* clf: one web access log line in, its fields out (clf.h).
 *
 * The format, as Apache httpd and nginx write it:
 *
 *   host ident user [dd/Mon/yyyy:HH:MM:SS +zzzz] "request" status bytes
 *   ... combined adds:  "referer" "agent"
 *   ... nginx's usual "main" format adds more quoted fields after those
 *       ("$http_x_forwarded_for"), accepted and ignored when the caller
 *       accepts either form (combined == -1).
 *
 * The parse is one left-to-right pass with a cursor; every field is a span
 * into the line (no allocation, no copy). The rules, and why:
 *   1. Fields are separated by runs of blanks; a bare field is a run of
 *      non-blanks, so an IPv6 host ("2001:db8::1") is just a host.
 *   2. "-" means absent (span.p == NULL) for host, ident, user, referer and
 *      agent; status and bytes become -1.
 *   3. A quoted field ends at the first '"' that is not escaped by '\' and is
 *      followed by a blank or the end of the line. The second condition keeps
 *      an old Apache's unescaped quote inside a request ("GET /a"b HTTP/1.0")
 *      from cutting the field short. Escapes stay in the span: the caller
 *      unescapes when it writes JSON.
 *   4. The request is split into method, path and protocol when it is three
 *      words separated by single spaces, the method is letters only and the
 *      protocol holds a '/' ("HTTP/1.1"). Anything else ("-", "", a TLS
 *      handshake sent to port 80, logged as "\x16\x03\x01") is kept whole as
 *      path with method and protocol absent, so nothing is lost.
 *   5. The time is parsed by hand, not with a strptime-like format: it is the
 *      one fixed shape every line has, and this is the hot loop of a log
 *      ingest. The day is checked against its month (no 31/Apr, 29/Feb only
 *      in leap years).
 * Every failure names what was expected and the byte offset where it was not
 * found, so a reject points at the place.
 */
#include "clf.h"

#include <string.h>

/* Where the parse is: the line, its length and the cursor. */
struct cur {
    const char *s;
    size_t len;
    size_t i;
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_blanks(struct cur *c)
{
    while (c->i < c->len && is_blank(c->s[c->i]))
        c->i++;
}

static int at_end(const struct cur *c)
{
    return c->i >= c->len;
}

/* A "-" alone stands for a missing value in every CLF field. */
static struct clf_span span_of(const char *p, size_t len)
{
    struct clf_span sp = { p, len };
    if (len == 1 && p[0] == '-')
        sp.p = NULL, sp.len = 0;
    return sp;
}

/* Reads a run of non-blanks. 0, or -1 when there is none. */
static int bare_field(struct cur *c, const char **p, size_t *len)
{
    size_t start = c->i;
    while (c->i < c->len && !is_blank(c->s[c->i]))
        c->i++;
    if (c->i == start)
        return -1;
    *p = c->s + start;
    *len = c->i - start;
    return 0;
}

/* Reads a quoted field at the cursor (rule 3); *p and *len give the text between
 * the quotes, escapes kept. Returns 0, -1 when there is no opening quote, -2
 * when there is no closing one. */
static int quoted_field(struct cur *c, const char **p, size_t *len)
{
    size_t i;
    if (at_end(c) || c->s[c->i] != '"')
        return -1;
    for (i = c->i + 1; i < c->len; i++) {
        if (c->s[i] == '\\') {
            i++; /* whatever follows is escaped, a quote too */
            continue;
        }
        if (c->s[i] == '"' && (i + 1 == c->len || is_blank(c->s[i + 1]))) {
            *p = c->s + c->i + 1;
            *len = i - c->i - 1;
            c->i = i + 1;
            return 0;
        }
    }
    return -2;
}

/* Reads exactly n digits at s into *out. 0 or -1. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (!is_digit(s[k]))
            return -1;
        v = v * 10 + (s[k] - '0');
    }
    *out = v;
    return 0;
}

static int month_of(const char *m)
{
    static const char names[12][4] = {
        "jan", "feb", "mar", "apr", "may", "jun",
        "jul", "aug", "sep", "oct", "nov", "dec",
    };
    char low[3];
    for (int k = 0; k < 3; k++)
        low[k] = (char)(m[k] >= 'A' && m[k] <= 'Z' ? m[k] + ('a' - 'A') : m[k]);
    for (int k = 0; k < 12; k++)
        if (memcmp(low, names[k], 3) == 0)
            return k + 1;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Parses "[dd/Mon/yyyy:HH:MM:SS +zzzz]" at the cursor (rule 5). */
static int parse_time(struct cur *c, eng_time *ts, const char **why, size_t *at)
{
    /* [dd/Mon/yyyy:HH:MM:SS +zzzz] is 28 bytes; offsets below are from '['. */
    const char *s = c->s + c->i;
    size_t room = c->len - c->i;
    struct eng_civil cv;
    int zh, zm, off;

    memset(&cv, 0, sizeof cv);
    if (room == 0 || s[0] != '[') {
        *why = "expected '[' before time";
        *at = c->i;
        return -1;
    }
    /* Check the ']' first so a cut line is reported as such, not as a bad
     * digit somewhere in the middle. */
    if (room < 28 || s[27] != ']') {
        if (memchr(s, ']', room < 28 ? room : 28)) {
            *why = "bad time (expected [dd/Mon/yyyy:HH:MM:SS +zzzz])";
            *at = c->i;
        } else {
            *why = "expected ']' after time";
            *at = room < 28 ? c->len : c->i + 27;
        }
        return -1;
    }
    if (digits(s + 1, 2, &cv.day) < 0 || s[3] != '/') {
        *why = "bad day";
        *at = c->i + 1;
        return -1;
    }
    if (s[7] != '/' || (cv.month = month_of(s + 4)) == 0) {
        *why = "unknown month";
        *at = c->i + 4;
        return -1;
    }
    if (digits(s + 8, 4, &cv.year) < 0 || s[12] != ':') {
        *why = "bad year";
        *at = c->i + 8;
        return -1;
    }
    if (cv.day < 1 || cv.day > days_in_month(cv.year, cv.month)) {
        *why = "bad day";
        *at = c->i + 1;
        return -1;
    }
    if (digits(s + 13, 2, &cv.hour) < 0 || s[15] != ':' || cv.hour > 23) {
        *why = "bad hour";
        *at = c->i + 13;
        return -1;
    }
    if (digits(s + 16, 2, &cv.min) < 0 || s[18] != ':' || cv.min > 59) {
        *why = "bad minute";
        *at = c->i + 16;
        return -1;
    }
    /* 60 is a leap second; eng time ignores them, as POSIX does, and
     * eng_time_from_civil folds it into the next minute. */
    if (digits(s + 19, 2, &cv.sec) < 0 || s[21] != ' ' || cv.sec > 60) {
        *why = "bad second";
        *at = c->i + 19;
        return -1;
    }
    if ((s[22] != '+' && s[22] != '-') || digits(s + 23, 2, &zh) < 0 ||
        digits(s + 25, 2, &zm) < 0 || zh > 23 || zm > 59) {
        *why = "bad time zone offset";
        *at = c->i + 22;
        return -1;
    }
    off = (zh * 60 + zm) * 60;
    if (s[22] == '-')
        off = -off;
    /* Local time minus its offset is UTC. */
    *ts = eng_time_from_civil(&cv) - (eng_time)off * 1000;
    c->i += 28;
    return 0;
}

/* Splits the request text into method, path, protocol (rule 4). */
static void split_request(const char *p, size_t len, struct clf_record *rec)
{
    const char *sp1 = memchr(p, ' ', len);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p)) : NULL;
    int good = sp1 && sp2 && sp1 > p && sp2 > sp1 + 1 &&
               sp2 + 1 < p + len &&
               !memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - p)) &&
               memchr(sp2 + 1, '/', len - (size_t)(sp2 + 1 - p));
    for (const char *q = p; good && q < sp1; q++)
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
            good = 0;
    if (!good) {
        rec->method.p = rec->protocol.p = NULL;
        rec->method.len = rec->protocol.len = 0;
        rec->path.p = p;
        rec->path.len = len;
        return;
    }
    rec->method.p = p;
    rec->method.len = (size_t)(sp1 - p);
    rec->path.p = sp1 + 1;
    rec->path.len = (size_t)(sp2 - sp1 - 1);
    rec->protocol.p = sp2 + 1;
    rec->protocol.len = len - (size_t)(sp2 + 1 - p);
}

/* Reads status ("-" or 1 to 3 digits) or bytes ("-" or up to 18 digits, so
 * the value cannot overflow) at the cursor into *out. 0 or -1. */
static int number_field(struct cur *c, int maxdigits, long long *out)
{
    const char *p;
    size_t len;
    long long v = 0;
    if (bare_field(c, &p, &len) < 0)
        return -1;
    if (len == 1 && p[0] == '-') {
        *out = -1;
        return 0;
    }
    if (len > (size_t)maxdigits)
        return -1;
    for (size_t k = 0; k < len; k++) {
        if (!is_digit(p[k]))
            return -1;
        v = v * 10 + (p[k] - '0');
    }
    *out = v;
    return 0;
}

/* Fails the parse with reason r at offset a. */
#define FAIL(r, a) do { *why = (r); *at = (a); return -1; } while (0)

int clf_parse(const char *line, size_t len, int combined, struct clf_record *rec,
              const char **why, size_t *at)
{
    struct cur c = { line, len, 0 };
    const char *p = NULL;
    size_t n = 0, start;
    long long num;
    int r;

    memset(rec, 0, sizeof *rec);
    rec->status = -1;
    rec->bytes = -1;

    skip_blanks(&c);
    if (at_end(&c))
        FAIL("empty line", c.i);
    bare_field(&c, &p, &n);
    rec->host = span_of(p, n);

    skip_blanks(&c);
    if (bare_field(&c, &p, &n) < 0)
        FAIL("expected ident after host", c.i);
    rec->ident = span_of(p, n);

    skip_blanks(&c);
    if (bare_field(&c, &p, &n) < 0)
        FAIL("expected user after ident", c.i);
    rec->user = span_of(p, n);

    skip_blanks(&c);
    if (parse_time(&c, &rec->ts, why, at) < 0)
        return -1;

    skip_blanks(&c);
    start = c.i;
    r = quoted_field(&c, &p, &n);
    if (r == -1)
        FAIL("expected '\"' before request", c.i);
    if (r == -2)
        FAIL("unterminated request", start);
    split_request(p, n, rec);

    skip_blanks(&c);
    start = c.i;
    if (number_field(&c, 3, &num) < 0)
        FAIL("bad status", start);
    rec->status = (long)num;

    skip_blanks(&c);
    start = c.i;
    if (number_field(&c, 18, &num) < 0)
        FAIL("bad byte count", start);
    rec->bytes = num;

    skip_blanks(&c);
    if (at_end(&c)) {
        if (combined == 1)
            FAIL("expected '\"' before referer", c.i);
        return 0;
    }
    if (combined == 0)
        FAIL("unexpected text after byte count", c.i);

    start = c.i;
    r = quoted_field(&c, &p, &n);
    if (r == -1)
        FAIL("expected '\"' before referer", c.i);
    if (r == -2)
        FAIL("unterminated referer", start);
    rec->referer = span_of(p, n);

    skip_blanks(&c);
    start = c.i;
    r = quoted_field(&c, &p, &n);
    if (r == -1)
        FAIL("expected '\"' before agent", c.i);
    if (r == -2)
        FAIL("unterminated agent", start);
    rec->agent = span_of(p, n);
    rec->combined = 1;

    /* quoted_field only ends at a blank or the end, so what follows, if
     * anything, is a further field: nginx's "$http_x_forwarded_for" and the
     * like. Only the caller that accepts any form takes them. */
    skip_blanks(&c);
    if (!at_end(&c) && combined == 1)
        FAIL("unexpected text after agent", c.i);
    return 0;
}
