/* emoji: the emoji lexicon, code point -> description ("grinning face").
 *
 * vaderSentiment 3.3.2 replaces each emoji in a text by its CLDR short name
 * before scoring, and does it one code point at a time (`for chr in text:
 * if chr in self.emojis`), so only the entries whose emoji is a single code
 * point can ever match: sequences (flags, skin tones, ZWJ families, anything
 * with U+FE0F) are read and ignored here. The file is the reference's
 * format, EMOJI<TAB>DESCRIPTION a line, generated at build time from
 * Unicode's emoji-test.txt by gen-emoji.sh.
 */
#ifndef ENG_SENTIMENT_EMOJI_H
#define ENG_SENTIMENT_EMOJI_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct emoji;

/* Returns a new empty map; NULL on out-of-memory. Free with emoji_free. */
struct emoji *emoji_new(void);
void emoji_free(struct emoji *em);

/* Loads EMOJI<TAB>DESCRIPTION lines (a later line for the same emoji wins).
 * Returns the number of single-code-point entries kept, or -1 with err
 * "FILE:LINE: message". */
long emoji_load(struct emoji *em, const char *path, struct eng_error *err);
long emoji_load_mem(struct emoji *em, const char *text, size_t len,
                    const char *name, struct eng_error *err);

/* Returns the description of cp (borrowed, *len set), or NULL. */
const char *emoji_get(const struct emoji *em, uint32_t cp, size_t *len);

#endif
