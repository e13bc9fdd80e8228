/* test_replay: --replay pacing (src/eng-ingest/replay.c): the speed syntax,
 * the schedule, the flush before a wait, and a signal cutting a wait short.
 * Durations are checked loosely: this proves behaviour, it is no benchmark. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "cli.h"
#include "replay.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_parse(void)
{
    static const struct { const char *s; int rc; double speed; } cases[] = {
        { "1x", 0, 1 },      { "60x", 0, 60 },   { "0.5x", 0, 0.5 },
        { "max", 0, 0 },     { "60", 0, 60 },    { "1000x", 0, 1000 },
        { "0x", -1, 0 },     { "-1x", -1, 0 },   { "abc", -1, 0 },
        { "", -1, 0 },       { "x", -1, 0 },     { "1xx", -1, 0 },
        { "1y", -1, 0 },     { " 1x", -1, 0 },   { "1x ", -1, 0 },
        { "inf", -1, 0 },    { "nan", -1, 0 },   { "0x10", -1, 0 },
        { "1e3x", -1, 0 },   { "0.0x", -1, 0 },  { "MAX", -1, 0 },
        { "1..5x", -1, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct replay rp;
        char name[96];
        int rc = replay_parse(cases[i].s, &rp);
        snprintf(name, sizeof name, "replay_parse(\"%s\") %s", cases[i].s,
                 cases[i].rc == 0 ? "accepted" : "rejected");
        is_int(rc, cases[i].rc, name);
        if (cases[i].rc == 0) {
            snprintf(name, sizeof name, "replay_parse(\"%s\") speed", cases[i].s);
            ok(rp.speed == cases[i].speed, name);
        }
    }
    struct replay rp;
    is_int(replay_parse(NULL, &rp), -1, "replay_parse(NULL) rejected");
}

/* 1000x over event times 0, 1000, 2000 ms: due at +0, +1, +2 ms. */
static void test_pacing(void)
{
    struct replay rp;
    double t0, took;
    replay_parse("1000x", &rp);
    t0 = now_ms();
    replay_wait(&rp, 0, NULL);
    replay_wait(&rp, 1000, NULL);
    replay_wait(&rp, 2000, NULL);
    took = now_ms() - t0;
    ok(took >= 1.0 && took <= 500.0, "1000x over 0, 1000, 2000 ms takes about 2 ms");
    if (!(took >= 1.0 && took <= 500.0))
        printf("#   took %.3f ms\n", took);

    /* Out of order: an event before the last one is not delayed, and the
     * origin stays. */
    t0 = now_ms();
    replay_wait(&rp, 500, NULL);
    replay_wait(&rp, -100000, NULL);
    took = now_ms() - t0;
    ok(took < 50.0, "events out of order go out at once");

    /* max: no waiting at all, whatever the times. */
    replay_parse("max", &rp);
    t0 = now_ms();
    replay_wait(&rp, 0, NULL);
    replay_wait(&rp, 3600000, NULL);
    took = now_ms() - t0;
    ok(took < 50.0, "max: an hour of event time costs no wall time");
    is_int(rp.started, 0, "max: the schedule never starts");

    /* 2x over 200 ms of event time: about 100 ms. */
    replay_parse("2x", &rp);
    t0 = now_ms();
    replay_wait(&rp, 1000, NULL);
    replay_wait(&rp, 1200, NULL);
    took = now_ms() - t0;
    ok(took >= 95.0 && took <= 1000.0, "2x over 200 ms of event time takes about 100 ms");
}

/* The writer is flushed before a wait, so downstream sees the event before
 * the pause, not after. */
static void test_flush_before_wait(void)
{
    struct replay rp;
    int fds[2];
    char buf[16];
    ssize_t n;
    struct eng_writer *w;

    if (pipe(fds) < 0)
        return;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    w = eng_writer_new_fd(fds[1]);
    replay_parse("100x", &rp);
    replay_wait(&rp, 0, w);
    eng_writer_puts(w, "e1\n");
    n = read(fds[0], buf, sizeof buf);
    ok(n < 0, "before the wait: the line is still buffered");
    is_int(replay_wait(&rp, 1000, w), 0, "wait of 10 ms returns 0");
    n = read(fds[0], buf, sizeof buf);
    is_int(n, 3, "the wait flushed the buffered line");

    /* A failed flush is reported (EPIPE, as the tools ignore SIGPIPE). */
    signal(SIGPIPE, SIG_IGN);
    close(fds[0]);
    eng_writer_puts(w, "e2\n");
    is_int(replay_wait(&rp, 2000, w), -1, "a flush to a closed pipe fails the wait");
    eng_writer_free(w);
    close(fds[1]);
}

/* A pending SIGTERM ends a long wait promptly. */
static void test_signal(void)
{
    struct eng_cli cli;
    struct replay rp;
    double t0, took;

    eng_cli_init(&cli, "test_replay");
    replay_parse("1x", &rp);
    replay_wait(&rp, 0, NULL);
    kill(getpid(), SIGTERM);
    t0 = now_ms();
    replay_wait(&rp, 3600 * 1000, NULL); /* an hour at 1x */
    took = now_ms() - t0;
    ok(took < 500.0, "a pending SIGTERM cuts an hour's wait short");
    is_int(eng_signal_pending(), SIGTERM, "the signal stays pending for the caller");
}

int main(void)
{
    test_parse();
    test_pacing();
    test_flush_before_wait();
    test_signal();
    return done_testing();
}
