/* sentiment: see sentiment.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonscan.h"
#include "sentiment.h"
#include "text.h"

void sentiment_init(struct sentiment *st, struct eng_cli *cli)
{
    memset(st, 0, sizeof *st);
    st->cli = cli;
    st->neg_t = -0.05;
    st->pos_t = 0.05;
}

void sentiment_free(struct sentiment *st)
{
    eng_path_free(st->field);
    eng_path_free(st->into);
    lexicon_free(st->lex);
    emoji_free(st->emoji);
    topics_free(st->topics);
    vader_free(st->vader);
    eng_writer_free(st->out);
    if (st->rej)
        eng_rejects_close(st->rej, NULL);
    abuf_free(&st->fix);
    abuf_free(&st->text);
    abuf_free(&st->obj);
    abuf_free(&st->members);
    abuf_free(&st->tmp);
    free(st->hits);
}

static int oom(struct sentiment *st)
{
    eng_error_set(&st->err, "out of memory");
    st->fatal = ENG_EXIT_RUNTIME;
    return -1;
}

static int reject(struct sentiment *st, const char *source,
                  const struct eng_line *ln, const char *msg)
{
    st->rejected++;
    if (eng_rejects_add(st->rej, source, ln->lineno, msg, ln->data, ln->len) < 0) {
        eng_error_set(&st->err, "rejects: write error: %s", strerror(errno));
        st->fatal = ENG_EXIT_RUNTIME;
        return -1;
    }
    if (eng_rejects_over_limit(st->rej)) {
        eng_error_set(&st->err, "more than %lld rejects, stopping",
                      st->cli->max_rejects);
        st->fatal = ENG_EXIT_REJECTS;
        return -1;
    }
    return 0;
}

static int write_failed(struct sentiment *st)
{
    int e = errno;
    st->fatal = eng_cli_is_quiet_exit(e) ? ENG_EXIT_SIGPIPE : ENG_EXIT_RUNTIME;
    eng_error_set(&st->err, "write error: %s", strerror(e));
    return -1;
}

/* Replaces each invalid UTF-8 byte of s[0..n) by U+FFFD, into st->fix. */
static int repair(struct sentiment *st, const char *s, size_t n)
{
    st->fix.len = 0;
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = text_decode((const unsigned char *)s + i, n - i, &cp);
        if (l) {
            i += l;
            continue;
        }
        if (abuf_add(&st->fix, s + run, i - run) < 0 ||
            abuf_add(&st->fix, "\xEF\xBF\xBD", 3) < 0)
            return -1;
        run = ++i;
    }
    return abuf_add(&st->fix, s + run, n - run);
}

static unsigned hexval(char c)
{
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 32) - 'a' + 10);
}

/* Unescapes a JSON string body already validated by jsonscan into b. */
static int unescape(struct abuf *b, const char *s, size_t n)
{
    b->len = 0;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\')
            continue;
        if (abuf_add(b, s + run, i - run) < 0)
            return -1;
        char c = s[++i], out[4];
        size_t ol = 1;
        switch (c) {
        case 'b': out[0] = '\b'; break;
        case 'f': out[0] = '\f'; break;
        case 'n': out[0] = '\n'; break;
        case 'r': out[0] = '\r'; break;
        case 't': out[0] = '\t'; break;
        case 'u': {
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++)
                cp = cp << 4 | hexval(s[i + (size_t)k]);
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < n + 1 && s[i + 1] == '\\') {
                uint32_t lo = 0;
                for (int k = 3; k <= 6; k++)
                    lo = lo << 4 | hexval(s[i + (size_t)k]);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            ol = text_encode(cp, out);
            break;
        }
        default: out[0] = c; break;   /* " \ / */
        }
        if (abuf_add(b, out, ol) < 0)
            return -1;
        run = i + 1;
    }
    return abuf_add(b, s + run, n - run);
}

/* Finds the --field string in line[0..len) without a DOM. Returns 1 with
 * text, tlen and escaped set, 0 when absent or not a string, -1 when the path
 * needs the DOM (an index step). */
static int find_text(const struct sentiment *st, const char *line, size_t len,
                     const struct eng_json_member *top, const char **text,
                     size_t *tlen, int *escaped)
{
    struct eng_json_member m = *top;
    size_t steps = eng_path_len(st->field);
    for (size_t i = 1; i < steps; i++) {
        const char *key = eng_path_key(st->field, i);
        if (!key || !eng_path_key(st->field, 0))
            return -1;
        if (m.kind != ENG_JSON_OBJECT)
            return 0;
        struct eng_json_member sub = { .key = key };
        struct eng_json_scan sc;
        if (eng_json_scan(m.val, m.val_len, &sub, 1, &sc) < 0)
            return 0;
        m = sub;
    }
    if (!eng_path_key(st->field, 0))
        return -1;
    (void)line;
    (void)len;
    if (m.kind != ENG_JSON_STRING)
        return 0;
    *text = m.val;
    *tlen = m.val_len;
    *escaped = m.escaped;
    return 1;
}

/* Builds st->members (the text to splice) from st->obj and the topics. */
static int build_members(struct sentiment *st)
{
    struct abuf *m = &st->members;
    size_t steps = eng_path_len(st->into);
    m->len = 0;
    for (size_t i = 0; i < steps; i++) {
        const char *k = eng_path_key(st->into, i);
        if ((i && abuf_str(m, "{") < 0) ||
            abuf_json_string(m, k, strlen(k)) < 0 || abuf_str(m, ":") < 0)
            return -1;
    }
    if (abuf_add(m, st->obj.p, st->obj.len) < 0)
        return -1;
    for (size_t i = 1; i < steps; i++)
        if (abuf_str(m, "}") < 0)
            return -1;
    if (st->topics) {
        if (abuf_str(m, ",\"topics\":") < 0 ||
            abuf_add(m, st->tmp.p, st->tmp.len) < 0)
            return -1;
    }
    return 0;
}

/* The DOM path: parse, put a placeholder string where the scores go (and
 * the topics array), serialise, and write the serialised event with the
 * placeholder replaced by the scores' own text (jansson would print the
 * rounded doubles with 17 digits). 0, 1 when rejected, -1 fatal. */
#define PLACEHOLDER "\001eng-sentiment:scores\001"
#define PLACEHOLDER_JSON "\"\\u0001eng-sentiment:scores\\u0001\""
static int write_dom(struct sentiment *st, const char *data, size_t len,
                     const struct eng_line *ln, const char *source)
{
    json_error_t je;
    struct eng_error err;
    json_t *root = json_loadb(data, len, 0, &je);
    int rc = 0;
    char *dump = NULL;
    if (!root)
        return oom(st);
    if (eng_path_set(st->into, root, json_string(PLACEHOLDER), &err) < 0) {
        st->scored--;
        rc = reject(st, source, ln, err.msg) < 0 ? -1 : 1;
    } else if (st->topics &&
               json_object_set_new(root, "topics",
                                   json_loadb(st->tmp.p, st->tmp.len, 0, &je)) < 0) {
        rc = oom(st);
    } else if (!(dump = json_dumps(root, JSON_COMPACT))) {
        rc = oom(st);
    } else {
        char *at = strstr(dump, PLACEHOLDER_JSON);
        size_t pl = strlen(PLACEHOLDER_JSON);
        if (!at)
            rc = oom(st);
        else if (eng_writer_write(st->out, dump, (size_t)(at - dump)) < 0 ||
                 eng_writer_write(st->out, st->obj.p, st->obj.len) < 0 ||
                 eng_writer_puts(st->out, at + pl) < 0 ||
                 eng_writer_putc(st->out, '\n') < 0)
            rc = write_failed(st);
    }
    free(dump);
    json_decref(root);
    return rc;
}

int sentiment_line(struct sentiment *st, const struct eng_line *ln,
                   const char *source)
{
    char msg[160];
    const char *data = ln->data;
    size_t len = ln->len;

    st->in++;
    if (ln->too_long) {
        snprintf(msg, sizeof msg, "line too long (%zu bytes, --max-line %zu)",
                 ln->full_len, st->cli->max_line);
        return reject(st, source, ln, msg);
    }
    if (ln->has_nul) {
        snprintf(msg, sizeof msg, "NUL byte at byte %zu",
                 (size_t)((const char *)memchr(data, 0, len) - data) + 1);
        return reject(st, source, ln, msg);
    }
    int repaired = 0;
    if (ln->bad_utf8) {
        if (repair(st, data, len) < 0)
            return oom(st);
        data = st->fix.p;
        len = st->fix.len;
        repaired = 1;
    }

    struct eng_json_member want[3] = {
        { .key = eng_path_key(st->field, 0) ? eng_path_key(st->field, 0) : "" },
        { .key = eng_path_key(st->into, 0) },
        { .key = "topics" },
    };
    struct eng_json_scan sc;
    if (eng_json_scan(data, len, want, st->topics ? 3 : 2, &sc) < 0) {
        snprintf(msg, sizeof msg, "not JSON: %s at byte %zu", sc.error,
                 sc.error_at + 1);
        return reject(st, source, ln, msg);
    }
    if (!sc.is_object)
        return reject(st, source, ln, "not a JSON object");

    const char *text = NULL;
    size_t tlen = 0;
    int escaped = 0, found = find_text(st, data, len, &want[0], &text, &tlen,
                                       &escaped);
    if (found < 0) {             /* an index step: ask jansson */
        json_t *root = json_loadb(data, len, 0, NULL);
        json_t *v = root ? eng_path_get(st->field, root) : NULL;
        found = json_is_string(v);
        if (found && abuf_add(&st->text, "", 0) == 0) {
            st->text.len = 0;
            if (abuf_add(&st->text, json_string_value(v), json_string_length(v)) < 0)
                found = -1;
        }
        json_decref(root);
        if (found < 0)
            return oom(st);
        text = st->text.p;
        tlen = st->text.len;
    } else if (found && escaped) {
        if (unescape(&st->text, text, tlen) < 0)
            return oom(st);
        text = st->text.p;
        tlen = st->text.len;
    }
    if (!found) {
        st->skipped++;
        if (eng_writer_write(st->out, data, len) < 0 ||
            eng_writer_putc(st->out, '\n') < 0)
            return write_failed(st);
        return 0;
    }

    struct vader_scores s;
    size_t ntok = 0;
    const struct vader_token *toks = NULL;
    if (vader_score(st->vader, text, tlen, &s) < 0)
        return oom(st);
    if (st->explain)
        toks = vader_tokens(st->vader, &ntok);
    st->obj.len = 0;
    if (annotate_sentiment(&st->obj, &s, st->neg_t, st->pos_t, toks, ntok) < 0)
        return oom(st);
    if (st->topics) {
        size_t nt = topics_count(st->topics);
        int first = 1;
        if (!st->hits && !(st->hits = malloc(nt)))
            return oom(st);
        if (topics_match(st->topics, text, tlen, st->hits) < 0)
            return oom(st);
        st->tmp.len = 0;
        if (abuf_str(&st->tmp, "[") < 0)
            return oom(st);
        for (size_t i = 0; i < nt; i++) {
            if (!st->hits[i])
                continue;
            const char *name = topics_name(st->topics, i);
            if ((!first && abuf_str(&st->tmp, ",") < 0) ||
                abuf_json_string(&st->tmp, name, strlen(name)) < 0)
                return oom(st);
            first = 0;
        }
        if (abuf_str(&st->tmp, "]") < 0)
            return oom(st);
    }
    st->scored++;
    st->repaired += (unsigned long long)repaired;

    if (want[1].kind != ENG_JSON_NONE || (st->topics && want[2].kind != ENG_JSON_NONE)) {
        int rc = write_dom(st, data, len, ln, source);
        if (rc == 1)
            st->repaired -= (unsigned long long)repaired;
        return rc < 0 ? -1 : 0;
    }
    if (build_members(st) < 0)
        return oom(st);
    if (eng_writer_splice(st->out, data, len, st->members.p, st->members.len) < 0)
        return write_failed(st);
    return 0;
}

void sentiment_run_file(struct sentiment *st, const char *path)
{
    int fd = STDIN_FILENO;
    struct eng_error err;
    if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        eng_error_set(&st->err, "%s: %s", path, strerror(errno));
        st->fatal = ENG_EXIT_RUNTIME;
        return;
    }
    struct eng_reader *r = eng_reader_new(fd, path, st->cli->max_line);
    if (!r)
        abort();
    eng_reader_set_flush(r, st->out);
    /* standard input is named "-" in messages and rejects, as eng-enrich,
     * eng-match and eng-emit name it (file:line: what is wrong) */
    const char *source = path;
    struct eng_line ln;
    int rc = 0;
    while (!eng_signal_pending() && (rc = eng_reader_next(r, &ln, &err)) == 1) {
        if (sentiment_line(st, &ln, source) < 0)
            break;
        eng_progress_tick(st->cli, st->in, st->rejected);
    }
    if (!st->fatal && !eng_signal_pending() && rc < 0) {
        if (eng_cli_is_quiet_exit(errno)) {
            st->fatal = ENG_EXIT_SIGPIPE;
        } else {
            st->err = err;
            st->fatal = ENG_EXIT_RUNTIME;
        }
    }
    eng_reader_free(r);
    if (fd != STDIN_FILENO)
        close(fd);
}
