/* Unit tests for error: the house message format "FILE:LINE[:COL]: message". */
#include <string.h>

#include "error.h"
#include "tap.h"

int main(void)
{
    struct eng_error err;
    char longname[2 * ENG_ERROR_MAX];

    eng_error_set(&err, "bad %s %d", "thing", 7);
    is_str(err.msg, "bad thing 7", "set: plain printf message");

    eng_error_at(&err, "rules.yaml", 14, 22, "expected '%c'", ')');
    is_str(err.msg, "rules.yaml:14:22: expected ')'", "at: file, line and column");

    eng_error_at(&err, "tweets.csv", 812, 0, "ragged row");
    is_str(err.msg, "tweets.csv:812: ragged row", "at: column 0 is left out");

    eng_error_at(&err, "map.yaml", 0, 5, "empty");
    is_str(err.msg, "map.yaml: empty", "at: line 0 leaves out line and column");

    eng_error_clear(&err);
    is_str(err.msg, "", "clear: message becomes empty");

    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    eng_error_at(&err, longname, 1, 1, "never seen");
    is_int(strlen(err.msg), ENG_ERROR_MAX - 1, "at: an over-long place is cut, never overflows");

    eng_error_set(NULL, "ignored");
    eng_error_at(NULL, "f", 1, 1, "ignored");
    eng_error_clear(NULL);
    ok(1, "NULL error records are accepted everywhere");
    return done_testing();
}
