/* clfin: see clfin.h. One plan per input, one reused buffer for the
 * unescaped quoted fields; no allocation per line. */
#include "clfin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clf.h"

enum { C_TS, C_CUSTOMER, C_CHANNEL, C_TYPE, C_METHOD, C_PATH, C_PROTOCOL,
       C_STATUS, C_BYTES, C_REFERER, C_AGENT, C_N };
static char *const columns[C_N] = {
    "ts", "customer", "channel", "type", "method", "path", "protocol",
    "status", "bytes", "referer", "agent"
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Undoes \" \\ and \xHH into b; returns the offset of the text in b. */
static size_t unescape(struct buf *b, struct clf_span sp)
{
    size_t start = b->len;
    for (size_t i = 0; i < sp.len; i++) {
        char c = sp.p[i];
        if (c == '\\' && i + 1 < sp.len) {
            char d = sp.p[i + 1];
            if (d == 'x' && i + 3 < sp.len && hexval(sp.p[i + 2]) >= 0 &&
                hexval(sp.p[i + 3]) >= 0) {
                buf_addc(b, (char)(hexval(sp.p[i + 2]) * 16 +
                                   hexval(sp.p[i + 3])));
                i += 3;
                continue;
            }
            if (d == '"' || d == '\\') {
                buf_addc(b, d);
                i++;
                continue;
            }
        }
        buf_addc(b, c);
    }
    return start;
}

/* Returns 1 when s[0..len) is valid UTF-8 without C0 control bytes or DEL. */
static int printable_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    /* eng_utf8_valid reads only s[0..len): no terminator needed. */
    return eng_utf8_valid(s, len, NULL);
}

static void put(struct plan_cell *c, enum cell_origin o, const char *p,
                size_t len)
{
    c->origin = p ? o : CELL_ABSENT;
    c->p = p;
    c->len = len;
}

int clfin_run(struct ingest *g, struct ingest_input *in, struct eng_reader *r,
              int combined)
{
    struct eng_line ln;
    struct eng_error err;
    struct clf_record rec;
    struct plan_cell col[C_N];
    struct buf un = {0};
    size_t uoff[C_N], ulen[C_N];
    char why[192], tsb[ENG_TIME_BUFSZ], st[24], by[24];
    int got, rc = 0;

    struct plan *p = plan_new_columns(&g->popts, columns, C_N, in->label,
                                      &g->err);
    if (!p) {
        g->fatal = ENG_EXIT_USAGE;
        return -1;
    }
    struct plan_cell *cells = calloc(p->n + 1, sizeof *cells);
    struct out_val *vals = calloc(p->n + 1, sizeof *vals);
    if (!cells || !vals)
        abort();

    while (rc == 0 && (got = eng_reader_next(r, &ln, &err)) == 1) {
        const char *reason;
        size_t at;
        if (ln.too_long) {
            snprintf(why, sizeof why,
                     "line longer than --max-line (%zu bytes)",
                     g->cli->max_line);
            rc = ingest_reject(g, in, ln.lineno, why, ln.data, ln.len);
            continue;
        }
        if (ln.len == 0)
            continue;
        const char *z = ln.has_nul ? memchr(ln.data, 0, ln.len) : NULL;
        if (ln.bad_utf8 || z) {
            size_t b = ln.bad_utf8 ? ln.bad_utf8_at : (size_t)(z - ln.data);
            snprintf(why, sizeof why, "%s at byte %zu",
                     ln.bad_utf8 ? "invalid UTF-8" : "NUL byte", b + 1);
            rc = ingest_reject(g, in, ln.lineno, why, ln.data, ln.len);
            continue;
        }
        if (clf_parse(ln.data, ln.len, combined, &rec, &reason, &at) < 0) {
            snprintf(why, sizeof why, "%s at byte %zu", reason, at + 1);
            rc = ingest_reject(g, in, ln.lineno, why, ln.data, ln.len);
            continue;
        }
        un.len = 0;
        struct clf_span q[] = { rec.path, rec.referer, rec.agent };
        int qi[] = { C_PATH, C_REFERER, C_AGENT };
        for (size_t k = 0; k < 3; k++) {
            uoff[qi[k]] = q[k].p ? unescape(&un, q[k]) : 0;
            ulen[qi[k]] = q[k].p ? un.len - uoff[qi[k]] : 0;
            /* Scanners send binary junk (a TLS handshake as the request:
             * "\x16\x03\x01..."). Its unescaped bytes are not text, so the
             * field keeps its escaped form, which is valid UTF-8 since the
             * line is; the record is still a page view to account for. */
            /* (un.p is NULL while nothing was unescaped: no offset on it) */
            if (q[k].p && ulen[qi[k]] &&
                !printable_utf8(un.p + uoff[qi[k]], ulen[qi[k]])) {
                un.len = uoff[qi[k]];
                for (size_t i = 0; i < q[k].len; i++)
                    buf_addc(&un, q[k].p[i]);
                ulen[qi[k]] = q[k].len;
            }
        }
        size_t tl = eng_time_format(rec.ts, tsb);
        put(&col[C_TS], CELL_STRING, tl ? tsb : NULL, tl);
        if (rec.user.p)
            put(&col[C_CUSTOMER], CELL_STRING, rec.user.p, rec.user.len);
        else
            put(&col[C_CUSTOMER], CELL_STRING, rec.host.p, rec.host.len);
        put(&col[C_CHANNEL], CELL_STRING, "web", 3);
        put(&col[C_TYPE], CELL_STRING, "page_view", 9);
        put(&col[C_METHOD], CELL_STRING, rec.method.p, rec.method.len);
        put(&col[C_PROTOCOL], CELL_STRING, rec.protocol.p, rec.protocol.len);
        put(&col[C_STATUS], CELL_JSON, rec.status >= 0 ? st : NULL,
            rec.status >= 0 ? (size_t)snprintf(st, sizeof st, "%ld",
                                               rec.status) : 0);
        put(&col[C_BYTES], CELL_JSON, rec.bytes >= 0 ? by : NULL,
            rec.bytes >= 0 ? (size_t)snprintf(by, sizeof by, "%lld",
                                              rec.bytes) : 0);
        for (size_t k = 0; k < 3; k++) /* un has stopped moving */
            put(&col[qi[k]], CELL_STRING,
                q[k].p && un.p ? un.p + uoff[qi[k]] : NULL, ulen[qi[k]]);
        for (size_t i = 0; i < p->n; i++) {
            int c = p->leaves[i].col;
            if (c < 0)
                cells[i].origin = CELL_ABSENT;
            else
                cells[i] = col[c];
        }
        rc = ingest_plan_record(g, in, p, cells, vals, ln.lineno, ln.data,
                                ln.len, NULL);
        if (eng_signal_pending())
            break;
    }
    if (rc == 0 && got < 0)
        rc = ingest_read_failed(g, &err);
    free(cells);
    free(vals);
    buf_free(&un);
    plan_free(p);
    return rc;
}
