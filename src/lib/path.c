/* path: compiling `a.b[2].c` into steps, and walking jansson values.
 *
 * Grammar (columns in messages are 1-based byte offsets into the text):
 *
 *     path    := first rest*
 *     first   := name | bracket
 *     rest    := '.' name | bracket
 *     name    := [A-Za-z_] [A-Za-z0-9_-]*
 *     bracket := '[' ( '-'? [0-9]+ | '"' chars '"' | '\'' chars '\'' ) ']'
 *
 * Quoted names take JSON string escapes (\" \\ \/ \b \f \n \r \t \uXXXX with
 * surrogate pairs) plus \' ; the result must be valid UTF-8 without NUL,
 * since jansson object keys are C strings.
 *
 * Each step keeps the offset where it ends in the source text, so error
 * messages can name the prefix that went wrong ("'a.b' is a string").
 * get walks without allocating; set creates only objects, never arrays.
 */
#include "path.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct step {
    char *key;    /* NULL for an index step */
    long index;
    size_t end;   /* offset in text just after this step */
};

struct eng_path {
    char *text;
    size_t n;
    struct step *steps;
};

void eng_path_free(struct eng_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->steps[i].key);
    free(p->steps);
    free(p->text);
    free(p);
}

const char *eng_path_text(const struct eng_path *p) { return p->text; }
size_t eng_path_len(const struct eng_path *p) { return p->n; }

const char *eng_path_key(const struct eng_path *p, size_t i)
{
    return i < p->n ? p->steps[i].key : NULL;
}

long eng_path_index(const struct eng_path *p, size_t i)
{
    return i < p->n ? p->steps[i].index : 0;
}

/* ---- compiling ---- */

struct comp {
    const char *s;
    size_t i;
    struct eng_path *p;
    size_t cap;
    struct eng_error *err;
};

static int bad(struct comp *c, size_t at, const char *what)
{
    eng_error_set(c->err, "bad path '%s': %s at column %zu", c->s, what, at + 1);
    return -1;
}

static int push(struct comp *c, char *key, long index)
{
    if (c->p->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 4;
        struct step *ns = realloc(c->p->steps, ncap * sizeof *ns);
        if (!ns) {
            free(key);
            eng_error_set(c->err, "bad path '%s': out of memory", c->s);
            return -1;
        }
        c->p->steps = ns;
        c->cap = ncap;
    }
    c->p->steps[c->p->n++] = (struct step){key, index, c->i};
    return 0;
}

static int is_name_start(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static int is_name_char(char ch)
{
    return is_name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-';
}

static int name(struct comp *c)
{
    size_t start = c->i;
    char ch = c->s[start];
    if (ch == '\0' || ch == '.' || ch == '[')
        return bad(c, start, "empty name");
    if (!is_name_start(ch))
        return bad(c, start, "a name must start with a letter or '_'");
    while (is_name_char(c->s[c->i]))
        c->i++;
    char *key = strndup(c->s + start, c->i - start);
    if (!key)
        return bad(c, start, "out of memory");
    return push(c, key, 0);
}

static int hexval(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char ch = s[k];
        v <<= 4;
        if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Strict UTF-8 check (no overlongs, no surrogates, <= U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char b = s[i];
        size_t len;
        unsigned cp, min;
        if (b < 0x80) { i++; continue; }
        if ((b & 0xE0) == 0xC0) { len = 2; cp = b & 0x1F; min = 0x80; }
        else if ((b & 0xF0) == 0xE0) { len = 3; cp = b & 0x0F; min = 0x800; }
        else if ((b & 0xF8) == 0xF0) { len = 4; cp = b & 0x07; min = 0x10000; }
        else return 0;
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/* A quoted name; c->i is at the opening quote. */
static int quoted(struct comp *c)
{
    size_t open = c->i;
    char q = c->s[c->i++];
    /* The decoded key is never longer than its source. */
    char *key = malloc(strlen(c->s + c->i) + 1), *o = key;
    if (!key)
        return bad(c, open, "out of memory");
    for (;;) {
        size_t at = c->i;
        char ch = c->s[c->i];
        if (ch == '\0') {
            free(key);
            return bad(c, open, "unterminated string");
        }
        c->i++;
        if (ch == q)
            break;
        if (ch != '\\') {
            *o++ = ch;
            continue;
        }
        unsigned cp, lo;
        switch (c->s[c->i++]) {
        case '"': *o++ = '"'; break;
        case '\'': *o++ = '\''; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u':
            if (hexval(c->s + c->i, &cp) < 0)
                goto bad_escape;
            c->i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                goto bad_escape;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (c->s[c->i] != '\\' || c->s[c->i + 1] != 'u' ||
                    hexval(c->s + c->i + 2, &lo) < 0 || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    goto bad_escape;
                c->i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) {
                free(key);
                return bad(c, at, "NUL in a name");
            }
            o += put_utf8(o, cp);
            break;
        default:
        bad_escape:
            free(key);
            return bad(c, at, "bad escape");
        }
    }
    *o = '\0';
    if (!utf8_ok((const unsigned char *)key, (size_t)(o - key))) {
        free(key);
        return bad(c, open, "name is not valid UTF-8");
    }
    if (c->s[c->i] != ']') {
        free(key);
        return bad(c, c->i, "expected ']'");
    }
    c->i++;
    return push(c, key, 0);
}

static int bracket(struct comp *c)
{
    size_t open = c->i++;
    char ch = c->s[c->i];
    if (ch == '"' || ch == '\'')
        return quoted(c);
    size_t start = c->i;
    if (ch == '-')
        c->i++;
    if (!(c->s[c->i] >= '0' && c->s[c->i] <= '9'))
        return bad(c, ch == '-' ? c->i : open + 1,
                   "expected an index or a quoted name");
    errno = 0;
    char *end;
    long v = strtol(c->s + start, &end, 10);
    if (errno == ERANGE)
        return bad(c, start, "index out of range");
    c->i = (size_t)(end - c->s);
    if (c->s[c->i] != ']')
        return bad(c, c->i, "expected ']'");
    c->i++;
    return push(c, NULL, v);
}

struct eng_path *eng_path_compile(const char *text, struct eng_error *err)
{
    struct comp c = {text, 0, NULL, 0, err};
    if (!text || !*text) {
        eng_error_set(err, "bad path '': empty path");
        return NULL;
    }
    if (!(c.p = calloc(1, sizeof *c.p)) || !(c.p->text = strdup(text))) {
        eng_error_set(err, "bad path '%s': out of memory", text);
        free(c.p);
        return NULL;
    }
    if ((text[0] == '[' ? bracket(&c) : name(&c)) < 0)
        goto bad;
    while (text[c.i]) {
        int rc;
        if (text[c.i] == '.') {
            c.i++;
            rc = name(&c);
        } else if (text[c.i] == '[') {
            rc = bracket(&c);
        } else {
            char what[64];
            unsigned char ch = (unsigned char)text[c.i];
            if (ch >= 0x20 && ch < 0x7F)
                snprintf(what, sizeof what, "unexpected '%c'", ch);
            else
                snprintf(what, sizeof what, "unexpected byte 0x%02X", ch);
            rc = bad(&c, c.i, what);
        }
        if (rc < 0)
            goto bad;
    }
    return c.p;
bad:
    eng_path_free(c.p);
    return NULL;
}

/* ---- walking ---- */

/* Resolves a step's index against an array size; -1 counts from the end.
 * Returns 0 with *out set, or -1 when out of range (for set, index == size
 * is allowed and means append). */
static int resolve_index(long index, size_t size, int allow_end, size_t *out)
{
    if (index < 0) {
        if ((unsigned long)-(index + 1) >= size)   /* -index > size */
            return -1;
        *out = size - (size_t)(-(index + 1)) - 1;
        return 0;
    }
    if ((unsigned long)index > size || ((unsigned long)index == size && !allow_end))
        return -1;
    *out = (size_t)index;
    return 0;
}

static json_t *step_get(const struct step *st, const json_t *cur)
{
    size_t i;
    if (st->key)
        return json_is_object(cur) ? json_object_get(cur, st->key) : NULL;
    if (!json_is_array(cur) ||
        resolve_index(st->index, json_array_size(cur), 0, &i) < 0)
        return NULL;
    return json_array_get(cur, i);
}

json_t *eng_path_get(const struct eng_path *p, const json_t *root)
{
    const json_t *cur = root;
    for (size_t i = 0; cur && i < p->n; i++)
        cur = step_get(&p->steps[i], cur);
    return (json_t *)cur;
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* "cannot set 'P': 'PREFIX' is a string" — prefix is the path text up to
 * (and including) step i-1, or "the root" when i == 0. */
static int set_error(const struct eng_path *p, size_t i, const json_t *cur,
                     struct eng_error *err)
{
    if (i == 0)
        eng_error_set(err, "cannot set '%s': the root is %s", p->text,
                      type_name(cur));
    else
        eng_error_set(err, "cannot set '%s': '%.*s' is %s", p->text,
                      (int)p->steps[i - 1].end, p->text, type_name(cur));
    return -1;
}

int eng_path_set(const struct eng_path *p, json_t *root, json_t *value,
                 struct eng_error *err)
{
    json_t *cur = root;
    size_t i, k;
    if (!root || !value) {
        eng_error_set(err, "cannot set '%s': no %s", p->text,
                      root ? "value" : "root");
        json_decref(value);
        return -1;
    }
    for (i = 0; i + 1 < p->n; i++) {
        const struct step *st = &p->steps[i];
        json_t *next;
        if (st->key) {
            if (!json_is_object(cur))
                goto wrong_type;
            next = json_object_get(cur, st->key);
            if (!next) {
                if (!p->steps[i + 1].key) {
                    eng_error_set(err, "cannot set '%s': '%.*s' does not exist "
                                  "(an index needs an existing array)",
                                  p->text, (int)st->end, p->text);
                    goto fail;
                }
                next = json_object();
                if (!next || json_object_set_new(cur, st->key, next) < 0) {
                    eng_error_set(err, "cannot set '%s': out of memory", p->text);
                    goto fail;
                }
            }
        } else {
            if (!json_is_array(cur))
                goto wrong_type;
            if (resolve_index(st->index, json_array_size(cur), 0, &k) < 0)
                goto out_of_range;
            next = json_array_get(cur, k);
        }
        cur = next;
    }
    const struct step *st = &p->steps[i];
    if (st->key) {
        if (!json_is_object(cur))
            goto wrong_type;
        if (json_object_set_new(cur, st->key, value) < 0) {
            eng_error_set(err, "cannot set '%s': out of memory", p->text);
            return -1;
        }
        return 0;
    }
    if (!json_is_array(cur))
        goto wrong_type;
    if (resolve_index(st->index, json_array_size(cur), 1, &k) < 0)
        goto out_of_range;
    if ((k == json_array_size(cur) ? json_array_append_new(cur, value)
                                   : json_array_set_new(cur, k, value)) < 0) {
        eng_error_set(err, "cannot set '%s': out of memory", p->text);
        return -1;
    }
    return 0;

wrong_type:
    set_error(p, i, cur, err);
    goto fail;
out_of_range:
    eng_error_set(err, "cannot set '%s': index %ld is out of range (size %zu)",
                  p->text, p->steps[i].index, json_array_size(cur));
fail:
    json_decref(value);
    return -1;
}

int eng_path_del(const struct eng_path *p, json_t *root)
{
    json_t *cur = root;
    size_t k;
    for (size_t i = 0; cur && i + 1 < p->n; i++)
        cur = step_get(&p->steps[i], cur);
    if (!cur)
        return 0;
    const struct step *st = &p->steps[p->n - 1];
    if (st->key)
        return json_is_object(cur) && json_object_del(cur, st->key) == 0;
    if (!json_is_array(cur) ||
        resolve_index(st->index, json_array_size(cur), 0, &k) < 0)
        return 0;
    return json_array_remove(cur, k) == 0;
}
