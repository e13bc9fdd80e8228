/* fuzz_file.h: for the harnesses of loaders that take a path. Each fuzzer
 * process gets a private temporary directory ($TMPDIR or /tmp) holding the
 * input file (rewritten for every input) and copies of the fixture files a
 * configuration may name (master data, lists). The directory is removed at
 * exit. */
#ifndef ENG_FUZZ_FILE_H
#define ENG_FUZZ_FILE_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[4096];
static char fuzz_path[4200];

static void fuzz_rm_dir(void)
{
    DIR *d = opendir(fuzz_dir);
    struct dirent *e;
    char p[8400];
    if (!d)
        return;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", fuzz_dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(fuzz_dir);
}

/* Creates the directory; the input file will be fuzz_dir/NAME. Copies the
 * files of ENG_SRCDIR/FIXTURES (a directory; NULL: none) whose names end in
 * one of the NULL-terminated suffixes into it. */
static void fuzz_file_init(const char *name, const char *fixtures,
                           const char *const *suffixes)
{
    const char *t = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/eng-fuzz.XXXXXX",
             t && *t ? t : "/tmp");
    if (!mkdtemp(fuzz_dir))
        abort();
    atexit(fuzz_rm_dir);
    snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", fuzz_dir, name);
    if (!fixtures)
        return;
    char src[4200], dst[8400], buf[65536];
    snprintf(src, sizeof src, "%s/%s", ENG_SRCDIR, fixtures);
    DIR *d = opendir(src);
    struct dirent *e;
    if (!d)
        abort();
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        int want = 0;
        for (const char *const *s = suffixes; *s; s++) {
            size_t k = strlen(*s);
            want |= n > k && strcmp(e->d_name + n - k, *s) == 0;
        }
        if (!want)
            continue;
        snprintf(dst, sizeof dst, "%s/%s", src, e->d_name);
        FILE *in = fopen(dst, "rb");
        snprintf(dst, sizeof dst, "%s/%s", fuzz_dir, e->d_name);
        FILE *out = fopen(dst, "wb");
        size_t k;
        if (!in || !out)
            abort();
        while ((k = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, k, out);
        fclose(in);
        fclose(out);
    }
    closedir(d);
}

/* Writes the input to fuzz_path. Returns 0, or -1 for an input not to run:
 * one naming a device or kernel file (a config could make a loader read
 * /dev/zero or block on /dev/stdin). */
static int fuzz_file_write(const uint8_t *data, size_t size)
{
    static const char *const bad[] = { "/dev", "/proc", "/sys", "/fd/" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (memmem(data, size, bad[i], strlen(bad[i])))
            return -1;
    FILE *f = fopen(fuzz_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    return 0;
}

#endif
