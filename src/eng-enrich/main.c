/* eng-enrich: profiles, identity, context. Reads events (JSON-lines), keeps
 * a profile per customer (aggregates over their events, master data,
 * segments), resolves ids that name the same person, and writes each event
 * with "profile" and "context" added (TOOLS.md, eng-enrich). main() reads
 * the options, loads the configuration (config.c), opens the state file
 * (state.c) and runs the enricher (enrich.c) over the inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpool.h"
#include "cli.h"
#include "enrich.h"
#include "timeutil.h"

enum { OPT_STATE = 0x2000, OPT_STATE_TTL, OPT_DUMP, OPT_CHECK };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"state", required_argument, NULL, OPT_STATE},
    {"state-ttl", required_argument, NULL, OPT_STATE_TTL},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"check", no_argument, NULL, OPT_CHECK},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-enrich -c CONFIG [--state FILE] [options] [FILE...]\n"
"       eng-enrich --state FILE --dump\n"
"Add each customer's profile (aggregates over their events, master data,\n"
"segments) and the event's context (local time, lookups, nearest place) to\n"
"every event; ids seen together are resolved to one person.\n"
"\n"
"Example:\n"
"  eng-ingest -m app.yaml app.log | eng-sentiment \\\n"
"    | eng-enrich -c enrich.yaml --state profiles.db | eng-match rules.yaml\n"
"\n"
"  -c, --config FILE      the configuration (see eng-enrich(1))\n"
"      --state FILE       keep profiles and identity links in this SQLite\n"
"                         file across runs (default: in memory for the run)\n"
"      --state-ttl DUR    forget customers idle longer than DUR (event time)\n"
"      --dump             write every profile of --state as JSON-lines, exit\n"
"      --check            validate CONFIG (and its master files) and exit\n"
"  -o, --output FILE      write there, atomically (default stdout)\n"
"      --rejects FILE     events that cannot be enriched, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line (default 64M)\n"
"      --stats            counts on stderr at exit\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Exit: 0 all events processed, 1 some were rejected, 2 usage or\n"
"configuration error, 3 I/O or state file error. See eng-enrich(1).\n",
        stdout);
}

static int write_status(struct enricher *e)
{
    if (e->store_failed) {
        eng_msg("%s", e->store_msg[0] ? e->store_msg : "state file error");
        return ENG_EXIT_RUNTIME;
    }
    if (eng_cli_is_quiet_exit(errno))
        return ENG_EXIT_SIGPIPE;
    eng_msg("write error: %s", strerror(errno));
    return ENG_EXIT_RUNTIME;
}

/* The reader's flush callback: the input has no more bytes ready, so the
 * state is checkpointed now (a stream's state follows its output when it
 * pauses); a failure comes back from eng_reader_next with err set. */
static int checkpoint_when_idle(void *ctx, struct eng_error *err)
{
    return eng_store_idle(((struct enricher *)ctx)->store, err);
}

/* Runs the enricher over one input; returns 0 or an exit status. */
static int run_input(struct enricher *e, const char *path)
{
    struct eng_error err;
    struct eng_line ln;
    int fd = STDIN_FILENO, got, status = 0;

    if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        eng_msg("%s: %s", path, strerror(errno));
        return ENG_EXIT_RUNTIME;
    }
    struct eng_reader *rd = eng_reader_new(fd, path, e->cli->max_line);
    if (!rd)
        abort();
    eng_reader_set_flush(rd, e->out);
    if (e->store)
        eng_reader_set_flush_fn(rd, checkpoint_when_idle, e);
    while ((got = eng_reader_next(rd, &ln, &err)) == 1) {
        if (enricher_line(e, rd, &ln) < 0) {
            status = write_status(e);
            break;
        }
        if (e->store && eng_store_tick(e->store, &err) < 0) {
            status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE
                                                  : ENG_EXIT_RUNTIME;
            if (status == ENG_EXIT_RUNTIME)
                eng_msg("%s", err.msg);
            break;
        }
        eng_progress_tick(e->cli, e->in, e->rejected);
        if (eng_rejects_over_limit(e->rej) || eng_signal_pending())
            break;
    }
    /* a read cut short by SIGINT/SIGTERM is not an error: the signal's own
     * exit status (130/143) is set below */
    if (got < 0 && status == 0 && !eng_signal_pending()) {
        status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE
                                              : ENG_EXIT_RUNTIME;
        if (status == ENG_EXIT_RUNTIME)
            eng_msg("%s", err.msg);
    }
    eng_reader_free(rd);
    if (fd != STDIN_FILENO)
        close(fd);
    return status;
}

static int dump(struct eng_cli *cli, const char *state)
{
    struct eng_error err;
    struct eng_writer *w = cli->output ? eng_writer_new_file(cli->output, &err)
                                       : eng_writer_new_fd(STDOUT_FILENO);
    if (!w) {
        eng_msg("%s", err.msg);
        return ENG_EXIT_RUNTIME;
    }
    int status = ENG_EXIT_OK;
    if (state_dump(state, w, &err) < 0 ||
        (cli->output ? eng_writer_commit(w, &err) : eng_writer_flush(w)) < 0) {
        if (eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else {
            eng_msg("%s", err.msg[0] ? err.msg : strerror(errno));
            status = ENG_EXIT_RUNTIME;
        }
    }
    eng_writer_free(w);
    return status;
}

int main(int argc, char **argv)
{
    struct eng_cli cli;
    struct eng_error err;
    struct enrich_config cfg;
    struct enricher e;
    const char *config = NULL, *state = NULL;
    int opt, do_dump = 0, check = 0, status = ENG_EXIT_OK;
    int64_t ttl = 0;

    eng_jpool_install();    /* before any jansson value */
    eng_cli_init(&cli, "eng-enrich");
    memset(&e, 0, sizeof e);
    while ((opt = getopt_long(argc, argv, "c:" ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case OPT_STATE: state = optarg; break;
        case OPT_STATE_TTL:
            if (eng_duration_parse(optarg, strlen(optarg), &ttl) < 0 || ttl <= 0)
                return eng_usage_error("--state-ttl: bad duration '%s' "
                                       "(e.g. 90d, 12h)", optarg);
            break;
        case OPT_DUMP: do_dump = 1; break;
        case OPT_CHECK: check = 1; break;
        case '?':
            return eng_cli_bad_option(argv);
        default:
            if (eng_cli_option(&cli, opt, optarg) <= 0)
                return ENG_EXIT_USAGE;
        }
    }
    if (cli.want_help) {
        usage();
        return ENG_EXIT_OK;
    }
    if (cli.want_version) {
        eng_cli_print_version(&cli);
        return ENG_EXIT_OK;
    }

    /* the combination of options */
    if (do_dump) {
        if (!state)
            return eng_usage_error("--dump needs --state FILE");
        if (optind < argc || check || ttl)
            return eng_usage_error("--dump takes no input files, --check or "
                                   "--state-ttl");
        return dump(&cli, state);
    }
    if (!config)
        return eng_usage_error("no configuration given (-c CONFIG)");
    if (ttl && !state)
        return eng_usage_error("--state-ttl needs --state FILE");

    if (enrich_config_load(config, &cfg, cli.quiet, &err) < 0) {
        eng_msg("%s", err.msg);
        enrich_config_free(&cfg);
        return ENG_EXIT_USAGE;
    }
    if (check) {
        eng_msg("%s: OK (%zu attributes, %zu segments, %zu joins)", config,
                cfg.naggs, cfg.nsegs, cfg.njoins);
        enrich_config_free(&cfg);
        return ENG_EXIT_OK;
    }

    e.cfg = &cfg;
    e.cli = &cli;
    e.ttl_ms = ttl;
    enricher_init(&e);
    if (!(e.rej = eng_rejects_open(cli.prog, cli.rejects, cli.max_rejects,
                                   cli.quiet, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    e.out = cli.output ? eng_writer_new_file(cli.output, &err)
                       : eng_writer_new_fd(STDOUT_FILENO);
    if (!e.out) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    if (state && state_open(&e, state, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }

    if (optind >= argc)
        status = run_input(&e, "-");
    for (int i = optind; i < argc && !status && !eng_signal_pending() &&
                         !eng_rejects_over_limit(e.rej); i++)
        status = run_input(&e, argv[i]);
    eng_progress_done(&cli);

    /* the state first (its checkpoint flushes the output), then the output */
    int commit = status == ENG_EXIT_OK || status == ENG_EXIT_SIGPIPE;
    if (state_close(&e, commit, &err) < 0 && commit) {
        if (eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else {
            eng_msg("%s", err.msg);
            status = ENG_EXIT_RUNTIME;
        }
    }
    if (status == ENG_EXIT_OK) {
        int bad = cli.output ? eng_writer_commit(e.out, &err)
                             : eng_writer_flush(e.out);
        if (bad < 0 && eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else if (bad < 0) {
            eng_msg("%s", cli.output ? err.msg : strerror(errno));
            status = ENG_EXIT_RUNTIME;
        }
    }
    if (e.errors_shown > ENRICH_ERRORS_SHOWN)
        eng_warn("%u more condition errors not shown",
                 e.errors_shown - ENRICH_ERRORS_SHOWN);
    if (eng_rejects_close(e.rej, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    e.rej = NULL;
    json_t *extra = enricher_stats(&e);
    eng_cli_print_stats(&cli, e.in, e.out_n, e.rejected, extra);
    json_decref(extra);
    if (status == ENG_EXIT_OK && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == ENG_EXIT_OK && e.rejected > 0)
        status = ENG_EXIT_REJECTS;
out:
    if (e.store)
        state_close(&e, 0, &err);
    if (e.rej)
        eng_rejects_close(e.rej, &err);
    enricher_free(&e);
    eng_writer_free(e.out);
    enrich_config_free(&cfg);
    return status;
}
