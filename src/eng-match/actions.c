/* actions: build and write action records (actions.h has the format). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "jpool.h"
#include "actions.h"

static void put(struct eng_tmpl_buf *b, const char *s, size_t len,
                enum eng_tmpl_escape esc)
{
    if (eng_tmpl_buf_put(b, s, len, esc) < 0)
        abort();   /* out of memory */
}

static void puts_raw(struct eng_tmpl_buf *b, const char *s)
{
    put(b, s, strlen(s), ENG_TMPL_NONE);
}

static void put_json(struct eng_tmpl_buf *b, const json_t *v)
{
    if (!v)
        puts_raw(b, "null");
    else if (eng_tmpl_buf_json(b, v, ENG_TMPL_NONE) < 0)
        abort();
}

void action_key(struct eng_tmpl_buf *kb, const struct rule *r,
                const json_t *ev, struct match_key *k)
{
    const json_t *v = eng_path_get(r->key, ev);
    kb->len = 0;
    k->value = v && !json_is_null(v) ? v : NULL;
    if (!k->value) {
        k->text = "";
        k->len = 0;
    } else if (json_is_string(v)) {
        k->text = json_string_value(v);
        k->len = json_string_length(v);
    } else {
        put_json(kb, v);
        k->text = kb->data;
        k->len = kb->len;
    }
}

static void render_pnode(struct eng_tmpl_buf *out, const struct pnode *p,
                         const struct eng_tmpl_scope *sc,
                         unsigned long long *missing)
{
    switch (p->kind) {
    case PN_CONST:
        puts_raw(out, p->json);
        break;
    case PN_TMPL:
        puts_raw(out, "\"");
        if (eng_template_render(p->tmpl, sc, ENG_TMPL_JSON, out, missing) < 0)
            abort();
        puts_raw(out, "\"");
        break;
    case PN_OBJ:
    case PN_ARR:
        puts_raw(out, p->kind == PN_OBJ ? "{" : "[");
        for (size_t i = 0; i < p->n; i++) {
            if (i)
                puts_raw(out, ",");
            if (p->kind == PN_OBJ)
                puts_raw(out, p->keys[i]);
            render_pnode(out, &p->kids[i], sc, missing);
        }
        puts_raw(out, p->kind == PN_OBJ ? "}" : "]");
        break;
    }
}

int action_write_more(struct eng_writer *w, struct action_bufs *b,
                      const struct rule *r, const struct action_more *a,
                      const struct match_key *k, int with_event,
                      unsigned long long *tmpl_missing)
{
    struct eng_tmpl_buf *o = &b->rec, *h = &b->hash;
    struct eng_tmpl_scope sc = { "event", a->ev, a->alias_names,
                                 a->alias_values, a->naliases };
    size_t idlen = strlen(r->id);
    char hex[32];

    /* id = act:RULE:KEY:hex(XXH3(rule US key US trigger US ...)) */
    h->len = 0;
    put(h, r->id, idlen, ENG_TMPL_NONE);
    put(h, "\x1f", 1, ENG_TMPL_NONE);
    put(h, k->text, k->len, ENG_TMPL_NONE);
    for (size_t i = 0; i < a->ntrig; i++) {
        put(h, "\x1f", 1, ENG_TMPL_NONE);
        put(h, a->trig[i], a->trig_len[i], ENG_TMPL_NONE);
    }
    snprintf(hex, sizeof hex, "%016" PRIx64, (uint64_t)XXH3_64bits(h->data, h->len));

    o->len = 0;
    puts_raw(o, "{\"id\":\"act:");
    put(o, r->id, idlen, ENG_TMPL_JSON);
    puts_raw(o, ":");
    put(o, k->text, k->len, ENG_TMPL_JSON);
    puts_raw(o, ":");
    puts_raw(o, hex);
    puts_raw(o, "\",\"ts\":\"");
    puts_raw(o, a->ts);
    puts_raw(o, "\",\"type\":\"action\",\"rule\":");
    puts_raw(o, r->id_json);
    puts_raw(o, ",\"customer\":");
    /* the key's value when the key is customer, else the last trigger
     * event's customer (the completing event is that event) */
    put_json(o, r->key_is_customer && k->value ? k->value
                                               : json_object_get(a->ev, "customer"));
    puts_raw(o, ",\"key\":");
    put_json(o, k->value);
    puts_raw(o, ",\"channel\":");
    if (r->channel) {
        puts_raw(o, "\"");
        if (eng_template_render(r->channel, &sc, ENG_TMPL_JSON, o,
                                tmpl_missing) < 0)
            abort();
        puts_raw(o, "\"");
    } else {
        puts_raw(o, "null");
    }
    char num[32];
    snprintf(num, sizeof num, ",\"priority\":%" PRId64 ",\"payload\":",
             r->priority);
    puts_raw(o, num);
    render_pnode(o, &r->payload, &sc, tmpl_missing);
    puts_raw(o, ",\"trigger\":[");
    for (size_t i = 0; i < a->ntrig; i++) {
        puts_raw(o, i ? ",\"" : "\"");
        put(o, a->trig[i], a->trig_len[i], ENG_TMPL_JSON);
        puts_raw(o, "\"");
    }
    puts_raw(o, "]");
    if (with_event) {
        puts_raw(o, ",\"event\":");
        if (a->raw) {
            put(o, a->raw, a->raw_len, ENG_TMPL_NONE);
        } else {
            char *text = json_dumps(a->ev, JSON_COMPACT);
            if (!text)
                abort();
            puts_raw(o, text);
            eng_json_free(text);
        }
    }
    puts_raw(o, "}\n");
    return eng_writer_write(w, o->data, o->len);
}

int action_write(struct eng_writer *w, struct action_bufs *b,
                 const struct rule *r, const struct match_event *m,
                 const struct match_key *k, int with_event,
                 unsigned long long *tmpl_missing)
{
    const char *trig = m->id;
    size_t tlen = m->id_len;
    struct action_more a = {
        .ev = m->ev, .ts = m->ts, .raw = m->raw, .raw_len = m->raw_len,
        .trig = &trig, .trig_len = &tlen, .ntrig = 1,
    };
    return action_write_more(w, b, r, &a, k, with_event, tmpl_missing);
}

void action_bufs_free(struct action_bufs *b)
{
    eng_tmpl_buf_free(&b->rec);
    eng_tmpl_buf_free(&b->hash);
    eng_tmpl_buf_free(&b->key);
}
