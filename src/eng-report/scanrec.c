/* scanrec: the members eng-report needs, picked out by jsonscan
 * (scanrec.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonscan.h"
#include "scanrec.h"

enum { F_TOOL, F_ERROR, F_TS, F_TYPE, F_STATUS, F_ID, F_CUSTOMER, F_CHANNEL,
       F_REASON, F_RULE, F_SENTIMENT, F_TOPICS };

static const char *const keys[SCANREC_FIELDS] = {
    "tool", "error", "ts", "type", "status", "id", "customer", "channel",
    "reason", "rule", "sentiment", "topics"
};

int scanrec_line(struct scanrec *sr, const char *line, size_t len,
                 struct report_rec *rec, const char **why)
{
    struct eng_json_member m[SCANREC_FIELDS];
    struct eng_json_scan sc;
    for (size_t i = 0; i < SCANREC_FIELDS; i++)
        m[i].key = keys[i];
    if (eng_json_scan(line, len, m, SCANREC_FIELDS, &sc) < 0) {
        snprintf(sr->msg, sizeof sr->msg, "not JSON: %s at byte %zu",
                 sc.error, sc.error_at + 1);
        *why = sr->msg;
        return -1;
    }
    if (!sc.is_object || sc.dup_key || m[F_SENTIMENT].kind != ENG_JSON_NONE ||
        m[F_TOPICS].kind != ENG_JSON_NONE)
        return 0;
    /* the string values, unescaped by the scan's caller: only plain ones
     * here (escapes are rare in these members; jansson takes those) */
    size_t need = 0;
    for (size_t i = 0; i < F_SENTIMENT; i++) {
        if (m[i].kind == ENG_JSON_STRING && m[i].escaped)
            return 0;
        if (m[i].kind == ENG_JSON_STRING)
            need += m[i].val_len + 1;
    }
    if (need > sr->cap) {
        sr->cap = need * 2;
        if (!(sr->buf = realloc(sr->buf, sr->cap)))
            abort();
    }
    const char *v[F_SENTIMENT];
    char *p = sr->buf;
    for (size_t i = 0; i < F_SENTIMENT; i++) {
        v[i] = NULL;
        if (m[i].kind != ENG_JSON_STRING)
            continue;
        memcpy(p, m[i].val, m[i].val_len);
        p[m[i].val_len] = 0;
        v[i] = p;
        p += m[i].val_len + 1;
    }
    *rec = (struct report_rec){
        .tool = v[F_TOOL], .error = v[F_ERROR], .ts = v[F_TS],
        .type = v[F_TYPE], .status = v[F_STATUS], .id = v[F_ID],
        .customer = v[F_CUSTOMER], .channel = v[F_CHANNEL],
        .reason = v[F_REASON], .rule = v[F_RULE],
        .has_type = m[F_TYPE].kind != ENG_JSON_NONE,
        .has_ts = m[F_TS].kind != ENG_JSON_NONE,
        .root = NULL,
    };
    return 1;
}

void scanrec_free(struct scanrec *sr)
{
    free(sr->buf);
    sr->buf = NULL;
    sr->cap = 0;
}
