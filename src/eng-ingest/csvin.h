/* csvin: CSV and TSV records through libcsv (RFC 4180: quoted fields,
 * doubled quotes, embedded newlines, CRLF), turned into events by the plan.
 *
 * Each record knows the physical line where it starts (source.line, reject
 * messages, the id hash) because libcsv is fed one physical line at a time
 * from the libeng line reader, with its "\n" put back. The record's raw text
 * is its lines joined by "\n" (a CRLF inside a quoted field becomes "\n").
 *
 *   - a UTF-8 BOM at the start of the input is dropped;
 *   - blank lines between records are skipped (they are not records);
 *   - an unquoted empty cell is an absent field, a quoted "" an empty string
 *     (CSV_EMPTY_IS_NULL tells them apart);
 *   - cells keep their blanks (libcsv's trimming is turned off);
 *   - a row with a different number of cells than the header is a reject
 *     ("ragged row: 5 fields, header has 7"), and so are malformed quoting,
 *     a quoted field left open at the end of input, invalid UTF-8, NUL bytes
 *     and lines or records longer than --max-line;
 *   - TSV has no quoting unless the mapping gives a quote character.
 */
#ifndef ENG_INGEST_CSVIN_H
#define ENG_INGEST_CSVIN_H

#include "ingest.h"
#include "jsonl.h"

/* Reads in (through r) to its end. tsv: tab-separated defaults. Returns 0,
 * or -1 when the run must stop (g->fatal and g->err set). */
int csvin_run(struct ingest *g, struct ingest_input *in, struct eng_reader *r,
              int tsv);

#endif
