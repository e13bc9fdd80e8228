/* annotate: the text of the members eng-sentiment splices into an event.
 *
 *   "sentiment":{"compound":-0.6249,"pos":0.0,"neu":0.588,"neg":0.412,
 *                "label":"negative"}
 *   with --explain, one more member in it:
 *     "tokens":[{"token":"not","valence":null,"score":0.0,"rules":[]},
 *               {"token":"good","valence":1.9,"score":-1.406,
 *                "rules":["negated"]}]
 *   with --topics, beside it: "topics":["delay","baggage"]
 *
 * Numbers are written as the reference's Python would print its rounded
 * floats: compound and token scores rounded to 4 decimals, proportions to 3
 * (printf's correctly rounded "%.Nf", which is what Python's round() gives
 * on the same double), then trailing zeros dropped but one kept after the
 * point ("0.0", "1.0", "0.743"). Negative zero is written 0.0. Valences are
 * written the same way with up to 4 decimals.
 */
#ifndef ENG_SENTIMENT_ANNOTATE_H
#define ENG_SENTIMENT_ANNOTATE_H

#include <stddef.h>

#include "vader.h"

/* A growable byte buffer, reused from event to event. */
struct abuf {
    char *p;
    size_t len, cap;
};

void abuf_free(struct abuf *b);
/* Appends bytes / a C string / a JSON string literal. 0 or -1 (memory). */
int abuf_add(struct abuf *b, const char *s, size_t n);
int abuf_str(struct abuf *b, const char *s);
int abuf_json_string(struct abuf *b, const char *s, size_t n);

/* Formats x rounded to `digits` decimals as described above into out
 * (room for 40 bytes). Returns the length. */
size_t annotate_number(double x, int digits, char *out);

/* Appends the sentiment object "{...}" for the scores (and the tokens when
 * tokens is not NULL). neg_t/pos_t: label thresholds, compared with the
 * written (rounded) compound. 0 or -1. */
int annotate_sentiment(struct abuf *b, const struct vader_scores *s,
                       double neg_t, double pos_t,
                       const struct vader_token *tokens, size_t ntokens);

#endif
