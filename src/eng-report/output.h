/* output: eng-report's two forms of one finished report (report.h): metric
 * records as JSON-lines for pipelines, and one self-contained HTML page with
 * inline SVG charts for people. eng-report(1) defines every record.
 */
#ifndef ENG_REPORT_OUTPUT_H
#define ENG_REPORT_OUTPUT_H

#include <jansson.h>

#include "jsonl.h"
#include "report.h"

/* Appends the report's metric records to rows, in output order (inputs,
 * volume, rejects, funnel, lift, sentiment, topic, top_negative_topic).
 * rows is borrowed; the records are new references it holds. */
void report_rows(const struct report *r, json_t *rows);

/* Writes each record of rows as one JSON line. Returns 0, or -1 on a write
 * error (errno set). */
int report_write_jsonl(const json_t *rows, struct eng_writer *w);

/* Writes each record of rows as one line of key=value pairs separated by
 * spaces (Miller's DKVP), nested members flattened with '.' ("treated.rate",
 * "ci95.1"), strings bare, null as "-". Returns 0, or -1 on a write error. */
int report_write_text(const json_t *rows, struct eng_writer *w);

/* Writes the HTML page of rows to w. Returns 0, or -1 on a write error. */
int report_write_html(const json_t *rows, const char *title,
                      struct eng_writer *w);

#endif
