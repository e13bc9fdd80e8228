#!/usr/bin/env bats
# The rule language against CEL's own conformance tests, through
# `eng-match --eval-jsonl` (../shared/cel/EVAL-JSONL.md). tests/cel-compare.py
# judges the answers; tests/data/cel/known-failures.jsonl lists each test
# expected to fail, with its reason (empty while every public test passes).

load test_helper
bats_require_minimum_version 1.5.0

SUITE_REL=cel/conformance-public.jsonl

@test "cel: conformance-public passes at 98% or better, failures exactly the known ones" {
    skip_without_shared "CEL conformance"
    run python3 "$ENG_SRCDIR/tests/cel-compare.py" "$ENG_SHARED/$SUITE_REL" \
        --min 0.98 --known "$ENG_TESTDATA/cel/known-failures.jsonl" \
        --failures-out "$BATS_TEST_TMPDIR/failures.jsonl" -- eng-match --eval-jsonl
    echo "$output"
    assert_success
    assert_output --partial "cel conformance: "
    refute_output --partial "UNEXPECTED"
}

@test "cel: eval-jsonl answers one line per input line, bad lines included" {
    run eng-match --eval-jsonl <<'IN'
{"expr": "x.price * 2 > 10.0", "bindings": {"x": {"price": 6}}}
not json
{"expr": 1}
{"expr": "1 +"}
{"expr": "y", "bindings": {}}
{"expr": "x", "bindings": {"x": {"$double": "NaN"}}}
{"expr": "timestamp(0) + duration('1.5s')"}
{"expr": "[1, 2.0, 'a', null, {'k': x}]", "bindings": {"x": {"$duration": "-1ns"}}}
IN
    assert_success
    [ "${#lines[@]}" -eq 8 ]
    assert_line -n 0 '{"value":true,"type":"bool"}'
    [[ "${lines[1]}" == '{"error":'* ]]
    [[ "${lines[2]}" == '{"error":'* ]]
    [[ "${lines[3]}" == '{"error":"expr:1:4: expected an expression, found end of expression"}' ]]
    [[ "${lines[4]}" == '{"error":'* ]]
    assert_line -n 5 '{"value":{"$double":"NaN"},"type":"double"}'
    assert_line -n 6 '{"value":{"$timestamp":"1970-01-01T00:00:01.5Z"},"type":"timestamp"}'
    assert_line -n 7 '{"value":[1,2.0,"a",null,{"k":{"$duration":"-0.000000001s"}}],"type":"list"}'
}

@test "cel: the comparer judges types exactly (1 is not 1.0) and rejects NaN text" {
    cat > "$BATS_TEST_TMPDIR/suite.jsonl" <<'IN'
{"file": "f", "section": "s", "name": "int", "expr": "1", "bindings": {}, "expect": {"value": 1, "type": "int"}}
{"file": "f", "section": "s", "name": "double", "expr": "1.0", "bindings": {}, "expect": {"value": 1.0, "type": "double"}}
{"file": "f", "section": "s", "name": "nan", "expr": "0.0/0.0", "bindings": {}, "expect": {"value": {"$double": "NaN"}, "type": "double"}}
{"file": "f", "section": "s", "name": "err", "expr": "1/0", "bindings": {}, "expect": {"error": true}}
{"file": "f", "section": "s", "name": "ts", "expr": "t", "bindings": {}, "expect": {"value": {"$timestamp": "2009-02-13T23:31:30Z"}, "type": "timestamp"}}
IN
    cat > "$BATS_TEST_TMPDIR/answers.jsonl" <<'IN'
{"value":1,"type":"int"}
{"value":1,"type":"double"}
{"value":NaN,"type":"double"}
{"error":"division by zero"}
{"value":{"$timestamp":"2009-02-13T23:31:30.000Z"},"type":"timestamp"}
IN
    run python3 "$ENG_SRCDIR/tests/cel-compare.py" "$BATS_TEST_TMPDIR/suite.jsonl" \
        --answers "$BATS_TEST_TMPDIR/answers.jsonl"
    assert_success
    assert_output --partial "FAIL f/s/double"
    assert_output --partial "FAIL f/s/nan"
    refute_output --partial "FAIL f/s/int"
    refute_output --partial "FAIL f/s/ts"
    assert_output --partial "cel conformance: 3/5 = 0.6000"
}
