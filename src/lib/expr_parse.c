/* expr_parse: text to tree for the rule language (a CEL subset).
 *
 * A hand-written lexer and recursive-descent parser for cel-spec's grammar
 * (langdef.md, "Syntax"), lowest precedence first:
 *
 *   Expr    = Or ["?" Or ":" Expr]
 *   Or      = And {"||" And}
 *   And     = Rel {"&&" Rel}
 *   Rel     = Add {("<"|"<="|">="|">"|"=="|"!="|"in") Add}
 *   Add     = Mul {("+"|"-") Mul}
 *   Mul     = Unary {("*"|"/"|"%") Unary}
 *   Unary   = Member | "!" {"!"} Member | "-" {"-"} Member
 *   Member  = Primary {"." IDENT ["(" [Args] ")"] | "[" Expr "]"}
 *   Primary = ["."] IDENT ["(" [Args] ")"] | "(" Expr ")"
 *           | "[" [Args [","]] "]" | "{" [Inits [","]] "}" | LITERAL
 *
 * Names are resolved here, once: a comprehension variable in scope, then the
 * whole-record name, then an alias, else a top-level field of the record
 * (RULES.md). Macros (has, all, exists, exists_one, map, filter) are
 * recognised by name and shape, as CEL's parser does. `-` directly before an
 * int literal folds into it, so -9223372036854775808 is a literal.
 *
 * Invariants: (1) every node and buffer is owned by the expression
 * (expr_keep), so an error anywhere frees everything with the expression;
 * (2) the tree's height is at most MAX_DEPTH, which bounds the evaluator's
 * recursion; (3) no input makes the parser read past text[len).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "expr_int.h"

#define MAX_DEPTH 400

enum tok {
    T_EOF, T_INT, T_DOUBLE, T_STRING, T_IDENT,
    T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_LBRACE, T_RBRACE,
    T_DOT, T_COMMA, T_COLON, T_QUEST,
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PERCENT, T_BANG,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_AND, T_OR, T_IN,
    T_TRUE, T_FALSE, T_NULL
};

struct parser {
    struct eng_expr *e;
    const struct eng_expr_env *env;
    const char *s;
    size_t len, pos;
    const char *file;
    long line, col;
    struct eng_error *err;
    int failed;
    /* current token */
    enum tok t;
    size_t tstart;
    uint64_t ival;        /* T_INT magnitude */
    double dval;
    char *sval;           /* T_STRING (owned by e), T_IDENT (owned by e) */
    size_t slen;
    /* comprehension variables in scope, innermost last */
    const char *vars[EXPR_MAX_VARS];
    int nvars;
    int rdepth;           /* recursion depth of parse_expr/parse_unary */
};

void *expr_keep(struct eng_expr *e, void *p)
{
    if (!p)
        return NULL;
    if (e->nallocs == e->capallocs) {
        size_t cap = e->capallocs ? e->capallocs * 2 : 32;
        void **a = realloc(e->allocs, cap * sizeof *a);
        if (!a) {
            free(p);
            return NULL;
        }
        e->allocs = a;
        e->capallocs = cap;
    }
    e->allocs[e->nallocs++] = p;
    return p;
}

void expr_free_nodes(struct eng_expr *e)
{
    for (size_t i = 0; i < e->nallocs; i++)
        free(e->allocs[i]);
    free(e->allocs);
    e->allocs = NULL;
    e->nallocs = e->capallocs = 0;
}

static void where(const struct parser *p, size_t off, long *line, long *col)
{
    long l = p->line, c = p->col;
    for (size_t i = 0; i < off && i < p->len; i++) {
        if (p->s[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static void fail_at(struct parser *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long l, c;
    where(p, off, &l, &c);
    eng_error_at(p->err, p->file ? p->file : "<expr>", l, c, "%s", msg);
}

static void *palloc(struct parser *p, size_t n)
{
    void *m = expr_keep(p->e, calloc(1, n ? n : 1));
    if (!m)
        fail_at(p, p->tstart, "out of memory");
    return m;
}

/* ------------------------------------------------------------ lexer */

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, uint32_t cp)
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

/* Lexes a string literal starting at p->pos (after any r/R prefix). The
 * decoded text is never longer than the source, so one buffer of the
 * source's size suffices. */
static void lex_string(struct parser *p, int raw)
{
    const char *s = p->s;
    size_t i = p->pos;
    char q = s[i];
    int triple = i + 2 < p->len && s[i + 1] == q && s[i + 2] == q;
    i += triple ? 3 : 1;
    char *out = palloc(p, p->len - i + 1);
    if (!out)
        return;
    size_t o = 0;
    for (;;) {
        if (i >= p->len) {
            fail_at(p, p->tstart, "unterminated string literal");
            return;
        }
        char c = s[i];
        if (c == q) {
            if (!triple) { i++; break; }
            if (i + 2 < p->len && s[i + 1] == q && s[i + 2] == q) { i += 3; break; }
        }
        if (!triple && (c == '\n' || c == '\r')) {
            fail_at(p, i, "newline in string literal");
            return;
        }
        if (c != '\\' || raw) {
            out[o++] = c;
            i++;
            continue;
        }
        /* escape */
        if (i + 1 >= p->len) {
            fail_at(p, i, "unterminated string literal");
            return;
        }
        char x = s[i + 1];
        size_t esc = i;
        i += 2;
        switch (x) {
        case 'a': out[o++] = '\a'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case '\\': case '\'': case '"': case '`': case '?':
            out[o++] = x;
            break;
        case 'x': case 'X': case 'u': case 'U': {
            int nd = (x == 'x' || x == 'X') ? 2 : x == 'u' ? 4 : 8;
            uint32_t cp = 0;
            for (int k = 0; k < nd; k++) {
                int h = i < p->len ? hexval((unsigned char)s[i]) : -1;
                if (h < 0) {
                    fail_at(p, esc, "bad escape sequence");
                    return;
                }
                cp = cp * 16 + (uint32_t)h;
                i++;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                fail_at(p, esc, "escape is not a Unicode scalar value");
                return;
            }
            /* \xHH is a code point here: strings are text (no bytes) */
            o += put_utf8(out + o, cp);
            break;
        }
        case '0': case '1': case '2': case '3': {
            uint32_t cp = (uint32_t)(x - '0');
            for (int k = 0; k < 2; k++) {
                if (i >= p->len || s[i] < '0' || s[i] > '7') {
                    fail_at(p, esc, "bad octal escape");
                    return;
                }
                cp = cp * 8 + (uint32_t)(s[i] - '0');
                i++;
            }
            o += put_utf8(out + o, cp);
            break;
        }
        default:
            fail_at(p, esc, "bad escape sequence '\\%c'", x);
            return;
        }
    }
    out[o] = '\0';
    if (!eng_utf8_valid(out, o, NULL)) {
        fail_at(p, p->tstart, "string literal is not valid UTF-8");
        return;
    }
    p->pos = i;
    p->t = T_STRING;
    p->sval = out;
    p->slen = o;
}

static void lex_number(struct parser *p)
{
    const char *s = p->s;
    size_t i = p->pos, n = p->len;
    if (s[i] == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        i += 2;
        uint64_t v = 0;
        size_t start = i;
        while (i < n && hexval((unsigned char)s[i]) >= 0) {
            if (v > (UINT64_MAX >> 4)) {
                fail_at(p, p->tstart, "integer literal out of range");
                return;
            }
            v = v * 16 + (uint64_t)hexval((unsigned char)s[i]);
            i++;
        }
        if (i == start) {
            fail_at(p, p->tstart, "bad hex literal");
            return;
        }
        if (i < n && (s[i] == 'u' || s[i] == 'U')) {
            fail_at(p, p->tstart, "unsigned integers are not supported");
            return;
        }
        p->t = T_INT;
        p->ival = v;
        p->pos = i;
        return;
    }
    int is_double = 0;
    while (i < n && is_digit(s[i]))
        i++;
    if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
        is_double = 1;
        i++;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-'))
            j++;
        if (j < n && is_digit(s[j])) {
            is_double = 1;
            i = j;
            while (i < n && is_digit(s[i]))
                i++;
        }
    }
    char buf[512];
    size_t l = i - p->pos;
    if (l >= sizeof buf) {
        fail_at(p, p->tstart, "number literal too long");
        return;
    }
    memcpy(buf, s + p->pos, l);
    buf[l] = '\0';
    if (is_double) {
        p->t = T_DOUBLE;
        p->dval = strtod(buf, NULL);   /* overflow gives +-Inf, as CEL */
    } else {
        if (i < n && (s[i] == 'u' || s[i] == 'U')) {
            fail_at(p, p->tstart, "unsigned integers are not supported");
            return;
        }
        errno = 0;
        unsigned long long v = strtoull(buf, NULL, 10);
        if (errno) {
            fail_at(p, p->tstart, "integer literal out of range");
            return;
        }
        p->t = T_INT;
        p->ival = v;
    }
    p->pos = i;
}

static void next(struct parser *p)
{
    if (p->failed) {
        p->t = T_EOF;
        return;
    }
    const char *s = p->s;
    size_t n = p->len;
    /* blanks and // comments */
    for (;;) {
        while (p->pos < n && (s[p->pos] == ' ' || s[p->pos] == '\t' ||
                              s[p->pos] == '\n' || s[p->pos] == '\r' ||
                              s[p->pos] == '\f' || s[p->pos] == '\v'))
            p->pos++;
        if (p->pos + 1 < n && s[p->pos] == '/' && s[p->pos + 1] == '/') {
            while (p->pos < n && s[p->pos] != '\n')
                p->pos++;
            continue;
        }
        break;
    }
    p->tstart = p->pos;
    if (p->pos >= n) {
        p->t = T_EOF;
        return;
    }
    char c = s[p->pos];
    char d = p->pos + 1 < n ? s[p->pos + 1] : '\0';
    if (is_digit(c) || (c == '.' && is_digit(d))) {
        lex_number(p);
        return;
    }
    if (c == '"' || c == '\'') {
        lex_string(p, 0);
        return;
    }
    if ((c == 'r' || c == 'R') && (d == '"' || d == '\'')) {
        p->pos++;
        lex_string(p, 1);
        return;
    }
    if ((c == 'b' || c == 'B') && (d == '"' || d == '\'')) {
        fail_at(p, p->pos, "bytes literals are not supported");
        p->t = T_EOF;
        return;
    }
    if (is_ident_start((unsigned char)c)) {
        size_t i = p->pos;
        while (i < n && (is_ident_start((unsigned char)s[i]) || is_digit(s[i])))
            i++;
        size_t l = i - p->pos;
        p->pos = i;
        const char *w = s + p->tstart;
        if (l == 4 && !memcmp(w, "true", 4)) { p->t = T_TRUE; return; }
        if (l == 5 && !memcmp(w, "false", 5)) { p->t = T_FALSE; return; }
        if (l == 4 && !memcmp(w, "null", 4)) { p->t = T_NULL; return; }
        if (l == 2 && !memcmp(w, "in", 2)) { p->t = T_IN; return; }
        char *id = palloc(p, l + 1);
        if (!id) { p->t = T_EOF; return; }
        memcpy(id, w, l);
        p->t = T_IDENT;
        p->sval = id;
        p->slen = l;
        return;
    }
    p->pos++;
    switch (c) {
    case '(': p->t = T_LPAREN; return;
    case ')': p->t = T_RPAREN; return;
    case '[': p->t = T_LBRACK; return;
    case ']': p->t = T_RBRACK; return;
    case '{': p->t = T_LBRACE; return;
    case '}': p->t = T_RBRACE; return;
    case '.': p->t = T_DOT; return;
    case ',': p->t = T_COMMA; return;
    case ':': p->t = T_COLON; return;
    case '?': p->t = T_QUEST; return;
    case '+': p->t = T_PLUS; return;
    case '-': p->t = T_MINUS; return;
    case '*': p->t = T_STAR; return;
    case '/': p->t = T_SLASH; return;
    case '%': p->t = T_PERCENT; return;
    case '!':
        if (d == '=') { p->pos++; p->t = T_NE; return; }
        p->t = T_BANG; return;
    case '=':
        if (d == '=') { p->pos++; p->t = T_EQ; return; }
        break;
    case '<':
        if (d == '=') { p->pos++; p->t = T_LE; return; }
        p->t = T_LT; return;
    case '>':
        if (d == '=') { p->pos++; p->t = T_GE; return; }
        p->t = T_GT; return;
    case '&':
        if (d == '&') { p->pos++; p->t = T_AND; return; }
        break;
    case '|':
        if (d == '|') { p->pos++; p->t = T_OR; return; }
        break;
    default:
        break;
    }
    if ((unsigned char)c >= 0x80 || c < 0x20)
        fail_at(p, p->tstart, "unexpected character (byte 0x%02x)",
                (unsigned char)c);
    else
        fail_at(p, p->tstart, "unexpected character '%c'", c);
    p->t = T_EOF;
}

/* ------------------------------------------------------------ nodes */

static struct node *mk(struct parser *p, enum node_kind k, size_t at,
                       size_t nkids, ...)
{
    struct node *n = palloc(p, sizeof *n);
    if (!n)
        return NULL;
    n->kind = k;
    where(p, at, &n->line, &n->col);
    n->depth = 1;
    if (nkids) {
        n->kids = palloc(p, nkids * sizeof *n->kids);
        if (!n->kids)
            return NULL;
        n->nkids = nkids;
        va_list ap;
        va_start(ap, nkids);
        for (size_t i = 0; i < nkids; i++) {
            n->kids[i] = va_arg(ap, struct node *);
            if (n->kids[i] && n->kids[i]->depth + 1 > n->depth)
                n->depth = n->kids[i]->depth + 1;
        }
        va_end(ap);
    }
    if (n->depth > MAX_DEPTH) {
        fail_at(p, at, "expression nested too deeply");
        return NULL;
    }
    return n;
}

/* A node with a growable list of children (lists, maps, call arguments). */
struct kids { struct node **v; size_t n, cap; };

static int kids_push(struct parser *p, struct kids *k, struct node *n)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4;
        struct node **v = palloc(p, cap * sizeof *v);
        if (!v)
            return -1;
        if (k->n)
            memcpy(v, k->v, k->n * sizeof *v);
        k->v = v;   /* the old array stays owned by e until the end */
        k->cap = cap;
    }
    k->v[k->n++] = n;
    return 0;
}

static struct node *mk_kids(struct parser *p, enum node_kind k, size_t at,
                            struct kids *ks)
{
    struct node *n = mk(p, k, at, 0);
    if (!n)
        return NULL;
    n->kids = ks->v;
    n->nkids = ks->n;
    for (size_t i = 0; i < ks->n; i++)
        if (ks->v[i]->depth + 1 > n->depth)
            n->depth = ks->v[i]->depth + 1;
    if (n->depth > MAX_DEPTH) {
        fail_at(p, at, "expression nested too deeply");
        return NULL;
    }
    return n;
}

static int accept(struct parser *p, enum tok t)
{
    if (p->t != t)
        return 0;
    next(p);
    return 1;
}

static const char *tok_desc(const struct parser *p)
{
    switch (p->t) {
    case T_EOF: return "end of expression";
    case T_INT: case T_DOUBLE: return "number";
    case T_STRING: return "string";
    case T_IDENT: return "name";
    default: return NULL;
    }
}

static void expected(struct parser *p, const char *what)
{
    const char *d = tok_desc(p);
    if (d)
        fail_at(p, p->tstart, "expected %s, found %s", what, d);
    else
        fail_at(p, p->tstart, "expected %s, found '%.*s'", what,
                (int)(p->pos - p->tstart), p->s + p->tstart);
}

static struct node *parse_expr(struct parser *p);

/* ------------------------------------------------------------ names */

static struct node *resolve_ident(struct parser *p, const char *name,
                                  size_t len, size_t at)
{
    for (int i = p->nvars - 1; i >= 0; i--) {
        if (strcmp(p->vars[i], name) == 0) {
            struct node *n = mk(p, N_VAR, at, 0);
            if (n)
                n->slot = i;
            return n;
        }
    }
    const struct eng_expr_env *env = p->env;
    if (env->record_name && strcmp(env->record_name, name) == 0)
        return mk(p, N_RECORD, at, 0);
    for (size_t i = 0; i < env->n_aliases; i++) {
        if (strcmp(env->aliases[i], name) == 0) {
            struct node *n = mk(p, N_ALIAS, at, 0);
            if (n) {
                n->slot = (int)i;
                p->e->alias_used[i] = 1;
            }
            return n;
        }
    }
    struct node *n = mk(p, N_FIELD, at, 0);
    if (n) {
        n->name = name;
        n->name_len = len;
    }
    return n;
}

struct fn_def {
    const char *name;
    int id;
    int global_min, global_max;   /* argument counts as f(...); -1: no */
    int method_min, method_max;   /* as recv.f(...), not counting recv */
};

static const struct fn_def fns[] = {
    { "size", F_SIZE, 1, 1, 0, 0 },
    { "matches", F_MATCHES, 2, 2, 1, 1 },
    { "contains", F_CONTAINS, -1, -1, 1, 1 },
    { "startsWith", F_STARTS, -1, -1, 1, 1 },
    { "endsWith", F_ENDS, -1, -1, 1, 1 },
    { "lowerAscii", F_LOWER, -1, -1, 0, 0 },
    { "upperAscii", F_UPPER, -1, -1, 0, 0 },
    { "int", F_INT, 1, 1, -1, -1 },
    { "double", F_DOUBLE, 1, 1, -1, -1 },
    { "string", F_STRING, 1, 1, -1, -1 },
    { "timestamp", F_TIMESTAMP, 1, 1, -1, -1 },
    { "duration", F_DURATION, 1, 1, -1, -1 },
    { "dyn", F_DYN, 1, 1, -1, -1 },
    { "distance", F_DISTANCE, 4, 4, -1, -1 },
    { "getFullYear", F_GETFULLYEAR, -1, -1, 0, 1 },
    { "getMonth", F_GETMONTH, -1, -1, 0, 1 },
    { "getDayOfYear", F_GETDAYOFYEAR, -1, -1, 0, 1 },
    { "getDayOfMonth", F_GETDAYOFMONTH, -1, -1, 0, 1 },
    { "getDate", F_GETDATE, -1, -1, 0, 1 },
    { "getDayOfWeek", F_GETDAYOFWEEK, -1, -1, 0, 1 },
    { "getHours", F_GETHOURS, -1, -1, 0, 1 },
    { "getMinutes", F_GETMINUTES, -1, -1, 0, 1 },
    { "getSeconds", F_GETSECONDS, -1, -1, 0, 1 },
    { "getMilliseconds", F_GETMILLIS, -1, -1, 0, 1 },
};

static const struct fn_def *find_fn(const char *name)
{
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (strcmp(fns[i].name, name) == 0)
            return &fns[i];
    return NULL;
}

static int macro_id(const char *name)
{
    if (!strcmp(name, "all")) return M_ALL;
    if (!strcmp(name, "exists")) return M_EXISTS;
    if (!strcmp(name, "exists_one")) return M_EXISTS_ONE;
    if (!strcmp(name, "map")) return M_MAP;
    if (!strcmp(name, "filter")) return M_FILTER;
    return -1;
}

/* After "(" of recv.macro(: parses "var, body [, body2] )". */
static struct node *parse_macro(struct parser *p, struct node *recv, int id,
                                const char *mname, size_t at)
{
    if (p->t != T_IDENT) {
        expected(p, "a variable name as first argument of the macro");
        return NULL;
    }
    const char *var = p->sval;
    next(p);
    if (!accept(p, T_COMMA)) {
        expected(p, "','");
        return NULL;
    }
    if (p->nvars >= EXPR_MAX_VARS) {
        fail_at(p, at, "comprehensions nested too deeply");
        return NULL;
    }
    int slot = p->nvars;
    p->vars[p->nvars++] = var;
    if (p->nvars > p->e->nvars)
        p->e->nvars = p->nvars;
    struct node *b1 = parse_expr(p), *b2 = NULL;
    if (b1 && id == M_MAP && accept(p, T_COMMA))
        b2 = parse_expr(p);
    p->nvars--;
    if (p->failed)
        return NULL;
    if (!accept(p, T_RPAREN)) {
        expected(p, b2 || id != M_MAP ? "')' after macro arguments"
                                      : "',' or ')' after macro arguments");
        return NULL;
    }
    (void)mname;
    struct node *n = b2 ? mk(p, N_COMPR, at, 3, recv, b1, b2)
                        : mk(p, N_COMPR, at, 2, recv, b1);
    if (n) {
        n->fn = id;
        n->slot = slot;
    }
    return n;
}

/* Compiles the pattern of a matches() call given as a literal. */
static int compile_regex(struct parser *p, struct node *call, struct node *pat)
{
    if (!pat || pat->kind != N_LIT || pat->lit.kind != ENG_EXPR_STRING)
        return 0;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat->lit.u.str.s,
                                   pat->lit.u.str.len, PCRE2_UTF, &ec, &eo,
                                   NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        p->failed = 1;
        eng_error_at(p->err, p->file ? p->file : "<expr>", pat->line, pat->col,
                     "bad regular expression: %s at offset %zu", (char *)msg,
                     (size_t)eo);
        return -1;
    }
    void **v = realloc(p->e->res, (p->e->nres + 1) * sizeof *v);
    if (!v) {
        pcre2_code_free(re);
        fail_at(p, 0, "out of memory");
        return -1;
    }
    p->e->res = v;
    p->e->res[p->e->nres++] = re;
    call->re = re;
    return 0;
}

/* Parses "(args)" after a function name; the "(" is current. */
static int parse_args(struct parser *p, struct kids *ks)
{
    next(p); /* ( */
    if (accept(p, T_RPAREN))
        return 0;
    for (;;) {
        struct node *a = parse_expr(p);
        if (!a || kids_push(p, ks, a) < 0)
            return -1;
        if (accept(p, T_COMMA))
            continue;
        if (accept(p, T_RPAREN))
            return 0;
        expected(p, "')' after arguments");
        return -1;
    }
}

static struct node *make_call(struct parser *p, const char *name,
                              struct node *recv, struct kids *ks, size_t at)
{
    const struct fn_def *f = find_fn(name);
    if (!f) {
        fail_at(p, at, "unknown function '%s'", name);
        return NULL;
    }
    int nargs = (int)ks->n;
    if (recv) {
        if (f->method_min < 0) {
            fail_at(p, at, "'%s' is not a method (write %s(x))", name, name);
            return NULL;
        }
        if (nargs < f->method_min || nargs > f->method_max) {
            fail_at(p, at, "wrong number of arguments to '%s'", name);
            return NULL;
        }
    } else {
        if (f->global_min < 0) {
            fail_at(p, at, "'%s' is a method (write x.%s(...))", name, name);
            return NULL;
        }
        if (nargs < f->global_min || nargs > f->global_max) {
            fail_at(p, at, "wrong number of arguments to '%s'", name);
            return NULL;
        }
    }
    struct kids all = { 0 };
    if (recv && kids_push(p, &all, recv) < 0)
        return NULL;
    for (size_t i = 0; i < ks->n; i++)
        if (kids_push(p, &all, ks->v[i]) < 0)
            return NULL;
    struct node *n = mk_kids(p, N_CALL, at, &all);
    if (!n)
        return NULL;
    n->fn = f->id;
    n->method = recv != NULL;
    if (f->id == F_MATCHES && compile_regex(p, n, n->kids[1]) < 0)
        return NULL;
    return n;
}

static struct node *parse_primary(struct parser *p)
{
    size_t at = p->tstart;
    switch (p->t) {
    case T_INT: {
        if (p->ival > INT64_MAX) {
            fail_at(p, at, "integer literal out of range");
            return NULL;
        }
        struct node *n = mk(p, N_LIT, at, 0);
        if (n)
            n->lit = v_int((int64_t)p->ival);
        next(p);
        return n;
    }
    case T_DOUBLE: {
        struct node *n = mk(p, N_LIT, at, 0);
        if (n)
            n->lit = v_double(p->dval);
        next(p);
        return n;
    }
    case T_STRING: {
        struct node *n = mk(p, N_LIT, at, 0);
        if (n)
            n->lit = v_str(p->sval, p->slen);
        next(p);
        return n;
    }
    case T_TRUE: case T_FALSE: {
        struct node *n = mk(p, N_LIT, at, 0);
        if (n)
            n->lit = v_bool(p->t == T_TRUE);
        next(p);
        return n;
    }
    case T_NULL: {
        struct node *n = mk(p, N_LIT, at, 0);
        if (n)
            n->lit = v_null();
        next(p);
        return n;
    }
    case T_LPAREN: {
        next(p);
        struct node *n = parse_expr(p);
        if (n && !accept(p, T_RPAREN)) {
            expected(p, "')'");
            return NULL;
        }
        return n;
    }
    case T_LBRACK: {
        next(p);
        struct kids ks = { 0 };
        while (p->t != T_RBRACK) {
            struct node *a = parse_expr(p);
            if (!a || kids_push(p, &ks, a) < 0)
                return NULL;
            if (!accept(p, T_COMMA))
                break;
        }
        if (!accept(p, T_RBRACK)) {
            expected(p, "']' after list elements");
            return NULL;
        }
        return mk_kids(p, N_LIST, at, &ks);
    }
    case T_LBRACE: {
        next(p);
        struct kids ks = { 0 };
        while (p->t != T_RBRACE) {
            struct node *k = parse_expr(p);
            if (!k)
                return NULL;
            if (!accept(p, T_COLON)) {
                expected(p, "':' after map key");
                return NULL;
            }
            struct node *v = parse_expr(p);
            if (!v || kids_push(p, &ks, k) < 0 || kids_push(p, &ks, v) < 0)
                return NULL;
            if (!accept(p, T_COMMA))
                break;
        }
        if (!accept(p, T_RBRACE)) {
            expected(p, "'}' after map entries");
            return NULL;
        }
        return mk_kids(p, N_MAP, at, &ks);
    }
    case T_DOT:
        next(p);
        if (p->t != T_IDENT) {
            expected(p, "a name after '.'");
            return NULL;
        }
        /* fall through: a leading dot names the same thing (no containers) */
        /* FALLTHROUGH */
    case T_IDENT: {
        const char *name = p->sval;
        size_t len = p->slen;
        size_t nat = p->tstart;
        next(p);
        if (p->t != T_LPAREN)
            return resolve_ident(p, name, len, nat);
        if (strcmp(name, "has") == 0) {
            next(p);
            struct node *a = parse_expr(p);
            if (!a)
                return NULL;
            if (!accept(p, T_RPAREN)) {
                expected(p, "')' after argument of has()");
                return NULL;
            }
            if (a->kind != N_SELECT) {
                fail_at(p, nat, "has() needs a field selection, as in "
                                "has(event.field)");
                return NULL;
            }
            a->kind = N_HAS;
            return a;
        }
        struct kids ks = { 0 };
        if (parse_args(p, &ks) < 0)
            return NULL;
        return make_call(p, name, NULL, &ks, nat);
    }
    case T_EOF:
        expected(p, "an expression");
        return NULL;
    default:
        expected(p, "an expression");
        return NULL;
    }
}

static struct node *parse_member(struct parser *p)
{
    struct node *n = parse_primary(p);
    while (n && !p->failed) {
        if (p->t == T_DOT) {
            next(p);
            if (p->t != T_IDENT && p->t != T_IN && p->t != T_TRUE &&
                p->t != T_FALSE && p->t != T_NULL) {
                expected(p, "a field name after '.'");
                return NULL;
            }
            size_t at = p->tstart;
            const char *name = p->sval;
            size_t len = p->slen;
            if (p->t != T_IDENT) {
                /* `in`, `true`... are fine as field names after a dot */
                len = p->pos - p->tstart;
                char *c = palloc(p, len + 1);
                if (!c)
                    return NULL;
                memcpy(c, p->s + p->tstart, len);
                name = c;
            }
            next(p);
            if (p->t == T_LPAREN) {
                int m = macro_id(name);
                if (m >= 0) {
                    next(p);
                    n = parse_macro(p, n, m, name, at);
                    continue;
                }
                struct kids ks = { 0 };
                if (parse_args(p, &ks) < 0)
                    return NULL;
                n = make_call(p, name, n, &ks, at);
                continue;
            }
            n = mk(p, N_SELECT, at, 1, n);
            if (n) {
                n->name = name;
                n->name_len = len;
            }
        } else if (p->t == T_LBRACK) {
            size_t at = p->tstart;
            next(p);
            struct node *i = parse_expr(p);
            if (!i)
                return NULL;
            if (!accept(p, T_RBRACK)) {
                expected(p, "']' after index");
                return NULL;
            }
            n = mk(p, N_INDEX, at, 2, n, i);
        } else {
            break;
        }
    }
    return p->failed ? NULL : n;
}

static struct node *parse_unary1(struct parser *p);

static struct node *parse_unary(struct parser *p)
{
    if (p->rdepth > MAX_DEPTH) {
        fail_at(p, p->tstart, "expression nested too deeply");
        return NULL;
    }
    p->rdepth++;
    struct node *n = parse_unary1(p);
    p->rdepth--;
    return n;
}

static struct node *parse_unary1(struct parser *p)
{
    size_t at = p->tstart;
    if (p->t == T_BANG) {
        next(p);
        struct node *k = parse_unary(p);
        return k ? mk(p, N_NOT, at, 1, k) : NULL;
    }
    if (p->t == T_MINUS) {
        next(p);
        if (p->t == T_INT || p->t == T_DOUBLE) {
            /* fold the sign into the literal, unless a member or index
             * follows it (-x.f means -(x.f)) */
            size_t save_pos = p->pos, save_start = p->tstart;
            enum tok t = p->t;
            uint64_t iv = p->ival;
            double dv = p->dval;
            size_t lat = p->tstart;
            next(p);
            if (p->t != T_DOT && p->t != T_LBRACK) {
                struct node *n = mk(p, N_LIT, at, 0);
                if (!n)
                    return NULL;
                if (t == T_DOUBLE) {
                    n->lit = v_double(-dv);
                } else if (iv > (uint64_t)INT64_MAX + 1) {
                    fail_at(p, lat, "integer literal out of range");
                    return NULL;
                } else {
                    n->lit = v_int(iv == (uint64_t)INT64_MAX + 1
                                       ? INT64_MIN : -(int64_t)iv);
                }
                return n;
            }
            /* back up and parse normally */
            p->pos = save_pos;
            p->tstart = save_start;
            p->t = t;
            p->ival = iv;
            p->dval = dv;
        }
        struct node *k = parse_unary(p);
        return k ? mk(p, N_NEG, at, 1, k) : NULL;
    }
    return parse_member(p);
}

static struct node *parse_mul(struct parser *p)
{
    struct node *l = parse_unary(p);
    while (l) {
        enum node_kind k;
        if (p->t == T_STAR) k = N_MUL;
        else if (p->t == T_SLASH) k = N_DIV;
        else if (p->t == T_PERCENT) k = N_MOD;
        else break;
        size_t at = p->tstart;
        next(p);
        struct node *r = parse_unary(p);
        l = r ? mk(p, k, at, 2, l, r) : NULL;
    }
    return l;
}

static struct node *parse_add(struct parser *p)
{
    struct node *l = parse_mul(p);
    while (l) {
        enum node_kind k;
        if (p->t == T_PLUS) k = N_ADD;
        else if (p->t == T_MINUS) k = N_SUB;
        else break;
        size_t at = p->tstart;
        next(p);
        struct node *r = parse_mul(p);
        l = r ? mk(p, k, at, 2, l, r) : NULL;
    }
    return l;
}

static struct node *parse_rel(struct parser *p)
{
    struct node *l = parse_add(p);
    while (l) {
        enum node_kind k;
        switch (p->t) {
        case T_EQ: k = N_EQ; break;
        case T_NE: k = N_NE; break;
        case T_LT: k = N_LT; break;
        case T_LE: k = N_LE; break;
        case T_GT: k = N_GT; break;
        case T_GE: k = N_GE; break;
        case T_IN: k = N_IN; break;
        default: return l;
        }
        size_t at = p->tstart;
        next(p);
        struct node *r = parse_add(p);
        l = r ? mk(p, k, at, 2, l, r) : NULL;
    }
    return l;
}

static struct node *parse_and(struct parser *p)
{
    struct node *l = parse_rel(p);
    while (l && p->t == T_AND) {
        size_t at = p->tstart;
        next(p);
        struct node *r = parse_rel(p);
        l = r ? mk(p, N_AND, at, 2, l, r) : NULL;
    }
    return l;
}

static struct node *parse_or(struct parser *p)
{
    struct node *l = parse_and(p);
    while (l && p->t == T_OR) {
        size_t at = p->tstart;
        next(p);
        struct node *r = parse_and(p);
        l = r ? mk(p, N_OR, at, 2, l, r) : NULL;
    }
    return l;
}

static struct node *parse_expr(struct parser *p)
{
    /* recursion guard for inputs like "((((((..." whose tree may stay
     * shallow while the parser's stack grows */
    if (p->failed)
        return NULL;
    if (p->rdepth > MAX_DEPTH) {
        fail_at(p, p->tstart, "expression nested too deeply");
        return NULL;
    }
    p->rdepth++;
    struct node *c = parse_or(p);
    if (c && p->t == T_QUEST) {
        size_t at = p->tstart;
        next(p);
        struct node *a = parse_or(p);
        if (a && !accept(p, T_COLON)) {
            expected(p, "':' in conditional");
            a = NULL;
        }
        struct node *b = a ? parse_expr(p) : NULL;
        c = b ? mk(p, N_COND, at, 3, c, a, b) : NULL;
    }
    p->rdepth--;
    return p->failed ? NULL : c;
}

struct node *expr_parse(struct eng_expr *e, const char *text, size_t len,
                        const struct eng_expr_env *env, const char *file,
                        long line, long col, struct eng_error *err)
{
    struct parser p = { 0 };
    p.e = e;
    p.env = env;
    p.s = text;
    p.len = len;
    p.file = file;
    p.line = line > 0 ? line : 1;
    p.col = col > 0 ? col : 1;
    p.err = err;
    next(&p);
    struct node *n = parse_expr(&p);
    if (n && p.t != T_EOF)
        expected(&p, "an operator or the end of the expression");
    return p.failed ? NULL : n;
}
