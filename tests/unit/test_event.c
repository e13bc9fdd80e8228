/* test_event: ids, partitions, the normal ts form and the common-field
 * checks of src/lib/event.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "event.h"
#include "tap.h"

static void hex16(XXH64_hash_t h, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static void test_ids(void)
{
    char a[17], b[17], want[17];
    static const char buf[] = "tweets\0" "1\0" "a,b";

    eng_event_make_id("tweets", 1, "a,b", 3, a);
    hex16(XXH3_64bits(buf, sizeof buf - 1), want);
    is_str(a, want, "id: XXH3-64 of source NUL line NUL raw");
    /* XXH3's output is frozen since xxHash 0.8.0: pin one id so a change
     * of hash (XXH64, a seed) cannot pass unnoticed. */
    is_str(a, "0fcd3434d5edf8e1", "id: pinned value for tweets/1/'a,b'");
    is_int(strlen(a), 16, "id: 16 characters");
    ok(strspn(a, "0123456789abcdef") == 16, "id: lower-case hex digits only");

    eng_event_make_id("tweets", 1, "a,b", 3, b);
    is_str(b, a, "id: same inputs give the same id");
    eng_event_make_id("tweets", 2, "a,b", 3, b);
    ok(strcmp(a, b) != 0, "id: same row on another line is another event");
    eng_event_make_id("other", 1, "a,b", 3, b);
    ok(strcmp(a, b) != 0, "id: another source gives another id");
    eng_event_make_id("tweets", 1, "a,c", 3, b);
    ok(strcmp(a, b) != 0, "id: another raw gives another id");

    /* the NUL separators keep the parts apart */
    {
        char x[17], y[17];
        eng_event_make_id("a", 12, "", 0, x);
        eng_event_make_id("a1", 2, "", 0, y);
        ok(strcmp(x, y) != 0, "id: 'a' line 12 differs from 'a1' line 2");
    }

    /* line 0, NULL source and NULL raw hash as empty parts */
    {
        static const char b0[] = "\0" "0\0";
        eng_event_make_id(NULL, 0, NULL, 0, b);
        hex16(XXH3_64bits(b0, sizeof b0 - 1), want);
        is_str(b, want, "id: NULL source, line 0, NULL raw hash as empty parts");
    }

    /* the largest line number is written in full */
    {
        char big[64];
        int n = snprintf(big, sizeof big, "s%c%lu%cr", 0, (unsigned long)-1, 0);
        eng_event_make_id("s", (unsigned long)-1, "r", 1, b);
        hex16(XXH3_64bits(big, (size_t)n), want);
        is_str(b, want, "id: ULONG_MAX line number");
    }

    /* raw with NUL bytes is hashed by length, not up to the NUL */
    {
        static const char r1[] = "x\0y", r2[] = "x\0z";
        char x[17], y[17];
        eng_event_make_id("s", 1, r1, 3, x);
        eng_event_make_id("s", 1, r2, 3, y);
        ok(strcmp(x, y) != 0, "id: bytes after a NUL in raw count");
    }

    /* long inputs take the streaming path; the digest must match the
     * one-shot hash of the same bytes, on both sides of the cut-over */
    {
        size_t sizes[] = { 0, 1000, 1014, 1015, 1016, 1017, 5000, 100000 };
        int all = 1;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t n = sizes[k];
            char *raw = malloc(n + 1), *whole = malloc(n + 16);
            size_t wl;
            for (size_t i = 0; i < n; i++)
                raw[i] = (char)('a' + i % 26);
            memcpy(whole, "src\0" "42\0", 7);
            memcpy(whole + 7, raw, n);
            wl = 7 + n;
            eng_event_make_id("src", 42, raw, n, b);
            hex16(XXH3_64bits(whole, wl), want);
            if (strcmp(b, want) != 0) {
                all = 0;
                printf("# size %zu: got %s want %s\n", n, b, want);
            }
            free(raw);
            free(whole);
        }
        ok(all, "id: one-shot and streaming paths agree for 0..100000 bytes");
    }
    {
        char *src = malloc(3000);
        char *whole = malloc(3010);
        memset(src, 's', 2999);
        src[2999] = '\0';
        memcpy(whole, src, 2999);
        memcpy(whole + 2999, "\0" "7\0" "r", 4);
        eng_event_make_id(src, 7, "r", 1, b);
        hex16(XXH3_64bits(whole, 3003), want);
        is_str(b, want, "id: long source name takes the streaming path");
        free(src);
        free(whole);
    }
}

static void test_partitions(void)
{
    unsigned counts[4] = { 0, 0, 0, 0 };
    int in_range = 1, stable = 1;
    char key[32];

    is_int(eng_event_partition("c42", 3, 4),
           XXH3_64bits("c42", 3) % 4, "partition: XXH3-64 of the key mod n");
    is_int(eng_event_partition("c42", 3, 1), 0, "partition: n=1 gives 0");
    is_int(eng_event_partition("c42", 3, 0), 0, "partition: n=0 does not divide by zero");
    is_int(eng_event_partition("", 0, 7), XXH3_64bits("", 0) % 7,
           "partition: empty key");

    for (int i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof key, "customer-%d", i);
        unsigned p = eng_event_partition(key, (size_t)n, 4);
        if (p >= 4) {
            in_range = 0;
            continue;
        }
        if (eng_event_partition(key, (size_t)n, 4) != p)
            stable = 0;
        counts[p]++;
    }
    ok(in_range, "partition: always in [0, n)");
    ok(stable, "partition: same key, same partition");
    for (int p = 0; p < 4; p++) {
        char name[80];
        snprintf(name, sizeof name,
                 "partition: %d holds 20-30%% of 10000 keys (%u)", p, counts[p]);
        ok(counts[p] >= 2000 && counts[p] <= 3000, name);
    }
}

static void test_ts(void)
{
    static const struct { const char *ts; int normal; } cases[] = {
        { "2024-07-04T18:03:11Z", 1 },
        { "2024-07-04T18:03:11.250Z", 1 },
        { "2024-07-04T18:03:11.001Z", 1 },
        { "2024-07-04T18:03:11.000Z", 0 },   /* ms only when non-zero */
        { "2024-07-04T18:03:11.25Z", 0 },
        { "2024-07-04T18:03:11.2500Z", 0 },
        { "2024-07-04T18:03:11.Z", 0 },
        { "2024-07-04T18:03:11z", 0 },       /* lower-case z */
        { "2024-07-04t18:03:11Z", 0 },       /* lower-case t */
        { "2024-07-04 18:03:11Z", 0 },       /* space for T */
        { "2024-07-04T18:03:11+00:00", 0 },  /* offsets are not normal */
        { "2024-07-04T18:03:11-0800", 0 },
        { "2024-07-04T18:03:11", 0 },        /* no zone */
        { "2024-07-04", 0 },
        { "", 0 },
        { "2023-02-29T00:00:00Z", 0 },       /* not a leap year */
        { "2024-02-29T00:00:00Z", 1 },       /* leap year */
        { "2000-02-29T00:00:00Z", 1 },       /* divisible by 400 */
        { "1900-02-29T00:00:00Z", 0 },       /* divisible by 100 */
        { "2024-04-31T00:00:00Z", 0 },
        { "2024-12-31T23:59:59Z", 1 },
        { "2024-01-01T00:00:00Z", 1 },
        { "2024-00-10T00:00:00Z", 0 },
        { "2024-13-10T00:00:00Z", 0 },
        { "2024-01-00T00:00:00Z", 0 },
        { "2024-01-32T00:00:00Z", 0 },
        { "2024-01-01T24:00:00Z", 0 },
        { "2024-01-01T23:60:00Z", 0 },
        { "2024-01-01T23:00:60Z", 0 },       /* leap seconds are not kept */
        { "2024-1-01T00:00:00Z0", 0 },
        { "2024-01-01T0a:00:00Z", 0 },
        { "+024-01-01T00:00:00Z", 0 },
        { "2024/01/01T00:00:00Z", 0 },
        { "2024-01-01T00:00:00.-01Z", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "ts: '%s' is %s", cases[i].ts,
                 cases[i].normal ? "normal" : "not normal");
        is_int(eng_event_ts_is_normal(cases[i].ts, strlen(cases[i].ts)),
               cases[i].normal, name);
    }
    is_int(eng_event_ts_is_normal("2024-07-04T18:03:11Z", 19), 0,
           "ts: length is respected (cut before the Z)");
    is_int(eng_event_ts_is_normal("2024-07-04T18:03:11\0Z", 20), 0,
           "ts: NUL inside is not normal");
    is_int(eng_event_ts_is_normal(NULL, 0), 0, "ts: NULL is not normal");
}

static void check(const char *json, int want_rc, const char *want_msg,
                  const char *name)
{
    json_error_t jerr;
    json_t *ev = json_loads(json, JSON_DECODE_ANY, &jerr);
    struct eng_error err;
    char n2[160];
    eng_error_clear(&err);
    is_int(eng_event_check_common(ev, &err), want_rc, name);
    snprintf(n2, sizeof n2, "%s (message)", name);
    is_str(err.msg, want_msg, n2);
    json_decref(ev);
}

static void test_check_common(void)
{
    check("{\"id\":\"e1\",\"ts\":\"2024-07-04T18:03:11Z\",\"customer\":\"c1\","
          "\"channel\":\"web\",\"type\":\"page_view\",\"text\":\"hi\","
          "\"source\":{\"name\":\"t\",\"line\":1},\"extra\":[1]}",
          0, "", "check: a full event passes");
    check("{}", 0, "", "check: presence is not checked");
    check("{\"id\":42}", -1, "id: expected a string, got a number",
          "check: numeric id");
    check("{\"customer\":null}", -1, "customer: expected a string, got null",
          "check: null customer");
    check("{\"channel\":[\"web\"]}", -1, "channel: expected a string, got an array",
          "check: array channel");
    check("{\"type\":true}", -1, "type: expected a string, got a boolean",
          "check: boolean type");
    check("{\"text\":{}}", -1, "text: expected a string, got an object",
          "check: object text");
    check("{\"ts\":\"2024-07-04 18:03:11\"}", -1,
          "ts: not in normal form '2024-07-04 18:03:11'", "check: ts not normal");
    check("{\"ts\":1720116191}", -1, "ts: expected a string, got a number",
          "check: epoch ts");
    check("{\"source\":\"tweets\"}", -1, "source: expected an object, got a string",
          "check: source as a string");
    check("[1]", -1, "event: expected an object, got an array",
          "check: not an object");
    {
        /* a huge bad ts is cut in the message */
        char *big = malloc(5000);
        char want[200];
        strcpy(big, "{\"ts\":\"");
        memset(big + 7, 'x', 4000);
        strcpy(big + 4007, "\"}");
        snprintf(want, sizeof want, "ts: not in normal form '%.*s...'", 64,
                 big + 7);
        check(big, -1, want, "check: huge ts value is cut to 64 bytes");
        free(big);
    }
}

int main(void)
{
    test_ids();
    test_partitions();
    test_ts();
    test_check_common();
    return done_testing();
}
