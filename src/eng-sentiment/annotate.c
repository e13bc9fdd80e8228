/* annotate: see annotate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annotate.h"

void abuf_free(struct abuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int abuf_add(struct abuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np)
            return -1;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int abuf_str(struct abuf *b, const char *s)
{
    return abuf_add(b, s, strlen(s));
}

int abuf_json_string(struct abuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (abuf_add(b, "\"", 1) < 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        size_t el = 0;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            el = 2;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        } else {
            continue;
        }
        if (abuf_add(b, s + run, i - run) < 0 || abuf_add(b, esc, el) < 0)
            return -1;
        run = i + 1;
    }
    if (abuf_add(b, s + run, n - run) < 0)
        return -1;
    return abuf_add(b, "\"", 1);
}

size_t annotate_number(double x, int digits, char *out)
{
    int n = snprintf(out, 40, "%.*f", digits, x);
    if (n < 0 || n >= 40) {
        strcpy(out, "0.0");
        return 3;
    }
    size_t len = (size_t)n;
    while (len > 2 && out[len - 1] == '0' && out[len - 2] != '.')
        len--;
    out[len] = '\0';
    if (strcmp(out, "-0.0") == 0) {
        memcpy(out, "0.0", 4);
        len = 3;
    }
    return len;
}

static int add_num(struct abuf *b, double x, int digits)
{
    char num[40];
    size_t n = annotate_number(x, digits, num);
    return abuf_add(b, num, n);
}

static const char *const rule_names[] = {
    "booster", "negated", "caps", "but", "idiom"
};

int annotate_sentiment(struct abuf *b, const struct vader_scores *s,
                       double neg_t, double pos_t,
                       const struct vader_token *tokens, size_t ntokens)
{
    char num[40];
    size_t n = annotate_number(s->compound, 4, num);
    double written = strtod(num, NULL);
    const char *label = written >= pos_t ? "positive"
                      : written <= neg_t ? "negative" : "neutral";
    if (abuf_str(b, "{\"compound\":") < 0 || abuf_add(b, num, n) < 0 ||
        abuf_str(b, ",\"pos\":") < 0 || add_num(b, s->pos, 3) < 0 ||
        abuf_str(b, ",\"neu\":") < 0 || add_num(b, s->neu, 3) < 0 ||
        abuf_str(b, ",\"neg\":") < 0 || add_num(b, s->neg, 3) < 0 ||
        abuf_str(b, ",\"label\":\"") < 0 || abuf_str(b, label) < 0 ||
        abuf_str(b, "\"") < 0)
        return -1;
    if (tokens) {
        if (abuf_str(b, ",\"tokens\":[") < 0)
            return -1;
        for (size_t i = 0; i < ntokens; i++) {
            const struct vader_token *t = &tokens[i];
            if ((i && abuf_str(b, ",") < 0) || abuf_str(b, "{\"token\":") < 0 ||
                abuf_json_string(b, t->text, t->len) < 0 ||
                abuf_str(b, ",\"valence\":") < 0 ||
                (t->in_lexicon ? add_num(b, t->valence, 4)
                               : abuf_str(b, "null")) < 0 ||
                abuf_str(b, ",\"score\":") < 0 ||
                add_num(b, t->sentiment, 4) < 0 ||
                abuf_str(b, ",\"rules\":[") < 0)
                return -1;
            int first = 1;
            for (unsigned r = 0; r < 5; r++)
                if (t->rules & (1u << r)) {
                    if ((!first && abuf_str(b, ",") < 0) ||
                        abuf_str(b, "\"") < 0 || abuf_str(b, rule_names[r]) < 0 ||
                        abuf_str(b, "\"") < 0)
                        return -1;
                    first = 0;
                }
            if (abuf_str(b, "]}") < 0)
                return -1;
        }
        if (abuf_str(b, "]") < 0)
            return -1;
    }
    return abuf_str(b, "}");
}
