/* clfin: web access logs (Common and Combined Log Format) to events.
 *
 * Each line is parsed by clf_parse (clf.h) and its fields become the cells
 * of a plan with the columns ts, customer, channel, type, method, path,
 * protocol, status, bytes, referer, agent, so --set, --require and a mapping
 * (naming those columns) work as for CSV:
 *   ts        the bracketed time;   customer  the user when not "-", else
 *   the host; channel "web"; type "page_view"; status and bytes numbers
 *   (absent when "-"); referer and agent only for combined lines.
 * Escapes in quoted fields (\" \\ \xHH) are undone. A line that does not
 * parse is a reject with clf_parse's reason and the byte where it failed.
 */
#ifndef ENG_INGEST_CLFIN_H
#define ENG_INGEST_CLFIN_H

#include "ingest.h"
#include "jsonl.h"

/* combined: 1 for -f combined, -1 for -f clf (either form accepted).
 * Returns 0, or -1 when the run must stop (g->fatal). */
int clfin_run(struct ingest *g, struct ingest_input *in, struct eng_reader *r,
              int combined);

#endif
