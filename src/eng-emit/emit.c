/* emit: eng-emit's run. Each action line is parsed, sent down the policy
 * chain (policy.h has the order), and the decided item is queued; the
 * queue is drained every QUEUE_MAX items, whenever the input pauses, and at
 * the end:
 *
 *   drain(q):
 *     render the messages of the items to deliver
 *     journal the batch (--state: deliveries as 'queued'), commit
 *     deliver: files, http (libcurl multi, bounded window), pipe, exec
 *     journal the outcomes (sent / failed -> outbox), caps records
 *     write the receipts in queue order
 *
 * Receipts therefore come out in decision order, whatever the batch
 * boundaries were (a pause of the input never changes the output), and
 * memory stays bounded by QUEUE_MAX plus the actions arbitration holds.
 *
 * Time: the watermark is the latest action ts seen (or --now when later).
 * Arbitration groups and deferred actions are released when it passes
 * their time; at the end of input every held group is released.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "policy.h"
#include "sinks.h"
#include "state.h"

#define QUEUE_MAX 1024
#define ERRORS_SHOWN 5

static const char *const reason_names[] = {
    "duplicate", "opt-out", "control-group", "quiet-hours", "lower-priority",
    "frequency-cap", NULL};

void item_free(struct item *it)
{
    if (!it)
        return;
    json_decref(it->act);
    free(it->raw);
    free(it->strs);
    free(it->error);
    free(it->by);
    eng_tmpl_buf_free(&it->msg);
    free(it);
}

int emitter_init(struct emitter *e, struct eng_error *err)
{
    if (!(e->ectx = eng_expr_ctx_new()))
        abort();
    e->cust = custmap_new();
    e->ids = idset_new();
    if (e->cfg->arbitrate)
        e->arb = arbiter_new();
    if (e->cfg->opt_out && !(e->consent = consent_open(e->cfg->opt_out, err)))
        return -1;
    e->http = http_new();
    e->dmin = INT64_MAX;
    if (e->now_set) {
        e->watermark = e->now;
        e->have_wm = 1;
    }
    return 0;
}

void emitter_free(struct emitter *e)
{
    struct item *it = e->qhead;
    while (it) {
        struct item *n = it->next;
        item_free(it);
        it = n;
    }
    e->qhead = e->qtail = NULL;
    arbiter_free(e->arb);
    consent_free(e->consent);
    custmap_free(e->cust);
    idset_free(e->ids);
    for (size_t i = 0; i < e->ndrec; i++)
        free(e->drec[i].raw);
    free(e->drec);
    if (e->ectx)
        eng_expr_ctx_free(e->ectx);
    sinks_close(e);
    http_free(e->http);
}

/* Parses one action. Returns the item, or NULL with why filled. */
struct item *emitter_parse(struct emitter *e, const char *text,
                                 size_t len, char *why, size_t whysz)
{
    json_error_t je;
    json_t *a = json_loadb(text, len, 0, &je);
    if (!a) {
        snprintf(why, whysz, "invalid JSON at column %d: %s", je.column, je.text);
        return NULL;
    }
    const char *bad = NULL;
    json_t *id = json_object_get(a, "id"), *ts = json_object_get(a, "ts"),
           *cu = json_object_get(a, "customer"), *ch = json_object_get(a, "channel"),
           *pr = json_object_get(a, "priority");
    eng_time t = 0;
    if (!json_is_object(a))
        bad = "not a JSON object";
    else if (!json_is_string(id) || !json_string_length(id))
        bad = "id: missing or not a non-empty string";
    else if (!json_is_string(ts) ||
             eng_time_parse_rfc3339(json_string_value(ts), json_string_length(ts),
                                    &t) < 0)
        bad = "ts: missing or not an RFC 3339 time";
    else if (!json_is_string(cu) || !json_string_length(cu))
        bad = "customer: missing or not a non-empty string";
    else if (ch && !json_is_string(ch) && !json_is_null(ch))
        bad = "channel: not a string";
    else if (pr && !json_is_integer(pr) && !json_is_null(pr))
        bad = "priority: not an integer";
    else if (strlen(json_string_value(id)) != json_string_length(id) ||
             strlen(json_string_value(cu)) != json_string_length(cu))
        bad = "id or customer contains a NUL character";
    if (bad) {
        snprintf(why, whysz, "%s", bad);
        json_decref(a);
        return NULL;
    }
    struct emit_channel *c = emit_config_channel(e->cfg, json_string_value(ch));
    if (!c) {
        snprintf(why, whysz, "channel '%.200s' is not configured (and there is "
                 "no \"*\" channel)", json_is_string(ch) ? json_string_value(ch)
                 : "null");
        json_decref(a);
        return NULL;
    }
    struct item *it = calloc(1, sizeof *it);
    if (!it || !(it->raw = malloc(len + 1)))
        abort();
    memcpy(it->raw, text, len);
    it->raw[len] = 0;
    it->raw_len = len;
    it->act = a;
    it->id = json_string_value(id);
    it->ts_text = json_string_value(ts);
    it->customer = json_string_value(cu);
    it->chname = json_string_value(ch);
    it->ts = t;
    it->priority = json_integer_value(pr);
    it->ch = c;
    it->seq = e->seq++;
    return it;
}

/* Copies the strings a queued item still needs (receipt, journal) out of
 * its action and frees the action's tree; keeps the raw line only when a
 * message or the outbox may need it. Why: a queue of up to QUEUE_MAX parsed
 * trees, freed a batch later, kept malloc off its fast path (freed chunks
 * are not reused by the next parse) and cost more than the parse itself. */
static void item_detach(struct item *it)
{
    const char *src[4] = {it->id, it->ts_text, it->customer, it->chname};
    size_t len[4], total = 0;
    for (int i = 0; i < 4; i++)
        total += len[i] = src[i] ? strlen(src[i]) + 1 : 0;
    char *p = malloc(total ? total : 1);
    if (!p)
        abort();
    it->strs = p;
    const char **dst[4] = {&it->id, &it->ts_text, &it->customer, &it->chname};
    for (int i = 0; i < 4; i++) {
        if (!src[i])
            continue;
        memcpy(p, src[i], len[i]);
        *dst[i] = p;
        p += len[i];
    }
    json_decref(it->act);
    it->act = NULL;
    if (!it->deliver && it->status == ST_SUPPRESSED) {
        free(it->raw);
        it->raw = NULL;
        it->raw_len = 0;
    }
}

void emitter_enqueue(struct emitter *e, struct item *it)
{
    /* the message is rendered now, while the action's tree is here */
    if (it->deliver && sinks_render(e, it) < 0) {
        it->status = ST_FAILED;
        it->attempts = 0;
    }
    item_detach(it);
    it->next = NULL;
    if (e->qtail)
        e->qtail->next = it;
    else
        e->qhead = it;
    e->qtail = it;
    e->qlen++;
}

static void suppress(struct emitter *e, struct item *it, const char *reason)
{
    it->status = ST_SUPPRESSED;
    it->reason = reason;
    emitter_enqueue(e, it);
}

void emitter_after_arbitration(struct emitter *e, struct item *it)
{
    struct cust *cu = custmap_get(e->cust, it->customer);
    const char *cap = policy_caps(e->cfg, cu, it->ch, it->ts);
    if (cap) {
        it->by = strdup(cap);   /* the cap's name, for the receipt */
        suppress(e, it, "frequency-cap");
        return;
    }
    policy_caps_add(cu, it->ch->idx, it->ts);
    it->deliver = 1;
    e->qdeliver++;
    emitter_enqueue(e, it);
}

static void remember_deferred(struct emitter *e, const struct item *it)
{
    if (e->ndrec == e->capdrec) {
        e->capdrec = e->capdrec ? 2 * e->capdrec : 16;
        if (!(e->drec = realloc(e->drec, e->capdrec * sizeof *e->drec)))
            abort();
    }
    struct deferred_rec *d = &e->drec[e->ndrec++];
    if (!(d->raw = malloc(it->raw_len + 1)))
        abort();
    memcpy(d->raw, it->raw, it->raw_len + 1);
    d->len = it->raw_len;
    d->until = it->until;
    if (d->until < e->dmin)
        e->dmin = d->until;
}

/* Deferred actions whose quiet period has ended by wm resume at the caps
 * (they already passed duplicate, consent, control and quiet hours). */
static void release_deferred(struct emitter *e, eng_time wm)
{
    if (!e->ndrec || e->dmin > wm)
        return;
    size_t k = 0;
    eng_time dmin = INT64_MAX;
    for (size_t i = 0; i < e->ndrec; i++) {
        struct deferred_rec *d = &e->drec[i];
        if (d->until > wm) {
            if (d->until < dmin)
                dmin = d->until;
            e->drec[k++] = *d;
            continue;
        }
        char why[300];
        struct item *it = emitter_parse(e, d->raw, d->len, why, sizeof why);
        if (!it) {
            eng_warn("a deferred action in the state cannot be read (%s): "
                     "dropped", why);
        } else {
            it->origin = FROM_DEFERRED;
            e->released++;
            emitter_after_arbitration(e, it);
        }
        free(d->raw);
    }
    e->ndrec = k;
    e->dmin = dmin;
}

static void advance(struct emitter *e, eng_time ts)
{
    if (!e->have_wm || ts > e->watermark) {
        e->watermark = ts;
        e->have_wm = 1;
    }
    arbiter_release(e, e->watermark, 0);
    release_deferred(e, e->watermark);
}

static int opted_out(struct emitter *e, struct item *it)
{
    const struct emit_config *c = e->cfg;
    if (e->consent) {
        struct eng_tmpl_scope sc = {"action", it->act, NULL, NULL, 0};
        consent_maybe_reload(e->consent, e->input_paused);
        e->input_paused = 0;
        for (size_t i = 0; i < c->nopt_out_paths; i++) {
            const json_t *v = eng_template_lookup(c->opt_out_paths[i], &sc);
            if (json_is_string(v) &&
                consent_has(e->consent, json_string_value(v), json_string_length(v)))
                return 1;
        }
    }
    if (c->when) {
        struct eng_error err;
        int r = eng_expr_test(c->when, e->ectx, it->act, NULL, &err);
        if (r < 0 && e->when_errors++ < ERRORS_SHOWN)
            eng_warn("suppress.when: action %s: %s", it->id, err.msg);
        return r == 1;
    }
    return 0;
}

int emitter_line(struct emitter *e, const char *src, const struct eng_line *ln)
{
    char why[400];
    size_t i = 0;
    while (i < ln->len && (ln->data[i] == ' ' || ln->data[i] == '\t'))
        i++;
    if (i == ln->len && !ln->too_long)
        return 0;
    e->in++;
    struct item *it = NULL;
    if (ln->too_long)
        snprintf(why, sizeof why, "line longer than --max-line (%zu bytes)",
                 e->cli->max_line);
    else if (ln->bad_utf8)
        snprintf(why, sizeof why, "invalid UTF-8 at byte %zu", ln->bad_utf8_at + 1);
    else
        it = emitter_parse(e, ln->data, ln->len, why, sizeof why);
    if (!it) {
        e->rejected++;
        if (eng_rejects_add(e->rej, src, ln->lineno, why, ln->data, ln->len) < 0) {
            eng_error_set(&e->ferr, "rejects: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    advance(e, it->ts);

    const struct emit_quiet *q = it->ch->has_quiet ? &it->ch->quiet : &e->cfg->quiet;
    if (!idset_add(e->ids, emit_hash(it->id, strlen(it->id))))
        suppress(e, it, "duplicate");
    else if (opted_out(e, it))
        suppress(e, it, "opt-out");
    else if (policy_control(e->cfg, it->customer))
        suppress(e, it, "control-group");
    else if (policy_quiet(q, it->act, it->ts, &it->until)) {
        if (q->defer) {
            it->status = ST_DEFERRED;
            if (!e->dry_run)
                remember_deferred(e, it);
            emitter_enqueue(e, it);
        } else {
            suppress(e, it, "quiet-hours");
        }
    } else if (e->arb) {
        arbiter_add(e, custmap_get(e->cust, it->customer), it);
    } else {
        emitter_after_arbitration(e, it);
    }
    if (e->qlen >= QUEUE_MAX)
        return emitter_drain(e);
    return 0;
}

/* --- receipts --- */

static int put_str(struct eng_writer *w, const char *key, const char *s)
{
    return eng_writer_puts(w, key) < 0 ||
           eng_writer_json_string(w, s, strlen(s)) < 0 ? -1 : 0;
}

static int write_receipt(struct emitter *e, const struct item *it)
{
    struct eng_writer *w = e->out;
    char buf[ENG_TIME_BUFSZ];
    static const char *const st[] = {"?", "sent", "suppressed", "deferred",
                                     "failed", "dry-run"};
    if (put_str(w, "{\"id\":", it->id) < 0 ||
        put_str(w, ",\"ts\":", it->ts_text) < 0 ||
        put_str(w, ",\"customer\":", it->customer) < 0 ||
        (it->chname ? put_str(w, ",\"channel\":", it->chname)
                    : eng_writer_puts(w, ",\"channel\":null")) < 0 ||
        put_str(w, ",\"status\":", st[it->status]) < 0)
        return -1;
    if (it->reason && put_str(w, ",\"reason\":", it->reason) < 0)
        return -1;
    if (it->by && put_str(w, strcmp(it->reason, "frequency-cap") == 0
                                 ? ",\"cap\":" : ",\"by\":", it->by) < 0)
        return -1;
    if (it->status == ST_DEFERRED) {
        eng_time_format(it->until, buf);
        if (put_str(w, ",\"until\":", buf) < 0)
            return -1;
    }
    if (it->origin != FROM_INPUT &&
        put_str(w, ",\"origin\":", it->origin == FROM_RETRY ? "retry" : "deferred") < 0)
        return -1;
    if (it->deliver) {
        if (put_str(w, ",\"sink\":", it->ch->sink) < 0)
            return -1;
        if (it->status != ST_DRYRUN) {
            snprintf(buf, sizeof buf, ",\"attempts\":%d", it->attempts);
            if (eng_writer_puts(w, buf) < 0)
                return -1;
        }
        if (it->error && put_str(w, ",\"error\":", it->error) < 0)
            return -1;
        if (it->msg.data) {
            if (eng_writer_puts(w, ",\"message\":") < 0)
                return -1;
            if (it->msg_is_text ? eng_writer_json_string(w, it->msg.data, it->msg.len)
                                : eng_writer_write(w, it->msg.data, it->msg.len))
                return -1;
        }
    }
    return eng_writer_puts(w, "}\n");
}

static void count(struct emitter *e, const struct item *it)
{
    e->receipts++;
    switch (it->status) {
    case ST_SENT: e->sent++; break;
    case ST_SUPPRESSED:
        e->suppressed++;
        for (int i = 0; reason_names[i]; i++)
            if (strcmp(it->reason, reason_names[i]) == 0)
                e->reasons[i]++;
        break;
    case ST_DEFERRED: e->deferred_n++; break;
    case ST_FAILED: e->failed++; break;
    case ST_DRYRUN: e->dryrun++; break;
    default: break;
    }
}

int emitter_drain(struct emitter *e)
{
    struct item *q = e->qhead;
    if (!q)
        return 0;
    if (e->dry_run) {
        for (struct item *it = q; it; it = it->next)
            if (it->deliver && it->status == ST_NONE)
                it->status = ST_DRYRUN;
    } else {
        if (e->st && state_batch_begin(e, q, &e->ferr) < 0)
            return -1;
        if (sinks_deliver(e, q) < 0)
            return -1;
        /* a message that was not delivered gives its place in the caps back */
        for (struct item *it = q; it; it = it->next)
            if (it->deliver && it->status == ST_FAILED)
                policy_caps_remove(custmap_get(e->cust, it->customer),
                                   it->ch->idx, it->ts);
        if (e->st && state_batch_end(e, q, &e->ferr) < 0)
            return -1;
    }
    int rc = 0;
    e->qhead = e->qtail = NULL;
    e->qlen = e->qdeliver = 0;
    while (q) {
        struct item *n = q->next;
        if (q->origin == FROM_RETRY)
            e->retried++;
        count(e, q);
        if (rc == 0 && write_receipt(e, q) < 0)
            rc = -1;
        item_free(q);
        q = n;
    }
    if (rc < 0)
        eng_error_set(&e->ferr, "write error: %s", strerror(errno));
    return rc;
}

int emitter_finish(struct emitter *e)
{
    if (e->now_set)
        release_deferred(e, e->watermark);
    arbiter_release(e, 0, 1);
    if (emitter_drain(e) < 0)
        return -1;
    if (!e->st && e->ndrec)
        eng_warn("%zu deferred action%s not kept: there is no --state",
                 e->ndrec, e->ndrec == 1 ? "" : "s");
    return 0;
}

int emitter_retry(struct emitter *e)
{
    long n = state_load_retry(e, &e->ferr);
    if (n < 0)
        return -1;
    if (e->now_set)
        release_deferred(e, e->watermark);
    return emitter_drain(e);
}

json_t *emitter_stats(const struct emitter *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "sent", json_integer((json_int_t)e->sent));
    json_object_set_new(o, "suppressed", json_integer((json_int_t)e->suppressed));
    json_object_set_new(o, "deferred", json_integer((json_int_t)e->deferred_n));
    json_object_set_new(o, "failed", json_integer((json_int_t)e->failed));
    json_object_set_new(o, "dry_run", json_integer((json_int_t)e->dryrun));
    json_object_set_new(o, "released", json_integer((json_int_t)e->released));
    json_object_set_new(o, "retried", json_integer((json_int_t)e->retried));
    json_t *r = json_object();
    for (int i = 0; reason_names[i]; i++)
        json_object_set_new(r, reason_names[i], json_integer((json_int_t)e->reasons[i]));
    json_object_set_new(o, "reasons", r);
    if (e->template_missing)
        json_object_set_new(o, "template_missing",
                            json_integer((json_int_t)e->template_missing));
    if (e->when_errors)
        json_object_set_new(o, "when_errors", json_integer((json_int_t)e->when_errors));
    return o;
}
