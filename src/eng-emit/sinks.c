/* sinks: messages rendered and delivered (stdout, file:, exec:, pipe:).
 *
 *   stdout      the message travels in the receipt itself ("message"), so
 *               stdout stays one receipt per line; nothing else is written.
 *   file:PATH   appended, one line per message, written with write(2) and
 *               complete before the batch is journaled as sent.
 *   exec:CMD    one process per message (argv split without a shell), the
 *               message on its stdin, its stdout sent to our stderr (stdout
 *               is data only); exit 0 = sent; killed after the channel's
 *               timeout.
 *   pipe:CMD    one long-running process, one message line on its stdin
 *               per action; sent = written to the pipe. A process that died
 *               is started again for the next message.
 *
 * Order inside a batch: files, http, pipe, then exec, because exec is the
 * only sink journaled message by message (state.c explains why).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sinks.h"
#include "state.h"

extern char **environ;

#define TMPL_CACHE_MAX 256
#define TMPL_FILE_MAX (1 << 20)

struct sink_state {
    int fd;                     /* file: or pipe: stdin, -1 when closed */
    pid_t pid;                  /* pipe: */
    struct eng_tmpl_buf buf;    /* file: pending bytes of the batch */
};

struct tmpl_cache {
    char *name;
    struct eng_template *t;
    char *error;
    struct tmpl_cache *next;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_error(struct item *it, const char *fmt, const char *a)
{
    char buf[600];
    snprintf(buf, sizeof buf, fmt, a);
    free(it->error);
    if (!(it->error = strdup(buf)))
        abort();
}

/* template: FILE -- the file name is itself a template; files are read
 * and compiled once and cached by name. */
static struct tmpl_cache *tmpl_load(struct emitter *e, const char *name)
{
    size_t n = 0;
    for (struct tmpl_cache *c = e->tcache; c; c = c->next, n++)
        if (strcmp(c->name, name) == 0)
            return c;
    struct tmpl_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->name = strdup(name)))
        abort();
    char msg[600];
    size_t nl = strlen(name);
    if (strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 ||
        strstr(name, "/../") || (nl >= 3 && strcmp(name + nl - 3, "/..") == 0)) {
        snprintf(msg, sizeof msg, "template %.200s: '..' is not allowed", name);
        c->error = strdup(msg);
    } else {
        char *file = emit_config_file(e->cfg, name);
        FILE *f = fopen(file, "re");
        free(file);
        char *text = f ? malloc(TMPL_FILE_MAX + 1) : NULL;
        size_t got = text ? fread(text, 1, TMPL_FILE_MAX + 1, f) : 0;
        if (!f) {
            snprintf(msg, sizeof msg, "template %.200s: %s", name, strerror(errno));
            c->error = strdup(msg);
        } else if (got > TMPL_FILE_MAX) {
            snprintf(msg, sizeof msg, "template %.200s: larger than 1 MiB", name);
            c->error = strdup(msg);
        } else {
            struct eng_error err;
            if (!(c->t = eng_template_compile(text, got, &err))) {
                snprintf(msg, sizeof msg, "template %.200s: %.300s", name, err.msg);
                c->error = strdup(msg);
            }
        }
        free(text);
        if (f)
            fclose(f);
    }
    if (n >= TMPL_CACHE_MAX) {  /* hostile payloads naming endless files */
        c->next = NULL;
        return c;               /* caller frees: not cached */
    }
    c->next = e->tcache;
    e->tcache = c;
    return c;
}

static void tmpl_entry_free(struct tmpl_cache *c)
{
    free(c->name);
    eng_template_free(c->t);
    free(c->error);
    free(c);
}

int sinks_render(struct emitter *e, struct item *it)
{
    struct emit_channel *ch = it->ch;
    struct eng_tmpl_scope sc = {"action", it->act, NULL, NULL, 0};
    it->msg.len = 0;
    it->msg_is_text = 0;
    if (ch->body) {
        for (size_t i = 0; i < ch->nbody; i++) {
            int rc = ch->body[i].tmpl
                ? eng_template_render(ch->body[i].tmpl, &sc, ENG_TMPL_JSON,
                                      &it->msg, &e->template_missing)
                : eng_tmpl_buf_put(&it->msg, ch->body[i].lit,
                                   ch->body[i].lit_len, ENG_TMPL_NONE);
            if (rc < 0)
                abort();
        }
        return 0;
    }
    if (ch->tmpl_name) {
        struct eng_tmpl_buf name = {0};
        if (eng_template_render(ch->tmpl_name, &sc, ENG_TMPL_NONE, &name,
                                &e->template_missing) < 0)
            abort();
        struct tmpl_cache *c = tmpl_load(e, name.data ? name.data : "");
        int rc = 0;
        if (c->error) {
            set_error(it, "%s", c->error);
            rc = -1;
        } else {
            it->msg_is_text = 1;
            eng_tmpl_buf_put(&it->msg, "", 0, ENG_TMPL_NONE);
            if (eng_template_render(c->t, &sc, ENG_TMPL_NONE, &it->msg,
                                    &e->template_missing) < 0)
                abort();
        }
        int cached = 0;
        for (struct tmpl_cache *x = e->tcache; x; x = x->next)
            cached |= x == c;
        if (!cached)
            tmpl_entry_free(c);
        eng_tmpl_buf_free(&name);
        return rc;
    }
    if (eng_tmpl_buf_put(&it->msg, it->raw, it->raw_len, ENG_TMPL_NONE) < 0)
        abort();
    return 0;
}

static struct sink_state *ss_get(struct emit_channel *ch)
{
    if (!ch->ss) {
        if (!(ch->ss = calloc(1, sizeof *ch->ss)))
            abort();
        ch->ss->fd = -1;
    }
    return ch->ss;
}

long long sinks_file_size(const struct emit_channel *ch)
{
    struct stat st;
    if (stat(ch->target, &st) < 0)
        return -1;
    return (long long)st.st_size;
}

/* Writes all of buf to fd; 0 or -1 (errno). */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* One message as a line: a text message becomes a JSON string. */
static void message_line(struct eng_tmpl_buf *b, const struct item *it)
{
    if (it->msg_is_text) {
        eng_tmpl_buf_put(b, "\"", 1, ENG_TMPL_NONE);
        eng_tmpl_buf_put(b, it->msg.data ? it->msg.data : "", it->msg.len,
                         ENG_TMPL_JSON);
        eng_tmpl_buf_put(b, "\"", 1, ENG_TMPL_NONE);
    } else {
        eng_tmpl_buf_put(b, it->msg.data, it->msg.len, ENG_TMPL_NONE);
    }
    eng_tmpl_buf_put(b, "\n", 1, ENG_TMPL_NONE);
}

static void deliver_files(struct emitter *e, struct item *q)
{
    for (struct item *it = q; it; it = it->next)
        if (it->deliver && it->status == ST_NONE && it->ch->kind == SINK_FILE)
            message_line(&ss_get(it->ch)->buf, it);
    for (size_t i = 0; i < e->cfg->nch; i++) {
        struct emit_channel *ch = &e->cfg->ch[i];
        if (ch->kind != SINK_FILE || !ch->ss || !ch->ss->buf.len)
            continue;
        struct sink_state *ss = ch->ss;
        int bad = 0;
        if (ss->fd < 0 &&
            (ss->fd = open(ch->target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                           0666)) < 0)
            bad = errno;
        if (!bad && write_all(ss->fd, ss->buf.data, ss->buf.len) < 0)
            bad = errno;
        ss->buf.len = 0;
        for (struct item *it = q; it; it = it->next) {
            if (!it->deliver || it->status != ST_NONE || it->ch != ch)
                continue;
            it->attempts = 1;
            if (bad) {
                it->status = ST_FAILED;
                set_error(it, "%s", strerror(bad));
            } else {
                it->status = ST_SENT;
            }
        }
    }
}

/* Runs argv with msg on stdin; returns 0 when it exits 0, else -1 with why
 * in it->error. */
static int run_exec(struct emit_channel *ch, struct item *it)
{
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        set_error(it, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    pid_t pid;
    int rc = posix_spawnp(&pid, ch->argv[0], &fa, NULL, ch->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    if (rc != 0) {
        close(in[1]);
        set_error(it, "cannot run %s", ch->argv[0]);
        return -1;
    }
    int64_t deadline = mono_ms() + ch->timeout_ms;
    /* write the message without blocking past the deadline */
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    const char *p = it->msg.data ? it->msg.data : "";
    size_t left = it->msg.len;
    while (left) {
        ssize_t w = write(in[1], p, left);
        if (w > 0) {
            p += w;
            left -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN)
            break;   /* EPIPE: the command does not read its input; its exit
                        status decides */
        int64_t now = mono_ms();
        if (now >= deadline)
            break;
        struct pollfd pf = {in[1], POLLOUT, 0};
        poll(&pf, 1, (int)(deadline - now));
    }
    close(in[1]);
    int status, waited = 0;
    for (int sleep_us = 200;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            waited = 1;
            break;
        }
        if (r < 0 && errno != EINTR)
            break;
        if (mono_ms() >= deadline)
            break;
        struct timespec ts = {0, sleep_us * 1000L};
        nanosleep(&ts, NULL);
        if (sleep_us < 20000)
            sleep_us *= 2;
    }
    if (!waited) {
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        set_error(it, "%s: timed out", ch->argv[0]);
        return -1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    char why[64];
    if (WIFEXITED(status))
        snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
    set_error(it, "%s", why);
    return -1;
}

static int pipe_start(struct emit_channel *ch, struct item *it)
{
    struct sink_state *ss = ss_get(ch);
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        set_error(it, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    int rc = posix_spawnp(&ss->pid, ch->argv[0], &fa, NULL, ch->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    if (rc != 0) {
        close(in[1]);
        ss->pid = 0;
        set_error(it, "cannot run %s", ch->argv[0]);
        return -1;
    }
    ss->fd = in[1];
    return 0;
}

static void pipe_stop(struct sink_state *ss)
{
    if (ss->fd >= 0)
        close(ss->fd);
    ss->fd = -1;
    if (ss->pid > 0) {
        int st;
        while (waitpid(ss->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    ss->pid = 0;
}

static void deliver_pipe(struct item *it)
{
    struct sink_state *ss = ss_get(it->ch);
    it->attempts = 1;
    if (ss->fd < 0 && pipe_start(it->ch, it) < 0) {
        it->status = ST_FAILED;
        return;
    }
    struct eng_tmpl_buf b = {0};
    message_line(&b, it);
    if (write_all(ss->fd, b.data, b.len) < 0) {
        set_error(it, "pipe: %s", strerror(errno));
        it->status = ST_FAILED;
        pipe_stop(ss);   /* started again for the next message */
    } else {
        it->status = ST_SENT;
    }
    eng_tmpl_buf_free(&b);
}

int sinks_deliver(struct emitter *e, struct item *q)
{
    deliver_files(e, q);
    size_t nh = 0;
    for (struct item *it = q; it; it = it->next)
        if (it->deliver && it->status == ST_NONE && it->ch->kind == SINK_HTTP)
            nh++;
    if (nh) {
        struct item **v = malloc(nh * sizeof *v);
        if (!v)
            abort();
        size_t k = 0;
        for (struct item *it = q; it; it = it->next)
            if (it->deliver && it->status == ST_NONE && it->ch->kind == SINK_HTTP)
                v[k++] = it;
        http_deliver(e->http, v, nh);
        free(v);
    }
    for (struct item *it = q; it; it = it->next) {
        if (!it->deliver || it->status != ST_NONE)
            continue;
        switch (it->ch->kind) {
        case SINK_STDOUT:
            it->attempts = 1;
            it->status = ST_SENT;
            break;
        case SINK_PIPE:
            deliver_pipe(it);
            break;
        default:
            break;
        }
    }
    for (struct item *it = q; it; it = it->next) {
        if (!it->deliver || it->status != ST_NONE || it->ch->kind != SINK_EXEC)
            continue;
        if (e->st && state_exec_begin(e, it, &e->ferr) < 0)
            return -1;
        it->attempts = 1;
        it->status = run_exec(it->ch, it) == 0 ? ST_SENT : ST_FAILED;
    }
    return 0;
}

void sinks_close(struct emitter *e)
{
    for (size_t i = 0; e->cfg && i < e->cfg->nch; i++) {
        struct emit_channel *ch = &e->cfg->ch[i];
        if (!ch->ss)
            continue;
        if (ch->kind == SINK_PIPE)
            pipe_stop(ch->ss);
        else if (ch->ss->fd >= 0)
            close(ch->ss->fd);
        eng_tmpl_buf_free(&ch->ss->buf);
        free(ch->ss);
        ch->ss = NULL;
    }
    while (e->tcache) {
        struct tmpl_cache *n = e->tcache->next;
        tmpl_entry_free(e->tcache);
        e->tcache = n;
    }
}
