#!/usr/bin/env bats
# eng-report settles attribution as it goes (src/eng-report/report.c,
# settle_all): with the input files merged by time, keeping only recent
# sends and conversions must give exactly the numbers of keeping all of
# them. A generated stream over three weeks (gen-events, its times spread
# 500x), actions for most events and their receipts from eng-emit (with a
# control group, so lift is exercised), attributed with the lists settled
# every 50 entries (ENG_REPORT_TRIM_AT=50) and never (a bound larger than
# the input).

load test_helper

setup_file() {
    T="$BATS_FILE_TMPDIR"
    GEN="$ENG_BIN/../bench/gen-events"
    if [ ! -x "$GEN" ]; then
        GEN="$T/gen-events"
        cc -O2 -o "$GEN" "$ENG_SRCDIR/bench/gen-events.c" -lm
    fi
    "$GEN" -n 20000 --customers 300 --seed 4 |
        jq -c '.ts |= (sub("\\.[0-9]+Z$"; "Z") | fromdate | (. - 1709251200) * 500 + 1709251200 | todate)' \
        > "$T/ev.jsonl"
    jq -c 'select(.type != "purchase") |
        (if .channel == "email" then "newsletter" else "nudge" end) as $rule |
        {id: ("act:" + $rule + ":" + .customer + ":" + .id), ts, type: "action",
         rule: $rule, customer,
         channel: (if .channel == "web" then "email" else "push" end)}' \
        "$T/ev.jsonl" > "$T/act.jsonl"
    cat > "$T/emit.yaml" <<'YAML'
control: { percent: 20, salt: "settle" }
defaults: { frequency: { max: 2, per: 1d } }
channels:
  "*": { sink: "file:/dev/null" }
YAML
    eng-emit -c "$T/emit.yaml" "$T/act.jsonl" > "$T/rc.jsonl"
}

@test "settle: attribution settled every 50 entries equals attribution over everything kept" {
    T="$BATS_FILE_TMPDIR"
    ENG_REPORT_TRIM_AT=100000000 eng-report --stats "$T/ev.jsonl" "$T/act.jsonl" "$T/rc.jsonl" \
        > "$T/all.jsonl" 2> "$T/all.err"
    ENG_REPORT_TRIM_AT=50 eng-report --stats "$T/ev.jsonl" "$T/act.jsonl" "$T/rc.jsonl" \
        > "$T/settled.jsonl" 2> "$T/settled.err"
    run cmp "$T/all.jsonl" "$T/settled.jsonl"
    assert_success
    grep -q '"late":0}' "$T/settled.err"
    # the numbers are not trivial: conversions credited, both lift arms
    jq -e -s '[.[] | select(.metric == "funnel") | .converted] | add > 50' "$T/all.jsonl"
    jq -e -s '[.[] | select(.metric == "lift") | .control.customers] | add > 50' "$T/all.jsonl"
    jq -e -s '[.[] | select(.metric == "lift") | .control.converted] | add > 5' "$T/all.jsonl"
}

@test "settle: the files' order on the command line does not matter (they are merged by time)" {
    T="$BATS_FILE_TMPDIR"
    ENG_REPORT_TRIM_AT=50 eng-report "$T/ev.jsonl" "$T/act.jsonl" "$T/rc.jsonl" > "$T/a.jsonl"
    ENG_REPORT_TRIM_AT=50 eng-report "$T/rc.jsonl" "$T/ev.jsonl" "$T/act.jsonl" > "$T/b.jsonl"
    run cmp "$T/a.jsonl" "$T/b.jsonl"
    assert_success
}

@test "settle: a stream out of time order is counted late, with a warning, and --lateness covers it" {
    T="$BATS_FILE_TMPDIR"
    run --separate-stderr bash -c "cat '$T/ev.jsonl' '$T/rc.jsonl' | ENG_REPORT_TRIM_AT=50 eng-report --stats"
    assert_success
    [[ "$stderr" == *"sends or conversions came more than --lateness (1d) behind later records"* ]]
    [[ "$stderr" =~ \"late\":[1-9] ]]
    # three weeks of lateness: everything is kept until the end, as in one run
    run --separate-stderr bash -c "cat '$T/ev.jsonl' '$T/rc.jsonl' | ENG_REPORT_TRIM_AT=50 eng-report --lateness 30d --stats"
    assert_success
    [[ "$stderr" == *'"late":0}'* ]]
    ENG_REPORT_TRIM_AT=100000000 eng-report "$T/ev.jsonl" "$T/rc.jsonl" > "$T/ref.jsonl"
    diff <(echo "$output") "$T/ref.jsonl"
}
