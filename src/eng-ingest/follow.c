/* follow: --follow, reading a file as it grows, across truncation and
 * rotation, like `tail -F` (follow.h).
 *
 * The follower holds one fd, the (device, inode) it was opened on and the
 * offset read so far. follow_read() is read(2) with a different end of file:
 *
 *   loop:
 *     if a SIGINT/SIGTERM is pending:        return 0 (the only "end")
 *     if no fd (file missing):               try to open it, else sleep
 *     n = read(fd)
 *     if n > 0:                              return n
 *     at EOF, look at the name (stat) and the fd (fstat):
 *       name gone:                           sleep (the old fd may still grow:
 *                                            a server writes to it until it
 *                                            reopens its log)
 *       name on another inode:               rotated; read the old fd once
 *                                            more to its end (rule 2), then
 *                                            switch to the new file at 0
 *       size < offset:                       truncated; seek to 0
 *       otherwise:                           sleep 200 ms
 *
 * Rules, and why:
 *   1. Polling, not inotify: it works on every file system (NFS included)
 *      and the cost, one stat+fstat every 200 ms while idle, is nothing.
 *   2. No line is lost at a rotation: the switch happens only after a read
 *      of the old fd returned 0 *after* the new name was seen, so whatever
 *      was appended to the old file before the rename is read first.
 *   3. Truncation is noticed when the size drops below what was read. A file
 *      truncated and refilled beyond that offset within one poll interval
 *      cannot be told from one that grew (tail -F has the same limit);
 *      copytruncate rotation should leave a pause, as it does in practice.
 *   4. The sleep is a nanosleep, which a signal handler interrupts (the
 *      handlers are installed without SA_RESTART), so SIGTERM ends a follow
 *      at once.
 */
#include "follow.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define POLL_MS 200

struct follower {
    char *path;
    int fd;           /* -1 while the file is missing */
    dev_t dev;        /* what fd is open on */
    ino_t ino;
    off_t off;        /* bytes read from fd since it was opened or truncated */
    int rotated;      /* the name points elsewhere: drain fd, then switch */
};

static void pause_poll(void)
{
    struct timespec ts = { 0, POLL_MS * 1000000L };
    nanosleep(&ts, NULL);
}

/* Opens f->path as the file to follow. 1 when open, 0 when the file is not
 * there (yet), -1 on another error (errno set). */
static int open_file(struct follower *f)
{
    struct stat st;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return -1;
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->off = 0;
    f->rotated = 0;
    return 1;
}

struct follower *follow_open(const char *path, struct eng_error *err)
{
    struct follower *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        eng_error_set(err, "%s: out of memory", path);
        return NULL;
    }
    f->fd = -1;
    if (open_file(f) < 0) {
        eng_error_set(err, "%s: %s", path, strerror(errno));
        follow_close(f);
        return NULL;
    }
    return f;
}

/* At end of file on f->fd: decides what the name and the fd say. Returns 1
 * when the caller should read again at once, 0 when it should sleep. */
static int at_eof(struct follower *f)
{
    struct stat name_st, fd_st;

    if (stat(f->path, &name_st) < 0)
        return 0; /* gone, or unreadable for now: keep the old fd, wait */
    if (name_st.st_dev != f->dev || name_st.st_ino != f->ino) {
        if (!f->rotated) {
            f->rotated = 1; /* rule 2: one more read of the old fd first */
            return 1;
        }
        close(f->fd);
        f->fd = -1;
        return open_file(f) == 1; /* gone again in between: wait for it */
    }
    f->rotated = 0; /* moved back: still the same file */
    if (fstat(f->fd, &fd_st) == 0 && S_ISREG(fd_st.st_mode) &&
        fd_st.st_size < f->off) {
        if (lseek(f->fd, 0, SEEK_SET) == 0) {
            f->off = 0;
            return 1;
        }
    }
    return 0;
}

long follow_read(void *follower, void *buf, size_t n)
{
    struct follower *f = follower;

    for (;;) {
        ssize_t got;

        if (eng_signal_pending())
            return 0;
        if (f->fd < 0) {
            int r = open_file(f);
            if (r < 0)
                return -1;
            if (r == 0) {
                pause_poll();
                continue;
            }
        }
        got = read(f->fd, buf, n);
        if (got > 0) {
            f->off += got;
            return (long)got;
        }
        if (got < 0) {
            if (errno == EINTR)
                continue; /* the loop looks at the signal flag */
            return -1;
        }
        if (!at_eof(f))
            pause_poll();
    }
}

void follow_close(struct follower *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    free(f->path);
    free(f);
}
