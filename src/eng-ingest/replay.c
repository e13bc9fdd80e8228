/* replay: --replay SPEED, pacing output by event time (replay.h).
 *
 * The schedule. The first event fixes two origins, its event time ts_0 and
 * the wall clock w_0 (CLOCK_MONOTONIC, so a clock step does not stall or
 * rush a replay). Event k is due at
 *
 *   due_k = w_0 + (ts_k - ts_0) / speed
 *
 * and replay_wait() returns once the monotonic clock has passed due_k.
 * Invariants:
 *   1. The schedule is absolute, not a sleep per gap: time spent writing and
 *      parsing is not added to every wait, so a long replay does not drift.
 *   2. An event due in the past (out of order, or the writer was slow) goes
 *      out at once; the origin is never moved.
 *   3. Before a wait the caller's writer is flushed, so downstream sees each
 *      event when it "happens", not when a buffer fills.
 *   4. The wait is cut in slices of at most 100 ms and ends early when a
 *      SIGINT/SIGTERM is pending (eng_signal_pending), so ^C stops a 1x replay
 *      of a day of events promptly. (nanosleep also returns at once with
 *      EINTR when the handler runs; the slices cover a signal that arrives
 *      between the check and the sleep.)
 */
#include "replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define NS_PER_MS 1000000LL
#define NS_PER_SEC 1000000000LL
#define SLICE_NS (100 * NS_PER_MS)

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int replay_parse(const char *s, struct replay *rp)
{
    char *end;
    double v;

    memset(rp, 0, sizeof *rp);
    if (!s)
        return -1;
    if (strcmp(s, "max") == 0)
        return 0;
    /* strtod would take " 60", "inf", "nan" and hex: only a plain decimal
     * number, optionally followed by 'x', is a speed. */
    const char *num_end = s;
    while ((*num_end >= '0' && *num_end <= '9') || *num_end == '.')
        num_end++;
    if (num_end == s || !(num_end[0] == '\0' ||
                          (num_end[0] == 'x' && num_end[1] == '\0')))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (end != num_end || errno == ERANGE || !isfinite(v) || v <= 0)
        return -1;
    rp->speed = v;
    return 0;
}

int replay_wait(struct replay *rp, eng_time ts, struct eng_writer *w)
{
    long long due, now;
    double delay_ns;

    if (rp->speed <= 0)
        return 0;
    if (!rp->started) {
        rp->started = 1;
        rp->first_ts = ts;
        rp->wall_start_ns = now_ns();
        return 0;
    }
    if (ts <= rp->first_ts)
        return 0;
    /* In double, then capped: a hostile ts centuries away must not overflow
     * (it still waits, as asked, until a signal ends the run). */
    delay_ns = (double)(ts - rp->first_ts) * (double)NS_PER_MS / rp->speed;
    if (delay_ns > 4e18)
        delay_ns = 4e18;
    due = rp->wall_start_ns + (long long)delay_ns;
    now = now_ns();
    if (due <= now)
        return 0;
    if (w && eng_writer_flush(w) < 0)
        return -1;
    while (now < due && !eng_signal_pending()) {
        long long left = due - now;
        struct timespec req;
        if (left > SLICE_NS)
            left = SLICE_NS;
        req.tv_sec = (time_t)(left / NS_PER_SEC);
        req.tv_nsec = (long)(left % NS_PER_SEC);
        nanosleep(&req, NULL);
        now = now_ns();
    }
    return 0;
}
