/* eng-match: decisions. Reads events (JSON-lines), evaluates the rules of a
 * rule file against each one, and writes one action record per firing
 * (EVENT-MODEL.md, RULES.md). main() reads the options, loads the rules,
 * and runs the matcher (match.c) over the inputs.
 *
 * Stateful rules (sequences, absences, counts, cooldowns) keep their state
 * per key in memory (cep.c), and with --state in a SQLite file (state.c).
 * SIGHUP re-reads the rule file between two events, keeping the state of
 * the rules that did not change (reload.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpool.h"
#include "cli.h"
#include "evaljsonl.h"
#include "match.h"
#include "reload.h"
#include "state.h"
#include "timeutil.h"

enum { OPT_ANNOTATE = 0x2000, OPT_WITH_EVENT, OPT_CHECK, OPT_EVAL_JSONL,
       OPT_STATE, OPT_NOW, OPT_LATENESS, OPT_STATE_TTL };

static const struct option longopts[] = {
    {"annotate", no_argument, NULL, OPT_ANNOTATE},
    {"with-event", no_argument, NULL, OPT_WITH_EVENT},
    {"check", no_argument, NULL, OPT_CHECK},
    {"eval-jsonl", no_argument, NULL, OPT_EVAL_JSONL},
    {"expr", required_argument, NULL, 'e'},
    {"state", required_argument, NULL, OPT_STATE},
    {"now", required_argument, NULL, OPT_NOW},
    {"lateness", required_argument, NULL, OPT_LATENESS},
    {"state-ttl", required_argument, NULL, OPT_STATE_TTL},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-match [options] RULES.yaml [FILE...]\n"
"       eng-match -e EXPR [FILE...]\n"
"       eng-match --eval-jsonl\n"
"Evaluate marketing rules (a CEL subset, see eng-rules(5)) against events\n"
"and write one action record per firing, for eng-emit.\n"
"\n"
"Example:\n"
"  eng-ingest -m tweets.yaml tweets.csv | eng-sentiment | eng-match rules.yaml\n"
"  eng-match -e 'type == \"purchase\" && amount > 50' events.jsonl\n"
"\n"
"      --check            validate RULES.yaml and exit (0 valid, 2 not)\n"
"      --annotate         pass every event through with \"matches\":[rule ids]\n"
"                         instead of writing actions\n"
"      --with-event       put the triggering event in each action as \"event\"\n"
"      --state FILE       keep pending sequences, counts, cooldowns and the\n"
"                         watermark in FILE (SQLite) across runs\n"
"      --now TS|wall      at the end of input, raise the watermark to TS and\n"
"                         fire the absences then due\n"
"      --lateness DUR     watermark = latest ts - DUR (default 0)\n"
"      --state-ttl DUR    forget keys idle for longer than DUR\n"
"  -e, --expr EXPR        print the value of EXPR for each record (no rules)\n"
"      --eval-jsonl       the conformance protocol: {\"expr\",\"bindings\"} lines\n"
"  -o, --output FILE      write there, atomically (default stdout)\n"
"      --rejects FILE     events that cannot be matched, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line (default 64M)\n"
"      --stats            counts on stderr at exit, per rule too\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Exit: 0 all events processed, 1 some were rejected, 2 usage or rule file\n"
"error, 3 I/O error. See eng-match(1) and eng-rules(5).\n", stdout);
}

/* The reader's flush callback: the input has no more bytes ready, so the
 * state is checkpointed now (a stream's state follows its output when it
 * pauses); a failure comes back from eng_reader_next with err set. */
static int checkpoint_when_idle(void *ctx, struct eng_error *err)
{
    return mstate_idle(((struct matcher *)ctx)->state, err);
}

/* Runs the matcher over one input; returns 0, or an exit status. */
static int run_input(struct matcher *m, const char *path)
{
    struct eng_error err;
    struct eng_line ln;
    int fd = STDIN_FILENO, got, status = 0;

    if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        eng_msg("%s: %s", path, strerror(errno));
        return ENG_EXIT_RUNTIME;
    }
    struct eng_reader *rd = eng_reader_new(fd, path, m->cli->max_line);
    if (!rd)
        abort();
    eng_reader_set_flush(rd, m->out);
    if (m->state)
        eng_reader_set_flush_fn(rd, checkpoint_when_idle, m);
    while ((got = eng_reader_next(rd, &ln, &err)) == 1) {
        if (reload_pending())
            reload_rules(m);
        int rc = matcher_line(m, rd, &ln);
        struct eng_error serr;
        if (rc == 0 && m->state && mstate_tick(m->state, &serr) < 0) {
            eng_msg("%s", serr.msg);
            status = ENG_EXIT_RUNTIME;
            break;
        }
        if (rc < 0) {
            status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE
                                                  : ENG_EXIT_RUNTIME;
            if (status == ENG_EXIT_RUNTIME)
                eng_msg("write error: %s", strerror(errno));
            break;
        }
        eng_progress_tick(m->cli, m->in, m->rejected);
        if (eng_rejects_over_limit(m->rej) || eng_signal_pending())
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

static int eval_jsonl(void)
{
    struct eng_error err;
    struct eng_reader *rd = eng_reader_new(STDIN_FILENO, "-", 0);
    struct eng_writer *w = eng_writer_new_fd(STDOUT_FILENO);
    int rc = evaljsonl_run(rd, w, &err);
    if (rc == 0)
        rc = eng_writer_flush(w);
    int status = ENG_EXIT_OK;
    if (rc < 0) {
        status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE : ENG_EXIT_RUNTIME;
        if (status == ENG_EXIT_RUNTIME)
            eng_msg("%s", err.msg[0] ? err.msg : strerror(errno));
    }
    eng_writer_free(w);
    eng_reader_free(rd);
    return status;
}

int main(int argc, char **argv)
{
    struct eng_cli cli;
    struct eng_error err;
    struct ruleset rs = {0};
    struct matcher m;
    const char *expr_text = NULL, *state_path = NULL;
    int opt, check = 0, evaljsonl = 0, status = ENG_EXIT_OK, has_now = 0;
    int64_t now_ms = 0, ttl_ms = 0;

    eng_jpool_install();    /* before any jansson value */
    eng_cli_init(&cli, "eng-match");
    memset(&m, 0, sizeof m);
    m.cli = &cli;
    while ((opt = getopt_long(argc, argv, "e:" ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case OPT_ANNOTATE: m.annotate = 1; break;
        case OPT_WITH_EVENT: m.with_event = 1; break;
        case OPT_CHECK: check = 1; break;
        case OPT_EVAL_JSONL: evaljsonl = 1; break;
        case 'e': expr_text = optarg; break;
        case OPT_STATE: state_path = optarg; break;
        case OPT_NOW:
            has_now = 1;
            if (strcmp(optarg, "wall") == 0)
                now_ms = reload_wall_ms();
            else if (eng_time_parse_rfc3339(optarg, strlen(optarg), &now_ms) < 0)
                return eng_usage_error("--now: expected an RFC 3339 time or "
                                       "'wall', got '%s'", optarg);
            break;
        case OPT_LATENESS:
        case OPT_STATE_TTL:
            /* exact: like the rules' durations, whole milliseconds */
            if (eng_duration_parse_exact(optarg, strlen(optarg),
                                         opt == OPT_LATENESS ? &m.lateness_ms
                                                             : &ttl_ms) < 0)
                return eng_usage_error("--%s: expected a duration such as "
                                       "30m, got '%s'", opt == OPT_LATENESS ?
                                       "lateness" : "state-ttl", optarg);
            break;
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
    if (evaljsonl) {
        if (optind < argc || expr_text || check || m.annotate || m.with_event)
            return eng_usage_error("--eval-jsonl takes no other option or file");
        return eval_jsonl();
    }
    if (expr_text && (check || m.annotate || m.with_event))
        return eng_usage_error("-e excludes --check, --annotate and --with-event");
    if (m.annotate && m.with_event)
        return eng_usage_error("--annotate writes events, not actions: "
                               "--with-event does not apply");
    if (expr_text && (state_path || has_now || ttl_ms || m.lateness_ms))
        return eng_usage_error("-e has no rules: --state, --now, --lateness "
                               "and --state-ttl do not apply");
    if (!expr_text && optind >= argc)
        return eng_usage_error("no rule file given");

    if (expr_text) {
        if (!(m.print_expr = eng_expr_compile(expr_text, strlen(expr_text),
                                              NULL, "-e", 1, 1, &err))) {
            eng_msg("%s", err.msg);
            return ENG_EXIT_USAGE;
        }
    } else {
        const char *file = argv[optind++];
        if (rules_load(file, &rs, &err) < 0) {
            eng_msg("%s", err.msg);
            return ENG_EXIT_USAGE;
        }
        m.rs = &rs;
    }
    if (check) {
        struct rule_index *ix = rule_index_new(&rs);
        if (optind < argc)
            eng_warn("--check: input files ignored");
        eng_msg("%s: %zu rule%s OK (%zu indexed, %zu keyed)", argv[optind - 1],
                rs.n, rs.n == 1 ? "" : "s", rule_index_nindexed(ix), rs.nkeyed);
        rule_index_free(ix);
        rules_free(&rs);
        return ENG_EXIT_OK;
    }

    if (!(m.rej = eng_rejects_open(cli.prog, cli.rejects, cli.max_rejects,
                                   cli.quiet, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    m.out = cli.output ? eng_writer_new_file(cli.output, &err)
                       : eng_writer_new_fd(STDOUT_FILENO);
    if (!m.out) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    matcher_init(&m);
    if (m.cep)
        m.cep->ttl_ms = ttl_ms;
    m.with_state = state_path != NULL;
    if (state_path && !(m.state = mstate_open(state_path, &m, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    if (!expr_text)
        reload_init(argv[optind - 1]);

    if (optind >= argc)
        status = run_input(&m, "-");
    for (int i = optind; i < argc && !status && !eng_signal_pending() &&
                         !eng_rejects_over_limit(m.rej); i++)
        status = run_input(&m, argv[i]);
    eng_progress_done(&cli);
    if (status == ENG_EXIT_OK && matcher_finish(&m, has_now, now_ms) < 0) {
        status = eng_cli_is_quiet_exit(errno) ? ENG_EXIT_SIGPIPE : ENG_EXIT_RUNTIME;
        if (status == ENG_EXIT_RUNTIME)
            eng_msg("write error: %s", strerror(errno));
    }

    if (status == ENG_EXIT_OK) {
        int bad = cli.output ? eng_writer_commit(m.out, &err)
                             : eng_writer_flush(m.out);
        if (bad < 0 && eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else if (bad < 0) {
            if (cli.output)
                eng_msg("%s", err.msg);
            else
                eng_msg("write error: %s", strerror(errno));
            status = ENG_EXIT_RUNTIME;
        }
    }
    if (m.state)
        mstate_output_done(m.state);
    if (m.state && mstate_close(m.state, status == ENG_EXIT_OK, &err) < 0) {
        eng_msg("%s", err.msg);
        if (status == ENG_EXIT_OK)
            status = ENG_EXIT_RUNTIME;
    }
    m.state = NULL;
    if (m.errors > 5)
        eng_warn("%llu more condition errors not shown", m.errors - 5);
    if (eng_rejects_close(m.rej, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    m.rej = NULL;
    json_t *extra = matcher_stats(&m);
    eng_cli_print_stats(&cli, m.in, m.out_n, m.rejected, extra);
    json_decref(extra);
    if (status == ENG_EXIT_OK && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == ENG_EXIT_OK && m.rejected > 0)
        status = ENG_EXIT_REJECTS;
out:
    mstate_close(m.state, 0, NULL);
    if (m.rej)
        eng_rejects_close(m.rej, &err);
    matcher_free(&m);
    eng_writer_free(m.out);
    eng_expr_free(m.print_expr);
    rules_free(&rs);
    return status;
}
