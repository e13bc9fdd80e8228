/* template: compile "{{path | default: "x"}}" templates once, render them
 * per record (template.h has the syntax and the rendering rules).
 *
 * A compiled template is a list of parts, each either literal bytes (a span
 * of the template's own copy of its text) or a placeholder (a compiled path
 * and an optional default). Rendering walks the list and appends to the
 * caller's buffer; the only allocation is the buffer growing.
 *
 * Paths are resolved by hand rather than with eng_path_get, because the
 * first step may name the whole record or an alias instead of a field: the
 * walk starts at the value the first step names and applies the rest.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"
#include "template.h"

struct part {
    size_t off, len;          /* literal: span of t->text */
    struct eng_path *path;    /* placeholder when non-NULL */
    char *def;                /* default text (NULL: none) */
    size_t def_len;
};

struct eng_template {
    char *text;
    struct part *parts;
    size_t nparts, nfields;
};

/* ---------------------------------------------------------------- buffer */

static int buf_reserve(struct eng_tmpl_buf *b, size_t extra)
{
    if (b->cap - b->len > extra)
        return 0;
    size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d)
        return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static int buf_raw(struct eng_tmpl_buf *b, const char *s, size_t len)
{
    if (buf_reserve(b, len) < 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

void eng_tmpl_buf_free(struct eng_tmpl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Escapes for the content of a JSON string: '"', '\\' and control
 * characters; everything else (UTF-8 included) is copied in runs. */
int eng_tmpl_buf_put(struct eng_tmpl_buf *out, const char *s, size_t len,
                     enum eng_tmpl_escape esc)
{
    if (esc == ENG_TMPL_NONE)
        return buf_raw(out, s, len);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if (buf_raw(out, s + run, i - run) < 0)
            return -1;
        char e[8];
        size_t n = 2;
        e[0] = '\\';
        switch (c) {
        case '"': e[1] = '"'; break;
        case '\\': e[1] = '\\'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        default:
            snprintf(e, sizeof e, "\\u%04x", c);
            n = 6;
        }
        if (buf_raw(out, e, n) < 0)
            return -1;
        run = i + 1;
    }
    return buf_raw(out, s + run, len - run);
}

/* The shortest "%.*g" that reads back as d, with ".0" added to an integral
 * form so a real stays a real when the text is parsed again. */
static size_t format_real(double d, char *buf, size_t size)
{
    if (!isfinite(d))
        return (size_t)snprintf(buf, size, "null");
    int n = 0, prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(buf, size, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    /* prec significant digits suffice; write them positionally when the
     * exponent is moderate (90.0, 0.001), in exponent form otherwise */
    snprintf(buf, size, "%.*e", prec - 1, d);
    int x = atoi(strchr(buf, 'e') + 1);
    if (x >= -5 && x < 17)
        n = snprintf(buf, size, "%.*f", prec - 1 - x > 0 ? prec - 1 - x : 0, d);
    else
        n = snprintf(buf, size, "%.*g", prec, d);
    if (!strpbrk(buf, ".eEn"))
        n += snprintf(buf + n, size - (size_t)n, ".0");
    return (size_t)n;
}

/* A string inside a list or map: its JSON literal (quotes included), which
 * a JSON sink then escapes once more. */
static int put_literal(struct eng_tmpl_buf *out, const char *s, size_t len,
                       enum eng_tmpl_escape esc)
{
    if (esc == ENG_TMPL_NONE)
        return buf_raw(out, "\"", 1) || eng_tmpl_buf_put(out, s, len, ENG_TMPL_JSON) ||
               buf_raw(out, "\"", 1) ? -1 : 0;
    struct eng_tmpl_buf lit = {0};
    int rc = buf_raw(&lit, "\"", 1) || eng_tmpl_buf_put(&lit, s, len, ENG_TMPL_JSON) ||
             buf_raw(&lit, "\"", 1) || eng_tmpl_buf_put(out, lit.data, lit.len, esc);
    eng_tmpl_buf_free(&lit);
    return rc ? -1 : 0;
}

/* JSON text of v into out (escaped for esc as a whole, since the text
 * itself lands inside a JSON string for the JSON sink). */
static int put_json(struct eng_tmpl_buf *out, const json_t *v,
                    enum eng_tmpl_escape esc, int quote_strings)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (!quote_strings)
            return eng_tmpl_buf_put(out, json_string_value(v),
                                    json_string_length(v), esc);
        return put_literal(out, json_string_value(v), json_string_length(v),
                           esc);
    case JSON_INTEGER:
        return buf_raw(out, num, (size_t)snprintf(num, sizeof num, "%" PRId64,
                                                  (int64_t)json_integer_value(v)));
    case JSON_REAL:
        return buf_raw(out, num, format_real(json_real_value(v), num, sizeof num));
    case JSON_TRUE:
        return buf_raw(out, "true", 4);
    case JSON_FALSE:
        return buf_raw(out, "false", 5);
    case JSON_NULL:
        return buf_raw(out, "null", 4);
    case JSON_ARRAY: {
        size_t i;
        json_t *e;
        if (buf_raw(out, "[", 1) < 0)
            return -1;
        json_array_foreach(v, i, e) {
            if ((i && buf_raw(out, ",", 1) < 0) || put_json(out, e, esc, 1) < 0)
                return -1;
        }
        return buf_raw(out, "]", 1);
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *e;
        int first = 1;
        if (buf_raw(out, "{", 1) < 0)
            return -1;
        json_object_foreach((json_t *)v, k, e) {
            int rc = (!first && buf_raw(out, ",", 1) < 0) ||
                     put_literal(out, k, strlen(k), esc) < 0 ||
                     buf_raw(out, ":", 1) < 0 || put_json(out, e, esc, 1) < 0;
            if (rc)
                return -1;
            first = 0;
        }
        return buf_raw(out, "}", 1);
    }
    }
    return -1;
}

int eng_tmpl_buf_json(struct eng_tmpl_buf *out, const json_t *v,
                      enum eng_tmpl_escape esc)
{
    return put_json(out, v, esc, 1);
}

/* ---------------------------------------------------------------- compile */

void eng_template_free(struct eng_template *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nparts; i++) {
        eng_path_free(t->parts[i].path);
        free(t->parts[i].def);
    }
    free(t->parts);
    free(t->text);
    free(t);
}

static struct part *add_part(struct eng_template *t)
{
    struct part *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (!p)
        return NULL;
    t->parts = p;
    p += t->nparts++;
    memset(p, 0, sizeof *p);
    return p;
}

static size_t skip_blanks(const char *s, size_t i, size_t end)
{
    while (i < end && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* End of the path text starting at i: the first blank, '|' or "}}" outside
 * brackets and quotes. Returns end when the template ends first. */
static size_t path_end(const char *s, size_t i, size_t end)
{
    int depth = 0;
    char q = 0;
    for (; i < end; i++) {
        char c = s[i];
        if (q) {
            if (c == '\\')
                i++;
            else if (c == q)
                q = 0;
        } else if (depth && (c == '"' || c == '\'')) {
            q = c;
        } else if (c == '[') {
            depth++;
        } else if (c == ']') {
            depth--;
        } else if (!depth && (c == ' ' || c == '\t' || c == '|' ||
                              (c == '}' && i + 1 < end && s[i + 1] == '}'))) {
            return i;
        }
    }
    return end;
}

/* Reads a quoted default at s[i] ('"' or '\''); sets *after past the closing
 * quote. Double quotes take JSON escapes (decoded by jansson, so the rules
 * are JSON's); single quotes take \' and \\. */
static char *read_default(const char *s, size_t i, size_t end, size_t *after,
                          size_t *outlen)
{
    char q = s[i];
    size_t j = i + 1;
    while (j < end && s[j] != q)
        j += s[j] == '\\' ? 2 : 1;
    if (j >= end)
        return NULL;
    *after = j + 1;
    if (q == '"') {
        json_t *v = json_loadb(s + i, j + 1 - i, JSON_DECODE_ANY, NULL);
        if (!v || !json_is_string(v)) {
            json_decref(v);
            return NULL;
        }
        *outlen = json_string_length(v);
        char *d = malloc(*outlen + 1);
        if (d)
            memcpy(d, json_string_value(v), *outlen + 1);
        json_decref(v);
        return d;
    }
    char *d = malloc(j - i);
    size_t n = 0;
    if (!d)
        return NULL;
    for (size_t k = i + 1; k < j; k++) {
        if (s[k] == '\\' && (s[k + 1] == '\'' || s[k + 1] == '\\'))
            k++;
        d[n++] = s[k];
    }
    d[n] = '\0';
    *outlen = n;
    return d;
}

static int compile_field(struct eng_template *t, const char *s, size_t open,
                         size_t end, size_t *next, struct eng_error *err)
{
    size_t i = skip_blanks(s, open + 2, end), pe = path_end(s, i, end);
    if (pe == i) {
        if (pe < end && s[pe] == '}')
            eng_error_set(err, "empty '{{}}' at column %zu", open + 1);
        else if (pe < end && s[pe] == '|')
            eng_error_set(err, "missing path before '|' at column %zu", pe + 1);
        else
            eng_error_set(err, "unterminated '{{' at column %zu", open + 1);
        return -1;
    }
    if (pe >= end) {
        eng_error_set(err, "unterminated '{{' at column %zu", open + 1);
        return -1;
    }
    char *ptext = strndup(s + i, pe - i);
    struct eng_error perr;
    struct part *p = add_part(t);
    if (!ptext || !p) {
        free(ptext);
        eng_error_set(err, "out of memory");
        return -1;
    }
    p->path = eng_path_compile(ptext, &perr);
    free(ptext);
    if (!p->path) {
        eng_error_set(err, "%s (column %zu)", perr.msg, i + 1);
        return -1;
    }
    t->nfields++;
    i = skip_blanks(s, pe, end);
    if (i < end && s[i] == '|') {
        size_t f = skip_blanks(s, i + 1, end), fe = f;
        while (fe < end && (isalnum((unsigned char)s[fe]) || s[fe] == '_'))
            fe++;
        if (fe - f != 7 || memcmp(s + f, "default", 7) != 0) {
            eng_error_set(err, "unknown filter '%.*s' at column %zu (expected "
                          "default)", (int)(fe - f), s + f, f + 1);
            return -1;
        }
        i = skip_blanks(s, fe, end);
        if (i >= end || s[i] != ':') {
            eng_error_set(err, "expected ':' after default at column %zu", i + 1);
            return -1;
        }
        i = skip_blanks(s, i + 1, end);
        if (i >= end || (s[i] != '"' && s[i] != '\'') ||
            !(p->def = read_default(s, i, end, &i, &p->def_len))) {
            eng_error_set(err, "expected a quoted string after 'default:' at "
                          "column %zu", i + 1);
            return -1;
        }
        i = skip_blanks(s, i, end);
    }
    if (i + 1 >= end || s[i] != '}' || s[i + 1] != '}') {
        if (i >= end)
            eng_error_set(err, "unterminated '{{' at column %zu", open + 1);
        else
            eng_error_set(err, "expected '}}' at column %zu", i + 1);
        return -1;
    }
    *next = i + 2;
    return 0;
}

struct eng_template *eng_template_compile(const char *text, size_t len,
                                          struct eng_error *err)
{
    struct eng_template *t = calloc(1, sizeof *t);
    if (!t || !(t->text = malloc(len + 1))) {
        free(t);
        eng_error_set(err, "out of memory");
        return NULL;
    }
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    size_t lit = 0, i = 0;
    while (i < len) {
        if (!(text[i] == '{' && i + 1 < len && text[i + 1] == '{')) {
            i++;
            continue;
        }
        if (i > lit) {
            struct part *p = add_part(t);
            if (!p)
                goto oom;
            p->off = lit;
            p->len = i - lit;
        }
        if (compile_field(t, t->text, i, len, &i, err) < 0)
            goto fail;
        lit = i;
    }
    if (len > lit) {
        struct part *p = add_part(t);
        if (!p)
            goto oom;
        p->off = lit;
        p->len = len - lit;
    }
    return t;
oom:
    eng_error_set(err, "out of memory");
fail:
    eng_template_free(t);
    return NULL;
}

int eng_template_is_literal(const struct eng_template *t)
{
    return t->nfields == 0;
}

size_t eng_template_nfields(const struct eng_template *t)
{
    return t->nfields;
}

const struct eng_path *eng_template_field(const struct eng_template *t,
                                          size_t i)
{
    for (size_t k = 0; k < t->nparts; k++)
        if (t->parts[k].path && i-- == 0)
            return t->parts[k].path;
    return NULL;
}

/* ---------------------------------------------------------------- render */

const json_t *eng_template_lookup(const struct eng_path *p,
                                  const struct eng_tmpl_scope *scope)
{
    size_t n = eng_path_len(p), i = 1;
    const char *first = eng_path_key(p, 0);
    const json_t *v = NULL;

    if (first && scope->whole_name && strcmp(first, scope->whole_name) == 0) {
        v = scope->whole;
    } else {
        for (size_t a = 0; first && a < scope->naliases; a++) {
            if (strcmp(first, scope->alias_names[a]) == 0) {
                v = scope->alias_values[a];
                break;
            }
        }
        if (!v)
            i = 0, v = scope->whole;
    }
    for (; v && i < n; i++) {
        const char *k = eng_path_key(p, i);
        if (k) {
            v = json_is_object(v) ? json_object_get(v, k) : NULL;
        } else if (json_is_array(v)) {
            long ix = eng_path_index(p, i);
            long sz = (long)json_array_size(v);
            if (ix < 0)
                ix += sz;
            v = ix >= 0 && ix < sz ? json_array_get(v, (size_t)ix) : NULL;
        } else {
            v = NULL;
        }
    }
    return v;
}

int eng_template_render(const struct eng_template *t,
                        const struct eng_tmpl_scope *scope,
                        enum eng_tmpl_escape esc, struct eng_tmpl_buf *out,
                        unsigned long long *missing)
{
    /* make sure data is non-NULL and terminated even for "" */
    if (buf_reserve(out, 0) < 0)
        return -1;
    out->data[out->len] = '\0';
    for (size_t i = 0; i < t->nparts; i++) {
        const struct part *p = &t->parts[i];
        int rc;
        if (!p->path) {
            rc = eng_tmpl_buf_put(out, t->text + p->off, p->len, esc);
        } else {
            const json_t *v = eng_template_lookup(p->path, scope);
            if (!v || json_is_null(v)) {
                if (missing)
                    (*missing)++;
                rc = p->def ? eng_tmpl_buf_put(out, p->def, p->def_len, esc) : 0;
            } else {
                rc = put_json(out, v, esc, 0);
            }
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}
