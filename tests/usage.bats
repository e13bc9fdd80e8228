#!/usr/bin/env bats
# Usage errors of every tool, run by path (not through PATH): the message is
# "eng-X: ...", never getopt's "/path/to/eng-X: ...", and the exit status 2.

load test_helper
bats_require_minimum_version 1.5.0

bad_option() { # TOOL ARGS...: the tool run by its full path
    local tool=$1
    shift
    run --separate-stderr "$ENG_BIN/$tool" "$@"
    assert_equal "$status" 2
    assert_equal "$output" ""
}

@test "usage: an unknown long option is named, with the tool's name, exit 2" {
    for t in eng-ingest eng-sentiment eng-match eng-enrich eng-emit eng-report; do
        bad_option "$t" --bogus
        assert_equal "$stderr" "$t: option '--bogus' is unknown or needs a value
Try '$t --help' for more information."
    done
}

@test "usage: an unknown short option and a missing value are named, exit 2" {
    for t in eng-ingest eng-sentiment eng-match eng-enrich eng-emit eng-report; do
        bad_option "$t" -Z
        assert_equal "${stderr%%$'\n'*}" "$t: option '-Z' is unknown or needs a value"
        bad_option "$t" --max-line
        assert_equal "${stderr%%$'\n'*}" "$t: option '--max-line' is unknown or needs a value"
    done
}
