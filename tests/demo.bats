#!/usr/bin/env bats
# make demo: the README's first command runs the demo pipeline on the
# shipped samples; it must keep working as tools land.

load test_helper
bats_require_minimum_version 1.5.0

@test "demo: the sample pipeline runs end to end with the expected counts" {
    run --separate-stderr sh "$ENG_SRCDIR/share/eng/demo.sh" "$ENG_BIN" "$ENG_DATADIR"
    assert_success
    # every stage's --stats line, exactly
    [[ "$stderr" == *'{"tool":"eng-ingest","in":40,"out":39,"rejected":1,"filtered":0}'* ]]
    [[ "$stderr" == *'{"tool":"eng-sentiment","in":39,"out":39,"rejected":0,"scored":39,"skipped":0,"utf8_repaired":0}'* ]]
    [[ "$stderr" == *'"tool":"eng-match","in":39,"out":9,"rejected":0,"actions":9,'* ]]
    [[ "$stderr" == *'{"tool":"eng-ingest","in":31,"out":30,"rejected":1,"filtered":0}'* ]]
    # the reject of the sample's impossible date is shown
    assert_output --partial '"error":"ts: cannot parse '"'"'2015-02-30 09:14:02 -0800'"'"'"'
    assert_output --partial '"rule":"escalate-angry","customer":"hannah_k"'
}
