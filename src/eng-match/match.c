/* match: eng-match's per-event work (match.h has the order of work). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "match.h"
#include "timeutil.h"

#define ERRORS_SHOWN 5

struct keyslot {
    struct match_key k;
    struct eng_tmpl_buf buf;
};

void matcher_init(struct matcher *m)
{
    if (!(m->ctx = eng_expr_ctx_new()))
        abort();
    if (!m->rs)
        return;
    m->ix = rule_index_new(m->rs);
    m->cd = cooldowns_new(m->rs->n);
    if (!(m->keys = calloc(m->rs->n ? m->rs->n : 1, sizeof(struct keyslot))))
        abort();
}

void matcher_free(struct matcher *m)
{
    struct keyslot *ks = m->keys;
    for (size_t i = 0; m->rs && ks && i < m->rs->n; i++)
        eng_tmpl_buf_free(&ks[i].buf);
    free(m->keys);
    rule_index_free(m->ix);
    cooldowns_free(m->cd);
    if (m->ctx)
        eng_expr_ctx_free(m->ctx);
    action_bufs_free(&m->ab);
    eng_tmpl_buf_free(&m->ann);
}

static int reject(struct matcher *m, struct eng_reader *rd,
                  const struct eng_line *ln, const char *why)
{
    m->rejected++;
    return eng_rejects_add(m->rej, eng_reader_name(rd), ln->lineno, why,
                           ln->data, ln->len);
}

static void report_error(struct matcher *m, const char *rule, const char *evid,
                         size_t evid_len, const char *msg)
{
    m->errors++;
    if (m->errors_shown++ >= ERRORS_SHOWN)
        return;
    if (rule)
        eng_warn("rule '%s': event %.*s: %s", rule, (int)evid_len, evid, msg);
    else
        eng_warn("%.*s: %s", (int)evid_len, evid, msg);
}

/* -e EXPR: the value of the expression for this record, one line each; an
 * error value prints nothing on stdout and is reported like a rule's. */
static int print_value(struct matcher *m, struct eng_reader *rd,
                       const struct eng_line *ln, const json_t *ev)
{
    const struct eng_expr_value *v = eng_expr_eval(m->print_expr, m->ctx, ev,
                                                   NULL);
    if (v->kind == ENG_EXPR_ERROR) {
        char where[512];
        int n = snprintf(where, sizeof where, "%s:%lu", eng_reader_name(rd),
                         ln->lineno);
        report_error(m, NULL, where, (size_t)n, v->u.str.s);
        return 0;
    }
    if (eng_expr_value_write(m->out, v, 0) < 0 || eng_writer_putc(m->out, '\n') < 0)
        return -1;
    m->out_n++;
    return 0;
}

/* The rule's key for the cooldown table: a type tag, then the text. */
static const char *cooldown_key(struct eng_tmpl_buf *b, const struct match_key *k,
                                size_t *len)
{
    b->len = 0;
    if (eng_tmpl_buf_put(b, json_is_string(k->value) ? "s" : "j", 1,
                         ENG_TMPL_NONE) < 0 ||
        eng_tmpl_buf_put(b, k->text, k->len, ENG_TMPL_NONE) < 0)
        abort();
    *len = b->len;
    return b->data;
}

int matcher_line(struct matcher *m, struct eng_reader *rd,
                 const struct eng_line *ln)
{
    char why[256], tsbuf[ENG_TIME_BUFSZ], genid[ENG_EVENT_ID_LEN + 1];
    json_error_t je;
    int rc = 0;

    size_t i = 0;
    while (i < ln->len && (ln->data[i] == ' ' || ln->data[i] == '\t'))
        i++;
    if (i == ln->len && !ln->too_long)
        return 0;   /* blank lines are not records */
    m->in++;
    if (ln->too_long) {
        snprintf(why, sizeof why, "line longer than --max-line (%zu bytes)",
                 m->cli->max_line);
        return reject(m, rd, ln, why);
    }
    if (ln->bad_utf8) {
        snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", ln->bad_utf8_at + 1);
        return reject(m, rd, ln, why);
    }
    json_t *ev = json_loadb(ln->data, ln->len, 0, &je);
    if (!ev) {
        snprintf(why, sizeof why, "invalid JSON at column %d: %s", je.column,
                 je.text);
        return reject(m, rd, ln, why);
    }
    if (!json_is_object(ev)) {
        json_decref(ev);
        return reject(m, rd, ln, "not a JSON object");
    }
    if (m->print_expr) {
        rc = print_value(m, rd, ln, ev);
        json_decref(ev);
        return rc;
    }

    /* ts, normalised */
    struct match_event me = { .ev = ev, .raw = ln->data, .raw_len = ln->len };
    json_t *ts = json_object_get(ev, "ts");
    if (!ts || !json_is_string(ts) ||
        eng_time_parse_rfc3339(json_string_value(ts), json_string_length(ts),
                               &me.ts_ms) < 0) {
        if (!ts)
            snprintf(why, sizeof why, "ts: missing");
        else if (!json_is_string(ts))
            snprintf(why, sizeof why, "ts: not a string");
        else
            snprintf(why, sizeof why, "ts: cannot parse '%.100s'",
                     json_string_value(ts));
        json_decref(ev);
        return reject(m, rd, ln, why);
    }
    eng_time_format(me.ts_ms, tsbuf);
    me.ts = tsbuf;
    while (me.raw_len && (me.raw[me.raw_len - 1] == ' ' ||
                          me.raw[me.raw_len - 1] == '\t'))
        me.raw_len--;

    /* the trigger id: the event's id; an event without one gets the id
     * eng-ingest would have given this line (source, line, bytes) */
    json_t *id = json_object_get(ev, "id");
    struct eng_tmpl_buf idtext = {0};
    if (json_is_string(id)) {
        me.id = json_string_value(id);
        me.id_len = json_string_length(id);
    } else if (id && !json_is_null(id)) {
        if (eng_tmpl_buf_json(&idtext, id, ENG_TMPL_NONE) < 0)
            abort();
        me.id = idtext.data;
        me.id_len = idtext.len;
    } else {
        eng_event_make_id(eng_reader_name(rd), ln->lineno, ln->data, ln->len,
                          genid);
        me.id = genid;
        me.id_len = ENG_EVENT_ID_LEN;
    }

    /* keyed rules need their key */
    struct keyslot *ks = m->keys;
    int rejected = 0;
    const char *missing_path = NULL;
    for (size_t r = 0; m->rs->nkeyed && r < m->rs->n; r++) {
        if (!m->rs->rules[r].has_cooldown)
            continue;
        action_key(&ks[r].buf, &m->rs->rules[r], ev, &ks[r].k);
        if (!ks[r].k.value && !missing_path)
            missing_path = eng_path_text(m->rs->rules[r].key);
    }
    if (missing_path) {
        rejected = 1;
        m->missing_key++;
        snprintf(why, sizeof why, "missing key '%.200s'", missing_path);
        if (reject(m, rd, ln, why) < 0)
            rc = -1;
    }

    /* the rules that can match, in rule-file order */
    size_t nc;
    const size_t *cand = rule_index_candidates(m->ix, ev, &nc);
    m->ann.len = 0;
    for (size_t c = 0; c < nc && rc == 0; c++) {
        struct rule *r = &m->rs->rules[cand[c]];
        struct match_key k;
        struct eng_error err;
        if (r->has_cooldown && !ks[cand[c]].k.value)
            continue;   /* rejected above: keyed rules do not see it */
        r->evaluated++;
        int t = eng_expr_test(r->when, m->ctx, ev, NULL, &err);
        if (t < 0) {
            r->errors++;
            report_error(m, r->id, me.id, me.id_len, err.msg);
            continue;
        }
        if (t == 0)
            continue;
        r->matched++;
        if (r->has_cooldown) {
            size_t klen;
            const char *key = cooldown_key(&m->ab.rec, &ks[cand[c]].k, &klen);
            if (!cooldown_try(m->cd, cand[c], r->cooldown_ms, key, klen,
                              me.ts_ms)) {
                r->cooled++;
                m->cooled++;
                continue;
            }
            k = ks[cand[c]].k;
        } else {
            action_key(&m->ab.key, r, ev, &k);
        }
        m->actions++;
        if (m->annotate) {
            if (eng_tmpl_buf_put(&m->ann, m->ann.len ? "," : "", m->ann.len ? 1 : 0,
                                 ENG_TMPL_NONE) < 0 ||
                eng_tmpl_buf_put(&m->ann, r->id_json, strlen(r->id_json),
                                 ENG_TMPL_NONE) < 0)
                abort();
            continue;
        }
        if (action_write(m->out, &m->ab, r, &me, &k, m->with_event,
                         &m->template_missing) < 0)
            rc = -1;
        else
            m->out_n++;
    }
    if (m->annotate && !rejected && rc == 0) {
        static const char pre[] = "\"matches\":[";
        char members[4096];
        size_t need = sizeof pre - 1 + m->ann.len + 1;
        char *mb = need <= sizeof members ? members : malloc(need);
        if (!mb)
            abort();
        memcpy(mb, pre, sizeof pre - 1);
        if (m->ann.len)
            memcpy(mb + sizeof pre - 1, m->ann.data, m->ann.len);
        mb[need - 1] = ']';
        if (eng_writer_splice(m->out, ln->data, me.raw_len, mb, need) < 0)
            rc = -1;
        else
            m->out_n++;
        if (mb != members)
            free(mb);
    }
    eng_tmpl_buf_free(&idtext);
    json_decref(ev);
    return rc;
}

json_t *matcher_stats(const struct matcher *m)
{
    json_t *o = json_object();
    if (!m->rs) {
        json_object_set_new(o, "errors", json_integer((json_int_t)m->errors));
        return o;
    }
    json_object_set_new(o, "actions", json_integer((json_int_t)m->actions));
    json_object_set_new(o, "late", json_integer(0));
    json_object_set_new(o, "missing_key", json_integer((json_int_t)m->missing_key));
    json_object_set_new(o, "errors", json_integer((json_int_t)m->errors));
    json_object_set_new(o, "cooled", json_integer((json_int_t)m->cooled));
    json_object_set_new(o, "template_missing",
                        json_integer((json_int_t)m->template_missing));
    json_t *rules = json_object();
    for (size_t i = 0; i < m->rs->n; i++) {
        const struct rule *r = &m->rs->rules[i];
        json_object_set_new(rules, r->id,
                            json_pack("{sIsIsIsI}",
                                      "evaluated", (json_int_t)r->evaluated,
                                      "matched", (json_int_t)r->matched,
                                      "errors", (json_int_t)r->errors,
                                      "cooled", (json_int_t)r->cooled));
    }
    json_object_set_new(o, "rules", rules);
    return o;
}
