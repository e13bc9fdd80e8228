/* test_rejects: the dead-letter writer of src/lib/rejects.c: the rejects
 * file byte for byte, the stderr listing, -q, --max-rejects, write errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rejects.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test_rejects.XXXXXX";

/* Returns the whole file as a NUL-terminated malloc'd string (*len bytes). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* stderr capture: everything written to fd 2 between the two calls. */
static int saved_fd = -1;
static FILE *cap;

static void capture_start(void)
{
    fflush(stderr);
    cap = tmpfile();
    saved_fd = dup(2);
    dup2(fileno(cap), 2);
}

static char *capture_end(void)
{
    long n;
    char *buf;
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    n = ftell(cap) >= 0 ? lseek(fileno(cap), 0, SEEK_END) : 0;
    buf = malloc((size_t)n + 1);
    lseek(fileno(cap), 0, SEEK_SET);
    if (read(fileno(cap), buf, (size_t)n) != n)
        n = 0;
    buf[n] = '\0';
    fclose(cap);
    return buf;
}

static void test_file_basic(void)
{
    char path[64], *got;
    struct eng_error err;
    struct eng_rejects *r;
    static const char raw_nul[] = "a\0b\x01\x1f\t\x7f/";
    /* a lone byte, a cut 2- and 3-byte sequence, an overlong '/', a
     * surrogate, a code point past U+10FFFF, then valid e-acute, euro, emoji */
    static const char raw_bad[] =
        "ok\xff(\xc3(\xe2\x82(\xc0\xaf(\xed\xa0\x80(\xf4\x90\x80\x80"
        "(\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80)";

    snprintf(path, sizeof path, "%s/basic.jsonl", tmpdir);
    r = eng_rejects_open("eng-ingest", path, -1, 0, &err);
    ok(r != NULL, "file: opens");
    is_int(eng_rejects_add(r, "tweets.csv", 812,
                           "ts: cannot parse '2015-02-31 11:35:52 -0800'",
                           "a,\"b\"\\c\r\n", 9), 0, "file: add returns 0");
    eng_rejects_add(r, NULL, 0, "no place", NULL, 0);
    eng_rejects_add(r, NULL, 5, "line only", "x", 1);
    eng_rejects_add(r, "s", 0, "source only", "", 0);
    eng_rejects_add(r, "s", 1, "nul", raw_nul, sizeof raw_nul - 1);
    eng_rejects_add(r, "s", 2, "bad utf8", raw_bad, sizeof raw_bad - 1);
    eng_rejects_add(r, "s\xfe", 3, "err \xff \"q\"", "z", 1);
    eng_rejects_add(r, "s", 4, NULL, "z", 1);
    is_int(eng_rejects_count(r), 8, "file: count");
    is_int(eng_rejects_close(r, &err), 0, "file: close returns 0");

    got = slurp(path, NULL);
    is_str(got,
           "{\"tool\":\"eng-ingest\",\"source\":\"tweets.csv\",\"line\":812,"
           "\"error\":\"ts: cannot parse '2015-02-31 11:35:52 -0800'\","
           "\"raw\":\"a,\\\"b\\\"\\\\c\\r\\n\"}\n"
           "{\"tool\":\"eng-ingest\",\"error\":\"no place\"}\n"
           "{\"tool\":\"eng-ingest\",\"line\":5,\"error\":\"line only\",\"raw\":\"x\"}\n"
           "{\"tool\":\"eng-ingest\",\"source\":\"s\",\"error\":\"source only\",\"raw\":\"\"}\n"
           "{\"tool\":\"eng-ingest\",\"source\":\"s\",\"line\":1,\"error\":\"nul\","
           "\"raw\":\"a\\u0000b\\u0001\\u001F\\t\x7f/\"}\n"
           "{\"tool\":\"eng-ingest\",\"source\":\"s\",\"line\":2,\"error\":\"bad utf8\","
           "\"raw\":\"ok\xef\xbf\xbd(\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd("
           "\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd("
           "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd("
           "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80)\"}\n"
           "{\"tool\":\"eng-ingest\",\"source\":\"s\xef\xbf\xbd\",\"line\":3,"
           "\"error\":\"err \xef\xbf\xbd \\\"q\\\"\",\"raw\":\"z\"}\n"
           "{\"tool\":\"eng-ingest\",\"source\":\"s\",\"line\":4,"
           "\"error\":\"unknown error\",\"raw\":\"z\"}\n",
           "file: exact lines (escapes, absent parts, NUL, invalid UTF-8)");

    /* each line is valid JSON and round-trips the cleaned raw */
    {
        FILE *f = fopen(path, "r");
        char line[512];
        int n = 0, all = 1;
        while (fgets(line, sizeof line, f)) {
            json_error_t jerr;
            json_t *v = json_loads(line, JSON_ALLOW_NUL, &jerr);
            if (!v)
                all = 0;
            if (v && n == 4) {
                json_t *raw = json_object_get(v, "raw");
                all &= json_string_length(raw) == 8 &&
                       memcmp(json_string_value(raw), raw_nul, 8) == 0;
            }
            json_decref(v);
            n++;
        }
        fclose(f);
        ok(all && n == 8, "file: every line parses with jansson; NUL kept");
    }
    free(got);
}

static void test_file_truncation(void)
{
    char path[64], *got, *want;
    struct eng_error err;
    struct eng_rejects *r;
    size_t big = 100 << 10, len;
    char *raw = malloc(big);
    const char *head = "{\"tool\":\"t\",\"error\":\"e\",\"raw\":\"";
    size_t hl = strlen(head);

    memset(raw, 'x', big);
    snprintf(path, sizeof path, "%s/trunc.jsonl", tmpdir);
    r = eng_rejects_open("t", path, -1, 0, &err);
    eng_rejects_add(r, NULL, 0, "e", raw, big);         /* 100 KiB */
    eng_rejects_add(r, NULL, 0, "e", raw, 65536);       /* exactly 64 KiB */
    memcpy(raw + 65535, "\xc3\xa9", 2);                 /* é across the cut */
    eng_rejects_add(r, NULL, 0, "e", raw, 65537);
    raw[65535] = '"';                                   /* escape at the end */
    eng_rejects_add(r, NULL, 0, "e", raw, 65537);
    eng_rejects_close(r, &err);

    got = slurp(path, &len);
    want = malloc(4 * 70000);
    {
        char *p = want;
        /* 1: cut to 65536 bytes */
        memcpy(p, head, hl); p += hl;
        memset(p, 'x', 65536); p += 65536;
        p += sprintf(p, "\",\"raw_truncated\":true}\n");
        /* 2: 64 KiB exactly fits */
        memcpy(p, head, hl); p += hl;
        memset(p, 'x', 65536); p += 65536;
        p += sprintf(p, "\"}\n");
        /* 3: the é would end past the cut: cut before it */
        memcpy(p, head, hl); p += hl;
        memset(p, 'x', 65535); p += 65535;
        p += sprintf(p, "\",\"raw_truncated\":true}\n");
        /* 4: the quote is byte 65536: kept, escaped */
        memcpy(p, head, hl); p += hl;
        memset(p, 'x', 65535); p += 65535;
        p += sprintf(p, "\\\"\",\"raw_truncated\":true}\n");
        *p = '\0';
    }
    is_int(len, strlen(want), "truncation: file length");
    ok(strcmp(got, want) == 0,
       "truncation: 100 KiB cut at 64 KiB, UTF-8 boundary kept, flag added");
    free(got);
    free(want);
    free(raw);
}

static void test_add_json(void)
{
    char path[64], *got;
    struct eng_error err;
    struct eng_rejects *r;
    json_t *rec = json_pack("{s:i,s:s,s:[i,n]}", "a", 1, "b", "\xc3\xa9\"", "c", 2);
    json_t *bigrec = json_object();
    char *longs = malloc(3000);

    memset(longs, 'y', 2999);
    longs[2999] = '\0';
    json_object_set_new(bigrec, "k", json_string(longs));
    snprintf(path, sizeof path, "%s/json.jsonl", tmpdir);
    r = eng_rejects_open("t", path, -1, 0, &err);
    is_int(eng_rejects_add_json(r, "in", 3, "no customer", rec), 0,
           "add_json: returns 0");
    eng_rejects_add_json(r, "in", 4, "null record", NULL);
    {
        json_t *str = json_string("s");
        eng_rejects_add_json(r, "in", 5, "string record", str);
        json_decref(str);
    }
    eng_rejects_add_json(r, "in", 6, "big", bigrec);
    eng_rejects_close(r, &err);
    got = slurp(path, NULL);
    {
        char *want = malloc(8000);
        snprintf(want, 8000,
               "{\"tool\":\"t\",\"source\":\"in\",\"line\":3,\"error\":\"no customer\","
               "\"raw\":\"{\\\"a\\\":1,\\\"b\\\":\\\"\xc3\xa9\\\\\\\"\\\",\\\"c\\\":[2,null]}\"}\n"
               "{\"tool\":\"t\",\"source\":\"in\",\"line\":4,\"error\":\"null record\"}\n"
               "{\"tool\":\"t\",\"source\":\"in\",\"line\":5,\"error\":\"string record\","
               "\"raw\":\"\\\"s\\\"\"}\n"
               "{\"tool\":\"t\",\"source\":\"in\",\"line\":6,\"error\":\"big\","
               "\"raw\":\"{\\\"k\\\":\\\"%s\\\"}\"}\n", longs);
        is_str(got, want, "add_json: record serialised compactly as raw");
        free(want);
    }
    free(got);
    free(longs);
    json_decref(rec);
    json_decref(bigrec);
}

static void test_stderr_listing(void)
{
    struct eng_rejects *r;
    struct eng_error err;
    char *got;

    capture_start();
    r = eng_rejects_open("eng-test", NULL, -1, 0, &err);
    for (int i = 1; i <= 12; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "bad %d", i);
        eng_rejects_add(r, i == 2 ? NULL : "in.csv", i == 3 ? 0 : (unsigned long)i,
                        i == 4 ? "esc\033[31m\x7f" : msg, "raw", 3);
    }
    ok(eng_rejects_count(r) == 12, "stderr: all 12 counted");
    eng_rejects_close(r, &err);
    got = capture_end();
    is_str(got,
           "eng-test: in.csv:1: bad 1\n"
           "eng-test: line 2: bad 2\n"
           "eng-test: in.csv: bad 3\n"
           "eng-test: in.csv:4: esc?[31m?\n"
           "eng-test: in.csv:5: bad 5\n"
           "eng-test: in.csv:6: bad 6\n"
           "eng-test: in.csv:7: bad 7\n"
           "eng-test: in.csv:8: bad 8\n"
           "eng-test: in.csv:9: bad 9\n"
           "eng-test: in.csv:10: bad 10\n"
           "eng-test: 2 more rejects not shown (use --rejects FILE to keep them)\n",
           "stderr: first 10 listed, control bytes shown as '?', then the count");
    free(got);

    capture_start();
    r = eng_rejects_open("eng-test", NULL, -1, 0, &err);
    eng_rejects_add(r, NULL, 0, "only", NULL, 0);
    eng_rejects_close(r, &err);
    got = capture_end();
    is_str(got, "eng-test: only\n", "stderr: no place, no closing line when all shown");
    free(got);

    capture_start();
    r = eng_rejects_open("eng-test", NULL, -1, 1, &err);
    for (int i = 0; i < 12; i++)
        eng_rejects_add(r, "in", 1, "bad", "x", 1);
    is_int(eng_rejects_count(r), 12, "quiet: still counted");
    eng_rejects_close(r, &err);
    got = capture_end();
    is_str(got, "", "quiet: nothing on stderr");
    free(got);
}

static void test_limits_and_errors(void)
{
    struct eng_rejects *r;
    struct eng_error err;
    char path[64], *got;

    capture_start();
    r = eng_rejects_open("t", NULL, 2, 0, &err);
    eng_rejects_add(r, NULL, 0, "a", NULL, 0);
    eng_rejects_add(r, NULL, 0, "b", NULL, 0);
    is_int(eng_rejects_over_limit(r), 0, "limit: 2 rejects with --max-rejects 2 is fine");
    eng_rejects_add(r, NULL, 0, "c", NULL, 0);
    is_int(eng_rejects_over_limit(r), 1, "limit: the 3rd is over --max-rejects 2");
    eng_rejects_close(r, NULL);

    r = eng_rejects_open("t", NULL, 0, 0, &err);
    is_int(eng_rejects_over_limit(r), 0, "limit: 0 rejects with --max-rejects 0 is fine");
    eng_rejects_add(r, NULL, 0, "a", NULL, 0);
    is_int(eng_rejects_over_limit(r), 1, "limit: 1 reject is over --max-rejects 0");
    eng_rejects_close(r, NULL);

    r = eng_rejects_open("t", NULL, -1, 0, &err);
    for (int i = 0; i < 50; i++)
        eng_rejects_add(r, NULL, 0, "a", NULL, 0);
    is_int(eng_rejects_over_limit(r), 0, "limit: -1 never stops");
    eng_rejects_close(r, NULL);
    free(capture_end());

    eng_error_clear(&err);
    r = eng_rejects_open("t", "/nonexistent-dir/rejects.jsonl", -1, 0, &err);
    ok(r == NULL, "open: uncreatable file gives NULL");
    is_str(err.msg, "/nonexistent-dir/rejects.jsonl: cannot create rejects file: "
           "No such file or directory", "open: error names the file and the cause");

    is_int(eng_rejects_close(NULL, NULL), 0, "close: NULL is fine");
    is_int(eng_rejects_flush(NULL), 0, "flush: NULL is fine");

    if (access("/dev/full", W_OK) == 0) {
        int rc = 0;
        eng_error_clear(&err);
        r = eng_rejects_open("t", "/dev/full", -1, 0, &err);
        for (int i = 0; i < 2000 && rc == 0; i++)
            rc = eng_rejects_add(r, "in", (unsigned long)i, "some error text", "raw", 3);
        /* the 64 KiB buffer fills after ~1000 rejects: the failure shows
         * up in add, and again at close */
        is_int(rc, -1, "write error: add returns -1 once the buffer is written");
        is_int(eng_rejects_close(r, &err), -1, "write error: close returns -1");
        is_str(err.msg, "/dev/full: cannot write rejects: No space left on device",
               "write error: message names the file and the cause");

        r = eng_rejects_open("t", "/dev/full", -1, 0, &err);
        eng_rejects_add(r, NULL, 0, "e", NULL, 0);
        is_int(eng_rejects_flush(r), -1, "write error: flush reports it");
        is_int(eng_rejects_close(r, &err), -1, "write error: close after a failed flush");
    } else {
        for (int i = 0; i < 5; i++)
            ok(1, "# SKIP no /dev/full");
    }

    snprintf(path, sizeof path, "%s/flush.jsonl", tmpdir);
    r = eng_rejects_open("t", path, -1, 0, &err);
    eng_rejects_add(r, NULL, 0, "e", NULL, 0);
    got = slurp(path, NULL);
    is_str(got, "", "flush: the buffer holds rejects until flushed");
    free(got);
    is_int(eng_rejects_flush(r), 0, "flush: returns 0");
    got = slurp(path, NULL);
    is_str(got, "{\"tool\":\"t\",\"error\":\"e\"}\n", "flush: rejects are in the file");
    free(got);
    eng_rejects_close(r, NULL);
}

/* Hostile bytes: every line must parse, and jansson re-serialising what it
 * parsed must give back our bytes exactly (same escaping rules). */
static void test_random_bytes(void)
{
    static const unsigned char alphabet[] = {
        0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, ' ', '"', '\\', '/',
        'a', 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xc3, 0xa9, 0xe0, 0xe2, 0x82, 0xac,
        0xed, 0xa0, 0xf0, 0x9f, 0x98, 0xf4, 0x90, 0xf5, 0xff
    };
    char path[64], line[1024];
    unsigned seed = 12345;
    struct eng_rejects *r;
    FILE *f;
    int n = 0, parsed = 0, same = 0;

    snprintf(path, sizeof path, "%s/random.jsonl", tmpdir);
    r = eng_rejects_open("t", path, -1, 0, NULL);
    for (int i = 0; i < 3000; i++) {
        char raw[40];
        size_t len;
        seed = seed * 1103515245u + 12345u;
        len = (seed >> 16) % sizeof raw;
        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            raw[k] = (char)alphabet[(seed >> 16) % sizeof alphabet];
        }
        eng_rejects_add(r, NULL, 0, "e", raw, len);
    }
    eng_rejects_close(r, NULL);
    f = fopen(path, "r");
    while (fgets(line, sizeof line, f)) {
        json_error_t jerr;
        json_t *v = json_loads(line, JSON_ALLOW_NUL, &jerr);
        n++;
        if (v) {
            char *back = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
            parsed++;
            line[strcspn(line, "\n")] = '\0';
            if (back && strcmp(back, line) == 0)
                same++;
            else if (same + 1 == n)
                printf("# first mismatch:\n#  ours: %s\n#  jansson: %s\n", line, back);
            free(back);
            json_decref(v);
        }
    }
    fclose(f);
    is_int(n, 3000, "random bytes: one line per reject");
    is_int(parsed, 3000, "random bytes: every line is valid JSON");
    is_int(same, 3000, "random bytes: escaping identical to jansson's");
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_file_basic();
    test_file_truncation();
    test_add_json();
    test_stderr_listing();
    test_limits_and_errors();
    test_random_bytes();
    {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            printf("# could not remove %s\n", tmpdir);
    }
    return done_testing();
}
