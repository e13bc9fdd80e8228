#!/usr/bin/env bats
# Man page examples: every shell session in eng-rules(5) (an .EX block that
# starts with "$ ") is run by tests/man-examples.py in a scratch directory,
# and each command's output must be exactly the lines the page shows.

load test_helper
bats_require_minimum_version 1.5.0

@test "man: every eng-rules(5) example gives the output it shows" {
    run --separate-stderr python3 "$ENG_SRCDIR/tests/man-examples.py" "$ENG_SRCDIR/man/eng-rules.5"
    [ -z "$stderr" ] || echo "stderr: $stderr"
    assert_success
    refute_output --partial "FAIL"
    local oks
    oks=$(grep -c '^ok [0-9]*: ' <<<"$output")
    [ "$oks" -ge 10 ] || fail "only $oks examples passed, expected at least 10"
}
