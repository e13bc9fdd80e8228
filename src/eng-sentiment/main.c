/* eng-sentiment: VADER sentiment (and topics) for the events' texts.
 * Reads JSON-lines, scores the string at --field (default "text") with the
 * VADER algorithm of vaderSentiment 3.3.2 (vader.c), and writes each event
 * with "sentiment":{...} (and "topics":[...]) spliced in before its closing
 * brace, its own bytes untouched. Events without the field, or with a
 * non-string there, pass through as they came; lines that are not JSON
 * objects go to the rejects. main() reads the options, loads the lexicons,
 * and runs the loop of sentiment.c.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>

#include "cli.h"
#include "sentiment.h"

#ifndef ENG_DATADIR
#define ENG_DATADIR "/usr/local/share/eng"
#endif

enum {
    OPT_FIELD = 0x2000, OPT_INTO, OPT_LEXICON, OPT_ADD_LEXICON, OPT_EMOJI,
    OPT_TOPICS, OPT_THRESHOLDS, OPT_EXPLAIN
};

static const struct option longopts[] = {
    {"field", required_argument, NULL, OPT_FIELD},
    {"into", required_argument, NULL, OPT_INTO},
    {"lexicon", required_argument, NULL, OPT_LEXICON},
    {"add-lexicon", required_argument, NULL, OPT_ADD_LEXICON},
    {"emoji", required_argument, NULL, OPT_EMOJI},
    {"topics", required_argument, NULL, OPT_TOPICS},
    {"thresholds", required_argument, NULL, OPT_THRESHOLDS},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    ENG_CLI_LONGOPTS,
    {NULL, 0, NULL, 0}
};

static void usage(void)
{
    fputs(
"Usage: eng-sentiment [options] [FILE...]\n"
"Score the text of each event with VADER (vaderSentiment 3.3.2's scores)\n"
"and add \"sentiment\":{compound,pos,neu,neg,label}; optionally topics.\n"
"\n"
"Example:\n"
"  eng-ingest -m tweets.yaml tweets.csv | eng-sentiment --topics topics.yaml\n"
"\n"
"      --field PATH       text to score (default text)\n"
"      --into PATH        where the scores go (default sentiment)\n"
"      --thresholds N,P   label negative at <= N, positive at >= P\n"
"                         (default -0.05,0.05)\n"
"      --explain          add sentiment.tokens: each token, its lexicon\n"
"                         valence, its score and the rules that changed it\n"
"      --lexicon FILE     replace the lexicon (WORD<TAB>VALENCE lines)\n"
"      --add-lexicon FILE domain words that add to or override it\n"
"                         (repeatable, e.g. delayed<TAB>-1.5)\n"
"      --emoji FILE       replace the emoji lexicon (EMOJI<TAB>NAME lines)\n"
"      --topics FILE      YAML topic -> phrases; adds \"topics\":[...]\n"
"  -o, --output FILE      write there, atomically (default stdout)\n"
"      --rejects FILE     lines that are not JSON objects, as JSON-lines\n"
"      --max-rejects N    stop (exit 1) after more than N rejects\n"
"      --max-line BYTES   longest line (default 64M)\n"
"      --stats            counts on stderr at exit (scored, skipped)\n"
"      --progress, --no-progress, -q/--quiet, --version, -h/--help\n"
"\n"
"Data: $ENG_DATADIR (default " ENG_DATADIR ") holds vader_lexicon.txt and\n"
"emoji_utf8_lexicon.txt. Exit: 0 ok, 1 rejects, 2 usage, 3 I/O error.\n"
"See eng-sentiment(1).\n", stdout);
}

static int parse_thresholds(const char *s, double *neg, double *pos)
{
    char *e;
    *neg = strtod(s, &e);
    if (e == s || *e != ',')
        return -1;
    const char *p = e + 1;
    *pos = strtod(p, &e);
    if (e == p || *e || !isfinite(*neg) || !isfinite(*pos) || *neg > *pos ||
        *neg < -1 || *pos > 1)
        return -1;
    return 0;
}

static char *data_file(const char *name)
{
    const char *dir = getenv("ENG_DATADIR");
    if (!dir || !*dir)
        dir = ENG_DATADIR;
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p)
        abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int main(int argc, char **argv)
{
    struct eng_cli cli;
    struct sentiment st;
    struct eng_error err;
    const char *lexicon = NULL, *emoji_file = NULL, *topics_file = NULL;
    const char *field = "text", *into = "sentiment";
    const char **add = calloc((size_t)argc + 1, sizeof *add);
    size_t nadd = 0;
    char *deflex = NULL, *defemoji = NULL;
    int opt, status = 0;

    if (!add)
        abort();
    /* Python's str.isupper()/lower() need Unicode case tables */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "en_US.UTF-8");
    eng_cli_init(&cli, "eng-sentiment");
    sentiment_init(&st, &cli);

    while ((opt = getopt_long(argc, argv, ENG_CLI_SHORTOPTS, longopts,
                              NULL)) != -1) {
        switch (opt) {
        case OPT_FIELD: field = optarg; break;
        case OPT_INTO: into = optarg; break;
        case OPT_LEXICON: lexicon = optarg; break;
        case OPT_ADD_LEXICON: add[nadd++] = optarg; break;
        case OPT_EMOJI: emoji_file = optarg; break;
        case OPT_TOPICS: topics_file = optarg; break;
        case OPT_EXPLAIN: st.explain = 1; break;
        case OPT_THRESHOLDS:
            if (parse_thresholds(optarg, &st.neg_t, &st.pos_t) < 0) {
                status = eng_usage_error("--thresholds: expected NEG,POS with "
                                         "-1 <= NEG <= POS <= 1, got '%s'",
                                         optarg);
                goto out;
            }
            break;
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
        goto out;
    }
    if (cli.want_version) {
        eng_cli_print_version(&cli);
        goto out;
    }

    if (!(st.field = eng_path_compile(field, &err))) {
        status = eng_usage_error("--field: %s", err.msg);
        goto out;
    }
    if (!(st.into = eng_path_compile(into, &err)) ||
        eng_path_key(st.into, 0) == NULL) {
        if (st.into)
            eng_error_set(&err, "'%s' must start with a name", into);
        status = eng_usage_error("--into: %s", err.msg);
        goto out;
    }
    if (!lexicon)
        lexicon = deflex = data_file("vader_lexicon.txt");
    if (!emoji_file)
        emoji_file = defemoji = data_file("emoji_utf8_lexicon.txt");
    if (!(st.lex = lexicon_new()) || !(st.emoji = emoji_new()))
        abort();
    if (lexicon_load(st.lex, lexicon, 0, &err) < 0 ||
        emoji_load(st.emoji, emoji_file, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < nadd; i++)
        if (lexicon_load(st.lex, add[i], 1, &err) < 0) {
            eng_msg("%s", err.msg);
            status = ENG_EXIT_USAGE;
            goto out;
        }
    if (topics_file && !(st.topics = topics_load(topics_file, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_USAGE;
        goto out;
    }
    if (vader_add_constants(st.lex) < 0 ||
        !(st.vader = vader_new(st.lex, st.emoji)))
        abort();

    if (!(st.rej = eng_rejects_open(cli.prog, cli.rejects, cli.max_rejects,
                                    cli.quiet, &err))) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }
    st.out = cli.output ? eng_writer_new_file(cli.output, &err)
                        : eng_writer_new_fd(STDOUT_FILENO);
    if (!st.out) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
        goto out;
    }

    if (optind >= argc)
        sentiment_run_file(&st, "-");
    for (int i = optind; i < argc && !st.fatal && !eng_signal_pending(); i++)
        sentiment_run_file(&st, argv[i]);
    eng_progress_done(&cli);

    status = st.fatal;
    if (status == 0 || eng_signal_pending()) {
        int bad = cli.output ? eng_writer_commit(st.out, &err)
                             : eng_writer_flush(st.out);
        if (bad < 0 && eng_cli_is_quiet_exit(errno)) {
            status = ENG_EXIT_SIGPIPE;
        } else if (bad < 0) {
            if (!cli.output)
                eng_error_set(&err, "write error: %s", strerror(errno));
            st.err = err;
            status = ENG_EXIT_RUNTIME;
        }
    }
    if (status != 0 && status != ENG_EXIT_SIGPIPE && st.err.msg[0])
        eng_msg("%s", st.err.msg);
    if (eng_rejects_close(st.rej, &err) < 0) {
        eng_msg("%s", err.msg);
        status = ENG_EXIT_RUNTIME;
    }
    st.rej = NULL;
    json_t *extra = json_pack("{sIsIsI}", "scored", (json_int_t)st.scored,
                              "skipped", (json_int_t)st.skipped,
                              "utf8_repaired", (json_int_t)st.repaired);
    eng_cli_print_stats(&cli, st.in, st.scored + st.skipped, st.rejected, extra);
    json_decref(extra);
    if (status == 0 && eng_signal_pending())
        status = eng_signal_exit_status();
    if (status == 0 && st.rejected > 0)
        status = ENG_EXIT_REJECTS;
out:
    sentiment_free(&st);
    free(deflex);
    free(defemoji);
    free(add);
    return status;
}
