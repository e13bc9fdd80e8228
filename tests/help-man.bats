#!/usr/bin/env bats
# --help and the man page agree both ways: every option TOOL --help lists is
# documented in the OPTIONS section of TOOL(1), and every option that section
# documents is listed by --help, long and short forms alike. man.bats checks
# the first direction against the whole page; this compares the two sets.

load test_helper
bats_require_minimum_version 1.5.0

# help_options TOOL: the options --help lists, one per line, sorted.
# Option lines start with blanks and a dash; "-q/--quiet" and
# "--progress, --no-progress" list several.
help_options() {
    "$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/ {2,}.*//; s/ [A-Z][A-Z,.]*( |$)/ /g' |
        grep -oE -- '(^|[ ,/])--?[a-zA-Z][a-z0-9-]*' | sed -E 's/^[ ,\/]//' | sort -u
}

# man_options TOOL: the options the OPTIONS section of TOOL(1) documents as
# tagged paragraphs (.TP followed by the option line), sorted.
man_options() {
    awk '/^\.SH OPTIONS/ { f = 1; next } /^\.SH/ { f = 0 }
         f && prev == ".TP" { print } { prev = $0 }' "$ENG_SRCDIR/man/$1.1" |
        sed -E 's/\\f[BIRP]//g; s/\\-/-/g; s/"//g' |
        grep -oE -- '(^|[ ,])--?[a-zA-Z][a-z0-9-]*' | sed -E 's/^[ ,]//' |
        sort -u
}

both_ways() {
    local h m
    h=$(help_options "$1")
    m=$(man_options "$1")
    [ "$(wc -l <<< "$h")" -ge 8 ] || fail "$1 --help: only $(wc -l <<< "$h") options found: $h"
    [ "$(wc -l <<< "$m")" -ge 8 ] || fail "$1(1): only $(wc -l <<< "$m") options found: $m"
    run diff <(echo "$h") <(echo "$m")
    [ "$status" -eq 0 ] || fail "$1: < only in --help, > only in $1(1):
$output"
}

@test "help-man: eng-ingest --help and eng-ingest(1) list the same options" {
    both_ways eng-ingest
}

@test "help-man: eng-sentiment --help and eng-sentiment(1) list the same options" {
    both_ways eng-sentiment
}

@test "help-man: eng-enrich --help and eng-enrich(1) list the same options" {
    both_ways eng-enrich
}

@test "help-man: eng-match --help and eng-match(1) list the same options" {
    both_ways eng-match
}

@test "help-man: eng-emit --help and eng-emit(1) list the same options" {
    both_ways eng-emit
}

@test "help-man: eng-report --help and eng-report(1) list the same options" {
    both_ways eng-report
}

@test "help-man: the comparison has teeth: an option missing from the page is found" {
    help_options eng-match > "$BATS_TEST_TMPDIR/h"
    grep -qx -- '--annotate' "$BATS_TEST_TMPDIR/h"
    grep -qx -- '-e' "$BATS_TEST_TMPDIR/h"
    grep -qx -- '--no-progress' "$BATS_TEST_TMPDIR/h"
    man_options eng-match > "$BATS_TEST_TMPDIR/m"
    grep -qx -- '--annotate' "$BATS_TEST_TMPDIR/m"
    grep -qx -- '-e' "$BATS_TEST_TMPDIR/m"
    ENG_SRCDIR_SAVED=$ENG_SRCDIR
    mkdir -p "$BATS_TEST_TMPDIR/src/man"
    grep -v -- 'annotate' "$ENG_SRCDIR/man/eng-match.1" > "$BATS_TEST_TMPDIR/src/man/eng-match.1"
    ENG_SRCDIR=$BATS_TEST_TMPDIR/src
    run both_ways eng-match
    ENG_SRCDIR=$ENG_SRCDIR_SAVED
    assert_failure
    assert_output --partial '< --annotate'
}
