#!/usr/bin/env bats
# make demo (README.md's first command): share/eng/demo.sh runs every example
# scenario in share/eng/examples through the five tools and prints a summary
# of each; the summaries are those of the scenarios' checked expected/
# outputs (tests/example-*.bats check those byte for byte).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    EX="$ENG_SRCDIR/share/eng/examples"
}

run_demo() {
    run --separate-stderr sh "$ENG_SRCDIR/share/eng/demo.sh" "$ENG_BIN" "$ENG_DATADIR"
}

@test "demo: runs every scenario, titled by the first line of its README" {
    run_demo
    assert_success
    local n=0 ex
    for ex in "$EX"/*/run.sh; do
        ex=$(basename "$(dirname "$ex")")
        assert_output --partial "== $(head -n 1 "$EX/$ex/README")"
        assert_output --partial "\$ sh share/eng/examples/$ex/run.sh OUTDIR"
        n=$((n + 1))
    done
    [ "$n" -ge 2 ] || fail "only $n scenarios found"
    assert_equal "$(grep -c '^== ' <<< "$output")" "$n"
}

@test "demo: each scenario's summary is the summary of its expected outputs" {
    run_demo
    assert_success
    local ex want
    for ex in "$EX"/*/run.sh; do
        ex=$(dirname "$ex")
        want=$(sh "$EX/summary.sh" "$ex/expected")
        [[ "$output" == *"$want"* ]] || fail "summary of $(basename "$ex") not in the demo's output:
$want"
    done
}

@test "demo: the summary counts events in, rejects per tool, actions per rule, receipts per status" {
    run_demo
    assert_success
    # the heatwave scenario, as its README tells it
    assert_output --partial - <<'OUT'
  events in (eng-ingest)                   20
  rejects                                   1
    eng-ingest                              1
  actions                                   9
    heatwave-sunscreen                      9
  receipts                                  9
    sent                                    7
    suppressed (frequency-cap)              1
    suppressed (quiet-hours)                1
  rejected records:
    eng-ingest: app-events.csv:12: ragged row: 9 fields, header has 8
OUT
}

@test "demo: the outputs are removed, or kept and named with ENG_DEMO_KEEP=1" {
    mkdir "$BATS_TEST_TMPDIR/t"
    TMPDIR=$BATS_TEST_TMPDIR/t run_demo
    assert_success
    assert_equal "$(ls "$BATS_TEST_TMPDIR/t")" ""
    ENG_DEMO_KEEP=1 TMPDIR=$BATS_TEST_TMPDIR/t run_demo
    assert_success
    local kept
    kept=$(sed -n 's/^demo.sh: outputs kept in //p' <<< "$stderr")
    [ -d "$kept" ] || fail "no kept directory named: $stderr"
    [ -s "$kept/heatwave/receipts.jsonl" ]
    cmp "$kept/heatwave/receipts.jsonl" "$EX/heatwave/expected/receipts.jsonl"
}

@test "demo: a failing scenario stops the demo with exit 2 and its messages" {
    mkdir -p "$BATS_TEST_TMPDIR/bin"
    for t in "$ENG_BIN"/eng-*; do ln -s "$t" "$BATS_TEST_TMPDIR/bin/"; done
    rm "$BATS_TEST_TMPDIR/bin/eng-match"   # not through the link: that is the real one
    printf '#!/bin/sh\necho "eng-match: cannot run" >&2\nexit 3\n' > "$BATS_TEST_TMPDIR/bin/eng-match"
    chmod +x "$BATS_TEST_TMPDIR/bin/eng-match"
    run --separate-stderr sh "$ENG_SRCDIR/share/eng/demo.sh" "$BATS_TEST_TMPDIR/bin" "$ENG_DATADIR"
    assert_failure 2
    [[ "$stderr" == *"eng-match: cannot run"* ]] || fail "stderr: $stderr"
    [[ "$stderr" == *"demo.sh: the heatwave example failed"* ]] || fail "stderr: $stderr"
}
