/* csvin: see csvin.h.
 *
 * Per line:
 *   if no record is pending: the record starts here (rec_line), raw = ""
 *   raw += line "\n"; csv_parse(line "\n")
 *     field callback: copy the cell into the arena (NULL = absent)
 *     record callback: header? build the plan : convert and emit the record
 *   on a parse error: reject the pending record, start a fresh parser
 * At the end: csv_fini; a quoted field still open is a reject.
 * The arena, the raw buffer and the cell arrays are reused for every record.
 */
#include "csvin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

struct csvin {
    struct ingest *g;
    struct ingest_input *in;
    struct csv_parser p;
    unsigned char opts;
    char delim, quote;
    int header;                 /* the input has a header record */
    int skip_header;            /* the header record is still to come */
    struct buf arena;           /* this record's cells, NUL-terminated */
    size_t *off, *len;          /* cell i: arena offset and length */
    char *null;                 /* cell i was an unquoted empty cell */
    size_t ncells, cap;
    struct buf raw;             /* this record's lines, "\n"-joined */
    unsigned long rec_line;     /* 0: no record pending */
    unsigned long cur_line;     /* the line being parsed */
    const char *cur;
    size_t cur_len;
    char bad[128];              /* reject reason found while reading */
    char **names;               /* column names */
    size_t nnames;
    int names_from_header;
    struct plan *plan;
    struct plan_cell *cells;
    struct out_val *vals;
    int stop;
};

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void parser_init(struct csvin *c)
{
    csv_init(&c->p, c->opts);
    csv_set_delim(&c->p, (unsigned char)c->delim);
    csv_set_quote(&c->p, (unsigned char)c->quote);
    csv_set_space_func(&c->p, no_space);
}

static void reset_record(struct csvin *c)
{
    c->ncells = 0;
    c->arena.len = 0;
    c->raw.len = 0;
    c->rec_line = 0;
    c->bad[0] = '\0';
}

static void on_cell(void *s, size_t len, void *data)
{
    struct csvin *c = data;
    if (c->ncells == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->off = realloc(c->off, c->cap * sizeof *c->off);
        c->len = realloc(c->len, c->cap * sizeof *c->len);
        c->null = realloc(c->null, c->cap);
        if (!c->off || !c->len || !c->null)
            abort();
    }
    size_t i = c->ncells++;
    c->null[i] = s == NULL;
    c->off[i] = c->arena.len;
    c->len[i] = s ? len : 0;
    if (s)
        buf_add(&c->arena, s, len);
    buf_addc(&c->arena, '\0');
}

static const char *cell(const struct csvin *c, size_t i)
{
    return c->arena.p + c->off[i];
}

static void free_names(struct csvin *c)
{
    for (size_t i = 0; i < c->nnames; i++)
        free(c->names[i]);
    free(c->names);
    c->names = NULL;
    c->nnames = 0;
}

/* Names the columns (from the header record, the mapping's columns, or
 * "1", "2"...) and compiles the plan for them. */
static int bind(struct csvin *c, int from_record)
{
    const struct mapping *m = c->g->popts.map;
    size_t n = from_record ? c->ncells : m->ncolumns;
    c->names = calloc(n + 1, sizeof *c->names);
    if (!c->names)
        abort();
    for (size_t i = 0; i < n; i++) {
        char num[24];
        const char *name;
        if (!from_record) {
            name = m->columns[i];
        } else if (c->header) {
            name = cell(c, i);
        } else {
            snprintf(num, sizeof num, "%zu", i + 1);
            name = num;
        }
        c->names[i] = strdup(name);
        if (!c->names[i])
            abort();
        c->nnames++;
    }
    c->names_from_header = from_record && c->header;
    c->plan = plan_new_columns(&c->g->popts, c->names, c->nnames,
                               c->in->label, &c->g->err);
    if (!c->plan) {
        c->g->fatal = ENG_EXIT_USAGE;
        return -1;
    }
    c->cells = calloc(c->plan->n + 1, sizeof *c->cells);
    c->vals = calloc(c->plan->n + 1, sizeof *c->vals);
    if (!c->cells || !c->vals)
        abort();
    return 0;
}

static int reject(struct csvin *c, const char *why)
{
    size_t rl = c->raw.len;
    if (rl && c->raw.p[rl - 1] == '\n')
        rl--;
    int rc = ingest_reject(c->g, c->in, c->rec_line, why, c->raw.p, rl);
    reset_record(c);
    return rc;
}

static int record(struct csvin *c)
{
    char why[160];
    size_t rl = c->raw.len;
    if (rl && c->raw.p[rl - 1] == '\n')
        rl--;
    if (c->bad[0])
        return reject(c, c->bad);
    if (!c->plan && bind(c, 1) < 0)
        return -1;
    if (c->skip_header) {
        c->skip_header = 0;
        reset_record(c);
        return 0;
    }
    if (c->ncells != c->nnames) {
        snprintf(why, sizeof why, "ragged row: %zu field%s, %s %zu",
                 c->ncells, c->ncells == 1 ? "" : "s",
                 c->names_from_header ? "header has" : "expected", c->nnames);
        return reject(c, why);
    }
    for (size_t i = 0; i < c->plan->n; i++) {
        int col = c->plan->leaves[i].col;
        struct plan_cell *pc = &c->cells[i];
        if (col < 0 || c->null[col]) {
            pc->origin = CELL_ABSENT;
            continue;
        }
        pc->origin = CELL_TEXT;
        pc->p = cell(c, (size_t)col);
        pc->len = c->len[col];
    }
    int rc = ingest_plan_record(c->g, c->in, c->plan, c->cells, c->vals,
                                c->rec_line, c->raw.p, rl, NULL);
    reset_record(c);
    return rc;
}

static void on_record(int ch, void *data)
{
    struct csvin *c = data;
    (void)ch;
    if (c->stop)
        return;
    if (c->rec_line == 0) { /* a second record on one line (bare CR) */
        c->rec_line = c->cur_line;
        buf_add(&c->raw, c->cur, c->cur_len);
    }
    if (record(c) < 0)
        c->stop = 1;
}

static void mark_bad(struct csvin *c, const char *what, size_t at)
{
    if (!c->bad[0])
        snprintf(c->bad, sizeof c->bad, "%s at byte %zu", what, at + 1);
}

static int feed(struct csvin *c, const struct eng_line *ln)
{
    const char *s = ln->data;
    size_t len = ln->len;
    size_t max = c->g->cli->max_line;
    char why[128];

    if (ln->too_long) {
        snprintf(why, sizeof why, "line longer than --max-line (%zu bytes)",
                 max);
        if (c->rec_line == 0)
            c->rec_line = ln->lineno;
        buf_add(&c->raw, s, len);
        csv_free(&c->p);
        parser_init(c);
        return reject(c, why);
    }
    if (ln->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        len -= 3;
    }
    if (c->rec_line == 0) {
        if (len == 0)
            return 0;
        c->rec_line = ln->lineno;
    }
    size_t base = c->raw.len;
    buf_add(&c->raw, s, len);
    buf_addc(&c->raw, '\n');
    if (ln->bad_utf8)
        mark_bad(c, "invalid UTF-8", base + ln->bad_utf8_at);
    if (ln->has_nul) {
        /* looked up again: the flag alone does not say where */
        const char *z = memchr(s, '\0', len);
        if (z)
            mark_bad(c, "NUL byte", base + (size_t)(z - s));
    }
    if (c->raw.len > max) {
        snprintf(why, sizeof why, "record longer than --max-line (%zu bytes)",
                 max);
        csv_free(&c->p);
        parser_init(c);
        return reject(c, why);
    }
    c->cur_line = ln->lineno;
    c->cur = s;
    c->cur_len = len;
    size_t done = csv_parse(&c->p, s, len, on_cell, on_record, c);
    if (!c->stop && done == len)
        done += csv_parse(&c->p, "\n", 1, on_cell, on_record, c);
    if (c->stop)
        return -1;
    if (done < len + 1 && csv_error(&c->p) != CSV_SUCCESS) {
        snprintf(why, sizeof why, "malformed quoting at line %lu byte %zu",
                 ln->lineno, done + 1);
        csv_free(&c->p);
        parser_init(c);
        return reject(c, why);
    }
    return 0;
}

int csvin_run(struct ingest *g, struct ingest_input *in, struct eng_reader *r,
              int tsv)
{
    const struct mapping *m = g->popts.map;
    struct csvin c;
    struct eng_line ln;
    struct eng_error err;
    int rc = 0, got = 0;

    memset(&c, 0, sizeof c);
    c.g = g;
    c.in = in;
    c.opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL;
    c.delim = m && m->delimiter ? m->delimiter : tsv ? '\t' : ',';
    c.quote = m && m->quote ? m->quote : tsv ? '\0' : '"';
    c.header = m ? m->header : 1;
    c.skip_header = c.header;
    parser_init(&c);
    if (m && m->columns && bind(&c, 0) < 0)
        rc = -1;

    while (rc == 0 && (got = eng_reader_next(r, &ln, &err)) == 1) {
        if (feed(&c, &ln) < 0)
            rc = -1;
        else if (eng_signal_pending())
            break;
    }
    if (rc == 0 && got < 0)
        rc = ingest_read_failed(g, &err);
    if (rc == 0 && csv_fini(&c.p, on_cell, on_record, &c) != 0 && !c.stop &&
        c.rec_line)
        rc = reject(&c, "quoted field not closed at end of input");
    if (c.stop)
        rc = -1;
    csv_free(&c.p);
    plan_free(c.plan);
    free(c.cells);
    free(c.vals);
    free_names(&c);
    free(c.off);
    free(c.len);
    free(c.null);
    buf_free(&c.arena);
    buf_free(&c.raw);
    return rc;
}
