/* join: master data for eng-enrich. `join:` entries attach the row whose key
 * equals an event field (customers.csv by id); `lookup:` entries attach the
 * latest row at or before the event's time among the rows with that key
 * (weather.csv by city, as of the event's ts). Files are CSV (a header row
 * names the columns; libcsv) or JSON-lines (one object per line), chosen by
 * the name: *.jsonl, *.ndjson and *.json are JSON-lines, the rest CSV.
 */
#ifndef ENG_ENRICH_JOIN_H
#define ENG_ENRICH_JOIN_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "path.h"
#include "strmap.h"
#include "timeutil.h"

/* Reads a master file, calling row(ctx, obj, line) for each row: obj is a
 * new reference the callback owns; line is the row's first line (1-based).
 * CSV cells that read as JSON numbers become numbers, the rest strings.
 * The callback returns 0, or -1 with err set to stop. Returns 0, or -1 with
 * err set ("stores.csv: No such file or directory", "x.jsonl:7: not a JSON
 * object"). */
int master_read(const char *path, const char *shown,
                int (*row)(void *ctx, json_t *obj, unsigned long line,
                           struct eng_error *err),
                void *ctx, struct eng_error *err);

struct join {
    int asof;                   /* a lookup: entry */
    char *file;                 /* as written in the config */
    struct eng_path *ev_key;    /* event side of `on` */
    char *file_key;             /* file side of `on` */
    struct eng_path *ev_time;   /* asof.event (lookups) */
    char *file_time;            /* asof.file (lookups) */
    int into_profile;           /* into: profile[.x] (else context[.x]) */
    struct eng_path *into_rest; /* the part after profile/context; NULL:
                                   the row's members go into the root */
    struct strmap rows;         /* key -> json_t row, or struct series */
    unsigned long long nrows, dups, skipped;
};

/* Loads j->file (resolved against dir) into j->rows. Duplicate keys (for a
 * lookup: duplicate key and time) keep the last row and are counted in
 * j->dups. Returns 0, or -1 with err set. */
int join_load(struct join *j, const char *path, const char *shown,
              struct eng_error *err);
/* Returns the matching row for ev (borrowed), or NULL. ts is the event time
 * used when the lookup's asof.event is `ts`. */
const json_t *join_find(const struct join *j, const json_t *ev, eng_time ts);
void join_free(struct join *j);

/* Writes the text of a key value (string as is, integer in decimal) into
 * buf; returns its length, or -1 when v is not a usable key. *out points at
 * the text (v's own string or buf). */
long join_key_text(const json_t *v, char *buf, size_t bufsz, const char **out);

#endif
