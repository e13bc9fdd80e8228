/* fuzz csv: eng-ingest's CSV/TSV path (csvin_run: libcsv fed line by line
 * from the libeng reader, the plan, the event writer, the rejects) over the
 * input as a file, events to /dev/null, rejects counted quietly.
 *
 * Input: byte 0 chooses the run: bit 0 TSV, bit 1 -S, bit 2 --require
 * ts,customer,type (else nothing required), bits 3-4 the mapping (none, or
 * tests/data/ingest noheader.yaml, local.yaml, keep.yaml), bit 5 a small
 * --max-line (64). The rest is the file.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fuzz_src.h"
#include "csvin.h"
#include "ingest.h"

static struct eng_cli cli;
static struct mapping *maps[4];
static int devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const files[] = { NULL, "noheader.yaml", "local.yaml",
                                         "keep.yaml" };
    struct eng_error err;
    (void)argc;
    (void)argv;
    eng_cli_init(&cli, "eng-ingest");
    cli.quiet = 1;
    cli.progress = 0;
    for (int i = 1; i < 4; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/data/ingest/%s", ENG_SRCDIR,
                 files[i]);
        if (!(maps[i] = mapping_load(path, &err))) {
            fprintf(stderr, "%s\n", err.msg);
            abort();
        }
    }
    devnull = open("/dev/null", O_WRONLY);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char *require[] = { "ts", "customer", "type" };
    struct eng_error err;
    struct ingest g;
    struct ingest_input in;

    if (size < 1)
        return 0;
    unsigned opt = data[0];
    struct src s = { data + 1, size - 1, 0 };

    memset(&g, 0, sizeof g);
    cli.max_line = opt & 32 ? 64 : ENG_MAX_LINE_DEFAULT;
    g.cli = &cli;
    g.format = opt & 1 ? "tsv" : "csv";
    g.popts.map = maps[(opt >> 3) & 3];
    g.popts.infer_none = (opt & 2) != 0;
    if (opt & 4) {
        g.popts.require = require;
        g.popts.nrequire = 3;
    }
    g.out = eng_writer_new_fd(devnull);
    g.rej = eng_rejects_open(cli.prog, NULL, -1, 1, &err);
    if (!g.out || !g.rej)
        abort();
    ingest_input_init(&g, &in, "fuzz.csv");
    struct eng_reader *r = eng_reader_new_fn(src_read, &s, in.label,
                                             cli.max_line);
    eng_reader_set_flush(r, g.out);
    csvin_run(&g, &in, r, opt & 1);
    /* conservation (ingest.h): every record read is out, filtered or a
     * reject, unless a fatal error stopped the run */
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
