/* eng-emit: channels. Reads action records (EVENT-MODEL.md), runs each
 * through the policy chain (duplicate, consent, control group, quiet hours,
 * arbitration, frequency caps), delivers the survivors to their channel's
 * sink, and writes one receipt per action. main() reads the options, loads
 * CHANNELS.yaml, and runs the emitter (emit.c) over the inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "policy.h"
#include "state.h"

enum { OPT_STATE = 0x2000, OPT_DRY_RUN, OPT_RETRY, OPT_NOW, OPT_CHECK };

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"state", required_argument, NULL, OPT_STATE},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"retry", no_argument, NULL, OPT_RETRY},
    {"now", required_argument, NULL, OPT_NOW},
    {"check", no_argument, NULL, OPT_CHECK},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-emit -c CHANNELS.yaml [options] [FILE...]\n"
"       eng-emit -c CHANNELS.yaml --state FILE --retry\n"
"Deliver action records to their channels (webhooks, files, commands) with\n"
"consent, control groups, quiet hours, arbitration and frequency caps, and\n"
"write one receipt per action.\n"
"\n"
"Example:\n"
"  eng-match rules.yaml events.jsonl | eng-emit -c channels.yaml \\\n"
"      --state emit.db > receipts.jsonl\n"
"\n"
"  -c, --config FILE      the channels and policies (see eng-emit(1))\n"
"      --state FILE       journal, caps, deferred messages and outbox (SQLite)\n"
"      --dry-run          decide and render, send nothing (status dry-run)\n"
"      --retry            re-send the failed outbox of --state, read no input\n"
"      --now TS|wall      the current time, for releasing deferred messages\n"
"      --check            validate the configuration and exit\n"
"  -o, --output FILE      receipts there, atomically (default stdout)\n"
"      --rejects FILE     records that are not actions, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line (default 64M)\n"
"      --stats            counts on stderr at exit\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Exit: 0 all actions handled, 1 some were rejected, 2 usage or configuration\n"
"error, 3 I/O or state error. See eng-emit(1).\n", stdout);
}

static int flush_pending(void *ctx, struct eng_error *err)
{
    (void)err;
    struct emitter *e = ctx;
    e->input_paused = 1;   /* the next action looks at the opt-out file */
    if (emitter_drain(e) < 0) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}

static int run_input(struct emitter *e, const char *path)
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
    /* when the input pauses: deliver what is decided, then flush receipts */
    eng_reader_set_flush_fn(rd, flush_pending, e);
    eng_reader_set_flush(rd, e->out);
    while ((got = eng_reader_next(rd, &ln, &err)) == 1) {
        if (emitter_line(e, eng_reader_name(rd), &ln) < 0) {
            status = -1;
            break;
        }
        eng_progress_tick(e->cli, e->in, e->rejected);
        if (eng_rejects_over_limit(e->rej) || eng_signal_pending())
            break;
    }
    /* a read cut short by SIGINT/SIGTERM is not an error: the signal's own
     * exit status (130/143) is set below */
    if (got < 0 && status == 0 && !eng_signal_pending()) {
        if (e->ferr.msg[0])
            status = -1;
        else {
            status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE : ENG_EXIT_RUNTIME;
            if (status == ENG_EXIT_RUNTIME)
                eng_msg("%s", err.msg);
        }
    }
    if (status == -1) {
        status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE : ENG_EXIT_RUNTIME;
        if (status == ENG_EXIT_RUNTIME)
            eng_msg("%s", e->ferr.msg[0] ? e->ferr.msg : strerror(errno));
    }
    eng_reader_free(rd);
    if (fd != STDIN_FILENO)
        close(fd);
    return status;
}

int main(int argc, char **argv)
{
    struct eng_cli cli;
    struct eng_error err;
    struct emit_config cfg;
    struct emitter e;
    const char *cfgpath = NULL, *statepath = NULL, *now = NULL;
    int opt, retry = 0, check = 0, status = ENG_EXIT_OK;

    eng_cli_init(&cli, "eng-emit");
    memset(&e, 0, sizeof e);
    memset(&cfg, 0, sizeof cfg);
    e.cli = &cli;
    while ((opt = getopt_long(argc, argv, "c:" ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case 'c': cfgpath = optarg; break;
        case OPT_STATE: statepath = optarg; break;
        case OPT_DRY_RUN: e.dry_run = 1; break;
        case OPT_RETRY: retry = 1; break;
        case OPT_NOW: now = optarg; break;
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
    if (!cfgpath)
        return eng_usage_error("no configuration given (-c CHANNELS.yaml)");
    if (retry && !statepath)
        return eng_usage_error("--retry needs --state (the outbox lives there)");
    if (retry && optind < argc)
        return eng_usage_error("--retry reads no input files");
    if (now) {
        if (strcmp(now, "wall") == 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            e.now = (eng_time)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        } else if (eng_time_parse_rfc3339(now, strlen(now), &e.now) < 0) {
            return eng_usage_error("--now: expected an RFC 3339 time or 'wall'");
        }
        e.now_set = 1;
    }
    if (emit_config_load(&cfg, cfgpath, &err) < 0) {
        eng_msg("%s", err.msg);
        emit_config_free(&cfg);
        return ENG_EXIT_USAGE;
    }
    e.cfg = &cfg;
    if (check) {
        eng_msg("%s: %zu channel%s OK", cfgpath, cfg.nch, cfg.nch == 1 ? "" : "s");
        emit_config_free(&cfg);
        return ENG_EXIT_OK;
    }
    if (emitter_init(&e, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_USAGE;
        goto out;
    }
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
    e.flush_out = e.out;
    if (statepath && !(e.st = state_open(statepath, &e, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }

    if (retry) {
        if (emitter_retry(&e) < 0) {
            eng_msg("%s", e.ferr.msg);
            status = ENG_EXIT_RUNTIME;
        }
    } else {
        if (optind >= argc)
            status = run_input(&e, "-");
        for (int i = optind; i < argc && !status && !eng_signal_pending() &&
                             !eng_rejects_over_limit(e.rej); i++)
            status = run_input(&e, argv[i]);
        if (status == ENG_EXIT_OK && emitter_finish(&e) < 0) {
            status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE
                                                  : ENG_EXIT_RUNTIME;
            if (status == ENG_EXIT_RUNTIME)
                eng_msg("%s", e.ferr.msg);
        }
    }
    eng_progress_done(&cli);

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
    if (e.st) {
        /* a run stopped by a signal still saves what it decided and sent */
        int keep = status == ENG_EXIT_OK || status == ENG_EXIT_SIGPIPE;
        if (state_close(e.st, keep, &err) < 0 && keep) {
            eng_msg("%s", err.msg);
            status = ENG_EXIT_RUNTIME;
        }
        e.st = NULL;
    }
    if (e.when_errors > 5)
        eng_warn("%llu more suppress.when errors not shown", e.when_errors - 5);
    if (eng_rejects_close(e.rej, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    e.rej = NULL;
    json_t *extra = emitter_stats(&e);
    eng_cli_print_stats(&cli, e.in, e.receipts, e.rejected, extra);
    json_decref(extra);
    if (status == ENG_EXIT_OK && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == ENG_EXIT_OK && e.rejected > 0)
        status = ENG_EXIT_REJECTS;
out:
    if (e.st)
        state_close(e.st, 0, NULL);
    if (e.rej)
        eng_rejects_close(e.rej, &err);
    emitter_free(&e);
    eng_writer_free(e.out);
    emit_config_free(&cfg);
    return status;
}
