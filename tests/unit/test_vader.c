/* test_vader: the VADER port's internals (src/eng-sentiment): the scorer on
 * a small lexicon, the quirks of the reference, hostile input, the "but"
 * rule's fast path against the reference's list.index() loop, the lexicon
 * and topics loaders, and the number format. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "annotate.h"
#include "emoji.h"
#include "lexicon.h"
#include "tap.h"
#include "text.h"
#include "topics.h"
#include "vader.h"

static struct lexicon *lx;
static struct emoji *em;
static struct vader *v;

static const char mini[] =
    "good\t1.9\t0.9\t[2, 2]\n"
    "bad\t-2.5\n"
    "great\t3.1\n"
    "love\t3.2\n"
    "no\t-1.2\n"
    "shit\t-2.6\n"
    "heart\t3.2\n"
    ":)\t2.0\n";

static const char emoji_txt[] =
    "\xF0\x9F\x98\x81\tbeaming face with smiling eyes\n"      /* U+1F601 */
    "\xE2\x9D\xA4\xEF\xB8\x8F\tred heart\n"                  /* sequence: ignored */
    "\xE2\x9D\xA4\tred heart\n";                             /* U+2764 */

/* Scores s and returns the compound formatted as the tool writes it. */
static const char *compound(const char *s)
{
    static char out[40];
    struct vader_scores sc;
    vader_score(v, s, strlen(s), &sc);
    annotate_number(sc.compound, 4, out);
    return out;
}

static const char *all4(const char *s)
{
    static char out[160];
    char a[40], b[40], c[40], d[40];
    struct vader_scores sc;
    vader_score(v, s, strlen(s), &sc);
    annotate_number(sc.compound, 4, a);
    annotate_number(sc.pos, 3, b);
    annotate_number(sc.neu, 3, c);
    annotate_number(sc.neg, 3, d);
    snprintf(out, sizeof out, "%s %s %s %s", a, b, c, d);
    return out;
}

/* The reference's loop, literally: for sentiment in sentiments: si =
 * sentiments.index(sentiment) ... */
static void but_naive(double *s, size_t n, size_t bi)
{
    for (size_t k = 0; k < n; k++) {
        double val = s[k];
        size_t si = 0;
        while (s[si] != val)
            si++;
        if (si < bi)
            s[si] = val * 0.5;
        else if (si > bi)
            s[si] = val * 1.5;
    }
}

static void test_scores(void)
{
    is_str(all4("good"), "0.4404 1.0 0.0 0.0", "one lexicon word: 1.9/sqrt(1.9^2+15)");
    is_str(all4(""), "0.0 0.0 0.0 0.0", "empty text scores all zeros");
    is_str(all4(" \t\n"), "0.0 0.0 0.0 0.0", "whitespace-only text scores all zeros");
    is_str(all4("!!!"), "0.0 0.0 1.0 0.0", "'!!!' alone is one neutral token");
    is_str(compound("good!"), compound("good!"), "scoring is repeatable");
    char plain[40];
    strcpy(plain, compound("good"));
    ok(strcmp(compound("good!"), plain) != 0, "! adds emphasis");
    is_str(compound("good!!!!!!"), compound("good!!!!"), "! counts up to 4");
    is_str(compound("good?"), compound("good"), "a single ? adds nothing");
    is_str(compound("not good"), "-0.3412", "negation: 1.9 * -0.74");
    is_str(compound("isn't good"), "-0.3412", "n't negates");
    is_str(compound("very good"), "0.4927", "booster adds 0.293");
    is_str(compound("GOOD day"), "0.5622", "ALL CAPS among lower case adds 0.733");
    is_str(compound("GOOD DAY"), "0.4404", "all tokens in caps: no caps boost");
    is_str(compound("good but bad"), "-0.5859",
           "but: before * 0.5, after * 1.5");
    is_str(compound("it is the shit"), "0.6124",
           "idiom 'the shit' replaces the valence at position 4+");
    is_str(compound("the shit"), "-0.5574",
           "idioms are not checked before the 4th token");
    is_str(compound("no good"), "-0.3412", "'no' before a lexicon word negates it");
    is_str(compound("good :)"), "0.7096", "emoticons are tokens");
    is_str(compound("ok."), "0.0", "'ok.' keeps its punctuation (2 chars left)");
    is_str(compound("\xF0\x9F\x98\x81"), "0.0",
           "an emoji becomes its description (no lexicon word here)");
    is_str(compound("I \xE2\x9D\xA4 it"), compound("I red heart it"),
           "U+2764 alone is replaced by 'red heart'");
    is_str(compound("I \xE2\x9D\xA4\xEF\xB8\x8F it"), compound("I red heart\xEF\xB8\x8F it"),
           "U+FE0F stays glued to the description before it");
    is_str(all4("good\xFF\xC0 day"), all4("good day"),
           "invalid UTF-8 bytes are skipped: scored on the valid parts");
    is_str(all4("good\xE2\x80\x83" "bad"), all4("good bad"),
           "U+2003 EM SPACE splits tokens like Python's str.split()");
}

static void test_explain(void)
{
    size_t n;
    vader_score(v, "not VERY good but GREAT", 23, &(struct vader_scores){0});
    const struct vader_token *t = vader_tokens(v, &n);
    is_int(n, 5, "explain: five tokens");
    ok(t[2].in_lexicon && t[2].valence == 1.9, "explain: 'good' has valence 1.9");
    is_int(t[2].rules, VADER_RULE_BOOSTER | VADER_RULE_NEGATED | VADER_RULE_BUT,
           "explain: 'good' boosted, negated, halved by but");
    is_int(t[4].rules, VADER_RULE_BOOSTER | VADER_RULE_CAPS | VADER_RULE_BUT,
           "explain: 'GREAT' caps, 'VERY' 3 back boosts it, and but");
    ok(!t[0].in_lexicon && t[0].rules == 0, "explain: 'not' has no valence");
}

static void test_but(void)
{
    /* the quirk itself: equal values re-weight the first equal slot */
    double s[] = {2, 1, 0, 1, 4};
    unsigned rules[5] = {0};
    vader_but_reweight(s, 5, 2, rules);
    double want[] = {0.5, 0.5, 0, 1, 6};
    ok(memcmp(s, want, sizeof s) == 0,
       "but: 2 halves to 1, the next 1 re-halves slot 0, the last 1 slot 1 "
       "(list.index), and slot 3 keeps its 1");
    ok(rules[0] == VADER_RULE_BUT && rules[3] == 0,
       "but: the rule is marked on the slot that changed");
    srand(7);
    int same = 1;
    for (int round = 0; round < 300 && same; round++) {
        size_t n = 33 + (size_t)(rand() % 200), bi = (size_t)rand() % n;
        double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
        static const double vals[] = {0, 1, 2, 0.5, 4, -1, -2, 1.5, 3};
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = vals[rand() % 9];
        vader_but_reweight(a, n, bi, NULL);
        but_naive(b, n, bi);
        same = memcmp(a, b, n * sizeof *a) == 0;
        free(a);
        free(b);
    }
    ok(same, "but: heap path equals list.index() on 300 random lists");
}

static void test_big(void)
{
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    static const char unit[] = "good but bad day ";
    for (size_t i = 0; i < n; i++)
        big[i] = unit[i % (sizeof unit - 1)];
    big[n] = 0;
    struct vader_scores sc;
    clock_t t0 = clock();
    int rc = vader_score(v, big, n, &sc);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    ok(rc == 0 && sc.compound >= -1 && sc.compound <= 1, "1 MB text with 'but' scores");
    ok(secs < 5, "1 MB text scores in linear time (well under 5 s)");
    free(big);
}

static void test_lexicon(void)
{
    struct eng_error err;
    struct lexicon *l = lexicon_new();
    long r = lexicon_load_mem(l, "# domain words\ndelayed\t-1.5\n\nCancelled\t-2\n", strlen("# domain words\ndelayed\t-1.5\n\nCancelled\t-2\n"), "d.tsv", 1, &err);
    is_int(r, 2, "lexicon: comments and blank lines skipped");
    const struct lexicon_entry *e = lexicon_get(l, "cancelled", 9);
    ok(e && e->valence == -2, "lexicon: domain words are lower-cased");
    r = lexicon_load_mem(l, "a\t1\nbroken line\n", strlen("a\t1\nbroken line\n"), "d.tsv", 1, &err);
    is_int(r, -1, "lexicon: a line without a tab is an error");
    is_str(err.msg, "d.tsv:2: expected WORD<TAB>VALENCE", "lexicon: error at FILE:LINE");
    r = lexicon_load_mem(l, "x\tnan\n", strlen("x\tnan\n"), "d.tsv", 1, &err);
    is_str(err.msg, "d.tsv:1: valence is not a finite number", "lexicon: nan refused");
    r = lexicon_load_mem(l, "#-)\t-1.5\n", strlen("#-)\t-1.5\n"), "d.tsv", 0, &err);
    ok(r == 1 && lexicon_get(l, "#-)", 3), "lexicon: '#-)' is an emoticon, not a comment");
    lexicon_set_valence(l, "delayed", 7, 1.0);
    ok(lexicon_get(l, "delayed", 7)->valence == 1.0, "lexicon: later entry overrides");
    lexicon_free(l);
}

static void test_text(void)
{
    ok(text_isupper("HELLO!", 6), "isupper: HELLO!");
    ok(!text_isupper("I'm", 3), "isupper: I'm is not");
    ok(text_isupper("I", 1), "isupper: a lone I is upper case");
    ok(!text_isupper("123", 3), "isupper: no cased letter");
    ok(text_isupper("\xC3\x89T\xC3\x89", 6), "isupper: ÉTÉ (Unicode)");
    ok(!text_isupper("\xC3\xA9T\xC3\x89", 6), "isupper: éTÉ is not");
    char out[32];
    size_t n = text_lower("\xC3\x89T\xC3\x89", 6, out);
    ok(n == 6 && memcmp(out, "\xC3\xA9t\xC3\xA9", 6) == 0, "lower: ÉTÉ -> été");
}

static void test_format(void)
{
    char b[40];
    annotate_number(0.0, 3, b);
    is_str(b, "0.0", "number: 0 is 0.0");
    annotate_number(-0.00001, 4, b);
    is_str(b, "0.0", "number: negative zero is 0.0");
    annotate_number(0.743, 4, b);
    is_str(b, "0.743", "number: trailing zeros dropped");
    annotate_number(1.0, 3, b);
    is_str(b, "1.0", "number: 1.0");
    annotate_number(-0.62490000001, 4, b);
    is_str(b, "-0.6249", "number: -0.6249");
    annotate_number(0.0005, 3, b);
    is_str(b, "0.001", "number: 0.0005 (binary above the tie) rounds up, as Python");
    annotate_number(0.125, 2, b);
    is_str(b, "0.12", "number: exact tie 0.125 rounds to even, as Python");
}

static void test_emoji_file(void)
{
    struct eng_error err;
    struct emoji *e = emoji_new();
    is_int(emoji_load_mem(e, "x\n", 2, "e.txt", &err), -1, "emoji: line without tab refused");
    is_str(err.msg, "e.txt:1: expected EMOJI<TAB>DESCRIPTION", "emoji: error at FILE:LINE");
    emoji_free(e);
}

int main(void)
{
    struct eng_error err;
    setlocale(LC_CTYPE, "C.UTF-8");
    lx = lexicon_new();
    em = emoji_new();
    if (lexicon_load_mem(lx, mini, sizeof mini - 1, "mini", 0, &err) < 0 ||
        emoji_load_mem(em, emoji_txt, sizeof emoji_txt - 1, "emoji", &err) != 2 ||
        vader_add_constants(lx) < 0) {
        printf("Bail out! %s\n", err.msg);
        return 1;
    }
    v = vader_new(lx, em);
    test_scores();
    test_explain();
    test_but();
    test_big();
    test_lexicon();
    test_text();
    test_format();
    test_emoji_file();
    vader_free(v);
    emoji_free(em);
    lexicon_free(lx);
    return done_testing();
}
