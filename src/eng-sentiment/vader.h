/* vader: the VADER sentiment scorer, a faithful port of vaderSentiment 3.3.2
 * (Hutto & Gilbert, "VADER: A Parsimonious Rule-based Model for Sentiment
 * Analysis of Social Media Text", ICWSM 2014). Pure computation: no I/O;
 * the lexicon and the emoji map are built by the caller and borrowed.
 *
 * The algorithm, per text (the reference's names in brackets):
 *   1. Replace each emoji code point by its description, with a space
 *      before it unless one is there already; strip the text.
 *   2. Split on Unicode whitespace; strip ASCII punctuation from both ends
 *      of each token unless that leaves two characters or fewer (":)",
 *      "ok." stay as they are) [_strip_punc_if_word].
 *   3. cap_diff: some but not all tokens are upper case [allcap_differential].
 *   4. Each token gets a sentiment: 0 for boosters, for "kind" before "of"
 *      and for words not in the lexicon; else its valence, then
 *        - "no" next to a lexicon word: that word's valence * -0.74;
 *        - ALL CAPS (with cap_diff): +/- 0.733;
 *        - for each of the 3 preceding words not in the lexicon: its booster
 *          scalar (* 0.95 at distance 2, * 0.9 at 3; +/- 0.733 more when the
 *          booster is in caps), then negation of that word (* -0.74; "never
 *          so/this" * 1.25 instead; "without doubt" exempt), and at distance
 *          3 the special-case idioms ("the shit", "kiss of death", ...) and
 *          "kind of"/"sort of" bigrams [sentiment_valence, _negation_check,
 *          _special_idioms_check];
 *        - "least" before it (not "at least", "very least") * -0.74.
 *   5. Contrastive "but" (the first one): sentiments before it * 0.5, after
 *      it * 1.5, through list.index() of the value, so equal values can
 *      re-weight the first equal slot instead of their own [_but_check].
 *   6. sum; add ! (<= 4, 0.292 each) and ? (2-3: 0.18 each, more: 0.96)
 *      emphasis away from zero; compound = sum / sqrt(sum^2 + 15); pos/neg/
 *      neu are the shares of (s+1), (s-1) and the count of zeros, with the
 *      emphasis added to the larger side [score_valence].
 * Sums are plain doubles in list order (build without -ffast-math and with
 * -ffp-contract=off) so the results are bit-equal to the reference's.
 *
 * Invalid UTF-8 bytes in a text are skipped: the text is scored on its
 * valid parts. Time and memory are linear in the text (the "but" rule's
 * list.index() lookups go through a per-value min-heap, not a scan).
 */
#ifndef ENG_SENTIMENT_VADER_H
#define ENG_SENTIMENT_VADER_H

#include <stddef.h>

#include "emoji.h"
#include "lexicon.h"

#define VADER_B_INCR 0.293
#define VADER_B_DECR (-0.293)
#define VADER_C_INCR 0.733
#define VADER_N_SCALAR (-0.74)

/* The rules that changed a token's sentiment (--explain). */
enum vader_rule {
    VADER_RULE_BOOSTER = 1,  /* a booster/dampener before it, "never so" */
    VADER_RULE_NEGATED = 2,  /* a negation within 3 words, "no", "least" */
    VADER_RULE_CAPS = 4,     /* ALL CAPS among mixed-case words */
    VADER_RULE_BUT = 8,      /* re-weighted by the contrastive "but" */
    VADER_RULE_IDIOM = 16    /* special-case idiom or "kind of" bigram */
};

struct vader_scores {
    double compound, pos, neu, neg;   /* unrounded */
};

/* One token, as scored; valid until the next vader_score call. */
struct vader_token {
    const char *text;        /* the token (punctuation-stripped), not NUL-ended */
    size_t len;
    int in_lexicon;
    double valence;          /* lexicon valence (when in_lexicon) */
    double sentiment;        /* final contribution to the sum */
    unsigned rules;          /* enum vader_rule bits */
};

struct vader;

/* Adds VADER's boosters/dampeners and negation words to lx (call once
 * after the lexicon files are loaded). 0, or -1 on out-of-memory. */
int vader_add_constants(struct lexicon *lx);

/* Returns a new scorer over lx and em (borrowed; em may be NULL for no
 * emoji). NULL on out-of-memory. Free with vader_free. */
struct vader *vader_new(const struct lexicon *lx, const struct emoji *em);
void vader_free(struct vader *v);

/* Scores text[0..len). Fills *out. Returns 0, or -1 on out-of-memory. */
int vader_score(struct vader *v, const char *text, size_t len,
                struct vader_scores *out);

/* The tokens of the last vader_score call (borrowed). */
const struct vader_token *vader_tokens(const struct vader *v, size_t *n);

/* The reference's contrastive-"but" re-weighting of s[0..n) with the "but"
 * at index bi, in place, rules[] (may be NULL) marked. Exposed for tests. */
int vader_but_reweight(double *s, size_t n, size_t bi, unsigned *rules);

#endif
