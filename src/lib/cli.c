/* cli: the command-line surface every eng tool shares (TOOLS.md, "Common to
 * every tool"): the common options, messages in the house format, signals,
 * the --progress line and the --stats line.
 *
 * Messages. Everything for people goes to stderr as "prog: message"; the
 * program name is kept in a static by eng_cli_init so that eng_msg() and
 * friends can be called from anywhere in a tool without passing it around.
 * Usage errors add the line "Try 'prog --help' for more information.", as
 * GNU tools do.
 *
 * Signals. The rules, and why:
 *   1. SIGPIPE is ignored, so a write to a closed downstream fails with EPIPE
 *      instead of killing the tool mid-record; the tool then saves its state
 *      and exits 141 quietly (eng_cli_is_quiet_exit).
 *   2. SIGINT and SIGTERM only set a flag (a volatile sig_atomic_t, the one
 *      thing a handler may portably write). They are installed without
 *      SA_RESTART, so a read blocked on a quiet pipe returns EINTR and the
 *      main loop gets to look at the flag.
 *   3. A second SIGINT or SIGTERM while one is pending restores the default
 *      action and re-raises it: a tool stuck somewhere that never checks the
 *      flag can always be killed with two ^C.
 *   4. A signal that was ignored when the tool started (a background job of
 *      a non-interactive shell ignores SIGINT) stays ignored, as in sh(1).
 *
 * Progress. eng_progress_tick() is called once per record, so it must cost
 * next to nothing: it counts calls and reads CLOCK_MONOTONIC once every 1024
 * of them. A line is drawn at most once a second when --progress is on, or,
 * by default, when stderr is a terminal and the run is older than 2 s:
 *   "\reng-X: 1234567 records, 250000/s, 3 rejected"
 * (records/s is the average since the start). On a terminal the line is
 * redrawn in place and erased before any other message; when --progress
 * sends it to a file, each drawing is ended by the next one's "\r" and the
 * last one by a newline, so a log stays readable.
 */
#include "jpool.h"
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Same value as ENG_MAX_LINE_DEFAULT in jsonl.h (the reader's default). */
#define MAX_LINE_DEFAULT ((size_t)64 << 20)

static const char *g_prog = "eng";
static struct eng_cli *g_cli;           /* for -q and the progress line */
static volatile sig_atomic_t g_signal;  /* first SIGINT/SIGTERM seen, or 0 */

#define NS_PER_SEC 1000000000LL

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* Only async-signal-safe calls here (sigaction, raise). */
static void on_signal(int sig)
{
    if (g_signal != 0) {
        struct sigaction sa;
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, NULL);
        /* sig is blocked while we run: it is delivered, with the default
         * action, as soon as the handler returns. */
        raise(sig);
        return;
    }
    g_signal = sig;
}

static void install_signals(void)
{
    struct sigaction sa, old;
    const int sigs[] = { SIGINT, SIGTERM };

    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    sa.sa_handler = on_signal;
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read must return EINTR */
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

void eng_cli_init(struct eng_cli *cli, const char *prog)
{
    memset(cli, 0, sizeof *cli);
    cli->prog = prog ? prog : "eng";
    cli->max_rejects = -1;
    cli->max_line = MAX_LINE_DEFAULT;
    cli->progress = -1;
    cli->start_ns = now_ns();
    cli->last_progress_ns = cli->start_ns;
    cli->stderr_tty = isatty(STDERR_FILENO);
    g_prog = cli->prog;
    g_cli = cli;
    g_signal = 0;
    install_signals();
    /* getopt's own messages start with argv[0], a path when the tool is run
     * by one; eng_cli_bad_option says it as "prog: ..." instead */
    opterr = 0;
}

int eng_cli_bad_option(char *const argv[])
{
    /* after '?' optind is past the offending word (or at argc when a value
     * is missing at the end); optopt is the short option, 0 for a long one */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    if (optopt && !(word[0] == '-' && word[1] == '-'))
        return eng_usage_error("option '-%c' is unknown or needs a value", optopt);
    return eng_usage_error("option '%s' is unknown or needs a value", word);
}

const char *eng_prog(void)
{
    return g_prog;
}

/* Takes the progress line off the screen before another message, so the
 * message does not land in the middle of it. The next tick redraws it. */
static void clear_progress_line(void)
{
    if (!g_cli || !g_cli->progress_shown)
        return;
    fputs(g_cli->stderr_tty ? "\r\033[K" : "\n", stderr);
    g_cli->progress_shown = 0;
}

static void vmsg(const char *fmt, va_list ap)
{
    flockfile(stderr);
    clear_progress_line();
    fprintf(stderr, "%s: ", g_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void eng_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

void eng_warn(const char *fmt, ...)
{
    va_list ap;
    if (g_cli && g_cli->quiet)
        return;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

int eng_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", g_prog);
    return ENG_EXIT_USAGE;
}

int eng_signal_pending(void)
{
    return (int)g_signal;
}

int eng_signal_exit_status(void)
{
    switch (g_signal) {
    case SIGINT:  return ENG_EXIT_SIGINT;
    case SIGTERM: return ENG_EXIT_SIGTERM;
    default:      return 0;
    }
}

int eng_cli_is_quiet_exit(int errnum)
{
    return errnum == EPIPE;
}

/* Reads the leading decimal digits of s into *out; returns the first byte
 * after them, or NULL when there are none or the value passes max. */
static const char *parse_digits(const char *s, unsigned long long max,
                                unsigned long long *out)
{
    unsigned long long v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return NULL;
        v = v * 10 + d;
        p++;
    }
    if (p == s)
        return NULL;
    *out = v;
    return p;
}

int eng_parse_count(const char *s, long long *out)
{
    unsigned long long v;
    const char *end;
    if (!s)
        return -1;
    end = parse_digits(s, LLONG_MAX, &v);
    if (!end || *end != '\0')
        return -1;
    *out = (long long)v;
    return 0;
}

/* Suffixes: none (bytes), K M G, with an optional "B" or "iB"; the letter
 * in either case. All are powers of 1024, as the header promises. */
int eng_parse_size(const char *s, size_t *out)
{
    unsigned long long v, mult = 1;
    const char *p;
    if (!s)
        return -1;
    p = parse_digits(s, SIZE_MAX, &v);
    if (!p)
        return -1;
    switch (*p) {
    case '\0': break;
    case 'k': case 'K': mult = 1ULL << 10; p++; break;
    case 'm': case 'M': mult = 1ULL << 20; p++; break;
    case 'g': case 'G': mult = 1ULL << 30; p++; break;
    default: return -1;
    }
    if (mult != 1) {
        if (strcmp(p, "iB") == 0)
            p += 2;
        else if (strcmp(p, "B") == 0)
            p += 1;
    }
    if (*p != '\0')
        return -1;
    if (v > SIZE_MAX / mult)
        return -1;
    *out = (size_t)(v * mult);
    return 0;
}

static int bad_value(const char *opt, const char *what, const char *arg)
{
    eng_usage_error("%s: expected %s, got '%s'", opt, what, arg ? arg : "");
    return -1;
}

int eng_cli_option(struct eng_cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case 'h':
        cli->want_help = 1;
        return 1;
    case ENG_OPT_VERSION:
        cli->want_version = 1;
        return 1;
    case 'o':
        if (!arg || !*arg)
            return bad_value("--output", "a file name", arg);
        cli->output = arg;
        return 1;
    case ENG_OPT_REJECTS:
        if (!arg || !*arg)
            return bad_value("--rejects", "a file name", arg);
        cli->rejects = arg;
        return 1;
    case ENG_OPT_MAX_REJECTS:
        if (eng_parse_count(arg, &cli->max_rejects) < 0)
            return bad_value("--max-rejects", "a non-negative integer", arg);
        return 1;
    case ENG_OPT_MAX_LINE: {
        size_t n;
        /* 0 would reject every line: certainly a mistake. */
        if (eng_parse_size(arg, &n) < 0 || n == 0)
            return bad_value("--max-line",
                             "a positive size in bytes (suffix K, M or G)", arg);
        cli->max_line = n;
        return 1;
    }
    case ENG_OPT_STATS:
        cli->stats = 1;
        return 1;
    case ENG_OPT_PROGRESS:
        cli->progress = 1;
        return 1;
    case ENG_OPT_NO_PROGRESS:
        cli->progress = 0;
        return 1;
    case 'q':
        cli->quiet = 1;
        return 1;
    default:
        return 0;
    }
}

void eng_cli_print_version(const struct eng_cli *cli)
{
    printf("%s (eng) %s\n", cli->prog, ENG_VERSION_STRING);
}

void eng_progress_tick(struct eng_cli *cli, unsigned long long records,
                       unsigned long long rejected)
{
    int64_t now, elapsed;
    unsigned long long rate;

    if (cli->progress == 0)
        return;
    if ((++cli->progress_calls & 1023) != 0)
        return;
    if (cli->progress < 0 && !cli->stderr_tty)
        return;
    now = now_ns();
    elapsed = now - cli->start_ns;
    if (cli->progress < 0 && elapsed < 2 * NS_PER_SEC)
        return;
    if (now - cli->last_progress_ns < NS_PER_SEC)
        return;
    cli->last_progress_ns = now;
    rate = elapsed > 0
        ? (unsigned long long)((long double)records * NS_PER_SEC / elapsed)
        : 0;
    /* On a terminal, "\033[K" erases what a longer earlier line left. */
    fprintf(stderr, "\r%s: %llu records, %llu/s, %llu rejected%s", cli->prog,
            records, rate, rejected, cli->stderr_tty ? "\033[K" : "");
    cli->progress_shown = 1;
}

void eng_progress_done(struct eng_cli *cli)
{
    if (!cli->progress_shown)
        return;
    fputs(cli->stderr_tty ? "\r\033[K" : "\n", stderr);
    cli->progress_shown = 0;
}

static json_t *count_value(unsigned long long n)
{
    /* json_int_t is long long; a count past it cannot happen in practice,
     * but must not wrap to a negative number either. */
    return json_integer(n > (unsigned long long)LLONG_MAX ? LLONG_MAX
                                                          : (json_int_t)n);
}

void eng_cli_print_stats(const struct eng_cli *cli, unsigned long long in,
                         unsigned long long out, unsigned long long rejected,
                         const json_t *extra)
{
    json_t *o;
    char *text;

    if (!cli->stats)
        return;
    o = json_object();
    if (!o)
        return;
    json_object_set_new(o, "tool", json_string(cli->prog));
    json_object_set_new(o, "in", count_value(in));
    json_object_set_new(o, "out", count_value(out));
    json_object_set_new(o, "rejected", count_value(rejected));
    if (extra && json_is_object(extra)) {
        const char *key;
        json_t *value;
        /* jansson keeps insertion order, so extras come out in order. The
         * four counts above are the contract: an extra never replaces them. */
        json_object_foreach((json_t *)extra, key, value) {
            if (!json_object_get(o, key))
                json_object_set(o, key, value);
        }
    }
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!text)
        return;
    flockfile(stderr);
    clear_progress_line();
    fprintf(stderr, "%s\n", text);
    funlockfile(stderr);
    eng_json_free(text);
}
