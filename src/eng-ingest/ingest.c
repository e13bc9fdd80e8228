/* ingest: the way out for events and rejects (see ingest.h).
 *
 * The partition key of an event is read back from the event's own text,
 * so every format routes the same way: a top-level name is found with the
 * scanner (no DOM); a deeper path, or a key string with escapes, parses the
 * event with jansson. A string key hashes its characters, any other value
 * its JSON text; an event without the key goes to partition 0.
 */
#include "ingest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonscan.h"

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

void ingest_input_init(struct ingest *g, struct ingest_input *in,
                       const char *path)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    int is_stdin = strcmp(path, "-") == 0;
    in->label = is_stdin ? "stdin" : path;
    if (g->source_opt) {
        in->source = xstrdup(g->source_opt);
    } else if (g->popts.map && g->popts.map->source) {
        in->source = xstrdup(g->popts.map->source);
    } else if (is_stdin) {
        in->source = xstrdup("stdin");
    } else {
        const char *b = strrchr(path, '/');
        in->source = xstrdup(b && b[1] ? b + 1 : path);
    }
    buf_adds(&in->src_prefix, "\"source\":{\"name\":");
    buf_json_string(&in->src_prefix, in->source, strlen(in->source));
    buf_adds(&in->src_prefix, ",\"line\":");
}

void ingest_input_free(struct ingest_input *in)
{
    free(in->source);
    buf_free(&in->src_prefix);
}

void ingest_close_event(struct ingest *g, const struct ingest_input *in,
                        unsigned long line)
{
    struct buf *b = &g->ev;
    if (b->len > 0 && b->p[b->len - 1] != '{')
        buf_addc(b, ',');
    buf_add(b, in->src_prefix.p, in->src_prefix.len);
    buf_add_ulong(b, line);
    buf_add(b, "}}", 2);
}

static int fail_write(struct ingest *g, struct eng_writer *w)
{
    int e = errno;
    (void)w;
    if (eng_cli_is_quiet_exit(e)) {
        g->fatal = ENG_EXIT_SIGPIPE;
    } else {
        g->fatal = ENG_EXIT_RUNTIME;
        eng_error_set(&g->err, "write error: %s", strerror(e));
    }
    return -1;
}

static struct eng_writer *route(struct ingest *g, const char *text,
                                size_t len)
{
    const struct eng_path *p = g->part_path;
    if (eng_path_len(p) == 1 && eng_path_key(p, 0)) {
        struct eng_json_member m = { .key = eng_path_key(p, 0) };
        struct eng_json_scan sc;
        if (eng_json_scan(text, len, &m, 1, &sc) < 0 ||
            m.kind == ENG_JSON_NONE || m.kind == ENG_JSON_NULL)
            return partition_writer(g->parts, NULL, 0);
        if (m.kind != ENG_JSON_STRING || !m.escaped)
            return partition_writer(g->parts, m.val, m.val_len);
    }
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *v = root ? eng_path_get(p, root) : NULL;
    struct eng_writer *w;
    if (!v || json_is_null(v)) {
        w = partition_writer(g->parts, NULL, 0);
    } else if (json_is_string(v)) {
        w = partition_writer(g->parts, json_string_value(v),
                             json_string_length(v));
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        w = partition_writer(g->parts, s, s ? strlen(s) : 0);
        free(s);
    }
    json_decref(root);
    return w;
}

int ingest_emit(struct ingest *g, const char *text, size_t len, int has_ts,
                eng_time ts)
{
    g->in++;
    if (has_ts && ((g->have_since && ts < g->since) ||
                   (g->have_until && ts >= g->until))) {
        g->filtered++;
        return 0;
    }
    if (g->where && !where_keep(g->where, text, len)) {
        g->filtered++;
        return 0;
    }
    struct eng_writer *w = g->parts ? route(g, text, len) : g->out;
    if (has_ts && g->replay.speed > 0 && replay_wait(&g->replay, ts, w) < 0)
        return fail_write(g, w);
    if (eng_writer_write(w, text, len) < 0 || eng_writer_putc(w, '\n') < 0)
        return fail_write(g, w);
    g->out_n++;
    eng_progress_tick(g->cli, g->in, eng_rejects_count(g->rej));
    return 0;
}

int ingest_reject(struct ingest *g, const struct ingest_input *in,
                  unsigned long line, const char *why, const char *raw,
                  size_t raw_len)
{
    g->in++;
    if (eng_rejects_add(g->rej, in->label, line, why, raw, raw_len) < 0) {
        g->fatal = ENG_EXIT_RUNTIME;
        eng_error_set(&g->err, "cannot write the rejects file: %s",
                      strerror(errno));
        return -1;
    }
    if (eng_rejects_over_limit(g->rej)) {
        g->fatal = ENG_EXIT_REJECTS;
        eng_error_set(&g->err, "more than %lld rejects: stopping",
                      g->cli->max_rejects);
        return -1;
    }
    return 0;
}

int ingest_plan_record(struct ingest *g, const struct ingest_input *in,
                       struct plan *p, const struct plan_cell *cells,
                       struct out_val *vals, unsigned long line,
                       const char *raw, size_t raw_len,
                       const struct buf *extra)
{
    struct eng_error err;
    char id[ENG_EVENT_ID_LEN + 1];

    if (plan_convert(p, cells, vals, &err) < 0)
        return ingest_reject(g, in, line, err.msg, raw, raw_len);
    struct out_val *v = &vals[p->id_leaf];
    if (v->kind == OUT_ABSENT || (v->kind == OUT_STR && v->len == 0)) {
        eng_event_make_id(in->source, line, raw, raw_len, id);
        v->kind = OUT_STR;
        v->p = id;
        v->len = ENG_EVENT_ID_LEN;
    }
    g->ev.len = 0;
    size_t n = out_write(p->tree, vals, &g->ev);
    if (extra && extra->len) {
        if (n)
            buf_addc(&g->ev, ',');
        buf_add(&g->ev, extra->p, extra->len);
    }
    ingest_close_event(g, in, line);
    return ingest_emit(g, g->ev.p, g->ev.len, p->has_ts, p->ts);
}

int ingest_read_failed(struct ingest *g, const struct eng_error *err)
{
    /* a read cut short by SIGINT/SIGTERM is not an error: main sets the
     * signal's exit status (130/143) */
    if (eng_signal_pending())
        return 0;
    g->fatal = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE
                                            : ENG_EXIT_RUNTIME;
    g->err = *err;
    return -1;
}
