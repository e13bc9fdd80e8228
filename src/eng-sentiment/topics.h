/* topics: --topics FILE, listening by phrase. A YAML mapping of topic name
 * to phrases; an event gets the names of the topics with at least one
 * phrase in its text, in the order of the file.
 *
 *   delay:   [delayed, late, "on hold", cancelled]
 *   baggage: [lost bag, luggage, "baggage claim"]
 *   refund:  refund                  # one phrase may be a plain string
 *
 * Matching is case-insensitive and by whole words: text and phrases are cut
 * into words (runs of ASCII letters and digits and of non-ASCII characters;
 * everything else separates), and a phrase matches where its words occur
 * consecutively. So "late" does not match "chocolate", "on hold" matches
 * "ON  HOLD!", and "wi-fi" matches "wi fi". Work is linear in the text
 * times the number of phrases, with no allocation per event after the
 * first (buffers are reused).
 */
#ifndef ENG_SENTIMENT_TOPICS_H
#define ENG_SENTIMENT_TOPICS_H

#include <stddef.h>

#include "error.h"

struct topics;

/* Loads and checks the file. Returns the topics (free with topics_free), or
 * NULL with err "FILE:LINE:COL: message". */
struct topics *topics_load(const char *path, struct eng_error *err);
void topics_free(struct topics *t);

/* Number of topics, and the name of topic i (borrowed). */
size_t topics_count(const struct topics *t);
const char *topics_name(const struct topics *t, size_t i);

/* Matches text[0..len) (UTF-8). Sets hit[i] to 1 for each topic i that
 * occurs, else 0 (hit has topics_count() slots). 0, or -1 on out-of-memory. */
int topics_match(struct topics *t, const char *text, size_t len,
                 unsigned char *hit);

#endif
