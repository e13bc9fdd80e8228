/* test_clf: the access log parser (src/eng-ingest/clf.c) on real-shaped
 * lines from Apache httpd and nginx, and on malformed and hostile ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "clf.h"

/* A span as a NUL-terminated string for is_str; NULL stays NULL. */
static const char *S(struct clf_span sp)
{
    static char bufs[8][512];
    static int k;
    char *b;
    if (!sp.p)
        return NULL;
    b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%.*s", (int)sp.len, sp.p);
    return b;
}

struct good {
    const char *name;
    int combined;
    const char *line;
    const char *host, *ident, *user;
    long long ts; /* ms since the epoch */
    const char *method, *path, *protocol;
    long status;
    long long bytes;
    int is_combined;
    const char *referer, *agent;
};

static const struct good goods[] = {
    { "Apache CLF example (httpd docs)", 0,
      "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
      "127.0.0.1", NULL, "frank", 971211336000LL /* 2000-10-10T20:55:36Z */,
      "GET", "/apache_pb.gif", "HTTP/1.0", 200, 2326, 0, NULL, NULL },
    { "Apache combined example (httpd docs)", 1,
      "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
      "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
      "127.0.0.1", NULL, "frank", 971211336000LL,
      "GET", "/apache_pb.gif", "HTTP/1.0", 200, 2326, 1,
      "http://www.example.com/start.html", "Mozilla/4.08 [en] (Win98; I ;Nav)" },
    { "CLF line accepted when either form is", -1,
      "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326",
      "127.0.0.1", NULL, "frank", 971211336000LL,
      "GET", "/apache_pb.gif", "HTTP/1.0", 200, 2326, 0, NULL, NULL },
    { "nginx default combined, referer '-'", 1,
      "203.0.113.7 - - [04/Jul/2024:18:03:11 +0000] \"GET /index.html HTTP/1.1\" 200 612 \"-\" \"curl/8.5.0\"",
      "203.0.113.7", NULL, NULL, 1720116191000LL /* 2024-07-04T18:03:11Z */,
      "GET", "/index.html", "HTTP/1.1", 200, 612, 1, NULL, "curl/8.5.0" },
    { "nginx main format: x-forwarded-for after agent ignored with -1", -1,
      "203.0.113.7 - - [04/Jul/2024:18:03:11 +0000] \"GET /index.html HTTP/1.1\" 200 612 \"-\" \"curl/8.5.0\" \"198.51.100.2, 10.0.0.1\"",
      "203.0.113.7", NULL, NULL, 1720116191000LL,
      "GET", "/index.html", "HTTP/1.1", 200, 612, 1, NULL, "curl/8.5.0" },
    { "IPv6 host, bytes '-', leap day, +0100", 0,
      "2001:db8::1 - - [29/Feb/2024:23:59:59 +0100] \"POST /api/v1/login HTTP/2.0\" 401 -",
      "2001:db8::1", NULL, NULL, 1709247599000LL /* 2024-02-29T22:59:59Z */,
      "POST", "/api/v1/login", "HTTP/2.0", 401, -1, 0, NULL, NULL },
    { "TLS handshake on port 80: junk request kept whole as path", 1,
      "198.51.100.23 - - [05/Jul/2024:01:02:03 +0000] \"\\x16\\x03\\x01\\x00\\xca\\x01\\x00\\x00\" 400 157 \"-\" \"-\"",
      "198.51.100.23", NULL, NULL, 1720141323000LL /* 2024-07-05T01:02:03Z */,
      NULL, "\\x16\\x03\\x01\\x00\\xca\\x01\\x00\\x00", NULL, 400, 157, 1, NULL, NULL },
    { "request '-' (timeout before a request) kept as path '-'", 0,
      "198.51.100.23 - - [05/Jul/2024:01:02:03 +0000] \"-\" 408 -",
      "198.51.100.23", NULL, NULL, 1720141323000LL,
      NULL, "-", NULL, 408, -1, 0, NULL, NULL },
    { "empty request \"\" gives an empty path", 0,
      "198.51.100.23 - - [05/Jul/2024:01:02:03 +0000] \"\" 400 0",
      "198.51.100.23", NULL, NULL, 1720141323000LL,
      NULL, "", NULL, 400, 0, 0, NULL, NULL },
    { "four-word request kept whole", 0,
      "10.1.1.1 - - [05/Jul/2024:01:02:03 +0000] \"GET /a b HTTP/1.1\" 400 0",
      "10.1.1.1", NULL, NULL, 1720141323000LL,
      NULL, "GET /a b HTTP/1.1", NULL, 400, 0, 0, NULL, NULL },
    { "escaped quotes in agent stay escaped in the span", 1,
      "10.0.0.5 - alice [01/Jan/2024:05:30:00 +0530] \"GET /x?q=%22 HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0 \\\"evil\\\" bot \\\\\"",
      "10.0.0.5", NULL, "alice", 1704067200000LL /* 2024-01-01T00:00:00Z */,
      "GET", "/x?q=%22", "HTTP/1.1", 200, 10, 1, NULL, "Mozilla/5.0 \\\"evil\\\" bot \\\\" },
    { "old Apache unescaped quote inside the request", 0,
      "10.0.0.5 - - [01/Jan/2024:05:30:00 +0530] \"GET /a\"b HTTP/1.0\" 200 1",
      "10.0.0.5", NULL, NULL, 1704067200000LL,
      "GET", "/a\"b", "HTTP/1.0", 200, 1, 0, NULL, NULL },
    { "status '-', ident present, negative offset across a year", 0,
      "host.example.org ident1 bob [31/Dec/1999:23:00:00 -0200] \"HEAD / HTTP/1.1\" - -",
      "host.example.org", "ident1", "bob", 946688400000LL /* 2000-01-01T01:00:00Z */,
      "HEAD", "/", "HTTP/1.1", -1, -1, 0, NULL, NULL },
    { "lower-case month name and trailing blanks", 0,
      "1.2.3.4 - - [10/oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 304 0  ",
      "1.2.3.4", NULL, NULL, 971211336000LL,
      "GET", "/", "HTTP/1.0", 304, 0, 0, NULL, NULL },
    { "host '-' is absent", 0,
      "- - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 5",
      NULL, NULL, NULL, 971211336000LL,
      "GET", "/", "HTTP/1.0", 200, 5, 0, NULL, NULL },
};

struct bad {
    const char *name;
    int combined;
    const char *line;
    const char *why;
    const char *at_mark; /* the error is at the first occurrence of this */
    int at_end;          /* ... or at the end of the line */
};

static const struct bad bads[] = {
    { "day 32", 0,
      "1.2.3.4 - - [32/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
      "bad day", "32/", 0 },
    { "31 April", 0,
      "1.2.3.4 - - [31/Apr/2024:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1",
      "bad day", "31/", 0 },
    { "29 February in a common year", 0,
      "1.2.3.4 - - [29/Feb/2023:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1",
      "bad day", "29/", 0 },
    { "29 February 1900 (not a leap year)", 0,
      "1.2.3.4 - - [29/Feb/1900:13:55:36 +0000] \"GET / HTTP/1.0\" 200 1",
      "bad day", "29/", 0 },
    { "unknown month", 0,
      "1.2.3.4 - - [10/Okt/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
      "unknown month", "Okt", 0 },
    { "hour 25", 0,
      "1.2.3.4 - - [10/Oct/2000:25:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
      "bad hour", "25:", 0 },
    { "minute 61", 0,
      "1.2.3.4 - - [10/Oct/2000:13:61:36 -0700] \"GET / HTTP/1.0\" 200 1",
      "bad minute", "61:", 0 },
    { "zone without sign", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 00700] \"GET / HTTP/1.0\" 200 1",
      "bad time zone offset", "00700", 0 },
    { "missing ']'", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700 \"GET / HTTP/1.0\" 200 1",
      "expected ']' after time", " \"GET", 0 },
    { "line cut inside the time", 0,
      "1.2.3.4 - - [10/Oct/20",
      "expected ']' after time", NULL, 1 },
    { "ISO time instead of CLF time", 0,
      "1.2.3.4 - - [2000-10-10T13:55:36Z] \"GET / HTTP/1.0\" 200 1",
      "bad time (expected [dd/Mon/yyyy:HH:MM:SS +zzzz])", "[", 0 },
    { "no '[' before time", 0,
      "1.2.3.4 - - 10/Oct/2000:13:55:36 -0700 \"GET / HTTP/1.0\" 200 1",
      "expected '[' before time", "10/", 0 },
    { "request not quoted", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] GET / HTTP/1.0 200 1",
      "expected '\"' before request", "GET", 0 },
    { "unterminated request", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0 200 1",
      "unterminated request", "\"GET", 0 },
    { "request ending in a backslash", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\\\"",
      "unterminated request", "\"GET", 0 },
    { "status not a number", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" OK 1",
      "bad status", "OK", 0 },
    { "status of four digits", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 2000 1",
      "bad status", "2000 1", 0 },
    { "status missing", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\"",
      "bad status", NULL, 1 },
    { "byte count with a letter", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 12x",
      "bad byte count", "12x", 0 },
    { "byte count that would overflow", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 99999999999999999999",
      "bad byte count", "9999", 0 },
    { "combined required, CLF given", 1,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1",
      "expected '\"' before referer", NULL, 1 },
    { "CLF required, combined given", 0,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"a\"",
      "unexpected text after byte count", "\"-\"", 0 },
    { "combined required, extra field after agent", 1,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"a\" \"1.1.1.1\"",
      "unexpected text after agent", "\"1.1.1.1", 0 },
    { "referer without agent", -1,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\"",
      "expected '\"' before agent", NULL, 1 },
    { "referer not quoted", -1,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 - \"a\"",
      "expected '\"' before referer", "- \"a", 0 },
    { "unterminated agent", 1,
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"Mozilla",
      "unterminated agent", "\"Mozilla", 0 },
    { "empty line", -1, "", "empty line", NULL, 1 },
    { "blank line", -1, "   ", "empty line", NULL, 1 },
    { "host only", -1, "1.2.3.4", "expected ident after host", NULL, 1 },
    { "a JSON line is not an access log", -1,
      "{\"ts\":\"2024-07-04T18:03:11Z\",\"customer\":\"c1\"}",
      "expected ident after host", NULL, 1 },
};

static void test_good(const struct good *g)
{
    struct clf_record rec;
    const char *why = "(unset)";
    size_t at = 12345;
    char name[256];
    int rc = clf_parse(g->line, strlen(g->line), g->combined, &rec, &why, &at);

#define NAME(field) (snprintf(name, sizeof name, "%s: %s", g->name, field), name)
    if (!ok(rc == 0, NAME("parses"))) {
        printf("#   why: %s at %zu\n", why, at);
        return;
    }
    is_str(S(rec.host), g->host, NAME("host"));
    is_str(S(rec.ident), g->ident, NAME("ident"));
    is_str(S(rec.user), g->user, NAME("user"));
    is_int(rec.ts, g->ts, NAME("ts"));
    is_str(S(rec.method), g->method, NAME("method"));
    is_str(S(rec.path), g->path, NAME("path"));
    is_str(S(rec.protocol), g->protocol, NAME("protocol"));
    is_int(rec.status, g->status, NAME("status"));
    is_int(rec.bytes, g->bytes, NAME("bytes"));
    is_int(rec.combined, g->is_combined, NAME("combined"));
    is_str(S(rec.referer), g->referer, NAME("referer"));
    is_str(S(rec.agent), g->agent, NAME("agent"));
#undef NAME
}

static void test_bad(const struct bad *b)
{
    struct clf_record rec;
    const char *why = NULL;
    size_t at = 12345, want_at;
    char name[256];
    size_t len = strlen(b->line);
    int rc = clf_parse(b->line, len, b->combined, &rec, &why, &at);

    want_at = b->at_end ? len : (size_t)(strstr(b->line, b->at_mark) - b->line);
    snprintf(name, sizeof name, "%s: rejected", b->name);
    is_int(rc, -1, name);
    snprintf(name, sizeof name, "%s: reason", b->name);
    is_str(why, b->why, name);
    snprintf(name, sizeof name, "%s: offset", b->name);
    is_int(at, want_at, name);
}

/* Every prefix of a full combined line, each in a buffer of exactly its size
 * (so ASan sees a read past the end), parses or fails without reading past
 * the line; only the whole line is a combined record. */
static void test_prefixes(void)
{
    const char *line =
        "2001:db8::1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a\\\"b HTTP/1.1\" 200 2326 "
        "\"http://example.com/\" \"Mozilla/5.0 \\\"x\\\"\"";
    size_t len = strlen(line), parsed = 0;
    for (size_t n = 0; n <= len; n++) {
        char *buf = malloc(n ? n : 1);
        struct clf_record rec;
        const char *why;
        size_t at;
        memcpy(buf, line, n);
        if (clf_parse(buf, n, 1, &rec, &why, &at) == 0)
            parsed++;
        else if (at > n)
            parsed += 1000; /* an offset past the end is a bug */
        free(buf);
    }
    is_int(parsed, 1, "every prefix of a combined line but the whole fails, in bounds");
}

/* Bytes a hostile client can put in a log: NUL, 0xff, control characters.
 * The parser takes a length, so a NUL is just a byte of the path. */
static void test_hostile_bytes(void)
{
    static const char line[] =
        "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\0\xff\x01 HTTP/1.0\" 200 1";
    struct clf_record rec;
    const char *why;
    size_t at;
    int rc = clf_parse(line, sizeof line - 1, 0, &rec, &why, &at);
    is_int(rc, 0, "NUL and 0xff inside a request: parsed by length");
    is_int(rec.path.len, 4, "NUL and 0xff inside a request: path keeps all 4 bytes");
    ok(rec.path.len == 4 && memcmp(rec.path.p, "/\0\xff\x01", 4) == 0,
       "NUL and 0xff inside a request: path bytes exact");
}

/* The fields are spans into the caller's line, not copies. */
static void test_spans_point_into_line(void)
{
    const char *line = "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /x HTTP/1.0\" 200 1";
    struct clf_record rec;
    const char *why;
    size_t at;
    clf_parse(line, strlen(line), 0, &rec, &why, &at);
    ok(rec.host.p == line, "host span starts at the line's first byte");
    ok(rec.path.p == strstr(line, "/x"), "path span points into the line");
}

int main(void)
{
    for (size_t i = 0; i < sizeof goods / sizeof goods[0]; i++)
        test_good(&goods[i]);
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
        test_bad(&bads[i]);
    test_prefixes();
    test_hostile_bytes();
    test_spans_point_into_line();
    return done_testing();
}
