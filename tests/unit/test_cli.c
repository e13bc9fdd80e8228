/* test_cli: the common command line of src/lib/cli.c: defaults, options and
 * their error messages, sizes and counts, messages, --stats, --progress,
 * signals. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "tap.h"

/* Capture of fd 1 or fd 2: everything written between start and end. */
struct capture {
    int fd, saved;
    FILE *tmp;
};

static void capture_start(struct capture *c, int fd)
{
    fflush(stdout);
    fflush(stderr);
    c->fd = fd;
    c->tmp = tmpfile();
    c->saved = dup(fd);
    dup2(fileno(c->tmp), fd);
}

/* Returns the captured bytes, NUL-terminated; caller frees. */
static char *capture_end(struct capture *c)
{
    off_t n;
    char *buf;
    fflush(c->fd == 1 ? stdout : stderr);
    dup2(c->saved, c->fd);
    close(c->saved);
    n = lseek(fileno(c->tmp), 0, SEEK_END);
    buf = malloc((size_t)n + 1);
    lseek(fileno(c->tmp), 0, SEEK_SET);
    if (read(fileno(c->tmp), buf, (size_t)n) != n)
        n = 0;
    buf[n] = '\0';
    fclose(c->tmp);
    return buf;
}

static void test_defaults_and_version(void)
{
    struct eng_cli cli;
    struct capture c;
    char *out;

    eng_cli_init(&cli, "eng-test");
    is_str(cli.prog, "eng-test", "init: prog kept");
    is_str(eng_prog(), "eng-test", "init: eng_prog() returns it");
    is_int(cli.max_rejects, -1, "init: --max-rejects defaults to never");
    is_int(cli.max_line, 64 << 20, "init: --max-line defaults to 64 MiB");
    is_int(cli.progress, -1, "init: progress defaults to auto");
    ok(!cli.stats && !cli.quiet && !cli.want_help && !cli.want_version,
       "init: flags off");
    ok(!cli.output && !cli.rejects, "init: no output or rejects file");

    capture_start(&c, 1);
    eng_cli_print_version(&cli);
    out = capture_end(&c);
    is_str(out, "eng-test (eng) 0.1.0\n", "version: 'prog (eng) VERSION' on stdout");
    free(out);

    eng_cli_init(&cli, "eng-ingest");
    capture_start(&c, 1);
    eng_cli_print_version(&cli);
    out = capture_end(&c);
    is_str(out, "eng-ingest (eng) 0.1.0\n", "version: eng-ingest");
    free(out);
}

/* Runs eng_cli_option with stderr captured; *msg gets what it printed. */
static int option(struct eng_cli *cli, int opt, const char *arg, char **msg)
{
    struct capture c;
    int rc;
    capture_start(&c, 2);
    rc = eng_cli_option(cli, opt, arg);
    *msg = capture_end(&c);
    return rc;
}

static void test_options(void)
{
    struct eng_cli cli;
    char *msg;

    eng_cli_init(&cli, "eng-x");

    is_int(option(&cli, 'h', NULL, &msg), 1, "option: -h handled");
    is_int(cli.want_help, 1, "option: -h sets want_help");
    free(msg);
    is_int(option(&cli, ENG_OPT_VERSION, NULL, &msg), 1, "option: --version handled");
    is_int(cli.want_version, 1, "option: --version sets want_version");
    free(msg);
    is_int(option(&cli, 'o', "out.jsonl", &msg), 1, "option: -o handled");
    is_str(cli.output, "out.jsonl", "option: -o FILE kept");
    free(msg);
    is_int(option(&cli, ENG_OPT_REJECTS, "rej.jsonl", &msg), 1, "option: --rejects handled");
    is_str(cli.rejects, "rej.jsonl", "option: --rejects FILE kept");
    free(msg);
    is_int(option(&cli, ENG_OPT_MAX_REJECTS, "25", &msg), 1, "option: --max-rejects 25");
    is_int(cli.max_rejects, 25, "option: --max-rejects value");
    free(msg);
    is_int(option(&cli, ENG_OPT_MAX_REJECTS, "0", &msg), 1, "option: --max-rejects 0");
    is_int(cli.max_rejects, 0, "option: --max-rejects 0 value");
    free(msg);
    is_int(option(&cli, ENG_OPT_MAX_LINE, "16K", &msg), 1, "option: --max-line 16K");
    is_int(cli.max_line, 16384, "option: --max-line 16K is 16384 bytes");
    free(msg);
    is_int(option(&cli, ENG_OPT_STATS, NULL, &msg), 1, "option: --stats");
    is_int(cli.stats, 1, "option: --stats sets stats");
    free(msg);
    option(&cli, ENG_OPT_PROGRESS, NULL, &msg);
    is_int(cli.progress, 1, "option: --progress sets 1");
    free(msg);
    option(&cli, ENG_OPT_NO_PROGRESS, NULL, &msg);
    is_int(cli.progress, 0, "option: --no-progress sets 0");
    free(msg);
    is_int(option(&cli, 'q', NULL, &msg), 1, "option: -q handled");
    is_int(cli.quiet, 1, "option: -q sets quiet");
    is_str(msg, "", "option: good options print nothing");
    free(msg);
    is_int(option(&cli, 'x', "y", &msg), 0, "option: unknown option left to the tool");
    free(msg);
    is_int(option(&cli, 0, NULL, &msg), 0, "option: code 0 left to the tool");
    free(msg);

    /* bad values: -1, the message, the old value untouched */
    cli.max_rejects = 7;
    is_int(option(&cli, ENG_OPT_MAX_REJECTS, "abc", &msg), -1,
           "option: --max-rejects abc is an error");
    is_str(msg, "eng-x: --max-rejects: expected a non-negative integer, got 'abc'\n"
                "Try 'eng-x --help' for more information.\n",
           "option: --max-rejects abc message");
    is_int(cli.max_rejects, 7, "option: bad --max-rejects keeps the old value");
    free(msg);
    {
        const char *bad[] = { "-1", "", "1.5", "0x10", " 1", "1 ", "+3",
                              "9223372036854775808" };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            char name[80];
            snprintf(name, sizeof name, "option: --max-rejects '%s' is an error", bad[i]);
            is_int(option(&cli, ENG_OPT_MAX_REJECTS, bad[i], &msg), -1, name);
            free(msg);
        }
    }
    is_int(option(&cli, ENG_OPT_MAX_REJECTS, NULL, &msg), -1,
           "option: --max-rejects without argument is an error");
    free(msg);
    is_int(option(&cli, ENG_OPT_MAX_LINE, "12X", &msg), -1, "option: --max-line 12X");
    is_str(msg, "eng-x: --max-line: expected a positive size in bytes (suffix K, M or G), got '12X'\n"
                "Try 'eng-x --help' for more information.\n",
           "option: --max-line 12X message");
    free(msg);
    is_int(option(&cli, ENG_OPT_MAX_LINE, "0", &msg), -1, "option: --max-line 0 is an error");
    free(msg);
    is_int(cli.max_line, 16384, "option: bad --max-line keeps the old value");
    is_int(option(&cli, 'o', "", &msg), -1, "option: -o '' is an error");
    is_str(msg, "eng-x: --output: expected a file name, got ''\n"
                "Try 'eng-x --help' for more information.\n", "option: -o '' message");
    free(msg);
    is_int(option(&cli, ENG_OPT_REJECTS, "", &msg), -1, "option: --rejects '' is an error");
    free(msg);
}

static void test_parse_size(void)
{
    static const struct { const char *s; int rc; size_t v; } cases[] = {
        { "0", 0, 0 }, { "1", 0, 1 }, { "65536", 0, 65536 },
        { "1K", 0, 1024 }, { "1k", 0, 1024 }, { "1KiB", 0, 1024 },
        { "1KB", 0, 1024 }, { "3M", 0, 3 << 20 }, { "3MiB", 0, 3 << 20 },
        { "64m", 0, 64 << 20 }, { "2G", 0, (size_t)2 << 30 },
        { "2GiB", 0, (size_t)2 << 30 },
        { "18446744073709551615", 0, (size_t)-1 },
        { "17179869183G", 0, (size_t)17179869183 << 30 },
        { "17179869184G", -1, 0 },           /* 2^64: overflow */
        { "18446744073709551616", -1, 0 },   /* overflow */
        { "99999999999999999999999", -1, 0 },
        { "", -1, 0 }, { "K", -1, 0 }, { "-1", -1, 0 }, { "+1", -1, 0 },
        { " 1", -1, 0 }, { "1 K", -1, 0 }, { "1T", -1, 0 }, { "1Ki", -1, 0 },
        { "1KiBx", -1, 0 }, { "1KK", -1, 0 }, { "1.5M", -1, 0 }, { "1b", -1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t v = 12345;
        int rc = eng_parse_size(cases[i].s, &v);
        char name[96];
        snprintf(name, sizeof name, "size: '%s' %s", cases[i].s,
                 cases[i].rc ? "rejected" : "parsed");
        if (cases[i].rc == 0) {
            ok(rc == 0 && v == cases[i].v, name);
            if (rc != 0 || v != cases[i].v)
                printf("#   rc %d value %zu\n", rc, v);
        } else {
            ok(rc == -1 && v == 12345, name);
        }
    }
    {
        size_t v;
        is_int(eng_parse_size(NULL, &v), -1, "size: NULL rejected");
    }
}

static void test_parse_count(void)
{
    long long v;
    is_int(eng_parse_count("0", &v), 0, "count: '0'");
    is_int(v, 0, "count: '0' value");
    is_int(eng_parse_count("42", &v), 0, "count: '42'");
    is_int(v, 42, "count: '42' value");
    is_int(eng_parse_count("007", &v), 0, "count: leading zeros");
    is_int(v, 7, "count: '007' value");
    is_int(eng_parse_count("9223372036854775807", &v), 0, "count: LLONG_MAX");
    ok(v == 9223372036854775807LL, "count: LLONG_MAX value");
    v = 5;
    is_int(eng_parse_count("9223372036854775808", &v), -1, "count: LLONG_MAX+1 rejected");
    is_int(v, 5, "count: failure leaves the value");
    is_int(eng_parse_count("-1", &v), -1, "count: negative rejected");
    is_int(eng_parse_count("", &v), -1, "count: empty rejected");
    is_int(eng_parse_count("1e3", &v), -1, "count: exponent rejected");
    is_int(eng_parse_count("12abc", &v), -1, "count: trailing junk rejected");
    is_int(eng_parse_count(NULL, &v), -1, "count: NULL rejected");
}

static void test_messages(void)
{
    struct eng_cli cli;
    struct capture c;
    char *out;
    int rc;

    eng_cli_init(&cli, "eng-test");
    cli.stderr_tty = 0;
    capture_start(&c, 2);
    eng_msg("%s: cannot open: %s", "in.csv", "No such file or directory");
    eng_warn("warned %d", 1);
    cli.quiet = 1;
    eng_warn("silenced %d", 2);
    eng_msg("msg not silenced by -q");
    rc = eng_usage_error("unknown rule '%s'", "x");
    out = capture_end(&c);
    is_int(rc, ENG_EXIT_USAGE, "usage_error: returns 2");
    is_str(out,
           "eng-test: in.csv: cannot open: No such file or directory\n"
           "eng-test: warned 1\n"
           "eng-test: msg not silenced by -q\n"
           "eng-test: unknown rule 'x'\n"
           "Try 'eng-test --help' for more information.\n",
           "messages: prefix, -q silences eng_warn only, usage hint");
    free(out);

    is_int(eng_cli_is_quiet_exit(EPIPE), 1, "quiet exit: EPIPE");
    is_int(eng_cli_is_quiet_exit(EIO), 0, "quiet exit: EIO is not");
    is_int(eng_cli_is_quiet_exit(0), 0, "quiet exit: 0 is not");
    is_int(eng_signal_pending(), 0, "signal: none pending after init");
    is_int(eng_signal_exit_status(), 0, "signal: exit status 0 when none");
}

static void test_stats(void)
{
    struct eng_cli cli;
    struct capture c;
    char *out;
    json_t *extra;

    eng_cli_init(&cli, "eng-match");
    cli.stderr_tty = 0;
    capture_start(&c, 2);
    eng_cli_print_stats(&cli, 10, 7, 3, NULL);
    out = capture_end(&c);
    is_str(out, "", "stats: nothing without --stats");
    free(out);

    cli.stats = 1;
    capture_start(&c, 2);
    eng_cli_print_stats(&cli, 1000, 37, 2, NULL);
    out = capture_end(&c);
    is_str(out, "{\"tool\":\"eng-match\",\"in\":1000,\"out\":37,\"rejected\":2}\n",
           "stats: one JSON line, keys tool,in,out,rejected");
    free(out);

    extra = json_pack("{s:i,s:{s:i,s:i},s:s,s:i,s:f}", "partitions", 4,
                      "by_rule", "b", 2, "a", 1, "state", "ok",
                      "in", 99, "seconds", 1.5);
    capture_start(&c, 2);
    eng_cli_print_stats(&cli, 10, 7, 3, extra);
    out = capture_end(&c);
    is_str(out, "{\"tool\":\"eng-match\",\"in\":10,\"out\":7,\"rejected\":3,"
                "\"partitions\":4,\"by_rule\":{\"b\":2,\"a\":1},\"state\":\"ok\","
                "\"seconds\":1.5}\n",
           "stats: extras appended in order, never replacing the counts");
    is_int(json_integer_value(json_object_get(extra, "in")), 99,
           "stats: extra is only borrowed");
    json_decref(extra);
    free(out);

    extra = json_string("not an object");
    capture_start(&c, 2);
    eng_cli_print_stats(&cli, 18446744073709551615ULL, 0, 0, extra);
    out = capture_end(&c);
    is_str(out, "{\"tool\":\"eng-match\",\"in\":9223372036854775807,\"out\":0,\"rejected\":0}\n",
           "stats: huge count clamped, non-object extra ignored");
    json_decref(extra);
    free(out);
}

static void tick_n(struct eng_cli *cli, int n, unsigned long long *records,
                   unsigned long long rejected)
{
    for (int i = 0; i < n; i++)
        eng_progress_tick(cli, ++*records, rejected);
}

static void test_progress(void)
{
    struct eng_cli cli;
    struct capture c;
    char *out;
    unsigned long long rec = 0;
    const long long sec = 1000000000LL;

    /* --progress to a file (not a terminal) */
    eng_cli_init(&cli, "eng-test");
    cli.stderr_tty = 0;
    cli.progress = 1;
    cli.start_ns -= 5 * sec;
    cli.last_progress_ns -= 5 * sec;
    capture_start(&c, 2);
    tick_n(&cli, 1023, &rec, 3);
    out = capture_end(&c);
    is_str(out, "", "progress: the clock is read only every 1024 ticks");
    free(out);
    capture_start(&c, 2);
    tick_n(&cli, 1, &rec, 3);
    tick_n(&cli, 1024, &rec, 3); /* within the same second: no new line */
    eng_progress_done(&cli);
    eng_progress_done(&cli);     /* twice: the second does nothing */
    out = capture_end(&c);
    {
        unsigned long long rate = 0;
        const char *prefix = "\reng-test: 1024 records, ";
        const char *p = out + strlen(prefix);
        ok(strncmp(out, prefix, strlen(prefix)) == 0, "progress: line starts '\\rprog: N records, '");
        rate = strtoull(p, (char **)&p, 10);
        ok(rate >= 195 && rate <= 205, "progress: records/s averaged over the run (~204/s)");
        is_str(p, "/s, 3 rejected\n", "progress: ends ', N rejected'; done ends the line");
    }
    free(out);

    /* auto mode: off when stderr is not a terminal */
    eng_cli_init(&cli, "eng-test");
    cli.stderr_tty = 0;
    cli.start_ns -= 10 * sec;
    cli.last_progress_ns -= 10 * sec;
    rec = 0;
    capture_start(&c, 2);
    tick_n(&cli, 4096, &rec, 0);
    eng_progress_done(&cli);
    out = capture_end(&c);
    is_str(out, "", "progress: auto is off when stderr is not a terminal");
    free(out);

    /* auto mode on a terminal: not in the first 2 s */
    eng_cli_init(&cli, "eng-test");
    cli.stderr_tty = 1;
    cli.start_ns -= sec + sec / 2;
    cli.last_progress_ns -= sec + sec / 2;
    rec = 0;
    capture_start(&c, 2);
    tick_n(&cli, 2048, &rec, 0);
    out = capture_end(&c);
    is_str(out, "", "progress: auto stays quiet during the first 2 s");
    free(out);

    /* ... and after 2 s it draws, erasing leftovers, and clears at the end */
    cli.start_ns -= sec;
    cli.last_progress_ns -= sec;
    rec = 0;
    capture_start(&c, 2);
    tick_n(&cli, 1024, &rec, 0);
    eng_msg("a message");        /* takes the line off the screen first */
    eng_progress_done(&cli);     /* nothing left to clear */
    out = capture_end(&c);
    {
        char *k = strstr(out, "/s, 0 rejected\033[K\r\033[Keng-test: a message\n");
        ok(strncmp(out, "\reng-test: 1024 records, ", 25) == 0 && k &&
           strlen(k) == strlen("/s, 0 rejected\033[K\r\033[Keng-test: a message\n"),
           "progress: terminal line erased by \\033[K, cleared before a message");
    }
    free(out);

    cli.start_ns -= 2 * sec;
    cli.last_progress_ns -= 2 * sec;
    capture_start(&c, 2);
    tick_n(&cli, 1024, &rec, 0);
    eng_progress_done(&cli);
    out = capture_end(&c);
    {
        size_t n = strlen(out);
        ok(n > 4 && strcmp(out + n - 4, "\r\033[K") == 0,
           "progress: done clears the line with \\r\\033[K on a terminal");
    }
    free(out);

    /* --no-progress */
    eng_cli_init(&cli, "eng-test");
    cli.stderr_tty = 1;
    cli.progress = 0;
    cli.start_ns -= 10 * sec;
    cli.last_progress_ns -= 10 * sec;
    capture_start(&c, 2);
    tick_n(&cli, 4096, &rec, 0);
    eng_progress_done(&cli);
    out = capture_end(&c);
    is_str(out, "", "progress: --no-progress draws nothing, even on a terminal");
    free(out);
}

/* Runs fn in a child with fresh handlers; returns its wait status. */
static int in_child(int (*fn)(void))
{
    pid_t pid;
    int st = 0;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        alarm(10); /* a bug must fail the test, not hang it */
        _exit(fn());
    }
    waitpid(pid, &st, 0);
    return st;
}

static int child_sigterm(void)
{
    struct eng_cli cli;
    eng_cli_init(&cli, "eng-test");
    raise(SIGTERM);
    if (eng_signal_pending() != SIGTERM)
        return 1;
    return eng_signal_exit_status();
}

static int child_sigint(void)
{
    struct eng_cli cli;
    /* as a foreground tool gets it: a test run started in the background
     * by a non-interactive shell inherits SIGINT ignored (see below) */
    signal(SIGINT, SIG_DFL);
    eng_cli_init(&cli, "eng-test");
    raise(SIGINT);
    if (eng_signal_pending() != SIGINT)
        return 1;
    return eng_signal_exit_status();
}

static int child_two_sigints(void)
{
    struct eng_cli cli;
    /* as a foreground tool gets it: a test run started in the background
     * by a non-interactive shell inherits SIGINT ignored (see below) */
    signal(SIGINT, SIG_DFL);
    eng_cli_init(&cli, "eng-test");
    raise(SIGINT);
    raise(SIGINT); /* must kill us */
    return 0;
}

static int child_sigpipe(void)
{
    struct eng_cli cli;
    int fds[2];
    ssize_t n;
    eng_cli_init(&cli, "eng-test");
    if (pipe(fds) != 0)
        return 2;
    close(fds[0]);
    n = write(fds[1], "x", 1);
    if (n == -1 && eng_cli_is_quiet_exit(errno))
        return 0;
    return 1;
}

static int child_eintr(void)
{
    struct eng_cli cli;
    int fds[2];
    char b;
    ssize_t n;
    pid_t parent = getpid(), killer;
    eng_cli_init(&cli, "eng-test");
    if (pipe(fds) != 0)
        return 2;
    /* a grandchild sends SIGTERM while we are blocked in read() on a pipe
     * that never gets data */
    killer = fork();
    if (killer == 0) {
        usleep(100000);
        kill(parent, SIGTERM);
        _exit(0);
    }
    n = read(fds[0], &b, 1);
    waitpid(killer, NULL, 0);
    if (n == -1 && errno == EINTR && eng_signal_pending() == SIGTERM)
        return eng_signal_exit_status();
    return 1;
}

static int child_ignored_sigint(void)
{
    struct eng_cli cli;
    signal(SIGINT, SIG_IGN); /* as for a background job */
    eng_cli_init(&cli, "eng-test");
    raise(SIGINT);
    return eng_signal_pending() == 0 ? 0 : 1;
}

static void test_signals(void)
{
    int st;

    st = in_child(child_sigterm);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 143,
       "signal: SIGTERM sets the flag, exit status 143");
    st = in_child(child_sigint);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 130,
       "signal: SIGINT sets the flag, exit status 130");
    st = in_child(child_two_sigints);
    ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT,
       "signal: a second SIGINT kills the tool");
    st = in_child(child_sigpipe);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
       "signal: SIGPIPE ignored, the write fails with EPIPE");
    st = in_child(child_eintr);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 143,
       "signal: a blocked read returns EINTR on SIGTERM (no SA_RESTART)");
    st = in_child(child_ignored_sigint);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
       "signal: SIGINT ignored at start stays ignored");
}

int main(void)
{
    test_defaults_and_version();
    test_options();
    test_parse_size();
    test_parse_count();
    test_messages();
    test_stats();
    test_progress();
    test_signals();
    return done_testing();
}
