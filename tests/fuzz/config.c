/* fuzz config: libeng's YAML loader (eng_config_parse) on the input, then a
 * walk over the whole tree asking every position lookup and error helper
 * about every node, and a compact dump of the root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const struct eng_config *cfg;
static struct eng_error err;

static void walk(json_t *v, int depth)
{
    struct eng_pos pos;
    if (depth > 200)
        return;
    eng_config_pos(cfg, v, &pos);
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        static const char *const allowed[] = { "a", "b", NULL };
        eng_config_check_keys(cfg, v, allowed, "fuzz", &err);
        json_object_foreach(v, k, m) {
            eng_config_pos_member(cfg, v, k, &pos);
            eng_config_pos_key(cfg, v, k, &pos);
            eng_config_error_member(cfg, v, k, &err, "member %s", k);
            walk(m, depth + 1);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) {
            eng_config_pos_index(cfg, v, i, &pos);
            walk(m, depth + 1);
        }
    } else {
        eng_config_error(cfg, v, &err, "scalar");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct eng_config *c = eng_config_parse((const char *)data, size,
                                            "fuzz.yaml", &err);
    if (!c) {
        if (!err.msg[0])
            abort(); /* a failure always says why */
        return 0;
    }
    cfg = c;
    json_t *root = eng_config_root(c);
    if (root) {
        walk(root, 0);
        char *s = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
        free(s);
    }
    eng_config_free(c);
    return 0;
}
