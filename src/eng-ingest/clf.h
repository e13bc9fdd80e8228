/* clf: Common and Combined Log Format (Apache httpd, nginx access logs).
 *
 *   host ident authuser [dd/Mon/yyyy:HH:MM:SS +zzzz] "METHOD path PROTO" status bytes
 *   ... and for combined: "referer" "agent"
 *
 * Parsing is a pure function over one line: no allocation, the fields point
 * into the line. Quoted fields may contain \" and \\ escapes (nginx escapes
 * them as \x22 too); the caller unescapes when writing JSON. A request field
 * that is not three words (e.g. "-" or garbage from a scanner) keeps the
 * whole text as path with method and protocol absent.
 */
#ifndef ENG_INGEST_CLF_H
#define ENG_INGEST_CLF_H

#include <stddef.h>

#include "timeutil.h"

struct clf_span {
    const char *p; /* NULL when absent ("-") */
    size_t len;
};

struct clf_record {
    struct clf_span host, ident, user;
    eng_time ts;
    struct clf_span method, path, protocol;
    long status;              /* -1 when "-" */
    long long bytes;          /* -1 when "-" */
    int combined;             /* referer/agent present */
    struct clf_span referer, agent;
};

/* Parses one line. combined: 0 = CLF only (trailing fields are an error),
 * 1 = combined required, -1 = accept either. Returns 0, or -1 with *why set
 * to a static message ("bad timestamp", "expected '\"' before request", ...)
 * and *at to the byte offset of the problem. */
int clf_parse(const char *line, size_t len, int combined, struct clf_record *rec,
              const char **why, size_t *at);

#endif
