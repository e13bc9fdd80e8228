/* eng-report: engagement KPIs from events, actions, receipts and rejects.
 * Reads any mix of JSON-lines files (or stdin), counts each record into the
 * tables of report.c, and at the end writes the metric records (output.c)
 * as JSON-lines and, with --html, one self-contained HTML page (html.c).
 * main() reads the options and runs the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "output.h"
#include "rejects.h"
#include "report.h"
#include "scanrec.h"

enum {
    OPT_CONVERSION = 0x2000, OPT_ATTRIBUTION, OPT_WINDOW, OPT_SINCE,
    OPT_UNTIL, OPT_BY, OPT_HTML, OPT_FORMAT, OPT_TITLE, OPT_LATENESS
};

static const struct option longopts[] = {
    {"conversion", required_argument, NULL, OPT_CONVERSION},
    {"attribution", required_argument, NULL, OPT_ATTRIBUTION},
    {"window", required_argument, NULL, OPT_WINDOW},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"by", required_argument, NULL, OPT_BY},
    {"html", required_argument, NULL, OPT_HTML},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"title", required_argument, NULL, OPT_TITLE},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-report [options] [FILE...]\n"
"Engagement KPIs from events, actions, receipts and rejects (any mix):\n"
"volumes, rejects by reason, the funnel per rule and channel with\n"
"conversions, lift against the control group, sentiment and topics.\n"
"\n"
"Example:\n"
"  eng-report --html report.html events.jsonl actions.jsonl receipts.jsonl\n"
"\n"
"      --conversion TYPE  event type that is a conversion (default purchase)\n"
"      --attribution DUR  a send's conversion window (default 7d)\n"
"      --lateness DUR     how far behind in time records may come (default\n"
"                         1d); attribution settles what is older\n"
"      --window DUR       length of the periods (default 1d)\n"
"      --since TS         only records at or after TS (RFC 3339)\n"
"      --until TS         only records before TS\n"
"      --by PATH[,PATH]   also group volumes, sentiment and topics by these\n"
"      --format F         jsonl, text (key=value lines, like Miller's\n"
"                         DKVP) or none; default text on a terminal,\n"
"                         else jsonl\n"
"      --html FILE        write the report as one HTML page\n"
"      --title TEXT       the page's title (default eng report)\n"
"  -o, --output FILE      write the records there, atomically\n"
"      --rejects FILE     records that cannot be counted, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line (default 64M)\n"
"      --stats            counts on stderr at exit\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Exit: 0 ok, 1 rejects, 2 usage, 3 I/O error. See eng-report(1).\n", stdout);
}

struct run {
    struct report rep;
    struct eng_cli cli;
    struct eng_rejects *rej;
    struct eng_error err;
    struct scanrec scan;
    int fatal;
};

/* Counts one line, or rejects it. Returns -1 when the run must stop. */
static int one_line(struct run *ru, const struct eng_line *ln, const char *src)
{
    char msg[256];
    struct eng_error err;
    ru->rep.in++;
    const char *why = NULL;
    json_t *root = NULL;
    if (ln->too_long) {
        snprintf(msg, sizeof msg, "line too long (%zu bytes, --max-line %zu)",
                 ln->full_len, ru->cli.max_line);
        why = msg;
    } else if (ln->has_nul) {
        why = "NUL byte in the line";
    } else if (ln->bad_utf8) {
        snprintf(msg, sizeof msg, "invalid UTF-8 at byte %zu", ln->bad_utf8_at + 1);
        why = msg;
    } else {
        /* the scan serves most lines; sentiment, topics, --by and escaped
         * strings need the whole record */
        struct report_rec rec;
        int fast = ru->rep.nby ? 0 : scanrec_line(&ru->scan, ln->data, ln->len,
                                                   &rec, &why);
        if (fast == 1) {
            if (report_add_rec(&ru->rep, &rec, &err) < 0)
                why = err.msg;
        } else if (fast == 0) {
            json_error_t je;
            root = json_loadb(ln->data, ln->len, 0, &je);
            if (!root) {
                snprintf(msg, sizeof msg, "not JSON: %s", je.text);
                why = msg;
            } else if (report_add(&ru->rep, root, &err) < 0) {
                why = err.msg;
            }
        }
    }
    json_decref(root);
    if (!why)
        return 0;
    ru->rep.rejected++;
    if (eng_rejects_add(ru->rej, src, ln->lineno, why, ln->data, ln->len) < 0) {
        eng_error_set(&ru->err, "rejects: write error: %s", strerror(errno));
        ru->fatal = ENG_EXIT_RUNTIME;
        return -1;
    }
    return eng_rejects_over_limit(ru->rej) ? -1 : 0;
}

/* One input of the merge: its reader and its current line. */
struct input {
    const char *path;
    int fd;
    struct eng_reader *rd;
    struct eng_line ln;
    int has;                    /* ln holds a line not yet counted */
    eng_time ts;                /* its "ts" (INT64_MIN: none found) */
};

/* The time of the line's first "ts":"..." member, for the merge's order
 * only (counting parses the record properly); INT64_MIN when there is
 * none, so rejects records and bad lines go first. */
static eng_time line_ts(const struct eng_line *ln)
{
    if (ln->len < 8)
        return INT64_MIN;
    const char *end = ln->data + ln->len;
    const char *p = memmem(ln->data, ln->len, "\"ts\":\"", 6);
    if (!p)
        return INT64_MIN;
    p += 6;
    const char *q = memchr(p, '"', (size_t)(end - p));
    eng_time t;
    if (!q || eng_time_parse_rfc3339(p, (size_t)(q - p), &t) < 0)
        return INT64_MIN;
    return t;
}

/* Reads in's next line. Returns 0, or -1 with ru->fatal set. */
static int advance(struct run *ru, struct input *in)
{
    struct eng_error err;
    int rc = eng_reader_next(in->rd, &in->ln, &err);
    in->has = rc == 1;
    if (rc < 0) {
        ru->err = err;
        ru->fatal = ENG_EXIT_RUNTIME;
        return -1;
    }
    if (in->has)
        in->ts = in->ln.too_long ? INT64_MIN : line_ts(&in->ln);
    return 0;
}

/* Counts every line of the n inputs, merged by time: each file is in time
 * order as eng tools write them (events, actions, receipts), so the merge
 * hands attribution one stream in time order and lets it settle as it goes
 * (report.c) instead of keeping every send and conversion. Ties go to the
 * earlier file. */
static void run_inputs(struct run *ru, const char *const *paths, size_t n)
{
    struct input *in = calloc(n, sizeof *in);
    if (!in)
        abort();
    size_t opened = 0;
    for (; opened < n; opened++) {
        struct input *x = &in[opened];
        x->path = paths[opened];
        x->fd = STDIN_FILENO;
        if (strcmp(x->path, "-") != 0 &&
            (x->fd = open(x->path, O_RDONLY | O_CLOEXEC)) < 0) {
            eng_error_set(&ru->err, "%s: %s", x->path, strerror(errno));
            ru->fatal = ENG_EXIT_RUNTIME;
            break;
        }
        if (!(x->rd = eng_reader_new(x->fd, x->path, ru->cli.max_line)))
            abort();
        if (advance(ru, x) < 0) {
            opened++;
            break;
        }
    }
    while (!ru->fatal && !eng_signal_pending()) {
        struct input *next = NULL;
        for (size_t i = 0; i < opened; i++)
            if (in[i].has && (!next || in[i].ts < next->ts))
                next = &in[i];
        if (!next)
            break;
        if (one_line(ru, &next->ln, next->path) < 0)
            break;
        eng_progress_tick(&ru->cli, ru->rep.in, ru->rep.rejected);
        if (advance(ru, next) < 0)
            break;
    }
    for (size_t i = 0; i < opened; i++) {
        eng_reader_free(in[i].rd);
        if (in[i].fd != STDIN_FILENO)
            close(in[i].fd);
    }
    free(in);
}

static int parse_time_opt(const char *name, const char *arg, eng_time *t)
{
    if (eng_time_parse_rfc3339(arg, strlen(arg), t) < 0) {
        eng_usage_error("%s: expected an RFC 3339 time, got '%s'", name, arg);
        return -1;
    }
    return 0;
}

static int parse_dur_opt(const char *name, const char *arg, int64_t *ms)
{
    if (eng_duration_parse(arg, strlen(arg), ms) < 0 || *ms <= 0) {
        eng_usage_error("%s: expected a duration such as 1h or 7d, got '%s'",
                        name, arg);
        return -1;
    }
    return 0;
}

/* --by a,b.c: compiles each path; texts point into by_copy */
static int parse_by(struct report *r, char *by_copy)
{
    size_t n = 1;
    for (const char *p = by_copy; *p; p++)
        n += *p == ',';
    r->by = calloc(n, sizeof *r->by);
    const char **texts = calloc(n, sizeof *texts);
    if (!r->by || !texts)
        abort();
    r->by_text = texts;
    struct eng_error err;
    for (char *save = NULL, *tok = strtok_r(by_copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (!(r->by[r->nby] = eng_path_compile(tok, &err))) {
            eng_usage_error("--by: %s", err.msg);
            return -1;
        }
        texts[r->nby++] = tok;
    }
    if (!r->nby) {
        eng_usage_error("--by: expected PATH[,PATH...]");
        return -1;
    }
    return 0;
}

static int write_html(const json_t *rows, const char *path, const char *title)
{
    struct eng_error err;
    struct eng_writer *w = eng_writer_new_file(path, &err);
    if (!w) {
        eng_msg("%s", err.msg);
        return -1;
    }
    int rc = report_write_html(rows, title, w);
    if (rc == 0)
        rc = eng_writer_commit(w, &err);
    else
        eng_error_set(&err, "%s: write error: %s", path, strerror(errno));
    if (rc < 0)
        eng_msg("%s", err.msg);
    eng_writer_free(w);
    return rc;
}

int main(int argc, char **argv)
{
    struct run ru;
    memset(&ru, 0, sizeof ru);
    const char *html = NULL, *title = "eng report", *lateness_text = "1d";
    char *by_copy = NULL;
    /* records: 1 JSON-lines, 2 text, 0 none; -1 until decided */
    int opt, status = 0, records = -1;

    eng_cli_init(&ru.cli, "eng-report");
    report_init(&ru.rep);
    while ((opt = getopt_long(argc, argv, ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case OPT_CONVERSION: ru.rep.conversion_type = optarg; break;
        case OPT_ATTRIBUTION:
            if (parse_dur_opt("--attribution", optarg, &ru.rep.attribution_ms) < 0)
                goto usage;
            break;
        case OPT_LATENESS:
            if (parse_dur_opt("--lateness", optarg, &ru.rep.lateness_ms) < 0)
                goto usage;
            lateness_text = optarg;
            break;
        case OPT_WINDOW:
            if (parse_dur_opt("--window", optarg, &ru.rep.window_ms) < 0)
                goto usage;
            break;
        case OPT_SINCE:
            if (parse_time_opt("--since", optarg, &ru.rep.since) < 0)
                goto usage;
            ru.rep.has_since = 1;
            break;
        case OPT_UNTIL:
            if (parse_time_opt("--until", optarg, &ru.rep.until) < 0)
                goto usage;
            ru.rep.has_until = 1;
            break;
        case OPT_BY:
            free(by_copy);
            if (!(by_copy = strdup(optarg)))
                abort();
            break;
        case OPT_HTML: html = optarg; break;
        case OPT_TITLE: title = optarg; break;
        case OPT_FORMAT:
            if (strcmp(optarg, "jsonl") == 0) {
                records = 1;
            } else if (strcmp(optarg, "text") == 0) {
                records = 2;
            } else if (strcmp(optarg, "none") == 0) {
                records = 0;
            } else {
                eng_usage_error("--format: expected jsonl, text or none, got '%s'",
                                optarg);
                goto usage;
            }
            break;
        case '?':
            status = eng_cli_bad_option(argv);
            goto out;
        default:
            if (eng_cli_option(&ru.cli, opt, optarg) <= 0)
                goto usage;
        }
    }
    if (ru.cli.want_help) {
        usage();
        goto out;
    }
    if (ru.cli.want_version) {
        eng_cli_print_version(&ru.cli);
        goto out;
    }
    if (records < 0)    /* for people on a terminal, for programs on a pipe */
        records = !ru.cli.output && isatty(STDOUT_FILENO) ? 2 : 1;
    if (by_copy && parse_by(&ru.rep, by_copy) < 0)
        goto usage;
    if (ru.rep.has_since && ru.rep.has_until && ru.rep.until <= ru.rep.since) {
        eng_usage_error("--until must be later than --since");
        goto usage;
    }
    if (!(ru.rej = eng_rejects_open(ru.cli.prog, ru.cli.rejects,
                                    ru.cli.max_rejects, ru.cli.quiet, &ru.err))) {
        eng_msg("%s", ru.err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }

    static const char *const stdin_only[] = { "-" };
    if (optind >= argc)
        run_inputs(&ru, stdin_only, 1);
    else
        run_inputs(&ru, (const char *const *)argv + optind,
                   (size_t)(argc - optind));
    eng_progress_done(&ru.cli);
    if (ru.rep.late && !ru.cli.quiet)
        eng_warn("%llu sends or conversions came more than --lateness (%s) "
                 "behind later records: their attribution is approximate "
                 "(give the files as arguments, they are merged by time, or "
                 "raise --lateness)", ru.rep.late, lateness_text);
    status = ru.fatal;
    if (status) {
        eng_msg("%s", ru.err.msg);
    } else {
        /* the report is of everything read, also after SIGINT/SIGTERM */
        report_finish(&ru.rep);
        json_t *rows = json_array();
        report_rows(&ru.rep, rows);
        if (html && write_html(rows, html, title) < 0)
            status = ENG_EXIT_RUNTIME;
        if (!status && records) {
            struct eng_writer *w = ru.cli.output
                ? eng_writer_new_file(ru.cli.output, &ru.err)
                : eng_writer_new_fd(STDOUT_FILENO);
            int bad = !w;
            if (w && (records == 2 ? report_write_text(rows, w)
                                   : report_write_jsonl(rows, w)) < 0)
                bad = 1;
            if (w && !bad)
                bad = (ru.cli.output ? eng_writer_commit(w, &ru.err)
                                     : eng_writer_flush(w)) < 0;
            if (bad && !ru.cli.output && eng_cli_is_quiet_exit(errno)) {
                status = ENG_EXIT_SIGPIPE;
            } else if (bad) {
                if (ru.cli.output)
                    eng_msg("%s", ru.err.msg);
                else
                    eng_msg("write error: %s", strerror(errno));
                status = ENG_EXIT_RUNTIME;
            }
            eng_writer_free(w);
        }
        json_decref(rows);
    }
    if (eng_rejects_close(ru.rej, &ru.err) < 0) {
        eng_msg("%s", ru.err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    json_t *extra = json_pack("{sIsIsIsIsIsI}", "events", (json_int_t)ru.rep.events,
                              "actions", (json_int_t)ru.rep.actions,
                              "receipts", (json_int_t)ru.rep.receipts,
                              "rejects", (json_int_t)ru.rep.rejects,
                              "filtered", (json_int_t)ru.rep.filtered,
                              "late", (json_int_t)ru.rep.late);
    eng_cli_print_stats(&ru.cli, ru.rep.in, ru.rep.in - ru.rep.rejected,
                        ru.rep.rejected, extra);
    json_decref(extra);
    if (status == 0 && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == 0 && ru.rep.rejected > 0)
        status = ENG_EXIT_REJECTS;
    goto out;
usage:
    status = ENG_EXIT_USAGE;
out:
    for (size_t i = 0; i < ru.rep.nby; i++)
        eng_path_free(ru.rep.by[i]);
    free(ru.rep.by);
    free((void *)ru.rep.by_text);
    free(by_copy);
    report_free(&ru.rep);
    scanrec_free(&ru.scan);
    return status;
}
