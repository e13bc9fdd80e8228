/* jsonin: JSON-lines and JSON documents to events.
 *
 * Without a mapping or --set, a record's members stay in their order and
 * with their original text; ts is replaced in place by its normal form, a
 * number in id/customer/channel/type/text becomes a string, and id (when
 * missing, null or "") and source are appended at the end. The common case,
 * a record that is already a valid event (ts normal, required fields
 * present, no "source" member), costs one scan and one copy: its bytes are
 * written with `"id":...` and `"source":...` spliced in (ARCHITECTURE.md,
 * Speed). Other records are rewritten from the scan (replacing only the
 * members that change) or, when they have a "source" member, a nested
 * required path or --set, through jansson.
 *
 * With a mapping, `from` is a path into the record; the event is built by
 * the plan like a CSV row, and keep_unmapped adds the record's other
 * top-level members after the mapped ones. Numbers that pass through
 * jansson are rewritten in their shortest exact form (25.7557, not
 * 25.755700000000001); integers beyond 64 bits are rejected there.
 *
 * JSON-lines: one record per line; blank lines are skipped (not records).
 * JSON documents (-f json): a top-level array whose elements are records
 * (each starting at its own line), or documents one after another with any
 * blanks between (also arrays of records). The input is streamed: each
 * record's text is gathered (blanks outside strings dropped, so it fits one
 * output line) up to --max-line, then handled like a JSON line. Records that
 * are not objects are rejects.
 */
#ifndef ENG_INGEST_JSONIN_H
#define ENG_INGEST_JSONIN_H

#include "ingest.h"
#include "jsonl.h"

struct jsonin;

/* Returns the per-run JSON state for g's options, or NULL with g->err set
 * (e.g. a mapping `from` that is not a path): exit 2. */
struct jsonin *jsonin_new(struct ingest *g);
void jsonin_free(struct jsonin *j);

/* Reads JSON-lines from r to the end. Returns 0, or -1 when the run must
 * stop (g->fatal). */
int jsonin_run_lines(struct jsonin *j, struct ingest_input *in,
                     struct eng_reader *r);
/* Reads JSON documents from r (raw chunks) to the end. Same returns. */
int jsonin_run_docs(struct jsonin *j, struct ingest_input *in,
                    struct eng_reader *r);

/* Writes v as compact JSON text to b (member order kept; reals in their
 * shortest form that reads back exactly). */
void jsonin_write_value(struct buf *b, const json_t *v);

#endif
