/* fuzz enrich_conf: eng-enrich's configuration loader (enrich_config_load:
 * joins, lookups, places, profile aggregates, segments, context; master
 * files are loaded too) on the input written to a temporary file beside
 * copies of tests/data/enrich's master files. */
#include "conf.h"
#include "fuzz_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const ext[] = { ".csv", ".jsonl", NULL };
    (void)argc;
    (void)argv;
    fuzz_file_init("enrich.yaml", "tests/data/enrich", ext);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    struct enrich_config cfg;

    if (fuzz_file_write(data, size) < 0)
        return 0;
    err.msg[0] = '\0';
    if (enrich_config_load(fuzz_path, &cfg, 1, &err) < 0 && !err.msg[0])
        abort();
    enrich_config_free(&cfg);
    return 0;
}
