/* scanrec: eng-report's fast path. Most records (receipts, actions, plain
 * events) need only a few top-level strings; scanning the line for them
 * (jsonscan) costs a fraction of building a jansson tree. A line the scan
 * cannot serve alone goes to the DOM path: sentiment or topics present, a
 * wanted string with escapes, a wanted key twice.
 */
#ifndef ENG_REPORT_SCANREC_H
#define ENG_REPORT_SCANREC_H

#include <stddef.h>

#include "report.h"

#define SCANREC_FIELDS 12

/* Per-reader scratch: the wanted members and NUL-terminated copies. */
struct scanrec {
    char *buf;
    size_t cap;
    char msg[160];
};

/* Scans line[0..len) into *rec (strings owned by sr, valid until the next
 * call). Returns 1 when rec is complete, 0 when the caller must parse the
 * line with jansson and use report_add, -1 when the line is not valid JSON
 * (*why says why, owned by sr) . */
int scanrec_line(struct scanrec *sr, const char *line, size_t len,
                 struct report_rec *rec, const char **why);

/* Frees the scratch. */
void scanrec_free(struct scanrec *sr);

#endif
