#!/usr/bin/env bats
# Man pages: every page in man/ renders with no warning from man/groff
# (--warnings=w is groff -ww, every warning; groff's "all" leaves out "mac").

load test_helper
bats_require_minimum_version 1.5.0

render_clean() {
    local page="$ENG_SRCDIR/man/$1"
    [ -f "$page" ] || fail "missing man page $1"
    run --separate-stderr env MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings=w -l "$page"
    assert_success
    # stdout is the page; groff's and man's diagnostics go to stderr.
    [ -z "$stderr" ] || fail "warnings rendering $1: $stderr"
    assert_output --partial "$2"
}

@test "man: eng(7) renders cleanly" {
    render_clean eng.7 "eng-ingest"
}

@test "man: eng-event(7) renders cleanly" {
    render_clean eng-event.7 "customer"
}

# documents_every_option TOOL: every long option TOOL --help lists appears
# in TOOL(1).
documents_every_option() {
    local opts page o
    opts=$("$1" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
    [ -n "$opts" ] || fail "$1 --help lists no long option"
    page=$(MANWIDTH=200 man -l "$ENG_SRCDIR/man/$1.1" 2>/dev/null)
    for o in $opts; do
        [[ "$page" == *"$o"* ]] || fail "$1(1) does not document $o"
    done
}

@test "man: eng-ingest(1) renders cleanly and documents every option" {
    render_clean eng-ingest.1 "--partition-out"
    documents_every_option eng-ingest
}

@test "man: eng-sentiment(1) renders cleanly and documents every option" {
    render_clean eng-sentiment.1 "--add-lexicon"
    documents_every_option eng-sentiment
}

@test "man: eng-match(1) renders cleanly and documents every option" {
    render_clean eng-match.1 "--annotate"
    documents_every_option eng-match
}

@test "man: eng-rules(5) renders cleanly" {
    render_clean eng-rules.5 "exists_one"
}

@test "man: eng-emit(1) renders cleanly and documents every option" {
    render_clean eng-emit.1 "Idempotency-Key"
    documents_every_option eng-emit
}

@test "man: eng-enrich(1) renders cleanly and documents every option" {
    render_clean eng-enrich.1 "--state-ttl"
    documents_every_option eng-enrich
}

@test "man: eng-report(1) renders cleanly and documents every option" {
    render_clean eng-report.1 "--attribution"
    documents_every_option eng-report
}
