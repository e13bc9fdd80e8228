/* fuzz mapping: eng-ingest's -m FILE loader (mapping_load) on the input
 * written to a temporary file, then the target-path splitter on every field
 * target and on the input itself. */
#include "fuzz_file.h"
#include "mapping.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_file_init("map.yaml", NULL, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_error err;
    char **keys;
    size_t n;

    if (fuzz_file_write(data, size) < 0)
        return 0;
    struct mapping *m = mapping_load(fuzz_path, &err);
    if (!m) {
        if (!err.msg[0])
            abort();
    } else {
        for (size_t i = 0; i < m->nfields; i++)
            if (mapping_split_target(m->fields[i].target, &keys, &n, &err) == 0)
                mapping_free_keys(keys, n);
        mapping_free(m);
    }
    /* the splitter on the raw text (a --set FIELD), when it is a C string */
    if (size < 256 && !memchr(data, 0, size)) {
        char t[256];
        memcpy(t, data, size);
        t[size] = '\0';
        if (mapping_split_target(t, &keys, &n, &err) == 0)
            mapping_free_keys(keys, n);
    }
    return 0;
}
