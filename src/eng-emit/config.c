/* config: CHANNELS.yaml for eng-emit (TOOLS.md, eng-emit), checked whole
 * at load so that a broken file stops the tool before any action is read.
 *
 *   defaults:    frequency {max, per} | "N per DUR"; quiet_hours {from, to,
 *                timezone (a path into the action), default_timezone,
 *                action: defer|suppress}
 *   suppress:    opt_out FILE, match [paths compared with it], when EXPR
 *   control:     {percent, salt}
 *   arbitration: {by: priority, hold: DUR}
 *   channels:    NAME: {sink, timeout, retries, backoff, concurrency,
 *                insecure, frequency, quiet_hours, body, template, headers}
 *
 * A JSON body is compiled once into literal JSON text and JSON-escaped
 * templates (struct body_part): {title: "Hi {{name}}", n: 3} becomes
 *   `{"title":"Hi ` <name, JSON-escaped> `","n":3}`
 * so rendering a message is a few copies, never a DOM.
 *
 * Header values take ${NAME} from the environment; a missing variable is a
 * configuration error, and values are never printed, only their names.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static int get_duration(const struct eng_config *y, const json_t *obj,
                        const char *key, int64_t *out, struct eng_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v) * 1000;   /* plain seconds */
        return 0;
    }
    if (!json_is_string(v) ||
        eng_duration_parse(json_string_value(v), json_string_length(v), out) < 0)
        return eng_config_error_member(y, obj, key, err,
                                       "%s: expected a duration like 30s, 10m, 7d",
                                       key);
    return 0;
}

static int get_count(const struct eng_config *y, const json_t *obj,
                     const char *key, long long min, long long max,
                     long long *out, struct eng_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max)
        return eng_config_error_member(y, obj, key, err,
                                       "%s: expected an integer from %lld to %lld",
                                       key, min, max);
    *out = json_integer_value(v);
    return 0;
}

/* frequency: {max: N, per: DUR} or "N per DUR" */
static int load_freq(const struct eng_config *y, const json_t *parent,
                     const char *key, struct emit_freq *f, struct eng_error *err)
{
    json_t *v = json_object_get(parent, key);
    static const char *const keys[] = {"max", "per", NULL};
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long long n = strtoll(s, &end, 10);
        while (*end == ' ')
            end++;
        if (end == s || n < 0 || strncmp(end, "per ", 4) != 0 ||
            eng_duration_parse(end + 4, strlen(end + 4), &f->per) < 0 ||
            f->per <= 0)
            return eng_config_error_member(y, parent, key, err,
                                           "%s: expected \"N per DUR\" (\"3 per 7d\")",
                                           key);
        f->max = n;
        f->set = 1;
        return 0;
    }
    if (eng_config_check_keys(y, v, keys, key, err) < 0 ||
        get_count(y, v, "max", 0, 1000000, &f->max, err) < 0 ||
        get_duration(y, v, "per", &f->per, err) < 0)
        return -1;
    if (f->per <= 0)
        return eng_config_error_member(y, v, "per", err, "per: must be > 0");
    f->set = 1;
    return 0;
}

static int parse_hhmm(const char *s, int *out)
{
    if (!s || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) ||
        !isdigit((unsigned char)s[4]) || s[5])
        return -1;
    int h = (s[0] - '0') * 10 + s[1] - '0', m = (s[3] - '0') * 10 + s[4] - '0';
    if (h > 24 || m > 59 || (h == 24 && m))
        return -1;
    *out = h * 60 + m;
    return 0;
}

static int load_quiet(const struct eng_config *y, const json_t *parent,
                      struct emit_quiet *q, struct eng_error *err)
{
    static const char *const keys[] = {"from", "to", "timezone",
                                       "default_timezone", "action", NULL};
    json_t *v = json_object_get(parent, "quiet_hours");
    if (json_is_false(v) || json_is_null(v))
        return 0;   /* a channel's "quiet_hours: false" turns them off */
    if (eng_config_check_keys(y, v, keys, "quiet_hours", err) < 0)
        return -1;
    const char *names[2] = {"from", "to"};
    int *mins[2] = {&q->from_min, &q->to_min};
    for (int i = 0; i < 2; i++) {
        json_t *t = json_object_get(v, names[i]);
        if (parse_hhmm(json_string_value(t), mins[i]) < 0)
            return eng_config_error_member(y, v, names[i], err,
                                           "quiet_hours.%s: expected \"HH:MM\"",
                                           names[i]);
    }
    json_t *tz = json_object_get(v, "timezone");
    if (tz) {
        if (!json_is_string(tz) ||
            !(q->tz_path = eng_path_compile(json_string_value(tz), err)))
            return eng_config_error_member(y, v, "timezone", err,
                                           "quiet_hours.timezone: expected a "
                                           "path into the action (event.profile.tz)");
    }
    json_t *dz = json_object_get(v, "default_timezone");
    const char *dzs = dz ? json_string_value(dz) : "UTC";
    if (!dzs || !(q->deftz = eng_tz_get(dzs, NULL)))
        return eng_config_error_member(y, v, "default_timezone", err,
                                       "quiet_hours.default_timezone: unknown "
                                       "time zone");
    json_t *a = json_object_get(v, "action");
    const char *as = a ? json_string_value(a) : "defer";
    if (!as || (strcmp(as, "defer") && strcmp(as, "suppress")))
        return eng_config_error_member(y, v, "action", err,
                                       "quiet_hours.action: expected defer or "
                                       "suppress");
    q->defer = strcmp(as, "defer") == 0;
    if (q->from_min == q->to_min)
        return eng_config_error_member(y, v, "to", err,
                                       "quiet_hours: from and to are equal");
    q->set = 1;
    return 0;
}

static void quiet_free(struct emit_quiet *q)
{
    eng_path_free(q->tz_path);
}

/* --- bodies --- */

struct bodyc {
    struct body_part *p;
    size_t n, cap;
    struct eng_tmpl_buf lit;
};

static void body_flush_lit(struct bodyc *b)
{
    if (!b->lit.len)
        return;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 8;
        if (!(b->p = realloc(b->p, b->cap * sizeof *b->p)))
            abort();
    }
    b->p[b->n].lit = xstrdup(b->lit.data);
    b->p[b->n].lit_len = b->lit.len;
    b->p[b->n].tmpl = NULL;
    b->n++;
    b->lit.len = 0;
}

static int body_compile(const struct eng_config *y, const json_t *v,
                        struct bodyc *b, struct eng_error *err)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        int first = 1;
        eng_tmpl_buf_put(&b->lit, "{", 1, ENG_TMPL_NONE);
        json_object_foreach((json_t *)v, k, m) {
            if (!first)
                eng_tmpl_buf_put(&b->lit, ",", 1, ENG_TMPL_NONE);
            first = 0;
            eng_tmpl_buf_put(&b->lit, "\"", 1, ENG_TMPL_NONE);
            eng_tmpl_buf_put(&b->lit, k, strlen(k), ENG_TMPL_JSON);
            eng_tmpl_buf_put(&b->lit, "\":", 2, ENG_TMPL_NONE);
            if (body_compile(y, m, b, err) < 0)
                return -1;
        }
        eng_tmpl_buf_put(&b->lit, "}", 1, ENG_TMPL_NONE);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        eng_tmpl_buf_put(&b->lit, "[", 1, ENG_TMPL_NONE);
        json_array_foreach(v, i, m) {
            if (i)
                eng_tmpl_buf_put(&b->lit, ",", 1, ENG_TMPL_NONE);
            if (body_compile(y, m, b, err) < 0)
                return -1;
        }
        eng_tmpl_buf_put(&b->lit, "]", 1, ENG_TMPL_NONE);
    } else if (json_is_string(v)) {
        struct eng_error terr;
        struct eng_template *t = eng_template_compile(json_string_value(v),
                                                      json_string_length(v),
                                                      &terr);
        if (!t)
            return eng_config_error(y, v, err, "body: %s", terr.msg);
        eng_tmpl_buf_put(&b->lit, "\"", 1, ENG_TMPL_NONE);
        if (eng_template_is_literal(t)) {
            eng_tmpl_buf_put(&b->lit, json_string_value(v),
                             json_string_length(v), ENG_TMPL_JSON);
            eng_template_free(t);
        } else {
            body_flush_lit(b);
            if (b->n == b->cap) {
                b->cap = b->cap ? 2 * b->cap : 8;
                if (!(b->p = realloc(b->p, b->cap * sizeof *b->p)))
                    abort();
            }
            b->p[b->n].lit = NULL;
            b->p[b->n].lit_len = 0;
            b->p[b->n].tmpl = t;
            b->n++;
        }
        eng_tmpl_buf_put(&b->lit, "\"", 1, ENG_TMPL_NONE);
    } else {
        eng_tmpl_buf_json(&b->lit, v, ENG_TMPL_NONE);
    }
    return 0;
}

/* --- secrets --- */

/* Expands ${NAME} from the environment. Returns a new string or NULL with
 * err naming the variable (never the value). */
static char *expand_env(const char *s, const char *what, struct eng_error *err)
{
    struct eng_tmpl_buf b = {0};
    eng_tmpl_buf_put(&b, "", 0, ENG_TMPL_NONE);
    while (*s) {
        if (s[0] == '$' && s[1] == '{') {
            const char *e = strchr(s + 2, '}');
            if (!e || e == s + 2) {
                eng_error_set(err, "%s: unterminated or empty ${...}", what);
                eng_tmpl_buf_free(&b);
                return NULL;
            }
            char name[256];
            size_t n = (size_t)(e - s - 2);
            if (n >= sizeof name) {
                eng_error_set(err, "%s: variable name too long", what);
                eng_tmpl_buf_free(&b);
                return NULL;
            }
            memcpy(name, s + 2, n);
            name[n] = 0;
            const char *val = getenv(name);
            if (!val) {
                eng_error_set(err, "%s: environment variable %s is not set",
                              what, name);
                eng_tmpl_buf_free(&b);
                return NULL;
            }
            eng_tmpl_buf_put(&b, val, strlen(val), ENG_TMPL_NONE);
            s = e + 1;
        } else {
            eng_tmpl_buf_put(&b, s, 1, ENG_TMPL_NONE);
            s++;
        }
    }
    return b.data;
}

/* --- argv --- */

void emit_argv_free(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

char **emit_argv_split(const char *s, struct eng_error *err)
{
    char **v = NULL;
    size_t n = 0;
    struct eng_tmpl_buf w = {0};
    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        w.len = 0;
        eng_tmpl_buf_put(&w, "", 0, ENG_TMPL_NONE);
        while (*s && *s != ' ' && *s != '\t') {
            if (*s == '\'') {
                const char *e = strchr(s + 1, '\'');
                if (!e)
                    goto unterminated;
                eng_tmpl_buf_put(&w, s + 1, (size_t)(e - s - 1), ENG_TMPL_NONE);
                s = e + 1;
            } else if (*s == '"') {
                s++;
                while (*s && *s != '"') {
                    if (*s == '\\' && s[1])
                        s++;
                    eng_tmpl_buf_put(&w, s, 1, ENG_TMPL_NONE);
                    s++;
                }
                if (*s != '"')
                    goto unterminated;
                s++;
            } else {
                if (*s == '\\' && s[1])
                    s++;
                eng_tmpl_buf_put(&w, s, 1, ENG_TMPL_NONE);
                s++;
            }
        }
        if (!(v = realloc(v, (n + 2) * sizeof *v)))
            abort();
        v[n++] = xstrdup(w.data);
        v[n] = NULL;
    }
    eng_tmpl_buf_free(&w);
    if (!n) {
        eng_error_set(err, "empty command");
        free(v);
        return NULL;
    }
    return v;
unterminated:
    eng_tmpl_buf_free(&w);
    emit_argv_free(v);
    eng_error_set(err, "unterminated quote in command");
    return NULL;
}

/* --- channels --- */

static int load_channel(struct emit_config *c, const char *name,
                        const json_t *v, struct emit_channel *ch,
                        struct eng_error *err)
{
    static const char *const keys[] = {
        "sink", "timeout", "retries", "backoff", "concurrency", "insecure",
        "frequency", "quiet_hours", "body", "template", "headers", NULL};
    const struct eng_config *y = c->yaml;
    struct eng_error e2;

    ch->name = xstrdup(name);
    ch->timeout_ms = 10000;
    ch->retries = 2;
    ch->backoff_ms = 200;
    ch->concurrency = 16;
    if (eng_config_check_keys(y, v, keys, "channel", err) < 0)
        return -1;
    json_t *sink = json_object_get(v, "sink");
    if (!json_is_string(sink))
        return sink ? eng_config_error_member(y, v, "sink", err,
                                              "sink: expected a string")
                    : eng_config_error(y, v, err, "channel '%s': no sink", name);
    const char *s = json_string_value(sink);
    ch->sink = xstrdup(s);
    if (strcmp(s, "stdout") == 0) {
        ch->kind = SINK_STDOUT;
    } else if (strncmp(s, "file:", 5) == 0 && s[5]) {
        ch->kind = SINK_FILE;
        ch->target = xstrdup(s + 5);
    } else if ((strncmp(s, "http://", 7) == 0 && s[7]) ||
               (strncmp(s, "https://", 8) == 0 && s[8])) {
        ch->kind = SINK_HTTP;
        ch->target = xstrdup(s);
    } else if ((strncmp(s, "exec:", 5) == 0) || strncmp(s, "pipe:", 5) == 0) {
        ch->kind = s[0] == 'e' ? SINK_EXEC : SINK_PIPE;
        ch->target = xstrdup(s + 5);
        if (!(ch->argv = emit_argv_split(s + 5, &e2)))
            return eng_config_error_member(y, v, "sink", err, "sink: %s", e2.msg);
    } else {
        return eng_config_error_member(y, v, "sink", err,
                                       "sink: expected stdout, file:PATH, "
                                       "http://..., https://..., exec:CMD or "
                                       "pipe:CMD");
    }
    long long n;
    if (json_object_get(v, "timeout") &&
        get_duration(y, v, "timeout", &ch->timeout_ms, err) < 0)
        return -1;
    if (json_object_get(v, "backoff") &&
        get_duration(y, v, "backoff", &ch->backoff_ms, err) < 0)
        return -1;
    if (json_object_get(v, "retries")) {
        if (get_count(y, v, "retries", 0, 20, &n, err) < 0)
            return -1;
        ch->retries = (int)n;
    }
    if (json_object_get(v, "concurrency")) {
        if (get_count(y, v, "concurrency", 1, 256, &n, err) < 0)
            return -1;
        ch->concurrency = (int)n;
    }
    json_t *ins = json_object_get(v, "insecure");
    if (ins && !json_is_boolean(ins))
        return eng_config_error_member(y, v, "insecure", err,
                                       "insecure: expected true or false");
    ch->insecure = json_is_true(ins);
    if (ch->timeout_ms <= 0)
        return eng_config_error_member(y, v, "timeout", err, "timeout: must be > 0");
    if (json_object_get(v, "frequency") &&
        load_freq(y, v, "frequency", &ch->freq, err) < 0)
        return -1;
    if (json_object_get(v, "quiet_hours")) {
        ch->has_quiet = 1;
        if (load_quiet(y, v, &ch->quiet, err) < 0)
            return -1;
    }
    json_t *body = json_object_get(v, "body");
    json_t *tmpl = json_object_get(v, "template");
    if (body && tmpl)
        return eng_config_error_member(y, v, "template", err,
                                       "a channel has a body or a template, "
                                       "not both");
    if (body) {
        if (!json_is_object(body) && !json_is_array(body))
            return eng_config_error_member(y, v, "body", err,
                                           "body: expected a mapping");
        struct bodyc b = {0};
        int rc = body_compile(y, body, &b, err);
        body_flush_lit(&b);
        eng_tmpl_buf_free(&b.lit);
        ch->body = b.p;
        ch->nbody = b.n;
        if (rc < 0)
            return -1;
    }
    if (tmpl) {
        if (!json_is_string(tmpl) ||
            !(ch->tmpl_name = eng_template_compile(json_string_value(tmpl),
                                                   json_string_length(tmpl), &e2)))
            return eng_config_error_member(y, v, "template", err,
                                           "template: %s", json_is_string(tmpl)
                                           ? e2.msg : "expected a file name");
    }
    json_t *hdrs = json_object_get(v, "headers");
    if (hdrs) {
        if (!json_is_object(hdrs))
            return eng_config_error_member(y, v, "headers", err,
                                           "headers: expected a mapping");
        if (ch->kind != SINK_HTTP)
            return eng_config_error_member(y, v, "headers", err,
                                           "headers: only for http(s) sinks");
        ch->headers = calloc(json_object_size(hdrs) + 1, sizeof *ch->headers);
        if (!ch->headers)
            abort();
        const char *k;
        json_t *hv;
        json_object_foreach(hdrs, k, hv) {
            char what[300];
            snprintf(what, sizeof what, "header %s", k);
            if (!json_is_string(hv) || strpbrk(k, ":\r\n "))
                return eng_config_error_member(y, hdrs, k, err,
                                               "%s: expected a string value "
                                               "and a name without ':' or blanks",
                                               what);
            char *val = expand_env(json_string_value(hv), what, &e2);
            if (!val)
                return eng_config_error_member(y, hdrs, k, err, "%s", e2.msg);
            ch->headers[ch->nheaders].name = xstrdup(k);
            ch->headers[ch->nheaders].value = val;
            ch->nheaders++;
            if (strpbrk(val, "\r\n"))
                return eng_config_error_member(y, hdrs, k, err,
                                               "%s: value has a line break", what);
        }
    }
    return 0;
}

char *emit_config_file(const struct emit_config *c, const char *name)
{
    size_t n = strlen(c->dir) + strlen(name) + 1;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s%s", name[0] == '/' ? "" : c->dir, name);
    return p;
}

int emit_config_load(struct emit_config *c, const char *path,
                     struct eng_error *err)
{
    static const char *const top[] = {"defaults", "suppress", "control",
                                      "arbitration", "channels", NULL};
    memset(c, 0, sizeof *c);
    /* files the config names travel with it, as eng-enrich's master
     * files do; outputs (file: sinks) stay relative to the working
     * directory, where a run puts its results */
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    if (!(c->dir = malloc(dl + 1)))
        abort();
    memcpy(c->dir, path, dl);
    c->dir[dl] = '\0';
    if (!(c->yaml = eng_config_load(path, err)))
        return -1;
    const struct eng_config *y = c->yaml;
    json_t *root = eng_config_root(y);
    if (!root) {
        eng_error_set(err, "%s: empty configuration", path);
        return -1;
    }
    if (eng_config_check_keys(y, root, top, "the configuration", err) < 0)
        return -1;

    json_t *d = json_object_get(root, "defaults");
    if (d) {
        static const char *const dk[] = {"frequency", "quiet_hours", NULL};
        if (eng_config_check_keys(y, d, dk, "defaults", err) < 0)
            return -1;
        if (json_object_get(d, "frequency") &&
            load_freq(y, d, "frequency", &c->freq, err) < 0)
            return -1;
        if (json_object_get(d, "quiet_hours") && load_quiet(y, d, &c->quiet, err) < 0)
            return -1;
    }

    json_t *s = json_object_get(root, "suppress");
    const char *defmatch[] = {"customer", NULL};
    if (s) {
        static const char *const sk[] = {"opt_out", "match", "when", NULL};
        if (eng_config_check_keys(y, s, sk, "suppress", err) < 0)
            return -1;
        json_t *o = json_object_get(s, "opt_out");
        if (o) {
            if (!json_is_string(o) || !json_string_length(o))
                return eng_config_error_member(y, s, "opt_out", err,
                                               "opt_out: expected a file name");
            c->opt_out = emit_config_file(c, json_string_value(o));
        }
        json_t *m = json_object_get(s, "match");
        if (m) {
            if (!json_is_array(m) || !json_array_size(m))
                return eng_config_error_member(y, s, "match", err,
                                               "match: expected a list of paths");
            c->opt_out_paths = calloc(json_array_size(m), sizeof(void *));
            size_t i;
            json_t *p;
            json_array_foreach(m, i, p) {
                struct eng_error pe;
                if (!json_is_string(p) ||
                    !(c->opt_out_paths[i] = eng_path_compile(json_string_value(p), &pe)))
                    return eng_config_error(y, p, err, "match: %s",
                                            json_is_string(p) ? pe.msg
                                                              : "expected a path");
                c->nopt_out_paths++;
            }
        }
        json_t *w = json_object_get(s, "when");
        if (w) {
            struct eng_pos pos = {0, 0, 0};
            static const struct eng_expr_env env = {"action", NULL, 0};
            if (!json_is_string(w))
                return eng_config_error_member(y, s, "when", err,
                                               "when: expected an expression");
            eng_config_pos_member(y, s, "when", &pos);
            if (!(c->when = eng_expr_compile(json_string_value(w),
                                             json_string_length(w), &env,
                                             eng_config_file(y), pos.line,
                                             pos.col + (pos.quoted == 1), err)))
                return -1;
        }
    }
    if (c->opt_out && !c->opt_out_paths) {
        c->opt_out_paths = calloc(1, sizeof(void *));
        c->opt_out_paths[0] = eng_path_compile(defmatch[0], err);
        c->nopt_out_paths = 1;
    }

    json_t *ctl = json_object_get(root, "control");
    if (ctl) {
        static const char *const ck[] = {"percent", "salt", NULL};
        if (eng_config_check_keys(y, ctl, ck, "control", err) < 0)
            return -1;
        json_t *p = json_object_get(ctl, "percent");
        double pct = json_is_number(p) ? json_number_value(p) : -1;
        if (pct < 0 || pct > 100)
            return eng_config_error_member(y, ctl, "percent", err,
                                           "percent: expected a number from 0 to 100");
        json_t *salt = json_object_get(ctl, "salt");
        if (salt && !json_is_string(salt))
            return eng_config_error_member(y, ctl, "salt", err,
                                           "salt: expected a string");
        c->control = 1;
        c->control_buckets = (unsigned)llround(pct * 100);
        c->control_salt = xstrdup(salt ? json_string_value(salt) : "");
    }

    json_t *arb = json_object_get(root, "arbitration");
    if (arb) {
        static const char *const ak[] = {"by", "hold", NULL};
        if (eng_config_check_keys(y, arb, ak, "arbitration", err) < 0)
            return -1;
        json_t *by = json_object_get(arb, "by");
        if (by && (!json_is_string(by) || strcmp(json_string_value(by), "priority")))
            return eng_config_error_member(y, arb, "by", err,
                                           "by: only 'priority' is supported");
        if (get_duration(y, arb, "hold", &c->hold_ms, err) < 0)
            return -1;
        c->arbitrate = 1;
    }

    json_t *chs = json_object_get(root, "channels");
    if (!json_is_object(chs) || !json_object_size(chs))
        return chs ? eng_config_error_member(y, root, "channels", err,
                                             "channels: expected a mapping of "
                                             "channel names")
                   : eng_config_error(y, root, err, "no channels: configured");
    c->ch = calloc(json_object_size(chs), sizeof *c->ch);
    if (!c->ch)
        abort();
    const char *k;
    json_t *v;
    json_object_foreach(chs, k, v) {
        struct emit_channel *ch = &c->ch[c->nch];
        ch->idx = (int)c->nch;
        c->nch++;
        if (load_channel(c, k, v, ch, err) < 0)
            return -1;
        if (strcmp(k, "*") == 0)
            c->star = ch;
    }
    return 0;
}

struct emit_channel *emit_config_channel(const struct emit_config *c,
                                         const char *name)
{
    if (name)
        for (size_t i = 0; i < c->nch; i++)
            if (strcmp(c->ch[i].name, name) == 0)
                return &c->ch[i];
    return c->star;
}

void emit_config_free(struct emit_config *c)
{
    for (size_t i = 0; i < c->nch; i++) {
        struct emit_channel *ch = &c->ch[i];
        free(ch->name);
        free(ch->sink);
        free(ch->target);
        emit_argv_free(ch->argv);
        quiet_free(&ch->quiet);
        for (size_t j = 0; j < ch->nbody; j++) {
            free(ch->body[j].lit);
            eng_template_free(ch->body[j].tmpl);
        }
        free(ch->body);
        eng_template_free(ch->tmpl_name);
        for (size_t j = 0; j < ch->nheaders; j++) {
            free(ch->headers[j].name);
            /* wipe the secret before giving the memory back */
            memset(ch->headers[j].value, 0, strlen(ch->headers[j].value));
            free(ch->headers[j].value);
        }
        free(ch->headers);
    }
    free(c->ch);
    quiet_free(&c->quiet);
    free(c->opt_out);
    free(c->dir);
    for (size_t i = 0; i < c->nopt_out_paths; i++)
        eng_path_free(c->opt_out_paths[i]);
    free(c->opt_out_paths);
    eng_expr_free(c->when);
    free(c->control_salt);
    eng_config_free(c->yaml);
    memset(c, 0, sizeof *c);
}
