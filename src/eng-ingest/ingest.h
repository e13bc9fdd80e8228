/* ingest: what every input format of eng-ingest shares once it has a
 * record: the run's options, the counters, and the way out for an event
 * (time filter, replay pacing, partition routing, the writer) or for a
 * reject.
 *
 * Conservation: every record read ends in exactly one of ingest_emit (out
 * or filtered) and ingest_reject (rejected), and each of them counts one
 * record in, so in = out + rejected + filtered always holds.
 */
#ifndef ENG_INGEST_INGEST_H
#define ENG_INGEST_INGEST_H

#include <stddef.h>

#include "cli.h"
#include "jsonl.h"
#include "mapping.h"
#include "output.h"
#include "partition.h"
#include "path.h"
#include "plan.h"
#include "rejects.h"
#include "replay.h"
#include "timeutil.h"
#include "where.h"

struct ingest {
    struct eng_cli *cli;
    struct plan_opts popts;
    const char *format;           /* -f, or the mapping's, or "auto" */
    const char *source_opt;       /* --source */
    struct eng_writer *out;       /* stdout or -o, NULL when partitioned */
    struct partition_set *parts;  /* --partition-* */
    struct eng_path *part_path;
    struct eng_rejects *rej;
    struct replay replay;
    int have_since, have_until;
    eng_time since, until;
    int follow;
    struct where *where;          /* --where, or NULL */
    unsigned long long in, out_n, filtered;
    struct buf ev;                /* the event being written */
    int fatal;                    /* exit status that stops the run, or 0 */
    struct eng_error err;         /* message for fatal */
};

/* One input file. */
struct ingest_input {
    const char *path;     /* as given; "-" for stdin */
    const char *label;    /* for rejects and messages: path, or "stdin" */
    char *source;         /* source name (--source, mapping, basename) */
    struct buf src_prefix;/* ,"source":{"name":"X","line": */
};

/* Sets up in for path (source name: --source, else the mapping's source,
 * else the file's basename, "stdin" for stdin). */
void ingest_input_init(struct ingest *g, struct ingest_input *in,
                       const char *path);
void ingest_input_free(struct ingest_input *in);

/* Writes an event (text[0..len), one JSON object, no newline) unless the
 * time filter drops it. has_ts/ts: its time, for --since/--until/--replay.
 * Returns 0, or -1 when the run must stop (g->fatal set). */
int ingest_emit(struct ingest *g, const char *text, size_t len, int has_ts,
                eng_time ts);
/* Records a failed read (or a failed flush of the output the reader does
 * before blocking) as the run's fatal error: a closed downstream (EPIPE) ends
 * quietly with 141, anything else is exit 3. Uses errno. Returns -1. */
int ingest_read_failed(struct ingest *g, const struct eng_error *err);

/* Records a reject. Returns 0, or -1 when the run must stop (rejects file
 * failed, or --max-rejects passed; g->fatal set). */
int ingest_reject(struct ingest *g, const struct ingest_input *in,
                  unsigned long line, const char *why, const char *raw,
                  size_t raw_len);

/* Appends `"source":{...,"line":N}` and the closing brace to g->ev. */
void ingest_close_event(struct ingest *g, const struct ingest_input *in,
                        unsigned long line);

/* The common end of CSV, access-log and mapped-JSON records: converts the
 * cells through the plan, generates a missing id, writes the event (extra:
 * members to add after the plan's, may be NULL) and emits it, or rejects
 * the record. vals has room for p->n values. Returns like ingest_emit. */
int ingest_plan_record(struct ingest *g, const struct ingest_input *in,
                       struct plan *p, const struct plan_cell *cells,
                       struct out_val *vals, unsigned long line,
                       const char *raw, size_t raw_len,
                       const struct buf *extra);

#endif
