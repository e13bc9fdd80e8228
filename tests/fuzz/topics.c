/* fuzz topics: eng-sentiment's --topics loader (topics_load) on the input
 * written to a temporary file, then topics_match on a fixed text and on the
 * input's own bytes. */
#include "fuzz_file.h"
#include "topics.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_file_init("topics.yaml", NULL, NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] = "My flight was DELAYED, then on  hold; lost "
        "bag at baggage claim. Wi-fi? caf\xc3\xa9 refund \xe2\x9c\x88";
    struct eng_error err;

    if (fuzz_file_write(data, size) < 0)
        return 0;
    err.msg[0] = '\0';
    struct topics *t = topics_load(fuzz_path, &err);
    if (!t) {
        if (!err.msg[0])
            abort();
        return 0;
    }
    size_t n = topics_count(t);
    unsigned char *hit = malloc(n + 1);
    if (!hit)
        abort();
    for (size_t i = 0; i < n; i++)
        if (!topics_name(t, i))
            abort();
    topics_match(t, text, sizeof text - 1, hit);
    topics_match(t, (const char *)data, size, hit);
    free(hit);
    topics_free(t);
    return 0;
}
