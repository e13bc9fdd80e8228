/* eng-ingest: sources to events. Reads CSV/TSV, JSON-lines, JSON documents
 * and web access logs, and writes one event per record as JSON-lines
 * (EVENT-MODEL.md), with every record that cannot become an event in the
 * rejects. main() reads the options, builds the run (mapping, outputs,
 * rejects), and hands each input to its format's reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clfin.h"
#include "cli.h"
#include "csvin.h"
#include "detect.h"
#include "follow.h"
#include "ingest.h"
#include "jsonin.h"

enum {
    OPT_SET = 0x2000, OPT_REQUIRE, OPT_SINCE, OPT_UNTIL, OPT_REPLAY,
    OPT_FOLLOW, OPT_PART_BY, OPT_PARTS, OPT_PART_OUT, OPT_TZ, OPT_SOURCE, OPT_WHERE
};

static const struct option longopts[] = {
    {"format", required_argument, NULL, 'f'},
    {"map", required_argument, NULL, 'm'},
    {"infer-none", no_argument, NULL, 'S'},
    {"set", required_argument, NULL, OPT_SET},
    {"require", required_argument, NULL, OPT_REQUIRE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"partition-by", required_argument, NULL, OPT_PART_BY},
    {"partitions", required_argument, NULL, OPT_PARTS},
    {"partition-out", required_argument, NULL, OPT_PART_OUT},
    {"tz", required_argument, NULL, OPT_TZ},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"where", required_argument, NULL, OPT_WHERE},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-ingest [options] [FILE...]\n"
"Turn CSV, TSV, JSON-lines, JSON and web access logs into eng events\n"
"(one JSON object per line with id, ts, customer, channel, type, source).\n"
"\n"
"Example:\n"
"  eng-ingest -m tweets.yaml tweets.csv | eng-sentiment | eng-match rules.yaml\n"
"\n"
"  -f, --format FMT       csv tsv jsonl json clf combined auto (default auto:\n"
"                         by extension, then by content)\n"
"  -m, --map FILE         YAML mapping of source columns to event fields\n"
"  -S, --infer-none       keep every CSV value a string (no numbers)\n"
"      --set FIELD=VALUE  add a string constant (FIELD may be a path)\n"
"      --require LIST     fields every event needs (default ts,customer,type)\n"
"      --since TS         drop events before TS (inclusive bound)\n"
"      --until TS         drop events at or after TS\n"
"      --where EXPR       keep events for which EXPR (eng-rules(5)) is true\n"
"      --tz ZONE          zone for times without one (default UTC)\n"
"      --source NAME      source name for ids and source.name\n"
"      --replay SPEED     pace output by event time: 1x, 60x, max (default)\n"
"      --follow           keep reading files as they grow (like tail -F)\n"
"      --partition-by PATH --partitions N --partition-out PATTERN\n"
"                         write N outputs (PATTERN has one %d) by key hash\n"
"  -o, --output FILE      write there, atomically (default stdout)\n"
"      --rejects FILE     records that cannot be events, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line or record (default 64M)\n"
"      --stats            counts on stderr at exit (in out rejected filtered)\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Exit: 0 all records became events, 1 some were rejected, 2 usage or\n"
"mapping error, 3 I/O error. See eng-ingest(1).\n", stdout);
}

/* Splits "a,b,c" into a new array of new strings. */
static char **split_list(const char *s, size_t *n)
{
    char **v = calloc(strlen(s) / 2 + 2, sizeof *v);
    char *dup = strdup(s), *save = NULL;
    if (!v || !dup)
        abort();
    *n = 0;
    for (char *t = strtok_r(dup, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
        v[(*n)++] = strdup(t);
    free(dup);
    return v;
}

/* Reader flush hook for partitioned output: every partition is flushed when
 * the input would block, so FIFOs downstream see events promptly. */
static int flush_partitions(void *ctx, struct eng_error *err)
{
    (void)err;   /* the reader's "write error" says it */
    return partition_flush(ctx);
}

static int run_input(struct ingest *g, struct jsonin *j, const char *path)
{
    struct ingest_input in;
    struct detect_src src = {0};
    struct follower *fl = NULL;
    struct eng_error err;
    struct eng_reader *r = NULL;
    int fd = STDIN_FILENO, rc = -1;
    const char *fmt = g->format;

    ingest_input_init(g, &in, path);
    if (strcmp(fmt, "auto") == 0)
        fmt = detect_by_name(path);
    if (g->follow) {
        if (!(fl = follow_open(path, &err)))
            goto fail_msg;
        src.fn = follow_read;
        src.ctx = fl;
    } else if (strcmp(path, "-") != 0 &&
               (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        eng_error_set(&err, "%s: %s", path, strerror(errno));
        goto fail_msg;
    } else {
        src.fn = detect_fd_read;
        src.ctx = &fd;
    }
    if (!fmt || strcmp(fmt, "log") == 0) {
        fmt = detect_by_content(&src, fmt);
        if (!fmt) {
            eng_error_set(&err, "%s: %s", in.label, strerror(errno));
            goto fail_msg;
        }
    }
    if (src.head || fl)
        r = eng_reader_new_fn(detect_read, &src, in.label, g->cli->max_line);
    else
        r = eng_reader_new(fd, in.label, g->cli->max_line);
    if (!r)
        abort();
    eng_reader_set_flush(r, g->out);
    if (g->parts)
        eng_reader_set_flush_fn(r, flush_partitions, g->parts);
    if (strcmp(fmt, "csv") == 0 || strcmp(fmt, "tsv") == 0)
        rc = csvin_run(g, &in, r, fmt[0] == 't');
    else if (strcmp(fmt, "jsonl") == 0)
        rc = jsonin_run_lines(j, &in, r);
    else if (strcmp(fmt, "json") == 0)
        rc = jsonin_run_docs(j, &in, r);
    else
        rc = clfin_run(g, &in, r, strcmp(fmt, "combined") == 0 ? 1 : -1);
    goto out;
fail_msg:
    g->fatal = ENG_EXIT_RUNTIME;
    g->err = err;
out:
    eng_reader_free(r);
    detect_free(&src);
    if (fl)
        follow_close(fl);
    if (fd != STDIN_FILENO && fd >= 0)
        close(fd);
    ingest_input_free(&in);
    return rc;
}

static int parse_time_opt(const char *opt, const char *s,
                          const struct eng_tz *tz, eng_time *out)
{
    if (eng_time_parse_any(s, strlen(s), tz, out) < 0)
        return eng_usage_error("%s: cannot parse time '%s'", opt, s);
    return 0;
}

int main(int argc, char **argv)
{
    struct eng_cli cli;
    struct ingest g;
    struct eng_error err;
    const char *map_file = NULL, *since = NULL, *until = NULL, *tz = NULL;
    const char *require = "ts,customer,type", *replay = "max";
    const char *part_by = NULL, *part_out = NULL, *where = NULL;
    long long nparts = -1;
    struct mapping *map = NULL;
    struct jsonin *j = NULL;
    int opt, status = 0;

    eng_cli_init(&cli, "eng-ingest");
    memset(&g, 0, sizeof g);
    g.cli = &cli;
    g.format = NULL;
    g.popts.set_fields = calloc((size_t)argc + 1, sizeof(char *));
    g.popts.set_vals = calloc((size_t)argc + 1, sizeof(struct map_const));
    if (!g.popts.set_fields || !g.popts.set_vals)
        abort();

    while ((opt = getopt_long(argc, argv, "f:m:S" ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'f': g.format = optarg; break;
        case 'm': map_file = optarg; break;
        case 'S': g.popts.infer_none = 1; break;
        case OPT_REQUIRE: require = optarg; break;
        case OPT_SINCE: since = optarg; break;
        case OPT_UNTIL: until = optarg; break;
        case OPT_REPLAY: replay = optarg; break;
        case OPT_FOLLOW: g.follow = 1; break;
        case OPT_PART_BY: part_by = optarg; break;
        case OPT_PART_OUT: part_out = optarg; break;
        case OPT_TZ: tz = optarg; break;
        case OPT_SOURCE: g.source_opt = optarg; break;
        case OPT_WHERE: where = optarg; break;
        case OPT_PARTS:
            if (eng_parse_count(optarg, &nparts) < 0 || nparts < 1 ||
                nparts > 1024) {
                status = eng_usage_error("--partitions: expected 1..1024, got "
                                         "'%s'", optarg);
                goto out;
            }
            break;
        case OPT_SET: {
            const char *eq = strchr(optarg, '=');
            size_t i = g.popts.nset++;
            if (!eq || eq == optarg) {
                status = eng_usage_error("--set: expected FIELD=VALUE, got '%s'",
                                         optarg);
                goto out;
            }
            g.popts.set_fields[i] = strndup(optarg, (size_t)(eq - optarg));
            g.popts.set_vals[i].text = (char *)eq + 1;
            g.popts.set_vals[i].len = strlen(eq + 1);
            g.popts.set_vals[i].is_string = 1;
            char **k;
            size_t nk;
            if (mapping_split_target(g.popts.set_fields[i], &k, &nk, &err) < 0) {
                status = eng_usage_error("--set: %s", err.msg);
                goto out;
            }
            int bad = strcmp(k[0], "source") == 0;
            mapping_free_keys(k, nk);
            if (bad) {
                status = eng_usage_error("--set: source is written by "
                                         "eng-ingest (use --source NAME)");
                goto out;
            }
            break;
        }
        case '?':
            status = eng_cli_bad_option(argv);
            goto out;
        default:
            if (eng_cli_option(&cli, opt, optarg) <= 0) {
                status = ENG_EXIT_USAGE;
                goto out;
            }
        }
    }
    if (cli.want_help) {
        usage();
        status = ENG_EXIT_OK;
        goto out;
    }
    if (cli.want_version) {
        eng_cli_print_version(&cli);
        status = ENG_EXIT_OK;
        goto out;
    }

    /* the combination of options */
    if ((part_by || part_out || nparts >= 0) &&
        !(part_by && part_out && nparts >= 0)) {
        status = eng_usage_error("--partition-by, --partitions and "
                                 "--partition-out go together");
        goto out;
    }
    if (part_by && cli.output) {
        status = eng_usage_error("-o and --partition-out exclude each other");
        goto out;
    }
    if (where && !(g.where = where_new(where, &err))) {
        status = eng_usage_error("%s", err.msg);
        goto out;
    }
    if (part_by && partition_check(part_out, (unsigned)nparts, &err) < 0) {
        status = eng_usage_error("%s", err.msg);
        goto out;
    }
    if (g.follow && (optind >= argc || strcmp(argv[optind], "-") == 0)) {
        status = eng_usage_error("--follow needs named files");
        goto out;
    }
    if (replay_parse(replay, &g.replay) < 0) {
        status = eng_usage_error("--replay: expected 1x, 60x, max..., got '%s'",
                                 replay);
        goto out;
    }
    if (tz && !(g.popts.tz = eng_tz_get(tz, &err))) {
        status = eng_usage_error("--tz: %s", err.msg);
        goto out;
    }
    if ((since && parse_time_opt("--since", since, g.popts.tz, &g.since)) ||
        (until && parse_time_opt("--until", until, g.popts.tz, &g.until))) {
        status = ENG_EXIT_USAGE;
        goto out;
    }
    g.have_since = since != NULL;
    g.have_until = until != NULL;
    g.popts.require = split_list(require, &g.popts.nrequire);
    if (map_file && !(map = mapping_load(map_file, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_USAGE;
        goto out;
    }
    g.popts.map = map;
    if (!g.format)
        g.format = map && map->format ? map->format : "auto";
    static const char *const formats[] = { "csv", "tsv", "jsonl", "json",
        "clf", "combined", "auto", NULL };
    size_t fi = 0;
    while (formats[fi] && strcmp(formats[fi], g.format) != 0)
        fi++;
    if (!formats[fi]) {
        status = eng_usage_error("-f: unknown format '%s'", g.format);
        goto out;
    }
    if (part_by && !(g.part_path = eng_path_compile(part_by, &err))) {
        status = eng_usage_error("--partition-by: %s", err.msg);
        goto out;
    }

    j = jsonin_new(&g);
    if (!j) {
        eng_msg("%s", g.err.msg);
        status = ENG_EXIT_USAGE;
        goto out;
    }
    if (!(g.rej = eng_rejects_open(cli.prog, cli.rejects, cli.max_rejects,
                                   cli.quiet, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    if (part_by)
        g.parts = partition_open(part_out, (unsigned)nparts, &err);
    else if (cli.output)
        g.out = eng_writer_new_file(cli.output, &err);
    else
        g.out = eng_writer_new_fd(STDOUT_FILENO);
    if (!g.out && !g.parts) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }

    if (optind >= argc)
        run_input(&g, j, "-");
    for (int i = optind; i < argc && !g.fatal && !eng_signal_pending(); i++)
        run_input(&g, j, argv[i]);
    eng_progress_done(&cli);

    /* the end: flush or commit what was written, report, choose the status */
    status = g.fatal;
    if (status == 0 || status == ENG_EXIT_REJECTS || eng_signal_pending()) {
        int bad = g.parts ? partition_commit(g.parts, &err)
                          : cli.output ? eng_writer_commit(g.out, &err)
                                       : eng_writer_flush(g.out);
        if (bad < 0 && eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else if (bad < 0) {
            if (!cli.output && !g.parts)
                eng_error_set(&err, "write error: %s", strerror(errno));
            g.err = err;
            status = ENG_EXIT_RUNTIME;
        }
    }
    if (status != 0 && status != ENG_EXIT_SIGPIPE && g.err.msg[0])
        eng_msg("%s", g.err.msg);
    if (eng_rejects_close(g.rej, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    unsigned long long nrej = g.in - g.out_n - g.filtered;
    json_t *extra = json_pack("{sI}", "filtered", (json_int_t)g.filtered);
    if (g.where)
        json_object_set_new(extra, "where_errors",
                            json_integer((json_int_t)where_errors(g.where)));
    eng_cli_print_stats(&cli, g.in, g.out_n, nrej, extra);
    json_decref(extra);
    if (status == 0 && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == 0 && nrej > 0)
        status = ENG_EXIT_REJECTS;

out:
    jsonin_free(j);
    where_free(g.where);
    eng_writer_free(g.out);
    partition_free(g.parts);
    eng_path_free(g.part_path);
    mapping_free(map);
    buf_free(&g.ev);
    for (size_t i = 0; i < g.popts.nset; i++)
        free(g.popts.set_fields[i]);
    free(g.popts.set_fields);
    free(g.popts.set_vals);
    for (size_t i = 0; i < g.popts.nrequire; i++)
        free(g.popts.require[i]);
    free(g.popts.require);
    return status;
}
