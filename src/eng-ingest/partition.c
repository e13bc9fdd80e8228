/* partition: N key-partitioned outputs for scale-out (partition.h,
 * ARCHITECTURE.md "Scale-out").
 *
 * An event goes to output eng_event_partition(key, N): XXH3-64 of the key's
 * bytes modulo N, the same on every machine and in every run, so a customer's
 * events always land in the same file and a per-partition pipeline sees all
 * of them, in input order. Events without the key go to output 0.
 *
 * The outputs are named by a pattern with exactly one %d (the partition
 * number, 0-based, in decimal) and "%%" for a literal '%'; any other '%' is
 * refused, because the pattern is expanded here, never passed to printf.
 *
 * Each name is opened in one of two ways:
 *   1. an existing FIFO is opened for writing as it is (the reader, e.g. one
 *      pipeline of GNU parallel, must be there: open(2) waits for it, and a
 *      SIGINT/SIGTERM ends that wait with an error, since the handlers are
 *      installed without SA_RESTART);
 *   2. anything else is an atomic file writer: a temporary file beside the
 *      name, renamed over it by partition_commit. Freed without a commit,
 *      the temporary files are removed, so a failed run leaves no partial
 *      partition behind and the previous outputs, if any, are untouched.
 */
#include "partition.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"

#define PARTITIONS_MAX 1024

struct partition_set {
    unsigned n;
    struct eng_writer **w; /* n writers */
    int *fifo_fd;          /* n fds: the FIFO's fd, or -1 for a file writer */
    char **path;           /* n expanded names, for messages */
};

/* Checks the pattern: exactly one %d, no '%' but "%d" and "%%". 0 or -1. */
static int check_pattern(const char *pattern, struct eng_error *err)
{
    int nd = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p != '%')
            continue;
        if (p[1] == 'd')
            nd++;
        else if (p[1] != '%') {
            eng_error_set(err, "partition pattern '%s': only %%d and %%%% may "
                          "follow '%%'", pattern);
            return -1;
        }
        p++;
    }
    if (nd != 1) {
        eng_error_set(err, "partition pattern '%s': needs exactly one %%d "
                      "(the partition number)", pattern);
        return -1;
    }
    return 0;
}

/* Returns pattern with %d replaced by i and %% by %, newly allocated (caller
 * frees), or NULL when out of memory. The pattern is checked already. */
static char *expand(const char *pattern, unsigned i)
{
    char num[16];
    size_t nlen = (size_t)snprintf(num, sizeof num, "%u", i);
    char *out = malloc(strlen(pattern) + nlen + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = pattern; *p; p++) {
        if (*p == '%' && p[1] == 'd') {
            memcpy(o, num, nlen);
            o += nlen;
            p++;
        } else if (*p == '%' && p[1] == '%') {
            *o++ = '%';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* Up to 1024 outputs are open at once, each with its fd, and a common soft
 * limit on open files is 1024: raise the soft limit toward the hard one when
 * n outputs (and a few fds for inputs and the rest) would not fit. A failure
 * here is not an error yet: the open that runs out says so. */
static void make_room_for_fds(unsigned n)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)n + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
                      ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* Opens output i of ps at ps->path[i] (rules 1 and 2). 0 or -1. */
static int open_output(struct partition_set *ps, unsigned i, struct eng_error *err)
{
    const char *path = ps->path[i];
    struct stat st;

    if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            eng_error_set(err, "%s: cannot open FIFO for writing: %s", path,
                          errno == EINTR ? "interrupted" : strerror(errno));
            return -1;
        }
        ps->fifo_fd[i] = fd;
        ps->w[i] = eng_writer_new_fd(fd);
        if (!ps->w[i]) {
            eng_error_set(err, "%s: out of memory", path);
            return -1;
        }
        return 0;
    }
    ps->w[i] = eng_writer_new_file(path, err);
    return ps->w[i] ? 0 : -1;
}

int partition_check(const char *pattern, unsigned n, struct eng_error *err)
{
    if (n < 1 || n > PARTITIONS_MAX) {
        eng_error_set(err, "--partitions %u: must be between 1 and %d", n,
                      PARTITIONS_MAX);
        return -1;
    }
    if (!pattern) {
        eng_error_set(err, "no partition pattern");
        return -1;
    }
    return check_pattern(pattern, err);
}

struct partition_set *partition_open(const char *pattern, unsigned n,
                                     struct eng_error *err)
{
    struct partition_set *ps;

    if (partition_check(pattern, n, err) < 0)
        return NULL;
    ps = calloc(1, sizeof *ps);
    if (!ps) {
        eng_error_set(err, "out of memory");
        return NULL;
    }
    ps->n = n;
    ps->w = calloc(n, sizeof *ps->w);
    ps->fifo_fd = malloc(n * sizeof *ps->fifo_fd);
    ps->path = calloc(n, sizeof *ps->path);
    if (!ps->w || !ps->fifo_fd || !ps->path) {
        eng_error_set(err, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < n; i++)
        ps->fifo_fd[i] = -1;
    make_room_for_fds(n);
    for (unsigned i = 0; i < n; i++) {
        ps->path[i] = expand(pattern, i);
        if (!ps->path[i]) {
            eng_error_set(err, "out of memory");
            goto fail;
        }
        if (open_output(ps, i, err) < 0)
            goto fail;
    }
    return ps;
fail:
    partition_free(ps);
    return NULL;
}

struct eng_writer *partition_writer(struct partition_set *ps, const char *key,
                                    size_t len)
{
    if (!key || ps->n == 1)
        return ps->w[0];
    return ps->w[eng_event_partition(key, len, ps->n)];
}

int partition_flush(struct partition_set *ps)
{
    int rc = 0;
    for (unsigned i = 0; i < ps->n; i++)
        if (eng_writer_flush(ps->w[i]) < 0)
            rc = -1;
    return rc;
}

int partition_commit(struct partition_set *ps, struct eng_error *err)
{
    /* Stop at the first failure: the outputs not yet renamed are removed by
     * partition_free, and the error names the one that failed. */
    for (unsigned i = 0; i < ps->n; i++) {
        if (ps->fifo_fd[i] >= 0) {
            /* A FIFO has nothing to rename; the writer's own message would
             * not name it. */
            if (eng_writer_flush(ps->w[i]) < 0) {
                eng_error_set(err, "%s: write error: %s", ps->path[i],
                              strerror(errno));
                return -1;
            }
        } else if (eng_writer_commit(ps->w[i], err) < 0) {
            return -1;
        }
    }
    return 0;
}

void partition_free(struct partition_set *ps)
{
    if (!ps)
        return;
    for (unsigned i = 0; i < ps->n; i++) {
        if (ps->w)
            eng_writer_free(ps->w[i]);
        if (ps->fifo_fd && ps->fifo_fd[i] >= 0)
            close(ps->fifo_fd[i]);
        if (ps->path)
            free(ps->path[i]);
    }
    free(ps->w);
    free(ps->fifo_fd);
    free(ps->path);
    free(ps);
}
