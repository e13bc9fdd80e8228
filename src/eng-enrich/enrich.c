/* enrich: eng-enrich's per-event work (enrich.h has the order of work).
 *
 * Output. An event leaves as its original bytes with
 *   ,"profile":{...},"context":{...}
 * spliced in before the closing brace (ARCHITECTURE.md, Speed); only the
 * profile and context are serialised. Two cases re-serialise the event
 * first: identity resolution rewrote its key (the original ids go in
 * "identity"), or it already had a "profile" or "context" member (they are
 * replaced, never duplicated). Reals in profile and context are written
 * with 15 significant digits (a sum of prices reads 80.0, not
 * 79.999999999999986); the state file keeps 17.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "enrich.h"
#include "join.h"
#include "jsonout.h"
#include "places.h"
#include "timeutil.h"

#define ERRORS_SHOWN ENRICH_ERRORS_SHOWN

static struct strmap bad_zones;

/* What of an event the config reads (lib/project.h): the key and ids, the
 * join and lookup keys and times, the places' coordinates, the aggregates'
 * fields and conditions, the segments, the time-zone path; and what
 * eng-enrich reads itself (ts, id, source for --state; profile and context,
 * to replace them).
 * ENG_ENRICH_PARSE_WHOLE=1 in the environment parses every line whole (the
 * tests' reference). */
static void config_projection(struct eng_projection *p,
                              const struct enrich_config *cfg)
{
    eng_projection_init(p);
    const char *off = getenv("ENG_ENRICH_PARSE_WHOLE");
    p->whole = off && strcmp(off, "1") == 0;
    static const char *const own[] = { "ts", "id", "source", "profile",
                                       "context" };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        eng_projection_add_name(p, own[i]);
    eng_projection_add_path(p, cfg->key, 0);
    for (size_t i = 0; i < cfg->nids; i++)
        eng_projection_add_path(p, cfg->id_paths[i], 0);
    for (size_t i = 0; i < cfg->njoins; i++) {
        eng_projection_add_path(p, cfg->joins[i]->ev_key, 0);
        if (cfg->joins[i]->ev_time)
            eng_projection_add_path(p, cfg->joins[i]->ev_time, 0);
    }
    if (cfg->places) {
        eng_projection_add_path(p, cfg->places->ev_lat, 0);
        eng_projection_add_path(p, cfg->places->ev_lon, 0);
    }
    for (size_t i = 0; i < cfg->naggs; i++) {
        const struct agg_def *a = &cfg->aggs[i];
        if (a->field)
            eng_projection_add_path(p, a->field, 0);
        for (size_t k = 0; k < a->nrfields; k++)
            eng_projection_add_path(p, a->rfields[k], 0);
        eng_projection_add_expr(p, a->when);
    }
    for (size_t i = 0; i < cfg->nsegs; i++)
        eng_projection_add_expr(p, cfg->segs[i].expr);
    if (cfg->tz_path && !cfg->tz_from_profile)
        eng_projection_add_path(p, cfg->tz_path, 0);
    eng_projection_done(p);
}

void enricher_init(struct enricher *e)
{
    if (!(e->ctx = eng_expr_ctx_new()))
        abort();
    config_projection(&e->proj, e->cfg);
    identity_init(&e->id, e->cfg);
    e->watermark = INT64_MIN;
}

static void pfree(void *p)
{
    profile_free(p);
}

void enricher_free(struct enricher *e)
{
    strmap_free(&e->profiles, pfree);
    strmap_free(&e->gone, NULL);
    strmap_free(&bad_zones, NULL);
    json_decref(e->hw);
    json_decref(e->hw_loaded);
    identity_free(&e->id);
    eng_projection_free(&e->proj);
    if (e->ctx)
        eng_expr_ctx_free(e->ctx);
    free(e->buf);
    jbuf_free(&e->mb);
    jbuf_free(&e->sb[0]);
    jbuf_free(&e->sb[1]);
    profile_cleanup();
}

static int reject(struct enricher *e, struct eng_reader *rd,
                  const struct eng_line *ln, const char *why)
{
    e->rejected++;
    return eng_rejects_add(e->rej, eng_reader_name(rd), ln->lineno, why,
                           ln->data, ln->len);
}

static void report(struct enricher *e, const json_t *ev, const char *msg)
{
    if (e->errors_shown++ >= ERRORS_SHOWN)
        return;
    const json_t *id = json_object_get(ev, "id");
    eng_warn("event %s: %s", json_is_string(id) ? json_string_value(id) : "?",
             msg);
}

/* Appends v's JSON text to (*buf, *len, *cap). */
static void dump_into(char **buf, size_t *len, size_t *cap, const json_t *v,
                      size_t flags)
{
    for (;;) {
        size_t n = json_dumpb(v, *buf ? *buf + *len : NULL,
                              *buf ? *cap - *len : 0, flags);
        if (n == 0)
            abort();   /* only out of memory: the values are ours */
        if (*buf && *len + n <= *cap) {
            *len += n;
            return;
        }
        *cap = (*len + n) * 2 + 256;
        if (!(*buf = realloc(*buf, *cap)))
            abort();
    }
}

/* ---------------------------------------------------------------- profiles */

static struct profile *get_profile(struct enricher *e, const char *c,
                                   size_t len, int create)
{
    struct profile *p = strmap_get(&e->profiles, c, len);
    if (p)
        return p;
    if (e->store) {
        struct eng_error err;
        int got = state_load_profile(e, c, len, &p, &err);
        if (got < 0) {
            e->store_failed = 1;
            snprintf(e->store_msg, sizeof e->store_msg, "%s", err.msg);
            return NULL;
        }
    }
    if (!p && !create)
        return NULL;
    if (!p)
        p = profile_new(e->cfg);
    int created;
    strmap_put(&e->profiles, c, len, &created)->val = p;
    return p;
}

/* Merges loser's profile into winner's and writes the profile_merged
 * event (none when the loser had no profile: an id first seen on this
 * event). 0, or -1 (write error or store failure). */
static int merge(struct enricher *e, const char *winner, size_t wlen,
                 const char *loser, const json_t *ev, const char *ts)
{
    struct profile *pw = get_profile(e, winner, wlen, 1);
    struct profile *pl = pw ? get_profile(e, loser, strlen(loser), 0) : NULL;
    if (e->store_failed)
        return -1;
    if (!pl)
        return 0;   /* an id new on this event: nothing to merge or tell */
    profile_merge(e->cfg, pw, pl);
    strmap_del(&e->profiles, loser, strlen(loser));
    profile_free(pl);
    if (e->store) {
        int created;
        strmap_put(&e->gone, loser, strlen(loser), &created);
    }
    e->merges++;
    const json_t *evid = json_object_get(ev, "id");
    const char *eid = json_is_string(evid) ? json_string_value(evid) : "";
    size_t idlen = strlen(loser) + wlen + strlen(eid) + 16;
    char *id = malloc(idlen);
    if (!id)
        abort();
    snprintf(id, idlen, "merge:%s:%.*s:%s", loser, (int)wlen, winner, eid);
    json_t *m = json_pack("{s:s,s:s,s:s%,s:s,s:s,s:s,s:o}", "id", id, "ts", ts,
                          "customer", winner, wlen, "type", "profile_merged",
                          "merged", loser, "trigger", eid, "profile",
                          profile_to_json(e->cfg, pw, 1));
    free(id);
    if (!m)
        abort();
    struct jbuf *b = &e->mb;
    b->len = 0;
    jbuf_json(b, m);
    json_decref(m);
    e->out_n++;
    if (eng_writer_write(e->out, b->data, b->len) < 0 ||
        eng_writer_putc(e->out, '\n') < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- views */

/* Puts a master row (borrowed) at `into`: under a path, a copy of the row;
 * at the root, the row's members (but its key column) where the target has
 * none of that name. */
static void place_row(json_t *target, struct eng_path *rest, const json_t *row,
                      const char *skip)
{
    if (rest) {
        eng_path_set(rest, target, json_deep_copy(row), NULL);
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)row, k, v) {
        if ((skip && strcmp(k, skip) == 0) || json_object_get(target, k))
            continue;
        json_object_set_new(target, k, json_is_object(v) || json_is_array(v)
                                           ? json_deep_copy(v) : json_incref(v));
    }
}

static void add_master(struct enricher *e, const json_t *ev, eng_time ts,
                       json_t *pj, json_t *cj, int profile_side)
{
    const struct enrich_config *cfg = e->cfg;
    for (size_t i = 0; i < cfg->njoins; i++) {
        const struct join *j = cfg->joins[i];
        if (j->into_profile != profile_side)
            continue;
        const json_t *row = join_find(j, ev, ts);
        if (row)
            place_row(profile_side ? pj : cj, j->into_rest, row,
                      j->asof ? NULL : j->file_key);
    }
    const struct places *pl = cfg->places;
    if (pl && pl->into_profile == profile_side) {
        json_t *near = places_nearest(pl, ev);
        if (near) {
            place_row(profile_side ? pj : cj, pl->into_rest, near, NULL);
            json_decref(near);
        }
    }
}

static json_t *segments(struct enricher *e, json_t *ev, json_t *pj, json_t *cj)
{
    const struct enrich_config *cfg = e->cfg;
    json_object_set(ev, "profile", pj);
    if (cj)
        json_object_set(ev, "context", cj);
    json_t *segs = json_array();
    for (size_t i = 0; i < cfg->nsegs; i++) {
        struct eng_error err;
        int t = eng_expr_test(cfg->segs[i].expr, e->ctx, ev, NULL, &err);
        if (t > 0) {
            json_array_append_new(segs, json_string(cfg->segs[i].name));
        } else if (t < 0) {
            /* a missing attribute (no sentiment yet) is not a member */
            e->seg_errors++;
        }
    }
    json_object_del(ev, "profile");
    if (cj)
        json_object_del(ev, "context");
    return segs;
}

/* Writes the profile: the attributes in config order (a `recent` from its
 * stored text), then the rest of the view (master data, segments). */
static void write_profile(struct jbuf *b, const struct enrich_config *cfg,
                          const struct profile *p, const json_t *pj)
{
    jbuf_put(b, "{", 1);
    for (size_t k = 0; k < cfg->naggs; k++) {
        const char *name = cfg->aggs[k].name;
        if (k)
            jbuf_put(b, ",", 1);
        jbuf_string(b, name, strlen(name));
        jbuf_put(b, ":", 1);
        profile_write_value(b, cfg, (struct profile *)p, k);
    }
    const char *key;
    json_t *v;
    int first = cfg->naggs == 0;
    json_object_foreach((json_t *)pj, key, v) {
        int agg = 0;
        for (size_t k = 0; k < cfg->naggs && !agg; k++)
            agg = strcmp(cfg->aggs[k].name, key) == 0;
        if (agg)
            continue;
        if (!first)
            jbuf_put(b, ",", 1);
        first = 0;
        jbuf_string(b, key, strlen(key));
        jbuf_put(b, ":", 1);
        jbuf_json(b, v);
    }
    jbuf_put(b, "}", 1);
}

/* The context without JSON values (cfg->ctx_direct): the same members in
 * the same order as context_new + add_master would give. */
static void write_context(struct enricher *e, struct jbuf *b, const json_t *ev,
                          const json_t *pj, eng_time ts)
{
    const struct enrich_config *cfg = e->cfg;
    jbuf_put(b, "{", 1);
    context_write(b, cfg, ev, pj, ts, &bad_zones);
    for (size_t i = 0; i < cfg->njoins; i++) {
        const struct join *j = cfg->joins[i];
        const json_t *row = j->into_profile ? NULL : join_find(j, ev, ts);
        if (!row)
            continue;
        const char *k = eng_path_key(j->into_rest, 0);
        jbuf_put(b, ",", 1);
        jbuf_string(b, k, strlen(k));
        jbuf_put(b, ":", 1);
        jbuf_json(b, row);
    }
    const struct places *pl = cfg->places;
    if (pl && !pl->into_profile) {
        json_t *near = places_nearest(pl, ev);
        if (near) {
            const char *k = eng_path_key(pl->into_rest, 0);
            jbuf_put(b, ",", 1);
            jbuf_string(b, k, strlen(k));
            jbuf_put(b, ":", 1);
            jbuf_json(b, near);
            json_decref(near);
        }
    }
    jbuf_put(b, "}", 1);
}

/* ---------------------------------------------------------------- events */

/* The event to re-serialise when only its projection was parsed: the whole
 * line, with what enricher_line changed on the projection (the canonical
 * key and "identity" after a rewrite), without "profile" and "context". */
static json_t *whole_event(struct enricher *e, const struct eng_line *ln,
                           json_t *proj, int rewrite)
{
    json_t *ev = json_loadb(ln->data, ln->len, 0, NULL);
    if (!ev)
        abort();    /* the projection's scan accepted the line */
    if (rewrite) {
        json_object_set(ev, "identity", json_object_get(proj, "identity"));
        json_t *k = eng_path_get(e->cfg->key, proj);
        if (k)      /* as on the projection: a failed set leaves it */
            eng_path_set(e->cfg->key, ev, json_incref(k), NULL);
    }
    json_object_del(ev, "profile");
    json_object_del(ev, "context");
    return ev;
}

int enricher_line(struct enricher *e, struct eng_reader *rd,
                  const struct eng_line *ln)
{
    const struct enrich_config *cfg = e->cfg;
    char why[512], tsbuf[ENG_TIME_BUFSZ], kbuf[32];
    json_error_t je;

    size_t i = 0;
    while (i < ln->len && (ln->data[i] == ' ' || ln->data[i] == '\t'))
        i++;
    if (i == ln->len && !ln->too_long)
        return 0;   /* blank lines are not records */
    e->in++;
    if (ln->too_long) {
        snprintf(why, sizeof why, "line longer than --max-line (%zu bytes)",
                 e->cli->max_line);
        return reject(e, rd, ln, why);
    }
    if (ln->bad_utf8) {
        snprintf(why, sizeof why, "invalid UTF-8 at byte %zu",
                 ln->bad_utf8_at + 1);
        return reject(e, rd, ln, why);
    }
    /* the members the config reads, else (or for jansson's message on a
     * bad line) the whole line */
    json_t *ev = eng_projection_parse(&e->proj, ln->data, ln->len);
    int projected = ev != NULL;
    if (!ev)
        ev = json_loadb(ln->data, ln->len, 0, &je);
    if (!ev) {
        snprintf(why, sizeof why, "invalid JSON at column %d: %s", je.column,
                 je.text);
        return reject(e, rd, ln, why);
    }
    if (!json_is_object(ev)) {
        json_decref(ev);
        return reject(e, rd, ln, "not a JSON object");
    }
    int rc = 0;
    json_t *pj = NULL, *cj = NULL;

    eng_time ts;
    json_t *tsv = json_object_get(ev, "ts");
    if (!json_is_string(tsv) ||
        eng_time_parse_rfc3339(json_string_value(tsv), json_string_length(tsv),
                               &ts) < 0) {
        if (!tsv)
            snprintf(why, sizeof why, "ts: missing");
        else if (!json_is_string(tsv))
            snprintf(why, sizeof why, "ts: not a string");
        else
            snprintf(why, sizeof why, "ts: cannot parse '%.100s'",
                     json_string_value(tsv));
        rc = reject(e, rd, ln, why);
        goto out;
    }
    eng_time_format(ts, tsbuf);
    if (e->store && state_skip(e, ev)) {
        e->skipped++;       /* an earlier run's state holds it already */
        goto out;
    }
    if (ts > e->watermark)
        e->watermark = ts;

    /* the key, through identity resolution when configured */
    const char *key;
    long klen = join_key_text(eng_path_get(cfg->key, ev), kbuf, sizeof kbuf,
                              &key);
    int rewrite = 0;
    if (cfg->nids) {
        struct identity_result r;
        int got = identity_resolve(&e->id, ev, ts, &r);
        if (got < 0) {
            e->store_failed = 1;
            rc = -1;
            goto out;
        }
        if (got == 0)
            goto missing_key;
        if (klen < 0 || (size_t)klen != r.canonical_len ||
            memcmp(key, r.canonical, r.canonical_len) != 0) {
            json_t *ids = json_object();
            for (size_t k = 0; k < cfg->nids; k++) {
                json_t *v = eng_path_get(cfg->id_paths[k], ev);
                if (v)
                    json_object_set(ids, cfg->id_fields[k], v);
            }
            json_object_set_new(ev, "identity", ids);
            eng_path_set(cfg->key, ev,
                         json_stringn(r.canonical, r.canonical_len), NULL);
            rewrite = 1;
            e->rewritten++;
        }
        key = r.canonical;
        klen = (long)r.canonical_len;
        for (size_t k = 0; k < r.nlosers; k++)
            if ((rc = merge(e, key, (size_t)klen, r.losers[k], ev, tsbuf)) < 0)
                goto out;
    } else if (klen <= 0) {
        goto missing_key;
    }

    struct profile *p = get_profile(e, key, (size_t)klen, 1);
    if (!p) {
        rc = -1;
        goto out;
    }
    if (e->ttl_ms && p->last_seen != INT64_MIN &&
        p->last_seen < e->watermark - e->ttl_ms) {
        /* idle longer than --state-ttl: the customer starts over */
        struct profile *fresh = profile_new(cfg);
        int created;
        strmap_put(&e->profiles, key, (size_t)klen, &created)->val = fresh;
        profile_free(p);
        p = fresh;
        e->forgotten++;
    }
    struct eng_error werr;
    unsigned nerr = profile_update(cfg, p, ev, ts, e->ctx, &werr);
    if (nerr) {
        e->when_errors += nerr;
        report(e, ev, werr.msg);
    }

    pj = profile_to_json(cfg, p, 0);
    add_master(e, ev, ts, pj, NULL, 1);
    if (!cfg->ctx_direct) {
        cj = context_new(cfg, ev, pj, ts, &bad_zones);
        add_master(e, ev, ts, NULL, cj, 0);
    }
    /* an event that has its own profile or context is re-serialised
     * without them, so the output never holds a key twice */
    int conflict = json_object_get(ev, "profile") || json_object_get(ev, "context");
    if (conflict) {
        json_object_del(ev, "profile");
        json_object_del(ev, "context");
    }
    if (cfg->nsegs) {
        json_t *segs = segments(e, ev, pj, cj);
        json_decref(p->segments);
        p->segments = json_incref(segs);
        json_object_set_new(pj, "segments", segs);
    }

    /* out: the members, then the event's bytes or its re-serialisation */
    struct jbuf *b = &e->mb;
    b->len = 0;
    jbuf_put(b, "\"profile\":", 10);
    write_profile(b, cfg, p, pj);
    jbuf_put(b, ",\"context\":", 11);
    if (cj)
        jbuf_json(b, cj);
    else
        write_context(e, b, ev, pj, ts);
    const char *line = ln->data;
    size_t len = ln->len;
    if (rewrite || conflict) {
        json_t *whole = projected ? whole_event(e, ln, ev, rewrite) : ev;
        len = 0;
        dump_into(&e->buf, &len, &e->cap, whole, JSON_COMPACT);
        line = e->buf;
        if (whole != ev)
            json_decref(whole);
    }
    e->out_n++;
    rc = eng_writer_splice(e->out, line, len, b->data, b->len);
    goto out;

missing_key:
    if (eng_path_get(cfg->key, ev) && klen < 0)
        snprintf(why, sizeof why, "key '%.200s': not a string or integer",
                 cfg->key_text);
    else
        snprintf(why, sizeof why, "missing key '%.200s'%s", cfg->key_text,
                 cfg->nids ? " (and no known id)" : "");
    rc = reject(e, rd, ln, why);
out:
    json_decref(pj);
    json_decref(cj);
    json_decref(ev);
    return rc;
}

json_t *enricher_stats(const struct enricher *e)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
                     "profiles", (json_int_t)e->profiles.n,
                     "merges", (json_int_t)e->merges,
                     "rewritten", (json_int_t)e->rewritten,
                     "when_errors", (json_int_t)e->when_errors,
                     "segment_errors", (json_int_t)e->seg_errors,
                     "master_duplicates", (json_int_t)e->cfg->master_dups,
                     "forgotten", (json_int_t)e->forgotten,
                     "skipped", (json_int_t)e->skipped);
}
