/* test_partition: eng-ingest's key-partitioned outputs
 * (src/eng-ingest/partition.c): pattern checks, stable routing, atomic
 * files, FIFOs, and nothing left behind by a run that does not commit. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "event.h"
#include "partition.h"

static char dir[64];

static char *pathf(const char *name)
{
    static char buf[4][256];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

/* Number of entries in dir, "." and ".." left out. */
static int count_files(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Contents of a file into a static buffer, "" when missing. */
static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = 0;
    buf[0] = '\0';
    if (f) {
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

static void clean(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(pathf(e->d_name));
    closedir(d);
}

static void rejects(const char *pattern, unsigned n, const char *want_msg,
                    const char *name)
{
    struct eng_error err;
    char full[256], want[512];
    struct partition_set *ps;
    eng_error_clear(&err);
    snprintf(full, sizeof full, "%s/%s", dir, pattern);
    ps = partition_open(full, n, &err);
    ok(ps == NULL, name);
    snprintf(want, sizeof want, want_msg, full);
    is_str(err.msg, want, name);
    is_int(count_files(), 0, name);
    partition_free(ps);
}

static void test_patterns(void)
{
    const char *need = "partition pattern '%s': needs exactly one %%d (the partition number)";
    const char *other = "partition pattern '%s': only %%d and %%%% may follow '%%'";
    rejects("out.jsonl", 2, need, "pattern without %d is refused");
    rejects("out-%d-%d.jsonl", 2, need, "pattern with two %d is refused");
    rejects("out-%s.jsonl", 2, other, "pattern with %s is refused");
    rejects("out-%5d.jsonl", 2, other, "pattern with a width is refused");
    rejects("out-%d-%", 2, other, "pattern with a trailing % is refused");
    rejects("out-%%d.jsonl", 2, need, "%%d is a literal, not the number");
    rejects("out-%d", 0, "--partitions 0: must be between 1 and 1024", "0 partitions refused");
    rejects("out-%d", 1025, "--partitions 1025: must be between 1 and 1024", "1025 partitions refused");

    struct eng_error err;
    is_int(partition_check("out-%d.jsonl", 4, &err), 0, "partition_check: good pattern");
    is_int(partition_check("50%%/out-%d", 1024, &err), 0, "partition_check: %% and 1024");
    is_int(partition_check("out.jsonl", 4, &err), -1, "partition_check: no %d");
    is_str(err.msg, "partition pattern 'out.jsonl': needs exactly one %d (the partition number)",
           "partition_check: its message");
    is_int(partition_check(NULL, 4, &err), -1, "partition_check: NULL pattern");
    is_int(count_files(), 0, "partition_check creates nothing");
}

static void test_percent_literal(void)
{
    struct eng_error err;
    struct partition_set *ps = partition_open(pathf("100%%-%d.jsonl"), 1, &err);
    ok(ps != NULL, "%% in a pattern is a literal %");
    eng_writer_puts(partition_writer(ps, NULL, 0), "x\n");
    is_int(partition_commit(ps, &err), 0, "%% pattern: commit");
    partition_free(ps);
    is_str(slurp(pathf("100%-0.jsonl")), "x\n", "%% pattern: file 100%-0.jsonl written");
    clean();
}

static void test_routing_and_commit(void)
{
    static const char *keys[] = { "alice", "bob", "carol", "dave", "erin",
                                  "frank", "grace", "heidi", "ivan", "judy" };
    struct eng_error err;
    struct partition_set *ps = partition_open(pathf("out-%d.jsonl"), 4, &err);
    char want[4][1024] = { "", "", "", "" };
    int stable = 1;

    if (!ok(ps != NULL, "4 partitions open")) {
        printf("#   %s\n", err.msg);
        return;
    }
    is_int(count_files(), 4, "4 temporary files exist before commit");
    ok(access(pathf("out-0.jsonl"), F_OK) != 0, "out-0.jsonl not there before commit");

    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            size_t len = strlen(keys[i]);
            unsigned p = eng_event_partition(keys[i], len, 4);
            struct eng_writer *w = partition_writer(ps, keys[i], len);
            if (w != partition_writer(ps, keys[i], len))
                stable = 0;
            eng_writer_puts(w, keys[i]);
            eng_writer_putc(w, '\n');
            strcat(want[p], keys[i]);
            strcat(want[p], "\n");
        }
    ok(stable, "same key, same writer");
    /* No key: partition 0, documented in eng-ingest(1). */
    eng_writer_puts(partition_writer(ps, NULL, 0), "nokey\n");
    strcat(want[0], "nokey\n");

    is_int(partition_flush(ps), 0, "flush of all outputs");
    is_int(partition_commit(ps, &err), 0, "commit of all outputs");
    partition_free(ps);

    is_int(count_files(), 4, "after commit: exactly the 4 outputs, no temporary left");
    for (int p = 0; p < 4; p++) {
        char name[64], file[32];
        snprintf(file, sizeof file, "out-%d.jsonl", p);
        snprintf(name, sizeof name, "out-%d.jsonl holds its keys' lines", p);
        is_str(slurp(pathf(file)), want[p], name);
    }
    /* The hash is part of the contract (same partition on every machine and
     * in every release): pin it so a change is caught. XXH3-64("alice") =
     * 0x4da10dd61a0116b0, ("bob") = 0x1403c0c40f49b8e5. */
    is_int(eng_event_partition("alice", 5, 4), 0, "partition of 'alice' among 4 is pinned");
    is_int(eng_event_partition("bob", 3, 4), 1, "partition of 'bob' among 4 is pinned");
    clean();
}

static void test_free_without_commit(void)
{
    struct eng_error err;
    struct partition_set *ps;

    /* An earlier run's output stays as it was when this run fails. */
    FILE *f = fopen(pathf("out-1.jsonl"), "w");
    fputs("old\n", f);
    fclose(f);
    ps = partition_open(pathf("out-%d.jsonl"), 3, &err);
    ok(ps != NULL, "open over an earlier output");
    for (unsigned i = 0; i < 3; i++)
        eng_writer_puts(partition_writer(ps, "k", 1), "new\n");
    partition_flush(ps);
    partition_free(ps);
    is_int(count_files(), 1, "free without commit: temporaries removed");
    is_str(slurp(pathf("out-1.jsonl")), "old\n", "free without commit: earlier output untouched");
    clean();
}

static void test_open_failure(void)
{
    struct eng_error err;
    struct partition_set *ps = partition_open(pathf("missing-dir/out-%d"), 2, &err);
    ok(ps == NULL, "a missing directory is an error");
    ok(strstr(err.msg, "missing-dir/out-0") != NULL, "the error names the output");
    is_int(count_files(), 0, "nothing created when the open fails");
}

/* An existing FIFO is written as it is (GNU parallel reads it). */
static void test_fifo(void)
{
    struct eng_error err;
    struct partition_set *ps;
    struct stat st;
    pid_t pid;
    int status;
    /* a key for partition 1 of 2 */
    const char *key = eng_event_partition("alice", 5, 2) == 1 ? "alice" : "bob";

    if (!ok(eng_event_partition(key, strlen(key), 2) == 1, "fifo: a key for partition 1"))
        return;
    mkfifo(pathf("p-1"), 0600);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char buf[256];
        ssize_t n;
        int in = open(pathf("p-1"), O_RDONLY);
        int out = open(pathf("got"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    ps = partition_open(pathf("p-%d"), 2, &err);
    ok(ps != NULL, "fifo: open with a reader present");
    eng_writer_puts(partition_writer(ps, key, strlen(key)), "to-fifo\n");
    eng_writer_puts(partition_writer(ps, NULL, 0), "to-file\n");
    is_int(partition_commit(ps, &err), 0, "fifo: commit");
    partition_free(ps);
    waitpid(pid, &status, 0);
    is_str(slurp(pathf("got")), "to-fifo\n", "fifo: the reader got its line");
    is_str(slurp(pathf("p-0")), "to-file\n", "fifo: the other partition is a file");
    ok(stat(pathf("p-1"), &st) == 0 && S_ISFIFO(st.st_mode), "fifo: still a FIFO after commit");
    clean();
}

static void test_many(void)
{
    struct eng_error err;
    struct partition_set *ps = partition_open(pathf("m-%d"), 1024, &err);
    ok(ps != NULL, "1024 partitions open");
    if (ps) {
        eng_writer_puts(partition_writer(ps, "x", 1), "x\n");
        is_int(partition_commit(ps, &err), 0, "1024 partitions commit");
        partition_free(ps);
    }
    is_int(count_files(), 1024, "1024 files");
    clean();
}

int main(void)
{
    strcpy(dir, "/tmp/test_partition.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_patterns();
    test_percent_literal();
    test_routing_and_commit();
    test_free_without_commit();
    test_open_failure();
    test_fifo();
    test_many();
    rmdir(dir);
    return done_testing();
}
