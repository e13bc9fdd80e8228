/* consent: the opt-out list (suppress.opt_out), a file of customer ids or
 * addresses that must never be contacted.
 *
 * Format, one entry per line (blank lines and lines starting with '#' are
 * skipped):
 *   - a JSON object: every string value of its members customer, id,
 *     address, email, phone is an entry ({"customer":"c7"});
 *   - otherwise CSV: the first field of the row, unquoted ("c7",x,y). A
 *     header row is read as an entry too, which is harmless.
 * Entries are compared byte for byte after trimming blanks.
 *
 * Reloading: the file is stat()ed at most once a second of wall time (and
 * whenever the input pauses), and reread when its inode, size or mtime
 * changed, so an opt-out takes effect in a running stream without a
 * syscall per action. A file that became unreadable keeps the old list in
 * force (consent never silently drops to "everyone may be contacted").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "policy.h"

struct consent {
    char *path;
    struct idset *set;
    size_t n;
    struct stat st;
    int64_t last_check_ns;
    int warned;
};

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void add_entry(struct consent *c, const char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len && idset_add(c->set, emit_hash(s, len)))
        c->n++;
}

static void parse_line(struct consent *c, char *s, size_t len)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    if (!len || *s == '#')
        return;
    if (*s == '{') {
        static const char *const keys[] = {"customer", "id", "address",
                                           "email", "phone"};
        json_t *o = json_loadb(s, len, 0, NULL);
        for (size_t i = 0; o && i < sizeof keys / sizeof *keys; i++) {
            json_t *v = json_object_get(o, keys[i]);
            if (json_is_string(v))
                add_entry(c, json_string_value(v), json_string_length(v));
        }
        json_decref(o);
        return;
    }
    if (*s == '"') {   /* a quoted CSV field, "" for a quote */
        struct eng_tmpl_buf b = {0};
        size_t i = 1;
        for (; i < len; i++) {
            if (s[i] == '"') {
                if (i + 1 < len && s[i + 1] == '"') {
                    eng_tmpl_buf_put(&b, "\"", 1, ENG_TMPL_NONE);
                    i++;
                    continue;
                }
                break;
            }
            eng_tmpl_buf_put(&b, s + i, 1, ENG_TMPL_NONE);
        }
        if (b.len)
            add_entry(c, b.data, b.len);
        eng_tmpl_buf_free(&b);
        return;
    }
    char *comma = memchr(s, ',', len);
    add_entry(c, s, comma ? (size_t)(comma - s) : len);
}

/* Reads the file into a fresh set. 0, or -1 with errno. */
static int load(struct consent *c)
{
    FILE *f = fopen(c->path, "re");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) < 0) {
        fclose(f);
        return -1;
    }
    struct idset *old = c->set;
    size_t oldn = c->n;
    c->set = idset_new();
    c->n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        if (got && line[got - 1] == '\n')
            got--;
        parse_line(c, line, (size_t)got);
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad) {
        idset_free(c->set);
        c->set = old;
        c->n = oldn;
        errno = EIO;
        return -1;
    }
    idset_free(old);
    c->st = st;
    return 0;
}

struct consent *consent_open(const char *path, struct eng_error *err)
{
    struct consent *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path)))
        abort();
    if (load(c) < 0) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        consent_free(c);
        return NULL;
    }
    c->last_check_ns = mono_ns();
    return c;
}

void consent_free(struct consent *c)
{
    if (!c)
        return;
    idset_free(c->set);
    free(c->path);
    free(c);
}

void consent_maybe_reload(struct consent *c, int force)
{
    int64_t now = mono_ns();
    if (!force && now - c->last_check_ns < 1000000000)
        return;
    c->last_check_ns = now;
    struct stat st;
    if (stat(c->path, &st) < 0) {
        if (!c->warned++)
            eng_warn("%s: %s; the opt-out list read before stays in force",
                     c->path, strerror(errno));
        return;
    }
    if (st.st_ino == c->st.st_ino && st.st_size == c->st.st_size &&
        st.st_mtim.tv_sec == c->st.st_mtim.tv_sec &&
        st.st_mtim.tv_nsec == c->st.st_mtim.tv_nsec)
        return;
    if (load(c) < 0) {
        if (!c->warned++)
            eng_warn("%s: %s; the opt-out list read before stays in force",
                     c->path, strerror(errno));
        return;
    }
    c->warned = 0;
}

int consent_has(const struct consent *c, const char *s, size_t len)
{
    return idset_has(c->set, emit_hash(s, len));
}

size_t consent_size(const struct consent *c)
{
    return c->n;
}
