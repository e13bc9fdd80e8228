/* fuzz vader: eng-sentiment's VADER scorer (vader_score) with the shipped
 * lexicon and emoji lexicon (loaded once, from $ENG_DATADIR or the source
 * tree's share/eng) on the input as a text; the scores must be finite and in
 * range, and for valid UTF-8 the annotation written for the event (with its
 * tokens) must be a JSON object. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "annotate.h"
#include "jsonl.h"
#include "vader.h"

static struct vader *v;
static struct abuf ab;

static char *data_file(const char *name)
{
    static char p[4096];
    const char *dir = getenv("ENG_DATADIR");
    snprintf(p, sizeof p, "%s/%s", dir && *dir ? dir : ENG_DATADIR, name);
    return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct eng_error err;
    struct lexicon *lx = lexicon_new();
    struct emoji *em = emoji_new();
    (void)argc;
    (void)argv;
    if (!lx || !em || lexicon_load(lx, data_file("vader_lexicon.txt"), 0,
                                   &err) < 0 ||
        emoji_load(em, data_file("emoji_utf8_lexicon.txt"), &err) < 0) {
        fprintf(stderr, "vader fuzz: %s\n", err.msg);
        abort();
    }
    if (vader_add_constants(lx) < 0 || !(v = vader_new(lx, em)))
        abort();
    return 0;   /* lx and em live as long as the process */
}

static int in01(double x)
{
    return isfinite(x) && x >= 0 && x <= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vader_scores s;
    const char *t = (const char *)data;
    size_t ntok;

    if (vader_score(v, t, size, &s) < 0)
        abort();
    if (!isfinite(s.compound) || s.compound < -1 || s.compound > 1 ||
        !in01(s.pos) || !in01(s.neu) || !in01(s.neg))
        abort();
    const struct vader_token *tok = vader_tokens(v, &ntok);
    for (size_t i = 0; i < ntok; i++)   /* (ASan checks the bytes) */
        if (tok[i].len && memchr(tok[i].text, 0, tok[i].len) == (void *)-1)
            abort();
    ab.len = 0;
    if (annotate_sentiment(&ab, &s, -0.05, 0.05, tok, ntok) < 0)
        abort();
    if (eng_utf8_valid(t, size, NULL)) {
        json_error_t je;
        json_t *o = json_loadb(ab.p, ab.len, JSON_ALLOW_NUL, &je);
        if (!o || !json_is_object(o)) {
            fprintf(stderr, "bad annotation: %.*s\n%s\n", (int)ab.len, ab.p,
                    je.text);
            abort();
        }
        json_decref(o);
    }
    return 0;
}
