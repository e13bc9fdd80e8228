#!/usr/bin/env bats
# The inputs fuzzing found (tests/fuzz/regress/HARNESS/*), each through the
# tool whose code crashed or disagreed on it, in the normal suite: `make fuzz`
# replays them under the sanitizers, these tests keep what the tool does with
# them (clang is not needed here). A new regression input needs a test here:
# the first test fails until it has one.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    R="$ENG_SRCDIR/tests/fuzz/regress"
    cd "$BATS_TEST_TMPDIR"
}

@test "fuzz regressions: every input under tests/fuzz/regress has a test in this file" {
    local f missing=
    for f in "$R"/*/*; do
        grep -qF "$(basename "$f")" "$BATS_TEST_FILENAME" || missing="$missing $f"
    done
    [ -z "$missing" ] || { echo "no test for:$missing"; false; }
}

@test "fuzz regression clf/empty-quoted-field.log: eng-ingest reads each line into an event or a reject with its line, none lost" {
    f="$R/clf/empty-quoted-field.log"
    run --separate-stderr eng-ingest --format clf --rejects rej.jsonl --stats "$f"
    assert_failure 1   # some lines rejected
    n=$(wc -l < "$f")
    events=$(printf '%s\n' "$output" | grep -c '"type":"page_view"')
    rejects=$(wc -l < rej.jsonl)
    [ "$events" -gt 0 ] && [ "$rejects" -gt 0 ]
    [ $((events + rejects)) -eq "$n" ]
    # every reject names its line and what is wrong there; the counts agree
    [ "$(jq -c 'select((.line | type) == "number" and (.error | test("at byte [0-9]+$")))' rej.jsonl | wc -l)" -eq "$rejects" ]
    jq -e --argjson n "$n" --argjson e "$events" --argjson r "$rejects" \
        'select(.tool == "eng-ingest") | .in == $n and .out == $e and .rejected == $r' <<< "$stderr"
    # the line with the empty quoted field (the crash) is an event
    printf '%s\n' "$output" | jq -s -e 'map(select(.source.line == 2)) | length == 1 and .[0].status == 404' >/dev/null
}

@test "fuzz regression enrich_conf/asof-missing-time-column.yaml: eng-enrich stops with a configuration error naming the column (it crashed)" {
    cp "$ENG_TESTDATA/enrich/weather.csv" .
    cp "$R/enrich_conf/asof-missing-time-column.yaml" c.yaml
    echo '{"id":"e1","ts":"2024-07-04T01:00:00Z","customer":"c1","geo":{"city":"Boston"}}' > e.jsonl
    run --separate-stderr eng-enrich -c c.yaml e.jsonl
    assert_failure 2
    assert_output ''
    assert_equal "$stderr" "eng-enrich: c.yaml:3:11: cannot load master data: weather.csv: none of its 3 rows has a usable key 'city' and time 'nosuch'"
}

@test "fuzz regression project/nested-dup-key.json: eng-match reads the last of a nested duplicate key, with and without its projection" {
    # the found line, given the members an event needs, byte for byte
    { printf '{"id":"e1","ts":"2024-07-04T01:00:00Z","customer":"c1",'
      tail -c +2 "$R/project/nested-dup-key.json"; } > e.jsonl
    cat > rules.yaml <<'YAML'
defaults: { key: customer }
rules:
  - id: first-b
    when: has(a.b.c)
    emit: { channel: log }
  - id: last-b
    when: a.b["c["] == 2
    emit: { channel: log, b: "{{a.b}}" }
YAML
    for w in 0 1; do
        ENG_MATCH_PARSE_WHOLE=$w eng-match rules.yaml e.jsonl > "out.$w"
    done
    cmp out.0 out.1
    run jq -c '[.rule, .payload.b]' out.0
    assert_output '["last-b","{\"c[\":2}"]'
}
