/* vader: see vader.h for the algorithm; comments here say where the code
 * follows a quirk of the reference on purpose. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "vader.h"

static const char *const negations[] = {
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
    "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
    "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
    "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
    "neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing",
    "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
    "oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
    "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom",
    "despite", NULL
};

static const char *const boosters_up[] = {
    "absolutely", "amazingly", "awfully", "completely", "considerable",
    "considerably", "decidedly", "deeply", "effing", "enormous", "enormously",
    "entirely", "especially", "exceptional", "exceptionally", "extreme",
    "extremely", "fabulously", "flipping", "flippin", "frackin", "fracking",
    "fricking", "frickin", "frigging", "friggin", "fully", "fuckin", "fucking",
    "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible",
    "incredibly", "intensely", "major", "majorly", "more", "most",
    "particularly", "purely", "quite", "really", "remarkably", "so",
    "substantially", "thoroughly", "total", "totally", "tremendous",
    "tremendously", "uber", "unbelievably", "unusually", "utter", "utterly",
    "very", NULL
};

/* Single-word dampeners; the two-word ones ("just enough", "kind of",
 * "sort of") never match a token and only count as bigrams in the idiom
 * check. */
static const char *const boosters_down[] = {
    "almost", "barely", "hardly", "kinda", "kindof", "kind-of", "less",
    "little", "marginal", "marginally", "occasional", "occasionally", "partly",
    "scarce", "scarcely", "slight", "slightly", "somewhat", "sorta", "sortof",
    "sort-of", NULL
};

/* SPECIAL_CASES of 3.3.2, as word sequences. "badass" is also a key there
 * but is never looked up as a single word, so it has no effect. */
static const struct idiom {
    const char *w[3];
    double valence;
} idioms[] = {
    {{"the", "shit", NULL}, 3}, {{"the", "bomb", NULL}, 3},
    {{"bad", "ass", NULL}, 1.5}, {{"bus", "stop", NULL}, 0.0},
    {{"yeah", "right", NULL}, -2}, {{"kiss", "of", "death"}, -1.5},
    {{"to", "die", "for"}, 3}, {{"beating", "heart", NULL}, 3.1},
    {{"broken", "heart", NULL}, -2.9},
};

static const char *const bigram_dampeners[][2] = {
    {"just", "enough"}, {"kind", "of"}, {"sort", "of"}
};

int vader_add_constants(struct lexicon *lx)
{
    for (size_t i = 0; negations[i]; i++)
        if (lexicon_set_negation(lx, negations[i]) < 0)
            return -1;
    for (size_t i = 0; boosters_up[i]; i++)
        if (lexicon_set_booster(lx, boosters_up[i], VADER_B_INCR) < 0)
            return -1;
    for (size_t i = 0; boosters_down[i]; i++)
        if (lexicon_set_booster(lx, boosters_down[i], VADER_B_DECR) < 0)
            return -1;
    return 0;
}

struct tok {
    size_t off, len;          /* in v->buf */
    size_t loff, llen;        /* lower-cased, in v->low */
    const struct lexicon_entry *e;
    int upper;
};

/* Scratch of the "but" rule: a leftist min-heap of token indexes per
 * distinct sentiment value, the heaps found through a hash of the value. */
struct but_scratch {
    size_t *left, *right, *rank;
    uint64_t *keys;
    size_t *roots;
    size_t cap, tcap;
};

struct vader {
    const struct lexicon *lx;
    const struct emoji *em;
    char *buf, *low;
    size_t bufcap, lowcap;
    struct tok *toks;
    double *sent;
    unsigned *rules;
    struct vader_token *out;
    size_t ntok, tokcap;
    struct but_scratch but;
};

struct vader *vader_new(const struct lexicon *lx, const struct emoji *em)
{
    struct vader *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->lx = lx;
    v->em = em;
    return v;
}

static void but_free(struct but_scratch *b)
{
    free(b->left);
    free(b->right);
    free(b->rank);
    free(b->keys);
    free(b->roots);
}

void vader_free(struct vader *v)
{
    if (!v)
        return;
    free(v->buf);
    free(v->low);
    free(v->toks);
    free(v->sent);
    free(v->rules);
    free(v->out);
    but_free(&v->but);
    free(v);
}

static int reserve(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    char *np = realloc(*p, nc);
    if (!np)
        return -1;
    *p = np;
    *cap = nc;
    return 0;
}

static int reserve_toks(struct vader *v, size_t need)
{
    if (need <= v->tokcap)
        return 0;
    size_t nc = v->tokcap ? v->tokcap * 2 : 64;
    while (nc < need)
        nc *= 2;
    struct tok *t = realloc(v->toks, nc * sizeof *t);
    if (t)
        v->toks = t;
    double *s = realloc(v->sent, nc * sizeof *s);
    if (s)
        v->sent = s;
    unsigned *r = realloc(v->rules, nc * sizeof *r);
    if (r)
        v->rules = r;
    struct vader_token *o = realloc(v->out, nc * sizeof *o);
    if (o)
        v->out = o;
    if (!t || !s || !r || !o)
        return -1;
    v->tokcap = nc;
    return 0;
}

/* --- the "but" rule -------------------------------------------------- */

#define NIL ((size_t)-1)

static size_t hrank(const struct but_scratch *b, size_t a)
{
    return a == NIL ? 0 : b->rank[a];
}

/* Leftist-heap merge keyed by the index itself; recursion depth is bounded
 * by the right spines, O(log n). */
static size_t hmerge(struct but_scratch *b, size_t a, size_t c)
{
    if (a == NIL)
        return c;
    if (c == NIL)
        return a;
    if (c < a) {
        size_t t = a;
        a = c;
        c = t;
    }
    b->right[a] = hmerge(b, b->right[a], c);
    if (hrank(b, b->left[a]) < hrank(b, b->right[a])) {
        size_t t = b->left[a];
        b->left[a] = b->right[a];
        b->right[a] = t;
    }
    b->rank[a] = hrank(b, b->right[a]) + 1;
    return a;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Returns the slot of value d's heap root. */
static size_t *heap_of(struct but_scratch *b, double d)
{
    uint64_t k = dbits(d), h = k * 0x9E3779B97F4A7C15ull;
    size_t mask = b->tcap - 1;
    for (size_t i = (size_t)(h >> 20) & mask;; i = (i + 1) & mask) {
        if (b->roots[i] == NIL && b->keys[i] == 0) {
            b->keys[i] = k;
            return &b->roots[i];
        }
        if (b->keys[i] == k)
            return &b->roots[i];
    }
}

static int but_reserve(struct but_scratch *b, size_t n)
{
    if (n > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < n)
            nc *= 2;
        size_t *l = realloc(b->left, nc * sizeof *l);
        if (l)
            b->left = l;
        size_t *r = realloc(b->right, nc * sizeof *r);
        if (r)
            b->right = r;
        size_t *k = realloc(b->rank, nc * sizeof *k);
        if (k)
            b->rank = k;
        if (!l || !r || !k)
            return -1;
        b->cap = nc;
    }
    size_t t = 16;
    while (t < 4 * n)
        t *= 2;
    if (t > b->tcap) {
        uint64_t *k = realloc(b->keys, t * sizeof *k);
        if (k)
            b->keys = k;
        size_t *r = realloc(b->roots, t * sizeof *r);
        if (r)
            b->roots = r;
        if (!k || !r)
            return -1;
        b->tcap = t;
    }
    /* nonzero values have nonzero bits, so key 0 marks a free slot */
    memset(b->keys, 0, b->tcap * sizeof *b->keys);
    for (size_t i = 0; i < b->tcap; i++)
        b->roots[i] = NIL;
    return 0;
}

/* The reference iterates `for sentiment in sentiments` while it replaces
 * items, and finds each item's slot with sentiments.index(sentiment): the
 * first slot holding an equal value, which may be an earlier slot that an
 * earlier step already re-weighted. Slot k is never touched before step k
 * (index() returns at most k), so step k reads the original value s[k].
 * Zeros are left alone: 0 * 0.5 and 0 * 1.5 are 0. */
static int but_reweight(struct but_scratch *b, double *s, size_t n, size_t bi,
                        unsigned *rules, int naive)
{
    if (!naive && n > 32 && but_reserve(b, n) < 0)
        return -1;
    naive = naive || n <= 32;
    for (size_t k = 0; k < n; k++) {
        double val = s[k];
        size_t si;
        if (val == 0)
            continue;
        if (naive) {
            for (si = 0; s[si] != val; si++)
                ;
        } else {
            size_t *root = heap_of(b, val);
            b->left[k] = b->right[k] = NIL;
            b->rank[k] = 1;
            *root = hmerge(b, *root, k);
            si = *root;
            *root = hmerge(b, b->left[si], b->right[si]);
        }
        double nv = val;
        if (si < bi)
            nv = val * 0.5;
        else if (si > bi)
            nv = val * 1.5;
        if (si != bi && rules)
            rules[si] |= VADER_RULE_BUT;
        s[si] = nv;
        if (!naive && nv != 0) {
            size_t *root = heap_of(b, nv);
            b->left[si] = b->right[si] = NIL;
            b->rank[si] = 1;
            *root = hmerge(b, *root, si);
        }
    }
    return 0;
}

int vader_but_reweight(double *s, size_t n, size_t bi, unsigned *rules)
{
    struct but_scratch b = {0};
    int rc = but_reweight(&b, s, n, bi, rules, 0);
    but_free(&b);
    return rc;
}

/* --- tokens ------------------------------------------------------------ */

static int is_word(const struct vader *v, size_t i, const char *w)
{
    size_t n = strlen(w);
    return v->toks[i].llen == n && memcmp(v->low + v->toks[i].loff, w, n) == 0;
}

static int in_lex(const struct vader *v, size_t i)
{
    return v->toks[i].e && v->toks[i].e->in_lexicon;
}

static int negated(const struct vader *v, size_t i)
{
    const struct tok *t = &v->toks[i];
    return (t->e && t->e->is_negation) ||
           (t->llen >= 3 && memmem(v->low + t->loff, t->llen, "n't", 3));
}

/* Step 1: emoji to descriptions, into v->buf; counts ! and ?. */
static int replace_emoji(struct vader *v, const char *text, size_t len,
                         size_t *outlen, size_t *nexcl, size_t *nquest)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t o = 0, ne = 0, nq = 0;
    int prev_space = 1;
    if (reserve(&v->buf, &v->bufcap, len + 64) < 0)
        return -1;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            v->buf[o++] = (char)p[i];
            prev_space = p[i] == ' ';
            ne += p[i] == '!';
            nq += p[i] == '?';
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = text_decode(p + i, len - i, &cp), dl;
        const char *d;
        if (!l) {             /* invalid byte: skipped, scored on the rest */
            i++;
            continue;
        }
        if (v->em && (d = emoji_get(v->em, cp, &dl))) {
            if (reserve(&v->buf, &v->bufcap, o + dl + 2 + (len - i)) < 0)
                return -1;
            if (!prev_space)
                v->buf[o++] = ' ';
            memcpy(v->buf + o, d, dl);
            for (size_t j = 0; j < dl; j++) {
                ne += d[j] == '!';
                nq += d[j] == '?';
            }
            o += dl;
            prev_space = 0;
        } else {
            memcpy(v->buf + o, p + i, l);
            o += l;
            prev_space = 0;
        }
        i += l;
    }
    *outlen = o;
    *nexcl = ne;
    *nquest = nq;
    return 0;
}

/* Returns the length of the whitespace code point at s[i..n), or 0. */
static size_t space_at(const char *s, size_t i, size_t n)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80)
        return text_is_space(c);
    uint32_t cp;
    size_t l = text_decode((const unsigned char *)s + i, n - i, &cp);
    return l && text_is_space(cp) ? l : 0;
}

/* Step 2: split and strip punctuation; lower-case and look up each token. */
static int tokenise(struct vader *v, size_t n)
{
    const char *s = v->buf;
    size_t lo = 0;
    v->ntok = 0;
    if (reserve(&v->low, &v->lowcap, 2 * n + 8) < 0)
        return -1;
    for (size_t i = 0; i < n;) {
        size_t l = space_at(s, i, n);
        if (l) {
            i += l;
            continue;
        }
        size_t a = i;
        while (i < n && !space_at(s, i, n))
            i++;
        size_t b = i, sa = a, sb = b;
        while (sa < sb && text_is_punct((unsigned char)s[sa]))
            sa++;
        while (sb > sa && text_is_punct((unsigned char)s[sb - 1]))
            sb--;
        /* two characters or fewer left: an emoticon, keep it whole */
        if (sb - sa <= 8 && text_cplen(s + sa, sb - sa) <= 2) {
            sa = a;
            sb = b;
        }
        if (reserve_toks(v, v->ntok + 1) < 0)
            return -1;
        struct tok *t = &v->toks[v->ntok++];
        t->off = sa;
        t->len = sb - sa;
        t->loff = lo;
        t->llen = text_lower(s + sa, sb - sa, v->low + lo);
        lo += t->llen;
        t->e = lexicon_get(v->lx, v->low + t->loff, t->llen);
        t->upper = text_isupper(s + sa, sb - sa);
    }
    return 0;
}

static double scalar_inc_dec(const struct vader *v, size_t j, double valence,
                             int cap_diff)
{
    const struct lexicon_entry *e = v->toks[j].e;
    if (!e || !e->is_booster)
        return 0.0;
    double scalar = e->booster;
    if (valence < 0)
        scalar *= -1;
    if (v->toks[j].upper && cap_diff) {
        if (valence > 0)
            scalar += VADER_C_INCR;
        else
            scalar -= VADER_C_INCR;
    }
    return scalar;
}

static double negation_check(const struct vader *v, double valence,
                             size_t start_i, size_t i, unsigned *rule)
{
    if (start_i == 0) {
        if (negated(v, i - 1)) {
            valence *= VADER_N_SCALAR;
            *rule |= VADER_RULE_NEGATED;
        }
    } else if (start_i == 1) {
        if (is_word(v, i - 2, "never") &&
            (is_word(v, i - 1, "so") || is_word(v, i - 1, "this"))) {
            valence *= 1.25;
            *rule |= VADER_RULE_BOOSTER;
        } else if (is_word(v, i - 2, "without") && is_word(v, i - 1, "doubt")) {
            /* "without doubt" is not a negation */
        } else if (negated(v, i - 2)) {
            valence *= VADER_N_SCALAR;
            *rule |= VADER_RULE_NEGATED;
        }
    } else {
        /* the reference's precedence: (never and (so|this)) or (so|this) */
        if ((is_word(v, i - 3, "never") &&
             (is_word(v, i - 2, "so") || is_word(v, i - 2, "this"))) ||
            (is_word(v, i - 1, "so") || is_word(v, i - 1, "this"))) {
            valence *= 1.25;
            *rule |= VADER_RULE_BOOSTER;
        } else if (is_word(v, i - 3, "without") &&
                   (is_word(v, i - 2, "doubt") || is_word(v, i - 1, "doubt"))) {
            /* exempt */
        } else if (negated(v, i - 3)) {
            valence *= VADER_N_SCALAR;
            *rule |= VADER_RULE_NEGATED;
        }
    }
    return valence;
}

/* Returns the special case matching tokens first..first+k-1, or NULL. */
static const struct idiom *idiom_of(const struct vader *v, size_t first,
                                    size_t k)
{
    for (size_t c = 0; c < sizeof idioms / sizeof idioms[0]; c++) {
        const struct idiom *id = &idioms[c];
        size_t wn = id->w[2] ? 3 : 2, j;
        if (wn != k)
            continue;
        for (j = 0; j < k && is_word(v, first + j, id->w[j]); j++)
            ;
        if (j == k)
            return id;
    }
    return NULL;
}

static int is_bigram_dampener(const struct vader *v, size_t a)
{
    for (size_t c = 0; c < 3; c++)
        if (is_word(v, a, bigram_dampeners[c][0]) &&
            is_word(v, a + 1, bigram_dampeners[c][1]))
            return 1;
    return 0;
}

/* Only reached for i >= 3 with token i-3 not in the lexicon (the reference
 * calls it inside the loop, at distance 3). */
static double idioms_check(const struct vader *v, double valence, size_t i)
{
    /* onezero, twoonezero, twoone, threetwoone, threetwo: the first wins */
    static const struct { size_t back, k; } seqs[] = {
        {1, 2}, {2, 3}, {2, 2}, {3, 3}, {3, 2}
    };
    const struct idiom *id;
    for (size_t q = 0; q < 5; q++)
        if ((id = idiom_of(v, i - seqs[q].back, seqs[q].k))) {
            valence = id->valence;
            break;
        }
    if (v->ntok - 1 > i && (id = idiom_of(v, i, 2)))
        valence = id->valence;
    if (v->ntok - 1 > i + 1 && (id = idiom_of(v, i, 3)))
        valence = id->valence;
    /* n_grams [threetwoone, threetwo, twoone] in BOOSTER_DICT: only the
     * two-word dampeners can match */
    if (is_bigram_dampener(v, i - 3))
        valence += VADER_B_DECR;
    if (is_bigram_dampener(v, i - 2))
        valence += VADER_B_DECR;
    return valence;
}

static double sentiment_valence(const struct vader *v, size_t i, int cap_diff,
                                unsigned *rule)
{
    const struct tok *t = &v->toks[i];
    size_t n = v->ntok;
    double valence = t->e->valence;

    /* "no" before another lexicon word negates it instead of scoring */
    if (is_word(v, i, "no") && i != n - 1 && in_lex(v, i + 1))
        valence = 0.0;
    if ((i > 0 && is_word(v, i - 1, "no")) || (i > 1 && is_word(v, i - 2, "no")) ||
        (i > 2 && is_word(v, i - 3, "no") &&
         (is_word(v, i - 1, "or") || is_word(v, i - 1, "nor")))) {
        valence = t->e->valence * VADER_N_SCALAR;
        *rule |= VADER_RULE_NEGATED;
    }
    if (t->upper && cap_diff) {
        if (valence > 0)
            valence += VADER_C_INCR;
        else
            valence -= VADER_C_INCR;
        *rule |= VADER_RULE_CAPS;
    }
    for (size_t start_i = 0; start_i < 3; start_i++) {
        if (i > start_i && !in_lex(v, i - (start_i + 1))) {
            double s = scalar_inc_dec(v, i - (start_i + 1), valence, cap_diff);
            if (start_i == 1 && s != 0)
                s = s * 0.95;
            if (start_i == 2 && s != 0)
                s = s * 0.9;
            if (s != 0)
                *rule |= VADER_RULE_BOOSTER;
            valence = valence + s;
            valence = negation_check(v, valence, start_i, i, rule);
            if (start_i == 2) {
                double before = valence;
                valence = idioms_check(v, valence, i);
                if (valence != before)
                    *rule |= VADER_RULE_IDIOM;
            }
        }
    }
    /* "least" as a negation, but not "at least" / "very least" */
    if (i > 1 && !in_lex(v, i - 1) && is_word(v, i - 1, "least")) {
        if (!is_word(v, i - 2, "at") && !is_word(v, i - 2, "very")) {
            valence = valence * VADER_N_SCALAR;
            *rule |= VADER_RULE_NEGATED;
        }
    } else if (i > 0 && !in_lex(v, i - 1) && is_word(v, i - 1, "least")) {
        valence = valence * VADER_N_SCALAR;
        *rule |= VADER_RULE_NEGATED;
    }
    return valence;
}

static double normalize(double score)
{
    double norm = score / sqrt((score * score) + 15);
    if (norm < -1.0)
        return -1.0;
    if (norm > 1.0)
        return 1.0;
    return norm;
}

int vader_score(struct vader *v, const char *text, size_t len,
                struct vader_scores *out)
{
    size_t n, nexcl, nquest;
    memset(out, 0, sizeof *out);
    v->ntok = 0;
    if (replace_emoji(v, text, len, &n, &nexcl, &nquest) < 0 ||
        tokenise(v, n) < 0)
        return -1;
    size_t nt = v->ntok, upper = 0;
    if (nt == 0)
        return 0;
    for (size_t i = 0; i < nt; i++)
        upper += (size_t)v->toks[i].upper;
    int cap_diff = nt - upper > 0 && nt - upper < nt;

    for (size_t i = 0; i < nt; i++) {
        const struct lexicon_entry *e = v->toks[i].e;
        v->rules[i] = 0;
        v->sent[i] = 0;
        if (e && e->is_booster)
            continue;
        if (i < nt - 1 && is_word(v, i, "kind") && is_word(v, i + 1, "of"))
            continue;
        if (e && e->in_lexicon)
            v->sent[i] = sentiment_valence(v, i, cap_diff, &v->rules[i]);
    }
    for (size_t i = 0; i < nt; i++)
        if (is_word(v, i, "but")) {
            if (but_reweight(&v->but, v->sent, nt, i, v->rules, 0) < 0)
                return -1;
            break;
        }

    double sum_s = 0.0;
    for (size_t i = 0; i < nt; i++)
        sum_s += v->sent[i];
    double ep = (double)(nexcl > 4 ? 4 : nexcl) * 0.292;
    double qm = 0;
    if (nquest > 1)
        qm = nquest <= 3 ? (double)nquest * 0.18 : 0.96;
    double punct = ep + qm;
    if (sum_s > 0)
        sum_s += punct;
    else if (sum_s < 0)
        sum_s -= punct;
    out->compound = normalize(sum_s);

    double pos_sum = 0.0, neg_sum = 0.0;
    size_t neu_count = 0;
    for (size_t i = 0; i < nt; i++) {
        double s = v->sent[i];
        if (s > 0)
            pos_sum += s + 1;
        if (s < 0)
            neg_sum += s - 1;
        if (s == 0)
            neu_count++;
    }
    if (pos_sum > fabs(neg_sum))
        pos_sum += punct;
    else if (pos_sum < fabs(neg_sum))
        neg_sum -= punct;
    double total = pos_sum + fabs(neg_sum) + (double)neu_count;
    out->pos = fabs(pos_sum / total);
    out->neg = fabs(neg_sum / total);
    out->neu = fabs((double)neu_count / total);
    return 0;
}

const struct vader_token *vader_tokens(const struct vader *v, size_t *n)
{
    for (size_t i = 0; i < v->ntok; i++) {
        const struct tok *t = &v->toks[i];
        struct vader_token *o = &v->out[i];
        o->text = v->buf + t->off;
        o->len = t->len;
        o->in_lexicon = t->e && t->e->in_lexicon;
        o->valence = o->in_lexicon ? t->e->valence : 0;
        o->sentiment = v->sent[i];
        o->rules = v->rules[i];
    }
    *n = v->ntok;
    return v->out;
}
