/* topics: see topics.h. Phrases are stored as lists of lower-cased words;
 * the text is cut into lower-cased words once per event, then each phrase
 * is compared word by word at each position (topics stop at their first
 * match). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "text.h"
#include "topics.h"

struct span {
    size_t off, len;
};

struct phrase {
    struct span *w;           /* words, in t->words */
    size_t nw;
};

struct topic {
    char *name;
    struct phrase *ph;
    size_t nph;
};

struct topics {
    struct topic *tp;
    size_t ntp;
    char *words;              /* phrase words, lower-cased */
    size_t wlen, wcap;
    /* per-event buffers */
    char *low;
    size_t lowcap;
    struct span *tw;
    size_t ntw, twcap;
};

static int is_wordbyte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

/* Cuts s[0..n) (already lower-cased) into word spans, appended to *v. */
static int cut(const char *s, size_t n, size_t base, struct span **v,
               size_t *nv, size_t *cap)
{
    for (size_t i = 0; i < n;) {
        if (!is_wordbyte((unsigned char)s[i])) {
            i++;
            continue;
        }
        size_t a = i;
        while (i < n && is_wordbyte((unsigned char)s[i]))
            i++;
        if (*nv == *cap) {
            size_t nc = *cap ? *cap * 2 : 16;
            struct span *ns = realloc(*v, nc * sizeof *ns);
            if (!ns)
                return -1;
            *v = ns;
            *cap = nc;
        }
        (*v)[(*nv)++] = (struct span){ base + a, i - a };
    }
    return 0;
}

static int add_phrase(struct topics *t, struct topic *tp, const char *s,
                      size_t n)
{
    if (t->wcap < t->wlen + 2 * n + 8) {
        size_t nc = (t->wlen + 2 * n + 8) * 2;
        char *nw = realloc(t->words, nc);
        if (!nw)
            return -1;
        t->words = nw;
        t->wcap = nc;
    }
    size_t base = t->wlen, ln = text_lower(s, n, t->words + base);
    t->wlen += ln;
    struct phrase *np = realloc(tp->ph, (tp->nph + 1) * sizeof *np);
    if (!np)
        return -1;
    tp->ph = np;
    struct phrase *p = &tp->ph[tp->nph++];
    size_t cap = 0;
    p->w = NULL;
    p->nw = 0;
    return cut(t->words + base, ln, base, &p->w, &p->nw, &cap);
}

void topics_free(struct topics *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ntp; i++) {
        for (size_t j = 0; j < t->tp[i].nph; j++)
            free(t->tp[i].ph[j].w);
        free(t->tp[i].ph);
        free(t->tp[i].name);
    }
    free(t->tp);
    free(t->words);
    free(t->low);
    free(t->tw);
    free(t);
}

struct topics *topics_load(const char *path, struct eng_error *err)
{
    struct eng_config *cfg = eng_config_load(path, err);
    if (!cfg)
        return NULL;
    struct topics *t = calloc(1, sizeof *t);
    json_t *root = eng_config_root(cfg);
    const char *key;
    json_t *val;
    if (!t)
        goto oom;
    if (!json_is_object(root) || json_object_size(root) == 0) {
        eng_error_set(err, "%s: expected a mapping of topic to phrases", path);
        goto fail;
    }
    t->tp = calloc(json_object_size(root), sizeof *t->tp);
    if (!t->tp)
        goto oom;
    json_object_foreach(root, key, val) {
        struct topic *tp = &t->tp[t->ntp++];
        if (!(tp->name = strdup(key)))
            goto oom;
        size_t n = json_is_array(val) ? json_array_size(val) : 1;
        if (!json_is_array(val) && !json_is_string(val)) {
            eng_config_error_member(cfg, root, key, err, "topic '%s': expected "
                                    "a phrase or a list of phrases", key);
            goto fail;
        }
        if (n == 0) {
            eng_config_error_member(cfg, root, key, err, "topic '%s' has no "
                                    "phrases", key);
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *ph = json_is_array(val) ? json_array_get(val, i) : val;
            if (!json_is_string(ph)) {
                struct eng_pos pos;
                eng_config_pos_index(cfg, val, i, &pos);
                eng_error_at(err, path, pos.line, pos.col, "topic '%s': a "
                             "phrase must be a string", key);
                goto fail;
            }
            size_t before = tp->nph;
            if (add_phrase(t, tp, json_string_value(ph),
                           json_string_length(ph)) < 0)
                goto oom;
            if (tp->ph[before].nw == 0) {
                eng_config_error(cfg, ph, err, "topic '%s': phrase '%s' has "
                                 "no words", key, json_string_value(ph));
                goto fail;
            }
        }
    }
    eng_config_free(cfg);
    return t;
oom:
    eng_error_set(err, "%s: out of memory", path);
fail:
    eng_config_free(cfg);
    topics_free(t);
    return NULL;
}

size_t topics_count(const struct topics *t)
{
    return t->ntp;
}

const char *topics_name(const struct topics *t, size_t i)
{
    return t->tp[i].name;
}

static int phrase_at(const struct topics *t, const struct phrase *p, size_t k)
{
    if (k + p->nw > t->ntw)
        return 0;
    for (size_t j = 0; j < p->nw; j++) {
        const struct span *a = &p->w[j], *b = &t->tw[k + j];
        if (a->len != b->len ||
            memcmp(t->words + a->off, t->low + b->off, a->len) != 0)
            return 0;
    }
    return 1;
}

int topics_match(struct topics *t, const char *text, size_t len,
                 unsigned char *hit)
{
    memset(hit, 0, t->ntp);
    if (t->lowcap < 2 * len + 8) {
        char *nl = realloc(t->low, 2 * len + 8);
        if (!nl)
            return -1;
        t->low = nl;
        t->lowcap = 2 * len + 8;
    }
    size_t ln = text_lower(text, len, t->low);
    t->ntw = 0;
    if (cut(t->low, ln, 0, &t->tw, &t->ntw, &t->twcap) < 0)
        return -1;
    for (size_t i = 0; i < t->ntp; i++) {
        const struct topic *tp = &t->tp[i];
        for (size_t j = 0; j < tp->nph && !hit[i]; j++)
            for (size_t k = 0; k < t->ntw && !hit[i]; k++)
                hit[i] = (unsigned char)phrase_at(t, &tp->ph[j], k);
    }
    return 0;
}
