/* partition: eng-ingest's scale-out output. Events are routed by a stable
 * hash of a key (eng_event_partition) to one of N outputs named by a pattern
 * with one %d ("out-%d.jsonl"); an existing FIFO at that name is opened for
 * writing as it is (for GNU parallel / streaming), a regular file is
 * written atomically (temp + rename on commit). Events without the key go to
 * partition 0 (documented in eng-ingest(1)).
 */
#ifndef ENG_INGEST_PARTITION_H
#define ENG_INGEST_PARTITION_H

#include <stddef.h>

#include "error.h"
#include "jsonl.h"

struct partition_set;

/* Validates the pattern (exactly one %d, no other % but %%) and n (1 to
 * 1024) without opening anything, so a tool can tell a usage error (exit 2)
 * from a failure to open (exit 3). Returns 0, or -1 with err set. */
int partition_check(const char *pattern, unsigned n, struct eng_error *err);
/* Validates the pattern (exactly one %d, no other % but %%) and opens the n
 * outputs. Returns NULL with err set. */
struct partition_set *partition_open(const char *pattern, unsigned n,
                                     struct eng_error *err);
/* Returns the writer for key[0..len) (key NULL: partition 0). Borrowed. */
struct eng_writer *partition_writer(struct partition_set *ps, const char *key,
                                    size_t len);
/* Flushes every output. 0 or -1. */
int partition_flush(struct partition_set *ps);
/* Commits (renames) every output. 0 or -1 with err. */
int partition_commit(struct partition_set *ps, struct eng_error *err);
/* Frees; uncommitted temp files are removed. */
void partition_free(struct partition_set *ps);

#endif
