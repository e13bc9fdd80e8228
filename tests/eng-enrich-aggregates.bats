#!/usr/bin/env bats
# eng-enrich's profile aggregates against an independent reference:
# tests/enrich-aggregates-oracle.py recomputes count, sum, min, max, avg,
# set with max, first, last, the window variants and recent from
# eng-enrich(1)'s definitions, over seeded events with late arrivals
# (tests/data/enrich/gen-late.py), and every profile eng-enrich writes must
# equal it, in memory and continued through a state file. Merging two known
# profiles is checked by hand on a small fixture (merge-aggregates.*).

load test_helper
bats_require_minimum_version 1.5.0

setup() {
    D="$ENG_TESTDATA/enrich"
    ORACLE="$ENG_SRCDIR/tests/enrich-aggregates-oracle.py"
    cd "$BATS_TEST_TMPDIR"
    python3 "$D/gen-late.py" 3000 5 > ev.jsonl
    python3 "$ORACLE" < ev.jsonl > want
}

# profiles < eng-enrich output: the profile member of each line, through
# Python's json so 241 and 241.0 stay apart (jq would merge them).
profiles() {
    python3 -c '
import json, sys
for line in sys.stdin:
    print(json.dumps(json.loads(line)["profile"], separators=(",", ":")))'
}

@test "aggregates: 3000 events with late arrivals: every profile equals the reference" {
    [ "$(wc -l < ev.jsonl)" -eq 3000 ]
    # the fixture really has late events and both kinds of sum
    [ "$(jq -s '[range(1; length) as $i | select(.[$i].ts < .[$i-1].ts)] | length' ev.jsonl)" -gt 100 ]
    grep -q '"amount":[0-9]*[,}]' ev.jsonl
    grep -q '"amount":[0-9]*\.[0-9]' ev.jsonl
    eng-enrich -c "$D/aggregates.yaml" ev.jsonl | profiles > got
    run diff want got
    assert_success
    assert_output ""
}

@test "aggregates: continued through --state in three runs: every profile equals the reference" {
    head -n 1000 ev.jsonl > a.jsonl
    sed -n 1001,2200p ev.jsonl > b.jsonl
    tail -n +2201 ev.jsonl > c.jsonl
    for f in a b c; do
        eng-enrich -c "$D/aggregates.yaml" --state s.db $f.jsonl
    done | profiles > got
    [ "$(wc -l < got)" -eq 3000 ]
    run diff want got
    assert_success
    assert_output ""
}

@test "aggregates: the reference is not vacuous: a wrong window length differs from it" {
    sed 's/window: 7d/window: 6d/' "$D/aggregates.yaml" > c6.yaml
    eng-enrich -c c6.yaml ev.jsonl | profiles > got
    run diff want got
    assert_failure
}

@test "aggregates: a merge adds counts and sums, compares min/max, averages over both, takes first/last by time, merges windows by time" {
    run --separate-stderr bash -c "eng-enrich -c '$D/merge-aggregates.yaml' '$D/merge-aggregates.jsonl' | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    print(json.dumps([e[\"id\"], e[\"customer\"], e[\"profile\"]], separators=(\",\", \":\")))'"
    assert_success
    # m6 shows b and a are one person; a is older (first seen 07-01), so b
    # merges into a. Before m6: a = {10 web 07-01, 2.5 mobile 07-05, chat
    # 07-06 without amount}, b = {4 store 07-02, 30 sms 07-09T12}. Merged:
    # 5 events, 46.5 spent, avg 46.5/4, first web (07-01), last sms
    # (07-09T12); the 7-day window counts back from 07-09T12, so 07-01 and
    # 07-02 are out: 07-05, 07-06, 07-09T12.
    assert_output - <<'OUT'
["m1","a",{"n":1,"spend":10,"low":10,"high":10,"mean":10.0,"first":"web","last":"web","week_n":1,"week_spend":10,"week_max":10}]
["m2","b",{"n":1,"spend":4,"low":4,"high":4,"mean":4.0,"first":"store","last":"store","week_n":1,"week_spend":4,"week_max":4}]
["m3","b",{"n":2,"spend":34,"low":4,"high":30,"mean":17.0,"first":"store","last":"sms","week_n":1,"week_spend":30,"week_max":30}]
["m4","a",{"n":2,"spend":12.5,"low":2.5,"high":10,"mean":6.25,"first":"web","last":"mobile","week_n":2,"week_spend":12.5,"week_max":10}]
["m5","a",{"n":3,"spend":12.5,"low":2.5,"high":10,"mean":6.25,"first":"web","last":"chat","week_n":3,"week_spend":12.5,"week_max":10}]
["merge:b:a:m6","a",{"n":5,"spend":46.5,"low":2.5,"high":30,"mean":11.625,"first":"web","last":"sms","week_n":3,"week_spend":32.5,"week_max":30}]
["m6","a",{"n":6,"spend":47.5,"low":1,"high":30,"mean":9.5,"first":"web","last":"call","week_n":4,"week_spend":33.5,"week_max":30}]
OUT
}

@test "aggregates: a merge in a later run, from the state file, equals the merge in one run" {
    eng-enrich -c "$D/merge-aggregates.yaml" "$D/merge-aggregates.jsonl" > one.out
    head -n 5 "$D/merge-aggregates.jsonl" > a.jsonl
    tail -n 1 "$D/merge-aggregates.jsonl" > b.jsonl
    eng-enrich -c "$D/merge-aggregates.yaml" --state s.db a.jsonl > two.out
    eng-enrich -c "$D/merge-aggregates.yaml" --state s.db b.jsonl >> two.out
    run diff one.out two.out
    assert_success
    [ "$(wc -l < two.out)" -eq 7 ]
}

@test "aggregates: sums of integers stay exact past 2^53; a real makes them reals" {
    printf 'profile:\n  s: { sum: amount }\n  m: { max: amount }\n' > s.yaml
    printf '%s\n' '{"ts":"2024-07-01T00:00:00Z","customer":"a","amount":9007199254740993}' \
                  '{"ts":"2024-07-01T00:00:01Z","customer":"a","amount":2}' \
                  '{"ts":"2024-07-01T00:00:02Z","customer":"a","amount":0.5}' \
                  '{"ts":"2024-07-01T00:00:03Z","customer":"b","amount":"7"}' > s.jsonl
    run --separate-stderr bash -c "eng-enrich -c s.yaml s.jsonl | grep -o '\"profile\":{[^}]*}'"
    assert_success
    assert_output - <<'OUT'
"profile":{"s":9007199254740993,"m":9007199254740993}
"profile":{"s":9007199254740995,"m":9007199254740993}
"profile":{"s":9007199254740996.0,"m":9007199254740993}
"profile":{"s":0,"m":null}
OUT
}

@test "aggregates: reals are written so they read back as the same double" {
    printf 'profile:\n  mean: { avg: x }\n' > a.yaml
    printf '%s\n' '{"ts":"2024-07-01T00:00:00Z","customer":"a","x":0.1}' \
                  '{"ts":"2024-07-01T00:00:01Z","customer":"a","x":0.2}' > a.jsonl
    run --separate-stderr bash -c "eng-enrich -c a.yaml a.jsonl | grep -o '\"mean\":[^}]*'"
    assert_output - <<'OUT'
"mean":0.1
"mean":0.15000000000000002
OUT
}
