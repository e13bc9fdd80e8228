#!/usr/bin/env bats
# README.md's "A five-minute tour" runs as written, from the top of a tree
# (bin/ and share/ there): its ```sh blocks succeed in order in one shell,
# and every "$ COMMAND" of its ```console transcripts prints exactly the
# lines shown after it. tests/readme-tour.py turns the section into a script.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    W=$BATS_TEST_TMPDIR/tree
    mkdir -p "$W"
    ln -s "$ENG_BIN" "$W/bin"
    ln -s "$ENG_SRCDIR/share" "$W/share"
    N=$(python3 "$ENG_SRCDIR/tests/readme-tour.py" "$ENG_SRCDIR/README.md" "$BATS_TEST_TMPDIR")
}

@test "readme-tour: the tour's commands run, and its transcripts print what README.md shows" {
    [ "$N" -ge 5 ] || fail "only $N transcript commands found in the tour"
    cd "$W"
    # ENG_DATADIR is the tour's to set (it exports it)
    run --separate-stderr env -u ENG_DATADIR bash "$BATS_TEST_TMPDIR/tour.sh"
    assert_success
    local i
    for i in $(seq 1 "$N"); do
        run diff "$BATS_TEST_TMPDIR/want.$i" "$BATS_TEST_TMPDIR/got.$i"
        [ "$status" -eq 0 ] || fail "README transcript command $i: < README, > actual:
$output"
    done
    # what the sh blocks wrote is what the text says they write
    [ "$(wc -l < tweets.jsonl)" -eq 39 ]
    [ "$(wc -l < rejects.jsonl)" -eq 1 ]
    [ -s actions.jsonl ]
    cmp heatwave-out/receipts.jsonl "$ENG_SRCDIR/share/eng/examples/heatwave/expected/receipts.jsonl"
}

@test "readme-tour: the check has teeth: a transcript line that is not printed fails it" {
    sed 's/^{"value":true,"type":"bool"}$/{"value":false,"type":"bool"}/' \
        "$ENG_SRCDIR/README.md" > "$BATS_TEST_TMPDIR/README.md"
    ! cmp -s "$ENG_SRCDIR/README.md" "$BATS_TEST_TMPDIR/README.md"
    python3 "$ENG_SRCDIR/tests/readme-tour.py" "$BATS_TEST_TMPDIR/README.md" "$BATS_TEST_TMPDIR" > /dev/null
    cd "$W"
    bash "$BATS_TEST_TMPDIR/tour.sh"
    local i bad=0
    for i in $(seq 1 "$N"); do
        cmp -s "$BATS_TEST_TMPDIR/want.$i" "$BATS_TEST_TMPDIR/got.$i" || bad=$((bad + 1))
    done
    assert_equal "$bad" 1
}
