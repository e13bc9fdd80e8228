/* rejects: the dead-letter writer (EVENT-MODEL.md, "Rejects").
 *
 * Two sinks:
 *   - a file (--rejects FILE): one JSON object per line, keys in this order
 *       {"tool":T,"source":S,"line":N,"error":E,"raw":R,"raw_truncated":true}
 *     source, line, raw and raw_truncated appear only when they apply;
 *   - stderr (no --rejects): the first 10 rejects as "prog: S:N: E", then at
 *     close one line "prog: K more rejects not shown (use --rejects FILE to
 *     keep them)". -q silences both.
 *
 * Strings are written by hand instead of through jansson: a reject is often
 * hostile bytes, and building a json_t per reject would allocate and then
 * refuse invalid UTF-8. The escaper below does both jobs in one pass and
 * writes the same bytes jansson's compact mode would for the cleaned text:
 *   1. a byte that does not start a complete, valid UTF-8 sequence
 *      (overlongs, surrogates, > U+10FFFF, cut-off sequences) becomes U+FFFD,
 *      one U+FFFD per byte;
 *   2. '"' and '\\' are escaped, \b \f \n \r \t by name, other bytes below
 *      0x20 (NUL included: it survives as \u0000) as \u00XX, upper-case hex;
 *      DEL and valid non-ASCII characters are written as they are;
 *   3. "raw" stops before the sequence that would pass 64 KiB of input, so
 *      it is cut on a character boundary, and raw_truncated is added.
 * Invariant: every line written is valid JSON and valid UTF-8, whatever the
 * input.
 *
 * The file is a plain stdio stream with a 64 KiB buffer: rejects can come by
 * the million from a bad input file. eng_rejects_flush() lets a tool push
 * them out when it flushes its own output; close flushes the rest.
 */
#include "rejects.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_MAX ((size_t)64 << 10)
#define STDERR_SHOWN_MAX 10
#define FILE_BUF_SIZE ((size_t)64 << 10)

/* Writes a string literal (the caller holds the stream lock). */
#define put_lit(fp, lit) fwrite_unlocked((lit), 1, sizeof(lit) - 1, (fp))

struct eng_rejects {
    char *tool;
    char *path;          /* NULL: stderr listing */
    FILE *fp;
    char *fbuf;          /* stdio buffer of fp */
    long long max_rejects;
    int quiet;
    int write_errno;     /* first write error on the file, or 0 */
    unsigned long long count, shown;
    char *dump;          /* reused buffer for eng_rejects_add_json */
    size_t dump_cap;
};

struct eng_rejects *eng_rejects_open(const char *tool, const char *path,
                                     long long max_rejects, int quiet,
                                     struct eng_error *err)
{
    struct eng_rejects *r = calloc(1, sizeof *r);
    if (!r)
        goto nomem;
    r->tool = strdup(tool ? tool : "eng");
    if (!r->tool)
        goto nomem;
    r->max_rejects = max_rejects;
    r->quiet = quiet;
    if (path) {
        r->path = strdup(path);
        r->fbuf = malloc(FILE_BUF_SIZE);
        if (!r->path || !r->fbuf)
            goto nomem;
        r->fp = fopen(path, "we");
        if (!r->fp) {
            eng_error_at(err, path, 0, 0, "cannot create rejects file: %s",
                         strerror(errno));
            eng_rejects_close(r, NULL);
            return NULL;
        }
        setvbuf(r->fp, r->fbuf, _IOFBF, FILE_BUF_SIZE);
    }
    return r;

nomem:
    eng_error_set(err, "out of memory");
    eng_rejects_close(r, NULL);
    return NULL;
}

/* Returns the length of the valid UTF-8 sequence at s[0..n), or 0 when the
 * byte at s does not start one (RFC 3629, Table 3-7 of Unicode). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0; /* overlong, > U+10FFFF */
        return 4;
    }
    return 0;
}

/* Writes s[0..len) as a quoted JSON string (rules 1 and 2 above), reading at
 * most limit input bytes (rule 3). Returns the number of bytes consumed. */
static size_t put_json_string(FILE *fp, const char *str, size_t len,
                              size_t limit)
{
    static const char hex[] = "0123456789ABCDEF"; /* as jansson */
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0; /* s[run..i) is a pending run of plain bytes */

    putc_unlocked('"', fp);
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            if (i + 1 > limit)
                break;
            i++;
            continue;
        }
        n = c < 0x80 ? 1 : utf8_seq_len(s + i, len - i);
        if (i + (n ? n : 1) > limit)
            break;
        if (n > 1) {
            i += n;
            continue;
        }
        fwrite_unlocked(s + run, 1, i - run, fp);
        if (n == 0) {
            fwrite_unlocked("\xEF\xBF\xBD", 1, 3, fp);
        } else {
            char esc[6] = { '\\', 0, 0, 0, 0, 0 };
            size_t elen = 2;
            switch (c) {
            case '"':  esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
                esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
                elen = 6;
            }
            fwrite_unlocked(esc, 1, elen, fp);
        }
        i++;
        run = i;
    }
    fwrite_unlocked(s + run, 1, i - run, fp);
    putc_unlocked('"', fp);
    return i;
}

/* Writes bytes for a person's terminal: control characters (an escape
 * sequence hidden in hostile input) become '?'. */
static void put_visible(FILE *fp, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        putc_unlocked(c < 0x20 || c == 0x7f ? '?' : c, fp);
    }
}

static void list_on_stderr(struct eng_rejects *r, const char *source,
                           unsigned long line, const char *error)
{
    flockfile(stderr);
    fprintf(stderr, "%s: ", r->tool);
    if (source) {
        put_visible(stderr, source);
        if (line)
            fprintf(stderr, ":%lu", line);
        fputs(": ", stderr);
    } else if (line) {
        fprintf(stderr, "line %lu: ", line);
    }
    put_visible(stderr, error);
    putc_unlocked('\n', stderr);
    funlockfile(stderr);
}

int eng_rejects_add(struct eng_rejects *r, const char *source,
                    unsigned long line, const char *error, const char *raw,
                    size_t raw_len)
{
    FILE *fp = r->fp;

    r->count++;
    if (!error)
        error = "unknown error";
    if (!fp) {
        if (!r->quiet && r->shown < STDERR_SHOWN_MAX) {
            r->shown++;
            list_on_stderr(r, source, line, error);
        }
        return 0;
    }
    if (r->write_errno)
        return -1;

    flockfile(fp);
    put_lit(fp, "{\"tool\":");
    put_json_string(fp, r->tool, strlen(r->tool), SIZE_MAX);
    if (source) {
        put_lit(fp, ",\"source\":");
        put_json_string(fp, source, strlen(source), SIZE_MAX);
    }
    if (line)
        fprintf(fp, ",\"line\":%lu", line);
    put_lit(fp, ",\"error\":");
    put_json_string(fp, error, strlen(error), SIZE_MAX);
    if (raw) {
        size_t used;
        put_lit(fp, ",\"raw\":");
        used = put_json_string(fp, raw, raw_len, RAW_MAX);
        if (used < raw_len)
            put_lit(fp, ",\"raw_truncated\":true");
    }
    put_lit(fp, "}\n");
    funlockfile(fp);

    if (ferror(fp)) {
        r->write_errno = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int eng_rejects_add_json(struct eng_rejects *r, const char *source,
                         unsigned long line, const char *error,
                         const json_t *record)
{
    const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
    size_t n;

    if (!record)
        return eng_rejects_add(r, source, line, error, NULL, 0);
    /* json_dumpb returns the size it needs; grow the reused buffer once and
     * dump again when the first try did not fit. */
    n = json_dumpb(record, r->dump, r->dump_cap, flags);
    if (n > r->dump_cap) {
        size_t cap = n + n / 2;
        char *p = realloc(r->dump, cap);
        if (!p)
            return eng_rejects_add(r, source, line, error, NULL, 0);
        r->dump = p;
        r->dump_cap = cap;
        n = json_dumpb(record, r->dump, r->dump_cap, flags);
    }
    if (n == 0) /* not serialisable (e.g. NaN): keep the reject, lose raw */
        return eng_rejects_add(r, source, line, error, NULL, 0);
    return eng_rejects_add(r, source, line, error, r->dump, n);
}

unsigned long long eng_rejects_count(const struct eng_rejects *r)
{
    return r->count;
}

int eng_rejects_over_limit(const struct eng_rejects *r)
{
    return r->max_rejects >= 0 &&
           r->count > (unsigned long long)r->max_rejects;
}

int eng_rejects_flush(struct eng_rejects *r)
{
    if (!r || !r->fp)
        return 0;
    if (r->write_errno)
        return -1;
    if (fflush(r->fp) != 0) {
        r->write_errno = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int eng_rejects_close(struct eng_rejects *r, struct eng_error *err)
{
    int rc = 0;

    if (!r)
        return 0;
    if (r->fp) {
        if (fflush(r->fp) != 0 && !r->write_errno)
            r->write_errno = errno ? errno : EIO;
        if (fclose(r->fp) != 0 && !r->write_errno)
            r->write_errno = errno ? errno : EIO;
        if (r->write_errno) {
            eng_error_at(err, r->path, 0, 0, "cannot write rejects: %s",
                         strerror(r->write_errno));
            rc = -1;
        }
    } else if (!r->quiet && r->count > r->shown) {
        fprintf(stderr,
                "%s: %llu more rejects not shown (use --rejects FILE to keep "
                "them)\n", r->tool, r->count - r->shown);
    }
    free(r->fbuf);
    free(r->path);
    free(r->tool);
    free(r->dump);
    free(r);
    return rc;
}
