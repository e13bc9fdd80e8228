/* fuzz emit_config: eng-emit's channel configuration loader
 * (emit_config_load: defaults, suppress, control, arbitration, channels
 * with their templates and sinks) on the input written to a temporary file
 * beside copies of tests/data/emit's lists; then the channel lookup. */
#include "emit.h"
#include "fuzz_file.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const ext[] = { ".txt", ".csv", ".jsonl", NULL };
    (void)argc;
    (void)argv;
    fuzz_file_init("channels.yaml", "tests/data/emit", ext);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    struct emit_config c;

    if (fuzz_file_write(data, size) < 0)
        return 0;
    err.msg[0] = '\0';
    if (emit_config_load(&c, fuzz_path, &err) < 0) {
        if (!err.msg[0])
            abort();
    } else {
        emit_config_channel(&c, "email");
        emit_config_channel(&c, NULL);
    }
    emit_config_free(&c);
    return 0;
}
