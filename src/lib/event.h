/* event: helpers for the event model (EVENT-MODEL.md): deterministic ids,
 * stable partition hashes, and the checks every event must pass.
 *
 * Ids: 16 lower-case hex digits of XXH3-64 (libxxhash, seed 0) over
 *   source name, '\0', decimal line number, '\0', raw record bytes,
 * so re-ingesting a file gives the same ids, and two identical rows on two
 * lines stay two events. XXH3 is defined on bytes, so ids are the same on
 * every machine.
 *
 * Partitions: XXH3-64 of the key's bytes modulo N; same key, same partition,
 * everywhere.
 */
#ifndef ENG_EVENT_H
#define ENG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define ENG_EVENT_ID_LEN 16

/* Writes the 16-hex-digit id and a NUL into out (17 bytes). */
void eng_event_make_id(const char *source, unsigned long line, const char *raw,
                       size_t raw_len, char out[ENG_EVENT_ID_LEN + 1]);
/* Returns the partition in [0, n) for key[0..len). n >= 1. */
unsigned eng_event_partition(const char *key, size_t len, unsigned n);

/* Checks the shape of the common fields present on ev (EVENT-MODEL.md): id,
 * customer, channel, type, text are strings; ts is a string in the
 * normalised form (RFC 3339 UTC "Z", ms only when non-zero); source is an
 * object. Returns 0, or -1 with err naming the field ("ts: not in normal
 * form '...'"). Does not check presence. */
int eng_event_check_common(const json_t *ev, struct eng_error *err);
/* Returns 1 when s[0..len) is a ts in the normalised output form. */
int eng_event_ts_is_normal(const char *s, size_t len);

#endif
