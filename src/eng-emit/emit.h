/* emit: eng-emit's shared types. The configuration (config.c), one action
 * on its way through the policy chain (struct item), and the emitter that
 * owns the run (emit.c).
 *
 * The life of an action (emit.c has the loop, policy.c the chain):
 *
 *   read -> parse -> duplicate -> consent -> control -> quiet hours
 *        -> arbitration (held up to `hold`) -> frequency caps
 *        -> queue -> drain: journal, deliver (sinks), receipts in queue order
 *
 * Every action read leaves exactly one receipt (or one reject), so
 * in = receipts for input actions + rejected (--stats).
 */
#ifndef ENG_EMIT_H
#define ENG_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "error.h"
#include "expr.h"
#include "jsonl.h"
#include "path.h"
#include "rejects.h"
#include "template.h"
#include "timeutil.h"

/* ---------------------------------------------------------------- config */

struct emit_freq {
    int set;
    long long max;
    int64_t per;               /* ms */
};

struct emit_quiet {
    int set;                   /* 0: no quiet hours */
    int from_min, to_min;      /* minutes after local midnight */
    struct eng_path *tz_path;  /* NULL: default zone only */
    const struct eng_tz *deftz;
    int defer;                 /* action: defer (1) or suppress (0) */
};

enum sink_kind { SINK_STDOUT, SINK_FILE, SINK_HTTP, SINK_EXEC, SINK_PIPE };

/* One piece of a compiled JSON body: literal JSON text, or a template
 * rendered JSON-escaped (the quotes are in the literals around it). */
struct body_part {
    char *lit;
    size_t lit_len;
    struct eng_template *tmpl; /* NULL for a literal */
};

struct emit_header {
    char *name;
    char *value;               /* ${NAME} expanded; never printed */
};

struct sink_state;             /* sinks.c: open files, pipe processes */

struct emit_channel {
    char *name;                /* "push", "*" */
    enum sink_kind kind;
    char *sink;                /* as configured: "file:cases.jsonl" */
    char *target;              /* path, URL or command text */
    char **argv;               /* exec/pipe: the command, NULL terminated */
    int64_t timeout_ms;        /* http: per attempt */
    int retries;               /* http: extra attempts after the first */
    int64_t backoff_ms;        /* http: first backoff, doubled per retry */
    int insecure;
    int concurrency;           /* http: requests in flight */
    struct emit_freq freq;
    int has_quiet;             /* the channel sets its own quiet_hours */
    struct emit_quiet quiet;
    struct body_part *body;    /* NULL: message = the action record */
    size_t nbody;
    struct eng_template *tmpl_name; /* template: FILE (its name a template) */
    struct emit_header *headers;
    size_t nheaders;
    int idx;
    struct sink_state *ss;
};

struct emit_config {
    struct eng_config *yaml;
    char *dir;                 /* the config's directory with its '/', or "":
                                  what the files it names (opt_out, channel
                                  templates) are relative to */
    struct emit_freq freq;     /* defaults.frequency */
    struct emit_quiet quiet;   /* defaults.quiet_hours */
    char *opt_out;             /* suppress.opt_out file, NULL: none */
    struct eng_path **opt_out_paths; /* fields compared with the list */
    size_t nopt_out_paths;
    struct eng_expr *when;     /* suppress.when */
    int control;               /* control group configured */
    unsigned control_buckets;  /* percent * 100, of 10000 */
    char *control_salt;
    int arbitrate;             /* arbitration configured */
    int64_t hold_ms;
    struct emit_channel *ch;
    size_t nch;
    struct emit_channel *star; /* "*" or NULL */
};

/* Returns name relative to the config's directory (as is when absolute),
 * a new string the caller frees. */
char *emit_config_file(const struct emit_config *c, const char *name);

/* Loads and checks CHANNELS.yaml. 0, or -1 with err "FILE:LINE:COL: ...". */
int emit_config_load(struct emit_config *c, const char *path,
                     struct eng_error *err);
void emit_config_free(struct emit_config *c);
/* Returns the channel for an action's channel name (NULL name: "*"), or
 * NULL when neither it nor "*" is configured. */
struct emit_channel *emit_config_channel(const struct emit_config *c,
                                         const char *name);
/* Splits a command line into argv without a shell: blanks separate words,
 * '...' and "..." quote, backslash escapes in "..." and outside. Returns a
 * NULL-terminated vector (free with emit_argv_free) or NULL with err. */
char **emit_argv_split(const char *s, struct eng_error *err);
void emit_argv_free(char **argv);

/* ---------------------------------------------------------------- items */

enum item_status {
    ST_NONE, ST_SENT, ST_SUPPRESSED, ST_DEFERRED, ST_FAILED, ST_DRYRUN
};

enum item_origin { FROM_INPUT, FROM_DEFERRED, FROM_RETRY };

struct item {
    json_t *act;               /* the action record (owned); NULL once the
                                  item is queued (item_detach) */
    char *raw;                 /* its line as read (owned), for the default
                                  message and the outbox; NULL once queued
                                  when it is needed for neither */
    size_t raw_len;
    const char *id, *ts_text, *customer, *chname; /* borrowed from act, then
                                  from strs */
    char *strs;                /* owned copies of the four, once detached */
    eng_time ts;
    int64_t priority;
    unsigned long long seq;    /* arrival order */
    struct emit_channel *ch;
    enum item_origin origin;
    enum item_status status;
    const char *reason;        /* static */
    char *error;               /* failed: owned */
    char *by;                  /* lower-priority: the winner's id (owned) */
    eng_time until;            /* deferred: due time */
    int attempts;
    int deliver;               /* queued for delivery */
    struct eng_tmpl_buf msg;   /* the rendered message */
    int msg_is_text;           /* msg is plain text (template:), not JSON */
    /* http delivery state (sink_http.c) */
    int64_t next_try_ms;
    long http_code;
    struct item *next;         /* queue / group link */
};

void item_free(struct item *it);

/* ---------------------------------------------------------------- parts */

struct deferred_rec {
    char *raw;                 /* the action record's text (owned) */
    size_t len;
    eng_time until;
};

struct consent;
struct tmpl_cache;
struct custmap;
struct idset;
struct arbiter;
struct emit_state;
struct http_sink;

struct emitter {
    struct emit_config *cfg;
    struct eng_cli *cli;
    struct eng_writer *out;
    struct eng_rejects *rej;
    struct eng_expr_ctx *ectx;
    struct consent *consent;
    struct custmap *cust;
    struct idset *ids;
    struct arbiter *arb;
    struct emit_state *st;     /* NULL without --state */
    struct eng_writer *flush_out; /* flushed before each state commit */
    struct http_sink *http;
    int dry_run;
    int now_set;
    eng_time now;              /* --now */
    eng_time watermark;        /* max(ts seen, --now) */
    int have_wm;
    /* the queue of decided items, drained in order */
    struct item *qhead, *qtail;
    size_t qlen, qdeliver;
    unsigned long long seq;
    /* deferred actions waiting for the end of quiet hours */
    struct deferred_rec *drec;
    size_t ndrec, capdrec;
    eng_time dmin;             /* earliest until among them */
    struct tmpl_cache *tcache; /* sinks.c: template: files */
    unsigned long long when_errors;
    int input_paused;          /* the input paused: look at the opt-out file */
    /* counts */
    unsigned long long in, receipts, rejected, sent, suppressed, deferred_n,
        failed, dryrun, released, retried, template_missing;
    unsigned long long reasons[8];
    int fatal;                 /* a runtime error stopped the run */
    struct eng_error ferr;
};

/* emit.c */
/* Parses an action record's text. Returns a new item, or NULL with why. */
struct item *emitter_parse(struct emitter *e, const char *text, size_t len,
                           char *why, size_t whysz);
int emitter_init(struct emitter *e, struct eng_error *err);
void emitter_free(struct emitter *e);
/* Handles one input line. Returns 0, or -1 on a fatal error (e->ferr). */
int emitter_line(struct emitter *e, const char *src, const struct eng_line *ln);
/* Drains the queue: delivers, journals, writes receipts. 0 or -1. */
int emitter_drain(struct emitter *e);
/* End of input: releases held actions, drains. 0 or -1. */
int emitter_finish(struct emitter *e);
/* --retry: re-sends the failed outbox. 0 or -1. */
int emitter_retry(struct emitter *e);
/* Puts a decided item on the queue (takes it). */
void emitter_enqueue(struct emitter *e, struct item *it);
/* Resumes an item at frequency caps and queues it. */
void emitter_after_arbitration(struct emitter *e, struct item *it);
json_t *emitter_stats(const struct emitter *e);

#endif
