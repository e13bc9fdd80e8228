/* rejects: the dead-letter writer. A record a tool cannot process is never
 * dropped: it goes here with its reason, and is counted.
 *
 * With --rejects FILE each reject is one JSON line (EVENT-MODEL.md):
 *   {"tool":"eng-ingest","source":"tweets.csv","line":812,
 *    "error":"ts: cannot parse '2015-02-31 11:35:52 -0800'","raw":"..."}
 * "raw" is the record as read (invalid UTF-8 bytes replaced by U+FFFD; a raw
 * over 64 KiB is cut and "raw_truncated":true added). Without a file, the
 * first 10 rejects are printed on stderr as "prog: source:line: error" and the
 * rest counted in a closing line "prog: N more rejects not shown" (all
 * silenced by -q). The rejects file is written directly (not atomically), so
 * a crash leaves the rejects seen so far.
 */
#ifndef ENG_REJECTS_H
#define ENG_REJECTS_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

struct eng_rejects;

/* Opens the rejects sink for tool: path NULL means stderr; max_rejects -1
 * means no limit. quiet silences the stderr listing. Returns NULL with err
 * set when the file cannot be created. */
struct eng_rejects *eng_rejects_open(const char *tool, const char *path,
                                     long long max_rejects, int quiet,
                                     struct eng_error *err);
/* Records one reject. source may be NULL (left out), line 0 (left out), raw
 * may be NULL. Returns 0, or -1 on a write error of the rejects file. */
int eng_rejects_add(struct eng_rejects *r, const char *source,
                    unsigned long line, const char *error, const char *raw,
                    size_t raw_len);
/* Same with the record as a JSON value (serialised compactly as "raw"'s
 * text); record is borrowed. */
int eng_rejects_add_json(struct eng_rejects *r, const char *source,
                         unsigned long line, const char *error,
                         const json_t *record);
/* Returns the number of rejects so far. */
unsigned long long eng_rejects_count(const struct eng_rejects *r);
/* Returns 1 when more than max_rejects have been recorded. */
int eng_rejects_over_limit(const struct eng_rejects *r);
/* Pushes buffered rejects out to the file (call it where the tool flushes
 * its own output, so a streaming run shows its rejects promptly). Returns 0,
 * or -1 on a write error. No-op for the stderr sink and for NULL. */
int eng_rejects_flush(struct eng_rejects *r);
/* Flushes the file (or prints the "N more" line), closes and frees. Returns
 * 0, or -1 with err set on a write error. NULL is fine. */
int eng_rejects_close(struct eng_rejects *r, struct eng_error *err);

#endif
