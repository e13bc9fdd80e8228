/* cli: what every eng tool's command line shares. The common options of
 * TOOLS.md, messages in the house format, exit statuses, signals, progress
 * and --stats.
 *
 * A tool's main() puts ENG_CLI_LONGOPTS in its getopt_long table and hands
 * every option it does not know itself to eng_cli_option(). Messages go to
 * stderr as "eng-X: message" or "eng-X: FILE:LINE[:COL]: message"; stdout is
 * data only.
 *
 * Signals: SIGPIPE is ignored, so a write to a closed downstream fails with
 * EPIPE and the tool ends quietly (eng_cli_is_quiet_exit) with status 141,
 * as if killed by SIGPIPE, after saving its state. SIGINT and SIGTERM only set
 * a flag (no SA_RESTART, so a blocked read returns EINTR); the tool finishes
 * the current record, flushes output and state, and exits 130 / 143.
 */
#ifndef ENG_CLI_H
#define ENG_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"

#define ENG_VERSION_STRING "0.1.0"

enum eng_exit {
    ENG_EXIT_OK = 0,       /* every record processed */
    ENG_EXIT_REJECTS = 1,  /* some records rejected, the rest processed */
    ENG_EXIT_USAGE = 2,    /* usage or configuration error, nothing processed */
    ENG_EXIT_RUNTIME = 3,  /* I/O or state store failure */
    ENG_EXIT_SIGPIPE = 141,
    ENG_EXIT_SIGINT = 130,
    ENG_EXIT_SIGTERM = 143
};

/* Option codes of the common long options (outside the char range). */
enum {
    ENG_OPT_REJECTS = 0x1000, ENG_OPT_MAX_REJECTS, ENG_OPT_STATS,
    ENG_OPT_PROGRESS, ENG_OPT_NO_PROGRESS, ENG_OPT_VERSION, ENG_OPT_MAX_LINE
};

/* Entries for a getopt_long table; short options to add to the optstring:
 * "ho:q". */
#define ENG_CLI_LONGOPTS \
    {"help", no_argument, NULL, 'h'}, \
    {"version", no_argument, NULL, ENG_OPT_VERSION}, \
    {"output", required_argument, NULL, 'o'}, \
    {"rejects", required_argument, NULL, ENG_OPT_REJECTS}, \
    {"max-rejects", required_argument, NULL, ENG_OPT_MAX_REJECTS}, \
    {"max-line", required_argument, NULL, ENG_OPT_MAX_LINE}, \
    {"stats", no_argument, NULL, ENG_OPT_STATS}, \
    {"progress", no_argument, NULL, ENG_OPT_PROGRESS}, \
    {"no-progress", no_argument, NULL, ENG_OPT_NO_PROGRESS}, \
    {"quiet", no_argument, NULL, 'q'}
#define ENG_CLI_SHORTOPTS "ho:q"

struct eng_cli {
    const char *prog;         /* "eng-ingest" */
    const char *output;       /* -o FILE, NULL: stdout */
    const char *rejects;      /* --rejects FILE, NULL: stderr summary */
    long long max_rejects;    /* --max-rejects N, -1: never stop */
    size_t max_line;          /* --max-line BYTES (suffixes K M G) */
    int stats;                /* --stats */
    int progress;             /* 1 on, 0 off, -1 auto (on when stderr is a tty
                                 and the run lasts over 2 s) */
    int quiet;                /* -q */
    int want_help, want_version;
    /* progress state */
    int64_t start_ns, last_progress_ns;
    int progress_shown;
    unsigned progress_calls;  /* ticks since the last clock read */
    int stderr_tty;           /* isatty(2), read once by eng_cli_init */
};

/* Initialises cli with defaults, records prog for messages, and installs
 * the signal handling described above. Call first in main(). */
void eng_cli_init(struct eng_cli *cli, const char *prog);

/* Handles a common option. Returns 1 when handled, 0 when opt is not a
 * common option (the tool handles it), -1 on a bad argument (message
 * printed; main returns ENG_EXIT_USAGE). -h and --version only set
 * want_help / want_version. */
int eng_cli_option(struct eng_cli *cli, int opt, const char *arg);

/* Prints "eng-X (eng) VERSION" on stdout. */
void eng_cli_print_version(const struct eng_cli *cli);

/* Message helpers, all to stderr, all prefixed "prog: ". eng_warn is
 * silenced by -q; eng_msg never is. */
void eng_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void eng_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "prog: <message>" and "Try 'prog --help'."; returns ENG_EXIT_USAGE. */
int eng_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For getopt_long's '?': names the option that is unknown or lacks its
 * value ("prog: option '--bogus' is unknown or needs a value") and returns
 * ENG_EXIT_USAGE. eng_cli_init turns getopt's own messages off. */
int eng_cli_bad_option(char *const argv[]);
/* Returns the program name set by eng_cli_init. */
const char *eng_prog(void);

/* Returns the pending signal (SIGINT/SIGTERM) or 0. */
int eng_signal_pending(void);
/* Returns the exit status for the pending signal (130/143), or 0. */
int eng_signal_exit_status(void);

/* Parses a size with optional K/M/G suffix (powers of 1024). 0 or -1. */
int eng_parse_size(const char *s, size_t *out);
/* Parses a non-negative decimal count. 0 or -1. */
int eng_parse_count(const char *s, long long *out);

/* Call once per record (cheap: reads the clock every 1024 calls). Draws the
 * --progress line on stderr at most once a second: records, records/s,
 * rejects. */
void eng_progress_tick(struct eng_cli *cli, unsigned long long records,
                       unsigned long long rejected);
/* Clears the progress line, if one was drawn. */
void eng_progress_done(struct eng_cli *cli);

/* Prints the --stats line on stderr when cli->stats is set:
 * {"tool":"eng-X","in":N,"out":N,"rejected":N, ...extra members}.
 * extra (may be NULL) is borrowed; its members are appended in order. */
void eng_cli_print_stats(const struct eng_cli *cli, unsigned long long in,
                         unsigned long long out, unsigned long long rejected,
                         const json_t *extra);

/* Returns 1 when err/errno says the downstream closed the pipe (EPIPE): the
 * tool should stop quietly with ENG_EXIT_SIGPIPE. */
int eng_cli_is_quiet_exit(int errnum);

#endif
