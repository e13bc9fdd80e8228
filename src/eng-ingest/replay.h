/* replay: --replay SPEED pacing by event time. The first event sets the
 * origin; event k is written no earlier than
 *   wall_start + (ts_k - ts_first) / speed
 * so a 60x replay of an hour of events takes a minute. Events out of order
 * are not delayed (they go out at once). Before sleeping, the caller's
 * output is flushed (the point of pacing is that downstream sees events as
 * they "happen"). A pending SIGINT/SIGTERM cuts a sleep short.
 */
#ifndef ENG_INGEST_REPLAY_H
#define ENG_INGEST_REPLAY_H

#include "jsonl.h"
#include "timeutil.h"

struct replay {
    double speed;       /* 0: no pacing ("max") */
    int started;
    eng_time first_ts;
    long long wall_start_ns;
};

/* Parses "1x", "60x", "0.5x", "max" (also "60"). 0, or -1 when invalid. */
int replay_parse(const char *s, struct replay *rp);
/* Waits until the event at ts is due, flushing w first when it must wait
 * (w may be NULL). Returns 0, or -1 when the flush failed. */
int replay_wait(struct replay *rp, eng_time ts, struct eng_writer *w);

#endif
