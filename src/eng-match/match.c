/* match: eng-match's per-event work (match.h has the order of work). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "match.h"
#include "state.h"
#include "timeutil.h"

#define ERRORS_SHOWN 5

/* One key group's key for the current event (cep.h: rules sharing a key
 * path share a table), computed once per event. */
struct keyslot {
    size_t rule;                    /* the group's first rule (its path) */
    struct match_key k;
    struct eng_tmpl_buf buf, tag;   /* the key's text; tag + text */
    struct kent *ke;                /* its state, when it has any */
};

static int fire(void *ctx, const struct cep_firing *f);

/* Per-event scratch sized by the rules: key slots (one per key group), the
 * candidate list and its marks. */
static void alloc_scratch(struct matcher *m)
{
    size_t n = m->rs->n ? m->rs->n : 1;
    if (!(m->keys = calloc(m->cep->ngroups ? m->cep->ngroups : 1,
                           sizeof(struct keyslot))) ||
        !(m->cand = calloc(n, sizeof *m->cand)) ||
        !(m->mark = calloc(n, sizeof *m->mark)))
        abort();
    m->nkeys = m->cep->ngroups;
    for (size_t r = m->rs->n; r-- > 0;)
        if (m->cep->rgroup[r] != SIZE_MAX)
            m->keys[m->cep->rgroup[r]].rule = r;
}

static void free_scratch(struct matcher *m)
{
    for (size_t i = 0; m->keys && i < m->nkeys; i++) {
        eng_tmpl_buf_free(&m->keys[i].buf);
        eng_tmpl_buf_free(&m->keys[i].tag);
    }
    free(m->keys);
    free(m->cand);
    free(m->mark);
    m->keys = NULL;
    m->cand = NULL;
    m->mark = NULL;
}
static void cond_error(void *ctx, struct rule *r, const char *id, size_t len,
                       const char *msg);

void matcher_init(struct matcher *m)
{
    if (!(m->ctx = eng_expr_ctx_new()))
        abort();
    match_projection_init(&m->proj, m->rs, m->with_event);
    if (!m->rs)
        return;
    m->ix = rule_index_new(m->rs);
    struct cep_hooks h = { m, fire, cond_error };
    m->cep = cep_new(m->rs, &h, m->with_event);
    alloc_scratch(m);
}

void matcher_free(struct matcher *m)
{
    free_scratch(m);
    rule_index_free(m->ix);
    cep_free(m->cep);
    eng_projection_free(&m->proj);
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

/* The rule's key for the state tables: a type tag, then the text, so the
 * string "42" and the number 42 are different keys. */
static void tag_key(struct keyslot *ks)
{
    struct eng_tmpl_buf *b = &ks->tag;
    b->len = 0;
    if (eng_tmpl_buf_put(b, json_is_string(ks->k.value) ? "s" : "j", 1,
                         ENG_TMPL_NONE) < 0 ||
        eng_tmpl_buf_put(b, ks->k.text, ks->k.len, ENG_TMPL_NONE) < 0)
        abort();
}

/* Rule r's state for the current event's key (created on demand). */
static struct kstate *kstate_of(struct matcher *m, size_t r, int create)
{
    struct keyslot *ks = &m->keys[m->cep->rgroup[r]];
    if (!ks->ke) {
        if (!create)
            return NULL;
        ks->ke = cep_kent(m->cep, m->cep->rgroup[r], ks->tag.data, ks->tag.len,
                          ks->k.value, 1);
    }
    return cep_kent_rule(m->cep, ks->ke, r, create);
}

/* cep's fire hook: one action (or, with --annotate, one rule id). */
static int fire(void *ctx, const struct cep_firing *f)
{
    struct matcher *m = ctx;
    char tsbuf[ENG_TIME_BUFSZ];
    m->actions++;
    if (m->annotate) {
        if (eng_tmpl_buf_put(&m->ann, m->ann.len ? "," : "", m->ann.len ? 1 : 0,
                             ENG_TMPL_NONE) < 0 ||
            eng_tmpl_buf_put(&m->ann, f->r->id_json, strlen(f->r->id_json),
                             ENG_TMPL_NONE) < 0)
            abort();
        return 0;
    }
    eng_time_format(f->ts_ms, tsbuf);
    struct match_key k = { f->ks->key, f->ks->tkey + 1, f->ks->tklen - 1 };
    struct action_more a = {
        .ev = f->ev, .ts = tsbuf, .raw = f->raw, .raw_len = f->raw_len,
        .alias_names = (const char *const *)f->r->aliases,
        .alias_values = f->aliases, .naliases = f->aliases ? f->r->naliases : 0,
        .trig = f->trig, .trig_len = f->trig_len, .ntrig = f->ntrig,
    };
    if (action_write_more(m->out, &m->ab, f->r, &a, &k, m->with_event,
                          &m->template_missing) < 0)
        return -1;
    m->out_n++;
    return 0;
}

static void cond_error(void *ctx, struct rule *r, const char *id, size_t len,
                       const char *msg)
{
    report_error(ctx, r->id, id, len, msg);
}

int matcher_swap_rules(struct matcher *m, struct ruleset *fresh,
                       struct eng_error *err)
{
    if (m->state && mstate_checkpoint(m->state, err) < 0)
        return -1;
    struct ruleset *old = malloc(sizeof *old);
    if (!old)
        abort();
    *old = *m->rs;
    *m->rs = *fresh;
    memset(fresh, 0, sizeof *fresh);
    struct cep *oc = m->cep;
    oc->rs = old;
    m->cep = cep_new(m->rs, &oc->hooks, m->with_event);
    m->cep->wm = oc->wm;
    m->cep->maxts = oc->maxts;
    m->cep->cseq = oc->cseq;
    m->cep->ttl_ms = oc->ttl_ms;
    m->cep->keep_lines = oc->keep_lines;
    m->cep->cooled = oc->cooled;
    m->cep->dropped = oc->dropped;
    for (size_t i = 0; i < old->n; i++) {
        size_t j;
        for (j = 0; j < m->rs->n; j++)
            if (strcmp(m->rs->rules[j].id, old->rules[i].id) == 0)
                break;
        if (j == m->rs->n)
            continue;   /* removed: its state goes */
        if (strcmp(m->rs->rules[j].def, old->rules[i].def) != 0) {
            eng_warn("rule '%s' changed: its state starts fresh",
                     old->rules[i].id);
            continue;
        }
        if (oc->rgroup[i] == SIZE_MAX)
            continue;   /* a stateless rule has no state */
        struct hmap *hm = &oc->maps[oc->rgroup[i]];
        struct eng_tmpl_buf sv = {0};
        for (size_t e = 0; e < hm->cap; e++) {
            struct kent *ke = hm->tab[e].key ? hm->tab[e].val.p : NULL;
            struct kstate *st = ke ? cep_kent_rule(oc, ke, i, 0) : NULL;
            if (!st)
                continue;
            sv.len = 0;
            cep_kstate_save(oc, st, &sv);
            if (cep_kstate_load(m->cep, j, st->tkey, st->tklen, sv.data, sv.len,
                                0) < 0)
                abort();   /* our own serialisation */
        }
        eng_tmpl_buf_free(&sv);
    }
    cep_free(oc);
    free_scratch(m);
    alloc_scratch(m);
    rule_index_free(m->ix);
    m->ix = rule_index_new(m->rs);
    eng_projection_free(&m->proj);
    match_projection_init(&m->proj, m->rs, m->with_event);
    rules_free(old);
    free(old);
    if (m->state && mstate_rules_changed(m->state, err) < 0)
        return -1;
    return 0;
}

int matcher_finish(struct matcher *m, int has_now, int64_t now_ms)
{
    if (!m->cep)
        return 0;
    if (has_now && cep_advance(m->cep, now_ms) < 0)
        return -1;
    cep_sweep(m->cep);
    if (!m->state)
        cep_collect(m->cep, NULL, NULL, NULL);
    return 0;
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
    /* the members the rules read, else (or for jansson's message on a bad
     * line) the whole line */
    json_t *ev = eng_projection_parse(&m->proj, ln->data, ln->len);
    if (!ev)
        ev = json_loadb(ln->data, ln->len, 0, &je);
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
    if (m->state && mstate_skip(m->state, ev)) {
        m->skipped++;
        json_decref(ev);
        return 0;
    }
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

    /* late: stateful rules do not see it (RULES.md, Arrival order) */
    int late = m->rs->nstateful && m->cep->wm != CEP_NO_TIME &&
               me.ts_ms < m->cep->wm;
    int rejected = 0;
    if (late) {
        rejected = 1;
        m->late++;
        if (reject(m, rd, ln, "late") < 0)
            rc = -1;
    }

    /* keyed rules need their key: computed, and its state found, once per
     * key group */
    struct keyslot *ks = m->keys;
    const char *missing_path = NULL;
    for (size_t g = 0; g < m->nkeys; g++) {
        action_key(&ks[g].buf, &m->rs->rules[ks[g].rule], ev, &ks[g].k);
        ks[g].ke = NULL;
        if (ks[g].k.value) {
            tag_key(&ks[g]);
            ks[g].ke = cep_kent(m->cep, g, ks[g].tag.data, ks[g].tag.len,
                                NULL, 0);
            /* the slots are read below, after the watermark's work: start
             * the load now (with 100k keys it is a cache miss) */
            if (ks[g].ke)
                __builtin_prefetch(ks[g].ke->slot);
        }
    }
    for (size_t r = 0; m->rs->nkeyed && r < m->rs->n && !missing_path; r++) {
        if (!rule_keyed(&m->rs->rules[r]))
            continue;
        if (!ks[m->cep->rgroup[r]].k.value &&
            !(late && m->rs->rules[r].kind != RULE_WHEN))
            missing_path = eng_path_text(m->rs->rules[r].key);
    }
    if (missing_path && !rejected) {
        rejected = 1;
        m->missing_key++;
        snprintf(why, sizeof why, "missing key '%.200s'", missing_path);
        if (reject(m, rd, ln, why) < 0)
            rc = -1;
    }

    /* the watermark, and the absences it makes due, before this event */
    m->ann.len = 0;
    if (m->cep) {
        int64_t wm = me.ts_ms;
        if (me.ts_ms > m->cep->maxts)
            m->cep->maxts = me.ts_ms;
        if (__builtin_sub_overflow(m->cep->maxts, m->lateness_ms, &wm))
            wm = CEP_NO_TIME + 1;
        if (rc == 0 && cep_advance(m->cep, wm) < 0)
            rc = -1;
    }

    /* the rules that can match, in rule-file order: the index's (sequences
     * by their step 1), and the sequences with instances pending for the
     * event's keys, whose later steps the index cannot see */
    size_t nc;
    const size_t *ixc = rule_index_candidates(m->ix, ev, &nc);
    size_t *cand = m->cand;
    memcpy(cand, ixc, nc * sizeof *cand);
    for (size_t c = 0; c < nc; c++)
        m->mark[cand[c]] = 1;
    size_t nix = nc;
    for (size_t g = 0; g < m->nkeys && !late; g++) {
        const struct kent *ke = ks[g].ke;
        for (size_t k = 0; ke && ke->npend && k < ke->n; k++) {
            if (!ke->slot[k].pend)
                continue;
            /* its kstate and first instance are read when its turn comes:
             * start the loads now, so the misses overlap */
            __builtin_prefetch(ke->slot[k].ks);
            if (!m->mark[ke->slot[k].rule]) {
                m->mark[ke->slot[k].rule] = 2;
                cand[nc++] = ke->slot[k].rule;
            }
        }
    }
    if (nc > nix) {     /* insertion sort: the extra ones are few */
        for (size_t c = 1; c < nc; c++) {
            size_t v = cand[c], d = c;
            for (; d > 0 && cand[d - 1] > v; d--)
                cand[d] = cand[d - 1];
            cand[d] = v;
        }
    }
    struct cep_event ce = { ev, me.raw, me.raw_len, me.ts_ms, me.id, me.id_len };
    for (size_t c = 0; c < nc && rc == 0; c++) {
        struct rule *r = &m->rs->rules[cand[c]];
        struct match_key k;
        struct eng_error err;
        if (rule_keyed(r) && !ks[m->cep->rgroup[cand[c]]].k.value)
            continue;   /* rejected above: keyed rules do not see it */
        if (r->kind != RULE_WHEN && late)
            continue;
        if (r->kind == RULE_SEQUENCE) {
            int step1 = m->mark[cand[c]] == 1;
            struct kstate *st = kstate_of(m, cand[c], 0);
            if (!st || !st->head) {
                /* no pending instance: only step 1 can do anything */
                if (!step1)
                    continue;
                r->evaluated++;
                int t = eng_expr_test(r->steps[0].when, m->ctx, ev, NULL, &err);
                if (t < 0) {
                    r->errors++;
                    report_error(m, r->id, me.id, me.id_len, err.msg);
                }
                if (t <= 0)
                    continue;
                st = kstate_of(m, cand[c], 1);
                r->evaluated--;   /* cep_sequence tests step 1 again */
            }
            if (cep_sequence(m->cep, st, &ce, step1) < 0)
                rc = -1;
            continue;
        }
        r->evaluated++;
        int t = eng_expr_test(r->when, m->ctx, ev, NULL, &err);
        if (t < 0) {
            r->errors++;
            report_error(m, r->id, me.id, me.id_len, err.msg);
            continue;
        }
        if (t == 0)
            continue;
        if (r->kind == RULE_COUNT) {
            if (cep_count(m->cep, kstate_of(m, cand[c], 1), &ce) < 0)
                rc = -1;
            continue;
        }
        r->matched++;
        if (r->has_cooldown) {
            struct kstate *st = kstate_of(m, cand[c], 1);
            cep_touch(m->cep, st, me.ts_ms);
            if (!cep_cooldown(m->cep, st, me.ts_ms))
                continue;
            k = ks[m->cep->rgroup[cand[c]]].k;
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
    for (size_t c = 0; c < nc; c++)
        m->mark[cand[c]] = 0;
    eng_tmpl_buf_free(&idtext);
    json_decref(ev);
    if (rc == 0 && m->cep && (m->in & 0xfff) == 0) {
        if ((m->in & 0x3ffff) == 0)
            cep_sweep(m->cep);
        if (!m->state)
            cep_collect(m->cep, NULL, NULL, NULL);
    }
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
    json_object_set_new(o, "late", json_integer((json_int_t)m->late));
    json_object_set_new(o, "missing_key", json_integer((json_int_t)m->missing_key));
    json_object_set_new(o, "errors", json_integer((json_int_t)m->errors));
    json_object_set_new(o, "cooled", json_integer((json_int_t)m->cep->cooled));
    json_object_set_new(o, "dropped", json_integer((json_int_t)m->cep->dropped));
    json_object_set_new(o, "pending", json_integer((json_int_t)m->cep->pending));
    if (m->with_state)
        json_object_set_new(o, "skipped", json_integer((json_int_t)m->skipped));
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
