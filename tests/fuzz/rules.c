/* fuzz rules: eng-match's rule file loader (rules_load: YAML, validation,
 * every expression and template compiled) on the input written to a
 * temporary file. */
#include "fuzz_file.h"
#include "rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_file_init("rules.yaml", NULL, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    struct ruleset rs;

    if (fuzz_file_write(data, size) < 0)
        return 0;
    memset(&rs, 0, sizeof rs);
    err.msg[0] = '\0';
    if (rules_load(fuzz_path, &rs, &err) < 0 && !err.msg[0])
        abort();
    rules_free(&rs);
    return 0;
}
