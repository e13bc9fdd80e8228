/* fuzz clf: the access-log parser clf_parse on the input as one line (each
 * of combined = 0, 1, -1; every span must lie inside the line, a failure
 * must say why and where), then the whole input as a log through clfin_run
 * (unescaping, the plan, the event writer), events to /dev/null. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clf.h"
#include "clfin.h"
#include "cli.h"
#include "fuzz_src.h"
#include "ingest.h"

static struct eng_cli cli;
static int devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    eng_cli_init(&cli, "eng-ingest");
    cli.quiet = 1;
    cli.progress = 0;
    devnull = open("/dev/null", O_WRONLY);
    return 0;
}

static void span_ok(const struct clf_span *sp, const char *s, size_t len)
{
    if (sp->p && (sp->p < s || sp->p + sp->len > s + len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (int combined = -1; combined <= 1; combined++) {
        struct clf_record rec;
        const char *why = NULL;
        size_t at = (size_t)-1;
        if (clf_parse(s, size, combined, &rec, &why, &at) < 0) {
            if (!why || at > size)
                abort();
            continue;
        }
        span_ok(&rec.host, s, size);
        span_ok(&rec.ident, s, size);
        span_ok(&rec.user, s, size);
        span_ok(&rec.method, s, size);
        span_ok(&rec.path, s, size);
        span_ok(&rec.protocol, s, size);
        if (rec.combined) {
            span_ok(&rec.referer, s, size);
            span_ok(&rec.agent, s, size);
        }
    }

    struct eng_error err;
    struct ingest g;
    struct ingest_input in;
    struct src sr = { data, size, 0 };
    memset(&g, 0, sizeof g);
    g.cli = &cli;
    g.format = "clf";
    g.out = eng_writer_new_fd(devnull);
    g.rej = eng_rejects_open(cli.prog, NULL, -1, 1, &err);
    if (!g.out || !g.rej)
        abort();
    ingest_input_init(&g, &in, "access.log");
    struct eng_reader *r = eng_reader_new_fn(src_read, &sr, in.label, 0);
    clfin_run(&g, &in, r, size & 1 ? 1 : -1);
    if (!g.fatal && g.in != g.out_n + g.filtered + eng_rejects_count(g.rej))
        abort();
    eng_reader_free(r);
    ingest_input_free(&in);
    eng_writer_flush(g.out);
    eng_writer_free(g.out);
    eng_rejects_close(g.rej, &err);
    buf_free(&g.ev);
    return 0;
}
