/* lexicon: the word table VADER looks every token up in, built once.
 *
 * One open-addressing hash table (xxHash3 of the lower-cased word) maps a
 * word to everything the scorer needs to know about it in a single probe:
 * its valence from the lexicon file (vader_lexicon.txt: WORD<TAB>MEAN[<TAB>
 * anything], as vaderSentiment reads it), whether it is a booster or
 * dampener and by how much, and whether it is a negation word. The scorer
 * adds the boosters and negations (they are constants of the algorithm);
 * the files add valences.
 *
 * File format (the reference's, plus two things for domain files): one entry
 * a line, WORD<TAB>VALENCE, further tab-separated fields ignored; blank
 * lines ignored; a line starting with "# " (or a lone "#") is a comment, so
 * emoticons such as "#-)" stay words. VALENCE is a finite decimal number. A
 * later entry for the same word overrides an earlier one (a Python dict's
 * behaviour, and what --add-lexicon relies on).
 */
#ifndef ENG_SENTIMENT_LEXICON_H
#define ENG_SENTIMENT_LEXICON_H

#include <stddef.h>

#include "error.h"

/* What the table knows about one word. */
struct lexicon_entry {
    double valence;       /* lexicon valence (when in_lexicon) */
    double booster;       /* booster/dampener scalar (when is_booster) */
    unsigned char in_lexicon, is_booster, is_negation;
};

struct lexicon;

/* Returns a new empty table; caller frees with lexicon_free. NULL only on
 * out-of-memory. */
struct lexicon *lexicon_new(void);
void lexicon_free(struct lexicon *lx);

/* Sets the valence of word[0..len) (adds or overrides). 0, or -1 on
 * out-of-memory. */
int lexicon_set_valence(struct lexicon *lx, const char *word, size_t len,
                        double valence);
/* Marks word as a booster/dampener with scalar s, or as a negation word.
 * 0 or -1. */
int lexicon_set_booster(struct lexicon *lx, const char *word, double s);
int lexicon_set_negation(struct lexicon *lx, const char *word);

/* Loads entries from the file at path (see the format above). lower: fold
 * words to lower case (domain files; the reference lexicon is loaded as
 * written). Returns the number of entries read, or -1 with err
 * "FILE:LINE: message". */
long lexicon_load(struct lexicon *lx, const char *path, int lower,
                  struct eng_error *err);
/* Same from memory; name is used in messages. */
long lexicon_load_mem(struct lexicon *lx, const char *text, size_t len,
                      const char *name, int lower, struct eng_error *err);

/* Returns the entry of word[0..len) (exact bytes; the caller lower-cases),
 * or NULL. Borrowed: valid until the next change of the table. */
const struct lexicon_entry *lexicon_get(const struct lexicon *lx,
                                        const char *word, size_t len);

/* Number of words with a valence. */
size_t lexicon_size(const struct lexicon *lx);

#endif
